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
/// or the existing document is not a signature manifest (`Err` with why).
pub fn merge(existing: &[u8], ours: &Value) -> Result<Option<Vec<Value>>, String> {
    let doc: Value = serde_json::from_slice(existing).map_err(|e| format!("not JSON: {e}"))?;
    let layers = doc["layers"]
        .as_array()
        .ok_or("it has no layers: not a cosign signature manifest")?;
    if let Some(bad) = layers.iter().find(|l| l["mediaType"] != MEDIA_TYPE) {
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
}
