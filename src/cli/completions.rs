use clap::Args;

/// Print the shell completion script for SHELL on stdout
///
/// Example: `tug completions bash > /etc/bash_completion.d/tug`. The same scripts are committed
/// under completions/ in the source tree.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to generate completions for
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}
