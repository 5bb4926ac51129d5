//! Where a grouped task's output is held while it runs. The main type here is [`Spool`].

use std::fs::File;
use std::io;

use crate::events::SpooledOutput;

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

    /// The spool as the run's events carry it, for every sink to read.
    pub(super) fn into_shared(self) -> SpooledOutput {
        SpooledOutput::new(self.stdout, self.stderr)
    }
}
