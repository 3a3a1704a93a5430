//! ECDSA P-256 keys as cosign stores them, and where they come from.
//!
//! A key is named by a [`KeySource`] (a file path, or `env://VAR` holding the PEM so CI can pass a
//! secret without writing it to disk). Private keys live in cosign's encrypted key file format
//! (see [`super::keyfile`]); public keys are PKIX `PUBLIC KEY` PEM. The "hint" that identifies a
//! public key inside a Sigstore bundle is base64(SHA-256(DER SubjectPublicKeyInfo)), as cosign
//! writes it.

use std::fmt;
use std::path::{Path, PathBuf};

use base64::Engine as _;
use p256::ecdsa::signature::hazmat::{PrehashSigner, PrehashVerifier};
use p256::ecdsa::{Signature, SigningKey, VerifyingKey};
use p256::pkcs8::{DecodePublicKey, EncodePublicKey, LineEnding};
use sha2::{Digest as _, Sha256};

use super::KeyError;
use crate::config::env::EnvSnapshot;

/// Where a key (or a password) comes from: `env://VAR` or a file path (relative paths are
/// resolved against a base directory, usually the one holding tug.yaml).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeySource {
    File(PathBuf),
    Env(String),
}

impl KeySource {
    /// Parse `env://VAR` or a path. Errors name what is wrong with an `env://` reference.
    pub fn parse(text: &str, base: &Path) -> Result<KeySource, String> {
        if let Some(var) = text.strip_prefix("env://") {
            if var.is_empty() || !var.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                return Err(format!(
                    "{text:?} is not a valid environment reference: expected env://NAME with \
                     letters, digits and `_`"
                ));
            }
            return Ok(KeySource::Env(var.to_string()));
        }
        if text.is_empty() {
            return Err("empty key reference: expected a file path or env://NAME".into());
        }
        if text.contains("://") {
            return Err(format!(
                "{text:?}: unsupported key reference scheme; use a file path or env://NAME \
                 (keyless signing is not available yet)"
            ));
        }
        Ok(KeySource::File(base.join(text)))
    }

    /// The raw bytes (the PEM text for keys, the secret for passwords). `env://VAR` is looked up
    /// in `env`, the run's environment (never the process environment directly).
    pub fn read(&self, env: &EnvSnapshot) -> Result<Vec<u8>, KeyError> {
        // The reference only (a path or a variable name), never the bytes.
        tracing::debug!(source = %self, "reading a key or password");
        match self {
            KeySource::File(path) => std::fs::read(path).map_err(|source| KeyError::Read {
                what: self.to_string(),
                source,
            }),
            KeySource::Env(var) => match env.get(var) {
                Some(v) => Ok(v.as_bytes().to_vec()),
                None => Err(KeyError::EnvMissing(var.clone())),
            },
        }
    }
}

impl fmt::Display for KeySource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeySource::File(p) => write!(f, "{}", p.display()),
            KeySource::Env(v) => write!(f, "env://{v}"),
        }
    }
}

/// A P-256 public key (what `cosign.pub` holds).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicKey {
    key: VerifyingKey,
}

impl PublicKey {
    /// Parse a PKIX `PUBLIC KEY` PEM. `what` names the source in errors.
    pub fn from_pem(pem: &str, what: &str) -> Result<PublicKey, KeyError> {
        let (label, der) = pem_decode(pem, what)?;
        if label != "PUBLIC KEY" {
            return Err(KeyError::BadPublicKey {
                what: what.into(),
                detail: format!("PEM label is {label:?}, expected \"PUBLIC KEY\""),
            });
        }
        Self::from_der(&der, what)
    }

    /// Parse a DER SubjectPublicKeyInfo.
    pub fn from_der(der: &[u8], what: &str) -> Result<PublicKey, KeyError> {
        match VerifyingKey::from_public_key_der(der) {
            Ok(key) => Ok(PublicKey { key }),
            // Tell "another algorithm" apart from "garbage".
            Err(source) => match pkcs8::spki::SubjectPublicKeyInfoRef::try_from(der) {
                Ok(info) => Err(KeyError::NotP256 {
                    what: what.into(),
                    detail: describe_algorithm(
                        info.algorithm.oid,
                        info.algorithm.parameters_oid().ok(),
                    ),
                }),
                Err(_) => Err(KeyError::PublicKeyDer {
                    what: what.into(),
                    source,
                }),
            },
        }
    }

    /// Load from a file or `env://VAR` (looked up in `env`).
    pub fn load(source: &KeySource, env: &EnvSnapshot) -> Result<PublicKey, KeyError> {
        let bytes = source.read(env)?;
        let what = source.to_string();
        let text = std::str::from_utf8(&bytes).map_err(|_| KeyError::NotPem {
            what: what.clone(),
            detail: "not UTF-8 text".into(),
            source: None,
        })?;
        Self::from_pem(text, &what)
    }

    /// DER SubjectPublicKeyInfo.
    pub fn to_der(&self) -> Vec<u8> {
        self.key
            .to_public_key_der()
            .expect("P-256 key encodes")
            .into_vec()
    }

    /// PKIX PEM with LF line endings, as `cosign generate-key-pair` writes `cosign.pub`.
    pub fn to_pem(&self) -> String {
        self.key
            .to_public_key_pem(LineEnding::LF)
            .expect("P-256 key encodes")
    }

    /// base64(SHA-256(DER SPKI)): the key's id in a Sigstore bundle.
    pub fn hint(&self) -> String {
        base64::engine::general_purpose::STANDARD.encode(Sha256::digest(self.to_der()))
    }

    /// Verify a DER (or fixed-size) ECDSA signature over a SHA-256 digest.
    pub fn verify_digest(&self, digest: &[u8; 32], signature: &[u8]) -> bool {
        let sig = match Signature::from_der(signature) {
            Ok(s) => s,
            Err(_) => match Signature::from_slice(signature) {
                Ok(s) => s,
                Err(_) => return false,
            },
        };
        self.key.verify_prehash(digest, &sig).is_ok()
    }
}

/// A decrypted P-256 private key, ready to sign. Never printed (Debug shows only the public key).
#[derive(Clone)]
pub struct PrivateKey {
    key: SigningKey,
}

impl fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PrivateKey(public hint {})", self.public_key().hint())
    }
}

impl PrivateKey {
    pub fn generate() -> PrivateKey {
        PrivateKey {
            key: SigningKey::random(&mut rand_core::OsRng),
        }
    }

    pub(crate) fn from_signing_key(key: SigningKey) -> PrivateKey {
        PrivateKey { key }
    }

    pub(crate) fn signing_key(&self) -> &SigningKey {
        &self.key
    }

    pub fn public_key(&self) -> PublicKey {
        PublicKey {
            key: *self.key.verifying_key(),
        }
    }

    /// ASN.1 DER ECDSA-P256 signature over a SHA-256 digest (deterministic, RFC 6979), as
    /// `cosign sign-blob` produces for the blob with that digest.
    pub fn sign_digest(&self, digest: &[u8; 32]) -> Vec<u8> {
        let sig: Signature = self.key.sign_prehash(digest).expect("32-byte digest signs");
        sig.normalize_s()
            .unwrap_or(sig)
            .to_der()
            .as_bytes()
            .to_vec()
    }
}

/// Name a key algorithm for "not a P-256 key" errors.
pub(crate) fn describe_algorithm(
    oid: pkcs8::ObjectIdentifier,
    curve: Option<pkcs8::ObjectIdentifier>,
) -> String {
    const EC: &str = "1.2.840.10045.2.1";
    const RSA: &str = "1.2.840.113549.1.1.1";
    const ED25519: &str = "1.3.101.112";
    let curve_name = |c: pkcs8::ObjectIdentifier| match c.to_string().as_str() {
        "1.3.132.0.34" => "P-384".to_string(),
        "1.3.132.0.35" => "P-521".to_string(),
        "1.3.132.0.10" => "secp256k1".to_string(),
        other => format!("curve {other}"),
    };
    match oid.to_string().as_str() {
        EC => match curve {
            Some(c) => format!("it is an EC key on {}", curve_name(c)),
            None => "it is an EC key without a named curve".into(),
        },
        RSA => "it is an RSA key".into(),
        ED25519 => "it is an Ed25519 key".into(),
        other => format!("algorithm {other}"),
    }
}

/// Decode a single PEM block (through the `pem` crate, as lenient as Go's `encoding/pem`, which
/// cosign uses: any line width, CRLF, text around the block): (label, DER). What it refuses gets
/// a precise detail, naming the missing END line of a truncated file.
pub(crate) fn pem_decode(text: &str, what: &str) -> Result<(String, Vec<u8>), KeyError> {
    let not_pem = |detail: String| KeyError::NotPem {
        what: what.into(),
        detail,
        source: None,
    };
    let text = text.trim_start_matches('\u{feff}');
    let block = pem::parse(text).map_err(|e| match e {
        pem::PemError::InvalidData(source) => KeyError::NotPem {
            what: what.into(),
            detail: "its base64 body is corrupt".into(),
            source: Some(source),
        },
        e => not_pem(pem_detail(text, e)),
    })?;
    if block.contents().is_empty() {
        return Err(not_pem("empty body".into()));
    }
    Ok((block.tag().to_string(), block.into_contents()))
}

/// What is wrong with `text`, in the words of a person looking at the file: the boundaries first
/// (the parser reports a missing END line as bad framing), then the crate's verdict.
fn pem_detail(text: &str, err: pem::PemError) -> String {
    use pem::PemError as E;
    if !text.contains("-----BEGIN ") {
        return "no -----BEGIN line".into();
    }
    let label = text
        .lines()
        .find_map(|l| l.trim().strip_prefix("-----BEGIN "))
        .and_then(|l| l.strip_suffix("-----"));
    let Some(label) = label.filter(|l| !l.is_empty()) else {
        return "malformed -----BEGIN line".into();
    };
    let end = format!("-----END {label}-----");
    match err {
        E::MismatchedTags(_, found) => {
            format!("the block ends with -----END {found}-----, not {end}")
        }
        E::InvalidData(_) => "its base64 body is corrupt".into(),
        E::NotUtf8(_) => "the text is not UTF-8".into(),
        E::InvalidHeader(header) => format!("malformed PEM header line {header:?}"),
        E::MissingData => "empty body".into(),
        E::MalformedFraming | E::MissingBeginTag | E::MissingEndTag => {
            format!("no {end} line (truncated?)")
        }
    }
}

/// Encode a PEM block the way Go's `encoding/pem` does: 64-column base64, LF, final newline.
pub(crate) fn pem_encode(label: &str, body: &[u8]) -> String {
    let config = pem::EncodeConfig::new().set_line_ending(pem::LineEnding::LF);
    pem::encode_config(&pem::Pem::new(label, body), config)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_source_parses_env_and_paths() {
        let base = Path::new("/proj");
        assert_eq!(
            KeySource::parse("env://TUG_KEY", base),
            Ok(KeySource::Env("TUG_KEY".into()))
        );
        assert_eq!(
            KeySource::parse("keys/cosign.key", base),
            Ok(KeySource::File("/proj/keys/cosign.key".into()))
        );
        assert_eq!(
            KeySource::parse("/abs.key", base),
            Ok(KeySource::File("/abs.key".into()))
        );
        assert!(KeySource::parse("env://", base)
            .unwrap_err()
            .contains("env://NAME"));
        assert!(KeySource::parse("env://A-B", base).is_err());
        assert!(KeySource::parse("gcpkms://x", base)
            .unwrap_err()
            .contains("unsupported"));
        assert_eq!(KeySource::Env("X".into()).to_string(), "env://X");
    }

    #[test]
    fn sign_and_verify_digest_round_trip() {
        let key = PrivateKey::generate();
        let digest: [u8; 32] = Sha256::digest(b"hello").into();
        let sig = key.sign_digest(&digest);
        assert_eq!(sig[0], 0x30, "DER SEQUENCE");
        let public = key.public_key();
        assert!(public.verify_digest(&digest, &sig));
        let other: [u8; 32] = Sha256::digest(b"hellO").into();
        assert!(!public.verify_digest(&other, &sig));
        assert!(!PrivateKey::generate()
            .public_key()
            .verify_digest(&digest, &sig));
        assert!(!public.verify_digest(&digest, b"garbage"));
    }

    #[test]
    fn public_key_pem_round_trip_and_errors() {
        let public = PrivateKey::generate().public_key();
        let pem = public.to_pem();
        assert!(
            pem.starts_with("-----BEGIN PUBLIC KEY-----\n")
                && pem.ends_with("-----END PUBLIC KEY-----\n")
        );
        assert_eq!(PublicKey::from_pem(&pem, "k").unwrap(), public);
        assert_eq!(pem, pem_encode("PUBLIC KEY", &public.to_der()));
        let truncated = &pem[..pem.len() / 2];
        assert!(matches!(
            PublicKey::from_pem(truncated, "k"),
            Err(KeyError::NotPem { .. })
        ));
        let relabeled = pem.replace("PUBLIC KEY", "PRIVATE KEY");
        assert!(matches!(
            PublicKey::from_pem(&relabeled, "k"),
            Err(KeyError::BadPublicKey { .. })
        ));
    }

    #[test]
    fn pem_decode_tolerates_paste_damage_and_names_what_is_wrong() {
        let der = PrivateKey::generate().public_key().to_der();
        let pem = pem_encode("PUBLIC KEY", &der);
        let decoded = |text: &str| pem_decode(text, "k").ok();
        let detail = |text: &str| match pem_decode(text, "k") {
            Err(KeyError::NotPem { detail, .. }) => detail,
            other => panic!("expected NotPem, got {other:?}"),
        };
        let want = Some(("PUBLIC KEY".to_string(), der.clone()));
        // CRLF, a BOM, explanatory text before and blank lines after (a pasted CI variable).
        assert_eq!(decoded(&pem.replace('\n', "\r\n")), want);
        assert_eq!(decoded(&format!("\u{feff}{pem}")), want);
        assert_eq!(decoded(&format!("my key:\n{pem}\n\n  ")), want);
        // Truncated: the END line is named.
        assert_eq!(
            detail(&pem[..pem.len() / 2]),
            "no -----END PUBLIC KEY----- line (truncated?)"
        );
        assert_eq!(detail("just some text\n"), "no -----BEGIN line");
        assert_eq!(
            detail("-----BEGIN PUBLIC KEY\nAAAA\n"),
            "malformed -----BEGIN line"
        );
        let corrupt = pem.replacen("-----\n", "-----\n!!!!", 1);
        assert_eq!(detail(&corrupt), "its base64 body is corrupt");
        let err = pem_decode(&corrupt, "k").unwrap_err();
        assert!(
            std::error::Error::source(&err).is_some(),
            "the decoder's error is kept as the cause"
        );
        // Any line width, as Go's encoding/pem (and so cosign) reads it.
        let b64 = base64::engine::general_purpose::STANDARD.encode(&der);
        for width in [40, 76] {
            let lines: Vec<&str> = b64
                .as_bytes()
                .chunks(width)
                .map(|c| std::str::from_utf8(c).unwrap())
                .collect();
            let text = format!(
                "-----BEGIN PUBLIC KEY-----\n{}\n-----END PUBLIC KEY-----\n",
                lines.join("\n")
            );
            assert_eq!(decoded(&text), want, "width {width}");
        }
        assert_eq!(
            detail(&pem.replace("-----END PUBLIC KEY", "-----END PRIVATE KEY")),
            "the block ends with -----END PRIVATE KEY-----, not -----END PUBLIC KEY-----"
        );
        assert_eq!(
            detail("-----BEGIN PUBLIC KEY-----\n-----END PUBLIC KEY-----\n"),
            "empty body"
        );
    }
}
