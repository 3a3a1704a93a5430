//! Analysis conditions checked at load time. A condition such as `eror_rate > 0.15` used to
//! parse only when the analysis ran, after the first canary host had switched; here every
//! `success` and `failure` condition is compiled with the same expression language the deploy
//! engine evaluates it with (`deploy::analysis::judge`: a minijinja expression over `result` and
//! the analysis's named queries), and every name it uses must be one of those queries.
//!
//! `deploy::analysis::judge` compiles and evaluates in one step and is not reachable as a pure
//! parser, so this check follows its grammar (minijinja expressions) and its variables (`result`
//! when `query` is set, plus each key of `queries`) rather than calling it.

use super::tree::Node;
use super::{Config, Spanned, Validator};
use crate::config::types::did_you_mean;

/// Check every condition of every analysis (syntax errors are reported by the deploy section's
/// own validation; this adds the names).
pub fn check(config: &Config, _tree: &Node, v: &mut Validator) {
    let env = minijinja::Environment::new();
    for (ename, e) in &config.environments {
        for (aname, a) in &e.analyses {
            let mut names: Vec<&str> = a.queries.keys().map(String::as_str).collect();
            if a.query.is_some() {
                names.push("result");
            }
            names.sort_unstable();
            let mut check = |field: &str, cond: &Spanned<String>| {
                let Ok(expr) = env.compile_expression(&cond.value) else {
                    return;
                };
                let mut used: Vec<String> = expr.undeclared_variables(false).into_iter().collect();
                used.sort();
                for name in used {
                    if names.contains(&name.as_str()) {
                        continue;
                    }
                    let near = did_you_mean(&name, names.iter().copied())
                        .map(|s| format!("did you mean `{s}`? "))
                        .unwrap_or_default();
                    let known = if names.is_empty() {
                        "it declares no queries: add `query:` (used as `result`) or `queries:`"
                            .to_string()
                    } else {
                        format!("conditions can use: {}", names.join(", "))
                    };
                    v.error_at_text(
                        cond.referenced,
                        &name,
                        format!(
                            "unknown name `{name}` in `environments.{ename}.analyses.{aname}.{field}`"
                        ),
                        Some(format!("{near}{known}")),
                    );
                }
            };
            if let Some(s) = &a.success {
                check("success", s);
            }
            for (i, f) in a.failure.iter().enumerate() {
                check(&format!("failure[{i}].condition"), &f.condition);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn unknown_names_in_conditions_are_located_with_did_you_mean() {
        let src = "version: 1\nenvironments:\n  prod:\n    target: {hosts: [{path: a}]}\n    analyses:\n      errors:\n        prometheus: http://127.0.0.1:9090\n        queries: {error_rate: \"sum(x)\"}\n        failure:\n          - condition: eror_rate > 0.15\n        success: \"error_rate < 0.1 and result < 1\"\n";
        let err = crate::config::parse(std::path::Path::new("tug.yaml"), src).unwrap_err();
        let d: Vec<String> = err
            .diagnostics()
            .iter()
            .map(|d| {
                format!(
                    "{}:{} {} | {}",
                    d.line,
                    d.column,
                    d.message,
                    d.hint.clone().unwrap_or_default()
                )
            })
            .collect();
        assert_eq!(d.len(), 2, "{d:#?}");
        assert!(d[0].starts_with("10:24 unknown name `eror_rate`"), "{d:#?}");
        assert!(d[0].contains("did you mean `error_rate`?"), "{d:#?}");
        assert!(d[1].starts_with("11:40 unknown name `result`"), "{d:#?}");
    }
}
