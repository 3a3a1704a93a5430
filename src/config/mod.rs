//! tug.yaml: the serde model, loading with located errors, validation and layering.
//!
//! Sections live in their own files (`config/<section>.rs`), each owned by the engine that reads
//! it; this module ties them into [`Config`]. Values that need semantic validation with a
//! location are `Spanned<T>` (with `#[schemars(with = "T")]`), and each section has a
//! `validate(&self, v: &mut Validator)` that reports problems at `spanned.referenced`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

pub mod build;
pub mod checks;
pub mod deploy;
pub mod diag;
pub mod publish;
pub mod sign;

pub use diag::{Diagnostic, Location, Severity, Spanned, Validator};

/// The whole of tug.yaml (`version: 1`).
#[derive(Debug, Clone, Default, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Config format version; must be 1.
    #[serde(default)]
    pub version: Option<u32>,
    /// Go (or cargo, or command) builds: what to compile for which targets.
    #[serde(default)]
    pub builds: Vec<build::BuildConfig>,
    /// How built binaries are packaged.
    #[serde(default)]
    pub archives: Vec<build::ArchiveConfig>,
    /// The checksums file.
    #[serde(default)]
    pub checksum: build::ChecksumConfig,
    /// dist/RELEASE_NOTES.md.
    #[serde(default)]
    pub release_notes: build::ReleaseNotesConfig,
    /// Release checks (`tug check --release`): severities per check id.
    #[serde(default)]
    pub checks: checks::ChecksConfig,
    /// Artifact signing (cosign compatible).
    #[serde(default)]
    pub sign: Option<sign::SignConfig>,
    /// Where releases are published, in order.
    #[serde(default)]
    pub publish: Vec<publish::PublisherConfig>,
    /// Deploy environments by name (`tug rollout prod`).
    #[serde(default)]
    pub environments: BTreeMap<String, deploy::EnvironmentConfig>,
}
