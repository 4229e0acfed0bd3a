//! Unit tests of profiles and of dropping unused resources (expectations from the reference).

use super::*;
use crate::loader::source::SourceId;
use crate::loader::yaml::parse_document;
use serde_json::json;

const PROJECT: &str = "
services:
  web: {image: nginx, networks: [front], volumes: ['data:/data', './x:/x']}
  db: {image: postgres, profiles: [debug], networks: [back], volumes: [{type: volume, source: dbdata, target: /var}]}
  other: {image: x, profiles: [other], depends_on: [db]}
networks: {front: {}, back: {}, unused: {}, default: {}}
volumes: {data: {}, dbdata: {}, unused: {}}
secrets: {s1: {file: ./s1}}
";

fn names(tree: &Node, key: &str) -> Vec<String> {
    tree.get(key)
        .and_then(Node::as_map)
        .map(|map| map.keys().cloned().collect())
        .unwrap_or_default()
}

fn load(profiles: &[&str], selected: &[&str]) -> Result<Node, Vec<Diagnostic>> {
    let tree = parse_document(PROJECT, SourceId(0)).unwrap();
    let profiles: Vec<String> = profiles.iter().map(|name| (*name).to_owned()).collect();
    let selected: Vec<String> = selected.iter().map(|name| (*name).to_owned()).collect();
    apply_profiles(tree, &profiles, &selected)
        .map(|tree| without_unnecessary_resources(tree, false))
}

#[test]
fn services_without_profiles_only_by_default() {
    let tree = load(&[], &[]).unwrap();
    assert_eq!(names(&tree, "services"), ["web"]);
    assert_eq!(names(&tree, "networks"), ["front"]);
    assert_eq!(names(&tree, "volumes"), ["data"]);
    assert!(tree.get("secrets").is_none());
}

#[test]
fn star_enables_every_profile_and_default_network_is_kept_when_used() {
    let tree = load(&["*"], &[]).unwrap();
    assert_eq!(names(&tree, "services"), ["web", "db", "other"]);
    assert_eq!(names(&tree, "networks"), ["front", "back", "default"]);
    assert_eq!(names(&tree, "volumes"), ["data", "dbdata"]);
}

#[test]
fn a_selected_service_activates_its_profiles() {
    let tree = load(&[], &["db"]).unwrap();
    assert_eq!(names(&tree, "services"), ["web", "db"]);
}

#[test]
fn depending_on_a_disabled_service_is_an_error() {
    let errors = load(&["other"], &[]).unwrap_err();
    assert_eq!(
        errors[0].message,
        "service `other` depends on undefined service `db`"
    );
    assert_eq!(
        errors[0].hint.as_deref(),
        Some("`db` is disabled: enable one of its profiles, e.g. `--profile debug`")
    );
    let errors = load(&[], &["other"]).unwrap_err();
    assert_eq!(errors.len(), 1);
}

#[test]
fn an_optional_dependency_on_a_disabled_service_is_kept() {
    let text = "services:\n  web: {image: a, depends_on: {db: {condition: service_started, required: false}}}\n  db: {image: b, profiles: [x]}\n";
    let tree = parse_document(text, SourceId(0)).unwrap();
    let tree = apply_profiles(tree, &[], &[]).unwrap();
    assert_eq!(
        tree.to_json()["services"],
        json!({"web": {"image": "a", "depends_on": {"db": {"condition": "service_started", "required": false}}}})
    );
}

#[test]
fn all_resources_keeps_everything() {
    let tree = parse_document(PROJECT, SourceId(0)).unwrap();
    let tree = without_unnecessary_resources(tree, true);
    assert_eq!(names(&tree, "volumes"), ["data", "dbdata", "unused"]);
}

#[test]
fn network_mode_does_not_use_the_default_network() {
    let text = "services:\n  web: {image: a, network_mode: host, secrets: [s], configs: [{source: c}]}\nnetworks: {default: {}}\nsecrets: {s: {file: x}, t: {file: y}}\nconfigs: {c: {file: z}}\n";
    let tree = without_unnecessary_resources(parse_document(text, SourceId(0)).unwrap(), false);
    assert!(tree.get("networks").is_none());
    assert_eq!(names(&tree, "secrets"), ["s"]);
    assert_eq!(names(&tree, "configs"), ["c"]);
}

#[test]
fn a_selected_name_that_is_not_a_service_is_an_error() {
    let errors = load(&[], &["wbe"]).unwrap_err();
    assert_eq!(errors[0].message, "no such service: `wbe`");
    assert_eq!(errors[0].hint.as_deref(), Some("did you mean `web`?"));
    assert!(
        load(&[], &["db"]).is_ok(),
        "a disabled service is still a service"
    );
}
