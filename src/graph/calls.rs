//! A task call's `args` (`depends = [{ task = "build", args = { profile = "release" } }]`),
//! checked against the called task's parameters and turned into its values.

use super::GraphError;
use crate::config::{NameRef, Task, suggest};

/// The called task's values (declaration order) and the node's label, or `None` after pushing
/// every problem with the call to `errors`.
pub(super) fn values(
    task: &Task,
    call: &NameRef,
    errors: &mut Vec<GraphError>,
) -> Option<(Vec<String>, String)> {
    let before = errors.len();
    for arg in &call.args {
        if !task.params.iter().any(|param| param.name == arg.name) {
            let names = task.params.iter().map(|param| param.name.as_str());
            errors.push(GraphError::BadCall {
                message: format!("task `{}` has no parameter `{}`", task.name, arg.name),
                span: arg.name_span,
                label: "unknown parameter",
                help: suggest(&arg.name, names)
                    .map(|name| format!("did you mean `{name}`?"))
                    .or_else(|| {
                        call.pattern.as_ref().map(|pattern| {
                            format!(
                                "`{pattern}` matches `{}`, and `args` apply to every task matched: \
                                 narrow the pattern, or declare `{}` in each",
                                task.name, arg.name
                            )
                        })
                    }),
            });
        }
    }
    let mut values = Vec::with_capacity(task.params.len());
    for param in &task.params {
        match call.args.iter().rev().find(|arg| arg.name == param.name) {
            Some(arg) => {
                for word in param.words(&arg.value) {
                    if let Err(expected) = param.check(&word) {
                        errors.push(GraphError::BadCall {
                            message: format!(
                                "invalid value `{word}` for parameter `{}` of task `{}`: expected {expected}",
                                param.name, task.name
                            ),
                            span: arg.span,
                            label: "invalid value",
                            help: None,
                        });
                    }
                }
                values.push(arg.value.clone());
            }
            None => match param.fallback() {
                Some(value) => values.push(value),
                None => errors.push(GraphError::BadCall {
                    message: format!(
                        "call of task `{}` is missing its parameter `{}`",
                        task.name, param.name
                    ),
                    span: call.span,
                    label: "missing argument",
                    help: Some(format!("add `{} = \"…\"` to `args`", param.name)),
                }),
            },
        }
    }
    if errors.len() > before {
        return None;
    }
    let args: Vec<String> = (call.args.iter())
        .map(|arg| format!("{}={}", arg.name, arg.value))
        .collect();
    Some((values, format!("{}({})", task.name, args.join(", "))))
}
