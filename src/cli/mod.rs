//! The command-line grammar: clap types only, nothing that runs.
//!
//! This module must depend on nothing but `clap`, `clap_complete` and `std`: `build.rs` includes it
//! (`#[path = "src/cli/mod.rs"] mod cli;`) to generate shell completions and man pages from the very
//! same definition the binary parses with. Each subcommand's arguments live in their own file here
//! (`cli/<verb>.rs`, a `<Verb>Args` struct); the code that runs it lives in `commands/<verb>.rs`.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

pub mod build;
pub mod check;
pub mod ci;
pub mod completions;
pub mod history;
pub mod init;
pub mod keys;
pub mod merge;
pub mod publish;
pub mod release;
pub mod rollback;
pub mod rollout;
pub mod schema;
pub mod sign;
pub mod status;
pub mod unlock;
pub mod verify;

/// The documented process exit codes (the same table as `tug::ExitCode::ALL`, which a unit test
/// keeps in step): shown at the end of `tug --help`, in every man page's EXIT STATUS section and in
/// the README.
pub const EXIT_CODES: [(u8, &str); 8] = [
    (0, "success"),
    (1, "failure"),
    (2, "usage or configuration error"),
    (3, "release checks failed"),
    (4, "rollout failed and was rolled back"),
    (5, "lock held by someone else"),
    (
        6,
        "rollout paused, waiting for a human (`tug rollout promote`)",
    ),
    (
        7,
        "failed and not fully reverted (the environment is mixed: the hosts are named)",
    ),
];

/// The end of `tug --help`: the exit code table.
fn exit_codes_help() -> String {
    let mut text = String::from("Exit codes:");
    for (code, meaning) in EXIT_CODES {
        text.push_str(&format!("\n  {code}  {meaning}"));
    }
    text
}

/// Build, sign, publish, roll out and roll back releases from one tug.yaml
#[derive(Debug, Parser)]
#[command(
    name = "tug",
    version,
    propagate_version = true,
    max_term_width = 100,
    after_long_help = exit_codes_help(),
    long_about = "tug takes a project from a git tag to running in production and back: \
                  build -> sign -> publish -> rollout -> rollback, driven by one tug.yaml.\n\n\
                  Every stage is a separate, idempotent command that reads and extends dist/, \
                  so CI can run each one on its own runner and re-run any failed step."
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,

    #[command(subcommand)]
    pub command: Command,
}

/// Flags accepted by every subcommand.
#[derive(Debug, Clone, Default, Args)]
pub struct GlobalArgs {
    /// Use this config file instead of the tug.yaml found by walking up from the current directory
    #[arg(short = 'c', long, global = true, value_name = "PATH")]
    pub config: Option<PathBuf>,

    /// Read and write the release in this directory [default: dist]
    #[arg(long, global = true, value_name = "DIR")]
    pub dist: Option<PathBuf>,

    /// Show diagnostics on stderr (-v debug, -vv trace)
    #[arg(short = 'v', long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,

    /// Print only warnings and errors on stderr
    #[arg(short = 'q', long, global = true)]
    pub quiet: bool,

    /// Print one JSON event per line on stdout instead of human output
    #[arg(long, global = true)]
    pub json: bool,

    /// Never draw progress bars
    #[arg(long, global = true)]
    pub no_progress: bool,

    /// Never use colour (also: NO_COLOR)
    #[arg(long, global = true)]
    pub no_color: bool,

    /// Answer yes to every confirmation prompt
    #[arg(short = 'y', long, global = true)]
    pub yes: bool,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    Init(init::InitArgs),
    Check(check::CheckArgs),
    Build(build::BuildArgs),
    Merge(merge::MergeArgs),
    Keys(keys::KeysArgs),
    Sign(sign::SignArgs),
    Verify(verify::VerifyArgs),
    Publish(publish::PublishArgs),
    Release(release::ReleaseArgs),
    Rollout(rollout::RolloutArgs),
    Rollback(rollback::RollbackArgs),
    Status(status::StatusArgs),
    History(history::HistoryArgs),
    Unlock(unlock::UnlockArgs),
    Schema(schema::SchemaArgs),
    Completions(completions::CompletionsArgs),
    Ci(ci::CiArgs),
}
