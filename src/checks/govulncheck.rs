//! Known vulnerabilities, from `govulncheck -json` when it is installed.
//!
//! govulncheck streams JSON objects (`config`, `progress`, `osv`, `finding`); each vulnerability
//! may produce findings at three levels: module (required), package (imported) and symbol (the
//! vulnerable function is reachable from this module's code). Only the most precise level per
//! vulnerability counts: symbol level is an error, package and module level are warnings.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use serde::Deserialize;

/// How close this module gets to the vulnerable code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum VulnLevel {
    Module,
    Package,
    Symbol,
}

/// One vulnerability affecting the module, at its most precise level.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Vuln {
    pub id: String,
    pub summary: String,
    pub level: VulnLevel,
    pub module: String,
    pub version: String,
    pub fixed_version: Option<String>,
    /// For symbol level: the vulnerable function (`language.Parse`).
    pub symbol: Option<String>,
    /// For symbol level: where this module calls into it (`main.go`, line, column).
    pub call_site: Option<(String, u64, u64)>,
}

#[derive(Deserialize)]
struct Message {
    osv: Option<Osv>,
    finding: Option<Finding>,
}

#[derive(Deserialize)]
struct Osv {
    id: String,
    #[serde(default)]
    summary: Option<String>,
    #[serde(default)]
    details: Option<String>,
}

#[derive(Deserialize)]
struct Finding {
    osv: String,
    #[serde(default)]
    fixed_version: Option<String>,
    #[serde(default)]
    trace: Vec<Frame>,
}

#[derive(Deserialize)]
struct Frame {
    #[serde(default)]
    module: String,
    #[serde(default)]
    version: Option<String>,
    #[serde(default)]
    package: Option<String>,
    #[serde(default)]
    function: Option<String>,
    #[serde(default)]
    receiver: Option<String>,
    #[serde(default)]
    position: Option<Position>,
}

#[derive(Deserialize)]
struct Position {
    filename: String,
    #[serde(default)]
    line: u64,
    #[serde(default)]
    column: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum VulnError {
    // Rendered into a finding, so each message carries its cause's text itself.
    #[error("cannot run govulncheck: {0}")]
    Spawn(std::io::Error),
    /// govulncheck failed: its stderr.
    #[error("running govulncheck failed: {0}")]
    Run(String),
    #[error("govulncheck printed output tug cannot read: {0}")]
    Parse(serde_json::Error),
}

/// Parse a govulncheck `-json` stream into one entry per vulnerability, sorted by id.
pub fn parse_stream(text: &str) -> Result<Vec<Vuln>, VulnError> {
    let mut summaries: BTreeMap<String, String> = BTreeMap::new();
    let mut vulns: BTreeMap<String, Vuln> = BTreeMap::new();
    for msg in serde_json::Deserializer::from_str(text).into_iter::<Message>() {
        let msg = msg.map_err(VulnError::Parse)?;
        if let Some(osv) = msg.osv {
            let summary = osv
                .summary
                .filter(|s| !s.is_empty())
                .or_else(|| {
                    osv.details.map(|d| {
                        d.split(". ")
                            .next()
                            .unwrap_or("")
                            .trim_end_matches('.')
                            .to_string()
                    })
                })
                .unwrap_or_default();
            summaries.insert(osv.id, summary);
        }
        let Some(finding) = msg.finding else { continue };
        let Some(first) = finding.trace.first() else {
            continue;
        };
        let level = if first.function.is_some() {
            VulnLevel::Symbol
        } else if first.package.is_some() {
            VulnLevel::Package
        } else {
            VulnLevel::Module
        };
        let symbol = first.function.as_ref().map(|f| {
            let pkg = first
                .package
                .as_deref()
                .unwrap_or("")
                .rsplit('/')
                .next()
                .unwrap_or("");
            match &first.receiver {
                Some(r) => format!("{pkg}.{}.{f}", r.trim_start_matches('*')),
                None => format!("{pkg}.{f}"),
            }
        });
        let call_site = finding
            .trace
            .iter()
            .rev()
            .find_map(|f| {
                f.position
                    .as_ref()
                    .map(|p| (p.filename.clone(), p.line, p.column))
            })
            .filter(|_| finding.trace.len() > 1);
        let candidate = Vuln {
            id: finding.osv.clone(),
            summary: String::new(),
            level,
            module: first.module.clone(),
            version: first.version.clone().unwrap_or_default(),
            fixed_version: finding.fixed_version.clone().filter(|v| !v.is_empty()),
            symbol,
            call_site,
        };
        match vulns.get(&finding.osv) {
            Some(existing) if existing.level >= level => {}
            _ => {
                vulns.insert(finding.osv.clone(), candidate);
            }
        }
    }
    Ok(vulns
        .into_values()
        .map(|mut v| {
            v.summary = summaries.get(&v.id).cloned().unwrap_or_default();
            v
        })
        .collect())
}

/// Run `govulncheck -json ./...` in `module_dir` (it exits 0 in JSON mode even with findings).
pub fn run(govulncheck: &Path, module_dir: &Path) -> Result<Vec<Vuln>, VulnError> {
    let out = Command::new(govulncheck)
        .args(["-json", "./..."])
        .current_dir(module_dir)
        .output()
        .map_err(VulnError::Spawn)?;
    if !out.status.success() {
        return Err(VulnError::Run(
            String::from_utf8_lossy(&out.stderr).trim().to_string(),
        ));
    }
    parse_stream(&String::from_utf8_lossy(&out.stdout))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn most_precise_level_wins_per_vulnerability() {
        let vulns = parse_stream(include_str!("testdata/govulncheck.json")).unwrap();
        assert_eq!(vulns.len(), 3);
        let parse = &vulns[1];
        assert_eq!(parse.id, "GO-2021-0113");
        assert_eq!(parse.level, VulnLevel::Symbol);
        assert_eq!(parse.symbol.as_deref(), Some("language.Parse"));
        assert_eq!(parse.call_site, Some(("main.go".into(), 13, 16)));
        assert_eq!(parse.fixed_version.as_deref(), Some("v0.3.7"));
        assert_eq!(
            parse.summary,
            "Out-of-bounds read in golang.org/x/text/language"
        );
        assert_eq!(vulns[0].id, "GO-2020-0015");
        assert_eq!(vulns[0].level, VulnLevel::Module);
        assert_eq!(vulns[2].level, VulnLevel::Package);
        assert_eq!(vulns[2].module, "stdlib");
        assert_eq!(
            vulns[2].summary,
            "HTTP/2 server connections can hang forever waiting for a clean shutdown"
        );
    }

    #[test]
    fn garbage_is_an_error() {
        assert!(matches!(
            parse_stream("{\"config\": {}}\nnot json"),
            Err(VulnError::Parse(_))
        ));
    }
}
