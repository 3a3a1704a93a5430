//! The release to deploy, checked before any host is touched: read the manifest (local dist/ or a
//! published `dir` location), pick the artifact, check its SHA-256 against the manifest and its
//! cosign-style signature (`<artifact>.sig`: base64 DER ECDSA P-256 over SHA-256 of the file)
//! against the environment's public key. Unsigned or tampered releases are refused.

use std::path::{Path, PathBuf};

use crate::manifest::{Artifact, ArtifactKind, Manifest};

#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    #[error(transparent)]
    Manifest(#[from] crate::manifest::ManifestError),
    #[error("release {found} is in {dir}, not the requested {wanted}")]
    WrongVersion {
        dir: PathBuf,
        found: String,
        wanted: String,
    },
    #[error("no release {version} under {dir}")]
    NotFound { dir: PathBuf, version: String },
    #[error("{dir} holds published releases ({}): choose one with --version", published.join(", "))]
    VersionNeeded {
        dir: PathBuf,
        published: Vec<String>,
    },
    #[error("cannot choose the artifact to deploy: {0}")]
    Artifact(String),
    #[error("{name} is tampered with: sha256 {actual}, the manifest says {expected}")]
    Digest {
        name: String,
        actual: String,
        expected: String,
    },
    #[error("{name} is not signed: no {sig} next to it")]
    Unsigned { name: String, sig: String },
    #[error("the signature of {name} does not verify against the environment's public key")]
    BadSignature { name: String },
    #[error("the environment has no public_key to verify the release with")]
    NoPublicKey,
    #[error("bad public key: {0}")]
    PublicKey(String),
    #[error("cannot read {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

impl VerifyError {
    pub fn hint(&self) -> Option<String> {
        match self {
            VerifyError::Manifest(m) => m.hint().map(str::to_string),
            VerifyError::Unsigned { .. } | VerifyError::BadSignature { .. } => Some(
                "sign the release with `tug sign`, or (never in production) pass --insecure-skip-verify".into(),
            ),
            VerifyError::NoPublicKey => Some("set public_key: in the environment".into()),
            VerifyError::Digest { .. } => Some("rebuild or re-download the release; do not deploy it".into()),
            VerifyError::Artifact(_) => Some("set artifact: in the environment to the file to deploy".into()),
            VerifyError::VersionNeeded { published, .. } => published
                .last()
                .map(|v| format!("for example `--version {v}`, the newest")),
            _ => None,
        }
    }
}

/// A release ready to deploy.
#[derive(Debug, Clone)]
pub struct Release {
    pub project: String,
    pub version: String,
    pub artifact: String,
    pub path: PathBuf,
    pub sha256: String,
    pub size: u64,
    /// True when the signature was not checked (`--insecure-skip-verify`).
    pub insecure_skip_verify: bool,
    /// The commit and tag the release was built from (its manifest's).
    pub commit: String,
    pub tag: Option<String>,
    /// The release directory (holding its manifest).
    pub dir: PathBuf,
    /// The provenance the environment requires (`require_provenance`), checked by the preflight.
    pub provenance: Option<ProvenanceRequirement>,
}

/// What a release's provenance is checked with: the environment's public key and the policy.
#[derive(Debug, Clone)]
pub struct ProvenanceRequirement {
    pub key: crate::sign::PublicKey,
    pub policy: crate::config::attest::PolicyConfig,
}

impl ProvenanceRequirement {
    /// The requirement of an environment with `require_provenance: true`, from its public key.
    pub fn new(
        public_key_pem: Option<&str>,
        policy: crate::config::attest::PolicyConfig,
    ) -> Result<ProvenanceRequirement, VerifyError> {
        let pem = public_key_pem.ok_or(VerifyError::NoPublicKey)?;
        let key = crate::sign::PublicKey::from_pem(pem, "the environment's public_key")
            .map_err(|e| VerifyError::PublicKey(e.to_string()))?;
        Ok(ProvenanceRequirement { key, policy })
    }
}

/// The directory holding the release: `from` itself if it has a manifest, else
/// `from/<project>/<version>` or `from/<version>` (the `dir` publisher's layout). `v1.2.0` also
/// finds the release 1.2.0, as [`load`] accepts it.
pub fn locate(from: &Path, version: Option<&str>) -> Result<PathBuf, VerifyError> {
    if Manifest::path(from).exists() {
        return Ok(from.to_path_buf());
    }
    let Some(version) = version else {
        let published = published_versions(from);
        if !published.is_empty() {
            return Err(VerifyError::VersionNeeded {
                dir: from.to_path_buf(),
                published,
            });
        }
        return Err(VerifyError::Manifest(
            crate::manifest::ManifestError::Missing {
                dir: from.to_path_buf(),
                file: crate::manifest::MANIFEST_FILE,
            },
        ));
    };
    let mut names = vec![version];
    if let Some(bare) = version.strip_prefix('v') {
        names.push(bare);
    }
    for name in &names {
        if Manifest::path(&from.join(name)).exists() {
            return Ok(from.join(name));
        }
    }
    let entries = std::fs::read_dir(from).map_err(|source| VerifyError::Io {
        path: from.into(),
        source,
    })?;
    let projects: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
    for name in &names {
        for project in &projects {
            let candidate = project.join(name);
            if Manifest::path(&candidate).exists() {
                return Ok(candidate);
            }
        }
    }
    Err(VerifyError::NotFound {
        dir: from.to_path_buf(),
        version: version.to_string(),
    })
}

/// The versions listed by the `dir` publisher's index in `from` or in `from/<project>/`, oldest
/// first (empty when `from` is not a publisher's directory).
fn published_versions(from: &Path) -> Vec<String> {
    let mut indexes = vec![from.join(crate::publish::dir::INDEX_FILE)];
    if let Ok(entries) = std::fs::read_dir(from) {
        indexes.extend(
            entries
                .flatten()
                .map(|e| e.path().join(crate::publish::dir::INDEX_FILE)),
        );
    }
    indexes
        .iter()
        .filter_map(|p| std::fs::read(p).ok())
        .filter_map(|b| serde_json::from_slice::<crate::publish::dir::DirIndex>(&b).ok())
        .flat_map(|i| i.versions.into_iter().map(|v| v.version))
        .collect()
}

/// Read, choose and check the release in `dir`.
pub fn load(
    dir: &Path,
    version: Option<&str>,
    artifact_template: Option<&str>,
    public_key_pem: Option<&str>,
    skip_verify: bool,
) -> Result<Release, VerifyError> {
    let manifest = Manifest::read(dir)?;
    if let Some(v) = version {
        let v = v.strip_prefix('v').unwrap_or(v);
        if manifest.version != v {
            return Err(VerifyError::WrongVersion {
                dir: dir.to_path_buf(),
                found: manifest.version.clone(),
                wanted: v.to_string(),
            });
        }
    }
    let artifact_name = artifact_template
        .map(|t| {
            super::render(
                "artifact",
                t,
                serde_json::json!({"project": manifest.project, "version": manifest.version}),
            )
        })
        .transpose()
        .map_err(VerifyError::Artifact)?;
    let artifact = match artifact_name.as_deref() {
        Some(name) => manifest
            .artifact(name)
            .ok_or_else(|| VerifyError::Artifact(format!("{name} is not in the manifest")))?,
        None => {
            let arch = go_arch();
            let candidates: Vec<_> = manifest
                .artifacts
                .iter()
                .filter(|a| matches!(a.kind, ArtifactKind::Binary | ArtifactKind::Archive))
                .filter(|a| a.os.as_deref().is_none_or(|o| o == "linux"))
                .filter(|a| a.arch.as_deref().is_none_or(|x| x == arch))
                .collect();
            match candidates.as_slice() {
                [one] => *one,
                // Prefer the archive when a build produced both.
                many if many
                    .iter()
                    .filter(|a| a.kind == ArtifactKind::Archive)
                    .count()
                    == 1 =>
                {
                    many.iter()
                        .find(|a| a.kind == ArtifactKind::Archive)
                        .unwrap()
                }
                [] => {
                    return Err(VerifyError::Artifact(format!(
                        "no linux/{arch} binary or archive"
                    )))
                }
                many => {
                    let names: Vec<&str> = many.iter().map(|a| a.name.as_str()).collect();
                    return Err(VerifyError::Artifact(format!(
                        "several candidates: {}",
                        names.join(", ")
                    )));
                }
            }
        }
    };
    let path = dir.join(&artifact.path);
    let (actual, size) = crate::fsutil::sha256_file(&path).map_err(|source| VerifyError::Io {
        path: path.clone(),
        source,
    })?;
    if actual != artifact.sha256 {
        return Err(VerifyError::Digest {
            name: artifact.name.clone(),
            actual,
            expected: artifact.sha256.clone(),
        });
    }
    if !skip_verify {
        let pem = public_key_pem.ok_or(VerifyError::NoPublicKey)?;
        let key = crate::sign::PublicKey::from_pem(pem, "the environment's public_key")
            .map_err(|e| VerifyError::PublicKey(e.to_string()))?;
        verify_signed(dir, &manifest, artifact, &key)?;
    }
    Ok(Release {
        project: manifest.project.clone(),
        version: manifest.version.clone(),
        artifact: artifact.name.clone(),
        path,
        sha256: actual,
        size,
        insecure_skip_verify: skip_verify,
        commit: manifest.commit.clone(),
        tag: manifest.tag.clone(),
        dir: dir.to_path_buf(),
        provenance: None,
    })
}

/// The hex digest as 32 bytes.
fn digest_bytes(hex: &str) -> Option<[u8; 32]> {
    let mut out = [0u8; 32];
    if hex.len() != 64 {
        return None;
    }
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = u8::from_str_radix(hex.get(2 * i..2 * i + 2)?, 16).ok()?;
    }
    Some(out)
}

/// Does a signature or bundle recorded for `signed` (already digest-checked) verify with `key`?
/// `Ok(false)` when there is none; an error when one exists and does not verify.
fn verify_own_signature(
    dir: &Path,
    manifest: &Manifest,
    signed: &Artifact,
    key: &crate::sign::PublicKey,
) -> Result<bool, VerifyError> {
    let digest = digest_bytes(&signed.sha256).ok_or(VerifyError::BadSignature {
        name: signed.name.clone(),
    })?;
    let mut found = false;
    let recorded = manifest.artifacts.iter().filter(|a| {
        matches!(a.kind, ArtifactKind::Signature | ArtifactKind::Bundle)
            && a.signs.as_deref() == Some(signed.name.as_str())
    });
    // A `.sig` beside the artifact counts even when the manifest does not list it.
    let beside = dir.join(format!("{}.sig", signed.path));
    let mut files: Vec<(ArtifactKind, PathBuf)> =
        recorded.map(|a| (a.kind, dir.join(&a.path))).collect();
    if files.is_empty() && beside.is_file() {
        files.push((ArtifactKind::Signature, beside));
    }
    for (kind, path) in files {
        let bytes = std::fs::read(&path).map_err(|source| VerifyError::Io {
            path: path.clone(),
            source,
        })?;
        let checked = if kind == ArtifactKind::Bundle {
            crate::sign::verify_bundle(key, &digest, &bytes)
        } else {
            crate::sign::verify_sig(key, &digest, &bytes)
        };
        checked.map_err(|_| VerifyError::BadSignature {
            name: signed.name.clone(),
        })?;
        found = true;
    }
    Ok(found)
}

/// The artifact must be signed with the environment's key: by its own `.sig` or bundle, or by
/// being listed, with this digest, in a checksums file that is itself signed (what `tug sign`
/// does by default).
fn verify_signed(
    dir: &Path,
    manifest: &Manifest,
    artifact: &Artifact,
    key: &crate::sign::PublicKey,
) -> Result<(), VerifyError> {
    if verify_own_signature(dir, manifest, artifact, key)? {
        return Ok(());
    }
    for sums in manifest.by_kind(ArtifactKind::Checksums) {
        let path = dir.join(&sums.path);
        let Ok(bytes) = std::fs::read(&path) else {
            continue;
        };
        let (digest, _) = crate::fsutil::sha256_file(&path).map_err(|source| VerifyError::Io {
            path: path.clone(),
            source,
        })?;
        if digest != sums.sha256 {
            return Err(VerifyError::Digest {
                name: sums.name.clone(),
                actual: digest,
                expected: sums.sha256.clone(),
            });
        }
        let listed = crate::manifest::parse_checksums(&String::from_utf8_lossy(&bytes))
            .ok()
            .and_then(|m| m.get(&artifact.name).cloned());
        if listed.as_deref() == Some(artifact.sha256.as_str())
            && verify_own_signature(dir, manifest, sums, key)?
        {
            return Ok(());
        }
    }
    Err(VerifyError::Unsigned {
        name: artifact.name.clone(),
        sig: format!("{}.sig", artifact.name),
    })
}

/// This machine's architecture in Go's spelling.
pub fn go_arch() -> &'static str {
    match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        "x86" => "386",
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine as _;
    use p256::ecdsa::signature::Signer as _;
    use p256::pkcs8::{EncodePublicKey as _, LineEnding};
    use sha2::Digest as _;

    fn artifact(name: &str, kind: ArtifactKind, bytes: &[u8], signs: Option<&str>) -> Artifact {
        Artifact {
            name: name.into(),
            path: name.into(),
            kind,
            os: None,
            arch: None,
            variant: None,
            target: None,
            sha256: crate::fsutil::hex(&sha2::Sha256::digest(bytes)),
            size: bytes.len() as u64,
            signs: signs.map(str::to_string),
            build: None,
            extra: Default::default(),
        }
    }

    #[test]
    fn locate_finds_published_releases_with_or_without_v_and_asks_for_a_version() {
        let root = tempfile::tempdir().unwrap();
        let release = root.path().join("demo/1.2.0");
        std::fs::create_dir_all(&release).unwrap();
        std::fs::write(Manifest::path(&release), "{}").unwrap();
        std::fs::write(
            root.path().join("demo/index.json"),
            r#"{"schema_version":1,"project":"demo","versions":[
              {"version":"1.1.0","commit":"c","commit_time":"t","manifest_sha256":"s","manifest":"1.1.0/manifest.json"},
              {"version":"1.2.0","commit":"c","commit_time":"t","manifest_sha256":"s","manifest":"1.2.0/manifest.json"}]}"#,
        )
        .unwrap();
        assert_eq!(locate(root.path(), Some("1.2.0")).unwrap(), release);
        assert_eq!(locate(root.path(), Some("v1.2.0")).unwrap(), release);
        assert_eq!(
            locate(&root.path().join("demo"), Some("v1.2.0")).unwrap(),
            release
        );
        assert!(matches!(
            locate(root.path(), Some("1.3.0")),
            Err(VerifyError::NotFound { .. })
        ));
        let err = locate(root.path(), None).unwrap_err();
        assert!(
            err.to_string()
                .contains("holds published releases (1.1.0, 1.2.0)"),
            "{err}"
        );
        assert_eq!(
            err.hint().as_deref(),
            Some("for example `--version 1.2.0`, the newest")
        );
    }

    fn public(key: &p256::ecdsa::SigningKey) -> crate::sign::PublicKey {
        let pem = key
            .verifying_key()
            .to_public_key_pem(LineEnding::LF)
            .unwrap();
        crate::sign::PublicKey::from_pem(&pem, "test key").unwrap()
    }

    /// A dist whose only signature is on the checksums file (`tug sign`'s default).
    fn signed_dist(dir: &Path, key: &p256::ecdsa::SigningKey) -> Manifest {
        let app = b"release bytes".as_slice();
        let sums = crate::manifest::render_checksums([(
            "app",
            crate::fsutil::hex(&sha2::Sha256::digest(app)).as_str(),
        )]);
        let sig: p256::ecdsa::Signature = key.sign(sums.as_bytes());
        let sig = base64::engine::general_purpose::STANDARD.encode(sig.to_der().as_bytes());
        std::fs::write(dir.join("app"), app).unwrap();
        std::fs::write(dir.join("sums.txt"), &sums).unwrap();
        std::fs::write(dir.join("sums.txt.sig"), &sig).unwrap();
        Manifest {
            schema_version: crate::manifest::SCHEMA_VERSION,
            project: "app".into(),
            version: "1.0.0".into(),
            tag: None,
            previous_tag: None,
            commit: "c".into(),
            commit_time: "2026-01-01T00:00:00Z".into(),
            snapshot: false,
            targets: vec![],
            shard: None,
            build_facts: None,
            artifacts: vec![
                artifact("app", ArtifactKind::Binary, app, None),
                artifact("sums.txt", ArtifactKind::Checksums, sums.as_bytes(), None),
                artifact(
                    "sums.txt.sig",
                    ArtifactKind::Signature,
                    sig.as_bytes(),
                    Some("sums.txt"),
                ),
            ],
        }
    }

    #[test]
    fn signed_checksums_cover_the_artifact_and_a_wrong_key_or_tamper_does_not() {
        let dir = tempfile::tempdir().unwrap();
        let key = p256::ecdsa::SigningKey::from_bytes(&[7u8; 32].into()).unwrap();
        let other = p256::ecdsa::SigningKey::from_bytes(&[9u8; 32].into()).unwrap();
        let m = signed_dist(dir.path(), &key);
        let app = m.artifact("app").unwrap().clone();
        verify_signed(dir.path(), &m, &app, &public(&key)).unwrap();
        assert!(matches!(
            verify_signed(dir.path(), &m, &app, &public(&other)),
            Err(VerifyError::BadSignature { .. })
        ));
        // The checksums file changed after signing: its digest no longer matches the manifest.
        std::fs::write(dir.path().join("sums.txt"), "00  app\n").unwrap();
        assert!(matches!(
            verify_signed(dir.path(), &m, &app, &public(&key)),
            Err(VerifyError::Digest { .. })
        ));
    }

    #[test]
    fn an_artifact_without_any_signature_is_unsigned() {
        let dir = tempfile::tempdir().unwrap();
        let key = p256::ecdsa::SigningKey::from_bytes(&[7u8; 32].into()).unwrap();
        let mut m = signed_dist(dir.path(), &key);
        m.artifacts.retain(|a| a.kind != ArtifactKind::Signature);
        std::fs::remove_file(dir.path().join("sums.txt.sig")).unwrap();
        let app = m.artifact("app").unwrap().clone();
        assert!(matches!(
            verify_signed(dir.path(), &m, &app, &public(&key)),
            Err(VerifyError::Unsigned { .. })
        ));
    }
}
