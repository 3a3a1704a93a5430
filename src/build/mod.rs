//! The build engine: compile every (build, target) pair in parallel, package, hash, write release
//! notes and the manifest: everything `dist/` holds after `tug build`.
//!
//! The engine takes a plain [`BuildPlan`] (config sections with defaults filled in, the release
//! facts, the selection of targets, the host paths the command read from the environment) and
//! reports progress through a callback; it never prints and never reads the process environment.
//! Everything is produced in a staging directory next to the final dist and moved into place only
//! when the whole build succeeded, so a failed build never leaves half a release behind (and never
//! destroys the previous one).
//!
//! This file holds the error type and [`run`], which wires the stages together; each stage has its
//! own file: [`plan`] (what to build: the plan types, defaults, selection, rendered commands),
//! [`toolchain`] (probing go/cargo/rustc and the machine), [`schedule`] (running the jobs on
//! workers), [`package`] (archives, checksums, notes, artifacts) and [`stage`] (the staging
//! directory and its atomic move into dist). [`reproduce`] builds a second time, elsewhere, and
//! compares.
//!
//! At most `parallelism` children run at once (further capped by available memory); none is given
//! a fixed share of the CPUs (`-p`, GOMAXPROCS, CARGO_BUILD_JOBS), so the OS gives the CPUs of a
//! finished child to those still running, and the Go binaries of one target are linked by one
//! shared `go build` ([`schedule::units`]).

use std::path::Path;
use std::time::Duration;

use crate::manifest::{Manifest, ManifestError, SCHEMA_VERSION};

pub mod archive;
pub mod defaults;
pub mod digest;
pub mod embed;
pub mod facts;
pub mod invoke;
pub mod merge;
pub mod module;
pub mod notes;
pub mod package;
pub mod plan;
pub mod reproduce;
pub mod sbom;
pub mod schedule;
pub mod stage;
pub mod target;
pub mod template;
pub mod toolchain;

use archive::ArchiveError;
pub use plan::{BuildPlan, NotesInput, Release, Shard};
pub use stage::check_dist;
pub use target::Target;
pub use toolchain::{cpus, HostPaths};

/// Name of the release notes file in dist/.
pub const NOTES_FILE: &str = "RELEASE_NOTES.md";

#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    #[error("unknown target{} for {go_version}: {}", if unknown.len() == 1 { "" } else { "s" },
            unknown.iter().map(|u| u.0.as_str()).collect::<Vec<_>>().join(", "))]
    UnknownTargets {
        go_version: String,
        unknown: Vec<(String, Vec<String>)>,
    },
    #[error("{message}")]
    Config {
        message: String,
        hint: Option<String>,
    },
    /// A target in tug.yaml that is not one (the problem is this error's own text, not a cause).
    #[error("{field}: {problem}")]
    Target {
        field: String,
        problem: target::TargetError,
    },
    #[error("template in {field}: {message}")]
    Template { field: String, message: String },
    #[error("cannot run {tool} ({path})")]
    ToolMissing {
        tool: String,
        path: String,
        source: std::io::Error,
    },
    #[error("{} of {total} target builds failed", failures.len())]
    TargetsFailed {
        failures: Vec<TargetFailure>,
        total: usize,
    },
    #[error("archive {name}")]
    Archive { name: String, source: ArchiveError },
    #[error("{context}")]
    Io {
        context: String,
        source: std::io::Error,
    },
    #[error(transparent)]
    Manifest(#[from] ManifestError),
    /// The module's source release cannot be made (the go command would refuse it).
    #[error(transparent)]
    Module(#[from] crate::gomod::zip::ZipError),
    /// The second build of `--verify-reproducible` failed where the first succeeded.
    #[error("the second build (from a copy of the source, with an empty build cache) failed")]
    SecondBuild { source: Box<BuildError> },
    /// A release binary does not carry a value its `-ldflags -X` inject (see [`embed`]).
    #[error("{} injected value{} missing from the release binaries: {}", missing.len(),
            if missing.len() == 1 { " is" } else { "s are" },
            missing.iter().map(|m| m.to_string()).collect::<Vec<_>>().join("; "))]
    NotEmbedded { missing: Vec<embed::NotEmbedded> },
    /// Reading a built binary for the embedding check.
    #[error("cannot read the built binary {}", path.display())]
    ReadBinary {
        path: std::path::PathBuf,
        source: std::io::Error,
    },
    /// Writing the SBOMs of the Go binaries (`sbom:`).
    #[error("cannot write the SBOMs")]
    Sbom { source: crate::attest::AttestError },
    /// Making the copy of the source for the second build of `--verify-reproducible`.
    #[error("copying the source for a second build: {action}")]
    SourceCopy {
        action: String,
        source: std::io::Error,
    },
}

impl BuildError {
    pub fn io(context: impl Into<String>, source: std::io::Error) -> Self {
        BuildError::Io {
            context: context.into(),
            source,
        }
    }

    pub fn tool_missing(tool: &str, path: &Path, source: std::io::Error) -> Self {
        BuildError::ToolMissing {
            tool: tool.into(),
            path: path.display().to_string(),
            source,
        }
    }

    pub(crate) fn config(message: impl Into<String>, hint: Option<&str>) -> Self {
        BuildError::Config {
            message: message.into(),
            hint: hint.map(str::to_string),
        }
    }
}

impl crate::error::Diagnostic for BuildError {
    /// Usage/config problems are exit 2; everything else is a failure (exit 1).
    fn exit_code(&self) -> crate::ExitCode {
        match self {
            BuildError::UnknownTargets { .. }
            | BuildError::Config { .. }
            | BuildError::Target { .. }
            | BuildError::Template { .. } => crate::ExitCode::Usage,
            BuildError::ToolMissing { .. } => crate::ExitCode::Usage,
            BuildError::Archive {
                source: ArchiveError::Escapes(_) | ArchiveError::Duplicate(_),
                ..
            } => crate::ExitCode::Usage,
            // A build that works here but not from a copy of the repository is not reproducible.
            BuildError::NotEmbedded { .. } => crate::ExitCode::ChecksFailed,
            BuildError::Module(e) => crate::error::Diagnostic::exit_code(e),
            BuildError::SecondBuild { source } => match source.as_ref() {
                BuildError::TargetsFailed { .. } => crate::ExitCode::ChecksFailed,
                inner => inner.exit_code(),
            },
            _ => crate::ExitCode::Failure,
        }
    }

    fn hint(&self) -> Option<String> {
        match self {
            BuildError::UnknownTargets { unknown, .. } => {
                let parts: Vec<String> = unknown
                    .iter()
                    .map(|(t, close)| {
                        if close.is_empty() {
                            format!("{t}: no close match (see `go tool dist list`)")
                        } else {
                            format!("instead of {t}, did you mean {}?", close.join(", "))
                        }
                    })
                    .collect();
                Some(parts.join("; "))
            }
            BuildError::Config { hint, .. } => hint.clone(),
            BuildError::Target { .. } => {
                Some("write targets like `linux/amd64`, `linux/arm/7` or `linux/amd64/v3`".into())
            }
            BuildError::Template { .. } => Some(
                "known variables: project, version, tag, previous_tag, commit, short_commit, \
                 commit_date, commit_timestamp, env.NAME, and per target os, arch, variant, \
                 target, platform"
                    .into(),
            ),
            BuildError::ToolMissing { tool, .. } => {
                Some(format!("install {tool} or put it on PATH"))
            }
            BuildError::TargetsFailed { .. } => {
                Some("run the reproduce command above to see the full output".into())
            }
            BuildError::Manifest(m) => m.hint().map(str::to_string),
            BuildError::Module(e) => crate::error::Diagnostic::hint(e),
            BuildError::NotEmbedded { missing } => Some(format!(
                "declare it as a package-level string variable (`var {} = \"dev\"`, not a const or a function call), or fix the `-X` name in the build's ldflags; checks.severity.build-info: warn lets such a build through",
                missing[0].variable.rsplit('.').next().unwrap_or("version")
            )),
            BuildError::SecondBuild { source } => match source.as_ref() {
                BuildError::TargetsFailed { failures, .. } => {
                    let f = &failures[0];
                    let last = f.output.last().map(String::as_str).unwrap_or("no output");
                    Some(format!(
                        "{} ({}) failed with {}: {last}; the build depends on something outside \
                         the repository's files (an ignored file, the directory, the build \
                         cache): try it in a fresh clone",
                        f.target, f.build, f.status
                    ))
                }
                inner => inner.hint(),
            },
            _ => None,
        }
    }
}

/// One target that did not build.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct TargetFailure {
    pub build: String,
    pub target: String,
    /// How the child ended (`exit status: 1`).
    pub status: String,
    /// The last lines of its output.
    pub output: Vec<String>,
    /// The exact command (with env) to run by hand.
    pub reproduce: String,
}

/// Progress, reported as it happens.
#[derive(Debug, Clone)]
pub enum BuildEvent {
    /// What will be built: `jobs` binaries by `processes` compiler runs (the Go binaries of one
    /// target share one `go build`), `parallelism` of them at a time.
    Planned {
        targets: Vec<String>,
        jobs: usize,
        processes: usize,
        parallelism: usize,
    },
    Started {
        build: String,
        target: String,
    },
    Finished {
        build: String,
        target: String,
        elapsed: Duration,
        result: Result<u64, String>,
    },
    /// Not attempted because of `--fail-fast`.
    Skipped {
        build: String,
        target: String,
    },
    /// Archives, checksums, notes and manifest are being written.
    Packaging {
        archives: usize,
    },
}

/// One row of the summary table.
#[derive(Debug, Clone, serde::Serialize)]
pub struct TargetRow {
    pub build: String,
    pub target: String,
    /// Binary path relative to dist.
    pub binary: String,
    pub size: u64,
    pub sha256: String,
    pub elapsed_ms: u128,
}

#[derive(Debug, Clone)]
pub struct BuildReport {
    pub manifest: Manifest,
    pub rows: Vec<TargetRow>,
    /// Injected values missing from binaries, when the embedding check only warns.
    pub not_embedded: Vec<embed::NotEmbedded>,
}

/// Build the plan into `dist` (replacing whatever is there: call [`check_dist`] first).
pub fn run(
    plan: &BuildPlan,
    dist: &Path,
    on: &(dyn Fn(BuildEvent) + Sync),
) -> Result<BuildReport, BuildError> {
    let resolved = plan::resolve(plan)?;
    let (targets, jobs) = plan::select(plan, &resolved)?;

    let staging = stage::create(plan.staging_parent.as_deref(), dist)?;
    let stage = staging.path();
    // The module release first: a module the go command would refuse fails before any compile.
    let module_release = match &plan.module {
        Some(source) => module::write(stage, source, plan.checksum.algorithm)?,
        None => module::Written::default(),
    };

    let prepared: Vec<plan::Prepared> = jobs
        .iter()
        .map(|(r, t)| plan::prepare(plan, r, t, stage))
        .collect::<Result<_, _>>()?;
    let limits = toolchain::concurrency(
        plan.parallelism,
        toolchain::memory_available(),
        prepared.len(),
    );
    let units = schedule::units(&prepared, limits.max_group);
    let workers = limits.workers.min(units.len()).max(1);
    on(BuildEvent::Planned {
        targets: targets.iter().map(|t| t.name.clone()).collect(),
        jobs: prepared.len(),
        processes: units.len(),
        parallelism: workers,
    });

    let results = schedule::run_jobs(&prepared, &units, workers, plan.fail_fast, stage, dist, on);
    let failures: Vec<TargetFailure> = results
        .iter()
        .filter_map(|r| match r {
            schedule::JobResult::Failed(f) => Some(f.clone()),
            _ => None,
        })
        .collect();
    if !failures.is_empty() {
        return Err(BuildError::TargetsFailed {
            failures,
            total: prepared.len(),
        });
    }

    // A release binary that does not carry its version fails here, before the dist is replaced.
    let not_embedded = if plan.release.snapshot || plan.embed_check == embed::EmbedCheck::Off {
        Vec::new()
    } else {
        not_embedded(&prepared, &results, &plan.release.version)?
    };
    if !not_embedded.is_empty() && plan.embed_check == embed::EmbedCheck::Error {
        return Err(BuildError::NotEmbedded {
            missing: not_embedded,
        });
    }

    let mut packaged = package::package(
        plan,
        &resolved,
        &targets,
        &prepared,
        &results,
        &module_release.checksum_rows,
        stage,
        on,
    )?;
    packaged.artifacts.extend(module_release.artifacts);

    let release = &plan.release;
    let mut target_names: Vec<String> = targets.iter().map(|t| t.name.clone()).collect();
    target_names.sort();
    let mut manifest = Manifest {
        schema_version: SCHEMA_VERSION,
        project: release.project.clone(),
        version: release.version.clone(),
        tag: release.tag.clone(),
        previous_tag: release.previous_tag.clone(),
        commit: release.commit.clone(),
        commit_time: crate::git::rfc3339(release.commit_time),
        snapshot: release.snapshot,
        targets: target_names,
        shard: plan.shard.map(|s| s.to_string()),
        artifacts: packaged.artifacts,
        build_facts: plan.provenance.as_ref().map(|p| p.facts(&prepared)),
    };
    // The build's one wait for the disk, the manifest's fsync (`fsutil::write_atomic`): the
    // manifest is what every later stage trusts, so after a crash it is whole or absent, never
    // an empty file under its name; the artifacts it lists are checked against its sha256s by
    // whoever reads them (publish, verify), so their own fsyncs would protect nothing more.
    manifest.write(stage)?;
    stage::shareable(&Manifest::path(stage))?;
    stage::set_mtimes(stage, release.mtime)?;
    stage::finalize(staging, dist)?;
    Ok(BuildReport {
        manifest,
        rows: packaged.rows,
        not_embedded,
    })
}

/// The `-X` values containing the version that are missing from the Go binaries just built.
fn not_embedded(
    prepared: &[plan::Prepared],
    results: &[schedule::JobResult],
    version: &str,
) -> Result<Vec<embed::NotEmbedded>, BuildError> {
    let mut out = Vec::new();
    for (job, result) in prepared.iter().zip(results) {
        if !sbom::is_go(job) || !matches!(result, schedule::JobResult::Built { .. }) {
            continue;
        }
        let missing = embed::check(&job.out, &job.main.args, version).map_err(|source| {
            BuildError::ReadBinary {
                path: job.out.clone(),
                source,
            }
        })?;
        out.extend(
            missing
                .into_iter()
                .map(|(variable, value)| embed::NotEmbedded {
                    build: job.build.clone(),
                    target: job.target.name.clone(),
                    variable,
                    value,
                }),
        );
    }
    Ok(out)
}
