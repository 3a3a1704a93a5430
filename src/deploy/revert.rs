//! Failing a rollout: switching hosts back (each recorded as an intent and an outcome), marking
//! the release bad in the environment when it is to blame, giving blue-green idle slots their
//! previous release back, and reporting hosts that could not be switched back (exit 7).

use super::engine::{now, Blame, Deployer, RolloutOutcome};
use super::hostop::HostOpError;
use super::hoststate as hs;
use super::hoststate::{Action, Outcome, RolloutState};
use super::ops::Op;
use super::steps::StepFailure;
use super::{DeployError, MixedHost};

impl Deployer<'_> {
    /// Switch one host back to what it ran before the rollout (recorded before, as an intent, and
    /// after), and wait until it is healthy there. The release is not marked bad here: `fail`
    /// does that on every host of the environment when the release is to blame.
    pub(super) fn revert_host(
        &self,
        i: usize,
        st: &RolloutState,
        reason: &str,
    ) -> Result<(), HostOpError> {
        let name = self.host(i).name().to_string();
        let from = st.from.get(&name).cloned().flatten();
        let res = (|| -> Result<(), HostOpError> {
            let state = self.read_state_op(i)?;
            // A host that never left (its switch failed before `current` moved) is not touched:
            // re-running its hooks and restart would only take it down for nothing.
            let restarts = !self.blue_green() && state.current != from;
            let mut ops = Vec::new();
            let switch = if self.blue_green() {
                self.switch_back_ops(i, &state, from.as_deref())?
            } else if restarts {
                self.activate_ops(i, from.as_deref())?
            } else {
                Vec::new()
            };
            let mut e = self.history_entry(i, Action::Revert, Outcome::Intent);
            e.from = Some(st.version.clone());
            e.to = from.clone();
            e.reason = Some(reason.into());
            e.id = Some(st.id.clone());
            let moves = !switch.is_empty();
            if moves {
                ops.push(Op::AppendHistory(e.clone()));
            }
            ops.extend(switch);
            e.outcome = Outcome::Reverted;
            let probe = match (restarts, from.as_deref()) {
                (true, Some(v)) => self.probe(i, v, None)?,
                _ => None,
            };
            if probe.is_none() {
                ops.push(Op::AppendHistory(e.clone()));
            }
            self.run(i, &ops)?;
            // Restarted on the old release: reverted means serving again, so wait for it.
            if let (Some(probe), Some(v)) = (probe, from.as_deref()) {
                self.wait_healthy(i, &probe)?;
                self.on_host(i, format!("healthy on {v}"));
                self.run(i, &[Op::AppendHistory(e)])?;
            }
            Ok(())
        })();
        match &res {
            Ok(()) => self.on_host(
                i,
                format!(
                    "reverted to {}",
                    from.as_deref().unwrap_or("no release (its first)")
                ),
            ),
            Err(err) => {
                self.warn(format!("{name}: revert failed: {}", err.line()));
                // Record the failure, if the host still takes a line.
                let mut e = self.history_entry(i, Action::Revert, Outcome::Failed);
                e.to = from.clone();
                e.reason = Some(format!("{reason}; the revert failed: {}", err.line()));
                e.id = Some(st.id.clone());
                let _ = self.run(i, &[Op::AppendHistory(e)]);
            }
        }
        res
    }

    /// A switching step failed on `failures` (each already switched back, or not): revert the
    /// other hosts this rollout switched and end it.
    pub(super) fn fail_step(
        &self,
        st: &mut RolloutState,
        failures: Vec<(String, StepFailure)>,
    ) -> Result<RolloutOutcome, DeployError> {
        let reason = failures
            .iter()
            .map(|(h, f)| format!("{h}: {}", f.error.line()))
            .collect::<Vec<_>>()
            .join("; ");
        let blame = if failures.iter().any(|(_, f)| f.error.blames_release()) {
            Blame::Release
        } else {
            Blame::NotTheRelease
        };
        let hosts = st.switched.clone();
        let at_once = failures.into_iter().map(|(h, f)| (h, f.reverted)).collect();
        self.fail_with(st, &hosts, &reason, blame, at_once)
    }

    /// Revert `hosts` in parallel, mark the release bad on every host when it is to blame, end the
    /// rollout, release the lock. A revert that fails anywhere is an error (exit 7) naming each
    /// such host and what it runs.
    pub(super) fn fail(
        &self,
        st: &mut RolloutState,
        hosts: &[String],
        reason: &str,
        blame: Blame,
    ) -> Result<RolloutOutcome, DeployError> {
        self.fail_with(st, hosts, reason, blame, Vec::new())
    }

    /// [`Self::fail`], with the hosts whose own switch failed and that were switched back at once
    /// (`at_once`: how that went).
    pub(super) fn fail_with(
        &self,
        st: &mut RolloutState,
        hosts: &[String],
        reason: &str,
        blame: Blame,
        at_once: Vec<(String, Result<(), HostOpError>)>,
    ) -> Result<RolloutOutcome, DeployError> {
        self.phase(if hosts.is_empty() {
            format!("stopping, no other host to switch back: {reason}")
        } else {
            format!("rolling back {}: {reason}", hosts.join(", "))
        });
        // With a router: the new release out of the traffic at once, before any host moves.
        self.traffic_first(st, hosts);
        let idx: Vec<usize> = hosts.iter().filter_map(|h| self.index(h)).collect();
        let results = self.par(&idx, |i| self.revert_host(i, st, reason));
        let mut reverted = Vec::new();
        let mut failed = Vec::new();
        let all = idx
            .iter()
            .map(|&i| self.host(i).name().to_string())
            .zip(results)
            .chain(at_once);
        for (host, r) in all {
            match r {
                Ok(()) => reverted.push(host),
                Err(e) => failed.push((host, e)),
            }
        }
        // Blue-green: idle slots prepared with the release that will not go live get their
        // previous release back, so the way back stays warm.
        let abandoned: Vec<usize> = st
            .prepared
            .iter()
            .filter(|h| !st.switched.contains(h) && !hosts.contains(h))
            .filter_map(|h| self.index(h))
            .collect();
        self.par(&abandoned, |i| {
            let name = self.host(i).name();
            if let Ok(state) = self.read_state_op(i) {
                if let Some(slot) = self.standby_slot(&state, &st.version) {
                    let previous = st.standby_before.get(name).cloned().flatten();
                    self.restore_slot(i, &slot, previous.as_deref(), &st.version);
                }
            }
            let mut e = self.history_entry(i, Action::Prepare, Outcome::Abandoned);
            e.to = Some(st.version.clone());
            e.reason = Some(reason.into());
            e.id = Some(st.id.clone());
            if let Err(err) = self.run(i, &[Op::AppendHistory(e)]) {
                self.warn(format!("{name}: {err}"));
            }
        });
        if blame == Blame::Release {
            self.mark_bad_everywhere(&st.version, reason);
        }
        self.traffic_rest(st, "the rollout stopped: every server back to its weight");
        let kept: Vec<String> = st
            .switched
            .iter()
            .filter(|h| !hosts.contains(h))
            .cloned()
            .collect();
        self.end(st, |i, name| {
            kept.contains(&name.to_string()).then(|| {
                let mut e = self.history_entry(i, Action::Rollout, Outcome::Stopped);
                e.to = Some(st.version.clone());
                e.reason = Some(format!(
                    "kept {}: only canary hosts were rolled back ({reason})",
                    st.version
                ));
                e.id = Some(st.id.clone());
                e
            })
        });
        if !failed.is_empty() {
            return Err(DeployError::NotReverted {
                what: format!("rollout of {} stopped ({reason})", st.version),
                hosts: self.mixed_hosts(failed),
            });
        }
        Ok(RolloutOutcome::RolledBack {
            version: st.version.clone(),
            reason: reason.into(),
            reverted,
            kept,
        })
    }

    /// Each failed host with what it runs now (read again; `None` if it cannot be read).
    pub(super) fn mixed_hosts(&self, failed: Vec<(String, HostOpError)>) -> Vec<MixedHost> {
        let idx: Vec<usize> = failed.iter().filter_map(|(h, _)| self.index(h)).collect();
        let running = self.par(&idx, |i| self.read_state(i).ok().and_then(|s| s.current));
        failed
            .into_iter()
            .zip(running)
            .map(|((host, e), running)| MixedHost {
                host,
                running,
                error: e.line(),
            })
            .collect()
    }

    /// Mark `version` bad on every host of the environment that holds it, with the reason (a
    /// host that cannot be reached gets a warning; the marks on the others still tell).
    pub(super) fn mark_bad_everywhere(&self, version: &str, reason: &str) {
        let mark = hs::BadMark {
            time: now(),
            actor: self.actor.id(),
            reason: reason.into(),
        };
        let ops = [Op::MarkBad {
            version: version.into(),
            mark,
        }];
        self.run_all_or_warn(&ops, &format!("mark {version} bad"));
    }
}
