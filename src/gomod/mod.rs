//! go.mod, read the way the go command reads it: every directive tug's release checks care about
//! (module, go, toolchain, require, replace, exclude, retract), each with its line number so a
//! finding can point at it, plus Go's module path and major-version suffix rules.
//!
//! The parser is deliberately tolerant of directives it does not need (godebug, tool, ignore) and
//! strict about syntax: a malformed go.mod is reported with its line and column, because the go
//! command itself would refuse it.

pub mod dirhash;
pub mod path;
pub mod proxy_path;
pub mod source;
pub mod sumdb;
pub mod vendor;
pub mod version;
pub mod zip;

use std::fmt;

pub use path::{check_module_path, split_path_version, PathError};
pub use version::{parse_tag_version, GoVersion};

/// A value and the 1-based line it was read from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Located<T> {
    pub value: T,
    pub line: usize,
}

/// `require path version [// indirect]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Require {
    pub path: String,
    pub version: String,
    pub indirect: bool,
    pub line: usize,
}

/// `replace old [version] => new [version]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Replace {
    pub old_path: String,
    pub old_version: Option<String>,
    pub new_path: String,
    pub new_version: Option<String>,
    pub line: usize,
}

/// `exclude path version`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exclude {
    pub path: String,
    pub version: String,
    pub line: usize,
}

/// `retract version` or `retract [low, high]`, with the rationale comment if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Retract {
    pub low: String,
    pub high: String,
    pub rationale: Option<String>,
    pub line: usize,
}

/// A parsed go.mod file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GoMod {
    pub module: Option<Located<String>>,
    pub go: Option<Located<String>>,
    pub toolchain: Option<Located<String>>,
    pub requires: Vec<Require>,
    pub replaces: Vec<Replace>,
    pub excludes: Vec<Exclude>,
    pub retracts: Vec<Retract>,
}

/// A syntax error in go.mod at a 1-based line and column.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct ParseError {
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "go.mod:{}:{}: {}", self.line, self.column, self.message)
    }
}

/// One lexical token of a go.mod line, with its 1-based column.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Token {
    text: String,
    column: usize,
    quoted: bool,
}

/// A line split into tokens and its trailing `//` comment.
struct Line {
    number: usize,
    tokens: Vec<Token>,
    comment: Option<String>,
}

fn lex_line(number: usize, text: &str) -> Result<Line, ParseError> {
    let chars: Vec<char> = text.chars().collect();
    let mut tokens = Vec::new();
    let mut comment = None;
    let mut i = 0;
    let err = |column: usize, message: &str| ParseError {
        line: number,
        column,
        message: message.to_string(),
    };
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        if c == '/' && chars.get(i + 1) == Some(&'/') {
            comment = Some(chars[i + 2..].iter().collect::<String>().trim().to_string());
            break;
        }
        let start = i;
        match c {
            '(' | ')' | '[' | ']' | ',' => {
                tokens.push(Token {
                    text: c.to_string(),
                    column: start + 1,
                    quoted: false,
                });
                i += 1;
            }
            '=' if chars.get(i + 1) == Some(&'>') => {
                tokens.push(Token {
                    text: "=>".into(),
                    column: start + 1,
                    quoted: false,
                });
                i += 2;
            }
            '"' => {
                let mut value = String::new();
                i += 1;
                loop {
                    match chars.get(i) {
                        None => return Err(err(start + 1, "unterminated quoted string")),
                        Some('"') => break,
                        Some('\\') => {
                            match chars.get(i + 1) {
                                Some(&e @ ('"' | '\\')) => value.push(e),
                                Some('n') => value.push('\n'),
                                Some('t') => value.push('\t'),
                                _ => return Err(err(i + 1, "unsupported escape in quoted string")),
                            }
                            i += 2;
                            continue;
                        }
                        Some(&ch) => value.push(ch),
                    }
                    i += 1;
                }
                i += 1;
                tokens.push(Token {
                    text: value,
                    column: start + 1,
                    quoted: true,
                });
            }
            '`' => {
                let end = chars[i + 1..].iter().position(|&ch| ch == '`');
                let Some(end) = end else {
                    return Err(err(start + 1, "unterminated raw string"));
                };
                let value: String = chars[i + 1..i + 1 + end].iter().collect();
                i += end + 2;
                tokens.push(Token {
                    text: value,
                    column: start + 1,
                    quoted: true,
                });
            }
            _ => {
                while i < chars.len() {
                    let ch = chars[i];
                    if ch.is_whitespace() || "()[],\"`".contains(ch) {
                        break;
                    }
                    if ch == '/' && chars.get(i + 1) == Some(&'/') {
                        break;
                    }
                    if ch == '=' && chars.get(i + 1) == Some(&'>') {
                        break;
                    }
                    i += 1;
                }
                let text: String = chars[start..i].iter().collect();
                tokens.push(Token {
                    text,
                    column: start + 1,
                    quoted: false,
                });
            }
        }
    }
    Ok(Line {
        number,
        tokens,
        comment,
    })
}

const KNOWN_VERBS: &[&str] = &[
    "module",
    "go",
    "toolchain",
    "godebug",
    "require",
    "replace",
    "exclude",
    "retract",
    "tool",
    "ignore",
];

impl GoMod {
    /// Parse the text of a go.mod file.
    pub fn parse(text: &str) -> Result<GoMod, ParseError> {
        let mut lines = Vec::new();
        for (idx, raw) in text.lines().enumerate() {
            lines.push(lex_line(idx + 1, raw)?);
        }
        let mut gomod = GoMod::default();
        let mut i = 0;
        // The comment lines right above a directive (a retract's rationale may live there).
        let mut pending_comment: Vec<String> = Vec::new();
        while i < lines.len() {
            let line = &lines[i];
            i += 1;
            if line.tokens.is_empty() {
                match &line.comment {
                    Some(c) => pending_comment.push(c.clone()),
                    None => pending_comment.clear(),
                }
                continue;
            }
            let verb = &line.tokens[0];
            if verb.quoted || !KNOWN_VERBS.contains(&verb.text.as_str()) {
                return Err(ParseError {
                    line: line.number,
                    column: verb.column,
                    message: format!("unknown directive: {}", verb.text),
                });
            }
            let above = std::mem::take(&mut pending_comment);
            if line.tokens.len() == 2 && line.tokens[1].text == "(" && !line.tokens[1].quoted {
                // A block: `verb (` ... `)`.
                let mut block_comment: Vec<String> = Vec::new();
                loop {
                    let Some(inner) = lines.get(i) else {
                        return Err(ParseError {
                            line: line.number,
                            column: line.tokens[1].column,
                            message: format!("{} block is not closed with )", verb.text),
                        });
                    };
                    i += 1;
                    if inner.tokens.len() == 1
                        && inner.tokens[0].text == ")"
                        && !inner.tokens[0].quoted
                    {
                        break;
                    }
                    if inner.tokens.is_empty() {
                        match &inner.comment {
                            Some(c) => block_comment.push(c.clone()),
                            None => block_comment.clear(),
                        }
                        continue;
                    }
                    let above = std::mem::take(&mut block_comment);
                    gomod.directive(&verb.text, inner, &inner.tokens, &above)?;
                }
            } else {
                gomod.directive(&verb.text, line, &line.tokens[1..], &above)?;
            }
        }
        Ok(gomod)
    }

    fn directive(
        &mut self,
        verb: &str,
        line: &Line,
        args: &[Token],
        above: &[String],
    ) -> Result<(), ParseError> {
        let n = line.number;
        let at = |tok: Option<&Token>, message: String| ParseError {
            line: n,
            column: tok.map(|t| t.column).unwrap_or(1),
            message,
        };
        let want = |count: usize, usage: &str| -> Result<(), ParseError> {
            if args.len() != count {
                return Err(at(args.first(), format!("usage: {usage}")));
            }
            Ok(())
        };
        match verb {
            "module" => {
                if self.module.is_some() {
                    return Err(at(args.first(), "repeated module statement".into()));
                }
                want(1, "module module/path")?;
                self.module = Some(Located {
                    value: args[0].text.clone(),
                    line: n,
                });
            }
            "go" => {
                if self.go.is_some() {
                    return Err(at(args.first(), "repeated go statement".into()));
                }
                want(1, "go 1.23")?;
                if GoVersion::parse(&args[0].text).is_none() {
                    return Err(at(
                        args.first(),
                        format!(
                            "invalid go version '{}': must match format 1.23.0",
                            args[0].text
                        ),
                    ));
                }
                self.go = Some(Located {
                    value: args[0].text.clone(),
                    line: n,
                });
            }
            "toolchain" => {
                if self.toolchain.is_some() {
                    return Err(at(args.first(), "repeated toolchain statement".into()));
                }
                want(1, "toolchain go1.23.0")?;
                let valid = args[0].text == "default"
                    || args[0]
                        .text
                        .strip_prefix("go")
                        .and_then(GoVersion::parse)
                        .is_some();
                if !valid {
                    return Err(at(
                        args.first(),
                        format!(
                            "invalid toolchain '{}': must match format go1.23.0 or default",
                            args[0].text
                        ),
                    ));
                }
                self.toolchain = Some(Located {
                    value: args[0].text.clone(),
                    line: n,
                });
            }
            "require" => {
                want(2, "require module/path v1.2.3")?;
                let indirect = line
                    .comment
                    .as_deref()
                    .is_some_and(|c| c == "indirect" || c.starts_with("indirect;"));
                self.requires.push(Require {
                    path: args[0].text.clone(),
                    version: args[1].text.clone(),
                    indirect,
                    line: n,
                });
            }
            "exclude" => {
                want(2, "exclude module/path v1.2.3")?;
                self.excludes.push(Exclude {
                    path: args[0].text.clone(),
                    version: args[1].text.clone(),
                    line: n,
                });
            }
            "replace" => {
                let arrow = args.iter().position(|t| t.text == "=>" && !t.quoted);
                let usage = "replace module/path [v1.2.3] => other/module v1.4 or replace module/path [v1.2.3] => ../local/directory";
                let Some(arrow) = arrow else {
                    return Err(at(args.first(), format!("usage: {usage}")));
                };
                let (old, new) = (&args[..arrow], &args[arrow + 1..]);
                if old.is_empty() || old.len() > 2 || new.is_empty() || new.len() > 2 {
                    return Err(at(args.first(), format!("usage: {usage}")));
                }
                self.replaces.push(Replace {
                    old_path: old[0].text.clone(),
                    old_version: old.get(1).map(|t| t.text.clone()),
                    new_path: new[0].text.clone(),
                    new_version: new.get(1).map(|t| t.text.clone()),
                    line: n,
                });
            }
            "retract" => {
                let rationale = line
                    .comment
                    .clone()
                    .or_else(|| (!above.is_empty()).then(|| above.join("\n")))
                    .filter(|c| !c.is_empty());
                let (low, high) = match args {
                    [v] if !v.quoted && v.text != "[" => (v.text.clone(), v.text.clone()),
                    [open, low, comma, high, close]
                        if open.text == "[" && comma.text == "," && close.text == "]" =>
                    {
                        (low.text.clone(), high.text.clone())
                    }
                    _ => {
                        return Err(at(
                            args.first(),
                            "usage: retract v1.2.3 or retract [v1.2.3, v1.4.5]".into(),
                        ))
                    }
                };
                for v in [&low, &high] {
                    if parse_tag_version(v).is_err() {
                        return Err(at(
                            args.get(1).or(args.first()),
                            format!(
                                "invalid retract version {v}: not a canonical semantic version"
                            ),
                        ));
                    }
                }
                if version::compare(&low, &high) == std::cmp::Ordering::Greater {
                    return Err(at(
                        args.first(),
                        format!("invalid retract range [{low}, {high}]: low is above high"),
                    ));
                }
                self.retracts.push(Retract {
                    low,
                    high,
                    rationale,
                    line: n,
                });
            }
            // godebug, tool, ignore: valid, not relevant to release checks.
            _ => {}
        }
        Ok(())
    }

    /// The retraction covering `version`, if any.
    pub fn retraction_of(&self, version: &str) -> Option<&Retract> {
        self.retracts.iter().find(|r| {
            version::compare(&r.low, version) != std::cmp::Ordering::Greater
                && version::compare(version, &r.high) != std::cmp::Ordering::Greater
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FULL: &str = r#"// The example module.
module example.com/app/v2

go 1.22.1

toolchain go1.23.4

require example.com/lib v1.4.0

require (
	golang.org/x/text v0.14.0 // indirect
	"example.com/quoted" v0.1.0
)

replace example.com/lib v1.4.0 => ../lib

replace (
	example.com/other => example.com/fork v1.0.1
)

exclude example.com/bad v0.3.0

retract v2.0.1 // published by accident

// Broken parser.
retract [v2.1.0, v2.1.5]

godebug default=go1.21
"#;

    #[test]
    fn parses_every_directive_with_lines() {
        let m = GoMod::parse(FULL).unwrap();
        assert_eq!(
            m.module,
            Some(Located {
                value: "example.com/app/v2".into(),
                line: 2
            })
        );
        assert_eq!(m.go.as_ref().unwrap().value, "1.22.1");
        assert_eq!(m.go.as_ref().unwrap().line, 4);
        assert_eq!(m.toolchain.as_ref().unwrap().value, "go1.23.4");
        assert_eq!(m.requires.len(), 3);
        assert_eq!(
            m.requires[0],
            Require {
                path: "example.com/lib".into(),
                version: "v1.4.0".into(),
                indirect: false,
                line: 8
            }
        );
        assert!(m.requires[1].indirect);
        assert_eq!(m.requires[1].line, 11);
        assert_eq!(m.requires[2].path, "example.com/quoted");
        assert_eq!(m.replaces[0].old_version.as_deref(), Some("v1.4.0"));
        assert_eq!(m.replaces[0].new_path, "../lib");
        assert_eq!(m.replaces[0].new_version, None);
        assert_eq!(m.replaces[1].line, 18);
        assert_eq!(m.replaces[1].new_version.as_deref(), Some("v1.0.1"));
        assert_eq!(
            m.excludes[0],
            Exclude {
                path: "example.com/bad".into(),
                version: "v0.3.0".into(),
                line: 21
            }
        );
        assert_eq!(m.retracts.len(), 2);
        assert_eq!(m.retracts[0].low, "v2.0.1");
        assert_eq!(
            m.retracts[0].rationale.as_deref(),
            Some("published by accident")
        );
        assert_eq!(
            m.retracts[1],
            Retract {
                low: "v2.1.0".into(),
                high: "v2.1.5".into(),
                rationale: Some("Broken parser.".into()),
                line: 26
            }
        );
    }

    #[test]
    fn retraction_ranges_are_inclusive() {
        let m = GoMod::parse(FULL).unwrap();
        assert_eq!(m.retraction_of("v2.1.0").unwrap().line, 26);
        assert_eq!(m.retraction_of("v2.1.5").unwrap().line, 26);
        assert_eq!(m.retraction_of("v2.1.3").unwrap().line, 26);
        assert_eq!(m.retraction_of("v2.0.1").unwrap().line, 23);
        assert!(m.retraction_of("v2.1.6").is_none());
        assert!(m.retraction_of("v2.0.2").is_none());
    }

    #[test]
    fn syntax_errors_have_line_and_column() {
        let e = GoMod::parse("module a.com/m\nfrobnicate x\n").unwrap_err();
        assert_eq!(e.to_string(), "go.mod:2:1: unknown directive: frobnicate");
        let e = GoMod::parse("module a.com/m\nrequire (\n  a.com/x v1.0.0\n").unwrap_err();
        assert_eq!(
            e.to_string(),
            "go.mod:2:9: require block is not closed with )"
        );
        let e = GoMod::parse("module a.com/m\ngo 1.x\n").unwrap_err();
        assert_eq!(
            e.to_string(),
            "go.mod:2:4: invalid go version '1.x': must match format 1.23.0"
        );
        let e = GoMod::parse("module a.com/m\nrequire a.com/x\n").unwrap_err();
        assert_eq!(
            e.to_string(),
            "go.mod:2:9: usage: require module/path v1.2.3"
        );
        let e = GoMod::parse("module a.com/m\nretract [v1.2.0, v1.1.0]\n").unwrap_err();
        assert_eq!(
            e.to_string(),
            "go.mod:2:9: invalid retract range [v1.2.0, v1.1.0]: low is above high"
        );
        let e = GoMod::parse("module \"a.com/m\n").unwrap_err();
        assert_eq!(e.to_string(), "go.mod:1:8: unterminated quoted string");
        let e = GoMod::parse("module a.com/m\nmodule b.com/m\n").unwrap_err();
        assert_eq!(e.line, 2);
    }
}
