//! Parse and plan cost of large generated task files, and how it scales.
//!
//! `cargo bench --bench plan` prints, for 1k to 20k tasks with 3 edges per task (the shape of
//! the shared peer benchmark: a random DAG, fixed seed, task 0 reaching every task), the
//! median time to parse, and to parse + plan the whole closure, over several runs. Linear
//! scaling shows as a flat "per task" column.
//!
//! Cases may be named to run only those (`sizes`, `included`, `memo`, `scripts`), and `--runs N`
//! changes how many runs each median takes, so one case can run under callgrind:
//! `valgrind --tool=callgrind --toggle-collect='rask::bench_support::load_and_plan'
//! target/release/deps/plan-* --bench included --runs 1` counts the instructions of reading,
//! parsing and planning the 10,000-task project with includes, vars and conditions.
//!
//! `--write-included DIR` and `--write-scripts DIR` only write the included 10,000-task project
//! or the 1,000-script directory include into DIR and exit, so the whole process can be timed
//! on the same files (`cd DIR && hyperfine -N 'rask -n t00000'`).

use std::path::PathBuf;
use std::time::{Duration, Instant};

const SIZES: [usize; 5] = [1_000, 2_000, 5_000, 10_000, 20_000];
const EDGES_PER_TASK: usize = 3;
const RUNS: usize = 15;

/// The cases `main` runs: those named on the command line, else all.
const CASES: [&str; 4] = ["sizes", "included", "memo", "scripts"];

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let dir_after = |flag: &str| {
        let at = args.iter().position(|arg| arg == flag)?;
        Some(PathBuf::from(
            args.get(at + 1).expect("the flag takes a directory"),
        ))
    };
    if let Some(dir) = dir_after("--write-included") {
        return write_included_project(&dir, 10_000);
    }
    if let Some(dir) = dir_after("--write-scripts") {
        return write_script_project(&dir, 1_000);
    }
    // `cargo test --benches` runs this with `--bench` absent; keep that quick.
    let quick = !args.iter().any(|arg| arg == "--bench");
    let runs = match args.iter().position(|arg| arg == "--runs") {
        Some(at) => (args.get(at + 1))
            .and_then(|runs| runs.parse().ok())
            .filter(|&runs| runs > 0)
            .expect("--runs takes a positive number"),
        None => RUNS,
    };
    let named: Vec<&str> = CASES
        .into_iter()
        .filter(|case| args.iter().any(|arg| arg == case))
        .collect();
    let runs_case = |case: &str| named.is_empty() || named.contains(&case);
    // The cases time the real parse; the memo (config/memo.rs) is timed last, in `included`.
    let memo_dir = tempfile::tempdir().expect("the system temp dir is writable");
    // SAFETY: single-threaded here, before anything reads the environment.
    unsafe {
        std::env::set_var("RASK_CONFIG_MEMO", "off");
        std::env::set_var("XDG_CACHE_HOME", memo_dir.path());
    }
    if runs_case("sizes") {
        sizes(quick, runs);
    }
    if runs_case("included") {
        included(runs);
    }
    if runs_case("memo") {
        memo(runs);
    }
    if runs_case("scripts") {
        scripts(runs);
    }
}

/// Parse and parse + plan of random DAGs, 1k to 20k tasks.
fn sizes(quick: bool, runs: usize) {
    let sizes: &[usize] = if quick { &SIZES[..1] } else { &SIZES };
    println!(
        "{:>7} {:>7} {:>11} {:>12} {:>16} {:>14}",
        "tasks", "edges", "toml (ms)", "parse (ms)", "parse+plan (ms)", "per task (µs)"
    );
    for &tasks in sizes {
        let text = generate(tasks, tasks * EDGES_PER_TASK);
        let path = PathBuf::from("tasks.toml");
        let toml = median(runs, || {
            rask::bench_support::parse_toml_only(&text).expect("generated file is TOML");
        });
        let parse = median(runs, || {
            rask::bench_support::parse(path.clone(), text.clone()).expect("generated file parses");
        });
        let plan = median(runs, || {
            let planned = rask::bench_support::parse_and_plan(path.clone(), text.clone(), "t00000")
                .expect("generated file plans");
            assert_eq!(planned, tasks, "task 0 reaches every task");
        });
        println!(
            "{tasks:>7} {:>7} {:>11.2} {:>12.2} {:>16.2} {:>14.2}",
            tasks * EDGES_PER_TASK,
            toml.as_secs_f64() * 1e3,
            parse.as_secs_f64() * 1e3,
            plan.as_secs_f64() * 1e3,
            plan.as_secs_f64() * 1e6 / tasks as f64
        );
    }
}

/// The issue-6 speed case: 10,000 tasks over two levels of includes, with vars and conditions.
fn included(runs: usize) {
    let tasks = 10_000;
    let dir = tempfile::tempdir().expect("the system temp dir is writable");
    write_included_project(dir.path(), tasks);
    let root = dir.path().join("tasks.toml");
    let included = median(runs, || {
        let planned = rask::bench_support::load_and_plan(&root, "t00000")
            .unwrap_or_else(|error| panic!("generated project plans: {error}"));
        assert_eq!(planned, tasks, "t00000 reaches every task");
    });
    println!(
        "\n{tasks} tasks in 3 files (two levels of includes), vars, a computed var, `if` on every task: read + parse + plan {:.2} ms",
        included.as_secs_f64() * 1e3
    );
}

/// The included project again, read from the memo of its model.
fn memo(runs: usize) {
    let dir = tempfile::tempdir().expect("the system temp dir is writable");
    write_included_project(dir.path(), 10_000);
    let root = dir.path().join("tasks.toml");
    // SAFETY: still single-threaded; the memo is on from here on.
    unsafe { std::env::remove_var("RASK_CONFIG_MEMO") };
    let memo = median(runs, || {
        rask::bench_support::load_and_plan(&root, "t00000").expect("generated project plans");
    });
    println!(
        "the same, read from the memo of its model: {:.2} ms",
        memo.as_secs_f64() * 1e3
    );
}

/// A directory include of 1,000 script files, listed (with the memo on, as in a real run).
fn scripts(runs: usize) {
    // SAFETY: still single-threaded.
    unsafe { std::env::remove_var("RASK_CONFIG_MEMO") };
    let scripts = 1_000;
    let dir = tempfile::tempdir().expect("the system temp dir is writable");
    write_script_project(dir.path(), scripts);
    let root = dir.path().join("tasks.toml");
    let listed = median(runs, || {
        rask::bench_support::load_and_list(&root)
            .unwrap_or_else(|error| panic!("generated project lists: {error}"));
    });
    println!(
        "{scripts} script files in a directory include (10 subdirectories, 3 header keys each): read + parse + --list {:.2} ms",
        listed.as_secs_f64() * 1e3
    );
}

/// A root file including `tasks/` as a script directory of `scripts` executable files in 10
/// subdirectories, each with a shebang, a description, a group and a parameter in its
/// header, then a body that is never run. Written to `dir`.
fn write_script_project(dir: &std::path::Path, scripts: usize) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::create_dir_all(dir).expect("the temp dir is writable");
    std::fs::write(
        dir.join("tasks.toml"),
        "[includes]\nscripts = { dir = \"tasks\" }\n[tasks.build]\nrun = \"true\"\n",
    )
    .expect("the temp dir is writable");
    for script in 0..scripts {
        let sub = dir.join(format!("tasks/part{}", script % 10));
        std::fs::create_dir_all(&sub).expect("the temp dir is writable");
        let path = sub.join(format!("s{script:04}"));
        std::fs::write(
            &path,
            format!(
                "#!/bin/sh\n# rask description = \"script {script}\"\n# rask group = \"g{}\"\n# rask params = [{{ name = \"target\", default = \"x\" }}]\nexit 1\n",
                script % 7
            ),
        )
        .expect("the temp dir is writable");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755))
            .expect("the temp dir is writable");
    }
}

/// The issue-6 shape: `tasks` tasks split over a root file and two levels of includes
/// (`a`, `a:b`), every task using a var in its command and an `if` condition, the files' vars
/// referring to each other, and one computed var (run once, by the plan). Written to `dir`.
fn write_included_project(dir: &std::path::Path, tasks: usize) {
    let per_file = tasks / 3;
    let counts = [per_file, per_file, tasks - 2 * per_file];
    let files = [
        ("", "tasks.toml"),
        ("a:", "a/tasks.toml"),
        ("a:b:", "a/b/tasks.toml"),
    ];
    std::fs::create_dir_all(dir.join("a/b")).expect("the temp dir is writable");
    for (level, ((prefix, file), count)) in files.iter().zip(counts).enumerate() {
        let mut out = String::with_capacity(count * 160);
        match level {
            0 => out.push_str(
                "[vars]\nversion = \"1.0\"\nrev = { sh = \"echo abc123\" }\ntag = \"v{{version}}-{{rev}}\"\n[includes]\na = \"a\"\n",
            ),
            1 => out.push_str("[vars]\nlevel = \"one-{{version}}\"\n[includes]\nb = \"b/tasks.toml\"\n"),
            _ => out.push_str("[vars]\nlevel = \"two\"\n[env]\nLEVEL = \"{{level}}\"\n"),
        }
        let var = if level == 0 { "tag" } else { "level" };
        for task in 0..count {
            out.push_str(&format!(
                "[tasks.t{task:05}]\ndescription = \"task {task}\"\nif = \"test -n {{{{{var}}}}}\"\nrun = \"/usr/bin/true {{{{{var}}}}}\"\n"
            ));
            let mut depends = Vec::new();
            if task + 1 < count {
                depends.push(format!("\"t{:05}\"", task + 1));
            }
            if task + 2 < count {
                depends.push(format!("\"t{:05}\"", task + 2));
            }
            if task + 1 == count && level < 2 {
                // The last task of a file reaches the first of the file it includes.
                let next = files[level + 1].0.trim_start_matches(prefix);
                depends.push(format!("\"{next}t00000\""));
            }
            if !depends.is_empty() {
                out.push_str(&format!("depends = [{}]\n", depends.join(", ")));
            }
            out.push('\n');
        }
        std::fs::write(dir.join(file), out).expect("the temp dir is writable");
    }
}

fn median(runs: usize, mut work: impl FnMut()) -> Duration {
    let mut times: Vec<Duration> = (0..runs)
        .map(|_| {
            let start = Instant::now();
            work();
            start.elapsed()
        })
        .collect();
    times.sort();
    times[runs / 2]
}

/// A random DAG in tasks.toml form: edges only point to higher-numbered tasks, and each
/// task also depends on its successor, so `t00000` reaches everything.
fn generate(tasks: usize, edges: usize) -> String {
    let mut seed: u64 = 0x5eed;
    let mut next = move || {
        // xorshift64*: deterministic and dependency-free.
        seed ^= seed >> 12;
        seed ^= seed << 25;
        seed ^= seed >> 27;
        seed.wrapping_mul(0x2545_f491_4f6c_dd1d)
    };
    let mut depends: Vec<Vec<usize>> = (0..tasks)
        .map(|task| {
            if task + 1 < tasks {
                vec![task + 1]
            } else {
                Vec::new()
            }
        })
        .collect();
    for _ in 0..edges.saturating_sub(tasks - 1) {
        let from = (next() % (tasks as u64 - 1)) as usize;
        let to = from + 1 + (next() % (tasks - from - 1) as u64) as usize;
        depends[from].push(to);
    }
    let mut out = String::with_capacity(tasks * 120);
    for (task, depends) in depends.iter().enumerate() {
        out.push_str(&format!(
            "[tasks.t{task:05}]\ndescription = \"task number {task}\"\nrun = \"/usr/bin/true\"\n"
        ));
        if !depends.is_empty() {
            let names: Vec<String> = depends.iter().map(|dep| format!("\"t{dep:05}\"")).collect();
            out.push_str(&format!("depends = [{}]\n", names.join(", ")));
        }
        out.push('\n');
    }
    out
}
