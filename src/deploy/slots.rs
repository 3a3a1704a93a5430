//! Blue-green slots: which slot is idle or warm, preparing the idle slot, switching back to it.

use crate::config::deploy::StrategyKind;

use super::engine::Deployer;
use super::hostop::HostOpError;
use super::hoststate::HostState;
use super::ops::Op;
use super::{ops, render};

impl Deployer<'_> {
    // ---------------------------------------------------------------- blue-green

    pub(super) fn blue_green(&self) -> bool {
        self.env.config.strategy.kind == StrategyKind::BlueGreen
    }

    /// The slot a host would prepare next: the first configured slot that is not live.
    pub(super) fn idle_slot(&self, s: &HostState) -> String {
        self.env
            .config
            .strategy
            .slots
            .keys()
            .find(|k| s.live_slot.as_deref() != Some(k.as_str()))
            .cloned()
            .unwrap_or_else(|| "blue".into())
    }

    /// A slot other than the live one that runs `version` (warm, ready to switch to).
    pub(super) fn standby_slot(&self, s: &HostState, version: &str) -> Option<String> {
        s.slots
            .iter()
            .find(|(slot, v)| {
                s.live_slot.as_deref() != Some(slot.as_str())
                    && v.as_str() == version
                    && self.env.config.strategy.slots.contains_key(slot.as_str())
            })
            .map(|(slot, _)| slot.clone())
    }

    /// The ops that point `slot` of host `i` at `version` and restart its instance.
    fn slot_ops(&self, i: usize, slot: &str, version: &str) -> Result<Vec<Op>, HostOpError> {
        let mut ops = vec![Op::Switch {
            link: format!("slots/{slot}"),
            to: Some(format!("../releases/{version}")),
        }];
        if let Some(restart) = &self.env.config.restart {
            ops.push(Op::Shell {
                what: "restart command".into(),
                command: render(
                    "restart",
                    restart,
                    self.host_context(i, version, Some(slot)),
                )
                .map_err(HostOpError::Template)?,
                dir: None,
                env: self.command_env(i, version, Some(slot)),
                timeout: None,
                code: ops::RESTART_FAILED,
            });
        }
        Ok(ops)
    }

    /// Point the idle slot of host `i` at `version`, restart it and wait until it is healthy;
    /// `current` does not move. Returns the slot. When that fails, the slot is given back its
    /// previous release (restarted, health-checked) so the warm way back stays; if even that
    /// fails, the slot's link is removed, so neither `status` nor a rollback takes it for warm.
    pub(super) fn prepare_slot(
        &self,
        i: usize,
        version: &str,
    ) -> Result<(String, Option<String>), HostOpError> {
        let state = self.read_state_op(i)?;
        let slot = self.idle_slot(&state);
        let previous = state.slots.get(&slot).cloned();
        let res = (|| {
            self.run(i, &self.slot_ops(i, &slot, version)?)?;
            self.on_host(i, format!("slot {slot} runs {version}, restarted"));
            if let Some(probe) = self.probe(i, version, Some(&slot))? {
                self.wait_healthy(i, &probe)?;
                self.on_host(i, format!("slot {slot} healthy"));
            }
            Ok(())
        })();
        if let Err(e) = res {
            self.restore_slot(i, &slot, previous.as_deref(), version);
            return Err(e);
        }
        Ok((slot, previous))
    }

    /// After a failed prepare: bring `slot` back to `previous` (warm again), or unlink it.
    pub(super) fn restore_slot(&self, i: usize, slot: &str, previous: Option<&str>, failed: &str) {
        let restored = previous.filter(|p| *p != failed).map(|p| {
            (|| {
                self.run(i, &self.slot_ops(i, slot, p)?)?;
                if let Some(probe) = self.probe(i, p, Some(slot))? {
                    self.wait_healthy(i, &probe)?;
                }
                Ok::<_, HostOpError>(())
            })()
        });
        match restored {
            Some(Ok(())) => self.on_host(
                i,
                format!(
                    "slot {slot} runs {} again, warm",
                    previous.unwrap_or_default()
                ),
            ),
            other => {
                let unlink = [Op::Switch {
                    link: format!("slots/{slot}"),
                    to: None,
                }];
                let why = match other {
                    Some(Err(e)) => format!(
                        "cannot bring back {} in slot {slot} ({})",
                        previous.unwrap_or_default(),
                        e.line()
                    ),
                    _ => format!("slot {slot} ran nothing before"),
                };
                match self.run(i, &unlink) {
                    Ok(_) => self.warn(format!(
                        "{}: {why}: slot {slot} is not warm (unlinked)",
                        self.host(i).name()
                    )),
                    Err(e) => self.warn(format!(
                        "{}: {why}, and cannot unlink it: {}",
                        self.host(i).name(),
                        e.line()
                    )),
                }
            }
        }
    }

    /// The operations that bring `version` back to life on a blue-green host without a restart:
    /// switch to the warm slot that runs it (or, for a host that ran without slots before, point
    /// `current` at the release again).
    pub(super) fn switch_back_ops(
        &self,
        i: usize,
        state: &HostState,
        version: Option<&str>,
    ) -> Result<Vec<Op>, HostOpError> {
        let Some(version) = version else {
            return Ok(vec![Op::Switch {
                link: "current".into(),
                to: None,
            }]);
        };
        if state.live_slot.is_some() && state.current.as_deref() == Some(version) {
            return Ok(Vec::new());
        }
        match self.standby_slot(state, version) {
            Some(slot) => self.switch_ops(i, version, Some(&slot)),
            None => Ok(vec![Op::Switch {
                link: "current".into(),
                to: Some(format!("releases/{version}")),
            }]),
        }
    }
}
