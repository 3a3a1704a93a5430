//! `tug completions SHELL`: the run-time twin of the scripts build.rs writes to completions/.

use clap::CommandFactory;

use super::Context;
use crate::cli::completions::CompletionsArgs;
use crate::cli::Cli;
use crate::error::ExitCode;

pub fn run(ctx: &Context, args: CompletionsArgs) -> anyhow::Result<ExitCode> {
    let mut buf = Vec::new();
    clap_complete::generate(args.shell, &mut Cli::command(), "tug", &mut buf);
    ctx.printer.raw(&buf);
    Ok(ExitCode::Success)
}
