//! Scheduler tests with a scripted [`Spawn`]: no processes, only the decisions.

use std::cell::RefCell;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::mpsc::SyncSender;
use std::time::Duration;

use super::*;
use crate::config::{Command, NameRef, Settings, Task, TaskFile};
use crate::exec::Exit;
use crate::graph::{self, Request};

/// What the fake does with a task when it starts.
#[derive(Clone)]
enum Script {
    Finish(JobResult),
    /// Runs until signalled; then ends as killed by that signal.
    Hang,
    /// Delivers this signal to rask as soon as the task starts, then hangs.
    RaiseSignal(i32),
}

#[derive(Default)]
struct FakeSpawner {
    script: HashMap<String, Script>,
    names: Vec<String>,
    started: RefCell<Vec<String>>,
}

struct FakeControl {
    task: TaskId,
    events: SyncSender<ExecEvent>,
    signals: std::sync::Arc<std::sync::Mutex<Vec<i32>>>,
}

impl Control for FakeControl {
    fn signal(&self, signal: i32) {
        let mut signals = self.signals.lock().expect("test lock is never poisoned");
        if signals.is_empty() {
            let result = JobResult::Failed {
                exit: Exit::Signal(signal),
                command: 0,
            };
            let _ = self.events.send(ExecEvent::Finished {
                task: self.task,
                result,
                spool: None,
            });
        }
        signals.push(signal);
    }
}

impl Spawn for FakeSpawner {
    fn start(&self, job: Job, events: SyncSender<ExecEvent>) -> Box<dyn Control> {
        let name = self.names[job.task.index()].clone();
        self.started.borrow_mut().push(name.clone());
        let script = self
            .script
            .get(&name)
            .cloned()
            .unwrap_or(Script::Finish(JobResult::Succeeded));
        let control = FakeControl {
            task: job.task,
            events: events.clone(),
            signals: Default::default(),
        };
        match script {
            Script::Finish(result) => {
                let _ = events.send(ExecEvent::Finished {
                    task: job.task,
                    result,
                    spool: None,
                });
            }
            Script::Hang => {}
            Script::RaiseSignal(signal) => {
                let _ = events.send(ExecEvent::Signal(signal));
            }
        }
        Box::new(control)
    }
}

/// A task file from `(name, depends, depends_post)`; every task runs one command.
fn file(tasks: &[(&str, &[&str], &[&str])]) -> TaskFile {
    let refs = |names: &[&str]| -> Vec<NameRef> {
        names
            .iter()
            .map(|name| NameRef {
                name: (*name).to_owned(),
                span: 0..0,
            })
            .collect()
    };
    TaskFile {
        path: PathBuf::from("/nowhere/tasks.toml"),
        root: PathBuf::from("/nowhere"),
        settings: Settings::default(),
        env: Vec::new(),
        tasks: tasks
            .iter()
            .map(|(name, depends, post)| Task {
                name: (*name).to_owned(),
                name_span: 0..0,
                description: None,
                run: vec![Command::Shell(format!("run {name}"))],
                depends: refs(depends),
                depends_post: refs(post),
                env: Vec::new(),
                dir: None,
                aliases: Vec::new(),
                hide: false,
                timeout: None,
                params: Vec::new(),
                sources: Vec::new(),
                outputs: Vec::new(),
            })
            .collect(),
    }
}

fn options(keep_going: bool) -> SchedulerOptions {
    SchedulerOptions {
        jobs: 2,
        keep_going,
        output: OutputMode::Prefixed,
        timeout: None,
        grace: Duration::from_secs(5),
        env: Vec::new(),
        own_group: true,
        force: false,
    }
}

struct Ran {
    started: Vec<String>,
    statuses: HashMap<String, Status>,
    exit_code: i32,
}

fn run(
    file: &TaskFile,
    requested: &[&str],
    script: &[(&str, Script)],
    options: SchedulerOptions,
) -> Ran {
    let requests: Vec<Request> = requested
        .iter()
        .map(|name| Request {
            task: file
                .tasks
                .iter()
                .position(|task| task.name == *name)
                .expect("requested task exists"),
            values: Vec::new(),
        })
        .collect();
    let plan = graph::plan(file, &requests, &[]).expect("test plans are valid");
    let spawner = FakeSpawner {
        script: script
            .iter()
            .map(|(name, script)| ((*name).to_owned(), script.clone()))
            .collect(),
        names: plan
            .tasks
            .iter()
            .map(|task| task.name().to_owned())
            .collect(),
        started: RefCell::default(),
    };
    let summary = Scheduler::new(&plan, &spawner, options).run(&mut |_| {});
    let statuses = summary
        .outcomes
        .iter()
        .map(|outcome| {
            (
                plan.tasks[outcome.task.index()].name().to_owned(),
                outcome.status.clone(),
            )
        })
        .collect();
    Ran {
        started: spawner.started.into_inner(),
        statuses,
        exit_code: summary.exit_code(),
    }
}

impl<S: Spawn> Spawn for &S {
    fn start(&self, job: Job, events: SyncSender<ExecEvent>) -> Box<dyn Control> {
        (**self).start(job, events)
    }
}

fn failed(code: i32) -> Script {
    Script::Finish(JobResult::Failed {
        exit: Exit::Code(code),
        command: 0,
    })
}

#[test]
fn dependencies_start_before_dependents() {
    let file = file(&[("a", &[], &[]), ("b", &["a"], &[]), ("c", &["b", "a"], &[])]);
    let ran = run(&file, &["c"], &[], options(false));
    assert_eq!(ran.started, ["a", "b", "c"]);
    assert_eq!(ran.exit_code, 0);
}

#[test]
fn first_failure_stops_new_starts_and_sets_the_exit_code() {
    let file = file(&[("a", &[], &[]), ("b", &["a"], &[]), ("c", &[], &[])]);
    let mut options = options(false);
    options.jobs = 1;
    let ran = run(&file, &["b", "c"], &[("a", failed(3))], options);
    assert_eq!(ran.started, ["a"]);
    assert_eq!(ran.exit_code, 3);
    assert!(matches!(
        ran.statuses["c"],
        Status::Cancelled { started: false, .. }
    ));
}

#[test]
fn keep_going_runs_everything_not_depending_on_the_failure() {
    let file = file(&[("a", &[], &[]), ("b", &["a"], &[]), ("c", &[], &[])]);
    let mut options = options(true);
    options.jobs = 1;
    let ran = run(&file, &["b", "c"], &[("a", failed(4))], options);
    assert_eq!(ran.started, ["a", "c"]);
    assert_eq!(ran.exit_code, 4);
    assert_eq!(
        ran.statuses["b"],
        Status::Cancelled {
            reason: CancelReason::DependencyFailed,
            started: false
        }
    );
}

#[test]
fn failure_cancels_running_siblings_without_blaming_them() {
    let file = file(&[("slow", &[], &[]), ("bad", &[], &[])]);
    let ran = run(
        &file,
        &["slow", "bad"],
        &[("slow", Script::Hang), ("bad", failed(2))],
        options(false),
    );
    assert_eq!(ran.exit_code, 2, "the root failure decides the exit code");
    assert_eq!(
        ran.statuses["slow"],
        Status::Cancelled {
            reason: CancelReason::Failure,
            started: true
        }
    );
}

#[test]
fn cleanup_runs_after_a_failed_task() {
    let file = file(&[("work", &[], &["cleanup"]), ("cleanup", &[], &[])]);
    let ran = run(&file, &["work"], &[("work", failed(1))], options(false));
    assert_eq!(ran.started, ["work", "cleanup"]);
    assert_eq!(ran.statuses["cleanup"], Status::Succeeded);
    assert_eq!(ran.exit_code, 1);
}

#[test]
fn a_task_past_its_timeout_is_stopped_and_reported_as_timed_out() {
    let mut file = file(&[("sleepy", &[], &[])]);
    file.tasks[0].timeout = Some(Duration::from_millis(5));
    let ran = run(
        &file,
        &["sleepy"],
        &[("sleepy", Script::Hang)],
        options(false),
    );
    assert_eq!(ran.statuses["sleepy"], Status::TimedOut);
    assert_eq!(ran.exit_code, EXIT_TIMEOUT);
}

#[test]
fn an_interrupt_cancels_everything_and_exits_130() {
    let file = file(&[("a", &[], &[]), ("b", &["a"], &[])]);
    let ran = run(
        &file,
        &["b"],
        &[("a", Script::RaiseSignal(libc::SIGINT))],
        options(false),
    );
    assert_eq!(ran.exit_code, 130);
    assert_eq!(ran.started, ["a"]);
    assert!(matches!(
        ran.statuses["a"],
        Status::Cancelled {
            reason: CancelReason::Interrupt,
            ..
        }
    ));
}
