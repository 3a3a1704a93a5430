//! A whole checksum database checked against its signed head, as an auditor would: every hash
//! and data tile of the current tree, every lookup (its record, and its signed head as a tree
//! the current one extends), and the tiles each of those older heads' clients read. `tug verify
//! --sumdb DIR` runs it; the publisher itself checks only what an append needs (the data tiles
//! against the signed head).

use std::collections::BTreeSet;

use super::note::VerifierKey;
use super::{tlog, Database, SumdbError};

/// What [`verify`] found.
#[derive(Debug, Default)]
pub struct Report {
    pub records: u64,
    pub tiles: usize,
    pub lookups: usize,
    /// (file below the database, what is wrong).
    pub problems: Vec<(String, String)>,
}

/// Check the database whose files `read` returns (`Ok(None)`: no such file) and whose lookup
/// files are `lookups` (paths below the database). An error is a database that cannot be read
/// at all (no valid signed head, data tiles that do not make it); everything else is a problem
/// in the report.
pub fn verify(
    verifier: &VerifierKey,
    read: &dyn Fn(&str) -> std::io::Result<Option<Vec<u8>>>,
    lookups: &[String],
) -> Result<Report, SumdbError> {
    let io = |path: &str, e: std::io::Error| SumdbError::Inconsistent {
        location: path.to_string(),
        message: e.to_string(),
    };
    let latest = read("latest")
        .map_err(|e| io("latest", e))?
        .ok_or_else(|| SumdbError::Inconsistent {
            location: "latest".into(),
            message: "missing: not a checksum database".into(),
        })?;
    let (size, hash) = Database::signed_size(verifier, &latest, "latest")?;
    let mut data = Vec::new();
    for t in tlog::data_tiles(size) {
        let path = t.path();
        let bytes =
            read(&path)
                .map_err(|e| io(&path, e))?
                .ok_or_else(|| SumdbError::Inconsistent {
                    location: path.clone(),
                    message: "missing".into(),
                })?;
        data.push((t, path, bytes));
    }
    let db = Database::from_tiles(verifier.name(), size, &hash, data, "latest")?;
    let mut report = Report {
        records: size,
        ..Report::default()
    };
    // The tiles a client of the current tree, and of every older head a lookup carries, reads.
    let mut sizes = BTreeSet::from([size]);
    for path in lookups {
        report.lookups += 1;
        let mut problem = |m: String| report.problems.push((path.clone(), m));
        let body = match read(path) {
            Ok(Some(b)) => b,
            Ok(None) => {
                problem("missing".into());
                continue;
            }
            Err(e) => {
                problem(e.to_string());
                continue;
            }
        };
        let Some((id, record, head)) = split_lookup(&body) else {
            problem("not a lookup answer (id, record, blank line, signed head)".into());
            continue;
        };
        if db.log.record(id) != Some(record) {
            problem(format!("its record is not record {id} of the tree"));
            continue;
        }
        let expected = super::record_key(record)
            .and_then(|k| {
                let (m, v) = k.split_once(' ')?;
                super::Entry {
                    module: m.into(),
                    version: v.into(),
                    h1: String::new(),
                    go_mod_h1: String::new(),
                }
                .lookup_path()
                .ok()
            })
            .unwrap_or_default();
        if &expected != path {
            problem(format!("holds the record of {expected}"));
            continue;
        }
        match Database::signed_size(verifier, head, path) {
            Ok((n, h)) if n > id && n <= size && db.log.tree_hash(n) == h => {
                sizes.insert(n);
            }
            Ok((n, _)) => problem(format!(
                "its signed head (tree of {n}) is not a tree the current one extends with record {id}"
            )),
            Err(e) => problem(e.to_string()),
        }
    }
    for n in sizes {
        for t in tlog::new_tiles(0, n) {
            let data = (t.l == 0).then_some(tlog::Tile { l: -1, ..t });
            for t in std::iter::once(t).chain(data) {
                let path = t.path();
                report.tiles += 1;
                match read(&path) {
                    Ok(Some(b)) if b == db.log.tile(t) => {}
                    Ok(Some(_)) => report
                        .problems
                        .push((path, "differs from the tree's records".into())),
                    Ok(None) => report.problems.push((
                        path,
                        format!("missing: a client of the tree of {n} reads it"),
                    )),
                    Err(e) => report.problems.push((path, e.to_string())),
                }
            }
        }
    }
    report.problems.sort();
    report.problems.dedup();
    Ok(report)
}

/// `id\nrecord\n\nsigned head` → its parts.
fn split_lookup(body: &[u8]) -> Option<(u64, &[u8], &[u8])> {
    let nl = body.iter().position(|&b| b == b'\n')?;
    let id: u64 = std::str::from_utf8(&body[..nl]).ok()?.parse().ok()?;
    let rest = &body[nl + 1..];
    let end = rest.windows(2).position(|p| p == b"\n\n")?;
    Some((id, &rest[..end + 1], &rest[end + 2..]))
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;
    use std::sync::Mutex;

    use super::*;
    use crate::gomod::sumdb::note::SignerKey;
    use crate::gomod::sumdb::Entry;

    #[test]
    fn a_database_written_by_appends_verifies_and_a_changed_file_is_named() {
        let signer = SignerKey::generate("sum.example.com").unwrap();
        let files = Mutex::new(HashMap::<String, Vec<u8>>::new());
        let mut db = Database::empty("sum.example.com");
        for v in ["v1.0.0", "v1.1.0", "v1.2.0"] {
            let plan = db
                .append(
                    &[Entry {
                        module: "example.com/lib".into(),
                        version: v.into(),
                        h1: "h1:a=".into(),
                        go_mod_h1: "h1:b=".into(),
                    }],
                    &signer,
                )
                .unwrap();
            let mut f = files.lock().unwrap();
            f.extend(plan.tiles);
            f.insert("latest".into(), plan.latest.unwrap());
            f.extend(plan.lookups);
        }
        let lookups: Vec<String> = files
            .lock()
            .unwrap()
            .keys()
            .filter(|k| k.starts_with("lookup/"))
            .cloned()
            .collect();
        let read = |p: &str| Ok(files.lock().unwrap().get(p).cloned());
        let report = verify(&signer.verifier(), &read, &lookups).unwrap();
        assert!(report.problems.is_empty(), "{:?}", report.problems);
        assert_eq!((report.records, report.lookups), (3, 3));

        // The partial tile a client of the tree of 1 reads, changed: named.
        files
            .lock()
            .unwrap()
            .insert("tile/8/0/000.p/1".into(), vec![0; 32]);
        let report = verify(&signer.verifier(), &read, &lookups).unwrap();
        assert_eq!(report.problems.len(), 1, "{:?}", report.problems);
        assert_eq!(report.problems[0].0, "tile/8/0/000.p/1");
    }
}
