//! Exit codes and the user-facing error type.
//!
//! Every failure a user can act on carries an exit code (documented in the README and the man
//! page) and, where we know one, a `hint:` saying how to fix it. Engines return their own typed
//! errors that keep their causes (`#[source]`) and implement [`Diagnostic`] (exit code, hint);
//! `?` turns them into [`Error`] through the one `From<E: Diagnostic>` below, which keeps the engine
//! error itself as the cause chain. Plain `anyhow` causes map to exit code 1. `main` walks the
//! chain to find the code and the hint and prints every cause (`caused by:`, `--json` `causes`).
//!
//! Rule: never convert an error with `to_string()`; wrap it (`Error::failure(..).with_source(e)`)
//! or implement [`Diagnostic`] for it.

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
    /// 7: the operation failed and was not fully reverted: the environment is mixed (the hosts
    /// and the version each runs are named).
    Mixed = 7,
}

impl ExitCode {
    pub fn code(self) -> i32 {
        self as i32
    }

    /// The documented meaning, used by the README and the man page.
    pub const ALL: [(ExitCode, &'static str); 8] = [
        (ExitCode::Success, "success"),
        (ExitCode::Failure, "failure"),
        (ExitCode::Usage, "usage or configuration error"),
        (ExitCode::ChecksFailed, "release checks failed"),
        (ExitCode::RolledBack, "rollout failed and was rolled back"),
        (ExitCode::LockHeld, "lock held by someone else"),
        (
            ExitCode::Paused,
            "rollout paused, waiting for a human (`tug rollout promote`)",
        ),
        (
            ExitCode::Mixed,
            "failed and not fully reverted (the environment is mixed: the hosts are named)",
        ),
    ];
}

/// What an engine error tells the command layer: the exit code it maps to and, where the engine
/// knows one, how to fix it. Implement it on an engine's error enum; `?` then converts the error
/// into [`Error`] with its whole cause chain intact.
pub trait Diagnostic: std::error::Error + Send + Sync + 'static {
    /// The documented exit code this error maps to.
    fn exit_code(&self) -> ExitCode {
        ExitCode::Failure
    }
    /// A `hint:` line, when the engine knows how to fix it.
    fn hint(&self) -> Option<String> {
        None
    }
}

type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// An error meant for a person: what went wrong, the exit code, how to fix it, and the cause.
#[derive(Debug)]
pub struct Error {
    pub code: ExitCode,
    /// The summary line. `None` when the error is an engine error shown as itself
    /// (`From<E: Diagnostic>`): then `Display` and `source` are the engine error's own.
    message: Option<String>,
    pub hint: Option<String>,
    source: Option<BoxError>,
}

impl Error {
    pub fn new(code: ExitCode, message: impl Into<String>) -> Self {
        Error {
            code,
            message: Some(message.into()),
            hint: None,
            source: None,
        }
    }

    /// Put a summary on top of a cause: `message` is printed first, then `caused by:` `source`
    /// and its own causes.
    pub fn with_source(mut self, source: impl Into<BoxError>) -> Self {
        if self.message.is_none() {
            // An engine error shown as itself becomes the summary; the new cause replaces its own.
            self.message = Some(self.to_string());
        }
        self.source = Some(source.into());
        self
    }

    /// The summary line.
    pub fn message(&self) -> String {
        match &self.message {
            Some(m) => m.clone(),
            None => self.source.as_ref().map(|s| s.to_string()).unwrap_or_default(),
        }
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

    /// Replace the exit code (a command knows better than the engine, e.g. a git error while
    /// loading the project is a usage error).
    pub fn with_code(mut self, code: ExitCode) -> Self {
        self.code = code;
        self
    }
}

impl<E: Diagnostic> From<E> for Error {
    fn from(err: E) -> Self {
        Error {
            code: err.exit_code(),
            hint: err.hint(),
            message: None,
            source: Some(Box::new(err)),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.message, &self.source) {
            (Some(m), _) => f.write_str(m),
            (None, Some(s)) => fmt::Display::fmt(s, f),
            (None, None) => Ok(()),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match (&self.message, &self.source) {
            // Transparent: the engine error is this error; its causes are ours.
            (None, Some(s)) => s.source(),
            (Some(_), Some(s)) => Some(s.as_ref()),
            _ => None,
        }
    }
}

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

    #[derive(Debug, thiserror::Error)]
    #[error("uploading x failed")]
    struct EngineError(#[source] std::io::Error);

    impl Diagnostic for EngineError {
        fn exit_code(&self) -> ExitCode {
            ExitCode::LockHeld
        }
        fn hint(&self) -> Option<String> {
            Some("wait".into())
        }
    }

    fn chain(err: &anyhow::Error) -> Vec<String> {
        err.chain().map(|c| c.to_string()).collect()
    }

    #[test]
    fn diagnostic_errors_keep_their_chain_without_repeating_themselves() {
        let io = std::io::Error::other("connection refused");
        let err = anyhow::Error::from(Error::from(EngineError(io)));
        assert_eq!(chain(&err), ["uploading x failed", "connection refused"]);
        assert_eq!(classify(&err), (ExitCode::LockHeld, Some("wait".into())));
    }

    #[test]
    fn a_summary_on_top_keeps_the_source() {
        let io = std::io::Error::other("disk full");
        let err = anyhow::Error::from(Error::failure("writing dist").with_source(io));
        assert_eq!(chain(&err), ["writing dist", "disk full"]);
        let engine = Error::from(EngineError(std::io::Error::other("refused")))
            .with_source(std::io::Error::other("extra"));
        let err = anyhow::Error::from(engine);
        assert_eq!(chain(&err)[0], "uploading x failed");
        assert_eq!(chain(&err)[1], "extra");
    }

    #[test]
    fn plain_errors_are_failures() {
        let err: anyhow::Error = Err::<(), _>(std::io::Error::other("boom"))
            .context("reading")
            .unwrap_err();
        assert_eq!(classify(&err), (ExitCode::Failure, None));
    }
}
