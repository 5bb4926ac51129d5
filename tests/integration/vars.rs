//! `[vars]` and task `vars`: literals and computed (`{ sh = "…" }`) values, where they may be
//! used, when computed ones run (lazily, once, only for tasks that will run), and overrides
//! from the command line (`rask NAME=VALUE task`, `--set NAME=VALUE`).

use crate::common::{Test, refusal, refused_saying};

#[test]
fn a_literal_var_is_one_shell_quoted_word() {
    Test::new()
        .tasks_toml(
            r#"
            [vars]
            greeting = "hello world; touch injected"
            [tasks.say]
            run = "printf '%s\n' {{greeting}} > out"
            "#,
        )
        .args(["say"])
        .expect_file("out", "hello world; touch injected\n")
        .expect_no_file("injected")
        .success();
}

#[test]
fn a_computed_var_is_its_commands_stdout_trimmed() {
    Test::new()
        .tasks_toml(
            r#"
            [vars]
            rev = { sh = "printf 'abc123\n\n'" }
            [tasks.stamp]
            run = [["sh", "-c", "printf '%s|' \"$1\" > out", "-", "{{rev}}"]]
            "#,
        )
        .args(["stamp"])
        .expect_file("out", "abc123|")
        .success();
}

#[test]
fn a_computed_var_runs_once_however_many_tasks_use_it() {
    Test::new()
        .tasks_toml(
            r#"
            [vars]
            stamp = { sh = "echo ran >> var-runs; echo v1" }
            [tasks.a]
            run = "echo {{stamp}} >> log"
            [tasks.b]
            depends = ["a"]
            run = "echo {{stamp}} >> log"
            "#,
        )
        .args(["b", "-j", "1"])
        .expect_file("var-runs", "ran\n")
        .expect_file("log", "v1\nv1\n")
        .success();
}

/// The issue's speed rule: a var no requested task uses never runs, and its failure is no error.
#[test]
fn an_unused_computed_var_never_runs() {
    let toml = r#"
        [vars]
        marker = { sh = "touch var-ran; echo x" }
        broken = { sh = "exit 1" }
        [tasks.uses]
        run = "echo {{marker}} {{broken}}"
        [tasks.other]
        run = "touch other-ran"
        "#;
    Test::new()
        .tasks_toml(toml)
        .args(["other"])
        .expect_file("other-ran", "")
        .expect_no_file("var-ran")
        .success();
    for listing in [
        &["--list"][..],
        &["--list", "--json"],
        &["--graph"],
        &["uses", "--help"],
    ] {
        Test::new()
            .tasks_toml(toml)
            .args(listing)
            .expect_no_file("var-ran")
            .success();
    }
}

#[test]
fn a_dry_run_computes_the_vars_it_shows() {
    Test::new()
        .tasks_toml(
            r#"
            [vars]
            rev = { sh = "touch var-ran; echo abc" }
            [tasks.show]
            run = "touch {{rev}}"
            "#,
        )
        .args(["--dry-run", "show"])
        .expect_stdout("touch abc\n")
        .expect_file("var-ran", "")
        .expect_no_file("abc")
        .success();
}

#[test]
fn a_failing_var_in_use_stops_everything_and_shows_its_stderr() {
    let output = Test::new()
        .tasks_toml(
            r#"
            [vars]
            rev = { sh = "echo 'fatal: not a git repository' >&2; exit 128" }
            [tasks.first]
            run = "touch first-ran"
            [tasks.tag]
            depends = ["first"]
            run = "echo {{rev}}"
            "#,
        )
        .args(["tag"])
        .expect_no_file("first-ran")
        .status(2);
    insta::assert_snapshot!(output.stderr_redacted(), @r#"
    error: computed variable `rev` failed: its command exited with code 128
     --> tasks.toml:2:7
      |
    2 | rev = { sh = "echo 'fatal: not a git repository' >&2; exit 128" }
      |       ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^ computed here
      |
      = help: its stderr:
              fatal: not a git repository
    "#);
}

#[test]
fn vars_reach_env_dir_sources_and_other_vars() {
    Test::new()
        .tasks_toml(
            r#"
            [vars]
            version = "1.2"
            tag = "v{{version}}"
            sub = { sh = "echo work" }
            [env]
            TAG = "{{tag}}"
            [tasks.build]
            dir = "{{sub}}"
            env = { OUT = "out-{{version}}" }
            sources = ["{{sub}}.txt"]
            outputs = ["out-{{version}}"]
            run = "echo \"$TAG\" > \"$OUT\""
            "#,
        )
        .create_dir("work")
        .args(["build"])
        .expect_file("work/out-1.2", "v1.2\n")
        .success();
}

#[test]
fn params_shadow_task_vars_which_shadow_top_level_vars() {
    Test::new()
        .tasks_toml(
            r#"
            [vars]
            who = "top"
            what = "top"
            where = "top"
            [tasks.greet]
            vars = { what = "task", where = "task" }
            params = [{ name = "where", default = "param" }]
            run = "echo {{who}} {{what}} {{where}} > out"
            "#,
        )
        .args(["greet"])
        .expect_file("out", "top task param\n")
        .success();
}

#[test]
fn overrides_before_the_first_task_and_with_set_anywhere() {
    let toml = r#"
        [vars]
        version = "1.0"
        channel = { sh = "touch var-ran; echo stable" }
        [tasks.release]
        run = "echo {{version}} {{channel}} > out"
        "#;
    Test::new()
        .tasks_toml(toml)
        .args(["version=2.0", "release"])
        .expect_file("out", "2.0 stable\n")
        .success();
    // An overridden computed var is not computed.
    Test::new()
        .tasks_toml(toml)
        .args(["release", "--set", "channel=beta", "--set=version={{x}} 3"])
        .expect_file("out", "{{x}} 3 beta\n")
        .expect_no_file("var-ran")
        .success();
}

#[test]
fn overriding_an_unknown_var_suggests_the_close_one() {
    let toml = r#"
        [vars]
        version = "1.0"
        [tasks.release]
        run = "touch ran"
    "#;
    refused_saying(
        toml,
        &["verison=2", "release"],
        &["no variable `verison` to set", "did you mean `version`?"],
    );
}

#[test]
fn bad_vars_are_all_reported_before_anything_runs() {
    let output = Test::new()
        .tasks_toml(
            r#"
            [vars]
            a = "{{b}}"
            b = "{{a}}"
            version = "1"
            tool = { shh = "which cargo" }
            [tasks.ok]
            run = "touch ok-ran"
            [tasks.build]
            run = "echo {{verison}}"
            "#,
        )
        .args(["ok"])
        .expect_no_file("ok-ran")
        .status(2);
    insta::assert_snapshot!(output.stderr_redacted(), @r#"
    error: variable cycle: a -> b -> a
     --> tasks.toml:3:6
      |
    3 | b = "{{a}}"
      |      ^^^^^ closes the cycle

    error: unknown key `shh` in variable `tool`
     --> tasks.toml:5:10
      |
    5 | tool = { shh = "which cargo" }
      |          ^^^ unknown key
      |
      = help: did you mean `sh`?

    error: unknown parameter or variable `verison` in task `build`
     --> tasks.toml:9:13
      |
    9 | run = "echo {{verison}}"
      |             ^^^^^^^^^^^ not a declared parameter or variable
      |
      = help: did you mean `version`?
    "#);
}

const ENV_VARS: &str = r#"
    [vars]
    version = { env = "RASK_IT_VERSION", default = "dev" }
    [tasks.show]
    vars = { tag = { env = "RASK_IT_TAG", default = "v{{version}}" }, rev = { env = "RASK_IT_REV" } }
    run = "printf '%s|%s|%s' {{version}} {{tag}} {{rev?}} > out"
    "#;

#[test]
fn an_env_backed_var_takes_the_callers_environment_first() {
    Test::new()
        .tasks_toml(ENV_VARS)
        .args(["show"])
        .expect_file("out", "dev|vdev|")
        .success();
    Test::new()
        .tasks_toml(ENV_VARS)
        .env("RASK_IT_VERSION", "1.2")
        .env("RASK_IT_REV", "abc")
        .args(["show"])
        .expect_file("out", "1.2|v1.2|abc")
        .success();
    Test::new()
        .tasks_toml(ENV_VARS)
        .env("RASK_IT_TAG", "nightly")
        .args(["show"])
        .expect_file("out", "dev|nightly|")
        .success();
}

#[test]
fn an_env_backed_var_is_still_overridden_from_the_command_line() {
    Test::new()
        .tasks_toml(ENV_VARS)
        .env("RASK_IT_VERSION", "1.2")
        .args(["version=3.0", "show"])
        .expect_file("out", "3.0|v3.0|")
        .success();
}

#[test]
fn bad_env_backed_vars_are_all_reported() {
    let toml = r#"
        [vars]
        a = { sh = "echo", env = "A" }
        b = { default = "x" }
        c = { env = "" }
        d = { env = "D", defualt = "x" }
        [tasks.t]
        vars = { e = { sh = "echo", default = "y" } }
        run = "touch ran"
    "#;
    insta::assert_snapshot!(refusal(toml, &["t"]));
}

/// Issue #11 item 8: a computed var's command gets placeholders shell-quoted, as a command
/// line does, so a value with spaces or `;` stays one word.
#[test]
fn a_computed_vars_command_gets_placeholders_shell_quoted() {
    Test::new()
        .tasks_toml(
            r#"
            [vars]
            name = "a b; touch injected"
            shout = { sh = "printf '%s!' {{name}}" }
            [tasks.t]
            run = "echo {{shout}} > out"
            "#,
        )
        .args(["t"])
        .expect_file("out", "a b; touch injected!\n")
        .expect_no_file("injected")
        .success();
}

/// Issue #11 item 8: a task's `vars` may use the task's parameters.
#[test]
fn task_vars_may_use_the_tasks_params() {
    Test::new()
        .tasks_toml(
            r#"
            [tasks.build]
            params = [{ name = "profile", default = "debug" }]
            vars = { out = "target/{{profile}}", stamp = { sh = "echo built-{{profile}}" } }
            run = "echo {{out}} {{stamp}} > out"
            "#,
        )
        .args(["build", "--profile", "release"])
        .expect_file("out", "target/release built-release\n")
        .success();
}

/// Issue #11 item 8: a var given on the command line is never computed, neither is what only
/// its computed value would have used.
#[test]
fn a_var_overridden_on_the_command_line_is_never_computed() {
    Test::new()
        .tasks_toml(
            r#"
            [vars]
            base = { sh = "touch base-ran; echo base" }
            rev = { sh = "touch rev-ran; echo {{base}}-rev" }
            [tasks.t]
            run = "echo {{rev}} > out"
            "#,
        )
        .args(["rev=given", "t"])
        .expect_file("out", "given\n")
        .expect_no_file("rev-ran")
        .expect_no_file("base-ran")
        .success();
}
