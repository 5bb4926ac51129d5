//! Signals sent to rask: it passes them on to every running task's process group, exits 130 for
//! SIGINT and 143 for SIGTERM, and leaves nothing running.
//!
//! Each test starts rask, waits for a marker proving the task runs, then signals rask's pid only:
//! reaching the tasks is rask's job.

use crate::common::{Test, assert_dead};

/// Records the shell's pid and a background sleep's pid, then waits; `pid` appears last.
fn running_task(name: &str) -> String {
    format!(
        r#"
        [tasks.{name}]
        run = '''echo $$ > {name}.shell; sleep 300 >/dev/null 2>&1 & echo $! > {name}.tmp; mv {name}.tmp {name}.pid; wait'''
        "#
    )
}

#[track_caller]
fn interrupt_single_task(signal: i32, expected: i32) {
    let running = Test::new()
        .tasks_toml(&format!(
            "{}\n[tasks.after]\ndepends = [\"t\"]\nrun = \"touch after-ran\"\n",
            running_task("t")
        ))
        .args(["after"])
        .expect_no_file("after-ran")
        .spawn();
    running.wait_for_file("t.pid");
    let shell = running.read_pid("t.shell");
    let sleep = running.read_pid("t.pid");
    running.signal(signal);
    running.status(expected);
    assert_dead(shell, "the task's shell");
    assert_dead(sleep, "the task's background sleep");
}

#[test]
fn sigterm_exits_143_and_kills_the_task_group() {
    interrupt_single_task(libc::SIGTERM, 128 + libc::SIGTERM);
}

#[test]
fn sigint_exits_130_and_kills_the_task_group() {
    interrupt_single_task(libc::SIGINT, 128 + libc::SIGINT);
}

#[test]
fn sigterm_reaches_every_parallel_task() {
    let running = Test::new()
        .tasks_toml(&format!("{}{}", running_task("one"), running_task("two")))
        .args(["one", "two", "-j", "2"])
        .spawn();
    running.wait_for_file("one.pid");
    running.wait_for_file("two.pid");
    let pids: Vec<(&str, i32)> = ["one.shell", "one.pid", "two.shell", "two.pid"]
        .into_iter()
        .map(|file| (file, running.read_pid(file)))
        .collect();
    running.signal(libc::SIGTERM);
    running.status(143);
    for (file, pid) in pids {
        assert_dead(pid, file);
    }
}

#[test]
fn sigint_in_prefixed_mode_exits_130_and_kills_the_task() {
    let running = Test::new()
        .tasks_toml(&running_task("t"))
        .args(["--output", "prefixed", "t"])
        .spawn();
    let sleep = running.wait_for_pid("t.pid");
    running.interrupt();
    assert_dead(sleep, "the task's background sleep");
}

#[test]
fn second_sigint_kills_at_once_without_waiting_for_the_grace_period() {
    // The task survives the forwarded SIGINT (its trap records it). With a grace period far
    // beyond the harness deadline, only the second signal's SIGKILL can end this run.
    let running = Test::new()
        .tasks_toml(
            r#"
            [tasks.stubborn]
            run = '''trap 'touch got-int' INT TERM; echo $$ > pid.tmp; mv pid.tmp pid; while true; do sleep 0.1; done'''
            "#,
        )
        .args(["--grace", "10m", "--output", "prefixed", "stubborn"])
        .spawn();
    let shell = running.wait_for_pid("pid");
    running.signal(libc::SIGINT);
    running.wait_for_file("got-int");
    running.interrupt();
    assert_dead(shell, "the INT-trapping shell");
}

/// Issue #8: `depends_post` is "like a finally", so a first Ctrl-C still runs the cleanup of a
/// task that ran (as go-task's and mise's `defer` do), and rask still exits 130.
#[test]
fn issue_8_cleanup_runs_after_a_first_ctrl_c() {
    let running = Test::new()
        .tasks_toml(&format!(
            "{}\ndepends_post = [\"down\"]\n[tasks.down]\nrun = \"touch down-ran\"\n",
            running_task("t").trim_end()
        ))
        .args(["t"])
        .spawn();
    running.wait_for_file("t.pid");
    let output = running.interrupt();
    assert!(output.path("down-ran").exists(), "the cleanup ran");
}
