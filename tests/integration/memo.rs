//! The memo of a large task file's model (config/memo.rs): written for projects of 64 KiB or
//! more (every file read counts), never for small ones, and never trusted past a change to any
//! file it was read from.

use std::fs;
use std::os::unix::fs::MetadataExt;
use std::path::PathBuf;

use crate::common::{Output, Test};

/// A root file over the memo's 64 KiB threshold: `filler` tasks, then `body`.
fn large(body: &str) -> String {
    let mut text = String::from(body);
    for index in 0..800 {
        text.push_str(&format!(
            "\n[tasks.filler{index:04}]\ndescription = \"a task that only makes the file large\"\nrun = \"true\"\n"
        ));
    }
    assert!(
        text.len() >= 64 * 1024,
        "the file must be over the threshold"
    );
    text
}

/// Runs `task` again and checks that it was read from the one memo `output` left: a parse would
/// write the memo anew, under a new inode.
fn rerun_reads_the_memo(output: Output, task: &str, stdout: &str) -> Output {
    let memo = memo_files(&output);
    let inode = fs::metadata(&memo[0]).unwrap().ino();
    let output = output.rerun().args([task]).expect_stdout(stdout).success();
    assert_eq!(memo_files(&output), memo);
    assert_eq!(
        fs::metadata(&memo[0]).unwrap().ino(),
        inode,
        "the memo was used"
    );
    output
}

fn memo_files(output: &Output) -> Vec<PathBuf> {
    match fs::read_dir(output.path(".rask/xdg-cache/rask/config")) {
        Ok(listing) => listing.map(|entry| entry.unwrap().path()).collect(),
        Err(_) => Vec::new(),
    }
}

#[test]
fn a_large_file_is_memoised_and_a_small_one_is_not() {
    let small = Test::new()
        .tasks_toml("[tasks.hello]\nrun = \"echo hi\"\n")
        .args(["hello"])
        .expect_stdout("hi\n")
        .success();
    assert!(memo_files(&small).is_empty(), "no memo for a small file");

    let output = Test::new()
        .tasks_toml(&large("[tasks.hello]\nrun = \"echo hi\"\n"))
        .args(["hello"])
        .expect_stdout("hi\n")
        .success();
    assert_eq!(memo_files(&output).len(), 1, "one memo for the large file");
    rerun_reads_the_memo(output, "hello", "hi\n");
}

#[test]
fn a_small_root_that_includes_a_large_file_is_memoised_and_its_edits_are_seen() {
    let root = "[includes]\nweb = \"web\"\n";
    let output = Test::new()
        .tasks_toml(root)
        .write(
            "web/tasks.toml",
            &large("[tasks.build]\nrun = \"echo one\"\n"),
        )
        .args(["web:build"])
        .expect_stdout("one\n")
        .success();
    assert_eq!(
        memo_files(&output).len(),
        1,
        "the project is large, though its root is not"
    );
    rerun_reads_the_memo(output, "web:build", "one\n")
        .rerun()
        .write(
            "web/tasks.toml",
            &large("[tasks.build]\nrun = \"echo two\"\n"),
        )
        .args(["web:build"])
        .expect_stdout("two\n")
        .success();
}

#[test]
fn a_small_project_with_includes_is_not_memoised() {
    let output = Test::new()
        .tasks_toml("[includes]\nweb = \"web\"\n")
        .write("web/tasks.toml", "[tasks.build]\nrun = \"echo web\"\n")
        .args(["web:build"])
        .expect_stdout("web\n")
        .success();
    assert!(
        memo_files(&output).is_empty(),
        "no memo for a small project"
    );
}

#[test]
fn an_edit_to_the_root_file_is_never_hidden_by_the_memo() {
    let output = Test::new()
        .tasks_toml(&large("[tasks.hello]\nrun = \"echo before\"\n"))
        .args(["hello"])
        .expect_stdout("before\n")
        .success();
    output
        .rerun()
        .tasks_toml(&large("[tasks.hello]\nrun = \"echo after!\"\n"))
        .args(["hello"])
        .expect_stdout("after!\n")
        .success();
}

#[test]
fn an_edit_to_an_included_file_is_never_hidden_by_the_memo() {
    let root = large("[includes]\nweb = \"web\"\nopt = { path = \"opt.toml\", optional = true }\n");
    let output = Test::new()
        .tasks_toml(&root)
        .write("web/tasks.toml", "[tasks.build]\nrun = \"echo web-one\"\n")
        .args(["web:build"])
        .expect_stdout("web-one\n")
        .success();
    let output = output
        .rerun()
        .write("web/tasks.toml", "[tasks.build]\nrun = \"echo web-two\"\n")
        .args(["web:build"])
        .expect_stdout("web-two\n")
        .success();
    // An optional include that was absent and now exists is read.
    output
        .rerun()
        .write("opt.toml", "[tasks.extra]\nrun = \"echo extra\"\n")
        .args(["opt:extra"])
        .expect_stdout("extra\n")
        .success();
}

#[test]
fn a_corrupt_memo_is_ignored_and_replaced() {
    let output = Test::new()
        .tasks_toml(&large("[tasks.hello]\nrun = \"echo hi\"\n"))
        .args(["hello"])
        .success();
    let memo = memo_files(&output).pop().expect("a memo was written");
    let bytes = fs::read(&memo).unwrap();
    fs::write(&memo, &bytes[..bytes.len() / 2]).unwrap();
    let output = output
        .rerun()
        .args(["hello"])
        .expect_stdout("hi\n")
        .success();
    assert_eq!(
        fs::read(&memo).unwrap(),
        bytes,
        "the torn memo was rewritten"
    );
    output
        .rerun()
        .args(["hello"])
        .expect_stdout("hi\n")
        .success();
}

#[test]
fn errors_found_after_parsing_point_into_the_file_with_or_without_the_memo() {
    let output = Test::new()
        .tasks_toml(&large(
            "[tasks.hello]\ndepends = [\"helo\"]\nrun = \"echo hi\"\n",
        ))
        .args(["hello"])
        .status(2);
    let first = output.stderr_redacted();
    assert!(first.contains("tasks.toml:2:"), "located: {first}");
    assert_eq!(memo_files(&output).len(), 1, "the valid file was memoised");
    let again = output.rerun().args(["hello"]).status(2);
    assert_eq!(again.stderr_redacted(), first);
}

#[test]
fn the_memo_can_be_turned_off() {
    let output = Test::new()
        .tasks_toml(&large("[tasks.hello]\nrun = \"echo hi\"\n"))
        .env("RASK_CONFIG_MEMO", "off")
        .args(["hello"])
        .expect_stdout("hi\n")
        .success();
    assert!(memo_files(&output).is_empty());
}

#[test]
fn a_file_with_a_directory_include_is_not_memoised() {
    let output = Test::new()
        .tasks_toml(&large("[includes]\nscripts = { dir = \"tasks\" }\n"))
        .write_executable("tasks/one", "#!/bin/sh\necho one\n")
        .args(["scripts:one"])
        .expect_stdout("one\n")
        .success();
    assert!(
        memo_files(&output).is_empty(),
        "a listing cannot be checked"
    );
    output
        .rerun()
        .write_executable("tasks/two", "#!/bin/sh\necho two\n")
        .args(["scripts:two"])
        .expect_stdout("two\n")
        .success();
}
