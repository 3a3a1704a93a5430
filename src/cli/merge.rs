use std::path::PathBuf;

use clap::Args;

/// Combine the dists of a sharded build into one release
///
/// Each DIST is the output of `tug build --shard I/N` (or `--target`). The shards must be builds of
/// the same commit and version; an artifact that appears in several shards must have the same
/// digest. The checksums file is regenerated for the union.
#[derive(Debug, Args)]
pub struct MergeArgs {
    /// Shard dist directories to merge
    #[arg(required = true, value_name = "DIST")]
    pub inputs: Vec<PathBuf>,

    /// Write the merged release here
    #[arg(short = 'o', long = "output", value_name = "DIST")]
    pub output: PathBuf,

    /// Replace a non-empty output directory
    #[arg(long)]
    pub clean: bool,
}
