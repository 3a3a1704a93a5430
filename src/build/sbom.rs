//! Where SBOMs hook into the build: after every binary is hashed and before the checksums file is
//! written, the Go binaries of the release get one SBOM per format of `sbom.formats`
//! ([`crate::attest::sbom`] reads each binary's own build information and renders the documents),
//! so the checksums file lists the SBOMs and signing covers them. Cargo and command builds have
//! no Go build information and get none.

use std::path::{Path, PathBuf};

use crate::attest::sbom::{self, BuiltBinary};
use crate::config::build::ChecksumAlgorithm;
use crate::manifest::Artifact;

use super::plan::{BuildPlan, Prepared};
use super::BuildError;

/// Is this job a `go build`?
pub(crate) fn is_go(job: &Prepared) -> bool {
    Path::new(&job.main.program)
        .file_name()
        .is_some_and(|n| n == "go" || n == "go.exe")
}

/// What [`write`] added: the SBOM artifacts, and their checksum rows (name, digest in the
/// checksums file's algorithm).
pub(crate) type Sboms = (Vec<Artifact>, Vec<(String, String)>);

/// Write the SBOMs of the Go binaries among `binaries` (the artifacts of `prepared`, in order)
/// into `stage`.
pub(crate) fn write(
    plan: &BuildPlan,
    prepared: &[Prepared],
    binaries: &[Artifact],
    stage: &Path,
    algo: ChecksumAlgorithm,
) -> Result<Sboms, BuildError> {
    if plan.sbom.is_empty() {
        return Ok((Vec::new(), Vec::new()));
    }
    let built: Vec<BuiltBinary> = prepared
        .iter()
        .zip(binaries)
        .filter(|(job, _)| is_go(job))
        .map(|(job, artifact)| BuiltBinary {
            artifact: artifact.clone(),
            path: job.out.clone(),
        })
        .collect();
    let created = crate::git::rfc3339(plan.release.commit_time);
    let artifacts = sbom::write_all(
        stage,
        &plan.release.project,
        &plan.release.version,
        &created,
        &plan.sbom,
        &built,
    )
    .map_err(|source| BuildError::Sbom { source })?;
    let mut rows = Vec::new();
    for a in &artifacts {
        let path: PathBuf = stage.join(&a.path);
        let d = super::digest::digest_file(&path, algo)
            .map_err(|e| BuildError::io(format!("hashing {}", path.display()), e))?;
        rows.push((a.name.clone(), d.for_algorithm(algo).to_string()));
    }
    Ok((artifacts, rows))
}
