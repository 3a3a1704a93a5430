//! Did the version get in? After a release build, every Go binary must carry the strings its
//! `-ldflags -X pkg.var=value` inject. The go linker silently ignores `-X` for a variable that is
//! a `const`, is initialised from a function call, or does not exist, and the binary then reports
//! whatever the source says (often the previous release).
//!
//! The check looks for each injected value in the binary's bytes outside its build info (the
//! build info records the `-ldflags` text itself, so it always contains the value). Only `-X`
//! values that vary per release (they contain the version) are checked: a fixed string could be
//! in the binary for other reasons.

use std::path::Path;

/// How a failed embedding is treated (from the `build-info` check's severity).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum EmbedCheck {
    /// Not checked.
    Off,
    /// Reported, the build still succeeds.
    Warn,
    /// The build fails before the dist is replaced.
    #[default]
    Error,
}

/// One `-X` whose value is missing from a built binary.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct NotEmbedded {
    pub build: String,
    pub target: String,
    /// `main.version`.
    pub variable: String,
    /// The value `-X` was to set.
    pub value: String,
}

impl std::fmt::Display for NotEmbedded {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} ({}): {} is not {:?} in the binary: {} is a const or does not exist, so -X had no effect",
            self.build, self.target, self.variable, self.value, self.variable
        )
    }
}

/// The `-X name=value` pairs of go build arguments (`-ldflags` values, `-X=a=b` and `-X a=b`).
pub fn x_flags(args: &[String]) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let value = if a == "-ldflags" || a == "--ldflags" {
            it.next().cloned()
        } else {
            a.strip_prefix("-ldflags=")
                .or_else(|| a.strip_prefix("--ldflags="))
                .map(str::to_string)
        };
        let Some(ldflags) = value else { continue };
        let words: Vec<&str> = ldflags.split_whitespace().collect();
        let mut i = 0;
        while i < words.len() {
            let pair = match words[i] {
                "-X" | "--X" => {
                    i += 1;
                    words.get(i).copied()
                }
                w => w.strip_prefix("-X=").or_else(|| w.strip_prefix("--X=")),
            };
            if let Some((name, value)) = pair.and_then(|p| p.split_once('=')) {
                out.push((
                    name.to_string(),
                    value.trim_matches('\'').trim_matches('"').to_string(),
                ));
            }
            i += 1;
        }
    }
    out
}

/// The build info markers of Go 1.18+ (`debug/buildinfo`): the module info string sits between.
const INFO_START: &[u8] = b"0w\xaf\x0c\x92t\x08\x02A\xe1\xc1\x07\xe6\xd6\x18\xe6";
const INFO_END: &[u8] = b"\xf92C1\x86\x18 r\x00\x82B\x10A\x16\xd8\xf2";

fn find(hay: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    if needle.is_empty() || hay.len() < needle.len() {
        return None;
    }
    (from..=hay.len() - needle.len()).find(|&i| &hay[i..i + needle.len()] == needle)
}

/// Whether `value` occurs in `bytes` outside the build info.
pub fn contains_outside_buildinfo(bytes: &[u8], value: &str) -> bool {
    let mut ranges = Vec::new();
    let mut from = 0;
    while let Some(s) = find(bytes, INFO_START, from) {
        let e = find(bytes, INFO_END, s).unwrap_or(bytes.len());
        ranges.push((s, e));
        from = e.min(bytes.len().saturating_sub(1)) + 1;
        if from >= bytes.len() {
            break;
        }
    }
    let needle = value.as_bytes();
    let mut at = 0;
    while let Some(i) = find(bytes, needle, at) {
        if !ranges.iter().any(|&(s, e)| i >= s && i < e) {
            return true;
        }
        at = i + 1;
    }
    false
}

/// The `-X` values containing `version` that are missing from `binary`.
pub fn check(
    binary: &Path,
    args: &[String],
    version: &str,
) -> std::io::Result<Vec<(String, String)>> {
    let wanted: Vec<(String, String)> = x_flags(args)
        .into_iter()
        .filter(|(_, v)| !version.is_empty() && v.contains(version))
        .collect();
    if wanted.is_empty() {
        return Ok(Vec::new());
    }
    let bytes = std::fs::read(binary)?;
    Ok(wanted
        .into_iter()
        .filter(|(_, v)| !contains_outside_buildinfo(&bytes, v))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn x_flags_of_go_build_arguments() {
        let args: Vec<String> = [
            "build",
            "-ldflags",
            "-s -w -X main.version=1.2.3 -X=main.commit=abc",
            ".",
        ]
        .map(String::from)
        .to_vec();
        assert_eq!(
            x_flags(&args),
            [
                ("main.version".to_string(), "1.2.3".to_string()),
                ("main.commit".to_string(), "abc".to_string())
            ]
        );
    }

    #[test]
    fn a_value_only_in_the_build_info_does_not_count() {
        let mut bin = b"prefix ".to_vec();
        bin.extend_from_slice(INFO_START);
        bin.extend_from_slice(b"build\t-ldflags=\"-X main.version=1.2.3\"\n");
        bin.extend_from_slice(INFO_END);
        bin.extend_from_slice(b" suffix");
        assert!(!contains_outside_buildinfo(&bin, "1.2.3"));
        bin.extend_from_slice(b"1.2.3");
        assert!(contains_outside_buildinfo(&bin, "1.2.3"));
    }
}
