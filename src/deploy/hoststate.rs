//! What a host keeps about itself, and the shell scripts that read and change it. Every host is its
//! own source of truth, so anyone with the environment's config sees the same state:
//!
//! ```text
//! releases/<v>/<artifact>      the uploaded artifact (archives are also unpacked here)
//! releases/<v>/release.json    ReleaseRecord
//! releases/<v>/bad.json        BadMark (the release failed here; never chosen by rollback)
//! current -> releases/<v>      switched with a temp symlink + rename(2)
//! .tug/history.jsonl           one HistoryEntry per line, append-only
//! .tug/lock                    LockRecord, created exclusively (O_EXCL)
//! .tug/rollout.json            RolloutState of the unfinished (running or paused) rollout
//! .tug/pause                   a pause request from `tug rollout pause`
//! ```

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::target::shquote;

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
    pub current: Option<String>,
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

/// The script printing a host's state in `@@section` blocks (parsed by [`parse_state`]).
pub const READ_STATE: &str = r#"printf '@@current\n'; readlink current 2>/dev/null || true
for d in releases/*/; do
  [ -d "$d" ] || continue; v=${d#releases/}; v=${v%/}
  case "$v" in .*) continue;; esac
  printf '@@release %s\n' "$v"; cat "$d/release.json" 2>/dev/null; echo
  if [ -f "$d/bad.json" ]; then printf '@@bad %s\n' "$v"; cat "$d/bad.json"; echo; fi
done
printf '@@lock\n'; cat .tug/lock 2>/dev/null; echo
printf '@@rollout\n'; cat .tug/rollout.json 2>/dev/null; echo
printf '@@pause\n'; [ -f .tug/pause ] && echo yes
printf '@@free\n'; df -Pk . 2>/dev/null | awk 'NR==2 {print $4}'
printf '@@history\n'; tail -n 2000 .tug/history.jsonl 2>/dev/null
printf '@@end\n'
"#;

/// Parse the output of [`READ_STATE`].
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
                state.current = Some(v.strip_prefix("releases/").unwrap_or(v).to_string());
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
    Ok(state)
}

/// Write `json` to `path` atomically (temp + rename).
pub fn write_file(path: &str, json: &str) -> String {
    format!(
        "mkdir -p \"$(dirname {p})\" && printf '%s\\n' {j} > {p}.tmp.$$ && mv -f {p}.tmp.$$ {p}",
        p = shquote(path),
        j = shquote(json)
    )
}

/// Append one line to the history.
pub fn append_history(entry: &HistoryEntry) -> String {
    let json = serde_json::to_string(entry).expect("history serializes");
    format!(
        "mkdir -p .tug && printf '%s\\n' {} >> .tug/history.jsonl",
        shquote(&json)
    )
}

/// Create the lock exclusively; on failure print `@@held` and the holder's record and exit 10.
pub fn acquire_lock(lock: &LockRecord) -> String {
    let json = serde_json::to_string(lock).expect("lock serializes");
    format!(
        "mkdir -p .tug && if ( set -C; printf '%s\\n' {} > .tug/lock ) 2>/dev/null; then :; else printf '@@held\\n'; cat .tug/lock; exit 10; fi",
        shquote(&json)
    )
}

/// Remove the lock if (and only if) it is ours.
pub fn release_lock(id: &str) -> String {
    format!(
        "if grep -q {} .tug/lock 2>/dev/null; then rm -f .tug/lock; fi",
        shquote(&format!("\"id\":\"{id}\""))
    )
}

/// Switch `current` to `releases/<v>` atomically (or remove it when `version` is None).
pub fn switch(version: Option<&str>) -> String {
    match version {
        Some(v) => format!(
            "test -d releases/{v} && ln -sfn releases/{v} current.tug-new.$$ && mv -fT current.tug-new.$$ current",
            v = shquote(v)
        ),
        None => "rm -f current".to_string(),
    }
}

/// Check the artifact of `releases/<v>` against its expected digest; exit 11 if it differs.
pub fn verify_release(version: &str, artifact: &str, sha256: &str) -> String {
    format!(
        "got=$(sha256sum releases/{v}/{a} 2>/dev/null | cut -d' ' -f1); if [ \"$got\" != {s} ]; then echo \"releases/{v}/{a}: sha256 ${{got:-missing}}, expected {s}\" >&2; exit 11; fi",
        v = shquote(version),
        a = shquote(artifact),
        s = shquote(sha256)
    )
}

/// Check that `releases/<v>/<artifact>` exists with the recorded size (cheap); exit 11 if not.
pub fn check_release_size(version: &str, artifact: &str, size: u64) -> String {
    format!(
        "got=$(wc -c < releases/{v}/{a} 2>/dev/null | tr -d ' '); if [ \"$got\" != {size} ]; then echo \"releases/{v}/{a}: ${{got:-missing}} bytes, expected {size}\" >&2; exit 11; fi",
        v = shquote(version),
        a = shquote(artifact),
    )
}

/// Receive the artifact on stdin into a temp directory, check its digest, unpack archives, write
/// release.json, then move the directory into `releases/<v>` (replacing a damaged one).
pub fn receive_release(record: &ReleaseRecord) -> String {
    let json = serde_json::to_string(record).expect("record serializes");
    let a = shquote(&record.artifact);
    let unpack = if record.artifact.ends_with(".tar.gz") || record.artifact.ends_with(".tgz") {
        format!("tar -xzf \"$t\"/{a} -C \"$t\" || exit 12")
    } else if record.artifact.ends_with(".zip") {
        format!("unzip -q -o \"$t\"/{a} -d \"$t\" || exit 12")
    } else {
        format!("chmod +x \"$t\"/{a}")
    };
    format!(
        "mkdir -p releases && t=releases/.upload.$$ && rm -rf \"$t\" && mkdir \"$t\" && cat > \"$t\"/{a} || exit 12
got=$(sha256sum \"$t\"/{a} | cut -d' ' -f1)
if [ \"$got\" != {s} ]; then rm -rf \"$t\"; echo \"uploaded {a} has sha256 $got, expected {s}\" >&2; exit 11; fi
{unpack}
printf '%s\\n' {j} > \"$t\"/release.json && rm -rf releases/{v} && mv \"$t\" releases/{v}",
        s = shquote(&record.sha256),
        j = shquote(&json),
        v = shquote(&record.version),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::deploy::target::{Host, LocalHost};

    fn host(dir: &std::path::Path) -> LocalHost {
        LocalHost {
            name: "h".into(),
            address: "127.0.0.1".into(),
            root: dir.display().to_string(),
        }
    }

    #[test]
    fn upload_switch_and_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let h = host(&dir.path().join("h"));
        let art = dir.path().join("svc");
        std::fs::write(&art, b"#!/bin/sh\necho hi\n").unwrap();
        let (sha, size) = crate::fsutil::sha256_file(&art).unwrap();
        let rec = ReleaseRecord {
            project: "p".into(),
            version: "1.0.0".into(),
            artifact: "svc".into(),
            sha256: sha.clone(),
            size,
            uploaded_by: "me".into(),
            uploaded_at: "t".into(),
        };
        let out = h.exec(&receive_release(&rec), Some(&art)).unwrap();
        assert!(out.ok(), "{out:?}");
        assert!(h.exec(&switch(Some("1.0.0")), None).unwrap().ok());
        assert!(h
            .exec(&verify_release("1.0.0", "svc", &sha), None)
            .unwrap()
            .ok());
        let bad = h.exec(&verify_release("1.0.0", "svc", "00"), None).unwrap();
        assert_eq!(bad.status, 11);
        assert!(h
            .exec(&check_release_size("1.0.0", "svc", size), None)
            .unwrap()
            .ok());
        assert_eq!(
            h.exec(&check_release_size("1.0.0", "svc", size + 1), None)
                .unwrap()
                .status,
            11
        );
        assert_eq!(
            h.exec(&check_release_size("9.9.9", "svc", size), None)
                .unwrap()
                .status,
            11
        );
        let state = parse_state(&h.exec(READ_STATE, None).unwrap().stdout).unwrap();
        assert_eq!(state.current.as_deref(), Some("1.0.0"));
        assert_eq!(state.releases["1.0.0"], rec);
        assert!(state.lock.is_none() && state.free_kib.unwrap() > 0);
        // A wrong digest never lands in releases/.
        let mut wrong = rec.clone();
        wrong.version = "2.0.0".into();
        wrong.sha256 = "ab".into();
        assert_eq!(
            h.exec(&receive_release(&wrong), Some(&art)).unwrap().status,
            11
        );
        assert!(!dir.path().join("h/releases/2.0.0").exists());
    }

    #[test]
    fn lock_is_exclusive_and_released_only_by_its_owner() {
        let dir = tempfile::tempdir().unwrap();
        let h = host(dir.path());
        let lock = |id: &str| LockRecord {
            id: id.into(),
            owner: "a".into(),
            host: "m".into(),
            pid: 1,
            operation: "rollout".into(),
            started: "t".into(),
            expires: "2999-01-01T00:00:00Z".into(),
        };
        assert!(h.exec(&acquire_lock(&lock("one")), None).unwrap().ok());
        let second = h.exec(&acquire_lock(&lock("two")), None).unwrap();
        assert_eq!(second.status, 10);
        assert!(second.stdout.contains("\"id\":\"one\""));
        h.exec(&release_lock("two"), None).unwrap();
        assert!(dir.path().join(".tug/lock").exists());
        h.exec(&release_lock("one"), None).unwrap();
        assert!(!dir.path().join(".tug/lock").exists());
    }
}
