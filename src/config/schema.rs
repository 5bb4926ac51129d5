//! The JSON schema of `tasks.toml` (draft 2020-12), built from the key tables of `keys.rs`, so
//! the schema editors check against and the parser rask runs cannot drift. The main function
//! here is [`document`].

use serde_json::{Value as Json, json};

use super::ValueType;

use super::keys::{
    COMPUTED_KEYS, INCLUDE_KEYS, Key, PARAM_KEYS, SETTINGS_KEYS, TASK_KEYS, TOP_KEYS,
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
            "command": object(COMMAND_KEYS),
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

pub(crate) fn reference(definition: &str) -> Json {
    json!({ "$ref": format!("#/$defs/{definition}") })
}

pub(crate) fn string() -> Json {
    json!({ "type": "string" })
}

pub(crate) fn boolean() -> Json {
    json!({ "type": "boolean" })
}

pub(crate) fn positive_integer() -> Json {
    json!({ "type": "integer", "minimum": 1 })
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

/// `run` and the short form of a task.
pub(crate) fn run() -> Json {
    json!({
        "anyOf": [
            string(),
            {
                "type": "array",
                "items": { "anyOf": [string(), string_array(), reference("command")] },
            },
        ]
    })
}

pub(crate) fn env() -> Json {
    json!({
        "type": "object",
        "additionalProperties": { "type": ["string", "integer", "boolean"] },
    })
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
}
