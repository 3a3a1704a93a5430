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
//! .tug/rollback.json           PendingRollback: the target of a rollback that left hosts out
//! .tug/pause                   a pause request from `tug rollout pause`
//! .tug/confirm.json            ConfirmRecord: a switch not confirmed yet (`confirm_within`)
//! .tug/self-revert.log         what the last self-revert's commands printed
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
    /// The SHA-256 of every file of the release directory as unpacked (the artifact and, for
    /// an archive, each file in it), by path relative to `releases/<v>/`; computed by tug from
    /// the verified artifact at upload. Empty in records written by an older tug.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub files: BTreeMap<String, String>,
    /// The commit and tag the release was built from (its manifest's), for `tug status
    /// --provenance`. Absent in records written by an older tug.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<ReleaseSource>,
}

/// Where a release came from: `release.json`'s `source`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReleaseSource {
    pub commit: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tag: Option<String>,
}

/// `releases/<v>/bad.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BadMark {
    pub time: String,
    pub actor: String,
    pub reason: String,
}

/// A bad mark and the host it was found on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HostBadMark {
    pub host: String,
    #[serde(flatten)]
    pub mark: BadMark,
}

/// Bad marks are environment-wide: `version` is bad if any host of the environment marks it. The
/// newest mark (by time) is returned, with the host (`name(k)` names host `k` of `states`).
pub fn bad_mark<'a>(
    states: &[HostState],
    version: &str,
    name: impl Fn(usize) -> &'a str,
) -> Option<HostBadMark> {
    states
        .iter()
        .enumerate()
        .filter_map(|(k, s)| s.bad.get(version).map(|m| (k, m)))
        .max_by(|a, b| a.1.time.cmp(&b.1.time))
        .map(|(k, m)| HostBadMark {
            host: name(k).to_string(),
            mark: m.clone(),
        })
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

    /// Whether the holder is still there, as far as this machine can tell.
    pub fn liveness(&self, this_machine: &str) -> LockLiveness {
        if self.host == this_machine && !pid_alive(self.pid) {
            return LockLiveness::HolderGone;
        }
        match chrono::DateTime::parse_from_rfc3339(&self.expires) {
            Ok(t) if t < chrono::Utc::now() => LockLiveness::Expired,
            Ok(_) => LockLiveness::Held,
            // An expiry nobody can read proves nothing either way: treated as expired, so the
            // hint offers `tug unlock --force`, but never taken over automatically.
            Err(_) => LockLiveness::ExpiryUnreadable,
        }
    }

    /// A lock whose holder looks gone: expired, unreadable expiry, or held by a dead process on
    /// this very machine.
    pub fn is_stale(&self, this_machine: &str) -> bool {
        self.liveness(this_machine) != LockLiveness::Held
    }
}

/// What tug can tell about a lock's holder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LockLiveness {
    /// Held, and not expired.
    Held,
    /// Its process is provably gone: same machine, pid not running. Taken over automatically.
    HolderGone,
    /// Past its expiry; the holder may still run on another machine.
    Expired,
    /// Its `expires` is not an RFC 3339 time (treated like an expired lock).
    ExpiryUnreadable,
}

fn pid_alive(pid: u32) -> bool {
    let Ok(pid) = i32::try_from(pid) else {
        return false;
    };
    // kill(pid, 0): ESRCH means no such process (EPERM: it exists, owned by someone else).
    match nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), None) {
        Ok(()) => true,
        Err(e) => e != nix::errno::Errno::ESRCH,
    }
}

#[cfg(test)]
mod lock_tests {
    use super::*;

    fn lock(host: &str, pid: u32, expires: &str) -> LockRecord {
        LockRecord {
            id: "x".into(),
            owner: "a".into(),
            host: host.into(),
            pid,
            operation: "rollback".into(),
            started: "t".into(),
            expires: expires.into(),
        }
    }

    #[test]
    fn only_a_dead_pid_on_this_machine_proves_the_holder_gone() {
        let me = std::process::id();
        assert_eq!(
            lock("here", me, "2999-01-01T00:00:00Z").liveness("here"),
            LockLiveness::Held
        );
        // pid 2^22 + 1 is above Linux's pid_max: never running.
        let dead = (1 << 22) + 1;
        assert_eq!(
            lock("here", dead, "2999-01-01T00:00:00Z").liveness("here"),
            LockLiveness::HolderGone
        );
        assert_eq!(
            lock("elsewhere", dead, "2999-01-01T00:00:00Z").liveness("here"),
            LockLiveness::Held,
            "another machine's pid proves nothing"
        );
        assert_eq!(
            lock("elsewhere", me, "2000-01-01T00:00:00Z").liveness("here"),
            LockLiveness::Expired
        );
        let unreadable = lock("elsewhere", me, "next tuesday");
        assert_eq!(unreadable.liveness("here"), LockLiveness::ExpiryUnreadable);
        assert!(
            unreadable.is_stale("here"),
            "an unreadable expiry is not a live lock"
        );
    }
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
    /// Send this share of requests (percent) to the hosts running the new release, through the
    /// environment's router (`deploy::traffic`).
    Traffic(u8),
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
    /// Blue-green: the release each prepared host's idle slot ran before it was prepared (to give
    /// it back if the rollout is abandoned, so the way back stays warm).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub standby_before: BTreeMap<String, Option<String>>,
    pub started_by: String,
    pub started_at: String,
    pub updated_at: String,
    #[serde(default)]
    pub insecure_skip_verify: bool,
    /// `confirm_within`: hosts switched whose switch is not confirmed yet (their timers run).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unconfirmed: Vec<String>,
    /// With a traffic router: what this rollout told it (a resumed rollout starts from here).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub traffic: Option<TrafficState>,
}

/// The router's side of a rollout, as tug last set it (`RolloutState::traffic`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrafficState {
    /// The share (percent) of the last `traffic:` step, if one ran.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub share: Option<u8>,
    /// The weight each server had when the rollout started (given back at its end).
    pub base: BTreeMap<String, u16>,
    /// The weight tug last set per server.
    pub weights: BTreeMap<String, u16>,
    /// Whether the header route to the new release is on ...
    #[serde(default)]
    pub header: bool,
    /// ... and the servers it sends those requests to.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub header_servers: Vec<String>,
}

/// What a history line records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Action {
    /// A rollout switching this host (or a rollout-wide event: started, paused, stopped).
    Rollout,
    /// Blue-green: preparing the idle slot.
    Prepare,
    /// A failed rollout switching this host back.
    Revert,
    /// `tug rollback`.
    Rollback,
    Promote,
    Resume,
    Abort,
    Pause,
    /// `tug unlock --force`, or a lock taken over from a holder that is gone.
    Unlock,
    /// Marking a release bad (environment-wide).
    MarkBad,
    /// The host's own timer switched it back: the rollout did not confirm the switch within
    /// `confirm_within` (written on the host, by the timer).
    SelfRevert,
    /// A change of the traffic router's weights or header route (the weights in `reason`).
    Traffic,
    /// A line written by a newer tug.
    #[serde(other)]
    Other,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Rollout => "rollout",
            Action::Prepare => "prepare",
            Action::Revert => "revert",
            Action::Rollback => "rollback",
            Action::Promote => "promote",
            Action::Resume => "resume",
            Action::Abort => "abort",
            Action::Pause => "pause",
            Action::Unlock => "unlock",
            Action::MarkBad => "mark-bad",
            Action::SelfRevert => "self-revert",
            Action::Traffic => "traffic",
            Action::Other => "other",
        }
    }
}

impl std::fmt::Display for Action {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How the recorded action ended (or, for [`Outcome::Intent`], that it is about to happen).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    /// Written before a host is switched; the line with the outcome follows it. An intent with no
    /// later line of the same operation on that host means tug was killed in between.
    Intent,
    /// An operation started (promote, resume; a rollout without signature verification).
    Started,
    /// Switched (older tug: written with the switch, before the health check).
    Switched,
    /// Switched, restarted and passed its health check (or none is configured).
    Healthy,
    /// The rollout finished with this host on the release; a rollback switched it and it passed
    /// its health check.
    Success,
    Failed,
    /// Switched back to what it ran before the rollout.
    Reverted,
    Paused,
    /// A canary-only rollback stopped the rollout; this host keeps the release.
    Stopped,
    /// Blue-green: an idle slot prepared with a release that will not go live.
    Abandoned,
    /// A lock removed by `tug unlock --force`.
    Forced,
    /// A lock taken over because its holder is provably gone.
    TakenOver,
    /// A dangling intent resolved by a later command (the process that wrote it was gone).
    Interrupted,
    /// A release marked bad (see `reason`).
    Marked,
    #[serde(other)]
    Other,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Intent => "intent",
            Outcome::Started => "started",
            Outcome::Switched => "switched",
            Outcome::Healthy => "healthy",
            Outcome::Success => "success",
            Outcome::Failed => "failed",
            Outcome::Reverted => "reverted",
            Outcome::Paused => "paused",
            Outcome::Stopped => "stopped",
            Outcome::Abandoned => "abandoned",
            Outcome::Forced => "forced",
            Outcome::TakenOver => "taken-over",
            Outcome::Interrupted => "interrupted",
            Outcome::Marked => "marked",
            Outcome::Other => "other",
        }
    }
}

impl std::fmt::Display for Outcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `.tug/rollback.json`: the target of a rollback that left unreachable hosts out, so that the
/// next `tug rollback` moves only them, to the same release.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingRollback {
    pub id: String,
    pub target: String,
    pub actor: String,
    pub time: String,
    pub left_out: Vec<String>,
}

/// One line of `.tug/history.jsonl`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryEntry {
    pub time: String,
    /// `user@machine`.
    pub actor: String,
    pub action: Action,
    pub host: String,
    #[serde(default)]
    pub from: Option<String>,
    #[serde(default)]
    pub to: Option<String>,
    #[serde(default)]
    pub digest: Option<String>,
    pub outcome: Outcome,
    #[serde(default)]
    pub reason: Option<String>,
    /// The operation id (groups the lines of one rollout across hosts).
    #[serde(default)]
    pub id: Option<String>,
    /// The rollout step (1-based) that switched this host: one history entry per host per step.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub step: Option<usize>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub insecure_skip_verify: bool,
}

impl HistoryEntry {
    /// This line records a release that ran healthy on the host: a switch to `to` that passed
    /// its health check (a rollout step, a finished rollout, a rollback, a revert).
    pub fn ran_healthy(&self) -> Option<&str> {
        let healthy = matches!(
            (self.action, self.outcome),
            (Action::Rollout, Outcome::Healthy | Outcome::Success)
                | (Action::Rollback, Outcome::Success)
                | (Action::Revert, Outcome::Reverted | Outcome::Healthy)
        );
        if healthy {
            self.to.as_deref()
        } else {
            None
        }
    }

    /// Whether `later` is a line of the same operation on the same host (closing an intent).
    fn closes(&self, later: &HistoryEntry) -> bool {
        later.host == self.host && later.id.is_some() && later.id == self.id
    }
}

/// The intents in `history` (oldest first) with no later line of the same operation on that
/// host: tug was killed between announcing a switch and recording how it ended.
pub fn dangling_intents(history: &[HistoryEntry]) -> Vec<&HistoryEntry> {
    history
        .iter()
        .enumerate()
        .filter(|(_, e)| e.outcome == Outcome::Intent)
        .filter(|(k, e)| !history[k + 1..].iter().any(|l| e.closes(l)))
        .map(|(_, e)| e)
        .collect()
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
    /// A rollback that left hosts out (`.tug/rollback.json`).
    pub pending_rollback: Option<PendingRollback>,
    pub pause_requested: bool,
    /// `confirm_within`: the switch waiting for its confirmation (`.tug/confirm.json`).
    pub confirm: Option<super::confirm_timer::ConfirmRecord>,
    /// The last lines of `.tug/history.jsonl`, oldest first.
    pub history: Vec<HistoryEntry>,
    /// Problems reading the files (a damaged release.json, ...).
    pub problems: Vec<String>,
}

impl HostState {
    /// The releases that last ran healthy on this host, newest first by when they did.
    pub fn ran_healthy(&self) -> Vec<String> {
        let mut seen = Vec::new();
        for e in self.history.iter().rev() {
            if let Some(v) = e.ran_healthy() {
                if !seen.iter().any(|s: &String| s == v) {
                    seen.push(v.to_string());
                }
            }
        }
        seen
    }
}

/// One record file of the state read: `None` when it is absent, and when it cannot be parsed
/// (which is added to `problems`, naming the file).
fn record<T: serde::de::DeserializeOwned>(
    body: Option<&str>,
    path: &str,
    problems: &mut Vec<String>,
) -> Option<T> {
    match serde_json::from_str(body?) {
        Ok(r) => Some(r),
        Err(e) => {
            problems.push(format!("{path} is not readable: {e}"));
            None
        }
    }
}

/// Parse the output of [`Op::ReadState`](super::ops::Op::ReadState).
pub fn parse_state(text: &str) -> Result<HostState, String> {
    if !text.contains("@@end") {
        return Err("the host did not print its whole state".into());
    }
    let mut state = HostState::default();
    // `@@section [arg]` blocks; the record files come in `@@files` after `==> PATH <==` headers.
    let mut sections: Vec<(&str, String)> = Vec::new();
    let mut files: BTreeMap<&str, String> = BTreeMap::new();
    let mut in_files = false;
    let mut file: Option<&str> = None;
    for line in text.lines() {
        if let Some(s) = line.strip_prefix("@@") {
            in_files = s == "files";
            file = None;
            sections.push((s, String::new()));
        } else if let Some(path) = in_files
            .then(|| line.strip_prefix("==> ")?.strip_suffix(" <=="))
            .flatten()
        {
            file = Some(path);
            files.insert(path, String::new());
        } else if let Some(f) = file {
            let body = files.get_mut(f).expect("inserted with its header");
            body.push_str(line);
            body.push('\n');
        } else if let Some((_, body)) = sections.last_mut() {
            body.push_str(line);
            body.push('\n');
        }
    }
    let file = |path: &str| files.get(path).map(|b| b.trim()).filter(|b| !b.is_empty());
    for (section, body) in &sections {
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
            "release" => {
                let path = format!("releases/{arg}/release.json");
                match serde_json::from_str::<ReleaseRecord>(file(&path).unwrap_or_default()) {
                    Ok(r) => {
                        state.releases.insert(arg.to_string(), r);
                    }
                    Err(e) => state.problems.push(format!("{path}: {e}")),
                }
                if let Some(b) = file(&format!("releases/{arg}/bad.json")) {
                    if let Ok(b) = serde_json::from_str(b) {
                        state.bad.insert(arg.to_string(), b);
                    }
                }
            }
            "pause" => state.pause_requested = body == "yes",
            _ => {}
        }
    }
    // `current` read through the release it leads to: that release's directory name.
    let problems = &mut state.problems;
    if let Some(r) = record::<ReleaseRecord>(
        file("current/release.json"),
        "current/release.json",
        problems,
    ) {
        state.current = Some(r.version);
    }
    state.lock = record(file(".tug/lock"), ".tug/lock", problems);
    state.rollout = record(file(".tug/rollout.json"), ".tug/rollout.json", problems);
    state.pending_rollback = record(file(".tug/rollback.json"), ".tug/rollback.json", problems);
    match super::confirm_timer::parse_record(file(".tug/confirm.json").unwrap_or_default()) {
        Some(Ok(c)) => state.confirm = Some(c),
        Some(Err(e)) => state.problems.push(e),
        None => {}
    }
    if let Some(b) = file(".tug/history.jsonl") {
        state.history = b
            .lines()
            .filter_map(|l| serde_json::from_str(l).ok())
            .collect();
    }
    if let Some(slot) = &state.live_slot {
        state.current = state.slots.get(slot).cloned();
    }
    Ok(state)
}
