//! Golden tests of the typed model against the reference (docker compose v2.40.3):
//! every `config --format json` output under tests/fixtures/model/ (rich fixtures and the
//! awesome-compose corpus) must bind to `model::Project` and print back byte for byte,
//! and `hash::service_hash` must equal the reference's `config --hash '*'`.
//! Regenerate the goldens with tests/fixtures/model/regenerate.sh.

use std::fs;
use std::path::{Path, PathBuf};

use dk_compose::hash::service_hash;
use dk_compose::model::Project;
use dk_compose::model::json::unescape_dollars;

/// Fixtures whose `config --hash` is not comparable: the reference hashes them before
/// resolving `env_file` and bare variables, but prints them after (compose-behaviour §2.14).
const HASH_NOT_COMPARABLE: &[&str] = &["env-file"];

fn golden_files() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/model");
    let mut files = Vec::new();
    for directory in [root.clone(), root.join("corpus")] {
        for entry in fs::read_dir(&directory).expect("fixture directory") {
            let path = entry.expect("directory entry").path();
            if path
                .extension()
                .is_some_and(|extension| extension == "json")
            {
                files.push(path);
            }
        }
    }
    files.sort();
    assert!(
        files.len() > 40,
        "expected the fixtures and the corpus goldens"
    );
    files
}

/// The golden text and the project it describes (`config` doubles every `$`).
fn bind(path: &Path) -> (String, Project) {
    let text = fs::read_to_string(path).expect("golden file");
    let project: Project = serde_json::from_str(&unescape_dollars(&text))
        .unwrap_or_else(|error| panic!("{}: does not bind: {error}", path.display()));
    (text, project)
}

#[test]
fn golden_documents_round_trip_byte_for_byte() {
    let mut failures = Vec::new();
    for path in golden_files() {
        let (text, project) = bind(&path);
        let printed = project.to_config_json().expect("serialise");
        if printed != text {
            let line = printed
                .lines()
                .zip(text.lines())
                .position(|(ours, theirs)| ours != theirs)
                .unwrap_or(0);
            failures.push(format!(
                "{}: first difference at line {}:\n  ours:   {}\n  theirs: {}",
                path.display(),
                line + 1,
                printed.lines().nth(line).unwrap_or("<end>"),
                text.lines().nth(line).unwrap_or("<end>"),
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn loader_bind_accepts_every_golden_document() {
    for path in golden_files() {
        let value: serde_json::Value =
            serde_json::from_str(&fs::read_to_string(&path).expect("golden file")).expect("json");
        let project = dk_compose::loader::bind::bind(&value)
            .unwrap_or_else(|error| panic!("{}: {}", path.display(), error.message));
        let unescaped: serde_json::Value =
            serde_json::from_str(&unescape_dollars(&value.to_string())).expect("json");
        let expected = dk_compose::loader::bind::bind(&unescaped).expect("bind");
        assert_eq!(expected, bind(&path).1);
        assert!(!project.services.is_empty() || path.ends_with("empty.json"));
    }
}

#[test]
fn service_hashes_match_the_reference() {
    let mut failures = Vec::new();
    let mut compared = 0;
    for path in golden_files() {
        let stem = path
            .file_stem()
            .and_then(|stem| stem.to_str())
            .unwrap_or_default();
        if HASH_NOT_COMPARABLE.contains(&stem) {
            continue;
        }
        let (_, project) = bind(&path);
        let hashes = fs::read_to_string(path.with_extension("hash")).expect("hash golden");
        for line in hashes.lines() {
            let (name, expected) = line.split_once(' ').expect("`service hash` line");
            let service = &project.services[name];
            compared += 1;
            let actual = service_hash(service);
            if actual != expected {
                failures.push(format!("{}: service `{name}`", path.display()));
            }
        }
    }
    assert!(compared > 50, "only {compared} hashes compared");
    assert!(
        failures.is_empty(),
        "hash mismatch:\n{}",
        failures.join("\n")
    );
}
