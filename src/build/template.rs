//! Rendering of the build's templated config strings (minijinja, strict: an unknown variable is
//! an error naming the field).
//! Renders through the shared strict environment (`crate::template::environment`); what is
//! build-specific is the variable map and the error type.

use std::collections::BTreeMap;

use minijinja::{Environment, Value};

use super::BuildError;

fn env() -> &'static Environment<'static> {
    crate::template::environment()
}

/// Template variables: a flat map of names to values (strings, maps, lists).
#[derive(Debug, Clone, Default)]
pub struct Vars(BTreeMap<String, Value>);

impl Vars {
    pub fn set(&mut self, name: &str, value: impl Into<Value>) -> &mut Self {
        self.0.insert(name.to_string(), value.into());
        self
    }

    /// A copy with more variables.
    pub fn with(&self, more: &[(&str, &str)]) -> Vars {
        let mut v = self.clone();
        for (k, val) in more {
            v.set(k, *val);
        }
        v
    }

    pub fn value(&self) -> Value {
        Value::from_serialize(&self.0)
    }
}

/// Render `template` (from config field `field`) with `vars`.
pub fn render(field: &str, template: &str, vars: &Vars) -> Result<String, BuildError> {
    if !template.contains("{{") && !template.contains("{%") {
        return Ok(template.to_string());
    }
    env()
        .render_str(template, vars.value())
        .map_err(|e| BuildError::Template {
            field: field.to_string(),
            message: describe(&e),
        })
}

/// Render a full document template (release notes) with a serializable context.
pub fn render_document(name: &str, template: &str, ctx: Value) -> Result<String, BuildError> {
    env()
        .render_named_str(name, template, ctx)
        .map_err(|e| BuildError::Template {
            field: name.to_string(),
            message: describe(&e),
        })
}

fn describe(e: &minijinja::Error) -> String {
    let mut msg = e
        .detail()
        .map(str::to_string)
        .unwrap_or_else(|| e.kind().to_string());
    if e.kind() == minijinja::ErrorKind::UndefinedError {
        msg = format!("unknown variable ({msg})");
    }
    if let Some(line) = e.line() {
        msg = format!("line {line}: {msg}");
    }
    msg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_and_rejects_unknown_variables() {
        let mut v = Vars::default();
        v.set("project", "hello").set("os", "linux");
        assert_eq!(
            render("binary", "{{ project }}-{{ os }}", &v).unwrap(),
            "hello-linux"
        );
        let err = render("archives[0].name_template", "{{ projet }}", &v).unwrap_err();
        assert!(
            err.to_string().contains("archives[0].name_template"),
            "{err}"
        );
        assert!(err.to_string().contains("unknown variable"), "{err}");
    }
}
