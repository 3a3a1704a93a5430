//! How one target of one build is compiled: the exact command line and environment for `go build`,
//! `cargo build` or a user command, and running it with captured output.
//!
//! The same [`Invocation`] value is what runs and what a failure prints as the reproduce command,
//! so the command a user copies is exactly the one tug ran.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

/// A program, its arguments and the environment it runs with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invocation {
    pub program: String,
    pub args: Vec<String>,
    /// Variables set for the child (in addition to tug's own environment).
    pub env: BTreeMap<String, String>,
    /// Variables removed from the child's environment.
    pub env_remove: Vec<String>,
    pub dir: PathBuf,
}

/// What a finished child left behind.
#[derive(Debug, Clone)]
pub struct Ran {
    pub success: bool,
    pub status: String,
    /// stdout then stderr, lossily decoded.
    pub output: String,
}

impl Invocation {
    pub fn command(&self) -> Command {
        let mut cmd = Command::new(&self.program);
        cmd.args(&self.args).current_dir(&self.dir);
        for k in &self.env_remove {
            cmd.env_remove(k);
        }
        cmd.envs(&self.env);
        cmd
    }

    /// The environment overrides as they may be logged: values of secret-looking names
    /// (`*TOKEN*`, `*PASSWORD*`, ...) masked.
    pub fn shown_env(&self) -> String {
        let mut words: Vec<String> = self.env_remove.iter().map(|k| format!("-u {k}")).collect();
        words.extend(
            self.env
                .iter()
                .map(|(k, v)| format!("{k}={}", shell_quote(crate::redact::env_value(k, v)))),
        );
        words.join(" ")
    }

    /// The program and its arguments as a shell line (for logs).
    pub fn shown_command(&self) -> String {
        std::iter::once(&self.program)
            .chain(&self.args)
            .map(|w| shell_quote(w))
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// Run to completion, capturing output. A spawn failure is reported like a failed run.
    /// Logged at debug level: the command line, the environment overrides (secrets masked), the
    /// directory, and when it finishes its exit status and duration.
    pub fn run(&self) -> Ran {
        let span = tracing::debug_span!("process", program = %self.program);
        let _entered = span.enter();
        tracing::debug!(
            command = %self.shown_command(),
            env = %self.shown_env(),
            cwd = %self.dir.display(),
            "running"
        );
        let started = std::time::Instant::now();
        let ran = match self.command().output() {
            Ok(out) => {
                let mut output = String::from_utf8_lossy(&out.stdout).into_owned();
                output.push_str(&String::from_utf8_lossy(&out.stderr));
                Ran {
                    success: out.status.success(),
                    status: out.status.to_string(),
                    output,
                }
            }
            Err(e) => Ran {
                success: false,
                status: "not started".into(),
                output: format!("cannot run {}: {e}\n", self.program),
            },
        };
        tracing::debug!(
            status = %ran.status,
            success = ran.success,
            elapsed_ms = started.elapsed().as_millis() as u64,
            "finished"
        );
        ran
    }

    /// The command as a person would type it in a POSIX shell, with `from` (a staging path)
    /// replaced by `to` (where the result will end up).
    pub fn reproduce(&self, from: &Path, to: &Path) -> String {
        let fix = |s: &str| s.replace(&from.display().to_string(), &to.display().to_string());
        let mut words = vec![format!(
            "cd {} &&",
            shell_quote(&self.dir.display().to_string())
        )];
        if !self.env.is_empty() || !self.env_remove.is_empty() {
            words.push("env".into());
            for k in &self.env_remove {
                words.push(format!("-u {k}"));
            }
            for (k, v) in &self.env {
                words.push(format!("{k}={}", shell_quote(&fix(v))));
            }
        }
        words.push(shell_quote(&self.program));
        words.extend(self.args.iter().map(|a| shell_quote(&fix(a))));
        words.join(" ")
    }
}

/// Quote for a POSIX shell when needed (`'...'` with embedded quotes escaped).
pub fn shell_quote(s: &str) -> String {
    let plain = !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_./=:,+@%".contains(&b));
    if plain {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}

/// The last `n` non-empty lines of `text`.
pub fn tail(text: &str, n: usize) -> Vec<String> {
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    lines[lines.len().saturating_sub(n)..]
        .iter()
        .map(|l| l.to_string())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reproduce_quotes_and_replaces_staging() {
        let inv = Invocation {
            program: "go".into(),
            args: vec![
                "build".into(),
                "-ldflags".into(),
                "-s -w".into(),
                "-o".into(),
                "/s/x/hello".into(),
            ],
            env: [("GOOS".to_string(), "linux".to_string())].into(),
            env_remove: vec!["GOARM".into()],
            dir: PathBuf::from("/src/it's"),
        };
        assert_eq!(
            inv.reproduce(Path::new("/s/x"), Path::new("/p/dist")),
            "cd '/src/it'\\''s' && env -u GOARM GOOS=linux go build -ldflags '-s -w' -o /p/dist/hello"
        );
        assert_eq!(tail("a\n\nb\nc\n", 2), ["b", "c"]);
    }

    #[test]
    fn logged_environment_masks_secrets() {
        let inv = Invocation {
            program: "go".into(),
            args: vec!["build".into(), "./cmd/x y".into()],
            env: [
                ("GOOS".to_string(), "linux".to_string()),
                ("GITHUB_TOKEN".to_string(), "ghp_secret".to_string()),
            ]
            .into(),
            env_remove: vec!["GOARM".into()],
            dir: PathBuf::from("/src"),
        };
        assert_eq!(inv.shown_env(), "-u GOARM GITHUB_TOKEN='****' GOOS=linux");
        assert_eq!(inv.shown_command(), "go build './cmd/x y'");
    }
}
