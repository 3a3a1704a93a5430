//! An in-toto statement signed with the release key: a DSSE envelope (payload type
//! `application/vnd.in-toto+json`, the signature over DSSE's pre-authentication encoding) inside a
//! Sigstore bundle v0.3 with the public key named by its hint and no transparency-log entries
//! (tug signs offline). `cosign verify-blob-attestation --key cosign.pub --bundle FILE
//! --insecure-ignore-tlog` reads exactly this; [`open`] is the same check in tug.

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use serde_json::{json, Value};
use sha2::{Digest as _, Sha256};

use crate::sign::bundle::BUNDLE_MEDIA_TYPE;
use crate::sign::dsse::{pae, PAYLOAD_TYPE};
use crate::sign::{PrivateKey, PublicKey};

/// Why an envelope does not prove its statement.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EnvelopeError {
    #[error("not a Sigstore bundle with a DSSE envelope: {0}")]
    Malformed(String),
    #[error("the envelope's payload type is {0:?}, not an in-toto statement")]
    PayloadType(String),
    #[error("the envelope carries no signature")]
    Unsigned,
    #[error(
        "signed by another key (hint {bundle_hint}), not by this public key (hint {key_hint})"
    )]
    WrongKey {
        bundle_hint: String,
        key_hint: String,
    },
    #[error("the signature does not verify with the public key (the statement was changed after signing, or another key signed it)")]
    Invalid,
}

/// The bundle (pretty JSON with a final newline) signing `statement` with `key`.
pub fn sign(key: &PrivateKey, statement: &[u8]) -> Vec<u8> {
    let hashed: [u8; 32] = Sha256::digest(pae(PAYLOAD_TYPE, statement)).into();
    let sig = B64.encode(key.sign_digest(&hashed));
    let bundle = json!({
        "mediaType": BUNDLE_MEDIA_TYPE,
        "verificationMaterial": {
            "publicKey": { "hint": key.public_key().hint() },
            "tlogEntries": [],
        },
        "dsseEnvelope": {
            "payload": B64.encode(statement),
            "payloadType": PAYLOAD_TYPE,
            "signatures": [{ "sig": sig }],
        },
    });
    let mut out = serde_json::to_vec_pretty(&bundle).expect("bundle serializes");
    out.push(b'\n');
    out
}

/// [`open`] for a bare DSSE envelope (what a classic `sha256-<digest>.att` layer holds: the
/// bundle's `dsseEnvelope` without the bundle around it).
pub fn open_envelope(key: &PublicKey, envelope: &[u8]) -> Result<Vec<u8>, EnvelopeError> {
    let envelope: Value =
        serde_json::from_slice(envelope).map_err(|e| EnvelopeError::Malformed(e.to_string()))?;
    let bundle = json!({ "mediaType": BUNDLE_MEDIA_TYPE, "dsseEnvelope": envelope });
    open(key, bundle.to_string().as_bytes())
}

/// Check the bundle's signature with `key` and return the statement it signs (the payload bytes).
pub fn open(key: &PublicKey, bundle: &[u8]) -> Result<Vec<u8>, EnvelopeError> {
    let doc: Value =
        serde_json::from_slice(bundle).map_err(|e| EnvelopeError::Malformed(e.to_string()))?;
    let env = doc
        .get("dsseEnvelope")
        .ok_or_else(|| EnvelopeError::Malformed("no dsseEnvelope".into()))?;
    let payload_type = env["payloadType"].as_str().unwrap_or_default();
    if payload_type != PAYLOAD_TYPE {
        return Err(EnvelopeError::PayloadType(payload_type.into()));
    }
    let payload = B64
        .decode(env["payload"].as_str().unwrap_or_default())
        .map_err(|e| EnvelopeError::Malformed(format!("payload is not base64: {e}")))?;
    let sigs: Vec<Vec<u8>> = env["signatures"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|s| s["sig"].as_str())
        .filter(|s| !s.is_empty())
        .filter_map(|s| B64.decode(s).ok())
        .collect();
    if sigs.is_empty() {
        return Err(EnvelopeError::Unsigned);
    }
    let hashed: [u8; 32] = Sha256::digest(pae(PAYLOAD_TYPE, &payload)).into();
    if sigs.iter().any(|der| key.verify_digest(&hashed, der)) {
        return Ok(payload);
    }
    let bundle_hint = doc["verificationMaterial"]["publicKey"]["hint"]
        .as_str()
        .unwrap_or_default();
    let key_hint = key.hint();
    if !bundle_hint.is_empty() && bundle_hint != key_hint {
        return Err(EnvelopeError::WrongKey {
            bundle_hint: bundle_hint.into(),
            key_hint,
        });
    }
    Err(EnvelopeError::Invalid)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_each_refusal() {
        let key = PrivateKey::generate();
        let statement = br#"{"_type":"https://in-toto.io/Statement/v1"}"#;
        let bundle = sign(&key, statement);
        assert_eq!(open(&key.public_key(), &bundle).unwrap(), statement);
        let other = PrivateKey::generate().public_key();
        assert!(matches!(
            open(&other, &bundle),
            Err(EnvelopeError::WrongKey { .. })
        ));
        let mut doc: Value = serde_json::from_slice(&bundle).unwrap();
        doc["dsseEnvelope"]["signatures"] = json!([]);
        assert_eq!(
            open(&key.public_key(), doc.to_string().as_bytes()),
            Err(EnvelopeError::Unsigned)
        );
        let mut doc: Value = serde_json::from_slice(&bundle).unwrap();
        doc["dsseEnvelope"]["payload"] = Value::String(B64.encode(b"{}"));
        assert_eq!(
            open(&key.public_key(), doc.to_string().as_bytes()),
            Err(EnvelopeError::Invalid)
        );
    }
}
