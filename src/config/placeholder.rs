//! The one `{{ name }}` scanner, used by parse-time validation and by substitution alike, so
//! the two can never disagree about what counts as a placeholder. The main type here is
//! [`Placeholder`].

use std::ops::Range;

/// One `{{ name }}` in a string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Placeholder<'s> {
    /// The name between the braces, trimmed.
    pub(crate) name: &'s str,
    /// Byte range of the whole placeholder, braces included.
    pub(crate) range: Range<usize>,
}

/// Every `{{ name }}` in `text`, in order.
///
/// Braces around anything that is not an identifier are left alone, so commands can still
/// contain other brace syntax (`${{ … }}` in CI snippets, Go templates) as long as it is not
/// a bare name.
pub(crate) fn placeholders(text: &str) -> impl Iterator<Item = Placeholder<'_>> {
    let mut from = 0;
    std::iter::from_fn(move || {
        loop {
            let open = from + text.get(from..)?.find("{{")?;
            let close = open + 2 + text[open + 2..].find("}}")?;
            let inner = text[open + 2..close].trim();
            if is_identifier(inner) {
                from = close + 2;
                return Some(Placeholder {
                    name: inner,
                    range: open..close + 2,
                });
            }
            from = open + 2;
        }
    })
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
/// of its name and value; everything else is kept as written.
pub(crate) fn replace<'v>(
    template: &str,
    lookup: impl Fn(&str) -> Option<&'v str>,
    mut write: impl FnMut(&mut String, &str, &'v str),
) -> String {
    let mut out = String::with_capacity(template.len());
    let mut copied = 0;
    for placeholder in placeholders(template) {
        if let Some(value) = lookup(placeholder.name) {
            out.push_str(&template[copied..placeholder.range.start]);
            write(&mut out, placeholder.name, value);
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
    fn finds_placeholders() {
        assert_eq!(
            found("a {{x}} {{ y-z }} {{ not ok }} ${{ a.b }} {{_1}}"),
            [("x", 2..7), ("y-z", 8..17), ("_1", 42..48)]
        );
        assert!(found("{{ {{x").is_empty());
        assert_eq!(found("{{ {{x}}"), [("x", 3..8)]);
        assert!(found("é {{ü").is_empty());
    }

    #[test]
    fn replaces_only_what_lookup_knows() {
        let lookup = |name: &str| (name == "a").then_some("1");
        let push = |out: &mut String, _: &str, value: &str| out.push_str(value);
        assert_eq!(
            replace("{{a}}-{{ b }}-{{ a }}", lookup, push),
            "1-{{ b }}-1"
        );
    }
}
