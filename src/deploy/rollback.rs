//! `tug rollback`: the rollback plan (which release each host goes back to) and its fast path.

use std::collections::{BTreeMap, BTreeSet};

use super::engine::{keys, now, Deployer, HostMove, HostResult, RollbackPlan, RollbackReport};
use super::hostop::HostOpError;
use super::hoststate as hs;
use super::hoststate::{Action, HistoryEntry, HostState, Outcome};
use super::ops::Op;
use super::target::HostError;
use super::DeployError;

impl Deployer<'_> {
    // ---------------------------------------------------------------- rollback

    /// Which release the hosts go back to: `to`; else the target an earlier rollback that left
    /// hosts out recorded (only the stragglers move); else [`choose_target`].
    ///
    /// With `skip_unreachable`, hosts that cannot be connected to are left out of the plan (and
    /// listed in it) instead of stopping the rollback; a host key problem always stops it.
    ///
    /// With `lock` (the plan needs no confirmation, `--yes`), every host's lock is taken in the
    /// same round trip as its state read, so the plan is made under the lock and
    /// [`Self::rollback`] does not lock again. Every host is still locked before any switches:
    /// if a lock (or the plan) fails anywhere, the locks taken are released and nothing changed.
    pub fn plan_rollback(
        &self,
        to: Option<&str>,
        skip_unreachable: bool,
        lock: bool,
    ) -> Result<RollbackPlan, DeployError> {
        self.check_env_references()?;
        let id = lock.then(|| self.operation_id());
        let record = id.as_deref().map(|id| self.lock_record(id, "rollback"));
        let _span = id
            .as_deref()
            .map(|id| tracing::info_span!("lock", environment = %self.env.name, id, operation = "rollback", folded = true).entered());
        let reads = self.par(&self.all(), |i| match &record {
            Some(l) => self.lock_and_read(i, l),
            None => self.read_state(i),
        });
        let mut unreachable = Vec::new();
        let mut states = Vec::new();
        let mut ran = Vec::new();
        let mut failure = None;
        for (i, r) in reads.into_iter().enumerate() {
            match r {
                Ok(s) => {
                    ran.push(i);
                    states.push((i, s))
                }
                Err(DeployError::Host(e @ HostError::Connect { .. })) if skip_unreachable => {
                    unreachable.push(HostResult {
                        host: self.host(i).name().to_string(),
                        ok: false,
                        message: e.to_string(),
                    })
                }
                Err(e) => {
                    if !matches!(e, DeployError::Host(_)) {
                        ran.push(i);
                    }
                    failure.get_or_insert(e);
                }
            }
        }
        let plan = match failure {
            Some(e) => Err(e),
            None => self.rollback_plan_of(to, states, unreachable),
        };
        match (plan, id) {
            (Ok(mut plan), id) => {
                plan.locked = id;
                Ok(plan)
            }
            (Err(e), Some(id)) => {
                tracing::info!(error = %e, "no rollback: releasing the locks taken");
                self.unlock_hosts(&ran, &id);
                Err(e)
            }
            (Err(e), None) => Err(e),
        }
    }

    /// The id of a new fleet operation (lock, history lines): time and pid.
    fn operation_id(&self) -> String {
        format!(
            "{}-{}",
            chrono::Utc::now().format("%Y%m%dT%H%M%SZ"),
            self.actor.pid
        )
    }

    /// The rollback plan from the states of the hosts that answered.
    fn rollback_plan_of(
        &self,
        to: Option<&str>,
        states: Vec<(usize, HostState)>,
        unreachable: Vec<HostResult>,
    ) -> Result<RollbackPlan, DeployError> {
        let (reachable, states): (Vec<usize>, Vec<HostState>) = states.into_iter().unzip();
        if let Some((st, interrupted)) = self.stored_rollout(&states) {
            return Err(DeployError::Unfinished {
                state: Box::new(st),
                interrupted,
            });
        }
        let names: Vec<String> = reachable
            .iter()
            .map(|&i| self.host(i).name().to_string())
            .collect();
        let bad: BTreeSet<String> = states.iter().flat_map(|s| s.bad.keys().cloned()).collect();
        let pending = states.iter().find_map(|s| s.pending_rollback.clone());
        // A rollback killed half way is finished, to the release it was going to.
        let unfinished: BTreeSet<(String, String)> = states
            .iter()
            .flat_map(|s| hs::dangling_intents(&s.history))
            .filter(|e| e.action == Action::Rollback)
            .filter_map(|e| Some((e.to.clone()?, e.id.clone()?)))
            .collect();
        let (target, why) = match (to, &pending) {
            (None, None) if unfinished.len() == 1 => {
                let (v, id) = unfinished.iter().next().cloned().expect("one");
                (v, format!("finishing the interrupted rollback {id}"))
            }
            (Some(v), _) => {
                let v = v
                    .strip_prefix('v')
                    .filter(|_| !states.iter().any(|s| s.releases.contains_key(v)));
                let v = v.unwrap_or_else(|| to.unwrap_or_default()).to_string();
                (v, "--to".to_string())
            }
            (None, Some(p)) => (
                p.target.clone(),
                format!(
                    "the target of the rollback {} (by {}), which left {} out",
                    p.id,
                    p.actor,
                    p.left_out.join(", ")
                ),
            ),
            (None, None) => {
                let hosts: Vec<(&str, &HostState)> =
                    names.iter().map(String::as_str).zip(&states).collect();
                match choose_target(&hosts, &bad) {
                    Ok(v) => (
                        v,
                        "the newest release that ran healthy on every host".into(),
                    ),
                    Err(problems) => return Err(DeployError::Preflight(problems)),
                }
            }
        };
        let leaving = newest_current(&states).filter(|v| *v != target);
        let undoes = leaving.as_deref().and_then(|v| {
            states
                .iter()
                .flat_map(|s| &s.history)
                .filter(|e| e.action == Action::Rollout && e.to.as_deref() == Some(v))
                .filter(|e| e.id.is_some())
                .max_by(|a, b| a.time.cmp(&b.time))
                .and_then(|e| e.id.clone())
        });
        let mut moves = Vec::new();
        let mut records = BTreeMap::new();
        let mut problems = Vec::new();
        let mut interrupted = Vec::new();
        for (name, s) in names.iter().zip(&states) {
            let name = name.clone();
            let dangling = hs::dangling_intents(&s.history);
            let redo = dangling
                .iter()
                .any(|e| e.to.as_deref() == Some(target.as_str()));
            interrupted.extend(dangling.into_iter().cloned());
            let Some(rec) = s.releases.get(&target) else {
                problems.push(format!(
                    "{name}: release {target} is not on the host (kept: {})",
                    keys(&s.releases)
                ));
                continue;
            };
            records.insert(name.clone(), rec.clone());
            let slot = if self.blue_green() {
                self.standby_slot(s, &target)
            } else {
                None
            };
            moves.push(HostMove {
                host: name,
                from: s.current.clone(),
                to: target.clone(),
                slot,
                redo,
            });
        }
        if !problems.is_empty() {
            return Err(DeployError::Preflight(problems));
        }
        let traffic = self.rollback_traffic_plan(&moves);
        Ok(RollbackPlan {
            target,
            why,
            moves,
            unreachable,
            interrupted,
            traffic,
            leaving,
            undoes,
            records,
            locked: None,
        })
    }

    /// Execute a rollback plan: every host in parallel, no steps, no analysis (locked first,
    /// unless the plan was made under the lock). Each host gets an
    /// intent line before its switch and the outcome after. A host that fails makes the whole
    /// rollback an error (exit 7) naming it, what it runs and why. With hosts left out, the
    /// target is recorded on the others (`.tug/rollback.json`), so the next `tug rollback` moves
    /// only the stragglers, to the same release.
    pub fn rollback(
        &self,
        plan: &RollbackPlan,
        reason: Option<&str>,
    ) -> Result<RollbackReport, DeployError> {
        let result = self.roll_hosts_back(plan, reason);
        self.report_rollback(plan, reason, &result);
        result
    }

    fn roll_hosts_back(
        &self,
        plan: &RollbackPlan,
        reason: Option<&str>,
    ) -> Result<RollbackReport, DeployError> {
        let left_out: Vec<String> = plan.unreachable.iter().map(|u| u.host.clone()).collect();
        let reachable: Vec<usize> = self
            .all()
            .into_iter()
            .filter(|&i| !left_out.iter().any(|u| u == self.host(i).name()))
            .collect();
        // A plan made under the lock (`--yes`) holds it on every reachable host already.
        let id = match &plan.locked {
            Some(id) => id.clone(),
            None => {
                let id = self.operation_id();
                self.lock_hosts(&reachable, &id, "rollback")?;
                id
            }
        };
        self.resolve_interrupted(&plan.interrupted, &id);
        let skipped = left_out.join(", ");
        let why = match (reason, skipped.is_empty()) {
            (r, true) => r.map(str::to_string),
            (Some(r), false) => Some(format!("{r}; unreachable, not rolled back: {skipped}")),
            (None, false) => Some(format!("unreachable, not rolled back: {skipped}")),
        };
        let todo: Vec<&HostMove> = plan.moves.iter().filter(|m| m.moves()).collect();
        let already: Vec<String> = plan
            .moves
            .iter()
            .filter(|m| !m.moves())
            .map(|m| m.host.clone())
            .collect();
        // The intended target, for the stragglers; removed once every host is on it.
        let record = if left_out.is_empty() {
            Op::RemoveFiles(vec![".tug/rollback.json".into()])
        } else {
            let pending = hs::PendingRollback {
                id: id.clone(),
                target: plan.target.clone(),
                actor: self.actor.id(),
                time: now(),
                left_out: left_out.clone(),
            };
            Op::WriteFile {
                path: ".tug/rollback.json".into(),
                contents: serde_json::to_string(&pending).expect("a rollback record serializes"),
            }
        };
        // Appended to each host's last script: the record and the unlock ride along.
        let finish = [record, Op::ReleaseLock { id: id.clone() }];
        // With a router: the release being left out of the traffic at once, before any switch.
        let restore = self.rollback_traffic_first(plan, &id);
        let idx: Vec<usize> = todo.iter().filter_map(|m| self.index(&m.host)).collect();
        let results = self.par(&idx, |i| {
            let m = todo[idx.iter().position(|&k| k == i).expect("planned")];
            let mut e = self.history_entry(i, Action::Rollback, Outcome::Intent);
            e.from = m.from.clone();
            e.to = Some(m.to.clone());
            e.digest = Some(plan.records[&m.host].sha256.clone());
            e.reason = why.clone();
            e.id = Some(id.clone());
            let res = self.rollback_host(i, m, plan, &e, reason, &finish);
            if let Err(err) = &res {
                e.outcome = Outcome::Failed;
                e.reason = Some(match &why {
                    Some(r) => format!("{r}; {}", err.line()),
                    None => err.line(),
                });
                let mut ops = vec![Op::AppendHistory(e)];
                ops.extend(finish.iter().cloned());
                if let Err(rec) = self.run(i, &ops) {
                    self.warn(format!(
                        "{}: cannot record the failed rollback: {}",
                        self.host(i).name(),
                        rec.line()
                    ));
                }
            }
            res
        });
        // Hosts with nothing to do still hold our lock (and get the record).
        let idle: Vec<usize> = reachable
            .iter()
            .copied()
            .filter(|i| !idx.contains(i))
            .collect();
        self.par(&idle, |i| {
            if let Err(e) = self.run(i, &finish) {
                self.warn(format!(
                    "{}: cannot finish the rollback: {}",
                    self.host(i).name(),
                    e.line()
                ));
            }
        });
        // Hosts back on the target take their share of the requests again.
        let back: Vec<String> = idx
            .iter()
            .zip(&results)
            .filter(|(_, r)| r.is_ok())
            .map(|(&i, _)| self.host(i).name().to_string())
            .collect();
        self.rollback_traffic_restore(plan, &id, restore, &back);
        let mut moved = Vec::new();
        let mut failed = Vec::new();
        for (&i, r) in idx.iter().zip(results) {
            let host = self.host(i).name().to_string();
            match r {
                Ok(message) => moved.push(HostResult {
                    host,
                    ok: true,
                    message,
                }),
                Err(e) => failed.push((host, e)),
            }
        }
        if !failed.is_empty() {
            return Err(DeployError::NotReverted {
                what: format!(
                    "the rollback to {} failed on {} of {} host(s)",
                    plan.target,
                    failed.len(),
                    idx.len()
                ),
                hosts: self.mixed_hosts(failed),
            });
        }
        Ok(RollbackReport {
            target: plan.target.clone(),
            moved,
            already,
            left_out,
        })
    }

    /// One host's rollback: intent, size check, bad mark of the release left, switch (to the warm
    /// standby slot under blue-green when it answers), restart, health check, outcome.
    fn rollback_host(
        &self,
        i: usize,
        m: &HostMove,
        plan: &RollbackPlan,
        intent: &HistoryEntry,
        reason: Option<&str>,
        finish: &[Op],
    ) -> Result<String, HostOpError> {
        let rec = &plan.records[&m.host];
        let mut done = intent.clone();
        done.outcome = Outcome::Success;
        // The fast path checks the digest of every file the release unpacked to (what will run);
        // the archive's own digest is checked by every rollout's preflight.
        let mut ops = vec![Op::AppendHistory(intent.clone())];
        if rec.files.is_empty() {
            // Recorded by an older tug: the archive's size is what there is to check.
            ops.push(Op::CheckSize {
                version: m.to.clone(),
                artifact: rec.artifact.clone(),
                size: rec.size,
            });
        } else {
            ops.push(Op::VerifyFiles {
                version: m.to.clone(),
                files: rec.files.clone(),
                mode: super::ops::VerifyMode::Quick,
            });
        }
        if let Some(leaving) = &plan.leaving {
            ops.push(Op::MarkBad {
                version: leaving.clone(),
                mark: hs::BadMark {
                    time: now(),
                    actor: self.actor.id(),
                    reason: reason.map_or_else(
                        || "rolled back".to_string(),
                        |r| format!("rolled back: {r}"),
                    ),
                },
            });
        }
        let moved = format!("{} -> {}", m.from.as_deref().unwrap_or("no release"), m.to);
        if self.blue_green() {
            if let Some(slot) = &m.slot {
                // The standby slot is warm: check that it answers, then one rename.
                let answers = match self.probe(i, &m.to, Some(slot))? {
                    None => Ok(()),
                    Some(p) => self.probe_once(i, &p),
                };
                match answers {
                    Ok(()) => {
                        ops.extend(self.switch_ops(i, &m.to, Some(slot))?);
                        ops.push(Op::AppendHistory(done));
                        ops.extend(finish.iter().cloned());
                        self.run(i, &ops)?;
                        return Ok(format!("{moved} (standby slot {slot}, no restart)"));
                    }
                    Err(why) => self.on_host(
                        i,
                        format!("standby slot {slot} does not answer ({why}): restarting it"),
                    ),
                }
            }
            self.run(i, &ops)?;
            let (slot, _) = self.prepare_slot(i, &m.to)?;
            let mut ops = self.switch_ops(i, &m.to, Some(&slot))?;
            ops.push(Op::AppendHistory(done));
            ops.extend(finish.iter().cloned());
            self.run(i, &ops)?;
            return Ok(format!("{moved} (slot {slot} restarted)"));
        }
        ops.extend(self.activate_ops(i, Some(&m.to))?);
        let Some(probe) = self.probe(i, &m.to, None)? else {
            // Nothing to wait for: record and unlock in the same round trip.
            ops.push(Op::AppendHistory(done));
            ops.extend(finish.iter().cloned());
            self.run(i, &ops)?;
            return Ok(moved);
        };
        self.run(i, &ops)?;
        self.wait_healthy(i, &probe)?;
        let mut ops = vec![Op::AppendHistory(done)];
        ops.extend(finish.iter().cloned());
        self.run(i, &ops)?;
        Ok(moved)
    }

    /// Close the intents a killed tug left on the hosts, so history and status stop showing
    /// them as open; each gets an `interrupted` line naming the command that found it.
    pub(super) fn resolve_interrupted(&self, dangling: &[HistoryEntry], by: &str) {
        for d in dangling {
            let Some(i) = self.index(&d.host) else {
                continue;
            };
            let mut e = d.clone();
            e.time = now();
            e.actor = self.actor.id();
            e.outcome = Outcome::Interrupted;
            e.reason = Some(format!(
                "the process that started this {} was gone; found by {by}",
                d.action
            ));
            if let Err(err) = self.run(i, &[Op::AppendHistory(e)]) {
                self.warn(format!("{}: cannot record: {}", d.host, err.line()));
            }
        }
    }
}

/// The release a rollback goes to when none is named: the newest release that ran healthy (a
/// switch to it passed its health check) on every host being rolled back, is still there, and
/// is not marked bad anywhere in the environment; a release only staged on a host never counts.
/// The release being left (the newest one running) is not a candidate; a host already running the
/// target counts. When no release qualifies, each host where the best candidate is impossible is
/// named with why.
pub fn choose_target(
    hosts: &[(&str, &HostState)],
    bad: &BTreeSet<String>,
) -> Result<String, Vec<String>> {
    let states: Vec<HostState> = hosts.iter().map(|(_, s)| (*s).clone()).collect();
    let leaving = newest_current(&states);
    let healthy: Vec<Vec<String>> = states.iter().map(HostState::ran_healthy).collect();
    let mut candidates: Vec<String> = healthy
        .iter()
        .flatten()
        .filter(|v| Some(*v) != leaving.as_ref() && !bad.contains(*v))
        .cloned()
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    sort_newest_first(&mut candidates, &states);
    let why_not = |v: &str, k: usize| -> Option<String> {
        let s = &states[k];
        if s.current.as_deref() == Some(v) {
            None
        } else if !s.releases.contains_key(v) {
            Some(format!(
                "{v} is not on the host (kept: {})",
                keys(&s.releases)
            ))
        } else if !healthy[k].iter().any(|h| h == v) {
            Some(format!("{v} never ran healthy here (only staged)"))
        } else {
            None
        }
    };
    for v in &candidates {
        if (0..hosts.len()).all(|k| why_not(v, k).is_none()) {
            return Ok(v.clone());
        }
    }
    let Some(best) = candidates.first() else {
        return Err(hosts
            .iter()
            .map(|(name, _)| format!("{name}: no previous good release to go back to"))
            .collect());
    };
    Err(hosts
        .iter()
        .enumerate()
        .filter_map(|(k, (name, _))| {
            why_not(best, k).map(|w| {
                format!("{name}: cannot go back to {best}, the newest release that ran healthy elsewhere: {w}")
            })
        })
        .collect())
}

/// The newest release any of the hosts runs: the one a rollback leaves.
fn newest_current(states: &[HostState]) -> Option<String> {
    let current: Vec<String> = states.iter().filter_map(|s| s.current.clone()).collect();
    newest(&current, states)
}

/// The newest of `versions`: by semantic version where both parse, else by upload time.
pub fn newest(versions: &[String], states: &[HostState]) -> Option<String> {
    let mut v = versions.to_vec();
    v.sort();
    v.dedup();
    sort_newest_first(&mut v, states);
    v.into_iter().next()
}

fn sort_newest_first(versions: &mut [String], states: &[HostState]) {
    let uploaded = |v: &str| -> String {
        states
            .iter()
            .filter_map(|s| s.releases.get(v).map(|r| r.uploaded_at.clone()))
            .max()
            .unwrap_or_default()
    };
    let semver = |v: &str| semver::Version::parse(v.strip_prefix('v').unwrap_or(v)).ok();
    versions.sort_by(|a, b| match (semver(a), semver(b)) {
        (Some(x), Some(y)) => y.cmp(&x),
        _ => uploaded(b).cmp(&uploaded(a)),
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::deploy::hoststate::{Action, HistoryEntry, Outcome, ReleaseRecord};

    fn rec(v: &str) -> ReleaseRecord {
        ReleaseRecord {
            project: "p".into(),
            version: v.into(),
            artifact: "a".into(),
            sha256: "s".into(),
            size: 1,
            uploaded_by: "me".into(),
            uploaded_at: format!("2026-01-01T00:00:0{}Z", v.as_bytes()[0] - b'0'),
            files: Default::default(),
            source: None,
        }
    }

    fn line(action: Action, outcome: Outcome, to: &str) -> HistoryEntry {
        HistoryEntry {
            time: "t".into(),
            actor: "a".into(),
            action,
            host: "h".into(),
            from: None,
            to: Some(to.into()),
            digest: None,
            outcome,
            reason: None,
            id: Some("x".into()),
            step: None,
            insecure_skip_verify: false,
        }
    }

    fn host(current: &str, releases: &[&str], history: Vec<HistoryEntry>) -> HostState {
        HostState {
            current: Some(current.into()),
            releases: releases.iter().map(|v| (v.to_string(), rec(v))).collect(),
            history,
            ..Default::default()
        }
    }

    #[test]
    fn a_release_only_staged_is_never_the_way_back() {
        use Action::*;
        use Outcome::*;
        // h1 ran 1.3.0 healthy (then it was reverted); h2 only has it staged.
        let h1 = host(
            "1.0.0",
            &["1.0.0", "1.3.0"],
            vec![
                line(Rollout, Success, "1.0.0"),
                line(Rollout, Healthy, "1.3.0"),
                line(Revert, Reverted, "1.0.0"),
            ],
        );
        let h2 = host(
            "1.0.0",
            &["1.0.0", "1.3.0"],
            vec![line(Rollout, Success, "1.0.0")],
        );
        let err = choose_target(&[("h1", &h1), ("h2", &h2)], &BTreeSet::new()).unwrap_err();
        assert_eq!(
            err,
            ["h2: cannot go back to 1.3.0, the newest release that ran healthy elsewhere: 1.3.0 never ran healthy here (only staged)"]
        );
        // With 0.9.0 healthy on both before, that is the target; a switched-only line (older
        // tug, before the health check) does not count.
        let mut h1 = h1;
        let mut h2 = h2;
        for h in [&mut h1, &mut h2] {
            h.releases.insert("0.9.0".into(), rec("0.9.0"));
            h.history.insert(0, line(Rollout, Success, "0.9.0"));
            h.history.push(line(Rollout, Switched, "1.3.0"));
        }
        assert_eq!(
            choose_target(&[("h1", &h1), ("h2", &h2)], &BTreeSet::new()),
            Ok("0.9.0".to_string()),
            "h2 never ran 1.3.0 healthy"
        );
    }

    #[test]
    fn a_release_marked_bad_anywhere_is_not_the_way_back() {
        use Action::*;
        use Outcome::*;
        let h = |cur: &str| {
            host(
                cur,
                &["1.0.0", "2.0.0", "2.1.0"],
                vec![
                    line(Rollout, Success, "1.0.0"),
                    line(Rollout, Success, "2.0.0"),
                    line(Rollout, Success, "2.1.0"),
                ],
            )
        };
        let (a, b) = (h("2.1.0"), h("2.1.0"));
        let bad: BTreeSet<String> = ["2.0.0".to_string()].into();
        assert_eq!(
            choose_target(&[("a", &a), ("b", &b)], &bad),
            Ok("1.0.0".into())
        );
        assert_eq!(
            choose_target(&[("a", &a), ("b", &b)], &BTreeSet::new()),
            Ok("2.0.0".into())
        );
        // A host already on the target counts; the newest running release is the one left.
        let c = h("2.0.0");
        assert_eq!(
            choose_target(&[("a", &a), ("c", &c)], &BTreeSet::new()),
            Ok("2.0.0".into())
        );
    }
}
