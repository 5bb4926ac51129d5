//! rask's own failures (as opposed to a task failing, which is an outcome) and the exit codes
//! that are rask's API. The main type here is [`Error`].

use crate::cli::CliError;
use crate::config::{ConfigError, Diagnostic, Sources};
use crate::graph::GraphError;

/// Every task succeeded.
pub(crate) const EXIT_SUCCESS: i32 = 0;
/// rask could not do its job: bad command line, invalid tasks.toml, unknown task, cycle.
pub(crate) const EXIT_ERROR: i32 = 2;

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
}

impl Error {
    pub(crate) fn exit_code(&self) -> i32 {
        match self {
            Error::Cli(CliError::Args(error)) => error.exit_code(),
            _ => EXIT_ERROR,
        }
    }

    /// The full text for stderr: every problem, with snippets where it came from tasks.toml.
    pub(crate) fn render(&self, color: bool) -> String {
        match self {
            Error::Config(ConfigError::Invalid {
                sources,
                diagnostics,
            }) => render_all(diagnostics, sources, color),
            Error::Graph { sources, errors } => {
                let diagnostics: Vec<Diagnostic> =
                    errors.iter().map(GraphError::to_diagnostic).collect();
                render_all(&diagnostics, sources, color)
            }
            Error::Cli(CliError::Args(error)) => error.render().to_string(),
            Error::Cli(error) => {
                let diagnostic = Diagnostic {
                    message: error.to_string(),
                    span: None,
                    label: String::new(),
                    help: error.help(),
                };
                diagnostic.render(&Sources::default(), color)
            }
            Error::Config(error) => render_chain(error, color),
            Error::Output(error) => render_chain(error, color),
        }
    }
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
