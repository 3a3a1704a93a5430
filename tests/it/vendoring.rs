//! Vendored modules offline (GOPROXY=off): a `go 1.13` module with a vendored stub dependency
//! builds and passes the release checks (tug adds `-mod=vendor`, which the go command only picks
//! itself from go 1.14; tidiness, which needs the module cache, is a warning with a stable
//! reason), and inconsistent vendoring is an error of `check --release` at go.mod.

use std::path::Path;

use crate::harness::*;

fn tug_offline(dir: &Path, args: &[&str]) -> Outcome {
    let cache = Path::new(env!("CARGO_TARGET_TMPDIR")).join("tug-cache");
    run(tug(dir)
        .args(args)
        .env("TUG_CACHE_DIR", cache)
        .env("GOPROXY", "off"))
}

const MODULES_TXT: &str = "# example.com/stub v1.0.0\n## explicit\nexample.com/stub\n";

/// A CLI module (`go 1.13`) whose only dependency is vendored.
fn vendored(dir: &Path) {
    write_files(
        dir,
        &[
            ("go.mod", "module example.com/vapp\n\ngo 1.13\n\nrequire example.com/stub v1.0.0\n"),
            (
                "main.go",
                "package main\n\nimport (\n\t\"fmt\"\n\n\t\"example.com/stub\"\n)\n\nvar version = \"dev\"\n\nfunc main() { fmt.Println(stub.Name(), version) }\n",
            ),
            (
                "vendor/example.com/stub/stub.go",
                "package stub\n\n// Name names the stub.\nfunc Name() string { return \"stub\" }\n",
            ),
            ("vendor/modules.txt", MODULES_TXT),
            // What `go mod vendor` leaves beside it (vendor mode does not read the hashes).
            (
                "go.sum",
                "example.com/stub v1.0.0 h1:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\nexample.com/stub v1.0.0/go.mod h1:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n",
            ),
            (".gitignore", "dist/\n"),
            (
                "tug.yaml",
                "version: 1\nbuilds:\n  - id: vapp\n    binary: vapp\n    targets: [\"linux/amd64\"]\narchives:\n  - format: binary\n",
            ),
        ],
    );
}

#[test]
fn a_vendored_go_1_13_module_releases_offline() {
    let tmp = tempdir();
    let dir = tmp.path();
    vendored(dir);
    git_init_commit(dir, Some("v1.0.0"));
    let out = tug_offline(dir, &["check", "--release"]);
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    assert!(
        out.stdout.contains(
            "warning[tidy]: tidiness not checked: modules missing from the module cache cannot be downloaded with GOPROXY=off"
        ),
        "{}",
        out.stdout
    );
    assert!(!out.stdout.contains("go: downloading"), "{}", out.stdout);

    let out = tug_offline(dir, &["-v", "build"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stderr.contains("-mod=vendor"), "{}", out.stderr);
    let bin = dir.join("dist/vapp_linux_amd64/vapp");
    let ran = ok(&mut std::process::Command::new(&bin));
    assert_eq!(ran.trim(), "stub 1.0.0");

    // The user's GOFLAGS choose the mode: tug adds nothing then.
    let out = tug_offline(dir, &["-v", "build", "--snapshot", "--clean"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let out = run(tug(dir)
        .args(["-v", "build", "--snapshot", "--clean"])
        .env("GOPROXY", "off")
        .env("GOFLAGS", "-mod=mod"));
    assert_ne!(out.code, 0, "-mod=mod cannot build offline: {}", out.stderr);
    assert!(out.stderr.contains("GOPROXY=off"), "{}", out.stderr);
}

#[test]
fn inconsistent_vendoring_is_an_error_at_go_mod() {
    let tmp = tempdir();
    let dir = tmp.path();
    vendored(dir);
    write_files(
        dir,
        &[(
            "vendor/modules.txt",
            &MODULES_TXT.replace("v1.0.0", "v1.0.1"),
        )],
    );
    git_init_commit(dir, Some("v1.0.0"));
    let out = tug_offline(dir, &["check", "--release"]);
    assert_eq!(out.code, 3, "{}\n{}", out.stdout, out.stderr);
    assert!(
        out.stdout.contains(
            "error[go-mod]: go.mod and vendor/modules.txt disagree (inconsistent vendoring)"
        ),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("--> go.mod:5:1"), "{}", out.stdout);
    assert!(
        out.stdout.contains("vendor/modules.txt: example.com/stub@v1.0.0: is explicitly required in go.mod, but vendor/modules.txt indicates example.com/stub@v1.0.1"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("hint: run `go mod vendor`"),
        "{}",
        out.stdout
    );
}
