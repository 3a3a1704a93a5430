//! The verifying half of [`super`]: check every file's digest against the manifest and the
//! checksums files, every signature and bundle against the public key, and that every artifact
//! that must be signed is covered, collecting all problems per artifact; plus the verification of
//! one loose file with a `.sig` or bundle, as `cosign verify-blob` does.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use sha2::{Digest as _, Sha256};

use super::{file_path, read_digest, SignEvent};
use crate::config::sign::SignArtifacts;
use crate::manifest::{parse_checksums, Artifact, ArtifactKind, Manifest};
use crate::sign::bundle::{verify_sig, Bundle, SignatureError};
use crate::sign::keys::PublicKey;
use crate::sign::SignError;

/// One thing wrong with one artifact.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// The file is missing or unreadable.
    Unreadable { detail: String },
    /// The file's bytes differ from what the manifest recorded.
    DigestMismatch { expected: String, actual: String },
    /// The checksums file lists another digest than the file has.
    ChecksumsMismatch {
        checksums: String,
        listed: String,
        actual: String,
    },
    /// A signature or bundle (this artifact) does not prove the artifact it signs.
    BadSignature {
        signs: String,
        error: SignatureError,
    },
    /// Neither signed itself nor listed in a signed checksums file.
    Unsigned,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Problem::Unreadable { detail } => write!(f, "cannot read it: {detail}"),
            Problem::DigestMismatch { expected, actual } => {
                write!(
                    f,
                    "tampered: sha256 is {actual}, the manifest recorded {expected}"
                )
            }
            Problem::ChecksumsMismatch {
                checksums,
                listed,
                actual,
            } => {
                write!(
                    f,
                    "tampered: sha256 is {actual}, {checksums} lists {listed}"
                )
            }
            Problem::BadSignature { signs, error } => write!(f, "does not verify {signs}: {error}"),
            Problem::Unsigned => f.write_str(
                "unsigned: no valid signature or bundle, and not listed in a signed checksums file",
            ),
        }
    }
}

/// What `verify_dist` found.
#[derive(Debug, Clone, Default)]
pub struct VerifyReport {
    /// Artifacts whose digest was checked.
    pub checked: Vec<String>,
    /// Valid signatures and bundles (their names).
    pub valid_signatures: Vec<String>,
    /// Problems, sorted by artifact name; empty means the release verifies.
    pub problems: Vec<(String, Problem)>,
}

impl VerifyReport {
    pub fn ok(&self) -> bool {
        self.problems.is_empty()
    }
}

/// A hashed file: digest, and the bytes for small files we need to read (signatures, checksums).
struct Hashed {
    digest: [u8; 32],
    bytes: Option<Vec<u8>>,
}

fn hash_artifact(dist: &Path, a: &Artifact) -> std::io::Result<Hashed> {
    let path = file_path(dist, a);
    if matches!(
        a.kind,
        ArtifactKind::Signature | ArtifactKind::Bundle | ArtifactKind::Checksums
    ) {
        let bytes = std::fs::read(&path)?;
        Ok(Hashed {
            digest: Sha256::digest(&bytes).into(),
            bytes: Some(bytes),
        })
    } else {
        Ok(Hashed {
            digest: read_digest(&path)?.0,
            bytes: None,
        })
    }
}

/// Verify the dist at `dist` (all of it, or the artifacts named in `names`) with `key`.
///
/// Every checked artifact must be signed or covered by a signed checksums file when it is named
/// in `names`, listed in a checksums file, or of a kind `expected` selects for signing; others
/// (e.g. bare binaries next to their archives when only the checksums file is signed) must only
/// match their digests.
pub fn verify_dist(
    dist: &Path,
    key: &PublicKey,
    names: &[String],
    expected: SignArtifacts,
    progress: &(dyn Fn(SignEvent) + Sync),
) -> Result<VerifyReport, SignError> {
    let manifest = Manifest::read(dist)?;
    let files: Vec<&Artifact> = manifest
        .artifacts
        .iter()
        .filter(|a| a.kind != ArtifactKind::Image)
        .collect();
    let selected: BTreeSet<&str> = if names.is_empty() {
        files.iter().map(|a| a.name.as_str()).collect()
    } else {
        let mut set = BTreeSet::new();
        for n in names {
            match files.iter().find(|a| &a.name == n || &a.path == n) {
                Some(a) => set.insert(a.name.as_str()),
                None => return Err(SignError::UnknownArtifact(n.clone())),
            };
        }
        set
    };
    let checksums: Vec<&Artifact> = files
        .iter()
        .copied()
        .filter(|a| a.kind == ArtifactKind::Checksums)
        .collect();
    // What must be read: the selection, the checksums files, and the signatures of both.
    let mut needed: BTreeSet<&str> = selected.clone();
    needed.extend(checksums.iter().map(|a| a.name.as_str()));
    let signed_targets = needed.clone();
    for a in &files {
        if a.signs
            .as_deref()
            .is_some_and(|s| signed_targets.contains(s))
        {
            needed.insert(a.name.as_str());
        }
    }
    let to_hash: Vec<&Artifact> = files
        .iter()
        .copied()
        .filter(|a| needed.contains(a.name.as_str()))
        .collect();
    let hashed: HashMap<&str, Result<Hashed, String>> = to_hash
        .par_iter()
        .map(|a| {
            let r = hash_artifact(dist, a).map_err(|e| e.to_string());
            progress(SignEvent::Done {
                name: a.name.clone(),
                size: a.size,
            });
            (a.name.as_str(), r)
        })
        .collect();

    let mut problems: BTreeMap<String, Problem> = BTreeMap::new();
    let mut report = VerifyReport::default();
    let digest_ok = |name: &str| -> Option<[u8; 32]> {
        let a = manifest.artifact(name)?;
        match hashed.get(name)? {
            Ok(h) if crate::fsutil::hex(&h.digest) == a.sha256.to_ascii_lowercase() => {
                Some(h.digest)
            }
            _ => None,
        }
    };

    // Signatures and bundles first: a replaced signature is reported as a signature problem.
    let mut directly_signed: BTreeSet<String> = BTreeSet::new();
    for a in &to_hash {
        let is_sidecar = matches!(a.kind, ArtifactKind::Signature | ArtifactKind::Bundle);
        let Some(signs) = a.signs.as_deref().filter(|_| is_sidecar) else {
            continue;
        };
        let Ok(h) = &hashed[a.name.as_str()] else {
            continue;
        };
        // A signed artifact whose own bytes are wrong is reported as tampered below.
        let Some(target_digest) = digest_ok(signs) else {
            continue;
        };
        let bytes = h.bytes.as_deref().unwrap_or_default();
        let result = match a.kind {
            ArtifactKind::Signature => verify_sig(key, &target_digest, bytes),
            _ => Bundle::parse(bytes).and_then(|b| b.verify(key, &target_digest)),
        };
        match result {
            Ok(()) => {
                directly_signed.insert(signs.to_string());
                report.valid_signatures.push(a.name.clone());
            }
            Err(error) => {
                problems.insert(
                    a.name.clone(),
                    Problem::BadSignature {
                        signs: signs.into(),
                        error,
                    },
                );
            }
        }
    }

    // Digests against the manifest.
    for a in &to_hash {
        if problems.contains_key(&a.name) {
            continue;
        }
        match &hashed[a.name.as_str()] {
            Err(detail) => {
                problems.insert(
                    a.name.clone(),
                    Problem::Unreadable {
                        detail: detail.clone(),
                    },
                );
            }
            Ok(h) => {
                let actual = crate::fsutil::hex(&h.digest);
                if actual != a.sha256.to_ascii_lowercase() {
                    problems.insert(
                        a.name.clone(),
                        Problem::DigestMismatch {
                            expected: a.sha256.clone(),
                            actual,
                        },
                    );
                } else if selected.contains(a.name.as_str()) {
                    report.checked.push(a.name.clone());
                }
            }
        }
    }

    // Checksums files: their lines must match, and a signed one covers what it lists.
    let mut covered: BTreeSet<String> = directly_signed.clone();
    let mut listed_anywhere: BTreeSet<String> = BTreeSet::new();
    for c in &checksums {
        if problems.contains_key(&c.name) {
            continue;
        }
        let Ok(h) = &hashed[c.name.as_str()] else {
            continue;
        };
        let text = String::from_utf8_lossy(h.bytes.as_deref().unwrap_or_default()).into_owned();
        let rows = match parse_checksums(&text) {
            Ok(rows) => rows,
            Err(detail) => {
                problems.insert(c.name.clone(), Problem::Unreadable { detail });
                continue;
            }
        };
        let signed = directly_signed.contains(&c.name);
        for (name, listed) in rows {
            listed_anywhere.insert(name.clone());
            if !selected.contains(name.as_str()) || problems.contains_key(&name) {
                continue;
            }
            let Some(Ok(h)) = hashed.get(name.as_str()) else {
                continue;
            };
            let actual = crate::fsutil::hex(&h.digest);
            if actual != listed {
                problems.insert(
                    name.clone(),
                    Problem::ChecksumsMismatch {
                        checksums: c.name.clone(),
                        listed,
                        actual,
                    },
                );
            } else if signed {
                covered.insert(name);
            }
        }
    }

    for name in &selected {
        let a = manifest.artifact(name).expect("selected from the manifest");
        let is_sidecar = matches!(a.kind, ArtifactKind::Signature | ArtifactKind::Bundle);
        let must_be_signed =
            !names.is_empty() || expected.includes(a.kind) || listed_anywhere.contains(*name);
        if must_be_signed
            && !is_sidecar
            && !covered.contains(*name)
            && !problems.contains_key(*name)
        {
            problems.insert(name.to_string(), Problem::Unsigned);
        }
    }
    report.problems = problems.into_iter().collect();
    report.checked.sort();
    report.valid_signatures.sort();
    Ok(report)
}

/// One signature file's verdict on a file: its path, and whether it proves the file.
pub type FileVerdict = (PathBuf, Result<(), SignatureError>);

/// Verify one file outside any dist (e.g. something cosign signed): with a `.sig` and/or a bundle.
pub fn verify_file(
    key: &PublicKey,
    file: &Path,
    signature: Option<&Path>,
    bundle: Option<&Path>,
) -> Result<Vec<FileVerdict>, SignError> {
    let (digest, _) = read_digest(file).map_err(|source| SignError::Read {
        path: file.to_path_buf(),
        source,
    })?;
    let mut out = Vec::new();
    for (path, is_bundle) in [(signature, false), (bundle, true)] {
        let Some(path) = path else { continue };
        let bytes = std::fs::read(path).map_err(|source| SignError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        let result = if is_bundle {
            crate::sign::bundle::verify_bundle(key, &digest, &bytes)
        } else {
            verify_sig(key, &digest, &bytes)
        };
        out.push((path.to_path_buf(), result));
    }
    Ok(out)
}
