//! Arguments of `export` and `prometheus-config` (spec §6).

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, ValueEnum};

use super::{FilterArgs, ReadFrom, SourceArgs, parse_positive, parse_read_from, parse_window};
use crate::export::remote_write::buffer::parse_size;

pub(super) const EXPORT_EXAMPLES: &str = "\
Examples:
  # One scrape of every proxy behind deploy/web, pushed to a Prometheus remote-write receiver
  kubectl linkerd-export export deploy/web -n emojivoto --remote-write http://127.0.0.1:9090/api/v1/write

  # Every meshed pod everywhere, every 30s until Ctrl-C, to Mimir with a tenant and basic auth
  kubectl linkerd-export export -A --every 30s --remote-write https://mimir.example/api/v1/push \\
    --header 'X-Scope-OrgID: team-a' --basic-auth \"team-a:$MIMIR_PASSWORD\" --ca-file ./mimir-ca.pem

  # Every 15s, riding out receiver restarts with up to 256 MiB queued on disk
  kubectl linkerd-export export -n emojivoto --every 15s --remote-write http://127.0.0.1:9090/api/v1/write \\
    --buffer 256MiB --buffer-dir /var/tmp/linkerd-export-spool

  # A /metrics and /federate endpoint for a Prometheus to scrape (prints the address first)
  kubectl linkerd-export export -n emojivoto --serve 9191

  # A file to backfill a long-term store with
  kubectl linkerd-export export -n emojivoto -O linkerd.om -o openmetrics
  promtool tsdb create-blocks-from openmetrics linkerd.om ./blocks";

pub(super) const PROMETHEUS_CONFIG_EXAMPLES: &str = "\
Examples:
  # The scrape_configs item federating the linkerd-viz Prometheus (Kubernetes service discovery)
  kubectl linkerd-export prometheus-config

  # The same job with a static target, for a Prometheus outside the cluster
  kubectl linkerd-export prometheus-config --format static --target viz-prometheus.example.com:443

  # A prometheus-operator ServiceMonitor
  kubectl linkerd-export prometheus-config --format service-monitor | kubectl apply -f -";

/// `export`: exactly one of `--remote-write`, `--serve`, `-O`.
#[derive(Debug, Clone, Args)]
#[command(group(clap::ArgGroup::new("mode").required(true).args(["remote_write", "serve", "output_file"])))]
pub struct ExportArgs {
    /// Targets or a file.
    #[command(flatten)]
    pub source: SourceArgs,

    /// Series filters.
    #[command(flatten)]
    pub filter: FilterArgs,

    /// Read live metrics from `proxies` (default) or through the linkerd-viz Prometheus'
    /// federation API: `prometheus` finds its pod in the cluster, `prometheus=URL` uses that URL.
    #[arg(long = "source", value_name = "proxies|prometheus[=URL]", value_parser = parse_read_from,
          conflicts_with = "from_file")]
    pub read_from: Option<ReadFrom>,

    /// Push to this Prometheus remote-write receiver (Prometheus: http://HOST:9090/api/v1/write,
    /// started with --web.enable-remote-write-receiver; Thanos, Mimir, Cortex, VictoriaMetrics).
    #[arg(long, value_name = "URL", help_heading = "Remote write")]
    pub remote_write: Option<String>,

    /// Scrape and push again every DUR until Ctrl-C or SIGTERM (the first lets the batch in flight finish).
    #[arg(long, value_name = "DUR", value_parser = parse_window, requires = "remote_write",
          conflicts_with_all = ["from_file", "serve", "output_file"],
          help_heading = "Remote write")]
    pub every: Option<Duration>,

    /// Send `Authorization: Bearer TOKEN`.
    #[arg(long, value_name = "TOKEN", requires = "remote_write",
          conflicts_with_all = ["serve", "output_file"], help_heading = "Remote write")]
    pub bearer_token: Option<String>,

    /// Read the bearer token from FILE (keeps it out of the shell history and `ps`).
    #[arg(long, value_name = "FILE", requires = "remote_write", conflicts_with_all = ["bearer_token", "serve", "output_file"],
          help_heading = "Remote write")]
    pub bearer_token_file: Option<PathBuf>,

    /// Send HTTP basic auth.
    #[arg(long, value_name = "USER:PASS", requires = "remote_write",
          conflicts_with_all = ["bearer_token", "bearer_token_file", "serve", "output_file"],
          help_heading = "Remote write")]
    pub basic_auth: Option<String>,

    /// Add a header to every request, e.g. 'X-Scope-OrgID: team-a' (repeatable).
    #[arg(long = "header", value_name = "'NAME: VALUE'", requires = "remote_write",
          conflicts_with_all = ["serve", "output_file"], help_heading = "Remote write")]
    pub headers: Vec<String>,

    /// Trust the CA certificates in this PEM file for an https receiver.
    #[arg(long, value_name = "FILE", requires = "remote_write",
          conflicts_with_all = ["serve", "output_file"], help_heading = "Remote write")]
    pub ca_file: Option<PathBuf>,

    /// The most samples in one request.
    #[arg(long, value_name = "N", default_value_t = 2000, value_parser = parse_positive,
          conflicts_with_all = ["serve", "output_file"], help_heading = "Remote write")]
    pub batch_size: usize,

    /// Deadline for each remote-write request.
    #[arg(long, value_name = "DUR", default_value = "30s", value_parser = parse_window,
          conflicts_with_all = ["serve", "output_file"], help_heading = "Remote write")]
    pub write_timeout: Duration,

    /// The most a receiver outage may queue under --every: the encoded (compressed) requests,
    /// e.g. 64MiB, 512KiB, 1GB. When full, the oldest rounds are dropped, with a warning.
    #[arg(long, value_name = "SIZE", default_value = "64MiB", value_parser = parse_size,
          requires = "every", help_heading = "Remote write")]
    pub buffer: u64,

    /// Spool the queued requests to files in DIR instead of memory (created if missing); what
    /// is left at exit is sent first by the next run with the same DIR.
    #[arg(
        long,
        value_name = "DIR",
        requires = "every",
        help_heading = "Remote write"
    )]
    pub buffer_dir: Option<PathBuf>,

    /// Serve /metrics and /federate on ADDR: a bare PORT binds 127.0.0.1, HOST:PORT that host,
    /// :PORT or 0.0.0.0:PORT every interface (no authentication: a warning says so); port 0
    /// picks a free one. The address is printed on stdout's first line.
    #[arg(long, value_name = "ADDR")]
    pub serve: Option<String>,

    /// Write one scrape to FILE for `promtool tsdb create-blocks-from openmetrics`; `-` is stdout.
    #[arg(short = 'O', long = "output-file", value_name = "FILE")]
    pub output_file: Option<PathBuf>,

    /// The format of the -O file.
    #[arg(short = 'o', long, value_enum, default_value_t = ExportFormat::Openmetrics,
          requires = "output_file", conflicts_with_all = ["remote_write", "serve"])]
    pub output: ExportFormat,
}

/// `export -o`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExportFormat {
    /// OpenMetrics with target labels, scrape timestamps and the snapshot info family.
    Openmetrics,
}

/// `prometheus-config`.
#[derive(Debug, Clone, Args)]
pub struct PrometheusConfigArgs {
    /// The namespace linkerd-viz is installed in (default: detected in the cluster).
    #[arg(long, value_name = "NS")]
    pub viz_namespace: Option<String>,

    /// What to print.
    #[arg(long, value_enum, default_value_t = PrometheusConfigFormat::ScrapeConfig)]
    pub format: PrometheusConfigFormat,

    /// With --format static: where your Prometheus reaches the viz Prometheus or `export --serve`
    /// (HOST:PORT, or https://HOST:PORT).
    #[arg(long, value_name = "HOST:PORT", required_if_eq("format", "static"))]
    pub target: Option<String>,
}

/// `prometheus-config --format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PrometheusConfigFormat {
    /// A scrape_configs item finding the viz Prometheus through Kubernetes service discovery.
    ScrapeConfig,
    /// The same job with a static target (--target).
    Static,
    /// A prometheus-operator ServiceMonitor.
    ServiceMonitor,
}
