use clap::{Args, Subcommand};

/// Manage cosign-compatible signing keys
#[derive(Debug, Args)]
pub struct KeysArgs {
    #[command(subcommand)]
    pub command: KeysCommand,
}

#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    Generate(KeysGenerateArgs),
}

/// Generate an ECDSA P-256 key pair exactly as `cosign generate-key-pair` does
///
/// Writes PREFIX.key (encrypted with a password, mode 0600) and PREFIX.pub. The password comes
/// from COSIGN_PASSWORD (even when empty), else it is asked twice on the terminal.
#[derive(Debug, Args)]
pub struct KeysGenerateArgs {
    /// Write PREFIX.key and PREFIX.pub
    #[arg(long, default_value = "cosign", value_name = "PREFIX")]
    pub output_prefix: String,

    /// Overwrite existing key files
    #[arg(long)]
    pub force: bool,
}
