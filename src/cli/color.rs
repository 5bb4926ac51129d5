//! What `--color auto` decides from the environment. The main function is [`auto_color`].

/// `--color auto`, from the conventions the environment may set, in anstream's order:
/// a non-empty `NO_COLOR` turns colour off (no-color.org: an empty one does not count), a
/// `CLICOLOR_FORCE` other than empty or `0` turns it on even into a pipe, `CLICOLOR=0` turns
/// it off (bixense.com/clicolors); otherwise colour goes to terminals only.
pub(crate) fn auto_color(terminal: bool, var: impl Fn(&str) -> Option<std::ffi::OsString>) -> bool {
    let set = |name: &str| var(name).filter(|value| !value.is_empty());
    if set("NO_COLOR").is_some() {
        return false;
    }
    if set("CLICOLOR_FORCE").is_some_and(|value| value != "0") {
        return true;
    }
    if var("CLICOLOR").is_some_and(|value| value == "0") {
        return false;
    }
    terminal
}

#[cfg(test)]
mod tests {
    use super::auto_color;

    fn with(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<std::ffi::OsString> {
        let vars: Vec<(String, String)> = vars
            .iter()
            .map(|(name, value)| ((*name).to_owned(), (*value).to_owned()))
            .collect();
        move |name| {
            vars.iter()
                .find(|(key, _)| key == name)
                .map(|(_, value)| value.into())
        }
    }

    #[test]
    fn issue_8_colour_follows_no_color_and_clicolor() {
        assert!(auto_color(true, with(&[])));
        assert!(!auto_color(false, with(&[])));
        assert!(!auto_color(true, with(&[("NO_COLOR", "1")])));
        assert!(
            auto_color(true, with(&[("NO_COLOR", "")])),
            "empty NO_COLOR"
        );
        assert!(auto_color(false, with(&[("CLICOLOR_FORCE", "1")])));
        assert!(!auto_color(false, with(&[("CLICOLOR_FORCE", "0")])));
        assert!(!auto_color(false, with(&[("CLICOLOR_FORCE", "")])));
        assert!(!auto_color(
            false,
            with(&[("CLICOLOR_FORCE", "1"), ("NO_COLOR", "1")])
        ));
        assert!(!auto_color(true, with(&[("CLICOLOR", "0")])));
        assert!(auto_color(true, with(&[("CLICOLOR", "1")])));
    }
}
