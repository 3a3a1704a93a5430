//! `tug history ENV`: who did what, when, from which release to which, how it ended and why,
//! merged from every host's `.tug/history.jsonl`.

use super::rollout::{deploy_error, load_env, progress};
use super::Context;
use crate::cli::history::HistoryArgs;
use crate::deploy::{Actor, Deployer};
use crate::error::ExitCode;

pub fn run(ctx: &Context, args: HistoryArgs) -> anyhow::Result<ExitCode> {
    let env = load_env(ctx, &args.env)?;
    let progress = progress(&ctx.printer);
    let d = Deployer {
        env: &env,
        actor: Actor::current(),
        progress: &progress,
    };
    let all = d.history().map_err(|e| deploy_error(e, &args.env))?;
    let skip = all.len().saturating_sub(args.limit);
    for m in &all[skip..] {
        ctx.printer
            .event("history", serde_json::to_value(m).unwrap_or_default());
        let e = &m.entry;
        let change = match (&e.from, &e.to) {
            (None, None) => String::new(),
            (f, t) => format!(
                " {} -> {}",
                f.as_deref().unwrap_or("nothing"),
                t.as_deref().unwrap_or("nothing")
            ),
        };
        ctx.printer.data(format!(
            "{}  {}  {} {}{change} on {}{}{}",
            e.time,
            e.actor,
            e.action,
            e.outcome,
            m.hosts.join(","),
            e.reason
                .as_ref()
                .map(|r| format!(": {r}"))
                .unwrap_or_default(),
            if e.insecure_skip_verify {
                " [signature not verified]"
            } else {
                ""
            }
        ));
    }
    Ok(ExitCode::Success)
}
