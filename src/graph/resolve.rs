//! Names and aliases → task indices. The main type here is [`Names`].

use rustc_hash::FxHashMap;

use super::GraphError;
use crate::config::{TaskFile, suggest};

/// Every name and alias in a task file, mapped to the index of its task in `TaskFile::tasks`.
#[derive(Debug)]
pub(crate) struct Names<'f> {
    file: &'f TaskFile,
    /// Fx rather than SipHash: the keys are the file's own names, not an attacker's, and
    /// every edge of a 10,000-task file is looked up here.
    by_name: FxHashMap<&'f str, usize>,
}

impl<'f> Names<'f> {
    pub(crate) fn new(file: &'f TaskFile) -> Self {
        let mut by_name = FxHashMap::with_capacity_and_hasher(file.tasks.len(), Default::default());
        for (index, task) in file.tasks.iter().enumerate() {
            by_name.insert(task.name.as_str(), index);
            for alias in &task.aliases {
                by_name.insert(alias.name.as_str(), index);
            }
        }
        // `w:build`, `web` for `web:default`: only where no task or alias has the name.
        for (index, task) in file.tasks.iter().enumerate() {
            for other in &task.other_names {
                by_name.entry(other.name.as_str()).or_insert(index);
            }
        }
        Names { file, by_name }
    }

    /// The task called (or aliased) `name`.
    pub(crate) fn get(&self, name: &str) -> Option<usize> {
        self.by_name.get(name).copied()
    }

    /// Like [`Names::get`], but an unknown name is an error carrying a did-you-mean.
    pub(crate) fn resolve(&self, name: &str) -> Result<usize, GraphError> {
        self.get(name).ok_or_else(|| GraphError::UnknownTask {
            name: name.to_owned(),
            suggestion: self.suggest(name),
        })
    }

    /// The known name or alias closest to `name`, for a did-you-mean.
    pub(crate) fn suggest(&self, name: &str) -> Option<String> {
        let names = self.file.tasks.iter().flat_map(|task| {
            std::iter::once(task.name.as_str()).chain(
                task.aliases
                    .iter()
                    .chain(&task.other_names)
                    .map(|alias| alias.name.as_str()),
            )
        });
        suggest(name, names).map(str::to_owned)
    }
}
