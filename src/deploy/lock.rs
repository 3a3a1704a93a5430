//! Locking: every host's `.tug/lock`, taken on all hosts or none, released by operation id.

use super::engine::Deployer;
use super::hoststate as hs;
use super::hoststate::{Action, LockRecord, Outcome};
use super::ops::Op;
use super::{ops, DeployError};

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

    /// Take the lock on the hosts `idx`, or on none of them. A lock whose holder is provably gone
    /// (this machine, its pid not running) is taken over, recorded in history; any other holder
    /// stops it (exit 5 naming the holder).
    pub(super) fn lock_hosts(
        &self,
        idx: &[usize],
        id: &str,
        operation: &str,
    ) -> Result<(), DeployError> {
        let _span =
            tracing::info_span!("lock", environment = %self.env.name, id, operation).entered();
        let lock = self.lock_record(id, operation);
        let results = self.par(idx, |i| self.acquire(i, &lock));
        let mut failure = None;
        for r in results {
            if let Err(err) = r {
                failure.get_or_insert(err);
            }
        }
        if let Some(err) = failure {
            tracing::info!(error = %err, "lock not taken");
            self.unlock_hosts(idx, id);
            return Err(err);
        }
        tracing::debug!(hosts = idx.len(), "locked");
        Ok(())
    }

    /// Take `lock` on host `i` and read its state in the same round trip (the state is read
    /// under the lock, so nothing can change between the read and the lock). A held lock falls
    /// back to [`Self::acquire`] (take over from a holder that is gone, or exit 5 naming the
    /// holder), then reads the state.
    pub(super) fn lock_and_read(
        &self,
        i: usize,
        lock: &LockRecord,
    ) -> Result<hs::HostState, DeployError> {
        let out = self
            .host(i)
            .run(&[Op::AcquireLock(lock.clone()), Op::ReadState])?;
        if out.status == ops::LOCK_HELD {
            self.acquire(i, lock)?;
            return self.read_state(i);
        }
        if !out.ok() {
            return Err(DeployError::Failed(format!(
                "{}: cannot take the lock: {}",
                self.host(i).name(),
                out.stderr.trim()
            )));
        }
        self.parse_state(i, &out)
    }

    /// Take `lock` on host `i`, taking over from a holder that is provably gone.
    fn acquire(&self, i: usize, lock: &LockRecord) -> Result<(), DeployError> {
        let name = self.host(i).name();
        let op = [Op::AcquireLock(lock.clone())];
        let mut taken_over = false;
        loop {
            let out = self.host(i).run(&op)?;
            if out.ok() {
                return Ok(());
            }
            if out.status != ops::LOCK_HELD {
                return Err(DeployError::Failed(format!(
                    "{name}: cannot take the lock: {}",
                    out.stderr.trim()
                )));
            }
            let body = out
                .stdout
                .split_once("@@held")
                .map(|x| x.1)
                .unwrap_or("")
                .trim();
            let Ok(holder) = serde_json::from_str::<LockRecord>(body) else {
                return Err(DeployError::Failed(format!(
                    "{name}: .tug/lock exists but is unreadable; remove it with `tug unlock {} --force --reason TEXT`",
                    self.env.name
                )));
            };
            let liveness = holder.liveness(&self.actor.machine);
            if liveness != hs::LockLiveness::HolderGone || taken_over {
                return Err(DeployError::LockHeld {
                    host: name.into(),
                    stale: liveness != hs::LockLiveness::Held,
                    holder: Box::new(holder),
                });
            }
            // Remove it only if it still is that holder's (a second tug taking over at the same
            // moment loses the O_EXCL race above), and say so in history.
            let mut e = self.history_entry(i, Action::Unlock, Outcome::TakenOver);
            e.id = Some(lock.id.clone());
            e.reason = Some(format!(
                "lock held by {} whose process is gone; taken over for {}",
                holder.describe(),
                lock.operation
            ));
            tracing::info!(host = name, holder = %holder.describe(), "taking over a lock whose holder is gone");
            self.run(
                i,
                &[
                    Op::ReleaseLock {
                        id: holder.id.clone(),
                    },
                    Op::AppendHistory(e),
                ],
            )
            .map_err(|source| DeployError::HostOp {
                host: name.to_string(),
                doing: "take over the lock",
                source,
            })?;
            self.on_host(
                i,
                format!(
                    "took over the lock of {} (its process is gone)",
                    holder.describe()
                ),
            );
            taken_over = true;
        }
    }

    /// Overwrite the lock with ours (only for continuing the rollout that holds it).
    pub(super) fn take_over_lock(&self, id: &str, operation: &str) -> Result<(), DeployError> {
        let lock = self.lock_record(id, operation);
        tracing::info!(environment = %self.env.name, id, operation, "taking over the rollout's lock");
        let op = [Op::WriteFile {
            path: ".tug/lock".into(),
            contents: serde_json::to_string(&lock).expect("a lock record serializes"),
        }];
        for (i, r) in self
            .par(&self.all(), |i| self.run(i, &op))
            .into_iter()
            .enumerate()
        {
            r.map_err(|source| DeployError::HostOp {
                host: self.host(i).name().to_string(),
                doing: "take the lock",
                source,
            })?;
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
        tracing::debug!(environment = %self.env.name, id, hosts = idx.len(), "unlock");
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
