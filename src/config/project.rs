//! The `project:` section of tug.yaml: facts about the project every stage shares (its name, where
//! `dist/` is, how tags map to versions, the snapshot version, environment for builds). Owned by
//! the config loader because every engine reads it.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::diag::{Spanned, Validator};
use super::unlocated;
use crate::template::vars;

/// The default snapshot version: used when HEAD is not on a tag.
pub const DEFAULT_SNAPSHOT_VERSION: &str = "{{ version }}-snapshot+{{ short_commit }}";

fn default_dist() -> PathBuf {
    PathBuf::from("dist")
}

fn default_tag_prefix() -> String {
    "v".into()
}

fn default_snapshot_version() -> Spanned<String> {
    unlocated(DEFAULT_SNAPSHOT_VERSION.to_string())
}

/// Project-wide settings.
#[derive(Debug, Clone, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ProjectConfig {
    /// The project name, used in artifact names (`{{ project }}`). Default: the last element of the
    /// go.mod module path, the Cargo package name, or the directory holding tug.yaml.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<String>")]
    pub name: Option<Spanned<String>>,
    /// Where releases are written, relative to the directory holding tug.yaml. Overridden by
    /// `TUG_DIST` and `--dist`.
    #[serde(default = "default_dist")]
    pub dist: PathBuf,
    /// The prefix release tags carry before the semantic version: with `v`, tag `v1.2.3` is version
    /// `1.2.3`.
    #[serde(default = "default_tag_prefix")]
    pub tag_prefix: String,
    /// Snapshot releases (HEAD is not tagged, or `--snapshot`).
    #[serde(default)]
    pub snapshot: SnapshotConfig,
    /// Environment variables for builds and hooks, as `NAME=value` (the value is a template).
    /// Templates see them, with the process environment, as `{{ env.NAME }}`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(with = "Vec<String>")]
    pub env: Vec<Spanned<String>>,
}

impl Default for ProjectConfig {
    fn default() -> Self {
        ProjectConfig {
            name: None,
            dist: default_dist(),
            tag_prefix: default_tag_prefix(),
            snapshot: SnapshotConfig::default(),
            env: Vec::new(),
        }
    }
}

/// How snapshot releases are versioned.
#[derive(Debug, Clone, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SnapshotConfig {
    /// Version template for snapshots. `{{ version }}` is the next patch version after the last
    /// tag (`0.0.0` without tags). Default: `{{ version }}-snapshot+{{ short_commit }}`.
    #[serde(default = "default_snapshot_version")]
    #[schemars(with = "String", default = "default_snapshot_version_text")]
    pub version_template: Spanned<String>,
}

fn default_snapshot_version_text() -> String {
    DEFAULT_SNAPSHOT_VERSION.into()
}

impl Default for SnapshotConfig {
    fn default() -> Self {
        SnapshotConfig {
            version_template: default_snapshot_version(),
        }
    }
}

fn valid_env_name(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c == '_' || c.is_ascii_alphabetic())
        && chars.all(|c| c == '_' || c.is_ascii_alphanumeric())
}

impl ProjectConfig {
    /// `project.env` as (name, unrendered value) pairs, in file order.
    pub fn env_pairs(&self) -> Vec<(String, String)> {
        self.env
            .iter()
            .filter_map(|e| {
                e.value
                    .split_once('=')
                    .map(|(k, v)| (k.to_string(), v.to_string()))
            })
            .collect()
    }

    pub fn validate(&self, v: &mut Validator) {
        v.scoped("project", |v| {
            if let Some(name) = &self.name {
                let bad = name.value.trim().is_empty()
                    || name
                        .value
                        .chars()
                        .any(|c| c.is_whitespace() || c == '/' || c == '\\');
                if bad {
                    v.error(
                        name.referenced,
                        format!("invalid project name `{}`", name.value),
                        Some("use a non-empty name without spaces or slashes, e.g. `hello`".into()),
                    );
                }
            }
            v.template(
                "snapshot.version_template",
                &self.snapshot.version_template,
                vars::RELEASE,
            );
            let mut names = Vec::new();
            for (i, entry) in self.env.iter().enumerate() {
                match entry.value.split_once('=') {
                    Some((name, value)) if valid_env_name(name) => {
                        names.push(Spanned::new(
                            name.to_string(),
                            entry.referenced,
                            entry.defined,
                        ));
                        let value =
                            Spanned::new(value.to_string(), entry.referenced, entry.defined);
                        v.template(&format!("env[{i}]"), &value, vars::RELEASE);
                    }
                    _ => v.error(
                        entry.referenced,
                        format!(
                            "invalid environment entry `{}` in `{}`",
                            entry.value,
                            v.field("env")
                        ),
                        Some("write `NAME=value`, e.g. `CGO_ENABLED=0`".into()),
                    ),
                }
            }
            v.unique_ids("environment variable", &names);
        });
    }
}
