//! Unit tests of the merge rules, each checked against the reference's output.

use super::*;
use crate::loader::source::SourceId;
use crate::loader::yaml::parse_document;
use serde_json::json;

fn parse(text: &str, source: u32) -> Node {
    parse_document(text, SourceId(source)).expect("valid yaml")
}

fn merge_texts(first: &str, second: &str) -> serde_json::Value {
    let base = strip_tags(parse(first, 0));
    merge_files(base, parse(second, 1))
        .expect("merge")
        .to_json()
}

#[test]
fn scalars_replace_mappings_merge_sequences_append() {
    let merged = merge_texts(
        "services: {web: {image: a, cap_add: [X], deploy: {replicas: 1, mode: replicated}}}",
        "services: {web: {image: b, cap_add: [Y], deploy: {replicas: 2}}}",
    );
    assert_eq!(
        merged["services"]["web"],
        json!({"image": "b", "cap_add": ["X", "Y"], "deploy": {"replicas": 2, "mode": "replicated"}})
    );
}

#[test]
fn command_entrypoint_and_healthcheck_test_are_replaced() {
    let merged = merge_texts(
        "services: {web: {command: [a, b], entrypoint: [x], healthcheck: {test: [CMD, a], interval: 1s}}}",
        "services: {web: {command: c, entrypoint: [y, z], healthcheck: {test: [CMD, b]}}}",
    );
    assert_eq!(
        merged["services"]["web"],
        json!({"command": "c", "entrypoint": ["y", "z"], "healthcheck": {"test": ["CMD", "b"], "interval": "1s"}})
    );
}

#[test]
fn key_value_lists_merge_by_key_whatever_the_form() {
    let merged = merge_texts(
        "services: {web: {environment: [A=1, B=2], labels: {x: '1'}, build: {args: [K=1]}}}",
        "services: {web: {environment: {B: 3, C: 4, D: null}, labels: [x=2, y=3], build: {args: {K: 2}}}}",
    );
    let web = &merged["services"]["web"];
    assert_eq!(web["environment"], json!(["A=1", "B=3", "C=4", "D"]));
    assert_eq!(web["labels"], json!(["x=2", "y=3"]));
    assert_eq!(web["build"]["args"], json!(["K=2"]));
}

#[test]
fn map_values_with_lists_become_one_item_each() {
    let merged = merge_texts(
        "services: {web: {extra_hosts: [h1=1.1.1.1]}}",
        "services: {web: {extra_hosts: {h1: 1.1.1.1, h2: [2.2.2.2, 3.3.3.3]}}}",
    );
    assert_eq!(
        merged["services"]["web"]["extra_hosts"],
        json!(["h1=1.1.1.1", "h2=2.2.2.2", "h2=3.3.3.3"])
    );
}

#[test]
fn string_or_list_values_are_appended_and_deduplicated() {
    let merged = merge_texts(
        "services: {web: {dns: 8.8.8.8, env_file: a.env, tmpfs: /run}}",
        "services: {web: {dns: [1.1.1.1, 8.8.8.8], env_file: [b.env, a.env], tmpfs: [/tmp]}}",
    );
    let web = &merged["services"]["web"];
    assert_eq!(web["dns"], json!(["8.8.8.8", "1.1.1.1"]));
    assert_eq!(web["env_file"], json!(["a.env", "b.env"]));
    assert_eq!(web["tmpfs"], json!(["/run", "/tmp"]));
}

#[test]
fn depends_on_and_networks_merge_across_forms() {
    let merged = merge_texts(
        "services: {web: {depends_on: [db], networks: [front]}}",
        "services: {web: {depends_on: {cache: {condition: service_healthy}}, networks: {back: {aliases: [b]}, front: {priority: 1}}}}",
    );
    let web = &merged["services"]["web"];
    assert_eq!(
        web["depends_on"],
        json!({"db": {"condition": "service_started", "required": true}, "cache": {"condition": "service_healthy"}})
    );
    assert_eq!(
        web["networks"],
        json!({"front": {"priority": 1}, "back": {"aliases": ["b"]}})
    );
}

#[test]
fn logging_options_merge_only_for_the_same_driver() {
    let same = merge_texts(
        "services: {web: {logging: {driver: json-file, options: {max-size: 1m}}}}",
        "services: {web: {logging: {options: {max-file: '3'}}}}",
    );
    assert_eq!(
        same["services"]["web"]["logging"],
        json!({"driver": "json-file", "options": {"max-size": "1m", "max-file": "3"}})
    );
    let other = merge_texts(
        "services: {web: {logging: {driver: json-file, options: {max-size: 1m}}}}",
        "services: {web: {logging: {driver: syslog, options: {tag: x}}}}",
    );
    assert_eq!(
        other["services"]["web"]["logging"],
        json!({"driver": "syslog", "options": {"tag": "x"}})
    );
}

#[test]
fn build_short_form_merges_with_long_form() {
    let merged = merge_texts(
        "services: {web: {build: ./app}}",
        "services: {web: {build: {dockerfile: Other}}}",
    );
    assert_eq!(
        merged["services"]["web"]["build"],
        json!({"context": "./app", "dockerfile": "Other"})
    );
    let merged = merge_texts(
        "services: {web: {build: {context: ., target: dev}}}",
        "services: {web: {build: ./other}}",
    );
    assert_eq!(
        merged["services"]["web"]["build"],
        json!({"context": "./other", "target": "dev"})
    );
}

#[test]
fn ulimits_entries_are_replaced_whole() {
    let merged = merge_texts(
        "services: {web: {ulimits: {nofile: {soft: 10, hard: 20}, nproc: 5}}}",
        "services: {web: {ulimits: {nofile: {soft: 15, hard: 30}}}}",
    );
    assert_eq!(
        merged["services"]["web"]["ulimits"],
        json!({"nofile": {"soft": 15, "hard": 30}, "nproc": 5})
    );
}

#[test]
fn sequences_are_deduplicated_by_their_key() {
    let merged = merge_texts(
        "services: {web: {ports: ['80:80', '80:80'], volumes: [./x:/data, cache:/cache], expose: [80], cap_add: [A], secrets: [s1], devices: ['/dev/a:/dev/x']}}",
        "services: {web: {ports: ['80:80', '90:90'], volumes: [{type: bind, source: ./y, target: /data}], expose: ['80', 80], cap_add: [A, B], secrets: [{source: s2, target: /run/secrets/s1}], devices: ['/dev/b:/dev/x']}}",
    );
    let web = &merged["services"]["web"];
    assert_eq!(web["ports"], json!(["80:80", "90:90"]));
    assert_eq!(
        web["volumes"],
        json!([{"type": "bind", "source": "./y", "target": "/data"}, "cache:/cache"])
    );
    assert_eq!(web["expose"], json!([80]));
    assert_eq!(web["cap_add"], json!(["A", "B"]));
    assert_eq!(
        web["secrets"],
        json!([{"source": "s2", "target": "/run/secrets/s1"}])
    );
    assert_eq!(web["devices"], json!(["/dev/b:/dev/x"]));
}

#[test]
fn long_ports_are_keyed_by_host_ip_published_target_and_protocol() {
    let merged = merge_texts(
        "services: {web: {ports: [{target: 80, published: '8080'}, {target: 80, published: '8080', protocol: udp}]}}",
        "services: {web: {ports: [{target: 80, published: '8080', host_ip: 0.0.0.0, mode: host}]}}",
    );
    assert_eq!(
        merged["services"]["web"]["ports"],
        json!([
            {"target": 80, "published": "8080", "host_ip": "0.0.0.0", "mode": "host"},
            {"target": 80, "published": "8080", "protocol": "udp"}
        ])
    );
}

#[test]
fn first_file_is_deduplicated_too() {
    let tree = strip_tags(parse("services: {web: {ports: ['80:80', '80:80']}}", 0));
    assert_eq!(tree.to_json()["services"]["web"]["ports"], json!(["80:80"]));
}

#[test]
fn ipam_config_merges_by_subnet() {
    let merged = merge_texts(
        "networks: {n: {ipam: {config: [{subnet: 10.0.0.0/24, gateway: 10.0.0.1}]}}}",
        "networks: {n: {ipam: {config: [{subnet: 10.0.0.0/24, ip_range: 10.0.0.0/25}, {subnet: 10.1.0.0/24}]}}}",
    );
    assert_eq!(
        merged["networks"]["n"]["ipam"]["config"],
        json!([
            {"subnet": "10.0.0.0/24", "gateway": "10.0.0.1", "ip_range": "10.0.0.0/25"},
            {"subnet": "10.1.0.0/24"}
        ])
    );
}

#[test]
fn null_override_keeps_the_base() {
    let merged = merge_texts(
        "services: {web: {image: a, environment: [A=1]}}",
        "services: {web: {image: null, environment: null}}",
    );
    assert_eq!(
        merged["services"]["web"],
        json!({"image": "a", "environment": ["A=1"]})
    );
}

#[test]
fn type_mismatch_is_an_error_at_the_override() {
    let base = strip_tags(parse("services: {web: {ports: ['80:80']}}", 0));
    let errors = merge_files(base, parse("services: {web: {ports: {a: b}}}", 1)).unwrap_err();
    assert_eq!(errors[0].message, "cannot override `services.web.ports`");
    assert_eq!(errors[0].span.source, SourceId(1));
}

#[test]
fn merged_values_keep_the_span_of_the_file_that_set_them() {
    let base = strip_tags(parse(
        "services:\n  web:\n    image: a\n    user: root\n",
        0,
    ));
    let merged = merge_files(base, parse("services:\n  web:\n    image: b\n", 1)).unwrap();
    let web = merged.get("services").unwrap().get("web").unwrap();
    assert_eq!(web.get("image").unwrap().span.source, SourceId(1));
    assert_eq!(web.get("user").unwrap().span.source, SourceId(0));
}

/// Tags the node at `keys` (the YAML stand-in parser does not keep tags yet).
fn tag_at(mut tree: Node, keys: &[&str], tag: Tag) -> Node {
    let mut node = &mut tree;
    for key in keys {
        node = node.get_mut(key).expect("path exists");
    }
    node.tag = Some(tag);
    tree
}

#[test]
fn reset_removes_and_override_replaces_the_inherited_value() {
    let base = strip_tags(parse(
        "services: {web: {image: a, ports: ['80:80'], environment: {A: '1', B: '2'}, labels: [x=1]}}",
        0,
    ));
    let over = parse(
        "services: {web: {ports: [], environment: {C: '3'}, labels: {x: null}}}",
        1,
    );
    let over = tag_at(over, &["services", "web", "ports"], Tag::Reset);
    let over = tag_at(over, &["services", "web", "environment"], Tag::Override);
    // `x: !reset` under a mapping does not reach a list-form base (as in the reference).
    let over = tag_at(over, &["services", "web", "labels", "x"], Tag::Reset);
    let merged = merge_files(base, over).unwrap();
    assert!(!has_any_tag(&merged));
    assert_eq!(
        merged.to_json()["services"]["web"],
        json!({"image": "a", "environment": {"C": "3"}, "labels": ["x=1"]})
    );
}

#[test]
fn reset_in_the_first_file_removes_the_key() {
    let tree = parse("services: {web: {image: a, ports: []}}", 0);
    let tree = tag_at(tree, &["services", "web", "ports"], Tag::Reset);
    let tree = tag_at(tree, &["services", "web", "image"], Tag::Override);
    let tree = strip_tags(tree);
    assert!(!has_any_tag(&tree));
    assert_eq!(tree.to_json(), json!({"services": {"web": {"image": "a"}}}));
}

#[test]
fn extend_service_keeps_markers_for_the_file_merge() {
    let base = parse("{image: a, ports: ['80:80'], user: root}", 0);
    let local = parse("{ports: [], environment: {Z: '1'}}", 1);
    let local = tag_at(local, &["ports"], Tag::Reset);
    let extended = extend_service(base, local).unwrap();
    assert_eq!(extended.get("ports").unwrap().tag, Some(Tag::Reset));
    let earlier = strip_tags(parse("services: {web: {ports: ['90:90'], image: b}}", 2));
    let mut file = parse("services: {web: {}}", 1);
    file.get_mut("services").unwrap().as_map_mut().unwrap()["web"].value = extended;
    let merged = merge_files(earlier, file).unwrap();
    assert_eq!(
        merged.to_json()["services"]["web"],
        json!({"image": "a", "user": "root", "environment": {"Z": "1"}})
    );
}

fn has_any_tag(node: &Node) -> bool {
    node.tag.is_some()
        || match &node.value {
            Value::Map(map) => map.values().any(|entry| has_any_tag(&entry.value)),
            Value::Seq(items) => items.iter().any(has_any_tag),
            _ => false,
        }
}
