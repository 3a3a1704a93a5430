use clap::Args;

/// Switch an environment back to its previous good release, fast
///
/// No steps, no analysis: every host switches in parallel to the release it ran before (or
/// `--to V`), which must still be on the host and intact. Shows the plan and asks for
/// confirmation unless `--yes`; the abandoned release is marked bad.
#[derive(Debug, Args)]
pub struct RollbackArgs {
    /// The environment
    pub env: String,

    /// Go back to this version instead of each host's previous good release
    #[arg(long, value_name = "V")]
    pub to: Option<String>,

    /// Why (recorded in history on every host)
    #[arg(long, value_name = "TEXT")]
    pub reason: Option<String>,

    /// Roll back the hosts that answer and leave the ones that cannot be reached as they are
    /// (listed, and recorded in history); a host key problem still stops the rollback
    #[arg(long)]
    pub skip_unreachable: bool,
}
