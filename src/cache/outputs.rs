//! A task's outputs as REAPI sees them: read from disk into the output part of an
//! [`ActionResult`], compared with a recorded one, and restored from the store. The main
//! functions here are [`collect`], [`first_difference`] and [`restore`].
//!
//! A file keeps its permission bits (in `node_properties.unix_mode`), a symlink stays a link
//! (its target is not followed), a directory becomes a REAPI `Tree`. Restoring writes every
//! file under a temporary name and renames it into place, each byte checked against its
//! digest on the way; a directory is rebuilt beside the old one and swapped in, so files the
//! task did not produce are not left mixed into it.

use std::fs;
use std::os::unix::fs::{PermissionsExt, symlink};
use std::path::{Path, PathBuf};

use prost::Message as _;

use super::digest;
use super::key::{expand_matches, relative};
use super::reapi::{
    ActionResult, Digest, NodeProperties, OutputDirectory, OutputFile, OutputSymlink, Tree,
};
use super::stat_index::{Stat, StatIndex};
use super::store::{Store, StoreError};
use super::tree::{self, Node, TreeBuilder};

/// Why outputs could not be read or restored.
#[derive(Debug, thiserror::Error)]
pub(crate) enum OutputError {
    #[error("cannot {doing} output `{path}`: {source}")]
    Io {
        /// `read` or `restore`.
        doing: &'static str,
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("invalid `outputs` pattern `{pattern}`")]
    Pattern { pattern: String },
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("cached tree of output `{path}` is incomplete")]
    BrokenTree { path: String },
}

/// The outputs `patterns` match under `dir` now, as the output fields of an `ActionResult`
/// (sorted by path). With a `store`, every file and tree is also stored in it.
pub(crate) fn collect(
    dir: &Path,
    patterns: &[String],
    index: &StatIndex,
    store: Option<&dyn Store>,
) -> Result<ActionResult, OutputError> {
    let matches =
        expand_matches(dir, patterns).map_err(|pattern| OutputError::Pattern { pattern })?;
    let mut result = ActionResult::default();
    let mut files = Vec::new();
    for (shown, path) in matches {
        let metadata = fs::symlink_metadata(&path).map_err(unreadable(&shown))?;
        if metadata.file_type().is_symlink() {
            let target = fs::read_link(&path).map_err(unreadable(&shown))?;
            result.output_symlinks.push(OutputSymlink {
                path: shown,
                target: target.to_string_lossy().into_owned(),
                node_properties: None,
            });
        } else if metadata.is_dir() {
            let tree = directory_tree(&path, index, store)?;
            let (tree_digest, tree_bytes) = digest::of_message(&tree);
            if let Some(store) = store {
                store.put_blob(&tree_bytes)?;
            }
            let root_directory_digest = tree.root.as_ref().map(|root| digest::of_message(root).0);
            result.output_directories.push(OutputDirectory {
                path: shown,
                tree_digest: Some(tree_digest),
                is_topologically_sorted: false,
                root_directory_digest,
            });
        } else if metadata.is_file() {
            let mode = metadata.permissions().mode() & 0o7777;
            files.push((shown, path, mode, Stat::of(&metadata)));
        }
    }
    for ((shown, path, mode, _), digest) in files.iter().zip(hash_all(&files, index)) {
        let mut digest = digest.map_err(unreadable(shown))?;
        if let Some(store) = store {
            digest = store.put_file(path, &digest)?;
        }
        result.output_files.push(OutputFile {
            path: shown.clone(),
            digest: Some(digest),
            is_executable: mode & 0o111 != 0,
            contents: Vec::new(),
            node_properties: Some(NodeProperties {
                unix_mode: Some(*mode),
                ..NodeProperties::default()
            }),
        });
    }
    Ok(result)
}

/// The digests of `files` (name, path, mode, stat), through `index`.
fn hash_all(
    files: &[(String, PathBuf, u32, Stat)],
    index: &StatIndex,
) -> Vec<std::io::Result<Digest>> {
    let stated: Vec<(&Path, Stat)> = files
        .iter()
        .map(|(_, path, _, stat)| (path.as_path(), *stat))
        .collect();
    index.digests(&stated)
}

fn unreadable(shown: &str) -> impl FnOnce(std::io::Error) -> OutputError + '_ {
    io_error("read", shown)
}

fn unwritable(shown: &str) -> impl FnOnce(std::io::Error) -> OutputError + '_ {
    io_error("restore", shown)
}

fn io_error<'s>(
    doing: &'static str,
    shown: &'s str,
) -> impl FnOnce(std::io::Error) -> OutputError + 's {
    move |source| OutputError::Io {
        doing,
        path: shown.to_owned(),
        source,
    }
}

/// The REAPI `Tree` of the directory at `root`, its files hashed through `index`.
fn directory_tree(
    root: &Path,
    index: &StatIndex,
    store: Option<&dyn Store>,
) -> Result<Tree, OutputError> {
    let shown = root.to_string_lossy().into_owned();
    let mut builder = TreeBuilder::default();
    let mut files = Vec::new();
    let mut pending = vec![root.to_owned()];
    while let Some(directory) = pending.pop() {
        let entries = fs::read_dir(&directory).map_err(unreadable(&shown))?;
        let mut empty = true;
        for entry in entries {
            empty = false;
            let entry = entry.map_err(unreadable(&shown))?;
            let path = entry.path();
            let inside = relative(root, &path);
            let metadata = fs::symlink_metadata(&path).map_err(unreadable(&shown))?;
            if metadata.file_type().is_symlink() {
                let target = fs::read_link(&path).map_err(unreadable(&shown))?;
                builder.insert(
                    &inside,
                    Node::Symlink {
                        target: target.to_string_lossy().into_owned(),
                    },
                );
            } else if metadata.is_dir() {
                pending.push(path);
            } else if metadata.is_file() {
                let mode = metadata.permissions().mode() & 0o7777;
                files.push((inside, path, mode, Stat::of(&metadata)));
            }
        }
        if empty && directory != root {
            builder.insert_directory(&relative(root, &directory));
        }
    }
    for ((inside, path, mode, _), digest) in files.iter().zip(hash_all(&files, index)) {
        let mut digest = digest.map_err(unreadable(inside))?;
        if let Some(store) = store {
            digest = store.put_file(path, &digest)?;
        }
        builder.insert(
            inside,
            Node::File {
                digest,
                mode: *mode,
            },
        );
    }
    Ok(builder.build().to_tree())
}

/// Only the output fields of `result`: what decides whether outputs match, and, digested,
/// what a dependent's key sees of this task (so a rebuild to identical bytes changes nothing).
pub(crate) fn outputs_only(result: &ActionResult) -> ActionResult {
    ActionResult {
        output_files: result.output_files.clone(),
        output_symlinks: result.output_symlinks.clone(),
        output_directories: result.output_directories.clone(),
        ..ActionResult::default()
    }
}

/// The digest of a result's outputs (see [`outputs_only`]).
pub(crate) fn output_digest(result: &ActionResult) -> Digest {
    digest::of_message(&outputs_only(result)).0
}

/// How the outputs on disk differ from the recorded ones: the first output path that is
/// missing or changed, or `None` if they match.
pub(crate) fn first_difference(
    recorded: &ActionResult,
    current: &ActionResult,
) -> Option<(String, bool)> {
    let paths = |result: &ActionResult| -> Vec<(String, Vec<u8>)> {
        let files = result
            .output_files
            .iter()
            .map(|file| (file.path.clone(), file.encode_to_vec()));
        let links = result
            .output_symlinks
            .iter()
            .map(|link| (link.path.clone(), link.encode_to_vec()));
        let dirs = result
            .output_directories
            .iter()
            .map(|dir| (dir.path.clone(), dir.encode_to_vec()));
        files.chain(links).chain(dirs).collect()
    };
    let now = paths(current);
    for (path, encoded) in paths(recorded) {
        match now.iter().find(|(other, _)| *other == path) {
            None => return Some((path, true)),
            Some((_, other)) if *other != encoded => return Some((path, false)),
            Some(_) => {}
        }
    }
    // Something new matches a pattern (a stray file): the outputs are not what was recorded.
    now.iter()
        .find(|(path, _)| !paths(recorded).iter().any(|(other, _)| other == path))
        .map(|(path, _)| (path.clone(), false))
}

/// Puts the recorded outputs back under `dir`, every byte checked.
pub(crate) fn restore(
    dir: &Path,
    result: &ActionResult,
    store: &dyn Store,
) -> Result<(), OutputError> {
    for file in &result.output_files {
        let digest = file
            .digest
            .as_ref()
            .ok_or_else(|| OutputError::BrokenTree {
                path: file.path.clone(),
            })?;
        let mode = mode_of(file.node_properties.as_ref(), file.is_executable);
        restore_file(&dir.join(&file.path), &file.path, digest, mode, store)?;
    }
    for link in &result.output_symlinks {
        restore_symlink(&dir.join(&link.path), &link.path, &link.target)?;
    }
    for output in &result.output_directories {
        let broken = || OutputError::BrokenTree {
            path: output.path.clone(),
        };
        let tree_digest = output.tree_digest.as_ref().ok_or_else(broken)?;
        let tree = Tree::decode(store.blob(tree_digest)?.as_slice()).map_err(|_| broken())?;
        let flattened = tree::flatten(&tree).ok_or_else(broken)?;
        restore_directory(&dir.join(&output.path), &output.path, &flattened, store)?;
    }
    Ok(())
}

fn mode_of(properties: Option<&NodeProperties>, executable: bool) -> u32 {
    properties
        .and_then(|properties| properties.unix_mode)
        .unwrap_or(if executable { 0o755 } else { 0o644 })
}

/// Writes the blob to a temporary file beside `target`, then renames it over `target`.
fn restore_file(
    target: &Path,
    shown: &str,
    digest: &Digest,
    mode: u32,
    store: &dyn Store,
) -> Result<(), OutputError> {
    let parent = target.parent().expect("output paths have a parent");
    fs::create_dir_all(parent).map_err(unwritable(shown))?;
    let mut temp = tempfile::Builder::new()
        .prefix(".rask-restore")
        .tempfile_in(parent)
        .map_err(unwritable(shown))?;
    store.copy_blob(digest, temp.as_file_mut())?;
    fs::set_permissions(temp.path(), fs::Permissions::from_mode(mode))
        .map_err(unwritable(shown))?;
    remove_directory_in_the_way(target).map_err(unwritable(shown))?;
    temp.persist(target)
        .map_err(|error| unwritable(shown)(error.error))?;
    Ok(())
}

fn restore_symlink(target: &Path, shown: &str, link_target: &str) -> Result<(), OutputError> {
    let parent = target.parent().expect("output paths have a parent");
    fs::create_dir_all(parent).map_err(unwritable(shown))?;
    let temp = parent.join(format!(".rask-restore-{}", std::process::id()));
    let _ = fs::remove_file(&temp);
    symlink(link_target, &temp).map_err(unwritable(shown))?;
    remove_directory_in_the_way(target).map_err(unwritable(shown))?;
    fs::rename(&temp, target).map_err(unwritable(shown))
}

/// Builds the directory in a temporary one beside `target`, then swaps it in.
fn restore_directory(
    target: &Path,
    shown: &str,
    flattened: &tree::Flattened,
    store: &dyn Store,
) -> Result<(), OutputError> {
    let parent = target.parent().expect("output paths have a parent");
    fs::create_dir_all(parent).map_err(unwritable(shown))?;
    let building = tempfile::Builder::new()
        .prefix(".rask-restore")
        .tempdir_in(parent)
        .map_err(unwritable(shown))?;
    for inside in &flattened.empty_directories {
        fs::create_dir_all(building.path().join(inside)).map_err(unwritable(shown))?;
    }
    for (inside, node) in &flattened.nodes {
        let path = building.path().join(inside);
        match node {
            Node::File { digest, mode } => restore_file(&path, shown, digest, *mode, store)?,
            Node::Symlink { target } => restore_symlink(&path, shown, target)?,
        }
    }
    // The temporary directory was created 0700; the output gets the usual mode.
    fs::set_permissions(building.path(), fs::Permissions::from_mode(0o755))
        .map_err(unwritable(shown))?;
    match fs::symlink_metadata(target) {
        Ok(metadata) if metadata.is_dir() => {
            fs::remove_dir_all(target).map_err(unwritable(shown))?
        }
        Ok(_) => fs::remove_file(target).map_err(unwritable(shown))?,
        Err(_) => {}
    }
    let built = building.keep();
    fs::rename(&built, target).map_err(unwritable(shown))
}

fn remove_directory_in_the_way(target: &Path) -> std::io::Result<()> {
    match fs::symlink_metadata(target) {
        Ok(metadata) if metadata.is_dir() => fs::remove_dir_all(target),
        _ => Ok(()),
    }
}
