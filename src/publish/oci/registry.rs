//! A small OCI distribution client: just what publishing needs (HEAD/upload blobs, HEAD/PUT
//! manifests), authenticating on a `401` with the login `oci/creds.rs` finds (Docker config,
//! helpers, environment) as `oci/token.rs` presents it (Basic auth, or a token server's bearer
//! token). Plain HTTP is used only for loopback registries or ones marked `insecure: true`.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use reqwest::{RequestBuilder, Response, StatusCode};
use tokio::io::{AsyncReadExt, AsyncSeekExt};

use super::super::client::send;
use super::super::retry::{self, Failure};
use super::super::{Event, PublishError, Shared};
use super::creds::{credentials, Credentials};
use super::token::{self, parse_challenge, Challenge};

/// `host[:port]/path/name` split into its registry and repository.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RepoRef {
    pub registry: String,
    pub repository: String,
}

impl RepoRef {
    pub fn parse(text: &str) -> Result<RepoRef, String> {
        let text = text
            .trim()
            .trim_start_matches("https://")
            .trim_start_matches("http://");
        let (first, rest) = text.split_once('/').ok_or_else(|| {
            format!(
                "{text:?} is not a repository: expected host/path/name (e.g. ghcr.io/acme/hello)"
            )
        })?;
        let (registry, repository) =
            if first.contains('.') || first.contains(':') || first == "localhost" {
                (first.to_string(), rest.to_string())
            } else {
                ("registry-1.docker.io".to_string(), text.to_string())
            };
        if repository.is_empty()
            || !repository.split('/').all(|c| {
                !c.is_empty()
                    && c.bytes().all(|b| {
                        b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b)
                    })
            })
        {
            return Err(format!(
                "{repository:?} is not a valid repository name (lower case, digits, `._-/`)"
            ));
        }
        Ok(RepoRef {
            registry,
            repository,
        })
    }

    pub fn is_loopback(&self) -> bool {
        let host = self
            .registry
            .rsplit_once(':')
            .map_or(self.registry.as_str(), |(h, _)| h);
        host == "localhost" || host.starts_with("127.") || host == "[::1]"
    }
}

impl std::fmt::Display for RepoRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.registry, self.repository)
    }
}

/// One repository on one registry.
pub struct Repo {
    pub reference: RepoRef,
    client: reqwest::Client,
    base: String,
    creds: Option<Credentials>,
    authorization: Mutex<Option<String>>,
}

impl Repo {
    /// A repository client on the run's shared HTTP client, with credentials from the run's
    /// environment (`shared.options.env`).
    pub fn new(
        reference: RepoRef,
        insecure: bool,
        shared: &Shared,
    ) -> Result<Arc<Repo>, PublishError> {
        let scheme = if insecure || reference.is_loopback() {
            "http"
        } else {
            "https"
        };
        let base = format!("{scheme}://{}", reference.registry);
        let creds = credentials(&reference.registry, &shared.options.env)?;
        Ok(Arc::new(Repo {
            reference,
            client: shared.http.get(insecure)?,
            base,
            creds,
            authorization: Mutex::new(None),
        }))
    }

    fn url(&self, tail: &str) -> String {
        format!("{}/v2/{}/{tail}", self.base, self.reference.repository)
    }

    /// Resolve an upload `Location` (absolute or relative) to a URL.
    fn absolute(&self, location: &str) -> String {
        if location.starts_with("http://") || location.starts_with("https://") {
            location.to_string()
        } else {
            format!("{}{}", self.base, location)
        }
    }

    /// Send a request with the current authorization; on 401 authenticate once and resend.
    async fn send(&self, make: &(dyn Fn() -> RequestBuilder + Sync)) -> Result<Response, Failure> {
        let with_auth = |rb: RequestBuilder| {
            let auth = self
                .authorization
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .clone();
            match auth {
                Some(a) => rb.header(reqwest::header::AUTHORIZATION, a),
                None => rb,
            }
        };
        let resp = send(with_auth(make())).await?;
        if resp.status() != StatusCode::UNAUTHORIZED {
            return Ok(resp);
        }
        let challenge = resp
            .headers()
            .get(reqwest::header::WWW_AUTHENTICATE)
            .and_then(|v| v.to_str().ok())
            .and_then(parse_challenge);
        self.authenticate(challenge).await?;
        let resp = send(with_auth(make())).await?;
        if resp.status() == StatusCode::UNAUTHORIZED {
            return Err(Failure::Fatal(PublishError::Auth {
                what: format!("registry {}", self.reference.registry),
                message: match &self.creds {
                    Some(c) => format!("the registry refused {}", c.describe()),
                    None => "the registry refused anonymous access".into(),
                },
            }));
        }
        Ok(resp)
    }

    async fn authenticate(&self, challenge: Option<Challenge>) -> Result<(), Failure> {
        let default_scope = format!("repository:{}:pull,push", self.reference.repository);
        let value = token::authorization(
            &self.client,
            &self.reference.registry,
            self.creds.as_ref(),
            challenge,
            &default_scope,
        )
        .await?;
        *self.authorization.lock().unwrap_or_else(|e| e.into_inner()) = Some(value);
        Ok(())
    }

    /// HEAD a blob: `Some(size)` when the registry has it.
    pub async fn blob_size(&self, digest: &str) -> Result<Option<u64>, Failure> {
        let url = self.url(&format!("blobs/{digest}"));
        let resp = self.send(&|| self.client.head(&url)).await?;
        if let Some(t) = retry::transient_status(&resp) {
            return Err(t);
        }
        match resp.status() {
            StatusCode::OK => Ok(Some(content_length(&resp))),
            StatusCode::NOT_FOUND => Ok(None),
            _ => Err(retry::unexpected(&format!("checking blob {digest}"), "HEAD", resp).await),
        }
    }

    async fn start_upload(&self, what: &str) -> Result<String, Failure> {
        let url = self.url("blobs/uploads/");
        let resp = self
            .send(&|| {
                self.client
                    .post(&url)
                    .header(reqwest::header::CONTENT_LENGTH, 0)
            })
            .await?;
        if let Some(t) = retry::transient_status(&resp) {
            return Err(t);
        }
        if resp.status() != StatusCode::ACCEPTED {
            return Err(retry::unexpected(what, "POST", resp).await);
        }
        location_of(&resp)
            .map(|l| self.absolute(&l))
            .ok_or_else(|| {
                Failure::Fatal(PublishError::Other {
                    what: what.into(),
                    message: "upload started without a Location".into(),
                })
            })
    }

    /// How much of an upload session the registry holds (`GET` on its URL: `204` with
    /// `Range: 0-<last>`): the session's current URL and the next offset, `None` when the
    /// registry no longer knows the session (`404`: expired, cancelled, or invalid after a
    /// restart) or cannot say how much it holds. `Range: 0-0` is ambiguous (no byte or one):
    /// the session is not resumed then, which costs at most one byte.
    async fn upload_offset(&self, location: &str) -> Result<Option<(String, u64)>, Failure> {
        let resp = self.send(&|| self.client.get(location)).await?;
        if let Some(t) = retry::transient_status(&resp) {
            return Err(t);
        }
        if resp.status() != StatusCode::NO_CONTENT {
            tracing::debug!(status = %resp.status(), "the registry no longer knows an upload session");
            return Ok(None);
        }
        let last = resp
            .headers()
            .get(reqwest::header::RANGE)
            .and_then(|v| v.to_str().ok())
            .and_then(|r| {
                r.trim()
                    .strip_prefix("0-")
                    .or_else(|| r.trim().strip_prefix("bytes=0-"))
            })
            .and_then(|last| last.trim().parse::<u64>().ok());
        let Some(last) = last.filter(|&l| l > 0) else {
            return Ok(None);
        };
        let location = location_of(&resp)
            .map(|l| self.absolute(&l))
            .unwrap_or_else(|| location.to_string());
        Ok(Some((location, last + 1)))
    }

    /// Cancel an upload session (`DELETE` on its URL), best effort: an abandoned session would
    /// otherwise hold its partial bytes on the registry until it expires.
    pub async fn cancel_upload(&self, location: &str) {
        match self.send(&|| self.client.delete(location)).await {
            Ok(resp) => tracing::debug!(status = %resp.status(), "cancelled an upload session"),
            Err(_) => tracing::debug!("could not cancel an upload session"),
        }
    }

    /// Upload one blob (monolithic PUT when it fits one chunk, else PATCH chunks + PUT), one try.
    /// `session` carries the upload URL and confirmed offset across tries (and, when it is
    /// recorded, across runs): a chunked upload resumes from the offset the registry confirms
    /// instead of from byte 0, and a session the registry no longer knows is cancelled and the
    /// blob restarted cleanly.
    #[allow(clippy::too_many_arguments)]
    pub async fn upload_blob(
        &self,
        shared: &Shared,
        item: &str,
        digest: &str,
        source: &BlobSource,
        size: u64,
        chunk_size: u64,
        session: &Session,
    ) -> Result<(), Failure> {
        let what = format!("uploading {item}");
        let sha256 = digest.trim_start_matches("sha256:");
        let record = |current: Option<(String, u64)>| {
            session.set(shared, &self.reference, sha256, size, current)
        };
        let previous = session.get();
        let resumed = match &previous {
            Some((location, _)) if size > chunk_size => self.upload_offset(location).await?,
            _ => None,
        };
        if let (Some((old, _)), None) = (&previous, &resumed) {
            // Not resumable (a single-PUT blob, or the registry lost it): cancel, start afresh.
            self.cancel_upload(old).await;
            record(None)?;
        }
        let (mut location, mut offset) = match resumed {
            Some((location, offset)) if offset <= size => {
                tracing::info!(item, offset, "resuming an upload at the confirmed offset");
                (location, offset)
            }
            Some((location, _)) => {
                // More bytes than the blob has: not this blob's session.
                self.cancel_upload(&location).await;
                (self.start_upload(&what).await?, 0)
            }
            None => (self.start_upload(&what).await?, 0),
        };
        record(Some((location.clone(), offset)))?;
        if size > chunk_size {
            while offset < size {
                let len = chunk_size.min(size - offset);
                let chunk = source.read(offset, len).await?;
                let url = location.clone();
                let range = format!("{}-{}", offset, offset + len - 1);
                let resp = self
                    .send(&|| {
                        self.client
                            .patch(&url)
                            .header(reqwest::header::CONTENT_TYPE, "application/octet-stream")
                            .header(reqwest::header::CONTENT_RANGE, range.clone())
                            .body(chunk.clone())
                    })
                    .await?;
                if let Some(t) = retry::transient_status(&resp) {
                    return Err(t);
                }
                if resp.status() != StatusCode::ACCEPTED {
                    return Err(retry::unexpected(&what, "PATCH", resp).await);
                }
                location = location_of(&resp)
                    .map(|l| self.absolute(&l))
                    .unwrap_or(location);
                offset += len;
                record(Some((location.clone(), offset)))?;
                progress(shared, item, len);
            }
        }
        let body = if size <= chunk_size {
            source.read(0, size).await?
        } else {
            Vec::new()
        };
        let sep = if location.contains('?') { '&' } else { '?' };
        let url = format!("{location}{sep}digest={digest}");
        let len = body.len() as u64;
        let resp = self
            .send(&|| {
                self.client
                    .put(&url)
                    .header(reqwest::header::CONTENT_TYPE, "application/octet-stream")
                    .body(body.clone())
            })
            .await?;
        if let Some(t) = retry::transient_status(&resp) {
            return Err(t);
        }
        if resp.status() != StatusCode::CREATED {
            return Err(retry::unexpected(&what, "PUT", resp).await);
        }
        record(None)?;
        if len > 0 {
            progress(shared, item, len);
        }
        Ok(())
    }

    /// HEAD a manifest: `Some(digest)` when the reference exists.
    pub async fn manifest_digest(
        &self,
        reference: &str,
        media_type: &str,
    ) -> Result<Option<String>, Failure> {
        Ok(self
            .manifest_head(reference, media_type)
            .await?
            .map(|(digest, _)| digest))
    }

    /// HEAD a manifest: its digest and size (`Content-Length`, when the registry sends one) when
    /// the reference exists.
    pub async fn manifest_head(
        &self,
        reference: &str,
        media_type: &str,
    ) -> Result<Option<(String, Option<u64>)>, Failure> {
        let url = self.url(&format!("manifests/{reference}"));
        let resp = self
            .send(&|| {
                self.client
                    .head(&url)
                    .header(reqwest::header::ACCEPT, media_type)
            })
            .await?;
        if let Some(t) = retry::transient_status(&resp) {
            return Err(t);
        }
        match resp.status() {
            StatusCode::OK => {
                let size = resp
                    .headers()
                    .get(reqwest::header::CONTENT_LENGTH)
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.parse().ok());
                Ok(resp
                    .headers()
                    .get("docker-content-digest")
                    .and_then(|v| v.to_str().ok())
                    .map(|d| (d.to_string(), size)))
            }
            StatusCode::NOT_FOUND => Ok(None),
            _ => Err(retry::unexpected(&format!("checking {reference}"), "HEAD", resp).await),
        }
    }

    /// GET a manifest or index by tag or digest, accepting `accept`: its bytes and media type,
    /// `None` when the registry does not have it.
    pub async fn get_manifest(
        &self,
        reference: &str,
        accept: &str,
    ) -> Result<Option<(Vec<u8>, String)>, Failure> {
        let url = self.url(&format!("manifests/{reference}"));
        let resp = self
            .send(&|| {
                self.client
                    .get(&url)
                    .header(reqwest::header::ACCEPT, accept)
            })
            .await?;
        if let Some(t) = retry::transient_status(&resp) {
            return Err(t);
        }
        match resp.status() {
            StatusCode::OK => {
                let media_type = resp
                    .headers()
                    .get(reqwest::header::CONTENT_TYPE)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or_default()
                    .to_string();
                Ok(Some((resp.bytes().await?.to_vec(), media_type)))
            }
            StatusCode::NOT_FOUND => Ok(None),
            _ => Err(retry::unexpected(&format!("fetching {reference}"), "GET", resp).await),
        }
    }

    /// GET a whole blob, checking its digest.
    pub async fn get_blob(&self, digest: &str) -> Result<Vec<u8>, Failure> {
        let url = self.url(&format!("blobs/{digest}"));
        let what = format!("fetching blob {digest} from {}", self.reference);
        let resp = self.send(&|| self.client.get(&url)).await?;
        if let Some(t) = retry::transient_status(&resp) {
            return Err(t);
        }
        if resp.status() != StatusCode::OK {
            return Err(retry::unexpected(&what, "GET", resp).await);
        }
        let bytes = resp.bytes().await?.to_vec();
        if format!("sha256:{}", super::super::sha256_hex(&bytes)) != digest {
            return Err(Failure::Fatal(PublishError::Verify {
                what,
                message: "the bytes do not match the digest".into(),
            }));
        }
        Ok(bytes)
    }

    /// Cross-repository blob mount (`POST .../blobs/uploads/?mount=<digest>&from=<repo>`):
    /// `true` when the registry mounted it, `false` when it declined (the caller copies).
    pub async fn mount_blob(&self, digest: &str, from: &str) -> Result<bool, Failure> {
        let url = self.url("blobs/uploads/");
        let resp = self
            .send(&|| {
                self.client
                    .post(&url)
                    .query(&[("mount", digest), ("from", from)])
                    .header(reqwest::header::CONTENT_LENGTH, 0)
            })
            .await?;
        if let Some(t) = retry::transient_status(&resp) {
            return Err(t);
        }
        match resp.status() {
            StatusCode::CREATED => Ok(true),
            StatusCode::ACCEPTED => Ok(false),
            _ => Err(retry::unexpected(&format!("mounting blob {digest}"), "POST", resp).await),
        }
    }

    /// PUT a manifest under a tag or digest; returns the digest the registry reports.
    pub async fn put_manifest(
        &self,
        reference: &str,
        media_type: &str,
        bytes: &[u8],
    ) -> Result<Option<String>, Failure> {
        Ok(self
            .put_manifest_full(reference, media_type, bytes)
            .await?
            .0)
    }

    /// The Referrers API's index of `digest` (`GET /v2/<name>/referrers/<digest>`): `None` when
    /// the registry does not implement it (404), so the tag-schema fallback applies.
    pub async fn referrers(&self, digest: &str) -> Result<Option<Vec<u8>>, Failure> {
        let url = self.url(&format!("referrers/{digest}"));
        let resp = self.send(&|| self.client.get(&url)).await?;
        if let Some(t) = retry::transient_status(&resp) {
            return Err(t);
        }
        let is_index = resp
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|t| t.starts_with("application/vnd.oci.image.index.v1+json"));
        match resp.status() {
            StatusCode::OK if is_index => Ok(Some(resp.bytes().await?.to_vec())),
            StatusCode::OK | StatusCode::NOT_FOUND => Ok(None),
            _ => {
                Err(retry::unexpected(&format!("listing referrers of {digest}"), "GET", resp).await)
            }
        }
    }

    /// PUT a manifest; returns the digest the registry reports and whether it answered with an
    /// `OCI-Subject` header (it indexed the manifest's `subject` for the Referrers API).
    pub async fn put_manifest_full(
        &self,
        reference: &str,
        media_type: &str,
        bytes: &[u8],
    ) -> Result<(Option<String>, bool), Failure> {
        let url = self.url(&format!("manifests/{reference}"));
        let resp = self
            .send(&|| {
                self.client
                    .put(&url)
                    .header(reqwest::header::CONTENT_TYPE, media_type)
                    .body(bytes.to_vec())
            })
            .await?;
        if let Some(t) = retry::transient_status(&resp) {
            return Err(t);
        }
        if resp.status() != StatusCode::CREATED {
            return Err(retry::unexpected(&format!("pushing {reference}"), "PUT", resp).await);
        }
        let subject = resp.headers().contains_key("oci-subject");
        let digest = resp
            .headers()
            .get("docker-content-digest")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        Ok((digest, subject))
    }
}

fn progress(shared: &Shared, item: &str, bytes: u64) {
    shared.emit(Event::UploadProgress {
        publisher: shared.publisher.clone(),
        item: item.to_string(),
        bytes,
    });
}

fn content_length(resp: &Response) -> u64 {
    resp.headers()
        .get(reqwest::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

fn location_of(resp: &Response) -> Option<String> {
    resp.headers()
        .get(reqwest::header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

impl std::fmt::Debug for Repo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Repo")
            .field("reference", &self.reference)
            .finish()
    }
}

/// One blob's upload session: the upload URL the registry last returned and the offset it
/// confirmed, carried across tries. A session `recorded` under a publish-state key is also saved
/// in `dist/publish-state.json` after every confirmed chunk (and forgotten when the blob is
/// complete or the session cancelled), so a later run continues it.
#[derive(Debug, Default)]
pub struct Session {
    current: Mutex<Option<(String, u64)>>,
    record: Option<String>,
}

impl Session {
    /// A session kept in memory only (small blobs, signature configs).
    pub fn new() -> Session {
        Session::default()
    }

    /// A session saved in the publish state under `key`, continuing `resume` (a session an
    /// earlier run recorded) when given.
    pub fn recorded(key: String, resume: Option<(String, u64)>) -> Session {
        Session {
            current: Mutex::new(resume),
            record: Some(key),
        }
    }

    /// The upload URL and confirmed offset.
    pub fn get(&self) -> Option<(String, u64)> {
        self.current
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Whether the session is saved in the publish state.
    pub fn is_recorded(&self) -> bool {
        self.record.is_some()
    }

    /// Update the session (and its record in the publish state, atomically written).
    pub fn set(
        &self,
        shared: &Shared,
        repo: &RepoRef,
        sha256: &str,
        size: u64,
        current: Option<(String, u64)>,
    ) -> Result<(), Failure> {
        if let Some(key) = &self.record {
            let saved =
                current
                    .as_ref()
                    .map(|(location, offset)| super::super::state::UploadSession {
                        registry: repo.to_string(),
                        location: location.clone(),
                        offset: *offset,
                        sha256: sha256.to_string(),
                        size,
                    });
            shared.record_upload(key, saved)?;
        }
        *self.current.lock().unwrap_or_else(|e| e.into_inner()) = current;
        Ok(())
    }
}

/// Where a blob's bytes come from.
#[derive(Debug, Clone)]
pub enum BlobSource {
    File(PathBuf),
    Memory(Arc<Vec<u8>>),
    /// A blob of a base image, in this repository (mounted or copied from there).
    Registry(Arc<Repo>),
}

impl BlobSource {
    /// `len` bytes from `offset`.
    pub async fn read(&self, offset: u64, len: u64) -> Result<Vec<u8>, Failure> {
        match self {
            BlobSource::Memory(bytes) => {
                Ok(bytes[offset as usize..(offset + len) as usize].to_vec())
            }
            BlobSource::Registry(_) => Err(Failure::Fatal(PublishError::Other {
                what: "reading a base image blob".into(),
                message: "base image blobs are fetched whole before uploading".into(),
            })),
            BlobSource::File(path) => {
                let io = |e| Failure::Fatal(PublishError::io("reading", path, e));
                let mut file = tokio::fs::File::open(path).await.map_err(io)?;
                file.seek(std::io::SeekFrom::Start(offset))
                    .await
                    .map_err(io)?;
                let mut buf = vec![0u8; len as usize];
                file.read_exact(&mut buf).await.map_err(io)?;
                Ok(buf)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_repositories() {
        let r = RepoRef::parse("127.0.0.1:5000/acme/hello").unwrap();
        assert_eq!(
            (r.registry.as_str(), r.repository.as_str()),
            ("127.0.0.1:5000", "acme/hello")
        );
        assert!(r.is_loopback());
        let r = RepoRef::parse("acme/hello").unwrap();
        assert_eq!(r.registry, "registry-1.docker.io");
        assert!(!r.is_loopback());
        assert!(RepoRef::parse("ghcr.io/Acme/x").is_err());
        assert!(RepoRef::parse("hello").is_err());
    }
}
