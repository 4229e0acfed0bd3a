//! `publish` and `-f oci://…` against a private registry on 127.0.0.1 (Debian's
//! `docker-registry`, one per test): what we publish loads in the reference and in ours with
//! the same `config`, what the reference publishes loads in ours, and the manifests are the
//! reference's byte for byte (but the creation time); OCI 1.0 manifests; the refusals
//! (environment without `--with-env`, `build:`-only services, local `include`, a bind mount
//! answered "no") and `--dry-run` push nothing; credentials from `DOCKER_CONFIG` against
//! htpasswd auth; a missing artifact is reported; `--resolve-image-digests`; `up` on an
//! artifact says where it is stored and asks about its variables; `--app` copies the images
//! and indexes them under the Compose manifest; keys and tokens are asked about. The reference talks plain
//! HTTP only under `__TEST__INSECURE__REGISTRY__`, which its runs get.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use support::registry::{
    BasicAuth, LocalRegistry, TEST_PASSWORD, TEST_PASSWORD_HASH, TEST_USER, registry_available,
};
use support::{
    BUSYBOX_IMAGE, engine_available, ensure_test_images, output_with_stdin, unique_project,
};

fn ready() -> bool {
    if !engine_available() || !registry_available() {
        return false;
    }
    ensure_test_images();
    true
}

/// The reference binary, or `None` outside CI when it is missing.
#[allow(clippy::print_stderr)] // the note when the reference is absent
fn reference_binary() -> Option<PathBuf> {
    let candidate = std::env::var_os("REFERENCE_COMPOSE").map_or_else(
        || PathBuf::from("/root/.cache/reference-compose/2.40.3/docker-compose"),
        PathBuf::from,
    );
    if candidate.exists() {
        return Some(candidate);
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "reference compose binary not found"
    );
    eprintln!("notice: reference compose binary not found; skipping the comparison");
    None
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A project directory, its own cache directory for fetched artifacts, and a unique
/// repository name.
struct Project {
    directory: tempfile::TempDir,
    cache: tempfile::TempDir,
    repository: String,
    environment: Vec<(String, String)>,
}

impl Project {
    fn new(prefix: &str, files: &[(&str, &str)]) -> Self {
        let directory = tempfile::tempdir().unwrap();
        for (name, content) in files {
            std::fs::write(directory.path().join(name), content).unwrap();
        }
        Self {
            directory,
            cache: tempfile::tempdir().unwrap(),
            repository: format!("pub/{}", unique_project(prefix)),
            environment: Vec::new(),
        }
    }

    fn path(&self) -> &Path {
        self.directory.path()
    }

    fn command(&self, program: &Path, arguments: &[&str]) -> Command {
        let mut command = Command::new(program);
        command
            .current_dir(self.path())
            .args(arguments)
            .env("XDG_CACHE_HOME", self.cache.path())
            .env("__TEST__INSECURE__REGISTRY__", "true")
            .env_remove("COMPOSE_FILE")
            .env_remove("COMPOSE_PROJECT_NAME");
        for (key, value) in &self.environment {
            command.env(key, value);
        }
        command
    }

    fn ours(&self, arguments: &[&str]) -> Output {
        self.command(Path::new(env!("CARGO_BIN_EXE_dk-compose")), arguments)
            .output()
            .unwrap()
    }

    fn ours_with_stdin(&self, arguments: &[&str], input: &str) -> Output {
        output_with_stdin(
            &mut self.command(Path::new(env!("CARGO_BIN_EXE_dk-compose")), arguments),
            input.as_bytes(),
        )
    }

    fn reference(&self, reference: &Path, arguments: &[&str]) -> Output {
        self.command(reference, arguments).output().unwrap()
    }
}

fn succeeded(output: &Output) -> String {
    assert!(
        output.status.success(),
        "exit {:?}\nstdout: {}\nstderr: {}",
        output.status.code(),
        text(&output.stdout),
        text(&output.stderr)
    );
    text(&output.stdout)
}

/// A project with two files, an extended file and an env file.
fn sample(prefix: &str) -> Project {
    Project::new(
        prefix,
        &[
            (
                "compose.yaml",
                &format!(
                    "services:\n  web:\n    image: {BUSYBOX_IMAGE}\n    command: [\"sleep\", \"100\"]\n    env_file:\n      - web.env\n  other:\n    extends:\n      file: base.yaml\n      service: base\nvolumes:\n  data:\n"
                ),
            ),
            (
                "override.yaml",
                "services:\n  web:\n    labels:\n      a: b\n",
            ),
            (
                "base.yaml",
                &format!(
                    "services:\n  base:\n    image: {BUSYBOX_IMAGE}\n    volumes:\n      - data:/data\nvolumes:\n  data:\n"
                ),
            ),
            ("web.env", "GREETING=hello\n"),
        ],
    )
}

/// The manifest as JSON, without its creation time.
fn manifest(registry: &LocalRegistry, repository: &str, tag: &str) -> serde_json::Value {
    let (status, body) = registry
        .manifest(repository, tag)
        .expect("registry answers");
    assert_eq!(status, 200, "{body}");
    let mut value: serde_json::Value = serde_json::from_str(&body).unwrap();
    value["annotations"]
        .as_object_mut()
        .expect("annotations")
        .remove("org.opencontainers.image.created")
        .expect("created annotation");
    value
}

#[test]
fn published_artifact_loads_in_ours_and_in_the_reference() {
    if !ready() {
        return;
    }
    let registry = LocalRegistry::start();
    let project = sample("pub-load");
    let target = format!("{}/{}:v1", registry.address(), project.repository);
    let published = project.ours(&[
        "-f",
        "compose.yaml",
        "-f",
        "override.yaml",
        "publish",
        "--with-env",
        "-y",
        &target,
    ]);
    succeeded(&published);
    let stderr = text(&published.stderr);
    assert!(stderr.contains(&format!("{target} published")), "{stderr}");

    let value = manifest(&registry, &project.repository, "v1");
    assert_eq!(
        value["artifactType"],
        "application/vnd.docker.compose.project"
    );
    assert_eq!(
        value["config"]["mediaType"],
        "application/vnd.oci.empty.v1+json"
    );
    let layers = value["layers"].as_array().unwrap();
    let kinds: Vec<(&str, &str)> = layers
        .iter()
        .map(|layer| {
            (
                layer["mediaType"].as_str().unwrap(),
                layer["annotations"]["com.docker.compose.file"]
                    .as_str()
                    .or_else(|| layer["annotations"]["com.docker.compose.envfile"].as_str())
                    .unwrap(),
            )
        })
        .collect();
    assert_eq!(kinds.len(), 4, "{kinds:?}");
    assert_eq!(
        kinds[0],
        ("application/vnd.docker.compose.file+yaml", "compose.yaml")
    );
    assert_eq!(
        kinds[1],
        ("application/vnd.docker.compose.file+yaml", "override.yaml")
    );
    assert_eq!(
        layers[2]["annotations"]["com.docker.compose.extends"],
        "true"
    );
    assert_eq!(kinds[3].0, "application/vnd.docker.compose.envfile");

    let artifact = format!("oci://{target}");
    let ours = succeeded(&project.ours(&["-p", "loaded", "-f", &artifact, "config"]));
    assert!(ours.contains("GREETING: hello"), "{ours}");
    assert!(ours.contains("a: b"), "{ours}");
    assert!(ours.contains("source: data"), "{ours}");
    // The files are in the reference's cache layout: one directory per manifest digest.
    let cached: Vec<_> = std::fs::read_dir(project.cache.path().join("docker-compose"))
        .unwrap()
        .collect();
    assert_eq!(cached.len(), 1);
    if let Some(reference) = reference_binary() {
        let theirs =
            succeeded(&project.reference(&reference, &["-p", "loaded", "-f", &artifact, "config"]));
        assert_eq!(ours, theirs);
    }
}

#[test]
fn the_references_artifact_is_ours_byte_for_byte_and_loads_here() {
    if !ready() {
        return;
    }
    let Some(reference) = reference_binary() else {
        return;
    };
    let registry = LocalRegistry::start();
    let project = sample("pub-compat");
    let arguments = |target: &str| -> Vec<String> {
        [
            "-f",
            "compose.yaml",
            "-f",
            "override.yaml",
            "publish",
            "--with-env",
            "-y",
            target,
        ]
        .iter()
        .map(|argument| (*argument).to_owned())
        .collect()
    };
    let ours_target = format!("{}/{}-ours:v1", registry.address(), project.repository);
    let theirs_target = format!("{}/{}-theirs:v1", registry.address(), project.repository);
    let ours_arguments = arguments(&ours_target);
    let theirs_arguments = arguments(&theirs_target);
    succeeded(
        &project.ours(
            &ours_arguments
                .iter()
                .map(String::as_str)
                .collect::<Vec<_>>(),
        ),
    );
    succeeded(
        &project.reference(
            &reference,
            &theirs_arguments
                .iter()
                .map(String::as_str)
                .collect::<Vec<_>>(),
        ),
    );
    let ours = manifest(&registry, &format!("{}-ours", project.repository), "v1");
    let theirs = manifest(&registry, &format!("{}-theirs", project.repository), "v1");
    assert_eq!(ours, theirs);

    let artifact = format!("oci://{theirs_target}");
    let loaded_here = succeeded(&project.ours(&["-p", "x", "-f", &artifact, "config"]));
    let loaded_there =
        succeeded(&project.reference(&reference, &["-p", "x", "-f", &artifact, "config"]));
    assert_eq!(loaded_here, loaded_there);
}

#[test]
fn oci_1_0_manifests_have_the_compose_config_type_and_load() {
    if !ready() {
        return;
    }
    let registry = LocalRegistry::start();
    let project = Project::new(
        "pub-oci10",
        &[(
            "compose.yaml",
            &format!("services:\n  web:\n    image: {BUSYBOX_IMAGE}\n"),
        )],
    );
    let target = format!("{}/{}:old", registry.address(), project.repository);
    succeeded(&project.ours(&["publish", "--oci-version", "1.0", &target]));
    let value = manifest(&registry, &project.repository, "old");
    assert!(value.get("artifactType").is_none(), "{value}");
    assert_eq!(
        value["config"]["mediaType"],
        "application/vnd.docker.compose.config.empty.v1+json"
    );
    let artifact = format!("oci://{target}");
    let ours = succeeded(&project.ours(&["-p", "old", "-f", &artifact, "config", "--services"]));
    assert_eq!(ours, "web\n");
    if let Some(reference) = reference_binary() {
        let theirs = succeeded(&project.reference(
            &reference,
            &["-p", "old", "-f", &artifact, "config", "--services"],
        ));
        assert_eq!(ours, theirs);
    }
    let refused = project.ours(&["publish", "--oci-version", "2", &target]);
    assert_eq!(refused.status.code(), Some(1));
    assert!(text(&refused.stderr).contains("unsupported OCI version: 2"));
}

#[test]
fn refusals_and_dry_run_push_nothing() {
    if !ready() {
        return;
    }
    let registry = LocalRegistry::start();
    let project = Project::new(
        "pub-refuse",
        &[
            (
                "environment.yaml",
                &format!(
                    "services:\n  web:\n    image: {BUSYBOX_IMAGE}\n    environment:\n      TOKEN: abc\n"
                ),
            ),
            (
                "build.yaml",
                "services:\n  a:\n    build: .\n  b:\n    build: .\n    image: x/b\n",
            ),
            (
                "include.yaml",
                &format!(
                    "include:\n  - other.yaml\nservices:\n  web:\n    image: {BUSYBOX_IMAGE}\n"
                ),
            ),
            (
                "other.yaml",
                &format!("services:\n  other:\n    image: {BUSYBOX_IMAGE}\n"),
            ),
            (
                "bind.yaml",
                &format!(
                    "services:\n  web:\n    image: {BUSYBOX_IMAGE}\n    volumes:\n      - ./data:/data\n"
                ),
            ),
        ],
    );
    let target = format!("{}/{}:v1", registry.address(), project.repository);

    let environment = project.ours(&["-f", "environment.yaml", "publish", &target]);
    assert_eq!(environment.status.code(), Some(1));
    assert_eq!(
        text(&environment.stderr),
        "service \"web\" has environment variable(s) declared.\nTo avoid leaking sensitive data, you must either explicitly allow the sending of environment variables by using the --with-env flag,\nor remove sensitive data from your Compose configuration\n"
    );

    let build = project.ours(&["-f", "build.yaml", "publish", &target]);
    assert_eq!(build.status.code(), Some(1));
    assert!(
        text(&build.stderr).starts_with(
            "your Compose stack cannot be published as it only contains a build section for service(s):\n- \"a\"\n"
        ),
        "{}",
        text(&build.stderr)
    );

    let include = project.ours(&["-f", "include.yaml", "publish", &target]);
    assert_eq!(include.status.code(), Some(1));
    assert_eq!(
        text(&include.stderr),
        "cannot publish compose file with local includes\n"
    );

    // Asked, answered no: exit 0 and nothing pushed.
    let declined = project.ours_with_stdin(&["-f", "bind.yaml", "publish", &target], "n\n");
    assert_eq!(declined.status.code(), Some(0));
    let question = text(&declined.stdout);
    assert!(
        question.starts_with(
            "you are about to publish bind mounts declaration within your OCI artifact.\n"
        ),
        "{question}"
    );
    let source = project.path().join("data");
    assert!(
        question.contains(&format!("web{}:/data:rw\n", source.display())),
        "{question}"
    );
    assert!(question.ends_with("Are you ok to publish these bind mount declarations?"));

    // With the environment allowed and the question answered yes, but `--dry-run`.
    let dry_run = project.ours_with_stdin(
        &[
            "-f",
            "environment.yaml",
            "--dry-run",
            "publish",
            "--with-env",
            &target,
        ],
        "y\n",
    );
    assert_eq!(dry_run.status.code(), Some(0), "{}", text(&dry_run.stderr));
    assert!(text(&dry_run.stdout).contains("Service/Config  web\nTOKEN=abc\n"));
    let shown = text(&dry_run.stderr);
    assert!(
        shown.contains(&format!(" DRY-RUN MODE -  {target} published")),
        "{shown}"
    );

    assert!(
        registry.repositories().is_empty(),
        "{:?}",
        registry.repositories()
    );
}

#[test]
fn credentials_come_from_the_docker_configuration() {
    if !ready() {
        return;
    }
    let registry = LocalRegistry::start_with_auth(&BasicAuth {
        user: TEST_USER,
        bcrypt_hash: TEST_PASSWORD_HASH,
    });
    let mut project = Project::new(
        "pub-auth",
        &[(
            "compose.yaml",
            &format!("services:\n  web:\n    image: {BUSYBOX_IMAGE}\n"),
        )],
    );
    let empty_config = tempfile::tempdir().unwrap();
    project.environment = vec![(
        "DOCKER_CONFIG".to_owned(),
        empty_config.path().display().to_string(),
    )];
    let target = format!("{}/{}:v1", registry.address(), project.repository);
    let anonymous = project.ours(&["publish", &target]);
    assert_eq!(anonymous.status.code(), Some(1));
    assert!(
        text(&anonymous.stderr).contains("authentication required"),
        "{}",
        text(&anonymous.stderr)
    );

    let config = tempfile::tempdir().unwrap();
    let auth = base64_encode(&format!("{TEST_USER}:{TEST_PASSWORD}"));
    std::fs::write(
        config.path().join("config.json"),
        format!(
            "{{\"auths\":{{\"{}\":{{\"auth\":\"{auth}\"}}}}}}",
            registry.address()
        ),
    )
    .unwrap();
    project.environment = vec![(
        "DOCKER_CONFIG".to_owned(),
        config.path().display().to_string(),
    )];
    succeeded(&project.ours(&["publish", &target]));
    let loaded = succeeded(&project.ours(&[
        "-p",
        "authed",
        "-f",
        &format!("oci://{target}"),
        "config",
        "--services",
    ]));
    assert_eq!(loaded, "web\n");
}

#[test]
fn a_missing_artifact_is_reported() {
    if !ready() {
        return;
    }
    let registry = LocalRegistry::start();
    let project = Project::new("pub-missing", &[]);
    let target = format!("{}/{}", registry.address(), project.repository);
    let output = project.ours(&["-f", &format!("oci://{target}"), "config"]);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        text(&output.stderr),
        format!("failed to pull OCI resource \"{target}:latest\": {target}:latest: not found\n")
    );
}

fn base64_encode(input: &str) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(input)
}

#[test]
fn up_on_an_artifact_says_where_it_is_and_asks_about_its_variables() {
    if !ready() {
        return;
    }
    let registry = LocalRegistry::start();
    let mut project = Project::new(
        "pub-up",
        &[(
            "compose.yaml",
            "services:\n  web:\n    image: ${IMAGE}\n    command: [\"sleep\", \"${NAP:-100}\"]\n",
        )],
    );
    project.environment = vec![("IMAGE".to_owned(), BUSYBOX_IMAGE.to_owned())];
    let target = format!("{}/{}:v1", registry.address(), project.repository);
    succeeded(&project.ours(&["publish", &target]));
    let guard = support::ProjectGuard::unique("pub-up");
    let artifact = format!("oci://{target}");
    let arguments = [
        "-p",
        guard.name.as_str(),
        "-f",
        artifact.as_str(),
        "up",
        "-d",
    ];

    let declined = project.ours_with_stdin(&arguments, "n\n");
    assert_eq!(declined.status.code(), Some(1));
    let shown = text(&declined.stdout);
    assert!(
        shown.starts_with(&format!(
            "Your compose stack \"{artifact}\" is stored in \""
        )),
        "{shown}"
    );
    assert!(
        shown.contains(&format!(
            "\nFound the following variables in configuration:\nVARIABLE   VALUE{}SOURCE         REQUIRED   DEFAULT\n",
            " ".repeat(BUSYBOX_IMAGE.len() - 5 + 3)
        )),
        "{shown}"
    );
    assert!(shown.contains("NAP        100"), "{shown}");
    assert!(shown.ends_with("Do you want to proceed with these variables? [Y/n]: "));
    assert_eq!(text(&declined.stderr), "operation cancelled by user\n");
    let (containers, _, _) = support::project_leftovers(&guard.name);
    assert!(containers.is_empty(), "{containers:?}");

    let accepted = project.ours(&[&arguments[..], &["-y"]].concat());
    succeeded(&accepted);
    let command = support::docker(&[
        "inspect",
        "--format",
        "{{json .Config.Cmd}}",
        &format!("{}-web-1", guard.name),
    ]);
    assert_eq!(command.trim(), r#"["sleep","100"]"#);
}

#[test]
fn resolve_image_digests_adds_the_pinned_images() {
    if !ready() {
        return;
    }
    let registry = LocalRegistry::start();
    let mut images = support::registry::ImageGuard::new();
    let project_repository = format!("pub/{}", unique_project("pub-digest-image"));
    let image = images.track(format!("{}/{project_repository}:1", registry.address()));
    support::docker(&["tag", BUSYBOX_IMAGE, &image]);
    support::docker(&["push", "-q", &image]);
    let project = Project::new(
        "pub-digest",
        &[(
            "compose.yaml",
            &format!("services:\n  web:\n    image: {image}\n"),
        )],
    );
    let target = format!("{}/{}:v1", registry.address(), project.repository);
    succeeded(&project.ours(&["publish", "--resolve-image-digests", &target]));
    let value = manifest(&registry, &project.repository, "v1");
    let layers = value["layers"].as_array().unwrap();
    assert_eq!(layers.len(), 2);
    assert_eq!(
        layers[1]["annotations"]["com.docker.compose.file"],
        "image-digests.yaml"
    );
    let loaded = succeeded(&project.ours(&[
        "-p",
        "pinned",
        "-f",
        &format!("oci://{target}"),
        "config",
        "--images",
    ]));
    assert!(loaded.starts_with(&format!("{image}@sha256:")), "{loaded}");
    if let Some(reference) = reference_binary() {
        let theirs_target = format!("{}/{}-theirs:v1", registry.address(), project.repository);
        succeeded(&project.reference(
            &reference,
            &["publish", "--resolve-image-digests", &theirs_target],
        ));
        let theirs = manifest(&registry, &format!("{}-theirs", project.repository), "v1");
        assert_eq!(value, theirs);
    }
}

#[test]
fn app_copies_the_images_and_indexes_them_under_the_compose_manifest() {
    if !ready() {
        return;
    }
    let registry = LocalRegistry::start();
    let mut images = support::registry::ImageGuard::new();
    let image_repository = format!("pub/{}", unique_project("pub-app-image"));
    let image = images.track(format!("{}/{image_repository}:1", registry.address()));
    support::docker(&["tag", BUSYBOX_IMAGE, &image]);
    support::docker(&["push", "-q", &image]);
    let project = Project::new(
        "pub-app",
        &[(
            "compose.yaml",
            &format!("services:\n  web:\n    image: {image}\n"),
        )],
    );
    let target = format!("{}/{}:v1", registry.address(), project.repository);
    succeeded(&project.ours(&["publish", "--app", &target]));

    let docker_manifest = "application/vnd.docker.distribution.manifest.v2+json";
    let (status, image_manifest) = registry
        .manifest_as(&image_repository, "1", docker_manifest)
        .unwrap();
    assert_eq!(status, 200);
    let image_digest = sha256_digest(image_manifest.as_bytes());
    // The image, by digest, in the artifact's repository.
    let (status, copied) = registry
        .manifest_as(&project.repository, &image_digest, docker_manifest)
        .unwrap();
    assert_eq!(status, 200);
    assert_eq!(copied, image_manifest);
    // The index of the images, its subject the Compose manifest, by digest.
    let (_, compose_manifest) = registry.manifest(&project.repository, "v1").unwrap();
    let expected_index = format!(
        concat!(
            r#"{{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","#,
            r#""manifests":[{{"mediaType":"{}","digest":"{}","size":{},"#,
            r#""annotations":{{"containerd.io/distribution.source.127.0.0.1":"{}"}}}}],"#,
            r#""subject":{{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"{}","size":{},"#,
            r#""annotations":{{"com.docker.compose.version":"2.40.3"}},"artifactType":"application/vnd.docker.compose.project"}},"#,
            r#""annotations":{{"com.docker.compose.version":"2.40.3"}}}}"#
        ),
        docker_manifest,
        image_digest,
        image_manifest.len(),
        image_repository,
        sha256_digest(compose_manifest.as_bytes()),
        compose_manifest.len()
    );
    let (status, index) = registry
        .manifest_as(
            &project.repository,
            &sha256_digest(expected_index.as_bytes()),
            "application/vnd.oci.image.index.v1+json",
        )
        .unwrap();
    assert_eq!(status, 200, "{index}");
    assert_eq!(index, expected_index);
    // `--app` pins the images, and the artifact still loads.
    let loaded = succeeded(&project.ours(&[
        "-p",
        "app",
        "-f",
        &format!("oci://{target}"),
        "config",
        "--images",
    ]));
    assert_eq!(loaded, format!("{image}@{image_digest}\n"));
}

fn sha256_digest(bytes: &[u8]) -> String {
    use sha2::Digest as _;
    format!("sha256:{}", hex::encode(sha2::Sha256::digest(bytes)))
}

#[test]
fn keys_and_tokens_are_asked_about_before_anything_is_pushed() {
    if !ready() {
        return;
    }
    let registry = LocalRegistry::start();
    let project = Project::new(
        "pub-secrets",
        &[
            (
                "compose.yaml",
                &format!(
                    "services:\n  web:\n    image: {BUSYBOX_IMAGE}\n    environment:\n      AWS_ACCESS_KEY_ID: AKIAABCDEFGHIJKLMNOP\n      PLAIN: example\n    env_file: web.env\n"
                ),
            ),
            (
                "web.env",
                "GITHUB_TOKEN=ghp_1234567890abcdefghijklmnopqrstuvwxyz\n",
            ),
        ],
    );
    let target = format!("{}/{}:v1", registry.address(), project.repository);
    let declined = project.ours_with_stdin(&["publish", "--with-env", &target], "n\n");
    assert_eq!(declined.status.code(), Some(0));
    let expected = "you are about to publish sensitive data within your OCI artifact.\nplease double check that you are not leaking sensitive data\nAWS Client ID\n\"services.web.environment.AWS_ACCESS_KEY_ID\": AKIAABCDEFGHIJKLMNOP\nGithub authentication\n\"GITHUB_TOKEN\": ghp_1234567890abcdefghijklmnopqrstuvwxyz\nAre you ok to publish these sensitive data?";
    assert_eq!(text(&declined.stdout), expected);
    if let Some(reference) = reference_binary() {
        let theirs = output_with_stdin(
            &mut project.command(&reference, &["publish", "--with-env", &target]),
            b"n\n",
        );
        assert_eq!(text(&theirs.stdout), expected);
    }
    assert!(registry.repositories().is_empty());
}
