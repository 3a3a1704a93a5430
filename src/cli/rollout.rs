use std::path::PathBuf;

use clap::{Args, Subcommand};

/// Roll a release out to an environment, or continue, pause or abort a rollout
///
/// Verifies the release (digest and signature), runs a preflight on every host (reachable, lock
/// free, disk space, the release to roll back to is intact), then follows the environment's
/// strategy. A failed health check or analysis switches every host back (exit 4) and marks the
/// release bad in the environment (a later rollout of it needs `--force`); a pause waits for
/// `tug rollout promote` from any machine (exit 6); a revert that fails anywhere exits 7.
#[derive(Debug, Args)]
#[command(
    args_conflicts_with_subcommands = true,
    subcommand_negates_reqs = true,
    disable_version_flag = true
)]
pub struct RolloutArgs {
    #[command(subcommand)]
    pub action: Option<RolloutAction>,

    /// The environment (a key of `environments:` in tug.yaml)
    #[arg(required = true)]
    pub env: Option<String>,

    /// The version to deploy (default: the one in the release source)
    #[arg(long, value_name = "V")]
    pub version: Option<String>,

    /// Take the release from a published `dir` location instead of dist/
    #[arg(long, value_name = "DIR")]
    pub from: Option<PathBuf>,

    /// Print the plan and the preflight, change nothing
    #[arg(long)]
    pub dry_run: bool,

    /// Deploy without checking the signature (recorded in history; never in production)
    #[arg(long)]
    pub insecure_skip_verify: bool,

    /// Roll out a release marked bad in this environment anyway (the mark is cleared once it
    /// runs healthy on every host)
    #[arg(long)]
    pub force: bool,
}

/// Continue, pause or abort the rollout stored on the hosts of ENV
#[derive(Debug, Subcommand)]
pub enum RolloutAction {
    /// Continue a paused rollout past its pause or inconclusive analysis
    Promote(RolloutTarget),
    /// Ask the running rollout to pause at its next step
    Pause(RolloutTarget),
    /// Continue a paused or interrupted rollout where it stopped
    Resume(RolloutTarget),
    /// Stop the rollout and switch every host it changed back (the release is not marked bad)
    Abort(AbortArgs),
}

/// The rollout to abort, and why
#[derive(Debug, Args)]
pub struct AbortArgs {
    /// The environment
    pub env: String,

    /// Why (recorded in history on every host)
    #[arg(long, value_name = "TEXT")]
    pub reason: Option<String>,
}

/// The environment whose rollout to act on
#[derive(Debug, Args)]
pub struct RolloutTarget {
    /// The environment
    pub env: String,
}
