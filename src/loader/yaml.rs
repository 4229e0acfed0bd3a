//! Stage "parse YAML": text → spanned `Node` tree.
//! TEMPORARY: a position-less stand-in built on serde_yaml, to be replaced by the
//! spanned parser (anchors, merge keys, `!reset`/`!override`, alias-bomb guard).

use super::error::Diagnostic;
use super::node::{Entry, Mapping, Node, Value};
use super::source::{SourceId, Span};

/// Parses every document of a compose file (the reference merges them in order).
pub fn parse_documents(text: &str, source: SourceId) -> Result<Vec<Node>, Diagnostic> {
    parse_document(text, source).map(|node| vec![node])
}

/// Parses one compose file. An empty document is an empty mapping.
pub fn parse_document(text: &str, source: SourceId) -> Result<Node, Diagnostic> {
    let span = Span::new(source, 1, 1);
    let value: serde_yaml::Value = serde_yaml::from_str(text)
        .map_err(|error| Diagnostic::new(format!("invalid YAML: {error}"), span))?;
    let mut node = convert(&value, span);
    if node.is_null() {
        node = Node::empty_map(span);
    }
    Ok(node)
}

fn convert(value: &serde_yaml::Value, span: Span) -> Node {
    let converted = match value {
        serde_yaml::Value::Null => Value::Null,
        serde_yaml::Value::Bool(flag) => Value::Bool(*flag),
        serde_yaml::Value::Number(number) => number
            .as_i64()
            .map_or_else(|| Value::Float(number.as_f64().unwrap_or(0.0)), Value::Int),
        serde_yaml::Value::String(text) => Value::String(text.clone()),
        serde_yaml::Value::Sequence(items) => {
            Value::Seq(items.iter().map(|item| convert(item, span)).collect())
        }
        serde_yaml::Value::Mapping(map) => {
            let mut mapping = Mapping::new();
            for (key, value) in map {
                let key = match key {
                    serde_yaml::Value::String(text) => text.clone(),
                    other => serde_yaml::to_string(other)
                        .unwrap_or_default()
                        .trim()
                        .to_owned(),
                };
                mapping.insert(
                    key,
                    Entry {
                        key_span: span,
                        value: convert(value, span),
                    },
                );
            }
            Value::Map(mapping)
        }
        serde_yaml::Value::Tagged(tagged) => return convert(&tagged.value, span),
    };
    Node::new(converted, span)
}
