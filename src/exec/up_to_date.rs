//! make's rule for skipping work: a task with `sources` and `outputs` is up to date when every
//! output pattern matches a file and the newest source is no newer than the oldest output.
//!
//! Modification times are the whole story for now; the content-hash cache planned for rask
//! will replace this check, with this one as its fast path.

use std::path::Path;
use std::time::SystemTime;

/// Whether the task whose globs these are (relative to `dir`) can be skipped.
pub(crate) fn is_up_to_date(dir: &Path, sources: &[String], outputs: &[String]) -> bool {
    if sources.is_empty() || outputs.is_empty() {
        return false;
    }
    let Some(newest_source) =
        modified_times(dir, sources).and_then(|times| times.into_iter().max())
    else {
        return false;
    };
    let Some(oldest_output) =
        modified_times(dir, outputs).and_then(|times| times.into_iter().min())
    else {
        return false;
    };
    newest_source <= oldest_output
}

/// The modification time of every file the patterns match; `None` if a pattern matches no
/// file or anything cannot be read, since then nothing can be claimed up to date.
fn modified_times(dir: &Path, patterns: &[String]) -> Option<Vec<SystemTime>> {
    let mut times = Vec::new();
    for pattern in patterns {
        let full = dir.join(pattern);
        let before = times.len();
        for path in glob::glob(full.to_str()?).ok()? {
            let metadata = std::fs::metadata(path.ok()?).ok()?;
            if metadata.is_file() {
                times.push(metadata.modified().ok()?);
            }
        }
        if times.len() == before {
            return None;
        }
    }
    Some(times)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs::{File, FileTimes};
    use std::time::Duration;

    fn touch(dir: &Path, name: &str, age_secs: u64) {
        let path = dir.join(name);
        std::fs::create_dir_all(path.parent().expect("test paths have a parent"))
            .expect("create dir");
        let file = File::create(&path).expect("create file");
        let time = SystemTime::now() - Duration::from_secs(age_secs);
        file.set_times(FileTimes::new().set_modified(time))
            .expect("set mtime");
    }

    fn strings(patterns: &[&str]) -> Vec<String> {
        patterns
            .iter()
            .map(|pattern| (*pattern).to_owned())
            .collect()
    }

    #[test]
    fn outputs_newer_than_every_source_are_up_to_date() {
        let dir = tempfile::tempdir().expect("temp dir");
        touch(dir.path(), "src/a.c", 100);
        touch(dir.path(), "src/deep/b.c", 90);
        touch(dir.path(), "app", 10);
        assert!(is_up_to_date(
            dir.path(),
            &strings(&["src/**/*.c"]),
            &strings(&["app"])
        ));
    }

    #[test]
    fn a_source_newer_than_an_output_is_not() {
        let dir = tempfile::tempdir().expect("temp dir");
        touch(dir.path(), "src/a.c", 5);
        touch(dir.path(), "app", 10);
        assert!(!is_up_to_date(
            dir.path(),
            &strings(&["src/*.c"]),
            &strings(&["app"])
        ));
    }

    #[test]
    fn a_missing_output_or_source_is_not() {
        let dir = tempfile::tempdir().expect("temp dir");
        touch(dir.path(), "src/a.c", 100);
        assert!(!is_up_to_date(
            dir.path(),
            &strings(&["src/*.c"]),
            &strings(&["app"])
        ));
        assert!(!is_up_to_date(
            dir.path(),
            &strings(&["none/*.c"]),
            &strings(&["src/a.c"])
        ));
        assert!(!is_up_to_date(dir.path(), &[], &strings(&["src/a.c"])));
    }
}
