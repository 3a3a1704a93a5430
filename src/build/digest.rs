//! Digests computed while bytes stream through (writing an archive, reading a binary into one),
//! so no artifact is read back just to hash it. SHA-256 always (the manifest needs it), SHA-512
//! too when the checksums file asks for it.

use std::io::{self, Read, Write};

use sha2::{Digest as _, Sha256, Sha512};

use crate::config::build::ChecksumAlgorithm;
use crate::fsutil::hex;

/// Digests of one file.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Digests {
    pub sha256: String,
    pub sha512: Option<String>,
    pub size: u64,
}

impl Digests {
    /// The digest the checksums file uses.
    pub fn for_algorithm(&self, algo: ChecksumAlgorithm) -> &str {
        match algo {
            ChecksumAlgorithm::Sha256 => &self.sha256,
            ChecksumAlgorithm::Sha512 => self.sha512.as_deref().unwrap_or(&self.sha256),
        }
    }
}

/// Hashes everything that passes through it, as a writer or as a reader.
pub struct Hashing<T> {
    inner: T,
    sha256: Sha256,
    sha512: Option<Sha512>,
    size: u64,
}

impl<T> Hashing<T> {
    pub fn new(inner: T, algo: ChecksumAlgorithm) -> Self {
        Hashing {
            inner,
            sha256: Sha256::new(),
            sha512: (algo == ChecksumAlgorithm::Sha512).then(Sha512::new),
            size: 0,
        }
    }

    fn update(&mut self, bytes: &[u8]) {
        self.sha256.update(bytes);
        if let Some(h) = &mut self.sha512 {
            h.update(bytes);
        }
        self.size += bytes.len() as u64;
    }

    pub fn finish(self) -> (T, Digests) {
        let d = Digests {
            sha256: hex(&self.sha256.finalize()),
            sha512: self.sha512.map(|h| hex(&h.finalize())),
            size: self.size,
        };
        (self.inner, d)
    }
}

impl<W: Write> Write for Hashing<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.update(&buf[..n]);
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

impl<R: Read> Read for Hashing<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.update(&buf[..n]);
        Ok(n)
    }
}

/// Hash a whole file (used only when a file was not streamed anywhere).
pub fn digest_file(path: &std::path::Path, algo: ChecksumAlgorithm) -> io::Result<Digests> {
    let mut h = Hashing::new(std::fs::File::open(path)?, algo);
    io::copy(&mut h, &mut io::sink())?;
    Ok(h.finish().1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reader_and_writer_agree_with_known_digests() {
        let mut w = Hashing::new(Vec::new(), ChecksumAlgorithm::Sha512);
        w.write_all(b"abc").unwrap();
        let (bytes, d) = w.finish();
        assert_eq!(
            d.sha256,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert!(d.sha512.as_deref().unwrap().starts_with("ddaf35a193617aba"));
        let mut r = Hashing::new(&bytes[..], ChecksumAlgorithm::Sha256);
        io::copy(&mut r, &mut io::sink()).unwrap();
        let (_, d2) = r.finish();
        assert_eq!((d2.sha256, d2.sha512, d2.size), (d.sha256, None, 3));
    }
}
