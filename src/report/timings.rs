//! `--timings PATH.html`: a Gantt chart of the run, like `cargo build --timings`: one lane per
//! worker slot, one bar per task attempt on the lane that ran it, coloured by outcome, with the
//! task's figures on hover. One self-contained file (inline SVG and CSS, no script, nothing
//! fetched), written when the run ends, write-then-rename. The main type here is
//! [`TimingsSink`].

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::PathBuf;
use std::time::Duration;

use super::human::{describe, format_duration};
use super::{Sink, cannot_write};
use crate::atomic_file::write_atomically;
use crate::events::{Event, EventKind, Flow, RunSummary, StatusClass, TaskInfo, TaskOutcome};
use crate::graph::TaskId;

/// Chart geometry, in SVG user units.
const WIDTH: f64 = 1200.0;
const LANE: f64 = 28.0;
const BAR: f64 = 20.0;
const LEFT: f64 = 70.0;
const TOP: f64 = 30.0;

/// One task attempt as drawn: where it ran and for how long.
struct Bar {
    task: TaskId,
    slot: usize,
    start: Duration,
    end: Duration,
    outcome: TaskOutcome,
}

pub(crate) struct TimingsSink {
    path: PathBuf,
    tasks: Vec<TaskInfo>,
    /// Running tasks: their slot and start.
    started: HashMap<TaskId, (usize, Duration)>,
    bars: Vec<Bar>,
    /// The chart could not be written, until the reporter takes it.
    failure: Option<String>,
}

impl TimingsSink {
    pub(crate) fn new(path: PathBuf) -> TimingsSink {
        TimingsSink {
            path,
            tasks: Vec::new(),
            started: HashMap::new(),
            bars: Vec::new(),
            failure: None,
        }
    }

    fn write(&self, summary: &RunSummary) -> std::io::Result<()> {
        let html = render(&self.tasks, &self.bars, summary);
        write_atomically(&self.path, |file| file.write_all(html.as_bytes()))
    }
}

impl Sink for TimingsSink {
    fn event(&mut self, event: &Event) -> Flow {
        match &event.kind {
            EventKind::RunStarted { tasks, .. } => self.tasks.clone_from(tasks),
            EventKind::TaskStarted { task, slot, .. } => {
                self.started.insert(*task, (*slot, event.elapsed));
            }
            EventKind::TaskFinished { outcome, .. } => {
                if let Some((slot, start)) = self.started.remove(&outcome.task) {
                    self.bars.push(Bar {
                        task: outcome.task,
                        slot,
                        start,
                        end: event.elapsed,
                        outcome: outcome.clone(),
                    });
                }
            }
            EventKind::RunFinished { summary } => {
                if let Err(error) = self.write(summary) {
                    let what = format!("the timings chart `{}`", self.path.display());
                    self.failure = Some(cannot_write(&what, &error));
                }
            }
            _ => {}
        }
        Flow::Continue
    }

    fn take_failure(&mut self) -> Option<String> {
        self.failure.take()
    }
}

/// The colour of a bar: what became of the attempt.
fn colour(outcome: &TaskOutcome) -> &'static str {
    match outcome.status.class() {
        StatusClass::Success if outcome.attempt > 1 => "#e0a030",
        StatusClass::Success => "#3a9a5b",
        StatusClass::Failure => "#d0463c",
        StatusClass::Cancelled => "#8a8a8a",
    }
}

fn render(tasks: &[TaskInfo], bars: &[Bar], summary: &RunSummary) -> String {
    let lanes = bars.iter().map(|bar| bar.slot + 1).max().unwrap_or(1);
    let total = summary.duration.max(Duration::from_millis(1)).as_secs_f64();
    let scale = (WIDTH - LEFT - 40.0) / total;
    let height = TOP + LANE * lanes as f64 + 30.0;
    let mut svg = String::new();
    let _ = write!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" viewBox="0 0 {WIDTH} {height}">"#
    );
    // Time axis: ten ticks across the run.
    for tick in 0..=10 {
        let seconds = total * f64::from(tick) / 10.0;
        let x = LEFT + seconds * scale;
        let _ = write!(
            svg,
            r#"<line x1="{x:.1}" y1="{TOP}" x2="{x:.1}" y2="{:.1}" class="grid"/><text x="{x:.1}" y="{:.1}" class="tick">{}</text>"#,
            height - 25.0,
            height - 10.0,
            format_duration(Duration::from_secs_f64(seconds))
        );
    }
    for lane in 0..lanes {
        let y = TOP + LANE * lane as f64 + BAR * 0.7;
        let _ = write!(
            svg,
            r#"<text x="5" y="{y:.1}" class="lane">slot {lane}</text>"#
        );
    }
    for bar in bars {
        let name = escape(&tasks[bar.task.index()].name);
        let x = LEFT + bar.start.as_secs_f64() * scale;
        let width = Tenths(((bar.end - bar.start).as_secs_f64() * scale).max(1.0));
        let y = TOP + LANE * bar.slot as f64;
        let mut figures = format!(
            "{name}: {}\nwall {}",
            escape(&describe(&bar.outcome.status)),
            format_duration(bar.outcome.duration)
        );
        if bar.outcome.attempt > 1 {
            let _ = write!(figures, ", attempt {}", bar.outcome.attempt);
        }
        if let Some(usage) = bar.outcome.usage {
            let _ = write!(
                figures,
                "\ncpu {} (user {}, sys {})\npeak memory {:.1} MB",
                format_duration(usage.user + usage.system),
                format_duration(usage.user),
                format_duration(usage.system),
                usage.max_rss as f64 / 1e6
            );
        }
        let _ = write!(
            svg,
            r#"<g class="task" data-task="{name}"><title>{figures}</title><rect x="{}" y="{}" width="{width}" height="{BAR}" rx="3" fill="{}"/><text x="{}" y="{}" class="name">{name}</text></g>"#,
            Tenths(x),
            Tenths(y),
            colour(&bar.outcome),
            Tenths(x + 3.0),
            Tenths(y + BAR * 0.7)
        );
    }
    svg.push_str("</svg>");
    let failed = summary.root_failures().count();
    format!(
        r#"<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>rask timings</title>
<style>
body {{ font: 14px system-ui, sans-serif; margin: 20px; color: #222; }}
.grid {{ stroke: #ddd; }} .tick, .lane {{ font-size: 11px; fill: #666; }}
.name {{ font-size: 11px; fill: #fff; pointer-events: none; }}
.task:hover rect {{ stroke: #000; stroke-width: 1.5; }}
.legend span {{ display: inline-block; width: 12px; height: 12px; margin: 0 4px 0 14px; vertical-align: middle; }}
</style></head><body>
<h1>rask timings</h1>
<p>{} tasks, {failed} failed, wall {}, {} worker slots used. Hover over a bar for its figures.</p>
<p class="legend"><span style="background:#3a9a5b"></span>succeeded<span style="background:#e0a030"></span>flaky (passed on a retry)<span style="background:#d0463c"></span>failed<span style="background:#8a8a8a"></span>cancelled</p>
{svg}
</body></html>
"#,
        bars.len(),
        format_duration(summary.duration),
        lanes
    )
}

/// Text for HTML and SVG: the five characters that could end it. Most names have none, and
/// are used as they are (one chart holds a bar per task: this runs thousands of times).
fn escape(text: &str) -> Cow<'_, str> {
    if !text.contains(['&', '<', '>', '"', '\'']) {
        return Cow::Borrowed(text);
    }
    Cow::Owned(
        text.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&quot;")
            .replace('\'', "&#39;"),
    )
}

/// A coordinate with one decimal, written with integer formatting: `{:.1}` on an `f64` takes
/// the exact-decimal path, several times slower, and a chart writes five per bar.
struct Tenths(f64);

impl std::fmt::Display for Tenths {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let tenths = (self.0 * 10.0).round() as i64;
        let sign = if tenths < 0 { "-" } else { "" };
        let tenths = tenths.unsigned_abs();
        write!(f, "{sign}{}.{}", tenths / 10, tenths % 10)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tenths_are_written_like_one_decimal() {
        // Ties (1.25) may round either way; in a chart that is invisible.
        for value in [0.0, 0.04, 0.06, 1.26, 70.0, 1129.96, -2.71] {
            assert_eq!(Tenths(value).to_string(), format!("{value:.1}"), "{value}");
        }
    }

    #[test]
    fn escapes_only_when_needed() {
        assert!(matches!(escape("build"), Cow::Borrowed("build")));
        assert_eq!(escape("a<b & 'c'"), "a&lt;b &amp; &#39;c&#39;");
    }
}
