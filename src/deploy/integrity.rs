//! Host-side integrity: the SHA-256 of every file a release unpacks to on a host, computed here
//! from the verified artifact (never taken from the host) and kept in the release's
//! `release.json`. A release whose unpacked files were changed on a host (a binary replaced) is
//! found before tug switches to it and by `tug status --verify`, not only a changed archive.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;

use sha2::{Digest, Sha256};

/// Every regular file of the release directory as unpacked on a host, by path relative to it:
/// the artifact itself and, for an archive, each file in it.
pub fn release_files(artifact: &Path, name: &str) -> std::io::Result<BTreeMap<String, String>> {
    let mut files = BTreeMap::new();
    let (sha, _) = crate::fsutil::sha256_file(artifact)?;
    files.insert(name.to_string(), sha);
    let open = || std::fs::File::open(artifact);
    if name.ends_with(".tar.gz") || name.ends_with(".tgz") {
        tar_files(flate2::read::GzDecoder::new(open()?), &mut files)?;
    } else if name.ends_with(".tar.zst") {
        tar_files(zstd::Decoder::new(open()?)?, &mut files)?;
    } else if name.ends_with(".zip") {
        let mut zip = zip::ZipArchive::new(open()?).map_err(std::io::Error::other)?;
        for k in 0..zip.len() {
            let mut f = zip.by_index(k).map_err(std::io::Error::other)?;
            if !f.is_file() {
                continue;
            }
            let Some(path) = f.enclosed_name() else {
                continue;
            };
            let path = path.to_string_lossy().into_owned();
            files.insert(path, digest(&mut f)?);
        }
    }
    Ok(files)
}

fn tar_files(reader: impl Read, files: &mut BTreeMap<String, String>) -> std::io::Result<()> {
    let mut archive = tar::Archive::new(reader);
    for entry in archive.entries()? {
        let mut entry = entry?;
        if !entry.header().entry_type().is_file() {
            continue;
        }
        let path = entry.path()?.to_string_lossy().into_owned();
        let path = path.trim_start_matches("./").to_string();
        if path.is_empty() || path.split('/').any(|c| c == "..") {
            continue;
        }
        files.insert(path, digest(&mut entry)?);
    }
    Ok(())
}

fn digest(r: &mut impl Read) -> std::io::Result<String> {
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = r.read(&mut buf)?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Ok(crate::fsutil::hex(&h.finalize()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tar_gz_lists_its_files_and_itself() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("d")).unwrap();
        std::fs::write(dir.path().join("d/svc"), b"binary").unwrap();
        std::fs::write(dir.path().join("README"), b"read me").unwrap();
        let tgz = dir.path().join("svc.tar.gz");
        let ok = std::process::Command::new("tar")
            .arg("-czf")
            .arg(&tgz)
            .arg("-C")
            .arg(dir.path())
            .args(["./d", "README"])
            .status()
            .unwrap();
        assert!(ok.success());
        let files = release_files(&tgz, "svc.tar.gz").unwrap();
        assert_eq!(
            files.keys().collect::<Vec<_>>(),
            ["README", "d/svc", "svc.tar.gz"]
        );
        assert_eq!(
            files["d/svc"],
            crate::fsutil::sha256_file(&dir.path().join("d/svc"))
                .unwrap()
                .0
        );
    }
}
