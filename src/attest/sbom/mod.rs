//! SBOMs from what was actually compiled: the Go linker embeds the main module, every dependency
//! module (path, version, `h1:` sum, replacement), the Go version and the build settings (GOOS,
//! GOARCH, CGO_ENABLED, -trimpath, -ldflags, vcs.*) in each binary (`go version -m` prints
//! them). This module reads that from the binary ([`crate::checks::buildinfo`]) and renders it as
//! SPDX 2.3 JSON ([`spdx`]) and CycloneDX 1.6 JSON ([`cyclonedx`]); the build writes one file per
//! format and Go binary into dist, listed in the manifest as `sbom` artifacts and in the checksums
//! file, so signing covers them like any other artifact.
//!
//! Reproducible: the only time in a document is the commit time, and its ids (SPDX document
//! namespace, CycloneDX serial number) are [`super::content_uuid`]s of the binary's digest and the
//! format, so two builds of a commit write identical bytes.

pub mod cyclonedx;
pub mod spdx;

use std::collections::BTreeMap;
use std::path::Path;

use crate::checks::buildinfo::{self, BuildInfo, Module};
use crate::config::attest::SbomFormat;
use crate::manifest::{Artifact, ArtifactKind};

use super::AttestError;

/// The binary an SBOM describes and the facts around it.
#[derive(Debug, Clone)]
pub struct Subject<'a> {
    pub project: &'a str,
    /// The release version (`1.2.3`).
    pub version: &'a str,
    /// The binary's artifact name in the manifest (`hello_linux_amd64/hello`).
    pub artifact: &'a str,
    /// The binary's file name (`hello`, `hello.exe`).
    pub file_name: &'a str,
    /// Hex SHA-256 of the binary.
    pub sha256: &'a str,
    /// The build target (`linux/amd64`).
    pub target: &'a str,
    /// RFC 3339 UTC: the commit time.
    pub created: &'a str,
    pub info: &'a BuildInfo,
}

/// `pkg:golang/<path>@<version>`: the path's segments percent-encoded as the purl spec asks,
/// the version left out when there is none (`(devel)`).
pub fn purl(path: &str, version: &str) -> String {
    let segments: Vec<String> = path.split('/').map(encode).collect();
    let mut p = format!("pkg:golang/{}", segments.join("/"));
    if !version.is_empty() && version != "(devel)" {
        p.push('@');
        p.push_str(&encode(version));
    }
    p
}

fn encode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The module a dependency resolves to: its replacement when there is one.
pub fn effective(m: &Module) -> &Module {
    m.replace.as_deref().unwrap_or(m)
}

/// The hex SHA-256 inside an `h1:` sum (base64 of the module's dirhash), as SBOM tools record it.
pub fn h1_hex(sum: &str) -> Option<String> {
    use base64::Engine as _;
    let b64 = sum.strip_prefix("h1:")?;
    let bytes = base64::engine::general_purpose::STANDARD.decode(b64).ok()?;
    (bytes.len() == 32).then(|| crate::fsutil::hex(&bytes))
}

/// `go1.23.4` as a version (`1.23.4`), the way the stdlib's purl names it.
pub fn go_version_number(go: &str) -> &str {
    go.strip_prefix("go").unwrap_or(go)
}

/// One document of a subject in a format.
pub fn render(format: SbomFormat, subject: &Subject) -> Vec<u8> {
    let value = match format {
        SbomFormat::Spdx => spdx::document(subject),
        SbomFormat::Cyclonedx => cyclonedx::document(subject),
    };
    let mut bytes = serde_json::to_vec_pretty(&value).expect("SBOM serializes");
    bytes.push(b'\n');
    bytes
}

/// A Go binary that was built, for [`write_all`].
#[derive(Debug, Clone)]
pub struct BuiltBinary {
    pub artifact: Artifact,
    /// Where it is now (in the staging directory).
    pub path: std::path::PathBuf,
}

/// The SBOM file name of a binary: `<build>_<version>_<os>_<arch>[_<variant>].<suffix>`.
pub fn file_name(binary: &Artifact, version: &str, format: SbomFormat) -> String {
    let mut parts = vec![
        binary.build.clone().unwrap_or_else(|| "binary".into()),
        version.to_string(),
    ];
    parts.extend(binary.os.clone());
    parts.extend(binary.arch.clone());
    parts.extend(binary.variant.clone());
    format!("{}.{}", parts.join("_"), format.suffix())
}

/// Write the SBOMs of every binary into `stage` (in parallel) and describe them as artifacts.
pub fn write_all(
    stage: &Path,
    project: &str,
    version: &str,
    created: &str,
    formats: &[SbomFormat],
    binaries: &[BuiltBinary],
) -> Result<Vec<Artifact>, AttestError> {
    use rayon::prelude::*;
    let per_binary: Vec<Vec<Artifact>> = binaries
        .par_iter()
        .map(|b| {
            let info = buildinfo::read(&b.path).map_err(|source| AttestError::BuildInfo {
                name: b.artifact.name.clone(),
                source,
            })?;
            let subject = Subject {
                project,
                version,
                artifact: &b.artifact.name,
                file_name: b
                    .artifact
                    .extra
                    .get("binary")
                    .map(String::as_str)
                    .unwrap_or(&b.artifact.name),
                sha256: &b.artifact.sha256,
                target: b.artifact.target.as_deref().unwrap_or_default(),
                created,
                info: &info,
            };
            formats
                .iter()
                .map(|&format| {
                    let bytes = render(format, &subject);
                    let name = file_name(&b.artifact, version, format);
                    let path = stage.join(&name);
                    crate::fsutil::write_atomic(&path, &bytes)
                        .map_err(|source| AttestError::Write { path, source })?;
                    Ok(Artifact {
                        name: name.clone(),
                        path: name,
                        kind: ArtifactKind::Sbom,
                        os: b.artifact.os.clone(),
                        arch: b.artifact.arch.clone(),
                        variant: b.artifact.variant.clone(),
                        target: b.artifact.target.clone(),
                        sha256: crate::fsutil::hex(&sha2::Sha256::digest(&bytes)),
                        size: bytes.len() as u64,
                        signs: None,
                        build: b.artifact.build.clone(),
                        extra: BTreeMap::from([
                            ("format".to_string(), format.as_str().to_string()),
                            ("describes".to_string(), b.artifact.name.clone()),
                        ]),
                    })
                })
                .collect()
        })
        .collect::<Result<_, AttestError>>()?;
    Ok(per_binary.into_iter().flatten().collect())
}

use sha2::Digest as _;

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn info() -> BuildInfo {
        BuildInfo {
            go_version: "go1.23.4".into(),
            path: Some("example.com/hello/cmd/hello".into()),
            main_module: Some(("example.com/hello".into(), "v1.2.3".into())),
            main_sum: None,
            deps: vec![
                Module {
                    path: "golang.org/x/text".into(),
                    version: "v0.14.0".into(),
                    sum: Some("h1:ScX5w1eTa3QqT8oi6+ziP7dTV1S2+ALU0bI+0zXKWiQ=".into()),
                    replace: None,
                },
                Module {
                    path: "example.com/lib".into(),
                    version: "v1.0.0".into(),
                    sum: None,
                    replace: Some(Box::new(Module {
                        path: "../lib".into(),
                        version: "(devel)".into(),
                        sum: None,
                        replace: None,
                    })),
                },
            ],
            settings: vec![
                ("-trimpath".into(), "true".into()),
                ("CGO_ENABLED".into(), "0".into()),
                ("GOOS".into(), "linux".into()),
                ("GOARCH".into(), "amd64".into()),
            ],
        }
    }

    pub(crate) fn subject(info: &BuildInfo) -> Subject<'_> {
        Subject {
            project: "hello",
            version: "1.2.3",
            artifact: "hello_linux_amd64/hello",
            file_name: "hello",
            sha256: "ab",
            target: "linux/amd64",
            created: "2026-01-02T03:04:05Z",
            info,
        }
    }

    #[test]
    fn purls_encode_and_drop_devel() {
        assert_eq!(
            purl("golang.org/x/text", "v0.14.0"),
            "pkg:golang/golang.org/x/text@v0.14.0"
        );
        assert_eq!(purl("example.com/a", "(devel)"), "pkg:golang/example.com/a");
        assert_eq!(
            purl("example.com/a", "v0.0.0-2024+incompatible"),
            "pkg:golang/example.com/a@v0.0.0-2024%2Bincompatible"
        );
    }

    #[test]
    fn h1_sums_become_hex() {
        let hex = h1_hex("h1:ScX5w1eTa3QqT8oi6+ziP7dTV1S2+ALU0bI+0zXKWiQ=").unwrap();
        assert_eq!(hex.len(), 64);
        assert_eq!(h1_hex("h2:xx"), None);
    }

    #[test]
    fn documents_are_deterministic_and_differ_by_binary() {
        let info = info();
        let s = subject(&info);
        for f in [SbomFormat::Spdx, SbomFormat::Cyclonedx] {
            assert_eq!(render(f, &s), render(f, &s));
            let mut other = s.clone();
            other.sha256 = "cd";
            assert_ne!(render(f, &s), render(f, &other));
        }
    }
}
