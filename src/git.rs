//! Repository facts every stage needs: which tag is on HEAD, the previous tag, the commit and its
//! time, the branch, whether the tree is dirty (and which files), whether the clone is shallow,
//! and the commits between two tags (for release notes).
//!
//! Read with libgit2 (no `git` process), once, into a plain [`RepoFacts`] value that commands pass
//! to the engines. A command that reads several things opens the repository once
//! ([`open`]) and passes it to the `*_in` functions (`tug build`: the tag scheme, the facts, the
//! local exclude, the module's files and the notes' commits from one handle). Which tags are releases is the project's [`TagScheme`]: the module's directory
//! (`sub/` for a Go module in `sub/`, as the go command requires) then `project.tag_prefix` (`v`,
//! `release-`, or nothing for bare semver) then the version; tags that do not fit are not
//! releases and are never mixed in. When several tags point at HEAD the highest version wins. An untagged HEAD gets a snapshot version:
//! the next patch after the last reachable tag (or `0.0.0`), `-snapshot+<short commit>`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use git2::{Oid, Repository, StatusOptions};

/// Length of `short_commit`.
pub const SHORT_COMMIT_LEN: usize = 7;

#[derive(Debug, thiserror::Error)]
pub enum GitError {
    #[error("{path} is not inside a git repository")]
    NotARepository { path: PathBuf },
    #[error("the repository at {path} has no commits yet")]
    NoCommits { path: PathBuf },
    #[error("cannot read the git repository at {}", path.display())]
    Git {
        path: PathBuf,
        #[source]
        source: git2::Error,
    },
    #[error("cannot resolve tag {name} to a commit")]
    Tag {
        name: String,
        #[source]
        source: git2::Error,
    },
    #[error("cannot update {}", path.display())]
    Exclude {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("the commit time of {commit} ({seconds} s since 1970) is not a valid date")]
    BadCommitTime { commit: String, seconds: i64 },
}

impl GitError {
    pub fn hint(&self) -> Option<&'static str> {
        match self {
            GitError::NotARepository { .. } => Some("run tug inside a git repository (`git init`)"),
            GitError::NoCommits { .. } => Some("commit your files first (`git commit`)"),
            GitError::Tag { .. } => Some(
                "repair or delete the broken tag (`git tag -d NAME`, then `git fetch --tags`)",
            ),
            GitError::BadCommitTime { .. } => Some(
                "the commit was written with a broken clock; amend it (`git commit --amend --date=now`)",
            ),
            GitError::Exclude { .. } => {
                Some("check the permissions of .git/info/, or add tug's dist to .gitignore yourself")
            }
            GitError::Git { .. } => None,
        }
    }
}

impl crate::error::Diagnostic for GitError {
    /// A repository that is missing or empty is a usage problem; a repository libgit2 cannot
    /// read is a failure.
    fn exit_code(&self) -> crate::ExitCode {
        match self {
            GitError::NotARepository { .. } | GitError::NoCommits { .. } => crate::ExitCode::Usage,
            _ => crate::ExitCode::Failure,
        }
    }
    fn hint(&self) -> Option<String> {
        GitError::hint(self).map(str::to_string)
    }
}

/// A release tag: its full name and the version it names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionTag {
    pub name: String,
    pub version: semver::Version,
}

impl VersionTag {
    /// Parse a tag name of the default scheme (`v1.2.3`, `1.2.3` also accepted); `None` when it
    /// is not one.
    pub fn parse(name: &str) -> Option<VersionTag> {
        let bare = name.strip_prefix('v').unwrap_or(name);
        semver::Version::parse(bare).ok().map(|version| VersionTag {
            name: name.to_string(),
            version,
        })
    }
}

/// How this project's release tags are named: `<dir><prefix><version>`, e.g. `v1.2.3`,
/// `sub/v1.2.3` (a Go module in `sub/`), `release-2.2.0` or bare `5.1.0`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TagScheme {
    /// The module's directory in the repository, with a trailing `/` (`""` at the root).
    pub dir: String,
    /// `project.tag_prefix`: what comes between the directory and the version (`v` by default).
    pub prefix: String,
}

impl Default for TagScheme {
    fn default() -> Self {
        TagScheme {
            dir: String::new(),
            prefix: "v".into(),
        }
    }
}

impl TagScheme {
    pub fn new(dir: &str, prefix: &str) -> TagScheme {
        let dir = dir.trim_matches('/');
        TagScheme {
            dir: if dir.is_empty() {
                String::new()
            } else {
                format!("{dir}/")
            },
            prefix: prefix.to_string(),
        }
    }

    /// The scheme of a module in `module_dir` of the repository at `repo_root`: the directory
    /// prefix the go command expects (minus a final `vN` element when the module path ends in
    /// the same `/vN`, the major-subdirectory layout), unless `dir_override` names one.
    pub fn for_module(
        repo_root: &Path,
        module_dir: &Path,
        module_path: Option<&str>,
        prefix: &str,
        dir_override: Option<&str>,
    ) -> TagScheme {
        if let Some(dir) = dir_override {
            return TagScheme::new(dir, prefix);
        }
        let rel = module_dir
            .canonicalize()
            .ok()
            .zip(repo_root.canonicalize().ok())
            .and_then(|(m, r)| m.strip_prefix(&r).ok().map(Path::to_path_buf))
            .unwrap_or_default();
        let mut parts: Vec<String> = rel
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect();
        if let (Some(last), Some(path)) = (parts.last(), module_path) {
            if let Some(n) = path.rsplit('/').next().and_then(|e| e.strip_prefix('v')) {
                if n.parse::<u64>().is_ok_and(|n| n >= 2) && *last == format!("v{n}") {
                    parts.pop();
                }
            }
        }
        TagScheme::new(&parts.join("/"), prefix)
    }

    /// The scheme of the module in `module_dir`, whose repository is found from there (see
    /// [`TagScheme::for_module`]); outside a repository, no directory prefix.
    pub fn discover(
        module_dir: &Path,
        module_path: Option<&str>,
        prefix: &str,
        dir_override: Option<&str>,
    ) -> TagScheme {
        TagScheme::in_repository(
            Repository::discover(module_dir).ok().as_ref(),
            module_dir,
            module_path,
            prefix,
            dir_override,
        )
    }

    /// [`TagScheme::discover`] with the repository already open (`None`: outside any).
    pub fn in_repository(
        repo: Option<&Repository>,
        module_dir: &Path,
        module_path: Option<&str>,
        prefix: &str,
        dir_override: Option<&str>,
    ) -> TagScheme {
        match repo.and_then(Repository::workdir) {
            Some(root) => {
                TagScheme::for_module(root, module_dir, module_path, prefix, dir_override)
            }
            None => TagScheme::new(dir_override.unwrap_or(""), prefix),
        }
    }

    /// True for the Go module scheme (`v` then the version): tags must be canonical
    /// `vMAJOR.MINOR.PATCH`, as the go command reads them.
    pub fn is_go_module(&self) -> bool {
        self.prefix == "v"
    }

    /// `name` as a release tag of this scheme. Besides full semver, a project scheme other than
    /// Go's `v` accepts `MAJOR.MINOR` as `MAJOR.MINOR.0` (`release-2.2`).
    pub fn parse(&self, name: &str) -> Option<VersionTag> {
        let rest = name.strip_prefix(&self.dir)?.strip_prefix(&self.prefix)?;
        let version = match semver::Version::parse(rest) {
            Ok(v) => v,
            Err(_) if !self.is_go_module() => {
                let (major, minor) = rest.split_once('.')?;
                let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
                if !digits(major) || !digits(minor) {
                    return None;
                }
                semver::Version::new(major.parse().ok()?, minor.parse().ok()?, 0)
            }
            Err(_) => return None,
        };
        Some(VersionTag {
            name: name.to_string(),
            version,
        })
    }

    /// The tag naming `version` in this scheme.
    pub fn tag(&self, version: &semver::Version) -> String {
        format!("{}{}{version}", self.dir, self.prefix)
    }

    /// The scheme as a pattern for messages: `sub/vMAJOR.MINOR.PATCH`.
    pub fn pattern(&self) -> String {
        format!("{}{}MAJOR.MINOR.PATCH", self.dir, self.prefix)
    }

    /// The first release's tag, for hints: `release-0.1.0`.
    pub fn example(&self) -> String {
        self.tag(&semver::Version::new(0, 1, 0))
    }
}

/// Open the repository containing `path` (found upwards from there, like `git` does).
pub fn open(path: &Path) -> Result<Repository, GitError> {
    Repository::discover(path).map_err(|e| {
        if e.code() == git2::ErrorCode::NotFound {
            GitError::NotARepository {
                path: path.to_path_buf(),
            }
        } else {
            GitError::Git {
                path: path.to_path_buf(),
                source: e,
            }
        }
    })
}

/// One commit, as release notes need it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommitInfo {
    pub id: String,
    pub short_id: String,
    /// First line of the message.
    pub subject: String,
    /// The rest of the message (after the first blank line), trimmed.
    pub body: String,
    pub author: String,
    /// Unix seconds (committer time).
    pub time: i64,
}

/// Everything tug needs to know about the repository, read once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RepoFacts {
    /// The work tree root.
    pub root: PathBuf,
    /// The highest semver tag on HEAD.
    pub tag: Option<VersionTag>,
    /// The highest semver tag reachable from HEAD that is lower than `tag` (or, for an untagged
    /// HEAD, the highest reachable tag).
    pub previous_tag: Option<VersionTag>,
    /// Full hex commit id of HEAD.
    pub commit: String,
    pub short_commit: String,
    /// Committer time of HEAD, Unix seconds.
    pub commit_time: i64,
    /// Current branch, `None` when HEAD is detached.
    pub branch: Option<String>,
    /// Modified, staged, deleted or untracked (not ignored) files, sorted, relative to the root,
    /// each with its short status (see [`dirty_files_with_status`]).
    pub dirty_files: Vec<(String, &'static str)>,
    /// True for a shallow clone: previous tags and release notes may be incomplete.
    pub shallow: bool,
    /// Tags that are not releases of this scheme (sorted), for a note.
    pub skipped_tags: Vec<String>,
}

impl RepoFacts {
    /// Read the facts of the repository containing `path`, with the default tag scheme.
    pub fn discover(path: &Path) -> Result<RepoFacts, GitError> {
        RepoFacts::discover_with(path, &TagScheme::default())
    }

    /// Read the facts of the repository containing `path`; release tags are those of `scheme`.
    pub fn discover_with(path: &Path, scheme: &TagScheme) -> Result<RepoFacts, GitError> {
        RepoFacts::read(&open(path)?, scheme)
    }

    /// Read the facts of an open repository; release tags are those of `scheme`.
    #[tracing::instrument(level = "debug", skip_all, fields(path = %repo.path().display()))]
    pub fn read(repo: &Repository, scheme: &TagScheme) -> Result<RepoFacts, GitError> {
        let started = std::time::Instant::now();
        let root = repo.workdir().unwrap_or_else(|| repo.path()).to_path_buf();
        let err = |source| GitError::Git {
            path: root.clone(),
            source,
        };
        let head = match repo.head() {
            Ok(h) => h,
            Err(e)
                if matches!(
                    e.code(),
                    git2::ErrorCode::UnbornBranch | git2::ErrorCode::NotFound
                ) =>
            {
                return Err(GitError::NoCommits { path: root })
            }
            Err(e) => return Err(err(e)),
        };
        let head_commit = head.peel_to_commit().map_err(err)?;
        let head_id = head_commit.id();
        let branch = if head.is_branch() {
            head.shorthand().map(str::to_string)
        } else {
            None
        };

        let (tags, skipped_tags) = version_tags(repo, scheme)?;
        let tag = tags
            .get(&head_id)
            .and_then(|ts| ts.iter().max_by(|a, b| a.version.cmp(&b.version)).cloned());
        let previous_tag = previous_tag(repo, head_id, &tags, tag.as_ref()).map_err(err)?;

        let commit = head_id.to_string();
        let short_commit = commit[..SHORT_COMMIT_LEN].to_string();
        let dirty_files = if repo.is_bare() {
            Vec::new()
        } else {
            dirty_files_with_status(repo).map_err(err)?
        };
        let commit_time = head_commit.time().seconds();
        if chrono::DateTime::from_timestamp(commit_time, 0).is_none() {
            return Err(GitError::BadCommitTime {
                commit,
                seconds: commit_time,
            });
        }
        let facts = RepoFacts {
            root,
            tag,
            previous_tag,
            commit,
            short_commit,
            commit_time,
            branch,
            dirty_files,
            shallow: repo.is_shallow(),
            skipped_tags,
        };
        tracing::debug!(
            root = %facts.root.display(),
            commit = %facts.short_commit,
            tag = facts.tag.as_ref().map(|t| t.name.as_str()),
            previous_tag = facts.previous_tag.as_ref().map(|t| t.name.as_str()),
            branch = facts.branch.as_deref(),
            dirty = facts.dirty_files.len(),
            shallow = facts.shallow,
            elapsed_ms = started.elapsed().as_millis() as u64,
            "read repository facts"
        );
        Ok(facts)
    }

    pub fn is_dirty(&self) -> bool {
        !self.dirty_files.is_empty()
    }

    /// The release version: the tag's version without the `v` prefix, or `None` when untagged.
    pub fn tag_version(&self) -> Option<String> {
        self.tag.as_ref().map(|t| t.version.to_string())
    }

    /// The version a snapshot build gets: the next patch after the newest tag reachable from HEAD
    /// (HEAD's own included; a pre-release tag `1.3.0-rc.1` is followed by `1.3.0`), or `0.0.0`,
    /// then `-snapshot+<short commit>`.
    pub fn snapshot_version(&self) -> String {
        let last = self.tag.as_ref().or(self.previous_tag.as_ref());
        let base = match last {
            Some(t) if !t.version.pre.is_empty() => {
                semver::Version::new(t.version.major, t.version.minor, t.version.patch)
            }
            Some(t) => semver::Version::new(t.version.major, t.version.minor, t.version.patch + 1),
            None => semver::Version::new(0, 0, 0),
        };
        format!("{base}-snapshot+{}", self.short_commit)
    }

    /// Commit time as RFC 3339 UTC (`2026-01-02T03:04:05Z`).
    pub fn commit_date(&self) -> String {
        rfc3339(self.commit_time)
    }

    /// Commits reachable from HEAD but not from `since` (a tag name), newest first, merges
    /// skipped. With `since = None`, the whole history.
    pub fn commits_since(&self, since: Option<&str>) -> Result<Vec<CommitInfo>, GitError> {
        let repo = Repository::open(&self.root).map_err(|source| GitError::Git {
            path: self.root.clone(),
            source,
        })?;
        self.commits_since_in(&repo, since)
    }

    /// [`RepoFacts::commits_since`] in the open repository these facts were read from.
    #[tracing::instrument(level = "debug", skip(self, repo), fields(root = %self.root.display()))]
    pub fn commits_since_in(
        &self,
        repo: &Repository,
        since: Option<&str>,
    ) -> Result<Vec<CommitInfo>, GitError> {
        let err = |source| GitError::Git {
            path: self.root.clone(),
            source,
        };
        let mut walk = repo.revwalk().map_err(err)?;
        walk.set_sorting(git2::Sort::TOPOLOGICAL | git2::Sort::TIME)
            .map_err(err)?;
        walk.push(Oid::from_str(&self.commit).map_err(err)?)
            .map_err(err)?;
        if let Some(since) = since {
            let obj = repo
                .revparse_single(&format!("refs/tags/{since}"))
                .map_err(err)?;
            walk.hide(obj.peel_to_commit().map_err(err)?.id())
                .map_err(err)?;
        }
        let mut out = Vec::new();
        for oid in walk {
            let c = repo.find_commit(oid.map_err(err)?).map_err(err)?;
            if c.parent_count() > 1 {
                continue;
            }
            let message = String::from_utf8_lossy(c.message_bytes()).into_owned();
            let (subject, body) = match message.split_once('\n') {
                Some((s, b)) => (s.trim().to_string(), b.trim().to_string()),
                None => (message.trim().to_string(), String::new()),
            };
            let id = c.id().to_string();
            out.push(CommitInfo {
                short_id: id[..SHORT_COMMIT_LEN].to_string(),
                id,
                subject,
                body,
                author: String::from_utf8_lossy(c.author().name_bytes()).into_owned(),
                time: c.time().seconds(),
            });
        }
        tracing::debug!(commits = out.len(), "walked the history");
        Ok(out)
    }
}

/// Whether `path` (relative to the work tree root `root`, `/`-separated) is tug's own output: under
/// one of the `outputs` directories (the dist, absolute or relative to `root`), or inside one of
/// tug's staging directories (`.tug-build-*`, `.tug-merge-*`). Such files are never a change to the
/// source, for the clean-tree checks.
pub fn is_tug_output(root: &Path, outputs: &[PathBuf], path: &str) -> bool {
    if path
        .split('/')
        .any(|c| c.starts_with(".tug-build-") || c.starts_with(".tug-merge-"))
    {
        return true;
    }
    let root_c = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
    outputs.iter().any(|out| {
        let abs = if out.is_absolute() {
            out.clone()
        } else {
            root.join(out)
        };
        // The dist may not exist yet; compare through its parent when it does not.
        let abs = abs.canonicalize().unwrap_or_else(|_| {
            match (
                abs.parent().and_then(|p| p.canonicalize().ok()),
                abs.file_name(),
            ) {
                (Some(p), Some(n)) => p.join(n),
                _ => abs.clone(),
            }
        });
        let Ok(rel) = abs.strip_prefix(&root_c) else {
            return false;
        };
        let rel = rel.to_string_lossy().replace('\\', "/");
        !rel.is_empty() && (path == rel || path.starts_with(&format!("{rel}/")))
    })
}

/// Make git ignore `path` (a file or directory in the work tree containing it) in this clone only,
/// by adding it to `.git/info/exclude`, unless git ignores it already. Returns the line added, or
/// `None` when nothing had to change (already ignored, or outside any work tree). tug does this for
/// its own output (the dist, a generated private key), so neither `git status` nor the go
/// command's VCS stamping (`vcs.modified`) sees it as a change.
pub fn exclude_locally(path: &Path) -> Result<Option<String>, GitError> {
    let Ok(repo) = Repository::discover(path.parent().unwrap_or(path)) else {
        return Ok(None);
    };
    exclude_locally_in(&repo, path)
}

/// [`exclude_locally`] in `repo`, the repository that contains `path` (the one
/// `Repository::discover` finds from its parent directory).
pub fn exclude_locally_in(repo: &Repository, path: &Path) -> Result<Option<String>, GitError> {
    let Some(workdir) = repo.workdir().and_then(|w| w.canonicalize().ok()) else {
        return Ok(None);
    };
    let abs = match path.canonicalize() {
        Ok(p) => p,
        Err(_) => match (
            path.parent().and_then(|p| p.canonicalize().ok()),
            path.file_name(),
        ) {
            (Some(p), Some(n)) => p.join(n),
            _ => return Ok(None),
        },
    };
    let Ok(rel) = abs.strip_prefix(&workdir) else {
        return Ok(None);
    };
    let rel = rel.to_string_lossy().replace('\\', "/");
    if rel.is_empty() {
        return Ok(None);
    }
    let err = |source| GitError::Git {
        path: workdir.clone(),
        source,
    };
    // A directory that does not exist yet may be ignored as `dist/`: probe a path inside too.
    if repo.is_path_ignored(&rel).map_err(err)?
        || repo.is_path_ignored(format!("{rel}/x")).map_err(err)?
    {
        return Ok(None);
    }
    let line = if abs.is_dir() || path.extension().is_none() && !abs.is_file() {
        format!("/{rel}/")
    } else {
        format!("/{rel}")
    };
    let exclude = repo.commondir().join("info").join("exclude");
    let io = |source| GitError::Exclude {
        path: exclude.clone(),
        source,
    };
    let mut text = match std::fs::read_to_string(&exclude) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(io(e)),
    };
    if text.lines().any(|l| l.trim() == line) {
        return Ok(None);
    }
    if !text.is_empty() && !text.ends_with('\n') {
        text.push('\n');
    }
    text.push_str(&format!(
        "# tug's own output, never a change to the source\n{line}\n"
    ));
    std::fs::create_dir_all(exclude.parent().expect("info/")).map_err(io)?;
    crate::fsutil::write_atomic(&exclude, text.as_bytes()).map_err(io)?;
    tracing::debug!(line = %line, file = %exclude.display(), "excluded from git locally");
    Ok(Some(line))
}

/// Whether a dirty file looks like a private signing key (`cosign.key`, `*.key`, `*.pem` holding
/// a private key by name): a hint must never tell the user to commit it.
pub fn looks_like_private_key(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    name.ends_with(".key") || name.ends_with("_key") || name == "id_ed25519" || name == "id_rsa"
}

/// The hint for a dirty tree: commit or stash, but never a private key.
pub fn clean_tree_hint<S: AsRef<str>>(dirty: &[S]) -> String {
    let keys: Vec<&str> = dirty
        .iter()
        .map(|s| s.as_ref())
        .filter(|p| looks_like_private_key(p))
        .collect();
    if keys.is_empty() {
        return "commit or stash the changes (git stash -u) before releasing, or pass --snapshot for a local build".into();
    }
    format!(
        "never commit a private key: move {} out of the work tree or add it to .git/info/exclude; commit or stash the other changes (git stash -u)",
        keys.join(", ")
    )
}

/// Unix seconds as RFC 3339 UTC with a `Z` suffix. [`RepoFacts::discover`] refuses a commit
/// time outside chrono's range, so for a commit time this never falls back.
pub fn rfc3339(secs: i64) -> String {
    chrono::DateTime::from_timestamp(secs, 0)
        .unwrap_or_default()
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

/// Every tag that resolves to a commit, as (name, commit) (annotated tags peeled). A tag that
/// points at a tree or a blob is not a release and is left out; a tag that cannot be read at all
/// is an error (its output feeds the tag-reuse and monotonic-version checks, which must not pass
/// on a repository they could not read).
pub fn commit_tags(repo: &Repository) -> Result<Vec<(String, Oid)>, GitError> {
    let root = || repo.workdir().unwrap_or_else(|| repo.path()).to_path_buf();
    let names = repo.tag_names(None).map_err(|source| GitError::Git {
        path: root(),
        source,
    })?;
    let mut out = Vec::new();
    for name in names.iter() {
        let Some(name) = name else {
            // libgit2 yields None for a name that is not UTF-8: no semver tag looks like that.
            tracing::debug!("skipping a tag whose name is not UTF-8");
            continue;
        };
        let obj = repo
            .revparse_single(&format!("refs/tags/{name}"))
            .map_err(|source| GitError::Tag {
                name: name.to_string(),
                source,
            })?;
        match obj.peel_to_commit() {
            Ok(commit) => out.push((name.to_string(), commit.id())),
            Err(e) if e.code() == git2::ErrorCode::InvalidSpec => {
                tracing::debug!(tag = name, "the tag does not point at a commit; skipped");
            }
            Err(source) => {
                return Err(GitError::Tag {
                    name: name.to_string(),
                    source,
                })
            }
        }
    }
    tracing::debug!(tags = out.len(), "read tags");
    Ok(out)
}

/// Every release tag of `scheme`, grouped by the commit it points at, and the names of the tags
/// that are not releases of it.
type TagsByCommit = HashMap<Oid, Vec<VersionTag>>;
fn version_tags(
    repo: &Repository,
    scheme: &TagScheme,
) -> Result<(TagsByCommit, Vec<String>), GitError> {
    let mut out: TagsByCommit = HashMap::new();
    let mut skipped = Vec::new();
    for (name, commit) in commit_tags(repo)? {
        match scheme.parse(&name) {
            Some(tag) => out.entry(commit).or_default().push(tag),
            None => skipped.push(name),
        }
    }
    skipped.sort();
    Ok((out, skipped))
}

/// The highest tag reachable from HEAD (excluding HEAD's own tags) that is lower than `current`.
fn previous_tag(
    repo: &Repository,
    head: Oid,
    tags: &HashMap<Oid, Vec<VersionTag>>,
    current: Option<&VersionTag>,
) -> Result<Option<VersionTag>, git2::Error> {
    if tags.keys().all(|&id| id == head) {
        return Ok(None);
    }
    let mut walk = repo.revwalk()?;
    walk.push(head)?;
    let mut best: Option<VersionTag> = None;
    for oid in walk {
        let oid = oid?;
        if oid == head {
            continue;
        }
        for t in tags.get(&oid).into_iter().flatten() {
            if current.is_some_and(|c| t.version >= c.version) {
                continue;
            }
            if best.as_ref().is_none_or(|b| t.version > b.version) {
                best = Some(t.clone());
            }
        }
    }
    Ok(best)
}

/// Modified, staged and untracked files (ignored files excluded), relative to the working tree
/// root, sorted, each with a short status: `modified`, `untracked`, `added`, `deleted`,
/// `renamed` or `conflicted`.
pub fn dirty_files_with_status(
    repo: &Repository,
) -> Result<Vec<(String, &'static str)>, git2::Error> {
    let mut opts = StatusOptions::new();
    opts.include_untracked(true)
        .recurse_untracked_dirs(true)
        .include_ignored(false);
    let mut out = Vec::new();
    for s in repo.statuses(Some(&mut opts))?.iter() {
        let st = s.status();
        if st == git2::Status::CURRENT || st.is_ignored() {
            continue;
        }
        let what = if st.is_wt_new() {
            "untracked"
        } else if st.is_wt_deleted() || st.is_index_deleted() {
            "deleted"
        } else if st.is_index_new() {
            "added"
        } else if st.is_wt_renamed() || st.is_index_renamed() {
            "renamed"
        } else if st.is_conflicted() {
            "conflicted"
        } else {
            "modified"
        };
        if let Some(path) = s.path() {
            out.push((path.to_string(), what));
        }
    }
    out.sort();
    out.dedup_by(|a, b| a.0 == b.0);
    Ok(out)
}

#[cfg(test)]
fn dirty_files(repo: &Repository) -> Result<Vec<String>, git2::Error> {
    Ok(dirty_files_with_status(repo)?
        .into_iter()
        .map(|(path, _)| path)
        .collect())
}

/// The URL of the `origin` remote of the repository containing `path`, without credentials
/// (for the provenance's source); `None` when there is no such remote.
pub fn origin_url(path: &Path) -> Result<Option<String>, GitError> {
    let repo = Repository::discover(path).map_err(|source| GitError::Git {
        path: path.to_path_buf(),
        source,
    })?;
    let url = match repo.find_remote("origin") {
        Ok(remote) => remote.url().map(str::to_string),
        Err(e) if e.code() == git2::ErrorCode::NotFound => None,
        Err(source) => {
            return Err(GitError::Git {
                path: path.to_path_buf(),
                source,
            })
        }
    };
    Ok(url.map(|u| without_userinfo(&u)))
}

/// `https://user:token@host/x` → `https://host/x`.
fn without_userinfo(url: &str) -> String {
    match url.split_once("://") {
        Some((scheme, rest)) => {
            let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
            let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
            if path.is_empty() {
                format!("{scheme}://{host}")
            } else {
                format!("{scheme}://{host}/{path}")
            }
        }
        None => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn origin_urls_lose_their_credentials() {
        assert_eq!(
            super::without_userinfo("https://bot:tok@github.com/acme/x.git"),
            "https://github.com/acme/x.git"
        );
        assert_eq!(
            super::without_userinfo("git@github.com:acme/x.git"),
            "git@github.com:acme/x.git"
        );
    }

    use super::*;
    use std::process::Command;

    fn git(dir: &Path, args: &[&str]) {
        let out = Command::new("git")
            .current_dir(dir)
            .args(args)
            .env("GIT_AUTHOR_NAME", "T")
            .env("GIT_AUTHOR_EMAIL", "t@t.invalid")
            .env("GIT_COMMITTER_NAME", "T")
            .env("GIT_COMMITTER_EMAIL", "t@t.invalid")
            .env("GIT_AUTHOR_DATE", "2026-01-02T03:04:05Z")
            .env("GIT_COMMITTER_DATE", "2026-01-02T03:04:05Z")
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("HOME", dir)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    fn commit(dir: &Path, file: &str, msg: &str) {
        std::fs::write(dir.join(file), msg).unwrap();
        git(dir, &["add", "-A"]);
        git(dir, &["commit", "-q", "-m", msg]);
    }

    #[test]
    fn facts_of_tagged_and_untagged_heads() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        git(d, &["init", "-q", "-b", "main"]);
        assert!(matches!(
            RepoFacts::discover(d),
            Err(GitError::NoCommits { .. })
        ));
        commit(d, "a", "feat: one");
        let f = RepoFacts::discover(d).unwrap();
        assert_eq!((f.tag.clone(), f.previous_tag.clone()), (None, None));
        assert_eq!(
            f.snapshot_version(),
            format!("0.0.0-snapshot+{}", f.short_commit)
        );
        assert_eq!(f.branch.as_deref(), Some("main"));
        assert_eq!(f.commit_time, 1_767_323_045);
        assert_eq!(f.commit_date(), "2026-01-02T03:04:05Z");
        assert!(!f.shallow && !f.is_dirty());

        git(d, &["tag", "-a", "v1.0.0", "-m", "v1.0.0"]);
        commit(d, "b", "fix: two");
        git(d, &["tag", "v1.1.0"]);
        git(d, &["tag", "v1.1.0-rc.1"]);
        git(d, &["tag", "not-a-version"]);
        let f = RepoFacts::discover(d).unwrap();
        assert_eq!(
            f.tag.as_ref().unwrap().name,
            "v1.1.0",
            "highest semver on HEAD wins"
        );
        assert_eq!(f.previous_tag.as_ref().unwrap().name, "v1.0.0");
        assert_eq!(f.tag_version().as_deref(), Some("1.1.0"));
        let notes = f.commits_since(Some("v1.0.0")).unwrap();
        assert_eq!(
            notes.iter().map(|c| c.subject.as_str()).collect::<Vec<_>>(),
            ["fix: two"]
        );

        commit(d, "c", "feat: three");
        std::fs::write(d.join("untracked.txt"), "x").unwrap();
        std::fs::write(d.join("a"), "changed").unwrap();
        let f = RepoFacts::discover(d).unwrap();
        assert_eq!(f.tag, None);
        assert_eq!(f.previous_tag.as_ref().unwrap().name, "v1.1.0");
        assert_eq!(
            f.snapshot_version(),
            format!("1.1.1-snapshot+{}", f.short_commit)
        );
        assert_eq!(
            f.dirty_files,
            [
                ("a".to_string(), "modified"),
                ("untracked.txt".to_string(), "untracked")
            ]
        );
    }

    #[test]
    fn a_broken_tag_is_an_error_with_its_cause_not_a_missing_tag() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        git(d, &["init", "-q", "-b", "main"]);
        commit(d, "a", "feat: one");
        git(d, &["tag", "v1.0.0"]);
        // A tag ref pointing at an object that does not exist (a damaged or partial clone).
        std::fs::write(
            d.join(".git/refs/tags/v2.0.0"),
            "1234567890123456789012345678901234567890\n",
        )
        .unwrap();
        let err = RepoFacts::discover(d).unwrap_err();
        assert!(
            matches!(&err, GitError::Tag { name, .. } if name == "v2.0.0"),
            "{err}"
        );
        let err = anyhow::Error::from(crate::Error::from(err));
        let chain: Vec<String> = err.chain().map(|c| c.to_string()).collect();
        assert_eq!(chain[0], "cannot resolve tag v2.0.0 to a commit");
        assert!(
            chain.len() >= 2,
            "the libgit2 error is kept as the cause: {chain:?}"
        );
        assert_eq!(crate::error::classify(&err).0, crate::ExitCode::Failure);
        assert!(crate::error::classify(&err).1.is_some());
    }

    #[test]
    fn git_errors_keep_their_cause_and_map_to_exit_codes() {
        let e = GitError::Git {
            path: PathBuf::from("/r"),
            source: git2::Error::from_str("object not found"),
        };
        let err = anyhow::Error::from(crate::Error::from(e));
        let chain: Vec<String> = err.chain().map(|c| c.to_string()).collect();
        assert_eq!(
            chain,
            ["cannot read the git repository at /r", "object not found"]
        );
        let e = GitError::NotARepository {
            path: PathBuf::from("/x"),
        };
        let err = anyhow::Error::from(crate::Error::from(e));
        assert_eq!(crate::error::classify(&err).0, crate::ExitCode::Usage);
    }

    #[test]
    fn tag_schemes_parse_their_own_tags_only() {
        let go = TagScheme::default();
        assert_eq!(
            go.parse("v1.2.3").unwrap().version,
            semver::Version::new(1, 2, 3)
        );
        assert!(go.parse("1.2.3").is_none() && go.parse("v1.2").is_none());
        let rel = TagScheme::new("", "release-");
        assert_eq!(
            rel.parse("release-2.2").unwrap().version.to_string(),
            "2.2.0"
        );
        assert!(rel.parse("v2.2.0").is_none() && rel.parse("release-2").is_none());
        assert_eq!(rel.pattern(), "release-MAJOR.MINOR.PATCH");
        let bare = TagScheme::new("", "");
        assert_eq!(bare.parse("5.1.0").unwrap().version.to_string(), "5.1.0");
        assert!(bare.parse("v5.1.0").is_none());
        let sub = TagScheme::new("sub/", "v");
        assert!(sub.parse("v1.0.0").is_none());
        assert_eq!(sub.tag(&semver::Version::new(1, 1, 0)), "sub/v1.1.0");
        assert_eq!(sub.example(), "sub/v0.1.0");
    }

    #[test]
    fn the_scheme_of_a_nested_module_and_the_major_subdirectory() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        for sub in ["sub", "lib/v3"] {
            std::fs::create_dir_all(d.join(sub)).unwrap();
        }
        let s = TagScheme::for_module(d, &d.join("sub"), Some("example.com/m/sub"), "v", None);
        assert_eq!(s.dir, "sub/");
        let s = TagScheme::for_module(
            d,
            &d.join("lib/v3"),
            Some("example.com/m/lib/v3"),
            "v",
            None,
        );
        assert_eq!(
            s.dir, "lib/",
            "a /vN directory is the same module's major line"
        );
        let s = TagScheme::for_module(d, d, Some("example.com/m"), "v", Some("app/"));
        assert_eq!(s.tag(&semver::Version::new(1, 0, 0)), "app/v1.0.0");
    }

    #[test]
    fn tug_output_and_private_keys_in_the_dirty_list() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let outputs = [d.join("dist")];
        assert!(is_tug_output(d, &outputs, "dist/manifest.json"));
        assert!(is_tug_output(d, &outputs, "dist"));
        assert!(!is_tug_output(d, &outputs, "distro/x"));
        assert!(is_tug_output(d, &outputs, "a/.tug-build-x1/y"));
        assert!(!is_tug_output(d, &outputs, "main.go"));
        assert!(clean_tree_hint(&["main.go"]).starts_with("commit or stash"));
        let hint = clean_tree_hint(&["cosign.key", "main.go"]);
        assert!(
            hint.contains("never commit a private key: move cosign.key"),
            "{hint}"
        );
    }

    #[test]
    fn exclude_locally_adds_the_dist_once_and_not_when_ignored() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        git(d, &["init", "-q", "-b", "main"]);
        let line = exclude_locally(&d.join("dist")).unwrap();
        assert_eq!(line.as_deref(), Some("/dist/"));
        assert_eq!(exclude_locally(&d.join("dist")).unwrap(), None, "only once");
        let text = std::fs::read_to_string(d.join(".git/info/exclude")).unwrap();
        assert_eq!(text.matches("/dist/").count(), 1, "{text}");
        std::fs::write(d.join(".gitignore"), "out/\n").unwrap();
        assert_eq!(
            exclude_locally(&d.join("out")).unwrap(),
            None,
            "already ignored"
        );
        std::fs::write(d.join("cosign.key"), "k").unwrap();
        assert_eq!(
            exclude_locally(&d.join("cosign.key")).unwrap().as_deref(),
            Some("/cosign.key")
        );
        let repo = Repository::open(d).unwrap();
        assert!(dirty_files(&repo)
            .unwrap()
            .iter()
            .all(|f| f != "cosign.key"));
    }

    #[test]
    fn prerelease_snapshot_base_and_not_a_repo() {
        let t = VersionTag::parse("v1.3.0-rc.1").unwrap();
        let f = RepoFacts {
            root: PathBuf::new(),
            tag: None,
            previous_tag: Some(t),
            commit: "0".repeat(40),
            short_commit: "0000000".into(),
            commit_time: 0,
            branch: None,
            dirty_files: vec![],
            shallow: false,
            skipped_tags: vec![],
        };
        assert_eq!(f.snapshot_version(), "1.3.0-snapshot+0000000");
        assert!(VersionTag::parse("release-1").is_none());
        let dir = tempfile::tempdir().unwrap();
        assert!(matches!(
            RepoFacts::discover(dir.path()),
            Err(GitError::NotARepository { .. })
        ));
    }
}
