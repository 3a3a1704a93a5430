use clap::Args;

/// Write a commented tug.yaml for the project in the current directory
///
/// Detects a Go module (go.mod: module path, main packages under cmd/* or the root) or a Cargo
/// package (Cargo.toml) and writes tug.yaml (or the file named by --config) that `tug check`
/// accepts. An existing file is never overwritten without --force.
#[derive(Debug, Args)]
pub struct InitArgs {
    /// Overwrite an existing tug.yaml
    #[arg(long)]
    pub force: bool,
}
