//! The schema walk: every unknown key, wrong type, missing key and unknown value of tug.yaml in
//! one pass. Serde stops at the first of these, so a user fixing six typos needed six runs; this
//! walks the located tree ([`super::tree`]) against the JSON Schema the serde model generates
//! (`tug schema`, the same one editors use), so the two can never disagree about the shape.
//! Only the subset of JSON Schema that schemars emits for our types is understood: `$ref`,
//! `type`, `properties`, `additionalProperties`, `required`, `items`, `enum`, `const`, `anyOf`,
//! `oneOf` (tagged by `type` for publishers, or a list of `const`s for documented enums) and
//! `minimum`/`maximum`. Value checks that need more than the shape (durations, targets,
//! templates) belong to the semantic pass.

use std::sync::LazyLock;

use serde_json::Value as Json;

use super::tree::{Node, Value};
use super::types::did_you_mean;
use super::{Config, Location};

/// One problem the walk found.
#[derive(Debug, Clone)]
pub struct Problem {
    pub at: Location,
    pub message: String,
    pub hint: Option<String>,
}

static SCHEMA: LazyLock<Json> = LazyLock::new(Config::json_schema);

/// Walk the whole document against tug.yaml's schema.
pub fn check(root: &Node) -> Vec<Problem> {
    let mut w = Walker {
        defs: SCHEMA.get("$defs").cloned().unwrap_or(Json::Null),
        out: Vec::new(),
    };
    if !matches!(root.value, Value::Null) {
        w.walk(root, &SCHEMA, "", root.at);
    }
    w.out
}

struct Walker {
    defs: Json,
    out: Vec<Problem>,
}

fn in_path(path: &str) -> String {
    if path.is_empty() {
        String::new()
    } else {
        format!(" in `{path}`")
    }
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

fn type_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Int(_) => "integer",
        Value::Float(_) => "number",
        Value::Str(_) => "string",
        Value::Seq(_) => "array",
        Value::Map(_) => "object",
    }
}

fn friendly(ty: &str) -> &'static str {
    match ty {
        "null" => "nothing",
        "boolean" => "`true` or `false`",
        "integer" => "a whole number",
        "number" => "a number",
        "string" => "a string",
        "array" => "a list",
        "object" => "a mapping (`key: value` pairs)",
        _ => "a value",
    }
}

fn type_hint(ty: &str) -> Option<String> {
    Some(
        match ty {
            "array" => "write a list: `[a, b]`, or one `- item` per line",
            "object" => "write `key: value` pairs indented under the key",
            "string" => "quote the value: `\"...\"`",
            "integer" => "write digits only, e.g. `1`",
            "boolean" => "write `true` or `false`",
            _ => return None,
        }
        .to_string(),
    )
}

/// Does a value of YAML type `found` deserialize as JSON Schema type `want`? Scalars are
/// accepted as strings (serde reads `tag_prefix: 1` as "1"), integers as numbers.
fn compatible(want: &str, found: &str) -> bool {
    want == found
        || (want == "number" && found == "integer")
        || (want == "string" && matches!(found, "integer" | "number" | "boolean"))
}

impl Walker {
    fn resolve<'a>(&'a self, schema: &'a Json) -> &'a Json {
        let mut s = schema;
        for _ in 0..16 {
            match s.get("$ref").and_then(Json::as_str) {
                Some(r) => {
                    let name = r.rsplit('/').next().unwrap_or(r);
                    match self.defs.get(name) {
                        Some(d) => s = d,
                        None => return s,
                    }
                }
                None => return s,
            }
        }
        s
    }

    fn push(&mut self, at: Location, message: String, hint: Option<String>) {
        self.out.push(Problem { at, message, hint });
    }

    /// Check `node` (at `path`, owned by the key at `key_at`) against `schema`.
    fn walk(&mut self, node: &Node, schema: &Json, path: &str, key_at: Location) {
        let schema = self.resolve(schema).clone();
        if let Some(branches) = schema.get("anyOf").and_then(Json::as_array) {
            self.any_of(node, branches, path, key_at);
            return;
        }
        if let Some(branches) = schema.get("oneOf").and_then(Json::as_array) {
            self.one_of(node, branches, path, key_at);
            return;
        }
        if let Some(types) = schema.get("type") {
            let wanted: Vec<&str> = match types {
                Json::String(s) => vec![s.as_str()],
                Json::Array(a) => a.iter().filter_map(Json::as_str).collect(),
                _ => vec![],
            };
            let found = type_of(&node.value);
            if !wanted.is_empty() && !wanted.iter().any(|w| compatible(w, found)) {
                let expected: Vec<&str> = wanted
                    .iter()
                    .filter(|w| **w != "null")
                    .map(|w| friendly(w))
                    .collect();
                let hint = wanted
                    .iter()
                    .find(|w| **w != "null")
                    .and_then(|w| type_hint(w));
                self.push(
                    node.at,
                    format!(
                        "wrong type for `{path}`: expected {}, found {}",
                        expected.join(" or "),
                        node.value.describe()
                    ),
                    hint,
                );
                return;
            }
        }
        if let Some(allowed) = schema.get("enum").and_then(Json::as_array) {
            self.one_of_values(node, allowed, path);
        }
        if let Some(c) = schema.get("const") {
            self.one_of_values(node, std::slice::from_ref(c), path);
        }
        if let Value::Int(i) = node.value {
            let min = schema.get("minimum").and_then(Json::as_f64);
            let max = schema.get("maximum").and_then(Json::as_f64);
            if min.is_some_and(|m| (i as f64) < m) || max.is_some_and(|m| (i as f64) > m) {
                let range = match (min, max) {
                    (Some(a), Some(b)) => format!("between {a} and {b}"),
                    (Some(a), None) => format!("at least {a}"),
                    (None, Some(b)) => format!("at most {b}"),
                    (None, None) => unreachable!(),
                };
                self.push(
                    node.at,
                    format!("`{path}` is out of range: {i} (must be {range})"),
                    Some(format!("write a whole number {range}")),
                );
            }
        }
        match &node.value {
            Value::Map(entries) => self.object(node, entries, &schema, path, key_at),
            Value::Seq(items) => {
                if let Some(item) = schema.get("items") {
                    for (i, n) in items.iter().enumerate() {
                        self.walk(n, item, &format!("{path}[{i}]"), n.at);
                    }
                }
            }
            _ => {}
        }
    }

    fn object(
        &mut self,
        node: &Node,
        entries: &[(super::tree::Key, Node)],
        schema: &Json,
        path: &str,
        key_at: Location,
    ) {
        let props = schema.get("properties").and_then(Json::as_object);
        let additional = schema.get("additionalProperties");
        for (key, value) in entries {
            let sub = join(path, &key.name);
            if let Some(s) = props.and_then(|p| p.get(&key.name)) {
                self.walk(value, s, &sub, key.at);
                continue;
            }
            match additional {
                Some(Json::Bool(false)) => {
                    let valid: Vec<&str> = props
                        .map(|p| p.keys().map(String::as_str).collect())
                        .unwrap_or_default();
                    let hint = if valid.is_empty() {
                        "this section takes no keys in this version of tug".to_string()
                    } else {
                        let near = did_you_mean(&key.name, valid.iter().copied())
                            .map(|s| format!("did you mean `{s}`? "))
                            .unwrap_or_default();
                        format!("{near}valid keys here: {}", valid.join(", "))
                    };
                    self.push(
                        key.at,
                        format!("unknown key `{}`{}", key.name, in_path(path)),
                        Some(hint),
                    );
                }
                Some(s @ Json::Object(_)) => {
                    let s = s.clone();
                    self.walk(value, &s, &sub, key.at);
                }
                _ => {}
            }
        }
        for req in schema
            .get("required")
            .and_then(Json::as_array)
            .into_iter()
            .flatten()
            .filter_map(Json::as_str)
        {
            if !entries.iter().any(|(k, _)| k.name == req) {
                let at = if key_at.line() > 0 { key_at } else { node.at };
                self.push(
                    at,
                    format!("missing required key `{req}`{}", in_path(path)),
                    Some(format!("add `{req}:` to this mapping")),
                );
            }
        }
    }

    fn one_of_values(&mut self, node: &Node, allowed: &[Json], path: &str) {
        let matches = allowed.iter().any(|a| match (a, &node.value) {
            (Json::String(s), Value::Str(v)) => s == v,
            (Json::Number(n), Value::Int(i)) => n.as_f64() == Some(*i as f64),
            (Json::Bool(b), Value::Bool(v)) => b == v,
            (Json::Null, Value::Null) => true,
            _ => false,
        });
        if matches {
            return;
        }
        let names: Vec<String> = allowed
            .iter()
            .map(|a| match a {
                Json::String(s) => s.clone(),
                other => other.to_string(),
            })
            .collect();
        let shown = match &node.value {
            Value::Str(s) => s.clone(),
            other => other.describe(),
        };
        let near = did_you_mean(&shown, names.iter().map(String::as_str))
            .map(|s| format!("did you mean `{s}`? "))
            .unwrap_or_default();
        self.push(
            node.at,
            format!("unknown value `{shown}` for `{path}`"),
            Some(format!("{near}expected one of: {}", names.join(", "))),
        );
    }

    fn any_of(&mut self, node: &Node, branches: &[Json], path: &str, key_at: Location) {
        let non_null: Vec<&Json> = branches
            .iter()
            .filter(|b| b.get("type").and_then(Json::as_str) != Some("null"))
            .collect();
        if matches!(node.value, Value::Null) && non_null.len() < branches.len() {
            return;
        }
        if non_null.len() == 1 {
            self.walk(node, non_null[0], path, key_at);
            return;
        }
        // Several shapes (`files: [glob | {src, dst}]`): fine when one fits; otherwise report
        // the branch of the same YAML type, or that none fits.
        let mut best: Option<Vec<Problem>> = None;
        for b in &non_null {
            let mut sub = Walker {
                defs: self.defs.clone(),
                out: Vec::new(),
            };
            sub.walk(node, b, path, key_at);
            if sub.out.is_empty() {
                return;
            }
            let same_type = self
                .resolve(b)
                .get("type")
                .and_then(Json::as_str)
                .is_some_and(|t| compatible(t, type_of(&node.value)));
            if same_type && best.is_none() {
                best = Some(sub.out);
            }
        }
        match best {
            Some(problems) => self.out.extend(problems),
            None => {
                let expected: Vec<String> = non_null
                    .iter()
                    .filter_map(|b| self.resolve(b).get("type").and_then(Json::as_str))
                    .map(|t| friendly(t).to_string())
                    .collect();
                self.push(
                    node.at,
                    format!(
                        "wrong type for `{path}`: expected {}, found {}",
                        if expected.is_empty() {
                            "another value".to_string()
                        } else {
                            expected.join(" or ")
                        },
                        node.value.describe()
                    ),
                    None,
                );
            }
        }
    }

    fn one_of(&mut self, node: &Node, branches: &[Json], path: &str, key_at: Location) {
        // A documented unit enum: every branch is a `const`.
        let consts: Vec<Json> = branches
            .iter()
            .filter_map(|b| b.get("const").cloned())
            .collect();
        if consts.len() == branches.len() {
            if let Value::Str(_) = node.value {
                self.one_of_values(node, &consts, path);
            } else {
                self.push(
                    node.at,
                    format!(
                        "wrong type for `{path}`: expected a string, found {}",
                        node.value.describe()
                    ),
                    type_hint("string"),
                );
            }
            return;
        }
        // An internally tagged enum (`publish: - type: dir`).
        let tags: Vec<(&str, &Json)> = branches
            .iter()
            .filter_map(|b| {
                let tag = b.pointer("/properties/type/const")?.as_str()?;
                Some((tag, b))
            })
            .collect();
        let Value::Map(_) = node.value else {
            self.push(
                node.at,
                format!(
                    "wrong type for `{path}`: expected a mapping (`key: value` pairs), found {}",
                    node.value.describe()
                ),
                type_hint("object"),
            );
            return;
        };
        let names: Vec<&str> = tags.iter().map(|(t, _)| *t).collect();
        match node.entry("type") {
            None => self.push(
                if key_at.line() > 0 { key_at } else { node.at },
                format!("missing required key `type`{}", in_path(path)),
                Some(format!("add `type:` with one of: {}", names.join(", "))),
            ),
            Some((_, t)) => {
                let tag = t.as_str().unwrap_or_default();
                match tags.iter().find(|(n, _)| *n == tag) {
                    Some((_, b)) => {
                        let b = (*b).clone();
                        self.walk(node, &b, path, key_at);
                    }
                    None => {
                        let shown = match &t.value {
                            Value::Str(s) => s.clone(),
                            other => other.describe(),
                        };
                        let near = did_you_mean(&shown, names.iter().copied())
                            .map(|s| format!("did you mean `{s}`? "))
                            .unwrap_or_default();
                        self.push(
                            t.at,
                            format!("unknown value `{shown}` for `{path}.type`"),
                            Some(format!("{near}expected one of: {}", names.join(", "))),
                        );
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problems(src: &str) -> Vec<String> {
        check(&super::super::tree::parse(src).unwrap())
            .into_iter()
            .map(|p| format!("{}:{} {}", p.at.line(), p.at.column(), p.message))
            .collect()
    }

    #[test]
    fn reports_every_shape_problem_at_once() {
        let src = "version: 1\nprojct: {}\nbuilds:\n  - ldflag: x\n    goos: linux\nenvironments:\n  prod:\n    target:\n      hosts:\n        - {nme: h1, path: a}\n    strategy: {type: canry}\npublish:\n  - type: dir\n    pth: x\n  - type: ftp\n";
        let p = problems(src);
        assert_eq!(
            p,
            vec![
                "2:1 unknown key `projct`",
                "4:5 unknown key `ldflag` in `builds[0]`",
                "5:11 wrong type for `builds[0].goos`: expected a list, found `linux`",
                "10:12 unknown key `nme` in `environments.prod.target.hosts[0]`",
                "11:22 unknown value `canry` for `environments.prod.strategy.type`",
                "14:5 unknown key `pth` in `publish[0]`",
                "15:11 unknown value `ftp` for `publish[1].type`",
            ],
            "{p:#?}"
        );
    }

    #[test]
    fn a_valid_document_has_no_problems() {
        let src = "version: 1\nproject: {name: x}\nbuilds:\n  - targets: [linux/amd64]\narchives:\n  - files: [LICENSE, {src: a, dst: b}]\n    wrap_in_directory: true\nsign: {key: cosign.key}\nenvironments:\n  prod:\n    target: {hosts: [{path: a}]}\n    strategy: {type: rolling, batch: 25%}\n";
        assert_eq!(problems(src), Vec::<String>::new());
    }

    #[test]
    fn missing_keys_point_at_the_owner() {
        let p = problems(
            "version: 1\nenvironments:\n  prod:\n    target:\n      hosts:\n        - name: x\n",
        );
        assert_eq!(
            p,
            vec!["6:11 missing required key `path` in `environments.prod.target.hosts[0]`"]
        );
    }
}
