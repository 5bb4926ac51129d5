//! The run loop. The main type here is [`Scheduler`].
//!
//! One thread owns all run state: which tasks wait, run or are done, the job slots, deadlines
//! and cancellation. It sleeps in `poll(2)` on every running job's descriptors and the signal
//! pipes at once, like make's and ninja's loops: a child's exit is noticed and the freed slot
//! refilled without any hand-off between threads. Output is read only as fast as it is
//! written out, so a task printing faster than the terminal reads is slowed down rather than
//! buffered in memory.
//!
//! A run may also have a control input ([`Scheduler::with_control`]): messages that stop or
//! restart tasks, or end the run, polled like everything else. A controlled run does not end
//! when it falls idle; it reports each round's summary and waits for the next message.

use std::collections::VecDeque;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::check::{CacheOptions, Done, Incremental, Next, merge_env};
use super::control::ControlReceiver;
use super::job_tokens::JobTokens;
use super::offload::Offload;
use super::os::{load_average, poll, readable};
use super::signals::SignalPipes;
use super::{Job, JobEvent, JobResult, Ready, RunningJob, Spawn};
use crate::events::{
    CancelReason, Clock, Event, EventKind, Exit, Flow, OutputMode, RunSummary, SCHEMA_VERSION,
    SpooledOutput, Status, Stream, TaskInfo, TaskOutcome, Usage,
};
use crate::graph::{Edge, Plan, TaskId};

/// How a run behaves, resolved from the command line and `[settings]`.
#[derive(Debug)]
pub(crate) struct SchedulerOptions {
    /// How many commands may run at once (at least 1).
    pub(crate) jobs: usize,
    /// Run everything that does not depend on a failure, instead of stopping at the first.
    pub(crate) keep_going: bool,
    pub(crate) output: OutputMode,
    /// A timeout for every task; a task's own `timeout` wins when it is shorter.
    pub(crate) timeout: Option<Duration>,
    /// Between the polite signal and SIGKILL.
    pub(crate) grace: Duration,
    /// Extra environment for every task (e.g. to keep colours through pipes).
    pub(crate) env: Vec<(String, String)>,
    /// See [`Job::own_group`].
    pub(crate) own_group: bool,
    /// How a task that runs alone is run instead, if not as `output` says; see
    /// [`Run::runs_alone`].
    pub(crate) alone: Option<Alone>,
    /// Run tasks even when their outputs are up to date.
    pub(crate) force: bool,
    /// The cache, `--explain`.
    pub(crate) cache: CacheOptions,
    /// rask's own working directory; tasks that run there need no `chdir`.
    pub(crate) working_dir: PathBuf,
    /// The job limit shared with nested rasks, if any; `jobs` applies as well.
    pub(crate) tokens: Option<JobTokens>,
    /// Problems found while preparing the run, reported as its first warnings.
    pub(crate) warnings: Vec<String>,
    /// How many times a failed task runs again, unless its own `retries` says otherwise.
    pub(crate) retries: u32,
    /// `--load-average`: start nothing new while the 1-minute load is at or above this.
    pub(crate) load_average: Option<f64>,
    /// Grouped mode: the most of each stream of a task kept on disk (`$RASK_SPOOL_MAX_SIZE`).
    pub(crate) spool_max_size: u64,
}

/// How a task that runs alone is run: it inherits rask's stdin, stdout and stderr, so a
/// prompt or a progress bar works, as if the run were `-j 1` (issue #8).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Alone {
    /// See [`Job::own_group`]: `false` when rask's stdin is a terminal, so that the task is in
    /// the terminal's foreground group (a background group reading it would be stopped).
    pub(crate) own_group: bool,
}

/// How often a run held back by `--load-average` looks at the load again.
const LOAD_RECHECK: Duration = Duration::from_millis(500);

/// Runs a plan to completion with a [`Spawn`] implementation.
pub(crate) struct Scheduler<'p, 'f, S> {
    plan: &'p Plan<'f>,
    spawner: S,
    options: SchedulerOptions,
    control: Option<ControlReceiver>,
}

impl<'p, 'f, S: Spawn> Scheduler<'p, 'f, S> {
    pub(crate) fn new(plan: &'p Plan<'f>, spawner: S, options: SchedulerOptions) -> Self {
        Scheduler {
            plan,
            spawner,
            options,
            control: None,
        }
    }

    /// Lets `control` drive the run: the run then ends on [`super::Control::End`] or a
    /// signal, not when nothing is left to do, and reports [`EventKind::RunFinished`] each
    /// time it falls idle.
    pub(crate) fn with_control(mut self, control: ControlReceiver) -> Self {
        self.control = Some(control);
        self
    }

    /// Runs every task of the plan, handing each event to `report`, and returns the summary.
    /// `signals` are the installed signal pipes (see [`SignalPipes::install`]).
    pub(crate) fn run(
        self,
        signals: &SignalPipes,
        report: &mut dyn FnMut(Event) -> Flow,
    ) -> RunSummary {
        let mut emitter = Emitter {
            report,
            clock: Clock::start(),
            output_closed: false,
        };
        emitter.emit(EventKind::RunStarted {
            schema_version: SCHEMA_VERSION,
            tasks: task_infos(self.plan),
            jobs: self.options.jobs,
            output: self.options.output,
        });
        let mut run = Run::new(self.plan, &self.spawner, self.options);
        run.control = self.control.map(Steering::new);
        for message in std::mem::take(&mut run.options.warnings) {
            emitter.emit(EventKind::Warning { message });
        }
        if let Err(error) = run.drive(signals, &mut emitter) {
            run.abort(format!("cannot wait for tasks: {error}"), &mut emitter);
        }
        // A controlled run has reported every round that came to an end already.
        let unreported = run.round_open;
        let summary = run.into_summary(&mut emitter);
        if unreported {
            emitter.emit(EventKind::RunFinished {
                summary: summary.clone(),
            });
        }
        summary
    }
}

/// The plan's tasks as the first event lists them.
fn task_infos(plan: &Plan<'_>) -> Vec<TaskInfo> {
    plan.tasks
        .iter()
        .enumerate()
        .map(|(index, task)| TaskInfo {
            id: TaskId(index as u32),
            name: task.name().to_owned(),
            depends: plan.prerequisites[index]
                .iter()
                .map(|(prerequisite, _)| *prerequisite)
                .collect(),
            aggregate: task.commands.is_empty(),
        })
        .collect()
}

/// What a job reports while it starts its next command: the announcement, passed on, and
/// the task call it stops at (see [`Run::call`]), kept in `called`.
fn forward_start<'a>(
    task: TaskId,
    commands: &'a [crate::graph::PlannedCommand],
    events: &'a mut Emitter<'_>,
    called: &'a mut Option<usize>,
) -> impl FnMut(JobEvent) + 'a {
    move |event| match event {
        JobEvent::CommandStarted { index } => events.emit(EventKind::CommandStarted {
            task,
            index,
            command: commands[index].display.clone(),
        }),
        JobEvent::Call { index } => *called = Some(index),
        JobEvent::Output { .. } | JobEvent::Finished { .. } => {}
    }
}

/// Stamps events and hands them to the reporter; remembers whether it said rask's output is
/// gone.
struct Emitter<'e> {
    report: &'e mut dyn FnMut(Event) -> Flow,
    clock: Clock,
    /// The reporter said rask's stdout or stderr is gone (EPIPE/EIO): the run stops as a
    /// broken pipe stops it in inherit mode (see [`Run::output_closed`]).
    output_closed: bool,
}

impl Emitter<'_> {
    fn emit(&mut self, kind: EventKind) {
        let event = self.clock.event(kind);
        if (self.report)(event) == Flow::OutputClosed {
            self.output_closed = true;
        }
    }
}

/// How much of a cached log one output event carries when it is replayed.
const REPLAY_CHUNK: usize = 64 * 1024;

enum TaskState {
    /// Waiting for this many prerequisites.
    Waiting(usize),
    Ready,
    /// Its up-to-date check runs on a worker (see [`Offload`]).
    Checking,
    /// Ready, and checked: it must run.
    Checked,
    /// Succeeded; its outputs are being recorded in the cache, and dependents wait for
    /// their digest. The outcome is reported once that is done.
    Recording(Box<(TaskOutcome, Option<SpooledOutput>)>),
    Running(Box<Running>),
    /// Stopped at a task call until the called task ends; its worker slot is free meanwhile.
    Calling(Box<Running>),
    /// The task it called succeeded: it goes on with its next command once a slot is free.
    Resuming(Box<Running>),
    Done,
}

/// How a called task ended, as far as its callers care.
#[derive(Clone, Copy, Debug, Default)]
enum CallEnd {
    #[default]
    Succeeded,
    /// It failed of its own accord: the caller fails with this exit.
    Failed(Exit),
    /// It was stopped or never started: the caller is cancelled.
    Cancelled,
}

impl From<&Status> for CallEnd {
    fn from(status: &Status) -> CallEnd {
        match status {
            Status::Failed { exit, .. } => CallEnd::Failed(*exit),
            Status::Cancelled { .. } => CallEnd::Cancelled,
            _ if status.is_success() => CallEnd::Succeeded,
            _ => CallEnd::Failed(Exit::Code(1)),
        }
    }
}

struct Running {
    job: Box<dyn RunningJob>,
    started: Instant,
    /// The worker slot it occupies (see [`EventKind::TaskStarted`]).
    slot: usize,
    deadline: Option<Instant>,
    /// Set once rask asked the task to stop: why, and when SIGKILL follows.
    stopping: Option<(StopCause, Option<Instant>)>,
    /// Its `watch_signal`, to send once the prerequisites being re-run have succeeded.
    reload: Option<i32>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum StopCause {
    Timeout,
    Cancel(CancelReason),
    /// Stopped to be run again ([`super::Control::Restart`]): its end is not an outcome.
    Restart,
}

/// The state of one run, owned by the scheduler's thread alone.
struct Run<'r, 'f, S> {
    plan: &'r Plan<'f>,
    spawner: &'r S,
    options: SchedulerOptions,
    states: Vec<TaskState>,
    ready: VecDeque<TaskId>,
    /// The tasks in `TaskState::Running`, so each wake-up looks at those alone.
    running: Vec<TaskId>,
    outcomes: Vec<TaskOutcome>,
    /// Set once the run is winding down; the strongest reason so far.
    cancel: Option<CancelReason>,
    signal: Option<i32>,
    signal_count: u32,
    /// Why rask itself had to stop the run, if it did (see [`Run::abort`]).
    aborted: Option<String>,
    started: Instant,
    /// A task is ready and a slot free, but the shared job limit has no token to spare.
    waiting_for_token: bool,
    checks: Offload<Done>,
    incremental: Incremental,
    /// Which worker slots are taken, indexed by slot.
    slots: Vec<bool>,
    /// Each task's current attempt: 1, then 2 after its first retry, ...
    attempts: Vec<u32>,
    /// Held back by `--load-average`: when to look at the load again.
    load_recheck: Option<Instant>,
    /// How each finished task ended, as far as the tasks waiting for it care.
    settled: Vec<Settled>,
    /// Where this round's outcomes begin in `outcomes` (a controlled run has several).
    round_from: usize,
    /// Tasks have run since the last summary was reported.
    round_open: bool,
    control: Option<Steering>,
    /// Per task reached only through calls: not called yet, so it waits for that too.
    uncalled: Vec<bool>,
    /// Per task, the callers stopped at a call of it.
    callers: Vec<Vec<TaskId>>,
    /// How each finished task ended, for a caller that calls it afterwards.
    call_ends: Vec<CallEnd>,
    /// `settings.shell`, shared by every job.
    shell: Arc<[String]>,
}

impl<'r, 'f, S: Spawn> Run<'r, 'f, S> {
    fn new(plan: &'r Plan<'f>, spawner: &'r S, options: SchedulerOptions) -> Self {
        let mut ready = VecDeque::new();
        let states = plan
            .prerequisites
            .iter()
            .enumerate()
            .map(|(index, prerequisites)| {
                // A task only called waits for its first call as for one more prerequisite.
                let waiting = prerequisites.len() + usize::from(plan.tasks[index].called_only);
                if waiting == 0 {
                    ready.push_back(TaskId(index as u32));
                    TaskState::Ready
                } else {
                    TaskState::Waiting(waiting)
                }
            })
            .collect();
        let slots = vec![false; options.jobs];
        let incremental = Incremental::new(plan.tasks.len(), options.cache.clone(), options.force);
        Run {
            plan,
            spawner,
            options,
            states,
            ready,
            running: Vec::new(),
            outcomes: Vec::with_capacity(plan.tasks.len()),
            cancel: None,
            signal: None,
            signal_count: 0,
            aborted: None,
            started: Instant::now(),
            waiting_for_token: false,
            checks: Offload::new(),
            incremental,
            slots,
            attempts: vec![1; plan.tasks.len()],
            load_recheck: None,
            settled: vec![Settled::default(); plan.tasks.len()],
            round_from: 0,
            round_open: true,
            control: None,
            uncalled: plan.tasks.iter().map(|task| task.called_only).collect(),
            callers: vec![Vec::new(); plan.tasks.len()],
            call_ends: vec![CallEnd::default(); plan.tasks.len()],
            shell: plan.file.settings.shell.as_slice().into(),
        }
    }

    fn drive(&mut self, signals: &SignalPipes, events: &mut Emitter<'_>) -> std::io::Result<()> {
        // Reused across wake-ups: the poll set, and which task (if any) owns each entry.
        let mut pollfds: Vec<libc::pollfd> = Vec::new();
        let mut owners: Vec<Option<TaskId>> = Vec::new();
        let mut job_fds = Vec::new();
        let mut ready_fds = Vec::new();
        loop {
            if events.output_closed && self.signal.is_none() {
                self.output_closed(events);
            }
            self.start_ready(events);
            // Only now: a token freed by a task that just ended went straight to the next
            // one, sparing the FIFO a write and a read per task.
            self.return_tokens();
            if self.running.is_empty() && !self.awaiting_checks() {
                if !self.stays_open() {
                    return Ok(());
                }
                self.round_finished(events);
            }
            pollfds.clear();
            owners.clear();
            for fd in signals.fds().chain(self.control_fd()) {
                pollfds.push(readable(fd));
                owners.push(None);
            }
            // A token written back wakes the loop, which then tries to start the next task.
            if let (true, Some(tokens)) = (self.waiting_for_token, &self.options.tokens) {
                pollfds.push(readable(tokens.fd()));
                owners.push(None);
            }
            if let (true, Some(fd)) = (self.checks.pending() > 0, self.checks.fd()) {
                pollfds.push(readable(fd));
                owners.push(None);
            }
            for &task in &self.running {
                job_fds.clear();
                self.job(task).fds(&mut job_fds);
                for &fd in &job_fds {
                    pollfds.push(readable(fd));
                    owners.push(Some(task));
                }
            }
            let timeout = self
                .next_wake()
                .map(|wake| wake.saturating_duration_since(Instant::now()));
            poll(&mut pollfds, timeout)?;

            for (pollfd, owner) in pollfds.iter().zip(&owners) {
                if pollfd.revents != 0 && owner.is_none() {
                    if let Some(signal) = signals.take(pollfd.fd) {
                        self.signalled(signal, events);
                    } else if self.control_fd() == Some(pollfd.fd) {
                        self.take_control(events);
                    }
                }
            }
            self.take_checks(events);
            for task in self.running.clone() {
                ready_fds.clear();
                ready_fds.extend(
                    (pollfds.iter().zip(&owners))
                        .filter(|(_, owner)| **owner == Some(task))
                        .filter_map(|(pollfd, _)| Ready::from_poll(pollfd)),
                );
                // `now` is read after `wake_at`: a job due "now" must count as due.
                let due = self
                    .job(task)
                    .wake_at()
                    .is_some_and(|wake| wake <= Instant::now());
                if !ready_fds.is_empty() || due {
                    self.advance(task, &ready_fds, events);
                }
            }
            self.enforce_deadlines();
        }
    }

    fn job(&self, task: TaskId) -> &dyn RunningJob {
        match &self.states[task.index()] {
            TaskState::Running(running) => running.job.as_ref(),
            _ => unreachable!("`running` lists only running tasks"),
        }
    }

    /// Lets a job make progress, forwarding what it reports; records its end if it ended.
    fn advance(&mut self, task: TaskId, ready_fds: &[Ready], events: &mut Emitter<'_>) {
        let TaskState::Running(running) = &mut self.states[task.index()] else {
            return;
        };
        let commands = &self.plan.tasks[task.index()].commands;
        let incremental = &mut self.incremental;
        let mut finished = None;
        let mut called = None;
        running.job.advance(ready_fds, &mut |event| match event {
            JobEvent::CommandStarted { index } => events.emit(EventKind::CommandStarted {
                task,
                index,
                command: commands[index].display.clone(),
            }),
            JobEvent::Call { index } => called = Some(index),
            JobEvent::Output { stream, bytes } => {
                incremental.capture(task, stream, &bytes);
                events.emit(EventKind::Output {
                    task,
                    stream,
                    bytes,
                });
            }
            JobEvent::Finished {
                result,
                spooled,
                usage,
            } => finished = Some((result, spooled, usage)),
        });
        if let Some((result, spooled, usage)) = finished {
            self.finished(task, result, spooled, usage, events);
        } else if let Some(index) = called {
            self.call(task, index, events);
        }
    }

    /// `caller` stopped at its command `index`, a task call: it gives up its slot and goes on
    /// once the called task has ended (at once if it already has).
    fn call(&mut self, caller: TaskId, index: usize, events: &mut Emitter<'_>) {
        let callee = self.plan.tasks[caller.index()].commands[index]
            .call
            .expect("a job stops only at a call step");
        let TaskState::Running(running) =
            std::mem::replace(&mut self.states[caller.index()], TaskState::Done)
        else {
            unreachable!("only a running job reaches a call")
        };
        self.running.retain(|&other| other != caller);
        self.slots[running.slot] = false;
        self.states[caller.index()] = TaskState::Calling(running);
        if std::mem::take(&mut self.uncalled[callee.index()]) {
            self.release(callee, events);
        }
        if matches!(self.states[callee.index()], TaskState::Done) {
            self.call_ended(caller, self.call_ends[callee.index()], events);
        } else {
            self.callers[callee.index()].push(caller);
        }
    }

    /// The task `caller` waits for at a call has ended as `end`.
    fn call_ended(&mut self, caller: TaskId, end: CallEnd, events: &mut Emitter<'_>) {
        match end {
            CallEnd::Succeeded => {
                let state = std::mem::replace(&mut self.states[caller.index()], TaskState::Done);
                self.states[caller.index()] = match state {
                    TaskState::Calling(running) => {
                        self.ready.push_front(caller);
                        TaskState::Resuming(running)
                    }
                    // Restarted or stopped (watch mode) while it waited: left as it is.
                    other => other,
                };
            }
            // Spawns nothing: the job ends with this failure (or ignores it) at once.
            CallEnd::Failed(exit) => self.resume(caller, exit, events),
            CallEnd::Cancelled => {
                let reason = self.cancel.unwrap_or(CancelReason::DependencyFailed);
                self.end_paused(caller, reason, events);
            }
        }
    }

    /// Lets a caller go on after its call, in a worker slot again.
    fn resume(&mut self, task: TaskId, exit: Exit, events: &mut Emitter<'_>) {
        // Not there when restarted or stopped (watch mode) while it waited.
        let Some(mut running) = self.take_paused(task) else {
            return;
        };
        running.slot = self.take_slot();
        let commands = &self.plan.tasks[task.index()].commands;
        let mut called = None;
        running.job.resume(
            exit,
            &mut forward_start(task, commands, events, &mut called),
        );
        self.states[task.index()] = TaskState::Running(running);
        self.running.push(task);
        if let Some(index) = called {
            self.call(task, index, events);
        }
    }

    /// The job of a task stopped at a call, which is then `Done` until put back.
    fn take_paused(&mut self, task: TaskId) -> Option<Box<Running>> {
        let state = &mut self.states[task.index()];
        if !matches!(state, TaskState::Calling(_) | TaskState::Resuming(_)) {
            return None;
        }
        match std::mem::replace(state, TaskState::Done) {
            TaskState::Calling(running) | TaskState::Resuming(running) => Some(running),
            _ => unreachable!("matched above"),
        }
    }

    /// A task stopped at a call that will not go on: it ends as cancelled, having started.
    fn end_paused(&mut self, task: TaskId, reason: CancelReason, events: &mut Emitter<'_>) {
        let Some(running) = self.take_paused(task) else {
            return;
        };
        self.record_cancelled(task, running, reason, events);
    }

    /// Records a task rask stops waiting for as cancelled, having started.
    fn record_cancelled(
        &mut self,
        task: TaskId,
        running: Box<Running>,
        reason: CancelReason,
        events: &mut Emitter<'_>,
    ) {
        let outcome = TaskOutcome {
            task,
            status: Status::Cancelled {
                reason,
                started: true,
            },
            duration: running.started.elapsed(),
            attempt: self.attempts[task.index()],
            usage: None,
        };
        // Dropping the job removes what it keeps on disk, such as a script's file.
        drop(running);
        self.record(outcome, None, events);
    }

    fn start_ready(&mut self, events: &mut Emitter<'_>) {
        self.waiting_for_token = false;
        let mut deferred = Vec::new();
        while self.running.len() < self.options.jobs {
            let Some(task) = self.ready.pop_front() else {
                break;
            };
            if matches!(self.states[task.index()], TaskState::Resuming(_)) {
                if !self.may_start(task) {
                    let reason = self.cancel.unwrap_or(CancelReason::Failure);
                    self.end_paused(task, reason, events);
                } else if self.capacity() {
                    self.resume(task, Exit::Code(0), events);
                } else {
                    deferred.insert(0, task);
                    break;
                }
                continue;
            }
            if !self.may_start(task) {
                // It never will in this run: say so now, so that a cleanup task it shares
                // with a task that did run is released rather than left waiting (issue #8).
                let status = Status::Cancelled {
                    reason: self.cancel.unwrap_or(CancelReason::Failure),
                    started: false,
                };
                self.finish(task, status, events);
                continue;
            }
            let planned = &self.plan.tasks[task.index()];
            if let Some(note) = &planned.skip {
                let condition = note.clone();
                self.finish(task, Status::Skipped { condition }, events);
                continue;
            }
            if planned.commands.is_empty() && planned.checks.is_empty() {
                // An aggregate: nothing to run, it succeeds as soon as its prerequisites have.
                self.finish(task, Status::Succeeded, events);
                continue;
            }
            if !matches!(self.states[task.index()], TaskState::Checked) {
                match self.incremental.check_work(self.plan, task) {
                    Ok(work) => {
                        match self.checks.submit(task, work) {
                            Ok(()) => self.states[task.index()] = TaskState::Checking,
                            // No worker to be had: check here rather than not at all.
                            Err(work) => {
                                self.states[task.index()] = TaskState::Checking;
                                self.done(task, work(), events);
                            }
                        }
                        continue;
                    }
                    Err(reason) => self.explain(task, &reason, events),
                }
            }
            if !self.capacity() {
                deferred.insert(0, task);
                break;
            }
            let slot = self.take_slot();
            events.emit(EventKind::TaskStarted {
                task,
                slot,
                attempt: self.attempts[task.index()],
            });
            let commands = &planned.commands;
            // Read before spawning: the first command is already running when `start` returns,
            // and its time counts.
            let now = Instant::now();
            let job = self.job_for(task);
            let mut called = None;
            let job = self
                .spawner
                .start(job, &mut forward_start(task, commands, events, &mut called));
            let deadline = self.timeout_of(task).map(|timeout| now + timeout);
            self.states[task.index()] = TaskState::Running(Box::new(Running {
                job,
                started: now,
                slot,
                deadline,
                stopping: None,
                reload: None,
            }));
            self.running.push(task);
            if let Some(index) = called {
                self.call(task, index, events);
            }
        }
        // Tasks waiting for a token stay in the queue, in order, and start later.
        for task in deferred.into_iter().rev() {
            self.ready.push_front(task);
        }
    }

    /// Whether one more job may start now: not while `--load-average` holds starts back,
    /// nor while the shared job limit has no token to spare.
    fn capacity(&mut self) -> bool {
        if self.load_too_high() {
            return false;
        }
        if !self.take_token() {
            self.waiting_for_token = true;
            return false;
        }
        true
    }

    /// Whether a check still to come could start a task: not once a signal stops the run.
    fn awaiting_checks(&self) -> bool {
        self.checks.pending() > 0
            && self
                .cancel
                .is_none_or(|reason| reason < CancelReason::Signal)
    }

    /// Acts on every check that has finished.
    fn take_checks(&mut self, events: &mut Emitter<'_>) {
        for (task, done) in self.checks.take_finished() {
            self.done(task, done, events);
        }
    }

    /// Acts on a worker's answer: starts, skips or reports the task.
    fn done(&mut self, task: TaskId, done: Done, events: &mut Emitter<'_>) {
        match done {
            Done::Checked(checked) => {
                // A control message may have stopped or re-armed the task while it was checked.
                if !matches!(self.states[task.index()], TaskState::Checking) {
                    return;
                }
                for message in &checked.warnings {
                    events.emit(EventKind::Warning {
                        message: message.clone(),
                    });
                }
                self.explain(task, &checked.reason, events);
                match self.incremental.checked(task, checked) {
                    Next::Run => {
                        self.states[task.index()] = TaskState::Checked;
                        self.ready.push_front(task);
                    }
                    Next::Skip { status, log } => self.replay(task, status, log, events),
                }
            }
            Done::Recorded(recorded) => {
                for message in &recorded.warnings {
                    events.emit(EventKind::Warning {
                        message: message.clone(),
                    });
                }
                self.incremental.recorded(task, &recorded);
                let state = std::mem::replace(&mut self.states[task.index()], TaskState::Done);
                if let TaskState::Recording(finished) = state {
                    let (outcome, spooled) = *finished;
                    self.record(outcome, spooled, events);
                }
            }
        }
    }

    /// With `--explain`: why the task runs or not.
    fn explain(&self, task: TaskId, reason: &crate::cache::Reason, events: &mut Emitter<'_>) {
        if self.incremental.explain() {
            events.emit(EventKind::TaskExplained {
                task,
                code: reason.code().to_owned(),
                subject: reason.subject().map(str::to_owned),
                text: reason.describe(),
            });
        }
    }

    /// `--load-average X`: while something runs and the 1-minute load is at or above X, no
    /// new task starts; the load is looked at again after [`LOAD_RECHECK`] (make's `-l`).
    fn load_too_high(&mut self) -> bool {
        let Some(limit) = self.options.load_average else {
            return false;
        };
        if self.running.is_empty() {
            return false;
        }
        let high = load_average().is_some_and(|load| load >= limit);
        self.load_recheck = high.then(|| Instant::now() + LOAD_RECHECK);
        high
    }

    /// The lowest free worker slot, now taken. There is one whenever a task may start.
    fn take_slot(&mut self) -> usize {
        let slot = self
            .slots
            .iter()
            .position(|taken| !taken)
            .unwrap_or_else(|| {
                self.slots.push(false);
                self.slots.len() - 1
            });
        self.slots[slot] = true;
        slot
    }

    /// Whether another command may start under the shared job limit: the first running command
    /// needs no token (its slot was counted by whoever started this rask), every further one
    /// takes one.
    fn take_token(&mut self) -> bool {
        match &mut self.options.tokens {
            // One still held from a task that ended since the last start (see `drive`).
            Some(tokens) if tokens.held() >= self.running.len() => true,
            Some(tokens) if !self.running.is_empty() => tokens.try_acquire(),
            _ => true,
        }
    }

    /// Gives back tokens beyond what the running commands need.
    fn return_tokens(&mut self) {
        if let Some(tokens) = &mut self.options.tokens {
            while tokens.held() > self.running.len().saturating_sub(1) {
                tokens.release();
            }
        }
    }

    /// Once the run is cancelling, only cleanup (`depends_post`) tasks may still start: after
    /// a failure and after a first Ctrl-C or SIGTERM, like go-task's and mise's `defer`, so
    /// that what was set up is torn down. A second signal means stop now: nothing starts.
    fn may_start(&self, task: TaskId) -> bool {
        match self.cancel {
            None => true,
            Some(CancelReason::SecondSignal | CancelReason::Aborted) => false,
            Some(_) => self.plan.prerequisites[task.index()]
                .iter()
                .any(|(_, edge)| *edge == Edge::Post),
        }
    }

    fn job_for(&self, task: TaskId) -> Job {
        let planned = &self.plan.tasks[task.index()];
        // One entry per name, the last definition winning: dotenv, then [env], then the
        // task's env, then its parameters for its scripts, then rask's own additions.
        let mut env = merge_env(
            self.plan
                .env
                .iter()
                .chain(&planned.env)
                .chain(&planned.param_env)
                .chain(&self.options.env),
        );
        env.retain(|(name, _)| !planned.env_remove.contains(name));
        let mut checks = planned.checks.clone();
        if self.options.force {
            // `--force` runs tasks whatever says they are up to date, `status` included.
            checks.status.clear();
        }
        let (output, own_group) = match self.options.alone {
            Some(alone) if self.runs_alone() => (OutputMode::Inherit, alone.own_group),
            _ => (self.options.output, self.options.own_group),
        };
        Job {
            commands: planned.commands.clone(),
            checks,
            shell: Arc::clone(&self.shell),
            ignore_errors: planned.ignore_errors,
            dir: (planned.dir != self.options.working_dir).then(|| planned.dir.clone()),
            env,
            env_remove: planned.env_remove.clone(),
            output: self.incremental.output_mode(task, output),
            own_group,
            spool_max_size: self.options.spool_max_size,
        }
    }

    /// Whether the task about to start runs alone: nothing else is running, being checked or
    /// recorded, or ready, so every task still to run waits for this one, directly or not,
    /// and nothing can start beside it until it ends.
    fn runs_alone(&self) -> bool {
        self.running.is_empty() && self.ready.is_empty() && self.checks.pending() == 0
    }

    fn timeout_of(&self, task: TaskId) -> Option<Duration> {
        let own = self.plan.tasks[task.index()].task.timeout;
        match (own, self.options.timeout) {
            (Some(own), Some(global)) => Some(own.min(global)),
            (own, global) => own.or(global),
        }
    }

    fn finished(
        &mut self,
        task: TaskId,
        result: JobResult,
        spooled: Option<SpooledOutput>,
        usage: Option<Usage>,
        events: &mut Emitter<'_>,
    ) {
        let TaskState::Running(running) =
            std::mem::replace(&mut self.states[task.index()], TaskState::Done)
        else {
            return;
        };
        self.running.retain(|&other| other != task);
        self.slots[running.slot] = false;
        let status = match (running.stopping, result) {
            (Some((StopCause::Restart, _)), _) => return self.rearm(task, events),
            (Some((StopCause::Timeout, _)), _) => Status::TimedOut,
            (Some((StopCause::Cancel(reason), _)), _) => Status::Cancelled {
                reason,
                started: true,
            },
            (None, JobResult::Succeeded) => Status::Succeeded,
            (None, JobResult::Failed { exit, command }) => Status::Failed { exit, command },
            (None, JobResult::SpawnFailed { message, .. }) => Status::SpawnFailed { message },
            (None, JobResult::Skipped { condition }) => Status::Skipped { condition },
            (None, JobResult::UpToDate) => Status::UpToDate,
            (None, JobResult::PreconditionFailed { message }) => {
                Status::PreconditionFailed { message }
            }
            (None, JobResult::FailedIgnored { exit, command }) => {
                Status::FailedIgnored { exit, command }
            }
            // Stopped without rask asking cannot happen; count it as cancelled, not success.
            (None, JobResult::Stopped) => Status::Cancelled {
                reason: CancelReason::Failure,
                started: true,
            },
        };
        let retry = self.should_retry(task, &status);
        let outcome = TaskOutcome {
            task,
            status,
            duration: running.started.elapsed(),
            attempt: self.attempts[task.index()],
            usage,
        };
        if retry {
            // Reported as an attempt, not an end: dependents wait, and no fail-fast yet.
            events.emit(EventKind::TaskFinished {
                outcome,
                spooled,
                retry: true,
            });
            self.attempts[task.index()] += 1;
            // Checked: the up-to-date check already said it must run.
            self.states[task.index()] = TaskState::Checked;
            self.ready.push_front(task);
            return;
        }
        if outcome.status == Status::Succeeded {
            if let Some(work) = self
                .incremental
                .record_work(self.plan, task, spooled.as_ref())
            {
                self.states[task.index()] = TaskState::Recording(Box::new((outcome, spooled)));
                if let Err(work) = self.checks.submit(task, work) {
                    self.done(task, work(), events);
                }
                return;
            }
        }
        self.record(outcome, spooled, events);
    }

    /// A failure (or, with `retry_on_timeout`, a timeout) with retries left, while the run is
    /// not stopping: never after Ctrl-C, a signal or another task's failure.
    fn should_retry(&self, task: TaskId, status: &Status) -> bool {
        let definition = self.plan.tasks[task.index()].task;
        let retries = definition.retries.unwrap_or(self.options.retries);
        let retryable = match status {
            Status::Failed { .. } => true,
            Status::TimedOut => definition.retry_on_timeout,
            _ => false,
        };
        retryable && self.cancel.is_none() && self.attempts[task.index()] <= retries
    }

    /// Records the end of a task that did not run (an aggregate, up to date, blocked).
    fn finish(&mut self, task: TaskId, status: Status, events: &mut Emitter<'_>) {
        self.finish_with(task, status, None, events);
    }

    fn finish_with(
        &mut self,
        task: TaskId,
        status: Status,
        spooled: Option<SpooledOutput>,
        events: &mut Emitter<'_>,
    ) {
        self.states[task.index()] = TaskState::Done;
        let outcome = TaskOutcome {
            task,
            status,
            duration: Duration::ZERO,
            attempt: self.attempts[task.index()],
            usage: None,
        };
        self.record(outcome, spooled, events);
    }

    /// Finishes a task the cache answered for, its log shown as a live task's output is in
    /// this run's mode: grouped, as one spooled block at its end; otherwise as output events
    /// (tagged when prefixed, bytes untouched), read a chunk at a time so that memory stays
    /// flat however large the log.
    fn replay(
        &mut self,
        task: TaskId,
        status: Status,
        log: Option<SpooledOutput>,
        events: &mut Emitter<'_>,
    ) {
        let Some(log) = log else {
            return self.finish(task, status, events);
        };
        if self.options.output == OutputMode::Grouped {
            let log = log.with_max_size(self.options.spool_max_size);
            return self.finish_with(task, status, Some(log), events);
        }
        let mut chunk = vec![0u8; REPLAY_CHUNK];
        for stream in [Stream::Stdout, Stream::Stderr] {
            let Ok(mut reader) = log.reader(stream) else {
                continue;
            };
            while let Ok(read @ 1..) = std::io::Read::read(&mut reader, &mut chunk) {
                events.emit(EventKind::Output {
                    task,
                    stream,
                    bytes: chunk[..read].to_vec(),
                });
            }
        }
        self.finish(task, status, events);
    }

    /// Reports a task's end and releases or blocks what waits for it.
    fn record(
        &mut self,
        outcome: TaskOutcome,
        spooled: Option<SpooledOutput>,
        events: &mut Emitter<'_>,
    ) {
        let task = outcome.task;
        let settled = Settled::from(&outcome.status);
        self.settled[task.index()] = settled;
        let call_end = CallEnd::from(&outcome.status);
        self.call_ends[task.index()] = call_end;
        let root_failure = outcome.status.is_root_failure();
        self.outcomes.push(outcome.clone());
        events.emit(EventKind::TaskFinished {
            outcome,
            spooled,
            retry: false,
        });
        if root_failure && !self.options.keep_going {
            self.cancel_all(CancelReason::Failure, events);
        }
        for &(dependent, edge) in &self.plan.dependents[task.index()] {
            // A cleanup task shared by several owners waits for all of them and runs if any
            // of them ran (see `release`).
            if settled.releases(edge) || edge == Edge::Post {
                self.release(dependent, events);
                self.reload_if_due(dependent);
            } else {
                self.block(dependent, events);
            }
        }
        for caller in std::mem::take(&mut self.callers[task.index()]) {
            self.call_ended(caller, call_end, events);
        }
    }

    fn release(&mut self, task: TaskId, events: &mut Emitter<'_>) {
        if let TaskState::Waiting(remaining) = &mut self.states[task.index()] {
            *remaining -= 1;
            if *remaining == 0 {
                if self.cleans_up_nothing(task) {
                    return self.block(task, events);
                }
                self.states[task.index()] = TaskState::Ready;
                self.ready.push_back(task);
            }
        }
    }

    /// A `depends_post` task none of whose owners ran has nothing to clean up.
    fn cleans_up_nothing(&self, task: TaskId) -> bool {
        let mut owners = self.plan.prerequisites[task.index()]
            .iter()
            .filter(|(_, edge)| *edge == Edge::Post)
            .peekable();
        owners.peek().is_some()
            && owners.all(|(owner, _)| !self.settled[owner.index()].releases(Edge::Post))
    }

    /// A prerequisite failed or never ran: this task never will either.
    fn block(&mut self, task: TaskId, events: &mut Emitter<'_>) {
        if matches!(self.states[task.index()], TaskState::Waiting(_)) {
            let status = Status::Cancelled {
                reason: CancelReason::DependencyFailed,
                started: false,
            };
            self.finish(task, status, events);
        }
    }

    fn signalled(&mut self, signal: i32, events: &mut Emitter<'_>) {
        self.signal_count += 1;
        self.signal.get_or_insert(signal);
        let reason = match (self.signal_count, signal) {
            (1, libc::SIGINT) => CancelReason::Interrupt,
            (1, _) => CancelReason::Signal,
            _ => CancelReason::SecondSignal,
        };
        self.cancel_all(reason, events);
        if self.signal_count >= 3 {
            // The user insists: kill everything and stop waiting for it, but still end with a
            // summary that accounts for every task and with the job tokens given back.
            self.abandon_running(events);
        }
    }

    /// rask cannot go on (`poll(2)` failed for a reason other than a signal): every running
    /// task is killed and reaped, and the run ends with a summary that says why and accounts
    /// for every task (issue #8).
    fn abort(&mut self, why: String, events: &mut Emitter<'_>) {
        self.aborted = Some(why);
        self.cancel_all(CancelReason::Aborted, events);
        self.abandon_running(events);
    }

    /// Kills every running task and records it as cancelled without waiting for its output
    /// to end; its processes are reaped (see [`RunningJob::abandon`]).
    fn abandon_running(&mut self, events: &mut Emitter<'_>) {
        let reason = self.cancel.unwrap_or(CancelReason::SecondSignal);
        for task in std::mem::take(&mut self.running) {
            let TaskState::Running(mut running) =
                std::mem::replace(&mut self.states[task.index()], TaskState::Done)
            else {
                continue;
            };
            running.job.abandon();
            self.slots[running.slot] = false;
            self.record_cancelled(task, running, reason, events);
        }
        self.return_tokens();
    }

    /// rask's own output is gone (`rask … | head -1`): stop every task, start nothing more,
    /// and exit 141 as a broken pipe makes rask exit in inherit mode (issue #8). The tasks
    /// get SIGTERM rather than SIGPIPE, which many programs ignore.
    fn output_closed(&mut self, events: &mut Emitter<'_>) {
        self.cancel_all(CancelReason::Signal, events);
        self.signal = Some(libc::SIGPIPE);
    }

    fn running_mut(&mut self, task: TaskId) -> &mut Running {
        match &mut self.states[task.index()] {
            TaskState::Running(running) => running,
            _ => unreachable!("`running` lists only running tasks"),
        }
    }

    /// Stops every running task for `reason` (unless already stopping for a stronger one):
    /// the polite signal now, SIGKILL after the grace period.
    fn cancel_all(&mut self, reason: CancelReason, events: &mut Emitter<'_>) {
        if self.cancel.is_some_and(|current| current >= reason) {
            return;
        }
        self.cancel = Some(reason);
        let signal = match reason {
            CancelReason::SecondSignal | CancelReason::Aborted => libc::SIGKILL,
            CancelReason::Interrupt | CancelReason::Signal => self.signal.unwrap_or(libc::SIGTERM),
            CancelReason::Failure | CancelReason::DependencyFailed => libc::SIGTERM,
        };
        events.emit(EventKind::Cancelling {
            reason,
            running: self.running.len(),
        });
        let kill_at = (signal != libc::SIGKILL).then(|| Instant::now() + self.options.grace);
        for task in self.running.clone() {
            let running = self.running_mut(task);
            // A task already timing out keeps that cause; it still gets the stronger signal.
            let cause = match running.stopping {
                Some((StopCause::Timeout, _)) => StopCause::Timeout,
                _ => StopCause::Cancel(reason),
            };
            running.stopping = Some((cause, kill_at));
            running.job.signal(signal);
        }
    }

    /// The earliest moment something must happen without a descriptor becoming ready: a
    /// timeout, a SIGKILL after grace, or a job's own wake-up.
    fn next_wake(&self) -> Option<Instant> {
        let jobs = self
            .running
            .iter()
            .filter_map(|&task| {
                let TaskState::Running(running) = &self.states[task.index()] else {
                    return None;
                };
                let deadline = match running.stopping {
                    Some((_, kill_at)) => kill_at,
                    None => running.deadline,
                };
                [deadline, running.job.wake_at()]
                    .into_iter()
                    .flatten()
                    .min()
            })
            .min();
        [jobs, self.load_recheck].into_iter().flatten().min()
    }

    fn enforce_deadlines(&mut self) {
        let now = Instant::now();
        let grace = self.options.grace;
        for task in self.running.clone() {
            let running = self.running_mut(task);
            match running.stopping {
                Some((cause, Some(kill_at))) if kill_at <= now => {
                    running.job.signal(libc::SIGKILL);
                    running.stopping = Some((cause, None));
                }
                None if running.deadline.is_some_and(|deadline| deadline <= now) => {
                    running.job.signal(libc::SIGTERM);
                    running.stopping = Some((StopCause::Timeout, Some(now + grace)));
                }
                _ => {}
            }
        }
    }

    /// Everything that never got to run is cancelled, with the reason the run stopped for.
    fn into_summary(mut self, events: &mut Emitter<'_>) -> RunSummary {
        let reason = self.cancel.unwrap_or(CancelReason::DependencyFailed);
        for index in 0..self.states.len() {
            if let TaskState::Calling(_) | TaskState::Resuming(_) = self.states[index] {
                self.end_paused(TaskId(index as u32), reason, events);
            }
            // Stopped while its outputs were being recorded: it did succeed.
            if let TaskState::Recording(_) = self.states[index] {
                let state = std::mem::replace(&mut self.states[index], TaskState::Done);
                if let TaskState::Recording(finished) = state {
                    let (outcome, spooled) = *finished;
                    self.record(outcome, spooled, events);
                }
            }
            if self.uncalled[index] {
                self.finish(TaskId(index as u32), Status::NotCalled, events);
            }
            if matches!(
                self.states[index],
                TaskState::Waiting(_) | TaskState::Ready | TaskState::Checking | TaskState::Checked
            ) {
                let status = Status::Cancelled {
                    reason,
                    started: false,
                };
                self.finish(TaskId(index as u32), status, events);
            }
        }
        let outcomes = self.outcomes.split_off(self.round_from);
        RunSummary::new(
            outcomes,
            self.started.elapsed(),
            self.signal,
            self.aborted.take(),
        )
    }
}

#[path = "scheduler_control.rs"]
mod control;
use control::{Settled, Steering};

#[cfg(test)]
#[path = "scheduler_tests.rs"]
mod tests;
