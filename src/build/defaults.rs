//! The embedded defaults that let `tug build` work on a Go module with no tug.yaml at all: the
//! project is named after the module path, and each main package of the module (anywhere but testdata,
//! examples, vendor and nested modules; see `config::detect::go_main_packages`) is one build for linux/darwin/windows × amd64/arm64.

use std::path::Path;

use crate::config::build::BuildConfig;

use super::BuildError;

/// What go.mod and the package layout say.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GoModule {
    /// The module path (`example.com/hello`).
    pub module: String,
    /// Main packages relative to the module root, as `go build` arguments (`.`, `./cmd/hello`).
    pub mains: Vec<String>,
}

impl GoModule {
    /// Read `root/go.mod` and find the main packages; `None` when there is no go.mod.
    pub fn detect(root: &Path) -> Result<Option<GoModule>, BuildError> {
        let gomod = root.join("go.mod");
        let text = match std::fs::read_to_string(&gomod) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(BuildError::io(format!("reading {}", gomod.display()), e)),
        };
        let module = text
            .lines()
            .find_map(|l| l.trim().strip_prefix("module "))
            .map(|m| m.trim().trim_matches('"').to_string())
            .ok_or_else(|| BuildError::Config {
                message: format!("{} has no `module` line", gomod.display()),
                hint: None,
            })?;
        // Every main package of the module (the same walk `tug init` uses).
        let mains = crate::config::detect::go_main_packages(root);
        Ok(Some(GoModule { module, mains }))
    }

    /// The project name: the last element of the module path, skipping a `/vN` major suffix.
    pub fn project_name(&self) -> String {
        let mut parts = self.module.rsplit('/');
        let last = parts.next().unwrap_or(&self.module);
        let is_major = last.len() > 1
            && last.starts_with('v')
            && last[1..].bytes().all(|b| b.is_ascii_digit());
        match (is_major, parts.next()) {
            (true, Some(prev)) => prev.to_string(),
            _ => last.to_string(),
        }
    }

    /// One default build per main package.
    pub fn default_builds(&self) -> Vec<BuildConfig> {
        let project = self.project_name();
        self.mains
            .iter()
            .map(|main| {
                let name = if main == "." {
                    project.clone()
                } else {
                    main.rsplit('/').next().unwrap_or(main).to_string()
                };
                BuildConfig {
                    id: Some(name.clone()),
                    main: Some(main.clone()),
                    binary: Some(name),
                    ..Default::default()
                }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_root_and_cmd_mains() {
        let d = tempfile::tempdir().unwrap();
        assert_eq!(GoModule::detect(d.path()).unwrap(), None);
        std::fs::write(
            d.path().join("go.mod"),
            "module example.com/tool/v2\n\ngo 1.22\n",
        )
        .unwrap();
        std::fs::write(d.path().join("main.go"), "package main\nfunc main() {}\n").unwrap();
        std::fs::create_dir_all(d.path().join("cmd/helper")).unwrap();
        std::fs::write(d.path().join("cmd/helper/x.go"), "// x\npackage main\n").unwrap();
        std::fs::create_dir_all(d.path().join("cmd/lib")).unwrap();
        std::fs::write(d.path().join("cmd/lib/x.go"), "package lib\n").unwrap();
        let m = GoModule::detect(d.path()).unwrap().unwrap();
        assert_eq!(m.project_name(), "tool");
        assert_eq!(m.mains, [".", "./cmd/helper"]);
        let b = m.default_builds();
        assert_eq!(b[1].binary.as_deref(), Some("helper"));
        assert_eq!(b[0].id.as_deref(), Some("tool"));
    }
}
