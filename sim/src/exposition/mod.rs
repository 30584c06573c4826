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
use std::sync::Arc;

use bytes::Bytes;

use super::traffic::{self, LatencyDist};

mod layout;
mod legacy;
mod openmetrics;
mod policy;

use layout::{LAYOUT, PADDING_AT, Part};
use legacy::CONTROL;
pub use openmetrics::Padding;
use openmetrics::{no_endpoints, render_tail};
pub use policy::PolicySeries;

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
    /// Whether the calls are gRPC (failures answer 200 with a failing `grpc_status`; the route
    /// families are `*_grpc_route_*`).
    pub grpc: bool,
    /// The labels of the ServiceProfile `route_*` families (`direction`, `dst`, `rt_route`),
    /// without braces, when the calls match a profile route (outbound routes only).
    pub profile_labels: Option<String>,
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
    /// TCP authorization and route-not-found counters of its inbound server, if it has any.
    pub policy: Option<PolicySeries>,
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
    /// Series counts by kind (inbound, outbound, routes; each split by whether it fails, and
    /// by protocol) and the policy counters it has: models of the same shape render the same
    /// number of samples.
    pub fn shape(&self) -> [usize; 14] {
        let failing = |v: &[HttpSeries]| v.iter().filter(|s| s.failure > 0.0).count();
        let grpc = |v: &[HttpSeries]| v.iter().filter(|s| s.grpc).count();
        let failing_grpc =
            |v: &[HttpSeries]| v.iter().filter(|s| s.grpc && s.failure > 0.0).count();
        let routes =
            |f: fn(&HttpSeries) -> bool| self.outbound_routes.iter().filter(|s| f(s)).count();
        let policy = self.policy.as_ref().map_or(0, |p| {
            usize::from(p.tcp_allowed > 0.0)
                | usize::from(p.tcp_denied > 0.0) << 1
                | usize::from(p.route_not_found > 0.0) << 2
        });
        [
            policy,
            routes(|s| s.profile_labels.is_some()),
            grpc(&self.inbound),
            failing_grpc(&self.inbound),
            grpc(&self.outbound),
            failing_grpc(&self.outbound),
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
}

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
                        if part.header_when_empty() || self.model.series(over, 0).is_some() {
                            part.header(&mut out);
                        }
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
                        Part::Deny => policy::denied(&self.model, self.clock, &mut out),
                        Part::Policy => {
                            policy::tcp_and_not_found(&self.model, self.clock, &mut out);
                        }
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
