//! The [`Deployer`] (one environment, one actor, a progress callback), the results its operations
//! return, and the helpers every operation shares: reaching a host, running host operations in
//! parallel (one thread per host: each host operation is a blocking process, a local `sh` or an
//! `ssh` over a shared connection), reading host state and writing history lines. The operations
//! themselves live one job per file beside it: `lock`, `activate`, `slots`, `preflight`, `steps`
//! (a rollout), `revert`, `continuation`, `rollback`, `status`; `plan` is the pure planning they
//! use, `hostop` the typed error of one host operation, `integrity` the release's file digests.

use std::collections::BTreeMap;

use serde::Serialize;

use super::hostop::HostOpError;
use super::hoststate::{
    self as hs, Action, HistoryEntry, HostState, LockRecord, Outcome, PlanStep, RolloutState,
};
use super::ops::Op;
use super::target::Host;
use super::{Actor, DeployError, Environment, Event};

pub(super) fn now() -> String {
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
    /// The release is marked bad in the environment: the newest mark, and where it was found.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bad: Option<hs::HostBadMark>,
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
    /// Already on `to`, but an interrupted operation switched it there and never recorded how it
    /// ended (its restart may not have run): done again.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub redo: bool,
}

impl HostMove {
    /// Whether this host is switched (and restarted) at all.
    pub fn moves(&self) -> bool {
        self.redo || self.from.as_deref() != Some(self.to.as_str())
    }
}

/// What `tug rollback` will do.
#[derive(Debug, Clone, Serialize)]
pub struct RollbackPlan {
    /// The one release every host goes to (or `--to V`).
    pub target: String,
    /// Why this target: `--to`, the newest release that ran healthy on every host, or the
    /// target an earlier rollback that left hosts out recorded.
    pub why: String,
    pub moves: Vec<HostMove>,
    /// Hosts that did not answer and are left as they are (`--skip-unreachable`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub unreachable: Vec<HostResult>,
    /// Operations a killed tug left unrecorded on the hosts (resolved by this rollback).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub interrupted: Vec<HistoryEntry>,
    /// With a traffic router: what it is told before any host switches (traffic first).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub traffic: Option<String>,
    /// The release being left (marked bad where it runs).
    #[serde(skip)]
    pub(super) leaving: Option<String>,
    /// The operation id of the rollout that brought `leaving` (newest in host history), for the
    /// rollback's events.
    #[serde(skip)]
    pub(super) undoes: Option<String>,
    /// Each host's record of the target release.
    #[serde(skip)]
    pub(super) records: BTreeMap<String, hs::ReleaseRecord>,
    /// The operation id whose lock the plan was made under (every reachable host holds it).
    #[serde(skip)]
    pub(super) locked: Option<String>,
}

/// How a rollback went (when every host reached its target).
#[derive(Debug, Clone, Serialize)]
pub struct RollbackReport {
    pub target: String,
    /// Hosts switched to the target.
    pub moved: Vec<HostResult>,
    /// Hosts that already ran the target.
    pub already: Vec<String>,
    /// Hosts left out (unreachable): the next `tug rollback` moves them to the same target.
    pub left_out: Vec<String>,
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
    pub reachable: bool,
    /// Why it is not reachable.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    pub current: Option<String>,
    /// `None`: no health check configured (or host unreachable).
    pub health: Option<Health>,
    pub lock: Option<LockRecord>,
    pub diverges: bool,
    /// Why the release it runs is marked bad (anywhere in the environment).
    pub bad_current: Option<String>,
    pub releases: Vec<String>,
    /// Blue-green: the live slot.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub live_slot: Option<String>,
    /// Blue-green: the other slot and what it runs (`blue: 1.0.0`), warm for a switch back.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub standby: Option<String>,
    /// Operations a killed tug announced here and never recorded the end of.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub interrupted: Vec<HistoryEntry>,
    /// The last operation on this host failed and left it on another release than intended.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failed: Option<String>,
    /// `tug status --verify`: whether the current release's files match their recorded digests.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub integrity: Option<Integrity>,
    /// The commit and tag the current release was built from (its `release.json`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<super::hoststate::ReleaseSource>,
    /// `confirm_within`: the host's last switch was undone by its own timer (`reverted at T:
    /// not confirmed within 2m (2.0.0 -> 1.0.0)`), until something switches it again.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub self_reverted: Option<String>,
    /// `confirm_within`: the host's switch waits for its confirmation (when it goes back).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unconfirmed: Option<String>,
}

/// What `tug status --verify` found in a host's current release.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "state", content = "error", rename_all = "kebab-case")]
pub enum Integrity {
    /// Every recorded file has its digest.
    Intact,
    /// A file differs or is missing (the first one found).
    Modified(String),
    /// The release record holds no file digests (uploaded by an older tug).
    Unrecorded,
}

/// The result of a health probe.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "state", content = "error", rename_all = "kebab-case")]
pub enum Health {
    Healthy,
    Unhealthy(String),
}

/// `tug status`.
#[derive(Debug, Clone, Serialize)]
pub struct StatusReport {
    pub hosts: Vec<HostStatus>,
    /// The releases marked bad in the environment, with where and why.
    pub bad: BTreeMap<String, hs::HostBadMark>,
    /// A rollback that left hosts out: their target.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pending_rollback: Option<hs::PendingRollback>,
    /// The version most hosts run.
    pub fleet_version: Option<String>,
    pub rollout: Option<RolloutState>,
    /// The unfinished rollout's process is gone (crash): resume or abort it.
    pub rollout_interrupted: bool,
    /// With a traffic router: what it says now (`traffic.router`, `view` or `error`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub traffic: Option<super::traffic::TrafficStatus>,
}

impl StatusReport {
    /// All hosts reachable, on one version, healthy, with no rollout in progress.
    pub fn converged(&self) -> bool {
        self.rollout.is_none()
            && self.hosts.iter().all(|h| {
                h.reachable
                    && !h.diverges
                    && h.current.is_some()
                    && !matches!(h.health, Some(Health::Unhealthy(_)))
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

/// Whether a failed rollout is the release's fault: then it is marked bad in the environment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Blame {
    /// A health check, an analysis, a hook or the restart failed.
    Release,
    /// Something else stopped it (a host unreachable, a config error, a person's abort).
    NotTheRelease,
}

/// Runs operations on one environment as one actor, reporting progress.
pub struct Deployer<'a> {
    pub env: Environment,
    pub actor: Actor,
    pub progress: Box<dyn Fn(Event) + Sync + 'a>,
    /// The environment variables of this run, for `{{ env.NAME }}` in deploy templates (the
    /// engine never reads the process environment itself).
    pub vars: BTreeMap<String, String>,
    http: std::sync::OnceLock<super::health::HttpClient>,
}

impl<'a> Deployer<'a> {
    pub fn new(
        env: Environment,
        actor: Actor,
        vars: BTreeMap<String, String>,
        progress: impl Fn(Event) + Sync + 'a,
    ) -> Deployer<'a> {
        Deployer {
            env,
            actor,
            progress: Box::new(progress),
            vars,
            http: std::sync::OnceLock::new(),
        }
    }
}

impl Deployer<'_> {
    /// The HTTP client of this run (health probes, Prometheus), made on first use.
    pub(super) fn http(&self) -> &super::health::HttpClient {
        self.http.get_or_init(|| {
            super::health::HttpClient::new().expect("a current-thread tokio runtime starts")
        })
    }

    pub(super) fn host(&self, i: usize) -> &dyn Host {
        self.env.hosts[i].as_ref()
    }

    pub(super) fn index(&self, name: &str) -> Option<usize> {
        self.env.hosts.iter().position(|h| h.name() == name)
    }

    pub(super) fn all(&self) -> Vec<usize> {
        (0..self.env.hosts.len()).collect()
    }

    pub(super) fn names(&self, idx: &[usize]) -> Vec<String> {
        idx.iter()
            .map(|&i| self.host(i).name().to_string())
            .collect()
    }

    pub(super) fn phase(&self, message: impl Into<String>) {
        (self.progress)(Event::Phase {
            message: message.into(),
        });
    }

    pub(super) fn on_host(&self, i: usize, message: impl Into<String>) {
        (self.progress)(Event::Host {
            host: self.host(i).name().to_string(),
            message: message.into(),
        });
    }

    pub(super) fn warn(&self, message: impl Into<String>) {
        (self.progress)(Event::Warning {
            message: message.into(),
        });
    }

    /// Run `f` for each host index in parallel, results in the same order.
    pub(super) fn par<T: Send>(&self, idx: &[usize], f: impl Fn(usize) -> T + Sync) -> Vec<T> {
        let f = &f;
        std::thread::scope(|s| {
            let handles: Vec<_> = idx.iter().map(|&i| s.spawn(move || f(i))).collect();
            handles
                .into_iter()
                .map(|h| h.join().expect("host thread panicked"))
                .collect()
        })
    }

    /// Run operations on a host; a failure becomes an error with its exit code and stderr.
    pub(super) fn run(&self, i: usize, ops: &[Op]) -> Result<String, HostOpError> {
        let out = self.host(i).run(ops)?;
        if out.ok() {
            Ok(out.stdout)
        } else {
            let err = out.stderr.trim();
            Err(HostOpError::Failed {
                code: out.status,
                message: if err.is_empty() {
                    format!("exited {}", out.status)
                } else {
                    err.to_string()
                },
            })
        }
    }

    pub(super) fn read_state(&self, i: usize) -> Result<HostState, DeployError> {
        let out = self.host(i).run(&[Op::ReadState])?;
        self.parse_state(i, &out)
    }

    /// The host state a list of operations ending in [`Op::ReadState`] printed.
    pub(super) fn parse_state(
        &self,
        i: usize,
        out: &super::ops::ExecOutput,
    ) -> Result<HostState, DeployError> {
        hs::parse_state(&out.stdout).map_err(|e| {
            DeployError::Failed(format!(
                "{}: {e}: {}",
                self.host(i).name(),
                out.stderr.trim()
            ))
        })
    }

    /// [`Self::read_state`] inside a host operation.
    pub(super) fn read_state_op(&self, i: usize) -> Result<HostState, HostOpError> {
        self.read_state(i).map_err(|e| match e {
            DeployError::Host(h) => HostOpError::Unreachable(h),
            other => HostOpError::State(other.to_string()),
        })
    }

    /// Every host's state; the first unreachable host is an error.
    pub(super) fn read_states(&self) -> Result<Vec<HostState>, DeployError> {
        self.par(&self.all(), |i| self.read_state(i))
            .into_iter()
            .collect()
    }

    pub(super) fn history_entry(&self, i: usize, action: Action, outcome: Outcome) -> HistoryEntry {
        HistoryEntry {
            time: now(),
            actor: self.actor.id(),
            action,
            host: self.host(i).name().to_string(),
            from: None,
            to: None,
            digest: None,
            outcome,
            reason: None,
            id: None,
            step: None,
            insecure_skip_verify: false,
        }
    }

    /// The history line of rollout `st` moving host `i` (from where the rollout found it).
    pub(super) fn rollout_entry(
        &self,
        i: usize,
        st: &RolloutState,
        outcome: Outcome,
    ) -> HistoryEntry {
        let mut e = self.history_entry(i, Action::Rollout, outcome);
        e.step = Some(st.next_step + 1);
        e.from = st.from.get(self.host(i).name()).cloned().flatten();
        e.to = Some(st.version.clone());
        e.digest = Some(st.sha256.clone());
        e.id = Some(st.id.clone());
        e.insecure_skip_verify = st.insecure_skip_verify;
        e
    }
}

pub(super) fn regex_escape(s: &str) -> String {
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

/// A host's error output as one line (history and status lines are one event per line).
pub(super) fn one_line(text: &str) -> String {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("; ")
}

pub(super) fn keys<V>(m: &BTreeMap<String, V>) -> String {
    if m.is_empty() {
        "none".into()
    } else {
        m.keys().cloned().collect::<Vec<_>>().join(", ")
    }
}
