//! Parameters beyond name/default/flag: `variadic`, `choices` and `type = "int" | "bool"`,
//! checked before anything runs, and shown by `rask TASK --help`.

use crate::common::{Test, refused_saying};

const TOML: &str = r#"
    [tasks.test]
    run = "printf '<%s>' {{files}} > out"
    params = [
      { name = "profile", choices = ["debug", "release"], default = "debug", help = "build profile" },
      { name = "count", type = "int", default = "1" },
      { name = "verbose", type = "bool", default = "false" },
      { name = "files", variadic = true, help = "files to test" },
    ]
    [tasks.argv]
    run = [["printf", "[%s]", "{{files}}"]]
    params = [{ name = "files", variadic = true }]
    [tasks.first]
    run = "touch first-ran"
    "#;

#[test]
fn a_variadic_parameter_takes_every_remaining_word_as_its_own_word() {
    Test::new()
        .tasks_toml(TOML)
        .args(["test", "release", "3", "true", "a", "b c", "it's"])
        .expect_file("out", "<a><b c><it's>")
        .success();
}

#[test]
fn a_variadic_parameter_in_an_argv_command_is_one_argument_per_word() {
    Test::new()
        .tasks_toml(TOML)
        .args(["argv", "x", "y z"])
        .expect_stdout("[x][y z]")
        .success();
}

#[test]
fn a_variadic_parameter_given_nothing_is_empty_and_accepts_repeated_options() {
    Test::new()
        .tasks_toml(TOML)
        .args(["test"])
        .expect_file("out", "<>")
        .success();
    Test::new()
        .tasks_toml(TOML)
        .args(["test", "--files", "a", "--files=b c"])
        .expect_file("out", "<a><b c>")
        .success();
}

#[test]
fn bad_values_name_task_parameter_and_expectation_before_anything_runs() {
    for (args, message) in [
        (
            &["first", "test", "--profile", "fast"][..],
            "invalid value `fast` for parameter `profile` of task `test`: expected one of `debug`, `release`",
        ),
        (
            &["first", "test", "--count", "many"],
            "invalid value `many` for parameter `count` of task `test`: expected an integer",
        ),
        (
            &["first", "test", "--verbose=maybe"],
            "invalid value `maybe` for parameter `verbose` of task `test`: expected `true` or `false`",
        ),
    ] {
        Test::new()
            .tasks_toml(TOML)
            .args(args)
            .expect_stderr_contains(message)
            .expect_no_file("first-ran")
            .expect_no_file("out")
            .status(2);
    }
}

#[test]
fn task_help_shows_choices_types_and_variadic() {
    let output = Test::new()
        .tasks_toml(TOML)
        .args(["test", "--help"])
        .success();
    insta::assert_snapshot!(output.stdout_text(), @r#"
    Usage: rask test [--profile <PROFILE>] [--count <COUNT>] [--verbose[=true|false]] [--files <FILES>...] [-- ARGS...]

    Parameters (also accepted positionally, in this order):
      --profile <PROFILE>     build profile [default: debug] [possible values: debug, release]
      --count <COUNT>         [default: 1] [integer]
      --verbose[=true|false]  [default: false]
      --files <FILES>...      files to test [takes every remaining word]

    Runs:
      printf '<%s>' {{files}} > out
    "#);
}

#[test]
fn bad_parameter_declarations_are_all_reported() {
    let output = Test::new()
        .tasks_toml(
            r#"
            [tasks.a]
            run = "touch ran"
            params = [
              { name = "rest", variadic = true },
              { name = "mode", choices = ["fast", "slow"], default = "medium" },
              { name = "n", type = "integer" },
              { name = "on", flag = true, variadic = true },
              { name = "none", choices = [] },
            ]
            "#,
        )
        .args(["a"])
        .expect_no_file("ran")
        .status(2);
    insta::assert_snapshot!(output.stderr_redacted(), @r#"
    error: variadic parameter `rest` in task `a` is not the last one
     --> tasks.toml:4:12
      |
    4 |   { name = "rest", variadic = true },
      |            ^^^^^^ variadic, but followed by others
      |
      = help: only the last parameter can take the remaining words

    error: default `medium` of parameter `mode` in task `a` is not one of `fast`, `slow`
     --> tasks.toml:5:58
      |
    5 |   { name = "mode", choices = ["fast", "slow"], default = "medium" },
      |                                                          ^^^^^^^^ expected one of `fast`, `slow`

    error: unknown type `integer` for parameter `n` in task `a`
     --> tasks.toml:6:24
      |
    6 |   { name = "n", type = "integer" },
      |                        ^^^^^^^^^ not a type
      |
      = help: write `type = "int"`, `"bool"` or `"string"`

    error: flag parameter `on` in task `a` cannot be `variadic`
     --> tasks.toml:7:42
      |
    7 |   { name = "on", flag = true, variadic = true },
      |                                          ^^^^ not allowed on a flag
      |
      = help: a flag is always `true` or `false`

    error: empty `choices` for parameter `none` in task `a`
     --> tasks.toml:8:30
      |
    8 |   { name = "none", choices = [] },
      |                              ^^ no value allowed
      |
      = help: list the values allowed, or leave `choices` out
    "#);
}

const RICHER: &str = r#"
    [tasks.lint]
    run = '''printf '<%s>' {{fix ? "--fix"}} {{folder}} > out'''
    params = [
      { name = "fix", type = "bool", default = "true", help = "fix what can be fixed" },
      { name = "folder", multiple = true, default = "src", help = "a folder to lint" },
      { name = "level", default = "1" },
    ]
    [tasks.argv]
    run = [["printf", "[%s]", "{{folder}}", "--", "{{folder?}}", "{{folder...}}"]]
    params = [{ name = "folder", multiple = true, choices = ["a", "b c"] }]
    "#;

#[test]
fn a_bool_parameter_that_defaults_to_true_is_turned_off_with_no_name() {
    Test::new()
        .tasks_toml(RICHER)
        .args(["lint"])
        .expect_file("out", "<--fix><src>")
        .success();
    Test::new()
        .tasks_toml(RICHER)
        .args(["lint", "--no-fix"])
        .expect_file("out", "<src>")
        .success();
    Test::new()
        .tasks_toml(RICHER)
        .args(["lint", "--no-fix", "--fix=true"])
        .expect_file("out", "<--fix><src>")
        .success();
}

#[test]
fn a_multiple_parameter_is_a_repeated_option_and_one_word_per_value() {
    Test::new()
        .tasks_toml(RICHER)
        .args(["lint", "--folder", "a b", "--folder=it's", "false", "7"])
        .expect_file("out", "<a b><it's>")
        .success();
    Test::new()
        .tasks_toml(RICHER)
        .args(["argv", "--folder", "b c", "--folder", "a"])
        .expect_stdout("[b c][a][--][b c][a][b c][a]")
        .success();
    Test::new()
        .tasks_toml(RICHER)
        .args(["argv"])
        .expect_stdout("[--]")
        .success();
}

#[test]
fn multiple_values_are_each_checked_and_no_name_only_turns_off_switches() {
    Test::new()
        .tasks_toml(RICHER)
        .args(["argv", "--folder", "a", "--folder", "d"])
        .expect_stderr_contains(
            "invalid value `d` for parameter `folder` of task `argv`: expected one of `a`, `b c`",
        )
        .status(2);
    Test::new()
        .tasks_toml(RICHER)
        .args(["lint", "--no-level"])
        .expect_stderr_contains("--no-level")
        .expect_no_file("out")
        .status(2);
}

#[test]
fn task_help_shows_no_name_and_repeatable_parameters() {
    let output = Test::new()
        .tasks_toml(RICHER)
        .args(["lint", "--help"])
        .success();
    insta::assert_snapshot!(output.stdout_text(), @r#"
    Usage: rask lint [--fix[=true|false]] [--folder <FOLDER>...] [--level <LEVEL>] [-- ARGS...]

    Parameters (also accepted positionally, in this order):
      --fix[=true|false]    fix what can be fixed [default: true]
      --no-fix              set `fix` to false
      --folder <FOLDER>...  a folder to lint [default: src] [repeatable, not positional]
      --level <LEVEL>       [default: 1]

    Runs:
      printf '<%s>' {{fix ? "--fix"}} {{folder}} > out
    "#);
}

#[test]
fn a_flag_cannot_be_multiple() {
    let toml = r#"
        [tasks.a]
        run = "touch ran"
        params = [{ name = "on", flag = true, multiple = true }]
    "#;
    refused_saying(
        toml,
        &["a"],
        &[
            "flag parameter `on` in task `a` cannot be `multiple`",
            "tasks.toml:3:",
        ],
    );
}

/// A switch: `first` runs and `test` prints how `verbose` was set.
const SWITCHES: &str = r#"
    [tasks.test]
    run = "echo verbose={{verbose}} loud={{loud}} >> log"
    params = [
      { name = "verbose", type = "bool", default = "false" },
      { name = "loud", flag = true },
    ]
    [tasks.build]
    run = "echo build >> log"
    "#;

#[test]
fn issue_11_a_bool_parameter_alone_is_true_and_never_takes_the_next_word() {
    Test::new()
        .tasks_toml(SWITCHES)
        .args(["-j1", "test", "--verbose", "build"])
        .expect_file("log", "verbose=true loud=false\nbuild\n")
        .success();
    Test::new()
        .tasks_toml(SWITCHES)
        .args(["test", "--loud", "--verbose", "--", "x"])
        .expect_file("log", "verbose=true loud=true x\n")
        .success();
}

#[test]
fn issue_11_a_switch_value_is_given_after_equals_or_positionally_and_normalised() {
    for (args, expected) in [
        (
            &["test", "--verbose=false"][..],
            "verbose=false loud=false\n",
        ),
        (
            &["test", "--verbose=YES", "--loud=0"],
            "verbose=true loud=false\n",
        ),
        (
            &["test", "--verbose=1", "--loud=yes"],
            "verbose=true loud=true\n",
        ),
        (
            &["test", "--verbose", "--no-verbose"],
            "verbose=false loud=false\n",
        ),
        (&["test", "no"], "verbose=false loud=false\n"),
        (
            &["-j1", "test", "true", "build"],
            "verbose=true loud=false\nbuild\n",
        ),
    ] {
        Test::new()
            .tasks_toml(SWITCHES)
            .args(args)
            .expect_file("log", expected)
            .success();
    }
}

#[test]
fn issue_11_a_switch_value_that_is_no_boolean_is_refused_before_anything_runs() {
    let output = Test::new()
        .tasks_toml(SWITCHES)
        .args(["build", "test", "--verbose=maybe"])
        .expect_no_file("log")
        .status(2);
    insta::assert_snapshot!(output.stderr_redacted(), @r"
    error: invalid value `maybe` for parameter `verbose` of task `test`: expected `true` or `false`
      |
      = help: `--verbose` alone is true and `--no-verbose` false; a value goes after `=`: `--verbose=false` (true/false, yes/no, 1/0)
    ");
    Test::new()
        .tasks_toml(SWITCHES)
        .args(["build", "test", "--loud=on"])
        .expect_stderr_contains("invalid value `on` for parameter `loud` of task `test`")
        .expect_no_file("log")
        .status(2);
    Test::new()
        .tasks_toml(SWITCHES)
        .args(["build", "test", "maybe"])
        .expect_stderr_contains("invalid value `maybe` for parameter `verbose` of task `test`")
        .expect_no_file("log")
        .status(2);
}
