//! Value types shared by every tug.yaml section: [`Duration`] (`30s`, `5m`, `1h30m`) and [`Target`]
//! (`os/arch[/variant]`). They parse while the YAML is deserialized, so a bad value is reported at
//! its own `file:line:col` with a hint, whichever section it appears in. Also the "did you mean"
//! helper the loader uses for unknown keys, targets and template variables.

use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Separates the message from the hint inside a serde custom error; the loader splits on it so the
/// hint lands on its own `hint:` line (serde custom errors carry only one string).
pub(crate) const HINT_SEPARATOR: &str = "\nhint: ";

fn custom_error<E: serde::de::Error>(message: &str, hint: Option<&str>) -> E {
    match hint {
        Some(hint) => E::custom(format!("{message}{HINT_SEPARATOR}{hint}")),
        None => E::custom(message),
    }
}

/// The candidate closest to `word`, if it is close enough to be a plausible typo (at most a third
/// of the word's length, and at least 1, edits away). Edits are insertions, deletions,
/// substitutions and adjacent transpositions (`strsim`'s optimal string alignment), so `hots` is
/// one edit from `host`.
pub fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let limit = (word.chars().count() / 3).max(1);
    candidates
        .into_iter()
        .map(|c| (strsim::osa_distance(word, c), c))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// A length of time written the humantime way: `30s`, `5m`, `1h30m`, `500ms`, `2h 15m`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Duration(pub std::time::Duration);

impl Duration {
    pub fn get(self) -> std::time::Duration {
        self.0
    }
}

impl From<std::time::Duration> for Duration {
    fn from(d: std::time::Duration) -> Self {
        Duration(d)
    }
}

impl FromStr for Duration {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        humantime::parse_duration(s.trim())
            .map(Duration)
            .map_err(|e| format!("invalid duration `{s}`: {e}"))
    }
}

impl fmt::Display for Duration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_zero() {
            return f.write_str("0s");
        }
        // humantime writes `1h 30m`; drop the spaces so it reads like the config (`1h30m`).
        let text = humantime::format_duration(self.0)
            .to_string()
            .replace(' ', "");
        f.write_str(&text)
    }
}

impl<'de> Deserialize<'de> for Duration {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        text.parse().map_err(|msg: String| {
            custom_error(
                &msg,
                Some("write a number with a unit: `30s`, `5m`, `1h30m`, `500ms`"),
            )
        })
    }
}

impl Serialize for Duration {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_string())
    }
}

/// Serde for a `std::time::Duration` field written like a [`Duration`]: the same parser, the
/// same located error and hint, the same formatting (`#[serde(with = "std_duration")]`), for
/// sections whose engines take a plain std duration.
pub mod std_duration {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub fn serialize<S: Serializer>(d: &std::time::Duration, s: S) -> Result<S::Ok, S::Error> {
        super::Duration(*d).serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<std::time::Duration, D::Error> {
        super::Duration::deserialize(d).map(super::Duration::get)
    }
}

impl schemars::JsonSchema for Duration {
    fn schema_name() -> Cow<'static, str> {
        "Duration".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "description": "A duration: a number with a unit (ms, s, m, h, d), e.g. `30s`, `5m`, `1h30m`.",
            "pattern": "^\\s*([0-9]+\\s*[a-zA-Z]+\\s*)+$",
            "examples": ["30s", "5m", "1h30m"]
        })
    }
}

/// Every `os/arch` pair Go can build for (`go tool dist list`, Go 1.27). The build engine checks
/// targets against the installed toolchain as well; this list catches typos at load time.
pub const KNOWN_TARGETS: &[&str] = &[
    "aix/ppc64",
    "android/386",
    "android/amd64",
    "android/arm",
    "android/arm64",
    "darwin/amd64",
    "darwin/arm64",
    "dragonfly/amd64",
    "freebsd/386",
    "freebsd/amd64",
    "freebsd/arm",
    "freebsd/arm64",
    "illumos/amd64",
    "ios/amd64",
    "ios/arm64",
    "js/wasm",
    "linux/386",
    "linux/amd64",
    "linux/arm",
    "linux/arm64",
    "linux/loong64",
    "linux/mips",
    "linux/mips64",
    "linux/mips64le",
    "linux/mipsle",
    "linux/ppc64",
    "linux/ppc64le",
    "linux/riscv64",
    "linux/s390x",
    "netbsd/386",
    "netbsd/amd64",
    "netbsd/arm",
    "netbsd/arm64",
    "openbsd/386",
    "openbsd/amd64",
    "openbsd/arm",
    "openbsd/arm64",
    "openbsd/ppc64",
    "openbsd/riscv64",
    "plan9/386",
    "plan9/amd64",
    "plan9/arm",
    "solaris/amd64",
    "wasip1/wasm",
    "windows/386",
    "windows/amd64",
    "windows/arm64",
];

/// The variants an architecture accepts (GOARM, GOAMD64, GO386, GOMIPS, GOARM64), if any.
fn variants_for(arch: &str) -> &'static [&'static str] {
    match arch {
        "arm" => &["5", "6", "7"],
        "amd64" => &["v1", "v2", "v3", "v4"],
        "386" => &["sse2", "softfloat"],
        "mips" | "mipsle" | "mips64" | "mips64le" => &["hardfloat", "softfloat"],
        "arm64" => &[
            "v8.0", "v8.1", "v8.2", "v8.3", "v8.4", "v8.5", "v8.6", "v8.7", "v8.8", "v8.9", "v9.0",
            "v9.1", "v9.2", "v9.3", "v9.4", "v9.5",
        ],
        _ => &[],
    }
}

/// A build target, `os/arch` or `os/arch/variant` (`linux/amd64`, `linux/arm/7`,
/// `linux/amd64/v3`), as in `go tool dist list`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Target {
    pub os: String,
    pub arch: String,
    pub variant: Option<String>,
}

/// Why a target string was rejected, with the fix when there is an obvious one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct TargetError {
    pub message: String,
    pub hint: Option<String>,
}

impl Target {
    /// `os/arch` without the variant (the `go tool dist list` form).
    pub fn pair(&self) -> String {
        format!("{}/{}", self.os, self.arch)
    }
}

impl FromStr for Target {
    type Err = TargetError;

    fn from_str(s: &str) -> Result<Self, TargetError> {
        let parts: Vec<&str> = s.split('/').collect();
        if !(2..=3).contains(&parts.len()) || parts.iter().any(|p| p.is_empty()) {
            return Err(TargetError {
                message: format!("invalid target `{s}`: expected `os/arch` or `os/arch/variant`"),
                hint: Some("for example `linux/amd64`, `darwin/arm64` or `linux/arm/7`".into()),
            });
        }
        let pair = format!("{}/{}", parts[0], parts[1]);
        if !KNOWN_TARGETS.contains(&pair.as_str()) {
            let hint = match did_you_mean(&pair, KNOWN_TARGETS.iter().copied()) {
                Some(near) => {
                    format!("did you mean `{near}`? (`go tool dist list` shows every target)")
                }
                None => "`go tool dist list` shows every target Go can build for".to_string(),
            };
            return Err(TargetError {
                message: format!("unknown target `{s}`"),
                hint: Some(hint),
            });
        }
        let variant = parts.get(2).map(|v| v.to_string());
        if let Some(v) = &variant {
            let allowed = variants_for(parts[1]);
            if !allowed.contains(&v.as_str()) {
                let hint = if allowed.is_empty() {
                    format!("`{}` has no variants: write `{pair}`", parts[1])
                } else {
                    let near = did_you_mean(v, allowed.iter().copied())
                        .map(|n| format!("did you mean `{pair}/{n}`? "))
                        .unwrap_or_default();
                    format!("{near}variants of `{}`: {}", parts[1], allowed.join(", "))
                };
                return Err(TargetError {
                    message: format!("unknown variant `{v}` in target `{s}`"),
                    hint: Some(hint),
                });
            }
        }
        Ok(Target {
            os: parts[0].to_string(),
            arch: parts[1].to_string(),
            variant,
        })
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.os, self.arch)?;
        if let Some(v) = &self.variant {
            write!(f, "/{v}")?;
        }
        Ok(())
    }
}

impl<'de> Deserialize<'de> for Target {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        text.parse()
            .map_err(|e: TargetError| custom_error(&e.message, e.hint.as_deref()))
    }
}

impl Serialize for Target {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl schemars::JsonSchema for Target {
    fn schema_name() -> Cow<'static, str> {
        "Target".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "description": "A build target `os/arch` or `os/arch/variant` as in `go tool dist list` (e.g. `linux/amd64`, `linux/arm/7`).",
            "pattern": "^[a-z0-9]+/[a-z0-9]+(/[a-z0-9.]+)?$",
            "examples": ["linux/amd64", "darwin/arm64", "windows/amd64", "linux/arm/7"]
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_parse_humantime() {
        assert_eq!("30s".parse::<Duration>().unwrap().get().as_secs(), 30);
        assert_eq!("5m".parse::<Duration>().unwrap().get().as_secs(), 300);
        assert_eq!("1h30m".parse::<Duration>().unwrap().get().as_secs(), 5400);
        assert_eq!("1h30m".parse::<Duration>().unwrap().to_string(), "1h30m");
        assert!("5x"
            .parse::<Duration>()
            .unwrap_err()
            .contains("invalid duration `5x`"));
        assert!("".parse::<Duration>().is_err());
    }

    #[test]
    fn duration_error_is_located_with_hint() {
        #[derive(Deserialize)]
        #[allow(dead_code)]
        struct T {
            pause: Duration,
        }
        let err = serde_saphyr::from_str::<T>("pause: 5x\n").err().unwrap();
        let loc = err.location().unwrap();
        assert_eq!((loc.line(), loc.column()), (1, 8));
        assert!(err.to_string().contains("hint: write a number with a unit"));
    }

    #[test]
    fn targets_parse_and_suggest() {
        let t: Target = "linux/arm/7".parse().unwrap();
        assert_eq!(
            (t.os.as_str(), t.arch.as_str(), t.variant.as_deref()),
            ("linux", "arm", Some("7"))
        );
        assert_eq!(t.to_string(), "linux/arm/7");
        assert_eq!(t.pair(), "linux/arm");
        let e = "linux/amd65".parse::<Target>().unwrap_err();
        assert_eq!(e.message, "unknown target `linux/amd65`");
        assert!(e.hint.unwrap().starts_with("did you mean `linux/amd64`?"));
        let e = "darwn/arm64".parse::<Target>().unwrap_err();
        assert!(e.hint.unwrap().starts_with("did you mean `darwin/arm64`?"));
        let e = "linux/arm/8".parse::<Target>().unwrap_err();
        assert!(e.hint.unwrap().contains("variants of `arm`: 5, 6, 7"));
        let e = "linux/riscv64/x".parse::<Target>().unwrap_err();
        assert_eq!(
            e.hint.unwrap(),
            "`riscv64` has no variants: write `linux/riscv64`"
        );
        assert!("linux".parse::<Target>().is_err());
        assert!("linux//amd64".parse::<Target>().is_err());
    }

    #[test]
    fn suggestions_need_to_be_close() {
        assert_eq!(
            did_you_mean("ldflag", ["ldflags", "flags", "main"]),
            Some("ldflags")
        );
        assert_eq!(did_you_mean("zzzzzz", ["ldflags", "main"]), None);
        // A transposition is one edit: `hots` (4 chars, limit 1) still finds `host`.
        assert_eq!(did_you_mean("hots", ["path", "host"]), Some("host"));
        assert_eq!(did_you_mean("hsot", ["host"]), Some("host"));
        assert_eq!(did_you_mean("hxyt", ["host"]), None);
    }
}
