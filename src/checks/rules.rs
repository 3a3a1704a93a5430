//! The individual release checks, in the order a release engineer would think of them: the
//! repository, the tag, go.mod, the API, then built binaries and vulnerabilities.

use std::path::{Path, PathBuf};
use std::process::Command;

use globset::Glob;

use super::apidiff::{self, ApiDiff};
use super::gotool::{find_on_path, GoTool};
use super::repo::{Repo, TagInfo};
use super::{
    buildinfo, govulncheck, ApiReport, CheckId, CheckLevel, ChecksError, FileLocation, Finding,
    ReleaseInput, Report,
};
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

struct Run<'a> {
    input: &'a ReleaseInput,
    report: Report,
}

impl Run<'_> {
    fn push(&mut self, f: Finding) {
        self.report.findings.push(f);
    }

    fn off(&self, id: CheckId) -> bool {
        self.input.config.level(id) == Some(CheckLevel::Off)
    }
}

pub(super) fn run(input: &ReleaseInput) -> Result<Report, ChecksError> {
    let module_dir = input
        .module_dir
        .canonicalize()
        .map_err(|e| ChecksError::ModuleDir(input.module_dir.clone(), e))?;
    let mut run = Run {
        input,
        report: Report::default(),
    };

    // go.mod first: the module path decides the tag prefix for a major-version subdirectory.
    let gomod_path = module_dir.join("go.mod");
    let cargo_path = module_dir.join("Cargo.toml");
    let is_go = gomod_path.is_file();
    let gomod = if is_go {
        check_gomod(&mut run, &module_dir)
    } else {
        None
    };
    if !is_go && !cargo_path.is_file() {
        run.push(
            Finding::error(
                CheckId::GoMod,
                format!("no go.mod (or Cargo.toml) in {}", module_dir.display()),
            )
            .hint("run the check in the module directory, or set the build's dir in tug.yaml"),
        );
    }
    let module_path = gomod
        .as_ref()
        .and_then(|m| m.module.as_ref().map(|l| l.value.clone()));

    // 1. Repository.
    let repo = Repo::discover(&module_dir);
    let head = repo.as_ref().and_then(|r| r.head_commit());
    match (&repo, head) {
        (None, _) => run.push(
            Finding::error(
                CheckId::GitRepo,
                format!("{} is not inside a git repository", module_dir.display()),
            )
            .hint("releases are cut from tags: git init, commit, then tag"),
        ),
        (Some(_), None) => run.push(
            Finding::error(CheckId::GitRepo, "the repository has no commits")
                .hint("commit the module, then tag it"),
        ),
        _ => {}
    }
    let (Some(repo), Some(head)) = (repo, head) else {
        // Without git there is no tag, history or previous release: only go.mod checks apply.
        version_checks_without_git(&mut run, gomod.as_ref(), &module_dir);
        tidy_and_vulns(&mut run, is_go, &module_dir)?;
        return Ok(run.report);
    };
    if repo.is_shallow() {
        run.push(
            Finding::warn(CheckId::ShallowClone, "the repository is a shallow clone: the previous tag and the release notes may be wrong")
                .hint("fetch the full history: git fetch --unshallow --tags (actions/checkout: fetch-depth: 0)"),
        );
    }

    // 2. Clean tree.
    let dirty = repo.dirty_files();
    if !dirty.is_empty() {
        let in_dist = dirty
            .iter()
            .any(|(p, _)| p.starts_with("dist/") || p.contains("/dist/"));
        let hint = if in_dist {
            "add dist/ to .gitignore; commit or stash the other changes (git stash -u)"
        } else {
            "commit or stash the changes (git stash -u) before releasing"
        };
        let n = dirty.len();
        run.push(
            Finding::error(
                CheckId::CleanTree,
                format!(
                    "the working tree has {n} uncommitted change{}",
                    if n == 1 { "" } else { "s" }
                ),
            )
            .details(dirty.iter().map(|(p, s)| format!("{s}: {p}")).collect())
            .hint(hint),
        );
    }

    // 3. Tag prefix and the version being released.
    let subdir = module_dir
        .strip_prefix(&repo.root)
        .unwrap_or(Path::new(""))
        .to_path_buf();
    let dir_prefix = tag_prefix_for(&subdir, module_path.as_deref());
    let prefix = match &input.config.tag_prefix {
        Some(p) => {
            let p = normalize_prefix(p);
            if is_go && p != dir_prefix {
                run.push(
                    Finding::error(
                        CheckId::TagSyntax,
                        format!(
                            "tag prefix '{p}' does not match the module directory: the go command only finds tags named '{dir_prefix}vX.Y.Z'"
                        ),
                    )
                    .hint(if dir_prefix.is_empty() {
                        "remove checks.tag_prefix from tug.yaml".to_string()
                    } else {
                        format!("set checks.tag_prefix to '{dir_prefix}' or remove it")
                    }),
                );
            }
            p
        }
        None => dir_prefix.clone(),
    };
    let releases: Vec<Release> = repo
        .tags()?
        .into_iter()
        .filter_map(|TagInfo { name, commit }| {
            let v = parse_tag_version(name.strip_prefix(&prefix)?).ok()?;
            Some(Release {
                tag: name,
                version: v,
                commit,
            })
        })
        .collect();

    let mut version: Option<semver::Version> = None;
    if let Some(requested) = &input.version {
        let text = requested.strip_prefix(&prefix).unwrap_or(requested);
        match parse_tag_version(text) {
            Ok(v) => version = Some(v),
            Err(e) => run.push(
                Finding::error(CheckId::TagSyntax, format!("version {e}")).hint(
                    "use canonical semver with a v and all three numbers: v1.2.0, v1.2.0-rc.1",
                ),
            ),
        }
        if let Some(v) = &version {
            let tag = format!("{prefix}{}", vstr(v));
            match releases.iter().find(|r| r.tag == tag) {
                Some(r) if r.commit != head => run.push(
                    Finding::error(
                        CheckId::TagReused,
                        format!(
                            "tag {tag} already exists on commit {}, not on HEAD ({})",
                            repo.short(r.commit),
                            repo.short(head)
                        ),
                    )
                    .hint("a published tag must never move: release the next version instead"),
                ),
                Some(_) => {}
                None => run.report.notes.push(format!("tag {tag} does not exist yet: create it on HEAD with git tag -a {tag} -m {tag}")),
            }
        }
    } else {
        let head_tags: Vec<String> = repo
            .tags()?
            .into_iter()
            .filter(|t| t.commit == head)
            .map(|t| t.name)
            .collect();
        let mut on_head: Vec<&Release> = releases.iter().filter(|r| r.commit == head).collect();
        on_head.sort_by(|a, b| a.version.cmp_precedence(&b.version));
        if let Some(r) = on_head.last() {
            version = Some(r.version.clone());
        } else if let Some(bad) = head_tags
            .iter()
            .find(|t| t.starts_with(&prefix) || prefix.is_empty())
        {
            let why = match parse_tag_version(bad.strip_prefix(&prefix).unwrap_or(bad)) {
                Err(e) => e.to_string(),
                Ok(_) => format!("it does not start with the tag prefix '{prefix}'"),
            };
            run.push(
                Finding::error(
                    CheckId::TagSyntax,
                    format!("tag '{bad}' on HEAD is not a release tag: {why}"),
                )
                .hint(format!(
                    "tag releases as {prefix}vMAJOR.MINOR.PATCH, e.g. {prefix}v1.2.0"
                )),
            );
        } else {
            let hint = match head_tags.first() {
                Some(t) => format!("HEAD is tagged '{t}', but this module's tags look like '{prefix}v1.2.3'"),
                None => "tag it: git tag -a <version> -m <version>, or pass --version to check a version before tagging".into(),
            };
            run.push(
                Finding::error(
                    CheckId::TagOnHead,
                    format!("HEAD ({}) has no release tag", repo.short(head)),
                )
                .hint(hint),
            );
        }
    }
    run.report.version = version.as_ref().map(vstr);
    run.report.tag = version.as_ref().map(|v| format!("{prefix}{}", vstr(v)));

    // 4. Major version vs module path.
    if let (Some(v), Some(m)) = (&version, gomod.as_ref().and_then(|g| g.module.as_ref())) {
        if let Err(problem) = check_major_matches(&m.value, v.major) {
            let hint = if v.major >= 2
                && split_path_version(&m.value).and_then(|(_, s)| s).is_none()
            {
                format!("change the module line to `module {}/v{}` (and update imports), or release a v1 version", m.value, v.major)
            } else {
                "tag a version whose major matches the module path's /vN suffix".to_string()
            };
            run.push(
                Finding::error(CheckId::MajorVersion, problem)
                    .at(FileLocation::new("go.mod", m.line, 1))
                    .hint(hint),
            );
        }
    }

    // 5. Monotonic.
    let others: Vec<&Release> = releases.iter().filter(|r| r.commit != head).collect();
    if let Some(v) = &version {
        let same_major = |r: &&&Release| r.version.major == v.major;
        if let Some(latest) = others
            .iter()
            .filter(same_major)
            .max_by(|a, b| a.version.cmp_precedence(&b.version))
        {
            if v.cmp_precedence(&latest.version) != std::cmp::Ordering::Greater
                && latest.version != *v
            {
                if input.backport {
                    let line = others
                        .iter()
                        .filter(|r| r.version.major == v.major && r.version.minor == v.minor)
                        .max_by(|a, b| a.version.cmp_precedence(&b.version));
                    if let Some(line_latest) = line {
                        if v.cmp_precedence(&line_latest.version) != std::cmp::Ordering::Greater {
                            run.push(
                                Finding::error(
                                    CheckId::VersionMonotonic,
                                    format!(
                                        "backport {} is not above the latest v{}.{} release {}",
                                        vstr(v),
                                        v.major,
                                        v.minor,
                                        line_latest.tag
                                    ),
                                )
                                .hint(format!(
                                    "release v{}.{}.{}",
                                    v.major,
                                    v.minor,
                                    line_latest.version.patch + 1
                                )),
                            );
                        }
                    }
                } else {
                    run.push(
                        Finding::error(
                            CheckId::VersionMonotonic,
                            format!(
                                "{} is not above the latest v{} release {}",
                                vstr(v),
                                v.major,
                                latest.tag
                            ),
                        )
                        .hint(format!(
                            "release {} or newer, or pass --backport for a patch on an older line",
                            vstr(&semver::Version::new(
                                latest.version.major,
                                latest.version.minor,
                                latest.version.patch + 1
                            ))
                        )),
                    );
                }
            }
        }
    }

    // 6. Branch.
    let globs = input.config.branch_globs();
    let matchers: Vec<_> = globs
        .iter()
        .filter_map(|g| Glob::new(g).ok().map(|g| g.compile_matcher()))
        .collect();
    let allowed = |name: &str| matchers.iter().any(|m| m.is_match(name));
    match repo.branch() {
        Some(b) if allowed(&b) => {}
        Some(b) => run.push(
            Finding::error(
                CheckId::Branch,
                format!(
                    "branch '{b}' is not allowed for releases (allowed: {})",
                    globs.join(", ")
                ),
            )
            .hint(
                "merge into an allowed branch and tag there, or add the branch to checks.branches",
            ),
        ),
        None => {
            let containing = repo.branches_containing(head);
            if !containing.iter().any(|b| allowed(b)) {
                run.push(
                    Finding::error(
                        CheckId::Branch,
                        format!("HEAD is detached and not on an allowed branch (allowed: {})", globs.join(", ")),
                    )
                    .hint("check out the release branch (git checkout main) or fetch it so tug can see HEAD is on it"),
                );
            }
        }
    }

    // 8. Retractions.
    if let (Some(v), Some(g)) = (&version, &gomod) {
        retraction_check(&mut run, g, &vstr(v));
    }

    // Cargo packages: the manifest version must be the tag's.
    if !is_go && cargo_path.is_file() {
        if let Some(v) = &version {
            cargo_version_check(&mut run, &cargo_path, v);
        }
    }

    // 9. API compatibility with the previous release.
    let previous = {
        let mut candidates: Vec<&Release> = others
            .iter()
            .copied()
            .filter(|r| {
                version
                    .as_ref()
                    .is_none_or(|v| r.version.cmp_precedence(v) == std::cmp::Ordering::Less)
            })
            .collect();
        candidates.sort_by(|a, b| a.version.cmp_precedence(&b.version));
        candidates.last().map(|r| (*r).clone())
    };
    run.report.previous_tag = previous.as_ref().map(|r| r.tag.clone());
    // 9 and 7b run side by side: the API helper and `go mod tidy -diff` are both mostly waiting
    // on Go, and a release check should take as long as the slower of the two.
    let go_module = is_go && gomod.is_some();
    let want_api = go_module && !run.off(CheckId::ApiCompat);
    let want_tidy = go_module && !run.off(CheckId::Tidy);
    let go = if want_api || want_tidy {
        Some(GoTool::find()?)
    } else {
        None
    };
    let tidy_result = std::thread::scope(|s| -> Result<_, ChecksError> {
        let tidy = want_tidy.then(|| {
            let go = go.as_ref().expect("go found");
            let dir = module_dir.as_path();
            s.spawn(move || tidy_result(go, dir))
        });
        if want_api {
            api_check(
                &mut run,
                &repo,
                &subdir,
                &module_dir,
                previous.as_ref(),
                version.as_ref(),
                &prefix,
                go.as_ref().expect("go found"),
            )?;
        }
        Ok(tidy.map(|h| h.join().expect("tidy thread")))
    })?;
    if let (Some(tag), true) = (&run.report.suggested_tag, version.is_none()) {
        let tag = tag.clone();
        for f in run
            .report
            .findings
            .iter_mut()
            .filter(|f| f.check == CheckId::TagOnHead)
        {
            f.hint = Some(format!(
                "tag it: git tag -a {tag} -m {tag} (the version the API changes call for)"
            ));
        }
    }

    // 10. Build info of built binaries.
    if let Some(v) = &version {
        let found = check_binaries(&input.binaries, &vstr(v));
        run.report.findings.extend(found);
    }

    // 7b, 11: tidy (computed above) and govulncheck.
    if let Some(result) = tidy_result {
        push_tidy(&mut run, result);
    }
    if go_module {
        vuln_check(&mut run, &module_dir);
    }
    Ok(run.report)
}

fn version_checks_without_git(run: &mut Run, gomod: Option<&GoMod>, _dir: &Path) {
    let Some(requested) = &run.input.version else {
        return;
    };
    match parse_tag_version(requested) {
        Err(e) => run.push(Finding::error(CheckId::TagSyntax, format!("version {e}"))),
        Ok(v) => {
            if let Some(g) = gomod {
                retraction_check(run, g, &vstr(&v));
                if let Some(m) = &g.module {
                    if let Err(p) = check_major_matches(&m.value, v.major) {
                        run.push(
                            Finding::error(CheckId::MajorVersion, p)
                                .at(FileLocation::new("go.mod", m.line, 1)),
                        );
                    }
                }
            }
            run.report.version = Some(vstr(&v));
        }
    }
}

fn tidy_and_vulns(run: &mut Run, is_go: bool, dir: &Path) -> Result<(), ChecksError> {
    if !is_go {
        return Ok(());
    }
    let text = std::fs::read_to_string(dir.join("go.mod")).unwrap_or_default();
    if GoMod::parse(&text).is_ok() && !run.off(CheckId::Tidy) {
        let go = GoTool::find()?;
        tidy_check(run, &go, dir);
    }
    vuln_check(run, dir);
    Ok(())
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

/// 7: go.mod well formed, module path valid, no replace, no exclude, go.sum complete.
fn check_gomod(run: &mut Run, dir: &Path) -> Option<GoMod> {
    let text = match std::fs::read_to_string(dir.join("go.mod")) {
        Ok(t) => t,
        Err(e) => {
            run.push(Finding::error(
                CheckId::GoMod,
                format!("cannot read go.mod: {e}"),
            ));
            return None;
        }
    };
    let g = match GoMod::parse(&text) {
        Ok(g) => g,
        Err(e) => {
            run.push(
                Finding::error(
                    CheckId::GoMod,
                    format!("go.mod is malformed: {}", e.message),
                )
                .at(FileLocation::new("go.mod", e.line, e.column))
                .hint("fix the line; `go mod edit -fmt` shows what the go command accepts"),
            );
            return None;
        }
    };
    match &g.module {
        None => run.push(
            Finding::error(CheckId::GoMod, "go.mod has no module directive")
                .at(FileLocation::new("go.mod", 1, 1))
                .hint("add `module example.com/name` as the first line"),
        ),
        Some(m) => {
            if let Err(e) = check_module_path(&m.value) {
                run.push(
                    Finding::error(CheckId::GoMod, e.to_string())
                        .at(FileLocation::new("go.mod", m.line, 1))
                        .hint("a released module path looks like example.com/org/name (lower-case host with a dot)"),
                );
            }
        }
    }
    if g.go.is_none() {
        run.push(
            Finding::error(CheckId::GoMod, "go.mod has no go directive")
                .at(FileLocation::new("go.mod", 1, 1))
                .hint("run `go mod edit -go=1.22` (the oldest Go version the module supports)"),
        );
    }
    for r in &g.replaces {
        let old = match &r.old_version {
            Some(v) => format!("{} {v}", r.old_path),
            None => r.old_path.clone(),
        };
        let new = match &r.new_version {
            Some(v) => format!("{} {v}", r.new_path),
            None => r.new_path.clone(),
        };
        run.push(
            Finding::error(CheckId::Replace, format!("go.mod replaces {old} => {new}"))
                .at(FileLocation::new("go.mod", r.line, 1))
                .hint("remove the replace directive: a released module with replace cannot be `go install`ed, and dependents ignore it"),
        );
    }
    for x in &g.excludes {
        run.push(
            Finding::warn(
                CheckId::Exclude,
                format!("go.mod excludes {} {}", x.path, x.version),
            )
            .at(FileLocation::new("go.mod", x.line, 1))
            .hint("dependents ignore exclude directives: require a fixed version instead"),
        );
    }
    if !g.requires.is_empty() && !run.off(CheckId::GoSum) {
        match std::fs::read_to_string(dir.join("go.sum")) {
            Err(_) => run.push(
                Finding::error(
                    CheckId::GoSum,
                    format!(
                        "go.sum is missing but go.mod requires {} module(s)",
                        g.requires.len()
                    ),
                )
                .hint("run `go mod tidy` and commit go.sum"),
            ),
            Ok(sum) => {
                let mut have = std::collections::HashSet::new();
                for line in sum.lines() {
                    let mut f = line.split_whitespace();
                    if let (Some(p), Some(v)) = (f.next(), f.next()) {
                        have.insert((p.to_string(), v.trim_end_matches("/go.mod").to_string()));
                    }
                }
                for r in &g.requires {
                    if !have.contains(&(r.path.clone(), r.version.clone())) {
                        run.push(
                            Finding::error(
                                CheckId::GoSum,
                                format!("go.sum has no checksum for {} {}", r.path, r.version),
                            )
                            .at(FileLocation::new("go.mod", r.line, 1))
                            .hint("run `go mod tidy` and commit go.sum"),
                        );
                    }
                }
            }
        }
    }
    Some(g)
}

fn retraction_check(run: &mut Run, g: &GoMod, version: &str) {
    let retraction = g.retraction_of(version);
    match (retraction, run.input.retraction_only) {
        (Some(r), false) => {
            let range = if r.low == r.high { r.low.clone() } else { format!("[{}, {}]", r.low, r.high) };
            let why = r.rationale.as_deref().map(|s| format!(" ({s})")).unwrap_or_default();
            run.push(
                Finding::error(CheckId::Retracted, format!("{version} is retracted by go.mod: retract {range}{why}"))
                    .at(FileLocation::new("go.mod", r.line, 1))
                    .hint("release a version outside the retracted range, or pass --retraction-only for a release that only publishes retractions"),
            );
        }
        (None, true) => run.push(
            Finding::error(CheckId::Retracted, format!("a retraction-only release must retract itself, but go.mod does not retract {version}"))
                .hint(format!("add `retract {version} // contains retractions only` to go.mod")),
        ),
        _ => {}
    }
}

fn cargo_version_check(run: &mut Run, cargo_toml: &Path, v: &semver::Version) {
    let text = std::fs::read_to_string(cargo_toml).unwrap_or_default();
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
            let found = value.trim().trim_matches('"');
            if found != v.to_string() {
                run.push(
                    Finding::error(
                        CheckId::CargoVersion,
                        format!("Cargo.toml version {found} does not match the release v{v}"),
                    )
                    .at(FileLocation::new("Cargo.toml", i + 1, 1))
                    .hint(format!("set version = \"{v}\" in Cargo.toml and commit")),
                );
            }
            return;
        }
        if rest.starts_with(".workspace") {
            run.report.notes.push(
                "Cargo.toml takes its version from the workspace: cargo-version not checked".into(),
            );
            return;
        }
    }
    run.push(
        Finding::error(CheckId::CargoVersion, "Cargo.toml has no [package] version")
            .hint(format!("add version = \"{v}\"")),
    );
}

#[allow(clippy::too_many_arguments)]
fn api_check(
    run: &mut Run,
    repo: &Repo,
    subdir: &Path,
    module_dir: &Path,
    previous: Option<&Release>,
    version: Option<&semver::Version>,
    prefix: &str,
    go: &GoTool,
) -> Result<(), ChecksError> {
    let Some(prev) = previous else {
        run.report
            .notes
            .push("no earlier release tag: the API has nothing to be compared with".into());
        return Ok(());
    };
    if let Some(v) = version {
        if v.major != prev.version.major {
            run.report.notes.push(format!(
                "{} starts a new major version: API changes since {} are allowed",
                vstr(v),
                prev.tag
            ));
            return Ok(());
        }
    }
    let helper = apidiff::ensure_helper(go)?;
    // A tag's tree never changes, so its API is cached per helper build, commit and directory.
    let cached = apidiff::cached_api_path(go, prev.commit.to_string().as_str(), subdir);
    let (old, new) = match apidiff::read_cached(&cached) {
        Some(old) => (Ok(old), apidiff::module_api(&helper, go, module_dir)),
        None => {
            let old_tree = tempfile::Builder::new()
                .prefix("tug-api-")
                .tempdir()
                .map_err(|e| ChecksError::Other(e.to_string()))?;
            if let Err(e) = repo.extract_tree(prev.commit, subdir, old_tree.path()) {
                run.report.notes.push(format!(
                    "the module directory does not exist at {}: API not compared ({e})",
                    prev.tag
                ));
                return Ok(());
            }
            let (old, new) = std::thread::scope(|s| {
                let old = s.spawn(|| apidiff::module_api(&helper, go, old_tree.path()));
                let new = apidiff::module_api(&helper, go, module_dir);
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
        if let Some(first) = api.errors.as_ref().and_then(|e| e.first()) {
            let n = api.errors.as_ref().map_or(0, Vec::len);
            run.report.notes.push(format!(
                "the API at {at} has {n} type error(s), so some signatures may be incomplete; first: {first}"
            ));
        }
    }
    let diff = apidiff::diff(&old, &new);
    let suggested = apidiff::suggest(&prev.version, &diff);
    run.report.suggested_tag = Some(format!("{prefix}{}", vstr(&suggested)));
    run.report.api = Some(ApiReport {
        previous_tag: prev.tag.clone(),
        packages: diff.packages,
        breaking: diff.breaking.clone(),
        added: diff.added.clone(),
    });
    if let Some(v) = version {
        api_findings(
            run,
            &prev.tag,
            &prev.version,
            v,
            &diff,
            &suggested,
            &new.module,
        );
    }
    Ok(())
}

fn api_findings(
    run: &mut Run,
    prev_tag: &str,
    prev: &semver::Version,
    v: &semver::Version,
    diff: &ApiDiff,
    suggested: &semver::Version,
    module: &str,
) {
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
        run.push(
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
            run.push(
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
            run.push(
                make(format!(
                    "incompatible API changes since {prev_tag} (allowed before v1)"
                ))
                .details(diff.breaking.clone())
                .hint("call them out in the release notes"),
            );
        }
    } else if !diff.added.is_empty() && same_minor && v.pre.is_empty() {
        run.push(
            make(format!(
                "API additions since {prev_tag} need a new minor version, not the patch release {}",
                vstr(v)
            ))
            .details(diff.added.clone())
            .hint(format!("release {}", vstr(suggested))),
        );
    }
}

fn tidy_check(run: &mut Run, go: &GoTool, dir: &Path) {
    push_tidy(run, tidy_result(go, dir));
}

/// `Ok(None)` when tidy, `Ok(Some(diff))` when not, `Err` when it could not be determined.
fn tidy_result(go: &GoTool, dir: &Path) -> Result<Option<String>, String> {
    if go.go_version().is_some_and(|v| v.at_least(1, 23)) {
        tidy_diff(go, dir)
    } else {
        tidy_copy(go, dir)
    }
}

fn push_tidy(run: &mut Run, result: Result<Option<String>, String>) {
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
        Err(e) => run.push(
            Finding::error(CheckId::Tidy, format!("could not check tidiness: {e}"))
                .hint("run `go mod tidy` yourself to see the problem (a missing module cache entry needs network access)"),
        ),
    }
}

fn go_command(go: &GoTool, dir: &Path) -> Command {
    let mut cmd = Command::new(&go.bin);
    cmd.current_dir(dir)
        .env("GOWORK", "off")
        .env("GOFLAGS", "-mod=mod");
    cmd
}

/// `go mod tidy -diff`: exit 0 tidy, exit 1 with a diff on stdout when untidy.
fn tidy_diff(go: &GoTool, dir: &Path) -> Result<Option<String>, String> {
    let out = go_command(go, dir)
        .args(["mod", "tidy", "-diff"])
        .output()
        .map_err(|e| e.to_string())?;
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    if out.status.success() {
        return Ok(None);
    }
    if !stdout.trim().is_empty() {
        return Ok(Some(stdout));
    }
    Err(String::from_utf8_lossy(&out.stderr)
        .trim()
        .lines()
        .next()
        .unwrap_or("go mod tidy -diff failed")
        .to_string())
}

/// Go < 1.23: tidy a temporary copy of the module and compare go.mod and go.sum.
fn tidy_copy(go: &GoTool, dir: &Path) -> Result<Option<String>, String> {
    let tmp = tempfile::Builder::new()
        .prefix("tug-tidy-")
        .tempdir()
        .map_err(|e| e.to_string())?;
    copy_module(dir, tmp.path()).map_err(|e| e.to_string())?;
    let out = go_command(go, tmp.path())
        .args(["mod", "tidy"])
        .output()
        .map_err(|e| e.to_string())?;
    if !out.status.success() {
        return Err(String::from_utf8_lossy(&out.stderr)
            .trim()
            .lines()
            .next()
            .unwrap_or("go mod tidy failed")
            .to_string());
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

fn vuln_check(run: &mut Run, dir: &Path) {
    if run.off(CheckId::Vuln) && run.off(CheckId::VulnImported) {
        return;
    }
    let Some(bin) = find_on_path("govulncheck") else {
        run.report.notes.push("govulncheck is not installed: vulnerabilities not checked (go install golang.org/x/vuln/cmd/govulncheck@latest)".into());
        return;
    };
    match govulncheck::run(&bin, dir) {
        Err(e) => run.push(
            Finding::warn(CheckId::Vuln, e.to_string())
                .hint("run govulncheck ./... to see the problem"),
        ),
        Ok(vulns) => {
            for f in vuln_findings(&vulns) {
                run.push(f);
            }
        }
    }
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
/// Non-Go files are skipped (a cargo or command build).
pub fn check_binaries(binaries: &[PathBuf], version: &str) -> Vec<Finding> {
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
            Some((module, v)) if v != version => out.push(
                Finding::error(
                    CheckId::BuildInfo,
                    format!("{name}: embedded version of {module} is {v}, expected {version}"),
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
}
