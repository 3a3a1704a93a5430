//! The one printer: every byte tug shows a person or a program goes through here.
//!
//! stdout carries data only (command results, or one JSON event per line with `--json`); stderr
//! carries status lines, warnings, errors and progress bars. Progress bars are drawn only when
//! stderr is a terminal and neither `--no-progress`, `--json` nor `--quiet` is set. Colour follows
//! `--no-color`, `NO_COLOR` and whether stderr is a terminal. Under `-v` or `TUG_LOG` (diagnostics
//! on stderr, see `logging`) progress bars are off too, so log lines and bars never interleave.
//! Engines never print: they return values or send events that a command hands to the printer.

use std::io::{IsTerminal, Write};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::config::env::EnvSnapshot;

pub mod reporters;

/// The causes of `err` to print under it (`caused by:`, `--json` `causes`): its source chain,
/// without a cause whose text the line above already shows.
pub fn causes(err: &anyhow::Error) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut above = err.to_string();
    for cause in err.chain().skip(1) {
        let text = cause.to_string();
        if text.is_empty() || above.contains(&text) {
            continue;
        }
        above = text.clone();
        out.push(text);
    }
    out
}

/// How the printer behaves; resolved from global flags and the environment before any work.
#[derive(Debug, Clone, Copy, Default)]
pub struct PrinterOptions {
    pub quiet: bool,
    pub json: bool,
    pub color: bool,
    pub progress: bool,
}

impl PrinterOptions {
    /// Resolve from flags and the run's environment (`NO_COLOR`, terminal detection).
    /// `logging`: `-v` or `TUG_LOG` turned diagnostics on (see `logging::init`), so bars are off.
    pub fn resolve(
        quiet: bool,
        json: bool,
        no_color: bool,
        no_progress: bool,
        logging: bool,
        env: &EnvSnapshot,
    ) -> Self {
        let stderr_tty = std::io::stderr().is_terminal();
        let no_color_env = env.non_empty("NO_COLOR").is_some();
        PrinterOptions {
            quiet,
            json,
            color: stderr_tty && !no_color && !no_color_env,
            progress: stderr_tty && !no_progress && !logging && !json && !quiet,
        }
    }
}

/// The single output sink. Cheap to clone; clones share the progress area and the stdout lock.
#[derive(Clone)]
pub struct Printer {
    opts: PrinterOptions,
    multi: MultiProgress,
    out: Arc<Mutex<()>>,
}

impl Printer {
    pub fn new(opts: PrinterOptions) -> Self {
        let multi = MultiProgress::with_draw_target(if opts.progress {
            ProgressDrawTarget::stderr()
        } else {
            ProgressDrawTarget::hidden()
        });
        Printer {
            opts,
            multi,
            out: Arc::new(Mutex::new(())),
        }
    }

    pub fn options(&self) -> PrinterOptions {
        self.opts
    }

    pub fn is_json(&self) -> bool {
        self.opts.json
    }

    fn paint(&self, text: &str, ansi: &str) -> String {
        if self.opts.color {
            format!("\x1b[{ansi}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }

    fn err_line(&self, line: &str) {
        // Print above any progress bars so they are not torn.
        if self.opts.progress {
            self.multi.suspend(|| eprintln!("{line}"));
        } else {
            let _ = writeln!(std::io::stderr().lock(), "{line}");
        }
    }

    /// A status line on stderr, cargo style: a right-aligned verb and a message.
    pub fn status(&self, verb: &str, message: impl AsRef<str>) {
        if self.opts.quiet {
            return;
        }
        let verb = self.paint(&format!("{verb:>12}"), "1;32");
        self.err_line(&format!("{verb} {}", message.as_ref()));
    }

    /// A plain informational line on stderr.
    pub fn info(&self, message: impl AsRef<str>) {
        if !self.opts.quiet {
            self.err_line(message.as_ref());
        }
    }

    /// A warning on stderr (shown even with `--quiet`).
    pub fn warn(&self, message: impl AsRef<str>) {
        let label = self.paint("warning", "1;33");
        self.err_line(&format!("{label}: {}", message.as_ref()));
    }

    /// An error with its cause chain and an optional hint, on stderr.
    pub fn error(&self, message: &str, causes: &[String], hint: Option<&str>) {
        let label = self.paint("error", "1;31");
        self.err_line(&format!("{label}: {message}"));
        for cause in causes {
            self.err_line(&format!("  caused by: {cause}"));
        }
        if let Some(hint) = hint {
            let label = self.paint("hint", "1;36");
            self.err_line(&format!("{label}: {hint}"));
        }
    }

    /// A line of data on stdout (suppressed in `--json` mode: use [`Printer::event`]).
    pub fn data(&self, line: impl AsRef<str>) {
        if self.opts.json {
            return;
        }
        let _guard = self.out.lock().unwrap_or_else(|e| e.into_inner());
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "{}", line.as_ref());
        let _ = out.flush();
    }

    /// Raw data on stdout regardless of `--json` (for commands whose output *is* the data, such
    /// as `tug schema` or `tug completions`).
    pub fn raw(&self, bytes: &[u8]) {
        let _guard = self.out.lock().unwrap_or_else(|e| e.into_inner());
        let mut out = std::io::stdout().lock();
        let _ = out.write_all(bytes);
        let _ = out.flush();
    }

    /// One JSON event on stdout, only in `--json` mode. `kind` is stored as the `"event"` field.
    pub fn event(&self, kind: &str, mut fields: serde_json::Value) {
        if !self.opts.json {
            return;
        }
        let mut obj = serde_json::Map::new();
        obj.insert("event".into(), serde_json::Value::String(kind.into()));
        if let Some(map) = fields.as_object_mut() {
            obj.extend(std::mem::take(map));
        } else if !fields.is_null() {
            obj.insert("data".into(), fields);
        }
        let line = serde_json::Value::Object(obj).to_string();
        let _guard = self.out.lock().unwrap_or_else(|e| e.into_inner());
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "{line}");
        let _ = out.flush();
    }

    /// A spinner line for a task of unknown length (hidden unless progress is on).
    pub fn spinner(&self, message: impl Into<String>) -> ProgressBar {
        let bar = self.multi.add(ProgressBar::new_spinner());
        bar.set_style(
            ProgressStyle::with_template("{spinner:.green} {msg} {elapsed:.dim}")
                .expect("valid template"),
        );
        bar.set_message(message.into());
        if self.opts.progress {
            bar.enable_steady_tick(Duration::from_millis(100));
        }
        bar
    }

    /// A byte-counting bar with throughput (hidden unless progress is on).
    pub fn bytes_bar(&self, total: u64, message: impl Into<String>) -> ProgressBar {
        let bar = self.multi.add(ProgressBar::new(total));
        bar.set_style(
            ProgressStyle::with_template(
                "{msg:30} [{bar:30}] {bytes}/{total_bytes} {binary_bytes_per_sec} {eta}",
            )
            .expect("valid template")
            .progress_chars("=> "),
        );
        bar.set_message(message.into());
        bar
    }

    /// A counting bar (hidden unless progress is on).
    pub fn count_bar(&self, total: u64, message: impl Into<String>) -> ProgressBar {
        let bar = self.multi.add(ProgressBar::new(total));
        bar.set_style(
            ProgressStyle::with_template("{msg:30} [{bar:30}] {pos}/{len} {elapsed}")
                .expect("valid template")
                .progress_chars("=> "),
        );
        bar.set_message(message.into());
        bar
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn progress_never_on_in_json_or_quiet_mode() {
        let env = EnvSnapshot::default();
        assert!(!PrinterOptions::resolve(false, true, false, false, false, &env).progress);
        assert!(!PrinterOptions::resolve(true, false, false, false, false, &env).progress);
        assert!(!PrinterOptions::resolve(false, false, false, true, false, &env).progress);
        // Diagnostics on stderr: no bars to tear them.
        assert!(!PrinterOptions::resolve(false, false, false, false, true, &env).progress);
    }

    #[test]
    fn causes_follow_the_chain_without_repeating_the_line_above() {
        #[derive(Debug, thiserror::Error)]
        #[error("uploading a.tar.gz failed")]
        struct Outer(#[source] std::io::Error);
        let err = anyhow::Error::from(
            crate::Error::failure("publish failed")
                .with_source(Outer(std::io::Error::other("connection refused"))),
        );
        assert_eq!(
            causes(&err),
            ["uploading a.tar.gz failed", "connection refused"]
        );
        let err = anyhow::Error::from(
            crate::Error::failure("cannot read x: denied")
                .with_source(std::io::Error::other("denied")),
        );
        assert!(causes(&err).is_empty());
    }
}
