//! Script commands: a task's script written to a private temp file, which runs through its
//! shebang line or the task's `interpreter`, as just's shebang recipes do. The main type here
//! is [`ScriptFile`].

use std::fs::Permissions;
use std::io::{self, Write};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

/// A script on disk for as long as its command runs; the file is removed when this is dropped,
/// which happens when the command ends, when its job is cancelled, and before rask exits on a
/// third Ctrl-C.
#[derive(Debug)]
pub(crate) struct ScriptFile(tempfile::TempPath);

impl ScriptFile {
    /// Writes `text` to a new file only its owner can read, write and execute.
    pub(crate) fn write(text: &str) -> io::Result<ScriptFile> {
        let mut file = tempfile::Builder::new()
            .prefix("rask-script-")
            .permissions(Permissions::from_mode(0o700))
            .tempfile()?;
        file.write_all(text.as_bytes())?;
        // Closes the file: Linux refuses to execute a file that is open for writing (ETXTBSY).
        Ok(ScriptFile(file.into_temp_path()))
    }

    pub(crate) fn path(&self) -> &Path {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn is_private_and_removed_when_dropped() {
        let script = ScriptFile::write("#!/bin/sh\necho hi\n").expect("temp dir is writable");
        let path = script.path().to_owned();
        let metadata = std::fs::metadata(&path).expect("written");
        assert_eq!(metadata.permissions().mode() & 0o077, 0, "private");
        assert_eq!(
            std::fs::read_to_string(&path).expect("readable"),
            "#!/bin/sh\necho hi\n"
        );
        drop(script);
        assert!(!path.exists());
    }
}
