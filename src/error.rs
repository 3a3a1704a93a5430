//! Exit codes and the user-facing error type.
//!
//! Every failure a user can act on carries an exit code (documented in the README and the man
//! page) and, where we know one, a `hint:` saying how to fix it. Engines return their own typed
//! errors; commands convert them into [`Error`] (or let them pass as plain `anyhow` causes, which
//! map to exit code 1). `main` walks the cause chain to find the code and the hint.

use std::fmt;

/// The documented process exit codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ExitCode {
    /// 0: success.
    Success = 0,
    /// 1: the operation failed.
    Failure = 1,
    /// 2: usage or configuration error.
    Usage = 2,
    /// 3: release checks failed.
    ChecksFailed = 3,
    /// 4: the rollout failed and was rolled back.
    RolledBack = 4,
    /// 5: the environment's lock is held by someone else.
    LockHeld = 5,
    /// 6: the rollout is paused and waits for a human (`tug rollout promote`).
    Paused = 6,
}

impl ExitCode {
    pub fn code(self) -> i32 {
        self as i32
    }

    /// The documented meaning, used by the README and the man page.
    pub const ALL: [(ExitCode, &'static str); 7] = [
        (ExitCode::Success, "success"),
        (ExitCode::Failure, "failure"),
        (ExitCode::Usage, "usage or configuration error"),
        (ExitCode::ChecksFailed, "release checks failed"),
        (ExitCode::RolledBack, "rollout failed and was rolled back"),
        (ExitCode::LockHeld, "lock held by someone else"),
        (ExitCode::Paused, "rollout paused, waiting for a human (`tug rollout promote`)"),
    ];
}

/// An error meant for a person: what went wrong, the exit code, and how to fix it.
#[derive(Debug)]
pub struct Error {
    pub code: ExitCode,
    pub message: String,
    pub hint: Option<String>,
}

impl Error {
    pub fn new(code: ExitCode, message: impl Into<String>) -> Self {
        Error { code, message: message.into(), hint: None }
    }

    /// A failure of the operation itself (exit 1).
    pub fn failure(message: impl Into<String>) -> Self {
        Self::new(ExitCode::Failure, message)
    }

    /// A usage or configuration problem (exit 2).
    pub fn usage(message: impl Into<String>) -> Self {
        Self::new(ExitCode::Usage, message)
    }

    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

/// Find the exit code and hint anywhere in an error's cause chain.
///
/// The outermost [`Error`] wins for the code; the first hint found wins for the hint.
pub fn classify(err: &anyhow::Error) -> (ExitCode, Option<String>) {
    let mut code = None;
    let mut hint = None;
    for cause in err.chain() {
        if let Some(e) = cause.downcast_ref::<Error>() {
            code.get_or_insert(e.code);
            if hint.is_none() {
                hint = e.hint.clone();
            }
        }
    }
    (code.unwrap_or(ExitCode::Failure), hint)
}

#[cfg(test)]
mod tests {
    use super::*;
    use anyhow::Context as _;

    #[test]
    fn classify_finds_inner_code_and_hint() {
        let err = anyhow::Error::new(Error::usage("bad target").with_hint("use linux/amd64"))
            .context("loading tug.yaml");
        let (code, hint) = classify(&err);
        assert_eq!(code, ExitCode::Usage);
        assert_eq!(hint.as_deref(), Some("use linux/amd64"));
    }

    #[test]
    fn plain_errors_are_failures() {
        let err: anyhow::Error = Err::<(), _>(std::io::Error::other("boom"))
            .context("reading")
            .unwrap_err();
        assert_eq!(classify(&err), (ExitCode::Failure, None));
    }
}
