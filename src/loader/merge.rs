//! Stage "merge": later `-f` files over earlier ones with the reference's per-key rules
//! (compose-go `override/merge.go`), honouring `!reset` / `!override` (`loader/reset.go`),
//! then sequences de-duplicated by key (`override/uncity.go`). Also used by `extends`.

use std::collections::HashMap;
use std::sync::LazyLock;

use super::error::Diagnostic;
use super::node::{Entry, Mapping, Node, Tag, Value, display_path};
use super::source::Span;

/// A dotted location in the document; sequence items are not traversed by the merge.
type Path = Vec<String>;

/// The per-path merge rules of `override/merge.go` (`mergeSpecials`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Merger {
    /// Both sides as `KEY=VALUE` sequences, appended (de-duplicated later by key).
    ToSequence,
    /// The later value wins whole.
    Replace,
    /// Like `ToSequence`, but items already present are not repeated.
    ExtraHosts,
    /// Short (list) form becomes `{name: {condition: service_started, required: true}}`.
    DependsOn,
    /// Short (list) form becomes `{name: null}`.
    ListToMapping,
    /// Options merge only when the driver is the same or unset on one side.
    Logging,
    /// `build: ./dir` is `{context: ./dir}`.
    Build,
    /// Each `ulimits` entry is replaced whole.
    Ulimit,
    /// `ipam.config` entries merge by `subnet`.
    IpamConfig,
}

const MERGERS: &[(&str, Merger)] = &[
    ("networks.*.ipam.config", Merger::IpamConfig),
    ("networks.*.labels", Merger::ToSequence),
    ("volumes.*.labels", Merger::ToSequence),
    ("services.*.annotations", Merger::ToSequence),
    ("services.*.build", Merger::Build),
    ("services.*.build.args", Merger::ToSequence),
    ("services.*.build.additional_contexts", Merger::ToSequence),
    ("services.*.build.extra_hosts", Merger::ExtraHosts),
    ("services.*.build.labels", Merger::ToSequence),
    ("services.*.command", Merger::Replace),
    ("services.*.depends_on", Merger::DependsOn),
    ("services.*.deploy.labels", Merger::ToSequence),
    ("services.*.dns", Merger::ToSequence),
    ("services.*.dns_opt", Merger::ToSequence),
    ("services.*.dns_search", Merger::ToSequence),
    ("services.*.entrypoint", Merger::Replace),
    ("services.*.env_file", Merger::ToSequence),
    ("services.*.label_file", Merger::ToSequence),
    ("services.*.environment", Merger::ToSequence),
    ("services.*.extra_hosts", Merger::ExtraHosts),
    ("services.*.healthcheck.test", Merger::Replace),
    ("services.*.labels", Merger::ToSequence),
    ("services.*.logging", Merger::Logging),
    ("services.*.models", Merger::ListToMapping),
    ("services.*.networks", Merger::ListToMapping),
    ("services.*.sysctls", Merger::ToSequence),
    ("services.*.tmpfs", Merger::ToSequence),
    ("services.*.ulimits.*", Merger::Ulimit),
];

/// How sequence items are keyed for de-duplication (`override/uncity.go`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Indexer {
    KeyValue,
    Volume,
    Device,
    Expose,
    Mount(&'static str),
    Port,
    EnvFile,
}

const UNIQUE: &[(&str, Indexer)] = &[
    ("networks.*.labels", Indexer::KeyValue),
    ("networks.*.ipam.options", Indexer::KeyValue),
    ("services.*.annotations", Indexer::KeyValue),
    ("services.*.build.args", Indexer::KeyValue),
    ("services.*.build.additional_contexts", Indexer::KeyValue),
    ("services.*.build.platform", Indexer::KeyValue),
    ("services.*.build.tags", Indexer::KeyValue),
    ("services.*.build.labels", Indexer::KeyValue),
    ("services.*.cap_add", Indexer::KeyValue),
    ("services.*.cap_drop", Indexer::KeyValue),
    ("services.*.configs", Indexer::Mount("")),
    ("services.*.deploy.labels", Indexer::KeyValue),
    ("services.*.dns", Indexer::KeyValue),
    ("services.*.dns_opt", Indexer::KeyValue),
    ("services.*.dns_search", Indexer::KeyValue),
    ("services.*.environment", Indexer::KeyValue),
    ("services.*.env_file", Indexer::EnvFile),
    ("services.*.expose", Indexer::Expose),
    ("services.*.labels", Indexer::KeyValue),
    ("services.*.links", Indexer::KeyValue),
    ("services.*.networks.*.aliases", Indexer::KeyValue),
    ("services.*.networks.*.link_local_ips", Indexer::KeyValue),
    ("services.*.ports", Indexer::Port),
    ("services.*.profiles", Indexer::KeyValue),
    ("services.*.secrets", Indexer::Mount("/run/secrets")),
    ("services.*.sysctls", Indexer::KeyValue),
    ("services.*.tmpfs", Indexer::KeyValue),
    ("services.*.volumes", Indexer::Volume),
    // uncity.go assigns `devices` twice; the device-mapping indexer is the one in force.
    ("services.*.devices", Indexer::Device),
];

/// Whether `path` is exactly `pattern` (`*` matches any key). No allocation: this runs
/// for every mapping entry of every file.
fn matches(path: &[String], pattern: &str) -> bool {
    let mut parts = pattern.split('.');
    path.iter()
        .all(|key| parts.next().is_some_and(|part| part == "*" || part == key))
        && parts.next().is_none()
}

fn merger_for(path: &[String]) -> Option<Merger> {
    MERGERS
        .iter()
        .find(|(pattern, _)| matches(path, pattern))
        .map(|(_, merger)| *merger)
}

/// Whether merged values keep their `!reset`/`!override` markers (for `extends`, so that the
/// same tags still apply to earlier files afterwards, as the reference's reset processor does).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tags {
    Consume,
    Keep,
}

/// Merges `override_tree` (a raw file) over `base` (the files merged so far), then
/// de-duplicates sequences. Errors when a mapping or sequence is overridden by another type.
pub fn merge_files(base: Node, override_tree: Node) -> Result<Node, Vec<Diagnostic>> {
    let merged = merge_node(base, override_tree, &mut Vec::new(), Tags::Consume)
        .map_err(|diagnostic| vec![diagnostic])?;
    Ok(enforce_unicity(merged))
}

/// Applies `!reset` / `!override` to the first file (nothing under it): `!reset` removes the
/// key or item, `!override` just loses its tag. Then de-duplicates like a merge does.
pub fn strip_tags(tree: Node) -> Node {
    enforce_unicity(remove_tags(tree))
}

/// Merges a service definition over the one it extends (`override.ExtendService`).
/// Tags in `local` are kept on the result so a later file merge still honours them.
pub fn extend_service(base: Node, local: Node) -> Result<Node, Diagnostic> {
    let base = remove_tags(base);
    merge_node(
        base,
        local,
        &mut vec!["services".to_owned(), "x".to_owned()],
        Tags::Keep,
    )
}

/// Removes every tag: `!reset` entries and items disappear, `!override` ones stay untagged.
pub fn remove_tags(mut node: Node) -> Node {
    remove_tags_in_place(&mut node);
    node
}

/// [`remove_tags`] without rebuilding the mappings (the tree of a large file is big).
fn remove_tags_in_place(node: &mut Node) {
    node.tag = None;
    match &mut node.value {
        Value::Map(map) => {
            if map
                .values()
                .any(|entry| entry.value.tag == Some(Tag::Reset))
            {
                map.retain(|_, entry| entry.value.tag != Some(Tag::Reset));
            }
            for entry in map.values_mut() {
                remove_tags_in_place(&mut entry.value);
            }
        }
        Value::Seq(items) => {
            items.retain(|item| item.tag != Some(Tag::Reset));
            for item in items {
                remove_tags_in_place(item);
            }
        }
        _ => {}
    }
}

/// The value an override brings when nothing is under it.
fn fresh(node: Node, tags: Tags) -> Node {
    match tags {
        Tags::Consume => remove_tags(node),
        Tags::Keep => node,
    }
}

fn merge_node(base: Node, over: Node, path: &mut Path, tags: Tags) -> Result<Node, Diagnostic> {
    match over.tag {
        // `!reset` removes what was inherited; the caller drops the key (or keeps the marker).
        Some(Tag::Reset) => return Ok(over),
        Some(Tag::Override) => return Ok(fresh(over, tags)),
        None => {}
    }
    if let Some(merger) = merger_for(path) {
        return special(merger, base, over, path, tags);
    }
    if over.is_null() {
        return Ok(base);
    }
    match (base.value, over.value) {
        (Value::Map(base_map), Value::Map(over_map)) => Ok(Node {
            value: Value::Map(merge_mappings(base_map, over_map, path, tags)?),
            span: base.span,
            tag: None,
        }),
        (Value::Seq(mut base_items), Value::Seq(over_items)) => {
            base_items.extend(
                over_items
                    .into_iter()
                    .filter_map(|item| keep_item(item, tags)),
            );
            Ok(Node {
                value: Value::Seq(base_items),
                span: base.span,
                tag: None,
            })
        }
        (Value::Map(_) | Value::Seq(_), _) => Err(cannot_override(path, over.span)),
        (_, other) => Ok(fresh(
            Node {
                value: other,
                span: over.span,
                tag: None,
            },
            tags,
        )),
    }
}

fn keep_item(item: Node, tags: Tags) -> Option<Node> {
    if item.tag == Some(Tag::Reset) && tags == Tags::Consume {
        return None;
    }
    Some(fresh(item, tags))
}

fn cannot_override(path: &[String], span: Span) -> Diagnostic {
    let segments: Vec<_> = path
        .iter()
        .map(|key| super::node::PathSegment::Key(key.clone()))
        .collect();
    Diagnostic::new(
        format!("cannot override `{}`", display_path(&segments)),
        span,
    )
}

fn merge_mappings(
    mut base: Mapping,
    over: Mapping,
    path: &mut Path,
    tags: Tags,
) -> Result<Mapping, Diagnostic> {
    for (key, entry) in over {
        if entry.value.tag == Some(Tag::Reset) {
            match tags {
                Tags::Consume => {
                    base.shift_remove(&key);
                }
                Tags::Keep => {
                    base.insert(key, entry);
                }
            }
            continue;
        }
        match base.get_mut(&key) {
            None => {
                base.insert(
                    key,
                    Entry {
                        key_span: entry.key_span,
                        value: fresh(entry.value, tags),
                    },
                );
            }
            Some(existing) => {
                let inherited =
                    std::mem::replace(&mut existing.value, Node::synthetic(Value::Null));
                path.push(key);
                let merged = merge_node(inherited, entry.value, path, tags);
                path.pop();
                existing.value = merged?;
            }
        }
    }
    Ok(base)
}

fn special(
    merger: Merger,
    base: Node,
    over: Node,
    path: &mut Path,
    tags: Tags,
) -> Result<Node, Diagnostic> {
    let span = base.span;
    match merger {
        // `mergeUlimit` compares the override with itself: the entry is replaced whole.
        Merger::Replace | Merger::Ulimit => Ok(fresh(over, tags)),
        Merger::ToSequence => {
            let mut items = into_sequence(base);
            items.extend(into_sequence(over));
            Ok(Node::new(Value::Seq(items), span))
        }
        Merger::ExtraHosts => {
            let mut items = into_sequence(base);
            let additions: Vec<Node> = into_sequence(over)
                .into_iter()
                .filter(|item| !items.iter().any(|existing| existing.value == item.value))
                .collect();
            items.extend(additions);
            Ok(Node::new(Value::Seq(items), span))
        }
        Merger::DependsOn | Merger::ListToMapping => {
            let default = (merger == Merger::DependsOn).then(depends_on_default);
            let base = into_mapping(base, default.as_ref());
            let over = into_mapping(over, default.as_ref());
            mappings_or_base(base, over, path, tags, span)
        }
        Merger::Build => {
            let base = build_mapping(base);
            let over = build_mapping(over);
            mappings_or_base(base, over, path, tags, span)
        }
        Merger::Logging => {
            let (Value::Map(base_map), Value::Map(over_map)) = (&base.value, &over.value) else {
                return Ok(if over.is_null() {
                    base
                } else {
                    fresh(over, tags)
                });
            };
            let same_driver = match (base_map.get("driver"), over_map.get("driver")) {
                (Some(left), Some(right)) => left.value.value == right.value.value,
                _ => true,
            };
            if same_driver {
                let (Value::Map(base_map), Value::Map(over_map)) = (base.value, over.value) else {
                    return Ok(Node::synthetic(Value::Null));
                };
                Ok(Node::new(
                    Value::Map(merge_mappings(base_map, over_map, path, tags)?),
                    span,
                ))
            } else {
                Ok(fresh(over, tags))
            }
        }
        Merger::IpamConfig => merge_ipam_config(base, over, path, tags),
    }
}

/// Merges two mappings produced by a converter; a side that is not a mapping is ignored.
fn mappings_or_base(
    base: Option<Node>,
    over: Option<Node>,
    path: &mut Path,
    tags: Tags,
    span: Span,
) -> Result<Node, Diagnostic> {
    match (base, over) {
        (Some(base), Some(over)) => {
            let base_span = base.span;
            let (Value::Map(base_map), Value::Map(over_map)) = (base.value, over.value) else {
                return Ok(Node::new(Value::Null, span));
            };
            Ok(Node::new(
                Value::Map(merge_mappings(base_map, over_map, path, tags)?),
                base_span,
            ))
        }
        (Some(base), None) => Ok(base),
        (None, Some(over)) => Ok(fresh(over, tags)),
        (None, None) => Ok(Node::new(Value::Null, span)),
    }
}

fn depends_on_default() -> Node {
    let mut map = Mapping::default();
    map.insert(
        "condition".to_owned(),
        Entry {
            key_span: Span::synthetic(),
            value: Node::synthetic(Value::String("service_started".to_owned())),
        },
    );
    map.insert(
        "required".to_owned(),
        Entry {
            key_span: Span::synthetic(),
            value: Node::synthetic(Value::Bool(true)),
        },
    );
    Node::synthetic(Value::Map(map))
}

/// `convertIntoMapping`: a list of names becomes a mapping of name → default.
fn into_mapping(node: Node, default: Option<&Node>) -> Option<Node> {
    match node.value {
        Value::Map(_) => Some(node),
        Value::Seq(items) => {
            let mut map = Mapping::default();
            for item in items {
                let name = scalar_text(&item).unwrap_or_default();
                let value = default.map_or_else(
                    || Node::new(Value::Null, item.span),
                    |default| Node {
                        span: item.span,
                        ..default.clone()
                    },
                );
                map.insert(
                    name,
                    Entry {
                        key_span: item.span,
                        value,
                    },
                );
            }
            Some(Node::new(Value::Map(map), node.span))
        }
        _ => None,
    }
}

fn build_mapping(node: Node) -> Option<Node> {
    match node.value {
        Value::String(context) => {
            let mut map = Mapping::default();
            map.insert(
                "context".to_owned(),
                Entry {
                    key_span: node.span,
                    value: Node::new(Value::String(context), node.span),
                },
            );
            Some(Node::new(Value::Map(map), node.span))
        }
        Value::Map(_) => Some(node),
        _ => None,
    }
}

/// `convertIntoSequence`: a mapping becomes sorted `KEY=VALUE` items (`KEY` when null),
/// a string a one-item list; items keep the span of the value that set them.
fn into_sequence(node: Node) -> Vec<Node> {
    match node.value {
        Value::Map(map) => {
            let mut items: Vec<Node> = Vec::new();
            for (key, entry) in map {
                if entry.value.tag == Some(Tag::Reset) {
                    continue;
                }
                let span = if entry.value.span.is_known() {
                    entry.value.span
                } else {
                    entry.key_span
                };
                match entry.value.value {
                    Value::Null => items.push(Node::new(Value::String(key), entry.key_span)),
                    Value::Seq(values) => {
                        for value in values {
                            let text = scalar_text(&value).unwrap_or_default();
                            items.push(Node::new(
                                Value::String(format!("{key}={text}")),
                                value.span,
                            ));
                        }
                    }
                    ref other => {
                        let text = scalar_text(&Node::synthetic(other.clone())).unwrap_or_default();
                        items.push(Node::new(Value::String(format!("{key}={text}")), span));
                    }
                }
            }
            items.sort_by(|left, right| left.as_str().cmp(&right.as_str()));
            items
        }
        Value::Seq(items) => items
            .into_iter()
            .filter(|item| item.tag != Some(Tag::Reset))
            .map(remove_tags)
            .collect(),
        Value::String(_) => vec![Node { tag: None, ..node }],
        _ => Vec::new(),
    }
}

/// A scalar as Go's `fmt.Sprint` would print it.
pub fn scalar_text(node: &Node) -> Option<String> {
    match &node.value {
        Value::String(text) => Some(text.clone()),
        Value::Int(number) => Some(number.to_string()),
        Value::Float(number) => Some(format_float(*number)),
        Value::Bool(flag) => Some(flag.to_string()),
        Value::Null => Some("<nil>".to_owned()),
        _ => None,
    }
}

fn format_float(number: f64) -> String {
    let text = number.to_string();
    text.strip_suffix(".0").map_or(text.clone(), str::to_owned)
}

fn ipam_subnet(node: &Node) -> Option<Value> {
    node.get("subnet").map(|subnet| subnet.value.clone())
}

/// `mergeIPAMConfig`: configs with the same subnet merge, others are added once.
fn merge_ipam_config(
    base: Node,
    over: Node,
    path: &mut Path,
    tags: Tags,
) -> Result<Node, Diagnostic> {
    let span = base.span;
    let (Value::Seq(configs), Value::Seq(overrides)) = (base.value, over.value.clone()) else {
        return Ok(fresh(over, tags));
    };
    let mut result: Vec<Node> = Vec::new();
    for original in configs {
        for override_config in &overrides {
            let override_config = fresh(override_config.clone(), tags);
            let left = ipam_subnet(&override_config);
            if left != ipam_subnet(&original)
                && !result.iter().any(|config| ipam_subnet(config) == left)
            {
                result.push(override_config);
                continue;
            }
            let merged = match (original.value.clone(), override_config.value) {
                (Value::Map(right), Value::Map(left)) => Node::new(
                    Value::Map(merge_mappings(right, left, path, tags)?),
                    original.span,
                ),
                _ => original.clone(),
            };
            let subnet = ipam_subnet(&merged);
            match result
                .iter()
                .position(|config| ipam_subnet(config) == subnet)
            {
                Some(index) => result[index] = merged,
                None => result.push(merged),
            }
        }
    }
    Ok(Node::new(Value::Seq(result), span))
}

/// Removes redefinitions from keyed sequences (`override.EnforceUnicity`): a later item
/// with the same key replaces the earlier one in place.
pub fn enforce_unicity(mut tree: Node) -> Node {
    let all = u64::MAX >> (64 - UNIQUE.len());
    unicity(&mut tree, 0, all);
    tree
}

/// [`UNIQUE`] as bit sets (bit `i` is pattern `i`), per depth: the patterns with `*` there,
/// those with each literal key there, and those that end there. Built once.
struct UniqueTable {
    wildcard: Vec<u64>,
    literal: Vec<HashMap<&'static str, u64>>,
    ends: Vec<u64>,
}

static UNIQUE_TABLE: LazyLock<UniqueTable> = LazyLock::new(|| {
    const { assert!(UNIQUE.len() <= 64) };
    let mut table = UniqueTable {
        wildcard: Vec::new(),
        literal: Vec::new(),
        ends: Vec::new(),
    };
    for (index, (pattern, _)) in UNIQUE.iter().enumerate() {
        let bit = 1_u64 << index;
        let segments: Vec<&'static str> = pattern.split('.').collect();
        let depth = segments.len();
        if table.ends.len() <= depth {
            table.wildcard.resize(depth + 1, 0);
            table.literal.resize_with(depth + 1, HashMap::new);
            table.ends.resize(depth + 1, 0);
        }
        table.ends[depth] |= bit;
        for (position, segment) in segments.into_iter().enumerate() {
            if segment == "*" {
                table.wildcard[position] |= bit;
            } else {
                *table.literal[position].entry(segment).or_default() |= bit;
            }
        }
    }
    table
});

/// In place, and only down the keys that lead to a keyed sequence: `candidates` has a bit
/// per [`UNIQUE`] pattern whose first `depth` segments match the path to `node`.
fn unicity(node: &mut Node, depth: usize, candidates: u64) {
    let table = &*UNIQUE_TABLE;
    match &mut node.value {
        Value::Map(map) => {
            let (Some(wildcard), Some(literal)) =
                (table.wildcard.get(depth), table.literal.get(depth))
            else {
                return;
            };
            for (key, entry) in map.iter_mut() {
                if !matches!(entry.value.value, Value::Map(_) | Value::Seq(_)) {
                    continue;
                }
                let next = candidates
                    & (wildcard | literal.get(key.as_str()).copied().unwrap_or_default());
                if next != 0 {
                    unicity(&mut entry.value, depth + 1, next);
                }
            }
        }
        Value::Seq(items) => {
            // The last pattern naming this very path wins, as in `UNIQUE`'s order.
            let ending = candidates & table.ends.get(depth).copied().unwrap_or_default();
            if ending == 0 || items.len() < 2 {
                return;
            }
            let indexer = UNIQUE[63 - ending.leading_zeros() as usize].1;
            let mut unique: Vec<Node> = Vec::with_capacity(items.len());
            let mut positions: HashMap<String, usize> = HashMap::new();
            for item in std::mem::take(items) {
                // An item that cannot be keyed is kept; schema validation reports it.
                let Some(key) = index_key(indexer, &item) else {
                    unique.push(item);
                    continue;
                };
                if let Some(&position) = positions.get(&key) {
                    unique[position] = item;
                } else {
                    positions.insert(key, unique.len());
                    unique.push(item);
                }
            }
            *items = unique;
        }
        _ => {}
    }
}

fn index_key(indexer: Indexer, item: &Node) -> Option<String> {
    match indexer {
        Indexer::KeyValue => {
            let text = item.as_str()?;
            Some(text.split_once('=').map_or(text, |(key, _)| key).to_owned())
        }
        Indexer::Volume => match &item.value {
            Value::Map(_) => item.get("target")?.as_str().map(str::to_owned),
            Value::String(text) => Some(volume_target(text)),
            _ => Some(String::new()),
        },
        Indexer::Device => match &item.value {
            Value::Map(_) => item.get("target")?.as_str().map(str::to_owned),
            Value::String(text) => {
                let parts: Vec<&str> = text.split(':').collect();
                Some((*parts.get(1).unwrap_or(&parts[0])).to_owned())
            }
            _ => Some(String::new()),
        },
        Indexer::Expose => match &item.value {
            Value::String(text) => Some(text.clone()),
            Value::Int(number) => Some(number.to_string()),
            _ => None,
        },
        Indexer::Mount(default_path) => match &item.value {
            Value::String(text) => Some(format!("{default_path}/{text}")),
            Value::Map(_) => match item.get("target") {
                Some(target) => scalar_text(target),
                None => Some(format!(
                    "{default_path}/{}",
                    item.get("source")
                        .and_then(scalar_text)
                        .unwrap_or_else(|| "<nil>".to_owned())
                )),
            },
            _ => None,
        },
        Indexer::Port => match &item.value {
            Value::Int(number) => Some(number.to_string()),
            Value::String(text) => Some(text.clone()),
            Value::Map(_) => {
                let target = scalar_text(item.get("target")?)?;
                let field = |name: &str, default: &str| {
                    item.get(name)
                        .and_then(scalar_text)
                        .unwrap_or_else(|| default.to_owned())
                };
                Some(format!(
                    "{}:{}:{target}/{}",
                    field("host_ip", "0.0.0.0"),
                    field("published", "<nil>"),
                    field("protocol", "tcp")
                ))
            }
            _ => Some(String::new()),
        },
        Indexer::EnvFile => match &item.value {
            Value::String(text) => Some(text.clone()),
            Value::Map(_) => item.get("path")?.as_str().map(str::to_owned),
            _ => Some(String::new()),
        },
    }
}

/// The container path of a short volume spec (`format.ParseVolume(...).Target`).
pub fn volume_target(spec: &str) -> String {
    let parts = split_volume_spec(spec);
    match parts.len() {
        0 => String::new(),
        1 => parts[0].clone(),
        _ => parts[1].clone(),
    }
}

/// Splits `src:dst:mode`, keeping a Windows drive letter (`C:\x`) with its path.
pub fn split_volume_spec(spec: &str) -> Vec<String> {
    let mut parts: Vec<String> = Vec::new();
    let mut current = String::new();
    let characters: Vec<char> = spec.chars().collect();
    for (index, character) in characters.iter().enumerate() {
        if *character == ':' {
            let is_drive = current.len() == 1
                && current.chars().all(|letter| letter.is_ascii_alphabetic())
                && matches!(characters.get(index + 1), Some('\\' | '/'));
            if !is_drive {
                parts.push(std::mem::take(&mut current));
                continue;
            }
        }
        current.push(*character);
    }
    parts.push(current);
    parts
}

#[cfg(test)]
mod tests;
