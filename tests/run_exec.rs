//! `run` and `exec` on the real engine: exit codes passed through (0, 3, 137 for a killed
//! container), `--rm` leaving nothing, stdin piped, a real pseudo-terminal (under `script`)
//! in TTY mode with the terminal restored, dependencies started after their healthcheck
//! passes, one-off labels, `exec` exit codes, environment and errors, and the seed's
//! "tests in containers" workflow.

mod support;

use std::io::Write;
use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use support::{docker, docker_output, engine_available, ensure_test_images};

fn reference_binary() -> PathBuf {
    std::env::var_os("REFERENCE_COMPOSE").map_or_else(
        || PathBuf::from("/root/.cache/reference-compose/2.40.3/docker-compose"),
        PathBuf::from,
    )
}

/// The shared project on disk (`support::Stack`), with this file's ways of running
/// commands in it.
struct Stack(support::Stack);

impl std::ops::Deref for Stack {
    type Target = support::Stack;

    fn deref(&self) -> &support::Stack {
        &self.0
    }
}

impl Stack {
    fn new(prefix: &str, compose: &str) -> Self {
        Self(support::Stack::new(prefix, compose))
    }

    fn command(&self, program: &std::path::Path, arguments: &[&str]) -> Command {
        let mut command = Command::new(program);
        command
            .current_dir(self.directory.path())
            .args(["-p", self.name()])
            .args(arguments)
            .env("NO_COLOR", "1")
            .env("COMPOSE_PROGRESS", "plain")
            .env_remove("COMPOSE_PROJECT_NAME")
            .stdin(Stdio::null());
        command
    }

    fn ours(&self, arguments: &[&str]) -> Output {
        self.command(
            std::path::Path::new(env!("CARGO_BIN_EXE_dk-compose")),
            arguments,
        )
        .output()
        .unwrap()
    }

    fn reference(&self, arguments: &[&str]) -> Output {
        self.command(&reference_binary(), arguments)
            .output()
            .unwrap()
    }

    fn spawn_ours(&self, arguments: &[&str]) -> Child {
        self.command(
            std::path::Path::new(env!("CARGO_BIN_EXE_dk-compose")),
            arguments,
        )
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
    }

    /// Containers of the project (all, one-offs included) as `name state`.
    fn containers(&self) -> Vec<String> {
        let filter = self.guard.label();
        let listed = docker(&[
            "ps",
            "-a",
            "--filter",
            &format!("label={filter}"),
            "--format",
            "{{.Names}} {{.State}}",
        ]);
        let mut lines: Vec<String> = listed.lines().map(str::to_owned).collect();
        lines.sort();
        lines
    }
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Polls `docker inspect` until `check` holds (engine state, not a fixed sleep), 60 s at most.
fn wait_until(container: &str, format: &str, check: impl Fn(&str) -> bool) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let output = docker_output(&["inspect", "--format", format, container]);
        if output.status.success() && check(text(&output.stdout).trim()) {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "timed out waiting on {container}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn run_passes_exit_codes_through_and_rm_leaves_nothing() {
    if !engine_available() {
        return;
    }
    ensure_test_images();
    let stack = Stack::new(
        "run-codes",
        "services:\n  job:\n    image: IMAGE\n    environment: [FROM_FILE=yes]\n",
    );
    let output = stack.ours(&[
        "run",
        "--rm",
        "job",
        "sh",
        "-c",
        "echo out; echo err >&2; exit 0",
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    assert_eq!(text(&output.stdout), "out\n");
    assert!(text(&output.stderr).contains("err\n"));
    assert!(
        !text(&output.stderr).ends_with("\n\n"),
        "{:?}",
        text(&output.stderr)
    );

    let output = stack.ours(&[
        "run",
        "--rm",
        "-e",
        "EXTRA=1",
        "job",
        "sh",
        "-c",
        "echo $FROM_FILE$EXTRA; exit 3",
    ]);
    assert_eq!(output.status.code(), Some(3), "{}", text(&output.stderr));
    assert_eq!(text(&output.stdout), "yes1\n");
    // As the reference: a non-zero exit code passed on ends with an empty line on stderr
    // (its `StatusError` without a message); a zero one does not.
    assert_eq!(text(&output.stderr), "\n");
    assert_eq!(
        stack.containers(),
        Vec::<String>::new(),
        "--rm leaves nothing"
    );

    // A container killed from outside: 137, and without `--rm` it stays, labelled as a one-off.
    let name = format!("{}-killed", stack.name());
    let child = stack.spawn_ours(&["run", "--name", &name, "job", "sleep", "300"]);
    wait_until(&name, "{{.State.Running}}", |state| state == "true");
    docker(&["kill", &name]);
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(137), "{}", text(&output.stderr));
    let labels = docker(&["inspect", "--format", "{{json .Config.Labels}}", &name]);
    let labels: serde_json::Value = serde_json::from_str(&labels).unwrap();
    assert_eq!(labels["com.docker.compose.oneoff"], "True");
    assert_eq!(labels["com.docker.compose.service"], "job");
    assert_eq!(
        labels["com.docker.compose.slug"].as_str().unwrap().len(),
        64
    );
    assert!(labels.get("com.docker.compose.container-number").is_none());

    // The generated name: `<project>-<service>-run-<first 12 hex of the slug>`.
    let output = stack.ours(&["run", "-d", "job", "sleep", "300"]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let id = text(&output.stdout).trim().to_owned();
    let inspected = docker(&[
        "inspect",
        "--format",
        "{{.Name}} {{index .Config.Labels \"com.docker.compose.slug\"}}",
        &id,
    ]);
    let (container_name, slug) = inspected.split_once(' ').unwrap();
    assert_eq!(
        container_name,
        format!("/{}-job-run-{}", stack.name(), &slug[..12])
    );
}

#[test]
fn run_pipes_stdin_without_a_terminal() {
    if !engine_available() {
        return;
    }
    ensure_test_images();
    let stack = Stack::new("run-stdin", "services:\n  cat:\n    image: IMAGE\n");
    let output = support::output_with_stdin(
        &mut stack.command(
            std::path::Path::new(env!("CARGO_BIN_EXE_dk-compose")),
            &["run", "--rm", "-T", "cat", "cat"],
        ),
        b"hi\nthere\n",
    );
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    assert_eq!(text(&output.stdout), "hi\nthere\n");
    assert_eq!(stack.containers(), Vec::<String>::new());
}

#[test]
fn run_in_a_pseudo_terminal_uses_a_tty_and_restores_the_terminal() {
    if !engine_available() {
        return;
    }
    ensure_test_images();
    let stack = Stack::new("run-tty", "services:\n  shell:\n    image: IMAGE\n");
    let binary = env!("CARGO_BIN_EXE_dk-compose");
    // Inside `script`, stdin is a pseudo-terminal: the container gets one too, the terminal
    // is raw meanwhile, and its settings are the same afterwards.
    let inner = format!(
        "stty -g > before; {binary} -p {project} run --rm shell sh -c 'tty; exit 4'; echo \"code=$?\"; stty -g > after",
        project = stack.name()
    );
    let output = Command::new("script")
        .args(["-qec", &inner, "/dev/null"])
        .current_dir(stack.directory.path())
        .env("COMPOSE_PROGRESS", "plain")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let printed = text(&output.stdout);
    assert!(
        printed.contains("/dev/pts/"),
        "no TTY in the container: {printed}"
    );
    assert!(printed.contains("code=4"), "{printed}");
    let before = std::fs::read_to_string(stack.directory.path().join("before")).unwrap();
    let after = std::fs::read_to_string(stack.directory.path().join("after")).unwrap();
    assert_eq!(before, after, "the terminal settings were not restored");

    // `-T` turns the TTY off even on a terminal.
    let inner = format!(
        "{binary} -p {project} run --rm -T shell sh -c 'tty || true'",
        project = stack.name()
    );
    let output = Command::new("script")
        .args(["-qec", &inner, "/dev/null"])
        .current_dir(stack.directory.path())
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(
        text(&output.stdout).contains("not a tty"),
        "{}",
        text(&output.stdout)
    );
}

/// Seconds since midnight (UTC) of an engine timestamp, and its date.
fn clock(timestamp: &str) -> (String, f64) {
    let (date, time) = timestamp.trim().trim_matches('"').split_once('T').unwrap();
    let time = time.trim_end_matches('Z');
    let time = time.split(['+', '-']).next().unwrap();
    let mut parts = time.split(':');
    let hours: f64 = parts.next().unwrap().parse().unwrap();
    let minutes: f64 = parts.next().unwrap().parse().unwrap();
    let seconds: f64 = parts.next().unwrap().parse().unwrap();
    (date.to_owned(), hours * 3600.0 + minutes * 60.0 + seconds)
}

#[test]
fn run_starts_dependencies_after_their_healthcheck_passes() {
    if !engine_available() {
        return;
    }
    ensure_test_images();
    let stack = Stack::new(
        "run-deps",
        "services:\n  app:\n    image: IMAGE\n    depends_on:\n      db: {condition: service_healthy}\n      cache: {condition: service_started}\n  db:\n    image: IMAGE\n    command: [\"sh\", \"-c\", \"sleep 2; touch /ready; exec sleep 300\"]\n    healthcheck:\n      test: [\"CMD\", \"test\", \"-f\", \"/ready\"]\n      interval: 500ms\n      retries: 40\n  cache:\n    image: IMAGE\n  unrelated:\n    image: IMAGE\n",
    );
    let app = format!("{}-app-once", stack.name());
    let output = stack.ours(&["run", "--name", &app, "app", "echo", "ran"]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    assert_eq!(text(&output.stdout), "ran\n");
    let db = format!("{}-db-1", stack.name());
    let healthy_at = docker(&[
        "inspect",
        "--format",
        "{{range .State.Health.Log}}{{if eq .ExitCode 0}}{{json .End}}\n{{end}}{{end}}",
        &db,
    ]);
    let first_healthy = clock(healthy_at.lines().next().expect("db never healthy"));
    let started = clock(&docker(&[
        "inspect",
        "--format",
        "{{.State.StartedAt}}",
        &app,
    ]));
    assert!(
        first_healthy <= started,
        "app started at {started:?}, before db was healthy at {first_healthy:?}"
    );
    let containers = stack.containers();
    assert!(containers.contains(&format!("{}-cache-1 running", stack.name())));
    assert!(containers.contains(&format!("{db} running")));
    assert!(
        !containers.iter().any(|line| line.contains("unrelated")),
        "{containers:?}"
    );

    // The reference sees our dependency containers as its own (same config hash).
    let output = stack.reference(&["up", "-d", "db"]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert!(
        !text(&output.stderr).contains("Recreate"),
        "{}",
        text(&output.stderr)
    );

    // `--no-deps` starts nothing else; `--down-deps` removes what the run started.
    let output = stack.ours(&["run", "--rm", "--no-deps", "unrelated", "true"]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    docker(&["rm", "-f", &format!("{}-cache-1", stack.name())]);
    let output = stack.ours(&["run", "--rm", "--down-deps", "app", "true"]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert!(
        !stack
            .containers()
            .iter()
            .any(|line| line.contains("-cache-1")),
        "{:?}",
        stack.containers()
    );
}

#[test]
fn exec_passes_exit_codes_environment_and_reports_stopped_services() {
    if !engine_available() {
        return;
    }
    ensure_test_images();
    let stack = Stack::new(
        "exec",
        "services:\n  web:\n    image: IMAGE\n    environment: [SERVICE_VALUE=from-service]\n  idle:\n    image: IMAGE\n    profiles: [manual]\n",
    );
    // Brought up by the reference (interop), driven by dk-compose.
    let output = stack.reference(&["up", "-d", "web"]);
    assert!(output.status.success(), "{}", text(&output.stderr));

    let output = stack.ours(&["exec", "-T", "web", "sh", "-c", "exit 7"]);
    assert_eq!(output.status.code(), Some(7));
    let output = stack.ours(&[
        "exec",
        "-T",
        "-e",
        "EXTRA=x",
        "-w",
        "/tmp",
        "-u",
        "1234",
        "web",
        "sh",
        "-c",
        "echo $SERVICE_VALUE $EXTRA $(pwd) $(id -u)",
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    assert_eq!(text(&output.stdout), "from-service x /tmp 1234\n");

    let mut child = stack
        .command(
            std::path::Path::new(env!("CARGO_BIN_EXE_dk-compose")),
            &["exec", "-T", "web", "cat"],
        )
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(b"piped\n").unwrap();
    let output = child.wait_with_output().unwrap();
    assert_eq!(text(&output.stdout), "piped\n");

    let output = stack.ours(&["exec", "-T", "--index", "2", "web", "true"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(text(&output.stderr).contains("service \"web\" is not running container #2"));

    docker(&["stop", "-t", "0", &format!("{}-web-1", stack.name())]);
    let output = stack.ours(&["exec", "-T", "web", "true"]);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        text(&output.stderr).trim(),
        "service \"web\" is not running"
    );
}

#[test]
fn seed_workflow_tests_in_containers() {
    if !engine_available() {
        return;
    }
    ensure_test_images();
    let stack = Stack::new(
        "seed-tests",
        "services:\n  db:\n    image: IMAGE\n    healthcheck:\n      test: [\"CMD\", \"true\"]\n      interval: 500ms\n  unit-pass:\n    image: IMAGE\n    volumes: [\"./tests:/tests:ro\"]\n    command: [\"sh\", \"/tests/pass.sh\"]\n    depends_on:\n      db: {condition: service_healthy}\n  unit-fail:\n    image: IMAGE\n    volumes: [\"./tests:/tests:ro\"]\n    command: [\"sh\", \"/tests/fail.sh\"]\n    depends_on:\n      db: {condition: service_healthy}\n",
    );
    let tests = stack.directory.path().join("tests");
    std::fs::create_dir_all(&tests).unwrap();
    std::fs::write(
        tests.join("pass.sh"),
        "echo 'test addition ... ok'\n[ $((1 + 1)) -eq 2 ]\n",
    )
    .unwrap();
    std::fs::write(
        tests.join("fail.sh"),
        "echo 'test subtraction ... FAILED'\n[ $((2 - 1)) -eq 0 ]\n",
    )
    .unwrap();
    let output = stack.ours(&["run", "--rm", "unit-pass"]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    assert!(text(&output.stdout).contains("test addition ... ok"));
    let output = stack.ours(&["run", "--rm", "unit-fail"]);
    assert_eq!(output.status.code(), Some(1), "{}", text(&output.stderr));
    assert!(text(&output.stdout).contains("test subtraction ... FAILED"));
    // Only the dependency remains.
    assert_eq!(
        stack.containers(),
        [format!("{}-db-1 running", stack.name())]
    );
}
