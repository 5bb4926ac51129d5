//! What the user (or a tool) sees of a run. The main type here is [`Reporter`], which hands
//! each [`Event`] the scheduler emits to every configured [`Sink`]: the human one on the
//! terminal, and whichever of the structured ones were asked for.
//!
//! Colour and terminal choices arrive resolved; nothing here reads the command line.

mod critical_path;
mod explain;
mod github;
mod human;
mod json;
mod junit;
mod listing;
mod prefix;
mod progress;
mod style;
mod summary;
mod timings;
mod tree;

pub(crate) use explain::{ExplainJson, explain_json, explain_line};
pub(crate) use github::GithubSink;
pub(crate) use human::{HumanReporter, ReportOptions};
pub(crate) use json::JsonSink;
pub(crate) use junit::JunitSink;
pub(crate) use listing::{DrySkip, dry_run, list, list_json, task_help};
pub(crate) use progress::{ProgressSink, ProgressTarget, Screen, ScreenStdout};
pub(crate) use style::Style;
pub(crate) use summary::{SummarySink, SummaryWhen};
pub(crate) use timings::TimingsSink;
pub(crate) use tree::{dot, tree};

use std::path::PathBuf;

use crate::events::{Event, EventKind, Flow};

/// A report rask was asked to write but cannot.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ReportError {
    #[error("cannot create report `{}`", path.display())]
    Create {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// One view of a run, drawn from its events alone.
pub(crate) trait Sink {
    /// Renders `event`; says whether the sink's destination is still there.
    fn event(&mut self, event: &Event) -> Flow;

    /// Once, after a write failed (a full disk, a directory that vanished): what could not be
    /// written, for a warning. A destination that is gone for good (rask's stdout closed) is
    /// [`Flow::OutputClosed`] instead.
    fn take_failure(&mut self) -> Option<String> {
        None
    }
}

/// What a sink says of a destination that cannot be written.
pub(super) fn cannot_write(what: &str, error: &std::io::Error) -> String {
    format!("cannot write {what}: {error}")
}

/// Fans each event out to the configured sinks, in the order they were added.
///
/// A sink that cannot write does not stop the run (a lost report is no reason to throw away
/// the work of the tasks) but must not let it pass either: its failure becomes a warning,
/// itself an event every sink sees, and [`Reporter::failed`] makes rask exit non-zero.
/// (cargo-nextest instead cancels the run on a reporter error.)
#[derive(Default)]
pub(crate) struct Reporter<'s> {
    sinks: Vec<Box<dyn Sink + 's>>,
    failed: bool,
}

impl<'s> Reporter<'s> {
    pub(crate) fn add(&mut self, sink: impl Sink + 's) {
        self.sinks.push(Box::new(sink));
    }

    /// `OutputClosed` if any sink found its destination gone.
    pub(crate) fn report(&mut self, event: Event) -> Flow {
        let mut flow = Flow::Continue;
        let mut failures = Vec::new();
        for sink in &mut self.sinks {
            flow = flow.and(sink.event(&event));
            failures.extend(sink.take_failure());
        }
        let finished = matches!(event.kind, EventKind::RunFinished { .. });
        for failure in failures {
            self.failed = true;
            let message = if finished {
                format!("{failure}; rask will exit non-zero")
            } else {
                format!("{failure}; the run goes on, and rask will exit non-zero")
            };
            let warning = Event {
                time: event.time,
                elapsed: event.elapsed,
                kind: EventKind::Warning { message },
            };
            flow = self
                .sinks
                .iter_mut()
                .fold(flow, |flow, sink| flow.and(sink.event(&warning)));
        }
        flow
    }

    /// Some sink could not write what it was given.
    pub(crate) fn failed(&self) -> bool {
        self.failed
    }
}
