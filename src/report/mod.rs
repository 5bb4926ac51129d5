//! What the user sees of a run. The main type here is [`Reporter`], which renders each
//! [`Event`] the scheduler emits; today it has one sink, the human one on the terminal.

mod event;
mod human;
mod listing;
mod prefix;
mod style;
mod tree;

pub(crate) use event::Event;
pub(crate) use human::{HumanReporter, ReportOptions};
pub(crate) use listing::{dry_run, list, list_json, task_help};
pub(crate) use style::{Style, wants_color};
pub(crate) use tree::{dot, tree};

/// Fans each event out to the configured sinks.
pub(crate) struct Reporter<'p, 'f> {
    human: HumanReporter<'p, 'f>,
}

impl<'p, 'f> Reporter<'p, 'f> {
    pub(crate) fn new(plan: &'p crate::graph::Plan<'f>, options: ReportOptions) -> Self {
        Reporter {
            human: HumanReporter::new(plan, options),
        }
    }

    pub(crate) fn report(&mut self, event: Event<'_>) {
        self.human.report(event);
    }
}
