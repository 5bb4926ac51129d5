//! The JSON schema of `tasks.toml` (draft 2020-12), built from the key tables of `keys.rs`, so
//! the schema editors check against and the parser rask runs cannot drift. The main function
//! here is [`document`].

use serde_json::{Value as Json, json};

use super::ValueType;

use super::keys::{
    COMPUTED_KEYS, ENV_KEYS, INCLUDE_KEYS, Key, PARAM_KEYS, SETTINGS_KEYS, TASK_KEYS, TOP_KEYS,
};
use super::steps::{COMMAND_KEYS, PRECONDITION_KEYS};

/// The whole schema, as committed in `docs/tasks.schema.json`.
pub(crate) fn document() -> Json {
    let mut root = object(TOP_KEYS);
    let fields = root.as_object_mut().expect("object() builds an object");
    fields.insert(
        "$schema".into(),
        json!("https://json-schema.org/draft/2020-12/schema"),
    );
    fields.insert("title".into(), json!("rask tasks.toml"));
    fields.insert(
        "$defs".into(),
        json!({
            "settings": object(SETTINGS_KEYS),
            "task": object(TASK_KEYS),
            "param": object(PARAM_KEYS),
            "computed": object(COMPUTED_KEYS),
            "env_value": env_value(),
            "command": object(COMMAND_KEYS),
            "call": call(),
            "precondition": object(PRECONDITION_KEYS),
            "include": object(INCLUDE_KEYS),
        }),
    );
    root
}

/// A table whose keys are exactly `keys`.
fn object<T>(keys: &[Key<T>]) -> Json {
    let properties: serde_json::Map<String, Json> = keys
        .iter()
        .map(|key| {
            let mut schema = (key.schema)();
            if let Some(fields) = schema.as_object_mut() {
                fields.insert("description".into(), json!(key.doc));
            }
            (key.name.to_owned(), schema)
        })
        .collect();
    json!({ "type": "object", "properties": properties, "additionalProperties": false })
}

/// One form of [`ENV_KEYS`], exactly one key.
fn env_value() -> Json {
    let mut value = object(ENV_KEYS);
    if let Some(fields) = value.as_object_mut() {
        fields.insert("minProperties".into(), json!(1));
        fields.insert("maxProperties".into(), json!(1));
    }
    value
}

pub(crate) fn reference(definition: &str) -> Json {
    json!({ "$ref": format!("#/$defs/{definition}") })
}

pub(crate) fn string() -> Json {
    json!({ "type": "string" })
}

/// A string, or an integer or boolean taken as its text.
pub(crate) fn scalar() -> Json {
    json!({ "type": ["string", "integer", "boolean"] })
}

pub(crate) fn boolean() -> Json {
    json!({ "type": "boolean" })
}

pub(crate) fn positive_integer() -> Json {
    json!({ "type": "integer", "minimum": 1 })
}

pub(crate) fn count() -> Json {
    json!({ "type": "integer", "minimum": 0 })
}

pub(crate) fn value_type() -> Json {
    json!({ "enum": ValueType::NAMES })
}

pub(crate) fn string_array() -> Json {
    json!({ "type": "array", "items": { "type": "string" } })
}

pub(crate) fn string_or_list() -> Json {
    json!({ "anyOf": [string(), string_array()] })
}

/// `depends` / `depends_post`: names, or task calls with arguments.
pub(crate) fn dependencies() -> Json {
    let call = reference("call");
    json!({ "anyOf": [string(), call, { "type": "array", "items": { "anyOf": [string(), call] } }] })
}

/// A task call: `{ task = "lint", args = { fix = "true" } }`, in `depends` or `run`.
fn call() -> Json {
    json!({
        "type": "object",
        "properties": {
            "task": string(),
            "args": {
                "type": "object",
                "additionalProperties": { "type": ["string", "number", "boolean"] },
            },
        },
        "required": ["task"],
        "additionalProperties": false,
    })
}

/// `run` and the short form of a task.
pub(crate) fn run() -> Json {
    json!({
        "anyOf": [
            string(),
            {
                "type": "array",
                "items": {
                    "anyOf": [string(), string_array(), reference("command"), reference("call")]
                },
            },
        ]
    })
}

pub(crate) fn env() -> Json {
    json!({
        "type": "object",
        "additionalProperties": {
            "anyOf": [{ "type": ["string", "integer", "boolean"] }, reference("env_value")]
        },
    })
}

/// `unset` in an env table: only `true`.
pub(crate) fn unset() -> Json {
    json!({ "const": true })
}

/// `[vars]`: a literal, or a computed value's table.
pub(crate) fn vars() -> Json {
    json!({
        "type": "object",
        "additionalProperties": {
            "anyOf": [{ "type": ["string", "integer", "boolean"] }, reference("computed")]
        },
    })
}

pub(crate) fn includes() -> Json {
    json!({
        "type": "object",
        "additionalProperties": { "anyOf": [string(), reference("include")] },
    })
}

pub(crate) fn tasks() -> Json {
    json!({
        "type": "object",
        "additionalProperties": { "anyOf": [reference("task"), run()] },
    })
}

pub(crate) fn preconditions() -> Json {
    json!({ "type": "array", "items": { "anyOf": [string(), reference("precondition")] } })
}

pub(crate) fn params() -> Json {
    json!({ "type": "array", "items": reference("param") })
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    /// `docs/tasks.schema.json` is generated from the key tables; this keeps it current.
    /// `RASK_UPDATE_SCHEMA=1 cargo test schema` rewrites it after a key changed.
    #[test]
    fn committed_schema_is_current() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/tasks.schema.json");
        let mut generated =
            serde_json::to_string_pretty(&super::document()).expect("JSON values serialise");
        generated.push('\n');
        if std::env::var_os("RASK_UPDATE_SCHEMA").is_some() {
            std::fs::write(&path, &generated).expect("docs/ is writable");
        }
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            committed == generated,
            "docs/tasks.schema.json is stale: run `RASK_UPDATE_SCHEMA=1 cargo test schema`"
        );
    }

    /// Every ```toml example in docs/ and every tasks.toml of the repository (its own, and
    /// those under examples/) is valid against the schema, so schema and docs cannot drift.
    #[test]
    fn every_example_is_valid_against_the_schema() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let validator =
            jsonschema::validator_for(&super::document()).expect("the schema is a valid schema");
        let mut examples: Vec<(String, String)> = Vec::new();
        for entry in std::fs::read_dir(root.join("docs")).expect("docs/ exists") {
            let path = entry.expect("docs/ is readable").path();
            if path.extension().is_some_and(|ext| ext == "md") {
                let text = std::fs::read_to_string(&path).expect("docs are UTF-8");
                for (index, block) in toml_blocks(&text).into_iter().enumerate() {
                    examples.push((format!("{} example {}", path.display(), index + 1), block));
                }
            }
        }
        for path in task_files(root) {
            let text = std::fs::read_to_string(&path).expect("task files are UTF-8");
            examples.push((path.display().to_string(), text));
        }
        assert!(
            examples.len() > 20,
            "found only {} examples",
            examples.len()
        );
        // The schema does reject what rask rejects: an unknown key, a wrong type.
        for bad in ["[tasks.a]\ndependz = [\"b\"]", "[tasks.a]\nhide = \"yes\""] {
            let value: toml::Value = toml::from_str(bad).expect("the bad examples are TOML");
            let json = serde_json::to_value(value).expect("TOML values convert to JSON");
            assert!(!validator.is_valid(&json), "{bad}");
        }
        let mut failures = Vec::new();
        for (name, text) in &examples {
            let value: toml::Value = match toml::from_str(text) {
                Ok(value) => value,
                Err(error) => {
                    failures.push(format!("{name}: not TOML: {error}"));
                    continue;
                }
            };
            let json = serde_json::to_value(value).expect("TOML values convert to JSON");
            for error in validator.iter_errors(&json) {
                failures.push(format!("{name}: {error} at {}", error.instance_path()));
            }
        }
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }

    /// The bodies of the ```toml fences of a Markdown text.
    fn toml_blocks(markdown: &str) -> Vec<String> {
        let mut blocks = Vec::new();
        let mut current: Option<String> = None;
        for line in markdown.lines() {
            match (&mut current, line.trim_start()) {
                (None, "```toml") => current = Some(String::new()),
                (Some(_), "```") => blocks.extend(current.take()),
                (Some(block), _) => {
                    block.push_str(line);
                    block.push('\n');
                }
                (None, _) => {}
            }
        }
        blocks
    }

    /// `tasks.toml` at the root and every `*.toml` under `examples/`.
    fn task_files(root: &Path) -> Vec<std::path::PathBuf> {
        let mut files = vec![root.join("tasks.toml")];
        let mut pending = vec![root.join("examples")];
        while let Some(dir) = pending.pop() {
            let Ok(entries) = std::fs::read_dir(&dir) else {
                continue;
            };
            for entry in entries.flatten() {
                let path = entry.path();
                if path.is_dir() {
                    pending.push(path);
                } else if path.extension().is_some_and(|ext| ext == "toml") {
                    files.push(path);
                }
            }
        }
        files
    }
}
