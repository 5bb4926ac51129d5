//! Whether a task with `sources` must run: the work the scheduler hands to an
//! [`Offload`](super::offload::Offload) worker before starting it. The main type here is
//! [`Verdict`].

use super::offload::Work;
use super::up_to_date::is_up_to_date;
use crate::graph::PlannedTask;

/// What a check decided about one task.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// Run the task's commands.
    Run,
    /// Skip it: its outputs are current.
    UpToDate,
}

/// The check to compute for `planned`, over owned copies of what it reads; `None` when the
/// task has nothing to check (no `sources`) and simply runs.
pub(crate) fn check_work(planned: &PlannedTask<'_>) -> Option<Work<Verdict>> {
    if planned.sources.is_empty() {
        return None;
    }
    let dir = planned.dir.clone();
    let sources = planned.sources.clone();
    let outputs = planned.outputs.clone();
    Some(Box::new(move || {
        if is_up_to_date(&dir, &sources, &outputs) {
            Verdict::UpToDate
        } else {
            Verdict::Run
        }
    }))
}
