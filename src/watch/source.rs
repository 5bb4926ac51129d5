//! Where changes come from: the OS's file events through `notify` (inotify on Linux), or a
//! scan at an interval with `--poll`. The main type here is [`FsSource`].
//!
//! notify calls back on a thread of its own; the callback only forwards the changed paths
//! to the decider's channel, so nothing here ever blocks notify or touches a process.

use std::path::PathBuf;
use std::sync::mpsc::Sender;
use std::time::Duration;

use notify::event::EventKind;
use notify::{Config, PollWatcher, RecommendedWatcher, RecursiveMode, Watcher};

use super::decide::Input;
use super::error::WatchError;

/// Watches directories for as long as it lives.
pub(crate) struct FsSource {
    _watcher: Box<dyn Watcher + Send>,
}

impl FsSource {
    /// Watches every directory of `directories` recursively, sending changes to `inputs`.
    pub(crate) fn start(
        directories: &[PathBuf],
        poll: Option<Duration>,
        inputs: Sender<Input>,
    ) -> Result<FsSource, WatchError> {
        let handler = move |result: notify::Result<notify::Event>| {
            let input = match result {
                Ok(event) if is_change(&event.kind) => Input::Changed(event.paths),
                Ok(_) => return,
                Err(error) => Input::Failed(error.to_string()),
            };
            // The decider is gone only when watching is over.
            let _ = inputs.send(input);
        };
        let mut watcher: Box<dyn Watcher + Send> = match poll {
            Some(interval) => Box::new(
                PollWatcher::new(handler, Config::default().with_poll_interval(interval))
                    .map_err(WatchError::Start)?,
            ),
            None => Box::new(
                RecommendedWatcher::new(handler, Config::default()).map_err(WatchError::Start)?,
            ),
        };
        for directory in directories {
            watcher
                .watch(directory, RecursiveMode::Recursive)
                .map_err(|error| WatchError::watching(directory.clone(), error))?;
        }
        Ok(FsSource { _watcher: watcher })
    }
}

/// Whether an event is a change: reads (access events, which a task's own reads cause) are
/// not. A `touch` is, as make would see it.
fn is_change(kind: &EventKind) -> bool {
    match kind {
        EventKind::Create(_) | EventKind::Remove(_) | EventKind::Modify(_) | EventKind::Any => true,
        EventKind::Access(_) | EventKind::Other => false,
    }
}
