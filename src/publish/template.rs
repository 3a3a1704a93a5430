//! Rendering the templated strings of publisher settings (`{{ version }}`, `{{ env.TOKEN }}`...).
//! Renders through the shared strict environment (`crate::template::environment`: an unknown
//! variable is an error naming the field); what is publish-specific is the variable map (release
//! facts from the manifest, per-artifact extras) and the error type.

use std::collections::BTreeMap;

use minijinja::Value;

use super::PublishError;
use crate::config::env::EnvSnapshot;
use crate::manifest::Manifest;

/// The variables a publisher template can use.
#[derive(Debug, Clone)]
pub struct Vars {
    values: BTreeMap<String, Value>,
}

impl Vars {
    /// `project`, `version`, `tag`, `commit`, `short_commit`, `commit_date`, `commit_timestamp`,
    /// `env.NAME` (from `env`, the run's environment). A manifest whose `commit_time` is not an
    /// RFC 3339 time is an error, never `commit_timestamp = 0`.
    pub fn for_release(m: &Manifest, env: &EnvSnapshot) -> Result<Self, PublishError> {
        let mut values = BTreeMap::new();
        let mut put = |k: &str, v: Value| {
            values.insert(k.to_string(), v);
        };
        put("project", Value::from(m.project.clone()));
        put("version", Value::from(m.version.clone()));
        put(
            "tag",
            Value::from(m.tag.clone().unwrap_or_else(|| m.version.clone())),
        );
        put("commit", Value::from(m.commit.clone()));
        put(
            "short_commit",
            Value::from(m.commit.chars().take(7).collect::<String>()),
        );
        put("commit_date", Value::from(m.commit_time.clone()));
        let ts = chrono::DateTime::parse_from_rfc3339(&m.commit_time)
            .map(|t| t.timestamp())
            .map_err(|source| PublishError::CommitTime {
                value: m.commit_time.clone(),
                source,
            })?;
        put("commit_timestamp", Value::from(ts));
        put("env", Value::from_serialize(env.vars()));
        Ok(Vars { values })
    }

    /// A copy with more variables (per-artifact ones for `http` URLs).
    pub fn with(&self, extra: &[(&str, String)]) -> Self {
        let mut copy = self.clone();
        for (k, v) in extra {
            copy.values.insert((*k).to_string(), Value::from(v.clone()));
        }
        copy
    }

    /// Render `template` for `publisher`'s `field`; errors name both.
    pub fn render(
        &self,
        publisher: &str,
        field: &str,
        template: &str,
    ) -> Result<String, PublishError> {
        if !template.contains("{{") && !template.contains("{%") {
            return Ok(template.to_string());
        }
        // The field name only: a rendered value may hold a secret (`{{ env.TOKEN }}`).
        tracing::trace!(publisher, field, "rendering a publisher template");
        crate::template::environment()
            .render_str(template, &self.values)
            .map_err(|source| PublishError::Template {
                publisher: publisher.to_string(),
                field: field.to_string(),
                source,
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::manifest::SCHEMA_VERSION;

    #[test]
    fn renders_release_facts_and_rejects_unknown_names() {
        let m = Manifest {
            schema_version: SCHEMA_VERSION,
            project: "hello".into(),
            version: "1.2.3".into(),
            tag: Some("v1.2.3".into()),
            previous_tag: None,
            commit: "0123456789abcdef".into(),
            commit_time: "2026-01-02T03:04:05Z".into(),
            snapshot: false,
            targets: vec![],
            shard: None,
            build_facts: None,
            artifacts: vec![],
        };
        let env = EnvSnapshot::from_pairs([("TOKEN", "t0k")]);
        let vars = Vars::for_release(&m, &env)
            .unwrap()
            .with(&[("artifact", "a.tar.gz".into())]);
        assert_eq!(
            vars.render("p", "h", "Bearer {{ env.TOKEN }}").unwrap(),
            "Bearer t0k"
        );
        assert_eq!(
            vars.render(
                "p",
                "url",
                "{{ project }}/{{ tag }}/{{ short_commit }}/{{ artifact }}"
            )
            .unwrap(),
            "hello/v1.2.3/0123456/a.tar.gz"
        );
        assert_eq!(
            vars.render("p", "x", "{{ commit_timestamp }}").unwrap(),
            "1767323045"
        );
        let err = vars.render("nexus", "url", "{{ verison }}").unwrap_err();
        let text = err.to_string();
        assert!(text.contains("nexus") && text.contains("`url`"), "{text}");
        // The template engine's own message is kept as the cause, not flattened.
        assert!(std::error::Error::source(&err).is_some());

        let bad = Manifest {
            commit_time: "yesterday".into(),
            ..m
        };
        let err = Vars::for_release(&bad, &env).unwrap_err();
        assert!(matches!(err, PublishError::CommitTime { .. }), "{err}");
        assert!(std::error::Error::source(&err).is_some());
    }
}
