//! The source release of a Go module in the dist: the module zip, the `.mod` and the `.info` a
//! Go module proxy serves for the version, written by `tug build` next to any binaries and listed
//! in the manifest as `go-module` artifacts (so they are checksummed, signed and published like
//! every other artifact, and the `goproxy` publisher finds them).
//!
//! Which builds write it is the command's decision ([`ModuleSource`] in the plan or not): a
//! tagged build of a library module always, a module with binaries when tug.yaml has a `goproxy`
//! publisher; a snapshot never (a snapshot has no version the go command would accept). The
//! zip's contents follow `gomod::zip`; the files come from the git tree of the tagged commit.

use std::collections::BTreeMap;
use std::path::Path;

use crate::config::build::ChecksumAlgorithm;
use crate::gomod::zip::{self, SourceFile};
use crate::manifest::{Artifact, ArtifactKind};

use super::digest::{Digests, Hashing};
use super::BuildError;

/// `extra.file` of a `go-module` artifact.
pub const FILE_KEY: &str = "file";

/// What a module release is made from (the command reads it from the git tree).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModuleSource {
    /// The module path from go.mod.
    pub module: String,
    /// The Go version, with its `v` (`v1.2.3`).
    pub version: String,
    /// The commit time, RFC 3339 (the `.info` file's `Time`).
    pub time: String,
    /// The module's files at the tagged commit, relative to the module root.
    pub files: Vec<SourceFile>,
}

/// Which of the three proxy files an artifact is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ModuleFile {
    Zip,
    Mod,
    Info,
}

impl ModuleFile {
    pub fn as_str(self) -> &'static str {
        match self {
            ModuleFile::Zip => "zip",
            ModuleFile::Mod => "mod",
            ModuleFile::Info => "info",
        }
    }

    pub fn parse(s: &str) -> Option<ModuleFile> {
        [ModuleFile::Zip, ModuleFile::Mod, ModuleFile::Info]
            .into_iter()
            .find(|f| f.as_str() == s)
    }

    /// The artifact's `extra.file`, for a `go-module` artifact.
    pub fn of(a: &Artifact) -> Option<ModuleFile> {
        (a.kind == ArtifactKind::GoModule)
            .then(|| a.extra.get(FILE_KEY).and_then(|f| ModuleFile::parse(f)))
            .flatten()
    }
}

/// The dist file name of one of the three files: the escaped module path with `/` as `_`, `@`,
/// the version, the extension (`example.com_lib@v1.2.3.zip`): a flat name every publisher takes.
pub fn file_name(module: &str, version: &str, file: ModuleFile) -> String {
    let escaped = crate::gomod::proxy_path::escape_path(module).unwrap_or_else(|_| module.into());
    format!("{}@{version}.{}", escaped.replace('/', "_"), file.as_str())
}

/// The `.info` file: `{"Version":"v1.2.3","Time":"2026-01-02T03:04:05Z"}`.
pub fn info_json(version: &str, time: &str) -> Vec<u8> {
    serde_json::to_vec(&serde_json::json!({ "Version": version, "Time": time }))
        .expect("info serializes")
}

/// What [`write`] put into the stage.
#[derive(Debug, Default)]
pub(crate) struct Written {
    pub artifacts: Vec<Artifact>,
    /// (file name, digest) for the checksums file.
    pub checksum_rows: Vec<(String, String)>,
}

/// Write the zip, `.mod` and `.info` into `stage`; the artifacts and their checksum rows.
pub(crate) fn write(
    stage: &Path,
    source: &ModuleSource,
    algo: ChecksumAlgorithm,
) -> Result<Written, BuildError> {
    let z = zip::create(&source.module, &source.version, &source.files)?;
    let info = info_json(&source.version, &source.time);
    let mut artifacts = Vec::new();
    let mut rows = Vec::new();
    for (file, bytes) in [
        (ModuleFile::Zip, z.bytes.as_slice()),
        (ModuleFile::Mod, z.go_mod.as_slice()),
        (ModuleFile::Info, info.as_slice()),
    ] {
        let name = file_name(&source.module, &source.version, file);
        let path = stage.join(&name);
        std::fs::write(&path, bytes)
            .map_err(|e| BuildError::io(format!("writing {}", path.display()), e))?;
        let d = digests(bytes, algo);
        let mut extra = BTreeMap::from([
            (FILE_KEY.to_string(), file.as_str().to_string()),
            ("module".to_string(), source.module.clone()),
            ("version".to_string(), source.version.clone()),
        ]);
        match file {
            ModuleFile::Zip => {
                extra.insert("h1".into(), z.h1.clone());
            }
            ModuleFile::Mod => {
                extra.insert("go_mod_h1".into(), z.go_mod_h1.clone());
            }
            ModuleFile::Info => {}
        }
        rows.push((name.clone(), d.for_algorithm(algo).to_string()));
        artifacts.push(Artifact {
            name: name.clone(),
            path: name,
            kind: ArtifactKind::GoModule,
            os: None,
            arch: None,
            variant: None,
            target: None,
            sha256: d.sha256,
            size: d.size,
            signs: None,
            build: None,
            extra,
        });
    }
    Ok(Written {
        artifacts,
        checksum_rows: rows,
    })
}

/// Why a module release in a dist does not hold what its manifest says (`tug verify`).
#[derive(Debug, thiserror::Error)]
pub enum ModuleProblem {
    #[error("cannot read it")]
    Read(#[source] std::io::Error),
    #[error("the manifest records no {0}")]
    NoHash(&'static str),
    #[error("its {what} is {found}, the manifest records {recorded}")]
    Mismatch {
        what: &'static str,
        found: String,
        recorded: String,
    },
    #[error("not a module zip")]
    Hash(#[source] crate::gomod::dirhash::HashError),
    #[error("entry {0:?} is not under {1}")]
    Prefix(String, String),
}

/// Recompute the `h1:` of every module zip (and the `/go.mod h1:` of every `.mod`) in `dist` and
/// compare them with the manifest: what the go command will compute, checked before publishing.
pub fn verify(dist: &Path, manifest: &crate::manifest::Manifest) -> Vec<(String, ModuleProblem)> {
    let mut problems = Vec::new();
    for a in &manifest.artifacts {
        let Some(file) = ModuleFile::of(a) else {
            continue;
        };
        let key = match file {
            ModuleFile::Zip => "h1",
            ModuleFile::Mod => "go_mod_h1",
            ModuleFile::Info => continue,
        };
        let bytes = match std::fs::read(dist.join(&a.path)) {
            Ok(b) => b,
            Err(e) => {
                problems.push((a.name.clone(), ModuleProblem::Read(e)));
                continue;
            }
        };
        let Some(recorded) = a.extra.get(key) else {
            problems.push((a.name.clone(), ModuleProblem::NoHash(key)));
            continue;
        };
        let found = match file {
            ModuleFile::Zip => {
                let prefix = format!(
                    "{}@{}/",
                    a.extra.get("module").map(String::as_str).unwrap_or(""),
                    a.extra.get("version").map(String::as_str).unwrap_or("")
                );
                if let Some(bad) = zip_names(&bytes)
                    .into_iter()
                    .flatten()
                    .find(|n| !n.starts_with(&prefix))
                {
                    problems.push((a.name.clone(), ModuleProblem::Prefix(bad, prefix)));
                    continue;
                }
                match crate::gomod::dirhash::hash_zip(&bytes) {
                    Ok(h) => h,
                    Err(e) => {
                        problems.push((a.name.clone(), ModuleProblem::Hash(e)));
                        continue;
                    }
                }
            }
            _ => crate::gomod::dirhash::hash_go_mod(&bytes),
        };
        if &found != recorded {
            problems.push((
                a.name.clone(),
                ModuleProblem::Mismatch {
                    what: key,
                    found,
                    recorded: recorded.clone(),
                },
            ));
        }
    }
    problems
}

fn zip_names(bytes: &[u8]) -> Option<Vec<String>> {
    let archive = ::zip::ZipArchive::new(std::io::Cursor::new(bytes)).ok()?;
    archive
        .file_names()
        .map(|n| n.ok().map(|n| n.into_owned()))
        .collect()
}

fn digests(bytes: &[u8], algo: ChecksumAlgorithm) -> Digests {
    let mut h = Hashing::new(std::io::sink(), algo);
    std::io::Write::write_all(&mut h, bytes).expect("sink");
    h.finish().1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_flat_and_escaped() {
        assert_eq!(
            file_name("example.com/Lib/v2", "v2.0.0", ModuleFile::Zip),
            "example.com_!lib_v2@v2.0.0.zip"
        );
        assert_eq!(
            info_json("v1.0.0", "2026-01-02T03:04:05Z"),
            br#"{"Version":"v1.0.0","Time":"2026-01-02T03:04:05Z"}"#
        );
    }
}
