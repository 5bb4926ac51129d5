//! Reading one file's TOML tree key by key, driven by the key tables of `keys.rs`. The main
//! type here is [`Reader`].
//!
//! The text is parsed once into toml's spanned tree ([`DeTable`]); each table is walked in file
//! order and every entry handed to the reader of its [`Key`], so a wrong type costs only that
//! key and a key no table knows is reported as unknown, with a suggestion from the same table.

use std::ops::Range;

use serde::de::DeserializeOwned;
use toml::Spanned;
use toml::de::{DeString, DeTable, DeValue};

use super::keys::Key;
use super::values::{self, StringList, ValueProblem};
use super::{Diagnostic, FileId, Span, suggest};

/// What every key reader gets besides its value: where the file is, and where problems go.
pub(crate) struct Reader<'a> {
    pub(crate) file: FileId,
    /// The file's text, to point inside strings written without escapes.
    pub(crate) text: &'a str,
    pub(crate) problems: &'a mut Vec<Diagnostic>,
    /// The keys from the top of the file down to the value being read (`tasks`, `build`,
    /// `timeout`), so that a value of the wrong type is named by its full key.
    pub(crate) path: Vec<String>,
}

/// A table entry: its key and its value, both with their spans.
pub(crate) type Entry<'i> = (Spanned<DeString<'i>>, Spanned<DeValue<'i>>);

impl Reader<'_> {
    /// `range` of this file as a [`Span`].
    pub(crate) fn span(&self, range: Range<usize>) -> Span {
        Span::new(self.file, range)
    }

    pub(crate) fn problem(&mut self, diagnostic: Diagnostic) {
        self.problems.push(diagnostic);
    }

    /// A diagnostic at `range` of this file.
    pub(crate) fn error(
        &self,
        message: impl Into<String>,
        range: Range<usize>,
        label: impl Into<String>,
    ) -> Diagnostic {
        Diagnostic::new(message, self.span(range), label)
    }

    /// Reads what lies under `key` of the table being read (a task's name under `tasks`).
    pub(crate) fn within<R>(&mut self, key: &str, read: impl FnOnce(&mut Self) -> R) -> R {
        self.path.push(key.to_owned());
        let result = read(self);
        self.path.pop();
        result
    }

    fn value_problem(&mut self, problem: ValueProblem) {
        let message = key_message(&self.path, &problem.message);
        let diagnostic = self.error(message, problem.range, problem.label);
        self.problem(diagnostic);
    }

    /// Deserializes one value; a wrong type becomes a problem and `None`.
    pub(crate) fn value<T: DeserializeOwned>(
        &mut self,
        value: Spanned<DeValue<'_>>,
    ) -> Option<Spanned<T>> {
        values::deserialize(value)
            .map_err(|problem| self.value_problem(problem))
            .ok()
    }

    pub(crate) fn string(&mut self, value: Spanned<DeValue<'_>>) -> Option<String> {
        self.value::<String>(value).map(Spanned::into_inner)
    }

    /// A boolean key: `false` when absent or of the wrong type (which is reported).
    pub(crate) fn flag(&mut self, value: Spanned<DeValue<'_>>) -> bool {
        self.value::<bool>(value).is_some_and(Spanned::into_inner)
    }

    /// A value that is a string or an array of strings, as a list of spanned strings.
    pub(crate) fn list(&mut self, value: Spanned<DeValue<'_>>) -> Vec<Spanned<String>> {
        let Some(list) = self.value::<StringList>(value) else {
            return Vec::new();
        };
        let span = list.span();
        match list.into_inner() {
            StringList::One(item) => vec![Spanned::new(span, item)],
            StringList::Many(items) => items,
        }
    }

    /// A value that must be a table.
    pub(crate) fn table<'i>(&mut self, value: Spanned<DeValue<'i>>) -> Option<DeTable<'i>> {
        let span = value.span();
        match value.into_inner() {
            DeValue::Table(table) => Some(table),
            other => {
                self.wrong_type(&other, span, "a table");
                None
            }
        }
    }

    /// Reports a value of the wrong type, in serde's wording.
    pub(crate) fn wrong_type(&mut self, found: &DeValue<'_>, range: Range<usize>, expected: &str) {
        self.value_problem(values::wrong_type(found, range, expected));
    }

    /// Hands every entry of `table` to the reader of its key in `keys`, in file order; reports
    /// the rest as unknown `context` (computed after reading, so it may use what was read).
    pub(crate) fn read_table<T>(
        &mut self,
        table: DeTable<'_>,
        keys: &[Key<T>],
        target: &mut T,
        context: impl FnOnce(&T) -> String,
    ) {
        let mut unknown = Vec::new();
        for (key, value) in entries(table) {
            match keys
                .iter()
                .find(|known| known.name == key.get_ref().as_ref())
            {
                Some(known) => {
                    self.within(known.name, |reader| (known.read)(target, value, reader))
                }
                None => unknown.push(key),
            }
        }
        if unknown.is_empty() {
            return;
        }
        let context = context(target);
        for key in unknown {
            let name = key.get_ref().as_ref();
            let diagnostic = self
                .error(
                    format!("unknown key `{name}` {context}"),
                    key.span(),
                    "unknown key",
                )
                .with_suggestion(suggest(name, keys.iter().map(|known| known.name)));
            self.problem(diagnostic);
        }
    }

    /// The span of `range` of `value`, if the string at `span` was written without escapes
    /// (so its bytes appear verbatim in the source); else the whole string's span.
    pub(crate) fn span_within(&self, span: Range<usize>, value: &str, range: Range<usize>) -> Span {
        let written = self.text.get(span.clone()).unwrap_or_default();
        match written.find(value) {
            Some(offset) if !value.is_empty() => {
                let start = span.start + offset;
                self.span(start + range.start..start + range.end)
            }
            _ => self.span(span),
        }
    }
}

/// A value's problem, led by its full key; serde's `invalid type: integer `5`, expected a
/// string` reads `tasks.build.timeout: expected a string, found an integer `5``.
fn key_message(path: &[String], message: &str) -> String {
    let wrong_type = message
        .strip_prefix("invalid type: ")
        .and_then(|rest| rest.rsplit_once(", expected "));
    let message = match wrong_type {
        Some((found, expected)) => {
            let article = if found.starts_with(['a', 'e', 'i', 'o', 'u']) {
                "an"
            } else {
                "a"
            };
            format!("expected {expected}, found {article} {found}")
        }
        None => message.to_owned(),
    };
    if path.is_empty() {
        return message;
    }
    let keys: Vec<String> = path.iter().map(|key| toml_key(key)).collect();
    format!("{}: {message}", keys.join("."))
}

/// `key` as it is written in a dotted TOML key: bare when it can be, else quoted.
fn toml_key(key: &str) -> String {
    let bare = !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if bare {
        key.to_owned()
    } else {
        format!("{key:?}")
    }
}

/// The entries of a table in file order (toml's map is sorted by key, not by position).
pub(crate) fn entries(table: DeTable<'_>) -> impl Iterator<Item = Entry<'_>> {
    let mut entries: Vec<_> = table.into_iter().collect();
    entries.sort_by_key(|(key, _)| key.span().start);
    entries.into_iter()
}
