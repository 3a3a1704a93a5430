//! The staging directory: a build (or a merge) writes everything into a fresh temporary directory
//! on dist's file system, gives the files their shared mode and mtime, and only then replaces dist
//! with it in one rename ([`finalize`]), so a failed build never leaves half a release behind and
//! never destroys the previous one.
//!
//! Used by [`super::run`] and [`super::merge`].

use std::path::Path;

use super::{archive, BuildError};

/// A fresh staging directory for `dist`: in `parent` when given (it must be on dist's file
/// system), else next to dist.
pub fn create(parent: Option<&Path>, dist: &Path) -> Result<tempfile::TempDir, BuildError> {
    let parent = match parent {
        Some(p) => p.to_path_buf(),
        None => dist
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."))
            .to_path_buf(),
    };
    std::fs::create_dir_all(&parent)
        .map_err(|e| BuildError::io(format!("creating {}", parent.display()), e))?;
    tempfile::Builder::new()
        .prefix(".tug-build-")
        .tempdir_in(&parent)
        .map_err(|e| {
            BuildError::io(
                format!("creating a staging directory in {}", parent.display()),
                e,
            )
        })
}

/// Refuse to replace a non-empty dist unless `clean`.
pub fn check_dist(dist: &Path, clean: bool) -> Result<(), BuildError> {
    match std::fs::read_dir(dist).map(|mut rd| rd.next().is_some()) {
        Ok(true) if !clean => Err(BuildError::config(
            format!("{} is not empty", dist.display()),
            Some("pass --clean to replace it, or --dist DIR to build elsewhere"),
        )),
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotADirectory => Err(BuildError::config(
            format!("{} is not a directory", dist.display()),
            None,
        )),
        Err(e) => Err(BuildError::io(format!("reading {}", dist.display()), e)),
    }
}

/// Make a file written through a 0600 temp file readable by everyone, like the rest of dist.
pub(crate) fn shareable(path: &Path) -> Result<(), BuildError> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o644))
            .map_err(|e| BuildError::io(format!("setting the mode of {}", path.display()), e))?;
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

/// Give every file under `dir` the same mtime.
pub(crate) fn set_mtimes(dir: &Path, mtime: i64) -> Result<(), BuildError> {
    let when = archive::system_time(mtime);
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let rd = std::fs::read_dir(&d)
            .map_err(|e| BuildError::io(format!("reading {}", d.display()), e))?;
        for entry in rd.flatten() {
            let p = entry.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                std::fs::File::options()
                    .write(true)
                    .open(&p)
                    .and_then(|f| f.set_modified(when))
                    .map_err(|e| {
                        BuildError::io(format!("setting the mtime of {}", p.display()), e)
                    })?;
            }
        }
    }
    Ok(())
}

/// Move the finished staging directory to `dist`, replacing it.
pub(crate) fn finalize(staging: tempfile::TempDir, dist: &Path) -> Result<(), BuildError> {
    let io = |what: &str, e| BuildError::io(format!("{what} {}", dist.display()), e);
    match std::fs::symlink_metadata(dist) {
        Ok(m) if m.is_dir() => std::fs::remove_dir_all(dist).map_err(|e| io("removing", e))?,
        Ok(_) => std::fs::remove_file(dist).map_err(|e| io("removing", e))?,
        Err(_) => {}
    }
    if let Some(parent) = dist.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(|e| io("creating the parent of", e))?;
    }
    let staged = staging.keep();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        // tempdir is 0700; a dist is meant to be shared.
        let _ = std::fs::set_permissions(&staged, std::fs::Permissions::from_mode(0o755));
    }
    if let Err(e) = std::fs::rename(&staged, dist) {
        // Different file systems: copy, then remove the staging copy.
        copy_tree(&staged, dist).map_err(|_| io("moving the build to", e))?;
        let _ = std::fs::remove_dir_all(&staged);
    }
    Ok(())
}

/// Copy a directory tree, keeping the mtimes.
pub(crate) fn copy_tree(from: &Path, to: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_tree(&entry.path(), &target)?;
        } else {
            std::fs::copy(entry.path(), &target)?;
            let mtime = entry.metadata()?.modified()?;
            std::fs::File::options()
                .write(true)
                .open(&target)?
                .set_modified(mtime)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Diagnostic;

    #[test]
    fn check_dist_refuses_non_empty_without_clean() {
        let d = tempfile::tempdir().unwrap();
        check_dist(&d.path().join("missing"), false).unwrap();
        check_dist(d.path(), false).unwrap();
        std::fs::write(d.path().join("x"), "").unwrap();
        let err = check_dist(d.path(), false).unwrap_err();
        assert_eq!(err.exit_code(), crate::ExitCode::Usage);
        assert!(err.hint().unwrap().contains("--clean"));
        check_dist(d.path(), true).unwrap();
    }
}
