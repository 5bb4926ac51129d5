//! Task calls: an entry of `depends` / `depends_post` is a task name or a table
//! `{ task = "build", args = { profile = "release" } }`, and so may be an entry of `run`
//! (the task runs at that point). The arguments are checked against the called task's
//! parameters when the plan is built (`graph/plan.rs`).

use toml::Spanned;
use toml::de::{DeTable, DeValue};

use super::reader::{Reader, entries};
use super::{CallArg, NameRef};

/// `depends` / `depends_post`: one entry, or an array of them.
pub(crate) fn dependencies(reader: &mut Reader<'_>, value: Spanned<DeValue<'_>>) -> Vec<NameRef> {
    let span = value.span();
    match value.into_inner() {
        DeValue::Array(items) => items
            .into_iter()
            .filter_map(|item| dependency(reader, item))
            .collect(),
        other @ (DeValue::String(_) | DeValue::Table(_)) => {
            dependency(reader, Spanned::new(span, other))
                .into_iter()
                .collect()
        }
        // Reported as before calls existed: a name or a list of names is expected.
        other => {
            reader.list(Spanned::new(span, other));
            Vec::new()
        }
    }
}

fn dependency(reader: &mut Reader<'_>, value: Spanned<DeValue<'_>>) -> Option<NameRef> {
    let span = value.span();
    match value.into_inner() {
        DeValue::String(name) => Some(NameRef {
            name: name.into_owned(),
            span: reader.span(span),
            args: Vec::new(),
            pattern: None,
        }),
        DeValue::Table(table) => call(reader, table, span),
        other => {
            // Reported as before calls existed: a name is expected.
            reader.value::<String>(Spanned::new(span, other));
            None
        }
    }
}

/// Whether a table of `run` is a task call rather than a command table.
pub(crate) fn is_call(table: &DeTable<'_>) -> bool {
    table.keys().any(|key| key.get_ref() == "task")
}

/// A task call's table, `{ task = "…", args = { … } }`, written at `span`.
pub(crate) fn call(
    reader: &mut Reader<'_>,
    table: DeTable<'_>,
    span: std::ops::Range<usize>,
) -> Option<NameRef> {
    let mut name = None;
    let mut args = Vec::new();
    for (key, value) in entries(table) {
        match key.get_ref().as_ref() {
            "task" => {
                let span = value.span();
                name = reader.string(value).map(|name| (name, span));
            }
            "args" => args = call_args(reader, value),
            other => {
                let message = format!("unknown key `{other}` in a task call");
                let problem = reader
                    .error(message, key.span(), "unknown key")
                    .with_help("a task call has `task` and `args`");
                reader.problem(problem);
            }
        }
    }
    let Some((name, name_span)) = name else {
        let problem = reader
            .error("task call without `task`", span, "no `task`")
            .with_help("name the task: `{ task = \"build\", args = { … } }`");
        reader.problem(problem);
        return None;
    };
    Some(NameRef {
        name,
        span: reader.span(name_span),
        args,
        pattern: None,
    })
}

/// `args = { name = value }`: strings, integers, floats and booleans, kept as written.
fn call_args(reader: &mut Reader<'_>, value: Spanned<DeValue<'_>>) -> Vec<CallArg> {
    let Some(table) = reader.table(value) else {
        return Vec::new();
    };
    entries(table)
        .filter_map(|(key, value)| {
            let span = value.span();
            let text = match reader.value::<toml::Value>(value)?.into_inner() {
                toml::Value::String(text) => text,
                toml::Value::Integer(number) => number.to_string(),
                toml::Value::Float(number) => number.to_string(),
                toml::Value::Boolean(flag) => flag.to_string(),
                _ => {
                    let problem = reader.error(
                        format!(
                            "argument `{}` must be a string, number or boolean",
                            key.get_ref().as_ref()
                        ),
                        span,
                        "not a plain value",
                    );
                    reader.problem(problem);
                    return None;
                }
            };
            Some(CallArg {
                name: key.get_ref().as_ref().to_owned(),
                name_span: reader.span(key.span()),
                value: text,
                span: reader.span(span),
            })
        })
        .collect()
}
