//! A rollout: preflight and plan, staging, the plan's steps, automatic revert, and the end.

#[allow(unused_imports)]
use super::engine::*;

impl Deployer<'_> {
    // ---------------------------------------------------------------- rollout

    /// Preflight and plan a rollout of `release` (nothing is changed).
    pub fn plan(&self, release: &Release) -> Result<(RolloutPlan, Vec<HostState>), DeployError> {
        self.phase("preflight");
        let states = self.read_states()?;
        if let Some((st, interrupted)) = self.stored_rollout(&states) {
            return Err(DeployError::Unfinished {
                state: Box::new(st),
                interrupted,
            });
        }
        for (i, s) in states.iter().enumerate() {
            if let Some(l) = &s.lock {
                return Err(DeployError::LockHeld {
                    host: self.host(i).name().into(),
                    holder: Box::new(l.clone()),
                    stale: l.is_stale(&self.actor.machine),
                });
            }
        }
        let intact = self.par(&self.all(), |i| {
            let s = &states[i];
            let mut problems = s.problems.clone();
            if let Some(cur) = &s.current {
                match s.releases.get(cur) {
                    None => problems.push(format!(
                        "current points to {cur}, which has no release.json"
                    )),
                    Some(r) => {
                        if let Err(e) = self.run(
                            i,
                            &[Op::VerifyDigest {
                                version: cur.clone(),
                                artifact: r.artifact.clone(),
                                sha256: r.sha256.clone(),
                            }],
                        ) {
                            problems.push(format!("the release to roll back to is damaged: {e}"));
                        }
                    }
                }
            }
            problems
        });
        let mut hosts = Vec::new();
        let mut pending = Vec::new();
        for (i, s) in states.iter().enumerate() {
            let mut problems = intact[i].clone();
            let existing = s.releases.get(&release.version);
            if let Some(r) = existing {
                if r.sha256 != release.sha256 {
                    problems.push(format!(
                        "holds a different build of {} (sha256 {}); refusing to replace it",
                        release.version, r.sha256
                    ));
                }
            }
            let upload = existing.is_none_or(|r| r.sha256 != release.sha256);
            let need_kib = release.size.saturating_mul(3) / 1024 + 1024;
            if upload && s.free_kib.is_some_and(|f| f < need_kib) {
                problems.push(format!(
                    "not enough disk space: {} KiB free, {need_kib} KiB needed",
                    s.free_kib.unwrap_or(0)
                ));
            }
            if s.current.as_deref() != Some(release.version.as_str()) {
                pending.push(self.host(i).name().to_string());
            }
            hosts.push(HostPreflight {
                host: self.host(i).name().into(),
                current: s.current.clone(),
                upload,
                problems,
            });
        }
        let steps = build_plan(&self.env.config.strategy, &pending);
        Ok((
            RolloutPlan {
                version: release.version.clone(),
                steps,
                hosts,
            },
            states,
        ))
    }

    /// Roll `release` out to the environment.
    pub fn rollout(&self, release: &Release) -> Result<RolloutOutcome, DeployError> {
        let (plan, states) = self.plan(release)?;
        let problems = plan.problems();
        if !problems.is_empty() {
            return Err(DeployError::Preflight(problems));
        }
        if plan.steps.is_empty() {
            return Ok(RolloutOutcome::NothingToDo {
                version: release.version.clone(),
            });
        }
        let id = format!(
            "{}-{}",
            chrono::Utc::now().format("%Y%m%dT%H%M%SZ"),
            self.actor.pid
        );
        self.lock_all(&id, &format!("rollout {}", release.version))?;
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
        };
        let receive = [Op::Receive {
            record,
            source: release.path.clone(),
        }];
        let verify = [Op::VerifyDigest {
            version: release.version.clone(),
            artifact: release.artifact.clone(),
            sha256: release.sha256.clone(),
        }];
        let staged = self.par(&self.all(), |i| -> Result<(), String> {
            if plan.hosts[i].upload {
                let out = self.host(i).run(&receive).map_err(|e| e.to_string())?;
                if !out.ok() {
                    return Err(format!("upload failed: {}", out.stderr.trim()));
                }
                self.on_host(i, "uploaded, digest verified");
            } else {
                self.run(i, &verify)?;
                self.on_host(i, "already has this release, digest verified");
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
            started_by: self.actor.id(),
            started_at: now(),
            updated_at: now(),
            insecure_skip_verify: release.insecure_skip_verify,
        };
        if release.insecure_skip_verify {
            let mut e = self.history_entry(0, "rollout", "started");
            e.to = Some(release.version.clone());
            e.id = Some(id.clone());
            e.insecure_skip_verify = true;
            e.reason = Some("signature verification skipped (--insecure-skip-verify)".into());
            self.append_history_all(&e);
        }
        self.save_state(&mut st);
        self.run_steps(&mut st)
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
        st.status = RolloutStatus::Paused;
        st.paused_reason = Some(reason.clone());
        self.save_state(st);
        self.par(&self.all(), |i| {
            let _ = self.run(i, &[Op::RemoveFiles(vec![".tug/pause".into()])]);
        });
        let mut e = self.history_entry(0, "rollout", "paused");
        e.to = Some(st.version.clone());
        e.id = Some(st.id.clone());
        e.reason = Some(reason.clone());
        self.append_history_all(&e);
        RolloutOutcome::Paused {
            version: st.version.clone(),
            reason,
        }
    }

    pub(super) fn run_steps(&self, st: &mut RolloutState) -> Result<RolloutOutcome, DeployError> {
        let total = st.steps.len();
        while st.next_step < total {
            if self.pause_requested() {
                return Ok(self.pause(st, "paused by `tug rollout pause`".into()));
            }
            let n = st.next_step;
            match st.steps[n].clone() {
                PlanStep::Deploy(hosts) => {
                    let todo: Vec<usize> = hosts
                        .iter()
                        .filter(|h| !st.switched.contains(h))
                        .filter_map(|h| self.index(h))
                        .collect();
                    let limit = match self.switch_limit(st, &todo) {
                        Ok(limit) => limit,
                        Err(why) => return Ok(self.pause(st, why)),
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
                    let switch_one = |i: usize| {
                        let e = self.rollout_entry(i, st, "switched");
                        let res = self
                            .activate(i, &st.version, vec![Op::AppendHistory(e)])
                            .map_err(|why| one_line(&why));
                        if let Err(why) = &res {
                            // Switch a failing host back at once.
                            self.on_host(i, format!("failed: {why}"));
                            let _ = self.revert_host(i, st, why);
                        }
                        res
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
                    let mut failed_hosts = Vec::new();
                    for (i, r) in results {
                        let name = self.host(i).name().to_string();
                        match r {
                            Ok(()) => {
                                st.switched.push(name.clone());
                                st.canary.push(name);
                            }
                            Err(e) => {
                                failures.push(format!("{name}: {e}"));
                                failed_hosts.push(name);
                            }
                        }
                    }
                    st.in_flight.clear();
                    if !failures.is_empty() {
                        let reason = failures.join("; ");
                        let hosts = st.switched.clone();
                        let mut outcome = self.fail(st, &hosts, &reason);
                        // The failed hosts were switched back at once: they count as reverted.
                        if let RolloutOutcome::RolledBack { reverted, .. } = &mut outcome {
                            reverted.extend(failed_hosts);
                        }
                        return Ok(outcome);
                    }
                }
                PlanStep::Prepare(hosts) => {
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
                    let results = self.par(&todo, |i| {
                        self.prepare_slot(i, &st.version).map_err(|e| one_line(&e))
                    });
                    let mut failures = Vec::new();
                    let mut failed = Vec::new();
                    for (k, r) in results.into_iter().enumerate() {
                        let name = self.host(todo[k]).name().to_string();
                        match r {
                            Ok(_) => st.prepared.push(name),
                            Err(e) => {
                                self.on_host(todo[k], format!("failed: {e}"));
                                failures.push(format!("{name}: {e}"));
                                failed.push(name);
                            }
                        }
                    }
                    if !failures.is_empty() {
                        // Nothing was switched: the live slots never stopped serving. The failed
                        // hosts' idle slots are abandoned (marked bad) with the prepared ones.
                        st.prepared.extend(failed);
                        let reason = format!(
                            "preparing the idle slot failed, no host was switched: {}",
                            failures.join("; ")
                        );
                        return Ok(self.fail(st, &[], &reason));
                    }
                }
                PlanStep::Switch(hosts) => {
                    let todo: Vec<usize> = hosts
                        .iter()
                        .filter(|h| !st.switched.contains(h))
                        .filter_map(|h| self.index(h))
                        .collect();
                    self.phase(format!(
                        "step {}/{total}: switch {} to the prepared slot",
                        n + 1,
                        self.names(&todo).join(", ")
                    ));
                    st.in_flight = self.names(&todo);
                    self.save_state(st);
                    let results = self.par(&todo, |i| -> Result<(), String> {
                        let state = self.read_state(i).map_err(|e| e.to_string())?;
                        let e = self.rollout_entry(i, st, "switched");
                        let res = if state.live_slot.is_some()
                            && state.current.as_deref() == Some(st.version.as_str())
                        {
                            Ok(()) // switched before an interruption
                        } else {
                            match self.standby_slot(&state, &st.version) {
                                None => Err(format!(
                                    "no idle slot runs {} (it was prepared, then changed)",
                                    st.version
                                )),
                                Some(slot) => {
                                    let mut ops = self.switch_ops(i, &st.version, Some(&slot))?;
                                    ops.push(Op::AppendHistory(e));
                                    self.run(i, &ops)
                                        .map(|_| {
                                            self.on_host(i, format!("live slot is now {slot}"))
                                        })
                                        .map_err(|e| one_line(&e))
                                }
                            }
                        };
                        if let Err(why) = &res {
                            self.on_host(i, format!("failed: {why}"));
                            let _ = self.revert_host(i, st, &format!("switch failed: {why}"));
                        }
                        res
                    });
                    let mut failures = Vec::new();
                    for (k, r) in results.into_iter().enumerate() {
                        let name = self.host(todo[k]).name().to_string();
                        match r {
                            Ok(()) => st.switched.push(name),
                            Err(e) => failures.push(format!("{name}: {e}")),
                        }
                    }
                    st.in_flight.clear();
                    if !failures.is_empty() {
                        let hosts = st.switched.clone();
                        return Ok(self.fail(st, &hosts, &failures.join("; ")));
                    }
                }
                PlanStep::Pause(p) if p == "manual" => {
                    self.phase(format!("step {}/{total}: pause until promoted", n + 1));
                    return Ok(self.pause(st, format!("manual pause at step {}/{total}", n + 1)));
                }
                PlanStep::Pause(p) => {
                    let d = parse_duration(&p).map_err(DeployError::Config)?;
                    self.phase(format!("step {}/{total}: pause {p}", n + 1));
                    let end = std::time::Instant::now() + d;
                    while std::time::Instant::now() < end {
                        std::thread::sleep(
                            Duration::from_millis(500).min(end - std::time::Instant::now()),
                        );
                        if self.pause_requested() {
                            return Ok(self.pause(st, "paused by `tug rollout pause`".into()));
                        }
                    }
                }
                PlanStep::Analysis(name) => {
                    self.phase(format!(
                        "step {}/{total}: analysis {name} on {}",
                        n + 1,
                        if self.blue_green() && st.switched.is_empty() {
                            st.prepared.join(", ")
                        } else {
                            st.canary.join(", ")
                        }
                    ));
                    let cfg =
                        self.env.config.analyses.get(&name).ok_or_else(|| {
                            DeployError::Config(format!("unknown analysis {name:?}"))
                        })?;
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
                    let verdict = analysis::run(cfg, &ctx, &|k, v| {
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
                            let hosts = match scope {
                                RollbackScope::All => st.switched.clone(),
                                RollbackScope::Canary => st.canary.clone(),
                            };
                            return Ok(self.fail(
                                st,
                                &hosts,
                                &format!("analysis {name} failed: {reason}"),
                            ));
                        }
                        Ok(Verdict::Inconclusive { reason }) => {
                            return Ok(
                                self.pause(st, format!("analysis {name} inconclusive: {reason}"))
                            );
                        }
                        Err(e) => {
                            return Ok(
                                self.pause(st, format!("analysis {name} could not run: {e}"))
                            );
                        }
                    }
                }
            }
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
        Ok(self.finish(st))
    }

    /// Switch one host back to what it ran before the rollout and mark the release bad there.
    pub(super) fn revert_host(
        &self,
        i: usize,
        st: &RolloutState,
        reason: &str,
    ) -> Result<(), String> {
        let name = self.host(i).name().to_string();
        let from = st.from.get(&name).cloned().flatten();
        let state = self.read_state(i).map_err(|e| e.to_string())?;
        // A host that never left (its switch failed before `current` moved) is not touched:
        // re-running its hooks and restart would only take it down for nothing.
        let restarts = !self.blue_green() && state.current != from;
        let mut ops = if self.blue_green() {
            self.switch_back_ops(i, &state, from.as_deref())?
        } else if restarts {
            self.activate_ops(i, from.as_deref())?
        } else {
            Vec::new()
        };
        ops.push(Op::MarkBad {
            version: st.version.clone(),
            mark: hs::BadMark {
                time: now(),
                actor: self.actor.id(),
                reason: reason.into(),
            },
        });
        let mut e = self.history_entry(i, "revert", "reverted");
        e.from = Some(st.version.clone());
        e.to = from.clone();
        e.reason = Some(reason.into());
        e.id = Some(st.id.clone());
        ops.push(Op::AppendHistory(e));
        let res = self.run(i, &ops);
        match &res {
            Ok(_) => self.on_host(
                i,
                format!("reverted to {}", from.as_deref().unwrap_or("nothing")),
            ),
            Err(e) => self.warn(format!("{name}: revert failed: {e}")),
        }
        res?;
        // Restarted on the old release: reverted means serving again, so wait for it.
        if let (true, Some(v)) = (restarts, from.as_deref()) {
            if let Some(probe) = self.probe(i, v, None)? {
                let cfg = self.env.config.health_check.as_ref().expect("probe");
                match probe.wait_healthy(self.host(i), cfg) {
                    Ok(()) => self.on_host(i, format!("healthy on {v}")),
                    Err(e) => self.warn(format!("{name}: back on {v} but not healthy: {e}")),
                }
            }
        }
        Ok(())
    }

    /// Revert `hosts` in parallel, end the rollout, release the lock.
    pub(super) fn fail(
        &self,
        st: &mut RolloutState,
        hosts: &[String],
        reason: &str,
    ) -> RolloutOutcome {
        self.phase(if hosts.is_empty() {
            format!("stopping, no other host to switch back: {reason}")
        } else {
            format!("rolling back {}: {reason}", hosts.join(", "))
        });
        let idx: Vec<usize> = hosts.iter().filter_map(|h| self.index(h)).collect();
        self.par(&idx, |i| self.revert_host(i, st, reason));
        // Blue-green: idle slots prepared with the release that will not go live.
        let abandoned: Vec<usize> = st
            .prepared
            .iter()
            .filter(|h| !st.switched.contains(h) && !hosts.contains(h))
            .filter_map(|h| self.index(h))
            .collect();
        self.par(&abandoned, |i| {
            let mut e = self.history_entry(i, "prepare", "abandoned");
            e.to = Some(st.version.clone());
            e.reason = Some(reason.into());
            e.id = Some(st.id.clone());
            let ops = [
                Op::MarkBad {
                    version: st.version.clone(),
                    mark: hs::BadMark {
                        time: now(),
                        actor: self.actor.id(),
                        reason: reason.into(),
                    },
                },
                Op::AppendHistory(e),
            ];
            if let Err(err) = self.run(i, &ops) {
                self.warn(format!("{}: {err}", self.host(i).name()));
            }
        });
        let kept: Vec<String> = st
            .switched
            .iter()
            .filter(|h| !hosts.contains(h))
            .cloned()
            .collect();
        self.end(st, |i, name| {
            kept.contains(&name.to_string()).then(|| {
                let mut e = self.history_entry(i, "rollout", "stopped");
                e.to = Some(st.version.clone());
                e.reason = Some(format!(
                    "kept {}: only canary hosts were rolled back ({reason})",
                    st.version
                ));
                e.id = Some(st.id.clone());
                e
            })
        });
        RolloutOutcome::RolledBack {
            version: st.version.clone(),
            reason: reason.into(),
            reverted: hosts.to_vec(),
            kept,
        }
    }

    pub(super) fn finish(&self, st: &mut RolloutState) -> RolloutOutcome {
        self.phase(format!("done: {} on every host", st.version));
        let keep = self.env.config.keep_releases;
        self.end(st, |i, name| {
            st.switched
                .contains(&name.to_string())
                .then(|| self.rollout_entry(i, st, "success"))
        });
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
