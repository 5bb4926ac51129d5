//! Unix specifics: process groups rask can signal at once, pidfds to wait for a child
//! without a thread, and `poll(2)`.

use std::io;
use std::os::fd::{FromRawFd, OwnedFd, RawFd};
use std::time::Duration;

/// Sends `signal` to every process in the group `pgid`.
pub(crate) fn signal_group(pgid: i32, signal: i32) {
    // SAFETY: kill(2) has no memory-safety preconditions; a negative pid addresses a group.
    // ESRCH (the group is already gone) is the expected, harmless race.
    unsafe {
        libc::kill(-pgid, signal);
    }
}

/// Sends `signal` to the single process `pid`.
pub(crate) fn signal_process(pid: i32, signal: i32) {
    // SAFETY: as above, for one process.
    unsafe {
        libc::kill(pid, signal);
    }
}

/// A file descriptor that becomes readable when the process `pid` exits (Linux 5.3+).
/// `None` where the kernel (or a seccomp filter) does not offer pidfds; callers then poll.
pub(crate) fn pidfd_open(pid: i32) -> Option<OwnedFd> {
    // SAFETY: pidfd_open takes a pid and flags and returns a new descriptor or -1.
    let fd = unsafe { libc::syscall(libc::SYS_pidfd_open, pid, 0) };
    if fd < 0 {
        return None;
    }
    // SAFETY: the kernel just returned this descriptor to us; nothing else owns it.
    Some(unsafe { OwnedFd::from_raw_fd(fd as RawFd) })
}

/// Waits until one of `fds` is readable or hung up, or `timeout` passes (`None`: forever).
/// Sets `revents` in place; an interrupted wait returns with nothing ready.
pub(crate) fn poll(fds: &mut [libc::pollfd], timeout: Option<Duration>) -> io::Result<()> {
    let timeout_ms = match timeout {
        // Round up, so a deadline 0.4 ms away is not polled for 0 ms in a busy loop.
        Some(timeout) => i32::try_from(timeout.as_micros().div_ceil(1000)).unwrap_or(i32::MAX),
        None => -1,
    };
    // SAFETY: `fds` is a valid, exclusively borrowed array of `len` pollfd structs.
    let ready = unsafe { libc::poll(fds.as_mut_ptr(), fds.len() as libc::nfds_t, timeout_ms) };
    if ready < 0 {
        let error = io::Error::last_os_error();
        if error.kind() != io::ErrorKind::Interrupted {
            return Err(error);
        }
        fds.iter_mut().for_each(|fd| fd.revents = 0);
    }
    Ok(())
}

/// A pollfd asking for readability of `fd`.
pub(crate) fn readable(fd: RawFd) -> libc::pollfd {
    libc::pollfd {
        fd,
        events: libc::POLLIN,
        revents: 0,
    }
}
