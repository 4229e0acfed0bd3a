//! The colour-coded log multiplexer: containers' output chunks in, whole prefixed lines out.
//! [`LogMux`] is a pure renderer (bytes in, bytes out, clock passed in) so it can be
//! snapshot-tested; [`run_log_writer`] is the one task that owns stdout/stderr for a feed.
//!
//! As the reference (`cmd/formatter/logs.go`): the prefix is `<name>` padded to the longest
//! name registered so far plus one, then ` | ` (`fmt.Sprintf("%-<width>s | ", name)`),
//! coloured with the container's colour; lines already printed keep the width they had.
//! Status lines are `\r ESC[K <name> exited with code N`, coloured as a whole.
//! Where we differ on purpose: a line is printed only once its newline arrives (never
//! interleaved mid-line with another container's output), and the last line of a stream
//! without a newline is printed when the stream ends (the reference drops it). Bytes are
//! passed through untouched (as the reference does), so invalid UTF-8 reaches the terminal
//! as the container wrote it and a multi-byte character is never split. A line longer than
//! [`LONGEST_LINE`] is cut (at a character boundary) to keep memory bounded.

use std::collections::HashMap;
use std::io::Write;
use std::time::{SystemTime, UNIX_EPOCH};

use tokio::sync::{mpsc, watch};

use super::menu::MenuScreen;
use super::palette::{Palette, paint};

/// The longest partial line kept per container before it is printed without its end.
pub const LONGEST_LINE: usize = 8 * 1024 * 1024;

/// `\r ESC[K`: the reference's `goterm.RESET_LINE`, written before every status line.
const RESET_LINE: &[u8] = b"\r\x1b[K";

/// The reference's name for the watcher's lines (`api.WatchLogger`): it takes part in the
/// prefix width as a container name does.
pub const WATCH_LOGGER: &str = "#watch";

/// Bright green, the colour of the watcher's prefix.
const WATCH_COLOUR: &str = "92";

/// Where a container wrote a chunk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LogStream {
    Stdout,
    Stderr,
}

/// What the engine sends to the feed, in order per container.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LogEvent {
    /// A container joins the feed: it gets its colour and may widen the prefix.
    Register { name: String },
    /// A chunk of output (any size, lines may be cut anywhere).
    Output {
        name: String,
        stream: LogStream,
        bytes: Vec<u8>,
    },
    /// The container's stream ended: a last line without a newline is printed now.
    End { name: String },
    /// The container exited (`web-1 exited with code 3`, `(restarting)` when it restarts).
    Exited {
        name: String,
        container_id: String,
        service: String,
        exit_code: i64,
        restarting: bool,
    },
    /// A container was recreated (`<name> has been recreated`).
    Recreated { name: String },
    /// The attached `up`'s first line: `Attaching to db-1, web-1`.
    Attaching { names: Vec<String> },
    /// Lines of `up --watch`'s watcher (`Syncing service "web" after 1 changes were
    /// detected`), under the reference's `#watch` prefix: `<padding> ⦿ `, bright green.
    Watch { text: String, stream: LogStream },
    /// A line of the command itself (`Gracefully Stopping...`), in order with the feed.
    Notice {
        text: String,
        stream: LogStream,
        /// Bold red when colours are on, as the reference's `Aborting on container exit...`.
        alarm: bool,
    },
    /// Nothing after this is printed: a display that redraws takes the terminal (the
    /// attached `up`'s stop, as the reference, which shows no more logs then). The writer
    /// prints what came before, then says so on its `silenced` signal.
    Silence,
}

/// How lines look.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LogSettings {
    /// Colour the prefixes and status lines.
    pub colour: bool,
    /// Print the `web-1  | ` prefix (`--no-log-prefix` turns it off).
    pub prefix: bool,
    /// Print our clock before each line (attached `up --timestamps`; `logs -t` asks the
    /// engine for its timestamps instead, as the reference).
    pub timestamps: bool,
    /// Containers' stderr goes to our stderr (attached `up`); otherwise everything goes to
    /// stdout (`logs`), as the reference.
    pub split_stderr: bool,
}

impl Default for LogSettings {
    fn default() -> Self {
        Self {
            colour: false,
            prefix: true,
            timestamps: false,
            split_stderr: false,
        }
    }
}

/// Bytes to write, per destination.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
}

impl Rendered {
    pub fn len(&self) -> usize {
        self.stdout.len() + self.stderr.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn clear(&mut self) {
        self.stdout.clear();
        self.stderr.clear();
    }
}

#[derive(Debug)]
struct Presenter {
    colour: Option<&'static str>,
    prefix: Vec<u8>,
    /// Partial lines, stdout then stderr.
    partial: [Vec<u8>; 2],
}

/// The renderer: registered containers, their colours and prefixes, partial lines.
#[derive(Debug)]
pub struct LogMux {
    settings: LogSettings,
    palette: Palette,
    presenters: HashMap<String, Presenter>,
    /// Registration order (for a deterministic flush at the end).
    order: Vec<String>,
    width: usize,
    clock: String,
}

impl LogMux {
    pub fn new(settings: LogSettings) -> Self {
        Self {
            settings,
            palette: Palette::default(),
            presenters: HashMap::new(),
            order: Vec::new(),
            width: 0,
            clock: String::new(),
        }
    }

    pub fn settings(&self) -> LogSettings {
        self.settings
    }

    /// The time written before each line when [`LogSettings::timestamps`] is on.
    pub fn set_clock(&mut self, clock: String) {
        self.clock = clock;
    }

    /// Registers a container (no-op when known): its colour is the next of the rainbow, and
    /// every prefix is padded to the new longest name.
    pub fn register(&mut self, name: &str) {
        if self.presenters.contains_key(name) {
            return;
        }
        let colour = (self.settings.colour && !name.is_empty()).then(|| {
            if name == WATCH_LOGGER {
                WATCH_COLOUR
            } else {
                self.palette.next_colour()
            }
        });
        self.presenters.insert(
            name.to_owned(),
            Presenter {
                colour,
                prefix: Vec::new(),
                partial: [Vec::new(), Vec::new()],
            },
        );
        self.order.push(name.to_owned());
        self.width = self
            .presenters
            .keys()
            .map(|name| name.chars().count())
            .max()
            .unwrap_or_default()
            + 1;
        if self.settings.prefix {
            let width = self.width;
            for (name, presenter) in &mut self.presenters {
                let text = if name == WATCH_LOGGER {
                    format!("{} \u{29bf} ", " ".repeat(width))
                } else {
                    format!("{name:<width$} | ")
                };
                presenter.prefix.clear();
                paint(presenter.colour, text.as_bytes(), &mut presenter.prefix);
            }
        }
    }

    /// Renders one event into `output`.
    pub fn render(&mut self, event: &LogEvent, output: &mut Rendered) {
        match event {
            LogEvent::Register { name } => self.register(name),
            LogEvent::Output {
                name,
                stream,
                bytes,
            } => self.write(name, *stream, bytes, output),
            LogEvent::End { name } => self.end(name, output),
            LogEvent::Exited {
                name,
                exit_code,
                restarting,
                ..
            } => {
                let message = if *restarting {
                    format!("exited with code {exit_code} (restarting)")
                } else {
                    format!("exited with code {exit_code}")
                };
                self.status(name, &message, output);
            }
            LogEvent::Recreated { name } => self.status(name, "has been recreated", output),
            LogEvent::Attaching { names } => {
                output.stdout.extend_from_slice(b"Attaching to ");
                output.stdout.extend_from_slice(names.join(", ").as_bytes());
                output.stdout.push(b'\n');
            }
            LogEvent::Watch { text, stream } => self.watch_line(text, *stream, output),
            LogEvent::Silence => {}
            LogEvent::Notice {
                text,
                stream,
                alarm,
            } => {
                let target = match stream {
                    LogStream::Stdout => &mut output.stdout,
                    LogStream::Stderr => &mut output.stderr,
                };
                let colour = *alarm && self.settings.colour;
                if colour {
                    target.extend_from_slice(b"\x1b[31m\x1b[1m");
                }
                target.extend_from_slice(text.as_bytes());
                if colour {
                    target.extend_from_slice(b"\x1b[0m");
                }
                target.push(b'\n');
            }
        }
    }

    /// Adds a chunk of a container's output; complete lines are rendered, the rest waits.
    pub fn write(&mut self, name: &str, stream: LogStream, bytes: &[u8], output: &mut Rendered) {
        if !self.presenters.contains_key(name) {
            self.register(name);
        }
        let Some(presenter) = self.presenters.get_mut(name) else {
            return;
        };
        let (slot, target) = match (stream, self.settings.split_stderr) {
            (LogStream::Stderr, true) => (1, &mut output.stderr),
            _ => (0, &mut output.stdout),
        };
        let clock = self.settings.timestamps.then_some(self.clock.as_str());
        let mut rest = bytes;
        let partial = &mut presenter.partial[slot];
        if !partial.is_empty() {
            let Some(end) = rest.iter().position(|byte| *byte == b'\n') else {
                partial.extend_from_slice(rest);
                cut_long_line(&presenter.prefix, clock, partial, target);
                return;
            };
            partial.extend_from_slice(&rest[..end]);
            line(&presenter.prefix, clock, partial, target);
            partial.clear();
            rest = &rest[end + 1..];
        }
        while let Some(end) = rest.iter().position(|byte| *byte == b'\n') {
            line(&presenter.prefix, clock, &rest[..end], target);
            rest = &rest[end + 1..];
        }
        partial.extend_from_slice(rest);
        cut_long_line(&presenter.prefix, clock, partial, target);
    }

    /// The container's stream ended: prints its last line when it had no newline.
    pub fn end(&mut self, name: &str, output: &mut Rendered) {
        let clock = self.settings.timestamps.then_some(self.clock.as_str());
        if let Some(presenter) = self.presenters.get_mut(name) {
            for (slot, partial) in presenter.partial.iter_mut().enumerate() {
                if partial.is_empty() {
                    continue;
                }
                let target = if slot == 1 {
                    &mut output.stderr
                } else {
                    &mut output.stdout
                };
                line(&presenter.prefix, clock, partial, target);
                partial.clear();
            }
        }
    }

    /// A line of the watcher: each of its lines under the `#watch` prefix, as the
    /// reference's `LogTo.Log(api.WatchLogger, …)`.
    fn watch_line(&mut self, text: &str, stream: LogStream, output: &mut Rendered) {
        if !self.presenters.contains_key(WATCH_LOGGER) {
            self.register(WATCH_LOGGER);
        }
        let Some(presenter) = self.presenters.get(WATCH_LOGGER) else {
            return;
        };
        let target = match stream {
            LogStream::Stderr => &mut output.stderr,
            LogStream::Stdout => &mut output.stdout,
        };
        let clock = self.settings.timestamps.then_some(self.clock.as_str());
        for part in text.split('\n') {
            line(&presenter.prefix, clock, part.as_bytes(), target);
        }
    }

    /// A status line (`web-1 exited with code 3`), as the reference's `Status`.
    pub fn status(&mut self, name: &str, message: &str, output: &mut Rendered) {
        if !self.presenters.contains_key(name) {
            self.register(name);
        }
        let colour = self
            .presenters
            .get(name)
            .and_then(|presenter| presenter.colour);
        let mut text = Vec::with_capacity(RESET_LINE.len() + name.len() + message.len() + 2);
        text.extend_from_slice(RESET_LINE);
        text.extend_from_slice(name.as_bytes());
        text.push(b' ');
        text.extend_from_slice(message.as_bytes());
        text.push(b'\n');
        paint(colour, &text, &mut output.stdout);
    }

    /// Prints every pending partial line (registration order), at the end of the feed.
    pub fn finish(&mut self, output: &mut Rendered) {
        for name in self.order.clone() {
            self.end(&name, output);
        }
    }
}

fn line(prefix: &[u8], clock: Option<&str>, text: &[u8], target: &mut Vec<u8>) {
    target.extend_from_slice(prefix);
    if let Some(clock) = clock {
        target.extend_from_slice(clock.as_bytes());
        target.push(b' ');
    }
    target.extend_from_slice(text);
    target.push(b'\n');
}

/// Prints a partial line that outgrew [`LONGEST_LINE`], cut before a character that may
/// be incomplete; the rest stays pending.
fn cut_long_line(prefix: &[u8], clock: Option<&str>, partial: &mut Vec<u8>, target: &mut Vec<u8>) {
    if partial.len() <= LONGEST_LINE {
        return;
    }
    let cut = character_boundary(partial);
    line(prefix, clock, &partial[..cut], target);
    partial.drain(..cut);
}

/// Where to cut `bytes` so that no character is split: before an unfinished character at
/// the end, else at the end (invalid bytes are not waited for).
fn character_boundary(bytes: &[u8]) -> usize {
    let end = bytes.len();
    for index in (end.saturating_sub(3)..end).rev() {
        let byte = bytes[index];
        if byte & 0b1100_0000 == 0b1000_0000 {
            continue;
        }
        let needed = match byte {
            0xC0..=0xDF => 2,
            0xE0..=0xEF => 3,
            0xF0..=0xF7 => 4,
            _ => 1,
        };
        return if index + needed > end && index > 0 {
            index
        } else {
            end
        };
    }
    end
}

/// The reference's `RFC3339NanoFixed` (`2006-01-02T15:04:05.000000000Z07:00`), in UTC.
pub fn clock_text(moment: SystemTime) -> String {
    let elapsed = moment.duration_since(UNIX_EPOCH).unwrap_or_default();
    let seconds = i64::try_from(elapsed.as_secs()).unwrap_or_default();
    let (days, second_of_day) = (seconds.div_euclid(86_400), seconds.rem_euclid(86_400));
    let (year, month, day) = civil_from_days(days);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:09}Z",
        second_of_day / 3600,
        second_of_day % 3600 / 60,
        second_of_day % 60,
        elapsed.subsec_nanos()
    )
}

/// The civil date of a day count since 1970-01-01 (Howard Hinnant's algorithm).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let shifted = days + 719_468;
    let era = shifted.div_euclid(146_097);
    let day_of_era = shifted - era * 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_index + 2) / 5 + 1;
    let month = if month_index < 10 {
        month_index + 3
    } else {
        month_index - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// How much rendered output is gathered before it is written (fewer, larger writes).
const WRITE_BATCH: usize = 64 * 1024;

/// The task that owns stdout/stderr for a feed: renders events as they come, writes in
/// batches, and flushes whenever no event is waiting (so a quiet feed is never held back).
/// Runs on a blocking thread (`tokio::task::spawn_blocking`). Returns when every sender is
/// gone (after printing pending partial lines) or when stdout is closed (`| head`): the
/// receiver is then dropped, which stops the senders. `observe` sees each event first
/// (attached `up` reacts to exits there).
pub fn run_log_writer(
    receiver: mpsc::Receiver<LogEvent>,
    mux: LogMux,
    observe: impl FnMut(&LogEvent),
) -> std::io::Result<()> {
    run_log_writer_with_menu(receiver, mux, observe, None, None)
}

/// [`run_log_writer`] under the navigation menu of attached `up`: each batch is written
/// with the menu taken away before and drawn again after. At a [`LogEvent::Silence`],
/// what came before is written, `silenced` turns true, and nothing more is printed (the
/// events are still observed).
pub fn run_log_writer_with_menu(
    mut receiver: mpsc::Receiver<LogEvent>,
    mut mux: LogMux,
    mut observe: impl FnMut(&LogEvent),
    menu: Option<&MenuScreen>,
    silenced: Option<&watch::Sender<bool>>,
) -> std::io::Result<()> {
    let stdout = std::io::stdout();
    let stderr = std::io::stderr();
    let flush = |rendered: &mut Rendered| match menu {
        Some(menu) if !rendered.is_empty() => menu.around(|| write_out(&stdout, &stderr, rendered)),
        _ => write_out(&stdout, &stderr, rendered),
    };
    let mut rendered = Rendered::default();
    let timestamps = mux.settings().timestamps;
    let mut silent = false;
    while let Some(first) = receiver.blocking_recv() {
        if timestamps {
            mux.set_clock(clock_text(SystemTime::now()));
        }
        let mut next = Some(first);
        while let Some(event) = next.take() {
            observe(&event);
            if event == LogEvent::Silence {
                flush(&mut rendered)?;
                silent = true;
                if let Some(silenced) = silenced {
                    let _ = silenced.send(true);
                }
            } else if !silent {
                mux.render(&event, &mut rendered);
            }
            if rendered.len() < WRITE_BATCH {
                next = receiver.try_recv().ok();
            }
        }
        flush(&mut rendered)?;
    }
    if !silent {
        mux.finish(&mut rendered);
    }
    flush(&mut rendered)
}

fn write_out(
    stdout: &std::io::Stdout,
    stderr: &std::io::Stderr,
    rendered: &mut Rendered,
) -> std::io::Result<()> {
    if !rendered.stdout.is_empty() {
        let mut handle = stdout.lock();
        handle.write_all(&rendered.stdout)?;
        handle.flush()?;
    }
    if !rendered.stderr.is_empty() {
        let mut handle = stderr.lock();
        handle.write_all(&rendered.stderr)?;
        handle.flush()?;
    }
    rendered.clear();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn output(name: &str, bytes: &[u8]) -> LogEvent {
        LogEvent::Output {
            name: name.to_owned(),
            stream: LogStream::Stdout,
            bytes: bytes.to_vec(),
        }
    }

    fn register(name: &str) -> LogEvent {
        LogEvent::Register {
            name: name.to_owned(),
        }
    }

    /// Renders events and shows control characters: `␛` for ESC, `␍` for CR, and
    /// `[stderr]` before what went to stderr.
    fn show(settings: LogSettings, events: &[LogEvent]) -> String {
        let mut mux = LogMux::new(settings);
        mux.set_clock("2024-05-06T07:08:09.000000001Z".to_owned());
        let mut rendered = Rendered::default();
        for event in events {
            mux.render(event, &mut rendered);
        }
        mux.finish(&mut rendered);
        let mut text = String::from_utf8_lossy(&rendered.stdout).into_owned();
        if !rendered.stderr.is_empty() {
            text.push_str("[stderr]\n");
            text.push_str(&String::from_utf8_lossy(&rendered.stderr));
        }
        text.replace('\x1b', "␛").replace('\r', "␍")
    }

    fn plain() -> LogSettings {
        LogSettings::default()
    }

    #[test]
    fn prefix_widens_as_containers_appear() {
        insta::assert_snapshot!(show(
            plain(),
            &[
                output("web-1", b"first\n"),
                output("database-1", b"ready\n"),
                output("web-1", b"second\n"),
                register("a-much-longer-name-1"),
                output("database-1", b"still\n"),
            ]
        ), @r"
        web-1  | first
        database-1  | ready
        web-1       | second
        database-1            | still
        ");
    }

    #[test]
    fn colours_follow_the_rainbow_and_status_lines_are_coloured_whole() {
        let settings = LogSettings {
            colour: true,
            ..plain()
        };
        let mut events: Vec<LogEvent> = (1..=6).map(|n| register(&format!("s{n}-1"))).collect();
        events.push(output("s1-1", b"one\n"));
        events.push(output("s6-1", b"six\n"));
        events.push(LogEvent::Exited {
            name: "s2-1".to_owned(),
            container_id: "id".to_owned(),
            service: "s2".to_owned(),
            exit_code: 3,
            restarting: false,
        });
        events.push(LogEvent::Exited {
            name: "s6-1".to_owned(),
            container_id: "id".to_owned(),
            service: "s6".to_owned(),
            exit_code: 137,
            restarting: true,
        });
        insta::assert_snapshot!(show(settings, &events), @r"
        ␛[36ms1-1  | ␛[0mone
        ␛[36;1ms6-1  | ␛[0msix
        ␛[33m␍␛[Ks2-1 exited with code 3
        ␛[0m␛[36;1m␍␛[Ks6-1 exited with code 137 (restarting)
        ␛[0m
        ");
    }

    #[test]
    fn colours_off_keep_the_reset_line_of_status_lines() {
        insta::assert_snapshot!(show(
            plain(),
            &[
                output("web-1", b"hello\n"),
                LogEvent::Exited {
                    name: "web-1".to_owned(),
                    container_id: "id".to_owned(),
                    service: "web".to_owned(),
                    exit_code: 0,
                    restarting: false,
                },
                LogEvent::Recreated {
                    name: "web-1".to_owned()
                },
            ]
        ), @r"
        web-1  | hello
        ␍␛[Kweb-1 exited with code 0
        ␍␛[Kweb-1 has been recreated
        ");
    }

    #[test]
    fn partial_lines_wait_for_their_newline_and_never_interleave() {
        insta::assert_snapshot!(show(
            plain(),
            &[
                register("api-1"),
                register("db-1"),
                output("api-1", b"GET /in"),
                output("db-1", b"checkpoint "),
                output("api-1", b"dex 200\nGET /"),
                output("db-1", b"done\n"),
                output("api-1", b"health"),
                output("api-1", b" 200\n"),
                output("db-1", b"no newline at the end"),
                LogEvent::End {
                    name: "db-1".to_owned()
                },
                output("api-1", b"left at exit"),
            ]
        ), @r"
        api-1  | GET /index 200
        db-1   | checkpoint done
        api-1  | GET /health 200
        db-1   | no newline at the end
        api-1  | left at exit
        ");
    }

    #[test]
    fn no_prefix_timestamps_and_split_stderr() {
        let settings = LogSettings {
            prefix: false,
            timestamps: true,
            split_stderr: true,
            colour: true,
        };
        insta::assert_snapshot!(show(
            settings,
            &[
                output("web-1", b"out\n"),
                LogEvent::Output {
                    name: "web-1".to_owned(),
                    stream: LogStream::Stderr,
                    bytes: b"err\n".to_vec()
                },
            ]
        ), @r"
        2024-05-06T07:08:09.000000001Z out
        [stderr]
        2024-05-06T07:08:09.000000001Z err
        ");
    }

    #[test]
    fn stderr_goes_to_stdout_for_logs_in_one_line_buffer() {
        insta::assert_snapshot!(show(
            plain(),
            &[
                output("web-1", b"half "),
                LogEvent::Output {
                    name: "web-1".to_owned(),
                    stream: LogStream::Stderr,
                    bytes: b"and half\n".to_vec()
                },
            ]
        ), @"web-1  | half and half");
    }

    #[test]
    fn invalid_utf8_passes_through_whole_and_characters_are_never_split() {
        let mut mux = LogMux::new(plain());
        let mut rendered = Rendered::default();
        // `é` is C3 A9, cut between two chunks; FF is never valid.
        mux.write("web-1", LogStream::Stdout, b"caf\xC3", &mut rendered);
        assert!(rendered.is_empty());
        mux.write(
            "web-1",
            LogStream::Stdout,
            b"\xA9 \xFF\xFE ok\n",
            &mut rendered,
        );
        assert_eq!(rendered.stdout, b"web-1  | caf\xC3\xA9 \xFF\xFE ok\n");
        insta::assert_snapshot!(show(
            plain(),
            &[
                output("web-1", b"caf\xC3"),
                output("web-1", b"\xA9 \xFF ok\n"),
            ]
        ), @"web-1  | café � ok");
    }

    #[test]
    fn long_lines_pass_intact() {
        let long: Vec<u8> = b"abcdefghijklmnopqrstuvwxyz".repeat(40_000);
        let mut mux = LogMux::new(plain());
        let mut rendered = Rendered::default();
        for chunk in long.chunks(4096) {
            mux.write("web-1", LogStream::Stdout, chunk, &mut rendered);
        }
        assert!(rendered.is_empty());
        mux.write("web-1", LogStream::Stdout, b"\n", &mut rendered);
        let mut expected = b"web-1  | ".to_vec();
        expected.extend_from_slice(&long);
        expected.push(b'\n');
        assert_eq!(rendered.stdout.len(), expected.len());
        assert!(rendered.stdout == expected);
        insta::assert_snapshot!(
            show(
                plain(),
                &[output("web-1", &[b"x".repeat(100), b"\n".to_vec()].concat())]
            ),
            @"web-1  | xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
        );
    }

    #[test]
    fn a_line_beyond_the_limit_is_cut_at_a_character_boundary() {
        let mut mux = LogMux::new(plain());
        let mut rendered = Rendered::default();
        let mut chunk = vec![b'a'; LONGEST_LINE];
        chunk.extend_from_slice("é".as_bytes());
        // The 2-byte `é` crosses the limit: the cut happens before it.
        mux.write(
            "w",
            LogStream::Stdout,
            &chunk[..=LONGEST_LINE],
            &mut rendered,
        );
        assert_eq!(rendered.stdout.len(), "w  | ".len() + LONGEST_LINE + 1);
        mux.write(
            "w",
            LogStream::Stdout,
            &chunk[LONGEST_LINE + 1..],
            &mut rendered,
        );
        rendered.clear();
        mux.finish(&mut rendered);
        assert_eq!(rendered.stdout, "w  | é\n".as_bytes());
        assert_eq!(character_boundary(b"ab\xE2\x82"), 2);
        assert_eq!(character_boundary(b"ab\xE2\x82\xAC"), 5);
        assert_eq!(character_boundary(b"abc"), 3);
        assert_eq!(character_boundary(b"\xFF\xFF"), 2);
    }

    #[test]
    fn watch_lines_have_the_reference_prefix_and_count_in_the_width() {
        let watch = |text: &str, stream| LogEvent::Watch {
            text: text.to_owned(),
            stream,
        };
        let events = [
            register(WATCH_LOGGER),
            register("app-1"),
            watch("Watch enabled", LogStream::Stdout),
            output("app-1", b"hello\n"),
            watch(
                "Syncing service \"app\" after 1 changes were detected",
                LogStream::Stdout,
            ),
            watch("Build failed. Error: no", LogStream::Stderr),
        ];
        insta::assert_snapshot!(show(plain(), &events), @r#"
                ⦿ Watch enabled
        app-1   | hello
                ⦿ Syncing service "app" after 1 changes were detected
        [stderr]
                ⦿ Build failed. Error: no
        "#);
        let coloured = LogSettings {
            colour: true,
            ..plain()
        };
        insta::assert_snapshot!(show(coloured, &events[..3]), @"␛[92m        ⦿ ␛[0mWatch enabled");
    }

    #[test]
    fn attached_up_announces_and_notices_in_order_with_the_feed() {
        let notice = |text: &str, stream, alarm| LogEvent::Notice {
            text: text.to_owned(),
            stream,
            alarm,
        };
        let events = [
            LogEvent::Attaching {
                names: vec!["db-1".to_owned(), "web-1".to_owned()],
            },
            register("db-1"),
            register("web-1"),
            output("web-1", b"ready\n"),
            notice(
                "Gracefully Stopping... press Ctrl+C again to force",
                LogStream::Stdout,
                false,
            ),
            notice("Aborting on container exit...", LogStream::Stderr, true),
        ];
        insta::assert_snapshot!(show(plain(), &events), @r"
        Attaching to db-1, web-1
        web-1  | ready
        Gracefully Stopping... press Ctrl+C again to force
        [stderr]
        Aborting on container exit...
        ");
        let coloured = LogSettings {
            colour: true,
            ..plain()
        };
        insta::assert_snapshot!(show(coloured, &events), @r"
        Attaching to db-1, web-1
        ␛[33mweb-1  | ␛[0mready
        Gracefully Stopping... press Ctrl+C again to force
        [stderr]
        ␛[31m␛[1mAborting on container exit...␛[0m
        ");
    }

    #[test]
    fn clock_is_rfc3339_nano_fixed() {
        let moment = UNIX_EPOCH + std::time::Duration::new(1_700_000_000, 5);
        assert_eq!(clock_text(moment), "2023-11-14T22:13:20.000000005Z");
        assert_eq!(clock_text(UNIX_EPOCH), "1970-01-01T00:00:00.000000000Z");
    }
}
