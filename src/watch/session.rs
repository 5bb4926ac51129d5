//! Watch mode from start to Ctrl-C. The main function here is [`watch`].
//!
//! Each pass plans the task file, starts watching what the plan names, and runs the plan
//! with a control input the decider drives; the run ends only on Ctrl-C (or another signal),
//! or when the task file changed and reads cleanly, and then the next pass starts with it.
//! The signal handlers and the shared job limit are set up once, for every pass.

use std::io::{IsTerminal, Write};
use std::sync::Arc;
use std::sync::mpsc;

use super::decide::{Decider, Ending, Input};
use super::error::WatchError;
use super::feedback;
use super::source::FsSource;
use super::targets::Targets;
use crate::cli::Invocation;
use crate::config::TaskFile;
use crate::dispatch;
use crate::error::Error;
use crate::events::EventKind;
use crate::exec;
use crate::execute::{self, Resources};

/// Reads the task file and the command line against it again, as at rask's start.
pub(crate) type Loader = Arc<dyn Fn() -> Result<(TaskFile, Invocation), Error> + Send + Sync>;

/// Runs `invocation` (which asks for `--watch`) until rask is stopped; returns rask's exit
/// code: 128 + the signal, as for any run that a signal ends.
pub(crate) fn watch(file: TaskFile, invocation: Invocation, load: Loader) -> Result<i32, Error> {
    let color = invocation
        .color
        .wants_color(std::io::stderr().is_terminal());
    let current_dir = std::env::current_dir()?;
    let resources = Resources::acquire(&dispatch::plan(&file, &invocation)?, &invocation);
    let mut current = (file, invocation);
    loop {
        let (file, invocation) = &current;
        let plan = dispatch::plan(file, invocation)?;
        let options = invocation
            .watch
            .clone()
            .expect("watch mode runs only for --watch");
        let targets = Targets::new(&plan, file, &options.extra_paths, &current_dir);
        let (inputs, changes) = mpsc::channel();
        let source = FsSource::start(targets.directories(), options.poll, inputs.clone())?;
        say(&feedback::watching(targets.directories().len()));
        let (control, control_input) = exec::control_channel().map_err(WatchError::Control)?;
        let names = plan
            .tasks
            .iter()
            .map(|task| task.name().to_owned())
            .collect();
        let check = {
            let load = Arc::clone(&load);
            Box::new(move || {
                load()
                    .and_then(|(file, invocation)| dispatch::plan(&file, &invocation).map(drop))
                    .map_err(|error| error.render(color))
            })
        };
        let decider = Decider::new(targets, &options, names, control, check)
            .spawn(changes)
            .map_err(WatchError::Control)?;
        let summary = execute::run(
            &resources,
            &plan,
            invocation,
            Some(control_input),
            &mut |event| {
                let input = match &event.kind {
                    EventKind::TaskStarted { task, .. } => Input::Started(*task),
                    EventKind::TaskFinished { outcome, .. } => Input::Finished(outcome.task),
                    EventKind::RunFinished { summary } => {
                        // The decider hears of it before anyone can read the line and act:
                        // a change made after the line is never taken for the run's own.
                        let _ = inputs.send(Input::Idle);
                        say(&feedback::round_finished(&plan, summary));
                        return;
                    }
                    _ => return,
                };
                let _ = inputs.send(input);
            },
        )?;
        if summary.signal.is_some() {
            // Ctrl-C: every task is stopped; the watcher's threads die with rask.
            return Ok(summary.exit_code);
        }
        drop(source);
        drop(inputs);
        match decider.join() {
            Ok(Ending::Reload) => {}
            Ok(Ending::Closed) | Err(_) => return Ok(summary.exit_code),
        }
        // Checked by the decider already; a file that broke again since is reported, and
        // the last good one runs again.
        match load().and_then(|(file, invocation)| {
            dispatch::plan(&file, &invocation)?;
            Ok((file, invocation))
        }) {
            Ok(loaded) => current = loaded,
            Err(error) => say(&error.render(color)),
        }
    }
}

fn say(line: &str) {
    let mut text = String::with_capacity(line.len() + 1);
    text.push_str(line.trim_end());
    text.push('\n');
    let _ = std::io::stderr().lock().write_all(text.as_bytes());
}
