//! `tug build`: resolve tug.yaml (or the embedded Go defaults), the repository facts and the flags
//! into a [`BuildPlan`], run the build engine, and show its progress and a summary.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::Mutex;
use std::time::Duration;

use indicatif::ProgressBar;

use super::Context;
use crate::build::{
    self, defaults::GoModule, BuildError, BuildEvent, BuildPlan, NotesInput, Release, Shard,
};
use crate::cli::build::BuildArgs;
use crate::config::settings::Settings;
use crate::error::{Error, ExitCode};
use crate::git::{GitError, RepoFacts};
use crate::ui::Printer;

/// The resolved settings for a build (tug.yaml with every layer applied), with the build
/// sections validated too.
pub(crate) fn load_settings(
    ctx: &Context,
    overrides: crate::config::settings::Overrides,
) -> anyhow::Result<Settings> {
    let settings = Settings::load(&ctx.global, &ctx.cwd, overrides)?;
    for warning in &settings.warnings {
        ctx.printer.warn(warning);
    }
    Ok(settings)
}

/// Turn an engine error into a user error with its exit code, hint and causes.
pub(crate) fn user_error(e: BuildError) -> anyhow::Error {
    Error::from(e).into()
}

fn git_error(e: GitError) -> anyhow::Error {
    let mut err = Error::usage(e.to_string());
    err.hint = e.hint().map(str::to_string);
    err.into()
}

pub fn run(ctx: &Context, args: BuildArgs) -> anyhow::Result<ExitCode> {
    let printer = &ctx.printer;
    let settings = load_settings(
        ctx,
        crate::config::settings::Overrides {
            dist: None,
            parallelism: args.parallelism,
            snapshot: args.snapshot.then_some(true),
        },
    )?;
    let config = &settings.config;
    let root = settings.root.clone();
    let dist = settings.dist.clone();
    let snapshot_requested = settings.snapshot;
    let shard = args
        .shard
        .as_deref()
        .map(|s| s.parse::<Shard>())
        .transpose()
        .map_err(|m| Error::usage(format!("--shard {m}")).with_hint("e.g. --shard 1/4"))?;

    let facts = RepoFacts::discover(&root).map_err(git_error)?;
    // The dist and tug's own staging directories are output, not changes to the source.
    let dist_rel = dist
        .strip_prefix(&facts.root)
        .ok()
        .map(|p| p.to_string_lossy().replace('\\', "/"));
    let dirty: Vec<&String> = facts
        .dirty_files
        .iter()
        .filter(|f| {
            !dist_rel
                .as_ref()
                .is_some_and(|d| f.starts_with(&format!("{d}/")) || **f == *d)
        })
        .filter(|f| {
            !f.split('/')
                .any(|c| c.starts_with(".tug-build-") || c.starts_with(".tug-merge-"))
        })
        .collect();
    if !dirty.is_empty() && !snapshot_requested {
        let mut list: Vec<&str> = dirty.iter().take(10).map(|s| s.as_str()).collect();
        if dirty.len() > 10 {
            list.push("...");
        }
        return Err(Error::usage(format!(
            "the working tree has uncommitted changes: {}",
            list.join(", ")
        ))
        .with_hint("commit or stash them, or pass --snapshot for a local build")
        .into());
    }
    let (version, snapshot) = match (&facts.tag, snapshot_requested) {
        (_, true) => (facts.snapshot_version(), true),
        (Some(t), false) => (t.version.to_string(), false),
        (None, false) => {
            return Err(
                Error::usage(format!("HEAD ({}) has no version tag", facts.short_commit))
                    .with_hint("tag the release (`git tag v0.1.0`) or pass --snapshot")
                    .into(),
            )
        }
    };
    if facts.shallow {
        printer.warn("this is a shallow clone: the previous tag and the release notes may be incomplete (`git fetch --unshallow`)");
    }
    // A tagged Go release passes the release checks first (`tug check --release`); a snapshot
    // build is a local try-out and skips them.
    if !snapshot && root.join("go.mod").is_file() {
        let input = crate::checks::ReleaseInput {
            module_dir: root.clone(),
            version: None,
            config: config.checks.clone(),
            strict: false,
            backport: false,
            retraction_only: false,
            snapshot: false,
            binaries: Vec::new(),
            cache_dir: crate::build::toolchain::tug_cache_dir(&ctx.env),
        };
        let spinner = printer.spinner("running release checks");
        let report = crate::checks::run_release_checks(&input);
        spinner.finish_and_clear();
        let report = report.map_err(|e| {
            let hint = crate::error::Diagnostic::hint(&e);
            let mut err = Error::failure("release checks could not run").with_source(e);
            err.hint = hint;
            anyhow::Error::new(err)
        })?;
        if report.has_errors() || !report.findings.is_empty() {
            super::check_release::print_report(ctx, &report);
        }
        if report.has_errors() {
            return Err(Error::new(
                ExitCode::ChecksFailed,
                format!("release checks failed for {}", facts.tag.as_ref().map(|t| t.name.as_str()).unwrap_or("HEAD")),
            )
            .with_hint("fix the findings above (`tug check --release` lists them), or pass --snapshot for a local build")
            .into());
        }
    }

    let gomod = GoModule::detect(&root).map_err(user_error)?;
    let project = settings.project_name().to_string();
    let builds = if !config.builds.is_empty() {
        config.builds.clone()
    } else {
        match &gomod {
            Some(m) if !m.mains.is_empty() => m.default_builds(),
            Some(_) => {
                return Err(Error::usage(format!(
                    "{}: no main package (root or cmd/*)",
                    root.join("go.mod").display()
                ))
                .with_hint("add `builds:` with `main:` to tug.yaml")
                .into())
            }
            None => {
                return Err(Error::usage(format!(
                    "nothing to build in {}: no tug.yaml builds and no go.mod",
                    root.display()
                ))
                .with_hint("run `tug init`, or add a `builds:` section to tug.yaml")
                .into())
            }
        }
    };

    let mtime = match std::env::var("SOURCE_DATE_EPOCH") {
        Ok(s) if !s.is_empty() => s.trim().parse::<i64>().map_err(|_| {
            Error::usage(format!(
                "SOURCE_DATE_EPOCH={s:?} is not a number of seconds"
            ))
        })?,
        _ => facts.commit_time,
    };
    let notes = if config.release_notes.disable {
        None
    } else {
        let template = match &config.release_notes.template {
            Some(t) => Some(std::fs::read_to_string(root.join(t)).map_err(|e| {
                Error::usage(format!(
                    "release_notes.template: cannot read {}: {e}",
                    root.join(t).display()
                ))
            })?),
            None => None,
        };
        let since = facts.previous_tag.as_ref().map(|t| t.name.as_str());
        Some(NotesInput {
            config: config.release_notes.clone(),
            template,
            commits: facts.commits_since(since).map_err(git_error)?,
        })
    };
    let release = Release {
        project,
        version,
        tag: if snapshot {
            None
        } else {
            facts.tag.as_ref().map(|t| t.name.clone())
        },
        previous_tag: facts.previous_tag.as_ref().map(|t| t.name.clone()),
        commit: facts.commit.clone(),
        short_commit: facts.short_commit.clone(),
        commit_time: facts.commit_time,
        mtime,
        snapshot,
        env: std::env::vars().collect::<BTreeMap<_, _>>(),
    };
    // Stage inside .git/ when dist is in the work tree: same file system, and invisible to the
    // `git status` that `go build -buildvcs` runs, so binaries do not record a modified tree.
    let git_dir = facts.root.join(".git");
    let staging_parent =
        (dist.starts_with(&facts.root) && git_dir.is_dir()).then(|| git_dir.join("tug"));
    let plan = BuildPlan {
        release,
        root: root.clone(),
        builds,
        archives: config.archives.clone(),
        checksum: config.checksum.clone(),
        notes,
        only_targets: args.targets.clone(),
        shard,
        parallelism: settings.parallelism,
        fail_fast: args.fail_fast,
        staging_parent,
        host: build::HostPaths::from_env(&ctx.env),
        children: Default::default(),
    };

    build::check_dist(&dist, args.clean).map_err(user_error)?;
    let progress = Progress::new(printer.clone());
    let report = match build::run(&plan, &dist, &|e| progress.on(e)) {
        Ok(r) => r,
        Err(BuildError::TargetsFailed { failures, total }) => {
            for f in &failures {
                printer.info(format!("\n{} ({}) failed: {}", f.target, f.build, f.status));
                for line in &f.output {
                    printer.info(format!("  | {line}"));
                }
                printer.info(format!("  reproduce: {}", f.reproduce));
                printer.event("target-failed", serde_json::to_value(f).unwrap_or_default());
            }
            return Err(user_error(BuildError::TargetsFailed { failures, total }));
        }
        Err(e) => return Err(user_error(e)),
    };

    summary(printer, &report);
    let m = &report.manifest;
    printer.status(
        "Finished",
        format!(
            "{} {} ({} artifacts) in {}",
            m.project,
            m.version,
            m.artifacts.len(),
            dist.display()
        ),
    );
    printer.event(
        "build-finished",
        serde_json::json!({
            "project": m.project, "version": m.version, "snapshot": m.snapshot,
            "dist": dist.display().to_string(), "targets": m.targets, "shard": m.shard,
            "artifacts": m.artifacts.len(), "binaries": report.rows,
        }),
    );

    if args.verify_reproducible {
        return verify_reproducible(ctx, &plan, &dist, &report.manifest);
    }
    Ok(ExitCode::Success)
}

/// Build again from a copy of the source elsewhere, with an empty Go build cache, and compare
/// every artifact's sha256 (`build::reproduce`). Differences exit 3 (checks failed).
fn verify_reproducible(
    ctx: &Context,
    plan: &BuildPlan,
    dist: &Path,
    first: &crate::manifest::Manifest,
) -> anyhow::Result<ExitCode> {
    let printer = &ctx.printer;
    printer.status(
        "Verifying",
        "reproducibility: building again from a copy of the source, with an empty build cache",
    );
    let parent = plan.staging_parent.clone().unwrap_or_else(|| {
        dist.parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."))
            .to_path_buf()
    });
    let v = build::reproduce::verify(plan, first, dist, &parent).map_err(user_error)?;
    printer.event(
        "reproducibility",
        serde_json::json!({ "reproducible": v.reproducible(), "compared": v.compared, "differing": v.differing }),
    );
    if v.reproducible() {
        printer.status(
            "Reproducible",
            format!("all {} artifacts are byte-identical", v.compared),
        );
        return Ok(ExitCode::Success);
    }
    for d in &v.differing {
        printer.warn(format!("not reproducible: {d}"));
    }
    let names: Vec<&str> = v.differing.iter().map(|d| d.name()).collect();
    Err(Error::new(
        ExitCode::ChecksFailed,
        format!(
            "{} of {} artifacts differ between two builds: {}",
            v.differing.len(),
            v.compared,
            names.join(", ")
        ),
    )
    .with_hint("look for timestamps, absolute paths (`reproducible: false` drops -trimpath), environment variables or random data in the build and its hooks")
    .into())
}

/// Renders engine events: one line per target (a spinner on a terminal, status lines otherwise),
/// and `--json` events.
struct Progress {
    printer: Printer,
    bars: Mutex<HashMap<(String, String), ProgressBar>>,
}

impl Progress {
    fn new(printer: Printer) -> Self {
        Progress {
            printer,
            bars: Mutex::new(HashMap::new()),
        }
    }

    fn on(&self, e: BuildEvent) {
        let p = &self.printer;
        let bars = p.options().progress;
        match e {
            BuildEvent::Planned {
                targets,
                jobs,
                parallelism,
                cpu_share,
            } => {
                p.status(
                    "Building",
                    format!(
                        "{jobs} binaries for {} targets ({parallelism} at a time, {cpu_share} CPU{} each)",
                        targets.len(),
                        if cpu_share == 1 { "" } else { "s" }
                    ),
                );
                p.event("build-planned", serde_json::json!({ "targets": targets, "jobs": jobs, "parallelism": parallelism, "cpu_share": cpu_share }));
            }
            BuildEvent::Started { build, target } => {
                p.event(
                    "target-started",
                    serde_json::json!({ "build": build, "target": target }),
                );
                if bars {
                    let bar = p.spinner(format!("{target:<16} {build:<12} building"));
                    self.bars
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .insert((build, target), bar);
                }
            }
            BuildEvent::Finished {
                build,
                target,
                elapsed,
                result,
            } => {
                let secs = fmt_secs(elapsed);
                p.event(
                    "target-finished",
                    serde_json::json!({
                        "build": build, "target": target, "ok": result.is_ok(),
                        "elapsed_ms": elapsed.as_millis(),
                        "size": result.as_ref().ok(), "error": result.as_ref().err(),
                    }),
                );
                let line = match &result {
                    Ok(size) => format!("{target:<16} {build:<12} {} in {secs}", fmt_size(*size)),
                    Err(status) => format!("{target:<16} {build:<12} {status} after {secs}"),
                };
                let bar = self
                    .bars
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .remove(&(build, target));
                let verb = if result.is_ok() { "built" } else { "FAILED" };
                match bar {
                    Some(bar) => bar.finish_with_message(format!("{line} {verb}")),
                    None if result.is_ok() => p.status("Built", line),
                    None => p.status("Failed", line),
                }
            }
            BuildEvent::Skipped { build, target } => {
                p.event(
                    "target-skipped",
                    serde_json::json!({ "build": build, "target": target }),
                );
                p.status("Skipped", format!("{target} ({build}): --fail-fast"));
            }
            BuildEvent::Packaging { archives } => {
                p.status(
                    "Packaging",
                    format!("{archives} archives, checksums, release notes, manifest"),
                );
            }
        }
    }
}

fn summary(printer: &Printer, report: &build::BuildReport) {
    let mut lines = vec![format!(
        "{:<18} {:<12} {:>10} {:<14} {:>7}",
        "TARGET", "BUILD", "SIZE", "SHA256", "TIME"
    )];
    for r in &report.rows {
        lines.push(format!(
            "{:<18} {:<12} {:>10} {:<14} {:>7}",
            r.target,
            r.build,
            fmt_size(r.size),
            &r.sha256[..12],
            fmt_secs(Duration::from_millis(r.elapsed_ms as u64))
        ));
    }
    for l in lines {
        printer.info(l);
    }
}

fn fmt_size(bytes: u64) -> String {
    if bytes >= 1 << 20 {
        format!("{:.1} MiB", bytes as f64 / (1u64 << 20) as f64)
    } else {
        format!("{:.1} KiB", bytes as f64 / 1024.0)
    }
}

fn fmt_secs(d: Duration) -> String {
    format!("{:.1}s", d.as_secs_f64())
}
