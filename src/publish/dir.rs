//! The `dir` publisher: a release copied to a local or mounted directory, the embedded default
//! and a release source `tug rollout` can read.
//!
//! Layout (documented in the README and relied upon by the deploy engine):
//! ```text
//! <path>/<project>/index.json                  versions with their manifest digests
//! <path>/<project>/<version>/manifest.json     the exact dist/manifest.json bytes (written last)
//! <path>/<project>/<version>/<artifact.path>   every artifact, at its dist-relative path
//! ```
//! So `<path>/<project>/<version>/` is itself a valid dist directory. Every file is written to a
//! temp name and renamed, then re-hashed; `manifest.json` appears only once all files are there,
//! so a reader that finds it finds a complete release.

use std::path::Path;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::template::Vars;
use super::{ItemOutcome, PublishError, PublisherSummary, Release, Shared, Tally};
use crate::config::publish::DirPublisher;
use crate::fsutil::{sha256_file, write_atomic};

pub const INDEX_FILE: &str = "index.json";

/// `<path>/<project>/index.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DirIndex {
    pub schema_version: u32,
    pub project: String,
    /// Oldest first (semver order where versions parse, else the order they were published).
    pub versions: Vec<DirIndexEntry>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DirIndexEntry {
    pub version: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tag: Option<String>,
    pub commit: String,
    pub commit_time: String,
    /// SHA-256 of `<version>/manifest.json`.
    pub manifest_sha256: String,
    /// Relative to the index: `<version>/manifest.json`.
    pub manifest: String,
}

impl DirIndex {
    pub fn read(path: &Path, project: &str) -> Result<DirIndex, PublishError> {
        match std::fs::read(path) {
            Ok(bytes) => serde_json::from_slice(&bytes).map_err(|source| PublishError::Json {
                what: format!("reading {}", path.display()),
                source,
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(DirIndex {
                schema_version: 1,
                project: project.to_string(),
                versions: Vec::new(),
            }),
            Err(e) => Err(PublishError::io("reading the release index", path, e)),
        }
    }

    fn upsert(&mut self, entry: DirIndexEntry) {
        self.versions.retain(|v| v.version != entry.version);
        self.versions.push(entry);
        self.versions.sort_by(|a, b| {
            match (
                semver::Version::parse(&a.version),
                semver::Version::parse(&b.version),
            ) {
                (Ok(x), Ok(y)) => x.cmp(&y),
                _ => std::cmp::Ordering::Equal,
            }
        });
    }
}

/// Copy `from` to `to` atomically (temp file in the same directory, fsync, rename).
fn copy_atomic(from: &Path, to: &Path) -> std::io::Result<()> {
    let dir = to.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let mut tmp = tempfile::Builder::new()
        .prefix(".tug-")
        .suffix(".tmp")
        .tempfile_in(dir)?;
    let mut src = std::fs::File::open(from)?;
    std::io::copy(&mut src, tmp.as_file_mut())?;
    tmp.as_file().sync_all()?;
    let perms = std::fs::metadata(from)?.permissions();
    std::fs::set_permissions(tmp.path(), perms)?;
    tmp.persist(to).map_err(|e| e.error)?;
    Ok(())
}

pub async fn publish(
    release: &Release,
    config: &DirPublisher,
    vars: &Vars,
    shared: Arc<Shared>,
) -> Result<PublisherSummary, PublishError> {
    let root = vars.render(&shared.publisher, "path", &config.path)?;
    let root = shared.options.root.join(root);
    let m = &release.manifest;
    let project_dir = root.join(&m.project);
    let version_dir = project_dir.join(&m.version);
    let tally = Tally::default();

    for artifact in &m.artifacts {
        let dest = version_dir.join(&artifact.path);
        let key = format!("file {}", artifact.path);
        if shared.is_confirmed(&key, &artifact.sha256)
            && matches_file(&dest, &artifact.sha256, artifact.size)
        {
            shared.done(&artifact.name, ItemOutcome::AlreadyPublished, artifact.size);
            tally.add(ItemOutcome::AlreadyPublished, 0);
            continue;
        }
        let present = match sha256_file(&dest) {
            Ok(found) => Some(found),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => return Err(PublishError::io("reading the published copy", &dest, e)),
        };
        let outcome = match present {
            Some((sha, size)) if sha == artifact.sha256 && size == artifact.size => {
                ItemOutcome::AlreadyPublished
            }
            Some((sha, _)) if !shared.options.replace => {
                return Err(PublishError::Conflict {
                    what: dest.display().to_string(),
                    detail: format!("sha256 {sha}, this release has {}", artifact.sha256),
                })
            }
            _ if shared.options.dry_run => ItemOutcome::WouldUpload,
            _ => {
                let src = release.file(artifact);
                copy_atomic(&src, &dest).map_err(|e| PublishError::io("copying", &src, e))?;
                ItemOutcome::Uploaded
            }
        };
        if outcome != ItemOutcome::WouldUpload {
            if !matches_file(&dest, &artifact.sha256, artifact.size) {
                return Err(PublishError::Verify {
                    what: dest.display().to_string(),
                    message: format!(
                        "the copy does not have sha256 {} and size {}",
                        artifact.sha256, artifact.size
                    ),
                });
            }
            shared.confirm(
                &key,
                &artifact.sha256,
                artifact.size,
                &dest.display().to_string(),
            )?;
        }
        shared.done(&artifact.name, outcome, artifact.size);
        tally.add(outcome, artifact.size);
    }

    // The manifest last: its presence means the version is complete.
    let manifest_dest = version_dir.join(crate::manifest::MANIFEST_FILE);
    let current = std::fs::read(&manifest_dest).ok();
    let outcome = match current {
        Some(bytes) if bytes == release.manifest_bytes => ItemOutcome::AlreadyPublished,
        Some(_) if !shared.options.replace => {
            return Err(PublishError::Conflict {
                what: manifest_dest.display().to_string(),
                detail: "another build of this version was published here".into(),
            })
        }
        _ if shared.options.dry_run => ItemOutcome::WouldUpload,
        _ => {
            write_atomic(&manifest_dest, &release.manifest_bytes)
                .map_err(|e| PublishError::io("writing", &manifest_dest, e))?;
            ItemOutcome::Uploaded
        }
    };
    shared.done(
        crate::manifest::MANIFEST_FILE,
        outcome,
        release.manifest_bytes.len() as u64,
    );
    tally.add(outcome, release.manifest_bytes.len() as u64);

    if !shared.options.dry_run {
        let index_path = project_dir.join(INDEX_FILE);
        let mut index = DirIndex::read(&index_path, &m.project)?;
        let entry = DirIndexEntry {
            version: m.version.clone(),
            tag: m.tag.clone(),
            commit: m.commit.clone(),
            commit_time: m.commit_time.clone(),
            manifest_sha256: release.manifest_sha256.clone(),
            manifest: format!("{}/{}", m.version, crate::manifest::MANIFEST_FILE),
        };
        if !index.versions.contains(&entry) {
            index.upsert(entry);
            let mut json = serde_json::to_vec_pretty(&index).expect("index serializes");
            json.push(b'\n');
            write_atomic(&index_path, &json)
                .map_err(|e| PublishError::io("writing", &index_path, e))?;
        }
        shared.confirm(
            "manifest",
            &release.manifest_sha256,
            release.manifest_bytes.len() as u64,
            &version_dir.display().to_string(),
        )?;
    }
    Ok(tally.finish(vec![version_dir.display().to_string()]))
}

fn matches_file(path: &Path, sha256: &str, size: u64) -> bool {
    matches!(sha256_file(path), Ok((s, n)) if s == sha256 && n == size)
}
