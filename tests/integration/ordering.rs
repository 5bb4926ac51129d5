//! Dependency order: deps before dependents, each task once per invocation, `depends_post`, the
//! commands of one task in order, aliases; and a property test over random DAGs through
//! `--dry-run`.

use std::collections::{BTreeSet, HashMap};
use std::fmt::Write as _;

use proptest::prelude::*;

use crate::common::Test;

/// `b` depends on `a`; each appends its name to `log`.
pub(crate) const A_THEN_B: &str = r#"
    [tasks.a]
    run = "echo a >> log"
    [tasks.b]
    depends = ["a"]
    run = "echo b >> log"
    "#;

#[test]
fn dependency_runs_before_dependent() {
    Test::new()
        .tasks_toml(A_THEN_B)
        .args(["b"])
        .expect_file("log", "a\nb\n")
        .success();
}

#[test]
fn chain_runs_deepest_first() {
    Test::new()
        .tasks_toml(
            r#"
            [tasks.a]
            depends = ["b"]
            run = "echo a >> log"
            [tasks.b]
            depends = ["c"]
            run = "echo b >> log"
            [tasks.c]
            run = "echo c >> log"
            "#,
        )
        .args(["a"])
        .expect_file("log", "c\nb\na\n")
        .success();
}

#[test]
fn diamond_runs_shared_dependency_once_and_top_last() {
    let output = Test::new()
        .tasks_toml(
            r#"
            [tasks.top]
            depends = ["left", "right"]
            run = "echo top >> log"
            [tasks.left]
            depends = ["base"]
            run = "echo left >> log"
            [tasks.right]
            depends = ["base"]
            run = "echo right >> log"
            [tasks.base]
            run = "echo base >> log"
            "#,
        )
        .args(["top", "-j", "4"])
        .success();
    let lines = output.log_lines("log");
    assert_eq!(lines.len(), 4, "each task exactly once: {lines:?}");
    assert_eq!(lines[0], "base");
    assert_eq!(lines[3], "top");
    let middle: BTreeSet<_> = lines[1..3].iter().map(String::as_str).collect();
    assert_eq!(middle, BTreeSet::from(["left", "right"]));
}

#[test]
fn task_requested_twice_runs_once() {
    Test::new()
        .tasks_toml(
            r#"
            [tasks.a]
            run = "echo a >> log"
            "#,
        )
        .args(["a", "a"])
        .expect_file("log", "a\n")
        .success();
}

#[test]
fn task_requested_and_reached_as_a_dependency_runs_once() {
    Test::new()
        .tasks_toml(A_THEN_B)
        .args(["b", "a"])
        .expect_file("log", "a\nb\n")
        .success();
}

#[test]
fn alias_runs_the_task() {
    Test::new()
        .tasks_toml(
            r#"
            [tasks.build]
            alias = ["b"]
            run = "echo build >> log"
            "#,
        )
        .args(["b", "build"])
        .expect_file("log", "build\n")
        .success();
}

#[test]
fn short_form_task_runs() {
    Test::new()
        .tasks_toml(
            r#"
            [tasks]
            lint = "echo lint"
            "#,
        )
        .args(["lint"])
        .expect_stdout("lint\n")
        .success();
}

#[test]
fn commands_of_a_task_run_in_order_and_stop_at_the_first_failure() {
    Test::new()
        .tasks_toml(
            r#"
            [tasks.t]
            run = ["echo 1 >> log", "echo 2 >> log; exit 4", "echo 3 >> log"]
            "#,
        )
        .args(["t"])
        .expect_file("log", "1\n2\n")
        .expect_stderr_contains("exit code 4")
        .status(4);
}

#[test]
fn depends_post_runs_after_the_task() {
    Test::new()
        .tasks_toml(
            r#"
            [tasks.main]
            depends = ["pre"]
            depends_post = ["cleanup"]
            run = "echo main >> log"
            [tasks.pre]
            run = "echo pre >> log"
            [tasks.cleanup]
            run = "echo cleanup >> log"
            "#,
        )
        .args(["main"])
        .expect_file("log", "pre\nmain\ncleanup\n")
        .success();
}

#[test]
fn depends_post_runs_even_when_the_task_failed_and_the_failure_is_kept() {
    let output = Test::new()
        .tasks_toml(
            r#"
            [tasks.main]
            depends_post = ["cleanup"]
            run = "echo main >> log; exit 3"
            [tasks.cleanup]
            run = "echo cleanup >> log"
            "#,
        )
        .args(["main"])
        .expect_file("log", "main\ncleanup\n")
        .status(3);
    // `main` and `exit 3` are in the echoed command: the summary is compared whole.
    insta::assert_snapshot!(
        "issue_8_depends_post_after_failure",
        output.stderr_redacted()
    );
}

#[test]
fn failed_dependency_stops_its_dependents() {
    let output = Test::new()
        .tasks_toml(
            r#"
            [tasks.dep]
            run = "echo dep >> log; exit 5"
            [tasks.top]
            depends = ["dep"]
            run = "echo top >> log"
            "#,
        )
        .args(["top", "-k"])
        .expect_file("log", "dep\n")
        .status(5);
    insta::assert_snapshot!("issue_8_failed_dependency", output.stderr_redacted());
}

/// A random DAG over `t0..tN`: `deps[j]` lists the `i < j` that `tj` depends on.
fn dag() -> impl Strategy<Value = (Vec<Vec<usize>>, Vec<usize>)> {
    (2usize..8).prop_flat_map(|n| {
        let edges = (0..n)
            .map(|j| proptest::sample::subsequence((0..j).collect::<Vec<_>>(), 0..=j))
            .collect::<Vec<_>>();
        let requested = proptest::sample::subsequence((0..n).collect::<Vec<_>>(), 1..=n);
        (edges, requested)
    })
}

fn dag_toml(deps: &[Vec<usize>]) -> String {
    let mut toml = String::new();
    for (task, deps) in deps.iter().enumerate() {
        let deps: Vec<String> = deps.iter().map(|dep| format!("\"t{dep}\"")).collect();
        let _ = writeln!(
            toml,
            "[tasks.t{task}]\nrun = \"echo t{task}\"\ndepends = [{}]",
            deps.join(", ")
        );
    }
    toml
}

fn closure(deps: &[Vec<usize>], requested: &[usize]) -> BTreeSet<usize> {
    let mut seen = BTreeSet::new();
    let mut stack = requested.to_vec();
    while let Some(task) = stack.pop() {
        if seen.insert(task) {
            stack.extend(&deps[task]);
        }
    }
    seen
}

/// Extracts `x -> y -> … -> x` from rask's error text, with backticks and quotes trimmed.
fn cycle_path(stderr: &str) -> Option<Vec<String>> {
    let line = stderr.lines().find(|line| line.contains(" -> "))?;
    let parts: Vec<&str> = line.split(" -> ").collect();
    let is_name = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '-';
    let first = parts[0];
    let first = &first[first.rfind(|c: char| !is_name(c)).map_or(0, |at| at + 1)..];
    let last = parts[parts.len() - 1];
    let last = &last[..last.find(|c: char| !is_name(c)).unwrap_or(last.len())];
    let mut path = vec![first.to_owned()];
    path.extend(
        parts[1..parts.len() - 1]
            .iter()
            .map(|part| part.trim_matches(|c: char| !is_name(c)).to_owned()),
    );
    path.push(last.to_owned());
    Some(path)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn random_dag_plans_every_needed_task_once_after_its_deps((deps, requested) in dag()) {
        let args: Vec<String> = std::iter::once("--dry-run".to_owned())
            .chain(requested.iter().map(|task| format!("t{task}")))
            .collect();
        let output = Test::new().tasks_toml(&dag_toml(&deps)).args(&args).success();
        let planned: Vec<usize> = output
            .stdout_lines()
            .iter()
            .map(|line| line.strip_prefix("echo t").and_then(|n| n.parse().ok())
                .unwrap_or_else(|| panic!("unexpected dry-run line {line:?}")))
            .collect();
        let position: HashMap<usize, usize> = planned.iter().enumerate().map(|(at, &task)| (task, at)).collect();
        prop_assert_eq!(position.len(), planned.len(), "a task was planned twice: {:?}", planned);
        prop_assert_eq!(planned.iter().copied().collect::<BTreeSet<_>>(), closure(&deps, &requested));
        for &task in &planned {
            for dep in &deps[task] {
                prop_assert!(position[dep] < position[&task], "t{} planned before its dep t{}: {:?}", task, dep, planned);
            }
        }
    }

    #[test]
    fn a_back_edge_is_reported_as_a_real_cycle((mut deps, _) in dag(), pick in any::<prop::sample::Index>()) {
        let edges: Vec<(usize, usize)> = deps.iter().enumerate()
            .flat_map(|(task, deps)| deps.iter().map(move |&dep| (task, dep)))
            .collect();
        prop_assume!(!edges.is_empty());
        let (task, dep) = edges[pick.index(edges.len())];
        deps[dep].push(task);
        let output = Test::new()
            .tasks_toml(&dag_toml(&deps))
            .args([format!("t{task}")])
            .expect_stdout("")
            .status(2);
        let path = cycle_path(&output.stderr)
            .unwrap_or_else(|| panic!("no `x -> y -> x` path in stderr:\n{}", output.stderr));
        prop_assert!(path.len() >= 3, "{:?}", path);
        prop_assert_eq!(path.first(), path.last());
        let index = |name: &String| name.strip_prefix('t').and_then(|n| n.parse::<usize>().ok())
            .unwrap_or_else(|| panic!("not a task name in the cycle: {name:?}"));
        // `a -> b` reads "a depends on b" (docs/tasks-toml.md): every step is a real edge in
        // that direction, not in either.
        let real = path.windows(2).all(|pair| deps[index(&pair[0])].contains(&index(&pair[1])));
        prop_assert!(real, "{:?} is not a cycle of {:?} read as `depends on`", path, deps);
    }
}
