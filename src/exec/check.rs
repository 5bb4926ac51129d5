//! What the scheduler knows of incremental tasks: the check to run on a worker before a task
//! with `sources` starts, and the recording after it succeeded. The main type here is
//! [`Incremental`]; the cache itself (keys, store, restore) is [`crate::cache`].
//!
//! Everything slow happens in the [`Work`] closures this module builds, which run on an
//! [`Offload`](super::offload::Offload) worker over owned data; the methods here only gather
//! that data and file the answers, on the poll thread.

use std::sync::Arc;

use std::io::Write as _;

use super::capture::Spool;
use super::offload::Work;
use super::up_to_date::is_up_to_date;
use crate::cache::{
    self, Cache, Checked, Decision, Digest, Key, Log, Mode, Reason, Recorded, TaskInputs,
};
use crate::config::UpToDateMethod;
use crate::events::{OutputMode, SpooledOutput, Status, Stream};
use crate::graph::{Edge, Plan, PlannedTask, TaskId};

/// A worker's answer.
#[derive(Debug)]
pub(crate) enum Done {
    Checked(Checked),
    Recorded(Recorded),
}

/// How the run uses the cache, resolved from the command line.
#[derive(Debug, Clone, Default)]
pub(crate) struct CacheOptions {
    /// `None` with `--no-cache`: content checks neither read nor write anything.
    pub(crate) cache: Option<Arc<Cache>>,
    /// `--explain`: say why each task runs or not.
    pub(crate) explain: bool,
}

/// What to do with a checked task.
#[derive(Debug)]
pub(crate) enum Next {
    Run,
    /// Done without running: replay `log` (if any), then finish with `status`.
    Skip {
        status: Status,
        log: Option<Log>,
    },
}

#[derive(Debug, Default)]
struct TaskCache {
    /// Where a successful run will be recorded.
    key: Option<Box<Key>>,
    /// What dependents key on, once known.
    output_digest: Option<Digest>,
    /// Output captured while it runs (through pipes), spooled to files; `None` if no spool
    /// could be had or a write to it failed, and then the run is not recorded.
    log: Option<Spool>,
}

/// The cache bookkeeping of one run, per task.
#[derive(Debug)]
pub(crate) struct Incremental {
    options: CacheOptions,
    /// `-B/--force`: run every task, still recording results.
    force: bool,
    tasks: Vec<TaskCache>,
}

impl Incremental {
    pub(crate) fn new(task_count: usize, options: CacheOptions, force: bool) -> Self {
        Incremental {
            options,
            force,
            tasks: (0..task_count).map(|_| TaskCache::default()).collect(),
        }
    }

    pub(crate) fn explain(&self) -> bool {
        self.options.explain
    }

    /// The check to run for `task` on a worker; `Err` says why it runs without one.
    pub(crate) fn check_work(&self, plan: &Plan<'_>, task: TaskId) -> Result<Work<Done>, Reason> {
        let planned = &plan.tasks[task.index()];
        let definition = planned.task;
        if let Some(reason) = always_runs(planned) {
            return Err(reason);
        }
        if definition.method == UpToDateMethod::Timestamp {
            if self.force {
                return Err(Reason::Forced);
            }
            let (dir, sources, outputs) = (
                planned.dir.clone(),
                planned.sources.clone(),
                planned.outputs.clone(),
            );
            return Ok(Box::new(move || {
                let fresh = is_up_to_date(&dir, &sources, &outputs);
                Done::Checked(Checked {
                    decision: if fresh {
                        Decision::UpToDate
                    } else {
                        Decision::Run { key: None }
                    },
                    reason: if fresh { Reason::Fresh } else { Reason::Stale },
                    output_digest: None,
                    warnings: Vec::new(),
                })
            }));
        }
        let Some(cache) = self.options.cache.clone() else {
            return Err(Reason::NoCache);
        };
        let inputs = self.inputs(plan, task);
        let mode = if self.force { Mode::Force } else { Mode::Use };
        Ok(Box::new(move || Done::Checked(cache.check(&inputs, mode))))
    }

    /// Files a check's answer: what the scheduler must do with the task.
    pub(crate) fn checked(&mut self, task: TaskId, checked: Checked) -> Next {
        let slot = &mut self.tasks[task.index()];
        slot.output_digest = checked.output_digest;
        match checked.decision {
            Decision::Run { key } => {
                // Never bounded: a capture is written by rask, and only what is whole is cached.
                slot.log = key.as_ref().and_then(|_| Spool::new(u64::MAX).ok());
                slot.key = key.filter(|_| slot.log.is_some());
                Next::Run
            }
            Decision::UpToDate => Next::Skip {
                status: Status::UpToDate,
                log: None,
            },
            Decision::Restored(log) => Next::Skip {
                status: Status::Restored,
                log: Some(log),
            },
            Decision::LogOnly(log) => Next::Skip {
                status: Status::CachedLog,
                log: Some(log),
            },
        }
    }

    /// How `task` shows its output: a task whose result will be cached reads its output
    /// through pipes even when the run inherits the terminal, so its log can be stored (the
    /// reporter still shows it untagged). Like Turborepo, that costs it the terminal.
    pub(crate) fn output_mode(&self, task: TaskId, run: OutputMode) -> OutputMode {
        match (run, &self.tasks[task.index()].log) {
            (OutputMode::Inherit, Some(_)) => OutputMode::Prefixed,
            (mode, _) => mode,
        }
    }

    /// Keeps output the task printed, for its cache entry.
    pub(crate) fn capture(&mut self, task: TaskId, stream: Stream, bytes: &[u8]) {
        let slot = &mut self.tasks[task.index()];
        if let Some(log) = &mut slot.log {
            let kept = match stream {
                Stream::Stdout => &mut log.stdout,
                Stream::Stderr => &mut log.stderr,
            };
            // A write to a page-cache file; a full disk means this run is not cached.
            if kept.write_all(bytes).is_err() {
                slot.log = None;
                slot.key = None;
            }
        }
    }

    /// The recording to run on a worker after `task` succeeded; `None` if it is not cached.
    pub(crate) fn record_work(
        &mut self,
        plan: &Plan<'_>,
        task: TaskId,
        spooled: Option<&SpooledOutput>,
    ) -> Option<Work<Done>> {
        let cache = self.options.cache.clone()?;
        let slot = &mut self.tasks[task.index()];
        let key = slot.key.take()?;
        // Grouped output was spooled by the child; anything else was captured on the way.
        let log = match (spooled, slot.log.take()) {
            // A grouped spool past its bound lost its middle: that log cannot be replayed.
            (Some(spooled), _) if !spooled.is_whole() => return None,
            (Some(spooled), _) => spooled.clone(),
            (None, Some(captured)) => captured.into_shared(),
            (None, None) => return None,
        };
        let inputs = self.inputs(plan, task);
        Some(Box::new(move || {
            Done::Recorded(cache.record(&inputs, &key, &log))
        }))
    }

    /// Files a recording's answer.
    pub(crate) fn recorded(&mut self, task: TaskId, recorded: &Recorded) {
        self.tasks[task.index()].output_digest = recorded.output_digest.clone();
    }

    /// What the key of `task` is computed from, copied out of the plan.
    fn inputs(&self, plan: &Plan<'_>, task: TaskId) -> TaskInputs {
        let planned = &plan.tasks[task.index()];
        let definition = planned.task;
        let mut env: Vec<(String, Option<String>)> = merge_env(
            // Script tasks get their parameters as variables: those are inputs too.
            plan.env
                .iter()
                .chain(&planned.env)
                .chain(&planned.param_env),
        )
        .into_iter()
        .filter(|(name, _)| !planned.env_remove.contains(name))
        .map(|(name, value)| (name, Some(value)))
        .collect();
        env.extend(planned.env_remove.iter().map(|name| (name.clone(), None)));
        for name in &definition.env_inputs {
            if !env.iter().any(|(declared, _)| declared == name) {
                env.push((name.clone(), std::env::var(name).ok()));
            }
        }
        let root = &plan.file.root;
        TaskInputs {
            name: planned.name().to_owned(),
            commands: planned
                .commands
                .iter()
                // A call spawns nothing; what it calls (and with which values) is its part.
                .map(|command| match command.call {
                    Some(_) => vec![command.display.clone()],
                    None => (command.program)
                        .argv(&command.display, &plan.file.settings.shell)
                        .into_iter()
                        .map(str::to_owned)
                        .collect(),
                })
                .collect(),
            env,
            dir: planned.dir.clone(),
            relative_dir: cache::relative(root, &planned.dir),
            sources: planned.sources.clone(),
            outputs: planned.outputs.clone(),
            timeout: definition.timeout,
            // `wait_for` orders, it feeds nothing in: not part of the key.
            dependencies: plan.prerequisites[task.index()]
                .iter()
                .filter(|(_, edge)| *edge != Edge::Soft)
                .map(|(prerequisite, _)| {
                    (
                        plan.tasks[prerequisite.index()].name().to_owned(),
                        self.tasks[prerequisite.index()].output_digest.clone(),
                    )
                })
                .collect(),
        }
    }
}

/// One entry per name, the last definition winning.
pub(crate) fn merge_env<'a>(
    definitions: impl Iterator<Item = &'a (String, String)>,
) -> Vec<(String, String)> {
    let mut env: Vec<(String, String)> = Vec::new();
    for (name, value) in definitions {
        match env.iter_mut().find(|(existing, _)| existing == name) {
            Some(slot) => slot.1.clone_from(value),
            None => env.push((name.clone(), value.clone())),
        }
    }
    env
}

/// What a run would do with one task, foreseen by a dry run.
#[derive(Debug)]
pub(crate) struct Foreseen {
    pub(crate) task: TaskId,
    pub(crate) reason: Reason,
    /// How a real run would finish it without running it (up to date, restored from the
    /// cache, its cached output replayed); `None`: it would run.
    pub(crate) skip: Option<Status>,
}

/// What a run would do and why, for `--dry-run`: every check that needs no command runs here
/// (timestamps, content hashes), in plan order, and nothing is written (no restore, no
/// record). A dependency that would run has no output digest yet, so its dependents are said
/// to wait for it. `status` checks are commands, so a dry run never runs them.
pub(crate) fn explain_dry_run(
    plan: &Plan<'_>,
    options: CacheOptions,
    force: bool,
) -> Vec<Foreseen> {
    let mut incremental = Incremental::new(plan.tasks.len(), options, force);
    let mut will_run = vec![false; plan.tasks.len()];
    let mut foreseen = Vec::new();
    for index in 0..plan.tasks.len() {
        let task = TaskId(index as u32);
        if plan.tasks[index].commands.is_empty() {
            continue;
        }
        let (reason, skip) = match incremental.check_now(plan, task) {
            Some(checked) => {
                let reason = checked.reason.clone();
                match incremental.checked(task, checked) {
                    Next::Run => {
                        will_run[index] = true;
                        (reason, None)
                    }
                    Next::Skip { status, .. } => (reason, Some(status)),
                }
            }
            None => {
                will_run[index] = true;
                (incremental.why_unchecked(plan, task), None)
            }
        };
        let waits_for = plan.prerequisites[index]
            .iter()
            .find(|(prerequisite, edge)| *edge != Edge::Soft && will_run[prerequisite.index()])
            .map(|(prerequisite, _)| plan.tasks[prerequisite.index()].name().to_owned());
        let (reason, skip) = match (reason, waits_for) {
            (Reason::DependencyChanged(_) | Reason::NotCached, Some(name)) => {
                will_run[index] = true;
                (Reason::DependencyRuns(name), None)
            }
            (reason, _) => (reason, skip),
        };
        foreseen.push(Foreseen { task, reason, skip });
    }
    foreseen
}

impl Incremental {
    /// The check of `task` computed here and now, in dry-run mode; `None` if it has none.
    fn check_now(&self, plan: &Plan<'_>, task: TaskId) -> Option<Checked> {
        let planned = &plan.tasks[task.index()];
        let definition = planned.task;
        if always_runs(planned).is_some() || self.force {
            return None;
        }
        if definition.method == UpToDateMethod::Timestamp {
            return match self.check_work(plan, task).ok()?() {
                Done::Checked(checked) => Some(checked),
                Done::Recorded(_) => None,
            };
        }
        let cache = self.options.cache.as_ref()?;
        Some(cache.check(&self.inputs(plan, task), Mode::DryRun))
    }

    /// Why a task without a check runs.
    fn why_unchecked(&self, plan: &Plan<'_>, task: TaskId) -> Reason {
        match self.check_work(plan, task) {
            Err(reason) => reason,
            Ok(_) => Reason::Forced,
        }
    }
}

/// Why `planned` runs whatever its files say, if it does: it has no `sources`, or it calls
/// other tasks in `run` (see [`Reason::CallsTasks`]). Asked by the real check and the dry run.
fn always_runs(planned: &PlannedTask<'_>) -> Option<Reason> {
    if planned.sources.is_empty() {
        Some(Reason::NoSources)
    } else if planned.calls_tasks() {
        Some(Reason::CallsTasks)
    } else {
        None
    }
}
