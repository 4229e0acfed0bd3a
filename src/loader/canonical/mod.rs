//! Stages "canonical", "defaults", "normalize", "resolve paths" and "resolve environment":
//! short syntaxes to long ones, defaults filled in, names of networks/volumes, relative paths
//! made absolute — the document `docker compose config` prints (compose-go `transform/`,
//! `loader/normalize.go`, `paths/`, and the JSON form of its `types` structs in `model.rs`).
//! Pure: reads env files and nothing else; prints nothing.

mod defaults;
mod environment;
mod model;
mod normalize;
mod paths;
mod ports;
mod transform;
mod units;
mod volumes;

use std::collections::BTreeMap;
use std::path::Path;

use super::SkipStages;
use super::error::Diagnostic;
use super::node::{Entry, Mapping, Node, Value};
use super::source::{Sources, Span};

/// Per-file short → long syntax (compose-go `transform.Canonical`). With
/// `skip_interpolation`, values that do not parse (they may hold `${VAR}`) are kept as written.
pub fn canonical(tree: Node, skip_interpolation: bool) -> Result<Node, Vec<Diagnostic>> {
    transform::canonical(tree, skip_interpolation)
}

/// What normalisation needs to know about the project.
pub struct NormalizeContext<'a> {
    pub project_name: &'a str,
    pub working_dir: &'a Path,
    pub environment: &'a BTreeMap<String, String>,
    pub skip: SkipStages,
}

/// Defaults, path resolution and normalisation on the merged tree, then the tree is shaped
/// the way the reference serialises its typed project (compose-go `loadYamlModel` after the
/// per-file loop, `Normalize`, then `ModelToProject` + `MarshalJSON`).
pub fn defaults_and_normalize(
    tree: Node,
    context: &NormalizeContext<'_>,
) -> Result<Node, Vec<Diagnostic>> {
    let mut tree = tree;
    let mut diagnostics = Vec::new();
    // Without interpolation the reference loads the raw model with no environment at all:
    // bare `KEY` entries stay bare then.
    let no_environment = BTreeMap::new();
    // `~` expands from the process's `$HOME` (Go `os.UserHomeDir`) in every mode.
    let home = context.environment.get("HOME").cloned();
    let context = &NormalizeContext {
        environment: if context.skip.interpolation {
            &no_environment
        } else {
            context.environment
        },
        ..*context
    };
    defaults::set_default_values(&mut tree);
    if !context.skip.path_resolution {
        paths::resolve_relative_paths(&mut tree, context, home, &mut diagnostics);
    }
    environment::resolve_bare_environment_entries(&mut tree, context.environment);
    if !context.skip.normalization {
        normalize::normalize(&mut tree, context);
    }
    if !diagnostics.is_empty() {
        return Err(diagnostics);
    }
    if context.skip.interpolation {
        // The reference prints the raw model then (`runConfigNoInterpolate`), not the structs.
        return Ok(tree);
    }
    model::shape_project(tree)
}

/// Reads `env_file`s into `environment` and resolves bare `KEY` entries from the environment;
/// `label_file`s into `labels`. Both file lists are dropped afterwards, as `config` does.
pub fn resolve_service_environment(
    tree: Node,
    context: &NormalizeContext<'_>,
    sources: &mut Sources,
) -> Result<Node, Vec<Diagnostic>> {
    environment::resolve_service_environment(tree, context, sources)
}

/// The services mapping of a project tree, when there is one.
fn services_mut(tree: &mut Node) -> Option<&mut Mapping> {
    tree.get_mut("services").and_then(Node::as_map_mut)
}

/// A scalar as Go's `fmt.Sprint` prints it (`None` for sequences and mappings).
fn scalar_text(node: &Node) -> Option<String> {
    match &node.value {
        Value::Null => Some(String::new()),
        Value::Bool(flag) => Some(flag.to_string()),
        Value::Int(number) => Some(number.to_string()),
        Value::Float(number) => Some(units::format_go_float(*number)),
        Value::String(text) => Some(text.clone()),
        Value::Seq(_) | Value::Map(_) => None,
    }
}

/// A mapping node built from `(key, value)` pairs, all keys at `span`.
fn map_node(entries: impl IntoIterator<Item = (String, Node)>, span: Span) -> Node {
    let mapping: Mapping = entries
        .into_iter()
        .map(|(key, value)| {
            (
                key,
                Entry {
                    key_span: span,
                    value,
                },
            )
        })
        .collect();
    Node::new(Value::Map(mapping), span)
}

/// A mapping node built from the items of a list: each key sits where its item was, so
/// that an error about a key (an undefined service, say) points at the item.
fn map_node_from_items(entries: impl IntoIterator<Item = (String, Node)>, span: Span) -> Node {
    let mapping: Mapping = entries
        .into_iter()
        .map(|(key, value)| {
            (
                key,
                Entry {
                    key_span: value.span,
                    value,
                },
            )
        })
        .collect();
    Node::new(Value::Map(mapping), span)
}

fn string_node(text: impl Into<String>, span: Span) -> Node {
    Node::string(text, span)
}

fn bool_node(flag: bool, span: Span) -> Node {
    Node::new(Value::Bool(flag), span)
}

fn int_node(number: i64, span: Span) -> Node {
    Node::new(Value::Int(number), span)
}

/// Inserts `key` with `value` when the mapping does not have it yet.
fn insert_default(map: &mut Mapping, key: &str, value: Node) {
    if !map.contains_key(key) {
        let span = value.span;
        map.insert(
            key.to_owned(),
            Entry {
                key_span: span,
                value,
            },
        );
    }
}

/// Sets `key` to `value`, keeping the key's position when it existed.
fn set_entry(map: &mut Mapping, key: &str, value: Node) {
    if let Some(entry) = map.get_mut(key) {
        entry.value = value;
    } else {
        let span = value.span;
        map.insert(
            key.to_owned(),
            Entry {
                key_span: span,
                value,
            },
        );
    }
}
