//! Health checks: is the service on a host up after its restart? `http` (expected status) and
//! `tcp` are probed from this machine, `command` runs on the host. Attempts are retried every
//! `interval`; after the first success the host must stay healthy for `min_healthy_time`.

use std::net::ToSocketAddrs;
use std::time::{Duration, Instant};

use crate::config::deploy::HealthCheckConfig;

use super::ops::{self, Op};
use super::target::Host;

/// A health check with its templates rendered for one host.
#[derive(Debug, Clone)]
pub enum Probe {
    Http { url: String, expect: u16 },
    Tcp { addr: String },
    Command { script: String },
}

/// The HTTP client of one run: one runtime and one connection pool for every probe and query
/// (building them per request cost more than the request).
pub struct HttpClient {
    rt: tokio::runtime::Runtime,
    client: reqwest::Client,
}

impl HttpClient {
    pub fn new() -> Result<HttpClient, String> {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| format!("cannot start the HTTP runtime: {e}"))?;
        let client = reqwest::Client::builder()
            .build()
            .map_err(|e| format!("cannot build the HTTP client: {e}"))?;
        Ok(HttpClient { rt, client })
    }

    /// Run a request future on this client's runtime (callable from several threads at once).
    pub fn block_on<T>(&self, f: impl std::future::Future<Output = T>) -> T {
        self.rt.block_on(f)
    }

    pub fn client(&self) -> &reqwest::Client {
        &self.client
    }

    /// One GET with a timeout, returning the status code and body.
    pub fn get(&self, url: &str, timeout: Duration) -> Result<(u16, String), String> {
        self.block_on(async {
            let resp = self
                .client
                .get(url)
                .timeout(timeout)
                .send()
                .await
                .map_err(|e| format!("GET {url}: {e}"))?;
            let status = resp.status().as_u16();
            let body = resp.text().await.map_err(|e| format!("GET {url}: {e}"))?;
            tracing::debug!(url, status, bytes = body.len(), "health GET");
            Ok((status, body))
        })
    }
}

impl Probe {
    /// One attempt.
    pub fn once(
        &self,
        host: &dyn Host,
        http: &HttpClient,
        timeout: Duration,
    ) -> Result<(), String> {
        match self {
            Probe::Http { url, expect } => {
                let (status, _) = http
                    .get(url, timeout)
                    .map_err(|e| without_source_noise(&e))?;
                if status == *expect {
                    Ok(())
                } else {
                    Err(format!("GET {url}: status {status}, expected {expect}"))
                }
            }
            Probe::Tcp { addr } => {
                let sock = addr
                    .to_socket_addrs()
                    .map_err(|e| format!("{addr}: {e}"))?
                    .next()
                    .ok_or_else(|| format!("{addr}: no address"))?;
                std::net::TcpStream::connect_timeout(&sock, timeout)
                    .map(|_| ())
                    .map_err(|e| format!("tcp {addr}: {e}"))
            }
            Probe::Command { script } => {
                let out = host
                    .run(&[Op::Shell {
                        what: "health command".into(),
                        command: script.clone(),
                        dir: None,
                        env: Vec::new(),
                        timeout: Some(timeout),
                        code: ops::HEALTH_FAILED,
                    }])
                    .map_err(|e| e.to_string())?;
                if out.ok() {
                    Ok(())
                } else {
                    // The last line is "health command exited N"; the one before, the command's
                    // own last word.
                    let lines: Vec<&str> = out.stderr.trim().lines().collect();
                    Err(match lines.as_slice() {
                        [.., why, exited] => format!("{exited}: {why}"),
                        [exited] => exited.to_string(),
                        [] => format!("health command failed ({})", out.status),
                    })
                }
            }
        }
    }

    /// Retry until healthy (then hold for `min_healthy_time`), or fail with the last error.
    pub fn wait_healthy(
        &self,
        host: &dyn Host,
        http: &HttpClient,
        cfg: &HealthCheckConfig,
    ) -> Result<(), String> {
        let timeout = cfg.timeout();
        let mut last = String::new();
        let mut healthy = false;
        for attempt in 0..=cfg.retries() {
            if attempt > 0 {
                std::thread::sleep(cfg.interval());
            }
            match self.once(host, http, timeout) {
                Ok(()) => {
                    healthy = true;
                    break;
                }
                Err(e) => last = e,
            }
        }
        if !healthy {
            return Err(format!(
                "unhealthy after {} attempts: {last}",
                cfg.retries() + 1
            ));
        }
        let hold = cfg.min_healthy_time();
        let start = Instant::now();
        while start.elapsed() < hold {
            std::thread::sleep(cfg.interval().min(hold.saturating_sub(start.elapsed())));
            self.once(host, http, timeout)
                .map_err(|e| format!("healthy, then failed within min_healthy_time: {e}"))?;
        }
        Ok(())
    }
}

fn without_source_noise(e: &str) -> String {
    e.replace("error sending request for url ", "")
}
