//! The demo service for deploy tests, and signed releases of it.
//!
//! A tiny stdlib Go HTTP service (`/`, `/healthz`, `/metrics` with a `version` label on a request
//! counter by status code and a latency histogram); failure rate, extra latency and health are
//! set at build time with `-ldflags -X`, like examples/demo-service.
// TODO(merge): build examples/demo-service instead of this copy once it lands.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Mutex, OnceLock};

use super::{go, gocache, ok};

const SOURCE: &str = r##"package main

import (
	"flag"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"sync"
	"time"
)

var (
	version   = "dev"
	failRate  = "0"
	latencyMs = "0"
	healthy   = "true"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "listen address")
	flag.Parse()
	rate, _ := strconv.ParseFloat(failRate, 64)
	lat, _ := strconv.Atoi(latencyMs)
	var mu sync.Mutex
	var total, failed int
	counts := map[int]int{}
	buckets := []float64{0.05, 0.1, 0.25, 0.5, 1, 2.5}
	bucketCounts := make([]int, len(buckets))
	var sum float64
	http.HandleFunc("/healthz", func(w http.ResponseWriter, r *http.Request) {
		if healthy != "true" {
			w.WriteHeader(500)
			fmt.Fprintln(w, "unhealthy")
			return
		}
		fmt.Fprintln(w, "ok")
	})
	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		time.Sleep(time.Duration(lat) * time.Millisecond)
		mu.Lock()
		total++
		code := 200
		if float64(failed+1) <= rate*float64(total) {
			failed++
			code = 500
		}
		counts[code]++
		d := time.Since(start).Seconds()
		sum += d
		for i, b := range buckets {
			if d <= b {
				bucketCounts[i]++
			}
		}
		mu.Unlock()
		w.WriteHeader(code)
		fmt.Fprintf(w, "version %s\n", version)
	})
	http.HandleFunc("/metrics", func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		fmt.Fprintln(w, "# TYPE demo_requests_total counter")
		codes := []int{}
		for c := range counts {
			codes = append(codes, c)
		}
		sort.Ints(codes)
		for _, c := range codes {
			fmt.Fprintf(w, "demo_requests_total{version=%q,code=\"%d\"} %d\n", version, c, counts[c])
		}
		fmt.Fprintln(w, "# TYPE demo_request_duration_seconds histogram")
		for i, b := range buckets {
			fmt.Fprintf(w, "demo_request_duration_seconds_bucket{version=%q,le=\"%g\"} %d\n", version, b, bucketCounts[i])
		}
		fmt.Fprintf(w, "demo_request_duration_seconds_bucket{version=%q,le=\"+Inf\"} %d\n", version, total)
		fmt.Fprintf(w, "demo_request_duration_seconds_sum{version=%q} %g\n", version, sum)
		fmt.Fprintf(w, "demo_request_duration_seconds_count{version=%q} %d\n", version, total)
	})
	if err := http.ListenAndServe(*addr, nil); err != nil {
		panic(err)
	}
}
"##;

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
            ok(Command::new("openssl")
                .args([
                    "ecparam",
                    "-name",
                    "prime256v1",
                    "-genkey",
                    "-noout",
                    "-out",
                ])
                .arg(&key));
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

/// A signed dist/ for `v` (built once per test binary): `demo`, `demo.sig`, manifest.json.
pub fn release(v: Variant) -> PathBuf {
    static LOCK: Mutex<()> = Mutex::new(());
    let _guard = LOCK.lock().unwrap_or_else(|e| e.into_inner());
    let name = format!(
        "{}-f{}-l{}-h{}",
        v.version, v.fail_rate, v.latency_ms, v.healthy
    );
    let dist = work_dir().join("dists").join(&name);
    if dist.join("manifest.json").exists() {
        return dist;
    }
    let src = work_dir().join("src");
    std::fs::create_dir_all(&src).unwrap();
    std::fs::write(src.join("main.go"), SOURCE).unwrap();
    std::fs::write(src.join("go.mod"), "module demo\n\ngo 1.21\n").unwrap();
    let tmp = work_dir().join("dists").join(format!(".{name}"));
    let _ = std::fs::remove_dir_all(&tmp);
    std::fs::create_dir_all(&tmp).unwrap();
    let ldflags = format!(
        "-s -w -X main.version={} -X main.failRate={} -X main.latencyMs={} -X main.healthy={}",
        v.version, v.fail_rate, v.latency_ms, v.healthy
    );
    ok(Command::new(go())
        .current_dir(&src)
        .env("GOCACHE", gocache())
        .env("CGO_ENABLED", "0")
        .env("GOFLAGS", "-modcacherw")
        .args(["build", "-trimpath", "-ldflags", &ldflags, "-o"])
        .arg(tmp.join("demo"))
        .arg("."));
    let bin = tmp.join("demo");
    let (sha, size) = tug::fsutil::sha256_file(&bin).unwrap();
    sign(&bin);
    let mut manifest = tug::manifest::Manifest {
        schema_version: tug::manifest::SCHEMA_VERSION,
        project: "demo".into(),
        version: v.version.into(),
        tag: Some(format!("v{}", v.version)),
        previous_tag: None,
        commit: "0".repeat(40),
        commit_time: "2026-01-02T03:04:05Z".into(),
        snapshot: false,
        targets: vec![format!("linux/{}", tug::deploy::verify::go_arch())],
        shard: None,
        artifacts: vec![tug::manifest::Artifact {
            name: "demo".into(),
            path: "demo".into(),
            kind: tug::manifest::ArtifactKind::Binary,
            os: Some("linux".into()),
            arch: Some(tug::deploy::verify::go_arch().into()),
            variant: None,
            target: None,
            sha256: sha,
            size,
            signs: None,
            build: None,
            extra: Default::default(),
        }],
    };
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
    write!(s, "GET {path} HTTP/1.0\r\nHost: x\r\n\r\n").map_err(|e| e.to_string())?;
    let mut buf = String::new();
    s.read_to_string(&mut buf).map_err(|e| e.to_string())?;
    let code = buf.get(9..12).and_then(|c| c.parse().ok()).unwrap_or(0);
    let body = buf
        .split_once("\r\n\r\n")
        .map(|x| x.1.to_string())
        .unwrap_or_default();
    Ok((code, body))
}
