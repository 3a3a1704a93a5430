use clap::Args;

/// Build the release: compile every target, package, checksum, write dist/
///
/// Without a tug.yaml, a Go module is built with the embedded defaults: each main package for
/// linux, darwin and windows on amd64 and arm64, archived as tar.gz (zip on windows). Builds are
/// reproducible: two builds of the same commit give identical bytes. A tagged HEAD gives a release;
/// `--snapshot` builds any commit (even a dirty tree) as `<next patch>-snapshot+<commit>`.
#[derive(Debug, Args)]
pub struct BuildArgs {
    /// Build an untagged or dirty tree as a snapshot version
    #[arg(long)]
    pub snapshot: bool,

    /// Replace a non-empty dist directory
    #[arg(long)]
    pub clean: bool,

    /// Build only this target (os/arch[/variant], repeatable)
    #[arg(long = "target", value_name = "TARGET")]
    pub targets: Vec<String>,

    /// Build only the I-th of N slices of the targets (e.g. 1/4), for `tug merge`
    #[arg(long, value_name = "I/N")]
    pub shard: Option<String>,

    /// Compile at most N targets at once [default: number of CPUs]
    #[arg(short = 'p', long = "parallelism", value_name = "N")]
    pub parallelism: Option<usize>,

    /// Stop starting new targets after the first failure
    #[arg(long)]
    pub fail_fast: bool,

    /// Build again from a copy of the source elsewhere and report artifacts whose sha256 differs
    ///
    /// The second build runs on a clone of the repository at another path (with the working
    /// tree's uncommitted changes), with an empty Go build cache (a cold build), another TMPDIR
    /// and another umask. Exits 3 (checks failed) naming every artifact that differs, or when
    /// the second build fails where the first worked.
    #[arg(long)]
    pub verify_reproducible: bool,
}
