//! Reusable worker threads. The main type here is [`WorkerPool`].
//!
//! Creating a thread per task costs a clone, a stack mapping and a context switch on every
//! task; with a thousand small tasks that is most of rask's overhead. Workers here wait for
//! the next piece of work instead. There are never more workers than tasks running at once.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Mutex};

type Work = Box<dyn FnOnce() + Send>;

pub(crate) struct WorkerPool {
    sender: Mutex<Sender<Work>>,
    receiver: Arc<Mutex<Receiver<Work>>>,
    /// Workers waiting for work that no submitted work has claimed yet.
    idle: Arc<AtomicUsize>,
}

impl Default for WorkerPool {
    fn default() -> Self {
        let (sender, receiver) = channel();
        WorkerPool {
            sender: Mutex::new(sender),
            receiver: Arc::new(Mutex::new(receiver)),
            idle: Arc::new(AtomicUsize::new(0)),
        }
    }
}

impl WorkerPool {
    /// Runs `work` on an idle worker, or on a new one if none is idle. Every piece of work gets
    /// a worker of its own at once: work here blocks on a child process, so two pieces must
    /// never queue behind each other.
    pub(crate) fn execute(&self, work: impl FnOnce() + Send + 'static) -> std::io::Result<()> {
        let claimed = self
            .idle
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |idle| {
                idle.checked_sub(1)
            })
            .is_ok();
        if !claimed {
            self.add_worker()?;
        }
        self.sender
            .lock()
            .map_err(|_| std::io::Error::other("worker pool lock poisoned"))?
            .send(Box::new(work))
            .map_err(|_| std::io::Error::other("worker pool is shut down"))
    }

    fn add_worker(&self) -> std::io::Result<()> {
        let receiver = Arc::clone(&self.receiver);
        let idle = Arc::clone(&self.idle);
        std::thread::Builder::new()
            .name("rask-worker".to_owned())
            .spawn(move || {
                loop {
                    // Holding the lock only while receiving: one waiter at a time takes work.
                    let work = match receiver.lock() {
                        Ok(receiver) => receiver.recv(),
                        Err(_) => return,
                    };
                    let Ok(work) = work else { return };
                    work();
                    idle.fetch_add(1, Ordering::SeqCst);
                }
            })
            .map(drop)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Barrier;

    #[test]
    fn concurrent_work_never_waits_for_a_worker() {
        // Each piece blocks until all have started: this deadlocks unless each got its own worker.
        let pool = WorkerPool::default();
        let barrier = Arc::new(Barrier::new(4));
        let (done, finished) = channel();
        for _ in 0..4 {
            let barrier = Arc::clone(&barrier);
            let done = done.clone();
            pool.execute(move || {
                barrier.wait();
                done.send(()).expect("test receiver alive");
            })
            .expect("pool accepts work");
        }
        for _ in 0..4 {
            finished
                .recv_timeout(std::time::Duration::from_secs(10))
                .expect("every piece of work ran");
        }
    }

    #[test]
    fn workers_are_reused() {
        let pool = WorkerPool::default();
        for _ in 0..3 {
            let (done, finished) = channel();
            pool.execute(move || {
                done.send(std::thread::current().id())
                    .expect("receiver alive")
            })
            .expect("pool accepts work");
            finished.recv().expect("work ran");
            // Wait until the worker has made itself idle again before the next submission.
            while pool.idle.load(Ordering::SeqCst) == 0 {
                std::thread::yield_now();
            }
        }
        assert_eq!(
            pool.idle.load(Ordering::SeqCst),
            1,
            "one worker served all three"
        );
    }
}
