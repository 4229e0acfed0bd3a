//! Parity of `engine::convert` with the reference: for each fixture in
//! tests/fixtures/convert/, the reference creates the project's containers, then we create
//! a twin of each from `container_spec` (same project name, so the same networks, volumes
//! and aliases; another container name) and compare `docker inspect` of both field by field.
//! Only ids, names, timestamps and the engine's per-container paths are ignored; arrays the
//! reference fills from Go maps (random order) are compared sorted.

mod support;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use dk_compose::engine::connect;
use dk_compose::engine::convert::{
    ContainerContext, CreateOptions, PeerContainer, create_container, effective_service,
    try_container_spec,
};
use dk_compose::loader::{self, LoadOptions};
use serde_json::Value;
use support::{ProjectGuard, docker, docker_output, engine_available, ensure_test_images};

fn reference_binary() -> PathBuf {
    std::env::var_os("REFERENCE_COMPOSE").map_or_else(
        || PathBuf::from("/root/.cache/reference-compose/2.40.3/docker-compose"),
        PathBuf::from,
    )
}

fn fixtures_directory() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/convert")
}

/// Paths (dotted) whose values differ between runs of the same configuration.
const IGNORED: &[&str] = &[
    "Id",
    "Created",
    "Name",
    "ResolvConfPath",
    "HostnamePath",
    "HostsPath",
    "LogPath",
    "GraphDriver",
    "State",
    "Config.Labels.com.docker.compose.config-hash.note",
];

/// Arrays the reference builds from Go maps: their order is random there.
const UNORDERED: &[&str] = &[
    "Config.Env",
    "HostConfig.Binds",
    "HostConfig.Mounts",
    "HostConfig.Ulimits",
    "HostConfig.ExtraHosts",
    "HostConfig.Links",
    "Mounts",
];

fn normalise(value: &mut Value, path: &str) {
    match value {
        Value::Object(map) => {
            map.retain(|key, _| {
                let child = if path.is_empty() {
                    key.clone()
                } else {
                    format!("{path}.{key}")
                };
                !IGNORED.contains(&child.as_str())
            });
            for (key, child) in map.iter_mut() {
                let child_path = if path.is_empty() {
                    key.clone()
                } else {
                    format!("{path}.{key}")
                };
                normalise(child, &child_path);
            }
            if path == "Config.Labels"
                && let Some(Value::String(depends_on)) =
                    map.get_mut("com.docker.compose.depends_on")
            {
                let mut items: Vec<&str> = depends_on.split(',').collect();
                items.sort_unstable();
                *depends_on = items.join(",");
            }
        }
        Value::Array(items) => {
            for item in items.iter_mut() {
                normalise(item, path);
                // Anonymous volumes get random names.
                if path == "Mounts"
                    && let Some(name) = item.get("Name").and_then(Value::as_str)
                    && name.len() == 64
                    && name.bytes().all(|byte| byte.is_ascii_hexdigit())
                {
                    item["Name"] = Value::String("<anonymous>".to_owned());
                    item["Source"] = Value::String("<anonymous>".to_owned());
                }
            }
            if UNORDERED.contains(&path) {
                items.sort_by_key(Value::to_string);
            }
        }
        _ => {}
    }
}

fn differences(left: &Value, right: &Value, path: &str, out: &mut Vec<String>) {
    match (left, right) {
        (Value::Object(left_map), Value::Object(right_map)) => {
            let mut keys: Vec<&String> = left_map.keys().chain(right_map.keys()).collect();
            keys.sort();
            keys.dedup();
            for key in keys {
                let child = format!("{path}.{key}");
                match (left_map.get(key), right_map.get(key)) {
                    (Some(l), Some(r)) => differences(l, r, &child, out),
                    (l, r) => out.push(format!(
                        "{child}: reference {} / ours {}",
                        l.map_or("<absent>".to_owned(), Value::to_string),
                        r.map_or("<absent>".to_owned(), Value::to_string)
                    )),
                }
            }
        }
        (l, r) if l != r => out.push(format!("{path}: reference {l} / ours {r}")),
        _ => {}
    }
}

fn inspect(name: &str) -> Value {
    let text = docker(&["inspect", "--type", "container", name]);
    let mut list: Vec<Value> = serde_json::from_str(&text).expect("inspect JSON");
    list.remove(0)
}

fn image_id(image: &str) -> String {
    docker(&["image", "inspect", "--format", "{{.Id}}", image])
}

/// The reference's container of a service: `<project>-<service>-1` or `container_name`.
fn reference_name(project: &str, service_name: &str, container_name: &str) -> String {
    if container_name.is_empty() {
        format!("{project}-{service_name}-1")
    } else {
        container_name.to_owned()
    }
}

/// Creates the fixture with the reference and with ours; returns the readable differences.
async fn compare_fixture(file: &Path) -> Vec<String> {
    let stem = file.file_stem().unwrap().to_string_lossy().to_string();
    let guard = ProjectGuard::unique(&format!("cv-{stem}"));
    let project_name = guard.name.clone();
    let directory = file.parent().unwrap();

    let output = Command::new(reference_binary())
        .args(["-p", &project_name, "-f"])
        .arg(file)
        .arg("create")
        .current_dir(directory)
        .env_remove("FROM_SHELL")
        .output()
        .expect("run the reference");
    assert!(
        output.status.success(),
        "reference create failed for {}: {}",
        file.display(),
        String::from_utf8_lossy(&output.stderr)
    );

    let mut os_env: BTreeMap<String, String> = std::env::vars().collect();
    os_env.remove("FROM_SHELL");
    let loaded = loader::load(&LoadOptions {
        files: vec![file.to_path_buf()],
        project_name: Some(project_name.clone()),
        os_env,
        current_dir: directory.to_path_buf(),
        ..LoadOptions::default()
    })
    .unwrap_or_else(|error| panic!("load {}: {error:?}", file.display()));
    let project = &loaded.project;
    let engine = connect(None).await.expect("the engine answers");

    let mut service_containers: BTreeMap<String, Vec<PeerContainer>> = BTreeMap::new();
    for (service_name, service) in &project.services {
        let name = reference_name(&project_name, service_name, &service.container_name);
        let id = docker(&["inspect", "--format", "{{.Id}}", &name]);
        service_containers.insert(service_name.clone(), vec![PeerContainer { id, name }]);
    }

    let mut found = Vec::new();
    for (service_name, service) in &project.services {
        let reference = reference_name(&project_name, service_name, &service.container_name);
        let ours = format!("{reference}-ours");
        let image = if service.image.is_empty() {
            format!("{project_name}-{service_name}")
        } else {
            service.image.clone()
        };
        let context = ContainerContext {
            project,
            service_name,
            service,
            number: 1,
            container_name: ours.clone(),
            oneoff: false,
            config_hash: dk_compose::hash::service_hash(
                &effective_service(service_name, service, &service_containers)
                    .expect("references resolve"),
            ),
            image_id: Some(image_id(&image)),
            working_dir: &loaded.working_dir,
            config_files: &loaded.config_files,
            env_files: &loaded.env_files,
            replaces: None,
            options: CreateOptions {
                api_version: engine.api_version(),
                service_containers: service_containers.clone(),
                ..CreateOptions::default()
            },
        };
        let spec = try_container_spec(&context)
            .unwrap_or_else(|error| panic!("{}: {error}", file.display()));
        let our_id = create_container(&engine, &ours, &spec)
            .await
            .unwrap_or_else(|error| panic!("{}: create `{ours}`: {error}", file.display()));

        let reference_json = inspect(&reference);
        let reference_id = reference_json["Id"].as_str().unwrap_or_default().to_owned();
        // Our container's own name and id appear in links and the default hostname.
        let our_text = inspect(&ours)
            .to_string()
            .replace(&our_id, &reference_id)
            .replace(&our_id[..12], &reference_id[..12])
            .replace(&ours, &reference);
        let mut our_json: Value = serde_json::from_str(&our_text).unwrap();
        let mut reference_json = reference_json;
        normalise(&mut reference_json, "");
        normalise(&mut our_json, "");
        let mut service_differences = Vec::new();
        differences(&reference_json, &our_json, "", &mut service_differences);
        for difference in service_differences {
            found.push(format!("{stem}/{service_name}: {difference}"));
        }
    }
    drop(guard);
    found
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn containers_match_the_reference_field_by_field() {
    if !engine_available() {
        return;
    }
    ensure_test_images();
    let mut files: Vec<PathBuf> = std::fs::read_dir(fixtures_directory())
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| {
            path.extension()
                .is_some_and(|extension| extension == "yaml")
        })
        .collect();
    files.sort();
    if let Ok(only) = std::env::var("CONVERT_FIXTURE") {
        files.retain(|path| path.to_string_lossy().contains(&only));
    }
    let mut all = Vec::new();
    for file in &files {
        all.extend(compare_fixture(file).await);
    }
    assert!(
        all.is_empty(),
        "{} difference(s) from the reference:\n  {}",
        all.len(),
        all.join("\n  ")
    );
}

#[test]
fn reference_binary_is_present() {
    if !engine_available() {
        return;
    }
    let output = docker_output(&["version"]);
    assert!(output.status.success());
    assert!(reference_binary().exists(), "no reference compose binary");
}
