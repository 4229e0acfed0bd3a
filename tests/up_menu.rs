//! Real-daemon tests of attached `up`'s navigation menu, run under a pseudo-terminal made
//! by util-linux `script` (keys are written to its stdin): the menu line drawn at the
//! bottom row, `d` detaching (exit 0, the container still running, the terminal given
//! back), `w` with nothing to watch (the reference's note), `w` turning `develop.watch` on
//! (an edit synced) and off, Ctrl-C still stopping gracefully (130), and no menu with
//! `COMPOSE_MENU=0` or without a terminal on stdin, `--menu` winning over the variable, and
//! Ctrl-C's stop display not drawn over by log lines.
//! Waits are on output and polled conditions, never on fixed sleeps.

mod support;

use std::io::{Read, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use support::{Stack, engine_available, ensure_test_images};

const WAIT: Duration = Duration::from_secs(120);

/// The menu as the reference draws it: `w` black on white and bold, the label faint.
const COLOURED_WATCH_KEY: &str =
    "\x1b[1;38;2;0;0;0;48;2;255;255;255mw\x1b[0m\x1b[2m Enable Watch\x1b[0m";

/// The engine and `script` are there (with `CI` set, a missing `script` fails the test).
#[allow(clippy::print_stderr)]
fn usable() -> bool {
    if !engine_available() {
        return false;
    }
    if Command::new("script").arg("--version").output().is_err() {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI is set but util-linux `script` is not installed"
        );
        eprintln!("skipping: util-linux `script` is not installed");
        return false;
    }
    ensure_test_images();
    true
}

/// `'text'` for `sh`.
fn quoted(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}

/// The output without escape sequences (CSI, `ESC 7`, `ESC 8`) and carriage returns.
fn plain(raw: &str) -> String {
    let mut text = String::with_capacity(raw.len());
    let mut characters = raw.chars().peekable();
    while let Some(character) = characters.next() {
        match character {
            // `ESC [ ... letter`, or `ESC` and one character.
            '\x1b' => {
                if characters.next() == Some('[') {
                    for next in characters.by_ref() {
                        if next.is_ascii_alphabetic() {
                            break;
                        }
                    }
                }
            }
            '\r' => {}
            other => text.push(other),
        }
    }
    text
}

/// `dk-compose up` in a 24×100 pseudo-terminal, its shell ignoring SIGINT (so that after
/// Ctrl-C it still prints `exit=N` and the terminal's modes).
struct Terminal {
    child: Child,
    input: ChildStdin,
    output: Arc<Mutex<Vec<u8>>>,
    reader: Option<JoinHandle<()>>,
}

impl Terminal {
    fn start(stack: &Stack, environment: &str, arguments: &str) -> Self {
        let binary = Path::new(env!("CARGO_BIN_EXE_dk-compose"));
        let compose = stack.compose_file();
        let shell = format!(
            "stty rows 24 cols 100; trap '' INT; {environment} {} -p {} -f {} up {arguments}; \
             echo \"exit=$?\"; stty -a",
            quoted(&binary.to_string_lossy()),
            quoted(stack.name()),
            quoted(&compose.to_string_lossy()),
        );
        let mut child = Command::new("script")
            .args(["-qfec", &shell, "/dev/null"])
            .current_dir(stack.directory.path())
            .env("SHELL", "/bin/sh")
            .env("TERM", "xterm")
            .env_remove("NO_COLOR")
            .env_remove("COMPOSE_ANSI")
            .env_remove("COMPOSE_PROGRESS")
            .env_remove("COMPOSE_MENU")
            .env_remove("COMPOSE_PROJECT_NAME")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let input = child.stdin.take().unwrap();
        let mut stdout = child.stdout.take().unwrap();
        let output = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&output);
        let reader = std::thread::spawn(move || {
            let mut buffer = [0_u8; 4096];
            while let Ok(count) = stdout.read(&mut buffer) {
                if count == 0 {
                    break;
                }
                sink.lock().unwrap().extend_from_slice(&buffer[..count]);
            }
        });
        Self {
            child,
            input,
            output,
            reader: Some(reader),
        }
    }

    fn raw(&self) -> String {
        String::from_utf8_lossy(&self.output.lock().unwrap()).into_owned()
    }

    fn text(&self) -> String {
        plain(&self.raw())
    }

    fn send(&mut self, keys: &[u8]) {
        self.input.write_all(keys).unwrap();
        self.input.flush().unwrap();
    }

    /// Waits (up to two minutes) until the text without escapes satisfies `predicate`.
    fn wait_for(&self, what: &str, predicate: impl Fn(&str) -> bool) {
        let deadline = Instant::now() + WAIT;
        loop {
            let text = self.text();
            if predicate(&text) {
                return;
            }
            assert!(Instant::now() < deadline, "no {what} in:\n{text}");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn wait_for_text(&self, needle: &str) {
        self.wait_for(needle, |text| text.contains(needle));
    }

    /// Waits for `up` to end; its exit code, and the terminal's modes after it.
    fn finish(mut self) -> (i32, String) {
        // The line may share the screen row with the menu's text (drawn there by cursor
        // moves).
        self.wait_for("the exit code", |text| {
            text.split_once("exit=")
                .is_some_and(|(_, after)| after.contains('\n'))
        });
        let deadline = Instant::now() + WAIT;
        while self.child.try_wait().unwrap().is_none() {
            assert!(Instant::now() < deadline, "script did not end");
            std::thread::sleep(Duration::from_millis(50));
        }
        // Everything it wrote, up to its end.
        if let Some(reader) = self.reader.take() {
            let _ = reader.join();
        }
        let text = self.text();
        let (_, after) = text.split_once("exit=").unwrap();
        let (code, modes) = after.split_once('\n').unwrap();
        (code.trim().parse().unwrap(), modes.to_owned())
    }
}

impl Drop for Terminal {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The terminal is back in line mode with echo.
fn assert_restored(modes: &str) {
    let words: Vec<&str> = modes.split_whitespace().collect();
    for mode in ["icanon", "echo", "isig"] {
        assert!(
            words.contains(&mode) && !words.contains(&format!("-{mode}").as_str()),
            "{mode} not restored: {modes}"
        );
    }
}

const LONG_RUNNING: &str = r#"
services:
  app:
    image: IMAGE
    command: ["sh", "-c", "trap 'echo bye; exit 0' TERM; echo started; while true; do sleep 1; done"]
"#;

#[test]
fn d_detaches_leaving_the_container_running_and_w_says_there_is_nothing_to_watch() {
    if !usable() {
        return;
    }
    let stack = Stack::new("upmenu-detach", LONG_RUNNING);
    let mut terminal = Terminal::start(&stack, "", "");
    terminal.wait_for_text("app-1  | started");
    terminal.wait_for_text("w Enable Watch   d Detach");
    let raw = terminal.raw();
    assert!(raw.contains(COLOURED_WATCH_KEY), "{raw:?}");
    // The menu goes to the last of the 24 rows, the cursor saved and restored around it.
    assert!(raw.contains("\x1b7\x1b[24;0H\x1b[2K"), "{raw:?}");
    terminal.send(b"w");
    terminal.wait_for_text(
        "Watch →  watch is not yet configured. Learn more: https://docs.docker.com/compose/file-watch/",
    );
    terminal.send(b"d");
    let (code, modes) = terminal.finish();
    assert_eq!(code, 0);
    assert_eq!(stack.inspect("app", "{{.State.Running}}"), "true");
    assert_restored(&modes);
}

#[test]
fn w_turns_watching_on_and_off_and_ctrl_c_still_stops_gracefully() {
    if !usable() {
        return;
    }
    let watched =
        "    develop:\n      watch:\n        - {path: ./src, action: sync, target: /data}\n";
    let stack = Stack::new("upmenu-watch", &format!("{LONG_RUNNING}{watched}"));
    let source = stack.directory.path().join("src");
    std::fs::create_dir(&source).unwrap();
    let mut terminal = Terminal::start(&stack, "", "");
    terminal.wait_for_text("app-1  | started");
    terminal.wait_for_text("w Enable Watch   d Detach");
    terminal.send(b"w");
    terminal.wait_for_text("\u{29bf} Watch enabled");
    terminal.wait_for_text("w Disable Watch   d Detach");
    std::fs::write(source.join("edit.txt"), "two").unwrap();
    let container = stack.container("app");
    let deadline = Instant::now() + WAIT;
    loop {
        let output = support::docker_output(&["exec", &container, "cat", "/data/edit.txt"]);
        if output.status.success() && output.stdout == b"two" {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the edit never reached the container"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    terminal.wait_for_text("\u{29bf} Syncing service \"app\" after 1 changes were detected");
    terminal.send(b"w");
    terminal.wait_for(
        "Watch disabled, then the menu offering to enable it",
        |text| {
            text.split_once("\u{29bf} Watch disabled")
                .is_some_and(|(_, after)| after.contains("w Enable Watch   d Detach"))
        },
    );
    terminal.send(b"\x03");
    terminal.wait_for_text("Gracefully Stopping... press Ctrl+C again to force");
    let (code, modes) = terminal.finish();
    assert_eq!(code, 130);
    assert_eq!(stack.inspect("app", "{{.State.Running}}"), "false");
    assert_eq!(
        stack.inspect("app", "{{.State.ExitCode}}"),
        "0",
        "stopped gracefully"
    );
    assert_restored(&modes);
}

/// Runs `up` until its service started, tells whether the menu was drawn, then stops it
/// with Ctrl-C.
fn menu_drawn(stack: &Stack, environment: &str, arguments: &str) -> bool {
    let mut terminal = Terminal::start(stack, environment, arguments);
    // The menu is drawn after the `Attaching to` line, before the service's first line.
    terminal.wait_for_text("app-1  | started");
    let drawn = terminal.text().contains("w Enable Watch");
    terminal.send(b"\x03");
    let (code, modes) = terminal.finish();
    assert_eq!(code, 130);
    assert_restored(&modes);
    drawn
}

#[test]
fn compose_menu_turns_it_off_the_flag_wins_and_stdin_must_be_a_terminal() {
    if !usable() {
        return;
    }
    let stack = Stack::new("upmenu-off", LONG_RUNNING);
    assert!(!menu_drawn(&stack, "COMPOSE_MENU=0", ""));
    assert!(menu_drawn(&stack, "COMPOSE_MENU=0", "--menu"));
    assert!(!menu_drawn(&stack, "", "--menu=false"));
    assert!(!menu_drawn(&stack, "", "--menu < /dev/null"));
}

/// Talks for a while after SIGTERM, then exits 0.
const TALKS_WHILE_STOPPING: &str = r#"
services:
  chatty:
    image: IMAGE
    command: ["sh", "-c", "trap 'i=0; while [ $$i -lt 15 ]; do echo stopping $$i; i=$$((i+1)); sleep 0.1; done; exit 0' TERM; echo started; while true; do sleep 1; done"]
"#;

#[test]
fn ctrl_c_on_a_terminal_shows_the_stop_display_and_no_more_logs_under_it() {
    if !usable() {
        return;
    }
    let stack = Stack::new("upmenu-stopdisplay", TALKS_WHILE_STOPPING);
    let mut terminal = Terminal::start(&stack, "COMPOSE_MENU=0", "");
    terminal.wait_for_text("chatty-1  | started");
    terminal.send(b"\x03");
    terminal.wait_for_text("exit=");
    let text = terminal.text();
    let (code, modes) = terminal.finish();
    assert_eq!(code, 130);
    assert_restored(&modes);
    assert_eq!(
        stack.inspect("chatty", "{{.State.ExitCode}}"),
        "0",
        "stopped gracefully, talking on the way: {text}"
    );
    // As the reference: once the stop's display redraws on the terminal, the container's
    // lines are no longer printed (they would be drawn over).
    let (_, after) = text
        .split_once("Gracefully Stopping... press Ctrl+C again to force")
        .unwrap_or_else(|| panic!("no stop notice in:\n{text}"));
    assert!(after.contains("Stopping"), "no stop display in:\n{text}");
    assert!(
        !after.contains("chatty-1  |"),
        "logs under the display:\n{text}"
    );
}
