//! Task words → requests: which tasks were named, and the arguments each was given.
//! The main type here is [`BoundWords`].
//!
//! This needs the task file (to know names and parameters), so it runs after `config`:
//! `rask greet --name Bob test -j 2 -- extra` names `greet` (with `name = Bob`) and `test`,
//! rask's own `-j 2`, and `extra` for the last task's last command.

use super::CliError;
use super::args::{TakesValue, global_option, long_options};
use crate::config::{Command, Param, ParamKind, Task, TaskFile, suggest};
use crate::graph::{Names, Request};

/// The task words of a command line, sorted out.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct BoundWords {
    pub(crate) requests: Vec<Request>,
    /// Words after `--`, for the last requested task's last command.
    pub(crate) extra: Vec<String>,
    /// rask's own options found after task names, to be parsed like the leading ones.
    pub(crate) options: Vec<String>,
    /// `rask TASK --help`: the task (index into `TaskFile::tasks`) whose help to show.
    pub(crate) help: Option<usize>,
    /// `NAME=VALUE` words before the first task: var overrides, just's way.
    pub(crate) vars: Vec<(String, String)>,
}

/// A task named so far, with the values given to its parameters.
struct Pending {
    task: usize,
    values: Vec<Option<String>>,
}

pub(crate) fn bind(words: &[String], file: &TaskFile) -> Result<BoundWords, CliError> {
    let names = Names::new(file);
    let mut bound = BoundWords::default();
    let mut pending: Vec<Pending> = Vec::new();
    let mut words = words.iter().peekable();
    // `rask run build` is `rask build`, unless a task is called `run`: no keyword shadows a task.
    if words
        .peek()
        .is_some_and(|word| *word == "run" && names.get("run").is_none())
    {
        words.next();
    }
    while let Some(word) = words.next() {
        if word == "--" {
            bound.extra = words.by_ref().cloned().collect();
            break;
        }
        if pending.is_empty() && names.get(word).is_none() {
            if let Some(assignment) = assignment(word) {
                bound.vars.push(assignment);
                continue;
            }
        }
        let current = pending.last_mut();
        if let Some(current) = current {
            let task = &file.tasks[current.task];
            if word == "-h" || word == "--help" {
                bound.help = Some(current.task);
                continue;
            }
            if let Some(option) = word.strip_prefix("--") {
                if let Some(position) = switch_off(task, option) {
                    current.values[position] = Some("false".to_owned());
                    continue;
                }
                if let Some(position) = param_position(task, option) {
                    let value = param_value(task, &task.params[position], option, &mut words)?;
                    // `--files a --files b` adds to a list parameter.
                    let slot = &mut current.values[position];
                    *slot = match (task.params[position].is_list(), slot.take()) {
                        (true, Some(given)) => {
                            Some(format!("{given} {}", shell_words::quote(&value)))
                        }
                        (true, None) => Some(shell_words::quote(&value).into_owned()),
                        (false, _) => Some(value),
                    };
                    continue;
                }
            }
            if !word.starts_with('-') && names.get(word).is_none() {
                if let Some(position) = next_positional(task, &current.values) {
                    let param = &task.params[position];
                    // A variadic parameter takes this word and every one after it.
                    current.values[position] = Some(if param.is_switch() {
                        switch_value(task, param, word)?
                    } else if param.variadic {
                        let rest: Vec<&String> =
                            words.by_ref().take_while(|word| *word != "--").collect();
                        shell_words::join(std::iter::once(word).chain(rest))
                    } else {
                        word.clone()
                    });
                    continue;
                }
            }
        }
        if word.starts_with('-') && word.len() > 1 {
            let Some(takes_value) = global_option(word) else {
                return Err(unknown_option(
                    word,
                    pending.last().map(|current| &file.tasks[current.task]),
                ));
            };
            bound.options.push(word.clone());
            if takes_value == TakesValue::NextWord {
                bound.options.extend(words.next().cloned());
            }
            continue;
        }
        let task = names.resolve(word)?;
        pending.push(Pending {
            task,
            values: vec![None; file.tasks[task].params.len()],
        });
    }
    // Help is asked for before the arguments are complete: don't insist on them then.
    if bound.help.is_none() {
        bound.requests = pending
            .into_iter()
            .map(|pending| complete(&file.tasks[pending.task], pending))
            .collect::<Result<_, _>>()?;
        refuse_repeats(&bound.requests, file)?;
        refuse_unused_extra(&bound, file)?;
    }
    Ok(bound)
}

/// `NAME=VALUE` with an identifier for a name: a var override.
pub(crate) fn assignment(word: &str) -> Option<(String, String)> {
    let (name, value) = word.split_once('=')?;
    crate::config::placeholder::is_identifier(name).then(|| (name.to_owned(), value.to_owned()))
}

/// The switch `--no-NAME` turns off (invoke's way), unless a parameter is called `no-NAME`.
fn switch_off(task: &Task, option: &str) -> Option<usize> {
    let name = option.strip_prefix("no-")?;
    if param_position(task, option).is_some() {
        return None;
    }
    let position = task.params.iter().position(|param| param.name == name)?;
    task.params[position].is_switch().then_some(position)
}

/// The parameter an option word (without `--`, maybe with `=value`) names.
fn param_position(task: &Task, option: &str) -> Option<usize> {
    let name = option.split_once('=').map_or(option, |(name, _)| name);
    task.params.iter().position(|param| param.name == name)
}

fn param_value<'a>(
    task: &Task,
    param: &Param,
    option: &str,
    words: &mut impl Iterator<Item = &'a String>,
) -> Result<String, CliError> {
    let inline = option.split_once('=').map(|(_, value)| value.to_owned());
    match (param.is_switch(), inline) {
        // A switch (a flag, or a `type = "bool"` parameter) never takes the next word:
        // `rask test --verbose build` names the task `build` (issue #11).
        (true, None) => Ok("true".to_owned()),
        (true, Some(value)) => switch_value(task, param, &value),
        (false, Some(value)) => Ok(value),
        // A value that is one of rask's own options (`greet --name -n`) is refused rather
        // than taken: whoever typed it may have meant a dry run (issue #8). `--name=-n` says
        // it is a value.
        (false, None) => match words.next() {
            Some(word) if !(word.starts_with('-') && global_option(word).is_some()) => {
                Ok(word.clone())
            }
            _ => Err(CliError::MissingValue {
                task: task.name.clone(),
                param: param.name.clone(),
            }),
        },
    }
}

/// A switch's value, given as `--NAME=VALUE` or positionally: `true` or `false` (also
/// `yes`/`no`, `1`/`0`), as it is substituted.
fn switch_value(task: &Task, param: &Param, value: &str) -> Result<String, CliError> {
    match Param::switch_value(value) {
        Some(on) => Ok(on.to_string()),
        None => Err(CliError::SwitchValue {
            task: task.name.clone(),
            param: param.name.clone(),
            value: value.to_owned(),
        }),
    }
}

/// `choices` and `type`, checked on every word given (each word of a list parameter).
fn check_value(task: &Task, param: &Param, value: &str) -> Result<(), CliError> {
    for word in param.words(value) {
        param.check(&word).map_err(|expected| CliError::BadValue {
            task: task.name.clone(),
            param: param.name.clone(),
            value: word.clone(),
            expected,
        })?;
    }
    Ok(())
}

/// The first value parameter, in declaration order, that has no value yet; a `multiple` one is
/// given only as options.
fn next_positional(task: &Task, values: &[Option<String>]) -> Option<usize> {
    task.params.iter().zip(values).position(|(param, value)| {
        matches!(param.kind, ParamKind::Value { .. }) && !param.multiple && value.is_none()
    })
}

/// A `-…` word that is neither a parameter of the task before it nor one of rask's options.
/// The did-you-mean looks at the task's parameters first, then at rask's own options
/// (`build --keepgoing` → `--keep-going`).
fn unknown_option(word: &str, task: Option<&Task>) -> CliError {
    let option = word
        .split_once('=')
        .map_or(word, |(name, _)| name)
        .to_owned();
    let typed = option.trim_start_matches('-');
    let params = task
        .into_iter()
        .flat_map(|task| task.params.iter().map(|param| param.name.as_str()));
    let own = long_options();
    let suggestion = suggest(typed, params)
        .or_else(|| suggest(typed, own.iter().map(String::as_str)))
        .map(|name| format!("--{name}"));
    match task {
        // Parameters are long options only: a short word is never meant as one.
        Some(task) if option.starts_with("--") => CliError::UnknownParam {
            task: task.name.clone(),
            option,
            suggestion,
        },
        _ => CliError::UnknownOption { option, suggestion },
    }
}

/// A task runs at most once per invocation, so naming it twice is fine only when both calls
/// say the same: `rask greet Bob greet Al` is refused rather than half run (issue #8).
fn refuse_repeats(requests: &[Request], file: &TaskFile) -> Result<(), CliError> {
    for (position, request) in requests.iter().enumerate() {
        let earlier = requests[..position]
            .iter()
            .find(|earlier| earlier.task == request.task && earlier.values != request.values);
        if earlier.is_some() {
            return Err(CliError::RepeatedTask {
                task: file.tasks[request.task].name.clone(),
            });
        }
    }
    Ok(())
}

/// Fills in defaults; a required parameter without a value is an error.
fn complete(task: &Task, pending: Pending) -> Result<Request, CliError> {
    let values = task
        .params
        .iter()
        .zip(pending.values)
        .map(|(param, value)| {
            let value =
                value
                    .or_else(|| param.fallback())
                    .ok_or_else(|| CliError::MissingParam {
                        task: task.name.clone(),
                        param: param.name.clone(),
                    })?;
            check_value(task, param, &value)?;
            Ok::<_, CliError>(value)
        })
        .collect::<Result<_, _>>()?;
    Ok(Request {
        task: pending.task,
        values,
    })
}

/// Words after `--` go to the last requested task's last command. When it has none to take
/// them (an aggregate, or a last step that calls a task), they are refused, never dropped.
fn refuse_unused_extra(bound: &BoundWords, file: &TaskFile) -> Result<(), CliError> {
    let Some(last) = bound.requests.last() else {
        return Ok(());
    };
    if bound.extra.is_empty() {
        return Ok(());
    }
    let task = &file.tasks[last.task];
    let why = match task.run.last().map(|step| &step.command) {
        None => "it runs no command of its own",
        Some(Command::Call(_)) => "its last step calls another task",
        Some(_) => return Ok(()),
    };
    Err(CliError::UnusedExtra {
        task: task.name.clone(),
        why,
    })
}
