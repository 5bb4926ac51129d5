//! What rask accepts (docs/limits.md): at each stated limit it works, past it a clear error;
//! where there is no limit but memory, a test at a size far past real use.
//! (`-j` 1..=4096 is tested in cli.rs: `issue_8_jobs_past_the_limit_is_refused_not_a_hang`.)

use std::fmt::Write as _;

use crate::common::Test;

#[test]
fn a_task_name_of_100_000_characters_runs_and_lists() {
    let name = "n".repeat(100_000);
    Test::new()
        .tasks_toml(&format!(
            "[tasks.{name}]\ndescription = \"long\"\nrun = \"echo ran\"\n"
        ))
        .args([name.as_str()])
        .expect_stdout("ran\n")
        .success()
        .rerun()
        .args(["--list"])
        .expect_stdout_contains("long")
        .success();
}

#[test]
fn ten_thousand_tasks_in_one_chain_in_a_2_5_mb_file_plan_in_order() {
    let mut toml = String::new();
    let description = "d".repeat(200);
    for index in 0..10_000 {
        let _ = write!(
            toml,
            "[tasks.t{index}]\ndescription = \"{description}\"\nrun = \"echo {index}\"\n"
        );
        if index > 0 {
            let _ = writeln!(toml, "depends = [\"t{}\"]", index - 1);
        }
    }
    assert!(toml.len() > 2_500_000, "{} bytes", toml.len());
    let output = Test::new()
        .tasks_toml(&toml)
        .args(["--dry-run", "t9999"])
        .success();
    let lines = output.stdout_lines();
    assert_eq!(lines.len(), 10_000);
    assert!(
        lines
            .iter()
            .enumerate()
            .all(|(index, line)| *line == format!("echo {index}")),
        "dependencies first, each once"
    );
}

/// The `toml` crate parses arrays and inline tables nested at most 80 deep; past that the
/// file is refused with a location, before anything runs.
#[test]
fn values_nest_80_deep_and_deeper_is_a_located_error() {
    let nested = |depth: usize| {
        format!(
            "[tasks.t]\nrun = \"touch ran\"\nsources = {}{}\n",
            "[".repeat(depth),
            "]".repeat(depth)
        )
    };
    Test::new()
        .tasks_toml(&nested(80))
        // Parsed: the value reaches rask's own check of its type.
        .expect_stderr_contains("error: tasks.t.sources: expected a string, found an array")
        .expect_no_file("ran")
        .args(["t"])
        .status(2);
    Test::new()
        .tasks_toml(&nested(81))
        .expect_stderr_contains(
            "error: invalid TOML: cannot recurse further; max recursion depth met",
        )
        .expect_stderr_contains(" --> tasks.toml:3:")
        .expect_no_file("ran")
        .args(["t"])
        .status(2);
}
