//! The `dist/` contract: `dist/manifest.json` and the checksums file.
//!
//! Every stage after `build` trusts only the manifest: `sign` adds signatures and bundles to it,
//! `publish` uploads exactly the bytes it lists, `rollout` verifies digests against it. It is
//! versioned (`schema_version`), always written atomically, and its JSON Schema is printed by
//! `tug schema --manifest`. Paths inside it are relative to the dist directory and use `/`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// The manifest format this tug writes and the newest it reads.
pub const SCHEMA_VERSION: u32 = 1;
pub const MANIFEST_FILE: &str = "manifest.json";

#[derive(Debug, thiserror::Error)]
pub enum ManifestError {
    #[error("no release in {dir}: {file} not found")]
    Missing { dir: PathBuf, file: &'static str },
    #[error("cannot read {path}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path} is not a valid tug manifest")]
    Parse {
        path: PathBuf,
        source: serde_json::Error,
    },
    #[error("{path} has schema_version {found}; this tug understands up to {SCHEMA_VERSION}")]
    TooNew { path: PathBuf, found: u32 },
    #[error("artifact name {0:?} appears twice in the manifest")]
    DuplicateName(String),
}

impl ManifestError {
    pub fn hint(&self) -> Option<&'static str> {
        match self {
            ManifestError::Missing { .. } => Some("run `tug build` first, or pass --dist DIR"),
            ManifestError::TooNew { .. } => Some("upgrade tug to read this release"),
            _ => None,
        }
    }
}

impl crate::error::Diagnostic for ManifestError {
    fn exit_code(&self) -> crate::ExitCode {
        match self {
            ManifestError::Missing { .. } => crate::ExitCode::Usage,
            _ => crate::ExitCode::Failure,
        }
    }
    fn hint(&self) -> Option<String> {
        ManifestError::hint(self).map(str::to_string)
    }
}

/// What an artifact is. Serialized in lower case (`"binary"`, `"archive"`...).
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum ArtifactKind {
    Binary,
    Archive,
    Checksums,
    Signature,
    Bundle,
    Sbom,
    Notes,
    Image,
    /// A Go module's source release: the module zip, its `.mod` and its `.info`, as a Go module
    /// proxy serves them (`extra.file` says which; `extra.module`, `extra.version`, and `extra.h1`
    /// / `extra.go_mod_h1`, the hashes go.sum records).
    #[serde(rename = "go-module")]
    GoModule,
    /// The signed SLSA provenance of the release (`<project>_<version>.intoto.sigstore.json`).
    Provenance,
}

/// One file (or image) of the release.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Artifact {
    /// File name, unique within the release (e.g. `hello_1.2.3_linux_amd64.tar.gz`).
    pub name: String,
    /// Path relative to the dist directory, with `/` separators.
    pub path: String,
    pub kind: ArtifactKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub os: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arch: Option<String>,
    /// GOARM / GOAMD64 style variant (`7`, `v3`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub variant: Option<String>,
    /// The build target as written in tug.yaml (`linux/arm/7`), or a Rust triple.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    /// Hex SHA-256 of the file's bytes.
    pub sha256: String,
    pub size: u64,
    /// For signatures and bundles: the name of the artifact they sign.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signs: Option<String>,
    /// The build id (from tug.yaml) this artifact came from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub build: Option<String>,
    /// Free-form facts other stages may need (e.g. the binary name inside an archive).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub extra: BTreeMap<String, String>,
}

/// `dist/manifest.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Manifest {
    pub schema_version: u32,
    pub project: String,
    /// Version without the tag prefix (`1.2.3`, `1.2.4-snapshot+abc1234`).
    pub version: String,
    /// The tag the release was built from; absent for a snapshot.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tag: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous_tag: Option<String>,
    pub commit: String,
    /// Commit time, RFC 3339 UTC.
    pub commit_time: String,
    pub snapshot: bool,
    /// Targets this dist holds (all of them, or a shard's subset).
    #[serde(default)]
    pub targets: Vec<String>,
    /// `I/N` when this dist is one shard of a sharded build.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shard: Option<String>,
    pub artifacts: Vec<Artifact>,
    /// How the release was built, recorded by `tug build` when tug.yaml has `provenance:`; `tug
    /// sign` turns it into the signed provenance.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub build_facts: Option<BuildFacts>,
}

/// Whether `tug check --release` passed during the build.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum ReleaseChecks {
    /// The release checks ran and found no error.
    Passed,
    /// They did not run (a snapshot, or not a Go module).
    NotRun,
}

/// The facts of a build that its provenance records (`Manifest::build_facts`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct BuildFacts {
    /// The tug version that built the release.
    pub tug_version: String,
    /// The URI of the builder (`provenance.builder_id`).
    pub builder_id: String,
    /// The source repository URL (`provenance.repository`, else the `origin` remote), without
    /// credentials.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repository: Option<String>,
    /// No file of the work tree was modified or untracked (tug's own output aside).
    pub clean_tree: bool,
    pub release_checks: ReleaseChecks,
    /// Hex SHA-256 of tug.yaml (absent when the embedded defaults were used).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config_sha256: Option<String>,
    /// The Go toolchain the binaries were built with (`go1.23.4`), from their build info.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub go_version: Option<String>,
    /// RFC 3339 UTC; the commit time unless `provenance.timestamps: build`.
    pub started_on: String,
    pub finished_on: String,
    /// The builds of tug.yaml as resolved (id, main package, flags, ldflags, targets).
    #[serde(default)]
    pub builds: Vec<serde_json::Value>,
}

impl Manifest {
    pub fn path(dist: &Path) -> PathBuf {
        dist.join(MANIFEST_FILE)
    }

    /// Read and validate `dist/manifest.json`.
    pub fn read(dist: &Path) -> Result<Manifest, ManifestError> {
        let path = Self::path(dist);
        let bytes = match std::fs::read(&path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(ManifestError::Missing {
                    dir: dist.to_path_buf(),
                    file: MANIFEST_FILE,
                })
            }
            Err(source) => return Err(ManifestError::Io { path, source }),
        };
        let manifest: Manifest =
            serde_json::from_slice(&bytes).map_err(|source| ManifestError::Parse {
                path: path.clone(),
                source,
            })?;
        if manifest.schema_version > SCHEMA_VERSION {
            return Err(ManifestError::TooNew {
                path,
                found: manifest.schema_version,
            });
        }
        manifest.check_unique_names()?;
        Ok(manifest)
    }

    /// Write `dist/manifest.json` atomically (artifacts sorted by kind then name).
    pub fn write(&mut self, dist: &Path) -> Result<(), ManifestError> {
        self.check_unique_names()?;
        self.artifacts
            .sort_by(|a, b| (a.kind, &a.name).cmp(&(b.kind, &b.name)));
        let mut json = serde_json::to_vec_pretty(self).expect("manifest serializes");
        json.push(b'\n');
        let path = Self::path(dist);
        crate::fsutil::write_atomic(&path, &json)
            .map_err(|source| ManifestError::Io { path, source })
    }

    fn check_unique_names(&self) -> Result<(), ManifestError> {
        let mut seen = std::collections::HashSet::new();
        for a in &self.artifacts {
            if !seen.insert(a.name.as_str()) {
                return Err(ManifestError::DuplicateName(a.name.clone()));
            }
        }
        Ok(())
    }

    pub fn artifact(&self, name: &str) -> Option<&Artifact> {
        self.artifacts.iter().find(|a| a.name == name)
    }

    pub fn by_kind(&self, kind: ArtifactKind) -> impl Iterator<Item = &Artifact> {
        self.artifacts.iter().filter(move |a| a.kind == kind)
    }

    /// Insert or replace (by name) an artifact.
    pub fn upsert(&mut self, artifact: Artifact) {
        match self.artifacts.iter_mut().find(|a| a.name == artifact.name) {
            Some(slot) => *slot = artifact,
            None => self.artifacts.push(artifact),
        }
    }

    /// The conventional checksums file name: `<project>_<version>_checksums.txt`.
    pub fn checksums_name(&self) -> String {
        format!("{}_{}_checksums.txt", self.project, self.version)
    }

    /// The JSON Schema of the manifest (`tug schema --manifest`).
    pub fn json_schema() -> serde_json::Value {
        serde_json::to_value(schemars::schema_for!(Manifest)).expect("schema serializes")
    }
}

/// Render a `sha256sum -c` compatible checksums file: `<hex>  <name>\n`, sorted by name.
pub fn render_checksums<'a>(entries: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    let mut rows: Vec<(&str, &str)> = entries.into_iter().collect();
    rows.sort_by(|a, b| a.0.cmp(b.0));
    rows.iter()
        .map(|(name, hex)| format!("{hex}  {name}\n"))
        .collect()
}

/// Parse a checksums file (`<hex>  <name>` or `<hex> *<name>` lines) into name → hex.
pub fn parse_checksums(text: &str) -> Result<BTreeMap<String, String>, String> {
    let mut out = BTreeMap::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let (hex, rest) = line
            .split_once(' ')
            .ok_or_else(|| format!("line {}: expected `<digest>  <name>`", i + 1))?;
        let name = rest
            .strip_prefix(' ')
            .or_else(|| rest.strip_prefix('*'))
            .unwrap_or(rest);
        if hex.is_empty() || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(format!("line {}: {hex:?} is not a hex digest", i + 1));
        }
        out.insert(name.to_string(), hex.to_ascii_lowercase());
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Manifest {
        Manifest {
            schema_version: SCHEMA_VERSION,
            project: "hello".into(),
            version: "1.2.3".into(),
            tag: Some("v1.2.3".into()),
            previous_tag: Some("v1.2.2".into()),
            commit: "0123456789abcdef0123456789abcdef01234567".into(),
            commit_time: "2026-01-02T03:04:05Z".into(),
            snapshot: false,
            targets: vec!["linux/amd64".into()],
            shard: None,
            artifacts: vec![Artifact {
                name: "hello".into(),
                path: "hello_linux_amd64/hello".into(),
                kind: ArtifactKind::Binary,
                os: Some("linux".into()),
                arch: Some("amd64".into()),
                variant: None,
                target: Some("linux/amd64".into()),
                sha256: "ab".repeat(32),
                size: 3,
                signs: None,
                build: Some("hello".into()),
                extra: BTreeMap::new(),
            }],
            build_facts: None,
        }
    }

    #[test]
    fn round_trip_and_missing() {
        let dir = tempfile::tempdir().unwrap();
        assert!(matches!(
            Manifest::read(dir.path()),
            Err(ManifestError::Missing { .. })
        ));
        let mut m = sample();
        m.write(dir.path()).unwrap();
        assert_eq!(Manifest::read(dir.path()).unwrap(), m);
    }

    #[test]
    fn refuses_duplicates_and_newer_schema() {
        let dir = tempfile::tempdir().unwrap();
        let mut m = sample();
        m.artifacts.push(m.artifacts[0].clone());
        assert!(matches!(
            m.write(dir.path()),
            Err(ManifestError::DuplicateName(_))
        ));
        let mut m = sample();
        m.schema_version = SCHEMA_VERSION + 1;
        let json = serde_json::to_vec(&m).unwrap();
        std::fs::write(dir.path().join(MANIFEST_FILE), json).unwrap();
        assert!(matches!(
            Manifest::read(dir.path()),
            Err(ManifestError::TooNew { .. })
        ));
    }

    #[test]
    fn checksums_render_sorted_and_parse_back() {
        let text = render_checksums([("b.tar.gz", "22"), ("a.zip", "11")]);
        assert_eq!(text, "11  a.zip\n22  b.tar.gz\n");
        let parsed = parse_checksums(&text).unwrap();
        assert_eq!(parsed["a.zip"], "11");
        assert!(parse_checksums("zz  x\n").is_err());
    }
}
