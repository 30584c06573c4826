//! Command-line interface: clap derive definitions for the global options and every subcommand.
//!
//! The top level and the global options live here; each family of subcommands has its argument
//! types in a submodule: [`reading`] (metrics, stat, top, diff, snapshot), [`export`] (export,
//! prometheus-config) and [`demo`].

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};

mod demo;
mod export;
mod reading;

pub use demo::DemoArgs;
pub use export::{ExportArgs, ExportFormat, PrometheusConfigArgs, PrometheusConfigFormat};
pub use reading::{
    DiffArgs, DiffByArg, DiffFormat, FilterArgs, MetricsArgs, MetricsFormat, ReadFrom,
    SnapshotArgs, SourceArgs, StatArgs, StatBy, StatFormat, TopArgs, TopFormat, parse_read_from,
};

use demo::DEMO_EXAMPLES;
use export::{EXPORT_EXAMPLES, PROMETHEUS_CONFIG_EXAMPLES};
use reading::{DIFF_EXAMPLES, METRICS_EXAMPLES, SNAPSHOT_EXAMPLES, STAT_EXAMPLES, TOP_EXAMPLES};

/// The name users type; kubectl maps it to the `kubectl-linkerd_export` executable.
pub const DISPLAY_NAME: &str = "kubectl linkerd-export";

const ABOUT: &str = "Scrape Linkerd proxy metrics straight from the pods: print, tabulate, diff, save or export them.";

const LONG_ABOUT: &str = "\
Scrape Linkerd proxy metrics straight from the pods: print, tabulate, diff, save or export them.

Finds the meshed pods behind each TARGET, port-forwards to every proxy's admin port (4191 unless the
pod says otherwise) concurrently, and fetches /metrics. No Prometheus and no linkerd CLI needed.

TARGET is TYPE/NAME (deploy/web, po/web-abc, sts/db, ds/agent, rs/web-5d8, rc/x, job/once,
cj/nightly), TYPE alone (every workload of that type), ns/NAME (every meshed pod in a namespace), or
nothing (every meshed pod in the namespace, or everywhere with -A).";

const AFTER_HELP: &str = "\
Examples:
  # Print the metrics of every proxy behind a deployment, as `linkerd diagnostics proxy-metrics` does
  kubectl linkerd-export metrics deploy/web -n emojivoto

  # Only the response counters of the inbound side, as Prometheus text with target labels
  kubectl linkerd-export metrics deploy/web -n emojivoto -o prom --match 'response_total{direction=\"inbound\"}'

  # Try everything without a cluster
  kubectl linkerd-export demo";

/// `kubectl linkerd-export`: Linkerd proxy metrics, straight from the proxies.
#[derive(Debug, Parser)]
#[command(
    name = "kubectl-linkerd_export",
    bin_name = DISPLAY_NAME,
    display_name = DISPLAY_NAME,
    version,
    about = ABOUT,
    long_about = LONG_ABOUT,
    after_help = AFTER_HELP,
    propagate_version = true,
    max_term_width = 100
)]
pub struct Cli {
    /// Options every command accepts.
    #[command(flatten)]
    pub global: GlobalArgs,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The kubectl-style options of spec §2, accepted before or after the subcommand.
#[derive(Debug, Clone, Args)]
pub struct GlobalArgs {
    /// Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config).
    #[arg(long, global = true, value_name = "PATH")]
    pub kubeconfig: Option<PathBuf>,

    /// The kubeconfig context to use.
    #[arg(long, global = true, value_name = "NAME")]
    pub context: Option<String>,

    /// Namespace (default: the context's namespace, else "default").
    #[arg(short = 'n', long, global = true, value_name = "NS")]
    pub namespace: Option<String>,

    /// Look in every namespace.
    #[arg(short = 'A', long, global = true)]
    pub all_namespaces: bool,

    /// Label selector applied to pods, e.g. 'app=web,tier!=db'.
    #[arg(short = 'l', long, global = true, value_name = "SEL")]
    pub selector: Option<String>,

    /// How many proxies to scrape at once.
    #[arg(long, global = true, value_name = "N", default_value_t = crate::scrape::DEFAULT_CONCURRENCY,
          value_parser = parse_positive)]
    pub concurrency: usize,

    /// Per-proxy deadline for connecting and fetching (e.g. 5s, 500ms).
    #[arg(long, global = true, value_name = "DUR", default_value = "10s", value_parser = parse_duration)]
    pub timeout: Duration,

    /// Largest proxy response accepted, compressed or not (e.g. 64Mi, 200MiB, 1Gi).
    #[arg(long, global = true, value_name = "SIZE", default_value = "64Mi", value_parser = parse_size)]
    pub max_body_size: u64,

    /// How to reach the proxies' admin port.
    #[arg(long, global = true, value_enum, default_value_t = Via::Portforward)]
    pub via: Via,

    /// Hash sensitive label values; `--obfuscate=strict` also hashes pod, workload and host names.
    #[arg(long, global = true, value_enum, num_args = 0..=1, require_equals = true,
          default_missing_value = "compat", value_name = "MODE")]
    pub obfuscate: Option<ObfuscateMode>,

    /// More logging on stderr (-v, -vv, -vvv).
    #[arg(short = 'v', long = "verbose", global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,

    /// No progress and no warnings on stderr; errors still print.
    #[arg(short = 'q', long, global = true)]
    pub quiet: bool,

    /// When to colour output; NO_COLOR is honoured and a non-terminal never gets colour.
    #[arg(long, global = true, value_enum, default_value_t = ColorWhen::Auto, value_name = "WHEN")]
    pub color: ColorWhen,
}

/// How the proxies' admin ports are reached (spec §2 `--via`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Via {
    /// The pods/portforward subresource over WebSocket (needs `create`/`get` on pods/portforward).
    Portforward,
    /// The API server's pods/proxy subresource (needs `get` on pods/proxy).
    Apiserver,
}

/// Which label values `--obfuscate` hashes (spec §5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ObfuscateMode {
    /// Exactly the labels `linkerd diagnostics proxy-metrics --obfuscate` hashes.
    Compat,
    /// Also the identifying labels Linkerd leaves in clear (dst_pod, hostname, sni, ...).
    Strict,
}

/// `--color`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorWhen {
    /// Colour when stdout is a terminal and NO_COLOR is not set.
    Auto,
    /// Always colour.
    Always,
    /// Never colour.
    Never,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Fetch /metrics from every selected proxy and print it.
    #[command(after_help = METRICS_EXAMPLES)]
    Metrics(MetricsArgs),

    /// Success rate, RPS, latency percentiles and TCP connections per workload, like `linkerd viz stat`.
    #[command(after_help = STAT_EXAMPLES)]
    Stat(StatArgs),

    /// `stat` refreshed in place every --interval, busiest first, until q or Ctrl-C.
    #[command(after_help = TOP_EXAMPLES)]
    Top(TopArgs),

    /// Compare two metric sets: snapshot files or live targets, or one target over an interval.
    #[command(after_help = DIFF_EXAMPLES)]
    Diff(DiffArgs),

    /// Save one scrape as an OpenMetrics snapshot (a diff, --from-file and promtool input).
    #[command(after_help = SNAPSHOT_EXAMPLES)]
    Snapshot(SnapshotArgs),

    /// Push to a Prometheus remote-write receiver, serve a scrape endpoint, or write a backfill file.
    #[command(after_help = EXPORT_EXAMPLES)]
    Export(Box<ExportArgs>),

    /// Print the Prometheus federation job (or ServiceMonitor) for this cluster's linkerd-viz.
    #[command(after_help = PROMETHEUS_CONFIG_EXAMPLES)]
    PrometheusConfig(PrometheusConfigArgs),

    /// Start a simulated Linkerd mesh in-process and show what the plugin does with it.
    #[command(after_help = DEMO_EXAMPLES)]
    Demo(DemoArgs),

    /// Print a shell completion script, or install the helper kubectl uses to complete the plugin.
    #[command(after_help = crate::completion::EXAMPLES)]
    Completion(crate::completion::CompletionArgs),
}

/// Parse `5s`, `500ms`, `1m30s`.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    humantime::parse_duration(text).map_err(|e| {
        format!("invalid duration {text:?} ({e}); use a number with a unit, like 5s or 500ms")
    })
}

/// Parse a duration that is not zero (a window or an interval).
pub fn parse_window(text: &str) -> Result<Duration, String> {
    match parse_duration(text)? {
        d if d.is_zero() => Err(format!("invalid duration {text:?}: must be more than zero")),
        d => Ok(d),
    }
}

/// Parse a whole number of at least 1.
pub fn parse_positive(text: &str) -> Result<usize, String> {
    match text.parse::<usize>() {
        Ok(n) if n >= 1 => Ok(n),
        _ => Err(format!(
            "invalid value {text:?}: expected a whole number of at least 1"
        )),
    }
}

/// Parse a byte count of at least 1: a whole number, optionally with a unit as Kubernetes
/// quantities write them (`Ki`, `Mi`, `Gi`, also spelled `KiB`, `MiB`, `GiB`; `k`, `M`, `G`).
pub fn parse_size(text: &str) -> Result<u64, String> {
    let digits = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(digits);
    let scale: u64 = match unit {
        "" | "B" => 1,
        "k" => 1_000,
        "M" => 1_000_000,
        "G" => 1_000_000_000,
        "Ki" | "KiB" => 1 << 10,
        "Mi" | "MiB" => 1 << 20,
        "Gi" | "GiB" => 1 << 30,
        _ => 0,
    };
    number
        .parse::<u64>()
        .ok()
        .and_then(|n| n.checked_mul(scale))
        .filter(|&bytes| bytes >= 1)
        .ok_or_else(|| {
            format!(
                "invalid size {text:?}: use a number of bytes or one with a unit, like 64Mi or 1Gi"
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse_with_kubernetes_units() {
        assert_eq!(parse_size("64Mi"), Ok(64 << 20));
        assert_eq!(parse_size("200MiB"), Ok(200 << 20));
        assert_eq!(parse_size("1G"), Ok(1_000_000_000));
        assert_eq!(parse_size("4096"), Ok(4096));
        for bad in ["", "0", "0Mi", "Mi", "1.5Mi", "64mb", "-1", "99999999999Gi"] {
            let err = parse_size(bad).unwrap_err();
            assert!(err.starts_with("invalid size"), "{bad}: {err}");
        }
    }
}
