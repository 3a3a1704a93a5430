//! The operations on an environment: rollout (preflight, lock, stage, steps, automatic revert),
//! continuing a stored rollout (promote, resume, abort, pause), the rollback fast path, status,
//! merged history and forced unlock. Work on several hosts runs in parallel (one thread per host:
//! each host operation is a blocking process, a local `sh` or an `ssh` over a shared connection).

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use serde::Serialize;
use serde_json::json;

use crate::config::deploy::{parse_duration, RollbackScope, StrategyConfig, StrategyKind};

use super::analysis::{self, QueryContext, Verdict};
use super::health::Probe;
use super::hoststate::{
    self as hs, HistoryEntry, HostState, LockRecord, PlanStep, RolloutState, RolloutStatus,
};
use super::ops::{self, Op};
use super::target::{Host, HostError};
use super::verify::Release;
use super::{render, Actor, DeployError, Environment, Event};

fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// How a rollout (or its continuation) ended, when it did not fail outright.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "outcome", rename_all = "kebab-case")]
pub enum RolloutOutcome {
    /// Every host runs the new release.
    Completed { version: String, hosts: Vec<String> },
    /// Every host already ran this release.
    NothingToDo { version: String },
    /// Stopped until a human runs `tug rollout promote|resume|abort` (exit 6).
    Paused { version: String, reason: String },
    /// A health check or analysis failed: `reverted` hosts were switched back (exit 4).
    RolledBack {
        version: String,
        reason: String,
        reverted: Vec<String>,
        kept: Vec<String>,
    },
    /// `tug rollout abort`: the switched hosts were switched back.
    Aborted {
        version: String,
        reverted: Vec<String>,
    },
}

/// One host in a rollout plan's preflight.
#[derive(Debug, Clone, Serialize)]
pub struct HostPreflight {
    pub host: String,
    pub current: Option<String>,
    pub upload: bool,
    pub problems: Vec<String>,
}

/// What a rollout would do (`--dry-run` prints it).
#[derive(Debug, Clone, Serialize)]
pub struct RolloutPlan {
    pub version: String,
    pub steps: Vec<PlanStep>,
    pub hosts: Vec<HostPreflight>,
}

impl RolloutPlan {
    pub fn problems(&self) -> Vec<String> {
        self.hosts
            .iter()
            .flat_map(|h| h.problems.iter().map(move |p| format!("{}: {p}", h.host)))
            .collect()
    }
}

/// One host's move in a rollback.
#[derive(Debug, Clone, Serialize)]
pub struct HostMove {
    pub host: String,
    pub from: Option<String>,
    pub to: String,
    /// Blue-green: the standby slot that still runs `to` (a switch back without a restart).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub slot: Option<String>,
}

/// What `tug rollback` will do.
#[derive(Debug, Clone, Serialize)]
pub struct RollbackPlan {
    pub moves: Vec<HostMove>,
    /// Hosts that did not answer and are left as they are (`--skip-unreachable`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub unreachable: Vec<HostResult>,
    #[serde(skip)]
    records: BTreeMap<String, (String, String, u64)>,
}

/// The result of a rollback per host.
#[derive(Debug, Clone, Serialize)]
pub struct HostResult {
    pub host: String,
    pub ok: bool,
    pub message: String,
}

/// One host in `tug status`.
#[derive(Debug, Clone, Serialize)]
pub struct HostStatus {
    pub host: String,
    pub reachable: Result<(), String>,
    pub current: Option<String>,
    /// None: no health check configured (or host unreachable).
    pub health: Option<Result<(), String>>,
    pub lock: Option<LockRecord>,
    pub diverges: bool,
    pub bad_current: Option<String>,
    pub releases: Vec<String>,
    /// Blue-green: the live slot.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub live_slot: Option<String>,
    /// Blue-green: the other slot and what it runs (`blue: 1.0.0`), warm for a switch back.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub standby: Option<String>,
}

/// `tug status`.
#[derive(Debug, Clone, Serialize)]
pub struct StatusReport {
    pub hosts: Vec<HostStatus>,
    /// The version most hosts run.
    pub fleet_version: Option<String>,
    pub rollout: Option<RolloutState>,
    /// The unfinished rollout's process is gone (crash): resume or abort it.
    pub rollout_interrupted: bool,
}

impl StatusReport {
    /// All hosts reachable, on one version, healthy, with no rollout in progress.
    pub fn converged(&self) -> bool {
        self.rollout.is_none()
            && self.hosts.iter().all(|h| {
                h.reachable.is_ok()
                    && !h.diverges
                    && h.current.is_some()
                    && !matches!(h.health, Some(Err(_)))
            })
    }
}

/// History lines of several hosts that describe the same event.
#[derive(Debug, Clone, Serialize)]
pub struct MergedHistory {
    #[serde(flatten)]
    pub entry: HistoryEntry,
    pub hosts: Vec<String>,
}

/// How to continue a stored rollout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Continuation {
    Promote,
    Resume,
    Abort,
}

/// Runs operations on one environment as one actor, reporting progress.
pub struct Deployer<'a> {
    pub env: &'a Environment,
    pub actor: Actor,
    pub progress: &'a (dyn Fn(Event) + Sync),
}

impl Deployer<'_> {
    fn host(&self, i: usize) -> &dyn Host {
        self.env.hosts[i].as_ref()
    }

    fn index(&self, name: &str) -> Option<usize> {
        self.env.hosts.iter().position(|h| h.name() == name)
    }

    fn all(&self) -> Vec<usize> {
        (0..self.env.hosts.len()).collect()
    }

    fn names(&self, idx: &[usize]) -> Vec<String> {
        idx.iter()
            .map(|&i| self.host(i).name().to_string())
            .collect()
    }

    fn phase(&self, message: impl Into<String>) {
        (self.progress)(Event::Phase {
            message: message.into(),
        });
    }

    fn on_host(&self, i: usize, message: impl Into<String>) {
        (self.progress)(Event::Host {
            host: self.host(i).name().to_string(),
            message: message.into(),
        });
    }

    fn warn(&self, message: impl Into<String>) {
        (self.progress)(Event::Warning {
            message: message.into(),
        });
    }

    /// Run `f` for each host index in parallel, results in the same order.
    fn par<T: Send>(&self, idx: &[usize], f: impl Fn(usize) -> T + Sync) -> Vec<T> {
        let f = &f;
        std::thread::scope(|s| {
            let handles: Vec<_> = idx.iter().map(|&i| s.spawn(move || f(i))).collect();
            handles
                .into_iter()
                .map(|h| h.join().expect("host thread panicked"))
                .collect()
        })
    }

    /// Run operations on a host; a failure becomes an error with its stderr.
    fn run(&self, i: usize, ops: &[Op]) -> Result<String, String> {
        let out = self.host(i).run(ops).map_err(|e| e.to_string())?;
        if out.ok() {
            Ok(out.stdout)
        } else {
            let err = out.stderr.trim();
            Err(if err.is_empty() {
                format!("exited {}", out.status)
            } else {
                err.to_string()
            })
        }
    }

    fn read_state(&self, i: usize) -> Result<HostState, DeployError> {
        let out = self.host(i).run(&[Op::ReadState])?;
        hs::parse_state(&out.stdout).map_err(|e| {
            DeployError::Failed(format!(
                "{}: {e}: {}",
                self.host(i).name(),
                out.stderr.trim()
            ))
        })
    }

    /// Every host's state; the first unreachable host is an error.
    fn read_states(&self) -> Result<Vec<HostState>, DeployError> {
        self.par(&self.all(), |i| self.read_state(i))
            .into_iter()
            .collect()
    }

    fn history_entry(&self, i: usize, action: &str, outcome: &str) -> HistoryEntry {
        HistoryEntry {
            time: now(),
            actor: self.actor.id(),
            action: action.into(),
            host: self.host(i).name().to_string(),
            from: None,
            to: None,
            digest: None,
            outcome: outcome.into(),
            reason: None,
            id: None,
            insecure_skip_verify: false,
        }
    }

    /// The history line of rollout `st` moving host `i` (from where the rollout found it).
    fn rollout_entry(&self, i: usize, st: &RolloutState, outcome: &str) -> HistoryEntry {
        let mut e = self.history_entry(i, "rollout", outcome);
        e.from = st.from.get(self.host(i).name()).cloned().flatten();
        e.to = Some(st.version.clone());
        e.digest = Some(st.sha256.clone());
        e.id = Some(st.id.clone());
        e.insecure_skip_verify = st.insecure_skip_verify;
        e
    }

    fn lock_record(&self, id: &str, operation: &str) -> LockRecord {
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
    fn lock_all(&self, id: &str, operation: &str) -> Result<(), DeployError> {
        self.lock_hosts(&self.all(), id, operation)
    }

    /// Take the lock on the hosts `idx`, or on none of them.
    fn lock_hosts(&self, idx: &[usize], id: &str, operation: &str) -> Result<(), DeployError> {
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
    fn take_over_lock(&self, id: &str, operation: &str) -> Result<(), DeployError> {
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
    fn run_all_or_warn(&self, ops: &[Op], what: &str) {
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

    fn unlock_all(&self, id: &str) {
        self.unlock_hosts(&self.all(), id);
    }

    fn unlock_hosts(&self, idx: &[usize], id: &str) {
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

    /// The newest stored rollout on any host, and whether its process is gone.
    fn stored_rollout(&self, states: &[HostState]) -> Option<(RolloutState, bool)> {
        let st = states
            .iter()
            .filter_map(|s| s.rollout.clone())
            .max_by_key(|r| r.seq)?;
        let lock = states
            .iter()
            .filter_map(|s| s.lock.clone())
            .find(|l| l.id == st.id);
        let interrupted = match lock {
            None => true,
            Some(l) => l.is_stale(&self.actor.machine),
        };
        Some((st, interrupted))
    }

    fn save_state(&self, st: &mut RolloutState) {
        st.seq += 1;
        st.updated_at = now();
        let op = [Op::WriteFile {
            path: ".tug/rollout.json".into(),
            contents: serde_json::to_string(st).unwrap(),
        }];
        self.run_all_or_warn(&op, "record the rollout state");
    }

    /// Template values for host `i` running `version` (in `slot`, under blue-green): the slot's
    /// values override the host's `vars`.
    fn host_context(&self, i: usize, version: &str, slot: Option<&str>) -> serde_json::Value {
        let h = self.host(i);
        let env: BTreeMap<String, String> = std::env::vars().collect();
        let mut vars = self.env.vars[i].clone();
        if let Some(slot) = slot {
            if let Some(extra) = self.env.config.strategy.slots.get(slot) {
                vars.extend(extra.clone());
            }
        }
        json!({
            "host": h.name(),
            "address": h.address(),
            "environment": self.env.name,
            "version": version,
            "path": h.root(),
            "release_dir": format!("{}/releases/{version}", h.root()),
            "slot": slot,
            "vars": vars,
            "env": env,
        })
    }

    fn probe(&self, i: usize, version: &str, slot: Option<&str>) -> Result<Option<Probe>, String> {
        let Some(cfg) = &self.env.config.health_check else {
            return Ok(None);
        };
        let ctx = self.host_context(i, version, slot);
        Ok(Some(if let Some(url) = &cfg.http {
            Probe::Http {
                url: render("health_check.http", url, &ctx)?,
                expect: cfg.expect_status.unwrap_or(200),
            }
        } else if let Some(addr) = &cfg.tcp {
            Probe::Tcp {
                addr: render("health_check.tcp", addr, &ctx)?,
            }
        } else if let Some(cmd) = &cfg.command {
            Probe::Command {
                script: render("health_check.command", cmd, &ctx)?,
            }
        } else {
            return Ok(None);
        }))
    }

    /// The environment variables of hooks and the restart command.
    fn command_env(&self, i: usize, version: &str, slot: Option<&str>) -> Vec<(String, String)> {
        let h = self.host(i);
        let mut env = vec![
            ("TUG_VERSION".into(), version.into()),
            ("TUG_ENVIRONMENT".into(), self.env.name.clone()),
            ("TUG_HOST".into(), h.name().into()),
            (
                "TUG_RELEASE_DIR".into(),
                format!("{}/releases/{version}", h.root()),
            ),
        ];
        if let Some(slot) = slot {
            env.push(("TUG_SLOT".into(), slot.into()));
        }
        env
    }

    /// The operations that switch a host to `version` and restart it (with the hooks).
    fn activate_ops(&self, i: usize, version: Option<&str>) -> Result<Vec<Op>, String> {
        let Some(version) = version else {
            return Ok(vec![Op::Switch {
                link: "current".into(),
                to: None,
            }]);
        };
        self.switch_ops(i, version, None)
    }

    /// `before_switch`, the rename of `current` (to `releases/<v>`, or to `slots/<slot>` under
    /// blue-green), `after_switch`, and without a slot the restart command.
    fn switch_ops(&self, i: usize, version: &str, slot: Option<&str>) -> Result<Vec<Op>, String> {
        let ctx = self.host_context(i, version, slot);
        let env = self.command_env(i, version, slot);
        let mut ops = Vec::new();
        if let Some(hook) = &self.env.config.hooks.before_switch {
            ops.push(Op::Shell {
                what: "before_switch hook".into(),
                command: render("hooks.before_switch", hook, &ctx)?,
                dir: Some(format!("releases/{version}")),
                env: env.clone(),
                timeout: None,
                code: ops::HOOK_BEFORE_FAILED,
            });
        }
        ops.push(Op::Switch {
            link: "current".into(),
            to: Some(match slot {
                Some(slot) => format!("slots/{slot}"),
                None => format!("releases/{version}"),
            }),
        });
        ops.push(Op::ClearBad {
            version: version.into(),
        });
        if let Some(hook) = &self.env.config.hooks.after_switch {
            ops.push(Op::Shell {
                what: "after_switch hook".into(),
                command: render("hooks.after_switch", hook, &ctx)?,
                dir: None,
                env: env.clone(),
                timeout: None,
                code: ops::HOOK_AFTER_FAILED,
            });
        }
        if let (None, Some(restart)) = (slot, &self.env.config.restart) {
            ops.push(Op::Shell {
                what: "restart command".into(),
                command: render("restart", restart, &ctx)?,
                dir: None,
                env,
                timeout: None,
                code: ops::RESTART_FAILED,
            });
        }
        Ok(ops)
    }

    /// Switch, restart and health-check one host.
    fn activate(&self, i: usize, version: &str, extra: Vec<Op>) -> Result<(), String> {
        let mut ops = self.activate_ops(i, Some(version))?;
        ops.extend(extra);
        self.run(i, &ops)?;
        self.on_host(i, format!("switched to {version}, restarted"));
        if let Some(probe) = self.probe(i, version, None)? {
            let cfg = self
                .env
                .config
                .health_check
                .as_ref()
                .expect("probe implies config");
            probe
                .wait_healthy(self.host(i), cfg)
                .map_err(|e| format!("health check failed: {e}"))?;
            self.on_host(i, "healthy");
        }
        Ok(())
    }

    /// How many hosts of a rolling batch may be switched at once under `max_unavailable`,
    /// counting the hosts outside the batch that fail their health check now; or why none may.
    fn switch_limit(&self, st: &RolloutState, batch: &[usize]) -> Result<usize, String> {
        let strategy = &self.env.config.strategy;
        let (Some(m), Some(cfg)) = (&strategy.max_unavailable, &self.env.config.health_check)
        else {
            return Ok(batch.len().max(1));
        };
        let max = m.value.of(self.env.hosts.len());
        let others: Vec<usize> = self
            .all()
            .into_iter()
            .filter(|i| !batch.contains(i))
            .collect();
        let down: Vec<String> = self
            .par(&others, |i| {
                let name = self.host(i).name().to_string();
                let version = if st.switched.contains(&name) {
                    Some(st.version.clone())
                } else {
                    st.from.get(&name).cloned().flatten()
                };
                // A host that ran nothing before serves nothing: it is not taken down.
                let probe = self.probe(i, &version?, None).ok()??;
                probe
                    .once(self.host(i), cfg.timeout())
                    .err()
                    .map(|e| format!("{name} ({e})"))
            })
            .into_iter()
            .flatten()
            .collect();
        if down.len() >= max {
            return Err(format!(
                "max_unavailable is {max} and {} host(s) outside the batch are already unhealthy: {}",
                down.len(),
                down.join(", ")
            ));
        }
        Ok((max - down.len()).min(batch.len()).max(1))
    }

    // ---------------------------------------------------------------- blue-green

    fn blue_green(&self) -> bool {
        self.env.config.strategy.kind == StrategyKind::BlueGreen
    }

    /// The slot a host would prepare next: the first configured slot that is not live.
    fn idle_slot(&self, s: &HostState) -> String {
        self.env
            .config
            .strategy
            .slots
            .keys()
            .find(|k| s.live_slot.as_deref() != Some(k.as_str()))
            .cloned()
            .unwrap_or_else(|| "blue".into())
    }

    /// A slot other than the live one that runs `version` (warm, ready to switch to).
    fn standby_slot(&self, s: &HostState, version: &str) -> Option<String> {
        s.slots
            .iter()
            .find(|(slot, v)| {
                s.live_slot.as_deref() != Some(slot.as_str())
                    && v.as_str() == version
                    && self.env.config.strategy.slots.contains_key(slot.as_str())
            })
            .map(|(slot, _)| slot.clone())
    }

    /// Point the idle slot of host `i` at `version`, restart it and wait until it is healthy;
    /// `current` does not move. Returns the slot.
    fn prepare_slot(&self, i: usize, version: &str) -> Result<String, String> {
        let state = self.read_state(i).map_err(|e| e.to_string())?;
        let slot = self.idle_slot(&state);
        let mut ops = vec![Op::Switch {
            link: format!("slots/{slot}"),
            to: Some(format!("../releases/{version}")),
        }];
        if let Some(restart) = &self.env.config.restart {
            ops.push(Op::Shell {
                what: "restart command".into(),
                command: render(
                    "restart",
                    restart,
                    self.host_context(i, version, Some(&slot)),
                )?,
                dir: None,
                env: self.command_env(i, version, Some(&slot)),
                timeout: None,
                code: ops::RESTART_FAILED,
            });
        }
        self.run(i, &ops)?;
        self.on_host(i, format!("slot {slot} runs {version}, restarted"));
        if let Some(probe) = self.probe(i, version, Some(&slot))? {
            let cfg = self.env.config.health_check.as_ref().expect("probe");
            probe
                .wait_healthy(self.host(i), cfg)
                .map_err(|e| format!("health check failed: {e}"))?;
            self.on_host(i, format!("slot {slot} healthy"));
        }
        Ok(slot)
    }

    /// The operations that bring `version` back to life on a blue-green host without a restart:
    /// switch to the warm slot that runs it (or, for a host that ran without slots before, point
    /// `current` at the release again).
    fn switch_back_ops(
        &self,
        i: usize,
        state: &HostState,
        version: Option<&str>,
    ) -> Result<Vec<Op>, String> {
        let Some(version) = version else {
            return Ok(vec![Op::Switch {
                link: "current".into(),
                to: None,
            }]);
        };
        if state.live_slot.is_some() && state.current.as_deref() == Some(version) {
            return Ok(Vec::new());
        }
        match self.standby_slot(state, version) {
            Some(slot) => self.switch_ops(i, version, Some(&slot)),
            None => Ok(vec![Op::Switch {
                link: "current".into(),
                to: Some(format!("releases/{version}")),
            }]),
        }
    }

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

    fn append_history_all(&self, template: &HistoryEntry) {
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
    fn pause_requested(&self) -> bool {
        for i in self.all() {
            match self.host(i).run(&[Op::FileExists(".tug/pause".into())]) {
                Ok(out) => return out.ok(),
                Err(_) => continue,
            }
        }
        false
    }

    fn pause(&self, st: &mut RolloutState, reason: String) -> RolloutOutcome {
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

    fn run_steps(&self, st: &mut RolloutState) -> Result<RolloutOutcome, DeployError> {
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
    fn revert_host(&self, i: usize, st: &RolloutState, reason: &str) -> Result<(), String> {
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
    fn fail(&self, st: &mut RolloutState, hosts: &[String], reason: &str) -> RolloutOutcome {
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

    fn finish(&self, st: &mut RolloutState) -> RolloutOutcome {
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
    fn end(&self, st: &RolloutState, line: impl Fn(usize, &str) -> Option<HistoryEntry> + Sync) {
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

    /// Promote, resume or abort the rollout stored on the hosts (from any machine).
    pub fn continue_rollout(&self, how: Continuation) -> Result<RolloutOutcome, DeployError> {
        let states = self.read_states()?;
        let Some((mut st, interrupted)) = self.stored_rollout(&states) else {
            return Err(DeployError::NoRollout(self.env.name.clone()));
        };
        for (i, s) in states.iter().enumerate() {
            if let Some(l) = &s.lock {
                let ours = l.id == st.id && (st.status == RolloutStatus::Paused || interrupted);
                if !(ours || l.id == st.id && l.is_stale(&self.actor.machine)) {
                    return Err(DeployError::LockHeld {
                        host: self.host(i).name().into(),
                        holder: Box::new(l.clone()),
                        stale: l.is_stale(&self.actor.machine),
                    });
                }
            }
        }
        let verb = match how {
            Continuation::Promote => "promote",
            Continuation::Resume => "resume",
            Continuation::Abort => "abort",
        };
        self.take_over_lock(&st.id, &format!("rollout {} ({verb})", st.version))?;
        let mut e = self.history_entry(0, verb, "started");
        e.to = Some(st.version.clone());
        e.id = Some(st.id.clone());
        e.reason = Some(if interrupted && st.status == RolloutStatus::Running {
            format!(
                "continuing the interrupted rollout started by {}",
                st.started_by
            )
        } else {
            st.paused_reason.clone().unwrap_or_default()
        });
        self.append_history_all(&e);
        if how == Continuation::Abort {
            let hosts: Vec<String> = states
                .iter()
                .enumerate()
                .filter(|(i, s)| {
                    let name = self.host(*i).name().to_string();
                    let from = st.from.get(&name).cloned().flatten();
                    s.current != from || st.in_flight.contains(&name)
                })
                .map(|(i, _)| self.host(i).name().to_string())
                .collect();
            let reason = format!("rollout aborted by {}", self.actor.id());
            let outcome = self.fail(&mut st, &hosts, &reason);
            return Ok(match outcome {
                RolloutOutcome::RolledBack {
                    version, reverted, ..
                } => RolloutOutcome::Aborted { version, reverted },
                other => other,
            });
        }
        // Promote skips the pause or inconclusive analysis the rollout stopped at; resume re-runs
        // an analysis and continues an interrupted step where it was.
        let paused = st.status == RolloutStatus::Paused;
        let skip = match st.steps.get(st.next_step) {
            Some(PlanStep::Pause(_)) => paused || how == Continuation::Promote,
            Some(PlanStep::Analysis(_)) => paused && how == Continuation::Promote,
            _ => false,
        };
        if skip {
            st.next_step += 1;
        }
        st.status = RolloutStatus::Running;
        st.paused_reason = None;
        self.save_state(&mut st);
        self.run_steps(&mut st)
    }

    /// Ask the running rollout to pause at its next step boundary.
    pub fn request_pause(&self) -> Result<RolloutState, DeployError> {
        let states = self.read_states()?;
        let Some((st, _)) = self.stored_rollout(&states) else {
            return Err(DeployError::NoRollout(self.env.name.clone()));
        };
        if st.status == RolloutStatus::Running {
            let body = json!({"actor": self.actor.id(), "time": now()}).to_string();
            let op = [Op::WriteFile {
                path: ".tug/pause".into(),
                contents: body,
            }];
            for r in self.par(&self.all(), |i| self.run(i, &op)) {
                r.map_err(DeployError::Failed)?;
            }
        }
        Ok(st)
    }

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

fn keys<V>(m: &BTreeMap<String, V>) -> String {
    if m.is_empty() {
        "none".into()
    } else {
        m.keys().cloned().collect::<Vec<_>>().join(", ")
    }
}

fn regex_escape(s: &str) -> String {
    s.chars()
        .flat_map(|c| {
            if r"\.+*?()|[]{}^$".contains(c) {
                vec!['\\', c]
            } else {
                vec![c]
            }
        })
        .collect()
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

/// The steps for `pending` hosts (in config order) under a strategy.
pub fn build_plan(strategy: &StrategyConfig, pending: &[String]) -> Vec<PlanStep> {
    let n = pending.len();
    if n == 0 {
        return Vec::new();
    }
    match strategy.kind {
        StrategyKind::AllAtOnce => vec![PlanStep::Deploy(pending.to_vec())],
        StrategyKind::Rolling => {
            let batch = strategy.batch.as_ref().map(|b| b.value.of(n)).unwrap_or(1);
            pending
                .chunks(batch)
                .map(|c| PlanStep::Deploy(c.to_vec()))
                .collect()
        }
        StrategyKind::Canary => {
            let mut steps = Vec::new();
            let mut done = 0;
            for s in &strategy.steps {
                if let Some(h) = &s.hosts {
                    let target = h.value.of(n);
                    if target > done {
                        steps.push(PlanStep::Deploy(pending[done..target].to_vec()));
                        done = target;
                    }
                } else if let Some(p) = &s.pause {
                    steps.push(PlanStep::Pause(p.value.clone()));
                } else if let Some(a) = &s.analysis {
                    steps.push(PlanStep::Analysis(a.value.clone()));
                }
            }
            if done < n {
                steps.push(PlanStep::Deploy(pending[done..].to_vec()));
            }
            steps
        }
        StrategyKind::BlueGreen => {
            let mut steps = vec![PlanStep::Prepare(pending.to_vec())];
            for s in &strategy.steps {
                if let Some(p) = &s.pause {
                    steps.push(PlanStep::Pause(p.value.clone()));
                } else if let Some(a) = &s.analysis {
                    steps.push(PlanStep::Analysis(a.value.clone()));
                }
            }
            steps.push(PlanStep::Switch(pending.to_vec()));
            steps
        }
    }
}

/// A host's error output as one line (history and status lines are one event per line).
fn one_line(text: &str) -> String {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(n: usize) -> Vec<String> {
        (1..=n).map(|i| format!("h{i}")).collect()
    }

    #[test]
    fn canary_plan_is_cumulative_and_finishes_the_fleet() {
        let s: StrategyConfig = serde_saphyr::from_str(
            "type: canary\nsteps:\n  - hosts: 1\n  - analysis: a\n  - hosts: 50%\n  - pause: manual\n",
        )
        .unwrap();
        let plan = build_plan(&s, &names(4));
        assert_eq!(
            plan,
            vec![
                PlanStep::Deploy(vec!["h1".into()]),
                PlanStep::Analysis("a".into()),
                PlanStep::Deploy(vec!["h2".into()]),
                PlanStep::Pause("manual".into()),
                PlanStep::Deploy(vec!["h3".into(), "h4".into()]),
            ]
        );
        let r: StrategyConfig = serde_saphyr::from_str("type: rolling\nbatch: 40%\n").unwrap();
        assert_eq!(build_plan(&r, &names(5)).len(), 3);
    }
}
