//! `--progress tty`: the live display redrawn in place, as the reference's
//! `pkg/progress/tty.go` draws it: a `[+] Running 2/3` header, one line per resource with a
//! spinner or a mark, the padded name, the status, and the elapsed time flush right.
//! Pure: the clock and the terminal size are inputs; frames are returned as strings.

use std::collections::HashMap;
use std::fmt::Write;
use std::time::{Duration, Instant};

use super::plain::DRY_RUN_PREFIX;
use crate::output::events::{EventState, ProgressEvent};

/// The reference's spinner frames (`pkg/progress/spinner.go`).
const SPINNER_FRAMES: [&str; 10] = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];
/// A spinner stays on its first frame this long, then moves one frame per redraw.
const SPINNER_STILL: Duration = Duration::from_millis(100);

const CURSOR_UP: &str = "\x1b[1A";
const CURSOR_DOWN: &str = "\x1b[1B";
const CURSOR_COLUMN_ZERO: &str = "\x1b[0G";
const CURSOR_HIDE: &str = "\x1b[?25l";
const CURSOR_SHOW: &str = "\x1b[?25h";

/// Columns and rows of the terminal the display is drawn on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TerminalSize {
    pub width: usize,
    pub height: usize,
}

impl Default for TerminalSize {
    /// What the reference assumes when it cannot ask the terminal (goterm's defaults).
    fn default() -> Self {
        Self {
            width: 80,
            height: 24,
        }
    }
}

/// The reference's colours (`pkg/progress/colors.go`), or none under `NO_COLOR`.
#[derive(Debug, Clone, Copy)]
struct Palette {
    enabled: bool,
}

impl Palette {
    fn paint(self, code: &str, text: &str) -> String {
        if self.enabled {
            format!("{code}{text}\x1b[0m")
        } else {
            text.to_owned()
        }
    }

    fn done(self, text: &str) -> String {
        self.paint("\x1b[34m", text)
    }

    fn timer(self, text: &str) -> String {
        self.paint("\x1b[34m", text)
    }

    fn count(self, text: &str) -> String {
        self.paint("\x1b[33m", text)
    }

    fn warning(self, text: &str) -> String {
        self.paint("\x1b[33m\x1b[1m", text)
    }

    fn success(self, text: &str) -> String {
        self.paint("\x1b[32m", text)
    }

    fn error(self, text: &str) -> String {
        self.paint("\x1b[31m\x1b[1m", text)
    }

    fn prefix(self, text: &str) -> String {
        self.paint("\x1b[36m", text)
    }

    fn status(self, state: EventState, text: &str) -> String {
        match state {
            EventState::Working => text.to_owned(),
            EventState::Done => self.success(text),
            EventState::Warning => self.warning(text),
            EventState::Failed => self.error(text),
        }
    }
}

/// What the display remembers of one resource.
#[derive(Debug, Clone)]
struct Line {
    id: String,
    /// The reference's `Text` after the id (`Pulling`), usually empty.
    text: String,
    parent: Option<String>,
    state: EventState,
    status_text: String,
    start: Instant,
    /// When it last stopped working; the timer of a finished line stops there.
    end: Option<Instant>,
    /// The spinner frame shown while working.
    spinner_index: usize,
}

impl Line {
    fn elapsed(&self, now: Instant) -> Duration {
        let end = match self.state {
            EventState::Working => now,
            _ => self.end.unwrap_or(self.start),
        };
        end.saturating_duration_since(self.start)
    }
}

/// The live display's state between frames.
#[derive(Debug, Clone)]
pub struct TtyRenderer {
    title: String,
    size: TerminalSize,
    palette: Palette,
    dry_run: bool,
    order: Vec<String>,
    lines: HashMap<String, Line>,
    printed_lines: usize,
    repeated: bool,
    skip_children: bool,
    tails: Vec<String>,
}

impl TtyRenderer {
    /// `title` is the header's verb: `Running` for `up`/`down`, `Stopping` for `stop`, ...
    pub fn new(title: impl Into<String>, size: TerminalSize, colour: bool, dry_run: bool) -> Self {
        Self {
            title: title.into(),
            size,
            palette: Palette { enabled: colour },
            dry_run,
            order: Vec::new(),
            lines: HashMap::new(),
            printed_lines: 0,
            repeated: false,
            skip_children: false,
            tails: Vec::new(),
        }
    }

    /// The terminal was resized: the next frame uses the new size.
    pub fn resize(&mut self, size: TerminalSize) {
        self.size = size;
    }

    /// Records an event; like the reference, the display shows it at the next tick.
    pub fn on_event(&mut self, event: &ProgressEvent) {
        let id = event.resource.to_string();
        let parent = event.parent.as_ref().map(ToString::to_string);
        if !self.order.contains(&id) {
            self.order.push(id.clone());
        }
        if let Some(line) = self.lines.get_mut(&id) {
            // The timer stops when the resource stops working, and runs on from the first
            // event when it works again (Created → Starting → Started counts from Creating).
            if event.state != EventState::Working && line.state != event.state {
                line.end = Some(event.at);
            }
            line.state = event.state;
            event.status_text().clone_into(&mut line.status_text);
            event.text().clone_into(&mut line.text);
            if line.parent.is_none() || parent.is_none() {
                line.parent = parent;
            }
        } else {
            let end = (event.state != EventState::Working).then_some(event.at);
            self.lines.insert(
                id.clone(),
                Line {
                    id,
                    text: event.text().to_owned(),
                    parent,
                    state: event.state,
                    status_text: event.status_text().to_owned(),
                    start: event.at,
                    end,
                    spinner_index: 0,
                },
            );
        }
    }

    /// Keeps a line to print below the display when it is done.
    pub fn tail(&mut self, message: &str) {
        let line = if self.dry_run {
            format!("{DRY_RUN_PREFIX}{message}").trim().to_owned()
        } else {
            message.to_owned()
        };
        self.tails.push(line);
    }

    /// The last frame, then the kept lines.
    pub fn finish(&mut self, now: Instant) -> String {
        let mut out = self.frame(now);
        for tail in &self.tails {
            out.push_str(tail);
            out.push('\n');
        }
        self.tails.clear();
        out
    }

    /// One frame: move the cursor back over the previous frame and draw over it.
    pub fn frame(&mut self, now: Instant) -> String {
        if self.order.is_empty() {
            return String::new();
        }
        let width = self.size.width;
        let usable_height = self.size.height.saturating_sub(2);
        let mut out = String::new();
        for _ in 0..=self.printed_lines {
            out.push_str(CURSOR_UP);
        }
        if !self.repeated {
            out.push_str(CURSOR_DOWN);
        }
        self.repeated = true;
        out.push_str(CURSOR_COLUMN_ZERO);
        out.push_str(CURSOR_HIDE);

        let done = self
            .lines
            .values()
            .filter(|line| line.state != EventState::Working)
            .count();
        let mut header = format!("[+] {} {done}/{}", self.title, self.lines.len());
        // The reference compares with the lines of the previous frame: a display whose work
        // all finished before its first frame keeps an uncoloured header.
        if self.printed_lines != 0 && done == self.printed_lines {
            header = self.palette.done(&header);
        }
        out.push_str(&header);
        out.push('\n');

        // As in the reference, a working line's spinner moves on at each redraw once it has
        // been up for 100 ms.
        for line in self.lines.values_mut() {
            if line.state == EventState::Working
                && now.saturating_duration_since(line.start) > SPINNER_STILL
            {
                line.spinner_index = (line.spinner_index + 1) % SPINNER_FRAMES.len();
            }
        }
        let status_padding = self.status_padding();
        if self.order.len() > usable_height {
            self.skip_children = true;
        }
        let mut printed = 0;
        for id in &self.order {
            let line = &self.lines[id];
            if line.parent.is_some() {
                continue;
            }
            out.push_str(&self.line_text(line, "", status_padding, now));
            printed += 1;
            for child_id in &self.order {
                let child = &self.lines[child_id];
                if child.parent.as_deref() == Some(id.as_str()) && !self.skip_children {
                    out.push_str(&self.line_text(child, "  ", status_padding, now));
                    printed += 1;
                }
            }
        }
        // Blank out what is left of a longer previous frame.
        let blank_lines = self
            .printed_lines
            .saturating_sub(printed)
            .min(usable_height.saturating_sub(printed));
        for _ in 0..blank_lines {
            out.push_str(&" ".repeat(width));
            out.push('\n');
        }
        printed += blank_lines;
        self.printed_lines = printed;
        out.push_str(CURSOR_SHOW);
        out
    }

    /// The column where statuses start: the longest `id ` (the reference also takes 2 off
    /// for every child line, which we keep so that the columns match).
    fn status_padding(&self) -> isize {
        let mut padding: isize = 0;
        for id in &self.order {
            let line = &self.lines[id];
            let length = to_isize(id.chars().count() + 1 + line.text.chars().count());
            padding = padding.max(length);
            if line.parent.is_some() {
                padding -= 2;
            }
        }
        padding
    }

    fn line_text(&self, line: &Line, indent: &str, status_padding: isize, now: Instant) -> String {
        let palette = self.palette;
        let text = format!("{} {}", line.id, line.text);
        let text_length = to_isize(text.chars().count());
        let padding = usize::try_from(status_padding - text_length).unwrap_or(0);
        let maximum_status_length = to_isize(self.size.width) - text_length - status_padding - 15;
        let mut status = line.status_text.clone();
        let maximum = usize::try_from(maximum_status_length).unwrap_or(0);
        if maximum > 0 && status.chars().count() > maximum {
            status = status.chars().take(maximum).collect::<String>() + "...";
        }
        let mark = match line.state {
            EventState::Working => palette.count(SPINNER_FRAMES[line.spinner_index]),
            EventState::Done => palette.success("✔"),
            EventState::Warning => palette.warning("!"),
            EventState::Failed => palette.error("✘"),
        };
        let prefix = if self.dry_run {
            palette.prefix(DRY_RUN_PREFIX)
        } else {
            String::new()
        };
        let left = format!(
            "{indent} {mark}{prefix} {text}{} {}",
            " ".repeat(padding),
            palette.status(line.state, &status)
        );
        let elapsed = line.elapsed(now).as_secs_f64();
        let right = palette.timer(&format!("{elapsed:.1}s "));
        align(&left, &right, self.size.width)
    }
}

fn to_isize(value: usize) -> isize {
    isize::try_from(value).unwrap_or(isize::MAX)
}

/// `left`, spaces, `right`, newline: `right` ends at column `width` when there is room.
fn align(left: &str, right: &str, width: usize) -> String {
    let used = visible_length(left) + visible_length(right);
    let mut out = String::with_capacity(left.len() + right.len() + width);
    out.push_str(left);
    if width > used {
        out.push_str(&" ".repeat(width - used));
    }
    let _ = writeln!(out, "{right}");
    out
}

/// Characters on screen: escape sequences (`ESC ... m`) take no room.
fn visible_length(text: &str) -> usize {
    let mut length = 0;
    let mut in_escape = false;
    for character in text.chars() {
        if character == '\x1b' {
            in_escape = true;
        } else if in_escape {
            if character == 'm' {
                in_escape = false;
            }
        } else {
            length += 1;
        }
    }
    length
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn visible_length_skips_colour_codes() {
        assert_eq!(visible_length("\x1b[32m✔\x1b[0m ab"), 4);
    }

    #[test]
    fn align_puts_the_right_part_at_the_edge() {
        assert_eq!(align("ab", "cd", 6), "ab  cd\n");
        assert_eq!(align("abcd", "ef", 3), "abcdef\n");
    }
}
