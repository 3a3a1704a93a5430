//! `tug unlock ENV --force --reason TEXT`: remove a stuck lock by hand, recorded in history.

use super::rollout::{deploy_error, deployer};
use super::Context;
use crate::cli::unlock::UnlockArgs;
use crate::error::ExitCode;

pub fn run(ctx: &Context, args: UnlockArgs) -> anyhow::Result<ExitCode> {
    let d = deployer(ctx, &args.env)?;
    let removed = d
        .force_unlock(&args.reason)
        .map_err(|e| deploy_error(e, &args.env))?;
    if removed.is_empty() {
        ctx.printer
            .status("Unlocked", "nothing: no host was locked");
    }
    for (host, lock) in removed {
        ctx.printer.status(
            "Unlocked",
            format!("{host} (was held by {})", lock.describe()),
        );
    }
    Ok(ExitCode::Success)
}
