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
    /// Where the pipeline file lives, relative to the repository root.
    pub fn default_path(self) -> &'static str {
        match self {
            Provider::Github => ".github/workflows/release.yml",
            Provider::Gitlab => ".gitlab-ci.yml",
        }
    }
}

/// What the command passes besides tug.yaml.
#[derive(Debug, Clone)]
pub struct Options {
    /// The shell command that puts `tug` on PATH in every job.
    pub install: String,
    /// Environments that need a manual approval besides those named prod/production.
    pub manual: Vec<String>,
    /// GitLab: the job image (it must hold Go and whatever `install` needs).
    pub image: String,
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
    pub install: String,
    pub image: String,
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

/// Plan the pipeline for `config` (tug.yaml, resolved) and `project` (its name).
pub fn plan(config: &Config, project: &str, options: &Options) -> Result<Pipeline, CiError> {
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
    let rollouts = config
        .environments
        .keys()
        .map(|name| Rollout {
            environment: name.clone(),
            approval: if PRODUCTION_NAMES.contains(&name.as_str()) || options.manual.contains(name)
            {
                Approval::Manual
            } else {
                Approval::Automatic
            },
        })
        .collect();
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
        install: options.install.clone(),
        image: options.image.clone(),
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
            install: "true".into(),
            manual: vec!["qa".into()],
            image: "x".into(),
        };
        let p = plan(&config, "hello", &options).unwrap();
        let approvals: Vec<_> = p.rollouts.iter().map(|r| r.approval).collect();
        assert_eq!(
            approvals,
            [Approval::Manual, Approval::Manual, Approval::Automatic]
        );
        config.sign = Some(Default::default());
        assert!(matches!(
            plan(&config, "hello", &options),
            Err(CiError::KeyNotEnv(k)) if k == "cosign.key"
        ));
    }

    #[test]
    fn env_refs() {
        assert_eq!(env_var("env://COSIGN_KEY"), Some("COSIGN_KEY"));
        assert_eq!(env_var("cosign.key"), None);
        assert_eq!(env_var("env://"), None);
    }
}
