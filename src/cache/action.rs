//! One task as a cached action: check it before it runs, record it after it succeeded. The
//! main type here is [`Cache`]; both of its methods run on a check worker, never on the
//! scheduler's poll thread.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};

use super::explain::{self, Reason};
use super::key::{Key, TaskInputs};
use super::outputs::{self, OutputError};
use super::project_lock::ProjectLock;
use super::reapi::{ActionResult, Digest, ExecutedActionMetadata};
use super::stat_index::StatIndex;
use super::store::{LocalStore, Store, StoreError};
use crate::events::{SpooledOutput, Stream};

/// The default size limit of the store, past which least-recently-used entries are evicted.
pub(crate) const DEFAULT_MAX_SIZE: u64 = 5 * 1024 * 1024 * 1024;

/// How a check may act on what it finds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    /// Skip or restore when the cache allows.
    Use,
    /// `-B`: compute the key (the run is still recorded) but always run.
    Force,
    /// `--dry-run --explain`: decide, but write nothing (no restore, no manifest).
    DryRun,
}

/// A task's captured stdout and stderr, stored with its result and replayed on a hit: files
/// (a spool, or blobs opened from the store), so memory stays flat however much it printed.
pub(crate) type Log = SpooledOutput;

/// What a check found.
#[derive(Debug)]
pub(crate) enum Decision {
    /// Run the task; record it under `key` (when there is one) if it succeeds.
    Run { key: Option<Box<Key>> },
    /// Outputs present and as recorded: nothing to do.
    UpToDate,
    /// Outputs were missing or differed, and are back; replay the log.
    Restored(Log),
    /// No outputs declared: only the log is cached; replay it.
    LogOnly(Log),
}

/// A check's answer, with why and what went wrong on the way.
#[derive(Debug)]
pub(crate) struct Checked {
    pub(crate) decision: Decision,
    pub(crate) reason: Reason,
    /// What dependents key on, when the task did not run.
    pub(crate) output_digest: Option<Digest>,
    /// Cache problems that did not stop the run (a corrupt entry, a failed restore).
    pub(crate) warnings: Vec<String>,
}

/// A recording's answer.
#[derive(Debug)]
pub(crate) struct Recorded {
    pub(crate) output_digest: Option<Digest>,
    pub(crate) warnings: Vec<String>,
}

/// The cache one run uses: the store, the stat index, and where manifests live.
#[derive(Debug)]
pub(crate) struct Cache {
    store: LocalStore,
    index: StatIndex,
    /// The project root; manifests are per project and task.
    project: PathBuf,
    /// The project's name in the cache's per-project files (stat index, lock): the digest of
    /// its root's path.
    project_key: String,
    max_size: u64,
    evicted: AtomicBool,
    /// Held while a run uses the cache, so two rasks never run one project's cached tasks at
    /// once ([`Cache::lock_project`]).
    project_lock: std::sync::OnceLock<ProjectLock>,
}

impl Cache {
    pub(crate) fn open(dir: PathBuf, project: PathBuf, max_size: u64) -> Cache {
        let project_key = super::digest::of_bytes(project.to_string_lossy().as_bytes()).hash;
        Cache {
            index: StatIndex::load(dir.join("index").join(&project_key)),
            store: LocalStore::new(dir),
            project,
            project_key,
            max_size,
            evicted: AtomicBool::new(false),
            project_lock: std::sync::OnceLock::new(),
        }
    }

    /// Takes the project's lock for as long as this cache lives, waiting while another rask
    /// holds it (`on_wait` hears the lock's path as the wait begins) unless a signal comes;
    /// returns the variable that tells the run's nested rasks the lock is theirs too.
    pub(crate) fn lock_project(
        &self,
        interrupts: &[std::os::fd::RawFd],
        on_wait: &mut dyn FnMut(String),
    ) -> std::io::Result<Option<(String, String)>> {
        let Some(lock) =
            ProjectLock::acquire(self.store.root(), &self.project_key, interrupts, on_wait)?
        else {
            return Ok(None);
        };
        let env = lock.env();
        let _ = self.project_lock.set(lock);
        Ok(env)
    }

    fn manifest_path(&self, task: &str) -> PathBuf {
        explain::manifest_path(self.store.root(), &self.project, task)
    }

    /// Decides whether the task must run: computes its key, looks it up, and restores its
    /// outputs when they are missing or differ.
    pub(crate) fn check(&self, inputs: &TaskInputs, mode: Mode) -> Checked {
        let mut warnings = Vec::new();
        let key = match inputs.key(&self.index) {
            Ok(key) => key,
            Err(error) => return run(Reason::Unkeyable(error.to_string()), None, warnings),
        };
        self.save_index(&mut warnings);
        if mode == Mode::Force {
            return run(Reason::Forced, Some(key), warnings);
        }
        let recorded = match self.store.action_result(&key.action_digest) {
            Ok(recorded) => recorded,
            Err(error) => {
                warnings.push(format!("task `{}`: {error}", inputs.name));
                None
            }
        };
        let Some(recorded) = recorded else {
            let last = explain::load_manifest(&self.manifest_path(&inputs.name));
            let reason = explain::why_run(last.as_ref(), &key.manifest);
            return run(reason, Some(key), warnings);
        };
        let output_digest = Some(dependents_digest(inputs, &key, &recorded));
        let log = match self.log(&recorded) {
            Ok(log) => log,
            Err(error) => {
                warnings.push(format!("task `{}`: {error}; running it", inputs.name));
                return run(Reason::NotCached, Some(key), warnings);
            }
        };
        let checked = |decision, reason, warnings| Checked {
            decision,
            reason,
            output_digest: output_digest.clone(),
            warnings,
        };
        if mode == Mode::Use
            && !explain::manifest_is_of(&self.manifest_path(&inputs.name), &key.action_digest)
        {
            self.save_manifest(inputs, &key, &mut warnings);
        }
        if inputs.outputs.is_empty() {
            return checked(Decision::LogOnly(log), Reason::Unchanged, warnings);
        }
        let current = outputs::collect(&inputs.dir, &inputs.outputs, &self.index, None);
        let difference = match &current {
            Ok(current) => outputs::first_difference(&recorded, current),
            Err(error) => Some((error.to_string(), false)),
        };
        self.save_index(&mut warnings);
        let Some((path, missing)) = difference else {
            return checked(Decision::UpToDate, Reason::Unchanged, warnings);
        };
        let reason = if missing {
            Reason::OutputMissing(path)
        } else {
            Reason::OutputChanged(path)
        };
        if mode == Mode::DryRun {
            return checked(Decision::Restored(log), reason, warnings);
        }
        match outputs::restore(&inputs.dir, &recorded, &self.store) {
            Ok(()) => checked(Decision::Restored(log), reason, warnings),
            Err(error) => {
                warnings.push(format!(
                    "task `{}`: cannot restore from cache ({error}); running it",
                    inputs.name
                ));
                run(Reason::NotCached, Some(key), warnings)
            }
        }
    }

    /// Stores a successful run's outputs and log under its key.
    pub(crate) fn record(&self, inputs: &TaskInputs, key: &Key, log: &Log) -> Recorded {
        let mut warnings = Vec::new();
        let output_digest = match self.try_record(inputs, key, log) {
            Ok(result) => Some(dependents_digest(inputs, key, &result)),
            Err(error) => {
                warnings.push(format!("task `{}`: not cached: {error}", inputs.name));
                None
            }
        };
        self.save_manifest(inputs, key, &mut warnings);
        self.save_index(&mut warnings);
        if !self.evicted.swap(true, Ordering::Relaxed) {
            if let Err(error) = self.store.evict(self.max_size) {
                warnings.push(format!("cannot evict old cache entries: {error}"));
            }
        }
        Recorded {
            output_digest,
            warnings,
        }
    }

    fn try_record(
        &self,
        inputs: &TaskInputs,
        key: &Key,
        log: &Log,
    ) -> Result<ActionResult, OutputError> {
        let store: &dyn Store = &self.store;
        let mut result = outputs::collect(&inputs.dir, &inputs.outputs, &self.index, Some(store))?;
        for blob in &key.blobs {
            store.put_blob(blob)?;
        }
        for (_, directory) in &key.input_root.directories {
            store.put_blob(&prost::Message::encode_to_vec(directory))?;
        }
        result.exit_code = 0;
        for (stream, digest) in [
            (Stream::Stdout, &mut result.stdout_digest),
            (Stream::Stderr, &mut result.stderr_digest),
        ] {
            let mut reader = log.reader(stream).map_err(|source| OutputError::Io {
                doing: "read",
                path: format!("{stream:?}").to_lowercase(),
                source,
            })?;
            *digest = Some(store.put_stream(&mut reader)?);
        }
        result.execution_metadata = Some(ExecutedActionMetadata {
            worker: "rask (local)".to_owned(),
            ..ExecutedActionMetadata::default()
        });
        store.put_action_result(&key.action_digest, &result)?;
        Ok(result)
    }

    /// The recorded log, its blobs checked and held open (not read into memory).
    fn log(&self, recorded: &ActionResult) -> Result<Log, StoreError> {
        let open = |digest: &Option<Digest>| match digest {
            Some(digest) => self.store.open_blob(digest),
            None => tempfile::tempfile().map_err(|source| StoreError::Io {
                path: std::env::temp_dir(),
                source,
            }),
        };
        Ok(Log::new(
            open(&recorded.stdout_digest)?,
            open(&recorded.stderr_digest)?,
            u64::MAX,
        ))
    }

    fn save_manifest(&self, inputs: &TaskInputs, key: &Key, warnings: &mut Vec<String>) {
        if let Err(error) = explain::save_manifest(
            &self.manifest_path(&inputs.name),
            &key.action_digest,
            &key.manifest,
        ) {
            warnings.push(format!(
                "cannot save cache manifest of `{}`: {error}",
                inputs.name
            ));
        }
    }

    fn save_index(&self, warnings: &mut Vec<String>) {
        if let Err(error) = self.index.save() {
            warnings.push(format!("cannot save the cache's file index: {error}"));
        }
    }
}

/// What dependents key on: the digest of the outputs, so that a rebuild to identical bytes
/// changes nothing for them (early cutoff); for a task that declares no outputs there is
/// nothing to compare, so they key on its own key and rerun whenever it had to.
fn dependents_digest(inputs: &TaskInputs, key: &Key, result: &ActionResult) -> Digest {
    if inputs.outputs.is_empty() {
        key.action_digest.clone()
    } else {
        outputs::output_digest(result)
    }
}

fn run(reason: Reason, key: Option<Key>, warnings: Vec<String>) -> Checked {
    Checked {
        decision: Decision::Run {
            key: key.map(Box::new),
        },
        reason,
        output_digest: None,
        warnings,
    }
}
