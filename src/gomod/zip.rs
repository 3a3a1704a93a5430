//! The module zip the go command downloads from a proxy, made by the rules of
//! `golang.org/x/mod/zip` (`checkFiles`, `Create`): the files of the module at its tag, every
//! entry named `module@version/path`, and nothing the go command would refuse or leave out.
//!
//! Why tug has its own: the zip's bytes are the release (the `h1:` hash in every consumer's go.sum
//! is computed from its files), so what goes in must match what `go mod download` of the same
//! tag would put in, file for file, or consumers get a checksum mismatch. The rules, in x/mod's
//! order for each file:
//! - omitted: files of vendored packages (`vendor/<dir>/...`; `vendor/modules.txt` too from
//!   `go 1.24` on), files of nested modules (a directory with its own regular `go.mod`),
//!   `.hg_archival.txt`, symbolic links and anything not a regular file (a git submodule);
//! - refused, with the path named: invalid file names (`module.CheckFilePath`), `go.mod` in
//!   another case, case-insensitive collisions, a `go.mod` or `LICENSE` over 16 MiB;
//! - refused: more than 500 MiB in all, or a zip over 500 MiB.
//!
//! The zip is deterministic: entries sorted by path, one fixed timestamp, fixed permissions, so
//! the same tag always gives the same bytes (and the same SHA-256 in the checksums file).

use std::collections::{HashMap, HashSet};
use std::io::{Cursor, Write};

use sha2::{Digest, Sha256};

use super::dirhash;
use super::path::{check_major_matches, check_module_path, split_path_version, PathError};
use super::proxy_path::file_name_char;

/// The largest module zip, and the most its files may hold uncompressed (x/mod `MaxZipFile`).
pub const MAX_ZIP_FILE: u64 = 500 << 20;
/// The largest `go.mod` in a module zip (x/mod `MaxGoMod`).
pub const MAX_GO_MOD: u64 = 16 << 20;
/// The largest `LICENSE` in a module zip (x/mod `MaxLICENSE`).
pub const MAX_LICENSE: u64 = 16 << 20;

/// What a file of the source tree is (from the git tree: the entry's mode).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    Regular,
    Executable,
    Symlink,
    /// A git submodule (gitlink): a directory the tree does not hold.
    Submodule,
}

/// One file of the module's source tree, relative to the module root, with `/` separators.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceFile {
    /// The path as bytes (git paths need not be UTF-8; such a path is refused).
    pub path: Vec<u8>,
    pub kind: FileKind,
    /// Contents (empty for symlinks and submodules, which are never read).
    pub data: Vec<u8>,
}

/// Why a file was left out of the zip (the go command leaves it out too).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Omitted {
    Vendored,
    NestedModule,
    HgArchival,
    Symlink,
    NotRegular,
}

/// Why a file makes the module impossible to zip.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FileProblem {
    #[error("invalid file name: {0}")]
    InvalidName(String),
    #[error("go.mod in the wrong case (the go command reads only `go.mod`)")]
    GoModCase,
    #[error("case-insensitive file name collision with {0:?}")]
    Collision(String),
    #[error("{size} bytes, over the {limit}-byte limit for this file")]
    TooLarge { size: u64, limit: u64 },
}

/// A file and its problem.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused {
    pub path: String,
    pub problem: FileProblem,
}

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.path, self.problem)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ZipError {
    #[error("the module path cannot be published")]
    ModulePath(#[source] PathError),
    #[error("{version} is not a version of {module}: {reason}")]
    Version {
        module: String,
        version: String,
        reason: String,
    },
    #[error("the module has no go.mod at its root")]
    NoGoMod,
    #[error("{} file{} cannot go into the module zip of {module}@{version}: {}",
            refused.len(), if refused.len() == 1 { "" } else { "s" },
            refused.iter().map(|r| r.to_string()).collect::<Vec<_>>().join("; "))]
    Refused {
        module: String,
        version: String,
        refused: Vec<Refused>,
    },
    #[error("the module source tree of {module}@{version} is too large ({size} bytes; the go command accepts at most {MAX_ZIP_FILE})")]
    TooLarge {
        module: String,
        version: String,
        size: u64,
    },
    #[error("writing the module zip")]
    Write(#[source] zip::result::ZipError),
    #[error(transparent)]
    Hash(#[from] dirhash::HashError),
}

impl crate::error::Diagnostic for ZipError {
    fn exit_code(&self) -> crate::ExitCode {
        match self {
            ZipError::ModulePath(_) | ZipError::Version { .. } | ZipError::NoGoMod => {
                crate::ExitCode::Usage
            }
            ZipError::Refused { .. } | ZipError::TooLarge { .. } => crate::ExitCode::ChecksFailed,
            _ => crate::ExitCode::Failure,
        }
    }
    fn hint(&self) -> Option<String> {
        Some(match self {
            ZipError::ModulePath(_) => "fix the `module` line of go.mod: the go command refuses this path (`go mod edit -module NEW`)".into(),
            ZipError::Version { .. } => "tag the release with a canonical semantic version whose major matches the module path (`/v2` for v2.x.y)".into(),
            ZipError::NoGoMod => "a module release needs go.mod at the module root (`go mod init`)".into(),
            ZipError::Refused { .. } => "rename, shrink or remove the files named (then commit and tag again); the go command would refuse this module".into(),
            ZipError::TooLarge { .. } => "move large files out of the module (a nested module with its own go.mod, or out of the repository)".into(),
            _ => return None,
        })
    }
}

/// The checked file list: what goes in (indices into the input) and what is left out.
#[derive(Debug, Clone, Default)]
pub struct Checked {
    pub included: Vec<usize>,
    pub omitted: Vec<(String, Omitted)>,
}

/// A module zip ready to be written: its bytes and hashes.
#[derive(Debug, Clone)]
pub struct ModuleZip {
    pub bytes: Vec<u8>,
    /// `h1:` of the zip (go.sum's `module version h1:...`).
    pub h1: String,
    /// `h1:` of go.mod (go.sum's `module version/go.mod h1:...`).
    pub go_mod_h1: String,
    /// The `.mod` file: the root go.mod's bytes.
    pub go_mod: Vec<u8>,
    /// Entries written, without the `module@version/` prefix, sorted.
    pub files: Vec<String>,
    pub omitted: Vec<(String, Omitted)>,
}

/// `module.Check`: a valid path and a canonical `vX.Y.Z[-pre]` version whose major fits the path.
pub fn check_module_version(module: &str, version: &str) -> Result<(), ZipError> {
    check_module_path(module).map_err(ZipError::ModulePath)?;
    let bad = |reason: String| ZipError::Version {
        module: module.to_string(),
        version: version.to_string(),
        reason,
    };
    let v = super::parse_tag_version(version).map_err(|e| bad(e.to_string()))?;
    if !v.build.is_empty() {
        return Err(bad("build metadata (`+...`) is not allowed".into()));
    }
    if split_path_version(module).is_none() {
        return Err(bad(
            "the module path has a malformed major-version suffix".into()
        ));
    }
    check_major_matches(module, v.major).map_err(bad)
}

/// Apply x/mod's file rules to `files`: everything refused is collected before returning.
pub fn check_files(module: &str, version: &str, files: &[SourceFile]) -> Result<Checked, ZipError> {
    // Directories (with a trailing `/`) that hold a regular go.mod of their own: nested modules.
    let mut nested: HashSet<String> = HashSet::new();
    let mut go_version = None;
    for f in files {
        let Ok(p) = std::str::from_utf8(&f.path) else {
            continue;
        };
        let (dir, base) = match p.rfind('/') {
            Some(i) => (&p[..=i], &p[i + 1..]),
            None => ("", p),
        };
        if base.eq_ignore_ascii_case("go.mod") && is_regular(f.kind) {
            nested.insert(dir.to_string());
            if dir.is_empty() && base == "go.mod" {
                go_version = std::str::from_utf8(&f.data)
                    .ok()
                    .and_then(|t| super::GoMod::parse(t).ok())
                    .and_then(|m| m.go)
                    .and_then(|g| super::GoVersion::parse(&g.value));
            }
        }
    }
    nested.remove("");
    let go124 = go_version.is_some_and(|g| g.at_least(1, 24));
    let in_nested = |p: &str| {
        let mut end = p.len();
        while let Some(i) = p[..end].rfind('/') {
            if nested.contains(&p[..=i]) {
                return true;
            }
            end = i;
        }
        false
    };

    let mut checked = Checked::default();
    let mut refused = Vec::new();
    let mut folds: HashMap<String, (String, bool)> = HashMap::new();
    let mut remaining = MAX_ZIP_FILE;
    let mut total: u64 = 0;
    let mut too_large = false;
    for (index, f) in files.iter().enumerate() {
        let p = match std::str::from_utf8(&f.path) {
            Ok(p) => p,
            Err(_) => {
                refused.push(Refused {
                    path: String::from_utf8_lossy(&f.path).into_owned(),
                    problem: FileProblem::InvalidName("invalid UTF-8".into()),
                });
                continue;
            }
        };
        if is_vendored(p, go124) {
            checked.omitted.push((p.to_string(), Omitted::Vendored));
            continue;
        }
        if in_nested(p) {
            checked.omitted.push((p.to_string(), Omitted::NestedModule));
            continue;
        }
        if p == ".hg_archival.txt" {
            checked.omitted.push((p.to_string(), Omitted::HgArchival));
            continue;
        }
        if let Err(reason) = check_file_path(p) {
            refused.push(Refused {
                path: p.to_string(),
                problem: FileProblem::InvalidName(reason),
            });
            continue;
        }
        if p.eq_ignore_ascii_case("go.mod") && p != "go.mod" {
            refused.push(Refused {
                path: p.to_string(),
                problem: FileProblem::GoModCase,
            });
            continue;
        }
        if let Err(other) = check_collision(&mut folds, p, false) {
            refused.push(Refused {
                path: p.to_string(),
                problem: FileProblem::Collision(other),
            });
            continue;
        }
        match f.kind {
            FileKind::Symlink => {
                checked.omitted.push((p.to_string(), Omitted::Symlink));
                continue;
            }
            FileKind::Submodule => {
                checked.omitted.push((p.to_string(), Omitted::NotRegular));
                continue;
            }
            FileKind::Regular | FileKind::Executable => {}
        }
        let size = f.data.len() as u64;
        total += size;
        if size <= remaining {
            remaining -= size;
        } else {
            too_large = true;
        }
        let limit = match p {
            "go.mod" => Some(MAX_GO_MOD),
            "LICENSE" => Some(MAX_LICENSE),
            _ => None,
        };
        if let Some(limit) = limit.filter(|l| size > *l) {
            refused.push(Refused {
                path: p.to_string(),
                problem: FileProblem::TooLarge { size, limit },
            });
            continue;
        }
        checked.included.push(index);
    }
    if !refused.is_empty() {
        return Err(ZipError::Refused {
            module: module.to_string(),
            version: version.to_string(),
            refused,
        });
    }
    if too_large {
        return Err(ZipError::TooLarge {
            module: module.to_string(),
            version: version.to_string(),
            size: total,
        });
    }
    Ok(checked)
}

/// Check the version and the files and write the zip, with its hashes.
pub fn create(module: &str, version: &str, files: &[SourceFile]) -> Result<ModuleZip, ZipError> {
    check_module_version(module, version)?;
    let checked = check_files(module, version, files)?;
    let go_mod = files
        .iter()
        .find(|f| f.path == b"go.mod" && is_regular(f.kind))
        .ok_or(ZipError::NoGoMod)?
        .data
        .clone();

    let mut entries: Vec<(&str, &[u8])> = checked
        .included
        .iter()
        .map(|&i| {
            let f = &files[i];
            (
                std::str::from_utf8(&f.path).expect("checked as UTF-8"),
                f.data.as_slice(),
            )
        })
        .collect();
    entries.sort_by(|a, b| a.0.cmp(b.0));

    let prefix = format!("{module}@{version}/");
    let uncompressed: usize = entries.iter().map(|e| e.1.len()).sum();
    let mut writer = zip::ZipWriter::new(Cursor::new(Vec::with_capacity(uncompressed / 3 + 1024)));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .last_modified_time(zip::DateTime::default())
        .unix_permissions(0o644);
    let mut digests = Vec::with_capacity(entries.len());
    for (path, data) in &entries {
        let name = format!("{prefix}{path}");
        writer
            .start_file(name.as_str(), options)
            .map_err(ZipError::Write)?;
        writer
            .write_all(data)
            .map_err(|e| ZipError::Write(e.into()))?;
        digests.push((name, Sha256::digest(data).into()));
    }
    let bytes = writer.finish().map_err(ZipError::Write)?.into_inner();
    if bytes.len() as u64 > MAX_ZIP_FILE {
        return Err(ZipError::TooLarge {
            module: module.to_string(),
            version: version.to_string(),
            size: bytes.len() as u64,
        });
    }
    Ok(ModuleZip {
        h1: dirhash::hash1_digests(digests)?,
        go_mod_h1: dirhash::hash_go_mod(&go_mod),
        go_mod,
        bytes,
        files: entries.iter().map(|e| e.0.to_string()).collect(),
        omitted: checked.omitted,
    })
}

fn is_regular(kind: FileKind) -> bool {
    matches!(kind, FileKind::Regular | FileKind::Executable)
}

/// x/mod `isVendoredPackage`, including the pre-go1.24 offset quirk the checksums depend on.
fn is_vendored(name: &str, go124: bool) -> bool {
    if go124 && name == "vendor/modules.txt" {
        return true;
    }
    let i = if let Some(rest) = name.strip_prefix("vendor/") {
        name.len() - rest.len()
    } else if let Some(j) = name.find("/vendor/") {
        if go124 {
            j + "/vendor/".len()
        } else {
            "/vendor/".len()
        }
    } else {
        return false;
    };
    name.get(i..).is_some_and(|rest| rest.contains('/'))
}

/// x/mod `CheckFilePath`: the reason a path is not a valid file path, if it is not.
pub fn check_file_path(path: &str) -> Result<(), String> {
    if path.is_empty() {
        return Err("empty string".into());
    }
    if path.contains("//") {
        return Err("double slash".into());
    }
    if path.ends_with('/') {
        return Err("trailing slash".into());
    }
    for elem in path.split('/') {
        if elem.is_empty() {
            return Err("empty path element".into());
        }
        if elem.chars().all(|c| c == '.') {
            return Err(format!("invalid path element {elem:?}"));
        }
        if elem.ends_with('.') {
            return Err("trailing dot in path element".into());
        }
        if let Some(c) = elem.chars().find(|c| !file_name_char(*c)) {
            return Err(format!("invalid char {c:?}"));
        }
        let short = elem.split('.').next().unwrap_or("");
        if super::path::RESERVED
            .iter()
            .any(|r| r.eq_ignore_ascii_case(short))
        {
            return Err(format!(
                "{short:?} disallowed as path element component on Windows"
            ));
        }
    }
    Ok(())
}

/// x/mod's `collisionChecker`: the path (or one of its directories) that folds to the same name.
fn check_collision(
    folds: &mut HashMap<String, (String, bool)>,
    p: &str,
    is_dir: bool,
) -> Result<(), String> {
    let fold = p.to_lowercase();
    match folds.get(&fold) {
        Some((other, other_dir)) => {
            if other != p {
                return Err(other.clone());
            }
            if *other_dir != is_dir {
                return Err(format!("{p} (both a file and a directory)"));
            }
            if !is_dir {
                return Err(format!("{p} (listed twice)"));
            }
            // The same directory again: its parents were checked the first time.
            return Ok(());
        }
        None => {
            folds.insert(fold, (p.to_string(), is_dir));
        }
    }
    match p.rfind('/') {
        Some(i) => check_collision(folds, &p[..i], true),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(path: &str, data: &str) -> SourceFile {
        SourceFile {
            path: path.as_bytes().to_vec(),
            kind: FileKind::Regular,
            data: data.as_bytes().to_vec(),
        }
    }

    fn gomod(go: &str) -> SourceFile {
        file("go.mod", &format!("module example.com/lib\n\ngo {go}\n"))
    }

    #[test]
    fn omits_vendor_nested_modules_and_links_like_x_mod() {
        let mut link = file("link.go", "");
        link.kind = FileKind::Symlink;
        let files = vec![
            gomod("1.22"),
            file("lib.go", "package lib\n"),
            file("vendor/modules.txt", "# x\n"),
            file("vendor/example.org/x/x.go", "package x\n"),
            file("pkg/vendor/vendor.go", "package vendor\n"),
            file("sub/go.mod", "module example.com/lib/sub\n"),
            file("sub/sub.go", "package sub\n"),
            file(".hg_archival.txt", "x"),
            link,
        ];
        let z = create("example.com/lib", "v1.0.0", &files).unwrap();
        // Before go 1.24, vendor/modules.txt stays and pkg/vendor/vendor.go is (wrongly) omitted.
        assert_eq!(z.files, vec!["go.mod", "lib.go", "vendor/modules.txt"]);
        let mut files124 = files.clone();
        files124[0] = gomod("1.24");
        let z = create("example.com/lib", "v1.0.0", &files124).unwrap();
        assert_eq!(z.files, vec!["go.mod", "lib.go", "pkg/vendor/vendor.go"]);
        assert!(z.h1.starts_with("h1:"));
        assert_eq!(dirhash::hash_zip(&z.bytes).unwrap(), z.h1);
        // Deterministic.
        let again = create("example.com/lib", "v1.0.0", &files124).unwrap();
        assert_eq!(again.bytes, z.bytes);
    }

    #[test]
    fn refuses_collisions_bad_names_and_large_license_naming_each() {
        let files = vec![
            gomod("1.22"),
            file("README.md", ""),
            file("readme.MD", ""),
            file("a:b.go", ""),
            file("GO.MOD", ""),
            file("Dir/x.go", ""),
            file("dir/y.go", ""),
            SourceFile {
                path: b"LICENSE".to_vec(),
                kind: FileKind::Regular,
                data: vec![b'x'; (MAX_LICENSE + 1) as usize],
            },
        ];
        let err = create("example.com/lib", "v1.0.0", &files).unwrap_err();
        let text = err.to_string();
        for name in ["readme.MD", "a:b.go", "GO.MOD", "dir/y.go", "LICENSE"] {
            assert!(text.contains(name), "{name} not named in {text}");
        }
        assert!(!text.contains("README.md:"), "{text}");
    }

    /// A file of `size` zero bytes that costs no memory: the allocation is zeroed by the
    /// kernel on first touch (mmap), and the checks only look at its length.
    fn large(path: &str, size: u64) -> SourceFile {
        SourceFile {
            path: path.as_bytes().to_vec(),
            kind: FileKind::Regular,
            data: vec![0u8; size as usize],
        }
    }

    #[test]
    fn the_500_mib_limit_is_on_the_included_files_in_all() {
        let half = MAX_ZIP_FILE / 2;
        // Exactly the limit is accepted, as x/mod accepts it; files left out do not count.
        let at_limit = vec![
            gomod("1.22"),
            large("a.bin", half),
            large("b.bin", half - gomod("1.22").data.len() as u64),
            large("vendor/example.org/dep/big.bin", MAX_ZIP_FILE),
        ];
        assert!(check_files("example.com/lib", "v1.0.0", &at_limit).is_ok());
        // One byte more, spread over files none of which is too large alone: refused, naming
        // the module version and the total.
        let over = vec![
            gomod("1.22"),
            large("a.bin", half),
            large("b.bin", half - gomod("1.22").data.len() as u64 + 1),
        ];
        let err = check_files("example.com/lib", "v1.0.0", &over).unwrap_err();
        assert!(
            matches!(err, ZipError::TooLarge { size, .. } if size == MAX_ZIP_FILE + 1),
            "{err}"
        );
        assert!(err.to_string().contains("example.com/lib@v1.0.0"), "{err}");
    }

    #[test]
    fn versions_must_be_canonical_and_fit_the_major() {
        assert!(check_module_version("example.com/lib", "v1.2.3").is_ok());
        assert!(check_module_version("example.com/lib", "v2.0.0").is_err());
        assert!(check_module_version("example.com/lib/v2", "v2.0.0").is_ok());
        assert!(check_module_version("example.com/lib", "1.2.3").is_err());
        assert!(check_module_version("example.com/lib", "v1.2").is_err());
        assert!(check_module_version("Example.com/lib", "v1.2.3").is_err());
    }

    #[test]
    fn file_paths_follow_check_file_path() {
        assert!(check_file_path("a/b c/.hidden.go").is_ok());
        assert!(check_file_path("a/CON.txt").is_err());
        assert!(check_file_path("a/b.").is_err());
        assert!(check_file_path("a/\"q\"").is_err());
        assert!(check_file_path("a/é.go").is_ok());
    }
}
