//! The order in which one job's processes run, and what each exit means. The main type here
//! is [`Sequence`].
//!
//! A job is more than its commands: the task's `if` condition, its preconditions and its
//! `status` commands run first, and a command may have a condition of its own. All of them are
//! processes of the job, spawned and polled like commands, so none of them runs on the
//! scheduler's thread. This module is only the decisions, free of processes, so that the
//! local job and any other [`RunningJob`](super::RunningJob) agree on them.

use super::{Job, JobResult};
use crate::events::Exit;
use crate::graph::{PlannedCheck, shell_argv};

/// One process of a job.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Step {
    /// The task's `if`.
    Condition,
    Precondition(usize),
    Status(usize),
    /// The `if` of command `n`.
    CommandCondition(usize),
    Command(usize),
}

impl Step {
    /// A check runs quietly: no echo, output discarded.
    pub(crate) fn is_check(self) -> bool {
        !matches!(self, Step::Command(_))
    }
}

/// What the job does next.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Next {
    Run(Step),
    Finish(JobResult),
}

/// Where a job is in its steps, and the first ignored failure so far.
#[derive(Debug, Default)]
pub(crate) struct Sequence {
    first_ignored: Option<(Exit, usize)>,
}

impl Sequence {
    /// The job's first step (or its result, when it has nothing to run).
    pub(crate) fn first(&mut self, job: &Job) -> Next {
        self.enter(job, Step::Condition)
    }

    /// What follows `step`, which exited with `exit`.
    pub(crate) fn after(&mut self, job: &Job, step: Step, exit: Exit) -> Next {
        let succeeded = exit.succeeded();
        match step {
            Step::Condition if succeeded => self.enter(job, Step::Precondition(0)),
            Step::Condition => Next::Finish(JobResult::Skipped {
                condition: display(job.checks.condition.as_ref()),
            }),
            Step::Precondition(index) if succeeded => {
                self.enter(job, Step::Precondition(index + 1))
            }
            Step::Precondition(index) => Next::Finish(JobResult::PreconditionFailed {
                message: job.checks.preconditions[index].message.clone(),
            }),
            Step::Status(index) if succeeded && index + 1 == job.checks.status.len() => {
                Next::Finish(JobResult::UpToDate)
            }
            Step::Status(index) if succeeded => Next::Run(Step::Status(index + 1)),
            Step::Status(_) => self.enter(job, Step::CommandCondition(0)),
            Step::CommandCondition(index) if succeeded => Next::Run(Step::Command(index)),
            Step::CommandCondition(index) => self.enter(job, Step::CommandCondition(index + 1)),
            Step::Command(index) if succeeded => self.enter(job, Step::CommandCondition(index + 1)),
            Step::Command(index) if job.commands[index].ignore_errors => {
                self.first_ignored.get_or_insert((exit, index));
                self.enter(job, Step::CommandCondition(index + 1))
            }
            Step::Command(command) if job.ignore_errors => {
                Next::Finish(JobResult::FailedIgnored { exit, command })
            }
            Step::Command(command) => Next::Finish(JobResult::Failed { exit, command }),
        }
    }

    /// The first step at or after `step` that exists in this job.
    fn enter(&mut self, job: &Job, step: Step) -> Next {
        let checks = &job.checks;
        match step {
            Step::Condition if checks.condition.is_some() => Next::Run(step),
            Step::Condition => self.enter(job, Step::Precondition(0)),
            Step::Precondition(index) if index < checks.preconditions.len() => Next::Run(step),
            Step::Precondition(_) => self.enter(job, Step::Status(0)),
            Step::Status(index) if index < checks.status.len() => Next::Run(step),
            Step::Status(_) => self.enter(job, Step::CommandCondition(0)),
            Step::CommandCondition(index) | Step::Command(index) => match job.commands.get(index) {
                Some(command) if command.condition.is_some() => {
                    Next::Run(Step::CommandCondition(index))
                }
                Some(_) => Next::Run(Step::Command(index)),
                None => Next::Finish(match self.first_ignored {
                    Some((exit, command)) => JobResult::FailedIgnored { exit, command },
                    None => JobResult::Succeeded,
                }),
            },
        }
    }
}

/// The program and arguments of `step`. For a script, the path of its file is still to be
/// appended.
pub(crate) fn argv(job: &Job, step: Step) -> Vec<&str> {
    let checks = &job.checks;
    let check = match step {
        Step::Condition => checks.condition.as_ref(),
        Step::Precondition(index) => Some(&checks.preconditions[index].check),
        Step::Status(index) => Some(&checks.status[index]),
        Step::CommandCondition(index) => job.commands[index].condition.as_ref(),
        Step::Command(index) => {
            let command = &job.commands[index];
            return command.program.argv(&command.display, &job.shell);
        }
    };
    check.map_or_else(Vec::new, |check| shell_argv(&job.shell, &check.display))
}

fn display(check: Option<&PlannedCheck>) -> String {
    check.map(|check| check.display.clone()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::OutputMode;
    use crate::graph::{PlannedChecks, PlannedCommand, PlannedPrecondition, Program};

    fn check(line: &str) -> PlannedCheck {
        PlannedCheck {
            display: line.to_owned(),
        }
    }

    fn command(line: &str) -> PlannedCommand {
        PlannedCommand::new(line.to_owned(), Program::Words(vec![line.to_owned()]))
    }

    fn job(commands: Vec<PlannedCommand>, checks: PlannedChecks) -> Job {
        Job {
            commands,
            checks,
            shell: vec!["sh".to_owned(), "-c".to_owned()].into(),
            ignore_errors: false,
            dir: None,
            env: Vec::new(),
            env_remove: Vec::new(),
            output: OutputMode::Inherit,
            own_group: true,
            spool_max_size: crate::exec::DEFAULT_SPOOL_MAX_SIZE,
        }
    }

    /// Runs the sequence with each step exiting as `exits` says (success when absent).
    fn run(job: &Job, exits: &[(Step, i32)]) -> (Vec<Step>, JobResult) {
        let mut sequence = Sequence::default();
        let mut steps = Vec::new();
        let mut next = sequence.first(job);
        loop {
            match next {
                Next::Run(step) => {
                    steps.push(step);
                    let code = exits
                        .iter()
                        .find(|(failing, _)| *failing == step)
                        .map_or(0, |(_, code)| *code);
                    next = sequence.after(job, step, Exit::Code(code));
                }
                Next::Finish(result) => return (steps, result),
            }
        }
    }

    #[test]
    fn a_plain_job_runs_its_commands_in_order() {
        let job = job(vec![command("a"), command("b")], PlannedChecks::default());
        assert_eq!(
            run(&job, &[]),
            (
                vec![Step::Command(0), Step::Command(1)],
                JobResult::Succeeded
            )
        );
    }

    #[test]
    fn a_failed_condition_skips_everything() {
        let checks = PlannedChecks {
            condition: Some(check("test -n \"$CI\"")),
            preconditions: vec![PlannedPrecondition {
                check: check("true"),
                message: "m".into(),
            }],
            status: vec![],
        };
        let job = job(vec![command("a")], checks);
        assert_eq!(
            run(&job, &[(Step::Condition, 1)]),
            (
                vec![Step::Condition],
                JobResult::Skipped {
                    condition: "test -n \"$CI\"".into()
                }
            )
        );
    }

    #[test]
    fn a_failed_precondition_fails_before_any_command() {
        let checks = PlannedChecks {
            condition: None,
            preconditions: vec![
                PlannedPrecondition {
                    check: check("true"),
                    message: "first".into(),
                },
                PlannedPrecondition {
                    check: check("test -f .env"),
                    message: "run setup".into(),
                },
            ],
            status: vec![check("false")],
        };
        let job = job(vec![command("a")], checks);
        assert_eq!(
            run(&job, &[(Step::Precondition(1), 1)]),
            (
                vec![Step::Precondition(0), Step::Precondition(1)],
                JobResult::PreconditionFailed {
                    message: "run setup".into()
                }
            )
        );
    }

    #[test]
    fn status_commands_decide_up_to_date() {
        let checks = PlannedChecks {
            status: vec![check("test -f a"), check("test -f b")],
            ..PlannedChecks::default()
        };
        let job = job(vec![command("make")], checks);
        assert_eq!(
            run(&job, &[]),
            (vec![Step::Status(0), Step::Status(1)], JobResult::UpToDate)
        );
        assert_eq!(
            run(&job, &[(Step::Status(0), 1)]),
            (
                vec![Step::Status(0), Step::Command(0)],
                JobResult::Succeeded
            )
        );
    }

    #[test]
    fn a_command_condition_skips_that_command_only() {
        let mut guarded = command("cargo fmt --check");
        guarded.condition = Some(check("command -v cargo"));
        let job = job(vec![guarded, command("b")], PlannedChecks::default());
        assert_eq!(
            run(&job, &[(Step::CommandCondition(0), 1)]),
            (
                vec![Step::CommandCondition(0), Step::Command(1)],
                JobResult::Succeeded
            )
        );
    }

    #[test]
    fn ignored_failures_carry_on_and_are_remembered() {
        let mut flaky = command("flaky");
        flaky.ignore_errors = true;
        let job = job(vec![flaky, command("b")], PlannedChecks::default());
        assert_eq!(
            run(&job, &[(Step::Command(0), 3)]),
            (
                vec![Step::Command(0), Step::Command(1)],
                JobResult::FailedIgnored {
                    exit: Exit::Code(3),
                    command: 0
                }
            )
        );
    }

    #[test]
    fn a_task_that_ignores_errors_stops_at_its_first_failure() {
        let mut job = job(vec![command("a"), command("b")], PlannedChecks::default());
        job.ignore_errors = true;
        assert_eq!(
            run(&job, &[(Step::Command(0), 2)]),
            (
                vec![Step::Command(0)],
                JobResult::FailedIgnored {
                    exit: Exit::Code(2),
                    command: 0
                }
            )
        );
    }
}
