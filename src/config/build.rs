//! tug.yaml sections read by the build engine: `builds`, `archives`, `checksum`, `release_notes`.
//!
//! Every string field marked "template" is rendered with the variables of DESIGN.md plus, per
//! target, `os`, `arch`, `variant` (`7`, `v3` or empty) and `platform` (`linux_armv7`). Defaults
//! are chosen so that an empty section builds a reproducible release of a Go module.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{Spanned, Validator};

/// Which toolchain a build uses.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize, schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Builder {
    /// `go build` for every target.
    #[default]
    Go,
    /// `cargo build --release` for the host or installed `--target` triples.
    Cargo,
    /// Any command that writes a binary at `output`.
    Command,
}

/// One binary to build for a set of targets.
#[derive(Debug, Clone, Default, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BuildConfig {
    /// Unique id of this build (default: the binary name); archives select builds by id.
    #[serde(default)]
    pub id: Option<String>,
    /// Toolchain: `go` (default), `cargo` or `command`.
    #[serde(default)]
    pub builder: Builder,
    /// Go: the main package to build, relative to `dir` (default `.`).
    #[serde(default)]
    pub main: Option<String>,
    /// Directory to run the build in, relative to the project root (default: the root).
    #[serde(default)]
    pub dir: Option<String>,
    /// Binary name (template; default: the project name). `.exe` is added on windows.
    #[serde(default)]
    pub binary: Option<String>,
    /// Explicit targets: `os/arch` or `os/arch/variant` (`linux/arm/7`, `linux/amd64/v3`). For
    /// cargo: Rust target triples. Overrides `goos` × `goarch`.
    #[serde(default)]
    #[schemars(with = "Option<Vec<String>>")]
    pub targets: Option<Vec<Spanned<String>>>,
    /// Operating systems for the `goos` × `goarch` matrix (default linux, darwin, windows).
    #[serde(default)]
    pub goos: Vec<String>,
    /// Architectures for the `goos` × `goarch` matrix (default amd64, arm64).
    #[serde(default)]
    pub goarch: Vec<String>,
    /// Targets (`os/arch[/variant]`) removed from the `goos` × `goarch` matrix.
    #[serde(default)]
    pub ignore: Vec<String>,
    /// Environment of the build (values are templates). Default for go: `CGO_ENABLED: "0"`.
    #[serde(default)]
    pub env: Option<BTreeMap<String, String>>,
    /// Extra arguments to `go build` / `cargo build` (templates).
    #[serde(default)]
    pub flags: Vec<String>,
    /// Go build tags.
    #[serde(default)]
    pub tags: Vec<String>,
    /// Go linker flags (templates, joined with spaces). Default: `-s -w` and `-X` of
    /// main.version, main.commit and main.date. `-buildid=` is always added when reproducible.
    #[serde(default)]
    pub ldflags: Option<Vec<String>>,
    /// Go compiler flags (`-gcflags`, templates).
    #[serde(default)]
    pub gcflags: Vec<String>,
    /// Go assembler flags (`-asmflags`, templates).
    #[serde(default)]
    pub asmflags: Vec<String>,
    /// Per-target settings that replace (env: extend) the build's own.
    #[serde(default)]
    pub overrides: Vec<BuildOverride>,
    /// Commands run before and after each target's build (templates, run with `sh -c`).
    #[serde(default)]
    pub hooks: BuildHooks,
    /// `builder: command`: the command that builds one target (template, run with `sh -c`).
    #[serde(default)]
    pub command: Option<String>,
    /// `builder: command`: where that command leaves the binary (template, relative to `dir`).
    #[serde(default)]
    pub output: Option<String>,
    /// Build reproducibly (`-trimpath`, `-buildid=`, fixed mtimes). Default true.
    #[serde(default)]
    pub reproducible: Option<bool>,
    /// Go binary to use (default `go` from PATH).
    #[serde(default)]
    pub gobinary: Option<String>,
}

/// Settings for a subset of a build's targets.
#[derive(Debug, Clone, Default, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BuildOverride {
    /// Targets this override applies to (`os/arch[/variant]`).
    pub targets: Vec<String>,
    /// Environment added to (and replacing keys of) the build's env.
    #[serde(default)]
    pub env: BTreeMap<String, String>,
    /// Replaces the build's flags.
    #[serde(default)]
    pub flags: Option<Vec<String>>,
    /// Replaces the build's tags.
    #[serde(default)]
    pub tags: Option<Vec<String>>,
    /// Replaces the build's ldflags.
    #[serde(default)]
    pub ldflags: Option<Vec<String>>,
    /// Replaces the build's gcflags.
    #[serde(default)]
    pub gcflags: Option<Vec<String>>,
    /// Replaces the build's asmflags.
    #[serde(default)]
    pub asmflags: Option<Vec<String>>,
}

/// Hook commands around each target's build.
#[derive(Debug, Clone, Default, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BuildHooks {
    /// Run before the target is built (template; `sh -c` in the build's dir, with its env).
    #[serde(default)]
    pub before: Vec<String>,
    /// Run after the target was built.
    #[serde(default)]
    pub after: Vec<String>,
}

/// Archive format.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Deserialize, Serialize, schemars::JsonSchema,
)]
pub enum ArchiveFormat {
    /// gzip-compressed tar (default).
    #[default]
    #[serde(rename = "tar.gz")]
    TarGz,
    /// zstd-compressed tar.
    #[serde(rename = "tar.zst")]
    TarZst,
    /// zip (default on windows).
    #[serde(rename = "zip")]
    Zip,
    /// No archive: the binary itself, renamed to the archive name.
    #[serde(rename = "binary")]
    Binary,
}

impl ArchiveFormat {
    /// File extension including the dot (empty for `binary`).
    pub fn extension(self) -> &'static str {
        match self {
            ArchiveFormat::TarGz => ".tar.gz",
            ArchiveFormat::TarZst => ".tar.zst",
            ArchiveFormat::Zip => ".zip",
            ArchiveFormat::Binary => "",
        }
    }
}

/// A different format for one operating system.
#[derive(Debug, Clone, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FormatOverride {
    /// Operating system (`windows`).
    pub os: String,
    /// Format for it.
    pub format: ArchiveFormat,
}

/// An extra file (or glob) to put in the archive.
#[derive(Debug, Clone, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(untagged)]
pub enum ArchiveFile {
    /// A glob relative to the project root, placed at the archive root.
    Glob(String),
    /// A glob with a destination directory inside the archive.
    Placed {
        /// Glob relative to the project root.
        src: String,
        /// Directory inside the archive.
        dst: String,
    },
}

/// How the binaries of one target are packaged.
#[derive(Debug, Clone, Default, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ArchiveConfig {
    /// Unique id of this archive set (default `default`).
    #[serde(default)]
    pub id: Option<String>,
    /// Build ids to include (default: all builds).
    #[serde(default)]
    pub builds: Vec<String>,
    /// Format: tar.gz (default), tar.zst, zip or binary.
    #[serde(default)]
    pub format: ArchiveFormat,
    /// Per-OS formats. Default: zip on windows, unless `format` is `binary`.
    #[serde(default)]
    pub format_overrides: Option<Vec<FormatOverride>>,
    /// Archive name without extension (template). Default
    /// `{{ project }}_{{ version }}_{{ platform }}`.
    #[serde(default)]
    pub name_template: Option<String>,
    /// Extra files. Default: `LICENSE*`, `README*`, `CHANGELOG*` when present.
    #[serde(default)]
    pub files: Option<Vec<ArchiveFile>>,
    /// Put everything under one directory: `true` (the archive name) or a template.
    #[serde(default)]
    pub wrap_in_directory: Option<WrapInDirectory>,
}

/// `wrap_in_directory: true` or a directory name template.
#[derive(Debug, Clone, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(untagged)]
pub enum WrapInDirectory {
    /// `true`: use the archive name; `false`: no directory.
    Enabled(bool),
    /// A directory name (template).
    Named(String),
}

/// Digest algorithm of the checksums file.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize, schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum ChecksumAlgorithm {
    /// SHA-256 (default).
    #[default]
    Sha256,
    /// SHA-512.
    Sha512,
}

impl ChecksumAlgorithm {
    pub fn name(self) -> &'static str {
        match self {
            ChecksumAlgorithm::Sha256 => "sha256",
            ChecksumAlgorithm::Sha512 => "sha512",
        }
    }
}

/// The checksums file (`sha256sum -c` compatible).
#[derive(Debug, Clone, Default, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ChecksumConfig {
    /// File name (template). Default `{{ project }}_{{ version }}_checksums.txt`.
    #[serde(default)]
    pub name_template: Option<String>,
    /// sha256 (default) or sha512. The manifest always records sha256 as well.
    #[serde(default)]
    pub algorithm: ChecksumAlgorithm,
}

/// A section of the release notes.
#[derive(Debug, Clone, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NotesGroup {
    /// Heading of the section.
    pub title: String,
    /// Conventional-commit types that go here (`feat`, `fix`...). Empty: every other commit.
    #[serde(default)]
    pub types: Vec<String>,
}

/// dist/RELEASE_NOTES.md.
#[derive(Debug, Clone, Default, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReleaseNotesConfig {
    /// Do not write release notes.
    #[serde(default)]
    pub disable: bool,
    /// A minijinja template file (relative to the project root) replacing the built-in one.
    #[serde(default)]
    pub template: Option<String>,
    /// Sections in order. Breaking changes always come first. Default: Features (feat),
    /// Bug fixes (fix), Performance (perf), Other (everything else).
    #[serde(default)]
    pub groups: Option<Vec<NotesGroup>>,
    /// Globs matched (case-insensitively) against commit subjects; matching commits are left out.
    #[serde(default)]
    pub exclude: Vec<String>,
}

impl BuildConfig {
    /// Report every target in `targets:` that is not `os/arch[/variant]` shaped (go builds).
    pub fn validate(&self, v: &mut Validator) {
        if self.builder != Builder::Go {
            return;
        }
        for t in self.targets.iter().flatten() {
            let parts: Vec<&str> = t.value.split('/').collect();
            if !(2..=3).contains(&parts.len()) || parts.iter().any(|p| p.is_empty()) {
                v.error(
                    t.referenced,
                    format!("target {:?} is not os/arch or os/arch/variant", t.value),
                    Some(
                        "write targets like `linux/amd64`, `linux/arm/7` or `linux/amd64/v3`"
                            .into(),
                    ),
                );
            }
        }
    }
}
