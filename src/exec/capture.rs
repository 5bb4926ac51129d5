//! Where a grouped task's output is held while it runs, and how much of it. The main type here
//! is [`Spool`].
//!
//! The child writes to the spool files directly (no copy through rask), so rask cannot refuse
//! bytes; instead it bounds the disk they take. Past [`DEFAULT_MAX_SIZE`] per stream (or
//! `$RASK_SPOOL_MAX_SIZE`), only the first and the last half of the bound are kept: every
//! [`CHECK_EVERY`] rask frees the blocks in between (`fallocate(PUNCH_HOLE)`, leaving a sparse
//! file), and the task's block is printed as head, a line saying how many bytes were dropped,
//! tail. An orphaned `yes` in grouped mode once filled 14 GB of disk.

use std::fs::File;
use std::io;
use std::os::fd::AsRawFd;
use std::time::{Duration, Instant};

use super::os::punch_hole;
use crate::events::{SPOOL_MAX_SIZE_VAR, SpooledOutput, kept_bytes};

/// The bound per stream of one task when the variable is not set: 1 GiB (512 MiB of head and
/// 512 MiB of tail), far past what anyone reads in a log, well short of filling a disk.
pub(crate) const DEFAULT_MAX_SIZE: u64 = 1 << 30;

/// How often a running task's spool is measured. A task writing 1 GB/s overshoots the bound by
/// at most this much output before its middle is freed.
const CHECK_EVERY: Duration = Duration::from_millis(100);

/// The block size holes are aligned to; a partial block at either end stays allocated.
const BLOCK: u64 = 4096;

/// `$RASK_SPOOL_MAX_SIZE`, else the default; `Err` quotes a value that is not a size.
pub(crate) fn max_size() -> Result<u64, String> {
    match std::env::var(SPOOL_MAX_SIZE_VAR) {
        Ok(text) => crate::cache::parse_size(&text).ok_or(text),
        Err(_) => Ok(DEFAULT_MAX_SIZE),
    }
}

/// A task's output spooled to anonymous temporary files, so memory stays flat however much the
/// task prints; the child writes to them directly, with no copy through rask.
#[derive(Debug)]
pub(crate) struct Spool {
    pub(crate) stdout: File,
    pub(crate) stderr: File,
    max_size: u64,
    /// Per stream, where the freed middle ends so far.
    freed: [u64; 2],
    next_check: Instant,
}

impl Spool {
    pub(super) fn new(max_size: u64) -> io::Result<Spool> {
        Ok(Spool {
            stdout: tempfile::tempfile()?,
            stderr: tempfile::tempfile()?,
            max_size,
            freed: [0; 2],
            next_check: Instant::now() + CHECK_EVERY,
        })
    }

    /// When the spool wants to be measured next.
    pub(super) fn check_at(&self) -> Instant {
        self.next_check
    }

    /// If it is time, frees the disk blocks of whatever part of each stream will not be shown
    /// (everything between the kept head and the kept tail).
    pub(super) fn bound(&mut self) {
        let now = Instant::now();
        if now < self.next_check {
            return;
        }
        self.next_check = now + CHECK_EVERY;
        for (file, freed) in [&self.stdout, &self.stderr]
            .into_iter()
            .zip(&mut self.freed)
        {
            let Ok(meta) = file.metadata() else { continue };
            let Some((head, tail)) = kept_bytes(meta.len(), self.max_size) else {
                continue;
            };
            let start = head.div_ceil(BLOCK).max(*freed / BLOCK) * BLOCK;
            let end = (meta.len() - tail) / BLOCK * BLOCK;
            // A file system without holes keeps the bytes on disk; what is shown stays bounded.
            if end > start && punch_hole(file.as_raw_fd(), start, end - start).is_ok() {
                *freed = end;
            }
        }
    }

    /// The spool as the run's events carry it, for every sink to read.
    pub(super) fn into_shared(self) -> SpooledOutput {
        SpooledOutput::new(self.stdout, self.stderr, self.max_size)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_a_head_and_a_tail_past_the_bound() {
        assert_eq!(kept_bytes(100, 100), None);
        assert_eq!(kept_bytes(101, 100), Some((50, 50)));
        assert_eq!(kept_bytes(1000, 7), Some((3, 4)));
    }
}
