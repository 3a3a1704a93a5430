//! Cosign's container-image signature payload ("simple signing"), made and checked here.
//!
//! `cosign sign --key` signs an image by signing a small JSON document that names the image's
//! repository (`docker-reference`) and manifest digest (`docker-manifest-digest`); the signature
//! is ECDSA-P256-SHA256 over the exact payload bytes. The payload is stored as a layer of media
//! type [`MEDIA_TYPE`] in the `sha256-<digest>.sig` manifest, with the base64 signature in the
//! layer's [`SIGNATURE_ANNOTATION`] (cosign's `specs/SIGNATURE_SPEC.md`). This module knows the
//! payload and the signature; where they live in a registry is `publish::oci::cosign`'s job.

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use serde_json::{json, Value};
use sha2::{Digest as _, Sha256};

use super::keys::{PrivateKey, PublicKey};

/// The layer media type of a simple-signing payload.
pub const MEDIA_TYPE: &str = "application/vnd.dev.cosign.simplesigning.v1+json";
/// The layer annotation holding the base64 signature over the payload.
pub const SIGNATURE_ANNOTATION: &str = "dev.cosignproject.cosign/signature";
/// `critical.type` of every cosign image signature.
pub const PAYLOAD_TYPE: &str = "cosign container image signature";

/// Why a simple-signing signature does not prove an image.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PayloadError {
    #[error("the payload is not a cosign simple-signing document: {0}")]
    Malformed(String),
    #[error("the payload signs image {signed}, not {expected}")]
    OtherImage { signed: String, expected: String },
    #[error("the signature annotation is not base64")]
    Encoding,
    #[error("the signature does not verify with the public key")]
    Invalid,
}

/// The payload cosign writes for `repository@digest` (no annotations: `"optional": null`).
pub fn payload(docker_reference: &str, manifest_digest: &str) -> Vec<u8> {
    serde_json::to_vec(&json!({
        "critical": {
            "identity": { "docker-reference": docker_reference },
            "image": { "docker-manifest-digest": manifest_digest },
            "type": PAYLOAD_TYPE,
        },
        "optional": null,
    }))
    .expect("payload serializes")
}

/// Sign a payload: the base64 DER signature for the layer annotation (deterministic, RFC 6979).
pub fn sign(key: &PrivateKey, payload: &[u8]) -> String {
    let digest: [u8; 32] = Sha256::digest(payload).into();
    B64.encode(key.sign_digest(&digest))
}

/// The image digest a payload names (`critical.image.docker-manifest-digest`).
pub fn signed_digest(payload: &[u8]) -> Result<String, PayloadError> {
    let doc: Value =
        serde_json::from_slice(payload).map_err(|e| PayloadError::Malformed(e.to_string()))?;
    let critical = &doc["critical"];
    if critical["type"] != PAYLOAD_TYPE {
        return Err(PayloadError::Malformed(format!(
            "critical.type is {}, expected {PAYLOAD_TYPE:?}",
            critical["type"]
        )));
    }
    critical["image"]["docker-manifest-digest"]
        .as_str()
        .map(str::to_string)
        .ok_or_else(|| PayloadError::Malformed("no critical.image.docker-manifest-digest".into()))
}

/// Check a payload and its annotation signature for the image with `manifest_digest`.
pub fn verify(
    key: &PublicKey,
    payload: &[u8],
    signature_b64: &str,
    manifest_digest: &str,
) -> Result<(), PayloadError> {
    let der = B64
        .decode(signature_b64.trim())
        .map_err(|_| PayloadError::Encoding)?;
    let digest: [u8; 32] = Sha256::digest(payload).into();
    if !key.verify_digest(&digest, &der) {
        return Err(PayloadError::Invalid);
    }
    let signed = signed_digest(payload)?;
    if signed != manifest_digest {
        return Err(PayloadError::OtherImage {
            signed,
            expected: manifest_digest.to_string(),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signs_and_verifies_and_names_the_image() {
        let key = PrivateKey::generate();
        let digest = format!("sha256:{}", "ab".repeat(32));
        let p = payload("127.0.0.1:5000/acme/hello", &digest);
        let doc: Value = serde_json::from_slice(&p).unwrap();
        assert_eq!(
            doc["critical"]["identity"]["docker-reference"],
            "127.0.0.1:5000/acme/hello"
        );
        assert_eq!(doc["optional"], Value::Null);
        let sig = sign(&key, &p);
        assert_eq!(sig, sign(&key, &p), "deterministic signatures");
        verify(&key.public_key(), &p, &sig, &digest).unwrap();
        let other = format!("sha256:{}", "cd".repeat(32));
        assert!(matches!(
            verify(&key.public_key(), &p, &sig, &other),
            Err(PayloadError::OtherImage { .. })
        ));
        let stranger = PrivateKey::generate().public_key();
        assert_eq!(
            verify(&stranger, &p, &sig, &digest),
            Err(PayloadError::Invalid)
        );
        let mut tampered = p.clone();
        tampered[5] ^= 1;
        assert_eq!(
            verify(&key.public_key(), &tampered, &sig, &digest),
            Err(PayloadError::Invalid)
        );
        assert_eq!(
            verify(&key.public_key(), &p, "%%", &digest),
            Err(PayloadError::Encoding)
        );
    }
}
