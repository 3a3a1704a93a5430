//! The attestation engine: what a release says about itself, and checking that it is true.
//!
//! A release engineer must be able to answer, for any binary in production, which commit and tag
//! built it, on which builder, with which dependencies, and whether it was checked. tug owns every
//! step from the tag to the host, so it records those facts where they are known and enforces
//! them where it deploys:
//!
//! - [`sbom`]: one SBOM per Go binary, from the build information the binary itself carries (SPDX
//!   2.3 and CycloneDX 1.6 JSON), written by the build into dist as `sbom` artifacts.
//! - [`provenance`]: the SLSA v1 provenance of the whole release, an in-toto statement built from
//!   the manifest and the `build_facts` the build recorded there.
//! - [`envelope`]: that statement signed with the release key as a DSSE envelope inside a Sigstore
//!   v0.3 bundle, as `cosign verify-blob-attestation` reads it.
//! - [`policy`] and [`verify`]: the rules a provenance must satisfy (`policy:` in tug.yaml) and
//!   the check of a release's provenance (signature, every subject's bytes, the policy), used by
//!   `tug verify --provenance` and by the rollout preflight.
//!
//! Like every engine it does no terminal I/O and never reads the process environment: the
//! command passes keys, times and facts in, and gets typed errors and reports back.

pub mod envelope;
pub mod policy;
pub mod provenance;
pub mod sbom;
pub mod verify;

use sha2::{Digest as _, Sha256};

pub use policy::{Rule, Violation};
pub use verify::{verify_attached, verify_release, Attached, Layout, ProvenanceReport};

/// A deterministic UUID (RFC 9562 layout, version nibble 5, variant `10`) named by `parts`:
/// the first 16 bytes of SHA-256 over them, so the same content always gets the same id and
/// different content a different one.
pub fn content_uuid(parts: &[&[u8]]) -> String {
    let mut h = Sha256::new();
    for p in parts {
        h.update((p.len() as u64).to_be_bytes());
        h.update(p);
    }
    let d = h.finalize();
    let mut b = [0u8; 16];
    b.copy_from_slice(&d[..16]);
    b[6] = (b[6] & 0x0f) | 0x50;
    b[8] = (b[8] & 0x3f) | 0x80;
    let x = crate::fsutil::hex(&b);
    format!(
        "{}-{}-{}-{}-{}",
        &x[0..8],
        &x[8..12],
        &x[12..16],
        &x[16..20],
        &x[20..32]
    )
}

/// Everything that stops writing or checking an attestation.
#[derive(Debug, thiserror::Error)]
pub enum AttestError {
    #[error("cannot read {}", path.display())]
    Read {
        path: std::path::PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot write {}", path.display())]
    Write {
        path: std::path::PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot read the Go build information of {name}")]
    BuildInfo {
        name: String,
        #[source]
        source: crate::checks::buildinfo::BuildInfoError,
    },
    #[error(transparent)]
    Manifest(#[from] crate::manifest::ManifestError),
    #[error("{name} changed since the build: sha256 {actual}, the manifest says {expected}")]
    Modified {
        name: String,
        expected: String,
        actual: String,
    },
    #[error("the manifest records no build facts, so there is no provenance to write")]
    NoFacts,
    #[error("{name} is not a provenance bundle tug can read: {detail}")]
    Malformed { name: String, detail: String },
}

impl crate::error::Diagnostic for AttestError {
    fn exit_code(&self) -> crate::ExitCode {
        match self {
            AttestError::Manifest(m) => m.exit_code(),
            AttestError::NoFacts => crate::ExitCode::Usage,
            _ => crate::ExitCode::Failure,
        }
    }
    fn hint(&self) -> Option<String> {
        match self {
            AttestError::Manifest(m) => m.hint().map(str::to_string),
            AttestError::NoFacts => Some(
                "add `provenance: {}` to tug.yaml and run `tug build` again: the build records the facts"
                    .into(),
            ),
            AttestError::Modified { .. } => {
                Some("rebuild the release; never sign bytes that changed after the build".into())
            }
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_uuids_are_stable_versioned_and_distinct() {
        let a = content_uuid(&[b"x", b"y"]);
        assert_eq!(a, content_uuid(&[b"x", b"y"]));
        assert_ne!(a, content_uuid(&[b"xy"]));
        assert_eq!(a.len(), 36);
        assert_eq!(&a[14..15], "5");
        assert!(matches!(&a[19..20], "8" | "9" | "a" | "b"));
    }
}
