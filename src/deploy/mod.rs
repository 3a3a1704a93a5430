//! The deploy engine: rollout, rollback, status, history and locking for an environment's hosts.
//!
//! It never prints: it reports progress as [`Event`]s through a callback and returns typed results
//! and errors that `commands/` turn into output and exit codes. Hosts are reached through the
//! [`target::Host`] trait (a directory, or ssh); all state lives on the hosts themselves
//! ([`hoststate`]), so any machine with the same tug.yaml sees, continues or undoes a rollout.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::config::deploy::{host_name, EnvironmentConfig, TargetKind};

mod activate;
pub mod analysis;
mod confirm;
pub mod confirm_timer;
mod continuation;
pub mod engine;
pub mod health;
pub mod hostop;
pub mod hoststate;
pub mod integrity;
mod lifecycle;
mod lock;
pub mod ops;
mod plan;
mod preflight;
mod revert;
mod rollback;
mod routing;
mod slots;
pub mod ssh_mux;
mod status;
mod steps;
pub mod target;
pub mod traffic;
pub mod verify;

pub use engine::Deployer;
use hoststate::{LockRecord, RolloutState};
pub use lifecycle::{RolloutEvent, RolloutEventKind, StepRef, Trigger};
use target::{Host, HostError, LocalHost, SshHost};

/// Progress reported by the engine while it works.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Event {
    /// A phase of the operation starts (`preflight`, `step 2/4: deploy to web2, web3`).
    Phase { message: String },
    /// Something happened on one host.
    Host { host: String, message: String },
    /// Something worth a warning that does not stop the operation.
    Warning { message: String },
    /// A milestone of a rollout (started, step passed, paused, rolled back...), typed for
    /// listeners such as the `notify:` webhooks.
    Rollout(Box<RolloutEvent>),
}

/// Everything that stops a deploy operation.
#[derive(Debug, thiserror::Error)]
pub enum DeployError {
    #[error("{0}")]
    Config(String),
    #[error(transparent)]
    Verify(#[from] verify::VerifyError),
    #[error(transparent)]
    Host(#[from] HostError),
    #[error("{host}: the environment is locked by {}", holder.describe())]
    LockHeld {
        host: String,
        holder: Box<LockRecord>,
        stale: bool,
    },
    #[error("an unfinished rollout of {} ({}) is on the hosts: {}", state.version, state.id, unfinished_why(state, *interrupted))]
    Unfinished {
        state: Box<RolloutState>,
        interrupted: bool,
    },
    #[error("preflight failed:\n  {}", .0.join("\n  "))]
    Preflight(Vec<String>),
    #[error("no unfinished rollout on the hosts of {0}")]
    NoRollout(String),
    #[error("{0}")]
    Failed(String),
    /// The release failed in this environment before; rolling it out again needs `--force`.
    #[error("release {version} is marked bad in this environment (on {host}, by {} at {}): {}", mark.actor, mark.time, mark.reason)]
    MarkedBad {
        version: String,
        host: String,
        mark: hoststate::BadMark,
    },
    /// An operation on one host failed (its cause kept).
    #[error("{host}: cannot {doing}")]
    HostOp {
        host: String,
        doing: &'static str,
        #[source]
        source: hostop::HostOpError,
    },
    /// The environment's `public_key` file cannot be read.
    #[error("public_key {}: cannot read it", path.display())]
    PublicKey {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The files of the release to upload could not be listed.
    #[error("cannot list the files of {artifact}")]
    Integrity {
        artifact: String,
        #[source]
        source: std::io::Error,
    },
    /// Templates of the environment use `{{ env.NAME }}` variables this run does not have:
    /// (field, NAME) pairs. Found before any host is touched.
    #[error("{}", env_unset_message(.0))]
    EnvUnset(Vec<(String, String)>),
    /// The environment requires a provenance (`require_provenance: true`) and the release's
    /// breaks these rules. Found before any host is touched.
    #[error("release {version} is refused by its provenance (nothing was touched):\n  {}", violations.iter().map(|v| v.to_string()).collect::<Vec<_>>().join("\n  "))]
    Provenance {
        version: String,
        violations: Vec<crate::attest::Violation>,
    },
    /// The release's provenance could not be read.
    #[error("cannot check the provenance of the release")]
    Attest(#[source] crate::attest::AttestError),
    /// A revert or rollback failed on some hosts: the environment runs a mix of releases.
    #[error("{what}, and was not fully reverted: the environment is mixed:\n  {}", hosts.iter().map(MixedHost::describe).collect::<Vec<_>>().join("\n  "))]
    NotReverted { what: String, hosts: Vec<MixedHost> },
    /// The traffic router did not take a change (what tug was doing, and the router's error).
    #[error("{doing}")]
    Traffic {
        doing: String,
        #[source]
        source: traffic::TrafficError,
    },
}

/// A host left on another release than planned, and why.
#[derive(Debug, Clone, Serialize)]
pub struct MixedHost {
    pub host: String,
    /// What its `current` leads to now, as far as tug could read it.
    pub running: Option<String>,
    pub error: String,
}

impl MixedHost {
    /// `h2: current -> 2.0.0: restart command exited 1` (what its `current` link leads to; the
    /// process serving may be another one, since what failed is what should have restarted it).
    pub fn describe(&self) -> String {
        format!(
            "{}: current -> {}: {}",
            self.host,
            self.running
                .as_deref()
                .unwrap_or("no release (or it cannot be read)"),
            self.error
        )
    }
}

/// A [`DeployError`] with the environment it happened in, which its hint names. Converts into
/// `crate::Error` with `?`, keeping the engine error and its causes as the cause chain.
#[derive(Debug)]
pub struct EnvError {
    pub environment: String,
    pub error: DeployError,
}

impl DeployError {
    /// This error, in environment `env`.
    pub fn in_env(self, env: &str) -> EnvError {
        EnvError {
            environment: env.to_string(),
            error: self,
        }
    }
}

impl std::fmt::Display for EnvError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Display::fmt(&self.error, f)
    }
}

impl std::error::Error for EnvError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        std::error::Error::source(&self.error)
    }
}

impl crate::error::Diagnostic for EnvError {
    fn exit_code(&self) -> crate::ExitCode {
        self.error.exit_code()
    }
    fn hint(&self) -> Option<String> {
        self.error.hint(&self.environment)
    }
}

fn unfinished_why(state: &RolloutState, interrupted: bool) -> String {
    match (state.status, interrupted) {
        (hoststate::RolloutStatus::Paused, _) => {
            format!(
                "paused ({})",
                state
                    .paused_reason
                    .as_deref()
                    .unwrap_or("waiting for a human")
            )
        }
        (_, true) => format!(
            "interrupted at step {}/{} (started by {} at {}; its process is gone)",
            state.next_step + 1,
            state.steps.len(),
            state.started_by,
            state.started_at
        ),
        (_, false) => format!(
            "running (started by {} at {})",
            state.started_by, state.started_at
        ),
    }
}

fn env_unset_message(refs: &[(String, String)]) -> String {
    let lines: Vec<String> = refs
        .iter()
        .map(|(field, var)| format!("`{field}` uses {{{{ env.{var} }}}}, which is not set"))
        .collect();
    format!(
        "templates use environment variables this run does not have (nothing was touched):\n  {}",
        lines.join("\n  ")
    )
}

impl DeployError {
    /// How a person fixes it.
    pub fn hint(&self, env: &str) -> Option<String> {
        match self {
            DeployError::Verify(v) => v.hint(),
            DeployError::LockHeld { stale: true, .. } => Some(format!(
                "the holder looks gone; if you are sure, `tug unlock {env} --force --reason TEXT`"
            )),
            DeployError::LockHeld { .. } => Some(format!("wait for it, or see `tug status {env}`")),
            DeployError::Provenance { .. } => Some(format!(
                "deploy a release built from a clean, tagged commit as `policy:` asks and signed by `tug sign` with `provenance:` (`tug verify --provenance` shows the same rules); `environments.{env}.require_provenance` asks for it"
            )),
            DeployError::Unfinished { state, interrupted } => Some(match (state.status, interrupted) {
                (hoststate::RolloutStatus::Paused, _) => format!(
                    "continue it with `tug rollout promote {env}`, or roll it back with `tug rollout abort {env}`"
                ),
                (_, true) => format!(
                    "resume it with `tug rollout resume {env}`, or roll it back with `tug rollout abort {env}`"
                ),
                (_, false) => format!("wait for it, or see `tug status {env}`"),
            }),
            DeployError::Host(HostError::HostKey { .. }) => Some(
                "check the host's key out of band, then fix known_hosts (ssh-keygen -R HOST; ssh-keyscan)".into(),
            ),
            DeployError::NoRollout(_) => Some(format!("start one with `tug rollout {env}`")),
            DeployError::EnvUnset(refs) => {
                let mut vars: Vec<&str> = refs.iter().map(|(_, v)| v.as_str()).collect();
                vars.dedup();
                Some(format!(
                    "set {} in the environment of this command, or remove it from the template; `tug check` lists these",
                    vars.join(", ")
                ))
            }
            DeployError::Traffic { source, .. } => source.hint(),
            DeployError::MarkedBad { .. } => Some(
                "release a fixed version, or pass --force to roll this one out anyway (the mark is cleared once it runs healthy)".into(),
            ),
            DeployError::NotReverted { .. } => Some(format!(
                "`tug status {env}` marks these hosts; fix them, then `tug rollback {env} --to VERSION`"
            )),
            DeployError::Host(HostError::Connect { .. }) => Some(format!(
                "`tug status {env}` shows which hosts answer; `tug rollback {env} --skip-unreachable` rolls back the others"
            )),
            _ => None,
        }
    }

    /// The documented exit code.
    pub fn exit_code(&self) -> crate::ExitCode {
        use crate::ExitCode;
        match self {
            DeployError::Config(_) | DeployError::PublicKey { .. } | DeployError::EnvUnset(_) => {
                ExitCode::Usage
            }
            DeployError::LockHeld { .. } => ExitCode::LockHeld,
            DeployError::NotReverted { .. } => ExitCode::Mixed,
            // Held by a live process, or paused (waiting for a human by design).
            DeployError::Unfinished { state, interrupted } => {
                if !interrupted || state.status == hoststate::RolloutStatus::Paused {
                    ExitCode::LockHeld
                } else {
                    ExitCode::Failure
                }
            }
            _ => ExitCode::Failure,
        }
    }
}

/// Who runs tug: recorded in locks and history.
#[derive(Debug, Clone)]
pub struct Actor {
    pub user: String,
    pub machine: String,
    pub pid: u32,
}

impl Actor {
    /// Who runs this process: `$USER` (or `$LOGNAME`) from the environment of the run, else the
    /// name of the process's uid in the password database (CI jobs often have no `$USER`).
    pub fn current(env: &crate::config::env::EnvSnapshot) -> Actor {
        let uid = nix::unistd::getuid();
        let user = env
            .non_empty("USER")
            .or_else(|| env.non_empty("LOGNAME"))
            .map(str::to_string)
            .or_else(|| {
                nix::unistd::User::from_uid(uid)
                    .ok()
                    .flatten()
                    .map(|u| u.name)
                    .filter(|n| !n.is_empty())
            })
            .unwrap_or_else(|| format!("uid{uid}"));
        Actor {
            user,
            machine: machine_name(),
            pid: std::process::id(),
        }
    }

    /// `user@machine`.
    pub fn id(&self) -> String {
        format!("{}@{}", self.user, self.machine)
    }
}

/// This machine's host name (`localhost` if it cannot be read).
pub fn machine_name() -> String {
    nix::unistd::gethostname()
        .ok()
        .and_then(|h| h.into_string().ok())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "localhost".into())
}

/// Render a deploy template strictly through the shared environment (an unknown variable is an
/// error naming the field).
pub fn render(field: &str, template: &str, ctx: impl Serialize) -> Result<String, String> {
    crate::template::environment()
        .render_str(template, ctx)
        .map_err(|e| format!("{field}: {e}"))
}

/// A configured environment with its hosts ready to use.
pub struct Environment {
    pub name: String,
    pub config: EnvironmentConfig,
    pub hosts: Vec<Box<dyn Host>>,
    pub vars: Vec<BTreeMap<String, String>>,
    /// The traffic router in front of the hosts (`traffic:`), if any.
    pub router: Option<traffic::Router>,
    base_dir: PathBuf,
}

impl Environment {
    /// Build the hosts from the config; relative paths are relative to `base_dir` (tug.yaml's).
    /// `temp_dir` (this run's `TMPDIR`) holds the ssh ControlMaster sockets.
    pub fn new(
        name: &str,
        config: EnvironmentConfig,
        base_dir: &Path,
        temp_dir: &Path,
    ) -> Result<Environment, DeployError> {
        let control_dir = target::control_dir(temp_dir);
        let rel = |p: &str| -> PathBuf {
            let p = PathBuf::from(p);
            if p.is_absolute() {
                p
            } else {
                base_dir.join(p)
            }
        };
        let mut hosts: Vec<Box<dyn Host>> = Vec::new();
        let mut vars = Vec::new();
        for h in &config.target.hosts {
            let hname = host_name(h);
            match config.target.kind {
                TargetKind::Local => hosts.push(Box::new(LocalHost {
                    name: hname,
                    address: h.address.clone().unwrap_or_else(|| "127.0.0.1".into()),
                    root: rel(&h.path).display().to_string(),
                })),
                TargetKind::Ssh => {
                    let Some(addr) = h.address.clone() else {
                        return Err(DeployError::Config(format!(
                            "ssh host {hname:?} has no address"
                        )));
                    };
                    hosts.push(Box::new(SshHost::new(
                        hname,
                        addr,
                        h.user.clone(),
                        h.port,
                        h.path.clone(),
                        config.target.ssh_config.as_deref().map(rel),
                        config.target.known_hosts.as_deref().map(rel),
                        config.target.identity_file.as_deref().map(rel),
                        control_dir.clone(),
                    )))
                }
            }
            vars.push(h.vars.clone());
        }
        if hosts.is_empty() {
            return Err(DeployError::Config(format!(
                "environment {name:?} has no hosts"
            )));
        }
        let router = traffic::Router::new(&config, base_dir)
            .map_err(|e| DeployError::Config(format!("environment {name:?}: {e}")))?;
        Ok(Environment {
            name: name.to_string(),
            config,
            hosts,
            vars,
            router,
            base_dir: base_dir.to_path_buf(),
        })
    }

    /// The public key PEM: inline text or a file relative to tug.yaml.
    pub fn public_key_pem(&self) -> Result<Option<String>, DeployError> {
        match &self.config.public_key {
            None => Ok(None),
            Some(k) if k.trim_start().starts_with("-----BEGIN") => Ok(Some(k.clone())),
            Some(path) => {
                let p = self.base_dir.join(path);
                std::fs::read_to_string(&p)
                    .map(Some)
                    .map_err(|source| DeployError::PublicKey { path: p, source })
            }
        }
    }

    /// tug.yaml's directory, where the environment's relative paths start.
    pub fn base_dir(&self) -> &Path {
        &self.base_dir
    }

    /// The configured release source directory, if any.
    pub fn source_dir(&self) -> Option<PathBuf> {
        self.config.source.as_ref().map(|s| self.base_dir.join(s))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn engine_errors_keep_their_causes_and_name_the_environment_in_the_hint() {
        let err = DeployError::HostOp {
            host: "h1".into(),
            doing: "remove the lock",
            source: hostop::HostOpError::Failed {
                code: 26,
                message: "cannot remove .tug/lock: permission denied".into(),
            },
        };
        let err = anyhow::Error::from(crate::Error::from(err.in_env("prod")));
        let chain: Vec<String> = err.chain().map(|c| c.to_string()).collect();
        assert_eq!(
            chain,
            [
                "h1: cannot remove the lock",
                "cannot remove .tug/lock: permission denied"
            ]
        );
        let held = DeployError::LockHeld {
            host: "h1".into(),
            holder: Box::new(LockRecord {
                id: "x".into(),
                owner: "bob".into(),
                host: "ci".into(),
                pid: 7,
                operation: "rollback".into(),
                started: "t".into(),
                expires: "2000-01-01T00:00:00Z".into(),
            }),
            stale: true,
        };
        let (code, hint) = crate::error::classify(&anyhow::Error::from(crate::Error::from(
            held.in_env("prod"),
        )));
        assert_eq!(code, crate::ExitCode::LockHeld);
        assert!(hint.unwrap().contains("tug unlock prod --force"));
    }
}
