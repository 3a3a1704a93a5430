//! One resolved [`Settings`] value before any work starts: embedded defaults < tug.yaml <
//! `TUG_*` environment variables < command-line flags. Commands call [`Settings::load`] once and
//! pass the result down; engines never read the environment or flags themselves.
//!
//! Environment variables read here:
//! - `TUG_CONFIG`: the config file (like `-c`; the flag wins)
//! - `TUG_DIST`: the dist directory (like `--dist`; the flag wins; overrides `project.dist`)
//! - `TUG_PARALLELISM`: how many jobs run at once (a positive integer; default: CPU count)
//! - `TUG_SNAPSHOT`: `1`/`true`/`yes` forces a snapshot release (`0`/`false`/`no`/empty: off)
//!
//! Paths from flags and the environment are relative to the current directory; paths in
//! tug.yaml are relative to the directory holding it.

use std::path::{Path, PathBuf};

use super::{detect, load, unlocated, Config, ConfigError, Loaded};
use crate::cli::GlobalArgs;

/// Values a subcommand's own flags can override (e.g. `tug build --snapshot --parallelism 2`).
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    pub dist: Option<PathBuf>,
    pub parallelism: Option<usize>,
    pub snapshot: Option<bool>,
}

/// The fully resolved configuration and run settings.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The config with every layer applied (`project.name` and `project.dist` filled in).
    pub config: Config,
    /// The tug.yaml in use; `None` when running on the embedded defaults.
    pub config_path: Option<PathBuf>,
    /// The project root: the directory holding tug.yaml, else the current directory.
    pub root: PathBuf,
    /// The dist directory, absolute.
    pub dist: PathBuf,
    /// How many jobs may run at once.
    pub parallelism: usize,
    /// Whether a snapshot release is forced.
    pub snapshot: bool,
    /// The config file's text (for rendering diagnostics found later).
    pub source: String,
    /// Non-fatal config problems, rendered (print them with `printer.warn`).
    pub warnings: Vec<String>,
}

fn usage(msg: String, hint: &str) -> anyhow::Error {
    crate::Error::usage(msg).with_hint(hint).into()
}

fn parse_bool(name: &str, value: &str) -> anyhow::Result<bool> {
    match value.trim().to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Ok(true),
        "" | "0" | "false" | "no" | "off" => Ok(false),
        _ => Err(usage(
            format!("{name}={value} is not a boolean"),
            "use 1 or 0 (or true/false)",
        )),
    }
}

fn parse_parallelism(name: &str, value: &str) -> anyhow::Result<usize> {
    match value.trim().parse::<usize>() {
        Ok(n) if n > 0 => Ok(n),
        _ => Err(usage(
            format!("{name}={value} is not a positive integer"),
            "for example TUG_PARALLELISM=4",
        )),
    }
}

/// `path` with `.` and `..` resolved lexically (the directory may not exist yet).
fn normalize(path: &Path) -> PathBuf {
    use std::path::Component;
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other),
        }
    }
    out
}

/// `path` relative to `base` when it is inside it (for display in `--show`), else as it is.
fn relative_to(path: &Path, base: &Path) -> PathBuf {
    path.strip_prefix(base)
        .map(Path::to_path_buf)
        .unwrap_or_else(|_| path.to_path_buf())
}

/// Find and load the config named by `--config`, else `TUG_CONFIG`, else the tug.yaml found by
/// walking up from `cwd` (else the embedded defaults), keeping the typed error for callers that
/// report diagnostics themselves (`tug check --json`).
pub fn load_config(
    global: &GlobalArgs,
    cwd: &Path,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Loaded, ConfigError> {
    let env_config = env("TUG_CONFIG")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from);
    let explicit = match (&global.config, &env_config) {
        (Some(p), _) => Some((p.as_path(), "--config")),
        (None, Some(p)) => Some((p.as_path(), "TUG_CONFIG")),
        (None, None) => None,
    };
    load(explicit, cwd)
}

impl Settings {
    /// Load tug.yaml and layer the process environment and flags over it.
    pub fn load(global: &GlobalArgs, cwd: &Path, overrides: Overrides) -> anyhow::Result<Settings> {
        Self::resolve(global, cwd, overrides, &|name| std::env::var(name).ok())
    }

    /// [`Settings::load`] with an explicit environment lookup (for tests).
    pub fn resolve(
        global: &GlobalArgs,
        cwd: &Path,
        overrides: Overrides,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> anyhow::Result<Settings> {
        let loaded = load_config(global, cwd, env)
            .map_err(|e| anyhow::Error::from(crate::Error::from(e)))?;
        Self::layer(loaded, global, cwd, overrides, env)
    }

    /// Apply environment and flags on top of an already loaded config.
    pub fn layer(
        loaded: Loaded,
        global: &GlobalArgs,
        cwd: &Path,
        overrides: Overrides,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> anyhow::Result<Settings> {
        let warnings = loaded.rendered_warnings();
        let Loaded {
            mut config,
            path,
            source,
            ..
        } = loaded;
        let root = path
            .as_deref()
            .and_then(Path::parent)
            .map(Path::to_path_buf)
            .unwrap_or_else(|| cwd.to_path_buf());

        // dist: --dist (or a command flag) > TUG_DIST > project.dist (relative to the root).
        let dist = if let Some(d) = overrides.dist.as_ref().or(global.dist.as_ref()) {
            cwd.join(d)
        } else if let Some(d) = env("TUG_DIST").filter(|v| !v.is_empty()) {
            cwd.join(d)
        } else {
            root.join(&config.project.dist)
        };
        let dist = normalize(&dist);
        config.project.dist = relative_to(&dist, &root);

        let parallelism = match (overrides.parallelism, env("TUG_PARALLELISM")) {
            (Some(0), _) => {
                return Err(usage(
                    "--parallelism must be at least 1".into(),
                    "for example --parallelism 4",
                ))
            }
            (Some(n), _) => n,
            (None, Some(v)) if !v.is_empty() => parse_parallelism("TUG_PARALLELISM", &v)?,
            _ => std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(1),
        };
        let snapshot = match (overrides.snapshot, env("TUG_SNAPSHOT")) {
            (Some(b), _) => b,
            (None, Some(v)) => parse_bool("TUG_SNAPSHOT", &v)?,
            (None, None) => false,
        };
        if config.project.name.is_none() {
            config.project.name = Some(unlocated(detect::default_project_name(&root)));
        }
        Ok(Settings {
            config,
            config_path: path,
            root,
            dist,
            parallelism,
            snapshot,
            source,
            warnings,
        })
    }

    /// The project name (always set after layering).
    pub fn project_name(&self) -> &str {
        self.config
            .project
            .name
            .as_ref()
            .map(|n| n.value.as_str())
            .unwrap_or("project")
    }

    /// The template variables every field sees: `release` (version, tag, commit, ... set by the
    /// caller from the repository), plus `project` and `env` = the process environment overlaid
    /// with `project.env` (whose values are themselves rendered with those variables).
    pub fn template_vars(
        &self,
        release: crate::template::TemplateVars,
    ) -> Result<crate::template::TemplateVars, crate::template::TemplateError> {
        self.template_vars_with_env(release, std::env::vars())
    }

    /// [`Settings::template_vars`] with an explicit process environment (for tests).
    pub fn template_vars_with_env(
        &self,
        release: crate::template::TemplateVars,
        process_env: impl IntoIterator<Item = (String, String)>,
    ) -> Result<crate::template::TemplateVars, crate::template::TemplateError> {
        let mut vars = release
            .set("project", self.project_name())
            .with_env(process_env);
        for (i, (name, value)) in self.config.project.env_pairs().into_iter().enumerate() {
            let rendered = crate::template::render(&format!("project.env[{i}]"), &value, &vars)?;
            vars = vars.with_env([(name, rendered)]);
        }
        Ok(vars)
    }

    /// The fully resolved config as YAML (what `tug check --show` prints).
    pub fn to_yaml(&self) -> anyhow::Result<String> {
        Ok(serde_saphyr::to_string(&self.config)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env_of(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k| map.get(k).cloned()
    }

    fn project(yaml: &str) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("tug.yaml"), yaml).unwrap();
        std::fs::write(dir.path().join("go.mod"), "module example.com/hello\n").unwrap();
        dir
    }

    #[test]
    fn file_over_defaults() {
        let dir = project("version: 1\nproject:\n  dist: out\n");
        let s = Settings::resolve(
            &GlobalArgs::default(),
            dir.path(),
            Overrides::default(),
            &env_of(&[]),
        )
        .unwrap();
        assert_eq!(s.dist, dir.path().join("out"));
        assert_eq!(s.project_name(), "hello");
        assert!(!s.snapshot);
        assert!(s.parallelism >= 1);
        assert_eq!(s.root, dir.path());
    }

    #[test]
    fn env_over_file_and_flags_over_env() {
        let dir = project("version: 1\nproject:\n  dist: out\n  name: app\n");
        let sub = dir.path().join("sub");
        std::fs::create_dir_all(&sub).unwrap();
        let env = env_of(&[
            ("TUG_DIST", "envdist"),
            ("TUG_PARALLELISM", "3"),
            ("TUG_SNAPSHOT", "true"),
        ]);
        let s =
            Settings::resolve(&GlobalArgs::default(), &sub, Overrides::default(), &env).unwrap();
        assert_eq!(
            (s.dist.clone(), s.parallelism, s.snapshot),
            (sub.join("envdist"), 3, true)
        );
        assert_eq!(s.project_name(), "app");
        assert_eq!(s.config.project.dist, PathBuf::from("sub/envdist"));
        let env_up = env_of(&[("TUG_DIST", "../up")]);
        let s =
            Settings::resolve(&GlobalArgs::default(), &sub, Overrides::default(), &env_up).unwrap();
        assert_eq!(
            (s.dist, s.config.project.dist),
            (dir.path().join("up"), PathBuf::from("up"))
        );

        let global = GlobalArgs {
            dist: Some("flagdist".into()),
            ..GlobalArgs::default()
        };
        let o = Overrides {
            parallelism: Some(7),
            snapshot: Some(false),
            ..Overrides::default()
        };
        let s = Settings::resolve(&global, &sub, o, &env).unwrap();
        assert_eq!(
            (s.dist, s.parallelism, s.snapshot),
            (sub.join("flagdist"), 7, false)
        );
    }

    #[test]
    fn config_from_env_and_bad_values() {
        let dir = project("version: 1\n");
        std::fs::write(
            dir.path().join("other.yaml"),
            "version: 1\nproject:\n  name: other\n",
        )
        .unwrap();
        let s = Settings::resolve(
            &GlobalArgs::default(),
            dir.path(),
            Overrides::default(),
            &env_of(&[("TUG_CONFIG", "other.yaml")]),
        )
        .unwrap();
        assert_eq!(s.project_name(), "other");
        let err = Settings::resolve(
            &GlobalArgs::default(),
            dir.path(),
            Overrides::default(),
            &env_of(&[("TUG_PARALLELISM", "x")]),
        )
        .unwrap_err();
        assert_eq!(crate::error::classify(&err).0, crate::ExitCode::Usage);
        let err = Settings::resolve(
            &GlobalArgs::default(),
            dir.path(),
            Overrides::default(),
            &env_of(&[("TUG_CONFIG", "missing.yaml")]),
        )
        .unwrap_err();
        assert!(
            err.to_string().contains("not found (from TUG_CONFIG)"),
            "{err}"
        );
    }

    #[test]
    fn template_vars_layer_project_env_over_process_env() {
        let dir = project(
            "version: 1\nproject:\n  env:\n    - A=from-file-{{ version }}\n    - B=${{ env.A }}\n",
        );
        let s = Settings::resolve(
            &GlobalArgs::default(),
            dir.path(),
            Overrides::default(),
            &env_of(&[]),
        )
        .unwrap();
        let release = crate::template::TemplateVars::new().set("version", "1.0.0");
        let env = [
            ("A".to_string(), "process".to_string()),
            ("HOME".to_string(), "/h".to_string()),
        ];
        let vars = s.template_vars_with_env(release, env).unwrap();
        let out = crate::template::render(
            "t",
            "{{ project }} {{ env.A }} {{ env.B }} {{ env.HOME }}",
            &vars,
        )
        .unwrap();
        assert_eq!(out, "hello from-file-1.0.0 $from-file-1.0.0 /h");
    }

    #[test]
    fn no_file_uses_embedded_defaults() {
        let dir = tempfile::tempdir().unwrap();
        let s = Settings::layer(
            Loaded {
                config: Config::embedded(),
                path: None,
                source: String::new(),
                warnings: vec![],
            },
            &GlobalArgs::default(),
            dir.path(),
            Overrides::default(),
            &env_of(&[]),
        )
        .unwrap();
        assert_eq!(s.dist, dir.path().join("dist"));
        assert!(s.to_yaml().unwrap().starts_with("version: 1\n"));
    }
}
