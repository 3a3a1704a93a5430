//! The release-check engine behind `tug check --release` and the checks `tug build` runs before a
//! tagged build: git state, tag syntax and monotonicity, go.mod hygiene, retractions, API
//! compatibility against the previous release, build info of built binaries and known
//! vulnerabilities, all in one pass that lists every finding at once.
//!
//! Every finding carries a check id with a default severity; tug.yaml may set any id to `error`,
//! `warn` or `off`, `--strict` turns warnings into errors, and a snapshot build downgrades the tag
//! and cleanliness checks to warnings. The engine does no terminal I/O: it returns a [`Report`].

pub mod apidiff;
pub mod buildinfo;
pub mod gotool;
pub mod govulncheck;
pub mod repo;
mod rules;
#[cfg(test)]
mod tests_fixtures;

use std::path::PathBuf;

use serde::Serialize;

pub use crate::config::checks::{CheckId, CheckLevel, ChecksConfig};
pub use rules::check_binaries;

/// How bad a finding is after configuration is applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

/// Where a finding is: a file relative to the module directory (or the binary's path) and a
/// 1-based line and column (0 when unknown).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FileLocation {
    pub file: String,
    pub line: usize,
    pub column: usize,
}

impl FileLocation {
    pub fn new(file: impl Into<String>, line: usize, column: usize) -> Self {
        FileLocation {
            file: file.into(),
            line,
            column,
        }
    }
}

impl std::fmt::Display for FileLocation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (self.line, self.column) {
            (0, _) => write!(f, "{}", self.file),
            (l, 0) => write!(f, "{}:{l}", self.file),
            (l, c) => write!(f, "{}:{l}:{c}", self.file),
        }
    }
}

/// One problem found by one check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub check: CheckId,
    pub severity: Severity,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<FileLocation>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
    /// Supporting lines: the dirty files, the API changes, the untidy diff.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub details: Vec<String>,
}

impl Finding {
    pub fn new(check: CheckId, severity: Severity, message: impl Into<String>) -> Self {
        Finding {
            check,
            severity,
            message: message.into(),
            location: None,
            hint: None,
            details: Vec::new(),
        }
    }

    pub fn error(check: CheckId, message: impl Into<String>) -> Self {
        Self::new(check, Severity::Error, message)
    }

    pub fn warn(check: CheckId, message: impl Into<String>) -> Self {
        Self::new(check, Severity::Warning, message)
    }

    pub fn at(mut self, location: FileLocation) -> Self {
        self.location = Some(location);
        self
    }

    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    pub fn details(mut self, details: Vec<String>) -> Self {
        self.details = details;
        self
    }
}

/// The API comparison with the previous release.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ApiReport {
    pub previous_tag: String,
    pub packages: usize,
    pub breaking: Vec<String>,
    pub added: Vec<String>,
}

/// Everything one run of the checks found.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Report {
    pub findings: Vec<Finding>,
    /// Informational lines (a check skipped and why, a tag not yet created).
    pub notes: Vec<String>,
    /// The version being released (`v1.2.3`, without tag prefix), when known.
    pub version: Option<String>,
    /// The release tag (`sub/dir/v1.2.3`), when known.
    pub tag: Option<String>,
    pub previous_tag: Option<String>,
    /// The smallest next version the API changes allow, as a full tag.
    pub suggested_tag: Option<String>,
    pub api: Option<ApiReport>,
}

impl Report {
    pub fn errors(&self) -> usize {
        self.findings
            .iter()
            .filter(|f| f.severity == Severity::Error)
            .count()
    }

    pub fn warnings(&self) -> usize {
        self.findings
            .iter()
            .filter(|f| f.severity == Severity::Warning)
            .count()
    }

    pub fn has_errors(&self) -> bool {
        self.errors() > 0
    }
}

/// What to check. `module_dir` is the Go module (or Cargo package) directory; the git repository
/// is found from there.
#[derive(Debug, Clone, Default)]
pub struct ReleaseInput {
    pub module_dir: PathBuf,
    /// The version about to be released (`v1.2.3`; a tag prefix is stripped). Without it the
    /// version comes from HEAD's tag.
    pub version: Option<String>,
    pub config: ChecksConfig,
    /// Warnings become errors.
    pub strict: bool,
    /// Allow a version below the latest release of its major (a patch on an older line).
    pub backport: bool,
    /// The release only publishes retractions, so it must retract itself.
    pub retraction_only: bool,
    /// A snapshot build: tag and cleanliness checks are downgraded to warnings.
    pub snapshot: bool,
    /// Built Go binaries whose embedded build info must carry the version.
    pub binaries: Vec<PathBuf>,
    /// `project.tag_prefix`: what release tags carry before the version after the module's
    /// directory (`None`: `v`, Go's own; `""`: bare semver).
    pub tag_prefix: Option<String>,
    /// tug's own output directories (the dist; absolute or relative to the repository root): never
    /// a change for the clean-tree check.
    pub outputs: Vec<PathBuf>,
    /// The user's GOFLAGS (from the run's environment): every go command the checks run keeps
    /// them. The other go variables (GOPROXY, GONOPROXY, GOPRIVATE, GONOSUMDB, GOTOOLCHAIN...)
    /// reach the go commands unchanged.
    pub goflags: Option<String>,
    /// tug's cache directory (the API helper and cached APIs live under it), as the command
    /// resolved it from the environment; `None` uses a directory under the system temp dir.
    pub cache_dir: Option<PathBuf>,
    /// Where to find `go` (`TUG_GO`, else `PATH`, of the run's environment).
    pub go: gotool::ToolPaths,
    /// What the caller has read already, so the checks do not read it a second time (`tug build`
    /// has both before it runs the checks); `None`: the checks read it themselves.
    pub known: Known,
}

/// Repository reads a caller hands to the checks instead of having them redone: each must be of
/// the repository and HEAD the checks see (`module_dir`'s), read at the same time.
#[derive(Debug, Clone, Default)]
pub struct Known {
    /// The working tree's status, `(path, short status)` as `git::dirty_files_with_status`
    /// reads it (the build's `RepoFacts::dirty_files`): the clean-tree check's input.
    pub dirty: Option<Vec<(String, &'static str)>>,
    /// The module's files at HEAD as `gomod::source::files_at` reads them (what the build
    /// zips): the module-zip check's input, so no blob is inflated twice.
    pub module_files: Option<std::sync::Arc<Vec<crate::gomod::zip::SourceFile>>>,
}

/// Why the checks could not run at all (exit 1, as opposed to findings: exit 3).
#[derive(Debug, thiserror::Error)]
pub enum ChecksError {
    #[error("cannot check {0}")]
    ModuleDir(PathBuf, #[source] std::io::Error),
    #[error("the Go toolchain is needed for the tidy and api-compat checks")]
    Go(#[from] gotool::GoToolError),
    #[error("computing the API failed")]
    Api(#[from] apidiff::ApiError),
    #[error("cannot read the tags")]
    Git(#[from] crate::git::GitError),
    #[error("cannot create a temporary directory")]
    TempDir(#[source] std::io::Error),
    #[error("cannot read the module's files for the module-zip check")]
    Source(#[from] crate::gomod::source::SourceError),
}

impl crate::error::Diagnostic for ChecksError {
    fn hint(&self) -> Option<String> {
        match self {
            ChecksError::Go(_) => Some(
                "install Go (https://go.dev/dl) or set TUG_GO, or set checks.severity tidy: off and api-compat: off".into(),
            ),
            _ => None,
        }
    }
}

/// Checks that a snapshot build only warns about.
const SNAPSHOT_RELAXED: [CheckId; 7] = [
    CheckId::CleanTree,
    CheckId::TagOnHead,
    CheckId::TagSyntax,
    CheckId::TagReused,
    CheckId::VersionMonotonic,
    CheckId::Branch,
    CheckId::BuildInfo,
];

/// Run every release check on `input` and return all findings with their final severities.
pub fn run_release_checks(input: &ReleaseInput) -> Result<Report, ChecksError> {
    let mut report = rules::run(input)?;
    finalize(&mut report, &input.config, input.strict, input.snapshot);
    Ok(report)
}

/// Apply configured severities (dropping `off` checks), `--strict` and the snapshot downgrade,
/// then order findings errors first, stable within a severity.
pub fn finalize(report: &mut Report, config: &ChecksConfig, strict: bool, snapshot: bool) {
    report.findings.retain_mut(|f| {
        match config.level(f.check) {
            Some(CheckLevel::Off) => return false,
            Some(CheckLevel::Error) => f.severity = Severity::Error,
            Some(CheckLevel::Warn) => f.severity = Severity::Warning,
            None => {}
        }
        if strict {
            f.severity = Severity::Error;
        }
        if snapshot && SNAPSHOT_RELAXED.contains(&f.check) {
            f.severity = Severity::Warning;
        }
        true
    });
    report.findings.sort_by_key(|f| f.severity);
}

/// Render a finding the way `tug check` prints it: `error[id]: message`, `  --> file:line:col`,
/// detail lines, `  hint: ...`.
pub fn render_finding(f: &Finding) -> String {
    let mut out = format!(
        "{}[{}]: {}",
        f.severity.as_str(),
        f.check.as_str(),
        f.message
    );
    if let Some(loc) = &f.location {
        out.push_str(&format!("\n  --> {loc}"));
    }
    for d in &f.details {
        out.push_str(&format!("\n  | {d}"));
    }
    if let Some(h) = &f.hint {
        out.push_str(&format!("\n  hint: {h}"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report() -> Report {
        Report {
            findings: vec![
                Finding::warn(CheckId::Exclude, "x"),
                Finding::error(CheckId::TagOnHead, "y"),
                Finding::warn(CheckId::ShallowClone, "z"),
            ],
            ..Default::default()
        }
    }

    #[test]
    fn config_overrides_and_off() {
        let config: ChecksConfig = serde_saphyr::from_str(
            "severity:\n  exclude: error\n  shallow-clone: off\n  tag-on-head: warn\n",
        )
        .unwrap();
        let mut r = report();
        finalize(&mut r, &config, false, false);
        let got: Vec<_> = r.findings.iter().map(|f| (f.check, f.severity)).collect();
        assert_eq!(
            got,
            vec![
                (CheckId::Exclude, Severity::Error),
                (CheckId::TagOnHead, Severity::Warning)
            ]
        );
    }

    #[test]
    fn strict_turns_warnings_into_errors_and_snapshot_relaxes_tags() {
        let mut r = report();
        finalize(&mut r, &ChecksConfig::default(), true, false);
        assert_eq!(r.errors(), 3);
        let mut r = report();
        finalize(&mut r, &ChecksConfig::default(), false, true);
        assert_eq!(r.errors(), 0);
        assert_eq!(r.warnings(), 3);
    }

    #[test]
    fn rendering() {
        let f = Finding::error(CheckId::Replace, "go.mod replaces example.com/lib")
            .at(FileLocation::new("go.mod", 5, 1))
            .hint("remove it");
        assert_eq!(
            render_finding(&f),
            "error[replace]: go.mod replaces example.com/lib\n  --> go.mod:5:1\n  hint: remove it"
        );
    }
}
