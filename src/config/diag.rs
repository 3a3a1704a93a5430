//! Located diagnostics for tug.yaml: every problem names `file:line:col`, shows the offending
//! line with a caret, and carries a `hint:` where we know the fix. Validation collects *all*
//! problems before reporting, so a user fixes a config in one pass.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

pub use serde_saphyr::{Location, Spanned};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

/// One problem in a config file, 1-based line and column (0 when unknown).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Diagnostic {
    pub severity: Severity,
    pub file: PathBuf,
    pub line: u64,
    pub column: u64,
    pub message: String,
    pub hint: Option<String>,
}

impl Diagnostic {
    /// `file:line:col: error: message`, the source line with a caret, and `hint:`.
    pub fn render(&self, source: &str) -> String {
        let sev = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        let mut out = String::new();
        let _ = write!(out, "{}:{}:{}: {sev}: {}", self.file.display(), self.line, self.column, self.message);
        if self.line > 0 {
            if let Some(text) = source.lines().nth(self.line as usize - 1) {
                let gutter = self.line.to_string();
                let pad = " ".repeat(gutter.len());
                let caret_at = (self.column.max(1) - 1) as usize;
                let _ = write!(out, "\n{pad} |\n{gutter} | {text}\n{pad} | {}^", " ".repeat(caret_at));
            }
        }
        if let Some(hint) = &self.hint {
            let _ = write!(out, "\nhint: {hint}");
        }
        out
    }
}

/// Collects diagnostics while sections validate themselves.
pub struct Validator {
    file: PathBuf,
    pub diagnostics: Vec<Diagnostic>,
}

impl Validator {
    pub fn new(file: &Path) -> Self {
        Validator { file: file.to_path_buf(), diagnostics: Vec::new() }
    }

    pub fn file(&self) -> &Path {
        &self.file
    }

    fn push(&mut self, severity: Severity, at: Location, message: String, hint: Option<String>) {
        self.diagnostics.push(Diagnostic {
            severity,
            file: self.file.clone(),
            line: at.line(),
            column: at.column(),
            message,
            hint,
        });
    }

    /// An error at a location (use `spanned.referenced` of the offending value).
    pub fn error(&mut self, at: Location, message: impl Into<String>, hint: Option<String>) {
        self.push(Severity::Error, at, message.into(), hint);
    }

    pub fn warn(&mut self, at: Location, message: impl Into<String>, hint: Option<String>) {
        self.push(Severity::Warning, at, message.into(), hint);
    }

    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(|d| d.severity == Severity::Error)
    }
}
