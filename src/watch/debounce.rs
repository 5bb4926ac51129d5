//! Turning a burst of file events into one batch. The main type here is [`Debouncer`].
//!
//! A batch is released once no event came for the debounce window (an editor's
//! write-rename-chmod, a `git checkout` of 500 files or a formatter touching 200 all end as
//! one batch), but never later than [`MAX_DELAY_FACTOR`] windows after its first event, so a
//! tree that never stops changing still gets its runs. Pure bookkeeping on a clock passed in:
//! the caller sleeps until [`Debouncer::due`].

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// A batch is released at the latest this many windows after its first event.
pub(crate) const MAX_DELAY_FACTOR: u32 = 20;

/// Changed paths collected until the burst is over.
#[derive(Debug)]
pub(crate) struct Debouncer {
    window: Duration,
    paths: BTreeSet<PathBuf>,
    first: Option<Instant>,
    last: Option<Instant>,
}

impl Debouncer {
    pub(crate) fn new(window: Duration) -> Debouncer {
        Debouncer {
            window,
            paths: BTreeSet::new(),
            first: None,
            last: None,
        }
    }

    /// Adds paths that changed at `now`.
    pub(crate) fn push(&mut self, paths: impl IntoIterator<Item = PathBuf>, now: Instant) {
        let before = self.paths.len();
        self.paths.extend(paths);
        if self.paths.len() == before && self.first.is_some() {
            // The same paths again still extend the burst.
            self.last = Some(now);
            return;
        }
        if !self.paths.is_empty() {
            self.first.get_or_insert(now);
            self.last = Some(now);
        }
    }

    /// When the collected batch is to be released, if there is one.
    pub(crate) fn due(&self) -> Option<Instant> {
        let (first, last) = (self.first?, self.last?);
        Some((last + self.window).min(first + self.window * MAX_DELAY_FACTOR))
    }

    /// The batch, if it is due at `now`; the debouncer is empty afterwards.
    pub(crate) fn take_due(&mut self, now: Instant) -> Option<BTreeSet<PathBuf>> {
        if self.due()? > now {
            return None;
        }
        self.first = None;
        self.last = None;
        Some(std::mem::take(&mut self.paths))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const WINDOW: Duration = Duration::from_millis(50);

    fn path(name: &str) -> PathBuf {
        PathBuf::from(format!("/project/{name}"))
    }

    #[test]
    fn a_burst_is_one_batch_released_after_a_quiet_window() {
        let start = Instant::now();
        let mut debouncer = Debouncer::new(WINDOW);
        for index in 0..500 {
            let now = start + Duration::from_millis(index / 10);
            debouncer.push([path(&format!("file{index}"))], now);
            assert!(
                debouncer.take_due(now).is_none(),
                "not while the burst goes on"
            );
        }
        let quiet = start + Duration::from_millis(49) + WINDOW;
        assert_eq!(debouncer.due(), Some(quiet));
        assert!(
            debouncer
                .take_due(quiet - Duration::from_millis(1))
                .is_none()
        );
        assert_eq!(
            debouncer.take_due(quiet).map(|batch| batch.len()),
            Some(500)
        );
        assert_eq!(debouncer.due(), None, "empty afterwards");
    }

    #[test]
    fn changes_that_never_stop_still_release_a_batch() {
        let start = Instant::now();
        let mut debouncer = Debouncer::new(WINDOW);
        for tick in 0..100 {
            debouncer.push([path("log")], start + WINDOW / 2 * tick);
        }
        assert_eq!(debouncer.due(), Some(start + WINDOW * MAX_DELAY_FACTOR));
    }

    #[test]
    fn nothing_pushed_is_nothing_due() {
        let mut debouncer = Debouncer::new(WINDOW);
        debouncer.push([], Instant::now());
        assert_eq!(debouncer.due(), None);
    }
}
