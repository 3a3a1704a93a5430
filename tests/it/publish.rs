//! `tug publish` end to end: a real `docker-registry` checked with skopeo (an independent client),
//! the image's binary run for real, interruption and flaky-server recovery, and the `dir`
//! publisher. The GitHub publisher runs against a local fake (no real GitHub can run here).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::Ordering;
use std::sync::OnceLock;

use crate::harness::registry::{FlakyProxy, Registry};
use crate::harness::*;
use tug::manifest::{ArtifactKind, Manifest};

const MAIN_GO: &str = r#"package main

import "fmt"

var version = "dev"

func main() { fmt.Println("hello " + version) }
"#;

/// Static linux/amd64 and linux/arm64 binaries of a tiny Go program, built once.
fn go_binaries() -> &'static PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("publish-go");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("go.mod"), "module example.com/hello\n\ngo 1.21\n").unwrap();
        std::fs::write(dir.join("main.go"), MAIN_GO).unwrap();
        for arch in ["amd64", "arm64"] {
            let out = dir.join(format!("hello_linux_{arch}"));
            let status = Command::new(go())
                .current_dir(&dir)
                .env("GOCACHE", gocache())
                .env("CGO_ENABLED", "0")
                .env("GOOS", "linux")
                .env("GOARCH", arch)
                .env("GOFLAGS", "-modcacherw")
                .args([
                    "build",
                    "-trimpath",
                    "-ldflags=-s -w -buildid= -X main.version=1.0.0",
                    "-o",
                ])
                .arg(&out)
                .arg(".")
                .status()
                .unwrap();
            assert!(status.success(), "go build failed");
        }
        dir
    })
}

/// A dist/ as `tug build` + `tug sign` would leave it: two real binaries, an archive, notes, a
/// signature, and the checksums file; and the release key (`cosign.key`, `cosign.pub`, with the
/// empty password in `key-password`, which [`oci_config`] names), since `tug publish` signs the
/// images of a signed release with it.
fn make_dist(project: &Path, big: usize) -> Manifest {
    ok(tug(project)
        .args(["keys", "generate"])
        .env("COSIGN_PASSWORD", ""));
    std::fs::write(project.join("key-password"), "").unwrap();
    let dist = project.join("dist");
    let bins = go_binaries();
    let mut artifacts = Vec::new();
    for arch in ["amd64", "arm64"] {
        let bytes = std::fs::read(bins.join(format!("hello_linux_{arch}"))).unwrap();
        let mut a = write_artifact(
            &dist,
            &format!("hello_linux_{arch}"),
            &format!("hello_linux_{arch}/hello"),
            ArtifactKind::Binary,
            &bytes,
        );
        a.os = Some("linux".into());
        a.arch = Some(arch.into());
        a.target = Some(format!("linux/{arch}"));
        a.build = Some("hello".into());
        artifacts.push(a);
    }
    let archive: Vec<u8> = (0..big).map(|i| (i * 7 % 251) as u8).collect();
    artifacts.push(write_artifact(
        &dist,
        "hello_1.0.0_linux_amd64.tar.gz",
        "hello_1.0.0_linux_amd64.tar.gz",
        ArtifactKind::Archive,
        &archive,
    ));
    artifacts.push(write_artifact(
        &dist,
        "RELEASE_NOTES.md",
        "RELEASE_NOTES.md",
        ArtifactKind::Notes,
        b"## 1.0.0\n\n- first release\n",
    ));
    let mut sig = write_artifact(
        &dist,
        "hello_1.0.0_linux_amd64.tar.gz.sig",
        "hello_1.0.0_linux_amd64.tar.gz.sig",
        ArtifactKind::Signature,
        b"MEUCIQDsignaturebytes==\n",
    );
    sig.signs = Some("hello_1.0.0_linux_amd64.tar.gz".into());
    artifacts.push(sig);
    artifacts.push(write_checksums(
        &dist,
        "hello_1.0.0_checksums.txt",
        &artifacts,
    ));
    let mut m = manifest("hello", "1.0.0", &["linux/amd64", "linux/arm64"], artifacts);
    m.write(&dist).unwrap();
    m
}

const FAST_RETRY: &str = "retry: { attempts: 4, initial_delay: 20ms, max_delay: 100ms }";

fn oci_config(addr: &str, repo: &str, images: bool, extra: &str) -> String {
    let mut yaml = format!(
        "version: 1\nsign:\n  password: key-password\npublish:\n  - type: oci\n    name: registry\n    repository: {addr}/acme/{repo}\n    chunk_size: 1048576\n    {FAST_RETRY}\n"
    );
    if images {
        yaml.push_str(&format!(
            "    images:\n      repository: {addr}/acme/{repo}-image\n"
        ));
    }
    yaml.push_str(extra);
    yaml
}

fn skopeo(args: &[&str]) -> String {
    let out = Command::new("skopeo").args(args).output().unwrap();
    assert!(
        out.status.success(),
        "skopeo {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn inspect_raw(reference: &str) -> serde_json::Value {
    serde_json::from_str(&skopeo(&[
        "inspect",
        "--raw",
        "--tls-verify=false",
        &format!("docker://{reference}"),
    ]))
    .unwrap()
}

/// A linux/amd64 image copied by skopeo into a `dir:` layout: its manifest, its config, and a
/// root file system with every layer unpacked in order (by `tar`).
struct CopiedImage {
    dir: tempfile::TempDir,
    manifest: serde_json::Value,
    config: serde_json::Value,
    rootfs: tempfile::TempDir,
}

impl CopiedImage {
    /// Run the image's `/usr/local/bin/hello` and return what it printed.
    fn run_hello(&self) -> String {
        let out = Command::new(self.rootfs.path().join("usr/local/bin/hello"))
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    }
}

fn copy_amd64_image(reference: &str) -> CopiedImage {
    let dir = tempdir();
    skopeo(&[
        "copy",
        "--src-tls-verify=false",
        "--override-os",
        "linux",
        "--override-arch",
        "amd64",
        reference,
        &format!("dir:{}", dir.path().display()),
    ]);
    let blob = |digest: &serde_json::Value| {
        dir.path()
            .join(digest.as_str().unwrap().trim_start_matches("sha256:"))
    };
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("manifest.json")).unwrap()).unwrap();
    let config =
        serde_json::from_slice(&std::fs::read(blob(&manifest["config"]["digest"])).unwrap())
            .unwrap();
    let rootfs = tempdir();
    for layer in manifest["layers"].as_array().unwrap() {
        let status = Command::new("tar")
            .arg("-xzf")
            .arg(blob(&layer["digest"]))
            .arg("-C")
            .arg(rootfs.path())
            .status()
            .unwrap();
        assert!(status.success());
    }
    CopiedImage {
        dir,
        manifest,
        config,
        rootfs,
    }
}

/// oras (pinned, built by scripts/install-test-deps.sh under .tools/).
fn oras_bin() -> PathBuf {
    let bin = repo_root().join(".tools/oras-v1.3.6/bin/oras");
    assert!(
        bin.is_file(),
        "{} is missing: run scripts/install-test-deps.sh",
        bin.display()
    );
    bin
}

fn sha256(bytes: &[u8]) -> String {
    use sha2::Digest;
    tug::fsutil::hex(&sha2::Sha256::digest(bytes))
}

#[test]
fn oci_artifact_and_images_check_out_with_skopeo_and_the_binary_runs() {
    let reg = Registry::shared();
    let tmp = tempdir();
    let project = tmp.path();
    let manifest = make_dist(project, 3 << 20);
    std::fs::write(
        project.join("tug.yaml"),
        oci_config(
            &reg.addr,
            "hello",
            true,
            "    source: https://example.com/acme/hello\n",
        ),
    )
    .unwrap();
    let out = run(tug(project).arg("publish"));
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stderr
            .contains("Uploaded registry: hello_1.0.0_linux_amd64.tar.gz"),
        "{}",
        out.stderr
    );

    // The release artifact: every file a titled layer, the manifest as config.
    let art = inspect_raw(&format!("{}/acme/hello:1.0.0", reg.addr));
    assert_eq!(art["artifactType"], "application/vnd.tug.release.v1+json");
    assert_eq!(
        art["config"]["mediaType"],
        "application/vnd.tug.manifest.v1+json"
    );
    let dist_manifest = std::fs::read(project.join("dist/manifest.json")).unwrap();
    assert_eq!(
        art["config"]["digest"],
        format!("sha256:{}", sha256(&dist_manifest))
    );
    let titles: Vec<&str> = art["layers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            l["annotations"]["org.opencontainers.image.title"]
                .as_str()
                .unwrap()
        })
        .collect();
    let names: Vec<&str> = manifest.artifacts.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(titles, names);

    // Every file is downloadable and matches the checksums file (sha256sum as the checker).
    let download = tempdir();
    for layer in art["layers"].as_array().unwrap() {
        let title = layer["annotations"]["org.opencontainers.image.title"]
            .as_str()
            .unwrap();
        let url = format!(
            "http://{}/v2/acme/hello/blobs/{}",
            reg.addr,
            layer["digest"].as_str().unwrap()
        );
        let status = Command::new("curl")
            .args(["-sfL", "-o"])
            .arg(download.path().join(title))
            .arg(&url)
            .status()
            .unwrap();
        assert!(status.success(), "download {title}");
    }
    let check = Command::new("sha256sum")
        .args(["-c", "hello_1.0.0_checksums.txt"])
        .current_dir(download.path())
        .output()
        .unwrap();
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stdout)
    );

    // The signature is attached with cosign's tag convention, pointing back at the artifact.
    let art_digest = skopeo(&[
        "inspect",
        "--tls-verify=false",
        "--format",
        "{{.Digest}}",
        &format!("docker://{}/acme/hello-image:1.0.0", reg.addr),
    ]);
    assert!(art_digest.starts_with("sha256:"));
    let raw = Command::new("curl")
        .args([
            "-sf",
            "-H",
            "Accept: application/vnd.oci.image.manifest.v1+json",
        ])
        .arg(format!("http://{}/v2/acme/hello/manifests/1.0.0", reg.addr))
        .output()
        .unwrap();
    let release_digest = sha256(&raw.stdout);
    // The release artifact is signed as cosign 3 does by default: a Sigstore bundle referrer,
    // listed (this registry has no Referrers API) in the `sha256-<hex>` fallback index.
    let fallback = inspect_raw(&format!("{}/acme/hello:sha256-{release_digest}", reg.addr));
    assert_eq!(
        fallback["mediaType"],
        "application/vnd.oci.image.index.v1+json"
    );
    let entries = fallback["manifests"].as_array().unwrap();
    assert_eq!(entries.len(), 1, "{fallback}");
    assert_eq!(
        entries[0]["artifactType"],
        "application/vnd.dev.sigstore.bundle.v0.3+json"
    );
    let referrer = inspect_raw(&format!(
        "{}/acme/hello@{}",
        reg.addr,
        entries[0]["digest"].as_str().unwrap()
    ));
    assert_eq!(
        referrer["subject"]["digest"],
        format!("sha256:{release_digest}")
    );
    assert_eq!(
        referrer["layers"][0]["mediaType"],
        "application/vnd.dev.sigstore.bundle.v0.3+json"
    );

    // The multi-platform index.
    let index = inspect_raw(&format!("{}/acme/hello-image:1.0.0", reg.addr));
    assert_eq!(
        index["mediaType"],
        "application/vnd.oci.image.index.v1+json"
    );
    let platforms: Vec<String> = index["manifests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            format!(
                "{}/{}",
                m["platform"]["os"].as_str().unwrap(),
                m["platform"]["architecture"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(platforms, ["linux/amd64", "linux/arm64"]);

    // The real cosign accepts the signatures of the release artifact, the index and each
    // platform image, with the release key; with another key it refuses them.
    let index_digest = digest_of(&format!("{}/acme/hello-image:1.0.0", reg.addr));
    let mut signed = vec![
        format!("{}/acme/hello@sha256:{release_digest}", reg.addr),
        format!("{}/acme/hello-image@{index_digest}", reg.addr),
    ];
    for m in index["manifests"].as_array().unwrap() {
        signed.push(format!(
            "{}/acme/hello-image@{}",
            reg.addr,
            m["digest"].as_str().unwrap()
        ));
    }
    for reference in &signed {
        let out = cosign_verifies(project, "cosign.pub", reference);
        assert_eq!(out.code, 0, "cosign verify {reference}: {out:?}");
        let verified: serde_json::Value = serde_json::from_str(out.stdout.trim()).unwrap();
        assert_eq!(
            verified[0]["critical"]["image"]["docker-manifest-digest"],
            reference.rsplit('@').next().unwrap()
        );
    }
    // oras, an independent client, finds the signature through the referrers fallback.
    let discovered = ok(hermetic(&mut Command::new(oras_bin()))
        .args(["discover", "--plain-http", "--format", "json"])
        .arg(&signed[0]));
    let discovered: serde_json::Value = serde_json::from_str(&discovered).unwrap();
    assert_eq!(
        discovered["referrers"][0]["artifactType"], "application/vnd.dev.sigstore.bundle.v0.3+json",
        "{discovered}"
    );
    assert_eq!(
        discovered["referrers"][0]["digest"], entries[0]["digest"],
        "{discovered}"
    );
    let stranger = tempdir();
    ok(crate::cosign::cosign(stranger.path()).arg("generate-key-pair"));
    let refused = run(crate::cosign::cosign(stranger.path())
        .args(["verify", "--key", "cosign.pub", "--insecure-ignore-tlog"])
        .args(["--allow-insecure-registry", &signed[1]]));
    assert_ne!(
        refused.code, 0,
        "another key verified tug's signature: {refused:?}"
    );

    // skopeo copies the linux/amd64 image; its layers have the digests the registry lists.
    let image = copy_amd64_image(&format!("docker://{}/acme/hello-image:1.0.0", reg.addr));
    let amd64 = inspect_raw(&format!(
        "{}/acme/hello-image@{}",
        reg.addr,
        index["manifests"][0]["digest"].as_str().unwrap()
    ));
    assert_eq!(image.manifest["layers"], amd64["layers"]);
    let layer_hex = image.manifest["layers"][0]["digest"]
        .as_str()
        .unwrap()
        .trim_start_matches("sha256:")
        .to_string();
    let layer_bytes = std::fs::read(image.dir.path().join(&layer_hex)).unwrap();
    assert_eq!(
        sha256(&layer_bytes),
        layer_hex,
        "layer digest matches its bytes"
    );
    assert_eq!(image.run_hello(), "hello 1.0.0\n");
    let config = &image.config;
    assert_eq!(config["config"]["Entrypoint"][0], "/usr/local/bin/hello");
    // A base people can run: tug's generated base layer under the binary, a non-root user (ko's
    // 65532 `nonroot`) that /etc/passwd and /etc/group name, and this machine's CA bundle.
    assert_eq!(image.manifest["layers"].as_array().unwrap().len(), 2);
    assert_eq!(config["config"]["User"], "65532");
    let rootfs = image.rootfs.path();
    assert_eq!(
        std::fs::read(rootfs.join("etc/ssl/certs/ca-certificates.crt")).unwrap(),
        std::fs::read("/etc/ssl/certs/ca-certificates.crt").unwrap()
    );
    let passwd = std::fs::read_to_string(rootfs.join("etc/passwd")).unwrap();
    assert!(
        passwd
            .lines()
            .any(|l| l.starts_with("nonroot:x:65532:65532:")),
        "{passwd}"
    );
    let group = std::fs::read_to_string(rootfs.join("etc/group")).unwrap();
    assert!(group.lines().any(|l| l == "nonroot:x:65532:"), "{group}");
    {
        use std::os::unix::fs::MetadataExt;
        let home = std::fs::metadata(rootfs.join("home/nonroot")).unwrap();
        assert_eq!((home.uid(), home.gid()), (65532, 65532));
    }
    // The binary runs as that user (setpriv drops to uid/gid 65532, as a container runtime would;
    // the root file system's temp directory is opened up for it as a runtime's would be).
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(rootfs, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let as_nonroot = Command::new("setpriv")
        .args(["--reuid=65532", "--regid=65532", "--clear-groups"])
        .arg(rootfs.join("usr/local/bin/hello"))
        .output()
        .unwrap();
    assert!(as_nonroot.status.success(), "{as_nonroot:?}");
    assert_eq!(String::from_utf8_lossy(&as_nonroot.stdout), "hello 1.0.0\n");
    // The OCI labels (skopeo reads the config) and the annotations of the index: from the
    // manifest, `created` the commit time.
    let inspected: serde_json::Value = serde_json::from_str(&skopeo(&[
        "inspect",
        "--config",
        "--tls-verify=false",
        "--override-os",
        "linux",
        "--override-arch",
        "amd64",
        &format!("docker://{}/acme/hello-image:1.0.0", reg.addr),
    ]))
    .unwrap();
    let labels = &inspected["config"]["Labels"];
    for (key, want) in [
        ("source", "https://example.com/acme/hello"),
        ("revision", manifest.commit.as_str()),
        ("version", "1.0.0"),
        ("created", manifest.commit_time.as_str()),
    ] {
        assert_eq!(
            labels[format!("org.opencontainers.image.{key}")],
            want,
            "{inspected}"
        );
        assert_eq!(
            index["annotations"][format!("org.opencontainers.image.{key}")],
            want,
            "{index}"
        );
    }
    assert_eq!(inspected["created"], manifest.commit_time);

    // A second run uploads nothing: everything is confirmed in the publish state.
    let again = run(tug(project).arg("publish"));
    assert_eq!(again.code, 0, "{}", again.stderr);
    assert!(!again.stderr.contains("Uploaded"), "{}", again.stderr);
    assert!(
        again
            .stderr
            .contains("Published registry: 0 uploaded (0 B)"),
        "{}",
        again.stderr
    );

    // Same bytes, same digests: --oci-layout gives the very manifests the registry holds.
    let layout = tempdir();
    ok(tug(project)
        .arg("publish")
        .arg("--oci-layout")
        .arg(layout.path()));
    let idx: serde_json::Value =
        serde_json::from_slice(&std::fs::read(layout.path().join("index.json")).unwrap()).unwrap();
    let digests: BTreeMap<String, String> = idx["manifests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["annotations"]["org.opencontainers.image.ref.name"]
                    .as_str()
                    .unwrap()
                    .to_string(),
                m["digest"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        digests["acme/hello:1.0.0"],
        format!("sha256:{release_digest}")
    );
    assert_eq!(
        digests["acme/hello-image:1.0.0"],
        digest_of(&format!("{}/acme/hello-image:1.0.0", reg.addr))
    );
}

fn manifest_digest(addr: &str, repo: &str) -> String {
    let raw = Command::new("curl")
        .args([
            "-sf",
            "-H",
            "Accept: application/vnd.oci.image.manifest.v1+json",
        ])
        .arg(format!("http://{addr}/v2/acme/{repo}/manifests/1.0.0"))
        .output()
        .unwrap();
    assert!(raw.status.success());
    sha256(&raw.stdout)
}

#[test]
fn registry_killed_halfway_then_restarted_resumes_without_reuploading() {
    let reg = std::sync::Arc::new(Registry::start());
    let proxy = FlakyProxy::start(&reg.addr);
    let tmp = tempdir();
    let project = tmp.path();
    make_dist(project, 1 << 20);
    std::fs::write(
        project.join("tug.yaml"),
        oci_config(&proxy.addr, "hello", false, ""),
    )
    .unwrap();
    let killer = reg.clone();
    proxy.faults.hook_after.store(3, Ordering::SeqCst);
    *proxy.faults.after_uploads.lock().unwrap() = Some(Box::new(move || killer.kill()));

    let first = run(tug(project).arg("publish"));
    assert_eq!(first.code, 1, "{}", first.stderr);
    assert!(
        first.stderr.contains("gave up after 4 attempts"),
        "{}",
        first.stderr
    );
    let state: serde_json::Value =
        serde_json::from_slice(&std::fs::read(project.join("dist/publish-state.json")).unwrap())
            .unwrap();
    let confirmed = state["publishers"]["registry"]["items"]
        .as_object()
        .unwrap()
        .len();
    // Which blobs the registry committed before it died depends on timing: a blob whose bytes
    // were all sent but whose closing PUT met the dead registry is recorded as an upload to
    // resume instead. Together they are what was sent before the kill.
    let resumable = state["publishers"]["registry"]["uploads"]
        .as_object()
        .map_or(0, |u| u.len());
    assert!(
        confirmed >= 1 && (2..9).contains(&(confirmed + resumable)),
        "blobs uploaded before the kill are confirmed or resumable: {state}"
    );

    reg.restart();
    proxy.clear_log();
    let second = run(tug(project).arg("publish"));
    assert_eq!(second.code, 0, "{}", second.stderr);
    let total_blobs = 9; // config + 6 files + the signature's payload and config
    let uploads = proxy
        .count(|l| l.starts_with("PUT ") && l.contains("/blobs/uploads/") && l.ends_with(" 201"));
    assert!(
        uploads >= 1 && uploads <= total_blobs - confirmed,
        "{uploads} uploads, {confirmed} confirmed"
    );
    for key in state["publishers"]["registry"]["items"]
        .as_object()
        .unwrap()
        .keys()
    {
        let digest = key.rsplit(' ').next().unwrap();
        assert_eq!(
            proxy.count(|l| l.contains(&format!("digest={digest}"))),
            0,
            "{digest} was confirmed, not re-uploaded"
        );
    }
    assert!(
        second.stderr.contains("already published"),
        "{}",
        second.stderr
    );

    // Identical to an uninterrupted publish of the same dist.
    std::fs::remove_file(project.join("dist/publish-state.json")).unwrap();
    std::fs::write(
        project.join("tug.yaml"),
        oci_config(&reg.addr, "clean", false, ""),
    )
    .unwrap();
    ok(tug(project).arg("publish"));
    assert_eq!(
        manifest_digest(&reg.addr, "hello"),
        manifest_digest(&reg.addr, "clean")
    );
}

#[test]
fn flaky_registry_500_twice_then_201_succeeds_and_500_forever_fails_resumably() {
    let reg = Registry::shared();
    let proxy = FlakyProxy::start(&reg.addr);
    let tmp = tempdir();
    let project = tmp.path();
    make_dist(project, 1000);
    std::fs::write(
        project.join("tug.yaml"),
        oci_config(&proxy.addr, "flaky", false, ""),
    )
    .unwrap();
    proxy.faults.fail_blob_puts.store(2, Ordering::SeqCst);
    let out = run(tug(project).args(["publish", "--no-progress"]));
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(
        out.stderr.matches("retrying in").count(),
        2,
        "{}",
        out.stderr
    );
    assert_eq!(proxy.count(|l| l.ends_with(" 500")), 2);

    let tmp2 = tempdir();
    let project2 = tmp2.path();
    make_dist(project2, 2000);
    std::fs::write(
        project2.join("tug.yaml"),
        oci_config(&proxy.addr, "broken", false, ""),
    )
    .unwrap();
    proxy
        .faults
        .fail_blob_puts
        .store(usize::MAX, Ordering::SeqCst);
    let out = run(tug(project2).arg("publish"));
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(
        out.stderr.contains("error: registry: blob"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("gave up after 4 attempts"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("500 Internal Server Error"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr
            .contains("hint: fix the cause and run `tug publish` again"),
        "{}",
        out.stderr
    );
    assert!(
        project2.join("dist/publish-state.json").is_file(),
        "resumable state written"
    );
    proxy.faults.fail_blob_puts.store(0, Ordering::SeqCst);
    ok(tug(project2).arg("publish"));
}

#[test]
fn dir_publisher_is_the_default_and_a_valid_dist() {
    let tmp = tempdir();
    let project = tmp.path();
    make_dist(project, 1000);
    let out = run(tug(project).args(["publish", "--dry-run"]));
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        !project.join("published").exists(),
        "dry run writes nothing"
    );
    let out = run(tug(project).arg("publish"));
    let filters = vec![
        (r"\(\d+\.\d MiB\)", "([SIZE])"),
        (r"manifest.json \(\d+\.\d KiB\)", "manifest.json ([SIZE])"),
    ];
    insta::with_settings!({ filters => filters }, {
        insta::assert_snapshot!(out.snapshot(&[(project, "[TMP]")]), @r"
        exit: 0
        --- stdout
        dir	[TMP]/published/hello/1.0.0
        --- stderr
          Publishing dir (dir) to published
            Uploaded dir: hello_linux_amd64 ([SIZE])
            Uploaded dir: hello_linux_arm64 ([SIZE])
            Uploaded dir: hello_1.0.0_linux_amd64.tar.gz (1000 B)
            Uploaded dir: hello_1.0.0_checksums.txt (449 B)
            Uploaded dir: hello_1.0.0_linux_amd64.tar.gz.sig (24 B)
            Uploaded dir: RELEASE_NOTES.md (26 B)
            Uploaded dir: manifest.json ([SIZE])
           Published dir: 7 uploaded ([SIZE]), 0 already published
        ");
    });
    let published = project.join("published/hello/1.0.0");
    let m = Manifest::read(&published).unwrap();
    for a in &m.artifacts {
        assert_eq!(
            tug::fsutil::sha256_file(&published.join(&a.path))
                .unwrap()
                .0,
            a.sha256
        );
    }
    let index: serde_json::Value =
        serde_json::from_slice(&std::fs::read(project.join("published/hello/index.json")).unwrap())
            .unwrap();
    assert_eq!(index["versions"][0]["version"], "1.0.0");
    let again = run(tug(project).arg("publish"));
    assert!(
        again
            .stderr
            .contains("Published dir: 0 uploaded (0 B), 7 already published"),
        "{}",
        again.stderr
    );

    // Another build of the same version is refused unless --replace.
    std::fs::write(published.join("RELEASE_NOTES.md"), "tampered\n").unwrap();
    std::fs::remove_file(project.join("dist/publish-state.json")).unwrap();
    let out = run(tug(project).arg("publish"));
    assert_eq!(out.code, 1);
    assert!(
        out.stderr.contains("already exists with different content"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("--replace"), "{}", out.stderr);
    ok(tug(project).args(["publish", "--replace"]));
}

#[test]
fn github_fake_sees_draft_assets_notes_then_publish_and_reruns_do_nothing() {
    use crate::harness::github_fake::{GithubFake, TOKEN};
    let gh = GithubFake::start();
    let tmp = tempdir();
    let project = tmp.path();
    make_dist(project, 1000);
    std::fs::write(
        project.join("tug.yaml"),
        format!("version: 1\npublish:\n  - type: github\n    repository: acme/hello\n    api_url: {}\n    {FAST_RETRY}\n", gh.url),
    )
    .unwrap();
    let out = run(tug(project).arg("publish").env("GITHUB_TOKEN", TOKEN));
    assert_eq!(out.code, 0, "{}", out.stderr);
    let writes = gh.writes();
    let uploads = "POST /uploads/repos/acme/hello/releases/1/assets";
    assert_eq!(
        writes,
        [
            "POST /repos/acme/hello/releases",
            uploads,
            uploads,
            uploads,
            uploads,
            uploads,
            uploads,
            "PATCH /repos/acme/hello/releases/1 body",
            "PATCH /repos/acme/hello/releases/1 draft",
        ],
        "draft first, then assets, notes, and publish last"
    );
    {
        let st = gh.state.lock().unwrap();
        assert_eq!(st.releases[0]["draft"], false);
        assert_eq!(st.releases[0]["body"], "## 1.0.0\n\n- first release\n");
        assert_eq!(st.assets.len(), 6);
    }
    assert!(
        out.stdout.contains("github\t") && out.stdout.contains("/acme/hello/releases/tag/v1.0.0"),
        "{}",
        out.stdout
    );

    // A second run changes nothing.
    let before = gh.writes().len();
    let again = run(tug(project).arg("publish").env("GITHUB_TOKEN", TOKEN));
    assert_eq!(again.code, 0, "{}", again.stderr);
    assert_eq!(gh.writes().len(), before, "second run only reads");
    assert!(
        again
            .stderr
            .contains("0 uploaded (0 B), 7 already published"),
        "{}",
        again.stderr
    );

    // A different asset under the same name is refused without --replace, replaced with it.
    gh.state.lock().unwrap().assets[0].1["size"] = serde_json::json!(1);
    let out = run(tug(project).arg("publish").env("GITHUB_TOKEN", TOKEN));
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(
        out.stderr.contains("already exists with different content"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr
            .contains("hint: a release is never silently overwritten"),
        "{}",
        out.stderr
    );
    assert_eq!(gh.writes().len(), before, "nothing written on conflict");
    let out = run(tug(project)
        .args(["publish", "--replace"])
        .env("GITHUB_TOKEN", TOKEN));
    assert_eq!(out.code, 0, "{}", out.stderr);
    let writes = gh.writes();
    assert!(
        writes[before].starts_with("DELETE /repos/acme/hello/releases/assets/"),
        "{writes:?}"
    );
    assert_eq!(writes[before + 1], uploads);

    // No token: a clear error.
    std::fs::remove_file(project.join("dist/publish-state.json")).unwrap();
    let out = run(tug(project).arg("publish").env_remove("GITHUB_TOKEN"));
    assert_eq!(out.code, 1);
    assert!(
        out.stderr.contains("$GITHUB_TOKEN is not set"),
        "{}",
        out.stderr
    );
}

/// A minimal Artifactory-like store on loopback (PUT with checksum check, HEAD, GET): a stand-in
/// for a commercial server that cannot run here.
/// Stored files by path: bytes and the checksum they came with.
type Store = std::sync::Arc<std::sync::Mutex<BTreeMap<String, (Vec<u8>, String)>>>;

fn artifact_store() -> (String, Store) {
    use std::io::{BufRead, BufReader, Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let store: Store = Default::default();
    let s = store.clone();
    std::thread::spawn(move || {
        for conn in listener.incoming().flatten() {
            let mut reader = BufReader::new(conn.try_clone().unwrap());
            let mut out = conn;
            let mut first = String::new();
            reader.read_line(&mut first).unwrap();
            let (mut len, mut sum, mut auth) = (0usize, String::new(), String::new());
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap() == 0 || line == "\r\n" {
                    break;
                }
                let lower = line.to_ascii_lowercase();
                if let Some(v) = lower.strip_prefix("content-length:") {
                    len = v.trim().parse().unwrap();
                }
                if let Some(v) = lower.strip_prefix("x-checksum-sha256:") {
                    sum = v.trim().to_string();
                }
                if let Some(v) = line
                    .strip_prefix("x-api-key:")
                    .or_else(|| line.strip_prefix("X-Api-Key:"))
                {
                    auth = v.trim().to_string();
                }
            }
            let mut words = first.split_whitespace();
            let (method, path) = (
                words.next().unwrap().to_string(),
                words.next().unwrap().to_string(),
            );
            let mut body = vec![0u8; if method == "HEAD" { 0 } else { len }];
            reader.read_exact(&mut body).unwrap();
            let mut st = s.lock().unwrap();
            let reply = if auth != "k3y" {
                "HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\n\r\n".to_string()
            } else if method == "PUT" {
                if sha256(&body) != sum {
                    "HTTP/1.1 409 Conflict\r\nContent-Length: 0\r\n\r\n".to_string()
                } else {
                    st.insert(path, (body, sum));
                    "HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n".to_string()
                }
            } else if let Some((bytes, sum)) = st.get(&path) {
                format!(
                    "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nX-Checksum-Sha256: {sum}\r\n\r\n",
                    bytes.len()
                )
            } else {
                "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n".to_string()
            };
            let _ = out.write_all(reply.as_bytes());
        }
    });
    (url, store)
}

#[test]
fn http_publisher_puts_with_checksums_and_confirms_with_head() {
    let (url, store) = artifact_store();
    let tmp = tempdir();
    let project = tmp.path();
    let m = make_dist(project, 5000);
    std::fs::write(
        project.join("tug.yaml"),
        format!("version: 1\npublish:\n  - type: http\n    name: nexus\n    url: \"{url}/repo/{{{{ project }}}}/{{{{ version }}}}/{{{{ artifact }}}}\"\n    headers: {{ X-Api-Key: \"{{{{ env.NEXUS_KEY }}}}\" }}\n    {FAST_RETRY}\n"),
    )
    .unwrap();
    let out = run(tug(project).arg("publish").env("NEXUS_KEY", "k3y"));
    assert_eq!(out.code, 0, "{}", out.stderr);
    {
        let st = store.lock().unwrap();
        assert_eq!(st.len(), m.artifacts.len());
        for a in &m.artifacts {
            let (bytes, _) = &st[&format!("/repo/hello/1.0.0/{}", a.name)];
            assert_eq!(sha256(bytes), a.sha256);
        }
    }
    // Without the state file, HEAD finds everything already there.
    std::fs::remove_file(project.join("dist/publish-state.json")).unwrap();
    let again = run(tug(project).arg("publish").env("NEXUS_KEY", "k3y"));
    assert!(
        again
            .stderr
            .contains("Published nexus: 0 uploaded (0 B), 6 already published"),
        "{}",
        again.stderr
    );
    // An unset variable a template needs is refused before anything is sent, naming the field.
    let out = run(tug(project).arg("publish").env_remove("NEXUS_KEY"));
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr
            .contains("`env.NEXUS_KEY` in `publish[0].headers.X-Api-Key` is not set in this run"),
        "{}",
        out.stderr
    );
}

/// Write a tiny base image as an OCI layout in `dir` and push it to `reference` with skopeo:
/// one layer holding `/etc/base-release`, a config with `Env` and `WorkingDir`, for each of
/// `arches` (an index when several, a single manifest when one). Returns the layer's digest and
/// diff_id.
fn push_base_image(dir: &Path, reference: &str, arches: &[&str]) -> (String, String) {
    use std::io::Write;
    let blobs = dir.join("blobs/sha256");
    std::fs::create_dir_all(&blobs).unwrap();
    let put = |bytes: &[u8]| {
        let hex = sha256(bytes);
        std::fs::write(blobs.join(&hex), bytes).unwrap();
        serde_json::json!({ "digest": format!("sha256:{hex}"), "size": bytes.len() })
    };
    let mut tar = tar::Builder::new(Vec::new());
    for (path, kind, body) in [
        ("etc/", tar::EntryType::Directory, &b""[..]),
        (
            "etc/base-release",
            tar::EntryType::Regular,
            &b"base 1.0\n"[..],
        ),
    ] {
        let mut h = tar::Header::new_ustar();
        h.set_entry_type(kind);
        h.set_mode(0o755);
        h.set_mtime(1);
        h.set_size(body.len() as u64);
        tar.append_data(&mut h, path, body).unwrap();
    }
    let tar = tar.into_inner().unwrap();
    let mut gz = flate2::GzBuilder::new()
        .mtime(0)
        .write(Vec::new(), flate2::Compression::default());
    gz.write_all(&tar).unwrap();
    let mut layer = put(&gz.finish().unwrap());
    layer["mediaType"] = "application/vnd.oci.image.layer.v1.tar+gzip".into();
    let diff_id = format!("sha256:{}", sha256(&tar));
    let mut manifests = Vec::new();
    for arch in arches {
        let config = serde_json::json!({
            "architecture": arch, "os": "linux",
            "config": { "Env": ["PATH=/bin", "BASE=1"], "WorkingDir": "/srv", "Cmd": ["sh"] },
            "rootfs": { "type": "layers", "diff_ids": [diff_id] },
            "history": [{ "created_by": "base layer" }],
        });
        let mut config_d = put(&serde_json::to_vec(&config).unwrap());
        config_d["mediaType"] = "application/vnd.oci.image.config.v1+json".into();
        let manifest = serde_json::json!({
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": config_d, "layers": [layer],
        });
        let mut d = put(&serde_json::to_vec(&manifest).unwrap());
        d["mediaType"] = "application/vnd.oci.image.manifest.v1+json".into();
        d["platform"] = serde_json::json!({ "architecture": arch, "os": "linux" });
        manifests.push(d);
    }
    let top = if manifests.len() == 1 {
        manifests.pop().unwrap()
    } else {
        let index = serde_json::json!({
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.index.v1+json",
            "manifests": manifests,
        });
        let mut d = put(&serde_json::to_vec(&index).unwrap());
        d["mediaType"] = "application/vnd.oci.image.index.v1+json".into();
        d
    };
    let mut top = top;
    top["annotations"] = serde_json::json!({ "org.opencontainers.image.ref.name": "base" });
    std::fs::write(
        dir.join("index.json"),
        serde_json::to_vec(&serde_json::json!({ "schemaVersion": 2, "manifests": [top] })).unwrap(),
    )
    .unwrap();
    std::fs::write(dir.join("oci-layout"), r#"{"imageLayoutVersion":"1.0.0"}"#).unwrap();
    skopeo(&[
        "copy",
        "--all",
        "--dest-tls-verify=false",
        &format!("oci:{}:base", dir.display()),
        &format!("docker://{reference}"),
    ]);
    (layer["digest"].as_str().unwrap().to_string(), diff_id)
}

#[test]
fn images_on_a_base_from_the_registry_reuse_its_layers_and_run() {
    let reg = Registry::shared();
    let tmp = tempdir();
    let project = tmp.path().join("project");
    std::fs::create_dir_all(&project).unwrap();
    make_dist(&project, 1000);
    let (base_layer, base_diff_id) = push_base_image(
        &tmp.path().join("base"),
        &format!("{}/base/busybox:1.0", reg.addr),
        &["amd64", "arm64"],
    );
    // Through a logging proxy, to see how the base's layer gets there.
    let proxy = FlakyProxy::start(&reg.addr);
    let base = format!("{}/base/busybox:1.0", proxy.addr);
    let yaml = oci_config(&proxy.addr, "based", true, &format!("      base: {base}\n"));
    std::fs::write(project.join("tug.yaml"), &yaml).unwrap();
    let out = run(tug(&project).arg("publish"));
    assert_eq!(out.code, 0, "{}", out.stderr);
    // Same registry: the base's layer is mounted from its repository, never uploaded.
    let base_hex = base_layer.trim_start_matches("sha256:");
    assert_eq!(
        proxy.count(|l| l.contains("mount=sha256%3A")
            && l.contains(base_hex)
            && l.ends_with(" 201")),
        1,
        "{:?}",
        proxy.log.lock().unwrap()
    );
    assert_eq!(
        proxy.count(|l| l.starts_with("PUT") && l.contains(base_hex)),
        0
    );

    // skopeo copies the linux/amd64 image: the base's layer first, tug's last.
    let image = format!("docker://{}/acme/based-image:1.0.0", reg.addr);
    let copied = copy_amd64_image(&image);
    let layers: Vec<&str> = copied.manifest["layers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["digest"].as_str().unwrap())
        .collect();
    assert_eq!(layers.len(), 2, "{}", copied.manifest);
    assert_eq!(layers[0], base_layer);
    assert_eq!(
        std::fs::read_to_string(copied.rootfs.path().join("etc/base-release")).unwrap(),
        "base 1.0\n"
    );
    assert_eq!(copied.run_hello(), "hello 1.0.0\n");
    let config = &copied.config;
    assert_eq!(
        config["config"]["Env"],
        serde_json::json!(["PATH=/bin", "BASE=1"])
    );
    assert_eq!(config["config"]["WorkingDir"], "/srv");
    assert_eq!(
        config["config"]["Entrypoint"],
        serde_json::json!(["/usr/local/bin/hello"])
    );
    assert!(config["config"].get("Cmd").is_none(), "{config}");
    assert_eq!(config["rootfs"]["diff_ids"][0], base_diff_id);
    assert_eq!(config["rootfs"]["diff_ids"].as_array().unwrap().len(), 2);
    assert_eq!(config["history"][0]["created_by"], "base layer");
    assert_eq!(config["history"][1]["created_by"], "tug publish");

    // Reproducible: publishing again from scratch (no state) gives the same digests.
    let digest = |r: &str| {
        skopeo(&[
            "inspect",
            "--tls-verify=false",
            "--format",
            "{{.Digest}}",
            r,
        ])
    };
    let first = digest(&image);
    std::fs::remove_file(project.join("dist/publish-state.json")).unwrap();
    let again = run(tug(&project).arg("publish"));
    assert_eq!(again.code, 0, "{}", again.stderr);
    assert!(!again.stderr.contains("Uploaded"), "{}", again.stderr);
    assert_eq!(digest(&image), first);

    // A base on another registry: its layer is copied (fetched, then uploaded).
    let other = Registry::start();
    let elsewhere = format!("{}/base/busybox:1.0", other.addr);
    push_base_image(
        &tmp.path().join("base-other"),
        &elsewhere,
        &["amd64", "arm64"],
    );
    std::fs::write(
        project.join("tug.yaml"),
        yaml.replace(&base, &elsewhere)
            .replace("acme/based-image", "acme/based3-image"),
    )
    .unwrap();
    proxy.clear_log();
    let copied_out = run(tug(&project).arg("publish"));
    assert_eq!(copied_out.code, 0, "{}", copied_out.stderr);
    assert_eq!(proxy.count(|l| l.contains("mount=")), 0);
    assert_eq!(
        proxy.count(|l| l.starts_with("PUT") && l.contains(base_hex) && l.ends_with(" 201")),
        1,
        "{:?}",
        proxy.log.lock().unwrap()
    );
    let moved = inspect_raw(&format!("{}/acme/based3-image:1.0.0", reg.addr));
    let amd64 = inspect_raw(&format!(
        "{}/acme/based3-image@{}",
        reg.addr,
        moved["manifests"][0]["digest"].as_str().unwrap()
    ));
    assert_eq!(amd64["layers"][0]["digest"], base_layer);

    // A base without one of the release's platforms is refused, naming what it has.
    push_base_image(
        &tmp.path().join("base-amd64"),
        &format!("{}/base/busybox:amd64", reg.addr),
        &["amd64"],
    );
    let amd64_only = format!("{}/base/busybox:amd64", proxy.addr);
    std::fs::write(
        project.join("tug.yaml"),
        yaml.replace(&base, &amd64_only)
            .replace("acme/based-image", "acme/based2-image"),
    )
    .unwrap();
    let refused = run(tug(&project).arg("publish"));
    insta::assert_snapshot!(refused.snapshot(&[(&project, "[TMP]")]).replace(&proxy.addr, "[REG]"), @r"
    exit: 2
    --- stdout
    --- stderr
      Publishing registry (oci) to [REG]/acme/based + [REG]/acme/based2-image
    error: base image [REG]/base/busybox:amd64 has no linux/arm64 image (it has: linux/amd64)
    hint: choose an `images.base` with every Linux platform the release builds, or build only the platforms it has
    ");
}

#[test]
fn registry_with_basic_auth_takes_docker_config_or_env_credentials() {
    let reg = Registry::start_with_auth("alice", "s3cret pass");
    let tmp = tempdir();
    let project = tmp.path();
    make_dist(project, 0);
    std::fs::write(
        project.join("tug.yaml"),
        oci_config(&reg.addr, "hello", false, ""),
    )
    .unwrap();
    let docker = tmp.path().join("docker");
    std::fs::create_dir_all(&docker).unwrap();

    // No credentials anywhere: refused by the registry, nothing published, a way forward.
    let out = run(tug(project).arg("publish").env("DOCKER_CONFIG", &docker));
    assert_eq!(out.code, 1, "{out:?}");
    assert!(
        out.stderr
            .contains("authentication failed: the registry wants a user name and password")
            && out.stderr.contains("hint: set credentials (docker login"),
        "{}",
        out.stderr
    );

    // Wrong credentials in the environment: refused too.
    let out = run(tug(project)
        .arg("publish")
        .env("DOCKER_CONFIG", &docker)
        .env("TUG_REGISTRY_USERNAME", "alice")
        .env("TUG_REGISTRY_PASSWORD", "wrong"));
    assert_eq!(out.code, 1, "{out:?}");
    assert!(
        out.stderr.contains(
            "authentication failed: the registry refused the credentials of \"alice\" (from TUG_REGISTRY_USERNAME/TUG_REGISTRY_PASSWORD)"
        ),
        "{}",
        out.stderr
    );

    // The Docker config file `docker login` writes.
    use base64::Engine as _;
    let auth = base64::engine::general_purpose::STANDARD.encode("alice:s3cret pass");
    std::fs::write(
        docker.join("config.json"),
        format!(
            "{{\"auths\": {{\"{}\": {{\"auth\": \"{auth}\"}}}}}}",
            reg.addr
        ),
    )
    .unwrap();
    let out = run(tug(project).arg("publish").env("DOCKER_CONFIG", &docker));
    assert_eq!(out.code, 0, "{out:?}");
    // skopeo, with the same credentials, finds the release artifact.
    let raw: serde_json::Value = serde_json::from_str(&skopeo(&[
        "inspect",
        "--raw",
        "--tls-verify=false",
        "--creds",
        "alice:s3cret pass",
        &format!("docker://{}/acme/hello:1.0.0", reg.addr),
    ]))
    .unwrap();
    assert_eq!(raw["artifactType"], "application/vnd.tug.release.v1+json");
    // And without them it cannot (the registry really checks).
    let anon = Command::new("skopeo")
        .args(["inspect", "--tls-verify=false", "--raw"])
        .arg(format!("docker://{}/acme/hello:1.0.0", reg.addr))
        .env("REGISTRY_AUTH_FILE", docker.join("none.json"))
        .output()
        .unwrap();
    assert!(!anon.status.success());

    // A Docker credential helper (the real protocol: `get`, the server on stdin, JSON out), named
    // by `credsStore`, or by `credHelpers` for this registry, which wins over `credsStore`.
    let bin = tmp.path().join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let log = tmp.path().join("helper.log");
    let helper = |name: &str, body: &str| {
        let path = bin.join(format!("docker-credential-{name}"));
        std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    };
    helper(
        "tugtest",
        &format!(
            "read server\necho \"$1 $server\" >> {}\nif [ \"$server\" = \"{}\" ]; then printf '{{\"ServerURL\":\"%s\",\"Username\":\"alice\",\"Secret\":\"s3cret pass\"}}' \"$server\"; else echo 'credentials not found in native keychain'; exit 1; fi",
            log.display(),
            reg.addr
        ),
    );
    helper("broken", "echo 'helper exploded' >&2; exit 3");
    let path = path_with(&bin);
    let with_config = |json: String| {
        std::fs::write(docker.join("config.json"), json).unwrap();
        run(tug(project)
            .arg("publish")
            .env("DOCKER_CONFIG", &docker)
            .env("PATH", &path))
    };
    let out = with_config(r#"{"credsStore": "tugtest"}"#.into());
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(
        std::fs::read_to_string(&log).unwrap(),
        format!("get {}\n", reg.addr)
    );
    let out = with_config(format!(
        r#"{{"credsStore": "broken", "credHelpers": {{"{}": "tugtest"}}}}"#,
        reg.addr
    ));
    assert_eq!(out.code, 0, "{out:?}");
    // A failing helper is an error naming it, not anonymous access.
    let out = with_config(r#"{"credsStore": "broken"}"#.into());
    assert_eq!(out.code, 1, "{out:?}");
    assert!(
        out.stderr.contains("docker-credential-broken") && out.stderr.contains("helper exploded"),
        "{}",
        out.stderr
    );
    // A malformed config.json is an error naming the file.
    let out = with_config(r#"{"credsStore": "tugtest""#.into());
    assert_eq!(out.code, 1, "{out:?}");
    assert!(
        out.stderr.contains("config.json") && out.stderr.contains("not valid JSON"),
        "{}",
        out.stderr
    );
}

/// The blobs the registry stores (distribution's filesystem layout), by hex digest.
fn stored_blobs(reg: &Registry) -> std::collections::BTreeSet<String> {
    let root = reg.storage.join("docker/registry/v2/blobs/sha256");
    let mut found = std::collections::BTreeSet::new();
    for prefix in std::fs::read_dir(&root).into_iter().flatten().flatten() {
        for blob in std::fs::read_dir(prefix.path())
            .into_iter()
            .flatten()
            .flatten()
        {
            found.insert(blob.file_name().to_string_lossy().into_owned());
        }
    }
    found
}

#[test]
fn a_manifest_deleted_after_publish_is_restored_by_the_next_run() {
    let reg = Registry::start();
    let tmp = tempdir();
    let project = tmp.path();
    make_dist(project, 1000);
    std::fs::write(
        project.join("tug.yaml"),
        oci_config(&reg.addr, "hello", false, ""),
    )
    .unwrap();
    ok(tug(project).arg("publish"));
    let digest = manifest_digest(&reg.addr, "hello");
    let delete = http_status(
        "DELETE",
        &format!(
            "http://{}/v2/acme/hello/manifests/sha256:{digest}",
            reg.addr
        ),
    );
    assert_eq!(delete.stdout, "202", "{delete:?}");
    let gone = run(Command::new("curl")
        .arg("-sf")
        .arg(format!("http://{}/v2/acme/hello/manifests/1.0.0", reg.addr)));
    assert_ne!(
        gone.code, 0,
        "the registry still serves the deleted manifest"
    );

    // The state file says everything is published; the registry says otherwise and wins.
    let again = run(tug(project).arg("publish"));
    assert_eq!(again.code, 0, "{}", again.stderr);
    assert!(
        again
            .stderr
            .contains("Uploaded registry: release artifact (1.0.0)"),
        "{}",
        again.stderr
    );
    assert_eq!(manifest_digest(&reg.addr, "hello"), digest);
}

#[test]
fn a_tag_holding_another_release_is_refused_before_any_blob_is_uploaded() {
    let reg = Registry::start();
    let proxy = FlakyProxy::start(&reg.addr);
    let first = tempdir();
    make_dist(first.path(), 1000);
    std::fs::write(
        first.path().join("tug.yaml"),
        oci_config(&proxy.addr, "hello", false, ""),
    )
    .unwrap();
    ok(tug(first.path()).arg("publish"));
    let published = manifest_digest(&reg.addr, "hello");

    // Same version, other bytes (another archive size): the 1.0.0 tag is taken.
    let second = tempdir();
    let m = make_dist(second.path(), 3000);
    std::fs::write(
        second.path().join("tug.yaml"),
        oci_config(&proxy.addr, "hello", false, ""),
    )
    .unwrap();
    let before = stored_blobs(&reg);
    proxy.clear_log();
    let refused = run(tug(second.path()).arg("publish"));
    assert_eq!(refused.code, 1, "{}", refused.stderr);
    assert!(
        refused
            .stderr
            .contains("already exists with different content"),
        "{}",
        refused.stderr
    );
    assert!(refused.stderr.contains("--replace"), "{}", refused.stderr);
    assert_eq!(
        proxy.count(|l| l.contains("/blobs/uploads/")),
        0,
        "no upload was started"
    );
    assert_eq!(stored_blobs(&reg), before, "no blob reached the registry");
    let archive = m
        .artifacts
        .iter()
        .find(|a| a.kind == ArtifactKind::Archive)
        .unwrap();
    assert!(!before.contains(&archive.sha256));
    assert_eq!(manifest_digest(&reg.addr, "hello"), published);

    // --replace moves the tag.
    ok(tug(second.path()).args(["publish", "--replace"]));
    assert_ne!(manifest_digest(&reg.addr, "hello"), published);
    assert!(stored_blobs(&reg).contains(&archive.sha256));
}

/// The digest of what `reference` (a tag) points to, as the registry serves it.
fn digest_of(reference: &str) -> String {
    format!(
        "sha256:{}",
        sha256(
            skopeo(&[
                "inspect",
                "--raw",
                "--tls-verify=false",
                &format!("docker://{reference}")
            ])
            .as_bytes()
        )
    )
}

/// The real cosign, in `dir`, verifies `image` with `key` (no transparency log).
fn cosign_verifies(dir: &Path, key: &str, image: &str) -> Outcome {
    run(crate::cosign::cosign(dir)
        .args(["verify", "--key", key, "--insecure-ignore-tlog"])
        .args(["--allow-insecure-registry", image]))
}

/// A fresh cosign key pair in `dir` signs `image` with the real cosign (no transparency log, no
/// signing config; `extra` flags added).
fn cosign_signs(dir: &Path, image: &str, extra: &[&str]) {
    std::fs::create_dir_all(dir).unwrap();
    ok(crate::cosign::cosign(dir).arg("generate-key-pair"));
    ok(crate::cosign::cosign(dir)
        .args([
            "sign",
            "--yes",
            "--key",
            "cosign.key",
            "--allow-insecure-registry",
        ])
        .args(["--tlog-upload=false", "--use-signing-config=false"])
        .args(extra)
        .arg(image));
}

#[test]
fn tug_verify_image_accepts_tug_and_cosign_signatures_and_tug_keeps_cosigns() {
    let reg = Registry::shared();
    let tmp = tempdir();
    let project = tmp.path();
    make_dist(project, 1000);
    let layout = |signatures: &str| {
        oci_config(&reg.addr, "both", true, "").replace(
            "    chunk_size: 1048576\n",
            &format!("    chunk_size: 1048576\n    signatures: {signatures}\n"),
        )
    };
    let (config, unsigned) = (layout("classic"), layout("none"));
    assert_ne!(config, unsigned);
    std::fs::write(project.join("tug.yaml"), &unsigned).unwrap();
    ok(tug(project).arg("publish"));
    let index = format!(
        "{}/acme/both-image@{}",
        reg.addr,
        digest_of(&format!("{}/acme/both-image:1.0.0", reg.addr))
    );
    let verify = |key: &str| run(tug(project).args(["verify", "--key", key, "--image", &index]));
    // `tug verify --key key` of the index exits with `code`, saying `says`.
    let verify_says = |key: &str, code: i32, says: &str| {
        let out = verify(key);
        assert_eq!(out.code, code, "{key}: {out:?}");
        assert!(out.stderr.contains(says), "{key}: {}", out.stderr);
    };

    // `signatures: none`: nothing in the registry to verify.
    verify_says("cosign.pub", 1, "has no cosign signatures");

    // cosign signs the index with its own key (the classic layout); tug verifies it.
    cosign_signs(
        &tmp.path().join("other"),
        &index,
        &["--new-bundle-format=false"],
    );
    verify_says("other/cosign.pub", 0, "1 of 1 signature(s) valid");
    // The release key did not sign it.
    verify_says("cosign.pub", 1, "none of the 1 signature(s)");

    // Now tug signs: its signature is added beside cosign's, which stays valid.
    std::fs::write(project.join("tug.yaml"), &config).unwrap();
    ok(tug(project).arg("publish"));
    let index_hex = index.rsplit(':').next().unwrap();
    let sig = inspect_raw(&format!(
        "{}/acme/both-image:sha256-{index_hex}.sig",
        reg.addr
    ));
    let layers = sig["layers"].as_array().unwrap();
    assert_eq!(layers.len(), 2, "cosign's and tug's: {sig}");
    for layer in layers {
        assert_eq!(
            layer["mediaType"],
            "application/vnd.dev.cosign.simplesigning.v1+json"
        );
        assert!(layer["annotations"]["dev.cosignproject.cosign/signature"].is_string());
    }
    let payload = Command::new("curl")
        .arg("-sf")
        .arg(format!(
            "http://{}/v2/acme/both-image/blobs/{}",
            reg.addr,
            layers[1]["digest"].as_str().unwrap()
        ))
        .output()
        .unwrap();
    let payload: serde_json::Value = serde_json::from_slice(&payload.stdout).unwrap();
    assert_eq!(
        payload["critical"]["identity"]["docker-reference"],
        format!("{}/acme/both-image", reg.addr)
    );
    assert_eq!(
        payload["critical"]["image"]["docker-manifest-digest"],
        index.rsplit('@').next().unwrap()
    );
    for key in ["cosign.pub", "other/cosign.pub"] {
        verify_says(key, 0, "1 of 2 signature(s) valid");
        let cosign = cosign_verifies(project, key, &index);
        assert_eq!(cosign.code, 0, "cosign verify --key {key}: {cosign:?}");
    }
    // A re-run finds its signature there and pushes nothing.
    let again = run(tug(project).arg("publish"));
    assert_eq!(again.code, 0, "{}", again.stderr);
    assert!(!again.stderr.contains("Uploaded"), "{}", again.stderr);
    assert!(verify("other/cosign.pub").stderr.contains("1 of 2"));

    // cosign 3's default layout (a bundle referrer) from `cosign sign`, and tug's own bundle
    // (`signatures: bundle`): tug reads both layouts, and cosign verifies tug's bundle.
    cosign_signs(&tmp.path().join("third"), &index, &[]);
    verify_says("third/cosign.pub", 0, "1 of 3 signature(s) valid");
    std::fs::write(project.join("tug.yaml"), layout("bundle")).unwrap();
    ok(tug(project).arg("publish"));
    let fallback = inspect_raw(&format!("{}/acme/both-image:sha256-{index_hex}", reg.addr));
    assert_eq!(
        fallback["manifests"].as_array().unwrap().len(),
        2,
        "cosign's referrer is kept beside tug's: {fallback}"
    );
    // The release key made the classic and the bundle signature; cosign's key one bundle.
    for (key, valid) in [("cosign.pub", "2 of 4"), ("third/cosign.pub", "1 of 4")] {
        verify_says(key, 0, valid);
    }
    // cosign finds tug's bundle without the classic signature: only the bundle layout
    // is signed by the release key in a fresh repository.
    std::fs::write(
        project.join("tug.yaml"),
        oci_config(&reg.addr, "bundled", true, ""),
    )
    .unwrap();
    ok(tug(project).arg("publish"));
    let bundled = format!(
        "{}/acme/bundled-image@{}",
        reg.addr,
        digest_of(&format!("{}/acme/bundled-image:1.0.0", reg.addr))
    );
    let cosign = cosign_verifies(project, "cosign.pub", &bundled);
    assert_eq!(cosign.code, 0, "cosign verify of tug's bundle: {cosign:?}");
    let tampered = cosign_verifies(project, "third/cosign.pub", &bundled);
    assert_ne!(
        tampered.code, 0,
        "another key verified tug's bundle: {tampered:?}"
    );

    // A tag instead of a digest is a usage error.
    let tag = run(tug(project).args([
        "verify",
        "--image",
        &format!("{}/acme/both-image:1.0.0", reg.addr),
    ]));
    assert_eq!(tag.code, 2, "{tag:?}");
    assert!(
        tag.stderr.contains("hint: name the image by digest"),
        "{}",
        tag.stderr
    );
}

#[test]
fn a_chunked_upload_resumes_from_the_confirmed_offset_and_abandoned_sessions_are_cancelled() {
    let reg = Registry::start();
    let proxy = FlakyProxy::start(&reg.addr);
    let tmp = tempdir();
    let project = tmp.path();
    // 64 KiB chunks: every file of the release above that goes up in PATCHes.
    let m = make_dist(project, 1 << 20);
    let chunk = 64 << 10;
    let chunks: u64 = m
        .artifacts
        .iter()
        .filter(|a| a.size > chunk)
        .map(|a| a.size.div_ceil(chunk))
        .sum();
    let config = oci_config(&proxy.addr, "resume", false, "    concurrency: 1\n")
        .replace("chunk_size: 1048576", &format!("chunk_size: {chunk}"));
    std::fs::write(project.join("tug.yaml"), &config).unwrap();
    // After the first blob (the small config), the final PUT of the next one, the first binary
    // (chunked), fails twice: all its chunks are already on the registry.
    let faults = proxy.faults.clone();
    proxy.faults.hook_after.store(1, Ordering::SeqCst);
    *proxy.faults.after_uploads.lock().unwrap() = Some(Box::new(move || {
        faults.fail_blob_puts.store(2, Ordering::SeqCst)
    }));
    let out = run(tug(project).arg("publish"));
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(
        out.stderr.matches("retrying in").count(),
        2,
        "{}",
        out.stderr
    );
    // Each chunk went up once (no restart from byte 0: bytes sent <= size + one chunk), and each
    // retry asked the registry for the confirmed offset first.
    let patches = proxy.count(|l| l.starts_with("PATCH ") && l.ends_with(" 202")) as u64;
    assert!(
        patches <= chunks + 1,
        "{patches} PATCHes for {chunks} chunks: the upload restarted"
    );
    assert!(
        proxy.count(|l| l.starts_with("GET ")
            && l.contains("/blobs/uploads/")
            && l.ends_with(" 204"))
            >= 1,
        "the offset was asked for"
    );
    assert_eq!(
        manifest_digest(&proxy.addr, "resume").len(),
        64,
        "the release is complete"
    );

    // A blob that never goes through: its session is cancelled, nothing is left on the registry.
    let tmp2 = tempdir();
    make_dist(tmp2.path(), 1 << 20);
    std::fs::write(
        tmp2.path().join("tug.yaml"),
        config.replace("acme/resume", "acme/abandoned"),
    )
    .unwrap();
    proxy.clear_log();
    proxy
        .faults
        .fail_blob_puts
        .store(usize::MAX, Ordering::SeqCst);
    let out = run(tug(tmp2.path()).arg("publish"));
    proxy.faults.fail_blob_puts.store(0, Ordering::SeqCst);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(
        proxy.count(|l| l.starts_with("DELETE ")
            && l.contains("/blobs/uploads/")
            && l.ends_with(" 204"))
            >= 1,
        "no session cancelled: {:?}",
        proxy.log.lock().unwrap()
    );
    // The registry no longer knows any of the sessions (GET on a cancelled upload URL is 404),
    // and holds none of their bytes.
    let sessions: Vec<String> = proxy
        .log
        .lock()
        .unwrap()
        .iter()
        .filter_map(|l| l.strip_prefix("DELETE "))
        .map(|l| l.rsplit_once(' ').unwrap().0.to_string())
        .collect();
    assert!(!sessions.is_empty());
    for path in &sessions {
        let status = http_status("GET", &format!("http://{}{path}", reg.addr));
        assert_eq!(status.stdout, "404", "{path} is still open");
    }
    let uploads = reg
        .storage
        .join("docker/registry/v2/repositories/acme/abandoned/_uploads");
    let data: Vec<PathBuf> = walk_files(&uploads)
        .into_iter()
        .filter(|p| p.file_name().is_some_and(|n| n == "data"))
        .collect();
    assert!(data.is_empty(), "partial uploads left behind: {data:?}");
}

fn walk_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(walk_files(&path));
        } else {
            out.push(path);
        }
    }
    out
}

#[test]
fn a_signed_release_is_not_published_unsigned_when_the_key_is_missing() {
    let reg = Registry::shared();
    let tmp = tempdir();
    let project = tmp.path();
    make_dist(project, 1000);
    std::fs::remove_file(project.join("cosign.key")).unwrap();
    let config = oci_config(&reg.addr, "keyless", false, "");
    std::fs::write(project.join("tug.yaml"), &config).unwrap();
    let out = run(tug(project).arg("publish"));
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr
            .contains("error: publisher registry signs the images it pushes with the release key"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("signatures: none"), "{}", out.stderr);
    assert!(
        !reg.storage
            .join("docker/registry/v2/repositories/acme/keyless")
            .exists(),
        "nothing was pushed"
    );
    // Saying so publishes it without registry signatures.
    std::fs::write(
        project.join("tug.yaml"),
        config.replace(
            "    chunk_size: 1048576\n",
            "    chunk_size: 1048576\n    signatures: none\n",
        ),
    )
    .unwrap();
    ok(tug(project).arg("publish"));
    let digest = manifest_digest(&reg.addr, "keyless");
    let unsigned = run(Command::new("curl").arg("-sf").arg(format!(
        "http://{}/v2/acme/keyless/manifests/sha256-{digest}",
        reg.addr
    )));
    assert_ne!(
        unsigned.code, 0,
        "no referrers index for an unsigned publish"
    );
}

/// The upload session `dist/publish-state.json` records for the blob `sha256` (hex), if any.
fn recorded_session(project: &Path, sha256: &str) -> Option<serde_json::Value> {
    let state: serde_json::Value =
        serde_json::from_slice(&std::fs::read(project.join("dist/publish-state.json")).unwrap())
            .unwrap();
    state["publishers"]["registry"]["uploads"]
        .as_object()?
        .values()
        .find(|s| s["sha256"] == sha256)
        .cloned()
}

/// A `method` request to `url` by curl, whose stdout is the HTTP status code.
fn http_status(method: &str, url: &str) -> Outcome {
    run(Command::new("curl")
        .args(["-s", "-o", "/dev/null", "-w", "%{http_code}", "-X", method])
        .arg(url))
}

/// The `/v2/.../blobs/uploads/<uuid>` path of an upload URL, without its `_state` query (which
/// changes with every chunk), to find the session's requests in the proxy log.
fn upload_path(location: &str) -> String {
    upload_request(location)
        .split('?')
        .next()
        .unwrap()
        .to_string()
}

/// An upload URL's path and query (distribution needs the signed `_state` of a session).
fn upload_request(location: &str) -> String {
    let path = location.split_once("/v2/").map_or(location, |(_, p)| p);
    format!("/v2/{path}")
}

/// A publish cut off by killing the registry after `patches` chunks of the chunked blob
/// reached it; returns the session the state file recorded for `sha256`.
fn interrupted_publish(
    project: &Path,
    reg: &std::sync::Arc<Registry>,
    proxy: &FlakyProxy,
    patches: usize,
    sha256: &str,
) -> serde_json::Value {
    let killer = reg.clone();
    proxy
        .faults
        .arm_after_patches(patches, move || killer.kill());
    let out = run(tug(project).arg("publish"));
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(out.stderr.contains("gave up after"), "{}", out.stderr);
    reg.restart();
    recorded_session(project, sha256).unwrap_or_else(|| {
        panic!(
            "no upload session recorded: {}",
            std::fs::read_to_string(project.join("dist/publish-state.json")).unwrap()
        )
    })
}

#[test]
fn an_upload_cut_off_by_a_registry_restart_resumes_in_the_next_run_from_the_registrys_offset() {
    let reg = std::sync::Arc::new(Registry::start());
    let proxy = FlakyProxy::start(&reg.addr);
    let chunk: u64 = 4 << 20;
    let config = |repo: &str| {
        oci_config(&proxy.addr, repo, false, "    concurrency: 1\n")
            .replace("chunk_size: 1048576", &format!("chunk_size: {chunk}"))
    };
    let archive_of = |m: &Manifest| {
        m.artifacts
            .iter()
            .find(|a| a.kind == ArtifactKind::Archive)
            .unwrap()
            .clone()
    };

    // A: a 64 MiB archive (16 chunks), the registry killed after 5 of them.
    let a = tempdir();
    let big = archive_of(&make_dist(a.path(), 64 << 20));
    std::fs::write(a.path().join("tug.yaml"), config("big")).unwrap();
    proxy.clear_log();
    let session_a = interrupted_publish(a.path(), &reg, &proxy, 5, &big.sha256);
    assert_eq!(session_a["offset"], 5 * chunk, "{session_a}");
    assert_eq!(session_a["size"], big.size);
    let path_a = upload_path(session_a["location"].as_str().unwrap());
    let sent_before = proxy.bytes_forwarded(|l| l.starts_with("PATCH ") && l.contains(&path_a));
    assert_eq!(sent_before, 5 * chunk);

    // C: the same archive into the same repository, cut off after 2 chunks of its own session.
    let c = tempdir();
    make_dist(c.path(), 64 << 20);
    std::fs::write(c.path().join("tug.yaml"), config("big")).unwrap();
    let session_c = interrupted_publish(c.path(), &reg, &proxy, 2, &big.sha256);
    let path_c = upload_path(session_c["location"].as_str().unwrap());
    assert_ne!(path_a, path_c);

    // D: a session the registry no longer knows (cancelled behind tug's back, as an expired one).
    let d = tempdir();
    let small = archive_of(&make_dist(d.path(), 12 << 20));
    std::fs::write(d.path().join("tug.yaml"), config("expired")).unwrap();
    let session_d = interrupted_publish(d.path(), &reg, &proxy, 2, &small.sha256);
    let path_d = upload_path(session_d["location"].as_str().unwrap());
    let status = http_status(
        "DELETE",
        &format!(
            "http://{}{}",
            reg.addr,
            upload_request(session_d["location"].as_str().unwrap())
        ),
    );
    assert_eq!(status.stdout, "204");

    // A again, after the restart: it asks for the confirmed offset and sends only the rest.
    proxy.clear_log();
    let out = run(tug(a.path()).arg("publish"));
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        proxy.count(|l| l.starts_with("GET ") && l.contains(&path_a) && l.ends_with(" 204")) >= 1,
        "the offset was not asked for: {:?}",
        proxy.log.lock().unwrap()
    );
    let sent_after = proxy.bytes_forwarded(|l| l.starts_with("PATCH ") && l.contains(&path_a));
    assert_eq!(
        proxy.count(|l| l.starts_with("POST ")
            && l.contains("/blobs/uploads/")
            && !l.contains("mount=")) as u64,
        proxy.count(|l| l.starts_with("PUT ") && l.contains("/blobs/uploads/")) as u64 - 1,
        "every other blob had its own session, the archive continued A's: {:?}",
        proxy.log.lock().unwrap()
    );
    assert!(
        sent_before + sent_after <= big.size + chunk,
        "{sent_before} + {sent_after} bytes sent for a {} byte blob",
        big.size
    );
    assert_eq!(
        sent_before + sent_after,
        big.size,
        "no chunk was sent twice"
    );
    assert!(recorded_session(a.path(), &big.sha256).is_none());
    // The image is right: the registry holds the archive under its digest, byte for byte, and
    // skopeo reads the release artifact listing it.
    let raw = inspect_raw(&format!("{}/acme/big:1.0.0", reg.addr));
    assert!(raw["layers"]
        .as_array()
        .unwrap()
        .iter()
        .any(|l| l["digest"] == format!("sha256:{}", big.sha256) && l["size"] == big.size));
    let blob = Command::new("curl")
        .arg("-sf")
        .arg(format!(
            "http://{}/v2/acme/big/blobs/sha256:{}",
            reg.addr, big.sha256
        ))
        .output()
        .unwrap();
    assert_eq!(sha256(&blob.stdout), big.sha256);
    // The finished session is gone from the registry.
    let last_a = proxy
        .log
        .lock()
        .unwrap()
        .iter()
        .rev()
        .find(|l| l.starts_with("PATCH ") && l.contains(&path_a))
        .map(|l| l.split(' ').nth(1).unwrap().to_string())
        .unwrap();
    let status = http_status("GET", &format!("http://{}{last_a}", reg.addr));
    assert_eq!(status.stdout, "404", "{path_a} is still open");

    // C again: the registry has the blob now, so C's session is no longer needed: cancelled.
    proxy.clear_log();
    let out = run(tug(c.path()).arg("publish"));
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(
        proxy.count(|l| l.starts_with("DELETE ") && l.contains(&path_c) && l.ends_with(" 204")),
        1,
        "{:?}",
        proxy.log.lock().unwrap()
    );
    assert_eq!(proxy.count(|l| l.starts_with("PATCH ")), 0);
    assert!(recorded_session(c.path(), &big.sha256).is_none());

    // D again: the registry does not know its session (404): the blob restarts cleanly.
    proxy.clear_log();
    let out = run(tug(d.path()).arg("publish"));
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        proxy.count(|l| l.starts_with("GET ") && l.contains(&path_d) && l.ends_with(" 404")) >= 1,
        "{:?}",
        proxy.log.lock().unwrap()
    );
    assert_eq!(
        proxy.bytes_forwarded(|l| l.starts_with("PATCH ") && l.ends_with(" 202")),
        small.size,
        "the whole blob, once, in a new session"
    );
    assert!(recorded_session(d.path(), &small.sha256).is_none());
    let raw = inspect_raw(&format!("{}/acme/expired:1.0.0", reg.addr));
    assert!(raw["layers"]
        .as_array()
        .unwrap()
        .iter()
        .any(|l| l["digest"] == format!("sha256:{}", small.sha256)));

    // No upload session of any of them holds bytes on the registry.
    for repo in ["big", "expired"] {
        let uploads = reg.storage.join(format!(
            "docker/registry/v2/repositories/acme/{repo}/_uploads"
        ));
        let data: Vec<PathBuf> = walk_files(&uploads)
            .into_iter()
            .filter(|p| p.file_name().is_some_and(|n| n == "data"))
            .collect();
        assert!(data.is_empty(), "partial uploads left behind: {data:?}");
    }
}

/// The config blob of the linux/amd64 image in an OCI layout tug wrote, and the files of its
/// base layer.
fn layout_amd64_image(
    layout: &Path,
    name: &str,
) -> (serde_json::Value, BTreeMap<String, (u64, Vec<u8>)>) {
    let blob = |digest: &serde_json::Value| {
        std::fs::read(
            layout
                .join("blobs/sha256")
                .join(digest.as_str().unwrap().trim_start_matches("sha256:")),
        )
        .unwrap()
    };
    let json = |bytes: Vec<u8>| serde_json::from_slice::<serde_json::Value>(&bytes).unwrap();
    let idx = json(std::fs::read(layout.join("index.json")).unwrap());
    let entry = idx["manifests"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["annotations"]["org.opencontainers.image.ref.name"] == name)
        .unwrap();
    let index = json(blob(&entry["digest"]));
    let amd64 = index["manifests"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["platform"]["architecture"] == "amd64")
        .unwrap();
    let manifest = json(blob(&amd64["digest"]));
    let config = json(blob(&manifest["config"]["digest"]));
    let layer = blob(&manifest["layers"][0]["digest"]);
    let mut files = BTreeMap::new();
    let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(layer.as_slice()));
    for e in archive.entries().unwrap() {
        let mut e = e.unwrap();
        let path = e.path().unwrap().display().to_string();
        let uid = e.header().uid().unwrap();
        let mut body = Vec::new();
        std::io::Read::read_to_end(&mut e, &mut body).unwrap();
        files.insert(path, (uid, body));
    }
    (config, files)
}

#[test]
fn image_user_and_ca_bundle_are_configurable_and_bad_values_are_refused() {
    let tmp = tempdir();
    let project = tmp.path();
    make_dist(project, 1 << 10);
    std::fs::write(
        project.join("ca.pem"),
        "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n",
    )
    .unwrap();
    let layout = tempdir();
    // `tug publish --oci-layout` with these keys added to the images.
    let publish = |images_extra: &str| {
        let yaml = oci_config("127.0.0.1:1", "hello", true, "")
            .replace("-image\n", &format!("-image\n{images_extra}"));
        std::fs::write(project.join("tug.yaml"), yaml).unwrap();
        run(tug(project)
            .arg("publish")
            .arg("--oci-layout")
            .arg(layout.path()))
    };

    // Another user and another CA bundle: both in the image, and the bundle in the layer digest.
    let out = publish("      user: \"0:0\"\n      ca_certificates: ca.pem\n");
    assert_eq!(out.code, 0, "{}", out.stderr);
    let (config, files) = layout_amd64_image(layout.path(), "acme/hello-image:1.0.0");
    assert_eq!(config["config"]["User"], "0:0");
    assert_eq!(
        files["etc/ssl/certs/ca-certificates.crt"].1,
        std::fs::read(project.join("ca.pem")).unwrap()
    );
    assert_eq!(files["home/nonroot/"].0, 65532);

    // A user the generated base does not know, and a CA bundle that is not there: refused, named.
    let out = publish("      user: daemon\n");
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr
            .contains("images.user: \"daemon\" is not known to the generated base"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("tug.yaml:"), "located: {}", out.stderr);
    let out = publish("      ca_certificates: missing.pem\n");
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr
            .contains("cannot read the CA certificates for the images' base")
            && out.stderr.contains("missing.pem")
            && out.stderr.contains("hint: fix `images.ca_certificates`"),
        "{}",
        out.stderr
    );
}

#[test]
fn a_rebuilt_dist_cancels_the_upload_session_its_predecessor_left() {
    let reg = std::sync::Arc::new(Registry::start());
    let proxy = FlakyProxy::start(&reg.addr);
    let tmp = tempdir();
    let project = tmp.path();
    // Chunks larger than the binaries: the archive is the one chunked blob.
    let chunk: u64 = 2 << 20;
    let m = make_dist(project, 5 << 20);
    let archive = m
        .artifacts
        .iter()
        .find(|a| a.kind == ArtifactKind::Archive)
        .unwrap()
        .clone();
    std::fs::write(
        project.join("tug.yaml"),
        oci_config(&proxy.addr, "rebuilt", false, "    concurrency: 1\n")
            .replace("chunk_size: 1048576", &format!("chunk_size: {chunk}")),
    )
    .unwrap();
    let session = interrupted_publish(project, &reg, &proxy, 1, &archive.sha256);
    let path = upload_path(session["location"].as_str().unwrap());

    // Other manifest bytes (as a rebuild gives): the state starts over, and the session the old
    // one recorded is cancelled, not left open on the registry.
    let manifest = project.join("dist/manifest.json");
    let mut bytes = std::fs::read(&manifest).unwrap();
    bytes.extend_from_slice(b"\n");
    std::fs::write(&manifest, bytes).unwrap();
    proxy.clear_log();
    let out = run(tug(project).arg("publish"));
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(
        proxy.count(|l| l.starts_with("DELETE ") && l.contains(&path) && l.ends_with(" 204")),
        1,
        "{:?}",
        proxy.log.lock().unwrap()
    );
    let status = http_status(
        "GET",
        &format!(
            "http://{}{}",
            reg.addr,
            upload_request(session["location"].as_str().unwrap())
        ),
    );
    assert_eq!(status.stdout, "404", "{path} is still open");
}

/// Identity tokens against the real registry with token authentication. The registry
/// (`docker-registry`, `auth: token:`) verifies every bearer token itself; the token server that
/// issues them is a STAND-IN (`harness/token_server.rs`: no real authorization server can run
/// here), speaking the distribution spec's GET-with-Basic and OAuth2 refresh-token protocols.
#[test]
fn a_token_auth_registry_takes_identity_tokens_from_the_docker_config_and_helpers() {
    use crate::harness::token_server::TokenRegistry;
    use base64::Engine as _;
    let treg = TokenRegistry::shared();
    let (addr, tokens) = (&treg.registry.addr, &treg.tokens);
    tokens.add_user("alice", "s3cret pass");
    let good = tokens.issue_refresh_token("alice");
    let tmp = tempdir();
    let project = tmp.path().join("project");
    std::fs::create_dir_all(&project).unwrap();
    make_dist(&project, 0);
    let docker = tmp.path().join("docker");
    std::fs::create_dir_all(&docker).unwrap();
    let config_json = docker.join("config.json");
    // What `docker login` writes for a token server that hands out refresh tokens: the user
    // without a password in `auth`, and the token as `identitytoken`.
    let login = |token: &str| {
        let auth = base64::engine::general_purpose::STANDARD.encode("alice:");
        std::fs::write(
            &config_json,
            format!(
                r#"{{"auths": {{"{addr}": {{"auth": "{auth}", "identitytoken": "{token}"}}}}}}"#
            ),
        )
        .unwrap();
    };
    let publish = |repo: &str, path: Option<&std::ffi::OsStr>| {
        std::fs::write(project.join("tug.yaml"), oci_config(addr, repo, false, "")).unwrap();
        let mut cmd = tug(&project);
        cmd.args(["publish", "-vv"]).env("DOCKER_CONFIG", &docker);
        if let Some(path) = path {
            cmd.env("PATH", path);
        }
        run(&mut cmd)
    };
    let skopeo_raw = |repo: &str| {
        Command::new("skopeo")
            .args([
                "inspect",
                "--raw",
                "--tls-verify=false",
                "--creds",
                "alice:s3cret pass",
            ])
            .arg(format!("docker://{addr}/acme/{repo}:1.0.0"))
            .env("REGISTRY_AUTH_FILE", tmp.path().join("none.json"))
            .output()
            .unwrap()
    };
    // No token ever reaches tug's output, even at -vv (trace).
    let leaks = |out: &Outcome, refresh: &str| {
        let text = format!("{}{}", out.stdout, out.stderr);
        assert!(
            !text.contains(refresh),
            "the identity token leaked:\n{text}"
        );
        for issued in tokens.issued() {
            assert!(!text.contains(&issued), "an access token leaked:\n{text}");
        }
    };

    // 1. The identity token from config.json: exchanged with the OAuth2 refresh-token grant.
    login(&good);
    tokens.clear_calls();
    let out = publish("hello-token", None);
    assert_eq!(out.code, 0, "{out:?}");
    leaks(&out, &good);
    let calls = tokens.calls();
    assert!(!calls.is_empty(), "tug never asked the token server");
    for c in &calls {
        assert_eq!(
            (
                c.method.as_str(),
                c.grant_type.as_str(),
                c.client_id.as_str()
            ),
            ("POST", "refresh_token", "tug"),
            "{calls:?}"
        );
        assert_eq!((c.refresh_token.as_str(), c.status), (good.as_str(), 200));
    }
    assert!(
        calls.iter().any(|c| c
            .scopes
            .iter()
            .any(|s| s == "repository:acme/hello-token:pull,push")),
        "{calls:?}"
    );
    // skopeo, an independent client (GET with Basic auth to the same token server), reads the
    // release artifact tug pushed; anonymously the registry refuses it (it really checks).
    let read = skopeo_raw("hello-token");
    assert!(
        read.status.success(),
        "{}",
        String::from_utf8_lossy(&read.stderr)
    );
    let raw: serde_json::Value = serde_json::from_slice(&read.stdout).unwrap();
    assert_eq!(raw["artifactType"], "application/vnd.tug.release.v1+json");
    let anon = Command::new("skopeo")
        .args(["inspect", "--raw", "--tls-verify=false"])
        .arg(format!("docker://{addr}/acme/hello-token:1.0.0"))
        .env("REGISTRY_AUTH_FILE", tmp.path().join("none.json"))
        .output()
        .unwrap();
    assert!(!anon.status.success());

    // 2. A wrong (expired, revoked) identity token: refused with the registry, the file and how
    // to renew it; nothing pushed, the token not shown.
    let bad = "tug-refresh-revoked-0123456789abcdef";
    login(bad);
    tokens.clear_calls();
    let out = publish("hello-revoked", None);
    assert_eq!(out.code, 1, "{out:?}");
    leaks(&out, bad);
    let realm = &tokens.realm;
    let file = config_json.display().to_string();
    assert!(
        out.stderr.contains(&format!(
            "registry {addr}: authentication failed: the token server {realm} refused the identity token from {file} (400 Bad Request: invalid_grant)"
        )) && out.stderr.contains(&format!(
            "hint: the identity token for {addr} in {file} is expired, revoked or not for this token server: log in again (`docker login {addr}` stores a new one)"
        )),
        "{}",
        out.stderr
    );
    assert!(tokens.calls().iter().all(|c| c.method == "POST"));
    assert!(!skopeo_raw("hello-revoked").status.success());
    assert!(!treg
        .registry
        .storage
        .join("docker/registry/v2/repositories/acme/hello-revoked")
        .exists());

    // 3. A credential helper answering the user `<token>`: its secret is an identity token.
    let helper_token = tokens.issue_refresh_token("alice");
    let bin = tmp.path().join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let helper = bin.join("docker-credential-tugtoken");
    std::fs::write(
        &helper,
        format!(
            "#!/bin/sh\nread server\nprintf '{{\"ServerURL\":\"%s\",\"Username\":\"<token>\",\"Secret\":\"{helper_token}\"}}' \"$server\"\n"
        ),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::set_permissions(&helper, std::fs::Permissions::from_mode(0o755)).unwrap();
    let path = path_with(&bin);
    std::fs::write(&config_json, r#"{"credsStore": "tugtoken"}"#).unwrap();
    tokens.clear_calls();
    let out = publish("hello-helper", Some(&path));
    assert_eq!(out.code, 0, "{out:?}");
    leaks(&out, &helper_token);
    let calls = tokens.calls();
    assert!(
        !calls.is_empty()
            && calls
                .iter()
                .all(|c| c.method == "POST" && c.refresh_token == helper_token && c.status == 200),
        "{calls:?}"
    );
    assert!(skopeo_raw("hello-helper").status.success());

    // 4. A user name and password on the same registry: the token spec's GET with Basic auth (no
    // OAuth2 POST: that is for identity tokens only).
    std::fs::write(&config_json, "{}").unwrap();
    tokens.clear_calls();
    std::fs::write(
        project.join("tug.yaml"),
        oci_config(addr, "hello-password", false, ""),
    )
    .unwrap();
    let out = run(tug(&project)
        .arg("publish")
        .env("DOCKER_CONFIG", &docker)
        .env("TUG_REGISTRY_USERNAME", "alice")
        .env("TUG_REGISTRY_PASSWORD", "s3cret pass"));
    assert_eq!(out.code, 0, "{out:?}");
    let calls = tokens.calls();
    assert!(
        !calls.is_empty()
            && calls
                .iter()
                .all(|c| c.method == "GET" && c.user == "alice" && c.status == 200),
        "{calls:?}"
    );
    assert!(skopeo_raw("hello-password").status.success());
}
