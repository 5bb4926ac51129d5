//! Every file a task file was read from, and spans that know which one they point into. The
//! main types here are [`Sources`] and [`Span`].
//!
//! Like just's `Token { path, src, .. }`, a [`Span`] carries its file, so a diagnostic about an
//! included file (or a dependency edge written there) points at that file's own line and column.

use std::ops::Range;

use super::Source;

/// Which file of a [`Sources`] a span points into.
#[derive(
    Clone,
    Copy,
    Debug,
    Default,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    serde::Serialize,
    serde::Deserialize,
)]
pub struct FileId(u32);

/// A byte range in one source file.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Span {
    pub file: FileId,
    pub start: usize,
    pub end: usize,
}

impl Span {
    pub(crate) fn new(file: FileId, range: Range<usize>) -> Span {
        Span {
            file,
            start: range.start,
            end: range.end,
        }
    }

    pub(crate) fn range(&self) -> Range<usize> {
        self.start..self.end
    }

    /// Where diagnostics sort: file by file (in the order they were read), then by position.
    pub(crate) fn sort_key(&self) -> (FileId, usize) {
        (self.file, self.start)
    }
}

/// The source map: the root task file first, then every file it pulled in, in reading order.
#[derive(Debug, Clone, Default)]
pub(crate) struct Sources {
    files: Vec<Source>,
}

impl Sources {
    /// Adds a file and returns the id its spans use.
    pub(crate) fn add(&mut self, source: Source) -> FileId {
        let id = FileId(u32::try_from(self.files.len()).expect("fewer than 2^32 task files"));
        self.files.push(source);
        id
    }

    /// Every file read, the root task file first (watch mode watches them all).
    pub(crate) fn paths(&self) -> impl Iterator<Item = &std::path::Path> {
        self.files.iter().map(|source| source.path.as_path())
    }

    /// Every file read, in reading order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = &Source> {
        self.files.iter()
    }

    /// The file `id` points into. Ids only come from [`Sources::add`] on this map.
    pub(crate) fn get(&self, id: FileId) -> &Source {
        &self.files[id.0 as usize]
    }
}

impl From<Source> for Sources {
    fn from(source: Source) -> Self {
        let mut sources = Sources::default();
        sources.add(source);
        sources
    }
}
