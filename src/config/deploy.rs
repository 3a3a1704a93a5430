//! tug.yaml `environments:`: where a release goes (a target and its hosts), how (a strategy),
//! how tug decides it works (health checks, Prometheus analyses), and what it must be signed with.
//! Read by the deploy engine (`src/deploy/`); validated here with file:line:col diagnostics.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::types::Duration;
use super::{Spanned, Validator};

fn default_keep_releases() -> usize {
    5
}

/// One deploy environment (`tug rollout ENV`).
#[derive(Debug, Clone, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EnvironmentConfig {
    /// The hosts of this environment and how tug reaches them.
    pub target: TargetConfig,
    /// How the new release is spread over the hosts (default: all-at-once).
    #[serde(default)]
    pub strategy: StrategyConfig,
    /// Shell command run on each host (in the host's path) after its `current` link is switched,
    /// to (re)start the service. Templated: `{{ host }}`, `{{ address }}`, `{{ environment }}`,
    /// `{{ version }}`, `{{ path }}`, `{{ release_dir }}`, `{{ vars.NAME }}`; blue-green: runs
    /// when a slot is prepared, with `{{ slot }}` (and `TUG_SLOT`) naming it.
    #[serde(default)]
    pub restart: Option<String>,
    /// How tug decides that a host runs the new release correctly after the restart.
    #[serde(default)]
    pub health_check: Option<HealthCheckConfig>,
    /// Prometheus analyses by name, referenced from canary steps (`analysis: NAME`).
    #[serde(default)]
    pub analyses: BTreeMap<String, AnalysisConfig>,
    /// The PEM public key (ECDSA P-256, cosign compatible) releases must be signed with: inline
    /// PEM text or a path relative to tug.yaml. Required unless `--insecure-skip-verify`.
    #[serde(default)]
    pub public_key: Option<String>,
    /// Shell commands run on each host around the switch.
    #[serde(default)]
    pub hooks: HooksConfig,
    /// How many releases each host keeps in `releases/` (never pruning the current one or the
    /// last good one).
    #[serde(default = "default_keep_releases")]
    pub keep_releases: usize,
    /// Which artifact of the release is deployed: its name, templated (`{{ project }}`,
    /// `{{ version }}`). Default: the only linux binary or archive for this machine's arch.
    #[serde(default)]
    pub artifact: Option<String>,
    /// Where releases come from when not from the local dist/: a directory written by the `dir`
    /// publisher (`<source>/<project>/<version>/manifest.json`). `--from DIR` overrides it.
    #[serde(default)]
    pub source: Option<String>,
    /// How long a lock is valid before another tug may treat it as stale (default 1h).
    #[serde(default)]
    pub lock_timeout: Option<Duration>,
    /// Refuse, before any host is touched, a release without a signed provenance (made by
    /// `tug sign` with `provenance:`) that covers the deployed artifact and satisfies `policy:`.
    #[serde(default)]
    pub require_provenance: bool,
    /// Webhooks told about this environment's rollout events; replaces the top-level `notify:`
    /// (`[]`: none). See docs/notify.md.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notify: Option<Vec<super::notify::WebhookConfig>>,
    /// Commit confirmed (off by default): each host a rollout switches arms a timer on the host
    /// that switches it back to its previous release (and re-runs `restart`) unless the rollout
    /// confirms it within this time (`2m`). tug confirms the hosts of a step when the step has
    /// passed (its health checks and the analyses and pauses after it), and extends the timers
    /// while it runs; if tug is killed or loses the hosts, they go back on their own. At least
    /// `1s`; not for blue-green yet.
    #[serde(default)]
    #[schemars(with = "Option<Duration>")]
    pub confirm_within: Option<Spanned<Duration>>,
    /// The traffic router in front of the hosts (HAProxy's runtime API, or a command): canary
    /// `traffic:` steps, header routing, blue-green switches and rollbacks by traffic
    /// (docs/traffic.md).
    #[serde(default)]
    pub traffic: Option<super::traffic::TrafficConfig>,
}

/// The kind of target.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize, schemars::JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum TargetKind {
    /// Directories on this machine, each standing for a host.
    #[default]
    Local,
    /// Hosts reached with the system OpenSSH client (its config, agent and known_hosts apply).
    Ssh,
}

/// Where the hosts are.
#[derive(Debug, Clone, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TargetConfig {
    /// `local` or `ssh`.
    #[serde(rename = "type", default)]
    pub kind: TargetKind,
    /// The hosts, in deploy order.
    pub hosts: Vec<HostConfig>,
    /// ssh only: an ssh_config file to use instead of ~/.ssh/config (`ssh -F`), relative to tug.yaml.
    #[serde(default)]
    pub ssh_config: Option<String>,
    /// ssh only: a known_hosts file to check host keys against (in addition to ssh's defaults
    /// when unset). Unknown or changed host keys are always refused.
    #[serde(default)]
    pub known_hosts: Option<String>,
    /// ssh only: a private key file (`ssh -i`), relative to tug.yaml; default: ssh's own choice
    /// (agent, ~/.ssh/id_*).
    #[serde(default)]
    pub identity_file: Option<String>,
}

/// One host.
#[derive(Debug, Clone, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct HostConfig {
    /// The host's name in plans, status and history (default: its address, or its path).
    #[serde(default)]
    pub name: Option<String>,
    /// ssh: the host to connect to (a name from ssh_config or an address). local: the address
    /// its service listens on, for health checks (`{{ address }}`, default 127.0.0.1).
    #[serde(default)]
    pub address: Option<String>,
    /// ssh only: the user to log in as.
    #[serde(default)]
    pub user: Option<String>,
    /// ssh only: the port.
    #[serde(default)]
    pub port: Option<u16>,
    /// The directory holding `releases/`, `current` and `.tug/` (local: relative to tug.yaml).
    pub path: String,
    /// Free per-host values for templates (`{{ vars.port }}`).
    #[serde(default)]
    pub vars: BTreeMap<String, String>,
}

/// A strategy kind.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize, schemars::JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum StrategyKind {
    /// Every host at once.
    #[default]
    AllAtOnce,
    /// Batches of `batch` hosts, one batch after the other.
    Rolling,
    /// `steps:` in order: deploy to more hosts, pause, analyse.
    Canary,
    /// Two slots per host: the idle slot gets the release and is health-checked on every host,
    /// then every host switches `current` to it (one rename); the old slot stays warm.
    BlueGreen,
}

/// How the release is spread over the hosts.
#[derive(Debug, Clone, Default, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StrategyConfig {
    /// `all-at-once`, `rolling`, `canary` or `blue-green`.
    #[serde(rename = "type", default)]
    pub kind: StrategyKind,
    /// rolling: hosts per batch, a count (`2`) or a share of the fleet (`25%`). A host being
    /// switched is unavailable, so without `max_unavailable` this is also the maximum number of
    /// unavailable hosts.
    #[serde(default)]
    #[schemars(with = "Option<HostCount>")]
    pub batch: Option<Spanned<HostCount>>,
    /// rolling: at most this many hosts (count or %) out of service at once, counting hosts
    /// that already fail their health check: a batch switches at most `max_unavailable` minus
    /// the unhealthy hosts outside it at a time, and the rollout pauses (exit 6) when no host
    /// can be taken down. Needs `health_check`.
    #[serde(default)]
    #[schemars(with = "Option<HostCount>")]
    pub max_unavailable: Option<Spanned<HostCount>>,
    /// canary: the steps, in order. Hosts left over after the last step are deployed at the end.
    /// blue-green: `pause` and `analysis` steps run after the idle slots are ready, before the
    /// switch.
    #[serde(default)]
    pub steps: Vec<CanaryStep>,
    /// blue-green: exactly two slots, each with template values that override the host's
    /// `vars` (`blue: {port: "8081"}`); `{{ slot }}` names the slot. The first slot in
    /// alphabetical order is used first.
    #[serde(default)]
    pub slots: BTreeMap<String, BTreeMap<String, String>>,
}

/// One canary step: exactly one of `hosts`, `traffic`, `pause`, `analysis`.
#[derive(Debug, Clone, Default, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CanaryStep {
    /// Make the new release run on this many hosts in total (`1`, `50%`).
    #[serde(default)]
    #[schemars(with = "Option<HostCount>")]
    pub hosts: Option<Spanned<HostCount>>,
    /// Wait for a duration (`30s`), or `manual`: stop with exit 6 until `tug rollout promote`.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub pause: Option<Spanned<String>>,
    /// Run the named analysis: pass continues, failure rolls back, inconclusive pauses.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub analysis: Option<Spanned<String>>,
    /// Send this share of requests (`5%`) to the hosts running the new release, through the
    /// environment's `traffic:` router; `100%` completes. Shares never decrease.
    #[serde(default)]
    #[schemars(with = "Option<super::traffic::TrafficShare>")]
    pub traffic: Option<Spanned<super::traffic::TrafficShare>>,
}

/// A number of hosts: a count or a percentage of the fleet (rounded up, at least 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum HostCount {
    Count(u64),
    Percent(u64),
}

impl HostCount {
    /// How many hosts this means for a fleet of `total` (at least 1, at most `total`).
    pub fn of(self, total: usize) -> usize {
        let n = match self {
            HostCount::Count(n) => n as usize,
            HostCount::Percent(p) => (total * p as usize).div_ceil(100),
        };
        n.clamp(1, total.max(1))
    }

    fn parse(text: &str) -> Result<HostCount, String> {
        let text = text.trim();
        if let Some(p) = text.strip_suffix('%') {
            let p: u64 = p
                .trim()
                .parse()
                .map_err(|_| format!("{text:?} is not a percentage"))?;
            if p == 0 || p > 100 {
                return Err(format!(
                    "{text:?}: a percentage must be between 1% and 100%"
                ));
            }
            Ok(HostCount::Percent(p))
        } else {
            let n: u64 = text
                .parse()
                .map_err(|_| format!("{text:?} is not a host count or a percentage"))?;
            if n == 0 {
                return Err("a host count must be at least 1".into());
            }
            Ok(HostCount::Count(n))
        }
    }
}

impl<'de> Deserialize<'de> for HostCount {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = HostCount;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a host count (2) or a percentage (25%)")
            }
            fn visit_u64<E: serde::de::Error>(self, n: u64) -> Result<HostCount, E> {
                HostCount::parse(&n.to_string()).map_err(E::custom)
            }
            fn visit_i64<E: serde::de::Error>(self, n: i64) -> Result<HostCount, E> {
                HostCount::parse(&n.to_string()).map_err(E::custom)
            }
            fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<HostCount, E> {
                HostCount::parse(s).map_err(E::custom)
            }
        }
        d.deserialize_any(V)
    }
}

impl schemars::JsonSchema for HostCount {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "HostCount".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "A host count (2) or a percentage of the fleet (\"25%\").",
            "anyOf": [{"type": "integer", "minimum": 1}, {"type": "string", "pattern": "^[0-9]+%$"}]
        })
    }
}

/// Health check: exactly one of `http`, `tcp`, `command`.
#[derive(Debug, Clone, Default, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct HealthCheckConfig {
    /// A URL fetched from this machine (templated, e.g. `http://{{ address }}:{{ vars.port }}/healthz`).
    #[serde(default)]
    pub http: Option<String>,
    /// The HTTP status that means healthy (default 200).
    #[serde(default)]
    pub expect_status: Option<u16>,
    /// `host:port` that must accept a TCP connection (templated).
    #[serde(default)]
    pub tcp: Option<String>,
    /// A shell command run on the host; exit 0 means healthy (templated).
    #[serde(default)]
    pub command: Option<String>,
    /// Time allowed for one attempt (default 5s).
    #[serde(default)]
    pub timeout: Option<Duration>,
    /// Further attempts after a failed one (default 10).
    #[serde(default)]
    pub retries: Option<u32>,
    /// Wait between attempts (default 500ms).
    #[serde(default)]
    pub interval: Option<Duration>,
    /// After the first success the host must stay healthy this long (checked every interval).
    #[serde(default)]
    pub min_healthy_time: Option<Duration>,
}

/// What to do when a measurement has no data (an empty result or NaN).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize, schemars::JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum NoDataPolicy {
    /// The measurement is inconclusive (the default): too many pause the rollout.
    #[default]
    Inconclusive,
    /// The measurement fails.
    Fail,
    /// The measurement passes.
    Pass,
}

/// Which hosts a failed analysis rolls back.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize, schemars::JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum RollbackScope {
    /// Every host this rollout switched.
    #[default]
    All,
    /// Only the canary hosts: those switched since the last analysis that passed. Hosts promoted
    /// earlier keep the new release; the rollout stops.
    Canary,
}

/// A failure condition of an analysis.
#[derive(Debug, Clone, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FailureCondition {
    /// An expression over `result` and the named queries (`error_rate > 0.15`,
    /// `p50 > 0.8 and error_rate > 0.03`).
    #[schemars(with = "String")]
    pub condition: Spanned<String>,
    /// Which hosts to roll back when it holds: `all` (default) or `canary`.
    #[serde(default)]
    pub rollback: RollbackScope,
}

/// A Prometheus analysis (instant queries measured `count` times, every `interval`).
#[derive(Debug, Clone, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AnalysisConfig {
    /// The Prometheus server (`http://127.0.0.1:9090`).
    pub prometheus: String,
    /// The main query, available as `result` in conditions. Templated with `{{ version }}`,
    /// `{{ hosts }}` (regex alternation of the canary hosts' addresses), `{{ environment }}`,
    /// `{{ window }}`.
    #[serde(default)]
    pub query: Option<String>,
    /// More queries by name, available under that name in conditions.
    #[serde(default)]
    pub queries: BTreeMap<String, String>,
    /// The measurement passes when this holds (default: when no failure condition holds).
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub success: Option<Spanned<String>>,
    /// The measurement fails when any of these holds (first match decides the scope).
    #[serde(default)]
    pub failure: Vec<FailureCondition>,
    /// Wait between measurements (default 10s).
    #[serde(default)]
    pub interval: Option<Duration>,
    /// Number of measurements (default 1).
    #[serde(default)]
    pub count: Option<u32>,
    /// Wait before the first measurement (default 0s).
    #[serde(default)]
    pub initial_delay: Option<Duration>,
    /// Failed measurements tolerated; one more fails the analysis (default 0).
    #[serde(default)]
    pub failure_limit: Option<u32>,
    /// Inconclusive measurements tolerated before the analysis is inconclusive (default 0).
    #[serde(default)]
    pub inconclusive_limit: Option<u32>,
    /// What a measurement without data counts as: `inconclusive` (default), `fail`, `pass`.
    #[serde(default)]
    pub no_data: NoDataPolicy,
    /// The value of `{{ window }}` in queries (default `1m`).
    #[serde(default)]
    pub window: Option<String>,
    /// A query counting the requests a measurement is based on (templated like `query`), e.g.
    /// `sum(increase(http_requests_total{host=~"{{ hosts }}"}[{{ window }}]))`.
    #[serde(default)]
    pub samples: Option<String>,
    /// With `samples`: a measurement over fewer requests than this is inconclusive (too little
    /// traffic to judge), whatever the conditions say.
    #[serde(default)]
    pub min_samples: Option<u64>,
}

/// Shell commands run on the hosts.
#[derive(Debug, Clone, Default, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct HooksConfig {
    /// Run in the new release's directory before the switch (templated); failure fails the host.
    #[serde(default)]
    pub before_switch: Option<String>,
    /// Run after the switch and before the restart (templated); failure fails the host.
    #[serde(default)]
    pub after_switch: Option<String>,
}

/// The value of an optional duration setting, or its default (parsed at load: a bad value is
/// a located config error, never silently the default).
fn or(value: Option<Duration>, default: std::time::Duration) -> std::time::Duration {
    value.map_or(default, Duration::get)
}

impl HealthCheckConfig {
    pub fn timeout(&self) -> std::time::Duration {
        or(self.timeout, std::time::Duration::from_secs(5))
    }
    pub fn interval(&self) -> std::time::Duration {
        or(self.interval, std::time::Duration::from_millis(500))
    }
    pub fn min_healthy_time(&self) -> std::time::Duration {
        or(self.min_healthy_time, std::time::Duration::ZERO)
    }
    pub fn retries(&self) -> u32 {
        self.retries.unwrap_or(10)
    }
}

impl AnalysisConfig {
    pub fn interval(&self) -> std::time::Duration {
        or(self.interval, std::time::Duration::from_secs(10))
    }
    pub fn initial_delay(&self) -> std::time::Duration {
        or(self.initial_delay, std::time::Duration::ZERO)
    }
}

impl EnvironmentConfig {
    pub fn lock_timeout(&self) -> std::time::Duration {
        or(self.lock_timeout, std::time::Duration::from_secs(3600))
    }

    /// Report every problem in this environment, located at the offending value.
    pub fn validate(&self, name: &str, v: &mut Validator) {
        if let Some(hooks) = &self.notify {
            v.scoped("notify", |v| super::notify::validate(hooks, v));
        }
        let unknown = super::Location::UNKNOWN;
        if self.target.hosts.is_empty() {
            v.error(
                unknown,
                format!("environment {name:?} has no hosts"),
                Some("add target.hosts".into()),
            );
        }
        let mut names = std::collections::BTreeSet::new();
        for host in &self.target.hosts {
            if self.target.kind == TargetKind::Ssh && host.address.is_none() {
                v.error(
                    unknown,
                    format!(
                        "environment {name:?}: ssh host {:?} has no address",
                        host.path
                    ),
                    None,
                );
            }
            let host_name = host_name(host);
            if !names.insert(host_name.clone()) {
                v.error(
                    unknown,
                    format!("environment {name:?}: host name {host_name:?} appears twice"),
                    Some("give each host a distinct `name:`".into()),
                );
            }
        }
        if let Some(h) = &self.health_check {
            let kinds = [h.http.is_some(), h.tcp.is_some(), h.command.is_some()];
            if kinds.iter().filter(|k| **k).count() != 1 {
                v.error(
                    unknown,
                    format!("environment {name:?}: health_check needs exactly one of http, tcp, command"),
                    None,
                );
            }
        }
        match self.strategy.kind {
            StrategyKind::Rolling if self.strategy.batch.is_none() => v.error(
                unknown,
                format!("environment {name:?}: a rolling strategy needs `batch`"),
                Some("e.g. batch: 2 or batch: 25%".into()),
            ),
            StrategyKind::Canary if self.strategy.steps.is_empty() => v.error(
                unknown,
                format!("environment {name:?}: a canary strategy needs `steps`"),
                Some("e.g. steps: [{hosts: 1}, {pause: manual}]".into()),
            ),
            StrategyKind::BlueGreen => {
                if self.strategy.slots.len() != 2 {
                    v.error(
                        unknown,
                        format!(
                            "environment {name:?}: a blue-green strategy needs exactly two `slots` (has {})",
                            self.strategy.slots.len()
                        ),
                        Some("e.g. slots: {blue: {port: \"8081\"}, green: {port: \"8082\"}}".into()),
                    );
                }
                for slot in self.strategy.slots.keys() {
                    if slot.is_empty()
                        || !slot
                            .bytes()
                            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
                    {
                        v.error(
                            unknown,
                            format!("environment {name:?}: slot name {slot:?} is not a plain name"),
                            Some("use letters, digits, - and _".into()),
                        );
                    }
                }
                if self.strategy.steps.iter().any(|s| s.hosts.is_some()) {
                    v.error(
                        unknown,
                        format!("environment {name:?}: blue-green steps cannot have `hosts`"),
                        Some("every host switches together; steps may only pause or analyse, between preparing the idle slots and the switch".into()),
                    );
                }
            }
            _ => {}
        }
        if let Some(m) = &self.strategy.max_unavailable {
            if self.strategy.kind != StrategyKind::Rolling {
                v.error(
                    m.referenced,
                    format!(
                        "environment {name:?}: `max_unavailable` is only for the rolling strategy"
                    ),
                    Some(
                        "canary steps and blue-green switches choose their hosts themselves".into(),
                    ),
                );
            } else if self.health_check.is_none() {
                v.error(
                    m.referenced,
                    format!("environment {name:?}: `max_unavailable` needs a `health_check`"),
                    Some("tug counts unavailable hosts with the health check".into()),
                );
            }
        }
        if let Some(c) = &self.confirm_within {
            if c.value.get() < std::time::Duration::from_secs(1) {
                v.error(
                    c.referenced,
                    format!("environment {name:?}: `confirm_within` must be at least 1s"),
                    Some("the hosts' timers count whole seconds; e.g. confirm_within: 2m".into()),
                );
            } else if self.strategy.kind == StrategyKind::BlueGreen {
                v.error(
                    c.referenced,
                    format!(
                        "environment {name:?}: `confirm_within` is not supported with the blue-green strategy yet"
                    ),
                    Some("remove confirm_within, or use rolling or canary steps".into()),
                );
            }
        }
        if self.strategy.kind != StrategyKind::BlueGreen && !self.strategy.slots.is_empty() {
            v.error(
                unknown,
                format!("environment {name:?}: `slots` is only for the blue-green strategy"),
                Some("set strategy.type: blue-green, or remove slots".into()),
            );
        }
        for step in &self.strategy.steps {
            let set = [
                step.hosts.is_some(),
                step.pause.is_some(),
                step.analysis.is_some(),
                step.traffic.is_some(),
            ];
            if set.iter().filter(|k| **k).count() != 1 {
                v.error(
                    unknown,
                    "a canary step needs exactly one of hosts, traffic, pause, analysis",
                    None,
                );
            }
            if let Some(p) = &step.pause {
                if p.value != "manual" {
                    if let Err(e) = p.value.parse::<Duration>() {
                        v.error(
                            p.referenced,
                            format!("pause: {e}"),
                            Some("use a duration (30s) or `manual`".into()),
                        );
                    }
                }
            }
            if let Some(a) = &step.analysis {
                if !self.analyses.contains_key(&a.value) {
                    let known: Vec<&str> = self.analyses.keys().map(String::as_str).collect();
                    v.error(
                        a.referenced,
                        format!("unknown analysis {:?}", a.value),
                        Some(format!(
                            "define it under analyses: (known: {})",
                            known.join(", ")
                        )),
                    );
                }
            }
        }
        super::traffic::validate(self, name, v);
        for (aname, a) in &self.analyses {
            if a.query.is_none() && a.queries.is_empty() {
                v.error(unknown, format!("analysis {aname:?} has no query"), None);
            }
            if a.min_samples.is_some() && a.samples.is_none() {
                v.error(
                    unknown,
                    format!("analysis {aname:?}: `min_samples` needs a `samples` query"),
                    Some("e.g. samples: 'sum(increase(http_requests_total{host=~\"{{ hosts }}\"}[{{ window }}]))'".into()),
                );
            }
            if a.success.is_none() && a.failure.is_empty() {
                v.error(
                    unknown,
                    format!("analysis {aname:?} has neither success nor failure conditions"),
                    None,
                );
            }
            let env = minijinja::Environment::new();
            let mut check = |expr: &Spanned<String>| {
                if let Err(e) = env.compile_expression(&expr.value) {
                    v.error(
                        expr.referenced,
                        format!("analysis {aname:?}: bad condition: {e}"),
                        None,
                    );
                }
            };
            if let Some(s) = &a.success {
                check(s);
            }
            for f in &a.failure {
                check(&f.condition);
            }
        }
    }
}

/// The name a host goes by: `name`, else its address, else its path.
pub fn host_name(host: &HostConfig) -> String {
    host.name
        .clone()
        .or_else(|| host.address.clone())
        .unwrap_or_else(|| host.path.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_counts_and_percentages() {
        assert_eq!(HostCount::parse("25%").unwrap().of(10), 3);
        assert_eq!(HostCount::parse("1%").unwrap().of(3), 1);
        assert_eq!(HostCount::parse("5").unwrap().of(3), 3);
        assert!(HostCount::parse("0").is_err());
        assert!(HostCount::parse("150%").is_err());
    }

    #[test]
    fn a_bad_duration_is_an_error_at_load_not_the_default() {
        let yaml = "target:\n  hosts: [{path: a}]\nhealth_check:\n  http: x\n  timeout: soon\n";
        let err = serde_saphyr::from_str::<EnvironmentConfig>(yaml).unwrap_err();
        assert!(err.to_string().contains("invalid duration `soon`"), "{err}");
        let yaml = "target:\n  hosts: [{path: a}]\nhealth_check:\n  http: x\n  timeout: 2s\n";
        let env: EnvironmentConfig = serde_saphyr::from_str(yaml).unwrap();
        let hc = env.health_check.unwrap();
        assert_eq!(hc.timeout(), std::time::Duration::from_secs(2));
        assert_eq!(hc.interval(), std::time::Duration::from_millis(500));
    }

    #[test]
    fn validation_locates_unknown_analysis_and_bad_pause() {
        let yaml = "target:\n  hosts: [{path: a}]\nstrategy:\n  type: canary\n  steps:\n    - hosts: 1\n    - pause: soon\n    - analysis: nope\n";
        let env: EnvironmentConfig = serde_saphyr::from_str(yaml).unwrap();
        let mut v = Validator::new(std::path::Path::new("tug.yaml"));
        env.validate("prod", &mut v);
        let msgs: Vec<String> = v
            .diagnostics
            .iter()
            .map(|d| format!("{}:{} {}", d.line, d.column, d.message))
            .collect();
        assert_eq!(msgs.len(), 2, "{msgs:?}");
        assert!(
            msgs[0].starts_with("7:") && msgs[0].contains("pause"),
            "{msgs:?}"
        );
        assert!(
            msgs[1].starts_with("8:") && msgs[1].contains("unknown analysis \"nope\""),
            "{msgs:?}"
        );
        assert_eq!(env.keep_releases, 5);
    }
}
