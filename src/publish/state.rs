//! `dist/publish-state.json`: what each publisher has confirmed for this release.
//!
//! An item (a file, a blob, a manifest, an asset) is recorded only after the remote side was
//! checked to hold the expected digest and size. A re-run uploads only what is missing, so a
//! publish that died halfway resumes instead of starting over. The records are notes, not proof:
//! the `oci` publisher confirms every recorded item with the registry again (a HEAD of its digest
//! and size) and uploads what the registry lost. The state
//! belongs to one exact manifest (by SHA-256): a rebuilt or re-signed dist starts fresh, and a
//! publisher whose rendered target changed (another registry, another directory) starts fresh too.
//! The `oci` publisher also keeps its chunked upload sessions here while they are under way, so
//! an upload interrupted by a killed tug or a restarted registry continues from the offset the
//! registry confirms instead of from byte 0.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::{PublishError, Release};

pub const STATE_FILE: &str = "publish-state.json";
pub const STATE_SCHEMA_VERSION: u32 = 1;

pub fn state_path(dist: &Path) -> PathBuf {
    dist.join(STATE_FILE)
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublishState {
    pub schema_version: u32,
    pub project: String,
    pub version: String,
    /// SHA-256 of the exact dist/manifest.json this state belongs to.
    pub manifest_sha256: String,
    #[serde(default)]
    pub publishers: BTreeMap<String, PublisherState>,
    /// Upload sessions no longer needed: recorded in a state file that belonged to other bytes (a
    /// rebuilt dist) or by a publisher whose target changed. The `oci` publisher that reaches
    /// their repository cancels them; never saved (at worst the registry expires them).
    #[serde(skip)]
    pub stale_uploads: Vec<UploadSession>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublisherState {
    /// `dir`, `oci`, `github`, `http`.
    pub kind: String,
    /// The rendered destination (directory, repository, API + repo, URL template).
    pub target: String,
    /// Every item of the release and its manifests was confirmed remotely.
    #[serde(default)]
    pub complete: bool,
    /// Confirmed items by key (artifact name, `blob sha256:...`, `manifest repo:tag`...).
    #[serde(default)]
    pub items: BTreeMap<String, Confirmed>,
    /// Chunked uploads under way, by the key their blob is confirmed under: where a later run
    /// (after tug was killed or the registry restarted) asks the registry for the confirmed
    /// offset and continues. Removed when the blob is confirmed or the session is cancelled.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub uploads: BTreeMap<String, UploadSession>,
}

/// One chunked upload session on a registry, as last confirmed by it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UploadSession {
    /// `host/repository` the session belongs to.
    pub registry: String,
    /// The upload URL the registry last returned (`Location`).
    pub location: String,
    /// Bytes the registry confirmed (the next chunk starts here).
    pub offset: u64,
    /// The blob being uploaded (hex SHA-256) and its size.
    pub sha256: String,
    pub size: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Confirmed {
    pub sha256: String,
    pub size: u64,
    /// Where it is (URL, path, `repo@digest`).
    pub location: String,
}

impl PublishState {
    pub fn new(release: &Release) -> Self {
        PublishState {
            schema_version: STATE_SCHEMA_VERSION,
            project: release.manifest.project.clone(),
            version: release.manifest.version.clone(),
            manifest_sha256: release.manifest_sha256.clone(),
            publishers: BTreeMap::new(),
            stale_uploads: Vec::new(),
        }
    }

    /// The state for this release, or a fresh one when there is none or it belongs to other bytes.
    pub fn load(path: &Path, release: &Release) -> Result<Self, PublishError> {
        let bytes = match std::fs::read(path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Self::new(release)),
            Err(e) => return Err(PublishError::io("reading the publish state", path, e)),
        };
        match serde_json::from_slice::<PublishState>(&bytes) {
            Ok(state)
                if state.schema_version == STATE_SCHEMA_VERSION
                    && state.manifest_sha256 == release.manifest_sha256 =>
            {
                Ok(state)
            }
            // Another release: its upload sessions are for bytes no longer published.
            Ok(state) if state.schema_version == STATE_SCHEMA_VERSION => {
                let mut fresh = Self::new(release);
                fresh.stale_uploads = state
                    .publishers
                    .into_values()
                    .flat_map(|p| p.uploads.into_values())
                    .collect();
                Ok(fresh)
            }
            // Another format or a damaged file: nothing in it can be trusted.
            _ => Ok(Self::new(release)),
        }
    }

    pub fn save(&self, path: &Path) -> Result<(), PublishError> {
        let mut json = serde_json::to_vec_pretty(self).expect("state serializes");
        json.push(b'\n');
        crate::fsutil::write_atomic(path, &json)
            .map_err(|e| PublishError::io("writing the publish state", path, e))
    }

    /// Start (or resume) a publisher; a different target or kind forgets what it confirmed.
    pub fn begin(&mut self, publisher: &str, kind: &str, target: &str) {
        let fresh = PublisherState {
            kind: kind.to_string(),
            target: target.to_string(),
            complete: false,
            items: BTreeMap::new(),
            uploads: BTreeMap::new(),
        };
        let entry = self
            .publishers
            .entry(publisher.to_string())
            .or_insert_with(|| fresh.clone());
        if entry.kind != kind || entry.target != target {
            let old = std::mem::replace(entry, fresh);
            self.stale_uploads.extend(old.uploads.into_values());
        }
    }

    pub fn is_confirmed(&self, publisher: &str, key: &str, sha256: &str) -> bool {
        self.publishers
            .get(publisher)
            .and_then(|p| p.items.get(key))
            .is_some_and(|c| c.sha256 == sha256)
    }

    pub fn confirm(&mut self, publisher: &str, key: &str, sha256: &str, size: u64, location: &str) {
        if let Some(p) = self.publishers.get_mut(publisher) {
            p.items.insert(
                key.to_string(),
                Confirmed {
                    sha256: sha256.to_string(),
                    size,
                    location: location.to_string(),
                },
            );
        }
    }

    /// The recorded upload session of `key`, when there is one.
    pub fn upload(&self, publisher: &str, key: &str) -> Option<&UploadSession> {
        self.publishers.get(publisher)?.uploads.get(key)
    }

    /// Record (`Some`) or forget (`None`) the upload session of `key`.
    pub fn set_upload(&mut self, publisher: &str, key: &str, session: Option<UploadSession>) {
        if let Some(p) = self.publishers.get_mut(publisher) {
            match session {
                Some(s) => {
                    p.uploads.insert(key.to_string(), s);
                }
                None => {
                    p.uploads.remove(key);
                }
            }
        }
    }

    pub fn complete(&mut self, publisher: &str) {
        if let Some(p) = self.publishers.get_mut(publisher) {
            p.complete = true;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::manifest::{Manifest, SCHEMA_VERSION};

    fn release(dist: &Path, commit: &str) -> Release {
        let mut m = Manifest {
            schema_version: SCHEMA_VERSION,
            project: "hello".into(),
            version: "1.0.0".into(),
            tag: Some("v1.0.0".into()),
            previous_tag: None,
            commit: commit.into(),
            commit_time: "2026-01-02T03:04:05Z".into(),
            snapshot: false,
            targets: vec![],
            shard: None,
            build_facts: None,
            artifacts: vec![],
        };
        m.write(dist).unwrap();
        Release::load(dist).unwrap()
    }

    #[test]
    fn resumes_same_release_and_forgets_other_bytes_or_targets() {
        let dir = tempfile::tempdir().unwrap();
        let r = release(dir.path(), "aaaa");
        let path = state_path(dir.path());
        let mut s = PublishState::load(&path, &r).unwrap();
        s.begin("reg", "oci", "127.0.0.1:5000/a");
        s.confirm("reg", "blob x", "11", 3, "here");
        let session = UploadSession {
            registry: "127.0.0.1:5000/a".into(),
            location: "http://127.0.0.1:5000/v2/a/blobs/uploads/u?_state=s".into(),
            offset: 65536,
            sha256: "22".into(),
            size: 1 << 20,
        };
        s.set_upload("reg", "blob y", Some(session.clone()));
        s.save(&path).unwrap();

        let mut again = PublishState::load(&path, &r).unwrap();
        assert!(again.is_confirmed("reg", "blob x", "11"));
        assert_eq!(
            again.upload("reg", "blob y"),
            Some(&session),
            "sessions survive a run"
        );
        again.set_upload("reg", "blob y", None);
        assert_eq!(again.upload("reg", "blob y"), None);
        assert!(
            !again.is_confirmed("reg", "blob x", "22"),
            "a different digest is not confirmed"
        );
        again.begin("reg", "oci", "127.0.0.1:5000/a");
        assert!(
            again.is_confirmed("reg", "blob x", "11"),
            "same target resumes"
        );
        again.begin("reg", "oci", "127.0.0.1:5000/b");
        assert!(
            !again.is_confirmed("reg", "blob x", "11"),
            "new target starts over"
        );

        again.set_upload("reg", "blob y", Some(session.clone()));
        again.begin("reg", "oci", "127.0.0.1:5000/c");
        assert_eq!(
            again.stale_uploads,
            vec![session.clone()],
            "a new target's sessions are stale"
        );

        let rebuilt = release(dir.path(), "bbbb");
        let fresh = PublishState::load(&path, &rebuilt).unwrap();
        assert!(fresh.publishers.is_empty(), "another manifest starts over");
        assert_eq!(
            fresh.stale_uploads,
            vec![session],
            "and its sessions are no longer needed"
        );
    }
}
