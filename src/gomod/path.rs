//! Module path rules (as `golang.org/x/mod/module.CheckPath` applies them) and the major-version
//! suffix: `example.com/m/v2` is major 2, `gopkg.in/yaml.v3` is major 3, `/v0` and `/v1` are
//! never valid suffixes.

/// Why a module path is invalid.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("malformed module path \"{path}\": {reason}")]
pub struct PathError {
    pub path: String,
    pub reason: String,
}

fn fail(path: &str, reason: impl Into<String>) -> PathError {
    PathError {
        path: path.into(),
        reason: reason.into(),
    }
}

/// Windows reserved file names a path element must not use (Go refuses them everywhere).
pub(crate) const RESERVED: &[&str] = &[
    "CON", "PRN", "AUX", "NUL", "COM1", "COM2", "COM3", "COM4", "COM5", "COM6", "COM7", "COM8",
    "COM9", "LPT1", "LPT2", "LPT3", "LPT4", "LPT5", "LPT6", "LPT7", "LPT8", "LPT9",
];

/// Check that `path` is a valid module path, including its major-version suffix.
pub fn check_module_path(path: &str) -> Result<(), PathError> {
    if path.is_empty() {
        return Err(fail(path, "empty string"));
    }
    if path.starts_with('/') || path.ends_with('/') {
        return Err(fail(path, "leading or trailing slash"));
    }
    let elems: Vec<&str> = path.split('/').collect();
    let first = elems[0];
    if !first.contains('.') {
        return Err(fail(path, "missing dot in first path element"));
    }
    if first.starts_with('-') {
        return Err(fail(path, "leading dash in first path element"));
    }
    if let Some(c) = first
        .chars()
        .find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || "-.".contains(*c)))
    {
        return Err(fail(
            path,
            format!("invalid char '{c}' in first path element"),
        ));
    }
    for elem in &elems {
        if elem.is_empty() {
            return Err(fail(path, "double slash"));
        }
        if *elem == "." || *elem == ".." {
            return Err(fail(path, format!("invalid path element \"{elem}\"")));
        }
        if let Some(c) = elem
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || "-._~".contains(*c)))
        {
            return Err(fail(path, format!("invalid char '{c}'")));
        }
        if elem.starts_with('.') || elem.ends_with('.') {
            return Err(fail(
                path,
                format!("path element \"{elem}\" begins or ends with a dot"),
            ));
        }
        let stem = elem.split('.').next().unwrap_or("");
        if RESERVED.iter().any(|r| r.eq_ignore_ascii_case(stem)) {
            return Err(fail(
                path,
                format!("\"{elem}\" is a reserved file name on Windows"),
            ));
        }
    }
    let (_, suffix) =
        split_path_version(path).ok_or_else(|| fail(path, "invalid version suffix"))?;
    if let Some(major) = suffix {
        if path.starts_with("gopkg.in/") {
            return Ok(());
        }
        if major < 2 {
            return Err(fail(
                path,
                format!("major version suffix /v{major} is invalid: only /v2 and above exist"),
            ));
        }
    }
    Ok(())
}

/// Split a module path into its prefix and major version: `("example.com/m", Some(2))` for
/// `example.com/m/v2`; `None` when the suffix is malformed (`/v02`, `gopkg.in/x` without `.vN`).
/// A `/v0` or `/v1` suffix is returned as such for [`check_module_path`] to refuse.
pub fn split_path_version(path: &str) -> Option<(&str, Option<u64>)> {
    if let Some(rest) = path.strip_prefix("gopkg.in/") {
        let dot = rest.rfind(".v")?;
        let digits = &rest[dot + 2..];
        let major = parse_major(digits)?;
        return Some((&path[..9 + dot], Some(major)));
    }
    if let Some(slash) = path.rfind('/') {
        let last = &path[slash + 1..];
        if let Some(digits) = last.strip_prefix('v') {
            if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
                let major = parse_major(digits)?;
                return Some((&path[..slash], Some(major)));
            }
        }
    }
    Some((path, None))
}

fn parse_major(digits: &str) -> Option<u64> {
    if digits.is_empty()
        || !digits.bytes().all(|b| b.is_ascii_digit())
        || (digits.len() > 1 && digits.starts_with('0'))
    {
        return None;
    }
    digits.parse().ok()
}

/// Whether a release of `major` may use the module path `path`: v0/v1 need no suffix, v2+ need
/// exactly `/vN` (or `.vN` for gopkg.in). Returns the problem in words.
pub fn check_major_matches(path: &str, major: u64) -> Result<(), String> {
    let suffix = split_path_version(path).and_then(|(_, s)| s);
    let gopkg = path.starts_with("gopkg.in/");
    match (major, suffix) {
        (0 | 1, None) => Ok(()),
        (0 | 1, Some(n)) if gopkg && n == major => Ok(()),
        (0 | 1, Some(n)) if n >= 2 => Err(format!(
            "module path {path} has major version suffix /v{n}, so it cannot be tagged v{major}"
        )),
        (0 | 1, Some(n)) => Err(format!(
            "module path {path} ends in /v{n}, which is never valid"
        )),
        (m, None) => Err(format!(
            "version v{m} needs the module path to end in /v{m}, but it is {path}"
        )),
        (m, Some(n)) if n == m => Ok(()),
        (m, Some(n)) => Err(format!(
            "module path {path} has major version suffix /v{n}, so it cannot be tagged v{m}"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_paths() {
        for p in [
            "example.com/m",
            "github.com/a/b/v2",
            "gopkg.in/yaml.v3",
            "example.com/a-b_c~d/e.f",
        ] {
            check_module_path(p).unwrap_or_else(|e| panic!("{p}: {e}"));
        }
    }

    #[test]
    fn invalid_paths() {
        let cases = [
            ("", "empty string"),
            ("/example.com/m", "leading or trailing slash"),
            ("mymodule", "missing dot in first path element"),
            ("Example.com/m", "invalid char 'E' in first path element"),
            ("example.com//m", "double slash"),
            ("example.com/m/../x", "invalid path element \"..\""),
            ("example.com/m x", "invalid char ' '"),
            (
                "example.com/.hidden",
                "path element \".hidden\" begins or ends with a dot",
            ),
            (
                "example.com/m/v1",
                "major version suffix /v1 is invalid: only /v2 and above exist",
            ),
            (
                "example.com/m/v0",
                "major version suffix /v0 is invalid: only /v2 and above exist",
            ),
            ("example.com/m/v02", "invalid version suffix"),
            (
                "example.com/aux/m",
                "\"aux\" is a reserved file name on Windows",
            ),
        ];
        for (p, reason) in cases {
            let e = check_module_path(p).unwrap_err();
            assert_eq!(e.reason, reason, "{p}");
        }
    }

    #[test]
    fn major_suffixes() {
        assert_eq!(
            split_path_version("example.com/m/v2"),
            Some(("example.com/m", Some(2)))
        );
        assert_eq!(
            split_path_version("example.com/m"),
            Some(("example.com/m", None))
        );
        assert_eq!(
            split_path_version("gopkg.in/yaml.v3"),
            Some(("gopkg.in/yaml", Some(3)))
        );
        assert!(check_major_matches("example.com/m", 1).is_ok());
        assert!(check_major_matches("example.com/m/v2", 2).is_ok());
        assert_eq!(
            check_major_matches("example.com/m", 2).unwrap_err(),
            "version v2 needs the module path to end in /v2, but it is example.com/m"
        );
        assert_eq!(
            check_major_matches("example.com/m/v3", 2).unwrap_err(),
            "module path example.com/m/v3 has major version suffix /v3, so it cannot be tagged v2"
        );
        assert_eq!(
            check_major_matches("example.com/m/v1", 1).unwrap_err(),
            "module path example.com/m/v1 ends in /v1, which is never valid"
        );
    }
}
