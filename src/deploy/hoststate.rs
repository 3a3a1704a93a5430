//! What a host keeps about itself, and the shell scripts that read and change it. Every host is its
//! own source of truth, so anyone with the environment's config sees the same state:
//!
//! ```text
//! releases/<v>/<artifact>      the uploaded artifact (archives are also unpacked here)
//! releases/<v>/release.json    ReleaseRecord
//! releases/<v>/bad.json        BadMark (the release failed here; never chosen by rollback)
//! current -> releases/<v>      switched with a temp symlink + rename(2)
//! current -> slots/<s>         blue-green: the live slot ...
//! slots/<s> -> ../releases/<v> ... and what each slot runs
//! .tug/history.jsonl           one HistoryEntry per line, append-only
//! .tug/lock                    LockRecord, created exclusively (O_EXCL)
//! .tug/rollout.json            RolloutState of the unfinished (running or paused) rollout
//! .tug/pause                   a pause request from `tug rollout pause`
//! ```

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// `releases/<v>/release.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReleaseRecord {
    pub project: String,
    pub version: String,
    /// The artifact file inside the release directory.
    pub artifact: String,
    pub sha256: String,
    pub size: u64,
    /// Who uploaded it, and when (RFC 3339).
    pub uploaded_by: String,
    pub uploaded_at: String,
}

/// `releases/<v>/bad.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BadMark {
    pub time: String,
    pub actor: String,
    pub reason: String,
}

/// `.tug/lock`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LockRecord {
    /// The operation id (a rollout keeps its id across pause, promote and crash recovery).
    pub id: String,
    /// `user` who holds it.
    pub owner: String,
    /// The machine tug runs on.
    pub host: String,
    pub pid: u32,
    /// What it is doing (`rollout 2.0.0`, `rollback`).
    pub operation: String,
    pub started: String,
    pub expires: String,
}

impl LockRecord {
    /// `alice on laptop (pid 42, rollout 2.0.0, since T)`.
    pub fn describe(&self) -> String {
        format!(
            "{} on {} (pid {}, {}, since {})",
            self.owner, self.host, self.pid, self.operation, self.started
        )
    }

    /// A lock whose holder is gone: expired, or held by a dead process on this very machine.
    pub fn is_stale(&self, this_machine: &str) -> bool {
        let expired = chrono::DateTime::parse_from_rfc3339(&self.expires)
            .map(|t| t < chrono::Utc::now())
            .unwrap_or(false);
        let dead = self.host == this_machine && !pid_alive(self.pid);
        expired || dead
    }
}

fn pid_alive(pid: u32) -> bool {
    // kill(pid, 0): ESRCH means no such process.
    let r = unsafe { libc::kill(pid as libc::pid_t, 0) };
    r == 0 || std::io::Error::last_os_error().raw_os_error() != Some(libc::ESRCH)
}

/// One step of a rollout plan, as stored on the hosts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PlanStep {
    /// Switch these hosts (in parallel), restart and health-check them.
    Deploy(Vec<String>),
    /// Wait (`30s`) or stop until promoted (`manual`).
    Pause(String),
    /// Run the named analysis against the canary hosts.
    Analysis(String),
    /// Blue-green: point each host's idle slot at the release, restart and health-check it.
    Prepare(Vec<String>),
    /// Blue-green: switch `current` of these hosts to their prepared slot (one rename each).
    Switch(Vec<String>),
}

/// Whether the stored rollout is running or waits for a human.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RolloutStatus {
    Running,
    Paused,
}

/// `.tug/rollout.json`: the unfinished rollout, the same on every host (highest `seq` wins).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RolloutState {
    pub id: String,
    pub seq: u64,
    pub environment: String,
    pub project: String,
    pub version: String,
    pub artifact: String,
    pub sha256: String,
    pub status: RolloutStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paused_reason: Option<String>,
    pub steps: Vec<PlanStep>,
    /// Index of the next step to run.
    pub next_step: usize,
    /// What each host ran before this rollout (`null`: nothing).
    pub from: BTreeMap<String, Option<String>>,
    /// Hosts switched to the new release and healthy.
    pub switched: Vec<String>,
    /// Blue-green: hosts whose idle slot runs the new release, healthy.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub prepared: Vec<String>,
    /// Hosts switched since the last analysis that passed (the canary hosts).
    pub canary: Vec<String>,
    /// Hosts being switched right now (they may or may not be switched after a crash).
    pub in_flight: Vec<String>,
    pub started_by: String,
    pub started_at: String,
    pub updated_at: String,
    #[serde(default)]
    pub insecure_skip_verify: bool,
}

/// One line of `.tug/history.jsonl`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryEntry {
    pub time: String,
    /// `user@machine`.
    pub actor: String,
    /// rollout, switch, revert, rollback, abort, promote, resume, unlock, pause.
    pub action: String,
    pub host: String,
    #[serde(default)]
    pub from: Option<String>,
    #[serde(default)]
    pub to: Option<String>,
    #[serde(default)]
    pub digest: Option<String>,
    /// success, failed, reverted, rolled-back, paused, aborted, ...
    pub outcome: String,
    #[serde(default)]
    pub reason: Option<String>,
    /// The operation id (groups the lines of one rollout across hosts).
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub insecure_skip_verify: bool,
}

/// Everything tug reads from a host in one round trip.
#[derive(Debug, Clone, Default)]
pub struct HostState {
    /// The release `current` leads to (through the live slot under blue-green).
    pub current: Option<String>,
    /// Blue-green: the slot `current` points to.
    pub live_slot: Option<String>,
    /// Blue-green: the release each slot (`slots/<name>`) points to.
    pub slots: BTreeMap<String, String>,
    pub releases: BTreeMap<String, ReleaseRecord>,
    pub bad: BTreeMap<String, BadMark>,
    pub lock: Option<LockRecord>,
    pub rollout: Option<RolloutState>,
    pub pause_requested: bool,
    /// Free space in the host directory's file system, in KiB.
    pub free_kib: Option<u64>,
    /// The last lines of `.tug/history.jsonl`, oldest first.
    pub history: Vec<HistoryEntry>,
    /// Problems reading the files (a damaged release.json, ...).
    pub problems: Vec<String>,
}

/// Parse the output of [`Op::ReadState`](super::ops::Op::ReadState).
pub fn parse_state(text: &str) -> Result<HostState, String> {
    if !text.contains("@@end") {
        return Err("the host did not print its whole state".into());
    }
    let mut state = HostState::default();
    let mut section = String::new();
    let mut body = String::new();
    let flush = |section: &str, body: &str, state: &mut HostState| {
        let body = body.trim();
        let (kind, arg) = section.split_once(' ').unwrap_or((section, ""));
        match kind {
            "current" if !body.is_empty() => {
                let v = body.trim_end_matches('/');
                match v.strip_prefix("slots/") {
                    Some(slot) => state.live_slot = Some(slot.to_string()),
                    None => {
                        state.current = Some(v.strip_prefix("releases/").unwrap_or(v).to_string())
                    }
                }
            }
            "slot" if !body.is_empty() && !arg.contains(".tug-new.") => {
                let v = body.trim_end_matches('/');
                let v = v.strip_prefix("../releases/").unwrap_or(v);
                state.slots.insert(arg.to_string(), v.to_string());
            }
            "release" => match serde_json::from_str::<ReleaseRecord>(body) {
                Ok(r) => {
                    state.releases.insert(arg.to_string(), r);
                }
                Err(e) => state
                    .problems
                    .push(format!("releases/{arg}/release.json: {e}")),
            },
            "bad" => {
                if let Ok(b) = serde_json::from_str(body) {
                    state.bad.insert(arg.to_string(), b);
                }
            }
            "lock" if !body.is_empty() => match serde_json::from_str(body) {
                Ok(l) => state.lock = Some(l),
                Err(e) => state
                    .problems
                    .push(format!(".tug/lock is not readable: {e}")),
            },
            "rollout" if !body.is_empty() => match serde_json::from_str(body) {
                Ok(r) => state.rollout = Some(r),
                Err(e) => state
                    .problems
                    .push(format!(".tug/rollout.json is not readable: {e}")),
            },
            "pause" => state.pause_requested = body == "yes",
            "free" => state.free_kib = body.parse().ok(),
            "history" => {
                state.history = body
                    .lines()
                    .filter_map(|l| serde_json::from_str(l).ok())
                    .collect();
            }
            _ => {}
        }
    };
    for line in text.lines() {
        if let Some(s) = line.strip_prefix("@@") {
            flush(&section, &body, &mut state);
            section = s.to_string();
            body.clear();
        } else {
            body.push_str(line);
            body.push('\n');
        }
    }
    if let Some(slot) = &state.live_slot {
        state.current = state.slots.get(slot).cloned();
    }
    Ok(state)
}
