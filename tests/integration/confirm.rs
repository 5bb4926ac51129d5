//! `confirm`: rask asks before anything runs; without a terminal it refuses unless `--yes`.

use crate::common::{Test, refused_saying};

const DEPLOY: &str = r#"
    [tasks.build]
    run = "touch build-ran"
    [tasks.deploy]
    depends = ["build"]
    confirm = "Deploy to production?"
    run = "touch deploy-ran"
    "#;

#[test]
fn without_a_terminal_rask_refuses_and_nothing_runs() {
    let output = Test::new()
        .tasks_toml(DEPLOY)
        .args(["deploy"])
        .expect_no_file("build-ran")
        .expect_no_file("deploy-ran")
        .status(2);
    insta::assert_snapshot!(output.stderr_redacted(), @r#"
    error: task `deploy` asks "Deploy to production?", but stdin is not a terminal
      |
      = help: pass --yes to confirm
    "#);
}

#[test]
fn yes_answers_in_advance() {
    Test::new()
        .tasks_toml(DEPLOY)
        .args(["--yes", "deploy"])
        .expect_file("build-ran", "")
        .expect_file("deploy-ran", "")
        .success();
}

#[test]
fn a_dry_run_asks_nothing() {
    Test::new()
        .tasks_toml(DEPLOY)
        .args(["--dry-run", "deploy"])
        .expect_stdout("touch build-ran\ntouch deploy-ran\n")
        .success();
}

/// Runs rask on a pseudo-terminal, typing `answer` into it.
fn answer_on_a_terminal(test: &Test, answer: &str) -> std::process::Output {
    crate::common::run_on_a_terminal(test, "deploy", &[], answer)
}

#[test]
fn on_a_terminal_yes_runs_and_no_runs_nothing() {
    let test = Test::new().tasks_toml(DEPLOY);
    let output = answer_on_a_terminal(&test, "n\n");
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(text.contains("Deploy to production? [y/N]"), "{text}");
    assert!(text.contains("task `deploy` was not confirmed"), "{text}");
    assert_eq!(output.status.code(), Some(1), "{text}");
    assert!(!test.path("build-ran").exists() && !test.path("deploy-ran").exists());

    let output = answer_on_a_terminal(&test, "y\n");
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{text}");
    assert!(test.path("build-ran").exists() && test.path("deploy-ran").exists());
}

/// Issue #11 item 8: the question may use the task's params and vars; values are inserted as
/// they are (it is text for a person, not a command).
#[test]
fn the_question_has_its_placeholders_substituted() {
    let output = Test::new()
        .tasks_toml(
            r#"
            [vars]
            region = "eu-west"

            [tasks.deploy]
            params = [{ name = "env", default = "prod" }]
            confirm = "Deploy {{env}} to {{ region }}'s cluster?"
            run = "touch deploy-ran"
            "#,
        )
        .args(["deploy", "--env", "staging one"])
        .expect_no_file("deploy-ran")
        .status(2);
    assert!(
        output
            .stderr_redacted()
            .contains(r#"asks "Deploy staging one to eu-west's cluster?""#),
        "{}",
        output.stderr_redacted()
    );
}

#[test]
fn an_unknown_placeholder_in_the_question_is_a_located_error() {
    let toml = r#"
        [tasks.deploy]
        params = [{ name = "env", default = "prod" }]
        confirm = "Deploy {{envv}}?"
        run = "touch ran"
    "#;
    refused_saying(
        toml,
        &["--yes", "deploy"],
        &["tasks.toml:3:19", "did you mean `env`?"],
    );
}
