//! `.env` parsing and compose-file interpolation against answers recorded from the reference
//! (docker compose v2.40.3). Fixtures: `tests/fixtures/env/*.env` with a `.json` holding the
//! reference's values (and its error text), `tests/fixtures/interpolation/*.yaml` + `.json`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use dk_compose::loader::dotenv;
use dk_compose::loader::interpolate::{
    Variable, extract_variables, interpolate_tree, render_variables_json, render_variables_table,
};
use dk_compose::loader::node::{Node, PathSegment};
use dk_compose::loader::{Diagnostic, SourceId, Span, yaml};
use indexmap::IndexMap;
use serde_json::{Value as Json, json};

fn fixtures(kind: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(kind)
}

fn read_json(path: &Path) -> Json {
    let text = std::fs::read_to_string(path).expect("fixture readable");
    serde_json::from_str(&text).expect("fixture is JSON")
}

fn position(diagnostic: &Diagnostic) -> String {
    format!(
        "{}:{}: {}",
        diagnostic.span.line, diagnostic.span.column, diagnostic.message
    )
}

/// The OS environment of every env-file case: `OSV=fromos` (as in the recorded runs).
fn os_lookup(name: &str) -> Option<String> {
    (name == "OSV").then(|| "fromos".to_owned())
}

#[test]
fn env_files_parse_as_the_reference_does() {
    let mut cases = 0;
    let mut entries: Vec<_> = std::fs::read_dir(fixtures("env"))
        .expect("env fixtures")
        .map(|entry| entry.expect("entry").path())
        .filter(|path| path.extension().is_some_and(|extension| extension == "env"))
        .collect();
    entries.sort();
    for path in entries {
        cases += 1;
        let name = path.display().to_string();
        let text = std::fs::read_to_string(&path).expect("env fixture readable");
        let expected = read_json(&path.with_extension("json"));
        let mut out = IndexMap::new();
        let mut warnings = Vec::new();
        let result = dotenv::parse_into(&text, SourceId(0), &os_lookup, &mut out, &mut warnings);
        match (&result, expected.get("values"), expected.get("error")) {
            (Ok(()), Some(values), None) => {
                let actual: serde_json::Map<String, Json> = out
                    .iter()
                    .map(|(key, value)| (key.clone(), Json::String(value.clone())))
                    .collect();
                assert_eq!(&Json::Object(actual), values, "{name}");
            }
            (Err(diagnostic), None, Some(error)) => {
                assert_eq!(
                    Some(position(diagnostic).as_str()),
                    error.as_str(),
                    "{name}"
                );
            }
            _ => panic!("{name}: unexpected outcome {result:?} for {expected}"),
        }
        let expected_warnings = expected.get("warnings").cloned().unwrap_or(json!([]));
        let actual_warnings: Vec<String> = warnings.iter().map(position).collect();
        assert_eq!(json!(actual_warnings), expected_warnings, "{name}");
    }
    assert!(cases >= 14, "all env fixtures ran");
}

#[test]
fn env_file_keeps_the_signature_used_by_discovery() {
    let lookup = |name: &str| (name == "HOME_DIR").then(|| "/home/me".to_owned());
    let parsed = dotenv::parse(
        "DATA=${HOME_DIR}/data\nexport  NAME='x'\n",
        SourceId(0),
        &lookup,
    )
    .expect("valid env file");
    assert_eq!(
        parsed.get("DATA").map(String::as_str),
        Some("/home/me/data")
    );
    assert_eq!(parsed.get("NAME").map(String::as_str), Some("x"));
}

/// Several env files share one map (compose-go `GetEnvFromFile`): a key redefined by a later
/// file is what that file's later lines see, while the OS environment wins over both.
#[test]
fn env_files_share_one_map_and_the_os_wins() {
    let mut out = IndexMap::new();
    let mut warnings = Vec::new();
    dotenv::parse_into(
        "P=1\nOSV=file\n",
        SourceId(0),
        &os_lookup,
        &mut out,
        &mut warnings,
    )
    .expect("first file");
    dotenv::parse_into(
        "P=2\nQ=$P\nR=$OSV\n",
        SourceId(1),
        &os_lookup,
        &mut out,
        &mut warnings,
    )
    .expect("second file");
    assert_eq!(out.get("Q").map(String::as_str), Some("2"));
    assert_eq!(out.get("R").map(String::as_str), Some("fromos"));
}

fn environment(expected: &Json) -> BTreeMap<String, String> {
    expected["environment"]
        .as_object()
        .expect("environment object")
        .iter()
        .map(|(key, value)| (key.clone(), value.as_str().unwrap_or_default().to_owned()))
        .collect()
}

/// `services.web.ports[0].target` → path segments.
fn path(text: &str) -> Vec<PathSegment> {
    let mut segments = Vec::new();
    for part in text.split('.') {
        let mut pieces = part.split('[');
        let key = pieces.next().unwrap_or_default();
        if !key.is_empty() {
            segments.push(PathSegment::Key(key.to_owned()));
        }
        for index in pieces {
            let index = index.trim_end_matches(']').parse().expect("index");
            segments.push(PathSegment::Index(index));
        }
    }
    segments
}

fn load_fixture(name: &str) -> (Node, Json) {
    let directory = fixtures("interpolation");
    let text = std::fs::read_to_string(directory.join(format!("{name}.yaml"))).expect("yaml");
    let tree = yaml::parse_document(&text, SourceId(0)).expect("valid YAML");
    (tree, read_json(&directory.join(format!("{name}.json"))))
}

/// Diagnostics expected as `[path, message]`: the span must be the string node's own span.
fn assert_diagnostics(tree: &Node, actual: &[Diagnostic], expected: &Json, name: &str) {
    let expected = expected.as_array().expect("array of [path, message]");
    assert_eq!(actual.len(), expected.len(), "{name}: {actual:#?}");
    for (diagnostic, pair) in actual.iter().zip(expected) {
        let at = pair[0].as_str().expect("path");
        assert_eq!(
            Some(diagnostic.message.as_str()),
            pair[1].as_str(),
            "{name}"
        );
        let node = tree.find(&path(at)).expect("path exists in the fixture");
        assert_eq!(diagnostic.span, node.span, "{name}: span of {at}");
    }
}

#[test]
fn every_interpolation_form_matches_the_reference() {
    let (tree, expected) = load_fixture("forms");
    let mut warnings = Vec::new();
    let result = interpolate_tree(tree.clone(), &environment(&expected), &mut warnings)
        .expect("forms interpolate");
    assert_eq!(
        result.get("x-values").expect("x-values").to_json(),
        expected["x-values"]
    );
    for key in [
        "services.web.image",
        "services.web.environment",
        "services.web.labels",
    ] {
        let node = result.find(&path(key)).expect("path in result");
        assert_eq!(node.to_json(), expected[key], "{key}");
    }
    assert_diagnostics(&tree, &warnings, &expected["warnings"], "forms warnings");
}

#[test]
fn casts_follow_the_reference_table() {
    let (tree, expected) = load_fixture("casts");
    let mut warnings = Vec::new();
    let result = interpolate_tree(tree.clone(), &environment(&expected), &mut warnings)
        .expect("casts interpolate");
    for (key, value) in expected["values"].as_object().expect("values") {
        let node = result.find(&path(key)).expect("path in result");
        assert_eq!(&node.to_json(), value, "{key}");
    }
    assert_diagnostics(&tree, &warnings, &expected["warnings"], "casts warnings");
}

#[test]
fn all_errors_are_reported_with_their_paths() {
    let (tree, expected) = load_fixture("errors");
    let mut warnings = Vec::new();
    let errors = interpolate_tree(tree.clone(), &environment(&expected), &mut warnings)
        .expect_err("errors fixture fails");
    assert_diagnostics(&tree, &errors, &expected["errors"], "errors");
    assert_eq!(
        errors[0].hint.as_deref(),
        Some("you may need to escape any `$` with another `$`")
    );
}

/// Exact line:column with hand-placed spans (independent of the YAML parser): the
/// diagnostic points at the string that failed or first used the unset variable.
#[test]
fn diagnostics_carry_the_string_position() {
    let source = SourceId(3);
    let string = |text: &str, line, column| Node::string(text, Span::new(source, line, column));
    let mut services = IndexMap::new();
    let mut web = IndexMap::new();
    web.insert(
        "image".to_owned(),
        entry(string("app:${TAG}", 3, 12), Span::new(source, 3, 5)),
    );
    web.insert(
        "command".to_owned(),
        entry(string("run $TAG ${OTHER}", 4, 14), Span::new(source, 4, 5)),
    );
    web.insert(
        "user".to_owned(),
        entry(
            string("${WHO:?who runs it}", 5, 11),
            Span::new(source, 5, 5),
        ),
    );
    services.insert(
        "web".to_owned(),
        entry(map(web, Span::new(source, 3, 5)), Span::new(source, 2, 3)),
    );
    let mut root = IndexMap::new();
    root.insert(
        "services".to_owned(),
        entry(
            map(services, Span::new(source, 2, 3)),
            Span::new(source, 1, 1),
        ),
    );
    let tree = map(root, Span::new(source, 1, 1));

    let mut warnings = Vec::new();
    let errors = interpolate_tree(tree, &BTreeMap::new(), &mut warnings).expect_err("WHO unset");
    let errors: Vec<String> = errors.iter().map(position).collect();
    assert_eq!(
        errors,
        [
            "5:11: error while interpolating services.web.user: required variable `WHO` is missing a value: who runs it"
        ]
    );
    let warnings: Vec<String> = warnings.iter().map(position).collect();
    assert_eq!(
        warnings,
        [
            "3:12: the `TAG` variable is not set, defaulting to a blank string",
            "4:14: the `OTHER` variable is not set, defaulting to a blank string",
        ]
    );
}

fn entry(value: Node, key_span: Span) -> dk_compose::loader::node::Entry {
    dk_compose::loader::node::Entry { key_span, value }
}

fn map(entries: IndexMap<String, dk_compose::loader::node::Entry>, span: Span) -> Node {
    Node::new(
        dk_compose::loader::node::Value::Map(entries.into_iter().collect()),
        span,
    )
}

#[test]
fn unset_warnings_are_not_repeated_across_files() {
    let first = Node::from_json(&json!({"services": {"a": {"image": "${TAG}"}}}));
    let second = Node::from_json(&json!({"services": {"b": {"image": "${TAG}"}}}));
    let mut warnings = Vec::new();
    interpolate_tree(first, &BTreeMap::new(), &mut warnings).expect("first");
    interpolate_tree(second, &BTreeMap::new(), &mut warnings).expect("second");
    assert_eq!(warnings.len(), 1);
}

fn variable(name: &str, required: bool, default: &str, alternate: &str) -> Variable {
    Variable {
        name: name.into(),
        required,
        default_value: default.into(),
        alternate_value: alternate.into(),
    }
}

/// The compose file of the recorded `config --variables` run.
fn variables_tree() -> Node {
    Node::from_json(&json!({
        "services": {"web": {
            "image": "img${TAG:-latest}",
            "environment": [
                "A=${REQ:?need it}",
                "B=${ALT:+yes}$PLAIN",
                "C=${\u{17f}:-x} ${BAD",
                "D=${X:-${Y:-z}}   ${W-d}  ${LONGNAMEVARIABLEXXXXXXXX:-a default value that is long}",
                "E=$$ESCAPED",
            ],
        }}
    }))
}

#[test]
fn variables_are_extracted_as_the_reference_does() {
    let variables = extract_variables(&variables_tree());
    assert_eq!(
        variables,
        vec![
            variable("", false, "", ""),
            variable("ALT", false, "", "yes"),
            variable(
                "LONGNAMEVARIABLEXXXXXXXX",
                false,
                "a default value that is long",
                ""
            ),
            variable("PLAIN", false, "", ""),
            variable("REQ", true, "", ""),
            variable("TAG", false, "latest", ""),
            variable("W", false, "d", ""),
            variable("X", false, "${Y:-z}", ""),
            variable("Y", false, "z", ""),
            variable("\u{17f}:-x", false, "", ""),
        ]
    );
}

#[test]
fn variables_table_matches_the_reference_layout() {
    let variables = extract_variables(&variables_tree());
    // Recorded from `docker compose config --variables` (rows sorted here; the reference's
    // order is random), trailing spaces included.
    let expected = "\
NAME                       REQUIRED            DEFAULT VALUE                  ALTERNATE VALUE
                           false                                              \n\
ALT                        false                                              yes
LONGNAMEVARIABLEXXXXXXXX   false               a default value that is long   \n\
PLAIN                      false                                              \n\
REQ                        true                                               \n\
TAG                        false               latest                         \n\
W                          false               d                              \n\
X                          false               ${Y:-z}                        \n\
Y                          false               z                              \n\
\u{17f}:-x                       false                                              \n";
    assert_eq!(render_variables_table(&variables), expected);
    let small = render_variables_table(&[variable("A", false, "", "")]);
    assert_eq!(
        small,
        "NAME                REQUIRED            DEFAULT VALUE       ALTERNATE VALUE\nA                   false                                   \n"
    );
}

#[test]
fn variables_json_matches_the_reference_layout() {
    let json = render_variables_json(&[variable("TAG", false, "latest", "")]);
    assert_eq!(
        json,
        "{\n    \"TAG\": {\n        \"Name\": \"TAG\",\n        \"DefaultValue\": \"latest\",\n        \"PresenceValue\": \"\",\n        \"Required\": false\n    }\n}\n\n"
    );
}
