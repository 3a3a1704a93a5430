//! Commit confirmed, the engine's side (`confirm_within:`): what a switched host's timer is armed
//! with, when tug confirms the hosts of a step, the heartbeat that keeps their timers from firing
//! while tug runs, and what a rollout does about hosts that went back on their own (an honest
//! report, and the step that switched them is run again). The host side, the timer itself, is in
//! `confirm_timer`.
//!
//! A host switched by a deploy step is confirmed when that step has passed: at the start of the
//! next switching step (so after the health checks of its own step and the pauses and analyses
//! that follow it), when the rollout stops for a human (a manual pause, an inconclusive
//! analysis: a deliberate hand-over, not a vanished controller), or at the end of the rollout.

use std::sync::mpsc;
use std::time::Duration;

use super::confirm_timer::{ConfirmRecord, ConfirmTimer, CONFIRMED};
use super::engine::{now, Deployer};
use super::hostop::HostOpError;
use super::hoststate::{Action, HistoryEntry, HostState, Outcome, PlanStep, RolloutState};
use super::ops::Op;

/// A host that went back to its previous release on its own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct SelfReverted {
    pub host: String,
    /// Its history line (`self-revert reverted|failed`), if it could be read.
    pub line: Option<HistoryEntry>,
}

impl SelfReverted {
    /// `web1 went back to 1.0.0 on its own at T: not confirmed within 2s`.
    pub fn describe(&self) -> String {
        match &self.line {
            Some(e) if e.outcome == Outcome::Failed => format!(
                "{} tried to go back to {} on its own at {} and failed: {}",
                self.host,
                e.to.as_deref().unwrap_or("no release"),
                e.time,
                e.reason.as_deref().unwrap_or("")
            ),
            Some(e) => format!(
                "{} went back to {} on its own at {}: {}",
                self.host,
                e.to.as_deref().unwrap_or("no release"),
                e.time,
                e.reason.as_deref().unwrap_or("")
            ),
            None => format!(
                "{} no longer runs the release: it went back on its own",
                self.host
            ),
        }
    }
}

/// The newest self-revert line of rollout `id` in a host's history.
pub(super) fn self_revert_of<'a>(
    history: &'a [HistoryEntry],
    id: &str,
) -> Option<&'a HistoryEntry> {
    history.iter().rev().find(|e| {
        e.action == Action::SelfRevert
            && e.outcome != Outcome::Intent
            && e.id.as_deref() == Some(id)
    })
}

/// For `tug status`: the host's last switch was its own timer's (`reverted at T: not confirmed
/// within 2m (2.0.0 -> 1.0.0)`); `None` once anything else switched it (or tried to).
pub(super) fn last_self_revert(history: &[HistoryEntry]) -> Option<String> {
    // The host's last switch (rollout-wide lines such as `paused` or `started` are not).
    let e = history.iter().rev().find(|e| {
        e.outcome != Outcome::Intent
            && match e.action {
                Action::Rollout => matches!(
                    e.outcome,
                    Outcome::Healthy | Outcome::Success | Outcome::Switched
                ),
                Action::Revert | Action::Rollback | Action::SelfRevert => true,
                _ => false,
            }
    })?;
    if e.action != Action::SelfRevert {
        return None;
    }
    let change = format!(
        "{} -> {}",
        e.from.as_deref().unwrap_or("no release"),
        e.to.as_deref().unwrap_or("no release")
    );
    let reason = e.reason.as_deref().unwrap_or("not confirmed in time");
    Some(match e.outcome {
        Outcome::Failed => format!("self-revert at {} FAILED: {reason} ({change})", e.time),
        _ => format!("reverted at {}: {reason} ({change})", e.time),
    })
}

/// `confirm_within` for a status note: the record's deadline as a time.
pub(super) fn describe_pending(c: &ConfirmRecord) -> String {
    let at = chrono::DateTime::from_timestamp(c.deadline as i64, 0)
        .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
        .unwrap_or_else(|| c.deadline.to_string());
    format!(
        "unconfirmed: switches back to {} at {at} unless the rollout confirms {} (confirm_within {})",
        c.back.as_deref().unwrap_or("no release"),
        c.version,
        c.within
    )
}

impl Deployer<'_> {
    /// `confirm_within`, when the environment has it.
    pub(super) fn confirm_within(&self) -> Option<Duration> {
        self.env
            .config
            .confirm_within
            .as_ref()
            .map(|c| c.value.get())
    }

    /// The operation that arms host `i`'s timer for the switch rollout `st` is about to make
    /// (in its current step), or `None` without `confirm_within`. The timer's way back is what
    /// the engine's own revert runs: the hooks, the switch to the release the rollout found and
    /// its restart command.
    pub(super) fn arm_op(&self, i: usize, st: &RolloutState) -> Result<Option<Op>, HostOpError> {
        let Some(within) = self.env.config.confirm_within.as_ref().map(|c| c.value) else {
            return Ok(None);
        };
        let name = self.host(i).name().to_string();
        let back = st.from.get(&name).cloned().flatten();
        let revert: Vec<Op> = self
            .activate_ops(i, back.as_deref())?
            .into_iter()
            .filter(|op| !matches!(op, Op::Confirm { .. }))
            .collect();
        let reason = format!("not confirmed within {within}");
        let line = |outcome: Outcome, reason: String| {
            let mut e = self.history_entry(i, Action::SelfRevert, outcome);
            e.time = ConfirmTimer::TIME.into();
            e.from = Some(st.version.clone());
            e.to = back.clone();
            e.reason = Some(reason);
            e.id = Some(st.id.clone());
            e.step = Some(st.next_step + 1);
            e
        };
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        Ok(Some(Op::ArmConfirm(Box::new(ConfirmTimer {
            record: ConfirmRecord {
                deadline: 0,
                token: format!("{}-{}-{nanos}", st.id, st.next_step + 1),
                id: st.id.clone(),
                version: st.version.clone(),
                back: back.clone(),
                within: within.to_string(),
                armed_at: now(),
                armed_by: self.actor.id(),
            },
            within_secs: within.get().as_secs().max(1),
            expect: format!("releases/{}", st.version),
            revert,
            intent: line(Outcome::Intent, reason.clone()),
            reverted: line(Outcome::Reverted, reason.clone()),
            failed: line(
                Outcome::Failed,
                format!(
                    "{reason}; switching back failed (see {})",
                    super::confirm_timer::LOG
                ),
            ),
        }))))
    }

    /// Confirm every host of `st` whose switch is unconfirmed (their step passed). Hosts that
    /// went back on their own meanwhile are taken out of the rollout, which will switch them
    /// again from the step that did (see [`Self::forget_self_reverted`]); the text says what
    /// happened, for the pause that must follow. A host that cannot be reached stays unconfirmed
    /// (its timer will switch it back unless a later confirmation reaches it), and says so too.
    pub(super) fn confirm_pending(&self, st: &mut RolloutState) -> Option<String> {
        if st.unconfirmed.is_empty() {
            return None;
        }
        let idx: Vec<usize> = st
            .unconfirmed
            .iter()
            .filter_map(|h| self.index(h))
            .collect();
        let op = [Op::Confirm {
            id: Some(st.id.clone()),
        }];
        let version = st.version.clone();
        let id = st.id.clone();
        let results = self.par(&idx, |i| -> Result<Option<SelfReverted>, HostOpError> {
            let out = self.run(i, &op)?;
            if out.contains(CONFIRMED) {
                self.on_host(i, format!("confirmed {version}"));
                return Ok(None);
            }
            // No record of this rollout: its timer fired (or someone disarmed it).
            let state = self.read_state_op(i)?;
            if state.current.as_deref() == Some(version.as_str()) {
                self.on_host(i, format!("confirmed {version} (no timer was pending)"));
                return Ok(None);
            }
            Ok(Some(SelfReverted {
                host: self.host(i).name().to_string(),
                line: self_revert_of(&state.history, &id).cloned(),
            }))
        });
        let mut reverted = Vec::new();
        let mut unreachable = Vec::new();
        let mut still = Vec::new();
        for (&i, r) in idx.iter().zip(results) {
            let name = self.host(i).name().to_string();
            match r {
                Ok(None) => {}
                Ok(Some(s)) => reverted.push(s),
                Err(e) => {
                    unreachable.push(format!(
                        "cannot confirm {name}: {} (it switches back on its own unless a later confirmation reaches it)",
                        e.line()
                    ));
                    still.push(name);
                }
            }
        }
        st.unconfirmed = still;
        let mut why: Vec<String> = reverted.iter().map(SelfReverted::describe).collect();
        for r in &reverted {
            self.warn(r.describe());
        }
        self.forget_self_reverted(st, &reverted);
        why.extend(unreachable);
        if why.is_empty() {
            None
        } else {
            Some(format!(
                "{}; `tug rollout promote {}` switches them again",
                why.join("; "),
                self.env.name
            ))
        }
    }

    /// A resumed rollout: report the hosts it had switched that went back on their own (read
    /// from `states`, their history says when and why) and take them out of the rollout, so the
    /// step that switched them runs again. Hosts still waiting for their confirmation are left
    /// as they are: the heartbeat of the resumed run keeps their timers from firing.
    pub(super) fn reconcile_self_reverts(&self, states: &[HostState], st: &mut RolloutState) {
        let mut reverted = Vec::new();
        for (i, s) in states.iter().enumerate() {
            let name = self.host(i).name().to_string();
            let ours = st.switched.contains(&name)
                || st.in_flight.contains(&name)
                || st.unconfirmed.contains(&name);
            if !ours || s.current.as_deref() == Some(st.version.as_str()) {
                continue;
            }
            if let Some(line) = self_revert_of(&s.history, &st.id) {
                reverted.push(SelfReverted {
                    host: name,
                    line: Some(line.clone()),
                });
            }
        }
        for r in &reverted {
            self.warn(r.describe());
        }
        self.forget_self_reverted(st, &reverted);
    }

    /// Take hosts that went back on their own out of the rollout: no longer switched, canary or
    /// unconfirmed, and the rollout continues from the first switching step that holds one of
    /// them (it switches them again; hosts already on the release are skipped there).
    fn forget_self_reverted(&self, st: &mut RolloutState, reverted: &[SelfReverted]) {
        for r in reverted {
            st.switched.retain(|h| h != &r.host);
            st.canary.retain(|h| h != &r.host);
            st.unconfirmed.retain(|h| h != &r.host);
            let first = st.steps.iter().position(|s| match s {
                PlanStep::Deploy(hosts) | PlanStep::Switch(hosts) => hosts.contains(&r.host),
                _ => false,
            });
            if let Some(k) = first {
                st.next_step = st.next_step.min(k);
            }
        }
    }

    /// Run `f` (the steps of rollout `id`) while a heartbeat moves the deadline of every timer
    /// of this rollout to `confirm_within` from now, every third of it: the hosts go back on
    /// their own only when tug has not reached them for `confirm_within` (killed, asleep, cut
    /// off), not because a step takes long.
    pub(super) fn with_confirm_heartbeat<T>(&self, id: &str, f: impl FnOnce() -> T) -> T {
        let Some(within) = self.confirm_within() else {
            return f();
        };
        let tick = (within / 3).max(Duration::from_millis(300));
        let op = [Op::ExtendConfirm {
            id: id.to_string(),
            within_secs: within.as_secs().max(1),
        }];
        let (stop, stopped) = mpsc::channel::<()>();
        std::thread::scope(|s| {
            let op = &op;
            s.spawn(move || {
                while let Err(mpsc::RecvTimeoutError::Timeout) = stopped.recv_timeout(tick) {
                    self.par(&self.all(), |i| {
                        if let Err(e) = self.run(i, op) {
                            tracing::debug!(host = self.host(i).name(), error = %e.line(), "confirm heartbeat");
                        }
                    });
                }
            });
            let out = f();
            drop(stop);
            out
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(action: Action, outcome: Outcome, id: &str) -> HistoryEntry {
        HistoryEntry {
            time: "2026-12-02T05:00:00Z".into(),
            actor: "a@m".into(),
            action,
            host: "h1".into(),
            from: Some("2.0.0".into()),
            to: Some("1.0.0".into()),
            digest: None,
            outcome,
            reason: Some("not confirmed within 2s".into()),
            id: Some(id.into()),
            step: Some(1),
            insecure_skip_verify: false,
        }
    }

    #[test]
    fn the_self_revert_of_this_rollout_is_found_and_described() {
        let history = vec![
            line(Action::Rollout, Outcome::Healthy, "R1"),
            line(Action::SelfRevert, Outcome::Intent, "R1"),
            line(Action::SelfRevert, Outcome::Reverted, "R1"),
            line(Action::SelfRevert, Outcome::Reverted, "R0"),
        ];
        let found = self_revert_of(&history, "R1").unwrap();
        assert_eq!(found.outcome, Outcome::Reverted);
        assert!(self_revert_of(&history, "R9").is_none());
        let r = SelfReverted {
            host: "h1".into(),
            line: Some(found.clone()),
        };
        assert_eq!(
            r.describe(),
            "h1 went back to 1.0.0 on its own at 2026-12-02T05:00:00Z: not confirmed within 2s"
        );
    }
}
