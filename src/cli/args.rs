//! The command line as typed. The main type here is [`Args`]; no I/O happens here.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Parser, ValueEnum};

/// rask runs the tasks declared in tasks.toml, with their dependencies, in parallel.
#[derive(Debug, Clone, Parser)]
#[command(
    name = "rask",
    version,
    disable_help_subcommand = true,
    args_override_self = true,
    after_help = "Options may also follow task names: `rask test lint -j 4`.\n`rask TASK --help` shows a task's parameters."
,
    group = clap::ArgGroup::new("json_with").args(["list", "explain"]).multiple(true)
)]
pub(crate) struct Args {
    /// List tasks with their descriptions (hidden tasks are left out)
    #[arg(short = 'l', long)]
    pub(crate) list: bool,

    /// With --list: only the tasks of this group (task key `group`)
    #[arg(long, value_name = "NAME", requires = "list")]
    pub(crate) group: Option<String>,

    /// With --list or --explain: print JSON for tools
    #[arg(long, requires = "json_with")]
    pub(crate) json: bool,

    /// Say why each task runs, is skipped or is restored from the cache (with a run or -n)
    #[arg(long)]
    pub(crate) explain: bool,

    /// Neither read nor write the cache: every task with `sources` runs
    #[arg(long)]
    pub(crate) no_cache: bool,

    /// Print where the cache is and how much it holds, then exit
    #[arg(long, conflicts_with_all = ["list", "graph", "dot", "cache_clear"])]
    pub(crate) cache_info: bool,

    /// Delete everything in the cache directory, then exit
    #[arg(long, conflicts_with_all = ["list", "graph", "dot"])]
    pub(crate) cache_clear: bool,

    /// Print the dependency tree of the given tasks (or of all tasks)
    #[arg(long, conflicts_with_all = ["list", "dot"])]
    pub(crate) graph: bool,

    /// Print the dependency graph in Graphviz DOT format
    #[arg(long, conflicts_with = "list")]
    pub(crate) dot: bool,

    /// Print the commands that would run, in order, without running anything
    #[arg(short = 'n', long)]
    pub(crate) dry_run: bool,

    /// Run at most N commands at once [default: settings.jobs, else the number of CPUs]
    #[arg(short, long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=crate::config::MAX_JOBS as i64))]
    pub(crate) jobs: Option<u32>,

    /// Run tasks even when they are up to date (results are still cached)
    #[arg(short = 'B', long)]
    pub(crate) force: bool,

    /// Keep running everything that does not depend on a failed task
    #[arg(short = 'k', long)]
    pub(crate) keep_going: bool,

    /// Answer yes to every task's `confirm` question (needed when stdin is not a terminal)
    #[arg(short = 'y', long)]
    pub(crate) yes: bool,

    /// How task output is shown [default: inherit for one task or -j 1, else prefixed]
    #[arg(long, value_enum, value_name = "MODE")]
    pub(crate) output: Option<OutputArg>,

    /// Kill any task running longer than this (e.g. 30s, 5m); a task's shorter `timeout` wins
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub(crate) timeout: Option<Duration>,

    /// After SIGTERM, how long a stopping task gets before SIGKILL
    #[arg(long, value_name = "DURATION", value_parser = parse_duration, default_value = "5s")]
    pub(crate) grace: Duration,

    /// Use this task file instead of searching for tasks.toml
    #[arg(short = 'f', long, value_name = "PATH")]
    pub(crate) file: Option<PathBuf>,

    /// When to use colours
    #[arg(long, value_enum, value_name = "WHEN", default_value = "auto")]
    pub(crate) color: ColorArg,

    /// Print only failures: no command echo, no success summary
    #[arg(short, long)]
    pub(crate) quiet: bool,

    /// Override a top-level var, like `NAME=VALUE` before the first task (repeatable)
    #[arg(long = "set", value_name = "NAME=VALUE", value_parser = parse_assignment, action = clap::ArgAction::Append)]
    pub(crate) set: Vec<(String, String)>,
    #[command(flatten)]
    pub(crate) ci: super::ci::CiArgs,
    /// Run the tasks, then run them again whenever their sources change, until Ctrl-C
    #[arg(short = 'w', long)]
    pub(crate) watch: bool,

    /// With --watch: also watch this path (repeatable); a change there re-runs every task
    #[arg(long, value_name = "PATH", requires = "watch")]
    pub(crate) watch_path: Vec<PathBuf>,

    /// With --watch: wait until changes stop for this long before re-running
    #[arg(long, value_name = "DURATION", value_parser = parse_duration, default_value = "50ms", requires = "watch")]
    pub(crate) debounce: Duration,

    /// With --watch: scan for changes every INTERVAL instead of using OS events (network mounts)
    #[arg(long, value_name = "INTERVAL", value_parser = parse_duration, num_args = 0..=1, require_equals = true, default_missing_value = "500ms", requires = "watch")]
    pub(crate) poll: Option<Duration>,

    /// With --watch: what a change does while affected tasks still run
    #[arg(
        long,
        value_enum,
        value_name = "POLICY",
        default_value = "restart",
        requires = "watch"
    )]
    pub(crate) on_busy: crate::watch::OnBusy,

    /// With --watch: clear the screen before each re-run
    #[arg(long, requires = "watch")]
    pub(crate) clear: bool,

    /// Print a shell completion script (it completes task names too)
    #[arg(long, value_name = "SHELL", value_parser = ["bash", "zsh", "fish", "elvish", "powershell"])]
    pub(crate) completions: Option<String>,

    /// Tasks to run, each followed by its arguments; `--` passes the rest to the last task
    //
    // `cli::parse` hands clap the task words after a `--` of its own, so clap never has to
    // guess whether a word like `-j4` starts them: with `allow_hyphen_values` it guessed
    // wrong, and `rask -nz build` ran `build` (issue #8).
    #[arg(
        value_name = "TASK",
        trailing_var_arg = true,
        add = clap_complete::engine::ArgValueCandidates::new(super::completion::task_candidates)
    )]
    pub(crate) words: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum OutputArg {
    Inherit,
    Prefixed,
    Grouped,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum ColorArg {
    Auto,
    Always,
    Never,
}

impl ColorArg {
    /// Whether to colour output going to a destination that is (or is not) a terminal.
    pub(crate) fn wants_color(self, terminal: bool) -> bool {
        match self {
            ColorArg::Always => true,
            ColorArg::Never => false,
            ColorArg::Auto => super::color::auto_color(terminal, |name| std::env::var_os(name)),
        }
    }
}

/// `NAME=VALUE`, as `--set` takes it.
fn parse_assignment(text: &str) -> Result<(String, String), String> {
    super::bind::assignment(text)
        .ok_or_else(|| "expected NAME=VALUE, like `version=2.0`".to_owned())
}

fn parse_duration(text: &str) -> Result<Duration, String> {
    let duration = humantime::parse_duration(text).map_err(|error| error.to_string())?;
    if duration.is_zero() {
        return Err("must be more than zero".to_owned());
    }
    Ok(duration)
}

/// For a word that starts with `-`: whether it is one of rask's own options, and if so whether
/// it takes a value in the next word. Short clusters follow clap (and getopt): `-kj4` is `-k
/// -j 4`, `-kj` takes the next word, `-j=4` is `-j 4`.
pub(crate) fn global_option(word: &str) -> Option<TakesValue> {
    let command = built_command();
    let find = |matches: &dyn Fn(&clap::Arg) -> bool| {
        command.get_arguments().find(|argument| matches(argument))
    };
    if let Some(long) = word.strip_prefix("--") {
        let (name, inline) = long
            .split_once('=')
            .map_or((long, false), |(name, _)| (name, true));
        let argument = find(&|argument| argument.get_long() == Some(name))?;
        return Some(takes_value(argument, inline));
    }
    let cluster = word
        .strip_prefix('-')
        .filter(|cluster| !cluster.is_empty())?;
    let mut chars = cluster.chars().peekable();
    while let Some(short) = chars.next() {
        let argument = find(&|argument| argument.get_short() == Some(short))?;
        if argument.get_action().takes_values() {
            // The rest of the cluster is the value; with nothing left, the next word is.
            return Some(takes_value(argument, chars.peek().is_some()));
        }
    }
    Some(TakesValue::No)
}

/// rask's options as clap will know them: built, so `--help` and `--version` are among them.
/// Built once: every option word after a task name is looked up here.
fn built_command() -> &'static clap::Command {
    static COMMAND: std::sync::OnceLock<clap::Command> = std::sync::OnceLock::new();
    COMMAND.get_or_init(|| {
        let mut command = <Args as clap::CommandFactory>::command();
        command.build();
        command
    })
}

/// rask's own long options, for a did-you-mean on a mistyped one.
pub(crate) fn long_options() -> Vec<String> {
    built_command()
        .get_arguments()
        .filter_map(|argument| argument.get_long().map(str::to_owned))
        .collect()
}

/// Whether an option needs the following word as its value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TakesValue {
    No,
    NextWord,
}

fn takes_value(argument: &clap::Arg, inline: bool) -> TakesValue {
    // `--poll` takes its optional value only as `--poll=2s`: `rask --poll build` polls.
    if argument.get_action().takes_values() && !inline && !argument.is_require_equals_set() {
        TakesValue::NextWord
    } else {
        TakesValue::No
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_options_after_task_names() {
        assert_eq!(global_option("-j"), Some(TakesValue::NextWord));
        assert_eq!(global_option("-j4"), Some(TakesValue::No));
        assert_eq!(global_option("--jobs=4"), Some(TakesValue::No));
        assert_eq!(global_option("-k"), Some(TakesValue::No));
        assert_eq!(global_option("--output"), Some(TakesValue::NextWord));
        assert_eq!(global_option("--name"), None);
        assert_eq!(global_option("-kj4"), Some(TakesValue::No));
        assert_eq!(global_option("-kj"), Some(TakesValue::NextWord));
        assert_eq!(global_option("-j=4"), Some(TakesValue::No));
        assert_eq!(global_option("-nk"), Some(TakesValue::No));
        assert_eq!(global_option("-nz"), None);
        assert_eq!(global_option("-h"), Some(TakesValue::No));
        assert_eq!(global_option("--poll"), Some(TakesValue::No));
        assert_eq!(global_option("--poll=1s"), Some(TakesValue::No));
        assert_eq!(global_option("--debounce"), Some(TakesValue::NextWord));
    }

    #[test]
    fn clap_definition_is_consistent() {
        <Args as clap::CommandFactory>::command().debug_assert();
    }
}
