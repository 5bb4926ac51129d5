//! What a running job reports to the scheduler. The main types here are [`JobEvent`] and
//! [`JobResult`].

use super::{Exit, Spool, Stream};

/// Something a job did, reported from [`RunningJob::advance`](super::RunningJob::advance).
#[derive(Debug)]
pub(crate) enum JobEvent<'a> {
    /// The job's command number `index` (never 0: the scheduler announces the first) started.
    CommandStarted { index: usize },
    /// Bytes the job wrote (only in [`OutputMode::Prefixed`](super::OutputMode::Prefixed)).
    Output { stream: Stream, bytes: &'a [u8] },
    /// The job is over; nothing of it is running any more. Reported exactly once.
    Finished {
        result: JobResult,
        /// The job's whole output, in [`OutputMode::Grouped`](super::OutputMode::Grouped).
        spool: Option<Spool>,
    },
}

/// How a job's commands went, as far as the job can tell. The scheduler turns it into a
/// [`Status`](super::Status), knowing whether it had asked the job to stop.
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
