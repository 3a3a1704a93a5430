//! Rollback you can trust (issue #11), end to end on local hosts running the real demo service:
//! the way back is a release that ran healthy (never one only staged, never one marked bad), bad
//! marks are environment-wide and only for the release's own failures, a revert or rollback that
//! fails on a host exits 7 naming it, and a killed rollback leaves intent records that status and
//! history show and the next rollback resolves. Every test asserts what is on the hosts' disks.

use std::time::{Duration, Instant};

use crate::harness::fleet::{all, rollout, serving, Fleet, ALL_AT_ONCE};
use crate::harness::service::{free_port, release, Variant, RESTART};
use crate::harness::*;

const V1: Variant = Variant::good("1.0.0");
const V13: Variant = Variant::good("1.3.0");
const V13_UNHEALTHY: Variant = Variant {
    version: "1.3.0",
    fail_rate: 0.0,
    latency_ms: 0,
    healthy: false,
};
const V21: Variant = Variant::good("2.1.0");

/// The test's restart command with two faults a test can switch on per host: a file
/// `fail-restart` naming a version makes the restart of that version fail, and `slow-restart`
/// (seconds) makes every restart wait first.
fn faulty_restart() -> String {
    format!(
        "if [ -f fail-restart ] && [ \"$TUG_VERSION\" = \"$(cat fail-restart)\" ]; then echo \"injected restart failure\" >&2; exit 1; fi\nif [ -f slow-restart ]; then sleep $(cat slow-restart); fi\n{RESTART}"
    )
}

fn outcomes(fleet: &Fleet, i: usize, action: &str) -> Vec<String> {
    fleet
        .history_of(i, action)
        .iter()
        .map(|l| l["outcome"].as_str().unwrap_or_default().to_string())
        .collect()
}

/// The issue's canary: 1.3.0 fails its health check on host 1, hosts 2-5 only staged it. The
/// release is marked bad on every host with the reason; a new rollout of it is refused (and the
/// dry run shows the mark); `tug rollback --yes` does not move hosts 2-5 onto it.
#[test]
fn a_failed_canary_is_bad_everywhere_and_never_the_way_back() {
    let fleet = Fleet::local(5);
    let cwd = fleet.root().join("work");
    let canary = "      type: canary\n      steps:\n        - hosts: 1\n        - pause: manual\n";
    fleet.write_config(
        &cwd,
        &[
            fleet.env("init", ALL_AT_ONCE, ""),
            fleet.env("prod", canary, ""),
        ],
    );
    let out = rollout(&cwd, "init", &release(V1));
    assert_eq!(out.code, 0, "{out:?}");

    let out = rollout(&cwd, "prod", &release(V13_UNHEALTHY));
    assert_eq!(out.code, 4, "{out:?}");
    assert_eq!(fleet.currents(), all("1.0.0", 5));
    assert_eq!(fleet.served(), serving("1.0.0", 5));
    for i in 0..5 {
        assert!(
            fleet.paths[i].join("releases/1.3.0/release.json").exists(),
            "h{} has 1.3.0 staged",
            i + 1
        );
        let mark = fleet.bad(i, "1.3.0").unwrap_or_default();
        assert!(mark.contains("health check failed"), "h{}: {mark:?}", i + 1);
        assert!(fleet.bad(i, "1.0.0").is_none());
    }
    // h1 has one line per step: the intent before the switch, then the revert.
    assert_eq!(
        outcomes(&fleet, 0, "rollout"),
        ["intent", "healthy", "success", "intent"]
    );
    assert_eq!(outcomes(&fleet, 0, "revert"), ["intent", "reverted"]);

    // Refused again, with who, when and why; the dry run shows the mark too.
    let out = rollout(&cwd, "prod", &release(V13_UNHEALTHY));
    assert_eq!(out.code, 1, "{out:?}");
    assert!(
        out.stderr
            .contains("release 1.3.0 is marked bad in this environment")
            && out.stderr.contains("health check failed")
            && out.stderr.contains("--force"),
        "{}",
        out.stderr
    );
    let dry = run(tug(&cwd)
        .args(["rollout", "prod", "--dry-run", "--dist"])
        .arg(release(V13_UNHEALTHY)));
    assert_eq!(dry.code, 1, "{dry:?}");
    assert!(dry.stdout.contains("marked bad: 1.3.0"), "{dry:?}");
    let status = ok(tug(&cwd).args(["status", "prod"]));
    assert!(status.contains("bad: 1.3.0"), "{status}");
    assert!(fleet.paths.iter().all(|p| !p.join(".tug/lock").exists()));

    // Nothing ran healthy before 1.0.0 on these hosts: no way back, and nothing moves.
    let out = run(tug(&cwd).args(["rollback", "prod", "--yes"]));
    assert_eq!(out.code, 1, "{out:?}");
    assert!(
        out.stderr.contains("no previous good release"),
        "{}",
        out.stderr
    );
    assert_eq!(fleet.currents(), all("1.0.0", 5));
    assert!((0..5).all(|i| outcomes(&fleet, i, "rollback").is_empty()));
}

/// A rollout stopped for another cause (Prometheus unreachable, then aborted with a reason) does
/// not mark the release bad; and a release that ran healthy only on the canary host is no way
/// back for the hosts that only staged it: the rollback names them and changes nothing.
#[test]
fn a_release_only_staged_is_no_way_back_and_an_abort_is_not_a_bad_mark() {
    let fleet = Fleet::local(5);
    let cwd = fleet.root().join("work");
    let dead = free_port("127.0.0.1");
    let analysis = format!(
        "    analyses:\n      errors:\n        prometheus: http://127.0.0.1:{dead}\n        query: 'sum(rate(http_requests_total[1m]))'\n        failure:\n          - condition: result > 100\n"
    );
    let canary =
        "      type: canary\n      steps:\n        - hosts: 1\n        - analysis: errors\n";
    fleet.write_config(
        &cwd,
        &[
            fleet.env("init", ALL_AT_ONCE, ""),
            fleet.env("prod", canary, &analysis),
        ],
    );
    assert_eq!(rollout(&cwd, "init", &release(V1)).code, 0);
    let out = rollout(&cwd, "prod", &release(V13));
    assert_eq!(out.code, 6, "{out:?}");
    assert!(out.stderr.contains("could not run"), "{}", out.stderr);
    assert_eq!(fleet.current(0).as_deref(), Some("1.3.0"));

    let out = run(tug(&cwd).args(["rollout", "abort", "prod", "--reason", "prometheus is down"]));
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stderr.contains("reverted h1"), "{}", out.stderr);
    assert_eq!(fleet.currents(), all("1.0.0", 5));
    assert!(
        (0..5).all(|i| fleet.bad(i, "1.3.0").is_none()),
        "not the release's fault"
    );
    assert!(fleet.history(0).contains("prometheus is down"));

    let out = run(tug(&cwd).args(["rollback", "prod", "--yes"]));
    assert_eq!(out.code, 1, "{out:?}");
    for h in ["h2", "h3", "h4", "h5"] {
        assert!(
            out.stderr
                .contains(&format!("{h}: cannot go back to 1.3.0")),
            "{}",
            out.stderr
        );
    }
    assert!(out.stderr.contains("only staged"), "{}", out.stderr);
    assert!(!out.stderr.contains("h1: cannot"), "{}", out.stderr);
    assert_eq!(fleet.currents(), all("1.0.0", 5), "nothing moved");
    // The release was never bad: it may be rolled out again without --force.
    let dry = run(tug(&cwd)
        .args(["rollout", "prod", "--dry-run", "--dist"])
        .arg(release(V13)));
    assert_eq!(dry.code, 0, "{dry:?}");
}

/// A revert whose restart fails (the old release's restart command fails on h2) is not a
/// success: exit 7 naming the host, what it runs and the error; status marks it; the others
/// are back and serving.
#[test]
fn a_failed_revert_exits_7_naming_the_host() {
    let fleet = Fleet::local(3);
    let cwd = fleet.root().join("work");
    let env = fleet.env_with_restart("prod", ALL_AT_ONCE, "", &faulty_restart());
    fleet.write_config(&cwd, &[env]);
    assert_eq!(rollout(&cwd, "prod", &release(V1)).code, 0);
    std::fs::write(fleet.paths[1].join("fail-restart"), "1.0.0").unwrap();

    let out = rollout(&cwd, "prod", &release(V13_UNHEALTHY));
    assert_eq!(out.code, 7, "{out:?}");
    assert!(
        out.stderr
            .contains("was not fully reverted: the environment is mixed")
            && out.stderr.contains(
                "h2: current -> 1.0.0: injected restart failure; restart command exited 1"
            ),
        "{}",
        out.stderr
    );
    assert!(!out.stderr.contains("reverted: h1, h2"), "{}", out.stderr);
    assert_eq!(fleet.currents(), all("1.0.0", 3));
    let served = fleet.served();
    assert_eq!(served[0], "hello from demo-service 1.0.0");
    assert_eq!(served[2], "hello from demo-service 1.0.0");
    assert_ne!(
        served[1], "hello from demo-service 1.0.0",
        "its restart failed"
    );
    assert_eq!(outcomes(&fleet, 1, "revert"), ["intent", "failed"]);
    assert_eq!(outcomes(&fleet, 0, "revert"), ["intent", "reverted"]);
    assert!(fleet.paths.iter().all(|p| !p.join(".tug/lock").exists()));
    let status = run(tug(&cwd).args(["status", "prod"]));
    assert!(
        status.stdout.contains("MIXED: revert to 1.0.0 failed"),
        "{status:?}"
    );

    // A rollback that fails on a host is exit 7 too, and says which.
    std::fs::remove_file(fleet.paths[1].join("fail-restart")).unwrap();
    let out = rollout(&cwd, "prod", &release(V21));
    assert_eq!(out.code, 0, "{out:?}");
    std::fs::write(fleet.paths[2].join("fail-restart"), "1.0.0").unwrap();
    let out = run(tug(&cwd).args(["rollback", "prod", "--yes"]));
    assert_eq!(out.code, 7, "{out:?}");
    assert!(
        out.stderr
            .contains("the rollback to 1.0.0 failed on 1 of 3 host(s)")
            && out.stderr.contains(
                "h3: current -> 1.0.0: injected restart failure; restart command exited 1"
            ),
        "{}",
        out.stderr
    );
    assert_eq!(outcomes(&fleet, 2, "rollback"), ["intent", "failed"]);
    assert_eq!(outcomes(&fleet, 0, "rollback"), ["intent", "success"]);
    assert!(fleet.paths.iter().all(|p| !p.join(".tug/lock").exists()));
}

/// `kill -9` of `tug rollback` in the middle: the hosts carry intent lines without an outcome,
/// status and history show them as interrupted, the lock of the dead process is taken over
/// (recorded), and the next rollback finishes the job and records the interruption.
#[test]
fn a_killed_rollback_leaves_a_readable_trail_and_the_next_one_finishes_it() {
    killed_rollback(Fleet::local(3));
}

/// The same over ssh (the hosts' shells are remote; the lock's pid is this machine's).
#[test]
fn a_killed_rollback_over_ssh_leaves_a_readable_trail_too() {
    killed_rollback(Fleet::over_ssh());
}

fn killed_rollback(fleet: Fleet) {
    let n = fleet.names.len();
    let cwd = fleet.root().join("work");
    let env = fleet.env_with_restart("prod", ALL_AT_ONCE, "", &faulty_restart());
    fleet.write_config(&cwd, &[env]);
    for v in [V1, V21] {
        assert_eq!(rollout(&cwd, "prod", &release(v)).code, 0);
    }
    for p in &fleet.paths {
        std::fs::write(p.join("slow-restart"), "30").unwrap();
    }
    let mut child = tug(&cwd)
        .args(["rollback", "prod", "--yes"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let start = Instant::now();
    while (0..n).any(|i| fleet.current(i).as_deref() != Some("1.0.0")) {
        assert!(start.elapsed() < Duration::from_secs(60), "never switched");
        std::thread::sleep(Duration::from_millis(50));
    }
    child.kill().unwrap(); // SIGKILL, while every host sleeps in its restart
    child.wait().unwrap();
    for p in &fleet.paths {
        std::fs::remove_file(p.join("slow-restart")).unwrap();
        assert!(
            p.join(".tug/lock").exists(),
            "the dead rollback's lock stays"
        );
    }
    assert!((0..n).all(|i| outcomes(&fleet, i, "rollback") == ["intent"]));

    let status = ok(tug(&cwd).args(["status", "prod"]));
    assert!(
        status.contains("interrupted rollback 2.1.0 -> 1.0.0"),
        "{status}"
    );
    let hist = ok(tug(&cwd).args(["history", "prod", "-n", "1"]));
    assert!(
        hist.contains(&format!(
            "rollback interrupted 2.1.0 -> 1.0.0 on {}",
            fleet.names.join(",")
        )),
        "{hist}"
    );

    let out = run(tug(&cwd).args(["rollback", "prod", "--yes"]));
    assert_eq!(out.code, 0, "{out:?}");
    assert!(
        out.stderr
            .contains("to 1.0.0 (finishing the interrupted rollback"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("took over the lock"), "{}", out.stderr);
    assert_eq!(fleet.currents(), all("1.0.0", n));
    assert_eq!(fleet.served(), serving("1.0.0", n));
    for i in 0..n {
        assert_eq!(
            outcomes(&fleet, i, "rollback"),
            ["intent", "interrupted", "intent", "success"],
            "{}",
            fleet.history(i)
        );
        assert_eq!(outcomes(&fleet, i, "unlock"), ["taken-over"]);
        assert!(!fleet.paths[i].join(".tug/lock").exists());
    }
    let status = ok(tug(&cwd).args(["status", "prod"]));
    assert!(!status.contains("interrupted"), "{status}");
    // --json shapes a script can use.
    let json = ok(tug(&cwd).args(["--json", "status", "prod"]));
    let event: serde_json::Value = json
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .find(|e| e.get("hosts").is_some() || e["data"].get("hosts").is_some())
        .expect("a status event");
    let hosts = event.get("hosts").unwrap_or(&event["data"]["hosts"]);
    assert_eq!(hosts[0]["reachable"], true, "{json}");
    assert_eq!(hosts[0]["health"]["state"], "healthy", "{json}");
}

/// `tug rollback --yes` takes every host's lock in the same round trip as its state read. A
/// lock held on one host (by a live tug elsewhere) stops it before any host switches: exit 5
/// naming the holder, every host still on its release, the locks taken on the others released,
/// the holder's lock untouched. A plan that fails after the locks were taken (a `--to` release
/// the hosts do not have) releases them too.
#[test]
fn a_lock_held_on_one_host_stops_a_rollback_under_yes_before_any_switch() {
    lock_held_on_one_host(Fleet::local(3));
}

/// The same over ssh, where the lock and the state read are one script.
#[test]
fn a_lock_held_on_one_host_stops_a_rollback_over_ssh_too() {
    lock_held_on_one_host(Fleet::over_ssh());
}

fn lock_held_on_one_host(fleet: Fleet) {
    let n = fleet.names.len();
    let cwd = fleet.root().join("work");
    let env = fleet.env("prod", ALL_AT_ONCE, "");
    fleet.write_config(&cwd, &[env]);
    for v in [V1, V21] {
        assert_eq!(rollout(&cwd, "prod", &release(v)).code, 0);
    }
    let held = r#"{"id":"20260101T000000Z-4242","owner":"alice","host":"elsewhere","pid":4242,"operation":"rollout","started":"2026-01-01T00:00:00Z","expires":"2999-01-01T00:00:00Z"}"#;
    let lock = fleet.paths[n - 1].join(".tug/lock");
    std::fs::write(&lock, format!("{held}\n")).unwrap();
    let before: Vec<usize> = (0..n).map(|i| fleet.history_lines(i).len()).collect();

    let out = run(tug(&cwd).args(["rollback", "prod", "--yes"]));
    assert_eq!(out.code, 5, "{out:?}");
    assert!(out.stderr.contains("alice"), "{}", out.stderr);
    assert_eq!(fleet.currents(), all("2.1.0", n), "no host switched");
    assert_eq!(fleet.served(), serving("2.1.0", n), "no host restarted");
    for i in 0..n - 1 {
        assert!(
            !fleet.paths[i].join(".tug/lock").exists(),
            "h{}: the lock taken is released",
            i + 1
        );
    }
    assert_eq!(std::fs::read_to_string(&lock).unwrap(), format!("{held}\n"));
    let after: Vec<usize> = (0..n).map(|i| fleet.history_lines(i).len()).collect();
    assert_eq!(before, after, "no host has a rollback record");

    // Locks taken, then the plan fails: released, nothing changed.
    std::fs::remove_file(&lock).unwrap();
    let out = run(tug(&cwd).args(["rollback", "prod", "--to", "9.9.9", "--yes"]));
    assert_ne!(out.code, 0, "{out:?}");
    assert!(
        out.stderr.contains("9.9.9 is not on the host"),
        "{}",
        out.stderr
    );
    assert_eq!(fleet.currents(), all("2.1.0", n));
    assert!(fleet.paths.iter().all(|p| !p.join(".tug/lock").exists()));

    // And with the fleet free, the same command rolls back.
    let out = run(tug(&cwd).args(["rollback", "prod", "--yes"]));
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(fleet.currents(), all("1.0.0", n));
    assert!(fleet.paths.iter().all(|p| !p.join(".tug/lock").exists()));
    assert!((0..n).all(|i| outcomes(&fleet, i, "rollback") == ["intent", "success"]));
}

/// Replace a file under a host's directory by another one (a new inode, as an attacker or a
/// careless hand would; a running binary cannot be written in place).
/// The new contents have the old size: only a digest tells them apart.
fn replace(path: &std::path::Path, contents: &[u8]) {
    let tmp = path.with_extension("replaced");
    let size = std::fs::metadata(path).unwrap().len() as usize;
    let mut padded = contents.to_vec();
    padded.resize(size.max(contents.len()), b'#');
    std::fs::write(&tmp, padded).unwrap();
    std::fs::rename(&tmp, path).unwrap();
}

/// Host-side integrity over ssh: a binary replaced in an unpacked release is found by
/// `status --verify`, stops a rollback to that release on that host (exit 7 naming the file,
/// the host stays where it was), and a staged copy that was changed is uploaded again.
#[test]
fn a_modified_release_on_a_host_is_found_before_it_runs() {
    let fleet = Fleet::over_ssh();
    let n = fleet.names.len();
    let cwd = fleet.root().join("work");
    fleet.write_config(&cwd, &[fleet.env("prod", ALL_AT_ONCE, "")]);
    for v in [V1, V21] {
        assert_eq!(rollout(&cwd, "prod", &release(v)).code, 0);
    }
    let record: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(fleet.paths[0].join("releases/2.1.0/release.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(
        record["files"]["demo"], record["sha256"],
        "every file's digest is recorded: {record}"
    );
    replace(
        &fleet.paths[0].join("releases/1.0.0/demo"),
        b"#!/bin/sh\necho evil\n",
    );
    replace(
        &fleet.paths[1].join("releases/2.1.0/demo"),
        b"#!/bin/sh\necho evil\n",
    );

    let status = run(tug(&cwd).args(["status", "prod", "--verify"]));
    assert_eq!(status.code, 1, "{status:?}");
    let h2 = status
        .stdout
        .lines()
        .find(|l| l.starts_with("h2 "))
        .unwrap();
    assert!(
        h2.contains("MODIFIED: releases/2.1.0/demo: sha256"),
        "{}",
        status.stdout
    );
    assert!(
        status
            .stderr
            .contains("the current release was modified on h2"),
        "{status:?}"
    );

    let out = run(tug(&cwd).args(["rollback", "prod", "--yes"]));
    assert_eq!(out.code, 7, "{out:?}");
    assert!(
        out.stderr
            .contains("h1: current -> 2.1.0: releases/1.0.0/demo: sha256"),
        "{}",
        out.stderr
    );
    assert_eq!(
        fleet.current(0).as_deref(),
        Some("2.1.0"),
        "h1 did not switch"
    );
    assert!((1..n).all(|i| fleet.current(i).as_deref() == Some("1.0.0")));

    // 2.1.0 again (it was rolled back: --force): h2's changed copy is uploaded again.
    let out = run(tug(&cwd)
        .args(["rollout", "prod", "--force", "--dist"])
        .arg(release(V21)));
    assert_eq!(out.code, 0, "{out:?}");
    assert!(
        out.stderr
            .contains("h2: the release on the host was modified (releases/2.1.0/demo: sha256"),
        "{}",
        out.stderr
    );
    assert_eq!(fleet.currents(), all("2.1.0", n));
    assert_eq!(fleet.served(), serving("2.1.0", n));
    let (sha, _) = tug::fsutil::sha256_file(&fleet.paths[1].join("releases/2.1.0/demo")).unwrap();
    assert_eq!(serde_json::Value::from(sha), record["sha256"]);
}

/// `--skip-unreachable` records the environment's target on the hosts it rolled back; once the
/// straggler answers, the next `tug rollback` moves only it, to that same release, and the record
/// is removed.
#[test]
fn the_next_rollback_moves_only_the_stragglers_to_the_recorded_target() {
    let fleet = Fleet::over_ssh();
    let n = fleet.names.len();
    let last = n - 1;
    let cwd = fleet.root().join("work");
    let env = fleet.env("prod", ALL_AT_ONCE, "");
    fleet.write_config(&cwd, std::slice::from_ref(&env));
    for v in [V1, V13, V21] {
        assert_eq!(rollout(&cwd, "prod", &release(v)).code, 0);
    }
    // The last host stops answering (its entry points at a port nobody listens on).
    let port = fleet.ssh.as_ref().unwrap().0[last];
    let dead = free_port("127.0.0.1");
    let cut = env.replacen(&format!("port: {port},"), &format!("port: {dead},"), 1);
    assert_ne!(cut, env);
    fleet.write_config(&cwd, &[cut]);
    let out = run(tug(&cwd).args([
        "rollback",
        "prod",
        "--yes",
        "--skip-unreachable",
        "--to",
        "1.0.0",
    ]));
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stderr.contains("to 1.0.0 (--to)"), "{}", out.stderr);
    for i in 0..last {
        assert_eq!(fleet.current(i).as_deref(), Some("1.0.0"));
        let pending = std::fs::read_to_string(fleet.paths[i].join(".tug/rollback.json")).unwrap();
        assert!(
            pending.contains("\"target\":\"1.0.0\"") && pending.contains(&fleet.names[last]),
            "{pending}"
        );
    }
    assert_eq!(fleet.current(last).as_deref(), Some("2.1.0"));
    let status = run(tug(&cwd).args(["status", "prod"]));
    assert!(status.stdout.contains("moves them to 1.0.0"), "{status:?}");

    // It answers again. Without the record, the newest release that ran healthy everywhere
    // (1.3.0) would be chosen, moving the hosts already rolled back forward again; with it, only
    // the straggler moves, to 1.0.0.
    fleet.write_config(&cwd, &[env]);
    let out = run(tug(&cwd).args(["rollback", "prod", "--yes"]));
    assert_eq!(out.code, 0, "{out:?}");
    assert!(
        out.stderr.contains(&format!(
            "Rolled back 1 host(s) to 1.0.0, {last} already on 1.0.0"
        )),
        "{}",
        out.stderr
    );
    assert_eq!(fleet.currents(), all("1.0.0", n));
    assert_eq!(fleet.served(), serving("1.0.0", n));
    assert!(fleet
        .paths
        .iter()
        .all(|p| !p.join(".tug/rollback.json").exists()));
}

/// Analysis against the real Prometheus: a query returning several series is an error naming
/// their label sets, and a query Prometheus rejects shows Prometheus's own message (the analysis
/// could not run); a measurement with fewer `samples` than `min_samples` is inconclusive. Each
/// pauses the rollout (exit 6) and nothing is marked bad.
#[test]
fn analysis_errors_name_the_series_and_show_the_servers_message() {
    let prom = crate::harness::prometheus::prometheus();
    let fleet = Fleet::local(2);
    let cwd = fleet.root().join("work");
    let analysis = |query: &str, extra: &str| {
        format!(
            "    analyses:\n      a:\n        prometheus: {}\n        query: '{query}'\n        failure:\n          - condition: result > 100\n{extra}",
            prom.url
        )
    };
    let canary = "      type: canary\n      steps:\n        - hosts: 1\n        - analysis: a\n";
    let thin = "        samples: 'vector(3)'\n        min_samples: 10\n";
    for (query, extra, expected) in [
        (
            r#"vector(1) or label_replace(vector(2), "x", "y", "", "")"#,
            "",
            r#"analysis a could not run: query vector(1) or label_replace(vector(2), "x", "y", "", ""): returned 2 series, not one number: {}, {x="y"}"#,
        ),
        ("sum(", "", "analysis a could not run: prometheus"),
        ("sum(", "", "parse error"),
        // Too little traffic: inconclusive, whatever the conditions say.
        ("vector(1)", thin, "analysis a inconclusive: 1 of 1 measurements inconclusive: only 3 samples, min_samples is 10"),
    ] {
        fleet.write_config(&cwd, &[fleet.env("prod", canary, &analysis(query, extra))]);
        let out = rollout(&cwd, "prod", &release(V1));
        assert_eq!(out.code, 6, "{out:?}");
        assert!(out.stderr.contains(expected), "{expected}\n{}", out.stderr);
        assert!(!out.stderr.contains("%28"), "not the URL-encoded query: {}", out.stderr);
        let out = run(tug(&cwd).args(["rollout", "abort", "prod"]));
        assert_eq!(out.code, 0, "{out:?}");
        assert_eq!(fleet.currents(), all("none", 2));
        assert!(fleet.bad(0, "1.0.0").is_none());
    }
}

/// `tug rollout abort` whose switch back fails does not say "reverted": exit 7 naming the host.
#[test]
fn an_abort_that_cannot_switch_a_host_back_exits_7() {
    let fleet = Fleet::local(2);
    let cwd = fleet.root().join("work");
    let canary = "      type: canary\n      steps:\n        - hosts: 1\n        - pause: manual\n";
    fleet.write_config(
        &cwd,
        &[
            fleet.env_with_restart("init", ALL_AT_ONCE, "", &faulty_restart()),
            fleet.env_with_restart("prod", canary, "", &faulty_restart()),
        ],
    );
    assert_eq!(rollout(&cwd, "init", &release(V1)).code, 0);
    let out = rollout(&cwd, "prod", &release(V13));
    assert_eq!(out.code, 6, "{out:?}");
    assert_eq!(fleet.currents(), ["1.3.0", "1.0.0"]);
    std::fs::write(fleet.paths[0].join("fail-restart"), "1.0.0").unwrap();

    let out = run(tug(&cwd).args(["rollout", "abort", "prod", "--reason", "changed my mind"]));
    assert_eq!(out.code, 7, "{out:?}");
    assert!(
        out.stderr
            .contains("h1: current -> 1.0.0: injected restart failure"),
        "{}",
        out.stderr
    );
    assert!(!out.stderr.contains("Aborted"), "{}", out.stderr);
    assert_eq!(outcomes(&fleet, 0, "revert"), ["intent", "failed"]);
    assert!(fleet.history(0).contains("changed my mind"));
    assert!(fleet
        .paths
        .iter()
        .all(|p| !p.join(".tug/lock").exists() && !p.join(".tug/rollout.json").exists()));
    assert!(
        (0..2).all(|i| fleet.bad(i, "1.3.0").is_none()),
        "an abort is no bad mark"
    );
}

/// A host that stops taking operations in the middle of a revert: h2's restart of 1.3.0 makes
/// its whole directory unwritable for the ssh user (after the switch, before the revert), so the
/// revert cannot write its intent nor move `current`. Exit 7 naming h2 with the release it still
/// runs; the other hosts are back on 1.0.0 on disk, with their revert recorded.
#[test]
fn a_host_lost_in_the_middle_of_a_revert_exits_7_and_the_others_are_back() {
    let fleet = Fleet::over_ssh();
    let cwd = fleet.root().join("work");
    let freeze = format!(
        "{}\nif [ -f freeze ] && [ \"$TUG_VERSION\" = \"$(cat freeze)\" ]; then rm -f freeze; chmod -R a-w .; fi",
        faulty_restart()
    );
    let env = fleet.env_with_restart("prod", ALL_AT_ONCE, "", &freeze);
    fleet.write_config(&cwd, &[env]);
    let out = rollout(&cwd, "prod", &release(V1));
    assert_eq!(out.code, 0, "{out:?}");
    let n = fleet.names.len();
    std::fs::write(fleet.paths[1].join("freeze"), "1.3.0").unwrap();

    let out = rollout(&cwd, "prod", &release(V13_UNHEALTHY));
    // Root (the test) gives the directory back, so the fleet can be cleaned up and read.
    let _ = std::process::Command::new("chmod")
        .args(["-R", "u+w"])
        .arg(&fleet.paths[1])
        .status();
    assert_eq!(out.code, 7, "{out:?}");
    assert!(
        out.stderr
            .contains("was not fully reverted: the environment is mixed")
            && out.stderr.contains("h2: current -> 1.3.0: "),
        "{}",
        out.stderr
    );
    let mut expected = all("1.0.0", n);
    expected[1] = "1.3.0".into();
    assert_eq!(
        fleet.currents(),
        expected,
        "h2 is still on 1.3.0, the others are back"
    );
    for i in (0..n).filter(|&i| i != 1) {
        assert_eq!(
            outcomes(&fleet, i, "revert"),
            ["intent", "reverted"],
            "h{}",
            i + 1
        );
        assert!(!fleet.paths[i].join(".tug/lock").exists());
    }
    // h2 could take no line: its last record is the rollout's intent, its lock is still there.
    assert!(outcomes(&fleet, 1, "revert").is_empty());
    assert!(fleet.paths[1].join(".tug/lock").exists());
    let status = run(tug(&cwd).args(["status", "prod"]));
    assert!(status.stdout.contains("h2"), "{status:?}");
}
