//! Env values beyond `NAME = "value"` (see [`EnvSetting`]): each layer (dotenv and `[env]`,
//! an included file's `[env]`, the task's `env`) is applied in order over the state so far,
//! where `None` means "removed from the task's environment".

use std::path::Path;

use super::substitute::Quoting;
use super::vars::Vars;
use crate::config::EnvSetting;

/// Every variable a task's layers touched, in first-touched order; `None` = unset.
pub(crate) type EnvState = Vec<(String, Option<String>)>;

/// Applies one layer over `state`. `text` substitutes a string's `{{ name }}`s in the layer's
/// scope; `dir` is where relative `prepend`/`append` entries and `sh` commands start from.
pub(crate) fn apply(
    state: &mut EnvState,
    layer: &[(String, EnvSetting)],
    dir: &Path,
    vars: &mut Vars<'_>,
    text: impl Fn(&str, Quoting) -> String,
) {
    for (name, setting) in layer {
        let value = match setting {
            EnvSetting::Set(value) => Some(text(value, Quoting::Verbatim)),
            EnvSetting::Shell { command, span } => {
                let command = text(command, Quoting::Shell);
                match vars.run_env(name, &command, dir, *span) {
                    Some(value) => Some(value),
                    None => continue,
                }
            }
            EnvSetting::Default(value) => {
                Some(std::env::var(name).unwrap_or_else(|_| text(value, Quoting::Verbatim)))
            }
            EnvSetting::Unset => None,
            EnvSetting::Prepend(entries) | EnvSetting::Append(entries) => {
                let current = match state.iter().find(|(known, _)| known == name) {
                    Some((_, value)) => value.clone(),
                    None => std::env::var(name).ok(),
                };
                let entries = entries.iter().map(|entry| {
                    let entry = text(entry, Quoting::Verbatim);
                    dir.join(&entry).to_string_lossy().into_owned()
                });
                let current = current.filter(|value| !value.is_empty());
                let joined: Vec<String> = match setting {
                    EnvSetting::Prepend(_) => entries.chain(current).collect(),
                    _ => current.into_iter().chain(entries).collect(),
                };
                Some(joined.join(":"))
            }
        };
        match state.iter_mut().find(|(known, _)| known == name) {
            Some(slot) => slot.1 = value,
            None => state.push((name.clone(), value)),
        }
    }
}
