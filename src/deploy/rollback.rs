//! `tug rollback`: the rollback plan (which release each host goes back to) and its fast path.

#[allow(unused_imports)]
use super::engine::*;

impl Deployer<'_> {
    // ---------------------------------------------------------------- rollback

    /// Which release each host goes back to: `to`, or its previous good release.
    ///
    /// With `skip_unreachable`, hosts that cannot be connected to are left out of the plan (and
    /// listed in it) instead of stopping the rollback; a host key problem always stops it.
    pub fn plan_rollback(
        &self,
        to: Option<&str>,
        skip_unreachable: bool,
    ) -> Result<RollbackPlan, DeployError> {
        let mut unreachable = Vec::new();
        let mut states = Vec::new();
        for (i, r) in self
            .par(&self.all(), |i| self.read_state(i))
            .into_iter()
            .enumerate()
        {
            match r {
                Ok(s) => states.push((i, s)),
                Err(DeployError::Host(e @ HostError::Connect { .. })) if skip_unreachable => {
                    unreachable.push(HostResult {
                        host: self.host(i).name().to_string(),
                        ok: false,
                        message: e.to_string(),
                    })
                }
                Err(e) => return Err(e),
            }
        }
        let (reachable, states): (Vec<usize>, Vec<HostState>) = states.into_iter().unzip();
        if let Some((st, interrupted)) = self.stored_rollout(&states) {
            return Err(DeployError::Unfinished {
                state: Box::new(st),
                interrupted,
            });
        }
        let mut moves = Vec::new();
        let mut records = BTreeMap::new();
        let mut problems = Vec::new();
        for (&i, s) in reachable.iter().zip(&states) {
            let name = self.host(i).name().to_string();
            let target = match to {
                Some(v) => Some(
                    v.strip_prefix('v')
                        .filter(|_| !s.releases.contains_key(v))
                        .unwrap_or(v)
                        .to_string(),
                ),
                None => previous_good(s),
            };
            let Some(target) = target else {
                problems.push(format!("{name}: no previous good release to go back to"));
                continue;
            };
            let Some(rec) = s.releases.get(&target) else {
                problems.push(format!(
                    "{name}: release {target} is not on the host (kept: {})",
                    keys(&s.releases)
                ));
                continue;
            };
            records.insert(
                name.clone(),
                (rec.artifact.clone(), rec.sha256.clone(), rec.size),
            );
            let slot = if self.blue_green() {
                self.standby_slot(s, &target)
            } else {
                None
            };
            moves.push(HostMove {
                host: name,
                from: s.current.clone(),
                to: target,
                slot,
            });
        }
        if !problems.is_empty() {
            return Err(DeployError::Preflight(problems));
        }
        Ok(RollbackPlan {
            moves,
            unreachable,
            records,
        })
    }

    /// Execute a rollback plan: every host in parallel, no steps, no analysis.
    pub fn rollback(
        &self,
        plan: &RollbackPlan,
        reason: Option<&str>,
    ) -> Result<Vec<HostResult>, DeployError> {
        let id = format!(
            "{}-{}",
            chrono::Utc::now().format("%Y%m%dT%H%M%SZ"),
            self.actor.pid
        );
        let reachable: Vec<usize> = self
            .all()
            .into_iter()
            .filter(|&i| {
                !plan
                    .unreachable
                    .iter()
                    .any(|u| u.host == self.host(i).name())
            })
            .collect();
        self.lock_hosts(&reachable, &id, "rollback")?;
        let skipped = plan
            .unreachable
            .iter()
            .map(|u| u.host.as_str())
            .collect::<Vec<_>>()
            .join(", ");
        let idx: Vec<usize> = plan
            .moves
            .iter()
            .filter_map(|m| self.index(&m.host))
            .collect();
        let results = self.par(&idx, |i| {
            let m = plan
                .moves
                .iter()
                .find(|m| m.host == self.host(i).name())
                .expect("planned");
            let (artifact, sha, size) = &plan.records[&m.host];
            let mut e = self.history_entry(i, "rollback", "success");
            e.from = m.from.clone();
            e.to = Some(m.to.clone());
            e.digest = Some(sha.clone());
            e.reason = match (reason, skipped.is_empty()) {
                (r, true) => r.map(str::to_string),
                (Some(r), false) => Some(format!("{r}; unreachable, not rolled back: {skipped}")),
                (None, false) => Some(format!("unreachable, not rolled back: {skipped}")),
            };
            e.id = Some(id.clone());
            let recorded = std::sync::atomic::AtomicBool::new(false);
            let res = (|| -> Result<String, String> {
                if m.from.as_deref() == Some(m.to.as_str()) {
                    return Ok(format!("already on {}", m.to));
                }
                // The fast path checks presence and size; the full digest of the release to roll back
                // to is checked by every rollout's preflight.
                let mut ops = vec![Op::CheckSize {
                    version: m.to.clone(),
                    artifact: artifact.clone(),
                    size: *size,
                }];
                if let Some(from) = &m.from {
                    ops.push(Op::MarkBad {
                        version: from.clone(),
                        mark: hs::BadMark {
                            time: now(),
                            actor: self.actor.id(),
                            reason: reason
                                .map(str::to_string)
                                .unwrap_or_else(|| "rolled back".into()),
                        },
                    });
                }
                let moved = format!("{} -> {}", m.from.as_deref().unwrap_or("nothing"), m.to);
                if self.blue_green() {
                    let finish = [
                        Op::AppendHistory(e.clone()),
                        Op::ReleaseLock { id: id.clone() },
                    ];
                    if let Some(slot) = &m.slot {
                        // The standby slot is warm: check that it answers, then one rename.
                        let answers = match self.probe(i, &m.to, Some(slot))? {
                            None => Ok(()),
                            Some(p) => p.once(
                                self.host(i),
                                self.env.config.health_check.as_ref().unwrap().timeout(),
                            ),
                        };
                        match answers {
                            Ok(()) => {
                                ops.extend(self.switch_ops(i, &m.to, Some(slot))?);
                                ops.extend(finish);
                                self.run(i, &ops)?;
                                recorded.store(true, std::sync::atomic::Ordering::Relaxed);
                                return Ok(format!("{moved} (standby slot {slot}, no restart)"));
                            }
                            Err(why) => self.on_host(
                                i,
                                format!(
                                    "standby slot {slot} does not answer ({why}): restarting it"
                                ),
                            ),
                        }
                    }
                    self.run(i, &ops)?;
                    let slot = self.prepare_slot(i, &m.to)?;
                    let mut ops = self.switch_ops(i, &m.to, Some(&slot))?;
                    ops.extend(finish);
                    self.run(i, &ops)?;
                    recorded.store(true, std::sync::atomic::Ordering::Relaxed);
                    return Ok(format!("{moved} (slot {slot} restarted)"));
                }
                ops.extend(self.activate_ops(i, Some(&m.to))?);
                let probe = self.probe(i, &m.to, None)?;
                if probe.is_none() {
                    // Nothing to wait for: record and unlock in the same round trip.
                    ops.push(Op::AppendHistory(e.clone()));
                    ops.push(Op::ReleaseLock { id: id.clone() });
                    self.run(i, &ops)?;
                    recorded.store(true, std::sync::atomic::Ordering::Relaxed);
                    return Ok(format!(
                        "{} -> {}",
                        m.from.as_deref().unwrap_or("nothing"),
                        m.to
                    ));
                }
                self.run(i, &ops)?;
                if let Some(probe) = probe {
                    probe.wait_healthy(
                        self.host(i),
                        self.env.config.health_check.as_ref().unwrap(),
                    )?;
                }
                Ok(format!(
                    "{} -> {}",
                    m.from.as_deref().unwrap_or("nothing"),
                    m.to
                ))
            })();
            if res.is_ok() && recorded.load(std::sync::atomic::Ordering::Relaxed) {
                return HostResult {
                    host: self.host(i).name().to_string(),
                    ok: true,
                    message: res.unwrap_or_default(),
                };
            }
            if let Err(why) = &res {
                e.outcome = "failed".into();
                e.reason = Some(format!(
                    "{}{why}",
                    reason.map(|r| format!("{r}; ")).unwrap_or_default()
                ));
            }
            if let Err(err) = self.run(
                i,
                &[Op::AppendHistory(e), Op::ReleaseLock { id: id.clone() }],
            ) {
                self.warn(format!(
                    "{}: cannot record the rollback: {err}",
                    self.host(i).name()
                ));
            }
            HostResult {
                host: self.host(i).name().to_string(),
                ok: res.is_ok(),
                message: res.unwrap_or_else(|e| e),
            }
        });
        // Hosts with nothing to do still hold our lock.
        let idle: Vec<usize> = reachable.into_iter().filter(|i| !idx.contains(i)).collect();
        self.par(&idle, |i| {
            let _ = self.run(i, &[Op::ReleaseLock { id: id.clone() }]);
        });
        Ok(results)
    }
}

/// The release a host ran before its current one, if it is still there and not marked bad.
pub fn previous_good(s: &HostState) -> Option<String> {
    let usable = |v: &str| {
        Some(v) != s.current.as_deref() && s.releases.contains_key(v) && !s.bad.contains_key(v)
    };
    for e in s.history.iter().rev() {
        if matches!(e.outcome.as_str(), "success" | "switched") {
            for v in [e.to.as_deref(), e.from.as_deref()].into_iter().flatten() {
                if usable(v) {
                    return Some(v.to_string());
                }
            }
        }
    }
    let mut rs: Vec<&hs::ReleaseRecord> =
        s.releases.values().filter(|r| usable(&r.version)).collect();
    rs.sort_by(|a, b| b.uploaded_at.cmp(&a.uploaded_at));
    rs.first().map(|r| r.version.clone())
}
