//! What workers tell the scheduler. The main type here is [`ExecEvent`].

use super::{Exit, Spool, Stream};
use crate::graph::TaskId;

/// A message to the scheduler's single coordinator thread, which owns all run state.
#[derive(Debug)]
pub(crate) enum ExecEvent {
    /// The task's command number `index` is about to start.
    CommandStarted { task: TaskId, index: usize },
    /// Bytes a task wrote (only in [`OutputMode::Prefixed`](super::OutputMode::Prefixed)).
    Output {
        task: TaskId,
        stream: Stream,
        bytes: Vec<u8>,
    },
    /// The task's worker is done; nothing of the task is running any more.
    Finished {
        task: TaskId,
        result: JobResult,
        /// The task's whole output, in [`OutputMode::Grouped`](super::OutputMode::Grouped).
        spool: Option<Spool>,
    },
    /// rask itself received this signal.
    Signal(i32),
}

/// How a job's commands went, as far as the worker can tell. The scheduler turns it into a
/// [`Status`](super::Status), knowing whether it had asked the task to stop.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum JobResult {
    Succeeded,
    Failed {
        exit: Exit,
        command: usize,
    },
    SpawnFailed {
        message: String,
        command: usize,
    },
    /// A stop was requested before the next command could start.
    Stopped,
}
