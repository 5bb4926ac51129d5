//! Running a plan: the scheduler's and the reporter's options resolved from the invocation,
//! the terminal and the environment, then the run itself. The main function is [`execute`].

use std::io::IsTerminal;

use crate::cli::{Invocation, OutputArg, ReportFormat, SummaryArg};
use crate::error::Error;
use crate::events::OutputMode;
use crate::exec::{self, JobTokens, LocalSpawner, Scheduler, SchedulerOptions, SignalPipes};
use crate::graph::Plan;
use crate::report::{
    HumanReporter, JsonSink, JunitSink, ReportError, ReportOptions, Reporter, SummarySink,
    SummaryWhen,
};

/// How the terminal and the environment shape a run.
struct Terminal {
    color_stdout: bool,
    color_stderr: bool,
    /// rask's stdin is a terminal that a lone task may own.
    interactive: bool,
    /// rask's stderr (where it speaks) is a terminal.
    stderr_terminal: bool,
    /// Running under CI (`CI` set to anything but empty, `0` or `false`).
    ci: bool,
}

impl Terminal {
    fn detect(invocation: &Invocation) -> Terminal {
        Terminal {
            color_stdout: invocation
                .color
                .wants_color(std::io::stdout().is_terminal()),
            color_stderr: invocation
                .color
                .wants_color(std::io::stderr().is_terminal()),
            interactive: std::io::stdin().is_terminal(),
            stderr_terminal: std::io::stderr().is_terminal(),
            ci: std::env::var("CI").is_ok_and(|ci| !matches!(ci.as_str(), "" | "0" | "false")),
        }
    }
}

/// Runs the plan and returns rask's exit code; `Err` if a report cannot even be created.
pub(crate) fn execute(plan: &Plan<'_>, invocation: &Invocation) -> Result<i32, Error> {
    let terminal = Terminal::detect(invocation);
    let mut options = scheduler_options(plan, invocation, &terminal);
    let signals = SignalPipes::install().unwrap_or_else(|error| {
        options.warnings.push(format!(
            "cannot handle signals ({error}); Ctrl-C will not stop tasks"
        ));
        SignalPipes::none()
    });
    let mut reporter = reporter(plan, invocation, &terminal, options.output)?;
    let summary = Scheduler::new(plan, LocalSpawner, options)
        .run(&signals, &mut |event| reporter.report(event));
    Ok(summary.exit_code)
}

/// The human sink, and every other one asked for; files are created before anything runs, so
/// a bad path stops rask at once.
fn reporter<'p>(
    plan: &'p Plan<'_>,
    invocation: &Invocation,
    terminal: &Terminal,
    output: OutputMode,
) -> Result<Reporter<'p>, ReportError> {
    let mut reporter = Reporter::default();
    let summary = match invocation.ci.summary {
        Some(SummaryArg::Never) => SummaryWhen::Never,
        Some(SummaryArg::Failures) => SummaryWhen::Failures,
        Some(SummaryArg::Always) => SummaryWhen::Always,
        None if terminal.ci => SummaryWhen::Always,
        None if terminal.stderr_terminal && !invocation.quiet => SummaryWhen::Failures,
        None => SummaryWhen::Never,
    };
    // Before the human sink: its closing lines (the failures) stay the last thing said.
    reporter.add(SummarySink::new(summary, terminal.color_stderr));
    reporter.add(HumanReporter::new(
        plan,
        ReportOptions {
            output,
            color_stdout: terminal.color_stdout,
            color_stderr: terminal.color_stderr,
            quiet: invocation.quiet,
        },
    ));
    for target in &invocation.ci.report {
        match (target.format, &target.path) {
            (ReportFormat::Json, None) => {
                reporter.add(JsonSink::new(Box::new(std::io::stdout()), true));
            }
            (ReportFormat::Json, Some(path)) => {
                let file = create_report(path)?;
                reporter.add(JsonSink::new(Box::new(file), false));
            }
            (ReportFormat::Junit, None) => unreachable!("`junit=-` is refused when parsing"),
            (ReportFormat::Junit, Some(path)) => {
                // Created now so that a bad path stops rask before anything runs; the report
                // replaces it when the run ends.
                create_report(path)?;
                reporter.add(JunitSink::new(path.clone()));
            }
        }
    }
    Ok(reporter)
}

fn create_report(path: &std::path::Path) -> Result<std::fs::File, ReportError> {
    std::fs::File::create(path).map_err(|source| ReportError::Create {
        path: path.to_owned(),
        source,
    })
}

fn scheduler_options(
    plan: &Plan<'_>,
    invocation: &Invocation,
    terminal: &Terminal,
) -> SchedulerOptions {
    let jobs = invocation
        .jobs
        .or(plan.file.settings.jobs)
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, usize::from));
    let runnable = plan
        .tasks
        .iter()
        .filter(|task| !task.commands.is_empty())
        .count();
    let one_at_a_time = runnable <= 1 || jobs == 1;
    let output = match invocation.output {
        Some(OutputArg::Inherit) => OutputMode::Inherit,
        Some(OutputArg::Prefixed) => OutputMode::Prefixed,
        Some(OutputArg::Grouped) => OutputMode::Grouped,
        None if one_at_a_time => OutputMode::Inherit,
        None => OutputMode::Prefixed,
    };
    // Tools stop colouring when their output is a pipe; when rask shows it on a colour
    // terminal anyway, tell them to keep colouring.
    let mut env = if output != OutputMode::Inherit && terminal.color_stdout {
        vec![
            ("CLICOLOR_FORCE".to_owned(), "1".to_owned()),
            ("FORCE_COLOR".to_owned(), "1".to_owned()),
        ]
    } else {
        Vec::new()
    };
    let tokens = shared_job_limit(jobs, &mut env);
    // A task that owns the terminal stays in rask's process group, so that the terminal's
    // Ctrl-C and job control reach it directly; its leftovers cannot be killed as a group
    // then, so rask adopts them instead (docs/cli.md, "Processes and signals").
    let foreground = output == OutputMode::Inherit && one_at_a_time && terminal.interactive;
    let mut warnings = Vec::new();
    if foreground && exec::become_subreaper().is_err() {
        warnings
            .push("cannot adopt orphans; a task's background processes may outlive it".to_owned());
    }
    // rask never changes its own working directory (a watcher's thread, or a second run in
    // this process, would see it move): each job is given its directory, and only a job
    // whose directory is rask's own is spared the `chdir`.
    let working_dir = std::env::current_dir().unwrap_or_default();
    SchedulerOptions {
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
        warnings,
    }
}

/// The job limit to share with nested rasks: the parent rask's (already in every task's
/// inherited environment), or a new one of `jobs` slots, named to the tasks by a variable
/// added to `env`. `None` if no pipe can be had; the local `-j` still applies then.
fn shared_job_limit(jobs: usize, env: &mut Vec<(String, String)>) -> Option<JobTokens> {
    if let Some(inherited) = JobTokens::inherited() {
        return Some(inherited);
    }
    let created = JobTokens::create(jobs).ok()?;
    // Passed with each job rather than set on rask's own environment, which another thread
    // may be reading; std builds each child's environment block from it.
    env.push(created.env());
    Some(created)
}
