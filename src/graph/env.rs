//! Env values beyond `NAME = "value"` (see [`EnvSetting`]): each layer (dotenv and `[env]`,
//! an included file's `[env]`, the task's `env`) is applied in order over the state so far,
//! where `None` means "removed from the task's environment".

use std::path::{Component, Path, PathBuf};

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
                    lexically_normal(&dir.join(&entry))
                        .to_string_lossy()
                        .into_owned()
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

/// `path` with `.` dropped and `name/..` folded, without looking at the file system: what a
/// `PATH` entry reads as (`/app/web/bin`, not `/app/web/./bin`). Folding `..` lexically can
/// differ from the kernel when `name` is a symlink; `PATH` entries are written for the
/// directory as seen, so that is what they mean.
fn lexically_normal(path: &Path) -> PathBuf {
    let mut normal = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir
                if matches!(normal.components().next_back(), Some(Component::Normal(_))) =>
            {
                normal.pop();
            }
            other => normal.push(other),
        }
    }
    normal
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_are_normalised_without_the_file_system() {
        for (path, normal) in [
            ("/app/web/./bin", "/app/web/bin"),
            ("/app/web/../tools/bin", "/app/tools/bin"),
            ("/app/web/node_modules/.bin", "/app/web/node_modules/.bin"),
            ("/../x", "/../x"),
        ] {
            assert_eq!(
                lexically_normal(Path::new(path)),
                Path::new(normal),
                "{path}"
            );
        }
    }
}
