//! The build information the Go linker embeds in every binary (what `go version -m` prints),
//! read in Rust from ELF, Mach-O and PE files alike.
//!
//! The blob starts with the 14-byte magic `\xff Go buildinf:`, a pointer size byte and a flags
//! byte, padded to 32 bytes. Since Go 1.18 (flag bit 2) two length-prefixed strings follow inline:
//! the Go version, then the module info, which is wrapped in 16-byte sentinels. The blob sits in a
//! data section at a 16-byte aligned address; we scan the file for the magic and accept the first
//! occurrence that decodes, which makes the reader independent of the object format.

use std::path::Path;

const MAGIC: &[u8] = b"\xff Go buildinf:";
const FLAG_INLINE_STRINGS: u8 = 0x2;

/// One `build` setting line: `vcs.modified=false`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuildInfo {
    /// `go1.23.4`.
    pub go_version: String,
    /// The main package path (`path` line).
    pub path: Option<String>,
    /// The main module path and version (`mod` line); `(devel)` when built outside a VCS tag.
    pub main_module: Option<(String, String)>,
    /// The `h1:` sum of the main module, when the go command recorded one (a module built from
    /// the module cache; empty for a build in the work tree).
    pub main_sum: Option<String>,
    /// Every dependency module compiled in (`dep` lines), in the order the linker wrote them.
    pub deps: Vec<Module>,
    pub settings: Vec<(String, String)>,
}

/// A dependency module of a Go binary: a `dep` line, with the `=>` replacement that followed it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Module {
    pub path: String,
    pub version: String,
    /// `h1:...`; empty for a replacement by a local directory.
    pub sum: Option<String>,
    pub replace: Option<Box<Module>>,
}

impl BuildInfo {
    pub fn setting(&self, key: &str) -> Option<&str> {
        self.settings
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}

#[derive(Debug, thiserror::Error)]
pub enum BuildInfoError {
    #[error("cannot read {0}: {1}")]
    Io(String, std::io::Error),
    #[error("{0} is not a Go binary (no Go build information found)")]
    NotGo(String),
    #[error(
        "{0} was built with Go older than 1.18, whose build information format is not supported"
    )]
    TooOld(String),
}

/// Read the build info of the binary at `path`.
pub fn read(path: &Path) -> Result<BuildInfo, BuildInfoError> {
    let name = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|e| BuildInfoError::Io(name.clone(), e))?;
    parse(&bytes).map_err(|e| match e {
        ParseFailure::NotFound => BuildInfoError::NotGo(name),
        ParseFailure::Old => BuildInfoError::TooOld(name),
    })
}

enum ParseFailure {
    NotFound,
    Old,
}

fn parse(bytes: &[u8]) -> Result<BuildInfo, ParseFailure> {
    let mut saw_old = false;
    let mut start = 0;
    while let Some(at) = find(&bytes[start..], MAGIC) {
        let pos = start + at;
        start = pos + 1;
        let Some(header) = bytes.get(pos..pos + 32) else {
            break;
        };
        let ptr_size = header[14];
        let flags = header[15];
        if ptr_size != 4 && ptr_size != 8 {
            continue;
        }
        if flags & FLAG_INLINE_STRINGS == 0 {
            saw_old = true;
            continue;
        }
        let mut rest = &bytes[pos + 32..];
        let Some(version) = read_string(&mut rest) else {
            continue;
        };
        let Some(modinfo) = read_string(&mut rest) else {
            continue;
        };
        let Ok(version) = std::str::from_utf8(version) else {
            continue;
        };
        if !version.starts_with("go") && !version.starts_with("devel") {
            continue;
        }
        let modinfo = strip_sentinels(modinfo);
        let modinfo = String::from_utf8_lossy(modinfo);
        return Ok(parse_modinfo(version, &modinfo));
    }
    Err(if saw_old {
        ParseFailure::Old
    } else {
        ParseFailure::NotFound
    })
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    let first = needle[0];
    let mut i = 0;
    while i + needle.len() <= hay.len() {
        match hay[i..hay.len() - needle.len() + 1]
            .iter()
            .position(|&b| b == first)
        {
            None => return None,
            Some(off) => {
                i += off;
                if &hay[i..i + needle.len()] == needle {
                    return Some(i);
                }
                i += 1;
            }
        }
    }
    None
}

/// A uvarint length followed by that many bytes.
fn read_string<'a>(data: &mut &'a [u8]) -> Option<&'a [u8]> {
    let mut len: u64 = 0;
    let mut shift = 0;
    let mut i = 0;
    loop {
        let b = *data.get(i)?;
        i += 1;
        len |= u64::from(b & 0x7f) << shift;
        if b & 0x80 == 0 {
            break;
        }
        shift += 7;
        if shift > 63 {
            return None;
        }
    }
    let len = usize::try_from(len).ok()?;
    let s = data.get(i..i + len)?;
    *data = &data[i + len..];
    Some(s)
}

/// The module info is wrapped in 16 bytes of sentinel on each side.
fn strip_sentinels(modinfo: &[u8]) -> &[u8] {
    if modinfo.len() >= 33 && modinfo[modinfo.len() - 17] == b'\n' {
        &modinfo[16..modinfo.len() - 16]
    } else {
        modinfo
    }
}

fn parse_modinfo(go_version: &str, text: &str) -> BuildInfo {
    let mut info = BuildInfo {
        go_version: go_version.to_string(),
        path: None,
        main_module: None,
        main_sum: None,
        deps: Vec::new(),
        settings: Vec::new(),
    };
    let module = |path: Option<&str>, version: Option<&str>, sum: Option<&str>| Module {
        path: path.unwrap_or_default().to_string(),
        version: version.unwrap_or_default().to_string(),
        sum: sum.filter(|s| !s.is_empty()).map(str::to_string),
        replace: None,
    };
    for line in text.lines() {
        let mut fields = line.split('\t');
        match fields.next() {
            Some("path") => info.path = fields.next().map(str::to_string),
            Some("mod") => {
                let path = fields.next().unwrap_or_default().to_string();
                let version = fields.next().unwrap_or_default().to_string();
                info.main_module = Some((path, version));
                info.main_sum = fields.next().filter(|s| !s.is_empty()).map(str::to_string);
            }
            Some("dep") => info
                .deps
                .push(module(fields.next(), fields.next(), fields.next())),
            Some("=>") => {
                let replacement = module(fields.next(), fields.next(), fields.next());
                if let Some(last) = info.deps.last_mut() {
                    last.replace = Some(Box::new(replacement));
                }
            }
            Some("build") => {
                if let Some((k, v)) = fields.next().and_then(|kv| kv.split_once('=')) {
                    info.settings.push((k.to_string(), v.to_string()));
                }
            }
            _ => {}
        }
    }
    info
}

#[cfg(test)]
mod tests {
    use super::*;

    fn blob(version: &str, modinfo: &str) -> Vec<u8> {
        let mut b = vec![0u8; 7];
        b.extend_from_slice(MAGIC);
        b.extend_from_slice(&[8, FLAG_INLINE_STRINGS]);
        b.resize(7 + 32, 0);
        let mut framed = vec![0x30u8; 16];
        framed.extend_from_slice(modinfo.as_bytes());
        framed.extend_from_slice(&[0xf9u8; 16]);
        for s in [version.as_bytes(), &framed[..]] {
            let mut n = s.len();
            loop {
                let byte = (n & 0x7f) as u8;
                n >>= 7;
                if n == 0 {
                    b.push(byte);
                    break;
                }
                b.push(byte | 0x80);
            }
            b.extend_from_slice(s);
        }
        b
    }

    #[test]
    fn decodes_inline_format() {
        let modinfo = "path\texample.com/app\nmod\texample.com/app\tv1.2.3\t\nbuild\t-trimpath=true\nbuild\tvcs.modified=false\n"
            .repeat(3);
        let info = match parse(&blob("go1.23.4", &modinfo)) {
            Ok(i) => i,
            Err(_) => panic!("not parsed"),
        };
        assert_eq!(info.go_version, "go1.23.4");
        assert_eq!(info.path.as_deref(), Some("example.com/app"));
        assert_eq!(
            info.main_module,
            Some(("example.com/app".into(), "v1.2.3".into()))
        );
        assert_eq!(info.setting("vcs.modified"), Some("false"));
    }

    #[test]
    fn decodes_dependencies_and_replacements() {
        let modinfo = "path\tex.com/app\nmod\tex.com/app\t(devel)\t\ndep\tgolang.org/x/text\tv0.14.0\th1:abc=\ndep\tex.com/lib\tv1.0.0\t\n=>\t../lib\t(devel)\t\nbuild\tGOOS=linux\n";
        let Ok(info) = parse(&blob("go1.23.4", modinfo)) else {
            panic!("not parsed")
        };
        assert_eq!(info.deps.len(), 2);
        assert_eq!(info.deps[0].sum.as_deref(), Some("h1:abc="));
        let replaced = info.deps[1].replace.as_deref().unwrap();
        assert_eq!(
            (replaced.path.as_str(), replaced.sum.as_ref()),
            ("../lib", None)
        );
    }

    #[test]
    fn rejects_non_go_and_old_formats() {
        assert!(matches!(
            parse(b"\x7fELF plain C binary"),
            Err(ParseFailure::NotFound)
        ));
        let mut old = MAGIC.to_vec();
        old.extend_from_slice(&[8, 0]);
        old.resize(64, 0);
        assert!(matches!(parse(&old), Err(ParseFailure::Old)));
    }
}
