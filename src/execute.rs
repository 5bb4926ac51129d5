//! Running a plan: the scheduler's and the reporter's options resolved from the invocation,
//! the terminal and the environment, then the run itself. The main function is [`execute`];
//! watch mode runs several plans in one process through [`Resources`] and [`run`].

use std::io::IsTerminal;

use std::sync::Arc;

use crate::cache::{self, Cache};
use crate::cli::{ExplainFormat, Invocation, OutputArg, ProgressArg, ReportFormat, SummaryArg};
use crate::error::{EXIT_ERROR, EXIT_SUCCESS, Error};
use crate::events::{Event, EventKind, OutputMode, RunSummary, SPOOL_MAX_SIZE_VAR};
use crate::exec::{
    self, Alone, CacheOptions, ControlReceiver, JobTokens, LocalSpawner, Scheduler,
    SchedulerOptions, SignalPipes,
};
use crate::graph::Plan;
use crate::report::{
    ExplainJson, GithubSink, HumanReporter, JsonSink, JunitSink, ProgressSink, ProgressTarget,
    ReportError, ReportOptions, Reporter, Screen, ScreenStdout, SummarySink, SummaryWhen,
    TimingsSink,
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
    /// Running in GitHub Actions (`GITHUB_ACTIONS=true`): workflow commands are understood.
    github_actions: bool,
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
            github_actions: std::env::var("GITHUB_ACTIONS").is_ok_and(|value| value == "true"),
        }
    }
}

/// Runs the plan and returns rask's exit code; `Err` if a report cannot even be created.
pub(crate) fn execute(plan: &Plan<'_>, invocation: &Invocation) -> Result<i32, Error> {
    let resources = Resources::acquire(plan, invocation);
    Ok(run(&resources, plan, invocation, None, &mut |_| {})?.exit_code)
}

/// What every run of one rask process shares: the signal handlers and the job limit shared
/// with nested rasks. Set up once, since neither may be set up twice (an inherited job pipe
/// is adopted by the first taker).
pub(crate) struct Resources {
    signals: SignalPipes,
    /// Why signals could not be handled, if they cannot; why an inherited job limit is not
    /// used, if it is not. Each run reports them as its first warnings.
    warnings: Vec<String>,
    tokens: Option<JobTokens>,
    /// The variable naming a job FIFO this rask created, for its tasks.
    tokens_env: Option<(String, String)>,
}

impl Resources {
    pub(crate) fn acquire(plan: &Plan<'_>, invocation: &Invocation) -> Resources {
        let mut warnings = Vec::new();
        let signals = SignalPipes::install().unwrap_or_else(|error| {
            warnings.push(format!(
                "cannot handle signals ({error}); Ctrl-C will not stop tasks"
            ));
            SignalPipes::none()
        });
        let (tokens, tokens_env) = shared_job_limit(jobs(plan, invocation), &mut warnings);
        Resources {
            signals,
            warnings,
            tokens,
            tokens_env,
        }
    }
}

/// Runs `plan` with `resources`, driven by `control` if given; `observe` sees every event
/// before the reporters do. `Err` if a report cannot even be created.
pub(crate) fn run(
    resources: &Resources,
    plan: &Plan<'_>,
    invocation: &Invocation,
    control: Option<ControlReceiver>,
    observe: &mut dyn FnMut(&Event),
) -> Result<RunSummary, ReportError> {
    let terminal = Terminal::detect(invocation);
    let mut options = scheduler_options(plan, invocation, &terminal, resources);
    options.warnings.extend(resources.warnings.iter().cloned());
    let mut reporter = reporter(plan, invocation, &terminal, options.output)?;
    let mut scheduler = Scheduler::new(plan, LocalSpawner::new(), options);
    if let Some(control) = control {
        scheduler = scheduler.with_control(control);
    }
    let mut summary = scheduler.run(&resources.signals, &mut |event| {
        if matches!(event.kind, EventKind::RunFinished { .. }) {
            // The run's summary comes before what the observer says at its end (watch mode's
            // "waiting for changes"), which should be the last line of a round.
            let finished = event.clone();
            let flow = reporter.report(event);
            observe(&finished);
            return flow;
        }
        observe(&event);
        reporter.report(event)
    });
    // A report or output that could not be written was warned about; the run must not pass.
    if reporter.failed() && summary.exit_code == EXIT_SUCCESS {
        summary.exit_code = EXIT_ERROR;
    }
    Ok(summary)
}

fn jobs(plan: &Plan<'_>, invocation: &Invocation) -> usize {
    invocation
        .jobs
        .or(plan.file.settings.jobs)
        .unwrap_or_else(cpus)
}

/// The number of CPUs rask may use, read once: std reads the cgroup's CPU quota each time
/// (about a dozen system calls), and one run asks more than once.
fn cpus() -> usize {
    static CPUS: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    *CPUS.get_or_init(|| std::thread::available_parallelism().map_or(1, usize::from))
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
    // First, so that the area is gone before any sink writes the run's closing lines.
    let screen = match progress_target(invocation, terminal, output) {
        Some(target) => {
            let (progress, screen) = ProgressSink::new(target);
            reporter.add(progress);
            screen
        }
        None => Screen::default(),
    };
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
            github_groups: terminal.github_actions,
        },
        screen.clone(),
    ));
    if terminal.github_actions {
        let step_summary = std::env::var_os("GITHUB_STEP_SUMMARY").filter(|path| !path.is_empty());
        reporter.add(GithubSink::new(
            step_summary.map(Into::into),
            screen.clone(),
        ));
    }
    for target in &invocation.ci.report {
        match (target.format, &target.path) {
            (ReportFormat::Json, None) => {
                reporter.add(JsonSink::new(Box::new(ScreenStdout(screen.clone())), None));
            }
            (ReportFormat::Json, Some(path)) => {
                let file = create_report(path)?;
                reporter.add(JsonSink::new(Box::new(file), Some(path.clone())));
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
    if let Some(path) = &invocation.ci.timings {
        create_report(path)?;
        reporter.add(TimingsSink::new(path.clone()));
    }
    if invocation.explain == Some(ExplainFormat::Json) {
        reporter.add(ExplainJson::new(screen.clone()));
    }
    Ok(reporter)
}

/// Where the live status area is drawn, if anywhere. Never in inherit mode: the tasks write
/// to the terminal themselves there, and nothing could keep their lines whole.
fn progress_target(
    invocation: &Invocation,
    terminal: &Terminal,
    output: OutputMode,
) -> Option<ProgressTarget> {
    if output == OutputMode::Inherit {
        return None;
    }
    match invocation.ci.progress {
        ProgressArg::Never => None,
        ProgressArg::Always => Some(ProgressTarget::Always),
        ProgressArg::Auto => (terminal.stderr_terminal && !terminal.ci && !invocation.quiet)
            .then_some(ProgressTarget::Terminal),
    }
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
    resources: &Resources,
) -> SchedulerOptions {
    let jobs = jobs(plan, invocation);
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
        // A GitHub log folds each task's output into a group, which needs it in one block.
        None if terminal.github_actions => OutputMode::Grouped,
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
    env.extend(resources.tokens_env.clone());
    // Each run takes its own handle on the pipe: the tokens it holds go back when it ends.
    let tokens = resources
        .tokens
        .as_ref()
        .and_then(|tokens| tokens.try_clone().ok());
    // A task that owns the terminal stays in rask's process group, so that the terminal's
    // Ctrl-C and job control reach it directly; its leftovers cannot be killed as a group
    // then, so rask adopts them instead (docs/cli.md, "Processes and signals").
    // Watch mode restarts tasks, which needs their whole group.
    let foreground = output == OutputMode::Inherit
        && one_at_a_time
        && terminal.interactive
        && invocation.watch.is_none();
    // Left to choose, rask gives the terminal to a task that runs alone even when others run
    // before or after it (the last task of a chain, a prompt after its dependencies), as
    // `-j 1` would (docs/cli.md, "Output"). A grouped run keeps its blocks.
    let alone = (invocation.output.is_none()
        && output == OutputMode::Prefixed
        && invocation.watch.is_none())
    .then_some(Alone {
        own_group: !terminal.interactive,
    });
    let mut warnings = Vec::new();
    let keeps_terminal = foreground || alone.is_some_and(|alone| !alone.own_group);
    if keeps_terminal && exec::become_subreaper().is_err() {
        warnings
            .push("cannot adopt orphans; a task's background processes may outlive it".to_owned());
    }
    // rask never changes its own working directory (a watcher's thread, or a second run in
    // this process, would see it move): each job is given its directory, and only a job
    // whose directory is rask's own is spared the `chdir`.
    let working_dir = std::env::current_dir().unwrap_or_default();
    let cache = cache_options(plan, invocation, &mut warnings);
    if let Some(cache) = &cache.cache {
        let interrupts: Vec<_> = resources.signals.fds().collect();
        let mut on_wait = |lock: String| {
            // Said at once on stderr, as cargo's "Blocking waiting for file lock": the reporter
            // does not exist before the run starts, and a silent wait looks like a hang.
            if !invocation.quiet {
                eprintln!(
                    "rask: waiting for another rask running this project's cached tasks ({lock})"
                );
            }
            warnings.push(format!(
                "another rask was running this project's cached tasks; this one waited for it ({lock})"
            ));
        };
        match cache.lock_project(&interrupts, &mut on_wait) {
            Ok(lock_env) => env.extend(lock_env),
            Err(error) => warnings.push(format!(
                "cannot lock the cache against other rasks ({error}); running anyway"
            )),
        }
    }
    let spool_max_size = exec::spool_max_size().unwrap_or_else(|text| {
        warnings.push(format!(
            "`{SPOOL_MAX_SIZE_VAR}` is not a size: `{text}`; using the default"
        ));
        exec::DEFAULT_SPOOL_MAX_SIZE
    });
    SchedulerOptions {
        cache,
        jobs,
        // In watch mode a failure must not stop the others (a server, say): it is reported,
        // and the next change runs it again.
        keep_going: invocation.keep_going || invocation.watch.is_some(),
        output,
        timeout: invocation.timeout,
        grace: invocation.grace,
        env,
        own_group: !foreground,
        alone,
        force: invocation.force,
        working_dir,
        tokens,
        warnings,
        retries: invocation.ci.retries.unwrap_or(0),
        load_average: invocation.ci.load_average,
        spool_max_size,
    }
}

/// The job limit to share with nested rasks: the parent rask's (already in every task's
/// inherited environment), or a new one of `jobs` slots with the variable that names it to
/// the tasks. `None` if no FIFO can be had; the local `-j` still applies then. An inherited
/// `RASK_JOBSERVER` that names nothing usable is reported in `warnings` and replaced.
fn shared_job_limit(
    jobs: usize,
    warnings: &mut Vec<String>,
) -> (Option<JobTokens>, Option<(String, String)>) {
    match JobTokens::inherited() {
        Ok(Some(inherited)) => return (Some(inherited), None),
        Ok(None) => {}
        Err(why) => warnings.push(format!(
            "{why}; not sharing a parent's job limit, `-j {jobs}` applies to this rask alone"
        )),
    }
    match JobTokens::create(jobs) {
        // Passed with each job rather than set on rask's own environment, which another
        // thread may be reading; std builds each child's environment block from it.
        Ok(created) => {
            let env = created.env();
            (Some(created), env)
        }
        Err(_) => (None, None),
    }
}

/// The cache this run uses: none with `--no-cache`, else the project's (see
/// [`cache::cache_dir`]). Problems with the environment become warnings of the run.
pub(crate) fn cache_options(
    plan: &Plan<'_>,
    invocation: &Invocation,
    warnings: &mut Vec<String>,
) -> CacheOptions {
    // Only a task with `sources` consults the cache; without one, not even its index is read.
    let consulted = plan.tasks.iter().any(|task| !task.sources.is_empty());
    let cache = (!invocation.no_cache && consulted).then(|| {
        let settings = &plan.file.settings;
        let dir = cache::cache_dir(&plan.file.root, settings.cache_dir.as_deref());
        let max_size = cache::max_size().unwrap_or_else(|text| {
            warnings.push(format!(
                "`{}` is not a size: `{text}`; using the default",
                cache::MAX_SIZE_VAR
            ));
            cache::DEFAULT_MAX_SIZE
        });
        Arc::new(Cache::open(dir, plan.file.root.clone(), max_size))
    });
    CacheOptions {
        cache,
        explain: invocation.explain.is_some(),
    }
}
