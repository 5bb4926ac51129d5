//! How the run loop obeys its control input: [`Control`] messages stop tasks, run them again
//! or end the run. Kept apart from the loop itself, which only polls the input and hands each
//! message here. The main type here is [`Steering`], the run's end of the control channel.
//!
//! A restart is a partial reset of the run's state, not a new run: the affected tasks and
//! everything depending on them go back to waiting for their prerequisites (those still
//! running are stopped first and re-armed once they are gone), while everything else keeps
//! its outcome. A task is never started while an earlier instance of it still runs.

use std::time::Instant;

use super::{Emitter, Run, StopCause, TaskState};
use crate::events::{CancelReason, EventKind, RunSummary, Status};
use crate::exec::Spawn;
use crate::exec::control::{Control, ControlReceiver};
use crate::graph::{Edge, TaskId};

/// The run's end of its control channel, and what it has been told so far.
pub(super) struct Steering {
    receiver: ControlReceiver,
    /// [`Control::End`] arrived (or every sender is gone): the run ends once nothing runs.
    ended: bool,
    /// Reused across wake-ups.
    inbox: Vec<Control>,
}

impl Steering {
    pub(super) fn new(receiver: ControlReceiver) -> Steering {
        Steering {
            receiver,
            ended: false,
            inbox: Vec::new(),
        }
    }
}

/// How a finished task ended, as far as the tasks that wait for it are concerned.
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct Settled {
    succeeded: bool,
    /// It started (whatever became of it): enough for a `depends_post` task.
    ran: bool,
}

impl Settled {
    pub(super) fn releases(self, edge: Edge) -> bool {
        match edge {
            Edge::Hard => self.succeeded,
            Edge::Post => self.ran,
            // Only the order matters: however the prerequisite ended (or if it never started).
            Edge::Soft => true,
        }
    }
}

impl From<&Status> for Settled {
    fn from(status: &Status) -> Settled {
        Settled {
            succeeded: status.is_success(),
            ran: !matches!(status, Status::Cancelled { started: false, .. }),
        }
    }
}

impl<S: Spawn> Run<'_, '_, S> {
    /// Whether the run goes on when nothing is left to do: it has a control input that has
    /// not ended it, and no signal asked rask to stop.
    pub(super) fn stays_open(&self) -> bool {
        self.control.as_ref().is_some_and(|control| !control.ended) && self.signal.is_none()
    }

    /// The control input's descriptor, while a message may still come through it.
    pub(super) fn control_fd(&self) -> Option<std::os::fd::RawFd> {
        self.control
            .as_ref()
            .filter(|control| control.receiver.is_open())
            .map(|control| control.receiver.fd())
    }

    /// Reports the summary of the round that just fell idle, once.
    pub(super) fn round_finished(&mut self, events: &mut Emitter<'_>) {
        if !self.round_open {
            return;
        }
        self.round_open = false;
        let outcomes = self.outcomes[self.round_from..].to_vec();
        let summary = RunSummary::new(
            outcomes,
            self.started.elapsed(),
            self.signal,
            self.aborted.clone(),
        );
        events.emit(EventKind::RunFinished { summary });
    }

    /// Applies every message waiting on the control input.
    pub(super) fn take_control(&mut self, events: &mut Emitter<'_>) {
        let Some(control) = &mut self.control else {
            return;
        };
        let mut inbox = std::mem::take(&mut control.inbox);
        control.receiver.take(&mut inbox);
        for message in inbox.drain(..) {
            match message {
                Control::Restart(tasks) => self.restart(&tasks, events),
                Control::Stop(tasks) => self.stop(&tasks, events),
                Control::End => self.end(),
            }
        }
        if let Some(control) = &mut self.control {
            control.inbox = inbox;
        }
    }

    fn end(&mut self) {
        if let Some(control) = &mut self.control {
            control.ended = true;
        }
        // Quietly: whoever ended the run says why; nothing further starts.
        self.cancel = self.cancel.max(Some(CancelReason::Signal));
        for task in self.running.clone() {
            self.stop_running(task, StopCause::Cancel(CancelReason::Signal));
        }
    }

    /// Stops `tasks` for good: the running ones with the polite signal and then SIGKILL, the
    /// ones not started yet at once; their dependents are blocked as after a failure.
    fn stop(&mut self, tasks: &[TaskId], events: &mut Emitter<'_>) {
        for &task in tasks {
            match self.states[task.index()] {
                TaskState::Running(_) => {
                    self.stop_running(task, StopCause::Cancel(CancelReason::Signal));
                }
                TaskState::Waiting(_)
                | TaskState::Ready
                | TaskState::Checking
                | TaskState::Checked => {
                    self.ready.retain(|&queued| queued != task);
                    let status = Status::Cancelled {
                        reason: CancelReason::Signal,
                        started: false,
                    };
                    self.finish(task, status, events);
                }
                TaskState::Calling(_) | TaskState::Resuming(_) => {
                    self.end_paused(task, CancelReason::Signal, events);
                }
                // Its commands are over; it is reported once its outputs are recorded.
                TaskState::Recording(_) | TaskState::Done => {}
            }
        }
    }

    /// Runs `tasks` and their dependents again, stopping the running ones first.
    fn restart(&mut self, tasks: &[TaskId], events: &mut Emitter<'_>) {
        if self.control.as_ref().is_some_and(|control| control.ended)
            || self
                .cancel
                .is_some_and(|reason| reason >= CancelReason::Signal)
        {
            return;
        }
        // A failure that stopped the last round does not stop this one.
        self.cancel = None;
        let affected = self.with_dependents(tasks);
        if !self.round_open {
            self.round_open = true;
            self.round_from = self.outcomes.len();
            self.started = Instant::now();
        }
        // Stale outcomes go; the round's summary will hold the new ones.
        let stale_before_round = self.outcomes[..self.round_from]
            .iter()
            .filter(|outcome| affected[outcome.task.index()])
            .count();
        self.outcomes
            .retain(|outcome| !affected[outcome.task.index()]);
        self.round_from -= stale_before_round;
        self.ready.retain(|queued| !affected[queued.index()]);
        // The plan's order respects every edge: prerequisites are re-armed before the tasks
        // that count them.
        for index in (0..affected.len()).filter(|&index| affected[index]) {
            let task = TaskId(index as u32);
            match self.states[index] {
                TaskState::Running(_) if self.reloads(task) => self.reload(task, &affected),
                TaskState::Running(_) => self.stop_running(task, StopCause::Restart),
                // A check in flight is forgotten: its verdict is about files from before.
                _ => self.rearm(task, events),
            }
        }
    }

    /// `tasks` and every task that depends on them or calls them in `run`, directly or not, by
    /// index: a called task runs again only inside its caller, which runs again around it. A
    /// task that will reload rather than restart keeps running, and so do the tasks after it.
    fn with_dependents(&self, tasks: &[TaskId]) -> Vec<bool> {
        let mut callers: Vec<Vec<TaskId>> = vec![Vec::new(); self.plan.tasks.len()];
        for (index, planned) in self.plan.tasks.iter().enumerate() {
            for callee in planned.commands.iter().filter_map(|command| command.call) {
                callers[callee.index()].push(TaskId(index as u32));
            }
        }
        let mut affected = vec![false; self.plan.tasks.len()];
        let mut stack: Vec<TaskId> = tasks.to_vec();
        while let Some(task) = stack.pop() {
            if std::mem::replace(&mut affected[task.index()], true) || self.reloads(task) {
                continue;
            }
            stack.extend(
                self.plan.dependents[task.index()]
                    .iter()
                    .map(|&(dependent, _)| dependent),
            );
            stack.extend(&callers[task.index()]);
        }
        affected
    }

    /// Whether `task` is running and has a `watch_signal`: it reloads instead of restarting.
    fn reloads(&self, task: TaskId) -> bool {
        matches!(self.states[task.index()], TaskState::Running(_))
            && self.plan.tasks[task.index()].task.watch_signal.is_some()
    }

    /// Sends a running task its `watch_signal` now, or once the prerequisites that run again
    /// (those in `affected`) have succeeded, so a server reloads what was just rebuilt.
    fn reload(&mut self, task: TaskId, affected: &[bool]) {
        let signal = self.plan.tasks[task.index()].task.watch_signal;
        let TaskState::Running(running) = &mut self.states[task.index()] else {
            return;
        };
        running.reload = signal;
        let waits = self.plan.prerequisites[task.index()]
            .iter()
            .any(|(prerequisite, _)| affected[prerequisite.index()]);
        if !waits {
            self.reload_if_due(task);
        }
    }

    /// Delivers a pending reload once every prerequisite of the task has released it again.
    pub(super) fn reload_if_due(&mut self, task: TaskId) {
        // Asked each time a prerequisite finishes: a task that waits for a thousand is looked
        // at a thousand times, so the cheap test comes before the scan of its prerequisites.
        let TaskState::Running(running) = &self.states[task.index()] else {
            return;
        };
        if running.reload.is_none() || running.stopping.is_some() {
            return;
        }
        let released = self.plan.prerequisites[task.index()]
            .iter()
            .all(|&(prerequisite, edge)| {
                matches!(self.states[prerequisite.index()], TaskState::Done)
                    && self.settled[prerequisite.index()].releases(edge)
            });
        if !released {
            return;
        }
        if let TaskState::Running(running) = &mut self.states[task.index()] {
            if let Some(signal) = running.reload.take() {
                running.job.notify(signal);
            }
        }
    }

    /// Puts a task that is not running back to waiting for its prerequisites, counting those
    /// not yet finished; one that finished without releasing it blocks it at once.
    pub(super) fn rearm(&mut self, task: TaskId, events: &mut Emitter<'_>) {
        // A caller stopped at a call waits for that call no more.
        if matches!(self.states[task.index()], TaskState::Calling(_)) {
            let commands = &self.plan.tasks[task.index()].commands;
            for callee in commands.iter().filter_map(|command| command.call) {
                self.callers[callee.index()].retain(|&caller| caller != task);
            }
        }
        // A task reached only through calls waits for a call again, as at the start, unless
        // a caller already waits for it (one restarted before this task's old run ended).
        let awaits_call =
            self.plan.tasks[task.index()].called_only && self.callers[task.index()].is_empty();
        self.uncalled[task.index()] = awaits_call;
        let mut waiting = usize::from(awaits_call);
        for &(prerequisite, edge) in &self.plan.prerequisites[task.index()] {
            match self.states[prerequisite.index()] {
                TaskState::Done if self.settled[prerequisite.index()].releases(edge) => {}
                TaskState::Done => {
                    self.states[task.index()] = TaskState::Waiting(1);
                    return self.block(task, events);
                }
                _ => waiting += 1,
            }
        }
        if waiting == 0 {
            self.states[task.index()] = TaskState::Ready;
            self.ready.push_back(task);
        } else {
            self.states[task.index()] = TaskState::Waiting(waiting);
        }
    }

    /// Asks a running task to stop, SIGKILL following after the grace period. A stronger
    /// cause already in force is kept: a task stopping for good is not restarted.
    fn stop_running(&mut self, task: TaskId, cause: StopCause) {
        let kill_at = Instant::now() + self.options.grace;
        let TaskState::Running(running) = &mut self.states[task.index()] else {
            return;
        };
        let cause = match (running.stopping, cause) {
            (Some((current @ StopCause::Cancel(_), _)), _) => current,
            _ => cause,
        };
        let kill_at = match running.stopping {
            Some((_, Some(earlier))) => earlier.min(kill_at),
            _ => kill_at,
        };
        let signal = if self.options.grace.is_zero() {
            libc::SIGKILL
        } else {
            libc::SIGTERM
        };
        running.stopping = Some((cause, Some(kill_at)));
        running.job.signal(signal);
    }
}
