//! A narrow public door for `benches/` and `fuzz/`: parse and plan without running anything.
//! Not a stable API; hidden from the docs.

use std::path::PathBuf;

use crate::config::{self, Source};
use crate::error::Error;
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

/// Parses `text` as `tasks.toml` and plans every task, as a real invocation would (but with
/// `true` as the shell, so no computed var's command runs), rendering any error. Panics if a rejection of the file's contents has no location: with "no panic"
/// and "an answer", that is the property the fuzz target and the property tests check.
pub fn answer(text: &str) -> Result<usize, String> {
    let source = Source {
        path: PathBuf::from(config::FILE_NAME),
        text: text.to_owned(),
    };
    let mut file = config::parse(&source).map_err(|error| located(Error::from(error)))?;
    // Generated and mutated files hold computed vars (`{ sh = "…" }`) with arbitrary commands:
    // planning runs them through `settings.shell`, so make that a program that ignores them.
    file.settings.shell = vec!["true".to_owned()];
    let requests: Vec<Request> = file
        .tasks
        .iter()
        .enumerate()
        .map(|(task, definition)| Request {
            task,
            values: vec!["value".to_owned(); definition.params.len()],
        })
        .collect();
    let plan = graph::plan(&file, &requests, &[]).map_err(|errors| {
        let error = Error::Graph {
            sources: Box::new(file.sources.clone()),
            errors,
        };
        error.render(false)
    })?;
    Ok(plan.tasks.len())
}

/// Renders a rejection of the file's contents, insisting that it points into the file.
fn located(error: Error) -> String {
    let rendered = error.render(false);
    if let Error::Config(config::ConfigError::Invalid { diagnostics, .. }) = &error {
        for diagnostic in diagnostics {
            assert!(
                diagnostic.span.is_some(),
                "a rejection without a location: {}\n{rendered}",
                diagnostic.message
            );
        }
        assert!(rendered.contains(" --> tasks.toml:"), "{rendered}");
    }
    rendered
}

/// Reads the task file at `path` from disk (with everything it includes), and plans `task`
/// with its whole closure; returns how many tasks would run. Computed vars the plan uses run.
pub fn load_and_plan(path: &std::path::Path, task: &str) -> Result<usize, String> {
    let source = config::discover(Some(path), std::path::Path::new("/"))
        .map_err(|error| error.to_string())?;
    let file = config::parse(&source).map_err(|error| match error {
        config::ConfigError::Invalid {
            sources,
            diagnostics,
            ..
        } => diagnostics
            .iter()
            .map(|diagnostic| diagnostic.render(&sources, false))
            .collect::<Vec<_>>()
            .join("\n"),
        other => other.to_string(),
    })?;
    let index = Names::new(&file)
        .resolve(task)
        .map_err(|error| error.to_string())?;
    let request = Request {
        task: index,
        values: Vec::new(),
    };
    let plan =
        graph::plan(&file, &[request], &[]).map_err(|errors| format!("{} errors", errors.len()))?;
    // Freed, unlike in the binary (dispatch.rs leaks them at exit): the bench plans 15 times
    // in one process, and leaking each made every run fault in fresh pages on a growing heap.
    Ok(plan.tasks.len())
}

/// Reads the task file at `path` from disk (with everything it includes, script directories'
/// headers too) and renders `--list`; returns the listing's length in bytes.
pub fn load_and_list(path: &std::path::Path) -> Result<usize, String> {
    let source = config::discover(Some(path), std::path::Path::new("/"))
        .map_err(|error| error.to_string())?;
    let file = config::parse(&source).map_err(|error| Error::from(error).render(false))?;
    Ok(crate::report::list(&file, None).len())
}
