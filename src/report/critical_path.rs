//! The critical path of a finished run: the chain of dependencies whose wall times add up to
//! the most, which bounds how fast the run could be with unlimited workers. The main function
//! here is [`critical_path`].

use std::time::Duration;

use crate::events::{TaskInfo, TaskOutcome};
use crate::graph::TaskId;

/// The heaviest chain, prerequisites first, and its total wall time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CriticalPath {
    pub(crate) tasks: Vec<TaskId>,
    pub(crate) length: Duration,
}

/// The critical path through `tasks`, weighting each by its (last) outcome's wall time.
/// Iterative (Kahn's order), so a 10,000-task chain needs no deep recursion.
pub(crate) fn critical_path(tasks: &[TaskInfo], outcomes: &[TaskOutcome]) -> CriticalPath {
    let count = tasks.len();
    let mut weight = vec![Duration::ZERO; count];
    for outcome in outcomes {
        weight[outcome.task.index()] = outcome.duration;
    }
    let mut dependents: Vec<Vec<usize>> = vec![Vec::new(); count];
    let mut waiting: Vec<usize> = tasks.iter().map(|task| task.depends.len()).collect();
    for (index, task) in tasks.iter().enumerate() {
        for prerequisite in &task.depends {
            dependents[prerequisite.index()].push(index);
        }
    }
    // Longest finish time of a chain ending at each task, and the prerequisite it came through.
    let mut finish = vec![Duration::ZERO; count];
    let mut through: Vec<Option<usize>> = vec![None; count];
    let mut ready: Vec<usize> = (0..count).filter(|&index| waiting[index] == 0).collect();
    while let Some(index) = ready.pop() {
        finish[index] += weight[index];
        for &dependent in &dependents[index] {
            // Until its own weight is added, a task's `finish` is its latest prerequisite's.
            if through[dependent].is_none() || finish[index] > finish[dependent] {
                finish[dependent] = finish[index];
                through[dependent] = Some(index);
            }
            waiting[dependent] -= 1;
            if waiting[dependent] == 0 {
                ready.push(dependent);
            }
        }
    }
    let Some(end) = (0..count).max_by_key(|&index| finish[index]) else {
        return CriticalPath {
            tasks: Vec::new(),
            length: Duration::ZERO,
        };
    };
    let mut path = vec![TaskId(end as u32)];
    let mut at = end;
    while let Some(previous) = through[at] {
        path.push(TaskId(previous as u32));
        at = previous;
    }
    path.reverse();
    CriticalPath {
        tasks: path,
        length: finish[end],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::Status;

    fn task(id: u32, depends: &[u32]) -> TaskInfo {
        TaskInfo {
            id: TaskId(id),
            name: format!("t{id}"),
            depends: depends.iter().map(|&dep| TaskId(dep)).collect(),
            aggregate: false,
        }
    }

    fn took(id: u32, millis: u64) -> TaskOutcome {
        TaskOutcome {
            task: TaskId(id),
            status: Status::Succeeded,
            duration: Duration::from_millis(millis),
            attempt: 1,
            usage: None,
        }
    }

    #[test]
    fn follows_the_heaviest_chain() {
        // 0 (100) ─┬─ 2 (10)
        // 1 (300) ─┘
        // 3 (50) alone
        let tasks = [task(0, &[]), task(1, &[]), task(2, &[0, 1]), task(3, &[])];
        let outcomes = [took(0, 100), took(1, 300), took(2, 10), took(3, 50)];
        let path = critical_path(&tasks, &outcomes);
        assert_eq!(path.tasks, [TaskId(1), TaskId(2)]);
        assert_eq!(path.length, Duration::from_millis(310));
    }

    #[test]
    fn an_empty_run_has_an_empty_path() {
        let path = critical_path(&[], &[]);
        assert!(path.tasks.is_empty());
    }
}
