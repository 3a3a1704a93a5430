//! `tug completions SHELL`: the run-time twin of the scripts build.rs writes to completions/.

use clap::CommandFactory;

use super::Context;
use crate::cli::completions::CompletionsArgs;
use crate::cli::Cli;
use crate::error::ExitCode;

pub fn run(ctx: &Context, args: CompletionsArgs) -> anyhow::Result<ExitCode> {
    let script = crate::generate::completion_script(&Cli::command(), args.shell);
    ctx.printer.raw(&script);
    Ok(ExitCode::Success)
}
