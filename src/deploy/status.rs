//! Read-only views and repairs: status, merged history, forced unlock.

#[allow(unused_imports)]
use super::engine::*;

impl Deployer<'_> {
    // ---------------------------------------------------------------- status, history, unlock

    pub fn status(&self) -> StatusReport {
        let states = self.par(&self.all(), |i| self.read_state(i));
        let ok_states: Vec<HostState> = states
            .iter()
            .filter_map(|s| s.as_ref().ok().cloned())
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
                Err(e) => return Some(Err(e)),
            };
            let timeout = self
                .env
                .config
                .health_check
                .as_ref()
                .map(|h| h.timeout())
                .unwrap_or(Duration::from_secs(5));
            Some(probe.once(self.host(i), timeout))
        });
        let stored = self.stored_rollout(&ok_states);
        let hosts = states
            .iter()
            .enumerate()
            .map(|(i, s)| match s {
                Ok(s) => HostStatus {
                    host: self.host(i).name().into(),
                    reachable: Ok(()),
                    current: s.current.clone(),
                    health: health[i].clone(),
                    lock: s.lock.clone(),
                    diverges: s.current != fleet_version,
                    bad_current: s
                        .current
                        .as_ref()
                        .and_then(|c| s.bad.get(c))
                        .map(|b| b.reason.clone()),
                    releases: s.releases.keys().cloned().collect(),
                    live_slot: s.live_slot.clone(),
                    standby: s
                        .slots
                        .iter()
                        .filter(|(k, _)| Some(k.as_str()) != s.live_slot.as_deref())
                        .map(|(k, v)| format!("{k}: {v}"))
                        .next(),
                },
                Err(e) => HostStatus {
                    host: self.host(i).name().into(),
                    reachable: Err(e.to_string()),
                    current: None,
                    health: None,
                    lock: None,
                    diverges: true,
                    bad_current: None,
                    releases: Vec::new(),
                    live_slot: None,
                    standby: None,
                },
            })
            .collect();
        StatusReport {
            hosts,
            fleet_version,
            rollout_interrupted: stored.as_ref().is_some_and(|(_, i)| *i),
            rollout: stored.map(|(s, _)| s),
        }
    }

    /// Every host's history merged: lines of one event on several hosts become one entry.
    pub fn history(&self) -> Result<Vec<MergedHistory>, DeployError> {
        let states = self.read_states()?;
        let mut merged: Vec<MergedHistory> = Vec::new();
        let mut index: BTreeMap<String, usize> = BTreeMap::new();
        let mut all: Vec<HistoryEntry> = states.into_iter().flat_map(|s| s.history).collect();
        all.sort_by(|a, b| a.time.cmp(&b.time));
        for e in all {
            let key = match &e.id {
                Some(id) => format!(
                    "{id}|{}|{}|{:?}|{:?}|{:?}",
                    e.action, e.outcome, e.from, e.to, e.reason
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
                let mut e = self.history_entry(i, "unlock", "forced");
                e.reason = Some(format!("{reason} (lock held by {})", l.describe()));
                e.id = Some(l.id.clone());
                self.run(
                    i,
                    &[
                        Op::RemoveFiles(vec![".tug/lock".into()]),
                        Op::AppendHistory(e),
                    ],
                )
                .map_err(DeployError::Failed)?;
                removed.push((self.host(i).name().to_string(), l.clone()));
            }
        }
        Ok(removed)
    }
}
