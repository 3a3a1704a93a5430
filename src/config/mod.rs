//! tug.yaml: the serde model, loading with located errors, validation and layering.
//!
//! Sections live in their own files (`config/<section>.rs`), each owned by the engine that reads
//! it; this module ties them into [`Config`]. Values that need semantic validation with a
//! location are `Spanned<T>` (with `#[schemars(with = "T")]`), and each section has a
//! `validate(&self, v: &mut Validator)` that reports problems at `spanned.referenced`.
//!
//! Loading happens in two passes: serde (which stops at the first problem: YAML syntax, unknown
//! key, wrong type, missing key, bad duration or target) and then semantic validation, which
//! collects *every* problem (version, duplicate ids, template variables, ...). Either way the
//! result is a list of [`Diagnostic`]s with `file:line:col`, a caret and a hint.
//! [`settings::Settings`] layers defaults < tug.yaml < `TUG_*` < flags on top.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

pub mod attest;
pub mod build;
pub mod checks;
pub mod ci;
pub mod conditions;
pub mod deploy;
pub mod detect;
pub mod diag;
pub mod env;
pub mod files;
pub mod locate;
pub mod notify;
pub mod project;
pub mod publish;
pub mod schema_check;
pub mod secret;
pub mod settings;
pub mod sign;
pub mod targets;
pub mod templates;
pub mod traffic;
pub mod tree;
pub mod types;

pub use diag::{Diagnostic, Location, Severity, Spanned, Validator};
pub use secret::expand_secret_ref;
pub use settings::{Overrides, Settings};
pub use types::{Duration, Target};

/// The config file name looked for when walking up from the current directory.
pub const FILE_NAME: &str = "tug.yaml";

/// The only config format version this tug understands.
pub const CURRENT_VERSION: u32 = 1;

/// A value with no location (defaults, structs built in code, tests).
pub fn unlocated<T>(value: T) -> Spanned<T> {
    Spanned::new(value, Location::UNKNOWN, Location::UNKNOWN)
}

/// The whole of tug.yaml (`version: 1`).
#[derive(Debug, Clone, Default, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Config format version; must be 1.
    #[serde(default)]
    #[schemars(range(min = 1, max = 1))]
    pub version: Option<u32>,
    /// Project-wide settings: name, dist directory, tag prefix, snapshot version, environment.
    #[serde(default)]
    pub project: project::ProjectConfig,
    /// Go (or cargo, or command) builds: what to compile for which targets.
    #[serde(default)]
    pub builds: Vec<build::BuildConfig>,
    /// How built binaries are packaged.
    #[serde(default)]
    pub archives: Vec<build::ArchiveConfig>,
    /// The checksums file.
    #[serde(default)]
    pub checksum: build::ChecksumConfig,
    /// dist/RELEASE_NOTES.md.
    #[serde(default)]
    pub release_notes: build::ReleaseNotesConfig,
    /// Release checks (`tug check --release`): severities per check id.
    #[serde(default)]
    pub checks: checks::ChecksConfig,
    /// Artifact signing (cosign compatible).
    #[serde(default)]
    pub sign: Option<sign::SignConfig>,
    /// Where releases are published, in order.
    #[serde(default)]
    pub publish: Vec<publish::PublisherConfig>,
    /// Deploy environments by name (`tug rollout prod`).
    #[serde(default)]
    pub environments: BTreeMap<String, deploy::EnvironmentConfig>,
    /// SBOMs for every Go binary (SPDX 2.3 and CycloneDX 1.6 JSON), written by `tug build`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sbom: Option<attest::SbomConfig>,
    /// A signed SLSA v1 provenance of the release, written by `tug sign`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provenance: Option<attest::ProvenanceConfig>,
    /// What a release's provenance must say (`tug verify --provenance`, `require_provenance`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy: Option<attest::PolicyConfig>,
    /// The pipelines `tug ci github|gitlab` writes: how their jobs install tug.
    #[serde(default, skip_serializing_if = "ci::CiConfig::is_unset")]
    pub ci: ci::CiConfig,
    /// Webhooks told about rollout events in every environment (an environment's own `notify:`
    /// replaces this list there).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notify: Vec<notify::WebhookConfig>,
}

impl Config {
    /// The configuration used when there is no tug.yaml: every section's defaults.
    pub fn embedded() -> Config {
        Config {
            version: Some(CURRENT_VERSION),
            ..Config::default()
        }
    }

    /// Semantic validation of every section; collects all problems into `v`.
    pub fn validate(&self, v: &mut Validator) {
        self.project.validate(v);
        for (i, b) in self.builds.iter().enumerate() {
            v.scoped(format!("builds[{i}]"), |v| b.validate(v));
        }
        v.scoped("checks", |v| self.checks.validate(v));
        if let Some(p) = &self.provenance {
            v.scoped("provenance", |v| p.validate(v));
        }
        if let Some(p) = &self.policy {
            v.scoped("policy", |v| p.validate(v));
        }
        v.scoped("publish", |v| publish::validate(&self.publish, v));
        v.scoped("notify", |v| notify::validate(&self.notify, v));
        let mut tree = None;
        for (name, e) in &self.environments {
            let start = v.diagnostics.len();
            v.scoped(format!("environments.{name}"), |v| e.validate(name, v));
            if v.diagnostics[start..].iter().any(|d| d.line == 0) {
                // Read the located tree only when a problem needs placing.
                if tree.is_none() {
                    tree = v.source().and_then(|s| tree::parse(s).ok());
                }
                if let Some(tree) = &tree {
                    locate::place_environment(name, e, tree, &mut v.diagnostics[start..]);
                }
            }
        }
        if let Some(s) = &self.sign {
            v.scoped("sign", |v| s.validate(v));
        }
        // Section owners: call your section's `validate` here, one scope per entry, e.g.
        //   for (i, b) in self.builds.iter().enumerate() { v.scoped(format!("builds[{i}]"), |v| b.validate(v)); }
        //   for (i, a) in self.archives.iter().enumerate() { v.scoped(format!("archives[{i}]"), |v| a.validate(v)); }
        //   v.scoped("checksum", |v| self.checksum.validate(v));
        //   v.scoped("release_notes", |v| self.release_notes.validate(v));
        //   v.scoped("checks", |v| self.checks.validate(v));
        //   if let Some(s) = &self.sign { v.scoped("sign", |v| s.validate(v)); }
        //   for (i, p) in self.publish.iter().enumerate() { v.scoped(format!("publish[{i}]"), |v| p.validate(v)); }
        //   for (name, e) in &self.environments { v.scoped(format!("environments.{name}"), |v| e.validate(v)); }
        // Ids that must be unique across entries: `v.unique_ids("build id", ids)`.
    }

    /// The JSON Schema of tug.yaml (what `tug schema` prints and tug.schema.json holds).
    pub fn json_schema() -> serde_json::Value {
        let mut schema =
            serde_json::to_value(schemars::schema_for!(Config)).expect("schema serializes");
        if let Some(obj) = schema.as_object_mut() {
            obj.insert("title".into(), "tug.yaml".into());
        }
        schema
    }
}

/// A loaded tug.yaml (or the embedded defaults).
#[derive(Debug, Clone)]
pub struct Loaded {
    pub config: Config,
    /// The file it came from; `None` for the embedded defaults.
    pub path: Option<PathBuf>,
    /// The file's text (empty for the embedded defaults).
    pub source: String,
    /// Problems that do not stop loading.
    pub warnings: Vec<Diagnostic>,
}

impl Loaded {
    /// Warnings rendered with their snippet, for `printer.warn`.
    pub fn rendered_warnings(&self) -> Vec<String> {
        self.warnings
            .iter()
            .map(|d| d.render_body(&self.source, true))
            .collect()
    }
}

/// Why a config could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("config file {} not found (from {from})", path.display())]
    NotFound { path: PathBuf, from: &'static str },
    #[error("cannot read {}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{}", InvalidDisplay(diagnostics, source_text))]
    Invalid {
        file: PathBuf,
        source_text: String,
        diagnostics: Vec<Diagnostic>,
    },
}

/// All diagnostics, the first without its `error:` label (the printer adds it) and the last
/// without its hint (it becomes the error's `hint:`), so printed output reads as one list.
struct InvalidDisplay<'a>(&'a [Diagnostic], &'a str);

impl fmt::Display for InvalidDisplay<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let errors: Vec<&Diagnostic> = self
            .0
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .collect();
        for (i, d) in errors.iter().enumerate() {
            let last = i + 1 == errors.len();
            if i > 0 {
                write!(f, "\n\n{}: ", d.label())?;
            }
            f.write_str(&d.render_body(self.1, !last))?;
        }
        Ok(())
    }
}

impl ConfigError {
    /// The problems, for `--json` output (empty unless the config is invalid).
    pub fn diagnostics(&self) -> &[Diagnostic] {
        match self {
            ConfigError::Invalid { diagnostics, .. } => diagnostics,
            _ => &[],
        }
    }

    pub fn hint(&self) -> Option<String> {
        match self {
            ConfigError::NotFound { .. } => {
                Some("check the path, or run `tug init` to write a tug.yaml".into())
            }
            ConfigError::Read { .. } => None,
            ConfigError::Invalid { diagnostics, .. } => diagnostics
                .iter()
                .rfind(|d| d.severity == Severity::Error)
                .and_then(|d| d.hint.clone()),
        }
    }
}

impl crate::error::Diagnostic for ConfigError {
    /// An unreadable file is a failure (exit 1); a missing or invalid one a configuration error
    /// (exit 2).
    fn exit_code(&self) -> crate::ExitCode {
        match self {
            ConfigError::Read { .. } => crate::ExitCode::Failure,
            _ => crate::ExitCode::Usage,
        }
    }
    fn hint(&self) -> Option<String> {
        ConfigError::hint(self)
    }
}

/// Find the config: `explicit` (from `-c` or `TUG_CONFIG`, relative to `cwd`) must exist;
/// otherwise walk up from `cwd` looking for tug.yaml. `Ok(None)`: use the embedded defaults.
pub fn find(
    explicit: Option<(&Path, &'static str)>,
    cwd: &Path,
) -> Result<Option<PathBuf>, ConfigError> {
    if let Some((path, from)) = explicit {
        let path = cwd.join(path);
        return if path.is_file() {
            Ok(Some(path))
        } else {
            Err(ConfigError::NotFound { path, from })
        };
    }
    let mut dir = Some(cwd);
    while let Some(d) = dir {
        let candidate = d.join(FILE_NAME);
        if candidate.is_file() {
            return Ok(Some(candidate));
        }
        dir = d.parent();
    }
    Ok(None)
}

/// Find and load the config (see [`find`]); the embedded defaults when there is none.
pub fn load(explicit: Option<(&Path, &'static str)>, cwd: &Path) -> Result<Loaded, ConfigError> {
    match find(explicit, cwd)? {
        None => Ok(Loaded {
            config: Config::embedded(),
            path: None,
            source: String::new(),
            warnings: vec![],
        }),
        Some(path) => load_file(&path),
    }
}

/// Load and validate one file.
pub fn load_file(path: &Path) -> Result<Loaded, ConfigError> {
    let bytes = std::fs::read(path).map_err(|e| ConfigError::Read {
        path: path.to_path_buf(),
        source: e,
    })?;
    let shown = display_path(path);
    let source = match String::from_utf8(bytes) {
        Ok(s) => s,
        Err(e) => return Err(not_utf8(&shown, e)),
    };
    let (config, warnings) = parse(&shown, &source)?;
    Ok(Loaded {
        config,
        path: Some(path.to_path_buf()),
        source,
        warnings,
    })
}

/// A file that is not UTF-8 text: located at the first invalid byte (the text before it is
/// shown, the bytes themselves are not).
fn not_utf8(file: &Path, e: std::string::FromUtf8Error) -> ConfigError {
    let bytes = e.as_bytes();
    let valid = &bytes[..e.utf8_error().valid_up_to()];
    let text = String::from_utf8_lossy(bytes).into_owned();
    let before = std::str::from_utf8(valid).unwrap_or_default();
    let line = before.matches('\n').count() as u64 + 1;
    let column = before.rsplit('\n').next().unwrap_or("").chars().count() as u64 + 1;
    ConfigError::Invalid {
        file: file.to_path_buf(),
        source_text: text,
        diagnostics: vec![Diagnostic {
            severity: Severity::Error,
            file: file.to_path_buf(),
            line,
            column,
            width: 1,
            message: "tug.yaml must be UTF-8 text: invalid byte here".into(),
            hint: Some("save the file as UTF-8 (without a byte-order mark is fine)".into()),
            redact: false,
        }],
    }
}

/// How a config path is shown in diagnostics: relative to the current directory when inside it.
pub(crate) fn display_path(path: &Path) -> PathBuf {
    match std::env::current_dir() {
        Ok(cwd) => path
            .strip_prefix(&cwd)
            .map(Path::to_path_buf)
            .unwrap_or_else(|_| path.to_path_buf()),
        Err(_) => path.to_path_buf(),
    }
}

/// Parse and validate config text; `file` is only used in diagnostics. Returns the config and
/// its warnings, or every problem found.
///
/// Every problem in one run: the schema walk ([`schema_check`]) reports every unknown key,
/// wrong type and missing key; the top-level sections it found broken are blanked (lines kept,
/// so locations stay right) and the rest of the file is deserialized and validated
/// semantically, so a typo in `builds` does not hide a bad template in `environments`.
pub fn parse(file: &Path, source: &str) -> Result<(Config, Vec<Diagnostic>), ConfigError> {
    let invalid = |diagnostics| ConfigError::Invalid {
        file: file.to_path_buf(),
        source_text: source.to_string(),
        diagnostics,
    };
    let only_comments = source
        .lines()
        .all(|l| l.trim().is_empty() || l.trim_start().starts_with('#'));
    if only_comments {
        let config = Config::default();
        let mut v = Validator::with_source(file, source);
        check_version(&config, source, &mut v);
        return Err(invalid(v.diagnostics));
    }
    let mut v = Validator::with_source(file, source);
    let config = match serde_saphyr::from_str::<Config>(source) {
        Ok(c) => c,
        Err(e) => {
            let serde_diag = diagnostic_from_serde(file, source, &e);
            let Ok(tree) = tree::parse(source) else {
                // Not even YAML (syntax, duplicate keys, budget): the parser's one error.
                return Err(invalid(vec![serde_diag]));
            };
            for p in schema_check::check(&tree) {
                v.error(p.at, p.message, p.hint);
            }
            if !v.diagnostics.iter().any(|d| d.line == serde_diag.line) {
                v.diagnostics.push(serde_diag);
            }
            let broken = broken_sections(&tree, source, &v.diagnostics);
            if let Some(partial) = partial_config(source, &broken) {
                let mut sub = Validator::with_source(file, source);
                semantic(&partial, &tree, source, &mut sub);
                v.diagnostics.extend(
                    sub.diagnostics
                        .into_iter()
                        .filter(|d| !broken.iter().any(|r| r.contains(&d.line))),
                );
            }
            v.diagnostics.sort_by_key(|d| (d.line, d.column));
            v.diagnostics
                .dedup_by(|a, b| a.line == b.line && a.message == b.message);
            return Err(invalid(v.diagnostics));
        }
    };
    match tree::parse(source) {
        Ok(tree) => semantic(&config, &tree, source, &mut v),
        Err(_) => {
            check_version(&config, source, &mut v);
            config.validate(&mut v);
        }
    }
    v.diagnostics.sort_by_key(|d| (d.line, d.column));
    if v.has_errors() {
        Err(invalid(v.diagnostics))
    } else {
        Ok((config, v.diagnostics))
    }
}

/// The config without the `broken` sections (line ranges blanked, so every other line keeps its
/// number), when the rest deserializes: what the semantic checks, and `tug check`'s file and
/// toolchain checks, still look at when some sections are broken.
fn partial_config(source: &str, broken: &[std::ops::RangeInclusive<u64>]) -> Option<Config> {
    let blanked: String = source
        .lines()
        .enumerate()
        .map(|(i, l)| {
            if broken.iter().any(|r| r.contains(&(i as u64 + 1))) {
                ""
            } else {
                l
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    serde_saphyr::from_str::<Config>(&blanked).ok()
}

/// The config of a file that failed to load, as far as it can be read: the whole file when only
/// semantic checks failed, else the sections the `diagnostics` do not fall in. `None` when not
/// even that deserializes.
pub fn readable_part(source: &str, diagnostics: &[Diagnostic]) -> Option<Config> {
    if let Ok(config) = serde_saphyr::from_str::<Config>(source) {
        return Some(config);
    }
    let tree = tree::parse(source).ok()?;
    partial_config(source, &broken_sections(&tree, source, diagnostics))
}

/// The semantic checks of a deserialized config: the version, each section's own `validate`,
/// templates against the variables each field sees, analysis conditions; diagnostics a section
/// could not locate are placed with the tree.
fn semantic(config: &Config, tree: &tree::Node, source: &str, v: &mut Validator) {
    check_version(config, source, v);
    config.validate(v);
    templates::check(config, tree, v);
    conditions::check(config, tree, v);
    targets::check_syntax(config, v);
    let base = v.file().parent().unwrap_or(Path::new("")).to_path_buf();
    files::check_values(config, tree, &base, v);
    locate::place_unlocated(config, tree, &mut v.diagnostics);
}

/// The line ranges of the top-level sections holding a diagnostic.
fn broken_sections(
    tree: &tree::Node,
    source: &str,
    diagnostics: &[Diagnostic],
) -> Vec<std::ops::RangeInclusive<u64>> {
    let entries = tree.entries();
    let last = source.lines().count() as u64;
    let mut out = Vec::new();
    for (i, (key, _)) in entries.iter().enumerate() {
        let start = key.at.line();
        let end = entries
            .get(i + 1)
            .map(|(k, _)| k.at.line().saturating_sub(1))
            .unwrap_or(last)
            .max(start);
        let range = start..=end;
        if diagnostics.iter().any(|d| range.contains(&d.line)) {
            out.push(range);
        }
    }
    out
}

/// Deserialize a YAML fragment into any config type with the loader's located diagnostic on
/// failure (friendly message, hint, "did you mean"). Section owners use it in unit tests:
/// `from_yaml::<BuildConfig>(Path::new("tug.yaml"), "targets: [linux/amd65]")`.
pub fn from_yaml<T: serde::de::DeserializeOwned>(
    file: &Path,
    source: &str,
) -> Result<T, Diagnostic> {
    serde_saphyr::from_str(source).map_err(|e| diagnostic_from_serde(file, source, &e))
}

fn check_version(config: &Config, source: &str, v: &mut Validator) {
    // The line of the top-level `version:` key, and the column of its value.
    let found = source.lines().enumerate().find_map(|(i, line)| {
        let rest = line.strip_prefix("version")?.trim_start();
        let value = rest.strip_prefix(':')?;
        let col = line.len() - value.trim_start().len() + 1;
        Some((i as u64 + 1, col as u64))
    });
    match (config.version, found) {
        (Some(CURRENT_VERSION), _) => {}
        (None, _) => v.error_at_line(
            1,
            1,
            "missing `version`",
            Some(format!(
                "add `version: {CURRENT_VERSION}` as the first line of the file"
            )),
        ),
        (Some(other), at) => {
            let (line, col) = at.unwrap_or((1, 1));
            v.error_at_line(
                line,
                col,
                format!("unsupported config version {other}"),
                Some(format!("this tug reads `version: {CURRENT_VERSION}`")),
            );
        }
    }
}

/// The text of the token at a location (for messages such as "`one` is not a number").
fn token_at(source: &str, loc: &Location) -> Option<String> {
    let line = source.lines().nth((loc.line() as usize).checked_sub(1)?)?;
    let rest: String = line
        .chars()
        .skip((loc.column().max(1) - 1) as usize)
        .collect();
    let end = match rest.chars().next() {
        Some('[') => rest.find(']').map(|i| i + 1),
        Some('{') => rest.find('}').map(|i| i + 1),
        _ => rest.find([',', ']', '}', '#']),
    }
    .unwrap_or(rest.len());
    let token = rest[..end].trim();
    (!token.is_empty()).then(|| token.to_string())
}

fn friendly_type(ty: &str) -> String {
    match ty {
        "u8" | "u16" | "u32" | "u64" | "usize" | "i8" | "i16" | "i32" | "i64" | "isize" => {
            "a whole number".into()
        }
        "f32" | "f64" => "a number".into(),
        "bool" | "a boolean" => "`true` or `false`".into(),
        "sequence start" | "a sequence" => "a list".into(),
        "mapping start" | "a map" => "a mapping (`key: value` pairs)".into(),
        "string scalar" | "a string" => "a string".into(),
        other => other.trim_start_matches("struct ").to_string(),
    }
}

fn type_hint(expected: &str) -> Option<String> {
    match expected {
        "a list" => Some("write a list: `[a, b]`, or one `- item` per line".into()),
        "a mapping (`key: value` pairs)" => {
            Some("write `key: value` pairs indented under the key".into())
        }
        "a string" => Some("quote the value: `\"...\"`".into()),
        "a whole number" => Some("write digits only, e.g. `1`".into()),
        "`true` or `false`" => Some("write `true` or `false`".into()),
        _ => None,
    }
}

fn strip_location_suffix(msg: &str) -> &str {
    match msg.rfind(" at line ") {
        Some(i) => &msg[..i],
        None => msg,
    }
}

/// Turn a serde-saphyr error into a located diagnostic with a friendly message and a hint.
fn diagnostic_from_serde(file: &Path, source: &str, err: &serde_saphyr::Error) -> Diagnostic {
    use serde_saphyr::Error as E;
    let mut inner = err.without_snippet();
    while let E::AliasError { error, .. } = inner {
        inner = error.without_snippet();
    }
    let loc = err
        .location()
        .or_else(|| inner.location())
        .unwrap_or(Location::UNKNOWN);
    // The located tree knows flow mappings (`hosts: [{name: a, port: x}]`); the indentation
    // heuristic is the fallback when the text is not even YAML.
    let path = match tree::parse(source) {
        Ok(t) => t.path_at(loc.line(), loc.column()),
        Err(_) => diag::yaml_path_at(source, loc.line(), loc.column()),
    };
    let (in_path, for_path) = if path.is_empty() {
        (String::new(), String::new())
    } else {
        (format!(" in `{path}`"), format!(" for `{path}`"))
    };
    let (message, hint) = match inner {
        E::SerdeUnknownField {
            field, expected, ..
        } => {
            let mut hint = Validator::suggest(field, expected.iter().copied())
                .map(|s| s + " ")
                .unwrap_or_default();
            if expected.is_empty() {
                hint = "this section takes no keys in this version of tug".into();
            } else {
                hint.push_str(&format!("valid keys here: {}", expected.join(", ")));
            }
            (format!("unknown key `{field}`{in_path}"), Some(hint))
        }
        E::SerdeMissingField { field, .. } => (
            format!("missing required key `{field}`{in_path}"),
            Some(format!("add `{field}:` to this mapping")),
        ),
        E::SerdeUnknownVariant {
            variant, expected, ..
        } => {
            let near = Validator::suggest(variant, expected.iter().copied())
                .map(|s| s + " ")
                .unwrap_or_default();
            (
                format!("unknown value `{variant}`{for_path}"),
                Some(format!("{near}expected one of: {}", expected.join(", "))),
            )
        }
        E::SerdeInvalidType {
            unexpected,
            expected,
            ..
        }
        | E::SerdeInvalidValue {
            unexpected,
            expected,
            ..
        } => {
            let expected = friendly_type(expected);
            let hint = type_hint(&expected);
            (
                format!("wrong type{for_path}: expected {expected}, found {unexpected}"),
                hint,
            )
        }
        E::InvalidScalar { ty, .. } => {
            let expected = friendly_type(ty);
            let found = token_at(source, &loc).unwrap_or_else(|| "this value".into());
            let hint = type_hint(&expected);
            (
                format!("wrong type{for_path}: expected {expected}, found `{found}`"),
                hint,
            )
        }
        E::InvalidBooleanStrict { .. } => (
            format!("wrong type{for_path}: expected `true` or `false`"),
            type_hint("`true` or `false`"),
        ),
        E::Unexpected { expected, .. } => {
            let expected = friendly_type(expected);
            let hint = type_hint(&expected);
            let found = token_at(source, &loc)
                .map(|t| format!(", found `{t}`"))
                .unwrap_or_default();
            (
                format!("wrong type{for_path}: expected {expected}{found}"),
                hint,
            )
        }
        E::NullIntoString { .. } => (
            format!("wrong type{for_path}: expected a string, found nothing"),
            Some("write a value after the colon".into()),
        ),
        E::DuplicateMappingKey { key, .. } => (
            match key {
                Some(k) => format!("duplicate key `{k}`"),
                None => "duplicate key".into(),
            },
            Some(
                "each key (and id) may appear only once in a mapping: remove or rename one".into(),
            ),
        ),
        E::Message { msg, .. } => match msg.split_once(types::HINT_SEPARATOR) {
            Some((m, h)) => (format!("{m}{in_path}"), Some(h.to_string())),
            None => (format!("{msg}{in_path}"), None),
        },
        E::MultipleDocuments { .. } => (
            "more than one YAML document".into(),
            Some("tug.yaml holds one document: remove the `---` separators".into()),
        ),
        other => {
            let text = other.to_string();
            (
                format!("invalid YAML: {}", strip_location_suffix(&text)),
                Some("check the indentation, quotes and brackets around this point".into()),
            )
        }
    };
    // A syntax error points at a position, not at a whole token.
    let width = usize::from(message.starts_with("invalid YAML"));
    Diagnostic {
        severity: Severity::Error,
        file: file.to_path_buf(),
        line: loc.line(),
        column: loc.column(),
        width,
        message,
        hint,
        redact: false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn errors(src: &str) -> Vec<(u64, u64, String, Option<String>)> {
        match parse(Path::new("tug.yaml"), src) {
            Ok(_) => vec![],
            Err(e) => e
                .diagnostics()
                .iter()
                .map(|d| (d.line, d.column, d.message.clone(), d.hint.clone()))
                .collect(),
        }
    }

    #[test]
    fn minimal_config_loads_with_defaults() {
        let (c, warnings) = parse(Path::new("tug.yaml"), "version: 1\n").unwrap();
        assert!(warnings.is_empty());
        assert_eq!(c.project.tag_prefix, "v");
        assert_eq!(c.project.dist, PathBuf::from("dist"));
        assert_eq!(
            c.project.snapshot.version_template.value,
            project::DEFAULT_SNAPSHOT_VERSION
        );
    }

    #[test]
    fn unknown_key_suggests_the_nearest() {
        let e = errors("version: 1\nproject:\n  tag_prefx: v\n");
        assert_eq!(e[0].0, 3);
        assert_eq!(e[0].1, 3);
        assert_eq!(e[0].2, "unknown key `tag_prefx` in `project`");
        assert!(e[0]
            .3
            .as_deref()
            .unwrap()
            .starts_with("did you mean `tag_prefix`? valid keys here: name, dist"));
    }

    #[test]
    fn version_must_be_present_and_one() {
        assert_eq!(errors("project: {}\n")[0].2, "missing `version`");
        let e = errors("# c\nversion: 2\n");
        assert_eq!(
            (e[0].0, e[0].1, e[0].2.as_str()),
            (2, 10, "unsupported config version 2")
        );
        assert_eq!(errors("# only a comment\n")[0].2, "missing `version`");
        let e = errors("version: one\n");
        assert_eq!(
            e[0].2,
            "wrong type for `version`: expected a whole number, found `one`"
        );
    }

    #[test]
    fn wrong_type_and_syntax() {
        let e = errors("version: 1\nproject:\n  env: CGO_ENABLED=0\n");
        assert_eq!((e[0].0, e[0].1), (3, 8));
        assert_eq!(
            e[0].2,
            "wrong type for `project.env`: expected a list, found `CGO_ENABLED=0`"
        );
        let e = errors("version: 1\nproject: {name: x\n");
        assert!(e[0].2.starts_with("invalid YAML: "), "{e:?}");
    }

    #[test]
    fn semantic_problems_are_all_collected() {
        let src = "version: 1\nproject:\n  name: my app\n  snapshot:\n    version_template: \"{{ versoin }}\"\n  env:\n    - A=1\n    - BAD\n    - A=2\n";
        let e = errors(src);
        let messages: Vec<&str> = e.iter().map(|d| d.2.as_str()).collect();
        assert_eq!(
            messages,
            [
                "invalid project name `my app`",
                "unknown template variable `versoin` in `project.snapshot.version_template`",
                "invalid environment entry `BAD` in `project.env`",
                "duplicate environment variable `A`",
            ]
        );
        assert_eq!((e[1].0, e[1].1), (5, 27));
    }

    #[test]
    fn invalid_error_reads_as_one_list() {
        let err = parse(Path::new("tug.yaml"), "version: 3\nproject:\n  name: a b\n").unwrap_err();
        let text = err.to_string();
        assert!(
            text.starts_with("tug.yaml:1:10: unsupported config version 3\n"),
            "{text}"
        );
        assert!(text.contains(
            "hint: this tug reads `version: 1`\n\nerror: tug.yaml:3:9: invalid project name `a b`"
        ));
        assert_eq!(
            err.hint().unwrap(),
            "use a non-empty name without spaces or slashes, e.g. `hello`"
        );
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Step {
        name: String,
        pause: Option<Duration>,
        #[serde(default)]
        targets: Vec<Target>,
    }

    fn step_error(src: &str) -> (u64, u64, String, Option<String>) {
        let d = from_yaml::<Vec<Step>>(Path::new("tug.yaml"), src).unwrap_err();
        (d.line, d.column, d.message, d.hint)
    }

    #[test]
    fn located_errors_for_missing_keys_durations_and_targets() {
        let (line, col, msg, hint) = step_error("- name: a\n- pause: 5m\n");
        assert_eq!(
            (line, col, msg.as_str()),
            (2, 3, "missing required key `name` in `[1]`")
        );
        assert_eq!(hint.unwrap(), "add `name:` to this mapping");

        let (line, col, msg, hint) = step_error("- name: a\n  pause: 5x\n");
        assert_eq!((line, col), (2, 10));
        assert!(msg.starts_with("invalid duration `5x`"), "{msg}");
        assert_eq!(
            hint.unwrap(),
            "write a number with a unit: `30s`, `5m`, `1h30m`, `500ms`"
        );

        let (line, col, msg, hint) =
            step_error("- name: a\n  targets: [linux/arm64, linux/amd65]\n");
        assert_eq!(
            (line, col, msg.as_str()),
            (2, 26, "unknown target `linux/amd65` in `[0].targets`")
        );
        assert!(hint.unwrap().starts_with("did you mean `linux/amd64`?"));

        let (_, _, msg, _) = step_error("- name: [a]\n");
        assert_eq!(
            msg,
            "wrong type for `[0].name`: expected a string, found `[a]`"
        );
        let ok = from_yaml::<Vec<Step>>(
            Path::new("x"),
            "- name: a\n  pause: 1h30m\n  targets: [linux/arm/7]\n",
        )
        .unwrap();
        assert_eq!(ok[0].pause.unwrap().get().as_secs(), 5400);
    }

    #[test]
    fn find_walks_up_and_explicit_must_exist() {
        let dir = tempfile::tempdir().unwrap();
        let sub = dir.path().join("a/b");
        std::fs::create_dir_all(&sub).unwrap();
        assert_eq!(
            find(None, &sub)
                .unwrap()
                .filter(|p| p.starts_with(dir.path())),
            None
        );
        std::fs::write(dir.path().join("tug.yaml"), "version: 1\n").unwrap();
        assert_eq!(find(None, &sub).unwrap(), Some(dir.path().join("tug.yaml")));
        let err = find(Some((Path::new("nope.yaml"), "--config")), &sub).unwrap_err();
        assert!(matches!(err, ConfigError::NotFound { .. }));
    }

    #[test]
    fn config_errors_keep_their_cause_and_exit_codes() {
        let dir = tempfile::tempdir().unwrap();
        // A directory where the file should be: reading it fails with an OS error.
        std::fs::create_dir(dir.path().join("tug.yaml")).unwrap();
        let err = load_file(&dir.path().join("tug.yaml")).unwrap_err();
        let err = anyhow::Error::from(crate::Error::from(err));
        let chain: Vec<String> = err.chain().map(|c| c.to_string()).collect();
        assert!(chain[0].starts_with("cannot read "), "{chain:?}");
        assert!(chain[1].contains("directory"), "{chain:?}");
        assert_eq!(crate::error::classify(&err).0, crate::ExitCode::Failure);
        let err = find(Some((Path::new("nope.yaml"), "--config")), dir.path()).unwrap_err();
        let err = anyhow::Error::from(crate::Error::from(err));
        assert_eq!(crate::error::classify(&err).0, crate::ExitCode::Usage);
        assert!(crate::error::classify(&err).1.unwrap().contains("tug init"));
    }

    #[test]
    fn schema_describes_sections() {
        let schema = Config::json_schema();
        assert_eq!(schema["title"], "tug.yaml");
        assert!(schema["properties"]["project"].is_object());
        assert!(schema.to_string().contains("snapshot"));
    }
}
