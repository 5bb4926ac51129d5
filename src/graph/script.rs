//! Script commands, planned: a shell string of `run` that starts with a shebang, or any shell
//! string of a task with an `interpreter`, runs as a script file rather than a command line
//! (just's shebang recipes). The main function here is [`planned_script`].
//!
//! Values are substituted verbatim, as the script's language has its own quoting rules; they
//! also reach the script as environment variables ([`param_env`]), which is the safe way to
//! read a value that holds quotes.

use super::PlannedCommand;
use super::plan::Script;
use super::program::Program;
use super::substitute::{Quoting, substitute};
use super::vars::Bindings;
use crate::config::{Command, Param, Task};

/// The prefix of the environment variable each parameter is exported as to scripts:
/// `RASK_PARAM_` and the name upper-cased, `-` turned into `_` (`out-dir` → `RASK_PARAM_OUT_DIR`).
pub(crate) const PARAM_ENV_PREFIX: &str = "RASK_PARAM_";
/// The same for vars: `RASK_VAR_` and the name upper-cased.
pub(crate) const VAR_ENV_PREFIX: &str = "RASK_VAR_";

/// `text` as a script command, or `None` if it is a command line. `args` are the words given
/// after the task on the command line: the script's own arguments.
pub(super) fn planned_script<'a>(
    interpreter: &[String],
    text: &str,
    lookup: &impl Fn(&str) -> Option<&'a str>,
    args: &[String],
) -> Option<PlannedCommand> {
    if interpreter.is_empty() && !text.starts_with("#!") {
        return None;
    }
    let text = substitute(text, Quoting::Verbatim, lookup);
    // One line for the echo: the shebang (or the interpreter) stands for the whole script.
    let lines = text.lines().count();
    let program = match interpreter {
        [] => text.lines().next().unwrap_or_default().to_owned(),
        _ => shell_words::join(interpreter),
    };
    let unit = if lines == 1 { "line" } else { "lines" };
    let display = format!("{program} (script, {lines} {unit})");
    let mut planned = PlannedCommand::new(display, Program::Words(interpreter.to_vec()));
    planned.script = Some(Script {
        text,
        args: args.to_vec(),
    });
    Some(planned)
}

/// Whether `task` runs a script: a file of a script directory, or a script command.
pub(super) fn has_scripts(task: &Task) -> bool {
    task.script_file.is_some()
        || task.run.iter().any(|step| match &step.command {
            Command::Shell(text) => !task.interpreter.is_empty() || text.starts_with("#!"),
            Command::Argv(_) | Command::Call(_) => false,
        })
}

/// Each parameter as `RASK_PARAM_NAME=value`, and each var the task uses (`bindings` beyond
/// its parameters) as `RASK_VAR_NAME=value`, for a task's scripts. Only vars the task uses are
/// known here: a computed var runs only when something uses it.
pub(super) fn script_env(
    params: &[Param],
    values: &[String],
    bindings: &Bindings<'_>,
) -> Vec<(String, String)> {
    let env_name =
        |prefix: &str, name: &str| format!("{prefix}{}", name.to_uppercase().replace('-', "_"));
    let params_env = params
        .iter()
        .zip(values)
        .map(|(param, value)| (env_name(PARAM_ENV_PREFIX, &param.name), value.clone()));
    let vars_env = bindings
        .iter()
        .filter(|(name, _)| !params.iter().any(|param| param.name == *name))
        .map(|(name, value)| (env_name(VAR_ENV_PREFIX, name), value.clone()));
    params_env.chain(vars_env).collect()
}
