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
    write_files(
        &repo,
        &[("lib.go", "package lib\n\nfunc Answer() int { return 43 }\n")],
    );
    commit_all(&repo, "fix: another answer");
    ok(git(&repo).args(["tag", "-d", "v1.0.0"]));
    tag(&repo, "v1.0.0");
    ok(tug(&repo).args(["build", "--clean", "--no-progress"]));
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
    let name = tmp
        .path()
        .file_name()
        .unwrap()
        .to_string_lossy()
        .into_owned();
    let url = format!("{}/{name}", nginx.url);
    let served: PathBuf = nginx.root.join(&name);
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
}
