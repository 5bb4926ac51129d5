//! One job as local processes: each command in its own process group, its output read from
//! pipes when poll says they are ready, its exit noticed through a pidfd, and whatever it
//! leaves behind killed. The main type here is [`LocalJob`].

use std::ffi::OsStr;
use std::io::{self, ErrorKind, PipeReader};
use std::os::fd::{AsRawFd, OwnedFd, RawFd};
use std::os::unix::process::ExitStatusExt;
use std::process::ExitStatus;
use std::rc::Rc;
use std::time::{Duration, Instant};

use super::os::{
    kill_adopted_orphans, pidfd_open, read_chunk, reap, reap_killed, signal_group, signal_process,
};
use super::posix_spawn::{ChildSpec, ChildStdio, Launcher};
use super::script::ScriptFile;
use super::sequence::{self, Next, Sequence, Step};
use super::{Job, JobEvent, JobResult, Ready, RunningJob, Spool};
use crate::events::{Exit, OutputMode, Stream, Usage};

/// How long output is still read after a command's group was killed, before giving up on a
/// process that escaped the group (e.g. with `setsid`) but kept the pipes open.
const LINGER: Duration = Duration::from_secs(1);

/// Without pidfds, how often to check whether a command has exited.
const EXIT_CHECK: Duration = Duration::from_millis(5);

/// The most read from one pipe per wake-up: a pipe's default capacity on Linux. One chatty
/// task cannot starve the others, and memory stays bounded.
const CHUNK: usize = 64 * 1024;

pub(crate) struct LocalJob {
    job: Job,
    /// The run's launcher, shared by its jobs: the prepared environments and `/dev/null`.
    launcher: Rc<Launcher>,
    spool: Option<Spool>,
    /// Which of the job's checks and commands come next.
    sequence: Sequence,
    /// The command (or check) running now, if any.
    current: Option<RunningCommand>,
    /// The task call (command index) the job waits at, if it does.
    calling: Option<usize>,
    /// Set when the job is over, until reported.
    result: Option<JobResult>,
    /// The last signal asked for; once set, no further command starts.
    stop_signal: Option<i32>,
    /// What the commands that have ended cost, added up (checks are not counted).
    usage: Option<Usage>,
}

struct RunningCommand {
    step: Step,
    /// A script command's file, removed when the command is done with.
    #[expect(
        dead_code,
        reason = "held for its drop: the file lives as long as the command"
    )]
    script: Option<ScriptFile>,
    /// The leader's pid, which is also its process group's id.
    pid: i32,
    pidfd: Option<OwnedFd>,
    /// Without a pidfd: when to look for the exit next.
    next_exit_check: Instant,
    pipes: Vec<(Stream, PipeReader)>,
    /// When the leader exited, and how.
    exit: Option<(Exit, Instant)>,
}

impl LocalJob {
    pub(crate) fn start(
        launcher: Rc<Launcher>,
        job: Job,
        report: &mut dyn FnMut(JobEvent),
    ) -> LocalJob {
        let mut local = LocalJob {
            job,
            launcher,
            spool: None,
            sequence: Sequence::default(),
            current: None,
            calling: None,
            result: None,
            stop_signal: None,
            usage: None,
        };
        match local.job.output {
            OutputMode::Grouped => match Spool::new(local.job.spool_max_size) {
                Ok(spool) => local.spool = Some(spool),
                Err(error) => {
                    local.result = Some(spawn_failed(
                        0,
                        "cannot create a spool file".to_owned(),
                        &error,
                    ));
                    return local;
                }
            },
            OutputMode::Prefixed | OutputMode::Inherit => {}
        }
        let first = local.sequence.first(&local.job);
        local.proceed(first, report);
        local
    }

    /// Starts the next step (announcing it if it is a command), or records the job's result.
    fn proceed(&mut self, next: Next, report: &mut dyn FnMut(JobEvent)) {
        match next {
            Next::Finish(result) => self.result = Some(result),
            Next::Run(_) if self.stop_signal.is_some() => self.result = Some(JobResult::Stopped),
            Next::Run(step) => {
                if let Step::Command(index) = step {
                    report(JobEvent::CommandStarted { index });
                    if self.job.commands[index].call.is_some() {
                        self.calling = Some(index);
                        report(JobEvent::Call { index });
                        return;
                    }
                }
                self.start_step(step);
            }
        }
    }

    /// Starts `step`, or records why it could not start.
    fn start_step(&mut self, step: Step) {
        match spawn(&self.launcher, &self.job, step, self.spool.as_ref()) {
            Ok(command) => self.current = Some(command),
            Err(error) => {
                let program = sequence::argv(&self.job, step)
                    .first()
                    .map_or_else(|| "a script".to_owned(), |&program| program.to_owned());
                // A missing working directory fails the spawn with the same error as a missing
                // program; say which it was.
                let what = match &self.job.dir {
                    Some(dir) if !dir.is_dir() => {
                        format!("cannot enter working directory `{}`", dir.display())
                    }
                    _ => format!("cannot run `{program}`"),
                };
                let index = match step {
                    Step::Command(index) | Step::CommandCondition(index) => index,
                    Step::Condition | Step::Precondition(_) | Step::Status(_) => 0,
                };
                self.result = Some(spawn_failed(index, what, &error));
            }
        }
    }

    fn deliver(&self, pid: i32, signal: i32) {
        if self.job.own_group {
            signal_group(pid, signal);
        } else {
            signal_process(pid, signal);
        }
    }

    /// Reads at most one chunk from each ready pipe; drops pipes at end-of-file.
    fn read_output(&mut self, ready: &[Ready], report: &mut dyn FnMut(JobEvent)) {
        let Some(command) = &mut self.current else {
            return;
        };
        command.pipes.retain_mut(|(stream, pipe)| {
            let Some(ready) = ready.iter().find(|ready| ready.fd == pipe.as_raw_fd()) else {
                return true;
            };
            if ready.hung_up_empty {
                return false;
            }
            // A fresh buffer per chunk, handed on as the event's own bytes: no copy on the
            // way to the sinks, and the allocator hands the same block back next time.
            match read_chunk(pipe.as_raw_fd(), CHUNK) {
                Ok(bytes) if bytes.is_empty() => false,
                Ok(bytes) => {
                    report(JobEvent::Output {
                        stream: *stream,
                        bytes,
                    });
                    true
                }
                Err(error)
                    if matches!(error.kind(), ErrorKind::WouldBlock | ErrorKind::Interrupted) =>
                {
                    true
                }
                // Any other read error ends that stream; the exit status still decides.
                Err(_) => false,
            }
        });
    }

    /// Notices the leader's exit; kills what it left in its group, so no background process
    /// outlives its task (and none holds the pipes open).
    fn check_exit(&mut self) {
        let own_group = self.job.own_group;
        let Some(command) = &mut self.current else {
            return;
        };
        if command.exit.is_some() {
            return;
        }
        let reaped = match reap(command.pid) {
            Ok(reaped) => reaped,
            // Not our child any more (cannot happen: only this job waits for it); treat it as
            // gone rather than wait forever.
            Err(_) => Some((ExitStatus::from_raw(1 << 8), Usage::default())),
        };
        if let Some((status, usage)) = reaped {
            command.exit = Some((Exit::from_status(status), Instant::now()));
            if !command.step.is_check() {
                self.usage.get_or_insert_default().add(usage);
            }
            command.pidfd = None;
            if own_group {
                signal_group(command.pid, libc::SIGKILL);
            } else {
                // A foreground task shares rask's group, so its leftovers cannot be killed as a
                // group; rask is their subreaper instead, and they are its only children now.
                kill_adopted_orphans();
            }
        } else {
            command.next_exit_check = Instant::now() + EXIT_CHECK;
        }
    }

    /// Once the leader has exited and its output is drained (or given up on): the next
    /// command, or the job's result.
    fn complete_command(&mut self, report: &mut dyn FnMut(JobEvent)) {
        let Some(command) = &self.current else { return };
        let Some((exit, exited_at)) = command.exit else {
            return;
        };
        if !command.pipes.is_empty() && exited_at.elapsed() < LINGER {
            return;
        }
        let step = command.step;
        self.current = None;
        let next = self.sequence.after(&self.job, step, exit);
        self.proceed(next, report);
    }
}

impl RunningJob for LocalJob {
    fn fds(&self, out: &mut Vec<RawFd>) {
        if let Some(command) = &self.current {
            out.extend(command.pipes.iter().map(|(_, pipe)| pipe.as_raw_fd()));
            out.extend(command.pidfd.as_ref().map(AsRawFd::as_raw_fd));
        }
    }

    fn wake_at(&self) -> Option<Instant> {
        if self.calling.is_some() {
            return None;
        }
        let Some(command) = &self.current else {
            // Finished (or failed to start): report it at once.
            return Some(Instant::now());
        };
        let command_wake = match (command.exit, &command.pidfd) {
            (Some((_, exited_at)), _) => Some(exited_at + LINGER),
            (None, Some(_)) => None,
            (None, None) => Some(command.next_exit_check),
        };
        // A grouped task's spool is measured now and then, to bound the disk it takes.
        let spool_check = self.spool.as_ref().map(Spool::check_at);
        match (command_wake, spool_check) {
            (Some(command), Some(spool)) => Some(command.min(spool)),
            (command, spool) => command.or(spool),
        }
    }

    fn advance(&mut self, ready: &[Ready], report: &mut dyn FnMut(JobEvent)) {
        if let Some(spool) = &mut self.spool {
            spool.bound();
        }
        self.read_output(ready, report);
        self.check_exit();
        self.complete_command(report);
        if self.current.is_none() && self.calling.is_none() {
            let result = self.result.take().unwrap_or(JobResult::Stopped);
            report(JobEvent::Finished {
                result,
                spooled: self.spool.take().map(Spool::into_shared),
                usage: self.usage,
            });
        }
    }

    fn resume(&mut self, exit: Exit, report: &mut dyn FnMut(JobEvent)) {
        if let Some(index) = self.calling.take() {
            let next = self.sequence.after(&self.job, Step::Command(index), exit);
            self.proceed(next, report);
        }
    }

    fn signal(&mut self, signal: i32) {
        self.stop_signal = Some(signal);
        self.notify(signal);
    }

    fn notify(&mut self, signal: i32) {
        if let Some(command) = &self.current {
            if command.exit.is_none() {
                self.deliver(command.pid, signal);
            }
        }
    }

    fn abandon(&mut self) {
        self.signal(libc::SIGKILL);
        let own_group = self.job.own_group;
        let Some(command) = &mut self.current else {
            return;
        };
        if command.exit.is_none() {
            // The group got SIGKILL above; reaping the leader leaves no zombie behind.
            if let Some((status, usage)) = reap_killed(command.pid, LINGER) {
                command.exit = Some((Exit::from_status(status), Instant::now()));
                command.pidfd = None;
                if !command.step.is_check() {
                    self.usage.get_or_insert_default().add(usage);
                }
            }
        }
        if !own_group {
            // As in `check_exit`: a foreground task's leftovers are rask's adopted children.
            kill_adopted_orphans();
        }
    }
}

fn spawn_failed(command: usize, what: String, error: &io::Error) -> JobResult {
    JobResult::SpawnFailed {
        message: format!("{what}: {error}"),
        command,
    }
}

/// Spawns `step` of the job in its own process group, wired for the output mode; a check's
/// output is discarded.
///
/// Through [`Launcher`] (posix_spawn with the run's prepared environment blocks) rather than
/// duct or std's `Command`: duct reaps its children itself, and the rusage that `wait4`
/// returns on reaping is the only per-task CPU and memory figure there is (see [`reap`]);
/// `Command` rebuilds the whole environment for every spawn.
fn spawn(
    launcher: &Launcher,
    job: &Job,
    step: Step,
    spool: Option<&Spool>,
) -> io::Result<RunningCommand> {
    let script = match step {
        Step::Command(index) => job.commands[index]
            .script
            .as_ref()
            .map(|script| ScriptFile::write(&script.text))
            .transpose()?,
        _ => None,
    };
    let mut argv: Vec<&OsStr> = sequence::argv(job, step)
        .into_iter()
        .map(OsStr::new)
        .collect();
    if let (Some(file), Step::Command(index)) = (&script, step) {
        argv.push(file.path().as_os_str());
        let args = job.commands[index]
            .script
            .iter()
            .flat_map(|script| &script.args);
        argv.extend(args.map(OsStr::new));
    }
    // Blocking read ends are fine: they are read only after poll reported them ready, and one
    // read of a ready pipe returns at once. The write ends are rask's until the spawn and are
    // closed right after it (dropped with `writers`), so the pipes reach end-of-file when the
    // child's group is gone.
    let mut writers = Vec::new();
    let mut pipes = Vec::new();
    let stdio = match (job.output, spool) {
        _ if step.is_check() => [ChildStdio::Null; 3],
        (OutputMode::Inherit, _) => [ChildStdio::Inherit; 3],
        (OutputMode::Grouped, Some(spool)) => [
            ChildStdio::Null,
            ChildStdio::Fd(spool.stdout.as_raw_fd()),
            ChildStdio::Fd(spool.stderr.as_raw_fd()),
        ],
        (OutputMode::Prefixed | OutputMode::Grouped, _) => {
            let (stdout, stdout_writer) = io::pipe()?;
            let (stderr, stderr_writer) = io::pipe()?;
            let stdio = [
                ChildStdio::Null,
                ChildStdio::Fd(stdout_writer.as_raw_fd()),
                ChildStdio::Fd(stderr_writer.as_raw_fd()),
            ];
            writers.extend([stdout_writer, stderr_writer]);
            pipes.extend([(Stream::Stdout, stdout), (Stream::Stderr, stderr)]);
            stdio
        }
    };
    let pid = launcher.spawn(&ChildSpec {
        argv: &argv,
        dir: job.dir.as_deref(),
        env: &job.env,
        env_remove: &job.env_remove,
        own_group: job.own_group,
        stdio,
    })?;
    drop(writers);
    Ok(RunningCommand {
        step,
        script,
        pidfd: pidfd_open(pid),
        next_exit_check: Instant::now() + EXIT_CHECK,
        pid,
        pipes,
        exit: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::{PlannedChecks, PlannedCommand, Program};

    fn job(argv: &[&str], output: OutputMode) -> Job {
        let argv: Vec<String> = argv.iter().map(|word| (*word).to_owned()).collect();
        Job {
            commands: vec![PlannedCommand::new(argv.join(" "), Program::Words(argv))],
            checks: PlannedChecks::default(),
            shell: vec!["sh".to_owned(), "-c".to_owned()].into(),
            ignore_errors: false,
            dir: None,
            env: Vec::new(),
            env_remove: Vec::new(),
            output,
            own_group: true,
            spool_max_size: crate::exec::DEFAULT_SPOOL_MAX_SIZE,
        }
    }

    fn start(job: Job) -> LocalJob {
        LocalJob::start(Rc::new(Launcher::new()), job, &mut |_| {})
    }

    /// Drives a job as the scheduler does (poll its descriptors until its wake-up time, advance
    /// it when one is ready or it is due), until it reports its end.
    fn drive(mut job: LocalJob) -> JobResult {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            assert!(Instant::now() < deadline, "the job never finished");
            let mut fds = Vec::new();
            job.fds(&mut fds);
            let mut pollfds: Vec<libc::pollfd> = fds
                .iter()
                .map(|&fd| super::super::os::readable(fd))
                .collect();
            let timeout = job
                .wake_at()
                .map(|wake| wake.saturating_duration_since(Instant::now()));
            super::super::os::poll(&mut pollfds, timeout.or(Some(Duration::from_secs(1))))
                .expect("poll");
            let ready: Vec<Ready> = pollfds.iter().filter_map(Ready::from_poll).collect();
            // As the scheduler does: advance only when a descriptor is ready or the job is due.
            let due = job.wake_at().is_some_and(|wake| wake <= Instant::now());
            if ready.is_empty() && !due {
                continue;
            }
            let mut finished = None;
            job.advance(&ready, &mut |event| {
                if let JobEvent::Finished { result, .. } = event {
                    finished = Some(result);
                }
            });
            if let Some(result) = finished {
                return result;
            }
        }
    }

    #[test]
    fn a_job_finishes_with_its_exit_code() {
        let result = drive(start(job(&["sh", "-c", "exit 3"], OutputMode::Inherit)));
        assert_eq!(
            result,
            JobResult::Failed {
                exit: Exit::Code(3),
                command: 0
            }
        );
    }

    #[test]
    fn without_a_pidfd_the_exit_is_found_by_checking() {
        // Kernels before 5.3 (or a seccomp filter) have no pidfd_open.
        let mut local = start(job(&["sleep", "0.05"], OutputMode::Inherit));
        local.current.as_mut().expect("started").pidfd = None;
        assert_eq!(drive(local), JobResult::Succeeded);
    }

    #[test]
    fn a_missing_program_is_a_spawn_failure() {
        let result = drive(start(job(&["/nonexistent/program"], OutputMode::Prefixed)));
        assert!(
            matches!(result, JobResult::SpawnFailed { command: 0, .. }),
            "{result:?}"
        );
    }
}
