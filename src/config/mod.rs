//! Reading `tasks.toml`: find it, parse it, validate it into a [`TaskFile`].
//!
//! Declarations and re-exports only; the logic lives in the named files.

mod calls;
mod diagnostic;
mod discover;
mod draft;
mod include;
mod keys;
mod memo;
mod model;
mod namespace;
mod parse;
pub(crate) mod placeholder;
mod platform;
mod reader;
#[cfg_attr(
    not(test),
    expect(dead_code, reason = "the schema is generated into docs/ by a test")
)]
mod schema;
mod script_dir;
mod sources;
mod steps;
mod suggest;
pub(crate) mod task_glob;
mod values;

pub(crate) use diagnostic::{Diagnostic, display_path, in_reading_order};
pub(crate) use discover::{FILE_NAME, Source, discover, invalid_utf8_at};
pub(crate) use model::{
    CallArg, Command, EnvSetting, Include, MAX_JOBS, NameRef, Param, ParamKind, Precondition,
    RunStep, Settings, Span, Task, TaskFile, UpToDateMethod, ValueType, Var, VarValue,
};
pub(crate) use parse::{Partial, parse};
pub(crate) use platform::{Platform, current as current_platform};
pub(crate) use sources::{FileId, Sources};
pub(crate) use suggest::suggest;

use std::path::PathBuf;

/// Why no [`TaskFile`] could be had.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ConfigError {
    #[error("no `{FILE_NAME}` found in `{}` or any parent directory", start.display())]
    NotFound { start: PathBuf },
    #[error("cannot read `{}`", display_path(path))]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "`{}` is not UTF-8: invalid bytes at line {line}, column {column}",
        display_path(path)
    )]
    NotUtf8 {
        path: PathBuf,
        line: usize,
        /// 1-based, in bytes from the start of the line.
        column: usize,
    },
    /// The file was read but is not a valid task file; every problem found is listed.
    #[error("`{}` is not a valid task file", display_path(&sources.get(FileId::default()).path))]
    Invalid {
        /// The root file first, then every file it includes.
        sources: Box<Sources>,
        diagnostics: Vec<Diagnostic>,
        /// What could be read, for the checks across tasks; `None` after a TOML syntax
        /// error in the root file.
        partial: Option<Box<Partial>>,
    },
}
