//! Targets: how tug reaches a host. The engine hands a host a list of [`Op`]s; the `local` target
//! (a directory on this machine) carries them out natively, the `ssh` target (the system OpenSSH
//! client, multiplexed over one ControlMaster connection per host) sends them as one `sh` script.
//! Both have the same effects (see [`ops`]), so the engine's logic is shared; tests model hosts as
//! directories and as real sshd servers.

use std::fs::File;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::Child;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::sync::{Mutex, OnceLock};

pub use super::ops::ExecOutput;
use super::ops::{self, Op};

/// Why a host could not run a script at all (as opposed to the script failing).
#[derive(Debug, thiserror::Error)]
pub enum HostError {
    #[error("{host}: host key verification failed (unknown or changed host key): {detail}")]
    HostKey { host: String, detail: String },
    #[error("{host}: cannot connect: {detail}")]
    Connect { host: String, detail: String },
    #[error("{host}: cannot run {program}: {source}")]
    Spawn {
        host: String,
        program: String,
        source: std::io::Error,
    },
}

/// A host of an environment.
pub trait Host: Send + Sync {
    /// The name used in plans, status and history.
    fn name(&self) -> &str;
    /// The address its service listens on (for health checks from this machine).
    fn address(&self) -> &str;
    /// The host's directory (holding `releases/`, `current`, `.tug/`), as the host sees it.
    fn root(&self) -> &str;
    /// Carry out `ops` in the host's directory (created if missing): in order, stopping at the
    /// first that fails.
    fn run(&self, ops: &[Op]) -> Result<ExecOutput, HostError>;
}

/// One event per host operation list: which operations (by kind, never their contents: a
/// command line or a file may hold a secret), how it ended, how long it took.
fn trace_run(ops: &[Op], out: &Result<&ExecOutput, &HostError>, started: std::time::Instant) {
    let kinds: Vec<&str> = ops.iter().map(Op::kind).collect();
    let elapsed_ms = started.elapsed().as_millis() as u64;
    match out {
        Ok(o) => tracing::debug!(ops = ?kinds, status = o.status, elapsed_ms, "host operations"),
        Err(e) => tracing::debug!(ops = ?kinds, error = %e, elapsed_ms, "host unreachable"),
    }
}

/// Quote a string for a POSIX shell: `'...'` with embedded quotes as `'\''`.
pub fn shquote(s: &str) -> String {
    if !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_./=:@,+%".contains(&b))
    {
        return s.to_string();
    }
    format!("'{}'", s.replace('\'', r"'\''"))
}

fn with_root(root: &str, script: &str) -> String {
    let r = shquote(root);
    // `mkdir` (a process) only when the directory is not there yet.
    format!("cd {r} 2>/dev/null || {{ mkdir -p {r} && cd {r}; }} || exit 97\n{script}")
}

fn output_of(out: std::process::Output) -> ExecOutput {
    ExecOutput {
        status: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn stdin_of(host: &str, stdin: Option<&Path>) -> Result<Stdio, HostError> {
    match stdin {
        None => Ok(Stdio::null()),
        Some(p) => File::open(p)
            .map(Stdio::from)
            .map_err(|source| HostError::Spawn {
                host: host.to_string(),
                program: format!("(reading {})", p.display()),
                source,
            }),
    }
}

/// A directory on this machine standing for a host.
pub struct LocalHost {
    pub name: String,
    pub address: String,
    pub root: String,
}

impl Host for LocalHost {
    fn name(&self) -> &str {
        &self.name
    }
    fn address(&self) -> &str {
        &self.address
    }
    fn root(&self) -> &str {
        &self.root
    }
    fn run(&self, ops: &[Op]) -> Result<ExecOutput, HostError> {
        let _span = tracing::debug_span!("host", host = %self.name, target = "local").entered();
        let started = std::time::Instant::now();
        let out = ops::run_local(Path::new(&self.root), ops);
        trace_run(ops, &Ok(&out), started);
        Ok(out)
    }
}

/// A host reached with the system `ssh`. The first use starts a ControlMaster connection in the
/// background (ControlPersist), so every later script on that host, in this and in the next tug
/// invocation, reuses one authenticated connection. Host keys are always checked strictly.
pub struct SshHost {
    pub name: String,
    /// What ssh connects to (a Host from ssh_config or an address).
    pub destination: String,
    pub user: Option<String>,
    pub port: Option<u16>,
    pub root: String,
    pub ssh_config: Option<PathBuf>,
    pub known_hosts: Option<PathBuf>,
    pub identity_file: Option<PathBuf>,
    /// This host's ControlMaster socket (see [`control_path`]).
    control_path: PathBuf,
    master: OnceLock<Result<(), String>>,
    /// The shell this process keeps open on the host (see [`Session`]).
    session: Mutex<Option<Session>>,
}

/// The directory holding ControlMaster sockets under `temp_dir` (this run's `TMPDIR`, passed
/// down, never read here): `tug-ssh-<uid>`, mode 0700. A unix socket path has at most 107 bytes,
/// and ssh first creates a master's socket under a temporary name 17 bytes longer than the
/// socket's ([`control_path`]); under a `TMPDIR` too long for that, `/tmp` is used instead.
pub fn control_dir(temp_dir: &Path) -> PathBuf {
    let dir = control_dir_under(temp_dir);
    let _ = std::fs::create_dir_all(&dir);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700));
    }
    dir
}

/// Where [`control_dir`] keeps the sockets (nothing created).
fn control_dir_under(temp_dir: &Path) -> PathBuf {
    let name = format!("tug-ssh-{}", nix::unistd::getuid());
    let fits = |d: &Path| d.join(&name).as_os_str().len() + 1 + CONTROL_NAME_LEN + 17 <= 107;
    if fits(temp_dir) {
        temp_dir.join(&name)
    } else {
        Path::new("/tmp").join(&name)
    }
}

/// How many hex digits name a master's socket (64 bits: no two connections of one user collide).
const CONTROL_NAME_LEN: usize = 16;

/// The ControlMaster socket for one way of reaching a host: named by tug (a hash of everything
/// on the ssh command line that decides where and how it connects) rather than by ssh's `%C`, so
/// that tug can open sessions on the master itself ([`ssh_mux`](super::ssh_mux)); shorter than
/// `%C`'s 40 digits, to leave room for `TMPDIR` in a unix socket path (see [`control_dir`]).
fn control_path(control_dir: &Path, parts: &[Option<String>]) -> PathBuf {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    for p in parts {
        match p {
            Some(p) => {
                h.update([1]);
                h.update((p.len() as u64).to_be_bytes());
                h.update(p.as_bytes());
            }
            None => h.update([0]),
        }
    }
    control_dir.join(&crate::fsutil::hex(&h.finalize())[..CONTROL_NAME_LEN])
}

impl SshHost {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        name: String,
        destination: String,
        user: Option<String>,
        port: Option<u16>,
        root: String,
        ssh_config: Option<PathBuf>,
        known_hosts: Option<PathBuf>,
        identity_file: Option<PathBuf>,
        control_dir: PathBuf,
    ) -> Self {
        let control_path = control_path(
            &control_dir,
            &[
                ssh_config.as_ref().map(|p| p.display().to_string()),
                Some(destination.clone()),
                user.clone(),
                port.map(|p| p.to_string()),
                known_hosts.as_ref().map(|p| p.display().to_string()),
                identity_file.as_ref().map(|p| p.display().to_string()),
            ],
        );
        SshHost {
            name,
            destination,
            user,
            port,
            root,
            ssh_config,
            known_hosts,
            identity_file,
            control_path,
            master: OnceLock::new(),
            session: Mutex::new(None),
        }
    }

    /// The ssh command line up to (and including) the destination.
    fn ssh(&self) -> Command {
        let mut cmd = Command::new("ssh");
        if let Some(f) = &self.ssh_config {
            cmd.arg("-F").arg(f);
        }
        cmd.args([
            "-o",
            "StrictHostKeyChecking=yes",
            "-o",
            "BatchMode=yes",
            "-o",
            "ConnectTimeout=10",
        ]);
        cmd.args([
            "-o",
            "ServerAliveInterval=5",
            "-o",
            "ServerAliveCountMax=3",
            "-o",
            "LogLevel=ERROR",
        ]);
        cmd.arg("-o")
            .arg(format!("ControlPath={}", self.control_path.display()));
        if let Some(k) = &self.known_hosts {
            cmd.arg("-o")
                .arg(format!("UserKnownHostsFile={}", k.display()));
        }
        if let Some(i) = &self.identity_file {
            cmd.arg("-i").arg(i).args(["-o", "IdentitiesOnly=yes"]);
        }
        if let Some(p) = self.port {
            cmd.arg("-p").arg(p.to_string());
        }
        if let Some(u) = &self.user {
            cmd.arg("-l").arg(u);
        }
        cmd
    }

    fn classify(&self, stderr: &str) -> HostError {
        let detail = stderr
            .trim()
            .lines()
            .last()
            .unwrap_or("ssh failed")
            .to_string();
        if stderr.contains("Host key verification failed")
            || stderr.contains("REMOTE HOST IDENTIFICATION HAS CHANGED")
            || stderr.contains("No ED25519 host key is known")
            || stderr.contains("host key is known")
        {
            HostError::HostKey {
                host: self.name.clone(),
                detail,
            }
        } else {
            HostError::Connect {
                host: self.name.clone(),
                detail,
            }
        }
    }

    /// Make sure a master connection is up (reusing one left by an earlier run).
    fn connect(&self) -> Result<(), HostError> {
        let res = self.master.get_or_init(|| {
            let check = self
                .ssh()
                .args(["-O", "check"])
                .arg(&self.destination)
                .output();
            if check.is_ok_and(|o| o.status.success()) {
                return Ok(());
            }
            // -f backgrounds after authentication; its stderr goes to a file so that the
            // background master does not hold our pipe open.
            let log = match tempfile::NamedTempFile::new() {
                Ok(f) => f,
                Err(e) => return Err(format!("temp file: {e}")),
            };
            let stderr = match log.reopen() {
                Ok(f) => f,
                Err(e) => return Err(format!("temp file: {e}")),
            };
            let status = self
                .ssh()
                .args([
                    "-o",
                    "ControlMaster=yes",
                    "-o",
                    "ControlPersist=120",
                    "-f",
                    "-N",
                ])
                .arg(&self.destination)
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::from(stderr))
                .status();
            let text = std::fs::read_to_string(log.path()).unwrap_or_default();
            match status {
                Ok(s) if s.success() => Ok(()),
                Ok(_) => Err(text),
                Err(e) => Err(format!("cannot run ssh: {e}")),
            }
        });
        res.clone().map_err(|stderr| self.classify(&stderr))
    }
}

impl Host for SshHost {
    fn name(&self) -> &str {
        &self.name
    }
    fn address(&self) -> &str {
        &self.destination
    }
    fn root(&self) -> &str {
        &self.root
    }
    fn run(&self, ops: &[Op]) -> Result<ExecOutput, HostError> {
        let _span = tracing::debug_span!("host", host = %self.name, target = "ssh").entered();
        let started = std::time::Instant::now();
        let out = self.exec(&ops::script(ops), ops::stdin_source(ops));
        trace_run(ops, &out.as_ref(), started);
        out
    }
}

impl SshHost {
    /// Run `script` with `sh` in the host's directory (created if missing), optionally feeding a
    /// local file on stdin, over the shared connection: through this process's [`Session`] with
    /// the host, or (to feed a file) as a command of its own.
    fn exec(&self, script: &str, stdin: Option<&Path>) -> Result<ExecOutput, HostError> {
        if stdin.is_none() {
            return self.exec_in_session(&with_root(&self.root, script));
        }
        self.connect()?;
        let remote = format!("sh -c {}", shquote(&with_root(&self.root, script)));
        let out = self
            .ssh()
            .args(["-o", "ControlMaster=no", "-T"])
            .arg(&self.destination)
            .arg("--")
            .arg(remote)
            .stdin(stdin_of(&self.name, stdin)?)
            .output()
            .map_err(|source| HostError::Spawn {
                host: self.name.clone(),
                program: "ssh".into(),
                source,
            })?;
        let out = output_of(out);
        if out.status == 255 {
            return Err(self.classify(&out.stderr));
        }
        Ok(out)
    }
}

impl SshHost {
    /// The remote command of a session: the login shell replaces itself with `sh`, which reads
    /// the scripts from stdin.
    const SESSION_COMMAND: &'static str = "exec sh";

    /// A new session with the host: on the master connection an earlier run left (ControlPersist)
    /// through its control socket, without an ssh process ([`ssh_mux`](super::ssh_mux)); when
    /// there is none (or it does not answer), through one `ssh` that joins the master or becomes
    /// it (the master detaches into the background with its stdio on /dev/null, so it holds none
    /// of our pipes). No `ssh -O check` first: on a loaded machine that second process per host
    /// was most of a rollback's time.
    fn open_session(&self) -> Result<Session, HostError> {
        match Session::over_master(&self.control_path, Self::SESSION_COMMAND) {
            Ok(session) => {
                tracing::debug!(host = %self.name, via = "control socket", "session opened");
                return Ok(session);
            }
            Err(e) => {
                tracing::debug!(host = %self.name, error = %e, "no master connection to join: starting ssh");
            }
        }
        let mut cmd = self.ssh();
        cmd.args(["-o", "ControlMaster=auto", "-o", "ControlPersist=120", "-T"])
            .arg(&self.destination)
            .arg("--")
            .arg(Self::SESSION_COMMAND);
        let session = Session::start(cmd).map_err(|source| HostError::Spawn {
            host: self.name.clone(),
            program: "ssh".into(),
            source,
        })?;
        tracing::debug!(host = %self.name, via = "ssh", "session opened");
        Ok(session)
    }
}

impl SshHost {
    fn exec_in_session(&self, script: &str) -> Result<ExecOutput, HostError> {
        let mut guard = self.session.lock().unwrap_or_else(|e| e.into_inner());
        if guard.is_none() {
            *guard = Some(self.open_session()?);
        }
        let session = guard.as_mut().expect("just started");
        match session.run(script) {
            Ok(out) => Ok(out),
            Err(stderr) => {
                // The connection or the remote shell is gone: the next script starts a new one.
                *guard = None;
                Err(self.classify(if stderr.trim().is_empty() {
                    "the ssh session ended unexpectedly"
                } else {
                    &stderr
                }))
            }
        }
    }
}

/// One `sh` on a host that runs many scripts in turn, fed through the stdin of one ssh command:
/// a script costs a write and a read instead of an ssh process and a remote login each. Each
/// script runs in a subshell with stdin from /dev/null (so nothing it runs can read the stream
/// of scripts), then the shell prints an end marker with the exit code on stdout and on stderr;
/// the marker carries a random nonce, so no output can fake it.
struct Session {
    carrier: Carrier,
    stdin: Box<dyn Write + Send>,
    stdout: mpsc::Receiver<Vec<u8>>,
    stderr: mpsc::Receiver<Vec<u8>>,
    nonce: String,
    count: u64,
}

/// What carries a session's streams to the host.
enum Carrier {
    /// An `ssh` process (or, in tests, any command reading scripts on stdin).
    Process(Child),
    /// A session on a master connection, opened through its control socket (held open for as
    /// long as the session lives: closing it ends the session).
    Master {
        _control: super::ssh_mux::MuxSession,
    },
}

impl Session {
    /// Start `cmd` (which runs `sh` reading its stdin) with piped streams.
    fn start(mut cmd: Command) -> std::io::Result<Session> {
        let mut child = cmd
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()?;
        let stdout = child.stdout.take().expect("piped");
        let stderr = child.stderr.take().expect("piped");
        let stdin = child.stdin.take().expect("piped");
        Ok(Session::new(
            Carrier::Process(child),
            Box::new(stdin),
            Box::new(stdout),
            Box::new(stderr),
        ))
    }

    /// Open a session running `command` on the master at `control_path`, its streams on pipes
    /// whose other ends the master holds.
    fn over_master(control_path: &Path, command: &str) -> std::io::Result<Session> {
        let (in_r, in_w) = super::ssh_mux::pipe()?;
        let (out_r, out_w) = super::ssh_mux::pipe()?;
        let (err_r, err_w) = super::ssh_mux::pipe()?;
        let mux = super::ssh_mux::open_session(
            control_path,
            command,
            [in_r.into(), out_w.into(), err_w.into()],
            std::time::Duration::from_secs(10),
        )?;
        Ok(Session::new(
            Carrier::Master { _control: mux },
            Box::new(in_w),
            Box::new(out_r),
            Box::new(err_r),
        ))
    }

    fn new(
        carrier: Carrier,
        stdin: Box<dyn Write + Send>,
        stdout: Box<dyn std::io::Read + Send>,
        stderr: Box<dyn std::io::Read + Send>,
    ) -> Session {
        let lines = |stream: Box<dyn std::io::Read + Send>| {
            let (tx, rx) = mpsc::channel();
            std::thread::spawn(move || {
                let mut reader = BufReader::new(stream);
                loop {
                    let mut line = Vec::new();
                    match reader.read_until(b'\n', &mut line) {
                        Ok(0) | Err(_) => break,
                        Ok(_) => {
                            if tx.send(line).is_err() {
                                break;
                            }
                        }
                    }
                }
            });
            rx
        };
        let stdout = lines(stdout);
        let stderr = lines(stderr);
        let mut nonce = [0u8; 12];
        rand_core::RngCore::fill_bytes(&mut rand_core::OsRng, &mut nonce);
        Session {
            carrier,
            stdin,
            stdout,
            stderr,
            nonce: crate::fsutil::hex(&nonce),
            count: 0,
        }
    }

    /// Run one script; `Err` (with what the shell printed on stderr) when the session broke.
    fn run(&mut self, script: &str) -> Result<ExecOutput, String> {
        self.count += 1;
        let marker = format!("@@tug-end-{}-{}", self.nonce, self.count);
        let framed = format!(
            "( {script}\n) </dev/null\nprintf '\\n{marker} %d\\n' $?\nprintf '\\n{marker}\\n' >&2\n"
        );
        let written = self
            .stdin
            .write_all(framed.as_bytes())
            .and_then(|_| self.stdin.flush());
        let (stdout, status) = collect(&self.stdout, &marker);
        let (stderr, _) = collect(&self.stderr, &marker);
        match (written, status) {
            (Ok(()), Some(status)) => Ok(ExecOutput {
                status,
                stdout,
                stderr,
            }),
            _ => Err(stderr),
        }
    }
}

/// Read lines until the end marker; the text before it (without the newline that precedes the
/// marker) and the exit code after it (`None` if the stream ended first).
fn collect(lines: &mpsc::Receiver<Vec<u8>>, marker: &str) -> (String, Option<i32>) {
    let mut text = Vec::new();
    while let Ok(line) = lines.recv() {
        if let Some(rest) = line.strip_prefix(marker.as_bytes()) {
            if text.last() == Some(&b'\n') {
                text.pop();
            }
            let code = String::from_utf8_lossy(rest).trim().parse().unwrap_or(0);
            return (String::from_utf8_lossy(&text).into_owned(), Some(code));
        }
        text.extend_from_slice(&line);
    }
    (String::from_utf8_lossy(&text).into_owned(), None)
}

impl Drop for Session {
    fn drop(&mut self) {
        // A session on a master ends when its control socket closes (the field's own drop).
        if let Carrier::Process(child) = &mut self.carrier {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_socket_path_and_its_temporary_name_fit_in_a_unix_socket_address() {
        let long = Path::new("/work/a-long-checkout/of-the-project/target/tmp/tug-it-XXXXXX/t");
        for temp in [Path::new("/tmp"), long, &long.join("x".repeat(60))] {
            let p = control_path(&control_dir_under(temp), &[Some("h".into()), None]);
            assert!(p.as_os_str().len() + 17 <= 107, "{}", p.display());
            assert!(
                p.starts_with(temp) || p.starts_with("/tmp"),
                "{}",
                p.display()
            );
        }
        assert!(control_dir_under(long).starts_with(long));
        // Each connection setting makes another socket.
        let dir = Path::new("/tmp");
        let a = control_path(dir, &[Some("h".into()), Some("22".into())]);
        let b = control_path(dir, &[Some("h".into()), Some("2222".into())]);
        let c = control_path(dir, &[Some("h".into()), None, Some("22".into())]);
        assert!(a != b && a != c && b != c);
    }

    #[test]
    fn a_session_runs_scripts_in_turn_with_their_own_output_and_status() {
        let mut s = Session::start(Command::new("sh")).unwrap();
        let out = s.run("printf 'no newline'; echo oops >&2; exit 3").unwrap();
        assert_eq!(
            (out.status, out.stdout.as_str(), out.stderr.as_str()),
            (3, "no newline", "oops\n")
        );
        let out = s.run("echo two; cat; echo \"@@tug-end-x-2 0\"").unwrap();
        assert_eq!(out.status, 0);
        assert_eq!(
            out.stdout, "two\n@@tug-end-x-2 0\n",
            "stdin is empty, markers are not fakeable"
        );
        let out = s.run("cd /; pwd; false").unwrap();
        assert_eq!((out.status, out.stdout.as_str()), (1, "/\n"));
        let out = s.run("pwd").unwrap();
        assert_ne!(out.stdout, "/\n", "a script's cd stays in its subshell");
        // A shell that goes away breaks the session.
        let err = s.run("kill -9 $$").unwrap_err();
        assert!(err.is_empty(), "{err}");
    }

    #[test]
    fn quoting_survives_the_shell() {
        for s in [
            "plain",
            "with space",
            "it's",
            "$(rm -rf /)",
            "a\"b`c`\\",
            "",
        ] {
            let out = Command::new("sh")
                .arg("-c")
                .arg(format!("printf %s {}", shquote(s)))
                .output()
                .unwrap();
            assert_eq!(String::from_utf8(out.stdout).unwrap(), s);
        }
    }
}
