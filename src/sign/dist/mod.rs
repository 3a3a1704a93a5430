//! Signing and verifying a whole release directory, driven by `dist/manifest.json`: the two
//! halves live in `dist/sign.rs` and `dist/verify.rs`; this module holds what they share (the
//! progress event, how an artifact's file is found and hashed) and re-exports their API.
//!
//! Signing: every selected artifact is hashed once (in parallel), checked against the digest the
//! manifest recorded (tug never signs bytes that changed after the build), signed, and gets
//! `<artifact>.sig` + `<artifact>.sigstore.json` next to it, both recorded in the manifest as
//! `signature` / `bundle` artifacts with `signs` = the artifact's name. When the checksums file is
//! signed, it first gains lines for the signatures and bundles of the artifacts it lists, then is
//! signed last (its own signature cannot list itself). ECDSA signatures are deterministic (RFC
//! 6979), so re-running `tug sign` rewrites identical bytes.
//!
//! Verifying: every file's digest is checked against the manifest and the checksums file, every
//! signature and bundle against the public key, and every artifact must be *covered*: signed
//! itself, or listed in a checksums file that is. Problems are collected per artifact (never a
//! panic, never the first one only) so a user sees everything that is wrong in one run.

use std::path::{Path, PathBuf};

use crate::manifest::Artifact;

mod sign;
mod verify;

pub use sign::{bytes_to_sign, sign_dist, sign_dist_decrypting, SignReport};
pub use verify::{verify_dist, verify_file, FileVerdict, Problem, VerifyReport};

/// Progress of `sign_dist` / `verify_dist`, for the command's progress bar.
#[derive(Debug, Clone)]
pub enum SignEvent {
    /// An artifact was hashed (and, when signing, signed); `size` bytes.
    Done { name: String, size: u64 },
}

/// SHA-256 and size of a file, streamed.
fn read_digest(path: &Path) -> std::io::Result<([u8; 32], u64)> {
    crate::fsutil::sha256_file_bytes(path)
}

/// Where an artifact of the manifest lives in the dist.
fn file_path(dist: &Path, artifact: &Artifact) -> PathBuf {
    dist.join(&artifact.path)
}

#[cfg(test)]
mod tests;
