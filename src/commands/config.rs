//! `dk-compose config`: prints the resolved project in the reference's canonical form,
//! or one of its lists (`--services`, `--volumes`, ...).

use std::collections::BTreeSet;

use serde_json::{Map, Value};

use crate::cli::{ConfigArgs, ConfigFormat};
use crate::graph::Graph;
use crate::hash::service_hash;
use crate::loader::{Node, SkipStages, interpolate};
use crate::model::{Project, ServiceConfig, VolumeType};
use crate::output::{printer, yaml};

use super::context::CommandContext;
use super::exit;

pub fn run(context: &CommandContext, args: &ConfigArgs) -> i32 {
    match output(context, args) {
        Ok(Output::List(text)) => {
            printer::stdout(&text);
            exit::OK
        }
        Ok(Output::Document(text)) => match &args.output {
            // `runConfig`: an empty document is printed, never written.
            Some(path) if !text.is_empty() => match std::fs::write(path, text) {
                Ok(()) => exit::OK,
                Err(error) => {
                    printer::stderr_line(&format!("cannot write `{}`: {error}", path.display()));
                    exit::USER_ERROR
                }
            },
            _ => {
                printer::stdout(&text);
                exit::OK
            }
        },
        Ok(Output::Nothing) => exit::OK,
        Err(Failure::Reported) => exit::USER_ERROR,
        Err(Failure::User(message)) => {
            printer::stderr_line(&message);
            exit::USER_ERROR
        }
        Err(Failure::Internal(message)) => {
            printer::stderr_line(&format!("internal error rendering the project: {message}"));
            exit::INTERNAL
        }
    }
}

/// What `config` prints: a list (always on stdout, as the reference's list flags print),
/// or the document (which `-o FILE` redirects).
enum Output {
    List(String),
    Document(String),
    Nothing,
}

enum Failure {
    /// The loader already printed its diagnostics.
    Reported,
    User(String),
    Internal(String),
}

/// The reference's order of precedence between flags (`configCommand` `RunE`): services,
/// volumes, networks, models, hash, profiles, images, variables, environment, document.
fn output(context: &CommandContext, args: &ConfigArgs) -> Result<Output, Failure> {
    // These list the whole project: the reference loads it without the service arguments.
    let whole_project =
        args.services || args.volumes || args.networks || args.models || args.hash.is_some();
    let selection: &[String] = if whole_project {
        &[]
    } else {
        &args.service_names
    };
    if args.variables && !whole_project && !args.profiles && !args.images {
        // `--variables` loads the raw model itself.
        let text = variables(context, args).ok_or(Failure::Reported)?;
        return Ok(if args.format == Some(ConfigFormat::Yaml) {
            quiet_or(args, Output::List(text))
        } else {
            Output::List(text)
        });
    }
    let skip = SkipStages {
        interpolation: args.no_interpolate,
        normalization: args.no_normalize,
        path_resolution: args.no_path_resolution,
        env_resolution: args.no_env_resolution,
        // The raw model of `--no-interpolate` is never checked for consistency
        // (compose-go `LoadModelWithContext` stops before `checkConsistency`).
        consistency: args.no_consistency || args.no_interpolate,
    };
    let options = context.load_options(selection, skip);
    let loaded = context.load(&options).map_err(|_| Failure::Reported)?;
    let mut project = loaded.project.clone();
    if !selection.is_empty() && !args.no_interpolate {
        let graph = Graph::from_project(&project);
        let keep = graph.with_dependencies(selection.iter().map(String::as_str));
        project.services.retain(|name, _| keep.contains(name));
        if !context.global.all_resources {
            without_unnecessary_resources(&mut project);
        }
    }
    let lines = |names: Vec<&str>| -> Output {
        Output::List(names.into_iter().flat_map(|name| [name, "\n"]).collect())
    };
    let result = if args.services {
        if args.no_interpolate {
            // The raw model's services, all of them (`runServices`).
            let canonical = loaded.canonical();
            let names: Vec<&str> = canonical
                .get("services")
                .and_then(Value::as_object)
                .map(|services| services.keys().map(String::as_str).collect())
                .unwrap_or_default();
            lines(names)
        } else {
            Output::List(service_names_in_dependency_order(&project))
        }
    } else if args.volumes {
        lines(project.volumes.keys().map(String::as_str).collect())
    } else if args.networks {
        lines(project.networks.keys().map(String::as_str).collect())
    } else if args.models {
        lines(
            project
                .models
                .values()
                .map(|model| model.model.as_str())
                .filter(|model| !model.is_empty())
                .collect(),
        )
    } else if let Some(selection) = &args.hash {
        Output::List(hashes(&project, selection)?)
    } else if args.profiles {
        lines(loaded.all_profiles.iter().map(String::as_str).collect())
    } else if args.images {
        Output::List(images(&project))
    } else if args.environment {
        quiet_or(
            args,
            Output::List(
                loaded
                    .environment
                    .iter()
                    .flat_map(|(key, value)| [key.as_str(), "=", value.as_str(), "\n"])
                    .collect(),
            ),
        )
    } else if args.no_interpolate {
        let text = render_raw_model(&loaded.canonical(), args).map_err(Failure::Internal)?;
        quiet_or(args, Output::Document(text))
    } else {
        let text =
            render_document(&project, &loaded.canonical(), args).map_err(Failure::Internal)?;
        quiet_or(args, Output::Document(text))
    };
    Ok(result)
}

/// `-q` sends the process's stdout to `/dev/null`, which silences the document, the
/// environment and the YAML variables; the other lists are written to the CLI's own
/// stream, opened before, and still print (`configCommand` `PreRunE`).
fn quiet_or(args: &ConfigArgs, output: Output) -> Output {
    if args.quiet { Output::Nothing } else { output }
}

/// Drops the networks, volumes, secrets, configs and models no kept service uses, as
/// the reference does once services are selected (`Project.WithoutUnnecessaryResources`).
fn without_unnecessary_resources(project: &mut Project) {
    let mut networks = BTreeSet::new();
    let mut volumes = BTreeSet::new();
    let mut secrets = BTreeSet::new();
    let mut configs = BTreeSet::new();
    let mut models = BTreeSet::new();
    for service in project.services.values() {
        networks.extend(service.networks.keys().cloned());
        volumes.extend(
            service
                .volumes
                .iter()
                .filter(|mount| mount.volume_type == VolumeType::Volume && !mount.source.is_empty())
                .map(|mount| mount.source.clone()),
        );
        secrets.extend(service.secrets.iter().map(|secret| secret.source.clone()));
        if let Some(build) = &service.build {
            secrets.extend(build.secrets.iter().map(|secret| secret.source.clone()));
        }
        configs.extend(service.configs.iter().map(|config| config.source.clone()));
        models.extend(service.models.keys().cloned());
    }
    project.networks.retain(|name, _| networks.contains(name));
    project.volumes.retain(|name, _| volumes.contains(name));
    project.secrets.retain(|name, _| secrets.contains(name));
    project.configs.retain(|name, _| configs.contains(name));
    project.models.retain(|name, _| models.contains(name));
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
            // `fmt.Fprint` of `json.MarshalIndent`: no newline at the end.
            json
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

/// `--no-interpolate`: the reference prints the raw model, a `map[string]any` (compose
/// `runConfigNoInterpolate` → `formatModel`), so every key is sorted and values keep
/// the types they were written with. No `$` escaping.
fn render_raw_model(canonical: &Value, args: &ConfigArgs) -> Result<String, String> {
    // Service arguments select nothing here: the raw model has every service.
    let mut model = canonical.clone();
    Ok(match args.format.unwrap_or_default() {
        // `fmt.Fprint` of `json.MarshalIndent`: no newline at the end.
        ConfigFormat::Json => {
            crate::model::json::to_string_pretty(&crate::model::json::GoValue(&model))
                .map_err(|error| error.to_string())?
        }
        ConfigFormat::Yaml => {
            sort_all_maps(&mut model);
            yaml::to_string_with(&model, yaml::Release::V3_0_1, 2)
        }
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
///   `{soft, hard}` ulimit prints both, a build `ssh` key with a path is `id: path`;
/// - untagged fields (blkio devices) are lower-cased.
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
    if let Some(Value::Object(blkio)) = map.get_mut("blkio_config") {
        // `WeightDevice` and `ThrottleDevice` have no tags: `encoding/json` uses the
        // field names (`Path`), yaml.v3 lower-cases them (`path`).
        for devices in blkio.values_mut().filter_map(Value::as_array_mut) {
            for device in devices.iter_mut().filter_map(Value::as_object_mut) {
                let fields = std::mem::take(device);
                device.extend(
                    fields
                        .into_iter()
                        .map(|(key, value)| (key.to_lowercase(), value)),
                );
            }
        }
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

/// `--hash "a,b"` or `--hash "*"`: `service hash` per line, by name (`runHash`: the
/// names are split on `,` as given, sorted, and each must exist).
fn hashes(project: &Project, selection: &str) -> Result<String, Failure> {
    let mut names: Vec<&str> = if selection == "*" {
        project.services.keys().map(String::as_str).collect()
    } else {
        selection.split(',').collect()
    };
    names.sort_unstable();
    let mut out = String::new();
    for name in names {
        let service = project
            .services
            .get(name)
            .ok_or_else(|| Failure::User(format!("no such service: `{name}`")))?;
        out.push_str(name);
        out.push(' ');
        out.push_str(&service_hash(service));
        out.push('\n');
    }
    Ok(out)
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
    let tree = Node::from_json(&loaded.canonical());
    let found = interpolate::extract_variables(&tree);
    Some(match args.format {
        Some(ConfigFormat::Json) => interpolate::render_variables_json(&found),
        // `yaml.Marshal` (gopkg.in/yaml.v3, indent 4) of `map[string]Variable`; the struct
        // has no yaml tags, so its keys are the lower-cased field names.
        Some(ConfigFormat::Yaml) => {
            let mut object = Map::new();
            for variable in &found {
                let mut fields = Map::new();
                fields.insert("name".to_owned(), Value::from(variable.name.clone()));
                fields.insert(
                    "defaultvalue".to_owned(),
                    Value::from(variable.default_value.clone()),
                );
                fields.insert(
                    "presencevalue".to_owned(),
                    Value::from(variable.alternate_value.clone()),
                );
                fields.insert("required".to_owned(), Value::from(variable.required));
                object.insert(variable.name.clone(), Value::Object(fields));
            }
            yaml::sort_map(&mut object);
            yaml::to_string_with(&Value::Object(object), yaml::Release::V3_0_1, 4)
        }
        None => interpolate::render_variables_table(&found),
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
