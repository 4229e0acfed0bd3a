//! Service environments: bare `KEY` entries resolved from the project environment
//! (compose-go `loader/environment.go`), then `env_file`s read and merged under
//! `environment` and `label_file`s under `labels` (compose-go `types/project.go`
//! `WithServicesEnvironmentResolved` / `WithServicesLabelsResolved`, as `config` calls them:
//! file lists discarded afterwards).

use std::collections::BTreeMap;

use indexmap::IndexMap;

use super::{Diagnostic, Mapping, Node, NormalizeContext, Value, map_node, services_mut};
use crate::loader::dotenv;
use crate::loader::node::Entry;
use crate::loader::source::Sources;

/// `environment: [KEY]` → `[KEY=value]` when `KEY` is set; secrets/configs `environment:`
/// give configs their `content`.
pub(super) fn resolve_bare_environment_entries(
    tree: &mut Node,
    environment: &BTreeMap<String, String>,
) {
    if let Some(services) = services_mut(tree) {
        for entry in services.values_mut() {
            let Some(Value::Seq(items)) = entry
                .value
                .get_mut("environment")
                .map(|node| &mut node.value)
            else {
                continue;
            };
            for item in items.iter_mut() {
                if let Some(value) = item
                    .as_str()
                    .and_then(|key| environment.get(key).map(|value| (key, value)))
                {
                    item.value = Value::String(format!("{}={}", value.0, value.1));
                }
            }
        }
    }
    if let Some(configs) = tree.get_mut("configs").and_then(Node::as_map_mut) {
        for entry in configs.values_mut() {
            let found = entry
                .value
                .get("environment")
                .and_then(Node::as_str)
                .and_then(|name| environment.get(name))
                .cloned();
            let config_span = entry.value.span;
            if let (Some(found), Some(config)) = (found, entry.value.as_map_mut()) {
                let span = config
                    .get("environment")
                    .map_or(config_span, |entry| entry.value.span);
                super::set_entry(config, "content", Node::string(found, span));
            }
        }
    }
}

/// Reads env files and label files of every service (after `model::shape_project`, so
/// `environment` and `labels` are mappings).
pub(super) fn resolve_service_environment(
    mut tree: Node,
    context: &NormalizeContext<'_>,
    sources: &mut Sources,
) -> Result<Node, Vec<Diagnostic>> {
    if context.skip.interpolation {
        return Ok(tree);
    }
    let mut diagnostics = Vec::new();
    if let Some(services) = services_mut(&mut tree) {
        for entry in services.values_mut() {
            if let Some(service) = entry.value.as_map_mut() {
                resolve_one_service(service, context, sources, &mut diagnostics);
            }
        }
    }
    if diagnostics.is_empty() {
        Ok(tree)
    } else {
        Err(diagnostics)
    }
}

fn resolve_one_service(
    service: &mut Mapping,
    context: &NormalizeContext<'_>,
    sources: &mut Sources,
    diagnostics: &mut Vec<Diagnostic>,
) {
    let service_span = service
        .values()
        .next()
        .map_or_else(crate::loader::Span::synthetic, |entry| entry.key_span);
    // The service's own values: `None` for a bare name that stays unset.
    let mut declared: IndexMap<String, (Option<String>, Entry)> = IndexMap::new();
    if let Some(environment) = service
        .get("environment")
        .and_then(|entry| entry.value.as_map())
    {
        for (key, entry) in environment {
            let value = match &entry.value.value {
                Value::Null => context.environment.get(key).cloned(),
                _ => super::scalar_text(&entry.value),
            };
            declared.insert(key.clone(), (value, entry.clone()));
        }
    }
    let mut from_files: IndexMap<String, String> = IndexMap::new();
    let files_span = service.get("env_file").map(|entry| entry.key_span);
    if let Some(files) = service.get("env_file") {
        for file in files.value.as_seq().unwrap_or_default() {
            let (path, required) = match &file.value {
                Value::String(path) => (path.clone(), true),
                Value::Map(_) => (
                    file.get("path")
                        .and_then(Node::as_str)
                        .unwrap_or_default()
                        .to_owned(),
                    !matches!(
                        file.get("required").map(|node| &node.value),
                        Some(Value::Bool(false))
                    ),
                ),
                _ => continue,
            };
            let text = match std::fs::read_to_string(&path) {
                Ok(text) => text,
                Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                    if required {
                        diagnostics.push(Diagnostic::new(
                            format!("env file `{path}` not found"),
                            file.span,
                        ));
                    }
                    continue;
                }
                Err(error) => {
                    diagnostics.push(Diagnostic::new(
                        format!("cannot read env file `{path}`: {error}"),
                        file.span,
                    ));
                    continue;
                }
            };
            let source = sources.add(path.clone(), text.clone());
            // The project environment has precedence, then the service's own values.
            let lookup = |key: &str| {
                context
                    .environment
                    .get(key)
                    .cloned()
                    .or_else(|| declared.get(key).and_then(|(value, _)| value.clone()))
            };
            match dotenv::parse(&text, source, &lookup) {
                Ok(values) => from_files.extend(values),
                Err(diagnostic) => diagnostics.push(diagnostic),
            }
        }
    }
    service.shift_remove("env_file");
    if declared.is_empty() && from_files.is_empty() {
        service.shift_remove("environment");
    } else {
        let span = service
            .get("environment")
            .map(|entry| entry.value.span)
            .or(files_span)
            .unwrap_or(service_span);
        let mut merged: IndexMap<String, Node> = from_files
            .into_iter()
            .map(|(key, value)| (key, Node::string(value, span)))
            .collect();
        // The service's own entries win, unset bare names included (`OverrideBy`).
        for (key, (value, entry)) in declared {
            let node = match value {
                Some(value) => Node::string(value, entry.value.span),
                None => Node::new(Value::Null, entry.value.span),
            };
            merged.insert(key, node);
        }
        super::set_entry(service, "environment", map_node(merged, span));
    }
    resolve_label_files(service, sources, diagnostics);
}

fn resolve_label_files(
    service: &mut Mapping,
    sources: &mut Sources,
    diagnostics: &mut Vec<Diagnostic>,
) {
    let Some(files) = service.shift_remove("label_file") else {
        return;
    };
    let mut labels: IndexMap<String, String> = IndexMap::new();
    for file in files.value.as_seq().unwrap_or_default() {
        let Some(path) = file.as_str() else { continue };
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(error) => {
                let reason = if error.kind() == std::io::ErrorKind::NotFound {
                    "not found".to_owned()
                } else {
                    error.to_string()
                };
                diagnostics.push(Diagnostic::new(
                    format!("label file `{path}` {reason}"),
                    file.span,
                ));
                continue;
            }
        };
        let source = sources.add(path.to_owned(), text.clone());
        let known = labels.clone();
        let lookup = move |key: &str| known.get(key).cloned();
        match dotenv::parse(&text, source, &lookup) {
            Ok(values) => labels.extend(values),
            Err(diagnostic) => diagnostics.push(diagnostic),
        }
    }
    if let Some(existing) = service.get("labels").and_then(|entry| entry.value.as_map()) {
        for (key, entry) in existing {
            labels.insert(
                key.clone(),
                super::scalar_text(&entry.value).unwrap_or_default(),
            );
        }
    }
    if !labels.is_empty() {
        let span = files.key_span;
        let entries = labels
            .into_iter()
            .map(|(key, value)| (key, Node::string(value, span)));
        super::set_entry(service, "labels", map_node(entries, span));
    }
}
