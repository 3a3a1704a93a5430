use std::path::PathBuf;

use clap::{Args, Subcommand};

/// Write the CI pipeline that builds, merges, signs, publishes and rolls out a release
///
/// The pipeline comes from tug.yaml: on a version tag (`project.tag_prefix`), one build job per
/// shard (two targets per runner, at most 8), each uploading its dist under its own name; a merge
/// job; a sign job, the only one given the signing secrets (tug.yaml must say `sign.key:
/// env://VAR`); a publish job; and one rollout job per environment, where environments named
/// prod or production (or given with --manual) wait for a human approval. A rollout that pauses
/// (exit 6) does not fail the pipeline; one that rolled back (4) or left hosts mixed (7) does.
/// The same tug.yaml and options always give the same bytes.
#[derive(Debug, Args)]
pub struct CiArgs {
    #[command(subcommand)]
    pub provider: CiProvider,
}

#[derive(Debug, Subcommand)]
pub enum CiProvider {
    /// GitHub Actions: .github/workflows/release.yml (actions pinned by commit SHA)
    Github(CiOptions),
    /// GitLab CI: .gitlab-ci.yml
    Gitlab(CiOptions),
}

#[derive(Debug, Args)]
pub struct CiOptions {
    /// Write the pipeline here (`-` for stdout) [default: the provider's usual path under the
    /// directory of tug.yaml]
    #[arg(short = 'o', long = "output", value_name = "PATH")]
    pub output: Option<PathBuf>,

    /// Do not write: compare the existing file with what would be written, print a unified diff
    /// and exit 1 when it is stale or missing
    #[arg(long)]
    pub check: bool,

    /// The shell command every job runs to put tug on PATH [default: `ci.install` in tug.yaml;
    /// when neither says, the step fails saying to set it]
    #[arg(long, value_name = "CMD")]
    pub install: Option<String>,

    /// Also wait for a human approval before rolling out to this environment (repeatable;
    /// prod and production always wait)
    #[arg(long, value_name = "ENV")]
    pub manual: Vec<String>,

    /// GitLab: the jobs' image (it must hold Go and what --install uses) [default: `ci.image` in
    /// tug.yaml, else golang:1-bookworm]
    #[arg(long, value_name = "IMAGE")]
    pub image: Option<String>,

    /// Replace an existing file that tug did not generate
    #[arg(long)]
    pub force: bool,
}
