//! The [`Test`] builder every integration test goes through, and the few helpers that wait for
//! things outside rask (a file appearing, a process disappearing).
//!
//! A [`Test`] owns a fresh temporary project. Inputs are written into it as the builder is
//! called; expectations are collected and checked all at once when [`Test::status`] (or
//! [`Test::success`]) runs the real `rask` binary, so a failure shows every mismatch together
//! with the full stdout and stderr. The shape follows casey/just's `tests/test.rs`.
//!
//! Nothing here waits for time to pass as a way to synchronise: rask's exit is awaited on a
//! thread, and the only deadlines are safety nets that turn a hang into a failure.
//!
//! No test leaves a process behind: a rask started in the background ([`Test::spawn`],
//! [`Test::spawn_beside`]) whose handle is dropped before it was waited for, as when the test
//! panics, is killed together with every task it started (see `process_tree`).

use std::cell::{Cell, RefCell};
use std::ffi::{OsStr, OsString};
use std::fmt::Write as _;
use std::fs;
use std::io::{Read, Write as _};
use std::os::fd::{AsFd, FromRawFd, OwnedFd};
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant, SystemTime};

use tempfile::TempDir;

mod process_tree;

/// The binary under test.
pub const RASK: &str = env!("CARGO_BIN_EXE_rask");

/// How long one rask invocation may run before the harness kills it and fails the test. A safety
/// net against a hung rask, never an assertion about speed.
const RUN_DEADLINE: Duration = Duration::from_secs(60);

/// How long rask's stdout and stderr may stay open after rask itself exited. Anything longer means
/// a process rask started outlived it and still holds the pipe: that is a leak, and a failure.
const PIPE_DEADLINE: Duration = Duration::from_secs(10);

/// How long the helpers below wait for something outside rask (a marker file, a process ending).
pub const WAIT: Duration = Duration::from_secs(10);

/// Removes the common indentation of a raw-string literal so inputs can be written indented in
/// the test source. Text that does not start with a newline is returned unchanged, so plain
/// strings like `"a\nb\n"` mean exactly what they say.
pub fn unindent(text: &str) -> String {
    let Some(body) = text.strip_prefix('\n') else {
        return text.to_owned();
    };
    let mut lines: Vec<&str> = body.split_inclusive('\n').collect();
    // The closing `"#` usually sits on its own indented line: that line is not content.
    if lines
        .last()
        .is_some_and(|last| !last.ends_with('\n') && last.trim().is_empty())
    {
        lines.pop();
    }
    let indent = lines
        .iter()
        .filter(|line| !line.trim().is_empty())
        .map(|line| line.len() - line.trim_start_matches([' ', '\t']).len())
        .min()
        .unwrap_or(0);
    lines
        .iter()
        .map(|line| {
            if line.trim().is_empty() {
                if line.ends_with('\n') { "\n" } else { "" }
            } else {
                &line[indent..]
            }
        })
        .collect()
}

/// A temporary project, a command line to run rask with, and what must be true afterwards.
#[must_use]
pub struct Test {
    tempdir: TempDir,
    args: Vec<OsString>,
    env: Vec<(OsString, OsString)>,
    current_dir: PathBuf,
    expected_stdout: Option<Vec<u8>>,
    stdout_contains: Vec<String>,
    stdout_not_contains: Vec<String>,
    stderr_contains: Vec<String>,
    stderr_not_contains: Vec<String>,
    expected_files: Vec<(PathBuf, String)>,
    absent_files: Vec<PathBuf>,
    stdout_closed: bool,
    /// A file (or device) rask's stdout is opened on instead of a pipe.
    stdout_file: Option<PathBuf>,
    stdin: Option<Vec<u8>>,
}

impl Test {
    #[track_caller]
    pub fn new() -> Self {
        Test::in_project(
            tempfile::Builder::new()
                .prefix("rask-it-")
                .tempdir()
                .expect("the system temp dir is writable"),
        )
    }

    fn in_project(tempdir: TempDir) -> Self {
        Test {
            tempdir,
            args: Vec::new(),
            env: Vec::new(),
            current_dir: PathBuf::new(),
            expected_stdout: None,
            stdout_contains: Vec::new(),
            stdout_not_contains: Vec::new(),
            stderr_contains: Vec::new(),
            stderr_not_contains: Vec::new(),
            expected_files: Vec::new(),
            absent_files: Vec::new(),
            stdout_closed: false,
            stdout_file: None,
            stdin: None,
        }
    }

    /// The absolute path of `relative` inside the project.
    pub fn path(&self, relative: impl AsRef<Path>) -> PathBuf {
        self.tempdir.path().join(relative)
    }

    /// Writes `tasks.toml` at the project root (unindented).
    #[track_caller]
    pub fn tasks_toml(self, contents: &str) -> Self {
        self.write("tasks.toml", contents)
    }

    /// Writes a file (unindented), creating its parent directories.
    #[track_caller]
    pub fn write(self, relative: impl AsRef<Path>, contents: &str) -> Self {
        let path = self.path(relative);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).expect("can create parent directories in the tempdir");
        }
        fs::write(&path, unindent(contents)).expect("can write into the tempdir");
        self
    }

    /// Writes a file (unindented) with its executable bits set: a script run directly.
    #[track_caller]
    pub fn write_executable(self, relative: impl AsRef<Path>, contents: &str) -> Self {
        use std::os::unix::fs::PermissionsExt;
        let path = self.path(&relative);
        let test = self.write(relative, contents);
        fs::set_permissions(&path, fs::Permissions::from_mode(0o755))
            .expect("can make a file in the tempdir executable");
        test
    }

    /// Sets a file's modification time to `age` before now (for up-to-date checks, without
    /// waiting for the clock).
    #[track_caller]
    pub fn age(self, relative: impl AsRef<Path>, age: Duration) -> Self {
        let when = SystemTime::now() - age;
        fs::File::options()
            .write(true)
            .open(self.path(relative))
            .and_then(|file| file.set_modified(when))
            .expect("can set the mtime of a file in the tempdir");
        self
    }

    /// Creates a directory (and its parents) inside the project.
    #[track_caller]
    pub fn create_dir(self, relative: impl AsRef<Path>) -> Self {
        fs::create_dir_all(self.path(relative)).expect("can create directories in the tempdir");
        self
    }

    pub fn args<I, S>(mut self, args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        self.args
            .extend(args.into_iter().map(|arg| arg.as_ref().to_owned()));
        self
    }

    pub fn env(mut self, key: impl AsRef<OsStr>, value: impl AsRef<OsStr>) -> Self {
        self.env
            .push((key.as_ref().to_owned(), value.as_ref().to_owned()));
        self
    }

    /// Runs rask from this subdirectory of the project (created if missing).
    #[track_caller]
    pub fn current_dir(mut self, relative: impl AsRef<Path>) -> Self {
        fs::create_dir_all(self.path(&relative)).expect("can create directories in the tempdir");
        self.current_dir = relative.as_ref().to_owned();
        self
    }

    /// stdout must be exactly this (unindented).
    pub fn expect_stdout(mut self, stdout: &str) -> Self {
        self.expected_stdout = Some(unindent(stdout).into_bytes());
        self
    }

    /// stdout must be exactly these bytes.
    pub fn expect_stdout_bytes(mut self, stdout: &[u8]) -> Self {
        self.expected_stdout = Some(stdout.to_owned());
        self
    }

    pub fn expect_stdout_contains(mut self, needle: &str) -> Self {
        self.stdout_contains.push(needle.to_owned());
        self
    }

    pub fn expect_stdout_not_contains(mut self, needle: &str) -> Self {
        self.stdout_not_contains.push(needle.to_owned());
        self
    }

    pub fn expect_stderr_contains(mut self, needle: &str) -> Self {
        self.stderr_contains.push(needle.to_owned());
        self
    }

    pub fn expect_stderr_not_contains(mut self, needle: &str) -> Self {
        self.stderr_not_contains.push(needle.to_owned());
        self
    }

    /// After rask exits, this file must exist with exactly these contents (unindented).
    pub fn expect_file(mut self, relative: impl AsRef<Path>, contents: &str) -> Self {
        self.expected_files
            .push((relative.as_ref().to_owned(), unindent(contents)));
        self
    }

    /// After rask exits, this file must not exist (the task that would write it never ran).
    pub fn expect_no_file(mut self, relative: impl AsRef<Path>) -> Self {
        self.absent_files.push(relative.as_ref().to_owned());
        self
    }

    /// Gives rask a stdout whose reader is already gone (`rask --list | head -0`), so writes fail
    /// with EPIPE. Nothing is captured from stdout then.
    pub fn stdout_to_closed_pipe(mut self) -> Self {
        self.stdout_closed = true;
        self
    }

    /// Opens rask's stdout on `path` (e.g. `/dev/full`). Nothing is captured from stdout then.
    pub fn stdout_to(mut self, path: impl Into<PathBuf>) -> Self {
        self.stdout_file = Some(path.into());
        self
    }

    /// Gives rask a pipe as stdin, holding `bytes` and then end-of-file (else stdin is
    /// /dev/null).
    pub fn stdin(mut self, bytes: &[u8]) -> Self {
        self.stdin = Some(bytes.to_vec());
        self
    }

    /// Runs rask to completion and checks the exit code and every expectation at once.
    #[track_caller]
    pub fn status(self, code: i32) -> Output {
        self.spawn().status(code)
    }

    #[track_caller]
    pub fn success(self) -> Output {
        self.status(0)
    }

    /// Runs rask expecting it to refuse the project with its own error (exit 2) before any task
    /// ran, and returns what it said, redacted for a snapshot. The tasks of such a project write
    /// `ran` or append to `log` when they run: neither file may exist afterwards.
    #[track_caller]
    pub fn refusal(self) -> String {
        self.expect_no_file("ran")
            .expect_no_file("log")
            .status(2)
            .stderr_redacted()
    }

    /// rask in this project (its current directory, its environment), in a process group of
    /// its own so the harness can clean up after a hung rask without touching itself; the
    /// developer's environment does not leak into what the tests observe.
    fn rask_command(&self) -> Command {
        let mut command = Command::new(RASK);
        command
            .current_dir(self.path(&self.current_dir))
            .process_group(0);
        for (key, _) in std::env::vars_os() {
            if key.to_string_lossy().starts_with("RASK_") {
                command.env_remove(&key);
            }
        }
        command
            .env_remove("CLICOLOR_FORCE")
            .env_remove("CLICOLOR")
            .env_remove("NO_COLOR")
            .env_remove("FORCE_COLOR")
            // CI changes defaults (the summary table, GitHub Actions markers); tests opt in.
            .env_remove("CI")
            .env_remove("GITHUB_ACTIONS")
            .env_remove("GITHUB_STEP_SUMMARY");
        // The memo of large task files lives in the user's cache dir: keep it per project.
        command.env("XDG_CACHE_HOME", self.path(".rask/xdg-cache"));
        for (key, value) in &self.env {
            command.env(key, value);
        }
        command
    }

    /// Starts another rask on this project with `args` and `env` (and this test's environment)
    /// while the test goes on being set up, e.g. one that runs beside the rask [`Test::spawn`]
    /// starts later. Its stdout is discarded; [`Beside::exit`] waits for it.
    pub fn spawn_beside(&self, args: &[&str], env: &[(&str, &str)]) -> Beside {
        let mut child = self
            .rask_command()
            .args(args)
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the rask binary can be spawned");
        let stdout = child.stdout.take().expect("stdout was piped");
        let stderr = child.stderr.take().expect("stderr was piped");
        let pipes = [stdout.as_fd(), stderr.as_fd()].map(process_tree::keep_read_end);
        // Discarded, but piped all the same: so a process that outlives rask and holds it can
        // be found.
        drain(stdout);
        Beside {
            child,
            stderr: drain(stderr),
            waited: false,
            pipes: pipes.into_iter().flatten().collect(),
        }
    }

    /// Starts rask without waiting for it, for tests that must act while it runs (signals).
    #[track_caller]
    pub fn spawn(self) -> Running {
        let mut command = self.rask_command();
        command
            .args(&self.args)
            .stdin(if self.stdin.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(match &self.stdout_file {
                _ if self.stdout_closed => closed_pipe(),
                Some(path) => fs::OpenOptions::new()
                    .write(true)
                    .open(path)
                    .expect("the stdout file opens")
                    .into(),
                None => Stdio::piped(),
            })
            .stderr(Stdio::piped());
        let mut child = command.spawn().expect("the rask binary can be spawned");
        let pid = child.id() as i32;
        if let (Some(mut pipe), Some(bytes)) = (child.stdin.take(), self.stdin.clone()) {
            // A writer thread: rask may read its stdin late, or never (then the write fails).
            thread::spawn(move || {
                let _ = pipe.write_all(&bytes);
            });
        }
        let stderr_pipe = child.stderr.take().expect("stderr was piped");
        let pipes = (child.stdout.iter().map(process_tree::keep_read_end))
            .chain([process_tree::keep_read_end(&stderr_pipe)])
            .flatten()
            .collect();
        let stdout = match child.stdout.take() {
            Some(pipe) => drain(pipe),
            None => drain(std::io::empty()),
        };
        let stderr_so_far = Arc::new(Mutex::new(Vec::new()));
        let stderr = drain_visibly(stderr_pipe, Arc::clone(&stderr_so_far));
        let exit = notify_exit(pid);
        Running {
            test: Some(self),
            child: RefCell::new(child),
            pid,
            exit,
            exit_status: Cell::new(None),
            stdout,
            stderr,
            stderr_so_far,
            pipes,
        }
    }

    #[track_caller]
    fn check(
        self,
        expected_code: i32,
        status: ExitStatus,
        stdout: Vec<u8>,
        stderr: Vec<u8>,
    ) -> Output {
        let stderr = String::from_utf8_lossy(&stderr).into_owned();
        let stdout_text = String::from_utf8_lossy(&stdout).into_owned();
        let mut problems = Vec::new();

        let code = match (status.code(), status.signal()) {
            (Some(code), _) => code,
            (None, Some(signal)) => {
                problems.push(format!("rask itself was killed by signal {signal}"));
                -1
            }
            (None, None) => unreachable!("an exit status is a code or a signal"),
        };
        if code != expected_code {
            problems.push(format!("exit code: expected {expected_code}, got {code}"));
        }
        if let Some(expected) = &self.expected_stdout {
            if *expected != stdout {
                problems.push(format!("stdout: expected\n{}", show_bytes(expected),));
            }
        }
        for needle in &self.stdout_contains {
            if !stdout_text.contains(needle.as_str()) {
                problems.push(format!("stdout does not contain {needle:?}"));
            }
        }
        for needle in &self.stdout_not_contains {
            if stdout_text.contains(needle.as_str()) {
                problems.push(format!("stdout contains {needle:?} but must not"));
            }
        }
        for needle in &self.stderr_contains {
            if !stderr.contains(needle.as_str()) {
                problems.push(format!("stderr does not contain {needle:?}"));
            }
        }
        for needle in &self.stderr_not_contains {
            if stderr.contains(needle.as_str()) {
                problems.push(format!("stderr contains {needle:?} but must not"));
            }
        }
        for (relative, expected) in &self.expected_files {
            match fs::read(self.path(relative)) {
                Ok(actual) if actual == expected.as_bytes() => {}
                Ok(actual) => problems.push(format!(
                    "file {}: expected\n{}\ngot\n{}",
                    relative.display(),
                    show_bytes(expected.as_bytes()),
                    show_bytes(&actual),
                )),
                Err(error) => problems.push(format!(
                    "file {}: expected\n{}\nbut it cannot be read: {error}",
                    relative.display(),
                    show_bytes(expected.as_bytes()),
                )),
            }
        }
        for relative in &self.absent_files {
            if self.path(relative).exists() {
                problems.push(format!("file {} exists but must not", relative.display()));
            }
        }

        if !problems.is_empty() {
            let mut report = String::new();
            let args: Vec<_> = self.args.iter().map(|arg| arg.to_string_lossy()).collect();
            let _ = writeln!(
                report,
                "rask {:?} in {}",
                args,
                self.path(&self.current_dir).display()
            );
            if let Ok(toml) = fs::read_to_string(self.path("tasks.toml")) {
                let _ = writeln!(report, "--- tasks.toml\n{toml}");
            }
            let _ = writeln!(report, "--- exit code: {code}");
            let _ = writeln!(report, "--- stdout\n{}", show_bytes(&stdout));
            let _ = writeln!(report, "--- stderr\n{stderr}");
            let _ = writeln!(report, "--- problems");
            for problem in problems {
                let _ = writeln!(report, "- {problem}");
            }
            panic!("{report}");
        }

        Output {
            stdout,
            stderr,
            tempdir: self.tempdir,
        }
    }
}

/// The write end of a pipe whose read end is closed already.
fn closed_pipe() -> Stdio {
    let mut fds = [0; 2];
    // SAFETY: `fds` has room for the two descriptors pipe2 writes. O_CLOEXEC keeps the ends out
    // of processes other tests spawn concurrently (a stray read end would keep the pipe open).
    let result = unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) };
    assert_eq!(
        result,
        0,
        "pipe2 failed: {}",
        std::io::Error::last_os_error()
    );
    // SAFETY: both descriptors were just created by pipe2 and are owned by nothing else.
    let (read_end, write_end) =
        unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
    drop(read_end);
    Stdio::from(write_end)
}

/// Reads a pipe to its end on a thread; the receiver yields everything once the pipe closes.
fn drain(mut pipe: impl Read + Send + 'static) -> Receiver<Vec<u8>> {
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = pipe.read_to_end(&mut bytes);
        let _ = tx.send(bytes);
    });
    rx
}

/// Like [`drain`], keeping what was read so far visible in `so_far` while rask runs.
fn drain_visibly(
    mut pipe: impl Read + Send + 'static,
    so_far: Arc<Mutex<Vec<u8>>>,
) -> Receiver<Vec<u8>> {
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        let mut chunk = [0u8; 8192];
        while let Ok(count @ 1..) = pipe.read(&mut chunk) {
            so_far
                .lock()
                .expect("no reader panics")
                .extend_from_slice(&chunk[..count]);
        }
        let _ = tx.send(so_far.lock().expect("no reader panics").clone());
    });
    rx
}

/// Shows bytes as text when they are short and valid UTF-8, else as a summary plus a prefix.
fn show_bytes(bytes: &[u8]) -> String {
    const LIMIT: usize = 4000;
    match std::str::from_utf8(bytes) {
        Ok(text) if text.len() <= LIMIT => text.to_owned(),
        _ if bytes.len() <= LIMIT => format!("{bytes:?} (bytes)"),
        _ => format!(
            "{} bytes, starting {:?}",
            bytes.len(),
            String::from_utf8_lossy(&bytes[..LIMIT])
        ),
    }
}

/// A rask started by [`Test::spawn`]. Dropping it before [`Running::status`] (a failed test)
/// kills rask's process group, so a failing test does not leave rask running.
#[must_use]
pub struct Running {
    test: Option<Test>,
    /// rask itself, reaped only by this handle: until then its pid (and its process group's id)
    /// cannot be reused, so killing them on drop never hits a stranger.
    child: RefCell<Child>,
    pid: i32,
    /// Says (once) that rask has exited, without reaping it.
    exit: Receiver<()>,
    /// rask's exit status, once seen (possibly early, while a test waited for a marker).
    exit_status: Cell<Option<ExitStatus>>,
    stdout: Receiver<Vec<u8>>,
    stderr: Receiver<Vec<u8>>,
    /// What rask has written to stderr so far.
    stderr_so_far: Arc<Mutex<Vec<u8>>>,
    /// rask's stdout (when piped) and stderr pipes, to find who still holds them.
    pipes: Vec<OwnedFd>,
}

impl Running {
    pub fn path(&self, relative: impl AsRef<Path>) -> PathBuf {
        self.test
            .as_ref()
            .expect("the test is taken only by `status`")
            .path(relative)
    }

    /// Waits (bounded) until a task has written `relative`; fails the test otherwise, and at once
    /// if rask exits first.
    #[track_caller]
    pub fn wait_for_file(&self, relative: impl AsRef<Path>) {
        let path = self.path(relative);
        let appeared = poll(WAIT, || {
            self.note_exit();
            path.exists() || self.exit_status.get().is_some()
        });
        if let Some(status) = self.exit_status.get().filter(|_| !path.exists()) {
            panic!("rask exited ({status}) before {} appeared", path.display());
        }
        assert!(appeared, "{} never appeared", path.display());
    }

    /// Reaps rask if it has exited, recording its status; `exit_status` says whether it has.
    fn note_exit(&self) {
        if self.exit_status.get().is_none() && self.exit.try_recv().is_ok() {
            self.reap();
        }
    }

    fn reap(&self) {
        let status = self
            .child
            .borrow_mut()
            .wait()
            .expect("waiting for rask works");
        self.exit_status.set(Some(status));
    }

    /// Reads a pid a task wrote with `echo $! > FILE` (or `$$`).
    #[track_caller]
    pub fn read_pid(&self, relative: impl AsRef<Path>) -> i32 {
        read_pid(&self.path(relative))
    }

    /// Waits (bounded) for a task to write a pid to `relative`, atomically (`echo $! > tmp;
    /// mv tmp FILE`), and reads it.
    #[track_caller]
    pub fn wait_for_pid(&self, relative: impl AsRef<Path>) -> i32 {
        self.wait_for_file(relative.as_ref());
        self.read_pid(relative)
    }

    /// Ctrl-C, as a user would press it: SIGINT to rask, which must then exit 130 with every
    /// expectation met.
    #[track_caller]
    pub fn interrupt(self) -> Output {
        self.signal(libc::SIGINT);
        self.status(130)
    }

    /// rask's process id.
    pub fn pid(&self) -> i32 {
        self.pid
    }

    /// What rask has written to stderr so far.
    pub fn stderr_so_far(&self) -> String {
        String::from_utf8_lossy(&self.stderr_so_far.lock().expect("no reader panics")).into_owned()
    }

    /// Waits (bounded) until rask has written `needle` to stderr at least `count` times; fails
    /// the test otherwise, and at once if rask exits first. How a test learns that a watching
    /// rask is ready, or done with a run.
    #[track_caller]
    pub fn wait_for_stderr(&self, needle: &str, count: usize) {
        let seen = poll(WAIT, || {
            self.note_exit();
            self.stderr_so_far().matches(needle).count() >= count
                || self.exit_status.get().is_some()
        });
        let stderr = self.stderr_so_far();
        let found = stderr.matches(needle).count();
        assert!(
            seen && found >= count,
            "stderr shows {needle:?} {found} times, not {count} (rask exited: {:?}):\n{stderr}",
            self.exit_status.get()
        );
    }

    /// Sends `signal` to rask (not to its group: rask must pass it on itself).
    #[track_caller]
    pub fn signal(&self, signal: i32) {
        // SAFETY: kill(2) has no memory-safety preconditions; `pid` is our live child.
        let result = unsafe { libc::kill(self.pid, signal) };
        assert_eq!(result, 0, "kill({}, {signal}) failed", self.pid);
    }

    /// Waits for rask to exit and checks the exit code and every expectation.
    #[track_caller]
    pub fn status(mut self, code: i32) -> Output {
        if self.exit_status.get().is_none() {
            if self.exit.recv_timeout(RUN_DEADLINE).is_err() {
                panic!("rask did not exit within {RUN_DEADLINE:?}; killing it");
            }
            self.reap();
        }
        let status = self.exit_status.get().expect("rask was reaped");
        let captured = |pipe: &Receiver<Vec<u8>>, name: &str| {
            pipe.recv_timeout(PIPE_DEADLINE).unwrap_or_else(|_| {
                let holders = process_tree::kill_pipe_holders(&self.pipes);
                panic!(
                    "rask exited ({status}) but its {name} stayed open for {PIPE_DEADLINE:?}: \
                     a process it started outlived it (killed now: {holders:?})"
                )
            })
        };
        let (stdout, stderr) = (
            captured(&self.stdout, "stdout"),
            captured(&self.stderr, "stderr"),
        );
        let test = self.test.take().expect("`status` runs once");
        test.check(code, status, stdout, stderr)
    }
}

impl Drop for Running {
    /// Before [`Running::status`] (a test that failed or gave up early): rask, its group and
    /// every task it started are killed, and rask is reaped; so is any process that escaped
    /// rask's tree (a re-parented daemon) but still holds rask's stdout or stderr. An exited rask not reaped yet still
    /// gets its group killed: a task sharing rask's group may outlive it.
    fn drop(&mut self) {
        if self.exit_status.get().is_none() {
            process_tree::kill_tree(self.pid);
            let _ = self.child.get_mut().wait();
        }
        if self.test.is_some() {
            // `status` did not finish: whatever escaped rask's tree but holds its output goes too.
            process_tree::kill_pipe_holders(&self.pipes);
        }
    }
}

/// A rask started by [`Test::spawn_beside`]. Dropped before it was waited for (a failed test),
/// it is killed with its process group and every task it started, and reaped; so is any
/// process that escaped rask's tree but holds its stdout or stderr.
pub struct Beside {
    child: Child,
    stderr: Receiver<Vec<u8>>,
    /// Its stdout and stderr pipes (see [`Running`]).
    pipes: Vec<OwnedFd>,
    /// Whether [`Beside::exit`] saw it end and its stderr close.
    waited: bool,
}

/// How a rask started by [`Test::spawn_beside`] ended.
pub struct BesideExit {
    /// `None` when a signal ended it.
    pub code: Option<i32>,
    pub stderr: String,
}

impl Beside {
    /// Waits (bounded by [`RUN_DEADLINE`]) for rask to exit; its exit code.
    #[track_caller]
    pub fn exit_code(self) -> Option<i32> {
        self.exit().code
    }

    /// Waits (bounded by [`RUN_DEADLINE`]) for rask to exit and its stderr to close.
    #[track_caller]
    pub fn exit(mut self) -> BesideExit {
        let mut status = None;
        let exited = poll(RUN_DEADLINE, || {
            status = self.child.try_wait().expect("waiting for rask works");
            status.is_some()
        });
        assert!(exited, "rask did not exit within {RUN_DEADLINE:?}");
        let stderr = self.stderr.recv_timeout(PIPE_DEADLINE).unwrap_or_else(|_| {
            let holders = process_tree::kill_pipe_holders(&self.pipes);
            panic!(
                "rask exited but its stderr stayed open for {PIPE_DEADLINE:?}: \
                 a process it started outlived it (killed now: {holders:?})"
            )
        });
        self.waited = true;
        BesideExit {
            code: status.and_then(|status| status.code()),
            stderr: String::from_utf8_lossy(&stderr).into_owned(),
        }
    }
}

impl Drop for Beside {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            process_tree::kill_tree(self.child.id() as i32);
            let _ = self.child.wait();
        }
        if !self.waited {
            process_tree::kill_pipe_holders(&self.pipes);
        }
    }
}

/// A receiver that yields once `pid` (a child of this process) has exited, without reaping it:
/// the pid stays reserved until its owner reaps it.
fn notify_exit(pid: i32) -> Receiver<()> {
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        loop {
            // SAFETY: siginfo_t is plain C data, for which all-zero bytes are a valid value.
            let mut info: libc::siginfo_t = unsafe { std::mem::zeroed() };
            // SAFETY: `info` is a valid siginfo_t for waitid to fill; WNOWAIT leaves the child
            // a zombie for its owner to reap.
            let result = unsafe {
                libc::waitid(
                    libc::P_PID,
                    pid as libc::id_t,
                    &mut info,
                    libc::WEXITED | libc::WNOWAIT,
                )
            };
            let interrupted =
                result == -1 && std::io::Error::last_os_error().raw_os_error() == Some(libc::EINTR);
            if !interrupted {
                break;
            }
        }
        let _ = tx.send(());
    });
    rx
}

/// What one finished run produced. Keeps the project alive for further asserts.
pub struct Output {
    pub stdout: Vec<u8>,
    pub stderr: String,
    pub tempdir: TempDir,
}

impl Output {
    /// The same project, for another run: its files stay, expectations start afresh.
    pub fn rerun(self) -> Test {
        Test::in_project(self.tempdir)
    }

    pub fn stdout_text(&self) -> String {
        String::from_utf8(self.stdout.clone()).expect("stdout is UTF-8")
    }

    pub fn stdout_lines(&self) -> Vec<String> {
        self.stdout_text().lines().map(str::to_owned).collect()
    }

    pub fn path(&self, relative: impl AsRef<Path>) -> PathBuf {
        self.tempdir.path().join(relative)
    }

    #[track_caller]
    pub fn read(&self, relative: impl AsRef<Path>) -> String {
        let path = self.path(relative);
        fs::read_to_string(&path)
            .unwrap_or_else(|error| panic!("cannot read {}: {error}", path.display()))
    }

    /// Lines of a log file the tasks appended to.
    #[track_caller]
    pub fn log_lines(&self, relative: impl AsRef<Path>) -> Vec<String> {
        self.read(relative).lines().map(str::to_owned).collect()
    }

    /// stderr with the temp dir and durations replaced, ready for an `insta` snapshot.
    pub fn stderr_redacted(&self) -> String {
        redact(&self.stderr, self.tempdir.path())
    }

    /// Reads a pid a task wrote with `echo $! > FILE`.
    #[track_caller]
    pub fn read_pid(&self, relative: impl AsRef<Path>) -> i32 {
        read_pid(&self.path(relative))
    }
}

/// What rask says when it refuses `args` on a project with this `tasks.toml`: see
/// [`Test::refusal`].
#[track_caller]
pub fn refusal(toml: &str, args: &[&str]) -> String {
    Test::new().tasks_toml(toml).args(args).refusal()
}

/// rask refuses `args` on a project with this `tasks.toml` before any task ran (see
/// [`Test::refusal`]), and its error says each of `said`.
#[track_caller]
pub fn refused_saying(toml: &str, args: &[&str], said: &[&str]) {
    said.iter()
        .fold(Test::new().tasks_toml(toml).args(args), |test, needle| {
            test.expect_stderr_contains(needle)
        })
        .refusal();
}

/// Replaces what differs between runs: the project's temp dir (as given and canonical) becomes
/// `[TEMP]`, and every duration (`412ms`, `1.5s`, `30µs`) becomes `[TIME]`.
pub fn redact(text: &str, tempdir: &Path) -> String {
    let mut text = text.to_owned();
    let canonical = tempdir
        .canonicalize()
        .unwrap_or_else(|_| tempdir.to_owned());
    for dir in [canonical, tempdir.to_owned()] {
        text = text.replace(dir.to_string_lossy().as_ref(), "[TEMP]");
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text.as_str();
    while let Some(start) = rest.find(|c: char| c.is_ascii_digit()) {
        let (before, from_digits) = rest.split_at(start);
        out.push_str(before);
        let number_len = from_digits
            .find(|c: char| !c.is_ascii_digit() && c != '.')
            .unwrap_or(from_digits.len());
        let after_number = &from_digits[number_len..];
        let unit = ["ms", "µs", "ns", "s"]
            .into_iter()
            .find(|unit| after_number.starts_with(unit))
            .filter(|unit| !after_number[unit.len()..].starts_with(|c: char| c.is_alphanumeric()));
        let glued_to_word = out.ends_with(|c: char| c.is_alphanumeric() || c == '_');
        match unit {
            Some(unit) if !glued_to_word => {
                out.push_str("[TIME]");
                rest = &after_number[unit.len()..];
            }
            _ => {
                out.push_str(&from_digits[..number_len]);
                rest = after_number;
            }
        }
    }
    out.push_str(rest);
    out
}

/// Calls `condition` until it holds or `limit` passes; returns whether it held. Polling is how a
/// test learns about events outside rask; the limit only bounds a failure.
pub fn poll(limit: Duration, mut condition: impl FnMut() -> bool) -> bool {
    let start = Instant::now();
    loop {
        if condition() {
            return true;
        }
        if start.elapsed() > limit {
            return condition();
        }
        thread::sleep(Duration::from_millis(10));
    }
}

#[track_caller]
pub fn read_pid(path: &Path) -> i32 {
    let text = fs::read_to_string(path)
        .unwrap_or_else(|error| panic!("cannot read pid file {}: {error}", path.display()));
    text.trim()
        .parse()
        .unwrap_or_else(|error| panic!("pid file {} holds {text:?}: {error}", path.display()))
}

/// Whether no live process has this pid. A zombie counts as dead: once rask is gone, an orphan is
/// reparented to init (or a subreaper), which may reap it late or, in a container, never.
pub fn is_dead(pid: i32) -> bool {
    // SAFETY: signal 0 only checks existence and permission; no memory is involved.
    let result = unsafe { libc::kill(pid, 0) };
    if result == -1 && std::io::Error::last_os_error().raw_os_error() == Some(libc::ESRCH) {
        return true;
    }
    // `/proc/PID/stat` is `PID (COMM) STATE ...`; COMM may contain spaces, so split after `)`.
    fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|stat| {
            let after = &stat[stat.rfind(')')? + 1..];
            after
                .split_whitespace()
                .next()
                .map(|state| state == "Z" || state == "X")
        })
        .unwrap_or(false)
}

/// Fails the test unless `pid` is dead within a short bounded wait (the kill may take a moment to
/// land). A survivor is killed before failing so it does not outlive the test run either.
#[track_caller]
pub fn assert_dead(pid: i32, what: &str) {
    if poll(WAIT, || is_dead(pid)) {
        return;
    }
    let cmdline = fs::read(format!("/proc/{pid}/cmdline"))
        .map(|bytes| String::from_utf8_lossy(&bytes).replace('\0', " "))
        .unwrap_or_default();
    // SAFETY: as in `is_dead`; this pid was written by a task of this test.
    unsafe { libc::kill(pid, libc::SIGKILL) };
    panic!("{what} (pid {pid}, `{cmdline}`) is still alive after rask exited");
}

/// Runs the test `name` (its full path, `module::test`) again in a process of its own that is a
/// subreaper (`PR_SET_CHILD_SUBREAPER`): what rask leaves behind when it exits is re-parented to
/// that process instead of init, so a child rask did not reap is still there, a zombie, for
/// [`assert_gone`] to see. The property is per process, hence the separate process: set here,
/// it would adopt the leftovers of every test running beside this one. Returns `true` in that
/// process (run the test's body), `false` in the test that started it, once it has passed.
#[track_caller]
pub fn in_a_subreaper(name: &str) -> bool {
    const CHILD: &str = "RASK_IT_SUBREAPER";
    if std::env::var_os(CHILD).is_some() {
        // SAFETY: PR_SET_CHILD_SUBREAPER takes an integer flag and touches no memory of ours.
        let result = unsafe { libc::prctl(libc::PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) };
        assert_eq!(result, 0, "prctl: {}", std::io::Error::last_os_error());
        return true;
    }
    let exe = std::env::current_exe().expect("the test binary knows its path");
    let output = Command::new(exe)
        .args([name, "--exact", "--nocapture", "--test-threads", "1"])
        .env(CHILD, "1")
        .output()
        .expect("the test binary runs again");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success() && stdout.contains("1 passed"),
        "{name} failed in its subreaper process ({}):\n{stdout}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    false
}

/// Fails the test unless no process at all, not even a zombie, has this pid: for a child rask
/// must have reaped, in a test run [`in_a_subreaper`].
#[track_caller]
pub fn assert_gone(pid: i32, what: &str) {
    // SAFETY: signal 0 only checks existence and permission; no memory is involved.
    let result = unsafe { libc::kill(pid, 0) };
    let error = std::io::Error::last_os_error();
    assert!(
        result == -1 && error.raw_os_error() == Some(libc::ESRCH),
        "{what} (pid {pid}) is still there after rask exited: alive, or a zombie rask did not reap"
    );
}

/// Reaps every zombie re-parented to this process (see [`in_a_subreaper`]).
pub fn reap_adopted() {
    // SAFETY: waitpid with a valid status pointer; WNOHANG never blocks.
    while unsafe { libc::waitpid(-1, &mut 0, libc::WNOHANG) } > 0 {}
}

/// A shell snippet that waits, bounded, for a file to exist; exits 1 if it never does. Tasks use
/// it to meet each other; the bound (10 s) only limits how long a failing test takes.
pub fn sh_wait_for(file: &str) -> String {
    format!("i=0; while [ ! -e {file} ]; do i=$((i+1)); [ $i -ge 200 ] && exit 1; sleep 0.05; done")
}

#[test]
fn redact_replaces_durations_but_not_other_numbers() {
    assert_eq!(
        redact(
            "a 412ms b (1.5s) 30µs exit code 3 t2s x2 5 tasks",
            Path::new("/nowhere")
        ),
        "a [TIME] b ([TIME]) [TIME] exit code 3 t2s x2 5 tasks"
    );
}

#[test]
fn unindent_strips_the_common_indent_and_the_closing_line() {
    assert_eq!(unindent("\n    a\n      b\n\n    c\n    "), "a\n  b\n\nc\n");
    assert_eq!(unindent("a\n  b\n"), "a\n  b\n");
}

/// Runs rask with `args` in `test`'s project on a pseudo-terminal (through `script(1)`), with
/// `env` set and `input` typed into it; the terminal's output (rask's stdout and stderr, with
/// their escape sequences) is the result's stdout.
pub fn run_on_a_terminal(
    test: &Test,
    args: &str,
    env: &[(&str, &str)],
    input: &str,
) -> std::process::Output {
    use std::io::Write as _;
    let command = format!("'{RASK}' {args}");
    let mut child = Command::new("script")
        .args(["-qec", &command, "/dev/null"])
        .current_dir(test.path("."))
        .envs(env.iter().copied())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("script(1) runs");
    child
        .stdin
        .take()
        .expect("stdin was piped")
        .write_all(input.as_bytes())
        .expect("script reads its stdin");
    child.wait_with_output().expect("script(1) exits")
}
