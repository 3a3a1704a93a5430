//! What the machine and its toolchains offer, asked before anything is compiled: where `go`,
//! `cargo` and `rustc` are (on the PATH the command passed in as [`HostPaths`]), the Rust host
//! triple and installed targets, a cargo package's version, and how many CPUs and how much memory
//! there is for concurrent compiles ([`concurrency`]).
//!
//! The engine never reads the process environment: the command builds [`HostPaths`] from its
//! environment snapshot, so a test can point the engine at any PATH and cache directory.

use std::path::{Path, PathBuf};

use crate::config::env::EnvSnapshot;

use super::BuildError;

/// Memory assumed per concurrent compile when capping parallelism.
pub const MEMORY_PER_JOB: u64 = 512 << 20;

/// The parts of the environment the build engine depends on, read once by the command.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HostPaths {
    /// The directories of `PATH`, searched for go, cargo and rustc.
    pub path: Vec<PathBuf>,
    /// tug's cache directory (the `go tool dist list` cache): `$TUG_CACHE_DIR`,
    /// `$XDG_CACHE_HOME/tug`, `~/.cache/tug` (`~/Library/Caches/tug` on macOS).
    pub cache_dir: Option<PathBuf>,
    /// `CARGO_TARGET_DIR`, where cargo puts its output when a build's `env` does not say.
    pub cargo_target_dir: Option<PathBuf>,
}

impl HostPaths {
    /// The paths of this run's environment.
    pub fn from_env(env: &EnvSnapshot) -> Self {
        HostPaths {
            path: env
                .get("PATH")
                .map(|p| std::env::split_paths(p).collect())
                .unwrap_or_default(),
            cache_dir: tug_cache_dir(env),
            cargo_target_dir: env.path("CARGO_TARGET_DIR"),
        }
    }
}

/// `$TUG_CACHE_DIR`, `$XDG_CACHE_HOME/tug`, `~/.cache/tug` (`~/Library/Caches/tug` on macOS).
pub fn tug_cache_dir(env: &EnvSnapshot) -> Option<PathBuf> {
    if let Some(dir) = env.path("TUG_CACHE_DIR") {
        return Some(dir);
    }
    if let Some(dir) = env.path("XDG_CACHE_HOME") {
        return Some(dir.join("tug"));
    }
    let home = env.path("HOME")?;
    Some(if cfg!(target_os = "macos") {
        home.join("Library/Caches/tug")
    } else {
        home.join(".cache/tug")
    })
}

/// Find an executable by name in `path` (or take the name as a path when it has a `/`).
pub fn find_executable(name: &str, path: &[PathBuf]) -> Option<PathBuf> {
    if name.contains('/') {
        let p = PathBuf::from(name);
        return p.is_file().then_some(p);
    }
    path.iter().map(|d| d.join(name)).find(|p| p.is_file())
}

/// [`find_executable`], or the error naming the tool.
pub fn require(tool: &str, name: &str, host: &HostPaths) -> Result<PathBuf, BuildError> {
    find_executable(name, &host.path).ok_or_else(|| BuildError::ToolMissing {
        tool: tool.into(),
        path: name.into(),
        source: std::io::Error::new(std::io::ErrorKind::NotFound, "not found on PATH"),
    })
}

/// Number of CPUs of this machine.
pub fn cpus() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
}

/// Bytes of memory available, from /proc/meminfo (Linux); `None` elsewhere.
pub fn memory_available() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = text.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

/// How many compiler processes run at once, and how many binaries one of them may link.
///
/// The CPUs are not split: no child gets `-p`, GOMAXPROCS or CARGO_BUILD_JOBS, so each may use
/// every CPU and the OS shares them between the children running at once; when one finishes, the
/// others get its CPUs (a fixed share per child left cores idle during the last links).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Concurrency {
    /// Children running at once: `--parallelism`, capped by the jobs and by memory.
    pub workers: usize,
    /// Go binaries of one target that one `go build` may link together (it links up to one per
    /// CPU at once): unbounded unless memory is the limit, then what memory leaves per worker.
    pub max_group: usize,
}

/// At most `parallelism` children at once, no more than `jobs`, and no more compiles than memory
/// allows ([`MEMORY_PER_JOB`] each), also counting the links a shared `go build` runs together.
pub fn concurrency(parallelism: usize, memory: Option<u64>, jobs: usize) -> Concurrency {
    let by_memory = memory.map(|m| (m / MEMORY_PER_JOB).max(1) as usize);
    let workers = parallelism
        .max(1)
        .min(by_memory.unwrap_or(usize::MAX))
        .min(jobs)
        .max(1);
    Concurrency {
        workers,
        max_group: by_memory.map_or(usize::MAX, |m| (m / workers).max(1)),
    }
}

/// The host triple of `rustc -vV`.
pub fn rustc_host(rustc: &Path) -> Result<String, BuildError> {
    let out = std::process::Command::new(rustc)
        .arg("-vV")
        .output()
        .map_err(|e| BuildError::tool_missing("rustc", rustc, e))?;
    parse_rustc_host(&String::from_utf8_lossy(&out.stdout))
        .ok_or_else(|| BuildError::config("cannot find the host triple in `rustc -vV`", None))
}

fn parse_rustc_host(text: &str) -> Option<String> {
    text.lines()
        .find_map(|l| l.strip_prefix("host: ").map(str::to_string))
}

/// A Rust target's standard library must be installed (`rustup target add`).
pub fn check_rust_target_installed(
    rustc: &Path,
    index: usize,
    triple: &str,
) -> Result<(), BuildError> {
    let out = std::process::Command::new(rustc)
        .args(["--print", "target-libdir", "--target", triple])
        .output()
        .map_err(|e| BuildError::tool_missing("rustc", rustc, e))?;
    let dir = String::from_utf8_lossy(&out.stdout).trim().to_string();
    if !out.status.success() || dir.is_empty() || !Path::new(&dir).is_dir() {
        return Err(BuildError::config(
            format!("builds[{index}]: Rust target {triple} is not installed"),
            Some(&format!("rustup target add {triple}")),
        ));
    }
    Ok(())
}

/// A cargo build of a tagged release must carry the tag's version in Cargo.toml.
pub fn check_cargo_version(index: usize, dir: &Path, tag: Option<&str>) -> Result<(), BuildError> {
    let Some(tag) = tag else { return Ok(()) };
    let path = dir.join("Cargo.toml");
    let text = std::fs::read_to_string(&path)
        .map_err(|e| BuildError::io(format!("reading {}", path.display()), e))?;
    let want = tag.strip_prefix('v').unwrap_or(tag);
    match cargo_package_version(&text) {
        Some(v) if v == want => Ok(()),
        Some(v) => Err(BuildError::config(
            format!(
                "builds[{index}]: {} has version {v} but the tag is {tag}",
                path.display()
            ),
            Some(&format!(
                "set `version = \"{want}\"` in Cargo.toml, commit, and tag again"
            )),
        )),
        None => Err(BuildError::config(
            format!(
                "builds[{index}]: no [package] version in {}",
                path.display()
            ),
            None,
        )),
    }
}

/// The `version` of the `[package]` table of a Cargo.toml.
fn cargo_package_version(text: &str) -> Option<String> {
    let mut in_package = false;
    let mut version = None;
    for line in text.lines() {
        let l = line.trim();
        if l.starts_with('[') {
            in_package = l == "[package]";
        } else if in_package {
            if let Some(rest) = l.strip_prefix("version") {
                if let Some(v) = rest.trim_start().strip_prefix('=') {
                    version = Some(v.trim().trim_matches('"').to_string());
                }
            }
        }
    }
    version
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Diagnostic;

    #[test]
    fn workers_are_capped_by_jobs_and_memory_and_groups_by_what_memory_leaves() {
        let gib = 1u64 << 30;
        assert_eq!(
            concurrency(8, Some(64 * gib), 4),
            Concurrency {
                workers: 4,
                max_group: 32
            }
        );
        // 1 GiB holds two compiles: two children, each linking one binary at a time.
        assert_eq!(
            concurrency(8, Some(gib), 10),
            Concurrency {
                workers: 2,
                max_group: 1
            }
        );
        assert_eq!(
            concurrency(0, None, 0),
            Concurrency {
                workers: 1,
                max_group: usize::MAX
            }
        );
        assert_eq!(concurrency(1, Some(gib), 16).max_group, 2);
    }

    #[test]
    fn cargo_version_is_read_from_the_package_table_only() {
        let text = "[workspace]\nversion = \"9\"\n[package]\nname = \"x\"\nversion = \"1.2.3\"\n\
                    [dependencies]\nversion = \"0\"\n";
        assert_eq!(cargo_package_version(text).as_deref(), Some("1.2.3"));
        assert_eq!(cargo_package_version("[package]\nname = \"x\"\n"), None);
        let d = tempfile::tempdir().unwrap();
        std::fs::write(d.path().join("Cargo.toml"), text).unwrap();
        check_cargo_version(0, d.path(), Some("v1.2.3")).unwrap();
        check_cargo_version(0, d.path(), None).unwrap();
        let err = check_cargo_version(0, d.path(), Some("v1.2.4")).unwrap_err();
        assert_eq!(err.exit_code(), crate::ExitCode::Usage);
        assert!(err.hint().unwrap().contains("version = \"1.2.4\""));
    }

    #[test]
    fn rustc_host_line() {
        let text = "rustc 1.90.0\nbinary: rustc\nhost: x86_64-unknown-linux-gnu\nrelease: 1.90.0\n";
        assert_eq!(
            parse_rustc_host(text).as_deref(),
            Some("x86_64-unknown-linux-gnu")
        );
        assert_eq!(parse_rustc_host("rustc 1.90.0\n"), None);
    }

    #[test]
    fn host_paths_come_from_the_snapshot_in_order_of_precedence() {
        let env = EnvSnapshot::from_pairs([
            ("PATH", "/a:/b"),
            ("HOME", "/home/u"),
            ("XDG_CACHE_HOME", "/xdg"),
            ("CARGO_TARGET_DIR", "/t"),
        ]);
        let h = HostPaths::from_env(&env);
        assert_eq!(h.path, [PathBuf::from("/a"), PathBuf::from("/b")]);
        assert_eq!(h.cache_dir, Some(PathBuf::from("/xdg/tug")));
        assert_eq!(h.cargo_target_dir, Some(PathBuf::from("/t")));
        let env = EnvSnapshot::from_pairs([("TUG_CACHE_DIR", "/c"), ("XDG_CACHE_HOME", "/xdg")]);
        assert_eq!(tug_cache_dir(&env), Some(PathBuf::from("/c")));
        assert_eq!(tug_cache_dir(&EnvSnapshot::default()), None);
    }

    #[test]
    fn executables_are_found_only_on_the_given_path() {
        let d = tempfile::tempdir().unwrap();
        std::fs::write(d.path().join("go"), "").unwrap();
        let path = vec![PathBuf::from("/nonexistent"), d.path().to_path_buf()];
        assert_eq!(find_executable("go", &path), Some(d.path().join("go")));
        assert_eq!(find_executable("go", &[]), None);
        let host = HostPaths::default();
        let err = require("go", "go", &host).unwrap_err();
        assert_eq!(err.exit_code(), crate::ExitCode::Usage);
        assert_eq!(err.to_string(), "cannot run go (go)");
    }
}
