//! rask's own errors: unknown tasks with suggestions, cycles with their whole path, bad
//! tasks.toml pointing at `tasks.toml:LINE:COL`; and that validation happens before anything runs.

use crate::common::{Test, refusal, refused_saying};

#[test]
fn unknown_task_suggests_the_close_name() {
    let toml = r#"
        [tasks.test]
        run = "touch ran"
        [tasks.build]
        run = "touch ran"
    "#;
    refused_saying(toml, &["tset"], &["tset", "did you mean `test`"]);
}

#[test]
fn unknown_task_among_known_ones_runs_nothing() {
    let toml = r#"
        [tasks.ok]
        run = "touch ran"
    "#;
    refused_saying(toml, &["ok", "nope"], &["nope"]);
}

#[test]
fn unknown_dependency_points_at_tasks_toml_and_suggests() {
    let toml = r#"
        [tasks.lint]
        run = "touch ran"
        [tasks.build]
        depends = ["lnit"]
        run = "touch ran"
    "#;
    refused_saying(
        toml,
        &["build"],
        &["lnit", "tasks.toml:4:", "did you mean `lint`"],
    );
}

#[test]
fn cycle_error_names_the_whole_path() {
    let toml = r#"
        [tasks.a]
        depends = ["b"]
        run = "touch ran"
        [tasks.b]
        depends = ["a"]
        run = "touch ran"
    "#;
    refused_saying(toml, &["a"], &["a -> b -> a"]);
}

#[test]
fn longer_cycle_names_every_task_on_it() {
    let toml = r#"
        [tasks.entry]
        depends = ["a"]
        run = "true"
        [tasks.a]
        depends = ["b"]
        run = "true"
        [tasks.b]
        depends = ["c"]
        run = "true"
        [tasks.c]
        depends = ["a"]
        run = "true"
    "#;
    refused_saying(toml, &["entry"], &["a -> b -> c -> a"]);
}

#[test]
fn task_depending_on_itself_is_an_error() {
    let toml = r#"
        [tasks.a]
        depends = ["a"]
        run = "touch ran"
    "#;
    refused_saying(toml, &["a"], &["`a`"]);
}

#[test]
fn unknown_key_points_at_line_and_column_and_suggests() {
    let toml = r#"
        [tasks.lint]
        run = "true"
        [tasks.build]
        run = "touch ran"
        dependz = ["lint"]
    "#;
    refused_saying(
        toml,
        &["build"],
        &["dependz", "tasks.toml:5:1", "did you mean `depends`"],
    );
}

#[test]
fn unknown_settings_key_suggests() {
    let toml = r#"
        [settings]
        jbos = 2
        [tasks.a]
        run = "touch ran"
    "#;
    refused_saying(toml, &["a"], &["tasks.toml:2:1", "did you mean `jobs`"]);
}

#[test]
fn every_problem_in_tasks_toml_is_reported_not_just_the_first() {
    let toml = r#"
        [tasks.a]
        run = "true"
        descripton = "typo one"
        [tasks.b]
        run = "true"
        hidde = true
    "#;
    refused_saying(toml, &["a"], &["tasks.toml:3:1", "tasks.toml:6:1"]);
}

#[test]
fn malformed_toml_reports_line_and_column() {
    let toml = r#"
        [tasks.a]
        run = "unterminated
    "#;
    refused_saying(toml, &["a"], &["tasks.toml:2:"]);
}

#[test]
fn wrong_type_reports_line_and_column() {
    let toml = r#"
        [tasks.a]
        description = "fine"
        run = 5
    "#;
    refused_saying(toml, &["a"], &["tasks.toml:3:"]);
}

#[test]
fn invalid_timeout_duration_is_a_config_error() {
    let toml = r#"
        [tasks.a]
        run = "touch ran"
        timeout = "soonish"
    "#;
    refused_saying(toml, &["a"], &["tasks.toml:3:"]);
}

#[test]
fn a_broken_task_stops_a_valid_one_from_running() {
    let toml = r#"
        [tasks.ok]
        run = "touch ran"
        [tasks.bad]
        run = "true"
        depends = ["does-not-exist"]
    "#;
    refused_saying(toml, &["ok"], &["does-not-exist"]);
}

#[test]
fn unknown_key_snapshot() {
    let output = Test::new()
        .tasks_toml(
            r#"
            [tasks.lint]
            run = "true"
            [tasks.build]
            run = "true"
            dependz = ["lint"]
            "#,
        )
        .args(["build"])
        .status(2);
    insta::assert_snapshot!(output.stderr_redacted(), @r#"
    error: unknown key `dependz` in task `build`
     --> tasks.toml:5:1
      |
    5 | dependz = ["lint"]
      | ^^^^^^^ unknown key
      |
      = help: did you mean `depends`?
    "#);
}

#[test]
fn cycle_snapshot() {
    let output = Test::new()
        .tasks_toml(
            r#"
            [tasks.a]
            depends = ["b"]
            [tasks.b]
            depends = ["a"]
            "#,
        )
        .args(["a"])
        .status(2);
    insta::assert_snapshot!(output.stderr_redacted(), @r#"
    error: dependency cycle: a -> b -> a
     --> tasks.toml:4:12
      |
    4 | depends = ["a"]
      |            ^^^ closes the cycle
    "#);
}

#[test]
fn issue_8_an_empty_task_file_says_so() {
    Test::new()
        .tasks_toml("")
        .expect_stderr_contains("the task file declares no tasks")
        .status(2);
}

/// A directory named tasks.toml was skipped, and a parent's file silently used instead.
#[test]
fn issue_8_a_tasks_toml_directory_is_reported_not_skipped() {
    Test::new()
        .tasks_toml("[tasks.parent]\nrun = \"touch parent-ran\"\n")
        .create_dir("sub/tasks.toml")
        .current_dir("sub")
        .args(["parent"])
        .expect_stderr_contains("cannot read `tasks.toml`: Is a directory")
        .expect_no_file("parent-ran")
        .status(2);
}

#[test]
fn issue_8_a_task_file_that_is_not_utf8_gets_a_line_and_column() {
    let test = Test::new();
    std::fs::write(test.path("tasks.toml"), b"[tasks.a]\nrun = \"echo \xff\"\n").expect("write");
    test.args(["a"])
        .expect_stderr_contains("is not UTF-8: invalid bytes at line 2, column 13")
        .status(2);
}

/// Issue #8, "Error wording": each message names what it is about and points at it, with the
/// path as the user would type it.
#[test]
fn issue_8_a_wrong_type_names_the_key_and_the_task() {
    let toml = "[tasks.build]\nrun = \"true\"\ntimeout = 30\n";
    insta::assert_snapshot!("wrong_type_names_key_and_task", refusal(toml, &["build"]));
}

#[test]
fn issue_8_a_duplicate_key_names_the_key_and_its_first_definition() {
    let toml = "[tasks.build]\nrun = \"a\"\ndescription = \"d\"\nrun = \"b\"\n";
    insta::assert_snapshot!("duplicate_key", refusal(toml, &["build"]));
    let toml = "[tasks.build]\nrun = \"a\"\n\n[tasks.build]\nrun = \"b\"\n";
    insta::assert_snapshot!("duplicate_table", refusal(toml, &["build"]));
}

#[test]
fn issue_8_locations_are_relative_to_the_working_directory() {
    let output = Test::new()
        .tasks_toml("[tasks.build]\nrun = \"true\"\ndependz = []\n")
        .create_dir("sub/deeper")
        .current_dir("sub/deeper")
        .args(["build"])
        .status(2);
    insta::assert_snapshot!("location_from_a_subdirectory", output.stderr_redacted());
}

/// `greet` needs `who`, which has no default; `all` depends on it through `depends`.
fn greet_through(depends: &str) -> String {
    format!(
        "[tasks.greet]\nparams = [{{ name = \"who\" }}]\nrun = \"echo {{{{who}}}}\"\n\
         [tasks.all]\ndepends = [{depends}]\n"
    )
}

#[test]
fn issue_8_a_dependency_that_needs_a_parameter_points_at_the_depends_entry() {
    insta::assert_snapshot!(
        "missing_parameter_of_a_dependency",
        refusal(&greet_through("\"greet\""), &["all"])
    );
}

#[test]
fn issue_8_a_call_with_args_needs_no_default() {
    Test::new()
        .tasks_toml(&greet_through(
            r#"{ task = "greet", args = { who = "Ada" } }"#,
        ))
        .args(["all"])
        .expect_stdout("Ada\n")
        .success();
}

#[test]
fn issue_8_files_that_are_not_utf8_get_a_line_and_column() {
    let test = Test::new();
    std::fs::write(test.path("tasks.toml"), b"[tasks.a]\nrun = \"echo \xff\"\n").expect("write");
    let output = test.args(["a"]).status(2);
    insta::assert_snapshot!("tasks_toml_not_utf8", output.stderr_redacted());
    let test =
        Test::new().tasks_toml("[settings]\ndotenv = [\".env\"]\n[tasks.a]\nrun = \"true\"\n");
    std::fs::write(test.path(".env"), b"A=1\nB=caf\xe9\n").expect("write");
    let output = test.args(["a"]).status(2);
    insta::assert_snapshot!("dotenv_not_utf8", output.stderr_redacted());
}

/// One of each kind of problem: in the file's own tables (unknown key, wrong type) and across
/// tasks (unknown dependency, unknown called task, a pattern matching nothing, a call argument
/// of the wrong type, a cycle), in two files. Reported together, in reading order.
#[test]
fn issue_11_file_and_dependency_problems_are_all_reported_in_one_run() {
    let refusal = Test::new()
        .tasks_toml(
            r#"
            [includes]
            web = "web"

            [tasks.build]
            run = "touch ran"
            dependz = ["lint"]

            [tasks.lint]
            params = [{ name = "jobs", type = "int", default = "1" }]
            run = "touch ran"

            [tasks.test]
            depends = ["biuld", "lint:*"]
            run = ["touch ran", { task = "lnit" }, { task = "lint", args = { jobs = "many" } }]
            timeout = 5

            [tasks.a]
            depends = ["b"]
            run = "touch ran"

            [tasks.b]
            depends = ["a"]
            run = "touch ran"
            "#,
        )
        .write(
            "web/tasks.toml",
            "[tasks.serve]\ndepends = [\"tset\"]\nrun = \"touch ran\"\nhide = \"yes\"\n",
        )
        .args(["lint"])
        .refusal();
    insta::assert_snapshot!(refusal);
}

/// What the checks across tasks leave out of a file with problems: dependencies on a task whose
/// table was rejected (its parameters may be half read), and names that may live in an included
/// file rask could not read.
#[test]
fn issue_11_no_follow_on_noise_from_a_rejected_task_or_an_unreadable_include() {
    let refusal = Test::new()
        .tasks_toml(
            r#"
            [includes]
            web = "web"

            [tasks]
            broken = 3

            [tasks.lint]
            params = [{ nmae = "fix" }]
            run = "touch ran"

            [tasks.test]
            depends = ["broken", "web:serve", "web:anything"]
            run = [{ task = "lint", args = { fix = true } }]
            "#,
        )
        .write("web/tasks.toml", "[tasks.serve\nrun = 'x'\n")
        .args(["test"])
        .refusal();
    insta::assert_snapshot!(refusal);
}

#[test]
fn issue_11_a_valid_file_lists_as_before_and_dependency_problems_alone_still_stop_a_run() {
    let toml = r#"
        [tasks.build]
        description = "Build it"
        run = "touch ran"
        [tasks.test]
        depends = ["biuld"]
        run = "touch ran"
        "#;
    Test::new()
        .tasks_toml(toml)
        .args(["--list"])
        .expect_stdout("build  Build it\ntest\n")
        .success();
    Test::new()
        .tasks_toml(toml)
        .args(["build"])
        .expect_stderr_contains("task `test` depends on unknown task `biuld`")
        .expect_no_file("ran")
        .status(2);
}
