//! The content-hash cache (docs/cache.md): keys from commands, env, sources and dependency
//! outputs; skipping, restoring outputs and replaying logs; `--explain`; safety of the store.
//!
//! Every task appends to `count` (outside its outputs), so the file proves whether a command
//! ran: a restored or skipped task leaves it alone.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::common::{Output, RASK, Test, WAIT, poll};

const BUILD: &str = r#"
    [tasks.build]
    sources = ["src/*.txt"]
    outputs = ["out/app", "out/assets"]
    run = "echo build >> count; mkdir -p out/assets; cat src/*.txt > out/app; chmod 755 out/app; echo icon > out/assets/icon; ln -sf icon out/assets/link; echo built"
"#;

/// The entries of one area of the store (`ac` or `cas`) under the default cache dir.
fn entries(root: &Path, area: &str) -> Vec<std::path::PathBuf> {
    let mut found = Vec::new();
    for prefix in fs::read_dir(root.join(".rask/cache").join(area)).expect("area exists") {
        for entry in fs::read_dir(prefix.expect("entry").path()).expect("prefix dir") {
            found.push(entry.expect("entry").path());
        }
    }
    found
}

/// A project with [`BUILD`] and one source (`a\n`), built once: the cache holds its result.
#[track_caller]
fn built_once() -> Output {
    Test::new()
        .tasks_toml(BUILD)
        .write("src/a.txt", "a\n")
        .args(["build"])
        .expect_file("count", "build\n")
        .expect_file("out/app", "a\n")
        .success()
}

#[test]
fn first_run_runs_and_the_second_skips() {
    built_once()
        .rerun()
        .args(["build"])
        .expect_stderr_contains("rask: task `build` is up to date")
        .expect_file("count", "build\n")
        .success();
}

#[test]
fn editing_a_source_reruns_it_and_its_dependents_only() {
    let toml = r#"
        [tasks.gen]
        sources = ["in.txt"]
        outputs = ["gen.txt"]
        run = "echo gen >> count; cp in.txt gen.txt"
        [tasks.build]
        depends = ["gen"]
        sources = ["gen.txt"]
        outputs = ["app"]
        run = "echo build >> count; cp gen.txt app"
        [tasks.docs]
        sources = ["docs.txt"]
        outputs = ["site"]
        run = "echo docs >> count; cp docs.txt site"
        [tasks.all]
        depends = ["build", "docs"]
    "#;
    let first = Test::new()
        .tasks_toml(toml)
        .write("in.txt", "1")
        .write("docs.txt", "d")
        .args(["all", "-j1"])
        .success();
    let second = first
        .rerun()
        .write("in.txt", "2")
        .args(["all", "-j1"])
        .expect_stderr_contains("rask: task `docs` is up to date")
        .expect_file("app", "2")
        .success();
    let mut ran = second.log_lines("count");
    ran.sort();
    assert_eq!(ran, ["build", "build", "docs", "gen", "gen"]);
}

#[test]
fn touch_without_a_change_does_not_rerun() {
    let first = built_once();
    first
        .rerun()
        // A different mtime (and, rewritten, a different inode) with the same bytes.
        .write("src/a.txt", "a\n")
        .age("src/a.txt", Duration::from_secs(7200))
        .args(["build"])
        .expect_stderr_contains("is up to date")
        .expect_file("count", "build\n")
        .success();
}

fn git(dir: &Path, args: &[&str]) {
    let status = Command::new("git")
        .args([
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@t",
            "-c",
            "commit.gpgsign=false",
        ])
        .args(args)
        .current_dir(dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("git runs");
    assert!(status.success(), "git {args:?}");
}

#[test]
fn git_checkout_of_an_older_identical_file_restores_instead_of_running() {
    let first = built_once();
    let root = first.path("");
    git(&root, &["init", "-q"]);
    git(&root, &["add", "tasks.toml", "src"]);
    git(&root, &["commit", "-qm", "v1"]);
    let second = first
        .rerun()
        .write("src/a.txt", "b\n")
        .args(["build"])
        .expect_file("count", "build\nbuild\n")
        .expect_file("out/app", "b\n")
        .success();
    git(&root, &["checkout", "--", "src/a.txt"]);
    second
        .rerun()
        .args(["build"])
        .expect_stderr_contains("rask: `build`: restored from cache")
        .expect_file("count", "build\nbuild\n")
        .expect_file("out/app", "a\n")
        .success();
}

#[test]
fn a_deleted_output_is_restored_without_running() {
    let first = built_once();
    fs::remove_dir_all(first.path("out")).expect("remove outputs");
    let restored = first
        .rerun()
        // A stray file in place of the output directory must not survive the restore.
        .write("out/assets/stray", "not the task's")
        .args(["build"])
        .expect_stderr_contains("rask: `build`: restored from cache")
        .expect_stdout_contains("built")
        .expect_file("count", "build\n")
        .expect_file("out/app", "a\n")
        .expect_file("out/assets/icon", "icon\n")
        .expect_no_file("out/assets/stray")
        .success();
    let mode = fs::metadata(restored.path("out/app"))
        .expect("app")
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o755, "modes are kept");
    let link = fs::read_link(restored.path("out/assets/link")).expect("a symlink stays a link");
    assert_eq!(link, Path::new("icon"));
}

#[test]
fn an_output_edited_by_hand_is_put_back() {
    let first = built_once();
    first
        .rerun()
        .write("out/app", "tampered")
        .args(["build", "--explain"])
        .expect_stderr_contains(
            "rask: `build` restored: inputs unchanged, output `out/app` differs",
        )
        .expect_file("out/app", "a\n")
        .expect_file("count", "build\n")
        .success();
}

#[test]
fn changing_env_a_parameter_or_an_env_input_reruns() {
    let toml = |value: &str| {
        format!(
            r#"
            [env]
            LEVEL = "{value}"
            [tasks.build]
            sources = ["src.txt"]
            env_inputs = ["CC"]
            params = [{{ name = "mode", default = "debug" }}]
            run = "echo $LEVEL-$CC-{{{{mode}}}} >> count"
            "#
        )
    };
    // `rask build` with LEVEL (in tasks.toml) and CC (in rask's environment) set so.
    let build = |project: Test, level: &str, cc: &str| {
        project
            .tasks_toml(&toml(level))
            .env("CC", cc)
            .args(["build"])
    };
    let run = build(Test::new().write("src.txt", "s"), "1", "gcc").success();
    let run = build(run.rerun(), "1", "gcc").success();
    let run = build(run.rerun(), "2", "gcc").success();
    let run = build(run.rerun(), "2", "clang")
        .args(["--explain"])
        .expect_stderr_contains("rask: `build` runs: env `CC` changed")
        .success();
    build(run.rerun(), "2", "clang")
        .args(["--mode", "release", "--explain"])
        .expect_stderr_contains("rask: `build` runs: command changed")
        .expect_file(
            "count",
            "1-gcc-debug\n2-gcc-debug\n2-clang-debug\n2-clang-release\n",
        )
        .success();
}

#[test]
fn a_dependency_rebuilt_to_identical_bytes_does_not_rerun_its_dependents() {
    let toml = r#"
        [tasks.gen]
        sources = ["in.txt"]
        outputs = ["lines.txt"]
        run = "echo gen >> count; wc -l < in.txt > lines.txt"
        [tasks.build]
        depends = ["gen"]
        sources = ["main.txt"]
        outputs = ["app"]
        run = "echo build >> count; cat main.txt lines.txt > app"
    "#;
    let first = Test::new()
        .tasks_toml(toml)
        .write("in.txt", "one\ntwo\n")
        .write("main.txt", "m\n")
        .args(["build"])
        .success();
    let second = first
        .rerun()
        // Different bytes, the same line count: `gen` reruns and writes what it wrote before.
        .write("in.txt", "uno\ndos\n")
        .args(["build"])
        .expect_file("count", "gen\nbuild\ngen\n")
        .success();
    second
        .rerun()
        .write("in.txt", "1\n2\n3\n")
        .args(["build", "--explain"])
        .expect_stderr_contains("rask: `build` runs: dependency `gen` produced different output")
        .expect_file("count", "gen\nbuild\ngen\ngen\nbuild\n")
        .success();
}

#[test]
fn force_runs_anyway_and_no_cache_neither_reads_nor_writes() {
    let first = Test::new()
        .tasks_toml(BUILD)
        .write("src/a.txt", "a\n")
        .args(["build", "--no-cache"])
        .expect_file("count", "build\n")
        .success();
    assert!(!first.path(".rask").exists(), "--no-cache wrote a cache");
    let second = first
        .rerun()
        .args(["build"])
        .expect_file("count", "build\nbuild\n")
        .success();
    let third = second
        .rerun()
        .args(["build", "--no-cache"])
        .expect_file("count", "build\nbuild\nbuild\n")
        .success();
    third
        .rerun()
        .args(["build", "-B", "--explain"])
        .expect_stderr_contains("rask: `build` runs: forced (-B)")
        .expect_file("count", "build\nbuild\nbuild\nbuild\n")
        .success();
}

#[test]
fn cache_maintenance_is_flags_so_a_task_named_cache_still_runs() {
    let first = Test::new()
        .tasks_toml(&format!(
            "{BUILD}\n[tasks.cache]\nrun = \"echo cache-task >> count\"\n"
        ))
        .write("src/a.txt", "a\n")
        .args(["build"])
        .success();
    let second = first
        .rerun()
        .args(["cache"])
        .expect_file("count", "build\ncache-task\n")
        .success();
    let info = second
        .rerun()
        .args(["--cache-info"])
        .expect_stdout_contains(".rask/cache")
        .expect_stdout_contains("entries: ")
        .success();
    let cleared = info
        .rerun()
        .args(["--cache-clear"])
        .expect_stdout_contains("cleared the cache")
        .success();
    fs::remove_dir_all(cleared.path("out")).expect("remove outputs");
    cleared
        .rerun()
        .args(["build"])
        .expect_file("count", "build\ncache-task\nbuild\n")
        .success();
}

#[test]
fn a_truncated_action_result_is_reported_and_ignored() {
    let first = built_once();
    for entry in entries(&first.path(""), "ac") {
        let bytes = fs::read(&entry).expect("read entry");
        fs::write(&entry, &bytes[..bytes.len() / 2]).expect("truncate entry");
    }
    fs::remove_file(first.path("out/app")).expect("remove output");
    first
        .rerun()
        .args(["build"])
        .expect_stderr_contains("is corrupt (checksum mismatch); ignoring it")
        .expect_file("count", "build\nbuild\n")
        .expect_file("out/app", "a\n")
        .success();
}

#[test]
fn a_bit_flipped_blob_is_reported_and_never_restored() {
    let first = built_once();
    // The blob holding `out/app`'s bytes, "a\n": flip one bit of it.
    let blob = entries(&first.path(""), "cas")
        .into_iter()
        .find(|path| fs::read(path).is_ok_and(|bytes| bytes == b"a\n"))
        .expect("the output's blob is stored");
    fs::write(&blob, b"c\n").expect("flip a bit");
    fs::remove_file(first.path("out/app")).expect("remove output");
    first
        .rerun()
        .args(["build"])
        .expect_stderr_contains("contents do not match their digest")
        .expect_stderr_contains("running it")
        .expect_file("count", "build\nbuild\n")
        .expect_file("out/app", "a\n")
        .success();
}

#[test]
fn two_concurrent_rasks_do_not_corrupt_the_cache() {
    let mut toml = String::new();
    for index in 0..6 {
        toml.push_str(&format!(
            "[tasks.t{index}]\nsources = [\"in{index}.txt\"]\noutputs = [\"out{index}\"]\nrun = \"echo t{index} >> count{index}; cat in{index}.txt > out{index}\"\n"
        ));
    }
    toml.push_str("[tasks.all]\ndepends = [\"t0\", \"t1\", \"t2\", \"t3\", \"t4\", \"t5\"]\n");
    let mut test = Test::new().tasks_toml(&toml);
    for index in 0..6 {
        test = test.write(format!("in{index}.txt"), &format!("{index}\n"));
    }
    let root = test.path("");
    // Both may run the same task at once; its command must tolerate that (`cp` would not:
    // it can fail with EEXIST when another process creates the file under it).
    let one = test.spawn_beside(&["all", "-j3"], &[]);
    let two = test.spawn_beside(&["all", "-j3"], &[]);
    for rask in [one, two] {
        let exit = rask.exit();
        assert_eq!(exit.code, Some(0), "{}", exit.stderr);
        assert!(!exit.stderr.contains("corrupt"), "{}", exit.stderr);
    }
    for index in 0..6 {
        fs::remove_file(root.join(format!("out{index}"))).expect("remove output");
    }
    test.args(["all"])
        .expect_stderr_not_contains("corrupt")
        .expect_stderr_contains("rask: `t5`: restored from cache")
        .expect_file("out3", "3\n")
        .success();
}

#[test]
fn explain_names_the_changed_file_in_text_and_json() {
    let first = Test::new()
        .tasks_toml(BUILD)
        .write("src/a.txt", "a\n")
        .write("src/b.txt", "b\n")
        .args(["build", "--explain"])
        .expect_stderr_contains("rask: `build` runs: never run")
        .success();
    let second = first
        .rerun()
        .write("src/b.txt", "B\n")
        .args(["-n", "build", "--explain", "--json"])
        .expect_stdout_contains(r#""code":"source_changed""#)
        .expect_stdout_contains(r#""subject":"src/b.txt""#)
        .expect_stderr_contains("rask: `build` runs: `src/b.txt` changed")
        .expect_file("count", "build\n")
        .success();
    second
        .rerun()
        .args(["build", "--explain"])
        .expect_stderr_contains("rask: `build` runs: `src/b.txt` changed")
        .expect_file("count", "build\nbuild\n")
        .success();
}

#[test]
fn changing_a_var_reruns() {
    let toml = r#"
        [vars]
        version = "1.0"
        [tasks.release]
        sources = ["src.txt"]
        outputs = ["dist"]
        run = "echo {{version}} >> count; echo {{version}} > dist"
    "#;
    let first = Test::new()
        .tasks_toml(toml)
        .write("src.txt", "s")
        .args(["release"])
        .success();
    let second = first
        .rerun()
        .args(["release"])
        .expect_file("count", "1.0\n")
        .success();
    second
        .rerun()
        .args(["version=2.0", "release", "--explain"])
        .expect_stderr_contains("rask: `release` runs: command changed")
        .expect_file("count", "1.0\n2.0\n")
        .success();
}

#[test]
fn a_dependency_without_outputs_reruns_its_dependents_when_it_reruns() {
    let toml = r#"
        [tasks.build]
        sources = ["src.txt"]
        run = "echo build >> count"
        [tasks.test]
        depends = ["build"]
        sources = ["test.txt"]
        run = "echo test >> count"
    "#;
    let first = Test::new()
        .tasks_toml(toml)
        .write("src.txt", "1")
        .write("test.txt", "t")
        .args(["test", "-j1"])
        .success();
    let second = first
        .rerun()
        .args(["test", "-j1"])
        .expect_file("count", "build\ntest\n")
        .success();
    // Nothing to compare of `build`'s results: that it had to run is what `test` sees.
    second
        .rerun()
        .write("src.txt", "2")
        .args(["test", "-j1", "--explain"])
        .expect_stderr_contains("rask: `test` runs: dependency `build` produced different output")
        .expect_file("count", "build\ntest\nbuild\ntest\n")
        .success();
}

#[test]
fn issue_8_a_dry_run_marks_what_a_run_would_skip_or_restore() {
    let toml = r#"
        [tasks.gen]
        sources = ["in.txt"]
        outputs = ["gen.txt"]
        run = "echo gen >> count; cp in.txt gen.txt"
        [tasks.stamp]
        depends = ["gen"]
        method = "timestamp"
        sources = ["in.txt"]
        outputs = ["stamp.txt"]
        run = "echo stamp >> count; cp in.txt stamp.txt"
        [tasks.all]
        depends = ["stamp"]
        run = "echo all >> count"
    "#;
    let first = Test::new()
        .tasks_toml(toml)
        .write("in.txt", "in\n")
        .args(["all"])
        .expect_file("count", "gen\nstamp\nall\n")
        .success();
    let second = first
        .rerun()
        .args(["-n", "all"])
        .expect_stdout(
            "# gen: up to date, not run (skipped: inputs unchanged)\n\
             # echo gen >> count; cp in.txt gen.txt\n\
             # stamp: up to date, not run (skipped: outputs newer than sources (timestamp))\n\
             # echo stamp >> count; cp in.txt stamp.txt\n\
             echo all >> count\n",
        )
        .expect_file("count", "gen\nstamp\nall\n")
        .success();
    fs::remove_file(second.path("gen.txt")).expect("remove the output");
    second
        .rerun()
        .args(["-n", "all"])
        .expect_stdout_contains(
            "# gen: would restore from cache, not run (restored: inputs unchanged, output `gen.txt` missing)\n\
             # echo gen >> count; cp in.txt gen.txt\n",
        )
        .expect_no_file("gen.txt")
        .expect_file("count", "gen\nstamp\nall\n")
        .success();
}

#[test]
fn a_nested_rask_with_cached_tasks_does_not_wait_for_its_parents_lock() {
    // The outer run holds the project's lock while its task runs `rask inner`, which has
    // sources too: waiting for the lock there would wait for itself (the timeout says so).
    Test::new()
        .tasks_toml(&format!(
            r#"
            [tasks.inner]
            sources = ["in.txt"]
            outputs = ["inner.out"]
            run = "cat in.txt > inner.out"
            [tasks.outer]
            sources = ["in.txt"]
            outputs = ["outer.out"]
            run = "'{RASK}' inner && cat inner.out > outer.out"
            "#
        ))
        .write("in.txt", "x\n")
        .args(["outer", "--timeout", "20s"])
        .expect_file("outer.out", "x\n")
        .expect_stderr_not_contains("waited")
        .success();
}

/// Two rasks on one project never run its cached tasks at once (src/cache/project_lock.rs).
/// rask A's `gen` blocks on a FIFO the test holds; rask B, started then, must say it waits and
/// must not start `gen` (its event stream does not even begin) until the test lets A finish.
/// B then finds what A recorded: `gen` is up to date, and the cache restores A's output. With
/// the lock stubbed out, B starts `gen` at once and the test fails on `starts`.
#[test]
fn a_second_rask_waits_for_the_first_before_running_cached_tasks() {
    let test = Test::new()
        .tasks_toml(
            r#"
            [tasks.gen]
            sources = ["in.txt"]
            outputs = ["out.txt"]
            run = "echo $WHO >> starts; read line < gate; cat in.txt > out.txt"
            "#,
        )
        .write("in.txt", "in\n");
    let made = Command::new("mkfifo")
        .arg(test.path("gate"))
        .status()
        .expect("mkfifo runs");
    assert!(made.success(), "mkfifo failed");
    let first = test.spawn_beside(&["gen"], &[("WHO", "A")]);
    let starts = test.path("starts");
    let read_starts = || fs::read_to_string(&starts).unwrap_or_default();
    assert!(poll(WAIT, || read_starts() == "A\n"), "A never started gen");
    let second = test
        .env("WHO", "B")
        .args(["--report", "json=b.jsonl", "gen"])
        .expect_file("starts", "A\n")
        .expect_file("out.txt", "in\n")
        .expect_stderr_contains("rask: task `gen` is up to date")
        .spawn();
    const WAITING: &str = "rask: waiting for another rask running this project's cached tasks";
    // Whichever comes first: B says it waits, or B (wrongly) starts `gen` beside A.
    poll(WAIT, || {
        second.stderr_so_far().contains(WAITING) || read_starts() != "A\n"
    });
    assert_eq!(read_starts(), "A\n", "B started gen while A held the lock");
    second.wait_for_stderr(WAITING, 1);
    assert!(
        !second.path("b.jsonl").exists(),
        "B's run began while it waited for the lock"
    );
    fs::write(second.path("gate"), "go\n").expect("A reads the gate");
    assert_eq!(first.exit_code(), Some(0), "A failed");
    let output = second.status(0);
    let events = output.read("b.jsonl");
    assert!(!events.contains("\"task_started\""), "B ran gen:\n{events}");
    assert!(
        events.contains("\"kind\":\"up_to_date\""),
        "B did not find what A recorded:\n{events}"
    );
    fs::remove_file(output.path("out.txt")).expect("remove the output");
    output
        .rerun()
        .args(["gen"])
        .expect_stderr_contains("rask: `gen`: restored from cache")
        .expect_file("out.txt", "in\n")
        .expect_file("starts", "A\n")
        .success();
}
