//! Why one operation on one host failed, typed so that the engine can tell what the failure
//! means: the release's own fault (a hook, the restart command or the health check failed: the
//! release is marked bad in the environment) or something else (the host cannot be reached, a
//! template does not render, a file cannot be written, the state cannot be read: the release is
//! not blamed).

use super::ops;
use super::target::HostError;

/// One host operation that failed.
#[derive(Debug, thiserror::Error)]
pub enum HostOpError {
    /// The host could not run anything (connection, host key, spawning ssh).
    #[error(transparent)]
    Unreachable(#[from] HostError),
    /// A templated field (restart, hook, health check) does not render: a config error.
    #[error("{0}")]
    Template(String),
    /// A list of host operations stopped with this exit code (see `ops`) and message.
    #[error("{message}")]
    Failed { code: i32, message: String },
    /// The service did not become (or stay) healthy.
    #[error("health check failed: {0}")]
    Health(String),
    /// The host's state could not be read or makes no sense.
    #[error("{0}")]
    State(String),
}

impl HostOpError {
    /// The release itself failed here (so it is marked bad): its hooks, its restart, its health.
    pub fn blames_release(&self) -> bool {
        match self {
            HostOpError::Failed { code, .. } => matches!(
                *code,
                ops::HOOK_BEFORE_FAILED
                    | ops::HOOK_AFTER_FAILED
                    | ops::RESTART_FAILED
                    | ops::HEALTH_FAILED
            ),
            HostOpError::Health(_) => true,
            HostOpError::Unreachable(_) | HostOpError::Template(_) | HostOpError::State(_) => false,
        }
    }

    /// The error on one line (history and status lines are one event per line).
    pub fn line(&self) -> String {
        super::engine::one_line(&self.to_string())
    }
}
