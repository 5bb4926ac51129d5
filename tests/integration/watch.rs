//! `rask --watch`: a change re-runs what it affects, bursts are one run, outputs and ignored
//! files never trigger, running tasks are restarted with their whole group, and Ctrl-C leaves
//! nothing behind. Every test waits for rask's own lines ("watching", "waiting for changes")
//! and for marker files, never for time.

use std::fs::{self, File, FileTimes};
use std::path::Path;
use std::time::{Duration, SystemTime};

use crate::common::{Running, Test, assert_dead, poll, refused_saying};

const WATCHING: &str = "rask: watching";

/// A debounce window wide enough that one edit (a write, then the time set) stays one batch
/// on a loaded machine; the default 50 ms can split it, and the test would see an extra run.
const SETTLE: (&str, &str) = ("--debounce", "250ms");
const IDLE: &str = "waiting for changes";

/// `rask --watch ARGS` with the [`SETTLE`] debounce, started in the background.
trait Watch {
    fn watch<const N: usize>(self, args: [&str; N]) -> Running;
}

impl Watch for Test {
    fn watch<const N: usize>(self, args: [&str; N]) -> Running {
        self.args(["--watch", SETTLE.0, SETTLE.1])
            .args(args)
            .spawn()
    }
}

/// Changes a file as an editor saving a moment later would. The time is set ahead because
/// rask takes a change whose file time is from before the last run ended, reported right
/// after it, for that run's own write (see docs/watch.md, "Tasks that write what they watch").
fn edit(running: &Running, relative: &str, contents: &str) {
    let path = running.path(relative);
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent).expect("create the file's directory");
    }
    fs::write(&path, contents).expect("write the file");
    let later = SystemTime::now() + Duration::from_secs(1);
    File::options()
        .write(true)
        .open(&path)
        .and_then(|file| file.set_times(FileTimes::new().set_modified(later)))
        .expect("set the file's time");
}

/// What the tasks have appended to `log` so far, line by line.
fn logged(running: &Running) -> Vec<String> {
    lines(&running.path("log"))
}

fn lines(path: &Path) -> Vec<String> {
    fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(str::to_owned)
        .collect()
}

/// Waits (bounded) until `relative` has `count` lines.
#[track_caller]
fn wait_for_lines(running: &Running, relative: &str, count: usize) {
    let path = running.path(relative);
    assert!(
        poll(Duration::from_secs(10), || lines(&path).len() >= count),
        "{relative} has {:?}, not {count} lines; stderr:\n{}",
        lines(&path),
        running.stderr_so_far()
    );
}

const BUILD_TXT: &str = r#"
    [tasks.build]
    sources = ["src/*.txt"]
    run = "echo build >> log"
"#;

const BUILD_AND_TEST: &str = r#"
    [tasks.gen]
    sources = ["gen/*.in"]
    run = "echo gen >> log"
    [tasks.build]
    depends = ["gen"]
    sources = ["src/*.txt"]
    run = "echo build >> log"
    [tasks.test]
    depends = ["build"]
    sources = ["tests/*.txt"]
    run = "echo test >> log"
"#;

#[test]
fn a_change_re_runs_the_task_it_touches_and_its_dependents_only() {
    let running = Test::new()
        .tasks_toml(BUILD_AND_TEST)
        .write("src/a.txt", "1")
        .write("tests/t.txt", "1")
        .watch(["test"]);
    running.wait_for_stderr(IDLE, 1);
    edit(&running, "src/a.txt", "2");
    running.wait_for_stderr(IDLE, 2);
    assert_eq!(logged(&running), ["gen", "build", "test", "build", "test"]);
    edit(&running, "tests/t.txt", "2");
    running.wait_for_stderr(IDLE, 3);
    assert_eq!(
        logged(&running),
        ["gen", "build", "test", "build", "test", "test"]
    );
    assert!(
        running
            .stderr_so_far()
            .contains("rask: `tests/t.txt` changed: running `test`"),
        "{}",
        running.stderr_so_far()
    );
    running.interrupt();
}

/// Issue #6 and #10 together: a task call in `run` is an edge like a dependency, so a change to
/// the called task's sources re-runs it where the caller calls it, with the caller around it;
/// a change elsewhere leaves both alone.
#[test]
fn a_change_to_a_called_tasks_sources_re_runs_it_inside_its_caller() {
    let running = Test::new()
        .tasks_toml(
            r#"
            [tasks.gen]
            sources = ["gen/*.in"]
            run = "echo gen >> log"
            [tasks.ci]
            sources = ["ci/*.txt"]
            run = ["echo ci-before >> log", { task = "gen" }, "echo ci-after >> log"]
            [tasks.other]
            sources = ["other/*.txt"]
            run = "echo other >> log"
            "#,
        )
        .write("gen/a.in", "1")
        .write("ci/c.txt", "1")
        .write("other/o.txt", "1")
        .watch(["ci", "other"]);
    running.wait_for_stderr(IDLE, 1);
    let first = logged(&running);
    assert_eq!(first.len(), 4, "{first:?}");
    // The round's summary comes before the line that ends the round.
    let stderr = running.stderr_so_far();
    let summary = stderr.find("rask: done: 3 tasks succeeded");
    assert!(
        summary.is_some_and(|at| at < stderr.find(IDLE).expect("idle")),
        "{stderr}"
    );
    edit(&running, "gen/a.in", "2");
    running.wait_for_stderr(IDLE, 2);
    assert_eq!(logged(&running)[4..], ["ci-before", "gen", "ci-after"]);
    edit(&running, "other/o.txt", "2");
    running.wait_for_stderr(IDLE, 3);
    assert_eq!(logged(&running)[7..], ["other"]);
    running.interrupt();
}

/// The same while the called task runs: it is stopped, its caller starts over, and the new
/// call runs it again; the caller, restarted while it waited at the call, waits for the new
/// run, not the stopped one (and nothing hangs).
#[test]
fn a_change_while_a_called_task_runs_restarts_it_inside_its_restarted_caller() {
    let running = Test::new()
        .tasks_toml(
            r#"
            [tasks.gen]
            sources = ["gen/*.in"]
            run = "echo gen-start >> log; until [ -e go ]; do sleep 0.01; done; echo gen-done >> log"
            [tasks.ci]
            sources = ["ci/*.txt"]
            run = [{ task = "gen" }, "echo ci-after >> log"]
            "#,
        )
        .write("gen/a.in", "1")
        .write("ci/c.txt", "1")
        .watch(["ci"]);
    wait_for_lines(&running, "log", 1);
    edit(&running, "gen/a.in", "2");
    wait_for_lines(&running, "log", 2);
    fs::write(running.path("go"), "").expect("write go");
    running.wait_for_stderr(IDLE, 1);
    assert_eq!(
        logged(&running),
        ["gen-start", "gen-start", "gen-done", "ci-after"]
    );
    running.interrupt();
}

#[test]
fn a_burst_of_two_hundred_writes_is_one_run() {
    let running = Test::new()
        .tasks_toml(BUILD_TXT)
        .write("src/0.txt", "0")
        // Generous, so a descheduled test thread cannot split the burst.
        .args(["--watch", "--debounce", "500ms", "build"])
        .spawn();
    running.wait_for_stderr(IDLE, 1);
    for index in 0..200 {
        edit(&running, &format!("src/{index}.txt"), "changed");
    }
    running.wait_for_stderr(IDLE, 2);
    assert!(
        running.stderr_so_far().contains("and 199 more changed"),
        "{}",
        running.stderr_so_far()
    );
    // One more change, to see that nothing else was pending.
    edit(&running, "src/last.txt", "1");
    running.wait_for_stderr(IDLE, 3);
    assert_eq!(logged(&running), ["build", "build", "build"]);
    running.interrupt();
}

#[test]
fn outputs_git_and_ignored_files_never_trigger() {
    let running = Test::new()
        .tasks_toml(
            r#"
            [tasks.build]
            outputs = ["out", "log"]
            run = "mkdir -p out && echo built > out/result && echo build >> log"
            "#,
        )
        .write(".gitignore", "*.tmp\n")
        .write(".git/HEAD", "ref: refs/heads/main\n")
        .watch(["build"]);
    running.wait_for_stderr(IDLE, 1);
    edit(&running, "out/by-hand", "1");
    edit(&running, ".git/HEAD", "ref: refs/heads/other\n");
    edit(&running, "scratch.tmp", "1");
    edit(&running, ".rask/state", "1");
    edit(&running, "trigger.txt", "1");
    running.wait_for_stderr(IDLE, 2);
    let stderr = running.stderr_so_far();
    assert!(
        stderr.contains("rask: `trigger.txt` changed: running `build`"),
        "only the last write is a trigger:\n{stderr}"
    );
    assert_eq!(logged(&running), ["build", "build"]);
    running.interrupt();
}

#[test]
fn a_task_writing_into_the_directory_it_watches_does_not_loop() {
    // No `sources`, no `outputs`: the task watches its whole directory and writes into it.
    let running = Test::new()
        .tasks_toml(
            r#"
            [tasks.note]
            run = "echo ran >> log"
            "#,
        )
        .watch(["note"]);
    running.wait_for_stderr(IDLE, 1);
    edit(&running, "first.txt", "1");
    running.wait_for_stderr(IDLE, 2);
    edit(&running, "second.txt", "1");
    running.wait_for_stderr(IDLE, 3);
    let stderr = running.stderr_so_far();
    assert!(
        !stderr.contains("`log`"),
        "its own writes never trigger:\n{stderr}"
    );
    assert_eq!(logged(&running), ["ran", "ran", "ran"]);
    running.interrupt();
}

const SERVER: &str = r#"
    [tasks.server]
    sources = ["src/*"]
    run = "sleep 300 & echo $! >> pids; wait"
"#;

#[test]
fn a_change_restarts_a_running_task_and_its_old_group_is_gone() {
    let running = Test::new()
        .tasks_toml(SERVER)
        .write("src/app", "1")
        .watch(["server"]);
    running.wait_for_stderr(WATCHING, 1);
    wait_for_lines(&running, "pids", 1);
    let first: i32 = lines(&running.path("pids"))[0].parse().expect("a pid");
    edit(&running, "src/app", "2");
    wait_for_lines(&running, "pids", 2);
    assert_dead(first, "the first server's background process");
    let second: i32 = lines(&running.path("pids"))[1].parse().expect("a pid");
    // Ctrl-C ends watching and leaves no process behind.
    running.interrupt();
    assert_dead(second, "the second server's background process");
}

/// A task that runs until the file `go` exists.
fn slow_task() -> String {
    let wait_for_go = crate::common::sh_wait_for("go");
    format!(
        r#"
        [tasks.slow]
        sources = ["src/*"]
        run = "echo start >> log; {wait_for_go}; echo end >> log"
        "#
    )
}

#[test]
fn on_busy_queue_runs_exactly_once_more_after_the_current_run() {
    let running = Test::new()
        .tasks_toml(&slow_task())
        .write("src/a", "1")
        .watch(["--on-busy", "queue", "slow"]);
    wait_for_lines(&running, "log", 1);
    edit(&running, "src/a", "2");
    running.wait_for_stderr("running again when the current run ends", 1);
    edit(&running, "src/b", "1");
    running.wait_for_stderr("running again when the current run ends", 2);
    fs::write(running.path("go"), "").expect("write go");
    running.wait_for_stderr(IDLE, 2);
    assert_eq!(logged(&running), ["start", "end", "start", "end"]);
    running.interrupt();
}

#[test]
fn on_busy_do_nothing_ignores_changes_while_a_run_goes_on() {
    let running = Test::new()
        .tasks_toml(&slow_task())
        .write("src/a", "1")
        .watch(["--on-busy", "do-nothing", "slow"]);
    wait_for_lines(&running, "log", 1);
    edit(&running, "src/a", "2");
    running.wait_for_stderr("ignored while the current run goes on", 1);
    fs::write(running.path("go"), "").expect("write go");
    running.wait_for_stderr(IDLE, 1);
    // Idle now: a change runs again, once.
    edit(&running, "src/a", "3");
    running.wait_for_stderr(IDLE, 2);
    assert_eq!(logged(&running), ["start", "end", "start", "end"]);
    running.interrupt();
}

#[test]
fn tasks_toml_edits_are_picked_up_and_a_broken_edit_keeps_the_last_good_file() {
    let running = Test::new()
        .tasks_toml(
            r#"
            [tasks.hello]
            run = "echo one >> log"
            "#,
        )
        .watch(["hello"]);
    running.wait_for_stderr(IDLE, 1);
    edit(
        &running,
        "tasks.toml",
        "[tasks.hello]\nrun = \"echo two >> log\"\nbroken = [\n",
    );
    running.wait_for_stderr("still watching with the last good one", 1);
    assert!(
        running.stderr_so_far().contains("tasks.toml:3:"),
        "the error points at the line:\n{}",
        running.stderr_so_far()
    );
    edit(
        &running,
        "tasks.toml",
        "[tasks.hello]\nrun = \"echo two >> log\"\n",
    );
    running.wait_for_stderr(IDLE, 2);
    assert_eq!(logged(&running), ["one", "two"]);
    running.interrupt();
}

#[test]
fn poll_mode_sees_changes_too() {
    let running = Test::new()
        .tasks_toml(BUILD_TXT)
        .write("src/a.txt", "1")
        .watch(["--poll=50ms", "build"]);
    running.wait_for_stderr(IDLE, 1);
    edit(&running, "src/a.txt", "2");
    running.wait_for_stderr(IDLE, 2);
    assert_eq!(logged(&running), ["build", "build"]);
    running.interrupt();
}

#[test]
fn watch_options_need_watch() {
    Test::new()
        .tasks_toml("[tasks.a]\nrun = \"true\"\n")
        .args(["--on-busy", "queue", "a"])
        .expect_stderr_contains("--watch")
        .status(2);
}

#[test]
fn a_task_with_a_watch_signal_reloads_instead_of_restarting() {
    let running = Test::new()
        .tasks_toml(
            r#"
            [tasks.server]
            sources = ["src/*"]
            watch_signal = "SIGHUP"
            run = "trap 'echo reloaded >> log' HUP; echo started >> log; while true; do sleep 300 & wait $!; done"
            "#,
        )
        .write("src/app", "1")
        .watch(["server"]);
    running.wait_for_stderr(WATCHING, 1);
    wait_for_lines(&running, "log", 1);
    edit(&running, "src/app", "2");
    wait_for_lines(&running, "log", 2);
    assert_eq!(logged(&running), ["started", "reloaded"]);
    running.interrupt();
}

#[test]
fn an_unknown_watch_signal_is_an_error_pointing_at_it() {
    let toml = r#"
        [tasks.server]
        watch_signal = "SIGFOO"
        run = "true"
    "#;
    refused_saying(
        toml,
        &["server"],
        &[
            "unknown `watch_signal` `SIGFOO` in task `server`",
            "tasks.toml:2:",
        ],
    );
}
