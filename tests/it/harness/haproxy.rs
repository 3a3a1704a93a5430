//! A real HAProxy (Debian's package) for the traffic-router tests: one per test, on 127.0.0.1
//! with a free frontend port, its runtime API on a unix socket in a temp directory, in front of
//! the demo-service hosts of a test's fleet. The haproxy.cfg is docs/traffic.md's, with the
//! servers filled in (the header route's `use_backend ... map(...)` rule included). It starts in
//! milliseconds, runs in the foreground as the test user, and is killed with the test
//! (PR_SET_PDEATHSIG through `spawn_owned`, and on drop).

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::{Child, Command};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::registry::{free_port, spawn_owned};
use super::require_program;

/// The backend whose servers are the hosts, and the one the header route leads to.
pub const BACKEND: &str = "app";
pub const CANARY_BACKEND: &str = "app_canary";

pub struct Haproxy {
    /// The frontend, `127.0.0.1:PORT`.
    pub addr: String,
    /// The runtime API's unix socket.
    pub socket: PathBuf,
    /// The header route's map file (as haproxy.cfg names it).
    pub map: PathBuf,
    child: Mutex<Option<Child>>,
    dir: tempfile::TempDir,
}

impl Drop for Haproxy {
    fn drop(&mut self) {
        self.stop();
    }
}

impl Haproxy {
    /// Start HAProxy with `servers` (name, `ip:port`, weight) in both backends (the header
    /// backend's weights start at 0).
    pub fn start(servers: &[(String, String, u16)]) -> Haproxy {
        let haproxy = require_program("haproxy");
        let dir = tempfile::Builder::new()
            .prefix("tug-haproxy-")
            .tempdir()
            .unwrap();
        let socket = dir.path().join("admin.sock");
        let map = dir.path().join("release-stage.map");
        std::fs::write(&map, "").unwrap();
        let port = free_port();
        let lines = |weight: &dyn Fn(u16) -> u16| {
            servers
                .iter()
                .map(|(n, a, w)| format!("    server {n} {a} weight {}\n", weight(*w)))
                .collect::<String>()
        };
        let cfg = format!(
            "global\n    stats socket {sock} level admin\n    log stderr format raw local0 err\n\
defaults\n    mode http\n    timeout connect 2s\n    timeout client 10s\n    timeout server 10s\n    retries 0\n\
frontend web\n    bind 127.0.0.1:{port}\n    # The header route: tug adds `canary {canary}` to this map during a rollout.\n    use_backend %[req.hdr(X-Release-Stage),map({map},{backend})]\n    default_backend {backend}\n\
backend {backend}\n    balance roundrobin\n{main}\
backend {canary}\n    balance roundrobin\n{header}",
            sock = socket.display(),
            map = map.display(),
            backend = BACKEND,
            canary = CANARY_BACKEND,
            main = lines(&|w| w),
            header = lines(&|_| 0),
        );
        let cfg_path = dir.path().join("haproxy.cfg");
        std::fs::write(&cfg_path, &cfg).unwrap();
        let check = Command::new(&haproxy)
            .arg("-c")
            .arg("-f")
            .arg(&cfg_path)
            .output()
            .unwrap();
        assert!(
            check.status.success(),
            "haproxy -c: {}\n{cfg}",
            String::from_utf8_lossy(&check.stderr)
        );
        let mut cmd = Command::new(&haproxy);
        cmd.arg("-db").arg("-f").arg(&cfg_path);
        cmd.stdout(std::process::Stdio::null());
        cmd.stderr(std::fs::File::create(dir.path().join("haproxy.log")).unwrap());
        let mut child = spawn_owned(cmd);
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::os::unix::net::UnixStream::connect(&socket).is_err()
            || std::net::TcpStream::connect(("127.0.0.1", port)).is_err()
        {
            if let Ok(Some(status)) = child.try_wait() {
                panic!(
                    "haproxy exited with {status}: {}",
                    std::fs::read_to_string(dir.path().join("haproxy.log")).unwrap_or_default()
                );
            }
            assert!(Instant::now() < deadline, "haproxy did not start");
            std::thread::sleep(Duration::from_millis(10));
        }
        Haproxy {
            addr: format!("127.0.0.1:{port}"),
            socket,
            map,
            child: Mutex::new(Some(child)),
            dir,
        }
    }

    /// Kill it (the router is gone: its socket stays behind, refusing connections).
    pub fn stop(&self) {
        if let Some(mut c) = self.child.lock().unwrap().take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// The `traffic:` block of an environment using this HAProxy (keys at 4 spaces).
    pub fn yaml(&self, servers: &str) -> String {
        format!(
            "    traffic:\n      type: haproxy\n      socket: unix:{}\n      backend: {BACKEND}\n{servers}      header:\n        map: {}\n        backend: {CANARY_BACKEND}\n",
            self.socket.display(),
            self.map.display()
        )
    }

    /// One line of runtime API commands, answered.
    pub fn api(&self, line: &str) -> String {
        let mut s = std::os::unix::net::UnixStream::connect(&self.socket).unwrap();
        s.write_all(format!("{line}\n").as_bytes()).unwrap();
        let mut out = String::new();
        s.read_to_string(&mut out).unwrap();
        out
    }

    /// Each server's current weight in `backend`.
    pub fn weights(&self, backend: &str) -> BTreeMap<String, u16> {
        let out = self.api(&format!("show servers state {backend}"));
        out.lines()
            .skip(2)
            .filter_map(|l| {
                let f: Vec<&str> = l.split_whitespace().collect();
                Some((f.get(3)?.to_string(), f.get(7)?.parse().ok()?))
            })
            .collect()
    }

    /// The header map's entries.
    pub fn map_entries(&self) -> Vec<String> {
        self.api(&format!("show map {}", self.map.display()))
            .lines()
            .filter_map(|l| l.split_once(' ').map(|(_, kv)| kv.to_string()))
            .collect()
    }

    /// GET / through HAProxy (with the header route's header when `canary`).
    pub fn get(&self, canary: bool) -> Result<String, String> {
        get(&self.addr, canary)
    }

    /// `n` requests through HAProxy: how many each answer got (`down: ...` for failures).
    pub fn tally(&self, n: usize, canary: bool) -> BTreeMap<String, usize> {
        let mut out = BTreeMap::new();
        for _ in 0..n {
            let k = self.get(canary).unwrap_or_else(|e| format!("down: {e}"));
            *out.entry(k).or_insert(0) += 1;
        }
        out
    }

    /// Send requests without pause on a thread until the returned load is stopped.
    pub fn load(&self) -> Load {
        let stop = Arc::new(AtomicBool::new(false));
        let sent = Arc::new(AtomicUsize::new(0));
        let failures = Arc::new(Mutex::new(Vec::new()));
        let addr = self.addr.clone();
        let (s, n, f) = (stop.clone(), sent.clone(), failures.clone());
        let thread = std::thread::spawn(move || {
            while !s.load(Ordering::Relaxed) {
                match get(&addr, false) {
                    Ok(body) if body.starts_with("hello from demo-service") => {}
                    Ok(body) => f.lock().unwrap().push(body),
                    Err(e) => f.lock().unwrap().push(e),
                }
                n.fetch_add(1, Ordering::Relaxed);
            }
        });
        Load {
            stop,
            sent,
            failures,
            thread: Some(thread),
        }
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("haproxy.log")).unwrap_or_default()
    }
}

/// Requests sent on a thread (`Haproxy::load`).
pub struct Load {
    stop: Arc<AtomicBool>,
    sent: Arc<AtomicUsize>,
    failures: Arc<Mutex<Vec<String>>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Load {
    /// Stop sending: (requests sent, the failed ones' answers).
    pub fn finish(mut self) -> (usize, Vec<String>) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            t.join().unwrap();
        }
        let failures = std::mem::take(&mut *self.failures.lock().unwrap());
        (self.sent.load(Ordering::Relaxed), failures)
    }
}

impl Drop for Load {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

/// GET / on `addr`: the body of a 200 answer, else the status line or the error.
fn get(addr: &str, canary: bool) -> Result<String, String> {
    let mut s = std::net::TcpStream::connect(addr).map_err(|e| e.to_string())?;
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let header = if canary {
        "X-Release-Stage: canary\r\n"
    } else {
        ""
    };
    // One write: `write!` would send the pieces apart, and Nagle's algorithm would hold the last
    // ones for the server's delayed ACK (40 ms a request).
    s.set_nodelay(true).map_err(|e| e.to_string())?;
    s.write_all(format!("GET / HTTP/1.0\r\nHost: x\r\n{header}\r\n").as_bytes())
        .map_err(|e| e.to_string())?;
    let mut buf = String::new();
    s.read_to_string(&mut buf).map_err(|e| e.to_string())?;
    let status = buf.lines().next().unwrap_or_default().to_string();
    if !status.contains(" 200 ") {
        return Err(status);
    }
    Ok(buf
        .split_once("\r\n\r\n")
        .map(|x| x.1.trim().to_string())
        .unwrap_or_default())
}
