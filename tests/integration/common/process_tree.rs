//! Ending a rask the harness started together with everything it started: the guarantee that a
//! test which fails (panics) while a rask runs in the background leaves no process behind. The
//! main function here is [`kill_tree`].
//!
//! rask puts each task in a process group of its own, so killing rask's group alone would leave
//! the tasks running, and a rask killed with SIGKILL cannot end them itself. The harness
//! therefore finds rask's descendants in /proc, stops them so that none can fork or reap while it
//! looks, and kills each of them and each of their process groups (which also reaches a task's
//! background children whose parent already exited).

use std::collections::BTreeSet;
use std::fs;
use std::os::fd::{AsFd, AsRawFd, OwnedFd};
use std::os::unix::fs::MetadataExt;

/// The parent pid and process group of `pid`, from `/proc/PID/stat`, or `None` once it is gone.
fn parent_and_group(pid: i32) -> Option<(i32, i32)> {
    let stat = fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // `PID (COMM) STATE PPID PGRP ...`; COMM may contain spaces and parentheses, so split after
    // the last `)`.
    let mut fields = stat[stat.rfind(')')? + 1..].split_whitespace().skip(1);
    let parent = fields.next()?.parse().ok()?;
    let group = fields.next()?.parse().ok()?;
    Some((parent, group))
}

/// Every live process below `root` (children, their children, ...), with its process group.
fn descendants(root: i32) -> Vec<(i32, i32)> {
    let Ok(entries) = fs::read_dir("/proc") else {
        return Vec::new();
    };
    let processes: Vec<(i32, i32, i32)> = entries
        .filter_map(|entry| entry.ok()?.file_name().to_str()?.parse().ok())
        .filter_map(|pid| parent_and_group(pid).map(|(parent, group)| (pid, parent, group)))
        .collect();
    let mut below = Vec::new();
    let mut parents = vec![root];
    while let Some(parent) = parents.pop() {
        for &(pid, _, group) in processes.iter().filter(|process| process.1 == parent) {
            below.push((pid, group));
            parents.push(pid);
        }
    }
    below
}

fn send(pid: i32, signal: i32) {
    // SAFETY: kill(2) has no memory-safety preconditions; a stale pid only yields ESRCH.
    unsafe { libc::kill(pid, signal) };
}

/// Kills `root` (a child of this process that it has not reaped yet, so its pid cannot be
/// reused meanwhile), its process group, every process below it and each of their process
/// groups. The test process's own group is never signalled. The caller reaps `root`; the
/// processes below it are re-parented when their parents die, and reaped by their new parent.
pub fn kill_tree(root: i32) {
    // SAFETY: getpgrp(2) cannot fail and touches no memory.
    let own_group = unsafe { libc::getpgrp() };
    // Stop first, then look again until nothing new appears: a stopped process cannot start
    // another one, so the last look sees the whole tree.
    send(root, libc::SIGSTOP);
    let mut stopped = BTreeSet::new();
    let mut groups = BTreeSet::from([root]);
    loop {
        let found = descendants(root);
        let new: Vec<_> = found
            .iter()
            .filter(|(pid, _)| !stopped.contains(pid))
            .copied()
            .collect();
        if new.is_empty() {
            break;
        }
        for (pid, group) in new {
            send(pid, libc::SIGSTOP);
            stopped.insert(pid);
            groups.insert(group);
        }
    }
    for group in groups.into_iter().filter(|&group| group != own_group) {
        send(-group, libc::SIGKILL);
    }
    for pid in stopped.into_iter().chain([root]) {
        send(pid, libc::SIGKILL);
    }
}

/// A copy of the read end of one of rask's output pipes, kept so that the pipe, and so its
/// inode number, stays allocated for as long as the harness may look for its holders: a pipe
/// closed at both ends could give its number to another test's pipe.
pub fn keep_read_end(pipe: impl AsFd) -> Option<OwnedFd> {
    pipe.as_fd().try_clone_to_owned().ok()
}

/// Kills, with its process group, every other process that holds one of these pipes (read ends
/// kept by [`keep_read_end`]): a process rask started that escaped its group and rask's tree (a
/// daemon that called setsid and was re-parented) but still holds rask's stdout or stderr.
/// Returns a line for each, its pid and command line, for the failure message.
pub fn kill_pipe_holders(pipes: &[OwnedFd]) -> Vec<String> {
    // `/proc/PID/fd/N` of either end of a pipe reads `pipe:[INODE]`.
    let links: Vec<String> = (pipes.iter())
        .filter_map(|pipe| fs::metadata(format!("/proc/self/fd/{}", pipe.as_raw_fd())).ok())
        .map(|metadata| format!("pipe:[{}]", metadata.ino()))
        .collect();
    let own = std::process::id() as i32;
    // SAFETY: getpgrp(2) cannot fail and touches no memory.
    let own_group = unsafe { libc::getpgrp() };
    let Ok(entries) = fs::read_dir("/proc") else {
        return Vec::new();
    };
    let mut killed = Vec::new();
    for pid in entries.filter_map(|entry| entry.ok()?.file_name().to_str()?.parse::<i32>().ok()) {
        if pid == own {
            continue;
        }
        let Ok(fds) = fs::read_dir(format!("/proc/{pid}/fd")) else {
            continue;
        };
        let holds = fds.filter_map(Result::ok).any(|fd| {
            fs::read_link(fd.path())
                .is_ok_and(|target| links.iter().any(|link| target.as_os_str() == link.as_str()))
        });
        if !holds {
            continue;
        }
        let cmdline = fs::read(format!("/proc/{pid}/cmdline"))
            .map(|bytes| String::from_utf8_lossy(&bytes).replace('\0', " "))
            .unwrap_or_default();
        if let Some((_, group)) = parent_and_group(pid).filter(|&(_, group)| group != own_group) {
            send(-group, libc::SIGKILL);
        }
        send(pid, libc::SIGKILL);
        killed.push(format!("pid {pid} `{}`", cmdline.trim_end()));
    }
    killed
}

/// The harness's own guarantee, checked the honest way: a test body panics while rask runs two
/// tasks (each in a group of its own) and a background child of one of them; once the panic has
/// unwound through the [`super::Running`] handle, rask is reaped and none of them is left.
#[test]
fn a_test_that_panics_while_rask_runs_leaves_no_process_behind() {
    use super::{Test, assert_dead, assert_gone, sh_wait_for};
    use std::panic::{AssertUnwindSafe, catch_unwind};

    let test = Test::new()
        .tasks_toml(&format!(
            r#"
            [tasks.a]
            run = "sleep 300 & echo $! > a.child; echo $$ > a.tmp; mv a.tmp a.pid; wait"
            [tasks.b]
            run = "echo $$ > b.tmp; mv b.tmp b.pid; {wait_a}; sleep 300"
            "#,
            wait_a = sh_wait_for("a.pid"),
        ))
        .args(["-j", "2", "--output", "prefixed", "a", "b"]);
    let mut pids = Vec::new();
    let unwound = catch_unwind(AssertUnwindSafe(|| {
        let running = test.spawn();
        pids.push(("rask", running.pid()));
        running.wait_for_file("a.pid");
        running.wait_for_file("b.pid");
        for (what, file) in [
            ("task a", "a.pid"),
            ("a's child", "a.child"),
            ("task b", "b.pid"),
        ] {
            pids.push((what, running.read_pid(file)));
        }
        panic!("a test failing while rask runs (deliberate)");
    }));
    assert!(unwound.is_err(), "the inner test body panicked");
    assert_eq!(
        pids.len(),
        4,
        "every pid was read before the panic: {pids:?}"
    );
    let (_, rask) = pids[0];
    // rask is this process's child: the handle must have reaped it, not left a zombie.
    assert_gone(rask, "rask");
    for &(what, pid) in &pids[1..] {
        assert_dead(pid, what);
    }
}

/// A daemon that left rask's tree and group (setsid, re-parented once its shell exits) but
/// holds rask's stdout and stderr (the lone task inherits them) is found through the pipes,
/// whichever way the test ends: a panic while rask runs, or `status` seeing the pipes outlive
/// rask.
#[test]
fn a_daemon_holding_rasks_output_is_killed_whichever_way_the_test_ends() {
    use super::{Test, assert_dead};
    use std::panic::{AssertUnwindSafe, catch_unwind};

    // The pid is written from inside the new session, and the task waits for it: a task that
    // ended before setsid ran would have its daemon killed with the task's group by rask.
    let daemon = "setsid sh -c \"echo \\$\\$ > d.tmp; mv d.tmp d.pid; exec sleep 300\" & \
                  until [ -e d.pid ]; do sleep 0.01; done";
    for (rest_of_task, end_while_running) in [("exec sleep 300", true), ("true", false)] {
        let running = Test::new()
            .tasks_toml(&format!("[tasks.t]\nrun = '{daemon}; {rest_of_task}'\n"))
            .args(["--output", "inherit", "t"])
            .spawn();
        let pid = running.wait_for_pid("d.pid");
        let unwound = catch_unwind(AssertUnwindSafe(|| {
            if end_while_running {
                // `running` is dropped as the panic unwinds through this closure.
                panic!("a test failing while rask runs (deliberate)");
            }
            running.status(0)
        }));
        assert!(unwound.is_err(), "the test body failed");
        assert_dead(pid, "the daemon holding rask's output");
    }
}
