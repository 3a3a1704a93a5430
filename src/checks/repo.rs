//! The git facts the release checks need, read with git2: where the repository is, whether it is
//! shallow, the branch, HEAD's commit and tags, dirty files, and a tag's tree written to disk.
//! Tags and dirty files come from [`crate::git`], which the build uses too.

use std::path::{Path, PathBuf};

use git2::{BranchType, ObjectType, Oid, Repository};

/// A tag that points (possibly through an annotated tag object) at a commit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TagInfo {
    pub name: String,
    pub commit: Oid,
}

/// Why a tree could not be written out. Shown in a note, so each message carries its cause's
/// text itself.
#[derive(Debug, thiserror::Error)]
pub enum ExtractError {
    #[error(transparent)]
    Git(#[from] git2::Error),
    #[error("writing {}: {error}", path.display())]
    Write {
        path: PathBuf,
        error: std::io::Error,
    },
}

/// An open repository plus the directory the checks were asked about.
pub struct Repo {
    pub repo: Repository,
    /// The working tree root.
    pub root: PathBuf,
}

impl Repo {
    /// Find the repository containing `dir`; `None` when there is none.
    pub fn discover(dir: &Path) -> Option<Repo> {
        let repo = Repository::discover(dir).ok()?;
        let root = repo.workdir()?.canonicalize().ok()?;
        Some(Repo { repo, root })
    }

    pub fn is_shallow(&self) -> bool {
        self.repo.is_shallow()
    }

    /// HEAD's commit, `None` in a repository without commits.
    pub fn head_commit(&self) -> Option<Oid> {
        self.repo.head().ok()?.peel_to_commit().ok().map(|c| c.id())
    }

    /// The checked-out branch name, `None` when HEAD is detached (or unborn).
    pub fn branch(&self) -> Option<String> {
        if self.repo.head_detached().unwrap_or(false) {
            return None;
        }
        let head = self.repo.head().ok()?;
        head.shorthand().map(str::to_string)
    }

    /// Names of local and remote-tracking branches (remote name stripped) whose tip contains
    /// `commit`.
    pub fn branches_containing(&self, commit: Oid) -> Vec<String> {
        let mut names = Vec::new();
        let Ok(branches) = self.repo.branches(None) else {
            return names;
        };
        for (branch, kind) in branches.flatten() {
            let (Ok(Some(name)), Some(tip)) = (branch.name(), branch.get().target()) else {
                continue;
            };
            let name = match kind {
                BranchType::Local => name.to_string(),
                BranchType::Remote => match name.split_once('/') {
                    Some((_, rest)) if rest != "HEAD" => rest.to_string(),
                    _ => continue,
                },
            };
            if tip == commit || self.repo.graph_descendant_of(tip, commit).unwrap_or(false) {
                names.push(name);
            }
        }
        names.sort();
        names.dedup();
        names
    }

    /// Every tag that resolves to a commit; an unreadable tag is an error, never skipped.
    pub fn tags(&self) -> Result<Vec<TagInfo>, crate::git::GitError> {
        Ok(crate::git::commit_tags(&self.repo)?
            .into_iter()
            .map(|(name, commit)| TagInfo { name, commit })
            .collect())
    }

    /// Modified, staged and untracked files (ignored files excluded), as `path` relative to the
    /// root with a short status (`modified`, `untracked`, ...).
    pub fn dirty_files(&self) -> Result<Vec<(String, &'static str)>, git2::Error> {
        crate::git::dirty_files_with_status(&self.repo)
    }

    /// Write the files under `subdir` (relative to the root, "" for all) of `commit`'s tree into
    /// `dest`, which becomes the equivalent of that subdirectory.
    pub fn extract_tree(
        &self,
        commit: Oid,
        subdir: &Path,
        dest: &Path,
    ) -> Result<usize, ExtractError> {
        let commit = self.repo.find_commit(commit)?;
        let mut tree = commit.tree()?;
        if !subdir.as_os_str().is_empty() {
            let entry = tree.get_path(subdir)?;
            tree = self.repo.find_tree(entry.id())?;
        }
        let mut count = 0;
        let mut failure = None;
        tree.walk(git2::TreeWalkMode::PreOrder, |parent, entry| {
            if entry.kind() != Some(ObjectType::Blob) {
                return git2::TreeWalkResult::Ok;
            }
            let Some(name) = entry.name() else {
                return git2::TreeWalkResult::Ok;
            };
            let path = dest.join(parent).join(name);
            let result = (|| -> Result<(), ExtractError> {
                let blob = self.repo.find_blob(entry.id())?;
                let write = |r: std::io::Result<()>| {
                    r.map_err(|error| ExtractError::Write {
                        path: path.clone(),
                        error,
                    })
                };
                if let Some(dir) = path.parent() {
                    write(std::fs::create_dir_all(dir))?;
                }
                write(std::fs::write(&path, blob.content()))
            })();
            match result {
                Ok(()) => {
                    count += 1;
                    git2::TreeWalkResult::Ok
                }
                Err(e) => {
                    failure = Some(e);
                    git2::TreeWalkResult::Abort
                }
            }
        })?;
        match failure {
            Some(e) => Err(e),
            None => Ok(count),
        }
    }

    pub fn short(&self, commit: Oid) -> String {
        commit.to_string()[..7].to_string()
    }
}
