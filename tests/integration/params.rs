//! Task parameters (`--name value`, `--name=value`, positional, flags), their shell quoting,
//! `TASK --help`, and `--` extra arguments.

use crate::common::{Test, refused_saying};

/// A task printing each of its arguments on a line.
const PRINT_ARGS: &str = r#"
    [tasks.t]
    run = "printf '%s\n'"
    "#;

/// `greet` says hello to `--name` (default `World`), and has a flag `--loud`.
const GREET: &str = r#"
    [tasks.greet]
    description = "Say hello"
    run = "echo Hello {{name}}"
    params = [
        { name = "name", default = "World", help = "who to greet" },
        { name = "loud", flag = true },
    ]
    [tasks.lint]
    run = "echo lint"
"#;

#[test]
fn param_default_is_used_when_not_given() {
    Test::new()
        .tasks_toml(GREET)
        .args(["greet"])
        .expect_stdout("Hello World\n")
        .success();
}

#[test]
fn param_as_separate_option_value() {
    Test::new()
        .tasks_toml(GREET)
        .args(["greet", "--name", "Bob"])
        .expect_stdout("Hello Bob\n")
        .success();
}

#[test]
fn param_with_equals_sign() {
    Test::new()
        .tasks_toml(GREET)
        .args(["greet", "--name=Bob"])
        .expect_stdout("Hello Bob\n")
        .success();
}

#[test]
fn param_given_positionally() {
    Test::new()
        .tasks_toml(GREET)
        .args(["greet", "Bob"])
        .expect_stdout("Hello Bob\n")
        .success();
}

#[test]
fn positional_params_fill_in_declaration_order() {
    Test::new()
        .tasks_toml(
            r#"
            [tasks.pair]
            run = "echo {{first}}-{{second}}"
            params = [{ name = "first" }, { name = "second", default = "two" }]
            "#,
        )
        .args(["pair", "x", "y"])
        .expect_stdout("x-y\n")
        .success();
}

#[test]
fn a_word_naming_a_task_is_a_task_not_a_positional_value() {
    let output = Test::new()
        .tasks_toml(
            r#"
            [tasks.greet]
            run = "echo Hello {{name}} >> log"
            params = [{ name = "name", default = "World" }]
            [tasks.lint]
            run = "echo lint >> log"
            "#,
        )
        .args(["greet", "lint", "-j", "1"])
        .success();
    let mut lines = output.log_lines("log");
    lines.sort();
    assert_eq!(lines, ["Hello World", "lint"]);
}

#[test]
fn flag_defaults_to_false_and_is_true_when_given() {
    let toml = r#"
        [tasks.t]
        run = "echo loud={{loud}}"
        params = [{ name = "loud", flag = true }]
    "#;
    Test::new()
        .tasks_toml(toml)
        .args(["t"])
        .expect_stdout("loud=false\n")
        .success();
    Test::new()
        .tasks_toml(toml)
        .args(["t", "--loud"])
        .expect_stdout("loud=true\n")
        .success();
}

#[test]
fn param_values_are_shell_quoted_not_interpreted() {
    let evil = r#""; touch pwned; echo ""#;
    Test::new()
        .tasks_toml(GREET)
        .args(["greet", "--name", evil])
        .expect_stdout(&format!("Hello {evil}\n"))
        .expect_no_file("pwned")
        .success();
}

#[test]
fn positional_values_with_expansions_are_printed_literally() {
    let evil = "$(touch pwned) `touch pwned2` $HOME 'q' *";
    Test::new()
        .tasks_toml(GREET)
        .args(["greet", evil])
        .expect_stdout(&format!("Hello {evil}\n"))
        .expect_no_file("pwned")
        .expect_no_file("pwned2")
        .success();
}

/// A task `p` with a parameter `value` whose argv command prints one word, `word` (which holds
/// `{{value}}`), as `<WORD>`.
fn printing_one_argv_word(word: &str) -> String {
    format!(
        "[tasks.p]\nrun = [[\"printf\", \"<%s>\\n\", \"{word}\"]]\nparams = [{{ name = \"value\" }}]\n"
    )
}

#[test]
fn param_in_an_argv_command_is_one_argument_verbatim() {
    Test::new()
        .tasks_toml(&printing_one_argv_word("{{value}}"))
        .args(["p", "--value", "a b 'c'"])
        .expect_stdout("<a b 'c'>\n")
        .success();
}

#[test]
fn missing_required_param_is_a_usage_error_and_runs_nothing() {
    let toml = r#"
        [tasks.dep]
        run = "touch ran"
        [tasks.deploy]
        depends = ["dep"]
        run = "touch ran {{target}}"
        params = [{ name = "target" }]
    "#;
    refused_saying(toml, &["deploy"], &["target"]);
}

#[test]
fn unknown_option_for_a_task_is_a_usage_error_and_runs_nothing() {
    Test::new()
        .tasks_toml(
            r#"
            [tasks.greet]
            run = "echo Hello {{name}}"
            params = [{ name = "name", default = "World" }]
            [tasks.mark]
            run = "touch mark-ran"
            "#,
        )
        .args(["mark", "greet", "--nmae", "Bob"])
        .expect_stderr_contains("nmae")
        .expect_stdout("")
        .expect_no_file("mark-ran")
        .status(2);
}

#[test]
fn task_help_shows_description_and_params_and_runs_nothing() {
    Test::new()
        .tasks_toml(
            r#"
            [tasks.greet]
            description = "Say hello"
            run = "touch greet-ran"
            params = [
                { name = "name", default = "World", help = "who to greet" },
                { name = "loud", flag = true },
            ]
            "#,
        )
        .args(["greet", "--help"])
        .expect_stdout_contains("Say hello")
        .expect_stdout_contains("name")
        .expect_stdout_contains("World")
        .expect_stdout_contains("who to greet")
        .expect_stdout_contains("loud")
        .expect_no_file("greet-ran")
        .success();
}

#[test]
fn extra_args_are_forwarded_each_word_quoted() {
    Test::new()
        .tasks_toml(PRINT_ARGS)
        .args(["t", "--", "a b", "c"])
        .expect_stdout("a b\nc\n")
        .success();
}

#[test]
fn extra_args_cannot_inject_shell_code() {
    Test::new()
        .tasks_toml(PRINT_ARGS)
        .args(["t", "--", "; touch pwned", "$(touch pwned2)"])
        .expect_stdout("; touch pwned\n$(touch pwned2)\n")
        .expect_no_file("pwned")
        .expect_no_file("pwned2")
        .success();
}

#[test]
fn extra_args_go_to_the_last_command_of_the_last_task_only() {
    Test::new()
        .tasks_toml(
            r#"
            [tasks.a]
            run = "echo a > a.out"
            [tasks.b]
            run = ["echo first > first.out", "echo last > last.out"]
            "#,
        )
        .args(["a", "b", "-j", "1", "--", "x"])
        .expect_file("a.out", "a\n")
        .expect_file("first.out", "first\n")
        .expect_file("last.out", "last x\n")
        .success();
}

#[test]
fn extra_args_are_appended_as_argv_to_an_argv_command() {
    Test::new()
        .tasks_toml(
            r#"
            [tasks.t]
            run = [["printf", "<%s>\n"]]
            "#,
        )
        .args(["t", "--", "a b", "$HOME"])
        .expect_stdout("<a b>\n<$HOME>\n")
        .success();
}

#[test]
fn task_help_snapshot() {
    let output = Test::new()
        .tasks_toml(GREET)
        .args(["greet", "--help"])
        .success();
    insta::assert_snapshot!(output.stdout_text(), @r"
    Usage: rask greet [--name <NAME>] [--loud] [-- ARGS...]

    Say hello

    Parameters (also accepted positionally, in this order):
      --name <NAME>  who to greet [default: World]
      --loud

    Runs:
      echo Hello {{name}}
    ");
}

#[test]
fn unknown_placeholder_is_a_config_error_with_a_suggestion() {
    let toml = r#"
        [tasks.ok]
        run = "touch ran"
        [tasks.greet]
        run = "echo Hello {{nmae}}"
        params = [{ name = "name", default = "World" }]
    "#;
    refused_saying(toml, &["ok"], &["nmae", "did you mean `name`"]);
}

#[test]
fn braces_around_anything_but_a_bare_name_pass_through() {
    Test::new()
        .tasks_toml(
            r#"
            [tasks.t]
            run = "echo '${{ github.sha }}' '{{.Name}}'"
            "#,
        )
        .args(["t"])
        .expect_stdout("${{ github.sha }} {{.Name}}\n")
        .success();
}

#[test]
fn param_inside_an_argv_word_keeps_the_word_whole() {
    Test::new()
        .tasks_toml(&printing_one_argv_word("--env={{value}}"))
        .args(["p", "--value", "a b"])
        .expect_stdout("<--env=a b>\n")
        .success();
}

#[test]
fn empty_default_substitutes_an_empty_word() {
    Test::new()
        .tasks_toml(
            r#"
            [tasks.show]
            run = "printf '[%s]\n' {{label}} end"
            params = [{ name = "label", default = "" }]
            "#,
        )
        .args(["show"])
        .expect_stdout("[]\n[end]\n")
        .success();
}

#[test]
fn required_param_of_a_dependency_is_an_error_before_anything_runs() {
    let toml = r#"
        [tasks.deploy]
        run = "touch deployed-{{target}}"
        params = [{ name = "target", required = true }]
        [tasks.release]
        depends = ["deploy"]
        run = "touch ran"
    "#;
    refused_saying(toml, &["release"], &["needs parameter `target`"]);
}
