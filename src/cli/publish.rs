use std::path::PathBuf;

use clap::Args;

/// Upload the release in dist/ to every configured publisher
///
/// Reads only dist/manifest.json and uploads exactly the bytes it lists (it never rebuilds).
/// Publishers run storage first (dir, http, oci) and the release page (github) last. What each
/// publisher confirmed is recorded in dist/publish-state.json: re-running after a failure uploads
/// only what is missing. Without a `publish:` section the release is copied to ./published/.
#[derive(Debug, Args)]
pub struct PublishArgs {
    /// Run only the publisher with this name (repeatable; the name is `name:` or the type)
    #[arg(long, value_name = "NAME")]
    pub only: Vec<String>,

    /// Show what would be uploaded and upload nothing
    #[arg(long)]
    pub dry_run: bool,

    /// Overwrite a remote file, asset or tag of the same name whose content differs
    #[arg(long)]
    pub replace: bool,

    /// Write the release (and configured images) as an OCI image layout in DIR, upload nothing
    #[arg(long, value_name = "DIR")]
    pub oci_layout: Option<PathBuf>,

    /// List a staged module VERSION (e.g. v2.0.0) in the goproxy publishers' @v/list and @latest
    ///
    /// The module is the one go.mod names; the dist is not needed. Listing an already listed
    /// version is a no-op.
    #[arg(long, value_name = "VERSION", conflicts_with_all = ["withdraw", "oci_layout"])]
    pub promote: Option<String>,

    /// Delete a staged (never listed) module VERSION from the goproxy publishers
    ///
    /// Refused once the version is listed: retract it in a newer go.mod instead.
    #[arg(long, value_name = "VERSION", conflicts_with_all = ["promote", "oci_layout"])]
    pub withdraw: Option<String>,
}
