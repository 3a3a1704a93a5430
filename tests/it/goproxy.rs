//! Go module releases end to end, with the real go command as the client: `tug build` of a tagged
//! library writes the module zip, `.mod` and `.info` (h1: compared with golang.org/x/mod's own
//! zip of the same tag, `tests/checkers/gomodzip`, and with `go mod download -json`), the
//! `goproxy` publisher lays them out in a directory (`GOPROXY=file://`) and PUTs them to a real
//! nginx (`GOPROXY=http://127.0.0.1:<port>`), and staged versions stay out of `@v/list` and
//! `@latest` until promoted. Bad input (a module path the go command rejects, other bytes for a
//! published version, a file over the size limits, a case collision) is refused with the file
//! or version named and nothing half-written.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use crate::harness::*;

const MODULE: &str = "example.com/Lib";
const ESCAPED: &str = "example.com/!lib";

fn yaml(publish: &str) -> String {
    format!("version: 1\nproject:\n  name: lib\n{publish}")
}

/// A library module with what x/mod leaves out: a vendored package, a nested module, a symlink.
fn library(dir: &Path, publish: &str) {
    write_files(
        dir,
        &[
            ("go.mod", &format!("module {MODULE}\n\ngo 1.22\n")),
            (
                "lib.go",
                "package lib\n\n// Answer is the answer.\nfunc Answer() int { return 42 }\n",
            ),
            ("LICENSE", "MIT\n"),
            ("internal/x/x.go", "package x\n"),
            ("vendor/modules.txt", "# example.org/dep v1.0.0\n"),
            ("vendor/example.org/dep/dep.go", "package dep\n"),
            ("tools/go.mod", "module example.com/Lib/tools\n\ngo 1.22\n"),
            ("tools/tools.go", "package tools\n"),
            ("tug.yaml", &yaml(publish)),
            (".gitignore", "dist/\nproxy/\n"),
        ],
    );
    std::os::unix::fs::symlink("lib.go", dir.join("link.go")).unwrap();
    git_init_commit(dir, Some("v1.0.0"));
}

/// This test's own site on the shared nginx, named after its temp dir: (its URL, the directory
/// nginx serves it from).
fn nginx_site(nginx: &crate::harness::nginx::Nginx, tmp: &tempfile::TempDir) -> (String, PathBuf) {
    let name = tmp
        .path()
        .file_name()
        .unwrap()
        .to_string_lossy()
        .into_owned();
    (format!("{}/{name}", nginx.url), nginx.root.join(&name))
}

/// Move tag `t` to a new commit with other contents and build it.
fn retag_on_other_contents(repo: &Path, t: &str) {
    write_files(
        repo,
        &[("lib.go", "package lib\n\nfunc Answer() int { return 43 }\n")],
    );
    commit_all(repo, "fix: another answer");
    ok(git(repo).args(["tag", "-d", t]));
    tag(repo, t);
    ok(tug(repo).args(["build", "--clean", "--no-progress"]));
}

fn tag(dir: &Path, t: &str) {
    ok(git(dir).args(["tag", "-a", t, "-m", t]));
}

fn manifest(dir: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(dir.join("dist/manifest.json")).unwrap()).unwrap()
}

/// The `go-module` artifact of `file` (`zip`, `mod`, `info`).
fn module_artifact(m: &Value, file: &str) -> Value {
    m["artifacts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["kind"] == "go-module" && a["extra"]["file"] == file)
        .unwrap_or_else(|| panic!("no go-module {file} artifact in {m:#}"))
        .clone()
}

/// x/mod's h1: of the module zip it makes from the repository at `rev` (the oracle).
fn x_mod_h1(repo: &Path, version: &str, rev: &str) -> String {
    let oracle = repo_root().join(".tools/bin/gomodzip");
    assert!(
        oracle.is_file(),
        "{} is missing: run scripts/install-test-deps.sh",
        oracle.display()
    );
    let mut cmd = Command::new(oracle);
    hermetic(&mut cmd);
    ok(cmd.args([MODULE, version]).arg(repo).arg(rev))
        .trim()
        .to_string()
}

/// The go command as a private-module user runs it: the proxy, no checksum database for
/// example.com, its own module cache (so every answer comes from the proxy).
fn go_client(dir: &Path, proxy: &str, modcache: &Path) -> Command {
    let mut cmd = Command::new(go());
    hermetic(&mut cmd);
    cmd.current_dir(dir)
        .env("GOPROXY", proxy)
        .env("GONOSUMDB", "example.com")
        .env("GOSUMDB", "sum.golang.org")
        .env("GOFLAGS", "-mod=mod -modcacherw")
        .env("GOMODCACHE", modcache);
    cmd
}

fn consumer(dir: &Path) {
    write_files(
        dir,
        &[
            ("go.mod", "module example.com/consumer\n\ngo 1.22\n"),
            (
                "main.go",
                &format!("package main\n\nimport \"{MODULE}\"\n\nfunc main() {{ println(lib.Answer()) }}\n"),
            ),
        ],
    );
}

fn versions(dir: &Path, proxy: &str, modcache: &Path) -> String {
    ok(go_client(dir, proxy, modcache).args(["list", "-m", "-versions", MODULE]))
        .trim()
        .to_string()
}

/// Every file under `dir`, relative, sorted (what a proxy directory holds).
fn tree(dir: &Path) -> Vec<String> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<String>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for e in entries {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(root, &p, out);
            } else {
                out.push(p.strip_prefix(root).unwrap().display().to_string());
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

#[test]
fn a_library_release_is_the_module_zip_the_go_command_downloads_from_a_dir_proxy() {
    let tmp = tempdir();
    let repo = tmp.path().join("lib");
    library(&repo, "publish:\n  - type: goproxy\n    path: proxy\n");

    let out = run(tug(&repo).args(["build", "--no-progress"]));
    assert_eq!(out.code, 0, "{out:?}");
    let m = manifest(&repo);
    let zip = module_artifact(&m, "zip");
    let gomod = module_artifact(&m, "mod");
    assert_eq!(zip["name"], "example.com_!lib@v1.0.0.zip");
    assert_eq!(zip["extra"]["module"], MODULE);
    // The same h1: as golang.org/x/mod's zip of the tag (vendor/, tools/ and the link left out).
    let h1 = zip["extra"]["h1"].as_str().unwrap().to_string();
    assert_eq!(h1, x_mod_h1(&repo, "v1.0.0", "v1.0.0"));
    // Checksummed like every artifact, and `sha256sum -c` agrees.
    ok(Command::new("sha256sum")
        .args(["-c", "--strict", "lib_1.0.0_checksums.txt"])
        .current_dir(repo.join("dist")));
    let sums = std::fs::read_to_string(repo.join("dist/lib_1.0.0_checksums.txt")).unwrap();
    assert!(sums.contains("example.com_!lib@v1.0.0.zip"), "{sums}");
    assert!(repo.join("dist/RELEASE_NOTES.md").is_file());

    let out = run(tug(&repo).args(["publish", "--no-progress"]));
    assert_eq!(out.code, 0, "{out:?}");
    let proxy = repo.join("proxy");
    assert_eq!(
        tree(&proxy),
        [
            ".tug-publish.lock".to_string(),
            format!("{ESCAPED}/@latest"),
            format!("{ESCAPED}/@v/list"),
            format!("{ESCAPED}/@v/v1.0.0.info"),
            format!("{ESCAPED}/@v/v1.0.0.mod"),
            format!("{ESCAPED}/@v/v1.0.0.zip"),
        ]
    );
    assert_eq!(
        std::fs::read_to_string(proxy.join(ESCAPED).join("@v/list")).unwrap(),
        "v1.0.0\n"
    );
    // The lock is released, and names no holder once it is.
    assert_eq!(
        std::fs::read(proxy.join(".tug-publish.lock")).unwrap(),
        b"",
        "the lock file still names a holder"
    );
    // Publishing the same bytes again is a no-op.
    let before = std::fs::read(proxy.join(ESCAPED).join("@v/v1.0.0.zip")).unwrap();
    let out = run(tug(&repo).args(["publish", "--no-progress"]));
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(
        std::fs::read(proxy.join(ESCAPED).join("@v/v1.0.0.zip")).unwrap(),
        before
    );

    // The real go command: Sum and GoModSum are the manifest's hashes; go get and go build work.
    let app = tmp.path().join("app");
    consumer(&app);
    let cache = tmp.path().join("modcache");
    let url = format!("file://{}", proxy.display());
    let dl = ok(go_client(&app, &url, &cache).args([
        "mod",
        "download",
        "-json",
        &format!("{MODULE}@v1.0.0"),
    ]));
    let dl: Value = serde_json::from_str(&dl).unwrap();
    assert_eq!(dl["Sum"], h1, "{dl:#}");
    assert_eq!(dl["GoModSum"], gomod["extra"]["go_mod_h1"], "{dl:#}");
    ok(go_client(&app, &url, &cache).args(["get", &format!("{MODULE}@v1.0.0")]));
    ok(go_client(&app, &url, &cache).args(["build", "-o", "app", "."]));
    assert_eq!(versions(&app, &url, &cache), format!("{MODULE} v1.0.0"));
    let sum = std::fs::read_to_string(app.join("go.sum")).unwrap();
    assert!(sum.contains(&format!("{MODULE} v1.0.0 {h1}")), "{sum}");
}

#[test]
fn a_snapshot_of_a_library_has_no_module_release() {
    let tmp = tempdir();
    let repo = tmp.path().join("lib");
    library(&repo, "");
    let out = run(tug(&repo).args(["build", "--snapshot", "--no-progress"]));
    assert_eq!(out.code, 2, "{out:?}");
    assert!(
        out.stderr.contains("nothing to build for a snapshot"),
        "{out:?}"
    );
    assert!(!repo.join("dist").exists());
}

#[test]
fn republishing_a_version_with_other_bytes_is_refused_and_changes_nothing() {
    let tmp = tempdir();
    let repo = tmp.path().join("lib");
    library(&repo, "publish:\n  - type: goproxy\n    path: proxy\n");
    ok(tug(&repo).args(["build", "--clean", "--no-progress"]));
    ok(tug(&repo).args(["publish", "--no-progress"]));
    let proxy = repo.join("proxy");
    let before: Vec<(String, Vec<u8>)> = tree(&proxy)
        .into_iter()
        .map(|f| (f.clone(), std::fs::read(proxy.join(&f)).unwrap()))
        .collect();

    // The same version, moved to a commit with other contents.
    retag_on_other_contents(&repo, "v1.0.0");
    let out = run(tug(&repo).args(["publish", "--no-progress"]));
    assert_eq!(out.code, 1, "{out:?}");
    assert!(
        out.stderr
            .contains("example.com/Lib@v1.0.0 is already published with other bytes"),
        "{out:?}"
    );
    assert!(out.stderr.contains("@v/v1.0.0.zip differs"), "{out:?}");
    assert!(
        out.stderr
            .contains("hint: a published module version never changes"),
        "{out:?}"
    );
    // --replace does not apply to module versions.
    let out = run(tug(&repo).args(["publish", "--no-progress", "--replace"]));
    assert_eq!(out.code, 1, "{out:?}");
    let after: Vec<(String, Vec<u8>)> = tree(&proxy)
        .into_iter()
        .map(|f| (f.clone(), std::fs::read(proxy.join(&f)).unwrap()))
        .collect();
    assert_eq!(before, after, "the proxy directory changed");
}

#[test]
fn files_the_go_command_refuses_fail_the_checks_and_the_build_naming_them() {
    // A case-insensitive collision and a LICENSE over 16 MiB (sparse in the work tree).
    let tmp = tempdir();
    let repo = tmp.path().join("lib");
    write_files(
        &repo,
        &[
            ("go.mod", "module example.com/lib\n\ngo 1.22\n"),
            ("lib.go", "package lib\n"),
            ("README.md", "a\n"),
            ("docs/readme.md", "b\n"),
            ("Docs/guide.md", "c\n"),
            ("tug.yaml", &yaml("")),
        ],
    );
    let license = std::fs::File::create(repo.join("LICENSE")).unwrap();
    license.set_len((16 << 20) + 1).unwrap();
    git_init_commit(&repo, Some("v1.0.0"));
    let collision = "docs/readme.md: case-insensitive file name collision with \"Docs\"";
    let license = "LICENSE: 16777217 bytes, over the 16777216-byte limit";

    // `tug check --release` before tagging, and the checks of the tagged build: module-zip.
    for args in [&["check", "--release"][..], &["build", "--no-progress"][..]] {
        let out = run(tug(&repo).args(args));
        assert_eq!(out.code, 3, "{out:?}");
        assert!(
            out.stdout
                .contains(&format!("error[module-zip]: {collision}")),
            "{out:?}"
        );
        assert!(
            out.stdout
                .contains(&format!("error[module-zip]: {license}")),
            "{out:?}"
        );
        assert!(!repo.join("dist").exists(), "a refused module left a dist");
    }

    // With the check off, the build itself refuses to make the zip.
    write_files(
        &repo,
        &[(
            "tug.yaml",
            &format!("{}checks:\n  severity:\n    module-zip: off\n", yaml("")),
        )],
    );
    commit_all(&repo, "chore: no module-zip check");
    ok(git(&repo).args(["tag", "-d", "v1.0.0"]));
    tag(&repo, "v1.0.0");
    let out = run(tug(&repo).args(["build", "--no-progress"]));
    assert_eq!(out.code, 3, "{out:?}");
    assert!(
        out.stderr
            .contains("cannot go into the module zip of example.com/lib@v1.0.0"),
        "{out:?}"
    );
    assert!(out.stderr.contains(collision), "{out:?}");
    assert!(out.stderr.contains(license), "{out:?}");
    assert!(!repo.join("dist").exists(), "a refused module left a dist");
}

#[test]
fn a_module_path_the_go_command_rejects_is_refused_before_anything_is_written() {
    let tmp = tempdir();
    let repo = tmp.path().join("lib");
    write_files(
        &repo,
        &[
            ("go.mod", "module Example.com/lib\n\ngo 1.22\n"),
            ("lib.go", "package lib\n"),
            (
                "tug.yaml",
                &yaml("publish:\n  - type: goproxy\n    path: proxy\n"),
            ),
        ],
    );
    git_init_commit(&repo, Some("v1.0.0"));
    // The release checks refuse it (go-mod, at go.mod:1) before the module zip is made.
    let out = run(tug(&repo).args(["build", "--no-progress"]));
    assert_eq!(out.code, 3, "{out:?}");
    assert!(
        out.stdout
            .contains("malformed module path \"Example.com/lib\": invalid char 'E'"),
        "{out:?}"
    );
    assert!(out.stdout.contains("--> go.mod:1:1"), "{out:?}");
    assert!(!repo.join("dist").exists());
    assert!(!repo.join("proxy").exists());
}

#[cfg(feature = "test-nginx")]
#[test]
fn staged_versions_are_served_over_http_but_listed_only_once_promoted() {
    let nginx = crate::harness::nginx::Nginx::shared();
    let tmp = tempdir();
    let repo = tmp.path().join("lib");
    let (url, served) = nginx_site(nginx, &tmp);
    library(
        &repo,
        &format!("publish:\n  - type: goproxy\n    url: {url}\n"),
    );
    ok(tug(&repo).args(["build", "--clean", "--no-progress"]));
    let out = run(tug(&repo).args(["publish", "--no-progress"]));
    assert_eq!(out.code, 0, "{out:?}");
    let v100_h1 = module_artifact(&manifest(&repo), "zip")["extra"]["h1"].clone();

    // v1.1.0 published staged.
    write_files(
        &repo,
        &[
            ("lib.go", "package lib\n\n// Answer is the answer.\nfunc Answer() int { return 42 }\n\n// Question is new.\nfunc Question() string { return \"?\" }\n"),
            ("tug.yaml", &yaml(&format!("publish:\n  - type: goproxy\n    url: {url}\n    staged: true\n"))),
        ],
    );
    commit_all(&repo, "feat: a question");
    tag(&repo, "v1.1.0");
    ok(tug(&repo).args(["build", "--clean", "--no-progress"]));
    let out = run(tug(&repo).args(["publish", "--no-progress"]));
    assert_eq!(out.code, 0, "{out:?}");
    let v110_h1 = module_artifact(&manifest(&repo), "zip")["extra"]["h1"].clone();
    assert!(served.join(ESCAPED).join("@v/v1.1.0.zip").is_file());
    assert_eq!(
        std::fs::read_to_string(served.join(ESCAPED).join("@v/list")).unwrap(),
        "v1.0.0\n"
    );
    let state: Value =
        serde_json::from_slice(&std::fs::read(repo.join("dist/publish-state.json")).unwrap())
            .unwrap();
    assert_eq!(
        state["publishers"]["goproxy"]["items"]["module example.com/Lib@v1.1.0"]["location"],
        "staged"
    );

    let app = tmp.path().join("app");
    consumer(&app);
    let cache = tmp.path().join("modcache");
    assert_eq!(versions(&app, &url, &cache), format!("{MODULE} v1.0.0"));
    // @latest does not move to the staged version ...
    let latest = ok(go_client(&app, &url, &cache).args([
        "list",
        "-m",
        "-json",
        &format!("{MODULE}@latest"),
    ]));
    assert_eq!(
        serde_json::from_str::<Value>(&latest).unwrap()["Version"],
        "v1.0.0"
    );
    // ... but whoever pins it gets it, with the manifest's h1.
    let dl = ok(go_client(&app, &url, &cache).args([
        "mod",
        "download",
        "-json",
        &format!("{MODULE}@v1.1.0"),
    ]));
    assert_eq!(serde_json::from_str::<Value>(&dl).unwrap()["Sum"], v110_h1);
    let dl = ok(go_client(&app, &url, &cache).args([
        "mod",
        "download",
        "-json",
        &format!("{MODULE}@v1.0.0"),
    ]));
    assert_eq!(serde_json::from_str::<Value>(&dl).unwrap()["Sum"], v100_h1);
    ok(go_client(&app, &url, &cache).args(["get", &format!("{MODULE}@v1.1.0")]));

    // Withdrawing a staged version deletes its files; a listed one cannot be withdrawn.
    let out = run(tug(&repo).args(["publish", "--withdraw", "v1.0.0"]));
    assert_eq!(out.code, 1, "{out:?}");
    assert!(
        out.stderr
            .contains("a promoted version cannot be withdrawn"),
        "{out:?}"
    );
    assert!(served.join(ESCAPED).join("@v/v1.0.0.zip").is_file());

    // Promotion lists it: go list and @latest see it.
    let out = run(tug(&repo).args(["publish", "--promote", "v1.1.0"]));
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(
        std::fs::read_to_string(served.join(ESCAPED).join("@v/list")).unwrap(),
        "v1.0.0\nv1.1.0\n"
    );
    assert_eq!(
        versions(&app, &url, &cache),
        format!("{MODULE} v1.0.0 v1.1.0")
    );
    let latest = ok(go_client(&app, &url, &cache).args([
        "list",
        "-m",
        "-json",
        &format!("{MODULE}@latest"),
    ]));
    assert_eq!(
        serde_json::from_str::<Value>(&latest).unwrap()["Version"],
        "v1.1.0"
    );
    let state: Value =
        serde_json::from_slice(&std::fs::read(repo.join("dist/publish-state.json")).unwrap())
            .unwrap();
    assert_eq!(
        state["publishers"]["goproxy"]["items"]["module example.com/Lib@v1.1.0"]["location"],
        "listed"
    );
    let out = run(tug(&repo).args(["publish", "--withdraw", "v1.1.0"]));
    assert_eq!(out.code, 1, "{out:?}");

    // A staged v1.2.0 withdrawn before promotion: its files are gone from the server's disk.
    write_files(
        &repo,
        &[(
            "extra.go",
            "package lib\n\n// Extra is more.\nfunc Extra() {}\n",
        )],
    );
    commit_all(&repo, "feat: extra");
    tag(&repo, "v1.2.0");
    ok(tug(&repo).args(["build", "--clean", "--no-progress"]));
    ok(tug(&repo).args(["publish", "--no-progress"]));
    assert!(served.join(ESCAPED).join("@v/v1.2.0.zip").is_file());
    let out = run(tug(&repo).args(["publish", "--withdraw", "v1.2.0"]));
    assert_eq!(out.code, 0, "{out:?}");
    for ext in ["info", "mod", "zip"] {
        assert!(!served
            .join(ESCAPED)
            .join(format!("@v/v1.2.0.{ext}"))
            .exists());
    }
    assert_eq!(
        std::fs::read_to_string(served.join(ESCAPED).join("@v/list")).unwrap(),
        "v1.0.0\nv1.1.0\n"
    );
    let out = run(go_client(&app, &url, &cache).args([
        "mod",
        "download",
        "-json",
        &format!("{MODULE}@v1.2.0"),
    ]));
    assert_ne!(out.code, 0, "{out:?}");
}

#[test]
fn verify_recomputes_the_module_hashes_from_the_zip_and_go_mod() {
    let tmp = tempdir();
    let repo = tmp.path().join("lib");
    library(&repo, "sign:\n  key: env://TUG_TEST_SIGNING_KEY\n");
    let keys = tmp.path().join("keys");
    std::fs::create_dir_all(&keys).unwrap();
    ok(tug(&keys)
        .args(["keys", "generate"])
        .env("COSIGN_PASSWORD", "module-test"));
    let key = std::fs::read_to_string(keys.join("cosign.key")).unwrap();
    ok(tug(&repo).args(["build", "--no-progress"]));
    ok(tug(&repo)
        .args(["sign", "--no-progress"])
        .env("TUG_TEST_SIGNING_KEY", &key)
        .env("COSIGN_PASSWORD", "module-test"));
    let verify = |repo: &Path| {
        run(tug(repo)
            .args(["verify", "--key"])
            .arg(keys.join("cosign.pub")))
    };
    let out = verify(&repo);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stderr.contains("h1: hashes recomputed"), "{out:?}");

    // A manifest whose h1: is not the zip's (what consumers' go.sum would disagree with).
    let path = repo.join("dist/manifest.json");
    let text = std::fs::read_to_string(&path).unwrap();
    let h1 = module_artifact(&manifest(&repo), "zip")["extra"]["h1"]
        .as_str()
        .unwrap()
        .to_string();
    let forged = "h1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
    std::fs::write(&path, text.replace(&h1, forged)).unwrap();
    let out = verify(&repo);
    assert_eq!(out.code, 1, "{out:?}");
    assert!(
        out.stdout.contains(&format!(
            "FAIL  example.com_!lib@v1.0.0.zip: its h1 is {h1}, the manifest records {forged}"
        )),
        "{out:?}"
    );
}

#[test]
fn a_module_with_binaries_gets_its_module_release_only_with_a_goproxy_publisher() {
    let tmp = tempdir();
    let repo = tmp.path().join("app");
    let builds = "builds:\n  - main: .\n    targets: [linux/amd64]\n";
    write_files(
        &repo,
        &[
            ("go.mod", "module example.com/app\n\ngo 1.22\n"),
            (
                "main.go",
                "package main\n\nvar version = \"dev\"\n\nfunc main() { println(version) }\n",
            ),
            ("tug.yaml", &yaml(builds)),
            (".gitignore", "dist/\n"),
        ],
    );
    git_init_commit(&repo, Some("v0.1.0"));
    ok(tug(&repo).args(["build", "--no-progress"]));
    let m = manifest(&repo);
    let kinds: Vec<&str> = m["artifacts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["kind"].as_str().unwrap())
        .collect();
    assert!(
        kinds.contains(&"binary") && !kinds.contains(&"go-module"),
        "{kinds:?}"
    );

    write_files(
        &repo,
        &[(
            "tug.yaml",
            &yaml(&format!(
                "{builds}publish:\n  - type: goproxy\n    path: ../proxy\n"
            )),
        )],
    );
    commit_all(&repo, "chore: publish the module");
    ok(git(&repo).args(["tag", "-d", "v0.1.0"]));
    tag(&repo, "v0.1.0");
    ok(tug(&repo).args(["build", "--clean", "--no-progress"]));
    let m = manifest(&repo);
    assert_eq!(
        module_artifact(&m, "zip")["name"],
        "example.com_app@v0.1.0.zip"
    );
    assert!(m["artifacts"]
        .as_array()
        .unwrap()
        .iter()
        .any(|a| a["kind"] == "binary"));
    ok(tug(&repo).args(["publish", "--no-progress"]));
    assert!(tmp
        .path()
        .join("proxy/example.com/app/@v/v0.1.0.zip")
        .is_file());
}

#[test]
fn a_goproxy_publisher_needs_exactly_one_of_path_and_url() {
    let tmp = tempdir();
    let dir = tmp.path();
    for publish in [
        "publish:\n  - type: goproxy\n",
        "publish:\n  - type: goproxy\n    path: p\n    url: http://127.0.0.1:1/\n",
    ] {
        write_files(dir, &[("tug.yaml", &yaml(publish))]);
        let out = run(tug(dir).arg("check"));
        assert_eq!(out.code, 2, "{out:?}");
        assert!(
            out.stderr
                .contains("a goproxy publisher needs exactly one of `path` and `url`"),
            "{out:?}"
        );
        assert!(out.stderr.contains("error: tug.yaml:"), "{out:?}");
    }
    // An HTTP proxy cannot be locked: a `lock_wait` for it would do nothing, so it is refused.
    write_files(
        dir,
        &[(
            "tug.yaml",
            &yaml("publish:\n  - type: goproxy\n    url: http://127.0.0.1:1/\n    lock_wait: 1m\n"),
        )],
    );
    let out = run(tug(dir).arg("check"));
    assert_eq!(out.code, 2, "{out:?}");
    assert!(out.stderr.contains("error: tug.yaml:7:16:"), "{out:?}");
    assert!(
        out.stderr
            .contains("`lock_wait` applies only to a `path`: an HTTP proxy cannot be locked"),
        "{out:?}"
    );
}

/// `tug keys generate --sumdb NAME` in `dir`: the verifier key it printed, checked against the
/// files it wrote (the signer key 0600, never printed).
fn sumdb_keys(dir: &Path, name: &str) -> String {
    use std::os::unix::fs::PermissionsExt;
    std::fs::create_dir_all(dir).unwrap();
    let out = run(tug(dir).args(["keys", "generate", "--sumdb", name]));
    assert_eq!(out.code, 0, "{out:?}");
    let vkey = out.stdout.trim().to_string();
    assert!(vkey.starts_with(&format!("{name}+")), "{out:?}");
    assert_eq!(
        std::fs::read_to_string(dir.join("sumdb.vkey"))
            .unwrap()
            .trim(),
        vkey
    );
    let skey = std::fs::read_to_string(dir.join("sumdb.key")).unwrap();
    assert!(skey.starts_with(&format!("PRIVATE+KEY+{name}+")));
    // PRIVATE+KEY+NAME+HASH+BASE64: the base64 key itself may hold '+'.
    let secret = skey.trim().splitn(5, '+').last().unwrap().to_string();
    assert!(secret.len() > 40, "{skey}");
    assert!(!out.stdout.contains(&secret) && !out.stderr.contains(&secret));
    let mode = std::fs::metadata(dir.join("sumdb.key"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
    // An existing key is never overwritten without --force.
    let again = run(tug(dir).args(["keys", "generate", "--sumdb", name]));
    assert_ne!(again.code, 0, "{again:?}");
    assert_eq!(
        std::fs::read_to_string(dir.join("sumdb.key")).unwrap(),
        skey
    );
    vkey
}

/// The go command as a user of the private checksum database runs it: GOSUMDB names it, nothing
/// exempts example.com from it (no GONOSUMDB, GOPRIVATE, GONOSUMCHECK, GOINSECURE), and its own
/// GOPATH (where it keeps the newest tree head it has seen) and module cache.
fn go_verifying(dir: &Path, proxy: &str, gosumdb: &str, gopath: &Path, modcache: &Path) -> Command {
    let mut cmd = Command::new(go());
    hermetic(&mut cmd);
    for v in [
        "GONOSUMDB",
        "GOPRIVATE",
        "GONOSUMCHECK",
        "GONOSUMCHECK",
        "GOINSECURE",
    ] {
        cmd.env_remove(v);
    }
    cmd.current_dir(dir)
        .env("GOPROXY", proxy)
        .env("GOSUMDB", gosumdb)
        .env("GOFLAGS", "-mod=mod -modcacherw")
        .env("GOPATH", gopath)
        .env("GOMODCACHE", modcache);
    cmd
}

/// A module zip with the same entries as `zip`, one of them (`file`) with a line added: a valid
/// module zip of the same version with another h1:.
fn tampered(zip: &[u8], file: &str) -> Vec<u8> {
    use std::io::{Read, Write};
    let mut src = zip::ZipArchive::new(std::io::Cursor::new(zip)).unwrap();
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let mut changed = false;
    for i in 0..src.len() {
        let mut entry = src.by_index(i).unwrap();
        let name = entry.name().unwrap().to_string();
        let mut bytes = Vec::new();
        entry.read_to_end(&mut bytes).unwrap();
        if name.ends_with(&format!("/{file}")) {
            bytes.extend_from_slice(b"\nfunc Backdoor() {}\n");
            changed = true;
        }
        out.start_file(name, zip::write::SimpleFileOptions::default())
            .unwrap();
        out.write_all(&bytes).unwrap();
    }
    assert!(changed, "{file} is not in the zip");
    out.finish().unwrap().into_inner()
}

/// Every file under `dir` with its bytes.
fn snapshot(dir: &Path) -> Vec<(String, Vec<u8>)> {
    tree(dir)
        .into_iter()
        .map(|f| (f.clone(), std::fs::read(dir.join(&f)).unwrap()))
        .collect()
}

#[test]
fn the_private_checksum_database_makes_the_go_command_verify_every_version() {
    let tmp = tempdir();
    let keys = tmp.path().join("keys");
    let vkey = sumdb_keys(&keys, "sum.example.com");
    let repo = tmp.path().join("lib");
    let publish = |extra: &str| {
        format!(
            "publish:\n  - type: goproxy\n    path: proxy\n{extra}    sumdb:\n      name: sum.example.com\n      key: {}\n",
            keys.join("sumdb.key").display()
        )
    };
    library(&repo, &publish(""));
    ok(tug(&repo).args(["build", "--no-progress"]));
    let out = run(tug(&repo).args(["publish", "--no-progress"]));
    assert_eq!(out.code, 0, "{out:?}");
    let m = manifest(&repo);
    let h1 = module_artifact(&m, "zip")["extra"]["h1"]
        .as_str()
        .unwrap()
        .to_string();
    let go_mod_h1 = module_artifact(&m, "mod")["extra"]["go_mod_h1"]
        .as_str()
        .unwrap()
        .to_string();
    let proxy = repo.join("proxy");
    let db = proxy.join("sumdb/sum.example.com");
    assert_eq!(
        tree(&db),
        [
            "latest",
            "lookup/example.com/!lib@v1.0.0",
            "supported",
            "tile/8/0/000.p/1",
            "tile/8/data/000.p/1",
        ]
    );
    let record = format!("{MODULE} v1.0.0 {h1}\n{MODULE} v1.0.0/go.mod {go_mod_h1}\n");
    assert_eq!(
        std::fs::read_to_string(db.join("tile/8/data/000.p/1")).unwrap(),
        format!("{record}\n")
    );
    let lookup = std::fs::read_to_string(db.join("lookup/example.com/!lib@v1.0.0")).unwrap();
    assert!(
        lookup.starts_with(&format!("0\n{record}\ngo.sum database tree\n1\n")),
        "{lookup}"
    );
    assert!(lookup.contains("\n— sum.example.com "), "{lookup}");

    // The go command verifies the version against the database: go.sum gets both lines.
    let gosumdb = format!("{vkey} file://{}", db.display());
    let url = format!("file://{}", proxy.display());
    let gopath = tmp.path().join("gopath");
    let app = tmp.path().join("app");
    consumer(&app);
    ok(
        go_verifying(&app, &url, &gosumdb, &gopath, &tmp.path().join("cache1"))
            .args(["get", &format!("{MODULE}@v1.0.0")]),
    );
    let sum = std::fs::read_to_string(app.join("go.sum")).unwrap();
    assert!(sum.contains(&format!("{MODULE} v1.0.0 {h1}")), "{sum}");
    assert!(
        sum.contains(&format!("{MODULE} v1.0.0/go.mod {go_mod_h1}")),
        "{sum}"
    );
    let cached_head = gopath.join("pkg/sumdb/sum.example.com/latest");
    assert!(
        std::fs::read_to_string(&cached_head)
            .unwrap()
            .contains("tree\n1\n"),
        "the go command did not record the database's tree head"
    );

    // v1.1.0, staged, in a second run: the tree grows to 2 and the go command, which remembers
    // the tree of 1, checks that the new tree extends it before it accepts v1.1.0.
    write_files(
        &repo,
        &[
            ("lib.go", "package lib\n\n// Answer is the answer.\nfunc Answer() int { return 42 }\n\n// Question is new.\nfunc Question() string { return \"?\" }\n"),
            ("tug.yaml", &yaml(&publish("    staged: true\n"))),
        ],
    );
    commit_all(&repo, "feat: a question");
    tag(&repo, "v1.1.0");
    ok(tug(&repo).args(["build", "--clean", "--no-progress"]));
    let out = run(tug(&repo).args(["publish", "--no-progress"]));
    assert_eq!(out.code, 0, "{out:?}");
    let v110_h1 = module_artifact(&manifest(&repo), "zip")["extra"]["h1"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        tree(&db).contains(&"tile/8/0/000.p/2".to_string()),
        "{:?}",
        tree(&db)
    );
    // The tiles of the tree of 1 stay: a client that saw that tree still reads them.
    assert!(db.join("tile/8/0/000.p/1").is_file());
    ok(
        go_verifying(&app, &url, &gosumdb, &gopath, &tmp.path().join("cache2"))
            .args(["get", &format!("{MODULE}@v1.1.0")]),
    );
    let sum = std::fs::read_to_string(app.join("go.sum")).unwrap();
    assert!(sum.contains(&format!("{MODULE} v1.1.0 {v110_h1}")), "{sum}");
    assert!(std::fs::read_to_string(&cached_head)
        .unwrap()
        .contains("tree\n2\n"));

    // A zip changed after publishing (other bytes, same name): the go command refuses it.
    let zip = proxy.join(ESCAPED).join("@v/v1.0.0.zip");
    let original = std::fs::read(&zip).unwrap();
    std::fs::write(&zip, tampered(&original, "lib.go")).unwrap();
    let fresh = tmp.path().join("fresh");
    consumer(&fresh);
    let out = go_verifying(&fresh, &url, &gosumdb, &gopath, &tmp.path().join("cache3"))
        .args(["mod", "download", &format!("{MODULE}@v1.0.0")])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{stderr}");
    assert!(stderr.contains("SECURITY ERROR"), "{stderr}");
    assert!(stderr.contains("checksum mismatch"), "{stderr}");
    assert!(
        stderr.contains(&format!("sum.example.com: {h1}")),
        "{stderr}"
    );
    std::fs::write(&zip, original).unwrap();

    // The staged v1.1.0 is withdrawn and tagged again on other contents: the database recorded
    // its hash, so publishing other bytes under that version is refused, nothing written.
    ok(tug(&repo).args(["publish", "--withdraw", "v1.1.0", "--no-progress"]));
    let before = snapshot(&proxy);
    retag_on_other_contents(&repo, "v1.1.0");
    let out = run(tug(&repo).args(["publish", "--no-progress"]));
    assert_eq!(out.code, 1, "{out:?}");
    assert!(
        out.stderr.contains(&format!(
            "the checksum database sum.example.com already records {MODULE} v1.1.0 as {v110_h1}"
        )),
        "{out:?}"
    );
    assert!(
        out.stderr.contains("hint: a recorded version is immutable"),
        "{out:?}"
    );
    assert_eq!(
        snapshot(&proxy),
        before,
        "the proxy or its database changed"
    );

    // `tug verify --sumdb`: every tile and lookup against the signed head; a changed tile (one a
    // client of the older tree of 1 reads) is named.
    let verify = |key: &str| {
        run(tug(&repo)
            .args(["verify", "--sumdb"])
            .arg(&db)
            .args(["--key", key]))
    };
    let out = verify(keys.join("sumdb.vkey").to_str().unwrap());
    assert_eq!(out.code, 0, "{out:?}");
    assert!(
        out.stderr
            .contains("checksum database sum.example.com: 2 record(s)"),
        "{out:?}"
    );
    let other = sumdb_keys(&tmp.path().join("other-keys"), "sum.example.com");
    let out = verify(&other);
    assert_eq!(out.code, 1, "{out:?}");
    assert!(out.stderr.contains("does not open with the key"), "{out:?}");
    std::fs::write(db.join("tile/8/0/000.p/1"), [0u8; 32]).unwrap();
    let out = verify(&vkey);
    assert_eq!(out.code, 1, "{out:?}");
    assert!(
        out.stdout
            .contains("FAIL  tile/8/0/000.p/1: differs from the tree's records"),
        "{out:?}"
    );
}

#[test]
fn the_checksum_database_is_found_through_an_http_proxy_and_refuses_a_foreign_key() {
    let nginx = crate::harness::nginx::Nginx::shared();
    let tmp = tempdir();
    let (url, served) = nginx_site(nginx, &tmp);
    let keys = tmp.path().join("keys");
    let vkey = sumdb_keys(&keys, "sum.example.com/private");
    let repo = tmp.path().join("lib");
    // The key from the environment, as a CI secret.
    library(
        &repo,
        &format!("publish:\n  - type: goproxy\n    url: {url}\n    sumdb:\n      name: sum.example.com/private\n      key: env://TUG_SUMDB_KEY\n"),
    );
    let skey = std::fs::read_to_string(keys.join("sumdb.key")).unwrap();
    ok(tug(&repo).args(["build", "--no-progress"]));
    let out = run(tug(&repo).args(["publish", "--no-progress"]));
    assert_eq!(out.code, 2, "a missing key is a usage error: {out:?}");
    assert!(
        out.stderr.contains("signer key env://TUG_SUMDB_KEY"),
        "{out:?}"
    );
    // A dry run says what it would append, and that an HTTP proxy has no lock; it writes nothing.
    let out =
        run(tug(&repo)
            .env("TUG_SUMDB_KEY", &skey)
            .args(["publish", "--dry-run", "--no-progress"]));
    assert_eq!(out.code, 0, "{out:?}");
    assert!(
        out.stderr
            .contains("to the checksum database sum.example.com/private")
            && out.stderr.contains("tree of 0 -> 1 records:"),
        "{out:?}"
    );
    assert!(
        out.stderr.contains(&format!(
            "No lock goproxy: {url} is an HTTP proxy, which tug cannot lock: only one publisher at a time may publish to it"
        )),
        "{out:?}"
    );
    assert!(
        !served.join("sumdb").exists(),
        "a dry run wrote the database"
    );
    let out = run(tug(&repo)
        .env("TUG_SUMDB_KEY", &skey)
        .args(["publish", "--no-progress"]));
    assert_eq!(out.code, 0, "{out:?}");
    assert!(!out.stderr.contains(skey.trim()) && !out.stdout.contains(skey.trim()));
    assert!(served
        .join("sumdb/sum.example.com/private/lookup/example.com/!lib@v1.0.0")
        .is_file());

    // GOSUMDB with the key alone: the go command asks the proxy for
    // /sumdb/<name>/supported and reads the database through it.
    let app = tmp.path().join("app");
    consumer(&app);
    let gopath = tmp.path().join("gopath");
    ok(
        go_verifying(&app, &url, &vkey, &gopath, &tmp.path().join("cache"))
            .args(["get", &format!("{MODULE}@v1.0.0")]),
    );
    let h1 = module_artifact(&manifest(&repo), "zip")["extra"]["h1"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(std::fs::read_to_string(app.join("go.sum"))
        .unwrap()
        .contains(&format!("{MODULE} v1.0.0 {h1}")));

    // Another key for the same name cannot append to (or take over) the database.
    let other = tmp.path().join("other");
    sumdb_keys(&other, "sum.example.com/private");
    let before = snapshot(&served);
    let out = run(tug(&repo)
        .env(
            "TUG_SUMDB_KEY",
            std::fs::read_to_string(other.join("sumdb.key")).unwrap(),
        )
        .args(["publish", "--no-progress"]));
    assert_eq!(out.code, 1, "{out:?}");
    assert!(
        out.stderr
            .contains("the signed tree head does not open with the key of sum.example.com/private"),
        "{out:?}"
    );
    assert_eq!(snapshot(&served), before);
}

#[test]
fn a_bad_sumdb_setting_is_reported_at_its_line() {
    let tmp = tempdir();
    let repo = tmp.path().join("lib");
    library(
        &repo,
        "publish:\n  - type: goproxy\n    path: proxy\n    sumdb:\n      name: \"sum example\"\n      key: sumdb.key\n",
    );
    let out = run(tug(&repo).args(["check", "--no-progress"]));
    assert_eq!(out.code, 2, "{out:?}");
    assert!(out.stderr.contains("tug.yaml:8:7:"), "{out:?}");
    assert!(
        out.stderr
            .contains("invalid checksum database name \"sum example\""),
        "{out:?}"
    );
}

/// Hold the lock of the proxy at `proxy` from this process, as a publisher would: an exclusive
/// flock(2) on `.tug-publish.lock`, with this process named as the holder.
fn hold_lock(proxy: &Path) -> nix::fcntl::Flock<std::fs::File> {
    use std::io::Write;
    std::fs::create_dir_all(proxy).unwrap();
    let file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(proxy.join(".tug-publish.lock"))
        .unwrap();
    let mut held = nix::fcntl::Flock::lock(file, nix::fcntl::FlockArg::LockExclusiveNonblock)
        .map_err(|(_, e)| e)
        .expect("the proxy lock is free");
    held.set_len(0).unwrap();
    write!(
        held,
        "pid: {}\nhost: test-holder\nsince: 2026-12-02T08:00:00Z\n",
        std::process::id()
    )
    .unwrap();
    held
}

/// A second version, v1.1.0, of the library in `repo`, built.
fn release_v1_1_0(repo: &Path) {
    write_files(
        repo,
        &[(
            "lib.go",
            "package lib\n\n// Answer is the answer.\nfunc Answer() int { return 42 }\n\n// Question is new.\nfunc Question() string { return \"?\" }\n",
        )],
    );
    commit_all(repo, "feat: a question");
    tag(repo, "v1.1.0");
    ok(tug(repo).args(["build", "--clean", "--no-progress"]));
}

fn h1s(repo: &Path) -> (String, String) {
    let m = manifest(repo);
    let get = |file: &str, key: &str| {
        module_artifact(&m, file)["extra"][key]
            .as_str()
            .unwrap()
            .to_string()
    };
    (get("zip", "h1"), get("mod", "go_mod_h1"))
}

#[test]
fn two_publishers_started_together_take_turns_and_both_versions_land_in_the_database() {
    let tmp = tempdir();
    let keys = tmp.path().join("keys");
    let vkey = sumdb_keys(&keys, "sum.example.com");
    let proxy = tmp.path().join("proxy");
    let publish = format!(
        "publish:\n  - type: goproxy\n    path: {}\n    sumdb:\n      name: sum.example.com\n      key: {}\n",
        proxy.display(),
        keys.join("sumdb.key").display()
    );
    // Two CI jobs, two checkouts: v1.0.0 from one, v1.1.0 from the other, one proxy directory.
    let a = tmp.path().join("a");
    library(&a, &publish);
    ok(tug(&a).args(["build", "--no-progress"]));
    let b = tmp.path().join("b");
    library(&b, &publish);
    release_v1_1_0(&b);
    let (a_h1, a_mod) = h1s(&a);
    let (b_h1, b_mod) = h1s(&b);

    // Both start while the lock is held, so both have to wait for it, whatever the timing; then
    // it is released and they run one after the other, in either order.
    let held = hold_lock(&proxy);
    let logs = [tmp.path().join("a.log"), tmp.path().join("b.log")];
    let mut children: Vec<std::process::Child> = [&a, &b]
        .iter()
        .zip(&logs)
        .map(|(repo, log)| {
            tug(repo)
                .args(["publish", "--no-progress"])
                .stdout(std::process::Stdio::null())
                .stderr(std::fs::File::create(log).unwrap())
                .spawn()
                .unwrap()
        })
        .collect();
    let waiting = format!(
        "waiting for the lock on {}, held by pid {} on test-holder",
        proxy.join(".tug-publish.lock").display(),
        std::process::id()
    );
    let read = |log: &PathBuf| std::fs::read_to_string(log).unwrap_or_default();
    wait_for(
        "both publishers to wait for the lock",
        std::time::Duration::from_secs(120),
        || logs.iter().all(|l| read(l).contains(&waiting)),
    );
    assert_eq!(
        tree(&proxy),
        [".tug-publish.lock"],
        "a publisher wrote without the lock"
    );
    drop(held);
    for (child, log) in children.iter_mut().zip(&logs) {
        let status = child.wait().unwrap();
        assert!(status.success(), "{status}: {}", read(log));
    }

    // Both versions are listed; @latest is the higher one whichever came last.
    let dir = proxy.join(ESCAPED);
    assert_eq!(
        std::fs::read_to_string(dir.join("@v/list")).unwrap(),
        "v1.0.0\nv1.1.0\n"
    );
    assert_eq!(
        std::fs::read(dir.join("@latest")).unwrap(),
        std::fs::read(dir.join("@v/v1.1.0.info")).unwrap()
    );
    // The tree grew by both: the first publisher's tree of 1, then the second's of 2, which
    // holds both records.
    let db = proxy.join("sumdb/sum.example.com");
    let files = tree(&db);
    for f in [
        "tile/8/0/000.p/1",
        "tile/8/0/000.p/2",
        "tile/8/data/000.p/1",
        "tile/8/data/000.p/2",
        "lookup/example.com/!lib@v1.0.0",
        "lookup/example.com/!lib@v1.1.0",
    ] {
        assert!(files.contains(&f.to_string()), "{f} missing: {files:?}");
    }
    let data = std::fs::read_to_string(db.join("tile/8/data/000.p/2")).unwrap();
    for line in [
        format!("{MODULE} v1.0.0 {a_h1}"),
        format!("{MODULE} v1.0.0/go.mod {a_mod}"),
        format!("{MODULE} v1.1.0 {b_h1}"),
        format!("{MODULE} v1.1.0/go.mod {b_mod}"),
    ] {
        assert!(data.contains(&line), "{line} not in {data}");
    }
    assert!(std::fs::read_to_string(db.join("latest"))
        .unwrap()
        .contains("go.sum database tree\n2\n"));
    let out = run(tug(&a)
        .args(["verify", "--sumdb"])
        .arg(&db)
        .arg("--key")
        .arg(keys.join("sumdb.vkey")));
    assert_eq!(out.code, 0, "{out:?}");
    assert!(
        out.stderr
            .contains("checksum database sum.example.com: 2 record(s)"),
        "{out:?}"
    );

    // The go command, verifying against the database, downloads both versions.
    let gosumdb = format!("{vkey} file://{}", db.display());
    let url = format!("file://{}", proxy.display());
    let app = tmp.path().join("app");
    consumer(&app);
    let gopath = tmp.path().join("gopath");
    let cache = tmp.path().join("cache");
    let out = ok(go_verifying(&app, &url, &gosumdb, &gopath, &cache).args([
        "mod",
        "download",
        "-json",
        &format!("{MODULE}@v1.0.0"),
        &format!("{MODULE}@v1.1.0"),
    ]));
    let sums: Vec<(String, String)> = serde_json::Deserializer::from_str(&out)
        .into_iter::<Value>()
        .map(|v| {
            let v = v.unwrap();
            assert!(v.get("Error").is_none(), "{v:#}");
            (
                v["Version"].as_str().unwrap().to_string(),
                v["Sum"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        sums,
        [("v1.0.0".to_string(), a_h1), ("v1.1.0".to_string(), b_h1)]
    );
    assert_eq!(
        ok(go_verifying(&app, &url, &gosumdb, &gopath, &cache).args([
            "list",
            "-m",
            "-versions",
            MODULE
        ]))
        .trim(),
        format!("{MODULE} v1.0.0 v1.1.0")
    );
}

#[test]
fn a_publisher_that_cannot_get_the_lock_gives_up_with_exit_5_and_changes_nothing() {
    let tmp = tempdir();
    let keys = tmp.path().join("keys");
    sumdb_keys(&keys, "sum.example.com");
    let repo = tmp.path().join("lib");
    library(
        &repo,
        &format!(
            "publish:\n  - type: goproxy\n    path: proxy\n    lock_wait: 1s\n    sumdb:\n      name: sum.example.com\n      key: {}\n",
            keys.join("sumdb.key").display()
        ),
    );
    ok(tug(&repo).args(["build", "--no-progress"]));
    ok(tug(&repo).args(["publish", "--no-progress"]));
    release_v1_1_0(&repo);
    let (h1, go_mod_h1) = h1s(&repo);
    let proxy = repo.join("proxy");
    let lock = proxy.join(".tug-publish.lock");

    let held = hold_lock(&proxy);
    let before = snapshot(&proxy);
    let out = run(tug(&repo).args(["publish", "--no-progress"]));
    assert_eq!(out.code, 5, "{out:?}");
    let holder = format!(
        "held by pid {} on test-holder since 2026-12-02T08:00:00Z",
        std::process::id()
    );
    assert!(
        out.stderr.contains(&format!(
            "Waiting goproxy: waiting for the lock on {}, {holder}",
            lock.display()
        )),
        "{out:?}"
    );
    assert!(
        out.stderr.contains(&format!(
            "error: {}: the proxy is locked by another publisher ({holder}); gave up after waiting 1s",
            lock.display()
        )),
        "{out:?}"
    );
    assert!(out.stderr.contains("raise `lock_wait`"), "{out:?}");
    assert_eq!(
        snapshot(&proxy),
        before,
        "a publisher without the lock wrote"
    );

    // Promote and withdraw take the same lock.
    let out = run(tug(&repo).args(["publish", "--promote", "v1.0.0", "--no-progress"]));
    assert_eq!(out.code, 5, "{out:?}");
    assert_eq!(snapshot(&proxy), before);

    // A dry run takes no lock: it says what it would append and list, and who holds the lock.
    let out = run(tug(&repo).args(["publish", "--dry-run", "--no-progress"]));
    assert_eq!(out.code, 0, "{out:?}");
    let expected = [
        format!(
            "Would append goproxy: to the checksum database sum.example.com ({}), tree of 1 -> 2 records:",
            proxy.join("sumdb/sum.example.com").display()
        ),
        format!("{MODULE} v1.1.0 {h1}\n"),
        format!("{MODULE} v1.1.0/go.mod {go_mod_h1}\n"),
        format!(
            "Would list goproxy: v1.1.0 in {} (listed now: v1.0.0; @latest -> v1.1.0)",
            proxy.join(ESCAPED).join("@v/list").display()
        ),
        format!(
            "Would wait goproxy: for the lock on {}, {holder} (up to 1s)",
            lock.display()
        ),
        "Would upload goproxy: example.com_!lib@v1.1.0.zip".to_string(),
    ];
    for e in &expected {
        assert!(out.stderr.contains(e.as_str()), "{e:?} not in {out:?}");
    }
    assert_eq!(snapshot(&proxy), before, "a dry run wrote");

    // A holder that died (kill -9) leaves its text but no lock: the kernel released it, and the
    // next publisher neither waits nor minds.
    drop(held);
    let out = run(tug(&repo).args(["publish", "--no-progress"]));
    assert_eq!(out.code, 0, "{out:?}");
    assert!(!out.stderr.contains("waiting for the lock"), "{out:?}");
    assert_eq!(std::fs::read(&lock).unwrap(), b"");
    assert_eq!(
        std::fs::read_to_string(proxy.join(ESCAPED).join("@v/list")).unwrap(),
        "v1.0.0\nv1.1.0\n"
    );
}
