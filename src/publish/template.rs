//! Rendering the templated strings of publisher settings (`{{ version }}`, `{{ env.TOKEN }}`...).
//! Renders through the shared strict environment (`crate::template::environment`: an unknown
//! variable is an error naming the field); what is publish-specific is the variable map (release
//! facts from the manifest, per-artifact extras) and the error type.

use std::collections::BTreeMap;

use minijinja::Value;

use super::PublishError;
use crate::manifest::Manifest;

/// The variables a publisher template can use.
#[derive(Debug, Clone)]
pub struct Vars {
    values: BTreeMap<String, Value>,
}

impl Vars {
    /// `project`, `version`, `tag`, `commit`, `short_commit`, `commit_date`, `commit_timestamp`,
    /// `env.NAME`.
    pub fn for_release(m: &Manifest) -> Self {
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
            .unwrap_or(0);
        put("commit_timestamp", Value::from(ts));
        let env: BTreeMap<String, String> = std::env::vars().collect();
        put("env", Value::from_serialize(&env));
        Vars { values }
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
        crate::template::environment()
            .render_str(template, &self.values)
            .map_err(|e| PublishError::Config {
                publisher: publisher.to_string(),
                what: format!("template in `{field}`"),
                message: e.to_string(),
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
            artifacts: vec![],
        };
        let vars = Vars::for_release(&m).with(&[("artifact", "a.tar.gz".into())]);
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
        let err = vars
            .render("nexus", "url", "{{ verison }}")
            .unwrap_err()
            .to_string();
        assert!(err.contains("nexus") && err.contains("`url`"), "{err}");
    }
}
