//! `tug verify --image`: check an image (or a release artifact) in a registry, by digest, against
//! the cosign signatures stored beside it, in both of cosign's layouts: Sigstore-bundle referrers
//! ([`super::referrers`], cosign 3's default; from the Referrers API or the `sha256-<hex>`
//! fallback index) and the classic `sha256-<hex>.sig` tag ([`super::cosign`]).
//!
//! The manifest must exist under its digest, and at least one signature must verify with the
//! public key and name that digest. Signatures cosign
//! made (`cosign sign --key`) and ones tug pushed are the same format, so both verify. Every
//! signature layer is reported, valid or not, so a user sees which signer failed. Like
//! `cosign verify --insecure-ignore-tlog`, no transparency log is consulted.

use serde_json::Value;

use super::cosign::{attestation_tag, signature_tag, DSSE_MEDIA_TYPE};
use super::image::{INDEX_MEDIA_TYPE, MANIFEST_MEDIA_TYPE};
use super::referrers::fallback_tag;
use super::registry::{Repo, RepoRef};
use crate::attest::provenance::PREDICATE_TYPE as PROVENANCE_TYPE;
use crate::attest::{Attached, Layout};
use crate::config::env::EnvSnapshot;
use crate::error::ExitCode;
use crate::publish::retry;
use crate::publish::{Options, PublishError, Shared};
use crate::sign::bundle::BUNDLE_MEDIA_TYPE;
use crate::sign::simplesigning::{self, PayloadError, MEDIA_TYPE, SIGNATURE_ANNOTATION};
use crate::sign::{dsse, PublicKey};

/// Every manifest type an image reference can resolve to.
const ACCEPT: &str = "application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.list.v2+json, application/vnd.docker.distribution.manifest.v2+json";

/// Why an image could not be verified.
#[derive(Debug, thiserror::Error)]
pub enum ImageVerifyError {
    #[error("{reference:?} is not an image reference by digest: {detail}")]
    Reference { reference: String, detail: String },
    #[error("{0} is not in the registry")]
    NotFound(String),
    #[error("{reference} has no cosign signatures (no bundle referrers, no {tag} tag)")]
    Unsigned { reference: String, tag: String },
    #[error("none of the {count} signature(s) of {reference} verify with the public key")]
    NoValidSignature { reference: String, count: usize },
    #[error("cannot read {reference} from the registry")]
    Registry {
        reference: String,
        #[source]
        source: Box<PublishError>,
    },
}

impl crate::error::Diagnostic for ImageVerifyError {
    fn exit_code(&self) -> ExitCode {
        match self {
            ImageVerifyError::Reference { .. } => ExitCode::Usage,
            _ => ExitCode::Failure,
        }
    }
    fn hint(&self) -> Option<String> {
        Some(match self {
            ImageVerifyError::Reference { .. } => {
                "name the image by digest, e.g. registry.example.com/acme/hello@sha256:<hex> (skopeo inspect shows the digest)".into()
            }
            ImageVerifyError::Unsigned { .. } => {
                "sign it with `tug publish` (a signed release signs its images) or `cosign sign --key`".into()
            }
            ImageVerifyError::NoValidSignature { .. } => {
                "check that --key / sign.public_key is the key the image was signed with".into()
            }
            ImageVerifyError::Registry { source, .. } => {
                return crate::error::Diagnostic::hint(source.as_ref())
            }
            ImageVerifyError::NotFound(_) => return None,
        })
    }
}

/// One signature layer of the image and whether it verified.
#[derive(Debug, Clone)]
pub struct SignatureCheck {
    /// The payload layer's digest.
    pub layer: String,
    pub result: Result<(), PayloadError>,
}

/// What `verify_image` found.
#[derive(Debug, Clone)]
pub struct ImageReport {
    /// `host/repository@sha256:...`
    pub reference: String,
    pub signatures: Vec<SignatureCheck>,
}

impl ImageReport {
    pub fn valid(&self) -> usize {
        self.signatures.iter().filter(|s| s.result.is_ok()).count()
    }
}

/// Parse `host/repository@sha256:<hex>`.
pub fn parse_reference(text: &str) -> Result<(RepoRef, String), ImageVerifyError> {
    let bad = |detail: &str| ImageVerifyError::Reference {
        reference: text.to_string(),
        detail: detail.to_string(),
    };
    let (repo, digest) = text
        .rsplit_once('@')
        .ok_or_else(|| bad("no @sha256:<digest> (a tag can move; a digest cannot)"))?;
    let hex = digest
        .strip_prefix("sha256:")
        .ok_or_else(|| bad("the digest must be sha256:<hex>"))?;
    if hex.len() != 64
        || !hex
            .bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
    {
        return Err(bad("the digest must be 64 lower-case hex digits"));
    }
    let repo = RepoRef::parse(repo).map_err(|e| bad(&e))?;
    Ok((repo, digest.to_string()))
}

/// A registry session for one image reference by digest: the runtime, the publisher context
/// (credentials from the run's environment, retries; nothing recorded).
struct Session {
    repo_ref: RepoRef,
    digest: String,
    /// `host/repository@sha256:...`
    shown: String,
    runtime: tokio::runtime::Runtime,
    shared: Shared,
}

impl Session {
    fn open(reference: &str, env: &EnvSnapshot) -> Result<Session, ImageVerifyError> {
        let (repo_ref, digest) = parse_reference(reference)?;
        let shown = format!("{repo_ref}@{digest}");
        let registry = |source: PublishError| ImageVerifyError::Registry {
            reference: shown.clone(),
            source: Box::new(source),
        };
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| registry(PublishError::Runtime(e)))?;
        let shared = Shared::standalone(
            "verify",
            Default::default(),
            Options {
                env: env.clone(),
                ..Options::default()
            },
        )
        .map_err(registry)?;
        Ok(Session {
            repo_ref,
            digest,
            shown,
            runtime,
            shared,
        })
    }

    fn registry(&self, source: PublishError) -> ImageVerifyError {
        ImageVerifyError::Registry {
            reference: self.shown.clone(),
            source: Box::new(source),
        }
    }

    /// The manifest exists under its digest.
    async fn check_exists(&self, repo: &Repo) -> Result<(), ImageVerifyError> {
        let what = format!("checking {}", self.shown);
        let found = retry::retry(&self.shared, &what, || async {
            repo.manifest_head(&self.digest, ACCEPT).await
        })
        .await
        .map_err(|e| self.registry(e))?;
        if found.is_none_or(|(d, _)| d != self.digest) {
            return Err(ImageVerifyError::NotFound(self.shown.clone()));
        }
        Ok(())
    }

    /// The referrers index of the manifest: from the Referrers API, else the `sha256-<hex>`
    /// fallback tag (`Null` when there is none).
    async fn referrers(&self, repo: &Repo) -> Result<Value, ImageVerifyError> {
        let what = format!("listing the referrers of {}", self.shown);
        let index = retry::retry(&self.shared, &what, || async {
            match repo.referrers(&self.digest).await? {
                Some(index) => Ok(Some(index)),
                None => Ok(repo
                    .get_manifest(&fallback_tag(&self.digest), INDEX_MEDIA_TYPE)
                    .await?
                    .map(|(bytes, _)| bytes)),
            }
        })
        .await
        .map_err(|e| self.registry(e))?;
        Ok(index
            .and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or_default())
    }

    /// The manifest under `tag`, parsed (`Null` when the tag does not exist).
    async fn tagged(&self, repo: &Repo, tag: &str) -> Result<Value, ImageVerifyError> {
        let what = format!("fetching {}:{tag}", self.repo_ref);
        let found = retry::retry(&self.shared, &what, || async {
            repo.get_manifest(tag, MANIFEST_MEDIA_TYPE).await
        })
        .await
        .map_err(|e| self.registry(e))?;
        match found {
            None => Ok(Value::Null),
            Some((bytes, _)) => serde_json::from_slice(&bytes).map_err(|e| {
                self.registry(PublishError::Verify {
                    what: format!("{}:{tag}", self.repo_ref),
                    message: format!("not a JSON manifest: {e}"),
                })
            }),
        }
    }

    async fn blob(&self, repo: &Repo, digest: &str) -> Result<Vec<u8>, ImageVerifyError> {
        let what = format!("fetching blob {digest}");
        retry::retry(&self.shared, &what, || async {
            repo.get_blob(digest).await
        })
        .await
        .map_err(|e| self.registry(e))
    }
}

/// The provenance attestations attached to `reference` (by digest), in both layouts tug and
/// cosign write: Sigstore-bundle referrers annotated `dev.sigstore.bundle.predicateType:
/// https://slsa.dev/provenance/v1`, and DSSE-envelope layers of that `predicateType` under the
/// classic `sha256-<hex>.att` tag. Returns the reference as shown, its digest and the
/// attestations, not yet verified (`crate::attest::verify_attached` does that).
pub fn fetch_attestations(
    reference: &str,
    env: &EnvSnapshot,
    insecure: bool,
) -> Result<(String, String, Vec<Attached>), ImageVerifyError> {
    let session = Session::open(reference, env)?;
    let s = &session;
    let attached = s.runtime.block_on(async {
        let repo = Repo::new(s.repo_ref.clone(), insecure, &s.shared).map_err(|e| s.registry(e))?;
        s.check_exists(&repo).await?;
        let mut attached = Vec::new();
        let index = s.referrers(&repo).await?;
        for entry in index["manifests"].as_array().into_iter().flatten() {
            if entry["artifactType"] != BUNDLE_MEDIA_TYPE {
                continue;
            }
            let referrer = entry["digest"].as_str().unwrap_or_default().to_string();
            let doc = s.tagged(&repo, &referrer).await?;
            if doc["annotations"]["dev.sigstore.bundle.predicateType"] != PROVENANCE_TYPE {
                continue;
            }
            let layer = &doc["layers"][0];
            let Some(layer_digest) = layer["digest"].as_str() else {
                continue;
            };
            if layer["mediaType"] != BUNDLE_MEDIA_TYPE {
                continue;
            }
            attached.push(Attached {
                source: format!("referrer {referrer}"),
                bytes: s.blob(&repo, layer_digest).await?,
                layout: Layout::Bundle,
            });
        }
        let tag = attestation_tag(&s.digest);
        let doc = s.tagged(&repo, &tag).await?;
        for layer in doc["layers"].as_array().into_iter().flatten() {
            if layer["mediaType"] != DSSE_MEDIA_TYPE
                || layer["annotations"]["predicateType"] != PROVENANCE_TYPE
            {
                continue;
            }
            let layer_digest = layer["digest"].as_str().unwrap_or_default();
            attached.push(Attached {
                source: format!("{tag} layer {layer_digest}"),
                bytes: s.blob(&repo, layer_digest).await?,
                layout: Layout::Envelope,
            });
        }
        Ok::<_, ImageVerifyError>(attached)
    })?;
    Ok((session.shown.clone(), session.digest.clone(), attached))
}

/// Verify `reference` (by digest) against its cosign signatures with `key`. Credentials come from
/// `env` as for publishing; `insecure` allows plain HTTP to a non-loopback registry.
pub fn verify_image(
    reference: &str,
    key: &PublicKey,
    env: &EnvSnapshot,
    insecure: bool,
) -> Result<ImageReport, ImageVerifyError> {
    let session = Session::open(reference, env)?;
    let Session {
        repo_ref,
        digest,
        shown,
        ..
    } = &session;
    let registry = |e| session.registry(e);
    let shared = &session.shared;
    session.runtime.block_on(async {
        let repo = Repo::new(repo_ref.clone(), insecure, shared).map_err(registry)?;
        session.check_exists(&repo).await?;
        let mut signatures = Vec::new();
        // cosign 3's layout: bundle referrers, from the Referrers API or its fallback tag.
        let index = session.referrers(&repo).await?;
        for entry in index["manifests"].as_array().into_iter().flatten() {
            if entry["artifactType"] != BUNDLE_MEDIA_TYPE {
                continue;
            }
            let referrer = entry["digest"].as_str().unwrap_or_default().to_string();
            let what = format!("fetching signature {referrer}");
            let bundle = retry::retry(shared, &what, || async {
                let Some((bytes, _)) = repo.get_manifest(&referrer, MANIFEST_MEDIA_TYPE).await?
                else {
                    return Ok(Referred::Missing);
                };
                let doc: Value = serde_json::from_slice(&bytes).unwrap_or_default();
                // An attestation (such as the release's provenance) is a bundle referrer too,
                // but no signature of the image: cosign tells them apart by predicate type.
                let predicate = &doc["annotations"]["dev.sigstore.bundle.predicateType"];
                if predicate.is_string() && predicate != dsse::PREDICATE_TYPE {
                    return Ok(Referred::Attestation);
                }
                match doc["layers"][0]["digest"].as_str() {
                    Some(layer) if doc["layers"][0]["mediaType"] == BUNDLE_MEDIA_TYPE => {
                        Ok(Referred::Bundle(repo.get_blob(layer).await?))
                    }
                    _ => Ok(Referred::Missing),
                }
            })
            .await
            .map_err(registry)?;
            let result = match bundle {
                Referred::Attestation => continue,
                Referred::Bundle(bundle) => dsse::verify(key, &bundle, digest),
                Referred::Missing => Err(PayloadError::Malformed(
                    "the referrer holds no Sigstore bundle".into(),
                )),
            };
            signatures.push(SignatureCheck {
                layer: referrer,
                result,
            });
        }

        // The classic layout: simple-signing layers under the `.sig` tag.
        let tag = signature_tag(digest);
        let doc = session.tagged(&repo, &tag).await?;
        if doc.is_null() && signatures.is_empty() {
            return Err(ImageVerifyError::Unsigned {
                reference: shown.clone(),
                tag: format!("{repo_ref}:{tag}"),
            });
        }
        for layer in doc["layers"].as_array().into_iter().flatten() {
            if layer["mediaType"] != MEDIA_TYPE {
                continue;
            }
            let layer_digest = layer["digest"].as_str().unwrap_or_default().to_string();
            let payload = session.blob(&repo, &layer_digest).await?;
            let annotation = layer["annotations"][SIGNATURE_ANNOTATION]
                .as_str()
                .unwrap_or_default();
            signatures.push(SignatureCheck {
                layer: layer_digest,
                result: simplesigning::verify(key, &payload, annotation, digest),
            });
        }
        let report = ImageReport {
            reference: shown.clone(),
            signatures,
        };
        if report.valid() == 0 {
            return Err(ImageVerifyError::NoValidSignature {
                reference: shown.clone(),
                count: report.signatures.len(),
            });
        }
        Ok(report)
    })
}

/// What a bundle referrer of the image turned out to hold.
enum Referred {
    /// A cosign signature bundle.
    Bundle(Vec<u8>),
    /// An attestation of another predicate type: not a signature, skipped.
    Attestation,
    /// Gone, or no Sigstore bundle in it.
    Missing,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_must_name_a_digest() {
        let hex = "ab".repeat(32);
        let (repo, digest) =
            parse_reference(&format!("127.0.0.1:5000/acme/hello@sha256:{hex}")).unwrap();
        assert_eq!(repo.to_string(), "127.0.0.1:5000/acme/hello");
        assert_eq!(digest, format!("sha256:{hex}"));
        for bad in [
            "127.0.0.1:5000/acme/hello:1.0.0".to_string(),
            format!("127.0.0.1:5000/acme/hello@md5:{hex}"),
            "127.0.0.1:5000/acme/hello@sha256:abc".to_string(),
            format!("127.0.0.1:5000/Acme@sha256:{hex}"),
        ] {
            assert!(
                matches!(
                    parse_reference(&bad),
                    Err(ImageVerifyError::Reference { .. })
                ),
                "{bad}"
            );
        }
    }
}
