//! Arguments of the commands that read metrics: `metrics`, `stat`, `top`, `diff`, `snapshot`.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, ValueEnum};

use super::{parse_positive, parse_window};
use crate::metrics::diff::DiffBy;
use crate::metrics::stat::GroupBy;
use crate::render::{diff, stat};

pub(super) const METRICS_EXAMPLES: &str = "\
Examples:
  # Every proxy behind a deployment, in `linkerd diagnostics proxy-metrics` layout
  kubectl linkerd-export metrics deploy/web -n emojivoto

  # Every meshed pod in every namespace, only request and response counters
  kubectl linkerd-export metrics -A -m request_total -m response_total

  # One merged exposition with namespace/pod/deployment labels, for Prometheus tooling
  kubectl linkerd-export metrics deploy/voting -n emojivoto -o prom

  # Failures only, as JSON, from a saved dump instead of the cluster
  kubectl linkerd-export metrics --from-file dump.txt -o json --match 'response_total{classification=\"failure\"}'

  # Through the API server's pods/proxy instead of port-forwarding
  kubectl linkerd-export metrics deploy/web -n emojivoto --via apiserver";

pub(super) const STAT_EXAMPLES: &str = "\
Examples:
  # Every deployment in emojivoto over the next 10 seconds
  kubectl linkerd-export stat deploy -n emojivoto

  # Per pod, over a 30 s window, with bytes/s and route columns
  kubectl linkerd-export stat deploy/web -n emojivoto --by pod --window 30s -o wide

  # Everything since the proxies started, in every namespace, as JSON
  kubectl linkerd-export stat -A --since-start -o json

  # From saved snapshots: one file (since proxy start) or two (before, after)
  kubectl linkerd-export stat --from-file before.om --from-file after.om";

pub(super) const TOP_EXAMPLES: &str = "\
Examples:
  # Live view of emojivoto, refreshed every 2 seconds; q or Ctrl-C quits
  kubectl linkerd-export top -n emojivoto

  # Per pod every 5 seconds; piped, it prints one table per interval, 3 times
  kubectl linkerd-export top deploy/web -n emojivoto --by pod --interval 5s --iterations 3 | cat";

pub(super) const DIFF_EXAMPLES: &str = "\
Examples:
  # What changed in deploy/web over 30 seconds (counters with delta and rate)
  kubectl linkerd-export diff deploy/web -n emojivoto --interval 30s --only-changed

  # A saved snapshot against the live deployment, response counters only
  kubectl linkerd-export diff before.om deploy/web -n emojivoto -m response_total

  # Two versions of a workload side by side
  kubectl linkerd-export diff deploy/web-v1 deploy/web-v2 -n emojivoto --only-changed

  # Two files, per pod, as JSON
  kubectl linkerd-export diff before.om after.om --by pod -o json";

pub(super) const SNAPSHOT_EXAMPLES: &str = "\
Examples:
  # Save every proxy of emojivoto (OpenMetrics with target labels and scrape timestamps)
  kubectl linkerd-export snapshot -n emojivoto -O before.om

  # Later: compare, render or backfill it
  kubectl linkerd-export diff before.om deploy/web -n emojivoto
  kubectl linkerd-export stat --from-file before.om
  promtool tsdb create-blocks-from openmetrics before.om ./data

  # Convert a `linkerd diagnostics proxy-metrics` dump into a snapshot on stdout
  kubectl linkerd-export snapshot --from-file dump.txt -O -";

/// Where a reading command gets its metrics: the cluster (targets) or a file.
#[derive(Debug, Clone, Args)]
pub struct SourceArgs {
    /// What to scrape: TYPE/NAME, TYPE, ns/NAME; none means every meshed pod in the namespace.
    #[arg(value_name = "TARGET")]
    pub targets: Vec<String>,

    /// Read a snapshot or raw proxy text (e.g. a `linkerd diagnostics proxy-metrics` dump) instead of the cluster.
    #[arg(long, value_name = "FILE", conflicts_with = "targets")]
    pub from_file: Option<PathBuf>,
}

/// Which series to keep (`-m`, `--match`).
#[derive(Debug, Clone, Default, Args)]
pub struct FilterArgs {
    /// Keep metrics whose name is NAME or fully matches the regex (repeatable).
    #[arg(short = 'm', long = "metric", value_name = "NAME_OR_REGEX")]
    pub metric: Vec<String>,

    /// Keep series matching a PromQL selector, e.g. 'response_total{classification="failure"}' (repeatable).
    #[arg(long = "match", value_name = "SELECTOR")]
    pub matches: Vec<String>,
}

/// `metrics`.
#[derive(Debug, Clone, Args)]
pub struct MetricsArgs {
    /// Targets or a file.
    #[command(flatten)]
    pub source: SourceArgs,

    /// Series filters.
    #[command(flatten)]
    pub filter: FilterArgs,

    /// Output format.
    #[arg(short = 'o', long, value_enum, default_value_t = MetricsFormat::Raw)]
    pub output: MetricsFormat,

    /// Read live metrics from `proxies` (default) or through the linkerd-viz Prometheus'
    /// federation API: `prometheus` finds its pod in the cluster, `prometheus=URL` uses that URL.
    #[arg(long = "source", value_name = "proxies|prometheus[=URL]", value_parser = parse_read_from,
          conflicts_with = "from_file")]
    pub read_from: Option<ReadFrom>,
}

/// `--source`: where a reading command gets live metrics.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReadFrom {
    /// The proxies themselves, port-forwarded or through the API server (the default).
    Proxies,
    /// The linkerd-viz Prometheus' `/federate`: found in the cluster, or at this base URL.
    Prometheus(Option<String>),
}

/// Parse `proxies`, `prometheus` or `prometheus=URL`.
pub fn parse_read_from(text: &str) -> Result<ReadFrom, String> {
    match text.split_once('=') {
        None if text == "proxies" => Ok(ReadFrom::Proxies),
        None if text == "prometheus" => Ok(ReadFrom::Prometheus(None)),
        Some(("prometheus", url)) if !url.is_empty() => {
            Ok(ReadFrom::Prometheus(Some(url.to_string())))
        }
        _ => Err(format!(
            "invalid source {text:?}: use proxies, prometheus, or prometheus=URL (e.g. prometheus=http://127.0.0.1:9090)"
        )),
    }
}

/// `metrics -o`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum MetricsFormat {
    /// Each pod's body as served, in `linkerd diagnostics proxy-metrics` layout.
    Raw,
    /// One merged Prometheus text exposition with target labels.
    Prom,
    /// One merged OpenMetrics exposition with target labels, ending in `# EOF`.
    Openmetrics,
    /// prom2json's JSON shape with target labels.
    Json,
}

/// `stat`.
#[derive(Debug, Clone, Args)]
pub struct StatArgs {
    /// What to scrape: TYPE/NAME, TYPE, ns/NAME; none means every meshed pod in the namespace.
    #[arg(value_name = "TARGET")]
    pub targets: Vec<String>,

    /// Read snapshots or raw proxy text instead of the cluster: one file gives numbers since proxy
    /// start, two give the window between them (the first is "before").
    #[arg(long, value_name = "FILE", conflicts_with = "targets", num_args = 1, action = clap::ArgAction::Append)]
    pub from_file: Vec<PathBuf>,

    /// Time between the two scrapes the rates are computed from.
    #[arg(long, value_name = "DUR", default_value = "10s", value_parser = parse_window)]
    pub window: Duration,

    /// One scrape; numbers since each proxy started.
    #[arg(long, conflicts_with = "window")]
    pub since_start: bool,

    /// How rows are grouped.
    #[arg(long, value_enum, default_value_t = StatBy::Workload)]
    pub by: StatBy,

    /// Output format.
    #[arg(short = 'o', long, value_enum, default_value_t = StatFormat::Table)]
    pub output: StatFormat,

    /// Read live metrics from `proxies` (default) or through the linkerd-viz Prometheus'
    /// federation API: `prometheus` finds its pod in the cluster, `prometheus=URL` uses that URL.
    #[arg(long = "source", value_name = "proxies|prometheus[=URL]", value_parser = parse_read_from,
          conflicts_with = "from_file")]
    pub read_from: Option<ReadFrom>,
}

/// `stat --by`, `top --by`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum StatBy {
    /// One row per workload (inbound traffic), as `linkerd viz stat deploy`.
    Workload,
    /// One row per pod (inbound traffic).
    Pod,
    /// Per workload, direction and authority.
    Authority,
    /// Per workload and route (HTTPRoute/GRPCRoute metrics and service-profile routes).
    Route,
    /// Per workload and direction (inbound, outbound).
    Direction,
}

impl From<StatBy> for GroupBy {
    fn from(by: StatBy) -> Self {
        match by {
            StatBy::Workload => GroupBy::Workload,
            StatBy::Pod => GroupBy::Pod,
            StatBy::Authority => GroupBy::Authority,
            StatBy::Route => GroupBy::Route,
            StatBy::Direction => GroupBy::Direction,
        }
    }
}

/// `stat -o`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum StatFormat {
    /// A table like `linkerd viz stat`.
    Table,
    /// The table plus requests, read/write bytes per second and outbound route totals.
    Wide,
    /// An array of rows with every number.
    Json,
}

impl From<StatFormat> for stat::StatFormat {
    fn from(format: StatFormat) -> Self {
        match format {
            StatFormat::Table => stat::StatFormat::Table,
            StatFormat::Wide => stat::StatFormat::Wide,
            StatFormat::Json => stat::StatFormat::Json,
        }
    }
}

/// `top`.
#[derive(Debug, Clone, Args)]
pub struct TopArgs {
    /// What to scrape: TYPE/NAME, TYPE, ns/NAME; none means every meshed pod in the namespace.
    #[arg(value_name = "TARGET")]
    pub targets: Vec<String>,

    /// Render saved data once instead of refreshing: one snapshot or raw file (numbers since proxy
    /// start) or two (the window between them).
    #[arg(long, value_name = "FILE", conflicts_with = "targets", num_args = 1, action = clap::ArgAction::Append)]
    pub from_file: Vec<PathBuf>,

    /// Time between refreshes; each table covers the previous refresh to this one.
    #[arg(long, value_name = "DUR", default_value = "2s", value_parser = parse_window)]
    pub interval: Duration,

    /// Stop after N tables (default: until q or Ctrl-C).
    #[arg(long, value_name = "N", value_parser = parse_positive)]
    pub iterations: Option<usize>,

    /// How rows are grouped.
    #[arg(long, value_enum, default_value_t = StatBy::Workload)]
    pub by: StatBy,

    /// Table columns.
    #[arg(short = 'o', long, value_enum, default_value_t = TopFormat::Table)]
    pub output: TopFormat,
}

/// `top -o`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TopFormat {
    /// The `stat` columns.
    Table,
    /// Plus requests, read/write bytes per second and outbound route totals.
    Wide,
}

impl From<TopFormat> for stat::StatFormat {
    fn from(format: TopFormat) -> Self {
        match format {
            TopFormat::Table => stat::StatFormat::Table,
            TopFormat::Wide => stat::StatFormat::Wide,
        }
    }
}

/// `diff`.
#[derive(Debug, Clone, Args)]
pub struct DiffArgs {
    /// The two sides, each a snapshot/raw file or a live TARGET; or one TARGET with --interval.
    /// An existing file, a path starting with `/` or `.`, or a name ending in .om, .prom or .txt
    /// is a file; anything else is a target.
    #[arg(value_name = "A B", num_args = 0..=2)]
    pub sides: Vec<String>,

    /// A file side (repeatable, in order): `diff --from-file a.om --from-file b.om` is `diff a.om b.om`.
    #[arg(long, value_name = "FILE", num_args = 1, action = clap::ArgAction::Append)]
    pub from_file: Vec<PathBuf>,

    /// Compare one live target with itself DUR later.
    #[arg(long, value_name = "DUR", value_parser = parse_window)]
    pub interval: Option<Duration>,

    /// Sum pods of a workload together, or compare per pod.
    #[arg(long, value_enum, default_value_t = DiffByArg::Workload)]
    pub by: DiffByArg,

    /// Leave out series that did not change.
    #[arg(long)]
    pub only_changed: bool,

    /// Series filters.
    #[command(flatten)]
    pub filter: FilterArgs,

    /// Output format.
    #[arg(short = 'o', long, value_enum, default_value_t = DiffFormat::Table)]
    pub output: DiffFormat,

    /// Read live sides from `proxies` (default) or through the linkerd-viz Prometheus'
    /// federation API: `prometheus` finds its pod in the cluster, `prometheus=URL` uses that URL.
    #[arg(long = "source", value_name = "proxies|prometheus[=URL]", value_parser = parse_read_from)]
    pub read_from: Option<ReadFrom>,
}

impl DiffArgs {
    /// The sides in order: the `--from-file` files, then each positional argument as
    /// [`Side::classify`] tells it.
    pub fn sides(&self) -> Vec<Side> {
        let mut sides: Vec<Side> = self.from_file.iter().cloned().map(Side::File).collect();
        sides.extend(self.sides.iter().map(|s| Side::classify(s)));
        sides
    }
}

/// File name endings that make a `diff` argument a file even when it does not exist yet.
const FILE_ENDINGS: &[&str] = &[".om", ".prom", ".txt", ".openmetrics"];

/// One side of a diff as given on the command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Side {
    /// A snapshot or raw metrics file.
    File(PathBuf),
    /// A live target (`deploy/web`, `ns/emojivoto`, `deploy`).
    Target(String),
}

impl Side {
    /// Tells a file from a target: an existing file, a path starting with `/` or `.`, a path
    /// with more than one `/` (a target has at most one), or a name ending in .om, .prom, .txt or
    /// .openmetrics is a file; anything else is a target.
    pub fn classify(arg: &str) -> Side {
        let file = std::path::Path::new(arg).is_file()
            || arg.starts_with('/')
            || arg.starts_with('.')
            || arg.matches('/').count() > 1
            || FILE_ENDINGS.iter().any(|e| arg.ends_with(e));
        if file {
            Side::File(PathBuf::from(arg))
        } else {
            Side::Target(arg.to_string())
        }
    }

    /// The file or target, as the diff's header names it.
    pub fn describe(&self) -> String {
        match self {
            Side::File(path) => path.display().to_string(),
            Side::Target(target) => target.clone(),
        }
    }
}

/// `diff --by`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DiffByArg {
    /// Series summed over the pods of each workload.
    Workload,
    /// One series per pod.
    Pod,
}

impl From<DiffByArg> for DiffBy {
    fn from(by: DiffByArg) -> Self {
        match by {
            DiffByArg::Workload => DiffBy::Workload,
            DiffByArg::Pod => DiffBy::Pod,
        }
    }
}

/// `diff -o`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DiffFormat {
    /// Tables of changed series and histograms, each series with the labels that tell its rows
    /// apart.
    Table,
    /// The same tables with every label of each series.
    Wide,
    /// Every series and histogram diff as JSON.
    Json,
}

impl From<DiffFormat> for diff::DiffFormat {
    fn from(format: DiffFormat) -> Self {
        match format {
            DiffFormat::Table => diff::DiffFormat::Table,
            DiffFormat::Wide => diff::DiffFormat::Wide,
            DiffFormat::Json => diff::DiffFormat::Json,
        }
    }
}

/// `snapshot`.
#[derive(Debug, Clone, Args)]
pub struct SnapshotArgs {
    /// Targets or a file.
    #[command(flatten)]
    pub source: SourceArgs,

    /// Series filters.
    #[command(flatten)]
    pub filter: FilterArgs,

    /// Where to write the snapshot; `-` is stdout. The file is replaced atomically.
    #[arg(
        short = 'O',
        long = "output-file",
        value_name = "FILE",
        required = true
    )]
    pub output_file: PathBuf,

    /// Read live metrics from `proxies` (default) or through the linkerd-viz Prometheus'
    /// federation API: `prometheus` finds its pod in the cluster, `prometheus=URL` uses that URL.
    #[arg(long = "source", value_name = "proxies|prometheus[=URL]", value_parser = parse_read_from,
          conflicts_with = "from_file")]
    pub read_from: Option<ReadFrom>,
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;
    use crate::cli::{Cli, Command};

    #[test]
    fn diff_sides_are_files_or_targets_in_order() {
        let cli = Cli::try_parse_from([
            "kubectl-linkerd_export",
            "diff",
            "--from-file",
            "before",
            "deploy/web",
        ])
        .unwrap();
        let Command::Diff(args) = cli.command else {
            panic!("not diff: {:?}", cli.command);
        };
        assert_eq!(
            args.sides(),
            [
                Side::File("before".into()),
                Side::Target("deploy/web".into())
            ]
        );
        for file in [
            "./web",
            "/tmp/web",
            "a/b/c",
            "after.om",
            "dump.txt",
            "x.openmetrics",
        ] {
            assert_eq!(Side::classify(file), Side::File(file.into()), "{file}");
        }
        for target in ["deploy", "deploy/web", "ns/emojivoto", "web.prom.d"] {
            assert_eq!(
                Side::classify(target),
                Side::Target(target.into()),
                "{target}"
            );
        }
        assert_eq!(Side::classify("a/b/c").describe(), "a/b/c");
    }
}
