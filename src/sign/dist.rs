//! Signing and verifying a whole release directory, driven by `dist/manifest.json`.
//!
//! Signing: every selected artifact is hashed once (in parallel), checked against the digest the
//! manifest recorded (tug never signs bytes that changed after the build), signed, and gets
//! `<artifact>.sig` + `<artifact>.sigstore.json` next to it, both recorded in the manifest as
//! `signature` / `bundle` artifacts with `signs` = the artifact's name. When the checksums file is
//! signed, it first gains lines for the signatures and bundles of the artifacts it lists, then is
//! signed last (its own signature cannot list itself). ECDSA signatures are deterministic (RFC 6979), so re-running
//! `tug sign` rewrites identical bytes.
//!
//! Verifying: every file's digest is checked against the manifest and the checksums file, every
//! signature and bundle against the public key, and every artifact must be *covered*: signed
//! itself, or listed in a checksums file that is. Problems are collected per artifact (never a
//! panic, never the first one only) so a user sees everything that is wrong in one run.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use sha2::{Digest as _, Sha256};

use super::bundle::{verify_sig, Bundle, SignatureError};
use super::keys::{PrivateKey, PublicKey};
use super::SignError;
use crate::config::sign::SignArtifacts;
use crate::manifest::{parse_checksums, render_checksums, Artifact, ArtifactKind, Manifest};

/// Progress of `sign_dist` / `verify_dist`, for the command's progress bar.
#[derive(Debug, Clone)]
pub enum SignEvent {
    /// An artifact was hashed (and, when signing, signed); `size` bytes.
    Done { name: String, size: u64 },
}

/// What `sign_dist` did.
#[derive(Debug, Clone, Default)]
pub struct SignReport {
    /// Names of the artifacts signed, sorted.
    pub signed: Vec<String>,
    /// Names of the `.sig` / `.sigstore.json` files written, sorted.
    pub written: Vec<String>,
    /// The checksums file was rewritten to list the new signatures.
    pub checksums_updated: Option<String>,
    /// Total bytes hashed.
    pub bytes: u64,
}

/// Total bytes of the files `sign_dist` would hash (for a progress bar).
pub fn bytes_to_sign(manifest: &Manifest, selection: SignArtifacts) -> u64 {
    manifest
        .artifacts
        .iter()
        .filter(|a| selection.includes(a.kind))
        .map(|a| a.size)
        .sum()
}

fn read_digest(path: &Path) -> std::io::Result<([u8; 32], u64)> {
    crate::fsutil::sha256_file_bytes(path)
}

fn file_path(dist: &Path, artifact: &Artifact) -> PathBuf {
    dist.join(&artifact.path)
}

fn sidecar(artifact: &Artifact, kind: ArtifactKind, bytes: &[u8]) -> Artifact {
    let suffix = if kind == ArtifactKind::Signature {
        ".sig"
    } else {
        ".sigstore.json"
    };
    Artifact {
        name: format!("{}{suffix}", artifact.name),
        path: format!("{}{suffix}", artifact.path),
        kind,
        os: artifact.os.clone(),
        arch: artifact.arch.clone(),
        variant: artifact.variant.clone(),
        target: artifact.target.clone(),
        sha256: crate::fsutil::hex(&Sha256::digest(bytes)),
        size: bytes.len() as u64,
        signs: Some(artifact.name.clone()),
        build: artifact.build.clone(),
        extra: BTreeMap::new(),
    }
}

/// Refuse to overwrite an unrelated artifact that happens to have a sidecar's name.
fn check_clash(manifest: &Manifest, signed: &Artifact) -> Result<(), SignError> {
    for suffix in [".sig", ".sigstore.json"] {
        let name = format!("{}{suffix}", signed.name);
        if let Some(existing) = manifest.artifact(&name) {
            let ours = matches!(
                existing.kind,
                ArtifactKind::Signature | ArtifactKind::Bundle
            ) && existing.signs.as_deref() == Some(signed.name.as_str());
            if !ours {
                return Err(SignError::NameClash {
                    name: signed.name.clone(),
                    clash: name,
                });
            }
        }
    }
    Ok(())
}

/// Sign `digest` and write the `.sig` and bundle beside the artifact; returns their entries.
fn write_signatures(
    dist: &Path,
    key: &PrivateKey,
    artifact: &Artifact,
    digest: &[u8; 32],
) -> Result<[Artifact; 2], SignError> {
    let der = key.sign_digest(digest);
    let sig = super::bundle::encode_sig(&der);
    let bundle = Bundle::new(&key.public_key(), digest, &der).to_json();
    let mut out = Vec::with_capacity(2);
    for (kind, bytes) in [
        (ArtifactKind::Signature, sig.as_bytes()),
        (ArtifactKind::Bundle, bundle.as_bytes()),
    ] {
        let entry = sidecar(artifact, kind, bytes);
        let path = dist.join(&entry.path);
        crate::fsutil::write_atomic(&path, bytes)
            .map_err(|source| SignError::Write { path, source })?;
        out.push(entry);
    }
    Ok(out.try_into().expect("two sidecars"))
}

fn hash_and_check(dist: &Path, artifact: &Artifact) -> Result<([u8; 32], u64), SignError> {
    let path = file_path(dist, artifact);
    let (digest, size) = read_digest(&path).map_err(|source| SignError::Read { path, source })?;
    let actual = crate::fsutil::hex(&digest);
    if actual != artifact.sha256.to_ascii_lowercase() {
        return Err(SignError::Modified {
            name: artifact.name.clone(),
            expected: artifact.sha256.clone(),
            actual,
        });
    }
    Ok((digest, size))
}

/// Sign what `selection` picks in the dist at `dist` and record the results in its manifest.
pub fn sign_dist(
    dist: &Path,
    key: &PrivateKey,
    selection: SignArtifacts,
    progress: &(dyn Fn(SignEvent) + Sync),
) -> Result<SignReport, SignError> {
    let mut manifest = Manifest::read(dist)?;
    let targets: Vec<Artifact> = manifest
        .artifacts
        .iter()
        .filter(|a| selection.includes(a.kind))
        .cloned()
        .collect();
    if targets.is_empty() {
        return Err(SignError::NothingToSign {
            selection: selection.as_str().into(),
        });
    }
    for t in &targets {
        check_clash(&manifest, t)?;
    }
    let (checksums, others): (Vec<Artifact>, Vec<Artifact>) = targets
        .into_iter()
        .partition(|a| a.kind == ArtifactKind::Checksums);

    // Phase 1, in parallel: everything but the checksums file(s).
    let results: Vec<Result<([Artifact; 2], u64), SignError>> = others
        .par_iter()
        .map(|artifact| {
            let (digest, size) = hash_and_check(dist, artifact)?;
            let entries = write_signatures(dist, key, artifact, &digest)?;
            progress(SignEvent::Done {
                name: artifact.name.clone(),
                size,
            });
            Ok((entries, size))
        })
        .collect();
    let mut report = SignReport::default();
    for (artifact, result) in others.iter().zip(results) {
        let (entries, size) = result?;
        report.signed.push(artifact.name.clone());
        report.bytes += size;
        for e in entries {
            report.written.push(e.name.clone());
            manifest.upsert(e);
        }
    }

    // Phase 2: list the signatures in each checksums file, then sign it.
    for artifact in &checksums {
        let path = file_path(dist, artifact);
        let bytes = std::fs::read(&path).map_err(|source| SignError::Read {
            path: path.clone(),
            source,
        })?;
        let actual = crate::fsutil::hex(&Sha256::digest(&bytes));
        if actual != artifact.sha256.to_ascii_lowercase() {
            return Err(SignError::Modified {
                name: artifact.name.clone(),
                expected: artifact.sha256.clone(),
                actual,
            });
        }
        let text = String::from_utf8(bytes).map_err(|_| SignError::Checksums {
            name: artifact.name.clone(),
            detail: "not UTF-8 text".into(),
        })?;
        let mut rows = parse_checksums(&text).map_err(|detail| SignError::Checksums {
            name: artifact.name.clone(),
            detail,
        })?;
        // The signatures of the artifacts this file lists (so it never lists its own, and
        // stays `sha256sum -c` compatible: what it lists lives beside what it already lists).
        let listed: BTreeSet<String> = rows.keys().cloned().collect();
        for a in &manifest.artifacts {
            let is_sidecar = matches!(a.kind, ArtifactKind::Signature | ArtifactKind::Bundle);
            if is_sidecar && a.signs.as_ref().is_some_and(|s| listed.contains(s)) {
                rows.insert(a.name.clone(), a.sha256.clone());
            }
        }
        let rendered = render_checksums(rows.iter().map(|(n, h)| (n.as_str(), h.as_str())));
        let mut entry = artifact.clone();
        if rendered != text {
            crate::fsutil::write_atomic(&path, rendered.as_bytes()).map_err(|source| {
                SignError::Write {
                    path: path.clone(),
                    source,
                }
            })?;
            entry.sha256 = crate::fsutil::hex(&Sha256::digest(rendered.as_bytes()));
            entry.size = rendered.len() as u64;
            report.checksums_updated = Some(artifact.name.clone());
        }
        let digest: [u8; 32] = Sha256::digest(rendered.as_bytes()).into();
        for e in write_signatures(dist, key, &entry, &digest)? {
            report.written.push(e.name.clone());
            manifest.upsert(e);
        }
        progress(SignEvent::Done {
            name: entry.name.clone(),
            size: entry.size,
        });
        report.signed.push(entry.name.clone());
        report.bytes += entry.size;
        manifest.upsert(entry);
    }
    manifest.write(dist)?;
    report.signed.sort();
    report.written.sort();
    Ok(report)
}

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
            super::bundle::verify_bundle(key, &digest, &bytes)
        } else {
            verify_sig(key, &digest, &bytes)
        };
        out.push((path.to_path_buf(), result));
    }
    Ok(out)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::manifest::SCHEMA_VERSION;

    /// A small dist: two archives, a binary and a checksums file listing the archives.
    pub(crate) fn make_dist(dir: &Path) {
        let files: [(&str, ArtifactKind, &[u8]); 3] = [
            (
                "hello_1.0.0_linux_amd64.tar.gz",
                ArtifactKind::Archive,
                b"archive one",
            ),
            (
                "hello_1.0.0_darwin_arm64.zip",
                ArtifactKind::Archive,
                b"archive two",
            ),
            (
                "hello_linux_amd64/hello",
                ArtifactKind::Binary,
                b"\x7fELF binary",
            ),
        ];
        let mut artifacts = Vec::new();
        for (path, kind, bytes) in files {
            let full = dir.join(path);
            std::fs::create_dir_all(full.parent().unwrap()).unwrap();
            std::fs::write(&full, bytes).unwrap();
            artifacts.push(Artifact {
                name: Path::new(path)
                    .file_name()
                    .unwrap()
                    .to_str()
                    .unwrap()
                    .into(),
                path: path.into(),
                kind,
                os: None,
                arch: None,
                variant: None,
                target: None,
                sha256: crate::fsutil::hex(&Sha256::digest(bytes)),
                size: bytes.len() as u64,
                signs: None,
                build: None,
                extra: BTreeMap::new(),
            });
        }
        let checksums = render_checksums(
            artifacts
                .iter()
                .filter(|a| a.kind == ArtifactKind::Archive)
                .map(|a| (a.name.as_str(), a.sha256.as_str())),
        );
        let name = "hello_1.0.0_checksums.txt";
        std::fs::write(dir.join(name), &checksums).unwrap();
        artifacts.push(Artifact {
            name: name.into(),
            path: name.into(),
            kind: ArtifactKind::Checksums,
            os: None,
            arch: None,
            variant: None,
            target: None,
            sha256: crate::fsutil::hex(&Sha256::digest(checksums.as_bytes())),
            size: checksums.len() as u64,
            signs: None,
            build: None,
            extra: BTreeMap::new(),
        });
        let mut m = Manifest {
            schema_version: SCHEMA_VERSION,
            project: "hello".into(),
            version: "1.0.0".into(),
            tag: Some("v1.0.0".into()),
            previous_tag: None,
            commit: "0".repeat(40),
            commit_time: "2026-01-02T03:04:05Z".into(),
            snapshot: false,
            targets: vec![],
            shard: None,
            artifacts,
        };
        m.write(dir).unwrap();
    }

    fn quiet(_: SignEvent) {}

    #[test]
    fn default_selection_signs_checksums_and_verifies() {
        let dir = tempfile::tempdir().unwrap();
        make_dist(dir.path());
        let key = PrivateKey::generate();
        let report = sign_dist(dir.path(), &key, SignArtifacts::Checksums, &quiet).unwrap();
        assert_eq!(report.signed, ["hello_1.0.0_checksums.txt"]);
        assert_eq!(report.checksums_updated, None);
        let m = Manifest::read(dir.path()).unwrap();
        let sig = m.artifact("hello_1.0.0_checksums.txt.sig").unwrap();
        assert_eq!(sig.kind, ArtifactKind::Signature);
        assert_eq!(sig.signs.as_deref(), Some("hello_1.0.0_checksums.txt"));
        assert_eq!(
            m.artifact("hello_1.0.0_checksums.txt.sigstore.json")
                .unwrap()
                .kind,
            ArtifactKind::Bundle
        );
        let v = verify_dist(
            dir.path(),
            &key.public_key(),
            &[],
            SignArtifacts::Checksums,
            &quiet,
        )
        .unwrap();
        assert!(v.ok(), "{:?}", v.problems);
        assert_eq!(v.checked.len(), 6);
        // The binary is neither in the checksums file nor signed: fine unless binaries must be.
        let v = verify_dist(
            dir.path(),
            &key.public_key(),
            &[],
            SignArtifacts::Binaries,
            &quiet,
        )
        .unwrap();
        assert_eq!(v.problems, [("hello".to_string(), Problem::Unsigned)]);
        let v = verify_dist(
            dir.path(),
            &key.public_key(),
            &["hello_1.0.0_linux_amd64.tar.gz".into()],
            SignArtifacts::Checksums,
            &quiet,
        )
        .unwrap();
        assert!(v.ok(), "{:?}", v.problems);
    }

    #[test]
    fn all_selection_lists_signatures_in_checksums_and_is_idempotent() {
        let dir = tempfile::tempdir().unwrap();
        make_dist(dir.path());
        let key = PrivateKey::generate();
        let report = sign_dist(dir.path(), &key, SignArtifacts::All, &quiet).unwrap();
        assert_eq!(report.signed.len(), 4);
        assert_eq!(report.written.len(), 8);
        assert_eq!(
            report.checksums_updated.as_deref(),
            Some("hello_1.0.0_checksums.txt")
        );
        let text = std::fs::read_to_string(dir.path().join("hello_1.0.0_checksums.txt")).unwrap();
        let rows = parse_checksums(&text).unwrap();
        assert!(rows.contains_key("hello_1.0.0_darwin_arm64.zip.sigstore.json"));
        assert!(
            !rows.contains_key("hello.sig"),
            "the binary is not listed, nor its signature"
        );
        assert!(!rows
            .keys()
            .any(|k| k.starts_with("hello_1.0.0_checksums.txt.")));
        let manifest_before = std::fs::read(dir.path().join("manifest.json")).unwrap();
        let v = verify_dist(
            dir.path(),
            &key.public_key(),
            &[],
            SignArtifacts::All,
            &quiet,
        )
        .unwrap();
        assert!(v.ok(), "{:?}", v.problems);
        assert_eq!(v.valid_signatures.len(), 8);
        sign_dist(dir.path(), &key, SignArtifacts::All, &quiet).unwrap();
        assert_eq!(
            std::fs::read(dir.path().join("manifest.json")).unwrap(),
            manifest_before
        );
    }

    #[test]
    fn refuses_to_sign_modified_files_and_empty_selection() {
        let dir = tempfile::tempdir().unwrap();
        make_dist(dir.path());
        std::fs::write(dir.path().join("hello_1.0.0_darwin_arm64.zip"), b"evil").unwrap();
        let key = PrivateKey::generate();
        let err = sign_dist(dir.path(), &key, SignArtifacts::Archives, &quiet).unwrap_err();
        assert!(
            matches!(err, SignError::Modified { ref name, .. } if name == "hello_1.0.0_darwin_arm64.zip"),
            "{err}"
        );
        // Nothing half-written: the manifest is untouched.
        assert!(Manifest::read(dir.path())
            .unwrap()
            .by_kind(ArtifactKind::Signature)
            .next()
            .is_none());
        let mut m = Manifest::read(dir.path()).unwrap();
        m.artifacts.retain(|a| a.kind != ArtifactKind::Binary);
        m.write(dir.path()).unwrap();
        assert!(matches!(
            sign_dist(dir.path(), &key, SignArtifacts::Binaries, &quiet),
            Err(SignError::NothingToSign { .. })
        ));
    }

    #[test]
    fn verify_reports_each_kind_of_tampering() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        make_dist(d);
        let key = PrivateKey::generate();
        sign_dist(d, &key, SignArtifacts::All, &quiet).unwrap();
        // Flip a byte in an archive.
        let zip = d.join("hello_1.0.0_darwin_arm64.zip");
        let mut bytes = std::fs::read(&zip).unwrap();
        bytes[0] ^= 1;
        std::fs::write(&zip, bytes).unwrap();
        // Swap a signature for another artifact's.
        std::fs::copy(
            d.join("hello_linux_amd64/hello.sig"),
            d.join("hello_1.0.0_linux_amd64.tar.gz.sig"),
        )
        .unwrap();
        // Truncate a bundle.
        let bundle = d.join("hello_linux_amd64/hello.sigstore.json");
        let text = std::fs::read(&bundle).unwrap();
        std::fs::write(&bundle, &text[..text.len() / 2]).unwrap();
        let v = verify_dist(d, &key.public_key(), &[], SignArtifacts::All, &quiet).unwrap();
        let by_name: BTreeMap<_, _> = v.problems.iter().cloned().collect();
        assert!(
            matches!(
                by_name["hello_1.0.0_darwin_arm64.zip"],
                Problem::DigestMismatch { .. }
            ),
            "{by_name:?}"
        );
        assert!(matches!(
            by_name["hello_1.0.0_linux_amd64.tar.gz.sig"],
            Problem::BadSignature {
                error: SignatureError::Invalid,
                ..
            }
        ));
        assert!(matches!(
            by_name["hello.sigstore.json"],
            Problem::BadSignature {
                error: SignatureError::BundleParse(_),
                ..
            }
        ));
        assert_eq!(by_name.len(), 3, "{by_name:?}");
        // A wrong key: every signature fails, bundles say which key signed them.
        let v = verify_dist(
            d,
            &PrivateKey::generate().public_key(),
            &["hello_1.0.0_checksums.txt".into()],
            SignArtifacts::All,
            &quiet,
        )
        .unwrap();
        let by_name: BTreeMap<_, _> = v.problems.iter().cloned().collect();
        assert!(matches!(
            by_name["hello_1.0.0_checksums.txt.sigstore.json"],
            Problem::BadSignature {
                error: SignatureError::WrongKey { .. },
                ..
            }
        ));
        assert_eq!(by_name["hello_1.0.0_checksums.txt"], Problem::Unsigned);
        assert!(matches!(
            verify_dist(
                d,
                &key.public_key(),
                &["nope".into()],
                SignArtifacts::All,
                &quiet
            ),
            Err(SignError::UnknownArtifact(_))
        ));
    }
}
