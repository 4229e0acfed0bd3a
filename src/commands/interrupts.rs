//! SIGINT and SIGTERM as one stream of interrupts, the same for every long-running command
//! (the reference's `AdaptCmd` cancels its context on either): the first asks the command
//! to stop cleanly, a second one forces. An interrupted command ends as the reference's
//! does: exit 130 and an empty line on stderr (its `StatusError{130}` has no message).

use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};

use tokio::signal::unix::{Signal, SignalKind, signal};
use tokio::sync::watch;
use tokio::task::JoinHandle;

use super::exit;
use crate::output::printer;

/// Whether an interrupt came (to end with the reference's empty line).
static RECEIVED: AtomicBool = AtomicBool::new(false);

/// SIGINT and SIGTERM, as one stream. A signal that comes while nobody waits is kept
/// (several such are one) until the next [`Interrupts::next`].
pub(crate) struct Interrupts {
    interrupt: Signal,
    terminate: Signal,
}

impl Interrupts {
    /// Listens from now on (call inside the runtime); the error is a message.
    pub fn listen() -> Result<Self, String> {
        let listen =
            |kind| signal(kind).map_err(|error| format!("cannot listen to signals: {error}"));
        Ok(Self {
            interrupt: listen(SignalKind::interrupt())?,
            terminate: listen(SignalKind::terminate())?,
        })
    }

    /// As [`Interrupts::listen`], the error printed and given as the exit code.
    pub fn listen_or_report() -> Result<Self, i32> {
        Self::listen().map_err(|message| {
            printer::stderr_line(&message);
            exit::INTERNAL
        })
    }

    /// Waits for the next SIGINT or SIGTERM.
    pub async fn next(&mut self) {
        tokio::select! {
            _ = self.interrupt.recv() => {}
            _ = self.terminate.recv() => {}
        }
        RECEIVED.store(true, Ordering::Relaxed);
    }

    /// Runs `work` unless an interrupt comes first; then `work` is dropped (its engine
    /// requests cut, as the reference's cancelled context does) and the exit code is 130.
    pub async fn unless_interrupted<T>(&mut self, work: impl Future<Output = T>) -> Result<T, i32> {
        tokio::select! {
            done = work => Ok(done),
            () = self.next() => Err(exit::INTERRUPTED),
        }
    }

    /// The first interrupt turns the returned flag true (the command stops scheduling and
    /// ends with 130 once what runs is done); a second ends the process at once with 130.
    /// Abort the task when the phase is over.
    pub fn cancel_on_first(mut self) -> (watch::Receiver<bool>, JoinHandle<()>) {
        let (sender, cancel) = watch::channel(false);
        let task = tokio::spawn(async move {
            self.next().await;
            let _ = sender.send(true);
            self.next().await;
            std::process::exit(exit::INTERRUPTED);
        });
        (cancel, task)
    }
}

/// The command's exit code, once it is over; an interrupted command (130 after a signal)
/// also prints the reference's empty line.
pub(crate) fn conclude(code: i32) -> i32 {
    if code == exit::INTERRUPTED && RECEIVED.load(Ordering::Relaxed) {
        printer::stderr_line("");
    }
    code
}
