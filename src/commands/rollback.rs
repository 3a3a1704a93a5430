//! `tug rollback ENV`: show the plan (which host goes from which release to which), confirm unless
//! `--yes`, then switch every host back in parallel through the engine's fast path.

use std::io::{BufRead, IsTerminal};

use super::rollout::{
    deploy_error, finish_notifications, load_env_and_hooks, notifier, notifying_deployer,
};
use super::Context;
use crate::cli::rollback::RollbackArgs;
use crate::deploy::Deployer;
use crate::error::{Error, ExitCode};

pub fn run(ctx: &Context, args: RollbackArgs) -> anyhow::Result<ExitCode> {
    let (env, hooks) = load_env_and_hooks(ctx, &args.env)?;
    let base = env.base_dir().to_path_buf();
    // A rollback is never held up by a webhook that cannot be resolved (a warning instead).
    let notifier = notifier(ctx, &hooks, &base, true)?;
    let d = notifying_deployer(ctx, env, &notifier);
    let result = run_with(ctx, &args, &d);
    finish_notifications(ctx, &notifier);
    result
}

fn run_with(ctx: &Context, args: &RollbackArgs, d: &Deployer) -> anyhow::Result<ExitCode> {
    let plan = d
        // Under --yes nothing waits between the plan and the switch: the plan is made under the
        // lock, taken in the same round trip as each host's state read.
        .plan_rollback(args.to.as_deref(), args.skip_unreachable, ctx.global.yes)
        .map_err(|e| deploy_error(e, &args.env))?;
    ctx.printer
        .event("plan", serde_json::to_value(&plan).unwrap_or_default());
    ctx.printer.info(format!(
        "rollback plan for {}: to {} ({})",
        args.env, plan.target, plan.why
    ));
    for m in &plan.moves {
        let moves = m.moves();
        ctx.printer.info(format!(
            "  {}: {}{}",
            m.host,
            if moves {
                format!("{} -> {}", m.from.as_deref().unwrap_or("no release"), m.to)
            } else {
                format!("already on {}", m.to)
            },
            m.slot
                .as_ref()
                .filter(|_| moves)
                .map(|s| format!(" (standby slot {s}: a switch, no restart)"))
                .unwrap_or_default()
        ));
    }
    if let Some(t) = &plan.traffic {
        ctx.printer.info(format!("  traffic first: {t}"));
    }
    for u in &plan.unreachable {
        ctx.printer.warn(format!(
            "{}: unreachable, left as it is ({})",
            u.host, u.message
        ));
    }
    for e in &plan.interrupted {
        ctx.printer.warn(format!(
            "{}: an interrupted {} ({} -> {}, {}) left no outcome; this rollback records it",
            e.host,
            e.action,
            e.from.as_deref().unwrap_or("no release"),
            e.to.as_deref().unwrap_or("no release"),
            e.id.as_deref().unwrap_or("?")
        ));
    }
    let moving = plan.moves.iter().filter(|m| m.moves()).count();
    if !ctx.global.yes {
        if !std::io::stdin().is_terminal() {
            return Err(Error::usage("refusing to roll back without confirmation")
                .with_hint("pass --yes to confirm non-interactively")
                .into());
        }
        ctx.printer
            .info(format!("Roll back {moving} host(s)? [y/N]"));
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line)?;
        if !matches!(line.trim(), "y" | "Y" | "yes") {
            ctx.printer.info("nothing changed");
            return Ok(ExitCode::Failure);
        }
    }
    let report = d
        .rollback(&plan, args.reason.as_deref())
        .map_err(|e| deploy_error(e, &args.env))?;
    for r in &report.moved {
        ctx.printer
            .event("host", serde_json::to_value(r).unwrap_or_default());
        ctx.printer.status(&r.host, &r.message);
    }
    ctx.printer.event(
        "rollback",
        serde_json::to_value(&report).unwrap_or_default(),
    );
    let mut summary = format!("{} host(s) to {}", report.moved.len(), report.target);
    if !report.already.is_empty() {
        summary += &format!(", {} already on {}", report.already.len(), report.target);
    }
    ctx.printer.status("Rolled back", summary);
    if !report.left_out.is_empty() {
        ctx.printer.warn(format!(
            "not rolled back (unreachable): {}; once they answer, `tug rollback {}` moves them to {} too",
            report.left_out.join(", "),
            args.env,
            report.target
        ));
    }
    Ok(ExitCode::Success)
}
