//! The rules a release's provenance is held to, each with a stable id a refusal names: the ones
//! about the provenance itself (present, signed with the key, about these bytes) and the ones
//! `policy:` in tug.yaml sets (source repository, tag pattern, builder id, clean tree, release
//! checks passed). [`evaluate`] lists every rule that fails, never only the first.

use serde::Serialize;

use super::provenance::Claims;
use crate::config::attest::PolicyConfig;
use crate::manifest::ReleaseChecks;

/// A rule of the provenance check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Rule {
    /// The release has a provenance (`tug sign` with `provenance:` in tug.yaml).
    Present,
    /// The provenance is signed, with the expected key, and is a SLSA v1 statement.
    Signature,
    /// Every subject's digest matches the file's bytes, and the deployed artifact is a subject.
    Subjects,
    /// `policy.repositories`.
    Repository,
    /// `policy.tag_pattern`.
    TagPattern,
    /// `policy.builder_ids`.
    BuilderId,
    /// `policy.clean_tree`.
    CleanTree,
    /// `policy.release_checks`.
    ReleaseChecks,
}

impl Rule {
    pub fn id(self) -> &'static str {
        match self {
            Rule::Present => "provenance-present",
            Rule::Signature => "provenance-signature",
            Rule::Subjects => "subject-digest",
            Rule::Repository => "repository",
            Rule::TagPattern => "tag-pattern",
            Rule::BuilderId => "builder-id",
            Rule::CleanTree => "clean-tree",
            Rule::ReleaseChecks => "release-checks",
        }
    }
}

impl std::fmt::Display for Rule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.id())
    }
}

/// One failed rule and what was found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Violation {
    pub rule: Rule,
    pub detail: String,
}

impl std::fmt::Display for Violation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "rule {}: {}", self.rule, self.detail)
    }
}

/// A repository URL as compared: no `git+`, no `.git`, no trailing `/`, lower-case host.
pub fn normalize_repository(url: &str) -> String {
    let s = url.trim().trim_start_matches("git+");
    let s = s.trim_end_matches('/');
    let s = s.strip_suffix(".git").unwrap_or(s);
    match s.split_once("://") {
        Some((scheme, rest)) => {
            let (host, path) = rest.split_once('/').unwrap_or((rest, ""));
            format!(
                "{}://{}/{path}",
                scheme.to_ascii_lowercase(),
                host.to_ascii_lowercase()
            )
            .trim_end_matches('/')
            .to_string()
        }
        None => s.to_string(),
    }
}

/// Every `policy:` rule the claims break.
pub fn evaluate(policy: &PolicyConfig, claims: &Claims) -> Vec<Violation> {
    let mut out = Vec::new();
    let mut fail = |rule, detail: String| out.push(Violation { rule, detail });
    if !policy.repositories.is_empty() {
        let allowed: Vec<String> = policy
            .repositories
            .iter()
            .map(|r| normalize_repository(r))
            .collect();
        match &claims.repository {
            Some(r) if allowed.contains(&normalize_repository(r)) => {}
            Some(r) => fail(
                Rule::Repository,
                format!(
                    "built from {r}, which is not an allowed repository ({})",
                    policy.repositories.join(", ")
                ),
            ),
            None => fail(
                Rule::Repository,
                "the provenance names no source repository".into(),
            ),
        }
    }
    if let Some(pattern) = &policy.tag_pattern {
        let matcher = globset::Glob::new(&pattern.value).map(|g| g.compile_matcher());
        match (&claims.tag, matcher) {
            (Some(tag), Ok(m)) if m.is_match(tag) => {}
            (Some(tag), _) => fail(
                Rule::TagPattern,
                format!("tag {tag} does not match {:?}", pattern.value),
            ),
            (None, _) => fail(
                Rule::TagPattern,
                format!(
                    "built from no tag (a snapshot); the policy wants a tag matching {:?}",
                    pattern.value
                ),
            ),
        }
    }
    if !policy.builder_ids.is_empty() {
        match &claims.builder_id {
            Some(b) if policy.builder_ids.contains(b) => {}
            other => fail(
                Rule::BuilderId,
                format!(
                    "built by {}, not an allowed builder ({})",
                    other.as_deref().unwrap_or("an unnamed builder"),
                    policy.builder_ids.join(", ")
                ),
            ),
        }
    }
    if policy.clean_tree && claims.clean_tree != Some(true) {
        fail(
            Rule::CleanTree,
            "built from a work tree with uncommitted changes".into(),
        );
    }
    if policy.release_checks && claims.release_checks != Some(ReleaseChecks::Passed) {
        fail(
            Rule::ReleaseChecks,
            "the release checks (`tug check --release`) did not pass during the build".into(),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::unlocated;

    fn claims() -> Claims {
        Claims {
            repository: Some("git+https://github.com/Acme/hello.git".into()),
            commit: Some("0".repeat(40)),
            tag: Some("v1.0.0".into()),
            builder_id: Some("https://ci.example.com".into()),
            clean_tree: Some(true),
            release_checks: Some(ReleaseChecks::Passed),
            subjects: vec![],
        }
    }

    #[test]
    fn every_failing_rule_is_named() {
        let policy = PolicyConfig {
            repositories: vec!["https://github.com/Acme/hello".into()],
            tag_pattern: Some(unlocated("v*".into())),
            builder_ids: vec!["https://ci.example.com".into()],
            clean_tree: true,
            release_checks: true,
        };
        assert_eq!(evaluate(&policy, &claims()), vec![]);
        let bad = Claims {
            repository: Some("https://github.com/evil/hello".into()),
            tag: None,
            builder_id: Some("https://laptop".into()),
            clean_tree: Some(false),
            release_checks: Some(ReleaseChecks::NotRun),
            ..claims()
        };
        let rules: Vec<Rule> = evaluate(&policy, &bad).iter().map(|v| v.rule).collect();
        assert_eq!(
            rules,
            [
                Rule::Repository,
                Rule::TagPattern,
                Rule::BuilderId,
                Rule::CleanTree,
                Rule::ReleaseChecks
            ]
        );
    }

    #[test]
    fn repositories_compare_normalized() {
        assert_eq!(
            normalize_repository("git+HTTPS://GitHub.com/acme/hello.git/"),
            "https://github.com/acme/hello"
        );
    }
}
