//! `{{ name }}` parameter substitution into commands, through config's one placeholder scanner.
//!
//! Shell commands get each value shell-quoted, so a value like `"; rm -rf ~` stays one literal
//! word; argv commands get the value verbatim, as it is one argument already.

use std::borrow::Cow;

use crate::config::placeholder;

/// How a substituted value is written into the command.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Quoting {
    Shell,
    Verbatim,
}

/// `template` with every `{{ name }}` whose name `lookup` knows replaced by its value.
/// Anything else between braces is left as written (the parser already rejected unknown names).
/// The scanning is config's, the same that validated the file.
pub(super) fn substitute<'a>(
    template: &str,
    quoting: Quoting,
    lookup: impl Fn(&str) -> Option<&'a str>,
) -> String {
    substitute_words(template, quoting, lookup, |_| false)
}

/// Like [`substitute`], but the names `is_words` picks hold several words (a variadic
/// parameter's, encoded by `shell_words::join`): in a shell command they become separate
/// shell-quoted words, elsewhere the words joined by spaces.
pub(super) fn substitute_words<'a>(
    template: &str,
    quoting: Quoting,
    lookup: impl Fn(&str) -> Option<&'a str>,
    is_words: impl Fn(&str) -> bool,
) -> String {
    placeholder::replace(template, lookup, |out, name, value| {
        match (is_words(name), quoting) {
            (true, Quoting::Shell) => out.push_str(value),
            (true, Quoting::Verbatim) => out.push_str(&words(value).join(" ")),
            (false, _) => out.push_str(&quote(value, quoting)),
        }
    })
}

/// The words of a variadic parameter's value.
pub(super) fn words(value: &str) -> Vec<String> {
    shell_words::split(value).unwrap_or_else(|_| vec![value.to_owned()])
}

/// One word for the command line, quoted for the shell when it goes through one.
pub(super) fn quote(value: &str, quoting: Quoting) -> Cow<'_, str> {
    match quoting {
        Quoting::Shell => shell_words::quote(value),
        Quoting::Verbatim => Cow::Borrowed(value),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lookup(name: &str) -> Option<&'static str> {
        match name {
            "name" => Some("Bob"),
            "evil" => Some("\"; rm -rf ~; echo \""),
            _ => None,
        }
    }

    #[test]
    fn replaces_known_names_with_or_without_spaces() {
        assert_eq!(
            substitute("hi {{name}} and {{ name }}", Quoting::Shell, lookup),
            "hi Bob and Bob"
        );
    }

    #[test]
    fn quotes_hostile_values_for_the_shell() {
        let line = substitute("echo {{evil}}", Quoting::Shell, lookup);
        assert_eq!(
            shell_words::split(&line).unwrap(),
            ["echo", "\"; rm -rf ~; echo \""]
        );
    }

    #[test]
    fn keeps_values_verbatim_for_argv() {
        assert_eq!(
            substitute("{{evil}}", Quoting::Verbatim, lookup),
            "\"; rm -rf ~; echo \""
        );
    }

    #[test]
    fn leaves_unknown_and_unclosed_braces_alone() {
        assert_eq!(
            substitute("${{ github.sha }} {{x", Quoting::Shell, lookup),
            "${{ github.sha }} {{x"
        );
    }
}
