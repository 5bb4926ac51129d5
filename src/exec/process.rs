//! Local processes for one job: starting each command in its own process group, draining its
//! output, waiting for it, and cleaning up what it leaves behind. The main type here is
//! [`Group`], shared by the job's worker and its [`Control`].

use std::io::{self, PipeReader};
use std::sync::Arc;
use std::sync::atomic::{AtomicI32, Ordering};
use std::sync::mpsc::SyncSender;
use std::time::{Duration, Instant};

use super::capture::{Idle, drain_pipes};
use super::os::{signal_group, signal_process};
use super::{Control, ExecEvent, Exit, Job, JobResult, OutputMode, Spool};

/// The process group a job's current command runs in.
#[derive(Debug)]
pub(super) struct Group {
    /// The running command's process group (its leader's pid); 0 between commands.
    pgid: AtomicI32,
    /// The last signal asked for; 0 if none. Once set, no further command starts.
    stop_signal: AtomicI32,
    own_group: bool,
}

impl Group {
    pub(super) fn new(own_group: bool) -> Group {
        Group {
            pgid: AtomicI32::new(0),
            stop_signal: AtomicI32::new(0),
            own_group,
        }
    }

    fn stop_requested(&self) -> bool {
        self.stop_signal.load(Ordering::SeqCst) != 0
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
    fn started(&self, handle: &duct::Handle) {
        let pgid = handle.pids().first().copied().unwrap_or(0) as i32;
        self.pgid.store(pgid, Ordering::SeqCst);
        let signal = self.stop_signal.load(Ordering::SeqCst);
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

/// [`Control`] for local processes: signals the current command's group.
pub(super) struct LocalControl(pub(super) Arc<Group>);

impl Control for LocalControl {
    fn signal(&self, signal: i32) {
        self.0.stop_signal.store(signal, Ordering::SeqCst);
        self.0.deliver(self.0.pgid.load(Ordering::SeqCst), signal);
    }
}

/// A started command: its handle, and the read ends of its pipes in prefixed mode.
pub(super) struct RunningCommand {
    handle: duct::Handle,
    pipes: Option<(PipeReader, PipeReader)>,
}

/// A job whose first command was started (or could not be).
pub(super) struct JobStart {
    spool: Option<Spool>,
    first: Result<RunningCommand, JobResult>,
}

/// How long output is still read after a command's group was killed, before giving up on a
/// process that escaped the group (e.g. with `setsid`) but kept the pipes open.
const LINGER: Duration = Duration::from_secs(1);

/// Starts the job's first command.
pub(super) fn start_job(job: &Job, group: &Group) -> JobStart {
    let spool = match job.output {
        OutputMode::Grouped => match Spool::new() {
            Ok(spool) => Some(spool),
            Err(error) => {
                return JobStart {
                    spool: None,
                    first: Err(spawn_failed(
                        0,
                        "cannot create a spool file".to_owned(),
                        &error,
                    )),
                };
            }
        },
        OutputMode::Inherit | OutputMode::Prefixed => None,
    };
    let first = start_command(job, 0, group, spool.as_ref());
    JobStart { spool, first }
}

/// Runs the job to its end from its started first command; commands after the first are
/// announced with [`ExecEvent::CommandStarted`].
pub(super) fn finish_job(
    job: &Job,
    group: &Group,
    events: &SyncSender<ExecEvent>,
    start: JobStart,
) -> (JobResult, Option<Spool>) {
    let JobStart { spool, first } = start;
    let mut next = Some(first);
    for index in 0..job.commands.len() {
        let running = match next.take() {
            Some(first) => first,
            None if group.stop_requested() => return (JobResult::Stopped, spool),
            None => {
                let _ = events.send(ExecEvent::CommandStarted {
                    task: job.task,
                    index,
                });
                start_command(job, index, group, spool.as_ref())
            }
        };
        let exit = running.and_then(|running| {
            wait_command(job, running, group, events)
                .map_err(|error| spawn_failed(index, "lost the command".to_owned(), &error))
        });
        match exit {
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
            Err(result) => return (result, spool),
        }
    }
    (JobResult::Succeeded, spool)
}

fn spawn_failed(command: usize, what: String, error: &io::Error) -> JobResult {
    JobResult::SpawnFailed {
        message: format!("{what}: {error}"),
        command,
    }
}

/// Spawns command `index` of the job in its own process group, wired for the output mode.
fn start_command(
    job: &Job,
    index: usize,
    group: &Group,
    spool: Option<&Spool>,
) -> Result<RunningCommand, JobResult> {
    let argv = &job.commands[index].argv;
    spawn(job, argv, spool)
        .inspect(|running| group.started(&running.handle))
        .map_err(|error| {
            let program = argv.first().map(String::as_str).unwrap_or_default();
            // A missing working directory fails the spawn with the same error as a missing
            // program; say which it was.
            let what = if job.dir.is_dir() {
                format!("cannot run `{program}`")
            } else {
                format!("cannot enter working directory `{}`", job.dir.display())
            };
            spawn_failed(index, what, &error)
        })
}

fn spawn(job: &Job, argv: &[String], spool: Option<&Spool>) -> io::Result<RunningCommand> {
    let (program, args) = argv
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
        (OutputMode::Inherit, _) => Ok(RunningCommand {
            handle: expression.start()?,
            pipes: None,
        }),
        (OutputMode::Grouped, Some(spool)) => Ok(RunningCommand {
            handle: expression
                .stdin_null()
                .stdout_file(spool.stdout.try_clone()?)
                .stderr_file(spool.stderr.try_clone()?)
                .start()?,
            pipes: None,
        }),
        (OutputMode::Prefixed | OutputMode::Grouped, _) => {
            let (stdout_reader, stdout_writer) = io::pipe()?;
            let (stderr_reader, stderr_writer) = io::pipe()?;
            // The expression (and with it rask's copy of each write end) is dropped at the end
            // of this statement, so the pipes reach end-of-file when the child's group is gone.
            let handle = expression
                .stdin_null()
                .stdout_file(stdout_writer)
                .stderr_file(stderr_writer)
                .start()?;
            Ok(RunningCommand {
                handle,
                pipes: Some((stdout_reader, stderr_reader)),
            })
        }
    }
}

/// Waits for a started command (draining its pipes, if any), then kills its leftovers.
fn wait_command(
    job: &Job,
    running: RunningCommand,
    group: &Group,
    events: &SyncSender<ExecEvent>,
) -> io::Result<Exit> {
    let RunningCommand { handle, pipes } = running;
    let Some((stdout, stderr)) = pipes else {
        let status = handle.wait()?.status;
        group.finished();
        return Ok(Exit::from_status(status));
    };
    let mut leader_exit: Option<(Exit, Instant)> = None;
    drain_pipes(job.task, stdout, stderr, events, || {
        idle_check(&handle, group, &mut leader_exit)
    })?;
    let exit = match leader_exit {
        Some((exit, _)) => exit,
        None => Exit::from_status(handle.wait()?.status),
    };
    group.finished();
    Ok(exit)
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
