//! Build targets checked before `tug build` would reject them. When tug.yaml loads, the syntax
//! of every `builds[].targets` entry of a Go build is checked ([`check_syntax`]: `os/arch` or
//! `os/arch/variant`, and a variant the architecture has). `tug check` then checks each
//! `os/arch` pair, and the `goos` and `goarch` lists, against the installed toolchain's own
//! `go tool dist list` (cached per Go version by `build::target::GoPlatforms`), or against tug's
//! built-in list ([`KNOWN_TARGETS`], from Go 1.27) with a warning when Go is absent ([`check`]).
//! The pairs are not checked at load: `tug build` checks them itself against the toolchain it
//! runs, which is the authority (a newer Go may know more ports than tug's list).

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

/// Check the targets of every Go build in the tree (so it also runs when other parts of the
/// file failed to load) against `platforms`: each `os/arch` pair of `targets`, and the `goos`
/// and `goarch` lists.
pub fn check(tree: &Node, platforms: &Platforms, v: &mut Validator) {
    let pairs = platforms.pairs();
    let oses: Vec<&str> = dedup(pairs.iter().filter_map(|p| p.split('/').next()));
    let arches: Vec<&str> = dedup(pairs.iter().filter_map(|p| p.split('/').nth(1)));
    let builds = tree.find("builds").map(Node::items).unwrap_or_default();
    for (i, b) in builds.iter().enumerate() {
        if b.get("builder").and_then(Node::as_str).unwrap_or("go") != "go" {
            continue;
        }
        let base = format!("builds[{i}]");
        for t in b.get("targets").map(Node::items).unwrap_or_default() {
            let Some(value) = t.as_str() else { continue };
            let parts: Vec<&str> = value.split('/').collect();
            if !(2..=3).contains(&parts.len()) || parts.iter().any(|p| p.is_empty()) {
                continue; // The shape is reported when the file loads.
            }
            let pair = format!("{}/{}", parts[0], parts[1]);
            if !pairs.contains(&pair.as_str()) {
                let near = did_you_mean(&pair, pairs.iter().copied())
                    .map(|s| format!("did you mean `{s}`? "))
                    .unwrap_or_default();
                v.error_at_text(
                    t.at,
                    value,
                    format!("unknown target `{value}` in `{base}.targets`"),
                    Some(format!("{near}checked against {}", platforms.source())),
                );
            }
        }
        for (key, known, what) in [
            ("goos", &oses, "operating system"),
            ("goarch", &arches, "architecture"),
        ] {
            for (j, item) in b
                .get(key)
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

/// Load-time: the variant of every Go build target (the pair is left to [`check`], the shape to
/// `BuildConfig::validate`).
pub fn check_syntax(config: &Config, v: &mut Validator) {
    for (i, b) in config.builds.iter().enumerate() {
        if b.builder != Builder::Go {
            continue;
        }
        for t in b.targets.iter().flatten() {
            let parts: Vec<&str> = t.value.split('/').collect();
            if !(2..=3).contains(&parts.len()) || parts.iter().any(|p| p.is_empty()) {
                continue;
            }
            if let Err(e) = t.value.parse::<Target>() {
                if !e.message.starts_with("unknown target") {
                    v.error_at_text(
                        t.referenced,
                        &t.value,
                        format!("{e} in `builds[{i}].targets`"),
                        e.hint,
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
    fn variants_fail_at_load_and_pairs_in_check() {
        let src = "version: 1\nbuilds:\n  - targets: [linux/amd64, linux/amd65, plan9/arm64, linux/arm/9]\n    goos: [linux, darwn]\n";
        let e = errors(src);
        assert_eq!(e.len(), 1, "{e:#?}");
        assert!(
            e[0].starts_with("3:54 unknown variant `9` in target `linux/arm/9`"),
            "{e:#?}"
        );
        // What `tug check` adds without Go: the pairs and the matrix, against tug's list.
        let fixed = src.replace(", linux/arm/9", "");
        crate::config::parse(Path::new("tug.yaml"), &fixed).unwrap();
        let tree = crate::config::tree::parse(&fixed).unwrap();
        let mut v = crate::config::Validator::with_source(Path::new("tug.yaml"), &fixed);
        super::check(&tree, &super::Platforms::Builtin, &mut v);
        let d: Vec<String> = v
            .diagnostics
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
            .collect();
        assert_eq!(d.len(), 3, "{d:#?}");
        assert!(
            d[0].starts_with("3:28 unknown target `linux/amd65`"),
            "{d:#?}"
        );
        assert!(d[0].contains("did you mean `linux/amd64`?"), "{d:#?}");
        assert!(
            d[1].starts_with("3:41 unknown target `plan9/arm64`"),
            "{d:#?}"
        );
        assert!(
            d[2].starts_with("4:19 unknown operating system `darwn`"),
            "{d:#?}"
        );
        assert!(d[2].contains("did you mean `darwin`?"), "{d:#?}");
    }

    #[test]
    fn the_toolchain_list_is_authoritative_when_given() {
        let src = "version: 1\nbuilds:\n  - targets: [linux/amd64, linux/riscv64]\n";
        crate::config::parse(Path::new("tug.yaml"), src).unwrap();
        let tree = crate::config::tree::parse(src).unwrap();
        let mut v = crate::config::Validator::with_source(Path::new("tug.yaml"), src);
        let go = super::Platforms::Go {
            version: "go1.99".into(),
            platforms: vec!["linux/amd64".into(), "linux/arm64".into()],
        };
        super::check(&tree, &go, &mut v);
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
