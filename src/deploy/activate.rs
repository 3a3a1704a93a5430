//! Activation and probes: the template values, hooks, switch and restart of one host, and its
//! health probe.

use std::time::Duration;

use serde_json::json;

use super::engine::Deployer;
use super::health::Probe;
use super::hostop::HostOpError;
use super::hoststate::{HistoryEntry, RolloutState};
use super::ops::Op;
use super::{ops, render};

impl Deployer<'_> {
    /// Template values for host `i` running `version` (in `slot`, under blue-green): the slot's
    /// values override the host's `vars`.
    pub(super) fn host_context(
        &self,
        i: usize,
        version: &str,
        slot: Option<&str>,
    ) -> serde_json::Value {
        let h = self.host(i);
        let env = &self.vars;
        let mut vars = self.env.vars[i].clone();
        if let Some(slot) = slot {
            if let Some(extra) = self.env.config.strategy.slots.get(slot) {
                vars.extend(extra.clone());
            }
        }
        json!({
            "host": h.name(),
            "address": h.address(),
            "environment": self.env.name,
            "version": version,
            "path": h.root(),
            "release_dir": format!("{}/releases/{version}", h.root()),
            "slot": slot,
            "vars": vars,
            "env": env,
        })
    }

    pub(super) fn probe(
        &self,
        i: usize,
        version: &str,
        slot: Option<&str>,
    ) -> Result<Option<Probe>, HostOpError> {
        let Some(cfg) = &self.env.config.health_check else {
            return Ok(None);
        };
        let ctx = self.host_context(i, version, slot);
        let render = |field: &str, t: &str| render(field, t, &ctx).map_err(HostOpError::Template);
        Ok(Some(if let Some(url) = &cfg.http {
            Probe::Http {
                url: render("health_check.http", url)?,
                expect: cfg.expect_status.unwrap_or(200),
            }
        } else if let Some(addr) = &cfg.tcp {
            Probe::Tcp {
                addr: render("health_check.tcp", addr)?,
            }
        } else if let Some(cmd) = &cfg.command {
            Probe::Command {
                script: render("health_check.command", cmd)?,
            }
        } else {
            return Ok(None);
        }))
    }

    /// The environment variables of hooks and the restart command.
    pub(super) fn command_env(
        &self,
        i: usize,
        version: &str,
        slot: Option<&str>,
    ) -> Vec<(String, String)> {
        let h = self.host(i);
        let mut env = vec![
            ("TUG_VERSION".into(), version.into()),
            ("TUG_ENVIRONMENT".into(), self.env.name.clone()),
            ("TUG_HOST".into(), h.name().into()),
            (
                "TUG_RELEASE_DIR".into(),
                format!("{}/releases/{version}", h.root()),
            ),
        ];
        if let Some(slot) = slot {
            env.push(("TUG_SLOT".into(), slot.into()));
        }
        env
    }

    /// The operations that switch a host to `version` and restart it (with the hooks).
    pub(super) fn activate_ops(
        &self,
        i: usize,
        version: Option<&str>,
    ) -> Result<Vec<Op>, HostOpError> {
        let Some(version) = version else {
            return Ok(vec![
                Op::Confirm { id: None },
                Op::Switch {
                    link: "current".into(),
                    to: None,
                },
            ]);
        };
        self.switch_ops(i, version, None)
    }

    /// `before_switch`, the rename of `current` (to `releases/<v>`, or to `slots/<slot>` under
    /// blue-green), `after_switch`, and without a slot the restart command.
    pub(super) fn switch_ops(
        &self,
        i: usize,
        version: &str,
        slot: Option<&str>,
    ) -> Result<Vec<Op>, HostOpError> {
        let ctx = self.host_context(i, version, slot);
        let render = |field: &str, t: &str| render(field, t, &ctx).map_err(HostOpError::Template);
        let env = self.command_env(i, version, slot);
        let mut ops = Vec::new();
        if let Some(hook) = &self.env.config.hooks.before_switch {
            ops.push(Op::Shell {
                what: "before_switch hook".into(),
                command: render("hooks.before_switch", hook)?,
                dir: Some(format!("releases/{version}")),
                env: env.clone(),
                timeout: None,
                code: ops::HOOK_BEFORE_FAILED,
            });
        }
        // A switch waiting for its confirmation is disarmed first: its timer must not undo this.
        ops.push(Op::Confirm { id: None });
        ops.push(Op::Switch {
            link: "current".into(),
            to: Some(match slot {
                Some(slot) => format!("slots/{slot}"),
                None => format!("releases/{version}"),
            }),
        });
        ops.push(Op::ClearBad {
            version: version.into(),
        });
        if let Some(hook) = &self.env.config.hooks.after_switch {
            ops.push(Op::Shell {
                what: "after_switch hook".into(),
                command: render("hooks.after_switch", hook)?,
                dir: None,
                env: env.clone(),
                timeout: None,
                code: ops::HOOK_AFTER_FAILED,
            });
        }
        if let (None, Some(restart)) = (slot, &self.env.config.restart) {
            ops.push(Op::Shell {
                what: "restart command".into(),
                command: render("restart", restart)?,
                dir: None,
                env,
                timeout: None,
                code: ops::RESTART_FAILED,
            });
        }
        Ok(ops)
    }

    /// Switch, restart and health-check one host: `intent` is recorded before the switch (in the
    /// same round trip), `healthy` once the health check passed (or with the restart when there
    /// is none). `arm` (`confirm_within`) arms the host's timer in that round trip, before the
    /// switch, so no moment exists where the host is switched and unguarded.
    pub(super) fn activate(
        &self,
        i: usize,
        version: &str,
        intent: HistoryEntry,
        healthy: HistoryEntry,
        arm: Option<Op>,
    ) -> Result<(), HostOpError> {
        let mut ops = vec![Op::AppendHistory(intent)];
        let mut switch = self.activate_ops(i, Some(version))?;
        if let Some(arm) = arm {
            // After the switch's own disarm, right before the rename.
            let k = switch
                .iter()
                .position(|op| matches!(op, Op::Switch { .. }))
                .unwrap_or(0);
            switch.insert(k, arm);
        }
        ops.extend(switch);
        let probe = self.probe(i, version, None)?;
        if probe.is_none() {
            ops.push(Op::AppendHistory(healthy));
            self.run(i, &ops)?;
            self.on_host(i, format!("switched to {version}, restarted"));
            return Ok(());
        }
        self.run(i, &ops)?;
        self.on_host(i, format!("switched to {version}, restarted"));
        if let Some(probe) = probe {
            self.wait_healthy(i, &probe)?;
            self.on_host(i, "healthy");
            self.run(i, &[Op::AppendHistory(healthy)])?;
        }
        Ok(())
    }

    /// Wait until host `i` passes `probe` (retries, then `min_healthy_time`).
    pub(super) fn wait_healthy(&self, i: usize, probe: &Probe) -> Result<(), HostOpError> {
        let cfg = self
            .env
            .config
            .health_check
            .as_ref()
            .expect("a probe implies a health check");
        probe
            .wait_healthy(self.host(i), self.http(), cfg)
            .map_err(HostOpError::Health)
    }

    /// One probe attempt.
    pub(super) fn probe_once(&self, i: usize, probe: &Probe) -> Result<(), String> {
        let timeout = self
            .env
            .config
            .health_check
            .as_ref()
            .map(|h| h.timeout())
            .unwrap_or(Duration::from_secs(5));
        probe.once(self.host(i), self.http(), timeout)
    }

    /// How many hosts of a rolling batch may be switched at once under `max_unavailable`,
    /// counting the hosts outside the batch that fail their health check now; or why none may.
    pub(super) fn switch_limit(&self, st: &RolloutState, batch: &[usize]) -> Result<usize, String> {
        let strategy = &self.env.config.strategy;
        let (Some(m), Some(cfg)) = (&strategy.max_unavailable, &self.env.config.health_check)
        else {
            return Ok(batch.len().max(1));
        };
        let max = m.value.of(self.env.hosts.len());
        let others: Vec<usize> = self
            .all()
            .into_iter()
            .filter(|i| !batch.contains(i))
            .collect();
        let down: Vec<String> = self
            .par(&others, |i| {
                let name = self.host(i).name().to_string();
                let version = if st.switched.contains(&name) {
                    Some(st.version.clone())
                } else {
                    st.from.get(&name).cloned().flatten()
                };
                // A host that ran nothing before serves nothing: it is not taken down.
                let probe = self.probe(i, &version?, None).ok()??;
                probe
                    .once(self.host(i), self.http(), cfg.timeout())
                    .err()
                    .map(|e| format!("{name} ({e})"))
            })
            .into_iter()
            .flatten()
            .collect();
        if down.len() >= max {
            return Err(format!(
                "max_unavailable is {max} and {} host(s) outside the batch are already unhealthy: {}",
                down.len(),
                down.join(", ")
            ));
        }
        Ok((max - down.len()).min(batch.len()).max(1))
    }
}
