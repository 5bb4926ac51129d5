//! Terminal styling: ANSI escapes, applied only when the destination wants colour.

/// One style, written as an SGR escape sequence.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Style(&'static str);

impl Style {
    pub(crate) const ERROR: Style = Style("\x1b[1;31m");
    pub(crate) const WARNING: Style = Style("\x1b[1;33m");
    pub(crate) const SUCCESS: Style = Style("\x1b[1;32m");
    pub(crate) const COMMAND: Style = Style("\x1b[1m");
    const RESET: &'static str = "\x1b[0m";

    /// Distinct colours for task prefixes, cycled by task number.
    const TASKS: [Style; 6] = [
        Style("\x1b[36m"),
        Style("\x1b[33m"),
        Style("\x1b[32m"),
        Style("\x1b[35m"),
        Style("\x1b[34m"),
        Style("\x1b[31m"),
    ];

    pub(crate) fn for_task(index: usize) -> Style {
        Style::TASKS[index % Style::TASKS.len()]
    }

    /// `text` in this style, or plain when `color` is off.
    pub(crate) fn paint(self, text: &str, color: bool) -> String {
        if color {
            format!("{}{text}{}", self.0, Style::RESET)
        } else {
            text.to_owned()
        }
    }
}
