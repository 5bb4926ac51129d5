//! The command line itself: finding tasks.toml, `run` and friends never shadowing tasks, options
//! after task names, `--dry-run`, `--quiet`, `--color`, `--completions`, `--version`, `--help`.

use crate::common::{Test, refused_saying};

#[test]
fn version_names_the_program_and_version() {
    Test::new()
        .args(["--version"])
        .expect_stdout_contains("rask")
        .expect_stdout_contains(env!("CARGO_PKG_VERSION"))
        .success();
}

#[test]
fn help_lists_the_main_options() {
    Test::new()
        .args(["--help"])
        .expect_stdout_contains("--dry-run")
        .expect_stdout_contains("--jobs")
        .expect_stdout_contains("--keep-going")
        .expect_stdout_contains("--list")
        .success();
}

#[test]
fn no_task_runs_default() {
    Test::new()
        .tasks_toml(
            r#"
            [tasks.other]
            run = "touch other-ran"
            [tasks.default]
            run = "echo default ran"
            "#,
        )
        .expect_stdout("default ran\n")
        .expect_no_file("other-ran")
        .success();
}

#[test]
fn no_task_and_no_default_lists_tasks_and_runs_nothing() {
    Test::new()
        .tasks_toml(
            r#"
            [tasks.build]
            description = "Build it"
            run = "touch build-ran"
            [tasks.lint]
            run = "touch lint-ran"
            "#,
        )
        .expect_stdout_contains("build")
        .expect_stdout_contains("Build it")
        .expect_stdout_contains("lint")
        .expect_no_file("build-ran")
        .expect_no_file("lint-ran")
        .success();
}

#[test]
fn tasks_toml_is_found_in_a_parent_and_commands_run_beside_it() {
    Test::new()
        .tasks_toml(
            r#"
            [tasks.mark]
            run = "touch marker"
            "#,
        )
        .current_dir("sub/deeper")
        .args(["mark"])
        .expect_file("marker", "")
        .expect_no_file("sub/deeper/marker")
        .success();
}

#[test]
fn file_flag_points_at_another_tasks_toml_and_commands_run_beside_it() {
    Test::new()
        .write(
            "elsewhere/tasks.toml",
            r#"
            [tasks.mark]
            run = "touch marker"
            "#,
        )
        .args(["-f", "elsewhere/tasks.toml", "mark"])
        .expect_file("elsewhere/marker", "")
        .expect_no_file("marker")
        .success();
}

#[test]
fn long_file_flag_wins_over_a_tasks_toml_in_the_current_dir() {
    Test::new()
        .tasks_toml(
            r#"
            [tasks.mark]
            run = "touch wrong-file-used"
            "#,
        )
        .write(
            "other/tasks.toml",
            r#"
            [tasks.mark]
            run = "echo from other"
            "#,
        )
        .args(["mark", "--file", "other/tasks.toml"])
        .expect_stdout("from other\n")
        .expect_no_file("wrong-file-used")
        .success();
}

#[test]
fn run_subcommand_runs_the_named_tasks() {
    Test::new()
        .tasks_toml(
            r#"
            [tasks.a]
            run = "touch a-ran"
            [tasks.b]
            run = "touch b-ran"
            "#,
        )
        .args(["run", "a", "b"])
        .expect_file("a-ran", "")
        .expect_file("b-ran", "")
        .success();
}

#[test]
fn a_task_named_run_is_not_shadowed_by_the_subcommand() {
    Test::new()
        .tasks_toml(
            r#"
            [tasks.run]
            run = "echo the run task"
            "#,
        )
        .args(["run"])
        .expect_stdout("the run task\n")
        .success();
}

#[test]
fn tasks_named_list_help_and_test_run_as_tasks() {
    for name in ["list", "help", "test"] {
        Test::new()
            .tasks_toml(&format!(
                r#"
                [tasks.{name}]
                run = "echo task {name}"
                [tasks.other]
                run = "touch other-ran"
                "#
            ))
            .args([name])
            .expect_stdout(&format!("task {name}\n"))
            .expect_no_file("other-ran")
            .success();
    }
}

#[test]
fn options_may_follow_task_names() {
    Test::new()
        .tasks_toml(
            r#"
            [tasks.a]
            run = "touch a-ran"
            "#,
        )
        .args(["a", "--dry-run"])
        .expect_stdout("touch a-ran\n")
        .expect_no_file("a-ran")
        .success();
}

#[test]
fn dry_run_prints_substituted_commands_deps_first_and_runs_nothing() {
    Test::new()
        .tasks_toml(
            r#"
            [tasks.gen]
            run = "touch gen-ran"
            [tasks.build]
            depends = ["gen"]
            run = ["echo building {{mode}} > build-ran", "echo done"]
            params = [{ name = "mode", default = "debug" }]
            "#,
        )
        .args(["-n", "build", "--mode", "release"])
        .expect_stdout(
            "
            touch gen-ran
            echo building release > build-ran
            echo done
            ",
        )
        .expect_no_file("gen-ran")
        .expect_no_file("build-ran")
        .success();
}

#[test]
fn quiet_success_leaves_stderr_empty() {
    let output = Test::new()
        .tasks_toml(
            r#"
            [tasks.a]
            run = "echo out"
            [tasks.b]
            depends = ["a"]
            run = "echo out2"
            "#,
        )
        .args(["b", "--quiet", "-j", "1"])
        .expect_stdout("out\nout2\n")
        .success();
    assert_eq!(
        output.stderr, "",
        "with -q rask must print nothing on success"
    );
}

#[test]
fn color_never_emits_no_escape_codes_even_on_failure() {
    Test::new()
        .tasks_toml(
            r#"
            [tasks.fail]
            run = "exit 3"
            "#,
        )
        // Even when the environment asks for colour, `never` wins.
        .env("CLICOLOR_FORCE", "1")
        .env("FORCE_COLOR", "1")
        .args(["--color", "never", "fail"])
        .expect_stderr_contains("fail")
        .expect_stderr_not_contains("\x1b[")
        .status(3);
}

#[test]
fn color_always_colours_errors_even_when_piped() {
    let toml = r#"
        [tasks.test]
        run = "true"
    "#;
    refused_saying(toml, &["--color=always", "tset"], &["\x1b["]);
}

#[test]
fn color_auto_is_plain_when_piped() {
    Test::new()
        .tasks_toml(
            r#"
            [tasks.test]
            run = "true"
            "#,
        )
        .args(["tset"])
        .expect_stderr_contains("tset")
        .expect_stderr_not_contains("\x1b[")
        .status(2);
}

#[test]
fn completions_print_a_script_for_each_shell() {
    for shell in ["bash", "zsh", "fish"] {
        let output = Test::new()
            .args(["--completions", shell])
            .expect_stdout_contains("rask")
            .success();
        assert!(
            output.stdout.len() > 100,
            "{shell} completion script is suspiciously short: {:?}",
            output.stdout_text()
        );
    }
}

#[test]
fn usage_errors_exit_2() {
    for args in [
        &["--frobnicate"][..],
        &["--output", "sideways", "a"],
        &["--color", "sometimes", "a"],
        &["--jobs", "many", "a"],
        &["--completions", "powershell-9000"],
    ] {
        Test::new()
            .tasks_toml(
                r#"
                [tasks.a]
                run = "touch a-ran"
                "#,
            )
            .args(args)
            .expect_no_file("a-ran")
            .status(2);
    }
}

#[test]
fn an_alias_named_run_is_not_shadowed_by_the_subcommand() {
    Test::new()
        .tasks_toml(
            r#"
            [tasks.go]
            alias = ["run"]
            run = "echo the go task"
            [tasks.other]
            run = "touch other-ran"
            "#,
        )
        .args(["run"])
        .expect_stdout("the go task\n")
        .expect_no_file("other-ran")
        .success();
}

#[test]
fn list_into_a_closed_pipe_exits_cleanly() {
    // STYLE.md §4: a broken pipe on rask's own stdout is a clean exit, not a panic or an error.
    let output = Test::new()
        .tasks_toml(
            r#"
            [tasks.a]
            run = "true"
            "#,
        )
        .stdout_to_closed_pipe()
        .args(["--list"])
        .expect_stderr_not_contains("panicked")
        .success();
    assert_eq!(output.stderr, "", "a closed pipe is not worth a message");
}

/// One task that leaves a marker when it runs.
const BUILD_TOML: &str = "[tasks.build]\nrun = \"touch build-ran\"\n";

/// One task with one parameter, logging each run.
const GREET_TOML: &str =
    "[tasks.greet]\nparams = [{ name = \"name\" }]\nrun = \"echo hi {{name}} >> log\"\n";

/// Attached short options mean what they mean in clap and make; before issue #8 a cluster clap
/// could not read whole made rask take it for the first task word, and `-nz build` ran `build`.
#[test]
fn issue_8_a_short_cluster_with_an_unknown_letter_is_refused_and_runs_nothing() {
    for args in [
        &["-nz", "build"][..],
        &["-lx", "build"],
        &["build", "-nz"],
        &["-j0", "build"],
        &["-jx", "build"],
        &["-j=0", "build"],
    ] {
        Test::new()
            .tasks_toml(BUILD_TOML)
            .args(args)
            .expect_no_file("build-ran")
            .status(2);
    }
}

#[test]
fn issue_8_dry_run_in_a_cluster_runs_nothing() {
    for args in [&["-nk", "build"][..], &["-kn", "build"], &["build", "-kn"]] {
        Test::new()
            .tasks_toml(BUILD_TOML)
            .args(args)
            .expect_stdout("touch build-ran\n")
            .expect_no_file("build-ran")
            .success();
    }
}

/// `-j 1` shows itself: one command at a time inherits the terminal, so no `[task]` prefix.
/// With `-k` in the same cluster, the task after the failure still runs.
#[test]
fn issue_8_attached_jobs_and_clustered_keep_going_are_honoured() {
    for args in [
        &["-kj1", "fails", "works"][..],
        &["-k", "-j1", "fails", "works"],
        &["-k", "-j=1", "fails", "works"],
        &["fails", "works", "-kj1"],
        &["fails", "works", "-kj", "1"],
    ] {
        Test::new()
            .tasks_toml(
                r#"
                [tasks.fails]
                run = "exit 3"
                [tasks.works]
                run = "echo works ran"
                "#,
            )
            .args(args)
            .expect_stdout("works ran\n")
            .status(3);
    }
}

/// Two tasks that wait for each other finish only when `-j2` overrides `settings.jobs = 1`.
#[test]
fn issue_8_attached_jobs_overrides_the_settings() {
    let wait_a = crate::common::sh_wait_for("a.ready");
    let wait_b = crate::common::sh_wait_for("b.ready");
    for jobs in ["-j2", "-j=2", "--jobs=2"] {
        Test::new()
            .tasks_toml(&format!(
                r#"
                [settings]
                jobs = 1
                [tasks.a]
                run = '''touch a.ready; {wait_b}'''
                [tasks.b]
                run = '''touch b.ready; {wait_a}'''
                "#
            ))
            .args([jobs, "a", "b"])
            .success();
    }
}

/// Filling the job pipe with 65,534 tokens blocked rask forever, deaf to signals.
#[test]
fn issue_8_jobs_past_the_limit_is_refused_not_a_hang() {
    Test::new()
        .tasks_toml(BUILD_TOML)
        .args(["-j", "65535", "build"])
        .expect_stderr_contains("65535 is not in 1..=4096")
        .expect_no_file("build-ran")
        .status(2);
    Test::new()
        .tasks_toml(&format!("[settings]\njobs = 100000\n{BUILD_TOML}"))
        .args(["build"])
        .expect_stderr_contains("`jobs` must be at most 4096")
        .expect_stderr_contains("tasks.toml:2:8")
        .expect_no_file("build-ran")
        .status(2);
    Test::new()
        .tasks_toml(BUILD_TOML)
        .args(["-j", "4096", "build"])
        .expect_file("build-ran", "")
        .success();
}

#[test]
fn issue_8_a_task_named_twice_with_different_arguments_is_refused() {
    Test::new()
        .tasks_toml(GREET_TOML)
        .args(["greet", "Bob", "greet", "Al"])
        .expect_stderr_contains("task `greet` is named twice with different arguments")
        .expect_no_file("log")
        .status(2);
}

#[test]
fn issue_8_a_task_named_twice_alike_runs_once() {
    Test::new()
        .tasks_toml(GREET_TOML)
        .args(["greet", "Bob", "greet", "--name", "Bob"])
        .expect_file("log", "hi Bob\n")
        .success();
}

/// `-fx a` is `-f x a` (clap's attached value): the file `x`, which does not exist, so nothing
/// runs; before issue #8 the local file was used and `a` ran.
#[test]
fn issue_8_an_attached_file_value_is_the_file() {
    Test::new()
        .tasks_toml("[tasks.a]\nrun = \"touch a-ran\"\n")
        .args(["-fx", "a"])
        .expect_stderr_contains("cannot read `x`")
        .expect_no_file("a-ran")
        .status(2);
}

/// A late `-f` names the file the task words are read against, even where the file found
/// here lacks the task or is not valid at all.
#[test]
fn issue_8_late_file_flag_wins_over_a_local_file_without_the_task() {
    for local in ["[tasks.other]\nrun = \"true\"\n", "this is not toml ["] {
        Test::new()
            .tasks_toml(local)
            .write("sub/other.toml", "[tasks.b]\nrun = \"echo b ran\"\n")
            .args(["b", "-f", "sub/other.toml"])
            .expect_stdout("b ran\n")
            .success();
    }
}

/// `--file` that is a parameter of the task stays the task's.
#[test]
fn issue_8_a_file_parameter_is_not_taken_for_the_file_flag() {
    Test::new()
        .tasks_toml(
            r#"
            [tasks.show]
            params = [{ name = "file" }]
            run = "echo showing {{file}}"
            "#,
        )
        .args(["show", "--file", "notes.txt"])
        .expect_stdout("showing notes.txt\n")
        .success();
}

#[test]
fn issue_8_mistyped_options_get_a_did_you_mean() {
    for (args, suggestion) in [
        (&["--dry-rn", "build"][..], "--dry-run"),
        (&["--lsit"], "--list"),
        (&["build", "--keepgoing"], "did you mean `--keep-going`?"),
        (&["run", "--lsit"], "did you mean `--list`?"),
    ] {
        Test::new()
            .tasks_toml(BUILD_TOML)
            .args(args)
            .expect_stderr_contains(suggestion)
            .expect_no_file("build-ran")
            .status(2);
    }
}

/// `CLICOLOR_FORCE` colours even into a pipe, unless a non-empty `NO_COLOR` says otherwise.
#[test]
fn issue_8_clicolor_force_colours_errors_into_a_pipe() {
    for (vars, coloured) in [
        (&[("CLICOLOR_FORCE", "1")][..], true),
        (&[("CLICOLOR_FORCE", "1"), ("NO_COLOR", "")], true),
        (&[("CLICOLOR_FORCE", "1"), ("NO_COLOR", "1")], false),
        (&[("CLICOLOR_FORCE", "0")], false),
    ] {
        let mut test = Test::new().tasks_toml(BUILD_TOML).args(["biuld"]);
        for (name, value) in vars {
            test = test.env(name, value);
        }
        let test = if coloured {
            test.expect_stderr_contains("\x1b[")
        } else {
            test.expect_stderr_not_contains("\x1b[")
        };
        test.expect_stderr_contains("biuld").status(2);
    }
}

/// Found by the argv property test: `-n` after a value parameter was taken as its value, and
/// the task ran. A value that is one of rask's options must be written `--name=-n`.
#[test]
fn issue_8_a_dry_run_flag_is_never_taken_for_a_parameter_value() {
    Test::new()
        .tasks_toml(GREET_TOML)
        .args(["greet", "--name", "-n"])
        .expect_stderr_contains("parameter `--name` of task `greet` needs a value")
        .expect_stderr_contains("`rask greet --name=VALUE`")
        .expect_no_file("log")
        .status(2);
    Test::new()
        .tasks_toml(GREET_TOML)
        .args(["greet", "--name=-n"])
        .expect_file("log", "hi -n\n")
        .success();
}

/// docs/performance.md, session 18: on Linux with glibc, build.rs links the binary without PIE,
/// so the dynamic loader applies no relative relocations at each start. A PIE is ELF type
/// `ET_DYN`; a position-dependent executable is `ET_EXEC`.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
#[test]
fn the_binary_is_position_dependent_on_linux_with_glibc() {
    use std::io::Read;
    const ET_EXEC: u16 = 2;
    let mut header = [0u8; 18];
    std::fs::File::open(crate::common::RASK)
        .and_then(|mut binary| binary.read_exact(&mut header))
        .expect("the rask binary is readable");
    assert_eq!(&header[..4], b"\x7fELF", "an ELF file");
    // e_type: a 16-bit field at offset 16, in the file's byte order (little-endian on the
    // targets this runs on: x86_64, aarch64).
    let elf_type = u16::from_le_bytes([header[16], header[17]]);
    assert_eq!(
        elf_type, ET_EXEC,
        "ELF type {elf_type}: 3 is a PIE (ET_DYN)"
    );
}
