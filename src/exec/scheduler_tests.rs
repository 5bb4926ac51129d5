//! Scheduler tests with a scripted [`Spawn`]: no processes, only the decisions.

use std::cell::RefCell;
use std::collections::HashMap;
use std::path::PathBuf;
use std::rc::Rc;
use std::time::Duration;

use super::*;
use crate::config::{Command, NameRef, Span, Task, TaskFile};
use crate::events::{EXIT_TIMEOUT, Exit};
use crate::exec::{Control, ControlSender, SignalPipes};
use crate::graph::{self, Request};

/// What a scripted job does.
#[derive(Clone)]
enum Script {
    Finish(JobResult),
    /// Runs until signalled; then ends as killed by that signal.
    Hang,
    /// Delivers this signal to rask as soon as the job starts, then hangs.
    RaiseSignal(i32),
    /// Delivers this signal to rask three times as soon as the job starts, then hangs deaf to
    /// every signal, SIGKILL included (as a process whose pipe a daemon holds open).
    RaiseThrice(i32),
}

struct FakeSpawner {
    script: HashMap<String, Script>,
    /// Task names by the first word of their command (`run NAME`).
    started: RefCell<Vec<String>>,
    signals: Rc<SignalPipes>,
    /// Messages to send to the run's control input when task NAME starts for the Nth time.
    on_start: Vec<(&'static str, usize, Control)>,
    control: Option<ControlSender>,
}

struct FakeJob {
    result: Option<JobResult>,
    deaf: bool,
}

impl RunningJob for FakeJob {
    fn fds(&self, _out: &mut Vec<std::os::fd::RawFd>) {}

    fn wake_at(&self) -> Option<Instant> {
        self.result.as_ref().map(|_| Instant::now())
    }

    fn advance(&mut self, _ready: &[Ready], report: &mut dyn FnMut(JobEvent)) {
        if let Some(result) = self.result.take() {
            report(JobEvent::Finished {
                result,
                spooled: None,
                usage: None,
            });
        }
    }

    fn resume(&mut self, _exit: Exit, _report: &mut dyn FnMut(JobEvent)) {
        unreachable!("fake jobs make no task calls")
    }

    fn signal(&mut self, signal: i32) {
        if self.deaf {
            return;
        }
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
        let nth = self.started.borrow().iter().filter(|n| **n == name).count();
        for (_, _, message) in self
            .on_start
            .iter()
            .filter(|(task, at, _)| *task == name && *at == nth)
        {
            let control = self.control.as_ref().expect("a controlled run");
            control.send(message.clone()).expect("the run is on");
        }
        let script = self
            .script
            .get(&name)
            .cloned()
            .unwrap_or(Script::Finish(JobResult::Succeeded));
        let deaf = matches!(script, Script::RaiseThrice(_));
        let result = match script {
            Script::Finish(result) => Some(result),
            Script::Hang => None,
            Script::RaiseSignal(signal) => {
                self.signals.simulate(signal);
                None
            }
            Script::RaiseThrice(signal) => {
                for _ in 0..3 {
                    self.signals.simulate(signal);
                }
                None
            }
        };
        Box::new(FakeJob { result, deaf })
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
                args: Vec::new(),
                pattern: None,
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
                run: vec![Command::Shell(format!("run {name}")).into()],
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
        alone: None,
        force: false,
        cache: crate::exec::CacheOptions::default(),
        working_dir: PathBuf::from("/nowhere"),
        tokens: None,
        warnings: Vec::new(),
        retries: 0,
        load_average: None,
        spool_max_size: crate::exec::DEFAULT_SPOOL_MAX_SIZE,
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
    drive(file, requested, script, options, None).0
}

/// Messages for a controlled run: sent when task NAME starts for the Nth time, and by
/// `on_round(n)` when round `n` (from 1) reports its summary.
struct Controls<'c> {
    on_start: Vec<(&'static str, usize, Control)>,
    on_round: &'c dyn Fn(usize) -> Option<Control>,
}

/// Like [`run`], with a control input driven by `controls`. Also returns how many rounds
/// were reported.
fn run_controlled(
    file: &TaskFile,
    requested: &[&str],
    script: &[(&str, Script)],
    on_start: Vec<(&'static str, usize, Control)>,
    on_round: &dyn Fn(usize) -> Option<Control>,
) -> (Ran, usize) {
    let controls = Controls { on_start, on_round };
    drive(file, requested, script, options(true), Some(controls))
}

fn drive(
    file: &TaskFile,
    requested: &[&str],
    script: &[(&str, Script)],
    options: SchedulerOptions,
    controls: Option<Controls<'_>>,
) -> (Ran, usize) {
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
    // Simulated: installing real handlers would change how the whole test process dies.
    let signals = Rc::new(SignalPipes::simulated().expect("signal pipes"));
    let (sender, receiver) = crate::exec::control_channel().expect("socket pair");
    let (on_start, on_round) = match controls {
        Some(Controls { on_start, on_round }) => (on_start, Some(on_round)),
        None => (Vec::new(), None),
    };
    let spawner = FakeSpawner {
        script: script
            .iter()
            .map(|(name, script)| ((*name).to_owned(), script.clone()))
            .collect(),
        started: RefCell::default(),
        signals: Rc::clone(&signals),
        on_start,
        control: Some(sender.clone()),
    };
    let mut scheduler = Scheduler::new(&plan, &spawner, options);
    if on_round.is_some() {
        scheduler = scheduler.with_control(receiver);
    }
    let mut rounds = 0;
    let summary = scheduler.run(&signals, &mut |event| {
        if let (EventKind::RunFinished { .. }, Some(on_round)) = (event.kind, on_round) {
            rounds += 1;
            if let Some(message) = on_round(rounds) {
                sender.send(message).expect("the run is on");
            }
        }
        Flow::Continue
    });
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
    let ran = Ran {
        started: spawner.started.into_inner(),
        statuses,
        exit_code: summary.exit_code,
    };
    (ran, rounds)
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
        task.method = crate::config::UpToDateMethod::Timestamp;
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

fn id(file: &TaskFile, name: &str) -> TaskId {
    // Plans in these tests cover the whole file in file order.
    TaskId(
        file.tasks
            .iter()
            .position(|task| task.name == name)
            .expect("task exists") as u32,
    )
}

#[test]
fn a_controlled_run_waits_when_idle_and_ends_on_end() {
    let file = file(&[("a", &[], &[]), ("b", &["a"], &[])]);
    let a = id(&file, "a");
    let (ran, rounds) = run_controlled(&file, &["b"], &[], Vec::new(), &|round| match round {
        1 => Some(Control::Restart(vec![a])),
        _ => Some(Control::End),
    });
    assert_eq!(ran.started, ["a", "b", "a", "b"]);
    assert_eq!(rounds, 2, "one summary per round, none at the end");
    assert_eq!(ran.statuses.len(), 2, "the last round's outcomes");
    assert_eq!(ran.exit_code, 0);
}

#[test]
fn a_restart_runs_only_the_task_and_its_dependents() {
    let file = file(&[("a", &[], &[]), ("b", &["a"], &[]), ("c", &["b"], &[])]);
    let b = id(&file, "b");
    let (ran, rounds) = run_controlled(&file, &["c"], &[], Vec::new(), &|round| match round {
        1 => Some(Control::Restart(vec![b])),
        _ => Some(Control::End),
    });
    assert_eq!(ran.started, ["a", "b", "c", "b", "c"]);
    assert_eq!(rounds, 2);
    assert_eq!(ran.statuses.len(), 2, "`a` did not run again");
}

#[test]
fn a_restart_stops_a_running_task_before_starting_it_again() {
    // `server` runs until stopped; a change to `build` restarts both, one instance at a time.
    let file = file(&[("build", &[], &[]), ("server", &["build"], &[])]);
    let build = id(&file, "build");
    let (ran, rounds) = run_controlled(
        &file,
        &["server"],
        &[("server", Script::Hang)],
        vec![
            ("server", 1, Control::Restart(vec![build])),
            ("server", 2, Control::End),
        ],
        &|_| None,
    );
    assert_eq!(ran.started, ["build", "server", "build", "server"]);
    assert_eq!(rounds, 1, "the round ended by `End` is reported once");
    assert!(matches!(
        ran.statuses["server"],
        Status::Cancelled { started: true, .. }
    ));
}

#[test]
fn a_stopped_task_blocks_its_dependents() {
    let file = file(&[
        ("slow", &[], &[]),
        ("after", &["slow"], &[]),
        ("other", &[], &[]),
    ]);
    let slow = id(&file, "slow");
    let (ran, _) = run_controlled(
        &file,
        &["after", "other"],
        &[("slow", Script::Hang)],
        vec![("slow", 1, Control::Stop(vec![slow]))],
        &|_| Some(Control::End),
    );
    assert_eq!(ran.started, ["slow", "other"]);
    assert!(matches!(
        ran.statuses["after"],
        Status::Cancelled {
            reason: CancelReason::DependencyFailed,
            ..
        }
    ));
}

#[test]
fn issue_8_a_shared_cleanup_runs_under_jobs_1_when_one_owner_fails() {
    let file = file(&[
        ("it", &[], &["down"]),
        ("it2", &[], &["down"]),
        ("both", &["it", "it2"], &[]),
        ("down", &[], &[]),
    ]);
    let mut options = options(false);
    options.jobs = 1;
    let ran = run(&file, &["both"], &[("it", failed(1))], options);
    assert_eq!(ran.started, ["it", "down"]);
    assert_eq!(ran.statuses["down"], Status::Succeeded);
    assert!(matches!(
        ran.statuses["it2"],
        Status::Cancelled { started: false, .. }
    ));
    assert_eq!(ran.exit_code, 1);
}

#[test]
fn issue_8_a_cleanup_whose_owners_never_ran_does_not_run() {
    let file = file(&[
        ("setup", &[], &[]),
        ("work", &["setup"], &["down"]),
        ("down", &[], &[]),
    ]);
    let ran = run(&file, &["work"], &[("setup", failed(1))], options(false));
    assert_eq!(ran.started, ["setup"]);
    assert!(matches!(
        ran.statuses["down"],
        Status::Cancelled { started: false, .. }
    ));
}

#[test]
fn issue_8_cleanup_runs_after_an_interrupt() {
    let file = file(&[("work", &[], &["cleanup"]), ("cleanup", &[], &[])]);
    let ran = run(
        &file,
        &["work"],
        &[("work", Script::RaiseSignal(libc::SIGINT))],
        options(false),
    );
    assert_eq!(ran.started, ["work", "cleanup"]);
    assert_eq!(ran.statuses["cleanup"], Status::Succeeded);
    assert_eq!(ran.exit_code, 130);
}

#[test]
fn issue_8_a_third_signal_ends_the_run_with_every_task_accounted_for() {
    let file = file(&[
        ("deaf", &[], &["cleanup"]),
        ("after", &["deaf"], &[]),
        ("cleanup", &[], &[]),
    ]);
    let ran = run(
        &file,
        &["after"],
        &[("deaf", Script::RaiseThrice(libc::SIGINT))],
        options(false),
    );
    assert_eq!(
        ran.started,
        ["deaf"],
        "nothing starts after a second signal"
    );
    assert!(matches!(
        ran.statuses["deaf"],
        Status::Cancelled {
            reason: CancelReason::SecondSignal,
            started: true
        }
    ));
    assert_eq!(ran.statuses.len(), 3, "{:?}", ran.statuses.keys());
    assert_eq!(ran.exit_code, 130);
}
