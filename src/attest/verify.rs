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
    let claims = match read_claims(key, &bundle, Layout::Bundle, &entry.name) {
        Ok(c) => c,
        Err(v) => {
            report.violations.push(v);
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

/// How a signed provenance is wrapped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// A Sigstore bundle v0.3 with a DSSE envelope (the release's file, a bundle referrer).
    Bundle,
    /// A bare DSSE envelope (a classic `sha256-<digest>.att` layer).
    Envelope,
}

/// Open `bytes` (named `name` in messages) with `key` and read the SLSA v1 claims it signs; a
/// failure is the `provenance-signature` rule's violation.
fn read_claims(
    key: &PublicKey,
    bytes: &[u8],
    layout: Layout,
    name: &str,
) -> Result<Claims, Violation> {
    let opened = match layout {
        Layout::Bundle => super::envelope::open(key, bytes),
        Layout::Envelope => super::envelope::open_envelope(key, bytes),
    };
    let statement = opened.map_err(|e| Violation {
        rule: Rule::Signature,
        detail: format!("{name}: {e}"),
    })?;
    serde_json::from_slice(&statement)
        .map_err(|e| e.to_string())
        .and_then(|v| Claims::read(&v))
        .map_err(|detail| Violation {
            rule: Rule::Signature,
            detail: format!("{name} is not a SLSA v1 provenance: {detail}"),
        })
}

/// A provenance attestation found attached to an image in a registry.
#[derive(Debug, Clone)]
pub struct Attached {
    /// Where it was found (`referrer sha256:...`, `tag sha256-<hex>.att layer sha256:...`).
    pub source: String,
    pub bytes: Vec<u8>,
    pub layout: Layout,
}

/// Check the provenance attestations attached to the image `image` (manifest digest `digest`,
/// `sha256:<hex>`): one of them must verify with `key`, name that digest as a subject, and
/// satisfy `policy`. Attachments that fail are reported only when none passes (another signer's
/// attestation beside the release's is not a problem, as for `cosign verify-attestation`).
pub fn verify_attached(
    image: &str,
    digest: &str,
    attached: &[Attached],
    key: &PublicKey,
    policy: &PolicyConfig,
) -> ProvenanceReport {
    let mut report = ProvenanceReport {
        provenance: None,
        claims: None,
        subjects_checked: 0,
        violations: Vec::new(),
    };
    if attached.is_empty() {
        report.violations.push(Violation {
            rule: Rule::Present,
            detail: format!(
                "{image} has no provenance attestation (no bundle referrer and no .att layer of predicate type {})",
                super::provenance::PREDICATE_TYPE
            ),
        });
        return report;
    }
    let hex = digest.strip_prefix("sha256:").unwrap_or(digest);
    let mut failures = Vec::new();
    for a in attached {
        let claims = match read_claims(key, &a.bytes, a.layout, &a.source) {
            Ok(c) => c,
            Err(v) => {
                failures.push(v);
                continue;
            }
        };
        if !claims.subjects.iter().any(|(_, d)| d == hex) {
            let named: Vec<String> = claims
                .subjects
                .iter()
                .map(|(n, d)| format!("{n}@sha256:{d}"))
                .collect();
            failures.push(Violation {
                rule: Rule::Subjects,
                detail: format!(
                    "{}: its subjects ({}) do not include the image {digest}",
                    a.source,
                    named.join(", ")
                ),
            });
            continue;
        }
        report.provenance = Some(a.source.clone());
        report.subjects_checked = 1;
        report.violations = evaluate(policy, &claims);
        report.claims = Some(claims);
        return report;
    }
    report.violations = failures;
    report
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sign::PrivateKey;

    fn statement(subject_hex: &str) -> Vec<u8> {
        serde_json::to_vec(&serde_json::json!({
            "_type": super::super::provenance::STATEMENT_TYPE,
            "predicateType": super::super::provenance::PREDICATE_TYPE,
            "subject": [{"name": "reg/acme/hello", "digest": {"sha256": subject_hex}}],
            "predicate": {},
        }))
        .unwrap()
    }

    fn rules(report: &ProvenanceReport) -> Vec<Rule> {
        report.violations.iter().map(|v| v.rule).collect()
    }

    #[test]
    fn an_image_attestation_must_be_signed_for_that_digest() {
        let key = PrivateKey::generate();
        let hex = "ab".repeat(32);
        let digest = format!("sha256:{hex}");
        let policy = PolicyConfig::default();
        let attached = |bytes: Vec<u8>| Attached {
            source: "referrer sha256:x".into(),
            bytes,
            layout: Layout::Bundle,
        };
        let none = verify_attached("img", &digest, &[], &key.public_key(), &policy);
        assert_eq!(rules(&none), [Rule::Present]);

        let good = attached(super::super::envelope::sign(&key, &statement(&hex)));
        let report = verify_attached(
            "img",
            &digest,
            std::slice::from_ref(&good),
            &key.public_key(),
            &policy,
        );
        assert_eq!(report.subjects_checked, 1);
        assert!(!rules(&report).contains(&Rule::Signature), "{report:?}");
        assert!(!rules(&report).contains(&Rule::Subjects), "{report:?}");

        let other = PrivateKey::generate().public_key();
        let report = verify_attached("img", &digest, std::slice::from_ref(&good), &other, &policy);
        assert_eq!(rules(&report), [Rule::Signature]);

        let elsewhere = attached(super::super::envelope::sign(
            &key,
            &statement(&"cd".repeat(32)),
        ));
        let report = verify_attached(
            "img",
            &digest,
            std::slice::from_ref(&elsewhere),
            &key.public_key(),
            &policy,
        );
        assert_eq!(rules(&report), [Rule::Subjects]);
        // One valid attestation among others is enough.
        let report = verify_attached(
            "img",
            &digest,
            &[elsewhere, good],
            &key.public_key(),
            &policy,
        );
        assert!(!rules(&report).contains(&Rule::Subjects), "{report:?}");
    }
}
