//! Optional words in commands: `{{x?}}`, `{{x...}}` and `{{flag ? "text"}}`, in shell and argv
//! commands, env and dir; a bad quote is a located error and nothing runs.

use crate::common::{Test, refusal};

const TOML: &str = r#"
    [tasks.shell]
    run = '''printf '<%s>' start {{tag?}} {{empty?}} {{race ? "--race -v"}} {{flags...}} {{empty}} > out'''
    params = [
      { name = "tag", default = "" },
      { name = "empty", default = "" },
      { name = "race", flag = true },
      { name = "flags", default = "" },
    ]
    [tasks.argv]
    run = [["printf", "[%s]", "start", "{{tag?}}", "{{race ? '--race -v'}}", "{{flags...}}", "--tag={{tag?}}"]]
    params = [
      { name = "tag", default = "" },
      { name = "race", flag = true },
      { name = "flags", default = "" },
    ]
    [tasks.env]
    env = { OUT = "{{tag?}}|{{race ? 'r'}}|{{flags...}}" }
    dir = "{{race ? 'sub'}}"
    run = 'printf %s "$OUT" > out'
    params = [
      { name = "tag", default = "" },
      { name = "race", flag = true },
      { name = "flags", default = "" },
    ]
    "#;

#[test]
fn optional_words_vanish_when_empty_in_a_shell_command() {
    Test::new()
        .tasks_toml(TOML)
        .args(["shell"])
        .expect_file("out", "<start><>")
        .success();
    Test::new()
        .tasks_toml(TOML)
        .args(["shell", "--tag", "a b", "--race", "--flags", "x 'y z'"])
        .expect_file("out", "<start><a b><--race><-v><x><y z><>")
        .success();
}

#[test]
fn optional_words_are_zero_or_more_arguments_in_an_argv_command() {
    Test::new()
        .tasks_toml(TOML)
        .args(["argv"])
        .expect_stdout("[start][--tag=]")
        .success();
    Test::new()
        .tasks_toml(TOML)
        .args(["argv", "--tag", "a b", "--race", "--flags", "x 'y z'"])
        .expect_stdout("[start][a b][--race][-v][x][y z][--tag=a b]")
        .success();
}

#[test]
fn optional_words_in_env_and_dir_are_text() {
    Test::new()
        .tasks_toml(TOML)
        .args(["env"])
        .expect_file("out", "||")
        .success();
    Test::new()
        .tasks_toml(TOML)
        .create_dir("sub")
        .args(["env", "--tag", "t", "--race", "--flags", "x 'y z'"])
        .expect_file("sub/out", "t|r|x y z")
        .success();
}

#[test]
fn dry_run_shows_optional_words_substituted() {
    Test::new()
        .tasks_toml(TOML)
        .args(["--dry-run", "shell", "--race"])
        .expect_stdout("printf '<%s>' start   --race -v  '' > out\n")
        .success();
}

#[test]
fn a_bad_quote_in_an_optional_word_is_located_and_nothing_runs() {
    let toml = r#"
        [tasks.test]
        params = [{ name = "race", flag = true }]
        run = [
          'touch ran',
          'go test {{race ? --race}}',
          'go test {{ race ? "--race }}',
          ["go", "test", "{{race ? '-v' x}}"],
        ]
    "#;
    insta::assert_snapshot!(refusal(toml, &["test"]));
}

#[test]
fn optional_words_in_a_script_are_text() {
    Test::new()
        .tasks_toml(
            r#"
            [tasks.script]
            params = [{ name = "tag", default = "" }, { name = "race", flag = true }]
            run = '''
            #!/bin/sh
            printf '%s|%s|' "{{tag?}}" "{{race ? 'r'}}" > out
            '''
            "#,
        )
        .args(["script", "--race"])
        .expect_file("out", "|r|")
        .success();
}
