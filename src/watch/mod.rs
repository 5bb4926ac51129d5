//! Watch mode: run the requested tasks, then run again what a change affects, until Ctrl-C.
//!
//! Changes flow one way: [`source`] (notify, or `--poll`) → [`decide`] (debounce, filter
//! through [`targets`], the busy policy) → control messages into the run loop, which owns
//! every process. A change to a task file ends the run and [`session`] starts over with the
//! file read again; a file that does not read cleanly is reported and the run goes on.

mod debounce;
mod decide;
mod error;
mod feedback;
mod options;
mod session;
mod source;
mod targets;

pub(crate) use error::WatchError;
pub(crate) use options::{OnBusy, WatchOptions};
pub(crate) use session::{Loader, watch};
