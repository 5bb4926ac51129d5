//! OS signals as events: a thread turns SIGINT, SIGTERM and SIGHUP into
//! [`ExecEvent::Signal`] on the scheduler's channel, so signal handling is ordinary control flow.

use std::sync::mpsc::SyncSender;

use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
use signal_hook::iterator::Signals;

use super::ExecEvent;

/// From now on, rask's terminating signals arrive as events instead of killing rask.
/// On error rask keeps the default behaviour: a signal kills rask itself.
pub(super) fn forward_to(events: SyncSender<ExecEvent>) -> std::io::Result<()> {
    let mut signals = Signals::new([SIGINT, SIGTERM, SIGHUP])?;
    std::thread::Builder::new()
        .name("rask-signals".to_owned())
        .spawn(move || {
            for signal in signals.forever() {
                if events.send(ExecEvent::Signal(signal)).is_err() {
                    break;
                }
            }
        })?;
    Ok(())
}
