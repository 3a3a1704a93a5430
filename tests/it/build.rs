//! `tug build` and `tug merge` end to end with the real Go toolchain: cross-compiled binaries are
//! checked by reading their headers, the native one is run, checksums are verified with
//! `sha256sum -c`, archives are listed with `tar` and `unzip`, reproducibility is checked across
//! two directories, and a sharded build merged is compared with a full one.
//!
//! Full cross-builds are expensive on a small machine, so each happens once per test binary
//! (OnceLock) and is shared by the tests that inspect it.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use crate::harness::*;

const TARGETS: [&str; 5] = [
    "linux/amd64",
    "linux/arm64",
    "linux/arm/7",
    "darwin/arm64",
    "windows/amd64",
];

/// The stdlib-only Go CLI under test (same shape as examples/hello: `package main` with
/// `var version, commit, date string` set through -ldflags -X). To use examples/hello instead,
/// replace the body with `copy_tree(&repo_root().join("examples/hello"), dir)`.
fn write_hello(dir: &Path) {
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(dir.join("go.mod"), "module example.com/hello\n\ngo 1.22\n").unwrap();
    std::fs::write(
        dir.join("main.go"),
        "package main\n\nimport \"fmt\"\n\nvar (\n\tversion = \"dev\"\n\tcommit  = \"none\"\n\tdate    = \"unknown\"\n)\n\n\
         func main() {\n\tfmt.Printf(\"hello %s (commit %s, built %s)\\n\", version, commit, date)\n}\n",
    )
    .unwrap();
    std::fs::write(dir.join("README.md"), "# hello\n").unwrap();
    std::fs::write(dir.join("LICENSE"), "Apache-2.0\n").unwrap();
}

/// A tagged repository with the fixture and a tug.yaml selecting `targets`.
fn tagged_repo(dir: &Path, targets: &[&str]) {
    write_hello(dir);
    let list = targets
        .iter()
        .map(|t| format!("\"{t}\""))
        .collect::<Vec<_>>()
        .join(", ");
    std::fs::write(
        dir.join("tug.yaml"),
        format!("version: 1\nbuilds:\n  - id: hello\n    binary: hello\n    targets: [{list}]\n"),
    )
    .unwrap();
    std::fs::write(dir.join(".gitignore"), "dist/\n").unwrap();
    git_init_commit(dir, Some("v1.2.3"));
}

struct Built {
    _tmp: tempfile::TempDir,
    dir: PathBuf,
}

impl Built {
    fn dist(&self) -> PathBuf {
        self.dir.join("dist")
    }
}

/// One full build of the five targets.
fn full_build() -> &'static Built {
    static FULL: OnceLock<Built> = OnceLock::new();
    FULL.get_or_init(|| {
        let tmp = tempdir();
        let dir = tmp.path().join("a/hello");
        tagged_repo(&dir, &TARGETS);
        ok(tug(&dir).args(["build", "--no-progress"]));
        Built { _tmp: tmp, dir }
    })
}

/// The same commit in another directory, built as shards 1/2 and 2/2 and merged.
fn merged_build() -> &'static Built {
    static MERGED: OnceLock<Built> = OnceLock::new();
    MERGED.get_or_init(|| {
        let tmp = tempdir();
        let dir = tmp.path().join("elsewhere/hello");
        tagged_repo(&dir, &TARGETS);
        ok(tug(&dir).args(["build", "--shard", "1/2", "--dist", "../shard1"]));
        ok(tug(&dir).args(["build", "--shard", "2/2", "--dist", "../shard2"]));
        ok(tug(&dir).args(["merge", "../shard1", "../shard2", "-o", "dist"]));
        Built { _tmp: tmp, dir }
    })
}

fn manifest(dist: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(dist.join("manifest.json")).unwrap()).unwrap()
}

/// (format, machine) read from an executable's header.
fn header(path: &Path) -> (&'static str, String) {
    let b = std::fs::read(path).unwrap();
    let u16le = |o: usize| u16::from_le_bytes([b[o], b[o + 1]]);
    let u32le = |o: usize| u32::from_le_bytes([b[o], b[o + 1], b[o + 2], b[o + 3]]);
    if b.starts_with(b"\x7fELF") {
        let class = if b[4] == 2 { "64" } else { "32" };
        let machine = match u16le(18) {
            62 => "x86-64",
            183 => "aarch64",
            40 => "arm",
            m => return ("ELF", format!("machine {m}")),
        };
        ("ELF", format!("{machine}/{class}"))
    } else if b.starts_with(&[0xcf, 0xfa, 0xed, 0xfe]) {
        let cpu = match u32le(4) {
            0x0100_000c => "arm64".to_string(),
            0x0100_0007 => "x86_64".to_string(),
            c => format!("cpu {c:#x}"),
        };
        ("Mach-O", cpu)
    } else if b.starts_with(b"MZ") {
        let pe = u32le(0x3c) as usize;
        assert_eq!(&b[pe..pe + 4], b"PE\0\0");
        let machine = match u16le(pe + 4) {
            0x8664 => "amd64".to_string(),
            0xaa64 => "arm64".to_string(),
            m => format!("machine {m:#x}"),
        };
        ("PE", machine)
    } else {
        ("unknown", String::new())
    }
}

#[test]
fn five_targets_have_the_right_headers_checksums_and_archives() {
    let b = full_build();
    let dist = b.dist();
    let m = manifest(&dist);
    assert_eq!(m["version"], "1.2.3");
    assert_eq!(m["tag"], "v1.2.3");
    assert_eq!(m["snapshot"], false);

    let expect = [
        ("hello_linux_amd64/hello", "ELF", "x86-64/64"),
        ("hello_linux_arm64/hello", "ELF", "aarch64/64"),
        ("hello_linux_armv7/hello", "ELF", "arm/32"),
        ("hello_darwin_arm64/hello", "Mach-O", "arm64"),
        ("hello_windows_amd64/hello.exe", "PE", "amd64"),
    ];
    for (path, format, machine) in expect {
        let (f, mach) = header(&dist.join(path));
        assert_eq!((f, mach.as_str()), (format, machine), "{path}");
    }

    // The native binary runs and prints what was injected.
    let commit = ok(git(&b.dir).args(["rev-parse", "HEAD"]))
        .trim()
        .to_string();
    let out = ok(&mut std::process::Command::new(
        dist.join("hello_linux_amd64/hello"),
    ));
    assert_eq!(
        out,
        format!("hello 1.2.3 (commit {commit}, built 2026-01-02T03:04:05Z)\n")
    );

    // An independent checker accepts the checksums file.
    let sums = ok(std::process::Command::new("sha256sum")
        .current_dir(&dist)
        .args(["-c", "hello_1.2.3_checksums.txt"]));
    insta::assert_snapshot!(sums, @r"
    hello_1.2.3_darwin_arm64.tar.gz: OK
    hello_1.2.3_linux_amd64.tar.gz: OK
    hello_1.2.3_linux_arm64.tar.gz: OK
    hello_1.2.3_linux_armv7.tar.gz: OK
    hello_1.2.3_windows_amd64.zip: OK
    ");

    // Archive entries, listed by the real tools.
    let tar = ok(std::process::Command::new("tar")
        .current_dir(&dist)
        .args(["tvzf", "hello_1.2.3_linux_armv7.tar.gz"]));
    let tar: Vec<String> = tar
        .lines()
        .map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            format!("{} {} {} {} {}", f[0], f[1], f[3], f[4], f[5])
        })
        .collect();
    assert_eq!(
        tar,
        [
            "-rw-r--r-- 0/0 2026-01-02 03:04 LICENSE",
            "-rw-r--r-- 0/0 2026-01-02 03:04 README.md",
            "-rwxr-xr-x 0/0 2026-01-02 03:04 hello",
        ]
    );
    let zip = ok(std::process::Command::new("unzip")
        .current_dir(&dist)
        .args(["-Z1", "hello_1.2.3_windows_amd64.zip"]));
    assert_eq!(zip, "LICENSE\nREADME.md\nhello.exe\n");

    // Every artifact in the manifest is on disk with the recorded digest and size.
    for a in m["artifacts"].as_array().unwrap() {
        let (hex, size) =
            tug::fsutil::sha256_file(&dist.join(a["path"].as_str().unwrap())).unwrap();
        assert_eq!(
            (hex.as_str(), size),
            (a["sha256"].as_str().unwrap(), a["size"].as_u64().unwrap())
        );
    }
    let notes = std::fs::read_to_string(dist.join("RELEASE_NOTES.md")).unwrap();
    assert!(
        notes.starts_with("## hello 1.2.3\n") && notes.contains("- initial commit ("),
        "{notes}"
    );
}

#[test]
fn builds_in_two_directories_are_byte_identical() {
    let (a, b) = (full_build().dist(), merged_build().dist());
    let names = [
        "hello_1.2.3_checksums.txt",
        "hello_1.2.3_linux_amd64.tar.gz",
        "hello_1.2.3_windows_amd64.zip",
    ];
    for name in names {
        assert_eq!(
            std::fs::read(a.join(name)).unwrap(),
            std::fs::read(b.join(name)).unwrap(),
            "{name}"
        );
    }
    for art in manifest(&a)["artifacts"].as_array().unwrap() {
        let p = art["path"].as_str().unwrap();
        assert_eq!(
            std::fs::read(a.join(p)).unwrap(),
            std::fs::read(b.join(p)).unwrap(),
            "{p}"
        );
    }
}

#[test]
fn shards_merged_equal_the_full_build() {
    let (full, merged) = (full_build(), merged_build());
    assert_eq!(manifest(&full.dist()), manifest(&merged.dist()));
    let s1 = manifest(&merged.dir.join("../shard1"));
    let s2 = manifest(&merged.dir.join("../shard2"));
    assert_eq!(
        (s1["shard"].as_str(), s2["shard"].as_str()),
        (Some("1/2"), Some("2/2"))
    );
    assert_eq!(
        s1["targets"],
        serde_json::json!(["linux/amd64", "linux/arm/7", "windows/amd64"])
    );
    assert_eq!(
        s2["targets"],
        serde_json::json!(["darwin/arm64", "linux/arm64"])
    );

    // A shard of another version conflicts.
    let other = merged.dir.join("../shard-other");
    copy_tree(&merged.dir.join("../shard2"), &other);
    let mut m = manifest(&other);
    m["version"] = "9.9.9".into();
    std::fs::write(other.join("manifest.json"), serde_json::to_vec(&m).unwrap()).unwrap();
    let out = run(tug(&merged.dir).args(["merge", "../shard1", "../shard-other", "-o", "bad"]));
    insta::assert_snapshot!(out.snapshot(&[(&merged.dir, "[DIR]")]), @r#"
    exit: 2
    --- stdout
    --- stderr
    error: [DIR]/../shard-other has version "9.9.9" but [DIR]/../shard1 has "1.2.3"
    hint: merge only shards of one build of one commit (same tug.yaml, same tag)
    "#);
    assert!(!merged.dir.join("bad").exists());
}

#[test]
fn dirty_tree_is_refused_unless_snapshot_and_dist_must_be_empty() {
    let tmp = tempdir();
    let dir = tmp.path().join("hello");
    tagged_repo(&dir, &["linux/amd64"]);
    std::fs::write(
        dir.join("main.go"),
        std::fs::read_to_string(dir.join("main.go")).unwrap() + "// edit\n",
    )
    .unwrap();
    let out = run(tug(&dir).args(["build"]));
    insta::assert_snapshot!(out.snapshot(&[(&dir, "[DIR]")]), @r"
    exit: 2
    --- stdout
    --- stderr
    error: the working tree has uncommitted changes: main.go
    hint: commit or stash them, or pass --snapshot for a local build
    ");

    ok(tug(&dir).args(["build", "--snapshot"]));
    let short = ok(git(&dir).args(["rev-parse", "--short=7", "HEAD"]))
        .trim()
        .to_string();
    let out = ok(&mut std::process::Command::new(
        dir.join("dist/hello_linux_amd64/hello"),
    ));
    assert!(
        out.starts_with(&format!("hello 1.2.4-snapshot+{short} ")),
        "{out}"
    );
    assert_eq!(manifest(&dir.join("dist"))["snapshot"], true);

    let out = run(tug(&dir).args(["build", "--snapshot"]));
    insta::assert_snapshot!(out.snapshot(&[(&dir, "[DIR]")]), @r"
    exit: 2
    --- stdout
    --- stderr
    error: [DIR]/dist is not empty
    hint: pass --clean to replace it, or --dist DIR to build elsewhere
    ");
}

#[test]
fn broken_go_file_shows_the_located_error_and_a_reproduce_command() {
    let tmp = tempdir();
    let dir = tmp.path().join("hello");
    write_hello(&dir);
    std::fs::write(
        dir.join("main.go"),
        "package main\n\nfunc main() {\n\tundefinedThing()\n}\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("tug.yaml"),
        "version: 1\nbuilds:\n  - targets: [linux/amd64, windows/amd64]\n",
    )
    .unwrap();
    git_init_commit(&dir, Some("v0.1.0"));
    let out = run(tug(&dir).args(["build", "-p", "1"]));
    let go = go();
    let commit = ok(git(&dir).args(["rev-parse", "HEAD"])).trim().to_string();
    let text = out
        .snapshot(&[(&dir, "[DIR]"), (&go, "[GO]")])
        .replace(&commit, "[COMMIT]");
    let filters = vec![(r"\d+\.\ds", "[TIME]")];
    insta::with_settings!({ filters => filters }, {
        insta::assert_snapshot!(text, @r"
        exit: 1
        --- stdout
        --- stderr
            Building 2 binaries for 2 targets (2 compiler runs, 1 at a time)
              Failed linux/amd64      hello        exit status: 1 after [TIME]
              Failed windows/amd64    hello        exit status: 1 after [TIME]

        linux/amd64 (hello) failed: exit status: 1
          | # example.com/hello
          | ./main.go:4:2: undefined: undefinedThing
          reproduce: cd [DIR] && env -u GOAMD64 CGO_ENABLED=0 GOARCH=amd64 GOOS=linux [GO] build -trimpath -o [DIR]/dist/hello_linux_amd64/hello -ldflags '-s -w -X main.version=0.1.0 -X main.commit=[COMMIT] -X main.date=2026-01-02T03:04:05Z -buildid=' .

        windows/amd64 (hello) failed: exit status: 1
          | # example.com/hello
          | ./main.go:4:2: undefined: undefinedThing
          reproduce: cd [DIR] && env -u GOAMD64 CGO_ENABLED=0 GOARCH=amd64 GOOS=windows [GO] build -trimpath -o [DIR]/dist/hello_windows_amd64/hello.exe -ldflags '-s -w -X main.version=0.1.0 -X main.commit=[COMMIT] -X main.date=2026-01-02T03:04:05Z -buildid=' .
        error: 2 of 2 target builds failed
        hint: run the reproduce command above to see the full output
        ");
    });
    assert!(
        !dir.join("dist").exists(),
        "a failed build leaves no dist behind"
    );
}

#[test]
fn unknown_target_is_a_config_error_naming_close_targets() {
    let tmp = tempdir();
    let dir = tmp.path().join("hello");
    write_hello(&dir);
    std::fs::write(
        dir.join("tug.yaml"),
        "version: 1\nbuilds:\n  - targets: [linux/amd65, linux/arm64]\n",
    )
    .unwrap();
    git_init_commit(&dir, Some("v0.1.0"));
    let out = run(tug(&dir).args(["build"]));
    let text = out.snapshot(&[(&dir, "[DIR]")]);
    insta::with_settings!({ filters => vec![(r"go1\.\d+(\.\d+)?", "[GOVERSION]")] }, {
        insta::assert_snapshot!(text, @r"
        exit: 2
        --- stdout
        --- stderr
        error: unknown target for [GOVERSION]: linux/amd65
        hint: instead of linux/amd65, did you mean linux/amd64, linux/arm64?
        ");
    });
}

#[test]
fn command_builder_hooks_tar_zst_and_verify_reproducible_with_json_events() {
    let tmp = tempdir();
    let dir = tmp.path().join("tool");
    std::fs::create_dir_all(dir.join("docs")).unwrap();
    std::fs::write(dir.join("docs/usage.md"), "usage\n").unwrap();
    std::fs::write(
        dir.join("tug.yaml"),
        r#"version: 1
builds:
  - id: script
    builder: command
    binary: tool
    command: "mkdir -p out/{{ platform }} && printf '#!/bin/sh\\necho {{ version }} {{ os }}\\n' > out/{{ platform }}/tool && chmod +x out/{{ platform }}/tool"
    output: "out/{{ platform }}/tool"
    targets: [linux/amd64, darwin/arm64]
    hooks:
      before: ["echo before {{ target }} >> hooks.log"]
archives:
  - format: tar.zst
    wrap_in_directory: true
    files: [{src: "docs/*.md", dst: doc}]
"#,
    )
    .unwrap();
    std::fs::write(dir.join(".gitignore"), "dist/\nout/\nhooks.log\n").unwrap();
    git_init_commit(&dir, Some("v2.0.0"));
    let out = run(tug(&dir).args(["build", "--verify-reproducible", "--json"]));
    assert_eq!(out.code, 0, "{}", out.stderr);
    let events: Vec<serde_json::Value> = out
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let kinds: Vec<&str> = events
        .iter()
        .map(|e| e["event"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds.iter().filter(|k| **k == "target-started").count(),
        2,
        "{kinds:?}"
    );
    assert_eq!(
        kinds.iter().filter(|k| **k == "target-finished").count(),
        2,
        "{kinds:?}"
    );
    let verdict = events
        .iter()
        .find(|e| e["event"] == "reproducibility")
        .unwrap();
    assert_eq!(verdict["reproducible"], true);

    let log = std::fs::read_to_string(dir.join("hooks.log")).unwrap();
    assert!(
        log.contains("before linux/amd64\n") && log.contains("before darwin/arm64\n"),
        "{log}"
    );
    let list = ok(std::process::Command::new("tar")
        .current_dir(dir.join("dist"))
        .args(["--zstd", "-tvf", "tool_2.0.0_linux_amd64.tar.zst"]));
    let entries: Vec<String> = list
        .lines()
        .map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            format!("{} {} {}", f[0], f[1], f[5])
        })
        .collect();
    assert_eq!(
        entries,
        [
            "drwxr-xr-x 0/0 tool_2.0.0_linux_amd64/",
            "drwxr-xr-x 0/0 tool_2.0.0_linux_amd64/doc/",
            "-rw-r--r-- 0/0 tool_2.0.0_linux_amd64/doc/usage.md",
            "-rwxr-xr-x 0/0 tool_2.0.0_linux_amd64/tool",
        ]
    );
    let run_it = ok(&mut std::process::Command::new(
        dir.join("dist/script_linux_amd64/tool"),
    ));
    assert_eq!(run_it, "2.0.0 linux\n");
}

#[test]
fn cargo_builder_builds_the_host_and_checks_the_version_against_the_tag() {
    let tmp = tempdir();
    let dir = tmp.path().join("hello-rs");
    std::fs::create_dir_all(dir.join("src")).unwrap();
    std::fs::write(
        dir.join("Cargo.toml"),
        "[package]\nname = \"hello-rs\"\nversion = \"0.2.0\"\nedition = \"2021\"\n\n[workspace]\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("src/main.rs"),
        "fn main() { println!(\"hi from {}\", env!(\"CARGO_PKG_VERSION\")); }\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("tug.yaml"),
        "version: 1\nbuilds:\n  - builder: cargo\n    binary: hello-rs\n",
    )
    .unwrap();
    std::fs::write(dir.join(".gitignore"), "dist/\ntarget/\nCargo.lock\n").unwrap();
    git_init_commit(&dir, Some("v0.2.0"));
    ok(tug(&dir).args(["build"]).env_remove("CARGO_TARGET_DIR"));
    let m = manifest(&dir.join("dist"));
    let host = m["targets"][0].as_str().unwrap().to_string();
    assert!(host.contains('-'), "a Rust triple: {host}");
    let bin = m["artifacts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["kind"] == "binary")
        .unwrap()["path"]
        .as_str()
        .unwrap()
        .to_string();
    let out = ok(&mut std::process::Command::new(dir.join("dist").join(bin)));
    assert_eq!(out, "hi from 0.2.0\n");

    ok(git(&dir).args(["tag", "v0.3.0"]));
    let out = run(tug(&dir).args(["build", "--clean"]));
    insta::assert_snapshot!(out.snapshot(&[(&dir, "[DIR]")]), @r#"
    exit: 2
    --- stdout
    --- stderr
    error: builds[0]: [DIR]/Cargo.toml has version 0.2.0 but the tag is v0.3.0
    hint: set `version = "0.3.0"` in Cargo.toml, commit, and tag again
    "#);
}

/// A tagged one-target Go repository with `yaml` appended to its build (indented four spaces
/// under `builds[0]`), `main.go` replaced by `main_go`, and `ignored` added to .gitignore.
fn verify_repo(dir: &Path, build_yaml: &str, main_go: Option<&str>, ignored: &str) {
    write_hello(dir);
    if let Some(src) = main_go {
        std::fs::write(dir.join("main.go"), src).unwrap();
    }
    std::fs::write(
        dir.join("tug.yaml"),
        format!(
            "version: 1\nbuilds:\n  - id: hello\n    binary: hello\n    targets: [linux/amd64]\n{build_yaml}"
        ),
    )
    .unwrap();
    std::fs::write(dir.join(".gitignore"), format!("dist/\n{ignored}")).unwrap();
    git_init_commit(dir, Some("v1.0.0"));
}

/// `tug build --verify-reproducible --json`: the outcome and the `reproducibility` event.
fn verify(dir: &Path) -> (Outcome, serde_json::Value) {
    let out = run(tug(dir).args(["build", "--verify-reproducible", "--json", "--no-progress"]));
    let event = out
        .stdout
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .find(|e| e["event"] == "reproducibility")
        .unwrap_or_else(|| panic!("no reproducibility event:\n{}\n{}", out.stdout, out.stderr));
    (out, event)
}

fn differing_names(event: &serde_json::Value) -> Vec<String> {
    let mut names: Vec<String> = event["differing"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["name"].as_str().unwrap().to_string())
        .collect();
    names.sort();
    names
}

/// Nothing of the second build is left behind: no scratch directory, no extra worktree.
fn assert_no_leftovers(dir: &Path) {
    let staging = dir.join(".git/tug");
    if staging.is_dir() {
        let left: Vec<_> = std::fs::read_dir(&staging).unwrap().flatten().collect();
        assert!(left.is_empty(), "left in .git/tug: {left:?}");
    }
    assert_eq!(ok(git(dir).args(["status", "--porcelain"])), "");
}

#[test]
fn verify_reproducible_passes_a_reproducible_go_build_rebuilt_elsewhere_from_a_cold_cache() {
    let tmp = tempdir();
    let dir = tmp.path().join("repro");
    verify_repo(&dir, "", None, "");
    let (out, event) = verify(&dir);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(event["reproducible"], true, "{event}");
    // binary, archive, checksums, release notes
    assert_eq!(event["compared"], 4, "{event}");
    assert!(
        out.stderr.contains("all 4 artifacts are byte-identical"),
        "{}",
        out.stderr
    );
    assert!(dir.join("dist/hello_linux_amd64/hello").is_file());
    assert_no_leftovers(&dir);
}

#[test]
fn verify_reproducible_fails_when_the_output_depends_on_the_source_path() {
    // Without -trimpath the binary records the absolute path of every source file.
    let tmp = tempdir();
    let dir = tmp.path().join("paths");
    verify_repo(&dir, "    reproducible: false\n", None, "");
    let (out, event) = verify(&dir);
    assert_eq!(out.code, 3, "checks failed\n{}", out.stderr);
    assert_eq!(event["reproducible"], false);
    assert_eq!(
        differing_names(&event),
        [
            "hello_1.0.0_checksums.txt",
            "hello_1.0.0_linux_amd64.tar.gz",
            "hello_linux_amd64/hello"
        ]
    );
    assert_eq!(event["differing"][0]["difference"], "content", "{event}");
    assert!(
        out.stderr
            .contains("error: 3 of 4 artifacts differ between two builds: hello_linux_amd64/hello, hello_1.0.0_linux_amd64.tar.gz, hello_1.0.0_checksums.txt"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr
            .contains("not reproducible: hello_linux_amd64/hello: sha256 "),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("hint: "), "{}", out.stderr);
    // The first build stays in dist; the second is gone.
    assert!(dir.join("dist/manifest.json").is_file());
    assert_no_leftovers(&dir);
}

const EMBED_MAIN: &str = "package main\n\nimport (\n\t_ \"embed\"\n\t\"fmt\"\n)\n\n//go:embed stamp.txt\nvar stamp string\n\nvar version = \"dev\"\n\nfunc main() { fmt.Print(stamp, version) }\n";

/// A repo in `dir` whose binary embeds `stamp.txt` (ignored by git), written by the before hook
/// `hook`: `tug build --verify-reproducible` must find that the binary differs (exit 3).
fn assert_the_stamp_makes_the_binary_differ(dir: &Path, hook: &str) {
    verify_repo(
        dir,
        &format!("    hooks:\n      before: [{hook}]\n"),
        Some(EMBED_MAIN),
        "stamp.txt\n",
    );
    let (out, event) = verify(dir);
    assert_eq!(out.code, 3, "{}", out.stderr);
    assert!(
        differing_names(&event).contains(&"hello_linux_amd64/hello".to_string()),
        "{event}"
    );
}

#[test]
fn verify_reproducible_fails_when_a_hook_embeds_the_time() {
    let tmp = tempdir();
    let dir = tmp.path().join("clock");
    assert_the_stamp_makes_the_binary_differ(&dir, "\"date +%s%N > stamp.txt\"");
    assert_no_leftovers(&dir);
}

#[test]
fn verify_reproducible_fails_when_the_build_depends_on_the_environment() {
    // The second build runs with another TMPDIR and umask: a build that records either differs.
    let tmp = tempdir();
    let dir = tmp.path().join("env");
    assert_the_stamp_makes_the_binary_differ(&dir, "\"echo \\\"$TMPDIR $(umask)\\\" > stamp.txt\"");
    // The first build ran with tug's own environment; the binary says what it saw.
    let first = ok(&mut std::process::Command::new(
        dir.join("dist/hello_linux_amd64/hello"),
    ));
    assert!(!first.contains(".tug-verify-"), "{first}");
}

#[test]
fn verify_reproducible_copies_uncommitted_changes_of_a_snapshot() {
    // The copy must hold the working tree, not only the commit: otherwise a snapshot of a dirty
    // tree would "differ" (and a deleted file would still be built).
    let tmp = tempdir();
    let dir = tmp.path().join("dirty");
    verify_repo(&dir, "", None, "");
    std::fs::write(
        dir.join("main.go"),
        "package main\n\nimport \"fmt\"\n\nfunc main() { fmt.Println(greeting()) }\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("greeting.go"),
        "package main\n\nfunc greeting() string { return \"changed\" }\n",
    )
    .unwrap();
    std::fs::remove_file(dir.join("README.md")).unwrap();
    let out = run(tug(&dir).args([
        "build",
        "--snapshot",
        "--verify-reproducible",
        "--json",
        "--no-progress",
    ]));
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout.contains(r#""reproducible":true"#),
        "{}",
        out.stdout
    );
    let said = ok(&mut std::process::Command::new(
        dir.join("dist/hello_linux_amd64/hello"),
    ));
    assert_eq!(said, "changed\n");
}

#[test]
fn verify_reproducible_fails_when_the_build_needs_a_file_the_repository_does_not_have() {
    // An ignored file present only in this checkout: the first build works, the copy cannot.
    let tmp = tempdir();
    let dir = tmp.path().join("local");
    verify_repo(&dir, "", Some(EMBED_MAIN), "stamp.txt\n");
    std::fs::write(dir.join("stamp.txt"), "only here\n").unwrap();
    let out = run(tug(&dir).args(["build", "--verify-reproducible", "--no-progress"]));
    assert_eq!(out.code, 3, "{}", out.stderr);
    assert!(
        out.stderr.contains(
            "error: the second build (from a copy of the source, with an empty build cache) failed\n  caused by: 1 of 1 target builds failed"
        ),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr
            .contains("hint: linux/amd64 (hello) failed with exit status: 1: "),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("stamp.txt"), "{}", out.stderr);
    assert!(dir.join("dist/hello_linux_amd64/hello").is_file());
    assert_no_leftovers(&dir);
}

/// A module with two main packages, `cmd/a` and `cmd/b` (source `b_main`), and a tug.yaml
/// building both for `targets`.
fn two_mains(dir: &Path, targets: &str, b_main: &str) {
    let main = |name: &str| {
        format!(
            "package main\n\nimport \"fmt\"\n\nvar version = \"dev\"\n\n\
             func main() {{ fmt.Println(\"{name}\", version) }}\n"
        )
    };
    let yaml = format!(
        "version: 1\nbuilds:\n  - id: a\n    main: ./cmd/a\n    binary: a\n    targets: [{targets}]\n\
         \x20 - id: b\n    main: ./cmd/b\n    binary: b\n    targets: [{targets}]\n\
         release_notes:\n  disable: true\n"
    );
    write_files(
        dir,
        &[
            ("go.mod", "module example.com/two\n\ngo 1.22\n"),
            ("cmd/a/main.go", &main("a")),
            ("cmd/b/main.go", b_main),
            ("tug.yaml", &yaml),
            (".gitignore", "dist/\nalone.yaml\n"),
        ],
    );
}

fn binary_digests(dist: &Path) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = manifest(dist)["artifacts"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["kind"] == "binary")
        .map(|a| {
            (
                a["path"].as_str().unwrap().to_string(),
                a["sha256"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    out.sort();
    out
}

#[test]
fn mains_of_one_target_share_one_go_build_with_the_bytes_of_separate_builds() {
    let tmp = tempdir();
    let dir = tmp.path().join("two");
    let b = "package main\n\nimport \"fmt\"\n\nvar version = \"dev\"\n\nfunc main() { fmt.Println(\"b\", version) }\n";
    two_mains(&dir, "linux/amd64, windows/amd64", b);
    git_init_commit(&dir, None);
    let shared = run(tug(&dir).args(["-v", "build", "--snapshot", "-p", "2"]));
    assert_eq!(shared.code, 0, "{}", shared.stderr);
    assert!(
        shared
            .stderr
            .contains("Building 4 binaries for 2 targets (2 compiler runs, 2 at a time)"),
        "{}",
        shared.stderr
    );
    assert!(
        shared.stderr.contains("/.shared-build-") && shared.stderr.contains(" ./cmd/a ./cmd/b"),
        "-v shows the shared go build: {}",
        shared.stderr
    );
    let dist = dir.join("dist");
    let names: Vec<String> = std::fs::read_dir(&dist)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        !names.iter().any(|n| n.starts_with(".shared-build")),
        "{names:?}"
    );
    assert!(dist.join("b_windows_amd64/b.exe").is_file());
    let out = ok(&mut std::process::Command::new(
        dist.join("a_linux_amd64/a"),
    ));
    assert!(
        out.starts_with("a 0.0.1-snapshot") || out.starts_with("a "),
        "{out}"
    );
    let first = binary_digests(&dist);
    assert_eq!(first.len(), 4);

    // A hook on b makes each binary a go build of its own (a's two are of different targets):
    // the same bytes. (The other config is ignored by git, so the version stays the same.)
    let yaml = std::fs::read_to_string(dir.join("tug.yaml"))
        .unwrap()
        .replace(
            "    main: ./cmd/b\n",
            "    main: ./cmd/b\n    hooks:\n      before: [\"true\"]\n",
        );
    std::fs::write(dir.join("alone.yaml"), yaml).unwrap();
    let alone = run(tug(&dir).args([
        "--config",
        "alone.yaml",
        "build",
        "--snapshot",
        "--clean",
        "-p",
        "2",
    ]));
    assert_eq!(alone.code, 0, "{}", alone.stderr);
    assert!(
        alone.stderr.contains("(4 compiler runs, 2 at a time)"),
        "{}",
        alone.stderr
    );
    assert_eq!(binary_digests(&dist), first);
}

#[test]
fn a_failing_shared_go_build_names_only_the_broken_main() {
    let tmp = tempdir();
    let dir = tmp.path().join("two");
    two_mains(
        &dir,
        "linux/amd64",
        "package main\n\nfunc main() { undefinedThing() }\n",
    );
    git_init_commit(&dir, None);
    let out = run(tug(&dir).args(["build", "--snapshot", "-p", "2"]));
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(
        out.stderr.contains("1 of 2 target builds failed"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("linux/amd64 (b) failed"),
        "{}",
        out.stderr
    );
    assert!(!out.stderr.contains("(a) failed"), "{}", out.stderr);
    // The reproduce command is b's own build.
    let line = out
        .stderr
        .lines()
        .find(|l| l.contains("reproduce:"))
        .unwrap();
    assert!(
        line.contains("/dist/b_linux_amd64/b ") && line.trim_end().ends_with(" ./cmd/b"),
        "{line}"
    );
    assert!(!dir.join("dist").exists());
}
