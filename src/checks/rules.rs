//! The individual release checks, one function per check id, run in the order of [`CHECKS`]: the
//! order a release engineer would think of them (go.mod, the repository, the tag, the version, the
//! API, then built binaries and vulnerabilities).
//!
//! The facts several checks need (go.mod parsed, the repository and HEAD, the tag prefix, the
//! module's releases, the version being released and the previous release) are found once, before
//! any check runs, by [`Facts::gather`]; finding them reports nothing. Each check then reads the
//! facts and reports findings under its own id with the default severity the table gives it, so a
//! check set to `off` is not run at all and the configured severity is applied in one place
//! (`super::finalize`).

use std::path::{Path, PathBuf};
use std::process::Command;

use globset::Glob;

use super::apidiff::{self, ApiDiff};
use super::gotool::{find_on_path_in, GoTool};
use super::repo::{Repo, TagInfo};
use super::{
    buildinfo, govulncheck, ApiReport, CheckId, CheckLevel, ChecksError, FileLocation, Finding,
    ReleaseInput, Report, Severity,
};
use crate::git::TagScheme;
use crate::gomod::path::check_major_matches;
use crate::gomod::{check_module_path, parse_tag_version, split_path_version, GoMod};

/// A parsed release tag of this module.
#[derive(Debug, Clone)]
struct Release {
    tag: String,
    version: semver::Version,
    commit: git2::Oid,
}

fn vstr(v: &semver::Version) -> String {
    format!("v{v}")
}

/// One check: its id, the severity its findings have unless configured otherwise, and the
/// function that runs it.
pub(super) struct Check {
    pub id: CheckId,
    pub default: Severity,
    run: fn(&mut Run) -> Result<(), ChecksError>,
}

const fn check(
    id: CheckId,
    default: Severity,
    run: fn(&mut Run) -> Result<(), ChecksError>,
) -> Check {
    Check { id, default, run }
}

use Severity::{Error as E, Warning as W};

/// Every check, in the order it runs and reports.
pub(super) const CHECKS: &[Check] = &[
    check(CheckId::GoMod, E, go_mod),
    check(CheckId::Replace, E, replace),
    check(CheckId::Exclude, W, exclude),
    check(CheckId::GoSum, E, go_sum),
    check(CheckId::GitRepo, E, git_repo),
    check(CheckId::ShallowClone, W, shallow_clone),
    check(CheckId::CleanTree, E, clean_tree),
    check(CheckId::TagSyntax, E, tag_syntax),
    check(CheckId::TagReused, E, tag_reused),
    check(CheckId::TagOnHead, E, tag_on_head),
    check(CheckId::MajorVersion, E, major_version),
    check(CheckId::VersionMonotonic, E, version_monotonic),
    check(CheckId::Branch, E, branch),
    check(CheckId::Retracted, E, retracted),
    check(CheckId::CargoVersion, E, cargo_version),
    check(CheckId::ModuleZip, E, module_zip),
    check(CheckId::ApiCompat, E, api_compat),
    check(CheckId::BuildInfo, E, build_info),
    check(CheckId::Tidy, E, tidy),
    check(CheckId::Vuln, E, vuln),
    check(CheckId::VulnImported, W, vuln_imported),
];

/// go.mod as the checks see it.
enum GoModState {
    /// No go.mod: not a Go module (a Cargo package, or the wrong directory).
    Absent,
    Unreadable(std::io::Error),
    Malformed(crate::gomod::ParseError),
    Parsed(GoMod),
}

/// The repository facts, when the module is in a repository with commits.
struct Git {
    repo: Repo,
    head: git2::Oid,
    /// The module directory relative to the repository root.
    subdir: PathBuf,
    /// The tag prefix the module directory implies (`sub/dir/`).
    dir_prefix: String,
    /// The tag scheme in use: the directory prefix (configured, else `dir_prefix`), then
    /// `project.tag_prefix`.
    scheme: TagScheme,
    /// Tags of this module that are releases.
    releases: Vec<Release>,
    /// Tags that are not releases of the scheme (other modules', other schemes'), sorted.
    skipped: Vec<String>,
    /// Every tag on HEAD.
    head_tags: Vec<String>,
}

/// What the checks share, found once before any check runs.
struct Facts {
    module_dir: PathBuf,
    gomod: GoModState,
    cargo_toml: PathBuf,
    /// `None` when the module is not in a repository or the repository has no commits.
    git: Option<Git>,
    /// Whether a repository was found at all (with or without commits).
    has_repo: bool,
    /// `--version` as parsed (after stripping the tag prefix).
    requested: Option<Result<semver::Version, crate::gomod::version::VersionError>>,
    /// The version being released: requested, else the highest release tag on HEAD.
    version: Option<semver::Version>,
    /// The latest release below `version`, on another commit.
    previous: Option<Release>,
}

impl Facts {
    fn gather(input: &ReleaseInput) -> Result<Facts, ChecksError> {
        let module_dir = input
            .module_dir
            .canonicalize()
            .map_err(|e| ChecksError::ModuleDir(input.module_dir.clone(), e))?;
        let gomod_path = module_dir.join("go.mod");
        let gomod = if !gomod_path.is_file() {
            GoModState::Absent
        } else {
            match std::fs::read_to_string(&gomod_path) {
                Err(e) => GoModState::Unreadable(e),
                Ok(text) => match GoMod::parse(&text) {
                    Ok(g) => GoModState::Parsed(g),
                    Err(e) => GoModState::Malformed(e),
                },
            }
        };
        let module_path = match &gomod {
            GoModState::Parsed(g) => g.module.as_ref().map(|l| l.value.clone()),
            _ => None,
        };
        let repo = Repo::discover(&module_dir);
        let has_repo = repo.is_some();
        let git = repo
            .map(|repo| -> Result<Option<Git>, ChecksError> {
                let Some(head) = repo.head_commit() else {
                    return Ok(None);
                };
                let subdir = module_dir
                    .strip_prefix(&repo.root)
                    .unwrap_or(Path::new(""))
                    .to_path_buf();
                let dir_prefix = tag_prefix_for(&subdir, module_path.as_deref());
                let dir = match &input.config.tag_prefix {
                    Some(p) => normalize_prefix(p),
                    None => dir_prefix.clone(),
                };
                let scheme = TagScheme::new(&dir, input.tag_prefix.as_deref().unwrap_or("v"));
                let tags = repo.tags()?;
                let head_tags = tags
                    .iter()
                    .filter(|t| t.commit == head)
                    .map(|t| t.name.clone())
                    .collect();
                let mut releases = Vec::new();
                let mut skipped = Vec::new();
                for TagInfo { name, commit } in tags {
                    match parse_release_tag(&scheme, &name) {
                        Some(version) => releases.push(Release {
                            tag: name,
                            version,
                            commit,
                        }),
                        None => skipped.push(name),
                    }
                }
                skipped.sort();
                Ok(Some(Git {
                    repo,
                    head,
                    subdir,
                    dir_prefix,
                    scheme,
                    releases,
                    skipped,
                    head_tags,
                }))
            })
            .transpose()?
            .flatten();
        let requested = input.version.as_ref().map(|r| {
            let scheme = git.as_ref().map(|g| g.scheme.clone()).unwrap_or_default();
            parse_requested(&scheme, r)
        });
        let version = match (&requested, &git) {
            (Some(r), _) => r.as_ref().ok().cloned(),
            (None, Some(g)) => g
                .releases
                .iter()
                .filter(|r| r.commit == g.head)
                .max_by(|a, b| a.version.cmp_precedence(&b.version))
                .map(|r| r.version.clone()),
            (None, None) => None,
        };
        let previous = git.as_ref().and_then(|g| {
            g.releases
                .iter()
                .filter(|r| r.commit != g.head)
                .filter(|r| {
                    version
                        .as_ref()
                        .is_none_or(|v| r.version.cmp_precedence(v) == std::cmp::Ordering::Less)
                })
                .max_by(|a, b| a.version.cmp_precedence(&b.version))
                .cloned()
        });
        Ok(Facts {
            cargo_toml: module_dir.join("Cargo.toml"),
            module_dir,
            gomod,
            git,
            has_repo,
            requested,
            version,
            previous,
        })
    }

    fn gomod(&self) -> Option<&GoMod> {
        match &self.gomod {
            GoModState::Parsed(g) => Some(g),
            _ => None,
        }
    }

    fn is_go(&self) -> bool {
        !matches!(self.gomod, GoModState::Absent)
    }

    /// The releases of this module on commits other than HEAD.
    fn others(&self) -> Vec<&Release> {
        self.git
            .iter()
            .flat_map(|g| g.releases.iter().filter(|r| r.commit != g.head))
            .collect()
    }
}

/// One run of the checks: the facts, what has been reported, and the check being run.
struct Run<'a> {
    input: &'a ReleaseInput,
    facts: Facts,
    report: Report,
    /// The check being run and its default severity.
    current: (CheckId, Severity),
    /// The Go toolchain, found when a check first needs it.
    go: Option<GoTool>,
    /// `go mod tidy`, started in the background by `api_compat` and collected by `tidy`.
    tidy: Option<std::thread::JoinHandle<Result<Option<String>, TidyError>>>,
    /// govulncheck's findings, run once for `vuln` and `vuln-imported`.
    vulns: Option<Vec<Finding>>,
}

impl Run<'_> {
    fn push(&mut self, f: Finding) {
        self.report.findings.push(f);
    }

    /// A finding of the current check with its default severity.
    fn finding(&self, message: impl Into<String>) -> Finding {
        Finding::new(self.current.0, self.current.1, message)
    }

    fn off(&self, id: CheckId) -> bool {
        self.input.config.level(id) == Some(CheckLevel::Off)
    }

    fn go(&mut self) -> Result<GoTool, ChecksError> {
        if self.go.is_none() {
            self.go = Some(GoTool::locate(&self.input.go)?);
        }
        Ok(self.go.clone().expect("found above"))
    }

    /// The Go checks (tidy, api-compat, vulnerabilities) apply to a Go module with a valid go.mod.
    fn go_module(&self) -> bool {
        self.facts.gomod().is_some()
    }
}

pub(super) fn run(input: &ReleaseInput) -> Result<Report, ChecksError> {
    let mut run = Run {
        input,
        facts: Facts::gather(input)?,
        report: Report::default(),
        current: (CheckId::GoMod, Severity::Error),
        go: None,
        tidy: None,
        vulns: None,
    };
    let version = run.facts.version.as_ref().map(vstr);
    if let Some(g) = &run.facts.git {
        // The tag as it is named on HEAD (`release-2.2`), else as the scheme names the version.
        run.report.tag = run.facts.version.as_ref().map(|v| {
            g.releases
                .iter()
                .find(|r| r.commit == g.head && r.version == *v)
                .map(|r| r.tag.clone())
                .unwrap_or_else(|| g.scheme.tag(v))
        });
        if !g.skipped.is_empty() {
            let mut names: Vec<&str> = g.skipped.iter().take(5).map(String::as_str).collect();
            if g.skipped.len() > 5 {
                names.push("...");
            }
            run.report.notes.push(format!(
                "{} tag{} not of this release scheme ({}) skipped: {}",
                g.skipped.len(),
                if g.skipped.len() == 1 { "" } else { "s" },
                g.scheme.pattern(),
                names.join(", ")
            ));
        }
    }
    run.report.version = version;
    run.report.previous_tag = run.facts.previous.as_ref().map(|r| r.tag.clone());
    for check in CHECKS {
        if run.off(check.id) {
            continue;
        }
        run.current = (check.id, check.default);
        (check.run)(&mut run)?;
    }
    if let Some(handle) = run.tidy.take() {
        // Started but its check did not collect it: wait, so no go process outlives the run.
        let _ = handle.join();
    }
    suggest_tag_on_head(&mut run.report, run.facts.version.is_none());
    Ok(run.report)
}

/// Without a version, the API changes decide what HEAD should be tagged: say so in the
/// tag-on-head hint.
fn suggest_tag_on_head(report: &mut Report, no_version: bool) {
    let Some(tag) = report.suggested_tag.clone().filter(|_| no_version) else {
        return;
    };
    for f in report
        .findings
        .iter_mut()
        .filter(|f| f.check == CheckId::TagOnHead)
    {
        f.hint = Some(format!(
            "tag it: git tag -a {tag} -m {tag} (the version the API changes call for)"
        ));
    }
}

/// go.mod well formed, module path valid, a go directive; or no module file at all.
fn go_mod(run: &mut Run) -> Result<(), ChecksError> {
    let f = match &run.facts.gomod {
        GoModState::Absent if run.facts.cargo_toml.is_file() => return Ok(()),
        GoModState::Absent => vec![run
            .finding(format!(
                "no go.mod (or Cargo.toml) in {}",
                run.facts.module_dir.display()
            ))
            .hint("run the check in the module directory, or set the build's dir in tug.yaml")],
        GoModState::Unreadable(e) => vec![run.finding(format!("cannot read go.mod: {e}"))],
        GoModState::Malformed(e) => vec![run
            .finding(format!("go.mod is malformed: {}", e.message))
            .at(FileLocation::new("go.mod", e.line, e.column))
            .hint("fix the line; `go mod edit -fmt` shows what the go command accepts")],
        GoModState::Parsed(g) => {
            let mut out = Vec::new();
            match &g.module {
                None => out.push(
                    run.finding("go.mod has no module directive")
                        .at(FileLocation::new("go.mod", 1, 1))
                        .hint("add `module example.com/name` as the first line"),
                ),
                Some(m) => {
                    if let Err(e) = check_module_path(&m.value) {
                        out.push(
                            run.finding(e.to_string())
                                .at(FileLocation::new("go.mod", m.line, 1))
                                .hint("a released module path looks like example.com/org/name (lower-case host with a dot)"),
                        );
                    }
                }
            }
            if let Some(f) = vendor_consistency(run, g) {
                out.push(f);
            }
            if g.go.is_none() {
                out.push(
                    run.finding("go.mod has no go directive")
                        .at(FileLocation::new("go.mod", 1, 1))
                        .hint("run `go mod edit -go=1.22` (the oldest Go version the module supports)"),
                );
            }
            out
        }
    };
    run.report.findings.extend(f);
    Ok(())
}

/// A vendored module's vendor/modules.txt agrees with go.mod: otherwise every go build of the
/// release fails with `go: inconsistent vendoring`. Asked of the go command itself
/// (`go list -mod=vendor`), offline.
fn vendor_consistency(run: &Run, g: &GoMod) -> Option<Finding> {
    let dir = &run.facts.module_dir;
    if !crate::gomod::vendor::ModMode::detect_dir(dir).is_vendored() {
        return None;
    }
    let go = GoTool::locate(&run.input.go).ok()?;
    let goflags = crate::gomod::vendor::goflags(run.input.goflags.as_deref(), None);
    let started = std::time::Instant::now();
    let out = Command::new(&go.bin)
        .current_dir(dir)
        .args(["list", "-mod=vendor", "./..."])
        .env("GOWORK", "off")
        .env("GOFLAGS", &goflags)
        .output()
        .ok()?;
    tracing::debug!(command = "go list -mod=vendor ./...", status = %out.status, elapsed_ms = started.elapsed().as_millis() as u64, "checked vendoring");
    let stderr = String::from_utf8_lossy(&out.stderr);
    if out.status.success() || !stderr.contains("inconsistent vendoring") {
        return None;
    }
    let line = g.requires.first().map(|r| r.line).unwrap_or(1);
    Some(
        run.finding("go.mod and vendor/modules.txt disagree (inconsistent vendoring): every build would fail")
            .at(FileLocation::new("go.mod", line, 1))
            .details(
                go_output_details(&stderr)
                    .into_iter()
                    .filter(|l| l.starts_with('\t') && l.contains('@'))
                    .map(|l| format!("vendor/modules.txt: {}", l.trim()))
                    .collect(),
            )
            .hint("run `go mod vendor` and commit vendor/"),
    )
}

/// No `replace` directive.
fn replace(run: &mut Run) -> Result<(), ChecksError> {
    let Some(g) = run.facts.gomod() else {
        return Ok(());
    };
    let found: Vec<Finding> = g
        .replaces
        .iter()
        .map(|r| {
            let old = match &r.old_version {
                Some(v) => format!("{} {v}", r.old_path),
                None => r.old_path.clone(),
            };
            let new = match &r.new_version {
                Some(v) => format!("{} {v}", r.new_path),
                None => r.new_path.clone(),
            };
            run.finding(format!("go.mod replaces {old} => {new}"))
                .at(FileLocation::new("go.mod", r.line, 1))
                .hint("remove the replace directive: a released module with replace cannot be `go install`ed, and dependents ignore it")
        })
        .collect();
    run.report.findings.extend(found);
    Ok(())
}

/// No `exclude` directive.
fn exclude(run: &mut Run) -> Result<(), ChecksError> {
    let Some(g) = run.facts.gomod() else {
        return Ok(());
    };
    let found: Vec<Finding> = g
        .excludes
        .iter()
        .map(|x| {
            run.finding(format!("go.mod excludes {} {}", x.path, x.version))
                .at(FileLocation::new("go.mod", x.line, 1))
                .hint("dependents ignore exclude directives: require a fixed version instead")
        })
        .collect();
    run.report.findings.extend(found);
    Ok(())
}

/// go.sum has a checksum for every requirement.
fn go_sum(run: &mut Run) -> Result<(), ChecksError> {
    let Some(g) = run.facts.gomod() else {
        return Ok(());
    };
    if g.requires.is_empty() {
        return Ok(());
    }
    let found = match std::fs::read_to_string(run.facts.module_dir.join("go.sum")) {
        Err(_) => vec![run
            .finding(format!(
                "go.sum is missing but go.mod requires {} module(s)",
                g.requires.len()
            ))
            .hint("run `go mod tidy` and commit go.sum")],
        Ok(sum) => {
            let have = go_sum_entries(&sum);
            g.requires
                .iter()
                .filter(|r| !have.contains(&(r.path.clone(), r.version.clone())))
                .map(|r| {
                    run.finding(format!(
                        "go.sum has no checksum for {} {}",
                        r.path, r.version
                    ))
                    .at(FileLocation::new("go.mod", r.line, 1))
                    .hint("run `go mod tidy` and commit go.sum")
                })
                .collect()
        }
    };
    run.report.findings.extend(found);
    Ok(())
}

/// The (module, version) pairs go.sum has a checksum for (of the module or of its go.mod).
fn go_sum_entries(sum: &str) -> std::collections::HashSet<(String, String)> {
    sum.lines()
        .filter_map(|line| {
            let mut f = line.split_whitespace();
            let (p, v) = (f.next()?, f.next()?);
            Some((p.to_string(), v.trim_end_matches("/go.mod").to_string()))
        })
        .collect()
}

/// The module is in a git repository with at least one commit.
fn git_repo(run: &mut Run) -> Result<(), ChecksError> {
    let f = match (run.facts.has_repo, &run.facts.git) {
        (false, _) => run
            .finding(format!(
                "{} is not inside a git repository",
                run.facts.module_dir.display()
            ))
            .hint("releases are cut from tags: git init, commit, then tag"),
        (true, None) => run
            .finding("the repository has no commits")
            .hint("commit the module, then tag it"),
        (true, Some(_)) => return Ok(()),
    };
    run.push(f);
    Ok(())
}

/// A shallow clone hides the previous tag.
fn shallow_clone(run: &mut Run) -> Result<(), ChecksError> {
    if run.facts.git.as_ref().is_some_and(|g| g.repo.is_shallow()) {
        let f = run
            .finding("the repository is a shallow clone: the previous tag and the release notes may be wrong")
            .hint("fetch the full history: git fetch --unshallow --tags (actions/checkout: fetch-depth: 0)");
        run.push(f);
    }
    Ok(())
}

/// No modified, staged or untracked files.
fn clean_tree(run: &mut Run) -> Result<(), ChecksError> {
    let Some(git) = &run.facts.git else {
        return Ok(());
    };
    let outputs = &run.input.outputs;
    let status = match &run.input.known.dirty {
        Some(known) => Ok(known.clone()),
        None => git.repo.dirty_files(),
    };
    let dirty = match status {
        Ok(d) => {
            // tug's own output (the dist, staging directories) is never a change.
            let d: Vec<_> = d
                .into_iter()
                .filter(|(p, _)| !crate::git::is_tug_output(&git.repo.root, outputs, p))
                .collect();
            if d.is_empty() {
                return Ok(());
            }
            d
        }
        Err(e) => {
            // Not knowing is not clean: say so instead of passing.
            let f = run
                .finding(format!("cannot read the working tree status: {e}"))
                .hint("run `git status` to see the problem");
            run.push(f);
            return Ok(());
        }
    };
    let in_dist = dirty
        .iter()
        .any(|(p, _)| p.starts_with("dist/") || p.contains("/dist/"));
    let paths: Vec<&str> = dirty.iter().map(|(p, _)| p.as_str()).collect();
    let hint = if paths.iter().any(|p| crate::git::looks_like_private_key(p)) {
        crate::git::clean_tree_hint(&paths)
    } else if in_dist {
        "add dist/ to .gitignore; commit or stash the other changes (git stash -u)".to_string()
    } else {
        "commit or stash the changes (git stash -u) before releasing".to_string()
    };
    let n = dirty.len();
    let f = run
        .finding(format!(
            "the working tree has {n} uncommitted change{}",
            if n == 1 { "" } else { "s" }
        ))
        .details(dirty.iter().map(|(p, s)| format!("{s}: {p}")).collect())
        .hint(hint);
    run.push(f);
    Ok(())
}

/// The tag prefix fits the module directory; the version (requested, or the tag on HEAD) is
/// canonical semver.
fn tag_syntax(run: &mut Run) -> Result<(), ChecksError> {
    let mut found = Vec::new();
    if let (Some(g), Some(_), true) = (
        &run.facts.git,
        &run.input.config.tag_prefix,
        run.facts.is_go(),
    ) {
        if g.scheme.dir != g.dir_prefix {
            let dir_prefix = &g.dir_prefix;
            found.push(
                run.finding(format!(
                    "tag prefix '{}' does not match the module directory: the go command only finds tags named '{dir_prefix}vX.Y.Z'",
                    g.scheme.dir
                ))
                .hint(if dir_prefix.is_empty() {
                    "remove checks.tag_prefix from tug.yaml".to_string()
                } else {
                    format!("set checks.tag_prefix to '{dir_prefix}' or remove it")
                }),
            );
        }
    }
    match (&run.facts.requested, &run.facts.git) {
        (Some(Err(e)), g) => {
            let example = g
                .as_ref()
                .map(|g| g.scheme.example())
                .unwrap_or_else(|| "v0.1.0".into());
            found.push(run.finding(format!("version {e}")).hint(format!(
                "use canonical semver with all three numbers, as this project's tags: {example}, or v1.2.0-rc.1"
            )))
        }
        (None, Some(g)) if run.facts.version.is_none() => {
            if let Some(bad) = bad_head_tag(g) {
                let scheme = &g.scheme;
                let rest = bad.strip_prefix(scheme.dir.as_str()).unwrap_or(bad);
                let why = match rest.strip_prefix(scheme.prefix.as_str()) {
                    None => format!(
                        "it does not start with the tag prefix '{}{}'",
                        scheme.dir, scheme.prefix
                    ),
                    Some(_) if scheme.is_go_module() => match parse_tag_version(rest) {
                        Err(e) => e.to_string(),
                        Ok(_) => "it is not a release version".into(),
                    },
                    Some(v) => format!("'{v}' is not MAJOR.MINOR.PATCH"),
                };
                found.push(
                    run.finding(format!("tag '{bad}' on HEAD is not a release tag: {why}"))
                        .hint(format!(
                            "tag releases as {}, e.g. {}",
                            scheme.pattern(),
                            scheme.tag(&semver::Version::new(1, 2, 0))
                        )),
                );
            }
        }
        _ => {}
    }
    run.report.findings.extend(found);
    Ok(())
}

/// A tag on HEAD that looks meant as this module's release tag but is not one.
fn bad_head_tag(g: &Git) -> Option<&str> {
    g.head_tags
        .iter()
        .find(|t| {
            let full = format!("{}{}", g.scheme.dir, g.scheme.prefix);
            t.starts_with(&full) || full.is_empty()
        })
        .map(String::as_str)
}

/// The requested version's tag does not already exist on another commit.
fn tag_reused(run: &mut Run) -> Result<(), ChecksError> {
    let (Some(Ok(v)), Some(g)) = (&run.facts.requested, &run.facts.git) else {
        return Ok(());
    };
    let tag = g.scheme.tag(v);
    match g.releases.iter().find(|r| r.tag == tag) {
        Some(r) if r.commit != g.head => {
            let f = run
                .finding(format!(
                    "tag {tag} already exists on commit {}, not on HEAD ({})",
                    g.repo.short(r.commit),
                    g.repo.short(g.head)
                ))
                .hint("a published tag must never move: release the next version instead");
            run.push(f);
        }
        Some(_) => {}
        None => run.report.notes.push(format!(
            "tag {tag} does not exist yet: create it on HEAD with git tag -a {tag} -m {tag}"
        )),
    }
    Ok(())
}

/// Without `--version`, HEAD carries a release tag.
fn tag_on_head(run: &mut Run) -> Result<(), ChecksError> {
    let Some(g) = &run.facts.git else {
        return Ok(());
    };
    if run.facts.requested.is_some() || run.facts.version.is_some() || bad_head_tag(g).is_some() {
        return Ok(());
    }
    let hint = match g.head_tags.first() {
        Some(t) => format!(
            "HEAD is tagged '{t}', but this module's tags look like '{}'",
            g.scheme.tag(&semver::Version::new(1, 2, 3))
        ),
        None => format!(
            "tag it: git tag -a {tag} -m {tag} (this project's tags are {}), or pass --version to check a version before tagging",
            g.scheme.pattern(),
            tag = g.scheme.example()
        ),
    };
    let f = run
        .finding(format!(
            "HEAD ({}) has no release tag",
            g.repo.short(g.head)
        ))
        .hint(hint);
    run.push(f);
    Ok(())
}

/// The major version matches the module path's `/vN` suffix.
fn major_version(run: &mut Run) -> Result<(), ChecksError> {
    if let Some(g) = run.facts.git.as_ref().filter(|g| !g.scheme.is_go_module()) {
        // The go command reads only `v` tags as module versions: the /vN rule is not about these.
        let note = format!(
            "tags {} are not Go module versions, so the module path's major version is not checked against them",
            g.scheme.pattern()
        );
        run.report.notes.push(note);
        return Ok(());
    }
    let (Some(v), Some(m)) = (
        &run.facts.version,
        run.facts.gomod().and_then(|g| g.module.as_ref()),
    ) else {
        return Ok(());
    };
    if let Err(problem) = check_major_matches(&m.value, v.major) {
        let hint = if v.major >= 2 && split_path_version(&m.value).and_then(|(_, s)| s).is_none() {
            format!("change the module line to `module {}/v{}` (and update imports), or release a v1 version", m.value, v.major)
        } else {
            "tag a version whose major matches the module path's /vN suffix".to_string()
        };
        let f = run
            .finding(problem)
            .at(FileLocation::new("go.mod", m.line, 1))
            .hint(hint);
        run.push(f);
    }
    Ok(())
}

/// The version is above every earlier release of its major (or of its minor line, for a
/// `--backport`).
fn version_monotonic(run: &mut Run) -> Result<(), ChecksError> {
    let Some(v) = &run.facts.version else {
        return Ok(());
    };
    let others = run.facts.others();
    let tag_of = |v: &semver::Version| {
        run.facts
            .git
            .as_ref()
            .map(|g| g.scheme.tag(v))
            .unwrap_or_else(|| vstr(v))
    };
    let latest_of = |keep: &dyn Fn(&semver::Version) -> bool| {
        others
            .iter()
            .filter(|r| keep(&r.version))
            .max_by(|a, b| a.version.cmp_precedence(&b.version))
            .copied()
    };
    let Some(latest) = latest_of(&|r| r.major == v.major) else {
        return Ok(());
    };
    if v.cmp_precedence(&latest.version) == std::cmp::Ordering::Greater || latest.version == *v {
        return Ok(());
    }
    let f = if run.input.backport {
        let Some(line_latest) = latest_of(&|r| r.major == v.major && r.minor == v.minor) else {
            return Ok(());
        };
        if v.cmp_precedence(&line_latest.version) == std::cmp::Ordering::Greater {
            return Ok(());
        }
        run.finding(format!(
            "backport {} is not above the latest v{}.{} release {}",
            vstr(v),
            v.major,
            v.minor,
            line_latest.tag
        ))
        .hint(format!(
            "release {}",
            tag_of(&semver::Version::new(
                v.major,
                v.minor,
                line_latest.version.patch + 1
            ))
        ))
    } else {
        run.finding(format!(
            "{} is not above the latest v{} release {}",
            vstr(v),
            v.major,
            latest.tag
        ))
        .hint(format!(
            "release {} or newer, or pass --backport for a patch on an older line",
            tag_of(&semver::Version::new(
                latest.version.major,
                latest.version.minor,
                latest.version.patch + 1
            ))
        ))
    };
    run.push(f);
    Ok(())
}

/// HEAD is on an allowed branch.
fn branch(run: &mut Run) -> Result<(), ChecksError> {
    let Some(g) = &run.facts.git else {
        return Ok(());
    };
    let globs = run.input.config.branch_globs();
    let matchers: Vec<_> = globs
        .iter()
        .filter_map(|g| Glob::new(g).ok().map(|g| g.compile_matcher()))
        .collect();
    let allowed = |name: &str| matchers.iter().any(|m| m.is_match(name));
    let f = match g.repo.branch() {
        Some(b) if allowed(&b) => return Ok(()),
        Some(b) => run
            .finding(format!(
                "branch '{b}' is not allowed for releases (allowed: {})",
                globs.join(", ")
            ))
            .hint(
                "merge into an allowed branch and tag there, or add the branch to checks.branches",
            ),
        None => {
            if g.repo
                .branches_containing(g.head)
                .iter()
                .any(|b| allowed(b))
            {
                return Ok(());
            }
            run.finding(format!(
                "HEAD is detached and not on an allowed branch (allowed: {})",
                globs.join(", ")
            ))
            .hint("check out the release branch (git checkout main) or fetch it so tug can see HEAD is on it")
        }
    };
    run.push(f);
    Ok(())
}

/// The version is not retracted by the module's own go.mod (and a retraction-only release
/// retracts itself).
fn retracted(run: &mut Run) -> Result<(), ChecksError> {
    let (Some(v), Some(g)) = (&run.facts.version, run.facts.gomod()) else {
        return Ok(());
    };
    let version = vstr(v);
    let f = match (g.retraction_of(&version), run.input.retraction_only) {
        (Some(r), false) => {
            let range = if r.low == r.high { r.low.clone() } else { format!("[{}, {}]", r.low, r.high) };
            let why = r.rationale.as_deref().map(|s| format!(" ({s})")).unwrap_or_default();
            run.finding(format!("{version} is retracted by go.mod: retract {range}{why}"))
                .at(FileLocation::new("go.mod", r.line, 1))
                .hint("release a version outside the retracted range, or pass --retraction-only for a release that only publishes retractions")
        }
        (None, true) => run
            .finding(format!("a retraction-only release must retract itself, but go.mod does not retract {version}"))
            .hint(format!("add `retract {version} // contains retractions only` to go.mod")),
        _ => return Ok(()),
    };
    run.push(f);
    Ok(())
}

/// A Cargo package's version is the tag's.
fn cargo_version(run: &mut Run) -> Result<(), ChecksError> {
    let Some(v) = run.facts.version.clone() else {
        return Ok(());
    };
    if run.facts.is_go() || !run.facts.cargo_toml.is_file() {
        return Ok(());
    }
    let text = std::fs::read_to_string(&run.facts.cargo_toml).unwrap_or_default();
    match cargo_package_version(&text) {
        CargoVersion::Found { line, value } if value != v.to_string() => {
            let f = run
                .finding(format!(
                    "Cargo.toml version {value} does not match the release v{v}"
                ))
                .at(FileLocation::new("Cargo.toml", line, 1))
                .hint(format!("set version = \"{v}\" in Cargo.toml and commit"));
            run.push(f);
        }
        CargoVersion::Found { .. } => {}
        CargoVersion::Workspace => run.report.notes.push(
            "Cargo.toml takes its version from the workspace: cargo-version not checked".into(),
        ),
        CargoVersion::Missing => {
            let f = run
                .finding("Cargo.toml has no [package] version")
                .hint(format!("add version = \"{v}\""));
            run.push(f);
        }
    }
    Ok(())
}

/// The `[package]` version of a Cargo.toml.
#[derive(Debug, PartialEq, Eq)]
enum CargoVersion {
    /// `version = "..."` on this 1-based line.
    Found {
        line: usize,
        value: String,
    },
    /// `version.workspace = true`.
    Workspace,
    Missing,
}

fn cargo_package_version(text: &str) -> CargoVersion {
    let mut in_package = false;
    for (i, line) in text.lines().enumerate() {
        let t = line.trim();
        if t.starts_with('[') {
            in_package = t == "[package]";
            continue;
        }
        if !in_package {
            continue;
        }
        let Some(rest) = t.strip_prefix("version") else {
            continue;
        };
        let rest = rest.trim_start();
        if let Some(value) = rest.strip_prefix('=') {
            return CargoVersion::Found {
                line: i + 1,
                value: value.trim().trim_matches('"').to_string(),
            };
        }
        if rest.starts_with(".workspace") {
            return CargoVersion::Workspace;
        }
    }
    CargoVersion::Missing
}

/// The exported API changed only as the version number allows. Starts `go mod tidy` in the
/// background first: both mostly wait on Go, so a release check takes as long as the slower.
fn api_compat(run: &mut Run) -> Result<(), ChecksError> {
    if !run.go_module() || run.facts.git.is_none() {
        return Ok(());
    }
    let go = run.go()?;
    if !run.off(CheckId::Tidy) {
        let (go, dir) = (go.clone(), run.facts.module_dir.clone());
        let goflags = run.input.goflags.clone();
        run.tidy = Some(std::thread::spawn(move || {
            tidy_result(&go, &dir, goflags.as_deref())
        }));
    }
    api_check(run, &go)
}

/// The module zip a release of HEAD would publish (the committed tree, as `tug build` reads it)
/// passes golang.org/x/mod/zip's rules: `tug build` would refuse it, and the go command too.
fn module_zip(run: &mut Run) -> Result<(), ChecksError> {
    let (Some(g), Some(m)) = (
        &run.facts.git,
        run.facts.gomod().and_then(|g| g.module.as_ref()),
    ) else {
        return Ok(());
    };
    // An invalid module path is go-mod's finding.
    if check_module_path(&m.value).is_err() {
        return Ok(());
    }
    let subdir = g.subdir.to_string_lossy().replace('\\', "/");
    let read;
    let files: &[crate::gomod::zip::SourceFile] = match &run.input.known.module_files {
        Some(known) => known,
        None => {
            read = crate::gomod::source::files_at(&g.repo.root, &g.head.to_string(), &subdir)?;
            &read
        }
    };
    let version = run
        .facts
        .version
        .as_ref()
        .map(vstr)
        .unwrap_or_else(|| "HEAD".into());
    let hint = "rename, shrink or remove it (the go command refuses a module with such a file), then commit";
    match crate::gomod::zip::check_files(&m.value, &version, files) {
        Ok(_) => {}
        Err(crate::gomod::zip::ZipError::Refused { refused, .. }) => {
            for r in refused {
                let f = run.finding(format!("{}: {}", r.path, r.problem)).hint(hint);
                run.push(f);
            }
        }
        Err(e @ crate::gomod::zip::ZipError::TooLarge { .. }) => {
            let f = run.finding(e.to_string()).hint(
                "move large files out of the module (a nested module with its own go.mod, or out of the repository)",
            );
            run.push(f);
        }
        Err(e) => {
            let f = run.finding(e.to_string());
            run.push(f);
        }
    }
    Ok(())
}

/// Built Go binaries carry the release version and a clean VCS state.
fn build_info(run: &mut Run) -> Result<(), ChecksError> {
    if run.facts.git.is_none() {
        return Ok(());
    }
    if let Some(v) = &run.facts.version {
        let go_tags = run
            .facts
            .git
            .as_ref()
            .is_some_and(|g| g.scheme.is_go_module());
        let version = vstr(v);
        let found = check_binaries(&run.input.binaries, go_tags.then_some(version.as_str()));
        run.report.findings.extend(found);
    }
    Ok(())
}

/// go.mod and go.sum are tidy.
fn tidy(run: &mut Run) -> Result<(), ChecksError> {
    if !run.go_module() {
        return Ok(());
    }
    let result = match run.tidy.take() {
        Some(handle) => handle.join().expect("tidy thread"),
        None => {
            let go = run.go()?;
            tidy_result(&go, &run.facts.module_dir, run.input.goflags.as_deref())
        }
    };
    push_tidy(run, result);
    Ok(())
}

/// govulncheck: no vulnerable function is reachable.
fn vuln(run: &mut Run) -> Result<(), ChecksError> {
    push_vulns(run, CheckId::Vuln);
    Ok(())
}

/// govulncheck: no vulnerable package or module is required (reported as a warning).
fn vuln_imported(run: &mut Run) -> Result<(), ChecksError> {
    push_vulns(run, CheckId::VulnImported);
    Ok(())
}

/// Run govulncheck once (for whichever of the two vulnerability checks runs first) and report
/// the findings of check `id`. A govulncheck failure is reported once, under `vuln`.
fn push_vulns(run: &mut Run, id: CheckId) {
    if !run.go_module() {
        return;
    }
    if run.vulns.is_none() {
        run.vulns = Some(
            match find_on_path_in("govulncheck", run.input.go.path.as_deref()) {
                None => {
                    run.report.notes.push("govulncheck is not installed: vulnerabilities not checked (go install golang.org/x/vuln/cmd/govulncheck@latest)".into());
                    Vec::new()
                }
                Some(bin) => match govulncheck::run(&bin, &run.facts.module_dir) {
                    Err(e) => vec![Finding::warn(CheckId::Vuln, e.to_string())
                        .hint("run govulncheck ./... to see the problem")],
                    Ok(vulns) => vuln_findings(&vulns),
                },
            },
        );
    }
    let mine: Vec<Finding> = run
        .vulns
        .iter()
        .flatten()
        .filter(|f| f.check == id)
        .cloned()
        .collect();
    run.report.findings.extend(mine);
}

/// A tag's version under `scheme`: for Go's `v` scheme the canonical semver the go command reads
/// (no build metadata), otherwise what [`TagScheme::parse`] accepts.
fn parse_release_tag(scheme: &TagScheme, name: &str) -> Option<semver::Version> {
    if scheme.is_go_module() {
        parse_tag_version(name.strip_prefix(&scheme.dir)?).ok()
    } else {
        scheme.parse(name).map(|t| t.version)
    }
}

/// `--version` under `scheme`: the full tag, or the version alone (`v1.2.3`, or `1.2.3` for a
/// scheme without `v`).
fn parse_requested(
    scheme: &TagScheme,
    requested: &str,
) -> Result<semver::Version, crate::gomod::version::VersionError> {
    let rest = requested.strip_prefix(&scheme.dir).unwrap_or(requested);
    if scheme.is_go_module() {
        return parse_tag_version(rest);
    }
    let full = format!("{}{}", scheme.dir, rest);
    if let Some(v) = parse_release_tag(scheme, &full) {
        return Ok(v);
    }
    let bare = rest.strip_prefix(&scheme.prefix).unwrap_or(rest);
    let with_v = format!("v{}", bare.strip_prefix('v').unwrap_or(bare));
    parse_tag_version(&with_v)
}

/// The tag prefix the go command expects for a module in `subdir`: the directory with `/`, minus
/// a final `vN` element when the module path ends in the same `/vN` (major subdirectory layout).
fn tag_prefix_for(subdir: &Path, module_path: Option<&str>) -> String {
    let mut parts: Vec<String> = subdir
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if let (Some(last), Some(path)) = (parts.last(), module_path) {
        if let Some((_, Some(n))) = split_path_version(path) {
            if *last == format!("v{n}") {
                parts.pop();
            }
        }
    }
    if parts.is_empty() {
        String::new()
    } else {
        format!("{}/", parts.join("/"))
    }
}

fn normalize_prefix(p: &str) -> String {
    let p = p.trim_matches('/');
    if p.is_empty() {
        String::new()
    } else {
        format!("{p}/")
    }
}

/// Compare the API at HEAD with the previous release's (cached per commit), record the
/// comparison and the suggested tag in the report, and report what the version does not allow.
fn api_check(run: &mut Run, go: &GoTool) -> Result<(), ChecksError> {
    let Some(git) = &run.facts.git else {
        return Ok(());
    };
    let report = &mut run.report;
    let module_dir = &run.facts.module_dir;
    let Some(prev) = &run.facts.previous else {
        report
            .notes
            .push("no earlier release tag: the API has nothing to be compared with".into());
        return Ok(());
    };
    let version = run.facts.version.as_ref();
    if let Some(v) = version {
        if v.major != prev.version.major {
            report.notes.push(format!(
                "{} starts a new major version: API changes since {} are allowed",
                vstr(v),
                prev.tag
            ));
            return Ok(());
        }
    }
    let goflags = run.input.goflags.as_deref();
    let cache_root = apidiff::cache_root(run.input.cache_dir.as_deref());
    let helper = apidiff::ensure_helper(&cache_root, go)?;
    // A tag's tree never changes, so its API is cached per helper build, commit and directory.
    let cached = apidiff::cached_api_path(
        &cache_root,
        go,
        prev.commit.to_string().as_str(),
        &git.subdir,
    );
    let (old, new) = match apidiff::read_cached(&cached) {
        Some(old) => (
            Ok(old),
            apidiff::module_api(&helper, go, module_dir, goflags),
        ),
        None => {
            let old_tree = tempfile::Builder::new()
                .prefix("tug-api-")
                .tempdir()
                .map_err(ChecksError::TempDir)?;
            if let Err(e) = git
                .repo
                .extract_tree(prev.commit, &git.subdir, old_tree.path())
            {
                report.notes.push(format!(
                    "the module directory does not exist at {}: API not compared ({e})",
                    prev.tag
                ));
                return Ok(());
            }
            let (old, new) = std::thread::scope(|s| {
                let old = s.spawn(|| apidiff::module_api(&helper, go, old_tree.path(), goflags));
                let new = apidiff::module_api(&helper, go, module_dir, goflags);
                (old.join().expect("api thread"), new)
            });
            if let Ok(api) = &old {
                apidiff::write_cached(&cached, api);
            }
            (old, new)
        }
    };
    let (old, new) = (old?, new?);
    for (api, at) in [(&old, prev.tag.as_str()), (&new, "HEAD")] {
        if let Some(first) = api
            .errors
            .as_ref()
            .and_then(|e| e.first())
            .map(|e| e.lines().next().unwrap_or_default().trim().to_string())
        {
            let n = api.errors.as_ref().map_or(0, Vec::len);
            report.notes.push(format!(
                "the API at {at} has {n} type error(s), so some signatures may be incomplete; first: {first}"
            ));
        }
    }
    let diff = apidiff::diff(&old, &new);
    let suggested = apidiff::suggest(&prev.version, &diff);
    report.suggested_tag = Some(git.scheme.tag(&suggested));
    report.api = Some(ApiReport {
        previous_tag: prev.tag.clone(),
        packages: diff.packages,
        breaking: diff.breaking.clone(),
        added: diff.added.clone(),
    });
    if let Some(v) = version {
        report.findings.extend(api_findings(
            &prev.tag,
            &prev.version,
            v,
            &diff,
            &suggested,
            &new.module,
        ));
    }
    Ok(())
}

/// What the API changes since the previous release say about version `v`: an error once the
/// module is stable (v1+), a warning before.
fn api_findings(
    prev_tag: &str,
    prev: &semver::Version,
    v: &semver::Version,
    diff: &ApiDiff,
    suggested: &semver::Version,
    module: &str,
) -> Vec<Finding> {
    let mut out = Vec::new();
    let stable = prev.major >= 1;
    let make = |message: String| {
        if stable {
            Finding::error(CheckId::ApiCompat, message)
        } else {
            Finding::warn(CheckId::ApiCompat, message)
        }
    };
    let same_minor = v.major == prev.major && v.minor == prev.minor;
    if !diff.breaking.is_empty() && stable {
        let (base, _) = split_path_version(module).unwrap_or((module, None));
        out.push(
            make(format!(
                "incompatible API changes since {prev_tag} need a new major version, not {}",
                vstr(v)
            ))
            .details(diff.breaking.clone())
            .hint(format!(
                "release {} with module path {base}/v{}, or restore what was removed or changed",
                vstr(suggested),
                suggested.major
            )),
        );
    } else if !diff.breaking.is_empty() {
        if same_minor {
            out.push(
                make(format!(
                    "incompatible API changes since {prev_tag} in a patch release {}",
                    vstr(v)
                ))
                .details(diff.breaking.clone())
                .hint(format!(
                    "release {} (v0 allows breaking changes in a minor release)",
                    vstr(suggested)
                )),
            );
        } else {
            out.push(
                make(format!(
                    "incompatible API changes since {prev_tag} (allowed before v1)"
                ))
                .details(diff.breaking.clone())
                .hint("call them out in the release notes"),
            );
        }
    } else if !diff.added.is_empty() && same_minor && v.pre.is_empty() {
        out.push(
            make(format!(
                "API additions since {prev_tag} need a new minor version, not the patch release {}",
                vstr(v)
            ))
            .details(diff.added.clone())
            .hint(format!("release {}", vstr(suggested))),
        );
    }
    out
}

/// Why tidiness could not be determined. Rendered into a finding, so each message carries its
/// cause's text itself.
#[derive(Debug, thiserror::Error)]
enum TidyError {
    #[error("cannot run go: {0}")]
    Spawn(std::io::Error),
    #[error("cannot copy the module to tidy it: {0}")]
    Copy(std::io::Error),
    /// The go command failed: the first line of its stderr, and all of it.
    #[error("{first}")]
    Go { first: String, output: String },
    /// The go command needed modules it could not download: no network, or no proxy
    /// (`GOPROXY=off`). `reason` is stable; `output` is what the go command said.
    #[error("{reason}")]
    Offline {
        reason: &'static str,
        output: String,
    },
}

/// Whether a failed go command's stderr says it needed the network or a proxy it did not have,
/// and the stable reason why.
fn offline_reason(stderr: &str) -> Option<&'static str> {
    if stderr.contains("GOPROXY=off") {
        Some("modules missing from the module cache cannot be downloaded with GOPROXY=off")
    } else if stderr.contains("GOFLAGS=-mod=vendor")
        || stderr.contains("-mod=vendor") && stderr.contains("cannot")
    {
        Some("the module graph cannot be loaded from the vendor directory alone")
    } else if [
        "dial tcp",
        "no such host",
        "connection refused",
        "i/o timeout",
        "proxyconnect",
        "network is unreachable",
        "TLS handshake timeout",
    ]
    .iter()
    .any(|s| stderr.contains(s))
    {
        Some("the module proxy cannot be reached (no network)")
    } else {
        None
    }
}

/// A go command's stderr as finding details: without the `go: downloading ...` progress lines
/// (which change every run), at most 10 lines.
fn go_output_details(stderr: &str) -> Vec<String> {
    let mut lines: Vec<String> = stderr
        .lines()
        .map(str::trim_end)
        .filter(|l| !l.trim().is_empty() && !l.starts_with("go: downloading "))
        .map(str::to_string)
        .collect();
    if lines.len() > 10 {
        lines.truncate(10);
        lines.push("...".into());
    }
    lines
}

/// `Ok(None)` when tidy, `Ok(Some(diff))` when not, `Err` when it could not be determined.
fn tidy_result(
    go: &GoTool,
    dir: &Path,
    goflags: Option<&str>,
) -> Result<Option<String>, TidyError> {
    if go.go_version().is_some_and(|v| v.at_least(1, 23)) {
        tidy_diff(go, dir, goflags)
    } else {
        tidy_copy(go, dir, goflags)
    }
}

fn push_tidy(run: &mut Run, result: Result<Option<String>, TidyError>) {
    match result {
        Ok(None) => {}
        Ok(Some(diff)) => {
            let mut details: Vec<String> = diff.lines().filter(|l| !l.is_empty()).take(20).map(str::to_string).collect();
            if diff.lines().count() > 20 {
                details.push("...".into());
            }
            run.push(
                Finding::error(CheckId::Tidy, "go.mod and go.sum are not tidy")
                    .at(FileLocation::new("go.mod", 0, 0))
                    .details(details)
                    .hint("run `go mod tidy` and commit the result"),
            );
        }
        Err(TidyError::Offline { reason, output }) => run.push(
            Finding::warn(CheckId::Tidy, format!("tidiness not checked: {reason}"))
                .details(go_output_details(&output))
                .hint("run `go mod tidy -diff` where the module proxy is reachable, or fill the module cache (`go mod download`); set checks.severity.tidy to error to require it, or off to skip it"),
        ),
        Err(e) => run.push(
            Finding::error(CheckId::Tidy, format!("could not check tidiness: {e}"))
                .details(match &e {
                    TidyError::Go { output, .. } => go_output_details(output),
                    _ => Vec::new(),
                })
                .hint("run `go mod tidy` yourself to see the problem (a missing module cache entry needs network access)"),
        ),
    }
}

/// A go command in `dir` with the user's GOFLAGS kept (and `-mod=mod` unless they choose a mode).
fn go_command(go: &GoTool, dir: &Path, goflags: Option<&str>) -> Command {
    let mut cmd = Command::new(&go.bin);
    cmd.current_dir(dir).env("GOWORK", "off").env(
        "GOFLAGS",
        crate::gomod::vendor::goflags(goflags, Some("-mod=mod")),
    );
    cmd
}

/// The go command's error for a failed tidy run: offline (a warning) or anything else.
fn tidy_error(stderr: &str, what: &str) -> TidyError {
    if let Some(reason) = offline_reason(stderr) {
        return TidyError::Offline {
            reason,
            output: stderr.to_string(),
        };
    }
    TidyError::Go {
        first: stderr
            .trim()
            .lines()
            .find(|l| !l.starts_with("go: downloading "))
            .unwrap_or(what)
            .to_string(),
        output: stderr.to_string(),
    }
}

/// `go mod tidy -diff`: exit 0 tidy, exit 1 with a diff on stdout when untidy.
fn tidy_diff(go: &GoTool, dir: &Path, goflags: Option<&str>) -> Result<Option<String>, TidyError> {
    let out = go_command(go, dir, goflags)
        .args(["mod", "tidy", "-diff"])
        .output()
        .map_err(TidyError::Spawn)?;
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    if out.status.success() {
        return Ok(None);
    }
    if !stdout.trim().is_empty() {
        return Ok(Some(stdout));
    }
    Err(tidy_error(
        &String::from_utf8_lossy(&out.stderr),
        "go mod tidy -diff failed",
    ))
}

/// Go < 1.23: tidy a temporary copy of the module and compare go.mod and go.sum.
fn tidy_copy(go: &GoTool, dir: &Path, goflags: Option<&str>) -> Result<Option<String>, TidyError> {
    let tmp = tempfile::Builder::new()
        .prefix("tug-tidy-")
        .tempdir()
        .map_err(TidyError::Copy)?;
    copy_module(dir, tmp.path()).map_err(TidyError::Copy)?;
    let out = go_command(go, tmp.path(), goflags)
        .args(["mod", "tidy"])
        .output()
        .map_err(TidyError::Spawn)?;
    if !out.status.success() {
        return Err(tidy_error(
            &String::from_utf8_lossy(&out.stderr),
            "go mod tidy failed",
        ));
    }
    let mut diff = String::new();
    for name in ["go.mod", "go.sum"] {
        let before = std::fs::read_to_string(dir.join(name)).unwrap_or_default();
        let after = std::fs::read_to_string(tmp.path().join(name)).unwrap_or_default();
        if before != after {
            for l in before.lines().filter(|l| !after.lines().any(|a| a == *l)) {
                diff.push_str(&format!("-{l}\n"));
            }
            for l in after.lines().filter(|l| !before.lines().any(|b| b == *l)) {
                diff.push_str(&format!("+{l}\n"));
            }
            if diff.is_empty() {
                diff.push_str(&format!("{name} changes formatting\n"));
            }
        }
    }
    Ok((!diff.is_empty()).then_some(diff))
}

fn copy_module(from: &Path, to: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let name = entry.file_name();
        if name == ".git" || name == "dist" {
            continue;
        }
        let ty = entry.file_type()?;
        if ty.is_dir() {
            copy_module(&entry.path(), &to.join(&name))?;
        } else if ty.is_file() {
            std::fs::copy(entry.path(), to.join(&name))?;
        }
    }
    Ok(())
}

pub(super) fn vuln_findings(vulns: &[govulncheck::Vuln]) -> Vec<Finding> {
    vulns
        .iter()
        .map(|v| {
            let fix = match &v.fixed_version {
                Some(f) => format!("upgrade {} to {f} or later", v.module),
                None => format!(
                    "no fixed version of {} yet: avoid the affected code",
                    v.module
                ),
            };
            let summary = if v.summary.is_empty() {
                String::new()
            } else {
                format!(": {}", v.summary)
            };
            match v.level {
                govulncheck::VulnLevel::Symbol => {
                    let mut f = Finding::error(
                        CheckId::Vuln,
                        format!(
                            "{}{summary} (your code calls {} in {} {})",
                            v.id,
                            v.symbol.as_deref().unwrap_or("it"),
                            v.module,
                            v.version
                        ),
                    )
                    .hint(fix);
                    if let Some((file, line, col)) = &v.call_site {
                        f = f.at(FileLocation::new(
                            file.clone(),
                            *line as usize,
                            *col as usize,
                        ));
                    }
                    f
                }
                level => Finding::warn(
                    CheckId::VulnImported,
                    format!(
                        "{}{summary} ({} {} is {}, the vulnerable code is not called)",
                        v.id,
                        v.module,
                        v.version,
                        if level == govulncheck::VulnLevel::Package {
                            "imported"
                        } else {
                            "required"
                        }
                    ),
                )
                .hint(fix),
            }
        })
        .collect()
}

/// 10: every Go binary says it is `version` of its main module and was built from a clean tree.
/// Non-Go files are skipped (a cargo or command build). `version` is `None` when the release tags
/// are not Go module versions (`release-2.2`): the go command cannot stamp those, so only the
/// clean tree is checked.
pub fn check_binaries(binaries: &[PathBuf], version: Option<&str>) -> Vec<Finding> {
    let mut out = Vec::new();
    for path in binaries {
        let name = path.display().to_string();
        let info = match buildinfo::read(path) {
            Ok(i) => i,
            Err(buildinfo::BuildInfoError::NotGo(_)) => continue,
            Err(e) => {
                out.push(Finding::error(CheckId::BuildInfo, e.to_string()));
                continue;
            }
        };
        let hint = "build from a clean checkout of the tag (go stamps the version from git; needs Go 1.24+ and -buildvcs)";
        match &info.main_module {
            Some((module, v)) if version.is_some_and(|want| v != want) => out.push(
                Finding::error(
                    CheckId::BuildInfo,
                    format!(
                        "{name}: embedded version of {module} is {v}, expected {}",
                        version.unwrap_or_default()
                    ),
                )
                .hint(hint),
            ),
            None => out.push(
                Finding::error(
                    CheckId::BuildInfo,
                    format!("{name}: no main module in the build info"),
                )
                .hint(hint),
            ),
            _ => {}
        }
        if info.setting("vcs.modified") == Some("true") {
            out.push(
                Finding::error(
                    CheckId::BuildInfo,
                    format!("{name}: built from a modified working tree (vcs.modified=true)"),
                )
                .hint("commit or stash every change, then rebuild"),
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tag_prefixes() {
        assert_eq!(tag_prefix_for(Path::new(""), Some("example.com/m")), "");
        assert_eq!(
            tag_prefix_for(Path::new("sub/dir"), Some("example.com/m/sub/dir")),
            "sub/dir/"
        );
        assert_eq!(
            tag_prefix_for(Path::new("v2"), Some("example.com/m/v2")),
            ""
        );
        assert_eq!(
            tag_prefix_for(Path::new("sub/v3"), Some("example.com/m/sub/v3")),
            "sub/"
        );
        assert_eq!(normalize_prefix("/app/"), "app/");
    }

    #[test]
    fn every_check_id_has_exactly_one_function() {
        for id in CheckId::ALL {
            assert_eq!(
                CHECKS.iter().filter(|c| c.id == id).count(),
                1,
                "{id:?} must appear once in CHECKS"
            );
        }
        assert_eq!(CHECKS.len(), CheckId::ALL.len());
        let warnings: Vec<CheckId> = CHECKS
            .iter()
            .filter(|c| c.default == Severity::Warning)
            .map(|c| c.id)
            .collect();
        assert_eq!(
            warnings,
            [
                CheckId::Exclude,
                CheckId::ShallowClone,
                CheckId::VulnImported
            ]
        );
    }

    #[test]
    fn go_sum_entries_count_module_and_go_mod_lines() {
        let sum = "example.com/a v1.0.0 h1:x=\nexample.com/b v0.2.0/go.mod h1:y=\n\n";
        let have = go_sum_entries(sum);
        assert!(have.contains(&("example.com/a".into(), "v1.0.0".into())));
        assert!(have.contains(&("example.com/b".into(), "v0.2.0".into())));
        assert_eq!(have.len(), 2);
    }

    #[test]
    fn cargo_package_version_cases() {
        assert_eq!(
            cargo_package_version(
                "[dependencies]\nversion = \"9\"\n[package]\nname = \"x\"\nversion = \"1.2.3\"\n"
            ),
            CargoVersion::Found {
                line: 5,
                value: "1.2.3".into()
            }
        );
        assert_eq!(
            cargo_package_version("[package]\nversion.workspace = true\n"),
            CargoVersion::Workspace
        );
        assert_eq!(
            cargo_package_version("[package]\nname = \"x\"\n"),
            CargoVersion::Missing
        );
    }

    #[test]
    fn the_suggested_tag_replaces_the_tag_on_head_hint_only_without_a_version() {
        let report = || Report {
            findings: vec![Finding::error(CheckId::TagOnHead, "no tag").hint("tag it")],
            suggested_tag: Some("v2.0.0".into()),
            ..Default::default()
        };
        let mut r = report();
        suggest_tag_on_head(&mut r, true);
        assert!(r.findings[0]
            .hint
            .as_deref()
            .unwrap()
            .contains("git tag -a v2.0.0"));
        let mut r = report();
        suggest_tag_on_head(&mut r, false);
        assert_eq!(r.findings[0].hint.as_deref(), Some("tag it"));
    }

    #[test]
    fn api_findings_error_when_stable_warn_before_v1() {
        let diff = ApiDiff {
            breaking: vec!["removed func F".into()],
            ..Default::default()
        };
        let v = |s: &str| semver::Version::parse(s).unwrap();
        let stable = api_findings(
            "v1.0.0",
            &v("1.0.0"),
            &v("1.1.0"),
            &diff,
            &v("2.0.0"),
            "example.com/m",
        );
        assert_eq!(stable.len(), 1);
        assert_eq!(stable[0].severity, Severity::Error);
        assert!(stable[0]
            .hint
            .as_deref()
            .unwrap()
            .contains("example.com/m/v2"));
        let v0 = api_findings(
            "v0.1.0",
            &v("0.1.0"),
            &v("0.1.1"),
            &diff,
            &v("0.2.0"),
            "example.com/m",
        );
        assert_eq!(v0[0].severity, Severity::Warning);
        assert!(v0[0].message.contains("patch release"));
        let none = api_findings(
            "v1.0.0",
            &v("1.0.0"),
            &v("2.0.0"),
            &ApiDiff::default(),
            &v("1.0.1"),
            "m",
        );
        assert!(none.is_empty());
    }
}
