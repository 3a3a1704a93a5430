use clap::Args;

/// Remove a stuck lock from every host of an environment (recorded in history)
#[derive(Debug, Args)]
pub struct UnlockArgs {
    /// The environment
    pub env: String,

    /// Confirm that you know the holder is gone
    #[arg(long, required = true)]
    pub force: bool,

    /// Why (recorded in history)
    #[arg(long, value_name = "TEXT", required = true)]
    pub reason: String,
}
