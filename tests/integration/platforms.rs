//! `platforms` and `run_linux` / `run_macos` / `run_windows`: tasks that run only on some
//! systems, and commands that differ by OS. The suite runs on Linux, so "elsewhere" is macOS.

use crate::common::Test;

#[test]
fn a_task_for_another_platform_is_skipped_and_its_dependents_run() {
    Test::new()
        .tasks_toml(
            r#"
            [tasks.mac-only]
            platforms = ["macos"]
            run = "touch mac-ran"
            [tasks.after]
            depends = ["mac-only"]
            run = "touch after-ran"
            "#,
        )
        .args(["after"])
        .expect_no_file("mac-ran")
        .expect_file("after-ran", "")
        .expect_stderr_contains("skipped")
        .expect_stderr_contains("in platforms [macos]")
        .success();
}

#[test]
fn a_task_for_this_platform_runs() {
    let arch = std::env::consts::ARCH;
    Test::new()
        .tasks_toml(&format!(
            r#"
            [tasks.here]
            platforms = ["windows", "linux/{arch}"]
            run = "touch ran"
            [tasks.arch]
            platforms = "{arch}"
            run = "touch arch-ran"
            "#
        ))
        .args(["here", "arch"])
        .expect_file("ran", "")
        .expect_file("arch-ran", "")
        .success();
}

#[test]
fn run_for_this_os_replaces_run() {
    Test::new()
        .tasks_toml(
            r#"
            [tasks.open]
            run = "echo generic > out"
            run_linux = "echo linux > out"
            run_macos = "echo macos > out"
            run_windows = "echo windows > out"
            "#,
        )
        .args(["open"])
        .expect_file("out", "linux\n")
        .success();
}

#[test]
fn a_dry_run_leaves_out_tasks_skipped_here() {
    Test::new()
        .tasks_toml(
            r#"
            [tasks.mac]
            platforms = ["macos/arm64"]
            run = "echo mac"
            [tasks.all]
            depends = ["mac"]
            run = "echo all"
            "#,
        )
        .args(["--dry-run", "all"])
        .expect_stdout("echo all\n")
        .success();
}

#[test]
fn unknown_platforms_are_errors_with_suggestions() {
    let output = Test::new()
        .tasks_toml(
            r#"
            [tasks.a]
            platforms = ["linx", "macos/amd46", "plan9"]
            run = "touch ran"
            run_linux = "echo {{nope}}"
            "#,
        )
        .args(["a"])
        .expect_no_file("ran")
        .status(2);
    insta::assert_snapshot!(output.stderr_redacted(), @r#"
    error: unknown platform `linx` in task `a`
     --> tasks.toml:2:14
      |
    2 | platforms = ["linx", "macos/amd46", "plan9"]
      |              ^^^^^^ not an OS or architecture
      |
      = help: did you mean `linux`?

    error: unknown platform `amd46` in task `a`
     --> tasks.toml:2:22
      |
    2 | platforms = ["linx", "macos/amd46", "plan9"]
      |                      ^^^^^^^^^^^^^ not an OS or architecture
      |
      = help: did you mean `amd64`?

    error: unknown platform `plan9` in task `a`
     --> tasks.toml:2:37
      |
    2 | platforms = ["linx", "macos/amd46", "plan9"]
      |                                     ^^^^^^^ not an OS or architecture
      |
      = help: write an OS (linux, macos, windows, freebsd), an arch (x86_64, aarch64, ...) or both as `linux/aarch64`

    error: unknown parameter `nope` in task `a`
     --> tasks.toml:4:19
      |
    4 | run_linux = "echo {{nope}}"
      |                   ^^^^^^^^ not a declared parameter
      |
      = help: declare it in the task: `params = [{ name = "nope" }]`
    "#);
}
