//! Blue-green slots: which slot is idle or warm, preparing the idle slot, switching back to it.

#[allow(unused_imports)]
use super::engine::*;

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

    /// Point the idle slot of host `i` at `version`, restart it and wait until it is healthy;
    /// `current` does not move. Returns the slot.
    pub(super) fn prepare_slot(&self, i: usize, version: &str) -> Result<String, String> {
        let state = self.read_state(i).map_err(|e| e.to_string())?;
        let slot = self.idle_slot(&state);
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
                    self.host_context(i, version, Some(&slot)),
                )?,
                dir: None,
                env: self.command_env(i, version, Some(&slot)),
                timeout: None,
                code: ops::RESTART_FAILED,
            });
        }
        self.run(i, &ops)?;
        self.on_host(i, format!("slot {slot} runs {version}, restarted"));
        if let Some(probe) = self.probe(i, version, Some(&slot))? {
            let cfg = self.env.config.health_check.as_ref().expect("probe");
            probe
                .wait_healthy(self.host(i), cfg)
                .map_err(|e| format!("health check failed: {e}"))?;
            self.on_host(i, format!("slot {slot} healthy"));
        }
        Ok(slot)
    }

    /// The operations that bring `version` back to life on a blue-green host without a restart:
    /// switch to the warm slot that runs it (or, for a host that ran without slots before, point
    /// `current` at the release again).
    pub(super) fn switch_back_ops(
        &self,
        i: usize,
        state: &HostState,
        version: Option<&str>,
    ) -> Result<Vec<Op>, String> {
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
