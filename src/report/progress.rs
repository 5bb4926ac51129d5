//! `--progress`: a live status area on a terminal while tasks run — each running task with its
//! elapsed time, then a done/total counter — drawn with indicatif from the run's events alone.
//! The main types here are [`ProgressSink`] and [`Screen`].
//!
//! The area is redrawn in place, so anything else written to the terminal while it is shown
//! would be overdrawn or torn. Every sink that writes to the terminal therefore writes through
//! the [`Screen`] it is given, which hides the area for the write and draws it again after
//! (indicatif's `suspend`). Task output only ever reaches the terminal through rask in
//! prefixed and grouped mode; in inherit mode the tasks write to the terminal themselves, so
//! no area is drawn there at all (the caller does not build one).

use std::fmt::Write as _;
use std::time::{Duration, Instant};

use indicatif::style::ProgressTracker;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressState, ProgressStyle};

use super::Sink;
use super::human::format_duration;
use crate::events::{Event, EventKind, Flow, StatusClass, TaskInfo};
use crate::graph::TaskId;

/// At most this many running tasks get a line; the rest are counted on one more line.
const MAX_LINES: usize = 8;

/// Names longer than this are cut (with `…`), so a line fits a terminal.
const MAX_NAME: usize = 48;

/// How often the elapsed times are redrawn.
const TICK: Duration = Duration::from_millis(100);

/// The counter line, under the running tasks' lines.
const TEMPLATE: &str = "{running}{spinner:.cyan} {pos}/{len} done {msg}";

/// Where the area is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ProgressTarget {
    /// stderr, if it is a terminal (indicatif draws nothing otherwise).
    Terminal,
    /// stderr whatever it is (`--progress always`).
    Always,
}

/// Writes made while the status area may be on screen. Cheap to clone: every terminal sink
/// holds one, and all of them hide the same area.
#[derive(Clone, Default)]
pub(crate) struct Screen {
    bar: Option<ProgressBar>,
}

impl Screen {
    /// Runs `write` with the status area hidden, and draws it again after.
    pub(crate) fn write<R>(&self, write: impl FnOnce() -> R) -> R {
        match &self.bar {
            Some(bar) if !bar.is_finished() => bar.suspend(write),
            _ => write(),
        }
    }
}

/// rask's stdout for a sink that writes there during the run (`--report json=-`), with the
/// status area hidden for each write.
pub(crate) struct ScreenStdout(pub(crate) Screen);

impl std::io::Write for ScreenStdout {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.write(|| std::io::stdout().lock().write(bytes))
    }

    fn write_all(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.0.write(|| std::io::stdout().lock().write_all(bytes))
    }

    fn flush(&mut self) -> std::io::Result<()> {
        std::io::stdout().flush()
    }
}

/// The status area as a sink of the run's events.
pub(crate) struct ProgressSink {
    bar: ProgressBar,
    style: ProgressStyle,
    tasks: Vec<TaskInfo>,
    /// Running tasks in the order they started, with when.
    running: Vec<(TaskId, Instant)>,
    failed: usize,
}

impl ProgressSink {
    /// The sink, and the [`Screen`] every other terminal sink writes through.
    pub(crate) fn new(target: ProgressTarget) -> (ProgressSink, Screen) {
        let draw_target = match target {
            ProgressTarget::Terminal => ProgressDrawTarget::stderr(),
            ProgressTarget::Always => {
                ProgressDrawTarget::term_like(Box::new(console::Term::stderr()))
            }
        };
        let style = ProgressStyle::with_template(TEMPLATE)
            .expect("the template is valid")
            .tick_chars("⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏ ");
        let bar = ProgressBar::with_draw_target(Some(0), draw_target).with_style(style.clone());
        let screen = Screen {
            bar: Some(bar.clone()),
        };
        let sink = ProgressSink {
            bar,
            style,
            tasks: Vec::new(),
            running: Vec::new(),
            failed: 0,
        };
        (sink, screen)
    }

    /// Redraws with the running tasks as they are now.
    fn update(&self) {
        let lines = RunningLines {
            tasks: self
                .running
                .iter()
                .take(MAX_LINES)
                .map(|&(task, started)| (shorten(&self.tasks[task.index()].name), started))
                .collect(),
            more: self.running.len().saturating_sub(MAX_LINES),
        };
        self.bar
            .set_style(self.style.clone().with_key("running", lines));
        let mut message = format!("· {} running", self.running.len());
        if self.failed > 0 {
            let _ = write!(message, " · {} failed", self.failed);
        }
        self.bar.set_message(message);
    }
}

impl Sink for ProgressSink {
    fn event(&mut self, event: &Event) -> Flow {
        match &event.kind {
            EventKind::RunStarted { tasks, .. } => {
                self.tasks.clone_from(tasks);
                let total = tasks.iter().filter(|task| !task.aggregate).count();
                self.bar.set_length(total as u64);
                self.update();
                self.bar.enable_steady_tick(TICK);
            }
            EventKind::TaskStarted { task, .. } if !self.tasks[task.index()].aggregate => {
                self.running.push((*task, Instant::now()));
                self.update();
            }
            EventKind::TaskFinished { outcome, retry, .. } => {
                self.running.retain(|(task, _)| *task != outcome.task);
                if !*retry && !self.tasks[outcome.task.index()].aggregate {
                    self.bar.inc(1);
                    if outcome.status.class() == StatusClass::Failure {
                        self.failed += 1;
                    }
                }
                self.update();
            }
            // Gone before the closing lines, which the other sinks write next.
            EventKind::RunFinished { .. } => self.bar.finish_and_clear(),
            _ => {}
        }
        Flow::Continue
    }
}

impl Drop for ProgressSink {
    /// A run that ends early (rask's output closed) still leaves the terminal clean, and the
    /// ticking thread stops.
    fn drop(&mut self) {
        if !self.bar.is_finished() {
            self.bar.finish_and_clear();
        }
    }
}

/// A name cut to [`MAX_NAME`] characters.
fn shorten(name: &str) -> String {
    match name.char_indices().nth(MAX_NAME) {
        Some((at, _)) => format!("{}…", &name[..at]),
        None => name.to_owned(),
    }
}

/// The `{running}` part of the template: one line per running task with its elapsed time,
/// computed at each redraw so the times tick.
#[derive(Clone)]
struct RunningLines {
    tasks: Vec<(String, Instant)>,
    more: usize,
}

impl ProgressTracker for RunningLines {
    fn clone_box(&self) -> Box<dyn ProgressTracker> {
        Box::new(self.clone())
    }

    fn tick(&mut self, _: &ProgressState, _: Instant) {}

    fn reset(&mut self, _: &ProgressState, _: Instant) {}

    fn write(&self, _: &ProgressState, out: &mut dyn std::fmt::Write) {
        let width = self
            .tasks
            .iter()
            .map(|(name, _)| name.chars().count())
            .max()
            .unwrap_or(0);
        for (name, started) in &self.tasks {
            let took = format_duration(started.elapsed());
            let _ = writeln!(out, "  {name:<width$}  {took:>7}");
        }
        if self.more > 0 {
            let _ = writeln!(out, "  … and {} more", self.more);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_names_are_cut() {
        assert_eq!(shorten("build"), "build");
        let long = "é".repeat(60);
        assert_eq!(shorten(&long), format!("{}…", "é".repeat(MAX_NAME)));
    }

    #[test]
    fn running_tasks_are_listed_then_counted() {
        let lines = RunningLines {
            tasks: vec![("build".to_owned(), Instant::now())],
            more: 3,
        };
        let mut out = String::new();
        let state = ProgressBar::hidden();
        state.update(|state| lines.write(state, &mut out));
        assert!(out.starts_with("  build  "), "{out}");
        assert!(out.ends_with("\n  … and 3 more\n"), "{out}");
    }
}
