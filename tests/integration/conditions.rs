//! Conditions decide what runs: a task's `if` (skipped, dependents still run), `status`
//! (up to date when every command succeeds), `preconditions` (the task fails before its
//! commands), a command table's own `if`, and `ignore_errors` ("failed, ignored").

use crate::common::{Test, assert_dead, refusal};

#[test]
fn a_false_if_skips_the_task_and_its_dependents_still_run() {
    let output = Test::new()
        .tasks_toml(
            r#"
            [tasks.gen]
            if = "test -f enabled"
            run = "echo gen >> log"
            [tasks.build]
            depends = ["gen"]
            run = "echo build >> log"
            "#,
        )
        .args(["-j1", "build"])
        .expect_file("log", "build\n")
        .success();
    insta::assert_snapshot!(output.stderr_redacted(), @r"
    rask: task `gen` skipped: `test -f enabled` is false
    $ echo build >> log
    rask: done: 2 tasks in [TIME]: 1 succeeded; 1 skipped
    ");
}

#[test]
fn a_true_if_runs_the_task() {
    Test::new()
        .tasks_toml(
            r#"
            [tasks.gen]
            if = "test -f enabled"
            run = "echo gen >> log"
            "#,
        )
        .write("enabled", "")
        .args(["gen"])
        .expect_file("log", "gen\n")
        .success();
}

#[test]
fn conditions_see_parameters_shell_quoted() {
    Test::new()
        .tasks_toml(
            r#"
            [tasks.deploy]
            params = [{ name = "target", default = "prod; touch injected" }]
            if = "test {{target}} = 'prod; touch injected'"
            run = "echo {{target}} > deployed"
            "#,
        )
        .args(["deploy"])
        .expect_file("deployed", "prod; touch injected\n")
        .expect_no_file("injected")
        .success();
}

#[test]
fn a_condition_runs_quietly_in_the_task_directory_with_its_env() {
    Test::new()
        .tasks_toml(
            r#"
            [tasks.t]
            dir = "sub"
            env = { MODE = "ci" }
            if = "echo noisy; echo noisy >&2; test -f here && test \"$MODE\" = ci"
            run = "echo ran > ../ran"
            "#,
        )
        .create_dir("sub")
        .write("sub/here", "")
        .args(["t"])
        .expect_file("ran", "ran\n")
        .expect_stdout_not_contains("noisy")
        .expect_stderr_not_contains("noisy")
        .success();
}

/// `fetch` is up to date (its `status` commands succeed) once `vendor/a` and `vendor/b` exist.
const FETCH: &str = r#"
    [tasks.fetch]
    status = ["test -f vendor/a", "test -f vendor/b"]
    run = "echo fetched >> log"
    "#;

#[test]
fn status_commands_that_all_succeed_mean_up_to_date() {
    let output = Test::new()
        .tasks_toml(FETCH)
        .create_dir("vendor")
        .write("vendor/a", "")
        .write("vendor/b", "")
        .args(["fetch"])
        .expect_no_file("log")
        .success();
    insta::assert_snapshot!(output.stderr_redacted(), @"rask: task `fetch` is up to date");
}

#[test]
fn one_failing_status_command_runs_the_task_and_force_ignores_status() {
    Test::new()
        .tasks_toml(FETCH)
        .create_dir("vendor")
        .write("vendor/a", "")
        .args(["fetch"])
        .expect_file("log", "fetched\n")
        .success();
    Test::new()
        .tasks_toml(FETCH)
        .create_dir("vendor")
        .write("vendor/a", "")
        .write("vendor/b", "")
        .args(["--force", "fetch"])
        .expect_file("log", "fetched\n")
        .success();
}

#[test]
fn a_failed_precondition_fails_the_task_before_its_commands_and_nothing_after_starts() {
    let output = Test::new()
        .tasks_toml(
            r#"
            [tasks.build]
            preconditions = [
                "true",
                { sh = "test -f .env", msg = "run `rask setup` first" },
            ]
            run = "touch build-ran"
            [tasks.deploy]
            depends = ["build"]
            run = "touch deploy-ran"
            "#,
        )
        .args(["-j1", "deploy"])
        .expect_no_file("build-ran")
        .expect_no_file("deploy-ran")
        .status(1);
    insta::assert_snapshot!(output.stderr_redacted(), @r"
    error: task `build` failed a precondition: run `rask setup` first ([TIME])
    error: 1 of 2 tasks failed ([TIME]):
      build  failed a precondition: run `rask setup` first  [TIME]
      not started: `deploy`
    ");
}

#[test]
fn a_plain_string_precondition_names_itself_when_it_fails() {
    Test::new()
        .tasks_toml(
            r#"
            [tasks.build]
            preconditions = ["test -f Cargo.toml"]
            run = "touch build-ran"
            "#,
        )
        .args(["build"])
        .expect_no_file("build-ran")
        .expect_stderr_contains("failed a precondition: `test -f Cargo.toml` failed")
        .status(1);
}

#[test]
fn a_command_if_skips_that_command_only() {
    Test::new()
        .tasks_toml(
            r#"
            [tasks.lint]
            run = [
                { cmd = "echo fmt >> log", if = "command -v no-such-tool-here" },
                { cmd = ["sh", "-c", "echo clippy >> log"], if = "true" },
                "echo done >> log",
            ]
            "#,
        )
        .args(["lint"])
        .expect_file("log", "clippy\ndone\n")
        .success();
}

#[test]
fn an_ignored_command_failure_is_reported_and_the_task_goes_on() {
    let output = Test::new()
        .tasks_toml(
            r#"
            [tasks.clean]
            run = [{ cmd = "exit 3", ignore_errors = true }, "echo after >> log"]
            [tasks.build]
            depends = ["clean"]
            run = "echo build >> log"
            "#,
        )
        .args(["-j1", "build"])
        .expect_file("log", "after\nbuild\n")
        .success();
    insta::assert_snapshot!(output.stderr_redacted(), @r"
    $ exit 3
    $ echo after >> log
    rask: task `clean` failed with exit code 3 (ignored)
    $ echo build >> log
    rask: done: 2 tasks in [TIME]: 1 succeeded; 1 failed, ignored
    ");
}

#[test]
fn a_task_that_ignores_errors_stops_at_its_failure_but_fails_nothing_else() {
    Test::new()
        .tasks_toml(
            r#"
            [tasks.flaky]
            ignore_errors = true
            run = ["exit 4", "touch not-reached"]
            [tasks.build]
            depends = ["flaky"]
            run = "touch build-ran"
            "#,
        )
        .args(["build"])
        .expect_no_file("not-reached")
        .expect_file("build-ran", "")
        .expect_stderr_contains("task `flaky` failed with exit code 4 (ignored)")
        .success();
}

#[test]
fn ignored_failures_are_listed_when_another_task_fails() {
    let output = Test::new()
        .tasks_toml(
            r#"
            [tasks.flaky]
            ignore_errors = true
            run = "exit 4"
            [tasks.broken]
            depends = ["flaky"]
            run = "exit 5"
            "#,
        )
        .args(["-j1", "broken"])
        .status(5);
    insta::assert_snapshot!(output.stderr_redacted(), @r"
    $ exit 4
    rask: task `flaky` failed with exit code 4 (ignored)
    $ exit 5
    error: task `broken` failed with exit code 5 ([TIME])
    error: 1 of 2 tasks failed ([TIME]):
      broken  failed with exit code 5  [TIME]
      failed, ignored: `flaky`
    ");
}

#[test]
fn a_dry_run_shows_conditions_and_runs_none() {
    Test::new()
        .tasks_toml(
            r#"
            [tasks.build]
            if = "touch if-ran"
            preconditions = ["touch pre-ran"]
            status = ["touch status-ran"]
            run = [{ cmd = "echo hi", if = "touch cmd-if-ran" }]
            "#,
        )
        .args(["--dry-run", "build"])
        .expect_stdout(
            "# build: if touch if-ran\n# build: precondition touch pre-ran\n\
             # build: up to date if touch status-ran (status not checked)\n\
             # build: next command if touch cmd-if-ran\n\
             echo hi\n",
        )
        .expect_no_file("if-ran")
        .expect_no_file("pre-ran")
        .expect_no_file("status-ran")
        .expect_no_file("cmd-if-ran")
        .success();
}

#[test]
fn an_aggregate_with_only_a_condition_still_checks_it() {
    Test::new()
        .tasks_toml(
            r#"
            [tasks.a]
            run = "touch a-ran"
            [tasks.all]
            depends = ["a"]
            preconditions = [{ sh = "false", msg = "not on this machine" }]
            "#,
        )
        .args(["all"])
        .expect_file("a-ran", "")
        .expect_stderr_contains("task `all` failed a precondition: not on this machine")
        .status(1);
}

#[test]
fn bad_condition_keys_are_all_reported_and_nothing_runs() {
    let toml = r#"
        [tasks.a]
        if = 3
        status = ""
        preconditions = [{ msg = "no sh" }, 7]
        run = [{ cmd = "touch ran", iff = "true" }, { if = "true" }]
        ignore_errors = "yes"
    "#;
    insta::assert_snapshot!(refusal(toml, &["a"]));
}

#[test]
fn ctrl_c_during_a_condition_stops_it_and_leaves_nothing_running() {
    let running = Test::new()
        .tasks_toml(
            r#"
            [tasks.t]
            if = "sleep 300 & echo $! > pid.tmp; mv pid.tmp pid; wait"
            run = "touch ran"
            "#,
        )
        .args(["t"])
        .expect_no_file("ran")
        .spawn();
    let sleep = running.wait_for_pid("pid");
    running.interrupt();
    assert_dead(sleep, "the condition's background sleep");
}
