//! The signing half of [`super`]: hash each selected artifact, refuse bytes that changed since
//! the build, write its `.sig` and Sigstore bundle, then extend and sign the checksums file last,
//! recording every new file in the manifest.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};

use rayon::prelude::*;
use sha2::{Digest as _, Sha256};

use super::{file_path, read_digest, SignEvent};
use crate::config::sign::SignArtifacts;
use crate::manifest::{parse_checksums, render_checksums, Artifact, ArtifactKind, Manifest};
use crate::sign::bundle::Bundle;
use crate::sign::keys::PrivateKey;
use crate::sign::{KeyError, SignError};

/// An artifact's SHA-256 digest and size, as hashed.
type Hashed = ([u8; 32], u64);

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
    let sig = crate::sign::bundle::encode_sig(&der);
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
    let key = key.clone();
    sign_dist_decrypting(dist, move || Ok(key), selection, progress).map(|(report, _)| report)
}

/// [`sign_dist`] with a key that is still to be decrypted: `decrypt` (the key file's scrypt,
/// ~0.3 s at cosign's parameters) runs on its own thread while the artifacts are hashed, so the
/// key costs no wall time when a core is free; signing starts when both are done. A failed
/// decryption stops the hashing of further files and is the error returned. Returns the key too
/// (the command signs the provenance with it).
pub fn sign_dist_decrypting(
    dist: &Path,
    decrypt: impl FnOnce() -> Result<PrivateKey, KeyError> + Send,
    selection: SignArtifacts,
    progress: &(dyn Fn(SignEvent) + Sync),
) -> Result<(SignReport, PrivateKey), SignError> {
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

    // Phase 1, in parallel: hash everything but the checksums file(s) while the key decrypts.
    let key_failed = AtomicBool::new(false);
    let (key, hashes) = std::thread::scope(|scope| {
        let decrypting = scope.spawn(|| {
            let key = decrypt();
            if key.is_err() {
                key_failed.store(true, Ordering::Relaxed);
            }
            key
        });
        let hashes: Vec<Option<Result<Hashed, SignError>>> = others
            .par_iter()
            .map(|artifact| {
                if key_failed.load(Ordering::Relaxed) {
                    return None;
                }
                Some(hash_and_check(dist, artifact))
            })
            .collect();
        let key = decrypting.join().expect("key decryption panicked");
        (key, hashes)
    });
    let key = key?;
    let hashes: Vec<Hashed> = hashes
        .into_iter()
        .map(|h| h.expect("hashing stops only when the key failed"))
        .collect::<Result<_, _>>()?;

    // Phase 2, in parallel: sign and write the sidecars.
    let results: Vec<Result<([Artifact; 2], u64), SignError>> = others
        .par_iter()
        .zip(hashes.par_iter())
        .map(|(artifact, (digest, size))| {
            let entries = write_signatures(dist, &key, artifact, digest)?;
            progress(SignEvent::Done {
                name: artifact.name.clone(),
                size: *size,
            });
            Ok((entries, *size))
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

    // Phase 3: list the signatures in each checksums file, then sign it.
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
        for e in write_signatures(dist, &key, &entry, &digest)? {
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
    Ok((report, key))
}
