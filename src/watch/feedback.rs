//! What watch mode says between runs: one line when watching starts and one when a run has
//! fallen idle (what ran, how it went, how long it took). The trigger line, naming the
//! changed files and the tasks they start, is the decider's.

use crate::events::RunSummary;
use crate::graph::Plan;

/// The line that says watching has begun; tests wait for it before changing files.
pub(crate) fn watching(directories: usize) -> String {
    let what = if directories == 1 {
        "directory"
    } else {
        "directories"
    };
    format!("rask: watching {directories} {what} for changes (Ctrl-C to stop)")
}

/// `rask: ran `build`, `test`: ok in 0.21s; waiting for changes`.
pub(crate) fn round_finished(plan: &Plan<'_>, summary: &RunSummary) -> String {
    let name = |task: crate::graph::TaskId| format!("`{}`", plan.tasks[task.index()].name());
    let ran: Vec<String> = summary
        .outcomes
        .iter()
        .filter(|outcome| !plan.tasks[outcome.task.index()].commands.is_empty())
        .map(|outcome| name(outcome.task))
        .collect();
    let failed: Vec<String> = summary
        .root_failures()
        .map(|outcome| name(outcome.task))
        .collect();
    let result = if failed.is_empty() {
        "ok".to_owned()
    } else {
        format!("{} failed", failed.join(", "))
    };
    let took = summary.duration.as_secs_f64();
    if ran.is_empty() {
        return "rask: nothing to run; waiting for changes".to_owned();
    }
    format!(
        "rask: ran {}: {result} in {took:.2}s; waiting for changes",
        ran.join(", ")
    )
}
