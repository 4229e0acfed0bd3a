//! compose-go `loader/normalize.go`: the implicit `default` network, `pull_policy`
//! aliases, build `dockerfile` default and `args` resolved from the environment, implicit
//! `depends_on` from `links`, `service:` namespaces and `volumes_from`, volume targets
//! cleaned, and resource names `<project>_<key>` (external ones keep their key).

use super::{
    Mapping, Node, NormalizeContext, Value, bool_node, insert_default, map_node, scalar_text,
    services_mut, set_entry, string_node,
};
use crate::loader::source::Span;

pub(super) fn normalize(tree: &mut Node, context: &NormalizeContext<'_>) {
    normalize_networks(tree);
    if let Some(services) = services_mut(tree) {
        for entry in services.values_mut() {
            if let Some(service) = entry.value.as_map_mut() {
                normalize_service(service, context);
            }
        }
    }
    set_name_from_key(tree, context.project_name);
}

fn normalize_networks(tree: &mut Node) {
    let mut uses_default = false;
    if let Some(services) = services_mut(tree) {
        for entry in services.values_mut() {
            let span = entry.value.span;
            let Some(service) = entry.value.as_map_mut() else {
                continue;
            };
            if service.contains_key("provider") || service.contains_key("network_mode") {
                continue;
            }
            let default_only =
                || map_node([("default".to_owned(), Node::new(Value::Null, span))], span);
            match service.get("networks").map(|entry| &entry.value) {
                None => {
                    set_entry(service, "networks", default_only());
                    uses_default = true;
                }
                Some(networks) => match networks.as_map() {
                    Some(map) if !map.is_empty() => uses_default |= map.contains_key("default"),
                    _ => {
                        set_entry(service, "networks", default_only());
                        uses_default = true;
                    }
                },
            }
        }
    }
    if !uses_default {
        return;
    }
    let Some(root) = tree.as_map_mut() else {
        return;
    };
    let span = Span::synthetic();
    if !root.contains_key("networks")
        || root
            .get("networks")
            .is_some_and(|entry| entry.value.is_null())
    {
        set_entry(root, "networks", map_node([], span));
    }
    if let Some(networks) = root
        .get_mut("networks")
        .and_then(|entry| entry.value.as_map_mut())
    {
        insert_default(networks, "default", Node::new(Value::Null, span));
    }
}

fn normalize_service(service: &mut Mapping, context: &NormalizeContext<'_>) {
    let lookup = |key: &str| context.environment.get(key).cloned();
    if service
        .get("pull_policy")
        .and_then(|entry| entry.value.as_str())
        == Some("if_not_present")
    {
        set_entry(
            service,
            "pull_policy",
            string_node("missing", service["pull_policy"].value.span),
        );
    }
    if let Some(build) = service.get_mut("build") {
        let span = build.value.span;
        if let Some(build) = build.value.as_map_mut() {
            if build
                .get("context")
                .is_none_or(|entry| entry.value.is_null())
            {
                set_entry(build, "context", string_node(".", span));
            }
            let has_dockerfile = build
                .get("dockerfile")
                .is_some_and(|entry| !entry.value.is_null());
            let has_inline = build
                .get("dockerfile_inline")
                .is_some_and(|entry| !entry.value.is_null());
            if !has_dockerfile && !has_inline {
                set_entry(build, "dockerfile", string_node("Dockerfile", span));
            }
            if let Some(args) = build.get_mut("args") {
                resolve_mapping(&mut args.value, &lookup, false);
            }
        }
    }
    if let Some(environment) = service.get_mut("environment") {
        resolve_mapping(&mut environment.value, &lookup, true);
    }

    let mut implicit: Vec<(String, bool, Span)> = Vec::new();
    if let Some(Value::Seq(links)) = service.get("links").map(|entry| &entry.value.value) {
        for link in links {
            let Some(text) = link.as_str() else { continue };
            let parts: Vec<&str> = text.split(':').collect();
            let name = if parts.len() == 2 { parts[0] } else { text };
            implicit.push((name.to_owned(), true, link.span));
        }
    }
    for namespace in ["network_mode", "ipc", "pid", "uts", "cgroup"] {
        if let Some(entry) = service.get(namespace) {
            if let Some(shared) = entry
                .value
                .as_str()
                .and_then(|text| text.strip_prefix("service:"))
            {
                implicit.push((shared.to_owned(), true, entry.value.span));
            }
        }
    }
    if let Some(Value::Seq(volumes)) = service
        .get_mut("volumes")
        .map(|entry| &mut entry.value.value)
    {
        for volume in volumes.iter_mut() {
            if let Some(target) = volume.get_mut("target") {
                if let Some(text) = target.as_str() {
                    target.value = Value::String(super::paths::clean_slash_path(text));
                }
            }
        }
    }
    if let Some(Value::Seq(sources)) = service.get("volumes_from").map(|entry| &entry.value.value) {
        for source in sources {
            let Some(text) = source.as_str() else {
                continue;
            };
            if !text.starts_with("container:") {
                let name = text.split(':').next().unwrap_or_default();
                implicit.push((name.to_owned(), false, source.span));
            }
        }
    }
    if implicit.is_empty() {
        return;
    }
    if !service.contains_key("depends_on") {
        set_entry(service, "depends_on", map_node([], Span::synthetic()));
    }
    if let Some(depends_on) = service
        .get_mut("depends_on")
        .and_then(|entry| entry.value.as_map_mut())
    {
        for (name, restart, span) in implicit {
            insert_default(
                depends_on,
                &name,
                map_node(
                    [
                        ("condition".to_owned(), string_node("service_started", span)),
                        ("restart".to_owned(), bool_node(restart, span)),
                        ("required".to_owned(), bool_node(true, span)),
                    ],
                    span,
                ),
            );
        }
    }
}

/// compose-go `resolve`: bare names take their value from the environment; unset ones stay
/// (as `null`) when `keep_empty`, else go away.
fn resolve_mapping(node: &mut Node, lookup: &dyn Fn(&str) -> Option<String>, keep_empty: bool) {
    match &mut node.value {
        Value::Seq(items) => {
            let mut resolved = Vec::with_capacity(items.len());
            for item in items.drain(..) {
                let Some(text) = item.as_str() else {
                    resolved.push(item);
                    continue;
                };
                if text.contains('=') {
                    resolved.push(item);
                } else if let Some(value) = lookup(text) {
                    resolved.push(Node::string(format!("{text}={value}"), item.span));
                } else if keep_empty {
                    resolved.push(item);
                }
            }
            if resolved.is_empty() {
                // Go's nil slice: printed as `null`.
                node.value = Value::Null;
            } else {
                *items = resolved;
            }
        }
        Value::Map(map) => {
            let mut resolved = Mapping::default();
            for (key, mut entry) in map.drain(..) {
                if entry.value.is_null() {
                    match lookup(&key) {
                        Some(value) => entry.value = Node::string(value, entry.value.span),
                        None if keep_empty => {}
                        None => continue,
                    }
                }
                resolved.insert(key, entry);
            }
            *map = resolved;
        }
        _ => {}
    }
}

fn set_name_from_key(tree: &mut Node, project_name: &str) {
    for section in ["networks", "volumes", "configs", "secrets"] {
        let Some(resources) = tree.get_mut(section).and_then(Node::as_map_mut) else {
            continue;
        };
        for (key, entry) in resources.iter_mut() {
            let span = entry.value.span;
            if entry.value.is_null() {
                entry.value = map_node([], span);
            }
            let Some(resource) = entry.value.as_map_mut() else {
                continue;
            };
            if resource
                .get("name")
                .is_none_or(|entry| entry.value.is_null())
            {
                let external = resource
                    .get("external")
                    .and_then(|entry| scalar_text(&entry.value))
                    .is_some_and(|text| parse_go_bool(&text));
                let name = if external {
                    key.clone()
                } else {
                    format!("{project_name}_{key}")
                };
                set_entry(resource, "name", string_node(name, span));
            }
        }
    }
}

/// Go `strconv.ParseBool` (false on error).
fn parse_go_bool(text: &str) -> bool {
    matches!(text, "1" | "t" | "T" | "true" | "TRUE" | "True")
}
