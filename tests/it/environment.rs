//! The machine has every real component the suite relies on. Tests never skip when something is
//! missing; this module fails first and names what to install (scripts/install-test-deps.sh), so a
//! broken setup is one clear failure instead of many confusing ones.

use std::process::Command;

use crate::harness::*;

#[test]
fn real_servers_and_checkers_are_installed() {
    for program in [
        "git",
        "docker-registry",
        "sshd",
        "ssh",
        "ssh-keygen",
        "prometheus",
        "skopeo",
        "openssl",
        "sha256sum",
        "zstd",
        "unzip",
        "groff",
    ] {
        require_program(program);
    }
}

#[test]
fn go_toolchain_runs() {
    let out = ok(Command::new(go()).arg("version"));
    assert!(out.starts_with("go version go1."), "{out}");
}

#[test]
fn pynacl_imports_in_the_project_venv() {
    ok(Command::new(venv_python()).args(["-c", "import nacl.signing, nacl.secret"]));
}
