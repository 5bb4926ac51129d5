//! Where cached results live. The main types here are the [`Store`] trait and its one
//! implementation, [`LocalStore`], a directory laid out like a REAPI disk cache:
//!
//! ```text
//! <cache dir>/cas/<first two hex digits>/<sha256>   blobs: file contents, encoded messages
//! <cache dir>/ac/<first two hex digits>/<sha256>    action results, by their Action's digest
//! <cache dir>/tmp/                                  writes in progress
//! <cache dir>/lock                                  held while evicting
//! ```
//!
//! Every write goes to `tmp/` first and is renamed into place, so a reader (another rask, or
//! this one after `kill -9`) sees a whole entry or none. Nothing is trusted on the way out:
//! a blob is re-hashed as it is read, and an action result carries a checksum, so a torn or
//! bit-flipped entry is reported and ignored, never restored.

use std::fs::{self, File};
use std::io::{self, Read, Seek, Write};
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use prost::Message as _;
use sha2::{Digest as _, Sha256};

use super::digest;
use super::reapi::{ActionResult, Digest};

/// How an action-result file begins; the SHA-256 of the encoded result follows, then the result.
const AC_MAGIC: &[u8; 8] = b"raskac1\n";

/// Something the store could not do, with the path it concerns.
#[derive(Debug, thiserror::Error)]
pub(crate) enum StoreError {
    #[error("cannot use cache file `{path}`: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("cache entry `{path}` is corrupt ({problem}); ignoring it")]
    Corrupt { path: PathBuf, problem: String },
    #[error("cache blob `{hash}` is missing")]
    Missing { hash: String },
}

fn io_error(path: &Path) -> impl FnOnce(io::Error) -> StoreError + '_ {
    move |source| StoreError::Io {
        path: path.to_owned(),
        source,
    }
}

/// A content-addressed store of blobs and an action cache: REAPI's CAS and AC.
pub(crate) trait Store: Send + Sync {
    /// The result recorded for the action whose digest this is; `Ok(None)` if there is none.
    fn action_result(&self, action: &Digest) -> Result<Option<ActionResult>, StoreError>;
    fn put_action_result(&self, action: &Digest, result: &ActionResult) -> Result<(), StoreError>;
    /// The blob's bytes, checked against its digest.
    fn blob(&self, digest: &Digest) -> Result<Vec<u8>, StoreError>;
    fn put_blob(&self, bytes: &[u8]) -> Result<Digest, StoreError>;
    /// Stores the file at `path`, whose contents are expected to hash to `expected`; returns
    /// the digest of what was actually stored (the file may have changed since it was hashed).
    fn put_file(&self, path: &Path, expected: &Digest) -> Result<Digest, StoreError>;
    /// Stores everything `reader` yields, streamed (a log can be gigabytes); its digest.
    fn put_stream(&self, reader: &mut dyn Read) -> Result<Digest, StoreError>;
    /// Writes the blob into `out`, checking every byte against the digest; on `Err` what was
    /// written must be thrown away.
    fn copy_blob(&self, digest: &Digest, out: &mut File) -> Result<(), StoreError>;
    /// The blob as an open file at its start, every byte checked against the digest first.
    /// Reading it later sees those bytes even if the entry is evicted meanwhile.
    fn open_blob(&self, digest: &Digest) -> Result<File, StoreError>;
}

/// A [`Store`] in a local directory (see the module docs for its layout).
#[derive(Debug, Clone)]
pub(crate) struct LocalStore {
    root: PathBuf,
}

impl LocalStore {
    pub(crate) fn new(root: PathBuf) -> LocalStore {
        LocalStore { root }
    }

    pub(crate) fn root(&self) -> &Path {
        &self.root
    }

    fn cas_path(&self, digest: &Digest) -> Result<PathBuf, StoreError> {
        self.entry_path("cas", digest)
    }

    fn entry_path(&self, area: &str, digest: &Digest) -> Result<PathBuf, StoreError> {
        if !digest::is_well_formed(digest) {
            return Err(StoreError::Corrupt {
                path: self.root.join(area),
                problem: format!("malformed digest `{}`", digest.hash),
            });
        }
        Ok(self
            .root
            .join(area)
            .join(&digest.hash[..2])
            .join(&digest.hash))
    }

    /// A new file in `tmp/`, deleted unless [`LocalStore::commit`] renames it into place.
    fn temp_file(&self) -> Result<tempfile::NamedTempFile, StoreError> {
        let tmp = self.root.join("tmp");
        fs::create_dir_all(&tmp).map_err(io_error(&tmp))?;
        tempfile::NamedTempFile::new_in(&tmp).map_err(io_error(&tmp))
    }

    fn commit(&self, temp: tempfile::NamedTempFile, to: &Path) -> Result<(), StoreError> {
        let parent = to.parent().expect("entry paths have a parent");
        fs::create_dir_all(parent).map_err(io_error(parent))?;
        temp.persist(to)
            .map_err(|error| io_error(to)(error.error))?;
        Ok(())
    }

    /// Marks an entry as used now, for least-recently-used eviction. Best effort.
    fn touch(path: &Path) {
        if let Ok(file) = File::options().append(true).open(path) {
            let _ = file.set_modified(SystemTime::now());
        }
    }

    /// The blob file of `digest`, open for reading; `Missing` if there is none.
    fn open_cas(&self, digest: &Digest) -> Result<(PathBuf, File), StoreError> {
        let path = self.cas_path(digest)?;
        match File::open(&path) {
            Ok(file) => Ok((path, file)),
            Err(error) if error.kind() == io::ErrorKind::NotFound => Err(StoreError::Missing {
                hash: digest.hash.clone(),
            }),
            Err(error) => Err(io_error(&path)(error)),
        }
    }

    /// `Ok` (and the entry marked as used) if the blob at `path` hashed to its digest;
    /// otherwise the entry is removed and reported as corrupt.
    fn checked(path: PathBuf, actual: &Digest, expected: &Digest) -> Result<(), StoreError> {
        if actual != expected {
            LocalStore::discard(&path);
            return Err(StoreError::Corrupt {
                path,
                problem: "contents do not match their digest".to_owned(),
            });
        }
        LocalStore::touch(&path);
        Ok(())
    }

    /// Removes a corrupt entry so the next run can write a good one. Best effort.
    fn discard(path: &Path) {
        let _ = fs::remove_file(path);
    }

    /// Deletes least-recently-used entries until the store holds at most `limit` bytes (then
    /// down to 90% of it, so eviction does not run on every write). Holds `lock` meanwhile, so
    /// two rasks do not evict at once.
    pub(crate) fn evict(&self, limit: u64) -> Result<u64, StoreError> {
        let lock_path = self.root.join("lock");
        fs::create_dir_all(&self.root).map_err(io_error(&self.root))?;
        let lock = File::create(&lock_path).map_err(io_error(&lock_path))?;
        // SAFETY: flock on a descriptor we own; the lock goes with the file when it closes.
        if unsafe { libc::flock(lock.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) } != 0 {
            // Another rask is evicting right now; once is enough.
            return Ok(0);
        }
        let mut entries = Vec::new();
        for area in ["cas", "ac"] {
            collect_entries(&self.root.join(area), &mut entries);
        }
        let mut total: u64 = entries.iter().map(|(_, size, _)| size).sum();
        if total <= limit {
            return Ok(0);
        }
        entries.sort_by_key(|(_, _, used)| *used);
        let target = limit / 10 * 9;
        let mut freed = 0;
        for (path, size, _) in entries {
            if total <= target {
                break;
            }
            if fs::remove_file(&path).is_ok() {
                total -= size;
                freed += size;
            }
        }
        Ok(freed)
    }

    /// How many entries and bytes the store holds.
    pub(crate) fn usage(&self) -> (usize, u64) {
        let mut entries = Vec::new();
        for area in ["cas", "ac"] {
            collect_entries(&self.root.join(area), &mut entries);
        }
        (entries.len(), entries.iter().map(|(_, size, _)| size).sum())
    }
}

/// Every file two levels under `area` (`<hh>/<hash>`), with its size and modification time.
fn collect_entries(area: &Path, out: &mut Vec<(PathBuf, u64, SystemTime)>) {
    let Ok(prefixes) = fs::read_dir(area) else {
        return;
    };
    for prefix in prefixes.flatten() {
        let Ok(files) = fs::read_dir(prefix.path()) else {
            continue;
        };
        for file in files.flatten() {
            if let Ok(metadata) = file.metadata() {
                let used = metadata.modified().unwrap_or(SystemTime::UNIX_EPOCH);
                out.push((file.path(), metadata.len(), used));
            }
        }
    }
}

impl Store for LocalStore {
    fn action_result(&self, action: &Digest) -> Result<Option<ActionResult>, StoreError> {
        let path = self.entry_path("ac", action)?;
        let bytes = match fs::read(&path) {
            Ok(bytes) => bytes,
            Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(error) => return Err(io_error(&path)(error)),
        };
        let corrupt = |problem: &str| {
            LocalStore::discard(&path);
            StoreError::Corrupt {
                path: path.clone(),
                problem: problem.to_owned(),
            }
        };
        let header = AC_MAGIC.len() + 32;
        if bytes.len() < header || &bytes[..AC_MAGIC.len()] != AC_MAGIC {
            return Err(corrupt("truncated or not an action result"));
        }
        let (checksum, payload) = bytes[AC_MAGIC.len()..].split_at(32);
        if Sha256::digest(payload).as_slice() != checksum {
            return Err(corrupt("checksum mismatch"));
        }
        let result = ActionResult::decode(payload).map_err(|_| corrupt("cannot decode"))?;
        LocalStore::touch(&path);
        Ok(Some(result))
    }

    fn put_action_result(&self, action: &Digest, result: &ActionResult) -> Result<(), StoreError> {
        let path = self.entry_path("ac", action)?;
        let payload = result.encode_to_vec();
        let mut temp = self.temp_file()?;
        let written = temp
            .write_all(AC_MAGIC)
            .and_then(|()| temp.write_all(&Sha256::digest(&payload)))
            .and_then(|()| temp.write_all(&payload))
            // The entry is what makes a hit: make it durable before it is visible.
            .and_then(|()| temp.as_file().sync_all());
        written.map_err(io_error(temp.path()))?;
        self.commit(temp, &path)
    }

    fn blob(&self, digest: &Digest) -> Result<Vec<u8>, StoreError> {
        let (path, mut file) = self.open_cas(digest)?;
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes).map_err(io_error(&path))?;
        LocalStore::checked(path, &digest::of_bytes(&bytes), digest)?;
        Ok(bytes)
    }

    fn put_blob(&self, bytes: &[u8]) -> Result<Digest, StoreError> {
        let digest = digest::of_bytes(bytes);
        let path = self.cas_path(&digest)?;
        if path.exists() {
            LocalStore::touch(&path);
            return Ok(digest);
        }
        let mut temp = self.temp_file()?;
        temp.write_all(bytes).map_err(io_error(temp.path()))?;
        self.commit(temp, &path)?;
        Ok(digest)
    }

    fn put_file(&self, path: &Path, expected: &Digest) -> Result<Digest, StoreError> {
        if let Ok(existing) = self.cas_path(expected) {
            if existing.exists() {
                LocalStore::touch(&existing);
                return Ok(expected.clone());
            }
        }
        let mut source = File::open(path).map_err(io_error(path))?;
        // Hash what is copied, not what was hashed before: the file may have changed since.
        self.put_stream(&mut source)
    }

    fn put_stream(&self, reader: &mut dyn Read) -> Result<Digest, StoreError> {
        let mut temp = self.temp_file()?;
        let mut hashing = HashingWriter::new(temp.as_file_mut());
        io::copy(reader, &mut hashing).map_err(io_error(&self.root.join("tmp")))?;
        let digest = hashing.digest();
        let target = self.cas_path(&digest)?;
        if target.exists() {
            LocalStore::touch(&target);
            return Ok(digest);
        }
        self.commit(temp, &target)?;
        Ok(digest)
    }

    fn open_blob(&self, digest: &Digest) -> Result<File, StoreError> {
        let (path, mut file) = self.open_cas(digest)?;
        let actual = digest::of_reader(&mut file, &mut digest::buffer())
            .and_then(|(actual, _)| file.rewind().map(|()| actual))
            .map_err(io_error(&path))?;
        LocalStore::checked(path, &actual, digest)?;
        Ok(file)
    }

    fn copy_blob(&self, digest: &Digest, out: &mut File) -> Result<(), StoreError> {
        let (path, mut source) = self.open_cas(digest)?;
        let mut hashing = HashingWriter::new(out);
        io::copy(&mut source, &mut hashing).map_err(io_error(&path))?;
        LocalStore::checked(path, &hashing.digest(), digest)
    }
}

/// A writer that hashes what passes through it.
struct HashingWriter<'w, W> {
    inner: &'w mut W,
    hasher: Sha256,
    size: i64,
}

impl<'w, W: Write> HashingWriter<'w, W> {
    fn new(inner: &'w mut W) -> Self {
        HashingWriter {
            inner,
            hasher: Sha256::new(),
            size: 0,
        }
    }

    fn digest(self) -> Digest {
        digest::finish(self.hasher, self.size)
    }
}

impl<W: Write> Write for HashingWriter<'_, W> {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        let written = self.inner.write(bytes)?;
        self.hasher.update(&bytes[..written]);
        self.size += written as i64;
        Ok(written)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}
