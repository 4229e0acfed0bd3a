//! `dk-compose config`: prints the resolved project in the reference's canonical form,
//! or one of its lists (`--services`, `--volumes`, ...).

use std::collections::BTreeSet;

use serde_json::{Map, Value};

use crate::cli::{ConfigArgs, ConfigFormat};
use crate::graph::Graph;
use crate::hash::service_hash;
use crate::loader::{Node, SkipStages, interpolate};
use crate::model::{Project, ServiceConfig};
use crate::output::{printer, yaml};

use super::context::CommandContext;
use super::exit;

pub fn run(context: &CommandContext, args: &ConfigArgs) -> i32 {
    let skip = SkipStages {
        interpolation: args.no_interpolate,
        normalization: args.no_normalize,
        path_resolution: args.no_path_resolution,
        env_resolution: args.no_env_resolution,
        consistency: args.no_consistency,
    };
    let options = context.load_options(&args.service_names, skip);
    let Ok(loaded) = context.load(&options) else {
        return exit::USER_ERROR;
    };
    if args.quiet {
        return exit::OK;
    }
    let mut project = loaded.project.clone();
    if !args.service_names.is_empty() {
        let graph = Graph::from_project(&project);
        let keep = graph.with_dependencies(args.service_names.iter().map(String::as_str));
        project.services.retain(|name, _| keep.contains(name));
    }
    let text = if args.services {
        service_names_in_dependency_order(&project)
    } else if args.volumes {
        project
            .volumes
            .keys()
            .flat_map(|name| [name.as_str(), "\n"])
            .collect()
    } else if args.networks {
        project
            .networks
            .keys()
            .flat_map(|name| [name.as_str(), "\n"])
            .collect()
    } else if args.profiles {
        loaded
            .all_profiles
            .iter()
            .flat_map(|name| [name.as_str(), "\n"])
            .collect()
    } else if args.images {
        images(&project)
    } else if args.environment {
        loaded
            .environment
            .iter()
            .flat_map(|(key, value)| [key.as_str(), "=", value.as_str(), "\n"])
            .collect()
    } else if let Some(selection) = &args.hash {
        hashes(&project, selection)
    } else if args.variables {
        let Some(text) = variables(context, args) else {
            return exit::USER_ERROR;
        };
        text
    } else {
        match render_document(&project, &loaded.canonical, args) {
            Ok(text) => text,
            Err(error) => {
                printer::stderr_line(&format!("internal error rendering the project: {error}"));
                return exit::INTERNAL;
            }
        }
    };
    match &args.output {
        Some(path) => {
            if let Err(error) = std::fs::write(path, text) {
                printer::stderr_line(&format!("cannot write `{}`: {error}", path.display()));
                return exit::USER_ERROR;
            }
        }
        None => printer::stdout(&text),
    }
    exit::OK
}

/// The whole document as `--format` asks. JSON is compose-go's `Project.MarshalJSON`;
/// YAML is what yaml.v3 makes of the same Go structs (`Project.MarshalYAML`).
fn render_document(
    project: &Project,
    canonical: &Value,
    args: &ConfigArgs,
) -> Result<String, String> {
    let text = match args.format.unwrap_or_default() {
        ConfigFormat::Json => {
            let json = project
                .to_json_pretty()
                .map_err(|error| error.to_string())?;
            format!("{json}\n")
        }
        ConfigFormat::Yaml => {
            let document = yaml_document(project, canonical).map_err(|error| error.to_string())?;
            yaml::to_string(&document)
        }
    };
    // The reference escapes every `$` of an interpolated document (`escapeDollarSign`)
    // so that its output can be loaded again.
    Ok(if args.no_interpolate {
        text
    } else {
        text.replace('$', "$$")
    })
}

/// The project as yaml.v3 sees compose-go's types. Starting from our JSON form (Go's
/// `encoding/json` view of the same structs), the differences are:
/// - Go maps are sorted the yaml.v3 way (`web2` before `web10`);
/// - `x-*` extensions are inlined at the end of every struct (`Extensions` is
///   `json:"-"` but `yaml:",inline"`), taken from the loader's canonical tree, and the
///   top-level `models` section is printed;
/// - yaml.v3's `omitempty` also drops all-zero structs (`ipam`, `deploy.resources`,
///   `deploy.placement`, a watch rule's `exec`) and unset (`null`) commands;
/// - custom `MarshalYAML`s: an optional `env_file` is `{path, required}` only, a
///   `{soft, hard}` ulimit prints both, a build `ssh` key with a path is `id: path`.
fn yaml_document(project: &Project, canonical: &Value) -> Result<Value, serde_json::Error> {
    // From the printed JSON rather than `to_value`: `float32` fields (`cpus`,
    // `max_failure_ratio`) are printed with their own shortest digits there.
    let mut tree: Value = serde_json::from_str(&project.to_json_pretty()?)?;
    sort_go_maps(&mut tree);
    let Value::Object(mut top) = tree else {
        return Ok(tree);
    };
    if !project.models.is_empty() {
        let mut models = serde_json::to_value(&project.models)?;
        sort_go_maps(&mut models);
        top.insert("models".to_owned(), models);
    }
    for (key, value) in &mut top {
        if let Some(source) = canonical.get(key) {
            graft_extensions(value, source);
        }
    }
    if let Some(Value::Object(services)) = top.get_mut("services") {
        for (name, service) in services.iter_mut() {
            if let (Some(model), Value::Object(map)) = (project.services.get(name), service) {
                shape_service(model, map);
            }
        }
    }
    if let Some(Value::Object(networks)) = top.get_mut("networks") {
        for network in networks.values_mut().filter_map(Value::as_object_mut) {
            remove_zero_struct(network, "ipam");
        }
    }
    let mut document = Map::new();
    // `Project`'s field order; `name` is `omitempty`, `services` is not.
    for key in [
        "name", "services", "networks", "volumes", "secrets", "configs", "models",
    ] {
        if let Some(item) = top.shift_remove(key) {
            if key == "name" && item.as_str() == Some("") {
                continue;
            }
            document.insert(key.to_owned(), item);
        }
    }
    // What is left are the top-level `x-*` extensions, inlined last.
    let mut extensions = Map::new();
    for (key, mut item) in top {
        sort_all_maps(&mut item);
        extensions.insert(key, item);
    }
    yaml::sort_map(&mut extensions);
    document.extend(extensions);
    Ok(Value::Object(document))
}

/// Copies the `x-*` keys of the canonical tree into the same place of our JSON form,
/// after the fields. Both trees have the same shape (the model is bound from the
/// canonical tree), so objects are matched by key and lists by position.
fn graft_extensions(target: &mut Value, source: &Value) {
    match (target, source) {
        (Value::Object(target), Value::Object(source)) => {
            for (key, value) in target.iter_mut() {
                if let Some(source_value) = source.get(key) {
                    graft_extensions(value, source_value);
                }
            }
            let mut extensions = Map::new();
            for (key, value) in source {
                if key.starts_with("x-") && !target.contains_key(key) {
                    let mut value = value.clone();
                    sort_all_maps(&mut value);
                    extensions.insert(key.clone(), value);
                }
            }
            yaml::sort_map(&mut extensions);
            target.extend(extensions);
        }
        (Value::Array(target), Value::Array(source)) => {
            for (item, source_item) in target.iter_mut().zip(source) {
                graft_extensions(item, source_item);
            }
        }
        _ => {}
    }
}

/// The per-service differences between the JSON and the YAML form (see [`yaml_document`]).
fn shape_service(model: &ServiceConfig, map: &mut Map<String, Value>) {
    remove_unset_command(map, "command");
    remove_unset_command(map, "entrypoint");
    for hooks in ["post_start", "pre_stop"] {
        if let Some(Value::Array(items)) = map.get_mut(hooks) {
            for hook in items.iter_mut().filter_map(Value::as_object_mut) {
                remove_unset_command(hook, "command");
            }
        }
    }
    if let Some(Value::Object(develop)) = map.get_mut("develop") {
        if let Some(Value::Array(triggers)) = develop.get_mut("watch") {
            for trigger in triggers.iter_mut().filter_map(Value::as_object_mut) {
                if let Some(Value::Object(exec)) = trigger.get_mut("exec") {
                    remove_unset_command(exec, "command");
                }
                remove_zero_struct(trigger, "exec");
            }
        }
    }
    if let Some(Value::Array(files)) = map.get_mut("env_file") {
        for file in files.iter_mut().filter_map(Value::as_object_mut) {
            // `EnvFile.MarshalYAML` returns `map[string]any{path, required}`.
            let path = file
                .shift_remove("path")
                .unwrap_or_else(|| Value::String(String::new()));
            let required = file.shift_remove("required").unwrap_or(Value::Bool(false));
            file.clear();
            file.insert("path".to_owned(), path);
            file.insert("required".to_owned(), required);
        }
    }
    if let Some(Value::Object(ulimits)) = map.get_mut("ulimits") {
        shape_ulimits(ulimits);
    }
    if let Some(Value::Object(deploy)) = map.get_mut("deploy") {
        remove_zero_struct(deploy, "resources");
        remove_zero_struct(deploy, "placement");
    }
    if let (Some(Value::Object(build)), Some(build_model)) = (map.get_mut("build"), &model.build) {
        if !build_model.ssh.is_empty() {
            // `SSHKey.MarshalYAML`: `id` or `id: path`.
            let keys = build_model
                .ssh
                .iter()
                .map(|key| {
                    Value::String(if key.path.is_empty() {
                        key.id.clone()
                    } else {
                        format!("{}: {}", key.id, key.path)
                    })
                })
                .collect();
            build.insert("ssh".to_owned(), Value::Array(keys));
        }
        if let Some(Value::Object(ulimits)) = build.get_mut("ulimits") {
            shape_ulimits(ulimits);
        }
    }
}

/// yaml.v3's `omitempty` drops a struct held by value when all its fields are zero.
fn remove_zero_struct(map: &mut Map<String, Value>, key: &str) {
    if map
        .get(key)
        .and_then(Value::as_object)
        .is_some_and(Map::is_empty)
    {
        map.shift_remove(key);
    }
}

/// `ShellCommand` is `omitempty` in YAML (but not in JSON) and zero only when unset
/// (`IsZero` is `s == nil`): `null` goes, an explicit `[]` stays.
fn remove_unset_command(map: &mut Map<String, Value>, key: &str) {
    if map.get(key).is_some_and(Value::is_null) {
        map.shift_remove(key);
    }
}

/// `UlimitsConfig.MarshalYAML`: a number, or `{soft, hard}` with both printed.
fn shape_ulimits(ulimits: &mut Map<String, Value>) {
    for limit in ulimits.values_mut() {
        if let Value::Object(pair) = limit {
            let soft = pair.shift_remove("soft").unwrap_or_else(|| Value::from(0));
            let hard = pair.shift_remove("hard").unwrap_or_else(|| Value::from(0));
            pair.clear();
            pair.insert("soft".to_owned(), soft);
            pair.insert("hard".to_owned(), hard);
        }
    }
}

/// Re-sorts the Go maps of our JSON form in yaml.v3's key order. Our maps are
/// `BTreeMap`s, so their keys arrive in byte order; a struct's fields are in declaration
/// order. An object whose keys are in byte order is therefore re-sorted: for a map that
/// is the point, and for a struct whose field names (lower case, `_`) happen to be in
/// byte order both orders agree, so nothing moves.
fn sort_go_maps(value: &mut Value) {
    match value {
        Value::Object(map) => {
            let in_byte_order = map
                .keys()
                .zip(map.keys().skip(1))
                .all(|(left, right)| left < right);
            if in_byte_order {
                yaml::sort_map(map);
            }
            map.values_mut().for_each(sort_go_maps);
        }
        Value::Array(items) => items.iter_mut().for_each(sort_go_maps),
        _ => {}
    }
}

/// Sorts every object of a free-form value (`x-*` extensions are `map[string]any`).
fn sort_all_maps(value: &mut Value) {
    match value {
        Value::Object(map) => {
            yaml::sort_map(map);
            map.values_mut().for_each(sort_all_maps);
        }
        Value::Array(items) => items.iter_mut().for_each(sort_all_maps),
        _ => {}
    }
}

/// Services, dependencies first, siblings by name (the reference's `ForEachService`).
fn service_names_in_dependency_order(project: &Project) -> String {
    fn visit(graph: &Graph, name: &str, seen: &mut BTreeSet<String>, out: &mut String) {
        if !seen.insert(name.to_owned()) {
            return;
        }
        let mut dependencies: Vec<&str> = graph
            .direct_dependencies(name)
            .into_iter()
            .map(|(dependency, _)| dependency)
            .collect();
        dependencies.sort_unstable();
        for dependency in dependencies {
            visit(graph, dependency, seen, out);
        }
        out.push_str(name);
        out.push('\n');
    }
    let graph = Graph::from_project(project);
    let mut seen = BTreeSet::new();
    let mut out = String::new();
    for name in project.services.keys() {
        visit(&graph, name, &mut seen, &mut out);
    }
    out
}

/// `--hash "a,b"` or `--hash "*"`: `service hash` per line.
fn hashes(project: &Project, selection: &str) -> String {
    let wanted: Vec<&str> = selection.split(',').map(str::trim).collect();
    let mut out = String::new();
    for (name, service) in &project.services {
        if wanted.contains(&"*") || wanted.contains(&name.as_str()) {
            out.push_str(name);
            out.push(' ');
            out.push_str(&service_hash(service));
            out.push('\n');
        }
    }
    out
}

/// `--variables`: the variables the files use, from an uninterpolated load.
fn variables(context: &CommandContext, args: &ConfigArgs) -> Option<String> {
    let skip = SkipStages {
        interpolation: true,
        consistency: true,
        ..SkipStages::default()
    };
    let options = context.load_options(&args.service_names, skip);
    let loaded = context.load(&options).ok()?;
    let tree = Node::from_json(&loaded.canonical);
    let found = interpolate::extract_variables(&tree);
    Some(match args.format {
        Some(ConfigFormat::Json) => interpolate::render_variables_json(&found),
        _ => interpolate::render_variables_table(&found),
    })
}

/// One image per service: `image`, or the default `<project>-<service>` of a build.
fn images(project: &Project) -> String {
    let mut out = String::new();
    for (name, service) in &project.services {
        if let Some(image) = Some(service.image.as_str()).filter(|image| !image.is_empty()) {
            out.push_str(image);
        } else {
            out.push_str(&project.name);
            out.push('-');
            out.push_str(name);
        }
        out.push('\n');
    }
    out
}
