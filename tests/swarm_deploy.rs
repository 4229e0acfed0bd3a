//! `dk-compose stack ...` against a real single-node swarm. One test function runs every
//! step in order (the swarm is shared state): it initialises the swarm only when the node
//! is in none, and a guard removes the stacks and leaves the swarm again even when a step
//! fails. Steps wait on conditions (bounded polling of the engine), never fixed sleeps.

mod support;

use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use support::{BUSYBOX_IMAGE, docker, docker_output, engine_available, ensure_test_images};

const STACK_LABEL: &str = "com.docker.stack.namespace";
const WAIT: Duration = Duration::from_secs(90);

fn dk_compose(directory: &Path, arguments: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_dk-compose"))
        .args(arguments)
        .current_dir(directory)
        .env("COMPOSE_PROGRESS", "plain")
        .env_remove("COMPOSE_FILE")
        .env_remove("COMPOSE_PROJECT_NAME")
        .env_remove("COMPOSE_PROFILES")
        .output()
        .unwrap_or_else(|error| panic!("cannot run dk-compose: {error}"))
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Runs dk-compose and panics with its output unless it succeeds; returns stdout.
fn dk_compose_ok(directory: &Path, arguments: &[&str]) -> String {
    let output = dk_compose(directory, arguments);
    assert!(
        output.status.success(),
        "dk-compose {arguments:?} failed ({:?}):\n{}{}",
        output.status.code(),
        text(&output.stdout),
        text(&output.stderr)
    );
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

/// Everything of a stack left on the engine: services, networks, secrets, configs.
fn stack_objects(stack: &str) -> Vec<String> {
    let filter = format!("label={STACK_LABEL}={stack}");
    let mut objects = Vec::new();
    for kind in ["service", "network", "secret", "config"] {
        let output = docker_output(&[kind, "ls", "--filter", &filter, "--format", "{{.Name}}"]);
        objects.extend(
            lines(&text(&output.stdout))
                .into_iter()
                .map(|name| format!("{kind} {name}")),
        );
    }
    objects
}

/// States of the tasks of `service` that should be running.
fn running_task_states(service: &str) -> Vec<String> {
    let output = docker_output(&[
        "service",
        "ps",
        service,
        "--filter",
        "desired-state=running",
        "--format",
        "{{.CurrentState}}",
    ]);
    lines(&text(&output.stdout))
}

fn all_running(service: &str, count: usize) -> bool {
    let states = running_task_states(service);
    states.len() == count && states.iter().all(|state| state.starts_with("Running"))
}

/// Leaves the swarm (when this test joined it) and removes the stacks, even on panic.
struct SwarmGuard {
    leave: bool,
    stacks: Vec<String>,
}

impl Drop for SwarmGuard {
    fn drop(&mut self) {
        for stack in &self.stacks {
            if !stack_objects(stack).is_empty() {
                let _ = docker_output(&["stack", "rm", stack]);
            }
        }
        if self.leave {
            let _ = docker_output(&["swarm", "leave", "--force"]);
        }
    }
}

const PROD: &str = r#"
services:
  web:
    image: IMAGE
    environment:
      GREETING: hello
    ports: ["18480:80"]
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

fn write_prod(directory: &Path, greeting: &str, label: &str, with_cache: bool) {
    let mut yaml = PROD
        .replace("IMAGE", BUSYBOX_IMAGE)
        .replace("GREETING: hello", &format!("GREETING: {greeting}"))
        .replace("LABEL", label)
        .replace("LEVEL", "debug");
    if !with_cache {
        yaml = yaml
            .replace("    depends_on: [cache]\n", "")
            .replace(
                "  cache:\n    image: dk-compose-test/busybox:latest\n    networks: [back]\n    stop_grace_period: 2s\n",
                "",
            );
    }
    std::fs::write(directory.join("prod.yml"), yaml).unwrap();
}

fn service_field(service: &str, template: &str) -> String {
    docker(&["service", "inspect", service, "--format", template])
}

#[test]
#[allow(clippy::print_stderr)] // a skipped test says why
fn stacks_deploy_update_prune_and_remove_on_a_real_swarm() {
    if !engine_available() {
        return;
    }
    ensure_test_images();
    let state = docker(&[
        "info",
        "--format",
        "{{.Swarm.LocalNodeState}} {{.Swarm.ControlAvailable}}",
    ]);
    let directory = tempfile::tempdir().unwrap();
    let workdir = directory.path();
    std::fs::write(workdir.join("api_key.txt"), "k3y\n").unwrap();
    let pid = std::process::id();
    let stack = format!("dkswarm{pid}");
    let env_stack = format!("dkswarmenv{pid}");
    let docker_stack = format!("dkswarmref{pid}");

    let leave = match state.as_str() {
        "inactive false" => {
            // Not a manager: a clear error and a hint, before the swarm exists.
            let output = dk_compose(workdir, &["stack", "ls"]);
            assert_eq!(output.status.code(), Some(1));
            let stderr = text(&output.stderr);
            assert!(
                stderr.contains("this node is not a swarm manager"),
                "{stderr}"
            );
            assert!(stderr.contains("docker swarm init"), "{stderr}");
            docker(&["swarm", "init", "--advertise-addr", "127.0.0.1"]);
            true
        }
        "active true" => false,
        other => {
            eprintln!("skipping: this node is in a swarm but not a manager ({other})");
            return;
        }
    };
    let _guard = SwarmGuard {
        leave,
        stacks: vec![stack.clone(), env_stack.clone(), docker_stack.clone()],
    };

    // 1. Deploy: 3 replicas running, networks/secret/config created with the stack label.
    write_prod(workdir, "hello", "one", true);
    let output = dk_compose_ok(
        workdir,
        &[
            "stack",
            "deploy",
            "-c",
            "prod.yml",
            "--resolve-image",
            "never",
            "--detach=false",
            &stack,
        ],
    );
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
    wait_until("3 running web tasks", || all_running(&web, 3));
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

    // 2. Re-deploy with a changed env and new labels on the secret/config: the service is
    //    updated in place (same id, newer version), the secret and config are updated.
    write_prod(workdir, "bye", "two", true);
    let output = dk_compose_ok(
        workdir,
        &[
            "stack",
            "deploy",
            "-c",
            "prod.yml",
            "--resolve-image",
            "never",
            "-d=false",
            &stack,
        ],
    );
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
    wait_until("3 running updated tasks", || all_running(&web, 3));
    for kind in ["secret", "config"] {
        let name = if kind == "secret" {
            format!("{stack}_api_key")
        } else {
            format!("{stack}_app_config")
        };
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
    // New data for an existing secret is refused by Swarm: a clear error with advice.
    std::fs::write(workdir.join("api_key.txt"), "new-k3y\n").unwrap();
    let refused = dk_compose(
        workdir,
        &[
            "stack",
            "deploy",
            "-c",
            "prod.yml",
            "--resolve-image",
            "never",
            &stack,
        ],
    );
    assert_eq!(refused.status.code(), Some(1));
    let stderr = text(&refused.stderr);
    assert!(
        stderr.contains(&format!("secret `{stack}_api_key`")),
        "{stderr}"
    );
    assert!(stderr.contains("new `name`"), "{stderr}");
    std::fs::write(workdir.join("api_key.txt"), "k3y\n").unwrap();

    // 3. --prune removes the service the file no longer has.
    write_prod(workdir, "bye", "two", false);
    let output = dk_compose_ok(
        workdir,
        &[
            "stack",
            "deploy",
            "-c",
            "prod.yml",
            "--resolve-image",
            "never",
            "--prune",
            &stack,
        ],
    );
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

    // 4. `stack rm` leaves nothing (networks go asynchronously).
    let output = dk_compose_ok(workdir, &["stack", "rm", &stack]);
    assert!(
        output.contains(&format!("Removing service {web}")),
        "{output}"
    );
    wait_until("the stack to be gone", || stack_objects(&stack).is_empty());
    let listed = dk_compose_ok(workdir, &["stack", "ls"]);
    assert!(!listed.contains(&stack), "{listed}");

    // 5. `.env`, profiles, the top-level `name` and `${VAR:+alt}`: the stack is named by
    //    the file, inactive profiles are not deployed; `docker stack rm` removes it.
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
    environment:
      FLAG: "${{DEBUG:+--debug}}"
    depends_on:
      api:
        condition: service_started
        restart: true
  api:
    image: dk-compose-test/busybox:latest
  tools:
    image: dk-compose-test/busybox:latest
    profiles: [debug]
"#
        ),
    )
    .unwrap();
    let output = dk_compose(
        &env_directory,
        &["stack", "deploy", "--resolve-image", "never"],
    );
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert!(
        text(&output.stderr)
            .contains("ignoring options swarm does not support: `depends_on` (web)"),
        "{}",
        text(&output.stderr)
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

    // 6. A stack deployed by `docker stack deploy` is listed and removed by dk-compose.
    std::fs::write(
        workdir.join("v3.yml"),
        format!("version: '3.8'\nservices:\n  app:\n    image: {BUSYBOX_IMAGE}\n"),
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
}
