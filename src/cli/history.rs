use clap::Args;

/// Show who deployed what, when, and how it ended, merged from every host
#[derive(Debug, Args)]
pub struct HistoryArgs {
    /// The environment
    pub env: String,

    /// Show only the last N events
    #[arg(short = 'n', long, value_name = "N", default_value_t = 20)]
    pub limit: usize,
}
