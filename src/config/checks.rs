//! tug.yaml `checks:`: how strict `tug check --release` (and the checks before a tagged build)
//! are. Every check has an id and a default severity; this section overrides severities, sets the
//! tag prefix and the branches a release may be cut from.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{Spanned, Validator};

/// The id of one release check, as written in `checks.severity` and printed as `error[<id>]`.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Deserialize,
    Serialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum CheckId {
    /// The module directory is inside a git repository with at least one commit.
    GitRepo,
    /// The clone is shallow, so the previous tag and release notes may be wrong.
    ShallowClone,
    /// No modified, staged or untracked files.
    CleanTree,
    /// HEAD carries the release tag.
    TagOnHead,
    /// The tag is canonical semver with a `v` and the right prefix for the module directory.
    TagSyntax,
    /// The major version matches the module path's `/vN` suffix.
    MajorVersion,
    /// The tag does not already exist on another commit.
    TagReused,
    /// The version is above every earlier release of the same major version.
    VersionMonotonic,
    /// HEAD is on an allowed branch.
    Branch,
    /// go.mod is well formed and the module path is valid.
    GoMod,
    /// go.mod has no `replace` directive.
    Replace,
    /// go.mod has no `exclude` directive.
    Exclude,
    /// go.sum has a checksum for every requirement.
    GoSum,
    /// go.mod and go.sum are tidy.
    Tidy,
    /// The version is not retracted by the module's own go.mod.
    Retracted,
    /// The exported API changed in a way the version number allows.
    ApiCompat,
    /// Built binaries carry the release version and a clean VCS state.
    BuildInfo,
    /// govulncheck: a vulnerable function is reachable.
    Vuln,
    /// govulncheck: a vulnerable package or module is required but not called.
    VulnImported,
    /// Cargo.toml's version equals the tag.
    CargoVersion,
    /// The module zip of HEAD passes golang.org/x/mod/zip's rules (file names, case collisions,
    /// size limits), so the go command accepts the release.
    ModuleZip,
}

impl CheckId {
    pub const ALL: [CheckId; 21] = [
        CheckId::GitRepo,
        CheckId::ShallowClone,
        CheckId::CleanTree,
        CheckId::TagOnHead,
        CheckId::TagSyntax,
        CheckId::MajorVersion,
        CheckId::TagReused,
        CheckId::VersionMonotonic,
        CheckId::Branch,
        CheckId::GoMod,
        CheckId::Replace,
        CheckId::Exclude,
        CheckId::GoSum,
        CheckId::Tidy,
        CheckId::Retracted,
        CheckId::ApiCompat,
        CheckId::BuildInfo,
        CheckId::Vuln,
        CheckId::VulnImported,
        CheckId::CargoVersion,
        CheckId::ModuleZip,
    ];

    /// The id as written in tug.yaml and in output (`tag-on-head`).
    pub fn as_str(self) -> &'static str {
        match self {
            CheckId::GitRepo => "git-repo",
            CheckId::ShallowClone => "shallow-clone",
            CheckId::CleanTree => "clean-tree",
            CheckId::TagOnHead => "tag-on-head",
            CheckId::TagSyntax => "tag-syntax",
            CheckId::MajorVersion => "major-version",
            CheckId::TagReused => "tag-reused",
            CheckId::VersionMonotonic => "version-monotonic",
            CheckId::Branch => "branch",
            CheckId::GoMod => "go-mod",
            CheckId::Replace => "replace",
            CheckId::Exclude => "exclude",
            CheckId::GoSum => "go-sum",
            CheckId::Tidy => "tidy",
            CheckId::Retracted => "retracted",
            CheckId::ApiCompat => "api-compat",
            CheckId::BuildInfo => "build-info",
            CheckId::Vuln => "vuln",
            CheckId::VulnImported => "vuln-imported",
            CheckId::CargoVersion => "cargo-version",
            CheckId::ModuleZip => "module-zip",
        }
    }
}

/// What a check's findings become: `error` fails the release (exit 3), `warn` is printed, `off`
/// skips the check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum CheckLevel {
    Error,
    Warn,
    Off,
}

/// The default branches a release may be cut from.
pub const DEFAULT_BRANCHES: [&str; 3] = ["main", "master", "release/*"];

#[derive(Debug, Clone, Default, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ChecksConfig {
    /// Severity per check id (`error`, `warn` or `off`), overriding the check's default.
    #[serde(default)]
    pub severity: BTreeMap<CheckId, CheckLevel>,
    /// Prefix of release tags (`app/` for `app/v1.2.3`). Defaults to the module's directory
    /// relative to the repository root, which is what the go command requires.
    #[serde(default)]
    pub tag_prefix: Option<String>,
    /// Globs of branch names a release may be tagged on [default: main, master, release/*].
    #[serde(default)]
    #[schemars(with = "Option<Vec<String>>")]
    pub branches: Option<Vec<Spanned<String>>>,
}

impl ChecksConfig {
    /// The configured level of a check, if any.
    pub fn level(&self, id: CheckId) -> Option<CheckLevel> {
        self.severity.get(&id).copied()
    }

    /// The allowed branch globs, defaulted.
    pub fn branch_globs(&self) -> Vec<String> {
        match &self.branches {
            Some(list) => list.iter().map(|s| s.value.clone()).collect(),
            None => DEFAULT_BRANCHES.iter().map(|s| s.to_string()).collect(),
        }
    }

    pub fn validate(&self, v: &mut Validator) {
        for glob in self.branches.iter().flatten() {
            if let Err(e) = globset::Glob::new(&glob.value) {
                v.error(
                    glob.referenced,
                    format!("invalid branch glob '{}': {}", glob.value, e.kind()),
                    Some("use * for any run of characters, e.g. release/*".into()),
                );
            }
        }
        if let Some(prefix) = &self.tag_prefix {
            if prefix.starts_with('/')
                || prefix.contains("..")
                || prefix.contains(char::is_whitespace)
            {
                v.error(
                    serde_saphyr::Location::UNKNOWN,
                    format!("checks.tag_prefix '{prefix}' is not a relative path prefix"),
                    Some("write it like the tag without the version: app/ for app/v1.2.3".into()),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_severities_and_branches() {
        let yaml = "severity:\n  exclude: error\n  shallow-clone: off\ntag_prefix: app/\nbranches: [main, 'rel/*']\n";
        let c: ChecksConfig = serde_saphyr::from_str(yaml).unwrap();
        assert_eq!(c.level(CheckId::Exclude), Some(CheckLevel::Error));
        assert_eq!(c.level(CheckId::ShallowClone), Some(CheckLevel::Off));
        assert_eq!(c.branch_globs(), vec!["main", "rel/*"]);
        assert_eq!(
            ChecksConfig::default().branch_globs(),
            vec!["main", "master", "release/*"]
        );
    }

    #[test]
    fn unknown_check_ids_are_refused() {
        let err =
            serde_saphyr::from_str::<ChecksConfig>("severity:\n  tag-on-tail: off\n").unwrap_err();
        assert!(err.to_string().contains("tag-on-tail"), "{err}");
    }

    #[test]
    fn bad_glob_is_located() {
        let c: ChecksConfig = serde_saphyr::from_str("branches:\n  - 'rel/[x'\n").unwrap();
        let mut v = Validator::new(std::path::Path::new("tug.yaml"));
        c.validate(&mut v);
        assert_eq!(v.diagnostics.len(), 1);
        assert_eq!(v.diagnostics[0].line, 2);
        assert!(v.diagnostics[0]
            .message
            .starts_with("invalid branch glob 'rel/[x'"));
    }

    #[test]
    fn ids_round_trip() {
        for id in CheckId::ALL {
            let yaml = format!("{}: off\n", id.as_str());
            let m: BTreeMap<CheckId, CheckLevel> = serde_saphyr::from_str(&yaml).unwrap();
            assert!(m.contains_key(&id));
        }
    }
}
