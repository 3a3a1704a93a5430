//! A private Go checksum database (sumdb) kept as static files, so the go command verifies every
//! module version it downloads from a private proxy (`GOSUMDB="<name>+<key> <url>"`).
//!
//! The database is a transparency log ([`tlog`]) of one record per module version,
//! `<module> <version> h1:<zip hash>\n<module> <version>/go.mod h1:<go.mod hash>\n`, and a tree
//! head signed with an Ed25519 note key ([`note`]). Its files are those of the sumdb protocol,
//! laid out for a static server or `file://`:
//!
//! ```text
//! <db>/supported                          (empty) the proxy protocol's "this proxy serves <name>"
//! <db>/latest                             the signed tree head
//! <db>/lookup/<escaped module>@<escaped version>   id, record, blank line, signed tree head
//! <db>/tile/8/<L>/<NNN>[.p/<W>]           hash tiles
//! <db>/tile/8/data/<NNN>[.p/<W>]          the records
//! ```
//!
//! This module is the pure part: it reads a database from the bytes of its tree head and data
//! tiles (checking the signature and that the tiles make the signed tree), and plans an append
//! as the list of files to write and the order that keeps every reader consistent. Writing them
//! is the publisher's (`publish::goproxy::sumdb`).
//!
//! **Appending is the only operation.** A module version already recorded with the same hashes
//! is a no-op; with other hashes it is refused ([`SumdbError::Conflict`]): the tree never
//! changes history.

pub mod note;
pub mod tlog;
pub mod verify;

use std::collections::HashMap;

use self::note::{NoteError, SignerKey, VerifierKey};
use self::tlog::{Log, Tile};
use crate::gomod::proxy_path::{escape_path, escape_version};

/// Where the database lives below a proxy root: the proxy protocol's `/sumdb/<name>/`, so the go
/// command finds it through `GOPROXY` alone (`<proxy>/sumdb/<name>/supported`).
pub fn dir_below_proxy(name: &str) -> String {
    format!("sumdb/{name}")
}

#[derive(Debug, thiserror::Error)]
pub enum SumdbError {
    #[error("{location}: the signed tree head does not open with the key of {name}")]
    Latest {
        location: String,
        name: String,
        #[source]
        source: NoteError,
    },
    #[error("{location}: the signed tree head is not a go.sum database tree")]
    TreeNote { location: String },
    #[error("{location}: {message}")]
    Inconsistent { location: String, message: String },
    #[error(
        "the checksum database {name} already records {module} {version} as {recorded}, not {new}"
    )]
    Conflict {
        name: String,
        module: String,
        version: String,
        recorded: String,
        new: String,
    },
    #[error("{module}@{version} cannot be recorded: {message}")]
    BadRecord {
        module: String,
        version: String,
        message: String,
    },
}

impl crate::error::Diagnostic for SumdbError {
    fn hint(&self) -> Option<String> {
        match self {
            SumdbError::Latest { .. } => Some(
                "the database was made with another key: use its signer key (sumdb.key), or a new database name".into(),
            ),
            SumdbError::Inconsistent { .. } | SumdbError::TreeNote { .. } => Some(
                "the database's files were changed outside tug; restore them from a backup (its history cannot be rewritten)".into(),
            ),
            SumdbError::Conflict { .. } => Some(
                "a recorded version is immutable: publish a new version (and retract this one in its go.mod)".into(),
            ),
            SumdbError::BadRecord { .. } => None,
        }
    }
}

/// One module version's record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub module: String,
    pub version: String,
    /// `h1:...` of the zip and of the go.mod.
    pub h1: String,
    pub go_mod_h1: String,
}

impl Entry {
    fn text(&self) -> String {
        format!(
            "{m} {v} {h}\n{m} {v}/go.mod {g}\n",
            m = self.module,
            v = self.version,
            h = self.h1,
            g = self.go_mod_h1
        )
    }

    /// The record's two go.sum lines, `module version h1:...` and `module version/go.mod h1:...`.
    pub fn lines(&self) -> [String; 2] {
        [
            format!("{} {} {}", self.module, self.version, self.h1),
            format!("{} {}/go.mod {}", self.module, self.version, self.go_mod_h1),
        ]
    }

    /// The lookup file's path below the database: `lookup/<escaped module>@<escaped version>`.
    pub fn lookup_path(&self) -> Result<String, SumdbError> {
        let bad = |message: String| SumdbError::BadRecord {
            module: self.module.clone(),
            version: self.version.clone(),
            message,
        };
        Ok(format!(
            "lookup/{}@{}",
            escape_path(&self.module).map_err(|e| bad(e.to_string()))?,
            escape_version(&self.version).map_err(|e| bad(e.to_string()))?
        ))
    }
}

/// A database read back from its files, verified.
#[derive(Debug)]
pub struct Database {
    name: String,
    log: Log,
    /// `module version` → record id.
    index: HashMap<String, u64>,
}

/// What an append writes, in this order: `tiles` (all of them, in any order), then `latest`
/// (the commit point), then `lookups`. Before `latest` is replaced no signed note names the new
/// tiles, so a crash leaves only unsigned tiles that the next append overwrites with its own;
/// a crash after it leaves lookups missing, which the next publish of those versions writes.
#[derive(Debug, Default)]
pub struct Append {
    /// (path below the database, bytes).
    pub tiles: Vec<(String, Vec<u8>)>,
    pub latest: Option<Vec<u8>>,
    pub lookups: Vec<(String, Vec<u8>)>,
    /// Versions that were new to the database.
    pub added: Vec<String>,
    /// The tree size after the append.
    pub size: u64,
}

impl Database {
    /// An empty database (no `latest` yet).
    pub fn empty(name: &str) -> Database {
        Database {
            name: name.to_string(),
            log: Log::default(),
            index: HashMap::new(),
        }
    }

    /// The tree size the signed head `latest` names, after checking its signature.
    pub fn signed_size(
        verifier: &VerifierKey,
        latest: &[u8],
        location: &str,
    ) -> Result<(u64, tlog::Hash), SumdbError> {
        let text = verifier.open(latest).map_err(|source| SumdbError::Latest {
            location: location.to_string(),
            name: verifier.name().to_string(),
            source,
        })?;
        tlog::parse_tree(&text).ok_or_else(|| SumdbError::TreeNote {
            location: location.to_string(),
        })
    }

    /// Rebuild the database from its data tiles (`tlog::data_tiles(size)`, in order, each with
    /// where it was read) and check that they make the signed tree hash.
    pub fn from_tiles(
        name: &str,
        size: u64,
        hash: &tlog::Hash,
        tiles: Vec<(Tile, String, Vec<u8>)>,
        location: &str,
    ) -> Result<Database, SumdbError> {
        let mut db = Database::empty(name);
        for (tile, at, data) in tiles {
            let records =
                tlog::parse_data_tile(&data, tile.w).ok_or_else(|| SumdbError::Inconsistent {
                    location: at.clone(),
                    message: format!("not a data tile of {} records", tile.w),
                })?;
            for r in records {
                let key = record_key(&r).ok_or_else(|| SumdbError::Inconsistent {
                    location: at.clone(),
                    message: "a record is not `module version h1:...`".into(),
                })?;
                let id = db.log.push(r);
                db.index.insert(key, id);
            }
        }
        if db.log.len() != size || db.log.tree_hash(size) != *hash {
            return Err(SumdbError::Inconsistent {
                location: location.to_string(),
                message: format!(
                    "the data tiles do not make the signed tree of {size} records (they hold {})",
                    db.log.len()
                ),
            });
        }
        Ok(db)
    }

    pub fn len(&self) -> u64 {
        self.log.len()
    }

    pub fn is_empty(&self) -> bool {
        self.log.is_empty()
    }

    /// Whether `module version` is recorded (with whatever hashes: [`Database::check`] compares).
    pub fn contains(&self, module: &str, version: &str) -> bool {
        self.recorded(module, version).is_some()
    }

    /// The recorded text of `module version`, when there is one.
    fn recorded(&self, module: &str, version: &str) -> Option<(u64, &[u8])> {
        let id = *self.index.get(&format!("{module} {version}"))?;
        Some((id, self.log.record(id)?))
    }

    /// Check `entries` against the database without changing it: a version recorded with
    /// other hashes is a [`SumdbError::Conflict`].
    pub fn check(&self, entries: &[Entry]) -> Result<(), SumdbError> {
        for e in entries {
            if !tlog::valid_record(e.text().as_bytes()) || e.text().split_whitespace().count() != 6
            {
                return Err(SumdbError::BadRecord {
                    module: e.module.clone(),
                    version: e.version.clone(),
                    message: "a module path, version or hash holds a space or a control character"
                        .into(),
                });
            }
            e.lookup_path()?;
            if let Some((_, text)) = self.recorded(&e.module, &e.version) {
                if text != e.text().as_bytes() {
                    return Err(SumdbError::Conflict {
                        name: self.name.clone(),
                        module: e.module.clone(),
                        version: e.version.clone(),
                        recorded: hashes(text),
                        new: format!("{} {}", e.h1, e.go_mod_h1),
                    });
                }
            }
        }
        Ok(())
    }

    /// Append the `entries` not recorded yet, and plan the files that make it so. Lookups are
    /// planned for every entry (new or already recorded), so a re-run writes those an
    /// interrupted run did not; the caller skips the ones already there.
    pub fn append(&mut self, entries: &[Entry], signer: &SignerKey) -> Result<Append, SumdbError> {
        self.check(entries)?;
        let old = self.log.len();
        let mut plan = Append::default();
        for e in entries {
            if self.recorded(&e.module, &e.version).is_none() {
                let id = self.log.push(e.text().into_bytes());
                self.index.insert(format!("{} {}", e.module, e.version), id);
                plan.added.push(e.version.clone());
            }
        }
        let new = self.log.len();
        plan.size = new;
        for t in tlog::new_tiles(old, new) {
            plan.tiles.push((t.path(), self.log.tile(t)));
            if t.l == 0 {
                let data = Tile { l: -1, ..t };
                plan.tiles.push((data.path(), self.log.tile(data)));
            }
        }
        // Every lookup carries the head it was written under; a client checks it against
        // the newest head it has seen (consistency proof from the tiles).
        let head = signer.sign(&tlog::format_tree(new, &self.log.tree_hash(new)));
        if new != old {
            plan.latest = Some(head.clone());
        }
        for e in entries {
            let (id, text) = self
                .recorded(&e.module, &e.version)
                .expect("appended above");
            let mut body = tlog::format_record(id, text);
            body.extend_from_slice(&head);
            plan.lookups.push((e.lookup_path()?, body));
        }
        Ok(plan)
    }

    /// Every hash tile and data tile of the current tree, for a full check of a database
    /// (`(path, bytes)` as they must be on disk).
    pub fn all_tiles(&self) -> Vec<(String, Vec<u8>)> {
        let mut out = Vec::new();
        for t in tlog::new_tiles(0, self.log.len()) {
            out.push((t.path(), self.log.tile(t)));
            if t.l == 0 {
                let data = Tile { l: -1, ..t };
                out.push((data.path(), self.log.tile(data)));
            }
        }
        out
    }
}

/// `module version` of a record's first line.
fn record_key(record: &[u8]) -> Option<String> {
    let line = std::str::from_utf8(record).ok()?.lines().next()?;
    let mut f = line.split(' ');
    let (m, v, h) = (f.next()?, f.next()?, f.next()?);
    (h.starts_with("h1:") && f.next().is_none()).then(|| format!("{m} {v}"))
}

/// The hashes a record holds, for messages.
fn hashes(record: &[u8]) -> String {
    String::from_utf8_lossy(record)
        .lines()
        .filter_map(|l| l.rsplit(' ').next())
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(v: &str, h: &str) -> Entry {
        Entry {
            module: "example.com/Lib".into(),
            version: v.into(),
            h1: format!("h1:{h}="),
            go_mod_h1: "h1:gomod=".into(),
        }
    }

    #[test]
    fn appends_reopen_from_their_tiles_and_refuse_other_hashes() {
        let signer = SignerKey::generate("sum.example.com").unwrap();
        let verifier = signer.verifier();
        let mut db = Database::empty("sum.example.com");
        let plan = db.append(&[entry("v1.0.0", "a")], &signer).unwrap();
        assert_eq!(plan.size, 1);
        assert_eq!(plan.lookups[0].0, "lookup/example.com/!lib@v1.0.0");
        let tiles: HashMap<_, _> = plan.tiles.iter().cloned().collect();
        assert!(
            tiles.contains_key("tile/8/0/000.p/1") && tiles.contains_key("tile/8/data/000.p/1")
        );

        // Read back from what was written.
        let latest = plan.latest.unwrap();
        let (n, hash) = Database::signed_size(&verifier, &latest, "latest").unwrap();
        let data: Vec<_> = tlog::data_tiles(n)
            .into_iter()
            .map(|t| (t, t.path(), tiles[&t.path()].clone()))
            .collect();
        let mut again =
            Database::from_tiles("sum.example.com", n, &hash, data.clone(), "x").unwrap();

        // Same hashes: a no-op that still plans the lookup; other hashes: refused.
        let same = again.append(&[entry("v1.0.0", "a")], &signer).unwrap();
        assert!(same.latest.is_none() && same.tiles.is_empty() && same.lookups.len() == 1);
        let err = again.append(&[entry("v1.0.0", "b")], &signer).unwrap_err();
        assert!(matches!(err, SumdbError::Conflict { .. }), "{err}");
        assert!(err.to_string().contains("h1:a="), "{err}");
        assert!(again.contains("example.com/Lib", "v1.0.0"));
        assert!(!again.contains("example.com/Lib", "v1.1.0"));
        let grown = again.append(&[entry("v1.1.0", "c")], &signer).unwrap();
        assert_eq!(grown.size, 2);
        assert_eq!(
            entry("v1.1.0", "c").lines(),
            [
                "example.com/Lib v1.1.0 h1:c=",
                "example.com/Lib v1.1.0/go.mod h1:gomod="
            ]
        );

        // Another key, or tiles that do not make the signed tree, are refused.
        let other = SignerKey::generate("sum.example.com").unwrap().verifier();
        assert!(Database::signed_size(&other, &latest, "latest").is_err());
        assert!(Database::from_tiles("sum.example.com", n, &[0; 32], data, "x").is_err());
    }
}
