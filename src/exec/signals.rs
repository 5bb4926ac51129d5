//! OS signals as events: SIGINT, SIGTERM and SIGHUP each write to a pipe of their own that the
//! scheduler polls beside its tasks, so a signal is ordinary control flow on one thread.
//! The main type here is [`SignalPipes`].

use std::io::Read;
use std::os::fd::{AsRawFd, RawFd};
use std::os::unix::net::UnixStream;

use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};

/// The signals rask handles; others keep their default action.
const HANDLED: [i32; 3] = [SIGINT, SIGTERM, SIGHUP];

/// From installation on, rask's terminating signals no longer kill rask: each becomes readable
/// data on its pipe.
pub(crate) struct SignalPipes {
    /// One read end per handled signal, in the order of `HANDLED`.
    readers: Vec<(i32, UnixStream)>,
    #[cfg(test)]
    writers: Vec<(i32, UnixStream)>,
}

impl SignalPipes {
    pub(crate) fn install() -> std::io::Result<SignalPipes> {
        let mut readers = Vec::new();
        #[cfg(test)]
        let mut writers = Vec::new();
        for signal in HANDLED {
            let (reader, writer) = UnixStream::pair()?;
            reader.set_nonblocking(true)?;
            #[cfg(test)]
            writers.push((signal, writer.try_clone()?));
            signal_hook::low_level::pipe::register(signal, writer)?;
            readers.push((signal, reader));
        }
        Ok(SignalPipes {
            readers,
            #[cfg(test)]
            writers,
        })
    }

    /// No handlers: signals keep their default action (rask dies, tasks keep running).
    /// For when [`SignalPipes::install`] fails.
    pub(crate) fn none() -> SignalPipes {
        SignalPipes {
            readers: Vec::new(),
            #[cfg(test)]
            writers: Vec::new(),
        }
    }

    /// The descriptors to poll.
    pub(crate) fn fds(&self) -> impl Iterator<Item = RawFd> + '_ {
        self.readers.iter().map(|(_, reader)| reader.as_raw_fd())
    }

    /// The signal whose pipe `fd` is, after consuming what it holds; one signal per call, as
    /// several deliveries before rask looked may have collapsed into one wake-up.
    pub(crate) fn take(&self, fd: RawFd) -> Option<i32> {
        let (signal, mut reader) = self
            .readers
            .iter()
            .find(|(_, reader)| reader.as_raw_fd() == fd)
            .map(|(signal, reader)| (*signal, reader))?;
        let mut byte = [0u8; 1];
        match reader.read(&mut byte) {
            Ok(1) => Some(signal),
            _ => None,
        }
    }

    /// Pipes like [`SignalPipes::install`]'s, with no handler registered: unit tests deliver
    /// signals with [`SignalPipes::simulate`] and leave the test process's own handling alone.
    #[cfg(test)]
    pub(crate) fn simulated() -> std::io::Result<SignalPipes> {
        let mut readers = Vec::new();
        let mut writers = Vec::new();
        for signal in HANDLED {
            let (reader, writer) = UnixStream::pair()?;
            reader.set_nonblocking(true)?;
            writers.push((signal, writer));
            readers.push((signal, reader));
        }
        Ok(SignalPipes { readers, writers })
    }

    /// Delivers `signal` as if the OS had, without disturbing the rest of the test process.
    #[cfg(test)]
    pub(crate) fn simulate(&self, signal: i32) {
        use std::io::Write;
        if let Some((_, writer)) = self.writers.iter().find(|(handled, _)| *handled == signal) {
            let mut writer: &UnixStream = writer;
            writer.write_all(&[1]).expect("signal pipe accepts a byte");
        }
    }
}
