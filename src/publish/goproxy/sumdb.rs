//! The goproxy publisher's checksum database: reading the database at `<root>/sumdb/<name>/`
//! back from the store (its signed `latest` and data tiles, checked with the signer's own
//! verifier key) and writing an append in the order that keeps every reader consistent
//! (`gomod::sumdb::Append`): tiles, then `latest`, then the lookups. The database logic itself
//! is `gomod::sumdb`; this file only moves its bytes.
//!
//! Crash recovery: a run killed before `latest` is replaced leaves tiles no signed head names;
//! the next append rewrites them with its own records (a tile's bytes depend only on the records
//! it covers, so tiles of the signed tree are never touched). A run killed after it leaves a
//! version recorded whose lookup file is missing: the next publish of that version (a no-op for
//! the tree) writes it. One publisher at a time may append to a database: in a directory the
//! publisher holds the proxy's lock (`lock.rs`) from before [`Sumdb::open`] reads the head until
//! the append is written; over HTTP nothing can lock it.

use super::{PublishError, Shared, Store};
use crate::config::publish::SumdbConfig;
use crate::gomod::sumdb::note::SignerKey;
use crate::gomod::sumdb::{self, tlog, Database, Entry};
use crate::sign::KeySource;

/// An open database and the key that signs its appends.
pub(super) struct Sumdb {
    signer: SignerKey,
    /// The database's directory below the proxy root.
    dir: String,
    db: Database,
}

/// What [`Sumdb::append`] did.
pub(super) struct Recorded {
    /// Where the database is, with its tree size.
    pub location: String,
}

/// Read the signer key `sumdb.key` names (before the proxy is locked or read: a bad key leaves
/// nothing behind, not even the lock file).
pub(super) fn key(config: &SumdbConfig, shared: &Shared) -> Result<SignerKey, PublishError> {
    let bad = |source: Box<dyn std::error::Error + Send + Sync>| PublishError::SumdbKey {
        publisher: shared.publisher.clone(),
        reference: config.key.clone(),
        source,
    };
    let source = KeySource::parse(&config.key, &shared.options.root).map_err(|m| bad(m.into()))?;
    let bytes = zeroize::Zeroizing::new(
        source
            .read(&shared.options.env)
            .map_err(|e| bad(Box::new(e)))?,
    );
    let text = std::str::from_utf8(&bytes).map_err(|e| bad(Box::new(e)))?;
    let signer = SignerKey::parse(text).map_err(|e| bad(Box::new(e)))?;
    if signer.name() != config.name {
        return Err(bad(format!(
            "it is the key of the database {:?}, not of {:?} (sumdb.name)",
            signer.name(),
            config.name
        )
        .into()));
    }
    Ok(signer)
}

impl Sumdb {
    /// Read the database (empty when it has no `latest` yet) and check it: the head's signature
    /// with our key ([`key`]), and that the data tiles make the signed tree.
    pub(super) async fn open(
        store: &Store,
        shared: &Shared,
        config: &SumdbConfig,
        signer: SignerKey,
    ) -> Result<Sumdb, PublishError> {
        let dir = sumdb::dir_below_proxy(&config.name);
        let latest_rel = format!("{dir}/latest");
        let db = match store.get(shared, &latest_rel).await? {
            None => Database::empty(&config.name),
            Some(latest) => {
                let location = store.location(&latest_rel);
                let (size, hash) = Database::signed_size(&signer.verifier(), &latest, &location)?;
                let mut tiles = Vec::new();
                for t in tlog::data_tiles(size) {
                    let rel = format!("{dir}/{}", t.path());
                    let at = store.location(&rel);
                    let data = store.get(shared, &rel).await?.ok_or_else(|| {
                        sumdb::SumdbError::Inconsistent {
                            location: at.clone(),
                            message: format!(
                                "missing: the signed tree of {size} records needs this data tile"
                            ),
                        }
                    })?;
                    tiles.push((t, at, data));
                }
                Database::from_tiles(&config.name, size, &hash, tiles, &location)?
            }
        };
        Ok(Sumdb { signer, dir, db })
    }

    pub(super) fn name(&self) -> &str {
        self.signer.name()
    }

    /// What appending `entry` would do, for `--dry-run` (after [`Sumdb::check`]).
    pub(super) fn plan(&self, store: &Store, entry: &Entry) -> super::plan::SumdbPlan {
        let recorded = self.db.contains(&entry.module, &entry.version);
        let size = self.db.len();
        super::plan::SumdbPlan {
            name: self.name().to_string(),
            location: store.location(&self.dir),
            records: entry.lines(),
            recorded,
            size,
            new_size: if recorded { size } else { size + 1 },
        }
    }

    /// Refuse an entry the database records with other hashes (nothing written).
    pub(super) fn check(&self, entry: &Entry) -> Result<(), PublishError> {
        Ok(self.db.check(std::slice::from_ref(entry))?)
    }

    /// Record `entry` (a no-op for the tree when it is recorded already) and write what is
    /// missing: tiles, the signed head, the lookup, and the `supported` marker.
    pub(super) async fn append(
        &mut self,
        store: &Store,
        shared: &Shared,
        entry: &Entry,
    ) -> Result<Recorded, PublishError> {
        let plan = self.db.append(std::slice::from_ref(entry), &self.signer)?;
        let rel = |p: &str| format!("{}/{p}", self.dir);
        let mut first: Vec<(String, Vec<u8>)> = plan
            .tiles
            .iter()
            .map(|(p, b)| (rel(p), b.clone()))
            .collect();
        let supported = rel("supported");
        if store.get(shared, &supported).await?.is_none() {
            // Any 200 answer will do; not empty, since some WebDAV servers refuse an empty PUT.
            first.push((supported, format!("{}\n", self.name()).into_bytes()));
        }
        if !first.is_empty() {
            store.put_all(shared, &first).await?;
        }
        if let Some(latest) = &plan.latest {
            store.put(shared, &rel("latest"), latest).await?;
        }
        let mut lookups = Vec::new();
        for (p, body) in &plan.lookups {
            // A lookup written earlier carries an older head, which a client checks against
            // the newer one: it stays as it is.
            if store.get(shared, &rel(p)).await?.is_none() {
                lookups.push((rel(p), body.clone()));
            }
        }
        if !lookups.is_empty() {
            store.put_all(shared, &lookups).await?;
        }
        Ok(Recorded {
            location: format!(
                "{} (tree of {} records)",
                store.location(&self.dir),
                plan.size
            ),
        })
    }
}
