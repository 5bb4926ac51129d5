//! The options that matter most in CI: machine-readable reports, the run summary, live
//! progress, retries, sharding and load. The main type here is [`CiArgs`], flattened into
//! [`Args`](super::Args); every value is checked while parsing, so it arrives typed.

use std::path::PathBuf;

use clap::{Args, ValueEnum};

#[derive(Debug, Clone, Default, Args)]
pub(crate) struct CiArgs {
    /// Also write the run as FORMAT to PATH: `json=PATH` (JSON lines, `-` for stdout) or
    /// `junit=PATH` (JUnit XML); may be repeated
    #[arg(long, value_name = "FORMAT=PATH", value_parser = parse_report)]
    pub(crate) report: Vec<ReportTarget>,

    /// Write a Gantt chart of the run to PATH: one self-contained HTML file
    #[arg(long, value_name = "PATH")]
    pub(crate) timings: Option<PathBuf>,

    /// When to print the closing table of tasks with their wall, CPU and memory [default:
    /// always under CI=true, failures on a terminal, else never]
    #[arg(long, value_enum, value_name = "WHEN")]
    pub(crate) summary: Option<SummaryArg>,

    /// Show a live status area of the running tasks on stderr: `auto` on a terminal, not
    /// under CI=true or -q; never in inherit output mode, where tasks own the terminal
    #[arg(long, value_enum, value_name = "WHEN", default_value_t = ProgressArg::Auto)]
    pub(crate) progress: ProgressArg,

    /// Run a failed task again up to N times (a task's own `retries` wins); not after a
    /// timeout unless the task sets `retry_on_timeout`, never after Ctrl-C
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(0..=100))]
    pub(crate) retries: Option<u32>,

    /// Start no new task while the 1-minute load average is at or above X, unless none is
    /// running (make's -l)
    #[arg(long, value_name = "X", value_parser = parse_load)]
    pub(crate) load_average: Option<f64>,

    /// Run only slice K of N of the requested tasks (1-based, round-robin in the order
    /// given); their dependencies still run
    #[arg(long, value_name = "K/N", value_parser = parse_partition)]
    pub(crate) partition: Option<Partition>,
}

/// `--partition K/N`: slice `index` (1-based) of `count`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Partition {
    pub(crate) index: usize,
    pub(crate) count: usize,
}

fn parse_load(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(load) if load.is_finite() && load > 0.0 => Ok(load),
        _ => Err(format!(
            "expected a positive number, e.g. `4` or `2.5`, not `{text}`"
        )),
    }
}

fn parse_partition(text: &str) -> Result<Partition, String> {
    let expected = || format!("expected K/N with 1 <= K <= N, e.g. `1/3`, not `{text}`");
    let (index, count) = text.split_once('/').ok_or_else(expected)?;
    let index: usize = index.trim().parse().map_err(|_| expected())?;
    let count: usize = count.trim().parse().map_err(|_| expected())?;
    if index == 0 || index > count {
        return Err(expected());
    }
    Ok(Partition { index, count })
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, ValueEnum)]
pub(crate) enum ProgressArg {
    #[default]
    Auto,
    Always,
    Never,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum SummaryArg {
    Never,
    Failures,
    Always,
}

/// A `--report` destination.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ReportTarget {
    pub(crate) format: ReportFormat,
    /// `None` for `-`: stdout.
    pub(crate) path: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ReportFormat {
    Json,
    Junit,
}

fn parse_report(text: &str) -> Result<ReportTarget, String> {
    let (format, path) = text
        .split_once('=')
        .ok_or_else(|| "expected FORMAT=PATH, e.g. `json=events.jsonl`".to_owned())?;
    let format = match format {
        "json" => ReportFormat::Json,
        "junit" => ReportFormat::Junit,
        other => {
            return Err(format!(
                "unknown report format `{other}` (expected json or junit)"
            ));
        }
    };
    let path = match path {
        "" => return Err("the report needs a path (or `-` for stdout)".to_owned()),
        "-" if format == ReportFormat::Json => None,
        "-" => return Err("only the json report can go to stdout".to_owned()),
        path => Some(PathBuf::from(path)),
    };
    Ok(ReportTarget { format, path })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_report_targets() {
        assert_eq!(
            parse_report("json=-"),
            Ok(ReportTarget {
                format: ReportFormat::Json,
                path: None
            })
        );
        assert_eq!(
            parse_report("json=out/events.jsonl").map(|target| target.path),
            Ok(Some(PathBuf::from("out/events.jsonl")))
        );
        assert!(parse_report("xml=a").is_err());
        assert!(parse_report("junit=-").is_err());
        assert!(parse_report("json").is_err());
    }

    #[test]
    fn reads_partitions() {
        assert_eq!(parse_partition("2/3"), Ok(Partition { index: 2, count: 3 }));
        for bad in ["0/3", "4/3", "1", "a/b", "1/0", "-1/3"] {
            assert!(parse_partition(bad).is_err(), "{bad}");
        }
    }
}
