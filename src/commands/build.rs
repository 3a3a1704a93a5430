//! `tug build`: resolve tug.yaml (or the embedded Go defaults), the repository facts and the flags
//! into a [`BuildPlan`], run the build engine, and show its progress and a summary.

use std::path::Path;

use super::Context;
use crate::build::{self, defaults::GoModule, BuildError, BuildPlan, NotesInput, Release, Shard};
use crate::cli::build::BuildArgs;
use crate::config::settings::{Overrides, Settings};
use crate::error::{Error, ExitCode};
use crate::git::{RepoFacts, TagScheme};
use crate::ui::reporters::{self, BuildReporter};

/// The settings overrides `tug build`'s own flags make.
pub(crate) fn overrides(snapshot: bool, parallelism: Option<usize>) -> Overrides {
    Overrides {
        dist: None,
        parallelism,
        snapshot: snapshot.then_some(true),
    }
}

pub fn run(ctx: &Context, args: BuildArgs) -> anyhow::Result<ExitCode> {
    let settings = ctx.load_settings(overrides(args.snapshot, args.parallelism))?;
    run_with(ctx, &settings, args)
}

/// `tug build` with settings already resolved (by `run`, or once for all stages by `tug release`).
pub(crate) fn run_with(
    ctx: &Context,
    settings: &Settings,
    args: BuildArgs,
) -> anyhow::Result<ExitCode> {
    let printer = &ctx.printer;
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

    let gomod = GoModule::detect(&root).map_err(Error::from)?;
    // The repository, opened once for everything this command reads from it.
    let repo = crate::git::open(&root).map_err(Error::from)?;
    let scheme = TagScheme::in_repository(
        Some(&repo),
        &root,
        gomod.as_ref().map(|m| m.module.as_str()),
        &config.project.tag_prefix,
        config.checks.tag_prefix.as_deref(),
    );
    let facts = RepoFacts::read(&repo, &scheme).map_err(Error::from)?;
    // The dist and tug's own staging directories are output, not changes to the source: for git,
    // and for the go command's VCS stamping (which runs `git status`), the dist is excluded in
    // this clone when nothing ignores it yet. A dist directly in the project directory is in
    // `repo` (found from the same directory); one elsewhere is in whichever repository holds it.
    let excluded = if dist.parent() == Some(root.as_path()) {
        crate::git::exclude_locally_in(&repo, &dist)
    } else {
        crate::git::exclude_locally(&dist)
    };
    if let Some(line) = excluded.map_err(Error::from)? {
        tracing::info!(line = %line, "added the dist to .git/info/exclude (tug's output is not a change to the source)");
    }
    let outputs = vec![dist.clone()];
    let dirty: Vec<&String> = facts
        .dirty_files
        .iter()
        .map(|(f, _)| f)
        .filter(|f| !crate::git::is_tug_output(&facts.root, &outputs, f))
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
        .with_hint(
            if dirty.iter().any(|f| crate::git::looks_like_private_key(f)) {
                crate::git::clean_tree_hint(&dirty)
            } else {
                "commit or stash them, or pass --snapshot for a local build".to_string()
            },
        )
        .into());
    }
    let (version, snapshot) = match (&facts.tag, snapshot_requested) {
        (_, true) => (facts.snapshot_version(), true),
        (Some(t), false) => (t.version.to_string(), false),
        (None, false) => {
            return Err(
                Error::usage(format!("HEAD ({}) has no version tag", facts.short_commit))
                    .with_hint(format!(
                        "tag the release (`git tag -a {tag} -m {tag}`; this project's tags are {}) or pass --snapshot",
                        scheme.pattern(),
                        tag = facts
                            .previous_tag
                            .as_ref()
                            .map(|t| scheme.tag(&semver::Version::new(
                                t.version.major,
                                t.version.minor,
                                t.version.patch + 1
                            )))
                            .unwrap_or_else(|| scheme.example())
                    ))
                    .into(),
            )
        }
    };
    if facts.shallow {
        printer.warn("this is a shallow clone: the previous tag and the release notes may be incomplete (`git fetch --unshallow`)");
    }
    let library = config.builds.is_empty() && gomod.as_ref().is_some_and(|m| m.mains.is_empty());
    // The module's source release: for a tagged library always, for a module with binaries when a
    // `goproxy` publisher will serve it; once per release (the first shard of a sharded build).
    // Its files are read from the tag's tree once, here: the release checks' module-zip check
    // and the module zip below both take them.
    let module_files = match &gomod {
        Some(_)
            if !snapshot
                && (library || config.publish.iter().any(|p| p.kind() == "goproxy"))
                && shard.is_none_or(|s| s.index == 1) =>
        {
            let dir = root
                .strip_prefix(&facts.root)
                .unwrap_or(Path::new(""))
                .to_string_lossy()
                .replace('\\', "/");
            Some(std::sync::Arc::new(
                crate::gomod::source::files_in(&repo, &facts.root, &facts.commit, &dir)
                    .map_err(Error::from)?,
            ))
        }
        _ => None,
    };
    // A tagged Go release passes the release checks first (`tug check --release`); a snapshot
    // build is a local try-out and skips them.
    let mut release_checks = crate::manifest::ReleaseChecks::NotRun;
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
            tag_prefix: Some(config.project.tag_prefix.clone()),
            outputs: vec![dist.clone()],
            goflags: ctx.env.get("GOFLAGS").map(str::to_string),
            cache_dir: crate::build::toolchain::tug_cache_dir(&ctx.env),
            go: crate::checks::gotool::ToolPaths::from_env(&ctx.env),
            // The status and the module's files this command has read: not read again.
            known: crate::checks::Known {
                dirty: Some(facts.dirty_files.clone()),
                module_files: module_files.clone(),
            },
        };
        let spinner = printer.spinner("running release checks");
        let report = crate::checks::run_release_checks(&input);
        spinner.finish_and_clear();
        let report = report.map_err(|e| {
            let hint = crate::error::Diagnostic::hint(&e);
            let mut err = Error::failure("release checks could not run").with_source(e);
            err.hint = hint;
            err
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
        release_checks = crate::manifest::ReleaseChecks::Passed;
    }

    let project = settings.project_name().to_string();
    let builds = if !config.builds.is_empty() {
        config.builds.clone()
    } else {
        match &gomod {
            Some(m) if !m.mains.is_empty() => m.default_builds(),
            // A tagged library's release is its module zip alone.
            Some(_) if !snapshot => Vec::new(),
            Some(_) => {
                return Err(Error::usage(format!(
                    "{} is a library module: it has no main package, so there is nothing to build for a snapshot",
                    root.join("go.mod").display()
                ))
                .with_hint(format!(
                    "a library's release is its module zip, made from a version tag: `tug check --release` checks it, then tag it ({}) and run `tug build`; add `builds:` with `main:` to tug.yaml if a command should be built",
                    scheme.pattern()
                ))
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

    let mtime = match ctx.env.non_empty("SOURCE_DATE_EPOCH") {
        Some(s) => s.trim().parse::<i64>().map_err(|e| {
            Error::usage(format!(
                "SOURCE_DATE_EPOCH={s:?} is not a number of seconds"
            ))
            .with_source(e)
            .with_hint("set it to the Unix time of the commit, e.g. `git log -1 --format=%ct`")
        })?,
        None => facts.commit_time,
    };
    let notes = if config.release_notes.disable {
        None
    } else {
        let template = match &config.release_notes.template {
            Some(t) => Some(std::fs::read_to_string(root.join(t)).map_err(|e| {
                Error::usage(format!(
                    "release_notes.template: cannot read {}",
                    root.join(t).display()
                ))
                .with_source(e)
            })?),
            None => None,
        };
        // A snapshot's notes are what came after the newest release (HEAD's own tag included);
        // a release's, what came after the previous one.
        let since = if snapshot {
            facts.tag.as_ref().or(facts.previous_tag.as_ref())
        } else {
            facts.previous_tag.as_ref()
        }
        .map(|t| t.name.as_str());
        Some(NotesInput {
            config: config.release_notes.clone(),
            template,
            commits: facts.commits_since_in(&repo, since).map_err(Error::from)?,
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
        env: ctx.env.vars().clone(),
    };
    // Stage inside .git/ when dist is in the work tree: same file system, and invisible to the
    // `git status` that `go build -buildvcs` runs, so binaries do not record a modified tree.
    let git_dir = facts.root.join(".git");
    let staging_parent =
        (dist.starts_with(&facts.root) && git_dir.is_dir()).then(|| git_dir.join("tug"));
    // The module's source release (its files were read above).
    let module = match (&gomod, module_files) {
        (Some(m), Some(files)) => {
            // The checks' input is gone: the files are this command's alone again.
            let files = std::sync::Arc::try_unwrap(files).unwrap_or_else(|f| (*f).clone());
            Some(build::module::ModuleSource {
                module: m.module.clone(),
                version: crate::gomod::version::render(
                    &facts
                        .tag
                        .as_ref()
                        .expect("a tagged build has a tag")
                        .version,
                ),
                time: crate::git::rfc3339(facts.commit_time),
                files,
            })
        }
        _ => None,
    };
    let provenance = match &config.provenance {
        Some(p) => Some(provenance_input(
            ctx,
            settings,
            p,
            &facts,
            dirty.is_empty(),
            release_checks,
            &builds,
        )?),
        None => None,
    };
    let plan = BuildPlan {
        module,
        sbom: config
            .sbom
            .as_ref()
            .map(|s| s.formats.clone())
            .unwrap_or_default(),
        provenance,
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
        embed_check: match config.checks.level(crate::checks::CheckId::BuildInfo) {
            Some(crate::checks::CheckLevel::Off) => build::embed::EmbedCheck::Off,
            Some(crate::checks::CheckLevel::Warn) => build::embed::EmbedCheck::Warn,
            _ => build::embed::EmbedCheck::Error,
        },
    };

    build::check_dist(&dist, args.clean).map_err(Error::from)?;
    let progress = BuildReporter::new(printer.clone());
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
            return Err(Error::from(BuildError::TargetsFailed { failures, total }).into());
        }
        Err(e) => return Err(Error::from(e).into()),
    };

    for m in &report.not_embedded {
        printer.warn(format!("build-info: {m}"));
        printer.event("not-embedded", serde_json::to_value(m).unwrap_or_default());
    }
    reporters::build_summary(printer, &report);
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

/// What the provenance of this build records, as far as it is known before the build runs.
fn provenance_input(
    _ctx: &Context,
    settings: &Settings,
    config: &crate::config::attest::ProvenanceConfig,
    facts: &RepoFacts,
    clean_tree: bool,
    release_checks: crate::manifest::ReleaseChecks,
    builds: &[crate::config::build::BuildConfig],
) -> anyhow::Result<build::facts::ProvenanceInput> {
    use crate::config::attest::ProvenanceTimes;
    let repository = match &config.repository {
        Some(r) => Some(r.value.clone()),
        None => crate::git::origin_url(&facts.root).map_err(Error::from)?,
    };
    let config_sha256 = match &settings.config_path {
        Some(path) => Some(
            crate::fsutil::sha256_file(path)
                .map_err(|e| {
                    Error::failure(format!("cannot read {}", path.display())).with_source(e)
                })?
                .0,
        ),
        None => None,
    };
    let started_on = match config.timestamps {
        ProvenanceTimes::Commit => crate::git::rfc3339(facts.commit_time),
        ProvenanceTimes::Build => chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string(),
    };
    Ok(build::facts::ProvenanceInput {
        facts: crate::manifest::BuildFacts {
            tug_version: env!("CARGO_PKG_VERSION").to_string(),
            builder_id: config.builder_id(),
            repository,
            clean_tree,
            release_checks,
            config_sha256,
            go_version: None,
            finished_on: started_on.clone(),
            started_on,
            builds: builds
                .iter()
                .map(|b| serde_json::to_value(b).unwrap_or_default())
                .collect(),
        },
        times: config.timestamps,
    })
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
    let v = build::reproduce::verify(plan, first, dist, &parent).map_err(Error::from)?;
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
