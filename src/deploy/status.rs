//! Read-only views and repairs: status, merged history, forced unlock.

use std::collections::BTreeMap;

use super::engine::{Deployer, Health, HostStatus, Integrity, MergedHistory, StatusReport};
use super::hoststate as hs;
use super::hoststate::{Action, HistoryEntry, HostState, LockRecord, Outcome};
use super::ops::Op;
use super::DeployError;

impl Deployer<'_> {
    // ---------------------------------------------------------------- status, history, unlock

    /// Each host's state; with `verify`, also whether its current release's files are intact.
    pub fn status(&self, verify: bool) -> StatusReport {
        let states = self.par(&self.all(), |i| self.read_state(i));
        let ok_states: Vec<HostState> = states
            .iter()
            .filter_map(|s| s.as_ref().ok().cloned())
            .collect();
        let ok_names: Vec<String> = states
            .iter()
            .enumerate()
            .filter(|(_, s)| s.is_ok())
            .map(|(i, _)| self.host(i).name().to_string())
            .collect();
        let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
        for s in &ok_states {
            if let Some(c) = &s.current {
                *counts.entry(c.as_str()).or_default() += 1;
            }
        }
        let fleet_version = counts
            .iter()
            .max_by_key(|(_, n)| **n)
            .map(|(v, _)| v.to_string());
        let health = self.par(&self.all(), |i| {
            let s = states[i].as_ref().ok()?;
            let cur = s.current.as_ref()?;
            let probe = match self.probe(i, cur, s.live_slot.as_deref()) {
                Ok(p) => p?,
                Err(e) => return Some(Health::Unhealthy(e.line())),
            };
            Some(match self.probe_once(i, &probe) {
                Ok(()) => Health::Healthy,
                Err(e) => Health::Unhealthy(e),
            })
        });
        let integrity = self.par(&self.all(), |i| {
            let s = states[i].as_ref().ok().filter(|_| verify)?;
            let rec = s.releases.get(s.current.as_ref()?)?;
            if rec.files.is_empty() {
                return Some(Integrity::Unrecorded);
            }
            let op = [Op::VerifyFiles {
                version: rec.version.clone(),
                files: rec.files.clone(),
                mode: super::ops::VerifyMode::Full,
            }];
            Some(match self.run(i, &op) {
                Ok(_) => Integrity::Intact,
                Err(e) => Integrity::Modified(e.line()),
            })
        });
        let stored = self.stored_rollout(&ok_states);
        let mut bad = BTreeMap::new();
        for s in &ok_states {
            for v in s.bad.keys() {
                if !bad.contains_key(v) {
                    if let Some(m) = hs::bad_mark(&ok_states, v, |k| {
                        ok_names.get(k).map(String::as_str).unwrap_or("?")
                    }) {
                        bad.insert(v.clone(), m);
                    }
                }
            }
        }
        let pending_rollback = ok_states.iter().find_map(|s| s.pending_rollback.clone());
        let hosts = states
            .iter()
            .enumerate()
            .map(|(i, s)| match s {
                Ok(s) => HostStatus {
                    host: self.host(i).name().into(),
                    reachable: true,
                    error: None,
                    current: s.current.clone(),
                    health: health[i].clone(),
                    lock: s.lock.clone(),
                    diverges: s.current != fleet_version,
                    bad_current: s
                        .current
                        .as_ref()
                        .and_then(|c| bad.get(c))
                        .map(|b: &hs::HostBadMark| b.mark.reason.clone()),
                    releases: s.releases.keys().cloned().collect(),
                    live_slot: s.live_slot.clone(),
                    standby: s
                        .slots
                        .iter()
                        .filter(|(k, _)| Some(k.as_str()) != s.live_slot.as_deref())
                        .map(|(k, v)| format!("{k}: {v}"))
                        .next(),
                    interrupted: hs::dangling_intents(&s.history)
                        .into_iter()
                        .filter(|e| {
                            // A rollout in progress (its lock is live) is not interrupted.
                            !s.lock.as_ref().is_some_and(|l| {
                                Some(&l.id) == e.id.as_ref() && !l.is_stale(&self.actor.machine)
                            })
                        })
                        .cloned()
                        .collect(),
                    failed: s
                        .history
                        .iter()
                        .rev()
                        .find(|e| e.outcome != Outcome::Intent)
                        .filter(|e| {
                            e.outcome == Outcome::Failed
                                && matches!(e.action, Action::Revert | Action::Rollback)
                        })
                        .map(|e| {
                            format!(
                                "{} to {} failed: {}",
                                e.action,
                                e.to.as_deref().unwrap_or("no release"),
                                e.reason.as_deref().unwrap_or("")
                            )
                        }),
                    integrity: integrity[i].clone(),
                    source: s
                        .current
                        .as_ref()
                        .and_then(|c| s.releases.get(c))
                        .and_then(|r| r.source.clone()),
                    self_reverted: super::confirm::last_self_revert(&s.history),
                    unconfirmed: s.confirm.as_ref().map(super::confirm::describe_pending),
                },
                Err(e) => HostStatus {
                    host: self.host(i).name().into(),
                    reachable: false,
                    error: Some(e.to_string()),
                    current: None,
                    health: None,
                    lock: None,
                    diverges: true,
                    bad_current: None,
                    releases: Vec::new(),
                    live_slot: None,
                    standby: None,
                    interrupted: Vec::new(),
                    failed: None,
                    integrity: None,
                    source: None,
                    self_reverted: None,
                    unconfirmed: None,
                },
            })
            .collect();
        StatusReport {
            hosts,
            bad,
            pending_rollback,
            fleet_version,
            rollout_interrupted: stored.as_ref().is_some_and(|(_, i)| *i),
            rollout: stored.map(|(s, _)| s),
            traffic: self.env.router.as_ref().map(super::traffic::Router::status),
        }
    }

    /// Every host's history merged: lines of one event on several hosts become one entry.
    pub fn history(&self) -> Result<Vec<MergedHistory>, DeployError> {
        let states = self.read_states()?;
        let mut merged: Vec<MergedHistory> = Vec::new();
        let mut index: BTreeMap<String, usize> = BTreeMap::new();
        let mut all: Vec<HistoryEntry> = Vec::new();
        for s in states {
            // An intent followed by its outcome says nothing more; one left open was cut short.
            let dangling: Vec<HistoryEntry> = hs::dangling_intents(&s.history)
                .into_iter()
                .cloned()
                .collect();
            all.extend(s.history.into_iter().filter_map(|mut e| {
                if e.outcome != Outcome::Intent {
                    return Some(e);
                }
                dangling.contains(&e).then(|| {
                    e.outcome = Outcome::Interrupted;
                    e
                })
            }));
        }
        all.sort_by(|a, b| a.time.cmp(&b.time));
        for e in all {
            let key = match &e.id {
                Some(id) => format!(
                    "{id}|{}|{}|{:?}|{:?}|{:?}|{:?}",
                    e.action, e.outcome, e.from, e.to, e.reason, e.step
                ),
                None => format!("{}|{}|{}|{}", e.time, e.action, e.outcome, e.host),
            };
            match index.get(&key) {
                Some(&k) => merged[k].hosts.push(e.host.clone()),
                None => {
                    index.insert(key, merged.len());
                    merged.push(MergedHistory {
                        hosts: vec![e.host.clone()],
                        entry: e,
                    });
                }
            }
        }
        for m in &mut merged {
            m.hosts.sort();
        }
        Ok(merged)
    }

    /// Remove every host's lock whoever holds it; recorded in history.
    pub fn force_unlock(&self, reason: &str) -> Result<Vec<(String, LockRecord)>, DeployError> {
        let states = self.read_states()?;
        let mut removed = Vec::new();
        for (i, s) in states.iter().enumerate() {
            if let Some(l) = &s.lock {
                let mut e = self.history_entry(i, Action::Unlock, Outcome::Forced);
                e.reason = Some(format!("{reason} (lock held by {})", l.describe()));
                e.id = Some(l.id.clone());
                self.run(
                    i,
                    &[
                        Op::RemoveFiles(vec![".tug/lock".into()]),
                        Op::AppendHistory(e),
                    ],
                )
                .map_err(|source| DeployError::HostOp {
                    host: self.host(i).name().to_string(),
                    doing: "remove the lock",
                    source,
                })?;
                removed.push((self.host(i).name().to_string(), l.clone()));
            }
        }
        Ok(removed)
    }
}
