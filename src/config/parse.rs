//! A task file's one path from TOML to model: read every table through the key tables of
//! `keys.rs`, then run the checks that span several keys, collecting every problem before
//! returning. The main function here is [`parse`].

use std::collections::HashMap;
use std::ops::Range;
use std::path::{Path, PathBuf};

use toml::Spanned;
use toml::de::{DeTable, DeValue};

use super::draft::{FileDraft, ParamDraft, TaskDraft, Template};
use super::include;
use super::keys::{PARAM_KEYS, TOP_KEYS};
use super::memo;
use super::namespace;
use super::placeholder::{Form, Malformed, is_identifier, placeholders};
use super::reader::Reader;
use super::script_dir;
use super::{
    ConfigError, Diagnostic, Include, NameRef, Param, ParamKind, Source, Sources, Span, Task,
    TaskFile, ValueType, Var, suggest,
};

/// Parses and validates a whole task file, and every file it includes.
///
/// Either the files are valid in every respect, or every problem found is returned, file by
/// file in reading order, as [`ConfigError::Invalid`].
pub(crate) fn parse(source: &Source) -> Result<TaskFile, ConfigError> {
    // Here, where files are read: the root's size now, an include's or the memo's once read.
    crate::heap::expect_large_input(source.text.len());
    // `absolute` fails only for an empty path; the path as given is then the best there is.
    let path = std::path::absolute(&source.path).unwrap_or_else(|_| source.path.clone());
    if let Some(file) = memo::recall(&path, source) {
        return Ok(file);
    }
    let root = path.parent().map(Path::to_path_buf).unwrap_or_default();
    let mut loader = Loader::default();
    let read = loader.load(source.clone(), None, std::slice::from_ref(&path));
    let Loader {
        sources,
        mut problems,
        mut file,
        includes_read,
        listed_a_directory,
        rejected,
        unread,
    } = loader;
    if read {
        super::task_glob::expand(&mut file);
        namespace::resolve(&mut file, &sources, &mut problems);
        check_aliases(&file.tasks, &mut problems);
    }
    if !read || !problems.is_empty() {
        let partial = read.then(|| {
            Box::new(Partial {
                file,
                rejected,
                names_complete: !unread,
            })
        });
        return Err(invalid(sources, problems, partial));
    }
    let file = TaskFile {
        path,
        root,
        sources,
        ..file
    };
    if !listed_a_directory {
        memo::remember(&file, includes_read);
    }
    Ok(file)
}

/// What could be read of a task file with problems, for the checks that need every task
/// (dependencies, calls, patterns, cycles: `graph::check_partial`), so that their problems
/// are reported with the file's own, not after these are fixed.
#[derive(Debug)]
pub(crate) struct Partial {
    /// Every task read, names resolved as in a valid file.
    pub(crate) file: TaskFile,
    /// Per task of `file.tasks`: its own table (or script header) had a problem, so what it
    /// declares (its parameters, say) may be incomplete; checks against it would be guesses.
    pub(crate) rejected: Vec<bool>,
    /// Every file of the include tree was read: a name not found is really unknown.
    pub(crate) names_complete: bool,
}

/// Reads a root file and, depth first, the files it includes, into one [`TaskFile`].
#[derive(Default)]
struct Loader {
    sources: Sources,
    problems: Vec<Diagnostic>,
    /// Settings, env and vars of the root; every task; every include.
    file: TaskFile,
    /// Every include entry met, in reading order. Everything the loader learns from the file
    /// system besides the root file must be recorded here, or the memo could go stale.
    includes_read: Vec<memo::IncludeRead>,
    /// A directory include was listed: its listing is not something the memo can check, so
    /// such a file is never memoised.
    listed_a_directory: bool,
    /// Per task of `file.tasks`: see [`Partial::rejected`].
    rejected: Vec<bool>,
    /// Some file of the include tree (or script) could not be read: names may be missing.
    unread: bool,
}

impl Loader {
    /// Reads `source` (the root file if `include` is `None`); `chain` holds the paths from the
    /// root down to it, for include cycles. `false` only when the root has a syntax error.
    fn load(&mut self, source: Source, include: Option<usize>, chain: &[PathBuf]) -> bool {
        let id = self.sources.add(source);
        let text = self.sources.get(id).text.as_str();
        let mut reader = Reader {
            file: id,
            text,
            problems: &mut self.problems,
            path: Vec::new(),
        };
        let Some(draft) = read_file(&mut reader) else {
            self.unread = true;
            return include.is_some();
        };
        // An included file's names may also use the root file's vars.
        let root_vars: &[Var] = match include {
            None => &[],
            Some(_) => &self.file.vars,
        };
        let file_vars = &draft.vars;
        check_file_vars(&mut reader, &draft, file_vars, root_vars);
        // A flattened include at the root has no namespace: its tasks keep their names.
        let namespace = include
            .map(|index| self.file.includes[index].namespace.clone())
            .filter(|namespace| !namespace.is_empty());
        for task in draft.tasks {
            self.rejected.push(task.rejected);
            let mut task = finish_task(&mut reader, task, file_vars, root_vars);
            place(&mut task, include, namespace.as_deref());
            self.file.tasks.push(task);
        }
        if let (Some(_), Some(range)) = (include, draft.settings_range) {
            let problem = reader
                .error(
                    "`[settings]` in an included file",
                    range,
                    "only the root task file's settings apply",
                )
                .with_help("move these settings to the root tasks.toml");
            reader.problem(problem);
        }
        let base = self
            .sources
            .get(id)
            .path
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default();
        let requests: Vec<_> = draft
            .includes
            .into_iter()
            .map(|entry| include::Request::new(entry, id, &base))
            .collect();
        match include {
            None => {
                self.file.settings = draft.settings;
                self.file.env = draft.env;
                self.file.vars = draft.vars;
            }
            Some(index) => {
                self.file.includes[index].vars = draft.vars;
                self.file.includes[index].env = draft.env;
            }
        }
        for request in requests {
            self.include(request, include, namespace.as_deref(), chain);
        }
        true
    }

    /// Reads one `[includes]` entry, unless it closes a cycle or is missing.
    fn include(
        &mut self,
        request: include::Request,
        including: Option<usize>,
        parent: Option<&str>,
        chain: &[PathBuf],
    ) {
        if request.scripts {
            self.scripts(request, including, parent);
            return;
        }
        let written = request.written_path();
        let path = include::resolve(&written);
        if let Some(problem) = request.cycle(&path, chain) {
            self.problems.push(problem);
            self.unread = true;
            return;
        }
        let read = std::fs::read_to_string(&path);
        self.includes_read.push(memo::IncludeRead {
            written,
            resolved: path.clone(),
            present: read.is_ok(),
        });
        let text = match read {
            Ok(text) => {
                // A small root that includes a large file: prepared as for a large root.
                crate::heap::expect_large_input(text.len());
                text
            }
            Err(_) if request.optional => return,
            Err(error) => {
                self.problems.push(request.unreadable(&path, &error, chain));
                self.unread = true;
                return;
            }
        };
        let dir = request.task_dir(&path);
        self.file.includes.push(Include {
            namespace: request.full_namespace(parent),
            dir,
            parent: including,
            flatten: request.flatten,
            aliases: request.aliases,
            ..Include::default()
        });
        let index = self.file.includes.len() - 1;
        let mut chain = chain.to_vec();
        chain.push(path.clone());
        self.load(Source { path, text }, Some(index), &chain);
    }

    /// Reads a directory of script tasks: a task for each executable file in it, its header
    /// read for task keys. The tasks run in the directory, and see the includer's vars.
    fn scripts(
        &mut self,
        request: include::Request,
        including: Option<usize>,
        parent: Option<&str>,
    ) {
        let dir = request.scripts_dir();
        self.listed_a_directory = true;
        let files = match script_dir::find(&dir, &mut self.file.warnings) {
            Ok(files) => files,
            Err(_) if request.optional => return,
            Err(error) => {
                self.problems.push(request.unreadable_dir(&error));
                self.unread = true;
                return;
            }
        };
        let (vars, env) = match including {
            Some(index) => {
                let parent = &self.file.includes[index];
                (parent.vars.clone(), parent.env.clone())
            }
            None => (Vec::new(), Vec::new()),
        };
        let namespace = request.full_namespace(parent);
        self.file.includes.push(Include {
            namespace: namespace.clone(),
            dir,
            parent: including,
            flatten: request.flatten,
            aliases: request.aliases.clone(),
            vars,
            env,
        });
        let index = self.file.includes.len() - 1;
        let namespace = Some(namespace).filter(|namespace| !namespace.is_empty());
        for script in files {
            let header = match script.header() {
                Ok(header) => header,
                Err(error) => {
                    self.problems
                        .push(request.unreadable_script(&script.path, &error));
                    self.unread = true;
                    continue;
                }
            };
            let path = script.path.clone();
            let id = self.sources.add(Source { path, text: header });
            let mut reader = Reader {
                file: id,
                text: self.sources.get(id).text.as_str(),
                problems: &mut self.problems,
                // Its header's keys are the task's: a wrong type is `tasks.NAME.KEY`.
                path: vec!["tasks".to_owned(), script.name.clone()],
            };
            let draft = script_dir::read_task(&mut reader, &script);
            self.rejected.push(draft.rejected);
            let file_vars = &self.file.includes[index].vars;
            let mut task = finish_task(&mut reader, draft, file_vars, &self.file.vars);
            place(&mut task, Some(index), namespace.as_deref());
            self.file.tasks.push(task);
        }
    }
}

/// Puts a task read from an included file in its include, under its namespace (if any).
fn place(task: &mut Task, include: Option<usize>, namespace: Option<&str>) {
    if let Some(namespace) = namespace {
        task.name = format!("{namespace}:{}", task.name);
        for alias in &mut task.aliases {
            alias.name = format!("{namespace}:{}", alias.name);
        }
    }
    task.include = include;
}

/// Reads one file's top level. `None` only for a TOML syntax error, which is then the one
/// problem reported: past it, the parser's recovery would only produce guesses.
fn read_file(reader: &mut Reader<'_>) -> Option<FileDraft> {
    let root = match DeTable::parse(reader.text) {
        Ok(root) => root,
        Err(error) => {
            let problem = syntax_error(reader, &error);
            reader.problem(problem);
            return None;
        }
    };
    let mut draft = FileDraft::default();
    let context = |_: &FileDraft| "at the top level".to_owned();
    reader.read_table(root.into_inner(), TOP_KEYS, &mut draft, context);
    Some(draft)
}

pub(super) fn syntax_error(reader: &Reader<'_>, error: &toml::de::Error) -> Diagnostic {
    // toml's message is "headline\nexplanation"; the explanation reads well under the carets.
    let mut lines = error.message().trim_end().splitn(2, '\n');
    let headline = lines.next().unwrap_or("syntax error").trim();
    let label = lines.next().map_or("here", str::trim);
    let end = reader.text.len();
    let range = error.span().unwrap_or(end..end);
    if headline == "duplicate key" {
        return duplicate_key(reader, range);
    }
    reader.error(format!("invalid TOML: {headline}"), range, label)
}

/// toml says only "duplicate key" at the second definition: name the key, and point at the
/// first definition too when a line scan of the file finds it.
fn duplicate_key(reader: &Reader<'_>, range: Range<usize>) -> Diagnostic {
    let text = reader.text;
    let key = text.get(range.clone()).unwrap_or_default().trim();
    let key = key.trim_matches(['"', '\'']);
    let diagnostic = reader.error(
        format!("invalid TOML: duplicate key `{key}`"),
        range.clone(),
        "defined again here",
    );
    let paths = key_lines(text);
    let Some((_, path)) = paths.iter().find(|(line, _)| line.contains(&range.start)) else {
        return diagnostic;
    };
    let first = paths
        .iter()
        .take_while(|(line, _)| line.end <= range.start)
        .find(|(_, earlier)| earlier == path);
    match first {
        Some((line, _)) => {
            let written = &text[line.clone()];
            let start = line.start + (written.len() - written.trim_start().len());
            diagnostic.with_also(reader.span(start..line.end), "first defined here")
        }
        None => diagnostic,
    }
}

/// Each line of `text` that defines a key or opens a table, with the full dotted path it
/// defines (`tasks.build.run`). A scan, not a parser: multi-line strings may fool it, so it
/// serves only to point at a first definition.
fn key_lines(text: &str) -> Vec<(Range<usize>, Vec<String>)> {
    let mut found = Vec::new();
    let mut table: Vec<String> = Vec::new();
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let range = offset..offset + line.trim_end().len();
        offset += line.len();
        let trimmed = line.trim();
        if let Some(header) = trimmed.strip_prefix('[') {
            // An array of tables has no single path: its entries may repeat keys.
            table = match header.strip_suffix(']') {
                Some(name) if !name.starts_with('[') => dotted(name),
                _ => vec!["[[array]]".to_owned()],
            };
            found.push((range, table.clone()));
        } else if let Some((key, _)) = trimmed.split_once('=') {
            if !trimmed.starts_with('#') {
                let mut path = table.clone();
                path.extend(dotted(key));
                found.push((range, path));
            }
        }
    }
    found
}

/// The parts of a dotted key, quotes and spaces removed.
fn dotted(key: &str) -> Vec<String> {
    key.split('.')
        .map(|part| part.trim().trim_matches(['"', '\'']).to_owned())
        .collect()
}

fn invalid(
    sources: Sources,
    mut diagnostics: Vec<Diagnostic>,
    partial: Option<Box<Partial>>,
) -> ConfigError {
    super::in_reading_order(&mut diagnostics);
    ConfigError::Invalid {
        sources: Box::new(sources),
        diagnostics,
        partial,
    }
}

/// The checks that need every key of the task read first. `file_vars` are the vars of the
/// task's own file, `root_vars` those of the root file when that is another one.
fn finish_task(
    reader: &mut Reader<'_>,
    draft: TaskDraft,
    file_vars: &[Var],
    root_vars: &[Var],
) -> Task {
    let task = &draft.task;
    let scope = Scope {
        in_task: true,
        params: &task.params,
        task_vars: &task.vars,
        file_vars,
        root_vars,
    };
    let context = Context::Task(&task.name);
    if !draft.params_unreadable {
        for template in &draft.templates {
            check_placeholders(reader, template, &scope, context);
        }
        for var in &task.vars {
            check_placeholders(reader, &var_template(var), &scope, context);
        }
    }
    check_var_cycles(reader, &task.vars);
    let mut task = draft.task;
    if let Some(run) = draft.platform_run {
        task.run = run;
    }
    task
}

/// Top-level vars may use each other (and an included file's, the root's); `[env]` values
/// may use them.
fn check_file_vars(
    reader: &mut Reader<'_>,
    draft: &FileDraft,
    file_vars: &[Var],
    root_vars: &[Var],
) {
    let scope = Scope {
        in_task: false,
        params: &[],
        task_vars: &[],
        file_vars,
        root_vars,
    };
    for template in &draft.templates {
        check_placeholders(reader, template, &scope, Context::Env);
    }
    for var in &draft.vars {
        let context = Context::Var(&var.name);
        check_placeholders(reader, &var_template(var), &scope, context);
    }
    check_var_cycles(reader, &draft.vars);
}

fn var_template(var: &Var) -> Template {
    Template::new(var.value.template(), var.value_span.range())
}

/// The names a placeholder may use at one place: a task's parameters shadow its vars, which
/// shadow the top-level vars.
struct Scope<'a> {
    /// A task's scope (it has parameters), rather than the top level's.
    in_task: bool,
    params: &'a [Param],
    task_vars: &'a [Var],
    file_vars: &'a [Var],
    root_vars: &'a [Var],
}

impl Scope<'_> {
    fn names(&self) -> impl Iterator<Item = &str> {
        let params = self.params.iter().map(|param| param.name.as_str());
        let vars = self
            .task_vars
            .iter()
            .chain(self.file_vars)
            .chain(self.root_vars);
        params.chain(vars.map(|var| var.name.as_str()))
    }

    fn has_vars(&self) -> bool {
        !self.task_vars.is_empty() || !self.file_vars.is_empty() || !self.root_vars.is_empty()
    }
}

/// Where a placeholder was written, for its problem's headline. Kept unformatted, since the
/// text is needed only when there is a problem, and every task is checked.
#[derive(Clone, Copy)]
enum Context<'a> {
    Task(&'a str),
    Var(&'a str),
    Env,
}

impl std::fmt::Display for Context<'_> {
    fn fmt(&self, out: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Context::Task(task) => write!(out, "in task `{task}`"),
            Context::Var(var) => write!(out, "in variable `{var}`"),
            Context::Env => out.write_str("in `[env]`"),
        }
    }
}

/// Every `{{ name }}` in `template` must name something in `scope`.
fn check_placeholders(
    reader: &mut Reader<'_>,
    template: &Template,
    scope: &Scope<'_>,
    context: Context<'_>,
) {
    for placeholder in placeholders(&template.text) {
        let name = placeholder.name;
        // Locating the placeholder searches the written text, so it is done only for a problem.
        let span = |reader: &Reader<'_>| {
            reader.span_within(
                template.range.clone(),
                &template.text,
                placeholder.range.clone(),
            )
        };
        if let Form::Malformed(reason) = placeholder.form {
            let written = &template.text[placeholder.range.clone()];
            let span = span(reader);
            reader.problem(malformed_word(written, name, reason, span, context));
            continue;
        }
        if scope.names().any(|known| known == name) {
            continue;
        }
        let span = span(reader);
        let (what, help) = match (scope.in_task, scope.has_vars()) {
            (true, false) => (
                "parameter",
                format!("declare it in the task: `params = [{{ name = \"{name}\" }}]`"),
            ),
            (true, true) => (
                "parameter or variable",
                format!("declare it in the task's `params`, or in `[vars]` as `{name} = \"...\"`"),
            ),
            (false, _) => (
                "variable",
                format!("define it in `[vars]`: `{name} = \"...\"`"),
            ),
        };
        let diagnostic = Diagnostic::new(
            format!("unknown {what} `{name}` {context}"),
            span,
            format!("not a declared {what}"),
        );
        let diagnostic = match suggest(name, scope.names()) {
            Some(similar) => diagnostic.with_suggestion(Some(similar)),
            None => diagnostic.with_help(help),
        };
        reader.problem(diagnostic);
    }
}

/// `{{ name ? text }}` whose text is not one quoted string.
fn malformed_word(
    written: &str,
    name: &str,
    reason: Malformed,
    span: Span,
    context: Context<'_>,
) -> Diagnostic {
    let text = written
        .trim_start_matches('{')
        .trim_end_matches('}')
        .split_once('?')
        .map_or("", |(_, text)| text.trim());
    let (label, fixed) = match reason {
        Malformed::Unquoted => ("the text is not in quotes", text.to_owned()),
        Malformed::Unclosed => (
            "the quote is not closed (the text cannot hold `}}`)",
            text.trim_start_matches(['"', '\'']).to_owned(),
        ),
        Malformed::Trailing => {
            let quote = text.chars().next().unwrap_or('"');
            let inner = text[1..].split(quote).next().unwrap_or_default();
            ("something follows the closing quote", inner.to_owned())
        }
    };
    let quote = if fixed.contains('"') { '\'' } else { '"' };
    Diagnostic::new(
        format!("bad optional word `{written}` {context}"),
        span,
        label,
    )
    .with_help(format!(
        "write `{{{{{name} ? {quote}{fixed}{quote}}}}}`: the text, in quotes, substituted when `{name}` is set"
    ))
}

/// A var whose value refers, through other vars of the same table, back to itself.
fn check_var_cycles(reader: &mut Reader<'_>, vars: &[Var]) {
    // Edges: var index → (var index it uses, range of the placeholder in the value).
    let edges: Vec<Vec<(usize, std::ops::Range<usize>)>> = vars
        .iter()
        .map(|var| {
            placeholders(var.value.template())
                .filter_map(|placeholder| {
                    let target = vars
                        .iter()
                        .position(|other| other.name == placeholder.name)?;
                    Some((target, placeholder.range))
                })
                .collect()
        })
        .collect();
    let mut done = vec![false; vars.len()];
    for start in 0..vars.len() {
        let mut stack: Vec<(usize, usize)> = vec![(start, 0)];
        let mut on_stack = vec![false; vars.len()];
        on_stack[start] = true;
        while let Some(&mut (node, ref mut next)) = stack.last_mut() {
            let Some((target, range)) = edges[node].get(*next).cloned() else {
                done[node] = true;
                on_stack[node] = false;
                stack.pop();
                continue;
            };
            *next += 1;
            if on_stack[target] {
                let first = stack.iter().position(|(n, _)| *n == target).unwrap_or(0);
                let mut path: Vec<&str> = stack[first..]
                    .iter()
                    .map(|(n, _)| vars[*n].name.as_str())
                    .collect();
                path.push(&vars[target].name);
                let message = match path.as_slice() {
                    [single, _] => format!("variable `{single}` refers to itself"),
                    _ => format!("variable cycle: {}", path.join(" -> ")),
                };
                let var = &vars[node];
                let span = reader.span_within(var.value_span.range(), var.value.template(), range);
                reader.problem(Diagnostic::new(message, span, "closes the cycle"));
                return;
            }
            if !done[target] {
                on_stack[target] = true;
                stack.push((target, 0));
            }
        }
    }
}

pub(super) fn check_task_name(reader: &mut Reader<'_>, name: &str, span: Span) {
    if let Some((label, help)) = name_problem(name) {
        let message = match name {
            "" => "empty task name".to_owned(),
            text => format!("invalid task name `{text}`"),
        };
        reader.problem(Diagnostic::new(message, span, label).with_help(help));
    }
}

pub(super) fn check_alias_name(reader: &mut Reader<'_>, task: &str, alias: &NameRef) {
    if let Some((label, help)) = name_problem(&alias.name) {
        let message = match alias.name.as_str() {
            "" => format!("empty alias in task `{task}`"),
            text => format!("invalid alias `{text}` of task `{task}`"),
        };
        reader.problem(Diagnostic::new(message, alias.span, label).with_help(help));
    }
}

/// A task name or alias is unique across all tasks and aliases, or `rask NAME` is ambiguous.
fn check_aliases(tasks: &[Task], problems: &mut Vec<Diagnostic>) {
    if tasks.iter().all(|task| task.aliases.is_empty()) {
        return;
    }
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
            problems.push(Diagnostic::new(message, alias.span, label));
        }
    }
}

/// The reader of a task's `params`: an array of tables, inline or as `[[tasks.NAME.params]]`.
pub(super) fn read_params(
    draft: &mut TaskDraft,
    value: Spanned<DeValue<'_>>,
    reader: &mut Reader<'_>,
) {
    let span = value.span();
    let items = match value.into_inner() {
        DeValue::Array(items) => items,
        other => {
            let expected = "an array of parameter tables like [{ name = \"who\" }]";
            reader.wrong_type(&other, span, expected);
            draft.params_unreadable = true;
            return;
        }
    };
    let task = draft.task.name.clone();
    let mut params: Vec<Param> = Vec::new();
    for item in items {
        let range = item.span();
        let table = match item.into_inner() {
            DeValue::Table(table) => table,
            other => {
                reader.wrong_type(&other, range, "a parameter table like { name = \"who\" }");
                continue;
            }
        };
        let Some(param) = read_param(reader, &task, range, table) else {
            continue;
        };
        if params.iter().any(|earlier| earlier.name == param.name) {
            reader.problem(Diagnostic::new(
                format!("duplicate parameter `{}` in task `{task}`", param.name),
                param.span,
                "declared again here",
            ));
        } else {
            params.push(param);
        }
    }
    let before_last = params.len().saturating_sub(1);
    for early in params[..before_last].iter().filter(|param| param.variadic) {
        reader.problem(
            Diagnostic::new(
                format!(
                    "variadic parameter `{}` in task `{task}` is not the last one",
                    early.name
                ),
                early.span,
                "variadic, but followed by others",
            )
            .with_help("only the last parameter can take the remaining words"),
        );
    }
    draft.task.params = params;
}

/// A parameter whose only problem is its name is still returned, so that commands using
/// it are not reported a second time as using an unknown parameter.
fn read_param(
    reader: &mut Reader<'_>,
    task: &str,
    range: std::ops::Range<usize>,
    table: DeTable<'_>,
) -> Option<Param> {
    let mut raw = ParamDraft {
        range,
        ..ParamDraft::default()
    };
    let context = |param: &ParamDraft| match &param.name {
        Some(name) => format!("in parameter `{}` of task `{task}`", name.get_ref()),
        None => format!("in a parameter of task `{task}`"),
    };
    reader.read_table(table, PARAM_KEYS, &mut raw, context);
    let Some(name) = raw.name.take() else {
        let problem = reader
            .error(
                format!("parameter without a `name` in task `{task}`"),
                raw.range,
                "missing `name`",
            )
            .with_help("add `name = \"...\"` to the parameter table");
        reader.problem(problem);
        return None;
    };
    check_param_name(reader, task, &name);
    let is_set = |key: &Option<Spanned<bool>>| key.as_ref().is_some_and(|key| *key.get_ref());
    let kind = if is_set(&raw.flag) {
        check_flag(reader, task, name.get_ref(), &raw.default, &raw.required);
        ParamKind::Flag
    } else {
        if let (true, Some(default)) = (is_set(&raw.required), &raw.default) {
            let problem = reader
                .error(
                    format!(
                        "required parameter `{}` in task `{task}` has a `default`",
                        name.get_ref()
                    ),
                    default.span(),
                    "a default makes it optional",
                )
                .with_help("remove `required = true` or the `default`");
            reader.problem(problem);
        }
        ParamKind::Value {
            default: raw
                .default
                .as_ref()
                .map(|default| default.get_ref().clone()),
            required: is_set(&raw.required),
        }
    };
    let mut param = Param {
        span: reader.span(name.span()),
        name: name.into_inner(),
        help: raw.help.clone(),
        kind,
        variadic: is_set(&raw.variadic) && !is_set(&raw.flag),
        multiple: is_set(&raw.multiple) && !is_set(&raw.flag),
        choices: Vec::new(),
        value_type: ValueType::String,
    };
    check_param_values(reader, task, &mut param, &raw);
    Some(param)
}

/// `variadic`, `choices` and `type`, and whether the default satisfies them.
fn check_param_values(reader: &mut Reader<'_>, task: &str, param: &mut Param, raw: &ParamDraft) {
    let name = param.name.clone();
    let flag = param.kind == ParamKind::Flag;
    let not_on_flag = |reader: &mut Reader<'_>, key: &str, range: std::ops::Range<usize>| {
        let problem = reader
            .error(
                format!("flag parameter `{name}` in task `{task}` cannot be `{key}`"),
                range,
                "not allowed on a flag",
            )
            .with_help("a flag is always `true` or `false`");
        reader.problem(problem);
    };
    if let (true, Some(variadic)) = (flag, &raw.variadic) {
        not_on_flag(reader, "variadic", variadic.span());
    }
    if let (true, Some(multiple)) = (flag, &raw.multiple) {
        not_on_flag(reader, "multiple", multiple.span());
    }
    if let Some(choices) = &raw.choices {
        if flag {
            not_on_flag(reader, "choices", choices.span());
        } else if choices.get_ref().is_empty() {
            let problem = reader
                .error(
                    format!("empty `choices` for parameter `{name}` in task `{task}`"),
                    choices.span(),
                    "no value allowed",
                )
                .with_help("list the values allowed, or leave `choices` out");
            reader.problem(problem);
        }
        param.choices = choices
            .get_ref()
            .iter()
            .map(|c| c.get_ref().clone())
            .collect();
    }
    if let Some(value_type) = &raw.value_type {
        match ValueType::from_name(value_type.get_ref()) {
            _ if flag => not_on_flag(reader, "typed", value_type.span()),
            Some(parsed) => param.value_type = parsed,
            None => {
                let problem = reader
                    .error(
                        format!(
                            "unknown type `{}` for parameter `{name}` in task `{task}`",
                            value_type.get_ref()
                        ),
                        value_type.span(),
                        "not a type",
                    )
                    .with_suggestion(suggest(
                        value_type.get_ref(),
                        ValueType::NAMES.iter().copied(),
                    ))
                    .with_help_if_none("write `type = \"int\"`, `\"bool\"` or `\"string\"`");
                reader.problem(problem);
            }
        }
    }
    if let Some(default) = &raw.default {
        for word in param.words(default.get_ref()) {
            if let Err(expected) = param.check(&word) {
                let problem = reader.error(
                    format!(
                        "default `{word}` of parameter `{name}` in task `{task}` is not {expected}"
                    ),
                    default.span(),
                    format!("expected {expected}"),
                );
                reader.problem(problem);
            }
        }
    }
}

fn check_param_name(reader: &mut Reader<'_>, task: &str, name: &Spanned<String>) {
    let text = name.get_ref();
    let problem = if text == "help" {
        reader
            .error(
                format!("parameter name `help` in task `{task}` is reserved"),
                name.span(),
                "reserved",
            )
            .with_help("every task already takes `--help`; choose another name")
    } else if !is_identifier(text) {
        reader
            .error(
                format!("invalid parameter name `{text}` in task `{task}`"),
                name.span(),
                "not a valid name",
            )
            .with_help("use letters, digits, `-` and `_`, not starting with `-`")
    } else {
        return;
    };
    reader.problem(problem);
}

/// A flag is `false` unless given, so a default or `required` would contradict it.
fn check_flag(
    reader: &mut Reader<'_>,
    task: &str,
    name: &str,
    default: &Option<Spanned<String>>,
    required: &Option<Spanned<bool>>,
) {
    let help = format!("a flag is `false` unless given as `--{name}`");
    if let Some(default) = default {
        let problem = reader
            .error(
                format!("flag parameter `{name}` in task `{task}` cannot have a `default`"),
                default.span(),
                "not allowed on a flag",
            )
            .with_help(help.clone());
        reader.problem(problem);
    }
    if let Some(required) = required.as_ref().filter(|required| *required.get_ref()) {
        let problem = reader
            .error(
                format!("flag parameter `{name}` in task `{task}` cannot be `required`"),
                required.span(),
                "not allowed on a flag",
            )
            .with_help(help);
        reader.problem(problem);
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

#[cfg(test)]
mod tests {
    use std::path::PathBuf;
    use std::time::Duration;

    use super::{ConfigError, NameRef, ParamKind, Source, TaskFile, parse};
    use crate::config::EnvSetting;
    use crate::config::{Command, RunStep, Settings};

    fn source(text: &str) -> Source {
        Source::in_memory(text)
    }

    fn parse_ok(text: &str) -> TaskFile {
        match parse(&source(text)) {
            Ok(file) => file,
            Err(ConfigError::Invalid {
                sources,
                diagnostics,
                ..
            }) => panic!(
                "unexpected problems:\n{}",
                diagnostics
                    .iter()
                    .map(|diagnostic| diagnostic.render(&sources, false))
                    .collect::<String>()
            ),
            Err(error) => panic!("unexpected error: {error}"),
        }
    }

    /// Every problem, rendered without colour, separated by blank lines.
    fn render_errors(text: &str) -> String {
        match parse(&source(text)) {
            Ok(_) => panic!("expected problems in:\n{text}"),
            Err(ConfigError::Invalid {
                sources,
                diagnostics,
                ..
            }) => diagnostics
                .iter()
                .map(|diagnostic| diagnostic.render(&sources, false))
                .collect::<Vec<_>>()
                .join("\n\n"),
            Err(error) => panic!("unexpected error: {error}"),
        }
    }

    fn shell(line: &str) -> RunStep {
        Command::Shell(line.to_owned()).into()
    }

    fn argv(words: &[&str]) -> RunStep {
        Command::Argv(words.iter().map(|word| (*word).to_owned()).collect()).into()
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
                cache_dir: None,
            }
        );
        assert_eq!(
            file.env,
            [("RUST_LOG", "info"), ("PORT", "8080"), ("VERBOSE", "true")]
                .map(|(name, value)| (name.to_owned(), EnvSetting::Set(value.to_owned())))
        );
        let [build, greet] = file.tasks.as_slice() else {
            panic!("expected two tasks, got {:?}", file.tasks);
        };

        assert_eq!(build.name, "build");
        assert_eq!(&EVERY_KEY[build.name_span.range()], "build");
        assert_eq!(build.description.as_deref(), Some("Build it"));
        assert_eq!(
            build.run,
            [shell("cargo build"), argv(&["cargo", "test", "--all"])]
        );
        assert_eq!(names(&build.depends), ["lint", "gen"]);
        assert_eq!(&EVERY_KEY[build.depends[1].span.range()], "\"gen\"");
        assert_eq!(names(&build.depends_post), ["cleanup"]);
        assert_eq!(
            &EVERY_KEY[build.depends_post[0].span.range()],
            "\"cleanup\""
        );
        assert_eq!(
            build.env,
            [("A", "1"), ("B", "2")]
                .map(|(name, value)| (name.to_owned(), EnvSetting::Set(value.to_owned())))
        );
        assert_eq!(build.dir.as_deref(), Some("sub/dir"));
        assert_eq!(names(&build.aliases), ["b", "bld"]);
        assert_eq!(&EVERY_KEY[build.aliases[0].span.range()], "\"b\"");
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
        assert_eq!(&EVERY_KEY[greet.params[2].span.range()], "\"target\"");
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
        assert_eq!(&text[lint.name_span.range()], "lint");
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
            if let Err(ConfigError::Invalid {
                sources,
                diagnostics,
                ..
            }) = result
            {
                for diagnostic in diagnostics {
                    assert!(diagnostic.render(&sources, false).starts_with("error: "));
                    assert!(!diagnostic.render(&sources, true).is_empty());
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
