//! `--progress`: the live status area on a terminal. Never on a pipe, never under CI or `-q`;
//! on a terminal it is drawn, and task lines written while it is shown stay whole.

use crate::common::{Test, run_on_a_terminal};

/// Three tasks in parallel, two of them printing a line every 50 ms for a second.
const CHATTY: &str = r#"
    [tasks.a]
    run = "for i in $(seq 20); do echo a-line-$i; sleep 0.05; done"
    [tasks.b]
    run = "for i in $(seq 20); do echo b-line-$i >&2; sleep 0.05; done"
    [tasks.c]
    run = "sleep 0.5"
    "#;

/// What the status area's counter line says.
const COUNTER: &str = "done ·";

/// A terminal without CI around it (the suite itself may run under `CI=true`).
const TERMINAL_ENV: [(&str, &str); 3] = [("CI", ""), ("GITHUB_ACTIONS", ""), ("TERM", "xterm")];

/// The text a terminal shows in pieces: split wherever the cursor may move or a line be
/// cleared (newlines, carriage returns, escape sequences), so text written on top of the
/// status area, rather than after hiding it, shows up glued to it.
fn pieces(raw: &[u8]) -> Vec<String> {
    let text = String::from_utf8_lossy(raw);
    let mut pieces = vec![String::new()];
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match c {
            '\n' | '\r' => pieces.push(String::new()),
            '\x1b' => {
                // CSI: ESC [ parameters final-byte.
                if chars.next() == Some('[') {
                    for c in chars.by_ref() {
                        if ('\x40'..='\x7e').contains(&c) {
                            break;
                        }
                    }
                }
                pieces.push(String::new());
            }
            c => pieces.last_mut().expect("never empty").push(c),
        }
    }
    pieces
}

#[test]
fn progress_never_appears_when_stderr_is_a_pipe() {
    let output = Test::new()
        .tasks_toml(CHATTY)
        .env("CI", "")
        .args(["--progress", "auto", "-j", "3", "a", "b", "c"])
        .expect_stderr_contains("[b] b-line-20")
        .success();
    assert!(!output.stderr.contains(COUNTER), "{}", output.stderr);
    assert!(!output.stderr.contains('\x1b'), "{:?}", output.stderr);
}

#[test]
fn on_a_terminal_progress_is_drawn_and_task_lines_stay_whole() {
    let test = Test::new().tasks_toml(CHATTY);
    // Without colour, so that a task line is one piece of text between escape sequences.
    let output = run_on_a_terminal(&test, "--color never -j 3 a b c", &TERMINAL_ENV, "");
    let raw = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(output.status.success(), "{raw}");
    assert!(raw.contains(COUNTER), "no status area drawn: {raw:?}");
    let pieces = pieces(&output.stdout);
    for task in ["a", "b"] {
        for i in 1..=20 {
            let line = format!("[{task}] {task}-line-{i}");
            assert!(pieces.contains(&line), "`{line}` is not whole: {raw:?}");
        }
    }
    let torn: Vec<&String> = pieces
        .iter()
        .filter(|piece| piece.contains("-line-") && !piece.starts_with('['))
        .collect();
    assert!(torn.is_empty(), "torn lines: {torn:?}");
    // The area is gone at the end: the last thing on the terminal is the closing line.
    let last = pieces.iter().rev().find(|piece| !piece.trim().is_empty());
    assert!(
        last.is_some_and(|piece| piece.starts_with("rask: done: 3 tasks succeeded")),
        "{last:?}"
    );
}

#[test]
fn on_a_terminal_progress_is_off_under_ci_with_quiet_and_when_asked() {
    let test = Test::new().tasks_toml(CHATTY);
    let ci = [("CI", "true"), ("GITHUB_ACTIONS", ""), ("TERM", "xterm")];
    for (args, env) in [
        ("-j 3 a b c", &ci),
        ("-q -j 3 a b c", &TERMINAL_ENV),
        ("--progress never -j 3 a b c", &TERMINAL_ENV),
        // Inherit mode: the tasks own the terminal, so no area even when asked for.
        (
            "--progress always --output inherit -j 3 a b c",
            &TERMINAL_ENV,
        ),
    ] {
        let output = run_on_a_terminal(&test, args, env, "");
        let raw = String::from_utf8_lossy(&output.stdout);
        assert!(output.status.success(), "{args}: {raw}");
        assert!(!raw.contains(COUNTER), "{args}: status area drawn: {raw:?}");
    }
}

#[test]
fn progress_always_draws_even_into_a_pipe() {
    let output = Test::new()
        .tasks_toml(CHATTY)
        .args(["--progress", "always", "-j", "3", "a", "b", "c"])
        .success();
    assert!(output.stderr.contains(COUNTER), "{}", output.stderr);
}
