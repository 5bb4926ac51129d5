//! Concurrency: `-j`, `settings.jobs`, parallel independent deps, fail-fast and `--keep-going`.
//!
//! Concurrency is proven, not timed: two tasks that each wait for the other's marker can only
//! both succeed when they run at the same time.

use std::fs;

use crate::common::{Test, assert_dead, run_on_a_terminal, sh_wait_for};

/// Tasks `a` and `b` that meet: each touches its marker and waits for the other's. Their timeout
/// ends a run that serialises them: short where that is the expected outcome, generous where it
/// only bounds a failure.
fn meeting_tasks(extra: &str, timeout: &str) -> String {
    format!(
        r#"
        {extra}
        [tasks.a]
        run = '''touch a.ready; {wait_b}; echo a >> log'''
        timeout = "{timeout}"
        [tasks.b]
        run = '''touch b.ready; {wait_a}; echo b >> log'''
        timeout = "{timeout}"
        "#,
        wait_a = sh_wait_for("a.ready"),
        wait_b = sh_wait_for("b.ready"),
    )
}

#[test]
fn two_tasks_run_concurrently_with_jobs_2() {
    let output = Test::new()
        .tasks_toml(&meeting_tasks("", "10s"))
        .args(["a", "b", "-j", "2"])
        .success();
    let mut lines = output.log_lines("log");
    lines.sort();
    assert_eq!(lines, ["a", "b"]);
}

#[test]
fn jobs_1_runs_one_at_a_time() {
    // The first task waits in vain for the second and hits its timeout; fail-fast ends the run.
    Test::new()
        .tasks_toml(&meeting_tasks("", "1s"))
        .args(["a", "b", "-j", "1"])
        .expect_stderr_contains("timed out")
        .expect_no_file("log")
        .status(124);
}

#[test]
fn settings_jobs_allows_concurrency() {
    Test::new()
        .tasks_toml(&meeting_tasks("[settings]\njobs = 2", "10s"))
        .args(["a", "b"])
        .expect_file("a.ready", "")
        .expect_file("b.ready", "")
        .success();
}

#[test]
fn settings_jobs_1_serialises() {
    Test::new()
        .tasks_toml(&meeting_tasks("[settings]\njobs = 1", "1s"))
        .args(["a", "b"])
        .expect_stderr_contains("timed out")
        .status(124);
}

#[test]
fn jobs_flag_overrides_settings_jobs() {
    Test::new()
        .tasks_toml(&meeting_tasks("[settings]\njobs = 1", "10s"))
        .args(["a", "b", "--jobs", "2"])
        .expect_file("a.ready", "")
        .expect_file("b.ready", "")
        .success();
}

#[test]
fn independent_dependencies_run_in_parallel() {
    Test::new()
        .tasks_toml(&format!(
            "{}\n[tasks.top]\ndepends = [\"a\", \"b\"]\nrun = \"echo top >> top.log\"\n",
            meeting_tasks("", "10s")
        ))
        .args(["top", "-j", "2"])
        .expect_file("a.ready", "")
        .expect_file("b.ready", "")
        .expect_file("top.log", "top\n")
        .success();
}

#[test]
fn fail_fast_terminates_running_siblings() {
    let output = Test::new()
        .tasks_toml(&format!(
            r#"
            [tasks.fails]
            run = '''{wait}; exit 5'''
            [tasks.sleeper]
            run = '''echo $$ > pid.tmp; mv pid.tmp pid; sleep 30; touch sleeper-finished'''
            "#,
            wait = sh_wait_for("pid"),
        ))
        .args(["fails", "sleeper", "-j", "2"])
        .expect_stderr_contains("error: task `fails` failed with exit code 5")
        .expect_no_file("sleeper-finished")
        .status(5);
    assert_dead(output.read_pid("pid"), "the sibling's shell");
}

#[test]
fn fail_fast_starts_no_new_tasks() {
    Test::new()
        .tasks_toml(
            r#"
            [tasks.first]
            run = "exit 3"
            [tasks.second]
            run = "touch second-ran"
            "#,
        )
        .args(["first", "second", "-j", "1"])
        .expect_no_file("second-ran")
        .status(3);
}

#[test]
fn keep_going_runs_everything_not_depending_on_the_failure() {
    Test::new()
        .tasks_toml(
            r#"
            [tasks.first]
            run = "exit 3"
            [tasks.after-first]
            depends = ["first"]
            run = "touch after-first-ran"
            [tasks.second]
            run = "touch second-ran"
            "#,
        )
        .args(["first", "after-first", "second", "-j", "1", "--keep-going"])
        .expect_file("second-ran", "")
        .expect_no_file("after-first-ran")
        .expect_stderr_contains("first")
        .status(3);
}

#[test]
fn keep_going_does_not_kill_running_siblings() {
    // `later` can only start once `fails` has freed its slot, so when `worker` sees
    // `later.started`, rask has already handled the failure, and `worker` must live on.
    Test::new()
        .tasks_toml(&format!(
            r#"
            [tasks.fails]
            run = '''{wait_worker}; exit 6'''
            [tasks.worker]
            run = '''touch worker.started; {wait_later}; touch worker-finished'''
            [tasks.later]
            run = "touch later.started"
            "#,
            wait_worker = sh_wait_for("worker.started"),
            wait_later = sh_wait_for("later.started"),
        ))
        .args(["fails", "worker", "later", "-j", "2", "-k"])
        .expect_file("later.started", "")
        .expect_file("worker-finished", "")
        .status(6);
}

#[test]
fn keep_going_exits_with_the_first_failures_code() {
    Test::new()
        .tasks_toml(
            r#"
            [tasks.first]
            run = "exit 3"
            [tasks.second]
            run = "exit 4"
            "#,
        )
        .args(["first", "second", "-j", "1", "-k"])
        .expect_stderr_contains("exit code 3")
        .expect_stderr_contains("exit code 4")
        .status(3);
}

/// An outer task that runs a nested rask on `inner.toml`, whose tasks `a` and `b` meet (each
/// waits for the other's marker), so they succeed only if the nested rask may run both at once.
fn nested_meeting(outer_jobs: &str) -> Test {
    Test::new()
        .tasks_toml(&format!(
            r#"
            [tasks.outer]
            run = "'{rask}' -f inner.toml -j 8 a b"
            "#,
            rask = env!("CARGO_BIN_EXE_rask"),
        ))
        .write("inner.toml", &meeting_tasks("", "2s"))
        .args(["outer", "-j", outer_jobs])
}

#[test]
fn nested_rask_may_use_the_slots_its_parent_leaves_free() {
    nested_meeting("2")
        .expect_file("a.ready", "")
        .expect_file("b.ready", "")
        .success();
}

#[test]
fn nested_rask_respects_its_parents_job_limit() {
    // With `-j 1` outside, the nested rask gets no token for a second command despite its own
    // `-j 8`: `a` waits for `b` in vain and times out.
    nested_meeting("1")
        .expect_stderr_contains("timed out")
        .expect_no_file("log")
        .status(124);
}

/// Each of `a` and `b` logs its start, touches its marker, waits for the other's marker, and
/// logs its end. Each gives up waiting after `polls` × 50 ms and ends all the same: run in
/// parallel, the two starts come first; run one after the other, they cannot. Each logs its
/// start before touching its marker, so once a task sees the other's marker both starts are in
/// the log, ahead of either end.
fn logged_meeting(polls: u32) -> String {
    let wait_for = |marker: &str| {
        format!(
            "i=0; while [ ! -e {marker} ] && [ $i -lt {polls} ]; do sleep 0.05; i=$((i+1)); done"
        )
    };
    format!(
        "[tasks.a]\nrun = \"echo a-start >> log; touch a.started; {}; echo a-end >> log\"\n\
         [tasks.b]\nrun = \"echo b-start >> log; touch b.started; {}; echo b-end >> log\"\n",
        wait_for("b.started"),
        wait_for("a.started"),
    )
}

/// The machine's 1-minute load average, from /proc.
fn load_now() -> f64 {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|text| text.split_whitespace().next()?.parse().ok())
        .unwrap_or(0.0)
}

#[test]
fn load_average_above_the_limit_starts_one_task_at_a_time() {
    // Under a limit below the current load, the second task waits for the first to end.
    let limit = 0.01;
    if load_now() < 2.0 * limit {
        return; // An idle machine: the limit would not bite, so there is nothing to check.
    }
    let output = Test::new()
        // Waiting 1 s at most: the first task gives up on the second, which cannot start yet.
        .tasks_toml(&logged_meeting(20))
        .args(["-j", "2", "--load-average", &limit.to_string(), "a", "b"])
        .success();
    let log = output.log_lines("log");
    assert_eq!(log.len(), 4, "{log:?}");
    let first = &log[0][..1];
    assert!(
        log[1].starts_with(first),
        "the first task ended before the second began: {log:?}"
    );
}

#[test]
fn load_average_below_the_load_keeps_tasks_parallel() {
    let output = Test::new()
        // Waiting 10 s at most, so a loaded machine slow to start the second task cannot make a
        // parallel run look serial.
        .tasks_toml(&logged_meeting(200))
        .args(["-j", "2", "--load-average", "100000", "a", "b"])
        .success();
    let log = output.log_lines("log");
    let mut starts: Vec<&str> = log[..2].iter().map(String::as_str).collect();
    starts.sort_unstable();
    assert_eq!(starts, ["a-start", "b-start"], "{log:?}");
}

#[test]
fn issue_8_a_task_that_runs_alone_after_parallel_ones_gets_rasks_stdin_and_stdout() {
    Test::new()
        .tasks_toml(&format!(
            r#"
            [tasks.a]
            run = '''touch a.ready; {wait_b}; cat > a.in; echo from-a'''
            [tasks.b]
            run = '''touch b.ready; {wait_a}; cat > b.in'''
            [tasks.ask]
            depends = ["a", "b"]
            run = 'read line; echo "got $line" > answer; echo plain'
            "#,
            wait_a = sh_wait_for("a.ready"),
            wait_b = sh_wait_for("b.ready"),
        ))
        .args(["-j", "2", "ask"])
        .stdin(b"hello\n")
        // The two that run side by side are prefixed and read nothing; the last one, alone,
        // reads what the caller wrote and writes straight to rask's stdout.
        .expect_file("a.in", "")
        .expect_file("b.in", "")
        .expect_file("answer", "got hello\n")
        .expect_stdout_contains("[a] from-a\n")
        .expect_stdout_contains("\nplain\n")
        .expect_stdout_not_contains("[ask]")
        .success();
}

#[test]
fn issue_8_each_task_of_a_chain_runs_alone_so_owns_stdin() {
    Test::new()
        .tasks_toml(
            r#"
            [tasks.dep]
            run = "echo dep"
            [tasks.ask]
            depends = ["dep"]
            run = 'read line; echo "got $line" > answer'
            "#,
        )
        .args(["-j", "4", "ask"])
        .stdin(b"hello\n")
        .expect_file("answer", "got hello\n")
        .expect_stdout("dep\n")
        .success();
}

/// The descriptors open in a shell started by this test process: what a task may have open
/// (rask's own stdin, stdout and stderr aside) is what rask itself was given.
fn fds_of_a_plain_shell() -> String {
    let output = std::process::Command::new("sh")
        .args(["-c", "ls /proc/self/fd"])
        .stdin(std::process::Stdio::null())
        .output()
        .expect("sh runs");
    String::from_utf8(output.stdout).expect("fd numbers are ASCII")
}

#[test]
fn issue_8_a_task_inherits_no_job_token_descriptors() {
    let test = Test::new()
        .tasks_toml(
            r#"
            [tasks.a]
            run = "ls /proc/self/fd > a.fds"
            [tasks.b]
            run = "ls /proc/self/fd > b.fds"
            "#,
        )
        .args(["-j", "2", "a", "b"])
        .success();
    let expected = fds_of_a_plain_shell();
    assert_eq!(test.read("a.fds"), expected, "task a");
    assert_eq!(test.read("b.fds"), expected, "task b");
}

#[test]
fn issue_8_an_unusable_rask_jobserver_is_warned_about_and_replaced() {
    for value in ["0,1", "fifo:/dev/null", "fifo:/nowhere/fifo"] {
        Test::new()
            .tasks_toml("[tasks.t]\nrun = 'echo \"$RASK_JOBSERVER\" > seen'\n")
            .env("RASK_JOBSERVER", value)
            .args(["-j", "3", "t"])
            .expect_stderr_contains(&format!(
                "warning: `RASK_JOBSERVER={value}` is not usable ("
            ))
            .expect_stderr_contains("`-j 3` applies to this rask alone")
            .success();
    }
}

#[test]
fn the_job_limit_is_named_by_a_fifo_that_goes_when_rask_does() {
    let test = Test::new()
        .tasks_toml("[tasks.t]\nrun = 'echo \"$RASK_JOBSERVER\" > seen; test -p \"${RASK_JOBSERVER#fifo:}\"'\n")
        .args(["t"])
        .success();
    let seen = test.read("seen");
    let path = seen
        .trim()
        .strip_prefix("fifo:")
        .expect("RASK_JOBSERVER=fifo:PATH");
    assert!(!std::path::Path::new(path).exists(), "{path} left behind");
}

/// Where the FIFO went, as the task saw it.
fn jobserver_fifo_dir(test: &crate::common::Output) -> std::path::PathBuf {
    let seen = test.read("seen");
    let path = seen
        .trim()
        .strip_prefix("fifo:")
        .expect("RASK_JOBSERVER=fifo:PATH");
    let path = std::path::Path::new(path);
    assert!(!path.exists(), "{} left behind", path.display());
    path.parent()
        .expect("the FIFO is in a directory")
        .to_owned()
}

#[test]
fn the_job_fifo_goes_into_the_runtime_dir_else_the_chosen_temp_dir() {
    let tasks =
        "[tasks.t]\nrun = 'echo \"$RASK_JOBSERVER\" > seen; test -p \"${RASK_JOBSERVER#fifo:}\"'\n";
    let test = Test::new().tasks_toml(tasks).write("runtime/.keep", "");
    let runtime = test.path("runtime");
    let test = (test.env("XDG_RUNTIME_DIR", &runtime))
        .env("TMPDIR", "/nowhere")
        .args(["t"])
        .success();
    assert_eq!(jobserver_fifo_dir(&test), runtime);

    let test = Test::new().tasks_toml(tasks).write("tmp/.keep", "");
    let tmp = test.path("tmp");
    let test = (test.env("XDG_RUNTIME_DIR", "relative/is/ignored"))
        .env("TMPDIR", &tmp)
        .args(["t"])
        .success();
    assert_eq!(jobserver_fifo_dir(&test), tmp);
}

/// What a task's shell records about its stdin and stdout: whether each is a terminal, and
/// what its stdin is (`/dev/null`, `/dev/pts/N`).
fn terminal_probe(name: &str) -> String {
    format!(
        "if test -t 0 && test -t 1; then echo {name}:tty; else echo {name}:no-tty; fi; \
         readlink /proc/$$/fd/0 > {name}.stdin"
    )
}

/// Issue #8: the last task of a chain runs alone, so it gets rask's terminal (stdin and stdout
/// both a terminal, under `script`) and reads the line typed into it, even though a dependency
/// ran before it and `-j` allows more.
#[test]
fn issue_8_the_last_task_of_a_chain_gets_the_terminal_and_reads_what_is_typed() {
    let test = Test::new().tasks_toml(&format!(
        r#"
        [tasks.dep]
        run = "echo dep"
        [tasks.ask]
        depends = ["dep"]
        run = '''{probe}; read line; echo "got:$line"'''
        "#,
        probe = terminal_probe("ask"),
    ));
    let output = run_on_a_terminal(&test, "-j 4 ask", &[], "typed words\n");
    let shown = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{output:?}");
    assert!(shown.contains("ask:tty"), "ask saw no terminal:\n{shown}");
    assert!(
        shown.contains("got:typed words"),
        "ask did not read the line:\n{shown}"
    );
    let stdin = fs::read_to_string(test.path("ask.stdin")).expect("ask recorded its stdin");
    assert!(stdin.starts_with("/dev/pts/"), "ask's stdin: {stdin}");
}

/// The other side of the handoff: two tasks running at once both see stdin at `/dev/null`,
/// prefixed output, and no terminal, though rask itself is on one and a line was typed.
#[test]
fn tasks_that_run_side_by_side_do_not_get_the_terminal() {
    let task = |name: &str, other: &str| {
        format!(
            "touch {name}.ready; {wait}; {probe}; cat > {name}.in",
            wait = sh_wait_for(&format!("{other}.ready")),
            probe = terminal_probe(name),
        )
    };
    let test = Test::new().tasks_toml(&format!(
        r#"
        [tasks.a]
        run = '''{a}'''
        [tasks.b]
        run = '''{b}'''
        "#,
        a = task("a", "b"),
        b = task("b", "a"),
    ));
    let output = run_on_a_terminal(&test, "--color never -j 2 a b", &[], "typed words\n");
    let shown = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{output:?}");
    for name in ["a", "b"] {
        assert!(
            shown.contains(&format!("[{name}] {name}:no-tty")),
            "{name} got the terminal:\n{shown}"
        );
        let path = |suffix: &str| test.path(format!("{name}.{suffix}"));
        let stdin = fs::read_to_string(path("stdin")).expect("the task recorded its stdin");
        assert_eq!(stdin, "/dev/null\n", "{name}'s stdin");
        let read = fs::read_to_string(path("in")).expect("the task copied its stdin");
        assert_eq!(read, "", "{name} read the typed line");
    }
}
