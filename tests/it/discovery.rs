//! `tug init` and the default builds find every main package of a Go module (not only the root
//! and `cmd/*`), skip testdata and examples, and a library module gets a usable config that says
//! why there is nothing to build.

use crate::harness::*;

const MAIN: &str = "package main\n\nimport \"fmt\"\n\nvar version = \"dev\"\n\nfunc main() { fmt.Println(version) }\n";

#[test]
fn main_packages_in_several_directories_are_each_one_build() {
    let tmp = tempdir();
    let dir = tmp.path();
    write_files(
        dir,
        &[
            ("go.mod", "module example.com/multi\n\ngo 1.22\n"),
            (
                "lib.go",
                "package multi\n\n// Answer is 42.\nfunc Answer() int { return 42 }\n",
            ),
            ("goserver/main.go", MAIN),
            ("embed/main.go", MAIN),
            ("cmd/multi/main.go", MAIN),
            ("testdata/tool/main.go", MAIN),
            ("examples/demo/main.go", MAIN),
        ],
    );
    git_init_commit(dir, None);
    let out = run(tug(dir).arg("init"));
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stderr
            .contains("for Go module example.com/multi (3 main packages)"),
        "{}",
        out.stderr
    );
    let yaml = std::fs::read_to_string(dir.join("tug.yaml")).unwrap();
    for main in ["#   ./cmd/multi\n", "#   ./embed\n", "#   ./goserver\n"] {
        assert!(yaml.contains(main), "{main} missing:\n{yaml}");
    }
    assert!(
        !yaml.contains("testdata/tool") && !yaml.contains("examples/demo"),
        "{yaml}"
    );
    ok(git(dir).args(["add", "-A"]));
    ok(git(dir).args(["commit", "-qm", "chore: tug.yaml"]));

    let out = run(tug(dir)
        .args(["build", "--snapshot", "--target", "linux/amd64"])
        .env("GOPROXY", "off"));
    assert_eq!(out.code, 0, "{}", out.stderr);
    for bin in ["multi", "embed", "goserver"] {
        let path = dir.join(format!("dist/{bin}_linux_amd64/{bin}"));
        assert!(
            path.is_file(),
            "{} missing:\n{}",
            path.display(),
            out.stderr
        );
    }
    assert!(!dir.join("dist/tool_linux_amd64").exists());
}

#[test]
fn a_library_module_gets_a_usable_config_and_a_clear_build_error() {
    let tmp = tempdir();
    let dir = tmp.path();
    write_files(
        dir,
        &[
            ("go.mod", "module example.com/lib/v3\n\ngo 1.22\n"),
            (
                "lib.go",
                "package lib\n\n// Answer is 42.\nfunc Answer() int { return 42 }\n",
            ),
        ],
    );
    git_init_commit(dir, None);
    let out = run(tug(dir).arg("init"));
    assert_eq!(out.code, 0, "{}", out.stderr);
    let yaml = std::fs::read_to_string(dir.join("tug.yaml")).unwrap();
    assert!(
        yaml.contains("it is a library. A library's release is its source"),
        "{yaml}"
    );
    let out = run(tug(dir).arg("check"));
    assert_eq!(out.code, 0, "{}", out.stderr);
    ok(git(dir).args(["add", "-A"]));
    ok(git(dir).args(["commit", "-qm", "chore: tug.yaml"]));
    let out = run(tug(dir).args(["build", "--snapshot"]));
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr
            .contains("is a library module: it has no main package, so there is nothing to build"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("`tug check --release` checks it"),
        "{}",
        out.stderr
    );
}
