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

/// Task names and aliases from the tasks.toml that rask would find here, and the other names
/// tasks answer to (`w:build` through a namespace alias, `web` for a namespace's `default`
/// task); none if there is none or it does not parse (completion must never print errors
/// into the user's prompt).
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
    let mut seen = std::collections::HashSet::new();
    let mut candidates = Vec::new();
    let visible = file.tasks.iter().filter(|task| !task.hide);
    // Own names and aliases first: an other name spelled like one of them means that task.
    let own = visible.clone().flat_map(|task| {
        std::iter::once(task.name.as_str())
            .chain(task.aliases.iter().map(|alias| alias.name.as_str()))
            .map(move |name| (name, task))
    });
    let other = visible
        .flat_map(|task| (task.other_names.iter()).map(move |other| (other.name.as_str(), task)));
    for (name, task) in own.chain(other) {
        if seen.insert(name) {
            let help = task.description.clone().map(Into::into);
            candidates.push(CompletionCandidate::new(name).help(help));
        }
    }
    candidates
}
