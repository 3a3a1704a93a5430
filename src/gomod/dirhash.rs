//! The go command's `h1:` hash (`golang.org/x/mod/sumdb/dirhash.Hash1`), the value go.sum and the
//! checksum database record for a module version: the SHA-256 of the summary made of one line
//! `"<hex sha256 of the file>  <name>\n"` per file, sorted by name, base64-encoded behind `h1:`.
//!
//! For a module zip the names are the zip's entry names (`module@version/path`); for go.mod
//! (`/go.mod h1:` in go.sum) it is the one file `go.mod` with the `.mod` file's bytes.

use std::io::Read;

use base64::Engine as _;
use sha2::{Digest, Sha256};

/// Why a hash could not be computed.
#[derive(Debug, thiserror::Error)]
pub enum HashError {
    #[error("file name {0:?} contains a newline: dirhash cannot hash it")]
    Newline(String),
    #[error("cannot read the module zip")]
    Zip(#[source] zip::result::ZipError),
    #[error("cannot read {name} in the module zip")]
    Entry {
        name: String,
        #[source]
        source: std::io::Error,
    },
}

/// `Hash1` over (name, SHA-256 of contents) pairs; the pairs need not be sorted.
pub fn hash1_digests(mut files: Vec<(String, [u8; 32])>) -> Result<String, HashError> {
    files.sort_by(|a, b| a.0.cmp(&b.0));
    let mut summary = Sha256::new();
    for (name, digest) in &files {
        if name.contains('\n') {
            return Err(HashError::Newline(name.clone()));
        }
        summary.update(crate::fsutil::hex(digest).as_bytes());
        summary.update(b"  ");
        summary.update(name.as_bytes());
        summary.update(b"\n");
    }
    Ok(format!(
        "h1:{}",
        base64::engine::general_purpose::STANDARD.encode(summary.finalize())
    ))
}

/// `Hash1` over files held in memory.
pub fn hash1<'a>(
    files: impl IntoIterator<Item = (&'a str, &'a [u8])>,
) -> Result<String, HashError> {
    hash1_digests(
        files
            .into_iter()
            .map(|(n, b)| (n.to_string(), Sha256::digest(b).into()))
            .collect(),
    )
}

/// The `/go.mod h1:` hash of a `.mod` file.
pub fn hash_go_mod(go_mod: &[u8]) -> String {
    hash1([("go.mod", go_mod)]).expect("\"go.mod\" has no newline")
}

/// `dirhash.HashZip`: the hash of every file in a zip, by entry name (what `go mod download`
/// reports as `Sum` and what `tug verify` recomputes).
pub fn hash_zip(bytes: &[u8]) -> Result<String, HashError> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).map_err(HashError::Zip)?;
    let mut files = Vec::with_capacity(archive.len());
    for i in 0..archive.len() {
        let mut entry = archive.by_index(i).map_err(HashError::Zip)?;
        let name = entry.name().map_err(HashError::Zip)?.to_string();
        let mut hasher = Sha256::new();
        let mut buf = [0u8; 64 * 1024];
        loop {
            let n = entry.read(&mut buf).map_err(|source| HashError::Entry {
                name: name.clone(),
                source,
            })?;
            if n == 0 {
                break;
            }
            hasher.update(&buf[..n]);
        }
        files.push((name, hasher.finalize().into()));
    }
    hash1_digests(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_mod_hash_matches_the_go_command() {
        // From the definition: the sha256 of the one summary line "<hex>  go.mod\n". The
        // go command's own values are compared in tests/it/goproxy.rs.
        let gomod = b"module example.com/lib\n";
        let line = format!("{}  go.mod\n", crate::fsutil::hex(&Sha256::digest(gomod)));
        let want = format!(
            "h1:{}",
            base64::engine::general_purpose::STANDARD.encode(Sha256::digest(line.as_bytes()))
        );
        assert_eq!(hash_go_mod(gomod), want);
    }

    #[test]
    fn order_does_not_matter_and_newlines_are_refused() {
        let a = hash1([("b", &b"2"[..]), ("a", &b"1"[..])]).unwrap();
        let b = hash1([("a", &b"1"[..]), ("b", &b"2"[..])]).unwrap();
        assert_eq!(a, b);
        assert!(hash1([("a\nb", &b""[..])]).is_err());
    }
}
