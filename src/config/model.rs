//! The validated, typed model of a `tasks.toml`. The main type here is [`TaskFile`].
//!
//! Everything here is owned and already checked: `config::parse` produces it only when the
//! whole file is valid, so later layers never re-validate. Names the user wrote keep their
//! span (which knows its file), so the resolver can still point at `tasks.toml`.

use std::path::PathBuf;
use std::time::Duration;

use super::sources::Sources;
pub use super::sources::Span;

/// The whole file: settings, global environment and every task in file order.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, Default)]
pub struct TaskFile {
    /// Absolute path of the `tasks.toml` this was parsed from.
    pub path: PathBuf,
    /// The directory holding `tasks.toml`; commands and `dir` are relative to it.
    pub root: PathBuf,
    /// Every file read, for diagnostics (graph errors too) that point into them. Not part
    /// of the memo (`memo.rs`): the texts are read again to check it.
    #[serde(skip)]
    pub(crate) sources: Sources,
    pub settings: Settings,
    /// Top-level `[env]`, in file order. Task `env` overrides these.
    pub env: Vec<(String, EnvSetting)>,
    /// Top-level `[vars]`, in file order; a task's own `vars` shadow these.
    pub vars: Vec<Var>,
    /// Every task, in the order the file declares them; then those of each included file.
    pub tasks: Vec<Task>,
    /// Every included file, in reading order; `Task::include` indexes this.
    pub includes: Vec<Include>,
    /// Things worth saying that do not make the file invalid (a script with a shebang but no
    /// executable bit), printed on stderr before anything else happens.
    pub warnings: Vec<String>,
}

impl TaskFile {
    /// Every task `group`, in first-seen order (hidden tasks' too), with where it is first
    /// written.
    pub fn groups(&self) -> Vec<(&str, Span)> {
        let mut groups: Vec<(&str, Span)> = Vec::new();
        for task in &self.tasks {
            let Some(group) = task.group.as_deref() else {
                continue;
            };
            if !groups.iter().any(|(known, _)| *known == group) {
                groups.push((group, task.group_span));
            }
        }
        groups
    }
}

/// The most commands rask runs at once (`-j`, `settings.jobs`). A bound, not a hint: past it
/// the shared job pipe (make's jobserver protocol, one byte per free slot) would no longer hold
/// every token, and filling it would block rask before it ran anything (issue #8).
pub const MAX_JOBS: usize = 4096;

/// Top-level `[settings]`.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, PartialEq, Eq)]
pub struct Settings {
    /// The program and leading arguments a shell command is appended to, e.g. `["sh", "-c"]`.
    pub shell: Vec<String>,
    /// Default for `-j`; `None` means the number of CPUs.
    pub jobs: Option<usize>,
    /// Dotenv files to load (relative to `root`), in order; later files override earlier ones.
    pub dotenv: Vec<PathBuf>,
    /// Where the cache lives, relative to `root`; `None`: `.rask/cache` in `root`.
    pub cache_dir: Option<PathBuf>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            shell: vec!["sh".to_owned(), "-c".to_owned()],
            jobs: None,
            dotenv: Vec::new(),
            cache_dir: None,
        }
    }
}

/// A file pulled in through `[includes]`: where its tasks live, and its own vars and env.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, Default)]
pub struct Include {
    /// `web`, or `web:api` for an include inside an include; for a `flatten = true` include,
    /// its includer's namespace (empty at the root).
    pub namespace: String,
    /// The include that pulled this one in; `None` when the root file did.
    pub parent: Option<usize>,
    /// `flatten = true`: its tasks join the includer's names instead of a namespace.
    pub flatten: bool,
    /// `aliases = ["w"]`: other names of this include's own namespace segment, as written.
    pub aliases: Vec<NameRef>,
    /// The default working directory of its tasks, which their `dir` is relative to.
    pub dir: PathBuf,
    /// Its `[vars]`; its tasks see these before the root file's.
    pub vars: Vec<Var>,
    /// Its `[env]`, applied to its tasks over the root file's.
    pub env: Vec<(String, EnvSetting)>,
}

/// One `[tasks.NAME]` table.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, Default)]
pub struct Task {
    pub name: String,
    /// Span of the task's name in its table header (or key).
    pub name_span: Span,
    pub description: Option<String>,
    /// Commands, run in order; the first failure stops the task. Empty for a pure aggregate.
    pub run: Vec<RunStep>,
    /// Tasks that must succeed before this one starts.
    pub depends: Vec<NameRef>,
    /// Tasks that run after this one finishes (success or failure), like a `finally`.
    pub depends_post: Vec<NameRef>,
    /// Tasks this one runs after when they are part of the run anyway (mise's `wait_for`);
    /// they are never pulled in.
    pub wait_for: Vec<NameRef>,
    /// Per-task environment, in file order; overrides the top-level `[env]`.
    pub env: Vec<(String, EnvSetting)>,
    /// Working directory as written (it may hold placeholders), relative to the task file's
    /// directory; the plan substitutes and joins it.
    pub dir: Option<String>,
    pub aliases: Vec<NameRef>,
    /// Kept out of `--list`, still runnable by name.
    pub hide: bool,
    /// `group = "release"`: the heading `--list` shows the task under.
    pub group: Option<String>,
    /// Where `group` is written (the string), for an unknown `--group` to point at.
    pub group_span: Span,
    /// Names the task also answers to without `--list` showing them: its name through a
    /// namespace alias (`w:build` for `web:build`), and the namespace itself for a
    /// namespace's `default` task. An explicit name or alias of the same spelling wins.
    pub other_names: Vec<NameRef>,
    pub timeout: Option<Duration>,
    /// How many times to run the task again after it fails; `None`: `--retries`, else 0.
    pub retries: Option<u32>,
    /// Retry after a timeout too (never after Ctrl-C).
    pub retry_on_timeout: bool,
    /// Watch mode: the signal (e.g. SIGHUP) that tells the running task to reload, sent
    /// instead of restarting it when its inputs change.
    pub watch_signal: Option<i32>,
    /// Declared parameters, in declaration order (positional arguments bind in this order).
    pub params: Vec<Param>,
    /// The task's own `vars`, shadowing the top-level ones of the same name.
    pub vars: Vec<Var>,
    /// The included file the task comes from (index into `TaskFile::includes`); `None` for
    /// the root file. Its name already carries the namespace (`web:build`).
    pub include: Option<usize>,
    /// Where the task runs; empty means everywhere. Elsewhere it is skipped with a note.
    pub platforms: Vec<super::Platform>,
    /// Glob patterns of inputs, relative to the task's working directory.
    pub sources: Vec<String>,
    /// Glob patterns of outputs, relative to the task's working directory.
    pub outputs: Vec<String>,
    /// How `sources` and `outputs` decide whether the task is up to date.
    pub method: UpToDateMethod,
    /// Variables of rask's environment whose values are part of the task's cache key.
    pub env_inputs: Vec<String>,
    /// `if`: a shell condition; when it exits non-zero the task is skipped, not failed.
    pub condition: Option<String>,
    /// Shell commands; when every one succeeds the task is up to date (go-task's `status`).
    pub status: Vec<String>,
    /// Shell conditions that must all succeed before any command runs.
    pub preconditions: Vec<Precondition>,
    /// A failure ends the task as "failed, ignored": its dependents and the run go on.
    pub ignore_errors: bool,
    /// A question asked on the terminal before anything runs; without one, `--yes` answers.
    pub confirm: Option<String>,
    /// For a task of a script directory, the file it runs (its `run` executes it directly);
    /// parameters reach it as environment variables, as they reach scripts.
    pub script_file: Option<PathBuf>,
    /// The program (and arguments) each shell string of `run` is a script for, e.g.
    /// `["python3"]`; empty when `run` holds shell command lines.
    pub interpreter: Vec<String>,
}

/// One entry of a task's `run`: a command and what governs it.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, PartialEq, Eq)]
pub struct RunStep {
    pub command: Command,
    /// The command's own `if`: when this shell condition fails, the command is skipped.
    pub condition: Option<String>,
    /// A failure of this command is reported, and the task goes on with the next.
    pub ignore_errors: bool,
}

impl RunStep {
    /// The task this step calls, if it is a task call (`{ task = "lint", … }`).
    pub(crate) fn call(&self) -> Option<&NameRef> {
        match &self.command {
            Command::Call(call) => Some(call),
            Command::Shell(_) | Command::Argv(_) => None,
        }
    }

    /// [`RunStep::call`], to rewrite the call's name.
    pub(crate) fn call_mut(&mut self) -> Option<&mut NameRef> {
        match &mut self.command {
            Command::Call(call) => Some(call),
            Command::Shell(_) | Command::Argv(_) => None,
        }
    }
}

impl From<Command> for RunStep {
    fn from(command: Command) -> Self {
        RunStep {
            command,
            condition: None,
            ignore_errors: false,
        }
    }
}

/// One of a task's `preconditions`.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, PartialEq, Eq)]
pub struct Precondition {
    /// A shell condition.
    pub sh: String,
    /// What to tell the user when it fails (`msg`).
    pub message: Option<String>,
}

/// How a task with `sources` is found up to date.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, Copy, Default, PartialEq, Eq)]
pub enum UpToDateMethod {
    /// By content: the cache key of commands, env, sources and dependencies' outputs.
    #[default]
    Content,
    /// make's rule: every output newer than every source.
    Timestamp,
}

/// One variable of a `vars` table, referenced as `{{ name }}`.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, PartialEq, Eq)]
pub struct Var {
    pub name: String,
    /// Where the name is written.
    pub span: Span,
    pub value: VarValue,
    /// Where the value is written, for placeholders inside it and for a failing command.
    pub value_span: Span,
}

/// An environment variable's value as written in an `env` table.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, PartialEq, Eq)]
pub enum EnvSetting {
    /// `NAME = "value"`; may reference vars.
    Set(String),
    /// `NAME = { sh = "…" }`: the command's stdout, run like a computed var, only when a
    /// planned task gets this variable. `span` is the value's, for errors.
    Shell {
        command: String,
        span: Span,
    },
    /// `NAME = { default = "…" }`: the caller's value of NAME if it has one, else this.
    Default(String),
    /// `NAME = { unset = true }`: removed from the task's environment.
    Unset,
    /// `NAME = { prepend = [...] }` / `{ append = [...] }`: entries joined with `:` before or
    /// after the value set so far (or the caller's); relative entries start from the task's dir.
    Prepend(Vec<String>),
    Append(Vec<String>),
}

impl EnvSetting {
    /// Every string of the value that may hold `{{ name }}`.
    pub fn texts(&self) -> Vec<&str> {
        match self {
            EnvSetting::Set(text) | EnvSetting::Default(text) => vec![text],
            EnvSetting::Shell { command, .. } => vec![command],
            EnvSetting::Unset => Vec::new(),
            EnvSetting::Prepend(entries) | EnvSetting::Append(entries) => {
                entries.iter().map(String::as_str).collect()
            }
        }
    }
}

/// What a variable holds.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, PartialEq, Eq)]
pub enum VarValue {
    /// `version = "1.2.3"`; may reference other vars.
    Literal(String),
    /// `rev = { sh = "git rev-parse --short HEAD" }`: the command's stdout, trailing newlines
    /// trimmed, computed once per invocation and only when a task that will run uses it.
    Shell(String),
    /// `rask version=2.0 …` or `--set version=2.0`: taken verbatim, placeholders and all.
    Given(String),
    /// `version = { env = "VERSION", default = "dev" }`: the caller's `VERSION` if it is set
    /// (make's `?=`), else the default (which may reference other vars; empty if none).
    Env { name: String, default: String },
}

impl VarValue {
    /// The text placeholders are looked for in.
    pub fn template(&self) -> &str {
        match self {
            VarValue::Literal(text) | VarValue::Shell(text) => text,
            VarValue::Env { default, .. } => default,
            VarValue::Given(_) => "",
        }
    }
}

/// A task name as the user wrote it somewhere in the file (in `depends`, `alias`, ...).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, PartialEq, Eq)]
pub struct NameRef {
    pub name: String,
    pub span: Span,
    /// `args` of a task call (`{ task = "build", args = { … } }`) in `depends` or `run`; empty
    /// for a name.
    pub args: Vec<CallArg>,
    /// The pattern (`lint:*`) this name is one match of, when a pattern was written here.
    #[serde(default)]
    pub pattern: Option<String>,
}

impl NameRef {
    /// The call as shown in reports and views: `build(profile=release, jobs=2)`, or just the
    /// name when it has no arguments.
    pub fn label(&self) -> String {
        if self.args.is_empty() {
            return self.name.clone();
        }
        let args: Vec<String> = (self.args.iter())
            .map(|arg| format!("{}={}", arg.name, arg.value))
            .collect();
        format!("{}({})", self.name, args.join(", "))
    }
}

/// One argument of a task call: `profile = "release"`.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, PartialEq, Eq)]
pub struct CallArg {
    pub name: String,
    pub name_span: Span,
    pub value: String,
    /// The value's span.
    pub span: Span,
}

/// One command of a task's `run`.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, PartialEq, Eq)]
pub enum Command {
    /// A command line handed to `settings.shell`, e.g. `"cargo build && echo done"`.
    Shell(String),
    /// A program and its arguments, executed directly with no shell, e.g. `["cargo", "build"]`.
    Argv(Vec<String>),
    /// A task call, `{ task = "lint", args = { fix = "true" } }`: that task (and its
    /// dependencies) runs at this point, once per distinct set of values in the run.
    Call(NameRef),
}

/// A declared task parameter, invoke-style: `rask greet --name Bob` or `rask greet Bob`.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, PartialEq, Eq)]
pub struct Param {
    pub name: String,
    pub span: Span,
    pub help: Option<String>,
    pub kind: ParamKind,
    /// The last parameter may take every remaining word; its value then holds them encoded
    /// with `shell_words::join`, and each is substituted as its own word.
    pub variadic: bool,
    /// `multiple = true`: given as a repeated option (`--folder a --folder b`), never
    /// positionally; its value is encoded like a variadic one's.
    pub multiple: bool,
    /// When not empty, the only values allowed.
    pub choices: Vec<String>,
    pub value_type: ValueType,
}

/// `type = "int" | "bool"` of a parameter; values are checked before anything runs.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, Copy, Default, PartialEq, Eq)]
pub enum ValueType {
    #[default]
    String,
    Int,
    Bool,
}

impl ValueType {
    pub const NAMES: &[&str] = &["string", "int", "bool"];

    pub fn from_name(name: &str) -> Option<ValueType> {
        match name {
            "string" => Some(ValueType::String),
            "int" => Some(ValueType::Int),
            "bool" => Some(ValueType::Bool),
            _ => None,
        }
    }
}

impl Param {
    /// Whether the value holds several words (`variadic` or `multiple`), encoded with
    /// `shell_words::join`, each substituted as its own word.
    pub fn is_list(&self) -> bool {
        self.variadic || self.multiple
    }

    /// The words of a value: each word of a list parameter's, else the value itself.
    pub fn words(&self, value: &str) -> Vec<String> {
        if self.is_list() {
            shell_words::split(value).unwrap_or_default()
        } else {
            vec![value.to_owned()]
        }
    }

    /// Whether `--no-NAME` turns it off: a flag, or a `type = "bool"` parameter.
    pub fn is_switch(&self) -> bool {
        self.kind == ParamKind::Flag || self.value_type == ValueType::Bool
    }

    /// A switch's value as given on the command line (`--NAME=VALUE`, or positionally):
    /// `true`/`false`, `yes`/`no` or `1`/`0`, in any case; `None` for any other word.
    pub fn switch_value(word: &str) -> Option<bool> {
        const WORDS: [(&str, bool); 6] = [
            ("true", true),
            ("false", false),
            ("yes", true),
            ("no", false),
            ("1", true),
            ("0", false),
        ];
        (WORDS.iter())
            .find(|(known, _)| known.eq_ignore_ascii_case(word))
            .map(|&(_, value)| value)
    }

    /// Whether `value` (one word of it, for a list parameter) is acceptable; if not, what
    /// was expected, for the error.
    pub fn check(&self, value: &str) -> Result<(), String> {
        if !self.choices.is_empty() && !self.choices.iter().any(|choice| choice == value) {
            let choices: Vec<String> = self.choices.iter().map(|c| format!("`{c}`")).collect();
            return Err(format!("one of {}", choices.join(", ")));
        }
        match self.value_type {
            ValueType::Int if value.trim().parse::<i64>().is_err() => Err("an integer".to_owned()),
            ValueType::Bool if value != "true" && value != "false" => {
                Err("`true` or `false`".to_owned())
            }
            _ => Ok(()),
        }
    }

    /// The value used when the parameter is not given: a flag's `false` or the `default`.
    /// `None` for a value parameter without a default: like a just or invoke parameter
    /// without one, it must be given.
    pub fn fallback(&self) -> Option<String> {
        match &self.kind {
            ParamKind::Flag => Some("false".to_owned()),
            // Not given, a list parameter holds no words.
            ParamKind::Value {
                default: None,
                required: false,
            } if self.is_list() => Some(String::new()),
            ParamKind::Value { default, .. } => default.clone(),
        }
    }
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, PartialEq, Eq)]
pub enum ParamKind {
    /// Takes a value; `None` default with `required = true` means it must be given.
    Value {
        default: Option<String>,
        required: bool,
    },
    /// A boolean switch: `--name` sets it; substitutes `true` or `false`.
    Flag,
}
