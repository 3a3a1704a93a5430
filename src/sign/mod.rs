//! The sign engine: cosign-compatible keys, signatures and Sigstore bundles for the files of a
//! release, and their verification.
//!
//! tug signs offline with a key pair in cosign's own formats, so a user verifies tug's output with
//! `cosign verify-blob --key cosign.pub` (or any Sigstore client) and tug verifies what cosign
//! signed. The pieces: [`keys`] (public/private keys, key references), [`keyfile`] (the encrypted
//! `cosign.key` format), [`bundle`] (`.sig` files and Sigstore bundles), and [`dist`] (signing and
//! verifying everything `dist/manifest.json` lists). Like every engine it does no terminal I/O:
//! errors are typed, progress goes through a callback, and passwords arrive as bytes.
//!
//! Public API for other engines (deploy verifies releases before switching):
//! `PublicKey::load(&KeySource, &EnvSnapshot)` / `PublicKey::from_pem`, `bundle::verify_sig(key, digest, bytes)`,
//! `bundle::verify_bundle(key, digest, bytes)`, and `dist::verify_dist(dist, key, names, progress)`.

use std::path::PathBuf;

use crate::error::ExitCode;
use crate::manifest::ManifestError;

pub mod bundle;
pub mod dist;
pub mod dsse;
pub mod keyfile;
pub mod keys;
pub mod simplesigning;

pub use bundle::{verify_bundle, verify_sig, Bundle, SignatureError};
pub use dist::{
    sign_dist, sign_dist_decrypting, verify_dist, Problem, SignEvent, SignReport, VerifyReport,
};
pub use keys::{KeySource, PrivateKey, PublicKey};

/// Problems with a key, its file or its password. Messages never contain secret material.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("cannot read {what}")]
    Read {
        what: String,
        source: std::io::Error,
    },
    #[error("environment variable {0} is not set")]
    EnvMissing(String),
    #[error("{what} is not a valid PEM key: {detail}")]
    NotPem {
        what: String,
        detail: String,
        /// The decoder's error, when the base64 body is what is corrupt.
        #[source]
        source: Option<base64::DecodeError>,
    },
    #[error("{what} has PEM label {label:?}; expected an encrypted cosign key (ENCRYPTED SIGSTORE PRIVATE KEY or ENCRYPTED COSIGN PRIVATE KEY)")]
    UnexpectedLabel { what: String, label: String },
    #[error("{what} is corrupt: {detail}")]
    CorruptEnvelope { what: String, detail: String },
    #[error("{what} uses unsupported key derivation parameters ({detail}); cosign keys use scrypt with N in 32768, 65536 or 131072, r=8, p=1")]
    UnsupportedKdf { what: String, detail: String },
    #[error("{what} uses unsupported cipher {name:?}; cosign keys use nacl/secretbox")]
    UnsupportedCipher { what: String, name: String },
    #[error("wrong password for {what} (the key could not be decrypted)")]
    WrongPassword { what: String },
    #[error("{what} holds a SEC1 (EC PRIVATE KEY) key; cosign key files hold a PKCS#8 key")]
    Sec1 { what: String },
    #[error("{what} is not an ECDSA P-256 key: {detail}")]
    NotP256 { what: String, detail: String },
    #[error("{what} is not a valid public key: {detail}")]
    BadPublicKey { what: String, detail: String },
    #[error("{what} is not a valid public key")]
    PublicKeyDer {
        what: String,
        #[source]
        source: p256::pkcs8::spki::Error,
    },
    #[error("{} already exists", .0.display())]
    Exists(PathBuf),
    #[error("cannot write {}", path.display())]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
}

impl KeyError {
    pub fn hint(&self) -> Option<String> {
        Some(match self {
            KeyError::Read { .. } => {
                "create a key pair with `tug keys generate`, or point sign.key / --key at yours".into()
            }
            KeyError::EnvMissing(var) => format!("export {var} with the PEM text of the key"),
            KeyError::WrongPassword { .. } => {
                "set COSIGN_PASSWORD (or sign.password) to the password the key was created with".into()
            }
            KeyError::Sec1 { .. } | KeyError::UnexpectedLabel { .. } => {
                "import it with `cosign import-key-pair --key KEY.pem`, which writes a cosign.key tug can read".into()
            }
            KeyError::Exists(_) => "pass --force to overwrite it, or --output-prefix to write elsewhere".into(),
            KeyError::NotPem { .. } | KeyError::CorruptEnvelope { .. } => {
                "the key file is damaged or truncated; restore it from where it was generated".into()
            }
            _ => return None,
        })
    }

    pub fn exit_code(&self) -> ExitCode {
        match self {
            KeyError::Write { .. } => ExitCode::Failure,
            _ => ExitCode::Usage,
        }
    }
}

/// Why signing a dist failed (verification problems are reported, not raised: see [`dist`]).
#[derive(Debug, thiserror::Error)]
pub enum SignError {
    #[error(transparent)]
    Manifest(#[from] ManifestError),
    #[error(transparent)]
    Key(#[from] KeyError),
    #[error("cannot read {}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot write {}", path.display())]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{name} changed after the build: the manifest says sha256 {expected}, the file has {actual}")]
    Modified {
        name: String,
        expected: String,
        actual: String,
    },
    #[error("nothing to sign: the manifest has no {selection} artifacts")]
    NothingToSign { selection: String },
    #[error("cannot sign {name}: the manifest already has an artifact named {clash} that is not its signature")]
    NameClash { name: String, clash: String },
    #[error("{name} is not a valid checksums file: {detail}")]
    Checksums { name: String, detail: String },
    #[error("no artifact named {0} in the manifest")]
    UnknownArtifact(String),
}

impl SignError {
    pub fn hint(&self) -> Option<String> {
        match self {
            SignError::Manifest(e) => e.hint().map(str::to_string),
            SignError::Key(e) => e.hint(),
            SignError::Modified { .. } => {
                Some("rebuild with `tug build`; tug signs only the bytes the manifest recorded".into())
            }
            SignError::NothingToSign { .. } => {
                Some("choose another selection with sign.artifacts or --artifacts (all, archives, binaries, checksums)".into())
            }
            SignError::UnknownArtifact(_) => Some("`tug verify` with no names checks the whole dist".into()),
            _ => None,
        }
    }

    pub fn exit_code(&self) -> ExitCode {
        match self {
            SignError::Key(e) => e.exit_code(),
            SignError::Manifest(ManifestError::Missing { .. })
            | SignError::NothingToSign { .. }
            | SignError::UnknownArtifact(_) => ExitCode::Usage,
            _ => ExitCode::Failure,
        }
    }
}

impl crate::error::Diagnostic for KeyError {
    fn exit_code(&self) -> ExitCode {
        KeyError::exit_code(self)
    }
    fn hint(&self) -> Option<String> {
        KeyError::hint(self)
    }
}

impl crate::error::Diagnostic for SignError {
    fn exit_code(&self) -> ExitCode {
        SignError::exit_code(self)
    }
    fn hint(&self) -> Option<String> {
        SignError::hint(self)
    }
}

/// The cosign test vectors, kept in the repository (tests/testdata/cosign, with their origin and
/// licence in its README). Required, never skipped.
#[cfg(test)]
pub(crate) fn testdata() -> PathBuf {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/testdata/cosign");
    assert!(
        dir.is_dir(),
        "{} (the cosign test vectors) is missing",
        dir.display()
    );
    dir
}

#[cfg(test)]
mod error_tests {
    use super::*;

    fn chain(err: &anyhow::Error) -> Vec<String> {
        err.chain().map(|c| c.to_string()).collect()
    }

    #[test]
    fn key_and_sign_errors_keep_their_io_cause() {
        let read = || KeyError::Read {
            what: "cosign.key".into(),
            source: std::io::Error::other("permission denied"),
        };
        let err = anyhow::Error::from(crate::Error::from(read()));
        assert_eq!(chain(&err), ["cannot read cosign.key", "permission denied"]);
        assert_eq!(crate::error::classify(&err).0, ExitCode::Usage);
        assert!(crate::error::classify(&err)
            .1
            .unwrap()
            .contains("tug keys generate"));

        let err = anyhow::Error::from(crate::Error::from(SignError::Key(read())));
        assert_eq!(chain(&err), ["cannot read cosign.key", "permission denied"]);
        let err = anyhow::Error::from(crate::Error::from(SignError::Write {
            path: PathBuf::from("dist/x.sig"),
            source: std::io::Error::other("disk full"),
        }));
        assert_eq!(chain(&err), ["cannot write dist/x.sig", "disk full"]);
        assert_eq!(crate::error::classify(&err).0, ExitCode::Failure);
    }
}
