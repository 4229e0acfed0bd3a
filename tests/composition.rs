//! Composition stages end to end through `loader::load`: merge of `-f` files, `extends`,
//! `include` and profiles, on the fixtures under `tests/fixtures/{merge,extends,include,profiles}`.
//! Expectations come from the reference (`docker compose config --format json`); assertions
//! are on the keys these stages decide, in a form that holds before and after canonicalisation.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use dk_compose::loader::{LoadOptions, load};
use serde_json::{Value, json};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn options(name: &str, files: &[&str]) -> LoadOptions {
    let dir = fixture(name);
    LoadOptions {
        files: files.iter().map(|file| dir.join(file)).collect(),
        current_dir: dir,
        os_env: BTreeMap::from([("HOME".to_owned(), "/home/test".to_owned())]),
        ..LoadOptions::default()
    }
}

fn load_json(options: &LoadOptions) -> Value {
    match load(options) {
        Ok(loaded) => loaded.canonical(),
        Err(error) => panic!("load failed: {error}"),
    }
}

/// `KEY=VALUE` items or a mapping, as a mapping.
fn as_mapping(value: &Value) -> BTreeMap<String, Value> {
    match value {
        Value::Object(map) => map
            .iter()
            .map(|(key, value)| (key.clone(), value.clone()))
            .collect(),
        Value::Array(items) => items
            .iter()
            .filter_map(Value::as_str)
            .map(|item| match item.split_once('=') {
                Some((key, value)) => (key.to_owned(), json!(value)),
                None => (item.to_owned(), Value::Null),
            })
            .collect(),
        _ => BTreeMap::new(),
    }
}

fn keys(value: &Value) -> Vec<String> {
    value
        .as_object()
        .map(|map| map.keys().cloned().collect())
        .unwrap_or_default()
}

#[test]
fn override_file_merges_by_the_reference_rules() {
    let tree = load_json(&options("merge", &["compose.yaml", "override.yaml"]));
    let web = &tree["services"]["web"];
    assert_eq!(
        as_mapping(&web["environment"]),
        BTreeMap::from([
            ("A".to_owned(), json!("1")),
            ("B".to_owned(), json!("3")),
            ("C".to_owned(), json!("4")),
        ])
    );
    assert_eq!(web["cap_add"], json!(["NET_ADMIN", "SYS_ADMIN"]));
    assert_eq!(web["dns"], json!(["8.8.8.8", "1.1.1.1"]));
    assert_eq!(web["extra_hosts"], json!(["h1=1.1.1.1", "h2=2.2.2.2"]));
    assert_eq!(
        web["logging"],
        json!({"driver": "json-file", "options": {"max-size": "1m", "max-file": "3"}})
    );
    assert_eq!(web["ulimits"]["nofile"], json!({"soft": 15, "hard": 30}));
    let command = match &web["command"] {
        Value::String(text) => json!([text]),
        other => other.clone(),
    };
    assert_eq!(command, json!(["c"]));
    assert_eq!(web["ports"].as_array().map(Vec::len), Some(2));
    // `/data` redefined by the override replaces the first mount in place.
    let volumes = web["volumes"].as_array().expect("volumes");
    assert_eq!(volumes.len(), 2);
    assert_eq!(volumes[0]["type"], json!("bind"));
}

#[test]
fn extends_chains_across_files_with_rebased_paths() {
    let tree = load_json(&options("extends", &["compose.yaml"]));
    let web = &tree["services"]["web"];
    assert_eq!(web["image"], json!("root"));
    assert_eq!(tree["services"]["chain"]["image"], json!("chain"));
    assert_eq!(
        as_mapping(&web["environment"])
            .keys()
            .cloned()
            .collect::<Vec<_>>(),
        ["APP", "LOCAL"]
    );
    let context = web["build"].get("context").unwrap_or(&web["build"]);
    let context = context.as_str().expect("build context");
    assert!(context.ends_with("sub/ctx"), "{context}");
    let rendered = web["volumes"].to_string();
    assert!(rendered.contains("sub/deeper/rootdata"), "{rendered}");
    assert!(rendered.contains("sub/data"), "{rendered}");
    assert!(web.get("extends").is_none());
}

#[test]
fn include_loads_each_project_with_its_own_environment() {
    let tree = load_json(&options("include", &["compose.yaml"]));
    assert_eq!(keys(&tree["services"]), ["web", "api", "worker"]);
    assert_eq!(
        as_mapping(&tree["services"]["worker"]["environment"])["BARE"],
        json!("barevalue")
    );
    assert!(tree.get("include").is_none());
    assert_eq!(keys(&tree["volumes"]), ["cache"]);
}

#[test]
fn profiles_enable_services_and_unused_resources_are_dropped() {
    let tree = load_json(&options("profiles", &["compose.yaml"]));
    assert_eq!(keys(&tree["services"]), ["web"]);
    assert_eq!(keys(&tree["networks"]), ["front"]);
    assert_eq!(keys(&tree["volumes"]), ["data"]);
    assert!(tree.get("secrets").is_none());

    let mut all = options("profiles", &["compose.yaml"]);
    all.profiles = vec!["*".to_owned()];
    let tree = load_json(&all);
    assert_eq!(keys(&tree["services"]).len(), 3);
    assert_eq!(keys(&tree["volumes"]), ["data", "dbdata"]);

    let mut other = options("profiles", &["compose.yaml"]);
    other.profiles = vec!["other".to_owned()];
    let error = load(&other).expect_err("dependency on a disabled service");
    assert_eq!(
        error.diagnostics[0].message,
        "service `other` depends on undefined service `db`"
    );
}

/// `.env` files as compose-go reads them in two passes (answers recorded from the
/// reference): the current directory's `.env` names the files (`COMPOSE_FILE`) and the
/// profiles (`COMPOSE_PROFILES`), and stays in the environment ahead of the project
/// directory's `.env`, whose values can use it.
#[test]
fn dot_env_names_the_files_and_profiles_and_both_env_files_count() {
    let directory = tempfile::tempdir().unwrap();
    let root = directory.path();
    std::fs::create_dir(root.join("sub")).unwrap();
    std::fs::write(
        root.join("sub/c.yaml"),
        "services:\n  a:\n    image: ${IMG:-none}\n    environment: [X]\n    profiles: [p1]\n  b:\n    image: ${TAG:-none}\n",
    )
    .unwrap();
    std::fs::write(root.join(".env"), "COMPOSE_FILE=sub/c.yaml\nIMG=fromroot\n").unwrap();
    std::fs::write(
        root.join("sub/.env"),
        "TAG=fromsub\nIMG=fromsubimg\nCOMPOSE_PROFILES=p1\nX=${IMG}-x\n",
    )
    .unwrap();
    let os_env: BTreeMap<String, String> = [("PATH".to_owned(), "/usr/bin".to_owned())].into();
    let loaded = load(&LoadOptions {
        os_env,
        current_dir: root.to_path_buf(),
        ..LoadOptions::default()
    })
    .unwrap_or_else(|error| panic!("{error:?}"));
    let services = &loaded.project.services;
    assert_eq!(
        services.keys().collect::<Vec<_>>(),
        ["a", "b"],
        "COMPOSE_PROFILES from sub/.env enables `a`"
    );
    assert_eq!(services["a"].image, "fromroot");
    assert_eq!(services["b"].image, "fromsub");
    assert_eq!(
        services["a"]
            .environment
            .get("X")
            .cloned()
            .flatten()
            .as_deref(),
        Some("fromroot-x")
    );
    // The project directory is the first file's.
    assert_eq!(loaded.project.name, "sub");
}
