//! `--graph` (an indented tree) and `--dot` (Graphviz) views of the dependencies.

use std::collections::HashSet;

use crate::config::TaskFile;
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
    /// Reached through `depends_post`: runs after its parent rather than before.
    post: bool,
    /// A task call's arguments, shown after the name: `(profile=release)`.
    args: String,
}

/// A dependency's arguments as shown: `(profile=release, jobs=2)`, or nothing.
fn call_args(dep: &crate::config::NameRef) -> String {
    if dep.args.is_empty() {
        return String::new();
    }
    let args: Vec<String> = (dep.args.iter())
        .map(|arg| format!("{}={}", arg.name, arg.value))
        .collect();
    format!("({})", args.join(", "))
}

/// The dependency trees of `roots` (file indices). A task shown before is marked `(*)` and not
/// expanded again, which keeps shared subtrees (and cycles) from repeating. `depends_post`
/// tasks are marked `(post)`, as `--dot` dashes their edges.
pub(crate) fn tree(file: &TaskFile, roots: &[usize]) -> String {
    let names = Names::new(file);
    let mut shown = HashSet::new();
    let mut out = String::new();
    for &root in roots {
        let mut stack = vec![Row {
            task: root,
            depth: 0,
            indent: String::new(),
            prefix: String::new(),
            post: false,
            args: String::new(),
        }];
        while let Some(row) = stack.pop() {
            let task = &file.tasks[row.task];
            let post = if row.post { " (post)" } else { "" };
            let name = format!("{}{}", task.name, row.args);
            let hard = task.depends.iter().map(|dep| (dep, false));
            let after = task.depends_post.iter().map(|dep| (dep, true));
            let children: Vec<(usize, bool, String)> = hard
                .chain(after)
                .filter_map(|(dep, post)| Some((names.get(&dep.name)?, post, call_args(dep))))
                .collect();
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
            for (position, (child, post, args)) in children.into_iter().enumerate().rev() {
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
                    post,
                    args,
                });
            }
        }
    }
    out
}

/// The dependency graph reachable from `roots` as a Graphviz digraph; `depends_post` edges
/// are dashed.
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
        let hard = task.depends.iter().map(|dep| (dep, ""));
        let post = task.depends_post.iter().map(|dep| (dep, " [style=dashed]"));
        for (dep, style) in hard.chain(post) {
            if let Some(target) = names.get(&dep.name) {
                let style = match call_args(dep) {
                    args if args.is_empty() => style.to_owned(),
                    args if style.is_empty() => format!(" [label={}]", quoted(&args)),
                    args => format!(" [style=dashed, label={}]", quoted(&args)),
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
    out.push_str("}\n");
    out
}

fn quoted(name: &str) -> String {
    format!("\"{}\"", name.replace('\\', "\\\\").replace('"', "\\\""))
}
