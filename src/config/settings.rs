//! One resolved [`Settings`] value before any work starts: embedded defaults < tug.yaml <
//! `TUG_*` environment variables < command-line flags. `commands::Context::load_settings` resolves
//! it once per run (`tug release` hands the same value to build, sign and publish); engines never
//! read the environment or flags themselves: they get values from here or from the run's
//! [`EnvSnapshot`](super::env::EnvSnapshot).
//!
//! Every environment variable tug reads is declared in [`VARIABLES`] (shown by `tug check --show`).
//! The `TUG_*` ones:
//! - `TUG_CONFIG`: the config file (like `-c`; the flag wins)
//! - `TUG_DIST`: the dist directory (like `--dist`; the flag wins; overrides `project.dist`)
//! - `TUG_PARALLELISM`: how many jobs run at once (a positive integer; default: CPU count)
//! - `TUG_SNAPSHOT`: `1`/`true`/`yes` forces a snapshot release (`0`/`false`/`no`/empty: off)
//! - `TUG_LOG`: a `tracing` filter for the diagnostics on stderr (overrides `-v`; e.g.
//!   `TUG_LOG=tug::publish=trace`)
//! - `TUG_GO`: the `go` binary to use (default: `go` on `PATH`)
//! - `TUG_CACHE_DIR`: where tug caches its helpers (default: `$XDG_CACHE_HOME/tug`, `~/.cache/tug`)
//! - `TUG_REGISTRY_USERNAME`, `TUG_REGISTRY_PASSWORD`: OCI registry credentials (both set: they
//!   win over the Docker config)
//!
//! Paths from flags and the environment are relative to the current directory; paths in
//! tug.yaml are relative to the directory holding it.

use std::path::{Path, PathBuf};

use super::env::EnvSnapshot;
use super::{detect, load, unlocated, Config, ConfigError, Loaded};
use crate::cli::GlobalArgs;

/// Who reads an environment variable (for `tug check --show` and the docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum VarKind {
    /// A tug setting (`TUG_*`).
    Tug,
    /// A convention tug shares with other tools (`SOURCE_DATE_EPOCH`, `NO_COLOR`, ...).
    Convention,
    /// A secret: its value is never printed or logged.
    Secret,
}

/// One environment variable tug reads.
#[derive(Debug, Clone, Copy, serde::Serialize)]
pub struct EnvVar {
    pub name: &'static str,
    pub kind: VarKind,
    pub meaning: &'static str,
}

/// Every environment variable tug reads, in one place. (Names chosen in tug.yaml, such as
/// `github.token_env`, `sign.key: env://VAR` or `{{ env.NAME }}` in templates, come on top.)
pub const VARIABLES: &[EnvVar] = &[
    EnvVar {
        name: "TUG_CONFIG",
        kind: VarKind::Tug,
        meaning: "the config file (like -c; the flag wins)",
    },
    EnvVar {
        name: "TUG_DIST",
        kind: VarKind::Tug,
        meaning: "the dist directory (like --dist; the flag wins)",
    },
    EnvVar {
        name: "TUG_PARALLELISM",
        kind: VarKind::Tug,
        meaning: "how many jobs run at once (default: the CPU count)",
    },
    EnvVar {
        name: "TUG_SNAPSHOT",
        kind: VarKind::Tug,
        meaning: "1/true/yes forces a snapshot release",
    },
    EnvVar {
        name: "TUG_LOG",
        kind: VarKind::Tug,
        meaning: "a tracing filter for diagnostics on stderr (overrides -v)",
    },
    EnvVar {
        name: "TUG_GO",
        kind: VarKind::Tug,
        meaning: "the go binary (default: go on PATH)",
    },
    EnvVar {
        name: "TUG_CACHE_DIR",
        kind: VarKind::Tug,
        meaning: "where tug caches its helpers",
    },
    EnvVar {
        name: "TUG_REGISTRY_USERNAME",
        kind: VarKind::Tug,
        meaning: "OCI registry user (with TUG_REGISTRY_PASSWORD)",
    },
    EnvVar {
        name: "TUG_REGISTRY_PASSWORD",
        kind: VarKind::Secret,
        meaning: "OCI registry password (with TUG_REGISTRY_USERNAME)",
    },
    EnvVar {
        name: "COSIGN_PASSWORD",
        kind: VarKind::Secret,
        meaning: "the signing key's password (empty: none), as for cosign",
    },
    EnvVar {
        name: "GITHUB_TOKEN",
        kind: VarKind::Secret,
        meaning: "the github publisher's token (github.token_env names another)",
    },
    EnvVar {
        name: "SOURCE_DATE_EPOCH",
        kind: VarKind::Convention,
        meaning: "the mtime of every file in dist/ (default: the commit time)",
    },
    EnvVar {
        name: "DOCKER_CONFIG",
        kind: VarKind::Convention,
        meaning: "the directory of the Docker config.json with registry credentials",
    },
    EnvVar {
        name: "HOME",
        kind: VarKind::Convention,
        meaning: "~/.docker/config.json and ~/.cache",
    },
    EnvVar {
        name: "XDG_CACHE_HOME",
        kind: VarKind::Convention,
        meaning: "the cache directory",
    },
    EnvVar {
        name: "PATH",
        kind: VarKind::Convention,
        meaning: "where go, cargo, govulncheck and ssh are found",
    },
    EnvVar {
        name: "NO_COLOR",
        kind: VarKind::Convention,
        meaning: "set and not empty: no colour",
    },
    EnvVar {
        name: "RUST_LOG",
        kind: VarKind::Convention,
        meaning: "like TUG_LOG, when TUG_LOG is not set",
    },
];

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
    env: &EnvSnapshot,
) -> Result<Loaded, ConfigError> {
    let env_config = env.path("TUG_CONFIG");
    let explicit = match (&global.config, &env_config) {
        (Some(p), _) => Some((p.as_path(), "--config")),
        (None, Some(p)) => Some((p.as_path(), "TUG_CONFIG")),
        (None, None) => None,
    };
    load(explicit, cwd)
}

impl Settings {
    /// Load tug.yaml and layer the run's environment (`env`, the snapshot taken once in
    /// `commands::run`) and the flags over it.
    pub fn load(
        global: &GlobalArgs,
        cwd: &Path,
        env: &EnvSnapshot,
        overrides: Overrides,
    ) -> anyhow::Result<Settings> {
        let loaded = load_config(global, cwd, env).map_err(crate::Error::from)?;
        Self::layer(loaded, global, cwd, overrides, env)
    }

    /// Apply environment and flags on top of an already loaded config.
    pub fn layer(
        loaded: Loaded,
        global: &GlobalArgs,
        cwd: &Path,
        overrides: Overrides,
        env: &EnvSnapshot,
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
        } else if let Some(d) = env.non_empty("TUG_DIST") {
            cwd.join(d)
        } else {
            root.join(&config.project.dist)
        };
        let dist = normalize(&dist);
        config.project.dist = relative_to(&dist, &root);

        let parallelism = match (overrides.parallelism, env.get("TUG_PARALLELISM")) {
            (Some(0), _) => {
                return Err(usage(
                    "--parallelism must be at least 1".into(),
                    "for example --parallelism 4",
                ))
            }
            (Some(n), _) => n,
            (None, Some(v)) if !v.is_empty() => parse_parallelism("TUG_PARALLELISM", v)?,
            _ => std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(1),
        };
        let snapshot = match (overrides.snapshot, env.get("TUG_SNAPSHOT")) {
            (Some(b), _) => b,
            (None, Some(v)) => parse_bool("TUG_SNAPSHOT", v)?,
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
    /// caller from the repository), plus `project` and `env` = the run's environment overlaid
    /// with `project.env` (whose values are themselves rendered with those variables).
    pub fn template_vars(
        &self,
        release: crate::template::TemplateVars,
        env: &EnvSnapshot,
    ) -> Result<crate::template::TemplateVars, crate::template::TemplateError> {
        let mut vars = release
            .set("project", self.project_name())
            .with_env(env.vars().iter().map(|(k, v)| (k.clone(), v.clone())));
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

    /// The run settings and the `TUG_*` variables that produced them, as YAML comments (so
    /// `tug check --show` stays valid YAML). Secret values are never shown.
    pub fn describe(&self, env: &EnvSnapshot) -> String {
        let mut out = String::from("# run settings (defaults < tug.yaml < TUG_* < flags):\n");
        let config = match &self.config_path {
            Some(p) => p.display().to_string(),
            None => "(none: embedded defaults)".into(),
        };
        out.push_str(&format!("#   config: {config}\n"));
        out.push_str(&format!("#   root: {}\n", self.root.display()));
        out.push_str(&format!("#   dist: {}\n", self.dist.display()));
        out.push_str(&format!("#   parallelism: {}\n", self.parallelism));
        out.push_str(&format!("#   snapshot: {}\n", self.snapshot));
        let set: Vec<(&EnvVar, &str)> = VARIABLES
            .iter()
            .filter(|v| v.kind != VarKind::Convention)
            .filter_map(|v| Some((v, env.get(v.name)?)))
            .collect();
        if !set.is_empty() {
            out.push_str("# environment:\n");
            for (v, value) in set {
                let shown = if v.kind == VarKind::Secret {
                    "(set, not shown)"
                } else {
                    value
                };
                out.push_str(&format!("#   {}={shown}\n", v.name));
            }
        }
        out
    }

    /// [`Settings::describe`] as JSON for `--json`: the settings and every variable of
    /// [`VARIABLES`] with whether it is set (and its value when it is a non-secret `TUG_*`).
    pub fn describe_json(&self, env: &EnvSnapshot) -> serde_json::Value {
        let vars: Vec<serde_json::Value> = VARIABLES
            .iter()
            .map(|v| {
                let value = env.get(v.name);
                serde_json::json!({
                    "name": v.name, "kind": v.kind, "meaning": v.meaning, "set": value.is_some(),
                    "value": if v.kind == VarKind::Tug { value } else { None },
                })
            })
            .collect();
        serde_json::json!({
            "config": self.config_path, "root": self.root, "dist": self.dist,
            "parallelism": self.parallelism, "snapshot": self.snapshot, "environment": vars,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env_of(pairs: &[(&str, &str)]) -> EnvSnapshot {
        EnvSnapshot::from_pairs(pairs.iter().copied())
    }

    /// [`Settings::load`] with the arguments in the order the tests read best.
    fn resolve(
        global: &GlobalArgs,
        cwd: &Path,
        overrides: Overrides,
        env: &EnvSnapshot,
    ) -> anyhow::Result<Settings> {
        Settings::load(global, cwd, env, overrides)
    }

    /// Every `TUG_*` name the sources look up with `get`, `non_empty`, `path`, `var` or `var_os`
    /// on a string literal, anywhere under src/.
    fn tug_variables_read_in_sources() -> std::collections::BTreeSet<String> {
        fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
            for entry in std::fs::read_dir(dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    walk(&path, out);
                } else if path.extension().is_some_and(|e| e == "rs") {
                    out.push(path);
                }
            }
        }
        let mut files = Vec::new();
        walk(
            &Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
            &mut files,
        );
        let mut names = std::collections::BTreeSet::new();
        for file in files {
            let text = std::fs::read_to_string(&file).unwrap();
            for lookup in ["get(\"", "non_empty(\"", "path(\"", "var(\"", "var_os(\""] {
                for (i, _) in text.match_indices(&format!("{lookup}TUG_")) {
                    let start = i + lookup.len();
                    let end = text[start..].find('"').map(|e| start + e).unwrap();
                    names.insert(text[start..end].to_string());
                }
            }
        }
        names
    }

    #[test]
    fn every_tug_variable_the_sources_read_is_declared() {
        let declared: Vec<&str> = VARIABLES.iter().map(|v| v.name).collect();
        let read = tug_variables_read_in_sources();
        assert!(
            read.contains("TUG_DIST") && read.contains("TUG_LOG"),
            "{read:?}"
        );
        for name in &read {
            assert!(
                declared.contains(&name.as_str()),
                "{name} is read but not declared in VARIABLES (and the //! list)"
            );
        }
    }

    #[test]
    fn every_tug_variable_read_is_in_the_table_and_the_module_doc() {
        let src = include_str!("settings.rs");
        let doc: String = src
            .lines()
            .take_while(|l| l.starts_with("//!"))
            .collect::<Vec<_>>()
            .join("\n");
        for v in VARIABLES.iter().filter(|v| v.name.starts_with("TUG_")) {
            assert!(
                doc.contains(&format!("`{}`", v.name)),
                "{} missing from //!",
                v.name
            );
        }
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
        let s = resolve(
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
        let s = resolve(&GlobalArgs::default(), &sub, Overrides::default(), &env).unwrap();
        assert_eq!(
            (s.dist.clone(), s.parallelism, s.snapshot),
            (sub.join("envdist"), 3, true)
        );
        assert_eq!(s.project_name(), "app");
        assert_eq!(s.config.project.dist, PathBuf::from("sub/envdist"));
        let env_up = env_of(&[("TUG_DIST", "../up")]);
        let s = resolve(&GlobalArgs::default(), &sub, Overrides::default(), &env_up).unwrap();
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
        let s = resolve(&global, &sub, o, &env).unwrap();
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
        let s = resolve(
            &GlobalArgs::default(),
            dir.path(),
            Overrides::default(),
            &env_of(&[("TUG_CONFIG", "other.yaml")]),
        )
        .unwrap();
        assert_eq!(s.project_name(), "other");
        let err = resolve(
            &GlobalArgs::default(),
            dir.path(),
            Overrides::default(),
            &env_of(&[("TUG_PARALLELISM", "x")]),
        )
        .unwrap_err();
        assert_eq!(crate::error::classify(&err).0, crate::ExitCode::Usage);
        let err = resolve(
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
        let s = resolve(
            &GlobalArgs::default(),
            dir.path(),
            Overrides::default(),
            &env_of(&[]),
        )
        .unwrap();
        let release = crate::template::TemplateVars::new().set("version", "1.0.0");
        let env = env_of(&[("A", "process"), ("HOME", "/h")]);
        let vars = s.template_vars(release, &env).unwrap();
        let out = crate::template::render(
            "t",
            "{{ project }} {{ env.A }} {{ env.B }} {{ env.HOME }}",
            &vars,
        )
        .unwrap();
        assert_eq!(out, "hello from-file-1.0.0 $from-file-1.0.0 /h");
    }

    #[test]
    fn describe_shows_tug_variables_and_hides_secrets() {
        let dir = project("version: 1\n");
        let env = env_of(&[
            ("TUG_PARALLELISM", "3"),
            ("TUG_REGISTRY_PASSWORD", "hunter2"),
            ("GITHUB_TOKEN", "ghp_x"),
            ("HOME", "/home/me"),
        ]);
        let s = resolve(
            &GlobalArgs::default(),
            dir.path(),
            Overrides::default(),
            &env,
        )
        .unwrap();
        let text = s.describe(&env);
        assert!(text.contains("#   parallelism: 3\n"), "{text}");
        assert!(text.contains("#   TUG_PARALLELISM=3\n"), "{text}");
        assert!(
            text.contains("#   TUG_REGISTRY_PASSWORD=(set, not shown)\n"),
            "{text}"
        );
        assert!(
            text.contains("#   GITHUB_TOKEN=(set, not shown)\n"),
            "{text}"
        );
        assert!(!text.contains("hunter2") && !text.contains("ghp_x") && !text.contains("/home/me"));
        let json = s.describe_json(&env).to_string();
        assert!(
            !json.contains("hunter2") && !json.contains("ghp_x"),
            "{json}"
        );
        assert!(json.contains("\"TUG_PARALLELISM\""), "{json}");
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
