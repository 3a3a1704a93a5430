//! Host operations as data. The engine describes what to do on a host as a list of [`Op`]s; each
//! target decides how: the `ssh` target compiles the list into one POSIX `sh` script (one round
//! trip over its multiplexed connection), the `local` target carries the list out natively with
//! `std::fs` and starts a process only for the user's own commands (restart, hooks, health
//! commands) and for unpacking archives. Both forms have the same effects, the same exit codes and
//! print the same text, so the engine cannot tell them apart (the unit tests run every operation
//! both ways and compare).
//!
//! A list runs in order and stops at the first failing operation: its exit code and message (on
//! stderr) become the result, as a script's would.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::hoststate::{BadMark, HistoryEntry, LockRecord, ReleaseRecord};
use super::target::shquote;

/// Exit code: the lock is held (stdout: `@@held` and the holder's record).
pub const LOCK_HELD: i32 = 10;
/// Exit code: a release is missing or its digest or size differs.
pub const RELEASE_DAMAGED: i32 = 11;
/// Exit code: receiving or unpacking an upload failed.
pub const UPLOAD_FAILED: i32 = 12;
/// Exit code: the `before_switch` hook failed.
pub const HOOK_BEFORE_FAILED: i32 = 21;
/// Exit code: a symlink could not be switched.
pub const SWITCH_FAILED: i32 = 22;
/// Exit code: the `after_switch` hook failed.
pub const HOOK_AFTER_FAILED: i32 = 23;
/// Exit code: the restart command failed.
pub const RESTART_FAILED: i32 = 24;
/// Exit code: a health command failed.
pub const HEALTH_FAILED: i32 = 25;
/// Exit code: a file operation failed.
pub const FILE_FAILED: i32 = 26;

/// How [`Op::VerifyFiles`] checks a release's files.
///
/// Hashing every file of a release before each switch costs what reading it costs (a 30 MB
/// binary: ~0.1 s of CPU a host), at the moment a rollback should be fastest. So after the files
/// have been hashed and found intact, the host keeps their fingerprint next to them
/// (`releases/<v>/.tug-verified`: device, inode, size, modification and change time of each file,
/// to the nanosecond, with a digest of the expected hashes), and a quick check hashes again only
/// when that fingerprint differs. Every ordinary way of changing a file (writing it, replacing
/// it, renaming another over it, `chmod`, `touch -d` back to the old time) sets its change time,
/// which no program can set back; only a changed system clock or a raw write to the disk
/// escapes it (the rule git's index and rsync's quick check rely on). `tug status --verify`
/// always hashes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VerifyMode {
    /// Hash every file.
    Full,
    /// Hash only when the files changed since they were last hashed and found intact.
    Quick,
}

/// The fingerprint record of [`VerifyMode::Quick`], in a release's directory.
pub const VERIFIED_RECORD: &str = ".tug-verified";

/// The part of a fingerprint record that ties it to the expected hashes: a record written when
/// the files matched other hashes (a rebuilt release of the same version) does not match.
fn expected_key(files: &std::collections::BTreeMap<String, String>) -> String {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    for (path, sha256) in files {
        h.update(path.as_bytes());
        h.update([0]);
        h.update(sha256.as_bytes());
        h.update([b'\n']);
    }
    crate::fsutil::hex(&h.finalize()[..8])
}

/// One operation on a host, relative to the host's directory.
#[derive(Debug, Clone)]
pub enum Op {
    /// Print the host's state in `@@section` blocks (parsed by `hoststate::parse_state`).
    ReadState,
    /// Print the free space of the host directory's file system, in KiB (nothing if unknown).
    /// Separate from [`Op::ReadState`]: only an upload needs it, and it costs a process.
    FreeSpace,
    /// Create `.tug/lock` exclusively, or fail with [`LOCK_HELD`] printing the holder.
    AcquireLock(LockRecord),
    /// Remove `.tug/lock` if (and only if) it holds this operation id.
    ReleaseLock { id: String },
    /// Write a file atomically (temp + rename), creating its directory.
    WriteFile { path: String, contents: String },
    /// Remove files (missing ones are fine).
    RemoveFiles(Vec<String>),
    /// Remove release directories `releases/<v>`.
    RemoveReleases(Vec<String>),
    /// Write `releases/<v>/bad.json` if that release is on the host.
    MarkBad { version: String, mark: BadMark },
    /// Remove `releases/<v>/bad.json`.
    ClearBad { version: String },
    /// Append one line to `.tug/history.jsonl`.
    AppendHistory(HistoryEntry),
    /// Point the symlink `link` at `to` (relative to the link's directory, which must name an
    /// existing directory) with a temp link + rename(2); `None` removes the link.
    Switch { link: String, to: Option<String> },
    /// Check `releases/<v>/<artifact>` against its SHA-256 ([`RELEASE_DAMAGED`]).
    VerifyDigest {
        version: String,
        artifact: String,
        sha256: String,
    },
    /// Check every file of `releases/<v>/` against its recorded SHA-256 ([`RELEASE_DAMAGED`],
    /// naming the first file that differs or is missing); see [`VerifyMode`].
    VerifyFiles {
        version: String,
        files: std::collections::BTreeMap<String, String>,
        mode: VerifyMode,
    },
    /// Check that `releases/<v>/<artifact>` has the recorded size ([`RELEASE_DAMAGED`]).
    CheckSize {
        version: String,
        artifact: String,
        size: u64,
    },
    /// Receive `source` (a local file) into `releases/<v>`: into a temp directory, digest
    /// checked, archives unpacked, release.json written, then renamed into place.
    Receive {
        record: ReleaseRecord,
        source: PathBuf,
    },
    /// Run a user command with `sh -c` (stdin empty) in `dir` (relative to the host directory),
    /// with extra environment variables; fail with `code` and `what` on a non-zero exit.
    Shell {
        what: String,
        command: String,
        dir: Option<String>,
        env: Vec<(String, String)>,
        timeout: Option<Duration>,
        code: i32,
    },
    /// Succeed if the file exists, else exit 1.
    FileExists(String),
    /// `confirm_within`: record the switch as unconfirmed (`.tug/confirm.json`, replacing any
    /// earlier record) and start the host's detached timer that switches it back unless it is
    /// confirmed in time (see `confirm_timer`).
    ArmConfirm(Box<super::confirm_timer::ConfirmTimer>),
    /// Remove the unconfirmed-switch record, disarming its timer: only a record of rollout `id`
    /// (then printing `@@confirmed`), or any (`None`, before every switch).
    Confirm { id: Option<String> },
    /// Move the deadline of a record of rollout `id` to `within_secs` from now (tug's heartbeat).
    ExtendConfirm { id: String, within_secs: u64 },
}

impl Op {
    /// The operation's name, for logs (without its arguments).
    pub fn kind(&self) -> &'static str {
        match self {
            Op::ReadState => "read-state",
            Op::AcquireLock(_) => "acquire-lock",
            Op::ReleaseLock { .. } => "release-lock",
            Op::WriteFile { .. } => "write-file",
            Op::RemoveFiles(_) => "remove-files",
            Op::RemoveReleases(_) => "remove-releases",
            Op::MarkBad { .. } => "mark-bad",
            Op::ClearBad { .. } => "clear-bad",
            Op::AppendHistory(_) => "append-history",
            Op::Switch { .. } => "switch",
            Op::VerifyDigest { .. } => "verify-digest",
            Op::VerifyFiles { .. } => "verify-files",
            Op::CheckSize { .. } => "check-size",
            Op::Receive { .. } => "receive",
            Op::Shell { .. } => "shell",
            Op::FileExists(_) => "file-exists",
            Op::FreeSpace => "free-space",
            Op::ArmConfirm(_) => "arm-confirm",
            Op::Confirm { .. } => "confirm",
            Op::ExtendConfirm { .. } => "extend-confirm",
        }
    }
}

/// What a list of operations printed and how it ended.
#[derive(Debug, Clone)]
pub struct ExecOutput {
    pub status: i32,
    pub stdout: String,
    pub stderr: String,
}

impl ExecOutput {
    pub fn ok(&self) -> bool {
        self.status == 0
    }
}

/// The local file a list of operations feeds on stdin (the upload), if any.
pub fn stdin_source(ops: &[Op]) -> Option<&Path> {
    ops.iter().find_map(|op| match op {
        Op::Receive { source, .. } => Some(source.as_path()),
        _ => None,
    })
}

// ---------------------------------------------------------------- the script form

/// The state script: `@@section` blocks, `@@end` last.
///
/// It runs on every host at the start of every rollout and rollback, so it starts few processes:
/// one `tail -v` prints every record file (`@@files`: each after a `==> PATH <==` header, the
/// last [`HISTORY_LINES`] lines of each, so all of the one-line records and the newest history),
/// and `current` is read through its `release.json` (printed among the files) instead of with
/// `readlink`, except under blue-green (the live slot's name is the link's target) or when the
/// release it leads to has no `release.json` (the raw target is printed).
const READ_STATE: &str = r#"printf '@@current\n'
set --
if [ -L current ]; then
  if [ ! -d slots ] && [ -f current/release.json ]; then set -- current/release.json; else readlink current; fi
fi
for s in slots/*; do
  [ -L "$s" ] || continue
  printf '@@slot %s\n' "${s#slots/}"; readlink "$s"
done
for d in releases/*/; do
  [ -d "$d" ] || continue; v=${d#releases/}; v=${v%/}
  case "$v" in .*) continue;; esac
  printf '@@release %s\n' "$v"; set -- "$@" "${d}release.json"
  [ -f "${d}bad.json" ] && set -- "$@" "${d}bad.json"
done
for f in .tug/lock .tug/rollout.json .tug/rollback.json .tug/confirm.json .tug/history.jsonl; do
  [ -f "$f" ] && set -- "$@" "$f"
done
printf '@@pause\n'; [ -f .tug/pause ] && echo yes
printf '@@files\n'; [ $# -eq 0 ] || tail -v -n %LINES% -- "$@" 2>/dev/null
printf '@@end\n'
"#;

/// How many history lines a state read returns (the newest).
pub const HISTORY_LINES: usize = 2000;

fn json<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_string(v).expect("host records serialize")
}

/// `[ -d DIR ] || mkdir -p DIR` for the directory `path` is in, followed by `&& `, or nothing when
/// `path` has no directory part. The directory is known here, so the script needs no `dirname`
/// (the scripts run on every host of every rollout: each process they start costs time there).
fn in_dir(path: &str) -> String {
    match Path::new(path).parent().and_then(Path::to_str) {
        Some(d) if !d.is_empty() => {
            let d = shquote(d);
            format!("{{ [ -d {d} ] || mkdir -p {d}; }} && ")
        }
        _ => String::new(),
    }
}

fn write_file_script(path: &str, contents: &str) -> String {
    let p = shquote(path);
    format!(
        "{dir}printf '%s\\n' {j} > {p}.tmp.$$ && mv -f {p}.tmp.$$ {p} || {{ echo {e} >&2; exit {FILE_FAILED}; }}",
        dir = in_dir(path),
        j = shquote(contents),
        e = shquote(&format!("cannot write {path}")),
    )
}

/// The `sh` form of one operation: exits the script with the operation's code when it fails.
fn script_of(op: &Op) -> String {
    match op {
        Op::ReadState => READ_STATE.replace("%LINES%", &HISTORY_LINES.to_string()),
        Op::AcquireLock(lock) => format!(
            "{{ [ -d .tug ] || mkdir -p .tug; }} && if ( set -C; printf '%s\\n' {} > .tug/lock ) 2>/dev/null; then :; else printf '@@held\\n'; cat .tug/lock; exit {LOCK_HELD}; fi",
            shquote(&json(lock))
        ),
        // The lock record is one line of JSON (`json`), so the shell's `read` sees all of it.
        Op::ReleaseLock { id } => format!(
            "if [ -f .tug/lock ] && {{ IFS= read -r tug_l < .tug/lock; }} 2>/dev/null; then case \"$tug_l\" in *{}*) rm -f .tug/lock;; esac; fi",
            shquote(&format!("\"id\":\"{id}\""))
        ),
        Op::WriteFile { path, contents } => write_file_script(path, contents),
        Op::RemoveFiles(paths) => {
            let list: Vec<String> = paths.iter().map(|p| shquote(p)).collect();
            let list = list.join(" ");
            // `rm` only when there is something to remove (usually there is not).
            format!(
                "tug_rm=; for f in {list}; do if [ -e \"$f\" ] || [ -L \"$f\" ]; then tug_rm=1; fi; done; if [ -n \"$tug_rm\" ]; then rm -f {list} || {{ echo 'cannot remove files' >&2; exit {FILE_FAILED}; }}; fi"
            )
        }
        Op::RemoveReleases(versions) => {
            let list: Vec<String> = versions
                .iter()
                .map(|v| shquote(&format!("releases/{v}")))
                .collect();
            format!(
                "rm -rf {} || {{ echo 'cannot remove releases' >&2; exit {FILE_FAILED}; }}",
                list.join(" ")
            )
        }
        Op::MarkBad { version, mark } => format!(
            "if [ -d {d} ]; then {w}; fi",
            d = shquote(&format!("releases/{version}")),
            w = write_file_script(&format!("releases/{version}/bad.json"), &json(mark))
        ),
        Op::ClearBad { version } => {
            let f = shquote(&format!("releases/{version}/bad.json"));
            format!("if [ -e {f} ]; then rm -f {f}; fi")
        }
        Op::AppendHistory(entry) => format!(
            "{{ [ -d .tug ] || mkdir -p .tug; }} && printf '%s\\n' {} >> .tug/history.jsonl || {{ echo 'cannot append to .tug/history.jsonl' >&2; exit {FILE_FAILED}; }}",
            shquote(&json(entry))
        ),
        Op::Switch { link, to: None } => format!(
            "rm -f {l} || {{ echo {e} >&2; exit {SWITCH_FAILED}; }}",
            l = shquote(link),
            e = shquote(&format!("cannot remove {link}"))
        ),
        Op::Switch { link, to: Some(to) } => {
            let l = shquote(link);
            let d = match Path::new(link).parent().and_then(Path::to_str) {
                Some(d) if !d.is_empty() => d,
                _ => ".",
            };
            // GNU `ln -sfnT` (coreutils 8.27 and later) replaces an existing link atomically: a
            // new link under a temporary name, then rename(2) over the old one.
            format!(
                "{dir}test -d {target} && ln -sfnT {t} {l} || {{ echo {e} >&2; exit {SWITCH_FAILED}; }}",
                dir = in_dir(link),
                target = shquote(&format!("{d}/{to}")),
                t = shquote(to),
                e = shquote(&format!("cannot switch {link} to {to}")),
            )
        }
        Op::VerifyDigest {
            version,
            artifact,
            sha256,
        } => {
            let f = shquote(&format!("releases/{version}/{artifact}"));
            format!(
                "got=$(sha256sum {f} 2>/dev/null | cut -d' ' -f1); if [ \"$got\" != {s} ]; then echo {f}\": sha256 ${{got:-missing}}, expected \"{s} >&2; exit {RELEASE_DAMAGED}; fi",
                s = shquote(sha256)
            )
        }
        // One `sha256sum` over every file; each expected `<sum>  <path>` line is then looked for
        // in its output by the shell (the slow path, naming what was found, only on a mismatch).
        Op::VerifyFiles {
            version,
            files,
            mode,
        } => {
            if files.is_empty() {
                return ":".to_string();
            }
            let paths: Vec<String> = files
                .keys()
                .map(|path| format!("releases/{version}/{path}"))
                .collect();
            let quoted: Vec<String> = paths.iter().map(|p| shquote(p)).collect();
            let mut hash = format!(
                "tug_nl='\n'; tug_sums=$(sha256sum -- {} 2>/dev/null)",
                quoted.join(" ")
            );
            for ((_, sha256), (path, f)) in files.iter().zip(paths.iter().zip(&quoted)) {
                let _ = write!(
                    hash,
                    "\ncase \"$tug_nl$tug_sums$tug_nl\" in *\"$tug_nl\"{line}\"$tug_nl\"*) ;; *) got=$(sha256sum {f} 2>/dev/null | cut -d' ' -f1); echo {f}\": sha256 ${{got:-missing}}, expected \"{sum} >&2; exit {RELEASE_DAMAGED};; esac",
                    line = shquote(&format!("{sha256}  {path}")),
                    sum = shquote(sha256)
                );
            }
            if *mode == VerifyMode::Full {
                return hash;
            }
            // The fingerprint is taken before hashing, so a file that changes meanwhile does not
            // match it next time; it is recorded only once the hashes matched (a failed write
            // of the record costs the next check a hash, nothing else).
            let rec = shquote(&format!("releases/{version}/{VERIFIED_RECORD}"));
            format!(
                "tug_fp={key}\\;$(stat --printf '%d:%i:%s:%.9Y:%.9Z;' -- {files} 2>/dev/null) || tug_fp=\ntug_rec=; {{ IFS= read -r tug_rec < {rec}; }} 2>/dev/null\nif [ -z \"$tug_fp\" ] || [ \"$tug_fp\" != \"$tug_rec\" ]; then\n{hash}\n[ -z \"$tug_fp\" ] || {{ printf '%s\\n' \"$tug_fp\" > {rec}.tmp.$$ && mv -f {rec}.tmp.$$ {rec}; }} 2>/dev/null || rm -f {rec}.tmp.$$\nfi",
                key = expected_key(files),
                files = quoted.join(" "),
            )
        }
        Op::CheckSize {
            version,
            artifact,
            size,
        } => {
            let f = shquote(&format!("releases/{version}/{artifact}"));
            format!(
                "got=$(wc -c < {f} 2>/dev/null | tr -d ' '); if [ \"$got\" != {size} ]; then echo {f}\": ${{got:-missing}} bytes, expected {size}\" >&2; exit {RELEASE_DAMAGED}; fi"
            )
        }
        Op::Receive { record, .. } => {
            let a = shquote(&record.artifact);
            let unpack = match archive_kind(&record.artifact) {
                Some(ArchiveKind::TarGz) => format!("tar -xzf \"$t\"/{a} -C \"$t\" || exit {UPLOAD_FAILED}"),
                Some(ArchiveKind::TarZst) => format!("tar --zstd -xf \"$t\"/{a} -C \"$t\" || exit {UPLOAD_FAILED}"),
                Some(ArchiveKind::Zip) => format!("unzip -q -o \"$t\"/{a} -d \"$t\" || exit {UPLOAD_FAILED}"),
                None => format!("chmod +x \"$t\"/{a}"),
            };
            format!(
                "mkdir -p releases && t=releases/.upload.$$ && rm -rf \"$t\" && mkdir \"$t\" && cat > \"$t\"/{a} || exit {UPLOAD_FAILED}
got=$(sha256sum \"$t\"/{a} | cut -d' ' -f1)
if [ \"$got\" != {s} ]; then rm -rf \"$t\"; echo \"uploaded {art} has sha256 $got, expected \"{s} >&2; exit {RELEASE_DAMAGED}; fi
{unpack}
printf '%s\\n' {j} > \"$t\"/release.json && rm -rf {v} && mv \"$t\" {v} || exit {UPLOAD_FAILED}",
                art = record.artifact.replace(['"', '\\', '$', '`'], "_"),
                s = shquote(&record.sha256),
                j = shquote(&json(record)),
                v = shquote(&format!("releases/{}", record.version)),
            )
        }
        Op::Shell {
            what,
            command,
            dir,
            env,
            timeout,
            code,
        } => {
            let mut s = String::from("( ");
            for (k, v) in env {
                let _ = write!(s, "export {k}={}; ", shquote(v));
            }
            if let Some(d) = dir {
                let _ = write!(s, "cd {} && ", shquote(d));
            }
            // The command runs as `sh -c` would run it, in a subshell of this shell (no other
            // shell started: a process costs more than the switch it follows). Under a timeout
            // it needs a process of its own for `timeout` to stop.
            match timeout {
                Some(t) => {
                    let _ = write!(s, "timeout {} sh -c ", t.as_secs().max(1));
                }
                None => s.push_str("eval "),
            }
            let _ = write!(
                s,
                "{} </dev/null ) || {{ rc=$?; echo {}\" exited $rc\" >&2; exit {code}; }}",
                shquote(command),
                shquote(what)
            );
            s
        }
        Op::FileExists(path) => format!("test -e {} || exit 1", shquote(path)),
        Op::FreeSpace => {
            "df -Pk . 2>/dev/null | { read -r _; read -r _ _ _ f _; [ -z \"$f\" ] || echo \"$f\"; }"
                .to_string()
        }
        Op::ArmConfirm(_) | Op::Confirm { .. } | Op::ExtendConfirm { .. } => {
            super::confirm_timer::script_of(op)
        }
    }
}

/// The whole list as one script (for targets that run scripts, such as ssh).
pub fn script(ops: &[Op]) -> String {
    let mut s = String::new();
    for op in ops {
        s += &script_of(op);
        s.push('\n');
    }
    s
}

// ---------------------------------------------------------------- the native form

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ArchiveKind {
    TarGz,
    TarZst,
    Zip,
}

fn archive_kind(artifact: &str) -> Option<ArchiveKind> {
    if artifact.ends_with(".tar.gz") || artifact.ends_with(".tgz") {
        Some(ArchiveKind::TarGz)
    } else if artifact.ends_with(".tar.zst") {
        Some(ArchiveKind::TarZst)
    } else if artifact.ends_with(".zip") {
        Some(ArchiveKind::Zip)
    } else {
        None
    }
}

/// A failed operation: exit code and message.
type Failed = (i32, String);

fn io_fail(code: i32, what: impl std::fmt::Display) -> impl FnOnce(std::io::Error) -> Failed {
    move |e| (code, format!("{what}: {e}"))
}

/// Write atomically in `root`, creating the directory; the file ends with a newline like the
/// script's `printf '%s\n'`.
fn write_file(root: &Path, rel: &str, contents: &str) -> Result<(), Failed> {
    let path = root.join(rel);
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)
            .map_err(io_fail(FILE_FAILED, format!("cannot write {rel}")))?;
    }
    crate::fsutil::write_atomic(&path, format!("{contents}\n").as_bytes())
        .map_err(io_fail(FILE_FAILED, format!("cannot write {rel}")))
}

/// The files' fingerprint as the script's `stat --printf '%d:%i:%s:%.9Y:%.9Z;'` prints it
/// (`None` when a file is missing).
fn fingerprint(
    root: &Path,
    version: &str,
    files: &std::collections::BTreeMap<String, String>,
) -> Option<String> {
    use std::os::unix::fs::MetadataExt;
    let mut out = String::new();
    for path in files.keys() {
        let m = std::fs::metadata(root.join(format!("releases/{version}/{path}"))).ok()?;
        let _ = write!(
            out,
            "{}:{}:{}:{}.{:09}:{}.{:09};",
            m.dev(),
            m.ino(),
            m.size(),
            m.mtime(),
            m.mtime_nsec(),
            m.ctime(),
            m.ctime_nsec()
        );
    }
    Some(out)
}

fn read_lossy(path: &Path) -> Option<String> {
    std::fs::read(path)
        .ok()
        .map(|b| String::from_utf8_lossy(&b).into_owned())
}

fn free_kib(path: &Path) -> Option<u64> {
    let st = nix::sys::statvfs::statvfs(path).ok()?;
    Some((st.blocks_available() as u64).saturating_mul(st.fragment_size() as u64) / 1024)
}

/// The last `n` lines of a file as `tail -n` prints them (`None` if it cannot be read): the bytes
/// after the `n`-th newline from the end (a final newline does not start a line), reading only
/// a window at the end of a large history.
fn tail_lines(path: &Path, n: usize) -> Option<String> {
    use std::io::{Read, Seek, SeekFrom};
    let mut f = std::fs::File::open(path).ok()?;
    let len = f.metadata().ok()?.len();
    let mut window: u64 = 256 * 1024;
    loop {
        let start = len.saturating_sub(window);
        let mut buf = Vec::new();
        f.seek(SeekFrom::Start(start)).ok()?;
        f.read_to_end(&mut buf).ok()?;
        let body = buf.strip_suffix(b"\n").unwrap_or(&buf);
        let mut newlines = body.iter().enumerate().rev().filter(|(_, &b)| b == b'\n');
        match newlines.nth(n.saturating_sub(1)) {
            Some((at, _)) if n > 0 => {
                return Some(String::from_utf8_lossy(&buf[at + 1..]).into_owned())
            }
            _ if start == 0 => {
                return Some(if n == 0 {
                    String::new()
                } else {
                    String::from_utf8_lossy(&buf).into_owned()
                })
            }
            _ => window *= 4,
        }
    }
}

fn read_state(root: &Path, out: &mut String) {
    out.push_str("@@current\n");
    let mut files: Vec<String> = Vec::new();
    if let Ok(t) = std::fs::read_link(root.join("current")) {
        if !root.join("slots").is_dir() && root.join("current/release.json").is_file() {
            files.push("current/release.json".into());
        } else {
            out.push_str(&t.to_string_lossy());
            out.push('\n');
        }
    }
    let names = |dir: &str| -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(root.join(dir))
            .map(|rd| {
                rd.filter_map(|e| e.ok())
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default();
        v.sort();
        v
    };
    for s in names("slots") {
        if let Ok(t) = std::fs::read_link(root.join("slots").join(&s)) {
            let _ = writeln!(out, "@@slot {s}\n{}", t.to_string_lossy());
        }
    }
    for v in names("releases") {
        let d = root.join("releases").join(&v);
        if v.starts_with('.') || !d.is_dir() {
            continue;
        }
        let _ = writeln!(out, "@@release {v}");
        files.push(format!("releases/{v}/release.json"));
        if d.join("bad.json").is_file() {
            files.push(format!("releases/{v}/bad.json"));
        }
    }
    for f in [
        ".tug/lock",
        ".tug/rollout.json",
        ".tug/rollback.json",
        ".tug/confirm.json",
        ".tug/history.jsonl",
    ] {
        if root.join(f).is_file() {
            files.push(f.into());
        }
    }
    out.push_str("@@pause\n");
    if root.join(".tug/pause").is_file() {
        out.push_str("yes\n");
    }
    out.push_str("@@files\n");
    // As `tail -v`: a header before each readable file, an empty line before every header but
    // the first, the file's last lines as they are (a last line without its newline stays so).
    let mut first = true;
    for f in &files {
        let Some(text) = tail_lines(&root.join(f), HISTORY_LINES) else {
            continue;
        };
        if !first {
            out.push('\n');
        }
        first = false;
        let _ = writeln!(out, "==> {f} <==");
        out.push_str(&text);
    }
    out.push_str("@@end\n");
}

/// Point `link` (relative to `root`) at `to` with a temp symlink and rename(2).
fn switch(root: &Path, link: &str, to: Option<&str>) -> Result<(), Failed> {
    let path = root.join(link);
    let Some(to) = to else {
        return match std::fs::remove_file(&path) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err((SWITCH_FAILED, format!("cannot remove {link}: {e}"))),
        };
    };
    let fail = |e: std::io::Error| (SWITCH_FAILED, format!("cannot switch {link} to {to}: {e}"));
    let dir = path.parent().unwrap_or(root);
    std::fs::create_dir_all(dir).map_err(fail)?;
    if !dir.join(to).is_dir() {
        return Err((
            SWITCH_FAILED,
            format!("cannot switch {link} to {to}: not a directory"),
        ));
    }
    let tmp = dir.join(format!(
        "{}.tug-new.{}",
        path.file_name().unwrap_or_default().to_string_lossy(),
        std::process::id()
    ));
    let _ = std::fs::remove_file(&tmp);
    std::os::unix::fs::symlink(to, &tmp).map_err(fail)?;
    std::fs::rename(&tmp, &path).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        fail(e)
    })
}

/// Run an [`Op::Shell`].
fn run_shell(root: &Path, op: &Op, stdout: &mut String, stderr: &mut String) -> Result<(), Failed> {
    let Op::Shell {
        what,
        command,
        dir,
        env,
        timeout,
        code,
    } = op
    else {
        unreachable!("run_shell is only called with Op::Shell")
    };
    let code = *code;
    let mut cmd = match timeout {
        Some(t) => {
            let mut c = std::process::Command::new("timeout");
            c.arg(t.as_secs().max(1).to_string()).arg("sh");
            c
        }
        None => std::process::Command::new("sh"),
    };
    cmd.arg("-c")
        .arg(command)
        .current_dir(match dir {
            Some(d) => root.join(d),
            None => root.to_path_buf(),
        })
        .envs(env.iter().map(|(k, v)| (k, v)))
        .stdin(std::process::Stdio::null());
    let out = cmd
        .output()
        .map_err(|e| (code, format!("{what}: cannot run sh: {e}")))?;
    stdout.push_str(&String::from_utf8_lossy(&out.stdout));
    stderr.push_str(&String::from_utf8_lossy(&out.stderr));
    if out.status.success() {
        Ok(())
    } else {
        let rc = out.status.code().unwrap_or(-1);
        Err((code, format!("{what} exited {rc}")))
    }
}

fn receive(root: &Path, record: &ReleaseRecord, source: &Path) -> Result<(), Failed> {
    let releases = root.join("releases");
    let tmp = releases.join(format!(".upload.{}", std::process::id()));
    let fail = |e: std::io::Error| (UPLOAD_FAILED, format!("upload failed: {e}"));
    std::fs::create_dir_all(&releases).map_err(fail)?;
    let _ = std::fs::remove_dir_all(&tmp);
    std::fs::create_dir(&tmp).map_err(fail)?;
    let result = (|| {
        let dest = tmp.join(&record.artifact);
        std::fs::copy(source, &dest).map_err(fail)?;
        let (got, _) = crate::fsutil::sha256_file(&dest).map_err(fail)?;
        if got != record.sha256 {
            return Err((
                RELEASE_DAMAGED,
                format!(
                    "uploaded {} has sha256 {got}, expected {}",
                    record.artifact, record.sha256
                ),
            ));
        }
        let unpack = |program: &str, args: &[&std::ffi::OsStr]| -> Result<(), Failed> {
            let out = std::process::Command::new(program)
                .args(args)
                .stdin(std::process::Stdio::null())
                .output()
                .map_err(|e| (UPLOAD_FAILED, format!("cannot run {program}: {e}")))?;
            if out.status.success() {
                Ok(())
            } else {
                Err((
                    UPLOAD_FAILED,
                    format!(
                        "{program} failed: {}",
                        String::from_utf8_lossy(&out.stderr).trim()
                    ),
                ))
            }
        };
        match archive_kind(&record.artifact) {
            Some(ArchiveKind::TarGz) => unpack(
                "tar",
                &[
                    "-xzf".as_ref(),
                    dest.as_os_str(),
                    "-C".as_ref(),
                    tmp.as_os_str(),
                ],
            )?,
            Some(ArchiveKind::TarZst) => unpack(
                "tar",
                &[
                    "--zstd".as_ref(),
                    "-xf".as_ref(),
                    dest.as_os_str(),
                    "-C".as_ref(),
                    tmp.as_os_str(),
                ],
            )?,
            Some(ArchiveKind::Zip) => unpack(
                "unzip",
                &[
                    "-q".as_ref(),
                    "-o".as_ref(),
                    dest.as_os_str(),
                    "-d".as_ref(),
                    tmp.as_os_str(),
                ],
            )?,
            None => {
                use std::os::unix::fs::PermissionsExt;
                std::fs::set_permissions(&dest, std::fs::Permissions::from_mode(0o755))
                    .map_err(fail)?;
            }
        }
        std::fs::write(tmp.join("release.json"), format!("{}\n", json(record))).map_err(fail)?;
        let final_dir = releases.join(&record.version);
        if final_dir.exists() {
            std::fs::remove_dir_all(&final_dir).map_err(fail)?;
        }
        std::fs::rename(&tmp, &final_dir).map_err(fail)
    })();
    if result.is_err() {
        let _ = std::fs::remove_dir_all(&tmp);
    }
    result
}

fn run_native(
    root: &Path,
    op: &Op,
    stdout: &mut String,
    stderr: &mut String,
) -> Result<(), Failed> {
    match op {
        Op::ReadState => {
            read_state(root, stdout);
            Ok(())
        }
        Op::AcquireLock(lock) => {
            use std::io::Write;
            let dir = root.join(".tug");
            std::fs::create_dir_all(&dir).map_err(io_fail(FILE_FAILED, "cannot create .tug"))?;
            match std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(dir.join("lock"))
            {
                Ok(mut f) => f
                    .write_all(format!("{}\n", json(lock)).as_bytes())
                    .map_err(io_fail(FILE_FAILED, "cannot write .tug/lock")),
                Err(_) => {
                    stdout.push_str("@@held\n");
                    stdout.push_str(&read_lossy(&dir.join("lock")).unwrap_or_default());
                    Err((LOCK_HELD, String::new()))
                }
            }
        }
        Op::ReleaseLock { id } => {
            let path = root.join(".tug/lock");
            if read_lossy(&path).is_some_and(|t| t.contains(&format!("\"id\":\"{id}\""))) {
                let _ = std::fs::remove_file(path);
            }
            Ok(())
        }
        Op::WriteFile { path, contents } => write_file(root, path, contents),
        Op::RemoveFiles(paths) => {
            for p in paths {
                match std::fs::remove_file(root.join(p)) {
                    Ok(()) => {}
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                    Err(e) => return Err((FILE_FAILED, format!("cannot remove {p}: {e}"))),
                }
            }
            Ok(())
        }
        Op::RemoveReleases(versions) => {
            for v in versions {
                let d = root.join("releases").join(v);
                if d.exists() {
                    std::fs::remove_dir_all(&d)
                        .map_err(io_fail(FILE_FAILED, format!("cannot remove releases/{v}")))?;
                }
            }
            Ok(())
        }
        Op::MarkBad { version, mark } => {
            if root.join("releases").join(version).is_dir() {
                write_file(root, &format!("releases/{version}/bad.json"), &json(mark))?;
            }
            Ok(())
        }
        Op::ClearBad { version } => {
            let _ = std::fs::remove_file(root.join("releases").join(version).join("bad.json"));
            Ok(())
        }
        Op::AppendHistory(entry) => {
            use std::io::Write;
            let fail = io_fail(FILE_FAILED, "cannot append to .tug/history.jsonl");
            let dir = root.join(".tug");
            let res = std::fs::create_dir_all(&dir).and_then(|_| {
                std::fs::OpenOptions::new()
                    .append(true)
                    .create(true)
                    .open(dir.join("history.jsonl"))?
                    .write_all(format!("{}\n", json(entry)).as_bytes())
            });
            res.map_err(fail)
        }
        Op::Switch { link, to } => switch(root, link, to.as_deref()),
        Op::VerifyDigest {
            version,
            artifact,
            sha256,
        } => {
            let rel = format!("releases/{version}/{artifact}");
            let got = crate::fsutil::sha256_file(&root.join(&rel))
                .map(|(s, _)| s)
                .unwrap_or_else(|_| "missing".into());
            if &got == sha256 {
                Ok(())
            } else {
                Err((
                    RELEASE_DAMAGED,
                    format!("{rel}: sha256 {got}, expected {sha256}"),
                ))
            }
        }
        Op::VerifyFiles {
            version,
            files,
            mode,
        } => {
            let record = root.join(format!("releases/{version}/{VERIFIED_RECORD}"));
            let fingerprint = match mode {
                VerifyMode::Quick if !files.is_empty() => fingerprint(root, version, files)
                    .map(|f| format!("{};{f}", expected_key(files))),
                _ => None,
            };
            if let Some(f) = &fingerprint {
                if read_lossy(&record).is_some_and(|r| r.strip_suffix('\n') == Some(f)) {
                    return Ok(());
                }
            }
            for (path, sha256) in files {
                let rel = format!("releases/{version}/{path}");
                let got = crate::fsutil::sha256_file(&root.join(&rel))
                    .map(|(s, _)| s)
                    .unwrap_or_else(|_| "missing".into());
                if &got != sha256 {
                    return Err((
                        RELEASE_DAMAGED,
                        format!("{rel}: sha256 {got}, expected {sha256}"),
                    ));
                }
            }
            if let Some(f) = fingerprint {
                // A cache: no fsync (a lost or torn record only costs the next check a hash).
                let tmp = record.with_extension(format!("tmp.{}", std::process::id()));
                if std::fs::write(&tmp, format!("{f}\n"))
                    .and_then(|()| std::fs::rename(&tmp, &record))
                    .is_err()
                {
                    let _ = std::fs::remove_file(&tmp);
                }
            }
            Ok(())
        }
        Op::CheckSize {
            version,
            artifact,
            size,
        } => {
            let rel = format!("releases/{version}/{artifact}");
            match std::fs::metadata(root.join(&rel)) {
                Ok(m) if m.len() == *size => Ok(()),
                Ok(m) => Err((
                    RELEASE_DAMAGED,
                    format!("{rel}: {} bytes, expected {size}", m.len()),
                )),
                Err(_) => Err((
                    RELEASE_DAMAGED,
                    format!("{rel}: missing bytes, expected {size}"),
                )),
            }
        }
        Op::Receive { record, source } => receive(root, record, source),
        Op::Shell { .. } => run_shell(root, op, stdout, stderr),
        Op::FileExists(path) => {
            if root.join(path).symlink_metadata().is_ok() {
                Ok(())
            } else {
                Err((1, String::new()))
            }
        }
        Op::FreeSpace => {
            if let Some(k) = free_kib(root) {
                let _ = writeln!(stdout, "{k}");
            }
            Ok(())
        }
        Op::ArmConfirm(_) | Op::Confirm { .. } | Op::ExtendConfirm { .. } => {
            super::confirm_timer::run_native(root, op, stdout)
        }
    }
}

/// Carry out `ops` in `root` (created if missing) on this machine, without a shell for tug's own
/// operations.
pub fn run_local(root: &Path, ops: &[Op]) -> ExecOutput {
    let mut stdout = String::new();
    let mut stderr = String::new();
    if let Err(e) = std::fs::create_dir_all(root) {
        return ExecOutput {
            status: 97,
            stdout,
            stderr: format!("cannot create {}: {e}\n", root.display()),
        };
    }
    for op in ops {
        if let Err((status, message)) = run_native(root, op, &mut stdout, &mut stderr) {
            if !message.is_empty() {
                stderr.push_str(&message);
                stderr.push('\n');
            }
            return ExecOutput {
                status,
                stdout,
                stderr,
            };
        }
    }
    ExecOutput {
        status: 0,
        stdout,
        stderr,
    }
}

/// Test helper: run the script form in `root` with `sh`, as the ssh target
/// does remotely (the unit tests of every host-op module use it).
#[cfg(test)]
pub(crate) fn run_script(root: &Path, ops: &[Op]) -> ExecOutput {
    std::fs::create_dir_all(root).unwrap();
    let stdin = match stdin_source(ops) {
        Some(p) => std::process::Stdio::from(std::fs::File::open(p).unwrap()),
        None => std::process::Stdio::null(),
    };
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg(script(ops))
        .current_dir(root)
        .stdin(stdin)
        .output()
        .unwrap();
    ExecOutput {
        status: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::deploy::hoststate::parse_state;

    fn record(version: &str, artifact: &str, file: &Path) -> ReleaseRecord {
        let (sha256, size) = crate::fsutil::sha256_file(file).unwrap();
        ReleaseRecord {
            project: "p".into(),
            version: version.into(),
            artifact: artifact.into(),
            sha256,
            size,
            uploaded_by: "me@here".into(),
            uploaded_at: "2026-01-01T00:00:00Z".into(),
            files: Default::default(),
            source: None,
        }
    }

    fn lock(id: &str) -> LockRecord {
        LockRecord {
            id: id.into(),
            owner: "a".into(),
            host: "m".into(),
            pid: 1,
            operation: "rollout".into(),
            started: "t".into(),
            expires: "2999-01-01T00:00:00Z".into(),
        }
    }

    /// A scenario through both forms in two directories: same statuses, same state, same files.
    #[test]
    fn native_and_script_forms_agree() {
        let dir = tempfile::tempdir().unwrap();
        let art = dir.path().join("svc");
        std::fs::write(&art, b"#!/bin/sh\necho hi\n").unwrap();
        let tgz = dir.path().join("svc.tar.gz");
        let out = std::process::Command::new("tar")
            .arg("-czf")
            .arg(&tgz)
            .arg("-C")
            .arg(dir.path())
            .arg("svc")
            .status()
            .unwrap();
        assert!(out.success());
        let r1 = record("1.0.0", "svc", &art);
        let r2 = record("2.0.0", "svc.tar.gz", &tgz);
        let mut wrong = r1.clone();
        wrong.version = "9.0.0".into();
        wrong.sha256 = "00".into();
        let entry = HistoryEntry {
            time: "t".into(),
            actor: "a@m".into(),
            action: crate::deploy::hoststate::Action::Rollout,
            host: "h".into(),
            from: None,
            to: Some("1.0.0".into()),
            digest: None,
            outcome: crate::deploy::hoststate::Outcome::Success,
            reason: Some("it's \"quoted\" $(x)".into()),
            id: Some("one".into()),
            step: Some(2),
            insecure_skip_verify: false,
        };
        let mark = BadMark {
            time: "t".into(),
            actor: "a".into(),
            reason: "bad".into(),
        };
        let steps: Vec<(Vec<Op>, i32)> = vec![
            (vec![Op::AcquireLock(lock("one"))], 0),
            (vec![Op::AcquireLock(lock("two"))], LOCK_HELD),
            (
                vec![Op::Receive {
                    record: r1.clone(),
                    source: art.clone(),
                }],
                0,
            ),
            (
                vec![Op::Receive {
                    record: wrong.clone(),
                    source: art.clone(),
                }],
                RELEASE_DAMAGED,
            ),
            (
                vec![Op::Receive {
                    record: r2.clone(),
                    source: tgz.clone(),
                }],
                0,
            ),
            (
                vec![
                    Op::Switch {
                        link: "current".into(),
                        to: Some("releases/1.0.0".into()),
                    },
                    Op::AppendHistory(entry.clone()),
                ],
                0,
            ),
            (
                vec![Op::Switch {
                    link: "current".into(),
                    to: Some("releases/7.7.7".into()),
                }],
                SWITCH_FAILED,
            ),
            (
                vec![
                    Op::Switch {
                        link: "slots/blue".into(),
                        to: Some("../releases/2.0.0".into()),
                    },
                    Op::Switch {
                        link: "slots/green".into(),
                        to: Some("../releases/1.0.0".into()),
                    },
                ],
                0,
            ),
            (
                vec![Op::VerifyDigest {
                    version: "1.0.0".into(),
                    artifact: "svc".into(),
                    sha256: r1.sha256.clone(),
                }],
                0,
            ),
            (
                vec![Op::VerifyDigest {
                    version: "1.0.0".into(),
                    artifact: "svc".into(),
                    sha256: "00".into(),
                }],
                RELEASE_DAMAGED,
            ),
            (
                vec![Op::CheckSize {
                    version: "1.0.0".into(),
                    artifact: "svc".into(),
                    size: r1.size,
                }],
                0,
            ),
            (
                vec![Op::VerifyFiles {
                    version: "2.0.0".into(),
                    files: [("svc".to_string(), r1.sha256.clone())].into(),
                    mode: VerifyMode::Quick,
                }],
                0,
            ),
            (
                vec![Op::VerifyFiles {
                    version: "2.0.0".into(),
                    files: [("svc".to_string(), r1.sha256.clone())].into(),
                    mode: VerifyMode::Full,
                }],
                0,
            ),
            (
                vec![Op::VerifyFiles {
                    version: "2.0.0".into(),
                    files: [
                        ("svc".to_string(), r1.sha256.clone()),
                        ("it's gone".to_string(), r1.sha256.clone()),
                    ]
                    .into(),
                    mode: VerifyMode::Quick,
                }],
                RELEASE_DAMAGED,
            ),
            (
                vec![Op::VerifyFiles {
                    version: "2.0.0".into(),
                    files: [("svc".to_string(), "0".repeat(64))].into(),
                    mode: VerifyMode::Quick,
                }],
                RELEASE_DAMAGED,
            ),
            (
                vec![Op::CheckSize {
                    version: "8.0.0".into(),
                    artifact: "svc".into(),
                    size: r1.size,
                }],
                RELEASE_DAMAGED,
            ),
            (
                vec![
                    Op::MarkBad {
                        version: "2.0.0".into(),
                        mark: mark.clone(),
                    },
                    Op::MarkBad {
                        version: "5.0.0".into(),
                        mark: mark.clone(),
                    },
                ],
                0,
            ),
            (
                vec![Op::WriteFile {
                    path: ".tug/rollout.json".into(),
                    contents: "{\"x\": \"it's\"}".into(),
                }],
                0,
            ),
            (vec![Op::FileExists(".tug/pause".into())], 1),
            (
                vec![
                    Op::Shell {
                        what: "restart command".into(),
                        command: "echo \"$TUG_VERSION $(pwd)\" > ../restarted; exit 0".into(),
                        dir: Some("releases".into()),
                        env: vec![("TUG_VERSION".into(), "1.0.0 x".into())],
                        timeout: None,
                        code: RESTART_FAILED,
                    },
                    Op::Shell {
                        what: "after_switch hook".into(),
                        command: "exit 3".into(),
                        dir: None,
                        env: vec![],
                        timeout: Some(Duration::from_secs(5)),
                        code: HOOK_AFTER_FAILED,
                    },
                    Op::AppendHistory(entry.clone()),
                ],
                HOOK_AFTER_FAILED,
            ),
            (vec![Op::ReleaseLock { id: "two".into() }], 0),
            (vec![Op::FileExists(".tug/lock".into())], 0),
            (
                vec![
                    Op::ReleaseLock { id: "one".into() },
                    Op::ClearBad {
                        version: "2.0.0".into(),
                    },
                    Op::RemoveFiles(vec![".tug/rollout.json".into(), ".tug/none".into()]),
                ],
                0,
            ),
            (vec![Op::FileExists(".tug/lock".into())], 1),
            (
                vec![Op::RemoveReleases(vec!["2.0.0".into(), "4.0.0".into()])],
                0,
            ),
        ];
        let native = dir.path().join("native");
        let scripted = dir.path().join("script host");
        for (k, (ops, expected)) in steps.iter().enumerate() {
            let a = run_local(&native, ops);
            let b = run_script(&scripted, ops);
            assert_eq!(a.status, *expected, "step {k} native: {a:?}");
            assert_eq!(b.status, *expected, "step {k} script: {b:?}");
            assert_eq!(a.stdout, b.stdout, "step {k}");
            if *expected != 0 && *expected != LOCK_HELD && *expected != 1 {
                assert!(!a.stderr.trim().is_empty() && !b.stderr.trim().is_empty());
            }
            let sa = run_local(&native, &[Op::ReadState]);
            let sb = run_script(&scripted, &[Op::ReadState]);
            let (pa, pb) = (
                parse_state(&sa.stdout).unwrap(),
                parse_state(&sb.stdout).unwrap(),
            );
            assert_eq!(pa.current, pb.current, "step {k}");
            assert_eq!(pa.slots, pb.slots, "step {k}");
            assert_eq!(pa.live_slot, pb.live_slot, "step {k}");
            assert_eq!(pa.releases, pb.releases, "step {k}");
            assert_eq!(pa.bad, pb.bad, "step {k}");
            assert_eq!(pa.lock, pb.lock, "step {k}");
            assert_eq!(pa.history, pb.history, "step {k}");
            assert_eq!(pa.problems, pb.problems, "step {k}");
            assert_eq!(
                sa.stdout.replace(|c: char| c.is_ascii_digit(), ""),
                sb.stdout.replace(|c: char| c.is_ascii_digit(), ""),
                "step {k}: the state texts differ beyond the free space"
            );
        }
        let state = parse_state(&run_local(&native, &[Op::ReadState]).stdout).unwrap();
        assert_eq!(state.current.as_deref(), Some("1.0.0"));
        assert_eq!(state.slots.get("green").map(String::as_str), Some("1.0.0"));
        assert!(state.releases.contains_key("1.0.0") && !state.releases.contains_key("2.0.0"));
        assert_eq!(
            state.history.len(),
            1,
            "the failed hook stopped the second append"
        );
        assert_eq!(state.history[0], entry);
        for root in [&native, &scripted] {
            assert_eq!(
                std::fs::read_to_string(root.join("restarted")).unwrap(),
                format!("1.0.0 x {}\n", root.join("releases").display())
            );
            assert_eq!(
                std::fs::read_to_string(root.join("releases/1.0.0/svc")).unwrap(),
                "#!/bin/sh\necho hi\n"
            );
        }
    }

    #[test]
    fn unpacked_archive_and_live_slot_are_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let art = dir.path().join("svc");
        std::fs::write(&art, b"x").unwrap();
        let root = dir.path().join("h");
        let r = record("1.0.0", "svc", &art);
        for ops in [
            vec![Op::Receive {
                record: r.clone(),
                source: art.clone(),
            }],
            vec![
                Op::Switch {
                    link: "slots/green".into(),
                    to: Some("../releases/1.0.0".into()),
                },
                Op::Switch {
                    link: "current".into(),
                    to: Some("slots/green".into()),
                },
            ],
        ] {
            assert!(run_local(&root, &ops).ok());
        }
        let st = parse_state(&run_local(&root, &[Op::ReadState]).stdout).unwrap();
        assert_eq!(st.live_slot.as_deref(), Some("green"));
        assert_eq!(st.current.as_deref(), Some("1.0.0"));
        assert_eq!(std::fs::read(root.join("current/svc")).unwrap(), b"x");
    }

    /// The quick check trusts the fingerprint only while nothing changed: a file rewritten in
    /// place with its size and modification time put back, or replaced by another, is hashed
    /// again and named; the record is the same in both forms.
    #[test]
    fn a_quick_check_hashes_again_when_a_file_changed_since_it_was_verified() {
        let dir = tempfile::tempdir().unwrap();
        let art = dir.path().join("svc");
        std::fs::write(&art, b"#!/bin/sh\necho one\n").unwrap();
        let r = record("1.0.0", "svc", &art);
        let files: std::collections::BTreeMap<String, String> =
            [("svc".to_string(), r.sha256.clone())].into();
        let verify = |mode| {
            vec![Op::VerifyFiles {
                version: "1.0.0".into(),
                files: files.clone(),
                mode,
            }]
        };
        let run = |native: bool, root: &Path, ops: &[Op]| {
            if native {
                run_local(root, ops)
            } else {
                run_script(root, ops)
            }
        };
        let mut records = Vec::new();
        for native in [true, false] {
            let root = dir.path().join(if native { "native" } else { "script" });
            let receive = [Op::Receive {
                record: r.clone(),
                source: art.clone(),
            }];
            assert!(run(native, &root, &receive).ok());
            let rec = root.join("releases/1.0.0").join(VERIFIED_RECORD);
            assert!(run(native, &root, &verify(VerifyMode::Full)).ok());
            assert!(!rec.exists(), "a full check keeps no record");
            assert!(run(native, &root, &verify(VerifyMode::Quick)).ok());
            let first = std::fs::read_to_string(&rec).unwrap();
            assert!(
                first.starts_with(&format!("{};", expected_key(&files))),
                "{first}"
            );
            records.push(first.clone());
            assert!(run(native, &root, &verify(VerifyMode::Quick)).ok());
            assert_eq!(std::fs::read_to_string(&rec).unwrap(), first);

            // Same size, same modification time, other bytes, written in place.
            let f = root.join("releases/1.0.0/svc");
            let mtime = std::fs::metadata(&f).unwrap().modified().unwrap();
            std::thread::sleep(Duration::from_millis(10));
            std::fs::write(&f, b"#!/bin/sh\necho two\n").unwrap();
            std::fs::File::options()
                .write(true)
                .open(&f)
                .unwrap()
                .set_modified(mtime)
                .unwrap();
            for mode in [VerifyMode::Quick, VerifyMode::Full] {
                let out = run(native, &root, &verify(mode));
                assert_eq!(
                    out.status, RELEASE_DAMAGED,
                    "{mode:?} native={native}: {out:?}"
                );
                assert!(
                    out.stderr.contains("releases/1.0.0/svc: sha256 "),
                    "{out:?}"
                );
            }
            // Put back (new inode, new change time): hashed, intact, recorded anew.
            std::fs::remove_file(&f).unwrap();
            std::fs::write(&f, b"#!/bin/sh\necho one\n").unwrap();
            assert!(run(native, &root, &verify(VerifyMode::Quick)).ok());
            assert_ne!(std::fs::read_to_string(&rec).unwrap(), first);
            // Expected hashes other than those the record was made for: hashed again.
            let other = [Op::VerifyFiles {
                version: "1.0.0".into(),
                files: [("svc".to_string(), "0".repeat(64))].into(),
                mode: VerifyMode::Quick,
            }];
            assert_eq!(run(native, &root, &other).status, RELEASE_DAMAGED);
        }
        // Both forms write the same kind of record (their files differ only in inode and time).
        let shape = |r: &str| r.replace(|c: char| c.is_ascii_digit(), "");
        assert_eq!(shape(&records[0]), shape(&records[1]));
    }

    #[test]
    fn free_space_is_printed_the_same_way_in_both_forms() {
        let dir = tempfile::tempdir().unwrap();
        let kib = |out: ExecOutput| -> u64 {
            assert!(out.ok(), "{out:?}");
            out.stdout.trim().parse().unwrap()
        };
        let native = kib(run_local(dir.path(), &[Op::FreeSpace]));
        let script = kib(run_script(dir.path(), &[Op::FreeSpace]));
        assert!(native > 0);
        // The same file system, read a moment apart.
        assert!(
            native.abs_diff(script) < native / 100 + 1024,
            "{native} vs {script}"
        );
    }

    #[test]
    fn tail_reads_only_the_newest_lines() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("h");
        let text: String = (0..100_000).map(|i| format!("line {i}\n")).collect();
        std::fs::write(&f, text).unwrap();
        let t = tail_lines(&f, 3).unwrap();
        assert_eq!(t, "line 99997\nline 99998\nline 99999\n");
        assert_eq!(tail_lines(&dir.path().join("none"), 3), None);
        // As `tail -n` prints them, a last line without its newline included.
        for (text, n) in [
            ("a\nb", 1),
            ("a\nb", 5),
            ("", 2),
            ("\n\n", 1),
            ("x\ny\n", 2),
        ] {
            std::fs::write(&f, text).unwrap();
            let out = std::process::Command::new("tail")
                .arg("-n")
                .arg(n.to_string())
                .arg(&f)
                .output()
                .unwrap();
            assert_eq!(
                tail_lines(&f, n).unwrap(),
                String::from_utf8(out.stdout).unwrap(),
                "{text:?} {n}"
            );
        }
    }
}
