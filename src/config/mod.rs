//! Reading `tasks.toml`: find it, parse it, validate it into a [`TaskFile`].
//!
//! Declarations and re-exports only; the logic lives in the named files.

mod diagnostic;
mod discover;
mod model;
mod parse;
mod raw;
mod suggest;

pub(crate) use diagnostic::Diagnostic;
pub(crate) use discover::{FILE_NAME, Source, discover};
pub(crate) use model::{
    Command, MAX_JOBS, NameRef, Param, ParamKind, Settings, Span, Task, TaskFile,
};
pub(crate) use parse::parse;
pub(crate) use suggest::suggest;

use std::path::PathBuf;

/// Why no [`TaskFile`] could be had.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ConfigError {
    #[error("no `{FILE_NAME}` found in `{}` or any parent directory", start.display())]
    NotFound { start: PathBuf },
    #[error("cannot read `{}`", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The file was read but is not a valid task file; every problem found is listed.
    #[error("`{}` is not a valid task file", file.path.display())]
    Invalid {
        file: Box<Source>,
        diagnostics: Vec<Diagnostic>,
    },
}
