//! Cosign 3's image signature: a Sigstore bundle v0.3 holding a DSSE envelope around an in-toto
//! statement whose subject is the image's manifest digest (predicate type [`PREDICATE_TYPE`]).
//!
//! `cosign sign --key` (cosign 3, default) signs `PAE(payloadType, payload)` (DSSE's
//! pre-authentication encoding) with ECDSA-P256-SHA256 and stores the bundle as an OCI 1.1
//! referrer of the image. This module makes and checks the bundle; where it lives in a registry
//! is `publish::oci::referrers`'s job. The classic layout is [`super::simplesigning`].

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use serde_json::{json, Value};
use sha2::{Digest as _, Sha256};

use super::bundle::BUNDLE_MEDIA_TYPE;
use super::keys::{PrivateKey, PublicKey};
use super::simplesigning::PayloadError;

/// The DSSE payload type of an in-toto statement.
pub const PAYLOAD_TYPE: &str = "application/vnd.in-toto+json";
/// The predicate type cosign gives a plain image signature.
pub const PREDICATE_TYPE: &str = "https://sigstore.dev/cosign/sign/v1";

/// DSSE's pre-authentication encoding: `DSSEv1 <len> <type> <len> <payload>`.
pub fn pae(payload_type: &str, payload: &[u8]) -> Vec<u8> {
    let mut out = format!(
        "DSSEv1 {} {payload_type} {} ",
        payload_type.len(),
        payload.len()
    )
    .into_bytes();
    out.extend_from_slice(payload);
    out
}

/// The in-toto statement cosign signs for an image with manifest `digest` (`sha256:<hex>`).
pub fn statement(digest: &str) -> Vec<u8> {
    let hex = digest.trim_start_matches("sha256:");
    serde_json::to_vec(&json!({
        "_type": "https://in-toto.io/Statement/v1",
        "subject": [{ "digest": { "sha256": hex }, "annotations": {} }],
        "predicateType": PREDICATE_TYPE,
        "predicate": {},
    }))
    .expect("statement serializes")
}

/// A bundle signing the image with manifest `digest` (pretty JSON, as written to the registry).
pub fn sign(key: &PrivateKey, digest: &str) -> Vec<u8> {
    let payload = statement(digest);
    let hashed: [u8; 32] = Sha256::digest(pae(PAYLOAD_TYPE, &payload)).into();
    let sig = B64.encode(key.sign_digest(&hashed));
    serde_json::to_vec(&json!({
        "mediaType": BUNDLE_MEDIA_TYPE,
        "verificationMaterial": { "publicKey": { "hint": key.public_key().hint() } },
        "dsseEnvelope": {
            "payload": B64.encode(&payload),
            "payloadType": PAYLOAD_TYPE,
            "signatures": [{ "sig": sig }],
        },
    }))
    .expect("bundle serializes")
}

/// Check a DSSE image bundle for the image with manifest `digest`: one of its signatures must
/// verify with `key` over the PAE, and the statement's subject must be that digest.
pub fn verify(key: &PublicKey, bundle: &[u8], digest: &str) -> Result<(), PayloadError> {
    let malformed = |m: &str| PayloadError::Malformed(m.to_string());
    let doc: Value = serde_json::from_slice(bundle).map_err(|e| malformed(&e.to_string()))?;
    let env = &doc["dsseEnvelope"];
    if env["payloadType"] != PAYLOAD_TYPE {
        return Err(malformed("the bundle holds no in-toto DSSE envelope"));
    }
    let payload = B64
        .decode(env["payload"].as_str().unwrap_or_default())
        .map_err(|_| PayloadError::Encoding)?;
    let hashed: [u8; 32] = Sha256::digest(pae(PAYLOAD_TYPE, &payload)).into();
    let valid = env["signatures"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|s| B64.decode(s["sig"].as_str()?).ok())
        .any(|der| key.verify_digest(&hashed, &der));
    if !valid {
        return Err(PayloadError::Invalid);
    }
    let statement: Value =
        serde_json::from_slice(&payload).map_err(|e| malformed(&e.to_string()))?;
    let hex = digest.trim_start_matches("sha256:");
    let subjects = statement["subject"].as_array().cloned().unwrap_or_default();
    if !subjects.iter().any(|s| s["digest"]["sha256"] == hex) {
        return Err(PayloadError::OtherImage {
            signed: subjects
                .first()
                .and_then(|s| s["digest"]["sha256"].as_str())
                .map(|h| format!("sha256:{h}"))
                .unwrap_or_default(),
            expected: digest.to_string(),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pae_matches_the_dsse_spec_example() {
        // From the DSSE protocol document.
        assert_eq!(
            pae("http://example.com/HelloWorld", b"hello world"),
            b"DSSEv1 29 http://example.com/HelloWorld 11 hello world"
        );
    }

    #[test]
    fn signs_and_verifies_an_image_digest() {
        let key = PrivateKey::generate();
        let digest = format!("sha256:{}", "ab".repeat(32));
        let bundle = sign(&key, &digest);
        verify(&key.public_key(), &bundle, &digest).unwrap();
        let other = format!("sha256:{}", "cd".repeat(32));
        assert!(matches!(
            verify(&key.public_key(), &bundle, &other),
            Err(PayloadError::OtherImage { .. })
        ));
        assert_eq!(
            verify(&PrivateKey::generate().public_key(), &bundle, &digest),
            Err(PayloadError::Invalid)
        );
    }
}
