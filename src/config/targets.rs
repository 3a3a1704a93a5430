//! Build targets checked when tug.yaml loads, so a target `tug build` would reject fails `tug
//! check` first: every entry of `builds[].targets`, `goos`, `goarch` and `ignore` of Go builds is
//! checked against the list of platforms Go can build for, with "did you mean". At load time
//! that is tug's built-in list ([`KNOWN_TARGETS`], from Go 1.27); `tug check` then checks again
//! against the installed toolchain's own `go tool dist list` (cached per Go version by
//! `build::target::GoPlatforms`), and says so when Go is absent.

use super::build::Builder;
use super::tree::Node;
use super::types::{did_you_mean, Target, KNOWN_TARGETS};
use super::{Config, Validator};

/// Where the list of valid platforms came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Platforms {
    /// tug's built-in list.
    Builtin,
    /// The installed Go toolchain's `go tool dist list` (its version, its platforms).
    Go {
        version: String,
        platforms: Vec<String>,
    },
}

impl Platforms {
    fn pairs(&self) -> Vec<&str> {
        match self {
            Platforms::Builtin => KNOWN_TARGETS.to_vec(),
            Platforms::Go { platforms, .. } => platforms.iter().map(String::as_str).collect(),
        }
    }

    fn source(&self) -> String {
        match self {
            Platforms::Builtin => "tug's built-in list".into(),
            Platforms::Go { version, .. } => format!("`go tool dist list` of {version}"),
        }
    }
}

/// Check the targets of every Go build against `platforms`. With the built-in list the full
/// `os/arch/variant` syntax is checked too; with Go's list only the `os/arch` pairs (the syntax
/// was checked when the file loaded).
pub fn check(config: &Config, tree: &Node, platforms: &Platforms, v: &mut Validator) {
    let pairs = platforms.pairs();
    let oses: Vec<&str> = dedup(pairs.iter().filter_map(|p| p.split('/').next()));
    let arches: Vec<&str> = dedup(pairs.iter().filter_map(|p| p.split('/').nth(1)));
    for (i, b) in config.builds.iter().enumerate() {
        if b.builder != Builder::Go {
            continue;
        }
        let base = format!("builds[{i}]");
        for t in b.targets.iter().flatten() {
            match (platforms, t.value.parse::<Target>()) {
                (Platforms::Builtin, Err(e)) => {
                    v.error_at_text(
                        t.referenced,
                        &t.value,
                        format!("{e} in `{base}.targets`"),
                        e.hint,
                    );
                }
                (_, Ok(parsed)) if !pairs.contains(&parsed.pair().as_str()) => {
                    let near = did_you_mean(&parsed.pair(), pairs.iter().copied())
                        .map(|s| format!("did you mean `{s}`? "))
                        .unwrap_or_default();
                    v.error_at_text(
                        t.referenced,
                        &t.value,
                        format!("unknown target `{}` in `{base}.targets`", t.value),
                        Some(format!("{near}checked against {}", platforms.source())),
                    );
                }
                _ => {}
            }
        }
        for (key, known, what) in [
            ("goos", &oses, "operating system"),
            ("goarch", &arches, "architecture"),
        ] {
            for (j, item) in tree
                .find(&format!("{base}.{key}"))
                .map(Node::items)
                .unwrap_or_default()
                .iter()
                .enumerate()
            {
                let Some(name) = item.as_str() else { continue };
                if !known.contains(&name) {
                    let near = did_you_mean(name, known.iter().copied())
                        .map(|s| format!("did you mean `{s}`? "))
                        .unwrap_or_default();
                    v.error_at_text(
                        item.at,
                        name,
                        format!("unknown {what} `{name}` in `{base}.{key}[{j}]`"),
                        Some(format!("{near}checked against {}", platforms.source())),
                    );
                }
            }
        }
    }
}

fn dedup<'a>(it: impl Iterator<Item = &'a str>) -> Vec<&'a str> {
    let mut v: Vec<&str> = it.collect();
    v.sort_unstable();
    v.dedup();
    v
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    fn errors(src: &str) -> Vec<String> {
        match crate::config::parse(Path::new("tug.yaml"), src) {
            Ok(_) => vec![],
            Err(e) => e
                .diagnostics()
                .iter()
                .map(|d| {
                    format!(
                        "{}:{} {} | {}",
                        d.line,
                        d.column,
                        d.message,
                        d.hint.clone().unwrap_or_default()
                    )
                })
                .collect(),
        }
    }

    #[test]
    fn targets_go_rejects_fail_at_load_time() {
        let e = errors("version: 1\nbuilds:\n  - targets: [linux/amd64, linux/amd65, plan9/arm64, linux/arm/9]\n    goos: [linux, darwn]\n");
        assert_eq!(e.len(), 4, "{e:#?}");
        assert!(
            e[0].starts_with("3:28 unknown target `linux/amd65`"),
            "{e:#?}"
        );
        assert!(e[0].contains("did you mean `linux/amd64`?"), "{e:#?}");
        assert!(
            e[1].starts_with("3:41 unknown target `plan9/arm64`"),
            "{e:#?}"
        );
        assert!(
            e[2].starts_with("3:54 unknown variant `9` in target `linux/arm/9`"),
            "{e:#?}"
        );
        assert!(
            e[3].starts_with("4:19 unknown operating system `darwn`"),
            "{e:#?}"
        );
        assert!(e[3].contains("did you mean `darwin`?"), "{e:#?}");
    }

    #[test]
    fn the_toolchain_list_is_authoritative_when_given() {
        let src = "version: 1\nbuilds:\n  - targets: [linux/amd64, linux/riscv64]\n";
        let (config, _) = crate::config::parse(Path::new("tug.yaml"), src).unwrap();
        let tree = crate::config::tree::parse(src).unwrap();
        let mut v = crate::config::Validator::with_source(Path::new("tug.yaml"), src);
        let go = super::Platforms::Go {
            version: "go1.99".into(),
            platforms: vec!["linux/amd64".into(), "linux/arm64".into()],
        };
        super::check(&config, &tree, &go, &mut v);
        assert_eq!(v.diagnostics.len(), 1, "{:?}", v.diagnostics);
        assert_eq!(
            v.diagnostics[0].message,
            "unknown target `linux/riscv64` in `builds[0].targets`"
        );
        assert!(v.diagnostics[0]
            .hint
            .as_deref()
            .unwrap()
            .contains("`go tool dist list` of go1.99"));
    }
}
