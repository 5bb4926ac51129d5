//! Finding `tasks.toml`: the given path, else the current directory or its nearest parent.
//! The main type here is [`Source`].

use std::path::{Path, PathBuf};

use super::ConfigError;

/// The file name rask looks for.
pub(crate) const FILE_NAME: &str = "tasks.toml";

/// A task file's path and its full text; spans in diagnostics index into `text`.
#[derive(Debug, Clone)]
pub(crate) struct Source {
    pub(crate) path: PathBuf,
    pub(crate) text: String,
}

#[cfg(test)]
impl Source {
    /// A `tasks.toml` with this text, for tests that never touch the disk.
    pub(crate) fn in_memory(text: &str) -> Source {
        Source {
            path: PathBuf::from(FILE_NAME),
            text: text.to_owned(),
        }
    }
}

/// Reads `explicit` if given, else the first `tasks.toml` found walking up from `start`.
pub(crate) fn discover(explicit: Option<&Path>, start: &Path) -> Result<Source, ConfigError> {
    let path = match explicit {
        Some(path) => start.join(path),
        None => find_upward(start).ok_or_else(|| ConfigError::NotFound {
            start: start.to_owned(),
        })?,
    };
    let bytes = std::fs::read(&path).map_err(|source| ConfigError::Read {
        path: path.clone(),
        source,
    })?;
    let text = String::from_utf8(bytes).map_err(|error| {
        let (line, column) = invalid_utf8_at(error.as_bytes(), error.utf8_error());
        ConfigError::NotUtf8 {
            path: path.clone(),
            line,
            column,
        }
    })?;
    Ok(Source { path, text })
}

/// Where the first invalid byte of `bytes` is, as a 1-based line and column (in bytes), for
/// a file that is not UTF-8 (tasks.toml, a dotenv file).
pub(crate) fn invalid_utf8_at(bytes: &[u8], error: std::str::Utf8Error) -> (usize, usize) {
    let valid = &bytes[..error.valid_up_to()];
    let line_start = valid
        .iter()
        .rposition(|&byte| byte == b'\n')
        .map_or(0, |at| at + 1);
    let line = valid.iter().filter(|&&byte| byte == b'\n').count() + 1;
    (line, valid.len() - line_start + 1)
}

/// The nearest `tasks.toml`. Anything by that name counts, so that a directory called
/// `tasks.toml` is reported as unreadable rather than skipped for a parent's file (issue #8).
fn find_upward(start: &Path) -> Option<PathBuf> {
    start
        .ancestors()
        .map(|dir| dir.join(FILE_NAME))
        .find(|candidate| candidate.exists())
}
