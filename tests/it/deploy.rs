//! Deploy scenarios end to end with real components: hosts as directories and as real sshd
//! servers, the demo service built by the real Go toolchain (good, failing and unhealthy builds),
//! releases signed by openssl, a real Prometheus scraping every host, a bounded load loop.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::harness::fleet::{all, rollout, serving, Fleet, ALL_AT_ONCE};
use crate::harness::prometheus::prometheus;
use crate::harness::service::{self, free_port, get, release, Variant};
use crate::harness::sshd;
use crate::harness::*;

/// An inline snapshot with rollout ids, times and the actor (user@machine) redacted.
macro_rules! assert_snapshot_redacted {
    ($value:expr, @$snapshot:literal) => {
        insta::with_settings!({ filters => vec![
            (r"\d{8}T\d{6}Z-\d+", "[ID]"),
            (r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z", "[TIME]"),
            (r"by [^\s;)@]+@[^\s;)]+", "by [ACTOR]"),
        ]}, {
            insta::assert_snapshot!($value, @$snapshot)
        })
    };
}

const V1: Variant = Variant::good("1.0.0");
const V2_BAD: Variant = Variant {
    version: "2.0.0",
    fail_rate: 0.5,
    latency_ms: 0,
    healthy: true,
};
const V21: Variant = Variant::good("2.1.0");
const V3_UNHEALTHY: Variant = Variant {
    version: "3.0.0",
    fail_rate: 0.0,
    latency_ms: 0,
    healthy: false,
};

#[test]
fn refuses_unsigned_and_tampered_releases() {
    let fleet = Fleet::local(2);
    let cwd = fleet.root().join("work");
    fleet.write_config(&cwd, &[fleet.env("prod", ALL_AT_ONCE, "")]);
    let good = release(V1);

    let unsigned = fleet.root().join("unsigned");
    copy_tree(&good, &unsigned);
    std::fs::remove_file(unsigned.join("demo.sig")).unwrap();
    let out = rollout(&cwd, "prod", &unsigned);
    assert_eq!(out.code, 1, "{out:?}");
    assert!(
        out.stderr
            .contains("error: demo is not signed: no demo.sig next to it"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("hint: sign the release"),
        "{}",
        out.stderr
    );

    // Bytes changed after the manifest was written.
    let tampered = fleet.root().join("tampered");
    copy_tree(&good, &tampered);
    let mut bytes = std::fs::read(tampered.join("demo")).unwrap();
    bytes.push(0);
    std::fs::write(tampered.join("demo"), &bytes).unwrap();
    let out = rollout(&cwd, "prod", &tampered);
    assert_eq!(out.code, 1, "{out:?}");
    assert!(
        out.stderr.contains("error: demo is tampered with: sha256"),
        "{}",
        out.stderr
    );

    // Bytes and manifest changed together: only the signature can tell.
    let mut manifest = tug::manifest::Manifest::read(&tampered).unwrap();
    let (sha, size) = tug::fsutil::sha256_file(&tampered.join("demo")).unwrap();
    manifest.artifacts[0].sha256 = sha;
    manifest.artifacts[0].size = size;
    manifest.write(&tampered).unwrap();
    let out = rollout(&cwd, "prod", &tampered);
    assert_eq!(out.code, 1, "{out:?}");
    assert!(
        out.stderr.contains("the signature of demo does not verify"),
        "{}",
        out.stderr
    );

    // No host was touched by any of them.
    assert!(fleet.paths.iter().all(|p| !p.exists()));

    // --insecure-skip-verify deploys and says so in history.
    let out = run(tug(&cwd)
        .args(["rollout", "prod", "--insecure-skip-verify", "--dist"])
        .arg(&unsigned));
    assert_eq!(out.code, 0, "{out:?}");
    assert!(
        fleet.history(0).contains("\"insecure_skip_verify\":true"),
        "{}",
        fleet.history(0)
    );
    let hist = ok(tug(&cwd).args(["history", "prod"]));
    assert!(hist.contains("[signature not verified]"), "{hist}");
}

#[test]
fn failing_health_check_reverts_every_switched_host() {
    let fleet = Fleet::local(3);
    let cwd = fleet.root().join("work");
    fleet.write_config(&cwd, &[fleet.env("prod", ALL_AT_ONCE, "")]);
    let out = rollout(&cwd, "prod", &release(V1));
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(fleet.currents(), all("1.0.0", 3));
    assert_eq!(fleet.served(), serving("1.0.0", 3));

    let out = rollout(&cwd, "prod", &release(V3_UNHEALTHY));
    assert_eq!(out.code, 4, "{out:?}");
    assert!(
        out.stderr
            .contains("error: rollout of 3.0.0 failed and was rolled back"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("status 503, expected 200"),
        "{}",
        out.stderr
    );
    assert_eq!(fleet.currents(), all("1.0.0", 3));
    assert_eq!(fleet.served(), serving("1.0.0", 3));
    assert!(fleet
        .paths
        .iter()
        .all(|p| p.join("releases/3.0.0/bad.json").exists()));
    assert!(fleet
        .paths
        .iter()
        .all(|p| !p.join(".tug/lock").exists() && !p.join(".tug/rollout.json").exists()));
    let hist = ok(tug(&cwd).args(["history", "prod"]));
    assert!(
        hist.contains("revert reverted 3.0.0 -> 1.0.0 on "),
        "{hist}"
    );
    assert!(hist.contains("health check failed"), "{hist}");

    // Nothing good came before 1.0.0 (3.0.0 is bad): rollback has nowhere to go.
    let out = run(tug(&cwd).args(["rollback", "prod", "--yes"]));
    assert_eq!(out.code, 1, "{out:?}");
    assert!(
        out.stderr.contains("no previous good release"),
        "{}",
        out.stderr
    );
}

#[test]
fn kill_during_rollout_then_recovery_and_concurrent_lock() {
    let fleet = Fleet::local(3);
    let cwd = fleet.root().join("work");
    let canary = "      type: canary\n      steps:\n        - hosts: 1\n        - pause: 60s\n";
    fleet.write_config(&cwd, &[fleet.env("prod", canary, "")]);
    // First release: the canary stops at the 60 s pause; kill it there.
    let mut first = tug(&cwd)
        .args(["rollout", "prod", "--dist"])
        .arg(release(V1))
        .spawn()
        .unwrap();
    let state = fleet.paths[0].join(".tug/rollout.json");
    let start = Instant::now();
    loop {
        let text = std::fs::read_to_string(&state).unwrap_or_default();
        if text.contains("\"next_step\":1") {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "rollout never reached the pause"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(fleet.current(0).as_deref(), Some("1.0.0"));

    // A second rollout while the first runs: exit 5, naming the holder.
    let out = rollout(&cwd, "prod", &release(V21));
    assert_eq!(out.code, 5, "{out:?}");
    assert!(
        out.stderr.contains("an unfinished rollout of 1.0.0"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("running (started by"), "{}", out.stderr);

    first.kill().unwrap(); // SIGKILL
    first.wait().unwrap();

    let out = rollout(&cwd, "prod", &release(V21));
    assert_eq!(out.code, 1, "{out:?}");
    assert!(
        out.stderr.contains("interrupted at step 2/3"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("hint: resume it with `tug rollout resume prod`, or roll it back with `tug rollout abort prod`"), "{}", out.stderr);
    let status = run(tug(&cwd).args(["status", "prod"]));
    assert!(
        status.stdout.contains("interrupted (its process is gone)"),
        "{status:?}"
    );
    assert!(
        status.stdout.contains("diverges from the fleet"),
        "{status:?}"
    );

    let out = run(tug(&cwd).args(["rollout", "abort", "prod"]));
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(fleet.currents(), all("none", 3), "{out:?}");
    assert!(fleet
        .paths
        .iter()
        .all(|p| !p.join(".tug/lock").exists() && !p.join(".tug/rollout.json").exists()));
    let h = fleet.history(0);
    for needle in [
        "\"outcome\":\"healthy\"",
        "\"action\":\"abort\"",
        "\"action\":\"revert\"",
        "rollout aborted by",
    ] {
        assert!(h.contains(needle), "{needle} missing from {h}");
    }

    // Recovery by resuming: kill again, then resume to the end.
    let mut again = tug(&cwd)
        .args(["rollout", "prod", "--dist"])
        .arg(release(V1))
        .spawn()
        .unwrap();
    let start = Instant::now();
    while !std::fs::read_to_string(&state)
        .unwrap_or_default()
        .contains("\"next_step\":1")
    {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "rollout never reached the pause"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    again.kill().unwrap();
    again.wait().unwrap();
    let out = run(tug(&cwd).args(["rollout", "promote", "prod"]));
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(fleet.currents(), all("1.0.0", 3));
    assert_eq!(fleet.served(), serving("1.0.0", 3));
}

/// The scenario of the issue over real sshd servers with a real Prometheus.
#[test]
fn ssh_canary_analysis_promote_and_rollback() {
    let fleet = Fleet::over_ssh();
    let n = fleet.names.len();
    let prom = prometheus();
    let targets: Vec<(String, String)> = (0..n)
        .map(|i| {
            (
                format!("{}:{}", fleet.ips[i], fleet.ports[i]),
                fleet.names[i].clone(),
            )
        })
        .collect();
    prom.scrape("ssh-canary", &targets);

    let rate = |code: &str| {
        format!(
            "sum(rate(http_requests_total{{version=\"{{{{ version }}}}\",host=~\"{{{{ hosts }}}}\"{code}}}[{{{{ window }}}}]))"
        )
    };
    let analysis = format!(
        "    analyses:\n      errors:\n        prometheus: {}\n        window: 5s\n        queries:\n          error_rate: '({} or vector(0)) / {}'\n          p50: 'histogram_quantile(0.5, sum by (le) (rate(http_request_duration_seconds_bucket{{version=\"{{{{ version }}}}\",host=~\"{{{{ hosts }}}}\"}}[{{{{ window }}}}])))'\n        success: error_rate <= 0.03\n        failure:\n          - condition: error_rate > 0.15\n            rollback: all\n          - condition: p50 > 0.8 and error_rate > 0.03\n            rollback: canary\n        initial_delay: 4s\n        interval: 1s\n        count: 3\n        inconclusive_limit: 2\n        no_data: inconclusive\n",
        prom.url,
        rate(",code=\"500\""),
        rate("")
    );
    let canary = "      type: canary\n      steps:\n        - hosts: 1\n        - analysis: errors\n        - hosts: 50%\n        - pause: manual\n";
    let cwd = fleet.root().join("work");
    let envs = [
        fleet.env("init", ALL_AT_ONCE, ""),
        fleet.env("prod", canary, &analysis),
    ];
    fleet.write_config(&cwd, &envs);

    // v1 everywhere.
    let out = rollout(&cwd, "init", &release(V1));
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(fleet.currents(), all("1.0.0", n));
    assert_eq!(fleet.served(), serving("1.0.0", n));

    // Bounded load: every host, every 20 ms, at most 3 minutes or 20000 requests.
    let stop = Arc::new(AtomicBool::new(false));
    let load = {
        let stop = stop.clone();
        let addrs: Vec<String> = targets.iter().map(|t| t.0.clone()).collect();
        std::thread::spawn(move || {
            let start = Instant::now();
            let mut sent = 0;
            while !stop.load(Ordering::Relaxed)
                && start.elapsed() < Duration::from_secs(180)
                && sent < 20000
            {
                for a in &addrs {
                    let _ = get(a, "/");
                    sent += 1;
                }
                std::thread::sleep(Duration::from_millis(20));
            }
        })
    };

    // Bad v2: the canary's error rate fails the analysis, every switched host goes back.
    let out = rollout(&cwd, "prod", &release(V2_BAD));
    assert_eq!(out.code, 4, "{out:?}");
    assert!(
        out.stderr.contains("analysis errors failed: measurement"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("error_rate > 0.15"), "{}", out.stderr);
    assert_eq!(fleet.currents(), all("1.0.0", n));
    assert_eq!(fleet.served(), serving("1.0.0", n));
    let hist = ok(tug(&cwd).args(["history", "prod"]));
    assert!(
        hist.contains("revert reverted 2.0.0 -> 1.0.0 on h1: analysis errors failed"),
        "{hist}"
    );

    // Good v2.1: the analysis passes, half the fleet switches, then a manual pause (exit 6).
    let out = rollout(&cwd, "prod", &release(V21));
    assert_eq!(out.code, 6, "{out:?}");
    assert!(out.stderr.contains("measurement 3: pass"), "{}", out.stderr);
    assert_eq!(fleet.currents(), ["2.1.0", "2.1.0", "1.0.0", "1.0.0"]);
    // Promote from a second working directory (its own tug.yaml, no dist/).
    let cwd2 = fleet.root().join("other-laptop");
    fleet.write_config(&cwd2, &envs);
    let out = run(tug(&cwd2).args(["rollout", "promote", "prod"]));
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(fleet.currents(), all("2.1.0", n));
    assert_eq!(fleet.served(), serving("2.1.0", n));
    stop.store(true, Ordering::Relaxed);
    load.join().unwrap();

    let status = ok(tug(&cwd).args(["status", "prod"]));
    assert!(
        status
            .lines()
            .skip(1)
            .filter(|l| !l.starts_with("bad: "))
            .all(|l| l.contains("2.1.0") && l.contains("healthy")),
        "{status}"
    );
    assert!(status.contains("bad: 2.0.0 (marked on h"), "{status}");

    // Rollback: every host to 1.0.0 (2.0.0 is bad), recorded with its reason.
    let out = run(tug(&cwd).args(["rollback", "prod", "--yes", "--reason", "customer reports"]));
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stderr.contains("h1: 2.1.0 -> 1.0.0"), "{}", out.stderr);
    assert_eq!(fleet.currents(), all("1.0.0", n));
    assert_eq!(fleet.served(), serving("1.0.0", n));
    let hist = ok(tug(&cwd).args(["history", "prod", "-n", "1"]));
    assert!(
        hist.contains("rollback success 2.1.0 -> 1.0.0 on h1,h2,h3,h4: customer reports"),
        "{hist}"
    );
}

#[test]
fn changed_host_key_is_refused() {
    let f = sshd::fleet();
    let dir = tempdir();
    let authorized = f.dir.join("authorized_keys");
    let server = sshd::start_sshd(&dir.path().join("sshd"), "127.0.0.29", &authorized);
    // known_hosts holds a different key for this server (as after a server swap or an attack).
    let other = dir.path().join("other_key");
    ok(std::process::Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-f"])
        .arg(&other));
    let other_pub = std::fs::read_to_string(other.with_extension("pub")).unwrap();
    let cfg = sshd::client_config(
        dir.path(),
        &f.user_key,
        &sshd::known_line(&server, &other_pub),
    );
    let yaml = format!(
        "version: 1\nenvironments:\n  prod:\n    target:\n      type: ssh\n      ssh_config: {}\n      hosts:\n        - {{name: web, address: 127.0.0.29, port: {}, path: {}}}\n",
        cfg.display(),
        server.port,
        dir.path().join("host").display()
    );
    std::fs::write(dir.path().join("tug.yaml"), yaml).unwrap();
    let out = run(tug(dir.path())
        .args(["rollout", "prod", "--insecure-skip-verify", "--dist"])
        .arg(release(V1)));
    assert_eq!(out.code, 1, "{out:?}");
    assert!(
        out.stderr.contains("web: host key verification failed"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr
            .contains("hint: check the host's key out of band"),
        "{}",
        out.stderr
    );
    assert!(!dir.path().join("host").exists());
}

#[test]
fn pause_request_stops_a_running_rollout() {
    let fleet = Fleet::local(2);
    let cwd = fleet.root().join("work");
    let canary = "      type: canary\n      steps:\n        - hosts: 1\n        - pause: 60s\n";
    fleet.write_config(&cwd, &[fleet.env("prod", canary, "")]);
    let mut running = tug(&cwd)
        .args(["rollout", "prod", "--dist"])
        .arg(release(V1))
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let start = Instant::now();
    fleet.wait_for_step_1();
    let out = run(tug(&cwd).args(["rollout", "pause", "prod"]));
    assert_eq!(out.code, 0, "{out:?}");
    let code = running.wait().unwrap().code();
    assert_eq!(code, Some(6), "the running rollout should stop paused");
    assert!(start.elapsed() < Duration::from_secs(30));
    let status = ok(tug(&cwd).args(["status", "prod"]));
    assert!(status.contains("paused, step 2/3"), "{status}");
    assert!(status.contains("paused by `tug rollout pause`"), "{status}");
    // A new rollout meets the paused one: exit 5, with the way forward.
    let out = rollout(&cwd, "prod", &release(V21));
    assert_eq!(out.code, 5, "{out:?}");
    assert!(
        out.stderr
            .contains("hint: continue it with `tug rollout promote prod`"),
        "{}",
        out.stderr
    );
    let out = run(tug(&cwd).args(["rollout", "promote", "prod"]));
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(fleet.currents(), all("1.0.0", 2));
}

/// examples/demo-service as a tagged project, built by `tug build` into a tar.gz and a zip for
/// this machine and signed by `tug sign` with a key from `tug keys generate` (once per test
/// binary): (temp dir, project dir, public key).
fn tug_built_demo_service() -> &'static (tempfile::TempDir, PathBuf, PathBuf) {
    static BUILT: std::sync::OnceLock<(tempfile::TempDir, PathBuf, PathBuf)> =
        std::sync::OnceLock::new();
    BUILT.get_or_init(|| {
        let tmp = tempdir();
        let proj = tmp.path().join("demo-service");
        copy_tree(&repo_root().join("examples/demo-service"), &proj);
        std::fs::write(
            proj.join("tug.yaml"),
            format!(
                "version: 1\nbuilds:\n  - id: demo\n    binary: demo-service\n    targets: [linux/{}]\narchives:\n  - id: tgz\n    format: tar.gz\n  - id: zip\n    format: zip\n",
                tug::deploy::verify::go_arch()
            ),
        )
        .unwrap();
        std::fs::write(proj.join(".gitignore"), "dist/\npublished/\n").unwrap();
        git_init_commit(&proj, Some("v1.4.0"));
        let keys = tmp.path().join("keys");
        std::fs::create_dir_all(&keys).unwrap();
        ok(tug(tmp.path())
            .args(["keys", "generate", "--output-prefix", "keys/cosign"])
            .env("COSIGN_PASSWORD", "pw")
            .stdin(std::process::Stdio::null()));
        ok(tug(&proj).args(["build", "--no-progress"]));
        ok(tug(&proj)
            .args(["sign", "--key", "../keys/cosign.key"])
            .env("COSIGN_PASSWORD", "pw")
            .stdin(std::process::Stdio::null()));
        (tmp, proj, keys.join("cosign.pub"))
    })
}

impl Fleet {
    /// An all-at-once environment for the tug-built demo-service, deploying the archive that ends
    /// with `ext` and verifying with `public_key`.
    fn archive_env(&self, name: &str, ext: &str, public_key: &Path) -> String {
        let artifact = format!(
            "    artifact: \"{{{{ project }}}}_{{{{ version }}}}_linux_{}.{ext}\"\n",
            tug::deploy::verify::go_arch()
        );
        self.env(name, ALL_AT_ONCE, &artifact)
            .replace("./current/demo ", "./current/demo-service ")
            .replace(
                &service::signing_key().1.display().to_string(),
                &public_key.display().to_string(),
            )
    }

    /// Host `i`'s service runs `releases/<version>/demo-service` (the unpacked binary).
    fn assert_runs_unpacked(&self, i: usize, version: &str) {
        let dir = self.paths[i].join("releases").join(version);
        let pid = std::fs::read_to_string(self.paths[i].join("service.pid")).unwrap();
        let exe = std::fs::read_link(format!("/proc/{}/exe", pid.trim())).unwrap();
        assert_eq!(
            exe,
            dir.join("demo-service").canonicalize().unwrap(),
            "host {i}"
        );
        for file in ["release.json", "LICENSE", "README.md"] {
            assert!(dir.join(file).is_file(), "{} missing", file);
        }
    }
}

#[test]
fn tug_built_tar_gz_and_zip_are_unpacked_and_run_on_the_hosts() {
    let (_, proj, public_key) = tug_built_demo_service();
    let arch = tug::deploy::verify::go_arch();
    let tgz = Fleet::local(2);
    let zip = Fleet::local(1);
    let cwd = tgz.root().join("work");
    tgz.write_config(
        &cwd,
        &[
            tgz.archive_env("tgz", "tar.gz", public_key),
            zip.archive_env("zip", "zip", public_key),
        ],
    );
    let dist = proj.join("dist");
    let out = rollout(&cwd, "tgz", &dist);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(
        out.stderr.contains(&format!(
            "Verified demo-service_1.4.0_linux_{arch}.tar.gz 1.4.0 (sha256 and signature)"
        )),
        "{}",
        out.stderr
    );
    assert_eq!(tgz.currents(), all("1.4.0", 2));
    assert_eq!(tgz.served(), serving("1.4.0", 2));
    for i in 0..2 {
        tgz.assert_runs_unpacked(i, "1.4.0");
        let archive = format!("releases/1.4.0/demo-service_1.4.0_linux_{arch}.tar.gz");
        assert!(tgz.paths[i].join(archive).is_file());
    }

    let out = rollout(&cwd, "zip", &dist);
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(zip.currents(), all("1.4.0", 1));
    assert_eq!(zip.served(), serving("1.4.0", 1));
    zip.assert_runs_unpacked(0, "1.4.0");
    let release: serde_json::Value = serde_json::from_slice(
        &std::fs::read(zip.paths[0].join("releases/1.4.0/release.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(
        release["artifact"],
        format!("demo-service_1.4.0_linux_{arch}.zip")
    );
}

#[test]
fn rollout_from_a_dir_published_release() {
    let (_, built, public_key) = tug_built_demo_service();
    let fleet = Fleet::local(2);
    // Publish a copy of the built project with the default `dir` publisher (published/).
    let proj = fleet.root().join("demo-service");
    copy_tree(built, &proj);
    let out = run(tug(&proj).arg("publish"));
    assert_eq!(out.code, 0, "{out:?}");
    let published = proj.join("published");
    assert!(published.join("demo-service/1.4.0/manifest.json").is_file());

    // Another working directory, no dist/ at all: only the published location.
    let cwd = fleet.root().join("ops");
    fleet.write_config(&cwd, &[fleet.archive_env("prod", "tar.gz", public_key)]);
    let out = run(tug(&cwd)
        .args(["rollout", "prod", "--from", "../demo-service/published"])
        .stdin(std::process::Stdio::null()));
    insta::assert_snapshot!(out.snapshot(&[(fleet.root(), "[TMP]")]), @r"
        exit: 1
        --- stdout
        --- stderr
        error: [TMP]/ops/../demo-service/published holds published releases (1.4.0): choose one with --version
        hint: for example `--version 1.4.0`, the newest
        ");
    assert!(fleet.paths.iter().all(|p| !p.exists()));

    let out = run(tug(&cwd).args([
        "rollout",
        "prod",
        "--from",
        "../demo-service/published",
        "--version",
        "v1.4.0",
    ]));
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(fleet.currents(), all("1.4.0", 2));
    assert_eq!(fleet.served(), serving("1.4.0", 2));
    fleet.assert_runs_unpacked(0, "1.4.0");

    // The same location as the environment's `source:` (relative to tug.yaml), without --from.
    let env =
        fleet.archive_env("prod", "tar.gz", public_key) + "    source: ../demo-service/published\n";
    fleet.write_config(&cwd, &[env]);
    let out = run(tug(&cwd).args(["rollout", "prod", "--version", "1.4.0"]));
    assert_eq!(out.code, 0, "{out:?}");
    assert!(
        out.stderr.contains("every host already runs 1.4.0"),
        "{}",
        out.stderr
    );
    let out = run(tug(&cwd).args(["rollout", "prod", "--version", "2.0.0"]));
    assert_eq!(out.code, 1, "{out:?}");
    assert!(
        out.stderr.contains("error: no release 2.0.0 under"),
        "{}",
        out.stderr
    );
}

#[test]
fn hooks_run_around_the_switch_and_a_failing_before_switch_stops_the_host() {
    let fleet = Fleet::local(2);
    let cwd = fleet.root().join("work");
    let rolling = "      type: rolling\n      batch: 1\n";
    let hooks = r#"    hooks:
      before_switch: |
        echo "before {{ version }} {{ host }}: $TUG_VERSION $TUG_ENVIRONMENT $TUG_HOST $TUG_RELEASE_DIR in $(pwd), current=$(readlink ../../current || echo none)" >> ../../hooks.log
        if [ "$TUG_VERSION" = 2.1.0 ]; then echo "migrations for 2.1.0 are not applied" >&2; exit 3; fi
      after_switch: |
        echo "after {{ version }}: $TUG_VERSION in $(pwd), current=$(readlink current)" >> hooks.log
"#;
    fleet.write_config(&cwd, &[fleet.env("prod", rolling, hooks)]);
    let hooks_log = |i: usize| {
        std::fs::read_to_string(fleet.paths[i].join("hooks.log"))
            .unwrap_or_default()
            .replace(&fleet.paths[i].display().to_string(), "[HOST]")
    };

    let out = rollout(&cwd, "prod", &release(V1));
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(fleet.currents(), all("1.0.0", 2));
    insta::assert_snapshot!(hooks_log(0), @r"
        before 1.0.0 h1: 1.0.0 prod h1 [HOST]/releases/1.0.0 in [HOST]/releases/1.0.0, current=none
        after 1.0.0: 1.0.0 in [HOST], current=releases/1.0.0
        ");
    insta::assert_snapshot!(hooks_log(1), @r"
        before 1.0.0 h2: 1.0.0 prod h2 [HOST]/releases/1.0.0 in [HOST]/releases/1.0.0, current=none
        after 1.0.0: 1.0.0 in [HOST], current=releases/1.0.0
        ");

    // 2.1.0: the hook refuses on the first host, which never switches; the second is not touched.
    let out = rollout(&cwd, "prod", &release(V21));
    assert_eq!(out.code, 4, "{out:?}");
    let uploads_in_any_order = |l: &&str| !l.contains(" uploaded, digest verified");
    let stderr: Vec<&str> = out.stderr.lines().filter(uploads_in_any_order).collect();
    insta::assert_snapshot!(stderr.join("\n"), @r"
            Verified demo 2.1.0 (sha256 and signature)
              Deploy preflight
              Deploy upload demo to 2 host(s)
              Deploy step 1/2: switch h1
                  h1 failed: migrations for 2.1.0 are not applied; before_switch hook exited 3
                  h1 reverted to 1.0.0
              Deploy stopping, no other host to switch back: h1: migrations for 2.1.0 are not applied; before_switch hook exited 3
        error: rollout of 2.1.0 failed and was rolled back
          caused by: h1: migrations for 2.1.0 are not applied; before_switch hook exited 3
        hint: see `tug history prod`
        reverted: h1
        ");
    assert_eq!(fleet.currents(), all("1.0.0", 2));
    assert_eq!(fleet.served(), serving("1.0.0", 2));
    insta::assert_snapshot!(hooks_log(0), @r"
        before 1.0.0 h1: 1.0.0 prod h1 [HOST]/releases/1.0.0 in [HOST]/releases/1.0.0, current=none
        after 1.0.0: 1.0.0 in [HOST], current=releases/1.0.0
        before 2.1.0 h1: 2.1.0 prod h1 [HOST]/releases/2.1.0 in [HOST]/releases/2.1.0, current=releases/1.0.0
        ");
    insta::assert_snapshot!(hooks_log(1), @r"
        before 1.0.0 h2: 1.0.0 prod h2 [HOST]/releases/1.0.0 in [HOST]/releases/1.0.0, current=none
        after 1.0.0: 1.0.0 in [HOST], current=releases/1.0.0
        ");
    assert!(fleet.paths[0].join("releases/2.1.0/bad.json").is_file());
    let hist = ok(tug(&cwd).args(["history", "prod", "-n", "1"]));
    let hist = hist
        .split_once("  ")
        .map(|(_time, rest)| rest)
        .unwrap_or(&hist);
    assert!(
        hist.ends_with(
            " revert reverted 2.1.0 -> 1.0.0 on h1: migrations for 2.1.0 are not applied; before_switch hook exited 3\n"
        ),
        "{hist}"
    );
}

#[test]
fn status_wait_returns_once_converged_and_times_out_while_a_host_diverges() {
    let fleet = Fleet::local(2);
    let cwd = fleet.root().join("work");
    fleet.write_config(&cwd, &[fleet.env("prod", ALL_AT_ONCE, "")]);
    assert_eq!(rollout(&cwd, "prod", &release(V1)).code, 0);
    assert_eq!(rollout(&cwd, "prod", &release(V21)).code, 0);
    let out = run(tug(&cwd).args(["status", "prod", "--wait", "--timeout", "5s"]));
    assert_eq!(out.code, 0, "{out:?}");

    // Someone switched h2 back by hand: the fleet diverges.
    let relink = |i: usize, v: &str| {
        let host = &fleet.paths[i];
        std::os::unix::fs::symlink(format!("releases/{v}"), host.join("current.new")).unwrap();
        std::fs::rename(host.join("current.new"), host.join("current")).unwrap();
    };
    relink(1, "1.0.0");
    let start = Instant::now();
    let out = run(tug(&cwd).args(["status", "prod", "--wait", "--timeout", "1s"]));
    assert!(start.elapsed() >= Duration::from_secs(1));
    insta::assert_snapshot!(out.snapshot(&[(fleet.root(), "[TMP]")]), @r"
        exit: 1
        --- stdout
        HOST             VERSION        HEALTH     NOTES
        h1               2.1.0          healthy    
        h2               1.0.0          healthy    diverges from the fleet (2.1.0)
        --- stderr
        error: prod did not converge within 1s
        ");

    // A waiting status returns as soon as the host is back on the fleet's release.
    let mut waiting = tug(&cwd)
        .args(["status", "prod", "--wait", "--timeout", "30s"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(1200));
    assert!(waiting.try_wait().unwrap().is_none(), "returned too early");
    relink(1, "2.1.0");
    let start = Instant::now();
    let out = waiting.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert!(start.elapsed() < Duration::from_secs(5));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout
            .lines()
            .skip(1)
            .all(|l| l.contains("2.1.0") && l.contains("healthy")),
        "{stdout}"
    );
}

#[test]
fn rollback_asks_at_a_terminal_and_refuses_without_one() {
    let fleet = Fleet::local(2);
    let cwd = fleet.root().join("work");
    fleet.write_config(&cwd, &[fleet.env("prod", ALL_AT_ONCE, "")]);
    assert_eq!(rollout(&cwd, "prod", &release(V1)).code, 0);
    assert_eq!(rollout(&cwd, "prod", &release(V21)).code, 0);

    // No terminal, no --yes: refused before anything changes.
    let out = run(tug(&cwd)
        .args(["rollback", "prod"])
        .stdin(std::process::Stdio::null()));
    insta::assert_snapshot!(out.snapshot(&[(fleet.root(), "[TMP]")]), @r"
        exit: 2
        --- stdout
        --- stderr
        rollback plan for prod: to 1.0.0 (the newest release that ran healthy on every host)
          h1: 2.1.0 -> 1.0.0
          h2: 2.1.0 -> 1.0.0
        error: refusing to roll back without confirmation
        hint: pass --yes to confirm non-interactively
        ");
    assert_eq!(fleet.currents(), all("2.1.0", 2));

    // At a terminal, `n` changes nothing.
    let mut cmd = tug(&cwd);
    cmd.args(["rollback", "prod", "--reason", "pty test"]);
    let out = run_in_pty(&cmd, "n\n");
    insta::assert_snapshot!(out.snapshot(&[(fleet.root(), "[TMP]")]), @r"
        exit: 1
        --- stdout
        rollback plan for prod: to 1.0.0 (the newest release that ran healthy on every host)
          h1: 2.1.0 -> 1.0.0
          h2: 2.1.0 -> 1.0.0
        Roll back 2 host(s)? [y/N]
        nothing changed
        --- stderr
        ");
    assert_eq!(fleet.currents(), all("2.1.0", 2));
    assert!(!fleet.history(0).contains("\"action\":\"rollback\""));

    // `y` rolls back.
    let out = run_in_pty(&cmd, "y\n");
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stdout.contains("Roll back 2 host(s)? [y/N]"), "{out:?}");
    assert!(out.stdout.contains("Rolled back 2 host(s)"), "{out:?}");
    assert_eq!(fleet.currents(), all("1.0.0", 2));
    assert_eq!(fleet.served(), serving("1.0.0", 2));
    let hist = ok(tug(&cwd).args(["history", "prod", "-n", "1"]));
    assert!(
        hist.contains("rollback success 2.1.0 -> 1.0.0 on h1,h2: pty test"),
        "{hist}"
    );
}

#[test]
fn interrupted_rollout_offers_resume_or_abort_at_a_terminal() {
    let fleet = Fleet::local(3);
    let cwd = fleet.root().join("work");
    let canary = "      type: canary\n      steps:\n        - hosts: 1\n        - pause: 3s\n";
    fleet.write_config(&cwd, &[fleet.env("prod", canary, "")]);
    fleet.start_and_kill_at_the_pause(&cwd, &release(V1));
    assert_eq!(fleet.currents(), ["1.0.0", "none", "none"]);
    let rollout_v21 = || {
        let mut cmd = tug(&cwd);
        cmd.args(["rollout", "prod", "--no-progress", "--dist"])
            .arg(release(V21));
        cmd
    };
    // What follows the preflight; hosts switched in parallel report in any order.
    let after_preflight = |out: &Outcome| -> String {
        let text = out.snapshot(&[(fleet.root(), "[TMP]")]);
        let start = text.find("warning: an unfinished").unwrap_or(0);
        text[start..]
            .lines()
            .filter(|l| !l.contains(" switched to ") && !l.ends_with(" healthy"))
            .map(|l| format!("{l}\n"))
            .collect()
    };

    // --yes at a terminal: no question, the non-interactive error and hint.
    let mut yes = rollout_v21();
    yes.arg("--yes");
    let out = run_in_pty(&yes, "");
    assert_eq!(out.code, 1, "{out:?}");
    assert!(
        out.stdout
            .contains("hint: resume it with `tug rollout resume prod`"),
        "{out:?}"
    );
    assert!(!out.stdout.contains("[r/a/q]"), "{out:?}");

    // `q`: nothing changes.
    let out = run_in_pty(&rollout_v21(), "q\n");
    assert_eq!(out.code, 1, "{out:?}");
    assert_snapshot_redacted!(after_preflight(&out), @r"
        warning: an unfinished rollout of 1.0.0 ([ID]) is on the hosts: interrupted at step 2/3 (started by [ACTOR] at [TIME]; its process is gone)
        [r]esume it, [a]bort it (switch back every host it changed), or [q]uit? [r/a/q]
        error: the interrupted rollout of 1.0.0 is still on the hosts; nothing changed
        hint: resume it with `tug rollout resume prod`, or roll it back with `tug rollout abort prod`
        --- stderr
        ");
    assert_eq!(fleet.currents(), ["1.0.0", "none", "none"]);
    assert!(fleet.paths[0].join(".tug/rollout.json").exists());

    // A wrong answer asks again; `a` rolls the interrupted rollout back, like `tug rollout abort`.
    let out = run_in_pty(&rollout_v21(), "x\na\n");
    assert_eq!(out.code, 0, "{out:?}");
    assert_snapshot_redacted!(after_preflight(&out), @r#"
        warning: an unfinished rollout of 1.0.0 ([ID]) is on the hosts: interrupted at step 2/3 (started by [ACTOR] at [TIME]; its process is gone)
        [r]esume it, [a]bort it (switch back every host it changed), or [q]uit? [r/a/q]
        "x" is not an answer: type r, a or q
        [r]esume it, [a]bort it (switch back every host it changed), or [q]uit? [r/a/q]
            Aborting the interrupted rollout of 1.0.0
              Deploy rolling back h1: rollout aborted by [ACTOR]
                  h1 reverted to no release (its first)
             Aborted rollout of 1.0.0; reverted h1
        the rollout of 2.1.0 was not started: run `tug rollout prod` again for it
        --- stderr
        "#);
    assert_eq!(fleet.currents(), all("none", 3));
    assert!(fleet.history(0).contains("\"action\":\"abort\""));
    assert!(fleet
        .paths
        .iter()
        .all(|p| !p.join(".tug/lock").exists() && !p.join(".tug/rollout.json").exists()));

    // `r` resumes it to the end, like `tug rollout resume`.
    fleet.start_and_kill_at_the_pause(&cwd, &release(V1));
    let mut again = tug(&cwd);
    again
        .args(["rollout", "prod", "--no-progress", "--dist"])
        .arg(release(V1));
    let out = run_in_pty(&again, "r\n");
    assert_eq!(out.code, 0, "{out:?}");
    assert_snapshot_redacted!(after_preflight(&out), @r"
        warning: an unfinished rollout of 1.0.0 ([ID]) is on the hosts: interrupted at step 2/3 (started by [ACTOR] at [TIME]; its process is gone)
        [r]esume it, [a]bort it (switch back every host it changed), or [q]uit? [r/a/q]
            Resuming the interrupted rollout of 1.0.0
              Deploy step 2/3: pause 3s
              Deploy step 3/3: switch h2, h3
              Deploy done: 1.0.0 on every host
            Finished 1.0.0 rolled out to 3 host(s)
        --- stderr
        ");
    assert_eq!(fleet.currents(), all("1.0.0", 3));
    assert_eq!(fleet.served(), serving("1.0.0", 3));
    assert!(fleet.history(0).contains("\"action\":\"resume\""));
}

#[test]
fn max_unavailable_counts_unhealthy_hosts_and_pauses_when_none_can_go_down() {
    let fleet = Fleet::local(3);
    let cwd = fleet.root().join("work");
    let rolling = "      type: rolling\n      batch: 2\n      max_unavailable: 1\n";
    fleet.write_config(&cwd, &[fleet.env("prod", rolling, "")]);
    let out = rollout(&cwd, "prod", &release(V1));
    assert_eq!(out.code, 0, "{out:?}");
    assert!(
        out.stderr
            .contains("switch h1, h2 (1 at a time: max_unavailable)"),
        "{}",
        out.stderr
    );
    assert_eq!(fleet.served(), serving("1.0.0", 3));

    // h3 goes down: the first batch (h1, h2) may not take another host out of service.
    let pid = std::fs::read_to_string(fleet.paths[2].join("service.pid")).unwrap();
    ok(std::process::Command::new("kill").arg(pid.trim()));
    let deadline = Instant::now() + Duration::from_secs(5);
    while get(&format!("127.0.0.1:{}", fleet.ports[2]), "/").is_ok() {
        assert!(Instant::now() < deadline, "h3 did not stop");
        std::thread::sleep(Duration::from_millis(50));
    }
    let out = rollout(&cwd, "prod", &release(V21));
    assert_eq!(out.code, 6, "{out:?}");
    assert!(
        out.stderr.contains(
            "max_unavailable is 1 and 1 host(s) outside the batch are already unhealthy: h3"
        ),
        "{}",
        out.stderr
    );
    assert_eq!(fleet.currents(), all("1.0.0", 3), "nothing switched");

    // Once h3 is back (started by hand the way the restart command does), resume goes on.
    ok(std::process::Command::new("sh")
        .current_dir(&fleet.paths[2])
        .arg("-c")
        .arg(format!(
            "setsid ./current/demo -addr 127.0.0.1:{} </dev/null >manual.log 2>&1 & echo $! > service.pid",
            fleet.ports[2]
        )));
    service::wait_port(
        &format!("127.0.0.1:{}", fleet.ports[2]),
        "h3 started by hand",
        &fleet.paths[2].join("manual.log"),
    );
    let out = run(tug(&cwd).args(["rollout", "resume", "prod"]));
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(fleet.currents(), all("2.1.0", 3));
    assert_eq!(fleet.served(), serving("2.1.0", 3));
}

#[test]
fn rollback_can_leave_an_unreachable_host_out() {
    let fleet = Fleet::over_ssh();
    let cwd = fleet.root().join("work");
    let env = fleet.env("prod", ALL_AT_ONCE, "");
    fleet.write_config(&cwd, std::slice::from_ref(&env));
    for v in [V1, V21] {
        let out = rollout(&cwd, "prod", &release(v));
        assert_eq!(out.code, 0, "{out:?}");
    }
    // A host nobody answers on (a free port on loopback).
    let dead = free_port("127.0.0.1");
    let extra = format!(
        "        - {{name: dead, address: 127.0.0.1, port: {dead}, path: /nonexistent}}\n    restart:"
    );
    let with_dead = env.replacen("\n    restart:", &format!("\n{extra}"), 1);
    fleet.write_config(&cwd, &[with_dead]);
    let n = fleet.paths.len();

    let out = run(tug(&cwd).args(["rollback", "prod", "--yes"]));
    assert_eq!(out.code, 1, "{out:?}");
    assert!(
        out.stderr.contains("dead: cannot connect") && out.stderr.contains("--skip-unreachable"),
        "{}",
        out.stderr
    );
    assert_eq!(fleet.currents(), all("2.1.0", n), "nothing changed");

    let out = run(tug(&cwd).args([
        "rollback",
        "prod",
        "--yes",
        "--skip-unreachable",
        "--reason",
        "dead host",
    ]));
    assert_eq!(out.code, 0, "{out:?}");
    assert!(
        out.stderr.contains("dead: unreachable, left as it is")
            && out.stderr.contains("not rolled back (unreachable): dead"),
        "{}",
        out.stderr
    );
    assert_eq!(fleet.currents(), all("1.0.0", n));
    assert_eq!(fleet.served(), serving("1.0.0", n));
    assert!(
        fleet
            .history(0)
            .contains("dead host; unreachable, not rolled back: dead"),
        "{}",
        fleet.history(0)
    );
}

/// A template using `{{ env.X }}` that this run does not have: `tug check` only warns (the run
/// that deploys may have it), but the rollout refuses before touching any host, exit 2, naming
/// the field and the variable; the rollback too. With the variable set the same config deploys.
#[test]
fn a_rollout_whose_templates_use_an_unset_env_variable_touches_no_host() {
    let fleet = Fleet::local(2);
    let cwd = fleet.root().join("work");
    let restart = format!(
        "echo \"{{{{ env.TUG_TEST_DEPLOY_TOKEN }}}}\" > token.txt\n{}",
        service::RESTART
    );
    fleet.write_config(
        &cwd,
        &[fleet.env_with_restart("prod", ALL_AT_ONCE, "", &restart)],
    );
    for args in [
        vec!["rollout", "prod", "--dist"],
        vec!["rollout", "prod", "--dry-run", "--dist"],
    ] {
        let out = run(tug(&cwd).args(&args).arg(release(V1)));
        assert_eq!(out.code, 2, "{out:?}");
        assert!(
            out.stderr
                .contains("`environments.prod.restart` uses {{ env.TUG_TEST_DEPLOY_TOKEN }}, which is not set")
                && out.stderr.contains("hint: set TUG_TEST_DEPLOY_TOKEN"),
            "{}",
            out.stderr
        );
    }
    for p in &fleet.paths {
        assert!(
            !p.join(".tug").exists() && !p.join("releases").exists() && !p.join("current").exists(),
            "{} was touched",
            p.display()
        );
    }
    let out = run(tug(&cwd).args(["rollback", "prod", "--yes"]));
    assert_eq!(out.code, 2, "{out:?}");

    let out = run(tug(&cwd)
        .env("TUG_TEST_DEPLOY_TOKEN", "t0ken")
        .args(["rollout", "prod", "--dist"])
        .arg(release(V1)));
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(fleet.currents(), all("1.0.0", 2));
    for p in &fleet.paths {
        assert_eq!(
            std::fs::read_to_string(p.join("token.txt")).unwrap(),
            "t0ken\n"
        );
    }
}

/// A run after the first opens its sessions on the ssh master connections the first left
/// (ControlPersist) through their control sockets, without an ssh process per host
/// (`src/deploy/ssh_mux.rs`), and switches the hosts as before; masters killed with -9 (their
/// sockets left behind, nobody listening) are replaced by new ones through `ssh`, and the run
/// goes on. The state on the hosts' disks is asserted after each run.
#[test]
fn later_runs_join_the_master_connections_and_dead_masters_are_replaced() {
    let fleet = Fleet::over_ssh();
    let cwd = fleet.root().join("work");
    let env = fleet.env("prod", ALL_AT_ONCE, "");
    fleet.write_config(&cwd, std::slice::from_ref(&env));
    let n = fleet.paths.len();
    // This test's own TMPDIR: its masters are its own. Under /tmp: a unix socket path has 107
    // bytes, and under a longer TMPDIR tug would keep the sockets in /tmp, shared.
    let tmp_dir = tempfile::Builder::new()
        .prefix("tug-it-ssh")
        .tempdir_in("/tmp")
        .unwrap();
    let tmp = tmp_dir.path().to_path_buf();
    // Run tug -v with this TMPDIR; it must succeed with `ssh` and `control socket` sessions as
    // counted.
    let tug_v = |args: &[&std::ffi::OsStr], sessions: (usize, usize)| {
        let out = run(tug(&cwd).env("TMPDIR", &tmp).arg("-v").args(args));
        assert_eq!(out.code, 0, "{out:?}");
        let count = |via: &str| out.stderr.matches(&format!("via=\"{via}\"")).count();
        assert_eq!(
            (count("ssh"), count("control socket")),
            sessions,
            "{}",
            out.stderr
        );
        out
    };
    let rollout_args = |v| {
        [
            "rollout".into(),
            "prod".into(),
            "--dist".into(),
            release(v).into(),
        ]
    };
    let args: [std::ffi::OsString; 4] = rollout_args(V1);
    tug_v(&args.each_ref().map(|a| a.as_os_str()), (n, 0));
    assert_eq!(fleet.currents(), all("1.0.0", n));
    let args: [std::ffi::OsString; 4] = rollout_args(V21);
    tug_v(&args.each_ref().map(|a| a.as_os_str()), (0, n));
    assert_eq!(fleet.currents(), all("2.1.0", n));
    assert_eq!(fleet.served(), serving("2.1.0", n));

    // kill -9 every master: the sockets stay behind, stale.
    let uid = ok(std::process::Command::new("id").arg("-u"));
    let sockets: Vec<PathBuf> = std::fs::read_dir(tmp.join(format!("tug-ssh-{}", uid.trim())))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(sockets.len(), n, "one master a host: {sockets:?}");
    for s in &sockets {
        let check = std::process::Command::new("ssh")
            .arg("-o")
            .arg(format!("ControlPath={}", s.display()))
            .args(["-O", "check", "unused"])
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&check.stderr);
        let pid = text
            .split("(pid=")
            .nth(1)
            .and_then(|r| r.split(')').next())
            .unwrap_or_else(|| panic!("no master pid in {text:?}"));
        ok(std::process::Command::new("kill").args(["-9", pid]));
    }
    std::thread::sleep(Duration::from_millis(200));
    assert!(sockets.iter().all(|s| s.exists()), "stale sockets left");

    let out = tug_v(
        &["rollback".as_ref(), "prod".as_ref(), "--yes".as_ref()],
        (n, 0),
    );
    assert!(
        out.stderr.contains("no master connection to join"),
        "{}",
        out.stderr
    );
    assert_eq!(fleet.currents(), all("1.0.0", n));
    assert_eq!(fleet.served(), serving("1.0.0", n));
    tug_v(&["status".as_ref(), "prod".as_ref()], (0, n));
}
