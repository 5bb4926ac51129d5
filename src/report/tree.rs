//! `--graph` (an indented tree) and `--dot` (Graphviz) views of the dependencies. `wait_for`
//! entries are shown but not followed: they pull nothing into a run.

use std::collections::HashSet;

use crate::config::{NameRef, RunStep, Task, TaskFile};
use crate::graph::Names;

/// How deep `--graph` indents. A 50,000-task chain drawn in full printed quadratically much
/// text (issue #8); past this depth a task is shown with a hint to graph it on its own.
const MAX_DEPTH: usize = 48;

/// One line of the tree still to print.
struct Row {
    task: usize,
    depth: usize,
    /// The indentation for this task's children.
    indent: String,
    /// This task's own line prefix (indentation and branch).
    prefix: String,
    /// How it is reached: `" (post)"` through `depends_post` (it runs after its parent),
    /// `" (call)"` through a task call in its parent's `run`; empty through `depends`.
    mark: &'static str,
    /// Reached through `wait_for`: `Some(whether the task is in this run anyway)`.
    wait: Option<bool>,
    /// A task call's arguments, shown after the name: `(profile=release)`.
    args: String,
}

/// A dependency's arguments as shown: `(profile=release, jobs=2)`, or nothing.
fn call_args(dep: &crate::config::NameRef) -> String {
    dep.label()[dep.name.len()..].to_owned()
}

/// A task's links to other tasks, each with how it is drawn: `depends`, `depends_post`, then
/// the calls of its `run`, in order.
fn links(task: &Task) -> impl Iterator<Item = (&NameRef, &'static str)> {
    let hard = task.depends.iter().map(|dep| (dep, ""));
    let post = task.depends_post.iter().map(|dep| (dep, " (post)"));
    let calls = (task.run.iter())
        .filter_map(RunStep::call)
        .map(|call| (call, " (call)"));
    hard.chain(post).chain(calls)
}

/// The dependency trees of `roots` (file indices). A task shown before is marked `(*)` and not
/// expanded again, which keeps shared subtrees (and cycles) from repeating. `depends_post`
/// tasks are marked `(post)`, as `--dot` dashes their edges; tasks called from `run` are marked
/// `(call)` (dotted in `--dot`).
pub(crate) fn tree(file: &TaskFile, roots: &[usize]) -> String {
    let names = Names::new(file);
    let in_run = reachable(file, &names, roots);
    let mut shown = HashSet::new();
    let mut out = String::new();
    for &root in roots {
        let mut stack = vec![Row {
            task: root,
            depth: 0,
            indent: String::new(),
            prefix: String::new(),
            mark: "",
            wait: None,
            args: String::new(),
        }];
        while let Some(row) = stack.pop() {
            let task = &file.tasks[row.task];
            let post = row.mark;
            let name = format!("{}{}", task.name, row.args);
            if let Some(in_run) = row.wait {
                let note = if in_run { "" } else { ", not in this run" };
                out.push_str(&format!("{}{name} (wait_for{note})\n", row.prefix));
                continue;
            }
            let mut children: Vec<(usize, &'static str, String, Option<bool>)> = links(task)
                .filter_map(|(dep, mark)| Some((names.get(&dep.name)?, mark, call_args(dep), None)))
                .collect();
            children.extend(task.wait_for.iter().filter_map(|dep| {
                let target = names.get(&dep.name)?;
                Some((target, "", String::new(), Some(in_run[target])))
            }));
            if shown.contains(&row.task) {
                out.push_str(&format!("{}{name}{post} (*)\n", row.prefix));
                continue;
            }
            // Not marked shown: reached again higher up, it is drawn in full there.
            if row.depth == MAX_DEPTH && !children.is_empty() {
                out.push_str(&format!(
                    "{}{name}{post} (deeper: `rask --graph {}`)\n",
                    row.prefix, task.name
                ));
                continue;
            }
            shown.insert(row.task);
            let count = children.len();
            out.push_str(&format!("{}{name}{post}\n", row.prefix));
            for (position, (child, mark, args, wait)) in children.into_iter().enumerate().rev() {
                let last = position + 1 == count;
                let (branch, below) = if last {
                    ("└── ", "    ")
                } else {
                    ("├── ", "│   ")
                };
                stack.push(Row {
                    task: child,
                    depth: row.depth + 1,
                    indent: format!("{}{below}", row.indent),
                    prefix: format!("{}{branch}", row.indent),
                    mark,
                    wait,
                    args,
                });
            }
        }
    }
    out
}

/// The tasks a run of `roots` contains: those reached through `depends`, `depends_post` and
/// task calls (not `wait_for`).
fn reachable(file: &TaskFile, names: &Names<'_>, roots: &[usize]) -> Vec<bool> {
    let mut seen = vec![false; file.tasks.len()];
    let mut pending = roots.to_vec();
    while let Some(index) = pending.pop() {
        if !std::mem::replace(&mut seen[index], true) {
            pending.extend(links(&file.tasks[index]).filter_map(|(dep, _)| names.get(&dep.name)));
        }
    }
    seen
}

/// The dependency graph reachable from `roots` as a Graphviz digraph; `depends_post` edges
/// are dashed, and `wait_for` edges between tasks of the run dashed and labelled.
pub(crate) fn dot(file: &TaskFile, roots: &[usize]) -> String {
    let names = Names::new(file);
    let mut out = String::from("digraph rask {\n  rankdir=LR;\n");
    let mut seen = HashSet::new();
    let mut pending: Vec<usize> = roots.to_vec();
    while let Some(index) = pending.pop() {
        if !seen.insert(index) {
            continue;
        }
        let task = &file.tasks[index];
        out.push_str(&format!("  {};\n", quoted(&task.name)));
        for (dep, mark) in links(task) {
            let style = match mark {
                " (post)" => " [style=dashed]",
                " (call)" => " [style=dotted]",
                _ => "",
            };
            if let Some(target) = names.get(&dep.name) {
                let style = match call_args(dep) {
                    args if args.is_empty() => style.to_owned(),
                    args if style.is_empty() => format!(" [label={}]", quoted(&args)),
                    args => format!("{}, label={}]", &style[..style.len() - 1], quoted(&args)),
                };
                let target_name = &file.tasks[target].name;
                out.push_str(&format!(
                    "  {} -> {}{style};\n",
                    quoted(&task.name),
                    quoted(target_name)
                ));
                pending.push(target);
            }
        }
    }
    let mut in_run: Vec<usize> = seen.into_iter().collect();
    in_run.sort_unstable();
    for &index in &in_run {
        let task = &file.tasks[index];
        for dep in &task.wait_for {
            if let Some(target) = names
                .get(&dep.name)
                .filter(|t| in_run.binary_search(t).is_ok())
            {
                out.push_str(&format!(
                    "  {} -> {} [style=dashed, label=\"wait_for\"];\n",
                    quoted(&task.name),
                    quoted(&file.tasks[target].name)
                ));
            }
        }
    }
    out.push_str("}\n");
    out
}

fn quoted(name: &str) -> String {
    format!("\"{}\"", name.replace('\\', "\\\\").replace('"', "\\\""))
}
