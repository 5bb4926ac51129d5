//! The run loop's control input: messages from another thread (a file watcher, later service
//! tasks) that stop, restart or end a run, as watchexec's supervisor takes `Control` messages.
//! The main types here are [`Control`] and the two halves of its channel, [`ControlSender`]
//! and [`ControlReceiver`].
//!
//! The scheduler's loop stays single-threaded: a sender queues a message and writes a byte to
//! a socket pair whose reading end the loop polls beside its tasks and signal pipes, so a
//! message is ordinary control flow on the scheduler's thread, like a signal.

use std::io::{self, ErrorKind, Read, Write};
use std::os::fd::{AsRawFd, RawFd};
use std::os::unix::net::UnixStream;
use std::sync::Arc;
use std::sync::mpsc::{self, TryRecvError};

use crate::graph::TaskId;

/// What a run is asked to do. Task lists name tasks of the run's plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Control {
    /// Stop these tasks (polite signal, grace, then the whole group killed) and do not run
    /// them again; what depends on them does not run either.
    #[cfg_attr(
        not(test),
        expect(dead_code, reason = "for service tasks; watch mode restarts and ends")
    )]
    Stop(Vec<TaskId>),
    /// Run these tasks and everything that depends on them again. Those still running are
    /// stopped first, as by [`Control::Stop`], unless their `watch_signal` says to signal
    /// them instead; a task never runs twice at once.
    Restart(Vec<TaskId>),
    /// Stop everything and end the run.
    End,
}

/// Creates a control channel. The receiver goes to the scheduler
/// ([`Scheduler::with_control`](super::Scheduler::with_control)); senders may go anywhere.
pub(crate) fn channel() -> io::Result<(ControlSender, ControlReceiver)> {
    let (wake_reader, wake_writer) = UnixStream::pair()?;
    wake_reader.set_nonblocking(true)?;
    // A full socket buffer already guarantees a wake-up: never block a sender on it.
    wake_writer.set_nonblocking(true)?;
    let (queue, messages) = mpsc::channel();
    Ok((
        ControlSender {
            queue,
            wake: Arc::new(wake_writer),
        },
        ControlReceiver {
            messages,
            wake: wake_reader,
            disconnected: false,
        },
    ))
}

/// The sending half; clone it for each thread that drives the run.
#[derive(Debug, Clone)]
pub(crate) struct ControlSender {
    queue: mpsc::Sender<Control>,
    wake: Arc<UnixStream>,
}

impl ControlSender {
    /// Queues `control` and wakes the run loop. Fails only when the run is over.
    pub(crate) fn send(&self, control: Control) -> Result<(), RunEnded> {
        self.queue.send(control).map_err(|_| RunEnded)?;
        // The message is queued before the byte is written, so a loop woken by the byte
        // always finds it. WouldBlock means bytes are already waiting: the loop will wake.
        match (&*self.wake).write(&[1]) {
            Ok(_) => Ok(()),
            Err(error) if error.kind() == ErrorKind::WouldBlock => Ok(()),
            Err(_) => Err(RunEnded),
        }
    }
}

/// The run a message was sent to is over (its receiver was dropped).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the run is over")]
pub(crate) struct RunEnded;

/// The receiving half, polled by the scheduler's loop.
#[derive(Debug)]
pub(crate) struct ControlReceiver {
    messages: mpsc::Receiver<Control>,
    wake: UnixStream,
    /// Every sender is gone: no message can come any more.
    disconnected: bool,
}

impl ControlReceiver {
    /// The descriptor to poll: readable when messages may be waiting.
    pub(crate) fn fd(&self) -> RawFd {
        self.wake.as_raw_fd()
    }

    /// Moves every waiting message into `out`, in the order sent. Once every sender is gone
    /// this yields [`Control::End`]: nothing can drive the run any more.
    pub(crate) fn take(&mut self, out: &mut Vec<Control>) {
        // Drain the wake-up bytes first: a message sent after this still writes its byte.
        let mut bytes = [0u8; 64];
        while matches!((&self.wake).read(&mut bytes), Ok(1..)) {}
        loop {
            match self.messages.try_recv() {
                Ok(control) => out.push(control),
                Err(TryRecvError::Empty) => break,
                Err(TryRecvError::Disconnected) => {
                    if !self.disconnected {
                        self.disconnected = true;
                        out.push(Control::End);
                    }
                    break;
                }
            }
        }
    }

    /// Whether a sender may still send; a receiver whose senders are all gone need not be
    /// polled once [`ControlReceiver::take`] has reported the end.
    pub(crate) fn is_open(&self) -> bool {
        !self.disconnected
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_arrive_in_order_and_wake_the_poller() {
        let (sender, mut receiver) = channel().expect("socket pair");
        sender
            .send(Control::Restart(vec![TaskId(1)]))
            .expect("open");
        sender.send(Control::End).expect("open");
        let mut pollfd = [super::super::os::readable(receiver.fd())];
        super::super::os::poll(&mut pollfd, Some(std::time::Duration::ZERO)).expect("poll");
        assert_ne!(
            pollfd[0].revents, 0,
            "a queued message makes the fd readable"
        );
        let mut out = Vec::new();
        receiver.take(&mut out);
        assert_eq!(out, [Control::Restart(vec![TaskId(1)]), Control::End]);
        let mut pollfd = [super::super::os::readable(receiver.fd())];
        super::super::os::poll(&mut pollfd, Some(std::time::Duration::ZERO)).expect("poll");
        assert_eq!(pollfd[0].revents, 0, "taking drains the wake-up bytes");
    }

    #[test]
    fn dropping_every_sender_ends_the_run_once() {
        let (sender, mut receiver) = channel().expect("socket pair");
        drop(sender);
        let mut out = Vec::new();
        receiver.take(&mut out);
        receiver.take(&mut out);
        assert_eq!(out, [Control::End]);
        assert!(!receiver.is_open());
    }
}
