//! Rendering a simulated proxy's `/metrics` body: the legacy families of a Linkerd proxy followed
//! by its OpenMetrics-style tail ending in `# EOF`, with label sets and number formatting taken
//! from the fixtures in `shared/fixtures/linkerd`.
//!
//! A body is never stored. [`BodyChunks`] renders it while it is sent, in chunks of whole lines
//! (about [`CHUNK`] bytes each), from the proxy's compact [`ProxyModel`] and the scrape's
//! [`Clock`], so a simulation's memory is bounded by the chunks in flight rather than by its
//! pods' body sizes (a web pod of `--replicas 200` has a 7 MB body). The model itself is
//! compact: the outbound and route series of a workload's replicas are one shared slice, so a
//! pod costs its few inbound series and an `Arc`, not a copy of its peers' label sets.
//!
//! A body's parts, in order: the per-series traffic families (requests, latencies, responses,
//! TCP), the control-plane families (the same for every proxy), authz and route families, a
//! [`Padding`] block of static gauges (to reach `--series`), and the per-pod tail (identity,
//! process, build info, `# EOF`).

use std::fmt::Write;
use std::sync::{Arc, LazyLock};

use bytes::Bytes;

use super::traffic::{self, HistogramValues, LATENCY_BOUNDS_MS, LatencyDist, count};

mod openmetrics;

pub use openmetrics::Padding;
use openmetrics::{RouteFamily, render_tail};

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
    /// Retries per completed request (outbound routes only).
    pub retries: f64,
    /// Fraction of requests that time out, part of `failure` (outbound routes only).
    pub timeouts: f64,
    /// A second backend (its labels, without braces) and the share of requests it gets
    /// (outbound routes only).
    pub split: Option<(String, f64)>,
    /// The labels of `inbound_http_authz_allow_total` (inbound only), without braces.
    pub authz_labels: String,
}

/// Everything needed to render one proxy's body.
#[derive(Debug, Clone, Default)]
pub struct ProxyModel {
    /// Inbound series, one per calling workload.
    pub inbound: Vec<HttpSeries>,
    /// Outbound series, one per destination pod (shared by the workload's replicas).
    pub outbound: Arc<[HttpSeries]>,
    /// Outbound route series, one per destination service (shared by the workload's replicas).
    pub outbound_routes: Arc<[HttpSeries]>,
    /// What the `check` faults change in the body (default: a healthy proxy).
    pub health: Health,
}

/// The per-proxy facts `check` reads that faults change ([`super::fault::PodFaults`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Health {
    /// Seconds from each scrape to the identity certificate's expiry (negative: expired);
    /// `None`: the certificate is valid for [`CERT_LIFETIME_SECS`] from the proxy's start.
    pub cert_expires_in: Option<i64>,
    /// The version `proxy_build_info` reports; `None`: [`PROXY_VERSION`].
    pub version: Option<String>,
    /// Whether authorization policy denies [`DENIED_SHARE`] of each inbound series' requests,
    /// counted in `inbound_http_authz_deny_total`.
    pub deny: bool,
    /// Whether the outbound balancers have no ready endpoints: an
    /// `outbound_http_balancer_endpoints` family (ready and pending 0) per outbound route series
    /// precedes the padding, whose own header the proxy then drops.
    pub no_endpoints: bool,
}

/// How long a healthy simulated proxy's identity certificate is valid from its start: longer
/// than Linkerd's default 24h issuance lifetime, so the default mesh does not trip `check
/// --cert-warn 24h` (a real 24h certificate renewed at 70% always expires within 24h).
pub const CERT_LIFETIME_SECS: f64 = 7.0 * 86_400.0;

/// The proxy version a healthy simulated proxy reports.
pub const PROXY_VERSION: &str = "edge-25.11.1";

/// The share of inbound requests denied under the `deny` fault.
pub const DENIED_SHARE: f64 = 0.1;

impl ProxyModel {
    /// Series counts by kind (inbound, outbound, routes; each split by whether it fails):
    /// models of the same shape render the same number of samples.
    pub fn shape(&self) -> [usize; 8] {
        let failing = |v: &[HttpSeries]| v.iter().filter(|s| s.failure > 0.0).count();
        let routes =
            |f: fn(&HttpSeries) -> bool| self.outbound_routes.iter().filter(|s| f(s)).count();
        [
            routes(|s| s.timeouts > 0.0),
            routes(|s| s.split.is_some()),
            self.inbound.len(),
            failing(&self.inbound),
            self.outbound.len(),
            failing(&self.outbound),
            self.outbound_routes.len(),
            failing(&self.outbound_routes),
        ]
    }

    /// Series `i` of `over` (inbound series come before outbound ones in [`Over::All`]).
    fn series(&self, over: Over, i: usize) -> Option<&HttpSeries> {
        match over {
            Over::All => self
                .inbound
                .get(i)
                .or_else(|| self.outbound.get(i.checked_sub(self.inbound.len())?)),
            Over::Inbound => self.inbound.get(i),
            Over::Routes => self.outbound_routes.get(i),
        }
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

/// The `le` label values of [`LATENCY_BOUNDS_MS`], as a proxy prints them.
const LATENCY_LE: [&str; 26] = [
    "1", "2", "3", "4", "5", "10", "20", "30", "40", "50", "100", "200", "300", "400", "500",
    "1000", "2000", "3000", "4000", "5000", "10000", "20000", "30000", "40000", "50000", "100000",
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

/// Which series a per-series family has a sample (or samples) for.
#[derive(Debug, Clone, Copy)]
enum Over {
    /// Inbound then outbound series.
    All,
    /// Inbound series.
    Inbound,
    /// Outbound route series.
    Routes,
}

/// The `tcp_*` families: name, help, type.
const TCP_FAMILIES: [(&str, &str, &str); 5] = [
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

/// One part of a body, in body order ([`LAYOUT`]).
#[derive(Debug, Clone, Copy)]
enum Part {
    Requests,
    Latency,
    Responses,
    /// Index into [`TCP_FAMILIES`].
    Tcp(usize),
    Control,
    Authz,
    /// `inbound_http_authz_deny_total`, rendered only under the `deny` fault.
    Deny,
    /// `outbound_http_balancer_endpoints`, rendered only under the `noendpoints` fault.
    Endpoints,
    Route(RouteFamily),
    Padding,
    Tail,
}

const LAYOUT: [Part; 21] = [
    Part::Requests,
    Part::Latency,
    Part::Responses,
    Part::Tcp(0),
    Part::Tcp(1),
    Part::Tcp(2),
    Part::Tcp(3),
    Part::Tcp(4),
    Part::Control,
    Part::Authz,
    Part::Deny,
    Part::Route(RouteFamily::OutboundDuration),
    Part::Route(RouteFamily::OutboundStatuses),
    Part::Route(RouteFamily::Retries),
    Part::Route(RouteFamily::BackendDuration),
    Part::Route(RouteFamily::BackendStatuses),
    Part::Route(RouteFamily::InboundDuration),
    Part::Route(RouteFamily::InboundStatuses),
    Part::Endpoints,
    Part::Padding,
    Part::Tail,
];

/// Where [`Part::Padding`] is in [`LAYOUT`].
const PADDING_AT: usize = 19;

impl Part {
    /// The series a per-series part iterates over (`None` for whole parts).
    fn over(self) -> Option<Over> {
        match self {
            Part::Requests | Part::Latency | Part::Responses | Part::Tcp(_) => Some(Over::All),
            Part::Authz => Some(Over::Inbound),
            Part::Route(f) => Some(if f.inbound() {
                Over::Inbound
            } else {
                Over::Routes
            }),
            Part::Control | Part::Deny | Part::Endpoints | Part::Padding | Part::Tail => None,
        }
    }

    fn header(self, out: &mut String) {
        match self {
            Part::Requests => header(
                out,
                "request_total",
                "Total count of HTTP requests.",
                "counter",
                None,
            ),
            Part::Latency => header(
                out,
                "response_latency_ms",
                "Elapsed times between a request's headers being received and its response stream completing",
                "histogram",
                None,
            ),
            Part::Responses => header(
                out,
                "response_total",
                "Total count of HTTP responses.",
                "counter",
                None,
            ),
            Part::Tcp(i) => {
                let (name, help, kind) = TCP_FAMILIES[i];
                header(out, name, help, kind, None);
            }
            Part::Authz => header(
                out,
                "inbound_http_authz_allow_total",
                "The total number of inbound HTTP requests that were authorized",
                "counter",
                None,
            ),
            Part::Route(f) => f.header(out),
            Part::Control | Part::Deny | Part::Endpoints | Part::Padding | Part::Tail => {}
        }
    }

    /// The samples of series `s` in this part.
    fn series(self, s: &HttpSeries, clock: Clock, out: &mut String) {
        match self {
            Part::Requests => {
                let _ = writeln!(
                    out,
                    "request_total{{{}}} {}",
                    s.labels,
                    count(s.rate, clock.uptime)
                );
            }
            Part::Latency => latency(s, clock, out),
            Part::Responses => {
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
            Part::Tcp(i) => tcp(TCP_FAMILIES[i].0, s, clock, out),
            Part::Authz => {
                let _ = writeln!(
                    out,
                    "inbound_http_authz_allow_total{{{}}} {}",
                    s.authz_labels,
                    count(s.rate, clock.uptime)
                );
            }
            Part::Route(f) => f.series(s, clock, out),
            Part::Control | Part::Deny | Part::Endpoints | Part::Padding | Part::Tail => {}
        }
    }
}

fn latency(s: &HttpSeries, clock: Clock, out: &mut String) {
    let sp = split(s, clock.uptime);
    for (code, n) in [("200", sp.ok), ("500", sp.failed)] {
        if n == 0 && code == "500" {
            continue;
        }
        let h = HistogramValues::of(&s.latency, n);
        for (le, c) in LATENCY_LE.iter().zip(h.buckets) {
            let _ = writeln!(
                out,
                "response_latency_ms_bucket{{{},status_code=\"{code}\",le=\"{le}\"}} {c}",
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

fn tcp(name: &str, s: &HttpSeries, clock: Clock, out: &mut String) {
    let n = count(s.rate, clock.uptime);
    let inbound = s.tcp_labels.starts_with("direction=\"inbound\"");
    let (read, write) = if inbound {
        (n * s.request_bytes, n * s.response_bytes)
    } else {
        (n * s.response_bytes, n * s.request_bytes)
    };
    let _ = match name {
        "tcp_open_total" | "tcp_open_connections" => writeln!(out, "{name}{{{}}} 1", s.tcp_labels),
        "tcp_read_bytes_total" => writeln!(out, "{name}{{{}}} {read}", s.tcp_labels),
        "tcp_write_bytes_total" => writeln!(out, "{name}{{{}}} {write}", s.tcp_labels),
        _ => writeln!(out, "{name}{{{},errno=\"\"}} 0", s.tcp_labels),
    };
}

/// `inbound_http_authz_deny_total`, one sample per inbound series, when the model denies.
fn denied(model: &ProxyModel, clock: Clock, out: &mut String) {
    if !model.health.deny {
        return;
    }
    header(
        out,
        "inbound_http_authz_deny_total",
        "The total number of inbound HTTP requests that were denied",
        "counter",
        None,
    );
    for s in &model.inbound {
        let server = s
            .authz_labels
            .split(",route_group=")
            .next()
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "inbound_http_authz_deny_total{{{server},route_group=\"\",route_kind=\"default\",route_name=\"default\"}} {}",
            count(s.rate * DENIED_SHARE, clock.uptime)
        );
    }
}

/// `outbound_http_balancer_endpoints` with no endpoint ready or pending for each outbound route
/// series, when the model has no endpoints.
fn no_endpoints(model: &ProxyModel, out: &mut String) {
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

/// `series` as a proxy that sends without mTLS labels it: `tls="no_identity"` with the reason
/// instead of `tls="true"` and the server identity.
pub fn without_tls(series: &HttpSeries) -> HttpSeries {
    let plain = |labels: &str| match labels.split_once("tls=\"true\",server_id=\"") {
        Some((before, rest)) => format!(
            "{before}tls=\"no_identity\",no_tls_reason=\"not_provided_by_service_discovery\"{}",
            rest.split_once('"').map_or("", |(_, after)| after)
        ),
        None => labels.to_string(),
    };
    HttpSeries {
        labels: plain(&series.labels),
        tcp_labels: plain(&series.tcp_labels),
        ..series.clone()
    }
}

/// The control-plane families: constant, so rendered once per process.
static CONTROL: LazyLock<String> = LazyLock::new(|| {
    let mut out = String::new();
    let labels = |addr: &str, sa: &str| {
        format!(
            "addr=\"{addr}\",tls=\"true\",server_id=\"{sa}.linkerd.serviceaccount.identity.linkerd.cluster.local\""
        )
    };
    header(
        &mut out,
        "control_request_total",
        "Total count of HTTP requests.",
        "counter",
        None,
    );
    for (addr, sa, n, _) in CONTROL_PLANE {
        let _ = writeln!(out, "control_request_total{{{}}} {n}", labels(addr, sa));
    }
    header(
        &mut out,
        "control_response_latency_ms",
        "Elapsed times between a request's headers being received and its response stream completing",
        "histogram",
        None,
    );
    for (addr, sa, n, ms) in CONTROL_PLANE {
        let l = labels(addr, sa);
        for (bound, le) in LATENCY_BOUNDS_MS.iter().zip(LATENCY_LE) {
            let c = if *bound >= ms as f64 { n } else { 0 };
            let _ = writeln!(
                out,
                "control_response_latency_ms_bucket{{{l},status_code=\"200\",le=\"{le}\"}} {c}"
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
        &mut out,
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
    out
});

/// About how many bytes one chunk of [`BodyChunks`] holds: it ends at the first series boundary
/// past this (a single series adds at most a few tens of kilobytes).
pub const CHUNK: usize = 64 * 1024;

/// One proxy body being rendered: an iterator of chunks of whole lines, rendered on demand
/// from the model and a fixed clock (so every chunk of a body shows the same instant).
#[derive(Debug, Clone)]
pub struct BodyChunks {
    model: Arc<ProxyModel>,
    clock: Clock,
    padding: Bytes,
    /// Index into [`LAYOUT`] of the part being rendered, and where to stop.
    part: usize,
    end: usize,
    /// Within a per-series part: 0 before its header, then 1 + the next series' index.
    item: usize,
}

impl BodyChunks {
    /// The whole body of `model` at `clock`, with `padding` (a prefix of the shared
    /// [`Padding`] block) between the route families and the tail.
    pub fn new(model: Arc<ProxyModel>, clock: Clock, padding: Bytes) -> BodyChunks {
        BodyChunks {
            model,
            clock,
            padding,
            part: 0,
            end: LAYOUT.len(),
            item: 0,
        }
    }

    /// The body up to where padding would go.
    pub fn head(model: Arc<ProxyModel>, clock: Clock) -> BodyChunks {
        BodyChunks {
            end: PADDING_AT,
            ..BodyChunks::new(model, clock, Bytes::new())
        }
    }

    /// The body after the padding: identity, process and build-info families, then `# EOF`.
    pub fn tail(model: Arc<ProxyModel>, clock: Clock) -> BodyChunks {
        BodyChunks {
            part: PADDING_AT + 1,
            ..BodyChunks::new(model, clock, Bytes::new())
        }
    }

    /// The rest of the body in one buffer.
    pub fn collect_bytes(self) -> Bytes {
        let mut out = Vec::new();
        for chunk in self {
            out.extend_from_slice(&chunk);
        }
        Bytes::from(out)
    }
}

impl Iterator for BodyChunks {
    type Item = Bytes;

    fn next(&mut self) -> Option<Bytes> {
        let mut out = String::with_capacity(CHUNK + CHUNK / 2);
        while out.len() < CHUNK && self.part < self.end {
            let part = LAYOUT[self.part];
            match part.over() {
                Some(over) => {
                    if self.item == 0 {
                        part.header(&mut out);
                        self.item = 1;
                    } else if let Some(s) = self.model.series(over, self.item - 1) {
                        part.series(s, self.clock, &mut out);
                        self.item += 1;
                    } else {
                        self.part += 1;
                        self.item = 0;
                    }
                }
                None => {
                    match part {
                        Part::Padding => {
                            // The shared block goes out as its own chunk, uncopied.
                            if !out.is_empty() {
                                break;
                            }
                            self.part += 1;
                            if !self.padding.is_empty() {
                                return Some(self.padding.clone());
                            }
                            continue;
                        }
                        Part::Control => out.push_str(&CONTROL),
                        Part::Deny => denied(&self.model, self.clock, &mut out),
                        Part::Endpoints => no_endpoints(&self.model, &mut out),
                        _ => render_tail(self.clock, &self.model.health, &mut out),
                    }
                    self.part += 1;
                }
            }
        }
        (!out.is_empty()).then(|| Bytes::from(out))
    }
}

/// The number of samples in a body of `model` (without padding).
pub fn sample_count(model: &Arc<ProxyModel>) -> usize {
    let clock = Clock {
        uptime: 3600.0,
        start_time: 1.0,
    };
    BodyChunks::new(model.clone(), clock, Bytes::new())
        .map(|chunk| {
            chunk
                .split(|&b| b == b'\n')
                .filter(|l| !l.is_empty() && !l.starts_with(b"#"))
                .count()
        })
        .sum()
}

/// A malformed exposition (for the `garbage` fault): an unterminated label set and a
/// non-numeric value, as a broken or non-Prometheus endpoint might answer.
pub const GARBAGE_BODY: &str = "# HELP request_total Total count of HTTP requests.\n# TYPE request_total counter\nrequest_total{direction=\"inbound\",tls=\"true\" 12\nresponse_total{direction=\"inbound\"} twelve\n<html><body>502 Bad Gateway</body></html>\n";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn le_labels_print_the_bounds() {
        for (bound, le) in LATENCY_BOUNDS_MS.iter().zip(LATENCY_LE) {
            assert_eq!(format!("{bound}"), le);
        }
        assert!(matches!(LAYOUT[PADDING_AT], Part::Padding));
    }
}
