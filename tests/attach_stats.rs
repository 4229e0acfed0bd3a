//! `stats` and `attach` on the real engine: `--no-stream` tables and `--format json` lines
//! (one per container, names, parsable numbers, `-a` with a stopped one, a service filter),
//! the streaming redraw; `attach` piping stdin to a non-TTY container and its output back,
//! the container left running when our stdin closes and the attach is killed, the container's exit code passed on, and
//! the reference's error for a service that does not run.

mod support;

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use support::{BUSYBOX_IMAGE, ProjectGuard, docker, engine_available, ensure_test_images};

fn reference_binary() -> PathBuf {
    std::env::var_os("REFERENCE_COMPOSE").map_or_else(
        || PathBuf::from("/root/.cache/reference-compose/2.40.3/docker-compose"),
        PathBuf::from,
    )
}

fn ours() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_dk-compose"))
}

/// A project in its own directory, removed on drop.
struct Stack {
    guard: ProjectGuard,
    directory: tempfile::TempDir,
}

impl Stack {
    fn up(prefix: &str, compose: &str) -> Self {
        let guard = ProjectGuard::unique(prefix);
        let directory = tempfile::tempdir().expect("temp dir");
        std::fs::write(
            directory.path().join("compose.yaml"),
            compose.replace("IMAGE", BUSYBOX_IMAGE),
        )
        .expect("compose file");
        let stack = Self { guard, directory };
        let output = stack.run(ours(), &["up", "-d"]);
        assert!(output.status.success(), "up: {}", text(&output.stderr));
        stack
    }

    fn command(&self, program: &Path, arguments: &[&str]) -> Command {
        let mut command = Command::new(program);
        command
            .current_dir(self.directory.path())
            .args(["-p", &self.guard.name])
            .args(arguments)
            .env("NO_COLOR", "1")
            .env("COMPOSE_PROGRESS", "plain")
            .env_remove("COMPOSE_PROJECT_NAME")
            .stdin(Stdio::null());
        command
    }

    fn run(&self, program: &Path, arguments: &[&str]) -> Output {
        self.command(program, arguments).output().expect("runs")
    }

    fn container(&self, service: &str) -> String {
        format!("{}-{service}-1", self.guard.name)
    }

    fn state(&self, service: &str) -> String {
        docker(&[
            "inspect",
            "--format",
            "{{.State.Status}}",
            &self.container(service),
        ])
    }

    /// Polls the engine until the service's container has `state` (60 s at most).
    fn wait_state(&self, service: &str, state: &str) {
        let deadline = Instant::now() + Duration::from_secs(60);
        while self.state(service) != state {
            assert!(Instant::now() < deadline, "{service} never became {state}");
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

const THREE_SERVICES: &str = "services:\n  a:\n    image: IMAGE\n    command: sleep 300\n  b:\n    image: IMAGE\n    command: sleep 300\n  c:\n    image: IMAGE\n    command: \"true\"\n";

fn percent(value: &serde_json::Value, key: &str) -> f64 {
    let field = value[key].as_str().expect("a string field");
    field
        .strip_suffix('%')
        .and_then(|number| number.parse().ok())
        .unwrap_or_else(|| panic!("{key} is not a percentage: {field}"))
}

#[test]
fn stats_no_stream_table_and_json_lines() {
    if !engine_available() {
        return;
    }
    ensure_test_images();
    let stack = Stack::up("attach-stats-table", THREE_SERVICES);
    stack.wait_state("c", "exited");

    let output = stack.run(ours(), &["stats", "--no-stream"]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let table = text(&output.stdout);
    let lines: Vec<&str> = table.lines().collect();
    assert_eq!(lines.len(), 3, "{table}");
    let header: Vec<&str> = lines[0]
        .split("   ")
        .map(str::trim)
        .filter(|cell| !cell.is_empty())
        .collect();
    assert_eq!(
        header,
        [
            "CONTAINER ID",
            "NAME",
            "CPU %",
            "MEM USAGE / LIMIT",
            "MEM %",
            "NET I/O",
            "BLOCK I/O",
            "PIDS"
        ]
    );
    assert!(lines[1].contains(&stack.container("a")), "{table}");
    assert!(lines[2].contains(&stack.container("b")), "{table}");
    assert!(!table.contains(&stack.container("c")), "{table}");
    // The short id, as the CLI truncates it.
    let id = docker(&["inspect", "--format", "{{.Id}}", &stack.container("a")]);
    assert!(
        lines[1].starts_with(&format!("{}   ", &id[..12])),
        "{table}"
    );

    let output = stack.run(ours(), &["stats", "--no-stream", "--format", "json"]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let rows: Vec<serde_json::Value> = text(&output.stdout)
        .lines()
        .map(|line| serde_json::from_str(line).expect("one JSON object per line"))
        .collect();
    let names: Vec<&str> = rows.iter().filter_map(|row| row["Name"].as_str()).collect();
    assert_eq!(names, [stack.container("a"), stack.container("b")]);
    for row in &rows {
        assert!(percent(row, "CPUPerc") >= 0.0);
        assert!(percent(row, "MemPerc") >= 0.0);
        let pids: u64 = row["PIDs"]
            .as_str()
            .and_then(|p| p.parse().ok())
            .expect("PIDs");
        assert!(pids >= 1, "{row}");
        let memory = row["MemUsage"].as_str().expect("MemUsage");
        assert!(memory.contains(" / ") && memory.contains("iB"), "{row}");
        assert_eq!(row["Container"].as_str().map(str::len), Some(64), "{row}");
    }

    // `-a` adds the stopped container (zeros); a service argument keeps only its own.
    let output = stack.run(
        ours(),
        &[
            "stats",
            "--no-stream",
            "-a",
            "--format",
            "{{.Name}} {{.MemUsage}} {{.PIDs}}",
        ],
    );
    let listed = text(&output.stdout);
    assert_eq!(listed.lines().count(), 3, "{listed}");
    assert!(
        listed.contains(&format!("{} 0B / 0B 0", stack.container("c"))),
        "{listed}"
    );
    let output = stack.run(
        ours(),
        &["stats", "--no-stream", "--format", "{{.Name}}", "b"],
    );
    assert_eq!(text(&output.stdout), format!("{}\n", stack.container("b")));
}

#[test]
fn stats_streams_redrawn_tables() {
    if !engine_available() {
        return;
    }
    ensure_test_images();
    let stack = Stack::up(
        "attach-stats-stream",
        "services:\n  a:\n    image: IMAGE\n    command: sleep 300\n",
    );
    let mut child = stack
        .command(ours(), &["stats"])
        .stdout(Stdio::piped())
        .spawn()
        .expect("stats starts");
    let mut stdout = child.stdout.take().expect("stdout");
    let (sender, receiver) = mpsc::channel();
    std::thread::spawn(move || {
        let mut collected = Vec::new();
        let mut buffer = [0u8; 4096];
        while let Ok(read) = std::io::Read::read(&mut stdout, &mut buffer) {
            if read == 0 {
                break;
            }
            collected.extend_from_slice(&buffer[..read]);
            // Two complete frames with a reading (a percentage) in the last one.
            let seen = String::from_utf8_lossy(&collected).into_owned();
            if seen.matches("\x1b[J").count() >= 2
                && seen
                    .rsplit("\x1b[H")
                    .nth(1)
                    .is_some_and(|frame| frame.contains('%'))
            {
                let _ = sender.send(seen);
                return;
            }
        }
    });
    let seen = receiver.recv_timeout(Duration::from_secs(60));
    let _ = child.kill();
    let _ = child.wait();
    let seen = seen.expect("two frames");
    assert!(seen.starts_with("\x1b[HCONTAINER ID"), "{seen:?}");
    assert!(seen.contains(" \x1b[K\n"), "{seen:?}");
    assert!(seen.contains(&stack.container("a")), "{seen:?}");
    assert_eq!(stack.state("a"), "running");
}

#[test]
fn attach_pipes_stdin_and_output_and_leaves_the_container_running() {
    if !engine_available() {
        return;
    }
    ensure_test_images();
    let stack = Stack::up(
        "attach-stats-pipe",
        "services:\n  echo:\n    image: IMAGE\n    stdin_open: true\n    command: sh -c 'while true; do echo tick; sleep 0.1; done & while read l; do echo got:$$l; done'\n",
    );
    stack.wait_state("echo", "running");
    let mut child = stack
        .command(ours(), &["attach", "echo"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("attach starts");
    let stdout = child.stdout.take().expect("stdout");
    let (sender, receiver) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { return };
            if sender.send(line).is_err() {
                return;
            }
        }
    });
    // The ticks arrive: the output is attached.
    let first = receiver
        .recv_timeout(Duration::from_secs(30))
        .expect("output");
    assert_eq!(first, "tick");
    let mut stdin = child.stdin.take().expect("stdin");
    stdin.write_all(b"hello\n").expect("written");
    stdin.flush().expect("flushed");
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let line = receiver
            .recv_timeout(deadline.saturating_duration_since(Instant::now()))
            .expect("got:hello before the deadline");
        if line == "got:hello" {
            break;
        }
        assert_eq!(line, "tick");
    }
    // Closing our stdin ends neither the container nor (as the reference) the attach.
    drop(stdin);
    std::thread::sleep(Duration::from_millis(300));
    assert!(child.try_wait().expect("status").is_none());
    let _ = child.kill();
    let _ = child.wait();
    // As the reference: the container keeps running after the attach ends.
    assert_eq!(stack.state("echo"), "running");
}

#[test]
fn attach_passes_the_exit_code_and_refuses_a_stopped_service() {
    if !engine_available() {
        return;
    }
    ensure_test_images();
    let stack = Stack::up(
        "attach-stats-exit",
        "services:\n  job:\n    image: IMAGE\n    command: sh -c 'sleep 2; echo bye; exit 3'\n  done:\n    image: IMAGE\n    command: \"true\"\n",
    );
    let output = stack.run(ours(), &["attach", "--no-stdin", "job"]);
    assert_eq!(output.status.code(), Some(3), "{}", text(&output.stderr));
    assert_eq!(text(&output.stdout), "bye\n");

    stack.wait_state("done", "exited");
    let ours_output = stack.run(ours(), &["attach", "done"]);
    let reference = stack.run(&reference_binary(), &["attach", "done"]);
    assert_eq!(ours_output.status.code(), Some(1));
    assert_eq!(ours_output.status.code(), reference.status.code());
    assert_eq!(
        text(&ours_output.stderr).trim(),
        text(&reference.stderr).trim()
    );
    assert_eq!(
        text(&ours_output.stderr).trim(),
        "service \"done\" is not running"
    );
}

/// `attach shell` on a real pseudo-terminal (under `script`), `DOCKER_CONFIG` set to
/// `docker_config` when given: once the shell answers, types `keys`; the exit code (`None`
/// when it did not end within 30 seconds) and everything the terminal showed.
fn attach_then_type(
    stack: &Stack,
    docker_config: Option<&Path>,
    keys: &[u8],
) -> (Option<i32>, String) {
    let attach = format!("{} -p {} attach shell", ours().display(), stack.guard.name);
    let mut command = Command::new("script");
    command
        .args(["-qec", &attach, "/dev/null"])
        .current_dir(stack.directory.path())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped());
    if let Some(directory) = docker_config {
        command.env("DOCKER_CONFIG", directory);
    }
    let mut child = command.spawn().expect("script starts");
    let mut stdin = child.stdin.take().expect("stdin");
    let stdout = child.stdout.take().expect("stdout");
    let (sender, receiver) = mpsc::channel();
    std::thread::spawn(move || {
        let mut collected = Vec::new();
        let mut buffer = [0u8; 1024];
        let mut stdout = stdout;
        while let Ok(read) = std::io::Read::read(&mut stdout, &mut buffer) {
            if read == 0 {
                break;
            }
            collected.extend_from_slice(&buffer[..read]);
            let _ = sender.send(String::from_utf8_lossy(&collected).into_owned());
        }
    });
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut seen = String::new();
    while !seen.contains("hello-3") {
        // Typed until the shell (attached by now) answers.
        let _ = stdin.write_all(b"echo hello-$((1+2))\r");
        let _ = stdin.flush();
        if let Ok(latest) = receiver.recv_timeout(Duration::from_millis(500)) {
            seen = latest;
        }
        assert!(Instant::now() < deadline, "no answer: {seen:?}");
    }
    stdin.write_all(keys).expect("keys typed");
    stdin.flush().expect("flushed");
    let deadline = Instant::now() + Duration::from_secs(30);
    let code = loop {
        if let Some(status) = child.try_wait().expect("status") {
            break status.code();
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    while let Ok(latest) = receiver.recv_timeout(Duration::from_secs(5)) {
        seen = latest;
    }
    (code, seen)
}

const SHELL: &str =
    "services:\n  shell:\n    image: IMAGE\n    tty: true\n    stdin_open: true\n    command: sh\n";

#[test]
fn attach_to_a_tty_container_detaches_with_the_keys() {
    if !engine_available() {
        return;
    }
    ensure_test_images();
    let stack = Stack::up("attach-stats-tty", SHELL);
    stack.wait_state("shell", "running");
    let empty = tempfile::tempdir().unwrap();
    // ctrl-p ctrl-q, the engine's default.
    let (code, seen) = attach_then_type(&stack, Some(empty.path()), b"\x10\x11");
    assert_eq!(code, Some(1), "{seen:?}");
    assert!(seen.contains("read escape sequence"), "{seen:?}");
    assert_eq!(stack.state("shell"), "running");
}

/// As the docker CLI (the reference attaches through it): `detachKeys` of `config.json`
/// when `--detach-keys` is not given.
#[test]
fn attach_detaches_with_the_keys_of_the_docker_config() {
    if !engine_available() {
        return;
    }
    ensure_test_images();
    let stack = Stack::up("attach-stats-keys", SHELL);
    stack.wait_state("shell", "running");
    let config = tempfile::tempdir().unwrap();
    std::fs::write(
        config.path().join("config.json"),
        r#"{"detachKeys": "ctrl-a,a"}"#,
    )
    .unwrap();
    let (code, seen) = attach_then_type(&stack, Some(config.path()), b"\x01a");
    assert_eq!(code, Some(1), "{seen:?}");
    assert!(seen.contains("read escape sequence"), "{seen:?}");
    assert_eq!(stack.state("shell"), "running");
}
