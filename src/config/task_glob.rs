//! Task-name patterns in `depends`, `depends_post`, `wait_for` and task calls of `run` (mise's
//! `lint:*`): each is replaced by the tasks it matches, in file order, once every file is read.
//! The main function here is [`expand`].
//!
//! A name is split at `:` into parts, as namespaces are: `*` matches any run of characters
//! within one part, `?` one character within a part, and `**` any run of characters across
//! parts. So `lint:*` matches `lint:rust` but not `lint:web:css`; `lint:**` matches both.

use super::{NameRef, RunStep, TaskFile};

/// Whether a name in a dependency list is a pattern rather than a task name.
pub(crate) fn is_pattern(name: &str) -> bool {
    name.contains(['*', '?'])
}

/// Replaces every pattern of every task's dependency lists by the tasks it matches (never the
/// task itself), in file order, and a call of `run` whose `task` is a pattern by one call of
/// each match, with the same `args`, at that point. Runs before namespaces are resolved: each
/// match is written `:full:name`, which always means that very task. A pattern matching
/// nothing is left as written: the resolver reports it with the unknown names, so that all
/// are reported together.
pub(super) fn expand(file: &mut TaskFile) {
    let has_patterns = |task: &super::Task| {
        (task.depends.iter())
            .chain(&task.depends_post)
            .chain(&task.wait_for)
            .chain(task.run.iter().filter_map(RunStep::call))
            .any(|reference| is_pattern(&reference.name))
    };
    if !file.tasks.iter().any(has_patterns) {
        return;
    }
    let names: Vec<String> = file.tasks.iter().map(|task| task.name.clone()).collect();
    for (index, task) in file.tasks.iter_mut().enumerate() {
        if !has_patterns(task) {
            continue;
        }
        let namespace = task
            .include
            .map(|include| file.includes[include].namespace.as_str())
            .filter(|namespace| !namespace.is_empty());
        let matches = |pattern: &str| -> Vec<String> {
            let find = |pattern: &str| -> Vec<String> {
                (0..names.len())
                    .filter(|&other| other != index && matches(pattern, &names[other]))
                    .map(|other| format!(":{}", names[other]))
                    .collect()
            };
            match (pattern.strip_prefix(':'), namespace) {
                (Some(root), _) => find(root),
                // In an included file, its own tasks first, as for plain names.
                (None, Some(namespace)) => {
                    let local = find(&format!("{namespace}:{pattern}"));
                    if local.is_empty() {
                        find(pattern)
                    } else {
                        local
                    }
                }
                (None, None) => find(pattern),
            }
        };
        for list in [
            &mut task.depends,
            &mut task.depends_post,
            &mut task.wait_for,
        ] {
            if !list.iter().any(|reference| is_pattern(&reference.name)) {
                continue;
            }
            let mut expanded = Vec::with_capacity(list.len());
            for reference in list.drain(..) {
                let found = match is_pattern(&reference.name) {
                    true => matches(&reference.name),
                    false => Vec::new(),
                };
                if found.is_empty() {
                    expanded.push(reference);
                    continue;
                }
                // A task named twice (by a pattern and by name) is still one edge.
                for name in found {
                    if !expanded.iter().any(|known: &NameRef| known.name == name) {
                        expanded.push(NameRef {
                            name,
                            pattern: Some(reference.name.clone()),
                            ..reference.clone()
                        });
                    }
                }
            }
            *list = expanded;
        }
        if task
            .run
            .iter()
            .filter_map(RunStep::call)
            .any(|call| is_pattern(&call.name))
        {
            task.run = expand_calls(std::mem::take(&mut task.run), matches);
        }
    }
}

/// `run` with each call of a pattern replaced by a call of every match, in order, as if each
/// had been written: the same `args` (checked against each task called), the same span.
fn expand_calls(run: Vec<RunStep>, matches: impl Fn(&str) -> Vec<String>) -> Vec<RunStep> {
    let mut expanded = Vec::with_capacity(run.len());
    for step in run {
        let found = match step.call() {
            Some(call) if is_pattern(&call.name) => matches(&call.name),
            _ => Vec::new(),
        };
        if found.is_empty() {
            expanded.push(step);
            continue;
        }
        for name in found {
            let mut one = step.clone();
            if let Some(call) = one.call_mut() {
                call.pattern = Some(std::mem::replace(&mut call.name, name));
            }
            expanded.push(one);
        }
    }
    expanded
}

/// The `help:` line for a pattern that matches no task: the `**` spelling if that matches.
pub(crate) fn no_match_help<'n>(pattern: &str, mut names: impl Iterator<Item = &'n str>) -> String {
    let pattern = pattern.trim_start_matches(':');
    let across = pattern.replace("**", "*").replace('*', "**");
    if names.any(|name| matches(&across, name)) {
        format!("`*` stays within one `:` part of a name: did you mean `{across}`?")
    } else {
        "no task name matches it; `rask --list` shows the names".to_owned()
    }
}

/// One element of a pattern.
#[derive(Clone, Copy, PartialEq)]
enum Token {
    Char(char),
    /// `?`
    One,
    /// `*`
    Part,
    /// `**`
    Across,
}

/// Whether `name` matches `pattern` (see the module docs).
pub(crate) fn matches(pattern: &str, name: &str) -> bool {
    let mut tokens = Vec::with_capacity(pattern.len());
    let mut chars = pattern.chars().peekable();
    while let Some(c) = chars.next() {
        tokens.push(match c {
            '*' if chars.next_if_eq(&'*').is_some() => Token::Across,
            '*' => Token::Part,
            '?' => Token::One,
            c => Token::Char(c),
        });
    }
    let name: Vec<char> = name.chars().collect();
    // `rest[j]`: whether the tokens from `t` on match `name[j..]`, computed from the end
    // (a table, not backtracking: no pattern can make this slow).
    let mut rest: Vec<bool> = (0..=name.len()).map(|j| j == name.len()).collect();
    for &token in tokens.iter().rev() {
        let mut here = vec![false; name.len() + 1];
        for j in (0..=name.len()).rev() {
            let c = name.get(j).copied();
            here[j] = match token {
                Token::Char(wanted) => c == Some(wanted) && rest[j + 1],
                Token::One => c.is_some_and(|c| c != ':') && rest[j + 1],
                Token::Across => rest[j] || (c.is_some() && here[j + 1]),
                Token::Part => rest[j] || (c.is_some_and(|c| c != ':') && here[j + 1]),
            };
        }
        rest = here;
    }
    rest[0]
}

#[cfg(test)]
mod tests {
    use super::matches;

    #[test]
    fn star_stays_within_a_part_and_double_star_crosses() {
        assert!(matches("lint:*", "lint:rust"));
        assert!(matches("lint:*", "lint:"));
        assert!(!matches("lint:*", "lint:web:css"));
        assert!(matches("lint:**", "lint:web:css"));
        assert!(!matches("lint:*", "lint"));
        assert!(matches("*:test", "web:test"));
        assert!(!matches("*:test", "a:web:test"));
        assert!(matches("**:test", "a:web:test"));
        assert!(matches("test-?", "test-1"));
        assert!(!matches("test-?", "test-12"));
        assert!(!matches("a?b", "a:b"));
        assert!(matches("*-*-x", "a-b-c-x"));
        assert!(matches("*", "build"));
        assert!(!matches("*", "web:build"));
        assert!(matches("**:*", "a:b:c"));
        assert!(!matches("*a*a*a*a*a*a*b", &"a".repeat(200)));
    }
}
