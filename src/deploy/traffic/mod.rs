//! The traffic router in front of an environment's hosts: the one place tug moves requests
//! between releases (canary `traffic:` steps, header routing, blue-green switches, rollbacks by
//! traffic first). A [`Router`] knows each host's server (per slot under blue-green) and applies
//! a [`Change`] (weights, the header route) in one call, from the machine tug runs on: HAProxy
//! through its runtime API (`haproxy.rs`), anything else through a templated command
//! (`command.rs`). How a share becomes weights is `weights.rs`. It prints nothing and reads no
//! environment; its errors name the router and keep their causes.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Serialize;

use crate::config::deploy::{host_name, EnvironmentConfig, StrategyKind};
use crate::config::traffic::{parse_socket, RouterKind, TrafficConfig};

mod command;
mod haproxy;
pub mod weights;

/// One server of the router: a host (and its slot under blue-green).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Server {
    pub host: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub slot: Option<String>,
    /// The router's name for it.
    pub server: String,
}

/// What to change on the router, in one call.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Change {
    /// New weights by server name (servers not listed keep theirs).
    pub weights: BTreeMap<String, u16>,
    pub header: HeaderChange,
}

/// What happens to the header route.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum HeaderChange {
    /// Left as it is.
    #[default]
    Keep,
    /// On: requests with the header go to these servers (those running the new release).
    On(Vec<String>),
    /// Off: requests with the header are routed like the others.
    Off,
}

/// A server's state as the router reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ServerState {
    /// Taking requests (by its weight).
    Ready,
    /// Draining: no new requests.
    Drain,
    /// In maintenance: no requests.
    Maint,
    /// Its health check fails.
    Down,
}

/// One server in the router's view.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ServerView {
    pub server: String,
    /// The host (and slot) it stands for, when it is one of the environment's.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub slot: Option<String>,
    /// The weight it has now.
    pub weight: u16,
    /// The weight haproxy.cfg gives it.
    pub initial: u16,
    pub state: ServerState,
}

/// What the router says about the environment's backend (`tug status`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct View {
    pub router: String,
    pub servers: Vec<ServerView>,
    /// Whether the header route to the new release is on (when header routing is configured).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub header: Option<bool>,
}

impl View {
    /// The view of one server by name.
    pub fn server(&self, name: &str) -> Option<&ServerView> {
        self.servers.iter().find(|s| s.server == name)
    }
}

/// The router in `tug status`: its view, or why it cannot be had.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TrafficStatus {
    pub router: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub view: Option<View>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// The values a command router's template sees besides the change.
#[derive(Debug, Clone, Default)]
pub struct CallContext {
    pub environment: String,
    pub version: String,
    /// The new release's share (percent) in a traffic step.
    pub share: Option<u8>,
    /// `{{ env.NAME }}` values.
    pub env: BTreeMap<String, String>,
}

/// Why the router did not take a change or answer a question.
#[derive(Debug, thiserror::Error)]
pub enum TrafficError {
    /// The runtime API cannot be reached.
    #[error("router {router}: cannot connect to {address}")]
    Connect {
        router: String,
        address: String,
        #[source]
        source: std::io::Error,
    },
    /// Talking to it failed half way (a timeout, a closed connection).
    #[error("router {router}: no answer to `{command}`")]
    Io {
        router: String,
        command: String,
        #[source]
        source: std::io::Error,
    },
    /// It answered with an error.
    #[error("router {router}: `{command}` was refused: {answer}")]
    Refused {
        router: String,
        command: String,
        answer: String,
    },
    /// A server tug needs is not in the backend.
    #[error("router {router}: backend {backend} has no server {server}")]
    NoServer {
        router: String,
        backend: String,
        server: String,
    },
    /// The command router's command could not run, or failed.
    #[error("router {router}: {what}")]
    Command {
        router: String,
        what: String,
        #[source]
        source: Option<std::io::Error>,
    },
}

impl TrafficError {
    pub fn hint(&self) -> Option<String> {
        match self {
            TrafficError::Connect { .. } | TrafficError::Io { .. } => Some(
                "check that the router runs and that `traffic.socket` names its runtime API (haproxy.cfg: `stats socket PATH level admin`); nothing was switched by this call".into(),
            ),
            TrafficError::NoServer { .. } => Some(
                "name each host's server in `traffic.servers` (default: the host's name; blue-green: HOST-SLOT)".into(),
            ),
            TrafficError::Refused { .. } => Some(
                "the runtime API needs `level admin`; header routing needs the map file loaded by haproxy.cfg (docs/traffic.md)".into(),
            ),
            TrafficError::Command { .. } => None,
        }
    }
}

impl crate::error::Diagnostic for TrafficError {
    fn exit_code(&self) -> crate::ExitCode {
        crate::ExitCode::Failure
    }
    fn hint(&self) -> Option<String> {
        TrafficError::hint(self)
    }
}

enum Driver {
    Haproxy(haproxy::Haproxy),
    Command(command::CommandRouter),
}

/// An environment's router, ready to use.
pub struct Router {
    driver: Driver,
    servers: Vec<Server>,
    /// `haproxy unix:/run/haproxy.sock backend app`: how errors and plans name it.
    label: String,
    /// The header route's `NAME: value`, when configured.
    header: Option<String>,
}

impl Router {
    /// The router of an environment (`None` without `traffic:`); paths relative to `base_dir`.
    pub fn new(env: &EnvironmentConfig, base_dir: &Path) -> Result<Option<Router>, String> {
        let Some(t) = &env.traffic else {
            return Ok(None);
        };
        let servers = servers(env, t);
        let header = t
            .header
            .as_ref()
            .map(|h| format!("{}: {}", h.name, h.value));
        let (driver, label) = match t.kind {
            RouterKind::Haproxy => {
                let socket = t
                    .socket
                    .as_deref()
                    .ok_or("the haproxy router needs `socket`")?;
                let backend = t
                    .backend
                    .clone()
                    .ok_or("the haproxy router needs `backend`")?;
                let addr = parse_socket(socket).map_err(|e| format!("traffic.socket: {e}"))?;
                let label = format!("haproxy {socket} backend {backend}");
                let h = haproxy::Haproxy::new(
                    addr,
                    base_dir,
                    backend,
                    t.header.as_ref().and_then(|h| {
                        Some(haproxy::HeaderMap {
                            map: h.map.clone()?,
                            key: h.value.clone(),
                            backend: h.backend.clone()?,
                        })
                    }),
                    t.timeout(),
                    label.clone(),
                );
                (Driver::Haproxy(h), label)
            }
            RouterKind::Command => {
                let cmd = t
                    .command
                    .clone()
                    .ok_or("the command router needs `command`")?;
                let label = "command".to_string();
                (
                    Driver::Command(command::CommandRouter::new(
                        cmd,
                        base_dir,
                        t.timeout(),
                        label.clone(),
                    )),
                    label,
                )
            }
        };
        Ok(Some(Router {
            driver,
            servers,
            label,
            header,
        }))
    }

    /// How errors and plans name this router.
    pub fn label(&self) -> &str {
        &self.label
    }

    /// The header route (`X-Release-Stage: canary`), when configured.
    pub fn header(&self) -> Option<&str> {
        self.header.as_deref()
    }

    /// Every server of the environment.
    pub fn servers(&self) -> &[Server] {
        &self.servers
    }

    /// The server of `host` (in `slot` under blue-green).
    pub fn server_of(&self, host: &str, slot: Option<&str>) -> Option<&str> {
        self.servers
            .iter()
            .find(|s| s.host == host && s.slot.as_deref() == slot)
            .map(|s| s.server.as_str())
    }

    /// What the router says now (`None`: a command router, which cannot be asked). Every
    /// server of the environment must be in it.
    pub fn view(&self) -> Result<Option<View>, TrafficError> {
        match &self.driver {
            Driver::Haproxy(h) => {
                let mut view = h.view()?;
                for s in &self.servers {
                    match view.servers.iter_mut().find(|v| v.server == s.server) {
                        Some(v) => {
                            v.host = Some(s.host.clone());
                            v.slot = s.slot.clone();
                        }
                        None => {
                            return Err(TrafficError::NoServer {
                                router: self.label.clone(),
                                backend: h.backend().to_string(),
                                server: s.server.clone(),
                            })
                        }
                    }
                }
                Ok(Some(view))
            }
            Driver::Command(_) => Ok(None),
        }
    }

    /// The view for `tug status` (an error becomes its text, with its causes).
    pub fn status(&self) -> TrafficStatus {
        match self.view() {
            Ok(view) => TrafficStatus {
                router: self.label.clone(),
                view,
                error: None,
            },
            Err(e) => {
                let mut text = e.to_string();
                let mut cur = std::error::Error::source(&e);
                while let Some(c) = cur {
                    text += &format!(": {c}");
                    cur = c.source();
                }
                TrafficStatus {
                    router: self.label.clone(),
                    view: None,
                    error: Some(text),
                }
            }
        }
    }

    /// Apply `change` in one call.
    pub fn apply(&self, change: &Change, ctx: &CallContext) -> Result<(), TrafficError> {
        let _span = tracing::info_span!("router", router = %self.label, weights = ?change.weights, header = ?change.header).entered();
        let started = std::time::Instant::now();
        let res = match &self.driver {
            Driver::Haproxy(h) => h.apply(change),
            Driver::Command(c) => c.apply(change, &self.servers, ctx),
        };
        tracing::info!(
            ok = res.is_ok(),
            elapsed_ms = started.elapsed().as_secs_f64() * 1000.0,
            "router change"
        );
        res
    }
}

/// The servers of an environment: one per host, or one per host and slot under blue-green.
fn servers(env: &EnvironmentConfig, t: &TrafficConfig) -> Vec<Server> {
    let mut out = Vec::new();
    for h in &env.target.hosts {
        let host = host_name(h);
        if env.strategy.kind == StrategyKind::BlueGreen {
            for slot in env.strategy.slots.keys() {
                let key = format!("{host}/{slot}");
                out.push(Server {
                    host: host.clone(),
                    slot: Some(slot.clone()),
                    server: t
                        .servers
                        .get(&key)
                        .cloned()
                        .unwrap_or_else(|| format!("{host}-{slot}")),
                });
            }
        } else {
            out.push(Server {
                host: host.clone(),
                slot: None,
                server: t.servers.get(&host).cloned().unwrap_or(host),
            });
        }
    }
    out
}

/// `web1=3 web2=19`: weights as one line (history, plans, the command router's `{{ weights }}`).
pub fn describe(weights: &BTreeMap<String, u16>) -> String {
    weights
        .iter()
        .map(|(s, w)| format!("{s}={w}"))
        .collect::<Vec<_>>()
        .join(" ")
}
