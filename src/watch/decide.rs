//! From changed paths to control messages: debounce, filter, decide, and tell the run. The
//! main type here is [`Decider`], which runs on a thread of its own.
//!
//! The decider never touches a process: it sends [`Control::Restart`] for the tasks a change
//! affects (the scheduler adds their dependents and stops what is running), or
//! [`Control::End`] when a task file changed and still reads cleanly. It knows whether a run
//! is going on from the [`Input::Idle`] the session sends when one falls idle, which is what
//! `--on-busy queue` and `--on-busy do-nothing` need.

use std::collections::BTreeSet;
use std::io::Write;
use std::path::PathBuf;
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime};

use super::debounce::Debouncer;
use super::options::{OnBusy, WatchOptions};
use super::targets::{Change, Targets};
use crate::exec::{Control, ControlSender};
use crate::graph::TaskId;

/// What reaches the decider.
#[derive(Debug)]
pub(crate) enum Input {
    /// These paths changed (as the OS reported them; not yet filtered).
    Changed(Vec<PathBuf>),
    /// A task started running.
    Started(TaskId),
    /// A task stopped running.
    Finished(TaskId),
    /// The run fell idle: nothing runs until the next change.
    Idle,
    /// The watcher reported a problem.
    Failed(String),
}

/// Why the decider stopped.
#[derive(Debug)]
pub(crate) enum Ending {
    /// A task file changed and reads cleanly: read it again and start over.
    Reload,
    /// Watching is over (every input sender is gone).
    Closed,
}

/// How long after a run fell idle a change still counts as made during it: the OS may report
/// a task's last write after rask has seen the task exit.
const RUN_TAIL: Duration = Duration::from_millis(100);

/// Checks a changed task file before the run is ended for it: `Err` holds the rendered
/// problems, and the current run goes on.
pub(crate) type CheckTaskFile = Box<dyn Fn() -> Result<(), String> + Send>;

pub(crate) struct Decider {
    targets: Targets,
    debouncer: Debouncer,
    on_busy: OnBusy,
    clear: bool,
    control: ControlSender,
    check_task_file: CheckTaskFile,
    /// Task names by id, for the trigger line.
    names: Vec<String>,
    /// A run is going on (the first one starts with watching).
    busy: bool,
    /// When the last run fell idle, by both clocks (file times are wall-clock times).
    idle_since: Option<(Instant, SystemTime)>,
    /// The tasks running now.
    running: BTreeSet<TaskId>,
    /// Paths in the debouncer whose last change came while a run was going on.
    during_run: BTreeSet<PathBuf>,
    /// `--on-busy queue`: what to run once the current run is over, and why.
    queued: BTreeSet<TaskId>,
    queued_paths: BTreeSet<PathBuf>,
}

impl Decider {
    pub(crate) fn new(
        targets: Targets,
        options: &WatchOptions,
        names: Vec<String>,
        control: ControlSender,
        check_task_file: CheckTaskFile,
    ) -> Decider {
        Decider {
            targets,
            debouncer: Debouncer::new(options.debounce),
            on_busy: options.on_busy,
            clear: options.clear,
            control,
            check_task_file,
            names,
            busy: true,
            idle_since: None,
            running: BTreeSet::new(),
            during_run: BTreeSet::new(),
            queued: BTreeSet::new(),
            queued_paths: BTreeSet::new(),
        }
    }

    pub(crate) fn spawn(self, inputs: Receiver<Input>) -> std::io::Result<JoinHandle<Ending>> {
        std::thread::Builder::new()
            .name("rask-watch".to_owned())
            .spawn(move || self.run(&inputs))
    }

    fn run(mut self, inputs: &Receiver<Input>) -> Ending {
        loop {
            let input = match self.debouncer.due() {
                Some(due) => {
                    match inputs.recv_timeout(due.saturating_duration_since(Instant::now())) {
                        Ok(input) => Some(input),
                        Err(RecvTimeoutError::Timeout) => None,
                        Err(RecvTimeoutError::Disconnected) => return Ending::Closed,
                    }
                }
                None => match inputs.recv() {
                    Ok(input) => Some(input),
                    Err(_) => return Ending::Closed,
                },
            };
            match input {
                Some(Input::Changed(paths)) => {
                    let triggers: Vec<PathBuf> = paths
                        .into_iter()
                        .filter(|path| self.targets.is_trigger(path))
                        .collect();
                    let now = Instant::now();
                    for path in &triggers {
                        if self.changed_during_run(path, now) {
                            self.during_run.insert(path.clone());
                        } else {
                            self.during_run.remove(path);
                        }
                    }
                    self.debouncer.push(triggers, now);
                }
                Some(Input::Started(task)) => {
                    self.running.insert(task);
                }
                Some(Input::Finished(task)) => {
                    self.running.remove(&task);
                }
                Some(Input::Idle) => self.idle(),
                // After a good start, a failure is about one path (a directory that vanished
                // while its watch was added, say): watching the rest goes on.
                Some(Input::Failed(message)) => say(&format!("rask: warning: {message}")),
                None => {}
            }
            let Some(mut batch) = self.debouncer.take_due(Instant::now()) else {
                continue;
            };
            let during_run = std::mem::take(&mut self.during_run);
            batch.retain(|path| !during_run.contains(path) || !self.own_write(path));
            match self.targets.classify(&batch) {
                Some(Change::TaskFile) => match (self.check_task_file)() {
                    Ok(()) => {
                        say(&format!(
                            "rask: {} changed: reading it again",
                            self.describe(&batch)
                        ));
                        let _ = self.control.send(Control::End);
                        return Ending::Reload;
                    }
                    Err(problems) => say(&format!(
                        "{}\nrask: the task file has errors; still watching with the last good one",
                        problems.trim_end()
                    )),
                },
                Some(Change::Tasks(tasks)) => self.changed(batch, tasks),
                None => {}
            }
        }
    }

    /// Whether a change that came during a run is taken for the run's own doing: what it
    /// would re-run (with dependents) is no longer running. A task that writes a file it
    /// watches would otherwise start itself again forever; a change that reaches a task
    /// still running (a server, a long test) is the user's, and restarts it.
    fn own_write(&self, path: &std::path::Path) -> bool {
        let affected = self.targets.affected_by(path);
        !self.targets.reaches_any(&affected, &self.running)
    }

    /// Whether the change to `path` reported at `now` was made while a run was going on: it
    /// came while busy, or so soon after that the file's time is from before the run ended.
    fn changed_during_run(&self, path: &std::path::Path, now: Instant) -> bool {
        if self.busy {
            return true;
        }
        let Some((idle, idle_wall)) = self.idle_since else {
            return false;
        };
        now.duration_since(idle) < RUN_TAIL
            && std::fs::symlink_metadata(path)
                .and_then(|metadata| metadata.modified())
                .is_ok_and(|modified| modified <= idle_wall)
    }

    fn changed(&mut self, paths: BTreeSet<PathBuf>, tasks: Vec<TaskId>) {
        match (self.busy, self.on_busy) {
            (true, OnBusy::DoNothing) => say(&format!(
                "rask: {} changed: ignored while the current run goes on",
                self.describe(&paths)
            )),
            (true, OnBusy::Queue) => {
                say(&format!(
                    "rask: {} changed: running again when the current run ends",
                    self.describe(&paths)
                ));
                self.queued.extend(tasks);
                self.queued_paths.extend(paths);
            }
            _ => self.start(&paths, tasks),
        }
    }

    fn idle(&mut self) {
        self.busy = false;
        self.idle_since = Some((Instant::now(), SystemTime::now()));
        self.running.clear();
        if !self.queued.is_empty() {
            let tasks = std::mem::take(&mut self.queued).into_iter().collect();
            let paths = std::mem::take(&mut self.queued_paths);
            self.start(&paths, tasks);
        }
    }

    fn start(&mut self, paths: &BTreeSet<PathBuf>, tasks: Vec<TaskId>) {
        let mut line = String::new();
        if self.clear {
            // Clear the screen and the scrollback, then home the cursor.
            line.push_str("\x1b[2J\x1b[3J\x1b[H");
        }
        let names: Vec<String> = tasks
            .iter()
            .map(|task| format!("`{}`", self.names[task.index()]))
            .collect();
        line.push_str(&format!(
            "rask: {} changed: running {}",
            self.describe(paths),
            names.join(", ")
        ));
        say(&line);
        self.busy = true;
        let _ = self.control.send(Control::Restart(tasks));
    }

    /// `src/lib.rs`, or `src/lib.rs and 3 more`.
    fn describe(&self, paths: &BTreeSet<PathBuf>) -> String {
        let Some(first) = paths.first() else {
            return String::new();
        };
        let first = format!("`{}`", self.targets.display(first));
        match paths.len() {
            1 => first,
            count => format!("{first} and {} more", count - 1),
        }
    }
}

/// One line to stderr in one write, as the reporter writes its own.
fn say(line: &str) {
    let mut text = String::with_capacity(line.len() + 1);
    text.push_str(line);
    text.push('\n');
    let _ = std::io::stderr().lock().write_all(text.as_bytes());
}
