//! `[includes]`: where an included file is, and the problems of getting at it (a cycle, a
//! missing file), each pointing at the entry that asked for it. The main type here is
//! [`Request`].

use std::path::{Path, PathBuf};

use super::draft::IncludeDraft;
use super::{Diagnostic, FILE_NAME, FileId, Span};

/// One include entry, read and ready to be loaded.
pub(super) struct Request {
    pub(super) namespace: String,
    /// The path as written, relative to `base`.
    path: String,
    pub(super) optional: bool,
    /// `{ dir = "tasks" }` without a `path`: a directory of script tasks.
    pub(super) scripts: bool,
    pub(super) flatten: bool,
    pub(super) aliases: Vec<super::NameRef>,
    dir: Option<String>,
    /// The including file's directory.
    base: PathBuf,
    /// The entry's value in the including file.
    span: Span,
}

impl Request {
    pub(super) fn new(entry: IncludeDraft, file: FileId, base: &Path) -> Request {
        let scripts = entry.path.is_none();
        Request {
            namespace: entry.name.map(|name| name.into_inner()).unwrap_or_default(),
            path: entry.path.map(|path| path.into_inner()).unwrap_or_default(),
            optional: entry.optional,
            scripts,
            flatten: entry.flatten,
            aliases: entry.aliases,
            dir: entry.dir,
            base: base.to_owned(),
            span: Span::new(file, entry.range),
        }
    }

    /// The path as written, joined to the including file's directory; [`resolve`] turns it
    /// into the file to read.
    pub(super) fn written_path(&self) -> PathBuf {
        self.base.join(&self.path)
    }

    /// Its full namespace below `parent`'s; for a flattened include, `parent`'s own.
    pub(super) fn full_namespace(&self, parent: Option<&str>) -> String {
        match (parent, self.flatten) {
            (Some(parent), true) => parent.to_owned(),
            (None, true) => String::new(),
            (Some(parent), false) => format!("{parent}:{}", self.namespace),
            (None, false) => self.namespace.clone(),
        }
    }

    /// A script directory's path (its `dir`).
    pub(super) fn scripts_dir(&self) -> PathBuf {
        self.base.join(self.dir.as_deref().unwrap_or_default())
    }

    /// Where its tasks run by default: the entry's `dir`, else the included file's directory.
    pub(super) fn task_dir(&self, file: &Path) -> PathBuf {
        match &self.dir {
            Some(dir) => self.base.join(dir),
            None => file.parent().map(Path::to_path_buf).unwrap_or_default(),
        }
    }

    /// An include of a file already being read further up the chain.
    pub(super) fn cycle(&self, path: &Path, chain: &[PathBuf]) -> Option<Diagnostic> {
        let canonical = |file: &PathBuf| std::fs::canonicalize(file).unwrap_or(file.clone());
        let start = chain.iter().position(|file| canonical(file) == path)?;
        let files: Vec<String> = chain[start..]
            .iter()
            .chain(std::iter::once(&path.to_owned()))
            .map(|file| display(file, &chain[0]))
            .collect();
        Some(
            Diagnostic::new(
                format!("include cycle: {}", files.join(" -> ")),
                self.span,
                "closes the cycle",
            )
            .with_help("a file cannot include itself, directly or through others"),
        )
    }

    /// The included file could not be read; the help shows how rask got there.
    pub(super) fn unreadable(
        &self,
        path: &Path,
        error: &std::io::Error,
        chain: &[PathBuf],
    ) -> Diagnostic {
        let diagnostic = Diagnostic::new(
            format!(
                "cannot read included file `{}`: {error}",
                display(path, &chain[0])
            ),
            self.span,
            "included here",
        );
        let mut files: Vec<String> = chain.iter().map(|file| display(file, &chain[0])).collect();
        files.push(display(path, &chain[0]));
        if chain.len() > 1 {
            diagnostic.with_help(format!("included through {}", files.join(" -> ")))
        } else {
            diagnostic.with_help("add `optional = true` if the file may be absent")
        }
    }

    /// The script directory could not be read.
    pub(super) fn unreadable_dir(&self, error: &std::io::Error) -> Diagnostic {
        Diagnostic::new(
            format!(
                "cannot read script directory `{}`: {error}",
                self.dir.as_deref().unwrap_or_default()
            ),
            self.span,
            "included here",
        )
        .with_help("add `optional = true` if the directory may be absent")
    }

    /// A file of a script directory could not be read for its header.
    pub(super) fn unreadable_script(&self, file: &Path, error: &std::io::Error) -> Diagnostic {
        Diagnostic::new(
            format!(
                "cannot read script `{}`: {error}",
                file.strip_prefix(self.scripts_dir())
                    .unwrap_or(file)
                    .display()
            ),
            self.span,
            "in this script directory",
        )
    }
}

/// The file an include's `written` path names: the path, or `tasks.toml` inside it when it
/// names a directory.
pub(super) fn resolve(written: &Path) -> PathBuf {
    let path = if written.is_dir() {
        written.join(FILE_NAME)
    } else {
        written.to_owned()
    };
    // Normalised so that `a/../tasks.toml` and `tasks.toml` are seen as the same file.
    std::fs::canonicalize(&path).unwrap_or(path)
}

/// `path` relative to the root file's directory, for messages.
pub(super) fn display(path: &Path, root_file: &Path) -> String {
    let root_dir = root_file.parent().unwrap_or(Path::new(""));
    let canonical_root = std::fs::canonicalize(root_dir).unwrap_or(root_dir.to_owned());
    path.strip_prefix(&canonical_root)
        .or_else(|_| path.strip_prefix(root_dir))
        .unwrap_or(path)
        .display()
        .to_string()
}
