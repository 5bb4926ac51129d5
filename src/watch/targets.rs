//! What watch mode watches, and what a change means for the plan. The main type here is
//! [`Targets`].
//!
//! A task with `sources` watches the directories its patterns start in and is affected by a
//! path its patterns match; a task without watches its `dir`, recursively. Never a trigger:
//! anything under `.git/` or rask's own `.rask/`, any task's declared `outputs`, and what the
//! `.gitignore` / `.ignore` files (and `.git/info/exclude`) along the way exclude, read with
//! the `ignore` crate's rules. A change to a task file means the file is read again.

use std::collections::{BTreeSet, HashMap};
use std::path::{Component, Path, PathBuf};

use glob::{MatchOptions, Pattern};
use ignore::Match;
use ignore::gitignore::{Gitignore, GitignoreBuilder};

use crate::config::TaskFile;
use crate::graph::{Plan, TaskId};

/// Directory names that never hold a trigger: version control and rask's state and cache.
const NEVER_WATCHED: [&str; 2] = [".git", ".rask"];

/// `*` stops at `/`, as when the patterns are expanded against the disk.
const MATCH: MatchOptions = MatchOptions {
    case_sensitive: true,
    require_literal_separator: true,
    require_literal_leading_dot: false,
};

/// What one task reacts to.
#[derive(Debug)]
enum Inputs {
    Sources(Vec<Pattern>),
    /// Everything under its directory.
    Dir(PathBuf),
    /// An aggregate runs nothing of its own; its prerequisites' changes reach it.
    Nothing,
}

/// What a batch of changed paths means.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Change {
    /// A task file changed: read it again.
    TaskFile,
    /// These tasks (not yet their dependents) must run again.
    Tasks(Vec<TaskId>),
}

#[derive(Debug)]
pub(crate) struct Targets {
    /// The project root: where `.gitignore` rules start.
    root: PathBuf,
    /// Directories to watch recursively, none inside another.
    recursive: Vec<PathBuf>,
    /// The task files (tasks.toml and what it includes).
    task_files: Vec<PathBuf>,
    inputs: Vec<Inputs>,
    outputs: Vec<Pattern>,
    /// `--watch-path`: a change there re-runs every task.
    extra: Vec<PathBuf>,
    /// The plan's edges to dependents, by task.
    dependents: Vec<Vec<TaskId>>,
    /// Ignore rules per directory, read when first needed (`None`: the directory has none).
    ignores: HashMap<PathBuf, Option<Gitignore>>,
}

impl Targets {
    pub(crate) fn new(plan: &Plan<'_>, file: &TaskFile, extra: &[PathBuf], cwd: &Path) -> Targets {
        let mut watched = Vec::new();
        let mut outputs = Vec::new();
        let inputs = plan
            .tasks
            .iter()
            .map(|planned| {
                for output in &planned.task.outputs {
                    outputs.extend(pattern(&planned.dir, output));
                }
                if planned.commands.is_empty() {
                    return Inputs::Nothing;
                }
                if planned.task.sources.is_empty() {
                    watched.push(planned.dir.clone());
                    return Inputs::Dir(planned.dir.clone());
                }
                let patterns = planned
                    .task
                    .sources
                    .iter()
                    .filter_map(|source| {
                        watched.push(existing_ancestor(&static_prefix(&planned.dir, source)));
                        pattern(&planned.dir, source)
                    })
                    .collect();
                Inputs::Sources(patterns)
            })
            .collect();
        let extra: Vec<PathBuf> = extra.iter().map(|path| cwd.join(path)).collect();
        watched.extend(extra.iter().map(|path| existing_ancestor(path)));
        let task_files: Vec<PathBuf> = file.sources.paths().map(Path::to_path_buf).collect();
        watched.extend(
            task_files
                .iter()
                .filter_map(|path| path.parent().map(Path::to_path_buf)),
        );
        Targets {
            root: file.root.clone(),
            recursive: outermost(watched),
            task_files,
            inputs,
            outputs,
            extra,
            dependents: plan
                .dependents
                .iter()
                .map(|dependents| dependents.iter().map(|&(task, _)| task).collect())
                .collect(),
            ignores: HashMap::new(),
        }
    }

    /// Whether `tasks` or anything depending on them is among `running`.
    pub(crate) fn reaches_any(&self, tasks: &[TaskId], running: &BTreeSet<TaskId>) -> bool {
        let mut seen = vec![false; self.dependents.len()];
        let mut stack = tasks.to_vec();
        while let Some(task) = stack.pop() {
            if std::mem::replace(&mut seen[task.index()], true) {
                continue;
            }
            if running.contains(&task) {
                return true;
            }
            stack.extend(&self.dependents[task.index()]);
        }
        false
    }

    /// The directories to watch recursively.
    pub(crate) fn directories(&self) -> &[PathBuf] {
        &self.recursive
    }

    /// Shows `path` relative to the project root where it is inside it.
    pub(crate) fn display<'p>(&self, path: &'p Path) -> std::path::Display<'p> {
        path.strip_prefix(&self.root).unwrap_or(path).display()
    }

    /// Whether a change to `path` may start a run at all.
    pub(crate) fn is_trigger(&mut self, path: &Path) -> bool {
        if self.task_files.iter().any(|file| file == path) {
            return true;
        }
        let inside = path.strip_prefix(&self.root).unwrap_or(path);
        let hidden = inside.components().any(|component| {
            matches!(component, Component::Normal(name) if NEVER_WATCHED.iter().any(|never| name == *never))
        });
        if hidden || self.is_output(path) {
            return false;
        }
        !self.is_ignored(path)
    }

    fn is_output(&self, path: &Path) -> bool {
        // An output may name a directory: everything under it is output too.
        path.ancestors()
            .take_while(|ancestor| ancestor.starts_with(&self.root) || *ancestor == path)
            .any(|ancestor| {
                self.outputs
                    .iter()
                    .any(|output| output.matches_path_with(ancestor, MATCH))
            })
    }

    /// The `.gitignore` / `.ignore` rules from the root down to `path`: the deepest rule that
    /// says anything decides, as in git.
    fn is_ignored(&mut self, path: &Path) -> bool {
        if !path.starts_with(&self.root) {
            return false;
        }
        let is_dir = path.is_dir();
        let root = self.root.clone();
        let directories: Vec<PathBuf> = path
            .ancestors()
            .skip(1)
            .take_while(|dir| dir.starts_with(&root))
            .map(Path::to_path_buf)
            .collect();
        for dir in directories {
            let is_root = dir == root;
            let rules = self
                .ignores
                .entry(dir)
                .or_insert_with_key(|dir| read_ignore_rules(dir, is_root));
            match rules
                .as_ref()
                .map(|rules| rules.matched_path_or_any_parents(path, is_dir))
            {
                Some(Match::Ignore(_)) => return true,
                Some(Match::Whitelist(_)) => return false,
                _ => {}
            }
        }
        false
    }

    /// What the changed `paths` (all triggers) mean; `None` if they touch no task.
    pub(crate) fn classify<'p>(
        &self,
        paths: impl IntoIterator<Item = &'p PathBuf>,
    ) -> Option<Change> {
        let mut affected = BTreeSet::new();
        for path in paths {
            if self.task_files.contains(path) {
                return Some(Change::TaskFile);
            }
            affected.extend(self.affected_by(path));
        }
        (!affected.is_empty()).then(|| Change::Tasks(affected.into_iter().collect()))
    }

    /// The tasks a change to `path` re-runs (not yet counting their dependents).
    pub(crate) fn affected_by(&self, path: &Path) -> Vec<TaskId> {
        let everything = self.extra.iter().any(|extra| path.starts_with(extra));
        self.inputs
            .iter()
            .enumerate()
            .filter(|(_, inputs)| match inputs {
                Inputs::Sources(patterns) => {
                    everything
                        || patterns
                            .iter()
                            .any(|pattern| pattern.matches_path_with(path, MATCH))
                }
                Inputs::Dir(dir) => everything || path.starts_with(dir),
                Inputs::Nothing => false,
            })
            .map(|(index, _)| TaskId(index as u32))
            .collect()
    }
}

/// A task's glob, made absolute; a pattern that does not parse was already rejected, or
/// matches nothing.
fn pattern(dir: &Path, glob: &str) -> Option<Pattern> {
    Pattern::new(dir.join(glob).to_str()?).ok()
}

/// The directory a glob starts in: its leading components without wildcards.
fn static_prefix(dir: &Path, glob: &str) -> PathBuf {
    let mut prefix = dir.to_path_buf();
    let components: Vec<&str> = glob.split('/').collect();
    for (index, component) in components.iter().enumerate() {
        let last = index + 1 == components.len();
        if last || component.contains(['*', '?', '[', '{']) {
            break;
        }
        prefix.push(component);
    }
    prefix
}

/// The nearest directory at or above `path` that exists (a source dir may be created later).
fn existing_ancestor(path: &Path) -> PathBuf {
    path.ancestors()
        .find(|ancestor| ancestor.is_dir())
        .unwrap_or(path)
        .to_path_buf()
}

/// The directories of `paths` that are not inside another one of them.
fn outermost(mut paths: Vec<PathBuf>) -> Vec<PathBuf> {
    paths.sort();
    paths.dedup();
    let mut kept: Vec<PathBuf> = Vec::new();
    for path in paths {
        // Sorted, so an ancestor comes before everything inside it.
        if !kept.iter().any(|outer| path.starts_with(outer)) {
            kept.push(path);
        }
    }
    kept
}

/// `dir`'s `.gitignore` and `.ignore` (and, at the root, `.git/info/exclude`), if any.
fn read_ignore_rules(dir: &Path, is_root: bool) -> Option<Gitignore> {
    let mut builder = GitignoreBuilder::new(dir);
    let mut found = false;
    let mut files = vec![dir.join(".gitignore"), dir.join(".ignore")];
    if is_root {
        files.push(dir.join(".git/info/exclude"));
    }
    for file in files.into_iter().filter(|file| file.is_file()) {
        // A rule that does not parse is skipped, as git does.
        let _ = builder.add(file);
        found = true;
    }
    found.then(|| builder.build().ok()).flatten()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_glob_is_watched_from_its_first_wildcard() {
        let dir = Path::new("/p");
        assert_eq!(static_prefix(dir, "src/**/*.rs"), Path::new("/p/src"));
        assert_eq!(static_prefix(dir, "Cargo.toml"), Path::new("/p"));
        assert_eq!(static_prefix(dir, "a/b/c.txt"), Path::new("/p/a/b"));
        assert_eq!(static_prefix(dir, "*.c"), Path::new("/p"));
    }

    #[test]
    fn nested_directories_are_watched_once() {
        let paths = ["/p/src", "/p", "/q/a", "/q/a/b", "/q/ab"].map(PathBuf::from);
        assert_eq!(
            outermost(paths.to_vec()),
            ["/p", "/q/a", "/q/ab"].map(PathBuf::from)
        );
    }
}
