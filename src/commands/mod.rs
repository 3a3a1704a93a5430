//! One module per subcommand: each has `run(ctx, args)` and turns engine results into printer
//! output. The arguments themselves are declared in `cli/<verb>.rs` (see there for why).

use std::path::PathBuf;

use crate::cli::{Cli, Command, GlobalArgs};
use crate::config::env::EnvSnapshot;
use crate::error::ExitCode;
use crate::ui::Printer;

pub mod build;
pub mod check;
pub mod check_release;
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

/// What every command gets: the printer, the global flags, where it was started, and the
/// environment of this run (read once, here; nothing below reads the process environment).
pub struct Context {
    pub printer: Printer,
    pub global: GlobalArgs,
    pub cwd: PathBuf,
    pub env: EnvSnapshot,
}

/// Run the parsed command line. Returns the exit code for a completed run (which may be non-zero
/// without being an error, e.g. a paused rollout); errors carry their own code (see `error`).
pub fn run(printer: Printer, cli: Cli) -> anyhow::Result<ExitCode> {
    let cwd = std::env::current_dir()?;
    let ctx = Context {
        printer,
        global: cli.global,
        cwd,
        env: EnvSnapshot::capture(),
    };
    match cli.command {
        Command::Init(args) => init::run(&ctx, args),
        Command::Check(args) => check::run(&ctx, args),
        Command::Schema(args) => schema::run(&ctx, args),
        Command::Completions(args) => completions::run(&ctx, args),
        Command::Keys(args) => keys::run(&ctx, args),
        Command::Sign(args) => sign::run(&ctx, args),
        Command::Verify(args) => verify::run(&ctx, args),
        Command::Release(args) => release::run(&ctx, args),
        Command::Build(args) => build::run(&ctx, args),
        Command::Merge(args) => merge::run(&ctx, args),
        Command::Publish(args) => publish::run(&ctx, args),
        Command::Rollout(args) => rollout::run(&ctx, args),
        Command::Rollback(args) => rollback::run(&ctx, args),
        Command::Status(args) => status::run(&ctx, args),
        Command::History(args) => history::run(&ctx, args),
        Command::Unlock(args) => unlock::run(&ctx, args),
    }
}
