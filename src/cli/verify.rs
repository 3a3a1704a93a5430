use std::path::PathBuf;

use clap::Args;

/// Verify the release in dist/: digests, checksums file and signatures
///
/// Checks every artifact (or the named ones) against the manifest's digest and the checksums
/// file, every .sig and .sigstore.json against the public key, and that each artifact is signed
/// or listed in a signed checksums file. Reports every problem by name and exits 1 if any.
/// With --signature or --bundle, verifies one FILE outside any dist, like `cosign verify-blob`.
/// With --image, verifies an image in a registry by digest against its cosign signatures, like
/// `cosign verify --key KEY --insecure-ignore-tlog`.
/// With --provenance, checks the release's signed SLSA provenance instead: its signature, every
/// subject's sha256 against the files, and the `policy:` of tug.yaml, naming each rule that fails
/// (exit 1). With --image REF --provenance, the provenance attestation attached to the image in
/// its registry: signed with the key, for that manifest digest, and within the policy.
/// With --sumdb DIR, checks a checksum database that `tug publish` keeps (docs/goproxy.md): its
/// signed head with --key (the verifier key), every tile, and every lookup file.
#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// The public key: a PEM file or env://VAR [default: sign.public_key, else cosign.pub]; with
    /// --sumdb, the database's verifier key (NAME+HASH+KEY), a file holding it (sumdb.vkey) or
    /// env://VAR
    #[arg(long, value_name = "KEY")]
    pub key: Option<String>,

    /// Check the checksum database in DIR (a goproxy directory's sumdb/NAME) against its signed
    /// head: every hash and data tile, and every lookup's record and signed head
    #[arg(long, value_name = "DIR", requires = "key", conflicts_with_all = ["signature", "bundle", "image", "provenance", "artifacts"])]
    pub sumdb: Option<PathBuf>,

    /// Verify FILE with this signature (base64 or DER, as cosign writes it)
    #[arg(long, value_name = "SIG")]
    pub signature: Option<PathBuf>,

    /// Verify FILE with this Sigstore bundle
    #[arg(long, value_name = "BUNDLE")]
    pub bundle: Option<PathBuf>,

    /// Verify the image (or release artifact) REF in its registry: REF is
    /// host/repository@sha256:<digest>; its cosign signatures (tag sha256-<digest>.sig, made by
    /// `tug publish` or `cosign sign --key`) must include one valid with the key
    #[arg(long, value_name = "REF", conflicts_with_all = ["signature", "bundle", "artifacts"])]
    pub image: Option<String>,

    /// Check the release's provenance (<project>_<version>.intoto.sigstore.json, written by `tug
    /// sign` with `provenance:`): signature, subject digests, and the `policy:` of tug.yaml; with
    /// --image, the provenance attestation attached to the image (a Sigstore-bundle referrer or
    /// the sha256-<digest>.att tag, as `tug publish` attaches it)
    #[arg(long, conflicts_with_all = ["signature", "bundle", "artifacts"])]
    pub provenance: bool,

    /// With --image: use plain HTTP for a registry that is not on loopback
    #[arg(long, requires = "image")]
    pub insecure: bool,

    /// Artifact names from the manifest [default: all]; with --signature/--bundle, the one FILE
    #[arg(value_name = "ARTIFACT")]
    pub artifacts: Vec<String>,
}
