//! `[includes]`: other task files whose tasks join as `namespace:task`, resolving names in
//! their own namespace first, running in their own directory, with their own vars and env;
//! and errors that point into the included file itself.

use crate::common::Test;

const ROOT: &str = r#"
    [vars]
    version = "1.0"
    [includes]
    web = "web"
    extras = { path = "extras.toml", optional = true }
    [tasks.gen]
    run = "echo root-gen >> ../log"
    dir = "out"
    [tasks.all]
    depends = ["web:build"]
    run = "echo all >> log"
    "#;

const WEB: &str = r#"
    [vars]
    name = "webapp"
    [env]
    WEB = "{{name}}-{{version}}"
    [includes]
    api = { path = "api/tasks.toml", dir = "." }
    [tasks.gen]
    description = "Generate the web assets"
    run = "echo web-gen $(basename $(pwd)) >> ../log"
    [tasks.build]
    description = "Build the web app"
    depends = ["gen", ":gen", "api:serve"]
    run = "echo build $WEB {{name}} >> ../log"
    "#;

const API: &str = r#"
    [tasks.serve]
    run = "echo api-serve $(basename $(pwd)) >> ../log"
    "#;

fn project() -> Test {
    Test::new()
        .tasks_toml(ROOT)
        .write("web/tasks.toml", WEB)
        .write("web/api/tasks.toml", API)
        .create_dir("out")
}

#[test]
fn included_tasks_resolve_their_own_namespace_first_and_run_in_their_directory() {
    project()
        .args(["all", "-j", "1"])
        .expect_file(
            "log",
            "web-gen web\nroot-gen\napi-serve web\nbuild webapp-1.0 webapp\nall\n",
        )
        .success();
}

#[test]
fn an_included_task_runs_by_its_full_name() {
    project()
        .args(["web:api:serve"])
        .expect_file("log", "api-serve web\n")
        .success();
}

#[test]
fn list_groups_included_tasks_under_their_namespace() {
    let output = project().args(["--list"]).success();
    insta::assert_snapshot!(output.stdout_text(), @r#"
    gen
    all

    web:
      web:gen        Generate the web assets
      web:build      Build the web app

    web:api:
      web:api:serve
    "#);
}

#[test]
fn list_json_carries_the_namespace() {
    project()
        .args(["--list", "--json"])
        .expect_stdout_contains(r#""name": "web:api:serve","#)
        .expect_stdout_contains(r#""namespace": "web:api","#)
        .expect_stdout_contains(r#""namespace": null,"#)
        .success();
}

#[test]
fn errors_point_into_the_included_file() {
    let output = Test::new()
        .tasks_toml(ROOT)
        .write(
            "web/tasks.toml",
            "[tasks.build]\nrun = \"true\"\ndependz = [\"gen\"]\n",
        )
        .args(["all"])
        .expect_no_file("log")
        .status(2);
    insta::assert_snapshot!(output.stderr_redacted(), @r#"
    error: unknown key `dependz` in task `build`
     --> web/tasks.toml:3:1
      |
    3 | dependz = ["gen"]
      | ^^^^^^^ unknown key
      |
      = help: did you mean `depends`?
    "#);
}

#[test]
fn an_unknown_dependency_in_an_included_file_points_there() {
    Test::new()
        .tasks_toml("[includes]\nweb = \"web/tasks.toml\"\n")
        .write(
            "web/tasks.toml",
            "[tasks.build]\ndepends = [\"gne\"]\nrun = \"true\"\n",
        )
        .args(["web:build"])
        .expect_stderr_contains("task `web:build` depends on unknown task `gne`")
        .expect_stderr_contains("web/tasks.toml:2:12")
        .status(2);
}

#[test]
fn an_include_cycle_shows_the_chain_of_files() {
    let output = Test::new()
        .tasks_toml("[includes]\na = \"a.toml\"\n")
        .write("a.toml", "[includes]\nb = \"b.toml\"\n")
        .write("b.toml", "[includes]\nroot = \"tasks.toml\"\n")
        .args(["--list"])
        .status(2);
    insta::assert_snapshot!(output.stderr_redacted(), @r#"
    error: include cycle: tasks.toml -> a.toml -> b.toml -> tasks.toml
     --> b.toml:2:8
      |
    2 | root = "tasks.toml"
      |        ^^^^^^^^^^^^ closes the cycle
      |
      = help: a file cannot include itself, directly or through others
    "#);
}

#[test]
fn a_missing_include_is_an_error_unless_optional() {
    let output = Test::new()
        .tasks_toml(
            "[includes]\nweb = \"web/tasks.toml\"\nmaybe = { path = \"maybe.toml\", optional = true }\n[tasks.ok]\nrun = \"touch ran\"\n",
        )
        .args(["ok"])
        .expect_no_file("ran")
        .status(2);
    insta::assert_snapshot!(output.stderr_redacted(), @r#"
    error: cannot read included file `web/tasks.toml`: No such file or directory (os error 2)
     --> tasks.toml:2:7
      |
    2 | web = "web/tasks.toml"
      |       ^^^^^^^^^^^^^^^^ included here
      |
      = help: add `optional = true` if the file may be absent
    "#);
}

/// Issue #11 item 8: an included file sees the root's vars, and its own vars of the same name
/// override them for its tasks (and only for them).
#[test]
fn an_included_file_sees_the_roots_vars_and_its_own_override_them() {
    Test::new()
        .tasks_toml(
            r#"
            [vars]
            version = "1.0"
            channel = "stable"
            [includes]
            web = "web"
            [tasks.root]
            run = "echo root {{version}} {{channel}} >> log"
            "#,
        )
        .write(
            "web/tasks.toml",
            r#"
            [vars]
            version = "2.0-{{channel}}"
            [tasks.show]
            run = "echo web {{version}} {{channel}} >> ../log"
            "#,
        )
        .args(["-j1", "root", "web:show"])
        .expect_file("log", "root 1.0 stable\nweb 2.0-stable stable\n")
        .success();
}
