//! A located view of tug.yaml: every key and value with its `line:column`, read once from the
//! text. Serde stops at the first problem and the typed sections keep spans only for some
//! fields, so the checks that must see the whole file at once (the schema walk in
//! [`super::schema_check`], template fields, host names) read this tree instead, and it answers
//! "where is `environments.prod.health_check`?" for any diagnostic that lacks a location.

use std::fmt;

use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};

use super::{Location, Spanned};

/// One YAML value and where it starts.
#[derive(Debug, Clone)]
pub struct Node {
    pub value: Value,
    pub at: Location,
}

/// A mapping key and where it is.
#[derive(Debug, Clone)]
pub struct Key {
    pub name: String,
    pub at: Location,
}

/// The shape of a value, as YAML's core schema resolved it.
#[derive(Debug, Clone)]
pub enum Value {
    Null,
    Bool(bool),
    Int(i128),
    Float(f64),
    Str(String),
    Seq(Vec<Node>),
    Map(Vec<(Key, Node)>),
}

impl Value {
    /// How the value is named in messages (`a list`, `the number 3`).
    pub fn describe(&self) -> String {
        match self {
            Value::Null => "nothing (null)".into(),
            Value::Bool(b) => format!("`{b}`"),
            Value::Int(i) => format!("the number {i}"),
            Value::Float(f) => format!("the number {f}"),
            Value::Str(s) if s.chars().count() > 40 => "a string".into(),
            Value::Str(s) => format!("`{s}`"),
            Value::Seq(_) => "a list".into(),
            Value::Map(_) => "a mapping".into(),
        }
    }
}

impl Node {
    /// The value under `key` of a mapping.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entry(key).map(|(_, n)| n)
    }

    /// The key and value under `key` of a mapping.
    pub fn entry(&self, key: &str) -> Option<(&Key, &Node)> {
        match &self.value {
            Value::Map(entries) => entries
                .iter()
                .find(|(k, _)| k.name == key)
                .map(|(k, n)| (k, n)),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    pub fn items(&self) -> &[Node] {
        match &self.value {
            Value::Seq(items) => items,
            _ => &[],
        }
    }

    pub fn entries(&self) -> &[(Key, Node)] {
        match &self.value {
            Value::Map(entries) => entries,
            _ => &[],
        }
    }

    /// Follow a dotted path with `[i]` indexes (`environments.prod.target.hosts[1].name`) and
    /// return the location of its key (for mapping entries) or of the item; the deepest part of
    /// the path that exists when the rest does not.
    pub fn locate(&self, path: &str) -> Location {
        let mut node = self;
        let mut at = self.at;
        for seg in segments(path) {
            match seg {
                Segment::Key(k) => match node.entry(k) {
                    Some((key, n)) => {
                        at = key.at;
                        node = n;
                    }
                    None => return at,
                },
                Segment::Index(i) => match node.items().get(i) {
                    Some(n) => {
                        at = n.at;
                        node = n;
                    }
                    None => return at,
                },
            }
        }
        at
    }

    /// The dotted path of the value at 1-based `line:column` (`publish[0].retry.initial_delay`);
    /// a position on a key gives the mapping holding it (`builds[0]` for an unknown key there).
    pub fn path_at(&self, line: u64, column: u64) -> String {
        let pos = (line, column);
        let before = |at: Location| (at.line(), at.column()) <= pos && at.line() > 0;
        let mut out = String::new();
        let mut node = self;
        loop {
            match &node.value {
                Value::Map(entries) => {
                    let Some((key, value)) = entries.iter().rev().find(|(k, _)| before(k.at))
                    else {
                        break;
                    };
                    if (key.at.line(), key.at.column()) == pos {
                        break;
                    }
                    if !out.is_empty() {
                        out.push('.');
                    }
                    out.push_str(&key.name);
                    node = value;
                }
                Value::Seq(items) => {
                    let Some((i, item)) =
                        items.iter().enumerate().rev().find(|(_, n)| before(n.at))
                    else {
                        break;
                    };
                    // A scalar item is named by its list (`targets`), as the messages always did.
                    if !matches!(item.value, Value::Seq(_) | Value::Map(_)) {
                        break;
                    }
                    out.push_str(&format!("[{i}]"));
                    node = item;
                }
                _ => break,
            }
        }
        out
    }

    /// The node at a path, if it exists.
    pub fn find(&self, path: &str) -> Option<&Node> {
        let mut node = self;
        for seg in segments(path) {
            node = match seg {
                Segment::Key(k) => node.get(k)?,
                Segment::Index(i) => node.items().get(i)?,
            };
        }
        Some(node)
    }
}

enum Segment<'a> {
    Key(&'a str),
    Index(usize),
}

fn segments(path: &str) -> Vec<Segment<'_>> {
    let mut out = Vec::new();
    for part in path.split('.').filter(|p| !p.is_empty()) {
        let (key, mut rest) = match part.find('[') {
            Some(i) => (&part[..i], &part[i..]),
            None => (part, ""),
        };
        if !key.is_empty() {
            out.push(Segment::Key(key));
        }
        while let Some(end) = rest.find(']') {
            if let Ok(i) = rest[1..end].parse() {
                out.push(Segment::Index(i));
            }
            rest = &rest[end + 1..];
        }
    }
    out
}

/// Read the tree from YAML text (anchors, aliases and merge keys resolved by the YAML loader).
pub fn parse(source: &str) -> Result<Node, serde_saphyr::Error> {
    let spanned: Spanned<Value> = serde_saphyr::from_str(source)?;
    Ok(Node {
        value: spanned.value,
        at: spanned.referenced,
    })
}

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let spanned = Spanned::<Value>::deserialize(d)?;
        Ok(Node {
            value: spanned.value,
            at: spanned.referenced,
        })
    }
}

/// A key of any scalar type, as text (`1: x` has the key `1`).
struct KeyText(String);

impl<'de> Deserialize<'de> for KeyText {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = Value::deserialize(d)?;
        Ok(KeyText(match v {
            Value::Str(s) => s,
            Value::Null => "null".into(),
            Value::Bool(b) => b.to_string(),
            Value::Int(i) => i.to_string(),
            Value::Float(f) => f.to_string(),
            Value::Seq(_) | Value::Map(_) => "<complex key>".into(),
        }))
    }
}

impl<'de> Deserialize<'de> for Value {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(ValueVisitor)
    }
}

struct ValueVisitor;

impl<'de> Visitor<'de> for ValueVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any YAML value")
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        Value::deserialize(d)
    }
    fn visit_bool<E>(self, b: bool) -> Result<Value, E> {
        Ok(Value::Bool(b))
    }
    fn visit_i64<E>(self, i: i64) -> Result<Value, E> {
        Ok(Value::Int(i.into()))
    }
    fn visit_u64<E>(self, i: u64) -> Result<Value, E> {
        Ok(Value::Int(i.into()))
    }
    fn visit_i128<E>(self, i: i128) -> Result<Value, E> {
        Ok(Value::Int(i))
    }
    fn visit_u128<E>(self, i: u128) -> Result<Value, E> {
        Ok(i128::try_from(i).map_or(Value::Float(i as f64), Value::Int))
    }
    fn visit_f64<E>(self, f: f64) -> Result<Value, E> {
        Ok(Value::Float(f))
    }
    fn visit_str<E>(self, s: &str) -> Result<Value, E> {
        Ok(Value::Str(s.to_string()))
    }
    fn visit_string<E>(self, s: String) -> Result<Value, E> {
        Ok(Value::Str(s))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(n) = seq.next_element::<Node>()? {
            items.push(n);
        }
        Ok(Value::Seq(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut entries = Vec::new();
        while let Some(k) = map.next_key::<Spanned<KeyText>>()? {
            let v = map.next_value::<Node>()?;
            entries.push((
                Key {
                    name: k.value.0,
                    at: k.referenced,
                },
                v,
            ));
        }
        Ok(Value::Map(entries))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locates_keys_items_and_flow_mappings() {
        let src = "version: 1\nenvironments:\n  prod:\n    target:\n      hosts:\n        - {name: h1, path: a}\n        - {name: h1, path: b}\n";
        let t = parse(src).unwrap();
        let at = t.locate("environments.prod.target.hosts[1].name");
        assert_eq!((at.line(), at.column()), (7, 12));
        let at = t.locate("environments.prod.target.hosts[1]");
        assert_eq!(at.line(), 7);
        // A missing tail stops at the deepest part that exists.
        let at = t.locate("environments.prod.health_check");
        assert_eq!((at.line(), at.column()), (3, 3));
        assert_eq!(t.path_at(7, 12), "environments.prod.target.hosts[1]");
        assert_eq!(t.path_at(7, 18), "environments.prod.target.hosts[1].name");
        assert_eq!(t.path_at(4, 5), "environments.prod");
        assert_eq!(
            t.find("environments.prod.target.hosts[0].path")
                .and_then(Node::as_str),
            Some("a")
        );
    }
}
