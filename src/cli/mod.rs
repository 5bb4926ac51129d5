//! The command line: clap's [`Args`] as typed, then an [`Invocation`] resolved against the
//! task file (task names, their arguments, options given after them, defaults).

mod args;
mod bind;
mod ci;
mod color;
mod completion;
#[cfg(test)]
mod man_page;

pub(crate) use args::{Args, ColorArg, OutputArg};
pub(crate) use ci::{CiArgs, ProgressArg, ReportFormat, SummaryArg};
pub(crate) use completion::{answer_if_requested, write_registration};

use std::ffi::OsString;
use std::time::Duration;

use crate::config::TaskFile;
use crate::graph::{GraphError, Request};

/// What rask was asked to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Action {
    /// Run the requested tasks.
    Run,
    /// Print what would run.
    DryRun,
    List {
        json: bool,
        /// `--group NAME`: only that group's tasks; the name is one some task has.
        group: Option<String>,
    },
    Graph {
        dot: bool,
    },
    /// `rask TASK --help`: the task's index in `TaskFile::tasks`.
    TaskHelp(usize),
    /// `--cache-info`.
    CacheInfo,
    /// `--cache-clear`.
    CacheClear,
}

/// How `--explain` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ExplainFormat {
    /// One line per task on stderr.
    Text,
    /// Also one JSON object per task on stdout (`--explain --json`).
    Json,
}

/// A fully resolved command line.
#[derive(Debug, Clone)]
pub(crate) struct Invocation {
    pub(crate) action: Action,
    /// `-f` given after the task names: the words must be read again against that file.
    pub(crate) file: Option<std::path::PathBuf>,
    pub(crate) requests: Vec<Request>,
    pub(crate) extra: Vec<String>,
    /// `None`: from `[settings]` or the CPU count.
    pub(crate) jobs: Option<usize>,
    pub(crate) keep_going: bool,
    pub(crate) force: bool,
    /// `--yes`: every `confirm` question is answered yes.
    pub(crate) yes: bool,
    /// `--explain`, and with `--json` as JSON lines on stdout.
    pub(crate) explain: Option<ExplainFormat>,
    pub(crate) no_cache: bool,
    /// `None`: chosen by how many tasks run (see `docs/cli.md`).
    pub(crate) output: Option<OutputArg>,
    pub(crate) timeout: Option<Duration>,
    pub(crate) grace: Duration,
    pub(crate) color: ColorArg,
    pub(crate) quiet: bool,
    /// Var overrides: `NAME=VALUE` words before the first task, then `--set`s, in order.
    pub(crate) vars: Vec<(String, String)>,
    pub(crate) ci: CiArgs,
    /// `--watch`: run, then run again on changes.
    pub(crate) watch: Option<crate::watch::WatchOptions>,
}

/// A command line that makes no sense for this task file.
#[derive(Debug, thiserror::Error)]
pub(crate) enum CliError {
    #[error(transparent)]
    UnknownTask(#[from] GraphError),
    #[error("task `{task}` has no parameter `{option}`")]
    UnknownParam {
        task: String,
        option: String,
        suggestion: Option<String>,
    },
    #[error("unknown option `{option}`")]
    UnknownOption {
        option: String,
        suggestion: Option<String>,
    },
    #[error("parameter `--{param}` of task `{task}` needs a value")]
    MissingValue { task: String, param: String },
    #[error("task `{task}` needs a value for parameter `{param}`")]
    MissingParam { task: String, param: String },
    #[error(
        "invalid value `{value}` for parameter `{param}` of task `{task}`: expected `true` or `false`"
    )]
    SwitchValue {
        task: String,
        param: String,
        value: String,
    },
    #[error("the task file declares no tasks")]
    NoTasks,
    #[error("task `{task}` is named twice with different arguments")]
    RepeatedTask { task: String },
    #[error(
        "invalid value `{value}` for parameter `{param}` of task `{task}`: expected {expected}"
    )]
    BadValue {
        task: String,
        param: String,
        value: String,
        expected: String,
    },
    #[error("the words after `--` have nowhere to go: task `{task}` is last, and {why}")]
    UnusedExtra { task: String, why: &'static str },
    #[error("no variable `{name}` to set")]
    UnknownVar {
        name: String,
        suggestion: Option<String>,
    },
    #[error("no group named `{name}`")]
    UnknownGroup {
        name: String,
        suggestion: Option<String>,
        /// Every group in the file, in first-seen order.
        known: Vec<String>,
        /// Where the suggested group is first declared, and the files read, to point there.
        declared: Option<Box<(crate::config::Sources, crate::config::Span)>>,
    },
    #[error("{0}")]
    Args(#[from] clap::Error),
}

impl CliError {
    /// The `help:` line, if any.
    pub(crate) fn help(&self) -> Option<String> {
        match self {
            CliError::UnknownTask(error) => error.help(),
            CliError::UnknownVar {
                suggestion: Some(name),
                ..
            } => Some(format!("did you mean `{name}`?")),
            CliError::UnknownVar { .. } => Some("only top-level `[vars]` can be set".to_owned()),
            CliError::UnknownGroup {
                suggestion: Some(name),
                ..
            } => Some(format!("did you mean `{name}`?")),
            CliError::UnknownGroup { known, .. } if known.is_empty() => {
                Some("no task has a `group`".to_owned())
            }
            CliError::UnknownGroup { .. } => None,
            CliError::UnknownParam { suggestion, .. }
            | CliError::UnknownOption { suggestion, .. } => suggestion
                .as_ref()
                .map(|option| format!("did you mean `{option}`?")),
            CliError::MissingParam { task, param } => {
                Some(format!("pass it as `rask {task} --{param} VALUE`"))
            }
            CliError::RepeatedTask { task } => Some(format!(
                "a task runs at most once per invocation: run `rask {task} …` once for each call"
            )),
            CliError::MissingValue { task, param } => Some(format!(
                "a value starting with `-` is written `rask {task} --{param}=VALUE`"
            )),
            CliError::UnusedExtra { .. } => Some(
                "they are given to the last command of the last task named; name a task whose last step is a command last"
                    .to_owned(),
            ),
            CliError::NoTasks => {
                Some("add one: `[tasks.hello]` and `run = \"echo hello\"`".to_owned())
            }
            CliError::SwitchValue { param, .. } => Some(format!(
                "`--{param}` alone is true and `--no-{param}` false; a value goes after `=`: \
                 `--{param}=false` (true/false, yes/no, 1/0)"
            )),
            CliError::BadValue { .. } | CliError::Args(_) => None,
        }
    }
}

impl CliError {
    /// The error as a diagnostic: its message and help, and for an unknown `--group` every
    /// group there is and where the one suggested is declared. The files it points into come
    /// with it (none for most errors).
    pub(crate) fn to_diagnostic(
        &self,
    ) -> (crate::config::Diagnostic, Option<&crate::config::Sources>) {
        let mut diagnostic = crate::config::Diagnostic {
            message: self.to_string(),
            span: None,
            label: String::new(),
            help: self.help(),
            also: None,
            notes: Vec::new(),
        };
        let CliError::UnknownGroup {
            known,
            suggestion,
            declared,
            ..
        } = self
        else {
            return (diagnostic, None);
        };
        if !known.is_empty() {
            let known: Vec<String> = known.iter().map(|group| format!("`{group}`")).collect();
            diagnostic
                .notes
                .push(format!("the groups are {}", known.join(", ")));
        }
        let Some((declared, suggestion)) = declared.as_deref().zip(suggestion.as_ref()) else {
            return (diagnostic, None);
        };
        let (sources, span) = declared;
        diagnostic.also = Some((*span, format!("group `{suggestion}` is declared here")));
        (diagnostic, Some(sources))
    }
}

/// Parses the command line as typed (program name first).
///
/// rask's own options come first and clap parses them strictly, every form it knows (`-j4`,
/// `-j=4`, `-kj4`, `-nk`) meaning what it means there and anything else an error; from the
/// first word that is not an option on, the words are task words, bound later against the
/// task file (see [`bind`]).
pub(crate) fn parse(argv: &[OsString]) -> Result<Args, clap::Error> {
    let split = Split::of(argv);
    let mut line = argv[..split.options_end].to_vec();
    if split.words_start < argv.len() {
        line.push("--".into());
        line.extend_from_slice(&argv[split.words_start..]);
    }
    <Args as clap::Parser>::try_parse_from(line)
}

/// Where a command line's leading options end and its task words start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Split {
    /// `argv[..options_end]`: the program name and rask's options.
    options_end: usize,
    /// `argv[words_start..]`: the task words (after a `--` that ended the options, if any).
    words_start: usize,
}

impl Split {
    fn of(argv: &[OsString]) -> Split {
        let mut index = 1;
        while let Some(word) = argv.get(index).and_then(|word| word.to_str()) {
            if word == "--" {
                return Split {
                    options_end: index,
                    words_start: index + 1,
                };
            }
            if !word.starts_with('-') || word == "-" {
                break;
            }
            // An unknown option stays among the options, for clap to refuse with a suggestion.
            let takes_next = args::global_option(word) == Some(args::TakesValue::NextWord);
            index += if takes_next { 2 } else { 1 };
        }
        let index = index.min(argv.len());
        Split {
            options_end: index,
            words_start: index,
        }
    }
}

/// Resolves `args` against the task file: binds task words, folds in options that came after
/// task names, and picks the action.
pub(crate) fn resolve(
    argv: &[OsString],
    args: Args,
    file: &TaskFile,
) -> Result<Invocation, CliError> {
    let bound = bind::bind(&args.words, file)?;
    let leading_file = args.file.clone();
    let args = if bound.options.is_empty() {
        args
    } else {
        // Parse the leading options and the late ones together, as if all had come first.
        let leading = &argv[..Split::of(argv).options_end];
        let late = bound.options.iter().map(OsString::from);
        parse(&leading.iter().cloned().chain(late).collect::<Vec<_>>())?
    };
    let mut requests = bound.requests;
    let mut vars = bound.vars;
    vars.extend(args.set.iter().cloned());
    let action = if let Some(task) = bound.help {
        Action::TaskHelp(task)
    } else if args.cache_info {
        Action::CacheInfo
    } else if args.cache_clear {
        Action::CacheClear
    } else if args.list {
        if let Some(group) = &args.group {
            check_group(file, group)?;
        }
        Action::List {
            json: args.json,
            group: args.group.clone(),
        }
    } else if args.graph || args.dot {
        Action::Graph { dot: args.dot }
    } else if requests.is_empty() {
        match default_request(file) {
            Some(request) => {
                requests.push(request);
                if args.dry_run {
                    Action::DryRun
                } else {
                    Action::Run
                }
            }
            // An empty list would say nothing at all: say why instead (issue #8).
            None if file.tasks.is_empty() => return Err(CliError::NoTasks),
            None => Action::List {
                json: false,
                group: None,
            },
        }
    } else if args.dry_run {
        Action::DryRun
    } else {
        Action::Run
    };
    Ok(Invocation {
        action,
        file: args.file.filter(|late| leading_file.as_ref() != Some(late)),
        requests,
        extra: bound.extra,
        jobs: args.jobs.map(|jobs| jobs as usize),
        keep_going: args.keep_going,
        force: args.force,
        yes: args.yes,
        explain: args.explain.then_some(if args.json {
            ExplainFormat::Json
        } else {
            ExplainFormat::Text
        }),
        no_cache: args.no_cache,
        output: args.output,
        timeout: args.timeout,
        grace: args.grace,
        color: args.color,
        quiet: args.quiet,
        vars,
        ci: args.ci,
        watch: args.watch.then_some(crate::watch::WatchOptions {
            debounce: args.debounce,
            poll: args.poll,
            on_busy: args.on_busy,
            clear: args.clear,
            extra_paths: args.watch_path,
        }),
    })
}

/// `--group NAME` must name a group some task has.
fn check_group(file: &TaskFile, group: &str) -> Result<(), CliError> {
    let groups = file.groups();
    if groups.iter().any(|(known, _)| *known == group) {
        return Ok(());
    }
    let suggestion = crate::config::suggest(group, groups.iter().map(|(known, _)| *known));
    let declared = groups
        .iter()
        .find(|(known, _)| Some(*known) == suggestion)
        .map(|(_, span)| Box::new((file.sources.clone(), *span)));
    Err(CliError::UnknownGroup {
        name: group.to_owned(),
        suggestion: suggestion.map(str::to_owned),
        known: groups
            .iter()
            .map(|(known, _)| (*known).to_owned())
            .collect(),
        declared,
    })
}

/// Applies the invocation's var overrides to the file's top-level vars: each becomes the
/// literal given. A name that is no top-level var is an error with a suggestion.
pub(crate) fn override_vars(file: &mut TaskFile, invocation: &Invocation) -> Result<(), CliError> {
    for (name, value) in &invocation.vars {
        let Some(var) = file.vars.iter_mut().find(|var| &var.name == name) else {
            let names = file.vars.iter().map(|var| var.name.as_str());
            return Err(CliError::UnknownVar {
                name: name.clone(),
                suggestion: crate::config::suggest(name, names).map(str::to_owned),
            });
        };
        var.value = crate::config::VarValue::Given(value.clone());
    }
    Ok(())
}

/// The `--color` choice, read straight from the command line, for errors that happen before
/// (or while) it is parsed. The last occurrence wins, as in clap.
pub(crate) fn color_choice(argv: &[OsString]) -> ColorArg {
    let mut choice = ColorArg::Auto;
    let mut words = argv.iter().skip(1).filter_map(|word| word.to_str());
    while let Some(word) = words.next() {
        let value = match word {
            "--" => break,
            "--color" => words.next(),
            _ => word.strip_prefix("--color="),
        };
        choice = match value {
            Some("always") => ColorArg::Always,
            Some("never") => ColorArg::Never,
            Some("auto") => ColorArg::Auto,
            _ => choice,
        };
    }
    choice
}

/// A `-f PATH` / `--file PATH` among task words, before any `--`.
pub(crate) fn file_among(words: &[String]) -> Option<std::path::PathBuf> {
    let mut words = words.iter().take_while(|word| *word != "--");
    while let Some(word) = words.next() {
        match word.as_str() {
            "-f" | "--file" => return words.next().map(Into::into),
            _ => {
                if let Some(path) = word
                    .strip_prefix("--file=")
                    .or_else(|| word.strip_prefix("-f"))
                {
                    if !path.is_empty() {
                        return Some(path.into());
                    }
                }
            }
        }
    }
    None
}

/// `rask` alone runs the task named `default`, if it takes no required argument.
fn default_request(file: &TaskFile) -> Option<Request> {
    let index = file.tasks.iter().position(|task| task.name == "default")?;
    let words = vec!["default".to_owned()];
    bind::bind(&words, file)
        .ok()?
        .requests
        .into_iter()
        .find(|request| request.task == index)
}
