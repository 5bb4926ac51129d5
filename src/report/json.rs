//! `--report json=PATH`: the run's events as JSON lines, one object per event, flushed as each
//! happens so a tool can follow the run live. The shape is documented (and versioned) in
//! docs/events.md and docs/events.schema.json. The main type here is [`JsonSink`].

use std::io::{self, Write};
use std::path::PathBuf;

use super::{Sink, cannot_write};
use crate::events::{Event, EventKind, Flow};

pub(crate) struct JsonSink {
    out: Box<dyn Write>,
    /// The file written, or `None` for rask's own stdout, whose loss ends the run (see
    /// [`Flow`]).
    path: Option<PathBuf>,
    /// Set after the first write error; the rest of the run is not written.
    failed: bool,
    /// The first write error, until the reporter takes it.
    failure: Option<String>,
    /// `run_finished` was written: it stays the last line, whatever is said after it.
    finished: bool,
    line: Vec<u8>,
}

impl JsonSink {
    /// A sink writing to `out`, which is the file `path` or (`None`) rask's stdout.
    pub(crate) fn new(out: Box<dyn Write>, path: Option<PathBuf>) -> JsonSink {
        JsonSink {
            out,
            path,
            failed: false,
            failure: None,
            finished: false,
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
        if self.failed || self.finished {
            return Flow::Continue;
        }
        self.finished = matches!(event.kind, EventKind::RunFinished { .. });
        let Err(error) = self.write(event) else {
            return Flow::Continue;
        };
        self.failed = true;
        match &self.path {
            None if error.kind() == io::ErrorKind::BrokenPipe => Flow::OutputClosed,
            None => {
                self.failure = Some(cannot_write("the JSON report to stdout", &error));
                Flow::Continue
            }
            Some(path) => {
                let what = format!("report `{}`", path.display());
                self.failure = Some(cannot_write(&what, &error));
                Flow::Continue
            }
        }
    }

    fn take_failure(&mut self) -> Option<String> {
        self.failure.take()
    }
}
