//! What the scheduler tells the reporter. The main type here is [`Event`].

use crate::exec::{CancelReason, RunSummary, Spool, Stream, TaskOutcome};
use crate::graph::{PlannedCommand, TaskId};

/// Something that happened during a run, in the order it happened. The scheduler emits these
/// and never prints; reporters render them and never spawn.
#[derive(Debug)]
pub(crate) enum Event<'a> {
    CommandStarted {
        task: TaskId,
        command: &'a PlannedCommand,
    },
    TaskOutput {
        task: TaskId,
        stream: Stream,
        bytes: &'a [u8],
    },
    TaskFinished {
        outcome: &'a TaskOutcome,
        /// The task's whole output, when it was spooled (grouped mode).
        spool: Option<Spool>,
    },
    /// rask began stopping the running tasks.
    Cancelling {
        reason: CancelReason,
        running: usize,
    },
    /// Something went wrong in rask itself that does not stop the run.
    Warning {
        message: String,
    },
    RunFinished {
        summary: &'a RunSummary,
    },
}
