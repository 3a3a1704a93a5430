//! The `github` publisher: a GitHub (or API-compatible) release for the tag, built so that a
//! failure never leaves a published half release: find or create a DRAFT release, upload every
//! artifact as an asset (an asset with the same name, size and digest is kept; a different one is
//! a conflict unless `--replace`), set the notes from RELEASE_NOTES.md, and undraft LAST (which
//! also makes it work with immutable releases). The token comes from `GITHUB_TOKEN` (or
//! `token_env`) of the run's environment; `Retry-After` and exhausted rate limits are honoured by
//! the retry loop.
//!
//! Replies are typed ([`GhRelease`], [`GhAsset`]): a reply of another shape (an object where a
//! list belongs, a release without `upload_url`) is an error naming what came back, never read as
//! "no releases" (which would create a duplicate draft). Lists are paged by following
//! `Link: <...>; rel="next"` until the last page.

use std::sync::Arc;

use reqwest::header::HeaderMap;
use reqwest::{RequestBuilder, StatusCode};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::json;

use super::client::send;
use super::retry::{self, Failure};
use super::template::Vars;
use super::{ItemOutcome, PublishError, PublisherSummary, Release, Shared, Tally};
use crate::config::publish::GithubPublisher;
use crate::manifest::ArtifactKind;

/// A release as the API describes it (the fields tug uses).
#[derive(Debug, Clone, Deserialize)]
pub struct GhRelease {
    pub id: u64,
    pub tag_name: String,
    /// `https://uploads.../assets{?name,label}`: where assets are uploaded. Required.
    pub upload_url: String,
    #[serde(default)]
    pub html_url: Option<String>,
    #[serde(default)]
    pub body: Option<String>,
    #[serde(default)]
    pub draft: bool,
}

/// A release asset (the fields tug uses).
#[derive(Debug, Clone, Deserialize)]
pub struct GhAsset {
    pub id: u64,
    pub name: String,
    pub size: u64,
    /// `sha256:<hex>`, when the API reports one.
    #[serde(default)]
    pub digest: Option<String>,
    #[serde(default)]
    pub browser_download_url: Option<String>,
}

impl GhAsset {
    /// Where the asset is: its download URL, else its API URL (some compatible servers omit
    /// `browser_download_url`).
    fn location(&self, api: &Api) -> String {
        self.browser_download_url
            .clone()
            .unwrap_or_else(|| api.url(&format!("releases/assets/{}", self.id)))
    }
}

/// A reply: its body text and the `rel="next"` page, if any.
struct Reply {
    text: String,
    next: Option<String>,
}

impl Reply {
    /// The body as `T`; `expected` names it in the error ("a list of releases").
    fn decode<T: DeserializeOwned>(
        &self,
        what: &str,
        expected: &'static str,
    ) -> Result<T, PublishError> {
        serde_json::from_str(&self.text).map_err(|source| PublishError::Reply {
            what: what.to_string(),
            expected,
            got: describe(&self.text),
            source,
        })
    }
}

/// What came back, briefly: its JSON type and its first characters.
fn describe(text: &str) -> String {
    let kind = match serde_json::from_str::<serde_json::Value>(text) {
        Ok(serde_json::Value::Array(_)) => "a JSON array",
        Ok(serde_json::Value::Object(_)) => "a JSON object",
        Ok(serde_json::Value::Null) => "null",
        Ok(_) => "a JSON scalar",
        Err(_) if text.trim().is_empty() => return "an empty body".into(),
        Err(_) => "not JSON",
    };
    let start: String = text.trim().chars().take(120).collect();
    let more = if text.trim().chars().count() > 120 {
        "..."
    } else {
        ""
    };
    format!("{kind}: {start}{more}")
}

/// The `rel="next"` URL of a `Link` header (RFC 8288), as GitHub pages its lists.
pub fn next_link(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(reqwest::header::LINK)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .find_map(|link| {
            let (target, params) = link.trim().split_once(';')?;
            let target = target.trim().strip_prefix('<')?.strip_suffix('>')?;
            params
                .split(';')
                .any(|p| {
                    let p = p.trim();
                    p == "rel=\"next\"" || p == "rel=next"
                })
                .then(|| target.to_string())
        })
}

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
    ) -> Result<Reply, PublishError> {
        retry::retry(shared, what, || async {
            let resp = send(make()).await?;
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
            let next = next_link(resp.headers());
            let text = resp.text().await?;
            Ok(Reply { text, next })
        })
        .await
    }

    /// Every item of a paged list, following `Link: rel="next"` until the last page, or until
    /// `stop` accepts an item.
    async fn list<T: DeserializeOwned>(
        &self,
        shared: &Shared,
        what: &str,
        expected: &'static str,
        first: String,
        stop: impl Fn(&T) -> bool,
    ) -> Result<Vec<T>, PublishError> {
        let mut all = Vec::new();
        let mut url = Some(first);
        let mut seen = std::collections::HashSet::new();
        while let Some(page) = url.take() {
            if !seen.insert(page.clone()) {
                return Err(PublishError::Other {
                    what: what.to_string(),
                    message: format!(
                        "the API's `Link: rel=\"next\"` pages loop back to {}",
                        crate::redact::url(&page)
                    ),
                });
            }
            let reply = self
                .call(shared, what, &[200], || {
                    self.req(reqwest::Method::GET, &page)
                })
                .await?;
            let items: Vec<T> = reply.decode(what, expected)?;
            let done = items.iter().any(&stop);
            all.extend(items);
            if done {
                break;
            }
            url = reply.next;
        }
        Ok(all)
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
    let token = shared
        .options
        .env
        .get(&config.token_env)
        .unwrap_or_default()
        .to_string();
    if token.is_empty() && !shared.options.dry_run {
        return Err(PublishError::Auth {
            what: format!("{name}: {repo}"),
            message: format!("${} is not set", config.token_env),
        });
    }
    let api = Api {
        client: shared.http.get(false)?,
        base: config.api_url.trim_end_matches('/').to_string(),
        repo: repo.clone(),
        token,
    };
    let tally = Tally::default();
    let notes = notes(release)?;

    // Find the release for the tag (drafts are only visible in the list).
    let mut found: Option<GhRelease> = None;
    if !(shared.options.dry_run && api.token.is_empty()) {
        let releases: Vec<GhRelease> = api
            .list(
                &shared,
                &format!("{name}: listing releases of {repo}"),
                "a list of releases",
                api.url("releases?per_page=100"),
                |r: &GhRelease| r.tag_name == tag,
            )
            .await?;
        found = releases.into_iter().find(|r| r.tag_name == tag);
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
            let what = format!("{name}: creating the draft release {tag}");
            api.call(&shared, &what, &[201], || {
                api.req(reqwest::Method::POST, &url).json(&body)
            })
            .await?
            .decode(&what, "a release")?
        }
    };
    let id = gh_release.id;
    let upload_base = gh_release
        .upload_url
        .split('{')
        .next()
        .unwrap_or_default()
        .to_string();
    if upload_base.is_empty() {
        return Err(PublishError::Other {
            what: format!("{name}: release {tag}"),
            message: "the API returned a release with an empty upload_url".into(),
        });
    }

    let assets = list_assets(&api, &shared, &gh_release).await?;
    for a in &m.artifacts {
        let key = format!("asset {}", a.name);
        let existing = assets.iter().find(|x| x.name == a.name);
        if let Some(x) = existing {
            if same_asset(x, &a.name, a.size, &a.sha256) {
                shared.confirm(&key, &a.sha256, a.size, &x.location(&api))?;
                shared.done(&a.name, ItemOutcome::AlreadyPublished, a.size);
                tally.add(ItemOutcome::AlreadyPublished, 0);
                continue;
            }
            if !shared.options.replace {
                return Err(PublishError::Conflict {
                    what: format!("asset {} of release {tag} in {repo}", a.name),
                    detail: format!(
                        "size {}, digest {}; this release has size {} and sha256:{}",
                        x.size,
                        x.digest.as_deref().unwrap_or("not reported"),
                        a.size,
                        a.sha256
                    ),
                });
            }
            let url = api.url(&format!("releases/assets/{}", x.id));
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
        let what = format!("{name}: uploading {}", a.name);
        let uploaded: GhAsset = api
            .call(&shared, &what, &[201], || {
                api.req(reqwest::Method::POST, &upload_base)
                    .query(&[("name", a.name.as_str())])
                    .header(reqwest::header::CONTENT_TYPE, "application/octet-stream")
                    .body(bytes.clone())
            })
            .await?
            .decode(&what, "an asset")?;
        if !same_asset(&uploaded, &a.name, a.size, &a.sha256) {
            return Err(PublishError::Verify {
                what: format!("{name}: asset {}", a.name),
                message: format!(
                    "the server reports size {} digest {}, expected {} sha256:{}",
                    uploaded.size,
                    uploaded.digest.as_deref().unwrap_or("not reported"),
                    a.size,
                    a.sha256
                ),
            });
        }
        shared.emit(super::Event::UploadProgress {
            publisher: name.clone(),
            item: a.name.clone(),
            bytes: a.size,
        });
        shared.confirm(&key, &a.sha256, a.size, &uploaded.location(&api))?;
        shared.done(&a.name, ItemOutcome::Uploaded, a.size);
        tally.add(ItemOutcome::Uploaded, a.size);
    }

    let url = api.url(&format!("releases/{id}"));
    if let Some(notes) = notes {
        if gh_release.body.as_deref() != Some(notes.as_str()) {
            let body = json!({ "body": notes });
            let what = format!("{name}: setting the release notes");
            gh_release = api
                .call(&shared, &what, &[200], || {
                    api.req(reqwest::Method::PATCH, &url).json(&body)
                })
                .await?
                .decode(&what, "a release")?;
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
    if gh_release.draft {
        let body = json!({ "draft": false });
        let what = format!("{name}: publishing release {tag}");
        gh_release = api
            .call(&shared, &what, &[200], || {
                api.req(reqwest::Method::PATCH, &url).json(&body)
            })
            .await?
            .decode(&what, "a release")?;
        shared.done(
            &format!("release {tag} (undraft)"),
            ItemOutcome::Uploaded,
            0,
        );
        tally.add(ItemOutcome::Uploaded, 0);
    }
    let location = gh_release.html_url.unwrap_or(url);
    Ok(tally.finish(vec![location]))
}

async fn list_assets(
    api: &Api,
    shared: &Shared,
    gh_release: &GhRelease,
) -> Result<Vec<GhAsset>, PublishError> {
    api.list(
        shared,
        &format!("{}: listing assets", shared.publisher),
        "a list of assets",
        api.url(&format!("releases/{}/assets?per_page=100", gh_release.id)),
        |_: &GhAsset| false,
    )
    .await
}

/// Same name and size, and the same digest when the API gives one (`"sha256:<hex>"`).
fn same_asset(asset: &GhAsset, name: &str, size: u64, sha256: &str) -> bool {
    asset.name == name
        && asset.size == size
        && asset
            .digest
            .as_deref()
            .is_none_or(|d| d == format!("sha256:{sha256}"))
}

/// The release notes: the manifest's notes artifact, else dist/RELEASE_NOTES.md; `None` when
/// the release has neither (notes disabled). A notes file that exists but cannot be read is an
/// error.
fn notes(release: &Release) -> Result<Option<String>, PublishError> {
    let path = match release.manifest.by_kind(ArtifactKind::Notes).next() {
        Some(a) => release.file(a),
        None => release.dist.join("RELEASE_NOTES.md"),
    };
    match std::fs::read_to_string(&path) {
        Ok(text) => Ok(Some(text)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(PublishError::io("reading the release notes", &path, e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn asset(v: serde_json::Value) -> GhAsset {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn an_asset_matches_on_name_size_and_digest_when_given() {
        let a = asset(json!({ "id": 1, "name": "x", "size": 3 }));
        assert!(same_asset(&a, "x", 3, "ab"));
        assert!(!same_asset(&a, "x", 4, "ab"));
        let a = asset(json!({ "id": 1, "name": "x", "size": 3, "digest": "sha256:ab" }));
        assert!(same_asset(&a, "x", 3, "ab"));
        assert!(!same_asset(&a, "x", 3, "cd"));
    }

    #[test]
    fn link_headers_give_the_next_page() {
        let mut h = HeaderMap::new();
        h.insert(
            reqwest::header::LINK,
            r#"<https://api.example/r?page=3>; rel="next", <https://api.example/r?page=9>; rel="last""#
                .parse()
                .unwrap(),
        );
        assert_eq!(
            next_link(&h).as_deref(),
            Some("https://api.example/r?page=3")
        );
        let mut h = HeaderMap::new();
        h.insert(
            reqwest::header::LINK,
            r#"<https://api.example/r?page=1>; rel="prev""#.parse().unwrap(),
        );
        assert_eq!(next_link(&h), None);
        assert_eq!(next_link(&HeaderMap::new()), None);
    }

    #[test]
    fn replies_of_the_wrong_shape_are_errors_naming_what_came_back() {
        let reply = Reply {
            text: r#"{"message":"Moved Permanently"}"#.into(),
            next: None,
        };
        let err = reply
            .decode::<Vec<GhRelease>>("listing", "a list of releases")
            .unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains("not a list of releases")
                && text.contains("a JSON object")
                && text.contains("Moved Permanently"),
            "{text}"
        );
        let reply = Reply {
            text: r#"{"id": 7, "tag_name": "v1.0.0", "draft": true}"#.into(),
            next: None,
        };
        let err = reply
            .decode::<GhRelease>("creating", "a release")
            .unwrap_err();
        let cause = std::error::Error::source(&err).unwrap().to_string();
        assert!(cause.contains("upload_url"), "{cause}");
    }
}
