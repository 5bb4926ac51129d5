//! `{{ name }}` parameter substitution into commands, through config's one placeholder scanner.
//!
//! Shell commands get each value shell-quoted, so a value like `"; rm -rf ~` stays one literal
//! word; argv commands get the value verbatim, as it is one argument already.

use std::borrow::Cow;

use crate::config::placeholder::{self, Form, Placeholder};

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

/// Like [`substitute`], but the names `is_words` picks hold several words (a variadic or
/// `multiple` parameter's, encoded by `shell_words::join`): in a shell command they become
/// separate shell-quoted words, elsewhere the words joined by spaces.
///
/// The optional-word forms: `{{x?}}` writes nothing for an empty value (in a shell command,
/// instead of `''`); `{{x...}}` writes the value's shell words; `{{x ? "text"}}` writes `text`
/// as written when `x` is set, nothing otherwise.
pub(super) fn substitute_words<'a>(
    template: &str,
    quoting: Quoting,
    lookup: impl Fn(&str) -> Option<&'a str>,
    is_words: impl Fn(&str) -> bool,
) -> String {
    placeholder::replace(template, lookup, |out, found, value| match found.form {
        Form::IfSet(text) if Form::is_set(value) => out.push_str(text),
        Form::IfSet(_) => {}
        Form::Optional if value.is_empty() => {}
        Form::Words => push_words(out, &words(value), quoting),
        _ if is_words(found.name) => push_words(out, &words(value), quoting),
        _ => out.push_str(&quote(value, quoting)),
    })
}

/// The arguments a placeholder that is a whole word of an argv command stands for: none for
/// an empty `{{x?}}` or an unset `{{x ? "text"}}`, one per word for a list parameter,
/// `{{x...}}` and the text of `{{x ? "text"}}` (split by shell-words' rules, as it is written
/// in shell syntax), else the value as one argument.
pub(super) fn argv_words(found: &Placeholder<'_>, value: &str, list: bool) -> Vec<String> {
    match found.form {
        Form::IfSet(text) if Form::is_set(value) => words(text),
        Form::IfSet(_) => Vec::new(),
        Form::Optional if value.is_empty() => Vec::new(),
        Form::Words => words(value),
        _ if list => words(value),
        _ => vec![value.to_owned()],
    }
}

fn push_words(out: &mut String, words: &[String], quoting: Quoting) {
    match quoting {
        Quoting::Shell => out.push_str(&shell_words::join(words)),
        Quoting::Verbatim => out.push_str(&words.join(" ")),
    }
}

/// The words of a list parameter's value, or of any value split by `{{x...}}`; a value that
/// is not valid shell words (an unclosed quote) is one word.
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

    fn values(name: &str) -> Option<&'static str> {
        match name {
            "empty" => Some(""),
            "off" => Some("false"),
            "on" => Some("true"),
            "two" => Some("a 'b c'"),
            _ => lookup(name),
        }
    }

    #[test]
    fn optional_words_in_shell_commands() {
        let shell = |template| substitute(template, Quoting::Shell, values);
        assert_eq!(shell("x {{empty?}} {{name?}} {{empty}}"), "x  Bob ''");
        assert_eq!(
            shell(r#"go test {{on ? '--race'}}{{off ? "-v"}}"#),
            "go test --race"
        );
        assert_eq!(shell("ls {{two...}}"), "ls a 'b c'");
        assert_eq!(shell("{{empty ? 'x'}}{{name ? 'y z'}}"), "y z");
    }

    #[test]
    fn optional_words_verbatim() {
        let verbatim = |template| substitute(template, Quoting::Verbatim, values);
        assert_eq!(verbatim("{{empty?}}|{{two...}}|{{on ? 'r'}}"), "|a b c|r");
    }

    #[test]
    fn optional_words_as_whole_argv_words() {
        let words = |template: &str, value| {
            let found = placeholder::placeholders(template).next().unwrap();
            argv_words(&found, value, false)
        };
        assert!(words("{{x?}}", "").is_empty());
        assert_eq!(words("{{x?}}", "a b"), ["a b"]);
        assert_eq!(words("{{x}}", ""), [""]);
        assert_eq!(words("{{x...}}", "a 'b c'"), ["a", "b c"]);
        assert_eq!(words("{{x ? '-v --race'}}", "true"), ["-v", "--race"]);
        assert!(words("{{x ? '-v'}}", "false").is_empty());
    }

    #[test]
    fn leaves_unknown_and_unclosed_braces_alone() {
        assert_eq!(
            substitute("${{ github.sha }} {{x", Quoting::Shell, lookup),
            "${{ github.sha }} {{x"
        );
    }
}
