//! Debouncing: changed paths are gathered until the file system has been quiet for a
//! moment, then handled as one batch, each path once (an editor's save burst or a `git
//! checkout` of a thousand files is one batch, not a thousand actions). The reference
//! (`pkg/watch/debounce.go`) waits for 500 ms of quiet and has no upper bound; we wait for
//! less (changes show up sooner) and bound the wait, so a file written without pause
//! still gets synced. Pure: the caller passes the clock in.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// How long the file system must be quiet before a batch is handled.
pub const QUIET_PERIOD: Duration = Duration::from_millis(100);

/// The longest a change waits while other changes keep coming.
pub const LONGEST_WAIT: Duration = Duration::from_secs(2);

/// Gathers changed paths into batches.
#[derive(Debug, Clone)]
pub struct Debouncer {
    quiet_period: Duration,
    longest_wait: Duration,
    pending: BTreeSet<PathBuf>,
    first_change: Option<Instant>,
    last_change: Option<Instant>,
}

impl Default for Debouncer {
    fn default() -> Self {
        Self::new(QUIET_PERIOD, LONGEST_WAIT)
    }
}

impl Debouncer {
    pub fn new(quiet_period: Duration, longest_wait: Duration) -> Self {
        Self {
            quiet_period,
            longest_wait: longest_wait.max(quiet_period),
            pending: BTreeSet::new(),
            first_change: None,
            last_change: None,
        }
    }

    /// Records a change seen at `now`.
    pub fn push(&mut self, path: PathBuf, now: Instant) {
        self.pending.insert(path);
        self.first_change.get_or_insert(now);
        self.last_change = Some(now);
    }

    /// How many distinct paths wait.
    pub fn len(&self) -> usize {
        self.pending.len()
    }

    pub fn is_empty(&self) -> bool {
        self.pending.is_empty()
    }

    /// When the pending batch is due (`None` when nothing waits).
    pub fn deadline(&self) -> Option<Instant> {
        let quiet = self.last_change? + self.quiet_period;
        let longest = self.first_change? + self.longest_wait;
        Some(quiet.min(longest))
    }

    /// The batch (sorted, each path once) when it is due at `now`.
    pub fn take_due(&mut self, now: Instant) -> Option<Vec<PathBuf>> {
        if self.deadline()? > now {
            return None;
        }
        Some(self.take())
    }

    /// The pending batch, due or not.
    pub fn take(&mut self) -> Vec<PathBuf> {
        self.first_change = None;
        self.last_change = None;
        std::mem::take(&mut self.pending).into_iter().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn millis(value: u64) -> Duration {
        Duration::from_millis(value)
    }

    #[test]
    fn a_burst_is_one_batch_once_quiet() {
        let start = Instant::now();
        let mut debouncer = Debouncer::new(millis(100), millis(2000));
        assert_eq!(debouncer.deadline(), None);
        for index in 0..500_u64 {
            debouncer.push(
                PathBuf::from(format!("/src/file-{index}")),
                start + millis(index / 10),
            );
        }
        // The same path twice counts once.
        debouncer.push(PathBuf::from("/src/file-0"), start + millis(50));
        assert_eq!(debouncer.len(), 500);
        assert_eq!(debouncer.take_due(start + millis(120)), None);
        assert_eq!(debouncer.deadline(), Some(start + millis(150)));
        let batch = debouncer.take_due(start + millis(150)).unwrap();
        assert_eq!(batch.len(), 500);
        assert!(debouncer.is_empty());
        assert_eq!(debouncer.deadline(), None);
    }

    #[test]
    fn endless_changes_still_flush_after_the_longest_wait() {
        let start = Instant::now();
        let mut debouncer = Debouncer::new(millis(100), millis(300));
        for step in 0..10_u64 {
            debouncer.push(PathBuf::from("/src/log"), start + millis(step * 50));
        }
        assert_eq!(debouncer.deadline(), Some(start + millis(300)));
        assert_eq!(
            debouncer.take_due(start + millis(300)),
            Some(vec![PathBuf::from("/src/log")])
        );
    }
}
