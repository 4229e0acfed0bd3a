//! SIGINT and SIGTERM as one stream of interrupts, the same for every long-running command
//! (the reference's `AdaptCmd` cancels its context on either): the first asks the command
//! to stop cleanly, a second one forces. An interrupted command ends as the reference's
//! does: exit 130 and an empty line on stderr (its `StatusError{130}` has no message).
//! [`Cancellation`] is the first interrupt as a flag that each engine call of a short
//! command (`stop`, `restart`, `kill`, `rm`, `pause`) races, as the reference's cancelled
//! context cuts its requests.

use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};

use tokio::signal::unix::{Signal, SignalKind, signal};
use tokio::sync::watch;
use tokio::task::JoinHandle;

use super::exit;
use crate::engine::EngineError;
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

/// The first interrupt, raised for the calls that race it ([`Cancel`]); a second one ends
/// the process at once with 130. Listening stops when this is dropped.
pub(crate) struct Cancellation {
    cancel: Cancel,
    signals: JoinHandle<()>,
}

impl Cancellation {
    /// Listens from now on (call inside the runtime); the error is printed and given as the
    /// exit code.
    pub fn listen() -> Result<Self, i32> {
        let (flag, signals) = Interrupts::listen_or_report()?.cancel_on_first();
        Ok(Self {
            cancel: Cancel { flag },
            signals,
        })
    }

    /// The flag, for the calls to race.
    pub fn cancel(&self) -> Cancel {
        self.cancel.clone()
    }
}

impl Drop for Cancellation {
    fn drop(&mut self) {
        self.signals.abort();
    }
}

/// The flag of a [`Cancellation`], raised by the first interrupt.
#[derive(Clone)]
pub(crate) struct Cancel {
    flag: watch::Receiver<bool>,
}

impl Cancel {
    /// A flag nothing raises.
    pub fn never() -> Self {
        Self {
            flag: watch::channel(false).1,
        }
    }

    pub fn is_raised(&self) -> bool {
        *self.flag.borrow()
    }

    /// Runs `work` unless the flag is (or gets) raised first: then `work` is dropped, its
    /// engine request cut, and the answer is `None`.
    pub async fn unless<T>(&self, work: impl Future<Output = T>) -> Option<T> {
        let mut flag = self.flag.clone();
        let raised = async move {
            // The listener gone (the phase over) raises nothing any more.
            if flag.wait_for(|raised| *raised).await.is_err() {
                std::future::pending::<()>().await;
            }
        };
        tokio::select! {
            biased;
            () = raised => None,
            done = work => Some(done),
        }
    }

    /// As [`Cancel::unless`] for an engine call: cut, it fails with
    /// [`EngineError::Interrupted`].
    pub async fn call<T>(
        &self,
        work: impl Future<Output = Result<T, EngineError>>,
    ) -> Result<T, EngineError> {
        self.unless(work)
            .await
            .unwrap_or(Err(EngineError::Interrupted))
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
