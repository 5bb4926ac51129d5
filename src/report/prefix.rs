//! Line tagging for `--output prefixed`. The main type here is [`LinePrefixer`].
//!
//! Chunks arrive at any byte boundary; only whole lines leave, each with its task's tag, so
//! lines from different tasks never interleave mid-line. Bytes are passed through untouched
//! (no UTF-8 decoding). Memory per stream is bounded by [`MAX_PARTIAL`]: the start of a line
//! longer than that is spilled to an anonymous temporary file and copied out, whole, when the
//! line ends (issue #8: a 200,000-byte line used to leave as two prefixed lines).

use std::collections::HashMap;
use std::fs::File;
use std::io::{self, Seek, Write};

use crate::events::Stream;
use crate::graph::TaskId;

/// The most of an unfinished line held in memory; past it the line goes on in a spill file.
const MAX_PARTIAL: usize = 64 * 1024;

/// The start of a line whose end has not arrived yet: on disk past [`MAX_PARTIAL`], then the
/// bytes since in memory.
#[derive(Debug, Default)]
struct Partial {
    spill: Option<File>,
    spilled: bool,
    held: Vec<u8>,
}

impl Partial {
    fn is_empty(&self) -> bool {
        !self.spilled && self.held.is_empty()
    }

    /// Keeps `bytes` for the line's end; spills what is held once it passes the bound. If no
    /// spill file can be had (no temporary directory), the line is held in memory instead:
    /// a whole line matters more than the bound.
    fn hold(&mut self, bytes: &[u8]) {
        self.held.extend_from_slice(bytes);
        if self.held.len() <= MAX_PARTIAL {
            return;
        }
        if self.spill.is_none() {
            self.spill = tempfile::tempfile().ok();
        }
        if let Some(spill) = &mut self.spill {
            if spill.write_all(&self.held).is_ok() {
                self.held.clear();
                self.spilled = true;
            }
        }
    }

    /// Writes the held start of the line to `out` and forgets it (the spill file is kept, empty,
    /// for the next long line).
    fn drain(&mut self, out: &mut impl Write) -> io::Result<()> {
        if self.spilled {
            let spill = self
                .spill
                .as_mut()
                .expect("spilled bytes are in the spill file");
            spill.rewind()?;
            io::copy(spill, out)?;
            spill.set_len(0)?;
            spill.rewind()?;
            self.spilled = false;
        }
        out.write_all(&self.held)?;
        self.held.clear();
        Ok(())
    }
}

/// Per (task, stream), the start of a line whose end has not arrived yet.
#[derive(Debug, Default)]
pub(crate) struct LinePrefixer {
    partial: HashMap<(TaskId, Stream), Partial>,
}

impl LinePrefixer {
    /// Writes to `out` every complete line of `bytes` (after any held start of it), each
    /// preceded by `prefix`; keeps the incomplete tail for later.
    pub(crate) fn push(
        &mut self,
        task: TaskId,
        stream: Stream,
        prefix: &[u8],
        bytes: &[u8],
        out: &mut impl Write,
    ) -> io::Result<()> {
        let partial = self.partial.entry((task, stream)).or_default();
        let mut rest = bytes;
        while let Some(newline) = memchr::memchr(b'\n', rest) {
            out.write_all(prefix)?;
            partial.drain(out)?;
            out.write_all(&rest[..=newline])?;
            rest = &rest[newline + 1..];
        }
        partial.hold(rest);
        Ok(())
    }

    /// Writes the held partial line of `(task, stream)`, if any, completed with a newline.
    pub(crate) fn finish(
        &mut self,
        task: TaskId,
        stream: Stream,
        prefix: &[u8],
        out: &mut impl Write,
    ) -> io::Result<()> {
        match self.partial.remove(&(task, stream)) {
            Some(mut partial) if !partial.is_empty() => {
                out.write_all(prefix)?;
                partial.drain(out)?;
                out.write_all(b"\n")
            }
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn push_all(chunks: &[&[u8]]) -> Vec<u8> {
        let mut prefixer = LinePrefixer::default();
        let mut out = Vec::new();
        for chunk in chunks {
            prefixer
                .push(TaskId(0), Stream::Stdout, b"[a] ", chunk, &mut out)
                .expect("writing to a Vec");
        }
        prefixer
            .finish(TaskId(0), Stream::Stdout, b"[a] ", &mut out)
            .expect("writing to a Vec");
        out
    }

    #[test]
    fn joins_lines_split_across_chunks() {
        assert_eq!(
            push_all(&[b"he", b"llo\nwor", b"ld\n"]),
            b"[a] hello\n[a] world\n"
        );
    }

    #[test]
    fn completes_a_last_line_without_newline() {
        assert_eq!(push_all(&[b"one\ntwo"]), b"[a] one\n[a] two\n");
    }

    #[test]
    fn passes_invalid_utf8_through() {
        assert_eq!(push_all(&[b"\xff\xfe\n"]), b"[a] \xff\xfe\n");
    }

    #[test]
    fn keeps_tasks_and_streams_apart() {
        let mut prefixer = LinePrefixer::default();
        let mut out = Vec::new();
        for (task, bytes) in [(0, &b"a1"[..]), (1, b"b1\n"), (0, b"a2\n")] {
            let prefix: &[u8] = if task == 0 { b"[a] " } else { b"[b] " };
            prefixer
                .push(TaskId(task), Stream::Stdout, prefix, bytes, &mut out)
                .expect("writing to a Vec");
        }
        assert_eq!(out, b"[b] b1\n[a] a1a2\n");
    }

    /// Issue #8: a line past the in-memory bound used to be cut in two.
    #[test]
    fn issue_8_a_line_longer_than_the_bound_stays_whole() {
        let line = vec![b'x'; 3 * MAX_PARTIAL + 17];
        let chunks: Vec<&[u8]> = line
            .chunks(MAX_PARTIAL / 3)
            .chain([&b"\nend\n"[..]])
            .collect();
        let mut expected = b"[a] ".to_vec();
        expected.extend_from_slice(&line);
        expected.extend_from_slice(b"\n[a] end\n");
        assert_eq!(push_all(&chunks), expected);
    }

    #[test]
    fn a_long_unterminated_last_line_stays_whole() {
        let line = vec![b'y'; 2 * MAX_PARTIAL + 1];
        let mut expected = b"[a] ".to_vec();
        expected.extend_from_slice(&line);
        expected.push(b'\n');
        assert_eq!(push_all(&[&line]), expected);
    }
}
