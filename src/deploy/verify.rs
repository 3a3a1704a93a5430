//! The release to deploy, checked before any host is touched: read the manifest (local dist/ or a
//! published `dir` location), pick the artifact, check its SHA-256 against the manifest and its
//! cosign-style signature (`<artifact>.sig`: base64 DER ECDSA P-256 over SHA-256 of the file)
//! against the environment's public key. Unsigned or tampered releases are refused.

use std::path::{Path, PathBuf};

use crate::manifest::{ArtifactKind, Manifest};

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
}

/// The directory holding the release: `from` itself if it has a manifest, else
/// `from/<project>/<version>` or `from/<version>` (the `dir` publisher's layout).
pub fn locate(from: &Path, version: Option<&str>) -> Result<PathBuf, VerifyError> {
    if Manifest::path(from).exists() {
        return Ok(from.to_path_buf());
    }
    let Some(version) = version else {
        return Err(VerifyError::Manifest(
            crate::manifest::ManifestError::Missing {
                dir: from.to_path_buf(),
                file: crate::manifest::MANIFEST_FILE,
            },
        ));
    };
    if Manifest::path(&from.join(version)).exists() {
        return Ok(from.join(version));
    }
    let entries = std::fs::read_dir(from).map_err(|source| VerifyError::Io {
        path: from.into(),
        source,
    })?;
    for e in entries.flatten() {
        let candidate = e.path().join(version);
        if Manifest::path(&candidate).exists() {
            return Ok(candidate);
        }
    }
    Err(VerifyError::NotFound {
        dir: from.to_path_buf(),
        version: version.to_string(),
    })
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
        let sig_path = manifest
            .artifacts
            .iter()
            .find(|a| {
                a.kind == ArtifactKind::Signature && a.signs.as_deref() == Some(&artifact.name)
            })
            .map(|a| dir.join(&a.path))
            .unwrap_or_else(|| PathBuf::from(format!("{}.sig", path.display())));
        if !sig_path.exists() {
            return Err(VerifyError::Unsigned {
                name: artifact.name.clone(),
                sig: sig_path
                    .file_name()
                    .unwrap_or_default()
                    .to_string_lossy()
                    .into_owned(),
            });
        }
        let sig = std::fs::read_to_string(&sig_path).map_err(|source| VerifyError::Io {
            path: sig_path,
            source,
        })?;
        let bytes = std::fs::read(&path).map_err(|source| VerifyError::Io {
            path: path.clone(),
            source,
        })?;
        verify_signature(pem, &bytes, &sig)?
            .then_some(())
            .ok_or(VerifyError::BadSignature {
                name: artifact.name.clone(),
            })?;
    }
    Ok(Release {
        project: manifest.project.clone(),
        version: manifest.version.clone(),
        artifact: artifact.name.clone(),
        path,
        sha256: actual,
        size,
        insecure_skip_verify: skip_verify,
    })
}

/// Check a cosign `.sig` (base64 of a DER ECDSA P-256 signature over SHA-256 of `data`).
// TODO(merge): use sign::verify
pub fn verify_signature(
    public_key_pem: &str,
    data: &[u8],
    sig_base64: &str,
) -> Result<bool, VerifyError> {
    use base64::Engine as _;
    use p256::ecdsa::signature::Verifier as _;
    use p256::pkcs8::DecodePublicKey as _;
    let key = p256::ecdsa::VerifyingKey::from_public_key_pem(public_key_pem.trim())
        .map_err(|e| VerifyError::PublicKey(e.to_string()))?;
    let Ok(der) = base64::engine::general_purpose::STANDARD.decode(sig_base64.trim()) else {
        return Ok(false);
    };
    let Ok(sig) = p256::ecdsa::Signature::from_der(&der) else {
        return Ok(false);
    };
    Ok(key.verify(data, &sig).is_ok())
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

    #[test]
    fn signature_round_trip_and_tamper() {
        let key = p256::ecdsa::SigningKey::from_bytes(&[7u8; 32].into()).unwrap();
        let pem = key
            .verifying_key()
            .to_public_key_pem(LineEnding::LF)
            .unwrap();
        let sig: p256::ecdsa::Signature = key.sign(b"release bytes");
        let b64 = base64::engine::general_purpose::STANDARD.encode(sig.to_der().as_bytes());
        assert!(verify_signature(&pem, b"release bytes", &b64).unwrap());
        assert!(!verify_signature(&pem, b"release bytez", &b64).unwrap());
        assert!(!verify_signature(&pem, b"release bytes", "not base64!").unwrap());
        assert!(verify_signature("junk", b"x", &b64).is_err());
    }
}
