//! Shell completion: the registration script for `--completions SHELL`, and task names as
//! candidates when the shell calls back (`COMPLETE=bash rask -- …`), as just does.

use std::io::Write;

use clap_complete::engine::CompletionCandidate;
use clap_complete::env::Shells;

/// The environment variable through which the shell asks rask for completions.
pub(crate) const COMPLETE_VAR: &str = "COMPLETE";

/// Answers a completion request and exits, if this process is one; otherwise returns.
pub(crate) fn answer_if_requested() {
    clap_complete::CompleteEnv::with_factory(<super::Args as clap::CommandFactory>::command)
        .var(COMPLETE_VAR)
        .complete();
}

/// Writes the script that registers rask's completions with `shell`.
pub(crate) fn write_registration(shell: &str, out: &mut dyn Write) -> std::io::Result<()> {
    let shells = Shells::builtins();
    let completer = shells.completer(shell).ok_or_else(|| {
        std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            format!("unknown shell `{shell}`"),
        )
    })?;
    completer.write_registration(COMPLETE_VAR, "rask", "rask", "rask", out)
}

/// Task names and aliases from the tasks.toml that rask would find here; none if there is none
/// or it does not parse (completion must never print errors into the user's prompt).
pub(crate) fn task_candidates() -> Vec<CompletionCandidate> {
    let Ok(current_dir) = std::env::current_dir() else {
        return Vec::new();
    };
    let Ok(source) = crate::config::discover(None, &current_dir) else {
        return Vec::new();
    };
    let Ok(file) = crate::config::parse(&source) else {
        return Vec::new();
    };
    file.tasks
        .iter()
        .filter(|task| !task.hide)
        .flat_map(|task| {
            let help = task.description.clone().map(Into::into);
            std::iter::once(CompletionCandidate::new(&task.name).help(help.clone())).chain(
                task.aliases
                    .iter()
                    .map(move |alias| CompletionCandidate::new(&alias.name).help(help.clone())),
            )
        })
        .collect()
}
