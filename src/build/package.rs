//! Packaging a built release: which archives to write for which targets ([`plan_archives`], pure
//! but for listing the extra files), writing them in parallel while hashing every binary they
//! hold, hashing the binaries no archive read, and the artifacts, checksums file and release notes
//! that go into the manifest.
//!
//! Why a file of its own: the compilers are done by the time this runs; everything here reads the
//! staging directory and writes files next to the binaries, nothing else.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::config::build::{
    ArchiveConfig, ArchiveFile, ArchiveFormat, ChecksumAlgorithm, WrapInDirectory,
};
use crate::manifest::{Artifact, ArtifactKind};

use super::archive::{self, ArchiveSpec, Entry};
use super::digest::{self, Digests};
use super::plan::{check_file_name, BuildPlan, Prepared, Resolved};
use super::schedule::JobResult;
use super::target::Target;
use super::{notes, template, BuildError, BuildEvent, TargetRow, NOTES_FILE};

/// What packaging adds to the manifest, and the summary rows.
pub(crate) struct Packaged {
    /// Binaries, archives, the checksums file and the release notes.
    pub artifacts: Vec<Artifact>,
    pub rows: Vec<TargetRow>,
}

/// Write the archives, hash every binary, write the checksums file and the release notes into
/// `stage`. `extra_checksums` are rows of files written before (the module release) that the
/// checksums file lists too.
#[allow(clippy::too_many_arguments)]
pub(crate) fn package(
    plan: &BuildPlan,
    resolved: &[Resolved],
    targets: &[Target],
    prepared: &[Prepared],
    results: &[JobResult],
    extra_checksums: &[(String, String)],
    stage: &Path,
    on: &(dyn Fn(BuildEvent) + Sync),
) -> Result<Packaged, BuildError> {
    let parallelism = plan.parallelism.max(1);
    let algo = plan.checksum.algorithm;
    let archive_jobs = plan_archives(plan, resolved, targets, prepared, stage)?;
    on(BuildEvent::Packaging {
        archives: archive_jobs.len(),
    });
    // The packaging threads, started only when there is something to archive or hash: a
    // library's release (its module zip, written before) has neither.
    let pool = if archive_jobs.is_empty() && prepared.is_empty() {
        None
    } else {
        Some(
            rayon::ThreadPoolBuilder::new()
                .num_threads(parallelism.min(super::cpus()).max(1))
                .build()
                .map_err(|e| {
                    BuildError::io("starting the packaging threads", std::io::Error::other(e))
                })?,
        )
    };
    let written: Vec<(usize, archive::Written)> = match &pool {
        None => Vec::new(),
        Some(pool) => pool.install(|| {
            archive_jobs
                .par_iter()
                .enumerate()
                .map(|(i, job)| {
                    archive::write(&job.spec, algo)
                        .map(|w| (i, w))
                        .map_err(|source| BuildError::Archive {
                            name: job.file_name.clone(),
                            source,
                        })
                })
                .collect::<Result<Vec<_>, _>>()
        })?,
    };

    // Every binary was hashed while it was read into an archive; hash the rest now.
    let mut binary_digests: HashMap<PathBuf, Digests> = HashMap::new();
    for (_, w) in &written {
        for (path, d) in &w.sources {
            binary_digests
                .entry(path.clone())
                .or_insert_with(|| d.clone());
        }
    }
    let missing: Vec<&Prepared> = prepared
        .iter()
        .filter(|p| !binary_digests.contains_key(&p.out))
        .collect();
    let hashed: Vec<(PathBuf, Digests)> = match &pool {
        // No pool: no binaries, so none is missing.
        None => Vec::new(),
        Some(pool) => pool.install(|| {
            missing
                .par_iter()
                .map(|p| {
                    digest::digest_file(&p.out, algo)
                        .map(|d| (p.out.clone(), d))
                        .map_err(|e| BuildError::io(format!("hashing {}", p.out.display()), e))
                })
                .collect::<Result<Vec<_>, _>>()
        })?,
    };
    binary_digests.extend(hashed);

    let rel = |p: &Path| {
        p.strip_prefix(stage)
            .unwrap_or(p)
            .to_string_lossy()
            .replace('\\', "/")
    };
    let mut artifacts = Vec::new();
    let mut rows = Vec::new();
    for (p, r) in prepared.iter().zip(results) {
        let d = &binary_digests[&p.out];
        let path = rel(&p.out);
        artifacts.push(Artifact {
            name: path.clone(),
            path: path.clone(),
            kind: ArtifactKind::Binary,
            os: Some(p.target.os.clone()),
            arch: Some(p.target.arch.clone()),
            variant: p.target.variant.clone(),
            target: Some(p.target.name.clone()),
            sha256: d.sha256.clone(),
            size: d.size,
            signs: None,
            build: Some(p.build.clone()),
            extra: [("binary".to_string(), p.binary.clone())].into(),
        });
        let elapsed_ms = match r {
            JobResult::Built { elapsed, .. } => elapsed.as_millis(),
            _ => 0,
        };
        rows.push(TargetRow {
            build: p.build.clone(),
            target: p.target.name.clone(),
            binary: path,
            size: d.size,
            sha256: d.sha256.clone(),
            elapsed_ms,
        });
    }
    let mut checksum_rows: Vec<(String, String)> = extra_checksums.to_vec();
    for (i, w) in &written {
        let job = &archive_jobs[*i];
        checksum_rows.push((
            job.file_name.clone(),
            w.digests.for_algorithm(algo).to_string(),
        ));
        let mut extra = BTreeMap::new();
        extra.insert(
            "format".to_string(),
            format_name(job.spec.format).to_string(),
        );
        extra.insert("binaries".to_string(), job.binaries.join(","));
        extra.insert("archive".to_string(), job.archive_id.clone());
        if let Some(w) = &job.wrap {
            extra.insert("wrap_in_directory".to_string(), w.clone());
        }
        artifacts.push(Artifact {
            name: job.file_name.clone(),
            path: job.file_name.clone(),
            kind: ArtifactKind::Archive,
            os: Some(job.target.os.clone()),
            arch: Some(job.target.arch.clone()),
            variant: job.target.variant.clone(),
            target: Some(job.target.name.clone()),
            sha256: w.digests.sha256.clone(),
            size: w.digests.size,
            signs: None,
            build: None,
            extra,
        });
    }

    // SBOMs of the Go binaries (`sbom:`), listed in the checksums file like the archives.
    let binaries: Vec<Artifact> = artifacts[..prepared.len()].to_vec();
    let (sboms, sbom_rows) = super::sbom::write(plan, prepared, &binaries, stage, algo)?;
    artifacts.extend(sboms);
    checksum_rows.extend(sbom_rows);

    let release = &plan.release;
    let vars = release.vars();
    let checksums_name = template::render(
        "checksum.name_template",
        plan.checksum
            .name_template
            .as_deref()
            .unwrap_or("{{ project }}_{{ version }}_checksums.txt"),
        &vars,
    )?;
    check_file_name("checksum.name_template", &checksums_name)?;
    artifacts.push(write_small(
        stage,
        &checksums_name,
        crate::manifest::render_checksums(
            checksum_rows.iter().map(|(n, h)| (n.as_str(), h.as_str())),
        )
        .as_bytes(),
        ArtifactKind::Checksums,
        [("algorithm".to_string(), algo.name().to_string())].into(),
    )?);

    if let Some(notes) = plan.notes.as_ref().filter(|n| !n.config.disable) {
        let ctx = notes::NotesContext {
            project: release.project.clone(),
            version: release.version.clone(),
            tag: release.tag.clone().unwrap_or_default(),
            previous_tag: release.previous_tag.clone().unwrap_or_default(),
            commit_date: crate::git::rfc3339(release.commit_time),
        };
        let text = notes::render(
            &notes.config,
            notes.template.as_deref(),
            &ctx,
            &notes.commits,
        )?;
        artifacts.push(write_small(
            stage,
            NOTES_FILE,
            text.as_bytes(),
            ArtifactKind::Notes,
            BTreeMap::new(),
        )?);
    }

    Ok(Packaged { artifacts, rows })
}

fn format_name(f: ArchiveFormat) -> &'static str {
    match f {
        ArchiveFormat::TarGz => "tar.gz",
        ArchiveFormat::TarZst => "tar.zst",
        ArchiveFormat::Zip => "zip",
        ArchiveFormat::Binary => "binary",
    }
}

/// Write a small file into `stage` and describe it as an artifact.
pub(crate) fn write_small(
    stage: &Path,
    name: &str,
    bytes: &[u8],
    kind: ArtifactKind,
    extra: BTreeMap<String, String>,
) -> Result<Artifact, BuildError> {
    let path = stage.join(name);
    std::fs::write(&path, bytes)
        .map_err(|e| BuildError::io(format!("writing {}", path.display()), e))?;
    let mut h = digest::Hashing::new(std::io::sink(), ChecksumAlgorithm::Sha256);
    std::io::Write::write_all(&mut h, bytes).expect("sink");
    let (_, d) = h.finish();
    Ok(Artifact {
        name: name.to_string(),
        path: name.to_string(),
        kind,
        os: None,
        arch: None,
        variant: None,
        target: None,
        sha256: d.sha256,
        size: d.size,
        signs: None,
        build: None,
        extra,
    })
}

/// One archive to write.
#[derive(Debug, Clone)]
pub(crate) struct ArchiveJob {
    archive_id: String,
    file_name: String,
    target: Target,
    binaries: Vec<String>,
    wrap: Option<String>,
    spec: ArchiveSpec,
}

/// The archives of every archive set for every selected target that has binaries for it.
pub(crate) fn plan_archives(
    plan: &BuildPlan,
    resolved: &[Resolved],
    targets: &[Target],
    prepared: &[Prepared],
    stage: &Path,
) -> Result<Vec<ArchiveJob>, BuildError> {
    let default = [ArchiveConfig::default()];
    let configs: &[ArchiveConfig] = if plan.archives.is_empty() {
        &default
    } else {
        &plan.archives
    };
    let mut jobs = Vec::new();
    let mut ids = BTreeSet::new();
    for (k, ac) in configs.iter().enumerate() {
        let field = |name: &str| format!("archives[{k}].{name}");
        let id = ac.id.clone().unwrap_or_else(|| "default".into());
        if !ids.insert(id.clone()) {
            return Err(BuildError::config(
                format!("archives[{k}]: archive id {id:?} is used twice"),
                Some("give each archive a unique `id`"),
            ));
        }
        for b in &ac.builds {
            if !resolved.iter().any(|r| r.id == *b) {
                return Err(BuildError::config(
                    format!("{}: no build has id {b:?}", field("builds")),
                    Some(&format!(
                        "build ids: {}",
                        resolved
                            .iter()
                            .map(|r| r.id.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    )),
                ));
            }
        }
        // The default files (LICENSE*, README*, CHANGELOG*: optional) are looked for only when
        // this archive has binaries to go with them; listed `files` are resolved (and must
        // match) whatever the targets.
        let has_binaries = prepared
            .iter()
            .any(|p| ac.builds.is_empty() || ac.builds.contains(&p.build));
        if ac.files.is_none() && !has_binaries {
            continue;
        }
        let extra = resolve_files(&plan.root, ac.files.as_deref(), &field("files"))?;
        for t in targets {
            let bins: Vec<&Prepared> = prepared
                .iter()
                .filter(|p| {
                    p.target.name == t.name
                        && (ac.builds.is_empty() || ac.builds.contains(&p.build))
                })
                .collect();
            if bins.is_empty() {
                continue;
            }
            let vars = plan.release.target_vars(t);
            let name = template::render(
                &field("name_template"),
                ac.name_template
                    .as_deref()
                    .unwrap_or("{{ project }}_{{ version }}_{{ platform }}"),
                &vars,
            )?;
            check_file_name(&field("name_template"), &name)?;
            let format = archive_format(ac, &t.os);
            let mut entries = Vec::new();
            let (file_name, wrap) = if format == ArchiveFormat::Binary {
                if bins.len() != 1 {
                    return Err(BuildError::config(
                        format!("archives[{k}]: format `binary` holds one binary, but {} builds produce one for {}", bins.len(), t.name),
                        Some("select a single build with `builds:`"),
                    ));
                }
                entries.push(Entry {
                    path: bins[0].binary.clone(),
                    source: Some(bins[0].out.clone()),
                    mode: 0o755,
                });
                (format!("{name}{}", t.exe_suffix()), None)
            } else {
                let wrap = match &ac.wrap_in_directory {
                    Some(WrapInDirectory::Enabled(true)) => Some(name.clone()),
                    Some(WrapInDirectory::Named(tpl)) => {
                        Some(template::render(&field("wrap_in_directory"), tpl, &vars)?)
                    }
                    _ => None,
                };
                let at = |p: &str| match &wrap {
                    Some(w) => format!("{w}/{p}"),
                    None => p.to_string(),
                };
                if let Some(w) = &wrap {
                    entries.push(Entry {
                        path: w.clone(),
                        source: None,
                        mode: 0o755,
                    });
                }
                for b in &bins {
                    entries.push(Entry {
                        path: at(&b.binary),
                        source: Some(b.out.clone()),
                        mode: 0o755,
                    });
                }
                let mut dirs = BTreeSet::new();
                for (path, src, mode) in &extra {
                    let full = at(path);
                    let mut parent = Path::new(&full).parent();
                    while let Some(p) = parent.filter(|p| !p.as_os_str().is_empty()) {
                        dirs.insert(p.to_string_lossy().into_owned());
                        parent = p.parent();
                    }
                    entries.push(Entry {
                        path: full,
                        source: Some(src.clone()),
                        mode: *mode,
                    });
                }
                for d in dirs {
                    if Some(&d) != wrap.as_ref() {
                        entries.push(Entry {
                            path: d,
                            source: None,
                            mode: 0o755,
                        });
                    }
                }
                (format!("{name}{}", format.extension()), wrap)
            };
            jobs.push(ArchiveJob {
                archive_id: id.clone(),
                spec: ArchiveSpec {
                    output: stage.join(&file_name),
                    format,
                    entries,
                    mtime: plan.release.mtime,
                },
                file_name,
                target: t.clone(),
                binaries: bins.iter().map(|b| b.binary.clone()).collect(),
                wrap,
            });
        }
    }
    Ok(jobs)
}

/// Extra archive files: (path in archive, source, mode). Defaults to LICENSE*, README*,
/// CHANGELOG* at the root, when present; explicit globs must match something.
fn resolve_files(
    root: &Path,
    files: Option<&[ArchiveFile]>,
    field: &str,
) -> Result<Vec<(String, PathBuf, u32)>, BuildError> {
    let defaults = ["LICENSE*", "README*", "CHANGELOG*"].map(|g| ArchiveFile::Glob(g.into()));
    let (list, required) = match files {
        Some(f) => (f, true),
        None => (&defaults[..], false),
    };
    let mut out: Vec<(String, PathBuf, u32)> = Vec::new();
    for (i, f) in list.iter().enumerate() {
        let (pattern, dst) = match f {
            ArchiveFile::Glob(g) => (g.as_str(), None),
            ArchiveFile::Placed { src, dst } => (src.as_str(), Some(dst.trim_matches('/'))),
        };
        let glob = globset::GlobBuilder::new(pattern)
            .literal_separator(true)
            .build()
            .map_err(|e| {
                BuildError::config(
                    format!("{field}[{i}]: {pattern:?} is not a valid glob: {e}"),
                    None,
                )
            })?;
        let matcher = glob.compile_matcher();
        let mut found = Vec::new();
        walk(root, root, pattern.contains('/'), &mut |rel, path| {
            if matcher.is_match(rel) {
                found.push((rel.to_string(), path.to_path_buf()));
            }
        })
        .map_err(|e| BuildError::io(format!("listing {}", root.display()), e))?;
        if found.is_empty() && required {
            return Err(BuildError::config(
                format!(
                    "{field}[{i}]: {pattern:?} matches no file under {}",
                    root.display()
                ),
                Some("globs are relative to the project root"),
            ));
        }
        found.sort();
        for (rel, path) in found {
            let inside = match dst {
                Some(d) if !d.is_empty() => format!(
                    "{d}/{}",
                    path.file_name().unwrap_or_default().to_string_lossy()
                ),
                _ => rel,
            };
            archive::check_entry_path(&inside).map_err(|source| BuildError::Archive {
                name: format!("{field}[{i}]"),
                source,
            })?;
            let mode = if is_executable(&path) { 0o755 } else { 0o644 };
            if !out.iter().any(|(p, _, _)| *p == inside) {
                out.push((inside, path, mode));
            }
        }
    }
    Ok(out)
}

fn is_executable(path: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::metadata(path).is_ok_and(|m| m.permissions().mode() & 0o111 != 0)
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        false
    }
}

/// Visit regular files under `dir` (recursively when `deep`), skipping VCS, hidden and output dirs.
fn walk(
    root: &Path,
    dir: &Path,
    deep: bool,
    visit: &mut dyn FnMut(&str, &Path),
) -> std::io::Result<()> {
    let mut entries: Vec<_> = std::fs::read_dir(dir)?.flatten().collect();
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let path = e.path();
        let name = e.file_name().to_string_lossy().into_owned();
        let ft = e.file_type()?;
        if ft.is_dir() {
            if deep
                && !name.starts_with('.')
                && !["dist", "target", "node_modules", "vendor"].contains(&name.as_str())
            {
                walk(root, &path, deep, visit)?;
            }
        } else if ft.is_file() || (ft.is_symlink() && path.is_file()) {
            let rel = path
                .strip_prefix(root)
                .unwrap_or(&path)
                .to_string_lossy()
                .replace('\\', "/");
            visit(&rel, &path);
        }
    }
    Ok(())
}

/// The format of an archive for `os`: its `format_overrides`, or by default zip on windows
/// (Windows users expect zip rather than a tarball) unless the format is `binary`.
fn archive_format(ac: &crate::config::build::ArchiveConfig, os: &str) -> ArchiveFormat {
    match &ac.format_overrides {
        Some(overrides) => overrides
            .iter()
            .find(|o| o.os == os)
            .map(|o| o.format)
            .unwrap_or(ac.format),
        None if os == "windows" && ac.format != ArchiveFormat::Binary => ArchiveFormat::Zip,
        None => ac.format,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_gets_zip_by_default_but_binary_stays_binary() {
        let ac = |yaml: &str| -> crate::config::build::ArchiveConfig {
            serde_saphyr::from_str(yaml).unwrap()
        };
        let tgz = ac("format: tar.gz\n");
        assert_eq!(archive_format(&tgz, "windows"), ArchiveFormat::Zip);
        assert_eq!(archive_format(&tgz, "linux"), ArchiveFormat::TarGz);
        let bin = ac("format: binary\n");
        assert_eq!(archive_format(&bin, "windows"), ArchiveFormat::Binary);
        let custom = ac("format: tar.zst\nformat_overrides: [{os: darwin, format: zip}]\n");
        assert_eq!(archive_format(&custom, "windows"), ArchiveFormat::TarZst);
        assert_eq!(archive_format(&custom, "darwin"), ArchiveFormat::Zip);
    }

    #[test]
    fn resolve_files_defaults_and_placement() {
        let d = tempfile::tempdir().unwrap();
        std::fs::write(d.path().join("LICENSE"), "l").unwrap();
        std::fs::write(d.path().join("README.md"), "r").unwrap();
        std::fs::create_dir_all(d.path().join("docs")).unwrap();
        std::fs::write(d.path().join("docs/a.md"), "a").unwrap();
        let got = resolve_files(d.path(), None, "f").unwrap();
        assert_eq!(
            got.iter().map(|g| g.0.as_str()).collect::<Vec<_>>(),
            ["LICENSE", "README.md"]
        );
        let placed = [ArchiveFile::Placed {
            src: "docs/*.md".into(),
            dst: "share/doc".into(),
        }];
        let got = resolve_files(d.path(), Some(&placed), "f").unwrap();
        assert_eq!(got[0].0, "share/doc/a.md");
        let none = [ArchiveFile::Glob("NOPE*".into())];
        assert!(resolve_files(d.path(), Some(&none), "f")
            .unwrap_err()
            .to_string()
            .contains("matches no file"));
    }
}
