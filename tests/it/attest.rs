//! SBOMs, SLSA provenance and the deploy policy (issue #13), with independent checkers: the SBOMs
//! of a real Go build by the official SPDX tools (`pyspdxtools -i`) and against the CycloneDX 1.6
//! JSON schema (cyclonedx-python-lib), their module lists against `go version -m` of the same
//! binary and against the Go modules the real syft (pinned, from the Go module proxy) finds in it;
//! the provenance by the real cosign (`verify-blob-attestation --type slsaprovenance1`,
//! and `verify-attestation` of the copy `tug publish` attaches to each image in the registry);
//! and `tug rollout` to local hosts refusing, before any host is touched (asserted on the hosts'
//! disks), each release the policy does not allow, naming the rule.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use base64::Engine as _;
use tug::manifest::{ArtifactKind, Manifest};

use crate::cosign::{cosign, PASSWORD};
use crate::harness::*;

const ORIGIN: &str = "https://github.com/acme/hello";
const BUILDER: &str = "https://ci.example.com/runner";

/// `tug` with the key password.
fn tug_pw(dir: &Path) -> Command {
    tug_with_password(dir, PASSWORD)
}

/// A key pair in `dir` (cosign.key, cosign.pub), made by `tug keys generate`.
fn keys(dir: &Path) -> (PathBuf, PathBuf) {
    std::fs::create_dir_all(dir).unwrap();
    ok(tug_pw(dir).args(["keys", "generate"]));
    (dir.join("cosign.key"), dir.join("cosign.pub"))
}

/// tug.yaml of the hello example with SBOMs, provenance and a policy (`extra` appended).
fn config(key: &Path, public: &Path, targets: &str, extra: &str) -> String {
    format!(
        "version: 1\nproject:\n  name: hello\n  env:\n    - CGO_ENABLED=0\n\
         builds:\n  - main: .\n    ldflags: [\"-s -w -X main.version={{{{ version }}}}\"]\n    targets: [{targets}]\n\
         sign:\n  key: {}\n  public_key: {}\n\
         sbom: {{}}\n\
         provenance:\n  builder_id: {BUILDER}\n\
         policy:\n  repositories: [{ORIGIN}]\n  tag_pattern: \"v*\"\n  builder_ids: [{BUILDER}]\n{extra}",
        key.display(),
        public.display()
    )
}

/// examples/hello in `dir`, committed and tagged `tag`, with `origin` as its remote (credentials
/// in the URL, which must never reach the provenance).
fn project(dir: &Path, tug_yaml: &str, origin: &str, tag: &str) {
    copy_tree(&repo_root().join("examples/hello"), dir);
    write_files(dir, &[("tug.yaml", tug_yaml), (".gitignore", "dist/\n")]);
    git_init_commit(dir, Some(tag));
    let with_user = origin.replacen("https://", "https://bot:s3cr3t-token@", 1);
    ok(git(dir).args(["remote", "add", "origin", &with_user]));
}

fn build_and_sign(dir: &Path) -> PathBuf {
    let out = run(tug_pw(dir).args(["build", "--no-progress"]));
    assert_eq!(out.code, 0, "{out:?}");
    let out = run(tug_pw(dir).args(["sign", "--no-progress"]));
    assert_eq!(out.code, 0, "{out:?}");
    assert!(
        out.stderr.contains("Attested hello_"),
        "sign writes the provenance: {}",
        out.stderr
    );
    dir.join("dist")
}

fn python(code: &str, args: &[&Path]) -> Outcome {
    run(Command::new(venv_python()).arg("-c").arg(code).args(args))
}

/// (path, version, h1 sum) of every `dep` line `go version -m` prints for `binary`.
fn go_version_m(binary: &Path) -> Vec<(String, String, String)> {
    let out = ok(Command::new(go()).args(["version", "-m"]).arg(binary));
    out.lines()
        .filter_map(|l| {
            let f: Vec<&str> = l.trim().split('\t').collect();
            (f.first() == Some(&"dep")).then(|| {
                (
                    f[1].to_string(),
                    f[2].to_string(),
                    f.get(3).unwrap_or(&"").to_string(),
                )
            })
        })
        .collect()
}

/// The syft release the tests pin (install-test-deps.sh builds it into .tools/).
const SYFT_VERSION: &str = "v1.57.1";

/// The pinned syft binary (panics, never skips, when it is not installed).
fn syft_bin() -> PathBuf {
    let bin = repo_root().join(format!(".tools/syft-{SYFT_VERSION}/bin/syft"));
    assert!(
        bin.is_file(),
        "{} is missing: run scripts/install-test-deps.sh (it builds syft {SYFT_VERSION})",
        bin.display()
    );
    bin
}

/// The `pkg:golang/...` purls of a CycloneDX document's components (and its subject).
fn golang_purls(doc: &serde_json::Value) -> BTreeSet<String> {
    doc["components"]
        .as_array()
        .into_iter()
        .flatten()
        .chain(std::iter::once(&doc["metadata"]["component"]))
        .filter_map(|c| c["purl"].as_str())
        .filter(|p| p.starts_with("pkg:golang/"))
        .map(str::to_string)
        .collect()
}

/// The Go modules syft finds in `binary` (`syft scan file:<binary> -o cyclonedx-json`, offline,
/// with the test environment), as purls.
fn syft_go_modules(binary: &Path) -> BTreeSet<String> {
    let out = ok(hermetic(&mut Command::new(syft_bin()))
        .env("SYFT_CHECK_FOR_APP_UPDATE", "false")
        .arg("scan")
        .arg(format!("file:{}", binary.display()))
        .args(["-o", "cyclonedx-json", "-q"]));
    golang_purls(&serde_json::from_str(&out).expect("syft's CycloneDX JSON"))
}

/// A module proxy on disk (GOPROXY=file://) serving `example.com/greet v1.0.0`.
fn module_proxy(dir: &Path) -> PathBuf {
    let at = dir.join("example.com/greet/@v");
    std::fs::create_dir_all(&at).unwrap();
    let gomod = "module example.com/greet\n\ngo 1.22\n";
    let file = std::fs::File::create(at.join("v1.0.0.zip")).unwrap();
    let mut zip = zip::ZipWriter::new(file);
    let opts: zip::write::SimpleFileOptions = Default::default();
    for (name, text) in [
        ("go.mod", gomod),
        (
            "greet.go",
            "package greet\n\nfunc Hello() string { return \"hello from greet\" }\n",
        ),
    ] {
        zip.start_file(format!("example.com/greet@v1.0.0/{name}"), opts)
            .unwrap();
        std::io::Write::write_all(&mut zip, text.as_bytes()).unwrap();
    }
    zip.finish().unwrap();
    write_files(
        &at,
        &[
            ("v1.0.0.mod", gomod),
            (
                "v1.0.0.info",
                r#"{"Version":"v1.0.0","Time":"2026-01-01T00:00:00Z"}"#,
            ),
            ("list", "v1.0.0\n"),
        ],
    );
    dir.to_path_buf()
}

/// A Go binary with a real dependency (from the on-disk proxy, with its `h1:` sum in go.sum):
/// its SPDX document passes `pyspdxtools -i`, its CycloneDX document the 1.6 JSON schema, both
/// list exactly the modules `go version -m` prints (with their sums), the checksums file covers
/// them, and a second build writes the same bytes.
#[test]
fn sboms_from_the_binarys_build_info_pass_the_official_validators() {
    let tmp = tempdir();
    let (key, public) = keys(&tmp.path().join("keys"));
    let proxy = module_proxy(&tmp.path().join("proxy"));
    let repo = tmp.path().join("hello");
    let tug_yaml = config(&key, &public, "linux/amd64, linux/arm64", "");
    copy_tree(&repo_root().join("examples/hello"), &repo);
    write_files(
        &repo,
        &[
            ("tug.yaml", &tug_yaml),
            (".gitignore", "dist/\n"),
            (
                "greet.go",
                "package main\n\nimport \"example.com/greet\"\n\nvar _ = greet.Hello\n",
            ),
        ],
    );
    let goproxy = format!("file://{}", proxy.display());
    ok(hermetic(Command::new(go()).current_dir(&repo))
        .env("GOPROXY", &goproxy)
        .env("GOFLAGS", "-mod=mod -modcacherw")
        .args(["mod", "tidy"]));
    assert!(std::fs::read_to_string(repo.join("go.sum"))
        .unwrap()
        .contains("example.com/greet v1.0.0 h1:"));
    git_init_commit(&repo, Some("v1.0.0"));
    let dist = repo.join("dist");
    let out = run(tug_pw(&repo)
        .env("GOPROXY", &goproxy)
        .args(["build", "--no-progress"]));
    assert_eq!(out.code, 0, "{out:?}");

    let m = Manifest::read(&dist).unwrap();
    let sboms: Vec<_> = m.by_kind(ArtifactKind::Sbom).collect();
    let names: Vec<&str> = sboms.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "hello_1.0.0_linux_amd64.cdx.json",
            "hello_1.0.0_linux_amd64.spdx.json",
            "hello_1.0.0_linux_arm64.cdx.json",
            "hello_1.0.0_linux_arm64.spdx.json"
        ]
    );
    // Checksummed like the archives: sha256sum -c covers them.
    let sums = ok(Command::new("sha256sum").current_dir(&dist).args([
        "-c",
        "--strict",
        "hello_1.0.0_checksums.txt",
    ]));
    for n in &names {
        assert!(sums.contains(&format!("{n}: OK")), "{sums}");
    }

    for arch in ["amd64", "arm64"] {
        let binary = dist.join(format!("hello_linux_{arch}/hello"));
        let spdx = dist.join(format!("hello_1.0.0_linux_{arch}.spdx.json"));
        let cdx = dist.join(format!("hello_1.0.0_linux_{arch}.cdx.json"));
        // The official SPDX tools parse and validate the document.
        let out = run(
            Command::new(repo_root().join(".tools/venv/bin/pyspdxtools"))
                .arg("-i")
                .arg(&spdx),
        );
        assert_eq!(out.code, 0, "pyspdxtools -i {}: {out:?}", spdx.display());
        // The CycloneDX 1.6 JSON schema, strictly.
        let out = python(
            "import sys\nfrom cyclonedx.validation.json import JsonStrictValidator\n\
             from cyclonedx.schema import SchemaVersion\n\
             err = JsonStrictValidator(SchemaVersion.V1_6).validate_str(open(sys.argv[1]).read())\n\
             print(err)\nsys.exit(1 if err else 0)\n",
            &[&cdx],
        );
        assert_eq!(out.code, 0, "CycloneDX 1.6 schema: {out:?}");

        // The module list is what the go command reads from the same binary.
        let deps = go_version_m(&binary);
        assert_eq!(deps.len(), 1, "{deps:?}");
        let doc: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&spdx).unwrap()).unwrap();
        let listed: Vec<(String, String)> = doc["packages"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|p| {
                p["SPDXID"]
                    .as_str()
                    .unwrap()
                    .starts_with("SPDXRef-Package-go-module")
            })
            .map(|p| {
                (
                    p["name"].as_str().unwrap().to_string(),
                    p["versionInfo"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        let expected: Vec<(String, String)> =
            deps.iter().map(|d| (d.0.clone(), d.1.clone())).collect();
        assert_eq!(listed, expected);
        let h1 = deps[0]
            .2
            .strip_prefix("h1:")
            .map(|b| base64::engine::general_purpose::STANDARD.decode(b).unwrap())
            .unwrap();
        let h1_hex: String = h1.iter().map(|b| format!("{b:02x}")).collect();
        assert!(doc.to_string().contains(&h1_hex), "the h1 sum is recorded");
        let app = &doc["packages"][0];
        assert_eq!(
            app["checksums"][0]["checksumValue"].as_str().unwrap(),
            m.artifact(&format!("hello_linux_{arch}/hello"))
                .unwrap()
                .sha256
        );
        // (The go command leaves -ldflags out of the build info of a -trimpath build.)
        let comment = app["comment"].as_str().unwrap();
        assert!(
            comment.contains(&format!("GOARCH={arch}"))
                && comment.contains("CGO_ENABLED=0")
                && comment.contains("-trimpath=true")
                && comment.contains("vcs.modified=false"),
            "{comment}"
        );
        assert_eq!(doc["creationInfo"]["created"], "2026-01-02T03:04:05Z");

        let cdx: serde_json::Value = serde_json::from_slice(&std::fs::read(&cdx).unwrap()).unwrap();
        let purls: Vec<&str> = cdx["components"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["purl"].as_str().unwrap())
            .collect();
        assert!(
            purls.contains(&"pkg:golang/example.com/greet@v1.0.0"),
            "{purls:?}"
        );
        assert!(purls.iter().any(|p| p.starts_with("pkg:golang/stdlib@")));

        // syft, an independent SBOM generator reading the same build info, finds the same Go
        // modules: every dependency with its version, the standard library with the Go version,
        // and the main module.
        let tug_modules: BTreeSet<String> = golang_purls(&cdx);
        let syft_modules = syft_go_modules(&binary);
        assert_eq!(
            tug_modules, syft_modules,
            "tug's and syft's Go modules of {arch}"
        );
        // (No expected differences: both name the standard library `stdlib` with the Go version
        // without its `go` prefix, and the main module with the version the go command stamped
        // from the tag.)
        let go_version = ok(Command::new(go()).arg("version").arg(&binary));
        let go_version = go_version.split_whitespace().nth(1).unwrap();
        let expected: BTreeSet<String> = [
            "pkg:golang/example.com/hello@v1.0.0".to_string(),
            "pkg:golang/example.com/greet@v1.0.0".to_string(),
            format!("pkg:golang/stdlib@{}", go_version.trim_start_matches("go")),
        ]
        .into();
        assert_eq!(tug_modules, expected);
    }

    // Reproducible: a second build writes the same SBOM bytes.
    let first: BTreeMap<String, String> = sboms
        .iter()
        .map(|a| (a.name.clone(), a.sha256.clone()))
        .collect();
    let out =
        run(tug_pw(&repo)
            .env("GOPROXY", &goproxy)
            .args(["build", "--no-progress", "--clean"]));
    assert_eq!(out.code, 0, "{out:?}");
    let again = Manifest::read(&dist).unwrap();
    let second: BTreeMap<String, String> = again
        .by_kind(ArtifactKind::Sbom)
        .map(|a| (a.name.clone(), a.sha256.clone()))
        .collect();
    assert_eq!(first, second);
}

/// The provenance `tug sign` writes: the real cosign accepts it for every subject and refuses a
/// file it does not name; its statement lists every release file and the facts; `tug verify
/// --provenance` passes, and fails naming the rule for each policy it breaks.
#[test]
fn provenance_is_accepted_by_cosign_and_enforced_by_tug_verify() {
    let tmp = tempdir();
    let (key, public) = keys(&tmp.path().join("keys"));
    let repo = tmp.path().join("hello");
    let tug_yaml = config(&key, &public, "linux/amd64", "");
    project(&repo, &tug_yaml, &format!("{ORIGIN}.git"), "v1.0.0");
    let dist = build_and_sign(&repo);
    let m = Manifest::read(&dist).unwrap();
    let prov = m.by_kind(ArtifactKind::Provenance).next().unwrap();
    assert_eq!(prov.name, "hello_1.0.0.intoto.sigstore.json");

    for subject in [
        "hello_1.0.0_linux_amd64.tar.gz",
        "hello_1.0.0_checksums.txt",
        "hello_1.0.0_linux_amd64.spdx.json",
        "hello_linux_amd64/hello",
    ] {
        let out = run(cosign(&dist)
            .args(["verify-blob-attestation", "--insecure-ignore-tlog", "--key"])
            .arg(&public)
            .args(["--type", "slsaprovenance1", "--bundle", &prov.name, subject]));
        assert_eq!(
            out.code, 0,
            "cosign verify-blob-attestation {subject}: {out:?}"
        );
        assert!(out.stderr.contains("Verified OK"), "{out:?}");
    }
    // A file the provenance does not name is refused by cosign too.
    std::fs::write(tmp.path().join("other.tar.gz"), b"other bytes").unwrap();
    let out = run(cosign(&dist)
        .args(["verify-blob-attestation", "--insecure-ignore-tlog", "--key"])
        .arg(&public)
        .args(["--type", "slsaprovenance1", "--bundle", &prov.name])
        .arg(tmp.path().join("other.tar.gz")));
    assert_ne!(out.code, 0, "{out:?}");

    // The statement: every release file as a subject, and the facts.
    let bundle: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dist.join(&prov.name)).unwrap()).unwrap();
    assert!(!bundle.to_string().contains("s3cr3t"), "no credentials");
    let payload = base64::engine::general_purpose::STANDARD
        .decode(bundle["dsseEnvelope"]["payload"].as_str().unwrap())
        .unwrap();
    let st: serde_json::Value = serde_json::from_slice(&payload).unwrap();
    assert_eq!(st["_type"], "https://in-toto.io/Statement/v1");
    assert_eq!(st["predicateType"], "https://slsa.dev/provenance/v1");
    let mut subjects: Vec<(String, String)> = st["subject"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["name"].as_str().unwrap().to_string(),
                s["digest"]["sha256"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    subjects.sort();
    let mut files: Vec<(String, String)> = m
        .artifacts
        .iter()
        .filter(|a| {
            !matches!(
                a.kind,
                ArtifactKind::Signature | ArtifactKind::Bundle | ArtifactKind::Provenance
            )
        })
        .map(|a| (a.name.clone(), a.sha256.clone()))
        .collect();
    files.sort();
    assert_eq!(subjects, files);
    let p = &st["predicate"];
    let ext = &p["buildDefinition"]["externalParameters"];
    assert_eq!(ext["source"]["repository"], format!("{ORIGIN}.git"));
    assert_eq!(ext["source"]["tag"], "v1.0.0");
    assert_eq!(ext["source"]["commit"], m.commit);
    let yaml_sha = tug::fsutil::sha256_file(&repo.join("tug.yaml")).unwrap().0;
    assert_eq!(ext["config"]["sha256"], yaml_sha);
    assert_eq!(ext["targets"], serde_json::json!(["linux/amd64"]));
    let internal = &p["buildDefinition"]["internalParameters"];
    assert_eq!(internal["cleanTree"], true);
    assert_eq!(internal["releaseChecks"], "passed");
    let deps = p["buildDefinition"]["resolvedDependencies"].to_string();
    assert!(
        deps.contains(&format!("git+{ORIGIN}.git@refs/tags/v1.0.0")) && deps.contains(&m.commit),
        "{deps}"
    );
    assert!(deps.contains("pkg:golang/stdlib@"), "{deps}");
    assert_eq!(p["runDetails"]["builder"]["id"], BUILDER);
    assert_eq!(
        p["runDetails"]["metadata"]["startedOn"],
        "2026-01-02T03:04:05Z"
    );
    assert_eq!(
        p["runDetails"]["metadata"]["finishedOn"],
        "2026-01-02T03:04:05Z"
    );

    // tug verify --provenance: accepted, then refused by each policy rule it breaks.
    let out = run(tug(&repo).args(["verify", "--provenance"]));
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stderr.contains("tag v1.0.0"), "{}", out.stderr);
    for (policy, rule) in [
        (
            "policy:\n  repositories: [https://github.com/other/hello]\n",
            "rule repository",
        ),
        (
            "policy:\n  tag_pattern: \"release-*\"\n",
            "rule tag-pattern",
        ),
        (
            "policy:\n  builder_ids: [https://trusted.example.com]\n",
            "rule builder-id",
        ),
    ] {
        let yaml = tug_yaml.split("policy:\n").next().unwrap().to_string() + policy;
        std::fs::write(repo.join("tug.yaml"), yaml).unwrap();
        let out = run(tug(&repo).args(["verify", "--provenance"]));
        assert_eq!(out.code, 1, "{policy}: {out:?}");
        assert!(out.stdout.contains(rule), "{policy}: {out:?}");
    }
    std::fs::write(repo.join("tug.yaml"), &tug_yaml).unwrap();
    // Bytes changed after signing are named by the subject rule.
    std::fs::write(dist.join("RELEASE_NOTES.md"), "changed\n").unwrap();
    let out = run(tug(&repo).args(["verify", "--provenance"]));
    assert_eq!(out.code, 1, "{out:?}");
    assert!(
        out.stdout.contains("rule subject-digest: RELEASE_NOTES.md"),
        "{out:?}"
    );
}

/// Every file and symlink under `dir` with its content (or link target): a host's state on disk.
fn disk_state(dir: &Path) -> BTreeMap<String, String> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, String>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for e in entries.flatten() {
            let path = e.path();
            let rel = path.strip_prefix(root).unwrap().display().to_string();
            let meta = std::fs::symlink_metadata(&path).unwrap();
            if meta.file_type().is_symlink() {
                out.insert(
                    rel,
                    format!("-> {}", std::fs::read_link(&path).unwrap().display()),
                );
            } else if meta.is_dir() {
                out.insert(rel.clone(), "dir".into());
                walk(root, &path, out);
            } else {
                out.insert(rel, tug::fsutil::sha256_file(&path).unwrap().0);
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

/// A copy of the release in `dist` at `to`, its provenance bundle replaced by `bundle`.
fn with_provenance(dist: &Path, to: &Path, bundle: &[u8]) -> PathBuf {
    copy_tree(dist, to);
    let mut m = Manifest::read(to).unwrap();
    let name = m
        .by_kind(ArtifactKind::Provenance)
        .next()
        .unwrap()
        .name
        .clone();
    std::fs::write(to.join(&name), bundle).unwrap();
    let entry = m.artifacts.iter_mut().find(|a| a.name == name).unwrap();
    entry.sha256 = tug::fsutil::sha256_file(&to.join(&name)).unwrap().0;
    entry.size = bundle.len() as u64;
    m.write(to).unwrap();
    to.to_path_buf()
}

fn provenance_bundle(dist: &Path) -> (PathBuf, serde_json::Value) {
    let m = Manifest::read(dist).unwrap();
    let path = dist.join(&m.by_kind(ArtifactKind::Provenance).next().unwrap().path);
    let value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    (path, value)
}

/// An environment with `require_provenance: true` refuses, before any host is touched (the hosts'
/// directories are compared on disk), a release whose provenance is missing, unsigned, signed by
/// another key, for other bytes, from another repository or from a dirty tree, naming the rule;
/// the release that satisfies the policy rolls out, and `tug status --provenance` shows the commit
/// and tag each host runs.
#[test]
fn rollout_refuses_what_the_policy_does_not_allow_before_touching_a_host() {
    use crate::harness::fleet::Fleet;
    let tmp = tempdir();
    let (key, public) = keys(&tmp.path().join("keys"));
    let fleet = Fleet::local(2);
    let env = format!(
        "environments:\n  prod:\n    target:\n{}    restart: \"true\"\n    public_key: {}\n    require_provenance: true\n    artifact: \"hello_{{{{ version }}}}_linux_amd64.tar.gz\"\n",
        fleet.target(),
        public.display()
    );
    let tug_yaml = config(&key, &public, "linux/amd64", &env);

    // The good release, and one built from another repository (other bytes, same key).
    let good_repo = tmp.path().join("good");
    project(&good_repo, &tug_yaml, ORIGIN, "v1.0.0");
    let good = build_and_sign(&good_repo);
    let evil_repo = tmp.path().join("evil");
    copy_tree(&repo_root().join("examples/hello"), &evil_repo);
    std::fs::write(
        evil_repo.join("extra.go"),
        "package main\n\nvar extra = 1\n",
    )
    .unwrap();
    write_files(
        &evil_repo,
        &[("tug.yaml", &tug_yaml), (".gitignore", "dist/\n")],
    );
    git_init_commit(&evil_repo, Some("v1.0.0"));
    ok(git(&evil_repo).args(["remote", "add", "origin", "https://github.com/evil/hello"]));
    let evil = build_and_sign(&evil_repo);

    // A snapshot from a dirty work tree (an untracked file), signed with the right key.
    std::fs::write(good_repo.join("scratch.txt"), "not committed\n").unwrap();
    let out = run(tug_pw(&good_repo).args([
        "build",
        "--snapshot",
        "--no-progress",
        "--dist",
        "dist-dirty",
    ]));
    assert_eq!(out.code, 0, "{out:?}");
    let out = run(tug_pw(&good_repo).args(["sign", "--no-progress", "--dist", "dist-dirty"]));
    assert_eq!(out.code, 0, "{out:?}");
    std::fs::remove_file(good_repo.join("scratch.txt")).unwrap();
    let dirty = good_repo.join("dist-dirty");

    // The same release with its provenance missing, unsigned, or signed by another key, and
    // with the provenance of the other build (other bytes).
    let missing = tmp.path().join("missing");
    copy_tree(&good, &missing);
    let mut m = Manifest::read(&missing).unwrap();
    m.artifacts.retain(|a| a.kind != ArtifactKind::Provenance);
    m.write(&missing).unwrap();
    let (_, bundle) = provenance_bundle(&good);
    let mut unsigned = bundle.clone();
    unsigned["dsseEnvelope"]["signatures"] = serde_json::json!([]);
    let unsigned = with_provenance(
        &good,
        &tmp.path().join("unsigned"),
        unsigned.to_string().as_bytes(),
    );
    let statement = base64::engine::general_purpose::STANDARD
        .decode(bundle["dsseEnvelope"]["payload"].as_str().unwrap())
        .unwrap();
    let stranger = tug::sign::PrivateKey::generate();
    let wrong_key = with_provenance(
        &good,
        &tmp.path().join("wrong-key"),
        &tug::attest::envelope::sign(&stranger, &statement),
    );
    let (evil_bundle, _) = provenance_bundle(&evil);
    let other_bytes = with_provenance(
        &good,
        &tmp.path().join("other-bytes"),
        &std::fs::read(evil_bundle).unwrap(),
    );

    let hosts = |f: &Fleet| -> Vec<BTreeMap<String, String>> {
        f.paths.iter().map(|p| disk_state(p)).collect()
    };
    let cwd = &good_repo;
    let before = hosts(&fleet);
    for (dist, rule) in [
        (&missing, "rule provenance-present"),
        (&unsigned, "rule provenance-signature: hello_1.0.0.intoto.sigstore.json: the envelope carries no signature"),
        (&wrong_key, "rule provenance-signature: hello_1.0.0.intoto.sigstore.json: signed by another key"),
        (&other_bytes, "rule subject-digest: hello_1.0.0_linux_amd64.tar.gz has sha256"),
        (&evil, "rule repository: built from https://github.com/evil/hello"),
        (&dirty, "rule clean-tree"),
    ] {
        let out = run(tug(cwd).args(["rollout", "prod", "--dist"]).arg(dist));
        assert_eq!(out.code, 1, "{}: {out:?}", dist.display());
        assert!(
            out.stderr.contains("is refused by its provenance (nothing was touched)")
                && out.stderr.contains(rule),
            "{}: {}",
            dist.display(),
            out.stderr
        );
        assert_eq!(hosts(&fleet), before, "{}: a host was touched", dist.display());
        // The dry run refuses it the same way.
        let dry = run(tug(cwd).args(["rollout", "prod", "--dry-run", "--dist"]).arg(dist));
        assert_eq!(dry.code, 1, "{dry:?}");
        assert!(dry.stderr.contains(rule), "{}", dry.stderr);
    }
    // The dirty snapshot breaks three rules, each named.
    let out = run(tug(cwd).args(["rollout", "prod", "--dist"]).arg(&dirty));
    for rule in ["rule clean-tree", "rule tag-pattern", "rule release-checks"] {
        assert!(out.stderr.contains(rule), "{rule}: {}", out.stderr);
    }

    // The release the policy allows rolls out.
    let out = run(tug(cwd).args(["rollout", "prod", "--dist"]).arg(&good));
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(fleet.currents(), ["1.0.0", "1.0.0"]);
    let commit = Manifest::read(&good).unwrap().commit;
    for p in &fleet.paths {
        let record: serde_json::Value =
            serde_json::from_slice(&std::fs::read(p.join("releases/1.0.0/release.json")).unwrap())
                .unwrap();
        assert_eq!(record["source"]["commit"], commit.as_str());
        assert_eq!(record["source"]["tag"], "v1.0.0");
    }
    let status = ok(tug(cwd).args(["status", "prod", "--provenance"]));
    for h in ["h1", "h2"] {
        let line = status.lines().find(|l| l.starts_with(h)).unwrap();
        assert!(
            line.contains(&commit) && line.contains("v1.0.0"),
            "{status}"
        );
    }
    assert!(
        status.lines().next().unwrap().contains("COMMIT"),
        "{status}"
    );
    let plain = ok(tug(cwd).args(["status", "prod"]));
    assert!(!plain.contains(&commit), "{plain}");

    // After it, another refused release leaves the hosts as they are.
    let after = hosts(&fleet);
    let out = run(tug(cwd).args(["rollout", "prod", "--dist"]).arg(&evil));
    assert_eq!(out.code, 1, "{out:?}");
    assert!(out.stderr.contains("rule repository"), "{}", out.stderr);
    assert_eq!(hosts(&fleet), after);
}

/// A sharded build merged back (`tug merge`) keeps every shard's SBOMs in the merged checksums
/// file, and its build facts, so the merged release can be attested.
#[test]
fn merged_shards_keep_their_sboms_checksummed_and_their_build_facts() {
    let tmp = tempdir();
    let (key, public) = keys(&tmp.path().join("keys"));
    let repo = tmp.path().join("hello");
    let tug_yaml = config(&key, &public, "linux/amd64, linux/arm64", "");
    project(&repo, &tug_yaml, ORIGIN, "v1.0.0");
    for shard in ["1/2", "2/2"] {
        let dist = format!("../shard{}", &shard[..1]);
        let out =
            run(tug_pw(&repo).args(["build", "--no-progress", "--shard", shard, "--dist", &dist]));
        assert_eq!(out.code, 0, "{out:?}");
    }
    ok(tug(&repo).args(["merge", "../shard1", "../shard2", "-o", "dist"]));
    let dist = repo.join("dist");
    let sums = ok(Command::new("sha256sum").current_dir(&dist).args([
        "-c",
        "--strict",
        "hello_1.0.0_checksums.txt",
    ]));
    for arch in ["amd64", "arm64"] {
        for suffix in ["spdx.json", "cdx.json"] {
            let name = format!("hello_1.0.0_linux_{arch}.{suffix}");
            assert!(sums.contains(&format!("{name}: OK")), "{sums}");
        }
    }
    assert!(Manifest::read(&dist).unwrap().build_facts.is_some());
    let out = run(tug_pw(&repo).args(["sign", "--no-progress"]));
    assert_eq!(out.code, 0, "{out:?}");
    let out = run(tug(&repo).args(["verify", "--provenance"]));
    assert_eq!(out.code, 0, "{out:?}");
}

/// `tug publish` attaches the release's provenance to every image it pushes, as an attestation
/// whose subject is that image: in both of cosign's layouts (`signatures: bundle`, a Sigstore
/// bundle referrer; `classic`, the `.att` tag) the real cosign's `verify-attestation --type
/// slsaprovenance1` accepts it for the index, each platform image and the release artifact with
/// the release key and refuses it with another key; `tug verify --image` still counts only
/// signatures; a provenance the release key did not sign is refused before anything is pushed.
#[test]
fn published_images_carry_the_provenance_as_an_attestation_cosign_verifies() {
    let reg = crate::harness::registry::Registry::shared();
    let tmp = tempdir();
    let (key, public) = keys(&tmp.path().join("keys"));
    let repo = tmp.path().join("hello");
    let mut publish = String::from("publish:\n");
    for layout in ["bundle", "classic"] {
        publish.push_str(&format!(
            "  - type: oci\n    name: {layout}\n    repository: {}/attest/{layout}\n    signatures: {layout}\n    images:\n      repository: {}/attest/{layout}-image\n",
            reg.addr, reg.addr
        ));
    }
    let tug_yaml = config(&key, &public, "linux/amd64, linux/arm64", &publish);
    project(&repo, &tug_yaml, &format!("{ORIGIN}.git"), "v1.0.0");
    let dist = build_and_sign(&repo);

    // A provenance the release key did not sign is not attached to anything: publish refuses
    // before it touches the registry.
    let (_, bundle) = provenance_bundle(&dist);
    let statement = base64::engine::general_purpose::STANDARD
        .decode(bundle["dsseEnvelope"]["payload"].as_str().unwrap())
        .unwrap();
    let stranger_key = tug::sign::PrivateKey::generate();
    let forged = with_provenance(
        &dist,
        &tmp.path().join("forged"),
        &tug::attest::envelope::sign(&stranger_key, &statement),
    );
    let out = run(tug_pw(&repo)
        .args(["publish", "--no-progress", "--dist"])
        .arg(&forged));
    assert_eq!(out.code, 1, "{out:?}");
    assert!(
        out.stderr.contains("does not open with the release key") && out.stderr.contains("hint:"),
        "{}",
        out.stderr
    );
    for layout in ["bundle", "classic"] {
        let nothing = run(Command::new("skopeo").args([
            "inspect",
            "--raw",
            "--tls-verify=false",
            &format!("docker://{}/attest/{layout}-image:1.0.0", reg.addr),
        ]));
        assert_ne!(nothing.code, 0, "{layout}: pushed anyway: {nothing:?}");
    }

    let out = run(tug_pw(&repo).args(["publish", "--no-progress"]));
    assert_eq!(out.code, 0, "{out:?}");
    assert!(
        out.stderr.contains("provenance of image index"),
        "the attestations are pushed: {}",
        out.stderr
    );
    let (_, release_bundle) = provenance_bundle(&dist);
    let release_statement: serde_json::Value = serde_json::from_slice(
        &base64::engine::general_purpose::STANDARD
            .decode(release_bundle["dsseEnvelope"]["payload"].as_str().unwrap())
            .unwrap(),
    )
    .unwrap();

    let stranger = tempdir();
    ok(cosign(stranger.path()).arg("generate-key-pair"));
    for layout in ["bundle", "classic"] {
        let image = format!("{}/attest/{layout}-image", reg.addr);
        let index = ok(Command::new("skopeo").args([
            "inspect",
            "--raw",
            "--tls-verify=false",
            &format!("docker://{image}:1.0.0"),
        ]));
        let index_digest = format!(
            "sha256:{}",
            tug::fsutil::hex(&<sha2::Sha256 as sha2::Digest>::digest(index.as_bytes()))
        );
        let index: serde_json::Value = serde_json::from_str(&index).unwrap();
        let mut references = vec![format!("{image}@{index_digest}")];
        for m in index["manifests"].as_array().unwrap() {
            references.push(format!("{image}@{}", m["digest"].as_str().unwrap()));
        }
        assert_eq!(references.len(), 3, "the index and two platforms");
        // The OCI release artifact carries it too.
        let artifact = ok(Command::new("skopeo").args([
            "inspect",
            "--raw",
            "--tls-verify=false",
            &format!("docker://{}/attest/{layout}:1.0.0", reg.addr),
        ]));
        references.push(format!(
            "{}/attest/{layout}@sha256:{}",
            reg.addr,
            tug::fsutil::hex(&<sha2::Sha256 as sha2::Digest>::digest(artifact.as_bytes()))
        ));
        // The layout on the registry is the one asked for.
        let att_tag = format!(
            "docker://{image}:{}.att",
            index_digest.replacen(':', "-", 1)
        );
        let att =
            run(Command::new("skopeo").args(["inspect", "--raw", "--tls-verify=false", &att_tag]));
        assert_eq!(att.code == 0, layout == "classic", "{layout}: {att:?}");
        if layout == "classic" {
            let att: serde_json::Value = serde_json::from_str(&att.stdout).unwrap();
            assert_eq!(
                att["layers"][0]["mediaType"],
                "application/vnd.dsse.envelope.v1+json"
            );
            assert_eq!(
                att["layers"][0]["annotations"]["predicateType"],
                "https://slsa.dev/provenance/v1"
            );
        }
        for reference in &references {
            let out = run(cosign(&repo)
                .args(["verify-attestation", "--insecure-ignore-tlog", "--key"])
                .arg(&public)
                .args(["--type", "slsaprovenance1", "--allow-insecure-registry"])
                .arg(reference));
            assert_eq!(
                out.code, 0,
                "cosign verify-attestation {layout} {reference}: {out:?}"
            );
            // What cosign verified: the image as the one subject, the release's predicate.
            let line = out.stdout.lines().next().unwrap_or_default();
            let envelope: serde_json::Value = serde_json::from_str(line).unwrap();
            let statement: serde_json::Value = serde_json::from_slice(
                &base64::engine::general_purpose::STANDARD
                    .decode(envelope["payload"].as_str().unwrap())
                    .unwrap(),
            )
            .unwrap();
            assert_eq!(statement["predicateType"], "https://slsa.dev/provenance/v1");
            let digest = reference.rsplit('@').next().unwrap();
            assert_eq!(
                statement["subject"][0]["digest"]["sha256"],
                digest.trim_start_matches("sha256:"),
                "{statement}"
            );
            assert_eq!(statement["subject"].as_array().unwrap().len(), 1);
            assert_eq!(statement["predicate"], release_statement["predicate"]);

            let refused = run(cosign(stranger.path())
                .args(["verify-attestation", "--insecure-ignore-tlog", "--key"])
                .arg("cosign.pub")
                .args(["--type", "slsaprovenance1", "--allow-insecure-registry"])
                .arg(reference));
            assert_ne!(
                refused.code, 0,
                "another key verified the attestation of {reference}: {refused:?}"
            );
        }
        // An attestation is no signature: tug verify --image counts the one signature.
        let out = run(tug(&repo)
            .args(["verify", "--image", &references[0], "--key"])
            .arg(&public));
        assert_eq!(out.code, 0, "{out:?}");
        assert!(
            out.stderr.contains("1 of 1 signature(s) valid"),
            "{layout}: {}",
            out.stderr
        );

        // tug itself checks the attached provenance: signature, subject = the manifest digest,
        // and the project's policy.
        for reference in &references {
            let out = run(tug(&repo)
                .args(["verify", "--image", reference, "--provenance", "--key"])
                .arg(&public));
            assert_eq!(out.code, 0, "{layout} {reference}: {out:?}");
            assert_eq!(out.stdout.trim(), reference.as_str());
            let source = if layout == "bundle" {
                "referrer sha256:"
            } else {
                ".att layer sha256:"
            };
            assert!(
                out.stderr.contains("Verified") && out.stderr.contains(source),
                "{layout}: {}",
                out.stderr
            );
            assert!(out.stderr.contains("tag v1.0.0"), "{}", out.stderr);
        }
        // Another key: refused, naming the rule (a bundle names its key's hint; a bare `.att`
        // envelope carries none, so its signature just does not verify).
        let refusal = if layout == "bundle" {
            "signed by another key"
        } else {
            "does not verify with the public key"
        };
        let out = run(tug(stranger.path()).args([
            "verify",
            "--image",
            &references[0],
            "--provenance",
            "--key",
            "cosign.pub",
        ]));
        assert_eq!(out.code, 1, "{out:?}");
        assert!(
            out.stdout.contains("FAIL  rule provenance-signature:") && out.stdout.contains(refusal),
            "{layout}: {out:?}"
        );
        assert!(
            out.stderr.contains("rule provenance-signature failed"),
            "{}",
            out.stderr
        );
        // A policy the release does not meet: refused, naming the rule.
        let strict = tmp.path().join(format!("strict-{layout}"));
        write_files(
            &strict,
            &[(
                "tug.yaml",
                "version: 1
policy:
  repositories: [https://example.com/someone/else]
",
            )],
        );
        let out = run(tug(&strict)
            .args(["verify", "--image", &references[1], "--provenance", "--key"])
            .arg(&public));
        assert_eq!(out.code, 1, "{out:?}");
        assert!(
            out.stdout.contains("FAIL  rule repository:"),
            "{layout}: {out:?}"
        );
        assert!(
            out.stderr.contains("rule repository failed"),
            "{}",
            out.stderr
        );
    }

    // An image without any attestation (a platform image copied alone to another repository:
    // the same manifest digest, nothing attached) is refused.
    let image = format!("{}/attest/bundle-image", reg.addr);
    let index: serde_json::Value = serde_json::from_str(&ok(Command::new("skopeo").args([
        "inspect",
        "--raw",
        "--tls-verify=false",
        &format!("docker://{image}:1.0.0"),
    ])))
    .unwrap();
    let platform = index["manifests"][0]["digest"]
        .as_str()
        .unwrap()
        .to_string();
    ok(Command::new("skopeo").args([
        "copy",
        "--src-tls-verify=false",
        "--dest-tls-verify=false",
        "--preserve-digests",
        &format!("docker://{image}@{platform}"),
        &format!("docker://{}/attest/bare:1.0.0", reg.addr),
    ]));
    let bare = format!("{}/attest/bare@{platform}", reg.addr);
    let out = run(tug(&repo)
        .args(["verify", "--image", &bare, "--provenance", "--key"])
        .arg(&public));
    assert_eq!(out.code, 1, "{out:?}");
    assert!(
        out.stdout.contains("FAIL  rule provenance-present:")
            && out.stdout.contains("has no provenance attestation"),
        "{out:?}"
    );
}
