//! What became of a task. The main type here is [`TaskOutcome`].

use std::time::Duration;

use crate::graph::TaskId;

/// How a process ended, built from `ExitStatus` in one place ([`Exit::from_status`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Exit {
    Code(i32),
    Signal(i32),
}

impl Exit {
    pub(crate) fn from_status(status: std::process::ExitStatus) -> Exit {
        use std::os::unix::process::ExitStatusExt;
        match (status.code(), status.signal()) {
            (Some(code), _) => Exit::Code(code),
            (None, Some(signal)) => Exit::Signal(signal),
            // Neither code nor signal happens only for stopped/continued statuses, which
            // `wait` does not report; treat it as a generic failure rather than panic.
            (None, None) => Exit::Code(1),
        }
    }

    pub(crate) fn succeeded(self) -> bool {
        self == Exit::Code(0)
    }

    /// The shell convention: the code itself, or 128 + the signal number.
    pub(crate) fn exit_code(self) -> i32 {
        match self {
            Exit::Code(code) => code,
            Exit::Signal(signal) => 128 + signal,
        }
    }
}

/// Why a task was stopped (or never started). Ordered: the strongest reason wins, and decides
/// the exit code and how much is reported.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum CancelReason {
    /// Another task failed and rask is failing fast.
    Failure,
    /// A prerequisite failed, so this task could not run (with or without `--keep-going`).
    DependencyFailed,
    /// rask received a terminating signal (SIGTERM, SIGHUP).
    Signal,
    /// rask received SIGINT (Ctrl-C).
    Interrupt,
    /// A second signal: everything is killed without grace.
    SecondSignal,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Status {
    Succeeded,
    /// Skipped: its outputs are newer than its sources.
    UpToDate,
    /// A command exited non-zero or was killed by a signal rask did not send.
    Failed {
        exit: Exit,
        /// Which of the task's commands failed (0-based).
        command: usize,
    },
    /// Killed by rask because it ran past its timeout.
    TimedOut,
    /// Stopped while running, or never started.
    Cancelled {
        reason: CancelReason,
        started: bool,
    },
    /// A command could not be started at all (missing program, bad working directory).
    SpawnFailed {
        message: String,
    },
}

impl Status {
    pub(crate) fn is_success(&self) -> bool {
        matches!(self, Status::Succeeded | Status::UpToDate)
    }

    /// A failure of the task's own making, as opposed to one rask caused by cancelling it.
    pub(crate) fn is_root_failure(&self) -> bool {
        matches!(
            self,
            Status::Failed { .. } | Status::TimedOut | Status::SpawnFailed { .. }
        )
    }
}

/// The end of one task's run.
#[derive(Clone, Debug)]
pub(crate) struct TaskOutcome {
    pub(crate) task: TaskId,
    pub(crate) status: Status,
    pub(crate) duration: Duration,
}
