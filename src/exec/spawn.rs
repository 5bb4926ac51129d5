//! The seam between deciding what runs and running it. The main types here are the [`Spawn`]
//! trait and its local implementation, [`LocalSpawner`].
//!
//! A spawner runs one task's commands in order and reports back through [`ExecEvent`]s; the
//! scheduler never touches a process directly. Today's implementation runs local processes;
//! tests use a scripted one, and remote workers can implement the same trait later.

use std::io;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicI32, Ordering};
use std::sync::mpsc::SyncSender;
use std::time::{Duration, Instant};

use super::capture::{Idle, drain_pipes};
use super::os::{signal_group, signal_process};
use super::{ExecEvent, Exit, JobResult, OutputMode, Spool};
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

/// Starts jobs. Each started job sends exactly one [`ExecEvent::Finished`] when it is over.
pub(crate) trait Spawn {
    fn start(&self, job: Job, events: SyncSender<ExecEvent>) -> Box<dyn Control>;
}

/// Runs jobs as local processes, one worker thread per running job.
#[derive(Debug, Default)]
pub(crate) struct LocalSpawner;

impl Spawn for LocalSpawner {
    fn start(&self, job: Job, events: SyncSender<ExecEvent>) -> Box<dyn Control> {
        let group = Arc::new(Group::new(job.own_group));
        let worker_group = Arc::clone(&group);
        let task = job.task;
        let worker_events = events.clone();
        let spawned = std::thread::Builder::new()
            .name(format!("rask-task-{}", task.0))
            .spawn(move || {
                let (result, spool) = run_job(&job, &worker_group, &worker_events);
                // A closed channel means the scheduler is gone; nobody is left to tell.
                let _ = worker_events.send(ExecEvent::Finished {
                    task,
                    result,
                    spool,
                });
            });
        if let Err(error) = spawned {
            let result = spawn_failed(0, "cannot start a worker thread", &error);
            let _ = events.send(ExecEvent::Finished {
                task,
                result,
                spool: None,
            });
        }
        Box::new(LocalControl(group))
    }
}

/// The process group a job's current command runs in, shared by the worker and its [`Control`].
#[derive(Debug)]
struct Group {
    /// The running command's process group (its leader's pid); 0 between commands.
    pgid: AtomicI32,
    /// The last signal asked for; 0 if none. Once set, no further command starts.
    stop_signal: AtomicI32,
    own_group: bool,
}

impl Group {
    fn new(own_group: bool) -> Group {
        Group {
            pgid: AtomicI32::new(0),
            stop_signal: AtomicI32::new(0),
            own_group,
        }
    }

    fn stop_requested(&self) -> i32 {
        self.stop_signal.load(Ordering::SeqCst)
    }

    fn deliver(&self, pgid: i32, signal: i32) {
        if pgid <= 0 {
            return;
        }
        if self.own_group {
            signal_group(pgid, signal);
        } else {
            signal_process(pgid, signal);
        }
    }

    /// Publishes a freshly spawned command; if a stop arrived while it was starting, the
    /// command gets the signal now (the Control saw no pgid to send it to).
    fn started(&self, pgid: i32) {
        self.pgid.store(pgid, Ordering::SeqCst);
        let signal = self.stop_requested();
        if signal != 0 {
            self.deliver(pgid, signal);
        }
    }

    /// The command's leader has exited: kill whatever it left behind in its group, so no
    /// background process outlives its task (and none holds the output pipes open).
    fn finished(&self) {
        let pgid = self.pgid.swap(0, Ordering::SeqCst);
        if self.own_group {
            self.deliver(pgid, libc::SIGKILL);
        }
    }
}

struct LocalControl(Arc<Group>);

impl Control for LocalControl {
    fn signal(&self, signal: i32) {
        self.0.stop_signal.store(signal, Ordering::SeqCst);
        self.0.deliver(self.0.pgid.load(Ordering::SeqCst), signal);
    }
}

/// How long output is still read after a command's group was killed, before giving up on a
/// process that escaped the group (e.g. with `setsid`) but kept the pipes open.
const LINGER: Duration = Duration::from_secs(1);

fn run_job(job: &Job, group: &Group, events: &SyncSender<ExecEvent>) -> (JobResult, Option<Spool>) {
    let mut spool = match job.output {
        OutputMode::Grouped => match Spool::new() {
            Ok(spool) => Some(spool),
            Err(error) => return (spawn_failed(0, "cannot create a spool file", &error), None),
        },
        OutputMode::Inherit | OutputMode::Prefixed => None,
    };
    for (index, command) in job.commands.iter().enumerate() {
        if group.stop_requested() != 0 {
            return (JobResult::Stopped, spool);
        }
        let _ = events.send(ExecEvent::CommandStarted {
            task: job.task,
            index,
        });
        match run_command(job, command, group, events, spool.as_mut()) {
            Ok(exit) if exit.succeeded() => {}
            Ok(exit) => {
                return (
                    JobResult::Failed {
                        exit,
                        command: index,
                    },
                    spool,
                );
            }
            Err(error) => {
                let program = command.argv.first().map(String::as_str).unwrap_or_default();
                // A missing working directory fails the spawn with the same error as a
                // missing program; say which it was.
                let what = if job.dir.is_dir() {
                    format!("cannot run `{program}`")
                } else {
                    format!("cannot enter working directory `{}`", job.dir.display())
                };
                return (spawn_failed(index, &what, &error), spool);
            }
        }
    }
    (JobResult::Succeeded, spool)
}

fn spawn_failed(command: usize, what: &str, error: &io::Error) -> JobResult {
    JobResult::SpawnFailed {
        message: format!("{what}: {error}"),
        command,
    }
}

/// Runs one command to its end; `Err` only when it could not be started.
fn run_command(
    job: &Job,
    command: &PlannedCommand,
    group: &Group,
    events: &SyncSender<ExecEvent>,
    spool: Option<&mut Spool>,
) -> io::Result<Exit> {
    let (program, args) = command
        .argv
        .split_first()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "empty command"))?;
    let mut expression = duct::cmd(program, args).dir(&job.dir).unchecked();
    for (name, value) in &job.env {
        expression = expression.env(name, value);
    }
    if job.own_group {
        expression = expression.before_spawn(|command| {
            use std::os::unix::process::CommandExt;
            command.process_group(0);
            Ok(())
        });
    }
    match (job.output, spool) {
        (OutputMode::Grouped, Some(spool)) => {
            let expression = expression
                .stdin_null()
                .stdout_file(spool.stdout.try_clone()?)
                .stderr_file(spool.stderr.try_clone()?);
            wait_for(&expression.start()?, group)
        }
        (OutputMode::Prefixed, _) | (OutputMode::Grouped, None) => {
            let (stdout_reader, stdout_writer) = io::pipe()?;
            let (stderr_reader, stderr_writer) = io::pipe()?;
            let handle = expression
                .stdin_null()
                .stdout_file(stdout_writer)
                .stderr_file(stderr_writer)
                .start()?;
            // duct drops its copies of the write ends once the child is spawned, so the pipes
            // reach end-of-file when the child's group is gone.
            started(&handle, group);
            let mut leader_exit: Option<(Exit, Instant)> = None;
            drain_pipes(job.task, stdout_reader, stderr_reader, events, || {
                idle_check(&handle, group, &mut leader_exit)
            })?;
            let exit = match leader_exit {
                Some((exit, _)) => exit,
                None => Exit::from_status(handle.wait()?.status),
            };
            group.finished();
            Ok(exit)
        }
        (OutputMode::Inherit, _) => wait_for(&expression.start()?, group),
    }
}

fn started(handle: &duct::Handle, group: &Group) {
    let pid = handle.pids().first().copied().unwrap_or(0);
    group.started(pid as i32);
}

/// Waits for a command whose output needs no draining, then cleans up its group.
fn wait_for(handle: &duct::Handle, group: &Group) -> io::Result<Exit> {
    started(handle, group);
    let status = handle.wait()?.status;
    group.finished();
    Ok(Exit::from_status(status))
}

/// While pipes stay open: once the leader has exited, kill its group; if the pipes are still
/// open `LINGER` later, something escaped the group and holds them, so stop reading.
fn idle_check(
    handle: &duct::Handle,
    group: &Group,
    leader_exit: &mut Option<(Exit, Instant)>,
) -> Idle {
    if let Some((_, since)) = leader_exit {
        return if since.elapsed() > LINGER {
            Idle::GiveUp
        } else {
            Idle::KeepDraining
        };
    }
    if let Ok(Some(output)) = handle.try_wait() {
        *leader_exit = Some((Exit::from_status(output.status), Instant::now()));
        group.finished();
    }
    Idle::KeepDraining
}
