//! Task calls with arguments in `depends` / `depends_post`
//! (`{ task = "build", args = { profile = "release" } }`) and as steps of `run`: one run per
//! distinct set of values.

use crate::common::{Test, assert_dead, refusal, refused_saying};
use crate::reports::{events, outcome, outcomes};

/// What rask prints on stdout for `args`, run on `toml`, which must succeed.
fn stdout(toml: &str, args: [&str; 2]) -> String {
    Test::new()
        .tasks_toml(toml)
        .args(args)
        .success()
        .stdout_text()
}

/// The lines the tasks appended to `log` in a run of `args` on `toml`, which must exit `code`.
#[track_caller]
fn logged(toml: &str, args: &[&str], code: i32) -> Vec<String> {
    Test::new()
        .tasks_toml(toml)
        .args(args)
        .status(code)
        .log_lines("log")
}

const BUILDS: &str = r#"
    [tasks.build]
    run = "echo build {{profile}} >> log"
    params = [{ name = "profile", default = "debug", choices = ["debug", "release"] }]

    [tasks.release]
    depends = [{ task = "build", args = { profile = "release" } }]
    run = "echo release >> log"

    [tasks.ship]
    depends = ["release", { task = "build", args = { profile = "release" } }]
    run = "echo ship >> log"

    [tasks.both]
    depends = ["build", { task = "build", args = { profile = "release" } }]
    run = "echo both >> log"

    [tasks.same]
    depends = ["build", { task = "build", args = { profile = "debug" } }]
    run = "echo same >> log"
"#;

#[test]
fn args_reach_the_dependency() {
    assert_eq!(
        logged(BUILDS, &["release"], 0),
        ["build release", "release"]
    );
}

#[test]
fn the_same_arguments_run_once() {
    assert_eq!(
        logged(BUILDS, &["ship"], 0),
        ["build release", "release", "ship"]
    );
}

#[test]
fn different_arguments_run_once_each() {
    let output = Test::new()
        .tasks_toml(BUILDS)
        .args(["-j1", "both"])
        .success();
    let lines = output.log_lines("log");
    assert_eq!(lines.len(), 3, "{lines:?}");
    assert!(lines.contains(&"build debug".to_owned()), "{lines:?}");
    assert!(lines.contains(&"build release".to_owned()), "{lines:?}");
    assert_eq!(lines[2], "both");
}

#[test]
fn arguments_equal_to_the_tasks_own_values_are_the_same_run() {
    assert_eq!(logged(BUILDS, &["same"], 0), ["build debug", "same"]);
}

#[test]
fn a_call_with_other_values_than_the_command_line_runs_separately() {
    let output = Test::new()
        .tasks_toml(BUILDS)
        .args(["-j1", "build", "--profile", "release", "same"])
        .success();
    let mut lines = output.log_lines("log");
    lines.sort();
    assert_eq!(lines, ["build debug", "build release", "same"]);
}

#[test]
fn dry_run_shows_each_call_with_its_values() {
    insta::assert_snapshot!(stdout(BUILDS, ["--dry-run", "both"]));
}

#[test]
fn calls_are_reported_under_name_and_arguments() {
    let output = Test::new()
        .tasks_toml(BUILDS)
        .args(["-j1", "--output", "prefixed", "both"])
        .success();
    let stderr = output.stderr_redacted();
    assert!(stderr.contains("build(profile=release)"), "{stderr}");
}

#[test]
fn bad_calls_are_reported_together_and_nothing_runs() {
    let toml = r#"
        [tasks.build]
        run = "echo build >> log"
        params = [
            { name = "profile", choices = ["debug", "release"] },
            { name = "jobs", type = "int", default = "1" },
        ]

        [tasks.a]
        depends = [{ task = "biuld", args = { profile = "release" } }]
        run = "echo a >> log"

        [tasks.b]
        depends = [{ task = "build", args = { profile = "fast", job = "2" } }]
        run = "echo b >> log"

        [tasks.c]
        depends = [{ task = "build", args = { jobs = "many" } }]
        run = "echo c >> log"
    "#;
    insta::assert_snapshot!(refusal(toml, &["a"]));
}

#[test]
fn a_call_cycle_is_an_error() {
    let toml = r#"
        [tasks.a]
        params = [{ name = "n", default = "1" }]
        depends = [{ task = "b", args = { n = "2" } }]
        run = "echo a >> log"

        [tasks.b]
        params = [{ name = "n", default = "1" }]
        depends = [{ task = "a", args = { n = "2" } }]
        run = "echo b >> log"
    "#;
    refused_saying(toml, &["a"], &["cycle"]);
}

#[test]
fn graph_shows_calls_with_their_arguments() {
    insta::assert_snapshot!(stdout(BUILDS, ["--graph", "both"]));
}

/// Calls as steps of `run`: `ci` runs `lint` twice with one set of values (so once) and once
/// with another, between its own commands.
const STEPS: &str = r#"
    [vars]
    mode = "fast"

    [tasks.lint]
    params = [{ name = "fix", default = "false" }]
    run = "echo lint {{fix}} >> log"

    [tasks.ci]
    params = [{ name = "level", default = "full" }]
    run = [
        "echo ci start >> log",
        { task = "lint", args = { fix = "true" } },
        "echo ci middle >> log",
        { task = "lint", args = { fix = "true" } },
        { task = "lint", args = { fix = "{{mode}}-{{level}}" } },
        "echo ci end >> log",
    ]
"#;

#[test]
fn a_call_in_run_runs_the_task_at_that_point() {
    for jobs in ["-j1", "-j4"] {
        assert_eq!(
            logged(STEPS, &[jobs, "ci"], 0),
            [
                "ci start",
                "lint true",
                "ci middle",
                "lint fast-full",
                "ci end"
            ],
            "{jobs}"
        );
    }
}

#[test]
fn call_args_take_the_callers_params_and_vars() {
    let log = logged(STEPS, &["mode=slow", "ci", "--level", "quick"], 0);
    assert_eq!(log[3], "lint slow-quick");
}

#[test]
fn the_called_tasks_dependencies_run_first_and_once() {
    let toml = r#"
        [tasks.prep]
        run = "echo prep >> log"

        [tasks.lint]
        depends = ["prep"]
        run = "echo lint >> log"

        [tasks.ci]
        depends = ["prep"]
        run = ["echo ci >> log", { task = "lint" }, "echo ci end >> log"]
    "#;
    assert_eq!(
        logged(toml, &["-j1", "ci"], 0),
        ["prep", "ci", "lint", "ci end"]
    );
}

#[test]
fn a_failing_call_fails_the_caller_which_runs_nothing_more() {
    let output = Test::new()
        .tasks_toml(
            r#"
            [tasks.lint]
            run = "exit 3"

            [tasks.ci]
            run = ["echo ci >> log", { task = "lint" }, "echo after >> log"]
            "#,
        )
        .args(["--report", "json=events.jsonl", "ci"])
        .status(3);
    assert_eq!(output.log_lines("log"), ["ci"]);
    let outcomes = outcomes(&events(&output));
    assert_eq!(outcome(&outcomes, "lint")["status"]["kind"], "failed");
    let caller = &outcome(&outcomes, "ci")["status"];
    assert_eq!(
        (&caller["kind"], &caller["command"]),
        (&"failed".into(), &1.into())
    );
}

#[test]
fn a_caller_is_one_task_whose_time_spans_its_calls() {
    let output = Test::new()
        .tasks_toml(
            r#"
            [tasks.slow]
            run = "sleep 0.3"

            [tasks.ci]
            run = ["true", { task = "slow" }, "true"]
            "#,
        )
        .args([
            "--report",
            "json=events.jsonl",
            "--report",
            "junit=junit.xml",
            "ci",
        ])
        .success();
    let events = events(&output);
    let id = (events[0]["tasks"].as_array().expect("a task list").iter())
        .position(|task| task["name"] == "ci")
        .expect("the task is planned");
    let started = (events.iter())
        .filter(|event| event["event"] == "task_started" && event["task"] == id)
        .count();
    assert_eq!(started, 1);
    let outcomes = outcomes(&events);
    let seconds = |name: &str| outcome(&outcomes, name)["wall"].as_f64().expect("seconds");
    assert!(seconds("ci") >= seconds("slow"), "{outcomes:?}");
    let xml = output.read("junit.xml");
    assert_eq!(xml.matches("<testcase").count(), 2, "{xml}");
}

#[test]
fn command_if_and_ignore_errors_still_hold_around_calls() {
    let output = Test::new()
        .tasks_toml(
            r#"
            [tasks.other]
            run = "echo other >> log"

            [tasks.ci]
            run = [
                { cmd = "exit 4", ignore_errors = true },
                { task = "other" },
                { cmd = "echo skipped >> log", if = "false" },
                "echo end >> log",
            ]
            "#,
        )
        .args(["ci"])
        .expect_stderr_contains("rask: task `ci` failed with exit code 4 (ignored)")
        .success();
    assert_eq!(output.log_lines("log"), ["other", "end"]);
}

#[test]
fn a_task_only_called_does_not_run_when_no_call_is_made() {
    let toml = r#"
        [tasks.lint]
        run = "echo lint >> log"

        [tasks.ci]
        if = "false"
        run = [{ task = "lint" }]

        [tasks.other]
        run = "echo other >> log"
    "#;
    assert_eq!(logged(toml, &["ci", "other"], 0), ["other"]);
}

#[test]
fn with_keep_going_a_caller_failing_before_its_call_makes_none() {
    let toml = r#"
        [tasks.lint]
        run = "echo lint >> log"

        [tasks.ci]
        run = ["exit 2", { task = "lint" }]

        [tasks.other]
        run = "echo other >> log"
    "#;
    assert_eq!(logged(toml, &["-k", "ci", "other"], 2), ["other"]);
}

/// A caller's key does not cover what it calls, so a caller with `sources` is never skipped as
/// up to date (it once was, and then a changed callee never ran); each callee decides by its
/// own key.
#[test]
fn a_caller_always_runs_its_calls_and_each_callee_decides_by_its_own_sources() {
    let output = Test::new()
        .tasks_toml(
            r#"
            [tasks.lint]
            sources = ["lint.txt"]
            run = "echo lint >> log"

            [tasks.ci]
            sources = ["in.txt"]
            run = [{ task = "lint" }, "echo ci >> log"]
            "#,
        )
        .write("in.txt", "one")
        .write("lint.txt", "one")
        .args(["ci"])
        .success();
    assert_eq!(output.log_lines("log"), ["lint", "ci"]);
    let output = output
        .rerun()
        .args(["--explain", "ci"])
        .expect_stderr_contains(
            "rask: `ci` runs: it calls other tasks in `run`, which each decide for themselves",
        )
        .expect_stderr_contains("rask: `lint` skipped: inputs unchanged")
        .success();
    assert_eq!(output.log_lines("log"), ["lint", "ci", "ci"]);
    let output = output
        .rerun()
        .write("lint.txt", "two")
        .args(["ci"])
        .success();
    assert_eq!(output.log_lines("log"), ["lint", "ci", "ci", "lint", "ci"]);
}

#[test]
fn ctrl_c_during_a_call_cancels_the_caller_and_leaves_nothing_running() {
    let running = Test::new()
        .tasks_toml(
            r#"
            [tasks.long]
            run = '''sleep 300 >/dev/null 2>&1 & echo $! > tmp; mv tmp long.pid; wait'''

            [tasks.ci]
            run = [{ task = "long" }, "echo after >> log"]
            "#,
        )
        .args(["--report", "json=events.jsonl", "ci"])
        .spawn();
    let sleep = running.wait_for_pid("long.pid");
    let output = running.interrupt();
    assert_dead(sleep, "the called task's background sleep");
    assert!(!output.path("log").exists());
    let outcomes = outcomes(&events(&output));
    assert_eq!(outcome(&outcomes, "ci")["status"]["kind"], "cancelled");
}

#[test]
fn dry_run_shows_calls_in_run_with_the_called_commands() {
    insta::assert_snapshot!(stdout(STEPS, ["--dry-run", "ci"]));
}

#[test]
fn graph_shows_calls_in_run() {
    insta::assert_snapshot!(stdout(STEPS, ["--graph", "ci"]));
}

#[test]
fn bad_calls_in_run_are_located_errors_and_nothing_runs() {
    let toml = r#"
        [tasks.lint]
        params = [{ name = "fix", type = "bool", default = "false" }]
        run = "echo lint >> log"

        [tasks.ci]
        params = [{ name = "level", default = "full" }]
        run = [
            "echo ci >> log",
            { task = "lnit" },
            { task = "lint", args = { fixx = "true" } },
            { task = "lint", args = { fix = "{{levl}}" } },
            { task = "lint", cmd = "echo" },
        ]
    "#;
    insta::assert_snapshot!(refusal(toml, &["ci"]));
}

#[test]
fn a_call_cycle_in_run_is_an_error_with_its_path() {
    let toml = r#"
        [tasks.a]
        run = ["echo a >> log", { task = "b" }]

        [tasks.b]
        run = ["echo b >> log", { task = "a" }]
    "#;
    refused_saying(toml, &["a"], &["dependency cycle: a -> b -> a"]);
}

#[test]
fn a_call_arg_from_a_placeholder_is_checked_against_the_callee() {
    let toml = r#"
        [tasks.lint]
        params = [{ name = "fix", type = "bool", default = "false" }]
        run = "echo lint >> log"

        [tasks.ci]
        params = [{ name = "level", default = "full" }]
        run = [{ task = "lint", args = { fix = "{{level}}" } }]
    "#;
    refused_saying(
        toml,
        &["ci"],
        &["invalid value `full` for parameter `fix` of task `lint`"],
    );
}

#[test]
fn unknown_tasks_and_parameters_in_run_calls_are_reported_together() {
    let toml = r#"
        [tasks.lint]
        params = [{ name = "fix", default = "false" }]
        run = "echo lint >> log"

        [tasks.ci]
        run = ["echo ci >> log", { task = "lnit" }, { task = "lint", args = { fixx = "1" } }]
    "#;
    insta::assert_snapshot!(refusal(toml, &["ci"]));
}

#[test]
fn words_after_dashes_are_refused_when_the_last_step_is_a_call() {
    let output = Test::new()
        .tasks_toml(
            r#"
            [tasks.lint]
            run = "echo lint >> log"
            [tasks.ci]
            run = ["echo ci >> log", { task = "lint" }]
            [tasks.all]
            depends = ["lint"]
            "#,
        )
        .args(["ci", "--", "--fix"])
        .expect_no_file("log")
        .status(2);
    assert_eq!(
        output.stderr_redacted(),
        "error: the words after `--` have nowhere to go: task `ci` is last, and its last step calls another task\n  |\n  = help: they are given to the last command of the last task named; name a task whose last step is a command last\n"
    );
    output
        .rerun()
        .args(["all", "--", "--fix"])
        .expect_stderr_contains("task `all` is last, and it runs no command of its own")
        .expect_no_file("log")
        .status(2);
}

/// Calls whose `task` is a pattern: `lint:**` is `lint:rust`, `lint:web:css` and `lint:toml`,
/// in file order, called one after another at that point of `run`.
const PATTERN_CALLS: &str = r#"
    [tasks."lint:rust"]
    params = [{ name = "fix", type = "bool", default = "false" }]
    run = "echo rust {{fix}} >> log"
    [tasks."lint:web:css"]
    params = [{ name = "fix", type = "bool", default = "false" }]
    run = "echo css {{fix}} >> log"
    [tasks."lint:toml"]
    run = "echo toml >> log"
    [tasks.ci]
    run = ["echo start >> log", { task = "lint:**" }, "echo end >> log"]
    [tasks.fix]
    run = [{ task = "lint:*:*", args = { fix = true } }, { task = "lint:rust", args = { fix = true } }]
"#;

#[test]
fn a_call_of_a_pattern_calls_every_match_in_file_order_at_that_point() {
    for jobs in ["-j1", "-j4"] {
        assert_eq!(
            logged(PATTERN_CALLS, &[jobs, "ci"], 0),
            ["start", "rust false", "css false", "toml", "end"],
            "{jobs}"
        );
    }
    assert_eq!(
        logged(PATTERN_CALLS, &["fix"], 0),
        ["css true", "rust true"]
    );
}

#[test]
fn dry_run_and_graph_show_a_pattern_call_expanded() {
    let dry_run = stdout(PATTERN_CALLS, ["--dry-run", "ci"]);
    let graph = stdout(PATTERN_CALLS, ["--graph", "ci"]);
    insta::assert_snapshot!(format!("--dry-run\n{dry_run}\n--graph\n{graph}"));
}

#[test]
fn a_pattern_call_matching_nothing_or_a_task_without_the_arg_is_a_located_error() {
    let toml = r#"
        [tasks."lint:rust"]
        params = [{ name = "fix", type = "bool", default = "false" }]
        run = "echo rust >> log"
        [tasks."lint:toml"]
        run = "echo toml >> log"
        [tasks."lint:web:css"]
        run = "echo css >> log"
        [tasks.ci]
        run = ["echo ci >> log", { task = "lnt:*" }, { task = "lint:*", args = { fix = true } }]
        [tasks.web]
        run = [{ task = "lint:css" }, { task = "lint:c*" }]
    "#;
    insta::assert_snapshot!(refusal(toml, &["ci"]));
}
