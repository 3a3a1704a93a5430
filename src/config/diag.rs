//! Located diagnostics for tug.yaml: every problem names `file:line:col`, shows the offending
//! line with a caret, and carries a `hint:` where we know the fix. Validation collects *all*
//! problems before reporting, so a user fixes a config in one pass.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

pub use serde_saphyr::{Location, Spanned};

use super::types::did_you_mean;

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
    /// How many characters the caret underlines; 0 = the token starting at `column`.
    pub width: usize,
    pub message: String,
    pub hint: Option<String>,
    /// The value under the caret may be a secret: the source line is shown with it masked.
    #[serde(skip)]
    pub redact: bool,
}

/// The length of the YAML token starting at `rest`: a quoted scalar up to its closing quote, a
/// key up to its colon, a plain scalar up to a comment, a flow separator or the end of the line.
fn token_width(rest: &str) -> usize {
    let mut chars = rest.chars();
    match chars.next() {
        None => 1,
        Some(q @ ('"' | '\'')) => match chars.position(|c| c == q) {
            Some(n) => n + 2,
            None => rest.chars().count(),
        },
        Some(open @ ('[' | '{')) => {
            let close = if open == '[' { ']' } else { '}' };
            match rest.find(close) {
                Some(i) => rest[..=i].chars().count(),
                None => 1,
            }
        }
        Some(_) => {
            let mut end = rest.len();
            for pat in [": ", " #", ",", "]", "}"] {
                if let Some(i) = rest.find(pat) {
                    end = end.min(i);
                }
            }
            if rest.ends_with(':') {
                end = end.min(rest.len() - 1);
            }
            rest[..end].trim_end().chars().count().max(1)
        }
    }
}

/// The config path (`builds[1].ldflags`, `project`) of the block-style YAML node at 1-based
/// `line`/`col`, worked out from indentation. Empty at the top level; best effort for flow style.
pub fn yaml_path_at(source: &str, line: u64, col: u64) -> String {
    let lines: Vec<&str> = source.lines().collect();
    let Some(start) = (line as usize).checked_sub(1).filter(|&i| i < lines.len()) else {
        return String::new();
    };
    let indent_of = |l: &str| l.len() - l.trim_start().len();
    let is_item = |t: &str| t == "-" || t.starts_with("- ");
    let mut target = (col.max(1) - 1) as usize;
    let mut allow_equal = false;
    let mut segments: Vec<String> = Vec::new();
    let mut k = start as isize;
    while k >= 0 {
        let l = lines[k as usize];
        let trimmed = l.trim_start();
        let ind = indent_of(l);
        k -= 1;
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let outer = ind < target || (allow_equal && ind == target && !is_item(trimmed));
        if !outer {
            continue;
        }
        allow_equal = false;
        if is_item(trimmed) {
            // `- key: ...` where we sit under `key` (deeper than the key itself).
            let rest = trimmed.get(1..).unwrap_or("");
            let rest_ind = ind + 1 + (rest.len() - rest.trim_start().len());
            if rest_ind < target {
                if let Some((key, _)) = rest.trim_start().split_once(':') {
                    segments.push(key.trim().to_string());
                }
            }
            // The sequence item holding us: its index is the number of items above it.
            let mut index = 0;
            let mut j = k;
            while j >= 0 {
                let lj = lines[j as usize];
                let tj = lj.trim_start();
                j -= 1;
                if tj.is_empty() || tj.starts_with('#') || indent_of(lj) > ind {
                    continue;
                }
                if indent_of(lj) == ind && is_item(tj) {
                    index += 1;
                    continue;
                }
                break;
            }
            segments.push(format!("[{index}]"));
            target = ind;
            allow_equal = true;
        } else if let Some((key, _)) = trimmed.split_once(':') {
            segments.push(
                key.trim()
                    .trim_matches(|c| c == '"' || c == '\'')
                    .to_string(),
            );
            target = ind;
        }
        if target == 0 && !allow_equal {
            break;
        }
    }
    let mut out = String::new();
    for seg in segments.iter().rev() {
        if !out.is_empty() && !seg.starts_with('[') {
            out.push('.');
        }
        out.push_str(seg);
    }
    out
}

impl Diagnostic {
    /// The severity label, `error` or `warning`.
    pub fn label(&self) -> &'static str {
        match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }

    /// `file:line:col: message`, the source line with a caret under the offending token, and the
    /// hint (when `with_hint`). The caller prefixes the `error:`/`warning:` label.
    pub fn render_body(&self, source: &str, with_hint: bool) -> String {
        let mut out = String::new();
        if self.line > 0 {
            let _ = write!(
                out,
                "{}:{}:{}: {}",
                self.file.display(),
                self.line,
                self.column,
                self.message
            );
        } else {
            let _ = write!(out, "{}: {}", self.file.display(), self.message);
        }
        if self.line > 0 {
            if let Some(text) = source.lines().nth(self.line as usize - 1) {
                let gutter = self.line.to_string();
                let pad = " ".repeat(gutter.len());
                let caret_at = (self.column.max(1) - 1) as usize;
                let rest: String = text.chars().skip(caret_at).collect();
                let width = if self.width > 0 {
                    self.width
                } else {
                    token_width(&rest)
                };
                let text: String = if self.redact {
                    text.chars()
                        .enumerate()
                        .map(|(i, c)| {
                            if i >= caret_at && i < caret_at + width {
                                '*'
                            } else {
                                c
                            }
                        })
                        .collect()
                } else {
                    text.to_string()
                };
                let _ = write!(
                    out,
                    "\n{pad} |\n{gutter} | {text}\n{pad} | {}{}",
                    " ".repeat(caret_at),
                    "^".repeat(width)
                );
            }
        }
        if with_hint {
            if let Some(hint) = &self.hint {
                let _ = write!(out, "\nhint: {hint}");
            }
        }
        out
    }

    /// `error: file:line:col: message`, the source line with a caret, and `hint:`.
    pub fn render(&self, source: &str) -> String {
        format!("{}: {}", self.label(), self.render_body(source, true))
    }
}

/// Collects diagnostics while sections validate themselves.
///
/// Sections report at the location of a `Spanned` value (`v.error(x.referenced, ...)`); the
/// validator keeps a path of where it is (`builds[0]`) so messages can name fields
/// (`v.field("ldflags")` → `builds[0].ldflags`).
pub struct Validator {
    file: PathBuf,
    source: Option<String>,
    path: Vec<String>,
    pub diagnostics: Vec<Diagnostic>,
}

impl Validator {
    pub fn new(file: &Path) -> Self {
        Validator {
            file: file.to_path_buf(),
            source: None,
            path: Vec::new(),
            diagnostics: Vec::new(),
        }
    }

    /// A validator that also knows the file's text, so carets can point inside a value.
    pub fn with_source(file: &Path, source: &str) -> Self {
        Validator {
            source: Some(source.to_string()),
            ..Validator::new(file)
        }
    }

    /// The file's text, when known (to locate values a section could not keep spans for).
    pub fn source(&self) -> Option<&str> {
        self.source.as_deref()
    }

    pub fn file(&self) -> &Path {
        &self.file
    }

    /// Run `f` one level deeper in the config (`"builds[0]"`, `"environments.prod"`).
    pub fn scoped<R>(&mut self, segment: impl Into<String>, f: impl FnOnce(&mut Self) -> R) -> R {
        self.path.push(segment.into());
        let result = f(self);
        self.path.pop();
        result
    }

    /// Where the validator is, e.g. `builds[0]` (empty at the top level).
    pub fn path(&self) -> String {
        let mut out = String::new();
        for seg in &self.path {
            if !out.is_empty() && !seg.starts_with('[') {
                out.push('.');
            }
            out.push_str(seg);
        }
        out
    }

    /// The full name of field `name` here, e.g. `builds[0].ldflags`.
    pub fn field(&self, name: &str) -> String {
        let path = self.path();
        if path.is_empty() {
            name.to_string()
        } else {
            format!("{path}.{name}")
        }
    }

    fn push(&mut self, severity: Severity, at: Location, message: String, hint: Option<String>) {
        self.diagnostics.push(Diagnostic {
            severity,
            file: self.file.clone(),
            line: at.line(),
            column: at.column(),
            width: 0,
            message,
            hint,
            redact: false,
        });
    }

    /// An error at an explicit 1-based line and column (for problems found in the text itself).
    pub fn error_at_line(
        &mut self,
        line: u64,
        column: u64,
        message: impl Into<String>,
        hint: Option<String>,
    ) {
        self.diagnostics.push(Diagnostic {
            severity: Severity::Error,
            file: self.file.clone(),
            line,
            column,
            width: 0,
            message: message.into(),
            hint,
            redact: false,
        });
    }

    /// An error at a location (use `spanned.referenced` of the offending value).
    pub fn error(&mut self, at: Location, message: impl Into<String>, hint: Option<String>) {
        self.push(Severity::Error, at, message.into(), hint);
    }

    /// An error about a value that may be a secret: neither the message (the caller's job) nor
    /// the rendered source line shows it (the caret's token is masked).
    pub fn error_redacted(
        &mut self,
        at: Location,
        message: impl Into<String>,
        hint: Option<String>,
    ) {
        self.push(Severity::Error, at, message.into(), hint);
        if let Some(d) = self.diagnostics.last_mut() {
            d.redact = true;
        }
    }

    pub fn warn(&mut self, at: Location, message: impl Into<String>, hint: Option<String>) {
        self.push(Severity::Warning, at, message.into(), hint);
    }

    /// An error about `needle` inside the value at `at`: the caret moves onto the needle when it
    /// appears on that line (e.g. the unknown variable inside a template string).
    pub fn error_at_text(
        &mut self,
        at: Location,
        needle: &str,
        message: impl Into<String>,
        hint: Option<String>,
    ) {
        self.push(Severity::Error, at, message.into(), hint);
        let Some(source) = &self.source else { return };
        let Some(line) = (at.line() as usize)
            .checked_sub(1)
            .and_then(|i| source.lines().nth(i))
        else {
            return;
        };
        let start = (at.column().max(1) - 1) as usize;
        let byte_start = line
            .char_indices()
            .nth(start)
            .map(|(b, _)| b)
            .unwrap_or(line.len());
        if let Some(found) = line[byte_start..].find(needle) {
            let col = line[..byte_start + found].chars().count() as u64 + 1;
            let diag = self.diagnostics.last_mut().expect("just pushed");
            diag.column = col;
            diag.width = needle.chars().count().max(1);
        }
    }

    pub fn has_errors(&self) -> bool {
        self.diagnostics
            .iter()
            .any(|d| d.severity == Severity::Error)
    }

    /// Check that a templated string uses only `allowed` variables (see
    /// [`crate::template::vars`]); `field` is its name relative to the current path.
    pub fn template(&mut self, field: &str, value: &Spanned<String>, allowed: &[&str]) {
        if let Err(err) = crate::template::check_variables(&value.value, allowed) {
            let name = self.field(field);
            match err {
                crate::template::CheckError::UnknownVariable {
                    name: var,
                    suggestion,
                } => {
                    let mut hint = match suggestion {
                        Some(s) => format!("did you mean `{s}`? "),
                        None => String::new(),
                    };
                    let _ = write!(hint, "variables available here: {}", allowed.join(", "));
                    self.error_at_text(
                        value.referenced,
                        &var,
                        format!("unknown template variable `{var}` in `{name}`"),
                        Some(hint),
                    );
                }
                crate::template::CheckError::Syntax(msg) => self.error(
                    value.referenced,
                    format!("invalid template in `{name}`: {msg}"),
                    Some("templates use minijinja syntax: `{{ version }}`".into()),
                ),
            }
        }
    }

    /// Report every id that appears more than once (`what` names them: "build id").
    pub fn unique_ids<'a>(
        &mut self,
        what: &str,
        ids: impl IntoIterator<Item = &'a Spanned<String>>,
    ) {
        let mut first: BTreeMap<&str, Location> = BTreeMap::new();
        for id in ids {
            match first.get(id.value.as_str()) {
                Some(at) => {
                    let hint = format!(
                        "`{}` is already used at line {}; ids must be unique",
                        id.value,
                        at.line()
                    );
                    let message = format!("duplicate {what} `{}`", id.value);
                    self.error_at_text(id.referenced, &id.value, message, Some(hint));
                }
                None => {
                    first.insert(&id.value, id.referenced);
                }
            }
        }
    }

    /// `did you mean` for a name among candidates, formatted as a hint prefix.
    pub fn suggest<'a>(
        word: &str,
        candidates: impl IntoIterator<Item = &'a str>,
    ) -> Option<String> {
        did_you_mean(word, candidates).map(|s| format!("did you mean `{s}`?"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_file_line_col_caret_and_hint() {
        let d = Diagnostic {
            severity: Severity::Error,
            file: "tug.yaml".into(),
            line: 2,
            column: 3,
            width: 0,
            message: "unknown key `ldflag`".into(),
            hint: Some("did you mean `ldflags`?".into()),
            redact: false,
        };
        let src = "builds:\n  ldflag: -s\n";
        assert_eq!(
            d.render(src),
            "error: tug.yaml:2:3: unknown key `ldflag`\n  |\n2 |   ldflag: -s\n  |   ^^^^^^\nhint: did you mean `ldflags`?"
        );
    }

    #[test]
    fn yaml_paths_from_indentation() {
        let src = "version: 1\nbuilds:\n  - id: a\n    ldflags: x\n  - id: b\n    goos: [linux]\n    hooks:\n      - run: x\n        bad: 1\nproject:\n  tag_prefx: v\nlist:\n- a: 1\n- b: 2\n";
        assert_eq!(yaml_path_at(src, 1, 1), "");
        assert_eq!(yaml_path_at(src, 4, 5), "builds[0]");
        assert_eq!(yaml_path_at(src, 5, 5), "builds[1]");
        assert_eq!(yaml_path_at(src, 6, 5), "builds[1]");
        assert_eq!(yaml_path_at(src, 6, 11), "builds[1].goos");
        assert_eq!(yaml_path_at(src, 9, 9), "builds[1].hooks[0]");
        assert_eq!(yaml_path_at(src, 11, 3), "project");
        assert_eq!(yaml_path_at(src, 11, 14), "project.tag_prefx");
        assert_eq!(yaml_path_at(src, 14, 3), "list[1]");
        assert_eq!(yaml_path_at(src, 14, 6), "list[1].b");
        let nested = "steps:\n  - hooks:\n      - run: x\n        bad: 1\n";
        assert_eq!(yaml_path_at(nested, 4, 9), "steps[0].hooks[0]");
    }

    #[test]
    fn token_widths() {
        assert_eq!(token_width("\"a b\" # c"), 5);
        assert_eq!(token_width("5x # comment"), 2);
        assert_eq!(token_width("key: value"), 3);
        assert_eq!(token_width("linux/amd65, linux/arm64]"), 11);
        assert_eq!(token_width(""), 1);
        assert_eq!(token_width("[hello] # x"), 7);
    }

    #[test]
    fn paths_scopes_and_duplicates() {
        let src = "a:\n  - id: x\n  - id: x\n";
        let ids: Vec<Spanned<String>> =
            serde_saphyr::from_str::<BTreeMap<String, Vec<BTreeMap<String, Spanned<String>>>>>(src)
                .unwrap()
                .remove("a")
                .unwrap()
                .into_iter()
                .map(|mut m| m.remove("id").unwrap())
                .collect();
        let mut v = Validator::with_source(Path::new("tug.yaml"), src);
        v.scoped("builds", |v| {
            v.scoped("[1]", |v| {
                assert_eq!(v.field("ldflags"), "builds[1].ldflags")
            })
        });
        v.unique_ids("build id", &ids);
        assert_eq!(v.diagnostics.len(), 1);
        assert_eq!((v.diagnostics[0].line, v.diagnostics[0].column), (3, 9));
        assert_eq!(v.diagnostics[0].message, "duplicate build id `x`");
    }

    #[test]
    fn template_errors_point_at_the_variable() {
        let src = "name: \"{{ project }}-{{ versoin }}\"\n";
        let value: BTreeMap<String, Spanned<String>> = serde_saphyr::from_str(src).unwrap();
        let mut v = Validator::with_source(Path::new("tug.yaml"), src);
        v.template("name", &value["name"], &["project", "version"]);
        let d = &v.diagnostics[0];
        assert_eq!(d.message, "unknown template variable `versoin` in `name`");
        assert_eq!((d.line, d.column, d.width), (1, 25, 7));
        assert!(d
            .hint
            .as_deref()
            .unwrap()
            .starts_with("did you mean `version`?"));
    }
}
