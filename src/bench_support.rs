//! A narrow public door for `benches/`: parse and plan without running anything.
//! Not a stable API; hidden from the docs.

use std::path::PathBuf;

use crate::config::{self, Source};
use crate::graph::{self, Names, Request};

/// Parses `text` as a task file at `path`; returns how many tasks it declares.
pub fn parse(path: PathBuf, text: String) -> Result<usize, String> {
    let source = Source { path, text };
    let file = config::parse(&source).map_err(|error| error.to_string())?;
    Ok(file.tasks.len())
}

/// Only the TOML syntax tree, without rask's reading of it: the share of parsing that is the
/// `toml` crate's.
pub fn parse_toml_only(text: &str) -> Result<(), String> {
    toml::de::DeTable::parse(text)
        .map(drop)
        .map_err(|error| error.to_string())
}

/// Parses `text` and plans `task` with its whole closure; returns how many tasks would run.
pub fn parse_and_plan(path: PathBuf, text: String, task: &str) -> Result<usize, String> {
    let source = Source { path, text };
    let file = config::parse(&source).map_err(|error| error.to_string())?;
    let index = Names::new(&file)
        .resolve(task)
        .map_err(|error| error.to_string())?;
    let request = Request {
        task: index,
        values: Vec::new(),
    };
    let plan =
        graph::plan(&file, &[request], &[]).map_err(|errors| format!("{} errors", errors.len()))?;
    Ok(plan.tasks.len())
}
