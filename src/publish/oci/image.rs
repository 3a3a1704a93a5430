//! Container images for Linux binaries, built without Docker the way ko does: tug's generated base
//! (one layer with `/etc/passwd` and `/etc/group` naming root and `nonroot` (uid/gid 65532, the
//! user the image runs as, as on ko's default base), `/home/nonroot`, `/tmp` and the CA
//! certificates), or a base image's layers reused by digest, plus one layer holding the binary, a
//! config with the entrypoint, user, platform and the OCI labels, one image per platform and a
//! multi-platform index. Reproducible: the layer tars are sorted, every mtime is the commit time,
//! gzip carries no timestamp, and the JSON is written in a fixed key order, so the same binary
//! (and the same CA bundle, whose bytes are in the base layer) gives the same digests.

use std::io::Write;
use std::path::Path;

use serde_json::{json, Value};

use super::super::{sha256_hex, PublishError};

pub const MANIFEST_MEDIA_TYPE: &str = "application/vnd.oci.image.manifest.v1+json";
pub const INDEX_MEDIA_TYPE: &str = "application/vnd.oci.image.index.v1+json";
pub const CONFIG_MEDIA_TYPE: &str = "application/vnd.oci.image.config.v1+json";
pub const LAYER_MEDIA_TYPE: &str = "application/vnd.oci.image.layer.v1.tar+gzip";

/// One platform's image, as blobs and a manifest.
#[derive(Debug, Clone)]
pub struct PlatformImage {
    pub os: String,
    pub arch: String,
    pub variant: Option<String>,
    pub layer: Vec<u8>,
    pub config: Vec<u8>,
    pub manifest: Vec<u8>,
}

impl PlatformImage {
    pub fn platform(&self) -> String {
        match &self.variant {
            Some(v) => format!("{}/{}/{v}", self.os, self.arch),
            None => format!("{}/{}", self.os, self.arch),
        }
    }
}

/// A descriptor in the fixed key order.
pub fn descriptor(media_type: &str, bytes_sha256: &str, size: u64) -> Value {
    json!({ "mediaType": media_type, "digest": format!("sha256:{bytes_sha256}"), "size": size })
}

/// The OCI variant of a Go variant: `linux/arm` + `7` → `v7`; other variants are not recorded
/// (amd64 levels would stop clients from matching plain `linux/amd64`).
pub fn oci_variant(arch: &str, variant: Option<&str>) -> Option<String> {
    match (arch, variant) {
        ("arm", Some(v)) => Some(format!("v{}", v.trim_start_matches('v'))),
        _ => None,
    }
}

/// The uncompressed layer: directories of `bin_dir` then the binary, mode 0755, uid/gid 0.
pub fn layer_tar(
    binary: &Path,
    name: &str,
    bin_dir: &str,
    mtime: u64,
) -> Result<Vec<u8>, PublishError> {
    let io = |e| PublishError::io("building the image layer", binary, e);
    let data = std::fs::read(binary).map_err(io)?;
    let mut builder = tar::Builder::new(Vec::new());
    let mut prefix = String::new();
    for part in bin_dir
        .trim_matches('/')
        .split('/')
        .filter(|p| !p.is_empty())
    {
        prefix.push_str(part);
        prefix.push('/');
        let mut h = tar::Header::new_ustar();
        h.set_entry_type(tar::EntryType::Directory);
        h.set_mode(0o755);
        h.set_uid(0);
        h.set_gid(0);
        h.set_mtime(mtime);
        h.set_size(0);
        builder
            .append_data(&mut h, &prefix, std::io::empty())
            .map_err(io)?;
    }
    let mut h = tar::Header::new_ustar();
    h.set_entry_type(tar::EntryType::Regular);
    h.set_mode(0o755);
    h.set_uid(0);
    h.set_gid(0);
    h.set_mtime(mtime);
    h.set_size(data.len() as u64);
    builder
        .append_data(&mut h, format!("{prefix}{name}"), data.as_slice())
        .map_err(io)?;
    builder.into_inner().map_err(io)
}

/// The user tug's generated base runs as (`nonroot`, as on ko's default base).
pub const NONROOT_UID: u64 = 65532;
/// Where the generated base's CA certificates come from by default, and where they go in the
/// image (where Go, OpenSSL and most runtimes look).
pub const CA_BUNDLE_PATH: &str = "/etc/ssl/certs/ca-certificates.crt";

const PASSWD: &str = "root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n";
const GROUP: &str = "root:x:0:\nnonroot:x:65532:\n";

/// The users tug's generated base knows by name (`user:` may also be any `uid[:gid]`).
pub const BASE_USERS: [&str; 2] = ["root", "nonroot"];

/// The generated base: its gzipped layer and the [`BasePlatform`] that describes it (the same for
/// every platform: it holds no binaries). `ca_bundle` is the PEM bundle put at
/// [`CA_BUNDLE_PATH`].
pub fn generated_base(
    ca_bundle: &[u8],
    mtime: u64,
    created: &str,
) -> Result<(Vec<u8>, BasePlatform), PublishError> {
    let io = |e| PublishError::io("building the base layer", Path::new(CA_BUNDLE_PATH), e);
    let mut builder = tar::Builder::new(Vec::new());
    let mut add = |path: &str, mode: u32, owner: u64, data: Option<&[u8]>| {
        let mut h = tar::Header::new_ustar();
        h.set_entry_type(if data.is_some() {
            tar::EntryType::Regular
        } else {
            tar::EntryType::Directory
        });
        h.set_mode(mode);
        h.set_uid(owner);
        h.set_gid(owner);
        h.set_mtime(mtime);
        let data = data.unwrap_or_default();
        h.set_size(data.len() as u64);
        builder.append_data(&mut h, path, data)
    };
    // Sorted by path, directories before what they hold.
    add("etc/", 0o755, 0, None).map_err(io)?;
    add("etc/group", 0o644, 0, Some(GROUP.as_bytes())).map_err(io)?;
    add("etc/passwd", 0o644, 0, Some(PASSWD.as_bytes())).map_err(io)?;
    add("etc/ssl/", 0o755, 0, None).map_err(io)?;
    add("etc/ssl/certs/", 0o755, 0, None).map_err(io)?;
    add(
        "etc/ssl/certs/ca-certificates.crt",
        0o644,
        0,
        Some(ca_bundle),
    )
    .map_err(io)?;
    add("home/", 0o755, 0, None).map_err(io)?;
    add("home/nonroot/", 0o700, NONROOT_UID, None).map_err(io)?;
    add("tmp/", 0o1777, 0, None).map_err(io)?;
    let tar = builder.into_inner().map_err(io)?;
    let layer = gzip(&tar)?;
    let config = json!({
        "config": {
            "Env": [DEFAULT_PATH],
            "User": NONROOT_UID.to_string(),
        },
        "rootfs": { "type": "layers", "diff_ids": [format!("sha256:{}", sha256_hex(&tar))] },
        "history": [{
            "created": created,
            "created_by": format!(
                "tug publish: base (passwd, group, CA certificates sha256:{})",
                sha256_hex(ca_bundle)
            ),
        }],
    });
    let base = BasePlatform {
        layers: vec![descriptor(
            LAYER_MEDIA_TYPE,
            &sha256_hex(&layer),
            layer.len() as u64,
        )],
        config,
    };
    Ok((layer, base))
}

/// gzip without a timestamp (reproducible).
fn gzip(tar: &[u8]) -> Result<Vec<u8>, PublishError> {
    let mut gz = flate2::GzBuilder::new()
        .mtime(0)
        .write(Vec::new(), flate2::Compression::default());
    gz.write_all(tar)
        .and_then(|_| gz.finish())
        .map_err(PublishError::Compress)
}

/// One platform's image of a base image, as resolved from the registry (or tug's generated base).
#[derive(Debug, Clone)]
pub struct BasePlatform {
    /// The base's layer descriptors, exactly as its manifest lists them.
    pub layers: Vec<Value>,
    /// The base's image config.
    pub config: Value,
}

const DEFAULT_PATH: &str = "PATH=/usr/local/bin:/usr/bin:/bin";

pub struct ImageFacts<'a> {
    pub os: &'a str,
    pub arch: &'a str,
    pub variant: Option<String>,
    pub entrypoint: String,
    pub created: &'a str,
    pub labels: &'a std::collections::BTreeMap<String, String>,
    pub annotations: &'a Value,
    /// The base image for this platform (tug's generated base or one from a registry); `None`
    /// is an empty base.
    pub base: Option<&'a BasePlatform>,
    /// The user the image runs as; `None` keeps the base's.
    pub user: Option<&'a str>,
}

/// Build one platform's image from its uncompressed layer tar.
pub fn build_image(tar: &[u8], facts: &ImageFacts) -> Result<PlatformImage, PublishError> {
    let diff_id = sha256_hex(tar);
    let layer = gzip(tar)?;
    let mut config = json!({
        "created": facts.created,
        "architecture": facts.arch,
        "os": facts.os,
    });
    if let Some(v) = &facts.variant {
        config["variant"] = json!(v);
    }
    let list = |v: &Value| v.as_array().cloned().unwrap_or_default();
    // The base's runtime settings (env, working directory, user, ...) are kept; the entrypoint is
    // tug's, and the base's command is dropped (it would become the binary's arguments).
    let (mut runtime, mut diff_ids, mut history, mut layers) = match facts.base {
        Some(b) => (
            b.config
                .get("config")
                .filter(|c| c.is_object())
                .cloned()
                .unwrap_or_else(|| json!({})),
            list(&b.config["rootfs"]["diff_ids"]),
            list(&b.config["history"]),
            b.layers.clone(),
        ),
        None => (json!({}), Vec::new(), Vec::new(), Vec::new()),
    };
    let runtime_map = runtime.as_object_mut().expect("an object");
    runtime_map.remove("Cmd");
    runtime_map.insert("Entrypoint".into(), json!([facts.entrypoint]));
    if !runtime_map.get("Env").is_some_and(Value::is_array) {
        runtime_map.insert("Env".into(), json!([DEFAULT_PATH]));
    }
    if let Some(user) = facts.user {
        runtime_map.insert("User".into(), json!(user));
    }
    let mut labels = runtime_map
        .get("Labels")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    for (k, v) in facts.labels {
        labels.insert(k.clone(), json!(v));
    }
    runtime_map.insert("Labels".into(), Value::Object(labels));
    config["config"] = runtime;
    diff_ids.push(json!(format!("sha256:{diff_id}")));
    history.push(json!({ "created": facts.created, "created_by": "tug publish" }));
    config["rootfs"] = json!({ "type": "layers", "diff_ids": diff_ids });
    config["history"] = json!(history);
    let config = serde_json::to_vec(&config).expect("config serializes");
    layers.push(descriptor(
        LAYER_MEDIA_TYPE,
        &sha256_hex(&layer),
        layer.len() as u64,
    ));
    let manifest = json!({
        "schemaVersion": 2,
        "mediaType": MANIFEST_MEDIA_TYPE,
        "config": descriptor(CONFIG_MEDIA_TYPE, &sha256_hex(&config), config.len() as u64),
        "layers": layers,
        "annotations": facts.annotations,
    });
    Ok(PlatformImage {
        os: facts.os.to_string(),
        arch: facts.arch.to_string(),
        variant: facts.variant.clone(),
        layer,
        config,
        manifest: serde_json::to_vec(&manifest).expect("manifest serializes"),
    })
}

/// The multi-platform index over `images` (in the order given: sorted by platform by the caller).
pub fn build_index(images: &[PlatformImage], annotations: &Value) -> Vec<u8> {
    let manifests: Vec<Value> = images
        .iter()
        .map(|img| {
            let mut d = descriptor(
                MANIFEST_MEDIA_TYPE,
                &sha256_hex(&img.manifest),
                img.manifest.len() as u64,
            );
            let mut platform = json!({ "architecture": img.arch, "os": img.os });
            if let Some(v) = &img.variant {
                platform["variant"] = json!(v);
            }
            d["platform"] = platform;
            d
        })
        .collect();
    serde_json::to_vec(&json!({
        "schemaVersion": 2,
        "mediaType": INDEX_MEDIA_TYPE,
        "manifests": manifests,
        "annotations": annotations,
    }))
    .expect("index serializes")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;
    use std::io::Read;

    #[test]
    fn same_binary_gives_same_digests_and_a_sorted_root_owned_layer() {
        let dir = tempfile::tempdir().unwrap();
        let bin = dir.path().join("hello");
        std::fs::write(&bin, b"\x7fELF fake").unwrap();
        let labels = Default::default();
        let ann = json!({ "org.opencontainers.image.version": "1.0.0" });
        let facts = ImageFacts {
            os: "linux",
            arch: "arm",
            variant: oci_variant("arm", Some("7")),
            entrypoint: "/usr/local/bin/hello".into(),
            created: "2026-01-02T03:04:05Z",
            labels: &labels,
            annotations: &ann,
            base: None,
            user: None,
        };
        let a = build_image(
            &layer_tar(&bin, "hello", "/usr/local/bin", 1767323045).unwrap(),
            &facts,
        )
        .unwrap();
        let b = build_image(
            &layer_tar(&bin, "hello", "/usr/local/bin", 1767323045).unwrap(),
            &facts,
        )
        .unwrap();
        assert_eq!(sha256_hex(&a.manifest), sha256_hex(&b.manifest));
        assert_eq!(a.platform(), "linux/arm/v7");

        let tar = layer_tar(&bin, "hello", "/usr/local/bin", 1767323045).unwrap();
        let mut archive = tar::Archive::new(tar.as_slice());
        let entries: Vec<(String, u64, u64, u32)> = archive
            .entries()
            .unwrap()
            .map(|e| {
                let e = e.unwrap();
                let h = e.header();
                (
                    e.path().unwrap().display().to_string(),
                    h.uid().unwrap(),
                    h.mtime().unwrap(),
                    h.mode().unwrap(),
                )
            })
            .collect();
        assert_eq!(entries.len(), 4);
        assert_eq!(
            entries[3],
            ("usr/local/bin/hello".into(), 0, 1767323045, 0o755)
        );
        let index: Value = serde_json::from_slice(&build_index(&[a], &ann)).unwrap();
        assert_eq!(index["manifests"][0]["platform"]["variant"], "v7");
    }

    #[test]
    fn generated_base_has_nonroot_and_the_ca_bundle_and_is_reproducible() {
        let (layer, base) = generated_base(b"PEM A", 1767323045, "2026-01-02T03:04:05Z").unwrap();
        let (again, _) = generated_base(b"PEM A", 1767323045, "2026-01-02T03:04:05Z").unwrap();
        assert_eq!(layer, again, "same bundle, same bytes");
        let (other, _) = generated_base(b"PEM B", 1767323045, "2026-01-02T03:04:05Z").unwrap();
        assert_ne!(
            sha256_hex(&layer),
            sha256_hex(&other),
            "the bundle is in the digest"
        );
        assert_eq!(base.config["config"]["User"], "65532");
        assert_eq!(
            base.layers[0]["digest"],
            format!("sha256:{}", sha256_hex(&layer))
        );

        let mut tar = Vec::new();
        flate2::read::GzDecoder::new(layer.as_slice())
            .read_to_end(&mut tar)
            .unwrap();
        assert_eq!(
            base.config["rootfs"]["diff_ids"][0],
            format!("sha256:{}", sha256_hex(&tar))
        );
        let mut archive = tar::Archive::new(tar.as_slice());
        let mut files = BTreeMap::new();
        for e in archive.entries().unwrap() {
            let mut e = e.unwrap();
            let path = e.path().unwrap().display().to_string();
            let owner = (e.header().uid().unwrap(), e.header().mode().unwrap());
            let mut body = String::new();
            e.read_to_string(&mut body).unwrap();
            files.insert(path, (owner, body));
        }
        assert_eq!(files["etc/ssl/certs/ca-certificates.crt"].1, "PEM A");
        assert!(files["etc/passwd"].1.contains("nonroot:x:65532:65532:"));
        assert!(files["etc/group"].1.contains("nonroot:x:65532:"));
        assert_eq!(files["home/nonroot/"].0, (65532, 0o700));
        assert_eq!(files["tmp/"].0, (0, 0o1777));

        // An image on it runs as the base's user unless `user:` says otherwise.
        let dir = tempfile::tempdir().unwrap();
        let bin = dir.path().join("hello");
        std::fs::write(&bin, b"\x7fELF fake").unwrap();
        let labels = Default::default();
        let ann = json!({});
        let mut facts = ImageFacts {
            os: "linux",
            arch: "amd64",
            variant: None,
            entrypoint: "/usr/local/bin/hello".into(),
            created: "2026-01-02T03:04:05Z",
            labels: &labels,
            annotations: &ann,
            base: Some(&base),
            user: None,
        };
        let tar = layer_tar(&bin, "hello", "/usr/local/bin", 1767323045).unwrap();
        let img = build_image(&tar, &facts).unwrap();
        let config: Value = serde_json::from_slice(&img.config).unwrap();
        assert_eq!(config["config"]["User"], "65532");
        assert_eq!(config["rootfs"]["diff_ids"].as_array().unwrap().len(), 2);
        facts.user = Some("0:0");
        let img = build_image(&tar, &facts).unwrap();
        let config: Value = serde_json::from_slice(&img.config).unwrap();
        assert_eq!(config["config"]["User"], "0:0");
    }
}
