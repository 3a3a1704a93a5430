use clap::Args;

/// Validate tug.yaml, or with --release run the release checks on the module
///
/// Without --release: load and validate tug.yaml, reporting every problem at once as
/// file:line:column with the offending line, a caret and a hint (exit 2 when invalid). Without a
/// tug.yaml the embedded defaults are checked. Settings are layered: defaults < tug.yaml <
/// TUG_CONFIG, TUG_DIST, TUG_PARALLELISM, TUG_SNAPSHOT < flags.
///
/// With --release: git state, tag syntax and order, branch, go.mod hygiene, retractions, API
/// compatibility with the previous release, build info of dist/ binaries and govulncheck, all
/// in one pass. Each finding is printed as `error[id]: message` with its file and line and a
/// hint. Exits with 3 when any error remains, 1 when the checks could not run (e.g. Go missing).
#[derive(Debug, Args)]
#[command(disable_version_flag = true)]
pub struct CheckArgs {
    /// Print the fully resolved configuration as YAML on stdout, then the run settings and the
    /// TUG_* variables behind them as YAML comments (secret values never shown)
    #[arg(long, conflicts_with = "release")]
    pub show: bool,

    /// Run the release checks instead of validating tug.yaml
    #[arg(long)]
    pub release: bool,

    /// The version about to be released (vX.Y.Z); default: the release tag on HEAD
    #[arg(
        long = "version",
        id = "release_version",
        value_name = "vX.Y.Z",
        requires = "release"
    )]
    pub version: Option<String>,

    /// Treat warnings as errors
    #[arg(long, requires = "release")]
    pub strict: bool,

    /// Allow a version below the latest release of its major version (a patch on an older line)
    #[arg(long, requires = "release")]
    pub backport: bool,

    /// The release only publishes retractions: require go.mod to retract this version
    #[arg(long, requires = "release")]
    pub retraction_only: bool,
}
