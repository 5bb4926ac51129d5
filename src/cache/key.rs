//! A task's cache key. The main types here are [`TaskInputs`], what the scheduler knows of a
//! task, and [`Key`], the REAPI `Action` computed from it on a worker thread.
//!
//! The key covers, and only covers: the commands as spawned (after substitution, the shell
//! included), the declared environment (`[env]`, dotenv, the task's `env`, and the current
//! value of each variable listed in `env_inputs`), the working directory, the platform, the
//! timeout, the path and contents of every source, and the output digest of every
//! dependency. A dependency that rebuilds to identical bytes thus leaves its dependents'
//! keys alone (early cutoff). Timestamps never enter it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::digest;
use super::reapi::{self, Action, Command, Digest};
use super::stat_index::{Stat, StatIndex};
use super::tree::{BuiltTree, Node, TreeBuilder};
use super::walk;

/// Where the digests of a task's dependencies sit in its input root.
const DEPENDENCIES_DIR: &str = ".rask-deps";

/// Everything about one task that its key and its outputs depend on, owned so a worker
/// thread can compute with it.
#[derive(Debug, Clone)]
pub(crate) struct TaskInputs {
    pub(crate) name: String,
    /// Each command's argv, as spawned.
    pub(crate) commands: Vec<Vec<String>>,
    /// The declared environment, one entry per name, plus `env_inputs` (`None`: unset).
    pub(crate) env: Vec<(String, Option<String>)>,
    /// The task's working directory (absolute); sources and outputs are relative to it.
    pub(crate) dir: PathBuf,
    /// `dir` as written relative to the project, for the key: moving the project keeps it.
    pub(crate) relative_dir: String,
    pub(crate) sources: Vec<String>,
    pub(crate) outputs: Vec<String>,
    pub(crate) timeout: Option<Duration>,
    /// Each dependency's name and output digest (`None`: it has no cache entry, as a task
    /// without `sources` never does).
    pub(crate) dependencies: Vec<(String, Option<Digest>)>,
}

/// What a key was made of, in a form two runs can compare to say what changed. Values of
/// environment variables are kept as digests: they may be secrets.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Manifest {
    pub(crate) command: String,
    pub(crate) env: BTreeMap<String, String>,
    pub(crate) dir: String,
    pub(crate) platform: String,
    pub(crate) sources: BTreeMap<String, String>,
    pub(crate) dependencies: BTreeMap<String, String>,
}

/// A computed key: the REAPI messages and the digest of the `Action`, which names the entry.
#[derive(Debug, Clone)]
pub(crate) struct Key {
    pub(crate) action_digest: Digest,
    /// Encoded `Action` and `Command`, stored beside the result so a remote cache has them.
    pub(crate) blobs: Vec<Vec<u8>>,
    pub(crate) input_root: BuiltTree,
    pub(crate) manifest: Manifest,
}

/// Why a key could not be computed.
#[derive(Debug, thiserror::Error)]
pub(crate) enum KeyError {
    #[error("invalid `sources` pattern `{pattern}`: {message}")]
    Pattern { pattern: String, message: String },
    #[error("cannot read source `{path}`: {source}")]
    Unreadable {
        path: String,
        #[source]
        source: std::io::Error,
    },
}

/// `OSFamily` and `ISA`, as REAPI platform properties name them.
pub(crate) fn platform() -> Vec<(String, String)> {
    vec![
        ("ISA".to_owned(), std::env::consts::ARCH.to_owned()),
        ("OSFamily".to_owned(), std::env::consts::OS.to_owned()),
    ]
}

/// What `patterns` match under `dir` (files, directories and symlinks alike, nothing
/// followed), as (path relative to `dir`, path), sorted; `Err` names a bad pattern.
pub(crate) fn expand_matches(
    dir: &Path,
    patterns: &[String],
) -> Result<Vec<(String, PathBuf)>, String> {
    let mut found = BTreeMap::new();
    for pattern in patterns {
        let full = dir.join(pattern);
        let matches = glob::glob(&full.to_string_lossy()).map_err(|_| pattern.clone())?;
        for path in matches.flatten() {
            found.insert(relative(dir, &path), path);
        }
    }
    Ok(found.into_iter().collect())
}

/// `path` relative to `dir`, `/`-separated; a path outside `dir` keeps its absolute form.
pub(crate) fn relative(dir: &Path, path: &Path) -> String {
    let shown = path.strip_prefix(dir).unwrap_or(path);
    shown.to_string_lossy().into_owned()
}

impl TaskInputs {
    /// Hashes the sources (through `index`) and builds the `Command`, input root and `Action`.
    pub(crate) fn key(&self, index: &StatIndex) -> Result<Key, KeyError> {
        let sources = walk::sources(&self.dir, &self.sources)?;
        let stated: Vec<(&Path, Stat)> = sources
            .iter()
            .map(|file| (file.path.as_path(), file.stat))
            .collect();
        let digests = index.digests(&stated);
        let mut tree = TreeBuilder::default();
        let mut manifest = Manifest {
            dir: self.relative_dir.clone(),
            platform: platform()
                .iter()
                .map(|(name, value)| format!("{name}={value}"))
                .collect::<Vec<_>>()
                .join(","),
            ..Manifest::default()
        };
        let mut hashes = Vec::with_capacity(sources.len());
        for (file, digest) in sources.iter().zip(digests) {
            let digest = digest.map_err(|source| KeyError::Unreadable {
                path: file.shown.clone(),
                source,
            })?;
            hashes.push((file.shown.clone(), digest.hash.clone()));
            // A source outside the task's directory goes under a name of its own: REAPI
            // input roots cannot name `..`.
            let external;
            let in_root = if Path::new(&file.shown).is_absolute() {
                external = format!(".rask-external{}", file.shown);
                &external
            } else {
                &file.shown
            };
            tree.insert(
                in_root,
                Node::File {
                    digest,
                    mode: file.mode & 0o111,
                },
            );
        }
        // Sorted already: the map is built in one pass rather than by 10,000 inserts.
        manifest.sources = hashes.into_iter().collect();
        for (name, output) in &self.dependencies {
            // A dependency without an entry is keyed by its name alone: this task's own
            // sources then decide, as with make.
            let digest = output
                .clone()
                .unwrap_or_else(|| digest::of_bytes(b"rask: no cache entry"));
            manifest
                .dependencies
                .insert(name.clone(), digest.hash.clone());
            tree.insert(
                &format!("{DEPENDENCIES_DIR}/{name}"),
                Node::File { digest, mode: 0 },
            );
        }
        let input_root = tree.build();

        let command = self.command();
        manifest.command = shell_words::join(&command.arguments);
        for variable in &command.environment_variables {
            manifest.env.insert(
                variable.name.clone(),
                digest::of_bytes(variable.value.as_bytes()).hash,
            );
        }
        let (command_digest, command_bytes) = digest::of_message(&command);
        let action = Action {
            command_digest: Some(command_digest),
            input_root_digest: Some(input_root.root_digest.clone()),
            timeout: self.timeout.map(|timeout| prost_types::Duration {
                seconds: timeout.as_secs() as i64,
                nanos: timeout.subsec_nanos() as i32,
            }),
            do_not_cache: false,
            salt: Vec::new(),
            platform: Some(reapi::Platform {
                properties: platform()
                    .into_iter()
                    .map(|(name, value)| reapi::platform::Property { name, value })
                    .collect(),
            }),
        };
        let (action_digest, action_bytes) = digest::of_message(&action);
        Ok(Key {
            action_digest,
            blobs: vec![action_bytes, command_bytes],
            input_root,
            manifest,
        })
    }

    /// The REAPI `Command`: one argv (several commands become one `sh -c` line joined by
    /// `&&`, which is how rask runs them: in order, stopping at the first failure), the
    /// environment sorted by name, the outputs and the platform.
    fn command(&self) -> Command {
        let arguments = match self.commands.as_slice() {
            [only] => only.clone(),
            several => vec![
                "sh".to_owned(),
                "-c".to_owned(),
                several
                    .iter()
                    .map(shell_words::join)
                    .collect::<Vec<_>>()
                    .join(" && "),
            ],
        };
        let mut environment_variables: Vec<_> = self
            .env
            .iter()
            .map(|(name, value)| reapi::command::EnvironmentVariable {
                name: name.clone(),
                // Unset and empty differ; REAPI has no "unset", so unset is a marker value.
                value: value.clone().unwrap_or_else(|| "\u{0}unset".to_owned()),
            })
            .collect();
        environment_variables.sort_by(|a, b| a.name.cmp(&b.name));
        // The deprecated fields (v2.0's `output_files`, `platform`) stay at their defaults:
        // v2.1 reads `output_paths`, v2.2 the `Action`'s platform.
        Command {
            arguments,
            environment_variables,
            output_paths: self.outputs.clone(),
            working_directory: self.relative_dir.clone(),
            output_node_properties: vec!["unix_mode".to_owned()],
            ..Command::default()
        }
    }
}
