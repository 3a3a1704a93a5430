//! Cosign's classic OCI signature layout, for every manifest tug pushes.
//!
//! `cosign sign --key` stores an image's signatures in the same repository under the tag
//! `sha256-<hex>.sig`: an OCI image manifest with one layer per signature, each layer a
//! simple-signing payload (`crate::sign::simplesigning`) whose annotation
//! `dev.cosignproject.cosign/signature` holds the base64 signature (cosign's
//! `specs/SIGNATURE_SPEC.md`). tug writes exactly that, so `cosign verify --key cosign.pub
//! --insecure-ignore-tlog` accepts the images and the release artifact tug publishes, and
//! `tug verify --image` reads signatures cosign made. When the tag already holds signatures
//! (someone ran `cosign sign` too), tug adds its layer to them instead of replacing them.
//!
//! Attestations (`cosign attest --key`, classic) live the same way under `sha256-<hex>.att`: one
//! layer per attestation, each a bare DSSE envelope ([`DSSE_MEDIA_TYPE`]) annotated with its
//! statement's `predicateType` and an empty signature annotation ([`attest`]): cosign reads them as
//! signature layers.

use serde_json::{json, Value};

use super::image::{descriptor, MANIFEST_MEDIA_TYPE};
use crate::publish::sha256_hex;
use crate::sign::simplesigning::{self, MEDIA_TYPE, SIGNATURE_ANNOTATION};
use crate::sign::PrivateKey;

/// The media type of the signature manifest's config (an image config, as cosign writes).
pub const CONFIG_MEDIA_TYPE: &str = "application/vnd.oci.image.config.v1+json";

/// The tag cosign looks signatures up by: `sha256:<hex>` → `sha256-<hex>.sig`.
pub fn signature_tag(digest: &str) -> String {
    format!("{}.sig", digest.replacen(':', "-", 1))
}

/// The tag cosign looks attestations up by: `sha256:<hex>` → `sha256-<hex>.att`.
pub fn attestation_tag(digest: &str) -> String {
    format!("{}.att", digest.replacen(':', "-", 1))
}

/// The media type of a classic attestation layer: a DSSE envelope.
pub const DSSE_MEDIA_TYPE: &str = "application/vnd.dsse.envelope.v1+json";

/// The classic attestation layer for `statement` (an in-toto statement of `predicate_type`),
/// signed with `key`: the DSSE envelope of the Sigstore bundle [`crate::attest::envelope::sign`]
/// makes, without the bundle around it.
pub fn attest(key: &PrivateKey, statement: &[u8], predicate_type: &str) -> SignatureLayer {
    let bundle: Value = serde_json::from_slice(&crate::attest::envelope::sign(key, statement))
        .expect("the bundle is JSON");
    let payload = serde_json::to_vec(&bundle["dsseEnvelope"]).expect("envelope serializes");
    let mut layer = descriptor(DSSE_MEDIA_TYPE, &sha256_hex(&payload), payload.len() as u64);
    // cosign reads every layer under `.att` as a signature layer: the annotation must be there,
    // empty (the signature is inside the envelope).
    layer["annotations"] = json!({ "predicateType": predicate_type, SIGNATURE_ANNOTATION: "" });
    SignatureLayer { payload, layer }
}

/// One signature of an image: its payload blob and the layer descriptor pointing at it.
#[derive(Debug, Clone)]
pub struct SignatureLayer {
    pub payload: Vec<u8>,
    pub layer: Value,
}

/// Sign the manifest `digest` in `repository` (`host/path`) with `key`.
pub fn sign(key: &PrivateKey, repository: &str, digest: &str) -> SignatureLayer {
    let payload = simplesigning::payload(repository, digest);
    let signature = simplesigning::sign(key, &payload);
    let mut layer = descriptor(MEDIA_TYPE, &sha256_hex(&payload), payload.len() as u64);
    layer["annotations"] = json!({ SIGNATURE_ANNOTATION: signature });
    SignatureLayer { payload, layer }
}

/// The config blob and manifest for these signature layers, shaped as cosign writes them (an
/// image config whose `rootfs.diff_ids` are the layers, created at the zero time).
pub fn manifest(layers: &[Value]) -> (Vec<u8>, Vec<u8>) {
    let diff_ids: Vec<&Value> = layers.iter().map(|l| &l["digest"]).collect();
    let config = serde_json::to_vec(&json!({
        "architecture": "",
        "created": "0001-01-01T00:00:00Z",
        "history": [{ "created": "0001-01-01T00:00:00Z" }],
        "os": "",
        "rootfs": { "type": "layers", "diff_ids": diff_ids },
        "config": {},
    }))
    .expect("config serializes");
    let manifest = serde_json::to_vec(&json!({
        "schemaVersion": 2,
        "mediaType": MANIFEST_MEDIA_TYPE,
        "config": descriptor(CONFIG_MEDIA_TYPE, &sha256_hex(&config), config.len() as u64),
        "layers": layers,
    }))
    .expect("manifest serializes");
    (config, manifest)
}

/// The layers of an existing signature manifest, with `ours` added unless a layer with the same
/// payload and signature is already there. `None` when `ours` is already present (nothing to do)
/// or the existing document is not a signature manifest (`Err` with why). The layers must all be
/// of `ours`'s media type: simple-signing payloads under `.sig`, DSSE envelopes under `.att`.
pub fn merge(existing: &[u8], ours: &Value) -> Result<Option<Vec<Value>>, String> {
    let doc: Value = serde_json::from_slice(existing).map_err(|e| format!("not JSON: {e}"))?;
    let layers = doc["layers"]
        .as_array()
        .ok_or("it has no layers: not a cosign signature manifest")?;
    if let Some(bad) = layers.iter().find(|l| l["mediaType"] != ours["mediaType"]) {
        return Err(format!(
            "it has a layer of type {}: not a cosign signature manifest",
            bad["mediaType"]
        ));
    }
    let same = |l: &Value| {
        l["digest"] == ours["digest"]
            && l["annotations"][SIGNATURE_ANNOTATION] == ours["annotations"][SIGNATURE_ANNOTATION]
    };
    if layers.iter().any(same) {
        return Ok(None);
    }
    let mut merged = layers.clone();
    merged.push(ours.clone());
    Ok(Some(merged))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_manifest_has_one_simplesigning_layer_per_signature() {
        let key = PrivateKey::generate();
        let digest = format!("sha256:{}", "ab".repeat(32));
        assert_eq!(
            signature_tag(&digest),
            format!("sha256-{}.sig", "ab".repeat(32))
        );
        let sig = sign(&key, "127.0.0.1:5000/acme/hello", &digest);
        let (config, bytes) = manifest(std::slice::from_ref(&sig.layer));
        let doc: Value = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(doc["layers"][0]["mediaType"], MEDIA_TYPE);
        assert_eq!(
            doc["layers"][0]["digest"],
            format!("sha256:{}", sha256_hex(&sig.payload))
        );
        assert_eq!(
            doc["config"]["digest"],
            format!("sha256:{}", sha256_hex(&config))
        );
        let annotation = doc["layers"][0]["annotations"][SIGNATURE_ANNOTATION]
            .as_str()
            .unwrap();
        simplesigning::verify(&key.public_key(), &sig.payload, annotation, &digest).unwrap();

        // Merging: ours already there → nothing to do; another signer's → appended.
        assert_eq!(merge(&bytes, &sig.layer).unwrap(), None);
        let other = sign(
            &PrivateKey::generate(),
            "127.0.0.1:5000/acme/hello",
            &digest,
        );
        let (_, theirs) = manifest(std::slice::from_ref(&other.layer));
        let merged = merge(&theirs, &sig.layer).unwrap().unwrap();
        assert_eq!(merged, [other.layer.clone(), sig.layer.clone()]);
        let not_sig =
            serde_json::to_vec(&json!({"layers": [{"mediaType": "text/plain"}]})).unwrap();
        assert!(merge(&not_sig, &sig.layer).is_err());
    }

    #[test]
    fn attestation_layer_is_a_dsse_envelope_that_opens_with_the_key() {
        let key = PrivateKey::generate();
        let digest = format!("sha256:{}", "cd".repeat(32));
        assert_eq!(
            attestation_tag(&digest),
            format!("sha256-{}.att", "cd".repeat(32))
        );
        let statement = br#"{"_type":"https://in-toto.io/Statement/v1"}"#;
        let att = attest(&key, statement, "https://slsa.dev/provenance/v1");
        assert_eq!(att.layer["mediaType"], DSSE_MEDIA_TYPE);
        assert_eq!(
            att.layer["annotations"]["predicateType"],
            "https://slsa.dev/provenance/v1"
        );
        assert_eq!(att.layer["annotations"][SIGNATURE_ANNOTATION], "");
        // The envelope is the one a bundle would hold: it opens with the release key only.
        let bundle = serde_json::to_vec(&json!({
            "mediaType": crate::sign::bundle::BUNDLE_MEDIA_TYPE,
            "dsseEnvelope": serde_json::from_slice::<Value>(&att.payload).unwrap(),
        }))
        .unwrap();
        let opened = crate::attest::envelope::open(&key.public_key(), &bundle).unwrap();
        assert_eq!(opened, statement);
        assert!(
            crate::attest::envelope::open(&PrivateKey::generate().public_key(), &bundle).is_err()
        );

        // Under `.att` only DSSE layers: a `.sig` manifest there is not merged into.
        let (_, sigs) = manifest(std::slice::from_ref(&sign(&key, "r/x", &digest).layer));
        assert!(merge(&sigs, &att.layer).is_err());
        let (_, atts) = manifest(std::slice::from_ref(&att.layer));
        assert_eq!(merge(&atts, &att.layer).unwrap(), None);
    }
}
