//! `dk-compose config`: prints the resolved project in the reference's canonical form,
//! or one of its lists (`--services`, `--volumes`, ...).

use std::collections::BTreeSet;

use crate::cli::{ConfigArgs, ConfigFormat};
use crate::graph::Graph;
use crate::hash::service_hash;
use crate::loader::{Node, SkipStages, interpolate};
use crate::model::Project;
use crate::output::printer;

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
    let Ok(mut loaded) = context.load(&options) else {
        return exit::USER_ERROR;
    };
    if args.quiet {
        return exit::OK;
    }
    let mut project = std::mem::take(&mut loaded.project);
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

/// The whole document as `--format` asks. JSON is compose-go's, byte for byte; YAML has
/// the same content in the reference's top-level order.
fn render_document(project: &Project, args: &ConfigArgs) -> Result<String, String> {
    let json = project
        .to_json_pretty()
        .map_err(|error| error.to_string())?;
    let text = match args.format.unwrap_or_default() {
        ConfigFormat::Json => format!("{json}\n"),
        ConfigFormat::Yaml => {
            let mut value: serde_json::Value =
                serde_json::from_str(&json).map_err(|error| error.to_string())?;
            yaml_shape(&mut value);
            serde_yaml::to_string(&value).map_err(|error| error.to_string())?
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

/// The YAML printer of the reference orders the top level as the Project struct does and
/// omits unset commands.
fn yaml_shape(value: &mut serde_json::Value) {
    let Some(map) = value.as_object_mut() else {
        return;
    };
    let order = [
        "name", "services", "networks", "volumes", "secrets", "configs",
    ];
    let mut reordered = serde_json::Map::new();
    for key in order {
        if let Some(item) = map.remove(key) {
            reordered.insert(key.to_owned(), item);
        }
    }
    reordered.append(map);
    if let Some(services) = reordered
        .get_mut("services")
        .and_then(|s| s.as_object_mut())
    {
        for service in services.values_mut().filter_map(|s| s.as_object_mut()) {
            service
                .retain(|key, item| !(item.is_null() && (key == "command" || key == "entrypoint")));
        }
    }
    if let Some(networks) = reordered
        .get_mut("networks")
        .and_then(|n| n.as_object_mut())
    {
        for network in networks.values_mut().filter_map(|n| n.as_object_mut()) {
            network.retain(|key, item| {
                !(key == "ipam" && item.as_object().is_some_and(serde_json::Map::is_empty))
            });
        }
    }
    *map = reordered;
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
    let tree = Node::from_json(&loaded.canonical());
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
