//! The stored rollout (`.tug/rollout.json`): finding it, saving it, and continuing it from any
//! machine (promote, resume, abort, pause).

use serde_json::json;

use super::engine::{now, Blame, Continuation, Deployer, RolloutOutcome};
use super::hoststate::{Action, HostState, Outcome, PlanStep, RolloutState, RolloutStatus};
use super::lifecycle::{RolloutEventKind, Trigger};
use super::ops::Op;
use super::DeployError;

impl Deployer<'_> {
    /// The newest stored rollout on any host, and whether its process is gone.
    pub(super) fn stored_rollout(&self, states: &[HostState]) -> Option<(RolloutState, bool)> {
        let st = states
            .iter()
            .filter_map(|s| s.rollout.clone())
            .max_by_key(|r| r.seq)?;
        let lock = states
            .iter()
            .filter_map(|s| s.lock.clone())
            .find(|l| l.id == st.id);
        let interrupted = match lock {
            None => true,
            Some(l) => l.is_stale(&self.actor.machine),
        };
        Some((st, interrupted))
    }

    pub(super) fn save_state(&self, st: &mut RolloutState) {
        st.seq += 1;
        st.updated_at = now();
        let op = [Op::WriteFile {
            path: ".tug/rollout.json".into(),
            contents: serde_json::to_string(st).expect("the rollout state serializes"),
        }];
        self.run_all_or_warn(&op, "record the rollout state");
    }

    /// Promote, resume or abort the rollout stored on the hosts (from any machine). `reason` (why
    /// it is aborted) goes into history; an abort never marks the release bad: a person decided,
    /// the release was not proven faulty.
    pub fn continue_rollout(
        &self,
        how: Continuation,
        reason: Option<&str>,
    ) -> Result<RolloutOutcome, DeployError> {
        let states = self.read_states()?;
        let Some((mut st, interrupted)) = self.stored_rollout(&states) else {
            return Err(DeployError::NoRollout(self.env.name.clone()));
        };
        for (i, s) in states.iter().enumerate() {
            if let Some(l) = &s.lock {
                let ours = l.id == st.id && (st.status == RolloutStatus::Paused || interrupted);
                if !(ours || l.id == st.id && l.is_stale(&self.actor.machine)) {
                    return Err(DeployError::LockHeld {
                        host: self.host(i).name().into(),
                        holder: Box::new(l.clone()),
                        stale: l.is_stale(&self.actor.machine),
                    });
                }
            }
        }
        let action = match how {
            Continuation::Promote => Action::Promote,
            Continuation::Resume => Action::Resume,
            Continuation::Abort => Action::Abort,
        };
        self.take_over_lock(&st.id, &format!("rollout {} ({action})", st.version))?;
        let mut e = self.history_entry(0, action, Outcome::Started);
        e.to = Some(st.version.clone());
        e.id = Some(st.id.clone());
        let why = if interrupted && st.status == RolloutStatus::Running {
            format!(
                "continuing the interrupted rollout started by {}",
                st.started_by
            )
        } else {
            st.paused_reason.clone().unwrap_or_default()
        };
        let verb = match how {
            Continuation::Promote => "promoted",
            _ => "resumed",
        };
        let resumed = if why.is_empty() {
            format!("{verb} by {}", self.actor.id())
        } else {
            format!("{verb} by {} ({why})", self.actor.id())
        };
        e.reason = Some(match reason {
            Some(r) if why.is_empty() => r.to_string(),
            Some(r) => format!("{r} ({why})"),
            None => why,
        });
        self.append_history_all(&e);
        if how == Continuation::Abort {
            let hosts: Vec<String> = states
                .iter()
                .enumerate()
                .filter(|(i, s)| {
                    let name = self.host(*i).name().to_string();
                    let from = st.from.get(&name).cloned().flatten();
                    s.current != from || st.in_flight.contains(&name)
                })
                .map(|(i, _)| self.host(i).name().to_string())
                .collect();
            let reason = match reason {
                Some(r) => format!("rollout aborted by {}: {r}", self.actor.id()),
                None => format!("rollout aborted by {}", self.actor.id()),
            };
            let result = self
                .fail(&mut st, &hosts, &reason, Blame::NotTheRelease)
                .map(|outcome| match outcome {
                    RolloutOutcome::RolledBack {
                        version, reverted, ..
                    } => RolloutOutcome::Aborted { version, reverted },
                    other => other,
                });
            self.report_end(&st, &result, Trigger::Abort);
            return result;
        }
        // Promote skips the pause or inconclusive analysis the rollout stopped at; resume re-runs
        // an analysis and continues an interrupted step where it was.
        let paused = st.status == RolloutStatus::Paused;
        let skip = match st.steps.get(st.next_step) {
            Some(PlanStep::Pause(_)) => paused || how == Continuation::Promote,
            Some(PlanStep::Analysis(_)) => paused && how == Continuation::Promote,
            _ => false,
        };
        if skip {
            st.next_step += 1;
        }
        // Hosts that went back on their own while nobody confirmed them are switched again.
        self.reconcile_self_reverts(&states, &mut st);
        st.status = RolloutStatus::Running;
        st.paused_reason = None;
        // With a router: start from what it says now (a killed tug may have changed it last).
        self.traffic_refresh(&mut st);
        self.save_state(&mut st);
        self.emit(
            self.rollout_event(RolloutEventKind::Resumed, &st)
                .hosts(&st.switched)
                .at_step(&st, st.next_step)
                .reason(resumed),
        );
        let id = st.id.clone();
        self.with_confirm_heartbeat(&id, || self.run_steps(&mut st))
    }

    /// Ask the running rollout to pause at its next step boundary.
    pub fn request_pause(&self) -> Result<RolloutState, DeployError> {
        let states = self.read_states()?;
        let Some((st, _)) = self.stored_rollout(&states) else {
            return Err(DeployError::NoRollout(self.env.name.clone()));
        };
        if st.status == RolloutStatus::Running {
            let body = json!({"actor": self.actor.id(), "time": now()}).to_string();
            let op = [Op::WriteFile {
                path: ".tug/pause".into(),
                contents: body,
            }];
            for (i, r) in self
                .par(&self.all(), |i| self.run(i, &op))
                .into_iter()
                .enumerate()
            {
                r.map_err(|source| DeployError::HostOp {
                    host: self.host(i).name().to_string(),
                    doing: "request the pause",
                    source,
                })?;
            }
        }
        Ok(st)
    }
}
