use clap::Args;

/// Switch an environment back to its previous good release, fast
///
/// No steps, no analysis: every host switches in parallel to one release, `--to V` or the newest
/// release that ran healthy on every host (never one only staged, never one marked bad), which
/// must still be on the host. Shows the plan and asks for confirmation unless `--yes`; the
/// abandoned release is marked bad. A host that fails makes it exit 7, naming the host.
#[derive(Debug, Args)]
pub struct RollbackArgs {
    /// The environment
    pub env: String,

    /// Go back to this version instead of the newest one that ran healthy on every host
    #[arg(long, value_name = "V")]
    pub to: Option<String>,

    /// Why (recorded in history on every host)
    #[arg(long, value_name = "TEXT")]
    pub reason: Option<String>,

    /// Roll back the hosts that answer and leave the ones that cannot be reached as they are
    /// (listed, and recorded in history, with the target: the next `tug rollback` moves only
    /// them, to the same release); a host key problem still stops the rollback
    #[arg(long)]
    pub skip_unreachable: bool,
}
