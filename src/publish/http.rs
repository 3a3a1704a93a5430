//! The `http` publisher: PUT (or POST) each artifact to a templated URL with templated headers,
//! Artifactory/Nexus style, always sending `X-Checksum-Sha256` so the server can verify the
//! bytes. With `verify: true` (the default) a HEAD before the upload skips what is already there
//! (same size and, when the server sends it back, the same `X-Checksum-Sha256`; a different file
//! is a conflict unless `--replace`), and a HEAD after it confirms the stored size and checksum.

use std::sync::Arc;

use reqwest::StatusCode;

use super::client::send;
use super::retry::{self, Failure};
use super::template::Vars;
use super::{Event, ItemOutcome, PublishError, PublisherSummary, Release, Shared, Tally};
use crate::config::publish::{HttpMethod, HttpPublisher};

/// What a HEAD says about the remote file.
enum Remote {
    Missing,
    Same,
    Different(String),
}

async fn head(
    client: &reqwest::Client,
    url: &str,
    headers: &[(String, String)],
    size: u64,
    sha256: &str,
) -> Result<Remote, Failure> {
    let mut rb = client.head(url);
    for (k, v) in headers {
        rb = rb.header(k, v);
    }
    let resp = send(rb).await?;
    if let Some(t) = retry::transient_status(&resp) {
        return Err(t);
    }
    match resp.status() {
        StatusCode::NOT_FOUND | StatusCode::GONE => Ok(Remote::Missing),
        s if s.is_success() => {
            let h = resp.headers();
            let len = h
                .get(reqwest::header::CONTENT_LENGTH)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.parse::<u64>().ok());
            let sum = h
                .get("x-checksum-sha256")
                .and_then(|v| v.to_str().ok())
                .map(str::to_ascii_lowercase);
            if len == Some(size) && sum.as_deref().is_none_or(|s| s == sha256) {
                Ok(Remote::Same)
            } else {
                Ok(Remote::Different(format!("size {len:?}, sha256 {sum:?}")))
            }
        }
        _ => {
            let what = format!("checking {}", crate::redact::url(url));
            Err(retry::unexpected(&what, "HEAD", resp).await)
        }
    }
}

pub async fn publish(
    release: &Release,
    config: &HttpPublisher,
    vars: &Vars,
    shared: Arc<Shared>,
) -> Result<PublisherSummary, PublishError> {
    let name = shared.publisher.clone();
    let client = shared.http.get(false)?;
    let tally = Arc::new(Tally::default());
    let mut tasks = Vec::new();
    let mut locations = Vec::new();
    for a in &release.manifest.artifacts {
        let vars = vars.with(&[
            ("artifact", a.name.clone()),
            ("path", a.path.clone()),
            ("sha256", a.sha256.clone()),
            ("os", a.os.clone().unwrap_or_default()),
            ("arch", a.arch.clone().unwrap_or_default()),
        ]);
        let url = vars.render(&name, "url", &config.url)?;
        let mut headers = Vec::new();
        for (k, v) in &config.headers {
            headers.push((k.clone(), vars.render(&name, &format!("headers.{k}"), v)?));
        }
        // Where it went, as shown and recorded: without credentials or query tokens.
        let shown = crate::redact::url(&url).into_owned();
        locations.push(shown.clone());
        let key = format!("file {}", a.name);
        if shared.is_confirmed(&key, &a.sha256) {
            shared.done(&a.name, ItemOutcome::AlreadyPublished, a.size);
            tally.add(ItemOutcome::AlreadyPublished, 0);
            continue;
        }
        if shared.options.dry_run {
            shared.done(&a.name, ItemOutcome::WouldUpload, a.size);
            tally.add(ItemOutcome::WouldUpload, a.size);
            continue;
        }
        let (shared, tally, client, a, path, shown) = (
            shared.clone(),
            tally.clone(),
            client.clone(),
            a.clone(),
            release.file(a),
            shown,
        );
        let (method, verify) = (config.method, config.verify);
        tasks.push(async move {
            let what = format!("{}: {} to {shown}", shared.publisher, a.name);
            let outcome = retry::retry(&shared, &what, || async {
                if verify {
                    match head(&client, &url, &headers, a.size, &a.sha256).await? {
                        Remote::Same => return Ok(ItemOutcome::AlreadyPublished),
                        Remote::Different(found) if !shared.options.replace => {
                            return Err(Failure::Fatal(PublishError::Conflict {
                                what: shown.clone(),
                                detail: found,
                            }))
                        }
                        _ => {}
                    }
                }
                shared.emit(Event::UploadStarted {
                    publisher: shared.publisher.clone(),
                    item: a.name.clone(),
                    size: a.size,
                });
                let bytes = tokio::fs::read(&path)
                    .await
                    .map_err(|e| PublishError::io("reading", &path, e))?;
                let mut rb = match method {
                    HttpMethod::Put => client.put(&url),
                    HttpMethod::Post => client.post(&url),
                };
                for (k, v) in &headers {
                    rb = rb.header(k, v);
                }
                let resp = send(
                    rb.header(reqwest::header::CONTENT_TYPE, "application/octet-stream")
                        .header("X-Checksum-Sha256", &a.sha256)
                        .body(bytes),
                )
                .await?;
                if let Some(t) = retry::transient_status(&resp) {
                    return Err(t);
                }
                if !resp.status().is_success() {
                    let m = if method == HttpMethod::Put {
                        "PUT"
                    } else {
                        "POST"
                    };
                    return Err(retry::unexpected(&what, m, resp).await);
                }
                shared.emit(Event::UploadProgress {
                    publisher: shared.publisher.clone(),
                    item: a.name.clone(),
                    bytes: a.size,
                });
                if verify {
                    match head(&client, &url, &headers, a.size, &a.sha256).await? {
                        Remote::Same => {}
                        Remote::Missing => {
                            return Err(Failure::Fatal(PublishError::Verify {
                                what: what.clone(),
                                message: "the server accepted the upload but does not have it"
                                    .into(),
                            }))
                        }
                        Remote::Different(found) => {
                            return Err(Failure::Fatal(PublishError::Verify {
                                what: what.clone(),
                                message: format!(
                                    "the server holds {found}, expected size {} sha256 {}",
                                    a.size, a.sha256
                                ),
                            }))
                        }
                    }
                }
                Ok(ItemOutcome::Uploaded)
            })
            .await?;
            shared.confirm(&key, &a.sha256, a.size, &shown)?;
            shared.done(&a.name, outcome, a.size);
            tally.add(outcome, a.size);
            Ok(())
        });
    }
    super::bounded(config.concurrency, tasks).await?;
    Ok(tally.finish(locations))
}
