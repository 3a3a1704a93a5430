//! The one place config strings are rendered. tug.yaml values such as `ldflags`, archive names or
//! the snapshot version are minijinja templates over a fixed set of variables (DESIGN.md):
//! `project, version, tag, commit, short_commit, commit_date, commit_timestamp, env.NAME` for
//! every field, plus `os, arch, target` in per-target fields and `host, environment` in deploy
//! fields. Undefined variables are errors that name the config field, never silently empty
//! strings, and the loader checks every template's variables before any work starts.

use std::collections::{BTreeMap, HashSet};
use std::sync::LazyLock;

use minijinja::{Environment, UndefinedBehavior, Value};

use crate::config::types::did_you_mean;

/// The variables of fields checked when tug.yaml loads (per-target and deploy fields are checked
/// when they render, against the values they actually get).
pub mod vars {
    /// Every templated field: facts about the release.
    pub const RELEASE: &[&str] = &[
        "project",
        "version",
        "tag",
        "commit",
        "short_commit",
        "commit_date",
        "commit_timestamp",
        "env",
    ];
}

/// Functions minijinja provides as globals; using them is not an unknown variable.
const BUILTIN_GLOBALS: &[&str] = &["range", "dict", "namespace", "debug"];

static ENV: LazyLock<Environment<'static>> = LazyLock::new(|| {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.set_keep_trailing_newline(true);
    env
});

/// The one strict minijinja environment every templated string renders through (engines that
/// build their own variable maps use it too, so the rules are the same everywhere).
pub fn environment() -> &'static Environment<'static> {
    &ENV
}

/// The `NAME`s of the `{{ env.NAME }}` variables a template uses, sorted (a template that does
/// not parse uses none here: rendering reports it, with its field).
pub fn env_variables(text: &str) -> Vec<String> {
    if !text.contains("env.") {
        return Vec::new();
    }
    let Ok(tmpl) = environment().template_from_str(text) else {
        return Vec::new();
    };
    let mut used: Vec<String> = tmpl
        .undeclared_variables(true)
        .into_iter()
        .filter_map(|n| n.strip_prefix("env.").map(str::to_string))
        .collect();
    used.sort();
    used
}

/// The values a template may use. Build it per render context:
/// `TemplateVars::new().set("version", "1.2.3").with_env(ctx.env.vars().clone())`.
#[derive(Debug, Clone, Default)]
pub struct TemplateVars {
    values: BTreeMap<String, Value>,
    env: BTreeMap<String, String>,
}

impl TemplateVars {
    pub fn new() -> Self {
        Self::default()
    }

    /// Set (or replace) one variable.
    pub fn set(mut self, name: &str, value: impl Into<Value>) -> Self {
        self.insert(name, value);
        self
    }

    pub fn insert(&mut self, name: &str, value: impl Into<Value>) {
        self.values.insert(name.to_string(), value.into());
    }

    /// Add environment variables, visible as `{{ env.NAME }}` (later entries win).
    pub fn with_env<K: Into<String>, V: Into<String>>(
        mut self,
        env: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        self.env
            .extend(env.into_iter().map(|(k, v)| (k.into(), v.into())));
        self
    }

    /// Set `os`, `arch` and `target` (`linux/arm/7`) for a per-target field.
    pub fn with_target(self, target: &crate::config::types::Target) -> Self {
        self.set("os", target.os.as_str())
            .set("arch", target.arch.as_str())
            .set("target", target.to_string())
    }

    /// The variable names set (plus `env`).
    pub fn names(&self) -> Vec<&str> {
        let mut names: Vec<&str> = self.values.keys().map(String::as_str).collect();
        names.push("env");
        names.sort_unstable();
        names
    }

    fn context(&self) -> Value {
        let mut map: BTreeMap<String, Value> = self.values.clone();
        map.insert("env".into(), Value::from_serialize(&self.env));
        Value::from(map)
    }
}

/// A config template that cannot be rendered; names the field it came from.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TemplateError {
    #[error("invalid template in `{field}`: {message}")]
    Syntax { field: String, message: String },
    #[error("unknown template variable `{name}` in `{field}`")]
    UnknownVariable {
        field: String,
        name: String,
        suggestion: Option<String>,
        available: Vec<String>,
    },
    #[error("cannot render `{field}`: {message}")]
    Render { field: String, message: String },
}

impl TemplateError {
    pub fn hint(&self) -> String {
        match self {
            TemplateError::Syntax { .. } => {
                "templates use minijinja syntax: `{{ version }}`".into()
            }
            TemplateError::UnknownVariable {
                name,
                suggestion,
                available,
                ..
            } => {
                if let Some(var) = name.strip_prefix("env.") {
                    return format!(
                        "set {var} in the environment or in `project.env` (`{var}=value`)"
                    );
                }
                let near = suggestion
                    .as_ref()
                    .map(|s| format!("did you mean `{s}`? "))
                    .unwrap_or_default();
                format!("{near}variables available here: {}", available.join(", "))
            }
            TemplateError::Render { .. } => {
                "check the filters and expressions used in the template".into()
            }
        }
    }
}

impl crate::error::Diagnostic for TemplateError {
    fn exit_code(&self) -> crate::ExitCode {
        crate::ExitCode::Usage
    }
    fn hint(&self) -> Option<String> {
        Some(TemplateError::hint(self))
    }
}

fn flatten_error(e: &minijinja::Error) -> String {
    let mut msg = e
        .detail()
        .map(str::to_string)
        .unwrap_or_else(|| e.kind().to_string());
    if let Some(line) = e.line() {
        if line > 1 {
            msg.push_str(&format!(" (template line {line})"));
        }
    }
    msg
}

/// Render config field `field` (e.g. `builds[0].ldflags`) with `vars`. Each render is a trace
/// event (`-vv`) naming the field; neither the template's variables nor the result are logged
/// (either may hold a secret from `{{ env.NAME }}`).
pub fn render(field: &str, template: &str, vars: &TemplateVars) -> Result<String, TemplateError> {
    if !template.contains("{{") && !template.contains("{%") && !template.contains("{#") {
        return Ok(template.to_string());
    }
    tracing::trace!(field, "rendering a template");
    let tmpl = ENV
        .template_from_str(template)
        .map_err(|e| TemplateError::Syntax {
            field: field.into(),
            message: flatten_error(&e),
        })?;
    let known: HashSet<&str> = vars.values.keys().map(String::as_str).collect();
    let mut undeclared: Vec<String> = tmpl.undeclared_variables(true).into_iter().collect();
    undeclared.sort();
    for name in undeclared {
        let top = name.split('.').next().unwrap_or(&name);
        if top == "env" {
            if let Some(var) = name.strip_prefix("env.") {
                let var = var.split('.').next().unwrap_or(var);
                if !vars.env.contains_key(var) {
                    return Err(TemplateError::UnknownVariable {
                        field: field.into(),
                        name: format!("env.{var}"),
                        suggestion: None,
                        available: vec![],
                    });
                }
            }
        } else if !known.contains(top) && !BUILTIN_GLOBALS.contains(&top) {
            let names = vars.names();
            return Err(TemplateError::UnknownVariable {
                field: field.into(),
                name: top.to_string(),
                suggestion: did_you_mean(top, names.iter().copied()).map(str::to_string),
                available: names.iter().map(|s| s.to_string()).collect(),
            });
        }
    }
    tmpl.render(vars.context())
        .map_err(|e| TemplateError::Render {
            field: field.into(),
            message: flatten_error(&e),
        })
}

/// Why a template failed the load-time check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CheckError {
    UnknownVariable {
        name: String,
        suggestion: Option<String>,
    },
    Syntax(String),
}

/// Check at load time that `template` parses and uses only `allowed` top-level variables (one of
/// the [`vars`] sets). `env.ANYTHING` passes: the environment is only known when rendering.
pub fn check_variables(template: &str, allowed: &[&str]) -> Result<(), CheckError> {
    if !template.contains("{{") && !template.contains("{%") && !template.contains("{#") {
        return Ok(());
    }
    let tmpl = ENV
        .template_from_str(template)
        .map_err(|e| CheckError::Syntax(flatten_error(&e)))?;
    let mut undeclared: Vec<String> = tmpl.undeclared_variables(false).into_iter().collect();
    undeclared.sort();
    for name in undeclared {
        if !allowed.contains(&name.as_str()) && !BUILTIN_GLOBALS.contains(&name.as_str()) {
            let suggestion = did_you_mean(&name, allowed.iter().copied()).map(str::to_string);
            return Err(CheckError::UnknownVariable { name, suggestion });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn env_variables_are_found_in_nested_templates() {
        assert_eq!(
            env_variables("curl -H 'X: {{ env.TOKEN }}' {% if env.B %}{{ version }}{% endif %}"),
            ["B", "TOKEN"]
        );
        assert!(env_variables("echo {{ version }} env.X").is_empty());
    }

    use super::*;

    fn release() -> TemplateVars {
        TemplateVars::new()
            .set("project", "hello")
            .set("version", "1.2.3")
            .set("short_commit", "abc1234")
            .with_env([("GOFLAGS", "-mod=mod")])
    }

    #[test]
    fn renders_variables_env_and_filters() {
        let vars = release().with_target(&"linux/arm/7".parse().unwrap());
        let out = render(
            "archives[0].name",
            "{{ project }}_{{ version }}_{{ os }}_{{ arch }}{{ env.GOFLAGS }}{{ target | replace('/', '-') }}",
            &vars,
        )
        .unwrap();
        assert_eq!(out, "hello_1.2.3_linux_arm-mod=modlinux-arm-7");
        assert_eq!(render("x", "plain text", &vars).unwrap(), "plain text");
    }

    #[test]
    fn unknown_variables_name_the_field() {
        let err = render("builds[0].ldflags", "-X main.v={{ versoin }}", &release()).unwrap_err();
        assert_eq!(
            err.to_string(),
            "unknown template variable `versoin` in `builds[0].ldflags`"
        );
        assert!(err.hint().starts_with("did you mean `version`?"));
        let err = render("builds[0].env", "{{ env.NOPE }}", &release()).unwrap_err();
        assert_eq!(
            err.to_string(),
            "unknown template variable `env.NOPE` in `builds[0].env`"
        );
        // Strict mode also catches attribute access on known variables.
        let err = render("f", "{{ version.major }}", &release()).unwrap_err();
        assert!(matches!(err, TemplateError::Render { .. }), "{err:?}");
    }

    #[test]
    fn syntax_errors_are_reported() {
        let err = render("f", "{{ version", &release()).unwrap_err();
        assert!(
            err.to_string().starts_with("invalid template in `f`:"),
            "{err}"
        );
    }

    #[test]
    fn load_time_check_uses_the_allowed_set() {
        assert_eq!(
            check_variables(
                "{{ os }}-{{ env.X }}-{{ range(3) | length }}",
                &["os", "env"]
            ),
            Ok(())
        );
        assert_eq!(
            check_variables("{{ os }}", vars::RELEASE),
            Err(CheckError::UnknownVariable {
                name: "os".into(),
                suggestion: None
            })
        );
        assert_eq!(
            check_variables("{{ hots }}", &["host", "environment"]),
            Err(CheckError::UnknownVariable {
                name: "hots".into(),
                suggestion: Some("host".into())
            })
        );
        assert!(matches!(
            check_variables("{% if %}", vars::RELEASE),
            Err(CheckError::Syntax(_))
        ));
    }
}
