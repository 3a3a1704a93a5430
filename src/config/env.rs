//! A snapshot of the process environment, taken once in `main` (before logging and the printer
//! are set up, which read `TUG_LOG` and `NO_COLOR` from it), handed to `commands::run` and carried
//! in the command `Context`. The variables tug itself reads are listed in
//! `config::settings::VARIABLES`.
//!
//! Why it exists: engines must never read the process environment (it makes them untestable and
//! lets two parts of one run see different values). Everything that depends on a variable gets
//! its value from this snapshot, passed down as a value; tests build one with
//! [`EnvSnapshot::from_pairs`].

use std::collections::BTreeMap;
use std::path::PathBuf;

/// The environment variables of this run (those whose name and value are valid UTF-8).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EnvSnapshot {
    vars: BTreeMap<String, String>,
}

impl EnvSnapshot {
    /// Read the process environment. Call this once, at the top of a run.
    pub fn capture() -> Self {
        EnvSnapshot {
            vars: std::env::vars_os()
                .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
                .collect(),
        }
    }

    /// A snapshot holding exactly these variables (for tests and for tools run with a clean
    /// environment).
    pub fn from_pairs<K: Into<String>, V: Into<String>>(
        pairs: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        EnvSnapshot {
            vars: pairs
                .into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
        }
    }

    /// The value of `name`, if set (possibly empty).
    pub fn get(&self, name: &str) -> Option<&str> {
        self.vars.get(name).map(String::as_str)
    }

    /// The value of `name` if set and not empty.
    pub fn non_empty(&self, name: &str) -> Option<&str> {
        self.get(name).filter(|v| !v.is_empty())
    }

    /// The value of `name` as a path, if set and not empty.
    pub fn path(&self, name: &str) -> Option<PathBuf> {
        self.non_empty(name).map(PathBuf::from)
    }

    /// Every variable, sorted by name (for `{{ env.NAME }}` templates).
    pub fn vars(&self) -> &BTreeMap<String, String> {
        &self.vars
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_values_are_set_but_not_non_empty() {
        let env = EnvSnapshot::from_pairs([("A", ""), ("B", "x")]);
        assert_eq!(env.get("A"), Some(""));
        assert_eq!(env.non_empty("A"), None);
        assert_eq!(env.path("B"), Some(PathBuf::from("x")));
        assert_eq!(env.get("C"), None);
    }
}
