//! Line tagging for `--output prefixed`. The main type here is [`LinePrefixer`].
//!
//! Chunks arrive at any byte boundary; only whole lines leave, each with its task's tag, so
//! lines from different tasks never interleave mid-line. Bytes are passed through untouched
//! (no UTF-8 decoding), and memory per stream is bounded by [`MAX_PARTIAL`].

use std::collections::HashMap;

use crate::events::Stream;
use crate::graph::TaskId;

/// A line longer than this is emitted in pieces rather than held in memory whole.
const MAX_PARTIAL: usize = 64 * 1024;

/// Per (task, stream), the start of a line whose end has not arrived yet.
#[derive(Debug, Default)]
pub(crate) struct LinePrefixer {
    partial: HashMap<(TaskId, Stream), Vec<u8>>,
}

impl LinePrefixer {
    /// Appends to `out` every complete line of `bytes` (after any held partial line), each
    /// preceded by `prefix`; keeps the incomplete tail for later.
    pub(crate) fn push(
        &mut self,
        task: TaskId,
        stream: Stream,
        prefix: &[u8],
        bytes: &[u8],
        out: &mut Vec<u8>,
    ) {
        let partial = self.partial.entry((task, stream)).or_default();
        let mut rest = bytes;
        while let Some(newline) = memchr::memchr(b'\n', rest) {
            out.extend_from_slice(prefix);
            out.append(partial);
            out.extend_from_slice(&rest[..=newline]);
            rest = &rest[newline + 1..];
        }
        partial.extend_from_slice(rest);
        if partial.len() > MAX_PARTIAL {
            out.extend_from_slice(prefix);
            out.append(partial);
            out.push(b'\n');
        }
    }

    /// Appends the held partial line of `(task, stream)`, if any, completed with a newline.
    pub(crate) fn finish(
        &mut self,
        task: TaskId,
        stream: Stream,
        prefix: &[u8],
        out: &mut Vec<u8>,
    ) {
        if let Some(mut partial) = self.partial.remove(&(task, stream)) {
            if !partial.is_empty() {
                out.extend_from_slice(prefix);
                out.append(&mut partial);
                out.push(b'\n');
            }
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
            prefixer.push(TaskId(0), Stream::Stdout, b"[a] ", chunk, &mut out);
        }
        prefixer.finish(TaskId(0), Stream::Stdout, b"[a] ", &mut out);
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
        prefixer.push(TaskId(0), Stream::Stdout, b"[a] ", b"a1", &mut out);
        prefixer.push(TaskId(1), Stream::Stdout, b"[b] ", b"b1\n", &mut out);
        prefixer.push(TaskId(0), Stream::Stdout, b"[a] ", b"a2\n", &mut out);
        assert_eq!(out, b"[b] b1\n[a] a1a2\n");
    }
}
