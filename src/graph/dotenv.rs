//! Dotenv files, read for a plan's environment. The main function is [`load`].
//!
//! Precedence follows just, go-task and mise: a later file overrides an earlier one, and a
//! variable the caller's environment already sets is left to the caller (`FOO=1 rask build`
//! beats `.env`'s `FOO=2`); `[env]` and a task's `env`, written in tasks.toml, still override
//! both. A file that does not exist is skipped, as just and go-task do: a `.env.local` is
//! often optional, and a dry run must not need one.

use std::path::{Path, PathBuf};

use super::GraphError;

/// The variables of `files` (relative to `root`), in order, one entry per name.
pub(super) fn load(root: &Path, files: &[PathBuf]) -> Result<Vec<(String, String)>, GraphError> {
    let mut env: Vec<(String, String)> = Vec::new();
    for relative in files {
        let path = root.join(relative);
        let items = match dotenvy::from_path_iter(&path) {
            Ok(items) => items,
            Err(error) if error.not_found() => continue,
            Err(error) => return Err(problem(&path, &error)),
        };
        for item in items {
            let (name, value) = item.map_err(|error| problem(&path, &error))?;
            if std::env::var_os(&name).is_some() {
                continue;
            }
            match env.iter_mut().find(|(existing, _)| *existing == name) {
                Some(slot) => slot.1 = value,
                None => env.push((name, value)),
            }
        }
    }
    Ok(env)
}

/// What is wrong with a dotenv file, with the line where that is known.
fn problem(path: &Path, error: &dotenvy::Error) -> GraphError {
    let (line, reason) = match error {
        dotenvy::Error::LineParse(text, column) => (
            line_of(path, text),
            format!(
                "cannot parse `{}` (at column {})",
                text.trim_end(),
                column + 1
            ),
        ),
        dotenvy::Error::Io(error) if error.kind() == std::io::ErrorKind::InvalidData => {
            not_utf8_at(path)
        }
        other => (None, other.to_string()),
    };
    GraphError::Dotenv {
        path: path.to_owned(),
        line,
        reason,
    }
}

/// dotenvy says only that the file is not UTF-8: find where.
fn not_utf8_at(path: &Path) -> (Option<usize>, String) {
    let bytes = std::fs::read(path).unwrap_or_default();
    match std::str::from_utf8(&bytes) {
        Err(error) => {
            let (line, column) = crate::config::invalid_utf8_at(&bytes, error);
            (
                Some(line),
                format!("not UTF-8 (invalid bytes at column {column})"),
            )
        }
        Ok(_) => (None, "not UTF-8".to_owned()),
    }
}

/// dotenvy names the offending text but not its line: find it in the file.
fn line_of(path: &Path, text: &str) -> Option<usize> {
    let contents = std::fs::read_to_string(path).ok()?;
    let first = text.lines().next()?.trim();
    contents
        .lines()
        .position(|line| line.trim() == first)
        .map(|index| index + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issue_8_a_malformed_line_is_named_with_its_number() {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::write(dir.path().join(".env"), "A=1\n# note\nNOT A LINE\n").expect("write");
        let error = load(dir.path(), &[".env".into()]).expect_err("line 3 is malformed");
        let message = error.to_string();
        assert!(
            message.contains(".env` line 3: cannot parse `NOT A LINE`"),
            "{message}"
        );
    }

    #[test]
    fn issue_8_a_file_that_is_not_utf8_is_named_with_line_and_column() {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::write(dir.path().join(".env"), b"A=1\nB=x\xff\n").expect("write");
        let error = load(dir.path(), &[".env".into()]).expect_err("not UTF-8");
        let message = error.to_string();
        assert!(
            message.contains(".env` line 2: not UTF-8 (invalid bytes at column 4)"),
            "{message}"
        );
    }

    #[test]
    fn issue_8_a_missing_file_is_skipped() {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::write(dir.path().join(".env"), "A=1\n").expect("write");
        let env = load(dir.path(), &[".env".into(), ".env.local".into()]).expect("loads");
        assert_eq!(env, [("A".to_owned(), "1".to_owned())]);
    }
}
