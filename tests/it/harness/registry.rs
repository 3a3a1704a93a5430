//! A real OCI registry for tests: Debian's `docker-registry` (distribution 2.8) on 127.0.0.1 with
//! a free port and a temp storage directory. One shared instance per test binary
//! ([`Registry::shared`]); tests that kill it start their own ([`Registry::start`]), which can be
//! killed and restarted on the same port and storage. Children get PR_SET_PDEATHSIG from a
//! long-lived spawner thread, so none outlive the test binary.
//!
//! [`FlakyProxy`] is a tiny HTTP/1.1 proxy on loopback in front of the real registry that can
//! answer 500 to blob-upload PUTs (N times or forever) and run a hook after N successful blob
//! uploads (used to kill the registry halfway through a publish) or after N chunks (PATCHes)
//! of blob uploads, before the last one's answer reaches the client (so the client saw every
//! chunk the registry confirmed, and no chunk was cut). It logs every request, and the body
//! size of every request it forwarded.
//!
//! The registry's `http.secret` is fixed, as for any registry that restarts or runs behind a load
//! balancer: distribution signs its upload URLs' `_state` with it, so without it an upload
//! session does not survive a restart.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

type SpawnRequest = (Command, mpsc::Sender<Child>);

/// Spawn from one thread that lives as long as the process (PDEATHSIG fires when the spawning
/// *thread* exits, and test threads exit after each test).
pub fn spawn_owned(mut cmd: Command) -> Child {
    static SPAWNER: OnceLock<Mutex<mpsc::Sender<SpawnRequest>>> = OnceLock::new();
    let tx = SPAWNER.get_or_init(|| {
        let (tx, rx) = mpsc::channel::<SpawnRequest>();
        std::thread::spawn(move || {
            for (mut cmd, reply) in rx {
                unsafe {
                    cmd.pre_exec(|| {
                        libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
                        Ok(())
                    });
                }
                let child = cmd.spawn().expect("spawn server");
                let _ = reply.send(child);
            }
        });
        Mutex::new(tx)
    });
    let (reply, rx) = mpsc::channel();
    cmd.stdin(Stdio::null());
    tx.lock().unwrap().send((cmd, reply)).unwrap();
    rx.recv().unwrap()
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

pub struct Registry {
    /// `127.0.0.1:PORT`
    pub addr: String,
    pub storage: PathBuf,
    config: PathBuf,
    child: Mutex<Option<Child>>,
    _dir: tempfile::TempDir,
}

impl Registry {
    /// The registry shared by every test of this binary.
    pub fn shared() -> &'static Registry {
        static SHARED: OnceLock<Registry> = OnceLock::new();
        SHARED.get_or_init(Registry::start)
    }

    /// A registry of one's own (killed on drop).
    pub fn start() -> Registry {
        Registry::start_with(None)
    }

    /// A registry of one's own that requires HTTP Basic authentication as `user`/`password`
    /// (distribution's htpasswd backend; the bcrypt hash comes from libxcrypt through Python's
    /// `crypt` module, an independent implementation).
    pub fn start_with_auth(user: &str, password: &str) -> Registry {
        Registry::start_with(Some((user, password)))
    }

    /// A registry of one's own with `extra` appended to its configuration (e.g. an `auth: token:`
    /// section, see `token_server.rs`).
    pub fn start_with_config(extra: &str) -> Registry {
        Registry::start_configured(None, extra)
    }

    fn start_with(auth: Option<(&str, &str)>) -> Registry {
        Registry::start_configured(auth, "")
    }

    fn start_configured(auth: Option<(&str, &str)>, extra: &str) -> Registry {
        let dir = super::tempdir();
        let storage = dir.path().join("storage");
        std::fs::create_dir_all(&storage).unwrap();
        let addr = format!("127.0.0.1:{}", free_port());
        let config = dir.path().join("config.yml");
        let mut yaml = format!(
            "version: 0.1\nlog:\n  level: error\n  accesslog:\n    disabled: true\nstorage:\n  filesystem:\n    rootdirectory: {}\n  delete:\n    enabled: true\nhttp:\n  addr: {addr}\n  secret: tug-test-upload-state-secret\n",
            storage.display()
        );
        if let Some((user, password)) = auth {
            let out = Command::new("python3")
                .args([
                    "-W",
                    "ignore",
                    "-c",
                    "import crypt, sys; print(crypt.crypt(sys.argv[1], crypt.mksalt(crypt.METHOD_BLOWFISH)))",
                    password,
                ])
                .output()
                .expect("python3");
            let hash = String::from_utf8(out.stdout).unwrap();
            assert!(
                out.status.success() && hash.starts_with("$2"),
                "bcrypt through python3's crypt module: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            let htpasswd = dir.path().join("htpasswd");
            std::fs::write(&htpasswd, format!("{user}:{}\n", hash.trim())).unwrap();
            yaml += &format!(
                "auth:\n  htpasswd:\n    realm: tug-test\n    path: {}\n",
                htpasswd.display()
            );
        }
        yaml += extra;
        std::fs::write(&config, yaml).unwrap();
        let reg = Registry {
            addr,
            storage,
            config,
            child: Mutex::new(None),
            _dir: dir,
        };
        reg.restart();
        reg
    }

    /// Start (again) on the same port and storage, and wait until `/v2/` answers.
    pub fn restart(&self) {
        let mut cmd = Command::new("docker-registry");
        cmd.arg("serve")
            .arg(&self.config)
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        *self.child.lock().unwrap() = Some(spawn_owned(cmd));
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if let Ok(mut s) = TcpStream::connect(&self.addr) {
                let _ = s.write_all(b"GET /v2/ HTTP/1.0\r\n\r\n");
                let mut buf = String::new();
                let _ = s.read_to_string(&mut buf);
                // 401: up, and asking for credentials (a registry with auth).
                if ["200", "401"].iter().any(|c| {
                    buf.starts_with(&format!("HTTP/1.0 {c}"))
                        || buf.starts_with(&format!("HTTP/1.1 {c}"))
                }) {
                    return;
                }
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("docker-registry did not start on {}", self.addr);
    }

    pub fn kill(&self) {
        if let Some(mut child) = self.child.lock().unwrap().take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for Registry {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Fault rules of a [`FlakyProxy`].
#[derive(Default)]
pub struct Faults {
    /// Answer 500 to this many blob-upload PUTs (`usize::MAX`: forever).
    pub fail_blob_puts: AtomicUsize,
    /// After this many successful (201) blob-upload PUTs, run `after_uploads` once.
    pub hook_after: AtomicUsize,
    pub after_uploads: Mutex<Option<Box<dyn FnOnce() + Send>>>,
    /// After this many successful (202) blob-upload PATCHes, run `after_patches` once, before
    /// relaying the last 202 to the client. The count restarts when the hook is armed again
    /// with [`Faults::arm_after_patches`].
    pub patch_hook_after: AtomicUsize,
    pub after_patches: Mutex<Option<Box<dyn FnOnce() + Send>>>,
    patches: AtomicUsize,
}

impl Faults {
    /// Run `hook` after the next `n` successful blob-upload PATCHes.
    pub fn arm_after_patches(&self, n: usize, hook: impl FnOnce() + Send + 'static) {
        self.patches.store(0, Ordering::SeqCst);
        self.patch_hook_after.store(n, Ordering::SeqCst);
        *self.after_patches.lock().unwrap() = Some(Box::new(hook));
    }
}

pub struct FlakyProxy {
    pub addr: String,
    pub faults: Arc<Faults>,
    pub log: Arc<Mutex<Vec<String>>>,
    /// `(METHOD path status, request body bytes)` of every request forwarded to the registry.
    pub forwarded: Arc<Mutex<Vec<(String, u64)>>>,
}

impl FlakyProxy {
    pub fn start(upstream: &str) -> FlakyProxy {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap().to_string();
        let faults = Arc::new(Faults::default());
        let log = Arc::new(Mutex::new(Vec::new()));
        let forwarded = Arc::new(Mutex::new(Vec::new()));
        let uploads = Arc::new(AtomicUsize::new(0));
        let (f, l, fw, up) = (
            faults.clone(),
            log.clone(),
            forwarded.clone(),
            upstream.to_string(),
        );
        std::thread::spawn(move || {
            for conn in listener.incoming().flatten() {
                let (f, l, fw, up, uploads) = (
                    f.clone(),
                    l.clone(),
                    fw.clone(),
                    up.clone(),
                    uploads.clone(),
                );
                std::thread::spawn(move || {
                    let _ = proxy_one(conn, &up, &f, &l, &fw, &uploads);
                });
            }
        });
        FlakyProxy {
            addr,
            faults,
            log,
            forwarded,
        }
    }

    /// Request body bytes the registry received in forwarded requests matching a predicate.
    pub fn bytes_forwarded(&self, pred: impl Fn(&str) -> bool) -> u64 {
        self.forwarded
            .lock()
            .unwrap()
            .iter()
            .filter(|(l, _)| pred(l))
            .map(|(_, n)| n)
            .sum()
    }

    /// Log lines (`METHOD path status`) matching a predicate.
    pub fn count(&self, pred: impl Fn(&str) -> bool) -> usize {
        self.log.lock().unwrap().iter().filter(|l| pred(l)).count()
    }

    pub fn clear_log(&self) {
        self.log.lock().unwrap().clear();
        self.forwarded.lock().unwrap().clear();
    }
}

fn proxy_one(
    conn: TcpStream,
    upstream: &str,
    faults: &Faults,
    log: &Mutex<Vec<String>>,
    forwarded: &Mutex<Vec<(String, u64)>>,
    uploads: &AtomicUsize,
) -> std::io::Result<()> {
    let mut reader = BufReader::new(conn.try_clone()?);
    let mut out = conn;
    let mut head = Vec::new();
    let mut content_length = 0usize;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 {
            return Ok(());
        }
        if line == "\r\n" {
            break;
        }
        let lower = line.to_ascii_lowercase();
        if let Some(v) = lower.strip_prefix("content-length:") {
            content_length = v.trim().parse().unwrap_or(0);
        }
        if lower.starts_with("connection:") {
            continue;
        }
        head.push(line);
    }
    let mut body = vec![0u8; content_length];
    reader.read_exact(&mut body)?;
    let request_line = head.first().cloned().unwrap_or_default();
    let mut parts = request_line.split_whitespace();
    let method = parts.next().unwrap_or("").to_string();
    let path = parts.next().unwrap_or("").to_string();
    let is_blob_put = method == "PUT" && path.contains("/blobs/uploads/");

    if is_blob_put {
        let left = faults.fail_blob_puts.load(Ordering::SeqCst);
        if left > 0 {
            if left != usize::MAX {
                faults.fail_blob_puts.store(left - 1, Ordering::SeqCst);
            }
            log.lock().unwrap().push(format!("{method} {path} 500"));
            out.write_all(b"HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")?;
            return Ok(());
        }
    }
    let mut up = match TcpStream::connect(upstream) {
        Ok(s) => s,
        Err(_) => {
            log.lock().unwrap().push(format!("{method} {path} 502"));
            out.write_all(
                b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
            )?;
            return Ok(());
        }
    };
    let mut request = head.concat().into_bytes();
    request.extend_from_slice(b"Connection: close\r\n\r\n");
    request.extend_from_slice(&body);
    up.write_all(&request)?;
    let mut response = Vec::new();
    up.read_to_end(&mut response)?;
    let status: String = String::from_utf8_lossy(&response)
        .split_whitespace()
        .nth(1)
        .unwrap_or("000")
        .to_string();
    let line = format!("{method} {path} {status}");
    log.lock().unwrap().push(line.clone());
    forwarded.lock().unwrap().push((line, body.len() as u64));
    if method == "PATCH" && path.contains("/blobs/uploads/") && status == "202" {
        let n = faults.patches.fetch_add(1, Ordering::SeqCst) + 1;
        if n == faults.patch_hook_after.load(Ordering::SeqCst) {
            if let Some(hook) = faults.after_patches.lock().unwrap().take() {
                hook();
            }
        }
    }
    out.write_all(&response)?;
    drop(out);
    if is_blob_put && status == "201" {
        let n = uploads.fetch_add(1, Ordering::SeqCst) + 1;
        if n == faults.hook_after.load(Ordering::SeqCst) {
            if let Some(hook) = faults.after_uploads.lock().unwrap().take() {
                hook();
            }
        }
    }
    Ok(())
}
