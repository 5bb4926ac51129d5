//! The memo of a large task file's validated model, so that a file nobody changed is not parsed
//! again. The main functions here are [`recall`] and [`remember`].
//!
//! Why it exists: on a 10,000-task file the toml crate's parse is about half of rask's start-up
//! (140M of 270M instructions, callgrind), and a nested `rask` in such a project pays it at every
//! call (issue #8). The memo is a cache of `parse`'s result, never a second reader: an entry is
//! used only when it was written by this very rask binary, the root file and every included file
//! are byte-identical to the texts it holds (compared whole: a hash of a megabyte costs more than
//! comparing it), and every include still resolves to the file it resolved to.
//! Anything else — a missing, torn or foreign entry included — means "parse the file", so the
//! memo can make rask faster but never change what it does.
//!
//! Projects whose files total under [`MIN_TEXT`] bytes parse in about a millisecond and are never
//! memoised, and a small root file that includes nothing is not even looked up, so small
//! projects see no file written or read. A small root that includes large files (a monorepo's
//! root listing its parts) is memoised like a large one. Entries live in the user's cache directory (never in
//! the project), one per root file path, written atomically; `RASK_CONFIG_MEMO=off` turns the
//! memo off.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;

use sha2::{Digest, Sha256};

use super::include;
use super::{Source, Sources, TaskFile};

/// Projects smaller than this (in bytes, every file read) are parsed every time: ~600 tasks,
/// ~4 ms of parse.
pub(super) const MIN_TEXT: usize = 64 * 1024;

/// Whether a memo entry for the root file `text` may exist: it is large, or it may include
/// files that are (a byte search, so a small file that includes nothing costs no lookup).
fn worth_looking_up(text: &str) -> bool {
    text.len() >= MIN_TEXT || memchr::memmem::find(text.as_bytes(), b"includes").is_some()
}

/// How many root files' entries the memo directory keeps; past it, the least recently written go.
const MAX_ENTRIES: usize = 64;

/// Bumped whenever [`Entry`] changes shape (the binary check covers the model's own shape).
const FORMAT: u32 = 1;

/// One `[includes]` entry as the loader met it, in reading order: what [`recall`] checks again.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(super) struct IncludeRead {
    /// The entry's path joined to its file's directory, before resolving.
    pub(super) written: PathBuf,
    /// The file it resolved to ([`include::resolve`]).
    pub(super) resolved: PathBuf,
    /// Whether it was read; `false` only for an optional include that was absent.
    pub(super) present: bool,
}

/// A memo file: what it is valid for, then the model. `F` is `&TaskFile` when writing.
#[derive(serde::Serialize, serde::Deserialize)]
struct Entry<'a, F> {
    format: u32,
    binary: BinaryId,
    includes: Vec<IncludeRead>,
    /// The root file's text, then each present include's in `includes` order.
    #[serde(borrow)]
    texts: Vec<&'a str>,
    file: F,
}

/// The rask executable that wrote an entry: its size and modification time. A rebuilt rask may
/// lay out the model differently, so its entries are not read.
#[derive(Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
struct BinaryId {
    len: u64,
    modified_nanos: u128,
}

/// The model memoised for `source` (read from `path`, its absolute path), if there is a valid
/// entry; `None` means "parse it".
pub(super) fn recall(path: &Path, source: &Source) -> Option<TaskFile> {
    if !worth_looking_up(&source.text) {
        return None;
    }
    let entry_path = entry_path(path)?;
    let bytes = fs::read(entry_path).ok()?;
    // A small root whose includes are large: the model to be read is as large as they are. An
    // entry holds the texts and their model, about 2.5 times the texts' size (measured).
    crate::heap::expect_large_input(bytes.len() / 2);
    let entry: Entry<TaskFile> = postcard::from_bytes(&bytes).ok()?;
    let mut texts = entry.texts.iter();
    if entry.format != FORMAT
        || entry.binary != binary_id()?
        || texts.next() != Some(&source.text.as_str())
        || entry.file.path != path
    {
        return None;
    }
    let mut sources = Sources::from(source.clone());
    for read in &entry.includes {
        if include::resolve(&read.written) != read.resolved {
            return None;
        }
        match fs::read_to_string(&read.resolved) {
            Ok(text) if read.present && texts.next() == Some(&text.as_str()) => {
                sources.add(Source {
                    path: read.resolved.clone(),
                    text,
                });
            }
            Err(_) if !read.present => {}
            _ => return None,
        }
    }
    Some(TaskFile {
        sources,
        ..entry.file
    })
}

/// Writes the memo of `file`, parsed through `includes` from files of at least [`MIN_TEXT`]
/// bytes in all. Best effort: a read-only or full cache directory only costs the next run a
/// parse.
pub(super) fn remember(file: &TaskFile, includes: Vec<IncludeRead>) {
    let total: usize = file.sources.iter().map(|source| source.text.len()).sum();
    if total < MIN_TEXT {
        return;
    }
    let (Some(entry_path), Some(binary)) = (entry_path(&file.path), binary_id()) else {
        return;
    };
    // Sources hold the root, then each present include's text in reading order.
    let texts = file
        .sources
        .iter()
        .map(|source| source.text.as_str())
        .collect();
    let entry = Entry {
        format: FORMAT,
        binary,
        includes,
        texts,
        file,
    };
    let Ok(bytes) = postcard::to_stdvec(&entry) else {
        return;
    };
    let Some(dir) = entry_path.parent() else {
        return;
    };
    if fs::create_dir_all(dir).is_err() {
        return;
    }
    let written = crate::atomic_file::write_atomically(&entry_path, |out| out.write_all(&bytes));
    if written.is_ok() {
        evict(dir);
    }
}

/// `$XDG_CACHE_HOME/rask/config/<hash of the root path>.memo` (else under `~/.cache`); `None`
/// when the memo is off or there is no cache directory.
fn entry_path(root_file: &Path) -> Option<PathBuf> {
    if std::env::var_os("RASK_CONFIG_MEMO").is_some_and(|value| value == "off") {
        return None;
    }
    let cache_home = match std::env::var_os("XDG_CACHE_HOME") {
        Some(dir) if Path::new(&dir).is_absolute() => PathBuf::from(dir),
        _ => PathBuf::from(std::env::var_os("HOME")?).join(".cache"),
    };
    let name: [u8; 32] = Sha256::digest(root_file.as_os_str().as_encoded_bytes()).into();
    let hex: String = name[..16]
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect();
    Some(cache_home.join("rask/config").join(format!("{hex}.memo")))
}

fn binary_id() -> Option<BinaryId> {
    let metadata = fs::metadata(std::env::current_exe().ok()?).ok()?;
    let modified = metadata.modified().ok()?.duration_since(UNIX_EPOCH).ok()?;
    Some(BinaryId {
        len: metadata.len(),
        modified_nanos: modified.as_nanos(),
    })
}

/// Keeps the [`MAX_ENTRIES`] most recently written entries of `dir`.
fn evict(dir: &Path) {
    let Ok(listing) = fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<(std::time::SystemTime, PathBuf)> = listing
        .filter_map(Result::ok)
        .filter(|entry| entry.path().extension().is_some_and(|ext| ext == "memo"))
        .filter_map(|entry| Some((entry.metadata().ok()?.modified().ok()?, entry.path())))
        .collect();
    if entries.len() <= MAX_ENTRIES {
        return;
    }
    entries.sort();
    for (_, path) in &entries[..entries.len() - MAX_ENTRIES] {
        let _ = fs::remove_file(path);
    }
}
