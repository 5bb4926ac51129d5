//! From a validated [`TaskFile`](crate::config::TaskFile) and the tasks asked for, to a
//! [`Plan`]: names resolved, the dependency closure ordered, commands substituted.

mod calls;
mod checks;
mod cycle;
mod dotenv;
mod env;
mod partition;
mod plan;
mod program;
mod resolve;
mod script;
mod substitute;
mod vars;

/// Exec's tests build jobs with preconditions by hand.
#[cfg(test)]
pub(crate) use checks::PlannedPrecondition;
pub(crate) use checks::{PlannedCheck, PlannedChecks};
pub(crate) use partition::partition;
pub(crate) use plan::{
    Edge, Plan, PlannedCommand, PlannedTask, Request, TaskId, check, check_partial, plan,
};
/// Exec's tests build commands by hand.
#[cfg(test)]
pub(crate) use program::Program;
pub(crate) use program::shell_argv;
pub(crate) use resolve::Names;

use crate::config::{Diagnostic, Span};

/// Why no [`Plan`] could be built.
#[derive(Debug, thiserror::Error)]
pub(crate) enum GraphError {
    #[error("task `{task}` depends on unknown task `{name}`")]
    UnknownDependency {
        task: String,
        name: String,
        span: Span,
        suggestion: Option<String>,
    },
    #[error("task `{task}` calls unknown task `{name}`")]
    UnknownCall {
        task: String,
        name: String,
        span: Span,
        suggestion: Option<String>,
    },
    #[error("task `{task}` waits for unknown task `{name}`")]
    UnknownWaitFor {
        task: String,
        name: String,
        span: Span,
        suggestion: Option<String>,
    },
    #[error("pattern `{pattern}` in `{key}` of task `{task}` matches no task")]
    NoMatch {
        task: String,
        pattern: String,
        key: &'static str,
        span: Span,
        help: String,
    },
    #[error("no task named `{name}`")]
    UnknownTask {
        name: String,
        suggestion: Option<String>,
    },
    #[error("{}", cycle_message(path))]
    Cycle {
        /// The cycle as task names, first repeated at the end: `a -> b -> a`.
        path: Vec<String>,
        /// Where the edge that closes the cycle is written.
        span: Span,
    },
    #[error(
        "task `{task}` needs parameter `{param}`, which has no default, but runs as a dependency"
    )]
    MissingParam {
        task: String,
        param: String,
        /// The `depends` entry through which it runs.
        span: Span,
    },
    #[error("computed variable `{name}` failed: {reason}")]
    VarFailed {
        name: String,
        reason: String,
        /// What the command printed on stderr, trimmed.
        stderr: String,
        /// The var's value, `{ sh = "…" }`.
        span: Span,
    },
    #[error(
        "cannot read dotenv file `{}`{}: {reason}",
        crate::config::display_path(path),
        line.map(|line| format!(" line {line}")).unwrap_or_default()
    )]
    Dotenv {
        path: std::path::PathBuf,
        line: Option<usize>,
        reason: String,
    },
    /// A task call's `args` do not fit the called task's parameters.
    #[error("{message}")]
    BadCall {
        message: String,
        span: Span,
        label: &'static str,
        help: Option<String>,
    },
}

fn cycle_message(path: &[String]) -> String {
    match path {
        [single, _] => format!("task `{single}` depends on itself"),
        _ => format!("dependency cycle: {}", path.join(" -> ")),
    }
}

impl GraphError {
    /// The `help:` line, if the error has one.
    pub(crate) fn help(&self) -> Option<String> {
        match self {
            GraphError::UnknownDependency { suggestion, .. }
            | GraphError::UnknownCall { suggestion, .. }
            | GraphError::UnknownWaitFor { suggestion, .. }
            | GraphError::UnknownTask { suggestion, .. } => suggestion
                .as_ref()
                .map(|name| format!("did you mean `{name}`?")),
            GraphError::BadCall { help, .. } => help.clone(),
            GraphError::NoMatch { help, .. } => Some(help.clone()),
            GraphError::VarFailed { stderr, .. } if !stderr.is_empty() => {
                Some(format!("its stderr:\n{stderr}"))
            }
            GraphError::MissingParam { task, param, .. } => Some(format!(
                "give `{param}` a default, or call `{task}` with it: `{{ task = \"{task}\", args = {{ {param} = \"…\" }} }}`"
            )),
            GraphError::Cycle { .. } | GraphError::VarFailed { .. } | GraphError::Dotenv { .. } => {
                None
            }
        }
    }

    /// The error as a diagnostic pointing into `tasks.toml`, where it has a location there.
    pub(crate) fn to_diagnostic(&self) -> Diagnostic {
        let (span, label) = match self {
            GraphError::UnknownDependency { span, .. }
            | GraphError::UnknownCall { span, .. }
            | GraphError::UnknownWaitFor { span, .. } => (Some(*span), "unknown task"),
            GraphError::Cycle { span, .. } => (Some(*span), "closes the cycle"),
            GraphError::NoMatch { span, .. } => (Some(*span), "matches nothing"),
            GraphError::VarFailed { span, .. } => (Some(*span), "computed here"),
            GraphError::BadCall { span, label, .. } => (Some(*span), *label),
            GraphError::MissingParam { span, .. } => (Some(*span), "runs as a dependency here"),
            GraphError::UnknownTask { .. } | GraphError::Dotenv { .. } => (None, ""),
        };
        Diagnostic {
            message: self.to_string(),
            span,
            label: label.to_owned(),
            help: self.help(),
            also: None,
            notes: Vec::new(),
        }
    }
}
