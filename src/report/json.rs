//! `--report json=PATH`: the run's events as JSON lines, one object per event, flushed as each
//! happens so a tool can follow the run live. The shape is documented (and versioned) in
//! docs/events.md and docs/events.schema.json. The main type here is [`JsonSink`].

use std::io::{self, Write};

use super::Sink;
use crate::events::{Event, Flow};

pub(crate) struct JsonSink {
    out: Box<dyn Write>,
    /// Set after the first write error; the rest of the run is not written.
    failed: bool,
    /// The destination is rask's own stdout, whose loss ends the run (see [`Flow`]).
    is_stdout: bool,
    line: Vec<u8>,
}

impl JsonSink {
    /// A sink writing to `out`; `is_stdout` when that is rask's stdout.
    pub(crate) fn new(out: Box<dyn Write>, is_stdout: bool) -> JsonSink {
        JsonSink {
            out,
            failed: false,
            is_stdout,
            line: Vec::with_capacity(1024),
        }
    }

    fn write(&mut self, event: &Event) -> io::Result<()> {
        self.line.clear();
        serde_json::to_writer(&mut self.line, event)?;
        self.line.push(b'\n');
        self.out.write_all(&self.line)?;
        self.out.flush()
    }
}

impl Sink for JsonSink {
    fn event(&mut self, event: &Event) -> Flow {
        if self.failed {
            return Flow::Continue;
        }
        match self.write(event) {
            Ok(()) => Flow::Continue,
            Err(error) => {
                self.failed = true;
                let gone = error.kind() == io::ErrorKind::BrokenPipe;
                if self.is_stdout && gone {
                    Flow::OutputClosed
                } else {
                    Flow::Continue
                }
            }
        }
    }
}
