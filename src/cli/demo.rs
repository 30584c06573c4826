//! Arguments of `demo`, the simulated mesh (spec §8).

use std::path::PathBuf;
use std::time::Duration;

use clap::Args;

use super::parse_duration;

pub(super) const DEMO_EXAMPLES: &str = "\
Examples:
  # Start the simulated mesh, let traffic flow, print what `stat` sees
  kubectl linkerd-export demo

  # Keep it running and point any command (or kubectl) at it
  kubectl linkerd-export demo --serve --kubeconfig-out /tmp/sim.kubeconfig
  kubectl linkerd-export --kubeconfig /tmp/sim.kubeconfig metrics deploy/web -n emojivoto";

/// The global options `demo` does not use (clap ids and the flags users type): it always runs
/// `stat` on every emojivoto deployment, through port-forward, in clear, against its own simulated
/// API server (so no kubeconfig or connection flag applies either).
pub(super) const IGNORED_GLOBALS: [(&str, &str); 20] = [
    ("namespace", "--namespace"),
    ("all_namespaces", "--all-namespaces"),
    ("selector", "--selector"),
    ("via", "--via"),
    ("obfuscate", "--obfuscate"),
    ("kubeconfig", "--kubeconfig"),
    ("context", "--context"),
    ("impersonate", "--as"),
    ("impersonate_groups", "--as-group"),
    ("impersonate_uid", "--as-uid"),
    ("cluster", "--cluster"),
    ("user", "--user"),
    ("server", "--server"),
    ("token", "--token"),
    ("certificate_authority", "--certificate-authority"),
    ("client_certificate", "--client-certificate"),
    ("client_key", "--client-key"),
    ("insecure_skip_tls_verify", "--insecure-skip-tls-verify"),
    ("tls_server_name", "--tls-server-name"),
    ("request_timeout", "--request-timeout"),
];

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

    /// Replicas per emojivoto deployment (at least 1).
    #[arg(long, value_name = "N", default_value_t = 1,
          value_parser = clap::value_parser!(u32).range(1..))]
    pub replicas: u32,

    /// Extra copies of the emojivoto namespace (emojivoto-1 ... emojivoto-N).
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub namespaces: u32,

    /// Pad each proxy's /metrics to about N series.
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub series: usize,

    /// Delay added to every API request and port-forward set-up and close, like a real API server
    /// and kubelet.
    #[arg(long, value_name = "DUR", value_parser = parse_duration)]
    pub latency: Option<Duration>,

    /// Inject a fault into pods matching GLOB: refuse, forbid, nocreate, kubeletdown, notfound,
    /// slow=DUR, status=CODE, garbage, huge=MiB, reset, restart, certexpiry=DUR (-DUR: expired),
    /// version=V, notls, deny, noendpoints, unmeshed (repeatable), e.g. `--fault slow=3s:web-*`.
    #[arg(long = "fault", value_name = "KIND:GLOB")]
    pub faults: Vec<linkerd_export_sim::Fault>,

    /// Seed for the simulated names, UIDs and proxy uptimes.
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub seed: u64,
}
