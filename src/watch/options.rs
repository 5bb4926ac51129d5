//! How watch mode behaves, resolved from the command line. The main type here is
//! [`WatchOptions`].

use std::path::PathBuf;
use std::time::Duration;

/// `rask --watch`'s settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct WatchOptions {
    /// A change starts a run only once no further change came for this long (`--debounce`,
    /// 50 ms unless given).
    pub(crate) debounce: Duration,
    /// Scan for changes at this interval instead of asking the OS for events (`--poll`; 500 ms
    /// when given without a value).
    pub(crate) poll: Option<Duration>,
    pub(crate) on_busy: OnBusy,
    /// Clear the screen before each re-run.
    pub(crate) clear: bool,
    /// Watched besides what the tasks name (`--watch-path`), relative to rask's directory.
    pub(crate) extra_paths: Vec<PathBuf>,
}

/// What a change does while the tasks it affects are still running.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub(crate) enum OnBusy {
    /// Stop the affected running tasks (polite signal, grace, kill) and start them again.
    #[default]
    Restart,
    /// Let the current run finish, then run once more.
    Queue,
    /// Ignore changes until the current run has finished.
    DoNothing,
}
