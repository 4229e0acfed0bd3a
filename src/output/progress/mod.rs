//! Progress display: turns the engine's events into text for `--progress tty|plain|json|quiet`,
//! and the one task that owns the status stream (stderr) and writes that text.
//! Renderers are pure (events, clock and terminal size in; strings out); only
//! `run_progress` writes.

pub mod json;
pub mod plain;
pub mod tty;

use std::io::{self, IsTerminal, Write};
use std::time::{Duration, Instant};

use tokio::sync::mpsc;

use crate::cli::{AnsiMode, ProgressMode};
use crate::output::events::{ProgressEvent, ProgressMessage};
pub use json::JsonRenderer;
pub use plain::PlainRenderer;
pub use tty::{TerminalSize, TtyRenderer};

/// How often the live display is redrawn (the reference ticks every 100 ms).
pub const TICK: Duration = Duration::from_millis(100);

/// The renderer actually used, once `auto` and `--ansi` are resolved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Display {
    Tty,
    Plain,
    Json,
    Quiet,
}

/// `--progress` and `--ansi` that contradict each other (the reference's words).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProgressModeError {
    #[error("can't use --progress tty while ANSI support is disabled")]
    TtyWithoutAnsi,
    #[error("can't use --progress plain while ANSI support is forced")]
    PlainWithForcedAnsi,
}

/// Resolves `--progress` with `--ansi` as the reference does (`cmd/compose/compose.go`):
/// `--ansi never` turns `auto` into plain, `--ansi always` turns it into tty, otherwise `auto`
/// is tty exactly when the status stream is a terminal.
pub fn resolve_display(
    progress: ProgressMode,
    ansi: AnsiMode,
    status_stream_is_terminal: bool,
) -> Result<Display, ProgressModeError> {
    match (progress, ansi) {
        (ProgressMode::Quiet, _) => Ok(Display::Quiet),
        (ProgressMode::Json, _) => Ok(Display::Json),
        (ProgressMode::Tty, AnsiMode::Never) => Err(ProgressModeError::TtyWithoutAnsi),
        (ProgressMode::Tty, _) | (ProgressMode::Auto, AnsiMode::Always) => Ok(Display::Tty),
        (ProgressMode::Plain, AnsiMode::Always) => Err(ProgressModeError::PlainWithForcedAnsi),
        (ProgressMode::Plain, _) | (ProgressMode::Auto, AnsiMode::Never) => Ok(Display::Plain),
        (ProgressMode::Auto, AnsiMode::Auto) => Ok(if status_stream_is_terminal {
            Display::Tty
        } else {
            Display::Plain
        }),
    }
}

/// Whether the live display may colour: a non-empty `NO_COLOR` turns colours off.
pub fn colour_allowed(no_color: Option<&str>) -> bool {
    no_color.is_none_or(str::is_empty)
}

/// Where status goes: stderr, or stdout when `COMPOSE_STATUS_STDOUT` is true (as in the
/// reference).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum StatusStream {
    #[default]
    Stderr,
    Stdout,
}

impl StatusStream {
    /// Reads `COMPOSE_STATUS_STDOUT` (Go's `ParseBool` words; anything else is false).
    pub fn from_env_value(value: Option<&str>) -> Self {
        match value {
            Some("1" | "t" | "T" | "true" | "TRUE" | "True") => Self::Stdout,
            _ => Self::Stderr,
        }
    }

    pub fn is_terminal(self) -> bool {
        match self {
            Self::Stderr => io::stderr().is_terminal(),
            Self::Stdout => io::stdout().is_terminal(),
        }
    }

    /// The terminal's size, when the stream is one.
    pub fn terminal_size(self) -> Option<TerminalSize> {
        let term = match self {
            Self::Stderr => console::Term::stderr(),
            Self::Stdout => console::Term::stdout(),
        };
        term.size_checked().map(|(rows, columns)| TerminalSize {
            width: usize::from(columns),
            height: usize::from(rows),
        })
    }
}

/// What a renderer needs to know, all decided before the first event.
#[derive(Debug, Clone)]
pub struct RendererSettings {
    pub display: Display,
    /// The header's verb in tty mode: `Running`, `Stopping`, `Pulling`, ...
    pub title: String,
    pub size: TerminalSize,
    pub colour: bool,
    pub dry_run: bool,
}

impl RendererSettings {
    pub fn new(display: Display) -> Self {
        Self {
            display,
            title: "Running".to_owned(),
            size: TerminalSize::default(),
            colour: true,
            dry_run: false,
        }
    }
}

/// One of the four displays, behind one interface: events in, text to write out.
#[derive(Debug, Clone)]
pub enum Renderer {
    Tty(TtyRenderer),
    Plain(PlainRenderer),
    Json(JsonRenderer),
    Quiet,
}

impl Renderer {
    pub fn new(settings: RendererSettings) -> Self {
        match settings.display {
            Display::Tty => Self::Tty(TtyRenderer::new(
                settings.title,
                settings.size,
                settings.colour,
                settings.dry_run,
            )),
            Display::Plain => Self::Plain(PlainRenderer::new(settings.dry_run)),
            Display::Json => Self::Json(JsonRenderer::new(settings.dry_run)),
            Display::Quiet => Self::Quiet,
        }
    }

    /// Whether the display is redrawn on a timer (only the live tty display is).
    pub fn wants_ticks(&self) -> bool {
        matches!(self, Self::Tty(_))
    }

    /// Text to write for one message; empty in tty mode, whose frames come from `tick`.
    pub fn on_message(&mut self, message: &ProgressMessage) -> String {
        match message {
            ProgressMessage::Event(event) => self.on_event(event),
            ProgressMessage::Tail(text) => self.tail(text),
        }
    }

    pub fn on_event(&mut self, event: &ProgressEvent) -> String {
        match self {
            Self::Tty(renderer) => {
                renderer.on_event(event);
                String::new()
            }
            Self::Plain(renderer) => renderer.on_event(event),
            Self::Json(renderer) => renderer.on_event(event),
            Self::Quiet => String::new(),
        }
    }

    /// A free line; the tty display keeps it for after its last frame, as the reference does.
    pub fn tail(&mut self, message: &str) -> String {
        match self {
            Self::Tty(renderer) => {
                renderer.tail(message);
                String::new()
            }
            Self::Plain(renderer) => renderer.tail(message),
            Self::Json(renderer) => renderer.tail(message),
            Self::Quiet => String::new(),
        }
    }

    /// A redraw of the live display as of `now`; empty for the other displays.
    pub fn tick(&mut self, now: Instant) -> String {
        match self {
            Self::Tty(renderer) => renderer.frame(now),
            _ => String::new(),
        }
    }

    pub fn resize(&mut self, size: TerminalSize) {
        if let Self::Tty(renderer) = self {
            renderer.resize(size);
        }
    }

    /// The last text, once every event is in.
    pub fn finish(&mut self, now: Instant) -> String {
        match self {
            Self::Tty(renderer) => renderer.finish(now),
            _ => String::new(),
        }
    }
}

/// The task that owns the status stream: writes what the renderer makes of each message,
/// redraws the live display every [`TICK`], and draws the last frame when every sender is
/// gone. `clock` and `terminal_size` are injected so that tests control them. A failed write
/// (a closed stderr) stops the writing, not the draining: the engine never blocks on us.
pub async fn run_progress<W: Write>(
    mut receiver: mpsc::Receiver<ProgressMessage>,
    mut renderer: Renderer,
    mut out: W,
    clock: impl Fn() -> Instant,
    terminal_size: impl Fn() -> Option<TerminalSize>,
) -> io::Result<()> {
    let mut first_error: Option<io::Error> = None;
    let mut write = |text: &str, out: &mut W| {
        if text.is_empty() || first_error.is_some() {
            return;
        }
        if let Err(error) = out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
            first_error = Some(error);
        }
    };
    let ticks = renderer.wants_ticks();
    let mut ticker = tokio::time::interval_at(tokio::time::Instant::now() + TICK, TICK);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    loop {
        tokio::select! {
            message = receiver.recv() => match message {
                Some(message) => write(&renderer.on_message(&message), &mut out),
                None => break,
            },
            _ = ticker.tick(), if ticks => {
                if let Some(size) = terminal_size() {
                    renderer.resize(size);
                }
                write(&renderer.tick(clock()), &mut out);
            }
        }
    }
    if let Some(size) = terminal_size() {
        renderer.resize(size);
    }
    write(&renderer.finish(clock()), &mut out);
    first_error.map_or(Ok(()), Err)
}

/// [`run_progress`] on the real status stream with the real clock.
pub async fn run_progress_on_terminal(
    receiver: mpsc::Receiver<ProgressMessage>,
    renderer: Renderer,
    stream: StatusStream,
) -> io::Result<()> {
    let size = move || stream.terminal_size();
    match stream {
        StatusStream::Stderr => {
            run_progress(receiver, renderer, io::stderr(), Instant::now, size).await
        }
        StatusStream::Stdout => {
            run_progress(receiver, renderer, io::stdout(), Instant::now, size).await
        }
    }
}

#[cfg(test)]
mod tests;
