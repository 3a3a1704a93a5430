//! `tug merge`: combine the dists of a sharded build into one release.
//!
//! Shards must describe the same release (project, version, tag, commit); an artifact present in
//! several shards must have the same digest everywhere (release notes do); anything else is a
//! conflict. Files are copied and re-hashed on the way, so a corrupted shard is caught, and the
//! checksums file is regenerated for the union.

use std::collections::{BTreeMap, BTreeSet};
use std::io;
use std::path::{Path, PathBuf};

use crate::config::build::ChecksumAlgorithm;
use crate::manifest::{Artifact, ArtifactKind, Manifest};

use super::digest::{Digests, Hashing};
use super::BuildError;

fn conflict(message: String) -> BuildError {
    BuildError::Config {
        message,
        hint: Some("merge only shards of one build of one commit (same tug.yaml, same tag)".into()),
    }
}

/// Merge the shard dists `inputs` into `out` (which must not exist or be empty).
pub fn merge(inputs: &[PathBuf], out: &Path) -> Result<Manifest, BuildError> {
    if inputs.is_empty() {
        return Err(BuildError::Config {
            message: "nothing to merge".into(),
            hint: Some("tug merge DIST... -o DIST".into()),
        });
    }
    let manifests: Vec<Manifest> = inputs
        .iter()
        .map(|d| Manifest::read(d))
        .collect::<Result<_, _>>()?;
    let first = &manifests[0];
    for (m, dir) in manifests.iter().zip(inputs).skip(1) {
        let same = |what: &str,
                    a: &dyn std::fmt::Debug,
                    b: &dyn std::fmt::Debug|
         -> Result<(), BuildError> {
            let (a, b) = (format!("{a:?}"), format!("{b:?}"));
            if a == b {
                Ok(())
            } else {
                Err(conflict(format!(
                    "{} has {what} {b} but {} has {a}",
                    dir.display(),
                    inputs[0].display()
                )))
            }
        };
        same("project", &first.project, &m.project)?;
        same("version", &first.version, &m.version)?;
        same("tag", &first.tag, &m.tag)?;
        same("commit", &first.commit, &m.commit)?;
        same("snapshot", &first.snapshot, &m.snapshot)?;
    }

    // The checksums file: same name and algorithm in every shard.
    let mut checksums: Option<(String, ChecksumAlgorithm)> = None;
    for (m, dir) in manifests.iter().zip(inputs) {
        for a in m.by_kind(ArtifactKind::Checksums) {
            let algo = match a.extra.get("algorithm").map(String::as_str) {
                Some("sha512") => ChecksumAlgorithm::Sha512,
                _ => ChecksumAlgorithm::Sha256,
            };
            match &checksums {
                None => checksums = Some((a.name.clone(), algo)),
                Some((n, al)) if *n == a.name && *al == algo => {}
                Some((n, _)) => {
                    return Err(conflict(format!(
                        "{} has checksums file {} but another shard has {n}",
                        dir.display(),
                        a.name
                    )))
                }
            }
        }
    }
    let algo = checksums.as_ref().map(|c| c.1).unwrap_or_default();

    let parent = out
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent)
        .map_err(|e| BuildError::io(format!("creating {}", parent.display()), e))?;
    let staging = tempfile::Builder::new()
        .prefix(".tug-merge-")
        .tempdir_in(parent)
        .map_err(|e| {
            BuildError::io(
                format!("creating a staging directory in {}", parent.display()),
                e,
            )
        })?;
    let stage = staging.path();

    let mut artifacts: BTreeMap<String, (Artifact, PathBuf)> = BTreeMap::new();
    let mut digests: BTreeMap<String, Digests> = BTreeMap::new();
    let mut targets = BTreeSet::new();
    let mut checksum_mtime = None;
    for (m, dir) in manifests.iter().zip(inputs) {
        targets.extend(m.targets.iter().cloned());
        for a in &m.artifacts {
            if a.kind == ArtifactKind::Checksums {
                checksum_mtime = checksum_mtime.or_else(|| {
                    std::fs::metadata(dir.join(&a.path))
                        .and_then(|x| x.modified())
                        .ok()
                });
                continue;
            }
            if let Some((prev, from)) = artifacts.get(&a.name) {
                if prev.sha256 != a.sha256 {
                    return Err(conflict(format!(
                        "artifact {} differs: sha256 {} in {} but {} in {}",
                        a.name,
                        prev.sha256,
                        from.display(),
                        a.sha256,
                        dir.display()
                    )));
                }
                continue;
            }
            let d = copy_verified(&dir.join(&a.path), &stage.join(&a.path), algo)?;
            if d.sha256 != a.sha256 || d.size != a.size {
                return Err(BuildError::Config {
                    message: format!(
                        "{} in {} does not match its manifest entry (sha256 {})",
                        a.path,
                        dir.display(),
                        a.sha256
                    ),
                    hint: Some("the shard was modified after it was built: build it again".into()),
                });
            }
            digests.insert(a.name.clone(), d);
            artifacts.insert(a.name.clone(), (a.clone(), dir.clone()));
        }
    }
    let mut list: Vec<Artifact> = artifacts.into_values().map(|(a, _)| a).collect();
    if let Some((name, algo)) = &checksums {
        let rows: Vec<(String, String)> = list
            .iter()
            // What a build's checksums file lists: the archives and the SBOMs.
            .filter(|a| matches!(a.kind, ArtifactKind::Archive | ArtifactKind::Sbom))
            .map(|a| {
                (
                    a.name.clone(),
                    digests[&a.name].for_algorithm(*algo).to_string(),
                )
            })
            .collect();
        let text =
            crate::manifest::render_checksums(rows.iter().map(|(n, h)| (n.as_str(), h.as_str())));
        let mut art = super::package::write_small(
            stage,
            name,
            text.as_bytes(),
            ArtifactKind::Checksums,
            [("algorithm".to_string(), algo.name().to_string())].into(),
        )?;
        art.path = name.clone();
        if let Some(t) = checksum_mtime {
            let _ = std::fs::File::options()
                .write(true)
                .open(stage.join(name))
                .and_then(|f| f.set_modified(t));
        }
        list.push(art);
    }
    let mut manifest = Manifest {
        schema_version: first.schema_version,
        project: first.project.clone(),
        version: first.version.clone(),
        tag: first.tag.clone(),
        previous_tag: first.previous_tag.clone(),
        commit: first.commit.clone(),
        commit_time: first.commit_time.clone(),
        snapshot: first.snapshot,
        targets: targets.into_iter().collect(),
        shard: None,
        artifacts: list,
        build_facts: first.build_facts.clone(),
    };
    manifest.write(stage)?;
    super::stage::shareable(&Manifest::path(stage))?;
    if let Some(t) = checksum_mtime {
        let _ = std::fs::File::options()
            .write(true)
            .open(Manifest::path(stage))
            .and_then(|f| f.set_modified(t));
    }
    super::stage::finalize(staging, out)?;
    Ok(manifest)
}

/// Copy a file, hashing it on the way, keeping its mtime.
fn copy_verified(from: &Path, to: &Path, algo: ChecksumAlgorithm) -> Result<Digests, BuildError> {
    let io_err = |e| BuildError::io(format!("copying {}", from.display()), e);
    if let Some(p) = to.parent() {
        std::fs::create_dir_all(p).map_err(io_err)?;
    }
    let src = std::fs::File::open(from).map_err(io_err)?;
    let meta = src.metadata().map_err(io_err)?;
    let mut r = Hashing::new(src, algo);
    let mut dst = std::fs::File::create(to).map_err(io_err)?;
    io::copy(&mut r, &mut dst).map_err(io_err)?;
    dst.set_permissions(meta.permissions()).map_err(io_err)?;
    dst.set_modified(meta.modified().map_err(io_err)?)
        .map_err(io_err)?;
    Ok(r.finish().1)
}
