//! Rendering a simulated proxy's `/metrics` body: the legacy families of a Linkerd proxy followed
//! by its OpenMetrics-style tail ending in `# EOF`, with label sets and number formatting taken
//! from the fixtures in `shared/fixtures/linkerd`.
//!
//! A body is rendered in three parts: the per-pod head (every traffic family up to the route
//! families), a [`Padding`] block of static gauges (to reach `--series`), and the per-pod tail
//! (identity, process, build info, `# EOF`).

use std::fmt::Write;

use super::traffic::{self, HistogramValues, LATENCY_BOUNDS_MS, LatencyDist, count};

mod openmetrics;

pub use openmetrics::{Padding, render_tail};
use openmetrics::{render_inbound_routes, render_outbound_routes};

/// One HTTP series pair (request/response) as a proxy labels it, with its traffic.
#[derive(Debug, Clone)]
pub struct HttpSeries {
    /// The labels of `request_total` (without braces).
    pub labels: String,
    /// The labels of the matching `tcp_*` series (without braces).
    pub tcp_labels: String,
    /// Requests per second on this series.
    pub rate: f64,
    /// Fraction failing with status 500.
    pub failure: f64,
    /// Latency distribution.
    pub latency: LatencyDist,
    /// Bytes per request.
    pub request_bytes: u64,
    /// Bytes per response.
    pub response_bytes: u64,
    /// The labels of the route families in the OpenMetrics tail (parent/route/backend for
    /// outbound, srv/route for inbound), without braces.
    pub route_labels: String,
    /// The backend labels (outbound only), without braces.
    pub backend_labels: Option<String>,
    /// The labels of `inbound_http_authz_allow_total` (inbound only), without braces.
    pub authz_labels: String,
}

/// Everything needed to render one proxy's body.
#[derive(Debug, Clone, Default)]
pub struct ProxyModel {
    /// Inbound series, one per calling workload.
    pub inbound: Vec<HttpSeries>,
    /// Outbound series, one per destination pod.
    pub outbound: Vec<HttpSeries>,
    /// Outbound route series, one per destination service.
    pub outbound_routes: Vec<HttpSeries>,
}

impl ProxyModel {
    /// Series counts by kind (inbound, outbound, routes; each split by whether it fails):
    /// models of the same shape render the same number of samples.
    pub fn shape(&self) -> [usize; 6] {
        let failing = |v: &[HttpSeries]| v.iter().filter(|s| s.failure > 0.0).count();
        [
            self.inbound.len(),
            failing(&self.inbound),
            self.outbound.len(),
            failing(&self.outbound),
            self.outbound_routes.len(),
            failing(&self.outbound_routes),
        ]
    }
}

const CONTROL_PLANE: [(&str, &str, u64, u64); 3] = [
    (
        "linkerd-dst-headless.linkerd.svc.cluster.local:8086",
        "linkerd-destination",
        4,
        12,
    ),
    (
        "linkerd-policy.linkerd.svc.cluster.local:8090",
        "linkerd-destination",
        2,
        7,
    ),
    (
        "linkerd-identity-headless.linkerd.svc.cluster.local:8080",
        "linkerd-identity",
        1,
        21,
    ),
];

/// The values that change with time for one render.
#[derive(Debug, Clone, Copy)]
pub struct Clock {
    /// Seconds since the proxy (re)started.
    pub uptime: f64,
    /// Wall-clock start time of the proxy (seconds since the UNIX epoch).
    pub start_time: f64,
}

fn float(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{v:.1}")
    } else {
        format!("{v}")
    }
}

fn header(out: &mut String, name: &str, help: &str, kind: &str, unit: Option<&str>) {
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} {kind}");
    if let Some(unit) = unit {
        let _ = writeln!(out, "# UNIT {name} {unit}");
    }
}

struct Split {
    ok: u64,
    failed: u64,
}

fn split(series: &HttpSeries, uptime: f64) -> Split {
    let (ok, failed) = traffic::split(series.rate, series.failure, uptime);
    Split { ok, failed }
}

/// Renders the head of the body: legacy families, then the outbound/inbound route families.
pub fn render_head(model: &ProxyModel, clock: Clock, out: &mut String) {
    let all: Vec<&HttpSeries> = model.inbound.iter().chain(&model.outbound).collect();
    header(
        out,
        "request_total",
        "Total count of HTTP requests.",
        "counter",
        None,
    );
    for s in &all {
        let _ = writeln!(
            out,
            "request_total{{{}}} {}",
            s.labels,
            count(s.rate, clock.uptime)
        );
    }
    header(
        out,
        "response_latency_ms",
        "Elapsed times between a request's headers being received and its response stream completing",
        "histogram",
        None,
    );
    for s in &all {
        let sp = split(s, clock.uptime);
        for (code, n) in [("200", sp.ok), ("500", sp.failed)] {
            if n == 0 && code == "500" {
                continue;
            }
            let h = HistogramValues::of(&s.latency, n);
            for (bound, c) in LATENCY_BOUNDS_MS.iter().zip(h.buckets) {
                let _ = writeln!(
                    out,
                    "response_latency_ms_bucket{{{},status_code=\"{code}\",le=\"{bound}\"}} {c}",
                    s.labels
                );
            }
            let _ = writeln!(
                out,
                "response_latency_ms_bucket{{{},status_code=\"{code}\",le=\"+Inf\"}} {n}",
                s.labels
            );
            let _ = writeln!(
                out,
                "response_latency_ms_count{{{},status_code=\"{code}\"}} {n}",
                s.labels
            );
            let _ = writeln!(
                out,
                "response_latency_ms_sum{{{},status_code=\"{code}\"}} {}",
                s.labels,
                h.sum_ms.floor() as u64
            );
        }
    }
    header(
        out,
        "response_total",
        "Total count of HTTP responses.",
        "counter",
        None,
    );
    for s in &all {
        let sp = split(s, clock.uptime);
        let _ = writeln!(
            out,
            "response_total{{{},status_code=\"200\",classification=\"success\",error=\"\"}} {}",
            s.labels, sp.ok
        );
        if sp.failed > 0 {
            let _ = writeln!(
                out,
                "response_total{{{},status_code=\"500\",classification=\"failure\",error=\"\"}} {}",
                s.labels, sp.failed
            );
        }
    }
    render_tcp(&all, clock, out);
    render_control(out);
    header(
        out,
        "inbound_http_authz_allow_total",
        "The total number of inbound HTTP requests that were authorized",
        "counter",
        None,
    );
    for s in &model.inbound {
        let _ = writeln!(
            out,
            "inbound_http_authz_allow_total{{{}}} {}",
            s.authz_labels,
            count(s.rate, clock.uptime)
        );
    }
    render_outbound_routes(model, clock, out);
    render_inbound_routes(model, clock, out);
}

fn render_tcp(all: &[&HttpSeries], clock: Clock, out: &mut String) {
    let families: [(&str, &str, &str); 5] = [
        (
            "tcp_open_total",
            "Total count of opened connections",
            "counter",
        ),
        (
            "tcp_open_connections",
            "Number of currently-open connections",
            "gauge",
        ),
        (
            "tcp_read_bytes_total",
            "Total count of bytes read from peers",
            "counter",
        ),
        (
            "tcp_write_bytes_total",
            "Total count of bytes written to peers",
            "counter",
        ),
        (
            "tcp_close_total",
            "Total count of closed connections",
            "counter",
        ),
    ];
    for (name, help, kind) in families {
        header(out, name, help, kind, None);
        for s in all {
            let n = count(s.rate, clock.uptime);
            let inbound = s.tcp_labels.starts_with("direction=\"inbound\"");
            let (read, write) = if inbound {
                (n * s.request_bytes, n * s.response_bytes)
            } else {
                (n * s.response_bytes, n * s.request_bytes)
            };
            let line = match name {
                "tcp_open_total" | "tcp_open_connections" => {
                    format!("{name}{{{}}} 1", s.tcp_labels)
                }
                "tcp_read_bytes_total" => format!("{name}{{{}}} {read}", s.tcp_labels),
                "tcp_write_bytes_total" => format!("{name}{{{}}} {write}", s.tcp_labels),
                _ => format!("{name}{{{},errno=\"\"}} 0", s.tcp_labels),
            };
            out.push_str(&line);
            out.push('\n');
        }
    }
}

fn render_control(out: &mut String) {
    let labels = |addr: &str, sa: &str| {
        format!(
            "addr=\"{addr}\",tls=\"true\",server_id=\"{sa}.linkerd.serviceaccount.identity.linkerd.cluster.local\""
        )
    };
    header(
        out,
        "control_request_total",
        "Total count of HTTP requests.",
        "counter",
        None,
    );
    for (addr, sa, n, _) in CONTROL_PLANE {
        let _ = writeln!(out, "control_request_total{{{}}} {n}", labels(addr, sa));
    }
    header(
        out,
        "control_response_latency_ms",
        "Elapsed times between a request's headers being received and its response stream completing",
        "histogram",
        None,
    );
    for (addr, sa, n, ms) in CONTROL_PLANE {
        let l = labels(addr, sa);
        for bound in LATENCY_BOUNDS_MS {
            let c = if bound >= ms as f64 { n } else { 0 };
            let _ = writeln!(
                out,
                "control_response_latency_ms_bucket{{{l},status_code=\"200\",le=\"{bound}\"}} {c}"
            );
        }
        let _ = writeln!(
            out,
            "control_response_latency_ms_bucket{{{l},status_code=\"200\",le=\"+Inf\"}} {n}"
        );
        let _ = writeln!(
            out,
            "control_response_latency_ms_count{{{l},status_code=\"200\"}} {n}"
        );
        let _ = writeln!(
            out,
            "control_response_latency_ms_sum{{{l},status_code=\"200\"}} {}",
            n * ms
        );
    }
    header(
        out,
        "control_response_total",
        "Total count of HTTP responses.",
        "counter",
        None,
    );
    for (addr, sa, n, _) in CONTROL_PLANE {
        let _ = writeln!(
            out,
            "control_response_total{{{},status_code=\"200\",classification=\"success\",grpc_status=\"0\",error=\"\"}} {n}",
            labels(addr, sa)
        );
    }
}

/// The number of samples in a body of `model` (head and tail, without padding).
pub fn sample_count(model: &ProxyModel) -> usize {
    let clock = Clock {
        uptime: 3600.0,
        start_time: 1.0,
    };
    let mut out = String::new();
    render_head(model, clock, &mut out);
    render_tail(clock, &mut out);
    out.lines().filter(|l| !l.starts_with('#')).count()
}

/// A malformed exposition (for the `garbage` fault): an unterminated label set and a
/// non-numeric value, as a broken or non-Prometheus endpoint might answer.
pub const GARBAGE_BODY: &str = "# HELP request_total Total count of HTTP requests.\n# TYPE request_total counter\nrequest_total{direction=\"inbound\",tls=\"true\" 12\nresponse_total{direction=\"inbound\"} twelve\n<html><body>502 Bad Gateway</body></html>\n";
