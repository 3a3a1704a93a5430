//! One webhook's delivery: its resolved URL and headers (secrets, never shown: only
//! [`Webhook::shown`], the scheme and host, is), and the POST of one body with a per-request
//! timeout, retried with backoff after a 5xx status or a connection error (never after a 4xx:
//! the receiver refused it and will refuse it again).

use std::path::Path;
use std::time::Duration;

use crate::config::env::EnvSnapshot;
use crate::config::notify::{RolloutEventKind, WebhookConfig, WebhookFormat};
use crate::config::secret::{expand_secret_ref, SecretError};

/// The first backoff; it doubles per retry, up to [`MAX_BACKOFF`].
pub const FIRST_BACKOFF: Duration = Duration::from_millis(200);
pub const MAX_BACKOFF: Duration = Duration::from_secs(5);

/// Why a webhook of tug.yaml cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum WebhookError {
    #[error("{name}: cannot resolve its url")]
    Url {
        name: String,
        #[source]
        source: SecretError,
    },
    /// The resolved URL is not http(s) (its text is not shown: it may hold a token).
    #[error("{name}: its url (resolved from a secret reference) is not an http(s) URL")]
    NotHttp { name: String },
    #[error("{name}: cannot resolve header {header}")]
    Header {
        name: String,
        header: String,
        #[source]
        source: SecretError,
    },
    #[error("{name}: header {header} is not a valid HTTP header")]
    BadHeader { name: String, header: String },
}

impl crate::error::Diagnostic for WebhookError {
    fn exit_code(&self) -> crate::ExitCode {
        crate::ExitCode::Usage
    }
    fn hint(&self) -> Option<String> {
        match self {
            WebhookError::Url { source, .. } | WebhookError::Header { source, .. } => {
                Some(source.hint().to_string())
            }
            WebhookError::NotHttp { .. } => {
                Some("the variable or file must hold an `https://` URL".into())
            }
            WebhookError::BadHeader { .. } => {
                Some("header names are tokens (`X-Token`), values printable ASCII".into())
            }
        }
    }
}

/// A webhook ready to call.
#[derive(Clone)]
pub struct Webhook {
    /// `notify[0] (https://hooks.slack.com)`: all that is ever printed or logged about it.
    pub shown: String,
    url: reqwest::Url,
    headers: reqwest::header::HeaderMap,
    pub format: WebhookFormat,
    events: Option<Vec<RolloutEventKind>>,
    pub timeout: Duration,
    pub retries: u32,
}

impl std::fmt::Debug for Webhook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Webhook")
            .field("shown", &self.shown)
            .finish_non_exhaustive()
    }
}

/// How one attempt went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Attempt {
    /// A 2xx.
    Delivered,
    /// A 5xx, a timeout or a connection error: worth another try.
    Retry(String),
    /// Any other status (a 4xx): the receiver refused it.
    Refused(String),
}

impl Webhook {
    /// Resolve `cfg` (the `index`th of `field`, e.g. `environments.prod.notify`): its URL and
    /// header values may be secret references (`file://` relative to `base`).
    pub fn resolve(
        cfg: &WebhookConfig,
        field: &str,
        index: usize,
        base: &Path,
        env: &EnvSnapshot,
    ) -> Result<Webhook, WebhookError> {
        let name = format!("{field}[{index}]");
        let text =
            expand_secret_ref(&cfg.url.value, base, env).map_err(|source| WebhookError::Url {
                name: name.clone(),
                source,
            })?;
        let url = reqwest::Url::parse(text.trim())
            .ok()
            .filter(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some())
            .ok_or_else(|| WebhookError::NotHttp { name: name.clone() })?;
        let mut headers = reqwest::header::HeaderMap::new();
        for (k, v) in &cfg.headers {
            let value = expand_secret_ref(v, base, env).map_err(|source| WebhookError::Header {
                name: name.clone(),
                header: k.clone(),
                source,
            })?;
            let bad = || WebhookError::BadHeader {
                name: name.clone(),
                header: k.clone(),
            };
            let hname = reqwest::header::HeaderName::from_bytes(k.as_bytes()).map_err(|_| bad())?;
            let mut hvalue = reqwest::header::HeaderValue::from_str(&value).map_err(|_| bad())?;
            hvalue.set_sensitive(true);
            headers.insert(hname, hvalue);
        }
        let shown = format!(
            "{name} ({}://{}{})",
            url.scheme(),
            url.host_str().unwrap_or("?"),
            url.port().map(|p| format!(":{p}")).unwrap_or_default()
        );
        Ok(Webhook {
            shown,
            url,
            headers,
            format: cfg.format,
            events: cfg.events.clone(),
            timeout: cfg.timeout(),
            retries: cfg.retries(),
        })
    }

    /// `text` without this webhook's URL, path or query (the parts that may be secret).
    fn scrub(&self, text: &str) -> String {
        let mut out = text.replace(self.url.as_str(), "<url>");
        if self.url.path().len() > 1 {
            out = out.replace(self.url.path(), "/<path>");
        }
        if let Some(q) = self.url.query().filter(|q| !q.is_empty()) {
            out = out.replace(q, "<query>");
        }
        out
    }

    /// Whether this webhook wants events of `kind`.
    pub fn wants(&self, kind: RolloutEventKind) -> bool {
        self.events.as_ref().is_none_or(|e| e.contains(&kind))
    }

    /// One POST of `body` (JSON), within the timeout.
    pub async fn attempt(&self, client: &reqwest::Client, body: &[u8]) -> Attempt {
        let req = client
            .post(self.url.clone())
            .headers(self.headers.clone())
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .timeout(self.timeout)
            .body(body.to_vec());
        match req.send().await {
            Ok(resp) => {
                let status = resp.status();
                if status.is_success() {
                    Attempt::Delivered
                } else if status.is_server_error() {
                    Attempt::Retry(format!("HTTP {status}"))
                } else {
                    Attempt::Refused(format!("HTTP {status}"))
                }
            }
            // The error's URL is the secret: dropped.
            Err(e) if e.is_timeout() => {
                Attempt::Retry(format!("no answer within {:?}", self.timeout))
            }
            Err(e) => Attempt::Retry(self.scrub(&error_chain(&e.without_url()))),
        }
    }

    /// Deliver `body`: the first attempt and up to `retries` more after a retryable failure,
    /// waiting [`FIRST_BACKOFF`] doubled each time. `Err` holds why the last attempt failed.
    pub async fn deliver(&self, client: &reqwest::Client, body: &[u8]) -> Result<u32, String> {
        let mut backoff = FIRST_BACKOFF;
        let mut tries = 0;
        loop {
            tries += 1;
            match self.attempt(client, body).await {
                Attempt::Delivered => return Ok(tries),
                Attempt::Refused(why) => return Err(format!("{why} (not retried)")),
                Attempt::Retry(why) if tries > self.retries => {
                    return Err(format!("{why} (after {tries} attempts)"))
                }
                Attempt::Retry(why) => {
                    tracing::debug!(webhook = %self.shown, attempt = tries, %why, ?backoff, "notification failed, retrying");
                    tokio::time::sleep(backoff).await;
                    backoff = (backoff * 2).min(MAX_BACKOFF);
                }
            }
        }
    }
}

/// An error and its causes on one line (reqwest's own text is terse: "error sending request").
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut parts = vec![e.to_string()];
    let mut cur = e.source();
    while let Some(s) = cur {
        let text = s.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        cur = s.source();
    }
    parts.join(": ")
}
