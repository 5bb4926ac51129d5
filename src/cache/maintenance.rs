//! `--cache-info` and `--cache-clear`: flags rather than words, so a task named `cache`
//! still runs. The main functions here are [`info`] and [`clear`].

use std::path::Path;

use super::store::LocalStore;

/// Where the cache is and what it holds, for people.
pub(crate) fn info(dir: &Path, max_size: u64) -> String {
    let (entries, bytes) = LocalStore::new(dir.to_owned()).usage();
    format!(
        "cache directory: {}\nentries: {entries}\nsize: {} of {} (least recently used entries are evicted past it)\n",
        dir.display(),
        human_size(bytes),
        human_size(max_size),
    )
}

/// Deletes the cache's contents. Entries are deleted area by area, each renamed aside first
/// so that a rask running meanwhile sees either the old area or none (a miss), never half.
pub(crate) fn clear(dir: &Path) -> std::io::Result<String> {
    let mut removed = 0;
    for area in ["ac", "cas", "tasks", "index", "tmp"] {
        let path = dir.join(area);
        if !path.exists() {
            continue;
        }
        let aside = dir.join(format!(".{area}-clearing-{}", std::process::id()));
        std::fs::rename(&path, &aside)?;
        std::fs::remove_dir_all(&aside)?;
        removed += 1;
    }
    Ok(if removed == 0 {
        format!("cache at {} is already empty\n", dir.display())
    } else {
        format!("cleared the cache at {}\n", dir.display())
    })
}

fn human_size(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["B", "KiB", "MiB", "GiB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} B")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}
