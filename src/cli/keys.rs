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

/// Generate an ECDSA P-256 key pair exactly as `cosign generate-key-pair` does, or with
/// --sumdb the Ed25519 note key of a private Go checksum database
///
/// Writes PREFIX.key (encrypted with a password, mode 0600) and PREFIX.pub. The password comes
/// from COSIGN_PASSWORD (even when empty), else it is asked twice on the terminal.
///
/// With --sumdb NAME: writes PREFIX.key, the signer key (`PRIVATE+KEY+NAME+...`, golang.org/x/mod's
/// note format, not encrypted, mode 0600) and PREFIX.vkey, the verifier key, which is also printed:
/// the value for GOSUMDB.
#[derive(Debug, Args)]
pub struct KeysGenerateArgs {
    /// Write PREFIX.key and PREFIX.pub (PREFIX.vkey with --sumdb) [default: cosign, or sumdb
    /// with --sumdb]
    #[arg(long, value_name = "PREFIX")]
    pub output_prefix: Option<String>,

    /// Generate the note key of the checksum database NAME (host[/path], e.g. sum.example.com)
    #[arg(long, value_name = "NAME")]
    pub sumdb: Option<String>,

    /// Overwrite existing key files
    #[arg(long)]
    pub force: bool,
}
