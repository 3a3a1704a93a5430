//! A small OCI distribution client: just what publishing needs (HEAD/upload blobs, HEAD/PUT
//! manifests) with Docker-config and environment credentials, Basic auth and the Bearer token
//! flow (`WWW-Authenticate: Bearer realm=...`). Plain HTTP is used only for loopback registries or
//! ones marked `insecure: true`.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use base64::Engine as _;
use reqwest::{RequestBuilder, Response, StatusCode};
use tokio::io::{AsyncReadExt, AsyncSeekExt};

use super::super::client::send;
use super::super::retry::{self, Failure};
use super::super::{Event, PublishError, Shared};
use crate::config::env::EnvSnapshot;

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

/// A user name and password for a registry, and where they came from (for error messages).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credentials {
    pub user: String,
    pub password: String,
    pub source: String,
}

/// Username and password for a registry, from `env` (the run's environment):
/// `TUG_REGISTRY_USERNAME`/`TUG_REGISTRY_PASSWORD`, else `$DOCKER_CONFIG/config.json` or
/// `$HOME/.docker/config.json` as Docker reads it: the credential helper of `credHelpers.<host>`
/// or `credsStore` when one is named, else `auths.<host>.auth`. A missing Docker config means
/// "no credentials" (anonymous access); one that exists but cannot be read is an error.
pub fn credentials(registry: &str, env: &EnvSnapshot) -> Result<Option<Credentials>, PublishError> {
    if let (Some(user), Some(password)) = (
        env.get("TUG_REGISTRY_USERNAME"),
        env.get("TUG_REGISTRY_PASSWORD"),
    ) {
        tracing::debug!(
            registry,
            user,
            "registry credentials from TUG_REGISTRY_USERNAME/PASSWORD"
        );
        return Ok(Some(Credentials {
            user: user.to_string(),
            password: password.to_string(),
            source: "TUG_REGISTRY_USERNAME/TUG_REGISTRY_PASSWORD".into(),
        }));
    }
    let Some(dir) = env
        .path("DOCKER_CONFIG")
        .or_else(|| env.path("HOME").map(|h| h.join(".docker")))
    else {
        return Ok(None);
    };
    let file = dir.join("config.json");
    let text = match std::fs::read_to_string(&file) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            tracing::debug!(registry, file = %file.display(), "no Docker config: anonymous");
            return Ok(None);
        }
        Err(e) => return Err(PublishError::io("reading the Docker config", &file, e)),
    };
    let malformed = |message| PublishError::Other {
        what: format!("reading the Docker config {}", file.display()),
        message,
    };
    if let Some(helper) = docker_config_helper(&text, registry).map_err(malformed)? {
        return credential_helper(&helper, registry, env);
    }
    let found = docker_config_auth(&text, registry)
        .map_err(malformed)?
        .map(|(user, password)| Credentials {
            user,
            password,
            source: file.display().to_string(),
        });
    tracing::debug!(
        registry,
        file = %file.display(),
        user = found.as_ref().map(|c| c.user.as_str()),
        "registry credentials from the Docker config"
    );
    Ok(found)
}

/// The credential helper a Docker config names for `registry`, as Docker picks it:
/// `credHelpers.<registry>`, else `credsStore`. Malformed entries are errors.
pub fn docker_config_helper(config_json: &str, registry: &str) -> Result<Option<String>, String> {
    let config: serde_json::Value = serde_json::from_str(config_json)
        .map_err(|e| format!("not valid JSON (line {}, column {})", e.line(), e.column()))?;
    if let Some(helpers) = config.get("credHelpers") {
        let helpers = helpers
            .as_object()
            .ok_or("`credHelpers` is not an object")?;
        if let Some(name) = helpers.get(registry) {
            return name
                .as_str()
                .filter(|n| !n.is_empty())
                .map(|n| Some(n.to_string()))
                .ok_or_else(|| format!("`credHelpers.{registry}` is not a helper name"));
        }
    }
    match config.get("credsStore") {
        None => Ok(None),
        Some(serde_json::Value::String(n)) if n.is_empty() => Ok(None),
        Some(serde_json::Value::String(n)) => Ok(Some(n.clone())),
        Some(_) => Err("`credsStore` is not a helper name".into()),
    }
}

/// Ask `docker-credential-<helper> get` for `registry`'s credentials (the Docker credential
/// helper protocol: the server on stdin, `{"Username", "Secret"}` JSON on stdout). The helper
/// runs with the run's environment only. "credentials not found" means anonymous access.
fn credential_helper(
    helper: &str,
    registry: &str,
    env: &EnvSnapshot,
) -> Result<Option<Credentials>, PublishError> {
    use std::io::Write as _;
    let program = format!("docker-credential-{helper}");
    let what = format!("asking the Docker credential helper {program} for {registry}");
    let fail = |message: String| PublishError::Other {
        what: what.clone(),
        message,
    };
    // Docker Hub's credentials are stored under its legacy index URL.
    let server = if registry == "registry-1.docker.io" {
        "https://index.docker.io/v1/"
    } else {
        registry
    };
    let mut child = std::process::Command::new(&program)
        .arg("get")
        .env_clear()
        .envs(env.vars())
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .map_err(|e| PublishError::io(&what, std::path::Path::new(&program), e))?;
    if let Some(mut stdin) = child.stdin.take() {
        // A helper that exits without reading (it failed) closes the pipe: its exit status and
        // output below say why, not the broken pipe.
        match stdin.write_all(server.as_bytes()) {
            Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
                return Err(PublishError::io(&what, std::path::Path::new(&program), e))
            }
            _ => {}
        }
    }
    let out = child
        .wait_with_output()
        .map_err(|e| PublishError::io(&what, std::path::Path::new(&program), e))?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() {
        if stdout.contains("credentials not found") {
            tracing::debug!(registry, helper, "credential helper has nothing: anonymous");
            return Ok(None);
        }
        let stderr = String::from_utf8_lossy(&out.stderr);
        let said = [stdout.trim(), stderr.trim()]
            .into_iter()
            .find(|s| !s.is_empty())
            .unwrap_or("no output")
            .lines()
            .next()
            .unwrap_or_default()
            .to_string();
        return Err(fail(format!("it failed ({}): {said}", out.status)));
    }
    let reply: serde_json::Value = serde_json::from_str(&stdout)
        .map_err(|_| fail("its answer is not the helper protocol's JSON".into()))?;
    let (Some(user), Some(secret)) = (reply["Username"].as_str(), reply["Secret"].as_str()) else {
        return Err(fail("its answer has no Username and Secret".into()));
    };
    if user == "<token>" {
        return Err(fail(
            "it holds an identity token, which tug cannot exchange yet: use a user name and password".into(),
        ));
    }
    tracing::debug!(
        registry,
        helper,
        user,
        "registry credentials from a credential helper"
    );
    Ok(Some(Credentials {
        user: user.to_string(),
        password: secret.to_string(),
        source: program,
    }))
}

/// The credentials for `registry` in a Docker config file's `auths`: `Ok(None)` when the file
/// has no entry for it (or the entry has no `auth`, as with a credential helper); an error naming
/// what is wrong when the file or the entry is malformed (never silently anonymous). Messages
/// never contain the credentials.
pub fn docker_config_auth(
    config_json: &str,
    registry: &str,
) -> Result<Option<(String, String)>, String> {
    let config: serde_json::Value = serde_json::from_str(config_json)
        .map_err(|e| format!("not valid JSON (line {}, column {})", e.line(), e.column()))?;
    let Some(auths) = config.get("auths") else {
        return Ok(None);
    };
    let auths = auths
        .as_object()
        .ok_or_else(|| "`auths` is not an object".to_string())?;
    let wanted = [
        registry.to_string(),
        format!("https://{registry}"),
        format!("http://{registry}"),
        if registry == "registry-1.docker.io" {
            "https://index.docker.io/v1/".into()
        } else {
            String::new()
        },
    ];
    let Some((key, entry)) = auths.iter().find(|(k, _)| {
        wanted
            .iter()
            .any(|w| !w.is_empty() && k.trim_end_matches('/') == w.trim_end_matches('/'))
    }) else {
        return Ok(None);
    };
    let bad = |why: &str| format!("`auths.{key}.auth` {why}");
    // An identity token (an OAuth2 refresh token from `docker login` to a token server) is not
    // exchanged yet: say so rather than push anonymously.
    if entry
        .get("identitytoken")
        .and_then(|t| t.as_str())
        .is_some_and(|t| !t.is_empty())
    {
        return Err(format!(
            "`auths.{key}` holds an identity token (`identitytoken`), which tug cannot exchange yet: log in with a user name and password, or set TUG_REGISTRY_USERNAME and TUG_REGISTRY_PASSWORD"
        ));
    }
    let Some(encoded) = entry.get("auth") else {
        return Ok(None);
    };
    let encoded = encoded.as_str().ok_or_else(|| bad("is not a string"))?;
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded)
        .map_err(|_| bad("is not base64"))?;
    let text = String::from_utf8(decoded).map_err(|_| bad("is not UTF-8 text"))?;
    let (u, p) = text
        .split_once(':')
        .ok_or_else(|| bad("is not base64 of `user:password`"))?;
    Ok(Some((u.to_string(), p.to_string())))
}

/// A parsed `WWW-Authenticate` challenge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Challenge {
    Basic,
    Bearer {
        realm: String,
        service: Option<String>,
        scope: Option<String>,
    },
}

pub fn parse_challenge(header: &str) -> Option<Challenge> {
    let (scheme, params) = header.trim().split_once(' ').unwrap_or((header.trim(), ""));
    if scheme.eq_ignore_ascii_case("basic") {
        return Some(Challenge::Basic);
    }
    if !scheme.eq_ignore_ascii_case("bearer") {
        return None;
    }
    let mut realm = None;
    let mut service = None;
    let mut scope = None;
    // key="value" pairs; values may contain commas (scopes), so split on `",`.
    let mut rest = params.trim();
    while !rest.is_empty() {
        let (key, after) = rest.split_once('=')?;
        let after = after.trim_start();
        let (value, next) = if let Some(quoted) = after.strip_prefix('"') {
            let end = quoted.find('"')?;
            (
                &quoted[..end],
                quoted[end + 1..].trim_start_matches([',', ' ']),
            )
        } else {
            let end = after.find(',').unwrap_or(after.len());
            (&after[..end], after[end..].trim_start_matches([',', ' ']))
        };
        match key.trim().to_ascii_lowercase().as_str() {
            "realm" => realm = Some(value.to_string()),
            "service" => service = Some(value.to_string()),
            "scope" => scope = Some(value.to_string()),
            _ => {}
        }
        rest = next;
    }
    Some(Challenge::Bearer {
        realm: realm?,
        service,
        scope,
    })
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
                    Some(c) => format!(
                        "the registry refused the credentials of {:?} (from {})",
                        c.user, c.source
                    ),
                    None => "the registry refused anonymous access".into(),
                },
            }));
        }
        Ok(resp)
    }

    async fn authenticate(&self, challenge: Option<Challenge>) -> Result<(), Failure> {
        let what = format!("registry {}", self.reference.registry);
        let basic = self.creds.as_ref().map(|c| {
            format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD
                    .encode(format!("{}:{}", c.user, c.password))
            )
        });
        let value = match challenge {
            Some(Challenge::Basic) => basic.ok_or_else(|| PublishError::Auth {
                what: what.clone(),
                message: "the registry wants a user name and password and none is configured"
                    .into(),
            })?,
            Some(Challenge::Bearer {
                realm,
                service,
                scope,
            }) => {
                let scope = scope.unwrap_or_else(|| {
                    format!("repository:{}:pull,push", self.reference.repository)
                });
                let mut rb = self.client.get(&realm).query(&[("scope", scope.as_str())]);
                if let Some(service) = &service {
                    rb = rb.query(&[("service", service.as_str())]);
                }
                if let Some(b) = &basic {
                    rb = rb.header(reqwest::header::AUTHORIZATION, b);
                }
                let resp = send(rb).await?;
                if let Some(t) = retry::transient_status(&resp) {
                    return Err(t);
                }
                if !resp.status().is_success() {
                    return Err(Failure::Fatal(PublishError::Auth {
                        what,
                        message: format!("token endpoint {realm} answered {}", resp.status()),
                    }));
                }
                let text = resp.text().await?;
                let body: serde_json::Value =
                    serde_json::from_str(&text).map_err(|source| PublishError::Json {
                        what: format!("{what}: the token endpoint's reply"),
                        source,
                    })?;
                let token = body
                    .get("token")
                    .or_else(|| body.get("access_token"))
                    .and_then(|t| t.as_str())
                    .ok_or_else(|| PublishError::Auth {
                        what: what.clone(),
                        message: "token endpoint returned no token".into(),
                    })?;
                format!("Bearer {token}")
            }
            None => {
                return Err(Failure::Fatal(PublishError::Auth {
                    what,
                    message: "401 Unauthorized without a usable WWW-Authenticate challenge".into(),
                }))
            }
        };
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

    #[test]
    fn parses_challenges() {
        assert_eq!(parse_challenge("Basic realm=\"x\""), Some(Challenge::Basic));
        assert_eq!(
            parse_challenge(
                r#"Bearer realm="https://auth.example/token",service="reg",scope="repository:a/b:pull,push""#
            ),
            Some(Challenge::Bearer {
                realm: "https://auth.example/token".into(),
                service: Some("reg".into()),
                scope: Some("repository:a/b:pull,push".into()),
            })
        );
        assert_eq!(parse_challenge("Negotiate"), None);
    }

    #[test]
    fn picks_the_credential_helper_as_docker_does() {
        let cfg = r#"{"credsStore": "desktop", "credHelpers": {"ghcr.io": "gh"}}"#;
        assert_eq!(
            docker_config_helper(cfg, "ghcr.io").unwrap(),
            Some("gh".into())
        );
        assert_eq!(
            docker_config_helper(cfg, "quay.io").unwrap(),
            Some("desktop".into())
        );
        assert_eq!(
            docker_config_helper(r#"{"auths": {}}"#, "quay.io").unwrap(),
            None
        );
        assert_eq!(
            docker_config_helper(r#"{"credsStore": ""}"#, "quay.io").unwrap(),
            None
        );
        assert!(docker_config_helper(r#"{"credsStore": 1}"#, "quay.io").is_err());
        assert!(docker_config_helper(r#"{"credHelpers": {"quay.io": ""}}"#, "quay.io").is_err());
        assert!(docker_config_helper("{", "quay.io").is_err());
    }

    #[test]
    fn reads_docker_config_auths() {
        let auth = base64::engine::general_purpose::STANDARD.encode("me:s3cret");
        let cfg = format!(r#"{{"auths":{{"https://reg.example:5000":{{"auth":"{auth}"}}}}}}"#);
        assert_eq!(
            docker_config_auth(&cfg, "reg.example:5000"),
            Ok(Some(("me".into(), "s3cret".into())))
        );
        assert_eq!(docker_config_auth(&cfg, "other.example"), Ok(None));
        assert_eq!(
            docker_config_auth(r#"{"credsStore":"desktop"}"#, "x"),
            Ok(None)
        );
        // Malformed: an error naming the problem, without the credentials.
        let err = docker_config_auth("{not json", "reg.example:5000").unwrap_err();
        assert!(err.contains("not valid JSON"), "{err}");
        let cfg = r#"{"auths":{"reg.example:5000":{"auth":"!!!"}}}"#;
        let err = docker_config_auth(cfg, "reg.example:5000").unwrap_err();
        assert!(err.contains("is not base64"), "{err}");
        let nocolon = base64::engine::general_purpose::STANDARD.encode("s3cret");
        let cfg = format!(r#"{{"auths":{{"reg.example:5000":{{"auth":"{nocolon}"}}}}}}"#);
        let err = docker_config_auth(&cfg, "reg.example:5000").unwrap_err();
        assert!(!err.contains("s3cret"), "{err}");
        // An identity token is refused by name, never taken for anonymous access.
        let cfg = r#"{"auths":{"reg.example:5000":{"identitytoken":"refresh-s3cret"}}}"#;
        let err = docker_config_auth(cfg, "reg.example:5000").unwrap_err();
        assert!(err.contains("identity token"), "{err}");
        assert!(!err.contains("refresh-s3cret"), "{err}");
    }
}
