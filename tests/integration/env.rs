//! What a command sees: environment (`[env]`, task `env`, dotenv files), working directory
//! (`dir`), the shell (`settings.shell`) and argv commands that bypass it.

use crate::common::{Test, refusal, refused_saying};

#[test]
fn global_env_reaches_the_command() {
    Test::new()
        .tasks_toml(
            r#"
            [env]
            GLOBAL = "from global"
            [tasks.t]
            run = "echo $GLOBAL"
            "#,
        )
        .args(["t"])
        .expect_stdout("from global\n")
        .success();
}

#[test]
fn task_env_overrides_global_env() {
    Test::new()
        .tasks_toml(
            r#"
            [env]
            A = "global"
            B = "global"
            [tasks.t]
            env = { A = "task" }
            run = "echo $A $B"
            "#,
        )
        .args(["t"])
        .expect_stdout("task global\n")
        .success();
}

#[test]
fn task_env_does_not_leak_into_other_tasks() {
    Test::new()
        .tasks_toml(
            r#"
            [tasks.a]
            env = { ONLY_A = "a" }
            run = "echo a=$ONLY_A >> log"
            [tasks.b]
            depends = ["a"]
            run = "echo b=$ONLY_A >> log"
            "#,
        )
        .args(["b"])
        .expect_file("log", "a=a\nb=\n")
        .success();
}

#[test]
fn dotenv_values_are_loaded() {
    Test::new()
        .tasks_toml(
            r#"
            [settings]
            dotenv = [".env"]
            [tasks.t]
            run = "echo $FROM_DOTENV"
            "#,
        )
        .write(".env", "FROM_DOTENV=\"dotenv value\"\n")
        .args(["t"])
        .expect_stdout("dotenv value\n")
        .success();
}

#[test]
fn later_dotenv_files_override_earlier_ones() {
    Test::new()
        .tasks_toml(
            r#"
            [settings]
            dotenv = [".env", ".env.local"]
            [tasks.t]
            run = "echo $X $Y"
            "#,
        )
        .write(".env", "X=base\nY=base\n")
        .write(".env.local", "Y=local\n")
        .args(["t"])
        .expect_stdout("base local\n")
        .success();
}

#[test]
fn process_environment_is_inherited() {
    Test::new()
        .tasks_toml(
            r#"
            [tasks.t]
            run = "echo $RASK_IT_OUTER"
            "#,
        )
        .env("RASK_IT_OUTER", "outer")
        .args(["t"])
        .expect_stdout("outer\n")
        .success();
}

/// `t` runs in `sub` (relative to its tasks.toml) and touches `here` there.
const IN_SUB: &str = r#"
    [tasks.t]
    dir = "sub"
    run = "touch here"
    "#;

#[test]
fn dir_sets_the_working_directory_relative_to_tasks_toml() {
    Test::new()
        .tasks_toml(IN_SUB)
        .create_dir("sub")
        .create_dir("elsewhere")
        .current_dir("elsewhere")
        .args(["t"])
        .expect_file("sub/here", "")
        .expect_no_file("here")
        .expect_no_file("elsewhere/here")
        .success();
}

#[test]
fn dir_is_relative_to_tasks_toml_even_with_file_flag() {
    Test::new()
        .write("proj/tasks.toml", IN_SUB)
        .create_dir("proj/sub")
        .args(["--file", "proj/tasks.toml", "t"])
        .expect_file("proj/sub/here", "")
        .success();
}

#[test]
fn custom_shell_runs_the_commands() {
    // The command is appended to `shell`, so it arrives as `$1` of this little shell script.
    Test::new()
        .tasks_toml(
            r#"
            [settings]
            shell = ["sh", "-c", "echo via-custom-shell; eval \"$1\"", "custom"]
            [tasks.t]
            run = "echo hi"
            "#,
        )
        .args(["t"])
        .expect_stdout("via-custom-shell\nhi\n")
        .success();
}

#[test]
fn argv_commands_bypass_the_shell() {
    Test::new()
        .tasks_toml(
            r#"
            [tasks.t]
            run = [["echo", "$HOME", "a;b", "*"]]
            "#,
        )
        .args(["t"])
        .expect_stdout("$HOME a;b *\n")
        .success();
}

/// A task file loading one dotenv file, with one task `t`.
fn dotenv_task(dotenv: &str, run: &str) -> String {
    format!("[settings]\ndotenv = [\"{dotenv}\"]\n[tasks.t]\nrun = \"{run}\"\n")
}

/// dotenv overrode the caller's environment; just, go-task and mise leave the caller's value.
#[test]
fn issue_8_the_callers_environment_wins_over_dotenv() {
    Test::new()
        .tasks_toml(&dotenv_task(
            ".env",
            "echo $RASK_IT_FROM_CALLER $RASK_IT_ONLY_DOTENV",
        ))
        .write(
            ".env",
            "RASK_IT_FROM_CALLER=dotenv\nRASK_IT_ONLY_DOTENV=dotenv\n",
        )
        .env("RASK_IT_FROM_CALLER", "caller")
        .args(["t"])
        .expect_stdout("caller dotenv\n")
        .success();
}

#[test]
fn issue_8_a_malformed_dotenv_line_is_named() {
    Test::new()
        .tasks_toml(&dotenv_task(".env", "touch t-ran"))
        .write(".env", "A=1\nTWO WORDS\n")
        .args(["t"])
        .expect_stderr_contains(".env` line 2: cannot parse `TWO WORDS`")
        .expect_no_file("t-ran")
        .status(2);
}

/// A missing dotenv file made even `-n` fail; it is skipped, as just and go-task skip it.
#[test]
fn issue_8_a_missing_dotenv_file_is_skipped() {
    Test::new()
        .tasks_toml(&dotenv_task(".env.local", "echo ran"))
        .args(["-n", "t"])
        .expect_stdout("echo ran\n")
        .success();
}

#[test]
fn env_sh_default_unset_and_append_forms() {
    Test::new()
        .tasks_toml(
            r#"
            [env]
            REV = { sh = "echo abc" }
            LEVEL = { default = "info" }
            [tasks.t]
            env = { GONE = { unset = true }, LIST = { append = ["/z"] } }
            run = "echo $REV $LEVEL ${GONE-unset} $LIST"
            "#,
        )
        .env("GONE", "set by caller")
        .env("LIST", "/a")
        .args(["t"])
        .expect_stdout("abc info unset /a:/z\n")
        .success();
}

#[test]
fn env_default_yields_to_the_caller() {
    Test::new()
        .tasks_toml(
            r#"
            [tasks.t]
            env = { LEVEL = { default = "info" } }
            run = "echo $LEVEL"
            "#,
        )
        .env("LEVEL", "debug")
        .args(["t"])
        .expect_stdout("debug\n")
        .success();
}

#[test]
fn env_prepend_makes_a_relative_dir_absolute_and_its_scripts_runnable() {
    let test = Test::new()
        .tasks_toml(
            r#"
            [tasks.t]
            dir = "web"
            env = { PATH = { prepend = ["./bin"] } }
            run = "hello-tool && echo ${PATH%%:*}"
            "#,
        )
        .write("web/bin/hello-tool", "#!/bin/sh\necho hello from tool\n");
    let tool = test.path("web/bin/hello-tool");
    std::fs::set_permissions(&tool, std::os::unix::fs::PermissionsExt::from_mode(0o755))
        .expect("chmod");
    // Issue #6: the entry is normalised, `…/web/bin` rather than `…/web/./bin`.
    let bin = test.path("web").join("bin");
    test.args(["t"])
        .expect_stdout(&format!("hello from tool\n{}\n", bin.display()))
        .success();
}

#[test]
fn env_sh_of_a_task_that_does_not_run_never_runs() {
    Test::new()
        .tasks_toml(
            r#"
            [tasks.other]
            env = { X = { sh = "touch marker && echo x" } }
            run = "echo $X"
            [tasks.t]
            run = "echo ok"
            "#,
        )
        .args(["t"])
        .expect_stdout("ok\n")
        .expect_no_file("marker")
        .success();
}

#[test]
fn env_sh_failure_names_the_variable_and_shows_stderr() {
    let toml = r#"
        [tasks.t]
        env = { X = { sh = "echo broken >&2; exit 3" } }
        run = "touch ran"
    "#;
    refused_saying(toml, &["t"], &["`X` failed", "broken"]);
}

#[test]
fn bad_env_tables_are_all_reported() {
    let toml = r#"
        [env]
        A = { defualt = "x" }
        B = { sh = "x", default = "y" }
        [tasks.t]
        env = { C = { unset = "yes" }, D = { prepend = "bin" } }
        run = "touch ran"
    "#;
    insta::assert_snapshot!(refusal(toml, &["t"]));
}

/// Issue #6: every env form works in an included file's `[env]`, over the root's `[env]`.
#[test]
fn env_forms_work_in_an_included_files_env() {
    let test = Test::new()
        .tasks_toml(
            r#"
            [env]
            FROM_ROOT = "root"
            TOOLS = "/opt/tools"
            [includes]
            web = "web"
            "#,
        )
        .write(
            "web/tasks.toml",
            r#"
            [env]
            REV = { sh = "echo rev-$(basename $(pwd))" }
            LEVEL = { default = "info" }
            GONE = { unset = true }
            FROM_ROOT = { unset = true }
            TOOLS = { append = ["./bin"] }
            SEARCH = { prepend = ["../shared", "."] }
            [tasks.show]
            run = "echo $REV $LEVEL ${GONE-unset} ${FROM_ROOT-unset} $TOOLS $SEARCH"
            "#,
        )
        .env("GONE", "set by caller")
        .env("SEARCH", "/usr/share");
    let (web, shared) = (test.path("web"), test.path("shared"));
    test.args(["web:show"])
        .expect_stdout(&format!(
            "rev-web info unset unset /opt/tools:{web}/bin {shared}:{web}:/usr/share\n",
            web = web.display(),
            shared = shared.display(),
        ))
        .success();
}

/// Issue #6: a top-level `{ sh = … }` runs only when a task that runs gets the variable, and
/// then once, however many tasks get it.
#[test]
fn top_level_env_sh_runs_only_for_a_task_that_gets_it() {
    let toml = r#"
        [env]
        REV = { sh = "echo run >> env-runs; echo abc" }
        [tasks.own]
        env = { REV = "mine" }
        run = "echo $REV"
        [tasks.all]
        depends = ["own"]
        [tasks.a]
        run = "echo a $REV"
        [tasks.b]
        run = "echo b $REV"
        "#;
    Test::new()
        .tasks_toml(toml)
        .args(["all"])
        .expect_stdout("mine\n")
        .expect_no_file("env-runs")
        .success();
    Test::new()
        .tasks_toml(toml)
        .args(["--list"])
        .expect_no_file("env-runs")
        .success();
    Test::new()
        .tasks_toml(toml)
        .args(["-j1", "a", "b"])
        .expect_stdout("a abc\nb abc\n")
        .expect_file("env-runs", "run\n")
        .success();
}

/// rask prepares each distinct job environment once per run and spawns with it
/// (`exec/os/posix_spawn.rs`): tasks side by side must still get exactly their own variables,
/// the job limit's `RASK_JOBSERVER`, dotenv values, unset variables gone, and a program found
/// in a `PATH` the task prepended to (an argv command, so no shell looks it up).
#[test]
fn each_job_gets_exactly_its_own_environment_from_a_prepared_block() {
    let test = Test::new()
        .tasks_toml(
            r#"
            [settings]
            dotenv = [".env"]
            [tasks.a]
            env = { ONLY = "a", GONE = { unset = true } }
            run = "echo a $ONLY ${GONE-unset} $FROM_DOTENV ${RASK_JOBSERVER:+jobserver} >> log-a"
            [tasks.b]
            env = { ONLY = "b" }
            run = "echo b $ONLY ${GONE-unset} $FROM_DOTENV ${RASK_JOBSERVER:+jobserver} >> log-b"
            [tasks.tool]
            env = { PATH = { prepend = ["./bin"] } }
            run = [["prepended-tool"]]
            [tasks.all]
            depends = ["a", "b", "tool"]
            "#,
        )
        .write(".env", "FROM_DOTENV=dotenv\n")
        .write_executable(
            "bin/prepended-tool",
            "#!/bin/sh\necho tool ran > log-tool\n",
        )
        .env("GONE", "caller");
    test.args(["-j", "2", "all"])
        .expect_file("log-a", "a a unset dotenv jobserver\n")
        .expect_file("log-b", "b b caller dotenv jobserver\n")
        .expect_file("log-tool", "tool ran\n")
        .success();
}
