//! The `sbom:`, `provenance:` and `policy:` sections of tug.yaml, read by the attestation engine
//! (`crate::attest`): which SBOM formats a build writes, what the signed SLSA provenance says
//! about the builder, and which provenance `tug verify --provenance` and an environment with
//! `require_provenance: true` accept.
//!
//! All three are opt-in: without `sbom:` a build writes no SBOM, without `provenance:` `tug sign`
//! writes no provenance, so a dist without them keeps exactly the files it had before.

use serde::{Deserialize, Serialize};

use super::{Spanned, Validator};

/// An SBOM document format.
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
#[serde(rename_all = "lowercase")]
pub enum SbomFormat {
    /// SPDX 2.3 JSON (`<build>_<version>_<target>.spdx.json`).
    Spdx,
    /// CycloneDX 1.6 JSON (`<build>_<version>_<target>.cdx.json`).
    Cyclonedx,
}

impl SbomFormat {
    /// The file name suffix of this format.
    pub fn suffix(self) -> &'static str {
        match self {
            SbomFormat::Spdx => "spdx.json",
            SbomFormat::Cyclonedx => "cdx.json",
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            SbomFormat::Spdx => "spdx",
            SbomFormat::Cyclonedx => "cyclonedx",
        }
    }
}

fn all_formats() -> Vec<SbomFormat> {
    vec![SbomFormat::Spdx, SbomFormat::Cyclonedx]
}

/// `sbom:`: one SBOM per Go binary, from the build information the binary carries.
#[derive(Debug, Clone, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SbomConfig {
    /// The formats written for every Go binary (default: both, `[spdx, cyclonedx]`; `[]` writes
    /// none).
    #[serde(default = "all_formats")]
    pub formats: Vec<SbomFormat>,
}

impl Default for SbomConfig {
    fn default() -> Self {
        SbomConfig {
            formats: all_formats(),
        }
    }
}

/// Which times the provenance records as the build's start and finish.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize, schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum ProvenanceTimes {
    /// The commit time for both (default): two builds of a commit give the same provenance.
    #[default]
    Commit,
    /// The wall-clock times the build started and finished.
    Build,
}

/// The builder id tug records when `provenance.builder_id` is not set.
pub const DEFAULT_BUILDER_ID: &str = "https://tug.dev/builders/local/v1";

/// `provenance:`: `tug sign` writes a signed SLSA v1 provenance of the whole release.
#[derive(Debug, Clone, Default, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ProvenanceConfig {
    /// The URI naming the builder (`runDetails.builder.id`), e.g. your CI runner's; policies
    /// allow builders by this id. Default: `https://tug.dev/builders/local/v1`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<String>")]
    pub builder_id: Option<Spanned<String>>,
    /// The source repository URL recorded (default: the `origin` remote of the repository).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<String>")]
    pub repository: Option<Spanned<String>>,
    /// `commit` (default: started and finished are the commit time, for reproducibility) or
    /// `build` (the real times of `tug build`).
    #[serde(default)]
    pub timestamps: ProvenanceTimes,
}

impl ProvenanceConfig {
    pub fn builder_id(&self) -> String {
        self.builder_id
            .as_ref()
            .map(|s| s.value.clone())
            .unwrap_or_else(|| DEFAULT_BUILDER_ID.to_string())
    }

    pub fn validate(&self, v: &mut Validator) {
        for (field, value) in [
            ("builder_id", &self.builder_id),
            ("repository", &self.repository),
        ] {
            if let Some(s) = value {
                if !looks_like_uri(&s.value) {
                    v.error(
                        s.referenced,
                        format!("provenance.{field}: {:?} is not a URI", s.value),
                        Some(
                            "write a URI with a scheme, e.g. https://ci.example.com/runner".into(),
                        ),
                    );
                }
            }
        }
    }
}

/// `scheme:rest` with an RFC 3986 scheme.
pub fn looks_like_uri(s: &str) -> bool {
    match s.split_once(':') {
        Some((scheme, rest)) => {
            !rest.is_empty()
                && scheme.starts_with(|c: char| c.is_ascii_alphabetic())
                && scheme
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
        }
        None => false,
    }
}

/// `policy:`: what a release's provenance must say to be verified (`tug verify --provenance`)
/// or deployed to an environment with `require_provenance: true`.
#[derive(Debug, Clone, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PolicyConfig {
    /// Source repositories allowed (`https://github.com/acme/hello`; a `git+` prefix and a
    /// `.git` suffix do not matter). Empty: any.
    #[serde(default)]
    pub repositories: Vec<String>,
    /// A glob the release tag must match (`v*`, `release-*`); a snapshot (no tag) never does.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<String>")]
    pub tag_pattern: Option<Spanned<String>>,
    /// Builder ids allowed (`provenance.builder_id` of the build). Empty: any.
    #[serde(default)]
    pub builder_ids: Vec<String>,
    /// The source tree must have been clean (default: true).
    #[serde(default = "yes")]
    pub clean_tree: bool,
    /// The release checks (`tug check --release`) must have passed during the build (default:
    /// true).
    #[serde(default = "yes")]
    pub release_checks: bool,
}

fn yes() -> bool {
    true
}

impl Default for PolicyConfig {
    fn default() -> Self {
        PolicyConfig {
            repositories: Vec::new(),
            tag_pattern: None,
            builder_ids: Vec::new(),
            clean_tree: true,
            release_checks: true,
        }
    }
}

impl PolicyConfig {
    pub fn validate(&self, v: &mut Validator) {
        if let Some(p) = &self.tag_pattern {
            if let Err(e) = globset::Glob::new(&p.value) {
                v.error(
                    p.referenced,
                    format!("policy.tag_pattern: {:?} is not a glob: {e}", p.value),
                    Some("for example `v*`".into()),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris() {
        assert!(looks_like_uri("https://ci.example.com/x"));
        assert!(looks_like_uri("git+https://github.com/a/b"));
        assert!(!looks_like_uri("ci-runner"));
        assert!(!looks_like_uri("1http:x"));
    }
}
