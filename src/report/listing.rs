//! What rask prints instead of running: `--list`, `--list --json`, `TASK --help` and
//! `--dry-run`. Everything here is written to stdout, for people and for pipes.

use unicode_width::UnicodeWidthStr;

use crate::config::{Command, ParamKind, Task, TaskFile, ValueType};
use crate::graph::{Edge, Plan};

/// The widest the name column of `--list` grows; a longer label pushes its own description
/// along instead of every description (a 5,000-character name padded all of them to column
/// 5,000, issue #8).
const MAX_LABEL_COLUMNS: usize = 32;

/// `--list`: one line per visible task, `name (aliases)` padded, then the description.
///
/// Namespaces are the outer level, groups the inner one: the root file's tasks come first,
/// then each namespace under a `namespace:` heading, indented. Within each, tasks without a
/// `group` come first, then each group under a `[group]` heading, indented once more; all in
/// the order the files declare them. `group` keeps only that group's tasks.
pub(crate) fn list(file: &TaskFile, group: Option<&str>) -> String {
    let mut lines: Vec<(String, Option<&str>)> = Vec::new();
    for (index, section) in sections(file, group).iter().enumerate() {
        let indent = match section.namespace {
            "" => "",
            namespace => {
                lines.push((String::new(), None));
                lines.push((format!("{}:", namespace_heading(file, namespace)), None));
                "  "
            }
        };
        for (group, tasks) in &section.groups {
            let indent = match group {
                None => indent.to_owned(),
                Some(group) => {
                    // Blank before a root group, as before a namespace; none inside one.
                    if index == 0 && section.namespace.is_empty() {
                        lines.push((String::new(), None));
                    }
                    lines.push((format!("{indent}[{group}]"), None));
                    format!("{indent}  ")
                }
            };
            for task in tasks {
                let label = format!("{indent}{}", label(task));
                lines.push((label, Some(task.description.as_deref().unwrap_or_default())));
            }
        }
    }
    let column = label_column(
        lines
            .iter()
            .filter(|(_, description)| description.is_some())
            .map(|(label, _)| label.as_str()),
    );
    let mut out = String::new();
    for (label, description) in &lines {
        out.push_str(label);
        if let Some(description) = description.filter(|text| !text.is_empty()) {
            out.push_str(&padding(column, label));
            out.push_str(description);
        }
        out.push('\n');
    }
    // The first section may be a namespace: no blank line above everything.
    match out.strip_prefix('\n') {
        Some(rest) => rest.to_owned(),
        None => out,
    }
}

/// The visible tasks of one namespace (`""`: the root's names, flattened includes' too), by
/// group (`None` first).
struct Section<'f> {
    namespace: &'f str,
    groups: Vec<(Option<&'f str>, Vec<&'f Task>)>,
}

/// Visible tasks (of `group` only, if given) by namespace, then group, in first-seen order.
fn sections<'f>(file: &'f TaskFile, group: Option<&str>) -> Vec<Section<'f>> {
    let mut sections: Vec<Section<'f>> = vec![Section {
        namespace: "",
        groups: vec![(None, Vec::new())],
    }];
    let mut index_of: std::collections::HashMap<&str, usize> = [("", 0)].into();
    let tasks = file.tasks.iter().filter(|task| !task.hide);
    for task in tasks.filter(|task| group.is_none() || task.group.as_deref() == group) {
        let namespace = namespace(file, task).unwrap_or_default();
        let at = *index_of.entry(namespace).or_insert_with(|| {
            sections.push(Section {
                namespace,
                groups: vec![(None, Vec::new())],
            });
            sections.len() - 1
        });
        let groups = &mut sections[at].groups;
        let task_group = task.group.as_deref();
        match groups.iter_mut().find(|(name, _)| *name == task_group) {
            Some((_, tasks)) => tasks.push(task),
            None => groups.push((task_group, vec![task])),
        }
    }
    sections
}

/// `web`, or `web (w)` when the namespace has aliases.
fn namespace_heading(file: &TaskFile, namespace: &str) -> String {
    let Some(include) = file
        .includes
        .iter()
        .find(|include| include.namespace == namespace && !include.flatten)
    else {
        return namespace.to_owned();
    };
    if include.aliases.is_empty() {
        return namespace.to_owned();
    }
    let parent = include
        .parent
        .map(|parent| file.includes[parent].namespace.as_str())
        .filter(|parent| !parent.is_empty());
    let aliases: Vec<String> = include
        .aliases
        .iter()
        .map(|alias| match parent {
            Some(parent) => format!("{parent}:{}", alias.name),
            None => alias.name.clone(),
        })
        .collect();
    format!("{namespace} ({})", aliases.join(", "))
}

/// The column descriptions start at: the widest label that fits under the cap.
fn label_column<'a>(labels: impl Iterator<Item = &'a str>) -> usize {
    labels
        .map(UnicodeWidthStr::width)
        .filter(|width| *width <= MAX_LABEL_COLUMNS)
        .max()
        .unwrap_or(0)
}

/// The spaces after `label` that reach `column`, and two more. Display width, not characters:
/// CJK and emoji take two columns each. Padding by hand also avoids `format!`'s width
/// argument, which overflowed on huge names ("Formatting argument out of range").
fn padding(column: usize, label: &str) -> String {
    " ".repeat(column.saturating_sub(label.width()) + 2)
}

/// The namespace of an included task (`web`, `web:api`); `None` for the root file's, and for
/// a task of a flattened include at the root.
fn namespace<'f>(file: &'f TaskFile, task: &Task) -> Option<&'f str> {
    task.include
        .map(|index| file.includes[index].namespace.as_str())
        .filter(|namespace| !namespace.is_empty())
}

fn label(task: &Task) -> String {
    if task.aliases.is_empty() {
        return task.name.clone();
    }
    let aliases: Vec<&str> = task
        .aliases
        .iter()
        .map(|alias| alias.name.as_str())
        .collect();
    format!("{} ({})", task.name, aliases.join(", "))
}

/// `--list --json`: every visible task (of `group` only, if given) with what a tool needs to
/// drive it.
pub(crate) fn list_json(file: &TaskFile, group: Option<&str>) -> String {
    let tasks: Vec<serde_json::Value> = file
        .tasks
        .iter()
        .filter(|task| !task.hide)
        .filter(|task| group.is_none() || task.group.as_deref() == group)
        .map(|task| {
            let names = |refs: &[crate::config::NameRef]| -> Vec<String> {
                refs.iter().map(|r| r.name.clone()).collect()
            };
            let params: Vec<serde_json::Value> = task
                .params
                .iter()
                .map(|param| {
                    let (kind, default, required) = match &param.kind {
                        ParamKind::Flag => ("flag", None, false),
                        ParamKind::Value { default, required } => {
                            ("value", default.clone(), *required)
                        }
                    };
                    serde_json::json!({
                        "name": param.name, "kind": kind, "default": default,
                        "required": required, "help": param.help,
                    })
                })
                .collect();
            serde_json::json!({
                "name": task.name,
                "namespace": namespace(file, task),
                "group": task.group,
                "description": task.description,
                "aliases": names(&task.aliases),
                "depends": names(&task.depends),
                "depends_post": names(&task.depends_post),
                "wait_for": names(&task.wait_for),
                "params": params,
            })
        })
        .collect();
    let mut out = serde_json::to_string_pretty(&tasks).expect("JSON values always serialise");
    out.push('\n');
    out
}

/// `rask TASK --help`: usage line, description, parameters, dependencies and commands.
pub(crate) fn task_help(task: &Task) -> String {
    let mut usage = format!("Usage: rask {}", task.name);
    let mut rows = Vec::new();
    for param in &task.params {
        let (synopsis, note) = match &param.kind {
            ParamKind::Flag => (format!("--{}", param.name), String::new()),
            ParamKind::Value { default, required } => {
                let metavar = param.name.to_uppercase().replace('-', "_");
                let mut note = match (default, required) {
                    (Some(default), _) => format!(" [default: {default}]"),
                    (None, true) => " [required]".to_owned(),
                    (None, false) => String::new(),
                };
                note.push_str(&value_note(param));
                let dots = if param.is_list() { "..." } else { "" };
                // A bool parameter is a switch: a value only after `=`.
                let value = match param.value_type {
                    ValueType::Bool => "[=true|false]".to_owned(),
                    _ => format!(" <{metavar}>"),
                };
                (format!("--{}{value}{dots}", param.name), note)
            }
        };
        // A `type = "bool"` parameter on by default is turned off with `--no-NAME`.
        let on_by_default = param.fallback().is_some_and(|value| value == "true");
        let switch_off = (param.value_type == ValueType::Bool && on_by_default).then(|| {
            (
                format!("--no-{}", param.name),
                format!("set `{}` to false", param.name),
            )
        });
        let required = matches!(param.kind, ParamKind::Value { required: true, .. });
        usage.push_str(&if required {
            format!(" {synopsis}")
        } else {
            format!(" [{synopsis}]")
        });
        rows.push((
            synopsis,
            format!("{}{note}", param.help.as_deref().unwrap_or_default())
                .trim_start()
                .to_owned(),
        ));
        rows.extend(switch_off);
    }
    usage.push_str(" [-- ARGS...]\n");
    let mut out = usage;
    if let Some(description) = &task.description {
        out.push_str(&format!("\n{description}\n"));
    }
    if !rows.is_empty() {
        let column = label_column(rows.iter().map(|(synopsis, _)| synopsis.as_str()));
        out.push_str("\nParameters (also accepted positionally, in this order):\n");
        for (synopsis, help) in rows {
            let padding = padding(column, &synopsis);
            out.push_str(format!("  {synopsis}{padding}{help}").trim_end());
            out.push('\n');
        }
    }
    if !task.depends.is_empty() {
        let names: Vec<&str> = task.depends.iter().map(|name| name.name.as_str()).collect();
        out.push_str(&format!("\nDepends on: {}\n", names.join(", ")));
    }
    if !task.wait_for.is_empty() {
        let names: Vec<&str> = task
            .wait_for
            .iter()
            .map(|name| name.name.as_str())
            .collect();
        out.push_str(&format!(
            "\nRuns after (if in the run): {}\n",
            names.join(", ")
        ));
    }
    if !task.run.is_empty() {
        out.push_str("\nRuns:\n");
        for command in &task.run {
            let line = match &command.command {
                Command::Shell(line) => line.clone(),
                Command::Argv(argv) => shell_words::join(argv),
                Command::Call(call) => format!("call {}", call.label()),
            };
            out.push_str(&format!("  {line}\n"));
        }
    }
    out
}

/// What `choices`, `type`, `variadic` and `multiple` allow, for `rask TASK --help`.
fn value_note(param: &crate::config::Param) -> String {
    let mut note = String::new();
    if !param.choices.is_empty() {
        note.push_str(&format!(" [possible values: {}]", param.choices.join(", ")));
    }
    match param.value_type {
        ValueType::Int => note.push_str(" [integer]"),
        ValueType::Bool | ValueType::String => {}
    }
    if param.variadic {
        note.push_str(" [takes every remaining word]");
    } else if param.multiple {
        note.push_str(" [repeatable, not positional]");
    }
    note
}

/// A task a dry run found a real run would not run.
#[derive(Debug, Clone)]
pub(crate) struct DrySkip {
    /// Restored from the cache (or its cached output replayed), rather than up to date.
    pub(crate) restored: bool,
    /// Why, as `--explain` says it.
    pub(crate) why: String,
}

/// `--dry-run`: every command that would run, in order, after substitution, one per line.
/// The checks that decide whether it runs are shown as `#` comments (a dry run evaluates
/// none that runs a command), so the output still reads as a shell script; so are the
/// commands of a task a real run would skip (`skips`, by task index), under a line saying so.
/// A task call is a comment too, followed by the called task's commands when nothing else
/// runs that task.
pub(crate) fn dry_run(plan: &Plan<'_>, skips: &[Option<DrySkip>]) -> String {
    let mut out = String::new();
    let mut shown = vec![false; plan.tasks.len()];
    for (index, task) in plan.tasks.iter().enumerate() {
        if !task.called_only {
            dry_run_task(plan, skips, index, &mut shown, &mut out);
        }
    }
    out
}

fn dry_run_task(
    plan: &Plan<'_>,
    skips: &[Option<DrySkip>],
    index: usize,
    shown: &mut [bool],
    out: &mut String,
) {
    let task = &plan.tasks[index];
    // A task skipped here (its `platforms` leave this system out) would run nothing.
    if std::mem::replace(&mut shown[index], true) || task.skip.is_some() {
        return;
    }
    let checks = &task.checks;
    let name = task.name();
    if name != task.task.name {
        // A task call with other arguments than the task's own (`depends` with `args`).
        out.push_str(&format!("# {name}\n"));
    }
    let mut comment =
        |what: &str, check: &str| out.push_str(&format!("# {name}: {what} {check}\n"));
    if let Some(condition) = &checks.condition {
        comment("if", &condition.display);
    }
    for precondition in &checks.preconditions {
        comment("precondition", &precondition.check.display);
    }
    for status in &checks.status {
        comment(
            "up to date if",
            &format!("{} (status not checked)", status.display),
        );
    }
    let waits: Vec<&str> = (plan.prerequisites[index].iter())
        .filter(|(_, edge)| *edge == Edge::Soft)
        .map(|(prerequisite, _)| plan.tasks[prerequisite.index()].name())
        .collect();
    if !waits.is_empty() {
        comment("after (wait_for)", &waits.join(", "));
    }
    let skipped = match skips.get(index).and_then(Option::as_ref) {
        Some(DrySkip { restored, why }) => {
            let verdict = if *restored {
                "would restore from cache"
            } else {
                "up to date"
            };
            out.push_str(&format!("# {name}: {verdict}, not run ({why})\n"));
            "# "
        }
        None => "",
    };
    for command in &task.commands {
        if let Some(condition) = &command.condition {
            out.push_str(&format!(
                "# {name}: next command if {}\n",
                condition.display
            ));
        }
        match command.call {
            // A task a real run skips makes no calls: the called commands are not shown.
            Some(callee) if skipped.is_empty() => {
                out.push_str(&format!("# {name}: {}\n", command.display));
                dry_run_task(plan, skips, callee.index(), shown, out);
            }
            _ => {
                out.push_str(skipped);
                out.push_str(&command.display);
                out.push('\n');
            }
        }
    }
}
