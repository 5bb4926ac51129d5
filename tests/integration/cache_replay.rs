//! What a cached task shows and what its check costs the rest of the run: logs of any size
//! stored and replayed (docs/cache.md), replay in the run's output mode, escape bytes kept on
//! a terminal, a task with `sources` and no `outputs` (#11 item 9), and a slow check that
//! never stalls another task's output (#9 "off the poll loop").

use std::fs;
use std::path::Path;
use std::time::Duration;

use crate::common::{RASK, Test, poll};

/// A build whose log is `LOG_BYTES` of lines on stdout and one line on stderr.
const BIG_LOG: &str = r#"
    [tasks.build]
    sources = ["src.txt"]
    outputs = ["out"]
    run = "echo run >> count; yes 0123456789abcdef | head -c 25165824; echo warn >&2; echo built > out"
"#;

/// 24 MiB: over the 16 MiB that used to be the limit of a cached log.
const LOG_BYTES: usize = 24 * 1024 * 1024;

/// Runs rask in `dir` with stdout to `stdout_file`; its exit code and peak resident set in
/// KiB. The peak comes from GNU time, which forks rask from a small process: a child
/// spawned from this test process (vfork) would inherit the test's own peak. `None` where
/// `/usr/bin/time` is missing.
fn run_measured(dir: &Path, args: &[&str], stdout_file: &Path) -> (i32, Option<i64>) {
    let rss_file = dir.join(".rss");
    let time = Path::new("/usr/bin/time");
    let mut command = if time.exists() {
        let mut command = std::process::Command::new(time);
        command
            .arg("-f")
            .arg("%M")
            .arg("-o")
            .arg(&rss_file)
            .arg(RASK);
        command
    } else {
        std::process::Command::new(RASK)
    };
    command
        .args(args)
        .current_dir(dir)
        .stdin(std::process::Stdio::null())
        .stdout(fs::File::create(stdout_file).expect("stdout file"))
        .stderr(std::process::Stdio::null());
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("RASK_") {
            command.env_remove(&key);
        }
    }
    let status = command.status().expect("rask starts");
    let rss = fs::read_to_string(&rss_file)
        .ok()
        .and_then(|text| text.trim().parse().ok());
    let _ = fs::remove_file(&rss_file);
    (status.code().unwrap_or(-1), rss)
}

#[test]
fn a_log_over_16_mib_is_cached_streamed_and_replayed_whole() {
    let test = Test::new().tasks_toml(BIG_LOG).write("src.txt", "s");
    let dir = test.path("");
    let (live_log, replay_log) = (dir.join("live.log"), dir.join("replay.log"));
    let (code, live_rss) = run_measured(&dir, &["build", "--output", "inherit"], &live_log);
    assert_eq!(code, 0);
    let live = fs::read(&live_log).expect("live log");
    // The last line had no newline: one is added, live and replayed alike.
    assert_eq!(live.len(), LOG_BYTES + 1);
    fs::remove_file(dir.join("out")).expect("remove the output");
    let (code, replay_rss) = run_measured(&dir, &["build", "--output", "inherit"], &replay_log);
    assert_eq!(code, 0);
    assert_eq!(
        fs::read_to_string(dir.join("count")).expect("count"),
        "run\n"
    );
    assert_eq!(
        fs::read_to_string(dir.join("out")).expect("restored"),
        "built\n"
    );
    assert!(
        fs::read(&replay_log).expect("replay log") == live,
        "replayed byte for byte"
    );
    // Neither recording nor replaying holds the log in memory.
    for (what, rss) in [("recording", live_rss), ("replaying", replay_rss)] {
        let rss = rss.unwrap_or_default();
        assert!(rss < (LOG_BYTES / 1024) as i64, "{what} used {rss} KiB");
    }
}

/// A task printing two stdout lines and one stderr line; `count` shows whether it ran.
const TWO_LINES: &str = r#"
    [tasks.build]
    sources = ["src.txt"]
    outputs = ["out"]
    run = "echo run >> count; echo one; echo two; echo oops >&2; echo built > out"
"#;

#[test]
fn a_replay_shows_the_log_as_a_live_task_in_the_same_output_mode() {
    let mut test = Test::new()
        .tasks_toml(TWO_LINES)
        .write("src.txt", "s")
        .args(["build"])
        .success()
        .rerun();
    for mode in ["inherit", "prefixed", "grouped"] {
        // Live: forced, so it runs in this mode (and records again, to the same entry).
        let live = test.args(["build", "-B", "--output", mode]).success();
        fs::remove_file(live.path("out")).expect("remove the output");
        let replayed = live
            .rerun()
            .args(["build", "--output", mode])
            .expect_stderr_contains("restored from cache")
            .success();
        let expected: &[u8] = match mode {
            "prefixed" => b"[build] one\n[build] two\n",
            _ => b"one\ntwo\n",
        };
        assert_eq!(
            String::from_utf8_lossy(&replayed.stdout),
            String::from_utf8_lossy(expected),
            "{mode}: the replay's stdout"
        );
        let stderr_line = if mode == "prefixed" {
            "[build] oops"
        } else {
            "oops"
        };
        assert!(
            replayed.stderr.lines().any(|line| line == stderr_line),
            "{mode}: the replay's stderr:\n{}",
            replayed.stderr
        );
        if mode == "grouped" {
            // A replayed block is headed by the task's tag, as a quiet live block is.
            let lines: Vec<&str> = replayed.stderr.lines().collect();
            let oops = lines.iter().position(|line| *line == "oops").expect("oops");
            assert!(lines[..oops].contains(&"[build]"), "{}", replayed.stderr);
        }
        test = replayed.rerun();
    }
    assert_eq!(
        fs::read_to_string(test.path("count")).expect("count"),
        "run\nrun\nrun\nrun\n",
        "only the first and the forced runs ran the command"
    );
}

#[test]
fn a_replay_on_a_terminal_keeps_colour_escapes_byte_for_byte() {
    let first = Test::new()
        .tasks_toml(
            r#"
            [tasks.paint]
            sources = ["src.txt"]
            outputs = ["out"]
            run = "echo run >> count; printf '\\033[31mred\\033[0m plain\\n'; echo done > out"
        "#,
        )
        .write("src.txt", "s")
        .args(["paint"])
        .expect_stdout("\x1b[31mred\x1b[0m plain\n")
        .success();
    fs::remove_file(first.path("out")).expect("remove the output");
    // `script` gives rask a terminal for stdout and stderr, and copies what it wrote.
    let command = format!("'{}' paint", env!("CARGO_BIN_EXE_rask"));
    let terminal = std::process::Command::new("script")
        .args(["-qec", &command, "/dev/null"])
        .current_dir(first.path("."))
        .env_remove("NO_COLOR")
        .env("TERM", "xterm-256color")
        .stdin(std::process::Stdio::null())
        .output()
        .expect("script runs");
    assert!(terminal.status.success(), "{terminal:?}");
    let shown = String::from_utf8_lossy(&terminal.stdout);
    assert!(
        shown.contains("\x1b[31mred\x1b[0m plain"),
        "the escapes reach the terminal untouched: {shown:?}"
    );
    assert!(shown.contains("restored from cache"), "{shown:?}");
    assert_eq!(
        fs::read_to_string(first.path("count")).expect("count"),
        "run\n"
    );
}

#[test]
fn issue_11_item_9_sources_without_outputs_skip_while_the_key_is_unchanged() {
    let toml = r#"
        [tasks.test]
        sources = ["src/*.txt"]
        run = "echo test >> count; echo all tests passed"
    "#;
    let first = Test::new()
        .tasks_toml(toml)
        .write("src/a.txt", "a")
        .args(["test"])
        .success();
    let skipped = first
        .rerun()
        .args(["test", "--explain"])
        .expect_stderr_contains("rask: `test`: cached: log only")
        .expect_stdout_contains("all tests passed")
        .expect_file("count", "test\n")
        .success();
    let edited = skipped
        .rerun()
        .write("src/a.txt", "b")
        .args(["test", "--explain"])
        .expect_stderr_contains("`src/a.txt` changed")
        .expect_file("count", "test\ntest\n")
        .success();
    // Back to the first contents: that key is cached, so nothing runs.
    edited
        .rerun()
        .write("src/a.txt", "a")
        .args(["test"])
        .expect_stderr_contains("cached: log only")
        .expect_file("count", "test\ntest\n")
        .success();
}

/// Where rask keeps the stat index of the project at `root` (default cache dir): named by
/// the SHA-256 of the project's path.
fn index_file(root: &Path) -> std::path::PathBuf {
    use sha2::Digest as _;
    let root = fs::canonicalize(root).expect("the project exists");
    let hash = sha2::Sha256::digest(root.to_string_lossy().as_bytes());
    let name: String = hash.iter().map(|byte| format!("{byte:02x}")).collect();
    root.join(".rask/cache/index").join(name)
}

#[test]
fn a_slow_cache_check_never_stalls_another_tasks_output() {
    let test = Test::new()
        .tasks_toml(
            r#"
            [tasks.all]
            depends = ["slow", "talk"]

            [tasks.slow]
            sources = ["src.txt"]
            outputs = ["out"]
            run = "echo slow >> log; echo done > out"

            [tasks.talk]
            run = "echo talk >> log; echo talking >&2"
        "#,
        )
        .write("src.txt", "s");
    // The check of `slow` blocks reading its stat index, a FIFO, until this test opens the
    // other end: a check that takes as long as the test wants, with no timing involved.
    let index = index_file(&test.path(""));
    fs::create_dir_all(index.parent().expect("has a parent")).expect("index dir");
    let made = std::process::Command::new("mkfifo")
        .arg(&index)
        .status()
        .expect("mkfifo runs");
    assert!(made.success());
    let running = test
        .args(["all", "-j", "2", "--output", "prefixed"])
        .spawn();
    // `talk` runs and its output streams while `slow` is still being checked.
    running.wait_for_stderr("[talk] talking", 1);
    assert_eq!(
        fs::read_to_string(running.path("log")).expect("talk ran"),
        "talk\n",
        "`slow` is still being checked"
    );
    // Release the check: open the FIFO's write end (rask has its read end open) and close it.
    let released = poll(Duration::from_secs(10), || {
        use std::os::unix::fs::OpenOptionsExt;
        fs::OpenOptions::new()
            .write(true)
            .custom_flags(libc::O_NONBLOCK)
            .open(&index)
            .is_ok()
    });
    assert!(released, "rask never opened its index");
    let done = running.status(0);
    // An empty index is no index: `slow` was hashed, found never run, and ran last.
    assert_eq!(done.read("log"), "talk\nslow\n");
    assert_eq!(done.read("out"), "done\n");
}
