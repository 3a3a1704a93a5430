//! Module paths and versions as the GOPROXY protocol spells them in URLs and file names
//! (`golang.org/x/mod/module.EscapePath`/`EscapeVersion`): every upper-case letter becomes `!`
//! and its lower-case form, so `github.com/Azure/lib` is stored as `github.com/!azure/lib` and
//! two paths that differ only in case never share a directory on a case-insensitive disk.
//!
//! A path is checked with [`check_module_path`](super::check_module_path) before it is escaped:
//! an invalid path has no escaped form.

use super::path::{check_module_path, PathError};

/// Why a version cannot be a file name in a proxy.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("version {version:?} is not a valid module version: {reason}")]
pub struct VersionNameError {
    pub version: String,
    pub reason: &'static str,
}

/// The escaped form of a valid module path.
pub fn escape_path(path: &str) -> Result<String, PathError> {
    check_module_path(path)?;
    Ok(escape(path))
}

/// The escaped form of a version (`v1.0.0-RC1` → `v1.0.0-!r!c1`).
pub fn escape_version(version: &str) -> Result<String, VersionNameError> {
    let bad = |reason| VersionNameError {
        version: version.to_string(),
        reason,
    };
    if version.is_empty() || version.chars().all(|c| c == '.') {
        return Err(bad("empty or dots only"));
    }
    if version.contains('!') {
        return Err(bad("contains '!'"));
    }
    if let Some(c) = version.chars().find(|c| !file_name_char(*c)) {
        let _ = c;
        return Err(bad("contains a character not allowed in a file name"));
    }
    Ok(escape(version))
}

/// `!x` for every upper-case ASCII letter `X`; the input is already known to be ASCII without `!`.
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 4);
    for c in s.chars() {
        if c.is_ascii_uppercase() {
            out.push('!');
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// The characters `module.CheckFilePath` allows in a file name element: ASCII letters and
/// digits, `!#$%&()+,-.=@[]^_{}~` and space, and any Unicode letter.
pub fn file_name_char(c: char) -> bool {
    if c.is_ascii() {
        c.is_ascii_alphanumeric() || "!#$%&()+,-.=@[]^_{}~ ".contains(c)
    } else {
        c.is_alphabetic()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_upper_case_and_refuses_invalid_paths() {
        assert_eq!(
            escape_path("github.com/Azure/Go-Lib").unwrap(),
            "github.com/!azure/!go-!lib"
        );
        assert_eq!(escape_path("example.com/lib").unwrap(), "example.com/lib");
        assert!(escape_path("Example.com/lib").is_err());
        assert!(escape_path("example.com/a b").is_err());
        assert_eq!(escape_version("v1.0.0-RC1").unwrap(), "v1.0.0-!r!c1");
        assert!(escape_version("v1!0").is_err());
        assert!(escape_version("v1/0").is_err());
    }
}
