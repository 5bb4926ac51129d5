//! Scheduler tests with a scripted [`Spawn`]: no processes, only the decisions.

use std::cell::RefCell;
use std::collections::HashMap;
use std::path::PathBuf;
use std::rc::Rc;
use std::time::Duration;

use super::*;
use crate::config::{Command, NameRef, Span, Task, TaskFile};
use crate::events::{EXIT_TIMEOUT, Exit};
use crate::exec::SignalPipes;
use crate::graph::{self, Request};

/// What a scripted job does.
#[derive(Clone)]
enum Script {
    Finish(JobResult),
    /// Runs until signalled; then ends as killed by that signal.
    Hang,
    /// Delivers this signal to rask as soon as the job starts, then hangs.
    RaiseSignal(i32),
}

struct FakeSpawner {
    script: HashMap<String, Script>,
    /// Task names by the first word of their command (`run NAME`).
    started: RefCell<Vec<String>>,
    signals: Rc<SignalPipes>,
}

struct FakeJob {
    result: Option<JobResult>,
}

impl RunningJob for FakeJob {
    fn fds(&self, _out: &mut Vec<RawFd>) {}

    fn wake_at(&self) -> Option<Instant> {
        self.result.as_ref().map(|_| Instant::now())
    }

    fn advance(&mut self, _ready: &[RawFd], report: &mut dyn FnMut(JobEvent)) {
        if let Some(result) = self.result.take() {
            report(JobEvent::Finished {
                result,
                spooled: None,
                usage: None,
            });
        }
    }

    fn signal(&mut self, signal: i32) {
        self.result.get_or_insert(JobResult::Failed {
            exit: Exit::Signal(signal),
            command: 0,
        });
    }
}

impl Spawn for &FakeSpawner {
    fn start(&self, job: Job, _report: &mut dyn FnMut(JobEvent)) -> Box<dyn RunningJob> {
        let name = job.commands[0]
            .display
            .trim_start_matches("run ")
            .to_owned();
        self.started.borrow_mut().push(name.clone());
        let script = self
            .script
            .get(&name)
            .cloned()
            .unwrap_or(Script::Finish(JobResult::Succeeded));
        let result = match script {
            Script::Finish(result) => Some(result),
            Script::Hang => None,
            Script::RaiseSignal(signal) => {
                self.signals.simulate(signal);
                None
            }
        };
        Box::new(FakeJob { result })
    }
}

/// A task file from `(name, depends, depends_post)`; every task runs one command.
fn file(tasks: &[(&str, &[&str], &[&str])]) -> TaskFile {
    let refs = |names: &[&str]| -> Vec<NameRef> {
        names
            .iter()
            .map(|name| NameRef {
                name: (*name).to_owned(),
                span: Span::default(),
            })
            .collect()
    };
    TaskFile {
        path: PathBuf::from("/nowhere/tasks.toml"),
        root: PathBuf::from("/nowhere"),
        tasks: tasks
            .iter()
            .map(|(name, depends, post)| Task {
                name: (*name).to_owned(),
                run: vec![Command::Shell(format!("run {name}"))],
                depends: refs(depends),
                depends_post: refs(post),
                ..Task::default()
            })
            .collect(),
        ..TaskFile::default()
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
        working_dir: PathBuf::from("/nowhere"),
        tokens: None,
        warnings: Vec::new(),
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
    let signals = Rc::new(SignalPipes::install().expect("signal pipes install"));
    let spawner = FakeSpawner {
        script: script
            .iter()
            .map(|(name, script)| ((*name).to_owned(), script.clone()))
            .collect(),
        started: RefCell::default(),
        signals: Rc::clone(&signals),
    };
    let summary = Scheduler::new(&plan, &spawner, options).run(&signals, &mut |_| Flow::Continue);
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
        exit_code: summary.exit_code,
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
fn jobs_bounds_how_many_run_at_once() {
    let file = file(&[("a", &[], &[]), ("b", &[], &[]), ("c", &[], &[])]);
    let mut options = options(false);
    options.jobs = 2;
    // `a` and `b` hang; `c` must not start until one of them ends, and none does until the
    // timeout stops them.
    let mut file = file;
    for task in &mut file.tasks {
        task.timeout = Some(Duration::from_millis(5));
    }
    let ran = run(
        &file,
        &["a", "b", "c"],
        &[("a", Script::Hang), ("b", Script::Hang)],
        options,
    );
    assert_eq!(
        ran.started,
        ["a", "b"],
        "c waited for a free slot, then fail-fast held it"
    );
    assert_eq!(ran.exit_code, EXIT_TIMEOUT);
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

#[test]
fn a_task_with_sources_is_checked_on_a_worker_then_runs_in_order() {
    let mut file = file(&[
        ("gen", &[], &[]),
        ("build", &["gen"], &[]),
        ("lint", &[], &[]),
    ]);
    for task in &mut file.tasks[..2] {
        // Nothing matches under /nowhere, so the worker's verdict is "run".
        task.sources = vec!["src/*.c".to_owned()];
        task.outputs = vec!["app".to_owned()];
    }
    let ran = run(&file, &["build", "lint"], &[], options(false));
    let position = |name| ran.started.iter().position(|started| started == name);
    assert!(position("gen") < position("build"), "{:?}", ran.started);
    assert_eq!(ran.started.len(), 3);
    assert_eq!(ran.statuses["build"], Status::Succeeded);
    assert_eq!(ran.exit_code, 0);
}
