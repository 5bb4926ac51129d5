//! Slow per-task work (up-to-date checks: globbing, hashing, restoring) kept off the
//! scheduler's poll thread. The main type here is [`Offload`].
//!
//! The scheduler stays single-threaded in its state: it hands a worker a closure over owned
//! data, and the worker only computes. Each finished result is queued on a channel and
//! announced by one byte on a socket pair whose read end the poll loop polls beside its
//! tasks, so a check that takes seconds never stalls other tasks' output, and a result wakes
//! the loop at once. The worker threads start on the first submission: a run without
//! `sources` starts none.

use std::io::{Read, Write};
use std::os::fd::{AsRawFd, RawFd};
use std::os::unix::net::UnixStream;
use std::sync::{Arc, Mutex, mpsc};

use crate::graph::TaskId;

/// Work for one task, computed on a worker thread.
pub(crate) type Work<T> = Box<dyn FnOnce() -> T + Send>;

/// How many worker threads compute at once. Two: the checks themselves hash in parallel
/// where it pays (large trees), and rask must leave cores to the tasks it runs.
const WORKERS: usize = 2;

/// A small pool of worker threads whose results come back through a pollable descriptor.
pub(crate) struct Offload<T> {
    /// Started lazily, see [`Offload::submit`].
    workers: Option<Workers<T>>,
    /// Submitted and not yet taken back.
    pending: usize,
}

struct Workers<T> {
    /// Dropping it ends the workers once the queue is empty.
    work: mpsc::Sender<(TaskId, Work<T>)>,
    results: mpsc::Receiver<(TaskId, T)>,
    /// Readable when a result is queued; one byte per result.
    wake: UnixStream,
}

impl<T: Send + 'static> Offload<T> {
    pub(crate) fn new() -> Self {
        Offload {
            workers: None,
            pending: 0,
        }
    }

    /// Queues `work` for `task`. `Err` gives the work back when no thread or socket can be
    /// had, so the caller can compute it in place rather than lose it.
    pub(crate) fn submit(&mut self, task: TaskId, work: Work<T>) -> Result<(), Work<T>> {
        if self.workers.is_none() {
            match Workers::start() {
                Ok(workers) => self.workers = Some(workers),
                Err(_) => return Err(work),
            }
        }
        let workers = self.workers.as_ref().expect("started just above");
        match workers.work.send((task, work)) {
            Ok(()) => {
                self.pending += 1;
                Ok(())
            }
            Err(mpsc::SendError((_, work))) => Err(work),
        }
    }

    /// How many results are still to come.
    pub(crate) fn pending(&self) -> usize {
        self.pending
    }

    /// The descriptor to poll while results are pending.
    pub(crate) fn fd(&self) -> Option<RawFd> {
        self.workers
            .as_ref()
            .map(|workers| workers.wake.as_raw_fd())
    }

    /// Every result finished so far, without blocking.
    pub(crate) fn take_finished(&mut self) -> Vec<(TaskId, T)> {
        let Some(workers) = &self.workers else {
            return Vec::new();
        };
        let mut drained = [0u8; 64];
        // The bytes only wake the loop; the channel holds the results.
        while let Ok(read) = (&workers.wake).read(&mut drained) {
            if read < drained.len() {
                break;
            }
        }
        let finished: Vec<_> = workers.results.try_iter().collect();
        self.pending -= finished.len();
        finished
    }
}

impl<T: Send + 'static> Workers<T> {
    fn start() -> std::io::Result<Workers<T>> {
        let (wake, wake_writer) = UnixStream::pair()?;
        wake.set_nonblocking(true)?;
        let (work, queue) = mpsc::channel::<(TaskId, Work<T>)>();
        let (finished, results) = mpsc::channel();
        let queue = Arc::new(Mutex::new(queue));
        for index in 0..WORKERS {
            let queue = Arc::clone(&queue);
            let finished = finished.clone();
            let mut wake_writer = wake_writer.try_clone()?;
            // Never joined: a run that is interrupted leaves without waiting for a long hash;
            // what the work writes is written atomically, so abandoning it is safe.
            std::thread::Builder::new()
                .name(format!("rask-check-{index}"))
                .spawn(move || {
                    loop {
                        // The lock is held only to take the next item, never while computing.
                        let next = queue.lock().map(|queue| queue.recv());
                        let Ok(Ok((task, work))) = next else {
                            return;
                        };
                        let result = work();
                        if finished.send((task, result)).is_err() {
                            return;
                        }
                        // A full socket buffer already means "wake up"; the byte is optional.
                        let _ = wake_writer.write(&[1]);
                    }
                })?;
        }
        Ok(Workers {
            work,
            results,
            wake,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exec::os::{poll, readable};

    #[test]
    fn results_arrive_through_the_descriptor() {
        let mut offload = Offload::new();
        assert_eq!(offload.fd(), None, "no thread before the first submission");
        for task in 0..5 {
            offload
                .submit(TaskId(task), Box::new(move || task * 10))
                .unwrap_or_else(|_| panic!("workers start"));
        }
        let mut results = Vec::new();
        while offload.pending() > 0 {
            let mut fds = [readable(offload.fd().expect("workers started"))];
            poll(&mut fds, None).expect("poll");
            results.extend(offload.take_finished());
        }
        results.sort();
        let expected: Vec<_> = (0..5).map(|task| (TaskId(task), task * 10)).collect();
        assert_eq!(results, expected);
    }
}
