use std::path::PathBuf;

use clap::Args;

/// Verify the release in dist/: digests, checksums file and signatures
///
/// Checks every artifact (or the named ones) against the manifest's digest and the checksums
/// file, every .sig and .sigstore.json against the public key, and that each artifact is signed
/// or listed in a signed checksums file. Reports every problem by name and exits 1 if any.
/// With --signature or --bundle, verifies one FILE outside any dist, like `cosign verify-blob`.
#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// The public key: a PEM file or env://VAR [default: sign.public_key, else cosign.pub]
    #[arg(long, value_name = "KEY")]
    pub key: Option<String>,

    /// Verify FILE with this signature (base64 or DER, as cosign writes it)
    #[arg(long, value_name = "SIG")]
    pub signature: Option<PathBuf>,

    /// Verify FILE with this Sigstore bundle
    #[arg(long, value_name = "BUNDLE")]
    pub bundle: Option<PathBuf>,

    /// Artifact names from the manifest [default: all]; with --signature/--bundle, the one FILE
    #[arg(value_name = "ARTIFACT")]
    pub artifacts: Vec<String>,
}
