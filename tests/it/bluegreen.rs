//! The blue-green strategy end to end on local hosts running the real demo service: two slots
//! per host, the idle slot prepared and health-checked on every host before any host switches,
//! the switch one rename (a router told by the `after_switch` hook), the old slot kept warm so
//! that `tug rollback` is a switch without a restart, and a release that fails to become healthy
//! in the idle slot never reaching the live one.

use std::path::{Path, PathBuf};

use crate::harness::service::{self, free_port, get, release, Variant};
use crate::harness::*;

const V1: Variant = Variant::good("1.0.0");
const V2: Variant = Variant::good("2.1.0");
const V3_UNHEALTHY: Variant = Variant {
    version: "3.0.0",
    fail_rate: 0.0,
    latency_ms: 0,
    healthy: false,
};

/// Starts (or restarts) the service of one slot; `{{ vars[slot ~ "_port"] }}` picks the slot's port
/// among the host's vars.
const RESTART: &str = r#"pf={{ slot }}.pid
if [ -f $pf ]; then p=$(cat $pf); kill $p 2>/dev/null; i=0; while kill -0 $p 2>/dev/null && [ $i -lt 100 ]; do sleep 0.05; i=$((i+1)); done; fi
setsid ./slots/{{ slot }}/demo -addr {{ address }}:{{ vars[slot ~ "_port"] }} </dev/null >{{ slot }}.log 2>&1 &
echo $! > $pf
echo restarted >> {{ slot }}.restarts"#;

struct Host {
    path: PathBuf,
    blue: u16,
    green: u16,
}

struct Fleet {
    dir: tempfile::TempDir,
    hosts: Vec<Host>,
}

impl Drop for Fleet {
    fn drop(&mut self) {
        for h in &self.hosts {
            for slot in ["blue", "green"] {
                if let Ok(pid) = std::fs::read_to_string(h.path.join(format!("{slot}.pid"))) {
                    let _ = std::process::Command::new("kill").arg(pid.trim()).status();
                }
            }
        }
    }
}

impl Fleet {
    fn new(n: usize) -> Fleet {
        let dir = tempdir();
        let hosts = (1..=n)
            .map(|i| Host {
                path: dir.path().join(format!("hosts/h{i}")),
                blue: free_port("127.0.0.1"),
                green: free_port("127.0.0.1"),
            })
            .collect();
        Fleet { dir, hosts }
    }

    fn config(&self, slots: &str) -> String {
        let mut hosts = String::new();
        for (i, h) in self.hosts.iter().enumerate() {
            hosts += &format!(
                "        - {{name: h{}, address: 127.0.0.1, path: {}, vars: {{blue_port: \"{}\", green_port: \"{}\"}}}}\n",
                i + 1,
                h.path.display(),
                h.blue,
                h.green
            );
        }
        let restart: String = RESTART.lines().map(|l| format!("      {l}\n")).collect();
        format!(
            "version: 1\nenvironments:\n  prod:\n    target:\n      type: local\n      hosts:\n{hosts}    public_key: {key}\n    restart: |\n{restart}    hooks:\n      after_switch: echo {{{{ vars[slot ~ \"_port\"] }}}} {{{{ vars.color }}}} > live\n    health_check:\n      http: \"http://{{{{ address }}}}:{{{{ vars[slot ~ '_port'] }}}}/healthz\"\n      timeout: 2s\n      retries: 40\n      interval: 100ms\n    strategy:\n      type: blue-green\n      slots:\n{slots}",
            key = service::signing_key().1.display(),
        )
    }

    fn cwd(&self) -> PathBuf {
        self.dir.path().join("work")
    }

    fn write(&self, slots: &str) {
        std::fs::create_dir_all(self.cwd()).unwrap();
        std::fs::write(self.cwd().join("tug.yaml"), self.config(slots)).unwrap();
    }

    fn link(&self, i: usize, name: &str) -> String {
        std::fs::read_link(self.hosts[i].path.join(name))
            .map(|p| p.display().to_string())
            .unwrap_or_else(|_| "none".into())
    }

    /// `current` of every host.
    fn live(&self) -> Vec<String> {
        (0..self.hosts.len())
            .map(|i| self.link(i, "current"))
            .collect()
    }

    /// What the slot's service answers on every host.
    fn served(&self, slot: &str) -> Vec<String> {
        self.hosts
            .iter()
            .map(|h| {
                let port = if slot == "blue" { h.blue } else { h.green };
                get(&format!("127.0.0.1:{port}"), "/")
                    .map(|(_, b)| b.trim().to_string())
                    .unwrap_or_else(|e| format!("down: {e}"))
            })
            .collect()
    }

    /// Every host's `slot` service answers as release `version`.
    fn assert_serves(&self, slot: &str, version: &str) {
        assert_eq!(
            self.served(slot),
            vec![format!("hello from demo-service {version}"); self.hosts.len()],
            "the {slot} slot serves {version} on every host"
        );
    }

    /// The router file the after_switch hook writes: `<port> <color>`.
    fn router(&self) -> Vec<String> {
        self.hosts
            .iter()
            .map(|h| {
                std::fs::read_to_string(h.path.join("live"))
                    .unwrap_or_default()
                    .trim()
                    .to_string()
            })
            .collect()
    }

    fn restarts(&self, slot: &str) -> Vec<usize> {
        self.hosts
            .iter()
            .map(|h| {
                std::fs::read_to_string(h.path.join(format!("{slot}.restarts")))
                    .map(|t| t.lines().count())
                    .unwrap_or(0)
            })
            .collect()
    }
}

fn rollout(cwd: &Path, dist: &Path) -> Outcome {
    run(tug(cwd).args(["rollout", "prod", "--dist"]).arg(dist))
}

const SLOTS: &str = "        blue: {color: blue}\n        green: {color: green}\n";

#[test]
fn blue_green_prepares_switches_and_switches_back_warm() {
    let fleet = Fleet::new(2);
    let cwd = fleet.cwd();

    // A blue-green strategy needs exactly two slots.
    fleet.write("        blue: {color: blue}\n");
    let out = run(tug(&cwd)
        .args(["rollout", "prod", "--dist"])
        .arg(release(V1)));
    assert_eq!(out.code, 2, "{out:?}");
    assert!(
        out.stderr.contains("needs exactly two `slots` (has 1)") && out.stderr.contains("hint:"),
        "{}",
        out.stderr
    );

    fleet.write(SLOTS);
    let out = run(tug(&cwd)
        .args(["rollout", "prod", "--dry-run", "--dist"])
        .arg(release(V1)));
    assert_eq!(out.code, 0, "{out:?}");
    assert!(
        out.stdout.contains("prepare the idle slot")
            || out.stderr.contains("prepare the idle slot"),
        "{out:?}"
    );

    // First release: the blue slot.
    let out = rollout(&cwd, &release(V1));
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(fleet.live(), vec!["slots/blue"; 2]);
    assert_eq!(fleet.link(0, "slots/blue"), "../releases/1.0.0");
    fleet.assert_serves("blue", "1.0.0");
    let router: Vec<String> = fleet
        .hosts
        .iter()
        .map(|h| format!("{} blue", h.blue))
        .collect();
    assert_eq!(fleet.router(), router);

    // Second release: green is prepared and checked on every host, then every host switches.
    let out = rollout(&cwd, &release(V2));
    assert_eq!(out.code, 0, "{out:?}");
    let prepared = out
        .stderr
        .find("prepare the idle slot")
        .expect("prepare step");
    let switched = out
        .stderr
        .find("to the prepared slot")
        .expect("switch step");
    assert!(prepared < switched, "{}", out.stderr);
    assert_eq!(fleet.live(), vec!["slots/green"; 2]);
    fleet.assert_serves("green", "2.1.0");
    // The old slot stays warm.
    fleet.assert_serves("blue", "1.0.0");
    let router: Vec<String> = fleet
        .hosts
        .iter()
        .map(|h| format!("{} green", h.green))
        .collect();
    assert_eq!(fleet.router(), router);
    let status = ok(tug(&cwd).args(["status", "prod"]));
    assert!(
        status.contains("live slot green, standby blue: 1.0.0"),
        "{status}"
    );

    // Rollback: the blue slot still runs 1.0.0, so it is a switch without a restart.
    let blue_restarts = fleet.restarts("blue");
    let out = run(tug(&cwd).args(["rollback", "prod", "--yes", "--reason", "bg test"]));
    assert_eq!(out.code, 0, "{out:?}");
    assert!(
        out.stderr
            .contains("standby slot blue: a switch, no restart"),
        "{}",
        out.stderr
    );
    assert_eq!(fleet.live(), vec!["slots/blue"; 2]);
    assert_eq!(fleet.restarts("blue"), blue_restarts, "no restart");
    fleet.assert_serves("blue", "1.0.0");
    assert!(fleet
        .hosts
        .iter()
        .all(|h| h.path.join("releases/2.1.0/bad.json").exists()));

    // An unhealthy release never goes live: the idle slot fails its health check, no host
    // switches, the live slot serves on without interruption.
    let out = rollout(&cwd, &release(V3_UNHEALTHY));
    assert_eq!(out.code, 4, "{out:?}");
    assert!(
        out.stderr.contains("no host was switched") && out.stderr.contains("status 503"),
        "{}",
        out.stderr
    );
    assert_eq!(fleet.live(), vec!["slots/blue"; 2]);
    fleet.assert_serves("blue", "1.0.0");
    assert!(fleet
        .hosts
        .iter()
        .all(|h| h.path.join("releases/3.0.0/bad.json").exists()
            && !h.path.join(".tug/lock").exists()
            && !h.path.join(".tug/rollout.json").exists()));
    let hist = ok(tug(&cwd).args(["history", "prod"]));
    assert!(
        hist.contains("prepare failed 3.0.0 on h1: health check failed")
            && hist.contains("prepare failed 3.0.0 on h2: health check failed"),
        "{hist}"
    );
    // The failed prepare gave the standby slot its previous release back, warm: the way back
    // was not lost.
    fleet.assert_serves("green", "2.1.0");
    assert!(fleet
        .hosts
        .iter()
        .all(|h| std::fs::read_link(h.path.join("slots/green")).unwrap()
            == Path::new("../releases/2.1.0")));
    let status = ok(tug(&cwd).args(["status", "prod"]));
    assert!(status.contains("standby green: 2.1.0"), "{status}");

    // 2.1.0 is marked bad (it was rolled back): a rollout of it is refused without --force.
    let out = rollout(&cwd, &release(V2));
    assert_eq!(out.code, 1, "{out:?}");
    assert!(out.stderr.contains("marked bad"), "{}", out.stderr);
    // With --force it takes the green slot again; 1.0.0 stays warm in blue.
    let out = run(tug(&cwd)
        .args(["rollout", "prod", "--force", "--dist"])
        .arg(release(V2)));
    assert_eq!(out.code, 0, "{out:?}");
    assert!(fleet
        .hosts
        .iter()
        .all(|h| !h.path.join("releases/2.1.0/bad.json").exists()));
    assert_eq!(fleet.live(), vec!["slots/green"; 2]);
    fleet.assert_serves("green", "2.1.0");
    fleet.assert_serves("blue", "1.0.0");
}
