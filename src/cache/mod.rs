//! The content-hash cache: a task's key, the local content-addressed store, and restoring
//! outputs. Shaped like the Bazel remote-execution API (REAPI v2); see docs/cache.md.

mod action;
mod digest;
mod explain;
mod key;
mod location;
mod maintenance;
mod outputs;
mod project_lock;
mod reapi;
mod stat_index;
mod store;
mod tree;
mod walk;

pub(crate) use action::{Cache, Checked, DEFAULT_MAX_SIZE, Decision, Log, Mode, Recorded};
pub(crate) use explain::Reason;
pub(crate) use key::{Key, TaskInputs, relative};
pub(crate) use location::{MAX_SIZE_VAR, cache_dir, max_size, parse_size};
pub(crate) use maintenance::{clear, info};
pub(crate) use reapi::Digest;
