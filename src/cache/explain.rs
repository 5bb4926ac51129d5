//! Why a task runs or not, in one line. The main type here is [`Reason`].
//!
//! A run compares the [`Manifest`] of the key it computed with the one saved when the task
//! last succeeded, and names the first difference in a fixed order: command, environment,
//! directory, platform, sources, dependencies.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use super::digest;
use super::key::Manifest;
use super::reapi::Digest;
use crate::atomic_file::write_atomically;

/// Why a task ran, or did not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Reason {
    /// No `sources`: always runs.
    NoSources,
    /// Calls other tasks in `run`: always runs, and each called task decides for itself (its
    /// result is not among the caller's inputs, so a cached caller would skip a changed callee).
    CallsTasks,
    /// `-B/--force`.
    Forced,
    /// `--no-cache`.
    NoCache,
    /// Nothing is known of an earlier successful run.
    NeverRun,
    CommandChanged,
    EnvChanged(String),
    DirChanged,
    PlatformChanged,
    SourceChanged(String),
    SourceAdded(String),
    SourceRemoved(String),
    DependencyChanged(String),
    /// Dry run: this dependency will run first, so what it produces is not known yet.
    DependencyRuns(String),
    /// The inputs are as last time, yet no result is cached (evicted, or never stored).
    NotCached,
    /// Inputs unchanged; this output is missing, so it is restored.
    OutputMissing(String),
    /// Inputs unchanged; this output differs from what the task produced, so it is restored.
    OutputChanged(String),
    /// Inputs unchanged and outputs as recorded.
    Unchanged,
    /// `method = "timestamp"`: a source is newer than an output, or an output is missing.
    Stale,
    /// `method = "timestamp"`: every output is newer than every source.
    Fresh,
    /// The key could not be computed (an unreadable source, a bad pattern).
    Unkeyable(String),
}

impl Reason {
    /// A stable word for tools (`--explain --json`).
    pub(crate) fn code(&self) -> &'static str {
        match self {
            Reason::NoSources => "no_sources",
            Reason::CallsTasks => "calls_tasks",
            Reason::Forced => "forced",
            Reason::NoCache => "no_cache",
            Reason::NeverRun => "never_run",
            Reason::CommandChanged => "command_changed",
            Reason::EnvChanged(_) => "env_changed",
            Reason::DirChanged => "dir_changed",
            Reason::PlatformChanged => "platform_changed",
            Reason::SourceChanged(_) => "source_changed",
            Reason::SourceAdded(_) => "source_added",
            Reason::SourceRemoved(_) => "source_removed",
            Reason::DependencyChanged(_) => "dependency_changed",
            Reason::DependencyRuns(_) => "dependency_runs",
            Reason::NotCached => "not_cached",
            Reason::OutputMissing(_) => "output_missing",
            Reason::OutputChanged(_) => "output_changed",
            Reason::Unchanged => "unchanged",
            Reason::Stale => "stale",
            Reason::Fresh => "fresh",
            Reason::Unkeyable(_) => "unkeyable",
        }
    }

    /// The path, variable or task the reason names.
    pub(crate) fn subject(&self) -> Option<&str> {
        match self {
            Reason::EnvChanged(name)
            | Reason::SourceChanged(name)
            | Reason::SourceAdded(name)
            | Reason::SourceRemoved(name)
            | Reason::DependencyChanged(name)
            | Reason::DependencyRuns(name)
            | Reason::OutputMissing(name)
            | Reason::OutputChanged(name) => Some(name),
            _ => None,
        }
    }

    /// The line `--explain` prints after the task's name.
    pub(crate) fn describe(&self) -> String {
        match self {
            Reason::NoSources => "runs: no `sources`, so it always runs".to_owned(),
            Reason::CallsTasks => {
                "runs: it calls other tasks in `run`, which each decide for themselves".to_owned()
            }
            Reason::Forced => "runs: forced (-B)".to_owned(),
            Reason::NoCache => "runs: cache disabled (--no-cache)".to_owned(),
            Reason::NeverRun => "runs: never run".to_owned(),
            Reason::CommandChanged => "runs: command changed".to_owned(),
            Reason::EnvChanged(name) => format!("runs: env `{name}` changed"),
            Reason::DirChanged => "runs: working directory changed".to_owned(),
            Reason::PlatformChanged => "runs: platform changed".to_owned(),
            Reason::SourceChanged(path) => format!("runs: `{path}` changed"),
            Reason::SourceAdded(path) => format!("runs: `{path}` added"),
            Reason::SourceRemoved(path) => format!("runs: `{path}` removed"),
            Reason::DependencyChanged(name) => {
                format!("runs: dependency `{name}` produced different output")
            }
            Reason::DependencyRuns(name) => format!("runs: dependency `{name}` runs first"),
            Reason::NotCached => "runs: inputs unchanged, but no result is cached".to_owned(),
            Reason::OutputMissing(path) => {
                format!("restored: inputs unchanged, output `{path}` missing")
            }
            Reason::OutputChanged(path) => {
                format!("restored: inputs unchanged, output `{path}` differs")
            }
            Reason::Unchanged => "skipped: inputs unchanged".to_owned(),
            Reason::Stale => "runs: a source is newer than an output (timestamp)".to_owned(),
            Reason::Fresh => "skipped: outputs newer than sources (timestamp)".to_owned(),
            Reason::Unkeyable(problem) => format!("runs: {problem}"),
        }
    }
}

/// Why a task whose key has no cached result must run, given its last manifest.
pub(crate) fn why_run(last: Option<&Manifest>, now: &Manifest) -> Reason {
    let Some(last) = last else {
        return Reason::NeverRun;
    };
    if last.command != now.command {
        return Reason::CommandChanged;
    }
    let names = last.env.keys().chain(now.env.keys());
    if let Some(name) = names
        .into_iter()
        .find(|name| last.env.get(*name) != now.env.get(*name))
    {
        return Reason::EnvChanged(name.clone());
    }
    if last.dir != now.dir {
        return Reason::DirChanged;
    }
    if last.platform != now.platform {
        return Reason::PlatformChanged;
    }
    for (path, hash) in &now.sources {
        match last.sources.get(path) {
            None => return Reason::SourceAdded(path.clone()),
            Some(before) if before != hash => return Reason::SourceChanged(path.clone()),
            Some(_) => {}
        }
    }
    if let Some(path) = last
        .sources
        .keys()
        .find(|path| !now.sources.contains_key(*path))
    {
        return Reason::SourceRemoved(path.clone());
    }
    let names = last.dependencies.keys().chain(now.dependencies.keys());
    if let Some(name) = names
        .into_iter()
        .find(|name| last.dependencies.get(*name) != now.dependencies.get(*name))
    {
        return Reason::DependencyChanged(name.clone());
    }
    Reason::NotCached
}

/// Where the manifest of a task's last success is kept: one small file per project and task.
pub(crate) fn manifest_path(cache_dir: &Path, project: &Path, task: &str) -> PathBuf {
    let mut name = project.to_string_lossy().into_owned();
    name.push('\0');
    name.push_str(task);
    let hash = digest::of_bytes(name.as_bytes()).hash;
    cache_dir.join("tasks").join(&hash[..2]).join(hash)
}

/// The saved manifest, if there is a readable one. Its file is the hash of the key it
/// belongs to, a newline, then the manifest as JSON.
pub(crate) fn load_manifest(path: &Path) -> Option<Manifest> {
    let bytes = std::fs::read(path).ok()?;
    let newline = bytes.iter().position(|byte| *byte == b'\n')?;
    serde_json::from_slice(&bytes[newline + 1..]).ok()
}

/// Whether the saved manifest is the one of `action`'s key: reads its first line only, so
/// that a hit (same key as last time) costs no rewrite of a manifest naming 10,000 sources.
pub(crate) fn manifest_is_of(path: &Path, action: &Digest) -> bool {
    let mut first = [0u8; 65];
    std::fs::File::open(path)
        .and_then(|mut file| std::io::Read::read_exact(&mut file, &mut first))
        .is_ok_and(|()| first[..64] == *action.hash.as_bytes() && first[64] == b'\n')
}

/// Saves the manifest of `action`'s key: a temporary file, renamed into place.
pub(crate) fn save_manifest(
    path: &Path,
    action: &Digest,
    manifest: &Manifest,
) -> std::io::Result<()> {
    let parent = path.parent().expect("manifest paths have a parent");
    std::fs::create_dir_all(parent)?;
    write_atomically(path, |file| {
        let mut out = std::io::BufWriter::new(file);
        out.write_all(action.hash.as_bytes())?;
        out.write_all(b"\n")?;
        serde_json::to_writer(&mut out, manifest).map_err(std::io::Error::other)?;
        out.flush()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_the_first_difference() {
        let mut last = Manifest::default();
        last.sources.insert("src/a.rs".to_owned(), "1".to_owned());
        last.dependencies.insert("gen".to_owned(), "x".to_owned());
        let mut now = last.clone();
        assert_eq!(why_run(None, &now), Reason::NeverRun);
        assert_eq!(why_run(Some(&last), &now), Reason::NotCached);
        now.dependencies.insert("gen".to_owned(), "y".to_owned());
        assert_eq!(
            why_run(Some(&last), &now),
            Reason::DependencyChanged("gen".to_owned())
        );
        now.sources.insert("src/a.rs".to_owned(), "2".to_owned());
        assert_eq!(
            why_run(Some(&last), &now),
            Reason::SourceChanged("src/a.rs".to_owned())
        );
        now.env.insert("CC".to_owned(), "clang".to_owned());
        assert_eq!(
            why_run(Some(&last), &now),
            Reason::EnvChanged("CC".to_owned())
        );
    }
}
