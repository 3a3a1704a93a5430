//! `notify:`: the webhooks told about rollout events (started, a step passed, paused for a human,
//! resumed, an analysis failed, rolled back, left mixed, finished), at the top level of tug.yaml and per
//! environment (`environments.NAME.notify`, which replaces the top-level list for that
//! environment; `notify: []` turns notifications off there). The kinds of events are defined
//! here, where a webhook's `events:` filter names them, and the deploy engine reports them typed
//! (`deploy::RolloutEvent`). Delivery is `crate::notify`'s job.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{Duration, Spanned, Validator};

/// A rollout event a webhook can be told about.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Deserialize,
    Serialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum RolloutEventKind {
    /// A rollout was started (the release is staged on every host; no host switched yet).
    Started,
    /// A step of the plan passed (hosts switched and healthy, a pause over, an analysis passed).
    StepPassed,
    /// The rollout stopped until a human promotes, resumes or aborts it (exit 6).
    Paused,
    /// `tug rollout promote|resume` continued a paused or interrupted rollout (`reason` tells which
    /// and who; `step` is the step it continues with).
    Resumed,
    /// A Prometheus analysis failed (a rollback follows).
    AnalysisFailed,
    /// Hosts were switched back: automatically after a failure, by `tug rollout abort`, or by
    /// `tug rollback` (`trigger` tells which).
    RolledBack,
    /// A revert or rollback failed on some hosts: the fleet runs several releases (exit 7).
    Mixed,
    /// Every host runs the new release.
    Finished,
}

impl RolloutEventKind {
    pub const ALL: [RolloutEventKind; 8] = [
        RolloutEventKind::Started,
        RolloutEventKind::StepPassed,
        RolloutEventKind::Paused,
        RolloutEventKind::Resumed,
        RolloutEventKind::AnalysisFailed,
        RolloutEventKind::RolledBack,
        RolloutEventKind::Mixed,
        RolloutEventKind::Finished,
    ];

    /// The name tug.yaml and the JSON payload use (`step-passed`).
    pub fn as_str(self) -> &'static str {
        match self {
            RolloutEventKind::Started => "started",
            RolloutEventKind::StepPassed => "step-passed",
            RolloutEventKind::Paused => "paused",
            RolloutEventKind::Resumed => "resumed",
            RolloutEventKind::AnalysisFailed => "analysis-failed",
            RolloutEventKind::RolledBack => "rolled-back",
            RolloutEventKind::Mixed => "mixed",
            RolloutEventKind::Finished => "finished",
        }
    }
}

/// The body a webhook receives.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize, schemars::JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum WebhookFormat {
    /// tug's JSON event (`schema: tug.rollout-event/v1`; see docs/notify.md).
    #[default]
    Json,
    /// A Slack incoming-webhook message (`text` and `blocks`); Mattermost and others accept it.
    Slack,
}

/// One webhook.
#[derive(Debug, Clone, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WebhookConfig {
    /// Where to POST: an `http(s)://` URL or a secret reference to one (`env://SLACK_WEBHOOK`,
    /// `file://path`, `https://hooks.example/${HOOK_TOKEN}`). Webhook URLs usually are secrets:
    /// tug prints only their scheme and host.
    #[schemars(with = "String")]
    pub url: Spanned<String>,
    /// `json` (default) or `slack`.
    #[serde(default)]
    pub format: WebhookFormat,
    /// Which events to send (default: all of them).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub events: Option<Vec<RolloutEventKind>>,
    /// How long one request may take (default 5s). At the end of the command tug waits at most
    /// the longest `timeout` of its webhooks for deliveries still pending.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout: Option<Duration>,
    /// Extra request headers; values may be secret references (`Bearer ${TOKEN}`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub headers: BTreeMap<String, String>,
    /// How many times a request that failed with a 5xx status or a connection error is tried
    /// again, with backoff (default 3). A 4xx is never retried.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retries: Option<u32>,
}

/// The default per-request timeout.
pub const DEFAULT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);
/// The default number of retries.
pub const DEFAULT_RETRIES: u32 = 3;

impl WebhookConfig {
    pub fn timeout(&self) -> std::time::Duration {
        self.timeout.map(Duration::get).unwrap_or(DEFAULT_TIMEOUT)
    }

    pub fn retries(&self) -> u32 {
        self.retries.unwrap_or(DEFAULT_RETRIES)
    }
}

/// Whether `text` is (or holds) a secret reference: resolved later, not checked as a URL here.
fn is_reference(text: &str) -> bool {
    text.starts_with("env://") || text.starts_with("file://") || text.contains("${")
}

/// Check a list of webhooks (`notify` or `environments.NAME.notify`).
pub fn validate(hooks: &[WebhookConfig], v: &mut Validator) {
    for (i, h) in hooks.iter().enumerate() {
        let url = &h.url.value;
        if !is_reference(url) {
            let ok = reqwest::Url::parse(url)
                .map(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some())
                .unwrap_or(false);
            if !ok {
                // The URL may hold a token: never shown.
                v.error_redacted(
                    h.url.referenced,
                    format!("{}[{i}].url is not an http(s) URL", v.path()),
                    Some(
                        "give an `https://` URL, or a secret reference to one (`env://SLACK_WEBHOOK_URL`)"
                            .into(),
                    ),
                );
            }
        }
        if h.timeout.is_some_and(|t| t.get().is_zero()) {
            v.error(
                h.url.referenced,
                format!("{}[{i}].timeout must be more than 0s", v.path()),
                None,
            );
        }
        if h.events.as_ref().is_some_and(Vec::is_empty) {
            v.error(
                h.url.referenced,
                format!(
                    "{}[{i}].events is empty: the webhook would never be called",
                    v.path()
                ),
                Some("remove `events:` to send every event, or remove the webhook".into()),
            );
        }
    }
}
