//! Stage "include": top-level `include` entries, each loaded as its own project (own
//! directory, `.env` / `env_file` and interpolation environment) whose services, networks,
//! volumes, secrets, configs and models are copied in (compose-go `loader/include.go`).
//! Redefining an imported resource differently is an error; an identical one is fine.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::discover::{ComposeFile, clean};
use super::error::Diagnostic;
use super::extends::relative_path;
use super::node::{Entry, Mapping, Node, Value};
use super::source::{Sources, Span};
use super::validate::with_article;
use super::{FileContext, SkipStages, canonical, dotenv};

/// The kinds of resources an included project contributes (`importResources`).
const IMPORTED: [&str; 6] = [
    "services", "volumes", "networks", "secrets", "configs", "models",
];

/// One `include` entry after the short form is expanded.
struct IncludeEntry {
    paths: Vec<(String, Span)>,
    project_directory: Option<(String, Span)>,
    env_files: Vec<(String, Span)>,
    span: Span,
}

pub fn apply_include(
    mut tree: Node,
    file_path: &Path,
    context: &FileContext<'_>,
    sources: &mut Sources,
    warnings: &mut Vec<Diagnostic>,
) -> Result<Node, Vec<Diagnostic>> {
    let Some(map) = tree.as_map_mut() else {
        return Ok(tree);
    };
    let Some(include) = map.shift_remove("include") else {
        return Ok(tree);
    };
    let entries = parse_entries(&include.value).map_err(|diagnostic| vec![diagnostic])?;
    let mut chain: Vec<PathBuf> = context.include_chain.to_vec();
    chain.push(file_path.to_path_buf());
    for entry in entries {
        let imported = load_included(&entry, &chain, context, sources, warnings)?;
        import_resources(&mut tree, imported, context).map_err(|diagnostic| vec![diagnostic])?;
    }
    Ok(tree)
}

fn strings(node: &Node) -> Vec<(String, Span)> {
    match &node.value {
        Value::String(text) => vec![(text.clone(), node.span)],
        Value::Seq(items) => items
            .iter()
            .filter_map(|item| item.as_str().map(|text| (text.to_owned(), item.span)))
            .collect(),
        _ => Vec::new(),
    }
}

fn parse_entries(include: &Node) -> Result<Vec<IncludeEntry>, Diagnostic> {
    if include.is_null() {
        return Ok(Vec::new());
    }
    let Some(items) = include.as_seq() else {
        return Err(Diagnostic::new(
            format!(
                "`include` must be a list, not {}",
                with_article(include.type_name())
            ),
            include.span,
        ));
    };
    let mut entries = Vec::new();
    for item in items {
        let entry = match &item.value {
            Value::String(path) => IncludeEntry {
                paths: vec![(path.clone(), item.span)],
                project_directory: None,
                env_files: Vec::new(),
                span: item.span,
            },
            Value::Map(_) => IncludeEntry {
                paths: item.get("path").map(strings).unwrap_or_default(),
                project_directory: item
                    .get("project_directory")
                    .and_then(|node| node.as_str().map(|text| (text.to_owned(), node.span))),
                env_files: item.get("env_file").map(strings).unwrap_or_default(),
                span: item.span,
            },
            _ => {
                return Err(Diagnostic::new(
                    format!(
                        "an `include` entry must be a path or a mapping, not {}",
                        with_article(item.type_name())
                    ),
                    item.span,
                ));
            }
        };
        if entry.paths.is_empty() {
            return Err(Diagnostic::new(
                "an `include` entry needs a `path`",
                entry.span,
            ));
        }
        entries.push(entry);
    }
    Ok(entries)
}

fn io_reason(error: &std::io::Error) -> String {
    match error.kind() {
        std::io::ErrorKind::NotFound => "no such file or directory".to_owned(),
        std::io::ErrorKind::PermissionDenied => "permission denied".to_owned(),
        _ => error.to_string(),
    }
}

/// Loads one included project: its files merged, defaults set and relative paths resolved
/// against its own directory (expressed relative to the including project, as compose-go does).
fn load_included(
    entry: &IncludeEntry,
    chain: &[PathBuf],
    context: &FileContext<'_>,
    sources: &mut Sources,
    warnings: &mut Vec<Diagnostic>,
) -> Result<Node, Vec<Diagnostic>> {
    let paths: Vec<(PathBuf, Span)> = entry
        .paths
        .iter()
        .map(|(path, span)| (clean(&context.working_dir.join(path)), *span))
        .collect();
    let (main_path, main_span) = paths[0].clone();
    if chain.contains(&main_path) {
        let mut steps: Vec<String> = chain
            .iter()
            .map(|path| format!("`{}`", path.display()))
            .collect();
        steps.push(format!("`{}`", main_path.display()));
        return Err(vec![Diagnostic::new(
            format!("include cycle detected: {}", steps.join(" includes ")),
            main_span,
        )]);
    }
    let project_dir = match &entry.project_directory {
        Some((dir, _)) => clean(&context.working_dir.join(dir)),
        None => main_path
            .parent()
            .map_or_else(|| context.working_dir.to_path_buf(), Path::to_path_buf),
    };
    let environment = include_environment(entry, &project_dir, context, sources)?;

    let mut files = Vec::new();
    for (path, span) in &paths {
        let text = std::fs::read_to_string(path).map_err(|error| {
            vec![Diagnostic::new(
                format!(
                    "cannot read included file `{}`: {}",
                    path.display(),
                    io_reason(&error)
                ),
                *span,
            )]
        })?;
        let source = sources.add(path.display().to_string(), text.clone());
        files.push(ComposeFile {
            path: path.clone(),
            text,
            source,
        });
    }
    let skip = included_skip(context.skip);
    let included_context = FileContext {
        working_dir: &project_dir,
        environment: &environment,
        skip,
        include_chain: chain,
    };
    let documents = super::parse_files(&files)?;
    let tree = super::load_files(&files, documents, &included_context, sources, warnings)?;
    let relative_dir = relative_path(context.working_dir, &project_dir);
    let normalize_context = canonical::NormalizeContext {
        project_name: "",
        working_dir: &relative_dir,
        environment: &environment,
        skip,
    };
    let tree = canonical::defaults_and_normalize(tree, &normalize_context)?;
    Ok(resolve_environment(tree, &environment))
}

/// The stages an included project goes through before its resources are imported: its
/// own paths are resolved, the including project normalises and checks the whole.
fn included_skip(skip: SkipStages) -> SkipStages {
    SkipStages {
        normalization: true,
        path_resolution: false,
        consistency: true,
        ..skip
    }
}

/// The parent's environment, plus the include's env files for variables it does not set
/// (`environment.Clone().Merge(envFromFile)`). Default: `.env` in the project directory.
fn include_environment(
    entry: &IncludeEntry,
    project_dir: &Path,
    context: &FileContext<'_>,
    sources: &mut Sources,
) -> Result<BTreeMap<String, String>, Vec<Diagnostic>> {
    let mut env_files: Vec<(PathBuf, Span)> = Vec::new();
    if entry.env_files.is_empty() {
        let default = project_dir.join(".env");
        if default.is_file() {
            env_files.push((default, entry.span));
        }
    } else {
        for (file, span) in &entry.env_files {
            let path = clean(&context.working_dir.join(file));
            if path.is_dir() {
                return Err(vec![Diagnostic::new(
                    format!("`{}` is not a file", path.display()),
                    *span,
                )]);
            }
            env_files.push((path, *span));
        }
    }
    let mut from_files: BTreeMap<String, String> = BTreeMap::new();
    for (path, span) in env_files {
        let text = std::fs::read_to_string(&path).map_err(|error| {
            vec![Diagnostic::new(
                format!(
                    "cannot read env file `{}`: {}",
                    path.display(),
                    io_reason(&error)
                ),
                span,
            )]
        })?;
        let source = sources.add(path.display().to_string(), text.clone());
        let lookup = |name: &str| {
            from_files
                .get(name)
                .or_else(|| context.environment.get(name))
                .cloned()
        };
        let parsed =
            dotenv::parse(&text, source, &lookup).map_err(|diagnostic| vec![diagnostic])?;
        from_files.extend(parsed);
    }
    let mut environment = context.environment.clone();
    for (key, value) in from_files {
        environment.entry(key).or_insert(value);
    }
    Ok(environment)
}

/// Bare `KEY` entries of list-form `environment` take the included project's value, and
/// `configs.*.environment` its content (compose-go `ResolveEnvironment`).
fn resolve_environment(mut tree: Node, environment: &BTreeMap<String, String>) -> Node {
    if let Some(services) = tree.get_mut("services").and_then(Node::as_map_mut) {
        for entry in services.values_mut() {
            let Some(Value::Seq(items)) = entry
                .value
                .get_mut("environment")
                .map(|node| &mut node.value)
            else {
                continue;
            };
            for item in items {
                if let Some(name) = item.as_str().filter(|text| !text.contains('=')) {
                    if let Some(value) = environment.get(name) {
                        item.value = Value::String(format!("{name}={value}"));
                    }
                }
            }
        }
    }
    if let Some(configs) = tree.get_mut("configs").and_then(Node::as_map_mut) {
        for entry in configs.values_mut() {
            let value = entry
                .value
                .get("environment")
                .and_then(Node::as_str)
                .and_then(|name| environment.get(name))
                .cloned();
            if let (Some(value), Some(config)) = (value, entry.value.as_map_mut()) {
                config.insert(
                    "content".to_owned(),
                    Entry {
                        key_span: Span::synthetic(),
                        value: Node::synthetic(Value::String(value)),
                    },
                );
            }
        }
    }
    tree
}

/// Copies the included resources in; a different definition under the same name is an error.
fn import_resources(
    tree: &mut Node,
    imported: Node,
    context: &FileContext<'_>,
) -> Result<(), Diagnostic> {
    let Value::Map(mut imported) = imported.value else {
        return Ok(());
    };
    let Some(target) = tree.as_map_mut() else {
        return Ok(());
    };
    for kind in IMPORTED {
        let Some(from) = imported.shift_remove(kind) else {
            continue;
        };
        let Value::Map(from) = from.value.value else {
            continue;
        };
        let to = target.entry(kind.to_owned()).or_insert_with(|| Entry {
            key_span: from_span(&from),
            value: Node::empty_map(Span::synthetic()),
        });
        if to.value.is_null() {
            to.value = Node::empty_map(to.value.span);
        }
        let Some(to) = to.value.as_map_mut() else {
            continue;
        };
        for (name, entry) in from {
            if let Some(existing) = to.get(&name) {
                // The imported side is canonical, with defaults and resolved paths: put the
                // local definition through the same stages to compare like with like.
                let existing_canonical = canonical_entry(kind, &name, &existing.value, context);
                if same_value(&existing_canonical, &entry.value) {
                    continue;
                }
                return Err(Diagnostic::new(
                    format!("`{kind}.{name}` conflicts with imported resource"),
                    existing.key_span,
                )
                .with_hint(
                    "an included resource cannot be redefined; change it in an override file (`-f`) instead",
                ));
            }
            to.insert(name, entry);
        }
    }
    Ok(())
}

fn from_span(map: &Mapping) -> Span {
    map.values()
        .next()
        .map_or(Span::synthetic(), |entry| entry.key_span)
}

/// `value` as an included project's `kind.name` would be imported: canonical syntax,
/// defaults, paths resolved against this project's directory, bare environment entries
/// resolved (`value` itself when one of the stages fails, so that it conflicts).
fn canonical_entry(kind: &str, name: &str, value: &Node, context: &FileContext<'_>) -> Node {
    let mut inner = Mapping::default();
    inner.insert(
        name.to_owned(),
        Entry {
            key_span: value.span,
            value: value.clone(),
        },
    );
    let mut outer = Mapping::default();
    outer.insert(
        kind.to_owned(),
        Entry {
            key_span: value.span,
            value: Node::new(Value::Map(inner), value.span),
        },
    );
    let skip = included_skip(context.skip);
    let working_dir = relative_path(context.working_dir, context.working_dir);
    let normalize_context = canonical::NormalizeContext {
        project_name: "",
        working_dir: &working_dir,
        environment: context.environment,
        skip,
    };
    canonical::canonical(Node::new(Value::Map(outer), value.span), skip.interpolation)
        .ok()
        .and_then(|tree| canonical::defaults_and_normalize(tree, &normalize_context).ok())
        .map(|tree| resolve_environment(tree, context.environment))
        .and_then(|tree| {
            tree.get(kind)
                .and_then(|section| section.get(name))
                .cloned()
        })
        .unwrap_or_else(|| value.clone())
}

/// Deep equality of values, ignoring positions and tags (`reflect.DeepEqual`).
fn same_value(left: &Node, right: &Node) -> bool {
    match (&left.value, &right.value) {
        (Value::Map(left), Value::Map(right)) => {
            left.len() == right.len()
                && left.iter().all(|(key, entry)| {
                    right
                        .get(key)
                        .is_some_and(|other| same_value(&entry.value, &other.value))
                })
        }
        (Value::Seq(left), Value::Seq(right)) => {
            left.len() == right.len()
                && left
                    .iter()
                    .zip(right)
                    .all(|(left, right)| same_value(left, right))
        }
        (left, right) => left == right,
    }
}

#[cfg(test)]
mod tests;
