//! A rollout's preflight and plan: every host's state read in parallel, the release to roll back
//! to checked intact (archive and files), disk space, a different build of the same version, the
//! release's bad mark, and the steps for the hosts that need it. Nothing is changed.

use super::engine::{Deployer, HostPreflight, RolloutPlan};
use super::hoststate as hs;
use super::hoststate::HostState;
use super::ops::Op;
use super::plan::build_plan;
use super::verify::Release;
use super::DeployError;

impl Deployer<'_> {
    /// Preflight and plan a rollout of `release` (nothing is changed).
    pub fn plan(&self, release: &Release) -> Result<(RolloutPlan, Vec<HostState>), DeployError> {
        self.plan_states(release)
    }

    pub(super) fn plan_states(
        &self,
        release: &Release,
    ) -> Result<(RolloutPlan, Vec<HostState>), DeployError> {
        self.phase("preflight");
        self.check_env_references()?;
        self.check_provenance(release)?;
        let states = self.read_states()?;
        if let Some((st, interrupted)) = self.stored_rollout(&states) {
            return Err(DeployError::Unfinished {
                state: Box::new(st),
                interrupted,
            });
        }
        for (i, s) in states.iter().enumerate() {
            if let Some(l) = &s.lock {
                let liveness = l.liveness(&self.actor.machine);
                // A holder that is provably gone is taken over when the rollout locks.
                if liveness == hs::LockLiveness::HolderGone {
                    continue;
                }
                return Err(DeployError::LockHeld {
                    host: self.host(i).name().into(),
                    holder: Box::new(l.clone()),
                    stale: liveness != hs::LockLiveness::Held,
                });
            }
        }
        // Whether each host needs the release uploaded (so its free space matters).
        let upload: Vec<bool> = states
            .iter()
            .map(|s| {
                s.releases
                    .get(&release.version)
                    .is_none_or(|r| r.sha256 != release.sha256)
            })
            .collect();
        // One round trip a host: the release to roll back to checked, then (for an upload) the
        // free space printed.
        let checked = self.par(&self.all(), |i| {
            let s = &states[i];
            let mut problems = s.problems.clone();
            let mut ops = Vec::new();
            if let Some(cur) = &s.current {
                match s.releases.get(cur) {
                    None => problems.push(format!(
                        "current points to {cur}, which has no release.json"
                    )),
                    Some(r) => ops.extend([
                        Op::VerifyDigest {
                            version: cur.clone(),
                            artifact: r.artifact.clone(),
                            sha256: r.sha256.clone(),
                        },
                        Op::VerifyFiles {
                            version: cur.clone(),
                            files: r.files.clone(),
                            mode: super::ops::VerifyMode::Quick,
                        },
                    ]),
                }
            }
            let verifies = !ops.is_empty();
            if upload[i] {
                ops.push(Op::FreeSpace);
            }
            let mut free_kib = None;
            if !ops.is_empty() {
                match self.run(i, &ops) {
                    Ok(out) => free_kib = out.trim().parse::<u64>().ok(),
                    Err(e) if verifies => {
                        problems.push(format!("the release to roll back to is damaged: {e}"))
                    }
                    // Only the free space was asked for: an unreachable host is reported by
                    // the upload itself.
                    Err(_) => {}
                }
            }
            (problems, free_kib)
        });
        let mut hosts = Vec::new();
        let mut pending = Vec::new();
        for (i, (s, (mut problems, free_kib))) in states.iter().zip(checked).enumerate() {
            let existing = s.releases.get(&release.version);
            if let Some(r) = existing {
                if r.sha256 != release.sha256 {
                    problems.push(format!(
                        "holds a different build of {} (sha256 {}); refusing to replace it",
                        release.version, r.sha256
                    ));
                }
            }
            let upload = upload[i];
            let need_kib = release.size.saturating_mul(3) / 1024 + 1024;
            if let Some(free) = free_kib.filter(|&f| f < need_kib) {
                problems.push(format!(
                    "not enough disk space: {free} KiB free, {need_kib} KiB needed"
                ));
            }
            if s.current.as_deref() != Some(release.version.as_str()) {
                pending.push(self.host(i).name().to_string());
            }
            hosts.push(HostPreflight {
                host: self.host(i).name().into(),
                current: s.current.clone(),
                upload,
                problems,
            });
        }
        let steps = build_plan(&self.env.config.strategy, &pending);
        let bad = hs::bad_mark(&states, &release.version, |k| self.host(k).name());
        Ok((
            RolloutPlan {
                version: release.version.clone(),
                steps,
                hosts,
                bad,
            },
            states,
        ))
    }

    /// The one policy hook: when the environment requires a provenance, the release's must be
    /// signed with the environment's key, cover the deployed artifact's bytes and satisfy
    /// `policy:` (`crate::attest::verify_release`); otherwise nothing is touched.
    pub fn check_provenance(&self, release: &Release) -> Result<(), DeployError> {
        let Some(req) = &release.provenance else {
            return Ok(());
        };
        let report = crate::attest::verify_release(
            &release.dir,
            &req.key,
            &req.policy,
            Some(&release.artifact),
        )
        .map_err(DeployError::Attest)?;
        if report.ok() {
            Ok(())
        } else {
            Err(DeployError::Provenance {
                version: release.version.clone(),
                violations: report.violations,
            })
        }
    }

    /// Every templated field of the environment (restart, hooks, health check, analysis
    /// queries) whose `{{ env.NAME }}` variables are all set in this run; an unset one would
    /// only fail once hosts are switched, so it stops the operation before any host is touched.
    /// (`tug check` only warns: the run that deploys may have the variable.)
    pub fn check_env_references(&self) -> Result<(), DeployError> {
        let missing: Vec<(String, String)> = self
            .templated_fields()
            .into_iter()
            .flat_map(|(field, text)| {
                crate::template::env_variables(&text)
                    .into_iter()
                    .filter(|v| !self.vars.contains_key(v))
                    .map(move |v| (field.clone(), v))
            })
            .collect();
        if missing.is_empty() {
            Ok(())
        } else {
            Err(DeployError::EnvUnset(missing))
        }
    }

    /// (field path, template text) of every field the engine renders.
    fn templated_fields(&self) -> Vec<(String, String)> {
        let c = &self.env.config;
        let base = format!("environments.{}", self.env.name);
        let mut out = Vec::new();
        let mut add = |field: String, t: &Option<String>| {
            if let Some(t) = t {
                out.push((format!("{base}.{field}"), t.clone()));
            }
        };
        add("restart".into(), &c.restart);
        add("hooks.before_switch".into(), &c.hooks.before_switch);
        add("hooks.after_switch".into(), &c.hooks.after_switch);
        if let Some(h) = &c.health_check {
            add("health_check.http".into(), &h.http);
            add("health_check.tcp".into(), &h.tcp);
            add("health_check.command".into(), &h.command);
        }
        for (name, a) in &c.analyses {
            add(format!("analyses.{name}.query"), &a.query);
            add(format!("analyses.{name}.samples"), &a.samples);
            for (q, text) in &a.queries {
                add(format!("analyses.{name}.queries.{q}"), &Some(text.clone()));
            }
        }
        out
    }
}
