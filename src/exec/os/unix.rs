//! Unix specifics: process groups rask can signal at once, pidfds to wait for a child
//! without a thread, and `poll(2)`.

use std::io;
use std::os::fd::{FromRawFd, OwnedFd, RawFd};
use std::os::unix::process::ExitStatusExt;
use std::process::ExitStatus;
use std::time::{Duration, Instant};

use crate::events::Usage;

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

/// Reaps `pid` if it has exited, with what it cost: `wait4(2)` returns the rusage of that one
/// child, including the descendants it waited for itself (a shell's commands), and not that of
/// any other task, as `RUSAGE_CHILDREN` would. `None` while it is still running.
pub(crate) fn reap(pid: i32) -> io::Result<Option<(ExitStatus, Usage)>> {
    let mut status = 0;
    // SAFETY: an all-zero rusage is a valid value of that plain C struct.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: wait4 writes only through the two valid pointers it is given.
    let reaped = unsafe { libc::wait4(pid, &mut status, libc::WNOHANG, &mut usage) };
    match reaped {
        0 => Ok(None),
        reaped if reaped < 0 => Err(io::Error::last_os_error()),
        _ => Ok(Some((
            ExitStatus::from_raw(status),
            Usage {
                user: duration_of(usage.ru_utime),
                system: duration_of(usage.ru_stime),
                // Linux reports kibibytes.
                max_rss: u64::try_from(usage.ru_maxrss).unwrap_or(0) * 1024,
            },
        ))),
    }
}

/// Reaps `pid`, which was just sent SIGKILL, waiting at most `bound` for it: SIGKILL takes
/// effect at once unless the process is stuck in the kernel (uninterruptible sleep on a dead
/// NFS server), and rask would rather leave such a process to init than hang. `None` when it
/// did not end in time or is not rask's child.
pub(crate) fn reap_killed(pid: i32, bound: Duration) -> Option<(ExitStatus, Usage)> {
    let give_up = Instant::now() + bound;
    loop {
        match reap(pid) {
            Ok(Some(reaped)) => return Some(reaped),
            Ok(None) if Instant::now() < give_up => std::thread::sleep(Duration::from_millis(1)),
            Ok(None) | Err(_) => return None,
        }
    }
}

fn duration_of(time: libc::timeval) -> Duration {
    Duration::new(
        u64::try_from(time.tv_sec).unwrap_or(0),
        u32::try_from(time.tv_usec).unwrap_or(0) * 1000,
    )
}

/// Makes rask the reaper of its orphaned descendants: a process whose parent exits is
/// re-parented to rask instead of init, so rask can still find and kill it.
pub(crate) fn become_subreaper() -> io::Result<()> {
    // SAFETY: PR_SET_CHILD_SUBREAPER takes an integer flag and touches no memory of ours.
    if unsafe { libc::prctl(libc::PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) } != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// Kills and reaps every child of rask: when no task runs, those can only be orphans that were
/// re-parented to rask (see [`become_subreaper`]). Killing one can orphan its own children, so
/// this repeats until none is left (bounded, in case something keeps forking).
pub(crate) fn kill_adopted_orphans() {
    for _ in 0..16 {
        let adopted = children_of_self();
        if adopted.is_empty() {
            return;
        }
        for &pid in &adopted {
            signal_process(pid, libc::SIGKILL);
        }
        for &pid in &adopted {
            // SAFETY: waitpid on our own child, with a valid status pointer; it was just sent
            // SIGKILL, so this returns promptly.
            unsafe {
                let mut status = 0;
                libc::waitpid(pid, &mut status, 0);
            }
        }
    }
}

/// The pids whose parent is this process, from /proc.
fn children_of_self() -> Vec<i32> {
    let me = std::process::id();
    let listed = std::fs::read_to_string(format!("/proc/{me}/task/{me}/children"));
    if let Ok(listed) = listed {
        return listed
            .split_whitespace()
            .filter_map(|pid| pid.parse().ok())
            .collect();
    }
    // Kernels without CONFIG_PROC_CHILDREN: read every process's parent.
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .filter_map(|entry| entry.ok()?.file_name().to_str()?.parse::<i32>().ok())
        .filter(|pid| parent_of(*pid) == Some(me as i32))
        .collect()
}

fn parent_of(pid: i32) -> Option<i32> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name, in parentheses, may contain spaces: the fields after its last `)` are
    // state, then the parent's pid.
    let after_name = &stat[stat.rfind(')')? + 1..];
    after_name.split_whitespace().nth(1)?.parse().ok()
}

/// One `read(2)` of at most `max` bytes from `fd` into a new buffer (empty at end-of-file).
/// Reading into the vector's spare capacity spares zeroing it first, which at 64 KiB a chunk
/// would cost as much as the read itself.
pub(crate) fn read_chunk(fd: RawFd, max: usize) -> io::Result<Vec<u8>> {
    let mut chunk: Vec<u8> = Vec::with_capacity(max);
    // SAFETY: the pointer and length describe the vector's own spare capacity, which read(2)
    // may fill; the length is set only to what it reports having written.
    unsafe {
        let count = libc::read(fd, chunk.as_mut_ptr().cast(), max);
        if count < 0 {
            return Err(io::Error::last_os_error());
        }
        chunk.set_len(count as usize);
    }
    Ok(chunk)
}

/// The 1-minute load average, as `uptime` shows it; `None` if the system cannot tell.
pub(crate) fn load_average() -> Option<f64> {
    let mut loads = [0.0f64; 1];
    // SAFETY: getloadavg writes at most `nelem` (1) doubles into the array it is given.
    let filled = unsafe { libc::getloadavg(loads.as_mut_ptr(), 1) };
    (filled == 1).then_some(loads[0])
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

/// Frees the disk blocks of `len` bytes of the file `fd` from `offset`, keeping its size: the
/// range then reads as zeros (a sparse file). Linux only; elsewhere it is `Unsupported`.
pub(crate) fn punch_hole(fd: RawFd, offset: u64, len: u64) -> io::Result<()> {
    #[cfg(target_os = "linux")]
    {
        let (Ok(offset), Ok(len)) = (libc::off_t::try_from(offset), libc::off_t::try_from(len))
        else {
            return Err(io::Error::from(io::ErrorKind::InvalidInput));
        };
        // SAFETY: fallocate(2) only reads its integer arguments; a bad descriptor or an
        // unsupported file system is an error return, not undefined behaviour.
        let result = unsafe {
            libc::fallocate(
                fd,
                libc::FALLOC_FL_PUNCH_HOLE | libc::FALLOC_FL_KEEP_SIZE,
                offset,
                len,
            )
        };
        if result == 0 {
            Ok(())
        } else {
            Err(io::Error::last_os_error())
        }
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = (fd, offset, len);
        Err(io::Error::from(io::ErrorKind::Unsupported))
    }
}
