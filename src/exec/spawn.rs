//! The seam between deciding what runs and running it. The main types here are the [`Spawn`]
//! and [`RunningJob`] traits and their local implementation, [`LocalSpawner`].
//!
//! The scheduler never touches a process: it starts jobs through [`Spawn`], polls the
//! descriptors each [`RunningJob`] names, and lets the job advance when one is ready. Local
//! jobs name their pipes and a pidfd; tests use scripted jobs; a remote worker would name its
//! connection. Everything runs on the scheduler's one thread, with no hop between a child's
//! exit and the start of the next task.

use std::os::fd::RawFd;
use std::path::PathBuf;
use std::rc::Rc;
use std::sync::Arc;
use std::time::Instant;

use super::JobEvent;
use super::posix_spawn::Launcher;
use super::process::LocalJob;
use crate::events::{Exit, OutputMode};
use crate::graph::{PlannedChecks, PlannedCommand};

/// Everything needed to run one task, owned so it can outlive the plan's borrow (and, later,
/// cross to another machine).
#[derive(Debug, Clone)]
pub(crate) struct Job {
    pub(crate) commands: Vec<PlannedCommand>,
    /// Run before the commands, in the order [`Sequence`](super::sequence::Sequence) gives.
    pub(crate) checks: PlannedChecks,
    /// `settings.shell`, for the shell lines among the commands and every check.
    pub(crate) shell: Arc<[String]>,
    /// The task's `ignore_errors`: its first failure ends it, but as "failed, ignored".
    pub(crate) ignore_errors: bool,
    /// Where to run, if not in rask's own working directory (saving a `chdir` per command).
    pub(crate) dir: Option<PathBuf>,
    /// Variables set on top of rask's own environment, one per name.
    pub(crate) env: Vec<(String, String)>,
    /// Variables removed from rask's environment for the job (`{ unset = true }`).
    pub(crate) env_remove: Vec<String>,
    pub(crate) output: OutputMode,
    /// Put the task in a process group of its own. Off only for a lone task in the foreground
    /// of a terminal, which must stay in rask's group to get the terminal and its Ctrl-C.
    pub(crate) own_group: bool,
    /// Grouped mode: past this many bytes per stream, only the head and tail are kept.
    pub(crate) spool_max_size: u64,
}

/// Starts jobs. When `start` returns, the job's first process has been started (or has failed
/// to start, which the job reports as its result); a command it starts is announced through
/// `report` first, as [`RunningJob::advance`] announces later ones.
pub(crate) trait Spawn {
    fn start(&self, job: Job, report: &mut dyn FnMut(JobEvent)) -> Box<dyn RunningJob>;
}

/// A descriptor that poll reported ready, as the scheduler hands it to the job that owns it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Ready {
    pub(crate) fd: RawFd,
    /// Hung up with nothing to read (`POLLHUP` without `POLLIN`): a pipe whose writers are all
    /// gone and whose buffer is empty. Reading it would only return end-of-file, a system call
    /// per pipe per task that this spares.
    pub(crate) hung_up_empty: bool,
}

impl Ready {
    /// What poll reported for `pollfd`; `None` if it is not ready.
    pub(crate) fn from_poll(pollfd: &libc::pollfd) -> Option<Ready> {
        (pollfd.revents != 0).then_some(Ready {
            fd: pollfd.fd,
            hung_up_empty: pollfd.revents & libc::POLLIN == 0
                && pollfd.revents & libc::POLLHUP != 0,
        })
    }
}

/// A started job, driven by the scheduler's poll loop.
pub(crate) trait RunningJob {
    /// Adds the descriptors whose readiness means the job can make progress.
    fn fds(&self, out: &mut Vec<RawFd>);
    /// When to call [`RunningJob::advance`] even if no descriptor became ready.
    fn wake_at(&self) -> Option<Instant>;
    /// Makes progress without blocking: reads what output is there, notices exits, starts the
    /// next command. `ready` are the job's descriptors that poll reported ready. Reports
    /// [`JobEvent::Finished`] exactly once, after which it is not called again.
    fn advance(&mut self, ready: &[Ready], report: &mut dyn FnMut(JobEvent));
    /// Goes on after the task call the job stopped at ([`JobEvent::Call`]), which ended
    /// with `exit` (success, or the failure the job ends with).
    fn resume(&mut self, exit: Exit, report: &mut dyn FnMut(JobEvent));
    /// Delivers `signal` to everything the job is running now; no further command starts.
    fn signal(&mut self, signal: i32);
    /// Kills everything the job is running now and reaps it, without waiting for its output
    /// to end: rask stops waiting for the job. Jobs without processes of their own just stop.
    fn abandon(&mut self) {
        self.signal(libc::SIGKILL);
    }
    /// Delivers `signal` to what the job is running now without stopping the job: a reload
    /// (`watch_signal`). Jobs that cannot tell the two apart stop.
    fn notify(&mut self, signal: i32) {
        self.signal(signal);
    }
}

/// Runs jobs as local processes. One per run: it reads rask's environment when created.
#[derive(Debug)]
pub(crate) struct LocalSpawner {
    launcher: Rc<Launcher>,
}

impl LocalSpawner {
    pub(crate) fn new() -> LocalSpawner {
        LocalSpawner {
            launcher: Rc::new(Launcher::new()),
        }
    }
}

impl Spawn for LocalSpawner {
    fn start(&self, job: Job, report: &mut dyn FnMut(JobEvent)) -> Box<dyn RunningJob> {
        Box::new(LocalJob::start(Rc::clone(&self.launcher), job, report))
    }
}
