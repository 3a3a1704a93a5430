//! Reproducible archives: tar.gz, tar.zst, zip, or the bare binary.
//!
//! Two builds of the same commit must give identical bytes, so every entry gets the same mtime
//! (the commit time or SOURCE_DATE_EPOCH), uid/gid 0 with empty owner names, a mode fixed by its
//! kind (0755 executables and directories, 0644 other files), entries are sorted by path, and the
//! gzip header carries neither a timestamp nor a file name. Entry paths are checked: nothing may
//! escape the archive root. The archive is hashed as it is written and every source file is hashed
//! as it is read into it, so no file is read twice.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{self, BufWriter, Cursor, Read, Write};
use std::path::{Component, Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::config::build::{ArchiveFormat, ChecksumAlgorithm};

use super::digest::{Digests, Hashing};

/// One entry of an archive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// Path inside the archive, `/`-separated, relative.
    pub path: String,
    /// The file to copy in; `None` for a directory entry.
    pub source: Option<PathBuf>,
    /// Unix permission bits.
    pub mode: u32,
}

/// What to write.
#[derive(Debug, Clone)]
pub struct ArchiveSpec {
    pub output: PathBuf,
    pub format: ArchiveFormat,
    pub entries: Vec<Entry>,
    /// Unix seconds for every entry and for the file itself.
    pub mtime: i64,
}

#[derive(Debug, thiserror::Error)]
pub enum ArchiveError {
    #[error("entry {0:?} would escape the archive root")]
    Escapes(String),
    #[error("entry {0:?} appears twice")]
    Duplicate(String),
    #[error("format `binary` needs exactly one file, got {0}")]
    BinaryNeedsOneFile(usize),
    #[error("{path}")]
    Io { path: PathBuf, source: io::Error },
}

/// The written archive's digests plus those of every source file read into it.
#[derive(Debug, Clone)]
pub struct Written {
    pub digests: Digests,
    pub sources: BTreeMap<PathBuf, Digests>,
}

/// Check that `path` is a plain relative path that stays inside the archive.
pub fn check_entry_path(path: &str) -> Result<(), ArchiveError> {
    let p = Path::new(path);
    let ok = !path.is_empty()
        && !path.contains('\\')
        && p.components().all(|c| matches!(c, Component::Normal(_)));
    if ok {
        Ok(())
    } else {
        Err(ArchiveError::Escapes(path.to_string()))
    }
}

/// Write the archive described by `spec`.
pub fn write(spec: &ArchiveSpec, algo: ChecksumAlgorithm) -> Result<Written, ArchiveError> {
    let mut entries = spec.entries.clone();
    entries.sort_by(|a, b| a.path.cmp(&b.path));
    for w in entries.windows(2) {
        if w[0].path == w[1].path {
            return Err(ArchiveError::Duplicate(w[0].path.clone()));
        }
    }
    for e in &entries {
        check_entry_path(&e.path)?;
    }
    let io_err = |source| ArchiveError::Io {
        path: spec.output.clone(),
        source,
    };
    let file = File::create(&spec.output).map_err(io_err)?;
    let out = Hashing::new(BufWriter::with_capacity(1 << 20, file), algo);
    let mut sources = BTreeMap::new();
    let mut copied_binary: Option<PathBuf> = None;
    let out = match spec.format {
        ArchiveFormat::TarGz => {
            let gz = flate2::GzBuilder::new()
                .mtime(0)
                .write(out, flate2::Compression::default());
            let gz = write_tar(gz, &entries, spec.mtime, algo, &mut sources)?;
            gz.finish().map_err(io_err)?
        }
        ArchiveFormat::TarZst => {
            let zst = zstd::stream::write::Encoder::new(out, 3).map_err(io_err)?;
            let zst = write_tar(zst, &entries, spec.mtime, algo, &mut sources)?;
            zst.finish().map_err(io_err)?
        }
        ArchiveFormat::Zip => {
            let bytes = write_zip(&entries, spec.mtime, algo, &mut sources)?;
            let mut out = out;
            out.write_all(&bytes).map_err(io_err)?;
            out
        }
        ArchiveFormat::Binary => {
            let files: Vec<&Entry> = entries.iter().filter(|e| e.source.is_some()).collect();
            let [only] = files[..] else {
                return Err(ArchiveError::BinaryNeedsOneFile(files.len()));
            };
            let src = only.source.as_ref().expect("filtered");
            let mut out = out;
            // The archive is the binary byte for byte: hash once, on the way out, and record the
            // same digests for the source below (hashing the read side too doubled the work).
            copy_large(&mut open(src)?, &mut out).map_err(|source| ArchiveError::Io {
                path: src.clone(),
                source,
            })?;
            copied_binary = Some(src.clone());
            out
        }
    };
    let (buf, digests) = out.finish();
    if let Some(src) = copied_binary {
        sources.insert(src, digests.clone());
    }
    let file = buf.into_inner().map_err(|e| io_err(e.into_error()))?;
    if spec.format == ArchiveFormat::Binary {
        set_mode(&file, 0o755).map_err(io_err)?;
    }
    file.set_modified(system_time(spec.mtime)).map_err(io_err)?;
    Ok(Written { digests, sources })
}

/// `io::copy` with a 256 KiB buffer: a few dozen read/write calls per binary instead of hundreds.
fn copy_large(from: &mut impl Read, to: &mut impl Write) -> io::Result<u64> {
    let mut buf = vec![0u8; 256 << 10];
    let mut total = 0u64;
    loop {
        let n = match from.read(&mut buf) {
            Ok(0) => return Ok(total),
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        to.write_all(&buf[..n])?;
        total += n as u64;
    }
}

fn open(path: &Path) -> Result<File, ArchiveError> {
    File::open(path).map_err(|source| ArchiveError::Io {
        path: path.to_path_buf(),
        source,
    })
}

fn write_tar<W: Write>(
    out: W,
    entries: &[Entry],
    mtime: i64,
    algo: ChecksumAlgorithm,
    sources: &mut BTreeMap<PathBuf, Digests>,
) -> Result<W, ArchiveError> {
    let mut tar = tar::Builder::new(out);
    let tar_err = |path: &str, source| ArchiveError::Io {
        path: PathBuf::from(path),
        source,
    };
    for e in entries {
        let mut h = tar::Header::new_gnu();
        h.set_mode(e.mode);
        h.set_uid(0);
        h.set_gid(0);
        h.set_mtime(mtime.max(0) as u64);
        match &e.source {
            None => {
                h.set_entry_type(tar::EntryType::Directory);
                h.set_size(0);
                tar.append_data(&mut h, format!("{}/", e.path), io::empty())
                    .map_err(|s| tar_err(&e.path, s))?;
            }
            Some(src) => {
                let f = open(src)?;
                let len = f.metadata().map_err(|s| tar_err(&e.path, s))?.len();
                h.set_entry_type(tar::EntryType::Regular);
                h.set_size(len);
                let mut r = Hashing::new(f, algo);
                tar.append_data(&mut h, &e.path, (&mut r).take(len))
                    .map_err(|s| tar_err(&e.path, s))?;
                sources.insert(src.clone(), r.finish().1);
            }
        }
    }
    tar.into_inner().map_err(|s| tar_err("<tar>", s))
}

fn write_zip(
    entries: &[Entry],
    mtime: i64,
    algo: ChecksumAlgorithm,
    sources: &mut BTreeMap<PathBuf, Digests>,
) -> Result<Vec<u8>, ArchiveError> {
    use zip::write::SimpleFileOptions;
    let zip_err = |path: &str, e: zip::result::ZipError| ArchiveError::Io {
        path: PathBuf::from(path),
        source: io::Error::other(e),
    };
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for e in entries {
        let opts = SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .system(zip::System::Unix)
            .last_modified_time(zip_time(mtime))
            .unix_permissions(e.mode);
        match &e.source {
            None => zip
                .add_directory(format!("{}/", e.path), opts)
                .map_err(|z| zip_err(&e.path, z))?,
            Some(src) => {
                let f = open(src)?;
                let len = f
                    .metadata()
                    .map_err(|s| ArchiveError::Io {
                        path: src.clone(),
                        source: s,
                    })?
                    .len();
                let opts = opts.large_file(len >= u32::MAX as u64);
                zip.start_file(e.path.as_str(), opts)
                    .map_err(|z| zip_err(&e.path, z))?;
                let mut r = Hashing::new(f, algo);
                io::copy(&mut r, &mut zip).map_err(|source| ArchiveError::Io {
                    path: src.clone(),
                    source,
                })?;
                sources.insert(src.clone(), r.finish().1);
            }
        }
    }
    Ok(zip.finish().map_err(|z| zip_err("<zip>", z))?.into_inner())
}

fn zip_time(mtime: i64) -> zip::DateTime {
    use chrono::{Datelike, Timelike};
    let t = chrono::DateTime::from_timestamp(mtime, 0).unwrap_or_default();
    if t.year() < 1980 {
        return zip::DateTime::default();
    }
    zip::DateTime::from_date_and_time(
        t.year().min(2107) as u16,
        t.month() as u8,
        t.day() as u8,
        t.hour() as u8,
        t.minute() as u8,
        t.second() as u8,
    )
    .unwrap_or_default()
}

pub fn system_time(secs: i64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(secs.max(0) as u64)
}

/// Set a file's permission bits (no-op off unix).
pub fn set_mode(file: &File, mode: u32) -> io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        file.set_permissions(std::fs::Permissions::from_mode(mode))?;
    }
    #[cfg(not(unix))]
    let _ = (file, mode);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(dir: &Path, format: ArchiveFormat, name: &str) -> ArchiveSpec {
        std::fs::write(dir.join("bin"), b"\x7fELF binary").unwrap();
        std::fs::write(dir.join("README.md"), b"readme").unwrap();
        ArchiveSpec {
            output: dir.join(name),
            format,
            entries: vec![
                Entry {
                    path: "pkg/hello".into(),
                    source: Some(dir.join("bin")),
                    mode: 0o755,
                },
                Entry {
                    path: "pkg".into(),
                    source: None,
                    mode: 0o755,
                },
                Entry {
                    path: "pkg/README.md".into(),
                    source: Some(dir.join("README.md")),
                    mode: 0o644,
                },
            ],
            mtime: 1_767_323_045,
        }
    }

    #[test]
    fn archives_are_byte_identical_and_sorted() {
        for format in [
            ArchiveFormat::TarGz,
            ArchiveFormat::TarZst,
            ArchiveFormat::Zip,
        ] {
            let a = tempfile::tempdir().unwrap();
            let b = tempfile::tempdir().unwrap();
            let wa = write(&spec(a.path(), format, "x"), ChecksumAlgorithm::Sha256).unwrap();
            std::thread::sleep(Duration::from_millis(1100));
            let wb = write(&spec(b.path(), format, "x"), ChecksumAlgorithm::Sha256).unwrap();
            assert_eq!(wa.digests, wb.digests, "{format:?}");
            let bytes = std::fs::read(a.path().join("x")).unwrap();
            assert_eq!(
                crate::fsutil::sha256_file(&a.path().join("x")).unwrap().0,
                wa.digests.sha256
            );
            assert_eq!(wa.sources[&a.path().join("bin")].size, 11);
            if format == ArchiveFormat::TarGz {
                assert_eq!(&bytes[4..8], &[0, 0, 0, 0], "gzip mtime must be zero");
                assert_eq!(bytes[3] & 0x08, 0, "no file name in the gzip header");
                let mut ar = tar::Archive::new(flate2::read::GzDecoder::new(&bytes[..]));
                let names: Vec<(String, u32, u64, u64)> = ar
                    .entries()
                    .unwrap()
                    .map(|e| {
                        let e = e.unwrap();
                        let h = e.header();
                        (
                            e.path().unwrap().display().to_string(),
                            h.mode().unwrap(),
                            h.uid().unwrap(),
                            h.mtime().unwrap(),
                        )
                    })
                    .collect();
                assert_eq!(
                    names,
                    [
                        ("pkg/".to_string(), 0o755, 0, 1_767_323_045),
                        ("pkg/README.md".to_string(), 0o644, 0, 1_767_323_045),
                        ("pkg/hello".to_string(), 0o755, 0, 1_767_323_045)
                    ]
                );
            }
        }
    }

    #[test]
    fn refuses_escaping_and_duplicate_entries() {
        for bad in ["../x", "/etc/passwd", "a/../../b", "", "a\\b"] {
            assert!(
                matches!(check_entry_path(bad), Err(ArchiveError::Escapes(_))),
                "{bad}"
            );
        }
        let d = tempfile::tempdir().unwrap();
        let mut s = spec(d.path(), ArchiveFormat::TarGz, "x");
        s.entries[2].path = "pkg/hello".into();
        assert!(matches!(
            write(&s, ChecksumAlgorithm::Sha256),
            Err(ArchiveError::Duplicate(_))
        ));
    }

    #[test]
    fn binary_format_copies_and_hashes() {
        let d = tempfile::tempdir().unwrap();
        let mut s = spec(d.path(), ArchiveFormat::Binary, "out");
        s.entries.retain(|e| e.path == "pkg/hello");
        let w = write(&s, ChecksumAlgorithm::Sha512).unwrap();
        assert_eq!(
            std::fs::read(d.path().join("out")).unwrap(),
            b"\x7fELF binary"
        );
        assert_eq!(w.sources[&d.path().join("bin")], w.digests);
        assert!(w.digests.sha512.is_some());
        // Hashed once while writing, and still the digest of the source read independently.
        let independent =
            super::super::digest::digest_file(&d.path().join("bin"), ChecksumAlgorithm::Sha512)
                .unwrap();
        assert_eq!(w.digests, independent);
    }
}
