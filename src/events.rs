//! The run's vocabulary: what happened, when, and what became of each task. The main type here
//! is [`Event`].
//!
//! Everything here is plain owned data, `Clone + Serialize`: `exec` emits it, `report` renders
//! it, and neither imports the other (nextest's `reporter/events.rs` is the model). Every sink
//! (terminal, JSON lines, JUnit, GitHub Actions, timings chart) draws from the same stream, so
//! no view can tell a different story from another.

use std::fs::File;
use std::io::{self, Seek, Write};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use serde::{Serialize, Serializer};

use crate::graph::TaskId;

/// The version of the event stream's shape, written in [`EventKind::RunStarted`]. Bump it when
/// a field changes meaning or disappears; adding a field or an event kind does not need it.
pub(crate) const SCHEMA_VERSION: u32 = 1;

/// `timeout(1)`'s exit code, for a task rask stopped at its deadline.
pub(crate) const EXIT_TIMEOUT: i32 = 124;
/// The shell's "cannot run" code, for a task whose command could not be started.
pub(crate) const EXIT_CANNOT_RUN: i32 = 127;

/// One thing that happened during a run, stamped with the wall-clock time and the time since
/// the run started (the latter is monotonic, so durations computed from it never go backwards).
#[derive(Clone, Debug, Serialize)]
pub(crate) struct Event {
    #[serde(serialize_with = "rfc3339")]
    pub(crate) time: SystemTime,
    #[serde(serialize_with = "seconds")]
    pub(crate) elapsed: Duration,
    #[serde(flatten)]
    pub(crate) kind: EventKind,
}

/// What an [`Event`] says.
#[derive(Clone, Debug, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub(crate) enum EventKind {
    /// The first event of every run: what it will run and how.
    RunStarted {
        schema_version: u32,
        /// Every task of the plan; each later event names its task by its `id` here.
        tasks: Vec<TaskInfo>,
        jobs: usize,
        output: OutputMode,
    },
    /// A task got a worker slot and its first command is about to start.
    TaskStarted {
        task: TaskId,
        /// Which of the `jobs` slots runs it (0-based; the lowest free one).
        slot: usize,
        /// 1 for the first run, 2 for the first retry, and so on.
        attempt: u32,
    },
    /// Command number `index` of the task (0-based) is starting.
    CommandStarted {
        task: TaskId,
        index: usize,
        /// The command line as the user reads it, after substitution.
        command: String,
    },
    /// Bytes a task wrote (prefixed mode; inherited output never passes through rask and
    /// grouped output arrives in [`EventKind::TaskFinished`]).
    Output {
        task: TaskId,
        stream: Stream,
        #[serde(serialize_with = "lossy_text", rename = "text")]
        bytes: Vec<u8>,
    },
    /// An attempt at a task is over, started or not: exactly one with `retry: false` per task
    /// of the plan, preceded by one with `retry: true` per failed attempt that is retried.
    TaskFinished {
        outcome: TaskOutcome,
        /// This attempt failed and the task runs again (`retries`); its dependents wait.
        retry: bool,
        /// The task's whole output in grouped mode, spooled to files rask reads back.
        #[serde(skip_serializing_if = "Option::is_none")]
        spooled: Option<SpooledOutput>,
    },
    /// rask began stopping the running tasks.
    Cancelling {
        reason: CancelReason,
        running: usize,
    },
    /// With `--explain`: why a task runs, is skipped or is restored.
    TaskExplained {
        task: TaskId,
        /// A stable word for tools: `never_run`, `source_changed`, `unchanged`, ...
        code: String,
        /// The source, variable, dependency or output the reason names, if any.
        #[serde(skip_serializing_if = "Option::is_none")]
        subject: Option<String>,
        /// The line a person reads: ``runs: `src/a.rs` changed``.
        text: String,
    },
    /// Something went wrong in rask itself that does not stop the run.
    Warning { message: String },
    /// The last event of every run.
    RunFinished { summary: RunSummary },
}

/// A task of the plan, as [`EventKind::RunStarted`] lists it.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct TaskInfo {
    pub(crate) id: TaskId,
    /// The name as the user reads it, with arguments: `deploy env=prod`.
    pub(crate) name: String,
    /// Tasks that must finish before this one starts.
    pub(crate) depends: Vec<TaskId>,
    /// The task has no commands of its own: it only groups its dependencies.
    pub(crate) aggregate: bool,
}

/// The start of a run, against which events are stamped.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Clock {
    started: Instant,
    started_at: SystemTime,
}

impl Clock {
    pub(crate) fn start() -> Clock {
        Clock {
            started: Instant::now(),
            started_at: SystemTime::now(),
        }
    }

    /// `kind`, stamped now.
    pub(crate) fn event(&self, kind: EventKind) -> Event {
        let elapsed = self.started.elapsed();
        Event {
            time: self.started_at + elapsed,
            elapsed,
            kind,
        }
    }
}

/// What a sink tells the run after an event: go on, or rask's own output is gone (EPIPE or
/// EIO on stdout/stderr), so there is no one left to report to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[must_use]
pub(crate) enum Flow {
    Continue,
    OutputClosed,
}

impl Flow {
    /// `OutputClosed` if either is.
    pub(crate) fn and(self, other: Flow) -> Flow {
        if self == Flow::OutputClosed {
            self
        } else {
            other
        }
    }
}

/// How tasks' output reaches the user.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum OutputMode {
    /// The task writes straight to rask's stdout and stderr (colours and prompts keep working).
    Inherit,
    /// Every line is tagged `[task]`; lines are never torn or interleaved mid-line.
    Prefixed,
    /// Each task's output is held in a temporary file and printed as one block when it ends.
    Grouped,
}

/// Which of a task's output streams bytes came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Stream {
    Stdout,
    Stderr,
}

/// A grouped task's output, spooled to anonymous temporary files by the child itself. Shared,
/// not copied: every sink reads the same files (with positioned reads, so no sink disturbs
/// another), memory stays flat however much the task printed, and the files vanish when the
/// last clone is dropped.
#[derive(Clone, Debug)]
pub(crate) struct SpooledOutput {
    stdout: Arc<File>,
    stderr: Arc<File>,
    /// Past this many bytes, a stream is shown as its head and tail only ([`kept_bytes`]).
    max_size: u64,
}

/// The variable that bounds a grouped task's spool, per stream.
pub(crate) const SPOOL_MAX_SIZE_VAR: &str = "RASK_SPOOL_MAX_SIZE";

/// For a spooled stream of `len` bytes past `max_size`, how many bytes of its head and of its
/// tail are kept; `None` when all of it is.
pub(crate) fn kept_bytes(len: u64, max_size: u64) -> Option<(u64, u64)> {
    (len > max_size).then(|| (max_size / 2, max_size - max_size / 2))
}

impl SpooledOutput {
    pub(crate) fn new(stdout: File, stderr: File, max_size: u64) -> SpooledOutput {
        SpooledOutput {
            stdout: Arc::new(stdout),
            stderr: Arc::new(stderr),
            max_size,
        }
    }

    fn file(&self, stream: Stream) -> &File {
        match stream {
            Stream::Stdout => &self.stdout,
            Stream::Stderr => &self.stderr,
        }
    }

    /// How many bytes the task wrote to `stream`.
    pub(crate) fn len(&self, stream: Stream) -> u64 {
        self.file(stream).metadata().map_or(0, |meta| meta.len())
    }

    /// Copies `stream` to `out` (kernel to kernel where the OS can: `io::copy` uses
    /// `copy_file_range`/`sendfile` between descriptors). A stream past the bound is copied as
    /// its head, one line saying how many bytes were dropped, and its tail.
    pub(crate) fn copy_to(&self, stream: Stream, out: &mut impl Write) -> io::Result<u64> {
        use std::io::{Read, SeekFrom};
        let mut file = self.file(stream);
        file.rewind()?;
        let len = self.len(stream);
        let Some((head, tail)) = kept_bytes(len, self.max_size) else {
            return io::copy(&mut file, out);
        };
        let mut written = io::copy(&mut file.take(head), out)?;
        let mut file = self.file(stream);
        let ends_line = head == 0 || self.byte_at(stream, head - 1) == Some(b'\n');
        let name = match stream {
            Stream::Stdout => "stdout",
            Stream::Stderr => "stderr",
        };
        let marker = format!(
            "{}[rask: {} bytes of {name} dropped here: the task wrote {len}, more than the {} \
             kept (first and last half; {SPOOL_MAX_SIZE_VAR})]\n",
            if ends_line { "" } else { "\n" },
            len - head - tail,
            self.max_size
        );
        out.write_all(marker.as_bytes())?;
        written += marker.len() as u64;
        file.seek(SeekFrom::Start(len - tail))?;
        Ok(written + io::copy(&mut file, out)?)
    }

    fn byte_at(&self, stream: Stream, offset: u64) -> Option<u8> {
        use std::os::unix::fs::FileExt;
        let mut byte = [0];
        self.file(stream).read_exact_at(&mut byte, offset).ok()?;
        Some(byte[0])
    }

    /// The same files shown within another bound (a cached log replayed in grouped mode gets
    /// the run's bound, as a live task's spool does).
    pub(crate) fn with_max_size(self, max_size: u64) -> SpooledOutput {
        SpooledOutput { max_size, ..self }
    }

    /// Whether every byte the task wrote is still there: no stream went past the bound (past
    /// it, the middle is freed while the task runs).
    pub(crate) fn is_whole(&self) -> bool {
        [Stream::Stdout, Stream::Stderr]
            .into_iter()
            .all(|stream| kept_bytes(self.len(stream), self.max_size).is_none())
    }

    /// `stream` whole, read from its start (the bound does not apply: the cache stores every
    /// byte a task wrote).
    pub(crate) fn reader(&self, stream: Stream) -> io::Result<&File> {
        let mut file = self.file(stream);
        file.rewind()?;
        Ok(file)
    }

    /// The last `max` bytes of `stream` (of its kept tail, past the bound), e.g. for a
    /// failure's excerpt.
    pub(crate) fn tail(&self, stream: Stream, max: usize) -> Vec<u8> {
        use std::os::unix::fs::FileExt;
        let len = self.len(stream);
        let kept_tail = kept_bytes(len, self.max_size).map_or(len, |(_, tail)| tail);
        let start = len.saturating_sub((max as u64).min(kept_tail));
        let mut tail = vec![0; usize::try_from(len - start).unwrap_or(0)];
        match self.file(stream).read_exact_at(&mut tail, start) {
            Ok(()) => tail,
            Err(_) => Vec::new(),
        }
    }
}

impl Serialize for SpooledOutput {
    /// The sizes only: the bytes themselves can be gigabytes.
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut state = serializer.serialize_struct("SpooledOutput", 2)?;
        state.serialize_field("stdout_bytes", &self.len(Stream::Stdout))?;
        state.serialize_field("stderr_bytes", &self.len(Stream::Stderr))?;
        state.end()
    }
}

/// How a process ended, built from a wait status in one place ([`Exit::from_status`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
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
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
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
    /// rask itself cannot go on (it cannot wait for its tasks any more): everything is killed
    /// without grace and reaped, and the run ends (see [`RunSummary::aborted`]).
    Aborted,
}

/// What became of a task. Adding a variant takes two lines: the variant, and its row in
/// [`Status::class`], which every consumer (exit code, release of dependents, summaries,
/// JUnit, JSON) reads instead of matching variants itself.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub(crate) enum Status {
    Succeeded,
    /// Skipped: its inputs are unchanged and its outputs as recorded (or, with
    /// `method = "timestamp"`, newer than its sources).
    UpToDate,
    /// Not run: its inputs were unchanged, its outputs missing or changed; the cache put them
    /// back and replayed its log.
    Restored,
    /// Not run: unchanged inputs and no `outputs`, so only its log was cached and replayed.
    CachedLog,
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
    /// Not run: its `if` condition failed. Counts as done for its dependents.
    Skipped {
        /// The condition, as displayed.
        condition: String,
    },
    /// A precondition failed, so none of the task's commands ran.
    PreconditionFailed {
        message: String,
    },
    /// A command failed, but `ignore_errors` said to carry on: reported, counted as "failed,
    /// ignored", and neither the run nor the task's dependents fail for it.
    FailedIgnored {
        exit: Exit,
        /// Which of the task's commands failed first (0-based).
        command: usize,
    },
    /// Not run: only task calls in `run` reach it, and none was made (the caller was skipped
    /// or up to date, or stopped before the call).
    NotCalled,
}

/// The broad kind of a [`Status`]: what the run does about it and how views group it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum StatusClass {
    /// Done, and dependents may run (ran and passed, up to date, skipped).
    Success,
    /// Failed of its own accord: sets the exit code and, without `-k`, stops the run.
    Failure,
    /// rask stopped it or never started it.
    Cancelled,
}

impl Status {
    /// The one table of what each status means; see the type's docs.
    pub(crate) fn class(&self) -> StatusClass {
        match self {
            Status::Succeeded
            | Status::UpToDate
            | Status::Restored
            | Status::CachedLog
            | Status::Skipped { .. }
            | Status::NotCalled
            | Status::FailedIgnored { .. } => StatusClass::Success,
            Status::Failed { .. }
            | Status::TimedOut
            | Status::SpawnFailed { .. }
            | Status::PreconditionFailed { .. } => StatusClass::Failure,
            Status::Cancelled { .. } => StatusClass::Cancelled,
        }
    }

    pub(crate) fn is_success(&self) -> bool {
        self.class() == StatusClass::Success
    }

    /// A failure of the task's own making, as opposed to one rask caused by cancelling it.
    pub(crate) fn is_root_failure(&self) -> bool {
        self.class() == StatusClass::Failure
    }

    /// Whether any of the task's commands was started, so it has a wall time and figures.
    pub(crate) fn started(&self) -> bool {
        !matches!(
            self,
            Status::Cancelled { started: false, .. }
                | Status::UpToDate
                | Status::Restored
                | Status::CachedLog
                | Status::Skipped { .. }
                | Status::NotCalled
        )
    }

    /// The exit code this status gives rask when it is the run's first failure.
    pub(crate) fn exit_code(&self) -> i32 {
        match self {
            Status::Failed { exit, .. } => exit.exit_code(),
            Status::TimedOut => EXIT_TIMEOUT,
            Status::SpawnFailed { .. } => EXIT_CANNOT_RUN,
            _ => match self.class() {
                StatusClass::Success => 0,
                StatusClass::Failure | StatusClass::Cancelled => 1,
            },
        }
    }
}

/// What a task's processes cost, from the rusage the kernel returns when rask reaps the task's
/// leader (see docs/cli.md, "Resources", for what that covers).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub(crate) struct Usage {
    #[serde(serialize_with = "seconds")]
    pub(crate) user: Duration,
    #[serde(serialize_with = "seconds")]
    pub(crate) system: Duration,
    /// Peak resident set size of the largest single process, in bytes.
    pub(crate) max_rss: u64,
}

impl TaskOutcome {
    /// Passed, but only after failing: the same inputs gave different results.
    pub(crate) fn is_flaky(&self) -> bool {
        self.attempt > 1 && self.status.is_success()
    }
}

impl Usage {
    /// Folds in the usage of the task's next command: CPU adds up, the peak is the larger.
    pub(crate) fn add(&mut self, other: Usage) {
        self.user += other.user;
        self.system += other.system;
        self.max_rss = self.max_rss.max(other.max_rss);
    }
}

/// The end of one task's run (or of one attempt at it).
#[derive(Clone, Debug, Serialize)]
pub(crate) struct TaskOutcome {
    pub(crate) task: TaskId,
    pub(crate) status: Status,
    /// Wall-clock time from the first command's start to the last one's end.
    #[serde(serialize_with = "seconds", rename = "wall")]
    pub(crate) duration: Duration,
    /// Which attempt this was (1 unless the task is retried).
    pub(crate) attempt: u32,
    /// The processes' cost; `None` when nothing ran or the platform cannot tell.
    pub(crate) usage: Option<Usage>,
}

/// What a whole run came to.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct RunSummary {
    /// Every task of the plan, in the order they finished (never-started tasks last).
    pub(crate) outcomes: Vec<TaskOutcome>,
    #[serde(serialize_with = "seconds", rename = "wall")]
    pub(crate) duration: Duration,
    /// The signal that stopped the run, if one did.
    pub(crate) signal: Option<i32>,
    /// Why rask itself had to stop the run, if it did (`poll(2)` failed): the run exits 2.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) aborted: Option<String>,
    pub(crate) exit_code: i32,
}

impl RunSummary {
    /// The summary of `outcomes`, with its exit code (see [`RunSummary::compute_exit_code`]).
    pub(crate) fn new(
        outcomes: Vec<TaskOutcome>,
        duration: Duration,
        signal: Option<i32>,
        aborted: Option<String>,
    ) -> RunSummary {
        RunSummary {
            exit_code: RunSummary::compute_exit_code(&outcomes, signal, aborted.is_some()),
            outcomes,
            duration,
            signal,
            aborted,
        }
    }

    /// 0 when every task succeeded; else 128 + the signal that stopped rask, else 2 when rask
    /// itself had to stop the run, else the exit code of the first task that failed of its own
    /// accord (not one rask cancelled).
    pub(crate) fn compute_exit_code(
        outcomes: &[TaskOutcome],
        signal: Option<i32>,
        aborted: bool,
    ) -> i32 {
        if let Some(signal) = signal {
            return 128 + signal;
        }
        if aborted {
            return crate::error::EXIT_ERROR;
        }
        outcomes
            .iter()
            .find(|outcome| outcome.status.is_root_failure())
            .map_or(0, |outcome| outcome.status.exit_code())
    }

    /// Failures of the tasks' own making, in the order they happened.
    pub(crate) fn root_failures(&self) -> impl Iterator<Item = &TaskOutcome> {
        self.outcomes
            .iter()
            .filter(|outcome| outcome.status.is_root_failure())
    }
}

fn seconds<S: Serializer>(duration: &Duration, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_f64(duration.as_secs_f64())
}

fn rfc3339<S: Serializer>(time: &SystemTime, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.collect_str(&humantime::format_rfc3339_micros(*time))
}

/// Task output is bytes; JSON wants text. Invalid UTF-8 becomes U+FFFD, as when rendering.
fn lossy_text<S: Serializer>(bytes: &[u8], serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&String::from_utf8_lossy(bytes))
}
