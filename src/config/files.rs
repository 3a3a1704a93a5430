//! The files and names tug.yaml refers to, checked before any command needs them.
//!
//! Two levels, because a developer's machine is not the CI runner:
//! - [`check_values`] runs whenever tug.yaml loads: OCI repository names that no registry
//!   accepts (`Acme/Hello`), and a `sign.password` that looks like a password written into the
//!   file rather than a path or `env://VAR`. That one is reported without its text, and the
//!   source line is shown masked: tug.yaml is usually committed, so the hint says to rotate it.
//! - [`check_files`] runs in `tug check`: every file the config names (signing key, public
//!   keys, password file, release-notes template, ssh files) exists and is readable, relative to
//!   tug.yaml's directory; `env://VAR` references whose variable is unset in this run are
//!   warnings (CI sets them, a laptop often does not).

use std::path::Path;

use super::env::EnvSnapshot;
use super::publish::PublisherConfig;
use super::tree::Node;
use super::{Config, Location, Spanned, Validator};

/// Could `text` be a password rather than a path? No path separator, no extension-like dot, no
/// scheme, and either long or a mix of letters and digits/symbols (`hunter2hunter2`).
fn looks_like_secret(text: &str) -> bool {
    let t = text.trim();
    if t.is_empty() || t.contains('/') || t.contains("://") || t.contains(' ') {
        return false;
    }
    if t.rsplit_once('.').is_some_and(|(stem, ext)| {
        !stem.is_empty()
            && (1..=4).contains(&ext.len())
            && ext.chars().all(|c| c.is_ascii_alphanumeric())
    }) {
        return false;
    }
    let letters = t.chars().any(|c| c.is_alphabetic());
    let others = t.chars().any(|c| !c.is_alphabetic());
    t.chars().count() >= 8 && letters && others
}

/// Is `name` a valid OCI repository (`[registry[:port]/]path`, path components lowercase
/// `[a-z0-9]+` joined by `.`, `_`, `__` or `-`)?
fn oci_repository_error(name: &str) -> Option<String> {
    let mut parts: Vec<&str> = name.split('/').collect();
    if parts.len() > 1 {
        let first = parts[0];
        if first.contains('.') || first.contains(':') || first == "localhost" {
            let host = first.split(':').next().unwrap_or(first);
            let port_ok = first
                .split_once(':')
                .is_none_or(|(_, p)| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()));
            if host.is_empty()
                || !host
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-')
                || !port_ok
            {
                return Some(format!("`{first}` is not a registry host[:port]"));
            }
            parts.remove(0);
        }
    }
    if parts.is_empty() {
        return Some("it names a registry but no repository".into());
    }
    for c in parts {
        let valid = !c.is_empty()
            && c.chars()
                .all(|ch| ch.is_ascii_lowercase() || ch.is_ascii_digit() || "._-".contains(ch))
            && c.starts_with(|ch: char| ch.is_ascii_alphanumeric())
            && c.ends_with(|ch: char| ch.is_ascii_alphanumeric())
            && !c.contains("..")
            && !c.contains("___");
        if !valid {
            return Some(format!(
                "path component `{c}` must be lowercase letters and digits, separated by `.`, `_`, `__` or `-`"
            ));
        }
    }
    None
}

/// Load-time checks of values (see the module doc). `base` is tug.yaml's directory.
pub fn check_values(config: &Config, tree: &Node, base: &Path, v: &mut Validator) {
    if let Some(pw) = config.sign.as_ref().and_then(|s| s.password.as_ref()) {
        let value = pw.value.trim();
        if !value.starts_with("env://") && !base.join(value).exists() && looks_like_secret(value) {
            v.error_redacted(
                pw.referenced,
                "`sign.password` looks like a password written into tug.yaml, not a file path or env://VAR (its text is not shown)",
                Some("use `password: env://COSIGN_PASSWORD` (or a file holding it), and change that password: tug.yaml is usually committed".into()),
            );
        }
    }
    for (i, p) in config.publish.iter().enumerate() {
        let PublisherConfig::Oci(o) = p else { continue };
        for (field, name) in [
            ("repository", Some(&o.repository)),
            (
                "images.repository",
                o.images.as_ref().map(|i| &i.repository),
            ),
        ] {
            let Some(name) = name else { continue };
            if name.contains("{{") || name.contains("{%") {
                continue;
            }
            if let Some(why) = oci_repository_error(name) {
                let path = format!("publish[{i}].{field}");
                let at = tree.find(&path).map_or(Location::UNKNOWN, |n| n.at);
                let lower = name.to_ascii_lowercase();
                let hint = if oci_repository_error(&lower).is_none() {
                    format!("write it in lowercase: `{lower}`")
                } else {
                    "e.g. `registry.example.com/acme/hello` or `127.0.0.1:5000/acme/hello`".into()
                };
                v.error(
                    at,
                    format!("invalid OCI repository name `{name}` in `{path}`: {why}"),
                    Some(hint),
                );
            }
        }
    }
}

/// `tug check`'s file checks (see the module doc): `base` is tug.yaml's directory, `env` the
/// run's environment.
pub fn check_files(
    config: &Config,
    tree: &Node,
    base: &Path,
    env: &EnvSnapshot,
    v: &mut Validator,
) {
    let file = |v: &mut Validator, what: &str, value: &str, at: Location, secret: bool| {
        if let Some(var) = value.strip_prefix("env://") {
            if env.get(var).is_none() {
                v.warn(
                    at,
                    format!("{what}: environment variable {var} is not set in this run"),
                    Some(format!(
                        "export {var} where this command runs (in CI: a secret of the job)"
                    )),
                );
            }
            return;
        }
        let path = base.join(value);
        if let Err(e) = std::fs::File::open(&path) {
            let shown = if secret && looks_like_secret(value) {
                "the file it names".to_string()
            } else {
                format!("`{value}`")
            };
            v.error(
                at,
                format!("{what}: cannot read {shown}: {}", io_reason(&e)),
                Some("paths are relative to tug.yaml's directory; check the name and its permissions".into()),
            );
        } else if path.is_dir() {
            v.error(
                at,
                format!("{what}: `{value}` is a directory, not a file"),
                None,
            );
        }
    };
    let loc = |path: &str| tree.find(path).map_or_else(|| tree.locate(path), |n| n.at);
    if let Some(s) = &config.sign {
        let spanned_or = |x: &Option<Spanned<String>>, default: &str, key: &str| match x {
            Some(s) => (s.value.clone(), s.referenced),
            None => (
                default.to_string(),
                tree.locate(&format!("sign.{key}"))
                    .max_line(tree.locate("sign")),
            ),
        };
        let (k, at) = spanned_or(&s.key, super::sign::DEFAULT_KEY, "key");
        file(v, "sign.key (the signing key)", &k, at, true);
        let (k, at) = spanned_or(&s.public_key, super::sign::DEFAULT_PUBLIC_KEY, "public_key");
        let start = v.diagnostics.len();
        file(v, "sign.public_key", &k, at, false);
        if s.public_key.is_none() {
            // Only `tug verify` needs the default public key; signing works without it.
            for d in &mut v.diagnostics[start..] {
                d.severity = super::Severity::Warning;
                d.message.push_str(" (the default; `tug verify` needs it)");
            }
        }
        if let Some(pw) = &s.password {
            file(
                v,
                "sign.password (the key's password file)",
                &pw.value,
                pw.referenced,
                true,
            );
        }
    }
    if let Some(t) = config
        .release_notes
        .template
        .as_deref()
        .filter(|_| !config.release_notes.disable)
    {
        file(
            v,
            "release_notes.template",
            t,
            loc("release_notes.template"),
            false,
        );
    }
    for (name, e) in &config.environments {
        if let Some(k) = e
            .public_key
            .as_deref()
            .filter(|k| !k.trim_start().starts_with("-----BEGIN"))
        {
            file(
                v,
                &format!("environments.{name}.public_key"),
                k,
                loc(&format!("environments.{name}.public_key")),
                false,
            );
        }
        for (key, value) in [
            ("ssh_config", &e.target.ssh_config),
            ("known_hosts", &e.target.known_hosts),
            ("identity_file", &e.target.identity_file),
        ] {
            if let Some(value) = value {
                let path = format!("environments.{name}.target.{key}");
                file(v, &path, value, loc(&path), true);
            }
        }
    }
}

trait MaxLine {
    fn max_line(self, other: Location) -> Location;
}

impl MaxLine for Location {
    /// `self` when it is a real location, else `other`.
    fn max_line(self, other: Location) -> Location {
        if self.line() > 0 {
            self
        } else {
            other
        }
    }
}

fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        _ => e.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_and_paths_are_told_apart() {
        assert!(looks_like_secret("hunter2hunter2"));
        assert!(looks_like_secret("S3cr3t!pass"));
        assert!(!looks_like_secret("password.txt"));
        assert!(!looks_like_secret("secrets/pw"));
        assert!(!looks_like_secret("env://X"));
        assert!(!looks_like_secret("pwfile"));
    }

    #[test]
    fn oci_names() {
        assert!(oci_repository_error("registry.example.com/acme/hello").is_none());
        assert!(oci_repository_error("127.0.0.1:5000/acme/hello").is_none());
        assert!(oci_repository_error("acme/hello_world-2").is_none());
        assert!(oci_repository_error("Acme/Hello")
            .unwrap()
            .contains("`Acme`"));
        assert!(oci_repository_error("acme//x").is_some());
        assert!(oci_repository_error("acme/-x").is_some());
    }

    #[test]
    fn a_literal_password_is_reported_without_its_text() {
        let src = "version: 1\nsign:\n  password: hunter2hunter2\npublish:\n  - type: oci\n    repository: Acme/Hello\n";
        let err = crate::config::parse(Path::new("tug.yaml"), src).unwrap_err();
        let text = err.to_string();
        assert!(!text.contains("hunter2"), "{text}");
        assert!(
            text.contains("tug.yaml:3:13: `sign.password` looks like a password"),
            "{text}"
        );
        assert!(text.contains("3 |   password: **************"), "{text}");
        assert!(
            text.contains("tug.yaml:6:17: invalid OCI repository name `Acme/Hello`"),
            "{text}"
        );
        assert_eq!(err.hint().unwrap(), "write it in lowercase: `acme/hello`");
    }

    #[test]
    fn named_files_must_exist() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("cosign.pub"), "x").unwrap();
        let src = "version: 1\nsign:\n  key: missing.key\n  password: env://NOPE_PW\nrelease_notes:\n  template: notes.md.j2\nenvironments:\n  prod:\n    target: {hosts: [{path: a}]}\n    public_key: prod.pub\n";
        let (config, _) = crate::config::parse(Path::new("tug.yaml"), src).unwrap();
        let tree = crate::config::tree::parse(src).unwrap();
        let mut v = Validator::with_source(Path::new("tug.yaml"), src);
        check_files(
            &config,
            &tree,
            dir.path(),
            &EnvSnapshot::from_pairs::<&str, &str>([]),
            &mut v,
        );
        let d: Vec<String> = v
            .diagnostics
            .iter()
            .map(|d| format!("{}:{} {:?} {}", d.line, d.column, d.severity, d.message))
            .collect();
        assert_eq!(
            d,
            vec![
                "3:8 Error sign.key (the signing key): cannot read `missing.key`: no such file",
                "4:13 Warning sign.password (the key's password file): environment variable NOPE_PW is not set in this run",
                "6:13 Error release_notes.template: cannot read `notes.md.j2`: no such file",
                "10:17 Error environments.prod.public_key: cannot read `prod.pub`: no such file",
            ],
            "{d:#?}"
        );
    }
}
