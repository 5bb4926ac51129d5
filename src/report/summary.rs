//! `--summary`: the closing table of a run — per task its status, wall time, CPU time and peak
//! memory — then the slowest tasks and the critical path beside the run's wall time. The main
//! type here is [`SummarySink`].

use std::io::Write;

use super::Sink;
use super::critical_path::critical_path;
use super::human::{format_duration, signal_name};
use super::style::Style;
use crate::events::{Event, EventKind, Exit, Flow, RunSummary, Status, TaskInfo, TaskOutcome};

/// How many of the slowest tasks the summary names.
const SLOWEST: usize = 3;

/// When the table is printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SummaryWhen {
    Never,
    /// Only when the run failed (a task failed of its own accord, or rask was stopped).
    Failures,
    Always,
}

pub(crate) struct SummarySink {
    when: SummaryWhen,
    color: bool,
    tasks: Vec<TaskInfo>,
}

impl SummarySink {
    pub(crate) fn new(when: SummaryWhen, color: bool) -> SummarySink {
        SummarySink {
            when,
            color,
            tasks: Vec::new(),
        }
    }

    fn wanted(&self, summary: &RunSummary) -> bool {
        match self.when {
            SummaryWhen::Never => false,
            SummaryWhen::Failures => summary.exit_code != 0,
            SummaryWhen::Always => true,
        }
    }
}

impl Sink for SummarySink {
    fn event(&mut self, event: &Event) -> Flow {
        match &event.kind {
            EventKind::RunStarted { tasks, .. } => self.tasks.clone_from(tasks),
            EventKind::RunFinished { summary } if self.wanted(summary) => {
                let text = render(&self.tasks, summary, self.color);
                if std::io::stderr().lock().write_all(text.as_bytes()).is_err() {
                    return Flow::OutputClosed;
                }
            }
            _ => {}
        }
        Flow::Continue
    }
}

/// The table's columns.
pub(crate) const HEADER: [&str; 5] = ["task", "status", "wall", "cpu", "peak mem"];

/// One row per task that has commands, in the order they finished: the cells under
/// [`HEADER`]. Shared with the GitHub step summary, which lays them out as markdown.
pub(crate) fn rows(tasks: &[TaskInfo], summary: &RunSummary) -> Vec<[String; 5]> {
    summary
        .outcomes
        .iter()
        .filter(|outcome| !tasks[outcome.task.index()].aggregate)
        .map(|outcome| {
            let usage = outcome.usage;
            [
                tasks[outcome.task.index()].name.clone(),
                status_word(outcome),
                if outcome.status.started() {
                    format_duration(outcome.duration)
                } else {
                    "-".to_owned()
                },
                usage.map_or("-".to_owned(), |usage| {
                    format_duration(usage.user + usage.system)
                }),
                usage.map_or("-".to_owned(), |usage| format_bytes(usage.max_rss)),
            ]
        })
        .collect()
}

/// The whole table, ending in a newline.
pub(crate) fn render(tasks: &[TaskInfo], summary: &RunSummary, color: bool) -> String {
    let shown: Vec<&TaskOutcome> = summary
        .outcomes
        .iter()
        .filter(|outcome| !tasks[outcome.task.index()].aggregate)
        .collect();
    let rows = rows(tasks, summary);
    let header = HEADER.map(str::to_owned);
    let mut widths = header.clone().map(|cell| cell.len());
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let line = |row: &[String; 5]| -> String {
        let [name, status, wall, cpu, memory] = row;
        let [w0, w1, w2, w3, w4] = widths;
        format!("  {name:<w0$}  {status:<w1$}  {wall:>w2$}  {cpu:>w3$}  {memory:>w4$}")
            .trim_end()
            .to_owned()
    };
    let title = Style::COMMAND.paint("summary", color);
    let mut out = format!("rask: {title}\n{}\n", line(&header));
    for row in &rows {
        out.push_str(&line(row));
        out.push('\n');
    }
    let mut by_time: Vec<&&TaskOutcome> = shown
        .iter()
        .filter(|outcome| outcome.status.started())
        .collect();
    by_time.sort_by_key(|outcome| std::cmp::Reverse(outcome.duration));
    if by_time.len() > 1 {
        let slowest: Vec<String> = by_time
            .iter()
            .take(SLOWEST)
            .map(|outcome| {
                let name = &tasks[outcome.task.index()].name;
                format!("{name} {}", format_duration(outcome.duration))
            })
            .collect();
        out.push_str(&format!("  slowest: {}\n", slowest.join(", ")));
    }
    let path = critical_path(tasks, &summary.outcomes);
    let names: Vec<&str> = path
        .tasks
        .iter()
        .filter(|task| !tasks[task.index()].aggregate)
        .map(|task| tasks[task.index()].name.as_str())
        .collect();
    if !names.is_empty() {
        out.push_str(&format!(
            "  critical path: {} ({}) of {} wall\n",
            names.join(" → "),
            format_duration(path.length),
            format_duration(summary.duration)
        ));
    }
    out
}

/// One or two words: `ok`, `failed (3)`, `killed (SIGKILL)`, `timed out`, ...
fn status_word(outcome: &TaskOutcome) -> String {
    let exit = |exit: &Exit| match exit {
        Exit::Code(code) => format!("exit {code}"),
        Exit::Signal(signal) => signal_name(*signal).to_owned(),
    };
    let word = match &outcome.status {
        Status::Succeeded => "ok".to_owned(),
        Status::UpToDate => "up to date".to_owned(),
        Status::Restored => "restored".to_owned(),
        Status::CachedLog => "cached log".to_owned(),
        Status::Failed {
            exit: Exit::Signal(signal),
            ..
        } => format!("killed ({})", signal_name(*signal)),
        Status::Failed { exit: code, .. } => format!("failed ({})", exit(code)),
        Status::TimedOut => "timed out".to_owned(),
        Status::Cancelled { started: true, .. } => "cancelled".to_owned(),
        Status::Cancelled { started: false, .. } => "not started".to_owned(),
        Status::SpawnFailed { .. } => "could not start".to_owned(),
        Status::Skipped { .. } => "skipped".to_owned(),
        Status::NotCalled => "not called".to_owned(),
        Status::PreconditionFailed { .. } => "precondition failed".to_owned(),
        Status::FailedIgnored { exit: code, .. } => format!("failed, ignored ({})", exit(code)),
    };
    if outcome.is_flaky() {
        format!("flaky ({word} on attempt {})", outcome.attempt)
    } else if outcome.attempt > 1 {
        format!("{word}, attempt {}", outcome.attempt)
    } else {
        word
    }
}

/// `850 KB`, `13.6 MB`, `1.2 GB`: decimal units, as `time -v` and CI dashboards show.
fn format_bytes(bytes: u64) -> String {
    const KB: f64 = 1000.0;
    let bytes = bytes as f64;
    if bytes < KB * KB {
        format!("{:.0} KB", bytes / KB)
    } else if bytes < KB * KB * KB {
        format!("{:.1} MB", bytes / (KB * KB))
    } else {
        format!("{:.2} GB", bytes / (KB * KB * KB))
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::events::Usage;
    use crate::graph::TaskId;

    fn info(id: u32, name: &str, depends: &[u32], aggregate: bool) -> TaskInfo {
        TaskInfo {
            id: TaskId(id),
            name: name.to_owned(),
            depends: depends.iter().map(|&dep| TaskId(dep)).collect(),
            aggregate,
        }
    }

    fn outcome(id: u32, status: Status, millis: u64, usage: Option<(u64, u64)>) -> TaskOutcome {
        TaskOutcome {
            task: TaskId(id),
            status,
            duration: Duration::from_millis(millis),
            attempt: 1,
            usage: usage.map(|(cpu_millis, max_rss)| Usage {
                user: Duration::from_millis(cpu_millis),
                system: Duration::ZERO,
                max_rss,
            }),
        }
    }

    #[test]
    fn renders_a_table_the_slowest_and_the_critical_path() {
        let tasks = [
            info(0, "build", &[], false),
            info(1, "test", &[0], false),
            info(2, "lint", &[], false),
            info(3, "deploy", &[1, 2], false),
            info(4, "ci", &[3], true),
        ];
        let not_started = Status::Cancelled {
            reason: crate::events::CancelReason::DependencyFailed,
            started: false,
        };
        let summary = RunSummary {
            outcomes: vec![
                outcome(2, Status::UpToDate, 0, None),
                outcome(0, Status::Succeeded, 1200, Some((2300, 412_000_000))),
                outcome(
                    1,
                    Status::Failed {
                        exit: Exit::Code(3),
                        command: 0,
                    },
                    850,
                    Some((700, 95_500_000)),
                ),
                outcome(3, not_started.clone(), 0, None),
                outcome(4, not_started, 0, None),
            ],
            duration: Duration::from_millis(2080),
            signal: None,
            aborted: None,
            exit_code: 3,
        };
        insta::assert_snapshot!(render(&tasks, &summary, false));
    }

    #[test]
    fn formats_bytes_in_decimal_units() {
        assert_eq!(format_bytes(850_000), "850 KB");
        assert_eq!(format_bytes(13_600_000), "13.6 MB");
        assert_eq!(format_bytes(1_230_000_000), "1.23 GB");
    }
}
