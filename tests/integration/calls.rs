//! Task calls with arguments in `depends` / `depends_post`
//! (`{ task = "build", args = { profile = "release" } }`): one run per distinct set of values.

use crate::common::Test;

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
    let output = Test::new().tasks_toml(BUILDS).args(["release"]).success();
    assert_eq!(output.log_lines("log"), ["build release", "release"]);
}

#[test]
fn the_same_arguments_run_once() {
    let output = Test::new().tasks_toml(BUILDS).args(["ship"]).success();
    assert_eq!(
        output.log_lines("log"),
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
    let output = Test::new().tasks_toml(BUILDS).args(["same"]).success();
    assert_eq!(output.log_lines("log"), ["build debug", "same"]);
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
    let output = Test::new()
        .tasks_toml(BUILDS)
        .args(["--dry-run", "both"])
        .success();
    insta::assert_snapshot!(output.stdout_text());
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
    let output = Test::new()
        .tasks_toml(
            r#"
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
            "#,
        )
        .args(["a"])
        .status(2);
    insta::assert_snapshot!(output.stderr_redacted());
    assert!(!output.path("log").exists());
}

#[test]
fn a_call_cycle_is_an_error() {
    let output = Test::new()
        .tasks_toml(
            r#"
            [tasks.a]
            params = [{ name = "n", default = "1" }]
            depends = [{ task = "b", args = { n = "2" } }]
            run = "echo a >> log"

            [tasks.b]
            params = [{ name = "n", default = "1" }]
            depends = [{ task = "a", args = { n = "2" } }]
            run = "echo b >> log"
            "#,
        )
        .args(["a"])
        .status(2);
    assert!(
        output.stderr_redacted().contains("cycle"),
        "{}",
        output.stderr_redacted()
    );
    assert!(!output.path("log").exists());
}

#[test]
fn graph_shows_calls_with_their_arguments() {
    let output = Test::new()
        .tasks_toml(BUILDS)
        .args(["--graph", "both"])
        .success();
    insta::assert_snapshot!(output.stdout_text());
}
