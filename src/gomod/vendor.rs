//! Vendored modules: whether a module's go commands must be told `-mod=vendor`, and the GOFLAGS
//! value tug's own go commands run with.
//!
//! The go command selects vendor mode by itself only when go.mod says `go 1.14` or later and
//! `vendor/modules.txt` exists; an older module with a vendor directory would otherwise go to the
//! module cache or the network (and fail offline). Every go command tug runs keeps the user's
//! GOFLAGS, and only adds `-mod=` when the user's flags do not set it.

use std::path::Path;

use super::version::GoVersion;

/// How the go command must load this module's dependencies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ModMode {
    /// No vendor directory: the module cache (or the proxy).
    Modules,
    /// `vendor/modules.txt` exists and go.mod says go 1.14 or later: the go command picks vendor
    /// mode itself.
    VendorAuto,
    /// `vendor/modules.txt` exists, go.mod says an older go (or nothing): `-mod=vendor` is needed.
    VendorExplicit,
}

impl ModMode {
    /// The mode of the module in `dir`, whose go.mod `go` directive is `go_directive`.
    pub fn detect(dir: &Path, go_directive: Option<&str>) -> ModMode {
        if !dir.join("vendor").join("modules.txt").is_file() {
            return ModMode::Modules;
        }
        match go_directive.and_then(GoVersion::parse) {
            Some(v) if v.at_least(1, 14) => ModMode::VendorAuto,
            _ => ModMode::VendorExplicit,
        }
    }

    /// The mode of the module in `dir`, reading its go.mod's `go` line.
    pub fn detect_dir(dir: &Path) -> ModMode {
        let go = std::fs::read_to_string(dir.join("go.mod"))
            .ok()
            .and_then(|t| {
                t.lines()
                    .find_map(|l| l.trim().strip_prefix("go ").map(|v| v.trim().to_string()))
            });
        ModMode::detect(dir, go.as_deref())
    }

    pub fn is_vendored(self) -> bool {
        self != ModMode::Modules
    }

    /// The `-mod` flag `go build` needs that the go command would not choose itself.
    pub fn build_flag(self) -> Option<&'static str> {
        (self == ModMode::VendorExplicit).then_some("-mod=vendor")
    }
}

/// GOFLAGS for a go command tug runs: the user's flags, then `default_mod` (`-mod=mod`,
/// `-mod=vendor`) unless the user's flags already choose a `-mod`.
pub fn goflags(user: Option<&str>, default_mod: Option<&str>) -> String {
    let user = user.unwrap_or("").trim();
    let sets_mod = user
        .split_whitespace()
        .any(|f| f.starts_with("-mod=") || f.starts_with("--mod="));
    match default_mod {
        Some(m) if !sets_mod => {
            if user.is_empty() {
                m.to_string()
            } else {
                format!("{user} {m}")
            }
        }
        _ => user.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vendor_mode_follows_the_go_directive() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        assert_eq!(ModMode::detect(d, Some("1.13")), ModMode::Modules);
        std::fs::create_dir_all(d.join("vendor")).unwrap();
        std::fs::write(d.join("vendor/modules.txt"), "").unwrap();
        assert_eq!(ModMode::detect(d, Some("1.13")), ModMode::VendorExplicit);
        assert_eq!(ModMode::detect(d, None), ModMode::VendorExplicit);
        assert_eq!(ModMode::detect(d, Some("1.14")), ModMode::VendorAuto);
        assert_eq!(ModMode::detect(d, Some("1.22.1")), ModMode::VendorAuto);
        assert_eq!(ModMode::VendorExplicit.build_flag(), Some("-mod=vendor"));
        assert_eq!(ModMode::VendorAuto.build_flag(), None);
        std::fs::write(d.join("go.mod"), "module m\n\ngo 1.13\n").unwrap();
        assert_eq!(ModMode::detect_dir(d), ModMode::VendorExplicit);
    }

    #[test]
    fn the_users_goflags_are_kept_and_win_over_tugs_mod() {
        assert_eq!(goflags(None, Some("-mod=mod")), "-mod=mod");
        assert_eq!(
            goflags(Some("-tags=x"), Some("-mod=vendor")),
            "-tags=x -mod=vendor"
        );
        assert_eq!(
            goflags(Some("-mod=readonly"), Some("-mod=mod")),
            "-mod=readonly"
        );
        assert_eq!(goflags(Some(" -v "), None), "-v");
    }
}
