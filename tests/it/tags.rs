//! Tag schemes and tug's own output, end to end with the real git and Go (offline, GOPROXY=off):
//! `project.tag_prefix` (`release-`, bare semver) in `tug build` and `tug check --release`, a
//! nested module released by `sub/vX.Y.Z` tags, tags of other schemes skipped with a note, and a
//! second tagged build in the same clone (tug's dist is not a change to the source).

use std::path::Path;

use crate::harness::*;

const MAIN_GO: &str = "package main\n\nimport \"fmt\"\n\nvar version = \"dev\"\n\nfunc main() { fmt.Println(\"app\", version) }\n";

fn tag(dir: &Path, name: &str) {
    ok(git(dir).args(["tag", "-a", name, "-m", name]));
}

fn tug_in(dir: &Path, args: &[&str]) -> Outcome {
    let cache = Path::new(env!("CARGO_TARGET_TMPDIR")).join("tug-cache");
    run(tug(dir)
        .args(args)
        .env("TUG_CACHE_DIR", cache)
        .env("GOPROXY", "off"))
}

/// A CLI module with one native target and `project.tag_prefix: <prefix>`.
fn cli(dir: &Path, prefix: &str) {
    write_files(
        dir,
        &[
            ("go.mod", "module example.com/app\n\ngo 1.22\n"),
            ("main.go", MAIN_GO),
            (".gitignore", "dist/\n"),
            (
                "tug.yaml",
                &format!(
                    "version: 1\nproject:\n  tag_prefix: \"{prefix}\"\nbuilds:\n  - id: app\n    binary: app\n    targets: [\"linux/amd64\"]\narchives:\n  - format: binary\n"
                ),
            ),
        ],
    );
}

fn manifest_json(dir: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(dir.join("dist/manifest.json")).unwrap()).unwrap()
}

#[test]
fn a_release_prefix_is_honoured_by_build_checks_and_notes() {
    let tmp = tempdir();
    let dir = tmp.path();
    cli(dir, "release-");
    git_init_commit(dir, Some("release-2.1"));
    write_files(dir, &[("main.go", &MAIN_GO.replace("app", "app2"))]);
    commit_all(dir, "feat: say app2");
    tag(dir, "release-2.2");
    // A tag of another scheme is not mixed in: it would be the highest version.
    tag(dir, "v9.9.9");

    let out = tug_in(dir, &["check", "--release"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stderr.contains(
            "1 tag not of this release scheme (release-MAJOR.MINOR.PATCH) skipped: v9.9.9"
        ),
        "{}",
        out.stderr
    );

    let out = tug_in(dir, &["build"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let m = manifest_json(dir);
    assert_eq!(m["version"], "2.2.0");
    assert_eq!(m["tag"], "release-2.2");
    assert_eq!(m["previous_tag"], "release-2.1");
    let notes = std::fs::read_to_string(dir.join("dist/RELEASE_NOTES.md")).unwrap();
    assert!(notes.contains("say app2"), "{notes}");
    assert!(!notes.contains("initial commit"), "{notes}");

    // An untagged HEAD: the hint names this project's tag form, not `git tag v0.1.0`.
    write_files(dir, &[("README.md", "x\n")]);
    commit_all(dir, "docs: readme");
    let out = tug_in(dir, &["build"]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr
            .contains("git tag -a release-2.2.1 -m release-2.2.1"),
        "{}",
        out.stderr
    );
    assert!(!out.stderr.contains("git tag v0.1.0"), "{}", out.stderr);
    let out = tug_in(dir, &["check", "--release"]);
    assert_eq!(out.code, 3, "{}", out.stdout);
    assert!(
        out.stdout
            .contains("git tag -a release-2.2.1 -m release-2.2.1"),
        "{}",
        out.stdout
    );
}

#[test]
fn bare_semver_tags_release_with_an_empty_prefix() {
    let tmp = tempdir();
    let dir = tmp.path();
    cli(dir, "");
    git_init_commit(dir, Some("5.0.0"));
    write_files(dir, &[("README.md", "x\n")]);
    commit_all(dir, "fix: readme");
    tag(dir, "5.1.0");
    let out = tug_in(dir, &["check", "--release"]);
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    assert!(
        out.stderr.contains("Checked release 5.1.0"),
        "{}",
        out.stderr
    );
    assert!(
        !out.stderr.contains("no earlier release tag"),
        "{}",
        out.stderr
    );
    let out = tug_in(dir, &["build"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let m = manifest_json(dir);
    assert_eq!(
        (m["version"].as_str(), m["tag"].as_str()),
        (Some("5.1.0"), Some("5.1.0"))
    );
    assert_eq!(m["previous_tag"], "5.0.0");

    // A version going backwards is caught in this scheme too, and the hint names its tag form.
    write_files(dir, &[("README.md", "y\n")]);
    commit_all(dir, "fix: again");
    tag(dir, "5.0.1");
    let out = tug_in(dir, &["check", "--release"]);
    assert_eq!(out.code, 3, "{}", out.stdout);
    assert!(
        out.stdout.contains("error[version-monotonic]"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("release 5.1.1 or newer"),
        "{}",
        out.stdout
    );
}

#[test]
fn a_nested_module_is_released_by_its_directory_tags() {
    let tmp = tempdir();
    let root = tmp.path();
    write_files(
        root,
        &[("README.md", "monorepo\n"), (".gitignore", "dist/\n")],
    );
    let sub = root.join("sub");
    write_files(
        &sub,
        &[
            ("go.mod", "module example.com/mono/sub\n\ngo 1.22\n"),
            ("main.go", MAIN_GO),
            (
                "tug.yaml",
                "version: 1\nbuilds:\n  - id: app\n    binary: app\n    targets: [\"linux/amd64\"]\narchives:\n  - format: binary\n",
            ),
        ],
    );
    git_init_commit(root, Some("sub/v1.0.0"));
    write_files(&sub, &[("extra.go", "package main\n\nfunc helper() {}\n")]);
    commit_all(root, "feat: helper");
    tag(root, "sub/v1.1.0");
    // The root module's tag is another module's release, never this one's.
    tag(root, "v3.0.0");
    let out = tug_in(&sub, &["check", "--release"]);
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    assert!(
        out.stderr.contains("Checked release sub/v1.1.0"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("skipped: v3.0.0"), "{}", out.stderr);
    let out = tug_in(&sub, &["build"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let m = manifest_json(&sub);
    assert_eq!(m["version"], "1.1.0");
    assert_eq!(m["tag"], "sub/v1.1.0");
    assert_eq!(m["previous_tag"], "sub/v1.0.0");
}

#[test]
fn a_second_tagged_build_in_the_same_clone_works() {
    let tmp = tempdir();
    let dir = tmp.path();
    cli(dir, "v");
    // No .gitignore: the dist is untracked, and still not a change to the source.
    std::fs::remove_file(dir.join(".gitignore")).unwrap();
    git_init_commit(dir, Some("v1.0.0"));
    let out = tug_in(dir, &["build"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let out = tug_in(dir, &["build", "--clean"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let out = tug_in(dir, &["check", "--release"]);
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    assert!(dir.join("dist/manifest.json").is_file());
    // Without --clean the existing dist is refused for its own reason, not as a dirty tree.
    let out = tug_in(dir, &["build"]);
    assert!(!out.stderr.contains("uncommitted"), "{}", out.stderr);

    // A real change is still one, and a private key in the tree is never suggested for commit.
    write_files(
        dir,
        &[
            ("cosign.key", "secret\n"),
            ("main.go", "package main\n\nfunc main() {}\n"),
        ],
    );
    let out = tug_in(dir, &["build", "--clean"]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr
            .contains("uncommitted changes: cosign.key, main.go"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("never commit a private key"),
        "{}",
        out.stderr
    );
    let out = tug_in(dir, &["check", "--release"]);
    assert_eq!(out.code, 3);
    assert!(
        out.stdout.contains("never commit a private key"),
        "{}",
        out.stdout
    );
    assert!(!out.stdout.contains("dist/"), "{}", out.stdout);
}

#[test]
fn init_ignores_the_dist_and_keys_generate_keeps_the_private_key_out_of_git() {
    let tmp = tempdir();
    let dir = tmp.path();
    write_files(
        dir,
        &[
            ("go.mod", "module example.com/app\n\ngo 1.22\n"),
            ("main.go", MAIN_GO),
            (".gitignore", "*.log\n"),
        ],
    );
    git_init_commit(dir, None);
    let out = tug_in(dir, &["init"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stderr.contains("Updated .gitignore: added /dist/"),
        "{}",
        out.stderr
    );
    assert_eq!(
        std::fs::read_to_string(dir.join(".gitignore")).unwrap(),
        "*.log\n# tug's output (tug build)\n/dist/\n"
    );
    // Once only.
    let out = tug_in(dir, &["init", "--force"]);
    assert!(!out.stderr.contains(".gitignore"), "{}", out.stderr);
    assert_eq!(
        std::fs::read_to_string(dir.join(".gitignore"))
            .unwrap()
            .matches("/dist/")
            .count(),
        1
    );

    let out = run(tug(dir)
        .args(["keys", "generate"])
        .env("COSIGN_PASSWORD", "pw"));
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stderr
            .contains("added /cosign.key to .git/info/exclude so git never tracks the private key"),
        "{}",
        out.stderr
    );
    let status = ok(git(dir).args(["status", "--porcelain", "--untracked-files=all"]));
    assert!(!status.contains("cosign.key"), "{status}");
    assert!(status.contains("cosign.pub"), "{status}");
    let status = ok(git(dir).args(["add", "-A", "--dry-run"]));
    assert!(
        !status.contains("cosign.key"),
        "git add -A would add the key: {status}"
    );
}

#[test]
fn a_version_that_is_a_const_is_caught_after_a_tagged_build() {
    let tmp = tempdir();
    let dir = tmp.path();
    cli(dir, "v");
    write_files(
        dir,
        &[(
            "main.go",
            "package main\n\nimport \"fmt\"\n\nconst version = \"0.9.0\"\n\nfunc main() { fmt.Println(\"app\", version) }\n",
        )],
    );
    git_init_commit(dir, Some("v1.0.0"));
    let out = tug_in(dir, &["build"]);
    assert_eq!(out.code, 3, "{}", out.stderr);
    assert!(
        out.stderr.contains(
            "app (linux/amd64): main.version is not \"1.0.0\" in the binary: main.version is a const or does not exist, so -X had no effect"
        ),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("var version = \"dev\""),
        "{}",
        out.stderr
    );
    assert!(!dir.join("dist").exists(), "no dist is left behind");

    // The severity is configurable: a warning lets the build through and says why.
    let yaml = std::fs::read_to_string(dir.join("tug.yaml")).unwrap();
    write_files(
        dir,
        &[(
            "tug.yaml",
            &format!("{yaml}checks:\n  severity:\n    build-info: warn\n"),
        )],
    );
    ok(git(dir).args(["commit", "-qam", "chore: warn only"]));
    ok(git(dir).args(["tag", "-a", "v1.0.1", "-m", "v1.0.1"]));
    let out = tug_in(dir, &["build"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stderr.contains("main.version is not \"1.0.1\""),
        "{}",
        out.stderr
    );
    assert!(dir.join("dist/manifest.json").is_file());
}

#[test]
fn snapshot_notes_of_a_tagged_head_start_at_its_own_tag() {
    let tmp = tempdir();
    let dir = tmp.path();
    cli(dir, "v");
    git_init_commit(dir, Some("v1.0.0"));
    write_files(dir, &[("README.md", "x\n")]);
    commit_all(dir, "feat: in v1.1.0");
    tag(dir, "v1.1.0");
    let out = tug_in(dir, &["build", "--snapshot"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let notes = std::fs::read_to_string(dir.join("dist/RELEASE_NOTES.md")).unwrap();
    assert!(
        !notes.contains("in v1.1.0"),
        "already released in v1.1.0:\n{notes}"
    );
    let m = manifest_json(dir);
    assert!(
        m["version"]
            .as_str()
            .unwrap()
            .starts_with("1.1.1-snapshot+"),
        "{m}"
    );
    // After one more commit, the notes are that commit.
    write_files(dir, &[("README.md", "y\n")]);
    commit_all(dir, "fix: after v1.1.0");
    let out = tug_in(dir, &["build", "--snapshot", "--clean"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let notes = std::fs::read_to_string(dir.join("dist/RELEASE_NOTES.md")).unwrap();
    assert!(
        notes.contains("after v1.1.0") && !notes.contains("in v1.1.0"),
        "{notes}"
    );
}
