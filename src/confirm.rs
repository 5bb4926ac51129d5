//! Task `confirm` questions, asked before a run starts. The main function here is
//! [`confirm`].
//!
//! Every question of the tasks about to run is asked up front, in plan order, before anything
//! runs: asking when a task's turn comes would interleave the prompt with other tasks' output
//! and block the scheduler's thread on the terminal. Without a terminal nobody can answer, so
//! rask refuses unless `--yes` answered in advance.

use std::io::{BufRead, IsTerminal, Write};

use crate::graph::Plan;

/// Why the run does not start.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ConfirmError {
    #[error("task `{task}` asks \"{question}\", but stdin is not a terminal")]
    NoTerminal { task: String, question: String },
    #[error("task `{task}` was not confirmed; nothing ran")]
    Declined { task: String },
    #[error("cannot ask whether to run task `{task}`")]
    Io {
        task: String,
        #[source]
        source: std::io::Error,
    },
}

impl ConfirmError {
    pub(crate) fn help(&self) -> Option<String> {
        match self {
            ConfirmError::NoTerminal { .. } => Some("pass --yes to confirm".to_owned()),
            ConfirmError::Declined { .. } | ConfirmError::Io { .. } => None,
        }
    }
}

/// Asks every `confirm` question of the plan's tasks; `Ok` when all were answered yes (or
/// `yes` answered them).
pub(crate) fn confirm(plan: &Plan<'_>, yes: bool) -> Result<(), ConfirmError> {
    let questions = plan.tasks.iter().filter_map(|task| {
        let question = task.confirm.as_deref()?;
        Some((task.name(), question))
    });
    for (task, question) in questions {
        if yes {
            continue;
        }
        if !std::io::stdin().is_terminal() {
            return Err(ConfirmError::NoTerminal {
                task: task.to_owned(),
                question: question.to_owned(),
            });
        }
        let io_error = |source| ConfirmError::Io {
            task: task.to_owned(),
            source,
        };
        let mut stderr = std::io::stderr().lock();
        write!(stderr, "{question} [y/N] ").map_err(io_error)?;
        stderr.flush().map_err(io_error)?;
        let mut answer = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut answer)
            .map_err(io_error)?;
        if !is_yes(&answer) {
            return Err(ConfirmError::Declined {
                task: task.to_owned(),
            });
        }
    }
    Ok(())
}

fn is_yes(answer: &str) -> bool {
    matches!(answer.trim().to_lowercase().as_str(), "y" | "yes")
}

#[cfg(test)]
mod tests {
    #[test]
    fn only_y_and_yes_confirm() {
        for answer in ["y\n", "Y", " yes\r\n", "YES"] {
            assert!(super::is_yes(answer), "{answer:?}");
        }
        for answer in ["", "\n", "n", "no", "yep", "sure"] {
            assert!(!super::is_yes(answer), "{answer:?}");
        }
    }
}
