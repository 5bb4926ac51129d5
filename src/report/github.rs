//! GitHub Actions, under `GITHUB_ACTIONS=true` only: an `::error` annotation for each task
//! that failed, and the summary table appended to `$GITHUB_STEP_SUMMARY` as markdown. (Each
//! task's output is folded into `::group::` blocks by the human sink, which writes it.) The
//! main type here is [`GithubSink`].

use std::io::Write;
use std::path::PathBuf;

use super::Sink;
use super::human::describe;
use super::progress::{Screen, ScreenStdout};
use super::summary::{HEADER, rows};
use crate::events::{Event, EventKind, Flow, RunSummary, TaskInfo};

pub(crate) struct GithubSink {
    /// `$GITHUB_STEP_SUMMARY`, if set: a file each step appends markdown to.
    step_summary: Option<PathBuf>,
    tasks: Vec<TaskInfo>,
    /// Annotations go to stdout, where the runner reads them.
    stdout: ScreenStdout,
}

impl GithubSink {
    pub(crate) fn new(step_summary: Option<PathBuf>, screen: Screen) -> GithubSink {
        GithubSink {
            stdout: ScreenStdout(screen),
            step_summary,
            tasks: Vec::new(),
        }
    }

    fn append_step_summary(&self, summary: &RunSummary) -> std::io::Result<()> {
        let Some(path) = &self.step_summary else {
            return Ok(());
        };
        let mut markdown = format!(
            "### rask: {}\n\n| {} |\n|{}\n",
            if summary.exit_code == 0 {
                "succeeded"
            } else {
                "failed"
            },
            HEADER.join(" | "),
            " --- |".repeat(HEADER.len()),
        );
        for row in rows(&self.tasks, summary) {
            let cells: Vec<String> = row.iter().map(|cell| table_cell(cell)).collect();
            markdown.push_str(&format!("| {} |\n", cells.join(" | ")));
        }
        markdown.push('\n');
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)?;
        file.write_all(markdown.as_bytes())
    }
}

impl Sink for GithubSink {
    fn event(&mut self, event: &Event) -> Flow {
        match &event.kind {
            EventKind::RunStarted { tasks, .. } => self.tasks.clone_from(tasks),
            EventKind::TaskFinished {
                outcome,
                retry: false,
                ..
            } if outcome.status.is_root_failure() => {
                let name = &self.tasks[outcome.task.index()].name;
                let line = format!(
                    "::error title={}::{}\n",
                    escape_property(&format!("rask: task `{name}` failed")),
                    escape_data(&format!("task `{name}` {}", describe(&outcome.status)))
                );
                if self.stdout.write_all(line.as_bytes()).is_err() {
                    return Flow::OutputClosed;
                }
            }
            // The step summary is a convenience: failing to append to it changes nothing.
            EventKind::RunFinished { summary } => {
                let _ = self.append_step_summary(summary);
            }
            _ => {}
        }
        Flow::Continue
    }
}

/// A workflow command's message: `%`, CR and LF escaped, as the runner's toolkit does.
pub(crate) fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// A workflow command's property value: as [`escape_data`], and `:` and `,` too.
fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

/// A markdown table cell: a `|` would end it.
fn table_cell(text: &str) -> String {
    text.replace('|', "\\|")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_like_the_actions_toolkit() {
        assert_eq!(escape_data("50%\nnext"), "50%25%0Anext");
        assert_eq!(escape_property("a: b, c"), "a%3A b%2C c");
    }
}
