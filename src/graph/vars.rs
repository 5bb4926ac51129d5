//! The value of every `{{ name }}` a planned task uses: its parameters, then its own vars,
//! then the top-level vars. The main type here is [`Vars`].
//!
//! Computed vars (`{ sh = "…" }`) run here, while planning, before the scheduler starts: at
//! most once per invocation, and only when a task in the plan uses them, so `--list` and
//! `--graph` (which never plan commands) run none, and a failing var is an error only when
//! something uses it.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use super::GraphError;
use crate::config::{Task, TaskFile, Var, VarValue, placeholder};
use crate::graph::substitute::{Quoting, substitute};

/// A var's value once looked at: `None` while not needed yet, `Some(None)` if it failed (the
/// failure is reported once, however many tasks use it).
type Memo = Option<Option<String>>;

/// Names and their values, for one task's substitution; the names are borrowed from the
/// templates that use them (a plan makes one of these per task).
pub(crate) type Bindings<'t> = Vec<(&'t str, String)>;

/// The vars of one plan, evaluated on demand.
pub(crate) struct Vars<'f> {
    file: &'f TaskFile,
    globals: Vec<Memo>,
    /// Per included file, its own vars.
    included: Vec<Vec<Memo>>,
    /// Every var that failed, in the order it was needed.
    pub(crate) errors: Vec<GraphError>,
    /// Env values' commands (`{ sh = … }`) run so far, by command and directory: each runs
    /// once per invocation however many tasks get it. `None`: it failed.
    env_runs: HashMap<(String, PathBuf), Option<String>>,
}

/// Where a name is looked up: a task's scope (its parameter values and vars, then its file's
/// vars), an included file's (its vars, then the root's), or the root file's alone.
#[derive(Clone, Copy)]
enum Scope<'a> {
    Top,
    Included(usize),
    Task {
        task: &'a Task,
        params: &'a [String],
    },
}

impl<'f> Vars<'f> {
    pub(crate) fn new(file: &'f TaskFile) -> Self {
        Vars {
            file,
            globals: vec![None; file.vars.len()],
            included: file
                .includes
                .iter()
                .map(|include| vec![None; include.vars.len()])
                .collect(),
            errors: Vec::new(),
            env_runs: HashMap::new(),
        }
    }

    /// The values of every name `templates` use, in the scope of a file's top level (its
    /// `[env]` values): the root's, or that of the included file `include`.
    pub(crate) fn file_bindings<'t>(
        &mut self,
        include: Option<usize>,
        templates: impl Iterator<Item = &'t str>,
    ) -> Bindings<'t> {
        let scope = include.map_or(Scope::Top, Scope::Included);
        self.bindings(scope, &mut [], templates)
    }

    /// The values of every name the task's commands, env, dir, sources and outputs use.
    pub(crate) fn task_bindings(&mut self, task: &'f Task, params: &[String]) -> Bindings<'f> {
        let mut task_vars = vec![None; task.vars.len()];
        let scope = Scope::Task { task, params };
        self.bindings(scope, &mut task_vars, task_templates(task))
    }

    fn bindings<'t>(
        &mut self,
        scope: Scope<'_>,
        task_vars: &mut [Memo],
        templates: impl Iterator<Item = &'t str>,
    ) -> Bindings<'t> {
        let mut bindings: Bindings<'t> = Vec::new();
        for template in templates {
            for found in placeholder::placeholders(template) {
                if bindings.iter().any(|(name, _)| *name == found.name) {
                    continue;
                }
                if let Some(value) = self.lookup(scope, task_vars, found.name) {
                    bindings.push((found.name, value));
                }
            }
        }
        bindings
    }

    /// The value of `name` in `scope`; `None` if it failed (or, past validation, never).
    fn lookup(&mut self, scope: Scope<'_>, task_vars: &mut [Memo], name: &str) -> Option<String> {
        if let Scope::Task { task, params } = scope {
            if let Some(position) = task.params.iter().position(|param| param.name == name) {
                return params.get(position).cloned();
            }
            if let Some(index) = task.vars.iter().position(|var| var.name == name) {
                if task_vars[index].is_none() {
                    let value = self.evaluate(&task.vars[index], scope, task_vars);
                    task_vars[index] = Some(value);
                }
                return task_vars[index].clone().flatten();
            }
        }
        let file = self.file;
        let include = match scope {
            Scope::Top => None,
            Scope::Included(index) => Some(index),
            Scope::Task { task, .. } => task.include,
        };
        if let Some(include) = include {
            let vars = &file.includes[include].vars;
            if let Some(index) = vars.iter().position(|var| var.name == name) {
                if self.included[include][index].is_none() {
                    let value = self.evaluate(&vars[index], Scope::Included(include), &mut []);
                    self.included[include][index] = Some(value);
                }
                return self.included[include][index].clone().flatten();
            }
        }
        let index = file.vars.iter().position(|var| var.name == name)?;
        if self.globals[index].is_none() {
            let value = self.evaluate(&file.vars[index], Scope::Top, &mut []);
            self.globals[index] = Some(value);
        }
        self.globals[index].clone().flatten()
    }

    /// A var's value: its text with the names it uses substituted, or its command's output.
    /// Validation ruled out cycles, so the recursion ends.
    fn evaluate(&mut self, var: &Var, scope: Scope<'_>, task_vars: &mut [Memo]) -> Option<String> {
        // The caller's environment first: the default (and what it uses) is then not needed.
        if let VarValue::Env { name, .. } = &var.value {
            if let Some(value) = std::env::var_os(name) {
                return Some(value.to_string_lossy().into_owned());
            }
        }
        let text = var.value.template();
        let mut bindings: Bindings<'_> = Vec::new();
        for found in placeholder::placeholders(text) {
            let value = self.lookup(scope, task_vars, found.name)?;
            bindings.push((found.name, value));
        }
        let lookup = |name: &str| {
            bindings
                .iter()
                .find(|(known, _)| *known == name)
                .map(|(_, value)| value.as_str())
        };
        match &var.value {
            VarValue::Given(value) => Some(value.clone()),
            VarValue::Literal(_) | VarValue::Env { .. } => {
                Some(substitute(text, Quoting::Verbatim, lookup))
            }
            VarValue::Shell(_) => {
                let command = substitute(text, Quoting::Shell, lookup);
                let dir = match scope {
                    Scope::Top => &self.file.root,
                    Scope::Included(index) => &self.file.includes[index].dir,
                    Scope::Task { task, .. } => task_dir(self.file, task),
                };
                match run(&self.file.settings.shell, dir, &command) {
                    Ok(value) => Some(value),
                    Err((reason, stderr)) => {
                        self.errors.push(GraphError::VarFailed {
                            name: var.name.clone(),
                            reason,
                            stderr,
                            span: var.value_span,
                        });
                        None
                    }
                }
            }
        }
    }
}

impl Vars<'_> {
    /// An env value's `{ sh = "…" }`, run like a computed var's; `None` (and an error kept
    /// for the plan) when it fails.
    pub(crate) fn run_env(
        &mut self,
        name: &str,
        command: &str,
        dir: &Path,
        span: crate::config::Span,
    ) -> Option<String> {
        let key = (command.to_owned(), dir.to_owned());
        if let Some(known) = self.env_runs.get(&key) {
            return known.clone();
        }
        let value = match run(&self.file.settings.shell, dir, command) {
            Ok(value) => Some(value),
            Err((reason, stderr)) => {
                self.errors.push(GraphError::VarFailed {
                    name: name.to_owned(),
                    reason,
                    stderr,
                    span,
                });
                None
            }
        };
        self.env_runs.insert(key, value.clone());
        value
    }
}

/// The directory a task's relative paths start from: its include's, or the root.
pub(crate) fn task_dir<'f>(file: &'f TaskFile, task: &Task) -> &'f std::path::Path {
    match task.include {
        Some(index) => &file.includes[index].dir,
        None => &file.root,
    }
}

/// Every string of a task that may hold placeholders.
fn task_templates(task: &Task) -> impl Iterator<Item = &str> {
    use crate::config::Command;
    let commands = task.run.iter().flat_map(|step| match &step.command {
        Command::Shell(line) => std::slice::from_ref(line),
        Command::Argv(words) => words.as_slice(),
        Command::Call(_) => &[],
    });
    let calls = task.run.iter().filter_map(crate::config::RunStep::call);
    let call_args = (calls.chain(&task.depends).chain(&task.depends_post))
        .flat_map(|call| call.args.iter().map(|arg| arg.value.as_str()));
    commands
        .map(String::as_str)
        .chain(call_args)
        .chain(super::checks::templates(task))
        .chain(task.env.iter().flat_map(|(_, value)| value.texts()))
        .chain(task.dir.as_deref())
        .chain(task.confirm.as_deref())
        .chain(task.sources.iter().map(String::as_str))
        .chain(task.outputs.iter().map(String::as_str))
}

/// Runs a computed var's command through the file's shell in `dir`, stdin closed; its
/// stdout without trailing newlines, or why it failed and what it printed on stderr.
fn run(shell: &[String], dir: &Path, command: &str) -> Result<String, (String, String)> {
    let (program, leading) = shell
        .split_first()
        .expect("config rejects an empty `shell`");
    let output = duct::cmd(
        program,
        leading.iter().chain(std::iter::once(&command.to_owned())),
    )
    .dir(dir)
    .stdin_null()
    .stdout_capture()
    .stderr_capture()
    .unchecked()
    .run()
    .map_err(|error| (format!("cannot run `{program}`: {error}"), String::new()))?;
    let stderr = String::from_utf8_lossy(&output.stderr)
        .trim_end()
        .to_owned();
    if !output.status.success() {
        let reason = match output.status.code() {
            Some(code) => format!("its command exited with code {code}"),
            None => "its command was killed by a signal".to_owned(),
        };
        return Err((reason, stderr));
    }
    let stdout = String::from_utf8_lossy(&output.stdout);
    Ok(stdout.trim_end_matches(['\n', '\r']).to_owned())
}
