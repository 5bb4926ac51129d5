//! Where a task's output goes. The main type here is [`OutputMode`].

use std::fs::File;
use std::io;

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
