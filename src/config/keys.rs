//! Every key `tasks.toml` knows, described once: its name, where it is allowed (the table it is
//! in), its doc line, its JSON-schema shape and its reader. The main type here is [`Key`].
//!
//! These tables drive reading (`Reader::read_table`), the did-you-mean for unknown keys and
//! the JSON schema (`schema.rs`), so adding a key means adding its model field and one entry
//! here. A reader turns the value into model values, reporting every problem it finds; checks
//! that span several keys (placeholders against `params`) run once the table is read
//! (`parse.rs`).

use std::path::PathBuf;
use std::time::Duration;

use serde_json::Value as Json;
use toml::Spanned;
use toml::de::DeValue;

use super::calls;
use super::draft::{
    ComputedDraft, EnvDraft, FileDraft, IncludeDraft, ParamDraft, TaskDraft, Template,
};
use super::placeholder::is_identifier;
use super::platform::{OPERATING_SYSTEMS, Platform};
use super::reader::{Reader, entries};
use super::schema;
use super::steps;
use super::values::{DurationText, EnvValue, Integer, RawCommand, RunSpec, StringArray};
use super::{
    Command, Diagnostic, EnvSetting, MAX_JOBS, NameRef, RunStep, Settings, Span, UpToDateMethod,
    Var, VarValue,
};

/// One key of one kind of table, and how to read it into a `T`.
pub(crate) struct Key<T> {
    pub(crate) name: &'static str,
    /// One line for the schema's `description` (and editors' hover text).
    pub(crate) doc: &'static str,
    pub(crate) schema: fn() -> Json,
    pub(crate) read: fn(&mut T, Spanned<DeValue<'_>>, &mut Reader<'_>),
}

/// The top level of a task file.
pub(crate) const TOP_KEYS: &[Key<FileDraft>] = &[
    Key {
        name: "settings",
        doc: "Settings for the whole file",
        schema: || schema::reference("settings"),
        read: |file, value, reader| {
            file.settings_range = Some(value.span());
            if let Some(table) = reader.table(value) {
                let context = |_: &Settings| "in `[settings]`".to_owned();
                reader.read_table(table, SETTINGS_KEYS, &mut file.settings, context);
            }
        },
    },
    Key {
        name: "env",
        doc: "Environment variables for every task",
        schema: schema::env,
        read: |file, value, reader| file.env = read_env(value, reader, &mut file.templates),
    },
    Key {
        name: "includes",
        doc: "Other task files whose tasks join this one's as NAMESPACE:TASK",
        schema: schema::includes,
        read: read_includes,
    },
    Key {
        name: "vars",
        doc: "Variables for every task, referenced as {{name}}",
        schema: schema::vars,
        read: |file, value, reader| file.vars = read_vars(value, reader),
    },
    Key {
        name: "tasks",
        doc: "The tasks, by name",
        schema: schema::tasks,
        read: |file, value, reader| {
            let Some(table) = reader.table(value) else {
                return;
            };
            for (name, value) in entries(table) {
                let name = Spanned::new(name.span(), name.into_inner().into_owned());
                let key = name.get_ref().clone();
                if let Some(task) = reader.within(&key, |reader| read_task(name, value, reader)) {
                    file.tasks.push(task);
                }
            }
        },
    },
];

/// `[settings]`.
pub(crate) const SETTINGS_KEYS: &[Key<Settings>] = &[
    Key {
        name: "shell",
        doc: "Program and leading arguments a shell command is appended to",
        schema: schema::string_array,
        read: |settings, value, reader| {
            if let Some(shell) = reader.value::<StringArray>(value) {
                let span = shell.span();
                if let Some(shell) = read_shell(span, shell.into_inner().0, reader) {
                    settings.shell = shell;
                }
            }
        },
    },
    Key {
        name: "jobs",
        doc: "Default for -j: how many commands run at once",
        schema: schema::positive_integer,
        read: |settings, value, reader| {
            settings.jobs = reader
                .value::<Integer>(value)
                .and_then(|jobs| read_jobs(jobs, reader));
        },
    },
    Key {
        name: "dotenv",
        doc: "Dotenv files to load, in order; later files override earlier ones",
        schema: schema::string_or_list,
        read: |settings, value, reader| {
            settings.dotenv = reader
                .list(value)
                .into_iter()
                .map(|path| PathBuf::from(path.into_inner()))
                .collect();
        },
    },
    Key {
        name: "cache_dir",
        doc: "Where the content-hash cache lives, relative to the project root",
        schema: schema::string,
        read: |settings, value, reader| {
            settings.cache_dir = reader.string(value).map(PathBuf::from);
        },
    },
];

/// `[tasks.NAME]`.
pub(crate) const TASK_KEYS: &[Key<TaskDraft>] = &[
    Key {
        name: "description",
        doc: "One line for --list",
        schema: schema::string,
        read: |draft, value, reader| draft.task.description = reader.string(value),
    },
    Key {
        name: "run",
        doc: "Commands, run in order: a shell line, or an argv array",
        schema: schema::run,
        read: read_run,
    },
    Key {
        name: "run_linux",
        doc: "Replaces `run` on Linux",
        schema: schema::run,
        read: |draft, value, reader| read_platform_run(draft, value, reader, "linux"),
    },
    Key {
        name: "run_macos",
        doc: "Replaces `run` on macOS",
        schema: schema::run,
        read: |draft, value, reader| read_platform_run(draft, value, reader, "macos"),
    },
    Key {
        name: "run_windows",
        doc: "Replaces `run` on Windows",
        schema: schema::run,
        read: |draft, value, reader| read_platform_run(draft, value, reader, "windows"),
    },
    Key {
        name: "platforms",
        doc: "Where the task runs: OS, arch or OS/arch (linux, macos, windows, x86_64, aarch64...)",
        schema: schema::string_or_list,
        read: read_platforms,
    },
    Key {
        name: "depends",
        doc: "Tasks that must succeed before this one starts",
        schema: schema::dependencies,
        read: |draft, value, reader| {
            draft.task.depends = draft.template_calls(calls::dependencies(reader, value));
        },
    },
    Key {
        name: "depends_post",
        doc: "Tasks that run after this one, whether it succeeded or not",
        schema: schema::dependencies,
        read: |draft, value, reader| {
            draft.task.depends_post = draft.template_calls(calls::dependencies(reader, value));
        },
    },
    Key {
        name: "wait_for",
        doc: "Tasks this one runs after if they are part of the run anyway; never pulled in",
        schema: schema::string_or_list,
        read: |draft, value, reader| draft.task.wait_for = name_refs(reader, value),
    },
    Key {
        name: "env",
        doc: "Environment variables for this task; override the top-level [env]",
        schema: schema::env,
        read: |draft, value, reader| {
            draft.task.env = read_env(value, reader, &mut draft.templates);
        },
    },
    Key {
        name: "vars",
        doc: "Variables for this task; shadow the top-level [vars]",
        schema: schema::vars,
        read: |draft, value, reader| draft.task.vars = read_vars(value, reader),
    },
    Key {
        name: "dir",
        doc: "Working directory, relative to the task file",
        schema: schema::string,
        read: |draft, value, reader| {
            if let Some(dir) = reader.value::<String>(value) {
                draft.template(dir.get_ref(), dir.span());
                draft.task.dir = Some(dir.into_inner());
            }
        },
    },
    Key {
        name: "alias",
        doc: "Other names the task can be run by",
        schema: schema::string_or_list,
        read: |draft, value, reader| {
            let aliases = name_refs(reader, value);
            for alias in &aliases {
                super::parse::check_alias_name(reader, &draft.task.name, alias);
            }
            draft.task.aliases = aliases;
        },
    },
    Key {
        name: "group",
        doc: "The heading --list shows the task under; `--list --group NAME` lists only that group",
        schema: schema::string,
        read: |draft, value, reader| {
            let Some(group) = reader.value::<String>(value) else {
                return;
            };
            if group.get_ref().trim().is_empty() {
                let problem = reader
                    .error(
                        format!("empty `group` in task `{}`", draft.task.name),
                        group.span(),
                        "empty name",
                    )
                    .with_help("name the group, or leave `group` out");
                reader.problem(problem);
                return;
            }
            draft.task.group_span = reader.span(group.span());
            draft.task.group = Some(group.into_inner());
        },
    },
    Key {
        name: "hide",
        doc: "Leave the task out of --list",
        schema: schema::boolean,
        read: |draft, value, reader| {
            draft.task.hide = reader.value::<bool>(value).is_some_and(Spanned::into_inner);
        },
    },
    Key {
        name: "timeout",
        doc: "Kill the task after this long, e.g. \"30s\" or \"1m 30s\"",
        schema: schema::string,
        read: |draft, value, reader| {
            draft.task.timeout = reader.value::<DurationText>(value).and_then(|timeout| {
                let span = timeout.span();
                let text = Spanned::new(span, timeout.into_inner().0);
                read_timeout(&draft.task.name, text, reader)
            });
        },
    },
    Key {
        name: "retries",
        doc: "Run the task again up to this many times after it fails (not after a timeout)",
        schema: schema::count,
        read: |draft, value, reader| {
            draft.task.retries = reader
                .value::<Integer>(value)
                .and_then(|retries| read_retries(&draft.task.name, retries, reader));
        },
    },
    Key {
        name: "retry_on_timeout",
        doc: "With `retries`, also retry after the task timed out",
        schema: schema::boolean,
        read: |draft, value, reader| {
            draft.task.retry_on_timeout =
                reader.value::<bool>(value).is_some_and(Spanned::into_inner);
        },
    },
    Key {
        name: "watch_signal",
        doc: "In watch mode, send this signal (e.g. \"SIGHUP\") to the running task instead of restarting it",
        schema: schema::string,
        read: |draft, value, reader| {
            draft.task.watch_signal = reader
                .value::<String>(value)
                .and_then(|signal| read_signal(&draft.task.name, signal, reader));
        },
    },
    Key {
        name: "params",
        doc: "Parameters, bound from the command line in declaration order",
        schema: schema::params,
        read: super::parse::read_params,
    },
    Key {
        name: "sources",
        doc: "Glob patterns of inputs, for the up-to-date check",
        schema: schema::string_or_list,
        read: |draft, value, reader| {
            draft.task.sources = patterns(reader, draft, "sources", value);
        },
    },
    Key {
        name: "outputs",
        doc: "Glob patterns of outputs, for the up-to-date check",
        schema: schema::string_or_list,
        read: |draft, value, reader| {
            draft.task.outputs = patterns(reader, draft, "outputs", value);
        },
    },
    Key {
        name: "if",
        doc: "A shell condition; when it fails, the task is skipped (its dependents still run)",
        schema: schema::string,
        read: steps::read_condition,
    },
    Key {
        name: "status",
        doc: "Shell commands; when every one succeeds, the task is up to date",
        schema: schema::string_or_list,
        read: steps::read_status,
    },
    Key {
        name: "preconditions",
        doc: "Shell conditions that must succeed, or the task fails before its commands run",
        schema: schema::preconditions,
        read: steps::read_preconditions,
    },
    Key {
        name: "ignore_errors",
        doc: "A failure is reported as \"failed, ignored\"; the run and dependents go on",
        schema: schema::boolean,
        read: |draft, value, reader| {
            draft.task.ignore_errors = reader.value::<bool>(value).is_some_and(Spanned::into_inner);
        },
    },
    Key {
        name: "confirm",
        doc: "A question asked on the terminal before anything runs; --yes answers it",
        schema: schema::string,
        read: |draft, value, reader| {
            if let Some(question) = reader.value::<String>(value) {
                draft.template(question.get_ref(), question.span());
                draft.task.confirm = Some(question.into_inner());
            }
        },
    },
    Key {
        name: "interpreter",
        doc: "Program and arguments each shell string of `run` is a script for",
        schema: schema::string_array,
        read: steps::read_interpreter,
    },
    Key {
        name: "method",
        doc: "How sources decide up-to-dateness: \"content\" (the cache) or \"timestamp\" (make)",
        schema: schema::string,
        read: |draft, value, reader| {
            if let Some(method) = reader.value::<String>(value) {
                draft.task.method = read_method(method, reader);
            }
        },
    },
    Key {
        name: "env_inputs",
        doc: "Variables of rask's environment whose values join the cache key",
        schema: schema::string_or_list,
        read: |draft, value, reader| {
            draft.task.env_inputs = reader
                .list(value)
                .into_iter()
                .map(Spanned::into_inner)
                .collect();
        },
    },
];

fn read_method(method: Spanned<String>, reader: &mut Reader<'_>) -> UpToDateMethod {
    match method.get_ref().as_str() {
        "content" => UpToDateMethod::Content,
        "timestamp" => UpToDateMethod::Timestamp,
        other => {
            let problem = reader.error(
                format!("unknown `method` `{other}`"),
                method.span(),
                "unknown method",
            );
            let help = match super::suggest(other, ["content", "timestamp"]) {
                Some(near) => format!("did you mean `{near}`?"),
                None => "`method` is `content` (the default) or `timestamp`".to_owned(),
            };
            reader.problem(problem.with_help(help));
            UpToDateMethod::Content
        }
    }
}

/// One table of a task's `params`.
pub(crate) const PARAM_KEYS: &[Key<ParamDraft>] = &[
    Key {
        name: "name",
        doc: "The parameter's name: `--NAME` on the command line, `{{NAME}}` in commands",
        schema: schema::string,
        read: |param, value, reader| param.name = reader.value(value),
    },
    Key {
        name: "default",
        doc: "The value when none is given",
        schema: schema::string,
        read: |param, value, reader| param.default = reader.value(value),
    },
    Key {
        name: "help",
        doc: "One line for `rask TASK --help`",
        schema: schema::string,
        read: |param, value, reader| param.help = reader.string(value),
    },
    Key {
        name: "required",
        doc: "The parameter must be given",
        schema: schema::boolean,
        read: |param, value, reader| param.required = reader.value(value),
    },
    Key {
        name: "flag",
        doc: "A switch: `--NAME` sets it; substitutes `true` or `false`",
        schema: schema::boolean,
        read: |param, value, reader| param.flag = reader.value(value),
    },
    Key {
        name: "variadic",
        doc: "The last parameter only: takes every remaining word, each substituted as its own word",
        schema: schema::boolean,
        read: |param, value, reader| param.variadic = reader.value(value),
    },
    Key {
        name: "multiple",
        doc: "Given as a repeated option (`--NAME a --NAME b`), each value substituted as its own word",
        schema: schema::boolean,
        read: |param, value, reader| param.multiple = reader.value(value),
    },
    Key {
        name: "choices",
        doc: "The only values allowed",
        schema: schema::string_array,
        read: |param, value, reader| {
            param.choices = reader
                .value::<StringArray>(value)
                .map(|choices| Spanned::new(choices.span(), choices.into_inner().0));
        },
    },
    Key {
        name: "type",
        doc: "What values are allowed: \"string\" (the default), \"int\" or \"bool\"",
        schema: schema::value_type,
        read: |param, value, reader| param.value_type = reader.value(value),
    },
];

/// A `[tasks.NAME]` table, or the short form `NAME = "command"` (a task that only has `run`).
fn read_task(
    name: Spanned<String>,
    value: Spanned<DeValue<'_>>,
    reader: &mut Reader<'_>,
) -> Option<TaskDraft> {
    let span = reader.span(name.span());
    let mut draft = TaskDraft::new(name, span);
    let before = reader.problems.len();
    super::parse::check_task_name(reader, &draft.task.name, span);
    let range = value.span();
    match value.into_inner() {
        DeValue::Table(table) => {
            let context = |draft: &TaskDraft| format!("in task `{}`", draft.task.name);
            reader.read_table(table, TASK_KEYS, &mut draft, context);
        }
        short @ (DeValue::String(_) | DeValue::Array(_)) => {
            read_run(&mut draft, Spanned::new(range, short), reader);
        }
        other => {
            let expected = "a task table, a command string or an array of commands";
            reader.wrong_type(&other, range, expected);
        }
    }
    // Still a task, by name: a dependency on it is then no "unknown task" besides.
    draft.rejected = reader.problems.len() > before;
    Some(draft)
}

/// `run`: one command, or an array of commands and command tables.
fn read_run(draft: &mut TaskDraft, value: Spanned<DeValue<'_>>, reader: &mut Reader<'_>) {
    let commands = read_commands(draft, value, reader);
    draft.task.run = commands;
}

/// `run_linux` and the like: checked everywhere, used only on that OS.
fn read_platform_run(
    draft: &mut TaskDraft,
    value: Spanned<DeValue<'_>>,
    reader: &mut Reader<'_>,
    os: &str,
) {
    let commands = read_commands(draft, value, reader);
    if os == std::env::consts::OS {
        draft.platform_run = Some(commands);
    }
}

fn read_platforms(draft: &mut TaskDraft, value: Spanned<DeValue<'_>>, reader: &mut Reader<'_>) {
    for entry in reader.list(value) {
        match Platform::parse(entry.get_ref()) {
            Ok(platform) => draft.task.platforms.push(platform),
            Err(unknown) => {
                let problem = reader
                    .error(
                        format!(
                            "unknown platform `{}` in task `{}`",
                            unknown.part, draft.task.name
                        ),
                        entry.span(),
                        "not an OS or architecture",
                    )
                    .with_help(match unknown.suggestion {
                        Some(name) => format!("did you mean `{name}`?"),
                        None => format!(
                            "write an OS ({}), an arch (x86_64, aarch64, ...) or both as `linux/aarch64`",
                            OPERATING_SYSTEMS[..4].join(", ")
                        ),
                    });
                reader.problem(problem);
            }
        }
    }
}

/// A `run` value's steps: one command string, or an array of commands and command tables;
/// each string is also registered as a template.
fn read_commands(
    draft: &mut TaskDraft,
    value: Spanned<DeValue<'_>>,
    reader: &mut Reader<'_>,
) -> Vec<RunStep> {
    let range = value.span();
    let items = match value.into_inner() {
        DeValue::Array(items) => items,
        // One command string; anything else gets `RunSpec`'s precise message.
        other => {
            let line = reader
                .value::<RunSpec>(Spanned::new(range.clone(), other))
                .map(|line| Spanned::new(range, RawCommand::Shell(line.into_inner().0)));
            return line
                .and_then(|line| read_step(draft, line, reader))
                .into_iter()
                .collect();
        }
    };
    items
        .into_iter()
        .filter_map(|item| {
            if matches!(item.get_ref(), DeValue::Table(table) if calls::is_call(table)) {
                read_call(draft, item, reader)
            } else if matches!(item.get_ref(), DeValue::Table(_)) {
                steps::read_command_table(draft, item, reader)
            } else {
                let command = reader.value::<RawCommand>(item)?;
                read_step(draft, command, reader)
            }
        })
        .collect()
}

/// A task call in `run`, `{ task = "lint", args = { … } }`, as a step.
fn read_call(
    draft: &mut TaskDraft,
    item: Spanned<DeValue<'_>>,
    reader: &mut Reader<'_>,
) -> Option<RunStep> {
    let range = item.span();
    let DeValue::Table(table) = item.into_inner() else {
        unreachable!("only tables are read as calls")
    };
    let call = calls::call(reader, table, range)?;
    draft.template_call(&call);
    Some(Command::Call(call).into())
}

/// A plain command of `run`, as a step.
fn read_step(
    draft: &mut TaskDraft,
    command: Spanned<RawCommand>,
    reader: &mut Reader<'_>,
) -> Option<RunStep> {
    draft.template_command(&command);
    read_command(&draft.task.name, command, reader).map(RunStep::from)
}

pub(crate) fn read_command(
    task: &str,
    command: Spanned<RawCommand>,
    reader: &mut Reader<'_>,
) -> Option<Command> {
    let span = command.span();
    let problem = match command.into_inner() {
        RawCommand::Shell(line) if line.trim().is_empty() => reader
            .error(
                format!("empty command in task `{task}`"),
                span,
                "empty command",
            )
            .with_help("write a command here, or remove it"),
        RawCommand::Shell(line) => return Some(Command::Shell(line)),
        RawCommand::Argv(words) => match words.first() {
            None => reader
                .error(
                    format!("empty command in task `{task}`"),
                    span,
                    "no program",
                )
                .with_help("an argv command starts with the program, like [\"cargo\", \"build\"]"),
            Some(program) if program.get_ref().trim().is_empty() => reader.error(
                format!("empty program name in task `{task}`"),
                program.span(),
                "empty program name",
            ),
            Some(_) => {
                return Some(Command::Argv(
                    words.into_iter().map(Spanned::into_inner).collect(),
                ));
            }
        },
    };
    reader.problem(problem);
    None
}

fn name_refs(reader: &mut Reader<'_>, value: Spanned<DeValue<'_>>) -> Vec<NameRef> {
    reader
        .list(value)
        .into_iter()
        .map(|name| NameRef {
            span: reader.span(name.span()),
            name: name.into_inner(),
            args: Vec::new(),
            pattern: None,
        })
        .collect()
}

/// An `env` table: every key is a variable name, so there are no unknown keys here. A value
/// is a string (a template, may reference vars) or one table form of [`ENV_KEYS`].
fn read_env(
    value: Spanned<DeValue<'_>>,
    reader: &mut Reader<'_>,
    templates: &mut Vec<Template>,
) -> Vec<(String, EnvSetting)> {
    let Some(table) = reader.table(value) else {
        return Vec::new();
    };
    let mut env = Vec::new();
    for (name, value) in entries(table) {
        let name = Spanned::new(name.span(), name.into_inner().into_owned());
        let range = value.span();
        let setting = match value.into_inner() {
            DeValue::Table(table) => {
                let mut draft = EnvDraft::default();
                let context =
                    |_: &EnvDraft| format!("in environment variable `{}`", name.get_ref());
                let known = reader.problems.len();
                reader.within(name.get_ref(), |reader| {
                    reader.read_table(table, ENV_KEYS, &mut draft, context);
                });
                if reader.problems.len() != known {
                    continue;
                }
                let mut forms = draft.forms.into_iter();
                match (forms.next(), forms.next()) {
                    (Some((_, setting)), None) => setting,
                    (None, _) => {
                        let problem = reader
                            .error(
                                format!("environment variable `{}` has no value", name.get_ref()),
                                range.clone(),
                                "empty table",
                            )
                            .with_help(
                                "write a string or one of `sh`, `default`, `unset`, `prepend`, `append`",
                            );
                        reader.problem(problem);
                        continue;
                    }
                    (Some((first, _)), Some((second, _))) => {
                        let problem = reader
                            .error(
                                format!(
                                    "environment variable `{}` has both `{first}` and `{second}`",
                                    name.get_ref()
                                ),
                                range.clone(),
                                "two forms at once",
                            )
                            .with_help("give one of `sh`, `default`, `unset`, `prepend`, `append`");
                        reader.problem(problem);
                        continue;
                    }
                }
            }
            other => match reader.within(name.get_ref(), |reader| {
                reader.value::<EnvValue>(Spanned::new(range.clone(), other))
            }) {
                Some(literal) => EnvSetting::Set(literal.into_inner().0),
                None => continue,
            },
        };
        let setting = match setting {
            EnvSetting::Shell { command, .. } => EnvSetting::Shell {
                command,
                span: reader.span(range.clone()),
            },
            other => other,
        };
        for text in setting.texts() {
            templates.push(Template::new(text, range.clone()));
        }
        if check_env_name(reader, &name) {
            env.push((name.into_inner(), setting));
        }
    }
    env
}

/// A `vars` table: `name = "literal"` (or a number or boolean) or `name = { sh = "command" }`.
fn read_vars(value: Spanned<DeValue<'_>>, reader: &mut Reader<'_>) -> Vec<Var> {
    let Some(table) = reader.table(value) else {
        return Vec::new();
    };
    let mut vars = Vec::new();
    for (name, value) in entries(table) {
        let name = Spanned::new(name.span(), name.into_inner().into_owned());
        let value_range = value.span();
        let value = match value.into_inner() {
            DeValue::Table(table) => {
                // An unknown key is reported as such; "no value" only for an empty table.
                let empty = table.is_empty();
                let mut computed = ComputedDraft::default();
                let context = |_: &ComputedDraft| format!("in variable `{}`", name.get_ref());
                reader.within(name.get_ref(), |reader| {
                    reader.read_table(table, COMPUTED_KEYS, &mut computed, context);
                });
                match var_table(reader, name.get_ref(), computed, value_range.clone(), empty) {
                    Some(value) => value,
                    None => continue,
                }
            }
            other => match reader.within(name.get_ref(), |reader| {
                reader.value::<EnvValue>(Spanned::new(value_range.clone(), other))
            }) {
                Some(literal) => VarValue::Literal(literal.into_inner().0),
                None => continue,
            },
        };
        if !is_identifier(name.get_ref()) {
            let problem = reader
                .error(
                    format!("invalid variable name `{}`", name.get_ref()),
                    name.span(),
                    "not a valid name",
                )
                .with_help("use letters, digits, `-` and `_`, not starting with `-`");
            reader.problem(problem);
            continue;
        }
        vars.push(Var {
            span: reader.span(name.span()),
            name: name.into_inner(),
            value,
            value_span: reader.span(value_range),
        });
    }
    vars
}

/// A var's table as a value: `{ sh }` or `{ env, default? }`, nothing else.
fn var_table(
    reader: &mut Reader<'_>,
    name: &str,
    computed: ComputedDraft,
    range: std::ops::Range<usize>,
    empty: bool,
) -> Option<VarValue> {
    let with_env = format!("write `{name} = {{ env = \"NAME\", default = \"...\" }}`");
    let problem = match computed {
        ComputedDraft {
            sh: Some(command),
            env: None,
            default: None,
        } => return Some(VarValue::Shell(command.into_inner())),
        ComputedDraft {
            sh: None,
            env: Some(env),
            default,
        } if !env.get_ref().is_empty() && !env.get_ref().contains(['=', '\0']) => {
            return Some(VarValue::Env {
                name: env.into_inner(),
                default: default.map(Spanned::into_inner).unwrap_or_default(),
            });
        }
        ComputedDraft {
            sh: None,
            env: Some(env),
            ..
        } => reader
            .error(
                format!(
                    "invalid environment variable name `{}` for variable `{name}`",
                    env.get_ref()
                ),
                env.span(),
                "not a variable name",
            )
            .with_help(with_env),
        ComputedDraft {
            sh: Some(_),
            env: Some(env),
            ..
        } => reader
            .error(
                format!("variable `{name}` has both `sh` and `env`"),
                env.span(),
                "two sources at once",
            )
            .with_help("a var is computed (`sh`) or read from the caller's environment (`env`)"),
        ComputedDraft {
            sh,
            default: Some(default),
            ..
        } => {
            let label = match sh {
                Some(_) => "a computed var has no default",
                None => "default for which variable?",
            };
            reader
                .error(
                    format!("`default` in variable `{name}` needs `env`"),
                    default.span(),
                    label,
                )
                .with_help(with_env)
        }
        ComputedDraft { .. } if !empty => return None,
        ComputedDraft { .. } => reader
            .error(
                format!("variable `{name}` has no value"),
                range,
                "empty table",
            )
            .with_help("write `{ sh = \"command\" }`, `{ env = \"NAME\" }` or a string"),
    };
    reader.problem(problem);
    None
}

/// `[includes]`: each key a namespace, each value a path or an include table.
fn read_includes(file: &mut FileDraft, value: Spanned<DeValue<'_>>, reader: &mut Reader<'_>) {
    let Some(table) = reader.table(value) else {
        return;
    };
    for (name, value) in entries(table) {
        let name = Spanned::new(name.span(), name.into_inner().into_owned());
        let range = value.span();
        let mut include = IncludeDraft {
            range: range.clone(),
            ..IncludeDraft::default()
        };
        match value.into_inner() {
            DeValue::Table(table) => {
                let context = |_: &IncludeDraft| format!("in include `{}`", name.get_ref());
                reader.read_table(table, INCLUDE_KEYS, &mut include, context);
            }
            other => include.path = reader.value(Spanned::new(range.clone(), other)),
        }
        match (&include.path, &include.dir) {
            (Some(_), _) => {}
            // `{ dir = "tasks" }`: a directory of script tasks.
            (None, Some(_)) => {}
            (None, None) => {
                // Only a table can lack both; a value of another type is reported already.
                if reader
                    .text
                    .get(range.clone())
                    .is_some_and(|v| v.starts_with('{'))
                {
                    let problem = reader
                        .error(
                            format!("include `{}` has neither `path` nor `dir`", name.get_ref()),
                            range,
                            "nothing to include",
                        )
                        .with_help(
                            "give `path` (a task file) or `dir` alone (a directory of script tasks)",
                        );
                    reader.problem(problem);
                }
                continue;
            }
        }
        if !is_identifier(name.get_ref()) {
            let problem = reader
                .error(
                    format!("invalid namespace `{}`", name.get_ref()),
                    name.span(),
                    "not a valid name",
                )
                .with_help("use letters, digits, `-` and `_`, not starting with `-`");
            reader.problem(problem);
            continue;
        }
        for alias in &include.aliases {
            if !is_identifier(&alias.name) {
                let problem = Diagnostic::new(
                    format!(
                        "invalid alias `{}` of namespace `{}`",
                        alias.name,
                        name.get_ref()
                    ),
                    alias.span,
                    "not a valid name",
                )
                .with_help("use letters, digits, `-` and `_`, not starting with `-`");
                reader.problem(problem);
            }
        }
        include.aliases.retain(|alias| is_identifier(&alias.name));
        include.name = Some(name);
        file.includes.push(include);
    }
}

/// An include table.
pub(crate) const INCLUDE_KEYS: &[Key<IncludeDraft>] = &[
    Key {
        name: "path",
        doc: "The task file, or a directory holding tasks.toml, relative to this file",
        schema: schema::string,
        read: |include, value, reader| include.path = reader.value(value),
    },
    Key {
        name: "optional",
        doc: "A missing file is no error: its tasks are simply absent",
        schema: schema::boolean,
        read: |include, value, reader| include.optional = reader.flag(value),
    },
    Key {
        name: "dir",
        doc: "With `path`: the default working directory of its tasks; alone: a directory whose executable files are tasks. Relative to this file",
        schema: schema::string,
        read: |include, value, reader| include.dir = reader.string(value),
    },
    Key {
        name: "flatten",
        doc: "Its tasks join this file's names (no namespace); a name defined twice is an error",
        schema: schema::boolean,
        read: |include, value, reader| include.flatten = reader.flag(value),
    },
    Key {
        name: "aliases",
        doc: "Other names of the namespace: `aliases = [\"w\"]` makes `rask w:build` run `web:build`",
        schema: schema::string_or_list,
        read: |include, value, reader| include.aliases = name_refs(reader, value),
    },
];

/// The table of a computed value.
/// The table forms of an env value; exactly one may be given.
pub(crate) const ENV_KEYS: &[Key<EnvDraft>] = &[
    Key {
        name: "sh",
        doc: "A command run through settings.shell, only when a task that will run gets this variable; its stdout is the value",
        schema: schema::string,
        read: |draft, value, reader| {
            if let Some(command) = reader.string(value) {
                let span = Span::default();
                draft
                    .forms
                    .push(("sh", EnvSetting::Shell { command, span }));
            }
        },
    },
    Key {
        name: "default",
        doc: "The value unless the caller's environment already sets this variable",
        schema: schema::string,
        read: |draft, value, reader| {
            if let Some(text) = reader.value::<EnvValue>(value) {
                draft
                    .forms
                    .push(("default", EnvSetting::Default(text.into_inner().0)));
            }
        },
    },
    Key {
        name: "unset",
        doc: "`true` removes the variable from the task's environment",
        schema: schema::unset,
        read: |draft, value, reader| {
            let span = value.span();
            match reader.value::<bool>(value).map(Spanned::into_inner) {
                Some(true) => draft.forms.push(("unset", EnvSetting::Unset)),
                Some(false) => {
                    let problem = reader
                        .error("`unset` must be `true`", span, "false")
                        .with_help("remove the variable from the table instead");
                    reader.problem(problem);
                }
                None => {}
            }
        },
    },
    Key {
        name: "prepend",
        doc: "Entries joined with `:` before the value set so far (or the caller's); relative ones start from the task's dir",
        schema: schema::string_array,
        read: |draft, value, reader| {
            if let Some(entries) = reader.value::<Vec<String>>(value) {
                draft
                    .forms
                    .push(("prepend", EnvSetting::Prepend(entries.into_inner())));
            }
        },
    },
    Key {
        name: "append",
        doc: "Entries joined with `:` after the value set so far (or the caller's); relative ones start from the task's dir",
        schema: schema::string_array,
        read: |draft, value, reader| {
            if let Some(entries) = reader.value::<Vec<String>>(value) {
                draft
                    .forms
                    .push(("append", EnvSetting::Append(entries.into_inner())));
            }
        },
    },
];

/// The table of a var that is not a literal: computed, or taken from the caller's environment.
pub(crate) const COMPUTED_KEYS: &[Key<ComputedDraft>] = &[
    Key {
        name: "sh",
        doc: "A command run through settings.shell in the task file's directory; its stdout is the value",
        schema: schema::string,
        read: |computed, value, reader| computed.sh = reader.value(value),
    },
    Key {
        name: "env",
        doc: "The caller's environment variable of this name, when it is set (make's `?=`)",
        schema: schema::string,
        read: |computed, value, reader| computed.env = reader.value(value),
    },
    Key {
        name: "default",
        doc: "With `env`: the value when the caller's environment does not set it; may use {{vars}}",
        schema: schema::scalar,
        read: |computed, value, reader| {
            computed.default = reader
                .value::<EnvValue>(value)
                .map(|text| Spanned::new(text.span(), text.into_inner().0));
        },
    },
];

/// Names the OS cannot hold would only fail later, at spawn time, for every task.
fn check_env_name(reader: &mut Reader<'_>, name: &Spanned<String>) -> bool {
    let label = if name.get_ref().is_empty() {
        "empty name"
    } else if name.get_ref().contains('=') {
        "contains `=`"
    } else if name.get_ref().contains('\0') {
        "contains a NUL character"
    } else {
        return true;
    };
    let problem = reader.error(
        format!("invalid environment variable name `{}`", name.get_ref()),
        name.span(),
        label,
    );
    reader.problem(problem);
    false
}

fn read_shell(
    span: std::ops::Range<usize>,
    words: Vec<Spanned<String>>,
    reader: &mut Reader<'_>,
) -> Option<Vec<String>> {
    let problem = match words.first() {
        None => reader
            .error("`shell` must not be empty", span, "empty array")
            .with_help("for example `shell = [\"bash\", \"-c\"]`"),
        Some(program) if program.get_ref().trim().is_empty() => reader.error(
            "empty program name in `shell`",
            program.span(),
            "empty program name",
        ),
        Some(_) => return Some(words.into_iter().map(Spanned::into_inner).collect()),
    };
    reader.problem(problem);
    None
}

fn read_jobs(jobs: Spanned<Integer>, reader: &mut Reader<'_>) -> Option<usize> {
    match usize::try_from(jobs.get_ref().0) {
        Ok(count) if count > 0 && count <= MAX_JOBS => Some(count),
        Ok(count) if count > 0 => {
            let problem = reader
                .error(
                    format!("`jobs` must be at most {MAX_JOBS}"),
                    jobs.span(),
                    "too many",
                )
                .with_help("rask runs at most 4096 commands at once");
            reader.problem(problem);
            None
        }
        _ => {
            let problem = reader
                .error(
                    "`jobs` must be a positive integer",
                    jobs.span(),
                    "not positive",
                )
                .with_help("leave `jobs` out to run one job per CPU");
            reader.problem(problem);
            None
        }
    }
}

/// The most retries a task may ask for: a flaky task, not a loop.
const MAX_RETRIES: u32 = 100;

fn read_retries(task: &str, retries: Spanned<Integer>, reader: &mut Reader<'_>) -> Option<u32> {
    match u32::try_from(retries.get_ref().0) {
        Ok(count) if count <= MAX_RETRIES => Some(count),
        _ => {
            let problem = reader
                .error(
                    format!("`retries` in task `{task}` must be from 0 to {MAX_RETRIES}"),
                    retries.span(),
                    "out of range",
                )
                .with_help("retries are for flaky tasks; a task that needs more is broken");
            reader.problem(problem);
            None
        }
    }
}

fn read_timeout(task: &str, timeout: Spanned<String>, reader: &mut Reader<'_>) -> Option<Duration> {
    let text = timeout.get_ref().trim();
    let problem = match humantime::parse_duration(text) {
        Ok(duration) if duration.is_zero() => reader
            .error(
                format!("zero `timeout` in task `{task}`"),
                timeout.span(),
                "zero duration",
            )
            .with_help("leave `timeout` out for no time limit"),
        Ok(duration) => return Some(duration),
        Err(reason) => reader
            .error(
                format!("invalid `timeout` `{text}` in task `{task}`"),
                timeout.span(),
                reason.to_string(),
            )
            .with_help("write a duration like `30s`, `1m 30s` or `500ms`"),
    };
    reader.problem(problem);
    None
}

/// The signals a task may ask for as its `watch_signal`: those servers reload on.
const WATCH_SIGNALS: [(&str, i32); 7] = [
    ("HUP", libc::SIGHUP),
    ("INT", libc::SIGINT),
    ("QUIT", libc::SIGQUIT),
    ("TERM", libc::SIGTERM),
    ("USR1", libc::SIGUSR1),
    ("USR2", libc::SIGUSR2),
    ("WINCH", libc::SIGWINCH),
];

fn read_signal(task: &str, signal: Spanned<String>, reader: &mut Reader<'_>) -> Option<i32> {
    let text = signal.get_ref().trim();
    let name = text.to_ascii_uppercase();
    let name = name.strip_prefix("SIG").unwrap_or(&name);
    if let Some((_, number)) = WATCH_SIGNALS.iter().find(|(known, _)| *known == name) {
        return Some(*number);
    }
    let names: Vec<String> = WATCH_SIGNALS
        .iter()
        .map(|(known, _)| format!("`SIG{known}`"))
        .collect();
    let problem = reader
        .error(
            format!("unknown `watch_signal` `{text}` in task `{task}`"),
            signal.span(),
            "not a signal rask sends",
        )
        .with_help(format!("use one of {}", names.join(", ")));
    reader.problem(problem);
    None
}

/// Glob patterns are kept as written; only an empty one, which matches nothing, is refused.
fn patterns(
    reader: &mut Reader<'_>,
    draft: &mut TaskDraft,
    key: &str,
    value: Spanned<DeValue<'_>>,
) -> Vec<String> {
    let patterns = reader.list(value);
    for pattern in &patterns {
        draft.template(pattern.get_ref(), pattern.span());
        if pattern.get_ref().trim().is_empty() {
            let problem = reader.error(
                format!("empty pattern in `{key}` of task `{}`", draft.task.name),
                pattern.span(),
                "empty pattern",
            );
            reader.problem(problem);
        }
    }
    patterns.into_iter().map(Spanned::into_inner).collect()
}
