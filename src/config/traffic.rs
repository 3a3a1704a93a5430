//! tug.yaml `environments.X.traffic:`: the traffic router in front of an environment's hosts (the
//! load balancer tug moves requests with), and the `traffic: N%` canary steps that use it. A
//! section of its own so that the deploy model (`deploy.rs`) only gains one field; read by
//! `src/deploy/traffic/` and validated here with file:line:col diagnostics.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::deploy::{host_name, EnvironmentConfig, StrategyKind};
use super::types::Duration;
use super::Validator;

/// The kind of router.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum RouterKind {
    /// HAProxy, driven through its runtime API (the `stats socket ... level admin`): server
    /// weights and map entries change at once, with no reload and no dropped connection.
    Haproxy,
    /// Any other router: a shell command run on this machine for every change, given the
    /// servers and their weights (see `command`).
    Command,
}

/// The router in front of the hosts.
#[derive(Debug, Clone, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TrafficConfig {
    /// `haproxy` or `command`.
    #[serde(rename = "type")]
    pub kind: RouterKind,
    /// haproxy: where its runtime API listens: `unix:PATH` (a `stats socket PATH level admin`;
    /// relative to tug.yaml) or `tcp:ADDRESS:PORT`.
    #[serde(default)]
    pub socket: Option<String>,
    /// haproxy: the backend whose servers are this environment's hosts.
    #[serde(default)]
    pub backend: Option<String>,
    /// The router's name for each host's server, by host name (default: the host's name).
    /// Blue-green: one server per host and slot, keyed `HOST/SLOT` (default `HOST-SLOT`).
    #[serde(default)]
    pub servers: BTreeMap<String, String>,
    /// During a rollout, requests carrying this header and value always reach the new release.
    #[serde(default)]
    pub header: Option<HeaderRouteConfig>,
    /// command: run with `sh -c` on this machine for every change (templated: `{{ environment
    /// }}`, `{{ version }}`, `{{ weights }}` (`server=weight` pairs, space separated), `{{
    /// servers }}` (a list of `{host, slot, server, weight}`), `{{ share }}` (the share of
    /// the last `traffic:` step, -1 before the first), `{{ header }}` (`on` or
    /// `off`), `{{ header_servers }}` (the servers header requests go to), `{{ env.NAME }}`).
    /// Exit 0 means the router took the change.
    #[serde(default)]
    pub command: Option<String>,
    /// Time allowed for one router call (default 5s).
    #[serde(default)]
    pub timeout: Option<Duration>,
}

/// Header routing: which requests reach the new release whatever the weights.
#[derive(Debug, Clone, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct HeaderRouteConfig {
    /// The header (default `X-Release-Stage`); haproxy.cfg reads it (`req.hdr(...)`).
    #[serde(default = "default_header_name")]
    pub name: String,
    /// The value that routes a request to the new release (default `canary`): the key tug adds
    /// to the map.
    #[serde(default = "default_header_value")]
    pub value: String,
    /// haproxy: the map file as haproxy.cfg names it in its `use_backend` rule (`map(PATH)`).
    #[serde(default)]
    pub map: Option<String>,
    /// haproxy: the backend the map entry sends those requests to; it lists the same servers,
    /// and tug gives weight only to those running the new release.
    #[serde(default)]
    pub backend: Option<String>,
}

fn default_header_name() -> String {
    "X-Release-Stage".into()
}

fn default_header_value() -> String {
    "canary".into()
}

impl TrafficConfig {
    pub fn timeout(&self) -> std::time::Duration {
        self.timeout
            .map_or(std::time::Duration::from_secs(5), Duration::get)
    }
}

/// The share of requests a `traffic:` step sends to the new release: `0%` to `100%`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct TrafficShare(pub u8);

impl TrafficShare {
    fn parse(text: &str) -> Result<TrafficShare, String> {
        let text = text.trim();
        let Some(p) = text.strip_suffix('%') else {
            return Err(format!("{text:?} is not a percentage (write `5%`)"));
        };
        let p: u64 = p
            .trim()
            .parse()
            .map_err(|_| format!("{text:?} is not a percentage"))?;
        if p > 100 {
            return Err(format!(
                "{text:?}: a traffic share must be between 0% and 100%"
            ));
        }
        Ok(TrafficShare(p as u8))
    }
}

impl<'de> Deserialize<'de> for TrafficShare {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        TrafficShare::parse(&s).map_err(serde::de::Error::custom)
    }
}

impl schemars::JsonSchema for TrafficShare {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "TrafficShare".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "The share of requests for the new release, \"0%\" to \"100%\".",
            "type": "string",
            "pattern": "^[0-9]+%$"
        })
    }
}

/// Report every problem of the router and the traffic steps, located where possible.
pub fn validate(env: &EnvironmentConfig, name: &str, v: &mut Validator) {
    let unknown = super::Location::UNKNOWN;
    let steps: Vec<_> = env
        .strategy
        .steps
        .iter()
        .filter_map(|s| s.traffic.as_ref())
        .collect();
    let Some(t) = &env.traffic else {
        if let Some(first) = steps.first() {
            v.error(
                first.referenced,
                format!("environment {name:?}: a traffic step needs a router"),
                Some("configure `traffic:` (type: haproxy or command) for this environment".into()),
            );
        }
        return;
    };
    match env.strategy.kind {
        StrategyKind::Canary => {}
        StrategyKind::BlueGreen | StrategyKind::AllAtOnce | StrategyKind::Rolling => {
            if let Some(first) = steps.first() {
                v.error(
                    first.referenced,
                    format!("environment {name:?}: `traffic` steps are for the canary strategy"),
                    Some("blue-green moves all traffic at its switch; all-at-once and rolling move hosts".into()),
                );
            }
        }
    }
    let mut last: Option<u8> = None;
    for s in &steps {
        if let Some(prev) = last {
            if s.value.0 < prev {
                v.error(
                    s.referenced,
                    format!(
                        "environment {name:?}: traffic {}% after {prev}%: shares must not decrease",
                        s.value.0
                    ),
                    Some("a failing canary rolls back on its own; list the shares in increasing order".into()),
                );
            }
        }
        last = Some(s.value.0);
    }
    match t.kind {
        RouterKind::Haproxy => {
            match t.socket.as_deref() {
                None => v.error(
                    unknown,
                    format!("environment {name:?}: the haproxy router needs `socket`"),
                    Some("e.g. socket: unix:/run/haproxy/admin.sock or tcp:127.0.0.1:9999".into()),
                ),
                Some(s) => {
                    if let Err(e) = parse_socket(s) {
                        v.error(
                            unknown,
                            format!("environment {name:?}: traffic.socket: {e}"),
                            Some("write unix:PATH or tcp:ADDRESS:PORT".into()),
                        );
                    }
                }
            }
            if t.backend.is_none() {
                v.error(
                    unknown,
                    format!("environment {name:?}: the haproxy router needs `backend`"),
                    Some("the backend whose servers are the hosts, as haproxy.cfg names it".into()),
                );
            }
            if t.command.is_some() {
                v.error(
                    unknown,
                    format!("environment {name:?}: `traffic.command` is for the command router"),
                    None,
                );
            }
            if let Some(h) = &t.header {
                if h.map.is_none() || h.backend.is_none() {
                    v.error(
                        unknown,
                        format!(
                            "environment {name:?}: haproxy header routing needs `header.map` and `header.backend`"
                        ),
                        Some("see docs/traffic.md for the haproxy.cfg snippet they name".into()),
                    );
                }
            }
        }
        RouterKind::Command => {
            if t.command.is_none() {
                v.error(
                    unknown,
                    format!("environment {name:?}: the command router needs `command`"),
                    Some("e.g. command: \"my-lb set {{ weights }}\"".into()),
                );
            }
            if t.socket.is_some() || t.backend.is_some() {
                v.error(
                    unknown,
                    format!(
                        "environment {name:?}: `socket` and `backend` are for the haproxy router"
                    ),
                    None,
                );
            }
        }
    }
    let hosts: Vec<String> = env.target.hosts.iter().map(host_name).collect();
    let slots: Vec<&String> = env.strategy.slots.keys().collect();
    for key in t.servers.keys() {
        let known = match key.split_once('/') {
            Some((h, s)) => {
                env.strategy.kind == StrategyKind::BlueGreen
                    && hosts.iter().any(|x| x == h)
                    && slots.iter().any(|x| *x == s)
            }
            None => env.strategy.kind != StrategyKind::BlueGreen && hosts.contains(key),
        };
        if !known {
            v.error(
                unknown,
                format!("environment {name:?}: traffic.servers: {key:?} is not a host of the environment{}",
                    if env.strategy.kind == StrategyKind::BlueGreen { " with a slot (HOST/SLOT)" } else { "" }),
                Some(format!("hosts: {}", hosts.join(", "))),
            );
        }
    }
}

/// Where a router's runtime API listens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SocketAddr {
    Unix(String),
    Tcp(String),
}

/// Parse `unix:PATH` or `tcp:ADDRESS:PORT`.
pub fn parse_socket(text: &str) -> Result<SocketAddr, String> {
    if let Some(p) = text.strip_prefix("unix:") {
        if p.is_empty() {
            return Err("unix: needs a path".into());
        }
        return Ok(SocketAddr::Unix(p.to_string()));
    }
    if let Some(a) = text.strip_prefix("tcp:") {
        let ok = a
            .rsplit_once(':')
            .is_some_and(|(h, p)| !h.is_empty() && p.parse::<u16>().is_ok());
        if !ok {
            return Err(format!("{a:?} is not ADDRESS:PORT"));
        }
        return Ok(SocketAddr::Tcp(a.to_string()));
    }
    Err(format!(
        "{text:?} is neither unix:PATH nor tcp:ADDRESS:PORT"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problems(yaml: &str) -> Vec<String> {
        let env: EnvironmentConfig = serde_saphyr::from_str(yaml).unwrap();
        let mut v = Validator::new(std::path::Path::new("tug.yaml"));
        validate(&env, "prod", &mut v);
        v.diagnostics
            .iter()
            .map(|d| format!("{}:{} {}", d.line, d.column, d.message))
            .collect()
    }

    #[test]
    fn shares_parse_and_out_of_range_is_refused() {
        assert_eq!(TrafficShare::parse("5%").unwrap(), TrafficShare(5));
        assert_eq!(TrafficShare::parse("0%").unwrap(), TrafficShare(0));
        assert!(TrafficShare::parse("101%").is_err());
        assert!(TrafficShare::parse("5").is_err());
        let yaml = "target:\n  hosts: [{path: a}]\nstrategy:\n  type: canary\n  steps:\n    - traffic: 150%\n";
        let err = serde_saphyr::from_str::<EnvironmentConfig>(yaml).unwrap_err();
        assert!(err.to_string().contains("between 0% and 100%"), "{err}");
    }

    #[test]
    fn a_traffic_step_needs_a_router_and_shares_must_not_decrease() {
        let steps = "target:\n  hosts: [{path: a}, {path: b}]\nstrategy:\n  type: canary\n  steps:\n    - hosts: 1\n    - traffic: 10%\n    - traffic: 5%\n";
        let p = problems(steps);
        assert_eq!(p.len(), 1, "{p:?}");
        assert!(
            p[0].starts_with("7:") && p[0].contains("needs a router"),
            "{p:?}"
        );
        let with_router = format!("{steps}traffic:\n  type: haproxy\n  socket: unix:/x\n  backend: app\n  servers: {{c: s}}\n");
        let p = problems(&with_router);
        assert_eq!(p.len(), 2, "{p:?}");
        assert!(
            p[0].starts_with("8:") && p[0].contains("must not decrease"),
            "{p:?}"
        );
        assert!(p[1].contains("\"c\" is not a host"), "{p:?}");
    }

    #[test]
    fn sockets() {
        assert_eq!(
            parse_socket("unix:/run/h.sock").unwrap(),
            SocketAddr::Unix("/run/h.sock".into())
        );
        assert_eq!(
            parse_socket("tcp:127.0.0.1:9999").unwrap(),
            SocketAddr::Tcp("127.0.0.1:9999".into())
        );
        assert!(parse_socket("tcp:127.0.0.1").is_err());
        assert!(parse_socket("/run/h.sock").is_err());
    }
}
