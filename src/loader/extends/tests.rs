//! Unit tests of `extends`: same file, other file, chains, cycles and rebased paths.

use super::*;
use crate::loader::source::SourceId;
use serde_json::json;

struct Project {
    dir: tempfile::TempDir,
}

impl Project {
    fn new(files: &[(&str, &str)]) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        for (name, text) in files {
            let path = dir.path().join(name);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
        Self { dir }
    }

    fn extend(&self, name: &str) -> Result<serde_json::Value, Vec<Diagnostic>> {
        let path = self.dir.path().join(name);
        let text = std::fs::read_to_string(&path).unwrap();
        let mut sources = Sources::default();
        let source = sources.add(path.display().to_string(), text.clone());
        let tree = yaml::parse_document(&text, source).unwrap();
        let environment = BTreeMap::new();
        let context = ExtendsContext {
            file_path: &path,
            working_dir: path.parent().unwrap(),
            environment: &environment,
            skip_interpolation: false,
        };
        apply_extends(tree, &context, &mut sources, &mut Vec::new()).map(|tree| tree.to_json())
    }
}

#[test]
fn same_file_base_is_cloned_and_local_merged_over_it() {
    let project = Project::new(&[(
        "compose.yaml",
        "services:\n  base: {image: a, environment: [A=1], ports: ['80:80']}\n  web: {extends: base, environment: {B: 2}, ports: ['81:81']}\n",
    )]);
    let tree = project.extend("compose.yaml").unwrap();
    assert_eq!(
        tree["services"]["web"],
        json!({"image": "a", "environment": ["A=1", "B=2"], "ports": ["80:80", "81:81"]})
    );
    assert_eq!(
        tree["services"]["base"],
        json!({"image": "a", "environment": ["A=1"], "ports": ["80:80"]})
    );
}

#[test]
fn chains_resolve_across_files_with_paths_rebased() {
    let project = Project::new(&[
        (
            "compose.yaml",
            "services:\n  web:\n    extends: {file: sub/base.yaml, service: app}\n    environment: [LOCAL=1]\n  chain: {extends: web, image: chain}\n",
        ),
        (
            "sub/base.yaml",
            "services:\n  app:\n    extends: {file: deeper/root.yaml, service: root}\n    build: ./ctx\n    env_file: app.env\n    volumes: [./data:/data, named:/named, /abs:/abs]\n    environment: [APP=1]\nvolumes: {named: {}}\n",
        ),
        (
            "sub/deeper/root.yaml",
            "services:\n  root: {image: root, volumes: ['./rootdata:/rootdata'], labels: [from=root]}\n",
        ),
    ]);
    let tree = project.extend("compose.yaml").unwrap();
    let web = &tree["services"]["web"];
    assert_eq!(web["image"], json!("root"));
    // Short or long form, depending on whether the canonical stage has run on the base.
    let context = web["build"].get("context").unwrap_or(&web["build"]).clone();
    assert_eq!(context, json!("sub/ctx"));
    assert_eq!(paths(&web["env_file"]), ["sub/app.env"]);
    assert_eq!(
        paths(&web["volumes"]),
        ["sub/deeper/rootdata", "sub/data", "named", "/abs"]
    );
    assert_eq!(web["environment"], json!(["APP=1", "LOCAL=1"]));
    assert_eq!(tree["services"]["chain"]["image"], json!("chain"));
    assert_eq!(tree["services"]["chain"]["labels"], json!(["from=root"]));
    assert!(tree.get("volumes").is_none(), "resources are not imported");
    assert!(web.get("extends").is_none());
}

/// The paths of a string, a list of strings or `{path}`/`{source}` mappings, short
/// volume specs cut at the first `:`.
fn paths(value: &serde_json::Value) -> Vec<String> {
    let items = match value {
        serde_json::Value::Array(items) => items.clone(),
        other => vec![other.clone()],
    };
    items
        .iter()
        .map(|item| match item {
            serde_json::Value::String(text) => text.split(':').next().unwrap().to_owned(),
            other => other
                .get("path")
                .or_else(|| other.get("source"))
                .and_then(serde_json::Value::as_str)
                .unwrap()
                .to_owned(),
        })
        .collect()
}

#[test]
fn long_form_paths_are_rebased() {
    let project = Project::new(&[
        (
            "main/compose.yaml",
            "services:\n  web: {extends: {file: ../other/base.yaml, service: app}}\n",
        ),
        (
            "other/base.yaml",
            "services:\n  app:\n    image: a\n    build: {context: ctx, additional_contexts: {x: ./x, img: 'docker-image://a'}}\n    env_file: [{path: ./e.env, required: false}]\n    volumes: [{type: bind, source: ./src, target: /src}, {type: volume, source: v, target: /v}]\n",
        ),
    ]);
    let tree = project.extend("main/compose.yaml").unwrap();
    let web = &tree["services"]["web"];
    assert_eq!(
        web["build"],
        json!({"context": "../other/ctx", "additional_contexts": {"x": "../other/x", "img": "docker-image://a"}})
    );
    assert_eq!(
        web["env_file"],
        json!([{"path": "../other/e.env", "required": false}])
    );
    assert_eq!(web["volumes"][0]["source"], json!("../other/src"));
    assert_eq!(web["volumes"][1]["source"], json!("v"));
}

#[test]
fn cycles_name_the_chain_at_the_reference_closing_it() {
    let project = Project::new(&[(
        "compose.yaml",
        "services:\n  a: {extends: b, image: x}\n  b: {extends: c}\n  c: {extends: a}\n",
    )]);
    let errors = project.extend("compose.yaml").unwrap_err();
    assert_eq!(
        errors[0].message,
        "circular `extends` reference: `a` extends `b` extends `c` extends `a`"
    );
    // `c: {extends: a}` closes the cycle: the error points at its `a`.
    assert_eq!((errors[0].span.line, errors[0].span.column), (4, 16));
    let project = Project::new(&[("compose.yaml", "services:\n  a: {extends: a, image: x}\n")]);
    let errors = project.extend("compose.yaml").unwrap_err();
    assert_eq!(
        errors[0].message,
        "circular `extends` reference: `a` extends `a`"
    );
}

#[test]
fn cycles_across_files_name_the_files() {
    let project = Project::new(&[
        (
            "compose.yaml",
            "services:\n  a: {extends: {file: other.yaml, service: b}}\n",
        ),
        (
            "other.yaml",
            "services:\n  b: {extends: {file: compose.yaml, service: a}}\n",
        ),
    ]);
    let errors = project.extend("compose.yaml").unwrap_err();
    assert_eq!(
        errors[0].message,
        "circular `extends` reference: `a` (compose.yaml) extends `b` (other.yaml) extends `a` (compose.yaml)"
    );
}

#[test]
fn missing_service_or_file_is_reported_at_the_value_with_a_hint() {
    let project = Project::new(&[(
        "compose.yaml",
        "services:\n  a: {extends: wbe, image: x}\n  web: {image: y}\n",
    )]);
    let errors = project.extend("compose.yaml").unwrap_err();
    assert_eq!(
        errors[0].message,
        "cannot extend service `a`: service `wbe` not found"
    );
    assert_eq!(errors[0].hint.as_deref(), Some("did you mean `web`?"));
    assert_eq!(errors[0].span.source, SourceId(0));

    let project = Project::new(&[
        (
            "compose.yaml",
            "services:\n  a: {extends: {file: o.yaml, service: b}, image: x}\n",
        ),
        ("o.yaml", "services:\n  bb: {image: q}\n"),
    ]);
    let errors = project.extend("compose.yaml").unwrap_err();
    assert_eq!(
        errors[0].message,
        "cannot extend service `a`: service `b` not found in `o.yaml`"
    );
    assert_eq!(errors[0].hint.as_deref(), Some("did you mean `bb`?"));

    let project = Project::new(&[(
        "compose.yaml",
        "services:\n  a: {extends: {file: nofile.yaml, service: b}, image: x}\n",
    )]);
    let errors = project.extend("compose.yaml").unwrap_err();
    assert!(
        errors[0]
            .message
            .starts_with("cannot extend service `a`: cannot read `"),
        "{}",
        errors[0].message
    );
    assert!(
        errors[0]
            .message
            .ends_with("nofile.yaml`: no such file or directory")
    );
}

#[test]
fn relative_path_is_lexical() {
    assert_eq!(
        relative_path(Path::new("/a/b"), Path::new("/a/b")),
        PathBuf::from(".")
    );
    assert_eq!(
        relative_path(Path::new("/a/b"), Path::new("/a/b/c")),
        PathBuf::from("c")
    );
    assert_eq!(
        relative_path(Path::new("/a/b"), Path::new("/a/x")),
        PathBuf::from("../x")
    );
}
