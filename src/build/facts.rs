//! The build facts a release's provenance records (`Manifest::build_facts`): the command fills
//! in what it knows (repository, clean tree, release checks, tug.yaml digest, builder, builds),
//! and the build adds what only it knows once the binaries exist: the Go toolchain that compiled
//! them (read from their build information) and, with `provenance.timestamps: build`, when it
//! finished.

use crate::config::attest::ProvenanceTimes;
use crate::manifest::BuildFacts;

use super::plan::Prepared;

/// `provenance:` for a build: the facts known before it started, and which times to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProvenanceInput {
    pub facts: BuildFacts,
    pub times: ProvenanceTimes,
}

impl ProvenanceInput {
    /// The facts to record once the jobs in `prepared` are built.
    pub(crate) fn facts(&self, prepared: &[Prepared]) -> BuildFacts {
        let mut facts = self.facts.clone();
        if facts.go_version.is_none() {
            facts.go_version = prepared
                .iter()
                .filter(|j| super::sbom::is_go(j))
                .find_map(|j| crate::checks::buildinfo::read(&j.out).ok())
                .map(|i| i.go_version);
        }
        if self.times == ProvenanceTimes::Build {
            facts.finished_on = chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string();
        }
        facts
    }
}
