//! rask: a task runner. Tasks are declared once in `tasks.toml`, ordered into a DAG and run in
//! parallel with captured output, exact exit codes and no process left behind.
//!
//! One invocation flows downward through the layers:
//! `cli` (argv → `Args`) → `config` (`Source` → `TaskFile`) → `cli` again (task words →
//! `Invocation`) → `graph` (`Plan`) → `exec` (`Scheduler`, emitting events) → `report`.

mod atomic_file;
#[doc(hidden)]
pub mod bench_support;
mod cache;
mod cli;
mod config;
mod confirm;
mod dispatch;
mod error;
mod events;
mod exec;
mod execute;
mod graph;
mod heap;
#[cfg(test)]
mod hostile_input_tests;
mod report;
mod watch;

use std::ffi::OsString;
use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use error::Error;

/// Runs rask with the given command line (program name first) and returns its exit code.
pub fn run(args: impl IntoIterator<Item = OsString>) -> ExitCode {
    error::install_panic_hook();
    cli::answer_if_requested();
    let argv: Vec<OsString> = args.into_iter().collect();
    let code = match dispatch::run_argv(&argv) {
        Ok(code) => code,
        // clap prints help and version to stdout, usage errors to stderr, each in its style.
        Err(Error::Cli(cli::CliError::Args(error))) => {
            let _ = error.print();
            error.exit_code()
        }
        Err(error) => {
            let color = cli::color_choice(&argv).wants_color(std::io::stderr().is_terminal());
            let rendered = error.render(color);
            let _ = writeln!(std::io::stderr().lock(), "{}", rendered.trim_end());
            error.exit_code()
        }
    };
    ExitCode::from(u8::try_from(code).unwrap_or(1))
}
