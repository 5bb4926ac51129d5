//! `--report junit=PATH`: the run as JUnit XML, for CI systems that draw test dashboards from
//! it. One `<testsuite>` per run, one `<testcase>` per task with commands: its time, a
//! `<failure>` with the exit code and the tail of its output, `<skipped>` for tasks that did
//! not run, flaky attempts as `<flakyFailure>`. The main type here is [`JunitSink`].
//!
//! Written once, when the run ends, to a temporary file beside PATH that is then renamed over
//! it, so a reader never sees half a report.

use std::collections::HashMap;
use std::path::PathBuf;

use crate::atomic_file::write_atomically;
use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestRerun, TestSuite};

use super::human::describe;
use super::{Sink, cannot_write};
use crate::events::{
    Event, EventKind, Flow, RunSummary, SpooledOutput, Status, StatusClass, Stream, TaskInfo,
    TaskOutcome,
};
use crate::graph::TaskId;

/// How much of a failed task's output the report keeps, per stream.
const TAIL: usize = 16 * 1024;

/// The test case's class when a task has no namespace.
const DEFAULT_CLASS: &str = "tasks.toml";

pub(crate) struct JunitSink {
    path: PathBuf,
    tasks: Vec<TaskInfo>,
    /// The end of each task's output so far (prefixed mode), bounded by [`TAIL`] per stream.
    tails: HashMap<(TaskId, Stream), Vec<u8>>,
    /// Failed attempts of tasks that were retried, with their output then.
    earlier: HashMap<TaskId, Vec<TestRerun>>,
    /// The report could not be written, until the reporter takes it.
    failure: Option<String>,
}

impl JunitSink {
    pub(crate) fn new(path: PathBuf) -> JunitSink {
        JunitSink {
            path,
            tasks: Vec::new(),
            tails: HashMap::new(),
            earlier: HashMap::new(),
            failure: None,
        }
    }

    fn output(&mut self, task: TaskId, stream: Stream, bytes: &[u8]) {
        let tail = self.tails.entry((task, stream)).or_default();
        tail.extend_from_slice(bytes);
        if tail.len() > 2 * TAIL {
            tail.drain(..tail.len() - TAIL);
        }
    }

    /// The last [`TAIL`] bytes the task wrote to `stream`, as text.
    fn take_tail(
        &mut self,
        task: TaskId,
        stream: Stream,
        spooled: Option<&SpooledOutput>,
    ) -> String {
        let bytes = match spooled {
            Some(spooled) => spooled.tail(stream, TAIL),
            None => self.tails.remove(&(task, stream)).unwrap_or_default(),
        };
        let start = bytes.len().saturating_sub(TAIL);
        String::from_utf8_lossy(&bytes[start..]).into_owned()
    }

    fn finished(&mut self, outcome: &TaskOutcome, spooled: Option<&SpooledOutput>, retry: bool) {
        let stdout = self.take_tail(outcome.task, Stream::Stdout, spooled);
        let stderr = self.take_tail(outcome.task, Stream::Stderr, spooled);
        // A failed attempt that is retried becomes a rerun of the final test case: a
        // `flakyFailure` if the task then passed, a `rerunFailure` if it never did.
        if retry {
            let mut rerun = TestRerun::new(NonSuccessKind::Failure);
            rerun
                .set_message(describe(&outcome.status))
                .set_time(outcome.duration)
                .set_system_out(stdout)
                .set_system_err(stderr);
            self.earlier.entry(outcome.task).or_default().push(rerun);
            return;
        }
        self.tails
            .insert((outcome.task, Stream::Stdout), stdout.into_bytes());
        self.tails
            .insert((outcome.task, Stream::Stderr), stderr.into_bytes());
    }

    fn report(&mut self, summary: &RunSummary) -> Report {
        let mut suite = TestSuite::new("rask");
        suite.set_time(summary.duration);
        for outcome in &summary.outcomes {
            let task = &self.tasks[outcome.task.index()];
            if task.aggregate {
                continue;
            }
            let stdout = self.tails.remove(&(outcome.task, Stream::Stdout));
            let stderr = self.tails.remove(&(outcome.task, Stream::Stderr));
            let earlier = self.earlier.remove(&outcome.task).unwrap_or_default();
            let status = status_of(outcome, earlier);
            let mut case = TestCase::new(task.name.clone(), status);
            let class = task
                .name
                .rsplit_once(':')
                .map_or(DEFAULT_CLASS, |(ns, _)| ns);
            case.set_classname(class).set_time(outcome.duration);
            if outcome.status.class() == StatusClass::Failure {
                case.set_system_out_lossy(stdout.unwrap_or_default())
                    .set_system_err_lossy(stderr.unwrap_or_default());
            }
            suite.add_test_case(case);
        }
        let mut report = Report::new("rask");
        report.set_time(summary.duration).add_test_suite(suite);
        report
    }

    fn write(&self, report: &Report) -> std::io::Result<()> {
        write_atomically(&self.path, |file| {
            report.serialize(file).map_err(std::io::Error::other)
        })
    }
}

fn status_of(outcome: &TaskOutcome, earlier: Vec<TestRerun>) -> TestCaseStatus {
    match outcome.status.class() {
        StatusClass::Success if !outcome.status.started() => {
            let mut status = TestCaseStatus::skipped();
            status.set_message(describe(&outcome.status));
            status
        }
        StatusClass::Success => TestCaseStatus::Success {
            flaky_runs: earlier,
        },
        StatusClass::Failure => {
            let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
            status
                .set_message(describe(&outcome.status))
                .set_type(failure_type(&outcome.status))
                .add_reruns(earlier);
            status
        }
        StatusClass::Cancelled => {
            let mut status = TestCaseStatus::skipped();
            status.set_message(describe(&outcome.status));
            status
        }
    }
}

/// The `type` attribute: what kind of failure, for dashboards that group by it.
fn failure_type(status: &Status) -> &'static str {
    match status {
        Status::TimedOut => "timeout",
        Status::SpawnFailed { .. } => "spawn",
        Status::PreconditionFailed { .. } => "precondition",
        _ => "exit",
    }
}

impl Sink for JunitSink {
    fn event(&mut self, event: &Event) -> Flow {
        match &event.kind {
            EventKind::RunStarted { tasks, .. } => self.tasks.clone_from(tasks),
            EventKind::Output {
                task,
                stream,
                bytes,
            } => self.output(*task, *stream, bytes),
            EventKind::TaskFinished {
                outcome,
                spooled,
                retry,
            } => {
                self.finished(outcome, spooled.as_ref(), *retry);
            }
            EventKind::RunFinished { summary } => {
                let report = self.report(summary);
                if let Err(error) = self.write(&report) {
                    let what = format!("report `{}`", self.path.display());
                    self.failure = Some(cannot_write(&what, &error));
                }
            }
            _ => {}
        }
        Flow::Continue
    }

    fn take_failure(&mut self) -> Option<String> {
        self.failure.take()
    }
}
