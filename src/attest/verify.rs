//! Checking a release's provenance: it is there, its DSSE signature verifies with the public key,
//! every subject's digest matches the file's bytes in the release directory (and the artifact to
//! deploy is one of them), and what it claims satisfies the policy. Every failed rule is
//! collected into the report, so `tug verify --provenance` and a refused rollout name them all.

use std::path::Path;

use super::policy::{evaluate, Rule, Violation};
use super::provenance::{is_subject_kind, Claims};
use super::AttestError;
use crate::config::attest::PolicyConfig;
use crate::manifest::{ArtifactKind, Manifest};
use crate::sign::PublicKey;

/// What the check found.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ProvenanceReport {
    /// The provenance file's name, when the release has one.
    pub provenance: Option<String>,
    /// What the provenance claims, when its signature verified.
    pub claims: Option<Claims>,
    /// Subjects whose bytes were checked.
    pub subjects_checked: usize,
    pub violations: Vec<Violation>,
}

impl ProvenanceReport {
    pub fn ok(&self) -> bool {
        self.violations.is_empty()
    }
}

/// Check the provenance of the release in `dir` with `key` and `policy`; `deployed` names the
/// artifact that must be among its subjects (the one a rollout deploys).
pub fn verify_release(
    dir: &Path,
    key: &PublicKey,
    policy: &PolicyConfig,
    deployed: Option<&str>,
) -> Result<ProvenanceReport, AttestError> {
    let manifest = Manifest::read(dir)?;
    let mut report = ProvenanceReport {
        provenance: None,
        claims: None,
        subjects_checked: 0,
        violations: Vec::new(),
    };
    let fail = |report: &mut ProvenanceReport, rule, detail: String| {
        report.violations.push(Violation { rule, detail })
    };
    let Some(entry) = manifest.by_kind(ArtifactKind::Provenance).next() else {
        fail(
            &mut report,
            Rule::Present,
            format!(
                "release {} {} has no provenance (no `provenance` artifact in its manifest)",
                manifest.project, manifest.version
            ),
        );
        return Ok(report);
    };
    report.provenance = Some(entry.name.clone());
    let path = dir.join(&entry.path);
    let bundle = match std::fs::read(&path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            fail(
                &mut report,
                Rule::Present,
                format!("{} is listed in the manifest but missing", entry.name),
            );
            return Ok(report);
        }
        Err(source) => return Err(AttestError::Read { path, source }),
    };
    let statement = match super::envelope::open(key, &bundle) {
        Ok(s) => s,
        Err(e) => {
            fail(&mut report, Rule::Signature, format!("{}: {e}", entry.name));
            return Ok(report);
        }
    };
    let claims = match serde_json::from_slice(&statement)
        .map_err(|e| e.to_string())
        .and_then(|v| Claims::read(&v))
    {
        Ok(c) => c,
        Err(detail) => {
            fail(
                &mut report,
                Rule::Signature,
                format!("{} is not a SLSA v1 provenance: {detail}", entry.name),
            );
            return Ok(report);
        }
    };

    // Every subject present in the release must have the digest the provenance signed.
    for (name, signed) in &claims.subjects {
        let Some(artifact) = manifest.artifact(name) else {
            continue;
        };
        let path = dir.join(&artifact.path);
        let actual = match crate::fsutil::sha256_file(&path) {
            Ok((hex, _)) => hex,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(source) => return Err(AttestError::Read { path, source }),
        };
        report.subjects_checked += 1;
        if &actual != signed {
            fail(
                &mut report,
                Rule::Subjects,
                format!("{name} has sha256 {actual}; the provenance is for sha256 {signed}"),
            );
        }
    }
    // And every file the provenance should cover must be one of its subjects.
    let covered = |name: &str| claims.subjects.iter().any(|(n, _)| n == name);
    for a in manifest
        .artifacts
        .iter()
        .filter(|a| is_subject_kind(a.kind))
    {
        if !covered(&a.name) && (deployed.is_none() || deployed == Some(a.name.as_str())) {
            fail(
                &mut report,
                Rule::Subjects,
                format!("{} is not a subject of the provenance", a.name),
            );
        }
    }
    if let Some(name) = deployed {
        if !covered(name) && manifest.artifact(name).is_none() {
            fail(
                &mut report,
                Rule::Subjects,
                format!("{name} is not a subject of the provenance"),
            );
        }
    }
    report.violations.extend(evaluate(policy, &claims));
    report.claims = Some(claims);
    Ok(report)
}
