//! The transparency log of a checksum database, as golang.org/x/mod/sumdb/tlog defines it: an
//! RFC 6962 Merkle tree of records, served as height-8 *tiles* of hashes so a client can check
//! any record and any two tree sizes against each other from static files.
//!
//! - a record's hash is SHA-256(0x00 || record), an inner node's SHA-256(0x01 || left || right);
//! - the tree hash of `n` records is the RFC 6962 `MTH`;
//! - the tile `(L, N, W)` holds `W` consecutive hashes at level `8·L`, starting at `N·256`: the
//!   hashes of complete subtrees of `256^L` records; `W < 256` is a partial tile, written
//!   `.p/W`; the data tile `L = -1` holds the records themselves, each followed by a blank line;
//! - a tile's bytes depend only on the records it covers, so appending never changes a tile of
//!   an earlier tree size: a tree only grows.
//!
//! The whole tree is kept in memory (32 bytes per record per level, about 64 bytes a record):
//! a private module proxy's database stays small, and every hash a tile needs is at hand.

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use sha2::{Digest, Sha256};

/// Tiles are 2^8 = 256 hashes wide, as the go command reads them.
pub const TILE_HEIGHT: u32 = 8;
const TILE_WIDTH: usize = 1 << TILE_HEIGHT;

pub type Hash = [u8; 32];

pub fn record_hash(data: &[u8]) -> Hash {
    let mut h = Sha256::new();
    h.update([0u8]);
    h.update(data);
    h.finalize().into()
}

pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    let mut h = Sha256::new();
    h.update([1u8]);
    h.update(left);
    h.update(right);
    h.finalize().into()
}

/// A tile's coordinates: level `l` (`-1` for data), number `n`, width `w` (1..=256).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Tile {
    pub l: i32,
    pub n: u64,
    pub w: usize,
}

impl Tile {
    /// `tile/8/<L|data>/<NNN as x001/x234/067>[.p/W]`, as `tlog.Tile.Path`.
    pub fn path(&self) -> String {
        let mut n = self.n;
        let mut digits = format!("{:03}", n % 1000);
        while n >= 1000 {
            n /= 1000;
            digits = format!("x{:03}/{digits}", n % 1000);
        }
        let level = if self.l < 0 {
            "data".to_string()
        } else {
            self.l.to_string()
        };
        let partial = if self.w == TILE_WIDTH {
            String::new()
        } else {
            format!(".p/{}", self.w)
        };
        format!("tile/{TILE_HEIGHT}/{level}/{digits}{partial}")
    }

    /// The hash tile of the same coordinates as this data tile.
    pub fn hashes(self) -> Tile {
        Tile { l: 0, ..self }
    }
}

/// The hash tiles a tree of `new` records has that one of `old` records lacks (`tlog.NewTiles`):
/// every tile whose last hash is new. Level 0's are also the data tiles' coordinates.
pub fn new_tiles(old: u64, new: u64) -> Vec<Tile> {
    let mut tiles = Vec::new();
    let mut level = 0;
    while new >> (TILE_HEIGHT * level) > 0 {
        let old_n = old >> (TILE_HEIGHT * level);
        let new_n = new >> (TILE_HEIGHT * level);
        if old_n != new_n {
            for n in (old_n >> TILE_HEIGHT)..(new_n >> TILE_HEIGHT) {
                tiles.push(Tile {
                    l: level as i32,
                    n,
                    w: TILE_WIDTH,
                });
            }
            let n = new_n >> TILE_HEIGHT;
            let w = (new_n - (n << TILE_HEIGHT)) as usize;
            if w > 0 {
                tiles.push(Tile {
                    l: level as i32,
                    n,
                    w,
                });
            }
        }
        level += 1;
    }
    tiles
}

/// The tiles of the data level a tree of `n` records is read from: the full ones, then the
/// partial one.
pub fn data_tiles(n: u64) -> Vec<Tile> {
    let full = n / TILE_WIDTH as u64;
    let mut tiles: Vec<Tile> = (0..full)
        .map(|n| Tile {
            l: -1,
            n,
            w: TILE_WIDTH,
        })
        .collect();
    let rest = (n % TILE_WIDTH as u64) as usize;
    if rest > 0 {
        tiles.push(Tile {
            l: -1,
            n: full,
            w: rest,
        });
    }
    tiles
}

/// The records and every complete-subtree hash of the log.
#[derive(Debug, Default, Clone)]
pub struct Log {
    records: Vec<Vec<u8>>,
    /// `levels[k][i]`: the hash of records `i·2^k .. (i+1)·2^k`.
    levels: Vec<Vec<Hash>>,
}

impl Log {
    pub fn len(&self) -> u64 {
        self.records.len() as u64
    }

    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }

    pub fn record(&self, id: u64) -> Option<&[u8]> {
        self.records.get(id as usize).map(Vec::as_slice)
    }

    pub fn records(&self) -> impl Iterator<Item = &[u8]> {
        self.records.iter().map(Vec::as_slice)
    }

    /// Append a record (its text must be valid record text, see [`valid_record`]); its id.
    pub fn push(&mut self, record: Vec<u8>) -> u64 {
        let id = self.records.len();
        let mut hash = record_hash(&record);
        self.records.push(record);
        let mut level = 0;
        let mut index = id;
        loop {
            if self.levels.len() == level {
                self.levels.push(Vec::new());
            }
            self.levels[level].push(hash);
            if index % 2 == 0 {
                break;
            }
            hash = node_hash(&self.levels[level][index - 1], &hash);
            index /= 2;
            level += 1;
        }
        id as u64
    }

    /// The RFC 6962 tree hash of the first `n` records (`tlog.TreeHash`).
    pub fn tree_hash(&self, n: u64) -> Hash {
        assert!(n <= self.len(), "tree_hash beyond the log");
        if n == 0 {
            return Sha256::digest([]).into();
        }
        // The complete subtrees n is made of, largest (leftmost) first, folded from the right.
        let mut parts = Vec::new();
        let mut start = 0u64;
        for k in (0..64).rev() {
            if n & (1 << k) != 0 {
                parts.push(self.levels[k][(start >> k) as usize]);
                start += 1 << k;
            }
        }
        let mut hash = parts.pop().expect("n > 0");
        while let Some(left) = parts.pop() {
            hash = node_hash(&left, &hash);
        }
        hash
    }

    /// A tile's bytes: 32-byte hashes, or for data tiles the records each followed by a blank line.
    pub fn tile(&self, t: Tile) -> Vec<u8> {
        let start = t.n as usize * TILE_WIDTH;
        if t.l < 0 {
            let mut out = Vec::new();
            for r in &self.records[start..start + t.w] {
                out.extend_from_slice(r);
                out.push(b'\n');
            }
            return out;
        }
        let level = &self.levels[t.l as usize * TILE_HEIGHT as usize];
        level[start..start + t.w].concat()
    }
}

/// Record text as tlog accepts it: UTF-8, no control characters but `\n`, no blank line, ending
/// in a newline.
pub fn valid_record(text: &[u8]) -> bool {
    let Ok(s) = std::str::from_utf8(text) else {
        return false;
    };
    s.ends_with('\n')
        && !s.contains("\n\n")
        && !s.starts_with('\n')
        && !s.chars().any(|c| c < ' ' && c != '\n')
}

/// Split a data tile back into its records (`w` of them), or `None` when it is not one.
pub fn parse_data_tile(data: &[u8], w: usize) -> Option<Vec<Vec<u8>>> {
    let mut records = Vec::with_capacity(w);
    let mut rest = data;
    while !rest.is_empty() {
        let end = rest.windows(2).position(|p| p == b"\n\n")?;
        let record = &rest[..end + 1];
        if !valid_record(record) {
            return None;
        }
        records.push(record.to_vec());
        rest = &rest[end + 2..];
    }
    (records.len() == w).then_some(records)
}

/// The text a tree head note signs (`tlog.FormatTree`).
pub fn format_tree(n: u64, hash: &Hash) -> String {
    format!("go.sum database tree\n{n}\n{}\n", B64.encode(hash))
}

/// The size and hash of a tree note's text (`tlog.ParseTree`; extra lines are ignored).
pub fn parse_tree(text: &str) -> Option<(u64, Hash)> {
    let mut lines = text.strip_prefix("go.sum database tree\n")?.split('\n');
    let n_text = lines.next()?;
    let n: u64 = n_text.parse().ok()?;
    if n.to_string() != n_text {
        return None;
    }
    let hash: Hash = B64.decode(lines.next()?).ok()?.try_into().ok()?;
    lines.next()?; // the hash line ends in a newline
    Some((n, hash))
}

/// A lookup answer without its signed note (`tlog.FormatRecord`): the id, the record, a blank line.
pub fn format_record(id: u64, text: &[u8]) -> Vec<u8> {
    let mut out = format!("{id}\n").into_bytes();
    out.extend_from_slice(text);
    out.push(b'\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6962's MTH, recursively, as the oracle.
    fn mth(leaves: &[Hash]) -> Hash {
        match leaves.len() {
            0 => Sha256::digest([]).into(),
            1 => leaves[0],
            n => {
                let k = 1 << (usize::BITS - (n - 1).leading_zeros() - 1);
                node_hash(&mth(&leaves[..k]), &mth(&leaves[k..]))
            }
        }
    }

    #[test]
    fn tree_hashes_are_rfc6962_for_every_size() {
        let mut log = Log::default();
        let mut leaves = Vec::new();
        for i in 0..300u32 {
            let r = format!("example.com/m v1.0.{i} h1:x\n").into_bytes();
            leaves.push(record_hash(&r));
            assert_eq!(log.push(r), i as u64);
            assert_eq!(log.tree_hash(log.len()), mth(&leaves), "size {}", i + 1);
        }
        assert_eq!(log.tree_hash(7), mth(&leaves[..7]));
        // A full level-0 tile: the 256 record hashes; the level-1 partial tile of 300 records is
        // the hash of the first 256.
        assert_eq!(
            log.tile(Tile { l: 0, n: 0, w: 256 }),
            leaves[..256].concat()
        );
        assert_eq!(
            log.tile(Tile { l: 1, n: 0, w: 1 }),
            mth(&leaves[..256]).to_vec()
        );
    }

    #[test]
    fn tiles_are_named_and_listed_as_tlog_does() {
        assert_eq!(
            Tile {
                l: 0,
                n: 1_234_067,
                w: 256
            }
            .path(),
            "tile/8/0/x001/x234/067"
        );
        assert_eq!(Tile { l: -1, n: 0, w: 3 }.path(), "tile/8/data/000.p/3");
        assert_eq!(new_tiles(0, 3), vec![Tile { l: 0, n: 0, w: 3 }]);
        assert_eq!(new_tiles(3, 3), vec![]);
        assert_eq!(
            new_tiles(250, 257),
            vec![
                Tile { l: 0, n: 0, w: 256 },
                Tile { l: 0, n: 1, w: 1 },
                Tile { l: 1, n: 0, w: 1 }
            ]
        );
        assert_eq!(data_tiles(257).len(), 2);
    }

    #[test]
    fn data_tiles_and_notes_round_trip() {
        let mut log = Log::default();
        log.push(b"a v1 h1:x\na v1/go.mod h1:y\n".to_vec());
        log.push(b"b v1 h1:x\nb v1/go.mod h1:y\n".to_vec());
        let t = Tile { l: -1, n: 0, w: 2 };
        let parsed = parse_data_tile(&log.tile(t), 2).unwrap();
        assert_eq!(parsed[1], log.record(1).unwrap());
        assert!(parse_data_tile(&log.tile(t), 3).is_none());
        let h = log.tree_hash(2);
        assert_eq!(parse_tree(&format_tree(2, &h)), Some((2, h)));
        assert_eq!(parse_tree("go.sum database tree\n02\nAA==\n"), None);
        assert!(!valid_record(b"a\n\nb\n") && !valid_record(b"a") && valid_record(b"a\nb\n"));
        assert_eq!(format_record(5, b"a\n"), b"5\na\n\n");
    }
}
