//! One problem found in `tasks.toml`, and its single renderer. The main type here is [`Diagnostic`].

use annotate_snippets::{AnnotationKind, Group, Level, Renderer, Snippet, normalize_untrusted_str};

use std::path::{Path, PathBuf};

use super::{Sources, Span};

/// A problem in a task file, pointing at the bytes it is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Diagnostic {
    /// Lowercase fragment, names in backticks, no trailing period.
    pub(crate) message: String,
    /// Where, in which file; `None` only when the problem has no location.
    pub(crate) span: Option<Span>,
    /// Short text under the carets, e.g. "unknown key".
    pub(crate) label: String,
    /// A `help:` line, e.g. "did you mean `depends`?".
    pub(crate) help: Option<String>,
    /// A second place the problem involves (where a name was first defined), with its label;
    /// it may be in another file. For a problem with no place of its own (an unknown
    /// `--group`), the place it is about, shown as a `note:` with the label as its title.
    pub(crate) also: Option<(Span, String)>,
    /// `= note: …` lines after the help, e.g. every name that was possible.
    pub(crate) notes: Vec<String>,
}

impl Diagnostic {
    /// A problem at `span`, with `label` under the carets and no help yet.
    pub(crate) fn new(message: impl Into<String>, span: Span, label: impl Into<String>) -> Self {
        Diagnostic {
            message: message.into(),
            span: Some(span),
            label: label.into(),
            help: None,
            also: None,
            notes: Vec::new(),
        }
    }

    /// Points at a second place too, labelled `label`.
    pub(crate) fn with_also(mut self, span: Span, label: impl Into<String>) -> Self {
        self.also = Some((span, label.into()));
        self
    }

    pub(crate) fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// `help` unless a help line is there already (a suggestion, say).
    pub(crate) fn with_help_if_none(self, help: impl Into<String>) -> Self {
        if self.help.is_some() {
            self
        } else {
            self.with_help(help)
        }
    }

    /// Adds `help: did you mean `x`?` when there is a suggestion, and nothing otherwise.
    pub(crate) fn with_suggestion(self, suggestion: Option<&str>) -> Self {
        match suggestion {
            Some(name) => self.with_help(format!("did you mean `{name}`?")),
            None => self,
        }
    }

    /// Renders as `error: …`, a `--> file:line:col` line, the source line with carets, and `= help: …`.
    ///
    /// Line and column come from annotate-snippets, counted from 1 like rustc's.
    pub(crate) fn render(&self, sources: &Sources, color: bool) -> String {
        let renderer = if color {
            Renderer::styled()
        } else {
            Renderer::plain()
        };
        // Labels, help and the path quote text from outside (names from the file, a path from
        // the file system); annotate-snippets cleans only titles and source lines of control
        // characters, so the rest is cleaned here before it can reach a terminal.
        let title = Level::ERROR.primary_title(self.message.as_str());
        let snippet = |span: &Span| {
            let source = sources.get(span.file);
            Snippet::source(source.text.as_str())
                .path(normalize_untrusted_str(&display_path(&source.path)))
        };
        let annotation = |kind: AnnotationKind, span: &Span, label: &str| {
            let text = &sources.get(span.file).text;
            kind.span(clamp(&span.range(), text))
                .label(normalize_untrusted_str(label))
        };
        let mut group = match &self.span {
            Some(span) => {
                let primary = annotation(AnnotationKind::Primary, span, &self.label);
                match &self.also {
                    Some((also, label)) if also.file == span.file => {
                        title.element(snippet(span).annotation(primary).annotation(annotation(
                            AnnotationKind::Context,
                            also,
                            label,
                        )))
                    }
                    // The `-->` line stays the primary place; the other file follows.
                    Some((also, label)) => title
                        .element(snippet(span).annotation(primary))
                        .element(snippet(also).annotation(annotation(
                            AnnotationKind::Context,
                            also,
                            label,
                        ))),
                    None => title.element(snippet(span).annotation(primary)),
                }
            }
            None => Group::with_title(title),
        };
        if let Some(help) = &self.help {
            group = group.element(Level::HELP.message(normalize_untrusted_str(help)));
        }
        for note in &self.notes {
            group = group.element(Level::NOTE.message(normalize_untrusted_str(note)));
        }
        match (&self.span, &self.also) {
            // Nowhere of its own, but about a place: that place, as a note.
            (None, Some((also, label))) => {
                let note = Level::NOTE
                    .secondary_title(normalize_untrusted_str(label))
                    .element(snippet(also).annotation(annotation(
                        AnnotationKind::Primary,
                        also,
                        "",
                    )));
                renderer.render(&[group, note])
            }
            _ => renderer.render(&[group]),
        }
    }
}

/// Sorts `diagnostics` the way the user reads them: file by file (in reading order), each top
/// to bottom; problems found section by section, or by other checks, interleave.
pub(crate) fn in_reading_order(diagnostics: &mut [Diagnostic]) {
    diagnostics.sort_by_key(|diagnostic| diagnostic.span.as_ref().map(Span::sort_key));
}

/// `path` as rask shows it: relative to rask's working directory when the file is inside it or
/// beside one of its parents (`tasks.toml`, `../tasks.toml`, as the docs show), else as is.
pub(crate) fn display_path(path: &Path) -> String {
    match std::env::current_dir() {
        Ok(cwd) => relative_to(path, &cwd).display().to_string(),
        Err(_) => path.display().to_string(),
    }
}

fn relative_to(path: &Path, base: &Path) -> PathBuf {
    let mut up = PathBuf::new();
    let mut ancestor = Some(base);
    while let Some(dir) = ancestor {
        // Up to the root itself would only spell an absolute path with `..`s.
        if dir.parent().is_none() {
            break;
        }
        if let Ok(rest) = path.strip_prefix(dir) {
            return up.join(rest);
        }
        up.push("..");
        ancestor = dir.parent();
    }
    path.to_owned()
}

/// `span` shrunk to lie inside `text` on character boundaries, so a stale or odd span (past the
/// end, inside a multi-byte character, reversed) still renders instead of panicking.
fn clamp(span: &std::ops::Range<usize>, text: &str) -> std::ops::Range<usize> {
    let mut start = span.start.min(text.len());
    let mut end = span.end.clamp(start, text.len());
    while !text.is_char_boundary(start) {
        start -= 1;
    }
    while !text.is_char_boundary(end) {
        end += 1;
    }
    start..end
}

#[cfg(test)]
mod tests {

    use super::{Diagnostic, Sources, Span, clamp, relative_to};
    use crate::config::{FileId, Source};

    fn source(text: &str) -> Sources {
        Sources::from(Source::in_memory(text))
    }

    fn at(range: std::ops::Range<usize>) -> Span {
        Span::new(FileId::default(), range)
    }

    #[test]
    fn renders_like_rustc() {
        let text = "[tasks.build]\nrun = \"x\"\ndependz = [\"lint\"]\n";
        let start = text.find("dependz").expect("test text holds the key");
        let rendered = Diagnostic::new(
            "unknown key `dependz` in task `build`",
            at(start..start + 7),
            "unknown key",
        )
        .with_suggestion(Some("depends"))
        .render(&source(text), false);
        insta::assert_snapshot!(rendered);
    }

    #[test]
    fn renders_without_a_span() {
        let diagnostic = Diagnostic {
            message: "something is off".to_owned(),
            span: None,
            label: String::new(),
            help: Some("try again".to_owned()),
            also: None,
            notes: Vec::new(),
        };
        insta::assert_snapshot!(diagnostic.render(&source("a = 1\n"), false));
    }

    #[test]
    fn survives_odd_spans() {
        let text = "name = \"héllo\"";
        // The last span is reversed on purpose: spans come from outside this module.
        let reversed = std::ops::Range { start: 10, end: 3 };
        for span in [0..0, 9..10, 14..14, 14..99, 99..120, reversed] {
            let rendered = Diagnostic::new("odd", at(span), "here").render(&source(text), false);
            assert!(rendered.starts_with("error: odd"), "{rendered}");
        }
        assert!(
            Diagnostic::new("odd", at(0..1), "here")
                .render(&source(""), true)
                .contains("odd")
        );
    }

    #[test]
    fn neutralises_control_characters() {
        let rendered = Diagnostic::new("bad `\u{1b}[31m`", at(0..1), "unit \u{1b}[2J")
            .with_help("did you mean `\u{1b}]0;x`?")
            .render(&source("a\u{1b}[1m = 1\n"), false);
        assert!(!rendered.contains('\u{1b}'), "{rendered:?}");
    }

    #[test]
    fn paths_are_shown_from_the_working_directory() {
        let shown = |path: &str, cwd: &str| {
            relative_to(std::path::Path::new(path), std::path::Path::new(cwd))
                .display()
                .to_string()
        };
        assert_eq!(shown("/p/tasks.toml", "/p"), "tasks.toml");
        assert_eq!(shown("/p/sub/x.toml", "/p"), "sub/x.toml");
        assert_eq!(shown("/p/tasks.toml", "/p/a/b"), "../../tasks.toml");
        assert_eq!(shown("/p/tasks.toml", "/q"), "/p/tasks.toml");
        assert_eq!(shown("tasks.toml", "/p"), "tasks.toml");
    }

    #[test]
    fn clamps_onto_char_boundaries() {
        let text = "é!";
        assert_eq!(clamp(&(1..1), text), 0..2);
        assert_eq!(clamp(&(0..1), text), 0..2);
        assert_eq!(clamp(&(5..9), text), 3..3);
    }
}
