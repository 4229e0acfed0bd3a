//! dk-compose as the docker CLI's `compose` plugin (`~/.docker/cli-plugins/docker-compose`,
//! here in a temporary `DOCKER_CONFIG`): the CLI lists it from its metadata, runs
//! `docker compose ...` through it, hands its own global flags (`-H`, `--context`) on, and
//! a SIGINT to the CLI (which closes the plugin socket rather than passing the signal on
//! when its output is not a terminal) stops an attached `up` as Ctrl-C does.

mod support;

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use support::{Stack, docker, engine_available, ensure_test_images};

/// A docker config directory with our binary installed as the `compose` plugin.
fn plugin_config() -> tempfile::TempDir {
    let directory = tempfile::tempdir().unwrap();
    let plugins = directory.path().join("cli-plugins");
    std::fs::create_dir(&plugins).unwrap();
    std::os::unix::fs::symlink(
        env!("CARGO_BIN_EXE_dk-compose"),
        plugins.join("docker-compose"),
    )
    .unwrap();
    directory
}

/// `docker [docker_flags] compose -p <project> -f <file> [arguments]` through the plugin.
fn docker_compose(
    config: &Path,
    stack: &Stack,
    docker_flags: &[&str],
    arguments: &[&str],
) -> Command {
    let mut command = Command::new("docker");
    command
        .env("DOCKER_CONFIG", config)
        .env_remove("DOCKER_HOST")
        .env_remove("DOCKER_CONTEXT")
        .args(docker_flags)
        .args(["compose", "-p", stack.name(), "-f"])
        .arg(stack.compose_file())
        .args(arguments)
        .stdin(Stdio::null());
    command
}

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

#[test]
fn docker_lists_and_runs_the_plugin_with_its_global_flags() {
    if !engine_available() {
        return;
    }
    ensure_test_images();
    let config = plugin_config();
    let listed = Command::new("docker")
        .env("DOCKER_CONFIG", config.path())
        .args(["info", "--format", "{{json .ClientInfo.Plugins}}"])
        .output()
        .unwrap();
    let plugins = String::from_utf8_lossy(&listed.stdout);
    assert!(
        plugins.contains("\"Name\":\"compose\"") && plugins.contains("\"SchemaVersion\":\"0.1.0\""),
        "{plugins}{}",
        String::from_utf8_lossy(&listed.stderr)
    );
    assert!(!plugins.contains("Err"), "{plugins}");

    let stack = Stack::new(
        "plugin-run",
        "services:\n  web: {image: IMAGE, command: [sleep, '300'], init: true}\n",
    );
    let up = docker_compose(
        config.path(),
        &stack,
        &["-H", "unix:///var/run/docker.sock"],
        &["up", "-d"],
    )
    .output()
    .unwrap();
    assert!(up.status.success(), "{}", text(&up));
    assert_eq!(stack.inspect("web", "{{.State.Running}}"), "true");

    let listing = docker_compose(config.path(), &stack, &[], &["ps", "--format", "{{.Name}}"])
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&listing.stdout).trim(),
        stack.container("web")
    );

    // `-H` reaches the engine connection: an engine that is not there is named.
    let elsewhere = docker_compose(
        config.path(),
        &stack,
        &["-H", "unix:///nonexistent/docker.sock"],
        &["ps"],
    )
    .output()
    .unwrap();
    assert!(!elsewhere.status.success());
    assert!(
        text(&elsewhere).contains("unix:///nonexistent/docker.sock"),
        "{}",
        text(&elsewhere)
    );

    let help = docker_compose(config.path(), &stack, &[], &["--help"])
        .output()
        .unwrap();
    assert!(
        text(&help).contains("Usage: docker compose"),
        "{}",
        text(&help)
    );

    let down = docker_compose(config.path(), &stack, &["--context", "default"], &["down"])
        .output()
        .unwrap();
    assert!(down.status.success(), "{}", text(&down));
    assert!(
        docker(&[
            "ps",
            "-aq",
            "--filter",
            &format!("label={}", stack.guard.label())
        ])
        .is_empty()
    );
}

#[test]
fn a_sigint_to_the_docker_cli_stops_an_attached_up_gracefully() {
    if !engine_available() {
        return;
    }
    ensure_test_images();
    let config = plugin_config();
    let stack = Stack::new(
        "plugin-sigint",
        "services:\n  web: {image: IMAGE, command: [sh, -c, 'echo ready; exec sleep 300'], init: true}\n",
    );
    let output_file = stack.directory.path().join("up.out");
    let mut up = docker_compose(config.path(), &stack, &[], &["up"])
        .stdout(std::fs::File::create(&output_file).unwrap())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while !std::fs::read_to_string(&output_file)
        .unwrap_or_default()
        .contains("ready")
    {
        assert!(Instant::now() < deadline, "the container never said ready");
        std::thread::sleep(Duration::from_millis(50));
    }
    let sent = Command::new("kill")
        .args(["-INT", &up.id().to_string()])
        .status()
        .unwrap();
    assert!(sent.success());
    let status = loop {
        if let Some(status) = up.try_wait().unwrap() {
            break status;
        }
        if Instant::now() >= deadline {
            let _ = up.kill();
            panic!("`docker compose up` did not stop after a SIGINT to the docker CLI");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(status.code(), Some(130));
    // Stopped, not killed: the container exists and is no longer running.
    assert_eq!(stack.inspect("web", "{{.State.Running}}"), "false");
}
