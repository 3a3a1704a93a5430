//! Build targets (`linux/amd64`, `linux/arm/7`, `linux/amd64/v3`, or a Rust triple) and their
//! validation against the `go tool dist list -json` of the Go toolchain in use.
//!
//! The list is cached per Go version in tug's cache directory (which the command passes in), so
//! validating costs one small file read instead of a `go` process on every build.

use std::path::Path;
use std::process::Command;

use serde::Deserialize;

use super::BuildError;

/// One platform to build for.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Target {
    /// As written in tug.yaml (`linux/arm/7`) or a Rust triple.
    pub name: String,
    /// GOOS-style operating system.
    pub os: String,
    /// GOARCH-style architecture.
    pub arch: String,
    /// GOARM / GOAMD64 / ... value, if any.
    pub variant: Option<String>,
}

/// Why a target is not one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TargetError {
    #[error("{0:?} is not os/arch or os/arch/variant")]
    Shape(String),
    #[error("{target:?}: {variant:?} is not a variant of {arch} (one of {allowed})")]
    UnknownVariant {
        target: String,
        variant: String,
        arch: String,
        allowed: String,
    },
    #[error("{target:?}: {arch} has no variants")]
    NoVariants { target: String, arch: String },
}

impl Target {
    /// Parse `os/arch` or `os/arch/variant`.
    pub fn parse(s: &str) -> Result<Target, TargetError> {
        let parts: Vec<&str> = s.split('/').collect();
        if !(2..=3).contains(&parts.len()) || parts.iter().any(|p| p.trim().is_empty()) {
            return Err(TargetError::Shape(s.to_string()));
        }
        let t = Target {
            name: s.to_string(),
            os: parts[0].to_string(),
            arch: parts[1].to_string(),
            variant: parts.get(2).map(|v| v.to_string()),
        };
        if let Some(v) = &t.variant {
            let allowed: &[&str] = match t.arch.as_str() {
                "arm" => &["5", "6", "7"],
                "amd64" => &["v1", "v2", "v3", "v4"],
                "386" => &["sse2", "softfloat"],
                "mips" | "mipsle" | "mips64" | "mips64le" => &["hardfloat", "softfloat"],
                _ => &[],
            };
            if !allowed.is_empty() && !allowed.contains(&v.as_str()) {
                return Err(TargetError::UnknownVariant {
                    target: s.to_string(),
                    variant: v.clone(),
                    arch: t.arch.clone(),
                    allowed: allowed.join(", "),
                });
            }
            if t.variant_env().is_none() {
                return Err(TargetError::NoVariants {
                    target: s.to_string(),
                    arch: t.arch.clone(),
                });
            }
        }
        Ok(t)
    }

    /// A Rust target triple (`x86_64-unknown-linux-gnu`), with os/arch in Go's words.
    pub fn from_triple(triple: &str) -> Target {
        let arch = match triple.split('-').next().unwrap_or("") {
            "x86_64" => "amd64",
            "aarch64" => "arm64",
            "i686" | "i586" => "386",
            "armv7" | "arm" => "arm",
            "riscv64gc" => "riscv64",
            other => other,
        };
        let os = if triple.contains("-linux") {
            "linux"
        } else if triple.contains("-apple-darwin") {
            "darwin"
        } else if triple.contains("-windows") {
            "windows"
        } else if triple.contains("-freebsd") {
            "freebsd"
        } else {
            "unknown"
        };
        Target {
            name: triple.to_string(),
            os: os.into(),
            arch: arch.into(),
            variant: None,
        }
    }

    /// The environment variable carrying the variant for `go build`.
    pub fn variant_env(&self) -> Option<&'static str> {
        Some(match self.arch.as_str() {
            "arm" => "GOARM",
            "amd64" => "GOAMD64",
            "arm64" => "GOARM64",
            "386" => "GO386",
            "mips" | "mipsle" => "GOMIPS",
            "mips64" | "mips64le" => "GOMIPS64",
            "ppc64" | "ppc64le" => "GOPPC64",
            "riscv64" => "GORISCV64",
            "wasm" => "GOWASM",
            _ => return None,
        })
    }

    /// `linux_amd64`, `linux_armv7`, `linux_amd64_v3`: used in directory and archive names.
    pub fn platform(&self) -> String {
        match &self.variant {
            None => format!("{}_{}", self.os, self.arch),
            Some(v) if v.starts_with(|c: char| c.is_ascii_digit()) => {
                format!("{}_{}v{v}", self.os, self.arch)
            }
            Some(v) => format!("{}_{}_{v}", self.os, self.arch),
        }
    }

    pub fn exe_suffix(&self) -> &'static str {
        if self.os == "windows" {
            ".exe"
        } else {
            ""
        }
    }

    /// `os/arch` without the variant.
    pub fn os_arch(&self) -> String {
        format!("{}/{}", self.os, self.arch)
    }
}

/// The host platform in Go's words.
pub fn host() -> Target {
    let arch = match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        "x86" => "386",
        other => other,
    };
    let os = match std::env::consts::OS {
        "macos" => "darwin",
        other => other,
    };
    let name = format!("{os}/{arch}");
    Target {
        name,
        os: os.into(),
        arch: arch.into(),
        variant: None,
    }
}

/// The platforms a Go toolchain can build for.
#[derive(Debug, Clone)]
pub struct GoPlatforms {
    pub go_version: String,
    pub platforms: Vec<String>,
}

#[derive(Deserialize)]
struct DistEntry {
    #[serde(rename = "GOOS")]
    goos: String,
    #[serde(rename = "GOARCH")]
    goarch: String,
}

impl GoPlatforms {
    /// Read (or compute and cache in `cache_dir`, tug's cache directory) `go tool dist list -json`
    /// for the `go` binary.
    pub fn load(go: &Path, cache_dir: Option<&Path>) -> Result<GoPlatforms, BuildError> {
        let go_version = go_version(go)?;
        let cache = cache_dir.map(|d| d.join(format!("go-dist-list-{go_version}.json")));
        if let Some(bytes) = cache.as_ref().and_then(|c| std::fs::read(c).ok()) {
            if let Ok(p) = parse_dist_list(&bytes) {
                return Ok(GoPlatforms {
                    go_version,
                    platforms: p,
                });
            }
        }
        let out = Command::new(go)
            .args(["tool", "dist", "list", "-json"])
            .output()
            .map_err(|e| BuildError::tool_missing("go", go, e))?;
        if !out.status.success() {
            return Err(BuildError::Config {
                message: format!(
                    "`go tool dist list` failed: {}",
                    String::from_utf8_lossy(&out.stderr).trim()
                ),
                hint: None,
            });
        }
        let platforms = parse_dist_list(&out.stdout).map_err(|e| BuildError::Config {
            message: format!("cannot read `go tool dist list -json`: {e}"),
            hint: None,
        })?;
        if let Some(cache) = cache {
            // The cache is an optimisation: failing to write it is not an error.
            let _ = crate::fsutil::write_atomic(&cache, &out.stdout);
        }
        Ok(GoPlatforms {
            go_version,
            platforms,
        })
    }

    pub fn contains(&self, t: &Target) -> bool {
        self.platforms.iter().any(|p| *p == t.os_arch())
    }

    /// Valid platforms close to `t` (same os or arch, or a small edit distance), best first.
    pub fn close_to(&self, t: &Target) -> Vec<String> {
        let wanted = t.os_arch();
        let mut scored: Vec<(usize, &String)> = self
            .platforms
            .iter()
            .map(|p| {
                let (os, arch) = p.split_once('/').unwrap_or((p, ""));
                let d = levenshtein(p, &wanted);
                let bonus = if os == t.os || arch == t.arch { 0 } else { 2 };
                (d + bonus, p)
            })
            .filter(|(d, _)| *d <= 3)
            .collect();
        scored.sort();
        scored.into_iter().take(3).map(|(_, p)| p.clone()).collect()
    }
}

fn parse_dist_list(bytes: &[u8]) -> Result<Vec<String>, serde_json::Error> {
    let entries: Vec<DistEntry> = serde_json::from_slice(bytes)?;
    Ok(entries
        .into_iter()
        .map(|e| format!("{}/{}", e.goos, e.goarch))
        .collect())
}

/// `go1.27.3`: from `$GOROOT/VERSION` next to the binary when present (no process), else from
/// `go env GOVERSION`.
pub fn go_version(go: &Path) -> Result<String, BuildError> {
    if let Some(root) = go.parent().and_then(Path::parent) {
        if let Ok(text) = std::fs::read_to_string(root.join("VERSION")) {
            if let Some(first) = text.lines().next().filter(|l| l.starts_with("go")) {
                return Ok(first.trim().to_string());
            }
        }
    }
    let out = Command::new(go)
        .args(["env", "GOVERSION"])
        .output()
        .map_err(|e| BuildError::tool_missing("go", go, e))?;
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
}

fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            cur[j + 1] = (prev[j] + usize::from(ca != *cb))
                .min(prev[j + 1] + 1)
                .min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_targets_and_platform_names() {
        let t = Target::parse("linux/arm/7").unwrap();
        assert_eq!(
            (t.variant_env(), t.platform()),
            (Some("GOARM"), "linux_armv7".to_string())
        );
        assert_eq!(
            Target::parse("linux/amd64/v3").unwrap().platform(),
            "linux_amd64_v3"
        );
        assert_eq!(Target::parse("windows/amd64").unwrap().exe_suffix(), ".exe");
        assert!(Target::parse("linux").is_err());
        assert_eq!(
            Target::parse("linux/arm/9").unwrap_err().to_string(),
            r#""linux/arm/9": "9" is not a variant of arm (one of 5, 6, 7)"#
        );
        assert_eq!(
            Target::parse("linux//"),
            Err(TargetError::Shape("linux//".into()))
        );
        assert!(matches!(
            Target::parse("linux/s390x/z15"),
            Err(TargetError::NoVariants { .. })
        ));
        let r = Target::from_triple("aarch64-apple-darwin");
        assert_eq!((r.os.as_str(), r.arch.as_str()), ("darwin", "arm64"));
    }

    #[test]
    fn suggests_close_platforms() {
        let p = GoPlatforms {
            go_version: "go1".into(),
            platforms: [
                "linux/amd64",
                "linux/arm64",
                "darwin/amd64",
                "windows/386",
                "plan9/arm",
            ]
            .map(String::from)
            .to_vec(),
        };
        let t = Target::parse("linux/amd65").unwrap();
        assert!(!p.contains(&t));
        assert_eq!(
            p.close_to(&t)[..2],
            ["linux/amd64".to_string(), "linux/arm64".to_string()]
        );
        assert!(p.contains(&Target::parse("linux/amd64/v3").unwrap()));
    }
}
