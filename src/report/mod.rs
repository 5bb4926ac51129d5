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

use crate::events::{Event, Flow};

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
}

/// Fans each event out to the configured sinks, in the order they were added.
#[derive(Default)]
pub(crate) struct Reporter<'s> {
    sinks: Vec<Box<dyn Sink + 's>>,
}

impl<'s> Reporter<'s> {
    pub(crate) fn add(&mut self, sink: impl Sink + 's) {
        self.sinks.push(Box::new(sink));
    }

    /// `OutputClosed` if any sink found its destination gone.
    pub(crate) fn report(&mut self, event: Event) -> Flow {
        self.sinks
            .iter_mut()
            .fold(Flow::Continue, |flow, sink| flow.and(sink.event(&event)))
    }
}
