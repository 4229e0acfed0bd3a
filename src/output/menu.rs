//! The navigation menu of attached `up` on a terminal (the reference's
//! `cmd/formatter/shortcut.go`): one line kept on the screen's last row —
//! `w Enable Watch   d Detach` — and, for ten seconds after a failed shortcut, a note above
//! it (`Watch →  watch is not yet configured. Learn more: ...`).
//!
//! How it stays at the bottom while logs scroll, as the reference: before each batch of log
//! lines everything below the cursor is erased; after it, the lines the menu needs are
//! made (scrolling the logs up), the cursor goes back to where the logs continue, and the
//! menu is written at the last row with the cursor saved and restored around it.
//! [`menu_line`], [`note_line`] and [`draw`] are pure; [`MenuScreen`] holds what is shown
//! and writes to stdout under its lock, so the log writer and the keyboard never interleave.

use std::fmt::Write;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

/// How long a note stays above the menu (the reference's `DISPLAY_ERROR_TIME`).
pub const NOTE_TIME: Duration = Duration::from_secs(10);

/// Erases from the start of the cursor's line to the end of the screen (the menu and any
/// note). The cursor always rests at the start of an empty line while the menu is shown.
pub const CLEAR: &str = "\x1b[0G\x1b[J";

/// The screen size used when the terminal does not tell (a VT100's).
const DEFAULT_SIZE: (usize, usize) = (24, 80);

/// What the menu offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct MenuItems {
    /// Docker Desktop is the engine: `v View in Docker Desktop`, `o View Config`.
    pub desktop: bool,
    /// Watching is on: `w Disable Watch` instead of `w Enable Watch`.
    pub watching: bool,
}

/// The menu line: each shortcut's key black on white and bold, its label faint, three
/// spaces between shortcuts; plain text without colours.
pub fn menu_line(items: MenuItems, colour: bool) -> String {
    let mut entries = Vec::new();
    if items.desktop {
        entries.push(entry("v", " View in Docker Desktop", colour));
        entries.push(entry("o", " View Config", colour));
    }
    let watch = if items.watching {
        " Disable Watch"
    } else {
        " Enable Watch"
    };
    entries.push(entry("w", watch, colour));
    entries.push(entry("d", " Detach", colour));
    entries.join("   ")
}

fn entry(key: &str, label: &str, colour: bool) -> String {
    if colour {
        format!("\x1b[1;38;2;0;0;0;48;2;255;255;255m{key}\x1b[0m\x1b[2m{label}\x1b[0m")
    } else {
        format!("{key}{label}")
    }
}

/// A note about a shortcut that did not work: `<prefix> →  <text>` with the prefix bold
/// cyan and the link (if any) cyan after the text.
pub fn note_line(prefix: &str, text: &str, link: Option<&str>, colour: bool) -> String {
    let link = link.map_or_else(String::new, |link| {
        if colour {
            format!("\x1b[36m{link}\x1b[0m")
        } else {
            link.to_owned()
        }
    });
    if colour {
        format!("\x1b[1;36m{prefix} →\x1b[0m  {text}{link}")
    } else {
        format!("{prefix} →  {text}{link}")
    }
}

/// The rows a text takes beyond its first one on a screen `width` columns wide (the
/// reference's `extraLines`: its visible width divided by the width, rounded down).
fn extra_rows(text: &str, width: usize) -> usize {
    console::measure_text_width(text) / width.max(1)
}

/// What draws the menu (and the note above it) on a screen of `height` rows and `width`
/// columns, the cursor being at the start of the empty line where logs continue: make room
/// (a line for the logs, the note's lines, the menu's), go back up, save the cursor, write
/// the note and the menu at the bottom rows, restore the cursor.
pub fn draw(menu: &str, note: Option<&str>, height: usize, width: usize) -> String {
    let menu_extra = extra_rows(menu, width);
    let note_extra = note.map_or(0, |note| extra_rows(note, width));
    let lines = 1 + menu_extra + 1 + note.map_or(0, |_| note_extra + 1);
    let mut out = String::new();
    for _ in 0..lines {
        out.push_str("\x1b[2K\n\x1b[0G");
    }
    let _ = write!(out, "\x1b[{lines}A\x1b[0G\x1b7");
    if let Some(note) = note {
        let row = height.saturating_sub(1 + menu_extra + note_extra).max(1);
        let _ = write!(out, "\x1b[{row};0H\x1b[2K{note}");
    }
    let row = height.saturating_sub(menu_extra).max(1);
    let _ = write!(out, "\x1b[{row};0H\x1b[2K{menu}\x1b[0G\x1b8");
    out
}

/// What is on the screen.
#[derive(Debug)]
struct Shown {
    items: MenuItems,
    colour: bool,
    note: Option<(String, Instant)>,
    /// False once closed: nothing is drawn any more.
    active: bool,
}

/// The menu on stdout, shared by the log writer and the keyboard handler.
#[derive(Debug)]
pub struct MenuScreen {
    shown: Mutex<Shown>,
}

impl MenuScreen {
    pub fn new(items: MenuItems, colour: bool) -> Self {
        Self {
            shown: Mutex::new(Shown {
                items,
                colour,
                note: None,
                active: true,
            }),
        }
    }

    /// Runs `write` (which prints whole lines) with the menu taken away before and drawn
    /// again after.
    pub fn around<T>(&self, write: impl FnOnce() -> T) -> T {
        let shown = self.shown.lock().unwrap_or_else(PoisonError::into_inner);
        if shown.active {
            emit(CLEAR);
        }
        let result = write();
        if shown.active {
            emit(&frame(&shown));
        }
        result
    }

    /// Draws the menu again (after a change, or when a note expires).
    pub fn redraw(&self) {
        self.around(|| ());
    }

    /// Enter: an empty line in the logs, and the menu again.
    pub fn newline(&self) {
        self.around(|| emit("\n"));
    }

    pub fn set_watching(&self, watching: bool) {
        self.shown
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .items
            .watching = watching;
        self.redraw();
    }

    /// Shows a note above the menu for [`NOTE_TIME`].
    pub fn note(&self, prefix: &str, text: &str, link: Option<&str>) {
        {
            let mut shown = self.shown.lock().unwrap_or_else(PoisonError::into_inner);
            let line = note_line(prefix, text, link, shown.colour);
            shown.note = Some((line, Instant::now()));
        }
        self.redraw();
    }

    /// Takes the menu away for good (the cursor shown, as the reference on Ctrl-C).
    pub fn close(&self) {
        let mut shown = self.shown.lock().unwrap_or_else(PoisonError::into_inner);
        if shown.active {
            shown.active = false;
            emit(&format!("{CLEAR}\x1b[?25h"));
        }
    }
}

/// The draw sequence for what is shown, at the terminal's current size.
fn frame(shown: &Shown) -> String {
    let (height, width) = console::Term::stdout()
        .size_checked()
        .map(|(rows, columns)| (usize::from(rows), usize::from(columns)))
        .filter(|&(rows, columns)| rows > 0 && columns > 0)
        .unwrap_or(DEFAULT_SIZE);
    let note = shown
        .note
        .as_ref()
        .filter(|(_, since)| since.elapsed() < NOTE_TIME)
        .map(|(line, _)| line.as_str());
    draw(&menu_line(shown.items, shown.colour), note, height, width)
}

/// A failed write to the terminal is not worth stopping for (the logs report theirs).
fn emit(text: &str) {
    super::printer::stdout(text);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn show(text: &str) -> String {
        text.replace('\x1b', "␛")
    }

    #[test]
    fn the_menu_line_as_the_reference_draws_it() {
        let items = MenuItems::default();
        assert_eq!(menu_line(items, false), "w Enable Watch   d Detach");
        assert_eq!(
            show(&menu_line(items, true)),
            "␛[1;38;2;0;0;0;48;2;255;255;255mw␛[0m␛[2m Enable Watch␛[0m   \
             ␛[1;38;2;0;0;0;48;2;255;255;255md␛[0m␛[2m Detach␛[0m"
        );
        let watching = MenuItems {
            watching: true,
            ..items
        };
        assert_eq!(menu_line(watching, false), "w Disable Watch   d Detach");
        let desktop = MenuItems {
            desktop: true,
            ..items
        };
        assert_eq!(
            menu_line(desktop, false),
            "v View in Docker Desktop   o View Config   w Enable Watch   d Detach"
        );
    }

    #[test]
    fn notes_have_a_bold_cyan_prefix_and_a_cyan_link() {
        let link = "https://docs.docker.com/compose/file-watch/";
        let text = "watch is not yet configured. Learn more: ";
        assert_eq!(
            note_line("Watch", text, Some(link), false),
            format!("Watch →  {text}{link}")
        );
        assert_eq!(
            show(&note_line("Watch", text, Some(link), true)),
            format!("␛[1;36mWatch →␛[0m  {text}␛[36m{link}␛[0m")
        );
        assert_eq!(
            note_line("View", "could not open Docker Desktop", None, false),
            "View →  could not open Docker Desktop"
        );
    }

    #[test]
    fn the_menu_goes_to_the_last_row_with_the_cursor_kept() {
        // As the reference on a 24×80 screen: two lines made, back up, menu at row 24.
        assert_eq!(
            show(&draw("w Enable Watch", None, 24, 80)),
            "␛[2K\n␛[0G␛[2K\n␛[0G␛[2A␛[0G␛7␛[24;0H␛[2Kw Enable Watch␛[0G␛8"
        );
    }

    #[test]
    fn a_long_note_and_a_narrow_screen_take_more_rows() {
        let note = "n".repeat(100);
        let drawn = draw("m".repeat(30).as_str(), Some(&note), 24, 80);
        // 1 for the logs, 1 for the menu, 2 for the note (100 columns on 80).
        assert!(show(&drawn).contains("␛[4A"), "{}", show(&drawn));
        assert!(drawn.contains(&format!("\x1b[22;0H\x1b[2K{note}")));
        assert!(drawn.contains("\x1b[24;0H\x1b[2Kmmm"));
        // On a 20-column screen the 30-column menu starts one row higher.
        let narrow = draw("m".repeat(30).as_str(), None, 24, 20);
        assert!(narrow.contains("\x1b[23;0H"), "{}", show(&narrow));
        assert!(show(&narrow).contains("␛[3A"));
    }

    #[test]
    fn colours_do_not_count_in_the_width() {
        // `w Enable Watch   d Detach` is 25 columns; as the reference, a line exactly as
        // wide as the screen counts one more row.
        let coloured = menu_line(MenuItems::default(), true);
        assert_eq!(extra_rows(&coloured, 26), 0);
        assert_eq!(extra_rows(&coloured, 25), 1);
    }
}
