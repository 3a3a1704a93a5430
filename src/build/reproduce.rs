//! `tug build --verify-reproducible`: build the same plan a second time under conditions that
//! must not matter, and name every artifact whose bytes differ.
//!
//! A second build in the same directory with the same Go build cache proves little: the cache
//! hands back whatever it compiled the first time, and nothing that depends on where the source
//! is or on the environment changes. So the second build runs
//! - on a separate copy of the source at another path: a `git clone --shared` of the repository
//!   checked out at the release commit, with the working tree's uncommitted and untracked (not
//!   ignored) files copied over it, so `go build -buildvcs` sees the same commit and the same
//!   modified state;
//! - with an empty `GOCACHE` (a cold build: it costs the full compile time), another `TMPDIR` and
//!   `GOTMPDIR`, and another umask (027) for every hook and build command.
//!
//! Comparing is by artifact name and sha256 ([`compare`]); the caller decides what a difference
//! means (the command exits 3, "checks failed").

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::manifest::Manifest;

use super::plan::{BuildPlan, ChildSetup};
use super::BuildError;

/// The umask of the second build (the usual one is 022).
pub const SECOND_UMASK: u32 = 0o027;

/// One artifact that is not the same in both builds.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "difference", rename_all = "kebab-case")]
pub enum Difference {
    /// Both builds made it, with different bytes.
    Content {
        name: String,
        first: String,
        second: String,
    },
    /// Only the first build made it.
    MissingInSecond { name: String },
    /// Only the second build made it.
    OnlyInSecond { name: String },
}

impl Difference {
    pub fn name(&self) -> &str {
        match self {
            Difference::Content { name, .. }
            | Difference::MissingInSecond { name }
            | Difference::OnlyInSecond { name } => name,
        }
    }
}

impl std::fmt::Display for Difference {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let short = |h: &str| h.chars().take(12).collect::<String>();
        match self {
            Difference::Content {
                name,
                first,
                second,
            } => write!(
                f,
                "{name}: sha256 {} in the first build, {} in the second",
                short(first),
                short(second)
            ),
            Difference::MissingInSecond { name } => {
                write!(f, "{name}: missing from the second build")
            }
            Difference::OnlyInSecond { name } => write!(f, "{name}: only in the second build"),
        }
    }
}

/// The outcome of a verification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verification {
    /// Artifacts of the first build.
    pub compared: usize,
    pub differing: Vec<Difference>,
}

impl Verification {
    pub fn reproducible(&self) -> bool {
        self.differing.is_empty()
    }
}

/// Every artifact that differs between two manifests, by name, in the first manifest's order
/// (then the second build's extras).
pub fn compare(first: &Manifest, second: &Manifest) -> Vec<Difference> {
    let theirs: HashMap<&str, &str> = second
        .artifacts
        .iter()
        .map(|a| (a.name.as_str(), a.sha256.as_str()))
        .collect();
    let mut out = Vec::new();
    for a in &first.artifacts {
        match theirs.get(a.name.as_str()) {
            Some(h) if *h == a.sha256 => {}
            Some(h) => out.push(Difference::Content {
                name: a.name.clone(),
                first: a.sha256.clone(),
                second: h.to_string(),
            }),
            None => out.push(Difference::MissingInSecond {
                name: a.name.clone(),
            }),
        }
    }
    for a in &second.artifacts {
        if !first.artifacts.iter().any(|f| f.name == a.name) {
            out.push(Difference::OnlyInSecond {
                name: a.name.clone(),
            });
        }
    }
    out
}

/// Build `plan` again from a copy of its source in a fresh directory under `scratch_parent`
/// and compare with `first` (the manifest of the build just made into `dist`). Everything the
/// second build made is removed afterwards.
pub fn verify(
    plan: &BuildPlan,
    first: &Manifest,
    dist: &Path,
    scratch_parent: &Path,
) -> Result<Verification, BuildError> {
    std::fs::create_dir_all(scratch_parent)
        .map_err(|e| BuildError::io(format!("creating {}", scratch_parent.display()), e))?;
    let scratch = tempfile::Builder::new()
        .prefix(".tug-verify-")
        .tempdir_in(scratch_parent)
        .map_err(|e| {
            BuildError::io(
                format!("creating a directory in {}", scratch_parent.display()),
                e,
            )
        })?;
    let copy = scratch.path().join("src");
    let root = copy_source(
        &plan.root,
        &plan.release.commit,
        &copy,
        &[dist, scratch.path()],
    )?;
    let tmp = scratch.path().join("tmp");
    let gocache = scratch.path().join("gocache");
    for d in [&tmp, &gocache] {
        std::fs::create_dir_all(d)
            .map_err(|e| BuildError::io(format!("creating {}", d.display()), e))?;
    }
    let mut second = plan.clone();
    second.root = root;
    second.staging_parent = Some(scratch.path().to_path_buf());
    second.children = second_build_setup(&gocache, &tmp);
    let manifest = super::run(&second, &scratch.path().join("dist"), &|_| {})
        .map_err(|e| BuildError::SecondBuild {
            source: Box::new(e),
        })?
        .manifest;
    Ok(Verification {
        compared: first.artifacts.len(),
        differing: compare(first, &manifest),
    })
}

/// The environment and umask of the second build's children.
pub fn second_build_setup(gocache: &Path, tmp: &Path) -> ChildSetup {
    let s = |p: &Path| p.display().to_string();
    ChildSetup {
        env: BTreeMap::from([
            ("GOCACHE".to_string(), s(gocache)),
            ("TMPDIR".to_string(), s(tmp)),
            ("GOTMPDIR".to_string(), s(tmp)),
        ]),
        umask: Some(SECOND_UMASK),
    }
}

fn copy_error(action: impl Into<String>, source: std::io::Error) -> BuildError {
    BuildError::SourceCopy {
        action: action.into(),
        source,
    }
}

/// Run git in `dir`; its stdout on success.
fn git(dir: &Path, args: &[&str]) -> Result<Vec<u8>, BuildError> {
    let what = format!("git {}", args.join(" "));
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .output()
        .map_err(|e| copy_error(what.clone(), e))?;
    if !out.status.success() {
        return Err(copy_error(
            what,
            std::io::Error::other(String::from_utf8_lossy(&out.stderr).trim().to_string()),
        ));
    }
    Ok(out.stdout)
}

/// Make `copy` a clone of the repository holding `root`, at `commit`, with the working tree's
/// changes (modified, added, deleted, untracked but not ignored files) applied, except anything
/// under `skip` (dist and tug's scratch directories). Returns where `root` is in the copy.
fn copy_source(
    root: &Path,
    commit: &str,
    copy: &Path,
    skip: &[&Path],
) -> Result<PathBuf, BuildError> {
    let top = git(root, &["rev-parse", "--show-toplevel"])?;
    let top = PathBuf::from(String::from_utf8_lossy(&top).trim());
    let rel = root
        .canonicalize()
        .ok()
        .and_then(|r| {
            r.strip_prefix(top.canonicalize().ok()?)
                .ok()
                .map(Path::to_path_buf)
        })
        .unwrap_or_default();
    let copy_str = copy.display().to_string();
    let top_str = top.display().to_string();
    git(
        &top,
        &[
            "clone",
            "--quiet",
            "--shared",
            "--no-checkout",
            &top_str,
            &copy_str,
        ],
    )?;
    git(copy, &["checkout", "--quiet", "--detach", commit])?;
    let status = git(
        &top,
        &["status", "--porcelain=v1", "-z", "--untracked-files=all"],
    )?;
    let skip: Vec<PathBuf> = skip
        .iter()
        .map(|p| p.canonicalize().unwrap_or_else(|_| p.to_path_buf()))
        .collect();
    for path in changed_paths(&status) {
        let from = top.join(&path);
        if skip.iter().any(|s| from.starts_with(s))
            || path
                .split('/')
                .any(|c| c.starts_with(".tug-build-") || c.starts_with(".tug-verify-"))
        {
            continue;
        }
        let to = copy.join(&path);
        overlay(&from, &to).map_err(|e| copy_error(format!("copying {path}"), e))?;
    }
    Ok(copy.join(rel))
}

/// Make `to` what `from` is: a copy of the file or symlink, or absent when `from` is.
fn overlay(from: &Path, to: &Path) -> std::io::Result<()> {
    match std::fs::symlink_metadata(to) {
        Ok(m) if m.is_dir() => std::fs::remove_dir_all(to)?,
        Ok(_) => std::fs::remove_file(to)?,
        Err(_) => {}
    }
    let meta = match std::fs::symlink_metadata(from) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e),
    };
    if let Some(parent) = to.parent() {
        std::fs::create_dir_all(parent)?;
    }
    #[cfg(unix)]
    if meta.file_type().is_symlink() {
        return std::os::unix::fs::symlink(std::fs::read_link(from)?, to);
    }
    if meta.is_file() {
        std::fs::copy(from, to)?;
    }
    Ok(())
}

/// The paths `git status --porcelain=v1 -z` names (both sides of a rename).
fn changed_paths(status: &[u8]) -> Vec<String> {
    let mut out = Vec::new();
    let mut entries = status
        .split(|b| *b == 0)
        .filter(|e| !e.is_empty())
        .map(|e| String::from_utf8_lossy(e).into_owned());
    while let Some(entry) = entries.next() {
        let (xy, path) = (entry.get(..2).unwrap_or(""), entry.get(3..).unwrap_or(""));
        if !path.is_empty() {
            out.push(path.to_string());
        }
        if xy.contains('R') || xy.contains('C') {
            // The source of a rename or copy follows as its own entry.
            if let Some(orig) = entries.next() {
                out.push(orig);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::manifest::{Artifact, ArtifactKind};

    fn manifest(arts: &[(&str, &str)]) -> Manifest {
        Manifest {
            schema_version: crate::manifest::SCHEMA_VERSION,
            project: "p".into(),
            version: "1.0.0".into(),
            tag: None,
            previous_tag: None,
            commit: "c".into(),
            commit_time: "2026-01-01T00:00:00Z".into(),
            snapshot: true,
            targets: vec![],
            shard: None,
            build_facts: None,
            artifacts: arts
                .iter()
                .map(|(n, h)| Artifact {
                    name: n.to_string(),
                    path: n.to_string(),
                    kind: ArtifactKind::Binary,
                    os: None,
                    arch: None,
                    variant: None,
                    target: None,
                    sha256: h.to_string(),
                    size: 1,
                    signs: None,
                    build: None,
                    extra: Default::default(),
                })
                .collect(),
        }
    }

    #[test]
    fn compare_names_every_differing_missing_and_extra_artifact() {
        let a = manifest(&[("bin", "aa"), ("tgz", "bb"), ("gone", "cc")]);
        let b = manifest(&[("bin", "aa"), ("tgz", "bx"), ("new", "dd")]);
        let d = compare(&a, &b);
        assert_eq!(
            d,
            [
                Difference::Content {
                    name: "tgz".into(),
                    first: "bb".into(),
                    second: "bx".into()
                },
                Difference::MissingInSecond {
                    name: "gone".into()
                },
                Difference::OnlyInSecond { name: "new".into() },
            ]
        );
        assert_eq!(d[0].name(), "tgz");
        assert_eq!(
            d[0].to_string(),
            "tgz: sha256 bb in the first build, bx in the second"
        );
        assert!(compare(&a, &a).is_empty());
    }

    #[test]
    fn porcelain_paths_include_both_sides_of_a_rename() {
        let status = b" M src/a.go\0?? new file.txt\0R  b.go\0old b.go\0 D gone.go\0";
        assert_eq!(
            changed_paths(status),
            ["src/a.go", "new file.txt", "b.go", "old b.go", "gone.go"]
        );
        assert!(changed_paths(b"").is_empty());
    }

    #[test]
    fn the_second_build_gets_a_fresh_cache_temp_dir_and_umask() {
        let s = second_build_setup(Path::new("/s/gocache"), Path::new("/s/tmp"));
        assert_eq!(s.env["GOCACHE"], "/s/gocache");
        assert_eq!(s.env["TMPDIR"], "/s/tmp");
        assert_eq!(s.env["GOTMPDIR"], "/s/tmp");
        assert_eq!(s.umask, Some(0o027));
    }

    #[test]
    fn overlay_copies_replaces_and_deletes() {
        let d = tempfile::tempdir().unwrap();
        let (from, to) = (d.path().join("a/f"), d.path().join("b/f"));
        std::fs::create_dir_all(from.parent().unwrap()).unwrap();
        std::fs::write(&from, "new").unwrap();
        overlay(&from, &to).unwrap();
        assert_eq!(std::fs::read_to_string(&to).unwrap(), "new");
        std::fs::remove_file(&from).unwrap();
        overlay(&from, &to).unwrap();
        assert!(!to.exists());
    }
}
