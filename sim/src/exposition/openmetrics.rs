//! The OpenMetrics-style families of a proxy body: the HTTP and gRPC route families (`# UNIT`,
//! float `le` values), the balancer endpoint gauges (padding and the `noendpoints` fault), and
//! the tail — identity, process and build-info families, and `# EOF`.

use std::fmt::Write;

use bytes::Bytes;

use super::{
    CERT_LIFETIME_SECS, Clock, Health, HttpSeries, PROXY_VERSION, ProxyModel, float, header,
};
use crate::traffic::{LATENCY_BOUNDS_MS, LatencyDist, count};

const OUTBOUND_ROUTE_BOUNDS_S: [f64; 4] = [0.05, 0.5, 1.0, 10.0];
const BACKEND_BOUNDS_S: [f64; 7] = [0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 10.0];

fn seconds_histogram(
    out: &mut String,
    name: &str,
    labels: &str,
    bounds: &[f64],
    dist: &LatencyDist,
    n: u64,
) {
    let cum = dist.cumulative();
    let sum_s = n as f64 * dist.mean_ms() / 1000.0;
    let _ = writeln!(out, "{name}_sum{{{labels}}} {}", float(sum_s));
    let _ = writeln!(out, "{name}_count{{{labels}}} {n}");
    for bound in bounds {
        let ms = bound * 1000.0;
        let frac = LATENCY_BOUNDS_MS
            .iter()
            .zip(cum)
            .rfind(|(b, _)| **b <= ms)
            .map(|(_, c)| c)
            .unwrap_or(0.0);
        let c = ((n as f64) * frac + 1e-9).floor() as u64;
        let _ = writeln!(
            out,
            "{name}_bucket{{le=\"{}\",{labels}}} {c}",
            float(*bound)
        );
    }
    let _ = writeln!(out, "{name}_bucket{{le=\"+Inf\",{labels}}} {n}");
}

/// The route families of the OpenMetrics tail; the outbound ones have a sample (or samples) per
/// outbound route series, the inbound ones per inbound series.
#[derive(Debug, Clone, Copy)]
pub(super) enum RouteFamily {
    OutboundDuration,
    OutboundStatuses,
    Retries,
    BackendDuration,
    BackendStatuses,
    InboundDuration,
    InboundStatuses,
}

impl RouteFamily {
    /// Whether the family iterates over inbound series (else outbound route series).
    pub(super) fn inbound(self) -> bool {
        matches!(
            self,
            RouteFamily::InboundDuration | RouteFamily::InboundStatuses
        )
    }

    /// The family's name for HTTP or gRPC (`true`) routes, without `_total`.
    fn name(self, grpc: bool) -> String {
        let (direction, what) = match self {
            RouteFamily::OutboundDuration => ("outbound", "request_duration_seconds"),
            RouteFamily::OutboundStatuses => ("outbound", "request_statuses"),
            RouteFamily::Retries => ("outbound", "retry_requests"),
            RouteFamily::BackendDuration => ("outbound", "backend_response_duration_seconds"),
            RouteFamily::BackendStatuses => ("outbound", "backend_response_statuses"),
            RouteFamily::InboundDuration => ("inbound", "request_duration_seconds"),
            RouteFamily::InboundStatuses => ("inbound", "request_statuses"),
        };
        let protocol = if grpc { "grpc" } else { "http" };
        format!("{direction}_{protocol}_route_{what}")
    }

    pub(super) fn header(self, grpc: bool, out: &mut String) {
        let (help, kind, unit) = match self {
            RouteFamily::OutboundDuration | RouteFamily::InboundDuration => (
                "The time between request initialization and response completion.",
                "histogram",
                Some("seconds"),
            ),
            RouteFamily::OutboundStatuses | RouteFamily::InboundStatuses => {
                ("Completed request-response streams.", "counter", None)
            }
            RouteFamily::Retries => ("The number of retry requests sent.", "counter", None),
            RouteFamily::BackendDuration => (
                "The time between request completion and response completion.",
                "histogram",
                Some("seconds"),
            ),
            RouteFamily::BackendStatuses => ("Completed responses.", "counter", None),
        };
        header(out, &self.name(grpc), help, kind, unit);
    }

    pub(super) fn series(self, grpc: bool, s: &HttpSeries, clock: Clock, out: &mut String) {
        let n = count(s.rate, clock.uptime);
        // gRPC route samples carry no `hostname` (as the fixtures show them).
        let route = if grpc {
            s.route_labels.clone()
        } else {
            format!("{},hostname=\"\"", s.route_labels)
        };
        let name = self.name(grpc);
        let total = format!("{name}_total");
        match self {
            RouteFamily::OutboundDuration => {
                seconds_histogram(out, &name, &route, &OUTBOUND_ROUTE_BOUNDS_S, &s.latency, n)
            }
            RouteFamily::OutboundStatuses => statuses(out, &total, &route, s, s.rate, clock),
            RouteFamily::Retries => {
                let _ = writeln!(
                    out,
                    "{total}{{{}}} {}",
                    s.route_labels,
                    count(s.rate * s.retries, clock.uptime)
                );
            }
            RouteFamily::BackendDuration => {
                for (labels, rate) in backends(s) {
                    seconds_histogram(
                        out,
                        &name,
                        &labels,
                        &BACKEND_BOUNDS_S,
                        &s.latency,
                        count(rate, clock.uptime),
                    );
                }
            }
            RouteFamily::BackendStatuses => {
                for (labels, rate) in backends(s) {
                    statuses(out, &total, &labels, s, rate, clock);
                }
            }
            RouteFamily::InboundDuration => seconds_histogram(
                out,
                &name,
                &s.route_labels,
                &OUTBOUND_ROUTE_BOUNDS_S,
                &s.latency,
                n,
            ),
            RouteFamily::InboundStatuses => {
                statuses(out, &total, &s.route_labels, s, s.rate, clock)
            }
        }
    }
}

/// The backends of route series `s` (route and backend labels) with their request rates: its
/// own backend, less the share of a split's second backend.
fn backends(s: &HttpSeries) -> Vec<(String, f64)> {
    let own = s.backend_labels.as_deref().unwrap_or_default();
    let second = s.split.as_ref().filter(|(_, share)| *share > 0.0);
    let share = second.map_or(0.0, |(_, share)| *share);
    let mut out = vec![(format!("{},{own}", s.route_labels), s.rate * (1.0 - share))];
    if let Some((labels, share)) = second {
        out.push((format!("{},{labels}", s.route_labels), s.rate * share));
    }
    out
}

/// The status samples of `s`'s requests at `rate`: successes, failures (HTTP 500, or gRPC
/// UNAVAILABLE), and the timeouts among its failures (`error="REQUEST_TIMEOUT"`, with no HTTP
/// status or gRPC UNKNOWN); each its own counter, so none decreases.
fn statuses(out: &mut String, name: &str, labels: &str, s: &HttpSeries, rate: f64, clock: Clock) {
    let timeouts = s.timeouts.clamp(0.0, s.failure);
    let n = |share: f64| count(rate * share, clock.uptime);
    let [ok, failed, timed_out] = if s.grpc {
        [
            "grpc_status=\"OK\"",
            "grpc_status=\"UNAVAILABLE\"",
            "grpc_status=\"UNKNOWN\"",
        ]
    } else {
        [
            "http_status=\"200\"",
            "http_status=\"500\"",
            "http_status=\"\"",
        ]
    };
    let _ = writeln!(
        out,
        "{name}{{{labels},{ok},error=\"\"}} {}",
        n(1.0 - s.failure)
    );
    if s.failure > timeouts {
        let _ = writeln!(
            out,
            "{name}{{{labels},{failed},error=\"\"}} {}",
            n(s.failure - timeouts)
        );
    }
    if timeouts > 0.0 {
        let _ = writeln!(
            out,
            "{name}{{{labels},{timed_out},error=\"REQUEST_TIMEOUT\"}} {}",
            n(timeouts)
        );
    }
}

/// `outbound_http_balancer_endpoints` with no endpoint ready or pending for each outbound route
/// series, when the model has no endpoints.
pub(super) fn no_endpoints(model: &ProxyModel, out: &mut String) {
    if !model.health.no_endpoints {
        return;
    }
    header(
        out,
        BALANCER_ENDPOINTS,
        "The number of endpoints in the balancer.",
        "gauge",
        None,
    );
    for s in model.outbound_routes.iter() {
        let parent = s
            .route_labels
            .split(",route_group=")
            .next()
            .unwrap_or_default();
        let backend = s.backend_labels.as_deref().unwrap_or_default();
        for state in ["ready", "pending"] {
            let _ = writeln!(
                out,
                "{BALANCER_ENDPOINTS}{{{parent},{backend},endpoint_state=\"{state}\"}} 0"
            );
        }
    }
}

/// The family of the balancer endpoint gauges.
const BALANCER_ENDPOINTS: &str = "outbound_http_balancer_endpoints";

/// Static `outbound_http_balancer_endpoints` gauges that pad bodies to `--series`; every pod's
/// padding is a prefix of one shared block, so padding costs no memory per pod.
#[derive(Debug, Clone, Default)]
pub struct Padding {
    block: Bytes,
    header_len: usize,
    pair_len: usize,
    pairs: usize,
}

impl Padding {
    /// A block of up to `pairs` × 2 series (`endpoint_state` ready and pending per backend).
    pub fn new(pairs: usize) -> Padding {
        let mut out = String::new();
        header(
            &mut out,
            BALANCER_ENDPOINTS,
            "The number of endpoints in the balancer.",
            "gauge",
            None,
        );
        let header_len = out.len();
        for i in 0..pairs.min(99_999) {
            for (state, v) in [("ready", 1), ("pending", 0)] {
                let _ = writeln!(
                    out,
                    "outbound_http_balancer_endpoints{{parent_group=\"core\",parent_kind=\"Service\",parent_namespace=\"catalog\",parent_name=\"svc-{i:05}\",parent_port=\"80\",parent_section_name=\"\",backend_group=\"core\",backend_kind=\"Service\",backend_namespace=\"catalog\",backend_name=\"svc-{i:05}\",backend_port=\"80\",backend_section_name=\"\",endpoint_state=\"{state}\"}} {v}"
                );
            }
        }
        let pairs = pairs.min(99_999);
        let pair_len = (out.len() - header_len).checked_div(pairs).unwrap_or(0);
        Padding {
            block: Bytes::from(out),
            header_len,
            pair_len,
            pairs,
        }
    }

    /// About `series` padding series (an even number, at most the block's).
    pub fn take(&self, series: usize) -> Bytes {
        let pairs = series.div_ceil(2).min(self.pairs);
        if pairs == 0 {
            return Bytes::new();
        }
        self.block.slice(..self.header_len + pairs * self.pair_len)
    }
}

/// Renders the tail of the body: identity, process and build-info families, then `# EOF`.
pub(super) fn render_tail(clock: Clock, health: &Health, out: &mut String) {
    let name = "control_identity_cert_expiration_timestamp_seconds";
    header(
        out,
        name,
        "Time when the this proxy's current mTLS identity certificate will expire (in seconds since the UNIX epoch).",
        "gauge",
        Some("seconds"),
    );
    let expiry = match health.cert_expires_in {
        Some(secs) => (clock.start_time + clock.uptime).floor() + secs as f64,
        None => clock.start_time.floor() + CERT_LIFETIME_SECS,
    };
    let _ = writeln!(out, "{name} {}", float(expiry));
    let name = "control_identity_cert_refresh_timestamp_seconds";
    header(
        out,
        name,
        "Time when the this proxy's current mTLS identity certificate were last updated.",
        "gauge",
        Some("seconds"),
    );
    let _ = writeln!(out, "{name} {}", float(clock.start_time + 0.7489427));
    header(
        out,
        "control_identity_cert_refreshes",
        "The total number of times this proxy's mTLS identity certificate has been refreshed by the Identity provider..",
        "counter",
        None,
    );
    out.push_str("control_identity_cert_refreshes_total{result=\"ok\"} 1\ncontrol_identity_cert_refreshes_total{result=\"error\"} 0\n");
    let n = |name: &str,
             help: &str,
             kind: &str,
             unit: Option<&str>,
             sample: &str,
             value: String,
             out: &mut String| {
        header(out, name, help, kind, unit);
        let _ = writeln!(out, "{sample} {value}");
    };
    n(
        "process_start_time_seconds",
        "Time that the process started (in seconds since the UNIX epoch).",
        "gauge",
        Some("seconds"),
        "process_start_time_seconds",
        float(clock.start_time),
        out,
    );
    n(
        "process_uptime_seconds",
        "Total time since the process started (in seconds)",
        "counter",
        Some("seconds"),
        "process_uptime_seconds_total",
        float(clock.uptime),
        out,
    );
    n(
        "process_cpu_seconds",
        "Total user and system CPU time spent in seconds",
        "counter",
        Some("seconds"),
        "process_cpu_seconds_total",
        float((clock.uptime * 0.002 * 100.0).floor() / 100.0),
        out,
    );
    n(
        "process_virtual_memory_bytes",
        "Virtual memory size in bytes",
        "gauge",
        Some("bytes"),
        "process_virtual_memory_bytes",
        "108208128".into(),
        out,
    );
    n(
        "process_resident_memory_bytes",
        "Resident memory size in bytes",
        "gauge",
        Some("bytes"),
        "process_resident_memory_bytes",
        "27471872".into(),
        out,
    );
    n(
        "process_open_fds",
        "Number of open file descriptors",
        "gauge",
        None,
        "process_open_fds",
        "21".into(),
        out,
    );
    n(
        "process_max_fds",
        "Maximum number of open file descriptors",
        "gauge",
        None,
        "process_max_fds",
        "1048576".into(),
        out,
    );
    n(
        "process_threads",
        "Number of OS threads in the process.",
        "gauge",
        None,
        "process_threads",
        "2".into(),
        out,
    );
    header(out, "proxy_build_info", "Proxy build info.", "gauge", None);
    let version = health.version.as_deref().unwrap_or(PROXY_VERSION);
    let _ = writeln!(
        out,
        "proxy_build_info{{date=\"2025-11-20T19:52:40Z\",git_sha=\"215c32d3f\",profile=\"release\",vendor=\"linkerd\",version=\"{version}\"}} 1"
    );
    out.push_str("# EOF\n");
}
