//! The checks that decide, before a task's commands, whether it runs at all: its `if`
//! condition, its `preconditions` and its `status` commands. The main type here is
//! [`PlannedChecks`].
//!
//! Checks are shell commands like any other: the plan only substitutes and quotes them; the
//! job runs them as processes of the task (never on the scheduler's thread), and their exit
//! statuses decide between skipped, failed before starting, up to date, or run.

use super::substitute::{Quoting, substitute};
use crate::config::Task;

/// One check, substituted and quoted, as it will be spawned. Its output is discarded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PlannedCheck {
    /// The condition as written, after substitution: a line for `settings.shell`, and what
    /// messages show.
    pub(crate) display: String,
}

/// A precondition and what to tell the user when it fails.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PlannedPrecondition {
    pub(crate) check: PlannedCheck,
    /// The task's `msg`, or a sentence naming the failed check.
    pub(crate) message: String,
}

/// A task's checks, in the order they run: `if`, then every precondition, then `status`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct PlannedChecks {
    /// `if`: when it fails, the task is skipped (and its dependents still run).
    pub(crate) condition: Option<PlannedCheck>,
    /// Each must succeed, or the task fails with its message before any command runs.
    pub(crate) preconditions: Vec<PlannedPrecondition>,
    /// `status`: when every one succeeds, the task is up to date and its commands do not run.
    pub(crate) status: Vec<PlannedCheck>,
}

impl PlannedChecks {
    pub(crate) fn is_empty(&self) -> bool {
        self.condition.is_none() && self.preconditions.is_empty() && self.status.is_empty()
    }
}

/// Every condition of `task` that may hold placeholders: its `if`, `preconditions`, `status`
/// and its commands' own `if`s.
pub(super) fn templates(task: &Task) -> impl Iterator<Item = &str> {
    let command_conditions = task.run.iter().filter_map(|step| step.condition.as_deref());
    task.condition
        .as_deref()
        .into_iter()
        .chain(
            task.preconditions
                .iter()
                .map(|precondition| precondition.sh.as_str()),
        )
        .chain(task.status.iter().map(String::as_str))
        .chain(command_conditions)
}

/// The checks of `task`, substituted like its shell commands (values shell-quoted).
pub(super) fn planned_checks<'a>(
    task: &Task,
    lookup: &impl Fn(&str) -> Option<&'a str>,
) -> PlannedChecks {
    let check = |condition: &str| planned_check(condition, lookup);
    PlannedChecks {
        condition: task.condition.as_deref().map(check),
        preconditions: task
            .preconditions
            .iter()
            .map(|precondition| {
                let check = check(&precondition.sh);
                let message = match &precondition.message {
                    Some(message) => message.clone(),
                    None => format!("`{}` failed", check.display),
                };
                PlannedPrecondition { check, message }
            })
            .collect(),
        status: task.status.iter().map(|status| check(status)).collect(),
    }
}

/// One shell condition, ready to spawn.
pub(super) fn planned_check<'a>(
    condition: &str,
    lookup: &impl Fn(&str) -> Option<&'a str>,
) -> PlannedCheck {
    PlannedCheck {
        display: substitute(condition, Quoting::Shell, lookup),
    }
}
