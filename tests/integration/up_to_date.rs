//! make's up-to-date rule, `method = "timestamp"` (docs/cache.md): a task with both `sources`
//! and `outputs` is skipped when every output exists and is newer than every source;
//! `-B`/`--force` runs it anyway. The content-hash default is tested in `cache.rs`.
//!
//! File ages are set explicitly, so no test waits for the clock.

use std::time::Duration;

use crate::common::Test;

const OLD: Duration = Duration::from_secs(3600);
const NEW: Duration = Duration::from_secs(60);

const BUILD: &str = r#"
    [tasks.build]
    method = "timestamp"
    sources = ["src/*.txt"]
    outputs = ["out/app"]
    run = "echo build >> log"
"#;

/// A project with `toml` whose `files` exist, each last modified that long ago.
fn with_ages(toml: &str, files: &[(&str, Duration)]) -> Test {
    (files.iter()).fold(Test::new().tasks_toml(toml), |test, &(file, age)| {
        test.write(file, file).age(file, age)
    })
}

#[test]
fn skipped_when_every_output_is_newer_than_every_source() {
    with_ages(
        BUILD,
        &[("src/a.txt", OLD), ("src/b.txt", OLD), ("out/app", NEW)],
    )
    .args(["build"])
    .expect_stderr_contains("up to date")
    .expect_no_file("log")
    .success();
}

#[test]
fn runs_when_a_source_is_newer_than_an_output() {
    with_ages(
        BUILD,
        &[("src/a.txt", OLD), ("src/b.txt", NEW), ("out/app", OLD)],
    )
    .args(["build"])
    .expect_file("log", "build\n")
    .success();
}

#[test]
fn runs_when_an_output_is_missing() {
    with_ages(BUILD, &[("src/a.txt", OLD)])
        .args(["build"])
        .expect_file("log", "build\n")
        .success();
}

#[test]
fn force_runs_an_up_to_date_task() {
    for flag in ["-B", "--force"] {
        with_ages(BUILD, &[("src/a.txt", OLD), ("out/app", NEW)])
            .args(["build", flag])
            .expect_file("log", "build\n")
            .success();
    }
}

#[test]
fn a_task_with_only_sources_always_runs() {
    let toml = r#"
        [tasks.check]
        method = "timestamp"
        sources = ["src/*.txt"]
        run = "echo check >> log"
    "#;
    with_ages(toml, &[("src/a.txt", OLD)])
        .args(["check"])
        .expect_file("log", "check\n")
        .success();
}

#[test]
fn dependents_of_an_up_to_date_task_still_run() {
    let toml =
        format!("{BUILD}\n[tasks.package]\ndepends = [\"build\"]\nrun = \"echo package >> log\"\n");
    with_ages(&toml, &[("src/a.txt", OLD), ("out/app", NEW)])
        .args(["package"])
        .expect_file("log", "package\n")
        .success();
}
