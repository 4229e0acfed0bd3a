//! Per-file short → long syntax (compose-go v2.9.1 `transform/canonical.go` and its
//! transformers): ports, volumes, build, depends_on, env_file, networks lists, secrets and
//! configs references, devices, gpus, ssh, extends, include, `external: {name}`.
//! Only rewrites forms; defaults that do not come from the short syntax live in `defaults.rs`.

use super::{
    Diagnostic, Mapping, Node, Value, bool_node, insert_default, map_node, map_node_from_items,
    ports, scalar_text, services_mut, string_node, volumes,
};

/// Runs every transformer on one file's tree.
pub(super) fn canonical(mut tree: Node, skip_interpolation: bool) -> Result<Node, Vec<Diagnostic>> {
    let mut diagnostics = Vec::new();
    if let Some(services) = services_mut(&mut tree) {
        for entry in services.values_mut() {
            transform_service(&mut entry.value, skip_interpolation, &mut diagnostics);
        }
    }
    for section in ["volumes", "networks", "secrets", "configs"] {
        if let Some(resources) = tree.get_mut(section).and_then(Node::as_map_mut) {
            for (key, entry) in resources.iter_mut() {
                transform_maybe_external(section, key, &mut entry.value, &mut diagnostics);
            }
        }
    }
    if let Some(Value::Seq(items)) = tree.get_mut("include").map(|node| &mut node.value) {
        for item in items.iter_mut() {
            if let Some(path) = item.as_str() {
                let span = item.span;
                *item = map_node([("path".to_owned(), string_node(path, span))], span);
            }
        }
    }
    if diagnostics.is_empty() {
        Ok(tree)
    } else {
        Err(diagnostics)
    }
}

fn transform_service(
    service: &mut Node,
    skip_interpolation: bool,
    diagnostics: &mut Vec<Diagnostic>,
) {
    let Some(map) = service.as_map_mut() else {
        return;
    };
    for (key, entry) in map.iter_mut() {
        let node = &mut entry.value;
        match key.as_str() {
            "build" => transform_build(node),
            "depends_on" => transform_depends_on(node),
            "env_file" => transform_env_file(node),
            "label_file" | "dns" => string_to_list(node),
            "extends" => string_to_map(node, "service"),
            "gpus" => {
                if let Value::String(_) = node.value {
                    let span = node.span;
                    let request = map_node([("count".to_owned(), string_node("all", span))], span);
                    *node = Node::new(Value::Seq(vec![request]), span);
                }
            }
            "networks" | "models" => list_to_null_map(node),
            "volumes" => for_each_item(node, |item| {
                volumes::transform_volume(item, skip_interpolation, diagnostics);
            }),
            "devices" => for_each_item(node, |item| {
                transform_device(item, skip_interpolation, diagnostics);
            }),
            "secrets" | "configs" => for_each_item(node, |item| string_to_map(item, "source")),
            "ports" => ports::transform_ports(node, skip_interpolation, diagnostics),
            "develop" => {
                if let Some(Value::Seq(triggers)) =
                    node.get_mut("watch").map(|watch| &mut watch.value)
                {
                    for trigger in triggers.iter_mut() {
                        for field in ["ignore", "include"] {
                            if let Some(value) = trigger.get_mut(field) {
                                string_to_list(value);
                            }
                        }
                    }
                }
            }
            _ => {}
        }
    }
    if let Some(Value::Seq(items)) = map.get_mut("dns").map(|entry| &mut entry.value.value) {
        // compose-go `OmitEmpty`: empty entries of `dns` go away.
        items.retain(|item| !(item.is_null() || item.as_str() == Some("")));
    }
    if let Some(ports_node) = map.get_mut("ports") {
        ports::enforce_unicity(&mut ports_node.value.value);
    }
}

fn for_each_item(node: &mut Node, mut apply: impl FnMut(&mut Node)) {
    if let Value::Seq(items) = &mut node.value {
        for item in items.iter_mut() {
            apply(item);
        }
    }
}

/// `value` → `[value]` for string-or-list fields.
fn string_to_list(node: &mut Node) {
    if let Value::String(_) = node.value {
        let item = node.clone();
        node.value = Value::Seq(vec![item]);
    }
}

/// `value` → `{key: value}` for string-or-mapping fields.
fn string_to_map(node: &mut Node, key: &str) {
    if let Value::String(_) = node.value {
        let span = node.span;
        let item = node.clone();
        *node = map_node([(key.to_owned(), item)], span);
    }
}

/// `[a, b]` → `{a: null, b: null}` (service networks, models).
fn list_to_null_map(node: &mut Node) {
    if let Value::Seq(items) = &node.value {
        let span = node.span;
        let entries: Vec<(String, Node)> = items
            .iter()
            .filter_map(|item| {
                scalar_text(item).map(|name| (name, Node::new(Value::Null, item.span)))
            })
            .collect();
        *node = map_node_from_items(entries, span);
    }
}

fn transform_build(node: &mut Node) {
    string_to_map(node, "context");
    let Some(build) = node.as_map_mut() else {
        return;
    };
    for (key, entry) in build.iter_mut() {
        let value = &mut entry.value;
        match key.as_str() {
            "secrets" => for_each_item(value, |item| string_to_map(item, "source")),
            "provenance" | "sbom"
                if !matches!(
                    value.value,
                    Value::String(_) | Value::Seq(_) | Value::Map(_)
                ) =>
            {
                if let Some(text) = scalar_text(value) {
                    value.value = Value::String(text);
                }
            }
            "additional_contexts" => key_value_list_to_map(value),
            "ssh" => transform_ssh(value),
            _ => {}
        }
    }
}

/// `["key=value"]` → `{key: value}` (compose-go `transformKeyValue`).
fn key_value_list_to_map(node: &mut Node) {
    if let Value::Seq(items) = &node.value {
        let mut entries = Vec::new();
        for item in items {
            let Some(text) = item.as_str() else {
                return;
            };
            let Some((key, value)) = text.split_once('=') else {
                return;
            };
            entries.push((key.to_owned(), string_node(value, item.span)));
        }
        *node = map_node_from_items(entries, node.span);
    }
}

/// `[default, id=path]` → `{default: null, id: path}`.
fn transform_ssh(node: &mut Node) {
    if let Value::Seq(items) = &node.value {
        let mut entries = Vec::new();
        for item in items {
            let Some(text) = item.as_str() else {
                return;
            };
            match text.split_once('=') {
                Some((id, path)) => entries.push((id.to_owned(), string_node(path, item.span))),
                None => entries.push((text.to_owned(), Node::new(Value::Null, item.span))),
            }
        }
        *node = map_node_from_items(entries, node.span);
    }
}

fn transform_depends_on(node: &mut Node) {
    let span = node.span;
    match &mut node.value {
        Value::Seq(items) => {
            let entries: Vec<(String, Node)> = items
                .iter()
                .filter_map(|item| {
                    let name = scalar_text(item)?;
                    let dependency = map_node(
                        [
                            (
                                "condition".to_owned(),
                                string_node("service_started", item.span),
                            ),
                            ("required".to_owned(), bool_node(true, item.span)),
                        ],
                        item.span,
                    );
                    Some((name, dependency))
                })
                .collect();
            *node = map_node_from_items(entries, span);
        }
        Value::Map(map) => {
            for entry in map.values_mut() {
                let at = entry.value.span;
                if let Some(dependency) = entry.value.as_map_mut() {
                    insert_default(dependency, "condition", string_node("service_started", at));
                    insert_default(dependency, "required", bool_node(true, at));
                }
            }
        }
        _ => {}
    }
}

fn transform_env_file(node: &mut Node) {
    string_to_list(node);
    for_each_item(node, |item| {
        string_to_map(item, "path");
        let at = item.span;
        if let Some(map) = item.as_map_mut() {
            insert_default(map, "required", bool_node(true, at));
        }
    });
}

/// `SRC[:DST[:PERMISSIONS]]` → `{source, target, permissions}` (compose-go `transformDeviceMapping`).
fn transform_device(node: &mut Node, skip_interpolation: bool, diagnostics: &mut Vec<Diagnostic>) {
    let Some(text) = node.as_str() else {
        return;
    };
    let parts: Vec<&str> = text.split(':').collect();
    let (source, mut target, permissions) = match parts.as_slice() {
        [source] => (*source, "", "rwm"),
        [source, target] => (*source, *target, "rwm"),
        [source, target, permissions] => (*source, *target, *permissions),
        _ => {
            if !skip_interpolation {
                diagnostics.push(
                    Diagnostic::new(
                        format!("invalid device `{text}`: confusing device mapping"),
                        node.span,
                    )
                    .with_hint("use the long syntax: `{source, target, permissions}`"),
                );
            }
            ("", "", "rwm")
        }
    };
    if target.is_empty() {
        target = source;
    }
    let span = node.span;
    *node = map_node(
        [
            ("source".to_owned(), string_node(source, span)),
            ("target".to_owned(), string_node(target, span)),
            ("permissions".to_owned(), string_node(permissions, span)),
        ],
        span,
    );
}

/// `external: {name: x}` → `external: true` + `name: x` (compose-go `transformMaybeExternal`).
fn transform_maybe_external(
    section: &str,
    key: &str,
    node: &mut Node,
    diagnostics: &mut Vec<Diagnostic>,
) {
    let Some(resource) = node.as_map_mut() else {
        return;
    };
    let Some(external) = resource.get("external") else {
        return;
    };
    let Some(external_map) = external.value.as_map() else {
        return;
    };
    let external_span = external.value.span;
    let external_name = external_map.get("name").map(|entry| entry.value.clone());
    let mut replacement: Mapping = resource.clone();
    if let Some(entry) = replacement.get_mut("external") {
        entry.value = bool_node(true, external_span);
    }
    if let Some(external_name) = external_name {
        match resource.get("name") {
            Some(name) if name.value.as_str() != external_name.as_str() => {
                diagnostics.push(Diagnostic::new(
                    format!("{section}.{key}: name and external.name conflict; only use name"),
                    external_name.span,
                ));
            }
            Some(_) => {}
            None => {
                insert_default(&mut replacement, "name", external_name);
            }
        }
    }
    *resource = replacement;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::loader::source::{SourceId, Span};

    fn tree(json: &serde_json::Value) -> Node {
        Node::from_json(json)
    }

    #[test]
    fn short_syntaxes_become_long() {
        let input = tree(&serde_json::json!({
            "services": {"web": {
                "build": "./dir",
                "depends_on": ["db"],
                "env_file": "a.env",
                "networks": ["front"],
                "secrets": ["token"],
                "gpus": "all",
                "devices": ["/dev/a:/dev/b"],
            }},
            "networks": {"front": {"external": {"name": "real"}}},
        }));
        let output = canonical(input, false).unwrap().to_json();
        let web = &output["services"]["web"];
        assert_eq!(web["build"], serde_json::json!({"context": "./dir"}));
        assert_eq!(
            web["depends_on"],
            serde_json::json!({"db": {"condition": "service_started", "required": true}})
        );
        assert_eq!(
            web["env_file"],
            serde_json::json!([{"path": "a.env", "required": true}])
        );
        assert_eq!(web["networks"], serde_json::json!({"front": null}));
        assert_eq!(web["secrets"], serde_json::json!([{"source": "token"}]));
        assert_eq!(web["gpus"], serde_json::json!([{"count": "all"}]));
        assert_eq!(
            web["devices"],
            serde_json::json!([{"source": "/dev/a", "target": "/dev/b", "permissions": "rwm"}])
        );
        assert_eq!(
            output["networks"]["front"],
            serde_json::json!({"external": true, "name": "real"})
        );
    }

    #[test]
    fn invalid_short_syntax_is_reported_at_the_value() {
        let span = Span::new(SourceId(0), 7, 9);
        let mut input =
            tree(&serde_json::json!({"services": {"web": {"ports": [], "volumes": ["ab::cd"]}}}));
        if let Some(Value::Seq(ports)) = input
            .get_mut("services")
            .and_then(|services| services.get_mut("web"))
            .and_then(|web| web.get_mut("ports"))
            .map(|ports| &mut ports.value)
        {
            ports.push(Node::string("80/xyz", span));
        }
        let diagnostics = canonical(input.clone(), false).unwrap_err();
        assert_eq!(diagnostics.len(), 2);
        assert_eq!(
            diagnostics[0].message,
            "invalid port `80/xyz`: invalid protocol `xyz`"
        );
        assert_eq!(diagnostics[0].span, span);
        assert!(
            diagnostics[1]
                .message
                .starts_with("invalid volume `ab::cd`")
        );
        // Without interpolation, unparsable values are kept as written.
        assert!(canonical(input, true).is_ok());
    }
}
