//! `--explain`: one line per task saying why it runs, is skipped or is restored, for people
//! (stderr) and, with `--json`, for tools (stdout). The main type here is [`ExplainJson`].

use std::io::Write;

use super::Sink;
use super::progress::{Screen, ScreenStdout};
use crate::events::{Event, EventKind, Flow, TaskInfo};

/// ``rask: `build` runs: `src/a.rs` changed``.
pub(crate) fn explain_line(task: &str, text: &str) -> String {
    format!("rask: `{task}` {text}")
}

/// `{"task":"build","code":"source_changed","subject":"src/a.rs","text":"…"}`.
pub(crate) fn explain_json(task: &str, code: &str, subject: Option<&str>, text: &str) -> String {
    let mut object = serde_json::json!({ "task": task, "code": code, "text": text });
    if let Some(subject) = subject {
        object["subject"] = subject.into();
    }
    object.to_string()
}

/// Prints each explanation of a run as a JSON line on stdout.
pub(crate) struct ExplainJson {
    tasks: Vec<TaskInfo>,
    stdout: ScreenStdout,
}

impl ExplainJson {
    pub(crate) fn new(screen: Screen) -> ExplainJson {
        ExplainJson {
            tasks: Vec::new(),
            stdout: ScreenStdout(screen),
        }
    }
}

impl Sink for ExplainJson {
    fn event(&mut self, event: &Event) -> Flow {
        match &event.kind {
            EventKind::RunStarted { tasks, .. } => self.tasks.clone_from(tasks),
            EventKind::TaskExplained {
                task,
                code,
                subject,
                text,
            } => {
                let name = self
                    .tasks
                    .get(task.index())
                    .map_or("?", |info| info.name.as_str());
                let mut line = explain_json(name, code, subject.as_deref(), text);
                line.push('\n');
                if self.stdout.write_all(line.as_bytes()).is_err() {
                    return Flow::OutputClosed;
                }
            }
            _ => {}
        }
        Flow::Continue
    }
}
