//! The demo service for deploy tests, and signed releases of it.
//!
//! The real examples/demo-service (`/`, `/healthz`, `/metrics` with `http_requests_total` by code
//! and version and the `http_request_duration_seconds` histogram), copied to a work directory
//! and built with the real Go toolchain; failure rate, extra latency and an unhealthy `/healthz`
//! are set at build time with `-ldflags -X`, exactly as the example documents.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Mutex, OnceLock};

use sha2::Digest;

use super::{copy_tree, go, gocache, ok, repo_root};

/// How a build of the service behaves.
#[derive(Debug, Clone, Copy)]
pub struct Variant {
    pub version: &'static str,
    pub fail_rate: f64,
    pub latency_ms: u32,
    pub healthy: bool,
}

impl Variant {
    pub const fn good(version: &'static str) -> Variant {
        Variant {
            version,
            fail_rate: 0.0,
            latency_ms: 0,
            healthy: true,
        }
    }
}

fn work_dir() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("deploy-fixtures");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The test signing key pair (made by openssl, an independent implementation): (private, public).
pub fn signing_key() -> (PathBuf, PathBuf) {
    static KEY: OnceLock<(PathBuf, PathBuf)> = OnceLock::new();
    KEY.get_or_init(|| {
        let dir = work_dir();
        let key = dir.join("cosign.key.pem");
        let public = dir.join("cosign.pub");
        if !public.exists() {
            super::openssl_ec_key(&key);
            ok(Command::new("openssl")
                .args(["ec", "-pubout", "-in"])
                .arg(&key)
                .arg("-out")
                .arg(&public));
        }
        (key, public)
    })
    .clone()
}

/// A copy of examples/demo-service, named by the digest of its sources (so built releases are
/// reused across runs only while the example is unchanged).
fn source() -> PathBuf {
    static SOURCE: OnceLock<PathBuf> = OnceLock::new();
    SOURCE
        .get_or_init(|| {
            let example = repo_root().join("examples/demo-service");
            let mut hasher = sha2::Sha256::new();
            for file in ["go.mod", "main.go"] {
                hasher.update(std::fs::read(example.join(file)).unwrap());
            }
            let digest = tug::fsutil::hex(&hasher.finalize());
            let src = work_dir().join(format!("demo-service-{}", &digest[..12]));
            if !src.join("main.go").exists() {
                let tmp = work_dir().join(format!(".demo-service-{}", std::process::id()));
                let _ = std::fs::remove_dir_all(&tmp);
                copy_tree(&example, &tmp);
                if std::fs::rename(&tmp, &src).is_err() {
                    // Another test binary copied it first.
                    let _ = std::fs::remove_dir_all(&tmp);
                }
            }
            src
        })
        .clone()
}

/// A signed dist/ for `v` (built once per test binary): `demo`, `demo.sig`, manifest.json.
pub fn release(v: Variant) -> PathBuf {
    static LOCK: Mutex<()> = Mutex::new(());
    let _guard = LOCK.lock().unwrap_or_else(|e| e.into_inner());
    let src = source();
    let name = format!(
        "{}-f{}-l{}-h{}-{}",
        v.version,
        v.fail_rate,
        v.latency_ms,
        v.healthy,
        src.file_name().unwrap().to_string_lossy()
    );
    let dist = work_dir().join("dists").join(&name);
    if dist.join("manifest.json").exists() {
        return dist;
    }
    let tmp = work_dir().join("dists").join(format!(".{name}"));
    let _ = std::fs::remove_dir_all(&tmp);
    std::fs::create_dir_all(&tmp).unwrap();
    let ldflags = format!(
        "-s -w -X main.version={} -X main.failureRate={} -X main.extraLatency={}ms -X main.unhealthy={}",
        v.version, v.fail_rate, v.latency_ms, !v.healthy
    );
    ok(Command::new(go())
        .current_dir(src)
        .env("GOCACHE", gocache())
        .env("CGO_ENABLED", "0")
        .env("GOFLAGS", "-modcacherw")
        .args(["build", "-trimpath", "-ldflags", &ldflags, "-o"])
        .arg(tmp.join("demo"))
        .arg("."));
    sign(&tmp.join("demo"));
    let arch = tug::deploy::verify::go_arch();
    let mut artifact =
        super::artifact_for(&tmp, "demo", "demo", tug::manifest::ArtifactKind::Binary);
    artifact.os = Some("linux".into());
    artifact.arch = Some(arch.into());
    let mut manifest = super::manifest(
        "demo",
        v.version,
        &[&format!("linux/{arch}")],
        vec![artifact],
    );
    manifest.write(&tmp).unwrap();
    std::fs::rename(&tmp, &dist).unwrap();
    dist
}

/// Write `<file>.sig` the way cosign does (base64 DER ECDSA over SHA-256), with openssl.
pub fn sign(file: &Path) {
    let (key, _) = signing_key();
    let der = file.with_extension("der-sig");
    ok(Command::new("openssl")
        .args(["dgst", "-sha256", "-sign"])
        .arg(&key)
        .arg("-out")
        .arg(&der)
        .arg(file));
    let b64 = ok(Command::new("base64").args(["-w0"]).arg(&der));
    std::fs::write(format!("{}.sig", file.display()), b64).unwrap();
    std::fs::remove_file(der).unwrap();
}

/// A free TCP port on `ip`.
pub fn free_port(ip: &str) -> u16 {
    std::net::TcpListener::bind((ip, 0))
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Start `cmd` under a watchdog that kills it when this test binary exits.
// The watchdog outlives every test on purpose; the test binary never waits for it.
#[allow(clippy::zombie_processes)]
pub fn spawn_daemon(program: &Path, args: &[String], log: &Path) {
    let script = r#"pid=$1; shift; log=$1; shift; "$@" >"$log" 2>&1 & c=$!
while kill -0 "$pid" 2>/dev/null && kill -0 "$c" 2>/dev/null; do sleep 0.3; done
kill "$c" 2>/dev/null"#;
    Command::new("bash")
        .arg("-c")
        .arg(script)
        .arg("watchdog")
        .arg(std::process::id().to_string())
        .arg(log)
        .arg(program)
        .args(args)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("spawn daemon");
}

/// Wait until `addr` accepts TCP connections.
pub fn wait_port(addr: &str, what: &str, log: &Path) {
    for _ in 0..200 {
        if std::net::TcpStream::connect(addr).is_ok() {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    panic!(
        "{what} did not start on {addr}: {}",
        std::fs::read_to_string(log).unwrap_or_default()
    );
}

/// The shell command that (re)starts the service on a host (used as `restart:` in tug.yaml).
pub const RESTART: &str = r#"if [ -f service.pid ]; then p=$(cat service.pid); kill $p 2>/dev/null; i=0; while kill -0 $p 2>/dev/null && [ $i -lt 100 ]; do sleep 0.05; i=$((i+1)); done; fi
setsid ./current/demo -addr {{ address }}:{{ vars.port }} </dev/null >service.log 2>&1 &
echo $! > service.pid"#;

/// Kill the services started in these host directories (end of a test).
pub fn stop_services(host_dirs: &[PathBuf]) {
    for d in host_dirs {
        if let Ok(pid) = std::fs::read_to_string(d.join("service.pid")) {
            let _ = Command::new("kill").arg(pid.trim()).status();
        }
    }
}

/// GET a URL on the loopback, returning the body (or the error).
pub fn get(addr: &str, path: &str) -> Result<(u16, String), String> {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(addr).map_err(|e| e.to_string())?;
    s.set_read_timeout(Some(std::time::Duration::from_secs(5)))
        .unwrap();
    // One write with Nagle off: `write!` sends the pieces of its format string one by one, and
    // the last piece would wait for the server's delayed acknowledgement (about 40 ms).
    s.set_nodelay(true).map_err(|e| e.to_string())?;
    s.write_all(format!("GET {path} HTTP/1.0\r\nHost: x\r\n\r\n").as_bytes())
        .map_err(|e| e.to_string())?;
    let mut buf = String::new();
    s.read_to_string(&mut buf).map_err(|e| e.to_string())?;
    let code = buf.get(9..12).and_then(|c| c.parse().ok()).unwrap_or(0);
    let body = buf
        .split_once("\r\n\r\n")
        .map(|x| x.1.to_string())
        .unwrap_or_default();
    Ok((code, body))
}
