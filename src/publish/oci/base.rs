//! Base images for the `oci` publisher's container images: `images.base` names an image in a
//! registry; for each platform tug builds, its image is found (in the base's index, or the base's
//! single manifest when its config is that platform) and its layer descriptors and config are
//! returned, so the images reuse the base's layers by digest and extend its config.

use std::sync::Arc;

use serde_json::Value;

use super::super::retry::{self, Failure};
use super::super::{PublishError, Shared};
use super::image::BasePlatform;
use super::registry::{Repo, RepoRef};

/// Everything a registry may answer for an image reference.
const ACCEPT: &str = "application/vnd.oci.image.index.v1+json, \
application/vnd.docker.distribution.manifest.list.v2+json, \
application/vnd.oci.image.manifest.v1+json, \
application/vnd.docker.distribution.manifest.v2+json";

/// `host/repo:tag` or `host/repo@sha256:...` split into the repository and the reference
/// (a tag, `latest` when none is given, or a digest).
pub fn parse_base(text: &str) -> Result<(RepoRef, String), String> {
    let text = text.trim();
    let (repo, reference) = match text.split_once('@') {
        Some((repo, digest)) => (repo, digest.to_string()),
        None => {
            let slash = text.rfind('/').unwrap_or(0);
            match text[slash..].rfind(':') {
                Some(colon) => (
                    &text[..slash + colon],
                    text[slash + colon + 1..].to_string(),
                ),
                None => (text, "latest".to_string()),
            }
        }
    };
    if reference.is_empty() {
        return Err(format!("{text:?} has an empty tag or digest"));
    }
    Ok((RepoRef::parse(repo)?, reference))
}

/// `os/arch[/variant]`.
pub fn platform_name(os: &str, arch: &str, variant: Option<&str>) -> String {
    match variant {
        Some(v) => format!("{os}/{arch}/{v}"),
        None => format!("{os}/{arch}"),
    }
}

/// The index entry for `os/arch/variant`: the exact variant first; when tug records no variant
/// (e.g. arm64), any entry of that os/arch.
pub fn select_from_index<'a>(
    index: &'a Value,
    os: &str,
    arch: &str,
    variant: Option<&str>,
) -> Option<&'a Value> {
    let entries = index["manifests"].as_array()?;
    let same_arch = |e: &&Value| e["platform"]["os"] == os && e["platform"]["architecture"] == arch;
    let exact = entries
        .iter()
        .filter(same_arch)
        .find(|e| e["platform"]["variant"].as_str() == variant);
    match variant {
        None => exact.or_else(|| entries.iter().find(same_arch)),
        Some(_) => exact,
    }
}

/// The platforms an index lists.
pub fn index_platforms(index: &Value) -> Vec<String> {
    index["manifests"]
        .as_array()
        .map(|entries| {
            entries
                .iter()
                .filter_map(|e| {
                    let p = &e["platform"];
                    Some(platform_name(
                        p["os"].as_str()?,
                        p["architecture"].as_str()?,
                        p["variant"].as_str(),
                    ))
                })
                .collect()
        })
        .unwrap_or_default()
}

/// A base image resolved for the platforms wanted.
#[derive(Debug)]
pub struct ResolvedBase {
    pub repo: Arc<Repo>,
    /// One entry per wanted `(arch, variant)`, in the order asked.
    pub platforms: Vec<BasePlatform>,
}

fn json(what: &str, bytes: &[u8]) -> Result<Value, Failure> {
    serde_json::from_slice(bytes).map_err(|source| {
        Failure::Fatal(PublishError::Json {
            what: what.into(),
            source,
        })
    })
}

/// Resolve `text` for every linux `(arch, variant)` in `wanted`.
pub async fn resolve(
    shared: &Shared,
    publisher: &str,
    text: &str,
    insecure: bool,
    wanted: &[(String, Option<String>)],
) -> Result<ResolvedBase, PublishError> {
    let config_error = |message: String| PublishError::Config {
        publisher: publisher.into(),
        what: "images.base".into(),
        message,
    };
    let (repo_ref, reference) = parse_base(text).map_err(config_error)?;
    let repo = Repo::new(repo_ref, insecure, shared)?;
    let what = format!("{publisher}: base image {text}");
    retry::retry(shared, &what, || async {
        let (bytes, _) = repo
            .get_manifest(&reference, ACCEPT)
            .await?
            .ok_or_else(|| config_error(format!("{text}: the registry has no such image (404)")))?;
        let top = json(&what, &bytes)?;
        let mut platforms = Vec::new();
        if top.get("manifests").is_some() {
            for (arch, variant) in wanted {
                let entry = select_from_index(&top, "linux", arch, variant.as_deref()).ok_or_else(
                    || PublishError::BaseLacksPlatform {
                        base: text.to_string(),
                        platform: platform_name("linux", arch, variant.as_deref()),
                        has: index_platforms(&top),
                    },
                )?;
                let digest = required_str(entry, "digest", &what, "an index entry")?;
                let (bytes, _) = repo.get_manifest(digest, ACCEPT).await?.ok_or_else(|| {
                    config_error(format!(
                        "{text}: its index lists {digest}, which is missing"
                    ))
                })?;
                platforms.push(platform(&repo, &what, &json(&what, &bytes)?).await?);
            }
        } else {
            let single = platform(&repo, &what, &top).await?;
            let c = &single.config;
            let has = platform_name(
                c["os"].as_str().unwrap_or("?"),
                c["architecture"].as_str().unwrap_or("?"),
                c["variant"].as_str(),
            );
            for (arch, variant) in wanted {
                let fits = c["os"] == "linux"
                    && c["architecture"] == arch.as_str()
                    && (variant.is_none() || c["variant"].as_str() == variant.as_deref());
                if !fits {
                    return Err(Failure::Fatal(PublishError::BaseLacksPlatform {
                        base: text.to_string(),
                        platform: platform_name("linux", arch, variant.as_deref()),
                        has: vec![has],
                    }));
                }
                platforms.push(single.clone());
            }
        }
        Ok(ResolvedBase {
            repo: repo.clone(),
            platforms,
        })
    })
    .await
}

/// One image manifest's layers and config.
async fn platform(repo: &Repo, what: &str, manifest: &Value) -> Result<BasePlatform, Failure> {
    let layers = manifest["layers"].as_array().cloned().ok_or_else(|| {
        Failure::Fatal(PublishError::Other {
            what: what.into(),
            message: "the base manifest lists no layers (is it an image?)".into(),
        })
    })?;
    // Every layer names its digest and size (the plan copies them into the new manifest).
    for layer in &layers {
        required_str(layer, "digest", what, "a layer")?;
        if layer["size"].as_u64().is_none() {
            return Err(malformed(what, "a layer", "size"));
        }
    }
    let config_digest = required_str(&manifest["config"], "digest", what, "the config")?;
    let config = json(what, &repo.get_blob(config_digest).await?)?;
    Ok(BasePlatform { layers, config })
}

fn malformed(what: &str, part: &str, field: &str) -> Failure {
    Failure::Fatal(PublishError::Other {
        what: what.into(),
        message: format!(
            "{part} of the base image has no `{field}`: the registry's reply is malformed"
        ),
    })
}

/// A string field that must be there (a digest): a missing one is an error, never "".
fn required_str<'a>(
    value: &'a Value,
    field: &str,
    what: &str,
    part: &str,
) -> Result<&'a str, Failure> {
    value[field]
        .as_str()
        .ok_or_else(|| malformed(what, part, field))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn parses_tags_digests_and_ports() {
        let (r, t) = parse_base("127.0.0.1:5000/base/busybox:1.0").unwrap();
        assert_eq!(
            (r.registry.as_str(), r.repository.as_str()),
            ("127.0.0.1:5000", "base/busybox")
        );
        assert_eq!(t, "1.0");
        let (r, t) = parse_base("127.0.0.1:5000/base/busybox").unwrap();
        assert_eq!(
            (r.repository.as_str(), t.as_str()),
            ("base/busybox", "latest")
        );
        let (r, t) = parse_base("ghcr.io/a/b@sha256:abc").unwrap();
        assert_eq!((r.repository.as_str(), t.as_str()), ("a/b", "sha256:abc"));
        assert!(parse_base("ghcr.io/a/b:").is_err());
    }

    #[test]
    fn selects_platforms_from_an_index() {
        let index = json!({ "manifests": [
            { "digest": "sha256:a", "platform": { "os": "linux", "architecture": "amd64" } },
            { "digest": "sha256:6", "platform": { "os": "linux", "architecture": "arm", "variant": "v6" } },
            { "digest": "sha256:7", "platform": { "os": "linux", "architecture": "arm", "variant": "v7" } },
            { "digest": "sha256:8", "platform": { "os": "linux", "architecture": "arm64", "variant": "v8" } },
        ]});
        let pick = |arch, variant| {
            select_from_index(&index, "linux", arch, variant).map(|e| e["digest"].clone())
        };
        assert_eq!(pick("amd64", None), Some(json!("sha256:a")));
        assert_eq!(pick("arm", Some("v7")), Some(json!("sha256:7")));
        assert_eq!(pick("arm64", None), Some(json!("sha256:8")));
        assert_eq!(pick("arm", Some("v5")), None);
        assert_eq!(pick("riscv64", None), None);
        assert_eq!(
            index_platforms(&index),
            [
                "linux/amd64",
                "linux/arm/v6",
                "linux/arm/v7",
                "linux/arm64/v8"
            ]
        );
    }
}
