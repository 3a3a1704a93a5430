//! A fleet of hosts for deploy tests: directories on this machine (the `local` target) or behind
//! the shared real sshd servers, each with a port for the demo service, and the tug.yaml blocks
//! that describe them. Shared by the deploy, rollback and environment tests.

use std::path::{Path, PathBuf};

use super::service::{self, free_port, get, stop_services, RESTART};
use super::sshd;
use super::{run, tempdir, tug, Outcome};

/// Hosts of one test: directories (local, or behind the shared sshd servers) and service ports.
pub struct Fleet {
    pub dir: tempfile::TempDir,
    pub names: Vec<String>,
    pub paths: Vec<PathBuf>,
    pub ips: Vec<String>,
    pub ports: Vec<u16>,
    pub ssh: Option<(Vec<u16>, PathBuf)>,
}

impl Drop for Fleet {
    fn drop(&mut self) {
        stop_services(&self.paths);
    }
}

impl Fleet {
    pub fn local(n: usize) -> Fleet {
        let dir = tempdir();
        let names: Vec<String> = (1..=n).map(|i| format!("h{i}")).collect();
        let paths = names
            .iter()
            .map(|h| dir.path().join("hosts").join(h))
            .collect();
        let ports = (0..n).map(|_| free_port("127.0.0.1")).collect();
        Fleet {
            names,
            paths,
            ips: vec!["127.0.0.1".into(); n],
            ports,
            ssh: None,
            dir,
        }
    }

    pub fn over_ssh() -> Fleet {
        let f = sshd::fleet();
        let dir = tempdir();
        let n = f.hosts.len();
        let names: Vec<String> = (1..=n).map(|i| format!("h{i}")).collect();
        let paths: Vec<PathBuf> = names
            .iter()
            .map(|h| dir.path().join("hosts").join(h))
            .collect();
        for p in &paths {
            sshd::give_to_login_user(p);
        }
        let ips: Vec<String> = f.hosts.iter().map(|h| h.ip.clone()).collect();
        let ports = ips.iter().map(|ip| free_port(ip)).collect();
        let ssh_ports = f.hosts.iter().map(|h| h.port).collect();
        Fleet {
            names,
            paths,
            ips,
            ports,
            ssh: Some((ssh_ports, f.ssh_config.clone())),
            dir,
        }
    }

    pub fn root(&self) -> &Path {
        self.dir.path()
    }

    /// The `target:` block.
    pub fn target(&self) -> String {
        let mut out = String::new();
        match &self.ssh {
            Some((_, cfg)) => {
                out += &format!("      type: ssh\n      ssh_config: {}\n", cfg.display())
            }
            None => out += "      type: local\n",
        }
        out += "      hosts:\n";
        for i in 0..self.names.len() {
            let port = self
                .ssh
                .as_ref()
                .map(|(p, _)| format!(", port: {}", p[i]))
                .unwrap_or_default();
            out += &format!(
                "        - {{name: {}, address: {}{port}, path: {}, vars: {{port: \"{}\"}}}}\n",
                self.names[i],
                self.ips[i],
                self.paths[i].display(),
                self.ports[i]
            );
        }
        out
    }

    /// One environment `name` with the given strategy (and extra keys).
    pub fn env(&self, name: &str, strategy: &str, extra: &str) -> String {
        self.env_with_restart(name, strategy, extra, RESTART)
    }

    /// [`Self::env`] with another restart command.
    pub fn env_with_restart(
        &self,
        name: &str,
        strategy: &str,
        extra: &str,
        restart: &str,
    ) -> String {
        let restart = restart
            .lines()
            .map(|l| format!("      {l}\n"))
            .collect::<String>();
        format!(
            "  {name}:\n    target:\n{}    restart: |\n{restart}    health_check:\n      http: \"http://{{{{ address }}}}:{{{{ vars.port }}}}/healthz\"\n      timeout: 2s\n      retries: 40\n      interval: 100ms\n    public_key: {}\n    strategy:\n{strategy}{extra}",
            self.target(),
            service::signing_key().1.display()
        )
    }

    pub fn write_config(&self, dir: &Path, envs: &[String]) {
        std::fs::create_dir_all(dir).unwrap();
        std::fs::write(
            dir.join("tug.yaml"),
            format!("version: 1\nenvironments:\n{}", envs.concat()),
        )
        .unwrap();
    }

    pub fn current(&self, i: usize) -> Option<String> {
        std::fs::read_link(self.paths[i].join("current"))
            .ok()
            .map(|p| p.file_name().unwrap().to_string_lossy().into())
    }

    pub fn currents(&self) -> Vec<String> {
        (0..self.paths.len())
            .map(|i| self.current(i).unwrap_or_else(|| "none".into()))
            .collect()
    }

    /// What each host's service answers (`hello from demo-service X`).
    pub fn served(&self) -> Vec<String> {
        (0..self.paths.len())
            .map(|i| {
                get(&format!("{}:{}", self.ips[i], self.ports[i]), "/")
                    .map(|(_, b)| b.trim().to_string())
                    .unwrap_or_else(|e| format!("down: {e}"))
            })
            .collect()
    }

    /// Whether host `i` marks release `v` bad (`releases/<v>/bad.json`), and why.
    pub fn bad(&self, i: usize, v: &str) -> Option<String> {
        std::fs::read_to_string(self.paths[i].join("releases").join(v).join("bad.json")).ok()
    }

    /// The history lines of host `i`, parsed.
    pub fn history_lines(&self, i: usize) -> Vec<serde_json::Value> {
        self.history(i)
            .lines()
            .map(|l| serde_json::from_str(l).expect("history lines are JSON"))
            .collect()
    }

    /// The history lines of host `i` with this `action`, parsed.
    pub fn history_of(&self, i: usize, action: &str) -> Vec<serde_json::Value> {
        self.history_lines(i)
            .into_iter()
            .filter(|l| l["action"] == action)
            .collect()
    }

    /// Wait until the rollout stored on the first host has finished its first step.
    pub fn wait_for_step_1(&self) {
        self.wait_for_next_step(0, 1);
    }

    /// Wait until the rollout stored on host `i` has `next_step` as its next step.
    pub fn wait_for_next_step(&self, i: usize, next_step: usize) {
        let state = self.paths[i].join(".tug/rollout.json");
        let saved = format!("\"next_step\":{next_step}");
        super::wait_for(
            &format!("step {next_step} next on host {i}"),
            std::time::Duration::from_secs(60),
            || {
                std::fs::read_to_string(&state)
                    .unwrap_or_default()
                    .contains(&saved)
            },
        );
    }

    /// Start a rollout of `dist` and kill it (SIGKILL) once its first step is done: at a
    /// pause that follows it, with the first hosts switched.
    pub fn start_and_kill_at_the_pause(&self, cwd: &Path, dist: &Path) {
        self.start_and_kill_at_step(cwd, dist, 0, 1);
    }

    /// Start a rollout of `dist` to `prod` and kill it (SIGKILL) once host `i` has stored
    /// `next_step` as its next step.
    pub fn start_and_kill_at_step(&self, cwd: &Path, dist: &Path, i: usize, next_step: usize) {
        let mut child = tug(cwd)
            .args(["rollout", "prod", "--dist"])
            .arg(dist)
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        self.wait_for_next_step(i, next_step);
        child.kill().unwrap();
        child.wait().unwrap();
    }

    pub fn history(&self, i: usize) -> String {
        std::fs::read_to_string(self.paths[i].join(".tug/history.jsonl")).unwrap_or_default()
    }
}

pub fn rollout(cwd: &Path, env: &str, dist: &Path) -> Outcome {
    run(tug(cwd).args(["rollout", env, "--dist"]).arg(dist))
}

pub fn all(v: &str, n: usize) -> Vec<String> {
    vec![v.to_string(); n]
}

/// What `n` hosts running version `v` answer on `/`.
pub fn serving(v: &str, n: usize) -> Vec<String> {
    all(&format!("hello from demo-service {v}"), n)
}

pub const ALL_AT_ONCE: &str = "      type: all-at-once\n";
