//! Why watch mode could not watch. The main type here is [`WatchError`].

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub(crate) enum WatchError {
    /// The kernel's limit on inotify watches (or instances) is reached.
    #[error("cannot watch `{}`: the system limit on watched directories is reached", path.display())]
    Limit { path: PathBuf },
    #[error("cannot watch `{}`", path.display())]
    Watch {
        path: PathBuf,
        #[source]
        source: notify::Error,
    },
    #[error("cannot start watching for changes")]
    Start(#[source] notify::Error),
    #[error("cannot set up the run's control input")]
    Control(#[source] std::io::Error),
}

impl WatchError {
    /// From notify's error while adding a watch on `path`; the watch limit gets its own
    /// variant, since only a human can raise it.
    pub(crate) fn watching(path: PathBuf, source: notify::Error) -> WatchError {
        let limit = match &source.kind {
            notify::ErrorKind::MaxFilesWatch => true,
            // inotify reports a full watch table as ENOSPC and too many instances as EMFILE.
            notify::ErrorKind::Io(error) => {
                matches!(error.raw_os_error(), Some(libc::ENOSPC | libc::EMFILE))
            }
            _ => false,
        };
        if limit {
            WatchError::Limit { path }
        } else {
            WatchError::Watch { path, source }
        }
    }

    /// What the user can do about it, when there is something.
    pub(crate) fn help(&self) -> Option<String> {
        match self {
            // As watchexec explains it (crates/lib/src/sources/fs.rs).
            WatchError::Limit { .. } => Some(
                "Linux allows each user a fixed number of inotify watches (one per directory); \
                 raise it with `sudo sysctl fs.inotify.max_user_watches=524288` (add it to \
                 /etc/sysctl.conf to keep it), watch less (narrower `sources`, .gitignore), \
                 or use `--poll`"
                    .to_owned(),
            ),
            _ => None,
        }
    }
}
