//! Real-daemon tests of the container commands (`ps`, `ls`, `stop`, `restart`, `kill`,
//! `pause`, `unpause`, `rm`, `top`, `port`, `images`, `wait`): stacks are brought up with
//! the reference and driven with dk-compose; outputs are compared with the reference's.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use support::{docker, engine_available, ensure_test_images};

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

    fn file(&self) -> PathBuf {
        self.directory.path().join("compose.yaml")
    }

    fn run(&self, program: &Path, arguments: &[&str], with_file: bool) -> Output {
        let file = self.file();
        let mut command = Command::new(program);
        command.current_dir(self.directory.path());
        command.args(["-p", self.name()]);
        if with_file {
            command.arg("-f").arg(&file);
        }
        command
            .args(arguments)
            .env("NO_COLOR", "1")
            .env_remove("COMPOSE_PROJECT_NAME")
            .stdin(Stdio::null())
            .output()
            .unwrap()
    }

    /// `reference -p NAME -f FILE ARGS`.
    fn reference(&self, arguments: &[&str]) -> Output {
        self.run(&reference_binary(), arguments, true)
    }

    /// `dk-compose -p NAME ARGS` (no file: the project is found by its labels).
    fn ours(&self, arguments: &[&str]) -> Output {
        self.run(
            Path::new(env!("CARGO_BIN_EXE_dk-compose")),
            arguments,
            false,
        )
    }

    /// `dk-compose -p NAME -f FILE ARGS`.
    fn ours_with_file(&self, arguments: &[&str]) -> Output {
        self.run(Path::new(env!("CARGO_BIN_EXE_dk-compose")), arguments, true)
    }

    fn up(&self) {
        let output = self.reference(&["up", "-d"]);
        assert!(
            output.status.success(),
            "reference up failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }

    fn container(&self, service: &str) -> String {
        format!("{}-{service}-1", self.name())
    }

    fn state(&self, service: &str) -> String {
        docker(&[
            "inspect",
            "--format",
            "{{.State.Status}}",
            &self.container(service),
        ])
    }
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Collapses the timing words (`2 seconds ago`, `Up Less than a second`) and the column
/// padding, which depend on the second each tool ran in.
fn without_times(text: &str) -> String {
    let timing = regex::Regex::new(
        r"(Less than a second|About a minute|About an hour|\d+ (seconds?|minutes?|hours?))",
    )
    .unwrap();
    let padding = regex::Regex::new(r" {2,}").unwrap();
    text.lines()
        .map(|line| {
            padding
                .replace_all(&timing.replace_all(line, "T"), " | ")
                .trim_end()
                .to_owned()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

const STACK: &str = r#"
services:
  db:
    image: IMAGE
    ports:
      - "127.0.0.1::80"
      - "127.0.0.1::81/udp"
    expose: ["5432"]
  web:
    image: IMAGE
    depends_on: [db]
    stop_grace_period: 2s
  job:
    image: IMAGE
    command: ["sh", "-c", "exit 3"]
"#;

fn assert_same(stack: &Stack, arguments: &[&str]) {
    let reference = stack.reference(arguments);
    let ours = stack.ours(arguments);
    assert_eq!(stdout(&ours), stdout(&reference), "stdout of {arguments:?}");
    assert_eq!(
        ours.status.code(),
        reference.status.code(),
        "exit code of {arguments:?}"
    );
}

#[test]
fn listings_match_the_reference_on_the_same_stack() {
    if !engine_available() {
        return;
    }
    ensure_test_images();
    let stack = Stack::new("listings", STACK);
    stack.up();
    docker(&["wait", &stack.container("job")]);

    for arguments in [
        &["ps", "-q"][..],
        &["ps", "-a", "-q"],
        &["ps", "--services"],
        &["ps", "-a", "--services"],
        &["ps", "--status", "exited", "-q"],
        &["ps", "--filter", "status=running", "-q"],
        &[
            "ps",
            "-a",
            "--format",
            "{{.Name}} {{.Service}} {{.State}} {{.Ports}}",
        ],
        &[
            "ps",
            "-a",
            "--format",
            "table {{.Name}}\\t{{.Image}}\\t{{.Command}}\\t{{.Service}}\\t{{.State}}\\t{{.Ports}}",
        ],
        &["ps", "web", "--format", "{{.Name}}"],
        &["ls", "-a", "--filter", &format!("name=^{}$", stack.name())],
        &[
            "ls",
            "-a",
            "-q",
            "--filter",
            &format!("name=^{}$", stack.name()),
        ],
        &[
            "ls",
            "--format",
            "json",
            "--filter",
            &format!("name=^{}$", stack.name()),
        ],
        &["images", "-q"],
        &["port", "db", "80"],
        &["port", "db", "81", "--protocol", "udp"],
        &["port", "db", "5432"],
    ] {
        assert_same(&stack, arguments);
    }

    // Tables whose CREATED and STATUS columns depend on the clock.
    for arguments in [
        &["ps"][..],
        &["ps", "-a"],
        &["ps", "-a", "--no-trunc"],
        &["images"],
    ] {
        let reference = stack.reference(arguments);
        let ours = stack.ours(arguments);
        assert_eq!(
            without_times(&stdout(&ours)),
            without_times(&stdout(&reference)),
            "{arguments:?}"
        );
    }
    // JSON: the same objects (labels are a Go map: their order is random in the reference).
    let parse = |text: String| -> Vec<serde_json::Value> {
        text.lines()
            .map(|line| {
                let mut value: serde_json::Value = serde_json::from_str(line).unwrap();
                let object = value.as_object_mut().unwrap();
                for key in ["Labels", "RunningFor", "Status"] {
                    object.remove(key);
                }
                value
            })
            .collect()
    };
    let json_arguments = ["ps", "-a", "--format", "json"];
    assert_eq!(
        parse(stdout(&stack.ours(&json_arguments))),
        parse(stdout(&stack.reference(&json_arguments)))
    );
    let images = |output: Output| -> serde_json::Value {
        let mut value: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
        value
            .as_array_mut()
            .unwrap()
            .sort_by_key(|image| image["ContainerName"].as_str().unwrap().to_owned());
        value
    };
    assert_eq!(
        images(stack.ours(&["images", "--format", "json"])),
        images(stack.reference(&["images", "--format", "json"]))
    );

    // top: the same processes (PIDs and times are the same processes, so the same text).
    let top_reference = stdout(&stack.reference(&["top"]));
    let top_ours = stdout(&stack.ours(&["top"]));
    assert_eq!(top_ours, top_reference);
    assert!(top_ours.starts_with("SERVICE  #"), "{top_ours}");

    // Errors: the reference's words and exit code.
    for arguments in [
        &["port", "db", "99"][..],
        &["port", "nosuch", "80"],
        &["port", "db", "80", "--index", "2"],
    ] {
        let reference = stack.reference(arguments);
        let ours = stack.ours(arguments);
        assert_eq!(ours.status.code(), Some(1), "{arguments:?}");
        assert_eq!(ours.status.code(), reference.status.code(), "{arguments:?}");
        // The reference lists a container's ports from a Go map: random order.
        let sorted_words = |text: String| {
            let mut words: Vec<String> = text
                .trim()
                .split([' ', ','])
                .filter(|word| !word.is_empty())
                .map(str::to_owned)
                .collect();
            words.sort();
            words
        };
        assert_eq!(
            sorted_words(stderr(&ours)),
            sorted_words(stderr(&reference)),
            "{arguments:?}"
        );
    }
    let unknown = stack.ours_with_file(&["ps", "nosuch"]);
    assert_eq!(unknown.status.code(), Some(1));
    // Our diagnostic style: `error: no such service: `nosuch`` (plus a hint when close).
    assert!(
        stderr(&unknown).contains("no such service: `nosuch`"),
        "{}",
        stderr(&unknown)
    );
}

#[test]
fn lifecycle_commands_change_the_containers() {
    if !engine_available() {
        return;
    }
    ensure_test_images();
    let stack = Stack::new("lifecycle", STACK);
    stack.up();

    let paused = stack.ours(&["--progress", "plain", "pause"]);
    assert!(paused.status.success(), "{}", stderr(&paused));
    assert_eq!(stack.state("web"), "paused");
    assert_eq!(stack.state("db"), "paused");
    assert!(stderr(&paused).contains(&format!(" Container {}  Paused", stack.container("web"))));

    let unpaused = stack.ours(&["unpause", "web"]);
    assert!(unpaused.status.success(), "{}", stderr(&unpaused));
    assert_eq!(stack.state("web"), "running");
    assert_eq!(stack.state("db"), "paused");
    assert!(stack.ours(&["unpause", "db"]).status.success());
    assert_eq!(stack.state("db"), "running");

    // Stop: dependents first (web before db), each container's own grace period.
    let stopped = stack.ours(&["--progress", "plain", "stop"]);
    assert!(stopped.status.success(), "{}", stderr(&stopped));
    for service in ["db", "web", "job"] {
        assert_eq!(stack.state(service), "exited", "{service}");
    }
    let log = stderr(&stopped);
    let web_stopped = log
        .find(&format!("Container {}  Stopped", stack.container("web")))
        .unwrap();
    let db_stopping = log
        .find(&format!("Container {}  Stopping", stack.container("db")))
        .unwrap();
    assert!(web_stopped < db_stopping, "{log}");

    let restarted = stack.ours_with_file(&["restart", "-t", "1", "web", "db"]);
    assert!(restarted.status.success(), "{}", stderr(&restarted));
    assert_eq!(stack.state("web"), "running");
    assert_eq!(stack.state("db"), "running");

    let killed = stack.ours(&["kill", "-s", "SIGTERM", "web"]);
    assert!(killed.status.success(), "{}", stderr(&killed));
    docker(&["wait", &stack.container("web")]);
    assert_eq!(stack.state("web"), "exited");
    assert_eq!(stack.state("db"), "running");

    // rm without -f and without a terminal: asks, reads "no" from an empty stdin, keeps all.
    let kept = stack.ours(&["rm"]);
    assert!(kept.status.success());
    assert!(
        stdout(&kept).starts_with("Going to remove "),
        "{}",
        stdout(&kept)
    );
    assert!(!stdout(&kept).ends_with('\n'));
    assert_eq!(stack.state("web"), "exited");

    let removed = stack.ours(&["rm", "-f", "-s", "-v"]);
    assert!(removed.status.success(), "{}", stderr(&removed));
    assert!(stdout(&removed).starts_with("Going to remove "));
    let remaining = docker(&[
        "ps",
        "-aq",
        "--filter",
        &format!("label={}", stack.guard.label()),
    ]);
    assert_eq!(remaining, "");
    let nothing = stack.ours(&["rm", "-f"]);
    assert!(nothing.status.success());
    assert_eq!(stderr(&nothing).trim(), "No stopped containers");
}

#[test]
fn wait_passes_the_exit_code_through() {
    if !engine_available() {
        return;
    }
    ensure_test_images();
    let stack = Stack::new(
        "wait",
        r#"
services:
  quick:
    image: IMAGE
    command: ["sh", "-c", "sleep 1; exit 7"]
  keep:
    image: IMAGE
  later:
    image: IMAGE
    command: ["sh", "-c", "sleep 4; exit 5"]
"#,
    );
    stack.up();
    let waited = stack.ours(&["wait", "quick"]);
    assert_eq!(waited.status.code(), Some(7), "{}", stderr(&waited));
    assert!(
        stdout(&waited).contains("exited with status code 7"),
        "{}",
        stdout(&waited)
    );
    assert_eq!(stack.state("keep"), "running");

    let missing = stack.ours(&["wait", "quick"]);
    assert_eq!(missing.status.code(), Some(1));
    assert_eq!(
        stderr(&missing).trim(),
        format!("no containers for project {:?}", stack.name())
    );

    let downed = stack.ours(&["wait", "--down-project", "later"]);
    assert_eq!(downed.status.code(), Some(5), "{}", stderr(&downed));
    let remaining = docker(&[
        "ps",
        "-aq",
        "--filter",
        &format!("label={}", stack.guard.label()),
    ]);
    assert_eq!(remaining, "");
}

/// Three services whose containers ignore SIGTERM (`sleep` as PID 1): each stop waits out
/// its whole timeout (a minute).
const STUBBORN: &str = "
x-stubborn: &stubborn {image: IMAGE, command: [sleep, '1000'], stop_grace_period: 1m}
services:
  a: *stubborn
  b: *stubborn
  c: {<<: *stubborn, depends_on: [a]}
";

/// `dk-compose --progress plain ARGS` on the stack, sent `signal` at its first stderr line
/// ending with `at`; its exit code and stderr lines.
fn interrupt(
    stack: &Stack,
    arguments: &[&str],
    signal: &str,
    at: &str,
) -> (Option<i32>, Vec<String>) {
    let mut all = vec!["--progress", "plain"];
    all.extend_from_slice(arguments);
    let command = stack.command(Path::new(env!("CARGO_BIN_EXE_dk-compose")), &all);
    support::interrupt_at(command, signal, |line| line.ends_with(at))
}

/// The states of the stack's containers, by service.
fn states(stack: &Stack) -> Vec<String> {
    ["a", "b", "c"]
        .iter()
        .map(|service| format!("{service} {}", stack.state(service)))
        .collect()
}

#[test]
fn sigterm_during_stop_cuts_the_stops_under_way_and_exits_130_as_the_reference() {
    if !engine_available() {
        return;
    }
    ensure_test_images();
    let stack = Stack::new("sigterm-stop", STUBBORN);
    stack.up();
    let (code, seen) = interrupt(&stack, &["stop", "-t", "60"], "TERM", "  Stopping");
    // As the reference: each stop under way reported failed, then its empty line and 130.
    assert_eq!(code, Some(130), "{seen:#?}");
    assert_eq!(seen.last().map(String::as_str), Some(""), "{seen:#?}");
    assert!(
        seen.iter()
            .any(|line| line.ends_with("  Error while Stopping")),
        "{seen:#?}"
    );
    assert!(
        !seen.iter().any(|line| line.ends_with("  Stopped")),
        "{seen:#?}"
    );
    // Not waited for: the engine still gives every container its 60 seconds.
    assert_eq!(states(&stack), ["a running", "b running", "c running"]);
}

#[test]
fn sigint_during_restart_cuts_the_restarts_and_exits_130() {
    if !engine_available() {
        return;
    }
    ensure_test_images();
    let stack = Stack::new("sigint-restart", STUBBORN);
    stack.up();
    let (code, seen) = interrupt(&stack, &["restart", "-t", "60"], "INT", "  Restarting");
    assert_eq!(code, Some(130), "{seen:#?}");
    assert_eq!(seen.last().map(String::as_str), Some(""), "{seen:#?}");
    assert!(
        !seen.iter().any(|line| line.ends_with("  Started")),
        "{seen:#?}"
    );
    assert_eq!(states(&stack), ["a running", "b running", "c running"]);
}

#[test]
fn sigterm_during_rm_stop_removes_nothing_and_exits_130() {
    if !engine_available() {
        return;
    }
    ensure_test_images();
    let stack = Stack::new("sigterm-rm", STUBBORN);
    stack.up();
    let (code, seen) = interrupt(&stack, &["rm", "-s", "-f"], "TERM", "  Stopping");
    assert_eq!(code, Some(130), "{seen:#?}");
    assert_eq!(seen.last().map(String::as_str), Some(""), "{seen:#?}");
    assert!(!seen.iter().any(|line| line.contains("Remov")), "{seen:#?}");
    assert_eq!(states(&stack), ["a running", "b running", "c running"]);
}

#[test]
fn sigterm_while_rm_asks_ends_with_130_and_removes_nothing() {
    use std::io::Read;
    if !engine_available() {
        return;
    }
    ensure_test_images();
    let stack = Stack::new("sigterm-rm-ask", STUBBORN);
    stack.up();
    assert!(stack.ours(&["stop", "-t", "0"]).status.success());
    let mut child = stack
        .command(Path::new(env!("CARGO_BIN_EXE_dk-compose")), &["rm"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // The question, left unanswered: stdin stays open until the process has ended
    // (`wait_with_output` would close it, and an end of input answers the question).
    let stdin = child.stdin.take().unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let mut asked = Vec::new();
    let mut buffer = [0u8; 256];
    while !String::from_utf8_lossy(&asked).contains("Going to remove") {
        let read = stdout.read(&mut buffer).unwrap();
        assert!(read > 0, "no question: {}", String::from_utf8_lossy(&asked));
        asked.extend_from_slice(&buffer[..read]);
    }
    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let output = child.wait_with_output().unwrap();
    drop(stdin);
    assert_eq!(output.status.code(), Some(130), "{}", stderr(&output));
    assert_eq!(states(&stack), ["a exited", "b exited", "c exited"]);
}
