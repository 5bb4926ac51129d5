//! `wait_for` (soft ordering) and task-name patterns in `depends` / `wait_for`: what runs, in
//! which order, what `--graph`, `--dot` and `--dry-run` show, and the located errors.

use crate::common::{Test, refusal};

const SOFT: &str = r#"
    [tasks.build]
    run = "touch build-done && echo build >> log"
    [tasks.test]
    wait_for = ["build"]
    run = "test -f build-done && echo test >> log"
    [tasks.ci]
    depends = ["test", "build"]
    "#;

#[test]
fn wait_for_never_pulls_the_task_in() {
    Test::new()
        .tasks_toml(SOFT)
        .create_dir("x")
        .args(["test"])
        .status(1);
    Test::new()
        .tasks_toml(SOFT)
        .write("build-done", "")
        .args(["test"])
        .expect_file("log", "test\n")
        .success();
}

#[test]
fn wait_for_runs_after_the_task_when_it_is_in_the_run() {
    // In parallel, without the edge `test` could start first and fail.
    for args in [&["-j", "2", "test", "build"][..], &["-j", "2", "ci"]] {
        Test::new()
            .tasks_toml(SOFT)
            .args(args)
            .expect_file("log", "build\ntest\n")
            .success();
    }
}

#[test]
fn wait_for_runs_after_a_failed_task_with_keep_going() {
    Test::new()
        .tasks_toml(
            r#"
            [tasks.build]
            run = "echo build >> log; exit 1"
            [tasks.test]
            wait_for = "build"
            run = "echo test >> log"
            "#,
        )
        .args(["-k", "-j", "2", "build", "test"])
        .expect_file("log", "build\ntest\n")
        .status(1);
}

#[test]
fn a_cycle_through_wait_for_is_an_error_only_when_both_run() {
    let toml = r#"
        [tasks.a]
        depends = ["b"]
        run = "touch a-ran"
        [tasks.b]
        wait_for = ["a"]
        run = "touch b-ran"
        "#;
    Test::new()
        .tasks_toml(toml)
        .args(["a"])
        .expect_stderr_contains("dependency cycle: a -> b -> a")
        .expect_stderr_contains("tasks.toml:5:")
        .expect_no_file("b-ran")
        .status(2);
    Test::new()
        .tasks_toml(toml)
        .args(["b"])
        .expect_file("b-ran", "")
        .success();
}

const GLOBS: &str = r#"
    [tasks."lint:rust"]
    run = "echo lint:rust >> log"
    [tasks."lint:web:css"]
    run = "echo lint:web:css >> log"
    [tasks."lint:toml"]
    run = "echo lint:toml >> log"
    [tasks.lint]
    depends = ["lint:*"]
    [tasks.all]
    depends = ["lint:**", "lint:rust"]
    [tasks.deploy]
    wait_for = ["lint:*"]
    run = "echo deploy >> log"
    "#;

#[test]
fn a_pattern_in_depends_means_every_matching_task_in_file_order() {
    Test::new()
        .tasks_toml(GLOBS)
        .args(["-j", "1", "lint"])
        .expect_file("log", "lint:rust\nlint:toml\n")
        .success();
    Test::new()
        .tasks_toml(GLOBS)
        .args(["--dry-run", "all"])
        .expect_stdout("echo lint:rust >> log\necho lint:web:css >> log\necho lint:toml >> log\n")
        .success();
}

#[test]
fn a_pattern_in_wait_for_orders_after_matching_tasks_in_the_run() {
    Test::new()
        .tasks_toml(GLOBS)
        .args(["--dry-run", "deploy", "lint:toml"])
        .expect_stdout(
            "echo lint:toml >> log\n# deploy: after (wait_for) lint:toml\necho deploy >> log\n",
        )
        .success();
}

#[test]
fn a_pattern_in_an_included_file_matches_its_own_tasks_first() {
    Test::new()
        .tasks_toml(
            r#"
            [includes]
            web = "web/tasks.toml"
            [tasks."lint:root"]
            run = "echo root >> log"
            "#,
        )
        .write(
            "web/tasks.toml",
            r#"
            [tasks."lint:css"]
            run = "echo css >> ../log"
            [tasks.check]
            depends = ["lint:*"]
            [tasks.everything]
            depends = [":lint:*"]
            "#,
        )
        .args(["--dry-run", "web:check", "web:everything"])
        .expect_stdout("echo css >> ../log\necho root >> log\n")
        .success();
}

#[test]
fn graph_dot_and_dry_run_show_patterns_expanded_and_wait_for() {
    let graph = Test::new()
        .tasks_toml(GLOBS)
        .args(["--graph", "lint", "deploy"])
        .success();
    let dot = Test::new()
        .tasks_toml(GLOBS)
        .args(["--dot", "lint", "deploy"])
        .success();
    let dry_run = Test::new()
        .tasks_toml(GLOBS)
        .args(["--dry-run", "lint", "deploy"])
        .success();
    insta::assert_snapshot!(format!(
        "--graph\n{}\n--dot\n{}\n--dry-run\n{}",
        graph.stdout_text(),
        dot.stdout_text(),
        dry_run.stdout_text()
    ));
}

#[test]
fn unknown_wait_for_names_and_patterns_matching_nothing_are_reported_together() {
    let toml = r#"
        [tasks.build]
        run = "touch ran"
        [tasks."lint:web:css"]
        run = "touch ran"
        [tasks.test]
        wait_for = ["biuld"]
        depends = ["lint:*", "tset:*"]
        run = "touch ran"
    "#;
    insta::assert_snapshot!(refusal(toml, &["test"]));
}
