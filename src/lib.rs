//! rask: a task runner. Tasks are declared once in `tasks.toml`, ordered into a DAG and run in
//! parallel with captured output, exact exit codes and no process left behind.
//!
//! One invocation flows downward through the layers:
//! `cli` (argv → `Args`) → `config` (`Source` → `TaskFile`) → `cli` again (task words →
//! `Invocation`) → `graph` (`Plan`) → `exec` (`Scheduler`, emitting events) → `report`.

#[doc(hidden)]
pub mod bench_support;
mod cli;
mod config;
mod error;
mod exec;
mod graph;
mod report;

use std::ffi::OsString;
use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use cli::{Action, ColorArg, Invocation, OutputArg};
use config::{Source, TaskFile};
use error::Error;
use exec::{JobTokens, LocalSpawner, OutputMode, Scheduler, SchedulerOptions, SignalPipes};
use graph::Plan;
use report::{ReportOptions, Reporter};

/// Runs rask with the given command line (program name first) and returns its exit code.
pub fn run(args: impl IntoIterator<Item = OsString>) -> ExitCode {
    cli::answer_if_requested();
    let argv: Vec<OsString> = args.into_iter().collect();
    let code = match run_argv(&argv) {
        Ok(code) => code,
        // clap prints help and version to stdout, usage errors to stderr, each in its style.
        Err(Error::Cli(cli::CliError::Args(error))) => {
            let _ = error.print();
            error.exit_code()
        }
        Err(error) => {
            let color = wants_color(cli::color_choice(&argv), std::io::stderr().is_terminal());
            let rendered = error.render(color);
            let _ = writeln!(std::io::stderr().lock(), "{}", rendered.trim_end());
            error.exit_code()
        }
    };
    ExitCode::from(u8::try_from(code).unwrap_or(1))
}

fn run_argv(argv: &[OsString]) -> Result<i32, Error> {
    let args = cli::parse(argv).map_err(cli::CliError::from)?;
    if let Some(shell) = &args.completions {
        cli::write_registration(shell, &mut std::io::stdout().lock())?;
        return Ok(error::EXIT_SUCCESS);
    }
    let current_dir = std::env::current_dir()?;
    let mut source = match config::discover(args.file.as_deref(), &current_dir) {
        // Nothing here to read the task words against: take a `-f` from among them.
        Err(config::ConfigError::NotFound { start }) => match cli::file_among(&args.words) {
            Some(path) => config::discover(Some(&path), &current_dir)?,
            None => return Err(config::ConfigError::NotFound { start }.into()),
        },
        found => found?,
    };
    let mut file = config::parse(&source)?;
    let mut invocation = cli::resolve(argv, args.clone(), &file)?;
    // `rask build -f other.toml`: the task words were read against the file found here; read
    // them again against the file asked for.
    if let Some(late_file) = invocation.file.take() {
        source = config::discover(Some(&late_file), &current_dir)?;
        file = config::parse(&source)?;
        invocation = cli::resolve(argv, args, &file)?;
        invocation.file = None;
    }
    act(&source, &file, &invocation)
}

fn act(source: &Source, file: &TaskFile, invocation: &Invocation) -> Result<i32, Error> {
    match &invocation.action {
        Action::List { json: false } => print(&report::list(file)),
        Action::List { json: true } => print(&report::list_json(file)),
        Action::TaskHelp(task) => print(&report::task_help(&file.tasks[*task])),
        Action::Graph { dot } => {
            // Check names and cycles first, so the graph shown is one that could run.
            let roots = roots(file, invocation);
            plan(source, file, invocation)?;
            let text = if *dot {
                report::dot(file, &roots)
            } else {
                report::tree(file, &roots)
            };
            print(&text)
        }
        Action::DryRun => print(&report::dry_run(&plan(source, file, invocation)?)),
        Action::Run => Ok(execute(&plan(source, file, invocation)?, invocation)),
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

fn plan<'f>(
    source: &Source,
    file: &'f TaskFile,
    invocation: &Invocation,
) -> Result<Plan<'f>, Error> {
    let requests = if invocation.requests.is_empty() {
        // `--graph` with no task: plan everything, to validate every edge.
        all_requests(file)
    } else {
        invocation.requests.clone()
    };
    graph::plan(file, &requests, &invocation.extra).map_err(|errors| Error::Graph {
        file: Box::new(source.clone()),
        errors,
    })
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

fn execute(plan: &Plan<'_>, invocation: &Invocation) -> i32 {
    let jobs = invocation
        .jobs
        .or(plan.file.settings.jobs)
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, usize::from));
    let runnable = plan
        .tasks
        .iter()
        .filter(|task| !task.commands.is_empty())
        .count();
    let output = match invocation.output {
        Some(OutputArg::Inherit) => OutputMode::Inherit,
        Some(OutputArg::Prefixed) => OutputMode::Prefixed,
        Some(OutputArg::Grouped) => OutputMode::Grouped,
        None if runnable <= 1 || jobs == 1 => OutputMode::Inherit,
        None => OutputMode::Prefixed,
    };
    let color_stdout = wants_color(invocation.color, std::io::stdout().is_terminal());
    let color_stderr = wants_color(invocation.color, std::io::stderr().is_terminal());
    // Tools stop colouring when their output is a pipe; when rask shows it on a colour
    // terminal anyway, tell them to keep colouring.
    let env = if output != OutputMode::Inherit && color_stdout {
        vec![
            ("CLICOLOR_FORCE".to_owned(), "1".to_owned()),
            ("FORCE_COLOR".to_owned(), "1".to_owned()),
        ]
    } else {
        Vec::new()
    };
    // A task that owns the terminal stays in rask's process group, so that the terminal's
    // Ctrl-C and job control reach it directly (see docs/cli.md, "Processes").
    let foreground = output == OutputMode::Inherit
        && (runnable <= 1 || jobs == 1)
        && std::io::stdin().is_terminal();
    // Its leftovers cannot be killed as a group then; adopt them instead (docs/cli.md).
    if foreground && exec::become_subreaper().is_err() {
        let warning = report::Style::WARNING.paint("warning", color_stderr);
        eprintln!("{warning}: cannot adopt orphans; a task's background processes may outlive it");
    }
    // Most tasks run in the root: move there once, instead of a chdir for every command.
    let working_dir = match std::env::set_current_dir(&plan.file.root) {
        Ok(()) => plan.file.root.clone(),
        Err(_) => std::env::current_dir().unwrap_or_default(),
    };
    let tokens = shared_job_limit(jobs);
    let options = SchedulerOptions {
        jobs,
        keep_going: invocation.keep_going,
        output,
        timeout: invocation.timeout,
        grace: invocation.grace,
        env,
        own_group: !foreground,
        force: invocation.force,
        working_dir,
        tokens,
    };
    let signals = SignalPipes::install().unwrap_or_else(|error| {
        let warning = report::Style::WARNING.paint("warning", color_stderr);
        eprintln!("{warning}: cannot handle signals ({error}); Ctrl-C will not stop tasks");
        SignalPipes::none()
    });
    let mut reporter = Reporter::new(
        plan,
        ReportOptions {
            output,
            color_stdout,
            color_stderr,
            quiet: invocation.quiet,
        },
    );
    let summary = Scheduler::new(plan, LocalSpawner, options)
        .run(&signals, &mut |event| reporter.report(event));
    summary.exit_code()
}

/// The job limit to share with nested rasks: the parent rask's, or a new one of `jobs` slots
/// that this rask's tasks inherit through the environment. `None` if no pipe can be had; the
/// local `-j` still applies then.
fn shared_job_limit(jobs: usize) -> Option<JobTokens> {
    if let Some(inherited) = JobTokens::inherited() {
        return Some(inherited);
    }
    let created = JobTokens::create(jobs).ok()?;
    let (name, value) = created.env();
    // SAFETY: rask runs on one thread (the scheduler polls; no thread has been started), so
    // nothing reads the environment concurrently. Setting it once here, rather than per task,
    // keeps every spawn on the fast path of inheriting rask's environment unchanged.
    unsafe { std::env::set_var(name, value) };
    Some(created)
}

fn wants_color(choice: ColorArg, terminal: bool) -> bool {
    match choice {
        ColorArg::Always => true,
        ColorArg::Never => false,
        ColorArg::Auto => terminal && std::env::var_os("NO_COLOR").is_none(),
    }
}
