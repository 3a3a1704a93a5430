//! tug.yaml `publish:` — where a release goes, as an ordered list of publishers.
//!
//! Each entry is tagged by `type` (`dir`, `oci`, `github`, `http`, `goproxy`) and carries that publisher's
//! options. String fields marked "template" are rendered by the publish engine with the release's
//! facts (`{{ project }}`, `{{ version }}`, `{{ tag }}`, `{{ env.NAME }}`...), so this model keeps
//! them as plain strings. When the list is empty, tug publishes to a `dir` publisher at
//! [`DEFAULT_DIR`] (the embedded default, also a release source for `tug rollout`).

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::{Location, Spanned, Validator};

/// Where the embedded default `dir` publisher writes, relative to the project root.
pub const DEFAULT_DIR: &str = "published";

/// One publisher. Publishers run storage first (`dir`, `http`, `oci`) and the release page that
/// links to them (`github`) last, whatever their order in the file.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum PublisherConfig {
    /// Copy the release into `<path>/<project>/<version>/` and keep `<path>/<project>/index.json`.
    Dir(DirPublisher),
    /// Push the release as an OCI artifact (and optionally container images) to a registry.
    Oci(OciPublisher),
    /// Create a GitHub (or API-compatible) release and upload every artifact as an asset.
    Github(GithubPublisher),
    /// PUT or POST every artifact to a templated URL (Artifactory, Nexus, S3 presigned...).
    Http(HttpPublisher),
    /// Serve the Go module release to the go command: the GOPROXY layout in a directory or an
    /// HTTP repository that accepts PUT (docs/goproxy.md).
    Goproxy(GoproxyPublisher),
}

impl PublisherConfig {
    /// The publisher's name (`--only NAME`, publish state): `name:` or its type.
    pub fn name(&self) -> &str {
        let (name, kind) = match self {
            PublisherConfig::Dir(p) => (&p.name, "dir"),
            PublisherConfig::Oci(p) => (&p.name, "oci"),
            PublisherConfig::Github(p) => (&p.name, "github"),
            PublisherConfig::Http(p) => (&p.name, "http"),
            PublisherConfig::Goproxy(p) => (&p.name, "goproxy"),
        };
        name.as_deref().unwrap_or(kind)
    }

    pub fn kind(&self) -> &'static str {
        match self {
            PublisherConfig::Dir(_) => "dir",
            PublisherConfig::Oci(_) => "oci",
            PublisherConfig::Github(_) => "github",
            PublisherConfig::Http(_) => "http",
            PublisherConfig::Goproxy(_) => "goproxy",
        }
    }

    /// Run order: storage first, the release page last.
    pub fn order(&self) -> u8 {
        match self {
            PublisherConfig::Dir(_) => 0,
            PublisherConfig::Http(_) | PublisherConfig::Goproxy(_) => 1,
            PublisherConfig::Oci(_) => 2,
            PublisherConfig::Github(_) => 3,
        }
    }

    pub fn retry(&self) -> &RetryConfig {
        match self {
            PublisherConfig::Dir(p) => &p.retry,
            PublisherConfig::Oci(p) => &p.retry,
            PublisherConfig::Github(p) => &p.retry,
            PublisherConfig::Http(p) => &p.retry,
            PublisherConfig::Goproxy(p) => &p.retry,
        }
    }

    /// The default publisher list when tug.yaml has none.
    pub fn defaults() -> Vec<PublisherConfig> {
        vec![PublisherConfig::Dir(DirPublisher::default())]
    }
}

/// Retries on connection errors, timeouts, 429 and 5xx: exponential backoff with jitter,
/// honouring `Retry-After` and rate-limit headers.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RetryConfig {
    /// How many times a request is tried in all (1 = no retries).
    #[serde(default = "default_attempts")]
    pub attempts: u32,
    /// Delay before the first retry; doubles on every further retry (e.g. `500ms`).
    #[serde(
        default = "default_initial_delay",
        with = "crate::config::types::std_duration"
    )]
    #[schemars(with = "crate::config::types::Duration")]
    pub initial_delay: std::time::Duration,
    /// The longest delay between two tries (e.g. `30s`).
    #[serde(
        default = "default_max_delay",
        with = "crate::config::types::std_duration"
    )]
    #[schemars(with = "crate::config::types::Duration")]
    pub max_delay: std::time::Duration,
}

fn default_attempts() -> u32 {
    5
}
fn default_initial_delay() -> std::time::Duration {
    std::time::Duration::from_millis(500)
}
fn default_max_delay() -> std::time::Duration {
    std::time::Duration::from_secs(30)
}

impl Default for RetryConfig {
    fn default() -> Self {
        RetryConfig {
            attempts: default_attempts(),
            initial_delay: default_initial_delay(),
            max_delay: default_max_delay(),
        }
    }
}

fn default_concurrency() -> usize {
    4
}

/// `type: dir`
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DirPublisher {
    /// Name for `--only` and the publish state (default: `dir`).
    #[serde(default)]
    pub name: Option<String>,
    /// Root directory (template); relative paths are relative to the project root. The release
    /// goes to `<path>/<project>/<version>/`, a copy of dist/ laid out as in the manifest.
    #[serde(default = "default_dir_path")]
    pub path: String,
    #[serde(default)]
    pub retry: RetryConfig,
}

fn default_dir_path() -> String {
    DEFAULT_DIR.to_string()
}

impl Default for DirPublisher {
    fn default() -> Self {
        DirPublisher {
            name: None,
            path: default_dir_path(),
            retry: RetryConfig::default(),
        }
    }
}

/// `type: oci`
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OciPublisher {
    /// Name for `--only` and the publish state (default: `oci`).
    #[serde(default)]
    pub name: Option<String>,
    /// Repository for the release artifact (template), e.g. `registry.example.com/acme/hello`.
    pub repository: String,
    /// Tags for the release artifact (templates).
    #[serde(default = "default_tags")]
    pub tags: Vec<String>,
    /// Use plain HTTP and accept any certificate. Always on for loopback registries.
    #[serde(default)]
    pub insecure: bool,
    /// Container images of the Linux binaries (ko style, no Docker needed). Absent: no images.
    #[serde(default)]
    pub images: Option<OciImages>,
    /// Blobs larger than this many bytes are uploaded in chunks of this size (default 16 MiB).
    #[serde(default = "default_chunk_size")]
    pub chunk_size: u64,
    /// How many blobs are uploaded at the same time.
    #[serde(default = "default_concurrency")]
    pub concurrency: usize,
    #[serde(default)]
    pub retry: RetryConfig,
    /// How the images and the release artifact are signed in the registry when the release is
    /// signed (`tug sign` ran): `bundle` (default, what cosign 3 writes), a Sigstore bundle
    /// attached as an OCI 1.1 referrer (with the `sha256-<digest>` tag-schema fallback index);
    /// `classic`, cosign's `sha256-<digest>.sig` tag with simple-signing layers (cosign 2);
    /// `none`: no registry signatures. `cosign verify --key` reads both layouts.
    #[serde(default)]
    pub signatures: OciSignatures,
    /// URL of the project's source code (template), e.g. `https://github.com/acme/hello`:
    /// recorded as `org.opencontainers.image.source` on every manifest and as an image label.
    #[serde(default)]
    pub source: Option<String>,
}

/// `signatures:` of an `oci` publisher: the registry signature layout tug writes.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize, schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum OciSignatures {
    /// cosign 3's layout: a Sigstore bundle (DSSE) as an OCI 1.1 referrer of the image.
    #[default]
    Bundle,
    /// cosign's classic layout: tag `sha256-<digest>.sig`, one simple-signing layer per signature.
    Classic,
    /// No signatures in the registry (the release's blob signatures are still its layers).
    None,
}

fn default_chunk_size() -> u64 {
    16 << 20
}

fn default_tags() -> Vec<String> {
    vec!["{{ version }}".to_string()]
}

/// `images:` of an `oci` publisher: one image per Linux binary platform, on tug's generated base
/// (CA certificates, a non-root user) or a base image from a registry, plus a multi-platform
/// index.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OciImages {
    /// Repository for the images (template); must differ from the artifact's repository or tags.
    pub repository: String,
    /// Tags for the multi-platform index (templates).
    #[serde(default = "default_tags")]
    pub tags: Vec<String>,
    /// Which build's binaries become images (the build id); needed when several builds exist.
    #[serde(default)]
    pub build: Option<String>,
    /// Directory the binary is placed in inside the image.
    #[serde(default = "default_bin_dir")]
    pub bin_dir: String,
    /// Extra image labels (templates).
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    /// Base image pulled from a registry (`host/repo:tag` or `host/repo@sha256:...`, template;
    /// default: tug's generated base, one layer with `/etc/passwd` and `/etc/group` naming `root`
    /// and `nonroot` (uid/gid 65532), `/home/nonroot`, `/tmp` and the CA certificates of
    /// `ca_certificates`, running as `nonroot` like ko's default base). For each platform the base's image (from its index,
    /// or its single manifest when that matches) is extended: its layers are reused by digest
    /// (mounted when on the same registry, else copied), tug's binary layer goes on top, and the
    /// base's env, working directory and user are kept with tug's entrypoint. Pin a digest for
    /// reproducible images. A platform the base lacks is an error.
    #[serde(default)]
    pub base: Option<String>,
    /// The user the images run as: `uid`, `uid:gid`, or a user name (on the generated base only
    /// `root` or `nonroot`). Default: `65532` (`nonroot`) on the generated base, the base
    /// image's user with `base:`.
    #[serde(default)]
    pub user: Option<String>,
    /// The PEM bundle of CA certificates the generated base holds as
    /// `/etc/ssl/certs/ca-certificates.crt` (relative to the project directory). Default: this
    /// machine's `/etc/ssl/certs/ca-certificates.crt`. Its bytes are in the base layer, so images
    /// are reproducible for the same bundle. Not used with `base:`.
    #[serde(default)]
    pub ca_certificates: Option<PathBuf>,
}

/// What is wrong with `images.user`, if anything: an empty value, spaces, or (on the generated
/// base, whose `/etc/passwd` knows only `root` and `nonroot`) an unknown user name.
fn user_problem(images: &OciImages) -> Option<String> {
    let user = images.user.as_deref()?;
    let numeric = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let (name, group) = user.split_once(':').unwrap_or((user, ""));
    if user.is_empty() || user.contains(char::is_whitespace) || user.matches(':').count() > 1 {
        return Some(format!("{user:?} is not a user"));
    }
    let known = |s: &str| numeric(s) || ["root", "nonroot"].contains(&s);
    if images.base.is_none() && (!known(name) || (!group.is_empty() && !known(group))) {
        return Some(format!(
            "{user:?} is not known to the generated base (it has root and nonroot)"
        ));
    }
    None
}

fn default_bin_dir() -> String {
    "/usr/local/bin".to_string()
}

/// `type: github`
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GithubPublisher {
    /// Name for `--only` and the publish state (default: `github`).
    #[serde(default)]
    pub name: Option<String>,
    /// `owner/name` of the repository (template).
    pub repository: String,
    /// API base URL, for GitHub Enterprise or compatible servers.
    #[serde(default = "default_github_api")]
    pub api_url: String,
    /// Environment variable holding the token.
    #[serde(default = "default_github_token_env")]
    pub token_env: String,
    /// Release title (template).
    #[serde(default = "default_release_name")]
    pub release_name: String,
    /// Mark the release as a pre-release.
    #[serde(default)]
    pub prerelease: bool,
    #[serde(default)]
    pub retry: RetryConfig,
}

fn default_github_api() -> String {
    "https://api.github.com".to_string()
}
fn default_github_token_env() -> String {
    "GITHUB_TOKEN".to_string()
}
fn default_release_name() -> String {
    "{{ tag }}".to_string()
}

/// HTTP method of an `http` publisher.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize, schemars::JsonSchema,
)]
#[serde(rename_all = "UPPERCASE")]
pub enum HttpMethod {
    #[default]
    Put,
    Post,
}

/// `type: http`
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct HttpPublisher {
    /// Name for `--only` and the publish state (default: `http`).
    #[serde(default)]
    pub name: Option<String>,
    /// Target URL per artifact (template; also `{{ artifact }}`, `{{ sha256 }}`, `{{ os }}`,
    /// `{{ arch }}`), e.g. `https://repo.example.com/{{ project }}/{{ version }}/{{ artifact }}`.
    pub url: String,
    #[serde(default)]
    pub method: HttpMethod,
    /// Extra request headers (templates), e.g. `Authorization: "Bearer {{ env.TOKEN }}"`.
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// Confirm each upload with a HEAD request (size, and `X-Checksum-Sha256` when sent back).
    #[serde(default = "default_true")]
    pub verify: bool,
    /// How many artifacts are uploaded at the same time.
    #[serde(default = "default_concurrency")]
    pub concurrency: usize,
    #[serde(default)]
    pub retry: RetryConfig,
}

fn default_true() -> bool {
    true
}

/// `type: goproxy`: the module release (the `go-module` artifacts of the dist) in the GOPROXY
/// protocol's layout: `<escaped module>/@v/<version>.info|.mod|.zip`, `@v/list` and `@latest`.
/// A published version is immutable: other bytes for it are refused, the same bytes are a no-op.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GoproxyPublisher {
    /// Name for `--only`, `--promote`/`--withdraw` and the publish state (default: `goproxy`).
    #[serde(default)]
    pub name: Option<String>,
    /// A directory (template; relative to the project root) holding the proxy: serve it with any
    /// static web server or read it with `GOPROXY=file://<dir>`. Exactly one of `path` and `url`.
    #[serde(default)]
    pub path: Option<String>,
    /// Base URL (template) of an HTTP(S) repository that stores what is PUT to it and DELETEs
    /// (WebDAV, Artifactory/Nexus-style Go repositories), e.g. `https://goproxy.example.com`.
    #[serde(default)]
    pub url: Option<String>,
    /// Extra request headers for `url` (templates), e.g. `Authorization: "Bearer {{ env.TOKEN }}"`.
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// Publish every version staged (gray): served to whoever asks for that exact version, but
    /// not in `@v/list` or `@latest` until `tug publish --promote VERSION`.
    #[serde(default)]
    pub staged: bool,
    /// Publish versions of this major or higher staged (e.g. `2`: every v2+ version starts gray).
    #[serde(default)]
    pub stage_major_from: Option<u64>,
    /// Keep a private checksum database next to the proxy, at `<proxy>/sumdb/<name>/`: every
    /// version published (staged ones too) gets its go.sum lines recorded there, so
    /// `GOSUMDB="<verifier key> <proxy>/sumdb/<name>"` makes the go command verify it.
    #[serde(default)]
    pub sumdb: Option<SumdbConfig>,
    /// How long a publish, promote or withdraw into a `path` waits for the lock another tug holds
    /// on the directory (`<path>/.tug-publish.lock`) before it gives up with exit 5 (default
    /// `5m`). An HTTP `url` cannot be locked: one publisher at a time.
    #[serde(default)]
    pub lock_wait: Option<crate::config::types::Duration>,
    #[serde(default)]
    pub retry: RetryConfig,
}

/// `sumdb:` of a `goproxy` publisher: the database's name and its signer key.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SumdbConfig {
    /// The database's name, as in its keys and `GOSUMDB`: `host[/path]`, e.g. `sum.example.com`.
    pub name: String,
    /// The signer key `tug keys generate --sumdb NAME` wrote: a file path (relative to the
    /// project root) or `env://VAR`. A secret: read when publishing, never printed.
    pub key: String,
}

impl GoproxyPublisher {
    /// Whether a version of major `major` is published staged.
    pub fn stages(&self, major: u64) -> bool {
        self.staged || self.stage_major_from.is_some_and(|m| major >= m)
    }

    /// How long to wait for another publisher's lock on a `path` proxy (`lock_wait`, default 5m).
    pub fn lock_wait(&self) -> std::time::Duration {
        self.lock_wait
            .map(|d| d.get())
            .unwrap_or(std::time::Duration::from_secs(300))
    }
}

/// Validate the publisher list: unique names and sane settings.
/// Where each `publish:` entry and its keys are in the file. The entries are an internally tagged
/// enum, which serde buffers before choosing the variant, so their fields cannot keep their own
/// spans: a second, shallow read of the text finds them.
#[derive(Deserialize)]
struct EntrySpans {
    #[serde(default)]
    publish: Vec<Spanned<BTreeMap<String, Spanned<serde::de::IgnoredAny>>>>,
}

impl EntrySpans {
    fn read(source: Option<&str>) -> Option<EntrySpans> {
        serde_saphyr::from_str(source?).ok()
    }

    /// The location of `key` in entry `i` (or of the entry, or nowhere).
    fn at(this: &Option<EntrySpans>, i: usize, key: &str) -> Location {
        let Some(entry) = this.as_ref().and_then(|s| s.publish.get(i)) else {
            return Location::UNKNOWN;
        };
        entry
            .value
            .get(key)
            .map(|k| k.referenced)
            .unwrap_or(entry.referenced)
    }
}

pub fn validate(publishers: &[PublisherConfig], v: &mut Validator) {
    // (entry, key, message, hint); located only when there is something to report.
    let mut problems: Vec<(usize, &str, String, Option<String>)> = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    for (i, p) in publishers.iter().enumerate() {
        if !seen.insert(p.name().to_string()) {
            problems.push((
                i,
                "name",
                format!("publish: two publishers are named {:?}", p.name()),
                Some("give each publisher of the same type its own `name:`".into()),
            ));
        }
        if p.retry().attempts == 0 {
            problems.push((
                i,
                "retry",
                format!("publish.{}: retry.attempts must be at least 1", p.name()),
                None,
            ));
        }
        match p {
            PublisherConfig::Oci(o) => {
                if o.concurrency == 0 || o.chunk_size < 1024 {
                    problems.push((
                        i,
                        if o.concurrency == 0 {
                            "concurrency"
                        } else {
                            "chunk_size"
                        },
                        format!(
                            "publish.{}: concurrency must be >= 1 and chunk_size >= 1024",
                            p.name()
                        ),
                        None,
                    ));
                }
                if let Some(images) = &o.images {
                    if let Some(problem) = user_problem(images) {
                        problems.push((
                            i,
                            "images",
                            format!("publish.{}: images.user: {problem}", p.name()),
                            Some(
                                "use `uid` or `uid:gid` (e.g. `65532`), or `root`/`nonroot`".into(),
                            ),
                        ));
                    }
                    if images.repository == o.repository
                        && images.tags.iter().any(|t| o.tags.contains(t))
                    {
                        problems.push((
                            i,
                            "images",
                            format!(
                                "publish.{}: the images and the release artifact would share a tag in {}",
                                p.name(),
                                o.repository
                            ),
                            Some("use another `images.repository` or other `tags`".into()),
                        ));
                    }
                }
            }
            PublisherConfig::Github(g)
                if g.repository.split('/').filter(|s| !s.is_empty()).count() != 2
                    && !g.repository.contains("{{") =>
            {
                problems.push((
                    i,
                    "repository",
                    format!(
                        "publish.{}: repository {:?} is not owner/name",
                        p.name(),
                        g.repository
                    ),
                    Some("e.g. `repository: acme/hello`".into()),
                ));
            }
            PublisherConfig::Goproxy(g) if g.path.is_some() == g.url.is_some() => {
                problems.push((
                    i,
                    if g.url.is_some() { "url" } else { "type" },
                    format!(
                        "publish.{}: a goproxy publisher needs exactly one of `path` and `url`",
                        p.name()
                    ),
                    Some("`path: goproxy` for a directory, or `url: https://goproxy.example.com` for a repository that accepts PUT".into()),
                ));
            }
            PublisherConfig::Goproxy(g)
                if g.sumdb.as_ref().is_some_and(|db| {
                    crate::gomod::sumdb::note::check_name(&db.name).is_err()
                        || crate::sign::KeySource::parse(&db.key, std::path::Path::new("."))
                            .is_err()
                }) =>
            {
                let db = g.sumdb.as_ref().expect("checked in the guard");
                let message = match crate::gomod::sumdb::note::check_name(&db.name) {
                    Err(e) => e.to_string(),
                    Ok(()) => crate::sign::KeySource::parse(&db.key, std::path::Path::new("."))
                        .err()
                        .unwrap_or_default(),
                };
                problems.push((
                    i,
                    "sumdb",
                    format!("publish.{}: sumdb: {message}", p.name()),
                    Some("e.g. `sumdb: { name: sum.example.com, key: env://TUG_SUMDB_KEY }` (the key from `tug keys generate --sumdb sum.example.com`)".into()),
                ));
            }
            PublisherConfig::Goproxy(g) if g.url.is_some() && g.lock_wait.is_some() => {
                problems.push((
                    i,
                    "lock_wait",
                    format!(
                        "publish.{}: `lock_wait` applies only to a `path`: an HTTP proxy cannot be locked",
                        p.name()
                    ),
                    Some("remove `lock_wait`, and let one publisher at a time publish to the `url` (docs/goproxy.md)".into()),
                ));
            }
            PublisherConfig::Goproxy(g) if g.url.is_none() && !g.headers.is_empty() => {
                problems.push((
                    i,
                    "headers",
                    format!("publish.{}: `headers` apply only to a `url`", p.name()),
                    None,
                ));
            }
            PublisherConfig::Http(h) if h.concurrency == 0 => {
                problems.push((
                    i,
                    "concurrency",
                    format!("publish.{}: concurrency must be >= 1", p.name()),
                    None,
                ));
            }
            _ => {}
        }
    }
    if problems.is_empty() {
        return;
    }
    let spans = EntrySpans::read(v.source());
    for (i, key, message, hint) in problems {
        v.error(EntrySpans::at(&spans, i, key), message, hint);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn goproxy_stages_by_flag_or_major() {
        let list: Vec<PublisherConfig> = serde_saphyr::from_str(
            "- type: goproxy\n  path: p\n  stage_major_from: 2\n- type: goproxy\n  name: all\n  url: http://x\n  staged: true\n",
        )
        .unwrap();
        let PublisherConfig::Goproxy(major) = &list[0] else {
            panic!()
        };
        assert!(!major.stages(1) && major.stages(2) && major.stages(3));
        let PublisherConfig::Goproxy(all) = &list[1] else {
            panic!()
        };
        assert!(all.stages(0) && all.stages(1));
        assert_eq!(list[1].name(), "all");
        assert_eq!(list[0].kind(), "goproxy");
    }

    #[test]
    fn parses_every_type_with_defaults() {
        let yaml = r#"
- type: dir
- type: oci
  repository: 127.0.0.1:5000/acme/hello
  images:
    repository: 127.0.0.1:5000/acme/hello-image
- type: github
  repository: acme/hello
  retry: { attempts: 2, initial_delay: 10ms }
- type: http
  name: nexus
  url: "http://x/{{ artifact }}"
  method: POST
  headers: { Authorization: "Bearer {{ env.T }}" }
"#;
        let list: Vec<PublisherConfig> = serde_saphyr::from_str(yaml).unwrap();
        assert_eq!(list.len(), 4);
        assert_eq!(list[0], PublisherConfig::Dir(DirPublisher::default()));
        let PublisherConfig::Oci(oci) = &list[1] else {
            panic!()
        };
        assert_eq!(oci.tags, vec!["{{ version }}"]);
        assert_eq!(oci.images.as_ref().unwrap().bin_dir, "/usr/local/bin");
        let PublisherConfig::Github(gh) = &list[2] else {
            panic!()
        };
        assert_eq!(gh.retry.attempts, 2);
        assert_eq!(gh.retry.initial_delay, std::time::Duration::from_millis(10));
        assert_eq!(list[3].name(), "nexus");
        let mut v = Validator::new(std::path::Path::new("tug.yaml"));
        validate(&list, &mut v);
        assert!(!v.has_errors(), "{:?}", v.diagnostics);
    }

    #[test]
    fn a_bad_retry_duration_is_a_located_error_with_a_hint() {
        let text = "version: 1\npublish:\n  - type: github\n    repository: acme/hello\n    retry: { attempts: 2, max_delay: 5 parsecs }\n";
        let err = crate::config::parse(std::path::Path::new("tug.yaml"), text)
            .map(|_| ())
            .expect_err("invalid");
        let text = err.to_string();
        // Publishers are a tagged enum, so serde reports the entry's position.
        assert!(text.contains("tug.yaml:3:5"), "{text}");
        assert!(text.contains("invalid duration `5 parsecs`"), "{text}");
        let hint = err.hint().unwrap_or_default();
        assert!(hint.contains("`30s`, `5m`"), "{hint}");
        let retry: RetryConfig = serde_saphyr::from_str("max_delay: 1m30s\n").unwrap();
        assert_eq!(retry.max_delay, std::time::Duration::from_secs(90));
        assert_eq!(serde_json::to_value(&retry).unwrap()["max_delay"], "1m30s");
    }

    #[test]
    fn problems_point_at_their_line_and_column() {
        let text = "version: 1\npublish:\n  - type: dir\n  - type: github\n    repository: acme\n  - type: http\n    url: \"http://x/{{ artifact }}\"\n    concurrency: 0\n";
        let err = crate::config::parse(std::path::Path::new("tug.yaml"), text)
            .map(|_| ())
            .expect_err("invalid")
            .to_string();
        assert!(err.contains("tug.yaml:5:17"), "{err}");
        assert!(err.contains("is not owner/name"), "{err}");
        assert!(err.contains("tug.yaml:8:18"), "{err}");
        assert!(err.contains("concurrency must be >= 1"), "{err}");
    }

    #[test]
    fn rejects_unknown_fields_duplicates_and_tag_clash() {
        assert!(serde_saphyr::from_str::<Vec<PublisherConfig>>("- type: dir\n  pth: x\n").is_err());
        assert!(serde_saphyr::from_str::<Vec<PublisherConfig>>("- type: ftp\n").is_err());
        let list: Vec<PublisherConfig> = serde_saphyr::from_str(
            "- type: dir\n- type: dir\n- type: oci\n  repository: r\n  images: { repository: r }\n",
        )
        .unwrap();
        let mut v = Validator::new(std::path::Path::new("tug.yaml"));
        validate(&list, &mut v);
        let messages: Vec<_> = v.diagnostics.iter().map(|d| d.message.as_str()).collect();
        assert_eq!(messages.len(), 2, "{messages:?}");
        assert!(messages[0].contains("two publishers are named \"dir\""));
        assert!(messages[1].contains("share a tag"));
    }
}
