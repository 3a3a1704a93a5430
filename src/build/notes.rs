//! Release notes: the commits between the previous tag and this one, grouped by conventional-commit
//! type (breaking changes first, then feat / fix / perf / other by default), rendered from
//! `templates/release-notes.md.j2` or a user template.

use serde::Serialize;

use crate::config::build::{NotesGroup, ReleaseNotesConfig};
use crate::git::CommitInfo;

use super::BuildError;

/// The built-in template.
pub const DEFAULT_TEMPLATE: &str = include_str!("../../templates/release-notes.md.j2");

/// A commit subject parsed as a conventional commit (`type(scope)!: description`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NoteCommit {
    /// `feat`, `fix`... (lower case); empty when the subject is not conventional.
    #[serde(rename = "type")]
    pub kind: String,
    pub scope: Option<String>,
    pub description: String,
    pub breaking: bool,
    pub subject: String,
    pub commit: String,
    pub short_commit: String,
    pub author: String,
}

impl NoteCommit {
    pub fn parse(c: &CommitInfo) -> NoteCommit {
        let mut n = NoteCommit {
            kind: String::new(),
            scope: None,
            description: c.subject.clone(),
            breaking: false,
            subject: c.subject.clone(),
            commit: c.id.clone(),
            short_commit: c.short_id.clone(),
            author: c.author.clone(),
        };
        if let Some((head, desc)) = c.subject.split_once(": ") {
            let (head, bang) = match head.strip_suffix('!') {
                Some(h) => (h, true),
                None => (head, false),
            };
            let (kind, scope) = match head.split_once('(') {
                Some((k, rest)) => match rest.strip_suffix(')') {
                    Some(s) => (k, Some(s.to_string())),
                    None => ("", None),
                },
                None => (head, None),
            };
            if !kind.is_empty()
                && kind
                    .chars()
                    .all(|ch| ch.is_ascii_alphanumeric() || ch == '-')
            {
                n.kind = kind.to_ascii_lowercase();
                n.scope = scope;
                n.description = desc.trim().to_string();
                n.breaking = bang;
            }
        }
        n.breaking |= c
            .body
            .lines()
            .any(|l| l.starts_with("BREAKING CHANGE:") || l.starts_with("BREAKING-CHANGE:"));
        n
    }
}

#[derive(Debug, Serialize)]
struct Group {
    title: String,
    commits: Vec<NoteCommit>,
}

pub fn default_groups() -> Vec<NotesGroup> {
    let g = |title: &str, types: &[&str]| NotesGroup {
        title: title.into(),
        types: types.iter().map(|t| t.to_string()).collect(),
    };
    vec![
        g("Features", &["feat"]),
        g("Bug fixes", &["fix"]),
        g("Performance", &["perf"]),
        g("Other", &[]),
    ]
}

/// Everything the notes template sees besides the commits.
#[derive(Debug, Clone, Serialize)]
pub struct NotesContext {
    pub project: String,
    pub version: String,
    pub tag: String,
    pub previous_tag: String,
    pub commit_date: String,
}

/// Render the release notes for `commits` (newest first).
pub fn render(
    cfg: &ReleaseNotesConfig,
    template: Option<&str>,
    ctx: &NotesContext,
    commits: &[CommitInfo],
) -> Result<String, BuildError> {
    let mut exclude = globset::GlobSetBuilder::new();
    for pattern in &cfg.exclude {
        let glob = globset::GlobBuilder::new(pattern)
            .case_insensitive(true)
            .literal_separator(false)
            .build()
            .map_err(|e| BuildError::Config {
                message: format!("release_notes.exclude: {pattern:?} is not a valid glob: {e}"),
                hint: Some("use globs like `chore*` or `*typo*`".into()),
            })?;
        exclude.add(glob);
    }
    let exclude = exclude.build().expect("globs already validated");
    let groups_cfg = cfg.groups.clone().unwrap_or_else(default_groups);
    let mut breaking = Vec::new();
    let mut groups: Vec<Group> = groups_cfg
        .iter()
        .map(|g| Group {
            title: g.title.clone(),
            commits: Vec::new(),
        })
        .collect();
    for c in commits {
        if exclude.is_match(&c.subject) {
            continue;
        }
        let n = NoteCommit::parse(c);
        if n.breaking {
            breaking.push(n);
            continue;
        }
        let slot = groups_cfg
            .iter()
            .position(|g| g.types.iter().any(|t| t.eq_ignore_ascii_case(&n.kind)))
            .or_else(|| groups_cfg.iter().position(|g| g.types.is_empty()));
        if let Some(i) = slot {
            groups[i].commits.push(n);
        }
    }
    groups.retain(|g| !g.commits.is_empty());
    let value = minijinja::context! {
        project => &ctx.project,
        version => &ctx.version,
        tag => &ctx.tag,
        previous_tag => &ctx.previous_tag,
        commit_date => &ctx.commit_date,
        breaking => breaking,
        groups => groups,
    };
    let text = super::template::render_document(
        "release_notes.template",
        template.unwrap_or(DEFAULT_TEMPLATE),
        value,
    )?;
    Ok(format!("{}\n", text.trim_end()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn commit(subject: &str, body: &str) -> CommitInfo {
        CommitInfo {
            id: format!("{:0<40}", subject.len()),
            short_id: format!("{:0<7}", subject.len()),
            subject: subject.into(),
            body: body.into(),
            author: "A".into(),
            time: 0,
        }
    }

    #[test]
    fn parses_conventional_subjects() {
        let n = NoteCommit::parse(&commit("feat(api)!: drop v1", ""));
        assert_eq!(
            (n.kind.as_str(), n.scope.as_deref(), n.breaking),
            ("feat", Some("api"), true)
        );
        assert_eq!(n.description, "drop v1");
        let n = NoteCommit::parse(&commit("Fix: typo", "BREAKING CHANGE: yes"));
        assert_eq!((n.kind.as_str(), n.breaking), ("fix", true));
        let n = NoteCommit::parse(&commit("Merge this: thing now", ""));
        assert_eq!(n.kind, "");
    }

    #[test]
    fn groups_breaking_first_and_excludes() {
        let cfg = ReleaseNotesConfig {
            exclude: vec!["chore*".into()],
            ..Default::default()
        };
        let ctx = NotesContext {
            project: "hello".into(),
            version: "1.1.0".into(),
            tag: "v1.1.0".into(),
            previous_tag: "v1.0.0".into(),
            commit_date: "2026-01-02T03:04:05Z".into(),
        };
        let commits = [
            commit("fix(cli): handle empty input", ""),
            commit("chore: bump deps", ""),
            commit("feat!: new config format", ""),
            commit("feat: add --json", ""),
            commit("update docs", ""),
        ];
        let text = render(&cfg, None, &ctx, &commits).unwrap();
        assert_eq!(
            text,
            "## hello 1.1.0\n\nChanges since v1.0.0.\n\n### Breaking changes\n\n\
             - new config format (2400000)\n\n### Features\n\n- add --json (1600000)\n\n\
             ### Bug fixes\n\n- **cli:** handle empty input (2800000)\n\n### Other\n\n\
             - update docs (1100000)\n"
        );
        let empty = render(&cfg, None, &ctx, &[]).unwrap();
        assert!(empty.ends_with("No changes.\n"), "{empty:?}");
    }
}
