//! `tug status ENV`: per host the current release, health, lock and divergence from the fleet,
//! plus any unfinished rollout; `--provenance` adds the commit and tag each host's release was
//! built from (its `release.json`); `--wait` polls until the environment has converged.

use super::rollout::deployer;
use super::Context;
use crate::cli::status::StatusArgs;
use crate::config::types::Duration;
use crate::deploy::engine::{Health, Integrity, StatusReport};
use crate::error::{Error, ExitCode};

/// `--provenance`: the commit and tag of the release a host runs, from its `release.json`.
fn source_columns(h: &crate::deploy::engine::HostStatus) -> String {
    match (&h.source, &h.current) {
        (Some(s), _) => format!(
            "{:<42} {:<14} ",
            s.commit,
            s.tag.as_deref().unwrap_or("(snapshot)")
        ),
        (None, Some(_)) => format!("{:<42} {:<14} ", "(not recorded)", "-"),
        (None, None) => format!("{:<42} {:<14} ", "-", "-"),
    }
}

fn print(ctx: &Context, env: &str, r: &StatusReport, provenance: bool) {
    let p = &ctx.printer;
    p.event("status", serde_json::to_value(r).unwrap_or_default());
    p.data(format!(
        "{:<16} {:<14} {}{:<10} {}",
        "HOST",
        "VERSION",
        if provenance {
            format!("{:<42} {:<14} ", "COMMIT", "TAG")
        } else {
            String::new()
        },
        "HEALTH",
        "NOTES"
    ));
    for h in &r.hosts {
        let mut notes = Vec::new();
        if let Some(e) = &h.error {
            notes.push(format!("unreachable: {e}"));
        }
        match &h.integrity {
            Some(Integrity::Modified(e)) => notes.push(format!("MODIFIED: {e}")),
            Some(Integrity::Unrecorded) => notes
                .push("files not verified (no digests recorded: uploaded by an older tug)".into()),
            Some(Integrity::Intact) | None => {}
        }
        if let Some(f) = &h.failed {
            notes.push(format!("MIXED: {f}"));
        }
        if let Some(r) = &h.self_reverted {
            notes.push(r.clone());
        }
        if let Some(u) = &h.unconfirmed {
            notes.push(u.clone());
        }
        for e in &h.interrupted {
            notes.push(format!(
                "interrupted {} {} -> {} ({}, by {}): its outcome was never recorded",
                e.action,
                e.from.as_deref().unwrap_or("no release"),
                e.to.as_deref().unwrap_or("no release"),
                e.id.as_deref().unwrap_or("?"),
                e.actor
            ));
        }
        if let Some(l) = &h.lock {
            notes.push(format!("locked by {}", l.describe()));
        }
        if h.diverges && h.reachable {
            notes.push(format!(
                "diverges from the fleet ({})",
                r.fleet_version.as_deref().unwrap_or("none")
            ));
        }
        if let Some(b) = &h.bad_current {
            notes.push(format!("current release marked bad: {b}"));
        }
        if let Some(slot) = &h.live_slot {
            notes.push(format!(
                "live slot {slot}{}",
                h.standby
                    .as_ref()
                    .map(|sb| format!(", standby {sb}"))
                    .unwrap_or_default()
            ));
        }
        let health = match &h.health {
            None => "-".to_string(),
            Some(Health::Healthy) => "healthy".to_string(),
            Some(Health::Unhealthy(e)) => {
                notes.push(e.clone());
                "unhealthy".to_string()
            }
        };
        p.data(format!(
            "{:<16} {:<14} {}{:<10} {}",
            h.host,
            match (&h.current, h.reachable) {
                (Some(c), _) => c.as_str(),
                (None, true) => "-",
                (None, false) => "?",
            },
            if provenance {
                source_columns(h)
            } else {
                String::new()
            },
            health,
            notes.join("; ")
        ));
    }
    for (v, b) in &r.bad {
        p.data(format!(
            "bad: {v} (marked on {} by {} at {}): {}",
            b.host, b.mark.actor, b.mark.time, b.mark.reason
        ));
    }
    if let Some(pr) = &r.pending_rollback {
        p.data(format!(
            "rollback {} to {} left out {}: `tug rollback {env}` moves them to {}",
            pr.id,
            pr.target,
            pr.left_out.join(", "),
            pr.target
        ));
    }
    if let Some(t) = &r.traffic {
        print_traffic(p, t, r.rollout.as_ref());
    }
    if let Some(st) = &r.rollout {
        let state = if r.rollout_interrupted
            && st.status == crate::deploy::hoststate::RolloutStatus::Running
        {
            "interrupted (its process is gone)".to_string()
        } else {
            format!("{:?}", st.status).to_lowercase()
        };
        p.data(format!(
            "rollout {} of {}: {state}, step {}/{}, switched: {}{}",
            st.id,
            st.version,
            (st.next_step + 1).min(st.steps.len()),
            st.steps.len(),
            if st.switched.is_empty() {
                "none".into()
            } else {
                st.switched.join(", ")
            },
            st.paused_reason
                .as_ref()
                .map(|r| format!(" ({r})"))
                .unwrap_or_default()
        ));
        if r.rollout_interrupted || st.status == crate::deploy::hoststate::RolloutStatus::Paused {
            p.info(format!(
                "hint: continue with `tug rollout resume {env}` (or `promote`), or roll back with `tug rollout abort {env}`"
            ));
        }
    }
}

/// The router's view: each server's weight and state, and what the rollout last set.
fn print_traffic(
    p: &crate::ui::Printer,
    t: &crate::deploy::traffic::TrafficStatus,
    rollout: Option<&crate::deploy::hoststate::RolloutState>,
) {
    let recorded = rollout.and_then(|st| st.traffic.as_ref());
    match (&t.view, &t.error) {
        (Some(v), _) => {
            p.data(format!("router {}:", t.router));
            for s in &v.servers {
                let who = match (&s.host, &s.slot) {
                    (Some(h), Some(slot)) => format!(" ({h}, slot {slot})"),
                    (Some(h), None) => format!(" ({h})"),
                    _ => String::new(),
                };
                p.data(format!(
                    "  {}{who}: weight {} (configured {}), {}",
                    s.server,
                    s.weight,
                    s.initial,
                    serde_json::to_value(s.state)
                        .ok()
                        .and_then(|x| x.as_str().map(str::to_string))
                        .unwrap_or_default()
                ));
            }
            if let Some(h) = v.header {
                p.data(format!(
                    "  header route to the new release: {}",
                    if h { "on" } else { "off" }
                ));
            }
        }
        (None, Some(e)) => p.data(format!("router {}: cannot read it: {e}", t.router)),
        (None, None) => p.data(format!(
            "router {}: cannot be asked (a command router); last set by the rollout: {}",
            t.router,
            recorded
                .map(|r| crate::deploy::traffic::describe(&r.weights))
                .unwrap_or_else(|| "nothing".into())
        )),
    }
    if let Some(r) = recorded {
        if let Some(share) = r.share {
            p.data(format!("  rollout share: {share}% to the new release"));
        }
    }
}

pub fn run(ctx: &Context, args: StatusArgs) -> anyhow::Result<ExitCode> {
    let d = deployer(ctx, &args.env)?;
    if !args.wait {
        let r = d.status(args.verify);
        print(ctx, &args.env, &r, args.provenance);
        let modified: Vec<&str> = r
            .hosts
            .iter()
            .filter(|h| matches!(h.integrity, Some(Integrity::Modified(_))))
            .map(|h| h.host.as_str())
            .collect();
        if !modified.is_empty() {
            return Err(Error::failure(format!(
                "the current release was modified on {}",
                modified.join(", ")
            ))
            .with_hint(format!(
                "roll back to another release (`tug rollback {}`); a later rollout of this one uploads it again",
                args.env
            ))
            .into());
        }
        return Ok(if r.hosts.iter().all(|h| h.reachable) {
            ExitCode::Success
        } else {
            ExitCode::Failure
        });
    }
    let timeout = args
        .timeout
        .parse::<Duration>()
        .map_err(|e| Error::usage(format!("--timeout: {e}")).with_hint("e.g. --timeout 30s or 5m"))?
        .get();
    let deadline = std::time::Instant::now() + timeout;
    loop {
        let r = d.status(args.verify);
        if r.converged() {
            print(ctx, &args.env, &r, args.provenance);
            return Ok(ExitCode::Success);
        }
        if std::time::Instant::now() >= deadline {
            print(ctx, &args.env, &r, args.provenance);
            return Err(Error::failure(format!(
                "{} did not converge within {}",
                args.env, args.timeout
            ))
            .into());
        }
        std::thread::sleep(std::time::Duration::from_millis(500));
    }
}
