//! One job limit shared by a rask and the rasks its tasks start. The main type here is
//! [`JobTokens`].
//!
//! A fifth of real tasks call the runner again (`rask lint` inside `rask ci`); without a shared
//! limit, `rask -j 4` running four nested `rask -j 4` runs sixteen commands. rask uses make's
//! jobserver protocol: a pipe holds one byte per free job slot; every rask may run one command
//! without a token (the slot its parent already counted) and takes a byte from the pipe for
//! each further command, writing it back when that command ends. The top-level rask creates the
//! pipe with `jobs - 1` bytes and names it to its tasks in `RASK_JOBSERVER=READ_FD,WRITE_FD`.

use std::fs::File;
use std::io::{self, ErrorKind, Read, Write};
use std::os::fd::{AsRawFd, FromRawFd, RawFd};

use super::os::set_nonblocking;

/// The environment variable through which a rask names its token pipe to nested rasks.
pub(crate) const ENV_VAR: &str = "RASK_JOBSERVER";

/// A token pipe, and the tokens this rask holds from it.
#[derive(Debug)]
pub(crate) struct JobTokens {
    read: File,
    write: File,
    /// One byte per running command beyond the first, to be written back.
    held: Vec<u8>,
    /// The pipe failed: stop asking it, and rely on the local `-j` alone.
    broken: bool,
}

impl JobTokens {
    /// The pipe of the rask that started this one, if its `RASK_JOBSERVER` names a usable one.
    pub(crate) fn inherited() -> Option<JobTokens> {
        let value = std::env::var(ENV_VAR).ok()?;
        let (read, write) = value.split_once(',')?;
        let (read, write): (RawFd, RawFd) = (read.parse().ok()?, write.parse().ok()?);
        // A program between the two rasks may have closed the descriptors, and the numbers
        // may since name something else: `RASK_JOBSERVER=0,1` in a pipeline named stdin and
        // stdout, two pipes (issue #8). Use them only if they are the two ends of one pipe,
        // read end for reading and write end for writing.
        if !same_pipe(read, write) {
            return None;
        }
        // SAFETY: both descriptors are open pipes, inherited for this purpose; nothing else in
        // this process owns them.
        let (read, write) = unsafe { (File::from_raw_fd(read), File::from_raw_fd(write)) };
        Some(JobTokens::new(read, write))
    }

    /// A new pipe holding `jobs - 1` tokens, which the tasks' processes inherit.
    pub(crate) fn create(jobs: usize) -> io::Result<JobTokens> {
        let mut fds = [0; 2];
        // No O_CLOEXEC: the whole point is that the tasks' processes inherit both ends.
        // SAFETY: `fds` is a valid array of two ints for pipe2 to fill.
        if unsafe { libc::pipe2(fds.as_mut_ptr(), 0) } != 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: pipe2 just created these two descriptors; nothing else owns them.
        let (read, mut write) = unsafe { (File::from_raw_fd(fds[0]), File::from_raw_fd(fds[1])) };
        write.write_all(&vec![b'+'; jobs.saturating_sub(1)])?;
        Ok(JobTokens::new(read, write))
    }

    fn new(read: File, write: File) -> JobTokens {
        // Taking a token must never block the scheduler: it polls the pipe instead.
        let broken = set_nonblocking(read.as_raw_fd()).is_err();
        JobTokens {
            read,
            write,
            held: Vec::new(),
            broken,
        }
    }

    /// Another handle on the same pipe, holding no tokens (its descriptors are close-on-exec:
    /// the tasks inherit the original's).
    pub(crate) fn try_clone(&self) -> io::Result<JobTokens> {
        Ok(JobTokens::new(
            self.read.try_clone()?,
            self.write.try_clone()?,
        ))
    }

    /// The variable that hands this pipe to nested rasks.
    pub(crate) fn env(&self) -> (String, String) {
        let value = format!("{},{}", self.read.as_raw_fd(), self.write.as_raw_fd());
        (ENV_VAR.to_owned(), value)
    }

    /// What to poll while waiting for a token.
    pub(crate) fn fd(&self) -> RawFd {
        self.read.as_raw_fd()
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
        match (&self.read).read(&mut token) {
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
            // A full or closed pipe loses the token; nothing better can be done with it.
            let _ = (&self.write).write_all(&[token]);
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

/// The pipe `fd` is open on (device and inode), if it is a pipe opened with `access`.
fn pipe_identity(fd: RawFd, access: libc::c_int) -> Option<(u64, u64)> {
    let mut stat = std::mem::MaybeUninit::<libc::stat>::uninit();
    // SAFETY: fstat writes a stat struct into the buffer we own, or fails without writing.
    if unsafe { libc::fstat(fd, stat.as_mut_ptr()) } != 0 {
        return None;
    }
    // SAFETY: fstat succeeded, so the struct is initialised.
    let stat = unsafe { stat.assume_init() };
    // SAFETY: F_GETFL only reads the descriptor's status flags.
    let flags = unsafe { libc::fcntl(fd, libc::F_GETFL) };
    let is_pipe = stat.st_mode & libc::S_IFMT == libc::S_IFIFO;
    (is_pipe && flags >= 0 && flags & libc::O_ACCMODE == access)
        .then_some((stat.st_dev, stat.st_ino))
}

/// Both ends of one pipe share its inode: two different pipes (stdin and stdout in a
/// pipeline) do not.
fn same_pipe(read: RawFd, write: RawFd) -> bool {
    read != write
        && pipe_identity(read, libc::O_RDONLY)
            .is_some_and(|identity| pipe_identity(write, libc::O_WRONLY) == Some(identity))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pool_of_three_slots_hands_out_two_tokens() {
        let mut tokens = JobTokens::create(3).expect("pipe");
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
    fn issue_8_only_the_two_ends_of_one_pipe_are_trusted() {
        let one = JobTokens::create(2).expect("pipe");
        let other = JobTokens::create(2).expect("pipe");
        let (read, write) = (one.read.as_raw_fd(), one.write.as_raw_fd());
        assert!(same_pipe(read, write));
        assert!(!same_pipe(write, read), "ends swapped");
        assert!(!same_pipe(read, other.write.as_raw_fd()), "two pipes");
        assert!(!same_pipe(read, read));
    }

    #[test]
    fn dropping_gives_every_token_back() {
        let tokens = JobTokens::create(3).expect("pipe");
        let read = tokens.read.try_clone().expect("dup");
        let write = tokens.write.try_clone().expect("dup");
        let mut taker = JobTokens::new(read, write);
        let mut holder = tokens;
        assert!(holder.try_acquire() && holder.try_acquire());
        assert!(!taker.try_acquire());
        drop(holder);
        assert!(taker.try_acquire() && taker.try_acquire());
    }
}
