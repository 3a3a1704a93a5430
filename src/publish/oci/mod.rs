//! The `oci` publisher: the release as an OCI artifact (and optionally ko-style container images
//! of the Linux binaries) pushed to a registry, or written to an OCI image layout directory.
//!
//! The release artifact is one image manifest with `artifactType`
//! [`RELEASE_ARTIFACT_TYPE`]; its config is the exact `dist/manifest.json` bytes
//! ([`MANIFEST_CONFIG_TYPE`]) and every file of the release is one layer titled with its name
//! (`org.opencontainers.image.title`); the blob signatures `tug sign` made are layers too,
//! verifiable with `cosign verify-blob`. With a signing key (the release is signed and
//! `signatures` is not `none`), every manifest tug pushes (each platform image, the index and the
//! release artifact) is also signed, as a cosign 3 bundle referrer ([`referrers`], the default)
//! or in cosign's classic `.sig` layout ([`cosign`]), so `cosign verify --key` accepts them.
//! When the release has a provenance, each of them also gets it as an attestation whose subject
//! is that manifest, in the same layout (a bundle referrer, or the `.att` tag), so `cosign
//! verify-attestation --type slsaprovenance1` accepts it.
//!
//! Blobs already in the registry are not uploaded again (HEAD first); blobs larger than the chunk
//! size go up in PATCH chunks, whose session is kept in the publish state as chunks are
//! confirmed, so an upload cut off (tug killed, registry restarted) continues in the next run
//! from the offset the registry confirms; after each upload the registry's size for the digest is
//! checked, and each manifest's digest is read back, before the publish state records it.

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::Arc;

use serde_json::{json, Value};

use super::retry::{self, Failure};
use super::template::Vars;
use super::{
    sha256_hex, Event, ItemOutcome, PublishError, PublisherSummary, Release, Shared, Tally,
};
use crate::config::publish::{OciPublisher, OciSignatures};
use crate::manifest::ArtifactKind;
use crate::sign::PrivateKey;

pub mod base;
pub mod cosign;
pub mod creds;
pub mod image;
pub mod referrers;
pub mod registry;
pub mod token;
pub mod verify;

use image::{descriptor, MANIFEST_MEDIA_TYPE};
use registry::{BlobSource, Repo, RepoRef};

pub const RELEASE_ARTIFACT_TYPE: &str = "application/vnd.tug.release.v1+json";
pub const MANIFEST_CONFIG_TYPE: &str = "application/vnd.tug.manifest.v1+json";
pub const FILE_MEDIA_TYPE: &str = "application/octet-stream";

/// A blob to push into one of the plan's repositories.
#[derive(Debug, Clone)]
pub struct PlanBlob {
    pub repo: usize,
    pub item: String,
    pub sha256: String,
    pub size: u64,
    pub source: BlobSource,
}

impl PlanBlob {
    /// A blob of the plan made here, held in memory.
    fn in_memory(repo: usize, item: String, bytes: Vec<u8>) -> PlanBlob {
        PlanBlob {
            repo,
            item,
            sha256: sha256_hex(&bytes),
            size: bytes.len() as u64,
            source: BlobSource::Memory(Arc::new(bytes)),
        }
    }
}

/// A manifest (or index) to push under some references (tags, or its digest).
#[derive(Debug, Clone)]
pub struct PlanManifest {
    pub repo: usize,
    pub item: String,
    pub media_type: &'static str,
    pub bytes: Arc<Vec<u8>>,
    pub tags: Vec<String>,
    pub role: ManifestRole,
}

/// What a manifest of the plan is, which decides how an existing tag is treated.
#[derive(Debug, Clone, PartialEq)]
pub enum ManifestRole {
    /// An image, index or the release artifact: a tag with other content is a conflict.
    Content,
    /// A cosign signature manifest holding this one layer: a tag with other signatures gets the
    /// layer added (as `cosign sign` does), not replaced.
    CosignSignature { layer: Value },
    /// A Sigstore-bundle referrer of the manifest `subject` (pushed by digest): listed in the
    /// `sha256-<hex>` fallback index when the registry has no Referrers API.
    Referrer { subject: String },
}

impl PlanManifest {
    pub fn sha256(&self) -> String {
        sha256_hex(&self.bytes)
    }

    /// What signing or attesting this manifest needs of it (taken before the plan grows).
    fn subject(&self) -> Subject {
        Subject {
            repo: self.repo,
            item: self.item.clone(),
            sha256: self.sha256(),
            media_type: self.media_type,
            size: self.bytes.len() as u64,
        }
    }
}

/// A manifest of the plan that a signature or an attestation is about.
struct Subject {
    repo: usize,
    item: String,
    sha256: String,
    media_type: &'static str,
    size: u64,
}

/// Everything one `oci` publisher pushes, in push order (blobs, then manifests in order).
#[derive(Debug, Clone)]
pub struct Plan {
    pub repos: Vec<RepoRef>,
    pub blobs: Vec<PlanBlob>,
    pub manifests: Vec<PlanManifest>,
}

fn config_error(publisher: &str, what: &str, message: String) -> PublishError {
    PublishError::Config {
        publisher: publisher.into(),
        what: what.into(),
        message,
    }
}

/// The `(arch, variant)` of every Linux binary that becomes an image, sorted.
fn image_binaries<'a>(
    release: &'a Release,
    images: &crate::config::publish::OciImages,
) -> Vec<&'a crate::manifest::Artifact> {
    let mut binaries: Vec<_> = release
        .manifest
        .by_kind(ArtifactKind::Binary)
        .filter(|a| a.os.as_deref() == Some("linux"))
        .filter(|a| {
            images
                .build
                .as_ref()
                .is_none_or(|b| a.build.as_ref() == Some(b))
        })
        .collect();
    binaries.sort_by(|a, b| (&a.arch, &a.variant).cmp(&(&b.arch, &b.variant)));
    binaries
}

/// Resolve the publisher's `images.base` (when set) for the platforms the release has.
pub async fn resolve_base(
    release: &Release,
    config: &OciPublisher,
    vars: &Vars,
    shared: &Shared,
) -> Result<Option<base::ResolvedBase>, PublishError> {
    let Some(images) = &config.images else {
        return Ok(None);
    };
    let Some(text) = &images.base else {
        return Ok(None);
    };
    let text = vars.render(&shared.publisher, "images.base", text)?;
    let mut wanted: Vec<(String, Option<String>)> = Vec::new();
    for bin in image_binaries(release, images) {
        let arch = bin.arch.clone().unwrap_or_default();
        let variant = image::oci_variant(&arch, bin.variant.as_deref());
        if !wanted.contains(&(arch.clone(), variant.clone())) {
            wanted.push((arch, variant));
        }
    }
    base::resolve(shared, &shared.publisher, &text, config.insecure, &wanted)
        .await
        .map(Some)
}

/// Build the plan: nothing here touches the network (a base image is resolved beforehand, by
/// [`resolve_base`]). Without a base image the images get tug's generated base, whose CA bundle
/// is read from `images.ca_certificates` (relative to `root`, the project directory).
pub fn plan(
    release: &Release,
    config: &OciPublisher,
    vars: &Vars,
    publisher: &str,
    base: Option<&base::ResolvedBase>,
    key: Option<&PrivateKey>,
    root: &Path,
) -> Result<Plan, PublishError> {
    let m = &release.manifest;
    let repo_text = vars.render(publisher, "repository", &config.repository)?;
    let repo = RepoRef::parse(&repo_text).map_err(|e| config_error(publisher, "repository", e))?;
    let mut repos = vec![repo];
    let mut blobs = Vec::new();
    let mut manifests = Vec::new();
    // The OCI annotations of every manifest (and the images' labels): all from the manifest and
    // tug.yaml, `created` is the commit time, so the same release gives the same bytes.
    let mut annotations = json!({
        "org.opencontainers.image.title": m.project,
        "org.opencontainers.image.version": m.version,
        "org.opencontainers.image.revision": m.commit,
        "org.opencontainers.image.created": m.commit_time,
    });
    if let Some(source) = &config.source {
        annotations["org.opencontainers.image.source"] =
            json!(vars.render(publisher, "source", source)?);
    }

    // Container images first, so the index exists by the time anything links to the release.
    if let Some(images) = &config.images {
        let repo_text = vars.render(publisher, "images.repository", &images.repository)?;
        let image_repo = RepoRef::parse(&repo_text)
            .map_err(|e| config_error(publisher, "images.repository", e))?;
        let idx = if image_repo == repos[0] {
            0
        } else {
            repos.push(image_repo);
            1
        };
        let mtime = chrono::DateTime::parse_from_rfc3339(&m.commit_time)
            .map(|t| t.timestamp().max(0) as u64)
            .unwrap_or(0);
        // The OCI labels first (`docker inspect` and registries' UIs show them), tug.yaml's
        // `labels` over them.
        let mut labels: std::collections::BTreeMap<String, String> = annotations
            .as_object()
            .expect("an object")
            .iter()
            .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
            .collect();
        for (k, v) in &images.labels {
            labels.insert(
                k.clone(),
                vars.render(publisher, &format!("images.labels.{k}"), v)?,
            );
        }
        let mut built: Vec<image::PlatformImage> = Vec::new();
        let binaries = image_binaries(release, images);
        if images.base.is_some() && base.is_none() {
            return Err(config_error(
                publisher,
                "images.base",
                "a base image is pulled from its registry: publish to the registry (--oci-layout cannot use a base image)".into(),
            ));
        }
        if binaries.is_empty() {
            return Err(config_error(
                publisher,
                "images",
                "the release has no Linux binaries to put in images".into(),
            ));
        }
        // tug's generated base when no base image is configured: the same layer on every
        // platform.
        let generated = match &images.base {
            Some(_) => None,
            None => {
                let path = root.join(
                    images
                        .ca_certificates
                        .as_deref()
                        .unwrap_or(Path::new(image::CA_BUNDLE_PATH)),
                );
                let bundle = std::fs::read(&path).map_err(|e| PublishError::CaBundle {
                    publisher: publisher.to_string(),
                    path: path.clone(),
                    configured: images.ca_certificates.is_some(),
                    source: e,
                })?;
                let (layer, platform) = image::generated_base(&bundle, mtime, &m.commit_time)?;
                Some((Arc::new(layer), platform))
            }
        };
        for bin in binaries {
            let arch = bin.arch.clone().unwrap_or_default();
            let name = Path::new(&bin.path)
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or(&bin.name)
                .to_string();
            let variant = image::oci_variant(&arch, bin.variant.as_deref());
            if built.iter().any(|i| i.arch == arch && i.variant == variant) {
                return Err(config_error(
                    publisher,
                    "images.build",
                    format!(
                        "two binaries for linux/{arch}: set `images.build` to the build id to use"
                    ),
                ));
            }
            let tar = image::layer_tar(&release.file(bin), &name, &images.bin_dir, mtime)?;
            // resolve_base asked for the same platforms in this order (each one once, as here).
            let base_platform = match &generated {
                Some((_, platform)) => Some(platform),
                None => base.and_then(|b| b.platforms.get(built.len())),
            };
            let facts = image::ImageFacts {
                os: "linux",
                arch: &arch,
                variant,
                entrypoint: format!("{}/{name}", images.bin_dir.trim_end_matches('/')),
                created: &m.commit_time,
                labels: &labels,
                annotations: &annotations,
                base: base_platform,
                user: images.user.as_deref(),
            };
            built.push(image::build_image(&tar, &facts)?);
        }
        for (n, img) in built.iter().enumerate() {
            let platform = img.platform();
            if let Some((layer, base)) = &generated {
                blobs.push(PlanBlob {
                    repo: idx,
                    item: format!("image {platform} base layer"),
                    sha256: sha256_hex(layer),
                    size: base.layers[0]["size"].as_u64().unwrap_or_default(),
                    source: BlobSource::Memory(layer.clone()),
                });
            }
            if let Some(b) = base {
                // `base::resolve` checked that every layer has a digest and a size.
                for layer in &b.platforms[n].layers {
                    let digest = layer["digest"].as_str().unwrap_or_default();
                    blobs.push(PlanBlob {
                        repo: idx,
                        item: format!("image {platform} base layer {digest}"),
                        sha256: digest.trim_start_matches("sha256:").to_string(),
                        size: layer["size"].as_u64().unwrap_or_default(),
                        source: BlobSource::Registry(b.repo.clone()),
                    });
                }
            }
            for (what, bytes) in [("layer", &img.layer), ("config", &img.config)] {
                blobs.push(PlanBlob::in_memory(
                    idx,
                    format!("image {platform} {what}"),
                    bytes.clone(),
                ));
            }
            let digest = format!("sha256:{}", sha256_hex(&img.manifest));
            manifests.push(PlanManifest {
                repo: idx,
                item: format!("image {platform}"),
                media_type: MANIFEST_MEDIA_TYPE,
                bytes: Arc::new(img.manifest.clone()),
                tags: vec![digest],
                role: ManifestRole::Content,
            });
        }
        let index = image::build_index(&built, &annotations);
        let mut tags = Vec::new();
        for t in &images.tags {
            tags.push(vars.render(publisher, "images.tags", t)?);
        }
        manifests.push(PlanManifest {
            repo: idx,
            item: "image index".into(),
            media_type: image::INDEX_MEDIA_TYPE,
            bytes: Arc::new(index),
            tags,
            role: ManifestRole::Content,
        });
    }

    // The release artifact.
    blobs.push(PlanBlob {
        repo: 0,
        item: "config (manifest.json)".into(),
        sha256: release.manifest_sha256.clone(),
        size: release.manifest_bytes.len() as u64,
        source: BlobSource::Memory(Arc::new(release.manifest_bytes.clone())),
    });
    let mut layers = Vec::new();
    for a in &m.artifacts {
        blobs.push(PlanBlob {
            repo: 0,
            item: a.name.clone(),
            sha256: a.sha256.clone(),
            size: a.size,
            source: BlobSource::File(release.file(a)),
        });
        let mut d = descriptor(FILE_MEDIA_TYPE, &a.sha256, a.size);
        let mut ann = json!({ "org.opencontainers.image.title": a.name });
        if let Some(signs) = &a.signs {
            ann["dev.tug.signs"] = json!(signs);
        }
        d["annotations"] = ann;
        layers.push(d);
    }
    let release_manifest = serde_json::to_vec(&json!({
        "schemaVersion": 2,
        "mediaType": MANIFEST_MEDIA_TYPE,
        "artifactType": RELEASE_ARTIFACT_TYPE,
        "config": descriptor(MANIFEST_CONFIG_TYPE, &release.manifest_sha256, release.manifest_bytes.len() as u64),
        "layers": layers,
        "annotations": annotations,
    }))
    .expect("manifest serializes");
    let mut tags = Vec::new();
    for t in &config.tags {
        tags.push(vars.render(publisher, "tags", t)?);
    }
    manifests.push(PlanManifest {
        repo: 0,
        item: "release artifact".into(),
        media_type: MANIFEST_MEDIA_TYPE,
        bytes: Arc::new(release_manifest),
        tags,
        role: ManifestRole::Content,
    });

    // cosign 3's bundle referrers of every manifest above, in the same repository.
    if let Some(key) = key.filter(|_| config.signatures == OciSignatures::Bundle) {
        let signed: Vec<Subject> = manifests.iter().map(PlanManifest::subject).collect();
        for Subject {
            repo,
            item,
            sha256: sha,
            media_type,
            size,
        } in signed
        {
            let digest = format!("sha256:{sha}");
            let bundle = crate::sign::dsse::sign(key, &digest);
            push_bundle_referrer(
                &mut blobs,
                &mut manifests,
                BundleReferrer {
                    repo,
                    item: format!("signature of {item}"),
                    bundle,
                    subject: descriptor(media_type, &sha, size),
                    digest,
                    created: &m.commit_time,
                    predicate_type: crate::sign::dsse::PREDICATE_TYPE,
                },
            );
        }
    }

    // cosign's classic signatures of every manifest above, in the same repository.
    if let Some(key) = key.filter(|_| config.signatures == OciSignatures::Classic) {
        let signed: Vec<(usize, String, String)> = manifests
            .iter()
            .map(|d| (d.repo, d.item.clone(), d.sha256()))
            .collect();
        for (repo, item, sha) in signed {
            let digest = format!("sha256:{sha}");
            push_cosign_manifest(
                &mut blobs,
                &mut manifests,
                CosignReferrer {
                    repo,
                    item: format!("signature of {item}"),
                    payload_name: "payload",
                    signed: cosign::sign(key, &repos[repo].to_string(), &digest),
                    tag: cosign::signature_tag(&digest),
                },
            );
        }
    }
    // The release's SLSA provenance, attached to every image, index and release artifact above
    // as an in-toto attestation whose one subject is that manifest, signed with the release key,
    // in the layout `signatures` selects (so `cosign verify-attestation --type slsaprovenance1`
    // finds it).
    let provenance = m.by_kind(ArtifactKind::Provenance).next();
    if let (Some(key), Some(entry)) = (key, provenance) {
        let path = release.file(entry);
        let bytes = std::fs::read(&path)
            .map_err(|e| PublishError::io("cannot read the provenance", &path, e))?;
        let statement =
            crate::attest::envelope::open(&key.public_key(), &bytes).map_err(|source| {
                PublishError::Provenance {
                    path: path.clone(),
                    source,
                }
            })?;
        let statement: Value =
            serde_json::from_slice(&statement).map_err(|source| PublishError::Json {
                what: format!("the provenance {}", path.display()),
                source,
            })?;
        let predicate_type = crate::attest::provenance::PREDICATE_TYPE;
        let content: Vec<Subject> = manifests
            .iter()
            .filter(|d| d.role == ManifestRole::Content)
            .map(PlanManifest::subject)
            .collect();
        for Subject {
            repo,
            item,
            sha256: sha,
            media_type,
            size,
        } in content
        {
            let digest = format!("sha256:{sha}");
            let name = repos[repo].to_string();
            let attestation =
                crate::attest::provenance::image_statement(&statement, &name, &digest);
            let item = format!("provenance of {item}");
            match config.signatures {
                OciSignatures::None => {}
                OciSignatures::Bundle => {
                    let bundle = crate::attest::envelope::sign(key, &attestation);
                    push_bundle_referrer(
                        &mut blobs,
                        &mut manifests,
                        BundleReferrer {
                            repo,
                            item,
                            bundle,
                            subject: descriptor(media_type, &sha, size),
                            digest,
                            created: &m.commit_time,
                            predicate_type,
                        },
                    );
                }
                OciSignatures::Classic => push_cosign_manifest(
                    &mut blobs,
                    &mut manifests,
                    CosignReferrer {
                        repo,
                        item,
                        payload_name: "envelope",
                        signed: cosign::attest(key, &attestation, predicate_type),
                        tag: cosign::attestation_tag(&digest),
                    },
                ),
            }
        }
    }
    Ok(Plan {
        repos,
        blobs,
        manifests,
    })
}

/// Push the plan to the registry.
pub async fn publish(
    release: &Release,
    config: &OciPublisher,
    vars: &Vars,
    shared: Arc<Shared>,
) -> Result<PublisherSummary, PublishError> {
    let base = resolve_base(release, config, vars, &shared).await?;
    let key = shared.options.signing_key.clone();
    let plan = plan(
        release,
        config,
        vars,
        &shared.publisher,
        base.as_ref(),
        key.as_deref(),
        &shared.options.root,
    )?;
    let tally = Arc::new(Tally::default());
    let mut repos = Vec::new();
    for r in &plan.repos {
        repos.push(Repo::new(r.clone(), config.insecure, &shared)?);
    }

    // Upload sessions recorded for bytes no longer published (a rebuilt dist, another target)
    // are cancelled rather than left holding their partial bytes on the registry.
    if !shared.options.dry_run {
        let names: Vec<String> = plan.repos.iter().map(|r| r.to_string()).collect();
        for stale in shared.take_stale_uploads(|s| names.contains(&s.registry)) {
            if let Some(n) = names.iter().position(|r| *r == stale.registry) {
                repos[n].cancel_upload(&stale.location).await;
            }
        }
    }

    // Tags that hold another release are refused before any blob is uploaded.
    if !shared.options.replace {
        for doc in plan
            .manifests
            .iter()
            .filter(|d| d.role == ManifestRole::Content)
        {
            let repo = &repos[doc.repo];
            let want = format!("sha256:{}", doc.sha256());
            for tag in doc.tags.iter().filter(|t| !t.starts_with("sha256:")) {
                let what = format!("{}: checking {}:{tag}", shared.publisher, repo.reference);
                let found = retry::retry(&shared, &what, || async {
                    repo.manifest_head(tag, doc.media_type).await
                })
                .await?;
                if let Some((digest, _)) = found.filter(|(d, _)| *d != want) {
                    return Err(PublishError::Conflict {
                        what: format!("{}:{tag}", repo.reference),
                        detail: format!("it points to {digest}, this release is {want}"),
                    });
                }
            }
        }
    }

    // Blobs, deduplicated per repository, with bounded concurrency.
    let mut seen = BTreeSet::new();
    let mut tasks = Vec::new();
    for blob in plan
        .blobs
        .iter()
        .filter(|b| seen.insert((b.repo, b.sha256.clone())))
    {
        // The state file is a record, not proof: every item is confirmed with a HEAD (push_blob
        // checks the registry's digest and size first) and uploaded again when it is gone.
        let key = format!("blob {} sha256:{}", plan.repos[blob.repo], blob.sha256);
        if shared.options.dry_run {
            shared.done(&blob.item, ItemOutcome::WouldUpload, blob.size);
            tally.add(ItemOutcome::WouldUpload, blob.size);
            continue;
        }
        let (shared, tally, repo, blob) = (
            shared.clone(),
            tally.clone(),
            repos[blob.repo].clone(),
            blob.clone(),
        );
        let chunk = config.chunk_size;
        tasks.push(async move {
            let outcome = push_blob(&shared, &repo, &blob, &key, chunk).await?;
            shared.confirm(
                &key,
                &blob.sha256,
                blob.size,
                &format!("{}@sha256:{}", repo.reference, blob.sha256),
            )?;
            shared.done(&blob.item, outcome, blob.size);
            tally.add(outcome, blob.size);
            Ok(())
        });
    }
    super::bounded(config.concurrency, tasks).await?;

    // Manifests, in order: images, index, release artifact, signatures.
    let mut locations = Vec::new();
    for doc in &plan.manifests {
        let repo = &repos[doc.repo];
        let sha = doc.sha256();
        for tag in &doc.tags {
            let key = format!("manifest {}:{tag}", repo.reference);
            let item = format!("{} ({tag})", doc.item);
            let outcome = if shared.options.dry_run {
                ItemOutcome::WouldUpload
            } else {
                let outcome = match &doc.role {
                    ManifestRole::Content => push_manifest(&shared, repo, doc, tag, &sha).await?,
                    ManifestRole::CosignSignature { layer } => {
                        push_signature(&shared, repo, doc, tag, layer, config.chunk_size).await?
                    }
                    ManifestRole::Referrer { subject } => {
                        push_referrer(&shared, repo, doc, &sha, subject).await?
                    }
                };
                shared.confirm(
                    &key,
                    &sha,
                    doc.bytes.len() as u64,
                    &format!("{}@sha256:{sha}", repo.reference),
                )?;
                outcome
            };
            shared.done(&item, outcome, doc.bytes.len() as u64);
            tally.add(outcome, doc.bytes.len() as u64);
            if !tag.starts_with("sha256:") && !tag.starts_with("sha256-") {
                locations.push(format!("{}:{tag}@sha256:{sha}", repo.reference));
            }
        }
    }
    Ok(tally.finish(locations))
}

/// A Sigstore bundle to attach to a manifest as an OCI 1.1 referrer: a signature or an
/// attestation, told apart by `predicate_type`.
struct BundleReferrer<'a> {
    repo: usize,
    /// What the plan calls it (`signature of …`, `provenance of …`).
    item: String,
    bundle: Vec<u8>,
    /// The descriptor of the manifest it is about.
    subject: Value,
    /// That manifest's digest.
    digest: String,
    created: &'a str,
    predicate_type: &'a str,
}

/// Add a bundle referrer to the plan: its empty config and bundle blobs, then its manifest.
fn push_bundle_referrer(
    blobs: &mut Vec<PlanBlob>,
    manifests: &mut Vec<PlanManifest>,
    r: BundleReferrer<'_>,
) {
    let referrer = referrers::manifest(&r.bundle, &r.subject, r.created, r.predicate_type);
    for (what, blob) in [
        ("config", referrers::EMPTY_CONFIG.to_vec()),
        ("bundle", r.bundle),
    ] {
        blobs.push(PlanBlob::in_memory(
            r.repo,
            format!("{} {what}", r.item),
            blob,
        ));
    }
    manifests.push(PlanManifest {
        repo: r.repo,
        item: r.item,
        media_type: MANIFEST_MEDIA_TYPE,
        tags: vec![format!("sha256:{}", sha256_hex(&referrer))],
        bytes: Arc::new(referrer),
        role: ManifestRole::Referrer { subject: r.digest },
    });
}

/// A cosign classic signature or attestation of a manifest, stored under the tag cosign looks
/// it up by (`sha256-<hex>.sig`, `.att`).
struct CosignReferrer {
    repo: usize,
    /// What the plan calls it (`signature of …`, `provenance of …`).
    item: String,
    /// What the plan calls its one layer's blob (`payload`, `envelope`).
    payload_name: &'static str,
    signed: cosign::SignatureLayer,
    tag: String,
}

/// Add a cosign classic manifest to the plan: its layer and config blobs, then the manifest.
fn push_cosign_manifest(
    blobs: &mut Vec<PlanBlob>,
    manifests: &mut Vec<PlanManifest>,
    r: CosignReferrer,
) {
    let (config_blob, bytes) = cosign::manifest(std::slice::from_ref(&r.signed.layer));
    for (what, blob) in [(r.payload_name, r.signed.payload), ("config", config_blob)] {
        blobs.push(PlanBlob::in_memory(
            r.repo,
            format!("{} {what}", r.item),
            blob,
        ));
    }
    manifests.push(PlanManifest {
        repo: r.repo,
        item: r.item,
        media_type: MANIFEST_MEDIA_TYPE,
        bytes: Arc::new(bytes),
        tags: vec![r.tag],
        role: ManifestRole::CosignSignature {
            layer: r.signed.layer,
        },
    });
}

async fn push_blob(
    shared: &Shared,
    repo: &Repo,
    blob: &PlanBlob,
    key: &str,
    chunk: u64,
) -> Result<ItemOutcome, PublishError> {
    let digest = format!("sha256:{}", blob.sha256);
    let what = format!("{}: blob {} ({})", shared.publisher, blob.item, digest);
    // The upload session, kept across tries so a chunked upload resumes where it stopped. A
    // chunked blob's session is also kept in the publish state, so the next run resumes it: an
    // earlier run's session for the same bytes in the same repository is picked up here.
    let session = if blob.size > chunk || shared.recorded_upload(key).is_some() {
        let resume = shared
            .recorded_upload(key)
            .filter(|s| {
                s.registry == repo.reference.to_string()
                    && s.sha256 == blob.sha256
                    && s.size == blob.size
            })
            .map(|s| (s.location, s.offset));
        registry::Session::recorded(key.to_string(), resume)
    } else {
        registry::Session::new()
    };
    let result = retry::retry(shared, &what, || async {
        if repo.blob_size(&digest).await? == Some(blob.size) {
            // The registry has it (another run or client pushed it): a session for it is no
            // longer needed.
            if let Some((location, _)) = session.get() {
                repo.cancel_upload(&location).await;
                session.set(shared, &repo.reference, &blob.sha256, blob.size, None)?;
            }
            return Ok(ItemOutcome::AlreadyPublished);
        }
        // A base image's blob: mounted from the base's repository on the same registry, else
        // copied through memory.
        let fetched;
        let source = match &blob.source {
            BlobSource::Registry(from) => {
                if from.reference.registry == repo.reference.registry
                    && repo.mount_blob(&digest, &from.reference.repository).await?
                    && repo.blob_size(&digest).await? == Some(blob.size)
                {
                    return Ok(ItemOutcome::Uploaded);
                }
                fetched = BlobSource::Memory(Arc::new(from.get_blob(&digest).await?));
                &fetched
            }
            source => source,
        };
        shared.emit(Event::UploadStarted {
            publisher: shared.publisher.clone(),
            item: blob.item.clone(),
            size: blob.size,
        });
        repo.upload_blob(
            shared, &blob.item, &digest, source, blob.size, chunk, &session,
        )
        .await?;
        match repo.blob_size(&digest).await? {
            Some(size) if size == blob.size => Ok(ItemOutcome::Uploaded),
            found => Err(Failure::Fatal(PublishError::Verify {
                what: what.clone(),
                message: format!(
                    "after upload the registry reports size {found:?}, expected {}",
                    blob.size
                ),
            })),
        }
    })
    .await;
    // Given up. A recorded session that holds confirmed bytes and failed only for want of the
    // registry (retries exhausted) stays for the next run; any other is cancelled rather than
    // left holding partial bytes on the registry.
    if let Err(e) = &result {
        let resumable = matches!(e, PublishError::Exhausted { .. })
            && session.is_recorded()
            && session.get().is_some_and(|(_, offset)| offset > 0);
        if !resumable {
            if let Some((location, _)) = session.get() {
                repo.cancel_upload(&location).await;
                // Best effort: the publish already failed with `e`.
                let _ = session.set(shared, &repo.reference, &blob.sha256, blob.size, None);
            }
        }
    }
    result
}

async fn push_manifest(
    shared: &Shared,
    repo: &Repo,
    doc: &PlanManifest,
    tag: &str,
    sha: &str,
) -> Result<ItemOutcome, PublishError> {
    let want = format!("sha256:{sha}");
    let what = format!(
        "{}: {} {}:{tag}",
        shared.publisher, doc.item, repo.reference
    );
    let size = doc.bytes.len() as u64;
    retry::retry(shared, &what, || async {
        match repo.manifest_head(tag, doc.media_type).await? {
            Some((d, s)) if d == want && s.is_none_or(|s| s == size) => {
                return Ok(ItemOutcome::AlreadyPublished)
            }
            Some((d, _)) if d != want && !shared.options.replace && !tag.starts_with("sha256:") => {
                return Err(Failure::Fatal(PublishError::Conflict {
                    what: format!("{}:{tag}", repo.reference),
                    detail: format!("it points to {d}, this release is {want}"),
                }))
            }
            _ => {}
        }
        put_confirmed(repo, &what, tag, doc.media_type, &doc.bytes, &want).await?;
        Ok(ItemOutcome::Uploaded)
    })
    .await
}

/// PUT a manifest under `tag` and confirm that the registry then holds `want` there (the
/// digest it reports on the PUT, when it does, and the one a HEAD finds).
async fn put_confirmed(
    repo: &Repo,
    what: &str,
    tag: &str,
    media_type: &str,
    bytes: &[u8],
    want: &str,
) -> Result<(), Failure> {
    let reported = repo.put_manifest(tag, media_type, bytes).await?;
    let confirmed = repo.manifest_digest(tag, media_type).await?;
    if reported.as_deref().is_some_and(|r| r != want) || confirmed.as_deref() != Some(want) {
        return Err(Failure::Fatal(PublishError::Verify {
            what: what.to_string(),
            message: format!(
                "the registry holds {confirmed:?} (reported {reported:?}), expected {want}"
            ),
        }));
    }
    Ok(())
}

/// Push a cosign signature manifest under its `sha256-<digest>.sig` tag. A tag that already
/// holds signatures keeps them: tug's layer is added (nothing is pushed when it is there). A tag
/// holding something that is not a signature manifest is a conflict unless `--replace`.
async fn push_signature(
    shared: &Shared,
    repo: &Repo,
    doc: &PlanManifest,
    tag: &str,
    layer: &Value,
    chunk: u64,
) -> Result<ItemOutcome, PublishError> {
    let what = format!(
        "{}: {} {}:{tag}",
        shared.publisher, doc.item, repo.reference
    );
    retry::retry(shared, &what, || async {
        let bytes = match repo.get_manifest(tag, MANIFEST_MEDIA_TYPE).await? {
            None => doc.bytes.to_vec(),
            Some((existing, _)) => match cosign::merge(&existing, layer) {
                Ok(None) => return Ok(ItemOutcome::AlreadyPublished),
                Ok(Some(layers)) => {
                    let (config, bytes) = cosign::manifest(&layers);
                    let digest = format!("sha256:{}", sha256_hex(&config));
                    if repo.blob_size(&digest).await? != Some(config.len() as u64) {
                        let size = config.len() as u64;
                        let source = BlobSource::Memory(Arc::new(config));
                        let session = registry::Session::new();
                        repo.upload_blob(
                            shared, &doc.item, &digest, &source, size, chunk, &session,
                        )
                        .await?;
                    }
                    bytes
                }
                Err(_) if shared.options.replace => doc.bytes.to_vec(),
                Err(why) => {
                    return Err(Failure::Fatal(PublishError::Conflict {
                        what: format!("{}:{tag}", repo.reference),
                        detail: why,
                    }))
                }
            },
        };
        let want = format!("sha256:{}", sha256_hex(&bytes));
        put_confirmed(repo, &what, tag, MANIFEST_MEDIA_TYPE, &bytes, &want).await?;
        Ok(ItemOutcome::Uploaded)
    })
    .await
}

/// Push a bundle referrer by digest and make it findable: a registry with the Referrers API
/// indexes it itself (`OCI-Subject` on the PUT, or listed by `GET .../referrers/<subject>`);
/// otherwise it is added to the `sha256-<hex>` fallback index, keeping the entries there.
async fn push_referrer(
    shared: &Shared,
    repo: &Repo,
    doc: &PlanManifest,
    sha: &str,
    subject: &str,
) -> Result<ItemOutcome, PublishError> {
    let want = format!("sha256:{sha}");
    let what = format!(
        "{}: {} {}@{want}",
        shared.publisher, doc.item, repo.reference
    );
    let size = doc.bytes.len() as u64;
    retry::retry(shared, &what, || async {
        let mut outcome = ItemOutcome::AlreadyPublished;
        let mut indexed = false;
        let present = repo
            .manifest_head(&want, MANIFEST_MEDIA_TYPE)
            .await?
            .is_some_and(|(d, s)| d == want && s.is_none_or(|s| s == size));
        if !present {
            let (reported, subject_header) = repo
                .put_manifest_full(&want, MANIFEST_MEDIA_TYPE, &doc.bytes)
                .await?;
            if reported.as_deref().is_some_and(|r| r != want) {
                return Err(Failure::Fatal(PublishError::Verify {
                    what: what.clone(),
                    message: format!("the registry reports {reported:?}, expected {want}"),
                }));
            }
            indexed = subject_header;
            outcome = ItemOutcome::Uploaded;
        }
        if !indexed {
            if let Some(index) = repo.referrers(subject).await? {
                let listed: Value = serde_json::from_slice(&index).unwrap_or_default();
                indexed = listed["manifests"]
                    .as_array()
                    .is_some_and(|m| m.iter().any(|e| e["digest"] == json!(want)));
            }
        }
        if !indexed {
            let tag = referrers::fallback_tag(subject);
            let existing = repo.get_manifest(&tag, image::INDEX_MEDIA_TYPE).await?;
            let entry = referrers::index_entry(&doc.bytes);
            match referrers::add_to_index(existing.as_ref().map(|(b, _)| b.as_slice()), &entry) {
                Ok(None) => {}
                Ok(Some(index)) => {
                    repo.put_manifest(&tag, image::INDEX_MEDIA_TYPE, &index)
                        .await?;
                    outcome = ItemOutcome::Uploaded;
                }
                Err(why) => {
                    return Err(Failure::Fatal(PublishError::Conflict {
                        what: format!("{}:{tag}", repo.reference),
                        detail: why,
                    }))
                }
            }
        }
        Ok(outcome)
    })
    .await
}

/// Write the plans as one OCI image layout in `dir` (`oci-layout`, `index.json`,
/// `blobs/sha256/`). Tagged manifests are listed in `index.json` with
/// `org.opencontainers.image.ref.name` = `<repository path>:<tag>` (no registry host), so
/// `skopeo copy oci:DIR:acme/hello:1.2.3 docker://...` works. Returns the reference names.
pub fn write_layout(plans: &[Plan], dir: &Path) -> Result<Vec<String>, PublishError> {
    let io = |p: &Path, e| PublishError::io("writing the OCI layout", p, e);
    let blobs_dir = dir.join("blobs/sha256");
    std::fs::create_dir_all(&blobs_dir).map_err(|e| io(&blobs_dir, e))?;
    let index_path = dir.join("index.json");
    let mut entries: Vec<Value> = match std::fs::read(&index_path) {
        Ok(b) => serde_json::from_slice::<Value>(&b)
            .ok()
            .and_then(|v| v.get("manifests").and_then(|m| m.as_array()).cloned())
            .unwrap_or_default(),
        Err(_) => Vec::new(),
    };
    let mut refs = Vec::new();
    for plan in plans {
        for blob in &plan.blobs {
            let dest = blobs_dir.join(&blob.sha256);
            if crate::fsutil::sha256_file(&dest).is_ok_and(|(s, _)| s == blob.sha256) {
                continue;
            }
            match &blob.source {
                BlobSource::Memory(bytes) => {
                    crate::fsutil::write_atomic(&dest, bytes).map_err(|e| io(&dest, e))?
                }
                BlobSource::Registry(_) => {
                    return Err(PublishError::Other {
                        what: "writing the OCI layout".into(),
                        message: "base image blobs cannot be written to a layout".into(),
                    })
                }
                BlobSource::File(src) => {
                    let tmp = blobs_dir.join(format!(".{}.tmp", blob.sha256));
                    std::fs::copy(src, &tmp).map_err(|e| io(src, e))?;
                    std::fs::rename(&tmp, &dest).map_err(|e| io(&dest, e))?;
                }
            }
        }
        for doc in &plan.manifests {
            let sha = doc.sha256();
            let dest = blobs_dir.join(&sha);
            crate::fsutil::write_atomic(&dest, &doc.bytes).map_err(|e| io(&dest, e))?;
            for tag in doc.tags.iter().filter(|t| !t.starts_with("sha256:")) {
                let name = format!("{}:{tag}", plan.repos[doc.repo].repository);
                entries.retain(|e| {
                    e["annotations"]["org.opencontainers.image.ref.name"] != json!(name)
                });
                let mut d = descriptor(doc.media_type, &sha, doc.bytes.len() as u64);
                d["annotations"] = json!({ "org.opencontainers.image.ref.name": name });
                entries.push(d);
                refs.push(name);
            }
        }
    }
    let index =
        json!({ "schemaVersion": 2, "mediaType": image::INDEX_MEDIA_TYPE, "manifests": entries });
    let layout_file = dir.join("oci-layout");
    crate::fsutil::write_atomic(&layout_file, br#"{"imageLayoutVersion":"1.0.0"}"#)
        .map_err(|e| io(&layout_file, e))?;
    crate::fsutil::write_atomic(
        &index_path,
        &serde_json::to_vec_pretty(&index).expect("index serializes"),
    )
    .map_err(|e| io(&index_path, e))?;
    Ok(refs)
}
