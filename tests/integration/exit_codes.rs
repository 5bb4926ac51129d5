//! Exit codes are API: a task's own code, 128+n for signals, 124 for timeouts, 127 for commands
//! that cannot be started, 2 for rask's own errors.

use crate::common::{Test, refused_saying};
use crate::ordering::A_THEN_B;

#[test]
fn all_tasks_succeeding_exits_0() {
    Test::new()
        .tasks_toml(A_THEN_B)
        .args(["b"])
        .expect_file("log", "a\nb\n")
        .success();
}

#[test]
fn failed_task_exit_code_is_rasks_exit_code() {
    Test::new()
        .tasks_toml(
            r#"
            [tasks.broken]
            run = "exit 3"
            "#,
        )
        .args(["broken"])
        .expect_stderr_contains("broken")
        .expect_stderr_contains("exit code 3")
        .status(3);
}

#[test]
fn task_killed_by_a_signal_exits_128_plus_n() {
    Test::new()
        .tasks_toml(
            r#"
            [tasks.victim]
            run = "kill -KILL $$"
            "#,
        )
        .args(["victim"])
        .expect_stderr_contains("victim")
        .expect_stderr_contains("signal")
        .status(128 + libc::SIGKILL);
}

#[test]
fn timeout_key_kills_the_task_and_exits_124() {
    Test::new()
        .tasks_toml(
            r#"
            [tasks.slow]
            timeout = "200ms"
            run = "sleep 30"
            "#,
        )
        .args(["slow"])
        .expect_stderr_contains("slow")
        .expect_stderr_contains("timed out")
        .status(124);
}

#[test]
fn timeout_flag_kills_the_task_and_exits_124() {
    Test::new()
        .tasks_toml(
            r#"
            [tasks.slow]
            run = "sleep 30"
            "#,
        )
        .args(["--timeout", "200ms", "slow"])
        .expect_stderr_contains("timed out")
        .status(124);
}

#[test]
fn timeout_of_a_dependency_stops_the_dependent() {
    Test::new()
        .tasks_toml(
            r#"
            [tasks.slow]
            timeout = "200ms"
            run = "sleep 30"
            [tasks.top]
            depends = ["slow"]
            run = "touch top-ran"
            "#,
        )
        .args(["top"])
        .expect_no_file("top-ran")
        .status(124);
}

#[test]
fn program_not_found_in_argv_command_exits_127() {
    Test::new()
        .tasks_toml(
            r#"
            [tasks.missing]
            run = [["rask-it-no-such-program", "x"]]
            "#,
        )
        .args(["missing"])
        .expect_stderr_contains("missing")
        .status(127);
}

#[test]
fn program_not_found_in_shell_command_exits_127() {
    Test::new()
        .tasks_toml(
            r#"
            [tasks.missing]
            run = "rask-it-no-such-program x"
            "#,
        )
        .args(["missing"])
        .status(127);
}

#[test]
fn shell_that_cannot_be_spawned_exits_127() {
    Test::new()
        .tasks_toml(
            r#"
            [settings]
            shell = ["rask-it-no-such-shell", "-c"]
            [tasks.t]
            run = "true"
            "#,
        )
        .args(["t"])
        .status(127);
}

#[test]
fn unknown_task_exits_2() {
    let toml = r#"
        [tasks.a]
        run = "true"
    "#;
    refused_saying(toml, &["nope"], &["nope"]);
}

#[test]
fn missing_tasks_toml_exits_2() {
    Test::new()
        .args(["a"])
        .expect_stderr_contains("tasks.toml")
        .status(2);
}

#[test]
fn missing_file_given_to_file_flag_exits_2() {
    Test::new()
        .args(["-f", "nowhere/tasks.toml", "a"])
        .expect_stderr_contains("nowhere")
        .status(2);
}

#[test]
fn missing_working_directory_exits_127() {
    // docs/cli.md: a command that cannot be started, "bad working directory" included, is 127.
    let output = Test::new()
        .tasks_toml(
            r#"
            [tasks.t]
            dir = "does-not-exist"
            run = "touch ran"
            "#,
        )
        .args(["t"])
        .expect_no_file("ran")
        .expect_no_file("does-not-exist/ran")
        .status(127);
    // The echoed command holds `t` already: only the whole text says what the user is told.
    insta::assert_snapshot!(
        "issue_8_missing_working_directory",
        output.stderr_redacted()
    );
}

/// A task's own exit 124 and a timeout give rask the same exit code; the summary tells them
/// apart (issue #8).
#[test]
fn issue_8_the_summary_tells_a_timeout_from_a_tasks_own_124() {
    let toml = r#"
        [tasks.own]
        run = "exit 124"
        [tasks.slow]
        timeout = "1s"
        run = "exec sleep 300"
        "#;
    let own = Test::new().tasks_toml(toml).args(["own"]).status(124);
    let slow = Test::new().tasks_toml(toml).args(["slow"]).status(124);
    insta::assert_snapshot!(
        "issue_8_own_124_and_timeout",
        format!("{}---\n{}", own.stderr_redacted(), slow.stderr_redacted())
    );
}

/// A task's own exit 130 is a failure with that code, not mistaken for Ctrl-C.
#[test]
fn issue_8_the_summary_tells_a_tasks_own_130_from_ctrl_c() {
    let output = Test::new()
        .tasks_toml("[tasks.own]\nrun = \"exit 130\"\n")
        .args(["own"])
        .status(130);
    insta::assert_snapshot!("issue_8_own_130", output.stderr_redacted());
}
