//! The machine has every real component the suite relies on, and tug runs in the tests' own
//! environment, not the developer's. Tests never skip when something is missing; this module
//! fails first and names what to install (scripts/install-test-deps.sh), so a broken setup is one
//! clear failure instead of many confusing ones. It checks only the components whose `test-*`
//! feature is on (see tests/it/main.rs).

use std::collections::BTreeMap;
use std::process::Command;

use crate::harness::*;

#[test]
fn real_servers_and_checkers_are_installed() {
    let mut programs = vec![
        "git",
        "sha256sum",
        "tar",
        "zstd",
        "unzip",
        "groff",
        "script",
    ];
    if cfg!(feature = "test-registry") {
        programs.extend(["docker-registry", "skopeo"]);
    }
    if cfg!(feature = "test-sshd") {
        programs.extend(["sshd", "ssh", "ssh-keygen"]);
    }
    if cfg!(feature = "test-prometheus") {
        programs.push("prometheus");
    }
    if cfg!(feature = "test-checkers") {
        programs.extend(["openssl", "node"]);
    }
    for program in programs {
        require_program(program);
    }
}

#[test]
#[cfg(feature = "test-go")]
fn go_toolchain_runs() {
    let out = ok(Command::new(go()).arg("version"));
    assert!(out.starts_with("go version go1."), "{out}");
}

#[test]
#[cfg(feature = "test-checkers")]
fn pynacl_imports_in_the_project_venv() {
    ok(Command::new(venv_python()).args(["-c", "import nacl.signing, nacl.secret"]));
}

/// What a child started through the harness sees: exactly the harness's variables, whatever the
/// test process itself has (under `cargo test` it always has CARGO_* variables, and on a
/// developer's machine HOME, SSH_AUTH_SOCK, tokens...).
#[test]
fn tug_runs_in_a_hermetic_environment() {
    let printenv = require_program("env");
    let out = ok(hermetic(&mut Command::new(printenv)).arg("-0"));
    let seen: BTreeMap<&str, &str> = out
        .split('\0')
        .filter(|kv| !kv.is_empty())
        .map(|kv| kv.split_once('=').unwrap())
        .collect();
    let expected: BTreeMap<&str, String> = test_env()
        .iter()
        .map(|(k, v)| (k.as_str(), v.to_string_lossy().into_owned()))
        .collect();
    assert_eq!(
        seen.keys().collect::<Vec<_>>(),
        expected.keys().collect::<Vec<_>>()
    );
    for (name, value) in &expected {
        assert_eq!(seen[name], value, "{name}");
    }
    // The test process has variables the child must not see.
    let leaked: Vec<String> = std::env::vars_os()
        .filter_map(|(k, _)| k.into_string().ok())
        .filter(|k| !expected.contains_key(k.as_str()))
        .collect();
    assert!(
        leaked.iter().any(|k| k.starts_with("CARGO_")),
        "cargo test sets CARGO_* variables: {leaked:?}"
    );
    assert!(leaked.iter().all(|k| !seen.contains_key(k.as_str())));

    // HOME and the XDG directories belong to this test binary, not to whoever runs the tests.
    let home = test_home();
    assert!(home.starts_with(env!("CARGO_TARGET_TMPDIR")), "{home:?}");
    assert_eq!(seen["HOME"], home.to_str().unwrap());
    for xdg in [
        "XDG_CONFIG_HOME",
        "XDG_CACHE_HOME",
        "XDG_DATA_HOME",
        "XDG_STATE_HOME",
    ] {
        assert!(seen[xdg].starts_with(seen["HOME"]), "{xdg}");
    }
    for secret in [
        "GITHUB_TOKEN",
        "COSIGN_PASSWORD",
        "DOCKER_CONFIG",
        "SOURCE_DATE_EPOCH",
    ] {
        assert!(!seen.contains_key(secret), "{secret}");
    }
    assert_eq!(seen["GOPROXY"], "off", "Go never reaches the network");
}
