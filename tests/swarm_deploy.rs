//! `dk-compose stack ...` against a real single-node swarm. The tests run one at a time (a
//! shared mutex): each joins a swarm session that initialises the swarm only when the node
//! is in none (`docker swarm init --advertise-addr 127.0.0.1`), and whose guard removes the
//! test's stacks, their containers and volumes, leaves the swarm again and removes the
//! `docker_gwbridge` network the swarm created, even when a step fails: the engine is left
//! as found, and other projects' tests on the same engine see a swarm only briefly. Steps
//! wait on conditions (bounded polling of the engine), never fixed sleeps.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use support::registry::{
    BasicAuth, ImageGuard, LocalRegistry, TEST_PASSWORD, TEST_PASSWORD_HASH, TEST_USER,
    registry_available,
};
use support::{BUSYBOX_IMAGE, docker, docker_output, engine_available, ensure_test_images};

const STACK_LABEL: &str = "com.docker.stack.namespace";
const WAIT: Duration = Duration::from_secs(90);
/// The bridge Docker creates for swarm tasks' outside traffic; `swarm leave` keeps it.
const GATEWAY_BRIDGE: &str = "docker_gwbridge";

fn repository_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn dk_compose_with(directory: &Path, arguments: &[&str], environment: &[(&str, &str)]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_dk-compose"))
        .args(arguments)
        .current_dir(directory)
        .env("COMPOSE_PROGRESS", "plain")
        .env("NO_COLOR", "1")
        .env_remove("COMPOSE_FILE")
        .env_remove("COMPOSE_PROJECT_NAME")
        .env_remove("COMPOSE_PROFILES")
        .envs(environment.iter().copied())
        .output()
        .unwrap_or_else(|error| panic!("cannot run dk-compose: {error}"))
}

fn dk_compose(directory: &Path, arguments: &[&str]) -> Output {
    dk_compose_with(directory, arguments, &[])
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn assert_success(arguments: &[&str], output: &Output) {
    assert!(
        output.status.success(),
        "dk-compose {arguments:?} failed ({:?}):\n{}{}",
        output.status.code(),
        text(&output.stdout),
        text(&output.stderr)
    );
}

/// Runs dk-compose and panics with its output unless it succeeds; returns stdout.
fn dk_compose_ok(directory: &Path, arguments: &[&str]) -> String {
    let output = dk_compose(directory, arguments);
    assert_success(arguments, &output);
    text(&output.stdout)
}

fn lines(text: &str) -> Vec<String> {
    let mut lines: Vec<String> = text
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .map(str::to_owned)
        .collect();
    lines.sort();
    lines
}

/// Polls `condition` until it holds or `WAIT` passes (then panics naming `what`).
fn wait_until(what: &str, mut condition: impl FnMut() -> bool) {
    let deadline = Instant::now() + WAIT;
    while !condition() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

fn listed(arguments: &[&str]) -> Vec<String> {
    lines(&text(&docker_output(arguments).stdout))
}

/// Everything of a stack left on the engine: services, networks, secrets, configs.
fn stack_objects(stack: &str) -> Vec<String> {
    let filter = format!("label={STACK_LABEL}={stack}");
    let mut objects = Vec::new();
    for kind in ["service", "network", "secret", "config"] {
        objects.extend(
            listed(&[kind, "ls", "--filter", &filter, "--format", "{{.Name}}"])
                .into_iter()
                .map(|name| format!("{kind} {name}")),
        );
    }
    objects
}

/// The containers of a stack's tasks (they go some time after their service).
fn stack_containers(stack: &str) -> Vec<String> {
    listed(&[
        "ps",
        "-aq",
        "--filter",
        &format!("label={STACK_LABEL}={stack}"),
    ])
}

/// The networks of a stack as this node sees them.
fn stack_networks(stack: &str) -> Vec<String> {
    listed(&[
        "network",
        "ls",
        "--filter",
        &format!("label={STACK_LABEL}={stack}"),
        "--format",
        "{{.Name}}",
    ])
}

/// The volumes a stack's tasks created (`stack rm` keeps them, as `docker stack rm` does).
fn stack_volumes(stack: &str) -> Vec<String> {
    listed(&[
        "volume",
        "ls",
        "-q",
        "--filter",
        &format!("label={STACK_LABEL}={stack}"),
    ])
}

/// States of the tasks of `service` that should be running.
fn running_task_states(service: &str) -> Vec<String> {
    listed(&[
        "service",
        "ps",
        service,
        "--filter",
        "desired-state=running",
        "--format",
        "{{.CurrentState}}",
    ])
}

fn all_running(service: &str, count: usize) -> bool {
    let states = running_task_states(service);
    states.len() == count && states.iter().all(|state| state.starts_with("Running"))
}

fn service_field(service: &str, template: &str) -> String {
    docker(&["service", "inspect", service, "--format", template])
}

/// A host port nobody listens on right now.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The swarm tests of this binary run one at a time.
static SWARM_TESTS: Mutex<()> = Mutex::new(());

/// One test's time on a swarm. Dropping it removes the test's stacks (with their task
/// containers and volumes), then leaves the swarm and removes `docker_gwbridge` when the
/// session created them: the engine is left as found, also when the test panics.
struct SwarmSession {
    stacks: Vec<String>,
    leave: bool,
    remove_gateway_bridge: bool,
    _serial: MutexGuard<'static, ()>,
}

impl SwarmSession {
    /// Starts a session for `stacks`, or None (with a note) when this node is in a swarm
    /// as a worker, where the tests cannot run.
    #[allow(clippy::print_stderr)] // the note of a skipped test
    fn start(stacks: &[&str]) -> Option<Self> {
        let serial = SWARM_TESTS.lock().unwrap_or_else(PoisonError::into_inner);
        let state = docker(&[
            "info",
            "--format",
            "{{.Swarm.LocalNodeState}} {{.Swarm.ControlAvailable}}",
        ]);
        let mut session = Self {
            stacks: stacks.iter().map(|stack| (*stack).to_owned()).collect(),
            leave: false,
            remove_gateway_bridge: false,
            _serial: serial,
        };
        match state.as_str() {
            "inactive false" => {
                // Not a manager: a clear error and a hint, before the swarm exists.
                let output = dk_compose(&repository_root(), &["stack", "ls"]);
                assert_eq!(output.status.code(), Some(1));
                let stderr = text(&output.stderr);
                assert!(
                    stderr.contains("this node is not a swarm manager"),
                    "{stderr}"
                );
                assert!(stderr.contains("docker swarm init"), "{stderr}");
                session.remove_gateway_bridge =
                    docker_output(&["network", "inspect", GATEWAY_BRIDGE])
                        .status
                        .code()
                        != Some(0);
                session.leave = true;
                docker(&["swarm", "init", "--advertise-addr", "127.0.0.1"]);
                Some(session)
            }
            "active true" => Some(session),
            other => {
                eprintln!("skipping: this node is in a swarm but not a manager ({other})");
                None
            }
        }
    }
}

impl Drop for SwarmSession {
    fn drop(&mut self) {
        // Bounded: cleanup must not hang a failing test.
        let deadline = Instant::now() + WAIT;
        let wait_for = |condition: &dyn Fn() -> bool| {
            while !condition() && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(200));
            }
        };
        for stack in &self.stacks {
            if !stack_objects(stack).is_empty() {
                let _ = docker_output(&["stack", "rm", stack]);
            }
        }
        // Leaving while a stack network still holds its load-balancer endpoint leaves the
        // network behind for good (moby/moby#39225): let the networks and containers go
        // first.
        for stack in &self.stacks {
            wait_for(&|| stack_networks(stack).is_empty() && stack_containers(stack).is_empty());
        }
        if self.leave {
            let _ = docker_output(&["swarm", "leave", "--force"]);
        }
        for stack in &self.stacks {
            // A network left anyway: drop its endpoints, then remove it with a prune that
            // only matches this stack's label (`network rm` refuses swarm networks once the
            // node left the swarm).
            for network in stack_networks(stack) {
                let endpoints = docker_output(&[
                    "network",
                    "inspect",
                    &network,
                    "--format",
                    "{{range .Containers}}{{.Name}}\n{{end}}",
                ]);
                for endpoint in lines(&text(&endpoints.stdout)) {
                    let _ =
                        docker_output(&["network", "disconnect", "--force", &network, &endpoint]);
                }
            }
            if !stack_networks(stack).is_empty() {
                let _ = docker_output(&[
                    "network",
                    "prune",
                    "--force",
                    "--filter",
                    &format!("label={STACK_LABEL}={stack}"),
                ]);
            }
            wait_for(&|| stack_containers(stack).is_empty());
            let volumes = stack_volumes(stack);
            if !volumes.is_empty() {
                let mut arguments = vec!["volume", "rm", "--force"];
                arguments.extend(volumes.iter().map(String::as_str));
                let _ = docker_output(&arguments);
            }
        }
        if self.remove_gateway_bridge {
            // Task endpoints may hold it for a moment after the swarm is gone.
            wait_for(&|| {
                docker_output(&["network", "rm", GATEWAY_BRIDGE])
                    .status
                    .success()
                    || !docker_output(&["network", "inspect", GATEWAY_BRIDGE])
                        .status
                        .success()
            });
        }
    }
}

/// Builds the images prod.yml runs (the sample bases, then compose.yaml's `build:`
/// sections), before the session starts so that the swarm window stays short.
fn build_dockerapp_images() {
    let root = repository_root();
    let output = Command::new("bash")
        .arg(root.join("scripts/build-sample-bases.sh"))
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "build-sample-bases.sh failed:\n{}{}",
        text(&output.stdout),
        text(&output.stderr)
    );
    dk_compose_ok(
        &root,
        &[
            "-p",
            "dkt-swarm-build",
            "-f",
            "compose-samples/dockerapp/compose.yaml",
            "build",
        ],
    );
}

/// The samples' prod.yml as the seed deploys it (`docker stack deploy --compose-file
/// prod.yml dockerapp_stack`): 3 web replicas with their limits and restart policy, redis,
/// overlay networks, each replica counting in the one redis; `stack rm` then leaves
/// no service, network, secret, config or container (the named volume is kept, as
/// `docker stack rm` keeps it).
#[test]
fn the_prod_sample_runs_three_limited_replicas_that_count_visits() {
    if !engine_available() {
        return;
    }
    build_dockerapp_images();
    let stack = format!("dkprod{}", std::process::id());
    let Some(_session) = SwarmSession::start(&[&stack]) else {
        return;
    };
    let root = repository_root();
    let port = free_port().to_string();
    let arguments = [
        "stack",
        "deploy",
        "--compose-file",
        "compose-samples/dockerapp/prod.yml",
        "--resolve-image",
        "never",
        "--detach=false",
        &stack,
    ];
    let output = dk_compose_with(&root, &arguments, &[("DOCKERAPP_PORT", &port)]);
    assert_success(&arguments, &output);
    let stdout = text(&output.stdout);
    for line in [
        format!("Creating network {stack}_back"),
        format!("Creating network {stack}_front"),
        format!("Creating service {stack}_dockerapp"),
        format!("Creating service {stack}_redis"),
    ] {
        assert!(stdout.contains(&line), "missing `{line}` in:\n{stdout}");
    }
    // prod.yml uses nothing Swarm ignores.
    assert!(
        !text(&output.stderr).contains("ignoring"),
        "{}",
        text(&output.stderr)
    );
    let web = format!("{stack}_dockerapp");
    // `--detach=false` returned once converged: the 3 tasks run already.
    assert!(all_running(&web, 3), "{:?}", running_task_states(&web));
    assert!(all_running(&format!("{stack}_redis"), 1));
    assert_eq!(
        service_field(
            &web,
            "{{.Spec.Mode.Replicated.Replicas}} {{.Spec.TaskTemplate.Resources.Limits.NanoCPUs}} \
             {{.Spec.TaskTemplate.Resources.Limits.MemoryBytes}} \
             {{.Spec.TaskTemplate.RestartPolicy.Condition}} \
             {{.Spec.TaskTemplate.RestartPolicy.MaxAttempts}}"
        ),
        "3 500000000 67108864 on-failure 3"
    );
    assert_eq!(
        docker(&[
            "network",
            "inspect",
            &format!("{stack}_back"),
            "--format",
            "{{.Driver}} {{.Scope}}"
        ]),
        "overlay swarm"
    );
    // The port is published through the routing mesh (which needs the kernel's IPVS, so
    // it is not visited here); each replica counts in the one redis, reached over the
    // `back` overlay: a fresh volume counts from 1.
    assert_eq!(
        service_field(
            &web,
            "{{range .Endpoint.Ports}}{{.PublishedPort}}->{{.TargetPort}} {{.PublishMode}}{{end}}"
        ),
        format!("{port}->5000 ingress")
    );
    let replicas = listed(&[
        "ps",
        "-q",
        "--filter",
        &format!("label=com.docker.swarm.service.name={web}"),
    ]);
    assert_eq!(replicas.len(), 3, "{replicas:?}");
    let visit = |container: &str| {
        let output = docker_output(&[
            "exec",
            container,
            "wget",
            "-q",
            "-O",
            "-",
            "http://127.0.0.1:5000/",
        ]);
        output.status.success().then(|| text(&output.stdout))
    };
    let mut first = None;
    wait_until("the first replica to reach redis", || {
        first = visit(&replicas[0]);
        first.is_some()
    });
    assert!(
        first
            .unwrap_or_default()
            .contains("I have been seen 1 times."),
        "first visit"
    );
    let second = visit(&replicas[1]).unwrap_or_default();
    assert!(second.contains("I have been seen 2 times."), "{second}");

    let output = dk_compose_ok(&root, &["stack", "rm", "--detach=false", &stack]);
    for line in [
        format!("Removing service {stack}_dockerapp"),
        format!("Removing service {stack}_redis"),
        format!("Removing network {stack}_back"),
        format!("Removing network {stack}_front"),
    ] {
        assert!(output.contains(&line), "missing `{line}` in:\n{output}");
    }
    wait_until("the stack and its containers to be gone", || {
        stack_objects(&stack).is_empty() && stack_containers(&stack).is_empty()
    });
    assert_eq!(stack_volumes(&stack), [format!("{stack}_redis-data")]);
}

const PROD: &str = r#"
services:
  web:
    image: IMAGE
    command: ["sh", "-c", "exec sleep 2147483647"]
    init: true
    environment:
      GREETING: hello
    ports: ["PORT:80"]
    secrets: [api_key]
    configs:
      - source: app_config
        target: /etc/app.conf
    networks: [front, back]
    deploy:
      replicas: 3
      resources:
        limits: {cpus: "0.25", memory: 64M}
      update_config: {parallelism: 3, order: stop-first}
      restart_policy: {condition: on-failure}
    depends_on: [cache]
  cache:
    image: IMAGE
    command: ["sh", "-c", "exec sleep 2147483647"]
    init: true
    networks: [back]
    stop_grace_period: 2s
networks:
  front: {}
  back: {}
secrets:
  api_key:
    file: ./api_key.txt
    labels: {generation: "LABEL"}
configs:
  app_config:
    content: "level=LEVEL"
    labels: {generation: "LABEL"}
"#;

/// What one deploy of [`PROD`] changes.
struct Prod<'a> {
    greeting: &'a str,
    label: &'a str,
    level: &'a str,
    with_cache: bool,
}

fn write_prod(directory: &Path, port: &str, prod: &Prod<'_>) {
    let mut yaml = PROD
        .replace("IMAGE", BUSYBOX_IMAGE)
        .replace("PORT", port)
        .replace("GREETING: hello", &format!("GREETING: {}", prod.greeting))
        .replace("LABEL", prod.label)
        .replace("LEVEL", prod.level);
    if !prod.with_cache {
        let cache = yaml.find("  cache:\n").unwrap();
        let networks = yaml.find("networks:\n  front").unwrap();
        yaml.replace_range(cache..networks, "");
        yaml = yaml.replace("    depends_on: [cache]\n", "");
    }
    std::fs::write(directory.join("prod.yml"), yaml).unwrap();
}

/// `stack deploy -c prod.yml EXTRA... STACK` (with `--resolve-image never` unless EXTRA
/// sets it), which must succeed.
fn deploy_prod(directory: &Path, stack: &str, extra: &[&str]) -> Output {
    let mut arguments = vec!["stack", "deploy", "-c", "prod.yml"];
    if !extra.contains(&"--resolve-image") {
        arguments.extend(["--resolve-image", "never"]);
    }
    arguments.extend_from_slice(extra);
    arguments.push(stack);
    let output = dk_compose(directory, &arguments);
    assert_success(&arguments, &output);
    output
}

/// What a running task of `service` sees at `path`.
fn file_in_task(service: &str, path: &str) -> String {
    let containers = listed(&[
        "ps",
        "-q",
        "--filter",
        &format!("label=com.docker.swarm.service.name={service}"),
    ]);
    let container = containers.first().expect("a running task container");
    docker(&["exec", container, "cat", path])
}

/// Stack objects of one kind (`secret`, `config`) by name.
fn stack_object_names(kind: &str, stack: &str) -> Vec<String> {
    listed(&[
        kind,
        "ls",
        "--filter",
        &format!("label={STACK_LABEL}={stack}"),
        "--format",
        "{{.Name}}",
    ])
}

/// Deploy, re-deploy with a changed env (a rolling update in place: same service id),
/// secrets and configs created, their labels updated, their data changed (deployed under a
/// versioned name, the old one removed), `--prune`, and `stack rm`; `docker stack ls` and
/// `docker stack services` see the stack.
#[test]
fn redeploys_update_in_place_version_changed_data_and_prune() {
    if !engine_available() {
        return;
    }
    ensure_test_images();
    let stack = format!("dkswarm{}", std::process::id());
    let Some(_session) = SwarmSession::start(&[&stack]) else {
        return;
    };
    let directory = tempfile::tempdir().unwrap();
    let workdir = directory.path();
    let port = free_port().to_string();
    std::fs::write(workdir.join("api_key.txt"), "k3y\n").unwrap();

    // 1. Deploy: 3 replicas running, networks/secret/config created with the stack label.
    let mut prod = Prod {
        greeting: "hello",
        label: "one",
        level: "debug",
        with_cache: true,
    };
    write_prod(workdir, &port, &prod);
    let output = text(&deploy_prod(workdir, &stack, &["--detach=false"]).stdout);
    for line in [
        format!("Creating network {stack}_back"),
        format!("Creating network {stack}_front"),
        format!("Creating secret {stack}_api_key"),
        format!("Creating config {stack}_app_config"),
        format!("Creating service {stack}_cache"),
        format!("Creating service {stack}_web"),
    ] {
        assert!(output.contains(&line), "missing `{line}` in:\n{output}");
    }
    let web = format!("{stack}_web");
    assert!(all_running(&web, 3), "{:?}", running_task_states(&web));
    assert_eq!(
        docker(&[
            "network",
            "inspect",
            &format!("{stack}_back"),
            "--format",
            "{{.Driver}} {{.Scope}} {{index .Labels \"com.docker.stack.namespace\"}}"
        ]),
        format!("overlay swarm {stack}")
    );
    let first_id = service_field(&web, "{{.ID}}");
    let first_version: u64 = service_field(&web, "{{.Version.Index}}").parse().unwrap();
    assert_eq!(
        service_field(&web, "{{.Spec.TaskTemplate.ContainerSpec.Env}}"),
        "[GREETING=hello]"
    );
    assert_eq!(
        service_field(&web, "{{index .Spec.Labels \"com.docker.stack.image\"}}"),
        BUSYBOX_IMAGE
    );
    assert_eq!(file_in_task(&web, "/run/secrets/api_key"), "k3y");
    assert_eq!(file_in_task(&web, "/etc/app.conf"), "level=debug");

    // Interop: docker stack sees the stack and its services.
    let docker_ls = docker(&["stack", "ls", "--format", "{{.Name}} {{.Services}}"]);
    assert!(
        lines(&docker_ls).contains(&format!("{stack} 2")),
        "{docker_ls}"
    );
    assert_eq!(
        lines(&docker(&[
            "stack",
            "services",
            &stack,
            "--format",
            "{{.Name}}"
        ])),
        [format!("{stack}_cache"), web.clone()]
    );
    let ours = dk_compose_ok(
        workdir,
        &[
            "stack",
            "services",
            &stack,
            "--format",
            "{{.Name}} {{.Replicas}}",
        ],
    );
    assert!(lines(&ours).contains(&format!("{web} 3/3")), "{ours}");
    let tasks = dk_compose_ok(
        workdir,
        &[
            "stack",
            "ps",
            &stack,
            "--format",
            "{{.Name}} {{.DesiredState}}",
        ],
    );
    assert!(
        lines(&tasks).contains(&format!("{web}.3 Running")),
        "{tasks}"
    );
    let filtered = dk_compose_ok(
        workdir,
        &[
            "stack",
            "ps",
            &stack,
            "--filter",
            &format!("name={stack}_cache"),
            "--filter",
            "desired-state=running",
            "-q",
            "--no-trunc",
        ],
    );
    assert_eq!(
        lines(&filtered),
        listed(&[
            "service",
            "ps",
            &format!("{stack}_cache"),
            "-q",
            "--no-trunc",
            "--filter",
            "desired-state=running"
        ])
    );
    let filtered = dk_compose_ok(
        workdir,
        &[
            "stack",
            "services",
            &stack,
            "-f",
            &format!("name={web}"),
            "--format",
            "{{.Name}} {{.Mode}} {{.Image}}",
        ],
    );
    assert_eq!(filtered.trim(), format!("{web} replicated {BUSYBOX_IMAGE}"));

    // 2. Re-deploy with a changed env and new labels on the secret/config: the service is
    //    updated in place (same id, newer version), the secret and config are updated.
    prod.greeting = "bye";
    prod.label = "two";
    write_prod(workdir, &port, &prod);
    // `--resolve-image changed` and the image unchanged: the registry is not asked (no
    // warning), the tasks keep their image.
    let output = deploy_prod(workdir, &stack, &["-d=false", "--resolve-image", "changed"]);
    assert!(
        !text(&output.stderr).contains("could not be accessed on a registry"),
        "{}",
        text(&output.stderr)
    );
    let output = text(&output.stdout);
    assert!(
        output.contains(&format!("Updating service {web} (id: {first_id})")),
        "{output}"
    );
    assert!(!output.contains("Creating"), "{output}");
    assert_eq!(service_field(&web, "{{.ID}}"), first_id);
    let second_version: u64 = service_field(&web, "{{.Version.Index}}").parse().unwrap();
    assert!(second_version > first_version);
    assert_eq!(
        service_field(&web, "{{.Spec.TaskTemplate.ContainerSpec.Env}}"),
        "[GREETING=bye]"
    );
    assert_eq!(
        service_field(&web, "{{.PreviousSpec.TaskTemplate.ContainerSpec.Env}}"),
        "[GREETING=hello]"
    );
    assert!(all_running(&web, 3), "{:?}", running_task_states(&web));
    for (kind, name) in [
        ("secret", format!("{stack}_api_key")),
        ("config", format!("{stack}_app_config")),
    ] {
        assert_eq!(
            docker(&[
                kind,
                "inspect",
                &name,
                "--format",
                "{{index .Spec.Labels \"generation\"}}"
            ]),
            "two"
        );
    }

    // 3. New data for the secret and the config: Swarm cannot change it in place (where
    //    `docker stack deploy` fails), so each is deployed under a versioned name, the
    //    tasks roll over to it, and the old one is removed.
    std::fs::write(workdir.join("api_key.txt"), "new-k3y\n").unwrap();
    prod.level = "info";
    write_prod(workdir, &port, &prod);
    let output = deploy_prod(workdir, &stack, &["--detach=false"]);
    let stdout = text(&output.stdout);
    let secrets = stack_object_names("secret", &stack);
    let configs = stack_object_names("config", &stack);
    assert_eq!(secrets.len(), 1, "{secrets:?}");
    assert_eq!(configs.len(), 1, "{configs:?}");
    let (secret, config) = (&secrets[0], &configs[0]);
    assert!(secret.starts_with(&format!("{stack}_api_key-")), "{secret}");
    assert!(
        config.starts_with(&format!("{stack}_app_config-")),
        "{config}"
    );
    for line in [
        format!("Creating secret {secret}"),
        format!("Creating config {config}"),
        format!("Updating service {web} (id: {first_id})"),
        format!("Removing secret {stack}_api_key\n"),
        format!("Removing config {stack}_app_config\n"),
    ] {
        assert!(stdout.contains(&line), "missing `{line}` in:\n{stdout}");
    }
    assert!(
        text(&output.stderr).contains(&format!(
            "secret `{stack}_api_key` has new data, which swarm cannot change in place: deploying it as `{secret}`"
        )),
        "{}",
        text(&output.stderr)
    );
    assert_eq!(service_field(&web, "{{.ID}}"), first_id);
    assert!(all_running(&web, 3), "{:?}", running_task_states(&web));
    assert_eq!(file_in_task(&web, "/run/secrets/api_key"), "new-k3y");
    assert_eq!(file_in_task(&web, "/etc/app.conf"), "level=info");
    // The same data again: the versioned objects are kept, no task is replaced.
    let running_tasks = || {
        listed(&[
            "service",
            "ps",
            &web,
            "-q",
            "--filter",
            "desired-state=running",
        ])
    };
    let secret_references =
        || service_field(&web, "{{json .Spec.TaskTemplate.ContainerSpec.Secrets}}");
    let (tasks_before, references_before) = (running_tasks(), secret_references());
    let stdout = text(&deploy_prod(workdir, &stack, &["--detach=false"]).stdout);
    assert!(
        !stdout.contains("Creating") && !stdout.contains("Removing"),
        "{stdout}"
    );
    assert_eq!(
        stack_object_names("secret", &stack),
        std::slice::from_ref(secret)
    );
    assert_eq!(secret_references(), references_before);
    assert_eq!(running_tasks(), tasks_before);

    // 4. --prune removes the service the file no longer has.
    prod.with_cache = false;
    write_prod(workdir, &port, &prod);
    let output = text(&deploy_prod(workdir, &stack, &["--prune"]).stdout);
    assert!(
        output.contains(&format!("Removing service {stack}_cache")),
        "{output}"
    );
    assert_eq!(
        lines(&dk_compose_ok(
            workdir,
            &["stack", "services", &stack, "-q"]
        ))
        .len(),
        1
    );
    assert_eq!(service_field(&web, "{{.ID}}"), first_id);

    // 5. `stack rm` leaves nothing.
    let output = dk_compose_ok(workdir, &["stack", "rm", &stack]);
    for line in [
        format!("Removing service {web}"),
        format!("Removing secret {secret}"),
        format!("Removing config {config}"),
        format!("Removing network {stack}_back"),
    ] {
        assert!(output.contains(&line), "missing `{line}` in:\n{output}");
    }
    wait_until("the stack to be gone", || {
        stack_objects(&stack).is_empty() && stack_containers(&stack).is_empty()
    });
    let listed = dk_compose_ok(workdir, &["stack", "ls"]);
    assert!(!listed.contains(&stack), "{listed}");
}

/// `.env`, profiles, the top-level `name` and `${VAR:+alt}` (which `docker stack deploy`
/// ignores) deploy as the file means; the default `--resolve-image always` without a
/// reachable registry warns and deploys the local image; `--with-registry-auth` reads the
/// docker CLI's config; `docker stack rm` removes our stack and `dk-compose stack` lists
/// and removes one `docker stack deploy` made; a task that keeps failing fails
/// `--detach=false` with its error.
#[test]
fn dotenv_profiles_and_name_deploy_and_docker_stack_interoperates() {
    if !engine_available() {
        return;
    }
    ensure_test_images();
    let pid = std::process::id();
    let env_stack = format!("dkswarmenv{pid}");
    let docker_stack = format!("dkswarmref{pid}");
    let failing_stack = format!("dkswarmfail{pid}");
    let Some(_session) = SwarmSession::start(&[&env_stack, &docker_stack, &failing_stack]) else {
        return;
    };
    let directory = tempfile::tempdir().unwrap();
    let workdir = directory.path();

    let env_directory = workdir.join("envproject");
    std::fs::create_dir(&env_directory).unwrap();
    std::fs::write(env_directory.join(".env"), "TAG=latest\nDEBUG=1\n").unwrap();
    std::fs::write(
        env_directory.join("compose.yaml"),
        format!(
            r#"name: {env_stack}
services:
  web:
    image: "dk-compose-test/busybox:${{TAG}}"
    command: ["sh", "-c", "exec sleep 2147483647"]
    init: true
    environment:
      FLAG: "${{DEBUG:+--debug}}"
    depends_on:
      api:
        condition: service_started
        restart: true
  api:
    image: dk-compose-test/busybox:latest
    command: ["sh", "-c", "exec sleep 2147483647"]
    init: true
  tools:
    image: dk-compose-test/busybox:latest
    profiles: [debug]
"#
        ),
    )
    .unwrap();
    let docker_config = workdir.join("docker-config");
    std::fs::create_dir(&docker_config).unwrap();
    std::fs::write(
        docker_config.join("config.json"),
        r#"{"auths": {"https://index.docker.io/v1/": {"auth": "dXNlcjpwYXNz"}}}"#,
    )
    .unwrap();
    let arguments = ["stack", "deploy", "--with-registry-auth"];
    let output = dk_compose_with(
        &env_directory,
        &arguments,
        &[("DOCKER_CONFIG", &docker_config.to_string_lossy())],
    );
    assert_success(&arguments, &output);
    let stderr = text(&output.stderr);
    assert!(
        stderr.contains("ignoring options swarm does not support: `depends_on` (web)"),
        "{stderr}"
    );
    // No registry here: the digest cannot be pinned, the tag is deployed (as docker does).
    assert!(
        stderr.contains("image dk-compose-test/busybox:latest could not be accessed on a registry to record\nits digest."),
        "{stderr}"
    );
    assert_eq!(
        lines(&docker(&[
            "stack",
            "services",
            &env_stack,
            "--format",
            "{{.Name}} {{.Image}}"
        ])),
        [
            format!("{env_stack}_api {BUSYBOX_IMAGE}"),
            format!("{env_stack}_web {BUSYBOX_IMAGE}")
        ]
    );
    assert_eq!(
        service_field(
            &format!("{env_stack}_web"),
            "{{.Spec.TaskTemplate.ContainerSpec.Env}}"
        ),
        "[FLAG=--debug]"
    );
    docker(&["stack", "rm", &env_stack]);
    wait_until("the env stack to be gone", || {
        stack_objects(&env_stack).is_empty()
    });

    // A stack deployed by `docker stack deploy` is listed and removed by dk-compose.
    std::fs::write(
        workdir.join("v3.yml"),
        format!(
            "version: '3.8'\nservices:\n  app:\n    image: {BUSYBOX_IMAGE}\n    command: [sleep, '2147483647']\n"
        ),
    )
    .unwrap();
    docker(&[
        "stack",
        "deploy",
        "-c",
        &workdir.join("v3.yml").to_string_lossy(),
        "--resolve-image",
        "never",
        &docker_stack,
    ]);
    let listed = dk_compose_ok(
        workdir,
        &["stack", "ls", "--format", "{{.Name}}: {{.Services}}"],
    );
    assert!(
        lines(&listed).contains(&format!("{docker_stack}: 1")),
        "{listed}"
    );
    let services = dk_compose_ok(
        workdir,
        &["stack", "services", &docker_stack, "--format", "{{.Name}}"],
    );
    assert_eq!(lines(&services), [format!("{docker_stack}_app")]);
    dk_compose_ok(workdir, &["stack", "rm", "--detach=false", &docker_stack]);
    wait_until("the docker-deployed stack to be gone", || {
        stack_objects(&docker_stack).is_empty()
    });

    // A task that keeps failing: `--detach=false` fails with the task's error.
    std::fs::write(
        workdir.join("failing.yml"),
        format!(
            "services:\n  broken:\n    image: {BUSYBOX_IMAGE}\n    command: [sh, -c, 'exit 3']\n    deploy:\n      restart_policy: {{condition: on-failure, delay: 100ms}}\n"
        ),
    )
    .unwrap();
    // Read from stdin (`-c -`).
    let output = Command::new(env!("CARGO_BIN_EXE_dk-compose"))
        .args([
            "stack",
            "deploy",
            "-c",
            "-",
            "--resolve-image",
            "never",
            "--detach=false",
            &failing_stack,
        ])
        .current_dir(workdir)
        .env("COMPOSE_PROGRESS", "plain")
        .stdin(std::fs::File::open(workdir.join("failing.yml")).unwrap())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1), "{}", text(&output.stdout));
    let stderr = text(&output.stderr);
    assert!(
        stderr.contains(&format!(
            "service `{failing_stack}_broken` did not converge"
        )) && stderr.contains("non-zero exit (3)"),
        "{stderr}"
    );
}

/// `--resolve-image always` asks the registry for the image's digest with the docker
/// config's credentials, as the docker CLI does: an image in a registry behind basic auth is
/// deployed pinned to `image@sha256:...` (asked anonymously, the registry refuses and only
/// the tag would be deployed, with a warning).
#[test]
fn resolve_image_pins_a_private_image_with_the_configured_credentials() {
    if !engine_available() || !registry_available() {
        return;
    }
    ensure_test_images();
    let stack = format!("dkswarmpin{}", std::process::id());
    let registry = LocalRegistry::start_with_auth(&BasicAuth {
        user: TEST_USER,
        bcrypt_hash: TEST_PASSWORD_HASH,
    });
    let mut images = ImageGuard::new();
    let image = images.track(format!("{}/{stack}/busybox:private", registry.address()));
    let directory = tempfile::tempdir().unwrap();
    let workdir = directory.path();
    let docker_config = workdir.join("docker-config");
    std::fs::create_dir(&docker_config).unwrap();
    let auth = {
        use base64::Engine as _;
        base64::engine::general_purpose::STANDARD.encode(format!("{TEST_USER}:{TEST_PASSWORD}"))
    };
    std::fs::write(
        docker_config.join("config.json"),
        format!(
            "{{\"auths\": {{\"{}\": {{\"auth\": \"{auth}\"}}}}}}",
            registry.address()
        ),
    )
    .unwrap();
    docker(&["tag", BUSYBOX_IMAGE, &image]);
    let pushed = Command::new("docker")
        .args(["push", &image])
        .env("DOCKER_CONFIG", &docker_config)
        .output()
        .unwrap();
    assert!(pushed.status.success(), "{}", text(&pushed.stderr));
    std::fs::write(
        workdir.join("compose.yaml"),
        format!("services:\n  app:\n    image: {image}\n    command: [sleep, '2147483647']\n"),
    )
    .unwrap();
    let Some(_session) = SwarmSession::start(&[&stack]) else {
        return;
    };
    let arguments = [
        "stack",
        "deploy",
        "-c",
        "compose.yaml",
        "--resolve-image",
        "always",
        "--with-registry-auth",
        &stack,
    ];
    let output = dk_compose_with(
        workdir,
        &arguments,
        &[("DOCKER_CONFIG", &docker_config.to_string_lossy())],
    );
    assert_success(&arguments, &output);
    let stderr = text(&output.stderr);
    assert!(!stderr.contains("could not be accessed"), "{stderr}");
    let service = format!("{stack}_app");
    let deployed = service_field(&service, "{{.Spec.TaskTemplate.ContainerSpec.Image}}");
    assert!(
        deployed.starts_with(&format!("{image}@sha256:")),
        "{deployed}"
    );
    // The pinned image runs (and a task still being created is not raced by `stack rm`,
    // which the 20.10 engine can leave half-removed).
    wait_until("the pinned task to run", || all_running(&service, 1));
}
