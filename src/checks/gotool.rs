//! The user's Go toolchain: found on PATH (or `$TUG_GO`), asked once for its version and GOROOT.
//!
//! Where to look comes in as a value ([`ToolPaths`], from the run's environment snapshot);
//! [`GoTool::locate`] and [`find_on_path_in`] take it. Each `go` run is logged at debug level
//! (command, duration, exit status).

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::config::env::EnvSnapshot;
use crate::gomod::GoVersion;

/// Where tools are looked for: `TUG_GO` (an explicit `go`) and `PATH`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ToolPaths {
    pub tug_go: Option<PathBuf>,
    pub path: Option<OsString>,
}

impl ToolPaths {
    /// `TUG_GO` and `PATH` of the run's environment.
    pub fn from_env(env: &EnvSnapshot) -> Self {
        ToolPaths {
            tug_go: env.path("TUG_GO"),
            path: env.get("PATH").map(OsString::from),
        }
    }
}

/// What a tool printed on stderr when it failed, kept as the last cause of the error chain (so
/// the human output and `--json` `causes` show it). `go: downloading ...` progress lines are
/// dropped: they change from run to run and never explain the failure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ToolOutput(pub String);

impl ToolOutput {
    pub fn new(stderr: &[u8]) -> ToolOutput {
        let text = String::from_utf8_lossy(stderr);
        let kept: Vec<&str> = text
            .lines()
            .filter(|l| !l.starts_with("go: downloading "))
            .collect();
        ToolOutput(kept.join("\n").trim().to_string())
    }
}

impl std::fmt::Display for ToolOutput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.0.is_empty() {
            f.write_str("(no output on stderr)")
        } else {
            f.write_str(&self.0)
        }
    }
}

impl std::error::Error for ToolOutput {}

/// A located, working `go` command.
#[derive(Debug, Clone)]
pub struct GoTool {
    pub bin: PathBuf,
    /// `go1.23.4`.
    pub version: String,
    pub goroot: PathBuf,
}

#[derive(Debug, thiserror::Error)]
pub enum GoToolError {
    #[error("go was not found on PATH")]
    NotFound,
    #[error("{0} does not work: {1}")]
    Broken(PathBuf, String),
    #[error("cannot run {}", .0.display())]
    Spawn(PathBuf, #[source] std::io::Error),
}

impl GoTool {
    /// Find `go` via `paths` (`TUG_GO`, else `PATH`) and ask it for `GOVERSION` and `GOROOT`.
    pub fn locate(paths: &ToolPaths) -> Result<GoTool, GoToolError> {
        let bin = paths
            .tug_go
            .clone()
            .filter(|p| p.is_file())
            .or_else(|| find_on_path_in("go", paths.path.as_deref()))
            .ok_or(GoToolError::NotFound)?;
        Self::at(&bin)
    }

    pub fn at(bin: &Path) -> Result<GoTool, GoToolError> {
        let started = std::time::Instant::now();
        tracing::debug!(program = %bin.display(), command = "go env GOVERSION GOROOT", env = "GOTOOLCHAIN=local", "running");
        let out = Command::new(bin)
            .args(["env", "GOVERSION", "GOROOT"])
            .env("GOTOOLCHAIN", "local")
            .output()
            .map_err(|e| GoToolError::Spawn(bin.to_path_buf(), e))?;
        tracing::debug!(
            program = %bin.display(),
            status = %out.status,
            elapsed_ms = started.elapsed().as_millis() as u64,
            "finished"
        );
        if !out.status.success() {
            return Err(GoToolError::Broken(
                bin.to_path_buf(),
                String::from_utf8_lossy(&out.stderr).trim().to_string(),
            ));
        }
        let text = String::from_utf8_lossy(&out.stdout);
        let mut lines = text.lines();
        let version = lines.next().unwrap_or_default().trim().to_string();
        let goroot = PathBuf::from(lines.next().unwrap_or_default().trim());
        Ok(GoTool {
            bin: bin.to_path_buf(),
            version,
            goroot,
        })
    }

    /// The language version (`go1.23.4` → 1.23.4); `None` for devel builds.
    pub fn go_version(&self) -> Option<GoVersion> {
        GoVersion::parse(self.version.split_whitespace().next().unwrap_or(""))
    }
}

/// The first executable called `name` in `path` (a `PATH` value).
pub fn find_on_path_in(name: &str, path: Option<&std::ffi::OsStr>) -> Option<PathBuf> {
    let path = path?;
    for dir in std::env::split_paths(path) {
        for candidate in [dir.join(name), dir.join(format!("{name}.exe"))] {
            if is_executable(&candidate) {
                return Some(candidate);
            }
        }
    }
    None
}

fn is_executable(path: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        path.metadata()
            .map(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
            .unwrap_or(false)
    }
    #[cfg(not(unix))]
    {
        path.is_file()
    }
}
