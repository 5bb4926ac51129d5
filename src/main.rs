//! The `rask` binary: everything happens in [`rask::run`].

fn main() -> std::process::ExitCode {
    rask::run(std::env::args_os())
}
