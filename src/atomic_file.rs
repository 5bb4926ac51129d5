//! Writing a file so that readers see the old contents or the new, never a torn mix. The main
//! function here is [`write_atomically`].
//!
//! Reports (JUnit, timings) and the cache's manifests and stat index all need this; one helper
//! keeps the "temporary file beside the target, then rename" rule in one place.

use std::fs::File;
use std::io;
use std::path::Path;

/// Writes `path` through `fill`: into a temporary file in the same directory (so the rename
/// stays on one filesystem), renamed over `path` only once `fill` succeeded. On any error the
/// temporary file is removed and `path` is left as it was.
pub(crate) fn write_atomically(
    path: &Path,
    fill: impl FnOnce(&mut File) -> io::Result<()>,
) -> io::Result<()> {
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let mut temp = tempfile::NamedTempFile::new_in(dir)?;
    fill(temp.as_file_mut())?;
    temp.persist(path).map_err(|error| error.error)?;
    Ok(())
}
