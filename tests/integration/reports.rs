//! Machine-readable views of a run: `--report json=…` (validated against the documented schema)
//! and the per-task resource figures carried in it.

use serde_json::Value;

use crate::common::{Output, Test, refused_saying};

/// The event stream rask wrote to `events.jsonl`, one value per line.
#[track_caller]
pub(crate) fn events(output: &Output) -> Vec<Value> {
    output
        .read("events.jsonl")
        .lines()
        .map(|line| serde_json::from_str(line).expect("every line is one JSON value"))
        .collect()
}

/// Each `task_finished` outcome, keyed by task name.
pub(crate) fn outcomes(events: &[Value]) -> Vec<(String, Value)> {
    let tasks = &events[0]["tasks"];
    events
        .iter()
        .filter(|event| event["event"] == "task_finished")
        .map(|event| {
            let outcome = event["outcome"].clone();
            let id = outcome["task"].as_u64().expect("task ids are numbers") as usize;
            let name = tasks[id]["name"]
                .as_str()
                .expect("names are text")
                .to_owned();
            (name, outcome)
        })
        .collect()
}

pub(crate) fn outcome<'a>(outcomes: &'a [(String, Value)], name: &str) -> &'a Value {
    let found: Vec<&Value> = outcomes
        .iter()
        .filter(|(task, _)| task == name)
        .map(|(_, outcome)| outcome)
        .collect();
    assert_eq!(found.len(), 1, "task `{name}` finished once: {outcomes:?}");
    found[0]
}

#[track_caller]
fn assert_valid(events: &[Value]) {
    let schema: Value = serde_json::from_str(include_str!("../../docs/events.schema.json"))
        .expect("the schema is JSON");
    let validator = jsonschema::validator_for(&schema).expect("the schema is a valid schema");
    for event in events {
        let errors: Vec<String> = validator
            .iter_errors(event)
            .map(|error| format!("{error} at {}", error.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{event}\ndoes not validate: {errors:?}");
    }
}

#[test]
fn json_report_follows_the_schema_and_holds_every_task_once() {
    let output = Test::new()
        .tasks_toml(
            r#"
            [tasks.slow]
            run = ["sleep 0.2", "echo slow done"]
            [tasks.fails]
            run = "echo oops >&2; exit 3"
            [tasks.after]
            depends = ["fails"]
            run = "echo never"
            [tasks.all]
            depends = ["slow", "after"]
            "#,
        )
        .args(["-k", "--report", "json=events.jsonl", "all"])
        .status(3);
    let events = events(&output);
    assert_valid(&events);
    assert_eq!(events[0]["event"], "run_started");
    assert_eq!(events[0]["schema_version"], 1);
    let last = events.last().expect("some events");
    assert_eq!(last["event"], "run_finished");
    assert_eq!(last["summary"]["exit_code"], 3);

    let outcomes = outcomes(&events);
    assert_eq!(outcomes.len(), 4, "{outcomes:?}");
    let slow = outcome(&outcomes, "slow");
    assert_eq!(slow["status"]["kind"], "succeeded");
    assert!(slow["wall"].as_f64().expect("wall is a number") >= 0.2);
    let fails = outcome(&outcomes, "fails");
    assert_eq!(fails["status"]["kind"], "failed");
    assert_eq!(fails["status"]["exit"]["code"], 3);
    let after = outcome(&outcomes, "after");
    assert_eq!(after["status"]["kind"], "cancelled");
    assert_eq!(after["status"]["reason"], "dependency_failed");
    assert_eq!(after["status"]["started"], false);
    assert_eq!(outcome(&outcomes, "all")["status"]["kind"], "cancelled");

    // What the tasks printed is in the stream, as text, with its stream.
    assert!(events.iter().any(|event| event["event"] == "output"
        && event["stream"] == "stderr"
        && event["text"] == "oops\n"));
    // Times never go backwards.
    let elapsed: Vec<f64> = events
        .iter()
        .map(|event| event["elapsed"].as_f64().expect("elapsed is a number"))
        .collect();
    assert!(
        elapsed.windows(2).all(|pair| pair[0] <= pair[1]),
        "{elapsed:?}"
    );
}

#[test]
fn json_report_to_stdout_keeps_task_output_out_of_the_way_in_grouped_mode() {
    let output = Test::new()
        .tasks_toml(
            r#"
            [tasks.a]
            run = "echo from-a"
            "#,
        )
        .args(["--output", "grouped", "--report", "json=-", "a"])
        .success();
    let lines = output.stdout_lines();
    let json: Vec<Value> = lines
        .iter()
        .filter_map(|line| serde_json::from_str(line).ok())
        .collect();
    assert_valid(&json);
    let finished = json
        .iter()
        .find(|event| event["event"] == "task_finished")
        .expect("a task_finished event");
    // Grouped output is spooled; the stream says how much there was, not what.
    assert_eq!(finished["spooled"]["stdout_bytes"], "from-a\n".len());
    assert!(lines.contains(&"from-a".to_owned()), "{lines:?}");
}

/// The `usage` rask reports for one task running `command`.
#[track_caller]
fn usage_of(command: &str) -> Value {
    let output = Test::new()
        .tasks_toml(&format!("[tasks.t]\nrun = {}\n", Value::from(command)))
        .args(["--report", "json=events.jsonl", "t"])
        .success();
    let events = events(&output);
    outcome(&outcomes(&events), "t")["usage"].clone()
}

#[test]
fn a_task_that_spins_reports_its_cpu_time() {
    // Spins until the process itself has used 0.5 s of CPU, however busy the machine is.
    let usage = usage_of("perl -e 'while ((times)[0] + (times)[1] < 0.5) {}'");
    let cpu = usage["user"].as_f64().expect("user CPU") + usage["system"].as_f64().expect("sys");
    assert!(cpu >= 0.3, "CPU time {cpu}s for a 0.5 s spin: {usage}");
}

#[test]
fn a_task_that_touches_200_mb_reports_its_peak_memory() {
    // `vec` grows the string to 200 MiB and zero-fills it, touching every page.
    let usage = usage_of("perl -e 'my $s = q(); vec($s, 200 * 1024 * 1024 - 1, 8) = 1'");
    let megabytes = usage["max_rss"].as_u64().expect("max_rss in bytes") / 1_000_000;
    assert!(
        (150..=400).contains(&megabytes),
        "peak memory {megabytes} MB for 200 MiB touched"
    );
}

#[test]
fn a_report_that_cannot_be_created_stops_rask_before_anything_runs() {
    let output = Test::new()
        .tasks_toml(
            r#"
            [tasks.a]
            run = "touch ran"
            "#,
        )
        .args(["--report", "json=missing-dir/events.jsonl", "a"])
        .expect_no_file("ran")
        .status(2);
    assert!(
        output
            .stderr
            .contains("error: cannot create report `missing-dir/events.jsonl`"),
        "{}",
        output.stderr
    );
}

#[test]
fn an_unknown_report_format_is_a_usage_error() {
    let toml = r#"
        [tasks.a]
        run = "true"
    "#;
    refused_saying(
        toml,
        &["--report", "xml=out.xml", "a"],
        &["unknown report format `xml` (expected json or junit)"],
    );
}

/// Two tasks, one failing with exit 3, for the summary tests.
const ONE_FAILS: &str = r#"
    [tasks.ok]
    run = "true"
    [tasks.bad]
    run = "exit 3"
    "#;

#[test]
fn the_summary_table_is_printed_under_ci_with_every_task() {
    let output = Test::new()
        .tasks_toml(ONE_FAILS)
        .env("CI", "true")
        .args(["-k", "ok", "bad"])
        .status(3);
    let table: Vec<&str> = output
        .stderr
        .lines()
        .skip_while(|line| *line != "rask: summary")
        .collect();
    assert!(
        table.iter().any(|line| line.starts_with("  task ")),
        "{table:?}"
    );
    assert!(
        table
            .iter()
            .any(|line| line.starts_with("  ok ") && line.contains(" ok "))
    );
    assert!(
        table
            .iter()
            .any(|line| line.starts_with("  bad ") && line.contains("failed (exit 3)"))
    );
    assert!(
        table
            .iter()
            .any(|line| line.starts_with("  critical path: "))
    );
}

#[test]
fn the_summary_table_is_off_by_default_outside_ci_and_terminals() {
    Test::new()
        .tasks_toml(ONE_FAILS)
        .args(["-k", "ok", "bad"])
        .expect_stderr_not_contains("rask: summary")
        .status(3);
}

#[test]
fn summary_failures_prints_the_table_only_when_the_run_fails() {
    Test::new()
        .tasks_toml(ONE_FAILS)
        .args(["--summary", "failures", "ok"])
        .expect_stderr_not_contains("rask: summary")
        .success();
    Test::new()
        .tasks_toml(ONE_FAILS)
        .args(["--summary", "failures", "bad"])
        .expect_stderr_contains("rask: summary")
        .status(3);
}

#[test]
fn summary_never_wins_over_ci() {
    Test::new()
        .tasks_toml(ONE_FAILS)
        .env("CI", "true")
        .args(["--summary", "never", "bad"])
        .expect_stderr_not_contains("rask: summary")
        .status(3);
}

#[test]
fn junit_report_has_a_test_case_per_task_with_failures_and_skips() {
    let output = Test::new()
        .tasks_toml(
            r#"
            [tasks.ok]
            run = "echo fine"
            [tasks.bad]
            run = "echo some context; echo the reason >&2; exit 3"
            [tasks.blocked]
            depends = ["bad"]
            run = "true"
            [tasks.all]
            depends = ["ok", "blocked"]
            "#,
        )
        .args(["-k", "--report", "junit=junit.xml", "all"])
        .status(3);
    let xml = output.read("junit.xml");
    let report = quick_junit::Report::deserialize_from_str(&xml).expect("the report is JUnit XML");
    assert_eq!(report.test_suites.len(), 1);
    let suite = &report.test_suites[0];
    let case = |name: &str| {
        let found: Vec<_> = suite
            .test_cases
            .iter()
            .filter(|case| case.name.as_str() == name)
            .collect();
        assert_eq!(found.len(), 1, "one test case `{name}` in {xml}");
        found[0]
    };
    // Aggregates have no commands: no test case.
    assert_eq!(suite.test_cases.len(), 3, "{xml}");
    assert!(matches!(
        case("ok").status,
        quick_junit::TestCaseStatus::Success { .. }
    ));
    let bad = case("bad");
    match &bad.status {
        quick_junit::TestCaseStatus::NonSuccess { message, .. } => assert_eq!(
            message.as_ref().map(|message| message.as_str()),
            Some("failed with exit code 3")
        ),
        other => panic!("`bad` should have failed: {other:?}"),
    }
    assert_eq!(
        bad.classname.as_ref().map(|class| class.as_str()),
        Some("tasks.toml")
    );
    let stderr = bad.system_err.as_ref().map(|text| text.as_str().trim_end());
    assert_eq!(stderr, Some("the reason"), "{xml}");
    assert!(matches!(
        case("blocked").status,
        quick_junit::TestCaseStatus::Skipped { .. }
    ));
}

#[test]
fn junit_report_keeps_the_tail_of_grouped_output() {
    let output = Test::new()
        .tasks_toml(
            r#"
            [tasks.bad]
            run = "echo spooled; exit 1"
            "#,
        )
        .args(["--output", "grouped", "--report", "junit=junit.xml", "bad"])
        .status(1);
    let xml = output.read("junit.xml");
    let report = quick_junit::Report::deserialize_from_str(&xml).expect("JUnit XML");
    let case = &report.test_suites[0].test_cases[0];
    assert_eq!(
        case.system_out
            .as_ref()
            .map(|text| text.as_str().trim_end()),
        Some("spooled")
    );
}

#[test]
fn timings_chart_is_one_self_contained_file_with_a_bar_per_task() {
    let output = Test::new()
        .tasks_toml(
            r#"
            [tasks.gen]
            run = "true"
            [tasks.left]
            depends = ["gen"]
            run = "true"
            [tasks.right]
            depends = ["gen"]
            run = "exit 1"
            [tasks.all]
            depends = ["left", "right"]
            "#,
        )
        .args(["-k", "-j", "2", "--timings", "timings.html", "all"])
        .status(1);
    let html = output.read("timings.html");
    assert!(html.starts_with("<!DOCTYPE html>"), "{html}");
    for task in ["gen", "left", "right"] {
        assert_eq!(
            html.matches(&format!(r#"data-task="{task}""#)).count(),
            1,
            "one bar for `{task}`"
        );
    }
    // Hover text carries the figures; a failure is coloured as one.
    assert!(html.contains("right: failed with exit code 1"), "{html}");
    assert!(html.contains("#d0463c"));
    // Nothing to fetch: no scripts, links or external images.
    for fetch in ["<script", "src=", "href=", "url("] {
        assert!(!html.contains(fetch), "`{fetch}` in {html}");
    }
}

/// Two tasks in parallel that both run to the end; `b` removes the `out` directory, where the
/// end-of-run reports were to go.
const OUT_VANISHES: &str = r#"
    [tasks.a]
    run = "echo a-out; touch a-ran"
    [tasks.b]
    run = "rm -r out; echo b-out; touch b-ran"
    "#;

/// The warning a sink's write failure becomes (issue #7: such errors were ignored mid-run).
fn assert_warned_once(output: &Output, what: &str) {
    let warning = format!("warning: cannot write {what}: ");
    assert_eq!(
        output.stderr.matches(&warning).count(),
        1,
        "{warning}…: {}",
        output.stderr
    );
    assert!(
        output.stderr.contains("rask will exit non-zero"),
        "{}",
        output.stderr
    );
}

#[test]
fn a_json_report_on_a_full_disk_warns_once_runs_everything_and_exits_2() {
    let output = Test::new()
        .tasks_toml(OUT_VANISHES)
        .create_dir("out")
        .args(["--report", "json=/dev/full", "-j", "2", "a", "b"])
        .expect_file("a-ran", "")
        .expect_file("b-ran", "")
        .status(2);
    assert_warned_once(&output, "report `/dev/full`");
    assert!(
        output
            .stderr
            .contains("No space left on device (os error 28); the run goes on"),
        "{}",
        output.stderr
    );
}

#[test]
fn junit_and_timings_in_a_directory_that_vanished_warn_and_exit_2() {
    let output = Test::new()
        .tasks_toml(OUT_VANISHES)
        .create_dir("out")
        .args(["-j", "2", "--report", "junit=out/junit.xml"])
        .args(["--timings", "out/timings.html", "a", "b"])
        .expect_file("a-ran", "")
        .expect_file("b-ran", "")
        .status(2);
    assert_warned_once(&output, "report `out/junit.xml`");
    assert_warned_once(&output, "the timings chart `out/timings.html`");
}

#[test]
fn a_failed_report_keeps_a_failed_tasks_exit_code() {
    let output = Test::new()
        .tasks_toml(
            r#"
            [tasks.fails]
            run = "exit 3"
            "#,
        )
        .args(["--report", "json=/dev/full", "fails"])
        .status(3);
    assert_warned_once(&output, "report `/dev/full`");
}

/// Issue #8: `rask spar > /dev/full` reported success. A full disk under rask's own stdout is
/// warned about once; the tasks still run, and rask exits non-zero.
#[test]
fn issue_8_a_full_disk_under_rasks_stdout_warns_and_exits_2() {
    let output = Test::new()
        .tasks_toml(OUT_VANISHES)
        .create_dir("out")
        .stdout_to("/dev/full")
        .args(["--output", "prefixed", "-j", "2", "a", "b"])
        .expect_file("a-ran", "")
        .expect_file("b-ran", "")
        .status(2);
    assert_warned_once(&output, "rask's output");
}
