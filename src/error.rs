//! rask's own failures (as opposed to a task failing, which is an outcome) and the exit codes
//! that are rask's API. The main type here is [`Error`].

use crate::cli::CliError;
use crate::config::{ConfigError, Diagnostic, Sources};
use crate::confirm::ConfirmError;
use crate::graph::GraphError;
use crate::report::ReportError;

/// Every task succeeded.
pub(crate) const EXIT_SUCCESS: i32 = 0;
/// rask could not do its job: bad command line, invalid tasks.toml, unknown task, cycle.
pub(crate) const EXIT_ERROR: i32 = 2;
/// A task's `confirm` question was answered no, so nothing ran.
pub(crate) const EXIT_DECLINED: i32 = 1;

#[derive(Debug, thiserror::Error)]
pub(crate) enum Error {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error("invalid dependencies")]
    Graph {
        sources: Box<Sources>,
        errors: Vec<GraphError>,
    },
    #[error(transparent)]
    Cli(#[from] CliError),
    #[error("cannot write output: {0}")]
    Output(#[from] std::io::Error),
    #[error(transparent)]
    Confirm(#[from] ConfirmError),
    #[error(transparent)]
    Report(#[from] ReportError),
    #[error(transparent)]
    Watch(#[from] crate::watch::WatchError),
}

impl Error {
    pub(crate) fn exit_code(&self) -> i32 {
        match self {
            Error::Cli(CliError::Args(error)) => error.exit_code(),
            // The user said no: like a task that failed, not like rask failing.
            Error::Confirm(ConfirmError::Declined { .. }) => EXIT_DECLINED,
            _ => EXIT_ERROR,
        }
    }

    /// The full text for stderr: every problem, with snippets where it came from tasks.toml.
    pub(crate) fn render(&self, color: bool) -> String {
        match self {
            Error::Config(ConfigError::Invalid {
                sources,
                diagnostics,
                ..
            }) => render_all(diagnostics, sources, color),
            Error::Graph { sources, errors } => {
                let diagnostics: Vec<Diagnostic> =
                    errors.iter().map(GraphError::to_diagnostic).collect();
                render_all(&diagnostics, sources, color)
            }
            Error::Cli(CliError::Args(error)) => error.render().to_string(),
            Error::Cli(error) => {
                let (diagnostic, sources) = error.to_diagnostic();
                diagnostic.render(sources.unwrap_or(&Sources::default()), color)
            }
            Error::Confirm(error) => render_plain(error.to_string(), error.help(), color),
            Error::Config(error) => render_chain(error, color),
            Error::Output(error) => render_chain(error, color),
            Error::Report(error) => render_chain(error, color),
            Error::Watch(error) => match error.help() {
                Some(help) => format!("{}\n  = help: {help}", render_chain(error, color)),
                None => render_chain(error, color),
            },
        }
    }
}

/// Replaces Rust's panic message and backtrace with one line saying rask itself is at fault,
/// with the version and the place, so a report carries what is needed to find it. A backtrace
/// still follows when `RUST_BACKTRACE` asks for one.
pub(crate) fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        let message = info
            .payload()
            .downcast_ref::<&str>()
            .map(|text| (*text).to_owned())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown panic".to_owned());
        let location = info
            .location()
            .map(|location| format!("{}:{}", location.file(), location.line()));
        eprintln!("{}", internal_error_line(&message, location.as_deref()));
        if std::env::var_os("RUST_BACKTRACE").is_some_and(|value| value != "0") {
            eprintln!("{}", std::backtrace::Backtrace::force_capture());
        }
    }));
}

fn internal_error_line(message: &str, location: Option<&str>) -> String {
    let at = location.map(|at| format!(" at {at}")).unwrap_or_default();
    let message = message.replace('\n', " ");
    format!(
        "error: internal error in rask {}{at}: {message} (this is a bug in rask, please report it)",
        env!("CARGO_PKG_VERSION")
    )
}

/// A message (and help line) that points at nothing in tasks.toml.
fn render_plain(message: String, help: Option<String>, color: bool) -> String {
    let diagnostic = Diagnostic {
        message,
        span: None,
        label: String::new(),
        help,
        also: None,
        notes: Vec::new(),
    };
    diagnostic.render(&Sources::default(), color)
}

fn render_all(diagnostics: &[Diagnostic], sources: &Sources, color: bool) -> String {
    let rendered: Vec<String> = diagnostics
        .iter()
        .map(|diagnostic| diagnostic.render(sources, color))
        .collect();
    rendered.join("\n\n")
}

/// `error: message: cause: cause`, for errors that point at nothing in tasks.toml.
fn render_chain(error: &dyn std::error::Error, color: bool) -> String {
    let mut text = format!(
        "{}: {error}",
        crate::report::Style::ERROR.paint("error", color)
    );
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(&format!(": {cause}"));
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    #[test]
    fn issue_8_a_panic_is_one_line_naming_the_version() {
        let line = super::internal_error_line("index out of\nbounds", Some("src/x.rs:3"));
        assert_eq!(
            line,
            format!(
                "error: internal error in rask {} at src/x.rs:3: index out of bounds \
                 (this is a bug in rask, please report it)",
                env!("CARGO_PKG_VERSION")
            )
        );
    }
}
