//! `dk-compose config`: prints the resolved project in the reference's canonical form,
//! or one of its lists (`--services`, `--volumes`, ...).

use std::collections::{BTreeMap, BTreeSet};

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
        match render_document(&project, args) {
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
fn render_document(project: &Project, args: &ConfigArgs) -> Result<String, String> {
    let text = match args.format.unwrap_or_default() {
        ConfigFormat::Json => {
            let json = project
                .to_json_pretty()
                .map_err(|error| error.to_string())?;
            format!("{json}\n")
        }
        ConfigFormat::Yaml => {
            let document = yaml_document(project).map_err(|error| error.to_string())?;
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
/// - `x-*` extensions are inlined at the end of every struct that keeps them, and the
///   top-level `models` section is printed;
/// - yaml.v3's `omitempty` also drops all-zero structs (`ipam`, `deploy.resources`,
///   `deploy.placement`, a watch rule's `exec`) and empty/unset commands;
/// - custom `MarshalYAML`s: an optional `env_file` is `{path, required}` only, a
///   `{soft, hard}` ulimit prints both, a build `ssh` key with a path is `id: path`.
fn yaml_document(project: &Project) -> Result<Value, serde_json::Error> {
    let mut tree = serde_json::to_value(project)?;
    sort_go_maps(&mut tree);
    let Value::Object(mut top) = tree else {
        return Ok(tree);
    };
    if let Some(Value::Object(services)) = top.get_mut("services") {
        for (name, service) in services.iter_mut() {
            if let (Some(model), Value::Object(map)) = (project.services.get(name), service) {
                shape_service(model, map);
            }
        }
    }
    shape_section(&mut top, "networks", |name, map| {
        if map
            .get("ipam")
            .and_then(Value::as_object)
            .is_some_and(Map::is_empty)
        {
            map.shift_remove("ipam");
        }
        if let Some(network) = project.networks.get(name) {
            append_extensions(map, &network.extensions);
        }
    });
    shape_section(&mut top, "volumes", |name, map| {
        if let Some(volume) = project.volumes.get(name) {
            append_extensions(map, &volume.extensions);
        }
    });
    shape_section(&mut top, "secrets", |name, map| {
        if let Some(secret) = project.secrets.get(name) {
            append_extensions(map, &secret.extensions);
        }
    });
    shape_section(&mut top, "configs", |name, map| {
        if let Some(config) = project.configs.get(name) {
            append_extensions(map, &config.extensions);
        }
    });
    let mut document = Map::new();
    // `Project`'s field order; `name` is `omitempty`, `services` is not.
    for key in [
        "name", "services", "networks", "volumes", "secrets", "configs",
    ] {
        if let Some(item) = top.shift_remove(key) {
            if key == "name" && item.as_str() == Some("") {
                continue;
            }
            document.insert(key.to_owned(), item);
        }
    }
    if !project.models.is_empty() {
        let mut models = Map::new();
        for (name, model) in &project.models {
            let mut value = serde_json::to_value(model)?;
            sort_go_maps(&mut value);
            if let Value::Object(map) = &mut value {
                append_extensions(map, &model.extensions);
            }
            models.insert(name.clone(), value);
        }
        yaml::sort_map(&mut models);
        document.insert("models".to_owned(), Value::Object(models));
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

/// Applies `shape` to every entry of a top-level section (`networks`, `volumes`, ...).
fn shape_section(
    top: &mut Map<String, Value>,
    section: &str,
    mut shape: impl FnMut(&str, &mut Map<String, Value>),
) {
    if let Some(Value::Object(entries)) = top.get_mut(section) {
        for (name, entry) in entries.iter_mut() {
            if let Value::Object(map) = entry {
                shape(name, map);
            }
        }
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
                    if exec.is_empty() {
                        trigger.shift_remove("exec");
                    }
                }
            }
        }
    }
    if let Some(Value::Array(files)) = map.get_mut("env_file") {
        for file in files.iter_mut().filter_map(Value::as_object_mut) {
            // `EnvFile.MarshalYAML` returns `{path, required}` only.
            file.shift_remove("format");
            file.entry("path")
                .or_insert_with(|| Value::String(String::new()));
            yaml::sort_map(file);
        }
    }
    if let Some(Value::Object(ulimits)) = map.get_mut("ulimits") {
        shape_ulimits(ulimits);
    }
    if let Some(Value::Object(deploy)) = map.get_mut("deploy") {
        for key in ["resources", "placement"] {
            if deploy
                .get(key)
                .and_then(Value::as_object)
                .is_some_and(Map::is_empty)
            {
                deploy.shift_remove(key);
            }
        }
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
        append_extensions(build, &build_model.extensions);
    }
    append_extensions(map, &model.extensions);
}

/// `ShellCommand` is `omitempty` in YAML (but not in JSON): unset and empty go.
fn remove_unset_command(map: &mut Map<String, Value>, key: &str) {
    let unset = match map.get(key) {
        Some(Value::Null) => true,
        Some(Value::Array(items)) => items.is_empty(),
        _ => false,
    };
    if unset {
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

/// Inlines `x-*` keys after a struct's fields, sorted, as yaml.v3 does for `,inline` maps.
fn append_extensions(map: &mut Map<String, Value>, extensions: &BTreeMap<String, Value>) {
    let mut inlined = Map::new();
    for (key, value) in extensions {
        let mut value = value.clone();
        sort_all_maps(&mut value);
        inlined.insert(key.clone(), value);
    }
    yaml::sort_map(&mut inlined);
    map.extend(inlined);
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
