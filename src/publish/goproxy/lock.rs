//! The lock that makes publishers into one proxy directory take turns: while a publish, promote
//! or withdraw changes a `path:` proxy (its checksum database, a version's files, `@v/list`,
//! `@latest`), it holds an exclusive `flock(2)` on `<root>/.tug-publish.lock`.
//!
//! Why: two CI jobs publishing into one directory at once would each read the database's tree of
//! N records and `@v/list`, each append their own, and the second would overwrite the first's
//! tiles and signed `latest`: the database forks (every go command that saw the first head then
//! reports a SECURITY ERROR) and a listed version is lost. Under the lock the second publisher
//! reads the head and the list only after the first is done, so the tree grows by both.
//!
//! - **The kernel holds the lock, not the file**: it is released when the process ends, however
//!   it ends (`kill -9` included), so a lock is never stale. The file itself is never deleted
//!   (deleting it would let two processes lock two different files of the same name); it is
//!   created once and is empty unless someone holds the lock.
//! - **Who holds it** is written into the file by the holder (`pid:`, `host:`, `since:` lines)
//!   and truncated before the lock is released: only for the message a waiting publisher prints
//!   and the error it gives when it stops waiting. A lock held by a process that wrote nothing
//!   (or another tool) is reported as held by an unknown process.
//! - **Bounded wait**: a second publisher polls for the lock (`LOCK_NB`, every 50 ms) and
//!   reports each new holder through a callback; after `lock_wait` it gives up with
//!   [`LockError::Timeout`] (exit 5) having written nothing.
//!
//! The lock file is at the proxy's root, outside every `<module>/@v/` and outside `sumdb/`: the
//! go command never asks for it, and `tug verify --sumdb` never reads it. An HTTP proxy has no
//! such lock (PUT has no portable one): there one publisher at a time may publish.

use std::fs::File;
use std::io::Read;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use nix::errno::Errno;
use nix::fcntl::{Flock, FlockArg};

/// The lock file's name in the proxy root.
pub const LOCK_FILE: &str = ".tug-publish.lock";

/// How often a waiting publisher tries again.
const POLL: Duration = Duration::from_millis(50);

#[derive(Debug, thiserror::Error)]
pub enum LockError {
    #[error("{}: the proxy is locked by another publisher ({holder}); gave up after waiting {}", lock.display(), humantime::format_duration(*waited))]
    Timeout {
        lock: PathBuf,
        holder: Holder,
        waited: Duration,
    },
    #[error("cannot lock {}", lock.display())]
    Io {
        lock: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

impl crate::error::Diagnostic for LockError {
    fn exit_code(&self) -> crate::ExitCode {
        match self {
            LockError::Timeout { .. } => crate::ExitCode::LockHeld,
            LockError::Io { .. } => crate::ExitCode::Failure,
        }
    }
    fn hint(&self) -> Option<String> {
        Some(match self {
            LockError::Timeout { .. } => "another `tug publish` (or --promote/--withdraw) is writing to this proxy directory: run again when it is done, or raise `lock_wait` on the publisher. Do not delete the lock file: the lock is the kernel's, released when its holder exits".into(),
            LockError::Io { .. } => "the proxy directory must be writable and on a file system with flock(2) (a local disk; NFS only with lock support)".into(),
        })
    }
}

/// Who holds the lock, as its holder wrote it into the file.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Holder {
    pub pid: Option<u32>,
    pub host: Option<String>,
    /// When it took the lock (RFC 3339).
    pub since: Option<String>,
}

impl Holder {
    /// This process, now.
    fn me() -> Holder {
        Holder {
            pid: Some(std::process::id()),
            host: nix::unistd::gethostname()
                .ok()
                .map(|h| h.to_string_lossy().into_owned()),
            since: Some(chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
        }
    }

    /// The file's text: `pid: N`, `host: H`, `since: T` lines.
    fn text(&self) -> String {
        let mut out = String::new();
        if let Some(pid) = self.pid {
            out.push_str(&format!("pid: {pid}\n"));
        }
        if let Some(host) = &self.host {
            out.push_str(&format!("host: {host}\n"));
        }
        if let Some(since) = &self.since {
            out.push_str(&format!("since: {since}\n"));
        }
        out
    }

    /// Read back what [`Holder::text`] wrote; unknown lines are skipped.
    pub fn parse(text: &str) -> Holder {
        let mut h = Holder::default();
        for line in text.lines() {
            let Some((key, value)) = line.split_once(':') else {
                continue;
            };
            let value = value.trim();
            match key.trim() {
                "pid" => h.pid = value.parse().ok(),
                "host" if !value.is_empty() => h.host = Some(value.to_string()),
                "since" if !value.is_empty() => h.since = Some(value.to_string()),
                _ => {}
            }
        }
        h
    }
}

impl std::fmt::Display for Holder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.pid {
            Some(pid) => write!(f, "held by pid {pid}")?,
            None => return f.write_str("held by a process that did not say who it is"),
        }
        if let Some(host) = &self.host {
            write!(f, " on {host}")?;
        }
        if let Some(since) = &self.since {
            write!(f, " since {since}")?;
        }
        Ok(())
    }
}

/// The exclusive lock on a proxy directory; released (and its holder text cleared) on drop.
#[derive(Debug)]
pub struct ProxyLock {
    file: Flock<File>,
    path: PathBuf,
}

impl Drop for ProxyLock {
    fn drop(&mut self) {
        // Cleared while still held, so a waiter never reads our holder text after we are gone.
        let _ = self.file.set_len(0);
        tracing::debug!(lock = %self.path.display(), "released the proxy lock");
    }
}

/// The lock file of the proxy at `root`.
pub fn lock_path(root: &Path) -> PathBuf {
    root.join(LOCK_FILE)
}

/// Who holds the lock of the proxy at `root` right now, without taking it: `None` when it is
/// free (or the directory has no lock file yet). For `--dry-run`.
pub fn holder_now(root: &Path) -> Result<Option<Holder>, LockError> {
    let path = lock_path(root);
    let file = match File::open(&path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => return Err(LockError::Io { lock: path, source }),
    };
    // A shared lock is granted unless someone holds the exclusive one, and changes nothing.
    match Flock::lock(file, FlockArg::LockSharedNonblock) {
        Ok(_shared) => Ok(None),
        Err((_, Errno::EWOULDBLOCK)) => Ok(Some(read_holder(&path))),
        Err((_, errno)) => Err(LockError::Io {
            lock: path,
            source: errno.into(),
        }),
    }
}

fn read_holder(path: &Path) -> Holder {
    let mut text = String::new();
    match File::open(path).and_then(|mut f| f.read_to_string(&mut text)) {
        Ok(_) => Holder::parse(&text),
        Err(_) => Holder::default(),
    }
}

/// Take the lock of the proxy at `root` (creating the directory and the lock file if needed),
/// waiting up to `wait` for another holder; `waiting` is called with the lock file and the holder
/// when the wait starts and whenever the holder changes.
pub async fn acquire(
    root: &Path,
    wait: Duration,
    mut waiting: impl FnMut(&Path, &Holder),
) -> Result<ProxyLock, LockError> {
    let path = lock_path(root);
    let io = |source: std::io::Error| LockError::Io {
        lock: path.clone(),
        source,
    };
    std::fs::create_dir_all(root).map_err(io)?;
    let mut file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&path)
        .map_err(io)?;
    let started = Instant::now();
    let mut last: Option<Holder> = None;
    let locked = loop {
        match Flock::lock(file, FlockArg::LockExclusiveNonblock) {
            Ok(locked) => break locked,
            Err((f, Errno::EWOULDBLOCK)) | Err((f, Errno::EINTR)) => {
                file = f;
                let holder = read_holder(&path);
                let waited = started.elapsed();
                if waited >= wait {
                    return Err(LockError::Timeout {
                        lock: path,
                        holder,
                        waited: Duration::from_millis(waited.as_millis() as u64),
                    });
                }
                if last.as_ref() != Some(&holder) {
                    tracing::info!(lock = %path.display(), %holder, "waiting for the proxy lock");
                    waiting(&path, &holder);
                    last = Some(holder);
                }
                tokio::time::sleep(POLL.min(wait - waited)).await;
            }
            Err((_, errno)) => return Err(io(errno.into())),
        }
    };
    locked.set_len(0).map_err(io)?;
    locked
        .write_all_at(Holder::me().text().as_bytes(), 0)
        .map_err(io)?;
    tracing::debug!(lock = %path.display(), waited_ms = started.elapsed().as_millis() as u64, "took the proxy lock");
    Ok(ProxyLock { file: locked, path })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn block_on<T>(f: impl std::future::Future<Output = T>) -> T {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
            .block_on(f)
    }

    #[test]
    fn a_second_lock_waits_names_the_holder_and_times_out() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("proxy");
        let first = block_on(acquire(&root, Duration::ZERO, |_, _| panic!("free"))).unwrap();
        let text = std::fs::read_to_string(root.join(LOCK_FILE)).unwrap();
        let me = Holder::parse(&text);
        assert_eq!(me.pid, Some(std::process::id()), "{text}");
        assert!(me.since.is_some(), "{text}");
        assert_eq!(holder_now(&root).unwrap(), Some(me.clone()));

        // flock(2) locks belong to the open file: a second open in this process conflicts.
        let mut seen = Vec::new();
        let err = block_on(acquire(&root, Duration::from_millis(120), |p, h| {
            seen.push((p.to_path_buf(), h.clone()))
        }))
        .unwrap_err();
        assert_eq!(seen, [(root.join(LOCK_FILE), me.clone())]);
        let LockError::Timeout { lock, holder, .. } = &err else {
            panic!("{err:?}")
        };
        assert_eq!((lock, holder), (&root.join(LOCK_FILE), &me));
        let message = err.to_string();
        assert!(
            message.contains(&format!("held by pid {}", std::process::id())),
            "{message}"
        );
        assert_eq!(
            crate::error::Diagnostic::exit_code(&err),
            crate::ExitCode::LockHeld
        );

        // Released: the holder text is gone, and the next one takes it at once.
        drop(first);
        assert_eq!(std::fs::read(root.join(LOCK_FILE)).unwrap(), b"");
        assert_eq!(holder_now(&root).unwrap(), None);
        let again = block_on(acquire(&root, Duration::ZERO, |_, _| panic!("free"))).unwrap();
        assert_eq!(
            holder_now(&root).unwrap().and_then(|h| h.pid),
            Some(std::process::id())
        );
        drop(again);
    }

    #[test]
    fn a_stale_holder_text_is_no_lock() {
        let tmp = tempfile::tempdir().unwrap();
        // What a publisher killed with -9 leaves: its text, but no lock (the kernel dropped it).
        std::fs::write(tmp.path().join(LOCK_FILE), "pid: 1\nhost: gone\n").unwrap();
        assert_eq!(holder_now(tmp.path()).unwrap(), None);
        let lock = block_on(acquire(tmp.path(), Duration::ZERO, |_, _| panic!("free"))).unwrap();
        drop(lock);
    }

    #[test]
    fn holder_text_round_trips_and_unknown_holders_are_said_so() {
        let h = Holder {
            pid: Some(42),
            host: Some("ci-7".into()),
            since: Some("2026-12-02T08:00:00Z".into()),
        };
        assert_eq!(Holder::parse(&h.text()), h);
        assert_eq!(
            h.to_string(),
            "held by pid 42 on ci-7 since 2026-12-02T08:00:00Z"
        );
        assert_eq!(
            Holder::parse("").to_string(),
            "held by a process that did not say who it is"
        );
    }
}
