//! The bodies a webhook receives for one rollout event: tug's JSON event (a stable schema,
//! `tug.rollout-event/v1`, every key always present) and a Slack incoming-webhook message
//! (`text` for notifications and clients without blocks, `blocks` for the layout). Pure: the
//! same event gives the same bytes.

use serde_json::{json, Value};

use crate::config::notify::{RolloutEventKind, WebhookFormat};
use crate::deploy::hoststate::PlanStep;
use crate::deploy::{RolloutEvent, StepRef, Trigger};

/// The `schema` of the JSON payload; a change a receiver would misread needs a new one.
pub const SCHEMA: &str = "tug.rollout-event/v1";

/// The body for `format`.
pub fn body(format: WebhookFormat, ev: &RolloutEvent) -> Value {
    match format {
        WebhookFormat::Json => json_event(ev),
        WebhookFormat::Slack => slack(ev),
    }
}

/// A step's kind as the JSON payload names it.
fn step_kind(step: &PlanStep) -> &'static str {
    match step {
        PlanStep::Deploy(_) => "deploy",
        PlanStep::Pause(_) => "pause",
        PlanStep::Analysis(_) => "analysis",
        PlanStep::Prepare(_) => "prepare",
        PlanStep::Switch(_) => "switch",
        PlanStep::Traffic(_) => "traffic",
    }
}

/// `switch h1, h2`, `analysis errors`, `pause 30s`...
pub fn describe_step(step: &PlanStep) -> String {
    match step {
        PlanStep::Deploy(h) => format!("switch {}", h.join(", ")),
        PlanStep::Pause(p) if p == "manual" => "manual pause".into(),
        PlanStep::Pause(p) => format!("pause {p}"),
        PlanStep::Analysis(a) => format!("analysis {a}"),
        PlanStep::Prepare(h) => format!("prepare the idle slot on {}", h.join(", ")),
        PlanStep::Switch(h) => format!("switch {} to the prepared slot", h.join(", ")),
        PlanStep::Traffic(share) => format!("send {share}% of the traffic to the new release"),
    }
}

fn step_json(s: &StepRef) -> Value {
    json!({
        "number": s.number,
        "total": s.total,
        "kind": step_kind(&s.step),
        "description": describe_step(&s.step),
    })
}

fn trigger_name(t: Trigger) -> &'static str {
    match t {
        Trigger::Automatic => "automatic",
        Trigger::Abort => "abort",
        Trigger::Rollback => "rollback",
    }
}

/// tug's JSON event: every key present (`null` when it does not apply).
pub fn json_event(ev: &RolloutEvent) -> Value {
    json!({
        "schema": SCHEMA,
        "event": ev.kind.as_str(),
        "environment": ev.environment,
        "version": ev.version,
        "from_version": ev.from_version,
        "to_version": ev.to_version,
        "hosts": ev.hosts,
        "step": ev.step.as_ref().map(step_json),
        "reason": ev.reason,
        "trigger": ev.trigger.map(trigger_name),
        "actor": ev.actor,
        "rollout_id": ev.rollout_id,
        "timestamp": ev.timestamp,
    })
}

/// Slack's mrkdwn needs `&`, `<` and `>` escaped (they start links and mentions).
fn esc(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// The one-line summary (`text`), without markup.
pub fn summary(ev: &RolloutEvent) -> String {
    let env = &ev.environment;
    let v = &ev.version;
    let on = |hosts: &[String]| {
        if hosts.is_empty() {
            String::new()
        } else {
            format!(" on {}", hosts.join(", "))
        }
    };
    let step = ev
        .step
        .as_ref()
        .map(|s| format!("step {}/{} ({})", s.number, s.total, describe_step(&s.step)))
        .unwrap_or_else(|| "a step".into());
    match ev.kind {
        RolloutEventKind::Started => format!(
            "{env}: rollout of {v} started{}{}",
            ev.from_version
                .as_deref()
                .map(|f| format!(" (from {f})"))
                .unwrap_or_default(),
            on(&ev.hosts)
        ),
        RolloutEventKind::StepPassed => format!("{env}: rollout of {v}: {step} passed"),
        RolloutEventKind::Paused => {
            format!("{env}: rollout of {v} paused at {step}, waiting for a human")
        }
        RolloutEventKind::Resumed => format!(
            "{env}: rollout of {v} {}",
            ev.reason.as_deref().unwrap_or("resumed")
        ),
        RolloutEventKind::AnalysisFailed => {
            format!("{env}: rollout of {v}: {step} failed{}", on(&ev.hosts))
        }
        RolloutEventKind::RolledBack => {
            let to = ev.to_version.as_deref().unwrap_or("no release");
            match ev.trigger {
                Some(Trigger::Rollback) => {
                    format!("{env}: rolled back from {v} to {to}{}", on(&ev.hosts))
                }
                Some(Trigger::Abort) => format!(
                    "{env}: rollout of {v} aborted, back to {to}{}",
                    on(&ev.hosts)
                ),
                _ => format!(
                    "{env}: rollout of {v} failed and was rolled back to {to}{}",
                    on(&ev.hosts)
                ),
            }
        }
        RolloutEventKind::Mixed => format!(
            "{env}: the fleet is mixed: {v} could not be fully reverted{}",
            on(&ev.hosts)
        ),
        RolloutEventKind::Finished => format!("{env}: {v} rolled out{}", on(&ev.hosts)),
    }
}

fn emoji(kind: RolloutEventKind) -> &'static str {
    match kind {
        RolloutEventKind::Started => ":rocket:",
        RolloutEventKind::StepPassed => ":white_check_mark:",
        RolloutEventKind::Paused => ":double_vertical_bar:",
        RolloutEventKind::Resumed => ":arrow_forward:",
        RolloutEventKind::AnalysisFailed => ":x:",
        RolloutEventKind::RolledBack => ":rewind:",
        RolloutEventKind::Mixed => ":warning:",
        RolloutEventKind::Finished => ":tada:",
    }
}

/// A Slack incoming-webhook message: `text` (the summary) and `blocks` (summary, reason, context).
pub fn slack(ev: &RolloutEvent) -> Value {
    let text = summary(ev);
    let mut blocks = vec![json!({
        "type": "section",
        "text": {"type": "mrkdwn", "text": format!("{} {}", emoji(ev.kind), esc(&text))},
    })];
    if let Some(reason) = &ev.reason {
        blocks.push(json!({
            "type": "section",
            "text": {"type": "mrkdwn", "text": format!("*Reason:* {}", esc(reason))},
        }));
    }
    let mut context = vec![format!("by {}", esc(&ev.actor)), esc(&ev.timestamp)];
    if let Some(id) = &ev.rollout_id {
        context.push(format!("rollout {}", esc(id)));
    }
    blocks.push(json!({
        "type": "context",
        "elements": [{"type": "mrkdwn", "text": context.join(" · ")}],
    }));
    json!({"text": text, "blocks": blocks})
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(kind: RolloutEventKind) -> RolloutEvent {
        RolloutEvent {
            kind,
            environment: "prod".into(),
            version: "2.0.0".into(),
            from_version: Some("1.0.0".into()),
            to_version: None,
            hosts: vec!["h1".into()],
            step: Some(StepRef {
                number: 2,
                total: 3,
                step: PlanStep::Analysis("errors".into()),
            }),
            reason: Some("error_rate > 0.15 <here>".into()),
            trigger: None,
            actor: "ana@laptop".into(),
            rollout_id: Some("20260101T000000Z-7".into()),
            timestamp: "2026-01-01T00:00:00.000Z".into(),
        }
    }

    #[test]
    fn the_json_event_has_every_key() {
        let v = json_event(&event(RolloutEventKind::AnalysisFailed));
        assert_eq!(
            v,
            json!({
                "schema": "tug.rollout-event/v1",
                "event": "analysis-failed",
                "environment": "prod",
                "version": "2.0.0",
                "from_version": "1.0.0",
                "to_version": null,
                "hosts": ["h1"],
                "step": {"number": 2, "total": 3, "kind": "analysis", "description": "analysis errors"},
                "reason": "error_rate > 0.15 <here>",
                "trigger": null,
                "actor": "ana@laptop",
                "rollout_id": "20260101T000000Z-7",
                "timestamp": "2026-01-01T00:00:00.000Z",
            })
        );
    }

    #[test]
    fn a_resumed_rollout_says_who_continued_it() {
        let mut ev = event(RolloutEventKind::Resumed);
        ev.reason = Some("promoted by ana@laptop (manual pause at step 2/3)".into());
        assert_eq!(
            summary(&ev),
            "prod: rollout of 2.0.0 promoted by ana@laptop (manual pause at step 2/3)"
        );
        assert_eq!(json_event(&ev)["event"], "resumed");
        assert!(slack(&ev)["blocks"][0]["text"]["text"]
            .as_str()
            .unwrap()
            .starts_with(":arrow_forward: "));
    }

    #[test]
    fn slack_messages_have_text_and_escaped_blocks() {
        let mut ev = event(RolloutEventKind::RolledBack);
        ev.to_version = Some("1.0.0".into());
        ev.trigger = Some(Trigger::Automatic);
        let v = slack(&ev);
        assert_eq!(
            v["text"],
            "prod: rollout of 2.0.0 failed and was rolled back to 1.0.0 on h1"
        );
        assert_eq!(v["blocks"][0]["type"], "section");
        assert_eq!(
            v["blocks"][1]["text"]["text"],
            "*Reason:* error_rate &gt; 0.15 &lt;here&gt;"
        );
        assert_eq!(v["blocks"][2]["type"], "context");
    }
}
