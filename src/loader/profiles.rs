//! Stage "profiles": keep services whose profiles are enabled (or that are named on the
//! command line), and drop resources no enabled service uses (compose-go `types/project.go`
//! `WithProfiles`, `WithServicesEnabled`, `WithoutUnnecessaryResources`).

use std::collections::BTreeSet;

use super::error::{Diagnostic, suggest};
use super::node::{Node, Value};

/// Whether a service with `service_profiles` is enabled by `active` (`HasProfile`).
fn has_profile(service_profiles: &[String], active: &[String]) -> bool {
    service_profiles.is_empty()
        || active
            .iter()
            .any(|profile| profile == "*" || service_profiles.contains(profile))
}

fn profiles_of(service: &Node) -> Vec<String> {
    service
        .get("profiles")
        .and_then(Node::as_seq)
        .map(|items| {
            items
                .iter()
                .filter_map(|item| item.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// Removes disabled services. A service named in `selected_services` activates its profiles.
/// A required `depends_on` on a disabled service is an error, as in the reference.
pub fn apply_profiles(
    mut tree: Node,
    profiles: &[String],
    selected_services: &[String],
) -> Result<Node, Vec<Diagnostic>> {
    let unknown: Vec<Diagnostic> = selected_services
        .iter()
        .filter(|name| {
            tree.get("services")
                .and_then(|services| services.get(name))
                .is_none()
        })
        .map(|name| {
            let known = tree
                .get("services")
                .and_then(Node::as_map)
                .into_iter()
                .flat_map(|services| services.keys().map(String::as_str));
            let diagnostic = Diagnostic::global(format!("no such service: `{name}`"));
            match suggest(name, known) {
                Some(close) => diagnostic.with_hint(format!("did you mean `{close}`?")),
                None => diagnostic,
            }
        })
        .collect();
    // The reference (`WithServicesEnabled`) refuses a name that is not a service.
    if !unknown.is_empty() {
        return Err(unknown);
    }
    let Some(services) = tree.get("services").and_then(Node::as_map) else {
        return Ok(tree);
    };
    let mut active: Vec<String> = profiles.to_vec();
    for name in selected_services {
        if let Some(entry) = services.get(name) {
            let service_profiles = profiles_of(&entry.value);
            if !has_profile(&service_profiles, profiles) {
                active.extend(service_profiles);
            }
        }
    }
    let disabled: BTreeSet<String> = services
        .iter()
        .filter(|(_, entry)| !has_profile(&profiles_of(&entry.value), &active))
        .map(|(name, _)| name.clone())
        .collect();
    if disabled.is_empty() {
        return Ok(tree);
    }

    let mut errors = Vec::new();
    for (name, entry) in services {
        if disabled.contains(name) {
            continue;
        }
        for (dependency, span, required) in dependencies(&entry.value) {
            if !required || !disabled.contains(&dependency) {
                continue;
            }
            let dependency_profiles = services
                .get(&dependency)
                .map(|entry| profiles_of(&entry.value))
                .unwrap_or_default();
            let mut diagnostic = Diagnostic::new(
                format!("service `{name}` depends on undefined service `{dependency}`"),
                span,
            );
            if let Some(profile) = dependency_profiles.first() {
                diagnostic = diagnostic.with_hint(format!(
                    "`{dependency}` is disabled: enable one of its profiles, e.g. `--profile {profile}`"
                ));
            }
            errors.push(diagnostic);
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    if let Some(services) = tree.get_mut("services").and_then(Node::as_map_mut) {
        services.retain(|name, _| !disabled.contains(name));
    }
    Ok(tree)
}

/// `(service, position, required)` for each `depends_on` entry, short or long form.
fn dependencies(service: &Node) -> Vec<(String, super::source::Span, bool)> {
    let Some(depends_on) = service.get("depends_on") else {
        return Vec::new();
    };
    match &depends_on.value {
        Value::Seq(items) => items
            .iter()
            .filter_map(|item| item.as_str().map(|name| (name.to_owned(), item.span, true)))
            .collect(),
        Value::Map(map) => map
            .iter()
            .map(|(name, entry)| {
                let required = !matches!(
                    entry.value.get("required").map(|node| &node.value),
                    Some(Value::Bool(false))
                );
                (name.clone(), entry.key_span, required)
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// Names a service uses from one kind of top-level resource.
#[derive(Default)]
struct Required {
    networks: BTreeSet<String>,
    volumes: BTreeSet<String>,
    secrets: BTreeSet<String>,
    configs: BTreeSet<String>,
    models: BTreeSet<String>,
}

/// Drops networks, volumes, secrets, configs and models no enabled service refers to, unless
/// `all_resources`. A service without `networks` or `network_mode` uses `default`.
pub fn without_unnecessary_resources(mut tree: Node, all_resources: bool) -> Node {
    if all_resources {
        return tree;
    }
    let mut required = Required::default();
    if let Some(services) = tree.get("services").and_then(Node::as_map) {
        for entry in services.values() {
            collect(&entry.value, &mut required);
        }
    }
    let Some(map) = tree.as_map_mut() else {
        return tree;
    };
    for (key, names) in [
        ("networks", &required.networks),
        ("volumes", &required.volumes),
        ("secrets", &required.secrets),
        ("configs", &required.configs),
        ("models", &required.models),
    ] {
        let Some(entry) = map.get_mut(key) else {
            continue;
        };
        if let Some(resources) = entry.value.as_map_mut() {
            resources.retain(|name, _| names.contains(name));
            if resources.is_empty() {
                map.shift_remove(key);
            }
        }
    }
    tree
}

fn names_of(node: Option<&Node>) -> Vec<String> {
    match node.map(|node| &node.value) {
        Some(Value::Map(map)) => map.keys().cloned().collect(),
        Some(Value::Seq(items)) => items
            .iter()
            .filter_map(|item| item.as_str().map(str::to_owned))
            .collect(),
        _ => Vec::new(),
    }
}

/// The `source` of each file mount (`secrets`, `configs`), short or long form.
fn mount_sources(node: Option<&Node>) -> Vec<String> {
    node.and_then(Node::as_seq)
        .map(|items| {
            items
                .iter()
                .filter_map(|item| match &item.value {
                    Value::String(name) => Some(name.clone()),
                    Value::Map(_) => item.get("source").and_then(Node::as_str).map(str::to_owned),
                    _ => None,
                })
                .collect()
        })
        .unwrap_or_default()
}

fn collect(service: &Node, required: &mut Required) {
    let networks = names_of(service.get("networks"));
    if service.get("networks").is_none() && service.get("network_mode").is_none() {
        required.networks.insert("default".to_owned());
    }
    required.networks.extend(networks);
    if let Some(volumes) = service.get("volumes").and_then(Node::as_seq) {
        for volume in volumes {
            if let Some(source) = named_volume(volume) {
                required.volumes.insert(source);
            }
        }
    }
    required
        .secrets
        .extend(mount_sources(service.get("secrets")));
    required.secrets.extend(mount_sources(
        service.get("build").and_then(|build| build.get("secrets")),
    ));
    required
        .configs
        .extend(mount_sources(service.get("configs")));
    required.models.extend(names_of(service.get("models")));
}

/// The volume name of a `type: volume` mount (long form or short `name:/path`).
fn named_volume(volume: &Node) -> Option<String> {
    match &volume.value {
        Value::Map(_) => {
            let kind = volume.get("type").and_then(Node::as_str);
            let source = volume.get("source").and_then(Node::as_str)?;
            (kind == Some("volume") && !source.is_empty()).then(|| source.to_owned())
        }
        Value::String(spec) => {
            let parts = super::merge::split_volume_spec(spec);
            let source = parts.first()?;
            let is_path = source.starts_with(['.', '/', '~'])
                || (source.len() >= 2 && source.as_bytes()[1] == b':');
            (parts.len() > 1 && !source.is_empty() && !is_path).then(|| source.clone())
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests;
