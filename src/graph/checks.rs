//! The checks that decide, before a task's commands, whether it runs at all: its `if`
//! condition, its `preconditions` and its `status` commands. The main type here is
//! [`PlannedChecks`].
//!
//! Checks are shell commands like any other: the plan only substitutes and quotes them; the
//! job runs them as processes of the task (never on the scheduler's thread), and their exit
//! statuses decide between skipped, failed before starting, up to date, or run.

/// One check, substituted and quoted, as it will be spawned. Its output is discarded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PlannedCheck {
    /// The condition as written, after substitution, for messages.
    pub(crate) display: String,
    /// What is executed: program first.
    pub(crate) argv: Vec<String>,
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
