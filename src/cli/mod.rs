//! Command-line interface: clap derive definitions for the global options and every subcommand.
//!
//! The top level and the global options live here; each family of subcommands has its argument
//! types in a submodule: [`reading`] (metrics, stat, top, diff, snapshot), [`check`], [`authz`],
//! [`export`] (export, prometheus-config) and [`demo`].

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};

mod authz;
mod check;
mod completion;
#[cfg(feature = "demo")]
mod demo;
mod edges;
mod export;
mod options;
mod reading;
mod routes;

pub use authz::{AuthzArgs, AuthzFormat};
pub use check::{CheckArgs, CheckFormat, parse_percent};
pub use completion::{CompletionArgs, CompletionShell};
#[cfg(feature = "demo")]
pub use demo::DemoArgs;
pub use edges::{EdgesArgs, EdgesFormat};
pub use export::{ExportArgs, ExportFormat, PrometheusConfigArgs, PrometheusConfigFormat};
pub use reading::{
    DiffArgs, DiffByArg, DiffFormat, FilterArgs, MetricsArgs, MetricsFormat, ReadFrom, Side,
    SnapshotArgs, SourceArgs, StatArgs, StatBy, StatFormat, TopArgs, TopFormat, parse_read_from,
};
pub use routes::{RoutesArgs, RoutesFormat};

use authz::AUTHZ_EXAMPLES;
use check::CHECK_EXAMPLES;
#[cfg(feature = "demo")]
use demo::DEMO_EXAMPLES;
use edges::EDGES_EXAMPLES;
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
    #[arg(long, global = true, value_name = "DUR", default_value = "10s", value_parser = parse_window,
          allow_hyphen_values = true)]
    pub timeout: Duration,

    /// Largest proxy response accepted, compressed or not (e.g. 64Mi, 200MiB, 1Gi).
    #[arg(long, global = true, value_name = "SIZE", default_value = "64Mi", value_parser = parse_size)]
    pub max_body_size: u64,

    /// How to reach the proxies' admin port.
    #[arg(long, global = true, value_enum, default_value_t = Via::Portforward)]
    pub via: Via,

    /// Hash sensitive label values as `linkerd diagnostics proxy-metrics --obfuscate` does (which
    /// leaves `target_ip` beside the hashed `target_addr`); `--obfuscate=strict` also hashes
    /// pod, namespace, workload, host and address names, target labels and `# POD` headers.
    #[arg(long, global = true, value_enum, num_args = 0..=1, require_equals = true,
          default_missing_value = "compat", value_name = "MODE")]
    pub obfuscate: Option<ObfuscateMode>,

    /// Target labels added to every series: `full` (job, instance, namespace, pod, workload and
    /// pod labels, as Linkerd's Prometheus adds them) or `minimal` (namespace, pod, workload).
    #[arg(long, global = true, value_enum, default_value_t = TargetLabels::Full, value_name = "SET")]
    pub target_labels: TargetLabels,

    /// More logging on stderr (-v, -vv, -vvv).
    #[arg(short = 'v', long = "verbose", global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,

    /// No progress and no warnings on stderr; errors still print.
    #[arg(short = 'q', long, global = true)]
    pub quiet: bool,

    /// When to colour output; NO_COLOR is honoured and a non-terminal never gets colour.
    #[arg(long, global = true, value_enum, default_value_t = ColorWhen::Auto, value_name = "WHEN")]
    pub color: ColorWhen,

    /// Username to impersonate for the operation (as kubectl --as).
    #[arg(long = "as", global = true, value_name = "USER", help_heading = KUBECTL_HEADING)]
    pub impersonate: Option<String>,

    /// Group to impersonate for the operation; repeat for more groups.
    #[arg(long = "as-group", global = true, value_name = "GROUP", help_heading = KUBECTL_HEADING)]
    pub impersonate_groups: Vec<String>,

    /// UID to impersonate for the operation.
    #[arg(long = "as-uid", global = true, value_name = "UID", help_heading = KUBECTL_HEADING)]
    pub impersonate_uid: Option<String>,

    /// The kubeconfig cluster to use instead of the context's.
    #[arg(long, global = true, value_name = "NAME", help_heading = KUBECTL_HEADING)]
    pub cluster: Option<String>,

    /// The kubeconfig user to use instead of the context's.
    #[arg(long, global = true, value_name = "NAME", help_heading = KUBECTL_HEADING)]
    pub user: Option<String>,

    /// The address and port of the Kubernetes API server.
    #[arg(short = 's', long, global = true, value_name = "URL", help_heading = KUBECTL_HEADING)]
    pub server: Option<String>,

    /// Bearer token for authentication to the API server.
    #[arg(long, global = true, value_name = "TOKEN", value_parser = parse_token,
          help_heading = KUBECTL_HEADING)]
    pub token: Option<Token>,

    /// Path to a certificate file for the certificate authority.
    #[arg(long, global = true, value_name = "FILE", help_heading = KUBECTL_HEADING)]
    pub certificate_authority: Option<PathBuf>,

    /// Path to a client certificate file for TLS.
    #[arg(long, global = true, value_name = "FILE", help_heading = KUBECTL_HEADING)]
    pub client_certificate: Option<PathBuf>,

    /// Path to a client key file for TLS.
    #[arg(long, global = true, value_name = "FILE", help_heading = KUBECTL_HEADING)]
    pub client_key: Option<PathBuf>,

    /// Do not check the server's certificate (insecure: HTTPS connections can be intercepted).
    #[arg(long, global = true, help_heading = KUBECTL_HEADING)]
    pub insecure_skip_tls_verify: bool,

    /// Server name for certificate validation, when it differs from the server's host.
    #[arg(long, global = true, value_name = "NAME", help_heading = KUBECTL_HEADING)]
    pub tls_server_name: Option<String>,

    /// Deadline for each Kubernetes API call (e.g. 10s, 1m; 0: none). Proxies use --timeout.
    #[arg(long, global = true, value_name = "DUR", value_parser = parse_request_timeout,
          allow_hyphen_values = true, help_heading = KUBECTL_HEADING)]
    pub request_timeout: Option<RequestTimeout>,
}

/// The help heading of kubectl's connection flags.
const KUBECTL_HEADING: &str = "Kubernetes connection (as kubectl)";

/// `--token`'s value, never shown by `Debug`.
#[derive(Clone, PartialEq, Eq)]
pub struct Token(pub String);

impl std::fmt::Debug for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Token(<redacted>)")
    }
}

fn parse_token(text: &str) -> Result<Token, String> {
    Ok(Token(text.to_string()))
}

/// `--request-timeout`: a deadline, or `0` for none (kubectl's meaning).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RequestTimeout(pub Option<Duration>);

impl GlobalArgs {
    /// How to connect: the kubeconfig and context, and kubectl's flags over them.
    pub fn cluster_options(&self) -> crate::cluster::ClusterOptions {
        crate::cluster::ClusterOptions {
            kubeconfig: self.kubeconfig.clone(),
            context: self.context.clone(),
            overrides: crate::cluster::Overrides {
                cluster: self.cluster.clone(),
                user: self.user.clone(),
                server: self.server.clone(),
                token: self.token.as_ref().map(|t| t.0.clone()),
                certificate_authority: self.certificate_authority.clone(),
                client_certificate: self.client_certificate.clone(),
                client_key: self.client_key.clone(),
                insecure_skip_tls_verify: self.insecure_skip_tls_verify,
                tls_server_name: self.tls_server_name.clone(),
                impersonate: self.impersonate.clone(),
                impersonate_groups: self.impersonate_groups.clone(),
                impersonate_uid: self.impersonate_uid.clone(),
                request_timeout: self.request_timeout.and_then(|t| t.0),
            },
        }
    }
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
    /// Exactly the labels `linkerd diagnostics proxy-metrics --obfuscate` hashes (`target_ip`
    /// stays in clear, as there).
    Compat,
    /// Also the identifying labels Linkerd leaves in clear (target_ip, dst_pod, hostname, sni,
    /// ...), the target labels and `# POD` headers.
    Strict,
}

/// Which target labels series get (spec §4a `--target-labels`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TargetLabels {
    /// The labels Linkerd's Prometheus gives proxy series.
    Full,
    /// `namespace`, `pod` and the workload label.
    Minimal,
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

    /// A data-plane health report from the proxies' own metrics, grouped like `linkerd check`.
    #[command(after_help = CHECK_EXAMPLES)]
    Check(CheckArgs),

    /// Who talks to whom: source and destination workloads, identities, mTLS, RPS and connections.
    #[command(after_help = EDGES_EXAMPLES)]
    Edges(EdgesArgs),
    /// Allowed and denied requests per second per inbound server, route and authorization, like `linkerd viz authz`.
    #[command(after_help = AUTHZ_EXAMPLES)]
    Authz(AuthzArgs),
    /// Success, RPS, latency, timeouts and retries per route and backend, like `linkerd viz stat-outbound`.
    #[command(after_help = routes::ROUTES_EXAMPLES)]
    Routes(RoutesArgs),

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
    #[cfg(feature = "demo")]
    #[command(after_help = DEMO_EXAMPLES)]
    Demo(DemoArgs),

    /// Print a shell completion script, or install the helper kubectl uses to complete the plugin.
    #[command(after_help = completion::EXAMPLES)]
    Completion(CompletionArgs),
}

/// What clap cannot say about a parsed command line: options given that the subcommand does not
/// use (`demo` takes no -n/-A/-l/--via/--obfuscate, kubeconfig or connection flag). `None` when it
/// makes sense.
#[cfg(feature = "demo")]
pub fn usage_problem(matches: &clap::ArgMatches) -> Option<String> {
    let ("demo", demo) = matches.subcommand()? else {
        return None;
    };
    demo::IGNORED_GLOBALS
        .iter()
        .find(|(id, _)| {
            demo.value_source(id) == Some(clap::parser::ValueSource::CommandLine)
        })
        .map(|(_, flag)| {
            format!(
                "the argument '{flag}' cannot be used with 'demo': it always shows every emojivoto deployment of its own simulated mesh, scraped through port-forward"
            )
        })
}

/// Without `demo`, every option a command is given is one it uses.
#[cfg(not(feature = "demo"))]
pub fn usage_problem(_: &clap::ArgMatches) -> Option<String> {
    None
}

/// Parse `5s`, `500ms`, `1m30s`.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    if text.starts_with('-') {
        return Err(format!(
            "invalid duration {text:?}: a duration cannot be negative; use a number with a unit, like 5s or 500ms"
        ));
    }
    humantime::parse_duration(text).map_err(|e| {
        format!("invalid duration {text:?} ({e}); use a number with a unit, like 5s or 500ms")
    })
}

/// Parse `--request-timeout`: `0` is no deadline, as in kubectl; otherwise a duration with a unit.
pub fn parse_request_timeout(text: &str) -> Result<RequestTimeout, String> {
    if text.trim_start_matches('0').is_empty() {
        return Ok(RequestTimeout(None));
    }
    parse_duration(text).map(|d| RequestTimeout(Some(d)))
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

    #[test]
    fn request_timeout_zero_means_none_as_in_kubectl() {
        assert_eq!(parse_request_timeout("0"), Ok(RequestTimeout(None)));
        assert_eq!(parse_request_timeout("00"), Ok(RequestTimeout(None)));
        assert_eq!(
            parse_request_timeout("1500ms"),
            Ok(RequestTimeout(Some(Duration::from_millis(1500))))
        );
        assert!(parse_request_timeout("-1s").is_err());
        assert!(parse_request_timeout("soon").is_err());
    }

    #[test]
    fn a_token_is_never_shown_by_debug() {
        let cli = Cli::try_parse_from([
            "kubectl-linkerd_export",
            "--token",
            "s3cret-value",
            "metrics",
        ])
        .unwrap();
        let shown = format!("{cli:?} {:?}", cli.global.cluster_options());
        assert!(!shown.contains("s3cret-value"), "{shown}");
        assert_eq!(
            cli.global.cluster_options().overrides.token.as_deref(),
            Some("s3cret-value")
        );
    }
}
