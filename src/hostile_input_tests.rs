//! Property tests over hostile input (issue #8): thousands of generated and mutated task files,
//! and command lines of every shape, through the same path a real invocation takes.
//!
//! The properties: nothing panics; every file is answered (a plan or an error), every rejection
//! of a file's contents points at a line and column; a command line with `-n` in it never
//! resolves to a real run. The `cargo fuzz` target in `fuzz/` searches the same ground without
//! a bound; whatever it finds becomes a case here or a regression test.

use std::ffi::OsString;

use proptest::prelude::*;

use crate::bench_support::answer;
use crate::cli::{self, Action};
use crate::config::{self, Source};

/// Keys rask reads, at every level, so that generated files reach the readers behind them.
const KEYS: &[&str] = &[
    "run",
    "depends",
    "depends_post",
    "description",
    "alias",
    "hide",
    "timeout",
    "env",
    "vars",
    "dir",
    "params",
    "sources",
    "outputs",
    "name",
    "default",
    "help",
    "required",
    "flag",
    "shell",
    "jobs",
    "dotenv",
    "dependz",
];

/// Realistic files to mutate, in the shapes docs/tasks-toml.md shows.
const SEEDS: &[&str] = &[
    r#"
[settings]
shell = ["bash", "-c"]
jobs = 4

[env]
RUST_LOG = "info"

[tasks.build]
description = "Build it"
alias = ["b"]
depends = ["gen"]
run = "cargo build {{mode}}"
params = [{ name = "mode", default = "--release", help = "how" }]
sources = ["src/**/*.rs"]
outputs = ["target/app"]

[tasks.gen]
run = [["protoc", "x.proto"]]
depends_post = "clean"
timeout = "30s"

[tasks.clean]
run = ["rm -rf tmp", "echo done"]
hide = true
env = { A = "1", B = 2 }
dir = "sub"
"#,
    r#"
[tasks.a]
depends = ["b"]
[tasks.b]
depends = ["c"]
[tasks.c]
depends = ["a"]
"#,
    r#"
[tasks.greet]
params = [{ name = "name", required = true }, { name = "loud", flag = true }]
run = "echo hi {{name}} {{loud}}"
"#,
];

/// A TOML value of any type, sometimes extreme.
fn value() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        "[a-z{}\\$ ]{0,12}".prop_map(|text| format!("{text:?}")),
        any::<i64>().prop_map(|number| number.to_string()),
        any::<bool>().prop_map(|flag| flag.to_string()),
        Just("1.5".to_owned()),
        Just("1979-05-27T07:32:00Z".to_owned()),
        Just("\"0s\"".to_owned()),
        Just("\"{{\"".to_owned()),
        Just("\"\\u0000\\u001b[31m\"".to_owned()),
        (1usize..3_000).prop_map(|length| format!("\"{}\"", "x".repeat(length))),
        Just("{ name = \"n\" }".to_owned()),
    ];
    leaf.prop_recursive(4, 24, 4, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4)
                .prop_map(|items| format!("[{}]", items.join(", "))),
            proptest::collection::vec((proptest::sample::select(KEYS), inner), 0..4).prop_map(
                |pairs| {
                    let pairs: Vec<String> = pairs
                        .into_iter()
                        .map(|(key, value)| format!("{key} = {value}"))
                        .collect();
                    format!("{{ {} }}", pairs.join(", "))
                }
            ),
        ]
    })
}

/// A file of generated tasks: every key with values of every type, names that may clash,
/// be empty, huge, or refer to each other.
fn generated_file() -> impl Strategy<Value = String> {
    let name = prop_oneof![
        "[a-c]{1,2}",
        Just("\"\"".to_owned()),
        Just("\"a b\"".to_owned()),
        (200usize..2_000).prop_map(|length| "n".repeat(length)),
    ];
    let task = (
        name,
        proptest::collection::vec((proptest::sample::select(KEYS), value()), 0..6),
    );
    (
        proptest::option::of(proptest::collection::vec(
            (proptest::sample::select(KEYS), value()),
            0..3,
        )),
        proptest::collection::vec(task, 0..8),
    )
        .prop_map(|(settings, tasks)| {
            let mut text = String::new();
            if let Some(settings) = settings {
                text.push_str("[settings]\n");
                for (key, value) in settings {
                    text.push_str(&format!("{key} = {value}\n"));
                }
            }
            for (name, keys) in tasks {
                text.push_str(&format!("[tasks.{name}]\n"));
                for (key, value) in keys {
                    text.push_str(&format!("{key} = {value}\n"));
                }
            }
            text
        })
}

/// One edit of a seed: insert hostile characters, delete a range, or repeat a line.
#[derive(Debug, Clone)]
enum Edit {
    Insert(proptest::sample::Index, String),
    Delete(proptest::sample::Index, usize),
    RepeatLine(proptest::sample::Index),
}

fn edit() -> impl Strategy<Value = Edit> {
    let hostile = prop_oneof![
        "[\\[\\]{}\"'=,.\n\t\\\\#]{1,4}",
        Just("\u{0}".to_owned()),
        Just("\u{7f}\u{1b}".to_owned()),
        Just("é漢😀".to_owned()),
        Just("[[tasks]]\n".to_owned()),
        Just("\n[tasks.a]\n".to_owned()),
        Just("{{ x }}".to_owned()),
    ];
    prop_oneof![
        (any::<proptest::sample::Index>(), hostile).prop_map(|(at, text)| Edit::Insert(at, text)),
        (any::<proptest::sample::Index>(), 1usize..20)
            .prop_map(|(at, length)| Edit::Delete(at, length)),
        any::<proptest::sample::Index>().prop_map(Edit::RepeatLine),
    ]
}

fn apply(seed: &str, edits: &[Edit]) -> String {
    let mut text: Vec<char> = seed.chars().collect();
    for edit in edits {
        match edit {
            Edit::Insert(at, insert) => {
                let at = at.index(text.len() + 1);
                text.splice(at..at, insert.chars());
            }
            Edit::Delete(at, length) if !text.is_empty() => {
                let at = at.index(text.len());
                let end = (at + length).min(text.len());
                text.drain(at..end);
            }
            Edit::Delete(..) => {}
            Edit::RepeatLine(at) => {
                let joined: String = text.iter().collect();
                let lines: Vec<&str> = joined.lines().collect();
                if !lines.is_empty() {
                    let line = lines[at.index(lines.len())];
                    text.extend(format!("\n{line}\n").chars());
                }
            }
        }
    }
    text.into_iter().collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn issue_8_any_generated_file_is_answered_with_a_location(text in generated_file()) {
        let _ = answer(&text);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn issue_8_any_mutated_seed_is_answered_with_a_location(
        seed in proptest::sample::select(SEEDS),
        edits in proptest::collection::vec(edit(), 1..8),
    ) {
        let _ = answer(&apply(seed, &edits));
    }
}

/// The task file every command line below is read against.
const ARGV_FILE: &str = r#"
[tasks.build]
run = "true"
[tasks.test]
run = "true"
[tasks.run]
run = "true"
[tasks.greet]
params = [{ name = "name", default = "x" }, { name = "loud", flag = true }]
run = "true"
"#;

/// Words a command line is built from: rask's options in every spelling, task names, task
/// arguments, and junk.
const WORDS: &[&str] = &[
    "build",
    "test",
    "run",
    "greet",
    "Bob",
    "--name",
    "--name=Al",
    "--loud",
    "-k",
    "-j",
    "-j4",
    "-j=2",
    "-kj4",
    "-kj",
    "2",
    "-q",
    "-B",
    "-f",
    "--file",
    "--keep-going",
    "--output",
    "grouped",
    "--timeout",
    "5s",
    "-z",
    "-x",
    "--dry-rn",
    "--",
    "-",
    "",
    "-l",
    "--graph",
    "--color=never",
];

/// `-n` in any of its forms.
const DRY_RUN: &[&str] = &["-n", "--dry-run", "-nk", "-kn", "-qn", "-nB", "-knq"];

proptest! {
    #![proptest_config(ProptestConfig { cases: 1000, failure_persistence: None, ..ProptestConfig::default() })]

    /// Wherever `-n` stands, before the task words or among them, a command line either is
    /// refused or does not run: a dry run that runs is the worst failure a task runner has.
    #[test]
    fn issue_8_a_command_line_with_dry_run_never_runs(
        before in proptest::collection::vec(proptest::sample::select(WORDS), 0..4),
        after in proptest::collection::vec(proptest::sample::select(WORDS), 0..5),
        dry_run in proptest::sample::select(DRY_RUN),
        dry_run_first in any::<bool>(),
    ) {
        let mut argv: Vec<OsString> = vec!["rask".into()];
        // The dry run goes before any `--`: after it, it is a word for the task.
        let (before, dry_run_first) = match before.iter().position(|word| *word == "--") {
            Some(end) => (before[..end].to_vec(), true),
            None => (before, dry_run_first),
        };
        argv.extend(before.iter().map(OsString::from));
        let mut tail: Vec<&str> = after;
        let cut = tail.iter().position(|word| *word == "--").unwrap_or(tail.len());
        if dry_run_first {
            argv.push(dry_run.into());
        } else {
            tail.insert(cut, dry_run);
        }
        argv.extend(tail.iter().map(OsString::from));
        let file = config::parse(&Source::in_memory(ARGV_FILE)).expect("the file is valid");
        let Ok(args) = cli::parse(&argv) else { return Ok(()) };
        if args.file.is_some() || cli::file_among(&args.words).is_some() {
            // Read against another file: out of this test's reach (the file does not exist).
            return Ok(());
        }
        if let Ok(invocation) = cli::resolve(&argv, args, &file) {
            prop_assert_ne!(invocation.action, Action::Run, "{:?}", argv);
        }
    }
}
