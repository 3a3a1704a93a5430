//! File-system helpers every engine needs: atomic writes (temp file + rename, so a reader never
//! sees half a file and a crash never leaves one) and SHA-256 hashing while writing or reading.

use std::fs;
use std::io::{self, Read, Write};
use std::path::Path;

use sha2::{Digest, Sha256};

/// Write `bytes` to `path` atomically: a temp file in the same directory, fsync, then rename(2).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    fs::create_dir_all(dir)?;
    let mut tmp = tempfile::Builder::new()
        .prefix(&format!(
            ".{}.",
            path.file_name().and_then(|n| n.to_str()).unwrap_or("tmp")
        ))
        .suffix(".tmp")
        .tempfile_in(dir)?;
    tmp.write_all(bytes)?;
    // tempfile creates 0600; what tug writes atomically (manifests, checksums, signatures,
    // indexes) is meant to be read by others, like any file `cp` or a compiler writes.
    use std::os::unix::fs::PermissionsExt;
    tmp.as_file()
        .set_permissions(fs::Permissions::from_mode(0o644))?;
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

/// Write several files atomically with as few waits for the disk as the crash rules allow: every
/// temp file is written first, all of them are fsynced together (concurrent fsyncs share one
/// journal commit on ext4/xfs), then renamed in the given order, then each parent directory is
/// fsynced once so the renames are durable. A crash leaves each file either old or whole.
pub fn write_all_atomic(files: &[(&Path, &[u8])]) -> io::Result<()> {
    write_groups_atomic(&[files])
}

/// [`write_all_atomic`] for files that must become visible group by group: every temp file of
/// every group is written and fsynced together first; then each group's files are renamed (in
/// order) and its directories fsynced before the next group's first rename. So after a crash a
/// file of a later group (a list) is never there without every file of the earlier groups (what
/// it lists), on any file system, at the cost of one directory fsync per group.
pub fn write_groups_atomic(groups: &[&[(&Path, &[u8])]]) -> io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let parent = |path: &Path| -> std::path::PathBuf {
        path.parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."))
            .to_path_buf()
    };
    let mut temps = Vec::new();
    for group in groups {
        let mut these = Vec::with_capacity(group.len());
        for (path, bytes) in group.iter() {
            let dir = parent(path);
            fs::create_dir_all(&dir)?;
            let mut tmp = tempfile::Builder::new()
                .prefix(&format!(
                    ".{}.",
                    path.file_name().and_then(|n| n.to_str()).unwrap_or("tmp")
                ))
                .suffix(".tmp")
                .tempfile_in(&dir)?;
            tmp.write_all(bytes)?;
            tmp.as_file()
                .set_permissions(fs::Permissions::from_mode(0o644))?;
            these.push(tmp);
        }
        temps.push(these);
    }
    sync_all_concurrently(temps.iter().flatten().map(|t| t.as_file()))?;
    for (these, group) in temps.into_iter().zip(groups) {
        let mut dirs = std::collections::BTreeSet::new();
        for (tmp, (path, _)) in these.into_iter().zip(group.iter()) {
            tmp.persist(path).map_err(|e| e.error)?;
            dirs.insert(parent(path));
        }
        let dirs: Vec<fs::File> = dirs.iter().map(fs::File::open).collect::<io::Result<_>>()?;
        sync_all_concurrently(dirs.iter())?;
    }
    Ok(())
}

/// fsync every file, concurrently when there are several: the first on this thread, each other
/// on a thread of its own.
fn sync_all_concurrently<'a>(files: impl Iterator<Item = &'a fs::File>) -> io::Result<()> {
    let files: Vec<&fs::File> = files.collect();
    let Some((first, others)) = files.split_first() else {
        return Ok(());
    };
    std::thread::scope(|s| {
        let handles: Vec<_> = others.iter().map(|f| s.spawn(|| f.sync_all())).collect();
        let here = first.sync_all();
        handles.into_iter().fold(here, |result, h| {
            let joined = h
                .join()
                .unwrap_or_else(|_| Err(io::Error::other("fsync thread panicked")));
            result.and(joined)
        })
    })
}

/// Lower-case hex of a byte slice.
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(DIGITS[(b >> 4) as usize] as char);
        s.push(DIGITS[(b & 0xf) as usize] as char);
    }
    s
}

/// SHA-256 (raw bytes) and size of a file, read once in large chunks.
pub fn sha256_file_bytes(path: &Path) -> io::Result<([u8; 32], u64)> {
    let mut file = fs::File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    let mut size = 0u64;
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        size += n as u64;
    }
    Ok((hasher.finalize().into(), size))
}

/// SHA-256 (lower-case hex) and size of a file, read once in large chunks.
pub fn sha256_file(path: &Path) -> io::Result<(String, u64)> {
    let (digest, size) = sha256_file_bytes(path)?;
    Ok((hex(&digest), size))
}

/// A writer that hashes (SHA-256) and counts everything written through it, so an artifact's
/// digest is known the moment it is written, without reading the file back.
pub struct HashingWriter<W> {
    inner: W,
    hasher: Sha256,
    size: u64,
}

impl<W: Write> HashingWriter<W> {
    pub fn new(inner: W) -> Self {
        HashingWriter {
            inner,
            hasher: Sha256::new(),
            size: 0,
        }
    }

    /// The inner writer, the hex SHA-256 and the byte count.
    pub fn finish(self) -> (W, String, u64) {
        (self.inner, hex(&self.hasher.finalize()), self.size)
    }
}

impl<W: Write> Write for HashingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        self.size += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashing_writer_matches_sha256_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.bin");
        let mut w = HashingWriter::new(fs::File::create(&path).unwrap());
        w.write_all(b"hello world\n").unwrap();
        let (_, digest, size) = w.finish();
        assert_eq!(size, 12);
        assert_eq!(
            digest,
            "a948904f2f0f479b8f8197694b30184b0d2ed1c1cd2a1ec0fb85d299a192a447"
        );
        assert_eq!(sha256_file(&path).unwrap(), (digest, 12));
    }

    #[test]
    fn write_atomic_replaces_whole_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/m.json");
        write_atomic(&path, b"one").unwrap();
        write_atomic(&path, b"two").unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"two");
        assert_eq!(fs::read_dir(dir.path().join("sub")).unwrap().count(), 1);
    }

    #[test]
    fn write_all_atomic_writes_every_file_whole_and_leaves_no_temp_files() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("m/@v/v1.zip");
        let b = dir.path().join("m/@v/v1.info");
        let c = dir.path().join("m/@latest");
        fs::create_dir_all(a.parent().unwrap()).unwrap();
        fs::write(&b, b"old").unwrap();
        write_all_atomic(&[(&a, b"zip"), (&b, b"info"), (&c, b"latest")]).unwrap();
        assert_eq!(fs::read(&a).unwrap(), b"zip");
        assert_eq!(fs::read(&b).unwrap(), b"info");
        assert_eq!(fs::read(&c).unwrap(), b"latest");
        assert_eq!(fs::read_dir(a.parent().unwrap()).unwrap().count(), 2);
        assert_eq!(
            fs::metadata(&a).unwrap().permissions().mode() & 0o777,
            0o644
        );
        // A file that cannot be written (its directory is a file) fails the whole batch before
        // anything is renamed.
        let blocked = dir.path().join("m/@latest/x");
        let err = write_all_atomic(&[(&a, b"new"), (&blocked, b"x")]);
        assert!(err.is_err());
        assert_eq!(fs::read(&a).unwrap(), b"zip");
        assert_eq!(fs::read_dir(a.parent().unwrap()).unwrap().count(), 2);
        // Groups: the list after the files it lists, all written.
        let list = dir.path().join("m/@v/list");
        write_groups_atomic(&[&[(&a, b"zip2"), (&b, b"info2")], &[(&list, b"v1\n")]]).unwrap();
        assert_eq!(fs::read(&list).unwrap(), b"v1\n");
        assert_eq!(fs::read(&b).unwrap(), b"info2");
    }
}
