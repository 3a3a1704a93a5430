//! The `github` publisher: a GitHub (or API-compatible) release for the tag, built so that a
//! failure never leaves a published half release: find or create a DRAFT release, upload every
//! artifact as an asset (an asset with the same name, size and digest is kept; a different one is
//! a conflict unless `--replace`), set the notes from RELEASE_NOTES.md, and undraft LAST (which
//! also makes it work with immutable releases). The token comes from `GITHUB_TOKEN` (or
//! `token_env`); `Retry-After` and exhausted rate limits are honoured by the retry loop.

use std::sync::Arc;

use reqwest::{RequestBuilder, StatusCode};
use serde_json::{json, Value};

use super::retry::{self, Failure};
use super::template::Vars;
use super::{ItemOutcome, PublishError, PublisherSummary, Release, Shared, Tally};
use crate::config::publish::GithubPublisher;
use crate::manifest::ArtifactKind;

struct Api {
    client: reqwest::Client,
    base: String,
    repo: String,
    token: String,
}

impl Api {
    fn req(&self, method: reqwest::Method, url: &str) -> RequestBuilder {
        self.client
            .request(method, url)
            .header(reqwest::header::ACCEPT, "application/vnd.github+json")
            .header("X-GitHub-Api-Version", "2022-11-28")
            .bearer_auth(&self.token)
    }

    fn url(&self, tail: &str) -> String {
        format!("{}/repos/{}/{tail}", self.base, self.repo)
    }

    /// Send with retries; `ok` lists the statuses the caller handles.
    async fn call(
        &self,
        shared: &Shared,
        what: &str,
        ok: &[u16],
        make: impl Fn() -> RequestBuilder,
    ) -> Result<(u16, Value), PublishError> {
        retry::retry(shared, what, || async {
            let resp = make().send().await?;
            if let Some(t) = retry::transient_status(&resp) {
                return Err(t);
            }
            let status = resp.status().as_u16();
            if status == StatusCode::UNAUTHORIZED.as_u16() {
                return Err(Failure::Fatal(PublishError::Auth {
                    what: what.to_string(),
                    message: "the token was refused (401)".into(),
                }));
            }
            if !ok.contains(&status) {
                let method = "request";
                return Err(retry::unexpected(what, method, resp).await);
            }
            let text = resp.text().await?;
            let value = if text.trim().is_empty() {
                Value::Null
            } else {
                serde_json::from_str(&text).unwrap_or(Value::Null)
            };
            Ok((status, value))
        })
        .await
    }
}

pub async fn publish(
    release: &Release,
    config: &GithubPublisher,
    vars: &Vars,
    shared: Arc<Shared>,
) -> Result<PublisherSummary, PublishError> {
    let name = shared.publisher.clone();
    let m = &release.manifest;
    let tag = m.tag.clone().ok_or_else(|| PublishError::Config {
        publisher: name.clone(),
        what: "tag".into(),
        message: "a snapshot has no tag, and a GitHub release needs one".into(),
    })?;
    let repo = vars.render(&name, "repository", &config.repository)?;
    let title = vars.render(&name, "release_name", &config.release_name)?;
    let token = std::env::var(&config.token_env).unwrap_or_default();
    if token.is_empty() && !shared.options.dry_run {
        return Err(PublishError::Auth {
            what: format!("{name}: {repo}"),
            message: format!("${} is not set", config.token_env),
        });
    }
    let api = Api {
        client: super::oci::registry::client(false)?,
        base: config.api_url.trim_end_matches('/').to_string(),
        repo: repo.clone(),
        token,
    };
    let tally = Tally::default();
    let notes = notes(release);

    // Find the release for the tag (drafts are only visible in the list).
    let mut found: Option<Value> = None;
    if !(shared.options.dry_run && api.token.is_empty()) {
        for page in 1..=10 {
            let url = api.url(&format!("releases?per_page=100&page={page}"));
            let (_, list) = api
                .call(
                    &shared,
                    &format!("{name}: listing releases of {repo}"),
                    &[200],
                    || api.req(reqwest::Method::GET, &url),
                )
                .await?;
            let list = list.as_array().cloned().unwrap_or_default();
            found = list.iter().find(|r| r["tag_name"] == json!(tag)).cloned();
            if found.is_some() || list.len() < 100 {
                break;
            }
        }
    }
    if shared.options.dry_run {
        let assets = match &found {
            Some(r) => list_assets(&api, &shared, r).await?,
            None => Vec::new(),
        };
        for a in &m.artifacts {
            let outcome = if assets
                .iter()
                .any(|x| same_asset(x, &a.name, a.size, &a.sha256))
            {
                ItemOutcome::AlreadyPublished
            } else {
                ItemOutcome::WouldUpload
            };
            shared.done(&a.name, outcome, a.size);
            tally.add(outcome, a.size);
        }
        return Ok(tally.finish(vec![]));
    }
    let mut gh_release = match found {
        Some(r) => r,
        None => {
            let url = api.url("releases");
            let body = json!({ "tag_name": tag, "name": title, "draft": true, "prerelease": config.prerelease });
            let (_, created) = api
                .call(
                    &shared,
                    &format!("{name}: creating the draft release {tag}"),
                    &[201],
                    || api.req(reqwest::Method::POST, &url).json(&body),
                )
                .await?;
            created
        }
    };
    let id = gh_release["id"]
        .as_u64()
        .ok_or_else(|| PublishError::Other {
            what: format!("{name}: release {tag}"),
            message: "the API returned a release without an id".into(),
        })?;
    let upload_base = gh_release["upload_url"].as_str().unwrap_or_default();
    let upload_base = upload_base
        .split('{')
        .next()
        .unwrap_or_default()
        .to_string();

    let assets = list_assets(&api, &shared, &gh_release).await?;
    for a in &m.artifacts {
        let key = format!("asset {}", a.name);
        let existing = assets.iter().find(|x| x["name"] == json!(a.name));
        if let Some(x) = existing {
            if same_asset(x, &a.name, a.size, &a.sha256) {
                shared.confirm(
                    &key,
                    &a.sha256,
                    a.size,
                    x["browser_download_url"].as_str().unwrap_or_default(),
                )?;
                shared.done(&a.name, ItemOutcome::AlreadyPublished, a.size);
                tally.add(ItemOutcome::AlreadyPublished, 0);
                continue;
            }
            if !shared.options.replace {
                return Err(PublishError::Conflict {
                    what: format!("asset {} of release {tag} in {repo}", a.name),
                    detail: format!(
                        "size {}, digest {}; this release has size {} and sha256:{}",
                        x["size"], x["digest"], a.size, a.sha256
                    ),
                });
            }
            let url = api.url(&format!("releases/assets/{}", x["id"]));
            api.call(
                &shared,
                &format!("{name}: deleting asset {}", a.name),
                &[204, 404],
                || api.req(reqwest::Method::DELETE, &url),
            )
            .await?;
        }
        shared.emit(super::Event::UploadStarted {
            publisher: name.clone(),
            item: a.name.clone(),
            size: a.size,
        });
        let path = release.file(a);
        let bytes = tokio::fs::read(&path)
            .await
            .map_err(|e| PublishError::io("reading", &path, e))?;
        let (_, uploaded) = api
            .call(
                &shared,
                &format!("{name}: uploading {}", a.name),
                &[201],
                || {
                    api.req(reqwest::Method::POST, &upload_base)
                        .query(&[("name", a.name.as_str())])
                        .header(reqwest::header::CONTENT_TYPE, "application/octet-stream")
                        .body(bytes.clone())
                },
            )
            .await?;
        if !same_asset(&uploaded, &a.name, a.size, &a.sha256) {
            return Err(PublishError::Verify {
                what: format!("{name}: asset {}", a.name),
                message: format!(
                    "the server reports size {} digest {}, expected {} sha256:{}",
                    uploaded["size"], uploaded["digest"], a.size, a.sha256
                ),
            });
        }
        shared.emit(super::Event::UploadProgress {
            publisher: name.clone(),
            item: a.name.clone(),
            bytes: a.size,
        });
        shared.confirm(
            &key,
            &a.sha256,
            a.size,
            uploaded["browser_download_url"]
                .as_str()
                .unwrap_or_default(),
        )?;
        shared.done(&a.name, ItemOutcome::Uploaded, a.size);
        tally.add(ItemOutcome::Uploaded, a.size);
    }

    let url = api.url(&format!("releases/{id}"));
    if let Some(notes) = notes {
        if gh_release["body"].as_str() != Some(notes.as_str()) {
            let body = json!({ "body": notes });
            let (_, updated) = api
                .call(
                    &shared,
                    &format!("{name}: setting the release notes"),
                    &[200],
                    || api.req(reqwest::Method::PATCH, &url).json(&body),
                )
                .await?;
            gh_release = updated;
            shared.done("release notes", ItemOutcome::Uploaded, notes.len() as u64);
            tally.add(ItemOutcome::Uploaded, notes.len() as u64);
        } else {
            shared.done(
                "release notes",
                ItemOutcome::AlreadyPublished,
                notes.len() as u64,
            );
            tally.add(ItemOutcome::AlreadyPublished, 0);
        }
    }
    // Last: publish (undraft).
    if gh_release["draft"] == json!(true) {
        let body = json!({ "draft": false });
        let (_, updated) = api
            .call(
                &shared,
                &format!("{name}: publishing release {tag}"),
                &[200],
                || api.req(reqwest::Method::PATCH, &url).json(&body),
            )
            .await?;
        gh_release = updated;
        shared.done(
            &format!("release {tag} (undraft)"),
            ItemOutcome::Uploaded,
            0,
        );
        tally.add(ItemOutcome::Uploaded, 0);
    }
    let location = gh_release["html_url"].as_str().unwrap_or(&url).to_string();
    Ok(tally.finish(vec![location]))
}

async fn list_assets(
    api: &Api,
    shared: &Shared,
    gh_release: &Value,
) -> Result<Vec<Value>, PublishError> {
    let id = &gh_release["id"];
    let mut all = Vec::new();
    for page in 1..=20 {
        let url = api.url(&format!("releases/{id}/assets?per_page=100&page={page}"));
        let (_, list) = api
            .call(
                shared,
                &format!("{}: listing assets", shared.publisher),
                &[200],
                || api.req(reqwest::Method::GET, &url),
            )
            .await?;
        let list = list.as_array().cloned().unwrap_or_default();
        let n = list.len();
        all.extend(list);
        if n < 100 {
            break;
        }
    }
    Ok(all)
}

/// Same name and size, and the same digest when the API gives one (`"sha256:<hex>"`).
fn same_asset(asset: &Value, name: &str, size: u64, sha256: &str) -> bool {
    asset["name"] == json!(name)
        && asset["size"].as_u64() == Some(size)
        && asset["digest"]
            .as_str()
            .is_none_or(|d| d == format!("sha256:{sha256}"))
}

/// The release notes: the manifest's notes artifact, else dist/RELEASE_NOTES.md.
fn notes(release: &Release) -> Option<String> {
    let path = match release.manifest.by_kind(ArtifactKind::Notes).next() {
        Some(a) => release.file(a),
        None => release.dist.join("RELEASE_NOTES.md"),
    };
    std::fs::read_to_string(path).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_asset_matches_on_name_size_and_digest_when_given() {
        let a = json!({ "name": "x", "size": 3 });
        assert!(same_asset(&a, "x", 3, "ab"));
        assert!(!same_asset(&a, "x", 4, "ab"));
        let a = json!({ "name": "x", "size": 3, "digest": "sha256:ab" });
        assert!(same_asset(&a, "x", 3, "ab"));
        assert!(!same_asset(&a, "x", 3, "cd"));
    }
}
