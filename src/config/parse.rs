//! raw → model: validates everything and collects every problem before returning. The main
//! function here is [`parse`].

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use toml::Spanned;

use super::raw::{self, RawCommand, RawEnvVar, RawFile, RawParam, RawSettings, RawTask};
use super::{
    Command, ConfigError, Diagnostic, NameRef, Param, ParamKind, Settings, Source, Span, Task,
    TaskFile, suggest,
};

/// Parses and validates a whole task file.
///
/// Either the file is valid in every respect, or every problem found is returned, in file
/// order, as [`ConfigError::Invalid`].
pub(crate) fn parse(source: &Source) -> Result<TaskFile, ConfigError> {
    // `absolute` fails only for an empty path; the path as given is then the best there is.
    let path = std::path::absolute(&source.path).unwrap_or_else(|_| source.path.clone());
    let root = path.parent().map(Path::to_path_buf).unwrap_or_default();
    let mut builder = Builder {
        text: &source.text,
        root: &root,
        problems: Vec::new(),
    };
    let file = raw::read(&source.text, &mut builder.problems).map(|raw| builder.file(raw));
    match file {
        Some((settings, env, tasks)) if builder.problems.is_empty() => Ok(TaskFile {
            path,
            root,
            settings,
            env,
            tasks,
        }),
        _ => Err(invalid(source, builder.problems)),
    }
}

fn invalid(source: &Source, mut diagnostics: Vec<Diagnostic>) -> ConfigError {
    // Problems are found section by section; the user reads the file top to bottom.
    diagnostics.sort_by_key(|diagnostic| diagnostic.span.as_ref().map(|span| span.start));
    ConfigError::Invalid {
        file: Box::new(source.clone()),
        diagnostics,
    }
}

/// Turns the raw file into model values, pushing a [`Diagnostic`] for each problem found.
struct Builder<'a> {
    /// The source text, to point inside strings written without escapes.
    text: &'a str,
    root: &'a Path,
    problems: Vec<Diagnostic>,
}

impl Builder<'_> {
    fn file(&mut self, raw: RawFile) -> (Settings, Vec<(String, String)>, Vec<Task>) {
        let settings = self.settings(raw.settings);
        let env = self.env(raw.env);
        let tasks: Vec<Task> = raw.tasks.into_iter().map(|task| self.task(task)).collect();
        self.check_aliases(&tasks);
        (settings, env, tasks)
    }

    fn problem(&mut self, diagnostic: Diagnostic) {
        self.problems.push(diagnostic);
    }

    fn settings(&mut self, raw: RawSettings) -> Settings {
        let defaults = Settings::default();
        Settings {
            shell: raw
                .shell
                .and_then(|shell| self.shell(shell))
                .unwrap_or(defaults.shell),
            jobs: raw.jobs.and_then(|jobs| self.jobs(jobs)),
            dotenv: raw
                .dotenv
                .into_iter()
                .map(|path| PathBuf::from(path.into_inner()))
                .collect(),
        }
    }

    fn shell(&mut self, shell: Spanned<Vec<Spanned<String>>>) -> Option<Vec<String>> {
        let span = shell.span();
        let words = shell.into_inner();
        match words.first() {
            None => self.problem(
                Diagnostic::new("`shell` must not be empty", span, "empty array")
                    .with_help("for example `shell = [\"bash\", \"-c\"]`"),
            ),
            Some(program) if program.get_ref().trim().is_empty() => self.problem(Diagnostic::new(
                "empty program name in `shell`",
                program.span(),
                "empty program name",
            )),
            Some(_) => return Some(words.into_iter().map(Spanned::into_inner).collect()),
        }
        None
    }

    fn jobs(&mut self, jobs: Spanned<i64>) -> Option<usize> {
        match usize::try_from(*jobs.get_ref()) {
            Ok(count) if count > 0 && count <= super::model::MAX_JOBS => Some(count),
            Ok(count) if count > 0 => {
                self.problem(
                    Diagnostic::new(
                        format!("`jobs` must be at most {}", super::model::MAX_JOBS),
                        jobs.span(),
                        "too many",
                    )
                    .with_help("rask runs at most 4096 commands at once"),
                );
                None
            }
            _ => {
                self.problem(
                    Diagnostic::new(
                        "`jobs` must be a positive integer",
                        jobs.span(),
                        "not positive",
                    )
                    .with_help("leave `jobs` out to run one job per CPU"),
                );
                None
            }
        }
    }

    fn env(&mut self, vars: Vec<RawEnvVar>) -> Vec<(String, String)> {
        vars.into_iter()
            .filter(|var| self.check_env_name(&var.name))
            .map(|var| (var.name.into_inner(), var.value))
            .collect()
    }

    /// Names the OS cannot hold would only fail later, at spawn time, for every task.
    fn check_env_name(&mut self, name: &Spanned<String>) -> bool {
        let label = if name.get_ref().is_empty() {
            "empty name"
        } else if name.get_ref().contains('=') {
            "contains `=`"
        } else if name.get_ref().contains('\0') {
            "contains a NUL character"
        } else {
            return true;
        };
        self.problem(Diagnostic::new(
            format!("invalid environment variable name `{}`", name.get_ref()),
            name.span(),
            label,
        ));
        false
    }

    fn task(&mut self, raw: RawTask) -> Task {
        let name = raw.name.get_ref().clone();
        self.check_task_name(&raw.name);
        let params = raw.params.map(|params| self.params(&name, params));
        if let Some(params) = &params {
            for command in &raw.run {
                self.check_placeholders(&name, command, params);
            }
        }
        Task {
            description: raw.description,
            run: raw
                .run
                .into_iter()
                .filter_map(|command| self.command(&name, command))
                .collect(),
            depends: name_refs(raw.depends),
            depends_post: name_refs(raw.depends_post),
            env: self.env(raw.env),
            dir: raw.dir.map(|dir| self.root.join(dir)),
            aliases: raw
                .alias
                .into_iter()
                .inspect(|alias| self.check_alias_name(&name, alias))
                .map(name_ref)
                .collect(),
            hide: raw.hide,
            timeout: raw.timeout.and_then(|timeout| self.timeout(&name, timeout)),
            params: params.unwrap_or_default(),
            sources: self.patterns(&name, "sources", raw.sources),
            outputs: self.patterns(&name, "outputs", raw.outputs),
            name_span: raw.name.span(),
            name,
        }
    }

    fn check_task_name(&mut self, name: &Spanned<String>) {
        if let Some((label, help)) = name_problem(name.get_ref()) {
            let message = match name.get_ref().as_str() {
                "" => "empty task name".to_owned(),
                text => format!("invalid task name `{text}`"),
            };
            self.problem(Diagnostic::new(message, name.span(), label).with_help(help));
        }
    }

    fn check_alias_name(&mut self, task: &str, alias: &Spanned<String>) {
        if let Some((label, help)) = name_problem(alias.get_ref()) {
            let message = match alias.get_ref().as_str() {
                "" => format!("empty alias in task `{task}`"),
                text => format!("invalid alias `{text}` of task `{task}`"),
            };
            self.problem(Diagnostic::new(message, alias.span(), label).with_help(help));
        }
    }

    /// A task name or alias is unique across all tasks and aliases, or `rask NAME` is ambiguous.
    fn check_aliases(&mut self, tasks: &[Task]) {
        let mut owners: HashMap<&str, &str> = tasks
            .iter()
            .map(|task| (task.name.as_str(), task.name.as_str()))
            .collect();
        for task in tasks {
            for alias in &task.aliases {
                let Some(&owner) = owners.get(alias.name.as_str()) else {
                    owners.insert(&alias.name, &task.name);
                    continue;
                };
                let (message, label) = if alias.name == task.name {
                    (
                        format!("alias `{}` of task `{owner}` is its own name", alias.name),
                        "same as the task name",
                    )
                } else if owner == task.name {
                    (
                        format!("duplicate alias `{}` in task `{owner}`", alias.name),
                        "listed twice",
                    )
                } else {
                    (
                        format!(
                            "alias `{}` of task `{}` is already used by task `{owner}`",
                            alias.name, task.name
                        ),
                        "already used",
                    )
                };
                self.problem(Diagnostic::new(message, alias.span.clone(), label));
            }
        }
    }

    fn command(&mut self, task: &str, command: Spanned<RawCommand>) -> Option<Command> {
        let span = command.span();
        match command.into_inner() {
            RawCommand::Shell(line) if line.trim().is_empty() => self.problem(
                Diagnostic::new(
                    format!("empty command in task `{task}`"),
                    span,
                    "empty command",
                )
                .with_help("write a command here, or remove it"),
            ),
            RawCommand::Shell(line) => return Some(Command::Shell(line)),
            RawCommand::Argv(words) => match words.first() {
                None => self.problem(
                    Diagnostic::new(
                        format!("empty command in task `{task}`"),
                        span,
                        "no program",
                    )
                    .with_help(
                        "an argv command starts with the program, like [\"cargo\", \"build\"]",
                    ),
                ),
                Some(program) if program.get_ref().trim().is_empty() => {
                    self.problem(Diagnostic::new(
                        format!("empty program name in task `{task}`"),
                        program.span(),
                        "empty program name",
                    ));
                }
                Some(_) => {
                    return Some(Command::Argv(
                        words.into_iter().map(Spanned::into_inner).collect(),
                    ));
                }
            },
        }
        None
    }

    /// Every `{{ name }}` in a command must name a declared parameter of its task.
    fn check_placeholders(&mut self, task: &str, command: &Spanned<RawCommand>, params: &[Param]) {
        let strings: Vec<(&str, Span)> = match command.get_ref() {
            RawCommand::Shell(line) => vec![(line.as_str(), command.span())],
            RawCommand::Argv(words) => words
                .iter()
                .map(|word| (word.get_ref().as_str(), word.span()))
                .collect(),
        };
        for (string, span) in strings {
            for (name, range) in placeholders(string) {
                if params.iter().any(|param| param.name == name) {
                    continue;
                }
                let candidates = params.iter().map(|param| param.name.as_str());
                let diagnostic = Diagnostic::new(
                    format!("unknown parameter `{name}` in task `{task}`"),
                    self.span_within(&span, string, range),
                    "not a declared parameter",
                );
                let diagnostic = match suggest(name, candidates) {
                    Some(similar) => diagnostic.with_suggestion(Some(similar)),
                    None => diagnostic.with_help(format!(
                        "declare it in the task: `params = [{{ name = \"{name}\" }}]`"
                    )),
                };
                self.problem(diagnostic);
            }
        }
    }

    /// The span of `range` of `value`, if the string at `span` was written without escapes
    /// (so its bytes appear verbatim in the source); else the whole string's span.
    fn span_within(&self, span: &Span, value: &str, range: Span) -> Span {
        let written = self.text.get(span.clone()).unwrap_or_default();
        match written.find(value) {
            Some(offset) if !value.is_empty() => {
                let start = span.start + offset;
                start + range.start..start + range.end
            }
            _ => span.clone(),
        }
    }

    fn params(&mut self, task: &str, raw: Vec<RawParam>) -> Vec<Param> {
        let mut params: Vec<Param> = Vec::new();
        for raw in raw {
            let Some(param) = self.param(task, raw) else {
                continue;
            };
            if params.iter().any(|earlier| earlier.name == param.name) {
                self.problem(Diagnostic::new(
                    format!("duplicate parameter `{}` in task `{task}`", param.name),
                    param.span,
                    "declared again here",
                ));
            } else {
                params.push(param);
            }
        }
        params
    }

    /// A parameter whose only problem is its name is still returned, so that commands using
    /// it are not reported a second time as using an unknown parameter.
    fn param(&mut self, task: &str, raw: RawParam) -> Option<Param> {
        let Some(name) = raw.name else {
            self.problem(
                Diagnostic::new(
                    format!("parameter without a `name` in task `{task}`"),
                    raw.span,
                    "missing `name`",
                )
                .with_help("add `name = \"...\"` to the parameter table"),
            );
            return None;
        };
        self.check_param_name(task, &name);
        let is_set = |key: &Option<Spanned<bool>>| key.as_ref().is_some_and(|key| *key.get_ref());
        let kind = if is_set(&raw.flag) {
            self.check_flag(task, name.get_ref(), &raw.default, &raw.required);
            ParamKind::Flag
        } else {
            if let (true, Some(default)) = (is_set(&raw.required), &raw.default) {
                self.problem(
                    Diagnostic::new(
                        format!(
                            "required parameter `{}` in task `{task}` has a `default`",
                            name.get_ref()
                        ),
                        default.span(),
                        "a default makes it optional",
                    )
                    .with_help("remove `required = true` or the `default`"),
                );
            }
            ParamKind::Value {
                default: raw.default.map(Spanned::into_inner),
                required: is_set(&raw.required),
            }
        };
        Some(Param {
            span: name.span(),
            name: name.into_inner(),
            help: raw.help,
            kind,
        })
    }

    fn check_param_name(&mut self, task: &str, name: &Spanned<String>) {
        let text = name.get_ref();
        if text == "help" {
            self.problem(
                Diagnostic::new(
                    format!("parameter name `help` in task `{task}` is reserved"),
                    name.span(),
                    "reserved",
                )
                .with_help("every task already takes `--help`; choose another name"),
            );
        } else if !is_identifier(text) {
            self.problem(
                Diagnostic::new(
                    format!("invalid parameter name `{text}` in task `{task}`"),
                    name.span(),
                    "not a valid name",
                )
                .with_help("use letters, digits, `-` and `_`, not starting with `-`"),
            );
        }
    }

    /// A flag is `false` unless given, so a default or `required` would contradict it.
    fn check_flag(
        &mut self,
        task: &str,
        name: &str,
        default: &Option<Spanned<String>>,
        required: &Option<Spanned<bool>>,
    ) {
        let help = format!("a flag is `false` unless given as `--{name}`");
        if let Some(default) = default {
            self.problem(
                Diagnostic::new(
                    format!("flag parameter `{name}` in task `{task}` cannot have a `default`"),
                    default.span(),
                    "not allowed on a flag",
                )
                .with_help(help.clone()),
            );
        }
        if let Some(required) = required.as_ref().filter(|required| *required.get_ref()) {
            self.problem(
                Diagnostic::new(
                    format!("flag parameter `{name}` in task `{task}` cannot be `required`"),
                    required.span(),
                    "not allowed on a flag",
                )
                .with_help(help),
            );
        }
    }

    fn timeout(&mut self, task: &str, timeout: Spanned<String>) -> Option<Duration> {
        let text = timeout.get_ref().trim();
        match humantime::parse_duration(text) {
            Ok(duration) if duration.is_zero() => self.problem(
                Diagnostic::new(
                    format!("zero `timeout` in task `{task}`"),
                    timeout.span(),
                    "zero duration",
                )
                .with_help("leave `timeout` out for no time limit"),
            ),
            Ok(duration) => return Some(duration),
            Err(reason) => self.problem(
                Diagnostic::new(
                    format!("invalid `timeout` `{text}` in task `{task}`"),
                    timeout.span(),
                    reason.to_string(),
                )
                .with_help("write a duration like `30s`, `1m 30s` or `500ms`"),
            ),
        }
        None
    }

    /// Glob patterns are kept as written; only an empty one, which matches nothing, is refused.
    fn patterns(&mut self, task: &str, key: &str, patterns: Vec<Spanned<String>>) -> Vec<String> {
        for pattern in &patterns {
            if pattern.get_ref().trim().is_empty() {
                self.problem(Diagnostic::new(
                    format!("empty pattern in `{key}` of task `{task}`"),
                    pattern.span(),
                    "empty pattern",
                ));
            }
        }
        patterns.into_iter().map(Spanned::into_inner).collect()
    }
}

fn name_refs(names: Vec<Spanned<String>>) -> Vec<NameRef> {
    names.into_iter().map(name_ref).collect()
}

fn name_ref(name: Spanned<String>) -> NameRef {
    NameRef {
        span: name.span(),
        name: name.into_inner(),
    }
}

/// What makes `name` unusable as a task name or alias on the command line: (label, help).
fn name_problem(name: &str) -> Option<(&'static str, &'static str)> {
    if name.is_empty() {
        Some(("empty name", "a name needs at least one character"))
    } else if name.chars().any(char::is_whitespace) {
        Some(("contains whitespace", "use `-` or `_` between words"))
    } else if name.starts_with('-') {
        Some((
            "starts with `-`",
            "a name starting with `-` would be read as a command-line option",
        ))
    } else {
        None
    }
}

/// Letters, digits, `-` and `_`, not starting with `-` (it becomes `--NAME` on the command line).
fn is_identifier(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with('-')
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || c == '-' || c == '_')
}

/// Every `{{ name }}` in `command`: the name and the byte range of the whole placeholder.
///
/// Braces around anything that is not an identifier are left alone, so commands can still
/// contain other brace syntax (`${{ … }}` in CI snippets, Go templates) as long as it is not
/// a bare name.
fn placeholders(command: &str) -> Vec<(&str, Span)> {
    let mut found = Vec::new();
    let mut from = 0;
    while let Some(open) = command.get(from..).and_then(|rest| rest.find("{{")) {
        let open = from + open;
        let Some(close) = command[open + 2..].find("}}").map(|close| open + 2 + close) else {
            break;
        };
        let inner = command[open + 2..close].trim();
        if is_identifier(inner) {
            found.push((inner, open..close + 2));
            from = close + 2;
        } else {
            from = open + 2;
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;
    use std::time::Duration;

    use super::{Command, ConfigError, NameRef, ParamKind, Settings, Source, TaskFile, parse};

    fn source(text: &str) -> Source {
        Source::in_memory(text)
    }

    fn parse_ok(text: &str) -> TaskFile {
        match parse(&source(text)) {
            Ok(file) => file,
            Err(ConfigError::Invalid { file, diagnostics }) => panic!(
                "unexpected problems:\n{}",
                diagnostics
                    .iter()
                    .map(|diagnostic| diagnostic.render(&file, false))
                    .collect::<String>()
            ),
            Err(error) => panic!("unexpected error: {error}"),
        }
    }

    /// Every problem, rendered without colour, separated by blank lines.
    fn render_errors(text: &str) -> String {
        match parse(&source(text)) {
            Ok(_) => panic!("expected problems in:\n{text}"),
            Err(ConfigError::Invalid { file, diagnostics }) => diagnostics
                .iter()
                .map(|diagnostic| diagnostic.render(&file, false))
                .collect::<Vec<_>>()
                .join("\n\n"),
            Err(error) => panic!("unexpected error: {error}"),
        }
    }

    fn shell(line: &str) -> Command {
        Command::Shell(line.to_owned())
    }

    fn argv(words: &[&str]) -> Command {
        Command::Argv(words.iter().map(|word| (*word).to_owned()).collect())
    }

    fn names(refs: &[NameRef]) -> Vec<&str> {
        refs.iter().map(|name| name.name.as_str()).collect()
    }

    fn strings(items: &[&str]) -> Vec<String> {
        items.iter().map(|item| (*item).to_owned()).collect()
    }

    const EVERY_KEY: &str = r#"
[settings]
shell = ["bash", "-euo", "pipefail", "-c"]
jobs = 4
dotenv = [".env", ".env.local"]

[env]
RUST_LOG = "info"
PORT = 8080
VERBOSE = true

[tasks.build]
description = "Build it"
run = ["cargo build", ["cargo", "test", "--all"]]
depends = ["lint", "gen"]
depends_post = "cleanup"
env = { A = "1", B = 2 }
dir = "sub/dir"
alias = ["b", "bld"]
hide = true
timeout = "1m 30s"
sources = ["src/**/*.rs", "Cargo.toml"]
outputs = "target/app"

[tasks.greet]
run = "echo Hello {{name}} {{ loud }}"
params = [
  { name = "name", default = "World", help = "who to greet" },
  { name = "loud", flag = true, help = "shout" },
  { name = "target", required = true },
]
"#;

    #[test]
    fn parses_every_key_into_the_model() {
        let file = parse_ok(EVERY_KEY);
        assert!(file.path.is_absolute());
        assert!(file.path.ends_with("tasks.toml"));
        assert_eq!(Some(file.root.as_path()), file.path.parent());
        assert_eq!(
            file.settings,
            Settings {
                shell: strings(&["bash", "-euo", "pipefail", "-c"]),
                jobs: Some(4),
                dotenv: vec![PathBuf::from(".env"), PathBuf::from(".env.local")],
            }
        );
        assert_eq!(
            file.env,
            [("RUST_LOG", "info"), ("PORT", "8080"), ("VERBOSE", "true")]
                .map(|(name, value)| (name.to_owned(), value.to_owned()))
        );
        let [build, greet] = file.tasks.as_slice() else {
            panic!("expected two tasks, got {:?}", file.tasks);
        };

        assert_eq!(build.name, "build");
        assert_eq!(&EVERY_KEY[build.name_span.clone()], "build");
        assert_eq!(build.description.as_deref(), Some("Build it"));
        assert_eq!(
            build.run,
            [shell("cargo build"), argv(&["cargo", "test", "--all"])]
        );
        assert_eq!(names(&build.depends), ["lint", "gen"]);
        assert_eq!(&EVERY_KEY[build.depends[1].span.clone()], "\"gen\"");
        assert_eq!(names(&build.depends_post), ["cleanup"]);
        assert_eq!(
            &EVERY_KEY[build.depends_post[0].span.clone()],
            "\"cleanup\""
        );
        assert_eq!(
            build.env,
            [("A", "1"), ("B", "2")].map(|(name, value)| (name.to_owned(), value.to_owned()))
        );
        assert_eq!(build.dir, Some(file.root.join("sub/dir")));
        assert_eq!(names(&build.aliases), ["b", "bld"]);
        assert_eq!(&EVERY_KEY[build.aliases[0].span.clone()], "\"b\"");
        assert!(build.hide);
        assert_eq!(build.timeout, Some(Duration::from_secs(90)));
        assert!(build.params.is_empty());
        assert_eq!(build.sources, strings(&["src/**/*.rs", "Cargo.toml"]));
        assert_eq!(build.outputs, strings(&["target/app"]));

        assert_eq!(greet.name, "greet");
        assert_eq!(greet.run, [shell("echo Hello {{name}} {{ loud }}")]);
        assert!(!greet.hide);
        assert_eq!(greet.timeout, None);
        assert_eq!(greet.dir, None);
        let params: Vec<_> = greet
            .params
            .iter()
            .map(|param| (param.name.as_str(), param.help.as_deref(), &param.kind))
            .collect();
        assert_eq!(
            params,
            [
                (
                    "name",
                    Some("who to greet"),
                    &ParamKind::Value {
                        default: Some("World".to_owned()),
                        required: false
                    }
                ),
                ("loud", Some("shout"), &ParamKind::Flag),
                (
                    "target",
                    None,
                    &ParamKind::Value {
                        default: None,
                        required: true
                    }
                ),
            ]
        );
        assert_eq!(&EVERY_KEY[greet.params[2].span.clone()], "\"target\"");
    }

    #[test]
    fn defaults_apply_to_an_empty_file() {
        let file = parse_ok("");
        assert_eq!(file.settings, Settings::default());
        assert_eq!(file.settings.shell, ["sh", "-c"]);
        assert!(file.env.is_empty());
        assert!(file.tasks.is_empty());
    }

    #[test]
    fn keeps_tasks_in_file_order() {
        let file = parse_ok(
            "[tasks.zeta]\nrun = \"z\"\n[tasks.alpha]\nrun = \"a\"\n[tasks.mid]\nrun = \"m\"\n",
        );
        let order: Vec<_> = file.tasks.iter().map(|task| task.name.as_str()).collect();
        assert_eq!(order, ["zeta", "alpha", "mid"]);
    }

    #[test]
    fn accepts_the_short_form() {
        let text = "[tasks]\nlint = \"cargo clippy\"\nci = [\"cargo fmt --check\", [\"cargo\", \"test\"]]\n\n[tasks.build]\nrun = \"cargo build\"\n";
        let file = parse_ok(text);
        let [lint, ci, build] = file.tasks.as_slice() else {
            panic!("expected three tasks, got {:?}", file.tasks);
        };
        assert_eq!(lint.name, "lint");
        assert_eq!(&text[lint.name_span.clone()], "lint");
        assert_eq!(lint.run, [shell("cargo clippy")]);
        assert_eq!(
            ci.run,
            [shell("cargo fmt --check"), argv(&["cargo", "test"])]
        );
        assert_eq!(build.run, [shell("cargo build")]);
    }

    #[test]
    fn accepts_one_string_or_an_array_for_lists() {
        let file = parse_ok(
            "[settings]\ndotenv = \".env\"\n[tasks.a]\ndepends = \"b\"\nalias = \"x\"\nsources = \"src/*\"\n[tasks.b]\ndepends = []\nalias = [\"y\", \"z\"]\n",
        );
        assert_eq!(file.settings.dotenv, [PathBuf::from(".env")]);
        let [a, b] = file.tasks.as_slice() else {
            panic!("expected two tasks");
        };
        assert_eq!(names(&a.depends), ["b"]);
        assert_eq!(names(&a.aliases), ["x"]);
        assert_eq!(a.sources, ["src/*"]);
        assert!(b.depends.is_empty());
        assert_eq!(names(&b.aliases), ["y", "z"]);
    }

    #[test]
    fn mixes_shell_and_argv_commands() {
        let file = parse_ok(
            "[tasks.a]\nrun = [[\"ls\", \"-l\", \"\"], \"echo hi\", [\"true\"]]\n[tasks.b]\nrun = []\n",
        );
        assert_eq!(
            file.tasks[0].run,
            [argv(&["ls", "-l", ""]), shell("echo hi"), argv(&["true"])]
        );
        assert!(file.tasks[1].run.is_empty());
    }

    #[test]
    fn accepts_params_as_an_array_of_tables() {
        let file = parse_ok(
            "[tasks.deploy]\nrun = [[\"deploy\", \"{{env}}\"]]\n[[tasks.deploy.params]]\nname = \"env\"\ndefault = \"staging\"\n",
        );
        let param = &file.tasks[0].params[0];
        assert_eq!(param.name, "env");
        assert_eq!(
            param.kind,
            ParamKind::Value {
                default: Some("staging".to_owned()),
                required: false
            }
        );
    }

    #[test]
    fn finds_placeholders() {
        assert_eq!(
            super::placeholders("a {{x}} {{ y-z }} {{ not ok }} ${{ a.b }} {{_1}}"),
            [("x", 2..7), ("y-z", 8..17), ("_1", 42..48)]
        );
        assert!(super::placeholders("{{ {{x").is_empty());
        assert_eq!(super::placeholders("{{ {{x}}"), [("x", 3..8)]);
    }

    #[test]
    fn never_panics_on_odd_input() {
        for text in [
            "[tasks.a]\nrun = \"é {{ü}}\"",
            "[tasks.\"\"]\nrun = \"x\"",
            "[tasks]\na = 1.5\nb = 1979-05-27T07:32:00Z\n",
            "[tasks.a]\nrun = \"\\u00e9{{x}}\"",
            "[tasks.a]\nparams = [1, { name = 2 }, {}]",
            "tasks = 3\nsettings = []\nenv = \"x\"",
            "[settings]\njobs = 99999999999999999999\n",
            "[tasks.a]\nrun = \"\"\"\n{{x}}\"\"\"",
            "[tasks.a",
            "=",
            "\u{feff}[tasks.é]\nrun = 'x'",
            "[tasks.a]\r\nrun = 3\r\n",
            "[tasks.a]\n\trun = [[\"\t\"]]\n",
        ] {
            let result = parse(&source(text));
            if let Err(ConfigError::Invalid { file, diagnostics }) = result {
                for diagnostic in diagnostics {
                    assert!(diagnostic.render(&file, false).starts_with("error: "));
                    assert!(!diagnostic.render(&file, true).is_empty());
                }
            }
        }
    }

    #[test]
    fn counts_lines_and_columns_in_crlf_files() {
        let rendered = render_errors("[tasks.a]\r\nrun = \"x\"\r\nhide = 3\r\n");
        assert!(rendered.contains(" --> tasks.toml:3:8\n"), "{rendered}");
    }

    #[test]
    fn unknown_key_with_suggestion() {
        insta::assert_snapshot!(render_errors(
            "[tasks.lint]\nrun = \"cargo clippy\"\n\n[tasks.build]\nrun = \"cargo build\"\ndependz = [\"lint\"]\n"
        ));
    }

    #[test]
    fn unknown_key_without_suggestion() {
        insta::assert_snapshot!(render_errors(
            "[settings]\nshell = [\"bash\", \"-c\"]\ncolour = \"always\"\n"
        ));
    }

    #[test]
    fn reports_every_problem_at_once() {
        insta::assert_snapshot!(render_errors(
            r#"[setings]
jobs = 2

[tasks.build]
run = "cargo build"
hide = 3
timeout = "soon"

[tasks.test]
run = ""
depends = ["build"]
alias = "b"

[tasks.check]
alias = ["b"]
params = [{ name = "x", flagg = true }]
"#
        ));
    }

    #[test]
    fn toml_syntax_error() {
        insta::assert_snapshot!(render_errors(
            "[tasks.build]\nrun = \"cargo build\"\ndepends = [\"lint\"\n"
        ));
    }

    #[test]
    fn wrong_types() {
        insta::assert_snapshot!(render_errors(
            "[settings]\njobs = \"4\"\nshell = \"bash -c\"\n\n[tasks.build]\nrun = 3\nhide = \"yes\"\ndepends = [\"lint\", 2]\nenv = { A = [1] }\n"
        ));
    }

    #[test]
    fn bad_duration() {
        insta::assert_snapshot!(render_errors(
            "[tasks.slow]\nrun = \"sleep 100\"\ntimeout = \"soon\"\n\n[tasks.never]\nrun = \"true\"\ntimeout = \"0s\"\n\n[tasks.unit]\nrun = \"true\"\ntimeout = \"5 parsecs\"\n"
        ));
    }

    #[test]
    fn empty_commands() {
        insta::assert_snapshot!(render_errors(
            "[tasks.a]\nrun = \"\"\n[tasks.b]\nrun = [\"echo ok\", \"   \"]\n[tasks.c]\nrun = [[]]\n[tasks.d]\nrun = [[\"\", \"x\"]]\n"
        ));
    }

    #[test]
    fn duplicate_aliases() {
        insta::assert_snapshot!(render_errors(
            "[tasks.build]\nrun = \"cargo build\"\nalias = [\"b\", \"test\"]\n\n[tasks.bench]\nrun = \"cargo bench\"\nalias = [\"b\", \"bench\"]\n\n[tasks.test]\nrun = \"cargo test\"\nalias = [\"t\", \"t\"]\n"
        ));
    }

    #[test]
    fn bad_task_names() {
        insta::assert_snapshot!(render_errors(
            "[tasks.\"my task\"]\nrun = \"x\"\n\n[tasks.-v]\nrun = \"x\"\n\n[tasks.\"\"]\nrun = \"x\"\n\n[tasks.ok]\nrun = \"x\"\nalias = \"-o\"\n"
        ));
    }

    #[test]
    fn bad_params() {
        insta::assert_snapshot!(render_errors(
            r#"[tasks.greet]
run = "echo {{ nmae }} {{who}}"
params = [
  { name = "name", default = "World" },
  { name = "loud", flag = true, default = "no", required = true },
  { name = "target", required = true, default = "x" },
  { name = "name" },
  { name = "help" },
  { name = "-x" },
  { help = "no name" },
  { name = "y", hlep = "typo" },
]
"#
        ));
    }

    #[test]
    fn bad_settings() {
        insta::assert_snapshot!(render_errors(
            "[settings]\nshell = []\njobs = 0\n\n[env]\n\"A=B\" = \"1\"\n"
        ));
    }

    #[test]
    fn points_inside_strings_only_when_written_verbatim() {
        insta::assert_snapshot!(render_errors(
            "[tasks.a]\nrun = [\"echo \\\"{{x}}\\\"\", [\"echo\", \"--{{ y }}\"]]\n"
        ));
    }
}
