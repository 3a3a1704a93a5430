use clap::Args;

/// Show each host's version, health and lock, and any unfinished rollout
#[derive(Debug, Args)]
pub struct StatusArgs {
    /// The environment
    pub env: String,

    /// Wait until every host runs the same release, healthy, with no rollout in progress
    #[arg(long)]
    pub wait: bool,

    /// Check every file of each host's current release against the digests recorded when it
    /// was uploaded (exit 1 naming each changed file)
    #[arg(long)]
    pub verify: bool,

    /// Show the commit and tag each host's current release was built from (recorded in its
    /// release.json at upload)
    #[arg(long)]
    pub provenance: bool,

    /// How long --wait waits before giving up (exit 1)
    #[arg(long, value_name = "DURATION", default_value = "5m")]
    pub timeout: String,
}
