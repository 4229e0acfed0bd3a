//! The spanned document tree every loader stage works on.
//! A `Node` is a YAML value that remembers where it came from (`Span`) and its
//! compose-specific tag (`!reset` / `!override`). Stages transform trees of nodes;
//! `to_json` turns a tree into plain JSON for schema validation and binding.

use indexmap::IndexMap;
use serde_json::Value as Json;

use super::source::Span;

/// Compose-specific YAML tags (`loader/reset.go` in compose-go).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tag {
    /// `!reset`: remove the value inherited from earlier files / the extended service.
    Reset,
    /// `!override`: replace the inherited value wholesale, bypassing merge rules.
    Override,
}

/// A value with its position.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub value: Value,
    pub span: Span,
    pub tag: Option<Tag>,
}

/// A YAML value, scalars already resolved the way yaml.v3 resolves plain scalars.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    String(String),
    Seq(Vec<Node>),
    Map(Mapping),
}

/// A mapping entry: the key's own position and the value.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub key_span: Span,
    pub value: Node,
}

/// An insertion-ordered mapping with string keys (compose stringifies keys), hashed with
/// foldhash: stages look keys up all the time, and SipHash was a tenth of a load.
/// Build one with `Mapping::default()`.
pub type Mapping = IndexMap<String, Entry, foldhash::fast::RandomState>;

/// One step of a path into a tree: a mapping key or a sequence index.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum PathSegment {
    Key(String),
    Index(usize),
}

impl std::fmt::Display for PathSegment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Key(key) => f.write_str(key),
            Self::Index(index) => write!(f, "[{index}]"),
        }
    }
}

/// Renders a path the way the reference names locations: `services.web.ports[0]`.
pub fn display_path(path: &[PathSegment]) -> String {
    let mut out = String::new();
    for segment in path {
        match segment {
            PathSegment::Key(key) => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(key);
            }
            PathSegment::Index(index) => {
                out.push('[');
                out.push_str(&index.to_string());
                out.push(']');
            }
        }
    }
    out
}

impl Node {
    pub fn new(value: Value, span: Span) -> Self {
        Self {
            value,
            span,
            tag: None,
        }
    }

    /// A node with no source position (defaults, canonical forms).
    pub fn synthetic(value: Value) -> Self {
        Self::new(value, Span::synthetic())
    }

    pub fn string(text: impl Into<String>, span: Span) -> Self {
        Self::new(Value::String(text.into()), span)
    }

    pub fn empty_map(span: Span) -> Self {
        Self::new(Value::Map(Mapping::default()), span)
    }

    pub fn as_map(&self) -> Option<&Mapping> {
        match &self.value {
            Value::Map(map) => Some(map),
            _ => None,
        }
    }

    pub fn as_map_mut(&mut self) -> Option<&mut Mapping> {
        match &mut self.value {
            Value::Map(map) => Some(map),
            _ => None,
        }
    }

    pub fn as_seq(&self) -> Option<&[Node]> {
        match &self.value {
            Value::Seq(items) => Some(items),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::String(text) => Some(text),
            _ => None,
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(self.value, Value::Null)
    }

    /// The child at `key` when this node is a mapping.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.as_map()?.get(key).map(|entry| &entry.value)
    }

    pub fn get_mut(&mut self, key: &str) -> Option<&mut Node> {
        self.as_map_mut()?
            .get_mut(key)
            .map(|entry| &mut entry.value)
    }

    /// The node at `path`, if every step exists.
    pub fn find(&self, path: &[PathSegment]) -> Option<&Node> {
        let mut node = self;
        for segment in path {
            node = match (segment, &node.value) {
                (PathSegment::Key(key), Value::Map(map)) => &map.get(key)?.value,
                (PathSegment::Index(index), Value::Seq(items)) => items.get(*index)?,
                _ => return None,
            };
        }
        Some(node)
    }

    /// The best position for an error about `path`: the deepest existing node on it,
    /// or the key's position when `key_position` is set and the last step is a key.
    pub fn span_of(&self, path: &[PathSegment], key_position: bool) -> Span {
        let mut node = self;
        let mut best = self.span;
        for (depth, segment) in path.iter().enumerate() {
            match (segment, &node.value) {
                (PathSegment::Key(key), Value::Map(map)) => match map.get(key) {
                    Some(entry) => {
                        let last = depth + 1 == path.len();
                        best = if last && key_position {
                            entry.key_span
                        } else {
                            entry.value.span
                        };
                        node = &entry.value;
                    }
                    None => return best,
                },
                (PathSegment::Index(index), Value::Seq(items)) => match items.get(*index) {
                    Some(item) => {
                        best = item.span;
                        node = item;
                    }
                    None => return best,
                },
                _ => return best,
            }
        }
        best
    }

    /// Plain JSON for this tree (tags dropped).
    pub fn to_json(&self) -> Json {
        match &self.value {
            Value::Null => Json::Null,
            Value::Bool(flag) => Json::Bool(*flag),
            Value::Int(number) => Json::from(*number),
            Value::Float(number) => {
                serde_json::Number::from_f64(*number).map_or(Json::Null, Json::Number)
            }
            Value::String(text) => Json::String(text.clone()),
            Value::Seq(items) => Json::Array(items.iter().map(Node::to_json).collect()),
            Value::Map(map) => Json::Object(
                map.iter()
                    .map(|(key, entry)| (key.clone(), entry.value.to_json()))
                    .collect(),
            ),
        }
    }

    /// A synthetic tree from plain JSON (used for defaults and in tests).
    pub fn from_json(json: &Json) -> Self {
        let value = match json {
            Json::Null => Value::Null,
            Json::Bool(flag) => Value::Bool(*flag),
            Json::Number(number) => number
                .as_i64()
                .map_or_else(|| Value::Float(number.as_f64().unwrap_or(0.0)), Value::Int),
            Json::String(text) => Value::String(text.clone()),
            Json::Array(items) => Value::Seq(items.iter().map(Node::from_json).collect()),
            Json::Object(map) => Value::Map(
                map.iter()
                    .map(|(key, value)| {
                        (
                            key.clone(),
                            Entry {
                                key_span: Span::synthetic(),
                                value: Node::from_json(value),
                            },
                        )
                    })
                    .collect(),
            ),
        };
        Node::synthetic(value)
    }

    /// A short description of the value's type for error messages (`string`, `mapping`...).
    pub fn type_name(&self) -> &'static str {
        match self.value {
            Value::Null => "null",
            Value::Bool(_) => "boolean",
            Value::Int(_) => "integer",
            Value::Float(_) => "number",
            Value::String(_) => "string",
            Value::Seq(_) => "sequence",
            Value::Map(_) => "mapping",
        }
    }
}
