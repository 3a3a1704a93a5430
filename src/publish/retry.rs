//! Retries for every network operation: exponential backoff with jitter on connection errors,
//! timeouts, 429 and 5xx (and GitHub's exhausted rate limit), honouring `Retry-After` and
//! `x-ratelimit-reset`. The unit of retry is an operation (e.g. a whole blob upload from POST to
//! PUT), so a half-done chunked upload is restarted cleanly instead of patched blindly.

use std::future::Future;
use std::time::Duration;

use rand_core::RngCore;
use reqwest::{Response, StatusCode};

use super::{Event, PublishError, Shared};
use crate::config::publish::RetryConfig;

/// Why one try failed.
#[derive(Debug)]
pub enum Failure {
    /// Worth trying again (after at least `retry_after`, when the server said so).
    Transient {
        reason: Transient,
        retry_after: Option<Duration>,
    },
    /// Pointless to retry.
    Fatal(PublishError),
}

/// A failure worth retrying; the last one becomes the cause of [`PublishError::Exhausted`].
#[derive(Debug, thiserror::Error)]
pub enum Transient {
    /// The network: connection refused or reset, a timeout, a broken body.
    #[error(transparent)]
    Network(reqwest::Error),
    /// The server said "later": 408, 429, 5xx, or an exhausted rate limit.
    #[error("{url} answered {status}")]
    Status { url: String, status: StatusCode },
}

impl Transient {
    /// One line for the retry event and the log: this failure and its innermost cause.
    pub fn summary(&self) -> String {
        match self {
            Transient::Network(e) => {
                let root = super::client::root_cause(e);
                format!("{e}: {root}")
            }
            Transient::Status { .. } => self.to_string(),
        }
    }
}

impl From<PublishError> for Failure {
    fn from(e: PublishError) -> Self {
        Failure::Fatal(e)
    }
}

impl From<reqwest::Error> for Failure {
    fn from(e: reqwest::Error) -> Self {
        let e = super::client::redact_error(e);
        if e.is_builder() || e.is_redirect() || e.is_decode() {
            Failure::Fatal(PublishError::Request {
                what: "HTTP request".into(),
                source: e,
            })
        } else {
            // Connection refused or reset, timeouts, broken bodies: the network, try again.
            Failure::Transient {
                reason: Transient::Network(e),
                retry_after: None,
            }
        }
    }
}

/// `Some(Transient)` when a response says "try again later": 408, 429, 5xx, or a 403 with an
/// exhausted rate limit.
pub fn transient_status(resp: &Response) -> Option<Failure> {
    let status = resp.status();
    let headers = resp.headers();
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
    };
    let rate_limited =
        status == StatusCode::FORBIDDEN && header("x-ratelimit-remaining") == Some("0");
    if !(status.is_server_error()
        || status == StatusCode::TOO_MANY_REQUESTS
        || status == StatusCode::REQUEST_TIMEOUT
        || rate_limited)
    {
        return None;
    }
    let retry_after = header("retry-after")
        .and_then(parse_retry_after)
        .or_else(|| {
            let reset: i64 = header("x-ratelimit-reset")?.parse().ok()?;
            let wait = reset - chrono::Utc::now().timestamp();
            (rate_limited || header("x-ratelimit-remaining") == Some("0"))
                .then(|| Duration::from_secs(wait.max(1) as u64))
        });
    Some(Failure::Transient {
        reason: Transient::Status {
            url: super::client::shown_url(resp.url()),
            status,
        },
        retry_after,
    })
}

/// `Retry-After`: seconds, or an HTTP date.
pub fn parse_retry_after(value: &str) -> Option<Duration> {
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let when = chrono::DateTime::parse_from_rfc2822(value).ok()?;
    let wait = when.timestamp() - chrono::Utc::now().timestamp();
    Some(Duration::from_secs(wait.max(0) as u64))
}

/// The delay before retry number `retry` (1-based): `initial * 2^(retry-1)`, capped at `max`,
/// with "equal jitter" (half fixed, half random) so parallel clients spread out; never less than
/// what the server asked for (itself capped at ten minutes).
pub fn backoff(config: &RetryConfig, retry: u32, retry_after: Option<Duration>) -> Duration {
    let exp = config
        .initial_delay
        .saturating_mul(1u32 << (retry.saturating_sub(1)).min(20));
    let capped = exp.min(config.max_delay);
    let half = capped / 2;
    let jitter = half.mul_f64(f64::from(rand_core::OsRng.next_u32()) / f64::from(u32::MAX));
    let delay = half + jitter;
    match retry_after {
        Some(asked) => delay.max(asked.min(Duration::from_secs(600))),
        None => delay,
    }
}

/// Run `op` until it succeeds, fails fatally, or the attempts are used up. The last transient
/// failure is kept as the cause of [`PublishError::Exhausted`].
pub async fn retry<T, F, Fut>(shared: &Shared, what: &str, mut op: F) -> Result<T, PublishError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, Failure>>,
{
    let attempts = shared.retry.attempts.max(1);
    let mut attempt = 1;
    loop {
        match op().await {
            Ok(v) => return Ok(v),
            Err(Failure::Fatal(e)) => return Err(e),
            Err(Failure::Transient {
                reason,
                retry_after,
            }) => {
                if attempt >= attempts {
                    tracing::debug!(what, attempts, reason = %reason.summary(), "giving up");
                    return Err(PublishError::Exhausted {
                        what: what.to_string(),
                        attempts,
                        last: reason,
                    });
                }
                let delay = backoff(&shared.retry, attempt, retry_after);
                let summary = reason.summary();
                tracing::info!(
                    what,
                    attempt,
                    delay_ms = delay.as_millis() as u64,
                    reason = %summary,
                    "retrying"
                );
                shared.emit(Event::Retrying {
                    publisher: shared.publisher.clone(),
                    what: what.to_string(),
                    attempt,
                    delay,
                    reason: summary,
                });
                tokio::time::sleep(delay).await;
                attempt += 1;
            }
        }
    }
}

/// Turn an unexpected response into a fatal HTTP error with (the start of) its body.
pub async fn unexpected(what: &str, method: &str, resp: Response) -> Failure {
    let status = resp.status().as_u16();
    let url = super::client::shown_url(resp.url());
    // The body only illustrates the error; an unreadable one is shown as such, not hidden.
    let body = match resp.text().await {
        Ok(b) => b,
        Err(e) => format!(
            "(the body could not be read: {})",
            super::client::root_cause(&e)
        ),
    };
    let body: String = body.trim().chars().take(300).collect();
    Failure::Fatal(PublishError::Http {
        what: what.to_string(),
        method: method.to_string(),
        url,
        status,
        body,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_with_jitter_caps_and_honours_retry_after() {
        let c = RetryConfig {
            attempts: 5,
            initial_delay: Duration::from_millis(100),
            max_delay: Duration::from_millis(350),
        };
        for _ in 0..50 {
            let d1 = backoff(&c, 1, None);
            assert!(
                d1 >= Duration::from_millis(50) && d1 <= Duration::from_millis(100),
                "{d1:?}"
            );
            let d2 = backoff(&c, 2, None);
            assert!(
                d2 >= Duration::from_millis(100) && d2 <= Duration::from_millis(200),
                "{d2:?}"
            );
            let d9 = backoff(&c, 9, None);
            assert!(d9 <= Duration::from_millis(350), "{d9:?}");
        }
        assert_eq!(
            backoff(&c, 1, Some(Duration::from_secs(3))),
            Duration::from_secs(3)
        );
        assert_eq!(
            backoff(&c, 1, Some(Duration::from_secs(9999))),
            Duration::from_secs(600)
        );
    }

    #[tokio::test]
    async fn exhausted_retries_keep_the_last_network_error_as_the_cause() {
        let shared = Shared {
            publisher: "p".into(),
            http: std::sync::Arc::new(super::super::client::Clients::new().unwrap()),
            sink: std::sync::Arc::new(|_| {}),
            state: std::sync::Mutex::new(super::super::PublishState {
                schema_version: 1,
                project: "p".into(),
                version: "1.0.0".into(),
                manifest_sha256: String::new(),
                publishers: Default::default(),
                stale_uploads: Vec::new(),
            }),
            state_path: std::path::PathBuf::from("/nonexistent/state.json"),
            retry: RetryConfig {
                attempts: 2,
                initial_delay: Duration::from_millis(1),
                max_delay: Duration::from_millis(2),
            },
            options: Default::default(),
        };
        let client = shared.http.get(false).unwrap();
        // Port 9 (discard) on loopback is closed here: the connection is refused.
        let err = retry(&shared, "uploading x", || async {
            let resp = super::super::client::send(client.get("http://127.0.0.1:9/x")).await?;
            Ok::<_, Failure>(resp.status())
        })
        .await
        .unwrap_err();
        assert!(
            matches!(err, PublishError::Exhausted { attempts: 2, .. }),
            "{err}"
        );
        let err = anyhow::Error::from(crate::Error::from(err));
        let chain: Vec<String> = err.chain().map(|c| c.to_string()).collect();
        assert_eq!(chain[0], "uploading x: gave up after 2 attempts");
        assert!(
            chain.iter().any(|c| c.contains("Connection refused")),
            "{chain:?}"
        );
        assert_eq!(crate::error::classify(&err).0, crate::ExitCode::Failure);
    }

    #[test]
    fn config_errors_are_usage_errors() {
        let e = PublishError::Config {
            publisher: "p".into(),
            what: "url".into(),
            message: "bad".into(),
        };
        let err = anyhow::Error::from(crate::Error::from(e));
        assert_eq!(crate::error::classify(&err).0, crate::ExitCode::Usage);
    }

    #[test]
    fn retry_after_seconds_and_dates() {
        assert_eq!(parse_retry_after("7"), Some(Duration::from_secs(7)));
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon"), None);
    }
}
