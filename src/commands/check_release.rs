//! `tug check --release`: run the release checks and print every finding, `error[id]: message`
//! with its location, details and hint; `--json` prints the same as `finding` events. Exit 3 when
//! an error remains, 1 when the checks could not run.

use std::path::PathBuf;

use super::Context;
use crate::checks::{self, CheckId, ChecksConfig, ReleaseInput, Report};
use crate::cli::check::CheckArgs;
use crate::error::{Error, ExitCode};
use crate::manifest::{ArtifactKind, Manifest};

/// The checks section and where it came from.
pub struct LoadedChecks {
    pub path: Option<PathBuf>,
    /// The project root: the directory of tug.yaml, or the current directory.
    pub root: PathBuf,
    pub checks: ChecksConfig,
    /// `project.tag_prefix`.
    pub tag_prefix: String,
    /// The resolved dist directory (tug's output, never a change to the source).
    pub dist: PathBuf,
}

/// The resolved settings' checks section (tug.yaml with every layer applied; without one, the
/// defaults). The module directory is the project root.
pub fn load_checks_config(ctx: &Context) -> anyhow::Result<LoadedChecks> {
    let settings = ctx.load_settings(crate::config::settings::Overrides::default())?;
    Ok(LoadedChecks {
        path: settings.config_path.clone(),
        root: settings.root.clone(),
        checks: settings.config.checks.clone(),
        tag_prefix: settings.config.project.tag_prefix.clone(),
        dist: settings.dist.clone(),
    })
}

pub fn run(ctx: &Context, args: &CheckArgs) -> anyhow::Result<ExitCode> {
    let loaded = load_checks_config(ctx)?;
    let module_dir = if loaded.path.is_some() {
        loaded.root.clone()
    } else {
        ctx.cwd.clone()
    };
    let input = ReleaseInput {
        module_dir,
        version: args.version.clone(),
        config: loaded.checks.clone(),
        strict: args.strict,
        backport: args.backport,
        retraction_only: args.retraction_only,
        snapshot: false,
        binaries: Vec::new(),
        tag_prefix: Some(loaded.tag_prefix.clone()),
        outputs: vec![loaded.dist.clone()],
        goflags: ctx.env.get("GOFLAGS").map(str::to_string),
        cache_dir: crate::build::toolchain::tug_cache_dir(&ctx.env),
        go: crate::checks::gotool::ToolPaths::from_env(&ctx.env),
        known: Default::default(),
    };
    let spinner = ctx.printer.spinner("running release checks");
    let result = checks::run_release_checks(&input);
    spinner.finish_and_clear();
    let mut report = result.map_err(|e| {
        let hint = crate::error::Diagnostic::hint(&e);
        let mut err = Error::failure("release checks could not run").with_source(e);
        err.hint = hint;
        anyhow::Error::new(err)
    })?;

    // Binaries of this very release in dist/: their build info must carry the version.
    let dist = loaded.dist.clone();
    if let (Some(tag), Ok(manifest)) = (&report.tag, Manifest::read(&dist)) {
        if manifest.tag.as_deref() == Some(tag.as_str()) && !manifest.snapshot {
            let binaries: Vec<PathBuf> = manifest
                .by_kind(ArtifactKind::Binary)
                .map(|a| dist.join(&a.path))
                .collect();
            let version = report.version.clone().unwrap_or_default();
            report.findings.extend(checks::check_binaries(
                &binaries,
                (loaded.tag_prefix == "v").then_some(version.as_str()),
            ));
            checks::finalize(&mut report, &input.config, input.strict, input.snapshot);
        }
    }
    print_report(ctx, &report);
    if report.has_errors() {
        return Ok(ExitCode::ChecksFailed);
    }
    Ok(ExitCode::Success)
}

fn plural(n: usize, what: &str) -> String {
    format!("{n} {what}{}", if n == 1 { "" } else { "s" })
}

/// Findings as data (stdout), notes and the summary as status (stderr).
pub fn print_report(ctx: &Context, report: &Report) {
    let p = &ctx.printer;
    for note in &report.notes {
        p.info(format!("note: {note}"));
        p.event("note", serde_json::json!({ "message": note }));
    }
    for f in &report.findings {
        p.data(checks::render_finding(f));
        p.event("finding", serde_json::to_value(f).unwrap_or_default());
    }
    if let Some(api) = &report.api {
        let shown_in_finding = report
            .findings
            .iter()
            .any(|f| f.check == CheckId::ApiCompat);
        if !shown_in_finding && (!api.breaking.is_empty() || !api.added.is_empty()) {
            p.data(format!(
                "API changes since {} ({}):",
                api.previous_tag,
                plural(api.packages, "package")
            ));
            for change in api.breaking.iter().chain(&api.added) {
                p.data(format!("  {change}"));
            }
        }
        p.event("api", serde_json::to_value(api).unwrap_or_default());
    }
    if let Some(tag) = &report.suggested_tag {
        if report.version.is_none() {
            p.data(format!("suggested version: {tag}"));
        }
    }
    let (errors, warnings) = (report.errors(), report.warnings());
    p.event(
        "summary",
        serde_json::json!({
            "version": report.version, "tag": report.tag, "previous_tag": report.previous_tag,
            "suggested_tag": report.suggested_tag, "errors": errors, "warnings": warnings,
            "api_packages": report.api.as_ref().map(|a| a.packages),
        }),
    );
    let what = match &report.tag {
        Some(tag) => format!("release {tag}"),
        None => "release".to_string(),
    };
    let counts = format!(
        "{}, {}",
        plural(errors, "error"),
        plural(warnings, "warning")
    );
    if errors > 0 {
        p.error(&format!("{what} checks failed: {counts}"), &[], None);
    } else {
        p.status("Checked", format!("{what}: {counts}"));
    }
}
