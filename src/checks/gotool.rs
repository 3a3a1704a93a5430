//! The user's Go toolchain: found on PATH (or `$TUG_GO`), asked once for its version and GOROOT.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::gomod::GoVersion;

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
}

impl GoTool {
    /// Find `go` via `$TUG_GO` or PATH and ask it for `GOVERSION` and `GOROOT`.
    pub fn find() -> Result<GoTool, GoToolError> {
        let bin = std::env::var_os("TUG_GO")
            .map(PathBuf::from)
            .filter(|p| p.is_file())
            .or_else(|| find_on_path("go"))
            .ok_or(GoToolError::NotFound)?;
        Self::at(&bin)
    }

    pub fn at(bin: &Path) -> Result<GoTool, GoToolError> {
        let out = Command::new(bin)
            .args(["env", "GOVERSION", "GOROOT"])
            .env("GOTOOLCHAIN", "local")
            .output()
            .map_err(|e| GoToolError::Broken(bin.to_path_buf(), e.to_string()))?;
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

/// The first executable called `name` on PATH.
pub fn find_on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    for dir in std::env::split_paths(&path) {
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
