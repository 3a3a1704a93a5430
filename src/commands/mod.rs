//! One module per subcommand: each has `run(ctx, args)` and turns engine results into printer
//! output. The arguments themselves are declared in `cli/<verb>.rs` (see there for why).

use std::path::PathBuf;

use crate::cli::{Cli, Command, GlobalArgs};
use crate::config::env::EnvSnapshot;
use crate::config::settings::{Overrides, Settings};
use crate::error::ExitCode;
use crate::ui::Printer;

pub mod build;
pub mod check;
pub mod check_release;
pub mod ci;
pub mod completions;
pub mod history;
pub mod init;
pub mod keys;
pub mod merge;
pub mod publish;
pub mod publish_module;
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

impl Context {
    /// Resolve this run's [`Settings`] (tug.yaml < `TUG_*` from `env` < flags) and print the
    /// config warnings. A command calls it once; `tug release` calls it once for all its stages.
    pub fn load_settings(&self, overrides: Overrides) -> anyhow::Result<Settings> {
        let settings = Settings::load(&self.global, &self.cwd, &self.env, overrides)?;
        for warning in &settings.warnings {
            self.printer.warn(warning);
        }
        tracing::debug!(
            config = ?settings.config_path,
            dist = %settings.dist.display(),
            parallelism = settings.parallelism,
            snapshot = settings.snapshot,
            "resolved settings"
        );
        Ok(settings)
    }
}

/// The subcommand's name, for the span every run is wrapped in.
fn name(command: &Command) -> &'static str {
    match command {
        Command::Init(_) => "init",
        Command::Check(_) => "check",
        Command::Schema(_) => "schema",
        Command::Completions(_) => "completions",
        Command::Keys(_) => "keys",
        Command::Sign(_) => "sign",
        Command::Verify(_) => "verify",
        Command::Release(_) => "release",
        Command::Build(_) => "build",
        Command::Merge(_) => "merge",
        Command::Publish(_) => "publish",
        Command::Rollout(_) => "rollout",
        Command::Rollback(_) => "rollback",
        Command::Status(_) => "status",
        Command::History(_) => "history",
        Command::Unlock(_) => "unlock",
        Command::Ci(_) => "ci",
    }
}

/// Run the parsed command line with `env`, the process environment read once by `main`.
/// Returns the exit code for a completed run (which may be non-zero without being an error, e.g.
/// a paused rollout); errors carry their own code (see `error`).
pub fn run(printer: Printer, cli: Cli, env: EnvSnapshot) -> anyhow::Result<ExitCode> {
    let cwd = std::env::current_dir()
        .map_err(|e| crate::Error::failure("cannot read the current directory").with_source(e))?;
    let span = tracing::info_span!("command", name = name(&cli.command));
    let _entered = span.enter();
    let started = std::time::Instant::now();
    let ctx = Context {
        printer,
        global: cli.global,
        cwd,
        env,
    };
    let result = dispatch(&ctx, cli.command);
    match &result {
        Ok(code) => tracing::info!(
            exit = code.code(),
            elapsed_ms = started.elapsed().as_millis() as u64,
            "finished"
        ),
        Err(e) => {
            tracing::info!(error = %e, elapsed_ms = started.elapsed().as_millis() as u64, "failed")
        }
    }
    result
}

fn dispatch(ctx: &Context, command: Command) -> anyhow::Result<ExitCode> {
    match command {
        Command::Init(args) => init::run(ctx, args),
        Command::Check(args) => check::run(ctx, args),
        Command::Schema(args) => schema::run(ctx, args),
        Command::Completions(args) => completions::run(ctx, args),
        Command::Keys(args) => keys::run(ctx, args),
        Command::Sign(args) => sign::run(ctx, args),
        Command::Verify(args) => verify::run(ctx, args),
        Command::Release(args) => release::run(ctx, args),
        Command::Build(args) => build::run(ctx, args),
        Command::Merge(args) => merge::run(ctx, args),
        Command::Publish(args) => publish::run(ctx, args),
        Command::Rollout(args) => rollout::run(ctx, args),
        Command::Rollback(args) => rollback::run(ctx, args),
        Command::Status(args) => status::run(ctx, args),
        Command::History(args) => history::run(ctx, args),
        Command::Unlock(args) => unlock::run(ctx, args),
        Command::Ci(args) => ci::run(ctx, args),
    }
}
