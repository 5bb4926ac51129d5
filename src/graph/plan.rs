//! The [`Plan`]: the closure of the requested tasks, ordered, with commands ready to spawn.

use std::path::{Path, PathBuf};

use rustc_hash::FxHashMap;

use super::PlannedChecks;
use super::checks::{planned_check, planned_checks};
use super::cycle::{self, Prerequisite};
use super::env::EnvState;
use super::program::Program;
use super::script::{has_scripts, planned_script, script_env};
use super::substitute::{self, Quoting, quote, substitute, substitute_words};
use super::vars::{Bindings, Vars, task_dir};
use super::{GraphError, Names};
use crate::config::{
    Command, EnvSetting, Platform, Task, TaskFile, current_platform, placeholder, task_glob,
};

/// A task's index into the vectors of a [`Plan`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(transparent)]
pub(crate) struct TaskId(pub(crate) u32);

impl TaskId {
    pub(crate) fn index(self) -> usize {
        self.0 as usize
    }
}

/// A plan node's identity: the task's index and its parameter values.
type NodeKey = (usize, Vec<String>);

/// How a task waits for another.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Edge {
    /// `depends`: the prerequisite must succeed first.
    Hard,
    /// `depends_post`: runs after the prerequisite has run, whether it succeeded or not.
    Post,
    /// `wait_for`: runs after the prerequisite has finished, however it ended, when both are
    /// in the run; never pulls the prerequisite in.
    Soft,
}

impl Edge {
    /// The task key that makes this kind of edge.
    pub(crate) fn key(self) -> &'static str {
        match self {
            Edge::Hard => "depends",
            Edge::Post => "depends_post",
            Edge::Soft => "wait_for",
        }
    }
}

/// A task asked for on the command line, with its parameter values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Request {
    /// Index into `TaskFile::tasks`.
    pub(crate) task: usize,
    /// One value per declared parameter, in declaration order.
    pub(crate) values: Vec<String>,
}

/// One command, substituted and quoted, as it will be spawned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PlannedCommand {
    /// What the user sees: the command line as written, after substitution.
    pub(crate) display: String,
    /// What is executed: `display` as a shell line, or words (for a script, the interpreter
    /// and its arguments, empty for a shebang script, to which the script file's path is
    /// appended).
    pub(crate) program: Program,
    /// The command runs only when this check succeeds (a command table's `if`).
    pub(crate) condition: Option<super::PlannedCheck>,
    /// A failure is reported but the task goes on (a command table's `ignore_errors`).
    pub(crate) ignore_errors: bool,
    /// A script, written to a private temp file when the command starts.
    pub(crate) script: Option<Script>,
    /// A task call (`{ task = "lint", … }` in `run`): no process, but the called node, which
    /// the task waits for at this point.
    pub(crate) call: Option<TaskId>,
}

/// A script command's text and arguments: the file's path follows `argv`, then `args`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Script {
    /// The script, values substituted verbatim.
    pub(crate) text: String,
    /// The words given after the task on the command line.
    pub(crate) args: Vec<String>,
}

impl PlannedCommand {
    /// A plain command: no condition, no script, failures not ignored.
    pub(crate) fn new(display: String, program: Program) -> Self {
        PlannedCommand {
            display,
            program,
            condition: None,
            ignore_errors: false,
            script: None,
            call: None,
        }
    }
}

#[derive(Debug)]
pub(crate) struct PlannedTask<'f> {
    pub(crate) task: &'f Task,
    /// The name it is reported under: the task's, or for a task called with other arguments
    /// than its own, the name and the arguments (`build(profile=release)`).
    pub(crate) label: String,
    pub(crate) commands: Vec<PlannedCommand>,
    /// What decides, before the commands, whether the task runs at all.
    pub(crate) checks: PlannedChecks,
    /// The task's `ignore_errors`: a failure ends it as "failed, ignored".
    pub(crate) ignore_errors: bool,
    /// Parameters as environment variables, for a task with scripts (see `script.rs`).
    pub(crate) param_env: Vec<(String, String)>,
    pub(crate) dir: PathBuf,
    /// Reached only through task calls in `run`: it waits until one of them is made, and
    /// is not run at all when none is.
    pub(crate) called_only: bool,
    /// Why the task does not run at all here, e.g. `platforms` leaves this system out: it is
    /// reported as skipped with this note and counts as done for its dependents.
    pub(crate) skip: Option<String>,
    /// The task's env, every layer applied (see `env.rs`); applied over the plan's `env`.
    pub(crate) env: Vec<(String, String)>,
    /// Variables removed from the task's environment (`{ unset = true }`).
    pub(crate) env_remove: Vec<String>,
    /// The `confirm` question, values substituted verbatim.
    pub(crate) confirm: Option<String>,
    /// `sources` and `outputs`, substituted, relative to `dir`.
    pub(crate) sources: Vec<String>,
    pub(crate) outputs: Vec<String>,
}

impl PlannedTask<'_> {
    pub(crate) fn name(&self) -> &str {
        &self.label
    }

    /// Whether the task calls other tasks in `run`. Such a task is never skipped as up to
    /// date: what it calls is not among its inputs (see `cache::Reason::CallsTasks`).
    pub(crate) fn calls_tasks(&self) -> bool {
        self.commands.iter().any(|command| command.call.is_some())
    }
}

/// Everything that will run in one invocation, each task once, in an order respecting every edge.
#[derive(Debug)]
pub(crate) struct Plan<'f> {
    pub(crate) file: &'f TaskFile,
    /// Dotenv files, then `[env]`, applied to every task before its own `env`.
    pub(crate) env: Vec<(String, String)>,
    pub(crate) tasks: Vec<PlannedTask<'f>>,
    pub(crate) prerequisites: Vec<Vec<(TaskId, Edge)>>,
    pub(crate) dependents: Vec<Vec<(TaskId, Edge)>>,
}

/// Every edge of the file, by task index (see [`FileEdge`]).
type FileEdges<'f> = Vec<Vec<FileEdge<'f>>>;

/// One entry of a task's `depends` / `depends_post` / `wait_for`, or a task call of its
/// `run`, resolved.
struct FileEdge<'f> {
    target: usize,
    /// `None` for a call in `run` (the calls come after the edges, in `run` order).
    edge: Option<Edge>,
    span: crate::config::Span,
    values: CallValues<'f>,
}

/// Which node of its target a [`FileEdge`] reaches.
enum CallValues<'f> {
    /// The target's own node (no `args`).
    Own,
    /// The called task's values and the node's label (`build(profile=release)`).
    Fixed(Vec<String>, String),
    /// `args` holding placeholders, substituted in the caller's scope once its values are
    /// known (when planning; `--graph` takes the target's own node).
    Templated(&'f crate::config::NameRef),
}

/// The plan's nodes: a task and its parameter values. A task runs once per distinct set of
/// values, so a task called with different `args` is several nodes.
#[derive(Default)]
struct Nodes {
    keys: Vec<NodeKey>,
    /// Each key's node, so interning stays linear in the edges (a 10,000-task plan has 30,000;
    /// Fx hashing, as the keys come from the file, not from an attacker).
    index: FxHashMap<NodeKey, usize>,
    /// What the node is called in reports: the task's name, or for a call with values other
    /// than the task's own, the name and the arguments.
    labels: Vec<String>,
    /// Each node's edges: target node, kind, where written.
    edges: Vec<Vec<(usize, Edge, crate::config::Span)>>,
    /// Each node's task calls, in `run` order: target node, where written.
    calls: Vec<Vec<(usize, crate::config::Span)>>,
    /// Tasks reached without values for a required parameter (an error only when planning).
    missing: Vec<GraphError>,
}

impl Nodes {
    fn find(&self, task: usize, values: &[String]) -> Option<usize> {
        self.index.get(&(task, values.to_vec())).copied()
    }

    fn intern(
        &mut self,
        task: usize,
        values: Vec<String>,
        label: impl FnOnce() -> String,
    ) -> usize {
        let key = (task, values);
        if let Some(&node) = self.index.get(&key) {
            return node;
        }
        self.index.insert(key.clone(), self.keys.len());
        self.keys.push(key);
        self.labels.push(label());
        self.edges.push(Vec::new());
        self.calls.push(Vec::new());
        self.keys.len() - 1
    }
}

/// Builds the plan for `requests`; `extra` words are appended to the last requested task's
/// last command. Reports every unknown dependency name at once.
pub(crate) fn plan<'f>(
    file: &'f TaskFile,
    requests: &[Request],
    extra: &[String],
) -> Result<Plan<'f>, Vec<GraphError>> {
    let mut vars = Vars::new(file);
    let (mut nodes, order) = edges_and_order(file, requests, Some(&mut vars))?;
    if !nodes.missing.is_empty() {
        return Err(std::mem::take(&mut nodes.missing));
    }
    if !vars.errors.is_empty() {
        return Err(vars.errors);
    }
    let mut global = global_env(file, &mut vars).map_err(|error| vec![error])?;
    let env = (global.state.iter())
        .filter_map(|(name, value)| Some((name.clone(), value.clone()?)))
        .collect();

    let mut id_of = vec![u32::MAX; nodes.keys.len()];
    for (position, &node) in order.iter().enumerate() {
        id_of[node] = position as u32;
    }
    let mut prerequisites = vec![Vec::new(); order.len()];
    let mut dependents = vec![Vec::new(); order.len()];
    for (position, &node) in order.iter().enumerate() {
        for &(target, edge, _) in &nodes.edges[node] {
            let (before, after) = match edge {
                Edge::Hard | Edge::Soft => (id_of[target], position as u32),
                Edge::Post => (position as u32, id_of[target]),
            };
            prerequisites[after as usize].push((TaskId(before), edge));
            dependents[before as usize].push((TaskId(after), edge));
        }
    }

    // Reached otherwise than through a call: requested, or the target of an edge.
    let mut plainly = vec![false; nodes.keys.len()];
    for request in requests {
        if let Some(node) = nodes.find(request.task, &request.values) {
            plainly[node] = true;
        }
    }
    for &(target, _, _) in nodes.edges.iter().flatten() {
        plainly[target] = true;
    }

    let last_requested = requests
        .last()
        .map(|request| (request.task, request.values.clone()));
    // Each node's label moves into its planned task, but a called node's is also shown in its
    // callers' `call …` steps (planned after it), so that one is copied.
    let mut called = vec![false; nodes.keys.len()];
    for &(target, _) in nodes.calls.iter().flatten() {
        called[target] = true;
    }
    let mut labels = std::mem::take(&mut nodes.labels);
    let tasks = order
        .iter()
        .map(|&node| {
            let key = &nodes.keys[node];
            let extra = if last_requested.as_ref() == Some(key) {
                extra
            } else {
                &[]
            };
            let label = if called[node] {
                labels[node].clone()
            } else {
                std::mem::take(&mut labels[node])
            };
            let calls: Vec<(TaskId, &str)> = (nodes.calls[node].iter())
                .map(|&(target, _)| (TaskId(id_of[target]), labels[target].as_str()))
                .collect();
            let node_plan = NodePlan {
                index: key.0,
                values: key.1.clone(),
                label,
                calls: &calls,
                called_only: !plainly[node],
            };
            planned_task(file, node_plan, extra, &mut vars, &mut global)
        })
        .collect::<Result<_, _>>()
        .map_err(|error| vec![error])?;
    if !vars.errors.is_empty() {
        return Err(vars.errors);
    }
    Ok(Plan {
        file,
        env,
        tasks,
        prerequisites,
        dependents,
    })
}

/// Checks that `requests` could be planned (every name known, no cycle) without planning
/// their commands, so nothing is computed: for `--graph`.
pub(crate) fn check(file: &TaskFile, requests: &[Request]) -> Result<(), Vec<GraphError>> {
    edges_and_order(file, requests, None).map(drop)
}

/// The nodes `requests` reach, and their order: each after everything it waits for.
/// Without `vars`, calls whose `args` hold placeholders reach their target's own node.
fn edges_and_order<'f>(
    file: &'f TaskFile,
    requests: &[Request],
    vars: Option<&mut Vars<'f>>,
) -> Result<(Nodes, Vec<usize>), Vec<GraphError>> {
    let edges = resolve_edges(file)?;
    let nodes = reach(file, &edges, requests, vars);
    let order = order(&nodes, requests).map_err(|error| vec![error])?;
    Ok((nodes, order))
}

fn resolve_edges(file: &TaskFile) -> Result<FileEdges<'_>, Vec<GraphError>> {
    let (edges, errors) = resolve_edges_of(file, &Seen::Whole);
    if errors.is_empty() {
        Ok(edges)
    } else {
        Err(errors)
    }
}

/// How much of a task file the dependency checks see.
enum Seen<'p> {
    /// A valid file.
    Whole,
    /// What could be read of a file with problems of its own (see [`Partial`]).
    ///
    /// [`Partial`]: crate::config::Partial
    Partial {
        /// Tasks whose own table had a problem: edges to them are not checked.
        rejected: &'p [bool],
        /// Whether a name not found is really unknown (every file was read).
        names_complete: bool,
    },
}

impl Seen<'_> {
    fn rejected(&self, task: usize) -> bool {
        match self {
            Seen::Whole => false,
            Seen::Partial { rejected, .. } => rejected.get(task).copied().unwrap_or(true),
        }
    }

    fn names_complete(&self) -> bool {
        match self {
            Seen::Whole => true,
            Seen::Partial { names_complete, .. } => *names_complete,
        }
    }
}

/// The dependency problems of a task file that has problems of its own, so that all are
/// reported together: unknown names (when every file was read), patterns that match nothing,
/// call arguments that do not fit, and a cycle, among every task (as `--graph` checks them).
/// Whatever involves a task whose own table was rejected is left out: it would be a guess.
pub(crate) fn check_partial(partial: &crate::config::Partial) -> Vec<GraphError> {
    let file = &partial.file;
    let seen = Seen::Partial {
        rejected: &partial.rejected,
        names_complete: partial.names_complete,
    };
    let (edges, mut errors) = resolve_edges_of(file, &seen);
    let requests: Vec<Request> = (file.tasks.iter().enumerate())
        .map(|(task, definition)| Request {
            task,
            values: vec![String::new(); definition.params.len()],
        })
        .collect();
    let nodes = reach(file, &edges, &requests, None);
    if let Err(cycle) = order(&nodes, &requests) {
        errors.push(cycle);
    }
    errors
}

/// Every task's edges, and every problem with them (under `seen`).
fn resolve_edges_of<'f>(file: &'f TaskFile, seen: &Seen<'_>) -> (FileEdges<'f>, Vec<GraphError>) {
    let names = Names::new(file);
    let mut errors = Vec::new();
    let edges = file
        .tasks
        .iter()
        .map(|task| {
            let hard = task.depends.iter().map(|name| (name, Some(Edge::Hard)));
            let post = task
                .depends_post
                .iter()
                .map(|name| (name, Some(Edge::Post)));
            let soft = task.wait_for.iter().map(|name| (name, Some(Edge::Soft)));
            let calls = (task.run.iter())
                .filter_map(crate::config::RunStep::call)
                .map(|call| (call, None));
            hard.chain(post)
                .chain(soft)
                .chain(calls)
                .filter_map(|(reference, edge)| match names.get(&reference.name) {
                    Some(target) if seen.rejected(target) => None,
                    None if !seen.names_complete() => None,
                    Some(target) => {
                        let values = if reference.args.is_empty() {
                            CallValues::Own
                        } else if (reference.args.iter())
                            .any(|arg| placeholder::placeholders(&arg.value).next().is_some())
                        {
                            CallValues::Templated(reference)
                        } else {
                            match super::calls::values(&file.tasks[target], reference, &mut errors)
                            {
                                Some((values, label)) => CallValues::Fixed(values, label),
                                None => CallValues::Own,
                            }
                        };
                        Some(FileEdge {
                            target,
                            edge,
                            span: reference.span,
                            values,
                        })
                    }
                    None => {
                        let (task, name) = (task.name.clone(), reference.name.clone());
                        let span = reference.span;
                        if task_glob::is_pattern(&name) {
                            let all = file.tasks.iter().map(|task| task.name.as_str());
                            let help = task_glob::no_match_help(&name, all);
                            errors.push(GraphError::NoMatch {
                                task,
                                pattern: name,
                                // A call of `run` has no edge.
                                key: edge.map_or("run", Edge::key),
                                span,
                                help,
                            });
                            return None;
                        }
                        let suggestion = names.suggest(&reference.name);
                        errors.push(match edge {
                            Some(Edge::Soft) => GraphError::UnknownWaitFor {
                                task,
                                name,
                                span,
                                suggestion,
                            },
                            Some(_) => GraphError::UnknownDependency {
                                task,
                                name,
                                span,
                                suggestion,
                            },
                            None => GraphError::UnknownCall {
                                task,
                                name,
                                span,
                                suggestion,
                            },
                        });
                        None
                    }
                })
                .collect()
        })
        .collect();
    (edges, errors)
}

/// The nodes the requests reach through edges and calls. A plain dependency is the task's
/// own node (its values from the command line, else its defaults); a call with `args` is the
/// node of those values.
fn reach<'f>(
    file: &'f TaskFile,
    edges: &FileEdges<'f>,
    requests: &[Request],
    mut vars: Option<&mut Vars<'f>>,
) -> Nodes {
    let mut nodes = Nodes::default();
    nodes.index.reserve(file.tasks.len());
    let mut own: Vec<Option<Vec<String>>> = vec![None; file.tasks.len()];
    for request in requests {
        own[request.task] = Some(request.values.clone());
        nodes.intern(request.task, request.values.clone(), || {
            file.tasks[request.task].name.clone()
        });
    }
    let mut next = 0;
    while next < nodes.keys.len() {
        let task = nodes.keys[next].0;
        // `wait_for` pulls nothing in: its edges are added once the nodes are known.
        for file_edge in edges[task]
            .iter()
            .filter(|edge| edge.edge != Some(Edge::Soft))
        {
            let target = file_edge.target;
            let name = &file.tasks[target].name;
            let called = match (&file_edge.values, vars.as_deref_mut()) {
                (CallValues::Own, _) | (CallValues::Templated(_), None) => None,
                (CallValues::Fixed(values, label), _) => Some((values.clone(), label.clone())),
                (CallValues::Templated(call), Some(vars)) => {
                    let bindings = vars.task_bindings(&file.tasks[task], &nodes.keys[next].1);
                    let call = substituted_call(call, &bindings);
                    super::calls::values(&file.tasks[target], &call, &mut nodes.missing)
                }
            };
            // A call with `args` needs no defaults: when the task has none to run with, the
            // call is a node of its own (and the task's own node is never needed).
            let base = match (&own[target], &called) {
                (None, Some(_)) => default_values(&file.tasks[target], file_edge.span).ok(),
                _ => Some(
                    own[target]
                        .get_or_insert_with(|| {
                            default_values(&file.tasks[target], file_edge.span).unwrap_or_else(
                                |error| {
                                    nodes.missing.push(error);
                                    vec![String::new(); file.tasks[target].params.len()]
                                },
                            )
                        })
                        .clone(),
                ),
            };
            let node = match (called, base) {
                (Some((values, label)), base) if base.as_ref() != Some(&values) => {
                    nodes.intern(target, values, || label)
                }
                (_, base) => nodes.intern(target, base.unwrap_or_default(), || name.clone()),
            };
            match file_edge.edge {
                Some(edge) => nodes.edges[next].push((node, edge, file_edge.span)),
                None => nodes.calls[next].push((node, file_edge.span)),
            }
        }
        next += 1;
    }
    soft_edges(&mut nodes, edges, file.tasks.len());
    nodes
}

/// The `wait_for` edges between nodes of the run: to every node of each task waited for that
/// is in it (a task called with several sets of values is several nodes).
fn soft_edges(nodes: &mut Nodes, edges: &FileEdges<'_>, tasks: usize) {
    let is_soft = |edge: &FileEdge<'_>| edge.edge == Some(Edge::Soft);
    if !(nodes.keys.iter()).any(|(task, _)| edges[*task].iter().any(is_soft)) {
        return;
    }
    let mut nodes_of: Vec<Vec<usize>> = vec![Vec::new(); tasks];
    for (node, (task, _)) in nodes.keys.iter().enumerate() {
        nodes_of[*task].push(node);
    }
    for node in 0..nodes.keys.len() {
        for file_edge in edges[nodes.keys[node].0]
            .iter()
            .filter(|edge| is_soft(edge))
        {
            for &target in &nodes_of[file_edge.target] {
                nodes.edges[node].push((target, Edge::Soft, file_edge.span));
            }
        }
    }
}

/// Nodes in an order where each comes after everything it waits for.
fn order(nodes: &Nodes, requests: &[Request]) -> Result<Vec<usize>, GraphError> {
    // File order (then first reached), so a file without calls keeps its order.
    let mut by_task: Vec<usize> = (0..nodes.keys.len()).collect();
    by_task.sort_by_key(|&node| (nodes.keys[node].0, node));
    // A post edge `a -> c` (c runs after a) makes `a` a prerequisite of `c`.
    let mut prerequisites: Vec<Vec<Prerequisite>> = vec![Vec::new(); nodes.keys.len()];
    for &node in &by_task {
        for &(target, edge, span) in &nodes.edges[node] {
            match edge {
                Edge::Hard | Edge::Soft => prerequisites[node].push((target, span)),
                Edge::Post => prerequisites[target].push((node, span)),
            }
        }
    }
    // A caller waits for what it calls (part-way through, but no earlier either).
    for &node in &by_task {
        for &(target, span) in &nodes.calls[node] {
            prerequisites[node].push((target, span));
        }
    }
    let roots = requests
        .iter()
        .filter_map(|request| nodes.find(request.task, &request.values))
        .chain(by_task.iter().copied());
    cycle::order(&prerequisites, roots).map_err(|cycle| GraphError::Cycle {
        path: cycle
            .path
            .iter()
            .map(|&node| nodes.labels[node].clone())
            .collect(),
        span: cycle.span,
    })
}

/// Dotenv files and the top-level `[env]`, the layers under every task's own.
struct GlobalEnv<'f> {
    state: EnvState,
    /// The `[env]` values computed by a command (`{ sh = … }`): left out of `state`, and run
    /// only for a task that gets them (see [`GlobalEnv::for_task`]).
    computed: Vec<(String, EnvSetting)>,
    /// Per included file, the values its `[env]` uses, once looked up.
    include_bindings: Vec<Option<Bindings<'f>>>,
}

impl GlobalEnv<'_> {
    /// The layers under a task's own: `state`, and the computed values the task gets. A task
    /// that runs nothing here gets none, nor does one whose own layers replace the variable
    /// (a `prepend` or `append` builds on it, so it does get it).
    fn for_task(&self, file: &TaskFile, task: &Task, runs: bool, vars: &mut Vars<'_>) -> EnvState {
        let mut state = self.state.clone();
        if !runs || self.computed.is_empty() {
            return state;
        }
        let include_env = task
            .include
            .map_or(&[][..], |index| &file.includes[index].env);
        let replaced = |name: &str| {
            (include_env.iter().chain(&task.env)).any(|(known, setting)| {
                known == name && !matches!(setting, EnvSetting::Prepend(_) | EnvSetting::Append(_))
            })
        };
        let gets: Vec<(String, EnvSetting)> = (self.computed.iter())
            .filter(|(name, _)| !replaced(name))
            .cloned()
            .collect();
        file_env(&mut state, vars, None, &gets, &file.root);
        state
    }
}

fn global_env<'f>(file: &'f TaskFile, vars: &mut Vars<'f>) -> Result<GlobalEnv<'f>, GraphError> {
    let dotenv = super::dotenv::load(&file.root, &file.settings.dotenv)?;
    let mut state: EnvState = (dotenv.into_iter())
        .map(|(name, value)| (name, Some(value)))
        .collect();
    let (computed, plain): (Vec<_>, Vec<_>) = (file.env.iter().cloned())
        .partition(|(_, setting)| matches!(setting, EnvSetting::Shell { .. }));
    file_env(&mut state, vars, None, &plain, &file.root);
    Ok(GlobalEnv {
        state,
        computed,
        include_bindings: vec![None; file.includes.len()],
    })
}

/// Applies a file's `[env]` (the root's, or an included file's), substituted in its scope.
fn file_env(
    state: &mut EnvState,
    vars: &mut Vars<'_>,
    include: Option<usize>,
    env: &[(String, EnvSetting)],
    dir: &Path,
) {
    let texts = env.iter().flat_map(|(_, value)| value.texts());
    let bindings = vars.file_bindings(include, texts);
    let lookup = |name: &str| find(&bindings, name);
    let text = |value: &str, quoting| substitute(value, quoting, lookup);
    super::env::apply(state, env, dir, vars, text);
}

/// A `call` whose argument values have their placeholders substituted (verbatim, as a
/// value is passed on, not quoted) from the caller's `bindings`.
fn substituted_call(
    call: &crate::config::NameRef,
    bindings: &Bindings<'_>,
) -> crate::config::NameRef {
    let lookup = |name: &str| find(bindings, name);
    let mut call = call.clone();
    for arg in &mut call.args {
        arg.value = substitute(&arg.value, Quoting::Verbatim, lookup);
    }
    call
}

/// One node to plan: a task, its values, and what it calls.
struct NodePlan<'n> {
    /// Index into `TaskFile::tasks`.
    index: usize,
    values: Vec<String>,
    label: String,
    /// The nodes its calls reach, in `run` order, with their labels.
    calls: &'n [(TaskId, &'n str)],
    called_only: bool,
}

fn planned_task<'f>(
    file: &'f TaskFile,
    node: NodePlan<'_>,
    extra: &[String],
    vars: &mut Vars<'f>,
    global: &mut GlobalEnv<'f>,
) -> Result<PlannedTask<'f>, GraphError> {
    let NodePlan {
        index,
        values,
        label,
        calls,
        called_only,
    } = node;
    let task = &file.tasks[index];
    let bindings = vars.task_bindings(task, &values);
    let lookup = |name: &str| find(&bindings, name);
    let is_words =
        |name: &str| (task.params.iter()).any(|param| param.is_list() && param.name == name);
    let verbatim = |text: &String| substitute_words(text, Quoting::Verbatim, lookup, is_words);
    let last = task.run.len().saturating_sub(1);
    let mut calls = calls.iter();
    let commands: Vec<PlannedCommand> = task
        .run
        .iter()
        .enumerate()
        .map(|(position, step)| {
            let extra = if position == last { extra } else { &[] };
            let mut planned = match &step.command {
                Command::Shell(text) => planned_script(&task.interpreter, text, &lookup, extra),
                Command::Argv(_) => None,
                Command::Call(_) => {
                    let &(node, label) = calls.next().expect("one planned call per call step");
                    let mut call =
                        PlannedCommand::new(format!("call {label}"), Program::Words(Vec::new()));
                    call.call = Some(node);
                    Some(call)
                }
            }
            .unwrap_or_else(|| planned_command(&step.command, &lookup, &is_words, extra));
            planned.condition =
                (step.condition.as_deref()).map(|condition| planned_check(condition, &lookup));
            planned.ignore_errors = step.ignore_errors;
            planned
        })
        .collect();
    let dir = match &task.dir {
        Some(dir) => task_dir(file, task).join(verbatim(dir)),
        None => task_dir(file, task).to_owned(),
    };
    let checks = planned_checks(task, &lookup);
    let skip = platform_skip(task);
    let runs = skip.is_none() && !(commands.is_empty() && checks.is_empty());
    // Layers over dotenv and `[env]`: an included file's `[env]`, then the task's own.
    let mut env = global.for_task(file, task, runs, vars);
    if let Some(index) = task.include {
        let include = &file.includes[index];
        // Substituted in the included file's scope, the same for each of its tasks.
        let bindings = global.include_bindings[index].get_or_insert_with(|| {
            let texts = include.env.iter().flat_map(|(_, value)| value.texts());
            vars.file_bindings(Some(index), texts)
        });
        let lookup = |name: &str| find(bindings, name);
        let text = |value: &str, quoting| substitute(value, quoting, lookup);
        super::env::apply(&mut env, &include.env, &include.dir, vars, text);
    }
    let text = |value: &str, quoting| match quoting {
        Quoting::Verbatim => verbatim(&value.to_owned()),
        _ => substitute(value, quoting, lookup),
    };
    super::env::apply(&mut env, &task.env, &dir, vars, text);
    Ok(PlannedTask {
        task,
        label,
        commands,
        checks,
        ignore_errors: task.ignore_errors,
        param_env: if has_scripts(task) {
            script_env(&task.params, &values, &bindings)
        } else {
            Vec::new()
        },
        dir,
        called_only,
        skip,
        env: (env.iter())
            .filter_map(|(name, value)| Some((name.clone(), value.clone()?)))
            .collect(),
        env_remove: (env.into_iter())
            .filter_map(|(name, value)| value.is_none().then_some(name))
            .collect(),
        confirm: task.confirm.as_ref().map(verbatim),
        sources: task.sources.iter().map(verbatim).collect(),
        outputs: task.outputs.iter().map(verbatim).collect(),
    })
}

/// The note for a task whose `platforms` leave out the system rask runs on.
fn platform_skip(task: &Task) -> Option<String> {
    if task.platforms.is_empty() || task.platforms.iter().any(Platform::is_current) {
        return None;
    }
    let listed: Vec<String> = task.platforms.iter().map(ToString::to_string).collect();
    Some(format!(
        "{} in platforms [{}]",
        current_platform(),
        listed.join(", ")
    ))
}

fn find<'b>(bindings: &'b Bindings<'_>, name: &str) -> Option<&'b str> {
    bindings
        .iter()
        .find(|(known, _)| *known == name)
        .map(|(_, value)| value.as_str())
}

/// Parameter values for a task that runs as a dependency, where nobody passed arguments.
/// `span` is the `depends` entry it runs through, for the error.
fn default_values(task: &Task, span: crate::config::Span) -> Result<Vec<String>, GraphError> {
    task.params
        .iter()
        .map(|param| {
            param.fallback().ok_or_else(|| GraphError::MissingParam {
                task: task.name.clone(),
                param: param.name.clone(),
                span,
            })
        })
        .collect()
}

fn planned_command<'a>(
    command: &Command,
    lookup: &impl Fn(&str) -> Option<&'a str>,
    is_words: &impl Fn(&str) -> bool,
    extra: &[String],
) -> PlannedCommand {
    match command {
        Command::Shell(line) => {
            let mut line = substitute_words(line, Quoting::Shell, lookup, is_words);
            for word in extra {
                line.push(' ');
                line.push_str(&quote(word, Quoting::Shell));
            }
            PlannedCommand::new(line, Program::ShellLine)
        }
        Command::Argv(words) => {
            let mut argv: Vec<String> = Vec::with_capacity(words.len() + extra.len());
            for word in words {
                // A word that is just a placeholder may stand for no argument or several: a
                // list parameter, `{{x?}}`, `{{x...}}`, `{{x ? "text"}}`.
                let mut found = placeholder::placeholders(word);
                let whole = match (found.next(), found.next()) {
                    (Some(only), None) if only.range == (0..word.len()) => {
                        lookup(only.name).map(|value| (only, value))
                    }
                    _ => None,
                };
                match whole {
                    Some((only, value)) => {
                        argv.extend(substitute::argv_words(&only, value, is_words(only.name)));
                    }
                    None => argv.push(substitute_words(word, Quoting::Verbatim, lookup, is_words)),
                }
            }
            argv.extend(extra.iter().cloned());
            PlannedCommand::new(shell_words::join(&argv), Program::Words(argv))
        }
        // Planned by `planned_task`, which knows the called node; shown the same here.
        Command::Call(call) => {
            PlannedCommand::new(format!("call {}", call.label()), Program::Words(Vec::new()))
        }
    }
}
