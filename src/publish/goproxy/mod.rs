//! The `goproxy` publisher: a Go module release in the layout of the GOPROXY protocol, so the go
//! command resolves it (`go get example.com/lib@v1.2.3`, `go list -m -versions`):
//!
//! ```text
//! <root>/<escaped module>/@v/<version>.info   {"Version":..,"Time":..}
//! <root>/<escaped module>/@v/<version>.mod    the version's go.mod
//! <root>/<escaped module>/@v/<version>.zip    the module zip (gomod::zip)
//! <root>/<escaped module>/@v/list             the listed versions, one a line
//! <root>/<escaped module>/@latest             the .info of the highest listed version
//! ```
//!
//! `<root>` is a directory (`path:`) or an HTTP(S) repository that stores what is PUT to it
//! (`url:`; WebDAV, Artifactory/Nexus-style). Module paths and versions are case-escaped (`!a` for
//! `A`, `gomod::proxy_path`).
//!
//! Rules the protocol and every consumer's go.sum depend on:
//! - **A version is immutable.** All three files are compared with what the proxy already holds
//!   before anything is written: other bytes for any of them refuse the whole publish (nothing
//!   written), the same bytes are a no-op. `--replace` does not apply here.
//! - **The list is written last and whole**: the version files first, then `@v/list` (a directory:
//!   temp file + rename; HTTP: one PUT of the whole file), then `@latest`. A reader never sees a
//!   listed version whose files are missing.
//! - **Gray releases**: a *staged* version (`staged: true`, or `stage_major_from`) gets its three
//!   files but stays out of `@v/list` and `@latest`: whoever pins that exact version gets it,
//!   `go get -u` and `@latest` do not move to it. [`promote`] lists it; [`withdraw`] deletes a
//!   staged version's files, and is refused once the version is listed (a listed version may be
//!   in anyone's go.sum: retract it in a newer go.mod instead).
//! - **Checksum database** (`sumdb:`, [`sumdb`]): the version's go.sum lines are appended to a
//!   private sumdb at `<root>/sumdb/<name>/` *before* the version's files are written, staged
//!   versions too (a gray group pinning one looks it up), so the go command never finds a version
//!   the database cannot vouch for; a recorded version with other hashes is refused up front.
//! - **Few waits for the disk**: in a directory the version's three files and the new `@v/list`
//!   and `@latest` are written to temp files and fsynced together, then renamed group by group
//!   (`fsutil::write_groups_atomic`: `.zip`, `.mod`, `.info`, a directory fsync, then the list and
//!   `@latest`), and the publish state is saved once when the publisher is
//!   done ([`Shared::record`]): a run killed before that compares every file with the proxy again
//!   on the next run, where identical bytes are a no-op.
//! - **One publisher at a time per directory** ([`lock`]): a publish, promote or withdraw into a
//!   `path:` holds `flock(2)` on `<root>/.tug-publish.lock` from before it reads the proxy (the
//!   version's files, `@v/list`, the database's head) until its last write, so two CI jobs
//!   publishing at once take turns and the second reads what the first wrote. An HTTP proxy has
//!   no such lock: there one publisher at a time may publish.
//! - **`--dry-run`** reads the proxy and the database and reports, besides the files it would
//!   upload, what it would append and list ([`plan`]); it takes no lock and writes nothing.

mod lock;
mod plan;
mod sumdb;

pub use lock::LockError;
pub use plan::Plan;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use reqwest::StatusCode;

use super::client::send;
use super::retry;
use super::template::Vars;
use super::{ItemOutcome, PublishError, PublisherSummary, Release, Shared, Tally};
use crate::build::module::ModuleFile;
use crate::config::publish::GoproxyPublisher;
use crate::gomod::proxy_path::{escape_path, escape_version};
use crate::manifest::Artifact;

/// The module release a dist holds: its three `go-module` artifacts.
struct ModuleRelease<'a> {
    module: String,
    version: String,
    zip: &'a Artifact,
    mod_file: &'a Artifact,
    info: &'a Artifact,
}

fn module_release<'a>(
    release: &'a Release,
    publisher: &str,
) -> Result<ModuleRelease<'a>, PublishError> {
    let m = &release.manifest;
    let find = |f: ModuleFile| m.artifacts.iter().find(|a| ModuleFile::of(a) == Some(f));
    let (Some(zip), Some(mod_file), Some(info)) = (
        find(ModuleFile::Zip),
        find(ModuleFile::Mod),
        find(ModuleFile::Info),
    ) else {
        return Err(PublishError::NoModuleRelease {
            publisher: publisher.to_string(),
            dist: release.dist.clone(),
        });
    };
    let get = |k: &str| zip.extra.get(k).cloned().unwrap_or_default();
    Ok(ModuleRelease {
        module: get("module"),
        version: get("version"),
        zip,
        mod_file,
        info,
    })
}

/// One attempt of a request to an HTTP proxy, with the publisher's `headers`: a transient status
/// (429, 5xx) is the [`retry::Failure`] that makes [`retry::retry`] try again.
async fn request(
    mut rb: reqwest::RequestBuilder,
    headers: &[(String, String)],
) -> Result<reqwest::Response, retry::Failure> {
    for (k, v) in headers {
        rb = rb.header(k, v);
    }
    let resp = send(rb).await?;
    match retry::transient_status(&resp) {
        Some(t) => Err(t),
        None => Ok(resp),
    }
}

/// Where the proxy is.
enum Store {
    Dir(PathBuf),
    Http {
        client: reqwest::Client,
        base: String,
        headers: Vec<(String, String)>,
    },
}

impl Store {
    fn open(
        config: &GoproxyPublisher,
        vars: &Vars,
        shared: &Shared,
    ) -> Result<Store, PublishError> {
        let name = &shared.publisher;
        if let Some(path) = &config.path {
            let root = vars.render(name, "path", path)?;
            return Ok(Store::Dir(shared.options.root.join(root)));
        }
        let url = config.url.as_deref().ok_or_else(|| PublishError::Config {
            publisher: name.clone(),
            what: "goproxy".into(),
            message: "needs `path` or `url`".into(),
        })?;
        let base = vars.render(name, "url", url)?;
        let mut headers = Vec::new();
        for (k, v) in &config.headers {
            headers.push((k.clone(), vars.render(name, &format!("headers.{k}"), v)?));
        }
        Ok(Store::Http {
            client: shared.http.get(false)?,
            base: base.trim_end_matches('/').to_string(),
            headers,
        })
    }

    /// Take the directory's lock ([`lock`]), waiting up to the publisher's `lock_wait` and
    /// reporting each holder it waits for; an HTTP proxy has no lock (`None`).
    async fn lock(
        &self,
        config: &GoproxyPublisher,
        shared: &Shared,
    ) -> Result<Option<lock::ProxyLock>, PublishError> {
        let Store::Dir(root) = self else {
            return Ok(None);
        };
        let held = lock::acquire(root, config.lock_wait(), |lock, holder| {
            shared.emit(super::Event::WaitingForLock {
                publisher: shared.publisher.clone(),
                lock: lock.to_path_buf(),
                holder: holder.to_string(),
            })
        })
        .await?;
        Ok(Some(held))
    }

    /// The lock a publish would take, and who holds it now, for `--dry-run`.
    fn lock_plan(&self, config: &GoproxyPublisher) -> Result<plan::LockPlan, PublishError> {
        Ok(match self {
            Store::Dir(root) => plan::LockPlan::Dir {
                lock: lock::lock_path(root).display().to_string(),
                holder: lock::holder_now(root)?.map(|h| h.to_string()),
                wait_seconds: config.lock_wait().as_secs(),
            },
            Store::Http { base, .. } => plan::LockPlan::None {
                url: crate::redact::url(base).into_owned(),
            },
        })
    }

    /// Where `rel` is, as shown and recorded (no credentials).
    fn location(&self, rel: &str) -> String {
        match self {
            Store::Dir(root) => root.join(rel).display().to_string(),
            Store::Http { base, .. } => crate::redact::url(&format!("{base}/{rel}")).into_owned(),
        }
    }

    async fn get(&self, shared: &Shared, rel: &str) -> Result<Option<Vec<u8>>, PublishError> {
        match self {
            // Read on this thread: a few small local files, and `tokio::fs` would start the
            // runtime's blocking-pool threads (and wait for them at its shutdown) for each.
            Store::Dir(root) => {
                let path = root.join(rel);
                match std::fs::read(&path) {
                    Ok(b) => Ok(Some(b)),
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
                    Err(e) => Err(PublishError::io("reading", &path, e)),
                }
            }
            Store::Http {
                client,
                base,
                headers,
            } => {
                let url = format!("{base}/{rel}");
                let what = format!("{}: reading {}", shared.publisher, self.location(rel));
                retry::retry(shared, &what, || async {
                    let resp = request(client.get(&url), headers).await?;
                    match resp.status() {
                        StatusCode::NOT_FOUND | StatusCode::GONE => Ok(None),
                        s if s.is_success() => Ok(Some(resp.bytes().await?.to_vec())),
                        _ => Err(retry::unexpected(&what, "GET", resp).await),
                    }
                })
                .await
            }
        }
    }

    async fn put(&self, shared: &Shared, rel: &str, bytes: &[u8]) -> Result<(), PublishError> {
        match self {
            Store::Dir(root) => {
                let path = root.join(rel);
                if let Some(dir) = path.parent() {
                    std::fs::create_dir_all(dir)
                        .map_err(|e| PublishError::io("creating", dir, e))?;
                }
                crate::fsutil::write_atomic(&path, bytes)
                    .map_err(|e| PublishError::io("writing", &path, e))
            }
            Store::Http {
                client,
                base,
                headers,
            } => {
                let url = format!("{base}/{rel}");
                let what = format!("{}: PUT {}", shared.publisher, self.location(rel));
                let sha256 = super::sha256_hex(bytes);
                retry::retry(shared, &what, || async {
                    let rb = client
                        .put(&url)
                        .header(reqwest::header::CONTENT_TYPE, "application/octet-stream")
                        .header("X-Checksum-Sha256", &sha256)
                        .body(bytes.to_vec());
                    let resp = request(rb, headers).await?;
                    if !resp.status().is_success() {
                        return Err(retry::unexpected(&what, "PUT", resp).await);
                    }
                    Ok(())
                })
                .await?;
                // Confirmed only when the server gives the same bytes back.
                match self.get(shared, rel).await? {
                    Some(found) if found == bytes => Ok(()),
                    other => Err(PublishError::Verify {
                        what,
                        message: match other {
                            None => "the server accepted the upload but does not have it".into(),
                            Some(found) => format!(
                                "the server holds {} bytes with sha256 {}, expected {} bytes with sha256 {sha256}",
                                found.len(),
                                super::sha256_hex(&found),
                                bytes.len()
                            ),
                        },
                    }),
                }
            }
        }
    }

    /// Write several files: a directory takes them as one batch (renamed in this order, see
    /// `fsutil::write_all_atomic`), HTTP one PUT each, in this order.
    async fn put_all(
        &self,
        shared: &Shared,
        files: &[(String, Vec<u8>)],
    ) -> Result<(), PublishError> {
        self.put_groups(shared, &[files]).await
    }

    /// Write groups of files, each group visible only after every earlier one: a directory
    /// fsyncs all of them together and each group's directories once
    /// (`fsutil::write_groups_atomic`), HTTP PUTs them one by one, in this order.
    async fn put_groups(
        &self,
        shared: &Shared,
        groups: &[&[(String, Vec<u8>)]],
    ) -> Result<(), PublishError> {
        match self {
            Store::Dir(root) => {
                let paths: Vec<Vec<PathBuf>> = groups
                    .iter()
                    .map(|g| g.iter().map(|(rel, _)| root.join(rel)).collect())
                    .collect();
                let lists: Vec<Vec<(&Path, &[u8])>> = paths
                    .iter()
                    .zip(groups)
                    .map(|(ps, g)| {
                        ps.iter()
                            .zip(g.iter())
                            .map(|(p, (_, b))| (p.as_path(), b.as_slice()))
                            .collect()
                    })
                    .collect();
                let refs: Vec<&[(&Path, &[u8])]> = lists.iter().map(Vec::as_slice).collect();
                crate::fsutil::write_groups_atomic(&refs)
                    .map_err(|e| PublishError::io("writing files below", root, e))
            }
            Store::Http { .. } => {
                for (rel, bytes) in groups.iter().flat_map(|g| g.iter()) {
                    self.put(shared, rel, bytes).await?;
                }
                Ok(())
            }
        }
    }

    async fn delete(&self, shared: &Shared, rel: &str) -> Result<(), PublishError> {
        match self {
            Store::Dir(root) => {
                let path = root.join(rel);
                match std::fs::remove_file(&path) {
                    Ok(()) => Ok(()),
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
                    Err(e) => Err(PublishError::io("removing", &path, e)),
                }
            }
            Store::Http {
                client,
                base,
                headers,
            } => {
                let url = format!("{base}/{rel}");
                let what = format!("{}: DELETE {}", shared.publisher, self.location(rel));
                retry::retry(shared, &what, || async {
                    let resp = request(client.delete(&url), headers).await?;
                    match resp.status() {
                        s if s.is_success() || s == StatusCode::NOT_FOUND => Ok(()),
                        _ => Err(retry::unexpected(&what, "DELETE", resp).await),
                    }
                })
                .await
            }
        }
    }
}

/// The proxy's paths of one module version.
struct Paths {
    module_dir: String,
    version_file: String,
}

impl Paths {
    fn new(module: &str, version: &str) -> Result<Paths, PublishError> {
        let module_dir = escape_path(module).map_err(|e| PublishError::ModuleName {
            what: format!("module path {module:?}"),
            message: e.to_string(),
        })?;
        let v = escape_version(version).map_err(|e| PublishError::ModuleName {
            what: format!("version {version:?} of {module}"),
            message: e.to_string(),
        })?;
        Ok(Paths {
            version_file: format!("{module_dir}/@v/{v}"),
            module_dir,
        })
    }
    fn file(&self, f: ModuleFile) -> String {
        format!("{}.{}", self.version_file, f.as_str())
    }
    fn list(&self) -> String {
        format!("{}/@v/list", self.module_dir)
    }
    fn latest(&self) -> String {
        format!("{}/@latest", self.module_dir)
    }
}

/// Whether a version is listed (promoted), only staged, or not there.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum VersionState {
    Listed,
    Staged,
    Absent,
}

impl VersionState {
    pub fn as_str(self) -> &'static str {
        match self {
            VersionState::Listed => "listed",
            VersionState::Staged => "staged",
            VersionState::Absent => "absent",
        }
    }
}

fn parse_list(bytes: Option<Vec<u8>>) -> Vec<String> {
    bytes
        .map(|b| {
            String::from_utf8_lossy(&b)
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

/// Add `version` to the list (semver order) and rewrite `@v/list`, then `@latest`, as one
/// batch renamed in that order (a directory: both fsynced together).
async fn list_version(
    store: &Store,
    shared: &Shared,
    paths: &Paths,
    version: &str,
) -> Result<bool, PublishError> {
    let listing = list_writes(store, shared, paths, version, None).await?;
    if !listing.writes.is_empty() {
        store.put_all(shared, &listing.writes).await?;
    }
    Ok(listing.added)
}

/// What listing a version changes.
struct Listing {
    /// The version was not listed yet.
    added: bool,
    /// The versions listed before.
    listed: Vec<String>,
    /// The version `@latest` names after the change, when `@latest` is rewritten.
    latest: Option<String>,
    /// `@v/list` and `@latest` as they are to be written (only those that change).
    writes: Vec<(String, Vec<u8>)>,
}

/// What listing `version` writes: `@v/list` when it is not listed yet, and `@latest` when the
/// highest listed release (else pre-release) changes. `new_info` is `version`'s `.info` when it
/// is about to be written with the list (not in the store yet).
async fn list_writes(
    store: &Store,
    shared: &Shared,
    paths: &Paths,
    version: &str,
    new_info: Option<&[u8]>,
) -> Result<Listing, PublishError> {
    let mut list = parse_list(store.get(shared, &paths.list()).await?);
    let listed = list.clone();
    let added = !list.iter().any(|v| v == version);
    let mut writes = Vec::new();
    let mut latest_moves = None;
    if added {
        list.push(version.to_string());
        list.sort_by(|a, b| crate::gomod::version::compare(a, b));
        let text: String = list.iter().map(|v| format!("{v}\n")).collect();
        writes.push((paths.list(), text.into_bytes()));
    }
    // @latest: the highest listed release, else the highest listed pre-release.
    let latest = list
        .iter()
        .filter(|v| !v.contains('-'))
        .max_by(|a, b| crate::gomod::version::compare(a, b))
        .or_else(|| {
            list.iter()
                .max_by(|a, b| crate::gomod::version::compare(a, b))
        });
    if let Some(latest) = latest {
        let info = match new_info.filter(|_| latest == version) {
            Some(info) => Some(info.to_vec()),
            None => {
                let latest_paths = Paths {
                    module_dir: paths.module_dir.clone(),
                    version_file: format!(
                        "{}/@v/{}",
                        paths.module_dir,
                        escape_version(latest).unwrap_or_else(|_| latest.clone())
                    ),
                };
                store
                    .get(shared, &latest_paths.file(ModuleFile::Info))
                    .await?
            }
        };
        if let Some(info) = info {
            if store.get(shared, &paths.latest()).await?.as_deref() != Some(&info[..]) {
                writes.push((paths.latest(), info));
                latest_moves = Some(latest.clone());
            }
        }
    }
    Ok(Listing {
        added,
        listed,
        latest: latest_moves,
        writes,
    })
}

async fn state_of(
    store: &Store,
    shared: &Shared,
    paths: &Paths,
    version: &str,
) -> Result<VersionState, PublishError> {
    let list = parse_list(store.get(shared, &paths.list()).await?);
    if list.iter().any(|v| v == version) {
        return Ok(VersionState::Listed);
    }
    Ok(
        match store.get(shared, &paths.file(ModuleFile::Info)).await? {
            Some(_) => VersionState::Staged,
            None => VersionState::Absent,
        },
    )
}

pub async fn publish(
    release: &Release,
    config: &GoproxyPublisher,
    vars: &Vars,
    shared: Arc<Shared>,
) -> Result<PublisherSummary, PublishError> {
    let mr = module_release(release, &shared.publisher)?;
    let paths = Paths::new(&mr.module, &mr.version)?;
    let store = Store::open(config, vars, &shared)?;
    let major = crate::gomod::parse_tag_version(&mr.version)
        .map(|v| v.major)
        .unwrap_or(0);
    let staged = config.stages(major);
    let tally = Tally::default();
    let dry_run = shared.options.dry_run;
    let entry = match &config.sumdb {
        Some(c) => Some((
            sumdb_entry(&mr, &shared.publisher)?,
            sumdb::key(c, &shared)?,
        )),
        None => None,
    };

    // The dist's files, checked against the manifest, before the proxy is touched.
    let mut files = Vec::new();
    for (f, a) in [
        (ModuleFile::Zip, mr.zip),
        (ModuleFile::Mod, mr.mod_file),
        (ModuleFile::Info, mr.info),
    ] {
        let path = release.file(a);
        let bytes = std::fs::read(&path).map_err(|e| PublishError::io("reading", &path, e))?;
        if super::sha256_hex(&bytes) != a.sha256 {
            return Err(PublishError::Verify {
                what: format!("{}: {}", shared.publisher, a.name),
                message: "the file in the dist does not match the manifest's sha256: rebuild with `tug build`".into(),
            });
        }
        files.push((f, a, bytes));
    }
    // From here to the last write the directory is ours: everything read below (the version's
    // files, the database's head, `@v/list`) is what another publisher finished writing.
    let _lock = if dry_run {
        None
    } else {
        store.lock(config, &shared).await?
    };

    // All three files first: any of them with other bytes refuses the whole version.
    let mut todo = Vec::new();
    for (f, a, bytes) in files {
        let rel = paths.file(f);
        match store.get(&shared, &rel).await? {
            Some(found) if found == bytes => {
                shared.done(&a.name, ItemOutcome::AlreadyPublished, a.size);
                tally.add(ItemOutcome::AlreadyPublished, 0);
            }
            Some(found) => {
                return Err(PublishError::Immutable {
                    module: mr.module.clone(),
                    version: mr.version.clone(),
                    location: store.location(&rel),
                    detail: format!(
                        "it holds {} bytes with sha256 {}, this release has {} bytes with sha256 {}",
                        found.len(),
                        super::sha256_hex(&found),
                        a.size,
                        a.sha256
                    ),
                });
            }
            None => todo.push((a, rel, bytes)),
        }
    }
    // The checksum database is checked before anything is written, and appended to first.
    let mut db = match (&config.sumdb, entry) {
        (Some(c), Some((entry, signer))) => {
            let db = sumdb::Sumdb::open(&store, &shared, c, signer).await?;
            db.check(&entry)?;
            Some((db, entry))
        }
        _ => None,
    };
    if dry_run {
        for (a, _, _) in &todo {
            shared.done(&a.name, ItemOutcome::WouldUpload, a.size);
            tally.add(ItemOutcome::WouldUpload, a.size);
        }
        let list = if staged
            && state_of(&store, &shared, &paths, &mr.version).await? != VersionState::Listed
        {
            plan::ListPlan::Staged {
                list: store.location(&paths.list()),
            }
        } else {
            let listing = list_writes(
                &store,
                &shared,
                &paths,
                &mr.version,
                Some(&info_bytes(release, &mr)?),
            )
            .await?;
            if listing.added {
                plan::ListPlan::Add {
                    list: store.location(&paths.list()),
                    listed: listing.listed,
                    latest: listing.latest,
                }
            } else {
                plan::ListPlan::Listed {
                    list: store.location(&paths.list()),
                }
            }
        };
        shared.emit(super::Event::GoproxyPlan {
            publisher: shared.publisher.clone(),
            plan: Box::new(Plan {
                module: mr.module.clone(),
                version: mr.version.clone(),
                sumdb: db.as_ref().map(|(db, entry)| db.plan(&store, entry)),
                list,
                lock: store.lock_plan(config)?,
            }),
        });
        return Ok(tally.finish(vec![store.location(&paths.module_dir)]));
    }
    let mut locations = vec![store.location(&paths.module_dir)];
    if let Some((db, entry)) = &mut db {
        let recorded = db.append(&store, &shared, entry).await?;
        shared.record(
            &format!("sumdb {} {}@{}", db.name(), mr.module, mr.version),
            &mr.zip.sha256,
            mr.zip.size,
            &recorded.location,
        );
        locations.push(recorded.location);
    }
    // The version's files as one batch (the .info, which marks a version as present, last),
    // then the list.
    for (a, _, _) in &todo {
        shared.emit(super::Event::UploadStarted {
            publisher: shared.publisher.clone(),
            item: a.name.clone(),
            size: a.size,
        });
    }
    let batch: Vec<(String, Vec<u8>)> = todo
        .iter()
        .map(|(_, rel, bytes)| (rel.clone(), bytes.clone()))
        .collect();
    // Listed: `@v/list` and `@latest` are a second group, visible only once the version's
    // files are (both groups written and fsynced together). Staged: the files alone.
    let listing = if staged {
        Vec::new()
    } else {
        list_writes(
            &store,
            &shared,
            &paths,
            &mr.version,
            Some(&info_bytes(release, &mr)?),
        )
        .await?
        .writes
    };
    // In a directory this waits for the disk three times, each needed (the publish state saved
    // after the publisher is the fourth): the five temp files' data, before any rename (a
    // rename must never put a name on data a crash could lose); the version's directory after
    // its files' renames, before the list's (the list is never durable without what it lists);
    // the list's directories (a publish reported done, and recorded in the state file,
    // survives a crash).
    store.put_groups(&shared, &[&batch, &listing]).await?;
    for (a, rel, _) in &todo {
        shared.record(
            &format!("file {}", a.name),
            &a.sha256,
            a.size,
            &store.location(rel),
        );
        shared.done(&a.name, ItemOutcome::Uploaded, a.size);
        tally.add(ItemOutcome::Uploaded, a.size);
    }
    let state = if staged {
        // A staged version that is already listed stays listed: promotion is never undone.
        state_of(&store, &shared, &paths, &mr.version).await?
    } else {
        VersionState::Listed
    };
    shared.record(
        &format!("module {}@{}", mr.module, mr.version),
        &mr.zip.sha256,
        mr.zip.size,
        state.as_str(),
    );
    Ok(tally.finish(locations))
}

/// The release's `.info`, as `@latest` gets it when this version becomes the latest.
fn info_bytes(release: &Release, mr: &ModuleRelease<'_>) -> Result<Vec<u8>, PublishError> {
    let path = release.file(mr.info);
    std::fs::read(&path).map_err(|e| PublishError::io("reading", &path, e))
}

/// The go.sum lines of the release, from the manifest's `h1` and `go_mod_h1`.
fn sumdb_entry(
    mr: &ModuleRelease<'_>,
    publisher: &str,
) -> Result<crate::gomod::sumdb::Entry, PublishError> {
    let h1 = mr.zip.extra.get("h1").cloned().unwrap_or_default();
    let go_mod_h1 = mr
        .mod_file
        .extra
        .get("go_mod_h1")
        .cloned()
        .unwrap_or_default();
    if !h1.starts_with("h1:") || !go_mod_h1.starts_with("h1:") {
        return Err(PublishError::Verify {
            what: format!("{publisher}: {}", mr.zip.name),
            message:
                "the manifest has no h1: hashes for the module release: rebuild with `tug build`"
                    .into(),
        });
    }
    Ok(crate::gomod::sumdb::Entry {
        module: mr.module.clone(),
        version: mr.version.clone(),
        h1,
        go_mod_h1,
    })
}

/// What [`promote`] or [`withdraw`] did.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Changed {
    pub module: String,
    pub version: String,
    /// The version's state before.
    pub was: VersionState,
    /// The version's state now.
    pub now: VersionState,
    pub location: String,
}

/// One version of a module in a proxy, opened for [`promote`] or [`withdraw`]: where it is, its
/// state there, and the runtime the store's requests run on. A directory is locked from before
/// the state is read until this is dropped (not for a dry run).
struct VersionAt<'a> {
    runtime: tokio::runtime::Runtime,
    shared: Shared,
    /// Held until the change is done (`changed` consumes this).
    _lock: Option<lock::ProxyLock>,
    store: Store,
    paths: Paths,
    module: &'a str,
    version: &'a str,
    was: VersionState,
    dry_run: bool,
}

impl<'a> VersionAt<'a> {
    fn open(
        name: &str,
        config: &GoproxyPublisher,
        vars: &Vars,
        module: &'a str,
        version: &'a str,
        options: &super::Options,
        sink: super::Sink,
    ) -> Result<VersionAt<'a>, PublishError> {
        let mut shared = Shared::standalone(name, config.retry.clone(), options.clone())?;
        shared.sink = sink;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(PublishError::Runtime)?;
        let paths = Paths::new(module, version)?;
        let store = Store::open(config, vars, &shared)?;
        let lock = if options.dry_run {
            None
        } else {
            runtime.block_on(store.lock(config, &shared))?
        };
        let was = runtime.block_on(state_of(&store, &shared, &paths, version))?;
        Ok(VersionAt {
            runtime,
            shared,
            _lock: lock,
            store,
            paths,
            module,
            version,
            was,
            dry_run: options.dry_run,
        })
    }

    fn not_published(&self, location: String) -> PublishError {
        PublishError::NotPublished {
            module: self.module.into(),
            version: self.version.into(),
            location,
        }
    }

    /// What the change did: `now` unless this is a dry run, which changes nothing.
    fn changed(self, now: VersionState, location: String) -> Changed {
        Changed {
            module: self.module.into(),
            version: self.version.into(),
            was: self.was,
            now: if self.dry_run { self.was } else { now },
            location,
        }
    }
}

/// `tug publish --promote VERSION`: list a staged (or already listed) version. `sink` gets the
/// lock waits.
pub fn promote(
    name: &str,
    config: &GoproxyPublisher,
    vars: &Vars,
    module: &str,
    version: &str,
    options: &super::Options,
    sink: super::Sink,
) -> Result<Changed, PublishError> {
    let at = VersionAt::open(name, config, vars, module, version, options, sink)?;
    let (store, shared, paths) = (&at.store, &at.shared, &at.paths);
    if at.was == VersionState::Absent {
        return Err(at.not_published(store.location(&paths.module_dir)));
    }
    at.runtime.block_on(async {
        for f in [ModuleFile::Zip, ModuleFile::Mod] {
            if store.get(shared, &paths.file(f)).await?.is_none() {
                return Err(at.not_published(store.location(&paths.file(f))));
            }
        }
        if !at.dry_run {
            list_version(store, shared, paths, version).await?;
        }
        Ok(())
    })?;
    let location = store.location(&paths.list());
    Ok(at.changed(VersionState::Listed, location))
}

/// `tug publish --withdraw VERSION`: delete a staged version's files; refused once it is listed.
/// `sink` gets the lock waits.
pub fn withdraw(
    name: &str,
    config: &GoproxyPublisher,
    vars: &Vars,
    module: &str,
    version: &str,
    options: &super::Options,
    sink: super::Sink,
) -> Result<Changed, PublishError> {
    let at = VersionAt::open(name, config, vars, module, version, options, sink)?;
    let (store, shared, paths) = (&at.store, &at.shared, &at.paths);
    match at.was {
        VersionState::Listed => {
            return Err(PublishError::AlreadyListed {
                module: module.into(),
                version: version.into(),
                location: store.location(&paths.list()),
            })
        }
        VersionState::Absent => return Err(at.not_published(store.location(&paths.module_dir))),
        VersionState::Staged => {}
    }
    if !at.dry_run {
        at.runtime.block_on(async {
            // The .info first: without it the version is absent, whatever else is left.
            for f in [ModuleFile::Info, ModuleFile::Zip, ModuleFile::Mod] {
                store.delete(shared, &paths.file(f)).await?;
            }
            Ok::<_, PublishError>(())
        })?;
    }
    let location = store.location(&paths.version_file);
    Ok(at.changed(VersionState::Absent, location))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_escaped() {
        let p = Paths::new("example.com/Lib/v2", "v2.0.0-RC1").unwrap();
        assert_eq!(
            p.file(ModuleFile::Zip),
            "example.com/!lib/v2/@v/v2.0.0-!r!c1.zip"
        );
        assert_eq!(p.list(), "example.com/!lib/v2/@v/list");
        assert_eq!(p.latest(), "example.com/!lib/v2/@latest");
        assert!(Paths::new("example.com/a b", "v1.0.0").is_err());
    }

    #[test]
    fn list_parsing_skips_blank_lines() {
        assert_eq!(
            parse_list(Some(b"v1.0.0\n\n v1.1.0 \n".to_vec())),
            vec!["v1.0.0", "v1.1.0"]
        );
        assert!(parse_list(None).is_empty());
    }
}
