//! What to build, decided before anything runs: the plan types the command fills in
//! ([`BuildPlan`], [`Release`], [`Shard`]), each build with its defaults applied and its targets
//! checked against the toolchain ([`resolve`]), the targets this run selects (`--target`,
//! `--shard`: [`select`]) and every job's rendered commands ([`prepare`]).
//!
//! Apart from `resolve`, which asks the toolchains what they support, everything here is pure:
//! a plan in, values out, so it is unit-tested without running a compiler.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use crate::config::build::{
    ArchiveConfig, BuildConfig, Builder, ChecksumConfig, ReleaseNotesConfig,
};
use crate::git::CommitInfo;

use super::invoke::Invocation;
use super::target::{self, Target};
use super::template::{self, Vars};
use super::toolchain::{self, HostPaths};
use super::BuildError;

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

    pub(crate) fn target_vars(&self, t: &Target) -> Vars {
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

/// `--shard` text that is not `I/N` with `1 <= I <= N`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a shard I/N with 1 <= I <= N")]
pub struct ShardError(pub String);

impl std::str::FromStr for Shard {
    type Err = ShardError;
    fn from_str(s: &str) -> Result<Shard, ShardError> {
        let parse = || -> Option<Shard> {
            let (i, n) = s.split_once('/')?;
            let (index, count) = (i.trim().parse().ok()?, n.trim().parse().ok()?);
            (index >= 1 && index <= count).then_some(Shard { index, count })
        };
        parse().ok_or_else(|| ShardError(s.to_string()))
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
    /// The builds; empty only for a module release without binaries (a library).
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
    /// Where the toolchains and tug's cache are, read from the environment by the command.
    pub host: HostPaths,
    /// Settings every hook and build command runs with (for the second build of
    /// `--verify-reproducible`); empty for an ordinary build.
    pub children: ChildSetup,
    /// Whether release binaries must carry the values their `-ldflags -X` inject.
    pub embed_check: super::embed::EmbedCheck,
    /// The Go module's source release to write (zip, .mod, .info), when this build makes one.
    pub module: Option<super::module::ModuleSource>,
    /// SBOM formats written for every Go binary (`sbom.formats`); empty: none.
    pub sbom: Vec<crate::config::attest::SbomFormat>,
    /// The facts the release's provenance records, when tug.yaml has `provenance:`.
    pub provenance: Option<super::facts::ProvenanceInput>,
}

/// Extra settings for every child process: how `--verify-reproducible` makes its second build
/// differ from the first in everything that must not matter (build cache, temp dirs, umask).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChildSetup {
    /// Variables set for every hook and build command, over the build's own `env`.
    pub env: BTreeMap<String, String>,
    /// The umask children run with (`sh -c 'umask 027 && exec "$0" "$@"' ...`); `None` inherits
    /// tug's.
    pub umask: Option<u32>,
}

impl ChildSetup {
    /// Apply to one invocation: add the variables, wrap the command for the umask.
    pub(crate) fn apply(&self, mut inv: Invocation) -> Invocation {
        inv.env
            .extend(self.env.iter().map(|(k, v)| (k.clone(), v.clone())));
        inv.env_remove.retain(|k| !self.env.contains_key(k));
        if let Some(mask) = self.umask {
            let mut args = vec![
                "-c".to_string(),
                format!("umask {mask:03o} && exec \"$0\" \"$@\""),
                inv.program,
            ];
            args.append(&mut inv.args);
            inv.program = "sh".into();
            inv.args = args;
        }
        inv
    }
}

/// A build with its defaults applied and its targets parsed.
#[derive(Debug, Clone)]
pub(crate) struct Resolved {
    pub index: usize,
    pub id: String,
    pub cfg: BuildConfig,
    pub dir: PathBuf,
    pub targets: Vec<Target>,
    /// The go/cargo program (or `sh` for command builds).
    pub program: PathBuf,
}

/// A job ready to run: every template rendered.
#[derive(Debug, Clone)]
pub(crate) struct Prepared {
    pub build: String,
    pub target: Target,
    pub binary: String,
    /// Where the binary ends up in the staging directory.
    pub out: PathBuf,
    pub before: Vec<Invocation>,
    pub main: Invocation,
    pub after: Vec<Invocation>,
    /// For cargo and command builds: where the binary appears, copied to `out`.
    pub copy_from: Option<PathBuf>,
    /// For Go builds: the main package (`main`'s last argument), so that the jobs of one target
    /// can share one `go build` ([`super::schedule::units`]).
    pub go_main: Option<String>,
}

/// A rendered name that must be a plain file name (no directories).
pub(crate) fn check_file_name(field: &str, name: &str) -> Result<(), BuildError> {
    if name.is_empty() || name.contains('/') || name.contains('\\') || name == "." || name == ".." {
        return Err(BuildError::config(
            format!("{field} renders to {name:?}, which is not a plain file name"),
            Some("names must not be empty or contain `/`"),
        ));
    }
    Ok(())
}

/// The targets of a Go build without `targets:`: `goos` x `goarch` (default linux, darwin,
/// windows x amd64, arm64) minus `ignore`.
fn go_matrix(index: usize, cfg: &BuildConfig) -> Result<Vec<Target>, BuildError> {
    let or = |list: &[String], default: &[&str]| -> Vec<String> {
        if list.is_empty() {
            default.iter().map(|s| s.to_string()).collect()
        } else {
            list.to_vec()
        }
    };
    let oses = or(&cfg.goos, &["linux", "darwin", "windows"]);
    let arches = or(&cfg.goarch, &["amd64", "arm64"]);
    let mut out = Vec::new();
    for os in &oses {
        for arch in &arches {
            let t =
                Target::parse(&format!("{os}/{arch}")).map_err(|problem| BuildError::Target {
                    field: format!("builds[{index}]"),
                    problem,
                })?;
            if !cfg.ignore.iter().any(|i| *i == t.name || *i == t.os_arch()) {
                out.push(t);
            }
        }
    }
    Ok(out)
}

/// Apply defaults, parse targets, find toolchains, validate go targets.
pub(crate) fn resolve(plan: &BuildPlan) -> Result<Vec<Resolved>, BuildError> {
    if plan.builds.is_empty() && plan.module.is_some() {
        return Ok(Vec::new());
    }
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
                        Target::parse(&t.value).map_err(|problem| BuildError::Target {
                            field: format!("builds[{index}].targets"),
                            problem,
                        })
                    })
                    .collect()
            };
        let (targets, program) = match cfg.builder {
            Builder::Go => {
                let targets = match &cfg.targets {
                    Some(list) => parse_all(list)?,
                    None => go_matrix(index, cfg)?,
                };
                let go_name = cfg.gobinary.as_deref().unwrap_or("go");
                let go = toolchain::require("go", go_name, &plan.host)?;
                if !platforms.contains_key(&go) {
                    let loaded = target::GoPlatforms::load(&go, plan.host.cache_dir.as_deref())?;
                    platforms.insert(go.clone(), loaded);
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
                let cargo = toolchain::require("cargo", "cargo", &plan.host)?;
                toolchain::check_cargo_version(index, &dir, plan.release.tag.as_deref())?;
                let rustc = toolchain::require("rustc", "rustc", &plan.host)?;
                let triples: Vec<String> = match &cfg.targets {
                    Some(list) => list.iter().map(|t| t.value.clone()).collect(),
                    None => vec![toolchain::rustc_host(&rustc)?],
                };
                for t in &triples {
                    toolchain::check_rust_target_installed(&rustc, index, t)?;
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

/// (build, target) pairs to compile.
pub(crate) type Jobs<'a> = Vec<(&'a Resolved, Target)>;

/// The targets this run builds (after `--target` and `--shard`), and the jobs for them.
pub(crate) fn select<'a>(
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
pub(crate) fn prepare(
    plan: &BuildPlan,
    r: &Resolved,
    t: &Target,
    stage: &Path,
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

    let (main, copy_from, go_main) = match cfg.builder {
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
            // A vendored module whose go.mod predates go 1.14 builds from vendor/ only when told;
            // the user's own GOFLAGS `-mod=` (or the build's flags) win.
            let user_mod = plan
                .release
                .env
                .get("GOFLAGS")
                .is_some_and(|f| f.split_whitespace().any(|w| w.starts_with("-mod=")))
                || env_t.get("GOFLAGS").is_some_and(|f| f.contains("-mod="))
                || flags.iter().any(|f| f.starts_with("-mod="));
            if let Some(flag) = crate::gomod::vendor::ModMode::detect_dir(&r.dir).build_flag() {
                if !user_mod {
                    args.push(flag.into());
                }
            }
            // No `-p` and no GOMAXPROCS: each child may use every CPU, and the OS shares them
            // between the children running at once, so the CPUs of a finished child go to the
            // ones still running (a fixed share left cores idle during the last links).
            args.extend(["-o".into(), out.display().to_string()]);
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
            let go_main =
                template::render(&field("main"), cfg.main.as_deref().unwrap_or("."), &vars)?;
            args.push(go_main.clone());
            env.insert("GOOS".into(), t.os.clone());
            env.insert("GOARCH".into(), t.arch.clone());
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
                Some(go_main),
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
            let target_dir = env
                .get("CARGO_TARGET_DIR")
                .map(PathBuf::from)
                .or_else(|| plan.host.cargo_target_dir.clone())
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
                None,
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
            (inv, Some(r.dir.join(output)), None)
        }
    };
    let hook = |list: &[String], name: &str| -> Result<Vec<Invocation>, BuildError> {
        render_list(&field(&format!("hooks.{name}")), list, &vars).map(|cmds| {
            cmds.into_iter()
                .map(|c| {
                    plan.children.apply(Invocation {
                        program: "sh".into(),
                        args: vec!["-c".into(), c],
                        env: env.clone(),
                        env_remove: env_remove.clone(),
                        dir: r.dir.clone(),
                    })
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
        main: plan.children.apply(main),
        after: hook(&cfg.hooks.after, "after")?,
        copy_from,
        go_main,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Diagnostic;

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
            embed_check: Default::default(),
            module: None,
            sbom: vec![],
            provenance: None,
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
            host: HostPaths::default(),
            children: ChildSetup::default(),
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
    fn go_invocation_has_reproducible_flags_and_overrides() {
        let cfg: BuildConfig = serde_saphyr::from_str(
            "binary: \"{{ project }}-cli\"\nmain: ./cmd/hello\ntags: [netgo]\n\
             env: {CGO_ENABLED: \"0\", TOKEN: \"{{ env.TOKEN }}\"}\n\
             overrides:\n  - targets: [linux/arm/7]\n    env: {CGO_ENABLED: \"1\"}\n    ldflags: [\"-X main.arm=yes\"]\n",
        )
        .unwrap();
        let plan = plan_with(cfg.clone());
        let r = resolved(&cfg, &["linux/arm/7", "windows/amd64"]);
        let stage = Path::new("/stage");
        let arm = prepare(&plan, &r, &r.targets[0], stage).unwrap();
        assert_eq!(arm.out, Path::new("/stage/hello_linux_armv7/hello-cli"));
        assert_eq!(
            arm.main.args,
            [
                "build",
                "-trimpath",
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
                "GOOS=linux",
                "TOKEN=x"
            ]
        );
        let win = prepare(&plan, &r, &r.targets[1], stage).unwrap();
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
        let err = prepare(&plan, &r, &r.targets[0], Path::new("/s")).unwrap_err();
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
    fn child_setup_adds_variables_and_wraps_for_the_umask() {
        let inv = Invocation {
            program: "/usr/bin/go".into(),
            args: vec!["build".into(), ".".into()],
            env: [("GOCACHE".to_string(), "/mine".to_string())].into(),
            env_remove: vec!["TMPDIR".into()],
            dir: PathBuf::from("/src"),
        };
        assert_eq!(ChildSetup::default().apply(inv.clone()), inv);
        let setup = ChildSetup {
            env: [
                ("GOCACHE".to_string(), "/fresh".to_string()),
                ("TMPDIR".to_string(), "/tmp2".to_string()),
            ]
            .into(),
            umask: Some(0o027),
        };
        let got = setup.apply(inv);
        assert_eq!(got.program, "sh");
        assert_eq!(
            got.args,
            [
                "-c",
                "umask 027 && exec \"$0\" \"$@\"",
                "/usr/bin/go",
                "build",
                "."
            ]
        );
        assert_eq!(got.env["GOCACHE"], "/fresh");
        assert_eq!(got.env["TMPDIR"], "/tmp2");
        assert!(got.env_remove.is_empty());
    }

    #[test]
    fn go_matrix_defaults_and_ignores() {
        let names = |cfg: &BuildConfig| -> Vec<String> {
            go_matrix(0, cfg)
                .unwrap()
                .into_iter()
                .map(|t| t.name)
                .collect()
        };
        assert_eq!(
            names(&BuildConfig::default()),
            [
                "linux/amd64",
                "linux/arm64",
                "darwin/amd64",
                "darwin/arm64",
                "windows/amd64",
                "windows/arm64"
            ]
        );
        let cfg = BuildConfig {
            goos: vec!["linux".into(), "windows".into()],
            goarch: vec!["amd64".into(), "arm64".into()],
            ignore: vec!["windows/arm64".into()],
            ..Default::default()
        };
        assert_eq!(names(&cfg), ["linux/amd64", "linux/arm64", "windows/amd64"]);
        let bad = BuildConfig {
            goos: vec!["".into()],
            ..Default::default()
        };
        let err = go_matrix(3, &bad).unwrap_err();
        assert!(err.to_string().starts_with("builds[3]: "), "{err}");
    }
}
