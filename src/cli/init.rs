use clap::Args;

/// Write a commented tug.yaml for the project in the current directory
///
/// Detects a Go module (go.mod: module path, main packages under cmd/* or the root) or a Cargo
/// package (Cargo.toml) and writes tug.yaml (or the file named by --config) that `tug check`
/// accepts. An existing file is never overwritten without --force. With --ci, also writes the
/// release pipeline `tug ci github|gitlab` would write for it (and a commented `ci:` section
/// saying how its jobs install tug).
#[derive(Debug, Args)]
pub struct InitArgs {
    /// Overwrite an existing tug.yaml (and, with --ci, a pipeline file tug did not write)
    #[arg(long)]
    pub force: bool,

    /// Also write the CI release pipeline for this CI system
    #[arg(long, value_name = "SYSTEM")]
    pub ci: Option<InitCi>,
}

/// The CI systems `tug init --ci` writes a pipeline for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum InitCi {
    /// GitHub Actions: .github/workflows/release.yml
    Github,
    /// GitLab CI: .gitlab-ci.yml
    Gitlab,
}
