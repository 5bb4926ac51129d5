//! The seam between deciding what runs and running it. The main types here are the [`Spawn`]
//! trait and its local implementation, [`LocalSpawner`].
//!
//! A spawner runs one task's commands in order and reports back through [`ExecEvent`]s; the
//! scheduler never touches a process directly. Today's implementation runs local processes;
//! tests use a scripted one, and remote workers can implement the same trait later.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::mpsc::SyncSender;

use super::pool::WorkerPool;
use super::process::{Group, LocalControl, finish_job, start_job};
use super::{ExecEvent, JobResult, OutputMode};
use crate::graph::{PlannedCommand, TaskId};

/// Everything needed to run one task, owned so it can cross threads (or, later, machines).
#[derive(Debug, Clone)]
pub(crate) struct Job {
    pub(crate) task: TaskId,
    pub(crate) commands: Vec<PlannedCommand>,
    pub(crate) dir: PathBuf,
    /// Variables set on top of rask's own environment, applied in order.
    pub(crate) env: Vec<(String, String)>,
    pub(crate) output: OutputMode,
    /// Put the task in a process group of its own. Off only for a lone task in the foreground
    /// of a terminal, which must stay in rask's group to get the terminal and its Ctrl-C.
    pub(crate) own_group: bool,
}

/// A handle to a running job, to ask it to stop.
pub(crate) trait Control: Send {
    /// Delivers `signal` to everything the job is running now, and stops it from starting
    /// further commands.
    fn signal(&self, signal: i32);
}

/// Starts jobs. When `start` returns, the job's first command has been started (or has failed
/// to start); each started job sends exactly one [`ExecEvent::Finished`] when it is over, and an
/// [`ExecEvent::CommandStarted`] before each command after the first.
pub(crate) trait Spawn {
    fn start(&self, job: Job, events: SyncSender<ExecEvent>) -> Box<dyn Control>;
}

/// Runs jobs as local processes. The first command is spawned on the caller's (the
/// scheduler's) thread, so a freed job slot is refilled without a thread hop; a pooled worker
/// then waits for it, drains its output and runs the job's remaining commands.
#[derive(Default)]
pub(crate) struct LocalSpawner {
    pool: WorkerPool,
}

impl Spawn for LocalSpawner {
    fn start(&self, job: Job, events: SyncSender<ExecEvent>) -> Box<dyn Control> {
        let group = Arc::new(Group::new(job.own_group));
        let start = start_job(&job, &group);
        let worker_group = Arc::clone(&group);
        let task = job.task;
        let worker_events = events.clone();
        let submitted = self.pool.execute(move || {
            let (result, spool) = finish_job(&job, &worker_group, &worker_events, start);
            // A closed channel means the scheduler is gone; nobody is left to tell.
            let _ = worker_events.send(ExecEvent::Finished {
                task,
                result,
                spool,
            });
        });
        if let Err(error) = submitted {
            // No worker: stop what was started, and report the job from here. The channel has
            // room: the scheduler sends this only once per job slot it frees.
            LocalControl(Arc::clone(&group)).signal(libc::SIGKILL);
            let result = JobResult::SpawnFailed {
                message: format!("cannot start a worker thread: {error}"),
                command: 0,
            };
            let _ = events.try_send(ExecEvent::Finished {
                task,
                result,
                spool: None,
            });
        }
        Box::new(LocalControl(group))
    }
}
