//! Remembered digests, so an unchanged file is not hashed again. The main type here is
//! [`StatIndex`].
//!
//! An entry maps a path to the (size, mtime, inode, ctime) it had when it was hashed, and the
//! digest. A file whose stat still matches is taken as unchanged (git's index does the same);
//! any difference, even a `touch`, means hashing it again, and only the new digest decides.
//! A file modified within [`RACY`] of being indexed is not remembered: a second write in the
//! same timestamp tick could change it without changing its mtime.
//!
//! The index is read on first use (on a check worker, never for a run without `sources`) and
//! kept as the file's bytes plus a sorted table of fixed-size slots into them: loading 10,000
//! entries is one read and one pass, with no allocation per entry, and a lookup is a binary
//! search. Entries learnt during the run go to a small map and are merged in on save.

use std::collections::HashMap;
use std::ffi::OsString;
use std::fs::Metadata;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, SystemTime};

use super::digest;
use super::reapi::Digest;
use crate::atomic_file::write_atomically;

/// How recent a modification must be for its stat not to be trusted yet.
const RACY: Duration = Duration::from_secs(2);

/// Below this many files to hash, a second thread costs more than it saves.
const PARALLEL_FROM: usize = 16;

/// How an index file begins (a different or older format is simply not read).
const MAGIC: &[u8; 8] = b"raskix2\n";

/// The fixed part of a saved entry: path length (u32), size, mtime, ctime, inode, SHA-256.
const FIXED: usize = 4 + 8 + 16 + 16 + 8 + 32;

/// What a file's metadata said when it was hashed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Stat {
    size: u64,
    mtime_ns: i128,
    ctime_ns: i128,
    inode: u64,
}

impl Stat {
    pub(crate) fn of(metadata: &Metadata) -> Stat {
        Stat {
            size: metadata.len(),
            mtime_ns: i128::from(metadata.mtime()) * 1_000_000_000
                + i128::from(metadata.mtime_nsec()),
            ctime_ns: i128::from(metadata.ctime()) * 1_000_000_000
                + i128::from(metadata.ctime_nsec()),
            inode: metadata.ino(),
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct Entry {
    stat: Stat,
    sha256: [u8; 32],
}

/// One loaded entry: its path is `bytes[start..start + len]` of the loaded file.
#[derive(Debug)]
struct Slot {
    start: usize,
    len: usize,
    entry: Entry,
}

/// The index as read from disk plus what this run learnt.
#[derive(Debug, Default)]
struct Entries {
    bytes: Vec<u8>,
    /// Sorted by path.
    slots: Vec<Slot>,
    learnt: HashMap<OsString, Entry>,
}

impl Entries {
    fn path(&self, slot: &Slot) -> &[u8] {
        &self.bytes[slot.start..slot.start + slot.len]
    }

    fn get(&self, path: &Path) -> Option<&Entry> {
        if let Some(entry) = self.learnt.get(path.as_os_str()) {
            return Some(entry);
        }
        let wanted = path.as_os_str().as_bytes();
        let found = self
            .slots
            .binary_search_by(|slot| self.path(slot).cmp(wanted))
            .ok()?;
        Some(&self.slots[found].entry)
    }

    /// Reads a saved index; `None` if it is not one (torn, older format).
    fn parse(bytes: Vec<u8>) -> Option<Entries> {
        let mut slots = Vec::new();
        if !bytes.starts_with(MAGIC) {
            return None;
        }
        let mut at = MAGIC.len();
        while at < bytes.len() {
            let fixed = bytes.get(at..at + FIXED)?;
            let int = |range: std::ops::Range<usize>| &fixed[range];
            let len = u32::from_le_bytes(int(0..4).try_into().ok()?) as usize;
            let entry = Entry {
                stat: Stat {
                    size: u64::from_le_bytes(int(4..12).try_into().ok()?),
                    mtime_ns: i128::from_le_bytes(int(12..28).try_into().ok()?),
                    ctime_ns: i128::from_le_bytes(int(28..44).try_into().ok()?),
                    inode: u64::from_le_bytes(int(44..52).try_into().ok()?),
                },
                sha256: int(52..84).try_into().ok()?,
            };
            let start = at + FIXED;
            bytes.get(start..start + len)?;
            slots.push(Slot { start, len, entry });
            at = start + len;
        }
        let entries = Entries {
            bytes,
            slots,
            learnt: HashMap::new(),
        };
        let sorted = entries
            .slots
            .windows(2)
            .all(|pair| entries.path(&pair[0]) < entries.path(&pair[1]));
        sorted.then_some(entries)
    }

    /// Everything, loaded and learnt, in the saved format.
    fn serialise(&self) -> Vec<u8> {
        let mut all: Vec<(&[u8], &Entry)> = self
            .slots
            .iter()
            .map(|slot| (self.path(slot), &slot.entry))
            .filter(|(path, _)| !self.learnt.contains_key(std::ffi::OsStr::from_bytes(path)))
            .chain(
                self.learnt
                    .iter()
                    .map(|(path, entry)| (path.as_bytes(), entry)),
            )
            .collect();
        all.sort_unstable_by(|a, b| a.0.cmp(b.0));
        let mut out = Vec::with_capacity(MAGIC.len() + all.len() * (FIXED + 64));
        out.extend_from_slice(MAGIC);
        for (path, entry) in all {
            out.extend_from_slice(&(path.len() as u32).to_le_bytes());
            out.extend_from_slice(&entry.stat.size.to_le_bytes());
            out.extend_from_slice(&entry.stat.mtime_ns.to_le_bytes());
            out.extend_from_slice(&entry.stat.ctime_ns.to_le_bytes());
            out.extend_from_slice(&entry.stat.inode.to_le_bytes());
            out.extend_from_slice(&entry.sha256);
            out.extend_from_slice(path);
        }
        out
    }
}

/// Path → digest, trusted while the file's stat is unchanged; saved between runs in one file.
#[derive(Debug)]
pub(crate) struct StatIndex {
    file: PathBuf,
    /// Loaded on first use.
    entries: OnceLock<Mutex<Entries>>,
    dirty: Mutex<bool>,
}

impl StatIndex {
    /// The index saved at `file`, read when first needed. One that is missing or cannot be
    /// read is empty: an index is only an optimisation, losing it costs a re-hash, never a
    /// wrong answer.
    pub(crate) fn load(file: PathBuf) -> StatIndex {
        StatIndex {
            file,
            entries: OnceLock::new(),
            dirty: Mutex::new(false),
        }
    }

    fn entries(&self) -> std::sync::MutexGuard<'_, Entries> {
        self.entries
            .get_or_init(|| {
                let entries = std::fs::read(&self.file)
                    .ok()
                    .and_then(Entries::parse)
                    .unwrap_or_default();
                Mutex::new(entries)
            })
            .lock()
            .expect("stat index lock is never poisoned")
    }

    /// The digest of every file, given with the stat it had before it is read, in order:
    /// remembered where the stat matches, hashed (in parallel for a long list) where not.
    pub(crate) fn digests(&self, files: &[(&Path, Stat)]) -> Vec<std::io::Result<Digest>> {
        let mut results: Vec<Option<std::io::Result<Digest>>> = Vec::with_capacity(files.len());
        let mut misses = Vec::new();
        {
            let entries = self.entries();
            for (index, (path, stat)) in files.iter().enumerate() {
                match entries.get(path).filter(|entry| entry.stat == *stat) {
                    Some(entry) => results.push(Some(Ok(Digest {
                        hash: digest::hex(&entry.sha256),
                        size_bytes: stat.size as i64,
                    }))),
                    None => {
                        misses.push(index);
                        results.push(None);
                    }
                }
            }
        }
        let hashed = hash_in_parallel(files, &misses);
        for (index, hashed) in misses.into_iter().zip(hashed) {
            if let Ok((digest, sha256)) = &hashed {
                let (path, stat) = files[index];
                self.remember(path, stat, *sha256);
                results[index] = Some(Ok(digest.clone()));
            } else {
                results[index] = Some(hashed.map(|(digest, _)| digest));
            }
        }
        results
            .into_iter()
            .map(|result| result.expect("every path has a result"))
            .collect()
    }

    /// The digest of one file, stated here.
    #[cfg(test)]
    fn digest(&self, path: &Path, metadata: &Metadata) -> std::io::Result<Digest> {
        self.digests(&[(path, Stat::of(metadata))])
            .pop()
            .expect("one file gives one result")
    }

    fn remember(&self, path: &Path, stat: Stat, sha256: [u8; 32]) {
        let now = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .unwrap_or_default()
            .as_nanos() as i128;
        if now - stat.mtime_ns.max(stat.ctime_ns) < RACY.as_nanos() as i128 {
            return;
        }
        self.entries()
            .learnt
            .insert(path.as_os_str().to_owned(), Entry { stat, sha256 });
        *self
            .dirty
            .lock()
            .expect("stat index lock is never poisoned") = true;
    }

    /// Writes the index if it changed: to a temporary file beside it, then renamed over it,
    /// so a reader never sees half an index. Two rasks saving at once lose only entries.
    pub(crate) fn save(&self) -> std::io::Result<()> {
        let mut dirty = self
            .dirty
            .lock()
            .expect("stat index lock is never poisoned");
        if !*dirty {
            return Ok(());
        }
        let bytes = self.entries().serialise();
        let parent = self.file.parent().expect("the index file has a parent");
        std::fs::create_dir_all(parent)?;
        write_atomically(&self.file, |file| std::io::Write::write_all(file, &bytes))?;
        *dirty = false;
        Ok(())
    }
}

/// Hashes `files[misses]` on up to as many threads as there are cores, each taking the
/// next file as it finishes one (so one huge file does not leave the other threads idle),
/// each with one read buffer for all its files.
fn hash_in_parallel(
    files: &[(&Path, Stat)],
    misses: &[usize],
) -> Vec<std::io::Result<(Digest, [u8; 32])>> {
    // Asked only when a second thread could help: std reads the cgroup's quota each time.
    let threads = match misses.len() / PARALLEL_FROM {
        0 | 1 => 1,
        most => std::thread::available_parallelism()
            .map_or(1, usize::from)
            .min(most),
    };
    let next = AtomicUsize::new(0);
    let work = || {
        let mut buffer = digest::buffer();
        let mut done = Vec::new();
        loop {
            let at = next.fetch_add(1, Ordering::Relaxed);
            let Some(index) = misses.get(at) else {
                return done;
            };
            let hashed = std::fs::File::open(files[*index].0)
                .and_then(|file| digest::of_reader(file, &mut buffer));
            done.push((at, hashed));
        }
    };
    let mut hashed: Vec<_> = if threads == 1 {
        work()
    } else {
        std::thread::scope(|scope| {
            let others: Vec<_> = (1..threads).map(|_| scope.spawn(work)).collect();
            let mut all = work();
            for other in others {
                // A hashing thread does not panic; if one did, its files are hashed again.
                all.extend(other.join().unwrap_or_default());
            }
            all
        })
    };
    hashed.sort_unstable_by_key(|(at, _)| *at);
    let mut hashed = hashed.into_iter().peekable();
    (0..misses.len())
        .map(|at| match hashed.next_if(|(done, _)| *done == at) {
            Some((_, result)) => result,
            None => std::fs::File::open(files[misses[at]].0)
                .and_then(|file| digest::of_reader(file, &mut digest::buffer())),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn saved_entries_load_back_and_a_changed_stat_is_hashed_again() {
        let dir = tempfile::tempdir().expect("temp dir");
        let file = dir.path().join("a");
        std::fs::write(&file, b"abc").expect("write");
        let metadata = std::fs::metadata(&file).expect("stat");
        let index_file = dir.path().join("index");
        let index = StatIndex::load(index_file.clone());
        // Just written, so too recent to remember; remember a made-up digest by hand.
        assert_eq!(
            index.digest(&file, &metadata).expect("hash"),
            digest::of_bytes(b"abc")
        );
        let stat = Stat::of(&metadata);
        let made_up = [7u8; 32];
        index.entries().learnt.insert(
            file.as_os_str().to_owned(),
            Entry {
                stat,
                sha256: made_up,
            },
        );
        *index.dirty.lock().expect("not poisoned") = true;
        index.save().expect("save");

        let again = StatIndex::load(index_file.clone());
        assert_eq!(again.entries().slots.len(), 1, "the entry was saved");
        // A remembered digest is used while the stat matches, even if the bytes differ.
        let remembered = again.digests(&[(&file, stat)]).pop().expect("one");
        assert_eq!(remembered.expect("hit").hash, digest::hex(&made_up));
        let mut changed = stat;
        changed.size += 1;
        let hashed = again.digests(&[(&file, changed)]).pop().expect("one");
        assert_eq!(hashed.expect("hashed"), digest::of_bytes(b"abc"));
        std::fs::write(&index_file, b"raskix2\n\x01").expect("tear the index");
        assert!(StatIndex::load(index_file).entries().slots.is_empty());
    }
}
