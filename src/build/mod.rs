//! The build engine: compile every (build, target) pair in parallel, package, hash, write release
//! notes and the manifest: everything `dist/` holds after `tug build`.
//!
//! The engine takes a plain [`BuildPlan`] (config sections with defaults filled in, the release
//! facts, the selection of targets) and reports progress through a callback; it never prints.
//! Everything is produced in a staging directory next to the final dist and moved into place only
//! when the whole build succeeded, so a failed build never leaves half a release behind (and never
//! destroys the previous one).
//!
//! CPU is shared rather than oversubscribed: at most `parallelism` children run at once (further
//! capped by available memory), and each gets `cpus / running` of the machine through `GOMAXPROCS`
//! and `go build -p` (or `CARGO_BUILD_JOBS`).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use rayon::prelude::*;

use crate::config::build::{
    ArchiveConfig, ArchiveFile, ArchiveFormat, BuildConfig, Builder, ChecksumAlgorithm,
    ChecksumConfig, ReleaseNotesConfig, WrapInDirectory,
};
use crate::git::CommitInfo;
use crate::manifest::{Artifact, ArtifactKind, Manifest, ManifestError, SCHEMA_VERSION};

pub mod archive;
pub mod defaults;
pub mod digest;
pub mod invoke;
pub mod merge;
pub mod notes;
pub mod target;
pub mod template;

use archive::{ArchiveError, ArchiveSpec, Entry};
use digest::Digests;
use invoke::Invocation;
pub use target::Target;
use template::Vars;

/// Name of the release notes file in dist/.
pub const NOTES_FILE: &str = "RELEASE_NOTES.md";
/// Memory assumed per concurrent compile when capping parallelism.
const MEMORY_PER_JOB: u64 = 512 << 20;
/// Lines of compiler output shown for a failed target.
const TAIL_LINES: usize = 20;

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
    #[error("template in {field}: {message}")]
    Template { field: String, message: String },
    #[error("cannot run {tool} ({path}): {source}")]
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
    #[error("archive {name}: {source}")]
    Archive { name: String, source: ArchiveError },
    #[error("{context}: {source}")]
    Io {
        context: String,
        source: std::io::Error,
    },
    #[error(transparent)]
    Manifest(#[from] ManifestError),
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

    fn config(message: impl Into<String>, hint: Option<&str>) -> Self {
        BuildError::Config {
            message: message.into(),
            hint: hint.map(str::to_string),
        }
    }

    /// Usage/config problems are exit 2; everything else is a failure (exit 1).
    pub fn exit_code(&self) -> crate::ExitCode {
        match self {
            BuildError::UnknownTargets { .. }
            | BuildError::Config { .. }
            | BuildError::Template { .. } => crate::ExitCode::Usage,
            BuildError::ToolMissing { .. } => crate::ExitCode::Usage,
            BuildError::Archive {
                source: ArchiveError::Escapes(_) | ArchiveError::Duplicate(_),
                ..
            } => crate::ExitCode::Usage,
            _ => crate::ExitCode::Failure,
        }
    }

    pub fn hint(&self) -> Option<String> {
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
            _ => None,
        }
    }
}

impl crate::error::Diagnostic for BuildError {
    fn exit_code(&self) -> crate::ExitCode {
        BuildError::exit_code(self)
    }
    fn hint(&self) -> Option<String> {
        BuildError::hint(self)
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

/// The release being built: the facts every template and the manifest need.
#[derive(Debug, Clone)]
pub struct Release {
    pub project: String,
    /// Without the tag prefix (`1.2.3`, `1.2.4-snapshot+abc1234`).
    pub version: String,
    pub tag: Option<String>,
    pub previous_tag: Option<String>,
    pub commit: String,
    pub short_commit: String,
    /// Committer time of the commit, Unix seconds.
    pub commit_time: i64,
    /// Timestamp for every file and archive entry (SOURCE_DATE_EPOCH, else the commit time).
    pub mtime: i64,
    pub snapshot: bool,
    /// `{{ env.NAME }}`.
    pub env: BTreeMap<String, String>,
}

impl Release {
    /// The release-wide template variables.
    pub fn vars(&self) -> Vars {
        let mut v = Vars::default();
        v.set("project", self.project.as_str())
            .set("version", self.version.as_str())
            .set("tag", self.tag.clone().unwrap_or_default())
            .set(
                "previous_tag",
                self.previous_tag.clone().unwrap_or_default(),
            )
            .set("commit", self.commit.as_str())
            .set("short_commit", self.short_commit.as_str())
            .set("commit_date", crate::git::rfc3339(self.commit_time))
            .set("commit_timestamp", self.commit_time)
            .set("is_snapshot", self.snapshot)
            .set("env", minijinja::Value::from_serialize(&self.env));
        v
    }

    fn target_vars(&self, t: &Target) -> Vars {
        let variant = t.variant.clone().unwrap_or_default();
        self.vars().with(&[
            ("os", &t.os),
            ("arch", &t.arch),
            ("variant", &variant),
            ("target", &t.name),
            ("platform", &t.platform()),
        ])
    }
}

/// `--shard I/N`: the I-th (1-based) of N round-robin slices of the targets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    pub index: usize,
    pub count: usize,
}

impl std::str::FromStr for Shard {
    type Err = String;
    fn from_str(s: &str) -> Result<Shard, String> {
        let parse = || -> Option<Shard> {
            let (i, n) = s.split_once('/')?;
            let (index, count) = (i.trim().parse().ok()?, n.trim().parse().ok()?);
            (index >= 1 && index <= count).then_some(Shard { index, count })
        };
        parse().ok_or_else(|| format!("{s:?} is not a shard I/N with 1 <= I <= N"))
    }
}

impl std::fmt::Display for Shard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

/// Release notes input: the section and the commits since the previous tag.
#[derive(Debug, Clone)]
pub struct NotesInput {
    pub config: ReleaseNotesConfig,
    /// A user template's text (already read), or `None` for the built-in one.
    pub template: Option<String>,
    pub commits: Vec<CommitInfo>,
}

/// Everything the engine needs, resolved by the command from config, git facts and flags.
#[derive(Debug, Clone)]
pub struct BuildPlan {
    pub release: Release,
    /// Project root: build `dir`s and archive file globs are relative to it.
    pub root: PathBuf,
    /// At least one build.
    pub builds: Vec<BuildConfig>,
    /// Archive sets; empty means one default set.
    pub archives: Vec<ArchiveConfig>,
    pub checksum: ChecksumConfig,
    pub notes: Option<NotesInput>,
    /// `--target` filters (by target name); empty means all.
    pub only_targets: Vec<String>,
    pub shard: Option<Shard>,
    /// Maximum concurrent compiles (`-p`).
    pub parallelism: usize,
    pub fail_fast: bool,
    /// Where to create the staging directory (default: next to dist). Must be on dist's file
    /// system; choose one git ignores (e.g. inside `.git/`) so `go build -buildvcs` sees a clean tree.
    pub staging_parent: Option<PathBuf>,
}

/// Progress, reported as it happens.
#[derive(Debug, Clone)]
pub enum BuildEvent {
    /// What will be built, and how the CPUs are shared.
    Planned {
        targets: Vec<String>,
        jobs: usize,
        parallelism: usize,
        cpu_share: usize,
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
}

/// A build with its defaults applied and its targets parsed.
#[derive(Debug, Clone)]
struct Resolved {
    index: usize,
    id: String,
    cfg: BuildConfig,
    dir: PathBuf,
    targets: Vec<Target>,
    /// The go/cargo program (or `sh` for command builds).
    program: PathBuf,
}

/// A job ready to run: every template rendered.
#[derive(Debug, Clone)]
struct Prepared {
    build: String,
    target: Target,
    binary: String,
    out: PathBuf,
    before: Vec<Invocation>,
    main: Invocation,
    after: Vec<Invocation>,
    /// For cargo and command builds: where the binary appears, copied to `out`.
    copy_from: Option<PathBuf>,
    reproducible: bool,
}

enum JobResult {
    Built { elapsed: Duration },
    Failed(TargetFailure),
    Skipped,
}

/// Refuse to replace a non-empty dist unless `clean`.
pub fn check_dist(dist: &Path, clean: bool) -> Result<(), BuildError> {
    match std::fs::read_dir(dist).map(|mut rd| rd.next().is_some()) {
        Ok(true) if !clean => Err(BuildError::config(
            format!("{} is not empty", dist.display()),
            Some("pass --clean to replace it, or --dist DIR to build elsewhere"),
        )),
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotADirectory => Err(BuildError::config(
            format!("{} is not a directory", dist.display()),
            None,
        )),
        Err(e) => Err(BuildError::io(format!("reading {}", dist.display()), e)),
    }
}

/// Number of CPUs of this machine.
pub fn cpus() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
}

/// Bytes of memory available, from /proc/meminfo (Linux); `None` elsewhere.
fn memory_available() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = text.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

/// Build the plan into `dist` (replacing whatever is there: call [`check_dist`] first).
pub fn run(
    plan: &BuildPlan,
    dist: &Path,
    on: &(dyn Fn(BuildEvent) + Sync),
) -> Result<BuildReport, BuildError> {
    let resolved = resolve(plan)?;
    let (targets, jobs) = select(plan, &resolved)?;

    let staging_parent = match &plan.staging_parent {
        Some(p) => p.clone(),
        None => dist
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."))
            .to_path_buf(),
    };
    std::fs::create_dir_all(&staging_parent)
        .map_err(|e| BuildError::io(format!("creating {}", staging_parent.display()), e))?;
    let staging = tempfile::Builder::new()
        .prefix(".tug-build-")
        .tempdir_in(&staging_parent)
        .map_err(|e| {
            BuildError::io(
                format!(
                    "creating a staging directory in {}",
                    staging_parent.display()
                ),
                e,
            )
        })?;
    let stage = staging.path();

    let parallelism = plan.parallelism.max(1);
    let by_memory = memory_available()
        .map(|m| (m / MEMORY_PER_JOB).max(1) as usize)
        .unwrap_or(usize::MAX);
    let workers = parallelism.min(by_memory).min(jobs.len()).max(1);
    let cpu_share = (cpus() / workers).max(1);

    let prepared: Vec<Prepared> = jobs
        .iter()
        .map(|(r, t)| prepare(plan, r, t, stage, cpu_share))
        .collect::<Result<_, _>>()?;
    on(BuildEvent::Planned {
        targets: targets.iter().map(|t| t.name.clone()).collect(),
        jobs: prepared.len(),
        parallelism: workers,
        cpu_share,
    });

    let results = run_jobs(&prepared, workers, plan.fail_fast, stage, dist, on);
    let failures: Vec<TargetFailure> = results
        .iter()
        .filter_map(|r| match r {
            JobResult::Failed(f) => Some(f.clone()),
            _ => None,
        })
        .collect();
    if !failures.is_empty() {
        return Err(BuildError::TargetsFailed {
            failures,
            total: prepared.len(),
        });
    }

    let algo = plan.checksum.algorithm;
    let archive_jobs = plan_archives(plan, &resolved, &targets, &prepared, stage)?;
    on(BuildEvent::Packaging {
        archives: archive_jobs.len(),
    });
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(parallelism.min(cpus()).max(1))
        .build()
        .map_err(|e| BuildError::io("starting the packaging threads", std::io::Error::other(e)))?;
    let written: Vec<(usize, archive::Written)> = pool.install(|| {
        archive_jobs
            .par_iter()
            .enumerate()
            .map(|(i, job)| {
                archive::write(&job.spec, algo)
                    .map(|w| (i, w))
                    .map_err(|source| BuildError::Archive {
                        name: job.file_name.clone(),
                        source,
                    })
            })
            .collect::<Result<Vec<_>, _>>()
    })?;

    // Every binary was hashed while it was read into an archive; hash the rest now.
    let mut binary_digests: HashMap<PathBuf, Digests> = HashMap::new();
    for (_, w) in &written {
        for (path, d) in &w.sources {
            binary_digests
                .entry(path.clone())
                .or_insert_with(|| d.clone());
        }
    }
    let missing: Vec<&Prepared> = prepared
        .iter()
        .filter(|p| !binary_digests.contains_key(&p.out))
        .collect();
    let hashed: Vec<(PathBuf, Digests)> = pool.install(|| {
        missing
            .par_iter()
            .map(|p| {
                digest::digest_file(&p.out, algo)
                    .map(|d| (p.out.clone(), d))
                    .map_err(|e| BuildError::io(format!("hashing {}", p.out.display()), e))
            })
            .collect::<Result<Vec<_>, _>>()
    })?;
    binary_digests.extend(hashed);

    let rel = |p: &Path| {
        p.strip_prefix(stage)
            .unwrap_or(p)
            .to_string_lossy()
            .replace('\\', "/")
    };
    let mut artifacts = Vec::new();
    let mut rows = Vec::new();
    for (p, r) in prepared.iter().zip(&results) {
        let d = &binary_digests[&p.out];
        let path = rel(&p.out);
        artifacts.push(Artifact {
            name: path.clone(),
            path: path.clone(),
            kind: ArtifactKind::Binary,
            os: Some(p.target.os.clone()),
            arch: Some(p.target.arch.clone()),
            variant: p.target.variant.clone(),
            target: Some(p.target.name.clone()),
            sha256: d.sha256.clone(),
            size: d.size,
            signs: None,
            build: Some(p.build.clone()),
            extra: [("binary".to_string(), p.binary.clone())].into(),
        });
        let elapsed_ms = match r {
            JobResult::Built { elapsed, .. } => elapsed.as_millis(),
            _ => 0,
        };
        rows.push(TargetRow {
            build: p.build.clone(),
            target: p.target.name.clone(),
            binary: path,
            size: d.size,
            sha256: d.sha256.clone(),
            elapsed_ms,
        });
    }
    let mut checksum_rows: Vec<(String, String)> = Vec::new();
    for (i, w) in &written {
        let job = &archive_jobs[*i];
        checksum_rows.push((
            job.file_name.clone(),
            w.digests.for_algorithm(algo).to_string(),
        ));
        let mut extra = BTreeMap::new();
        extra.insert(
            "format".to_string(),
            format_name(job.spec.format).to_string(),
        );
        extra.insert("binaries".to_string(), job.binaries.join(","));
        extra.insert("archive".to_string(), job.archive_id.clone());
        if let Some(w) = &job.wrap {
            extra.insert("wrap_in_directory".to_string(), w.clone());
        }
        artifacts.push(Artifact {
            name: job.file_name.clone(),
            path: job.file_name.clone(),
            kind: ArtifactKind::Archive,
            os: Some(job.target.os.clone()),
            arch: Some(job.target.arch.clone()),
            variant: job.target.variant.clone(),
            target: Some(job.target.name.clone()),
            sha256: w.digests.sha256.clone(),
            size: w.digests.size,
            signs: None,
            build: None,
            extra,
        });
    }

    let release = &plan.release;
    let vars = release.vars();
    let checksums_name = template::render(
        "checksum.name_template",
        plan.checksum
            .name_template
            .as_deref()
            .unwrap_or("{{ project }}_{{ version }}_checksums.txt"),
        &vars,
    )?;
    check_file_name("checksum.name_template", &checksums_name)?;
    artifacts.push(write_small(
        stage,
        &checksums_name,
        crate::manifest::render_checksums(
            checksum_rows.iter().map(|(n, h)| (n.as_str(), h.as_str())),
        )
        .as_bytes(),
        ArtifactKind::Checksums,
        [("algorithm".to_string(), algo.name().to_string())].into(),
    )?);

    if let Some(notes) = plan.notes.as_ref().filter(|n| !n.config.disable) {
        let ctx = notes::NotesContext {
            project: release.project.clone(),
            version: release.version.clone(),
            tag: release.tag.clone().unwrap_or_default(),
            previous_tag: release.previous_tag.clone().unwrap_or_default(),
            commit_date: crate::git::rfc3339(release.commit_time),
        };
        let text = notes::render(
            &notes.config,
            notes.template.as_deref(),
            &ctx,
            &notes.commits,
        )?;
        artifacts.push(write_small(
            stage,
            NOTES_FILE,
            text.as_bytes(),
            ArtifactKind::Notes,
            BTreeMap::new(),
        )?);
    }

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
        artifacts,
    };
    manifest.write(stage)?;
    shareable(&Manifest::path(stage))?;
    set_mtimes(stage, release.mtime)?;
    finalize(staging, dist)?;
    Ok(BuildReport { manifest, rows })
}

fn format_name(f: ArchiveFormat) -> &'static str {
    match f {
        ArchiveFormat::TarGz => "tar.gz",
        ArchiveFormat::TarZst => "tar.zst",
        ArchiveFormat::Zip => "zip",
        ArchiveFormat::Binary => "binary",
    }
}

fn write_small(
    stage: &Path,
    name: &str,
    bytes: &[u8],
    kind: ArtifactKind,
    extra: BTreeMap<String, String>,
) -> Result<Artifact, BuildError> {
    let path = stage.join(name);
    std::fs::write(&path, bytes)
        .map_err(|e| BuildError::io(format!("writing {}", path.display()), e))?;
    let mut h = digest::Hashing::new(std::io::sink(), ChecksumAlgorithm::Sha256);
    std::io::Write::write_all(&mut h, bytes).expect("sink");
    let (_, d) = h.finish();
    Ok(Artifact {
        name: name.to_string(),
        path: name.to_string(),
        kind,
        os: None,
        arch: None,
        variant: None,
        target: None,
        sha256: d.sha256,
        size: d.size,
        signs: None,
        build: None,
        extra,
    })
}

/// Make a file written through a 0600 temp file readable by everyone, like the rest of dist.
pub(crate) fn shareable(path: &Path) -> Result<(), BuildError> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o644))
            .map_err(|e| BuildError::io(format!("setting the mode of {}", path.display()), e))?;
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

/// Give every file under `dir` the same mtime.
pub(crate) fn set_mtimes(dir: &Path, mtime: i64) -> Result<(), BuildError> {
    let when = archive::system_time(mtime);
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let rd = std::fs::read_dir(&d)
            .map_err(|e| BuildError::io(format!("reading {}", d.display()), e))?;
        for entry in rd.flatten() {
            let p = entry.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                std::fs::File::options()
                    .write(true)
                    .open(&p)
                    .and_then(|f| f.set_modified(when))
                    .map_err(|e| {
                        BuildError::io(format!("setting the mtime of {}", p.display()), e)
                    })?;
            }
        }
    }
    Ok(())
}

/// Move the finished staging directory to `dist`, replacing it.
pub(crate) fn finalize(staging: tempfile::TempDir, dist: &Path) -> Result<(), BuildError> {
    let io = |what: &str, e| BuildError::io(format!("{what} {}", dist.display()), e);
    match std::fs::symlink_metadata(dist) {
        Ok(m) if m.is_dir() => std::fs::remove_dir_all(dist).map_err(|e| io("removing", e))?,
        Ok(_) => std::fs::remove_file(dist).map_err(|e| io("removing", e))?,
        Err(_) => {}
    }
    if let Some(parent) = dist.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(|e| io("creating the parent of", e))?;
    }
    let staged = staging.keep();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        // tempdir is 0700; a dist is meant to be shared.
        let _ = std::fs::set_permissions(&staged, std::fs::Permissions::from_mode(0o755));
    }
    if let Err(e) = std::fs::rename(&staged, dist) {
        // Different file systems: copy, then remove the staging copy.
        copy_tree(&staged, dist).map_err(|_| io("moving the build to", e))?;
        let _ = std::fs::remove_dir_all(&staged);
    }
    Ok(())
}

pub(crate) fn copy_tree(from: &Path, to: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_tree(&entry.path(), &target)?;
        } else {
            std::fs::copy(entry.path(), &target)?;
            let mtime = entry.metadata()?.modified()?;
            std::fs::File::options()
                .write(true)
                .open(&target)?
                .set_modified(mtime)?;
        }
    }
    Ok(())
}

fn check_file_name(field: &str, name: &str) -> Result<(), BuildError> {
    if name.is_empty() || name.contains('/') || name.contains('\\') || name == "." || name == ".." {
        return Err(BuildError::config(
            format!("{field} renders to {name:?}, which is not a plain file name"),
            Some("names must not be empty or contain `/`"),
        ));
    }
    Ok(())
}

/// Apply defaults, parse targets, find toolchains, validate go targets.
fn resolve(plan: &BuildPlan) -> Result<Vec<Resolved>, BuildError> {
    if plan.builds.is_empty() {
        return Err(BuildError::config(
            "nothing to build: no builds configured",
            Some("add a `builds:` section to tug.yaml (`tug init` writes one)"),
        ));
    }
    let mut out = Vec::new();
    let mut ids = BTreeSet::new();
    let mut platforms: HashMap<PathBuf, target::GoPlatforms> = HashMap::new();
    let mut unknown: Vec<(String, Vec<String>)> = Vec::new();
    let mut go_version = String::new();
    for (index, cfg) in plan.builds.iter().enumerate() {
        let id = cfg
            .id
            .clone()
            .or_else(|| cfg.binary.clone())
            .unwrap_or_else(|| plan.release.project.clone());
        if !ids.insert(id.clone()) {
            return Err(BuildError::config(
                format!("builds[{index}]: build id {id:?} is used twice"),
                Some("give each build a unique `id`"),
            ));
        }
        let dir = match cfg.dir.as_deref() {
            None | Some("" | ".") => plan.root.clone(),
            Some(d) => plan.root.join(d),
        };
        let parse_all =
            |list: &[crate::config::Spanned<String>]| -> Result<Vec<Target>, BuildError> {
                list.iter()
                .map(|t| {
                    Target::parse(&t.value).map_err(|m| {
                        BuildError::config(format!("builds[{index}].targets: {m}"), Some("write targets like `linux/amd64`, `linux/arm/7` or `linux/amd64/v3`"))
                    })
                })
                .collect()
            };
        let (targets, program) = match cfg.builder {
            Builder::Go => {
                let targets = match &cfg.targets {
                    Some(list) => parse_all(list)?,
                    None => {
                        let oses = if cfg.goos.is_empty() {
                            vec!["linux".into(), "darwin".into(), "windows".into()]
                        } else {
                            cfg.goos.clone()
                        };
                        let arches = if cfg.goarch.is_empty() {
                            vec!["amd64".into(), "arm64".into()]
                        } else {
                            cfg.goarch.clone()
                        };
                        let mut ts = Vec::new();
                        for os in &oses {
                            for arch in &arches {
                                let t = Target::parse(&format!("{os}/{arch}")).map_err(|m| {
                                    BuildError::config(format!("builds[{index}]: {m}"), None)
                                })?;
                                if !cfg.ignore.iter().any(|i| *i == t.name || *i == t.os_arch()) {
                                    ts.push(t);
                                }
                            }
                        }
                        ts
                    }
                };
                let go_name = cfg.gobinary.as_deref().unwrap_or("go");
                let go =
                    target::find_executable(go_name).ok_or_else(|| BuildError::ToolMissing {
                        tool: "go".into(),
                        path: go_name.into(),
                        source: std::io::Error::new(
                            std::io::ErrorKind::NotFound,
                            "not found on PATH",
                        ),
                    })?;
                if !platforms.contains_key(&go) {
                    platforms.insert(go.clone(), target::GoPlatforms::load(&go)?);
                }
                let known = &platforms[&go];
                go_version = known.go_version.clone();
                for t in &targets {
                    if !known.contains(t) && !unknown.iter().any(|u| u.0 == t.name) {
                        unknown.push((t.name.clone(), known.close_to(t)));
                    }
                }
                (targets, go)
            }
            Builder::Command => {
                if cfg.command.is_none() || cfg.output.is_none() {
                    return Err(BuildError::config(
                        format!("builds[{index}]: builder `command` needs `command` and `output`"),
                        Some("e.g. command: \"make OS={{ os }}\" and output: \"bin/{{ os }}_{{ arch }}/app\""),
                    ));
                }
                let targets = match &cfg.targets {
                    Some(list) => parse_all(list)?,
                    None => vec![target::host()],
                };
                (targets, PathBuf::from("sh"))
            }
            Builder::Cargo => {
                let cargo =
                    target::find_executable("cargo").ok_or_else(|| BuildError::ToolMissing {
                        tool: "cargo".into(),
                        path: "cargo".into(),
                        source: std::io::Error::new(
                            std::io::ErrorKind::NotFound,
                            "not found on PATH",
                        ),
                    })?;
                check_cargo_version(index, &dir, plan.release.tag.as_deref())?;
                let triples: Vec<String> = match &cfg.targets {
                    Some(list) => list.iter().map(|t| t.value.clone()).collect(),
                    None => vec![rustc_host()?],
                };
                for t in &triples {
                    check_rust_target_installed(index, t)?;
                }
                (
                    triples.iter().map(|t| Target::from_triple(t)).collect(),
                    cargo,
                )
            }
        };
        if targets.is_empty() {
            return Err(BuildError::config(
                format!("builds[{index}] ({id}) has no targets"),
                None,
            ));
        }
        out.push(Resolved {
            index,
            id,
            cfg: cfg.clone(),
            dir,
            targets,
            program,
        });
    }
    if !unknown.is_empty() {
        return Err(BuildError::UnknownTargets {
            go_version,
            unknown,
        });
    }
    Ok(out)
}

fn rustc_host() -> Result<String, BuildError> {
    let out = std::process::Command::new("rustc")
        .arg("-vV")
        .output()
        .map_err(|e| BuildError::tool_missing("rustc", Path::new("rustc"), e))?;
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .find_map(|l| l.strip_prefix("host: ").map(str::to_string))
        .ok_or_else(|| BuildError::config("cannot find the host triple in `rustc -vV`", None))
}

fn check_rust_target_installed(index: usize, triple: &str) -> Result<(), BuildError> {
    let out = std::process::Command::new("rustc")
        .args(["--print", "target-libdir", "--target", triple])
        .output()
        .map_err(|e| BuildError::tool_missing("rustc", Path::new("rustc"), e))?;
    let dir = String::from_utf8_lossy(&out.stdout).trim().to_string();
    if !out.status.success() || dir.is_empty() || !Path::new(&dir).is_dir() {
        return Err(BuildError::config(
            format!("builds[{index}]: Rust target {triple} is not installed"),
            Some(&format!("rustup target add {triple}")),
        ));
    }
    Ok(())
}

/// A cargo build of a tagged release must carry the tag's version in Cargo.toml.
fn check_cargo_version(index: usize, dir: &Path, tag: Option<&str>) -> Result<(), BuildError> {
    let Some(tag) = tag else { return Ok(()) };
    let path = dir.join("Cargo.toml");
    let text = std::fs::read_to_string(&path)
        .map_err(|e| BuildError::io(format!("reading {}", path.display()), e))?;
    let mut in_package = false;
    let mut version = None;
    for line in text.lines() {
        let l = line.trim();
        if l.starts_with('[') {
            in_package = l == "[package]";
        } else if in_package {
            if let Some(rest) = l.strip_prefix("version") {
                if let Some(v) = rest.trim_start().strip_prefix('=') {
                    version = Some(v.trim().trim_matches('"').to_string());
                }
            }
        }
    }
    let want = tag.strip_prefix('v').unwrap_or(tag);
    match version {
        Some(v) if v == want => Ok(()),
        Some(v) => Err(BuildError::config(
            format!(
                "builds[{index}]: {} has version {v} but the tag is {tag}",
                path.display()
            ),
            Some(&format!(
                "set `version = \"{want}\"` in Cargo.toml, commit, and tag again"
            )),
        )),
        None => Err(BuildError::config(
            format!(
                "builds[{index}]: no [package] version in {}",
                path.display()
            ),
            None,
        )),
    }
}

/// (build, target) pairs to compile.
type Jobs<'a> = Vec<(&'a Resolved, Target)>;

/// The targets this run builds (after `--target` and `--shard`), and the jobs for them.
fn select<'a>(
    plan: &BuildPlan,
    resolved: &'a [Resolved],
) -> Result<(Vec<Target>, Jobs<'a>), BuildError> {
    let mut all: Vec<Target> = Vec::new();
    for r in resolved {
        for t in &r.targets {
            if !all.iter().any(|a| a.name == t.name) {
                all.push(t.clone());
            }
        }
    }
    if !plan.only_targets.is_empty() {
        for want in &plan.only_targets {
            if !all.iter().any(|a| a.name == *want) {
                return Err(BuildError::config(
                    format!("--target {want} is not one of the configured targets"),
                    Some(&format!(
                        "configured: {}",
                        all.iter()
                            .map(|t| t.name.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    )),
                ));
            }
        }
        all.retain(|t| plan.only_targets.contains(&t.name));
    }
    if let Some(shard) = plan.shard {
        all = all
            .into_iter()
            .enumerate()
            .filter(|(i, _)| i % shard.count == shard.index - 1)
            .map(|(_, t)| t)
            .collect();
        if all.is_empty() {
            return Err(BuildError::config(
                format!("shard {shard} has no targets"),
                Some("use fewer shards than targets"),
            ));
        }
    }
    let mut jobs = Vec::new();
    for r in resolved {
        for t in &r.targets {
            if all.iter().any(|a| a.name == t.name) {
                jobs.push((r, t.clone()));
            }
        }
    }
    Ok((all, jobs))
}

fn render_list(field: &str, list: &[String], vars: &Vars) -> Result<Vec<String>, BuildError> {
    list.iter()
        .enumerate()
        .map(|(i, s)| template::render(&format!("{field}[{i}]"), s, vars))
        .collect()
}

/// Render every template of one job and compose its commands.
fn prepare(
    plan: &BuildPlan,
    r: &Resolved,
    t: &Target,
    stage: &Path,
    cpu_share: usize,
) -> Result<Prepared, BuildError> {
    let cfg = &r.cfg;
    let field = |name: &str| format!("builds[{}].{name}", r.index);
    let mut vars = plan.release.target_vars(t);
    vars.set("id", r.id.as_str());
    let binary_tpl = cfg
        .binary
        .clone()
        .unwrap_or_else(|| plan.release.project.clone());
    let binary = template::render(&field("binary"), &binary_tpl, &vars)? + t.exe_suffix();
    check_file_name(&field("binary"), &binary)?;
    vars.set("binary", binary.as_str());
    let out = stage
        .join(format!("{}_{}", r.id, t.platform()))
        .join(&binary);

    // Overrides matching this target replace (env: extend) the build's settings.
    let matching: Vec<_> = cfg
        .overrides
        .iter()
        .filter(|o| o.targets.iter().any(|x| *x == t.name || *x == t.os_arch()))
        .collect();
    let pick = |base: &Vec<String>,
                get: &dyn Fn(&crate::config::build::BuildOverride) -> Option<Vec<String>>|
     -> Vec<String> {
        matching
            .iter()
            .rev()
            .find_map(|o| get(o))
            .unwrap_or_else(|| base.clone())
    };
    let mut env_t: BTreeMap<String, String> = match (&cfg.env, cfg.builder) {
        (Some(e), _) => e.clone(),
        (None, Builder::Go) => [("CGO_ENABLED".to_string(), "0".to_string())].into(),
        (None, _) => BTreeMap::new(),
    };
    for o in &matching {
        env_t.extend(o.env.clone());
    }
    let mut env = BTreeMap::new();
    for (k, v) in &env_t {
        env.insert(
            k.clone(),
            template::render(&field(&format!("env.{k}")), v, &vars)?,
        );
    }
    let flags = render_list(
        &field("flags"),
        &pick(&cfg.flags, &|o| o.flags.clone()),
        &vars,
    )?;
    let reproducible = cfg.reproducible.unwrap_or(true);
    let mut env_remove = Vec::new();

    let (main, copy_from) = match cfg.builder {
        Builder::Go => {
            let default_ldflags: Vec<String> = [
                "-s",
                "-w",
                "-X main.version={{ version }}",
                "-X main.commit={{ commit }}",
                "-X main.date={{ commit_date }}",
            ]
            .map(String::from)
            .to_vec();
            let ldflags = pick(cfg.ldflags.as_ref().unwrap_or(&default_ldflags), &|o| {
                o.ldflags.clone()
            });
            let mut ldflags = render_list(&field("ldflags"), &ldflags, &vars)?;
            if reproducible {
                ldflags.push("-buildid=".into());
            }
            let tags = pick(&cfg.tags, &|o| o.tags.clone());
            let gcflags = render_list(
                &field("gcflags"),
                &pick(&cfg.gcflags, &|o| o.gcflags.clone()),
                &vars,
            )?;
            let asmflags = render_list(
                &field("asmflags"),
                &pick(&cfg.asmflags, &|o| o.asmflags.clone()),
                &vars,
            )?;
            let mut args = vec!["build".to_string()];
            if reproducible {
                args.push("-trimpath".into());
            }
            args.extend([
                "-p".into(),
                cpu_share.to_string(),
                "-o".into(),
                out.display().to_string(),
            ]);
            if !tags.is_empty() {
                args.extend(["-tags".into(), tags.join(",")]);
            }
            if !gcflags.is_empty() {
                args.extend(["-gcflags".into(), gcflags.join(" ")]);
            }
            if !asmflags.is_empty() {
                args.extend(["-asmflags".into(), asmflags.join(" ")]);
            }
            args.extend(["-ldflags".into(), ldflags.join(" ")]);
            args.extend(flags);
            args.push(template::render(
                &field("main"),
                cfg.main.as_deref().unwrap_or("."),
                &vars,
            )?);
            env.insert("GOOS".into(), t.os.clone());
            env.insert("GOARCH".into(), t.arch.clone());
            env.insert("GOMAXPROCS".into(), cpu_share.to_string());
            if let Some(var) = t.variant_env() {
                match &t.variant {
                    Some(v) => {
                        env.insert(var.into(), v.clone());
                    }
                    None => env_remove.push(var.to_string()),
                }
            }
            (
                Invocation {
                    program: r.program.display().to_string(),
                    args,
                    env: env.clone(),
                    env_remove: env_remove.clone(),
                    dir: r.dir.clone(),
                },
                None,
            )
        }
        Builder::Cargo => {
            let mut args = vec![
                "build".to_string(),
                "--release".into(),
                "--target".into(),
                t.name.clone(),
            ];
            args.extend(flags);
            env.insert("CARGO_BUILD_JOBS".into(), cpu_share.to_string());
            let target_dir = env
                .get("CARGO_TARGET_DIR")
                .map(PathBuf::from)
                .or_else(|| std::env::var_os("CARGO_TARGET_DIR").map(PathBuf::from))
                .unwrap_or_else(|| r.dir.join("target"));
            let built = r
                .dir
                .join(target_dir)
                .join(&t.name)
                .join("release")
                .join(&binary);
            (
                Invocation {
                    program: r.program.display().to_string(),
                    args,
                    env: env.clone(),
                    env_remove: vec![],
                    dir: r.dir.clone(),
                },
                Some(built),
            )
        }
        Builder::Command => {
            let command = template::render(
                &field("command"),
                cfg.command.as_deref().unwrap_or_default(),
                &vars,
            )?;
            let output = template::render(
                &field("output"),
                cfg.output.as_deref().unwrap_or_default(),
                &vars,
            )?;
            let inv = Invocation {
                program: "sh".into(),
                args: vec!["-c".into(), command],
                env: env.clone(),
                env_remove: vec![],
                dir: r.dir.clone(),
            };
            (inv, Some(r.dir.join(output)))
        }
    };
    let hook = |list: &[String], name: &str| -> Result<Vec<Invocation>, BuildError> {
        render_list(&field(&format!("hooks.{name}")), list, &vars).map(|cmds| {
            cmds.into_iter()
                .map(|c| Invocation {
                    program: "sh".into(),
                    args: vec!["-c".into(), c],
                    env: env.clone(),
                    env_remove: env_remove.clone(),
                    dir: r.dir.clone(),
                })
                .collect()
        })
    };
    Ok(Prepared {
        build: r.id.clone(),
        target: t.clone(),
        binary,
        out,
        before: hook(&cfg.hooks.before, "before")?,
        main,
        after: hook(&cfg.hooks.after, "after")?,
        copy_from,
        reproducible,
    })
}

/// Run the jobs on `workers` threads; all are attempted unless `fail_fast`.
fn run_jobs(
    jobs: &[Prepared],
    workers: usize,
    fail_fast: bool,
    stage: &Path,
    dist: &Path,
    on: &(dyn Fn(BuildEvent) + Sync),
) -> Vec<JobResult> {
    let next = AtomicUsize::new(0);
    let stop = AtomicBool::new(false);
    let results: Mutex<Vec<Option<JobResult>>> =
        Mutex::new((0..jobs.len()).map(|_| None).collect());
    std::thread::scope(|s| {
        for _ in 0..workers {
            s.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::SeqCst);
                let Some(job) = jobs.get(i) else { break };
                let result = if stop.load(Ordering::SeqCst) {
                    on(BuildEvent::Skipped {
                        build: job.build.clone(),
                        target: job.target.name.clone(),
                    });
                    JobResult::Skipped
                } else {
                    on(BuildEvent::Started {
                        build: job.build.clone(),
                        target: job.target.name.clone(),
                    });
                    let started = Instant::now();
                    let r = run_job(job, stage, dist);
                    let elapsed = started.elapsed();
                    let (result, event) = match r {
                        Ok(size) => (JobResult::Built { elapsed }, Ok(size)),
                        Err(f) => {
                            if fail_fast {
                                stop.store(true, Ordering::SeqCst);
                            }
                            let status = f.status.clone();
                            (JobResult::Failed(f), Err(status))
                        }
                    };
                    on(BuildEvent::Finished {
                        build: job.build.clone(),
                        target: job.target.name.clone(),
                        elapsed,
                        result: event,
                    });
                    result
                };
                results.lock().unwrap_or_else(|e| e.into_inner())[i] = Some(result);
            });
        }
    });
    results
        .into_inner()
        .unwrap_or_else(|e| e.into_inner())
        .into_iter()
        .map(|r| r.unwrap_or(JobResult::Skipped))
        .collect()
}

/// Hooks, the build, the copy of the result; the binary's size on success.
fn run_job(job: &Prepared, stage: &Path, dist: &Path) -> Result<u64, TargetFailure> {
    let fail = |inv: &Invocation, status: String, output: &str| TargetFailure {
        build: job.build.clone(),
        target: job.target.name.clone(),
        status,
        output: invoke::tail(output, TAIL_LINES),
        reproduce: inv.reproduce(stage, dist),
    };
    for inv in job.before.iter().chain(std::iter::once(&job.main)) {
        let ran = inv.run();
        if !ran.success {
            return Err(fail(inv, ran.status, &ran.output));
        }
    }
    if let Some(from) = &job.copy_from {
        let copied = job
            .out
            .parent()
            .map(std::fs::create_dir_all)
            .unwrap_or(Ok(()))
            .and_then(|_| std::fs::copy(from, &job.out));
        if let Err(e) = copied {
            return Err(fail(
                &job.main,
                "no binary".into(),
                &format!("the build did not produce {}: {e}", from.display()),
            ));
        }
    }
    for inv in &job.after {
        let ran = inv.run();
        if !ran.success {
            return Err(fail(inv, ran.status, &ran.output));
        }
    }
    let meta = std::fs::metadata(&job.out).map_err(|e| {
        fail(
            &job.main,
            "no binary".into(),
            &format!("{} is missing after the build: {e}", job.out.display()),
        )
    })?;
    let _ = job.reproducible; // mtimes are fixed for the whole dist at the end
    Ok(meta.len())
}

/// One archive to write.
#[derive(Debug, Clone)]
struct ArchiveJob {
    archive_id: String,
    file_name: String,
    target: Target,
    binaries: Vec<String>,
    wrap: Option<String>,
    spec: ArchiveSpec,
}

fn plan_archives(
    plan: &BuildPlan,
    resolved: &[Resolved],
    targets: &[Target],
    prepared: &[Prepared],
    stage: &Path,
) -> Result<Vec<ArchiveJob>, BuildError> {
    let default = [ArchiveConfig::default()];
    let configs: &[ArchiveConfig] = if plan.archives.is_empty() {
        &default
    } else {
        &plan.archives
    };
    let mut jobs = Vec::new();
    let mut ids = BTreeSet::new();
    for (k, ac) in configs.iter().enumerate() {
        let field = |name: &str| format!("archives[{k}].{name}");
        let id = ac.id.clone().unwrap_or_else(|| "default".into());
        if !ids.insert(id.clone()) {
            return Err(BuildError::config(
                format!("archives[{k}]: archive id {id:?} is used twice"),
                Some("give each archive a unique `id`"),
            ));
        }
        for b in &ac.builds {
            if !resolved.iter().any(|r| r.id == *b) {
                return Err(BuildError::config(
                    format!("{}: no build has id {b:?}", field("builds")),
                    Some(&format!(
                        "build ids: {}",
                        resolved
                            .iter()
                            .map(|r| r.id.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    )),
                ));
            }
        }
        let extra = resolve_files(&plan.root, ac.files.as_deref(), &field("files"))?;
        for t in targets {
            let bins: Vec<&Prepared> = prepared
                .iter()
                .filter(|p| {
                    p.target.name == t.name
                        && (ac.builds.is_empty() || ac.builds.contains(&p.build))
                })
                .collect();
            if bins.is_empty() {
                continue;
            }
            let vars = plan.release.target_vars(t);
            let name = template::render(
                &field("name_template"),
                ac.name_template
                    .as_deref()
                    .unwrap_or("{{ project }}_{{ version }}_{{ platform }}"),
                &vars,
            )?;
            check_file_name(&field("name_template"), &name)?;
            let format = archive_format(ac, &t.os);
            let mut entries = Vec::new();
            let (file_name, wrap) = if format == ArchiveFormat::Binary {
                if bins.len() != 1 {
                    return Err(BuildError::config(
                        format!("archives[{k}]: format `binary` holds one binary, but {} builds produce one for {}", bins.len(), t.name),
                        Some("select a single build with `builds:`"),
                    ));
                }
                entries.push(Entry {
                    path: bins[0].binary.clone(),
                    source: Some(bins[0].out.clone()),
                    mode: 0o755,
                });
                (format!("{name}{}", t.exe_suffix()), None)
            } else {
                let wrap = match &ac.wrap_in_directory {
                    Some(WrapInDirectory::Enabled(true)) => Some(name.clone()),
                    Some(WrapInDirectory::Named(tpl)) => {
                        Some(template::render(&field("wrap_in_directory"), tpl, &vars)?)
                    }
                    _ => None,
                };
                let at = |p: &str| match &wrap {
                    Some(w) => format!("{w}/{p}"),
                    None => p.to_string(),
                };
                if let Some(w) = &wrap {
                    entries.push(Entry {
                        path: w.clone(),
                        source: None,
                        mode: 0o755,
                    });
                }
                for b in &bins {
                    entries.push(Entry {
                        path: at(&b.binary),
                        source: Some(b.out.clone()),
                        mode: 0o755,
                    });
                }
                let mut dirs = BTreeSet::new();
                for (path, src, mode) in &extra {
                    let full = at(path);
                    let mut parent = Path::new(&full).parent();
                    while let Some(p) = parent.filter(|p| !p.as_os_str().is_empty()) {
                        dirs.insert(p.to_string_lossy().into_owned());
                        parent = p.parent();
                    }
                    entries.push(Entry {
                        path: full,
                        source: Some(src.clone()),
                        mode: *mode,
                    });
                }
                for d in dirs {
                    if Some(&d) != wrap.as_ref() {
                        entries.push(Entry {
                            path: d,
                            source: None,
                            mode: 0o755,
                        });
                    }
                }
                (format!("{name}{}", format.extension()), wrap)
            };
            jobs.push(ArchiveJob {
                archive_id: id.clone(),
                spec: ArchiveSpec {
                    output: stage.join(&file_name),
                    format,
                    entries,
                    mtime: plan.release.mtime,
                },
                file_name,
                target: t.clone(),
                binaries: bins.iter().map(|b| b.binary.clone()).collect(),
                wrap,
            });
        }
    }
    Ok(jobs)
}

/// Extra archive files: (path in archive, source, mode). Defaults to LICENSE*, README*,
/// CHANGELOG* at the root, when present; explicit globs must match something.
fn resolve_files(
    root: &Path,
    files: Option<&[ArchiveFile]>,
    field: &str,
) -> Result<Vec<(String, PathBuf, u32)>, BuildError> {
    let defaults = ["LICENSE*", "README*", "CHANGELOG*"].map(|g| ArchiveFile::Glob(g.into()));
    let (list, required) = match files {
        Some(f) => (f, true),
        None => (&defaults[..], false),
    };
    let mut out: Vec<(String, PathBuf, u32)> = Vec::new();
    for (i, f) in list.iter().enumerate() {
        let (pattern, dst) = match f {
            ArchiveFile::Glob(g) => (g.as_str(), None),
            ArchiveFile::Placed { src, dst } => (src.as_str(), Some(dst.trim_matches('/'))),
        };
        let glob = globset::GlobBuilder::new(pattern)
            .literal_separator(true)
            .build()
            .map_err(|e| {
                BuildError::config(
                    format!("{field}[{i}]: {pattern:?} is not a valid glob: {e}"),
                    None,
                )
            })?;
        let matcher = glob.compile_matcher();
        let mut found = Vec::new();
        walk(root, root, pattern.contains('/'), &mut |rel, path| {
            if matcher.is_match(rel) {
                found.push((rel.to_string(), path.to_path_buf()));
            }
        })
        .map_err(|e| BuildError::io(format!("listing {}", root.display()), e))?;
        if found.is_empty() && required {
            return Err(BuildError::config(
                format!(
                    "{field}[{i}]: {pattern:?} matches no file under {}",
                    root.display()
                ),
                Some("globs are relative to the project root"),
            ));
        }
        found.sort();
        for (rel, path) in found {
            let inside = match dst {
                Some(d) if !d.is_empty() => format!(
                    "{d}/{}",
                    path.file_name().unwrap_or_default().to_string_lossy()
                ),
                _ => rel,
            };
            archive::check_entry_path(&inside).map_err(|source| BuildError::Archive {
                name: format!("{field}[{i}]"),
                source,
            })?;
            let mode = if is_executable(&path) { 0o755 } else { 0o644 };
            if !out.iter().any(|(p, _, _)| *p == inside) {
                out.push((inside, path, mode));
            }
        }
    }
    Ok(out)
}

fn is_executable(path: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::metadata(path).is_ok_and(|m| m.permissions().mode() & 0o111 != 0)
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        false
    }
}

/// Visit regular files under `dir` (recursively when `deep`), skipping VCS, hidden and output dirs.
fn walk(
    root: &Path,
    dir: &Path,
    deep: bool,
    visit: &mut dyn FnMut(&str, &Path),
) -> std::io::Result<()> {
    let mut entries: Vec<_> = std::fs::read_dir(dir)?.flatten().collect();
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let path = e.path();
        let name = e.file_name().to_string_lossy().into_owned();
        let ft = e.file_type()?;
        if ft.is_dir() {
            if deep
                && !name.starts_with('.')
                && !["dist", "target", "node_modules", "vendor"].contains(&name.as_str())
            {
                walk(root, &path, deep, visit)?;
            }
        } else if ft.is_file() || (ft.is_symlink() && path.is_file()) {
            let rel = path
                .strip_prefix(root)
                .unwrap_or(&path)
                .to_string_lossy()
                .replace('\\', "/");
            visit(&rel, &path);
        }
    }
    Ok(())
}

/// The format of an archive for `os`: its `format_overrides`, or by default zip on windows
/// (Windows users expect zip rather than a tarball) unless the format is `binary`.
fn archive_format(ac: &crate::config::build::ArchiveConfig, os: &str) -> ArchiveFormat {
    match &ac.format_overrides {
        Some(overrides) => overrides
            .iter()
            .find(|o| o.os == os)
            .map(|o| o.format)
            .unwrap_or(ac.format),
        None if os == "windows" && ac.format != ArchiveFormat::Binary => ArchiveFormat::Zip,
        None => ac.format,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn release() -> Release {
        Release {
            project: "hello".into(),
            version: "1.2.3".into(),
            tag: Some("v1.2.3".into()),
            previous_tag: None,
            commit: "c0ffee".repeat(6) + "c0ff",
            short_commit: "c0ffeec".into(),
            commit_time: 1_767_323_045,
            mtime: 1_767_323_045,
            snapshot: false,
            env: [("TOKEN".to_string(), "x".to_string())].into(),
        }
    }

    fn plan_with(cfg: BuildConfig) -> BuildPlan {
        BuildPlan {
            release: release(),
            root: PathBuf::from("/src"),
            builds: vec![cfg],
            archives: vec![],
            checksum: ChecksumConfig::default(),
            notes: None,
            only_targets: vec![],
            shard: None,
            parallelism: 2,
            fail_fast: false,
            staging_parent: None,
        }
    }

    fn resolved(cfg: &BuildConfig, targets: &[&str]) -> Resolved {
        Resolved {
            index: 0,
            id: "hello".into(),
            cfg: cfg.clone(),
            dir: PathBuf::from("/src"),
            targets: targets.iter().map(|t| Target::parse(t).unwrap()).collect(),
            program: PathBuf::from("/usr/bin/go"),
        }
    }

    #[test]
    fn go_invocation_has_reproducible_flags_cpu_share_and_overrides() {
        let cfg: BuildConfig = serde_saphyr::from_str(
            "binary: \"{{ project }}-cli\"\nmain: ./cmd/hello\ntags: [netgo]\n\
             env: {CGO_ENABLED: \"0\", TOKEN: \"{{ env.TOKEN }}\"}\n\
             overrides:\n  - targets: [linux/arm/7]\n    env: {CGO_ENABLED: \"1\"}\n    ldflags: [\"-X main.arm=yes\"]\n",
        )
        .unwrap();
        let plan = plan_with(cfg.clone());
        let r = resolved(&cfg, &["linux/arm/7", "windows/amd64"]);
        let stage = Path::new("/stage");
        let arm = prepare(&plan, &r, &r.targets[0], stage, 1).unwrap();
        assert_eq!(arm.out, Path::new("/stage/hello_linux_armv7/hello-cli"));
        assert_eq!(
            arm.main.args,
            [
                "build",
                "-trimpath",
                "-p",
                "1",
                "-o",
                "/stage/hello_linux_armv7/hello-cli",
                "-tags",
                "netgo",
                "-ldflags",
                "-X main.arm=yes -buildid=",
                "./cmd/hello"
            ]
        );
        let env: Vec<String> = arm
            .main
            .env
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        assert_eq!(
            env,
            [
                "CGO_ENABLED=1",
                "GOARCH=arm",
                "GOARM=7",
                "GOMAXPROCS=1",
                "GOOS=linux",
                "TOKEN=x"
            ]
        );
        let win = prepare(&plan, &r, &r.targets[1], stage, 2).unwrap();
        assert_eq!(win.binary, "hello-cli.exe");
        assert!(win.main.args.contains(
            &"-s -w -X main.version=1.2.3 -X main.commit=c0ffeec0ffeec0ffeec0ffeec0ffeec0ffeec0ff \
              -X main.date=2026-01-02T03:04:05Z -buildid="
                .to_string()
        ));
        assert_eq!(win.main.env_remove, ["GOAMD64"]);
        assert_eq!(win.main.env["CGO_ENABLED"], "0");
    }

    #[test]
    fn unknown_template_variable_is_a_config_error_naming_the_field() {
        let cfg = BuildConfig {
            binary: Some("{{ nope }}".into()),
            ..Default::default()
        };
        let plan = plan_with(cfg.clone());
        let r = resolved(&cfg, &["linux/amd64"]);
        let err = prepare(&plan, &r, &r.targets[0], Path::new("/s"), 1).unwrap_err();
        assert_eq!(err.exit_code(), crate::ExitCode::Usage);
        assert!(
            err.to_string()
                .starts_with("template in builds[0].binary: "),
            "{err}"
        );
    }

    #[test]
    fn shards_split_targets_round_robin() {
        let cfg = BuildConfig::default();
        let mut plan = plan_with(cfg.clone());
        let r = [resolved(
            &cfg,
            &["linux/amd64", "linux/arm64", "darwin/arm64"],
        )];
        plan.shard = Some(Shard { index: 2, count: 2 });
        let (targets, jobs) = select(&plan, &r).unwrap();
        assert_eq!(
            targets.iter().map(|t| t.name.as_str()).collect::<Vec<_>>(),
            ["linux/arm64"]
        );
        assert_eq!(jobs.len(), 1);
        plan.shard = None;
        plan.only_targets = vec!["linux/amd65".into()];
        let err = select(&plan, &r).unwrap_err();
        assert!(err
            .hint()
            .unwrap()
            .contains("linux/amd64, linux/arm64, darwin/arm64"));
    }

    #[test]
    fn windows_gets_zip_by_default_but_binary_stays_binary() {
        let ac = |yaml: &str| -> crate::config::build::ArchiveConfig {
            serde_saphyr::from_str(yaml).unwrap()
        };
        let tgz = ac("format: tar.gz\n");
        assert_eq!(archive_format(&tgz, "windows"), ArchiveFormat::Zip);
        assert_eq!(archive_format(&tgz, "linux"), ArchiveFormat::TarGz);
        let bin = ac("format: binary\n");
        assert_eq!(archive_format(&bin, "windows"), ArchiveFormat::Binary);
        let custom = ac("format: tar.zst\nformat_overrides: [{os: darwin, format: zip}]\n");
        assert_eq!(archive_format(&custom, "windows"), ArchiveFormat::TarZst);
        assert_eq!(archive_format(&custom, "darwin"), ArchiveFormat::Zip);
    }

    #[test]
    fn shard_parsing() {
        assert_eq!(
            "2/4".parse::<Shard>().unwrap(),
            Shard { index: 2, count: 4 }
        );
        assert!("0/4".parse::<Shard>().is_err());
        assert!("5/4".parse::<Shard>().is_err());
        assert!("x".parse::<Shard>().is_err());
    }

    #[test]
    fn check_dist_refuses_non_empty_without_clean() {
        let d = tempfile::tempdir().unwrap();
        check_dist(&d.path().join("missing"), false).unwrap();
        check_dist(d.path(), false).unwrap();
        std::fs::write(d.path().join("x"), "").unwrap();
        let err = check_dist(d.path(), false).unwrap_err();
        assert_eq!(err.exit_code(), crate::ExitCode::Usage);
        assert!(err.hint().unwrap().contains("--clean"));
        check_dist(d.path(), true).unwrap();
    }

    #[test]
    fn resolve_files_defaults_and_placement() {
        let d = tempfile::tempdir().unwrap();
        std::fs::write(d.path().join("LICENSE"), "l").unwrap();
        std::fs::write(d.path().join("README.md"), "r").unwrap();
        std::fs::create_dir_all(d.path().join("docs")).unwrap();
        std::fs::write(d.path().join("docs/a.md"), "a").unwrap();
        let got = resolve_files(d.path(), None, "f").unwrap();
        assert_eq!(
            got.iter().map(|g| g.0.as_str()).collect::<Vec<_>>(),
            ["LICENSE", "README.md"]
        );
        let placed = [ArchiveFile::Placed {
            src: "docs/*.md".into(),
            dst: "share/doc".into(),
        }];
        let got = resolve_files(d.path(), Some(&placed), "f").unwrap();
        assert_eq!(got[0].0, "share/doc/a.md");
        let none = [ArchiveFile::Glob("NOPE*".into())];
        assert!(resolve_files(d.path(), Some(&none), "f")
            .unwrap_err()
            .to_string()
            .contains("matches no file"));
    }
}
