//! The files a task's `sources` patterns match, found in one walk with one `stat` per file.
//! The main function here is [`sources`]; its items are [`SourceFile`]s.
//!
//! A pattern is split into its literal leading directories, where the walk starts, and the
//! rest, which each entry's path is matched against (`glob`'s rules, `*` never crossing a
//! `/`). A matched directory counts with every file under it, so its contents are listed
//! without being matched again; an unmatched directory is entered only if the pattern could
//! still match something below it (`**`, or more components to come). Files are stated once,
//! relative to their directory's descriptor (`fstatat`), and that stat is what the stat index
//! compares: nothing is stated twice. Symlinks are followed, a directory reached through a
//! link at most once, so a link cycle cannot make the walk endless.

use std::collections::HashSet;
use std::fs;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::MetadataExt;
use std::path::{Component, Path, PathBuf};

use glob::{MatchOptions, Pattern};

use super::key::{KeyError, relative};
use super::stat_index::Stat;

/// How patterns match: as `glob::glob` matches them component by component.
const MATCH: MatchOptions = MatchOptions {
    case_sensitive: true,
    require_literal_separator: true,
    require_literal_leading_dot: false,
};

/// One matched file.
#[derive(Debug, Clone)]
pub(crate) struct SourceFile {
    /// Relative to the task's directory, `/`-separated (absolute if outside it).
    pub(crate) shown: String,
    pub(crate) path: PathBuf,
    pub(crate) stat: Stat,
    /// The permission bits (`st_mode & 0o7777`).
    pub(crate) mode: u32,
}

/// Every file `patterns` match under `dir`, sorted by [`SourceFile::shown`], without repeats.
pub(crate) fn sources(dir: &Path, patterns: &[String]) -> Result<Vec<SourceFile>, KeyError> {
    let mut walk = Walk::default();
    for pattern in patterns {
        walk.linked.clear();
        let full = dir.join(pattern);
        let (base, rest) = split_literal(&full);
        if rest == 0 {
            walk.literal(&base);
            continue;
        }
        let matcher = Pattern::new(&full.to_string_lossy()).map_err(|error| KeyError::Pattern {
            pattern: pattern.clone(),
            message: error.msg.to_owned(),
        })?;
        // Without `**`, nothing deeper than the pattern's own components can match.
        let max_depth = if pattern.contains("**") {
            usize::MAX
        } else {
            rest
        };
        walk.directory(base, Some((&matcher, max_depth)));
    }
    let mut files = walk.files;
    let prefix = dir.as_os_str().as_bytes();
    for file in &mut files {
        // The walk joined every path onto `dir`: the common case is a byte prefix.
        let inside = file.path.as_os_str().as_bytes().strip_prefix(prefix);
        file.shown = match inside.and_then(|rest| rest.strip_prefix(b"/")) {
            Some(rest) if !prefix.is_empty() => String::from_utf8_lossy(rest).into_owned(),
            _ => relative(dir, &file.path),
        };
    }
    files.sort_unstable_by(|a, b| a.shown.cmp(&b.shown));
    files.dedup_by(|a, b| a.shown == b.shown);
    Ok(files)
}

/// `path` split after its last leading component without a wildcard; the number of
/// components after the split (0: the whole path is literal).
fn split_literal(path: &Path) -> (PathBuf, usize) {
    let mut base = PathBuf::new();
    let mut components = path.components();
    for component in components.by_ref() {
        let literal = match component {
            Component::Normal(part) => !part.to_string_lossy().contains(['*', '?', '[']),
            _ => true,
        };
        if !literal {
            return (base, components.count() + 1);
        }
        base.push(component);
    }
    (base, 0)
}

#[derive(Default)]
struct Walk {
    files: Vec<SourceFile>,
    /// Directories entered through a symlink, by (device, inode).
    linked: HashSet<(u64, u64)>,
}

impl Walk {
    /// A pattern without wildcards: the file itself, or every file under the directory.
    fn literal(&mut self, path: &Path) {
        let Ok(metadata) = fs::metadata(path) else {
            return;
        };
        if metadata.is_dir() {
            self.directory(path.to_owned(), None);
        } else if metadata.is_file() {
            self.push(path.to_owned(), &metadata);
        }
    }

    /// Walks `root`: with a pattern, only what matches it (within its depth); without one,
    /// every file.
    fn directory(&mut self, root: PathBuf, pattern: Option<(&Pattern, usize)>) {
        // (directory, its depth below `root`, whether everything in it counts)
        let mut pending = vec![(root, 0usize, pattern.is_none())];
        while let Some((directory, depth, all)) = pending.pop() {
            let Ok(entries) = fs::read_dir(&directory) else {
                continue;
            };
            for entry in entries.flatten() {
                let Ok(file_type) = entry.file_type() else {
                    continue;
                };
                let path = entry.path();
                let matched = all
                    || pattern.is_some_and(|(pattern, _)| pattern.matches_path_with(&path, MATCH));
                let descend =
                    matched || pattern.is_some_and(|(_, max_depth)| depth + 1 < max_depth);
                if file_type.is_file() {
                    if matched {
                        if let Ok(metadata) = entry.metadata() {
                            self.push(path, &metadata);
                        }
                    }
                } else if file_type.is_dir() {
                    if descend {
                        pending.push((path, depth + 1, matched));
                    }
                } else if file_type.is_symlink() && (matched || descend) {
                    let Ok(metadata) = fs::metadata(&path) else {
                        continue; // A dangling link is no source.
                    };
                    if metadata.is_file() && matched {
                        self.push(path, &metadata);
                    } else if metadata.is_dir()
                        && descend
                        && self.linked.insert((metadata.dev(), metadata.ino()))
                    {
                        pending.push((path, depth + 1, matched));
                    }
                }
            }
        }
    }

    fn push(&mut self, path: PathBuf, metadata: &fs::Metadata) {
        self.files.push(SourceFile {
            shown: String::new(),
            path,
            stat: Stat::of(metadata),
            mode: metadata.mode() & 0o7777,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shown(dir: &Path, patterns: &[&str]) -> Vec<String> {
        let patterns: Vec<String> = patterns.iter().map(|p| (*p).to_owned()).collect();
        sources(dir, &patterns)
            .expect("patterns are valid")
            .into_iter()
            .map(|file| file.shown)
            .collect()
    }

    #[test]
    fn matches_like_glob_with_directories_counting_their_files() {
        let dir = tempfile::tempdir().expect("temp dir");
        let root = dir.path();
        for path in [
            "src/a.rs",
            "src/b.txt",
            "src/deep/c.rs",
            "src/.hidden",
            "top.rs",
        ] {
            let path = root.join(path);
            fs::create_dir_all(path.parent().expect("has a parent")).expect("mkdir");
            fs::write(path, b"x").expect("write");
        }
        std::os::unix::fs::symlink(root.join("src"), root.join("src/deep/loop")).expect("symlink");
        assert_eq!(shown(root, &["src/*.rs"]), ["src/a.rs"]);
        assert_eq!(
            shown(root, &["src/**/*.rs", "top.rs"]),
            [
                "src/a.rs",
                "src/deep/c.rs",
                "src/deep/loop/a.rs",
                "src/deep/loop/deep/c.rs",
                "top.rs"
            ]
        );
        // A literal directory, and `*` matching a directory: every file under it, once.
        let everything = shown(root, &["src"]);
        assert_eq!(everything, shown(root, &["*"])[..everything.len()]);
        assert!(everything.contains(&"src/.hidden".to_owned()));
        assert!(everything.contains(&"src/deep/loop/deep/c.rs".to_owned()));
        assert!(
            !everything
                .iter()
                .any(|path| path.contains("loop/deep/loop"))
        );
        assert_eq!(
            shown(root, &["missing", "src/*.none"]),
            Vec::<String>::new()
        );
        assert!(sources(root, &["src/[".to_owned()]).is_err());
    }
}
