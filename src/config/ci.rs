//! The `ci:` section of tug.yaml: how the pipelines `tug ci github|gitlab` (and `tug init --ci`)
//! write get tug onto their runners. It lives in tug.yaml, not only in flags, so that writing the
//! pipeline and `tug ci ... --check` read the same values and a check is stable.

use serde::{Deserialize, Serialize};

/// The GitLab image when `ci.image` is unset: Go, git and a shell.
pub const DEFAULT_IMAGE: &str = "golang:1-bookworm";

/// The `ci:` section.
#[derive(Debug, Clone, Default, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CiConfig {
    /// The shell command every generated job runs to put `tug` on PATH, for example
    /// `cargo install --locked --git <tug's repository URL> --tag v0.1.0 tug` (tug is installed
    /// from source), or a download of a build you host. When unset, the generated "Install tug"
    /// step fails with a message saying to set it: tug cannot know where your runners get it.
    /// `tug ci --install CMD` overrides it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub install: Option<String>,
    /// GitLab: the jobs' image; it must hold Go and what `install` needs (default
    /// `golang:1-bookworm`). `tug ci gitlab --image IMAGE` overrides it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
}

impl CiConfig {
    /// Nothing set: `tug check --show` leaves the section out.
    pub fn is_unset(&self) -> bool {
        self.install.is_none() && self.image.is_none()
    }
}
