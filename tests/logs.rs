//! Real-daemon tests of `logs`: stacks are brought up with the reference (`up -d`) and read
//! with dk-compose. Lines and their order per container under load, tty and non-tty,
//! `--tail`, `--since`/`--until`, timestamps, `--no-log-prefix`, forced colours,
//! `--follow` across a restart and a scale-up, and `--tail` with `--follow` on containers
//! that restart.

mod support;

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc;
use std::time::Duration;

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

    fn reference(&self, arguments: &[&str]) -> Output {
        let output = self
            .command(&reference_binary(), arguments)
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "reference {arguments:?} failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        output
    }

    fn ours(&self, arguments: &[&str]) -> Output {
        self.command(Path::new(env!("CARGO_BIN_EXE_dk-compose")), arguments)
            .output()
            .unwrap()
    }

    fn ours_text(&self, arguments: &[&str]) -> String {
        let output = self.ours(arguments);
        assert!(
            output.status.success(),
            "dk-compose {arguments:?} failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8(output.stdout).unwrap()
    }

    /// Blocks until the container has exited (`docker wait`, no polling).
    fn wait_exit(&self, service: &str, number: u32) {
        docker(&["wait", &format!("{}-{service}-{number}", self.name())]);
    }
}

fn usable() -> bool {
    if !engine_available() {
        return false;
    }
    ensure_test_images();
    true
}

/// `web-1  | text` → ("web-1", "text").
fn split_line(line: &str) -> (&str, &str) {
    let (prefix, text) = line.split_once(" | ").unwrap_or(("", line));
    (prefix.trim_end(), text)
}

fn per_container(text: &str) -> BTreeMap<String, Vec<String>> {
    let mut map: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for line in text.lines() {
        let (name, text) = split_line(line);
        map.entry(name.to_owned())
            .or_default()
            .push(text.trim_end_matches('\r').to_owned());
    }
    map
}

const LINES: usize = 20_000;

#[test]
fn every_line_in_order_per_container_under_load_tty_and_not() {
    if !usable() {
        return;
    }
    let compose = format!(
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
    command: ["sh", "-c", "seq 1 {LINES}"]
  terminal:
    image: IMAGE
    tty: true
    command: ["sh", "-c", "seq 1 1000"]
"#
    );
    let stack = Stack::new("logs-load", &compose);
    stack.reference(&["up", "-d"]);
    for service in ["alpha", "beta", "gamma-longer", "terminal"] {
        stack.wait_exit(service, 1);
    }
    let text = stack.ours_text(&["logs"]);
    let containers = per_container(&text);
    let expected = |count: usize| -> Vec<String> { (1..=count).map(|n| n.to_string()).collect() };
    assert_eq!(
        containers.keys().cloned().collect::<Vec<_>>(),
        ["alpha-1", "beta-1", "gamma-longer-1", "terminal-1"]
    );
    for name in ["alpha-1", "beta-1", "gamma-longer-1"] {
        assert!(
            containers[name] == expected(LINES),
            "{name} lost or reordered lines"
        );
    }
    assert!(containers["terminal-1"] == expected(1000));
    // Every prefix is padded to the longest name (all registered before the first line).
    assert!(
        text.lines()
            .all(|line| line.find(" | ") == Some("gamma-longer-1".len() + 1))
    );
    // tty output keeps its carriage returns, as the reference prints them.
    assert!(text.contains("terminal-1      | 1000\r\n"));
}

#[test]
fn tail_since_until_and_timestamps() {
    if !usable() {
        return;
    }
    let stack = Stack::new(
        "logs-window",
        r#"
services:
  web:
    image: IMAGE
    command: ["sh", "-c", "seq 1 10; printf 'no newline'"]
"#,
    );
    stack.reference(&["up", "-d"]);
    stack.wait_exit("web", 1);
    let all = stack.ours_text(&["logs"]);
    let lines: Vec<&str> = all.lines().collect();
    assert_eq!(lines.len(), 11, "{all}");
    // The last line has no newline: printed anyway (the reference drops it).
    assert_eq!(lines[10], "web-1  | no newline");

    let tail = stack.ours_text(&["logs", "--tail", "3"]);
    assert_eq!(tail, "web-1  | 9\nweb-1  | 10\nweb-1  | no newline\n");
    assert_eq!(stack.ours_text(&["logs", "-n", "0"]), "");

    assert_eq!(stack.ours_text(&["logs", "--since", "1h"]), all);
    assert_eq!(stack.ours_text(&["logs", "--until", "1h"]), "");
    assert_eq!(
        stack.ours_text(&["logs", "--until", "2000-01-01T00:00:00Z"]),
        ""
    );
    assert_eq!(
        stack.ours_text(&["logs", "--since", "2000-01-01T00:00:00Z"]),
        all
    );

    let stamped = stack.ours_text(&["logs", "-t", "--tail", "1"]);
    let (_, text) = split_line(stamped.trim_end());
    let (stamp, rest) = text.split_once(' ').unwrap();
    assert_eq!(rest, "no newline");
    assert!(
        stamp.len() >= 20 && stamp.ends_with('Z') && stamp.as_bytes()[10] == b'T',
        "{stamp}"
    );
    // `--since` a moment inside the output, with nanoseconds, keeps what follows only.
    let first_stamp = stack.ours_text(&["logs", "-t", "--tail", "all"]);
    let sixth = first_stamp.lines().nth(5).unwrap();
    let (_, sixth_text) = split_line(sixth);
    let sixth_stamp = sixth_text.split_once(' ').unwrap().0;
    let since = stack.ours_text(&["logs", "--since", sixth_stamp]);
    assert!(since.starts_with("web-1  | 6\n"), "{since}");

    let invalid = stack.ours(&["logs", "--since", "yesterday"]);
    assert_eq!(invalid.status.code(), Some(1));
}

#[test]
fn no_prefix_colours_and_index() {
    if !usable() {
        return;
    }
    let stack = Stack::new(
        "logs-look",
        r#"
services:
  web:
    image: IMAGE
    command: ["sh", "-c", "echo hello"]
    deploy:
      replicas: 2
  db:
    image: IMAGE
    command: ["sh", "-c", "echo ready"]
"#,
    );
    stack.reference(&["up", "-d"]);
    stack.wait_exit("web", 1);
    stack.wait_exit("web", 2);
    stack.wait_exit("db", 1);
    assert_eq!(
        stack.ours_text(&["logs", "--no-log-prefix", "db"]),
        "ready\n"
    );
    // Sorted by name: db-1 gets the first colour (cyan), web-1 yellow, web-2 green.
    let coloured = stack.ours_text(&["--ansi", "always", "logs"]);
    assert!(
        coloured.contains("\x1b[36mdb-1   | \x1b[0mready\n"),
        "{coloured:?}"
    );
    assert!(
        coloured.contains("\x1b[33mweb-1  | \x1b[0mhello\n"),
        "{coloured:?}"
    );
    assert!(
        coloured.contains("\x1b[32mweb-2  | \x1b[0mhello\n"),
        "{coloured:?}"
    );
    let monochrome = stack.ours_text(&["--ansi", "always", "logs", "--no-color"]);
    assert!(!monochrome.contains('\x1b'));
    let no_color = stack
        .command(
            Path::new(env!("CARGO_BIN_EXE_dk-compose")),
            &["--ansi", "always", "logs"],
        )
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    assert!(!String::from_utf8_lossy(&no_color.stdout).contains('\x1b'));
    // Not a terminal: no colour by default.
    assert!(!stack.ours_text(&["logs"]).contains('\x1b'));

    assert_eq!(
        stack.ours_text(&["logs", "--index", "2", "web"]),
        "web-2  | hello\n"
    );
    let without_service = stack.ours(&["logs", "--index", "2"]);
    assert_eq!(without_service.status.code(), Some(1));
    let missing = stack.ours(&["logs", "--index", "3", "web"]);
    assert_eq!(missing.status.code(), Some(1));
    let unknown = stack.ours(&["logs", "nope"]);
    assert_eq!(unknown.status.code(), Some(1));
}

/// A `logs -f` process and its stdout, line by line.
struct Follower {
    child: Child,
    lines: mpsc::Receiver<String>,
    seen: Vec<String>,
}

impl Follower {
    fn start(stack: &Stack, arguments: &[&str]) -> Self {
        let mut child = stack
            .command(Path::new(env!("CARGO_BIN_EXE_dk-compose")), arguments)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (sender, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if sender.send(line).is_err() {
                    break;
                }
            }
        });
        Self {
            child,
            lines,
            seen: Vec::new(),
        }
    }

    /// Waits (up to a minute) until a line satisfying `predicate` arrives.
    fn wait_for(&mut self, what: &str, predicate: impl Fn(&str) -> bool) {
        loop {
            match self.lines.recv_timeout(Duration::from_secs(60)) {
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

    /// Sends `signal` (`TERM`, `INT`) to the process.
    fn signal(&self, signal: &str) {
        let sent = Command::new("kill")
            .args([&format!("-{signal}"), &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(sent.success());
    }

    /// Waits (up to a minute) for the process to end, and returns its exit code.
    fn wait_end(mut self) -> (Option<i32>, Vec<String>) {
        while let Ok(line) = self.lines.recv_timeout(Duration::from_secs(60)) {
            self.seen.push(line);
        }
        let status = self.child.wait().unwrap();
        (status.code(), std::mem::take(&mut self.seen))
    }
}

impl Drop for Follower {
    fn drop(&mut self) {
        let _ = self.child.kill();
    }
}

#[test]
fn follow_picks_up_a_restart_and_a_scale_up_and_ends_when_all_stop() {
    if !usable() {
        return;
    }
    let stack = Stack::new(
        "logs-follow",
        r#"
services:
  web:
    image: IMAGE
    stop_grace_period: 5s
    command: ["sh", "-c", "echo run; trap 'echo bye; exit 0' TERM; while true; do sleep 1; done"]
"#,
    );
    stack.reference(&["up", "-d"]);
    let mut follower = Follower::start(&stack, &["logs", "-f"]);
    follower.wait_for("first run", |line| line == "web-1  | run");

    stack.reference(&["restart", "web"]);
    follower.wait_for("exit status", |line| {
        line == "\r\x1b[Kweb-1 exited with code 0"
    });
    follower.wait_for("second run", |line| line == "web-1  | run");

    stack.reference(&["up", "-d", "--scale", "web=2"]);
    follower.wait_for("scaled container", |line| line.ends_with("web-2  | run"));

    stack.reference(&["stop"]);
    let (code, seen) = follower.wait_end();
    assert_eq!(code, Some(0), "{seen:#?}");
    let byes = seen.iter().filter(|line| line.ends_with("| bye")).count();
    assert_eq!(byes, 3, "{seen:#?}");
    let runs = seen.iter().filter(|line| line.ends_with("| run")).count();
    assert_eq!(runs, 3, "no run may be printed twice: {seen:#?}");
}

/// As the reference: Ctrl-C or SIGTERM ends `logs -f` with 130 (and its empty line), not
/// by the signal's default action.
#[test]
fn sigterm_and_sigint_end_follow_with_130() {
    if !usable() {
        return;
    }
    let stack = Stack::new(
        "logs-signal",
        "services:\n  web:\n    image: IMAGE\n    init: true\n    command: [sh, -c, 'echo up; exec sleep 300']\n",
    );
    stack.reference(&["up", "-d"]);
    for signal in ["TERM", "INT"] {
        let mut follower = Follower::start(&stack, &["logs", "-f"]);
        follower.wait_for("the first line", |line| line == "web-1  | up");
        follower.signal(signal);
        let (code, seen) = follower.wait_end();
        assert_eq!(code, Some(130), "SIG{signal}: {seen:#?}");
    }
}

#[test]
fn follow_without_running_containers_prints_and_ends() {
    if !usable() {
        return;
    }
    let stack = Stack::new(
        "logs-stopped",
        r#"
services:
  job:
    image: IMAGE
    command: ["sh", "-c", "echo done; exit 3"]
"#,
    );
    stack.reference(&["up", "-d"]);
    stack.wait_exit("job", 1);
    // The reference waits forever here; we print the log and end.
    let output = stack.ours(&["logs", "-f"]);
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(String::from_utf8_lossy(&output.stdout), "job-1  | done\n");
}

#[test]
fn follow_shows_each_run_then_its_status_line_then_the_next_run() {
    if !usable() {
        return;
    }
    let stack = Stack::new("logs-runs", support::RESTARTING_STACK);
    stack.reference(&["create"]);
    // Followed from before the first start: every run of every container is seen.
    let follower = Follower::start(&stack, &["logs", "-f"]);
    stack.reference(&["start"]);
    let (code, seen) = follower.wait_end();
    assert_eq!(code, Some(0), "{seen:#?}");
    support::assert_each_run_then_its_status(&seen);
}

/// Each container's first run prints two lines and waits; the next ones print two lines
/// and exit at once (up to six runs).
const TAIL_STACK: &str = r#"
services:
  flaky:
    image: IMAGE
    scale: 3
    restart: on-failure:5
    command: ["sh", "-c", "n=$$(cat /count/n 2>/dev/null || echo 0); n=$$((n+1)); echo $$n > /count/n; echo run $$n a; echo run $$n b; [ $$n = 1 ] && sleep 6; exit 1"]
    volumes: [/count]
"#;

#[test]
fn follow_with_tail_counts_the_lines_there_at_start_then_shows_each_later_run_once() {
    if !usable() {
        return;
    }
    let stack = Stack::new("logs-tail-follow", TAIL_STACK);
    stack.reference(&["up", "-d"]);
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    for number in 1..=3 {
        let container = format!("{}-flaky-{number}", stack.name());
        while !String::from_utf8_lossy(&support::docker_output(&["logs", &container]).stdout)
            .contains("run 1 b")
        {
            assert!(
                std::time::Instant::now() < deadline,
                "{container} never ran"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
    // Every first run is in its wait: the tail is its last line, then each run once (the
    // engine's follow read of a run can go on into the next run's lines: never shown).
    let follower = Follower::start(&stack, &["logs", "--tail", "1", "-f", "--no-color"]);
    let (code, seen) = follower.wait_end();
    assert_eq!(code, Some(0), "{seen:#?}");
    let mut shown: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for line in &seen {
        let line = line.trim_start_matches("\r\x1b[K");
        let (name, text) = match line.split_once(" | ") {
            Some((prefix, text)) => (prefix.trim_end(), text),
            None => line.split_once(' ').unwrap_or((line, "")),
        };
        shown
            .entry(name.to_owned())
            .or_default()
            .push(text.to_owned());
    }
    let mut expected = vec!["run 1 b".to_owned()];
    for run in 2..=6 {
        expected.push("exited with code 1 (restarting)".to_owned());
        expected.push(format!("run {run} a"));
        expected.push(format!("run {run} b"));
    }
    expected.push("exited with code 1".to_owned());
    assert_eq!(shown.len(), 3, "{seen:#?}");
    for (name, lines) in &shown {
        assert_eq!(lines, &expected, "{name}: {seen:#?}");
    }
}
