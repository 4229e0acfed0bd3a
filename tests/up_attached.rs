//! Real-daemon tests of the attached `up`: every line in order per container under load,
//! `--attach`/`--no-attach`/`attach: false`, the abort flags and exit-code rules (with the
//! one-shot cases where we differ from the reference on purpose), restarts followed, the
//! log formatting flags, and Ctrl-C (SIGINT/SIGTERM) once (graceful, 130) and twice (kill),
//! sent to the child process with `kill`, and `--watch` (an edit synced, the watcher's lines
//! in the feed). Waits are on output lines and polled conditions, never on fixed sleeps.

mod support;

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use support::{docker, engine_available, ensure_test_images};

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

    fn command(&self, arguments: &[&str]) -> Command {
        self.0
            .command(Path::new(env!("CARGO_BIN_EXE_dk-compose")), arguments)
    }

    fn up(&self, arguments: &[&str]) -> Output {
        let mut all = vec!["up"];
        all.extend_from_slice(arguments);
        self.command(&all).output().unwrap()
    }

    /// `docker inspect` of a container of the project.
    fn inspect(&self, service: &str, format: &str) -> String {
        docker(&[
            "inspect",
            "--format",
            format,
            &format!("{}-{service}-1", self.name()),
        ])
    }

    fn running(&self, service: &str) -> bool {
        self.inspect(service, "{{.State.Running}}") == "true"
    }

    fn exit_code(&self, service: &str) -> String {
        self.inspect(service, "{{.State.ExitCode}}")
    }
}

fn usable() -> bool {
    if !engine_available() {
        return false;
    }
    ensure_test_images();
    true
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// `web-1  | text` → ("web-1", "text"); other lines are left out.
fn per_container(text: &str) -> BTreeMap<String, Vec<String>> {
    let mut map: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for line in text.lines() {
        if let Some((prefix, rest)) = line.split_once(" | ") {
            map.entry(prefix.trim_end().to_owned())
                .or_default()
                .push(rest.to_owned());
        }
    }
    map
}

fn describe(output: &Output) -> String {
    format!(
        "exit {:?}\n--- stdout\n{}\n--- stderr\n{}",
        output.status.code(),
        text(&output.stdout),
        text(&output.stderr)
    )
}

const LINES: usize = 20_000;

#[test]
fn every_line_in_order_per_container_under_load_and_the_containers_stay() {
    if !usable() {
        return;
    }
    let stack = Stack::new(
        "upa-load",
        &format!(
            r#"
services:
  alpha:
    image: IMAGE
    command: ["sh", "-c", "seq 1 {LINES}"]
  beta:
    image: IMAGE
    command: ["sh", "-c", "seq 1 {LINES} >&2"]
  gamma-longer:
    image: IMAGE
    command: ["sh", "-c", "seq 1 {LINES}; exit 3"]
"#
        ),
    );
    let output = stack.up(&[]);
    assert_eq!(output.status.code(), Some(0), "{}", describe(&output));
    let stdout = text(&output.stdout);
    let stderr = text(&output.stderr);
    assert_eq!(
        stdout.lines().next(),
        Some("Attaching to alpha-1, beta-1, gamma-longer-1")
    );
    let expected: Vec<String> = (1..=LINES).map(|number| number.to_string()).collect();
    let out = per_container(&stdout);
    let err = per_container(&stderr);
    assert!(
        out["alpha-1"] == expected,
        "alpha-1 lost or reordered lines"
    );
    assert!(
        out["gamma-longer-1"] == expected,
        "gamma-longer-1 lost or reordered lines"
    );
    // Containers' stderr goes to our stderr, as the reference's attached `up` does.
    assert!(err["beta-1"] == expected, "beta-1 lost or reordered lines");
    assert!(!out.contains_key("beta-1"));
    // Each exit line comes after the container's last line.
    let last = stdout.find("gamma-longer-1  | 20000\n").unwrap();
    let exited = stdout
        .find("\r\x1b[Kgamma-longer-1 exited with code 3\n")
        .unwrap();
    assert!(last < exited);
    assert!(stdout.contains("\r\x1b[Kalpha-1 exited with code 0\n"));
    // Without abort flags `up` ends with 0 once all are gone; the containers stay, exited.
    assert!(!stack.running("alpha"));
    assert_eq!(stack.exit_code("gamma-longer"), "3");
}

/// Three services: `ok` exits 0 at once, `bad` exits 7 a moment after `ok` is gone, `keeper`
/// runs until stopped (and stops on SIGTERM at once).
const ABORT_STACK: &str = r#"
services:
  ok:
    image: IMAGE
    command: ["sh", "-c", "echo ok; touch /shared/done"]
    volumes: [shared:/shared]
  bad:
    image: IMAGE
    command: ["sh", "-c", "until [ -f /shared/done ]; do sleep 0.1; done; sleep 1; echo bad; exit 7"]
    volumes: [shared:/shared]
  keeper:
    image: IMAGE
volumes:
  shared: {}
"#;

#[test]
fn abort_on_container_exit_takes_the_first_exit() {
    if !usable() {
        return;
    }
    let stack = Stack::new("upa-exit", ABORT_STACK);
    let output = stack.up(&["--abort-on-container-exit"]);
    assert_eq!(output.status.code(), Some(0), "{}", describe(&output));
    assert!(text(&output.stderr).contains("Aborting on container exit..."));
    assert!(text(&output.stdout).contains("ok-1 exited with code 0"));
    assert!(!stack.running("keeper"), "the abort stops everything");
}

#[test]
fn abort_on_container_failure_ignores_successes() {
    if !usable() {
        return;
    }
    let stack = Stack::new("upa-failure", ABORT_STACK);
    let output = stack.up(&["--abort-on-container-failure"]);
    assert_eq!(output.status.code(), Some(7), "{}", describe(&output));
    let stdout = text(&output.stdout);
    assert!(stdout.contains("ok-1 exited with code 0"));
    assert!(stdout.contains("bad-1     | bad"));
    assert!(text(&output.stderr).contains("Aborting on container exit..."));
    assert!(!stack.running("keeper"));
    assert_eq!(stack.exit_code("keeper"), "0", "stopped gracefully");
}

#[test]
fn without_abort_flags_up_ends_with_zero_when_the_named_services_are_gone() {
    if !usable() {
        return;
    }
    let stack = Stack::new("upa-noabort", ABORT_STACK);
    let output = stack.up(&["ok", "bad"]);
    assert_eq!(output.status.code(), Some(0), "{}", describe(&output));
    let stdout = text(&output.stdout);
    assert!(stdout.starts_with("Attaching to bad-1, ok-1\n"), "{stdout}");
    assert!(stdout.contains("bad-1 exited with code 7"));
    assert_eq!(stack.exit_code("bad"), "7", "exited containers are kept");
}

/// `web` waits for the one-shot `init`, then exits with 3; `db` runs until stopped.
const ONE_SHOT_STACK: &str = r#"
services:
  init:
    image: IMAGE
    command: ["sh", "-c", "echo init; exit INIT_CODE"]
  web:
    image: IMAGE
    command: ["sh", "-c", "echo web; exit 3"]
    depends_on:
      init: {condition: service_completed_successfully}
  db:
    image: IMAGE
"#;

#[test]
fn a_one_shot_success_does_not_abort_and_exit_code_from_picks_the_service() {
    if !usable() {
        return;
    }
    let stack = Stack::new("upa-oneshot", &ONE_SHOT_STACK.replace("INIT_CODE", "0"));
    // The reference aborts on init's exit 0 and ends with 0 (docker/compose#5894).
    let output = stack.up(&["--abort-on-container-exit"]);
    assert_eq!(output.status.code(), Some(3), "{}", describe(&output));
    assert!(text(&output.stdout).contains("web-1   | web"));
    assert!(!stack.running("db"));

    // init has done its job: it is not run again, web is.
    let output = stack.up(&["--exit-code-from", "web"]);
    assert_eq!(output.status.code(), Some(3), "{}", describe(&output));
    assert!(!text(&output.stdout).contains("init-1"));
    // As the reference: a non-zero code passed on ends stderr with an empty line.
    assert!(
        text(&output.stderr).ends_with("\n\n"),
        "{}",
        describe(&output)
    );

    // db is stopped by the abort web's exit causes: its own (graceful) code is returned.
    let output = stack.up(&["--exit-code-from", "db"]);
    assert_eq!(output.status.code(), Some(0), "{}", describe(&output));
    assert!(text(&output.stdout).contains("db-1 exited with code 0"));
    assert!(
        !text(&output.stderr).ends_with("\n\n"),
        "{}",
        describe(&output)
    );
}

#[test]
fn wait_takes_a_one_shot_success_as_done() {
    if !usable() {
        return;
    }
    let stack = Stack::new(
        "upa-wait",
        r#"
services:
  init:
    image: IMAGE
    command: ["sh", "-c", "exit 0"]
  web:
    image: IMAGE
    depends_on:
      init: {condition: service_completed_successfully}
"#,
    );
    let output = stack.up(&["--wait"]);
    assert_eq!(output.status.code(), Some(0), "{}", describe(&output));
    assert!(stack.running("web"));
}

#[test]
fn a_failed_one_shot_dependency_ends_with_1_and_the_reference_message() {
    if !usable() {
        return;
    }
    let stack = Stack::new("upa-depfail", &ONE_SHOT_STACK.replace("INIT_CODE", "4"));
    let output = stack.up(&[]);
    assert_eq!(output.status.code(), Some(1), "{}", describe(&output));
    assert!(
        text(&output.stderr).contains("service \"init\" didn't complete successfully: exit 4"),
        "{}",
        describe(&output)
    );
    assert_eq!(stack.inspect("web", "{{.State.Status}}"), "created");

    let output = stack.up(&["--abort-on-container-failure"]);
    assert_eq!(output.status.code(), Some(1), "{}", describe(&output));
    assert!(text(&output.stderr).contains("didn't complete successfully: exit 4"));
    assert!(!stack.running("db"), "the abort stops everything");
}

#[test]
fn attach_no_attach_and_attach_false_choose_what_is_shown() {
    if !usable() {
        return;
    }
    let stack = Stack::new(
        "upa-attach",
        r#"
services:
  a:
    image: IMAGE
    command: ["echo", "from a"]
  b:
    image: IMAGE
    command: ["echo", "from b"]
  quiet:
    image: IMAGE
    attach: false
    command: ["echo", "from quiet"]
"#,
    );
    let output = stack.up(&[]);
    assert_eq!(output.status.code(), Some(0), "{}", describe(&output));
    let shown = per_container(&text(&output.stdout));
    assert_eq!(shown.keys().collect::<Vec<_>>(), ["a-1", "b-1"]);

    // Recreated each time: a container the previous `up` left running (it ends when the
    // shown ones are gone) would otherwise be kept, its output already printed.
    let output = stack.up(&["--attach", "a", "--force-recreate"]);
    let stdout = text(&output.stdout);
    assert!(stdout.starts_with("Attaching to a-1\n"), "{stdout}");
    assert_eq!(per_container(&stdout).keys().collect::<Vec<_>>(), ["a-1"]);

    let output = stack.up(&["--no-attach", "b", "--force-recreate"]);
    assert_eq!(
        per_container(&text(&output.stdout))
            .keys()
            .collect::<Vec<_>>(),
        ["a-1"]
    );

    let output = stack.up(&["--attach", "quiet", "--force-recreate"]);
    assert_eq!(
        per_container(&text(&output.stdout))["quiet-1"],
        ["from quiet"]
    );

    // Nothing left to attach: nothing is shown (the reference then attaches to all).
    let output = stack.up(&["--attach", "a", "--no-attach", "a", "--force-recreate"]);
    assert_eq!(output.status.code(), Some(0), "{}", describe(&output));
    assert!(per_container(&text(&output.stdout)).is_empty());

    let output = stack.up(&["--attach", "nosuch"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(text(&output.stderr).contains("cannot attach to services not included in up: nosuch"));
    let output = stack.up(&["--attach", "a", "--attach-dependencies"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(text(&output.stderr).contains("cannot combine --attach and --attach-dependencies"));
}

#[test]
fn flag_conflicts_use_the_reference_words() {
    if !usable() {
        return;
    }
    let stack = Stack::new("upa-flags", "services: {a: {image: IMAGE}}");
    for (arguments, message) in [
        (
            &["--abort-on-container-exit", "--abort-on-container-failure"][..],
            "--abort-on-container-failure cannot be combined with --abort-on-container-exit",
        ),
        (
            &["-d", "--exit-code-from", "a"][..],
            "--detach cannot be combined with --abort-on-container-exit, --abort-on-container-failure, --attach, --attach-dependencies or --watch",
        ),
        (
            &["--wait", "--attach", "a"][..],
            "--wait cannot be combined with --abort-on-container-exit, --attach or --attach-dependencies",
        ),
        (
            &["--exit-code-from", "nosuch"][..],
            "no such service: nosuch: not found",
        ),
        (
            &["-d", "--watch"][..],
            "--detach cannot be combined with --abort-on-container-exit, --abort-on-container-failure, --attach, --attach-dependencies or --watch",
        ),
        (
            &["--watch"][..],
            "none of the selected services is configured for watch, see https://docs.docker.com/compose/how-tos/file-watch/",
        ),
    ] {
        let output = stack.up(arguments);
        assert_eq!(output.status.code(), Some(1), "{arguments:?}");
        assert_eq!(text(&output.stderr).trim_end(), message, "{arguments:?}");
    }
    // Refused before anything was created (the reference creates, then fails `--watch`).
    let (containers, networks, volumes) = support::project_leftovers(stack.name());
    assert!(
        containers.is_empty() && networks.is_empty() && volumes.is_empty(),
        "{containers:?} {networks:?} {volumes:?}"
    );
}

#[test]
fn first_lines_restarts_and_formatting_flags() {
    if !usable() {
        return;
    }
    let stack = Stack::new(
        "upa-format",
        r#"
services:
  flaky:
    image: IMAGE
    command: ["sh", "-c", "echo run; exit 5"]
    restart: on-failure:1
"#,
    );
    let output = stack.up(&["--no-log-prefix"]);
    assert_eq!(output.status.code(), Some(0), "{}", describe(&output));
    // Attached before the start: the first line of each run is there; the restart is
    // followed. (When the engine's events lag behind a run that ends at once, the first
    // status line may come after the second run's line.)
    let stdout = text(&output.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines[..2], ["Attaching to flaky-1", "run"], "{stdout}");
    assert_eq!(
        lines.iter().filter(|line| **line == "run").count(),
        2,
        "{stdout}"
    );
    let statuses: Vec<&str> = lines
        .iter()
        .filter(|line| line.contains("exited"))
        .copied()
        .collect();
    assert_eq!(
        statuses,
        [
            "\r\x1b[Kflaky-1 exited with code 5 (restarting)",
            "\r\x1b[Kflaky-1 exited with code 5"
        ],
        "{stdout}"
    );
    let run = |arguments: &[&str]| stack.command(arguments).output().unwrap();
    let output = run(&["--ansi", "always", "up", "--timestamps", "--force-recreate"]);
    let stdout = text(&output.stdout);
    let first = stdout.lines().nth(1).unwrap();
    assert!(
        first.starts_with("\x1b[36mflaky-1  | \x1b[0m20"),
        "{first:?}"
    );
    assert!(first.ends_with("Z run"), "{first:?}");
    let output = run(&["--ansi", "always", "up", "--no-color", "--force-recreate"]);
    assert!(text(&output.stdout).contains("\nflaky-1  | run\n"));
}

#[test]
fn each_run_then_its_status_line_then_the_next_run() {
    if !usable() {
        return;
    }
    let stack = Stack::new("upa-runs", support::RESTARTING_STACK);
    let output = stack.up(&["--no-color"]);
    assert_eq!(output.status.code(), Some(0), "{}", describe(&output));
    let lines: Vec<String> = text(&output.stdout).lines().map(str::to_owned).collect();
    support::assert_each_run_then_its_status(&lines);
}

/// The child `up` with its output read line by line in the background.
struct Running {
    child: Child,
    stdout: mpsc::Receiver<String>,
    stderr: mpsc::Receiver<String>,
    seen: Vec<String>,
}

impl Running {
    fn start(stack: &Stack, arguments: &[&str]) -> Self {
        let mut all = vec!["up"];
        all.extend_from_slice(arguments);
        Self::spawn(stack.command(&all))
    }

    fn spawn(mut command: Command) -> Self {
        let mut child = command
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        Self {
            stdout: lines_of(child.stdout.take().unwrap()),
            stderr: lines_of(child.stderr.take().unwrap()),
            child,
            seen: Vec::new(),
        }
    }

    fn signal(&self, name: &str) {
        let status = Command::new("kill")
            .args([&format!("-{name}"), &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
    }

    /// Waits (up to two minutes) for a line on stdout or stderr.
    fn wait_for(&mut self, on_stderr: bool, what: &str, predicate: impl Fn(&str) -> bool) {
        let lines = if on_stderr {
            &self.stderr
        } else {
            &self.stdout
        };
        loop {
            match lines.recv_timeout(Duration::from_secs(120)) {
                Ok(line) => {
                    let found = predicate(&line);
                    self.seen.push(line);
                    if found {
                        return;
                    }
                }
                Err(error) => panic!("no {what} ({error}) after {:#?}", self.seen),
            }
        }
    }

    /// Waits (up to two minutes) for the process to end and returns its exit code.
    fn wait_end(&mut self) -> Option<i32> {
        while let Ok(line) = self.stdout.recv_timeout(Duration::from_secs(120)) {
            self.seen.push(line);
        }
        self.child.wait().unwrap().code()
    }

    /// The stderr lines not read yet, once the process has ended.
    fn rest_of_stderr(&self) -> Vec<String> {
        self.stderr.iter().collect()
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn lines_of(stream: impl Read + Send + 'static) -> mpsc::Receiver<String> {
    let (sender, lines) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stream).lines() {
            let Ok(line) = line else { break };
            if sender.send(line).is_err() {
                break;
            }
        }
    });
    lines
}

/// `front` depends on `back`; both print `ready` and stop on SIGTERM, saying so.
const GRACEFUL_STACK: &str = r#"
services:
  back:
    image: IMAGE
    command: ["sh", "-c", "trap 'echo bye; exit 0' TERM; echo ready; while true; do sleep 1; done"]
  front:
    image: IMAGE
    command: ["sh", "-c", "trap 'echo bye; exit 0' TERM; echo ready; while true; do sleep 1; done"]
    depends_on: [back]
"#;

fn graceful_stop_on(signal: &str) {
    let stack = Stack::new(&format!("upa-{}", signal.to_lowercase()), GRACEFUL_STACK);
    let mut up = Running::start(&stack, &[]);
    up.wait_for(false, "a first ready", |line| line.ends_with("| ready"));
    up.wait_for(false, "a second ready", |line| line.ends_with("| ready"));
    up.signal(signal);
    up.wait_for(false, "the graceful stop", |line| {
        line == "Gracefully Stopping... press Ctrl+C again to force"
    });
    assert_eq!(up.wait_end(), Some(130), "{:#?}", up.seen);
    assert!(
        up.seen.contains(&"front-1  | bye".to_owned()),
        "{:#?}",
        up.seen
    );
    assert!(
        up.seen.contains(&"back-1   | bye".to_owned()),
        "{:#?}",
        up.seen
    );
    for service in ["front", "back"] {
        assert!(!stack.running(service));
        assert_eq!(
            stack.exit_code(service),
            "0",
            "{service} stopped gracefully"
        );
    }
    // Reverse dependency order: front (the dependent) stopped before back.
    let finished = |service: &str| -> (String, u32) {
        // `2024-01-02T03:04:05.123Z`: the fraction has no trailing zeros.
        let text = stack.inspect(service, "{{.State.FinishedAt}}");
        let (whole, fraction) = text.trim_end_matches('Z').split_once('.').unwrap();
        (whole.to_owned(), format!("{fraction:0<9}").parse().unwrap())
    };
    assert!(finished("front") < finished("back"));
}

#[test]
fn ctrl_c_once_stops_gracefully_in_reverse_order_and_exits_130() {
    if !usable() {
        return;
    }
    graceful_stop_on("INT");
}

#[test]
fn sigterm_stops_gracefully_too() {
    if !usable() {
        return;
    }
    graceful_stop_on("TERM");
}

#[test]
fn sigterm_during_the_create_phase_stops_creating_and_a_new_up_converges() {
    const SERVICES: usize = 16;
    if !usable() {
        return;
    }
    let compose = (0..SERVICES).fold(String::from("services:\n"), |yaml, number| {
        format!("{yaml}  s{number}: {{image: IMAGE, command: [sleep, '1000'], init: true}}\n")
    });
    let stack = Stack::new("upa-term-create", &compose);
    // One engine call at a time: the create phase goes on long after the first container
    // is created, so the signal lands in it.
    let mut up = Running::spawn(stack.command(&["--parallel", "1", "--progress", "plain", "up"]));
    up.wait_for(true, "a first container created", |line| {
        line.starts_with(" Container ") && line.ends_with(" Created")
    });
    up.signal("TERM");
    // As Ctrl-C and as the reference: 130, nothing attached to or started, and the
    // reference's empty last line.
    assert_eq!(up.wait_end(), Some(130), "{:#?}", up.seen);
    let stderr = up.rest_of_stderr();
    assert_eq!(stderr.last().map(String::as_str), Some(""), "{stderr:#?}");
    assert!(
        !up.seen.iter().any(|line| line.starts_with("Attaching to")),
        "{:#?}",
        up.seen
    );
    let states = docker(&[
        "ps",
        "-a",
        "--filter",
        &format!("label={}", stack.guard.label()),
        "--format",
        "{{.State}}",
    ]);
    let states: Vec<&str> = states.lines().collect();
    assert!(
        !states.is_empty() && states.len() < SERVICES,
        "creating did not stop at the signal: {states:?}"
    );
    assert!(states.iter().all(|state| *state == "created"), "{states:?}");

    // A new `up -d` converges, `down` leaves nothing.
    let output = stack.up(&["-d"]);
    assert_eq!(output.status.code(), Some(0), "{}", describe(&output));
    for number in 0..SERVICES {
        assert!(
            stack.running(&format!("s{number}")),
            "s{number} is not running"
        );
    }
    let output = stack.command(&["down", "-t", "0"]).output().unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", describe(&output));
    let (containers, networks, volumes) = support::project_leftovers(stack.name());
    assert!(
        containers.is_empty() && networks.is_empty() && volumes.is_empty(),
        "{containers:?} {networks:?} {volumes:?}"
    );
}

#[test]
fn ctrl_c_twice_kills_a_container_that_ignores_sigterm() {
    if !usable() {
        return;
    }
    let stack = Stack::new(
        "upa-kill",
        r#"
services:
  stubborn:
    image: IMAGE
    command: ["sh", "-c", "trap '' TERM; echo ready; while true; do sleep 1; done"]
    stop_grace_period: 10m
"#,
    );
    let mut up = Running::start(&stack, &[]);
    up.wait_for(false, "ready", |line| line == "stubborn-1  | ready");
    up.signal("INT");
    // The stop is held up: we say by whom (the grace period would let it run 10 minutes).
    let expected = format!(
        "still stopping: {}-stubborn-1 (SIGTERM sent, SIGKILL after 600s); press Ctrl+C again to kill now",
        stack.name()
    );
    up.wait_for(true, "the hold-up hint", |line| line == expected);
    up.signal("INT");
    assert_eq!(up.wait_end(), Some(130), "{:#?}", up.seen);
    assert!(!stack.running("stubborn"));
    assert_eq!(stack.exit_code("stubborn"), "137", "killed");
}

#[test]
fn watch_syncs_an_edit_with_its_lines_in_the_feed_and_ctrl_c_stops_the_stack() {
    if !usable() {
        return;
    }
    let stack = Stack::new(
        "upa-watch",
        r#"
services:
  app:
    image: IMAGE
    command: ["sh", "-c", "trap 'echo bye; exit 0' TERM; echo started; while true; do sleep 1; done"]
    develop:
      watch:
        - path: ./src
          action: sync
          target: /data
"#,
    );
    let source = stack.directory.path().join("src");
    std::fs::create_dir(&source).unwrap();
    std::fs::write(source.join("first.txt"), "one").unwrap();
    let mut up = Running::start(&stack, &["--watch"]);
    // `#watch` counts in the prefix width, as in the reference: `app-1   | `.
    let watch_prefix = format!("{} \u{29bf} ", " ".repeat(7));
    let enabled = format!("{watch_prefix}Watch enabled");
    up.wait_for(false, "Watch enabled", |line| line == enabled);
    if !up.seen.iter().any(|line| line == "app-1   | started") {
        up.wait_for(false, "the service's line", |line| {
            line == "app-1   | started"
        });
    }
    std::fs::write(source.join("second.txt"), "two").unwrap();
    let container = format!("{}-app-1", stack.name());
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    loop {
        let output = support::docker_output(&["exec", &container, "cat", "/data/second.txt"]);
        if output.status.success() && output.stdout == b"two" {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the edit never reached the container: {}",
            describe(&output)
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let syncing = format!("{watch_prefix}Syncing service \"app\" after ");
    up.wait_for(false, "the Syncing line", |line| {
        line.starts_with(&syncing) && line.ends_with(" changes were detected")
    });
    up.signal("INT");
    assert_eq!(up.wait_end(), Some(130), "{:#?}", up.seen);
    assert!(
        up.seen
            .contains(&"Gracefully Stopping... press Ctrl+C again to force".to_owned()),
        "{:#?}",
        up.seen
    );
    assert!(
        up.seen.contains(&"app-1   | bye".to_owned()),
        "{:#?}",
        up.seen
    );
    assert!(!stack.running("app"));
    assert_eq!(stack.exit_code("app"), "0", "stopped gracefully");
}
