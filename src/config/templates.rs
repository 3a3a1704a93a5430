//! Every templated string of tug.yaml compiled at load time and checked against the variables
//! its field will see when it renders, so no command starts work it cannot finish: a typo in
//! the last publisher's URL or in the restart command fails `tug check` (and every command that
//! loads the config) before anything is built, uploaded or switched.
//!
//! The variable sets mirror what the engines pass when they render (`build::Plan::target_vars`,
//! `publish::template::Vars`, `deploy::engine::host_context`, `deploy::analysis::QueryContext`);
//! the table [`FIELDS`] maps each field pattern to its set. `{{ env.NAME }}` is not checked here:
//! the environment is only known to the command that renders it. `{{ vars.NAME }}` in deploy
//! fields is checked against every host's `vars` (and the blue-green slots').

use std::collections::BTreeSet;

use super::tree::{Node, Value};
use super::{Config, Validator};
use crate::config::types::did_you_mean;

const RELEASE: &[&str] = &[
    "project",
    "version",
    "tag",
    "commit",
    "short_commit",
    "commit_date",
    "commit_timestamp",
    "is_snapshot",
    "env",
];
const TARGET: &[&str] = &["os", "arch", "variant", "target", "platform"];
const BUILD: &[&str] = &["id", "binary"];
const BUILD_BINARY: &[&str] = &["id"];
const HTTP_URL: &[&str] = &["artifact", "sha256", "os", "arch"];
const DEPLOY: &[&str] = &[
    "host",
    "address",
    "environment",
    "version",
    "path",
    "release_dir",
    "slot",
    "vars",
    "env",
];
const ARTIFACT: &[&str] = &["project", "version"];
const QUERY: &[&str] = &["version", "environment", "hosts", "addresses", "window"];
const TRAFFIC: &[&str] = &[
    "environment",
    "version",
    "weights",
    "servers",
    "share",
    "header",
    "header_servers",
    "env",
];

/// Which variable sets a field sees.
#[derive(Clone, Copy)]
enum Scope {
    /// Release facts only (checksums file name, publisher fields).
    Release,
    /// Release facts and the target (archive names).
    Target,
    /// A build field rendered per target, after the binary name is known.
    Build,
    /// A build's `binary` itself.
    BuildBinary,
    /// An `http` publisher's URL (per artifact).
    HttpUrl,
    /// A deploy field rendered per host.
    Deploy,
    /// The deployed artifact's name.
    Artifact,
    /// A Prometheus query of an analysis.
    Query,
    /// The `command` traffic router (rendered on this machine per change).
    Traffic,
}

impl Scope {
    fn names(self) -> Vec<&'static str> {
        let parts: &[&[&str]] = match self {
            Scope::Release => &[RELEASE],
            Scope::Target => &[RELEASE, TARGET],
            Scope::Build => &[RELEASE, TARGET, BUILD],
            Scope::BuildBinary => &[RELEASE, TARGET, BUILD_BINARY],
            Scope::HttpUrl => &[RELEASE, HTTP_URL],
            Scope::Deploy => &[DEPLOY],
            Scope::Artifact => &[ARTIFACT],
            Scope::Query => &[QUERY],
            Scope::Traffic => &[TRAFFIC],
        };
        let mut out: Vec<&str> = parts.iter().flat_map(|p| p.iter().copied()).collect();
        out.sort_unstable();
        out.dedup();
        out
    }
}

/// Templated fields: a path pattern (`*` any key, `[*]` any item) and what it sees.
const FIELDS: &[(&str, Scope)] = &[
    ("builds[*].binary", Scope::BuildBinary),
    ("builds[*].ldflags[*]", Scope::Build),
    ("builds[*].flags[*]", Scope::Build),
    ("builds[*].gcflags[*]", Scope::Build),
    ("builds[*].asmflags[*]", Scope::Build),
    ("builds[*].env.*", Scope::Build),
    ("builds[*].hooks.before[*]", Scope::Build),
    ("builds[*].hooks.after[*]", Scope::Build),
    ("builds[*].command", Scope::Build),
    ("builds[*].output", Scope::Build),
    ("builds[*].overrides[*].env.*", Scope::Build),
    ("builds[*].overrides[*].flags[*]", Scope::Build),
    ("builds[*].overrides[*].ldflags[*]", Scope::Build),
    ("builds[*].overrides[*].gcflags[*]", Scope::Build),
    ("builds[*].overrides[*].asmflags[*]", Scope::Build),
    ("archives[*].name_template", Scope::Target),
    ("archives[*].wrap_in_directory", Scope::Target),
    ("checksum.name_template", Scope::Release),
    ("publish[*].path", Scope::Release),
    ("publish[*].repository", Scope::Release),
    ("publish[*].tags[*]", Scope::Release),
    ("publish[*].images.repository", Scope::Release),
    ("publish[*].images.tags[*]", Scope::Release),
    ("publish[*].images.labels.*", Scope::Release),
    ("publish[*].images.base", Scope::Release),
    ("publish[*].source", Scope::Release),
    ("publish[*].release_name", Scope::Release),
    ("publish[*].url", Scope::HttpUrl),
    ("publish[*].headers.*", Scope::Release),
    ("environments.*.restart", Scope::Deploy),
    ("environments.*.health_check.http", Scope::Deploy),
    ("environments.*.health_check.tcp", Scope::Deploy),
    ("environments.*.health_check.command", Scope::Deploy),
    ("environments.*.hooks.before_switch", Scope::Deploy),
    ("environments.*.hooks.after_switch", Scope::Deploy),
    ("environments.*.artifact", Scope::Artifact),
    ("environments.*.analyses.*.query", Scope::Query),
    ("environments.*.analyses.*.queries.*", Scope::Query),
    ("environments.*.traffic.command", Scope::Traffic),
];

#[derive(Debug, Clone, PartialEq)]
enum Seg {
    Key(String),
    Index(usize),
}

fn matches(pattern: &str, path: &[Seg]) -> bool {
    let mut pat = Vec::new();
    for part in pattern.split('.') {
        let (key, rest) = part.split_once('[').map_or((part, ""), |(k, r)| (k, r));
        pat.push(key);
        if !rest.is_empty() {
            pat.push("[*]");
        }
    }
    pat.len() == path.len()
        && pat.iter().zip(path).all(|(p, s)| match (*p, s) {
            ("[*]", Seg::Index(_)) => true,
            ("*", Seg::Key(_)) => true,
            (p, Seg::Key(k)) => p == k,
            _ => false,
        })
}

fn render_path(path: &[Seg]) -> String {
    let mut out = String::new();
    for s in path {
        match s {
            Seg::Key(k) => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(k);
            }
            Seg::Index(i) => out.push_str(&format!("[{i}]")),
        }
    }
    out
}

/// Every string leaf of the tree, with its path.
fn leaves<'a>(node: &'a Node, path: &mut Vec<Seg>, out: &mut Vec<(Vec<Seg>, &'a Node)>) {
    match &node.value {
        Value::Str(_) => out.push((path.clone(), node)),
        Value::Seq(items) => {
            for (i, n) in items.iter().enumerate() {
                path.push(Seg::Index(i));
                leaves(n, path, out);
                path.pop();
            }
        }
        Value::Map(entries) => {
            for (k, n) in entries {
                path.push(Seg::Key(k.name.clone()));
                leaves(n, path, out);
                path.pop();
            }
        }
        _ => {}
    }
}

/// The `vars` each host of an environment has, with its name (blue-green slot values count
/// when every slot sets them).
fn host_vars(config: &Config, env: &str) -> Vec<(String, BTreeSet<String>)> {
    let Some(e) = config.environments.get(env) else {
        return vec![];
    };
    let slot_keys: BTreeSet<String> = {
        let mut slots = e.strategy.slots.values();
        match slots.next() {
            Some(first) => {
                let mut keys: BTreeSet<String> = first.keys().cloned().collect();
                for s in slots {
                    keys.retain(|k| s.contains_key(k));
                }
                keys
            }
            None => BTreeSet::new(),
        }
    };
    e.target
        .hosts
        .iter()
        .map(|h| {
            let mut keys: BTreeSet<String> = h.vars.keys().cloned().collect();
            keys.extend(slot_keys.iter().cloned());
            (super::deploy::host_name(h), keys)
        })
        .collect()
}

/// Every `{{ env.NAME }}` a templated field uses: (field, NAME, where). The environment is only
/// known to the command that renders the field, so the caller checks these against its run's
/// environment (`tug check` warns about unset ones).
pub fn env_references(tree: &Node) -> Vec<(String, String, super::Location)> {
    let mut all = Vec::new();
    leaves(tree, &mut Vec::new(), &mut all);
    let mut out = Vec::new();
    for (path, node) in all {
        let templated = FIELDS.iter().any(|(p, _)| matches(p, &path))
            || matches("project.env[*]", &path)
            || matches("project.snapshot.version_template", &path);
        if !templated {
            continue;
        }
        for var in crate::template::env_variables(node.as_str().unwrap_or_default()) {
            out.push((render_path(&path), var, node.at));
        }
    }
    out
}

/// Refuse to start a command that would stop halfway: every `{{ env.NAME }}` used by a templated
/// field under one of `sections` (field-path prefixes: `publish[2]`, `environments.prod`) must be
/// set in this run's environment or defined in `project.env`. Returns one located error per unset variable,
/// as one `ConfigError::Invalid` (exit 2), so nothing is uploaded or switched first.
pub fn require_env(
    settings: &super::settings::Settings,
    env: &super::env::EnvSnapshot,
    sections: &[String],
) -> Result<(), super::ConfigError> {
    let Some(path) = &settings.config_path else {
        return Ok(()); // the embedded defaults use no environment variables
    };
    let Ok(tree) = super::tree::parse(&settings.source) else {
        return Ok(()); // loading already reported the file
    };
    let defined: Vec<&str> = settings
        .config
        .project
        .env
        .iter()
        .filter_map(|e| e.value.split_once('=').map(|(k, _)| k))
        .collect();
    let shown = super::display_path(path);
    let mut v = Validator::with_source(&shown, &settings.source);
    for (field, var, at) in env_references(&tree) {
        let in_section = sections.iter().any(|section| {
            field == *section
                || field.starts_with(&format!("{section}."))
                || field.starts_with(&format!("{section}["))
        });
        if in_section && env.get(&var).is_none() && !defined.contains(&var.as_str()) {
            v.error(
                at,
                format!("`env.{var}` in `{field}` is not set in this run"),
                Some(format!(
                    "export {var} (or define it in `project.env`) and run the command again: nothing was started"
                )),
            );
        }
    }
    if !v.has_errors() {
        return Ok(());
    }
    Err(super::ConfigError::Invalid {
        file: shown,
        source_text: settings.source.clone(),
        diagnostics: v.diagnostics,
    })
}

/// Check every templated field of the file.
pub fn check(config: &Config, tree: &Node, v: &mut Validator) {
    let mut all = Vec::new();
    leaves(tree, &mut Vec::new(), &mut all);
    for (path, node) in all {
        let Some((_, scope)) = FIELDS.iter().find(|(p, _)| matches(p, &path)) else {
            continue;
        };
        let text = node.as_str().unwrap_or_default();
        if !text.contains("{{") && !text.contains("{%") && !text.contains("{#") {
            continue;
        }
        let field = render_path(&path);
        let allowed = scope.names();
        let tmpl = match crate::template::environment().template_from_str(text) {
            Ok(t) => t,
            Err(e) => {
                let detail = e
                    .detail()
                    .map(str::to_string)
                    .unwrap_or_else(|| e.kind().to_string());
                v.error(
                    node.at,
                    format!("invalid template in `{field}`: {detail}"),
                    Some("templates use minijinja syntax: `{{ version }}`; close every `{{` with `}}`".into()),
                );
                continue;
            }
        };
        let mut used: Vec<String> = tmpl.undeclared_variables(true).into_iter().collect();
        used.sort();
        for name in used {
            let top = name.split('.').next().unwrap_or(&name).to_string();
            if matches!(top.as_str(), "range" | "dict" | "namespace" | "debug") {
                continue;
            }
            if !allowed.contains(&top.as_str()) {
                let near = did_you_mean(&top, allowed.iter().copied())
                    .map(|s| format!("did you mean `{s}`? "))
                    .unwrap_or_default();
                v.error_at_text(
                    node.at,
                    &top,
                    format!("unknown template variable `{top}` in `{field}`"),
                    Some(format!(
                        "{near}variables available here: {}",
                        allowed.join(", ")
                    )),
                );
                continue;
            }
            if let (Scope::Deploy, Some(var), Some(Seg::Key(env))) =
                (scope, name.strip_prefix("vars."), path.get(1))
            {
                let var = var.split('.').next().unwrap_or(var);
                let hosts = host_vars(config, env);
                let lacking: Vec<&str> = hosts
                    .iter()
                    .filter(|(_, keys)| !keys.contains(var))
                    .map(|(h, _)| h.as_str())
                    .collect();
                if !lacking.is_empty() {
                    let known: BTreeSet<&str> = hosts
                        .iter()
                        .flat_map(|(_, k)| k.iter().map(String::as_str))
                        .collect();
                    let near = did_you_mean(var, known.iter().copied().filter(|k| *k != var))
                        .filter(|_| !known.contains(var))
                        .map(|s| format!("did you mean `vars.{s}`? "))
                        .unwrap_or_default();
                    // No host sets it: a typo or missing vars, an error. Some hosts lack it: a
                    // warning (a rollout reaching them stops at this field).
                    let partial = lacking.len() < hosts.len();
                    v.error_at_text(
                        node.at,
                        &name,
                        format!(
                            "`{name}` in `{field}` is not set for host{} {}",
                            if lacking.len() == 1 { "" } else { "s" },
                            lacking.join(", ")
                        ),
                        Some(format!(
                            "{near}add `vars: {{{var}: ...}}` to each host of environment `{env}`"
                        )),
                    );
                    if partial {
                        if let Some(d) = v.diagnostics.last_mut() {
                            d.severity = super::Severity::Warning;
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    fn errors(src: &str) -> Vec<String> {
        match crate::config::parse(Path::new("tug.yaml"), src) {
            Ok(_) => vec![],
            Err(e) => e
                .diagnostics()
                .iter()
                .map(|d| format!("{}:{} {}", d.line, d.column, d.message))
                .collect(),
        }
    }

    #[test]
    fn each_field_is_checked_against_its_own_variables() {
        let src = "version: 1\nbuilds:\n  - ldflags: [\"-X main.v={{ versoin }}\"]\n    binary: \"{{ projct }}-{{ os }}\"\narchives:\n  - name_template: \"{{ project }}_{{ platform }}\"\nchecksum:\n  name_template: \"{{ os }}.txt\"\npublish:\n  - type: dir\n  - type: http\n    url: \"http://127.0.0.1/{{ artifact }}/{{ version\"\nenvironments:\n  prod:\n    target:\n      hosts: [{path: a, vars: {port: \"1\"}}, {path: b}]\n    restart: \"run {{ adress }} {{ vars.port }}\"\n";
        let e = errors(src);
        assert_eq!(
            e,
            vec![
                "3:29 unknown template variable `versoin` in `builds[0].ldflags[0]`",
                "4:17 unknown template variable `projct` in `builds[0].binary`",
                "8:22 unknown template variable `os` in `checksum.name_template`",
                "12:10 invalid template in `publish[1].url`: unexpected end of input, expected end of variable block",
                "17:22 unknown template variable `adress` in `environments.prod.restart`",
                "17:35 `vars.port` in `environments.prod.restart` is not set for host b",
            ],
            "{e:#?}"
        );
    }
}
