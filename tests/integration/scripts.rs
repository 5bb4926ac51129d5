//! Script tasks: a `run` string starting with a shebang, or any shell string of a task with
//! `interpreter`, is written to a private temp file and executed; values are substituted
//! verbatim and also exported as `RASK_PARAM_*`; the file never outlives the command.

use std::path::Path;

use crate::common::{Test, refused_saying};

#[test]
fn a_shebang_script_runs_as_a_file_with_its_arguments() {
    Test::new()
        .tasks_toml(
            r##"
            [tasks.hello]
            run = """#!/bin/sh
            set -e
            for word in "$@"; do echo "$word" >> log; done
            echo "last" >> log
            """
            "##,
        )
        .args(["hello", "--", "a b", "c"])
        .expect_file("log", "a b\nc\nlast\n")
        .success();
}

#[test]
fn an_interpreter_runs_every_shell_string_as_a_script() {
    Test::new()
        .tasks_toml(
            r#"
            [tasks.strict]
            interpreter = ["bash", "-euo", "pipefail"]
            run = """
            echo start >> log
            false | true
            echo unreachable >> log
            """
            "#,
        )
        .args(["strict"])
        .expect_file("log", "start\n")
        .status(1);
}

#[test]
fn parameters_are_verbatim_in_scripts_and_exported_to_them() {
    Test::new()
        .tasks_toml(
            r##"
            [tasks.greet]
            params = [{ name = "who", default = "it's \"me\"" }, { name = "out-dir", default = "." }]
            run = """#!/bin/sh
            cat > verbatim <<'EOF'
            {{who}}
            EOF
            printf '%s\n' "$RASK_PARAM_WHO" > env
            printf '%s\n' "$RASK_PARAM_OUT_DIR" >> env
            """
            "##,
        )
        .args(["greet"])
        .expect_file("verbatim", "it's \"me\"\n")
        .expect_file("env", "it's \"me\"\n.\n")
        .success();
}

#[test]
fn the_script_file_is_private_and_removed_after_the_command() {
    let output = Test::new()
        .tasks_toml(
            r##"
            [tasks.where]
            run = """#!/bin/sh
            echo "$0" > path
            stat -c %a "$0" > mode
            """
            "##,
        )
        .args(["where"])
        .expect_file("mode", "700\n")
        .success();
    let path = output.read("path");
    assert!(
        !Path::new(path.trim()).exists(),
        "script file {path} left behind"
    );
}

#[test]
fn the_script_file_is_removed_when_rask_is_interrupted() {
    let running = Test::new()
        .tasks_toml(
            r##"
            [tasks.wait]
            run = """#!/bin/sh
            echo "$0" > path.tmp
            mv path.tmp path
            while :; do sleep 0.05; done
            """
            "##,
        )
        .args(["wait"])
        .spawn();
    running.wait_for_file("path");
    let path = std::fs::read_to_string(running.path("path")).expect("the script wrote its path");
    running.interrupt();
    assert!(
        !Path::new(path.trim()).exists(),
        "script file {path} left behind"
    );
}

#[test]
fn a_dry_run_shows_the_script_and_writes_nothing() {
    Test::new()
        .tasks_toml(
            r##"
            [tasks.py]
            run = """#!/usr/bin/env python3
            print("hi")
            """
            [tasks.sh]
            interpreter = ["bash", "-eu"]
            run = "touch ran"
            "##,
        )
        .args(["--dry-run", "py", "sh"])
        .expect_stdout("#!/usr/bin/env python3 (script, 2 lines)\nbash -eu (script, 1 line)\n")
        .expect_no_file("ran")
        .success();
}

#[test]
fn an_empty_interpreter_is_an_error() {
    let toml = r#"
        [tasks.a]
        interpreter = []
        run = "true"
    "#;
    refused_saying(toml, &["a"], &["empty `interpreter` in task `a`"]);
}

#[test]
fn vars_are_verbatim_in_scripts_exported_to_them_and_seen_by_conditions() {
    Test::new()
        .tasks_toml(
            r##"
            [vars]
            greeting = "hi 'there'"
            [tasks.greet]
            if = "test {{greeting}} = \"hi 'there'\""
            run = """#!/bin/sh
            cat > verbatim <<'EOF'
            {{greeting}}
            EOF
            printf '%s\n' "$RASK_VAR_GREETING" > env
            """
            "##,
        )
        .args(["greet"])
        .expect_file("verbatim", "hi 'there'\n")
        .expect_file("env", "hi 'there'\n")
        .success();
}
