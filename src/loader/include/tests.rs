//! Unit tests of `include`: own directory and env files, conflicts, cycles.

use super::*;
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

    fn load(&self, name: &str, environment: &[(&str, &str)]) -> Result<Node, Vec<Diagnostic>> {
        let path = self.dir.path().join(name);
        let text = std::fs::read_to_string(&path).unwrap();
        let mut sources = Sources::default();
        let source = sources.add(path.display().to_string(), text.clone());
        let environment: BTreeMap<String, String> = environment
            .iter()
            .map(|(key, value)| ((*key).to_owned(), (*value).to_owned()))
            .collect();
        let context = FileContext {
            working_dir: self.dir.path(),
            environment: &environment,
            skip: SkipStages::default(),
            include_chain: &[],
        };
        let files = [ComposeFile { path, text, source }];
        let documents = crate::loader::parse_files(&files).expect("parse");
        crate::loader::load_files(&files, documents, &context, &mut sources, &mut Vec::new())
    }
}

fn included_project() -> Project {
    Project::new(&[
        (
            "compose.yaml",
            "include:\n  - sub/compose.yaml\n  - path: lib/compose.yaml\n    env_file: lib/custom.env\nservices:\n  web: {image: nginx, depends_on: [api]}\n",
        ),
        ("sub/.env", "BARE=fromsub\n"),
        (
            "sub/compose.yaml",
            "services:\n  api: {image: api, environment: [BARE, PARENT]}\nvolumes: {cache: {}}\n",
        ),
        ("lib/custom.env", "BARE=fromlib\nPARENT=fromlib\n"),
        (
            "lib/compose.yaml",
            "services:\n  worker: {image: w, environment: [BARE, PARENT]}\n",
        ),
    ])
}

#[test]
fn included_resources_are_copied_in_with_their_own_environment() {
    let tree = included_project()
        .load("compose.yaml", &[("PARENT", "fromparent")])
        .unwrap()
        .to_json();
    assert!(tree.get("include").is_none());
    assert_eq!(
        tree["services"]["api"]["environment"],
        json!({"BARE": "fromsub", "PARENT": "fromparent"})
    );
    // As the reference prints it: the include's env file, under the parent's environment.
    assert_eq!(
        tree["services"]["worker"]["environment"],
        json!({"BARE": "fromlib", "PARENT": "fromparent"})
    );
    assert_eq!(tree["services"]["web"]["image"], json!("nginx"));
    assert_eq!(tree["volumes"], json!({"cache": {}}));
}

#[test]
fn a_different_definition_conflicts_an_identical_one_does_not() {
    let project = Project::new(&[
        (
            "sub/compose.yaml",
            "services:\n  api: {image: x}\nvolumes: {cache: {}}\n",
        ),
        (
            "a.yaml",
            "include: [sub/compose.yaml]\nservices:\n  api: {image: y}\n",
        ),
        (
            "b.yaml",
            "include: [sub/compose.yaml]\nservices:\n  api: {image: x}\nvolumes: {cache: {}}\n",
        ),
    ]);
    let errors = project.load("a.yaml", &[]).unwrap_err();
    assert_eq!(
        errors[0].message,
        "`services.api` conflicts with imported resource"
    );
    let tree = project.load("b.yaml", &[]).unwrap().to_json();
    assert_eq!(tree["services"], json!({"api": {"image": "x"}}));
}

#[test]
fn identical_definitions_are_compared_in_canonical_form() {
    let project = Project::new(&[
        (
            "sub/compose.yaml",
            "services:\n  api: {image: x, ports: ['80:80'], environment: [A=1]}\n",
        ),
        (
            "same.yaml",
            "include: [sub/compose.yaml]\nservices:\n  api:\n    image: x\n    ports: [{target: 80, published: '80'}]\n    environment: {A: '1'}\n",
        ),
        (
            "other_port.yaml",
            "include: [sub/compose.yaml]\nservices:\n  api: {image: x, ports: ['81:80'], environment: [A=1]}\n",
        ),
        // The same relative path means another directory from the including project.
        ("sub/built.yaml", "services:\n  api: {build: .}\n"),
        (
            "built.yaml",
            "include: [sub/built.yaml]\nservices:\n  api: {build: .}\n",
        ),
    ]);
    assert!(project.load("same.yaml", &[]).is_ok());
    let errors = project.load("other_port.yaml", &[]).unwrap_err();
    assert_eq!((errors[0].span.line, errors[0].span.column), (3, 3));
    let errors = project.load("built.yaml", &[]).unwrap_err();
    assert_eq!(
        errors[0].message,
        "`services.api` conflicts with imported resource"
    );
}

#[test]
fn include_cycles_are_detected() {
    let project = Project::new(&[
        (
            "c1.yaml",
            "include: [c2.yaml]\nservices:\n  q: {image: x}\n",
        ),
        (
            "c2.yaml",
            "include: [c1.yaml]\nservices:\n  r: {image: x}\n",
        ),
    ]);
    let errors = project.load("c1.yaml", &[]).unwrap_err();
    let dir = project.dir.path().display();
    assert_eq!(
        errors[0].message,
        format!(
            "include cycle detected: `{dir}/c1.yaml` includes `{dir}/c2.yaml` includes `{dir}/c1.yaml`"
        )
    );
}

#[test]
fn a_missing_included_file_is_reported() {
    let project = Project::new(&[(
        "d.yaml",
        "include: [missing.yaml]\nservices:\n  r: {image: x}\n",
    )]);
    let errors = project.load("d.yaml", &[]).unwrap_err();
    assert!(errors[0].message.starts_with("cannot read included file `"));
    assert!(
        errors[0]
            .message
            .ends_with("missing.yaml`: no such file or directory")
    );
}

#[test]
fn project_directory_sets_where_the_default_env_file_is_read() {
    let project = Project::new(&[
        (
            "compose.yaml",
            "include:\n  - path: files/compose.yaml\n    project_directory: elsewhere\n",
        ),
        ("elsewhere/.env", "BARE=elsewhere\n"),
        (
            "files/compose.yaml",
            "services:\n  api: {image: a, environment: [BARE]}\n",
        ),
    ]);
    let tree = project.load("compose.yaml", &[]).unwrap().to_json();
    assert_eq!(
        tree["services"]["api"]["environment"],
        json!({"BARE": "elsewhere"})
    );
}
