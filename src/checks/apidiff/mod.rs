//! API compatibility between two trees of a Go module: the exported API of every non-internal
//! package, computed by a small stdlib-only Go helper (`helper.go`, embedded here), then compared
//! in Rust. Removed or changed identifiers are breaking, added ones are compatible.
//!
//! The helper is built with the user's own Go on first use, into a cache directory keyed by the
//! Go version and the helper's source hash, so a toolchain upgrade or a new tug rebuilds it and
//! nothing else does.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::gotool::GoTool;

/// The Go source of the helper.
pub const HELPER_SOURCE: &str = include_str!("helper.go");

/// One exported declaration: `func Parse` + `(string) error`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct Entry {
    pub kind: String,
    pub name: String,
    pub sig: String,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct PackageApi {
    pub path: String,
    pub entries: Vec<Entry>,
}

/// The helper's output for one module tree.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct ModuleApi {
    pub module: String,
    pub packages: Vec<PackageApi>,
    #[serde(default)]
    pub errors: Option<Vec<String>>,
}

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("cannot create the helper cache directory {0}")]
    Cache(PathBuf, #[source] std::io::Error),
    #[error("cannot run {go} to build the API helper")]
    BuildSpawn { go: String, source: std::io::Error },
    #[error("building the API helper with {go} failed")]
    Build {
        go: String,
        #[source]
        stderr: super::gotool::ToolOutput,
    },
    #[error("cannot run the API helper {}", helper.display())]
    Spawn {
        helper: PathBuf,
        source: std::io::Error,
    },
    #[error("running the API helper on {} failed", dir.display())]
    Run {
        dir: PathBuf,
        #[source]
        stderr: super::gotool::ToolOutput,
    },
    #[error("the API helper printed output tug cannot read for {}", dir.display())]
    Output {
        dir: PathBuf,
        source: serde_json::Error,
    },
}

/// Where tug keeps the helpers it builds: tug's cache directory (`$TUG_CACHE_DIR`,
/// `$XDG_CACHE_HOME/tug`, `~/.cache/tug`, as the command resolved it), or a directory under the
/// system temp dir when there is none (no HOME).
pub fn cache_root(cache_dir: Option<&Path>) -> PathBuf {
    match cache_dir {
        Some(dir) => dir.to_path_buf(),
        None => std::env::temp_dir().join("tug-cache"),
    }
}

/// The cache key: Go version and helper source.
pub fn helper_key(go_version: &str) -> String {
    let mut h = Sha256::new();
    h.update(go_version.as_bytes());
    h.update([0]);
    h.update(HELPER_SOURCE.as_bytes());
    crate::fsutil::hex(&h.finalize())[..16].to_string()
}

/// The helper binary, built now if this Go version has not built this source before.
pub fn ensure_helper(cache_root: &Path, go: &GoTool) -> Result<PathBuf, ApiError> {
    let dir = cache_root.join("apidiff").join(helper_key(&go.version));
    let exe = dir.join(if cfg!(windows) {
        "tugapi.exe"
    } else {
        "tugapi"
    });
    if exe.is_file() {
        return Ok(exe);
    }
    std::fs::create_dir_all(&dir).map_err(|e| ApiError::Cache(dir.clone(), e))?;
    let src = tempfile::Builder::new()
        .prefix(".src-")
        .tempdir_in(&dir)
        .map_err(|e| ApiError::Cache(dir.clone(), e))?;
    let write = |name: &str, text: &str| {
        std::fs::write(src.path().join(name), text).map_err(|e| ApiError::Cache(dir.clone(), e))
    };
    write("main.go", HELPER_SOURCE)?;
    write("go.mod", "module tugapi\n\ngo 1.21\n")?;
    let tmp_exe = src.path().join("tugapi.bin");
    let out = Command::new(&go.bin)
        .current_dir(src.path())
        .args(["build", "-trimpath", "-o"])
        .arg(&tmp_exe)
        .arg(".")
        .env("GOFLAGS", "")
        .env("GOWORK", "off")
        .env("GOTOOLCHAIN", "local")
        .env("CGO_ENABLED", "0")
        .env_remove("GOOS")
        .env_remove("GOARCH")
        .output()
        .map_err(|source| ApiError::BuildSpawn {
            go: go.bin.display().to_string(),
            source,
        })?;
    if !out.status.success() {
        return Err(ApiError::Build {
            go: go.bin.display().to_string(),
            stderr: super::gotool::ToolOutput::new(&out.stderr),
        });
    }
    // Atomic publish: a concurrent tug either sees no helper or a complete one.
    std::fs::rename(&tmp_exe, &exe).map_err(|e| ApiError::Cache(exe.clone(), e))?;
    Ok(exe)
}

/// Where the API of `commit`'s `subdir` is cached for this Go version and helper source.
pub fn cached_api_path(cache_root: &Path, go: &GoTool, commit: &str, subdir: &Path) -> PathBuf {
    let mut h = Sha256::new();
    h.update(subdir.to_string_lossy().as_bytes());
    let dir_key = &crate::fsutil::hex(&h.finalize())[..12];
    cache_root
        .join("apidiff")
        .join(helper_key(&go.version))
        .join(format!("api-{commit}-{dir_key}.json"))
}

/// A cached API, if present and readable.
pub fn read_cached(path: &Path) -> Option<ModuleApi> {
    serde_json::from_slice(&std::fs::read(path).ok()?).ok()
}

/// Cache an API (atomically; a failure only costs speed next time).
pub fn write_cached(path: &Path, api: &ModuleApi) {
    if let Ok(bytes) = serde_json::to_vec(api) {
        let _ = crate::fsutil::write_atomic(path, &bytes);
    }
}

/// Run the helper on a module directory. `user_goflags` is the user's GOFLAGS: kept, with
/// `-mod=vendor` for a vendored module (its dependencies are only there) or `-mod=mod` otherwise,
/// unless the user's flags choose a `-mod` themselves.
pub fn module_api(
    helper: &Path,
    go: &GoTool,
    dir: &Path,
    user_goflags: Option<&str>,
) -> Result<ModuleApi, ApiError> {
    let mode = crate::gomod::vendor::ModMode::detect_dir(dir);
    let default_mod = if mode.is_vendored() {
        "-mod=vendor"
    } else {
        "-mod=mod"
    };
    let goflags = crate::gomod::vendor::goflags(user_goflags, Some(default_mod));
    tracing::debug!(helper = %helper.display(), dir = %dir.display(), goflags = %goflags, "running the API helper");
    let out = Command::new(helper)
        .arg(dir)
        .current_dir(dir)
        .env("GOROOT", &go.goroot)
        .env("GOWORK", "off")
        .env("GOFLAGS", goflags)
        .output()
        .map_err(|source| ApiError::Spawn {
            helper: helper.to_path_buf(),
            source,
        })?;
    if !out.status.success() {
        return Err(ApiError::Run {
            dir: dir.to_path_buf(),
            stderr: super::gotool::ToolOutput::new(&out.stderr),
        });
    }
    serde_json::from_slice(&out.stdout).map_err(|source| ApiError::Output {
        dir: dir.to_path_buf(),
        source,
    })
}

/// The API changes between two versions of a module, in words.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ApiDiff {
    /// Removed or changed: `removed func (*Client).Close`.
    pub breaking: Vec<String>,
    /// Added: `added func Version() string`.
    pub added: Vec<String>,
    /// Packages compared.
    pub packages: usize,
}

impl ApiDiff {
    pub fn is_empty(&self) -> bool {
        self.breaking.is_empty() && self.added.is_empty()
    }
}

/// Compare the API of `old` and `new`. Package paths are compared relative to each module path,
/// so a major-version path change (`m` → `m/v2`) still lines packages up.
pub fn diff(old: &ModuleApi, new: &ModuleApi) -> ApiDiff {
    let rel = |module: &str, path: &str| {
        path.strip_prefix(module)
            .unwrap_or(path)
            .trim_start_matches('/')
            .to_string()
    };
    let index = |api: &ModuleApi| -> BTreeMap<String, BTreeMap<(String, String), String>> {
        api.packages
            .iter()
            .map(|p| {
                let entries = p
                    .entries
                    .iter()
                    .map(|e| ((e.name.clone(), e.kind.clone()), e.sig.clone()))
                    .collect();
                (rel(&api.module, &p.path), entries)
            })
            .collect()
    };
    let (old_idx, new_idx) = (index(old), index(new));
    let mut d = ApiDiff {
        packages: new_idx.len(),
        ..Default::default()
    };
    let suffix = |pkg: &str, module: &str| {
        if pkg.is_empty() {
            String::new()
        } else {
            format!(" (package {module}/{pkg})")
        }
    };
    for (pkg, old_entries) in &old_idx {
        let Some(new_entries) = new_idx.get(pkg) else {
            let path = if pkg.is_empty() {
                old.module.clone()
            } else {
                format!("{}/{pkg}", old.module)
            };
            d.breaking.push(format!("removed package {path}"));
            continue;
        };
        let at = suffix(pkg, &new.module);
        for ((name, kind), sig) in old_entries {
            match new_entries.get(&(name.clone(), kind.clone())) {
                None => d.breaking.push(format!("removed {kind} {name}{at}")),
                Some(new_sig) if new_sig != sig => d
                    .breaking
                    .push(format!("changed {kind} {name}{sig} -> {name}{new_sig}{at}")),
                Some(_) => {}
            }
        }
        for ((name, kind), sig) in new_entries {
            if !old_entries.contains_key(&(name.clone(), kind.clone())) {
                d.added.push(format!("added {kind} {name}{sig}{at}"));
            }
        }
    }
    for pkg in new_idx.keys().filter(|p| !old_idx.contains_key(*p)) {
        let path = if pkg.is_empty() {
            new.module.clone()
        } else {
            format!("{}/{pkg}", new.module)
        };
        d.added.push(format!("added package {path}"));
    }
    d
}

/// The smallest version after `previous` that the changes allow: next major for breaking changes
/// (next minor while still v0), next minor for additions, next patch otherwise.
pub fn suggest(previous: &semver::Version, diff: &ApiDiff) -> semver::Version {
    let mut v = semver::Version::new(previous.major, previous.minor, previous.patch);
    let prerelease = !previous.pre.is_empty();
    if !diff.breaking.is_empty() && previous.major >= 1 {
        if prerelease && v.minor == 0 && v.patch == 0 {
            return v;
        }
        return semver::Version::new(v.major + 1, 0, 0);
    }
    if !diff.is_empty() {
        if prerelease && v.patch == 0 {
            return v;
        }
        v = semver::Version::new(v.major, v.minor + 1, 0);
        return v;
    }
    if prerelease {
        return v;
    }
    v.patch += 1;
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_helper_keeps_its_stderr_as_the_last_cause() {
        let dir = tempfile::tempdir().unwrap();
        let helper = dir.path().join("helper.sh");
        std::fs::write(
            &helper,
            "#!/bin/sh\necho 'go: downloading golang.org/x/net v0.1.0' >&2\necho 'could not import golang.org/x/net/http2' >&2\nexit 1\n",
        )
        .unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&helper, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
        let go = GoTool {
            bin: PathBuf::from("go"),
            version: "go1.22.0".into(),
            goroot: PathBuf::from("/nonexistent"),
        };
        let err = module_api(&helper, &go, dir.path(), None).unwrap_err();
        let err = crate::checks::ChecksError::from(err);
        let err = anyhow::Error::from(
            crate::Error::failure("release checks could not run").with_source(err),
        );
        let chain: Vec<String> = err.chain().map(|c| c.to_string()).collect();
        assert_eq!(chain[0], "release checks could not run");
        assert!(
            chain.contains(&"computing the API failed".to_string()),
            "{chain:?}"
        );
        assert_eq!(
            chain.last().unwrap(),
            "could not import golang.org/x/net/http2",
            "the tool's stderr, without download progress: {chain:?}"
        );
    }

    type Decl<'a> = (&'a str, &'a str, &'a str);

    fn api(module: &str, pkgs: &[(&str, &[Decl])]) -> ModuleApi {
        ModuleApi {
            module: module.into(),
            packages: pkgs
                .iter()
                .map(|(p, es)| PackageApi {
                    path: p.to_string(),
                    entries: es
                        .iter()
                        .map(|(k, n, s)| Entry {
                            kind: k.to_string(),
                            name: n.to_string(),
                            sig: s.to_string(),
                        })
                        .collect(),
                })
                .collect(),
            errors: None,
        }
    }

    #[test]
    fn removed_changed_added() {
        let old = api(
            "example.com/m",
            &[
                (
                    "example.com/m",
                    &[
                        ("func", "(*Client).Close", "() error"),
                        ("func", "Parse", "(string) error"),
                    ],
                ),
                ("example.com/m/sub", &[("func", "X", "()")]),
                ("example.com/m/gone", &[]),
            ],
        );
        let new = api(
            "example.com/m",
            &[
                (
                    "example.com/m",
                    &[
                        ("func", "Parse", "(string, Options) error"),
                        ("func", "Version", "() string"),
                    ],
                ),
                (
                    "example.com/m/sub",
                    &[("func", "X", "()"), ("const", "Y", " int")],
                ),
                ("example.com/m/fresh", &[]),
            ],
        );
        let d = diff(&old, &new);
        assert_eq!(
            d.breaking,
            vec![
                "removed func (*Client).Close",
                "changed func Parse(string) error -> Parse(string, Options) error",
                "removed package example.com/m/gone",
            ]
        );
        assert_eq!(
            d.added,
            vec![
                "added func Version() string",
                "added const Y int (package example.com/m/sub)",
                "added package example.com/m/fresh",
            ]
        );
    }

    #[test]
    fn suggestions() {
        let v = |s: &str| semver::Version::parse(s).unwrap();
        let breaking = ApiDiff {
            breaking: vec!["x".into()],
            ..Default::default()
        };
        let added = ApiDiff {
            added: vec!["x".into()],
            ..Default::default()
        };
        let none = ApiDiff::default();
        assert_eq!(suggest(&v("1.2.3"), &breaking), v("2.0.0"));
        assert_eq!(suggest(&v("1.2.3"), &added), v("1.3.0"));
        assert_eq!(suggest(&v("1.2.3"), &none), v("1.2.4"));
        assert_eq!(suggest(&v("0.4.1"), &breaking), v("0.5.0"));
        assert_eq!(suggest(&v("2.0.0-rc.1"), &none), v("2.0.0"));
    }

    #[test]
    fn helper_key_depends_on_go_version() {
        assert_ne!(helper_key("go1.22.0"), helper_key("go1.23.0"));
        assert_eq!(helper_key("go1.22.0").len(), 16);
    }
}
