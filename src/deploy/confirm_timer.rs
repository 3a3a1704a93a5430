//! The host side of commit confirmed (`confirm_within:`): a switched host must not depend on the
//! machine that switched it to get back. When a rollout switches a host, the same host script
//! arms a timer on the host, a detached `sh` that switches the host back to its previous release
//! (the same operations the engine's revert runs: hooks, the `current` rename, the restart
//! command) unless the rollout confirms the switch before its deadline. This module holds the
//! record of an unconfirmed switch (`.tug/confirm.json`), the timer's script, and the operations
//! that arm, extend and confirm it, in the two forms `ops` requires (a POSIX `sh` script for the
//! `ssh` target, native code for `local`, which starts only the timer itself).
//!
//! Safety rules, each enforced on the host:
//! - one record per host; arming replaces it, so only the newest switch's timer may act: a timer
//!   reverts only while the record still carries its own `token`, and only if `current` still
//!   points where its switch put it (a later switch by anything else is never undone);
//! - the timer, arming, extending and confirming all take `.tug/confirm.lock` (an atomic
//!   `mkdir` holding the taker's pid; a lock whose pid is gone is taken over), so a confirmation
//!   and an expiring timer cannot both win;
//! - every switch the engine makes (rollout, revert, rollback, abort) first removes the record
//!   (`Op::Confirm { id: None }`), so a late timer cannot undo it;
//! - the deadline is the host's own clock (`date +%s`), so clock skew with the machine running
//!   tug does not matter.

use std::fmt::Write as _;
use std::path::Path;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::hoststate::HistoryEntry;
use super::ops::{self, Op, FILE_FAILED};
use super::target::shquote;

/// Where the unconfirmed switch is recorded, relative to the host's directory.
pub const RECORD: &str = ".tug/confirm.json";
/// The lock directory of the record.
pub const LOCK: &str = ".tug/confirm.lock";
/// What the last self-revert's commands printed.
pub const LOG: &str = ".tug/self-revert.log";
/// Written by [`Op::Confirm`] on stdout when it removed a record of the given rollout.
pub const CONFIRMED: &str = "@@confirmed";
/// Stands for the revert's time in the history lines the timer writes (the host fills it in).
const TIME: &str = "@@TUG_TIME@@";
/// How many times (100 ms apart) a lock held by a live process is waited for.
const LOCK_TRIES: u32 = 300;

/// `.tug/confirm.json`: a switch that is not confirmed yet. `deadline` comes first so the shell
/// can read and rewrite it without a JSON parser.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConfirmRecord {
    /// When the timer reverts, in seconds since the epoch on the host's clock.
    pub deadline: u64,
    /// Identifies the timer allowed to act on this record (one per switch).
    pub token: String,
    /// The rollout that switched the host.
    pub id: String,
    /// The release the host was switched to.
    pub version: String,
    /// The release the timer switches back to (`null`: the host ran nothing).
    pub back: Option<String>,
    /// `confirm_within` as configured (`2m`).
    pub within: String,
    pub armed_at: String,
    pub armed_by: String,
}

/// Everything the timer of one switch needs, prepared by the engine.
#[derive(Debug, Clone)]
pub struct ConfirmTimer {
    /// The record (its `deadline` is set on the host: now + `within_secs`).
    pub record: ConfirmRecord,
    pub within_secs: u64,
    /// What `current` must point to for the timer to act (`releases/2.0.0`).
    pub expect: String,
    /// The operations that switch the host back (no history lines, no `Op::Confirm`).
    pub revert: Vec<Op>,
    /// History lines: before the switch back, after it, and when it failed (their `time` is
    /// filled in on the host).
    pub intent: HistoryEntry,
    pub reverted: HistoryEntry,
    pub failed: HistoryEntry,
}

impl ConfirmTimer {
    /// The time placeholder the history lines must carry in `time`.
    pub const TIME: &'static str = TIME;
}

fn json<T: Serialize>(v: &T) -> String {
    serde_json::to_string(v).expect("confirm records serialize")
}

/// The record's JSON after `{"deadline":N,` (the part that does not change when it is extended).
fn record_rest(record: &ConfirmRecord) -> String {
    let mut r = record.clone();
    r.deadline = 0;
    json(&r)
        .strip_prefix("{\"deadline\":0,")
        .expect("deadline is the first field")
        .to_string()
}

/// The substring a record of rollout `id` contains.
fn id_needle(id: &str) -> String {
    format!("\"id\":{}", json(&id))
}

fn token_needle(token: &str) -> String {
    format!("\"token\":{}", json(&token))
}

// ---------------------------------------------------------------- the script form

/// The shell functions taking and releasing the record's lock.
fn lock_functions() -> String {
    format!(
        r#"tug_clock() {{ [ -d .tug ] || mkdir -p .tug; tug_i=0; until mkdir {LOCK} 2>/dev/null; do tug_p=; {{ IFS= read -r tug_p < {LOCK}/pid; }} 2>/dev/null; if [ -n "$tug_p" ] && ! kill -0 "$tug_p" 2>/dev/null; then rm -rf {LOCK}; continue; fi; tug_i=$((tug_i + 1)); if [ "$tug_i" -gt {LOCK_TRIES} ]; then echo "cannot take {LOCK} (held by pid $tug_p)" >&2; return 1; fi; sleep 0.1; done; echo $$ > {LOCK}/pid; }}
tug_cunlock() {{ rm -rf {LOCK}; }}
"#
    )
}

/// `printf` of the record with its deadline `secs` from now on the host, into place atomically.
fn write_record_script(rest: &str, secs: u64) -> String {
    format!(
        "printf '{{\"deadline\":%s,%s\\n' \"$(( $(date +%s) + {secs} ))\" {rest} > {RECORD}.tmp.$$ && mv -f {RECORD}.tmp.$$ {RECORD}",
        rest = shquote(rest),
    )
}

/// A history line with the host's current time in place of [`TIME`], appended.
fn append_line_script(entry: &HistoryEntry) -> String {
    let text = json(entry);
    let (pre, post) = text.split_once(TIME).unwrap_or((text.as_str(), ""));
    format!(
        "tug_t=$(date -u +%Y-%m-%dT%H:%M:%SZ); printf '%s%s%s\\n' {} \"$tug_t\" {} >> .tug/history.jsonl",
        shquote(pre),
        shquote(post)
    )
}

/// The detached timer: wait for the deadline (re-reading it, since tug extends it), then under
/// the lock and only while the record is still its own and `current` is where its switch put
/// it, switch back and record it.
pub fn timer_script(t: &ConfirmTimer) -> String {
    let tok = shquote(&token_needle(&t.record.token));
    let mut s = lock_functions();
    let _ = write!(
        s,
        r#"tug_read() {{ tug_l=; {{ IFS= read -r tug_l < {RECORD}; }} 2>/dev/null; case "$tug_l" in *{tok}*) ;; *) return 1;; esac; tug_d=${{tug_l#\{{\"deadline\":}}; tug_d=${{tug_d%%,*}}; }}
while :; do
  tug_read || exit 0
  tug_n=$(date +%s)
  if [ "$tug_n" -lt "$tug_d" ]; then sleep $((tug_d - tug_n)); continue; fi
  tug_clock || exit 1
  if ! tug_read; then tug_cunlock; exit 0; fi
  if [ "$(date +%s)" -lt "$tug_d" ]; then tug_cunlock; continue; fi
  break
done
rm -f {RECORD}
if [ "$(readlink current 2>/dev/null)" != {expect} ]; then tug_cunlock; exit 0; fi
{intent}
if ( {revert} ) </dev/null > {LOG} 2>&1; then
  {reverted}
else
  {failed}
fi
tug_cunlock
"#,
        expect = shquote(&t.expect),
        intent = append_line_script(&t.intent),
        revert = ops::script(&t.revert),
        reverted = append_line_script(&t.reverted),
        failed = append_line_script(&t.failed),
    );
    s
}

/// The `sh` form of the confirm operations.
pub fn script_of(op: &Op) -> String {
    match op {
        Op::ArmConfirm(t) => format!(
            "{locks}tug_clock || exit {FILE_FAILED}\n{write} || {{ tug_cunlock; echo 'cannot write {RECORD}' >&2; exit {FILE_FAILED}; }}\ntug_cunlock\nif command -v setsid >/dev/null 2>&1; then setsid nohup sh -c {timer} </dev/null >/dev/null 2>&1 & else nohup sh -c {timer} </dev/null >/dev/null 2>&1 & fi",
            locks = lock_functions(),
            write = write_record_script(&record_rest(&t.record), t.within_secs),
            timer = shquote(&timer_script(t)),
        ),
        // Nothing to do (and no process started) when no switch waits for a confirmation.
        Op::Confirm { id } => {
            let remove = match id {
                Some(id) => format!(
                    "case \"$tug_l\" in *{}*) rm -f {RECORD}; echo {CONFIRMED};; esac",
                    shquote(&id_needle(id))
                ),
                None => format!("rm -f {RECORD}"),
            };
            format!(
                "if [ -e {RECORD} ]; then {locks}tug_clock || exit {FILE_FAILED}; tug_l=; {{ IFS= read -r tug_l < {RECORD}; }} 2>/dev/null; {remove}; tug_cunlock; fi",
                locks = lock_functions(),
            )
        }
        Op::ExtendConfirm { id, within_secs } => format!(
            "if [ -e {RECORD} ]; then {locks}tug_clock || exit {FILE_FAILED}; tug_l=; {{ IFS= read -r tug_l < {RECORD}; }} 2>/dev/null; case \"$tug_l\" in *{needle}*) tug_r=${{tug_l#*,}}; printf '{{\"deadline\":%s,%s\\n' \"$(( $(date +%s) + {within_secs} ))\" \"$tug_r\" > {RECORD}.tmp.$$ && mv -f {RECORD}.tmp.$$ {RECORD};; esac; tug_cunlock; fi",
            locks = lock_functions(),
            needle = shquote(&id_needle(id)),
        ),
        _ => unreachable!("not a confirm operation"),
    }
}

// ---------------------------------------------------------------- the native form

type Failed = (i32, String);

/// The record's lock, held until dropped.
struct Held<'a>(&'a Path);

impl Drop for Held<'_> {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(self.0);
    }
}

fn pid_alive(pid: i32) -> bool {
    match nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), None) {
        Ok(()) => true,
        Err(e) => e != nix::errno::Errno::ESRCH,
    }
}

fn take_lock(lock: &Path) -> Result<Held<'_>, Failed> {
    let fail = |e: std::io::Error| (FILE_FAILED, format!("cannot take {LOCK}: {e}"));
    if let Some(dir) = lock.parent() {
        std::fs::create_dir_all(dir).map_err(fail)?;
    }
    let mut tries = 0;
    loop {
        match std::fs::create_dir(lock) {
            Ok(()) => {
                std::fs::write(lock.join("pid"), format!("{}\n", std::process::id()))
                    .map_err(fail)?;
                return Ok(Held(lock));
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                let pid = std::fs::read_to_string(lock.join("pid")).unwrap_or_default();
                if let Ok(pid) = pid.trim().parse::<i32>() {
                    if !pid_alive(pid) {
                        let _ = std::fs::remove_dir_all(lock);
                        continue;
                    }
                }
                tries += 1;
                if tries > LOCK_TRIES {
                    return Err((
                        FILE_FAILED,
                        format!("cannot take {LOCK} (held by pid {})", pid.trim()),
                    ));
                }
                std::thread::sleep(Duration::from_millis(100));
            }
            Err(e) => return Err(fail(e)),
        }
    }
}

fn host_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

fn write_record(root: &Path, rest: &str, secs: u64) -> Result<(), Failed> {
    let text = format!("{{\"deadline\":{},{rest}\n", host_now() + secs);
    crate::fsutil::write_atomic(&root.join(RECORD), text.as_bytes())
        .map_err(|e| (FILE_FAILED, format!("cannot write {RECORD}: {e}")))
}

fn first_line(path: &Path) -> String {
    std::fs::read_to_string(path)
        .map(|t| t.lines().next().unwrap_or_default().to_string())
        .unwrap_or_default()
}

/// The native form of the confirm operations.
pub fn run_native(root: &Path, op: &Op, stdout: &mut String) -> Result<(), Failed> {
    let record = root.join(RECORD);
    let lock = root.join(LOCK);
    match op {
        Op::ArmConfirm(t) => {
            {
                let _held = take_lock(&lock)?;
                write_record(root, &record_rest(&t.record), t.within_secs)?;
            }
            // The same timer script as over ssh, in its own process group so that neither the
            // terminal nor the end of tug stops it.
            use std::os::unix::process::CommandExt as _;
            let mut child = std::process::Command::new("sh")
                .arg("-c")
                .arg(timer_script(t))
                .current_dir(root)
                .stdin(std::process::Stdio::null())
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null())
                .process_group(0)
                .spawn()
                .map_err(|e| (FILE_FAILED, format!("cannot start the confirm timer: {e}")))?;
            // Reap it when it ends, if tug still runs then.
            std::thread::spawn(move || {
                let _ = child.wait();
            });
            Ok(())
        }
        Op::Confirm { id } => {
            if record.symlink_metadata().is_err() {
                return Ok(());
            }
            let _held = take_lock(&lock)?;
            let line = first_line(&record);
            let remove = match id {
                Some(id) => line.contains(&id_needle(id)),
                None => true,
            };
            if remove {
                let _ = std::fs::remove_file(&record);
                if id.is_some() {
                    stdout.push_str(CONFIRMED);
                    stdout.push('\n');
                }
            }
            Ok(())
        }
        Op::ExtendConfirm { id, within_secs } => {
            if record.symlink_metadata().is_err() {
                return Ok(());
            }
            let _held = take_lock(&lock)?;
            let line = first_line(&record);
            if line.contains(&id_needle(id)) {
                if let Some((_, rest)) = line.split_once(',') {
                    write_record(root, rest, *within_secs)?;
                }
            }
            Ok(())
        }
        _ => unreachable!("not a confirm operation"),
    }
}

/// Parse `.tug/confirm.json` as printed by the state read (`None` for an empty text).
pub fn parse_record(text: &str) -> Option<Result<ConfirmRecord, String>> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    Some(serde_json::from_str(text).map_err(|e| format!("{RECORD} is not readable: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::deploy::hoststate::{parse_state, Action, Outcome};
    use crate::deploy::ops::{run_local, run_script, ExecOutput};

    /// Both forms, each in its own host directory.
    fn both(dir: &Path) -> [(PathBuf, Runner); 2] {
        [
            (dir.join("native"), Runner::Native),
            (dir.join("script"), Runner::Script),
        ]
    }

    use std::path::PathBuf;

    #[derive(Clone, Copy)]
    enum Runner {
        Native,
        Script,
    }

    impl Runner {
        fn run(self, root: &Path, ops: &[Op]) -> ExecOutput {
            match self {
                Runner::Native => run_local(root, ops),
                Runner::Script => run_script(root, ops),
            }
        }
    }

    /// A host on 2.0.0 that ran 1.0.0 before.
    fn host(root: &Path) {
        for v in ["1.0.0", "2.0.0"] {
            std::fs::create_dir_all(root.join("releases").join(v)).unwrap();
        }
        std::os::unix::fs::symlink("releases/2.0.0", root.join("current")).unwrap();
    }

    fn line(action: Action, outcome: Outcome, reason: &str) -> HistoryEntry {
        HistoryEntry {
            time: TIME.into(),
            actor: "a@m".into(),
            action,
            host: "h".into(),
            from: Some("2.0.0".into()),
            to: Some("1.0.0".into()),
            digest: None,
            outcome,
            reason: Some(reason.into()),
            id: Some("R1".into()),
            step: Some(1),
            insecure_skip_verify: false,
        }
    }

    fn timer(token: &str, secs: u64) -> Op {
        let reason = "not confirmed within 1s";
        Op::ArmConfirm(Box::new(ConfirmTimer {
            record: ConfirmRecord {
                deadline: 0,
                token: token.into(),
                id: "R1".into(),
                version: "2.0.0".into(),
                back: Some("1.0.0".into()),
                within: "1s".into(),
                armed_at: "t".into(),
                armed_by: "a@m".into(),
            },
            within_secs: secs,
            expect: "releases/2.0.0".into(),
            revert: vec![
                Op::Switch {
                    link: "current".into(),
                    to: Some("releases/1.0.0".into()),
                },
                Op::Shell {
                    what: "restart command".into(),
                    command: "echo \"restarted $TUG_VERSION\" >> restarts".into(),
                    dir: None,
                    env: vec![("TUG_VERSION".into(), "1.0.0".into())],
                    timeout: None,
                    code: ops::RESTART_FAILED,
                },
            ],
            intent: line(Action::SelfRevert, Outcome::Intent, reason),
            reverted: line(Action::SelfRevert, Outcome::Reverted, reason),
            failed: line(Action::SelfRevert, Outcome::Failed, reason),
        }))
    }

    fn current(root: &Path) -> String {
        std::fs::read_link(root.join("current"))
            .unwrap()
            .to_string_lossy()
            .into_owned()
    }

    fn wait_until(deadline: std::time::Instant) {
        std::thread::sleep(deadline.saturating_duration_since(std::time::Instant::now()));
    }

    #[test]
    fn an_unconfirmed_switch_goes_back_and_records_it() {
        let dir = tempfile::tempdir().unwrap();
        let start = std::time::Instant::now();
        for (root, r) in both(dir.path()) {
            host(&root);
            let out = r.run(&root, &[timer("T1", 1)]);
            assert_eq!(out.status, 0, "{out:?}");
            assert!(root.join(RECORD).exists());
        }
        wait_until(start + Duration::from_millis(3500));
        for (root, _) in both(dir.path()) {
            assert_eq!(current(&root), "releases/1.0.0", "{}", root.display());
            assert_eq!(
                std::fs::read_to_string(root.join("restarts")).unwrap(),
                "restarted 1.0.0\n"
            );
            assert!(!root.join(RECORD).exists() && !root.join(LOCK).exists());
            let st = parse_state(&run_local(&root, &[Op::ReadState]).stdout).unwrap();
            let kinds: Vec<(Action, Outcome)> =
                st.history.iter().map(|e| (e.action, e.outcome)).collect();
            assert_eq!(
                kinds,
                [
                    (Action::SelfRevert, Outcome::Intent),
                    (Action::SelfRevert, Outcome::Reverted)
                ]
            );
            let t = &st.history[1].time;
            assert!(
                chrono::DateTime::parse_from_rfc3339(t).is_ok(),
                "the host filled in the time: {t}"
            );
        }
    }

    #[test]
    fn a_confirmed_or_superseded_timer_does_nothing_and_extending_delays_it() {
        let dir = tempfile::tempdir().unwrap();
        let start = std::time::Instant::now();
        for (root, r) in both(dir.path()) {
            host(&root);
            // An older switch's timer (1 s), then a newer switch's (3 s) replacing its record.
            assert!(r.run(&root, &[timer("OLD", 1)]).ok());
            assert!(r.run(&root, &[timer("NEW", 3)]).ok());
        }
        wait_until(start + Duration::from_millis(2000));
        for (root, r) in both(dir.path()) {
            assert_eq!(current(&root), "releases/2.0.0", "the old timer reverted");
            let rec: ConfirmRecord =
                serde_json::from_str(&std::fs::read_to_string(root.join(RECORD)).unwrap()).unwrap();
            assert_eq!(rec.token, "NEW");
            // Extended by another rollout id: no effect; by ours: 3 s from now.
            let ext = |id: &str| Op::ExtendConfirm {
                id: id.into(),
                within_secs: 3,
            };
            assert!(r.run(&root, &[ext("R2")]).ok());
            let before: ConfirmRecord =
                serde_json::from_str(&std::fs::read_to_string(root.join(RECORD)).unwrap()).unwrap();
            assert_eq!(before.deadline, rec.deadline);
            assert!(r.run(&root, &[ext("R1")]).ok());
            let after: ConfirmRecord =
                serde_json::from_str(&std::fs::read_to_string(root.join(RECORD)).unwrap()).unwrap();
            assert!(after.deadline > rec.deadline, "{after:?} {rec:?}");
            assert_eq!(record_rest(&after), record_rest(&rec));
        }
        // Past the first deadline of the new timer (3 s): extended, so still on 2.0.0.
        wait_until(start + Duration::from_millis(3600));
        for (root, r) in both(dir.path()) {
            assert_eq!(
                current(&root),
                "releases/2.0.0",
                "the extension was ignored"
            );
            let other = r.run(
                &root,
                &[Op::Confirm {
                    id: Some("R2".into()),
                }],
            );
            assert!(other.ok() && other.stdout.is_empty(), "{other:?}");
            let ours = r.run(
                &root,
                &[Op::Confirm {
                    id: Some("R1".into()),
                }],
            );
            assert_eq!(ours.stdout, format!("{CONFIRMED}\n"), "{ours:?}");
            assert!(!root.join(RECORD).exists());
        }
        wait_until(start + Duration::from_millis(6000));
        for (root, _) in both(dir.path()) {
            assert_eq!(
                current(&root),
                "releases/2.0.0",
                "a confirmed timer reverted"
            );
            assert!(!root.join("restarts").exists());
            assert!(!root.join(".tug/history.jsonl").exists());
            assert!(!root.join(LOCK).exists());
        }
    }

    #[test]
    fn a_timer_never_undoes_a_later_switch_or_a_disarm() {
        let dir = tempfile::tempdir().unwrap();
        let start = std::time::Instant::now();
        let moved = dir.path().join("moved");
        let disarmed = dir.path().join("disarmed");
        for (root, r) in both(&moved).into_iter().chain(both(&disarmed)) {
            host(&root);
            assert!(r.run(&root, &[timer("T", 1)]).ok());
        }
        // Something else switches `current` (without removing the record) ...
        for (root, r) in both(&moved) {
            let sw = r.run(
                &root,
                &[Op::Switch {
                    link: "current".into(),
                    to: Some("releases/1.0.0".into()),
                }],
            );
            assert!(sw.ok());
        }
        // ... or a switch disarms first, as every switch of the engine does.
        for (root, r) in both(&disarmed) {
            assert!(r.run(&root, &[Op::Confirm { id: None }]).ok());
            assert!(!root.join(RECORD).exists());
        }
        wait_until(start + Duration::from_millis(2600));
        for (root, _) in both(&moved) {
            assert_eq!(current(&root), "releases/1.0.0");
            assert!(!root.join("restarts").exists(), "the timer restarted");
            assert!(!root.join(".tug/history.jsonl").exists());
            assert!(!root.join(RECORD).exists());
        }
        for (root, _) in both(&disarmed) {
            assert_eq!(current(&root), "releases/2.0.0");
            assert!(!root.join("restarts").exists());
        }
    }

    #[test]
    fn a_stale_lock_is_taken_over() {
        let dir = tempfile::tempdir().unwrap();
        for (root, r) in both(dir.path()) {
            host(&root);
            std::fs::create_dir_all(root.join(LOCK)).unwrap();
            // pid 2^22 + 1 is above Linux's pid_max: never running.
            std::fs::write(root.join(LOCK).join("pid"), "4194305\n").unwrap();
            std::fs::write(root.join(RECORD), "{\"deadline\":1,\"id\":\"R1\"}\n").unwrap();
            let out = r.run(
                &root,
                &[Op::Confirm {
                    id: Some("R1".into()),
                }],
            );
            assert_eq!(out.stdout, format!("{CONFIRMED}\n"), "{out:?}");
            assert!(!root.join(LOCK).exists() && !root.join(RECORD).exists());
        }
    }
}
