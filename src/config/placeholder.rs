//! The one `{{ name }}` scanner, used by parse-time validation and by substitution alike, so
//! the two can never disagree about what counts as a placeholder. The main type here is
//! [`Placeholder`].
//!
//! Besides `{{ name }}`, three optional-word forms are recognised (see [`Form`]): `{{ name? }}`,
//! `{{ name... }}` and `{{ name ? "text" }}`.

use std::ops::Range;

/// One `{{ name }}` in a string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Placeholder<'s> {
    /// The name between the braces, trimmed.
    pub(crate) name: &'s str,
    /// Byte range of the whole placeholder, braces included.
    pub(crate) range: Range<usize>,
    /// How the value is to be written.
    pub(crate) form: Form<'s>,
}

/// What a placeholder asks for, besides its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Form<'s> {
    /// `{{ name }}`: the value, as one word.
    Value,
    /// `{{ name? }}`: the value as one word, or no word at all when it is empty.
    Optional,
    /// `{{ name... }}`: the value split into words by shell-words' rules.
    Words,
    /// `{{ name ? "text" }}`: `text` (as written) when the value is set, i.e. neither empty
    /// nor `false`; nothing otherwise.
    IfSet(&'s str),
    /// `{{ name ? text }}` whose text is not one quoted string: why not, for the error. The
    /// parser rejects the file, so substitution never meets one.
    Malformed(Malformed),
}

/// Why a `{{ name ? … }}` is not a valid optional word.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Malformed {
    /// The text after `?` does not start with a quote.
    Unquoted,
    /// The opening quote is never closed (the text cannot hold `}}`).
    Unclosed,
    /// Something follows the closing quote.
    Trailing,
}

impl Form<'_> {
    /// Whether `value` counts as set for `{{ name ? "text" }}`: a flag's `true`, any
    /// non-empty value but `false`.
    pub(crate) fn is_set(value: &str) -> bool {
        !value.is_empty() && value != "false"
    }
}

/// Every `{{ name }}` in `text`, in order, in any of its [`Form`]s.
///
/// Braces around anything that is not an identifier (optionally followed by `?`, `...` or
/// `? "text"`) are left alone, so commands can still contain other brace syntax (`${{ … }}` in
/// CI snippets, Go templates) as long as it is not a bare name.
pub(crate) fn placeholders(text: &str) -> impl Iterator<Item = Placeholder<'_>> {
    let mut from = 0;
    std::iter::from_fn(move || {
        loop {
            let open = from + find_pair(text.get(from..)?, b'{')?;
            let close = open + 2 + find_pair(&text[open + 2..], b'}')?;
            if let Some((name, form)) = parse_inner(text[open + 2..close].trim()) {
                from = close + 2;
                return Some(Placeholder {
                    name,
                    range: open..close + 2,
                    form,
                });
            }
            from = open + 2;
        }
    })
}

/// The name and form of what is between the braces (trimmed), if it is a placeholder.
/// Where `text` first has `byte` twice in a row (`{{` or `}}`). A byte scan: `str::find` with
/// a two-character pattern sets up a substring searcher on every call, which was 13% of the
/// instructions of reading and planning the 10,000-task benchmark project (every string is
/// scanned, and most hold no placeholder). An ASCII byte's position is a char boundary.
fn find_pair(text: &str, byte: u8) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut at = 0;
    while let Some(found) = bytes.get(at..)?.iter().position(|&b| b == byte) {
        let first = at + found;
        match bytes.get(first + 1) {
            Some(&next) if next == byte => return Some(first),
            Some(_) => at = first + 1,
            None => return None,
        }
    }
    None
}

fn parse_inner(inner: &str) -> Option<(&str, Form<'_>)> {
    if is_identifier(inner) {
        return Some((inner, Form::Value));
    }
    if let Some(name) = inner.strip_suffix("...").map(str::trim_end) {
        return is_identifier(name).then_some((name, Form::Words));
    }
    let (name, text) = inner.split_once('?')?;
    let name = name.trim_end();
    if !is_identifier(name) {
        return None;
    }
    let text = text.trim_start();
    let form = match text.chars().next() {
        None => Form::Optional,
        Some(quote @ ('"' | '\'')) => match text[1..].find(quote) {
            Some(end) if end + 2 == text.len() => Form::IfSet(&text[1..=end]),
            Some(_) => Form::Malformed(Malformed::Trailing),
            None => Form::Malformed(Malformed::Unclosed),
        },
        Some(_) => Form::Malformed(Malformed::Unquoted),
    };
    Some((name, form))
}

/// Letters, digits, `-` and `_`, not starting with `-` (it becomes `--NAME` on the command line).
pub(crate) fn is_identifier(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with('-')
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || c == '-' || c == '_')
}

/// `template` with every placeholder whose name `lookup` knows replaced by what `write` makes
/// of it and its value; everything else is kept as written.
pub(crate) fn replace<'v>(
    template: &str,
    lookup: impl Fn(&str) -> Option<&'v str>,
    mut write: impl FnMut(&mut String, &Placeholder<'_>, &'v str),
) -> String {
    // Room for a quoted value or two, so most substitutions allocate once.
    let mut out = String::with_capacity(template.len() + 32);
    let mut copied = 0;
    for placeholder in placeholders(template) {
        if let Some(value) = lookup(placeholder.name) {
            out.push_str(&template[copied..placeholder.range.start]);
            write(&mut out, &placeholder, value);
            copied = placeholder.range.end;
        }
    }
    out.push_str(&template[copied..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(text: &str) -> Vec<(&str, Range<usize>)> {
        placeholders(text).map(|p| (p.name, p.range)).collect()
    }

    #[test]
    fn pairs_are_found_at_their_first_byte() {
        for (text, byte, at) in [
            ("a {{b}}", b'{', Some(2)),
            ("{ { {{", b'{', Some(4)),
            ("{x}}", b'}', Some(2)),
            ("é{{", b'{', Some(2)),
            ("{", b'{', None),
            ("", b'}', None),
        ] {
            assert_eq!(find_pair(text, byte), at, "{text}");
        }
    }

    #[test]
    fn finds_placeholders() {
        assert_eq!(
            found("a {{x}} {{ y-z }} {{ not ok }} ${{ a.b }} {{_1}}"),
            [("x", 2..7), ("y-z", 8..17), ("_1", 42..48)]
        );
        assert!(found("{{ {{x").is_empty());
        assert_eq!(found("{{ {{x}}"), [("x", 3..8)]);
        assert!(found("é {{ü").is_empty());
    }

    fn forms(text: &str) -> Vec<(&str, Form<'_>)> {
        placeholders(text).map(|p| (p.name, p.form)).collect()
    }

    #[test]
    fn finds_optional_word_forms() {
        assert_eq!(
            forms(r#"{{a?}} {{ b ? }} {{c...}} {{ d ... }} {{e ? "--race"}} {{ f?'x y' }}"#),
            [
                ("a", Form::Optional),
                ("b", Form::Optional),
                ("c", Form::Words),
                ("d", Form::Words),
                ("e", Form::IfSet("--race")),
                ("f", Form::IfSet("x y")),
            ]
        );
        assert_eq!(
            forms(r#"{{a ? --race}} {{b ? "x}} {{c ? "x" y}} {{d ? "}}"#),
            [
                ("a", Form::Malformed(Malformed::Unquoted)),
                ("b", Form::Malformed(Malformed::Unclosed)),
                ("c", Form::Malformed(Malformed::Trailing)),
                ("d", Form::Malformed(Malformed::Unclosed)),
            ]
        );
        // Not a name before the marker: other brace syntax, left alone.
        assert!(forms("{{ a b ? 'c' }} {{...}} {{ .x? }} {{?}} ${{ a.b... }}").is_empty());
    }

    #[test]
    fn replaces_only_what_lookup_knows() {
        let lookup = |name: &str| (name == "a").then_some("1");
        let push = |out: &mut String, _: &Placeholder<'_>, value: &str| out.push_str(value);
        assert_eq!(
            replace("{{a}}-{{ b }}-{{ a }}", lookup, push),
            "1-{{ b }}-1"
        );
    }
}
