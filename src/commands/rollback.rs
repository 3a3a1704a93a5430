//! `tug rollback ENV`: show the plan (which host goes from which release to which), confirm unless
//! `--yes`, then switch every host back in parallel through the engine's fast path.

use std::io::{BufRead, IsTerminal};

use super::rollout::{deploy_error, load_env, progress};
use super::Context;
use crate::cli::rollback::RollbackArgs;
use crate::deploy::{Actor, Deployer};
use crate::error::{Error, ExitCode};

pub fn run(ctx: &Context, args: RollbackArgs) -> anyhow::Result<ExitCode> {
    let env = load_env(ctx, &args.env)?;
    let progress = progress(&ctx.printer);
    let d = Deployer {
        env: &env,
        actor: Actor::current(),
        progress: &progress,
    };
    let plan = d
        .plan_rollback(args.to.as_deref(), args.skip_unreachable)
        .map_err(|e| deploy_error(e, &args.env))?;
    ctx.printer
        .event("plan", serde_json::to_value(&plan).unwrap_or_default());
    ctx.printer.info(format!("rollback plan for {}:", args.env));
    for m in &plan.moves {
        ctx.printer.info(format!(
            "  {}: {} -> {}{}",
            m.host,
            m.from.as_deref().unwrap_or("nothing"),
            m.to,
            m.slot
                .as_ref()
                .map(|s| format!(" (standby slot {s}: a switch, no restart)"))
                .unwrap_or_default()
        ));
    }
    for u in &plan.unreachable {
        ctx.printer.warn(format!(
            "{}: unreachable, left as it is ({})",
            u.host, u.message
        ));
    }
    if !ctx.global.yes {
        if !std::io::stdin().is_terminal() {
            return Err(Error::usage("refusing to roll back without confirmation")
                .with_hint("pass --yes to confirm non-interactively")
                .into());
        }
        ctx.printer
            .info(format!("Roll back {} host(s)? [y/N]", plan.moves.len()));
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line)?;
        if !matches!(line.trim(), "y" | "Y" | "yes") {
            ctx.printer.info("nothing changed");
            return Ok(ExitCode::Failure);
        }
    }
    let results = d
        .rollback(&plan, args.reason.as_deref())
        .map_err(|e| deploy_error(e, &args.env))?;
    let mut failed = 0;
    for r in &results {
        ctx.printer
            .event("host", serde_json::to_value(r).unwrap_or_default());
        if r.ok {
            ctx.printer.status(&r.host, &r.message);
        } else {
            failed += 1;
            ctx.printer.warn(format!("{}: {}", r.host, r.message));
        }
    }
    if failed > 0 {
        return Err(Error::failure(format!(
            "rollback failed on {failed} of {} host(s)",
            results.len()
        ))
        .with_hint(format!(
            "see `tug status {}` and `tug history {}`",
            args.env, args.env
        ))
        .into());
    }
    ctx.printer
        .status("Rolled back", format!("{} host(s)", results.len()));
    if !plan.unreachable.is_empty() {
        ctx.printer.warn(format!(
            "not rolled back (unreachable): {}; run the rollback again once they answer",
            plan.unreachable
                .iter()
                .map(|u| u.host.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    Ok(ExitCode::Success)
}
