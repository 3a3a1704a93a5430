//! `tug history ENV`: who did what, when, from which release to which, how it ended and why,
//! merged from every host's `.tug/history.jsonl`.

use super::rollout::{deploy_error, deployer};
use super::Context;
use crate::cli::history::HistoryArgs;
use crate::deploy::hoststate::Action;
use crate::error::ExitCode;

pub fn run(ctx: &Context, args: HistoryArgs) -> anyhow::Result<ExitCode> {
    let d = deployer(ctx, &args.env)?;
    let all = d.history().map_err(|e| deploy_error(e, &args.env))?;
    let skip = all.len().saturating_sub(args.limit);
    for m in &all[skip..] {
        ctx.printer
            .event("history", serde_json::to_value(m).unwrap_or_default());
        let e = &m.entry;
        let change = match (&e.from, &e.to) {
            (None, None) => String::new(),
            (None, Some(t)) if e.action == Action::Rollout => format!(" {t} (first release)"),
            (None, Some(t)) => format!(" {t}"),
            (f, t) => format!(
                " {} -> {}",
                f.as_deref().unwrap_or("no release"),
                t.as_deref().unwrap_or("no release")
            ),
        };
        let step = e.step.map(|s| format!(" [step {s}]")).unwrap_or_default();
        ctx.printer.data(format!(
            "{}  {}  {} {}{change} on {}{step}{}{}",
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
