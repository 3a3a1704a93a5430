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
mod continuation;
pub mod engine;
pub mod health;
pub mod hoststate;
mod lock;
pub mod ops;
mod plan;
mod rollback;
mod slots;
mod status;
mod steps;
pub mod target;
pub mod verify;

pub use engine::Deployer;
use hoststate::{LockRecord, RolloutState};
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

impl DeployError {
    /// How a person fixes it.
    pub fn hint(&self, env: &str) -> Option<String> {
        match self {
            DeployError::Verify(v) => v.hint(),
            DeployError::LockHeld { stale: true, .. } => Some(format!(
                "the holder looks gone; if you are sure, `tug unlock {env} --force --reason TEXT`"
            )),
            DeployError::LockHeld { .. } => Some(format!("wait for it, or see `tug status {env}`")),
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
            DeployError::Config(_) => ExitCode::Usage,
            DeployError::LockHeld { .. } => ExitCode::LockHeld,
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

/// The user name of this process's uid from the password database (CI jobs often have no $USER).
fn login_name() -> Option<String> {
    let mut buf = vec![0 as libc::c_char; 4096];
    let mut pwd: libc::passwd = unsafe { std::mem::zeroed() };
    let mut result: *mut libc::passwd = std::ptr::null_mut();
    // SAFETY: getpwuid_r writes into `pwd` and `buf`, both live for the call; `result` is
    // either null or points at `pwd`, whose `pw_name` points into `buf`.
    let rc = unsafe {
        libc::getpwuid_r(
            libc::getuid(),
            &mut pwd,
            buf.as_mut_ptr(),
            buf.len(),
            &mut result,
        )
    };
    if rc != 0 || result.is_null() || pwd.pw_name.is_null() {
        return None;
    }
    let name = unsafe { std::ffi::CStr::from_ptr(pwd.pw_name) };
    Some(name.to_string_lossy().into_owned()).filter(|n| !n.is_empty())
}

impl Actor {
    pub fn current() -> Actor {
        let user = std::env::var("USER")
            .or_else(|_| std::env::var("LOGNAME"))
            .ok()
            .filter(|u| !u.is_empty())
            .or_else(login_name)
            .unwrap_or_else(|| format!("uid{}", unsafe { libc::getuid() }));
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

/// This machine's host name.
pub fn machine_name() -> String {
    let mut buf = [0u8; 256];
    let r = unsafe { libc::gethostname(buf.as_mut_ptr() as *mut libc::c_char, buf.len()) };
    if r != 0 {
        return "localhost".into();
    }
    let end = buf.iter().position(|b| *b == 0).unwrap_or(buf.len());
    String::from_utf8_lossy(&buf[..end]).into_owned()
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
    base_dir: PathBuf,
}

impl Environment {
    /// Build the hosts from the config; relative paths are relative to `base_dir` (tug.yaml's).
    pub fn new(
        name: &str,
        config: EnvironmentConfig,
        base_dir: &Path,
    ) -> Result<Environment, DeployError> {
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
        Ok(Environment {
            name: name.to_string(),
            config,
            hosts,
            vars,
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
                    .map_err(|e| DeployError::Config(format!("public_key {}: {e}", p.display())))
            }
        }
    }

    /// The configured release source directory, if any.
    pub fn source_dir(&self) -> Option<PathBuf> {
        self.config.source.as_ref().map(|s| self.base_dir.join(s))
    }
}
