//! What kind of project lives in a directory: a Go module (its module path and every
//! `package main` directory of the module, found by walking it the way `go list ./...` does:
//! skipping `testdata`, `vendor`, directories starting with `.` or `_`, nested modules, and
//! example directories) or a Cargo package (its name and binaries). `tug init` writes a tug.yaml from
//! this, and the settings use it for the default project name.

use std::path::Path;

/// A recognised project.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProjectKind {
    /// A Go module; `mains` are the main packages as `./cmd/<name>` or `.`.
    Go { module: String, mains: Vec<String> },
    /// A Cargo package and its binaries.
    Rust { package: String, bins: Vec<String> },
}

impl ProjectKind {
    /// The project name this implies: the module path's last element (skipping a `/vN` major
    /// version suffix) or the package name.
    pub fn name(&self) -> String {
        match self {
            ProjectKind::Go { module, .. } => go_module_name(module),
            ProjectKind::Rust { package, .. } => package.clone(),
        }
    }
}

fn go_module_name(module: &str) -> String {
    let parts: Vec<&str> = module.split('/').filter(|p| !p.is_empty()).collect();
    let is_major =
        |p: &str| p.len() > 1 && p.starts_with('v') && p[1..].chars().all(|c| c.is_ascii_digit());
    match parts.as_slice() {
        [.., prev, last] if is_major(last) => prev.to_string(),
        [.., last] => last.to_string(),
        [] => module.to_string(),
    }
}

/// The module path declared in go.mod text.
pub fn parse_go_module(go_mod: &str) -> Option<String> {
    go_mod.lines().find_map(|line| {
        let line = line.split("//").next().unwrap_or("").trim();
        let rest = line.strip_prefix("module")?;
        if !rest.starts_with(char::is_whitespace) {
            return None;
        }
        let path = rest.trim().trim_matches('"').trim_matches('`');
        (!path.is_empty()).then(|| path.to_string())
    })
}

/// The package clause of a Go source file (skipping comments and blank lines).
fn go_package_name(source: &str) -> Option<String> {
    let mut in_block = false;
    for line in source.lines() {
        let mut line = line.trim();
        if in_block {
            match line.find("*/") {
                Some(i) => {
                    line = line[i + 2..].trim();
                    in_block = false;
                }
                None => continue,
            }
        }
        if line.is_empty() || line.starts_with("//") {
            continue;
        }
        if line.starts_with("/*") {
            if !line.contains("*/") {
                in_block = true;
            }
            continue;
        }
        return line
            .strip_prefix("package ")
            .map(|p| p.split_whitespace().next().unwrap_or("").to_string());
    }
    None
}

/// Whether the directory entry `name` (not a directory) is a Go source file, not a test, whose
/// package clause says `main`.
fn is_go_main_file(path: &Path, name: &str) -> bool {
    name.ends_with(".go")
        && !name.ends_with("_test.go")
        && std::fs::read_to_string(path)
            .ok()
            .and_then(|s| go_package_name(&s))
            .as_deref()
            == Some("main")
}

/// Directories `go list ./...` never matches, plus examples (not what a release ships).
fn skipped_dir(name: &str) -> bool {
    name.starts_with('.')
        || name.starts_with('_')
        || matches!(
            name,
            "testdata" | "vendor" | "examples" | "example" | "_examples"
        )
}

/// Every directory of the Go module at `root` holding a `package main`, as `go build` arguments
/// (`.`, `./cmd/tool`, `./goserver`), sorted with `.` first. Nested modules (a directory with its
/// own go.mod) are not part of this module and are skipped.
pub fn go_main_packages(root: &Path) -> Vec<String> {
    fn walk(dir: &Path, rel: &str, out: &mut Vec<String>, depth: usize) {
        if depth > 32 {
            return;
        }
        // One listing per directory: its Go files say whether it is a main package, its
        // subdirectories are walked.
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        let mut is_main = false;
        let mut subdirs: Vec<(String, std::path::PathBuf)> = Vec::new();
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            let path = e.path();
            if e.file_type().is_ok_and(|t| t.is_dir()) {
                if !skipped_dir(&name) && !path.join("go.mod").is_file() {
                    subdirs.push((name, path));
                }
            } else if !is_main && is_go_main_file(&path, &name) {
                is_main = true;
            }
        }
        if is_main {
            out.push(if rel.is_empty() {
                ".".to_string()
            } else {
                format!("./{rel}")
            });
        }
        subdirs.sort();
        for (name, path) in subdirs {
            let rel = if rel.is_empty() {
                name
            } else {
                format!("{rel}/{name}")
            };
            walk(&path, &rel, out, depth + 1);
        }
    }
    let mut out = Vec::new();
    walk(root, "", &mut out, 0);
    out
}

/// Parse `[package] name` and `[[bin]] name` out of Cargo.toml text (enough for init; not TOML).
fn parse_cargo(toml: &str) -> Option<(String, Vec<String>)> {
    let mut section = String::new();
    let mut package = None;
    let mut bins = Vec::new();
    for line in toml.lines() {
        let line = line.split('#').next().unwrap_or("").trim();
        if line.starts_with('[') {
            section = line.to_string();
            continue;
        }
        let Some((key, value)) = line.split_once('=') else {
            continue;
        };
        if key.trim() != "name" {
            continue;
        }
        let value = value.trim().trim_matches('"').to_string();
        match section.as_str() {
            "[package]" => package = Some(value),
            "[[bin]]" => bins.push(value),
            _ => {}
        }
    }
    package.map(|p| (p, bins))
}

/// Detect the project in `root`; `None` when neither go.mod nor Cargo.toml is there.
pub fn detect(root: &Path) -> Option<ProjectKind> {
    if let Ok(go_mod) = std::fs::read_to_string(root.join("go.mod")) {
        let module = parse_go_module(&go_mod)?;
        let mains = go_main_packages(root);
        return Some(ProjectKind::Go { module, mains });
    }
    if let Ok(toml) = std::fs::read_to_string(root.join("Cargo.toml")) {
        let (package, mut bins) = parse_cargo(&toml)?;
        if bins.is_empty() && root.join("src/main.rs").is_file() {
            bins.push(package.clone());
        }
        return Some(ProjectKind::Rust { package, bins });
    }
    None
}

/// The default project name for `root`: from go.mod or Cargo.toml, else the directory's name.
pub fn default_project_name(root: &Path) -> String {
    detect(root).map(|k| k.name()).unwrap_or_else(|| {
        root.file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "project".into())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_module_names() {
        assert_eq!(
            parse_go_module("// c\nmodule example.com/hello // x\n\ngo 1.22\n").unwrap(),
            "example.com/hello"
        );
        assert_eq!(
            parse_go_module("module \"example.com/q\"\n").unwrap(),
            "example.com/q"
        );
        assert_eq!(parse_go_module("modules x\n"), None);
        assert_eq!(go_module_name("github.com/acme/tool/v2"), "tool");
        assert_eq!(go_module_name("hello"), "hello");
    }

    #[test]
    fn detects_go_mains_and_cargo() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::write(root.join("go.mod"), "module example.com/svc/v3\n").unwrap();
        std::fs::create_dir_all(root.join("cmd/svc")).unwrap();
        std::fs::create_dir_all(root.join("cmd/lib")).unwrap();
        std::fs::write(
            root.join("cmd/svc/main.go"),
            "/* doc\n*/\n// x\npackage main\n",
        )
        .unwrap();
        std::fs::write(root.join("cmd/lib/lib.go"), "package lib\n").unwrap();
        std::fs::write(root.join("main.go"), "package main\n").unwrap();
        std::fs::write(root.join("x_test.go"), "package main_test\n").unwrap();
        let kind = detect(root).unwrap();
        assert_eq!(
            kind,
            ProjectKind::Go {
                module: "example.com/svc/v3".into(),
                mains: vec![".".into(), "./cmd/svc".into()]
            }
        );
        assert_eq!(kind.name(), "svc");

        let rust = tempfile::tempdir().unwrap();
        std::fs::write(
            rust.path().join("Cargo.toml"),
            "[package]\nname = \"tool\" # c\n[dependencies]\nname = \"no\"\n",
        )
        .unwrap();
        std::fs::create_dir_all(rust.path().join("src")).unwrap();
        std::fs::write(rust.path().join("src/main.rs"), "fn main() {}\n").unwrap();
        assert_eq!(
            detect(rust.path()).unwrap(),
            ProjectKind::Rust {
                package: "tool".into(),
                bins: vec!["tool".into()]
            }
        );
        let empty = tempfile::tempdir().unwrap();
        assert_eq!(detect(empty.path()), None);
    }

    #[test]
    fn every_main_package_of_the_module_but_not_testdata_examples_or_nested_modules() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let files = [
            ("go.mod", "module example.com/multi\n"),
            ("lib.go", "package multi\n"),
            ("goserver/main.go", "package main\n"),
            ("embed/tool/main.go", "package main\n"),
            ("cmd/cli/main.go", "package main\n"),
            ("testdata/fixture/main.go", "package main\n"),
            ("examples/demo/main.go", "package main\n"),
            ("_old/main.go", "package main\n"),
            ("vendor/x/main.go", "package main\n"),
            ("nested/go.mod", "module example.com/nested\n"),
            ("nested/main.go", "package main\n"),
            ("internal/util/util.go", "package util\n"),
        ];
        for (name, text) in files {
            let path = root.join(name);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
        assert_eq!(
            go_main_packages(root),
            ["./cmd/cli", "./embed/tool", "./goserver"]
        );
        // A library: no main package at all.
        std::fs::remove_dir_all(root.join("goserver")).unwrap();
        std::fs::remove_dir_all(root.join("embed")).unwrap();
        std::fs::remove_dir_all(root.join("cmd")).unwrap();
        assert!(go_main_packages(root).is_empty());
    }
}
