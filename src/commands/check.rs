//! `tug check`: load and validate tug.yaml with every layer applied, report all problems at once
//! (exit 2), or print the resolved configuration with `--show`; with `--release`, run the
//! release checks (see `check_release`).
//!
//! Beyond what every command checks when it loads tug.yaml (schema, values, templates,
//! conditions, targets against tug's built-in list), `tug check` looks at this machine: every
//! file the config names must be readable (`config::files::check_files`), `env://` references
//! unset in this run are warnings, and Go build targets are checked against the installed
//! toolchain's `go tool dist list` (cached per Go version), or a note says Go is absent.

use std::path::{Path, PathBuf};

use super::{check_release, Context};
use crate::cli::check::CheckArgs;
use crate::config::settings::{load_config, Overrides, Settings};
use crate::config::{self, ConfigError, Severity, Validator};
use crate::error::ExitCode;

fn shown(path: &Path, cwd: &Path) -> String {
    path.strip_prefix(cwd).unwrap_or(path).display().to_string()
}

pub fn run(ctx: &Context, args: CheckArgs) -> anyhow::Result<ExitCode> {
    if args.release {
        return check_release::run(ctx, &args);
    }
    let loaded = match load_config(&ctx.global, &ctx.cwd, &ctx.env) {
        Ok(loaded) => loaded,
        Err(err) => {
            // The targets are checked from the text, and the files from the part of the config
            // that can be read, so they join the other problems: one run reports them all.
            let err = match err {
                ConfigError::Invalid {
                    file,
                    source_text,
                    mut diagnostics,
                } => {
                    if let Ok(tree) = config::tree::parse(&source_text) {
                        let mut v = Validator::with_source(&file, &source_text);
                        target_checks(ctx, &tree, &mut v);
                        if let Some(partial) = config::readable_part(&source_text, &diagnostics) {
                            let path = ctx.cwd.join(&file);
                            let base = path.parent().unwrap_or(Path::new("."));
                            let mut files = Validator::with_source(&file, &source_text);
                            config::files::check_files(&partial, &tree, base, &ctx.env, &mut files);
                            // A line loading already reported is not reported again: its value
                            // is wrong (a literal password is no path, and is never shown).
                            v.diagnostics.extend(
                                files
                                    .diagnostics
                                    .into_iter()
                                    .filter(|f| !diagnostics.iter().any(|d| d.line == f.line)),
                            );
                        }
                        diagnostics.extend(v.diagnostics);
                        diagnostics.sort_by_key(|d| (d.line, d.column));
                        diagnostics.dedup_by(|a, b| a.line == b.line && a.message == b.message);
                    }
                    ConfigError::Invalid {
                        file,
                        source_text,
                        diagnostics,
                    }
                }
                other => other,
            };
            for d in err.diagnostics() {
                ctx.printer.event("diagnostic", serde_json::to_value(d)?);
            }
            return Err(crate::Error::from(err).into());
        }
    };
    let source = loaded.source.clone();
    let settings = Settings::layer(
        loaded,
        &ctx.global,
        &ctx.cwd,
        Overrides::default(),
        &ctx.env,
    )?;
    for warning in &settings.warnings {
        ctx.printer.warn(warning);
    }
    if let Some(path) = &settings.config_path {
        machine_checks(ctx, &settings, path, &source)?;
    }
    let described = match &settings.config_path {
        Some(path) => format!("{} is valid", shown(path, &ctx.cwd)),
        None => "no tug.yaml found: the embedded defaults are valid".to_string(),
    };
    ctx.printer.status(
        "Checked",
        format!(
            "{described} (project {}, dist {})",
            settings.project_name(),
            shown(&settings.dist, &ctx.cwd)
        ),
    );
    ctx.printer.event(
        "config_valid",
        serde_json::json!({
            "path": settings.config_path,
            "project": settings.project_name(),
            "dist": settings.dist,
            "parallelism": settings.parallelism,
            "snapshot": settings.snapshot,
        }),
    );
    if args.show {
        // What `tug build` will use: without `builds:`, one default build per main package.
        let mut shown_settings = settings.clone();
        if shown_settings.config.builds.is_empty() {
            if let Ok(Some(m)) = crate::build::defaults::GoModule::detect(&settings.root) {
                shown_settings.config.builds = m.default_builds();
            }
        }
        let settings = &shown_settings;
        if ctx.printer.is_json() {
            ctx.printer
                .event("config", serde_json::to_value(&settings.config)?);
            ctx.printer
                .event("settings", settings.describe_json(&ctx.env));
        } else {
            ctx.printer.raw(settings.to_yaml()?.as_bytes());
            ctx.printer.raw(settings.describe(&ctx.env).as_bytes());
        }
    }
    Ok(ExitCode::Success)
}

/// The checks that look at this machine (files, the Go toolchain); problems are reported like
/// load-time ones, all at once, exit 2.
fn machine_checks(
    ctx: &Context,
    settings: &Settings,
    path: &Path,
    source: &str,
) -> anyhow::Result<()> {
    let shown_path = PathBuf::from(shown(path, &ctx.cwd));
    let Ok(tree) = config::tree::parse(source) else {
        return Ok(());
    };
    let mut v = Validator::with_source(&shown_path, source);
    let base = path.parent().unwrap_or(Path::new("."));
    config::files::check_files(&settings.config, &tree, base, &ctx.env, &mut v);
    let project_env: Vec<&str> = settings
        .config
        .project
        .env
        .iter()
        .filter_map(|e| e.value.split_once('=').map(|(k, _)| k))
        .collect();
    for (field, var, at) in config::templates::env_references(&tree) {
        if ctx.env.get(&var).is_none() && !project_env.contains(&var.as_str()) {
            v.warn(
                at,
                format!("`env.{var}` in `{field}` is not set in this run: the command that renders it will stop there"),
                Some(format!("export {var} where that command runs, or set it in `project.env`")),
            );
        }
    }
    target_checks(ctx, &tree, &mut v);
    v.diagnostics.sort_by_key(|d| (d.line, d.column));
    for d in v
        .diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Warning)
    {
        ctx.printer.warn(d.render_body(source, true));
    }
    if v.has_errors() {
        let diagnostics: Vec<_> = v
            .diagnostics
            .into_iter()
            .filter(|d| d.severity == Severity::Error)
            .collect();
        for d in &diagnostics {
            ctx.printer.event("diagnostic", serde_json::to_value(d)?);
        }
        let err = ConfigError::Invalid {
            file: shown_path,
            source_text: source.to_string(),
            diagnostics,
        };
        return Err(crate::Error::from(err).into());
    }
    Ok(())
}

/// `name` itself when it has a `/`, else the first `name` on `path` (the run's PATH).
fn find_on_path(name: &str, path: Option<&str>) -> Option<PathBuf> {
    if name.contains('/') {
        let p = PathBuf::from(name);
        return p.is_file().then_some(p);
    }
    std::env::split_paths(path?)
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

/// Go build targets against the installed toolchain's `go tool dist list` (the first
/// `gobinary` of the builds, else `go` on the run's PATH), or tug's built-in list with a warning.
fn target_checks(ctx: &Context, tree: &config::tree::Node, v: &mut Validator) {
    use config::targets::{check, Platforms};
    let builds = tree
        .find("builds")
        .map(config::tree::Node::items)
        .unwrap_or_default();
    let go_builds: Vec<_> = builds
        .iter()
        .filter(|b| b.get("builder").and_then(|n| n.as_str()).unwrap_or("go") == "go")
        .collect();
    if go_builds.is_empty() {
        return;
    }
    let go = go_builds
        .iter()
        .find_map(|b| b.get("gobinary").and_then(|n| n.as_str()))
        .unwrap_or("go");
    let platforms = match find_on_path(go, ctx.env.get("PATH")) {
        Some(bin) => match crate::build::target::GoPlatforms::load(
            &bin,
            crate::build::toolchain::tug_cache_dir(&ctx.env).as_deref(),
        ) {
            Ok(p) => Platforms::Go {
                version: p.go_version,
                platforms: p.platforms,
            },
            Err(e) => {
                ctx.printer.warn(format!(
                    "cannot list the Go toolchain's targets ({e}); they were checked against tug's built-in list"
                ));
                Platforms::Builtin
            }
        },
        None => {
            ctx.printer.warn(format!(
                "`{go}` not found: build targets were checked against tug's built-in list (Go 1.27), not the toolchain's `go tool dist list`"
            ));
            Platforms::Builtin
        }
    };
    check(tree, &platforms, v);
}
