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

#[test]
fn skipped_when_every_output_is_newer_than_every_source() {
    Test::new()
        .tasks_toml(BUILD)
        .write("src/a.txt", "a")
        .write("src/b.txt", "b")
        .write("out/app", "")
        .age("src/a.txt", OLD)
        .age("src/b.txt", OLD)
        .age("out/app", NEW)
        .args(["build"])
        .expect_stderr_contains("up to date")
        .expect_no_file("log")
        .success();
}

#[test]
fn runs_when_a_source_is_newer_than_an_output() {
    Test::new()
        .tasks_toml(BUILD)
        .write("src/a.txt", "a")
        .write("src/b.txt", "b")
        .write("out/app", "")
        .age("src/a.txt", OLD)
        .age("src/b.txt", NEW)
        .age("out/app", OLD)
        .args(["build"])
        .expect_file("log", "build\n")
        .success();
}

#[test]
fn runs_when_an_output_is_missing() {
    Test::new()
        .tasks_toml(BUILD)
        .write("src/a.txt", "a")
        .age("src/a.txt", OLD)
        .args(["build"])
        .expect_file("log", "build\n")
        .success();
}

#[test]
fn force_runs_an_up_to_date_task() {
    for flag in ["-B", "--force"] {
        Test::new()
            .tasks_toml(BUILD)
            .write("src/a.txt", "a")
            .write("out/app", "")
            .age("src/a.txt", OLD)
            .age("out/app", NEW)
            .args(["build", flag])
            .expect_file("log", "build\n")
            .success();
    }
}

#[test]
fn a_task_with_only_sources_always_runs() {
    Test::new()
        .tasks_toml(
            r#"
            [tasks.check]
            method = "timestamp"
            sources = ["src/*.txt"]
            run = "echo check >> log"
            "#,
        )
        .write("src/a.txt", "a")
        .age("src/a.txt", OLD)
        .args(["check"])
        .expect_file("log", "check\n")
        .success();
}

#[test]
fn dependents_of_an_up_to_date_task_still_run() {
    Test::new()
        .tasks_toml(&format!(
            "{BUILD}\n[tasks.package]\ndepends = [\"build\"]\nrun = \"echo package >> log\"\n"
        ))
        .write("src/a.txt", "a")
        .write("out/app", "")
        .age("src/a.txt", OLD)
        .age("out/app", NEW)
        .args(["package"])
        .expect_file("log", "package\n")
        .success();
}
