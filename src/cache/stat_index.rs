//! Remembered digests, so an unchanged file is not hashed again. The main type here is
//! [`StatIndex`].
//!
//! An entry maps a path to the (size, mtime, inode, ctime) it had when it was hashed, and the
//! digest. A file whose stat still matches is taken as unchanged (git's index does the same);
//! any difference, even a `touch`, means hashing it again, and only the new digest decides.
//! A file modified within [`RACY`] of being indexed is not remembered: a second write in the
//! same timestamp tick could change it without changing its mtime.

use std::collections::HashMap;
use std::fs::Metadata;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, SystemTime};

use serde::{Deserialize, Serialize};

use super::digest;
use super::reapi::Digest;
use crate::atomic_file::write_atomically;

/// How recent a modification must be for its stat not to be trusted yet.
const RACY: Duration = Duration::from_secs(2);

/// Below this many files to hash, a second thread costs more than it saves.
const PARALLEL_FROM: usize = 16;

/// What a file's metadata said when it was hashed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Stat {
    size: u64,
    mtime_ns: i128,
    ctime_ns: i128,
    inode: u64,
}

impl Stat {
    fn of(metadata: &Metadata) -> Stat {
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

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Entry {
    stat: Stat,
    hash: String,
}

/// Path → digest, trusted while the file's stat is unchanged; saved between runs in one file.
#[derive(Debug)]
pub(crate) struct StatIndex {
    file: PathBuf,
    entries: Mutex<HashMap<PathBuf, Entry>>,
    dirty: Mutex<bool>,
}

impl StatIndex {
    /// The index saved at `file`, or an empty one if there is none or it cannot be read (an
    /// index is only an optimisation: losing it costs a re-hash, never a wrong answer).
    pub(crate) fn load(file: PathBuf) -> StatIndex {
        let entries = std::fs::read(&file)
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .unwrap_or_default();
        StatIndex {
            file,
            entries: Mutex::new(entries),
            dirty: Mutex::new(false),
        }
    }

    /// The digest of every file, in order: remembered where the stat matches, hashed (on two
    /// threads for a long list) where it does not.
    pub(crate) fn digests(&self, paths: &[PathBuf]) -> Vec<std::io::Result<Digest>> {
        let mut results: Vec<Option<std::io::Result<Digest>>> = Vec::with_capacity(paths.len());
        let mut misses = Vec::new();
        {
            let entries = self
                .entries
                .lock()
                .expect("stat index lock is never poisoned");
            for path in paths {
                let remembered = std::fs::metadata(path).map(|metadata| {
                    entries
                        .get(path)
                        .filter(|entry| entry.stat == Stat::of(&metadata))
                        .map(|entry| Digest {
                            hash: entry.hash.clone(),
                            size_bytes: metadata.len() as i64,
                        })
                });
                match remembered {
                    Ok(Some(digest)) => results.push(Some(Ok(digest))),
                    Ok(None) => {
                        misses.push(results.len());
                        results.push(None);
                    }
                    Err(error) => results.push(Some(Err(error))),
                }
            }
        }
        let hashed = hash_in_parallel(paths, &misses);
        for (index, hashed) in misses.into_iter().zip(hashed) {
            if let Ok((digest, stat)) = &hashed {
                self.remember(&paths[index], stat.clone(), digest);
            }
            results[index] = Some(hashed.map(|(digest, _)| digest));
        }
        results
            .into_iter()
            .map(|result| result.expect("every path has a result"))
            .collect()
    }

    fn remember(&self, path: &Path, stat: Stat, digest: &Digest) {
        let now = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .unwrap_or_default()
            .as_nanos() as i128;
        if now - stat.mtime_ns.max(stat.ctime_ns) < RACY.as_nanos() as i128 {
            return;
        }
        let entry = Entry {
            stat,
            hash: digest.hash.clone(),
        };
        self.entries
            .lock()
            .expect("stat index lock is never poisoned")
            .insert(path.to_owned(), entry);
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
        let bytes = {
            let entries = self
                .entries
                .lock()
                .expect("stat index lock is never poisoned");
            serde_json::to_vec(&*entries).map_err(std::io::Error::other)?
        };
        let parent = self.file.parent().expect("the index file has a parent");
        std::fs::create_dir_all(parent)?;
        write_atomically(&self.file, |file| std::io::Write::write_all(file, &bytes))?;
        *dirty = false;
        Ok(())
    }
}

/// Hashes `paths[misses]`, splitting a long list over two threads (rask's check workers are
/// two as well, and a machine this size has two cores to give).
fn hash_in_parallel(paths: &[PathBuf], misses: &[usize]) -> Vec<std::io::Result<(Digest, Stat)>> {
    let hash = |index: &usize| -> std::io::Result<(Digest, Stat)> {
        let path = &paths[*index];
        let before = std::fs::metadata(path)?;
        let digest = digest::of_file(path)?;
        Ok((digest, Stat::of(&before)))
    };
    if misses.len() < PARALLEL_FROM {
        return misses.iter().map(hash).collect();
    }
    let (first, second) = misses.split_at(misses.len() / 2);
    std::thread::scope(|scope| {
        let other = scope.spawn(|| second.iter().map(hash).collect::<Vec<_>>());
        let mut hashed: Vec<_> = first.iter().map(hash).collect();
        match other.join() {
            Ok(rest) => hashed.extend(rest),
            Err(_) => hashed.extend(second.iter().map(hash)),
        }
        hashed
    })
}
