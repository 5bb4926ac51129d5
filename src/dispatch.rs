//! One invocation, start to end: parse the command line, read the task file, resolve the
//! words against it, and do what was asked: list, explain, plan, or run.

use std::ffi::OsString;
use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;

use crate::cli::{self, Action, Invocation};
use crate::config::{self, TaskFile};
use crate::error::{self, Error};
use crate::events::Status;
use crate::exec::Foreseen;
use crate::graph::{self, Plan};
use crate::report::DrySkip;
use crate::{cache, exec, execute, report};

pub(crate) fn run_argv(argv: &[OsString]) -> Result<i32, Error> {
    let args = cli::parse(argv).map_err(cli::CliError::from)?;
    if let Some(shell) = &args.completions {
        cli::write_registration(shell, &mut std::io::stdout().lock())?;
        return Ok(error::EXIT_SUCCESS);
    }
    let current_dir = std::env::current_dir()?;
    let here = load(argv, &args, args.file.as_deref(), &current_dir);
    // `rask build -f other.toml`: a `-f` among the task words names the file to read them
    // against, and the file found here may lack `build` or not even be valid (issue #8).
    let late_file = match &here {
        Ok((_, invocation)) => invocation.file.clone(),
        Err(_) if args.file.is_none() => cli::file_among(&args.words),
        Err(_) => None,
    };
    let Some(late_file) = late_file else {
        let (file, invocation) = here?;
        if wants_watch(&invocation) {
            return watch(
                argv,
                args.clone(),
                args.file.clone(),
                current_dir,
                file,
                invocation,
            );
        }
        return act_once(file, &invocation);
    };
    match load(argv, &args, Some(&late_file), &current_dir) {
        Ok((file, mut invocation)) => {
            invocation.file = None;
            if wants_watch(&invocation) {
                return watch(argv, args, Some(late_file), current_dir, file, invocation);
            }
            act_once(file, &invocation)
        }
        // That `-f` was a guess, and there is no such file: it was a task's `--file` parameter,
        // and what went wrong is what went wrong with the file found here.
        Err(error) => match (error, here) {
            (
                Error::Config(
                    config::ConfigError::Read { .. } | config::ConfigError::NotFound { .. },
                ),
                Err(first),
            ) => Err(first),
            (error, _) => Err(error),
        },
    }
}

/// Does what was asked, then leaks the task file instead of freeing it: the model is plain
/// data, and freeing a 10,000-task one costs ~11M instructions (every task owns dozens of
/// allocations) that the end of the process does for free.
fn act_once(file: TaskFile, invocation: &Invocation) -> Result<i32, Error> {
    let result = act(&file, invocation);
    std::mem::forget(file);
    result
}

fn wants_watch(invocation: &Invocation) -> bool {
    invocation.watch.is_some() && matches!(invocation.action, Action::Run)
}

/// Hands the run to watch mode, with a way to read the task file again as it was read now.
fn watch(
    argv: &[OsString],
    args: cli::Args,
    path: Option<PathBuf>,
    current_dir: PathBuf,
    file: TaskFile,
    invocation: Invocation,
) -> Result<i32, Error> {
    let argv = argv.to_vec();
    let load: crate::watch::Loader = Arc::new(move || {
        let (file, mut invocation) = load(&argv, &args, path.as_deref(), &current_dir)?;
        invocation.file = None;
        Ok((file, invocation))
    });
    crate::watch::watch(file, invocation, load)
}

/// Reads the task file (`file`, or the one found from `current_dir`) and the words against it.
fn load(
    argv: &[OsString],
    args: &cli::Args,
    file: Option<&std::path::Path>,
    current_dir: &std::path::Path,
) -> Result<(TaskFile, Invocation), Error> {
    let source = config::discover(file, current_dir)?;
    let mut file = read(&source)?;
    for warning in &file.warnings {
        eprintln!("warning: {warning}");
    }
    let invocation = cli::resolve(argv, args.clone(), &file)?;
    cli::override_vars(&mut file, &invocation)?;
    Ok((file, invocation))
}

/// Parses the task file. When it has problems, what could be read of it is checked for
/// dependency problems too (unknown names, patterns matching nothing, bad call arguments, a
/// cycle), so that every problem is reported in one run, in reading order (issue #11).
fn read(source: &config::Source) -> Result<TaskFile, Error> {
    match config::parse(source) {
        Err(config::ConfigError::Invalid {
            sources,
            mut diagnostics,
            partial: Some(partial),
        }) => {
            let errors = graph::check_partial(&partial);
            diagnostics.extend(errors.iter().map(graph::GraphError::to_diagnostic));
            config::in_reading_order(&mut diagnostics);
            Err(config::ConfigError::Invalid {
                sources,
                diagnostics,
                partial: None,
            }
            .into())
        }
        parsed => Ok(parsed?),
    }
}

fn act(file: &TaskFile, invocation: &Invocation) -> Result<i32, Error> {
    match &invocation.action {
        Action::List { json: false, group } => print(&report::list(file, group.as_deref())),
        Action::List { json: true, group } => print(&report::list_json(file, group.as_deref())),
        Action::TaskHelp(task) => print(&report::task_help(&file.tasks[*task])),
        Action::Graph { dot } => {
            // Check names and cycles first, so the graph shown is one that could run; no
            // commands are planned, so no computed var runs.
            let roots = roots(file, invocation);
            check(file, invocation)?;
            let text = if *dot {
                report::dot(file, &roots)
            } else {
                report::tree(file, &roots)
            };
            print(&text)
        }
        Action::DryRun => {
            let plan = plan(file, invocation)?;
            let result = dry_run(&plan, invocation);
            // Leaked for the reason the task file is (see `act_once`).
            std::mem::forget(plan);
            result
        }
        Action::CacheInfo => {
            let dir = cache::cache_dir(&file.root, file.settings.cache_dir.as_deref());
            let max_size = cache::max_size().unwrap_or(cache::DEFAULT_MAX_SIZE);
            print(&cache::info(&dir, max_size))
        }
        Action::CacheClear => {
            let dir = cache::cache_dir(&file.root, file.settings.cache_dir.as_deref());
            print(&cache::clear(&dir)?)
        }
        Action::Run => {
            let plan = plan(file, invocation)?;
            crate::confirm::confirm(&plan, invocation.yes)?;
            let result = execute::execute(&plan, invocation);
            // Leaked for the reason the task file is (see `act_once`): `act` runs once per
            // process (watch mode plans each run itself, and frees it).
            std::mem::forget(plan);
            result
        }
    }
}

/// `--dry-run`: the commands a run would run, each task a real run would skip marked as
/// such; with `--explain`, why each task would run or not. Only checks that run no command
/// are made (timestamps, content hashes), and nothing is written.
fn dry_run(plan: &Plan<'_>, invocation: &Invocation) -> Result<i32, Error> {
    let mut warnings = Vec::new();
    let options = execute::cache_options(plan, invocation, &mut warnings);
    let foreseen = exec::explain_dry_run(plan, options, invocation.force);
    for warning in warnings {
        eprintln!("warning: {warning}");
    }
    let mut skips = vec![None; plan.tasks.len()];
    for task in &foreseen {
        skips[task.task.index()] = task.skip.as_ref().map(|status| DrySkip {
            restored: !matches!(status, Status::UpToDate),
            why: task.reason.describe(),
        });
    }
    let Some(format) = invocation.explain else {
        return print(&report::dry_run(plan, &skips));
    };
    let mut text = String::new();
    let mut json = String::new();
    for Foreseen { task, reason, .. } in foreseen {
        let name = plan.tasks[task.index()].name();
        text.push_str(&report::explain_line(name, &reason.describe()));
        text.push('\n');
        json.push_str(&report::explain_json(
            name,
            reason.code(),
            reason.subject(),
            &reason.describe(),
        ));
        json.push('\n');
    }
    match format {
        cli::ExplainFormat::Json => {
            eprint!("{text}");
            print(&json)
        }
        cli::ExplainFormat::Text => {
            print(&report::dry_run(plan, &skips))?;
            eprint!("{text}");
            Ok(error::EXIT_SUCCESS)
        }
    }
}

fn print(text: &str) -> Result<i32, Error> {
    match std::io::stdout().lock().write_all(text.as_bytes()) {
        // A reader that stopped reading (`rask --list | head -1`) is not an error.
        Err(error) if error.kind() != std::io::ErrorKind::BrokenPipe => Err(error.into()),
        _ => Ok(error::EXIT_SUCCESS),
    }
}

/// The requested tasks, or every task no other task depends on.
fn roots(file: &TaskFile, invocation: &Invocation) -> Vec<usize> {
    if !invocation.requests.is_empty() {
        return invocation
            .requests
            .iter()
            .map(|request| request.task)
            .collect();
    }
    let names = graph::Names::new(file);
    let mut depended_on = vec![false; file.tasks.len()];
    for task in &file.tasks {
        for dep in task.depends.iter().chain(&task.depends_post) {
            if let Some(index) = names.get(&dep.name) {
                depended_on[index] = true;
            }
        }
    }
    (0..file.tasks.len())
        .filter(|index| !depended_on[*index])
        .collect()
}

/// The plan of the requested tasks, or of this machine's slice of them (`--partition`).
pub(crate) fn plan<'f>(file: &'f TaskFile, invocation: &Invocation) -> Result<Plan<'f>, Error> {
    let requests = match invocation.ci.partition {
        Some(slice) => graph::partition(&invocation.requests, slice.index, slice.count),
        None => invocation.requests.clone(),
    };
    graph::plan(file, &requests, &invocation.extra).map_err(|errors| graph_error(file, errors))
}

/// Validates the requested tasks (or, with none, every task: every edge) for `--graph`.
fn check(file: &TaskFile, invocation: &Invocation) -> Result<(), Error> {
    let requests = if invocation.requests.is_empty() {
        all_requests(file)
    } else {
        invocation.requests.clone()
    };
    graph::check(file, &requests).map_err(|errors| graph_error(file, errors))
}

fn graph_error(file: &TaskFile, errors: Vec<graph::GraphError>) -> Error {
    Error::Graph {
        sources: Box::new(file.sources.clone()),
        errors,
    }
}

/// Every task, with placeholder values for parameters (used to validate, never to run).
fn all_requests(file: &TaskFile) -> Vec<graph::Request> {
    file.tasks
        .iter()
        .enumerate()
        .map(|(task, definition)| graph::Request {
            task,
            values: vec![String::new(); definition.params.len()],
        })
        .collect()
}
