//! Locking: every host's `.tug/lock`, taken on all hosts or none, released by operation id.

#[allow(unused_imports)]
use super::engine::*;

impl Deployer<'_> {
    pub(super) fn lock_record(&self, id: &str, operation: &str) -> LockRecord {
        let started = chrono::Utc::now();
        let expires = started
            + chrono::Duration::from_std(self.env.config.lock_timeout()).unwrap_or_default();
        LockRecord {
            id: id.into(),
            owner: self.actor.user.clone(),
            host: self.actor.machine.clone(),
            pid: self.actor.pid,
            operation: operation.into(),
            started: started.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            expires: expires.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        }
    }

    /// Take the lock on every host, or on none (exit 5 naming the holder).
    pub(super) fn lock_all(&self, id: &str, operation: &str) -> Result<(), DeployError> {
        self.lock_hosts(&self.all(), id, operation)
    }

    /// Take the lock on the hosts `idx`, or on none of them.
    pub(super) fn lock_hosts(
        &self,
        idx: &[usize],
        id: &str,
        operation: &str,
    ) -> Result<(), DeployError> {
        let lock = self.lock_record(id, operation);
        let op = [Op::AcquireLock(lock)];
        let results = self.par(idx, |i| self.host(i).run(&op));
        let mut failure = None;
        for (i, r) in idx.iter().copied().zip(results) {
            match r {
                Ok(out) if out.ok() => {}
                Ok(out) if out.status == ops::LOCK_HELD => {
                    let body = out
                        .stdout
                        .split_once("@@held")
                        .map(|x| x.1)
                        .unwrap_or("")
                        .trim();
                    let err = match serde_json::from_str::<LockRecord>(body) {
                        Ok(holder) => DeployError::LockHeld {
                            host: self.host(i).name().into(),
                            stale: holder.is_stale(&self.actor.machine),
                            holder: Box::new(holder),
                        },
                        Err(_) => DeployError::Failed(format!(
                            "{}: .tug/lock exists but is unreadable; remove it with `tug unlock {} --force --reason TEXT`",
                            self.host(i).name(),
                            self.env.name
                        )),
                    };
                    failure.get_or_insert(err);
                }
                Ok(out) => {
                    failure.get_or_insert(DeployError::Failed(format!(
                        "{}: cannot take the lock: {}",
                        self.host(i).name(),
                        out.stderr.trim()
                    )));
                }
                Err(e) => {
                    failure.get_or_insert(e.into());
                }
            }
        }
        if let Some(err) = failure {
            self.unlock_hosts(idx, id);
            return Err(err);
        }
        Ok(())
    }

    /// Overwrite the lock with ours (only for continuing the rollout that holds it).
    pub(super) fn take_over_lock(&self, id: &str, operation: &str) -> Result<(), DeployError> {
        let lock = self.lock_record(id, operation);
        let op = [Op::WriteFile {
            path: ".tug/lock".into(),
            contents: serde_json::to_string(&lock).unwrap(),
        }];
        for r in self.par(&self.all(), |i| self.run(i, &op)) {
            r.map_err(DeployError::Failed)?;
        }
        Ok(())
    }

    /// Run `ops` on every host in parallel; a host where they fail gets a warning ("cannot
    /// {what}"), not an error.
    pub(super) fn run_all_or_warn(&self, ops: &[Op], what: &str) {
        for (i, r) in self
            .par(&self.all(), |i| self.run(i, ops))
            .into_iter()
            .enumerate()
        {
            if let Err(e) = r {
                self.warn(format!("{}: cannot {what}: {e}", self.host(i).name()));
            }
        }
    }

    pub(super) fn unlock_all(&self, id: &str) {
        self.unlock_hosts(&self.all(), id);
    }

    pub(super) fn unlock_hosts(&self, idx: &[usize], id: &str) {
        let op = [Op::ReleaseLock { id: id.into() }];
        for (i, r) in idx.iter().copied().zip(self.par(idx, |i| self.run(i, &op))) {
            if let Err(e) = r {
                self.warn(format!(
                    "{}: cannot release the lock: {e}",
                    self.host(i).name()
                ));
            }
        }
    }
}
