//! Did-you-mean: the one place that picks a suggestion for a mistyped name.

/// Names longer than this get no edit-distance suggestion (a case-insensitive match still
/// counts): Levenshtein costs the product of the two lengths, and pairwise comparisons of
/// 100,000-character names took seconds (issue #8). Nobody mistypes a name this long by hand.
const MAX_COMPARED_CHARS: usize = 256;

/// The candidate closest to `typed`, if it is close enough to be what the user meant.
///
/// Close enough means a Levenshtein distance under 3 (as just's `find_suggestion`) that is
/// also at most half the longer name, or a case-insensitive match: `Al` suggests `all` but
/// not `t`. Ties go to the earliest candidate, so the suggestion is stable across runs.
pub(crate) fn suggest<'a>(
    typed: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let typed_lower = typed.to_lowercase();
    let typed_chars = typed.chars().count();
    candidates
        .into_iter()
        .filter(|candidate| *candidate != typed)
        .filter_map(|candidate| {
            if candidate.len() == typed.len() && candidate.to_lowercase() == typed_lower {
                return Some((0, candidate));
            }
            // The distance is at least the difference in length: skip what cannot be close.
            let candidate_chars = candidate.chars().count();
            let longer = typed_chars.max(candidate_chars);
            if typed_chars.abs_diff(candidate_chars) >= 3 || longer > MAX_COMPARED_CHARS {
                return None;
            }
            let distance = strsim::levenshtein(&typed_lower, &candidate.to_lowercase());
            (distance < 3 && distance * 2 <= longer).then_some((distance, candidate))
        })
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
    fn issue_8_short_names_need_a_close_match() {
        assert_eq!(suggest("Al", ["t", "all"]), Some("all"));
        assert_eq!(suggest("Al", ["t"]), None);
        assert_eq!(suggest("ab", ["xy"]), None);
    }

    #[test]
    fn issue_8_huge_names_are_compared_in_bounded_time() {
        let huge = "a".repeat(100_000);
        let near = format!("{huge}b");
        let candidates: Vec<String> = (0..50).map(|index| format!("{huge}{index}")).collect();
        // Compared in full, these took over ten seconds each; past the bound they are skipped.
        assert_eq!(suggest(&near, candidates.iter().map(String::as_str)), None);
    }

    #[test]
    fn ignores_case() {
        assert_eq!(suggest("Build", ["build", "test"]), Some("build"));
    }
}
