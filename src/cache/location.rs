//! Where a project's cache lives and how large it may grow, from the environment and
//! `[settings]`. The main function here is [`cache_dir`].

use std::path::{Path, PathBuf};

use super::DEFAULT_MAX_SIZE;

/// The variable that overrides `settings.cache_dir`.
pub(crate) const CACHE_DIR_VAR: &str = "RASK_CACHE_DIR";
/// The variable that sets the size limit, in bytes (`K`, `M`, `G` suffixes allowed).
pub(crate) const MAX_SIZE_VAR: &str = "RASK_CACHE_MAX_SIZE";

/// `$RASK_CACHE_DIR`, else `settings.cache_dir`, else `.rask/cache` in the project root. A
/// relative `RASK_CACHE_DIR` is taken from the project root, like every path rask reads.
pub(crate) fn cache_dir(root: &Path, configured: Option<&Path>) -> PathBuf {
    match std::env::var_os(CACHE_DIR_VAR).filter(|dir| !dir.is_empty()) {
        Some(dir) => root.join(dir),
        None => configured.map_or_else(|| root.join(".rask").join("cache"), |dir| root.join(dir)),
    }
}

/// `$RASK_CACHE_MAX_SIZE`, else the default; `Err` quotes a value that is not a size.
pub(crate) fn max_size() -> Result<u64, String> {
    let Ok(text) = std::env::var(MAX_SIZE_VAR) else {
        return Ok(DEFAULT_MAX_SIZE);
    };
    parse_size(&text).ok_or(text)
}

pub(crate) fn parse_size(text: &str) -> Option<u64> {
    let text = text.trim();
    let (number, unit) = match text.char_indices().find(|(_, c)| !c.is_ascii_digit()) {
        Some((at, _)) => text.split_at(at),
        None => (text, ""),
    };
    let scale: u64 = match unit
        .trim()
        .to_ascii_uppercase()
        .trim_end_matches("IB")
        .trim_end_matches('B')
    {
        "" => 1,
        "K" => 1 << 10,
        "M" => 1 << 20,
        "G" => 1 << 30,
        _ => return None,
    };
    number.parse::<u64>().ok()?.checked_mul(scale)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_with_units() {
        assert_eq!(parse_size("1024"), Some(1024));
        assert_eq!(parse_size("5M"), Some(5 << 20));
        assert_eq!(parse_size("2GiB"), Some(2 << 30));
        assert_eq!(parse_size("lots"), None);
    }
}
