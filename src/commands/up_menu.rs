//! The interactive shortcuts of attached `up` on a terminal (`--menu`, `COMPOSE_MENU`; the
//! reference's `validateNavigationMenu` and `cmd/formatter/shortcut.go`). When they are on,
//! the keyboard is read without line buffering or echo on a thread of its own, and keys
//! become [`MenuAction`]s for `up_attached`: `w` turns `develop.watch` on and off
//! ([`WatchSwitch`]), `d` detaches (the reference's v5 shortcut: the logs stop, the
//! containers keep running, exit 0); `v`/`o` open Docker Desktop when it is the engine;
//! Enter adds an empty line. Ctrl-C and Ctrl-Z stay signals (the terminal still sends
//! them), so the graceful stop and the kill of `up_attached` are unchanged. The terminal is
//! restored when the menu closes (stop, detach, end), on drop, and so on unwinding. The
//! menu line is drawn by `output::menu`.

use std::collections::BTreeSet;
use std::future::Future;
use std::io::{self, IsTerminal};
use std::os::fd::AsFd;
use std::path::Path;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use rustix::event::{PollFd, PollFlags, Timespec, poll};
use rustix::io::Errno;
use rustix::process::getpgrp;
use rustix::termios::{
    LocalModes, OptionalActions, SpecialCodeIndex, Termios, tcgetattr, tcgetpgrp, tcsetattr,
};
use tokio::sync::{mpsc, watch};

use super::context::CommandContext;
use super::watch::WatchOptions;
use crate::cli::{AnsiMode, ProgressMode, UpArgs};
use crate::engine::Engine;
use crate::loader::LoadedProject;
use crate::model::Project;
use crate::output::menu::{MenuItems, MenuScreen, NOTE_TIME};
use crate::output::printer;
use crate::output::progress::colour_allowed;
use crate::watch::setup::{self, WatchSetup};
use crate::watch::{WatchError, WatchNotice};

/// Where the reference sends users whose project has nothing to watch.
const WATCH_DOCS: &str = "https://docs.docker.com/compose/file-watch/";

/// The reference's rule: only when stdout and stdin are terminals and the progress is not
/// plain (`--progress plain`, or `--ansi never` with `--progress auto`); then `--menu` /
/// `--menu=false` when given, else `COMPOSE_MENU` (its `StringToBool`), else on.
pub(crate) fn menu_enabled(
    flag: Option<bool>,
    compose_menu: Option<&str>,
    terminals: bool,
    plain_progress: bool,
) -> bool {
    terminals
        && !plain_progress
        && flag.unwrap_or_else(|| compose_menu.is_none_or(crate::output::prompt::pipe_answer))
}

/// Whether the progress mode is the reference's `plain`, which turns the menu off.
fn plain_progress(progress: ProgressMode, ansi: AnsiMode, no_ansi: bool) -> bool {
    let ansi_never = no_ansi || ansi == AnsiMode::Never;
    progress == ProgressMode::Plain || (progress == ProgressMode::Auto && ansi_never)
}

/// What the menu of one `up` starts with.
#[derive(Debug, Clone)]
pub(crate) struct MenuRequest {
    /// Colours, unless `NO_COLOR` (`--no-color` is for the logs only, as the reference).
    pub colour: bool,
    /// `--watch`: the menu starts with `w Disable Watch`.
    pub watching: bool,
    /// Some selected service has `develop.watch` rules (else `w` shows a note).
    pub watch_configured: bool,
    pub project: String,
}

impl MenuRequest {
    /// The menu for this `up`, when it is on (nothing to watch yet: see
    /// [`Self::with_watch`]).
    pub fn new(context: &CommandContext, args: &UpArgs, loaded: &LoadedProject) -> Option<Self> {
        let global = &context.global;
        let enabled = menu_enabled(
            args.menu,
            loaded.environment.get("COMPOSE_MENU").map(String::as_str),
            io::stdout().is_terminal() && io::stdin().is_terminal(),
            plain_progress(global.progress, global.ansi, global.no_ansi),
        );
        enabled.then(|| Self {
            colour: colour_allowed(context.os_env.get("NO_COLOR").map(String::as_str)),
            watching: false,
            watch_configured: false,
            project: loaded.project.name.clone(),
        })
    }

    /// What `w` can do.
    pub fn with_watch(self, watch: &WatchPlan) -> Self {
        Self {
            watching: watch.on_start,
            watch_configured: watch.setup.is_some(),
            ..self
        }
    }
}

/// What there is to watch: `--watch`'s rules, or those `w` would watch (`None`: no
/// selected service has `develop.watch`; `Err`: a rule is wrong, said when `w` is pressed).
#[derive(Debug, Default)]
pub(crate) struct WatchPlan {
    pub setup: Option<Result<WatchSetup, String>>,
    /// `--watch`: watching begins once everything started, and its failure ends `up`.
    pub on_start: bool,
}

impl WatchPlan {
    /// `--watch`'s rules as they are; without it, those of the project when the menu may
    /// turn watching on.
    pub fn new(
        flag_setup: Option<WatchSetup>,
        menu_possible: bool,
        project: &Project,
        working_dir: &Path,
        selected: &BTreeSet<String>,
    ) -> Self {
        match flag_setup {
            Some(setup) => Self {
                setup: Some(Ok(setup)),
                on_start: true,
            },
            None if menu_possible => Self {
                setup: match setup::prepare(project, working_dir, selected) {
                    Ok(setup) => Some(Ok(setup)),
                    Err(WatchError::NothingToWatch) => None,
                    Err(error) => Some(Err(error.to_string())),
                },
                on_start: false,
            },
            None => Self::default(),
        }
    }
}

/// What a key asks of `up_attached`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum MenuAction {
    ToggleWatch,
    Detach,
}

/// A key the menu knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Shortcut {
    ViewInDesktop,
    ViewConfig,
    ToggleWatch,
    Detach,
    Enter,
}

/// The shortcuts in what one read returned. Escape sequences (arrows, function keys,
/// Alt+key) are not shortcuts: a read holding one is dropped whole.
pub(crate) fn shortcuts(bytes: &[u8]) -> Vec<Shortcut> {
    if bytes.contains(&0x1b) {
        return Vec::new();
    }
    bytes
        .iter()
        .filter_map(|byte| match byte {
            b'v' => Some(Shortcut::ViewInDesktop),
            b'o' => Some(Shortcut::ViewConfig),
            b'w' => Some(Shortcut::ToggleWatch),
            b'd' => Some(Shortcut::Detach),
            b'\r' | b'\n' => Some(Shortcut::Enter),
            _ => None,
        })
        .collect()
}

/// The terminal without line buffering and echo (signals, flow control and output
/// processing kept, so `\n` still returns the carriage), restored on drop.
struct KeyboardMode {
    original: Termios,
}

impl KeyboardMode {
    fn enter() -> io::Result<Self> {
        let stdin = io::stdin();
        let original = tcgetattr(&stdin)?;
        let mut keys = original.clone();
        keys.local_modes.remove(
            LocalModes::ICANON | LocalModes::ECHO | LocalModes::ECHONL | LocalModes::IEXTEN,
        );
        keys.special_codes[SpecialCodeIndex::VMIN] = 1;
        keys.special_codes[SpecialCodeIndex::VTIME] = 0;
        tcsetattr(&stdin, OptionalActions::Now, &keys)?;
        Ok(Self { original })
    }
}

/// Whether this process is in the terminal's foreground: in the background (`up &`),
/// touching the terminal would stop it (`SIGTTOU`, `SIGTTIN`), so there is no menu.
fn in_foreground() -> bool {
    tcgetpgrp(io::stdin()).is_ok_and(|group| group == getpgrp())
}

impl Drop for KeyboardMode {
    fn drop(&mut self) {
        let _ = tcsetattr(io::stdin(), OptionalActions::Now, &self.original);
    }
}

/// Reads keys from stdin until `stop` is set or stdin ends; polls so that it never takes
/// a key once the menu is closed.
fn spawn_reader(stop: Arc<AtomicBool>, keys: mpsc::UnboundedSender<Shortcut>) -> io::Result<()> {
    // How often the reader looks whether the menu was closed: 100 ms.
    let timeout = Timespec {
        tv_sec: 0,
        tv_nsec: 100_000_000,
    };
    std::thread::Builder::new()
        .name("menu-keys".to_owned())
        .spawn(move || {
            let stdin = io::stdin();
            let mut buffer = [0_u8; 64];
            while !stop.load(Ordering::Acquire) {
                let mut fds = [PollFd::new(&stdin, PollFlags::IN)];
                match poll(&mut fds, Some(&timeout)) {
                    Ok(0) | Err(Errno::INTR) => continue,
                    Ok(_) => {}
                    Err(_) => return,
                }
                if stop.load(Ordering::Acquire) {
                    return;
                }
                match rustix::io::read(stdin.as_fd(), &mut buffer) {
                    Ok(0) | Err(_) => return,
                    Ok(count) => {
                        for shortcut in shortcuts(&buffer[..count]) {
                            if keys.send(shortcut).is_err() {
                                return;
                            }
                        }
                    }
                }
            }
        })
        .map(|_| ())
}

/// The menu while it is shown.
pub(crate) struct Menu {
    screen: Arc<MenuScreen>,
    keys: mpsc::UnboundedReceiver<Shortcut>,
    stop_reading: Arc<AtomicBool>,
    keyboard: Option<KeyboardMode>,
    watch_configured: bool,
    /// The project, when the engine is Docker Desktop's.
    desktop: Option<String>,
    closed: bool,
}

impl Menu {
    /// Takes the keyboard; `None` in the background, and (with the reference's warning)
    /// when the terminal cannot be set up.
    pub async fn start(request: &MenuRequest, engine: &Engine) -> Option<Self> {
        if !in_foreground() {
            return None;
        }
        let desktop = engine.is_docker_desktop().await.unwrap_or(false);
        let warn = |error: io::Error| {
            printer::stderr_line(&format!(
                "WARN[0000] could not start menu, an error occurred while starting: {error}"
            ));
        };
        let keyboard = match KeyboardMode::enter() {
            Ok(keyboard) => keyboard,
            Err(error) => {
                warn(error);
                return None;
            }
        };
        let (sender, keys) = mpsc::unbounded_channel();
        let stop_reading = Arc::new(AtomicBool::new(false));
        if let Err(error) = spawn_reader(Arc::clone(&stop_reading), sender) {
            warn(error);
            return None;
        }
        let items = MenuItems {
            desktop,
            watching: request.watching,
        };
        Some(Self {
            screen: Arc::new(MenuScreen::new(items, request.colour)),
            keys,
            stop_reading,
            keyboard: Some(keyboard),
            watch_configured: request.watch_configured,
            desktop: desktop.then(|| request.project.clone()),
            closed: false,
        })
    }

    /// What the log writer draws the menu with.
    pub fn screen(&self) -> Arc<MenuScreen> {
        Arc::clone(&self.screen)
    }

    pub fn set_watching(&self, watching: bool) {
        self.screen.set_watching(watching);
    }

    /// The next key that asks something of `up`; the others are handled here. Never
    /// returns once the menu is closed or stdin ended.
    pub async fn next(&mut self) -> MenuAction {
        loop {
            let key = if self.closed {
                None
            } else {
                self.keys.recv().await
            };
            let Some(key) = key else {
                return std::future::pending().await;
            };
            let desktop = self.desktop.clone();
            match key {
                Shortcut::Detach => {
                    self.close();
                    return MenuAction::Detach;
                }
                Shortcut::ToggleWatch if self.watch_configured => return MenuAction::ToggleWatch,
                Shortcut::ToggleWatch => {
                    if let Some(project) = desktop {
                        self.open(
                            format!("docker-desktop://dashboard/docker-compose/{project}/watch"),
                            "Watch Docs",
                            "could not open Docker Desktop Compose UI",
                        );
                    }
                    note(
                        &self.screen,
                        "Watch",
                        "watch is not yet configured. Learn more: ",
                        Some(WATCH_DOCS),
                    );
                }
                Shortcut::ViewInDesktop => {
                    if let Some(project) = desktop {
                        self.open(
                            format!("docker-desktop://dashboard/apps/{project}"),
                            "View",
                            "could not open Docker Desktop",
                        );
                    }
                }
                Shortcut::ViewConfig => {
                    if let Some(project) = desktop {
                        self.open(
                            format!("docker-desktop://dashboard/docker-compose/{project}"),
                            "View Config",
                            "could not open Docker Desktop Compose UI",
                        );
                    }
                }
                Shortcut::Enter => self.screen.newline(),
            }
        }
    }

    /// Opens a Docker Desktop link with the system's opener; a note when it fails.
    fn open(&self, link: String, prefix: &'static str, failure: &'static str) {
        let screen = Arc::clone(&self.screen);
        let opener = if cfg!(target_os = "macos") {
            "open"
        } else {
            "xdg-open"
        };
        tokio::spawn(async move {
            let status = tokio::process::Command::new(opener)
                .arg(link)
                .stdin(std::process::Stdio::null())
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null())
                .status()
                .await;
            if !status.is_ok_and(|status| status.success()) {
                note(&screen, prefix, failure, None);
            }
        });
    }

    /// Takes the menu away and gives the terminal back (idempotent).
    pub fn close(&mut self) {
        if self.closed {
            return;
        }
        self.closed = true;
        self.stop_reading.store(true, Ordering::Release);
        self.screen.close();
        self.keyboard = None;
    }
}

impl Drop for Menu {
    fn drop(&mut self) {
        self.close();
    }
}

/// A note above the menu, taken away again once it expired.
fn note(screen: &Arc<MenuScreen>, prefix: &str, text: &str, link: Option<&str>) {
    screen.note(prefix, text, link);
    let screen = Arc::clone(screen);
    tokio::spawn(async move {
        tokio::time::sleep(NOTE_TIME + Duration::from_secs(1)).await;
        screen.redraw();
    });
}

/// The next action of the menu, when there is one (never returns otherwise).
pub(crate) async fn next_action(menu: &mut Option<Menu>) -> MenuAction {
    match menu {
        Some(menu) => menu.next().await,
        None => std::future::pending().await,
    }
}

/// The watch loop, polled alongside the feed (it borrows the project).
type Watching<'a> = Pin<Box<dyn Future<Output = Result<(), WatchError>> + 'a>>;

/// How a watch loop ended.
#[derive(Debug)]
pub(crate) enum WatchEnd {
    /// Turned off with `w`: the reference says `Watch disabled`.
    Disabled,
    /// Stopped with `up`.
    Stopped,
    /// It failed; `required` when `--watch` asked for it (then `up` cannot go on).
    Failed { error: WatchError, required: bool },
}

/// What `w` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Toggled {
    On,
    Off,
    /// Watching cannot begin: the reference's line under `#watch`, on stderr.
    Failed(String),
}

/// Watching during attached `up`: begun once the start phase is over (with `--watch`, or
/// when `w` was pressed before), turned off and on again with `w`, stopped for good when
/// `up` stops or detaches.
pub(crate) struct WatchSwitch<'a> {
    context: &'a CommandContext,
    engine: &'a Engine,
    loaded: &'a LoadedProject,
    notices: &'a mpsc::UnboundedSender<WatchNotice>,
    setup: Option<Result<WatchSetup, String>>,
    /// Watching is wanted (the menu's `Disable Watch`).
    wanted: bool,
    /// `--watch` asked for it and `w` was never pressed.
    required: bool,
    started: bool,
    over: bool,
    running: Option<Watching<'a>>,
    stop: Option<watch::Sender<bool>>,
    /// The loop running was turned off with `w`.
    disabled: bool,
}

impl<'a> WatchSwitch<'a> {
    pub fn new(
        context: &'a CommandContext,
        engine: &'a Engine,
        loaded: &'a LoadedProject,
        notices: &'a mpsc::UnboundedSender<WatchNotice>,
        plan: WatchPlan,
    ) -> Self {
        Self {
            context,
            engine,
            loaded,
            notices,
            setup: plan.setup,
            wanted: plan.on_start,
            required: plan.on_start,
            started: false,
            over: false,
            running: None,
            stop: None,
            disabled: false,
        }
    }

    /// The start phase is over: watching begins if it is wanted.
    pub fn start_phase_over(&mut self) {
        self.started = true;
        if self.wanted && !self.over {
            // A wrong rule cannot be wanted: `--watch` refuses it before anything.
            let _ = self.begin();
        }
    }

    fn begin(&mut self) -> Result<(), String> {
        let setup = match &self.setup {
            Some(Ok(setup)) => setup.clone(),
            Some(Err(message)) => return Err(message.clone()),
            None => return Err(WatchError::NothingToWatch.to_string()),
        };
        let (stop_sender, stop) = watch::channel(false);
        self.running = Some(Box::pin(super::watch::watch_project(
            self.context,
            self.engine,
            self.loaded,
            setup,
            WatchOptions::default(),
            self.notices,
            stop,
        )));
        self.stop = Some(stop_sender);
        self.disabled = false;
        Ok(())
    }

    /// `w`: on when off, off when on (before the start phase is over, only what is wanted
    /// changes).
    pub fn toggle(&mut self) -> Toggled {
        self.required = false;
        if self.over {
            return Toggled::Off;
        }
        if self.running.is_some() {
            if self.disabled {
                // Still finishing the batch it was at: off already.
                return Toggled::Off;
            }
            self.wanted = false;
            self.disabled = true;
            if let Some(stop) = &self.stop {
                let _ = stop.send(true);
            }
            return Toggled::Off;
        }
        if !self.started {
            self.wanted = !self.wanted;
            return if self.wanted {
                Toggled::On
            } else {
                Toggled::Off
            };
        }
        match self.begin() {
            Ok(()) => {
                self.wanted = true;
                Toggled::On
            }
            Err(message) => Toggled::Failed(message),
        }
    }

    /// `up` stops or detaches: no more watching (a batch in progress is finished first).
    pub fn stop_for_good(&mut self) {
        if self.over {
            return;
        }
        self.over = true;
        self.wanted = false;
        if let Some(stop) = &self.stop {
            stop.send_if_modified(|stopped| !std::mem::replace(stopped, true));
        }
    }

    pub fn is_running(&self) -> bool {
        self.running.is_some()
    }

    /// Awaits the end of the watch loop (never returns when none runs).
    pub async fn ended(&mut self) -> WatchEnd {
        let Some(running) = &mut self.running else {
            return std::future::pending().await;
        };
        let result = running.await;
        self.running = None;
        self.stop = None;
        match result {
            Err(error) => {
                self.wanted = false;
                WatchEnd::Failed {
                    error,
                    required: self.required,
                }
            }
            Ok(()) if self.disabled && !self.over => WatchEnd::Disabled,
            Ok(()) => WatchEnd::Stopped,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn on_by_default_on_terminals_unless_said_otherwise() {
        assert!(menu_enabled(None, None, true, false));
        // `--menu` and `--menu=false` win over `COMPOSE_MENU`.
        assert!(menu_enabled(Some(true), Some("0"), true, false));
        assert!(!menu_enabled(Some(false), Some("1"), true, false));
        // `COMPOSE_MENU`: the reference's `StringToBool` (`y` yes, `yes` no).
        for value in ["1", "true", "TRUE", "t", "y", "Y", " y "] {
            assert!(menu_enabled(None, Some(value), true, false), "{value}");
        }
        for value in ["0", "false", "no", "yes", "", "on"] {
            assert!(!menu_enabled(None, Some(value), true, false), "{value}");
        }
    }

    #[test]
    fn never_without_terminals_or_with_plain_progress() {
        assert!(!menu_enabled(Some(true), None, false, false));
        assert!(!menu_enabled(None, Some("1"), false, false));
        assert!(!menu_enabled(Some(true), None, true, true));
        assert!(plain_progress(ProgressMode::Plain, AnsiMode::Auto, false));
        assert!(plain_progress(ProgressMode::Auto, AnsiMode::Never, false));
        assert!(plain_progress(ProgressMode::Auto, AnsiMode::Auto, true));
        assert!(!plain_progress(ProgressMode::Auto, AnsiMode::Auto, false));
        assert!(!plain_progress(ProgressMode::Quiet, AnsiMode::Never, false));
        assert!(!plain_progress(ProgressMode::Tty, AnsiMode::Always, false));
    }

    #[test]
    fn the_flag_takes_no_separate_value_and_detach_is_accepted() {
        use clap::Parser;
        #[derive(Parser)]
        struct Up {
            #[command(flatten)]
            args: UpArgs,
        }
        let parse = |flags: &[&str]| {
            Up::try_parse_from(std::iter::once("up").chain(flags.iter().copied()))
                .map(|up| (up.args.menu, up.args.services))
        };
        assert_eq!(parse(&[]).unwrap(), (None, vec![]));
        assert_eq!(parse(&["--menu"]).unwrap(), (Some(true), vec![]));
        assert_eq!(parse(&["--menu=false"]).unwrap(), (Some(false), vec![]));
        // Go's `ParseBool` words, as pflag.
        assert_eq!(parse(&["--menu=0"]).unwrap(), (Some(false), vec![]));
        assert_eq!(parse(&["--menu=T"]).unwrap(), (Some(true), vec![]));
        assert!(parse(&["--menu=maybe"]).is_err());
        // As pflag: a bool flag's value needs `=`, so `false` is a service name.
        assert_eq!(
            parse(&["--menu", "false"]).unwrap(),
            (Some(true), vec!["false".to_owned()])
        );
        // The reference accepts `-d --menu` (the help's "incompatible" is not checked).
        assert_eq!(parse(&["-d", "--menu"]).unwrap(), (Some(true), vec![]));
    }

    #[test]
    fn keys_become_shortcuts_and_escape_sequences_do_not() {
        assert_eq!(
            shortcuts(b"wdvo\r\nx"),
            vec![
                Shortcut::ToggleWatch,
                Shortcut::Detach,
                Shortcut::ViewInDesktop,
                Shortcut::ViewConfig,
                Shortcut::Enter,
                Shortcut::Enter,
            ]
        );
        assert_eq!(shortcuts(b"W D"), vec![]);
        // Arrow down (`ESC [ B`), Alt+d (`ESC d`).
        assert_eq!(shortcuts(b"\x1b[B"), vec![]);
        assert_eq!(shortcuts(b"\x1bd"), vec![]);
    }
}
