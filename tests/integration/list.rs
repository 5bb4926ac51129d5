//! Looking without running: `--list` (text and JSON), `--graph`, `--dot`.

use crate::common::Test;

const PROJECT: &str = r#"
    [tasks.build]
    description = "Build it"
    alias = ["compile"]
    depends = ["gen"]
    run = "touch build-ran"
    [tasks.gen]
    description = "Generate code"
    depends = ["proto"]
    run = "touch gen-ran"
    [tasks.proto]
    description = "Compile protos"
    run = "touch proto-ran"
    [tasks.a-much-longer-name]
    description = "Long"
    run = "true"
    [tasks.secret]
    description = "Hidden helper"
    hide = true
    run = "true"
    [tasks.lint]
    run = "true"
"#;

/// The column (in characters) where `needle` starts on the first line of `text` containing it.
fn column_of(text: &str, needle: &str) -> usize {
    let line = text
        .lines()
        .find(|line| line.contains(needle))
        .unwrap_or_else(|| panic!("no line contains {needle:?} in:\n{text}"));
    line[..line.find(needle).expect("found above")]
        .chars()
        .count()
}

fn line_index(text: &str, needle: &str) -> usize {
    text.lines()
        .position(|line| line.contains(needle))
        .unwrap_or_else(|| panic!("no line contains {needle:?} in:\n{text}"))
}

#[test]
fn list_shows_names_aliases_and_aligned_descriptions_but_not_hidden_tasks() {
    let output = Test::new()
        .tasks_toml(PROJECT)
        .args(["--list"])
        .expect_stdout_contains("compile")
        .expect_stdout_contains("lint")
        .expect_stdout_not_contains("secret")
        .expect_stdout_not_contains("Hidden helper")
        .expect_no_file("build-ran")
        .success();
    let text = output.stdout_text();
    let build = line_index(&text, "Build it");
    assert!(text.lines().nth(build).unwrap().contains("build"), "{text}");
    assert!(
        text.lines().nth(build).unwrap().contains("compile"),
        "alias on the task's line: {text}"
    );
    let columns: Vec<usize> = ["Build it", "Generate code", "Compile protos", "Long"]
        .iter()
        .map(|description| column_of(&text, description))
        .collect();
    assert!(
        columns.windows(2).all(|pair| pair[0] == pair[1]),
        "descriptions not aligned {columns:?}:\n{text}"
    );
}

#[test]
fn short_list_flag_is_the_same_as_long() {
    let long = Test::new()
        .tasks_toml(PROJECT)
        .args(["--list"])
        .expect_stdout_contains("Build it")
        .success();
    Test::new()
        .tasks_toml(PROJECT)
        .args(["-l"])
        .expect_stdout(&long.stdout_text())
        .success();
}

#[test]
fn list_includes_short_form_tasks() {
    Test::new()
        .tasks_toml(
            r#"
            [tasks]
            lint = "echo lint"
            fmt = "echo fmt"
            "#,
        )
        .args(["--list"])
        .expect_stdout_contains("lint")
        .expect_stdout_contains("fmt")
        .success();
}

#[test]
fn list_json_has_name_description_aliases_and_depends() {
    let output = Test::new()
        .tasks_toml(PROJECT)
        .args(["--list", "--json"])
        .success();
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap_or_else(|error| {
        panic!(
            "--list --json is not JSON ({error}):\n{}",
            output.stdout_text()
        )
    });
    let tasks = json.as_array().expect("a JSON array");
    let find = |name: &str| {
        tasks
            .iter()
            .find(|task| task["name"] == name)
            .unwrap_or_else(|| panic!("no task {name:?} in {json:#}"))
    };
    let build = find("build");
    assert_eq!(build["description"], "Build it");
    assert_eq!(build["aliases"], serde_json::json!(["compile"]));
    assert_eq!(build["depends"], serde_json::json!(["gen"]));
    let lint = find("lint");
    assert_eq!(lint["aliases"], serde_json::json!([]));
    assert_eq!(lint["depends"], serde_json::json!([]));
    assert_eq!(find("gen")["depends"], serde_json::json!(["proto"]));
}

#[test]
fn graph_prints_the_dependency_tree_of_the_task() {
    let output = Test::new()
        .tasks_toml(PROJECT)
        .args(["--graph", "build"])
        .expect_stdout_not_contains("lint")
        .expect_stdout_not_contains("a-much-longer-name")
        .expect_no_file("build-ran")
        .expect_no_file("gen-ran")
        .success();
    let text = output.stdout_text();
    let (build, gen_, proto) = (
        line_index(&text, "build"),
        line_index(&text, "gen"),
        line_index(&text, "proto"),
    );
    assert!(build < gen_ && gen_ < proto, "tree not top-down:\n{text}");
    assert!(
        column_of(&text, "build") < column_of(&text, "gen")
            && column_of(&text, "gen") < column_of(&text, "proto"),
        "each level must be indented further:\n{text}"
    );
}

#[test]
fn dot_prints_a_graphviz_digraph_with_the_edges() {
    Test::new()
        .tasks_toml(PROJECT)
        .args(["--dot", "build"])
        .expect_stdout_contains("digraph")
        .expect_stdout_contains(r#""build" -> "gen""#)
        .expect_stdout_contains(r#""gen" -> "proto""#)
        .expect_stdout_not_contains("lint")
        .expect_no_file("build-ran")
        .success();
}

#[test]
fn list_text_snapshot() {
    let output = Test::new().tasks_toml(PROJECT).args(["--list"]).success();
    insta::assert_snapshot!(output.stdout_text(), @r"
    build (compile)     Build it
    gen                 Generate code
    proto               Compile protos
    a-much-longer-name  Long
    lint
    ");
}

#[test]
fn graph_marks_an_already_shown_subtree_snapshot() {
    let output = Test::new()
        .tasks_toml(
            r#"
            [tasks.build]
            depends = ["gen", "proto"]
            [tasks.gen]
            depends = ["proto"]
            [tasks.proto]
            run = "true"
            "#,
        )
        .args(["--graph", "build"])
        .success();
    insta::assert_snapshot!(output.stdout_text(), @r"
    build
    ├── gen
    │   └── proto
    └── proto (*)
    ");
}

#[test]
fn hidden_tasks_still_run_when_named() {
    Test::new()
        .tasks_toml(
            r#"
            [tasks.secret]
            hide = true
            run = "echo secret ran"
            "#,
        )
        .args(["secret"])
        .expect_stdout("secret ran\n")
        .success();
}

/// A huge name aborted `--list` ("Formatting argument out of range") and padded every other
/// description to its width; the column is capped and counted in display width (issue #8).
#[test]
fn issue_8_list_caps_the_name_column_and_counts_display_width() {
    let huge = "x".repeat(70_000);
    let output = Test::new()
        .tasks_toml(&format!(
            r#"
            [tasks.build]
            description = "Build it"
            run = "true"
            [tasks."構築"]
            description = "Build it, in Japanese"
            run = "true"
            [tasks.{huge}]
            description = "Huge"
            run = "true"
            "#
        ))
        .args(["--list"])
        .success();
    let text = output.stdout_text();
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("build  Build it"));
    assert_eq!(lines.next(), Some("構築   Build it, in Japanese"));
    assert_eq!(lines.next(), Some(format!("{huge}  Huge").as_str()));
    assert_eq!(lines.next(), None);
}

/// A 50,000-deep chain drew every level indented further: quadratic output. Past a depth the
/// tree hands over to `--graph` of that task.
#[test]
fn issue_8_graph_of_a_deep_chain_stays_linear() {
    let mut toml = String::new();
    for index in 0..50_000 {
        toml.push_str(&format!(
            "[tasks.t{index}]\ndepends = [\"t{}\"]\n",
            index + 1
        ));
    }
    toml.push_str("[tasks.t50000]\nrun = \"true\"\n");
    let output = Test::new()
        .tasks_toml(&toml)
        .args(["--graph", "t0"])
        .success();
    let text = output.stdout_text();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 49);
    assert!(
        lines[48].ends_with("└── t48 (deeper: `rask --graph t48`)"),
        "{}",
        lines[48]
    );
    assert!(text.len() < 20_000, "{} bytes", text.len());
}

/// `--graph` showed only `depends`; `--dot` also showed `depends_post` (dashed).
#[test]
fn issue_8_graph_shows_depends_post_like_dot() {
    let toml = r#"
        [tasks.test]
        depends = ["build"]
        depends_post = ["cleanup"]
        run = "true"
        [tasks.build]
        run = "true"
        [tasks.cleanup]
        run = "true"
        "#;
    let output = Test::new()
        .tasks_toml(toml)
        .args(["--graph", "test"])
        .success();
    insta::assert_snapshot!(output.stdout_text(), @r"
    test
    ├── build
    └── cleanup (post)
    ");
    Test::new()
        .tasks_toml(toml)
        .args(["--dot", "test"])
        .expect_stdout_contains(r#""test" -> "cleanup" [style=dashed];"#)
        .success();
}
