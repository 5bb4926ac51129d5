//! A directory of script tasks (`[includes] scripts = { dir = "tasks" }`, mise's file tasks):
//! every executable file in it is a task named after its path, run directly (its shebang),
//! with task keys read from its header comments without running it. The main type here is
//! [`ScriptFile`].
//!
//! The header is the block of comment lines at the top of the file (after the shebang); a
//! line `# rask KEY = VALUE` in it holds one TOML line of the task's table. The header is
//! turned into TOML text of the *same length* ([`ScriptFile::toml`]), every other byte a
//! space, so the spans toml reports are offsets into the script file itself and an error
//! points at the script's own line and column.

use std::io::{BufRead, Read};
use std::path::{Path, PathBuf};

use toml::Spanned;
use toml::de::DeTable;

use super::Command;
use super::draft::TaskDraft;
use super::keys::TASK_KEYS;
use super::reader::Reader;

/// Keys that say what a task runs: a script task runs its file, so its header cannot.
const COMMAND_KEYS: &[&str] = &[
    "run",
    "run_linux",
    "run_macos",
    "run_windows",
    "interpreter",
];

/// The most of a file read for its header: a script's header is a few lines; this keeps a
/// large executable (a compiled binary, say) from being read whole.
const MAX_HEADER_BYTES: u64 = 64 * 1024;

/// One executable file found in a script directory.
pub(super) struct ScriptFile {
    /// The file, absolute when the directory is.
    pub(super) path: PathBuf,
    /// Its path below the directory as a task name: `db/migrate` → `db:migrate`.
    pub(super) name: String,
}

impl ScriptFile {
    /// The header block: the leading lines that start with `#` (the shebang included), as
    /// text; everything after it is left unread.
    pub(super) fn header(&self) -> std::io::Result<String> {
        let file = std::fs::File::open(&self.path)?;
        let mut reader = std::io::BufReader::new(file).take(MAX_HEADER_BYTES);
        let mut header = Vec::new();
        loop {
            let start = header.len();
            if reader.read_until(b'\n', &mut header)? == 0 {
                break;
            }
            if header[start] != b'#' {
                header.truncate(start);
                break;
            }
        }
        Ok(String::from_utf8_lossy(&header).into_owned())
    }

    /// `header` as TOML of the same length: the text after `# rask ` on each header line,
    /// spaces elsewhere (newlines kept, so lines and columns match). `None` when no line
    /// holds a key, so a file without one costs no TOML parse.
    pub(super) fn toml(header: &str) -> Option<String> {
        let mut toml = String::with_capacity(header.len());
        let mut any = false;
        for line in header.split_inclusive('\n') {
            match header_key_start(line) {
                Some(start) => {
                    any = true;
                    toml.extend(std::iter::repeat_n(' ', start));
                    toml.push_str(&line[start..]);
                }
                None => {
                    let blank = line.trim_end_matches(['\n', '\r']);
                    toml.extend(std::iter::repeat_n(' ', blank.len()));
                    toml.push_str(&line[blank.len()..]);
                }
            }
        }
        any.then_some(toml)
    }
}

/// The task of one script file, its header keys read through the same key table as a
/// `[tasks.NAME]` table; `reader` reads the file's header (its [`Source`] text).
///
/// [`Source`]: super::Source
pub(super) fn read_task(reader: &mut Reader<'_>, script: &ScriptFile) -> TaskDraft {
    // Problems about the task as a whole (its name) point at the first line.
    let first_line = 0..reader.text.find('\n').unwrap_or(reader.text.len());
    let span = reader.span(first_line.clone());
    let mut draft = TaskDraft::new(Spanned::new(first_line, script.name.clone()), span);
    let before = reader.problems.len();
    super::parse::check_task_name(reader, &script.name, span);
    if let Some(toml) = ScriptFile::toml(reader.text) {
        match DeTable::parse(&toml) {
            Ok(table) => {
                let mut table = table.into_inner();
                refuse_command_keys(reader, &mut table, &script.name);
                let context = |_: &TaskDraft| format!("in the header of script `{}`", script.name);
                reader.read_table(table, TASK_KEYS, &mut draft, context);
            }
            Err(error) => {
                let problem = super::parse::syntax_error(reader, &error)
                    .with_help("a header line is `# rask KEY = VALUE`, the value in TOML syntax");
                reader.problem(problem);
            }
        }
    }
    let program = script.path.to_string_lossy().into_owned();
    draft.task.run = vec![Command::Argv(vec![program]).into()];
    draft.task.script_file = Some(script.path.clone());
    draft.rejected = reader.problems.len() > before;
    draft
}

/// `run` and the like in a header are errors, and are not read.
fn refuse_command_keys(reader: &mut Reader<'_>, table: &mut DeTable<'_>, script: &str) {
    let refused: Vec<(String, std::ops::Range<usize>)> = table
        .keys()
        .filter(|key| COMMAND_KEYS.contains(&key.get_ref().as_ref()))
        .map(|key| (key.get_ref().to_string(), key.span()))
        .collect();
    let kept = std::mem::take(table)
        .into_iter()
        .filter(|(key, _)| !COMMAND_KEYS.contains(&key.get_ref().as_ref()));
    *table = kept.collect();
    for (key, range) in refused {
        let problem = reader
            .error(
                format!("`{key}` in the header of script `{script}`"),
                range,
                "a script task runs its own file",
            )
            .with_help("the file is run directly, through its shebang: drop this line");
        reader.problem(problem);
    }
}

/// Where the TOML of a `# rask KEY = VALUE` (or `#rask …`) line starts; `None` for any other
/// line, the shebang included.
fn header_key_start(line: &str) -> Option<usize> {
    let rest = line.strip_prefix('#')?;
    let after_hash = rest.trim_start_matches([' ', '\t']);
    let after_word = after_hash.strip_prefix("rask")?;
    if !after_word.starts_with([' ', '\t']) {
        return None;
    }
    let toml = after_word.trim_start_matches([' ', '\t']);
    Some(line.len() - toml.len())
}

/// Every executable file below `dir`, in path order, directories walked depth first. Names
/// starting with `.` (editor and VCS files) are left out, as are files without an executable
/// bit: the task is the file run directly, so one that cannot be executed is no task.
/// A file that starts with a shebang but is not executable is skipped with a warning, as
/// it looks meant to be a task.
pub(super) fn find(dir: &Path, warnings: &mut Vec<String>) -> std::io::Result<Vec<ScriptFile>> {
    let mut found = Found {
        scripts: Vec::new(),
        warnings,
    };
    walk(dir, "", &mut found)?;
    Ok(found.scripts)
}

struct Found<'w> {
    scripts: Vec<ScriptFile>,
    warnings: &'w mut Vec<String>,
}

fn walk(dir: &Path, prefix: &str, found: &mut Found<'_>) -> std::io::Result<()> {
    let mut entries: Vec<(String, PathBuf)> = std::fs::read_dir(dir)?
        .filter_map(Result::ok)
        .map(|entry| {
            (
                entry.file_name().to_string_lossy().into_owned(),
                entry.path(),
            )
        })
        .filter(|(name, _)| !name.starts_with('.'))
        .collect();
    entries.sort();
    for (name, path) in entries {
        // `metadata` follows symlinks: a linked script counts, a dangling link does not.
        let Ok(metadata) = std::fs::metadata(&path) else {
            continue;
        };
        let task = match prefix {
            "" => name,
            prefix => format!("{prefix}:{name}"),
        };
        if metadata.is_dir() {
            walk(&path, &task, found)?;
        } else if metadata.is_file() && is_executable(&metadata) {
            found.scripts.push(ScriptFile { path, name: task });
        } else if metadata.is_file() && starts_with_shebang(&path) {
            found.warnings.push(format!(
                "`{}` starts with `#!` but is not executable, so it is no task: `chmod +x` it to make it one",
                path.display()
            ));
        }
    }
    Ok(())
}

fn starts_with_shebang(path: &Path) -> bool {
    let mut start = [0; 2];
    std::fs::File::open(path)
        .and_then(|mut file| file.read_exact(&mut start))
        .is_ok_and(|()| &start == b"#!")
}

#[cfg(unix)]
fn is_executable(metadata: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::PermissionsExt;
    metadata.permissions().mode() & 0o111 != 0
}

/// Windows has no executable bit; every file counts.
#[cfg(not(unix))]
fn is_executable(_: &std::fs::Metadata) -> bool {
    true
}

#[cfg(test)]
mod tests {
    use super::ScriptFile;

    #[test]
    fn header_toml_keeps_every_offset() {
        let header = "#!/bin/sh\n# rask description = \"Migrate\"\n# plain comment\n#rask depends = [\"build\"]\n";
        let toml = ScriptFile::toml(header).expect("the header has keys");
        assert_eq!(toml.len(), header.len());
        let at = header.find("description").expect("written above");
        assert_eq!(&toml[at..at + 11], "description");
        let table: toml::Table = toml.parse().expect("valid TOML");
        assert_eq!(table["description"].as_str(), Some("Migrate"));
        assert_eq!(table["depends"][0].as_str(), Some("build"));
    }

    #[test]
    fn a_header_without_keys_needs_no_toml() {
        assert!(ScriptFile::toml("#!/bin/sh\n# raskless\n#rask\n").is_none());
        assert!(ScriptFile::toml("").is_none());
    }
}
