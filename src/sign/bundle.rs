//! The two signature files cosign users expect next to an artifact, written and checked here:
//!
//! - `<artifact>.sig`: standard base64 of the ASN.1 DER ECDSA-P256-SHA256 signature, no trailing
//!   newline (`cosign sign-blob --output-signature`). When verifying we also accept raw DER and
//!   surrounding whitespace, as cosign does.
//! - `<artifact>.sigstore.json`: a Sigstore bundle v0.3 with a `messageSignature` (SHA2_256
//!   digest + signature), the public key named by its hint, and no transparency-log entries
//!   (tug signs offline; cosign verifies it with `--insecure-ignore-tlog`). Bundles cosign made
//!   with a Rekor entry verify too: we check the signature with the given key and, like
//!   `--insecure-ignore-tlog`, do not check the log.

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use serde::{Deserialize, Serialize};

use super::keys::{PrivateKey, PublicKey};

/// The media type tug writes.
pub const BUNDLE_MEDIA_TYPE: &str = "application/vnd.dev.sigstore.bundle.v0.3+json";
/// Media types of bundle versions that can carry a key-signed message signature.
const ACCEPTED_MEDIA_TYPES: [&str; 5] = [
    BUNDLE_MEDIA_TYPE,
    "application/vnd.dev.sigstore.bundle+json;version=0.3",
    "application/vnd.dev.sigstore.bundle+json;version=0.2",
    "application/vnd.dev.sigstore.bundle+json;version=0.1",
    "application/vnd.dev.sigstore.bundle.v0.2+json",
];

/// Why a signature or bundle does not prove the artifact.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("the signature is neither base64 nor DER")]
    SigEncoding,
    #[error("the signature does not verify with the public key (wrong key, or not this artifact's signature)")]
    Invalid,
    #[error("not a valid Sigstore bundle: {0}")]
    BundleParse(String),
    #[error("unsupported bundle media type {0:?}")]
    MediaType(String),
    #[error("the bundle holds a DSSE envelope (an attestation), not a message signature")]
    Dsse,
    #[error(
        "the bundle is keyless (signed with a Fulcio certificate); tug verifies key-signed bundles"
    )]
    Keyless,
    #[error("the bundle has no verification material with a public key")]
    NoKeyMaterial,
    #[error("unsupported message digest algorithm {0:?} (expected SHA2_256)")]
    DigestAlgorithm(String),
    #[error(
        "the bundle signs a different artifact: its digest is {bundle}, the artifact's is {actual}"
    )]
    DigestMismatch { bundle: String, actual: String },
    #[error("the bundle was signed by another key (hint {bundle_hint}), not by this public key (hint {key_hint})")]
    WrongKey {
        bundle_hint: String,
        key_hint: String,
    },
}

/// Encode a `.sig` file: base64 of the DER signature, no newline.
pub fn encode_sig(der: &[u8]) -> String {
    B64.encode(der)
}

/// Decode a `.sig` file written by tug or cosign (base64, or raw DER).
pub fn decode_sig(bytes: &[u8]) -> Result<Vec<u8>, SignatureError> {
    if bytes.first() == Some(&0x30) && p256::ecdsa::Signature::from_der(bytes).is_ok() {
        return Ok(bytes.to_vec());
    }
    let text = std::str::from_utf8(bytes).map_err(|_| SignatureError::SigEncoding)?;
    B64.decode(text.trim().as_bytes())
        .map_err(|_| SignatureError::SigEncoding)
}

/// Check a `.sig` file's content over an artifact digest.
pub fn verify_sig(
    key: &PublicKey,
    digest: &[u8; 32],
    sig_file: &[u8],
) -> Result<(), SignatureError> {
    let der = decode_sig(sig_file)?;
    if key.verify_digest(digest, &der) {
        Ok(())
    } else {
        Err(SignatureError::Invalid)
    }
}

/// A Sigstore bundle: the subset tug reads and writes, in protobuf-JSON field names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Bundle {
    pub media_type: String,
    pub verification_material: VerificationMaterial,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_signature: Option<MessageSignature>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dsse_envelope: Option<serde_json::Value>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VerificationMaterial {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_key: Option<PublicKeyIdentifier>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub certificate: Option<serde_json::Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub x509_certificate_chain: Option<serde_json::Value>,
    /// Transparency-log entries; tug writes none and does not check them.
    #[serde(default)]
    pub tlog_entries: Vec<serde_json::Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timestamp_verification_data: Option<serde_json::Value>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublicKeyIdentifier {
    #[serde(default)]
    pub hint: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MessageSignature {
    pub message_digest: MessageDigest,
    /// base64 DER signature.
    pub signature: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageDigest {
    pub algorithm: String,
    /// base64 digest.
    pub digest: String,
}

impl Bundle {
    /// A key-signed bundle for an artifact with this digest and DER signature.
    pub fn new(public: &PublicKey, digest: &[u8; 32], signature_der: &[u8]) -> Bundle {
        Bundle {
            media_type: BUNDLE_MEDIA_TYPE.into(),
            verification_material: VerificationMaterial {
                public_key: Some(PublicKeyIdentifier {
                    hint: public.hint(),
                }),
                certificate: None,
                x509_certificate_chain: None,
                tlog_entries: Vec::new(),
                timestamp_verification_data: None,
            },
            message_signature: Some(MessageSignature {
                message_digest: MessageDigest {
                    algorithm: "SHA2_256".into(),
                    digest: B64.encode(digest),
                },
                signature: B64.encode(signature_der),
            }),
            dsse_envelope: None,
        }
    }

    /// Sign a digest and build the bundle in one go.
    pub fn sign(key: &PrivateKey, digest: &[u8; 32]) -> Bundle {
        Bundle::new(&key.public_key(), digest, &key.sign_digest(digest))
    }

    /// The JSON written to `<artifact>.sigstore.json` (pretty, with a final newline).
    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).expect("bundle serializes");
        s.push('\n');
        s
    }

    pub fn parse(bytes: &[u8]) -> Result<Bundle, SignatureError> {
        serde_json::from_slice(bytes).map_err(|e| SignatureError::BundleParse(e.to_string()))
    }

    /// The DER signature inside, if this is a message-signature bundle.
    pub fn signature_der(&self) -> Option<Vec<u8>> {
        B64.decode(&self.message_signature.as_ref()?.signature).ok()
    }

    /// Verify this bundle over an artifact digest with a public key (tlog entries are ignored,
    /// as `cosign verify-blob --insecure-ignore-tlog` does).
    pub fn verify(&self, key: &PublicKey, digest: &[u8; 32]) -> Result<(), SignatureError> {
        if !ACCEPTED_MEDIA_TYPES.contains(&self.media_type.as_str()) {
            return Err(SignatureError::MediaType(self.media_type.clone()));
        }
        let vm = &self.verification_material;
        if vm.certificate.is_some() || vm.x509_certificate_chain.is_some() {
            return Err(SignatureError::Keyless);
        }
        let Some(bundle_key) = &vm.public_key else {
            return Err(SignatureError::NoKeyMaterial);
        };
        let Some(msg) = &self.message_signature else {
            return Err(if self.dsse_envelope.is_some() {
                SignatureError::Dsse
            } else {
                SignatureError::BundleParse("no messageSignature".into())
            });
        };
        if msg.message_digest.algorithm != "SHA2_256" {
            return Err(SignatureError::DigestAlgorithm(
                msg.message_digest.algorithm.clone(),
            ));
        }
        let bundle_digest = B64.decode(&msg.message_digest.digest).map_err(|e| {
            SignatureError::BundleParse(format!("messageDigest.digest is not base64: {e}"))
        })?;
        if bundle_digest != digest {
            return Err(SignatureError::DigestMismatch {
                bundle: crate::fsutil::hex(&bundle_digest),
                actual: crate::fsutil::hex(digest),
            });
        }
        let der = B64.decode(&msg.signature).map_err(|e| {
            SignatureError::BundleParse(format!("messageSignature.signature is not base64: {e}"))
        })?;
        if key.verify_digest(digest, &der) {
            return Ok(());
        }
        let key_hint = key.hint();
        if !bundle_key.hint.is_empty() && bundle_key.hint != key_hint {
            return Err(SignatureError::WrongKey {
                bundle_hint: bundle_key.hint.clone(),
                key_hint,
            });
        }
        Err(SignatureError::Invalid)
    }
}

/// Parse and verify a bundle file's bytes in one step.
pub fn verify_bundle(
    key: &PublicKey,
    digest: &[u8; 32],
    bundle_file: &[u8],
) -> Result<(), SignatureError> {
    Bundle::parse(bundle_file)?.verify(key, digest)
}

#[cfg(test)]
mod tests {
    use super::*;
    use sha2::{Digest as _, Sha256};
    use std::path::PathBuf;

    fn conformance() -> PathBuf {
        crate::sign::testdata().join("conformance")
    }

    fn a_txt_digest() -> [u8; 32] {
        let bytes = std::fs::read(conformance().join("a.txt"))
            .expect("tests/testdata/cosign/conformance/a.txt");
        Sha256::digest(bytes).into()
    }

    fn load(case: &str) -> (Vec<u8>, Result<PublicKey, crate::sign::KeyError>) {
        let dir = conformance().join(case);
        let bundle = std::fs::read(dir.join("bundle.sigstore.json")).unwrap();
        let key = std::fs::read_to_string(dir.join("key.pub"))
            .map_err(|e| crate::sign::KeyError::Read {
                what: "key.pub".into(),
                source: e,
            })
            .and_then(|pem| PublicKey::from_pem(&pem, "key.pub"));
        (bundle, key)
    }

    #[test]
    fn conformance_happy_path_and_trusted_root_verify() {
        for case in ["managed-key-happy-path", "managed-key-and-trusted-root"] {
            let (bundle, key) = load(case);
            let key = key.unwrap();
            verify_bundle(&key, &a_txt_digest(), &bundle).unwrap_or_else(|e| panic!("{case}: {e}"));
            // Same hint convention as cosign.
            assert_eq!(
                Bundle::parse(&bundle)
                    .unwrap()
                    .verification_material
                    .public_key
                    .unwrap()
                    .hint,
                key.hint()
            );
            let mut other = a_txt_digest();
            other[0] ^= 1;
            assert!(matches!(
                verify_bundle(&key, &other, &bundle),
                Err(SignatureError::DigestMismatch { .. })
            ));
        }
    }

    #[test]
    fn conformance_fail_cases_fail() {
        // wrong-key: the key.pub is corrupt, so no key can be loaded at all.
        let (_, key) = load("managed-key-wrong-key_fail");
        assert!(key.is_err(), "the wrong-key case's key.pub must not load");
        // no-key: there is no key.pub; a key that is not the signer's must not verify it.
        let dir = conformance().join("managed-key-no-key_fail");
        assert!(!dir.join("key.pub").exists());
        let bundle = std::fs::read(dir.join("bundle.sigstore.json")).unwrap();
        let stranger = PrivateKey::generate().public_key();
        assert!(matches!(
            verify_bundle(&stranger, &a_txt_digest(), &bundle),
            Err(SignatureError::WrongKey { .. })
        ));
    }

    #[test]
    fn written_bundle_round_trips_and_detects_tampering() {
        let key = PrivateKey::generate();
        let digest: [u8; 32] = Sha256::digest(b"artifact").into();
        let bundle = Bundle::sign(&key, &digest);
        let json = bundle.to_json();
        let value: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(value["mediaType"], BUNDLE_MEDIA_TYPE);
        assert_eq!(
            value["verificationMaterial"]["tlogEntries"],
            serde_json::json!([])
        );
        assert_eq!(
            value["messageSignature"]["messageDigest"]["algorithm"],
            "SHA2_256"
        );
        verify_bundle(&key.public_key(), &digest, json.as_bytes()).unwrap();
        let truncated = &json.as_bytes()[..json.len() / 2];
        assert!(matches!(
            verify_bundle(&key.public_key(), &digest, truncated),
            Err(SignatureError::BundleParse(_))
        ));
        let other = PrivateKey::generate().public_key();
        assert!(matches!(
            verify_bundle(&other, &digest, json.as_bytes()),
            Err(SignatureError::WrongKey { .. })
        ));
    }

    #[test]
    fn sig_files_accept_base64_and_der() {
        let key = PrivateKey::generate();
        let digest: [u8; 32] = Sha256::digest(b"x").into();
        let der = key.sign_digest(&digest);
        let b64 = encode_sig(&der);
        assert!(!b64.ends_with('\n'));
        let public = key.public_key();
        verify_sig(&public, &digest, b64.as_bytes()).unwrap();
        verify_sig(&public, &digest, format!("{b64}\n").as_bytes()).unwrap();
        verify_sig(&public, &digest, &der).unwrap();
        assert_eq!(
            verify_sig(&public, &digest, b"%%%"),
            Err(SignatureError::SigEncoding)
        );
        let other: [u8; 32] = Sha256::digest(b"y").into();
        assert_eq!(
            verify_sig(&public, &other, b64.as_bytes()),
            Err(SignatureError::Invalid)
        );
    }
}
