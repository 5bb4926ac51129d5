//! `--partition K/N`: each shard runs its slice of the requested tasks, with what they need.

use crate::common::Test;

/// Five leaf tasks, two of which need `gen`; each appends its name to `log`.
const FIVE_TASKS: &str = r#"
    [tasks.gen]
    run = "echo gen >> log"
    [tasks.t1]
    depends = ["gen"]
    run = "echo t1 >> log"
    [tasks.t2]
    run = "echo t2 >> log"
    [tasks.t3]
    run = "echo t3 >> log"
    [tasks.t4]
    depends = ["gen"]
    run = "echo t4 >> log"
    [tasks.t5]
    run = "echo t5 >> log"
    "#;

const REQUESTED: [&str; 5] = ["t1", "t2", "t3", "t4", "t5"];

/// What shard `k` of 3 ran, from its log, sorted.
fn ran_by_shard(k: usize) -> Vec<String> {
    let partition = format!("{k}/3");
    let mut args = vec!["-j", "1", "--partition", &partition];
    args.extend(REQUESTED);
    let output = Test::new().tasks_toml(FIVE_TASKS).args(args).success();
    let mut ran = if output.path("log").exists() {
        output.log_lines("log")
    } else {
        Vec::new()
    };
    ran.sort();
    ran
}

#[test]
fn three_shards_run_every_requested_task_once_with_their_dependencies() {
    let shards: Vec<Vec<String>> = (1..=3).map(ran_by_shard).collect();
    let mut requested_runs: Vec<&String> = shards
        .iter()
        .flatten()
        .filter(|task| task.as_str() != "gen")
        .collect();
    requested_runs.sort();
    assert_eq!(requested_runs, REQUESTED, "{shards:?}");
    // Round-robin in the order given: t1 and t4 share shard 1, and `gen` runs there for them.
    assert_eq!(shards[0], ["gen", "t1", "t4"]);
    assert_eq!(shards[1], ["t2", "t5"]);
    assert_eq!(shards[2], ["t3"]);
}

#[test]
fn a_dry_run_shows_the_slice() {
    Test::new()
        .tasks_toml(FIVE_TASKS)
        .args(["--partition", "2/3", "--dry-run"])
        .args(REQUESTED)
        .expect_stdout("echo t2 >> log\necho t5 >> log\n")
        .expect_no_file("log")
        .success();
}

#[test]
fn an_impossible_partition_is_a_usage_error() {
    Test::new()
        .tasks_toml(FIVE_TASKS)
        .args(["--partition", "4/3", "t1"])
        .expect_stderr_contains("expected K/N with 1 <= K <= N")
        .expect_no_file("log")
        .status(2);
}
