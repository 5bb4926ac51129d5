//! `--graph` (an indented tree) and `--dot` (Graphviz) views of the dependencies.

use std::collections::HashSet;

use crate::config::TaskFile;
use crate::graph::Names;

/// The dependency trees of `roots` (file indices). A task shown before is marked `(*)` and not
/// expanded again, which keeps shared subtrees (and cycles) from repeating.
pub(crate) fn tree(file: &TaskFile, roots: &[usize]) -> String {
    let names = Names::new(file);
    let mut shown = HashSet::new();
    let mut out = String::new();
    for &root in roots {
        // Each entry: task index, the indentation for its children, and its own line prefix.
        let mut stack = vec![(root, String::new(), String::new())];
        while let Some((index, indent, prefix)) = stack.pop() {
            let task = &file.tasks[index];
            if !shown.insert(index) {
                out.push_str(&format!("{prefix}{} (*)\n", task.name));
                continue;
            }
            out.push_str(&format!("{prefix}{}\n", task.name));
            let children: Vec<usize> = task
                .depends
                .iter()
                .filter_map(|dep| names.get(&dep.name))
                .collect();
            for (position, &child) in children.iter().enumerate().rev() {
                let last = position + 1 == children.len();
                let branch = if last { "└── " } else { "├── " };
                let next_indent = format!("{indent}{}", if last { "    " } else { "│   " });
                stack.push((child, next_indent, format!("{indent}{branch}")));
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
