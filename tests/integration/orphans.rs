//! Nothing outlives rask: whatever a task started (background jobs included) is gone once rask
//! exits, whether the task timed out, was cancelled by fail-fast, or even succeeded.
//!
//! Each task writes the pid of a background `sleep 300` to a file; the test then checks that the
//! pid is dead (see [`crate::common::is_dead`] for what counts).

use crate::common::{Test, assert_dead, assert_gone, in_a_subreaper, reap_adopted, sh_wait_for};

/// Starts a long background sleep that does not hold rask's pipes, and records its pid.
const BACKGROUND: &str = "sleep 300 >/dev/null 2>&1 & echo $! > pid.tmp; mv pid.tmp pid";

#[test]
fn timeout_kills_background_children() {
    let output = Test::new()
        .tasks_toml(&format!(
            r#"
            [tasks.t]
            timeout = "1s"
            run = '''{BACKGROUND}; wait'''
            "#
        ))
        .args(["t"])
        .expect_stderr_contains("timed out")
        .status(124);
    assert_dead(
        output.read_pid("pid"),
        "the timed-out task's background sleep",
    );
}

#[test]
fn fail_fast_kills_background_children_of_siblings() {
    let output = Test::new()
        .tasks_toml(&format!(
            r#"
            [tasks.fails]
            run = '''{wait}; exit 1'''
            [tasks.spawner]
            run = '''{BACKGROUND}; wait'''
            "#,
            wait = sh_wait_for("pid"),
        ))
        .args(["fails", "spawner", "-j", "2"])
        .expect_stderr_contains("error: task `fails` failed with exit code 1")
        .status(1);
    assert_dead(
        output.read_pid("pid"),
        "the cancelled sibling's background sleep",
    );
}

#[test]
fn background_child_of_a_successful_task_is_killed() {
    let output = Test::new()
        .tasks_toml(&format!(
            r#"
            [tasks.t]
            run = '''{BACKGROUND}'''
            "#
        ))
        .args(["t"])
        .success();
    assert_dead(
        output.read_pid("pid"),
        "the successful task's background sleep",
    );
}

#[test]
fn background_child_holding_stdout_does_not_keep_rask_alive() {
    // The sleep keeps the task's stdout open. rask must neither wait for it forever nor leave it
    // behind; the harness fails the test if rask's stdout stays open after rask exits.
    for mode in ["inherit", "prefixed", "grouped"] {
        let output = Test::new()
            .tasks_toml(
                r#"
                [tasks.t]
                run = "echo before; sleep 300 & echo $! > pid"
                "#,
            )
            .args(["--output", mode, "t"])
            .expect_stdout_contains("before")
            .success();
        assert_dead(
            output.read_pid("pid"),
            &format!("the stdout-holding sleep ({mode})"),
        );
    }
}

#[test]
fn argv_task_children_are_killed_by_fail_fast() {
    let output = Test::new()
        .tasks_toml(&format!(
            r#"
            [tasks.fails]
            run = '''{wait}; exit 2'''
            [tasks.spawner]
            run = [["sh", "-c", "{BACKGROUND}; wait"]]
            "#,
            wait = sh_wait_for("pid"),
        ))
        .args(["fails", "spawner", "-j", "2"])
        .status(2);
    assert_dead(output.read_pid("pid"), "the argv task's background sleep");
}

#[test]
fn task_ignoring_sigterm_is_killed_after_the_grace_period() {
    // A short `--grace` (docs/cli.md) keeps the escalation to SIGKILL quick.
    let running = Test::new()
        .tasks_toml(&format!(
            r#"
            [tasks.stubborn]
            run = '''trap "" TERM; {BACKGROUND}; while true; do sleep 1; done'''
            "#
        ))
        .args(["stubborn", "--grace", "300ms"])
        .spawn();
    // A 300 ms timeout could fire before the shell wrote its pid: stop the task only once the
    // pid is there, with a signal, which rask forwards like a timeout's SIGTERM.
    running.wait_for_file("pid");
    running.signal(libc::SIGTERM);
    let output = running.status(143);
    assert_dead(
        output.read_pid("pid"),
        "the TERM-ignoring task's background sleep",
    );
}

/// Runs rask on a pseudo-terminal (through `script`), so that a lone task owns the terminal
/// and stays in rask's process group: the case where rask cannot kill the task's group.
fn run_on_a_terminal(test: &Test, args: &str) -> std::process::ExitStatus {
    let command = format!("'{}' {args}", env!("CARGO_BIN_EXE_rask"));
    std::process::Command::new("script")
        .args(["-qec", &command, "/dev/null"])
        .current_dir(test.path("."))
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .status()
        .expect("script(1) runs")
}

#[test]
fn a_foreground_task_on_a_terminal_leaves_no_background_children() {
    // `nohup`: the terminal's hang-up when rask exits must not be what kills the sleep.
    let test = Test::new().tasks_toml(
        r#"
        [tasks.t]
        run = "nohup sleep 300 >/dev/null 2>&1 & echo $! > pid.tmp; mv pid.tmp pid"
        "#,
    );
    let status = run_on_a_terminal(&test, "t");
    assert!(status.success(), "rask failed on a terminal: {status}");
    assert_dead(
        crate::common::read_pid(&test.path("pid")),
        "the background sleep of a task that owned the terminal",
    );
}

/// Issue #8: when `poll(2)` fails mid-run (not EINTR), rask kills and reaps every running task,
/// and its summary accounts for every task. The fault is real: once both tasks run, the test
/// lowers rask's descriptor limit below the number it polls (`prlimit --nofile=3`), and the
/// next `poll` fails with EINVAL, as on a system out of descriptors. Task `a` then writes a line
/// to wake rask up into that `poll`. Run in a subreaper, so that a task's shell rask killed but
/// did not reap would still be there, a zombie, when rask has exited.
#[test]
fn issue_8_poll_failing_mid_run_kills_every_task_and_accounts_for_it() {
    if !in_a_subreaper("orphans::issue_8_poll_failing_mid_run_kills_every_task_and_accounts_for_it")
    {
        return;
    }
    let task = |name: &str, then: &str| {
        format!(
            "sleep 300 >/dev/null 2>&1 & echo $! > {name}.child; echo $$ > {name}.tmp; \
             mv {name}.tmp {name}.pid; {then}wait"
        )
    };
    let rask = Test::new()
        .tasks_toml(&format!(
            r#"
            [tasks.a]
            run = '''{a}'''
            [tasks.b]
            run = '''{b}'''
            [tasks.both]
            depends = ["a", "b"]
            "#,
            a = task("a", &format!("{}; echo woke; ", sh_wait_for("go"))),
            b = task("b", ""),
        ))
        .args(["-j", "2", "both"])
        .expect_stdout("[a] woke\n")
        .spawn();
    rask.wait_for_file("a.pid");
    rask.wait_for_file("b.pid");
    let limited = std::process::Command::new("prlimit")
        .args([format!("--pid={}", rask.pid()), "--nofile=3:3".to_owned()])
        .status()
        .expect("prlimit runs");
    assert!(limited.success(), "prlimit failed: {limited}");
    std::fs::write(rask.path("go"), "").expect("the project is writable");
    let pids: Vec<(String, i32)> = ["a.pid", "a.child", "b.pid", "b.child"]
        .iter()
        .map(|file| (file.to_string(), rask.read_pid(file)))
        .collect();
    let output = rask.status(2);
    for (file, pid) in pids {
        if file.ends_with(".pid") {
            // The task's shell: rask's own child, which rask must have killed and reaped.
            assert_gone(pid, &format!("the shell in {file}"));
        } else {
            // Its background sleep, re-parented to this process when the shell died.
            assert_dead(pid, &format!("the background sleep in {file}"));
        }
    }
    reap_adopted();
    insta::assert_snapshot!(output.stderr_redacted());
}
