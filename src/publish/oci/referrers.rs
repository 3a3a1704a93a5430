//! Cosign 3's Sigstore-bundle layout: an image's signature is an OCI 1.1 referrer, a manifest
//! whose `subject` is the image and whose one layer is a Sigstore bundle v0.3
//! (`crate::sign::dsse`). Registries with the Referrers API (`GET /v2/<name>/referrers/<digest>`)
//! index it themselves and say so with an `OCI-Subject` header on the PUT; for the others (such
//! as distribution 2.8) the client maintains the referrers tag schema fallback: an image index
//! under the tag `sha256-<hex>` listing the referrers, which tug updates without dropping
//! anyone else's entries (OCI distribution spec, "Referrers tag schema").

use serde_json::{json, Value};

use super::image::{descriptor, INDEX_MEDIA_TYPE, MANIFEST_MEDIA_TYPE};
use crate::publish::sha256_hex;
use crate::sign::bundle::BUNDLE_MEDIA_TYPE;

/// The media type of the empty config of an artifact manifest.
pub const EMPTY_MEDIA_TYPE: &str = "application/vnd.oci.empty.v1+json";
/// The empty config blob, `{}`.
pub const EMPTY_CONFIG: &[u8] = b"{}";

/// The referrers fallback tag of `sha256:<hex>`: `sha256-<hex>`.
pub fn fallback_tag(digest: &str) -> String {
    digest.replacen(':', "-", 1)
}

/// The referrer manifest carrying `bundle` for the subject manifest, as cosign 3 writes it: the
/// same shape for a signature (`predicate_type` [`PREDICATE_TYPE`], `cosign sign`) and an
/// attestation (the statement's predicate type, `cosign attest`); `cosign verify-attestation`
/// picks the bundles whose statement has the predicate type it is asked for.
pub fn manifest(bundle: &[u8], subject: &Value, created: &str, predicate_type: &str) -> Vec<u8> {
    serde_json::to_vec(&json!({
        "schemaVersion": 2,
        "mediaType": MANIFEST_MEDIA_TYPE,
        "artifactType": BUNDLE_MEDIA_TYPE,
        "config": descriptor(EMPTY_MEDIA_TYPE, &sha256_hex(EMPTY_CONFIG), EMPTY_CONFIG.len() as u64),
        "layers": [descriptor(BUNDLE_MEDIA_TYPE, &sha256_hex(bundle), bundle.len() as u64)],
        "annotations": {
            "dev.sigstore.bundle.content": "dsse-envelope",
            "dev.sigstore.bundle.predicateType": predicate_type,
            "org.opencontainers.image.created": created,
        },
        "subject": subject,
    }))
    .expect("manifest serializes")
}

/// The descriptor of a referrer manifest as listed in a referrers index.
pub fn index_entry(referrer: &[u8]) -> Value {
    let mut d = descriptor(
        MANIFEST_MEDIA_TYPE,
        &sha256_hex(referrer),
        referrer.len() as u64,
    );
    d["artifactType"] = json!(BUNDLE_MEDIA_TYPE);
    d
}

/// The fallback index with `entry` added: `None` when it is already listed. `existing` is the
/// current index under the fallback tag, if any; an existing tag that is not an image index is
/// an error (someone else's tag: never overwritten).
pub fn add_to_index(existing: Option<&[u8]>, entry: &Value) -> Result<Option<Vec<u8>>, String> {
    let mut manifests = match existing {
        None => Vec::new(),
        Some(bytes) => {
            let doc: Value = serde_json::from_slice(bytes).map_err(|e| format!("not JSON: {e}"))?;
            if doc["mediaType"] != INDEX_MEDIA_TYPE {
                return Err(format!(
                    "it is a {}, not a referrers index",
                    doc["mediaType"]
                ));
            }
            doc["manifests"].as_array().cloned().unwrap_or_default()
        }
    };
    if manifests.iter().any(|m| m["digest"] == entry["digest"]) {
        return Ok(None);
    }
    manifests.push(entry.clone());
    Ok(Some(
        serde_json::to_vec(&json!({
            "schemaVersion": 2,
            "mediaType": INDEX_MEDIA_TYPE,
            "manifests": manifests,
        }))
        .expect("index serializes"),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sign::dsse::PREDICATE_TYPE;

    #[test]
    fn referrer_points_at_its_subject_and_the_index_keeps_other_entries() {
        let subject = descriptor(MANIFEST_MEDIA_TYPE, &"ab".repeat(32), 100);
        let m = manifest(
            b"{\"bundle\":1}",
            &subject,
            "2026-01-02T03:04:05Z",
            PREDICATE_TYPE,
        );
        let doc: Value = serde_json::from_slice(&m).unwrap();
        assert_eq!(doc["subject"], subject);
        assert_eq!(doc["artifactType"], BUNDLE_MEDIA_TYPE);
        assert_eq!(doc["layers"][0]["mediaType"], BUNDLE_MEDIA_TYPE);
        assert_eq!(
            fallback_tag(&format!("sha256:{}", "ab".repeat(32))),
            format!("sha256-{}", "ab".repeat(32))
        );

        let entry = index_entry(&m);
        let first = add_to_index(None, &entry).unwrap().unwrap();
        assert_eq!(add_to_index(Some(&first), &entry).unwrap(), None);
        let other = index_entry(b"other");
        let both: Value =
            serde_json::from_slice(&add_to_index(Some(&first), &other).unwrap().unwrap()).unwrap();
        assert_eq!(both["manifests"], json!([entry, other]));
        assert!(
            add_to_index(Some(&m), &other).is_err(),
            "a manifest is not an index"
        );
    }
}
