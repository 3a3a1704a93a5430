//! `tug check --release` end to end: fixture repositories made with the real git, the real Go
//! toolchain computing the API of two tags, and build info read from binaries the real Go built
//! for linux, darwin and windows.

use std::path::Path;

use crate::harness::*;

const GOMOD: &str = "module example.com/app\n\ngo 1.22\n";
const APP_V1: &str = "package app\n\n// Client talks to the service.\ntype Client struct{ Name string }\n\n// Close releases the client.\nfunc (c *Client) Close() error { return nil }\n\n// Parse reads s.\nfunc Parse(s string) error { return nil }\n";

/// `tug check --release` with the helper cache kept under the target directory.
fn check(dir: &Path, args: &[&str]) -> Outcome {
    let cache = Path::new(env!("CARGO_TARGET_TMPDIR")).join("tug-cache");
    run(tug(dir)
        .args(["check", "--release"])
        .args(args)
        .env("TUG_CACHE_DIR", cache)
        .env("GOPROXY", "off"))
}

#[test]
fn clean_tagged_module_passes() {
    let tmp = tempdir();
    let dir = tmp.path();
    write_files(dir, &[("go.mod", GOMOD), ("app.go", APP_V1)]);
    git_init_commit(dir, Some("v1.0.0"));
    let out = check(dir, &[]);
    insta::assert_snapshot!(out.snapshot(&[(dir, "[TMP]")]), @r#"
        exit: 0
        --- stdout
        --- stderr
        note: no earlier release tag: the API has nothing to be compared with
        note: govulncheck is not installed: vulnerabilities not checked (go install golang.org/x/vuln/cmd/govulncheck@latest)
             Checked release v1.0.0: 0 errors, 0 warnings
    "#);
}

#[test]
fn api_break_fails_and_suggests_the_next_major() {
    let tmp = tempdir();
    let dir = tmp.path();
    write_files(dir, &[("go.mod", GOMOD), ("app.go", APP_V1)]);
    git_init_commit(dir, Some("v1.2.0"));
    let broken = "package app\n\n// Options tunes Parse.\ntype Options struct{ Strict bool }\n\n// Client talks to the service.\ntype Client struct{ Name string }\n\n// Parse reads s.\nfunc Parse(s string, o Options) error { return nil }\n";
    write_files(dir, &[("app.go", broken)]);
    commit_all(dir, "feat!: Parse takes options");
    let out = check(dir, &["--version", "v1.3.0"]);
    insta::assert_snapshot!(out.snapshot(&[(dir, "[TMP]")]), @r#"
        exit: 3
        --- stdout
        error[api-compat]: incompatible API changes since v1.2.0 need a new major version, not v1.3.0
          | removed func (*Client).Close
          | changed func Parse(string) error -> Parse(string, Options) error
          hint: release v2.0.0 with module path example.com/app/v2, or restore what was removed or changed
        --- stderr
        note: tag v1.3.0 does not exist yet: create it on HEAD with git tag -a v1.3.0 -m v1.3.0
        note: govulncheck is not installed: vulnerabilities not checked (go install golang.org/x/vuln/cmd/govulncheck@latest)
        error: release v1.3.0 checks failed: 1 error, 0 warnings
    "#);
    // Without --version: the suggestion, on stdout.
    let out = check(dir, &[]);
    insta::assert_snapshot!(out.snapshot(&[(dir, "[TMP]")]), @r#"
        exit: 3
        --- stdout
        error[tag-on-head]: HEAD (a1a7754) has no release tag
          hint: tag it: git tag -a v2.0.0 -m v2.0.0 (the version the API changes call for)
        API changes since v1.2.0 (1 package):
          removed func (*Client).Close
          changed func Parse(string) error -> Parse(string, Options) error
          added type Options struct
          added field Options.Strict bool
        suggested version: v2.0.0
        --- stderr
        note: govulncheck is not installed: vulnerabilities not checked (go install golang.org/x/vuln/cmd/govulncheck@latest)
        error: release checks failed: 1 error, 0 warnings
    "#);
}

#[test]
fn added_function_suggests_the_next_minor_and_json_events() {
    let tmp = tempdir();
    let dir = tmp.path();
    write_files(dir, &[("go.mod", GOMOD), ("app.go", APP_V1)]);
    git_init_commit(dir, Some("v1.2.0"));
    write_files(dir, &[("version.go", "package app\n\n// Version reports the version.\nfunc Version() string { return \"\" }\n")]);
    commit_all(dir, "feat: Version");
    let out = check(dir, &["--json", "--version", "v1.2.1"]);
    assert_eq!(out.code, 3, "{}", out.stderr);
    let events: Vec<serde_json::Value> = out
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let finding = events.iter().find(|e| e["event"] == "finding").unwrap();
    assert_eq!(finding["check"], "api-compat");
    assert_eq!(
        finding["message"],
        "API additions since v1.2.0 need a new minor version, not the patch release v1.2.1"
    );
    assert_eq!(finding["details"][0], "added func Version() string");
    let summary = events.iter().find(|e| e["event"] == "summary").unwrap();
    assert_eq!(summary["suggested_tag"], "v1.3.0");
    assert_eq!(summary["errors"], 1);
}

#[test]
fn config_severities_and_strict() {
    let tmp = tempdir();
    let dir = tmp.path();
    let gomod = "module example.com/app\n\ngo 1.22\n\nexclude example.com/bad v0.3.0\n";
    write_files(
        dir,
        &[
            ("go.mod", gomod),
            ("app.go", APP_V1),
            (
                "tug.yaml",
                "version: 1\nchecks:\n  severity:\n    branch: off\n",
            ),
        ],
    );
    git_init_commit(dir, Some("v1.0.0"));
    ok(git(dir).args(["checkout", "-q", "-b", "feature/x"]));
    // exclude warns, the branch check is off: exit 0.
    let out = check(dir, &[]);
    insta::assert_snapshot!(out.snapshot(&[(dir, "[TMP]")]), @r#"
        exit: 0
        --- stdout
        warning[exclude]: go.mod excludes example.com/bad v0.3.0
          --> go.mod:5:1
          hint: dependents ignore exclude directives: require a fixed version instead
        --- stderr
        note: no earlier release tag: the API has nothing to be compared with
        note: govulncheck is not installed: vulnerabilities not checked (go install golang.org/x/vuln/cmd/govulncheck@latest)
             Checked release v1.0.0: 0 errors, 1 warning
    "#);
    // --strict turns the warning into an error: exit 3.
    let out = check(dir, &["--strict"]);
    assert_eq!(out.code, 3);
    assert!(
        out.stdout.starts_with(
            "error[exclude]: go.mod excludes example.com/bad v0.3.0\n  --> go.mod:5:1\n"
        ),
        "{}",
        out.stdout
    );
}

#[test]
fn go_missing_is_exit_1() {
    let tmp = tempdir();
    let dir = tmp.path();
    write_files(dir, &[("go.mod", GOMOD), ("app.go", APP_V1)]);
    git_init_commit(dir, Some("v1.0.0"));
    // tug reads git with git2, so a PATH without any programs leaves only Go missing.
    let empty = tempdir();
    let out = run(tug(dir)
        .args(["check", "--release"])
        .env("PATH", empty.path())
        .env_remove("TUG_GO"));
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(
        out.stderr.contains(
            "error: release checks could not run\n  caused by: the Go toolchain is needed for the tidy and api-compat checks\n  caused by: go was not found on PATH\nhint: install Go"
        ),
        "{}",
        out.stderr
    );
}

/// Build info read in Rust from binaries the real Go built at a tag, for three object formats.
#[test]
fn build_info_from_real_binaries() {
    let tmp = tempdir();
    let dir = tmp.path();
    write_files(
        dir,
        &[
            ("go.mod", GOMOD),
            ("app.go", APP_V1),
            (
                "cmd/app/main.go",
                "package main\n\nimport \"fmt\"\n\nfunc main() { fmt.Println(\"hi\") }\n",
            ),
        ],
    );
    git_init_commit(dir, Some("v1.4.2"));
    let go = go();
    // Outside the repository: an untracked file would make the next build vcs.modified=true.
    let bins = tempdir();
    for (goos, goarch) in [
        ("linux", "amd64"),
        ("darwin", "arm64"),
        ("windows", "amd64"),
    ] {
        let out_path = bins.path().join(format!("app-{goos}"));
        let mut cmd = std::process::Command::new(&go);
        cmd.current_dir(dir)
            .args(["build", "-trimpath", "-o"])
            .arg(&out_path)
            .arg("./cmd/app")
            .env("GOOS", goos)
            .env("GOARCH", goarch)
            .env("CGO_ENABLED", "0")
            .env("GOCACHE", gocache())
            .env("GOFLAGS", "-buildvcs=true");
        ok(&mut cmd);
        let info =
            tug::checks::buildinfo::read(&out_path).unwrap_or_else(|e| panic!("{goos}: {e}"));
        assert_eq!(
            info.main_module,
            Some(("example.com/app".into(), "v1.4.2".into())),
            "{goos}"
        );
        assert_eq!(info.path.as_deref(), Some("example.com/app/cmd/app"));
        assert_eq!(info.setting("vcs.modified"), Some("false"), "{goos}");
        assert_eq!(info.setting("GOOS"), Some(goos));
        assert!(
            tug::checks::check_binaries(std::slice::from_ref(&out_path), Some("v1.4.2")).is_empty()
        );
        let wrong = tug::checks::check_binaries(std::slice::from_ref(&out_path), Some("v1.5.0"));
        assert_eq!(
            wrong[0].message,
            format!(
                "{}: embedded version of example.com/app is v1.4.2, expected v1.5.0",
                out_path.display()
            )
        );
    }
}
