//! The keys that govern how a task's steps run: `if`, `status`, `preconditions`,
//! `ignore_errors`, `interpreter`, and the command tables of `run`
//! (`{ cmd = "…", if = "…", ignore_errors = true }`). The main items here are the key tables
//! [`COMMAND_KEYS`] and [`PRECONDITION_KEYS`] and the readers `keys.rs` points at.

use std::ops::Range;

use toml::Spanned;
use toml::de::DeValue;

use super::draft::TaskDraft;
use super::keys::{Key, read_command};
use super::reader::Reader;
use super::schema;
use super::values::{RawCommand, StringArray};
use super::{Precondition, RunStep};

/// A command table of `run`, while its keys are read.
#[derive(Debug, Default)]
pub(crate) struct CommandDraft {
    command: Option<Spanned<RawCommand>>,
    condition: Option<Spanned<String>>,
    ignore_errors: bool,
}

/// A table of `preconditions`, while its keys are read.
#[derive(Debug, Default)]
pub(crate) struct PreconditionDraft {
    sh: Option<Spanned<String>>,
    message: Option<String>,
}

/// `{ cmd = "…", if = "…", ignore_errors = true }` in `run`.
pub(crate) const COMMAND_KEYS: &[Key<CommandDraft>] = &[
    Key {
        name: "cmd",
        doc: "The command: a shell line, or an argv array",
        schema: schema::string_or_list,
        read: |draft, value, reader| draft.command = reader.value::<RawCommand>(value),
    },
    Key {
        name: "if",
        doc: "A shell condition; when it fails, this command is skipped",
        schema: schema::string,
        read: |draft, value, reader| draft.condition = reader.value(value),
    },
    Key {
        name: "ignore_errors",
        doc: "A failure of this command is reported, and the task goes on",
        schema: schema::boolean,
        read: |draft, value, reader| {
            draft.ignore_errors = reader.value::<bool>(value).is_some_and(Spanned::into_inner);
        },
    },
];

/// `{ sh = "…", msg = "…" }` in `preconditions`.
pub(crate) const PRECONDITION_KEYS: &[Key<PreconditionDraft>] = &[
    Key {
        name: "sh",
        doc: "A shell condition that must succeed before the task's commands run",
        schema: schema::string,
        read: |draft, value, reader| draft.sh = reader.value(value),
    },
    Key {
        name: "msg",
        doc: "What to tell the user when the condition fails",
        schema: schema::string,
        read: |draft, value, reader| draft.message = reader.string(value),
    },
];

/// A command table of `run`, as a step.
pub(crate) fn read_command_table(
    draft: &mut TaskDraft,
    value: Spanned<DeValue<'_>>,
    reader: &mut Reader<'_>,
) -> Option<RunStep> {
    let range = value.span();
    let table = reader.table(value)?;
    let mut command = CommandDraft::default();
    let task = draft.task.name.clone();
    let context = |_: &CommandDraft| format!("in a command of task `{task}`");
    reader.read_table(table, COMMAND_KEYS, &mut command, context);
    let Some(raw) = command.command else {
        let problem = reader
            .error(
                format!("command table without `cmd` in task `{}`", draft.task.name),
                range,
                "no `cmd`",
            )
            .with_help("write the command as `cmd = \"…\"`");
        reader.problem(problem);
        return None;
    };
    let condition = command
        .condition
        .and_then(|condition| shell_condition(draft, "if", condition, reader));
    draft.template_command(&raw);
    let parsed = read_command(&draft.task.name, raw, reader)?;
    Some(RunStep {
        command: parsed,
        condition,
        ignore_errors: command.ignore_errors,
    })
}

/// Task `if`.
pub(crate) fn read_condition(
    draft: &mut TaskDraft,
    value: Spanned<DeValue<'_>>,
    reader: &mut Reader<'_>,
) {
    if let Some(condition) = reader.value::<String>(value) {
        draft.task.condition = shell_condition(draft, "if", condition, reader);
    }
}

/// Task `status`: one shell command or an array of them.
pub(crate) fn read_status(
    draft: &mut TaskDraft,
    value: Spanned<DeValue<'_>>,
    reader: &mut Reader<'_>,
) {
    draft.task.status = reader
        .list(value)
        .into_iter()
        .filter_map(|command| shell_condition(draft, "status", command, reader))
        .collect();
}

/// Task `preconditions`: an array of shell conditions, each a string or `{ sh, msg }`.
pub(crate) fn read_preconditions(
    draft: &mut TaskDraft,
    value: Spanned<DeValue<'_>>,
    reader: &mut Reader<'_>,
) {
    let range = value.span();
    let items = match value.into_inner() {
        DeValue::Array(items) => items,
        other => {
            let expected =
                "an array of conditions like [\"test -f .env\", { sh = \"…\", msg = \"…\" }]";
            reader.wrong_type(&other, range, expected);
            return;
        }
    };
    for item in items {
        let range = item.span();
        let precondition = match item.into_inner() {
            DeValue::String(sh) => {
                let precondition = Precondition {
                    sh: sh.into_owned(),
                    message: None,
                };
                Some((precondition, range))
            }
            DeValue::Table(table) => read_precondition_table(draft, table, range, reader),
            other => {
                reader.wrong_type(
                    &other,
                    range,
                    "a shell condition or { sh = \"…\", msg = \"…\" }",
                );
                None
            }
        };
        let Some((mut precondition, range)) = precondition else {
            continue;
        };
        let sh = Spanned::new(range, std::mem::take(&mut precondition.sh));
        if let Some(sh) = shell_condition(draft, "preconditions", sh, reader) {
            precondition.sh = sh;
            draft.task.preconditions.push(precondition);
        }
    }
}

fn read_precondition_table(
    draft: &TaskDraft,
    table: toml::de::DeTable<'_>,
    range: Range<usize>,
    reader: &mut Reader<'_>,
) -> Option<(Precondition, Range<usize>)> {
    let mut precondition = PreconditionDraft::default();
    let task = draft.task.name.clone();
    let context = |_: &PreconditionDraft| format!("in a precondition of task `{task}`");
    reader.read_table(table, PRECONDITION_KEYS, &mut precondition, context);
    match precondition.sh {
        Some(sh) => {
            let range = sh.span();
            let precondition = Precondition {
                sh: sh.into_inner(),
                message: precondition.message,
            };
            Some((precondition, range))
        }
        None => {
            let problem = reader
                .error(
                    format!("precondition without `sh` in task `{}`", draft.task.name),
                    range,
                    "no `sh`",
                )
                .with_help("write the condition as `sh = \"test -f .env\"`");
            reader.problem(problem);
            None
        }
    }
}

/// Task `interpreter`: a program and its leading arguments, like `["bash", "-euo", "pipefail"]`.
pub(crate) fn read_interpreter(
    draft: &mut TaskDraft,
    value: Spanned<DeValue<'_>>,
    reader: &mut Reader<'_>,
) {
    let Some(words) = reader.value::<StringArray>(value) else {
        return;
    };
    let range = words.span();
    let words = words.into_inner().0;
    let problem = match words.first() {
        None => reader
            .error(
                format!("empty `interpreter` in task `{}`", draft.task.name),
                range,
                "empty array",
            )
            .with_help("for example `interpreter = [\"python3\"]`"),
        Some(program) if program.get_ref().trim().is_empty() => reader.error(
            format!(
                "empty program name in `interpreter` of task `{}`",
                draft.task.name
            ),
            program.span(),
            "empty program name",
        ),
        Some(_) => {
            draft.task.interpreter = words.into_iter().map(Spanned::into_inner).collect();
            return;
        }
    };
    reader.problem(problem);
}

/// A shell condition written under `key`: registered for the placeholder check; an empty one,
/// which would always succeed, is refused.
fn shell_condition(
    draft: &mut TaskDraft,
    key: &str,
    condition: Spanned<String>,
    reader: &mut Reader<'_>,
) -> Option<String> {
    if condition.get_ref().trim().is_empty() {
        let problem = reader
            .error(
                format!("empty condition in `{key}` of task `{}`", draft.task.name),
                condition.span(),
                "empty condition",
            )
            .with_help("write a shell command whose exit status decides, like `test -f .env`");
        reader.problem(problem);
        return None;
    }
    draft.template(condition.get_ref(), condition.span());
    Some(condition.into_inner())
}
