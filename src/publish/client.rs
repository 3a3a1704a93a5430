//! The one HTTP client of a publish run, and the traced `send` every request goes through.
//!
//! Why it exists: every publisher (OCI registries, GitHub, plain HTTP) shares one connection pool
//! and TLS set-up per run instead of building its own, and every request is logged the same way
//! at `-v` (method, URL without credentials or query tokens, status, bytes each way, duration).
//! Header values (tokens, templated headers) are never logged.

use std::sync::OnceLock;
use std::time::{Duration, Instant};

use reqwest::{RequestBuilder, Response};

use super::PublishError;

/// The HTTP clients of one run, each built when a publisher first asks for it (building one
/// loads the TLS root store, wasted on a run that only writes to directories): the verifying
/// one, and one that accepts invalid certificates for `insecure: true` registries.
#[derive(Debug)]
pub struct Clients {
    strict: OnceLock<reqwest::Client>,
    insecure: OnceLock<reqwest::Client>,
}

fn build(insecure: bool) -> Result<reqwest::Client, PublishError> {
    reqwest::Client::builder()
        .user_agent(concat!("tug/", env!("CARGO_PKG_VERSION")))
        .connect_timeout(Duration::from_secs(10))
        .read_timeout(Duration::from_secs(120))
        .danger_accept_invalid_certs(insecure)
        .build()
        .map_err(PublishError::Client)
}

impl Clients {
    pub fn new() -> Result<Clients, PublishError> {
        Ok(Clients {
            strict: OnceLock::new(),
            insecure: OnceLock::new(),
        })
    }

    /// The client for a publisher: `insecure` skips certificate checks (only for registries
    /// marked `insecure: true`).
    pub fn get(&self, insecure: bool) -> Result<reqwest::Client, PublishError> {
        let cell = if insecure {
            &self.insecure
        } else {
            &self.strict
        };
        if let Some(c) = cell.get() {
            return Ok(c.clone());
        }
        let c = build(insecure)?;
        Ok(cell.get_or_init(|| c).clone())
    }
}

/// `url` as it may be logged or shown: no password, secret query values masked.
pub fn shown_url(url: &reqwest::Url) -> String {
    crate::redact::url(url.as_str()).into_owned()
}

/// Mask the credentials of the URL a reqwest error carries, so it can be shown.
pub fn redact_error(mut e: reqwest::Error) -> reqwest::Error {
    if let Some(url) = e.url_mut() {
        if let Ok(clean) = reqwest::Url::parse(&shown_url(url)) {
            *url = clean;
        }
    }
    e
}

/// The innermost cause of an error (what a network failure really was: "Connection refused").
pub fn root_cause<'a>(
    e: &'a (dyn std::error::Error + 'static),
) -> &'a (dyn std::error::Error + 'static) {
    let mut cur = e;
    while let Some(next) = cur.source() {
        cur = next;
    }
    cur
}

/// Send a request, logging it at debug level (trace when it starts). Errors come back with
/// their URL's credentials masked.
pub async fn send(rb: RequestBuilder) -> Result<Response, reqwest::Error> {
    let (client, request) = rb.build_split();
    let request = request.map_err(redact_error)?;
    let method = request.method().clone();
    let url = shown_url(request.url());
    let sent = request.body().and_then(|b| b.as_bytes()).map(|b| b.len());
    tracing::trace!(%method, %url, bytes_sent = sent, "http request");
    let started = Instant::now();
    let result = client.execute(request).await;
    let elapsed_ms = started.elapsed().as_millis() as u64;
    match &result {
        Ok(resp) => tracing::debug!(
            %method,
            %url,
            status = resp.status().as_u16(),
            bytes_sent = sent,
            bytes_received = resp.content_length(),
            elapsed_ms,
            "http"
        ),
        Err(e) => tracing::debug!(
            %method,
            %url,
            bytes_sent = sent,
            elapsed_ms,
            error = %root_cause(e),
            "http request failed"
        ),
    }
    result.map_err(redact_error)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_client_per_kind_is_reused() {
        let clients = Clients::new().unwrap();
        clients.get(true).unwrap();
        assert!(clients.insecure.get().is_some());
        clients.get(true).unwrap();
        clients.get(false).unwrap();
    }

    #[tokio::test]
    async fn errors_lose_the_url_password() {
        let client = reqwest::Client::new();
        // Port 9 on loopback (discard) is closed in the test environment: the connect fails.
        let err = send(client.get("http://me:hunter2@127.0.0.1:9/x?token=abc"))
            .await
            .unwrap_err();
        let text = err.to_string();
        assert!(!text.contains("hunter2") && !text.contains("abc"), "{text}");
    }
}
