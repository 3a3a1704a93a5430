//! The files of a module at a commit, read from the git tree (what `git archive` of the tag
//! holds), never from the work tree: an untracked or ignored file is not part of the release,
//! and a module zip must be the same on every machine that builds the tag.
//!
//! The command layer calls this with the commit from `RepoFacts` (and the repository it has open
//! already, [`files_in`]) and hands the files to the engines as values ([`SourceFile`]s), so no
//! engine opens the repository itself. The module's
//! directory inside the repository (`sub/` for a module in `sub/`) becomes the zip's root.

use std::path::{Path, PathBuf};

use super::zip::{FileKind, SourceFile};

#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    #[error("cannot read the module's files at commit {commit} from {}", repo.display())]
    Git {
        repo: PathBuf,
        commit: String,
        #[source]
        source: git2::Error,
    },
    #[error("the module directory {dir} is not in the tree of commit {commit}")]
    NoDirectory { dir: String, commit: String },
}

impl crate::error::Diagnostic for SourceError {
    fn exit_code(&self) -> crate::ExitCode {
        crate::ExitCode::Failure
    }
    fn hint(&self) -> Option<String> {
        match self {
            SourceError::NoDirectory { .. } => {
                Some("commit the module's directory before tagging the release".into())
            }
            SourceError::Git { .. } => None,
        }
    }
}

/// Every file under `module_dir` (relative to the repository root, `""` for the root) in the
/// tree of `commit`, with paths relative to the module directory.
pub fn files_at(
    repo_root: &Path,
    commit: &str,
    module_dir: &str,
) -> Result<Vec<SourceFile>, SourceError> {
    let repo = git2::Repository::open(repo_root).map_err(|source| SourceError::Git {
        repo: repo_root.to_path_buf(),
        commit: commit.to_string(),
        source,
    })?;
    files_in(&repo, repo_root, commit, module_dir)
}

/// [`files_at`] in an open repository (whose work tree root is `repo_root`, for messages).
pub fn files_in(
    repo: &git2::Repository,
    repo_root: &Path,
    commit: &str,
    module_dir: &str,
) -> Result<Vec<SourceFile>, SourceError> {
    let git = |source| SourceError::Git {
        repo: repo_root.to_path_buf(),
        commit: commit.to_string(),
        source,
    };
    let oid = git2::Oid::from_str(commit).map_err(git)?;
    let tree = repo.find_commit(oid).and_then(|c| c.tree()).map_err(git)?;
    let dir = module_dir.trim_matches('/');
    let tree = if dir.is_empty() {
        tree
    } else {
        let entry = tree
            .get_path(Path::new(dir))
            .map_err(|_| SourceError::NoDirectory {
                dir: dir.to_string(),
                commit: commit.to_string(),
            })?;
        repo.find_tree(entry.id())
            .map_err(|_| SourceError::NoDirectory {
                dir: dir.to_string(),
                commit: commit.to_string(),
            })?
    };
    let mut files = Vec::new();
    let mut failure = None;
    tree.walk(git2::TreeWalkMode::PreOrder, |parent, entry| {
        let kind = match entry.filemode() {
            0o100644 => FileKind::Regular,
            0o100755 => FileKind::Executable,
            0o120000 => FileKind::Symlink,
            0o160000 => FileKind::Submodule,
            _ => return git2::TreeWalkResult::Ok, // a tree: walked into
        };
        let mut path = parent.as_bytes().to_vec();
        path.extend_from_slice(entry.name_bytes());
        let data = if matches!(kind, FileKind::Regular | FileKind::Executable) {
            match repo.find_blob(entry.id()) {
                Ok(blob) => blob.content().to_vec(),
                Err(e) => {
                    failure = Some(e);
                    return git2::TreeWalkResult::Abort;
                }
            }
        } else {
            Vec::new()
        };
        files.push(SourceFile { path, kind, data });
        git2::TreeWalkResult::Ok
    })
    .map_err(git)?;
    if let Some(e) = failure {
        return Err(git(e));
    }
    Ok(files)
}
