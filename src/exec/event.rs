//! What a running job reports to the scheduler. The main types here are [`JobEvent`] and
//! [`JobResult`].

use crate::events::{Exit, SpooledOutput, Stream, Usage};

/// Something a job did, reported from [`RunningJob::advance`](super::RunningJob::advance).
#[derive(Debug)]
pub(crate) enum JobEvent {
    /// The job's command number `index` is about to start. Checks (conditions, status
    /// commands) are not announced: they decide whether commands run, and are quiet.
    CommandStarted { index: usize },
    /// The job reached its command `index`, a task call: it runs nothing until
    /// [`RunningJob::resume`](super::RunningJob::resume) says how the called task ended.
    Call { index: usize },
    /// Bytes the job wrote (only in [`OutputMode::Prefixed`](crate::events::OutputMode)),
    /// owned so they can travel on as an event without a copy.
    Output { stream: Stream, bytes: Vec<u8> },
    /// The job is over; nothing of it is running any more. Reported exactly once.
    Finished {
        result: JobResult,
        /// The job's whole output, in grouped mode.
        spooled: Option<SpooledOutput>,
        /// What the job's commands cost, where the job can tell.
        usage: Option<Usage>,
    },
}

/// How a job's commands went, as far as the job can tell. The scheduler turns it into a
/// [`Status`](crate::events::Status), knowing whether it had asked the job to stop.
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
    /// The task's `if` condition failed; no command ran.
    Skipped {
        condition: String,
    },
    /// Every `status` command succeeded; no command ran.
    UpToDate,
    /// A precondition failed; no command ran.
    PreconditionFailed {
        message: String,
    },
    /// Every command ran or was skipped, but one whose errors are ignored failed; or the task
    /// ignores errors and stopped at this failure.
    FailedIgnored {
        exit: Exit,
        command: usize,
    },
}
