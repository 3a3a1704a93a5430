//! Generated CI pipelines (`tug ci github|gitlab`): the CI system's matrix of runners is how a
//! release grows past one machine, and the wiring between tug's stages (shard dists passed as
//! uniquely named artifacts, the signing secret given to the sign job alone, rollouts gated on
//! publish and on tug's exit codes) is where hand-written pipelines break. This engine turns the
//! resolved tug.yaml into a [`Pipeline`] plan ([`plan`]) and renders it ([`github`], [`gitlab`]) as
//! text that depends only on its input (same tug.yaml and options, same bytes). It does no I/O:
//! the command reads and writes files; [`diff`] explains a stale file for `--check`.

pub mod diff;
pub mod github;
pub mod gitlab;

use std::collections::BTreeSet;

use crate::build::Target;
use crate::config::build::Builder;
use crate::config::publish::PublisherConfig;
use crate::config::Config;
use crate::error::Diagnostic;

/// The most build shards a generated pipeline fans out to.
pub const MAX_SHARDS: usize = 8;

/// Environment names whose rollout waits for a human approval without being asked to.
pub const PRODUCTION_NAMES: [&str; 2] = ["prod", "production"];

/// Which CI system to write for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Provider {
    /// GitHub Actions (`.github/workflows/release.yml`).
    Github,
    /// GitLab CI (`.gitlab-ci.yml`).
    Gitlab,
}

impl Provider {
    /// `github` or `gitlab`, as the command names it.
    pub fn name(self) -> &'static str {
        match self {
            Provider::Github => "github",
            Provider::Gitlab => "gitlab",
        }
    }

    /// Where the pipeline file lives, relative to the repository root.
    pub fn default_path(self) -> &'static str {
        match self {
            Provider::Github => ".github/workflows/release.yml",
            Provider::Gitlab => ".gitlab-ci.yml",
        }
    }
}

/// What the command passes besides tug.yaml.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// The shell command that puts `tug` on PATH in every job (`--install`; else `ci.install`).
    pub install: Option<String>,
    /// Environments that need a manual approval besides those named prod/production.
    pub manual: Vec<String>,
    /// GitLab: the job image (`--image`; else `ci.image`; else [`DEFAULT_IMAGE`]).
    pub image: Option<String>,
}

pub use crate::config::ci::DEFAULT_IMAGE;

/// How every job gets tug.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Install {
    /// This shell command puts `tug` on PATH.
    Command(String),
    /// Nothing says how: the step fails, saying to set `ci.install` (tug cannot know where the
    /// runners get it from, and a guess would fail later, less clearly).
    Unset,
}

impl Install {
    /// The step's shell line.
    pub fn line(&self, provider: Provider) -> String {
        match self {
            Install::Command(c) => c.clone(),
            Install::Unset => {
                let (command, tag) = match provider {
                    Provider::Github => ("tug ci github", "::error::"),
                    Provider::Gitlab => ("tug ci gitlab", ""),
                };
                format!(
                    "echo \"{tag}no command installs tug in this job: set ci.install in tug.yaml (for example cargo install --locked --git <tug's repository URL> --tag v{} tug), then run '{command}' again\"; exit 1",
                    env!("CARGO_PKG_VERSION")
                )
            }
        }
    }
}

/// How a rollout job is started.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Approval {
    /// Right after publish (and, for gated environments, after the automatic ones).
    Automatic,
    /// Only after a human approved it (GitHub environment reviewers, GitLab `when: manual`).
    Manual,
}

/// One rollout job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rollout {
    pub environment: String,
    pub approval: Approval,
    /// The files this environment's rollout needs that a checkout does not hold, each from a CI
    /// secret given to this job alone.
    pub secrets: Vec<DeploySecret>,
    /// The environment variables this environment's `notify:` webhooks reference (`env://VAR`,
    /// `${VAR}` in a `url` or a header), each from the CI secret of that name. Unlike `secrets`
    /// they stay in `tug rollout`'s environment: it resolves them when it sends a notification.
    pub notify_vars: Vec<String>,
}

/// What a deploy secret holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecretKind {
    /// The private ssh key the hosts accept (`target.identity_file`, or ssh's own choice).
    SshKey,
    /// The hosts' known_hosts lines (`target.known_hosts`, or ssh's default file).
    KnownHosts,
    /// An ssh_config file (`target.ssh_config`) that is not in the repository.
    SshConfig,
    /// The release public key (`public_key`) when it is a file outside the repository.
    PublicKey,
}

impl SecretKind {
    /// What to store in the secret, for the generated comments.
    pub fn describe(self) -> &'static str {
        match self {
            SecretKind::SshKey => "the private ssh key the hosts accept",
            SecretKind::KnownHosts => {
                "the hosts' known_hosts lines (checked out of band, e.g. ssh-keyscan on a trusted machine)"
            }
            SecretKind::SshConfig => "the ssh_config file",
            SecretKind::PublicKey => "the PEM public key releases are verified with",
        }
    }
}

/// Where a rollout job puts a secret before `tug rollout`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecretDest {
    /// Added to an ssh-agent started for the step (ssh's own choice of key then finds it, with or
    /// without an ssh_config).
    Agent,
    /// Written to this file (a shell word; the checkout is the working directory), mode 600 when
    /// `private`; appended when `append` (ssh's default known_hosts).
    File {
        path: String,
        private: bool,
        append: bool,
    },
}

/// One secret a rollout job receives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeploySecret {
    /// The CI secret (GitHub) or CI/CD variable (GitLab) name.
    pub var: String,
    pub kind: SecretKind,
    pub dest: SecretDest,
}

/// The signing job's secrets: both are environment variables filled from the CI's secret store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signing {
    /// The variable `sign.key: env://VAR` names (the PEM text of cosign.key).
    pub key_var: String,
    /// The variable holding the key's password.
    pub password_var: String,
}

/// The pipeline, independent of the CI system.
#[derive(Debug, Clone)]
pub struct Pipeline {
    pub project: String,
    /// Release tags start with this (`project.tag_prefix`).
    pub tag_prefix: String,
    /// Number of distinct build targets in tug.yaml.
    pub targets: usize,
    /// Number of build shards (`tug build --shard I/N`).
    pub shards: usize,
    pub signing: Option<Signing>,
    /// The variable a `github` publisher reads its token from, when there is one.
    pub github_token_var: Option<String>,
    pub rollouts: Vec<Rollout>,
    pub install: Install,
    pub image: String,
    /// Directories the `dir` publishers write (relative to the checkout, before the first
    /// templated part): the publish job keeps them as an artifact, or they would be discarded
    /// with its workspace.
    pub published_dirs: Vec<String>,
    /// What the pipeline cannot do for tug.yaml, for the command to warn about.
    pub warnings: Vec<String>,
}

/// A tug.yaml this engine cannot wire into a pipeline.
#[derive(Debug, thiserror::Error)]
pub enum CiError {
    #[error("sign.key is {0:?}: a CI job can only receive the signing key from its secret store")]
    KeyNotEnv(String),
    #[error(
        "sign.password is {0:?}: a CI job can only receive the key password from its secret store"
    )]
    PasswordNotEnv(String),
    #[error("--manual {0}: no such environment in tug.yaml")]
    UnknownEnvironment(String),
    #[error("builds[{index}]: target {target:?} is not os/arch[/variant]")]
    Target { index: usize, target: String },
}

impl Diagnostic for CiError {
    fn exit_code(&self) -> crate::ExitCode {
        crate::ExitCode::Usage
    }
    fn hint(&self) -> Option<String> {
        Some(match self {
            CiError::KeyNotEnv(_) => {
                "set `sign.key: env://COSIGN_KEY` in tug.yaml and store the PEM text of cosign.key \
                 as the CI secret COSIGN_KEY"
                    .into()
            }
            CiError::PasswordNotEnv(_) => {
                "set `sign.password: env://COSIGN_PASSWORD` (or leave it out) and store the \
                 password as the CI secret COSIGN_PASSWORD"
                    .into()
            }
            CiError::UnknownEnvironment(_) => "name an environment under `environments:`".into(),
            CiError::Target { .. } => "run `tug check` for the details".into(),
        })
    }
}

/// The shard count for `targets` targets: two targets per runner, at most [`MAX_SHARDS`].
pub fn shard_count(targets: usize) -> usize {
    targets.div_ceil(2).clamp(1, MAX_SHARDS)
}

/// The distinct targets tug.yaml builds (the same defaults `tug build` applies: a Go build
/// without `targets:` builds `goos` x `goarch`, default linux, darwin, windows x amd64, arm64,
/// minus `ignore`; no `builds:` means one default Go build per main package, all with that
/// matrix; a cargo or command build without targets builds for the host).
pub fn count_targets(config: &Config) -> Result<usize, CiError> {
    let default_matrix = || -> Vec<String> {
        let mut v = Vec::new();
        for os in ["linux", "darwin", "windows"] {
            for arch in ["amd64", "arm64"] {
                v.push(format!("{os}/{arch}"));
            }
        }
        v
    };
    if config.builds.is_empty() {
        return Ok(default_matrix().len());
    }
    let mut names = BTreeSet::new();
    for (index, cfg) in config.builds.iter().enumerate() {
        let listed: Vec<String> = match (&cfg.targets, cfg.builder) {
            (Some(list), _) => list.iter().map(|t| t.value.clone()).collect(),
            (None, Builder::Go) => {
                let or = |list: &[String], default: &[&str]| -> Vec<String> {
                    if list.is_empty() {
                        default.iter().map(|s| s.to_string()).collect()
                    } else {
                        list.to_vec()
                    }
                };
                let mut v = Vec::new();
                for os in or(&cfg.goos, &["linux", "darwin", "windows"]) {
                    for arch in or(&cfg.goarch, &["amd64", "arm64"]) {
                        let name = format!("{os}/{arch}");
                        if !cfg.ignore.contains(&name) {
                            v.push(name);
                        }
                    }
                }
                v
            }
            (None, _) => vec!["host".into()],
        };
        for t in listed {
            if t == "host" {
                names.insert(t);
                continue;
            }
            let parsed = Target::parse(&t).map_err(|_| CiError::Target {
                index,
                target: t.clone(),
            })?;
            names.insert(parsed.name);
        }
    }
    Ok(names.len())
}

/// The variable an `env://VAR` reference names.
fn env_var(reference: &str) -> Option<&str> {
    reference
        .strip_prefix("env://")
        .filter(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
}

/// The upper-case form of an environment name in a secret's name (`prod-eu` -> `PROD_EU`).
pub fn secret_suffix(environment: &str) -> String {
    environment
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_uppercase()
            } else {
                '_'
            }
        })
        .collect()
}

/// A path from tug.yaml as a shell word for a job whose working directory is the checkout:
/// `~/x` becomes `"$HOME"/x`.
fn shell_path(path: &str) -> String {
    match path.strip_prefix("~/") {
        Some(rest) => format!("\"$HOME\"/{}", sh_quote(rest)),
        None => sh_quote(path),
    }
}

/// The secrets the rollout of environment `name` needs: the files its target and `public_key`
/// name that the checkout does not hold (`in_repo` says which are committed), and for an ssh
/// target without `identity_file` or `known_hosts`, a key for ssh's own choice and the hosts'
/// keys for ssh's default known_hosts (a fresh runner has neither).
pub fn deploy_secrets(
    name: &str,
    env: &crate::config::deploy::EnvironmentConfig,
    in_repo: &dyn Fn(&str) -> bool,
) -> Vec<DeploySecret> {
    use crate::config::deploy::TargetKind;
    let suffix = secret_suffix(name);
    let mut out = Vec::new();
    let file = |path: &str, private: bool| SecretDest::File {
        path: shell_path(path),
        private,
        append: false,
    };
    if env.target.kind == TargetKind::Ssh {
        let t = &env.target;
        let dest = match &t.identity_file {
            None => Some(SecretDest::Agent),
            Some(p) if !in_repo(p) => Some(file(p, true)),
            Some(_) => None,
        };
        if let Some(dest) = dest {
            out.push(DeploySecret {
                var: format!("DEPLOY_{suffix}_SSH_KEY"),
                kind: SecretKind::SshKey,
                dest,
            });
        }
        let dest = match &t.known_hosts {
            None => Some(SecretDest::File {
                path: "\"$HOME\"/.ssh/known_hosts".into(),
                private: false,
                append: true,
            }),
            Some(p) if !in_repo(p) => Some(file(p, false)),
            Some(_) => None,
        };
        if let Some(dest) = dest {
            out.push(DeploySecret {
                var: format!("DEPLOY_{suffix}_KNOWN_HOSTS"),
                kind: SecretKind::KnownHosts,
                dest,
            });
        }
        if let Some(p) = t.ssh_config.as_deref().filter(|p| !in_repo(p)) {
            out.push(DeploySecret {
                var: format!("DEPLOY_{suffix}_SSH_CONFIG"),
                kind: SecretKind::SshConfig,
                dest: file(p, false),
            });
        }
    }
    if let Some(k) = env
        .public_key
        .as_deref()
        .filter(|k| !k.trim_start().starts_with("-----BEGIN") && !in_repo(k))
    {
        out.push(DeploySecret {
            var: format!("DEPLOY_{suffix}_PUBLIC_KEY"),
            kind: SecretKind::PublicKey,
            dest: file(k, false),
        });
    }
    out
}

/// What a `notify:` variable holds, for the generated comments.
pub(crate) const NOTIFY_SECRET: &str =
    "a notify: webhook's URL or header secret (tug rollout reads it to send notifications)";

/// The environment variables the webhooks `hooks` reference in their `url` or a header value
/// (`env://VAR` as the whole value, `${VAR}` anywhere), sorted, each once; and the `file://`
/// paths they reference.
pub fn notify_refs(hooks: &[crate::config::notify::WebhookConfig]) -> (Vec<String>, Vec<String>) {
    let mut vars = std::collections::BTreeSet::new();
    let mut files = std::collections::BTreeSet::new();
    let values = hooks.iter().flat_map(|h| {
        std::iter::once(h.url.value.as_str()).chain(h.headers.values().map(String::as_str))
    });
    for value in values {
        if let Some(var) = env_var(value) {
            vars.insert(var.to_string());
            continue;
        }
        if let Some(path) = value.strip_prefix("file://") {
            files.insert(path.to_string());
            continue;
        }
        let mut rest = value;
        while let Some(start) = rest.find("${") {
            let after = &rest[start + 2..];
            let Some(end) = after.find('}') else { break };
            let name = &after[..end];
            if !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                vars.insert(name.to_string());
            }
            rest = &after[end + 1..];
        }
    }
    (vars.into_iter().collect(), files.into_iter().collect())
}

/// The shell lines that put a rollout job's secrets in place and then unset them, so `tug
/// rollout` (and what it starts) does not carry them in its environment. A secret that is not
/// set stops the job, naming it.
pub(crate) fn secret_lines(secrets: &[DeploySecret]) -> Vec<String> {
    let mut out = Vec::new();
    for s in secrets {
        let value = format!("\"${{{v}:?the CI secret {v} is not set}}\"", v = s.var);
        match &s.dest {
            SecretDest::Agent => {
                out.push("eval \"$(ssh-agent -s)\" >/dev/null".into());
                out.push("trap 'ssh-agent -k >/dev/null' EXIT".into());
                out.push(format!("printf '%s\\n' {value} | ssh-add -q -"));
            }
            SecretDest::File {
                path,
                private,
                append,
            } => {
                out.push(format!("mkdir -p \"$(dirname {path})\""));
                let redirect = if *append { ">>" } else { ">" };
                let write = format!("printf '%s\\n' {value} {redirect} {path}");
                out.push(if *private {
                    format!("(umask 077 && {write})")
                } else {
                    write
                });
            }
        }
    }
    if !secrets.is_empty() {
        let vars: Vec<&str> = secrets.iter().map(|s| s.var.as_str()).collect();
        out.push(format!("unset {}", vars.join(" ")));
    }
    out
}

/// The directory a `dir` publisher's `path` (a template) writes under, up to its first templated
/// part; `None` when it starts with one.
fn published_dir(path: &str) -> Option<String> {
    let fixed: Vec<&str> = path
        .split('/')
        .take_while(|c| !c.contains("{{") && !c.contains("{%"))
        .collect();
    let dir = fixed.join("/");
    (!dir.is_empty() && dir != ".").then_some(dir)
}

/// Plan the pipeline for `config` (tug.yaml, resolved) and `project` (its name). `in_repo` says
/// whether a path from tug.yaml (relative to its directory) is committed, so a checkout holds it.
pub fn plan(
    config: &Config,
    project: &str,
    options: &Options,
    in_repo: &dyn Fn(&str) -> bool,
) -> Result<Pipeline, CiError> {
    let targets = count_targets(config)?;
    let signing = match &config.sign {
        None => None,
        Some(sign) => {
            let key = sign
                .key
                .as_ref()
                .map(|k| k.value.as_str())
                .unwrap_or(crate::config::sign::DEFAULT_KEY);
            let key_var = env_var(key).ok_or_else(|| CiError::KeyNotEnv(key.into()))?;
            let password_var = match &sign.password {
                None => crate::config::sign::DEFAULT_PASSWORD_ENV,
                Some(p) => {
                    env_var(&p.value).ok_or_else(|| CiError::PasswordNotEnv(p.value.clone()))?
                }
            };
            Some(Signing {
                key_var: key_var.into(),
                password_var: password_var.into(),
            })
        }
    };
    for name in &options.manual {
        if !config.environments.contains_key(name) {
            return Err(CiError::UnknownEnvironment(name.clone()));
        }
    }
    let mut warnings = Vec::new();
    let rollouts = config
        .environments
        .iter()
        .map(|(name, env)| {
            let hooks = env.notify.as_deref().unwrap_or(&config.notify);
            let (notify_vars, files) = notify_refs(hooks);
            for f in files.iter().filter(|f| !in_repo(f)) {
                warnings.push(format!(
                    "environment {name}: a notify: webhook reads file://{f}, which is not committed: \
                     the rollout job has no such file (use env://VAR, given as a CI secret)"
                ));
            }
            Rollout {
                environment: name.clone(),
                approval: if PRODUCTION_NAMES.contains(&name.as_str())
                    || options.manual.contains(name)
                {
                    Approval::Manual
                } else {
                    Approval::Automatic
                },
                secrets: deploy_secrets(name, env, in_repo),
                notify_vars,
            }
        })
        .collect();
    let mut published_dirs = Vec::new();
    for p in &config.publish {
        let PublisherConfig::Dir(d) = p else { continue };
        match published_dir(&d.path) {
            Some(dir)
                if !dir.starts_with('/') && !dir.starts_with("..") && !dir.starts_with('~') =>
            {
                if !published_dirs.contains(&dir) {
                    published_dirs.push(dir)
                }
            }
            _ => warnings.push(format!(
                "the dir publisher writes to {:?}, outside the checkout: on a hosted runner that \
                 directory is discarded with the publish job; use a self-hosted runner that keeps \
                 it, or another publisher",
                d.path
            )),
        }
    }
    let install = match options
        .install
        .clone()
        .or_else(|| config.ci.install.clone())
    {
        Some(c) => Install::Command(c),
        None => {
            warnings.push(
                "ci.install is not set: every job's \"Install tug\" step fails, saying so, until \
                 tug.yaml says how the runners get tug"
                    .into(),
            );
            Install::Unset
        }
    };
    let image = options
        .image
        .clone()
        .or_else(|| config.ci.image.clone())
        .unwrap_or_else(|| DEFAULT_IMAGE.to_string());
    let github_token_var = config.publish.iter().find_map(|p| match p {
        PublisherConfig::Github(g) => Some(g.token_env.clone()),
        _ => None,
    });
    Ok(Pipeline {
        project: project.into(),
        tag_prefix: config.project.tag_prefix.clone(),
        targets,
        shards: shard_count(targets),
        signing,
        github_token_var,
        rollouts,
        install,
        image,
        published_dirs,
        warnings,
    })
}

/// Render `pipeline` for `provider`.
pub fn render(provider: Provider, pipeline: &Pipeline) -> String {
    match provider {
        Provider::Github => github::render(pipeline),
        Provider::Gitlab => gitlab::render(pipeline),
    }
}

/// The shell lines that run `tug rollout ENV` and treat exit 6 (paused for a human) as success,
/// while 4 (rolled back), 7 (mixed) and every other failure fail the job.
pub(crate) fn rollout_script(env: &str, notice: &str) -> Vec<String> {
    vec![
        "status=0".into(),
        format!("tug rollout {} --yes || status=$?", sh_quote(env)),
        "if [ \"$status\" -eq 6 ]; then".into(),
        format!("  echo \"{notice}rollout of {env} paused for a human: continue with 'tug rollout promote {env}'\""),
        "  exit 0".into(),
        "fi".into(),
        "exit \"$status\"".into(),
    ]
}

/// Quote `s` for `sh` when it is not a plain word.
pub(crate) fn sh_quote(s: &str) -> String {
    if !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./".contains(c))
    {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}

/// A GitHub filter pattern matching `s` literally (`*`, `?`, `+`, `[`, `]`, `!` and `\` are
/// special in `on.push.tags`).
pub(crate) fn github_glob_escape(s: &str) -> String {
    s.chars()
        .flat_map(|c| {
            if "*?+[]!\\".contains(c) {
                vec!['\\', c]
            } else {
                vec![c]
            }
        })
        .collect()
}

/// Quote `s` as a YAML double-quoted scalar.
pub(crate) fn yaml_str(s: &str) -> String {
    serde_json::to_string(s).expect("a string serialises")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_are_half_the_targets_capped() {
        assert_eq!(shard_count(0), 1);
        assert_eq!(shard_count(1), 1);
        assert_eq!(shard_count(2), 1);
        assert_eq!(shard_count(3), 2);
        assert_eq!(shard_count(6), 3);
        assert_eq!(shard_count(40), MAX_SHARDS);
    }

    #[test]
    fn targets_follow_the_build_defaults() {
        let mut config = Config::default();
        assert_eq!(count_targets(&config).unwrap(), 6);
        config.builds.push(crate::config::build::BuildConfig {
            goos: vec!["linux".into()],
            ignore: vec!["linux/arm64".into()],
            ..Default::default()
        });
        assert_eq!(count_targets(&config).unwrap(), 1);
        config.builds.push(crate::config::build::BuildConfig {
            targets: Some(vec![
                crate::config::unlocated("linux/amd64".to_string()),
                crate::config::unlocated("linux/arm/7".to_string()),
            ]),
            ..Default::default()
        });
        // linux/amd64 is shared with the first build
        assert_eq!(count_targets(&config).unwrap(), 2);
    }

    #[test]
    fn production_waits_for_a_human_and_file_keys_are_refused() {
        let yaml = "version: 1\nenvironments:\n  prod: {target: {type: local, hosts: [{name: a, path: a}]}}\n  qa: {target: {type: local, hosts: [{name: a, path: a}]}}\n  staging: {target: {type: local, hosts: [{name: a, path: a}]}}\n";
        let mut config: Config = serde_saphyr::from_str(yaml).unwrap();
        let options = Options {
            install: Some("true".into()),
            manual: vec!["qa".into()],
            image: None,
        };
        let p = plan(&config, "hello", &options, &|_| true).unwrap();
        let approvals: Vec<_> = p.rollouts.iter().map(|r| r.approval).collect();
        assert_eq!(
            approvals,
            [Approval::Manual, Approval::Manual, Approval::Automatic]
        );
        config.sign = Some(Default::default());
        assert!(matches!(
            plan(&config, "hello", &options, &|_| true),
            Err(CiError::KeyNotEnv(k)) if k == "cosign.key"
        ));
    }

    #[test]
    fn notify_references_become_job_variables_and_uncommitted_files_a_warning() {
        let yaml = "version: 1\nnotify:\n  - url: https://h.example/${A}/x/${B}\n    headers: {X-Token: env://C, X-Plain: plain, X-Bad: '${not valid}'}\n  - url: file://hooks/url\n  - url: env://A\nenvironments:\n  qa: {target: {type: local, hosts: [{name: a, path: a}]}}\n  off: {target: {type: local, hosts: [{name: a, path: a}]}, notify: []}\n";
        let config: Config = serde_saphyr::from_str(yaml).unwrap();
        let (vars, files) = notify_refs(&config.notify);
        assert_eq!(vars, ["A", "B", "C"]);
        assert_eq!(files, ["hooks/url"]);
        let options = Options {
            install: Some("true".into()),
            manual: vec![],
            image: None,
        };
        let p = plan(&config, "hello", &options, &|_| false).unwrap();
        let vars: Vec<_> = p.rollouts.iter().map(|r| r.notify_vars.len()).collect();
        assert_eq!(vars, [0, 3], "off, qa");
        assert_eq!(p.warnings.len(), 1, "{:?}", p.warnings);
        assert!(p.warnings[0].contains("environment qa") && p.warnings[0].contains("hooks/url"));
        let p = plan(&config, "hello", &options, &|f| f == "hooks/url").unwrap();
        assert!(p.warnings.is_empty(), "{:?}", p.warnings);
    }

    #[test]
    fn only_files_a_checkout_lacks_become_secrets() {
        let yaml = "version: 1\nenvironments:\n  prod-eu:\n    target: {type: ssh, hosts: [{name: a, address: a, path: /srv}]}\n    public_key: keys/cosign.pub\n  edge:\n    target: {type: ssh, identity_file: ~/.ssh/deploy, known_hosts: ssh/known_hosts, ssh_config: ssh/config, hosts: [{name: a, address: a, path: /srv}]}\n    public_key: \"-----BEGIN PUBLIC KEY-----\\nx\\n-----END PUBLIC KEY-----\\n\"\n  lab:\n    target: {type: local, hosts: [{name: a, path: a}]}\n    public_key: /etc/tug/cosign.pub\n";
        let config: Config = serde_saphyr::from_str(yaml).unwrap();
        let in_repo = |p: &str| p == "keys/cosign.pub" || p == "ssh/config";
        let secrets = |env: &str| -> Vec<(String, SecretKind)> {
            deploy_secrets(env, &config.environments[env], &in_repo)
                .into_iter()
                .map(|s| (s.var, s.kind))
                .collect()
        };
        use SecretKind::*;
        assert_eq!(
            secrets("prod-eu"),
            [
                ("DEPLOY_PROD_EU_SSH_KEY".to_string(), SshKey),
                ("DEPLOY_PROD_EU_KNOWN_HOSTS".to_string(), KnownHosts)
            ]
        );
        assert_eq!(
            secrets("edge"),
            [
                ("DEPLOY_EDGE_SSH_KEY".to_string(), SshKey),
                ("DEPLOY_EDGE_KNOWN_HOSTS".to_string(), KnownHosts)
            ]
        );
        assert_eq!(
            deploy_secrets("edge", &config.environments["edge"], &in_repo)[0].dest,
            SecretDest::File {
                path: "\"$HOME\"/.ssh/deploy".into(),
                private: true,
                append: false
            }
        );
        assert_eq!(
            secrets("lab"),
            [("DEPLOY_LAB_PUBLIC_KEY".to_string(), PublicKey)]
        );
    }

    #[test]
    fn published_dirs_stop_at_the_template() {
        assert_eq!(published_dir("published").as_deref(), Some("published"));
        assert_eq!(published_dir("out/{{ project }}/x").as_deref(), Some("out"));
        assert_eq!(published_dir("{{ env.DIR }}"), None);
        assert_eq!(github_glob_escape("rel+[x]*"), "rel\\+\\[x\\]\\*");
    }

    #[test]
    fn env_refs() {
        assert_eq!(env_var("env://COSIGN_KEY"), Some("COSIGN_KEY"));
        assert_eq!(env_var("cosign.key"), None);
        assert_eq!(env_var("env://"), None);
    }
}
