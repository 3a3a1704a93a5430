//! `tug check`: load and validate tug.yaml with every layer applied, report all problems at once
//! (exit 2), or print the resolved configuration with `--show`; with `--release`, run the
//! release checks (see `check_release`).

use std::path::Path;

use super::{check_release, Context};
use crate::cli::check::CheckArgs;
use crate::config::settings::{load_config, Overrides, Settings};
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
            for d in err.diagnostics() {
                ctx.printer.event("diagnostic", serde_json::to_value(d)?);
            }
            return Err(crate::Error::from(err).into());
        }
    };
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
