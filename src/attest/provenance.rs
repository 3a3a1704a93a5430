//! The SLSA v1 provenance of a release: an in-toto Statement v1 whose subjects are every file of
//! the release (binaries, archives, the checksums file, SBOMs, notes; not the signatures, which
//! are made after it) by name and SHA-256, with the build definition (tug's build type, the
//! tug.yaml digest, the resolved builds and targets, the source repository, commit and tag, the
//! Go toolchain) and the run details (builder id, invocation id, started/finished).
//!
//! `tug sign` writes it ([`write`]), because signing is where the key is and where the release's
//! files are final: the statement is made from `dist/manifest.json` and the `build_facts` the
//! build recorded there (sign never re-reads the build configuration), after every file has been
//! re-hashed against the manifest. [`Claims`] reads back what a policy decides on.

use std::path::Path;

use serde_json::{json, Value};

use super::AttestError;
use crate::manifest::{Artifact, ArtifactKind, BuildFacts, Manifest, ReleaseChecks};
use crate::sign::PrivateKey;

pub const STATEMENT_TYPE: &str = "https://in-toto.io/Statement/v1";
pub const PREDICATE_TYPE: &str = "https://slsa.dev/provenance/v1";
/// tug's SLSA build type: what `externalParameters` and `internalParameters` hold.
pub const BUILD_TYPE: &str = "https://tug.dev/provenance/release/v1";

/// `<project>_<version>.intoto.sigstore.json`.
pub fn file_name(manifest: &Manifest) -> String {
    format!(
        "{}_{}.intoto.sigstore.json",
        manifest.project, manifest.version
    )
}

/// Does the provenance list artifacts of this kind as subjects?
pub fn is_subject_kind(kind: ArtifactKind) -> bool {
    matches!(
        kind,
        ArtifactKind::Binary
            | ArtifactKind::Archive
            | ArtifactKind::Checksums
            | ArtifactKind::Sbom
            | ArtifactKind::Notes
    )
}

/// The statement for the release in `manifest` built as `facts` says.
pub fn statement(manifest: &Manifest, facts: &BuildFacts) -> Value {
    let mut subjects: Vec<&Artifact> = manifest
        .artifacts
        .iter()
        .filter(|a| is_subject_kind(a.kind))
        .collect();
    subjects.sort_by(|a, b| a.name.cmp(&b.name));
    let subject: Vec<Value> = subjects
        .iter()
        .map(|a| json!({ "name": a.name, "digest": { "sha256": a.sha256 } }))
        .collect();
    let git_ref = manifest.tag.as_ref().map(|t| format!("refs/tags/{t}"));
    let mut deps = Vec::new();
    if let Some(repo) = &facts.repository {
        let mut uri = format!("git+{}", repo.trim_start_matches("git+"));
        if let Some(r) = &git_ref {
            uri.push('@');
            uri.push_str(r);
        }
        deps.push(json!({ "uri": uri, "digest": { "gitCommit": manifest.commit } }));
    }
    if let Some(go) = &facts.go_version {
        deps.push(json!({
            "uri": super::sbom::purl("stdlib", super::sbom::go_version_number(go)),
            "name": "go toolchain",
            "annotations": { "version": go },
        }));
    }
    let invocation = super::content_uuid(&[
        manifest.commit.as_bytes(),
        manifest.version.as_bytes(),
        facts.builder_id.as_bytes(),
        facts.started_on.as_bytes(),
    ]);
    json!({
        "_type": STATEMENT_TYPE,
        "subject": subject,
        "predicateType": PREDICATE_TYPE,
        "predicate": {
            "buildDefinition": {
                "buildType": BUILD_TYPE,
                "externalParameters": {
                    "source": {
                        "repository": facts.repository,
                        "commit": manifest.commit,
                        "tag": manifest.tag,
                        "ref": git_ref,
                    },
                    "config": { "path": "tug.yaml", "sha256": facts.config_sha256 },
                    "project": manifest.project,
                    "version": manifest.version,
                    "snapshot": manifest.snapshot,
                    "targets": manifest.targets,
                    "builds": facts.builds,
                },
                "internalParameters": {
                    "tugVersion": facts.tug_version,
                    "cleanTree": facts.clean_tree,
                    "releaseChecks": facts.release_checks,
                    "commitTime": manifest.commit_time,
                },
                "resolvedDependencies": deps,
            },
            "runDetails": {
                "builder": {
                    "id": facts.builder_id,
                    "version": { "tug": facts.tug_version },
                },
                "metadata": {
                    "invocationId": format!("urn:uuid:{invocation}"),
                    "startedOn": facts.started_on,
                    "finishedOn": facts.finished_on,
                },
            },
        },
    })
}

/// What the provenance says, as a policy reads it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Claims {
    pub repository: Option<String>,
    pub commit: Option<String>,
    pub tag: Option<String>,
    pub builder_id: Option<String>,
    pub clean_tree: Option<bool>,
    pub release_checks: Option<ReleaseChecks>,
    /// (name, hex sha256) of every subject.
    pub subjects: Vec<(String, String)>,
}

impl Claims {
    /// Read the claims of a statement; `Err` names what is not a tug SLSA v1 statement.
    pub fn read(statement: &Value) -> Result<Claims, String> {
        if statement["_type"] != STATEMENT_TYPE {
            return Err(format!(
                "_type is {}, not {STATEMENT_TYPE}",
                statement["_type"]
            ));
        }
        if statement["predicateType"] != PREDICATE_TYPE {
            return Err(format!(
                "predicateType is {}, not {PREDICATE_TYPE}",
                statement["predicateType"]
            ));
        }
        let p = &statement["predicate"];
        let ext = &p["buildDefinition"]["externalParameters"];
        let int = &p["buildDefinition"]["internalParameters"];
        let s = |v: &Value| v.as_str().map(str::to_string);
        let subjects = statement["subject"]
            .as_array()
            .ok_or("the statement has no subject list")?
            .iter()
            .map(|s| {
                Some((
                    s["name"].as_str()?.to_string(),
                    s["digest"]["sha256"].as_str()?.to_ascii_lowercase(),
                ))
            })
            .collect::<Option<Vec<_>>>()
            .ok_or("a subject has no name or sha256 digest")?;
        Ok(Claims {
            repository: s(&ext["source"]["repository"]),
            commit: s(&ext["source"]["commit"]),
            tag: s(&ext["source"]["tag"]),
            builder_id: s(&p["runDetails"]["builder"]["id"]),
            clean_tree: int["cleanTree"].as_bool(),
            release_checks: serde_json::from_value(int["releaseChecks"].clone()).ok(),
            subjects,
        })
    }
}

/// The statement attached to a published image: the release's provenance (`release`, the
/// statement `tug sign` signed) with one subject, the image `name` (its repository) and its
/// manifest `digest` (`sha256:<hex>`). The predicate is the release's, unchanged: the image was
/// made from those artifacts by that build.
pub fn image_statement(release: &Value, name: &str, digest: &str) -> Vec<u8> {
    let hex = digest.trim_start_matches("sha256:");
    serde_json::to_vec(&json!({
        "_type": STATEMENT_TYPE,
        "subject": [{ "name": name, "digest": { "sha256": hex } }],
        "predicateType": PREDICATE_TYPE,
        "predicate": release["predicate"],
    }))
    .expect("statement serializes")
}

/// Hash every subject file again (it must still have the manifest's digest), sign the statement
/// with `key`, write `<project>_<version>.intoto.sigstore.json` and record it in the manifest as
/// the `provenance` artifact. Returns its entry.
pub fn write(dist: &Path, key: &PrivateKey) -> Result<Artifact, AttestError> {
    use rayon::prelude::*;
    let mut manifest = Manifest::read(dist)?;
    let facts = manifest.build_facts.clone().ok_or(AttestError::NoFacts)?;
    manifest
        .artifacts
        .par_iter()
        .filter(|a| is_subject_kind(a.kind))
        .try_for_each(|a| {
            let path = dist.join(&a.path);
            let (actual, _) = crate::fsutil::sha256_file(&path)
                .map_err(|source| AttestError::Read { path, source })?;
            if actual != a.sha256.to_ascii_lowercase() {
                return Err(AttestError::Modified {
                    name: a.name.clone(),
                    expected: a.sha256.clone(),
                    actual,
                });
            }
            Ok(())
        })?;
    let statement =
        serde_json::to_vec(&statement(&manifest, &facts)).expect("statement serializes");
    let bundle = super::envelope::sign(key, &statement);
    let name = file_name(&manifest);
    let path = dist.join(&name);
    crate::fsutil::write_atomic(&path, &bundle)
        .map_err(|source| AttestError::Write { path, source })?;
    let entry = Artifact {
        name: name.clone(),
        path: name,
        kind: ArtifactKind::Provenance,
        os: None,
        arch: None,
        variant: None,
        target: None,
        sha256: crate::fsutil::hex(&<sha2::Sha256 as sha2::Digest>::digest(&bundle)),
        size: bundle.len() as u64,
        signs: None,
        build: None,
        extra: [("predicate_type".to_string(), PREDICATE_TYPE.to_string())].into(),
    };
    manifest.upsert(entry.clone());
    manifest.write(dist)?;
    Ok(entry)
}
