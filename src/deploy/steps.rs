//! A rollout: staging the release on every host, the plan's steps (one function each), pauses,
//! and the end (history, pruning). Its preflight is in `preflight`, its failure in `revert`.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use crate::config::deploy::RollbackScope;

use super::analysis::{QueryContext, Verdict};
use super::engine::{now, one_line, regex_escape, Blame, Deployer, RolloutOutcome};
use super::hostop::HostOpError;
use super::hoststate as hs;
use super::hoststate::{Action, HistoryEntry, Outcome, PlanStep, RolloutState, RolloutStatus};
use super::lifecycle::{RolloutEventKind, Trigger};
use super::ops::Op;
use super::verify::Release;
use super::{analysis, ops, DeployError};

/// A host whose switch failed, and how switching it back went.
pub(super) struct StepFailure {
    pub error: HostOpError,
    pub reverted: Result<(), HostOpError>,
}

impl Deployer<'_> {
    /// Roll `release` out to the environment; a release marked bad in the environment is refused
    /// unless `force`.
    pub fn rollout(&self, release: &Release, force: bool) -> Result<RolloutOutcome, DeployError> {
        let (plan, states) = self.plan(release)?;
        let problems = plan.problems();
        if !problems.is_empty() {
            return Err(DeployError::Preflight(problems));
        }
        if let (Some(bad), false) = (&plan.bad, force) {
            return Err(DeployError::MarkedBad {
                version: release.version.clone(),
                host: bad.host.clone(),
                mark: bad.mark.clone(),
            });
        }
        if plan.steps.is_empty() {
            return Ok(RolloutOutcome::NothingToDo {
                version: release.version.clone(),
            });
        }
        let files = super::integrity::release_files(&release.path, &release.artifact).map_err(
            |source| DeployError::Integrity {
                artifact: release.artifact.clone(),
                source,
            },
        )?;
        let id = format!(
            "{}-{}",
            chrono::Utc::now().format("%Y%m%dT%H%M%SZ"),
            self.actor.pid
        );
        self.lock_all(&id, &format!("rollout {}", release.version))?;
        // With a router: its weights now (given back at the end); a dead router stops here.
        let traffic = match self.traffic_begin(&release.version, &states) {
            Ok(t) => t,
            Err(e) => {
                self.unlock_all(&id);
                return Err(e);
            }
        };
        let dangling: Vec<HistoryEntry> = states
            .iter()
            .flat_map(|s| hs::dangling_intents(&s.history))
            .cloned()
            .collect();
        self.resolve_interrupted(&dangling, &id);
        // Stage the release on every host that will run it, before switching any.
        self.phase(format!(
            "upload {} to {} host(s)",
            release.artifact,
            plan.steps.len().min(1) * states.len()
        ));
        let record = hs::ReleaseRecord {
            project: release.project.clone(),
            version: release.version.clone(),
            artifact: release.artifact.clone(),
            sha256: release.sha256.clone(),
            size: release.size,
            uploaded_by: self.actor.id(),
            uploaded_at: now(),
            files,
            source: Some(hs::ReleaseSource {
                commit: release.commit.clone(),
                tag: release.tag.clone(),
            }),
        };
        let verify = [
            Op::VerifyDigest {
                version: release.version.clone(),
                artifact: release.artifact.clone(),
                sha256: release.sha256.clone(),
            },
            Op::VerifyFiles {
                version: release.version.clone(),
                files: record.files.clone(),
                mode: super::ops::VerifyMode::Quick,
            },
        ];
        let receive = [Op::Receive {
            record,
            source: release.path.clone(),
        }];
        let staged = self.par(&self.all(), |i| -> Result<(), HostOpError> {
            if plan.hosts[i].upload {
                self.run(i, &receive).map_err(|e| match e {
                    HostOpError::Failed { code, message } => HostOpError::Failed {
                        code,
                        message: format!("upload failed: {message}"),
                    },
                    other => other,
                })?;
                self.on_host(i, "uploaded, digest verified");
            } else {
                match self.run(i, &verify) {
                    Ok(_) => self.on_host(i, "already has this release, every file verified"),
                    // Changed on the host (a file replaced or gone): upload it again.
                    Err(HostOpError::Failed {
                        code: ops::RELEASE_DAMAGED,
                        message,
                    }) => {
                        self.warn(format!(
                            "{}: the release on the host was modified ({}): uploading it again",
                            self.host(i).name(),
                            one_line(&message)
                        ));
                        self.run(i, &receive)?;
                        self.on_host(i, "uploaded again, digest verified");
                    }
                    Err(e) => return Err(e),
                }
            }
            Ok(())
        });
        let failed: Vec<String> = staged
            .iter()
            .enumerate()
            .filter_map(|(i, r)| {
                r.as_ref()
                    .err()
                    .map(|e| format!("{}: {e}", self.host(i).name()))
            })
            .collect();
        if !failed.is_empty() {
            self.unlock_all(&id);
            return Err(DeployError::Failed(format!(
                "upload failed, no host was switched:\n  {}",
                failed.join("\n  ")
            )));
        }
        let mut st = RolloutState {
            id: id.clone(),
            seq: 0,
            environment: self.env.name.clone(),
            project: release.project.clone(),
            version: release.version.clone(),
            artifact: release.artifact.clone(),
            sha256: release.sha256.clone(),
            status: RolloutStatus::Running,
            paused_reason: None,
            steps: plan.steps.clone(),
            next_step: 0,
            from: states
                .iter()
                .enumerate()
                .map(|(i, s)| (self.host(i).name().to_string(), s.current.clone()))
                .collect(),
            switched: Vec::new(),
            prepared: Vec::new(),
            canary: Vec::new(),
            in_flight: Vec::new(),
            standby_before: BTreeMap::new(),
            started_by: self.actor.id(),
            started_at: now(),
            updated_at: now(),
            insecure_skip_verify: release.insecure_skip_verify,
            unconfirmed: Vec::new(),
            traffic,
        };
        if release.insecure_skip_verify {
            let mut e = self.history_entry(0, Action::Rollout, Outcome::Started);
            e.to = Some(release.version.clone());
            e.id = Some(id.clone());
            e.insecure_skip_verify = true;
            e.reason = Some("signature verification skipped (--insecure-skip-verify)".into());
            self.append_history_all(&e);
        }
        self.save_state(&mut st);
        self.emit(
            self.rollout_event(RolloutEventKind::Started, &st)
                .hosts(&self.names(&self.all())),
        );
        self.with_confirm_heartbeat(&id, || self.run_steps(&mut st))
    }

    pub(super) fn append_history_all(&self, template: &HistoryEntry) {
        self.par(&self.all(), |i| {
            let mut e = template.clone();
            e.host = self.host(i).name().to_string();
            if let Err(err) = self.run(i, &[Op::AppendHistory(e)]) {
                self.warn(format!(
                    "{}: cannot append to history: {err}",
                    self.host(i).name()
                ));
            }
        });
    }

    /// `tug rollout pause` writes its request on every host, so the first reachable one tells.
    pub(super) fn pause_requested(&self) -> bool {
        for i in self.all() {
            match self.host(i).run(&[Op::FileExists(".tug/pause".into())]) {
                Ok(out) => return out.ok(),
                Err(_) => continue,
            }
        }
        false
    }

    pub(super) fn pause(&self, st: &mut RolloutState, reason: String) -> RolloutOutcome {
        // A pause hands the rollout to a human: what was switched stays (confirmed).
        let reason = match self.confirm_pending(st) {
            Some(why) if !reason.contains(&why) => format!("{reason}; {why}"),
            _ => reason,
        };
        st.status = RolloutStatus::Paused;
        st.paused_reason = Some(reason.clone());
        self.save_state(st);
        self.par(&self.all(), |i| {
            let _ = self.run(i, &[Op::RemoveFiles(vec![".tug/pause".into()])]);
        });
        let mut e = self.history_entry(0, Action::Rollout, Outcome::Paused);
        e.to = Some(st.version.clone());
        e.id = Some(st.id.clone());
        e.reason = Some(reason.clone());
        self.append_history_all(&e);
        RolloutOutcome::Paused {
            version: st.version.clone(),
            reason,
        }
    }

    /// Run the rest of the plan of `st`, reporting how it ended as a rollout event.
    pub(super) fn run_steps(&self, st: &mut RolloutState) -> Result<RolloutOutcome, DeployError> {
        let result = self.steps_from_next(st);
        self.report_end(st, &result, Trigger::Automatic);
        result
    }

    fn steps_from_next(&self, st: &mut RolloutState) -> Result<RolloutOutcome, DeployError> {
        let total = st.steps.len();
        while st.next_step < total {
            if self.pause_requested() {
                return Ok(self.pause(st, "paused by `tug rollout pause`".into()));
            }
            let n = st.next_step;
            // The hosts switched so far passed their step: confirm them before switching more.
            if matches!(st.steps[n], PlanStep::Deploy(_)) {
                if let Some(why) = self.confirm_pending(st) {
                    return Ok(self.pause(st, why));
                }
            }
            let stop = match st.steps[n].clone() {
                PlanStep::Deploy(hosts) => self.step_deploy(st, hosts, n, total)?,
                PlanStep::Prepare(hosts) => self.step_prepare(st, hosts, n, total)?,
                PlanStep::Switch(hosts) => self.step_switch(st, hosts, n, total)?,
                PlanStep::Pause(p) if p == "manual" => Some(self.step_manual_pause(st, n, total)),
                PlanStep::Pause(p) => self.step_pause(st, p, n, total)?,
                PlanStep::Analysis(name) => self.step_analysis(st, name, n, total)?,
                PlanStep::Traffic(share) => self.step_traffic(st, share, n, total)?,
            };
            if let Some(outcome) = stop {
                return Ok(outcome);
            }
            self.emit(
                self.rollout_event(RolloutEventKind::StepPassed, st)
                    .hosts(&st.switched)
                    .at_step(st, n),
            );
            st.next_step += 1;
            // A switching step saves the state before it starts, and the end of the rollout
            // removes it: before either, this save is not needed (a crash in between re-runs a
            // batch that is already on the release, which only restarts it again).
            let saved_next = matches!(
                st.steps.get(st.next_step),
                None | Some(PlanStep::Deploy(_) | PlanStep::Switch(_))
            );
            if !saved_next {
                self.save_state(st);
            }
        }
        if let Some(why) = self.confirm_pending(st) {
            return Ok(self.pause(st, why));
        }
        Ok(self.finish(st))
    }

    /// The indices of `hosts` this rollout has not switched yet (a resumed step skips the rest).
    fn not_switched(&self, st: &RolloutState, hosts: &[String]) -> Vec<usize> {
        hosts
            .iter()
            .filter(|h| !st.switched.contains(h))
            .filter_map(|h| self.index(h))
            .collect()
    }

    /// A switching step: switch these hosts (at most `max_unavailable` at a time), restart and
    /// health-check them; a failing host is switched back at once and the rollout fails.
    /// `Some(outcome)` when the rollout stops here.
    fn step_deploy(
        &self,
        st: &mut RolloutState,
        hosts: Vec<String>,
        n: usize,
        total: usize,
    ) -> Result<Option<RolloutOutcome>, DeployError> {
        let todo = self.not_switched(st, &hosts);
        let limit = match self.switch_limit(st, &todo) {
            Ok(limit) => limit,
            Err(why) => return Ok(Some(self.pause(st, why))),
        };
        self.phase(format!(
            "step {}/{total}: switch {}{}",
            n + 1,
            self.names(&todo).join(", "),
            if limit < todo.len() {
                format!(" ({limit} at a time: max_unavailable)")
            } else {
                String::new()
            }
        ));
        st.in_flight = self.names(&todo);
        self.save_state(st);
        // With a router: no new requests for these hosts while they switch.
        if let Err(e) = self.traffic_drain(st, &self.names(&todo)) {
            st.in_flight.clear();
            return Ok(Some(self.router_pause(st, e)));
        }
        let switch_one = |i: usize| -> Result<(), StepFailure> {
            let intent = self.rollout_entry(i, st, Outcome::Intent);
            let healthy = self.rollout_entry(i, st, Outcome::Healthy);
            let arm = self.arm_op(i, st).map_err(|error| StepFailure {
                error,
                reverted: Ok(()),
            })?;
            let Err(e) = self.activate(i, &st.version, intent, healthy, arm) else {
                return Ok(());
            };
            // Switch a failing host back at once.
            self.on_host(i, format!("failed: {}", e.line()));
            let reverted = self.revert_host(i, st, &e.line());
            Err(StepFailure { error: e, reverted })
        };
        // At most `limit` hosts at a time; a failure stops the batch there.
        let mut results = Vec::new();
        for chunk in todo.chunks(limit) {
            let chunk_results = self.par(chunk, switch_one);
            let failed = chunk_results.iter().any(|r| r.is_err());
            results.extend(chunk.iter().copied().zip(chunk_results));
            if failed {
                break;
            }
        }
        let mut failures = Vec::new();
        for (i, r) in results {
            let name = self.host(i).name().to_string();
            match r {
                Ok(()) => {
                    if self.confirm_within().is_some() && !st.unconfirmed.contains(&name) {
                        st.unconfirmed.push(name.clone());
                    }
                    st.switched.push(name.clone());
                    st.canary.push(name);
                }
                Err(f) => failures.push((name, f)),
            }
        }
        st.in_flight.clear();
        if !failures.is_empty() {
            return self.fail_step(st, failures).map(Some);
        }
        // With a router: the switched hosts get the share of requests the rollout is at.
        if let Err(e) = self.traffic_settle(st, &format!("step {} switched, healthy", n + 1)) {
            return Ok(Some(self.router_pause(st, e)));
        }
        Ok(None)
    }

    /// Blue-green: prepare the idle slot on every host (restart, health check); any failure
    /// stops the rollout before any host switches. `Some(outcome)` when it stops here.
    fn step_prepare(
        &self,
        st: &mut RolloutState,
        hosts: Vec<String>,
        n: usize,
        total: usize,
    ) -> Result<Option<RolloutOutcome>, DeployError> {
        let todo: Vec<usize> = hosts
            .iter()
            .filter(|h| !st.prepared.contains(h) && !st.switched.contains(h))
            .filter_map(|h| self.index(h))
            .collect();
        self.phase(format!(
            "step {}/{total}: prepare the idle slot on {}",
            n + 1,
            self.names(&todo).join(", ")
        ));
        let results = self.par(&todo, |i| self.prepare_slot(i, &st.version));
        let mut failures = Vec::new();
        let mut blame = Blame::NotTheRelease;
        for (k, r) in results.into_iter().enumerate() {
            let name = self.host(todo[k]).name().to_string();
            match r {
                Ok((_, previous)) => {
                    st.standby_before.insert(name.clone(), previous);
                    st.prepared.push(name);
                }
                Err(e) => {
                    self.on_host(todo[k], format!("failed: {}", e.line()));
                    if e.blames_release() {
                        blame = Blame::Release;
                    }
                    let mut line = self.history_entry(todo[k], Action::Prepare, Outcome::Failed);
                    line.to = Some(st.version.clone());
                    line.reason = Some(e.line());
                    line.id = Some(st.id.clone());
                    if let Err(err) = self.run(todo[k], &[Op::AppendHistory(line)]) {
                        self.warn(format!("{name}: cannot record: {}", err.line()));
                    }
                    failures.push(format!("{name}: {}", e.line()));
                }
            }
        }
        if !failures.is_empty() {
            // Nothing was switched: the live slots never stopped serving. The failed
            // hosts' idle slots were given their previous release back; the prepared
            // ones are abandoned (and given theirs back) by `fail`.
            let reason = format!(
                "preparing the idle slot failed, no host was switched: {}",
                failures.join("; ")
            );
            return self.fail(st, &[], &reason, blame).map(Some);
        }
        // With a router and header routing: those requests reach the prepared slots.
        if let Err(e) = self.traffic_prepared(st) {
            return Ok(Some(self.router_pause(st, e)));
        }
        Ok(None)
    }

    /// Blue-green: switch `current` to the prepared slot on every host (one rename each).
    /// `Some(outcome)` when the rollout stops here.
    fn step_switch(
        &self,
        st: &mut RolloutState,
        hosts: Vec<String>,
        n: usize,
        total: usize,
    ) -> Result<Option<RolloutOutcome>, DeployError> {
        let todo = self.not_switched(st, &hosts);
        self.phase(format!(
            "step {}/{total}: switch {} to the prepared slot",
            n + 1,
            self.names(&todo).join(", ")
        ));
        // With a router: every host's traffic moves to the prepared slots in one change first
        // (the links follow); a router that does not take it stops here, nothing switched.
        if let Err(e) = self.traffic_switch(st) {
            return Ok(Some(self.router_pause(st, e)));
        }
        st.in_flight = self.names(&todo);
        self.save_state(st);
        let results = self.par(&todo, |i| -> Result<(), StepFailure> {
            let res = (|| {
                let state = self.read_state_op(i)?;
                if state.live_slot.is_some()
                    && state.current.as_deref() == Some(st.version.as_str())
                {
                    return Ok(()); // switched before an interruption
                }
                let Some(slot) = self.standby_slot(&state, &st.version) else {
                    return Err(HostOpError::State(format!(
                        "no idle slot runs {} (it was prepared, then changed)",
                        st.version
                    )));
                };
                let mut ops = vec![Op::AppendHistory(self.rollout_entry(
                    i,
                    st,
                    Outcome::Intent,
                ))];
                ops.extend(self.switch_ops(i, &st.version, Some(&slot))?);
                ops.push(Op::AppendHistory(self.rollout_entry(
                    i,
                    st,
                    Outcome::Healthy,
                )));
                self.run(i, &ops)?;
                self.on_host(i, format!("live slot is now {slot}"));
                Ok(())
            })();
            let Err(e) = res else {
                return Ok(());
            };
            self.on_host(i, format!("failed: {}", e.line()));
            let reverted = self.revert_host(i, st, &format!("switch failed: {}", e.line()));
            Err(StepFailure { error: e, reverted })
        });
        let mut failures = Vec::new();
        for (k, r) in results.into_iter().enumerate() {
            let name = self.host(todo[k]).name().to_string();
            match r {
                Ok(()) => st.switched.push(name),
                Err(f) => failures.push((name, f)),
            }
        }
        st.in_flight.clear();
        if !failures.is_empty() {
            return self.fail_step(st, failures).map(Some);
        }
        Ok(None)
    }

    /// A manual pause: the rollout stops until `tug rollout promote`.
    fn step_manual_pause(&self, st: &mut RolloutState, n: usize, total: usize) -> RolloutOutcome {
        self.phase(format!("step {}/{total}: pause until promoted", n + 1));
        self.pause(st, format!("manual pause at step {}/{total}", n + 1))
    }

    /// A timed pause (a pause request stops it). `Some(outcome)` when the rollout stops here.
    fn step_pause(
        &self,
        st: &mut RolloutState,
        p: String,
        n: usize,
        total: usize,
    ) -> Result<Option<RolloutOutcome>, DeployError> {
        let d = p
            .parse::<crate::config::types::Duration>()
            .map_err(|e| DeployError::Config(format!("pause: {e}")))?
            .get();
        self.phase(format!("step {}/{total}: pause {p}", n + 1));
        let end = std::time::Instant::now() + d;
        while std::time::Instant::now() < end {
            std::thread::sleep(Duration::from_millis(500).min(end - std::time::Instant::now()));
            if self.pause_requested() {
                return Ok(Some(self.pause(st, "paused by `tug rollout pause`".into())));
            }
        }
        Ok(None)
    }

    /// A Prometheus analysis of the canary hosts (the prepared slots under blue-green): pass
    /// continues, fail rolls back, inconclusive or an error pauses. `Some(outcome)` when the
    /// rollout stops here.
    fn step_analysis(
        &self,
        st: &mut RolloutState,
        name: String,
        n: usize,
        total: usize,
    ) -> Result<Option<RolloutOutcome>, DeployError> {
        self.phase(format!(
            "step {}/{total}: analysis {name} on {}",
            n + 1,
            if self.blue_green() && st.switched.is_empty() {
                st.prepared.join(", ")
            } else {
                st.canary.join(", ")
            }
        ));
        let cfg = self
            .env
            .config
            .analyses
            .get(&name)
            .ok_or_else(|| DeployError::Config(format!("unknown analysis {name:?}")))?;
        // Blue-green analyses run before the switch, on the prepared idle slots.
        let targets = if self.blue_green() && st.switched.is_empty() {
            &st.prepared
        } else {
            &st.canary
        };
        let canary: Vec<usize> = targets.iter().filter_map(|h| self.index(h)).collect();
        let ctx = QueryContext {
            version: st.version.clone(),
            environment: self.env.name.clone(),
            hosts: canary
                .iter()
                .map(|&i| regex_escape(self.host(i).name()))
                .collect::<Vec<_>>()
                .join("|"),
            addresses: canary
                .iter()
                .map(|&i| regex_escape(self.host(i).address()))
                .collect::<Vec<_>>()
                .join("|"),
            window: cfg.window.clone().unwrap_or_else(|| "1m".into()),
        };
        let verdict = analysis::run(self.http(), cfg, &ctx, &|k, v| {
            let text = match v {
                Verdict::Pass => "pass".to_string(),
                Verdict::Fail { reason, .. } => format!("fail: {reason}"),
                Verdict::Inconclusive { reason } => format!("inconclusive: {reason}"),
            };
            self.phase(format!("analysis {name}: measurement {k}: {text}"));
        });
        match verdict {
            Ok(Verdict::Pass) => st.canary.clear(),
            Ok(Verdict::Fail { scope, reason }) => {
                let failed = self.rollout_event(RolloutEventKind::AnalysisFailed, st);
                self.emit(failed.hosts(targets).at_step(st, n).reason(&reason));
                let hosts = match scope {
                    RollbackScope::All => st.switched.clone(),
                    RollbackScope::Canary => st.canary.clone(),
                };
                return self
                    .fail(
                        st,
                        &hosts,
                        &format!("analysis {name} failed: {reason}"),
                        Blame::Release,
                    )
                    .map(Some);
            }
            Ok(Verdict::Inconclusive { reason }) => {
                return Ok(Some(
                    self.pause(st, format!("analysis {name} inconclusive: {reason}")),
                ));
            }
            Err(e) => {
                return Ok(Some(
                    self.pause(st, format!("analysis {name} could not run: {e}")),
                ));
            }
        }
        Ok(None)
    }

    fn finish(&self, st: &mut RolloutState) -> RolloutOutcome {
        self.phase(format!("done: {} on every host", st.version));
        self.traffic_rest(st, "the rollout is done: every server its normal weight");
        let keep = self.env.config.keep_releases;
        self.end(st, |i, name| {
            st.switched
                .contains(&name.to_string())
                .then(|| self.rollout_entry(i, st, Outcome::Success))
        });
        // It ran healthy everywhere: an old bad mark (a `--force` rollout) no longer holds, and
        // the target of an earlier rollback that left hosts out is superseded.
        self.run_all_or_warn(
            &[
                Op::ClearBad {
                    version: st.version.clone(),
                },
                Op::RemoveFiles(vec![".tug/rollback.json".into()]),
            ],
            "clear the bad mark and the rollback record",
        );
        // Prune old releases, never the current one or the one before it.
        self.par(&self.all(), |i| {
            let Ok(state) = self.read_state(i) else {
                return;
            };
            let name = self.host(i).name();
            let mut protect: BTreeSet<String> = [st.version.clone()].into();
            protect.extend(state.slots.values().cloned());
            if let Some(Some(f)) = st.from.get(name) {
                protect.insert(f.clone());
            }
            let mut all: Vec<&hs::ReleaseRecord> = state.releases.values().collect();
            all.sort_by(|a, b| b.uploaded_at.cmp(&a.uploaded_at));
            let prune: Vec<String> = all
                .iter()
                .skip(keep.max(1))
                .map(|r| r.version.clone())
                .filter(|v| !protect.contains(v))
                .collect();
            if !prune.is_empty() && self.run(i, &[Op::RemoveReleases(prune.clone())]).is_ok() {
                self.on_host(i, format!("pruned {}", prune.join(", ")));
            }
        });
        RolloutOutcome::Completed {
            version: st.version.clone(),
            hosts: st.switched.clone(),
        }
    }

    /// Remove the rollout state and our lock everywhere, with a final history line per host.
    pub(super) fn end(
        &self,
        st: &RolloutState,
        line: impl Fn(usize, &str) -> Option<HistoryEntry> + Sync,
    ) {
        self.par(&self.all(), |i| {
            let mut ops = Vec::new();
            if let Some(e) = line(i, self.host(i).name()) {
                ops.push(Op::AppendHistory(e));
            }
            // Hosts that keep the release keep it for good (a no-op without a pending timer).
            ops.push(Op::Confirm {
                id: Some(st.id.clone()),
            });
            ops.push(Op::RemoveFiles(vec![
                ".tug/rollout.json".into(),
                ".tug/pause".into(),
            ]));
            ops.push(Op::ReleaseLock { id: st.id.clone() });
            if let Err(e) = self.run(i, &ops) {
                self.warn(format!("{}: cannot finish: {e}", self.host(i).name()));
            }
        });
    }
}
