//! One job limit shared by a rask and the rasks its tasks start. The main type here is
//! [`JobTokens`].
//!
//! A fifth of real tasks call the runner again (`rask lint` inside `rask ci`); without a shared
//! limit, `rask -j 4` running four nested `rask -j 4` runs sixteen commands. rask uses make's
//! jobserver protocol in the form of GNU make 4.4's `--jobserver-style=fifo`: a named FIFO holds
//! one byte per free job slot; every rask may run one command without a token (the slot its
//! parent already counted) and takes a byte from the FIFO for each further command, writing it
//! back when that command ends. The top-level rask creates the FIFO (mode 0600, a fresh random
//! name, see [`fifo_dirs`] for where) with `jobs - 1` bytes and names it to its tasks in
//! `RASK_JOBSERVER=fifo:PATH`.
//!
//! A FIFO rather than an inherited pipe: a pipe's two descriptors would leak into every task
//! process (issue #8), where a program that closes or reuses them breaks the pool; a path is
//! opened only by the rasks that want it, and every descriptor here is close-on-exec.

use std::fs::{File, OpenOptions};
use std::io::{self, ErrorKind, Read, Write};
use std::os::fd::{AsRawFd, RawFd};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The environment variable through which a rask names its token FIFO to nested rasks.
pub(crate) const ENV_VAR: &str = "RASK_JOBSERVER";

/// How the variable's value starts; the rest is the FIFO's path.
const FIFO_PREFIX: &str = "fifo:";

/// A token FIFO, and the tokens this handle holds from it.
#[derive(Debug)]
pub(crate) struct JobTokens {
    /// The FIFO, open for reading and writing (so a read never sees end-of-file, and opening
    /// never waits for a peer), non-blocking and close-on-exec.
    pool: File,
    path: PathBuf,
    /// One byte per running command beyond the first, to be written back.
    held: Vec<u8>,
    /// The pool failed: stop asking it, and rely on the local `-j` alone.
    broken: bool,
    /// The FIFO this rask created: removed once every handle is gone.
    _created: Option<Arc<tempfile::TempPath>>,
}

impl JobTokens {
    /// The pool of the rask that started this one: `Ok(None)` when `RASK_JOBSERVER` is not
    /// set, `Err` saying why when it is set but names nothing usable (the caller warns and
    /// falls back, as make does).
    pub(crate) fn inherited() -> Result<Option<JobTokens>, String> {
        match std::env::var_os(ENV_VAR) {
            None => Ok(None),
            Some(value) => JobTokens::from_env_value(&value.to_string_lossy()).map(Some),
        }
    }

    /// The pool a `RASK_JOBSERVER` value names.
    fn from_env_value(value: &str) -> Result<JobTokens, String> {
        let unusable = |why: String| format!("`{ENV_VAR}={value}` is not usable ({why})");
        let Some(path) = value.strip_prefix(FIFO_PREFIX) else {
            return Err(unusable(format!("expected `{FIFO_PREFIX}PATH`")));
        };
        let pool = open_fifo(Path::new(path)).map_err(|error| unusable(error.to_string()))?;
        Ok(JobTokens::new(pool, PathBuf::from(path), None))
    }

    /// A new FIFO holding `jobs - 1` tokens, for this rask and the rasks its tasks start.
    pub(crate) fn create(jobs: usize) -> io::Result<JobTokens> {
        let mut failure = None;
        for dir in fifo_dirs() {
            let made = tempfile::Builder::new()
                .prefix("rask-jobserver-")
                .make_in(&dir, make_fifo);
            match made {
                Ok(made) => {
                    let (_, created) = made.into_parts();
                    let mut pool = open_fifo(&created)?;
                    // Non-blocking: a pool larger than the FIFO's buffer fails here instead
                    // of hanging.
                    pool.write_all(&vec![b'+'; jobs.saturating_sub(1)])?;
                    let path = created.to_path_buf();
                    return Ok(JobTokens::new(pool, path, Some(Arc::new(created))));
                }
                Err(error) => failure = Some(error),
            }
        }
        Err(failure.unwrap_or_else(|| io::Error::other("no directory for the job FIFO")))
    }

    fn new(pool: File, path: PathBuf, created: Option<Arc<tempfile::TempPath>>) -> JobTokens {
        JobTokens {
            pool,
            path,
            held: Vec::new(),
            broken: false,
            _created: created,
        }
    }

    /// Another handle on the same pool, holding no tokens.
    pub(crate) fn try_clone(&self) -> io::Result<JobTokens> {
        Ok(JobTokens::new(
            self.pool.try_clone()?,
            self.path.clone(),
            self._created.clone(),
        ))
    }

    /// The variable that names this pool to nested rasks; `None` if its path is not UTF-8.
    pub(crate) fn env(&self) -> Option<(String, String)> {
        let path = self.path.to_str()?;
        Some((ENV_VAR.to_owned(), format!("{FIFO_PREFIX}{path}")))
    }

    /// What to poll while waiting for a token.
    pub(crate) fn fd(&self) -> RawFd {
        self.pool.as_raw_fd()
    }

    pub(crate) fn held(&self) -> usize {
        self.held.len()
    }

    /// Takes a token if one is free; `false` means wait for [`JobTokens::fd`] to be readable.
    pub(crate) fn try_acquire(&mut self) -> bool {
        if self.broken {
            return true;
        }
        let mut token = [0u8; 1];
        match (&self.pool).read(&mut token) {
            Ok(1) => {
                self.held.push(token[0]);
                true
            }
            Err(error)
                if matches!(error.kind(), ErrorKind::WouldBlock | ErrorKind::Interrupted) =>
            {
                false
            }
            // End of file or an error: the pool is gone; fall back to the local limit.
            _ => {
                self.broken = true;
                true
            }
        }
    }

    /// Gives one held token back.
    pub(crate) fn release(&mut self) {
        if let Some(token) = self.held.pop() {
            // A full FIFO loses the token; nothing better can be done with it.
            let _ = (&self.pool).write_all(&[token]);
        }
    }
}

impl Drop for JobTokens {
    fn drop(&mut self) {
        while !self.held.is_empty() {
            self.release();
        }
    }
}

/// Where the FIFO may go, best first. Every top-level run creates and removes one, and on an
/// ext4 `/tmp` a private directory around it cost about 0.4 ms (a quarter of running one
/// `/usr/bin/true` task), so the FIFO goes straight into a directory only its owner can
/// write to (`XDG_RUNTIME_DIR`) or a sticky one, where nobody else can replace or remove it.
/// `TMPDIR`, when set, is the user's choice; else `/dev/shm`, a memory file system.
fn fifo_dirs() -> Vec<PathBuf> {
    let mut dirs = Vec::with_capacity(3);
    if let Some(runtime) = std::env::var_os("XDG_RUNTIME_DIR") {
        let runtime = PathBuf::from(runtime);
        if runtime.is_absolute() {
            dirs.push(runtime);
        }
    }
    if std::env::var_os("TMPDIR").is_none() {
        dirs.push(PathBuf::from("/dev/shm"));
    }
    dirs.push(std::env::temp_dir());
    dirs
}

/// `mkfifo(path, 0600)`; fails with `AlreadyExists` if anything is there already.
fn make_fifo(path: &Path) -> io::Result<()> {
    let c_path = std::ffi::CString::new(path.as_os_str().as_bytes())
        .map_err(|_| io::Error::new(ErrorKind::InvalidInput, "NUL in the temp dir's path"))?;
    // SAFETY: `c_path` is a valid NUL-terminated string; mkfifo only reads it.
    if unsafe { libc::mkfifo(c_path.as_ptr(), 0o600) } != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// Opens the FIFO at `path` for reading and writing, non-blocking; anything but a FIFO (a
/// regular file, a device, a terminal) is refused before it is opened, and again after, in
/// case it was swapped in between.
fn open_fifo(path: &Path) -> io::Result<File> {
    let not_a_fifo = || io::Error::new(ErrorKind::InvalidInput, "not a FIFO");
    if !std::fs::metadata(path)?.file_type().is_fifo() {
        return Err(not_a_fifo());
    }
    let pool = OpenOptions::new()
        .read(true)
        .write(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)?;
    if !pool.metadata()?.file_type().is_fifo() {
        return Err(not_a_fifo());
    }
    Ok(pool)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pool_of_three_slots_hands_out_two_tokens() {
        let mut tokens = JobTokens::create(3).expect("fifo");
        assert!(tokens.try_acquire());
        assert!(tokens.try_acquire());
        assert!(
            !tokens.try_acquire(),
            "the third command runs on the implicit slot only"
        );
        tokens.release();
        assert!(tokens.try_acquire(), "a released token can be taken again");
        assert_eq!(tokens.held(), 2);
    }

    #[test]
    fn a_nested_rask_opens_the_same_pool_by_its_path() {
        let mut parent = JobTokens::create(2).expect("fifo");
        let (_, value) = parent.env().expect("temp paths are UTF-8");
        let mut nested = JobTokens::from_env_value(&value).expect("the fifo opens");
        assert!(nested.try_acquire());
        assert!(!parent.try_acquire(), "the one token is taken");
        drop(nested);
        assert!(parent.try_acquire(), "dropping gave it back");
    }

    #[test]
    fn issue_8_only_a_fifo_is_trusted() {
        let dir = tempfile::tempdir().expect("temp dir");
        let file = dir.path().join("plain");
        std::fs::write(&file, "++++").expect("write");
        let cases = [
            ("0,1".to_owned(), "expected `fifo:PATH`"),
            (format!("fifo:{}", file.display()), "not a FIFO"),
            ("fifo:/dev/null".to_owned(), "not a FIFO"),
            (
                format!("fifo:{}/missing", dir.path().display()),
                "No such file",
            ),
        ];
        for (value, why) in cases {
            let error = JobTokens::from_env_value(&value).expect_err("refused");
            assert!(error.contains(why), "{value}: {error}");
        }
    }

    #[test]
    fn the_fifo_goes_when_the_last_handle_does() {
        let tokens = JobTokens::create(2).expect("fifo");
        let clone = tokens.try_clone().expect("dup");
        let path = tokens.path.clone();
        drop(tokens);
        assert!(path.exists(), "a clone still uses it");
        drop(clone);
        assert!(!path.exists());
    }
}
