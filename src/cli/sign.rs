use clap::{Args, ValueEnum};

/// Sign the release in dist/ with a cosign key
///
/// Writes `<artifact>.sig` and `<artifact>.sigstore.json` (Sigstore bundle v0.3) next to each
/// signed artifact and records them in dist/manifest.json. The key password comes from
/// sign.password, else COSIGN_PASSWORD (even when empty), else a prompt on the terminal.
/// When tug.yaml had `provenance:` at build time, also writes the release's SLSA v1 provenance,
/// signed as a DSSE envelope: <project>_<version>.intoto.sigstore.json.
#[derive(Debug, Args)]
pub struct SignArgs {
    /// The private key: a cosign key file or env://VAR [default: sign.key, else cosign.key]
    #[arg(long, value_name = "KEY")]
    pub key: Option<String>,

    /// What to sign [default: sign.artifacts, else checksums]
    #[arg(long, value_enum, value_name = "WHAT")]
    pub artifacts: Option<SignSelection>,
}

/// Which artifacts `tug sign` signs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SignSelection {
    /// Only the checksums file (it covers every artifact it lists)
    Checksums,
    /// Every archive
    Archives,
    /// Every binary
    Binaries,
    /// Every file of the release
    All,
}
