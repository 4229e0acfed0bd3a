//! `pull`, `push` and `pull_policy` against a private registry on 127.0.0.1 (Debian's
//! `docker-registry`, started per test on a free port): a built image pushed, removed and
//! pulled back; `up` with `pull_policy` always/missing/never and `--pull`; pulls that must
//! fail cleanly (service and image named, nothing created) for `pull`, `up` and `run`;
//! `--ignore-pull-failures`, `--ignore-buildable`, `--ignore-push-failures`; credentials from
//! a `DOCKER_CONFIG` directory (`auths` and a `credHelpers` helper) against htpasswd auth.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use support::registry::{
    BasicAuth, ImageGuard, LocalRegistry, TEST_PASSWORD, TEST_PASSWORD_HASH, TEST_USER,
    registry_available,
};
use support::{
    BUSYBOX_IMAGE, ProjectGuard, docker, docker_output, engine_available, ensure_test_images,
    project_leftovers, unique_project,
};

fn ready() -> bool {
    if !engine_available() || !registry_available() {
        return false;
    }
    ensure_test_images();
    true
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// One project directory with its compose file, a unique name and cleanup on drop.
struct Stack {
    guard: ProjectGuard,
    directory: tempfile::TempDir,
    environment: Vec<(String, String)>,
}

impl Stack {
    fn new(prefix: &str, compose: &str) -> Self {
        let guard = ProjectGuard::unique(prefix);
        let directory = tempfile::tempdir().unwrap();
        std::fs::write(directory.path().join("compose.yaml"), compose).unwrap();
        std::fs::write(
            directory.path().join("Dockerfile"),
            // A mark unique to the stack: images built by concurrent tests never share an id.
            format!(
                "FROM {BUSYBOX_IMAGE}\nARG MARK={}\nRUN echo \"$MARK\" > /mark\n",
                guard.name
            ),
        )
        .unwrap();
        Self {
            guard,
            directory,
            environment: Vec::new(),
        }
    }

    fn name(&self) -> &str {
        &self.guard.name
    }

    fn path(&self) -> &Path {
        self.directory.path()
    }

    fn with_environment(mut self, key: &str, value: &str) -> Self {
        self.environment.push((key.to_owned(), value.to_owned()));
        self
    }

    fn ours(&self, arguments: &[&str]) -> Output {
        let mut command = Command::new(env!("CARGO_BIN_EXE_dk-compose"));
        command
            .current_dir(self.path())
            .args(["-p", self.name()])
            .args(arguments)
            .env("NO_COLOR", "1")
            .env("COMPOSE_PROGRESS", "plain")
            .env_remove("COMPOSE_PROJECT_NAME")
            .stdin(Stdio::null());
        for (key, value) in &self.environment {
            command.env(key, value);
        }
        command.output().unwrap()
    }

    fn ours_ok(&self, arguments: &[&str]) -> Output {
        let output = self.ours(arguments);
        assert!(
            output.status.success(),
            "dk-compose {arguments:?} failed:\n{}{}",
            text(&output.stdout),
            text(&output.stderr)
        );
        output
    }

    fn nothing_created(&self) {
        assert_eq!(
            project_leftovers(self.name()),
            (Vec::new(), Vec::new(), Vec::new()),
            "something was created"
        );
    }
}

fn image_exists(image: &str) -> bool {
    docker_output(&["image", "inspect", image]).status.success()
}

/// `repository` on `registry`, unique to this test: `127.0.0.1:<port>/<unique>/<name>`.
fn unique_repository(registry: &LocalRegistry, name: &str) -> (String, String) {
    let path = format!("{}/{name}", unique_project("repo"));
    (format!("{}/{path}", registry.address()), path)
}

/// Puts the test image into the registry as `repository:tag` (with the docker CLI).
fn seed_registry(images: &mut ImageGuard, repository: &str, tag: &str) -> String {
    let image = images.track(format!("{repository}:{tag}"));
    docker(&["tag", BUSYBOX_IMAGE, &image]);
    docker(&["push", &image]);
    docker(&["image", "rm", &image]);
    image
}

#[test]
fn a_pushed_image_is_pulled_back() {
    if !ready() {
        return;
    }
    let registry = LocalRegistry::start();
    let mut images = ImageGuard::new();
    let (repository, path) = unique_repository(&registry, "busybox");
    let image = images.track(format!("{repository}:latest"));
    let extra_tag = images.track(format!("{repository}:v2"));
    let stack = Stack::new(
        "pushpull",
        &format!(
            "services:\n  app:\n    image: {image}\n    build:\n      context: .\n      args: {{MARK: {path}}}\n      tags: [\"{extra_tag}\"]\n  plain:\n    image: {BUSYBOX_IMAGE}\n"
        ),
    );
    stack.ours_ok(&["build", "--quiet"]);
    let pushed = stack.ours_ok(&["push"]);
    let stderr = text(&pushed.stderr);
    assert!(stderr.contains(" plain Skipped"), "{stderr}");
    assert!(
        stderr.contains(&format!(" Pushing {image} Pushed")),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!(" Pushing {extra_tag} Pushed")),
        "{stderr}"
    );
    assert_eq!(registry.tags(&path), ["latest", "v2"]);

    docker(&["image", "rm", &image, &extra_tag]);
    assert!(!image_exists(&image));
    let pulled = stack.ours_ok(&["pull", "app"]);
    let stderr = text(&pulled.stderr);
    assert!(stderr.contains(" app Pulling"), "{stderr}");
    assert!(stderr.contains(" app Pulled"), "{stderr}");
    // The layers' lines come under the service (`Already exists` when BuildKit's store
    // still holds the layer the build made, `Pull complete` otherwise).
    assert!(
        stderr.contains("Pull complete") || stderr.contains("Already exists"),
        "{stderr}"
    );
    assert!(image_exists(&image));
    assert_eq!(
        docker(&["run", "--rm", &image, "cat", "/mark"]),
        path,
        "not the pushed image"
    );

    // `-q` keeps the service lines but drops the layers.
    docker(&["image", "rm", &image]);
    let quiet = stack.ours_ok(&["pull", "-q", "app"]);
    let stderr = text(&quiet.stderr);
    assert!(stderr.contains(" app Pulled"), "{stderr}");
    assert!(
        !stderr.contains("Pull complete") && !stderr.contains("Already exists"),
        "{stderr}"
    );
    stack.nothing_created();
}

#[test]
fn up_honours_pull_policies() {
    if !ready() {
        return;
    }
    let registry = LocalRegistry::start();
    let mut images = ImageGuard::new();
    let (repository, _) = unique_repository(&registry, "busybox");
    let image = seed_registry(&mut images, &repository, "1.0");
    let compose = |policy: &str| {
        format!(
            "services:\n  app:\n    image: {image}\n    pull_policy: {policy}\n    command: [\"sleep\", \"300\"]\n"
        )
    };

    // never: the missing image is an error naming the service and the image; nothing made.
    let never = Stack::new("policy-never", &compose("never"));
    let output = never.ours(&["up", "-d"]);
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "service `app`: image `{image}` is not available locally and cannot be pulled: no such image, and the pull policy is `never`"
        )),
        "{stderr}"
    );
    never.nothing_created();
    // `--pull missing` overrides the policy.
    let output = never.ours_ok(&["up", "-d", "--pull", "missing"]);
    assert!(
        text(&output.stderr).contains(" app Pulled"),
        "{}",
        text(&output.stderr)
    );
    assert_eq!(
        docker(&[
            "inspect",
            "--format",
            "{{.State.Running}}",
            &format!("{}-app-1", never.name())
        ]),
        "true"
    );
    never.ours_ok(&["down"]);

    // missing: present now, so nothing is pulled.
    let missing = Stack::new("policy-missing", &compose("missing"));
    let output = missing.ours_ok(&["up", "-d"]);
    assert!(
        !text(&output.stderr).contains("Pulling"),
        "{}",
        text(&output.stderr)
    );
    // Removed locally: pulled again.
    missing.ours_ok(&["down"]);
    docker(&["image", "rm", &image]);
    let output = missing.ours_ok(&["create"]);
    assert!(
        text(&output.stderr).contains(" app Pulled"),
        "{}",
        text(&output.stderr)
    );
    missing.ours_ok(&["down"]);

    // always: pulled although present; `--pull never` overrides it.
    let always = Stack::new("policy-always", &compose("always"));
    let output = always.ours_ok(&["up", "-d"]);
    assert!(
        text(&output.stderr).contains(" app Pulled"),
        "{}",
        text(&output.stderr)
    );
    let output = always.ours_ok(&["up", "-d", "--pull", "never"]);
    assert!(
        !text(&output.stderr).contains("Pulling"),
        "{}",
        text(&output.stderr)
    );
    // `run` honours the policy, and `--pull` too.
    let output = always.ours_ok(&["run", "--rm", "app", "true"]);
    assert!(
        text(&output.stderr).contains(" app Pulled"),
        "{}",
        text(&output.stderr)
    );
    let output = always.ours_ok(&["run", "--rm", "--pull", "missing", "app", "true"]);
    assert!(
        !text(&output.stderr).contains("Pulling"),
        "{}",
        text(&output.stderr)
    );
    always.ours_ok(&["down"]);

    // A refresh policy pulls what is missing.
    docker(&["image", "rm", &image]);
    let daily = Stack::new("policy-daily", &compose("daily"));
    let output = daily.ours_ok(&["up", "-d"]);
    assert!(
        text(&output.stderr).contains(" app Pulled"),
        "{}",
        text(&output.stderr)
    );
    // Present and tagged just now: not pulled again.
    let output = daily.ours_ok(&["up", "-d"]);
    assert!(
        !text(&output.stderr).contains("Pulling"),
        "{}",
        text(&output.stderr)
    );
    daily.ours_ok(&["down"]);
}

#[test]
fn a_pull_that_cannot_succeed_fails_cleanly() {
    if !ready() {
        return;
    }
    let registry = LocalRegistry::start();
    let (repository, _) = unique_repository(&registry, "nothere");
    let image = format!("{repository}:1");
    let stack = Stack::new(
        "pull-fails",
        &format!(
            "services:\n  web:\n    image: {image}\n    depends_on: [helper]\n  helper:\n    image: {BUSYBOX_IMAGE}\n    pull_policy: never\n    command: [\"sleep\", \"300\"]\n"
        ),
    );
    let expected =
        format!("service `web`: cannot pull image `{image}`: manifest for {image} not found");
    let output = stack.ours(&["pull"]);
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains(" web Error manifest for"), "{stderr}");
    assert!(stderr.contains(" helper Skipped"), "{stderr}");
    assert!(stderr.contains(&expected), "{stderr}");
    // Named services only, unless `--include-deps`.
    let output = stack.ours(&["pull", "web"]);
    assert!(
        !text(&output.stderr).contains("helper"),
        "{}",
        text(&output.stderr)
    );
    let output = stack.ours(&["pull", "--include-deps", "web"]);
    assert!(
        text(&output.stderr).contains(" helper Skipped"),
        "{}",
        text(&output.stderr)
    );

    let unavailable = format!(
        "service `web`: image `{image}` is not available locally and cannot be pulled: manifest for {image} not found"
    );
    for arguments in [
        &["up", "-d"][..],
        &["create"],
        &["run", "--rm", "web", "true"],
    ] {
        let output = stack.ours(arguments);
        let stderr = text(&output.stderr);
        assert_eq!(output.status.code(), Some(1), "{arguments:?}: {stderr}");
        assert!(stderr.contains(&unavailable), "{arguments:?}: {stderr}");
        stack.nothing_created();
    }
}

#[test]
fn pull_failures_can_be_ignored() {
    if !ready() {
        return;
    }
    let registry = LocalRegistry::start();
    let mut images = ImageGuard::new();
    let (repository, _) = unique_repository(&registry, "busybox");
    let good = seed_registry(&mut images, &repository, "good");
    let bad = format!("{repository}:bad");
    let built = images.track(format!("{repository}:built"));
    let stack = Stack::new(
        "pull-ignore",
        &format!(
            "services:\n  good:\n    image: {good}\n  bad:\n    image: {bad}\n  built:\n    image: {built}\n    build: .\n  twin:\n    image: {good}\n"
        ),
    );
    // Without `--ignore-pull-failures` the failure ends the command (and may cut the other
    // pulls: `pull_failure_cuts_the_other_pulls`).
    let output = stack.ours(&["pull"]);
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains(" bad Error manifest for"), "{stderr}");
    assert!(stderr.contains("service `bad`"), "{stderr}");
    assert!(!stderr.contains("service `built`"), "{stderr}");

    if image_exists(&good) {
        docker(&["image", "rm", &good]);
    }
    let output = stack.ours(&["pull", "--ignore-pull-failures"]);
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains(" bad Error manifest for"), "{stderr}");
    // Pulls are not interrupted by another's failure; an image is pulled once.
    assert!(stderr.contains(" good Pulled"), "{stderr}");
    assert!(image_exists(&good));
    assert!(
        stderr.contains(" twin Skipped - Image is already being pulled by good"),
        "{stderr}"
    );
    // A buildable image that cannot be pulled is a warning with the build advice.
    assert!(stderr.contains(" built Warning manifest for"), "{stderr}");
    assert!(
        stderr.contains("WARNING: Some service image(s) must be built from source by running:\n    dk-compose build built"),
        "{stderr}"
    );
    assert!(!stderr.contains("service `"), "{stderr}");

    let output = stack.ours(&[
        "pull",
        "--ignore-buildable",
        "--policy",
        "missing",
        "good",
        "built",
    ]);
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains(" built Skipped - Image can be built"),
        "{stderr}"
    );
    assert!(
        stderr.contains(" good Skipped - Image is already present locally"),
        "{stderr}"
    );
    // `--include-deps` is what brings dependencies in; without it only the named service.
    let output = stack.ours_ok(&["pull", "--policy", "never", "good"]);
    assert!(
        !text(&output.stderr).contains("bad"),
        "{}",
        text(&output.stderr)
    );
    stack.nothing_created();
}

/// A registry that accepts connections and never answers: a pull from it hangs until the
/// engine gives up.
fn silent_registry() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        // Held open, never read, until the test process ends.
        let held: Vec<_> = listener.incoming().collect();
        drop(held);
    });
    port
}

/// As the reference: without `--ignore-pull-failures` (and always in `up`) the first image
/// that can neither be pulled nor built cuts the other pulls, each shown `Interrupted`; exit 1 (with it, every
/// pull goes to its end: `pull_failures_can_be_ignored`).
#[test]
fn pull_failure_cuts_the_other_pulls() {
    if !engine_available() {
        return;
    }
    ensure_test_images();
    let silent = silent_registry();
    let closed = support::registry::free_port();
    let stack = Stack::new(
        "pull-cut",
        &format!(
            "services:\n  slow:\n    image: 127.0.0.1:{silent}/dk-slow/img:1\n  bad:\n    image: 127.0.0.1:{closed}/dk-bad/img:1\n"
        ),
    );
    let output = stack.ours(&["pull"]);
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("\n bad Error "), "{stderr}");
    assert!(stderr.contains("\n slow  Interrupted\n"), "{stderr}");
    assert!(!stderr.contains(" slow Error"), "{stderr}");
    assert!(
        stderr.contains("service `bad`: cannot pull image"),
        "{stderr}"
    );
    assert!(!stderr.contains("service `slow`"), "{stderr}");
    stack.nothing_created();
    // `up` pulls the same way (the reference's `pullRequiredImages`), and creates nothing.
    let output = stack.ours(&["up", "-d"]);
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("\n slow  Interrupted\n"), "{stderr}");
    assert!(stderr.contains("service `bad`: image "), "{stderr}");
    assert!(!stderr.contains("service `slow`"), "{stderr}");
    stack.nothing_created();
}

#[test]
fn push_failures_can_be_ignored() {
    if !ready() {
        return;
    }
    let registry = LocalRegistry::start();
    let mut images = ImageGuard::new();
    let (repository, path) = unique_repository(&registry, "busybox");
    let good = images.track(format!("{repository}:good"));
    // Port 1 on the loopback: nothing answers there.
    let bad = images.track(format!("127.0.0.1:1/{path}:bad"));
    let stack = Stack::new(
        "push-ignore",
        &format!(
            "services:\n  good:\n    image: {good}\n    build: .\n  bad:\n    image: {bad}\n    build: .\n"
        ),
    );
    stack.ours_ok(&["build", "--quiet"]);
    let output = stack.ours(&["push"]);
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(&format!("service `bad`: cannot push image `{bad}`: ")),
        "{stderr}"
    );
    let output = stack.ours(&["push", "--ignore-push-failures"]);
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("Pushing bad: "), "{stderr}");
    assert_eq!(registry.tags(&path), ["good"]);
    // `-q`: no progress at all.
    let output = stack.ours_ok(&["push", "-q", "good"]);
    assert_eq!(text(&output.stderr), "");
    stack.nothing_created();
}

/// A `DOCKER_CONFIG` directory with `config.json`.
fn docker_config(content: &str) -> tempfile::TempDir {
    let directory = tempfile::tempdir().unwrap();
    std::fs::write(directory.path().join("config.json"), content).unwrap();
    directory
}

#[test]
fn credentials_come_from_the_docker_config() {
    if !ready() {
        return;
    }
    let registry = LocalRegistry::start_with_auth(&BasicAuth {
        user: TEST_USER,
        bcrypt_hash: TEST_PASSWORD_HASH,
    });
    let mut images = ImageGuard::new();
    let (repository, _) = unique_repository(&registry, "busybox");
    let image = images.track(format!("{repository}:private"));
    let compose = format!("services:\n  app:\n    image: {image}\n    build: .\n");

    // No credentials: the registry refuses.
    let anonymous = docker_config("{}");
    let stack = Stack::new("auth-none", &compose)
        .with_environment("DOCKER_CONFIG", &anonymous.path().display().to_string());
    stack.ours_ok(&["build", "--quiet"]);
    let output = stack.ours(&["push"]);
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("no basic auth credentials"), "{stderr}");

    // `auths` with the base64 `auth`.
    let encoded = base64_encode(&format!("{TEST_USER}:{TEST_PASSWORD}"));
    let with_auths = docker_config(&format!(
        "{{\"auths\": {{\"{}\": {{\"auth\": \"{encoded}\"}}}}}}",
        registry.address()
    ));
    let stack = Stack::new("auth-auths", &compose)
        .with_environment("DOCKER_CONFIG", &with_auths.path().display().to_string());
    stack.ours_ok(&["push"]);
    docker(&["image", "rm", &image]);
    stack.ours_ok(&["pull"]);
    assert!(image_exists(&image));

    // A build whose base image is in the private registry gets the credentials too.
    let derived = images.track(format!("{}-derived", stack.name()));
    let derived_compose =
        format!("services:\n  derived:\n    image: {derived}\n    build: ./derived\n");
    let build_stack = Stack::new("auth-build", &derived_compose)
        .with_environment("DOCKER_CONFIG", &with_auths.path().display().to_string());
    std::fs::create_dir_all(build_stack.path().join("derived")).unwrap();
    std::fs::write(
        build_stack.path().join("derived/Dockerfile"),
        format!("FROM {image}\nRUN true\n"),
    )
    .unwrap();
    docker(&["image", "rm", &image]);
    let anonymous_build = Command::new(env!("CARGO_BIN_EXE_dk-compose"))
        .current_dir(build_stack.path())
        .args(["-p", build_stack.name(), "build", "--quiet"])
        .env("DOCKER_CONFIG", anonymous.path())
        .env("COMPOSE_PROGRESS", "plain")
        .output()
        .unwrap();
    assert!(
        !anonymous_build.status.success(),
        "built without credentials: {}",
        text(&anonymous_build.stderr)
    );
    build_stack.ours_ok(&["build", "--quiet"]);
    assert!(image_exists(&derived));

    // A credential helper named in `credHelpers` (`docker-credential-<name> get`).
    let helpers = tempfile::tempdir().unwrap();
    let helper = helpers.path().join("docker-credential-dktest");
    std::fs::write(
        &helper,
        format!(
            "#!/bin/sh\n[ \"$1\" = get ] || exit 1\nread server\n[ \"$server\" = \"{}\" ] || {{ echo 'credentials not found in native keychain'; exit 1; }}\necho '{{\"ServerURL\":\"'$server'\",\"Username\":\"{TEST_USER}\",\"Secret\":\"{TEST_PASSWORD}\"}}'\n",
            registry.address()
        ),
    )
    .unwrap();
    make_executable(&helper);
    let with_helper = docker_config(&format!(
        "{{\"credsStore\": \"absent-store\", \"credHelpers\": {{\"{}\": \"dktest\"}}}}",
        registry.address()
    ));
    let path_variable = format!(
        "{}:{}",
        helpers.path().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let stack = Stack::new("auth-helper", &compose)
        .with_environment("DOCKER_CONFIG", &with_helper.path().display().to_string())
        .with_environment("PATH", &path_variable);
    // BuildKit keeps the base image in its own store (the classic builder tagged it): it
    // may or may not be here.
    let _ = docker_output(&["image", "rm", &image]);
    assert!(!image_exists(&image));
    let output = stack.ours_ok(&["pull"]);
    assert!(
        text(&output.stderr).contains(" app Pulled"),
        "{}",
        text(&output.stderr)
    );
    assert!(image_exists(&image));
}

/// Standard base64 (the `auth` of `config.json`).
fn base64_encode(input: &str) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(input)
}

fn make_executable(path: &PathBuf) {
    use std::os::unix::fs::PermissionsExt;
    let mut permissions = std::fs::metadata(path).unwrap().permissions();
    permissions.set_mode(0o755);
    std::fs::set_permissions(path, permissions).unwrap();
}
