//! The publish engine: upload exactly the bytes `dist/manifest.json` lists to every configured
//! publisher (directory, OCI registry, GitHub-compatible releases, plain HTTP), idempotently.
//!
//! It never rebuilds and never prints. Progress goes to an event sink the command turns into
//! status lines and bars; failures are typed [`PublishError`]s. What each publisher has confirmed
//! (the remote digest and size checked after upload) is recorded in `dist/publish-state.json`, so a
//! re-run after any failure uploads only what is missing and reports the rest as already published.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::config::publish::PublisherConfig;
use crate::manifest::{Manifest, ManifestError};

pub mod client;
pub mod dir;
pub mod github;
pub mod goproxy;
pub mod http;
pub mod oci;
pub mod retry;
pub mod state;
pub mod template;

pub use state::PublishState;

/// The release being published: the manifest and its exact bytes (the OCI config blob).
#[derive(Debug, Clone)]
pub struct Release {
    pub dist: PathBuf,
    pub manifest: Manifest,
    pub manifest_bytes: Vec<u8>,
    pub manifest_sha256: String,
}

impl Release {
    /// Read `dist/manifest.json` (validated) and keep its bytes.
    pub fn load(dist: &Path) -> Result<Release, ManifestError> {
        let manifest = Manifest::read(dist)?;
        let path = Manifest::path(dist);
        let manifest_bytes =
            std::fs::read(&path).map_err(|source| ManifestError::Io { path, source })?;
        let manifest_sha256 = sha256_hex(&manifest_bytes);
        Ok(Release {
            dist: dist.to_path_buf(),
            manifest,
            manifest_bytes,
            manifest_sha256,
        })
    }

    /// Absolute path of an artifact's file.
    pub fn file(&self, artifact: &crate::manifest::Artifact) -> PathBuf {
        self.dist.join(&artifact.path)
    }
}

/// Hex SHA-256 of bytes in memory.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    crate::fsutil::hex(&sha2::Sha256::digest(bytes))
}

/// How to publish.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Plan only: report what would be uploaded, touch nothing remote.
    pub dry_run: bool,
    /// Overwrite a remote file/asset/tag of the same name whose content differs.
    pub replace: bool,
    /// Relative `dir` paths are resolved against this directory (the project root).
    pub root: PathBuf,
    /// The run's environment: registry credentials (`TUG_REGISTRY_*`, `DOCKER_CONFIG`, `HOME`),
    /// the GitHub token, and `{{ env.NAME }}` in templates. Never read from the process.
    pub env: crate::config::env::EnvSnapshot,
    /// The release key, when the release is signed: `oci` publishers sign what they push with it
    /// (cosign's image signatures). `None`: no registry signatures.
    pub signing_key: Option<Arc<crate::sign::PrivateKey>>,
}

/// What happened to one item (file, blob or manifest) of a publisher.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ItemOutcome {
    Uploaded,
    AlreadyPublished,
    WouldUpload,
}

/// Progress reported by the engine; the command prints it.
#[derive(Debug, Clone)]
pub enum Event {
    PublisherStarted {
        publisher: String,
        kind: &'static str,
        target: String,
    },
    UploadStarted {
        publisher: String,
        item: String,
        size: u64,
    },
    UploadProgress {
        publisher: String,
        item: String,
        bytes: u64,
    },
    ItemDone {
        publisher: String,
        item: String,
        outcome: ItemOutcome,
        size: u64,
    },
    Retrying {
        publisher: String,
        what: String,
        attempt: u32,
        delay: Duration,
        reason: String,
    },
    PublisherDone {
        publisher: String,
        summary: PublisherSummary,
    },
    /// The publisher waits for a lock another process holds on its target (a `goproxy`
    /// directory); sent when the wait starts and whenever the holder changes.
    WaitingForLock {
        publisher: String,
        lock: PathBuf,
        /// Who holds it (`held by pid N on HOST since T`).
        holder: String,
    },
    /// `--dry-run` of a `goproxy` publisher: what it would append and list.
    GoproxyPlan {
        publisher: String,
        plan: Box<goproxy::Plan>,
    },
}

/// Counts for one publisher, plus where the release can be found.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct PublisherSummary {
    pub uploaded: usize,
    pub already_published: usize,
    pub would_upload: usize,
    pub uploaded_bytes: u64,
    /// Where the release is now (a directory, `repo@digest`, a release URL).
    pub locations: Vec<String>,
}

/// Where events go. Must be cheap and never block for long.
pub type Sink = Arc<dyn Fn(Event) + Send + Sync>;

#[derive(Debug, thiserror::Error)]
pub enum PublishError {
    #[error(transparent)]
    Manifest(#[from] ManifestError),
    #[error("{publisher}: {what}: {message}")]
    Config {
        publisher: String,
        what: String,
        message: String,
    },
    #[error("{publisher}: template in `{field}` does not render")]
    Template {
        publisher: String,
        field: String,
        #[source]
        source: minijinja::Error,
    },
    #[error("the manifest's commit_time {value:?} is not an RFC 3339 time")]
    CommitTime {
        value: String,
        #[source]
        source: chrono::ParseError,
    },
    #[error("{what}: {method} {url} answered {status}: {body}")]
    Http {
        what: String,
        method: String,
        url: String,
        status: u16,
        body: String,
    },
    #[error("{what}: gave up after {attempts} attempts")]
    Exhausted {
        what: String,
        attempts: u32,
        #[source]
        last: retry::Transient,
    },
    #[error("{what}")]
    Request {
        what: String,
        #[source]
        source: reqwest::Error,
    },
    #[error("{what}: the reply is not {expected}: {got}")]
    Reply {
        what: String,
        expected: &'static str,
        /// The start of what came back.
        got: String,
        #[source]
        source: serde_json::Error,
    },
    #[error("{what}: {message}")]
    Verify { what: String, message: String },
    #[error("{what} already exists with different content ({detail})")]
    Conflict { what: String, detail: String },
    /// A module version the proxy already holds with other bytes (published versions never change).
    #[error(
        "{module}@{version} is already published with other bytes: {location} differs ({detail})"
    )]
    Immutable {
        module: String,
        version: String,
        location: String,
        detail: String,
    },
    #[error("{module}@{version} is listed in {location}: a promoted version cannot be withdrawn")]
    AlreadyListed {
        module: String,
        version: String,
        location: String,
    },
    #[error("{module}@{version} is not published in {location}")]
    NotPublished {
        module: String,
        version: String,
        location: String,
    },
    #[error("{publisher}: {} has no module release (no go-module artifacts in its manifest)", dist.display())]
    NoModuleRelease { publisher: String, dist: PathBuf },
    #[error("{what} cannot be published to a Go module proxy: {message}")]
    ModuleName { what: String, message: String },
    #[error("{what}: authentication failed: {message}")]
    Auth { what: String, message: String },
    /// A registry's token server refused the identity token (OAuth2 refresh token) of a login.
    #[error("registry {registry}: authentication failed: the token server {realm} refused the identity token from {origin} ({detail})")]
    TokenRefused {
        registry: String,
        realm: String,
        /// Where the identity token came from: the Docker config file or the credential helper.
        origin: String,
        detail: String,
    },
    #[error("{what} {}", path.display())]
    Io {
        what: String,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{what}: not valid JSON")]
    Json {
        what: String,
        #[source]
        source: serde_json::Error,
    },
    #[error("compressing the image layer failed")]
    Compress(#[source] std::io::Error),
    #[error("cannot set up the HTTP client")]
    Client(#[source] reqwest::Error),
    #[error("cannot start the network runtime")]
    Runtime(#[source] std::io::Error),
    #[error("an upload task stopped unexpectedly")]
    Task(#[source] tokio::task::JoinError),
    #[error("{what}: {message}")]
    Other { what: String, message: String },
    #[error("the release's provenance {} does not open with the release key", path.display())]
    Provenance {
        path: PathBuf,
        #[source]
        source: crate::attest::envelope::EnvelopeError,
    },
    #[error("{publisher}: cannot read the CA certificates for the images' base: {}", path.display())]
    CaBundle {
        publisher: String,
        path: PathBuf,
        /// `images.ca_certificates` named the file (else it is the default).
        configured: bool,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    Sumdb(#[from] crate::gomod::sumdb::SumdbError),
    /// The lock of a `goproxy` directory.
    #[error(transparent)]
    Lock(#[from] goproxy::LockError),
    #[error("{publisher}: the checksum database's signer key {reference} cannot be used")]
    SumdbKey {
        publisher: String,
        /// The reference (`env://VAR` or a path), never the key.
        reference: String,
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    #[error("base image {base} has no {platform} image (it has: {})", has.join(", "))]
    BaseLacksPlatform {
        base: String,
        platform: String,
        has: Vec<String>,
    },
}

impl PublishError {
    pub fn io(what: impl Into<String>, path: &Path, source: std::io::Error) -> Self {
        PublishError::Io {
            what: what.into(),
            path: path.to_path_buf(),
            source,
        }
    }

    /// How to fix it, where we know.
    pub fn hint(&self) -> Option<String> {
        match self {
            PublishError::Manifest(m) => m.hint().map(str::to_string),
            PublishError::Conflict { .. } => Some(
                "a release is never silently overwritten: bump the version, or pass --replace".into(),
            ),
            PublishError::Immutable { .. } => Some(
                "a published module version never changes (go.sum files and checksum databases record its hash), and --replace does not apply: tag a new version".into(),
            ),
            PublishError::AlreadyListed { .. } => Some(
                "a listed version may be in anyone's go.sum: retract it from a newer version's go.mod (`retract vX.Y.Z`) instead".into(),
            ),
            PublishError::NotPublished { .. } => Some(
                "publish it first (`tug publish` of the release built from its tag), and check the version's spelling (with its `v`)".into(),
            ),
            PublishError::NoModuleRelease { .. } => Some(
                "`tug build` of a tagged Go module writes the module release: always for a library, and for a module with binaries when tug.yaml has a `goproxy` publisher".into(),
            ),
            PublishError::ModuleName { .. } => Some(
                "fix the `module` line of go.mod or the tag: the go command refuses this path or version".into(),
            ),
            PublishError::Exhausted { .. } | PublishError::Http { .. } => Some(
                "fix the cause and run `tug publish` again: what is already confirmed is not uploaded again"
                    .into(),
            ),
            PublishError::TokenRefused { registry, origin, .. } => Some(format!(
                "the identity token for {registry} in {origin} is expired, revoked or not for this token server: log in again (`docker login {registry}` stores a new one), or set TUG_REGISTRY_USERNAME and TUG_REGISTRY_PASSWORD"
            )),
            PublishError::Auth { .. } => Some(
                "set credentials (docker login / ~/.docker/config.json, TUG_REGISTRY_USERNAME and TUG_REGISTRY_PASSWORD, or GITHUB_TOKEN)".into(),
            ),
            PublishError::Config { .. } | PublishError::Template { .. } => {
                Some("fix the `publish:` section of tug.yaml".into())
            }
            PublishError::CommitTime { .. } => {
                Some("the manifest was edited or written by a broken tool: rebuild with `tug build`".into())
            }
            PublishError::Reply { .. } => Some(
                "check that the api_url points at a GitHub-compatible API (and not, e.g., a login page or proxy)".into(),
            ),
            PublishError::CaBundle { configured: true, .. } => Some(
                "fix `images.ca_certificates`: a PEM bundle of the CA certificates the images trust".into(),
            ),
            PublishError::CaBundle { configured: false, .. } => Some(
                "install this machine's CA certificates (Debian: ca-certificates), or set `images.ca_certificates` to a PEM bundle, or set `images.base`".into(),
            ),
            PublishError::Provenance { .. } => Some(
                "the provenance was signed by another key or changed after `tug sign`: run `tug sign` again with the release key".into(),
            ),
            PublishError::Sumdb(e) => crate::error::Diagnostic::hint(e),
            PublishError::Lock(e) => crate::error::Diagnostic::hint(e),
            PublishError::SumdbKey { .. } => Some(
                "set `sumdb.key` to the file `tug keys generate --sumdb NAME` wrote (PRIVATE+KEY+NAME+...), or env://VAR holding it, for the database named in `sumdb.name`".into(),
            ),
            PublishError::BaseLacksPlatform { .. } => Some(
                "choose an `images.base` with every Linux platform the release builds, or build only the platforms it has".into(),
            ),
            _ => None,
        }
    }

    /// Configuration problems are usage errors (exit 2); everything else is a failure (exit 1).
    pub fn is_config(&self) -> bool {
        matches!(
            self,
            PublishError::Config { .. }
                | PublishError::Template { .. }
                | PublishError::BaseLacksPlatform { .. }
                | PublishError::CaBundle { .. }
                | PublishError::NoModuleRelease { .. }
                | PublishError::ModuleName { .. }
                | PublishError::SumdbKey { .. }
        )
    }
}

impl crate::error::Diagnostic for PublishError {
    fn exit_code(&self) -> crate::ExitCode {
        match self {
            PublishError::Manifest(m) => crate::error::Diagnostic::exit_code(m),
            PublishError::Lock(l) => crate::error::Diagnostic::exit_code(l),
            e if e.is_config() => crate::ExitCode::Usage,
            _ => crate::ExitCode::Failure,
        }
    }
    fn hint(&self) -> Option<String> {
        PublishError::hint(self)
    }
}

/// Everything a publisher task needs, shared across concurrent uploads.
pub struct Shared {
    pub publisher: String,
    /// The run's HTTP clients (one pool for every publisher).
    pub http: Arc<client::Clients>,
    pub sink: Sink,
    pub state: Mutex<PublishState>,
    pub state_path: PathBuf,
    pub retry: crate::config::publish::RetryConfig,
    pub options: Options,
}

impl Shared {
    /// A publisher context for an operation outside a release publish (`tug verify --image`,
    /// `tug publish --promote`): no manifest and no state file, so nothing is recorded; requests
    /// are only retried.
    pub fn standalone(
        publisher: &str,
        retry: crate::config::publish::RetryConfig,
        options: Options,
    ) -> Result<Shared, PublishError> {
        Ok(Shared {
            publisher: publisher.to_string(),
            http: Arc::new(client::Clients::new()?),
            sink: Arc::new(|_| {}),
            state: Mutex::new(PublishState {
                schema_version: state::STATE_SCHEMA_VERSION,
                project: String::new(),
                version: String::new(),
                manifest_sha256: String::new(),
                publishers: Default::default(),
                stale_uploads: Vec::new(),
            }),
            state_path: PathBuf::new(),
            retry,
            options,
        })
    }

    pub fn emit(&self, event: Event) {
        (self.sink)(event)
    }

    pub fn is_confirmed(&self, key: &str, sha256: &str) -> bool {
        let state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        state.is_confirmed(&self.publisher, key, sha256)
    }

    /// Record a confirmed item and persist the state file atomically.
    pub fn confirm(
        &self,
        key: &str,
        sha256: &str,
        size: u64,
        location: &str,
    ) -> Result<(), PublishError> {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        state.confirm(&self.publisher, key, sha256, size, location);
        state.save(&self.state_path)
    }

    /// Record a confirmed item in memory only: saved with the next [`Shared::confirm`] or when
    /// the publisher completes. For publishers that re-check every item against the remote side
    /// on each run anyway (`goproxy`), so a kill before the save costs one comparison per item,
    /// never a wrong "done".
    pub fn record(&self, key: &str, sha256: &str, size: u64, location: &str) {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        state.confirm(&self.publisher, key, sha256, size, location);
    }

    /// Take the stale upload sessions (see [`PublishState::stale_uploads`]) that `pick` selects.
    pub fn take_stale_uploads(
        &self,
        pick: impl Fn(&state::UploadSession) -> bool,
    ) -> Vec<state::UploadSession> {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let (taken, kept) = std::mem::take(&mut state.stale_uploads)
            .into_iter()
            .partition(|s| pick(s));
        state.stale_uploads = kept;
        taken
    }

    /// The upload session an earlier run recorded for `key`.
    pub fn recorded_upload(&self, key: &str) -> Option<state::UploadSession> {
        let state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        state.upload(&self.publisher, key).cloned()
    }

    /// Record (or forget) the upload session of `key` and persist the state file atomically.
    pub fn record_upload(
        &self,
        key: &str,
        session: Option<state::UploadSession>,
    ) -> Result<(), PublishError> {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        if session.is_none() && state.upload(&self.publisher, key).is_none() {
            return Ok(());
        }
        state.set_upload(&self.publisher, key, session);
        state.save(&self.state_path)
    }

    pub fn done(&self, item: &str, outcome: ItemOutcome, size: u64) {
        self.emit(Event::ItemDone {
            publisher: self.publisher.clone(),
            item: item.to_string(),
            outcome,
            size,
        });
    }
}

/// Tally of item outcomes for one publisher.
#[derive(Default)]
pub struct Tally(Mutex<PublisherSummary>);

impl Tally {
    pub fn add(&self, outcome: ItemOutcome, bytes: u64) {
        let mut s = self.0.lock().unwrap_or_else(|e| e.into_inner());
        match outcome {
            ItemOutcome::Uploaded => {
                s.uploaded += 1;
                s.uploaded_bytes += bytes;
            }
            ItemOutcome::AlreadyPublished => s.already_published += 1,
            ItemOutcome::WouldUpload => s.would_upload += 1,
        }
    }

    pub fn finish(&self, locations: Vec<String>) -> PublisherSummary {
        let mut s = self.0.lock().unwrap_or_else(|e| e.into_inner()).clone();
        s.locations = locations;
        s
    }
}

/// Publish `release` with `publishers` (already filtered by `--only`), in run order: storage
/// first, the release page last. Stops at the first publisher that fails; the state file keeps
/// what was confirmed.
pub fn publish(
    release: &Release,
    publishers: &[PublisherConfig],
    options: &Options,
    sink: Sink,
) -> Result<Vec<(String, PublisherSummary)>, PublishError> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(PublishError::Runtime)?;
    let http = Arc::new(client::Clients::new()?);
    let vars = template::Vars::for_release(&release.manifest, &options.env)?;
    let state_path = state::state_path(&release.dist);
    let mut ordered: Vec<&PublisherConfig> = publishers.iter().collect();
    ordered.sort_by_key(|p| p.order());
    let mut results = Vec::new();
    let mut state = PublishState::load(&state_path, release)?;
    for config in ordered {
        let _span =
            tracing::info_span!("publisher", name = config.name(), kind = config.kind()).entered();
        let target = describe_target(config, &vars)?;
        // Saved with the publisher's first confirmed item or when it completes: a run killed
        // before either finds the old state and resets it again here.
        state.begin(config.name(), config.kind(), &target);
        let shared = Arc::new(Shared {
            publisher: config.name().to_string(),
            http: http.clone(),
            sink: sink.clone(),
            state: Mutex::new(state),
            state_path: state_path.clone(),
            retry: config.retry().clone(),
            options: options.clone(),
        });
        shared.emit(Event::PublisherStarted {
            publisher: shared.publisher.clone(),
            kind: config.kind(),
            target: target.clone(),
        });
        let result = runtime.block_on(async {
            match config {
                PublisherConfig::Dir(c) => dir::publish(release, c, &vars, shared.clone()).await,
                PublisherConfig::Oci(c) => oci::publish(release, c, &vars, shared.clone()).await,
                PublisherConfig::Github(c) => {
                    github::publish(release, c, &vars, shared.clone()).await
                }
                PublisherConfig::Http(c) => http::publish(release, c, &vars, shared.clone()).await,
                PublisherConfig::Goproxy(c) => {
                    goproxy::publish(release, c, &vars, shared.clone()).await
                }
            }
        });
        state = Arc::try_unwrap(shared)
            .map(|s| s.state.into_inner().unwrap_or_else(|e| e.into_inner()))
            .unwrap_or_else(|shared| {
                shared
                    .state
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .clone()
            });
        let summary = match result {
            Ok(summary) => summary,
            Err(e) => {
                // What the publisher confirmed before it failed, for the re-run.
                if !options.dry_run {
                    state.save(&state_path)?;
                }
                return Err(e);
            }
        };
        if !options.dry_run {
            state.complete(config.name());
            state.save(&state_path)?;
        }
        (sink)(Event::PublisherDone {
            publisher: config.name().to_string(),
            summary: summary.clone(),
        });
        results.push((config.name().to_string(), summary));
    }
    Ok(results)
}

/// The rendered place a publisher writes to; a change of target resets its state.
fn describe_target(
    config: &PublisherConfig,
    vars: &template::Vars,
) -> Result<String, PublishError> {
    let name = config.name();
    let render = |field: &str, t: &str| vars.render(name, field, t);
    Ok(match config {
        PublisherConfig::Dir(c) => render("path", &c.path)?,
        PublisherConfig::Oci(c) => {
            let mut t = render("repository", &c.repository)?;
            if let Some(images) = &c.images {
                t.push_str(" + ");
                t.push_str(&render("images.repository", &images.repository)?);
            }
            t
        }
        PublisherConfig::Github(c) => {
            format!(
                "{}/repos/{}",
                c.api_url.trim_end_matches('/'),
                render("repository", &c.repository)?
            )
        }
        // Per-artifact variables are not known here: the template itself names the target.
        PublisherConfig::Http(c) => c.url.clone(),
        PublisherConfig::Goproxy(c) => match (&c.path, &c.url) {
            (Some(p), _) => render("path", p)?,
            (None, Some(u)) => crate::redact::url(&render("url", u)?).into_owned(),
            (None, None) => String::new(),
        },
    })
}

/// Run tasks with at most `limit` at a time; the first error wins (the others finish first, so
/// the state file records everything that did complete).
pub async fn bounded<F>(limit: usize, tasks: Vec<F>) -> Result<(), PublishError>
where
    F: std::future::Future<Output = Result<(), PublishError>> + Send + 'static,
{
    let mut set = tokio::task::JoinSet::new();
    let mut pending = tasks.into_iter();
    let mut first_error = None;
    loop {
        while set.len() < limit.max(1) && first_error.is_none() {
            match pending.next() {
                Some(task) => {
                    set.spawn(task);
                }
                None => break,
            }
        }
        match set.join_next().await {
            None => break,
            Some(Ok(Ok(()))) => {}
            Some(Ok(Err(e))) => {
                first_error.get_or_insert(e);
            }
            Some(Err(join)) => {
                first_error.get_or_insert(PublishError::Task(join));
            }
        }
    }
    first_error.map_or(Ok(()), Err)
}
