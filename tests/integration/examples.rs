//! Every project in `examples/` runs as its README says, on a fresh copy.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use crate::common::Test;

/// A test project holding a copy of `examples/NAME` (flat: examples have no subdirectories),
/// executable bits included.
fn example(name: &str) -> Test {
    let source = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples")
        .join(name);
    let mut test = Test::new();
    let mut executables = Vec::new();
    for entry in fs::read_dir(&source).expect("the example exists") {
        let path = entry.expect("readable directory").path();
        // Only regular files: a FIFO left by an interrupted run would block the read forever.
        if !path.is_file() {
            continue;
        }
        let file_name = path.file_name().expect("a file name").to_owned();
        let text = fs::read_to_string(&path).expect("example files are text");
        test = test.write(&file_name, &text);
        let mode = fs::metadata(&path).expect("stat").permissions().mode();
        if mode & 0o111 != 0 {
            executables.push(file_name);
        }
    }
    for file_name in executables {
        fs::set_permissions(test.path(&file_name), fs::Permissions::from_mode(0o755))
            .expect("the copy is writable");
    }
    test
}

#[test]
fn sleepers_all_wake_and_print_the_time() {
    let output = example("sleepers").args(["all"]).success();
    let mut sleepers: Vec<String> = output
        .stdout_lines()
        .iter()
        .map(|line| {
            let rest = line
                .split_once("sleeper ")
                .map(|(_, rest)| rest)
                .unwrap_or_else(|| panic!("not a sleeper's line: {line}"));
            assert!(rest.contains(" woke after "), "{line}");
            assert!(rest.contains(" at "), "{line}");
            rest[..1].to_owned()
        })
        .collect();
    sleepers.sort();
    assert_eq!(sleepers, ["1", "2", "3"]);
}

#[test]
fn washer_and_dryer_meet_through_a_fifo_that_is_cleaned_up() {
    example("washer-dryer")
        .args(["laundry"])
        .expect_stdout("[dryer] dried load 1\n[dryer] dried load 2\n[dryer] dried load 3\n")
        .expect_stderr_contains("[washer] washed load 3")
        .expect_no_file("laundry.fifo")
        .success();
}

/// The `tasks.toml` translations in docs/migrating.md: every one must be a valid file. (mise's
/// own file is fenced as ```` ```toml mise.toml ````, so neither this nor the schema test takes
/// it for a rask file.)
#[test]
fn every_translation_in_the_migration_guide_is_valid() {
    let guide = fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/migrating.md"))
        .expect("docs/migrating.md exists");
    let blocks: Vec<&str> = guide
        .split("```toml\n")
        .skip(1)
        .filter_map(|rest| rest.split_once("```").map(|(block, _)| block))
        .collect();
    assert_eq!(blocks.len(), 4, "one translation per tool");
    for block in blocks {
        let output = Test::new()
            .tasks_toml(block)
            .write(".env", "")
            .args(["--list"])
            .success();
        assert!(!output.stdout_text().is_empty(), "{block}");
    }
}
