//! GitHub Actions: groups, error annotations and the step summary, under `GITHUB_ACTIONS=true`
//! and under no other CI.

use crate::common::Test;

/// `ok` prints a line; `bad` prints one and fails with 4.
const OK_AND_BAD: &str = r#"
    [tasks.ok]
    run = "echo from-ok"
    [tasks.bad]
    run = "echo from-bad; exit 4"
    "#;

#[test]
fn under_github_actions_each_task_is_a_group_and_each_failure_an_error() {
    let output = Test::new()
        .tasks_toml(OK_AND_BAD)
        .env("GITHUB_ACTIONS", "true")
        .env("CI", "true")
        .args(["-k", "ok", "bad"])
        .status(4);
    let lines = output.stdout_lines();
    // Each task's output sits inside its own group, whole (grouped output by default).
    for task in ["ok", "bad"] {
        let start = lines
            .iter()
            .position(|line| *line == format!("::group::{task}"))
            .unwrap_or_else(|| panic!("a group for `{task}` in {lines:?}"));
        assert_eq!(lines[start + 1], format!("from-{task}"), "{lines:?}");
        assert_eq!(lines[start + 2], "::endgroup::", "{lines:?}");
    }
    assert!(
        lines.contains(
            &"::error title=rask%3A task `bad` failed::task `bad` failed with exit code 4"
                .to_owned()
        ),
        "{lines:?}"
    );
    assert!(!lines.iter().any(|line| line.contains("task `ok` failed")));
}

#[test]
fn the_summary_is_appended_to_the_step_summary_as_a_markdown_table() {
    let test = Test::new()
        .tasks_toml(OK_AND_BAD)
        .write("step-summary.md", "earlier step\n");
    let summary = test.path("step-summary.md");
    let output = test
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_STEP_SUMMARY", &summary)
        .args(["-k", "ok", "bad"])
        .status(4);
    let markdown = output.read("step-summary.md");
    let lines: Vec<&str> = markdown.lines().collect();
    assert_eq!(
        lines[0], "earlier step",
        "appended, not replaced: {markdown}"
    );
    assert!(
        lines.contains(&"| task | status | wall | cpu | peak mem |"),
        "{markdown}"
    );
    assert!(
        lines
            .iter()
            .any(|line| line.starts_with("| bad | failed (exit 4) | ")),
        "{markdown}"
    );
    assert!(
        lines.iter().any(|line| line.starts_with("| ok | ok | ")),
        "{markdown}"
    );
}

#[test]
fn no_workflow_commands_under_another_ci() {
    let test = Test::new().tasks_toml(OK_AND_BAD);
    let summary = test.path("step-summary.md");
    test.env("CI", "true")
        .env("GITHUB_STEP_SUMMARY", &summary)
        .args(["-k", "ok", "bad"])
        .expect_stdout_not_contains("::group::")
        .expect_stdout_not_contains("::error")
        .expect_no_file("step-summary.md")
        .status(4);
}
