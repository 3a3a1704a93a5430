use clap::Args;

/// Run the whole release: build, sign (when tug.yaml has a `sign:` section), publish
///
/// Each stage is the same as running its own command (`tug build`, `tug sign`, `tug publish`)
/// with the flags below; release stops at the first stage that fails and exits with that stage's
/// exit code, leaving dist/ as that stage left it so the failed stage can be re-run on its own.
#[derive(Debug, Args)]
pub struct ReleaseArgs {
    /// Build an untagged or dirty tree as a snapshot version
    #[arg(long)]
    pub snapshot: bool,

    /// Replace a non-empty dist directory
    #[arg(long)]
    pub clean: bool,

    /// Compile at most N targets at once [default: number of CPUs]
    #[arg(short = 'p', long = "parallelism", value_name = "N")]
    pub parallelism: Option<usize>,
}
