//! Names through includes, once every file is read: a task of an included file is `web:build`,
//! also `w:build` when the include says `aliases = ["w"]`, and `rask web` runs `web:default`;
//! the tasks of a `flatten = true` include keep their own names. The clashes these can cause
//! are reported here. The main function here is [`resolve`].

use std::collections::HashSet;

use rustc_hash::{FxHashMap, FxHashSet};

use super::include::display;
use super::{Diagnostic, FileId, NameRef, RunStep, Sources, Span, TaskFile};

/// Checks the names includes bring in, gives each task its [`other_names`], and points each
/// dependency written in an included file at the task it means.
///
/// [`other_names`]: super::Task::other_names
pub(super) fn resolve(file: &mut TaskFile, sources: &Sources, problems: &mut Vec<Diagnostic>) {
    check_defined_once(file, sources, problems);
    check_namespace_aliases(file, problems);
    add_other_names(file);
    resolve_references(file);
}

/// `a` and `b` joined as a namespaced name; an empty side (the root) adds nothing.
fn join(namespace: &str, name: &str) -> String {
    match (namespace.is_empty(), name.is_empty()) {
        (true, _) => name.to_owned(),
        (_, true) => namespace.to_owned(),
        _ => format!("{namespace}:{name}"),
    }
}

/// A name defined twice, which only a flattened include (or a quoted `"web:build"` in the
/// root) can do: the error shows both places, in both files.
fn check_defined_once(file: &TaskFile, sources: &Sources, problems: &mut Vec<Diagnostic>) {
    let mut first: FxHashMap<&str, Span> =
        FxHashMap::with_capacity_and_hasher(file.tasks.len(), Default::default());
    let root_file = &sources.get(FileId::default()).path;
    let path_of = |span: Span| display(&sources.get(span.file).path, root_file);
    for task in &file.tasks {
        let Some(&earlier) = first.get(task.name.as_str()) else {
            first.insert(&task.name, task.name_span);
            continue;
        };
        let flattened = task
            .include
            .is_some_and(|index| file.includes[index].flatten);
        let help = if flattened {
            "rename one of them, or include the file without `flatten = true` to keep its tasks under a namespace"
        } else {
            "rename one of them"
        };
        problems.push(
            Diagnostic::new(
                format!(
                    "task `{}` is defined twice: in `{}` and in `{}`",
                    task.name,
                    path_of(earlier),
                    path_of(task.name_span)
                ),
                task.name_span,
                "defined again here",
            )
            .with_also(earlier, "first defined here")
            .with_help(help),
        );
    }
}

/// A namespace alias must not read as another task or namespace; one that does is reported
/// and dropped, so the names it would make do not clash a second time.
fn check_namespace_aliases(file: &mut TaskFile, problems: &mut Vec<Diagnostic>) {
    if file
        .includes
        .iter()
        .all(|include| include.aliases.is_empty())
    {
        return;
    }
    let mut taken: HashSet<String> = file
        .tasks
        .iter()
        .flat_map(|task| std::iter::once(&task.name).chain(task.aliases.iter().map(|a| &a.name)))
        .cloned()
        .collect();
    let namespaces: HashSet<String> = file
        .includes
        .iter()
        .map(|include| include.namespace.clone())
        .filter(|namespace| !namespace.is_empty())
        .collect();
    for index in 0..file.includes.len() {
        let include = &file.includes[index];
        let parent = include
            .parent
            .map(|parent| file.includes[parent].namespace.as_str())
            .unwrap_or_default();
        let mut kept = Vec::new();
        for alias in &include.aliases {
            let full = join(parent, &alias.name);
            let clash = if include.flatten {
                Some((
                    "no namespace to alias",
                    "a flattened include's tasks keep their own names: drop `aliases` or `flatten`"
                        .to_owned(),
                ))
            } else if namespaces.contains(&full) {
                Some((
                    "already a namespace",
                    format!("`{full}` is the namespace of another include: choose another alias"),
                ))
            } else if taken.contains(&full) {
                Some((
                    "already used",
                    format!("`{full}` is already a task or an alias: choose another alias"),
                ))
            } else {
                None
            };
            match clash {
                Some((label, help)) => problems.push(
                    Diagnostic::new(
                        match include.flatten {
                            true => format!("alias `{}` of a flattened include", alias.name),
                            false => format!(
                                "alias `{}` of namespace `{}` clashes with another name",
                                alias.name, include.namespace
                            ),
                        },
                        alias.span,
                        label,
                    )
                    .with_help(help),
                ),
                None => {
                    taken.insert(full);
                    kept.push(alias.clone());
                }
            }
        }
        file.includes[index].aliases = kept;
    }
}

/// Every spelling of each include's namespace, the canonical one first: with `web` aliased
/// `w` and `web:api` aliased `a`, `web:api` is also `web:a`, `w:api` and `w:a`. Each comes
/// with the alias that makes it (`None` for the canonical spelling).
fn spellings(file: &TaskFile) -> Vec<Vec<(String, Option<Span>)>> {
    let root = vec![(String::new(), None)];
    let mut all: Vec<Vec<(String, Option<Span>)>> = Vec::with_capacity(file.includes.len());
    for include in &file.includes {
        // An include is pushed before the files it includes, so its parent is done.
        let parent = include.parent.map_or(&root, |parent| &all[parent]);
        let spelled = if include.flatten {
            parent.clone()
        } else {
            let parent_namespace = &parent[0].0;
            let own = include
                .namespace
                .strip_prefix(parent_namespace.as_str())
                .map_or(include.namespace.as_str(), |rest| {
                    rest.trim_start_matches(':')
                });
            let own = std::iter::once((own.to_owned(), None)).chain(
                include
                    .aliases
                    .iter()
                    .map(|alias| (alias.name.clone(), Some(alias.span))),
            );
            let own: Vec<_> = own.collect();
            parent
                .iter()
                .flat_map(|(prefix, prefix_alias)| {
                    own.iter()
                        .map(move |(name, alias)| (join(prefix, name), alias.or(*prefix_alias)))
                })
                .collect()
        };
        all.push(spelled);
    }
    all
}

/// `w:build` for `web:build`, and `web` (and `w`) for `web:default`.
fn add_other_names(file: &mut TaskFile) {
    let spellings = spellings(file);
    for task in &mut file.tasks {
        let Some(index) = task.include else {
            continue;
        };
        let namespace = file.includes[index].namespace.as_str();
        let mut other = Vec::new();
        let names = std::iter::once((task.name.as_str(), task.name_span))
            .chain(task.aliases.iter().map(|a| (a.name.as_str(), a.span)));
        for (name, span) in names {
            let local = local_name(name, namespace);
            for (spelling, alias) in &spellings[index][1..] {
                other.push(NameRef {
                    name: join(spelling, local),
                    span: alias.unwrap_or(span),
                    args: Vec::new(),
                    pattern: None,
                });
            }
        }
        if local_name(&task.name, namespace) == "default" {
            for (spelling, alias) in spellings[index].iter().filter(|(s, _)| !s.is_empty()) {
                other.push(NameRef {
                    name: spelling.clone(),
                    span: alias.unwrap_or(task.name_span),
                    args: Vec::new(),
                    pattern: None,
                });
            }
        }
        task.other_names = other;
    }
}

/// `name` without its `namespace:` prefix: `build` for `web:build` in `web`.
fn local_name<'n>(name: &'n str, namespace: &str) -> &'n str {
    name.strip_prefix(namespace)
        .and_then(|rest| rest.strip_prefix(':'))
        .unwrap_or(name)
}

/// In an included file, `depends = ["gen"]` means its own `web:gen` when there is one; `:gen`
/// always means the root's `gen`; any other name is taken as a full name.
fn resolve_references(file: &mut TaskFile) {
    // Owned, as the tasks are rewritten while it is read.
    let names: FxHashSet<String> = (file.tasks.iter())
        .flat_map(|task| std::iter::once(&task.name).chain(task.aliases.iter().map(|a| &a.name)))
        .cloned()
        .collect();
    let mut local = String::new();
    for task in &mut file.tasks {
        let namespace = task
            .include
            .map(|index| file.includes[index].namespace.as_str())
            .filter(|namespace| !namespace.is_empty());
        let calls = task.run.iter_mut().filter_map(RunStep::call_mut);
        let references = (task.depends.iter_mut())
            .chain(task.depends_post.iter_mut())
            .chain(task.wait_for.iter_mut())
            .chain(calls);
        for reference in references {
            if let Some(root_name) = reference.name.strip_prefix(':') {
                reference.name = root_name.to_owned();
            } else if let Some(namespace) = namespace {
                local.clear();
                local.extend([namespace, ":", &reference.name]);
                if names.contains(&local) {
                    reference.name.clone_from(&local);
                }
            }
        }
    }
}
