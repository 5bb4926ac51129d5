//! rask: a task runner. Tasks are declared once in `tasks.toml`, ordered into a DAG and run in
//! parallel with captured output, exact exit codes and no process left behind.
//!
//! The flow of one invocation: `cli` → `config` → `graph` → `exec` → `report`.

mod config;

use std::ffi::OsString;
use std::process::ExitCode;

/// Runs rask with the given command line (program name first) and returns its exit code.
pub fn run(args: impl IntoIterator<Item = OsString>) -> ExitCode {
    let _ = args.into_iter().count();
    let _ = config::parse;
    ExitCode::SUCCESS
}
