//! `retries` / `--retries`: a failed task runs again; a task that passes on a retry is flaky,
//! and says so in the summary, the JSON stream and JUnit. Timeouts are retried only with
//! `retry_on_timeout`.

use serde_json::Value;

use crate::common::{Test, refused_saying};

/// Fails on its first run and passes on the second, counting runs in `log`.
const FLAKY: &str = r#"
    [tasks.flaky]
    run = "echo run >> log; [ $(wc -l < log) -ge 2 ]"
    retries = 2
    "#;

#[test]
fn a_task_that_passes_on_a_retry_succeeds_and_is_reported_flaky() {
    let output = Test::new()
        .tasks_toml(FLAKY)
        .args([
            "--report",
            "json=events.jsonl",
            "--report",
            "junit=junit.xml",
        ])
        .args(["flaky"])
        .expect_stderr_contains("rask: task `flaky` failed with exit code 1")
        .expect_stderr_contains("retrying (attempt 2)")
        .expect_stderr_contains("rask: flaky: passed on a retry: `flaky`")
        .success();
    assert_eq!(
        output.log_lines("log").len(),
        2,
        "ran twice, not three times"
    );

    let finished: Vec<Value> = output
        .read("events.jsonl")
        .lines()
        .map(|line| serde_json::from_str::<Value>(line).expect("JSON"))
        .filter(|event| event["event"] == "task_finished")
        .collect();
    assert_eq!(finished.len(), 2, "{finished:?}");
    assert_eq!(finished[0]["retry"], true);
    assert_eq!(finished[0]["outcome"]["attempt"], 1);
    assert_eq!(finished[0]["outcome"]["status"]["kind"], "failed");
    assert_eq!(finished[1]["retry"], false);
    assert_eq!(finished[1]["outcome"]["attempt"], 2);
    assert_eq!(finished[1]["outcome"]["status"]["kind"], "succeeded");

    let report =
        quick_junit::Report::deserialize_from_str(&output.read("junit.xml")).expect("JUnit XML");
    match &report.test_suites[0].test_cases[0].status {
        quick_junit::TestCaseStatus::Success { flaky_runs } => assert_eq!(flaky_runs.len(), 1),
        other => panic!("a flaky pass is a success with a flaky run: {other:?}"),
    }
}

#[test]
fn retries_flag_reruns_a_failing_task_and_keeps_its_exit_code() {
    let output = Test::new()
        .tasks_toml(
            r#"
            [tasks.broken]
            run = "echo run >> log; exit 5"
            "#,
        )
        .args(["--retries", "2", "broken"])
        .status(5);
    assert_eq!(output.log_lines("log").len(), 3, "one run and two retries");
}

#[test]
fn a_task_s_own_retries_win_over_the_flag() {
    let output = Test::new()
        .tasks_toml(
            r#"
            [tasks.broken]
            run = "echo run >> log; exit 5"
            retries = 0
            "#,
        )
        .args(["--retries", "3", "broken"])
        .status(5);
    assert_eq!(output.log_lines("log").len(), 1);
}

#[test]
fn a_timeout_is_not_retried_unless_the_task_asks() {
    // How many times `slow` was started: it always times out and may be retried twice; `more`
    // is added to its table.
    let starts = |more: &str| {
        Test::new()
            .tasks_toml(&format!(
                "[tasks.slow]\nrun = \"echo run >> log; sleep 30\"\ntimeout = \"100ms\"\n\
                 retries = 2\n{more}"
            ))
            .args(["slow"])
            .status(124)
            .log_lines("log")
            .len()
    };
    assert_eq!(starts(""), 1);
    assert_eq!(starts("retry_on_timeout = true\n"), 3);
}

#[test]
fn retries_out_of_range_is_a_config_error() {
    let toml = r#"
        [tasks.t]
        run = "true"
        retries = 1000
    "#;
    refused_saying(
        toml,
        &["t"],
        &["`retries` in task `t` must be from 0 to 100"],
    );
}
