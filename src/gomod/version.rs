//! Go's flavour of semantic versions: release tags are `v` + canonical semver (`v1.2.3`,
//! `v1.2.3-rc.1`), never `v1.2`, never build metadata, never leading zeros; and the `go 1.N[.P]`
//! language versions of go.mod.

use std::cmp::Ordering;

/// Why a tag is not a canonical Go module version.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VersionError {
    #[error("'{0}' does not start with 'v'")]
    NoV(String),
    #[error("'{0}' has build metadata (+...), which Go module versions cannot carry")]
    BuildMetadata(String),
    #[error("'{0}' is not canonical semver: {1}")]
    NotSemver(String, String),
}

/// Parse `vMAJOR.MINOR.PATCH[-PRERELEASE]` strictly.
pub fn parse_tag_version(text: &str) -> Result<semver::Version, VersionError> {
    let Some(rest) = text.strip_prefix('v') else {
        return Err(VersionError::NoV(text.into()));
    };
    if rest.contains('+') {
        return Err(VersionError::BuildMetadata(text.into()));
    }
    let v = semver::Version::parse(rest).map_err(|e| {
        let why = if rest
            .split(['.', '-'])
            .take(3)
            .filter(|p| !p.is_empty())
            .count()
            < 3
            || rest.split('-').next().unwrap_or("").split('.').count() < 3
        {
            "it needs all of MAJOR.MINOR.PATCH (v1.2.3)".to_string()
        } else {
            e.to_string()
        };
        VersionError::NotSemver(text.into(), why)
    })?;
    Ok(v)
}

/// Compare two `v`-prefixed versions by semver precedence; unparsable ones sort lowest.
pub fn compare(a: &str, b: &str) -> Ordering {
    match (parse_tag_version(a), parse_tag_version(b)) {
        (Ok(a), Ok(b)) => a.cmp_precedence(&b),
        (Ok(_), Err(_)) => Ordering::Greater,
        (Err(_), Ok(_)) => Ordering::Less,
        (Err(_), Err(_)) => a.cmp(b),
    }
}

/// `v{major}.{minor}.{patch}` of a version, with prerelease.
pub fn render(v: &semver::Version) -> String {
    format!("v{v}")
}

/// A `go` directive version: `1.21`, `1.21.3`, `1.21rc1`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct GoVersion {
    pub major: u64,
    pub minor: u64,
    pub patch: u64,
}

impl GoVersion {
    /// Parse `1.N`, `1.N.P` or `1.NrcK`/`1.NbetaK` (the prerelease counts as patch 0).
    pub fn parse(text: &str) -> Option<GoVersion> {
        let text = text.strip_prefix("go").unwrap_or(text);
        let mut parts = text.splitn(3, '.');
        let num = |s: &str| -> Option<u64> {
            if s.is_empty()
                || !s.bytes().all(|b| b.is_ascii_digit())
                || (s.len() > 1 && s.starts_with('0'))
            {
                return None;
            }
            s.parse().ok()
        };
        let major = num(parts.next()?)?;
        let Some(minor_text) = parts.next() else {
            return Some(GoVersion {
                major,
                minor: 0,
                patch: 0,
            });
        };
        let (minor_digits, pre) = match minor_text.find(|c: char| !c.is_ascii_digit()) {
            Some(at) => minor_text.split_at(at),
            None => (minor_text, ""),
        };
        let minor = num(minor_digits)?;
        if !pre.is_empty() {
            let tail = pre
                .strip_prefix("rc")
                .or_else(|| pre.strip_prefix("beta"))?;
            num(tail)?;
            return parts.next().is_none().then_some(GoVersion {
                major,
                minor,
                patch: 0,
            });
        }
        let patch = match parts.next() {
            Some(p) => num(p)?,
            None => 0,
        };
        Some(GoVersion {
            major,
            minor,
            patch,
        })
    }

    pub fn at_least(&self, major: u64, minor: u64) -> bool {
        (self.major, self.minor) >= (major, minor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_tags_only() {
        assert!(parse_tag_version("v1.2.3").is_ok());
        assert!(parse_tag_version("v1.2.3-rc.1").is_ok());
        assert!(parse_tag_version("v0.0.0-20240101-abcdef").is_ok());
        assert_eq!(
            parse_tag_version("1.2.3").unwrap_err().to_string(),
            "'1.2.3' does not start with 'v'"
        );
        assert_eq!(
            parse_tag_version("v1.2").unwrap_err().to_string(),
            "'v1.2' is not canonical semver: it needs all of MAJOR.MINOR.PATCH (v1.2.3)"
        );
        assert!(matches!(
            parse_tag_version("v1.2.3+meta"),
            Err(VersionError::BuildMetadata(_))
        ));
        assert!(matches!(
            parse_tag_version("v01.2.3"),
            Err(VersionError::NotSemver(..))
        ));
        assert!(matches!(
            parse_tag_version("v1.2.3-rc.01"),
            Err(VersionError::NotSemver(..))
        ));
    }

    #[test]
    fn precedence() {
        assert_eq!(compare("v1.10.0", "v1.9.0"), Ordering::Greater);
        assert_eq!(compare("v1.0.0-rc.1", "v1.0.0"), Ordering::Less);
        assert_eq!(compare("v1.0.0", "v1.0.0"), Ordering::Equal);
    }

    #[test]
    fn go_versions() {
        assert_eq!(
            GoVersion::parse("1.22"),
            Some(GoVersion {
                major: 1,
                minor: 22,
                patch: 0
            })
        );
        assert_eq!(
            GoVersion::parse("1.22.3"),
            Some(GoVersion {
                major: 1,
                minor: 22,
                patch: 3
            })
        );
        assert_eq!(
            GoVersion::parse("go1.21rc2"),
            Some(GoVersion {
                major: 1,
                minor: 21,
                patch: 0
            })
        );
        assert_eq!(GoVersion::parse("1.x"), None);
        assert_eq!(GoVersion::parse("1.02"), None);
        assert!(GoVersion::parse("1.23.0").unwrap().at_least(1, 23));
    }
}
