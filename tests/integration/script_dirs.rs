//! A directory of script tasks (issue #11): `[includes] scripts = { dir = "tasks" }` makes
//! every executable file a task named after its path, with task keys read from its header
//! comments (without running it), run directly in the directory.

use crate::common::Test;

const ROOT: &str = r#"
    [includes]
    scripts = { dir = "tasks" }
    [tasks.build]
    run = "echo build >> log"
    "#;

const MIGRATE: &str = r#"
    #!/bin/sh
    # rask description = "Run the migrations"
    # rask depends = [":build"]
    # rask params = [{ name = "target", default = "latest" }]
    # An ordinary comment, not a key.
    echo "migrate $RASK_PARAM_TARGET $(basename "$(pwd)") $*" >> ../log
    "#;

fn project() -> Test {
    Test::new()
        .tasks_toml(ROOT)
        .write_executable("tasks/db/migrate", MIGRATE)
        .write_executable(
            "tasks/seed",
            "#!/bin/sh\n# rask group = \"data\"\ntouch ../seeded\n",
        )
        .write("tasks/notes.txt", "#!/bin/sh\ntouch ../ran-notes\n")
}

#[test]
fn each_executable_file_is_a_task_with_its_header_keys() {
    project()
        .args(["scripts:db:migrate", "--target", "v2", "--", "--dry"])
        .expect_file("log", "build\nmigrate v2 tasks --dry\n")
        .success();
}

#[test]
fn list_reads_headers_without_running_the_scripts() {
    let output = project()
        .args(["--list"])
        .expect_no_file("seeded")
        .success();
    insta::assert_snapshot!(output.stdout_text(), @r"
    build

    scripts:
      scripts:db:migrate  Run the migrations
      [data]
        scripts:seed
    ");
}

#[test]
fn a_file_without_an_executable_bit_is_no_task() {
    project()
        .args(["scripts:notes.txt"])
        .expect_no_file("ran-notes")
        .expect_stderr_contains("no task named `scripts:notes.txt`")
        .expect_stderr_contains(
            "notes.txt` starts with `#!` but is not executable, so it is no task",
        )
        .status(2);
}

#[test]
fn a_flattened_aliased_script_directory() {
    Test::new()
        .tasks_toml(&ROOT.replace("\"tasks\" }", "\"tasks\", flatten = true }"))
        .write_executable("tasks/db/migrate", MIGRATE)
        .args(["db:migrate", "v3"])
        .expect_file("log", "build\nmigrate v3 tasks \n")
        .success();
    Test::new()
        .tasks_toml("[includes]\nscripts = { dir = \"tasks\", aliases = [\"s\"] }\n")
        .write_executable("tasks/seed", "#!/bin/sh\ntouch ../seeded\n")
        .args(["s:seed"])
        .expect_file("seeded", "")
        .success();
}

#[test]
fn a_missing_script_directory_is_an_error_unless_optional() {
    Test::new()
        .tasks_toml("[includes]\nscripts = { dir = \"tasks\" }\n[tasks.ok]\nrun = \"touch ran\"\n")
        .args(["ok"])
        .expect_stderr_contains("cannot read script directory `tasks`")
        .expect_no_file("ran")
        .status(2);
    Test::new()
        .tasks_toml(
            "[includes]\nscripts = { dir = \"tasks\", optional = true }\n[tasks.ok]\nrun = \"touch ran\"\n",
        )
        .args(["ok"])
        .expect_file("ran", "")
        .success();
}

#[test]
fn bad_headers_point_into_the_script_and_nothing_runs() {
    let refusal = Test::new()
        .tasks_toml(ROOT)
        .write_executable(
            "tasks/broken",
            "#!/bin/sh\n# rask description = \"unterminated\n# rask group = \"x\"\ntouch ../ran\n",
        )
        .write_executable(
            "tasks/keys",
            "#!/bin/sh\n# rask run = \"echo hi\"\n# rask dependz = [\"build\"]\n# rask timeout = 5\ntouch ../ran\n",
        )
        .args(["build"])
        .refusal();
    insta::assert_snapshot!(refusal);
}
