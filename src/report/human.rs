//! The terminal rendering of a run. The main type here is [`HumanReporter`].
//!
//! Task output goes to stdout (and the task's stderr to stderr); everything rask says about
//! the run goes to stderr, so `rask build > out.txt` captures only what the tasks printed.

use std::collections::HashMap;
use std::io::{self, Write};
use std::time::Duration;

use super::prefix::LinePrefixer;
use super::progress::Screen;
use super::style::Style;
use super::{Sink, cannot_write};
use crate::events::{
    CancelReason, Event, EventKind, Exit, Flow, OutputMode, RunSummary, SpooledOutput, Status,
    Stream, TaskOutcome,
};
use crate::graph::{Plan, TaskId};

/// How the human reporter renders.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ReportOptions {
    pub(crate) output: OutputMode,
    pub(crate) color_stdout: bool,
    pub(crate) color_stderr: bool,
    /// Only failures: no command echo, no success summary.
    pub(crate) quiet: bool,
    /// Fold each task's output into a GitHub Actions `::group::` (grouped and inherit modes,
    /// where one task's output is contiguous).
    pub(crate) github_groups: bool,
}

pub(crate) struct HumanReporter<'p, 'f> {
    plan: &'p Plan<'f>,
    options: ReportOptions,
    prefixer: LinePrefixer,
    /// Reused buffer for prefixed lines, so a chunk leaves in one write.
    buffer: Vec<u8>,
    /// Grouped mode: each running task's command echo, printed as the header of its block.
    headers: HashMap<TaskId, Vec<String>>,
    /// A write failed because rask's stdout or stderr is gone (EPIPE, EIO).
    closed: bool,
    /// Every write goes through it, so a progress area on the terminal is never torn.
    screen: Screen,
    /// A write failed for another reason (a full disk): said once, as a warning.
    write_failed: bool,
    failure: Option<String>,
}

impl<'p, 'f> HumanReporter<'p, 'f> {
    pub(crate) fn new(plan: &'p Plan<'f>, options: ReportOptions, screen: Screen) -> Self {
        HumanReporter {
            plan,
            options,
            prefixer: LinePrefixer::default(),
            buffer: Vec::with_capacity(128 * 1024),
            headers: HashMap::new(),
            closed: false,
            screen,
            write_failed: false,
            failure: None,
        }
    }

    /// Notes a failed write: a destination that is gone ends the run's reporting (issue #8);
    /// any other error (a full disk) is warned about once, and makes rask exit non-zero.
    fn wrote(&mut self, result: io::Result<()>) {
        let Err(error) = result else { return };
        let gone =
            error.kind() == io::ErrorKind::BrokenPipe || error.raw_os_error() == Some(libc::EIO);
        if gone {
            self.closed = true;
        } else if !self.write_failed {
            self.write_failed = true;
            self.failure = Some(cannot_write("rask's output", &error));
        }
    }
    /// `[task] ` in prefixed and grouped modes; nothing when one task owns the terminal.
    fn tag(&self, task: TaskId, color: bool) -> String {
        match self.options.output {
            OutputMode::Inherit => String::new(),
            OutputMode::Prefixed | OutputMode::Grouped => {
                let tag = format!("[{}]", self.plan.tasks[task.index()].name());
                format!("{} ", Style::for_task(task.index()).paint(&tag, color))
            }
        }
    }

    fn output(&mut self, task: TaskId, stream: Stream, bytes: &[u8]) {
        let prefix = self.tag(task, self.color_of(stream));
        let prefixer = &mut self.prefixer;
        let buffer = &mut self.buffer;
        let result = self.screen.write(|| {
            write_batched(stream, buffer, |out| {
                prefixer.push(task, stream, prefix.as_bytes(), bytes, out)
            })
        });
        self.wrote(result);
    }

    fn color_of(&self, stream: Stream) -> bool {
        match stream {
            Stream::Stdout => self.options.color_stdout,
            Stream::Stderr => self.options.color_stderr,
        }
    }

    /// One line to stderr, in one write: stderr is unbuffered, and `writeln!` would make two.
    fn say(&mut self, line: &str) {
        let mut text = String::with_capacity(line.len() + 1);
        text.push_str(line);
        text.push('\n');
        let result = self
            .screen
            .write(|| std::io::stderr().lock().write_all(text.as_bytes()));
        self.wrote(result);
    }

    /// Echoes `$ command`; in grouped mode it waits to head the task's block of output, so
    /// every block says whose it is.
    fn command_started(&mut self, task: TaskId, index: usize, display: &str) {
        if index == 0 && self.options.github_groups && self.options.output == OutputMode::Inherit {
            self.group(Some(task));
        }
        if self.options.quiet {
            // Quiet drops the command echo, but a grouped block still needs to say whose it
            // is (issue #8).
            if index == 0 && self.options.output == OutputMode::Grouped {
                let tag = self.tag(task, self.options.color_stderr);
                self.headers.insert(task, vec![tag.trim_end().to_owned()]);
            }
            return;
        }
        let echo = Style::COMMAND.paint(&format!("$ {display}"), self.options.color_stderr);
        let line = format!("{}{echo}", self.tag(task, self.options.color_stderr));
        match self.options.output {
            OutputMode::Grouped => self.headers.entry(task).or_default().push(line),
            OutputMode::Inherit | OutputMode::Prefixed => self.say(&line),
        }
    }

    /// `::group::NAME` (with a task) or `::endgroup::`, on stdout where the runner reads them.
    fn group(&mut self, task: Option<TaskId>) {
        let line = match task {
            Some(task) => format!(
                "::group::{}\n",
                super::github::escape_data(self.plan.tasks[task.index()].name())
            ),
            None => "::endgroup::\n".to_owned(),
        };
        let result = self.screen.write(|| {
            let mut out = std::io::stdout().lock();
            out.write_all(line.as_bytes()).and_then(|()| out.flush())
        });
        self.wrote(result);
    }

    fn task_finished(
        &mut self,
        outcome: &TaskOutcome,
        spooled: Option<&SpooledOutput>,
        retry: bool,
    ) {
        let task = outcome.task;
        let grouped = self.options.github_groups && outcome.status.started();
        if grouped && self.options.output == OutputMode::Grouped {
            self.group(Some(task));
        }
        let mut headers = self.headers.remove(&task).unwrap_or_default();
        if headers.is_empty() && spooled.is_some() && !outcome.status.started() {
            // A log replayed from the cache ran no command to head its block: the tag does.
            headers.push(
                self.tag(task, self.options.color_stderr)
                    .trim_end()
                    .to_owned(),
            );
        }
        for header in headers {
            self.say(&header);
        }
        for stream in [Stream::Stdout, Stream::Stderr] {
            let prefix = self.tag(task, self.color_of(stream));
            let prefixer = &mut self.prefixer;
            let buffer = &mut self.buffer;
            let result = self.screen.write(|| {
                write_batched(stream, buffer, |out| {
                    prefixer.finish(task, stream, prefix.as_bytes(), out)
                })
            });
            self.wrote(result);
        }
        if let Some(spooled) = spooled {
            let result = self.screen.write(|| copy_spooled(spooled));
            self.wrote(result);
        }
        if grouped && self.options.output != OutputMode::Prefixed {
            self.group(None);
        }
        if retry {
            let name = self.plan.tasks[outcome.task.index()].name();
            let message = format!(
                "rask: task `{name}` {} ({}); retrying (attempt {})",
                describe(&outcome.status),
                format_duration(outcome.duration),
                outcome.attempt + 1
            );
            self.say(&message);
        } else if let Some(message) = self.outcome_message(outcome) {
            self.say(&message);
        }
    }

    /// One line for a task that did not succeed; `None` for successes and never-started tasks.
    fn outcome_message(&self, outcome: &TaskOutcome) -> Option<String> {
        let name = self.plan.tasks[outcome.task.index()].name();
        let color = self.options.color_stderr;
        let error = Style::ERROR.paint("error", color);
        let took = format_duration(outcome.duration);
        match &outcome.status {
            Status::Succeeded | Status::NotCalled | Status::Cancelled { started: false, .. } => {
                None
            }
            Status::UpToDate | Status::Restored | Status::CachedLog if self.options.quiet => None,
            Status::UpToDate => Some(format!("rask: task `{name}` is up to date")),
            Status::Restored => Some(format!("rask: `{name}`: restored from cache")),
            Status::CachedLog => Some(format!("rask: `{name}`: cached: log only")),
            Status::Skipped { .. } | Status::FailedIgnored { .. } if self.options.quiet => None,
            Status::Skipped { .. } | Status::FailedIgnored { .. } => {
                Some(format!("rask: task `{name}` {}", describe(&outcome.status)))
            }
            Status::Failed { .. }
            | Status::TimedOut
            | Status::SpawnFailed { .. }
            | Status::PreconditionFailed { .. } => Some(format!(
                "{error}: task `{name}` {} ({took})",
                describe(&outcome.status)
            )),
            Status::Cancelled { started: true, .. } if !self.options.quiet => {
                Some(format!("rask: task `{name}` cancelled ({took})"))
            }
            Status::Cancelled { .. } => None,
        }
    }

    fn cancelling(&mut self, reason: CancelReason, running: usize) {
        let why = match reason {
            CancelReason::Failure | CancelReason::DependencyFailed => "a task failed",
            CancelReason::Signal => "terminated",
            CancelReason::Interrupt => "interrupted (Ctrl-C again to kill at once)",
            CancelReason::SecondSignal => "killing at once",
            CancelReason::Aborted => "cannot go on, killing at once",
        };
        if running > 0 && !(self.options.quiet && reason <= CancelReason::DependencyFailed) {
            let tasks = if running == 1 { "task" } else { "tasks" };
            self.say(&format!("rask: {why}: stopping {running} running {tasks}"));
        }
    }

    /// The closing lines: root failures first, each with its exit code and duration, then one
    /// line each for what was cancelled and what never started, so the cause is never buried.
    fn summary(&mut self, summary: &RunSummary) {
        let names = |filter: &dyn Fn(&Status) -> bool| -> Vec<String> {
            summary
                .outcomes
                .iter()
                .filter(|outcome| filter(&outcome.status))
                .map(|outcome| format!("`{}`", self.plan.tasks[outcome.task.index()].name()))
                .collect()
        };
        let color = self.options.color_stderr;
        let failures: Vec<&TaskOutcome> = summary.root_failures().collect();
        let ran = summary
            .outcomes
            .iter()
            .filter(|outcome| !self.plan.tasks[outcome.task.index()].commands.is_empty())
            .filter(|outcome| outcome.status != Status::NotCalled)
            .count();
        let took = format_duration(summary.duration);
        let skipped = names(&|status| matches!(status, Status::Skipped { .. }));
        let ignored = names(&|status| matches!(status, Status::FailedIgnored { .. }));
        let flaky: Vec<String> = summary
            .outcomes
            .iter()
            .filter(|outcome| outcome.is_flaky())
            .map(|outcome| format!("`{}`", self.plan.tasks[outcome.task.index()].name()))
            .collect();
        if !flaky.is_empty() && !self.options.quiet {
            let warning = Style::WARNING.paint("flaky", color);
            let line = format!("rask: {warning}: passed on a retry: {}", flaky.join(", "));
            self.say(&line);
        }
        if failures.is_empty() && summary.signal.is_none() && summary.aborted.is_none() {
            if !self.options.quiet && ran > 1 {
                let done = Style::SUCCESS.paint("done", color);
                let line = if skipped.is_empty() && ignored.is_empty() {
                    format!("rask: {done}: {ran} tasks succeeded in {took}")
                } else {
                    let succeeded = ran - skipped.len() - ignored.len();
                    let mut counts = vec![format!("{succeeded} succeeded")];
                    if !skipped.is_empty() {
                        counts.push(format!("{} skipped", skipped.len()));
                    }
                    if !ignored.is_empty() {
                        counts.push(format!("{} failed, ignored", ignored.len()));
                    }
                    format!("rask: {done}: {ran} tasks in {took}: {}", counts.join("; "))
                };
                self.say(&line);
            }
            return;
        }
        let mut lines = Vec::new();
        let error = Style::ERROR.paint("error", color);
        if let Some(why) = &summary.aborted {
            lines.push(format!("{error}: rask stopped the run: {why} ({took})"));
        }
        if !failures.is_empty() {
            let header = format!("{} of {ran} tasks failed ({took}):", failures.len());
            lines.push(format!("{error}: {header}"));
        } else if summary.aborted.is_none() {
            lines.push(format!(
                "rask: stopped by signal {} ({took})",
                signal_name(summary.signal.unwrap_or(0))
            ));
        }
        let width = failures
            .iter()
            .map(|outcome| self.plan.tasks[outcome.task.index()].name().len())
            .max()
            .unwrap_or(0);
        for outcome in &failures {
            let name = self.plan.tasks[outcome.task.index()].name();
            let took = format_duration(outcome.duration);
            lines.push(format!(
                "  {name:<width$}  {}  {took}",
                describe(&outcome.status)
            ));
        }
        if !ignored.is_empty() {
            lines.push(format!("  failed, ignored: {}", ignored.join(", ")));
        }
        if !skipped.is_empty() {
            lines.push(format!("  skipped: {}", skipped.join(", ")));
        }
        let cancelled = names(&|status| matches!(status, Status::Cancelled { started: true, .. }));
        if !cancelled.is_empty() {
            lines.push(format!("  cancelled: {}", cancelled.join(", ")));
        }
        let not_started =
            names(&|status| matches!(status, Status::Cancelled { started: false, .. }));
        if !not_started.is_empty() {
            lines.push(format!("  not started: {}", not_started.join(", ")));
        }
        self.say(&lines.join("\n"));
    }
}

/// Runs `write` on `stream`, locked for the whole call so that no other write of rask's comes
/// between its lines, through `buffer` so that many small writes leave as few large ones.
fn write_batched(
    stream: Stream,
    buffer: &mut Vec<u8>,
    write: impl FnOnce(&mut Batch<'_>) -> io::Result<()>,
) -> io::Result<()> {
    let mut stdout;
    let mut stderr;
    let out: &mut dyn Write = match stream {
        Stream::Stdout => {
            stdout = std::io::stdout().lock();
            &mut stdout
        }
        Stream::Stderr => {
            stderr = std::io::stderr().lock();
            &mut stderr
        }
    };
    buffer.clear();
    let mut batch = Batch { buffer, out };
    let result = write(&mut batch).and_then(|()| batch.flush());
    batch.buffer.clear();
    result
}

/// A writer that gathers writes in a reused buffer of fixed capacity and passes them on when it
/// fills: a `BufWriter` that keeps its buffer between calls (one allocation per reporter, not
/// one per chunk of output).
struct Batch<'b> {
    buffer: &'b mut Vec<u8>,
    out: &'b mut dyn Write,
}

impl Write for Batch<'_> {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        if self.buffer.len() + bytes.len() > self.buffer.capacity() {
            self.out.write_all(self.buffer)?;
            self.buffer.clear();
        }
        if bytes.len() > self.buffer.capacity() {
            self.out.write_all(bytes)?;
        } else {
            self.buffer.extend_from_slice(bytes);
        }
        Ok(bytes.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.out.write_all(self.buffer)?;
        self.buffer.clear();
        self.out.flush()
    }
}

/// Copies a spooled task's output out as one block per stream.
fn copy_spooled(spooled: &SpooledOutput) -> io::Result<()> {
    let mut out = std::io::stdout().lock();
    copy_stream(spooled, Stream::Stdout, &mut out)?;
    out.flush()?;
    drop(out);
    copy_stream(spooled, Stream::Stderr, &mut std::io::stderr().lock())
}

/// One stream of a grouped block, its last line ended, so the next block's header starts on
/// a line of its own (issue #8: `b2-nonl[a] $ echo a1`).
fn copy_stream(spooled: &SpooledOutput, stream: Stream, out: &mut impl Write) -> io::Result<()> {
    let written = spooled.copy_to(stream, out)?;
    if written > 0 && spooled.tail(stream, 1) != b"\n" {
        out.write_all(b"\n")?;
    }
    Ok(())
}

impl Sink for HumanReporter<'_, '_> {
    fn event(&mut self, event: &Event) -> Flow {
        match &event.kind {
            EventKind::CommandStarted {
                task,
                index,
                command,
            } => self.command_started(*task, *index, command),
            EventKind::Output {
                task,
                stream,
                bytes,
            } => self.output(*task, *stream, bytes),
            EventKind::TaskFinished {
                outcome,
                spooled,
                retry,
            } => {
                self.task_finished(outcome, spooled.as_ref(), *retry);
            }
            EventKind::Cancelling { reason, running } => self.cancelling(*reason, *running),
            EventKind::Warning { message } => {
                let warning = Style::WARNING.paint("warning", self.options.color_stderr);
                self.say(&format!("{warning}: {message}"));
            }
            EventKind::TaskExplained { task, text, .. } => {
                let name = self.plan.tasks[task.index()].name();
                self.say(&super::explain_line(name, text));
            }
            EventKind::RunFinished { summary } => self.summary(summary),
            EventKind::RunStarted { .. } | EventKind::TaskStarted { .. } => {}
        }
        if self.closed {
            Flow::OutputClosed
        } else {
            Flow::Continue
        }
    }

    fn take_failure(&mut self) -> Option<String> {
        self.failure.take()
    }
}

/// "failed with exit code 3", "was killed by signal 9 (SIGKILL)", "timed out", ...
pub(super) fn describe(status: &Status) -> String {
    match status {
        Status::Succeeded => "succeeded".to_owned(),
        Status::UpToDate => "is up to date".to_owned(),
        Status::Restored => "restored from cache".to_owned(),
        Status::CachedLog => "cached: log only".to_owned(),
        Status::Failed {
            exit: Exit::Code(code),
            ..
        } => format!("failed with exit code {code}"),
        Status::Failed {
            exit: Exit::Signal(signal),
            ..
        } => {
            format!("was killed by signal {signal} ({})", signal_name(*signal))
        }
        Status::TimedOut => "timed out".to_owned(),
        Status::SpawnFailed { message } => format!("could not start: {message}"),
        Status::Cancelled { .. } => "cancelled".to_owned(),
        Status::Skipped { condition } => format!("skipped: `{condition}` is false"),
        Status::NotCalled => "not called".to_owned(),
        Status::PreconditionFailed { message } => format!("failed a precondition: {message}"),
        Status::FailedIgnored { exit, .. } => {
            let failed = describe(&Status::Failed {
                exit: *exit,
                command: 0,
            });
            format!("{failed} (ignored)")
        }
    }
}

pub(super) fn signal_name(signal: i32) -> &'static str {
    match signal {
        libc::SIGHUP => "SIGHUP",
        libc::SIGINT => "SIGINT",
        libc::SIGQUIT => "SIGQUIT",
        libc::SIGABRT => "SIGABRT",
        libc::SIGKILL => "SIGKILL",
        libc::SIGSEGV => "SIGSEGV",
        libc::SIGPIPE => "SIGPIPE",
        libc::SIGTERM => "SIGTERM",
        _ => "signal",
    }
}

/// `850ms`, `1.25s`, `2m05s`: short, and precise enough to compare tasks at a glance.
pub(crate) fn format_duration(duration: Duration) -> String {
    let millis = duration.as_millis();
    match millis {
        0..1000 => format!("{millis}ms"),
        1000..60_000 => format!("{:.2}s", duration.as_secs_f64()),
        _ => format!("{}m{:02}s", millis / 60_000, (millis % 60_000) / 1000),
    }
}
