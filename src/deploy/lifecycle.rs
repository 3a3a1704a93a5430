//! Rollout events: the typed milestones of a rollout (started, a step passed, paused, resumed, an
//! analysis failed, rolled back, left mixed, finished) that the engine reports as
//! [`Event::Rollout`] beside its free-text progress, so a listener (the `notify:` webhooks,
//! `--json`) never parses status lines. Most are derived in one place from how an operation ended
//! ([`Deployer::report_end`]: a [`RolloutOutcome`] or the mixed-fleet error); only those in the
//! middle of a rollout (started, step passed, resumed, analysis failed) are reported where they
//! happen.

use std::collections::BTreeMap;

use serde::Serialize;

pub use crate::config::notify::RolloutEventKind;

use super::engine::{now, Deployer, RollbackPlan, RollbackReport, RolloutOutcome};
use super::hoststate::{PlanStep, RolloutState};
use super::{DeployError, Event};

/// Who or what made the hosts go back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Trigger {
    /// A health check, hook, restart or analysis failed during the rollout.
    Automatic,
    /// `tug rollout abort`.
    Abort,
    /// `tug rollback`.
    Rollback,
}

/// The step a rollout event is about (1-based, as `tug rollout` prints it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StepRef {
    pub number: usize,
    pub total: usize,
    pub step: PlanStep,
}

/// One milestone of a rollout, with the facts a notification needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RolloutEvent {
    #[serde(rename = "type")]
    pub kind: RolloutEventKind,
    pub environment: String,
    /// The release the rollout is about (the one rolled out, or the one a rollback leaves).
    pub version: String,
    /// What most hosts ran before the rollout (`None`: nothing, or not known).
    pub from_version: Option<String>,
    /// rolled-back: the release the hosts went back to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub to_version: Option<String>,
    /// The hosts the event concerns (switched in the step, reverted, left mixed...).
    pub hosts: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub step: Option<StepRef>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// rolled-back and mixed: what made the hosts go back.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trigger: Option<Trigger>,
    /// `user@machine` of the tug that reports it.
    pub actor: String,
    /// The rollout's operation id, as in host history; for `tug rollback`, the id of the rollout
    /// that brought the release being left, when host history has it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rollout_id: Option<String>,
    /// RFC 3339, UTC, milliseconds.
    pub timestamp: String,
}

impl RolloutEvent {
    pub fn hosts(mut self, hosts: &[String]) -> Self {
        self.hosts = hosts.to_vec();
        self
    }

    pub fn reason(mut self, reason: impl Into<String>) -> Self {
        self.reason = Some(reason.into());
        self
    }

    /// At step `n` (0-based) of `st`; the hosts are the step's own when it names any.
    pub fn at_step(mut self, st: &RolloutState, n: usize) -> Self {
        let Some(step) = st.steps.get(n) else {
            return self;
        };
        if let PlanStep::Deploy(h) | PlanStep::Prepare(h) | PlanStep::Switch(h) = step {
            self.hosts = h.clone();
        }
        self.step = Some(StepRef {
            number: n + 1,
            total: st.steps.len(),
            step: step.clone(),
        });
        self
    }
}

/// The release most hosts ran before rollout `st` (ties: the newest by name order, stable).
fn fleet_from(from: &BTreeMap<String, Option<String>>) -> Option<String> {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for v in from.values().flatten() {
        *counts.entry(v.as_str()).or_default() += 1;
    }
    counts
        .into_iter()
        .max_by_key(|(_, n)| *n)
        .map(|(v, _)| v.to_string())
}

impl Deployer<'_> {
    /// An event of `kind` about rollout `st` (no hosts, step or reason yet).
    pub(super) fn rollout_event(&self, kind: RolloutEventKind, st: &RolloutState) -> RolloutEvent {
        RolloutEvent {
            kind,
            environment: self.env.name.clone(),
            version: st.version.clone(),
            from_version: fleet_from(&st.from),
            to_version: None,
            hosts: Vec::new(),
            step: None,
            reason: None,
            trigger: None,
            actor: self.actor.id(),
            rollout_id: Some(st.id.clone()),
            timestamp: now(),
        }
    }

    /// Report a rollout event.
    pub(super) fn emit(&self, event: RolloutEvent) {
        (self.progress)(Event::Rollout(Box::new(event)));
    }

    /// Report how running the steps of `st` (or aborting it: `trigger`) ended: finished, paused,
    /// rolled back, or mixed. Other errors stop the command without a rollout event.
    pub(super) fn report_end(
        &self,
        st: &RolloutState,
        result: &Result<RolloutOutcome, DeployError>,
        trigger: Trigger,
    ) {
        let ev = match result {
            Ok(RolloutOutcome::Completed { hosts, .. }) => self
                .rollout_event(RolloutEventKind::Finished, st)
                .hosts(hosts),
            Ok(RolloutOutcome::NothingToDo { .. }) => return,
            Ok(RolloutOutcome::Paused { reason, .. }) => self
                .rollout_event(RolloutEventKind::Paused, st)
                .at_step(st, st.next_step)
                .hosts(&st.switched)
                .reason(reason),
            Ok(RolloutOutcome::RolledBack {
                reason, reverted, ..
            }) => {
                let mut ev = self
                    .rollout_event(RolloutEventKind::RolledBack, st)
                    .hosts(reverted)
                    .reason(reason);
                ev.to_version = ev.from_version.clone();
                ev.trigger = Some(trigger);
                ev
            }
            Ok(RolloutOutcome::Aborted { reverted, .. }) => {
                let mut ev = self
                    .rollout_event(RolloutEventKind::RolledBack, st)
                    .hosts(reverted)
                    .reason(format!("rollout aborted by {}", self.actor.id()));
                ev.to_version = ev.from_version.clone();
                ev.trigger = Some(Trigger::Abort);
                ev
            }
            Err(DeployError::NotReverted { what, hosts }) => {
                let names: Vec<String> = hosts.iter().map(|h| h.host.clone()).collect();
                let mut ev = self
                    .rollout_event(RolloutEventKind::Mixed, st)
                    .hosts(&names)
                    .reason(what.clone());
                ev.trigger = Some(trigger);
                ev
            }
            Err(_) => return,
        };
        self.emit(ev);
    }

    /// Report how the `tug rollback` of `plan` ended: rolled back, or mixed.
    pub(super) fn report_rollback(
        &self,
        plan: &RollbackPlan,
        reason: Option<&str>,
        result: &Result<RollbackReport, DeployError>,
    ) {
        let (kind, hosts, why) = match result {
            Ok(r) => (
                RolloutEventKind::RolledBack,
                r.moved.iter().map(|m| m.host.clone()).collect(),
                reason.map(str::to_string),
            ),
            Err(DeployError::NotReverted { what, hosts }) => (
                RolloutEventKind::Mixed,
                hosts.iter().map(|h| h.host.clone()).collect(),
                Some(match reason {
                    Some(r) => format!("{what} ({r})"),
                    None => what.clone(),
                }),
            ),
            Err(_) => return,
        };
        let (target, leaving) = (plan.target.as_str(), plan.leaving.as_deref());
        self.emit(RolloutEvent {
            kind,
            environment: self.env.name.clone(),
            version: leaving.unwrap_or(target).to_string(),
            from_version: leaving.map(str::to_string),
            to_version: Some(target.to_string()),
            hosts,
            step: None,
            reason: why,
            trigger: Some(Trigger::Rollback),
            actor: self.actor.id(),
            rollout_id: plan.undoes.clone(),
            timestamp: now(),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fleet_version_is_what_most_hosts_ran() {
        let from: BTreeMap<String, Option<String>> = [
            ("h1".to_string(), Some("1.0.0".to_string())),
            ("h2".to_string(), Some("1.1.0".to_string())),
            ("h3".to_string(), Some("1.1.0".to_string())),
            ("h4".to_string(), None),
        ]
        .into();
        assert_eq!(fleet_from(&from).as_deref(), Some("1.1.0"));
        assert_eq!(fleet_from(&BTreeMap::new()), None);
    }
}
