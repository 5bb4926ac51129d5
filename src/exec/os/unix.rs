//! Unix process groups: every task's processes share a group that rask can signal at once.

use std::io;

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

/// Waits until one of `fds` is readable (or hung up), or `timeout_ms` passes. Returns, per fd,
/// whether it is ready.
pub(crate) fn poll_readable(fds: &[i32], timeout_ms: i32) -> io::Result<Vec<bool>> {
    let mut pollfds: Vec<libc::pollfd> = fds
        .iter()
        .map(|&fd| libc::pollfd {
            fd,
            events: libc::POLLIN,
            revents: 0,
        })
        .collect();
    // SAFETY: `pollfds` is a valid, exclusively borrowed array of `len` pollfd structs.
    let ready = unsafe {
        libc::poll(
            pollfds.as_mut_ptr(),
            pollfds.len() as libc::nfds_t,
            timeout_ms,
        )
    };
    if ready < 0 {
        let error = io::Error::last_os_error();
        if error.kind() == io::ErrorKind::Interrupted {
            return Ok(vec![false; fds.len()]);
        }
        return Err(error);
    }
    Ok(pollfds.iter().map(|pollfd| pollfd.revents != 0).collect())
}
