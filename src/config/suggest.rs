//! Did-you-mean: the one place that picks a suggestion for a mistyped name.

/// The candidate closest to `typed`, if it is close enough to be what the user meant.
///
/// Close enough means a Levenshtein distance under 3 (as just's `find_suggestion`), or a
/// case-insensitive match, whichever is smaller. Ties go to the earliest candidate, so the
/// suggestion is stable across runs.
pub(crate) fn suggest<'a>(
    typed: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let typed_lower = typed.to_lowercase();
    candidates
        .into_iter()
        .filter(|candidate| *candidate != typed)
        .map(|candidate| {
            let distance = if candidate.to_lowercase() == typed_lower {
                0
            } else {
                strsim::levenshtein(typed, candidate)
            };
            (distance, candidate)
        })
        .filter(|(distance, _)| *distance < 3)
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, candidate)| candidate)
}

#[cfg(test)]
mod tests {
    use super::suggest;

    #[test]
    fn picks_the_nearest_candidate() {
        assert_eq!(suggest("tset", ["build", "test", "lint"]), Some("test"));
        assert_eq!(
            suggest("dependz", ["depends", "description"]),
            Some("depends")
        );
    }

    #[test]
    fn refuses_distant_names() {
        assert_eq!(suggest("deploy", ["build", "test"]), None);
    }

    #[test]
    fn ignores_case() {
        assert_eq!(suggest("Build", ["build", "test"]), Some("build"));
    }
}
