//! `tug release` end to end on examples/hello with the real Go toolchain: build → sign → publish
//! (the default `dir` publisher), then independent checks of what landed; and a failing stage
//! stops the pipeline with that stage's exit code and publishes nothing.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::harness::*;

const PASSWORD: &str = "release-test-password";

fn project(dir: &Path) {
    copy_tree(&repo_root().join("examples/hello"), dir);
    std::fs::write(
        dir.join("tug.yaml"),
        "version: 1\nproject:\n  name: hello\n  env:\n    - CGO_ENABLED=0\n\
         builds:\n  - main: .\n    targets: [linux/amd64]\n\
         sign:\n  key: env://TUG_TEST_SIGNING_KEY\n",
    )
    .unwrap();
    std::fs::write(dir.join(".gitignore"), "dist/\npublished/\n").unwrap();
    git_init_commit(dir, Some("v0.1.0"));
}

fn keys(dir: &Path) -> String {
    std::fs::create_dir_all(dir).unwrap();
    ok(tug(dir)
        .args(["keys", "generate"])
        .env("COSIGN_PASSWORD", PASSWORD));
    std::fs::read_to_string(dir.join("cosign.key")).unwrap()
}

/// `tug release` of a fresh [`project`] (`<tmp>/hello`) signing with a fresh key (`<tmp>/keys`)
/// whose password is given as `password`.
fn release(password: &str) -> (tempfile::TempDir, PathBuf, Outcome) {
    let tmp = tempdir();
    let repo = tmp.path().join("hello");
    project(&repo);
    let key = keys(&tmp.path().join("keys"));
    let out = run(tug(&repo)
        .args(["release", "--no-progress"])
        .env("TUG_TEST_SIGNING_KEY", &key)
        .env("COSIGN_PASSWORD", password));
    (tmp, repo, out)
}

#[test]
fn release_builds_signs_and_publishes_the_same_bytes() {
    let (tmp, repo, out) = release(PASSWORD);
    assert_eq!(out.code, 0, "{out:?}");

    // The signed checksums file verifies with tug and with the independent sha256sum.
    let published = repo.join("published/hello/0.1.0");
    assert!(published.join("manifest.json").is_file(), "{out:?}");
    ok(tug(&repo)
        .args(["verify", "--key"])
        .arg(tmp.path().join("keys/cosign.pub")));
    let sums = ok(Command::new("sha256sum")
        .args(["-c", "--strict", "hello_0.1.0_checksums.txt"])
        .current_dir(&published));
    assert!(
        sums.contains("hello_0.1.0_linux_amd64.tar.gz: OK"),
        "{sums}"
    );
    assert!(published.join("hello_0.1.0_checksums.txt.sig").is_file());
    // Publish copied exactly what the build and sign stages recorded.
    assert_eq!(
        std::fs::read(repo.join("dist/manifest.json")).unwrap(),
        std::fs::read(published.join("manifest.json")).unwrap()
    );
}

#[test]
fn release_stops_at_the_failing_stage_with_its_exit_code() {
    let (_tmp, repo, out) = release("not the password");
    assert_eq!(out.code, 2, "{out:?}");
    assert!(out.stderr.contains("wrong password"), "{}", out.stderr);
    // Built, not signed, not published.
    assert!(repo.join("dist/manifest.json").is_file());
    assert!(!repo.join("dist/hello_0.1.0_checksums.txt.sig").exists());
    assert!(!repo.join("published").exists());
}
