use clap::Args;

/// Load and validate tug.yaml, reporting every problem at once
///
/// Each problem is shown as file:line:column with the offending line, a caret and a hint. Exits
/// with 2 when the configuration is invalid. Without a tug.yaml the embedded defaults are checked.
/// Settings are layered: defaults < tug.yaml < TUG_CONFIG, TUG_DIST, TUG_PARALLELISM,
/// TUG_SNAPSHOT < flags.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Print the fully resolved configuration as YAML on stdout
    #[arg(long)]
    pub show: bool,
}
