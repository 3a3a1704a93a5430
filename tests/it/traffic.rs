//! The traffic router end to end: a real HAProxy (Debian's) in front of local hosts running the
//! real demo service, driven by tug through its runtime API. A canary at 5% of the requests
//! (measured through HAProxy), the header route reaching the new release, rollback by traffic
//! first, blue-green switched and rolled back by the router with the old slot warm, no request
//! failing while weights change, and a dead router refused before any host is touched.

use crate::harness::fleet::{self, Fleet, ALL_AT_ONCE};
use crate::harness::haproxy::{Haproxy, Load, BACKEND, CANARY_BACKEND};
use crate::harness::service::{self, free_port, release, Variant};
use crate::harness::*;

const V1: Variant = Variant::good("1.0.0");
const V2: Variant = Variant::good("2.0.0");

fn hello(v: &str) -> String {
    format!("hello from demo-service {v}")
}

/// A fleet of `n` local hosts behind a fresh HAProxy, every server at `weight`.
fn fleet_behind_haproxy(n: usize, weight: u16) -> (Fleet, Haproxy) {
    let fleet = Fleet::local(n);
    let servers: Vec<(String, String, u16)> = (0..n)
        .map(|i| {
            (
                fleet.names[i].clone(),
                format!("127.0.0.1:{}", fleet.ports[i]),
                weight,
            )
        })
        .collect();
    let h = Haproxy::start(&servers);
    (fleet, h)
}

/// The work directory of `fleet` with a tug.yaml of two environments, `seed` (all at once, no
/// router) and `prod` (`strategy`, then `router`'s keys), and every host seeded with 1.0.0.
fn seeded(fleet: &Fleet, strategy: &str, router: &str) -> std::path::PathBuf {
    let cwd = fleet.root().join("work");
    fleet.write_config(
        &cwd,
        &[
            fleet.env("seed", ALL_AT_ONCE, ""),
            fleet.env("prod", strategy, router),
        ],
    );
    let out = fleet::rollout(&cwd, "seed", &release(V1));
    assert_eq!(out.code, 0, "{}", out.stderr);
    cwd
}

/// `tug rollout promote prod` to the end: every host on `v`, on disk and serving.
fn promote_to_the_end(fleet: &Fleet, cwd: &std::path::Path, v: &str) {
    let out = run(tug(cwd).args(["rollout", "promote", "prod"]));
    assert_eq!(out.code, 0, "{}", out.stderr);
    let n = fleet.paths.len();
    assert_eq!(fleet.currents(), fleet::all(v, n));
    assert_eq!(fleet.served(), fleet::serving(v, n), "on disk and serving");
}

/// Each server's current weight in `backend`, in the servers' order.
fn weights(h: &Haproxy, backend: &str) -> Vec<u16> {
    h.weights(backend).values().copied().collect()
}

/// The rollout state stored on host `i`.
fn rollout_state(fleet: &Fleet, i: usize) -> serde_json::Value {
    serde_json::from_str(
        &std::fs::read_to_string(fleet.paths[i].join(".tug/rollout.json")).unwrap(),
    )
    .unwrap()
}

/// Stop `load` and assert that it sent more than `min_sent` requests and none of them failed.
fn assert_none_failed(load: Load, min_sent: usize) {
    let (sent, failures) = load.finish();
    assert!(sent > min_sent, "the load ran ({sent} requests)");
    assert!(
        failures.is_empty(),
        "{} of {sent} requests failed while weights changed: {:?}",
        failures.len(),
        &failures[..failures.len().min(5)]
    );
}

/// The share (percent) of `n` requests through HAProxy answered by `v`; panics on a failure.
fn share(h: &Haproxy, n: usize, canary: bool, v: &str) -> f64 {
    let t = h.tally(n, canary);
    let failed: usize = t
        .iter()
        .filter(|(k, _)| k.starts_with("down"))
        .map(|x| x.1)
        .sum();
    assert_eq!(failed, 0, "requests failed: {t:?}");
    100.0 * *t.get(&hello(v)).unwrap_or(&0) as f64 / n as f64
}

const CANARY: &str = "      type: canary\n      steps:\n        - hosts: 1\n        - traffic: 5%\n        - pause: manual\n        - traffic: 100%\n";

#[test]
fn canary_by_weight_header_route_and_rollback_by_traffic_first() {
    let (fleet, h) = fleet_behind_haproxy(4, 1);
    let cwd = seeded(&fleet, CANARY, &h.yaml(""));
    let d2 = release(V2);
    assert_eq!(share(&h, 200, false, "1.0.0"), 100.0);

    // The plan shows the traffic steps and the weights they set.
    let out = run(tug(&cwd)
        .args(["rollout", "prod", "--dry-run", "--dist"])
        .arg(&d2));
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout
            .contains("2. traffic 5% of requests to the new release (weight 3 on each of 1 new, 19 on each of 3 old)"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout
            .contains("header route: requests with `X-Release-Stage: canary`"),
        "{}",
        out.stdout
    );
    assert_eq!(
        weights(&h, BACKEND),
        [1, 1, 1, 1],
        "a dry run changes nothing"
    );

    // Requests flow the whole time; none may fail while tug drains, switches and weighs.
    let load = h.load();
    let out = fleet::rollout(&cwd, "prod", &d2);
    assert_eq!(out.code, 6, "paused at the manual step: {}", out.stderr);
    assert_eq!(fleet.currents(), ["2.0.0", "1.0.0", "1.0.0", "1.0.0"]);
    let w = h.weights(BACKEND);
    assert_eq!(
        w.values().copied().collect::<Vec<_>>(),
        [3, 19, 19, 19],
        "5% of the requests to h1: {w:?}"
    );
    let s = share(&h, 2000, false, "2.0.0");
    assert!(
        (3.0..=7.0).contains(&s),
        "5% ± 2% to the new release, got {s}%"
    );
    // The header route: every request carrying it reaches the new release.
    assert_eq!(share(&h, 200, true, "2.0.0"), 100.0);
    assert_eq!(h.map_entries(), [format!("canary {CANARY_BACKEND}")]);
    assert_eq!(weights(&h, CANARY_BACKEND), [1, 0, 0, 0]);
    // Recorded: in the rollout state and each host's history.
    let state = rollout_state(&fleet, 2);
    assert_eq!(state["traffic"]["share"], 5);
    assert_eq!(state["traffic"]["weights"]["h1"], 3);
    assert!(
        fleet
            .history(3)
            .contains("send 5% of requests to 2.0.0: h1=3 h2=19 h3=19 h4=19"),
        "{}",
        fleet.history(3)
    );
    // `tug status` shows the router's view.
    let out = run(tug(&cwd).args(["status", "prod"]));
    assert!(
        out.stdout
            .contains("h1 (h1): weight 3 (configured 1), ready"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("header route to the new release: on"),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("rollout share: 5%"), "{}", out.stdout);

    // Abort: the new release out of the traffic at once, then h1 switches back.
    let out = run(tug(&cwd).args(["rollout", "abort", "prod"]));
    assert_eq!(out.code, 0, "{}", out.stderr);
    let first = out
        .stderr
        .find("take 2.0.0 out of the traffic")
        .expect(&out.stderr);
    let revert = out.stderr.find("reverted to 1.0.0").expect(&out.stderr);
    assert!(
        first < revert,
        "traffic first, then the host: {}",
        out.stderr
    );
    assert_eq!(fleet.currents(), fleet::all("1.0.0", 4));
    assert_eq!(share(&h, 400, false, "2.0.0"), 0.0);
    assert_eq!(weights(&h, BACKEND), [1, 1, 1, 1]);
    assert!(h.map_entries().is_empty(), "the header route is gone");
    assert_eq!(share(&h, 100, true, "1.0.0"), 100.0);

    // Again to the end: promote sends 100%, the other hosts follow, weights back to normal.
    let out = fleet::rollout(&cwd, "prod", &d2);
    assert_eq!(out.code, 6, "{}", out.stderr);
    promote_to_the_end(&fleet, &cwd, "2.0.0");
    assert_eq!(weights(&h, BACKEND), [1, 1, 1, 1]);
    assert!(h.map_entries().is_empty());
    assert_none_failed(load, 100);
    assert_eq!(share(&h, 400, false, "2.0.0"), 100.0);

    // `tug rollback`: every host runs 2.0.0, so they switch first; then none of it is served.
    let out = run(tug(&cwd).args(["rollback", "prod", "--yes"]));
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stderr.contains("traffic first: router haproxy"),
        "{}",
        out.stderr
    );
    assert_eq!(fleet.currents(), fleet::all("1.0.0", 4));
    assert_eq!(share(&h, 2000, false, "2.0.0"), 0.0);
}

#[test]
fn a_host_failing_its_health_check_was_drained_and_gets_its_weight_back() {
    let (fleet, h) = fleet_behind_haproxy(2, 1);
    let canary = "      type: canary\n      steps:\n        - hosts: 1\n        - traffic: 50%\n        - hosts: 2\n";
    let cwd = seeded(&fleet, canary, &h.yaml(""));
    let bad = Variant {
        version: "3.0.0",
        fail_rate: 0.0,
        latency_ms: 0,
        healthy: false,
    };
    let out = fleet::rollout(&cwd, "prod", &release(bad));
    assert_eq!(out.code, 4, "{}", out.stderr);
    assert_eq!(fleet.currents(), fleet::all("1.0.0", 2));
    // h1 took no requests while it switched and failed; then its weight came back.
    assert!(
        fleet
            .history(1)
            .contains("drain h1 before the switch: h1=0"),
        "{}",
        fleet.history(1)
    );
    assert_eq!(weights(&h, BACKEND), [1, 1]);
    assert!(h.map_entries().is_empty());
    assert_eq!(share(&h, 200, false, "1.0.0"), 100.0);
}

#[test]
fn a_dead_router_stops_the_rollout_before_any_host_is_touched() {
    let (fleet, h) = fleet_behind_haproxy(2, 1);
    let cwd = seeded(&fleet, CANARY, &h.yaml(""));
    h.stop();
    let _ = std::fs::remove_file(&h.socket);
    let out = fleet::rollout(&cwd, "prod", &release(V2));
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(
        out.stderr.contains(&format!(
            "router haproxy unix:{} backend app: cannot connect",
            h.socket.display()
        )),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("hint: check that the router runs"),
        "{}",
        out.stderr
    );
    assert_eq!(fleet.currents(), fleet::all("1.0.0", 2));
    for p in &fleet.paths {
        assert!(
            !p.join(".tug/rollout.json").exists(),
            "no rollout left behind"
        );
        assert!(!p.join(".tug/lock").exists(), "the lock is released");
    }
    let out = run(tug(&cwd).args(["status", "prod"]));
    assert!(
        out.stdout.contains("cannot read it: router haproxy"),
        "{}",
        out.stdout
    );
}

#[test]
fn traffic_steps_are_checked_where_they_are_written() {
    let dir = tempdir();
    let hosts = "version: 1\nenvironments:\n  prod:\n    target:\n      hosts: [{path: a}, {path: b}]\n    strategy:\n      type: canary\n      steps:\n";
    // (the steps and what follows them, the error at line 10)
    let cases = [
        (
            "        - hosts: 1\n        - traffic: 5%\n",
            "a traffic step needs a router",
        ),
        (
            "        - traffic: 50%\n        - traffic: 120%\n    traffic:\n      type: haproxy\n      socket: unix:x.sock\n      backend: app\n",
            "between 0% and 100%",
        ),
    ];
    for (rest, error) in cases {
        write_files(dir.path(), &[("tug.yaml", &format!("{hosts}{rest}"))]);
        let out = run(tug(dir.path()).args(["status", "prod"]));
        assert_eq!(out.code, 2, "{}", out.stderr);
        assert!(out.stderr.contains("tug.yaml:10:"), "{}", out.stderr);
        assert!(out.stderr.contains(error), "{}", out.stderr);
    }
}

/// Blue-green hosts: both slots are servers of the backend (`h1-blue`, `h1-green`).
struct BlueGreen {
    fleet: Fleet,
    ports: Vec<(u16, u16)>,
}

const BG_RESTART: &str = r#"pf={{ slot }}.pid
if [ -f $pf ]; then p=$(cat $pf); kill $p 2>/dev/null; i=0; while kill -0 $p 2>/dev/null && [ $i -lt 100 ]; do sleep 0.05; i=$((i+1)); done; fi
setsid ./slots/{{ slot }}/demo -addr {{ address }}:{{ vars[slot ~ "_port"] }} </dev/null >{{ slot }}.log 2>&1 &
echo $! > $pf"#;

impl Drop for BlueGreen {
    fn drop(&mut self) {
        for p in &self.fleet.paths {
            for slot in ["blue", "green"] {
                if let Ok(pid) = std::fs::read_to_string(p.join(format!("{slot}.pid"))) {
                    let _ = std::process::Command::new("kill").arg(pid.trim()).status();
                }
            }
        }
    }
}

#[test]
fn blue_green_switches_and_rolls_back_by_traffic_with_the_old_slot_warm() {
    let fleet = Fleet::local(2);
    let ports: Vec<(u16, u16)> = (0..2)
        .map(|_| (free_port("127.0.0.1"), free_port("127.0.0.1")))
        .collect();
    let mut servers = Vec::new();
    for (i, (b, g)) in ports.iter().enumerate() {
        servers.push((format!("h{}-blue", i + 1), format!("127.0.0.1:{b}"), 1));
        servers.push((format!("h{}-green", i + 1), format!("127.0.0.1:{g}"), 1));
    }
    let h = Haproxy::start(&servers);
    let bg = BlueGreen { fleet, ports };
    let fleet = &bg.fleet;
    let mut target = String::from("      type: local\n      hosts:\n");
    for i in 0..2 {
        target += &format!(
            "        - {{name: h{}, path: {}, vars: {{blue_port: \"{}\", green_port: \"{}\"}}}}\n",
            i + 1,
            fleet.paths[i].display(),
            bg.ports[i].0,
            bg.ports[i].1
        );
    }
    let yaml = format!(
        "version: 1\nenvironments:\n  prod:\n    target:\n{target}    restart: |\n{}    health_check:\n      http: \"http://{{{{ address }}}}:{{{{ vars[slot ~ '_port'] }}}}/healthz\"\n      timeout: 2s\n      retries: 40\n      interval: 100ms\n    public_key: {}\n    strategy:\n      type: blue-green\n      slots: {{blue: {{}}, green: {{}}}}\n{}",
        BG_RESTART.lines().map(|l| format!("      {l}\n")).collect::<String>(),
        service::signing_key().1.display(),
        h.yaml("")
    );
    let cwd = fleet.root().join("work");
    write_files(&cwd, &[("tug.yaml", &yaml)]);
    let out = fleet::rollout(&cwd, "prod", &release(V1));
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(
        h.weights(BACKEND),
        [
            ("h1-blue", 1),
            ("h1-green", 0),
            ("h2-blue", 1),
            ("h2-green", 0)
        ]
        .map(|(s, w)| (s.to_string(), w))
        .into()
    );
    assert_eq!(share(&h, 200, false, "1.0.0"), 100.0);

    let load = h.load();
    let out = fleet::rollout(&cwd, "prod", &release(V2));
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stderr.contains("switch every host's traffic to the slot running 2.0.0: h1-blue=0 h1-green=1 h2-blue=0 h2-green=1"), "{}", out.stderr);
    assert_eq!(
        share(&h, 400, false, "2.0.0"),
        100.0,
        "all traffic on green"
    );
    for i in 0..2 {
        let link = std::fs::read_link(fleet.paths[i].join("current")).unwrap();
        assert_eq!(link.to_string_lossy(), "slots/green");
        // The old slot stays warm: blue still serves 1.0.0 on its own port.
        let (_, body) = service::get(&format!("127.0.0.1:{}", bg.ports[i].0), "/").unwrap();
        assert_eq!(body.trim(), hello("1.0.0"));
    }
    // Rollback: the router moves back in one change, then the links.
    let out = run(tug(&cwd).args(["rollback", "prod", "--yes"]));
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stderr
            .contains("2.0.0 out of the traffic first: h1-blue=1 h1-green=0 h2-blue=1 h2-green=0"),
        "{}",
        out.stderr
    );
    assert_none_failed(load, 50);
    assert_eq!(share(&h, 400, false, "1.0.0"), 100.0);
    for i in 0..2 {
        let link = std::fs::read_link(fleet.paths[i].join("current")).unwrap();
        assert_eq!(link.to_string_lossy(), "slots/blue");
        let (_, body) = service::get(&format!("127.0.0.1:{}", bg.ports[i].1), "/").unwrap();
        assert_eq!(
            body.trim(),
            hello("2.0.0"),
            "green stays warm after the rollback"
        );
    }
    assert!(
        fleet.history(0).contains("\"action\":\"traffic\""),
        "{}",
        fleet.history(0)
    );
}

#[test]
fn the_command_router_is_given_each_change() {
    let fleet = Fleet::local(2);
    let steps = "      type: canary\n      steps:\n        - hosts: 1\n        - traffic: 25%\n";
    let router = "    traffic:\n      type: command\n      command: 'echo \"{{ share }} {{ weights }} header={{ header }}\" >> calls.txt'\n      header: {}\n";
    let cwd = seeded(&fleet, steps, router);
    let out = fleet::rollout(&cwd, "prod", &release(V2));
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(fleet.currents(), fleet::all("2.0.0", 2));
    let calls = std::fs::read_to_string(cwd.join("calls.txt")).unwrap();
    // Only what changes is passed; {{ share }} is -1 before the first traffic step.
    assert_eq!(
        calls.lines().collect::<Vec<_>>(),
        [
            "-1 h1=0 header=keep",      // h1 drained before its switch
            "-1  header=on",            // switched: 0% until the traffic step, header route on
            "25 h1=1 h2=3 header=keep", // 25%: 1 against 3
            "25 h2=0 header=keep",      // h2 drained before its switch
            "25 h2=1 header=on",        // both on the new release; the header route follows
            "25  header=off",           // done: the header route goes
        ],
        "{calls}"
    );
}

/// tug killed (SIGKILL) in a timed pause after `traffic: 5%` set the weights: the router and the
/// rollout state on the hosts both hold the 5%, and `tug rollout promote` continues from them:
/// the next share, then 100%, the other hosts, every server's configured weight back, the
/// header route gone, with requests flowing throughout and none failing.
#[test]
fn a_rollout_killed_after_a_traffic_step_continues_from_the_router() {
    // Configured weight 2: what the end of the rollout must give back (not a default of 1).
    let (fleet, h) = fleet_behind_haproxy(4, 2);
    let steps = "      type: canary\n      steps:\n        - hosts: 1\n        - traffic: 5%\n        - pause: 30s\n        - traffic: 50%\n        - pause: manual\n        - traffic: 100%\n";
    let cwd = seeded(&fleet, steps, &h.yaml(""));
    let d2 = release(V2);
    let load = h.load();

    // After the traffic step the state is saved with the pause as the next step: killed in
    // the 30 s pause.
    fleet.start_and_kill_at_step(&cwd, &d2, 3, 2);

    // What the killed rollout left: h1 on 2.0.0, 5% of the requests there, the header route on,
    // and the same recorded on every host's disk.
    assert_eq!(fleet.currents(), ["2.0.0", "1.0.0", "1.0.0", "1.0.0"]);
    assert_eq!(weights(&h, BACKEND), [3, 19, 19, 19]);
    assert_eq!(h.map_entries(), [format!("canary {CANARY_BACKEND}")]);
    for i in 0..4 {
        let state = rollout_state(&fleet, i);
        assert_eq!(state["next_step"], 2, "host {i}: {state}");
        assert_eq!(state["traffic"]["share"], 5, "host {i}: {state}");
        for (server, w) in [("h1", 3), ("h2", 19), ("h3", 19), ("h4", 19)] {
            assert_eq!(state["traffic"]["weights"][server], w, "host {i}: {state}");
        }
        assert!(
            fleet
                .history(i)
                .contains("send 5% of requests to 2.0.0: h1=3 h2=19 h3=19 h4=19"),
            "{}",
            fleet.history(i)
        );
    }
    let s = share(&h, 400, false, "2.0.0");
    assert!((3.0..=7.0).contains(&s), "still 5% ± 2%: {s}%");

    // Promote skips the interrupted pause and goes on from 5%: 50% (one new host at 3 against
    // three old at 1), then the manual pause.
    let out = run(tug(&cwd).args(["rollout", "promote", "prod"]));
    assert_eq!(out.code, 6, "paused at the manual step: {}", out.stderr);
    assert_eq!(fleet.currents(), ["2.0.0", "1.0.0", "1.0.0", "1.0.0"]);
    assert_eq!(weights(&h, BACKEND), [3, 1, 1, 1]);
    let state = rollout_state(&fleet, 0);
    assert_eq!(state["traffic"]["share"], 50, "{state}");
    assert_eq!(state["traffic"]["weights"]["h2"], 1, "{state}");

    // And to the end: 100%, the other hosts switch, every server's configured weight back, the
    // header route gone, the rollout state removed from the hosts.
    promote_to_the_end(&fleet, &cwd, "2.0.0");
    assert_eq!(
        weights(&h, BACKEND),
        [2, 2, 2, 2],
        "the configured weights are back"
    );
    assert!(h.map_entries().is_empty(), "the header route is gone");
    for i in 0..4 {
        assert!(
            !fleet.paths[i].join(".tug/rollout.json").exists(),
            "host {i}: the rollout state is removed at the end"
        );
        assert!(
            fleet.history(i).contains("send 100% of requests to 2.0.0"),
            "{}",
            fleet.history(i)
        );
    }
    assert_none_failed(load, 50);
    assert_eq!(share(&h, 100, false, "2.0.0"), 100.0);
}
