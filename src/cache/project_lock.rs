//! One rask at a time runs a project's cached tasks. The main type here is [`ProjectLock`].
//!
//! Two rasks on one project run the same tasks into the same output files. Each records what
//! it sees when its task ends, and one can see a file the other is rewriting (`cat in > out`
//! truncates first): it would store a torn output under a good key. The cache's own writes
//! are atomic, but the outputs are the project's, so the runs themselves must not overlap.
//! As cargo does with its build directory, the second rask waits for the first, and says so
//! when it starts waiting (a silent wait would look like a hang) and again as the run's first
//! warning, for the event stream (warnings are events, and the run has not started yet).
//! A rask started by a task of the lock's holder (a nested `rask lint`) is part of that run:
//! it finds the lock's path in `RASK_PROJECT_LOCK` and does not wait for its own parent.

use std::fs::{self, File};
use std::io;
use std::os::fd::{AsRawFd, RawFd};
use std::path::{Path, PathBuf};

/// Names the held lock to the tasks of the run that holds it, for nested rasks.
pub(crate) const ENV_VAR: &str = "RASK_PROJECT_LOCK";

/// How long one wait on the signal descriptors lasts between two tries of the lock.
const RETRY_MS: i32 = 50;

/// The held lock (an `flock` on a file under the cache), released when dropped.
#[derive(Debug)]
pub(crate) struct ProjectLock {
    _file: File,
    path: PathBuf,
}

impl ProjectLock {
    /// Takes the lock of the project named `project_key` in the cache at `cache_dir`, waiting
    /// while another rask holds it; `on_wait` hears once, when the wait begins, the lock's path. `Ok(None)`: the parent rask holds
    /// it, or a signal came while waiting (the run then sees the signal at once and stops).
    pub(crate) fn acquire(
        cache_dir: &Path,
        project_key: &str,
        interrupts: &[RawFd],
        on_wait: &mut dyn FnMut(String),
    ) -> io::Result<Option<ProjectLock>> {
        let path = cache_dir.join("locks").join(format!("{project_key}.lock"));
        if std::env::var_os(ENV_VAR).is_some_and(|held| Path::new(&held) == path) {
            return Ok(None);
        }
        fs::create_dir_all(cache_dir.join("locks"))?;
        let file = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)?;
        let mut warned = false;
        loop {
            // SAFETY: flock on a descriptor we own; the lock goes with the file when it closes.
            if unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) } == 0 {
                return Ok(Some(ProjectLock { _file: file, path }));
            }
            let error = io::Error::last_os_error();
            if error.raw_os_error() != Some(libc::EWOULDBLOCK) {
                return Err(error);
            }
            if !warned {
                warned = true;
                on_wait(path.display().to_string());
            }
            if signalled(interrupts)? {
                return Ok(None);
            }
        }
    }

    /// The variable that tells nested rasks this run holds the lock.
    pub(crate) fn env(&self) -> Option<(String, String)> {
        Some((ENV_VAR.to_owned(), self.path.to_str()?.to_owned()))
    }
}

/// Waits up to [`RETRY_MS`] for any of `fds` to become readable (a signal arrived); reads
/// nothing, so the run still sees the signal.
fn signalled(fds: &[RawFd]) -> io::Result<bool> {
    let mut polled: Vec<libc::pollfd> = fds
        .iter()
        .map(|&fd| libc::pollfd {
            fd,
            events: libc::POLLIN,
            revents: 0,
        })
        .collect();
    // SAFETY: `polled` is a valid array of `polled.len()` pollfd structs for the call.
    let ready = unsafe { libc::poll(polled.as_mut_ptr(), polled.len() as libc::nfds_t, RETRY_MS) };
    match ready {
        -1 if io::Error::last_os_error().kind() == io::ErrorKind::Interrupted => Ok(false),
        -1 => Err(io::Error::last_os_error()),
        ready => Ok(ready > 0),
    }
}
