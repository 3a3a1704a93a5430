//! A rollout's use of the traffic router (`traffic::Router`): the weights it starts from, hosts
//! drained before they switch and given their share after, `traffic: N%` steps, the header route
//! while the rollout runs, the blue-green switch as one router change, and traffic first when a
//! rollout fails: the new release's weight goes to 0 at once, before any host switches back.
//! Every change is saved in the rollout state (a resumed rollout knows the weights) and recorded
//! in every host's history before the rollout moves on.

use std::collections::BTreeMap;

use super::engine::{Deployer, RolloutOutcome};
use super::hoststate::{Action, HostState, Outcome, RolloutState, TrafficState};
use super::ops::Op;
use super::traffic::{self, CallContext, Change, HeaderChange, Router, View};
use super::DeployError;

/// The weight a host's server(s) normally have: the largest configured weight, else the largest
/// current one, else 1.
fn normal_weight(view: Option<&View>, servers: &[&str]) -> u16 {
    let Some(view) = view else {
        return 1;
    };
    let found: Vec<&traffic::ServerView> = servers.iter().filter_map(|s| view.server(s)).collect();
    let initial = found.iter().map(|s| s.initial).max().unwrap_or(0);
    let current = found.iter().map(|s| s.weight).max().unwrap_or(0);
    if initial > 0 {
        initial.min(traffic::weights::MAX_WEIGHT)
    } else if current > 0 {
        current.min(traffic::weights::MAX_WEIGHT)
    } else {
        1
    }
}

impl Deployer<'_> {
    pub(super) fn router(&self) -> Option<&Router> {
        self.env.router.as_ref()
    }

    fn call_context(&self, version: &str, share: Option<u8>) -> CallContext {
        CallContext {
            environment: self.env.name.clone(),
            version: version.to_string(),
            share,
            env: self.vars.clone(),
        }
    }

    /// The servers of host `name` (both slots under blue-green).
    fn servers_of_host(&self, name: &str) -> Vec<&str> {
        self.router()
            .map(|r| {
                r.servers()
                    .iter()
                    .filter(|s| s.host == name)
                    .map(|s| s.server.as_str())
                    .collect()
            })
            .unwrap_or_default()
    }

    /// At the start of a rollout (locked, nothing changed yet): ask the router for its servers
    /// and record the weight each normally has. Blue-green: the idle slots get weight 0 before
    /// they are prepared. An error here stops the rollout before any host is touched.
    pub(super) fn traffic_begin(
        &self,
        version: &str,
        states: &[HostState],
    ) -> Result<Option<TrafficState>, DeployError> {
        let Some(router) = self.router() else {
            return Ok(None);
        };
        let view = router.view().map_err(|source| DeployError::Traffic {
            doing: "cannot read the traffic router before the rollout (nothing was changed)".into(),
            source,
        })?;
        let mut base = BTreeMap::new();
        let mut weights = BTreeMap::new();
        for s in router.servers() {
            let normal = normal_weight(view.as_ref(), &self.servers_of_host(&s.host));
            base.insert(s.server.clone(), normal);
            let now = view
                .as_ref()
                .and_then(|v| v.server(&s.server))
                .map_or(normal, |v| v.weight);
            weights.insert(s.server.clone(), now);
        }
        let mut ts = TrafficState {
            share: None,
            base,
            weights,
            header: view.as_ref().and_then(|v| v.header).unwrap_or(false),
            header_servers: Vec::new(),
        };
        if self.blue_green() {
            let mut change = Change::default();
            for (i, state) in states.iter().enumerate() {
                let host = self.host(i).name();
                for s in router.servers().iter().filter(|s| s.host == host) {
                    let live = s.slot.is_some() && s.slot == state.live_slot;
                    // A host with no live slot yet serves from neither: its first slot goes live.
                    let w = if live || state.live_slot.is_none() && self.first_slot(&s.slot) {
                        ts.base[&s.server]
                    } else {
                        0
                    };
                    if ts.weights.get(&s.server) != Some(&w) || view.is_none() {
                        change.weights.insert(s.server.clone(), w);
                    }
                }
            }
            if !change.weights.is_empty() {
                router
                    .apply(&change, &self.call_context(version, None))
                    .map_err(|source| DeployError::Traffic {
                        doing: "cannot take the idle slots out of the router before the rollout (no host was switched)".into(),
                        source,
                    })?;
                ts.weights.extend(change.weights);
            }
        }
        Ok(Some(ts))
    }

    /// A continued rollout: the weights and header route the router has now replace the
    /// recorded ones (a tug killed between a router call and its record left them ahead). A
    /// router that cannot be read keeps the record; the next change reports it.
    pub(super) fn traffic_refresh(&self, st: &mut RolloutState) {
        let (Some(router), Some(ts)) = (self.router(), st.traffic.as_mut()) else {
            return;
        };
        match router.view() {
            Ok(Some(view)) => {
                for s in &view.servers {
                    if let Some(w) = ts.weights.get_mut(&s.server) {
                        *w = s.weight;
                    }
                }
                if let Some(h) = view.header {
                    if h != ts.header {
                        ts.header = h;
                        ts.header_servers.clear();
                    }
                }
            }
            Ok(None) => {}
            Err(e) => self.warn(format!("{e}: {}", source_line(&e))),
        }
    }

    fn first_slot(&self, slot: &Option<String>) -> bool {
        slot.as_deref()
            == self
                .env
                .config
                .strategy
                .slots
                .keys()
                .next()
                .map(String::as_str)
    }

    /// Apply `change`, then save it in the rollout state and record it in every host's
    /// history (a failure is recorded too).
    fn traffic_set(
        &self,
        st: &mut RolloutState,
        change: Change,
        why: &str,
    ) -> Result<(), DeployError> {
        let Some(router) = self.router() else {
            return Ok(());
        };
        let share = st.traffic.as_ref().and_then(|t| t.share);
        let res = router.apply(&change, &self.call_context(&st.version, share));
        self.traffic_recorded(st, change, why, res)
    }

    /// Record a router change that was made (`res`: how it went) in the rollout state and in
    /// every host's history.
    fn traffic_recorded(
        &self,
        st: &mut RolloutState,
        change: Change,
        why: &str,
        res: Result<(), traffic::TrafficError>,
    ) -> Result<(), DeployError> {
        let header = match &change.header {
            HeaderChange::On(_) => " header on",
            HeaderChange::Off => " header off",
            HeaderChange::Keep => "",
        };
        let mut e = self.history_entry(0, Action::Traffic, Outcome::Success);
        e.to = Some(st.version.clone());
        e.id = Some(st.id.clone());
        e.reason = Some(format!(
            "{why}: {}{header}",
            traffic::describe(&change.weights)
        ));
        match res {
            Ok(()) => {
                let ts = st.traffic.get_or_insert_with(TrafficState::default);
                ts.weights.extend(change.weights);
                match change.header {
                    HeaderChange::On(to) => {
                        ts.header = true;
                        ts.header_servers = to;
                    }
                    HeaderChange::Off => {
                        ts.header = false;
                        ts.header_servers.clear();
                    }
                    HeaderChange::Keep => {}
                }
                self.phase(format!(
                    "traffic: {}",
                    e.reason.as_deref().unwrap_or_default()
                ));
                self.save_state(st);
                self.append_history_all(&e);
                Ok(())
            }
            Err(source) => {
                e.outcome = Outcome::Failed;
                e.reason = Some(format!("{}; {source}", e.reason.unwrap_or_default()));
                self.append_history_all(&e);
                Err(DeployError::Traffic {
                    doing: format!("cannot {why}"),
                    source,
                })
            }
        }
    }

    /// Canary weights: hosts in `draining` get 0; switched hosts share the step's share against
    /// the others (every server its normal weight before the first traffic step... unless the
    /// plan has traffic steps, then the new release gets only header requests until the first).
    fn canary_weights(&self, st: &RolloutState, draining: &[String]) -> BTreeMap<String, u16> {
        let Some(router) = self.router() else {
            return BTreeMap::new();
        };
        let ts = st.traffic.clone().unwrap_or_default();
        let has_steps = st
            .steps
            .iter()
            .any(|s| matches!(s, super::hoststate::PlanStep::Traffic(_)));
        let share = ts.share.or(has_steps.then_some(0));
        let base = |s: &str| ts.base.get(s).copied().unwrap_or(1);
        let new: Vec<&str> = router
            .servers()
            .iter()
            .filter(|s| st.switched.contains(&s.host) && !draining.contains(&s.host))
            .map(|s| s.server.as_str())
            .collect();
        let old: Vec<&str> = router
            .servers()
            .iter()
            .filter(|s| !st.switched.contains(&s.host) && !draining.contains(&s.host))
            .map(|s| s.server.as_str())
            .collect();
        let mut out = BTreeMap::new();
        for s in router.servers() {
            if draining.contains(&s.host) {
                out.insert(s.server.clone(), 0);
            }
        }
        match share {
            None => {
                for s in new.iter().chain(&old) {
                    out.insert(s.to_string(), base(s));
                }
            }
            Some(p) => {
                let normal = new.iter().chain(&old).map(|s| base(s)).max().unwrap_or(1);
                let (wn, wo) = traffic::weights::split(p, new.len(), old.len(), normal);
                for s in &new {
                    out.insert(s.to_string(), wn);
                }
                for s in &old {
                    out.insert(s.to_string(), wo);
                }
            }
        }
        out
    }

    /// Only the weights that differ from what tug last set.
    fn changed(&self, st: &RolloutState, weights: BTreeMap<String, u16>) -> BTreeMap<String, u16> {
        let last = st.traffic.as_ref().map(|t| &t.weights);
        weights
            .into_iter()
            .filter(|(s, w)| last.and_then(|l| l.get(s)) != Some(w))
            .collect()
    }

    /// Before a canary step switches `hosts`: they take no new requests (weight 0).
    pub(super) fn traffic_drain(
        &self,
        st: &mut RolloutState,
        hosts: &[String],
    ) -> Result<(), DeployError> {
        if self.router().is_none() || hosts.is_empty() {
            return Ok(());
        }
        let mut draining: Vec<String> = hosts.to_vec();
        draining.extend(st.in_flight.iter().cloned());
        let weights = self.canary_weights(st, &draining);
        let weights = self.changed(st, weights);
        if weights.is_empty() {
            return Ok(());
        }
        self.traffic_set(
            st,
            Change {
                weights,
                header: HeaderChange::Keep,
            },
            &format!("drain {} before the switch", hosts.join(", ")),
        )
    }

    /// After a canary step (its hosts switched and healthy) or at a `traffic:` step: the weights
    /// the share asks for, and the header route to the hosts running the new release.
    pub(super) fn traffic_settle(
        &self,
        st: &mut RolloutState,
        why: &str,
    ) -> Result<(), DeployError> {
        let Some(router) = self.router() else {
            return Ok(());
        };
        let weights = self.canary_weights(st, &[]);
        let weights = self.changed(st, weights);
        let header = if router.header().is_some() && !st.switched.is_empty() {
            let to: Vec<String> = router
                .servers()
                .iter()
                .filter(|s| st.switched.contains(&s.host))
                .map(|s| s.server.clone())
                .collect();
            HeaderChange::On(to)
        } else {
            HeaderChange::Keep
        };
        let header_unchanged = match &header {
            HeaderChange::On(to) => st
                .traffic
                .as_ref()
                .is_some_and(|t| t.header && &t.header_servers == to),
            _ => true,
        };
        let header = if header_unchanged {
            HeaderChange::Keep
        } else {
            header
        };
        if weights.is_empty() && header_unchanged {
            return Ok(());
        }
        self.traffic_set(st, Change { weights, header }, why)
    }

    /// A `traffic: N%` step. A router that does not take it pauses the rollout (exit 6) with
    /// the weights as recorded: nothing is half-switched, and `tug rollout resume` runs the step
    /// again.
    pub(super) fn step_traffic(
        &self,
        st: &mut RolloutState,
        share: u8,
        n: usize,
        total: usize,
    ) -> Result<Option<RolloutOutcome>, DeployError> {
        self.phase(format!(
            "step {}/{total}: traffic {share}% to {} ({})",
            n + 1,
            st.version,
            st.switched.join(", ")
        ));
        let before = st.traffic.as_ref().and_then(|t| t.share);
        st.traffic.get_or_insert_with(TrafficState::default).share = Some(share);
        match self.traffic_settle(st, &format!("send {share}% of requests to {}", st.version)) {
            Ok(()) => Ok(None),
            Err(e) => {
                if let Some(t) = st.traffic.as_mut() {
                    t.share = before;
                }
                Ok(Some(self.pause(st, format!("{}: {}", e, source_line(&e)))))
            }
        }
    }

    /// Blue-green: move every host's traffic from the live slot to the prepared one, in one
    /// router change (the old slot stays warm at weight 0), before the `current` links switch.
    pub(super) fn traffic_switch(&self, st: &mut RolloutState) -> Result<(), DeployError> {
        let Some(router) = self.router() else {
            return Ok(());
        };
        let ts = st.traffic.clone().unwrap_or_default();
        let mut weights = BTreeMap::new();
        for (i, name) in self
            .all()
            .into_iter()
            .map(|i| (i, self.host(i).name().to_string()))
        {
            let state = self.read_state(i)?;
            let Some(target) = self.standby_slot(&state, &st.version) else {
                continue;
            };
            for s in router.servers().iter().filter(|s| s.host == name) {
                let w = if s.slot.as_deref() == Some(target.as_str()) {
                    ts.base.get(&s.server).copied().unwrap_or(1)
                } else {
                    0
                };
                weights.insert(s.server.clone(), w);
            }
        }
        let header = if router.header().is_some() {
            HeaderChange::Off
        } else {
            HeaderChange::Keep
        };
        self.traffic_set(
            st,
            Change { weights, header },
            &format!(
                "switch every host's traffic to the slot running {}",
                st.version
            ),
        )
    }

    /// Blue-green, after the idle slots are prepared: the header route to them.
    pub(super) fn traffic_prepared(&self, st: &mut RolloutState) -> Result<(), DeployError> {
        let Some(router) = self.router() else {
            return Ok(());
        };
        if router.header().is_none() || st.prepared.is_empty() {
            return Ok(());
        }
        let mut to = Vec::new();
        for name in st.prepared.clone() {
            let Some(i) = self.index(&name) else { continue };
            let state = self.read_state(i)?;
            if let Some(slot) = self.standby_slot(&state, &st.version) {
                if let Some(s) = router.server_of(&name, Some(&slot)) {
                    to.push(s.to_string());
                }
            }
        }
        self.traffic_set(
            st,
            Change {
                weights: BTreeMap::new(),
                header: HeaderChange::On(to),
            },
            &format!(
                "route `{}` to the prepared slots",
                router.header().unwrap_or_default()
            ),
        )
    }

    /// A failing rollout, before any host switches back: the new release's servers on `hosts`
    /// get weight 0 and the header route goes, in one change. Skipped (with a warning) when no
    /// server would be left to take the requests; a router that fails is a warning: the hosts
    /// are switched back all the same.
    pub(super) fn traffic_first(&self, st: &mut RolloutState, hosts: &[String]) {
        let Some(router) = self.router() else {
            return;
        };
        // The failure was decided just before this call (`fail_with`): `-v` shows how long the
        // failing release kept its weight after that.
        let decided = std::time::Instant::now();
        let ts = st.traffic.clone().unwrap_or_default();
        let mut weights = BTreeMap::new();
        if self.blue_green() {
            // Hosts whose traffic moved to the new slot: back to the slot they left.
            for name in hosts {
                let Some(i) = self.index(name) else { continue };
                let Ok(state) = self.read_state(i) else {
                    continue;
                };
                let from = st.from.get(name).cloned().flatten();
                for s in router.servers().iter().filter(|s| &s.host == name) {
                    let runs = s.slot.as_ref().and_then(|slot| state.slots.get(slot));
                    let w = if runs.is_some() && runs == from.as_ref() {
                        ts.base.get(&s.server).copied().unwrap_or(1)
                    } else {
                        0
                    };
                    weights.insert(s.server.clone(), w);
                }
            }
        } else {
            let zero: Vec<&traffic::Server> = router
                .servers()
                .iter()
                .filter(|s| hosts.contains(&s.host))
                .collect();
            let others_serve = router
                .servers()
                .iter()
                .filter(|s| !hosts.contains(&s.host))
                .any(|s| {
                    ts.weights.get(&s.server).copied().unwrap_or(1) > 0
                        || !st.switched.contains(&s.host)
                });
            if !others_serve {
                self.warn(format!(
                    "traffic: every server runs {}: the hosts switch back first, with their weights kept",
                    st.version
                ));
            } else {
                for s in zero {
                    weights.insert(s.server.clone(), 0);
                }
                // The hosts that stay on the old release take the requests at their weight.
                for s in router
                    .servers()
                    .iter()
                    .filter(|s| !hosts.contains(&s.host) && !st.switched.contains(&s.host))
                {
                    weights.insert(
                        s.server.clone(),
                        ts.base.get(&s.server).copied().unwrap_or(1),
                    );
                }
            }
        }
        let header = if ts.header {
            HeaderChange::Off
        } else {
            HeaderChange::Keep
        };
        let weights = self.changed(st, weights);
        if weights.is_empty() && header == HeaderChange::Keep {
            return;
        }
        let change = Change { weights, header };
        let res = router.apply(
            &change,
            &self.call_context(&st.version, st.traffic.as_ref().and_then(|t| t.share)),
        );
        tracing::info!(
            ok = res.is_ok(),
            ms_after_the_decision = decided.elapsed().as_secs_f64() * 1000.0,
            "traffic first: the failing release out of the router"
        );
        let why = format!(
            "take {} out of the traffic before switching back",
            st.version
        );
        if let Err(e) = self.traffic_recorded(st, change, &why, res) {
            self.warn(format!(
                "{e}: {}; switching the hosts back anyway",
                source_line(&e)
            ));
        }
    }

    /// The end of a rollout (done, or failed and switched back): every server the weight its
    /// host's state calls for (its normal weight; blue-green: the live slot's, 0 for the other),
    /// and no header route. A router that fails is a warning.
    pub(super) fn traffic_rest(&self, st: &mut RolloutState, why: &str) {
        let Some(router) = self.router() else {
            return;
        };
        let ts = st.traffic.clone().unwrap_or_default();
        let mut weights = BTreeMap::new();
        for i in self.all() {
            let name = self.host(i).name().to_string();
            let live = if self.blue_green() {
                match self.read_state(i) {
                    Ok(s) => s.live_slot,
                    Err(_) => continue,
                }
            } else {
                None
            };
            for s in router.servers().iter().filter(|s| s.host == name) {
                let w = if !self.blue_green() || s.slot == live {
                    ts.base.get(&s.server).copied().unwrap_or(1)
                } else {
                    0
                };
                weights.insert(s.server.clone(), w);
            }
        }
        let weights = self.changed(st, weights);
        let header = if ts.header {
            HeaderChange::Off
        } else {
            HeaderChange::Keep
        };
        if weights.is_empty() && header == HeaderChange::Keep {
            return;
        }
        if let Err(e) = self.traffic_set(st, Change { weights, header }, why) {
            self.warn(format!("{e}: {}", source_line(&e)));
        }
    }

    /// The history line of a router change outside a rollout (`tug rollback`).
    pub(super) fn record_traffic(&self, id: &str, to: &str, reason: String, ok: bool) {
        let mut e = self.history_entry(
            0,
            Action::Traffic,
            if ok {
                Outcome::Success
            } else {
                Outcome::Failed
            },
        );
        e.to = Some(to.to_string());
        e.id = Some(id.to_string());
        e.reason = Some(reason);
        self.par(&self.all(), |i| {
            let mut e = e.clone();
            e.host = self.host(i).name().to_string();
            let _ = self.run(i, &[Op::AppendHistory(e)]);
        });
    }
}

/// The innermost cause of an error, as one line.
pub(super) fn source_line(e: &dyn std::error::Error) -> String {
    let mut parts = Vec::new();
    let mut cur = e.source();
    while let Some(c) = cur {
        parts.push(c.to_string());
        cur = c.source();
    }
    parts.join(": ")
}

impl Deployer<'_> {
    /// A router that did not take a change mid-rollout: pause (exit 6) with the weights as
    /// recorded, so nothing is half-switched; `tug rollout resume` tries the step again.
    pub(super) fn router_pause(&self, st: &mut RolloutState, e: DeployError) -> RolloutOutcome {
        let reason = format!("{e}: {}", source_line(&e));
        self.pause(st, reason)
    }
}

/// The weights to give back once the hosts of a rollback are on the target (server, weight).
pub(super) type Restore = Vec<(String, String, u16)>;

impl Deployer<'_> {
    /// What `tug rollback` asks of the router before any host switches (for the plan).
    pub(super) fn rollback_traffic_plan(
        &self,
        moves: &[super::engine::HostMove],
    ) -> Option<String> {
        let router = self.router()?;
        let moving: Vec<&str> = moves
            .iter()
            .filter(|m| m.moves())
            .map(|m| m.host.as_str())
            .collect();
        if moving.is_empty() {
            return None;
        }
        let staying = moves.iter().any(|m| !m.moves());
        Some(if self.blue_green() {
            format!(
                "router {}: traffic to the standby slots of {} in one change, then the hosts switch",
                router.label(),
                moving.join(", ")
            )
        } else if staying {
            format!(
                "router {}: weight 0 for {} at once (the hosts already on the target take the requests), then the hosts switch and get their weight back",
                router.label(),
                moving.join(", ")
            )
        } else {
            format!(
                "router {}: every host runs the release being left, so the hosts switch first; the header route goes at once",
                router.label()
            )
        })
    }

    /// `tug rollback`, before any host switches: one router change taking the release being
    /// left out of the traffic (blue-green: every moving host's standby slot gets the traffic;
    /// otherwise the moving hosts get weight 0 while a host already on the target serves), and
    /// the header route off. Returns the weights to give back after the switch. A router that
    /// fails is a warning: the rollback goes on.
    pub(super) fn rollback_traffic_first(
        &self,
        plan: &super::engine::RollbackPlan,
        id: &str,
    ) -> Restore {
        let Some(router) = self.router() else {
            return Vec::new();
        };
        let moving: Vec<&super::engine::HostMove> =
            plan.moves.iter().filter(|m| m.moves()).collect();
        if moving.is_empty() {
            return Vec::new();
        }
        let view = match router.view() {
            Ok(v) => v,
            Err(e) => {
                self.warn(format!(
                    "{e}: {}; switching the hosts without it",
                    source_line(&e)
                ));
                self.record_traffic(id, &plan.target, format!("rollback: {e}"), false);
                return Vec::new();
            }
        };
        let mut change = Change {
            weights: BTreeMap::new(),
            header: if router.header().is_some() {
                HeaderChange::Off
            } else {
                HeaderChange::Keep
            },
        };
        let mut restore = Vec::new();
        if self.blue_green() {
            for m in &moving {
                let Some(slot) = &m.slot else { continue };
                let normal = normal_weight(view.as_ref(), &self.servers_of_host(&m.host));
                for s in router.servers().iter().filter(|s| s.host == m.host) {
                    let w = if s.slot.as_deref() == Some(slot.as_str()) {
                        normal
                    } else {
                        0
                    };
                    change.weights.insert(s.server.clone(), w);
                }
            }
        } else {
            let staying_serves = plan.moves.iter().filter(|m| !m.moves()).any(|m| {
                self.servers_of_host(&m.host).iter().any(|s| {
                    view.as_ref()
                        .and_then(|v| v.server(s))
                        .is_none_or(|v| v.weight > 0)
                })
            });
            if staying_serves {
                for m in &moving {
                    let normal = normal_weight(view.as_ref(), &self.servers_of_host(&m.host));
                    for s in router.servers().iter().filter(|s| s.host == m.host) {
                        change.weights.insert(s.server.clone(), 0);
                        restore.push((m.host.clone(), s.server.clone(), normal));
                    }
                }
            }
        }
        // Whether a header route may be on (a command router cannot say: assume it is).
        let on = router.header().is_some() && view.as_ref().and_then(|v| v.header).unwrap_or(true);
        if change.weights.is_empty() && !on {
            return restore;
        }
        if !on {
            change.header = HeaderChange::Keep;
        }
        let why = format!(
            "rollback to {}: {} out of the traffic first",
            plan.target,
            plan.leaving.as_deref().unwrap_or("the release being left")
        );
        match router.apply(&change, &self.call_context(&plan.target, None)) {
            Ok(()) => {
                let line = format!("{why}: {}", traffic::describe(&change.weights));
                self.phase(format!("traffic: {line}"));
                self.record_traffic(id, &plan.target, line, true);
                restore
            }
            Err(e) => {
                self.warn(format!(
                    "{e}: {}; switching the hosts without it",
                    source_line(&e)
                ));
                self.record_traffic(id, &plan.target, format!("{why}: {e}"), false);
                Vec::new()
            }
        }
    }

    /// After `tug rollback` switched `back` to the target: their servers' weights back.
    pub(super) fn rollback_traffic_restore(
        &self,
        plan: &super::engine::RollbackPlan,
        id: &str,
        restore: Restore,
        back: &[String],
    ) {
        let Some(router) = self.router() else {
            return;
        };
        let weights: BTreeMap<String, u16> = restore
            .into_iter()
            .filter(|(h, _, _)| back.contains(h))
            .map(|(_, s, w)| (s, w))
            .collect();
        if weights.is_empty() {
            return;
        }
        let change = Change {
            weights,
            header: HeaderChange::Keep,
        };
        let line = format!(
            "rollback to {}: the hosts on it take requests again: {}",
            plan.target,
            traffic::describe(&change.weights)
        );
        match router.apply(&change, &self.call_context(&plan.target, None)) {
            Ok(()) => {
                self.phase(format!("traffic: {line}"));
                self.record_traffic(id, &plan.target, line, true);
            }
            Err(e) => {
                self.warn(format!("{e}: {}", source_line(&e)));
                self.record_traffic(id, &plan.target, format!("{line}: {e}"), false);
            }
        }
    }
}
