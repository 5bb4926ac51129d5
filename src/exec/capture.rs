//! Where a task's output goes. The main type here is [`OutputMode`].

use std::fs::File;
use std::io::{self, PipeReader, Read};
use std::os::fd::AsRawFd;
use std::sync::mpsc::SyncSender;
use std::time::Duration;

use super::ExecEvent;
use super::os::poll_readable;
use crate::graph::TaskId;

/// How tasks' output reaches the user.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum OutputMode {
    /// The task writes straight to rask's stdout and stderr (colours and prompts keep working).
    Inherit,
    /// Every line is tagged `[task]`; lines are never torn or interleaved mid-line.
    Prefixed,
    /// Each task's output is held in a temporary file and printed as one block when it ends.
    Grouped,
}

/// Which of a task's output streams bytes came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Stream {
    Stdout,
    Stderr,
}

/// A task's output spooled to anonymous temporary files, so memory stays flat however much the
/// task prints; the child writes to them directly, with no copy through rask.
#[derive(Debug)]
pub(crate) struct Spool {
    pub(crate) stdout: File,
    pub(crate) stderr: File,
}

impl Spool {
    pub(super) fn new() -> io::Result<Spool> {
        Ok(Spool {
            stdout: tempfile::tempfile()?,
            stderr: tempfile::tempfile()?,
        })
    }
}

/// What the drain loop should do when the pipes have been quiet for a while.
pub(super) enum Idle {
    KeepDraining,
    /// Stop reading: whatever still holds the pipes open has escaped rask's process group.
    GiveUp,
}

/// The largest chunk sent in one event: a pipe's default capacity on Linux.
const CHUNK: usize = 64 * 1024;

/// How often `on_idle` runs while pipes stay open.
pub(super) const IDLE_CHECK: Duration = Duration::from_millis(50);

/// Reads both pipes concurrently (never one to the end first, which could deadlock) and sends
/// each chunk to the scheduler until both reach end-of-file or `on_idle` gives up.
pub(super) fn drain_pipes(
    task: TaskId,
    stdout: PipeReader,
    stderr: PipeReader,
    events: &SyncSender<ExecEvent>,
    mut on_idle: impl FnMut() -> Idle,
) -> io::Result<()> {
    let mut open: Vec<(Stream, PipeReader)> =
        vec![(Stream::Stdout, stdout), (Stream::Stderr, stderr)];
    let mut last_idle_check = std::time::Instant::now();
    while !open.is_empty() {
        let fds: Vec<i32> = open.iter().map(|(_, pipe)| pipe.as_raw_fd()).collect();
        let ready = poll_readable(&fds, IDLE_CHECK.as_millis() as i32)?;
        let mut closed = Vec::new();
        for (position, (stream, pipe)) in open.iter_mut().enumerate() {
            if !ready[position] {
                continue;
            }
            let mut bytes = vec![0; CHUNK];
            let count = pipe.read(&mut bytes)?;
            if count == 0 {
                closed.push(position);
                continue;
            }
            bytes.truncate(count);
            // The scheduler is gone only if rask is shutting down; stop reading then.
            if events
                .send(ExecEvent::Output {
                    task,
                    stream: *stream,
                    bytes,
                })
                .is_err()
            {
                return Ok(());
            }
        }
        for position in closed.into_iter().rev() {
            open.remove(position);
        }
        if last_idle_check.elapsed() >= IDLE_CHECK {
            last_idle_check = std::time::Instant::now();
            if let Idle::GiveUp = on_idle() {
                return Ok(());
            }
        }
    }
    Ok(())
}
