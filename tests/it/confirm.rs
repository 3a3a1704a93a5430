//! Commit confirmed (`confirm_within:`) end to end: a rollout killed with SIGKILL after a host
//! switched leaves the host to its own timer, which switches it back (the `current` link on the
//! host's disk, the process serving, the history line, `tug status`); a resumed rollout reports
//! it and switches the host again; a rollout that confirms in time keeps its hosts after their
//! timers would have fired; an abort disarms a pending timer. Local hosts and real sshd hosts.

use std::path::PathBuf;
use std::time::Duration;

use crate::harness::fleet::{all, rollout, serving, Fleet, ALL_AT_ONCE};
use crate::harness::service::{release, Variant};
use crate::harness::*;

const V1: Variant = Variant::good("1.0.0");
const V21: Variant = Variant::good("2.1.0");
const CONFIRM: &str = "    confirm_within: 2s\n";
/// The first host, then a short pause to be killed in (the timers run meanwhile).
const CANARY: &str = "      type: canary\n      steps:\n        - hosts: 1\n        - pause: 3s\n";

/// 1.0.0 on every host (without `confirm_within`), then the canary with it in tug.yaml, in the
/// returned work directory.
fn on_v1_then_confirmed_canary(fleet: &Fleet) -> PathBuf {
    let cwd = fleet.root().join("work");
    fleet.write_config(&cwd, &[fleet.env("prod", ALL_AT_ONCE, "")]);
    assert_eq!(rollout(&cwd, "prod", &release(V1)).code, 0);
    fleet.write_config(&cwd, &[fleet.env("prod", CANARY, CONFIRM)]);
    cwd
}

/// The whole scenario on one fleet.
fn killed_rollout_goes_back_on_its_own(fleet: Fleet) {
    let n = fleet.paths.len();
    let cwd = fleet.root().join("work");
    // 1.0.0 everywhere, confirmed at the end: still there after its timers would have fired.
    fleet.write_config(&cwd, &[fleet.env("prod", ALL_AT_ONCE, CONFIRM)]);
    let out = rollout(&cwd, "prod", &release(V1));
    assert_eq!(out.code, 0, "{out:?}");
    assert!(fleet
        .paths
        .iter()
        .all(|p| !p.join(".tug/confirm.json").exists()));
    std::thread::sleep(Duration::from_millis(3000));
    assert_eq!(fleet.currents(), all("1.0.0", n));
    assert_eq!(fleet.served(), serving("1.0.0", n));
    assert!(fleet.history_of(0, "self-revert").is_empty());

    // 2.1.0 on the first host, then tug is killed during the pause, before the confirmation.
    fleet.write_config(&cwd, &[fleet.env("prod", CANARY, CONFIRM)]);
    fleet.start_and_kill_at_the_pause(&cwd, &release(V21));
    assert_eq!(fleet.current(0).as_deref(), Some("2.1.0"));
    let status = run(tug(&cwd).args(["status", "prod"]));
    assert!(
        status
            .stdout
            .contains("unconfirmed: switches back to 1.0.0 at"),
        "{status:?}"
    );
    // Its timer switches it back within confirm_within (2 s) and the restart's time.
    wait_for("the self-revert", Duration::from_secs(10), || {
        fleet.current(0).as_deref() == Some("1.0.0")
            && !fleet.history_of(0, "self-revert").is_empty()
            && fleet
                .history_of(0, "self-revert")
                .last()
                .is_some_and(|l| l["outcome"] != "intent")
    });
    assert_eq!(fleet.currents(), all("1.0.0", n));
    wait_for("1.0.0 serving again", Duration::from_secs(10), || {
        fleet.served()[0] == serving("1.0.0", 1)[0]
    });
    let reverts = fleet.history_of(0, "self-revert");
    let last = reverts.last().unwrap();
    assert_eq!(last["outcome"], "reverted", "{reverts:?}");
    assert_eq!(last["from"], "2.1.0");
    assert_eq!(last["to"], "1.0.0");
    assert_eq!(last["reason"], "not confirmed within 2s");
    assert!(!fleet.paths[0].join(".tug/confirm.json").exists());
    let status = run(tug(&cwd).args(["status", "prod"]));
    assert!(
        status
            .stdout
            .contains(": not confirmed within 2s (2.1.0 -> 1.0.0)"),
        "{status:?}"
    );
    assert!(status.stdout.contains("reverted at 20"), "{status:?}");
    let history = run(tug(&cwd).args(["history", "prod"]));
    assert!(
        history
            .stdout
            .contains("self-revert reverted 2.1.0 -> 1.0.0"),
        "{history:?}"
    );

    // Resumed after the deadline: it says what happened and switches the host again; the
    // heartbeat keeps the timers quiet during the 3 s pause (longer than confirm_within), and
    // the end confirms every host, which stays on 2.1.0 after the timers would have fired.
    let out = run(tug(&cwd).args(["rollout", "resume", "prod"]));
    assert_eq!(out.code, 0, "{out:?}");
    assert!(
        out.stderr.contains("h1 went back to 1.0.0 on its own at")
            && out.stderr.contains("not confirmed within 2s"),
        "{}",
        out.stderr
    );
    assert_eq!(fleet.currents(), all("2.1.0", n));
    std::thread::sleep(Duration::from_millis(3000));
    assert_eq!(fleet.currents(), all("2.1.0", n));
    assert_eq!(fleet.served(), serving("2.1.0", n));
    assert_eq!(
        fleet.history_of(0, "self-revert").len(),
        2,
        "intent + outcome only"
    );
    assert!(fleet
        .paths
        .iter()
        .all(|p| !p.join(".tug/confirm.json").exists()));
    let status = run(tug(&cwd).args(["status", "prod"]));
    assert!(!status.stdout.contains("reverted at"), "{status:?}");
}

#[test]
fn local_hosts_go_back_on_their_own_when_tug_is_killed() {
    killed_rollout_goes_back_on_its_own(Fleet::local(2));
}

#[cfg(feature = "test-sshd")]
#[test]
fn ssh_hosts_go_back_on_their_own_when_tug_is_killed() {
    killed_rollout_goes_back_on_its_own(Fleet::over_ssh());
}

/// Resumed before the deadline: the timer of the host switched by the killed run is extended by
/// the resumed run's heartbeat (through a pause longer than confirm_within) and confirmed when
/// the next step starts; nothing goes back, before or after the timers would have fired.
#[test]
fn a_rollout_resumed_in_time_confirms_and_goes_on() {
    let fleet = Fleet::local(2);
    let cwd = on_v1_then_confirmed_canary(&fleet);
    fleet.start_and_kill_at_the_pause(&cwd, &release(V21));
    let out = run(tug(&cwd).args(["rollout", "resume", "prod"]));
    assert_eq!(out.code, 0, "{out:?}");
    assert!(!out.stderr.contains("on its own"), "{}", out.stderr);
    assert!(out.stderr.contains("confirmed 2.1.0"), "{}", out.stderr);
    std::thread::sleep(Duration::from_millis(3000));
    assert_eq!(fleet.currents(), all("2.1.0", 2));
    assert_eq!(fleet.served(), serving("2.1.0", 2));
    assert!(fleet.history_of(0, "self-revert").is_empty());
}

/// A host that goes back while tug still runs (its heartbeat did not reach it: simulated by
/// giving its record another rollout id, which tug's extensions skip, and a past deadline, which
/// its timer acts on): the next confirmation finds it gone, the rollout pauses (exit 6) saying
/// so, and a promote switches it again.
#[test]
fn a_host_gone_back_during_the_run_pauses_the_rollout() {
    let fleet = Fleet::local(2);
    let cwd = on_v1_then_confirmed_canary(&fleet);
    let child = tug(&cwd)
        .args(["rollout", "prod", "--dist"])
        .arg(release(V21))
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let record = fleet.paths[0].join(".tug/confirm.json");
    wait_for("the switch and its timer", Duration::from_secs(60), || {
        record.exists() && fleet.current(0).as_deref() == Some("2.1.0")
    });
    // Under the record's lock, as tug's heartbeat takes it (so neither overwrites the other).
    let lock = fleet.paths[0].join(".tug/confirm.lock");
    wait_for("the record's lock", Duration::from_secs(10), || {
        std::fs::create_dir(&lock).is_ok()
    });
    std::fs::write(lock.join("pid"), format!("{}\n", std::process::id())).unwrap();
    let text = std::fs::read_to_string(&record).unwrap();
    let mut rec: serde_json::Value = serde_json::from_str(&text).unwrap();
    rec["deadline"] = 0.into();
    rec["id"] = "cut-off".into();
    // Written the way tug writes it: deadline first, temp file + rename.
    let rest = serde_json::to_string(&rec).unwrap();
    let rest = rest.split_once(',').unwrap().1.to_string();
    let tmp = record.with_extension("test");
    std::fs::write(&tmp, format!("{{\"deadline\":0,{rest}\n")).unwrap();
    std::fs::rename(&tmp, &record).unwrap();
    std::fs::remove_dir_all(&lock).unwrap();
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(6), "{stderr}");
    assert!(
        stderr.contains("h1 went back to 1.0.0 on its own at") && stderr.contains("promote"),
        "{stderr}"
    );
    assert_eq!(fleet.currents(), all("1.0.0", 2));
    let out = run(tug(&cwd).args(["rollout", "promote", "prod"]));
    assert_eq!(out.code, 0, "{out:?}");
    std::thread::sleep(Duration::from_millis(2500));
    assert_eq!(fleet.currents(), all("2.1.0", 2));
    assert_eq!(fleet.served(), serving("2.1.0", 2));
}

/// `tug rollout abort` of a rollout whose host waits for its confirmation disarms the timer: the
/// record is gone from the host as soon as the host is switched back, and no self-revert happens
/// later. (`tug rollback` refuses while an unfinished rollout is on the hosts, so abort is the
/// way back from a killed rollout; every switch of the engine disarms first.)
#[test]
fn an_abort_disarms_the_pending_timer() {
    let fleet = Fleet::local(2);
    let cwd = on_v1_then_confirmed_canary(&fleet);
    fleet.start_and_kill_at_the_pause(&cwd, &release(V21));
    let record = fleet.paths[0].join(".tug/confirm.json");
    assert!(record.exists());
    let out = run(tug(&cwd).args(["rollout", "abort", "prod", "--reason", "back"]));
    assert_eq!(out.code, 0, "{out:?}");
    assert!(!record.exists(), "the abort left the timer armed");
    assert_eq!(fleet.currents(), all("1.0.0", 2));
    std::thread::sleep(Duration::from_millis(3500));
    assert_eq!(fleet.currents(), all("1.0.0", 2));
    assert!(fleet.history_of(0, "self-revert").is_empty());
    assert_eq!(
        fleet
            .history_of(0, "revert")
            .iter()
            .filter(|l| l["outcome"] == "reverted")
            .count(),
        1
    );
}

/// A bad value is located in tug.yaml, and blue-green (not supported yet) is refused.
#[test]
fn confirm_within_below_a_second_or_with_blue_green_is_refused() {
    let fleet = Fleet::local(1);
    let cwd = fleet.root().join("work");
    let blue_green = "      type: blue-green\n      slots: {blue: {}, green: {}}\n";
    fleet.write_config(
        &cwd,
        &[
            fleet.env("prod", ALL_AT_ONCE, "    confirm_within: 500ms\n"),
            fleet.env("stage", blue_green, CONFIRM),
        ],
    );
    let out = run(tug(&cwd).args(["check"]));
    assert_eq!(out.code, 2, "{out:?}");
    for needle in [
        "`confirm_within` must be at least 1s",
        "|     confirm_within: 500ms\n",
        "^^^^^\n",
        "environment \"stage\": `confirm_within` is not supported with the blue-green strategy yet",
    ] {
        assert!(out.stderr.contains(needle), "{needle}: {}", out.stderr);
    }
}
