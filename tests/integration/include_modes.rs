//! Include modes (issue #11): `flatten = true` merges an include's tasks into the includer's
//! names, `aliases` give a namespace other names, a namespace's `default` task runs by the
//! namespace's name; and task `group`s, which `--list` shows as headings and
//! `--list --group` filters on.

use crate::common::Test;

const ROOT: &str = r#"
    [includes]
    web = { path = "web", aliases = ["w"] }
    lib = { path = "lib/tasks.toml", flatten = true }
    [tasks.build]
    description = "Build everything"
    run = "echo root-build >> log"
    [tasks.publish]
    group = "release"
    description = "Publish the crate"
    run = "echo publish >> log"
    "#;

const WEB: &str = r#"
    [tasks.default]
    depends = ["gen"]
    run = "echo web-default >> ../log"
    [tasks.gen]
    group = "codegen"
    run = "echo web-gen >> ../log"
    [tasks.ship]
    group = "release"
    description = "Ship the site"
    run = "echo web-ship >> ../log"
    "#;

const LIB: &str = r#"
    [tasks.fmt]
    description = "Format the library"
    depends = ["schema"]
    run = "echo fmt $(basename $(pwd)) >> ../log"
    [tasks.schema]
    group = "codegen"
    run = "echo schema >> ../log"
    "#;

fn project() -> Test {
    Test::new()
        .tasks_toml(ROOT)
        .write("web/tasks.toml", WEB)
        .write("lib/tasks.toml", LIB)
}

#[test]
fn a_flattened_include_adds_its_tasks_under_their_own_names() {
    project()
        .args(["fmt", "-j", "1"])
        .expect_file("log", "schema\nfmt lib\n")
        .success();
}

#[test]
fn a_namespace_alias_reaches_the_namespace_tasks() {
    project()
        .args(["w:gen"])
        .expect_file("log", "web-gen\n")
        .success();
}

#[test]
fn a_namespace_runs_its_default_task_by_its_own_name_or_alias() {
    project()
        .args(["web"])
        .expect_file("log", "web-gen\nweb-default\n")
        .success();
    project()
        .args(["w"])
        .expect_file("log", "web-gen\nweb-default\n")
        .success();
}

#[test]
fn a_root_task_named_like_a_namespace_wins_over_its_default() {
    Test::new()
        .tasks_toml("[includes]\nweb = \"web\"\n[tasks.web]\nrun = \"echo root-web >> log\"\n")
        .write("web/tasks.toml", WEB)
        .args(["web"])
        .expect_file("log", "root-web\n")
        .success();
}

#[test]
fn list_shows_groups_inside_namespaces() {
    let output = project().args(["--list"]).success();
    insta::assert_snapshot!(output.stdout_text(), @r"
    build          Build everything
    fmt            Format the library

    [release]
      publish      Publish the crate

    [codegen]
      schema

    web (w):
      web:default
      [codegen]
        web:gen
      [release]
        web:ship   Ship the site
    ");
}

#[test]
fn list_group_keeps_only_that_group() {
    let output = project().args(["--list", "--group", "release"]).success();
    insta::assert_snapshot!(output.stdout_text(), @r"
    [release]
      publish     Publish the crate

    web (w):
      [release]
        web:ship  Ship the site
    ");
}

#[test]
fn list_json_carries_the_group_and_filters_by_it() {
    let output = project()
        .args(["--list", "--json", "--group", "codegen"])
        .success();
    let json: serde_json::Value =
        serde_json::from_slice(&output.stdout).expect("--list --json prints JSON");
    let tasks: Vec<(&str, &str)> = json
        .as_array()
        .expect("a JSON array")
        .iter()
        .map(|task| {
            (
                task["name"].as_str().expect("a name"),
                task["group"].as_str().expect("a group"),
            )
        })
        .collect();
    assert_eq!(tasks, [("web:gen", "codegen"), ("schema", "codegen")]);
}

#[test]
fn an_unknown_group_filter_is_an_error_with_a_suggestion_and_the_groups() {
    let output = project().args(["--list", "--group", "relase"]).status(2);
    insta::assert_snapshot!(output.stderr_redacted(), @r#"
    error: no group named `relase`
      |
      = help: did you mean `release`?
      = note: the groups are `release`, `codegen`
    note: group `release` is declared here
     --> tasks.toml:8:9
      |
    8 | group = "release"
      |         ^^^^^^^^^
    "#);
    // Nothing close: the groups alone, and nothing to point at.
    let output = project().args(["--list", "--group", "nightly"]).status(2);
    insta::assert_snapshot!(output.stderr_redacted(), @r"
    error: no group named `nightly`
      |
      = note: the groups are `release`, `codegen`
    ");
    // The group suggested is declared in an included file: the note points there.
    let output = project()
        .args(["--list", "--json", "--group", "codegn"])
        .expect_stdout("")
        .status(2);
    insta::assert_snapshot!(output.stderr_redacted(), @r#"
    error: no group named `codegn`
      |
      = help: did you mean `codegen`?
      = note: the groups are `release`, `codegen`
    note: group `codegen` is declared here
     --> web/tasks.toml:5:9
      |
    5 | group = "codegen"
      |         ^^^^^^^^^
    "#);
}

#[test]
fn issue_11_an_unknown_group_filter_without_groups_says_so() {
    Test::new()
        .tasks_toml("[tasks.build]\nrun = \"true\"\n")
        .args(["--list", "--group", "release"])
        .expect_stderr_contains("error: no group named `release`")
        .expect_stderr_contains("help: no task has a `group`")
        .status(2);
}

#[test]
fn bad_include_modes_are_reported_together_and_nothing_runs() {
    let refusal = Test::new()
        .tasks_toml(
            r#"
            [includes]
            web = { path = "web", aliases = ["w", "build", "lib"] }
            lib = { path = "lib/tasks.toml", aliases = ["l"] }
            flat = { path = "flat.toml", flatten = true, aliases = ["f"] }
            [tasks.build]
            run = "echo root-build >> log"
            [tasks.publish]
            group = ""
            run = "true"
            "#,
        )
        .write("web/tasks.toml", WEB)
        .write("lib/tasks.toml", LIB)
        .write(
            "flat.toml",
            "[tasks.build]\nrun = \"echo flat-build >> log\"\n",
        )
        .args(["build"])
        .refusal();
    insta::assert_snapshot!(refusal);
}

#[test]
fn aliases_and_defaults_nest() {
    Test::new()
        .tasks_toml("[includes]\nweb = { path = \"web\", aliases = [\"w\"] }\n")
        .write(
            "web/tasks.toml",
            "[includes]\napi = { path = \"api.toml\", aliases = [\"a\"] }\n",
        )
        .write(
            "web/api.toml",
            "[tasks.default]\nrun = \"echo api-default >> ../log\"\n[tasks.serve]\nrun = \"echo api-serve >> ../log\"\n",
        )
        .args(["w:a", "web:a:serve", "-j", "1"])
        .expect_file("log", "api-default\napi-serve\n")
        .success();
}

#[test]
fn header_and_task_file_problems_are_reported_together() {
    Test::new()
        .tasks_toml(
            "[includes]\nweb = { path = \"web\", aliases = [\"build\"] }\nscripts = { dir = \"tasks\" }\n[tasks.build]\nrun = \"touch ran\"\ngroup = 3\n",
        )
        .write("web/tasks.toml", WEB)
        .write_executable("tasks/x", "#!/bin/sh\n# rask hide = \"yes\"\ntouch ../ran\n")
        .args(["build"])
        .expect_no_file("ran")
        .expect_stderr_contains("tasks.toml:2:34")
        .expect_stderr_contains("tasks.toml:6:9")
        .expect_stderr_contains("tasks/x:2:15")
        .status(2);
}

#[test]
fn issue_11_completion_offers_namespace_aliases_and_a_namespace_with_a_default_task() {
    // The way a shell asks (`COMPLETE=fish rask -- rask w`): one `name<TAB>help` per line.
    let output = project()
        .env("COMPLETE", "fish")
        .args(["--", "rask", "w"])
        .success();
    let names: Vec<String> = (output.stdout_lines().iter())
        .map(|line| line.split('\t').next().unwrap_or_default().to_owned())
        .collect();
    for name in ["web", "w", "web:gen", "w:gen", "w:ship", "w:default"] {
        assert!(names.contains(&name.to_owned()), "`{name}` in {names:?}");
    }
    let unique: std::collections::HashSet<&String> = names.iter().collect();
    assert_eq!(unique.len(), names.len(), "each name once: {names:?}");
    // With the root's names and aliases, and its help text.
    let output = project()
        .env("COMPLETE", "fish")
        .args(["--", "rask", "b"])
        .success();
    assert_eq!(output.stdout_text(), "build\tBuild everything\n");
}

#[test]
fn issue_11_a_flatten_clash_points_at_the_later_definition_and_notes_the_first() {
    let output = Test::new()
        .tasks_toml(
            r#"
            [includes]
            one = { path = "one.toml", flatten = true }
            two = { path = "two.toml", flatten = true }
            [tasks.root]
            run = "touch ran"
            "#,
        )
        .write("one.toml", "[tasks.fmt]\nrun = \"touch ran\"\n")
        .write(
            "two.toml",
            "[tasks.other]\nrun = \"touch ran\"\n\n[tasks.fmt]\nrun = \"touch ran\"\n",
        )
        .args(["root"])
        .expect_no_file("ran")
        .status(2);
    insta::assert_snapshot!(output.stderr_redacted(), @r"
    error: task `fmt` is defined twice: in `one.toml` and in `two.toml`
     --> two.toml:4:8
      |
    4 | [tasks.fmt]
      |        ^^^ defined again here
      |
     ::: one.toml:1:8
      |
    1 | [tasks.fmt]
      |        --- first defined here
      |
      = help: rename one of them, or include the file without `flatten = true` to keep its tasks under a namespace
    ");
}
