//! What `run`, `exec` and `attach` share once a process is attached: the terminal in raw mode while a
//! TTY session runs (restored on every exit path by a guard), window-size changes passed on,
//! signals forwarded to the container when there is no TTY, stdin piped.

use std::io::IsTerminal;

use crate::engine::exec::{Attached, TtyTarget, pump};
use crate::engine::{Engine, EngineError};

/// Raw mode for the life of the guard; the terminal is restored on drop (also when
/// unwinding). Does nothing when stdin is not a terminal.
pub struct RawTerminal {
    enabled: bool,
}

impl RawTerminal {
    pub fn enable() -> Self {
        let enabled =
            std::io::stdin().is_terminal() && crossterm::terminal::enable_raw_mode().is_ok();
        Self { enabled }
    }
}

impl Drop for RawTerminal {
    fn drop(&mut self) {
        if self.enabled {
            let _ = crossterm::terminal::disable_raw_mode();
        }
    }
}

/// Whether stdin is a terminal (the default for `run`'s TTY).
pub fn stdin_is_terminal() -> bool {
    std::io::stdin().is_terminal()
}

/// The terminal's size as (rows, columns), when there is one.
pub fn terminal_size() -> Option<(u16, u16)> {
    crossterm::terminal::size()
        .ok()
        .map(|(columns, rows)| (rows, columns))
}

/// How a session is wired to this process.
#[derive(Debug, Clone)]
pub struct SessionSettings {
    pub tty: bool,
    /// Pipe our stdin to the process.
    pub stdin: bool,
    /// The TTY to resize on window changes.
    pub tty_target: TtyTarget,
    /// The container to forward signals to (no-TTY sessions of `run`).
    pub signal_container: Option<String>,
}

/// Runs an attached session until the process closes its output. `started` is called once
/// the terminal is set up (it starts the container of `run`); the terminal is restored
/// before returning, whatever happens.
pub async fn run_session<F>(
    engine: &Engine,
    attached: Attached,
    settings: &SessionSettings,
    started: F,
) -> Result<(), EngineError>
where
    F: std::future::Future<Output = Result<(), EngineError>>,
{
    let raw = settings.tty.then(RawTerminal::enable);
    let mut helpers = tokio::task::JoinSet::new();
    let result = async {
        started.await?;
        if settings.tty {
            if let Some((rows, columns)) = terminal_size() {
                engine.resize_tty(&settings.tty_target, rows, columns).await;
            }
            let engine = engine.clone();
            let target = settings.tty_target.clone();
            helpers.spawn(async move {
                let Ok(mut changes) =
                    tokio::signal::unix::signal(tokio::signal::unix::SignalKind::window_change())
                else {
                    return;
                };
                while changes.recv().await.is_some() {
                    if let Some((rows, columns)) = terminal_size() {
                        engine.resize_tty(&target, rows, columns).await;
                    }
                }
            });
        }
        if let Some(container) = &settings.signal_container {
            forward_signals(engine, container, &mut helpers);
        }
        let stdin = settings.stdin.then(tokio::io::stdin);
        pump(attached, stdin, tokio::io::stdout(), tokio::io::stderr()).await
    }
    .await;
    helpers.abort_all();
    drop(raw);
    result
}

/// Forwards the usual termination and user signals to the container (the docker CLI's
/// `ForwardAllSignals` for sessions without a TTY).
fn forward_signals(engine: &Engine, container: &str, helpers: &mut tokio::task::JoinSet<()>) {
    use tokio::signal::unix::{SignalKind, signal};
    for (kind, name) in [
        (SignalKind::interrupt(), "SIGINT"),
        (SignalKind::terminate(), "SIGTERM"),
        (SignalKind::hangup(), "SIGHUP"),
        (SignalKind::quit(), "SIGQUIT"),
        (SignalKind::user_defined1(), "SIGUSR1"),
        (SignalKind::user_defined2(), "SIGUSR2"),
    ] {
        let Ok(mut stream) = signal(kind) else {
            continue;
        };
        let engine = engine.clone();
        let container = container.to_owned();
        helpers.spawn(async move {
            while stream.recv().await.is_some() {
                let _ = engine.kill_container(&container, name).await;
            }
        });
    }
}

/// An exit code from the engine as a process exit code.
pub fn exit_code(code: i64) -> i32 {
    i32::try_from(code).unwrap_or(super::exit::USER_ERROR)
}
