//! Command-line interface: clap derive definitions for the global options and every subcommand.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};

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

const METRICS_EXAMPLES: &str = "\
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

const DEMO_EXAMPLES: &str = "\
Examples:
  # Start the simulated mesh, let traffic flow, print what `stat` sees
  kubectl linkerd-export demo

  # Keep it running and point any command (or kubectl) at it
  kubectl linkerd-export demo --serve --kubeconfig-out /tmp/sim.kubeconfig
  kubectl linkerd-export --kubeconfig /tmp/sim.kubeconfig metrics deploy/web -n emojivoto";

const STAT_EXAMPLES: &str = "\
Examples:
  # Every deployment in emojivoto over the next 10 seconds
  kubectl linkerd-export stat deploy -n emojivoto

  # Per pod, over a 30 s window, with bytes/s and route columns
  kubectl linkerd-export stat deploy/web -n emojivoto --by pod --window 30s -o wide

  # Everything since the proxies started, in every namespace, as JSON
  kubectl linkerd-export stat -A --since-start -o json

  # From saved snapshots: one file (since proxy start) or two (before, after)
  kubectl linkerd-export stat --from-file before.om --from-file after.om";

const TOP_EXAMPLES: &str = "\
Examples:
  # Live view of emojivoto, refreshed every 2 seconds; q or Ctrl-C quits
  kubectl linkerd-export top -n emojivoto

  # Per pod every 5 seconds; piped, it prints one table per interval, 3 times
  kubectl linkerd-export top deploy/web -n emojivoto --by pod --interval 5s --iterations 3 | cat";

const DIFF_EXAMPLES: &str = "\
Examples:
  # What changed in deploy/web over 30 seconds (counters with delta and rate)
  kubectl linkerd-export diff deploy/web -n emojivoto --interval 30s --only-changed

  # A saved snapshot against the live deployment, response counters only
  kubectl linkerd-export diff before.om deploy/web -n emojivoto -m response_total

  # Two versions of a workload side by side
  kubectl linkerd-export diff deploy/web-v1 deploy/web-v2 -n emojivoto --only-changed

  # Two files, per pod, as JSON
  kubectl linkerd-export diff before.om after.om --by pod -o json";

const SNAPSHOT_EXAMPLES: &str = "\
Examples:
  # Save every proxy of emojivoto (OpenMetrics with target labels and scrape timestamps)
  kubectl linkerd-export snapshot -n emojivoto -O before.om

  # Later: compare, render or backfill it
  kubectl linkerd-export diff before.om deploy/web -n emojivoto
  kubectl linkerd-export stat --from-file before.om
  promtool tsdb create-blocks-from openmetrics before.om ./data

  # Convert a `linkerd diagnostics proxy-metrics` dump into a snapshot on stdout
  kubectl linkerd-export snapshot --from-file dump.txt -O -";

const EXPORT_EXAMPLES: &str = "\
Examples:
  # One scrape of every proxy behind deploy/web, pushed to a Prometheus remote-write receiver
  kubectl linkerd-export export deploy/web -n emojivoto --remote-write http://127.0.0.1:9090/api/v1/write

  # Every meshed pod everywhere, every 30s until Ctrl-C, to Mimir with a tenant and basic auth
  kubectl linkerd-export export -A --every 30s --remote-write https://mimir.example/api/v1/push \\
    --header 'X-Scope-OrgID: team-a' --basic-auth \"team-a:$MIMIR_PASSWORD\" --ca-file ./mimir-ca.pem

  # A /metrics and /federate endpoint for a Prometheus to scrape (prints the address first)
  kubectl linkerd-export export -n emojivoto --serve 127.0.0.1:9191

  # A file to backfill a long-term store with
  kubectl linkerd-export export -n emojivoto -O linkerd.om -o openmetrics
  promtool tsdb create-blocks-from openmetrics linkerd.om ./blocks";

const PROMETHEUS_CONFIG_EXAMPLES: &str = "\
Examples:
  # The scrape_configs item federating the linkerd-viz Prometheus (Kubernetes service discovery)
  kubectl linkerd-export prometheus-config

  # The same job with a static target, for a Prometheus outside the cluster
  kubectl linkerd-export prometheus-config --format static --target viz-prometheus.example.com:443

  # A prometheus-operator ServiceMonitor
  kubectl linkerd-export prometheus-config --format service-monitor | kubectl apply -f -";

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

/// `diff --by`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DiffByArg {
    /// Series summed over the pods of each workload.
    Workload,
    /// One series per pod.
    Pod,
}

/// `diff -o`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DiffFormat {
    /// Tables of changed series and histograms.
    Table,
    /// Every series and histogram diff as JSON.
    Json,
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

    /// Scrape and push again every DUR until Ctrl-C (the first lets the batch in flight finish).
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

    /// Serve /metrics and /federate on ADDR (127.0.0.1:9191; :9191 for every interface; port 0
    /// picks a free one). The address is printed on stdout's first line.
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

/// `demo`.
#[derive(Debug, Clone, Args)]
pub struct DemoArgs {
    /// Keep the simulated mesh running and print a kubeconfig path for trying every command.
    #[arg(long)]
    pub serve: bool,

    /// Address the simulated API server listens on (with --serve).
    #[arg(
        long,
        value_name = "ADDR",
        default_value = "127.0.0.1:0",
        requires = "serve"
    )]
    pub listen: std::net::SocketAddr,

    /// Where to write the kubeconfig (with --serve; default: a temporary file).
    #[arg(long, value_name = "PATH", requires = "serve")]
    pub kubeconfig_out: Option<PathBuf>,

    /// Replicas per emojivoto deployment.
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub replicas: u32,

    /// Extra copies of the emojivoto namespace (emojivoto-1 ... emojivoto-N).
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub namespaces: u32,

    /// Pad each proxy's /metrics to about N series.
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub series: usize,

    /// Delay added to every API request and port-forward set-up, like a real API server and kubelet.
    #[arg(long, value_name = "DUR", value_parser = parse_duration)]
    pub latency: Option<Duration>,

    /// Inject a fault into pods matching GLOB: refuse, forbid, notfound, slow=DUR, status=CODE,
    /// garbage, huge=MiB, reset, restart (repeatable), e.g. `--fault slow=3s:web-*`.
    #[arg(long = "fault", value_name = "KIND:GLOB")]
    pub faults: Vec<crate::sim::Fault>,

    /// Seed for the simulated names, UIDs and proxy uptimes.
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub seed: u64,
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
