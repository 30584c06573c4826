//! The route view of SPEC §4b, as `linkerd viz stat-outbound` / `stat-inbound` show it: per
//! (workload, parent, route, route kind) and, outbound, per backend under each route — SUCCESS,
//! RPS, latency percentiles, TIMEOUTS and RETRIES — from the proxies' `outbound_{http,grpc}_route_*`
//! and `inbound_{http,grpc}_route_*` families over a window, and ServiceProfile routes (the
//! `route_*` families, per `dst` and `rt_route`) when a proxy has them.
//!
//! Three steps, all pure: [`tally`] reads one proxy's counters, [`delta`] takes the increase
//! between two scrapes of a proxy (a counter that went down restarted, as Prometheus'
//! `increase()` treats it), and [`rows`] sums the increases of every proxy and computes the rows.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::metrics::model::Target;
use crate::metrics::quantile::{Bucket, histogram_quantile};

/// The `error` values that count as a timeout (TIMEOUTS).
pub const TIMEOUT_ERRORS: [&str; 4] = [
    "REQUEST_TIMEOUT",
    "RESPONSE_HEADERS_TIMEOUT",
    "RESPONSE_STREAM_TIMEOUT",
    "IDLE_TIMEOUT",
];

/// Which way the traffic goes, seen from the proxy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    /// Requests the workload sends (parent: a Service and port).
    Outbound,
    /// Requests the workload receives (parent: a Server).
    Inbound,
}

/// The protocol of a route family.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Protocol {
    /// `*_http_route_*`: failure is a 5xx or an error.
    Http,
    /// `*_grpc_route_*`: failure is a `grpc_status` other than OK, or an error.
    Grpc,
}

/// What a route row is keyed by.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct RouteKey {
    /// The namespace of the workload.
    pub namespace: String,
    /// The workload whose proxies reported it, as the caller names it.
    pub workload: String,
    /// Outbound or inbound.
    pub direction: Direction,
    /// HTTP or gRPC.
    pub protocol: Protocol,
    /// Outbound: the parent service and port (`name:port`); inbound: the server (`name:port`,
    /// or the name alone when the proxy gives no port).
    pub parent: String,
    /// `route_name`.
    pub route: String,
    /// `route_kind` (`default`, `HTTPRoute`, `GRPCRoute`, ...).
    pub kind: String,
}

/// Counters of one route or one backend of a route.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Counts {
    /// Completed requests (route) or responses (backend).
    pub requests: f64,
    /// Of those, failed ones.
    pub failures: f64,
    /// Of those, timed out ones.
    pub timeouts: f64,
    /// Retried requests (route only).
    pub retries: f64,
    /// Cumulative latency buckets in seconds, keyed by the bound's bits (positive floats order
    /// as their bits do), `+Inf` included.
    pub buckets: BTreeMap<u64, f64>,
}

/// The counters of one proxy (or one window): per route (`None`) and per backend of a route
/// (`Some("name:port")`).
pub type Tally = BTreeMap<(RouteKey, Option<String>), Counts>;

/// The families this view reads, by prefix; every other family is skipped unread.
const PREFIXES: [(&str, Direction, Protocol); 4] = [
    ("outbound_http_route_", Direction::Outbound, Protocol::Http),
    ("outbound_grpc_route_", Direction::Outbound, Protocol::Grpc),
    ("inbound_http_route_", Direction::Inbound, Protocol::Http),
    ("inbound_grpc_route_", Direction::Inbound, Protocol::Grpc),
];

/// Reads the route counters of one proxy of `workload` in `namespace`. Inbound rows come from
/// the `inbound_{http,grpc}_route_*` families, or, on a proxy without them, from the legacy
/// `response_total` / `response_latency_ms` grouped by their `srv_*` and `route_*` labels.
pub fn tally(target: &Target, namespace: &str, workload: &str) -> Tally {
    let mut out = Tally::new();
    let mut newer_inbound = false;
    for family in target.families() {
        let Some((prefix, direction, protocol)) = PREFIXES
            .iter()
            .find(|(p, _, _)| family.name().starts_with(p))
        else {
            continue;
        };
        newer_inbound |= *direction == Direction::Inbound;
        for sample in family.samples() {
            let Some(what) = sample.name.strip_prefix(prefix) else {
                continue;
            };
            let label = |name: &str| sample.label(name).unwrap_or_default().into_owned();
            let parent = match direction {
                Direction::Outbound => format!("{}:{}", label("parent_name"), label("parent_port")),
                Direction::Inbound => {
                    let (name, port) = match sample.label("srv_name") {
                        Some(name) => (name.into_owned(), label("srv_port")),
                        None => (label("parent_name"), label("parent_port")),
                    };
                    if port.is_empty() {
                        name
                    } else {
                        format!("{name}:{port}")
                    }
                }
            };
            let key = RouteKey {
                namespace: namespace.to_string(),
                workload: workload.to_string(),
                direction: *direction,
                protocol: *protocol,
                parent,
                route: label("route_name"),
                kind: label("route_kind"),
            };
            let backend = || {
                Some(format!(
                    "{}:{}",
                    label("backend_name"),
                    label("backend_port")
                ))
            };
            let (backend, histogram) = match what {
                "request_statuses_total" => (None, false),
                "request_duration_seconds_bucket" => (None, true),
                "backend_response_statuses_total" => (backend(), false),
                "backend_response_duration_seconds_bucket" => (backend(), true),
                "retry_requests_total" => {
                    out.entry((key, None)).or_default().retries += sample.value;
                    continue;
                }
                _ => continue,
            };
            let counts = out.entry((key, backend)).or_default();
            if histogram {
                let Some(le) = sample.label("le").and_then(|le| le.parse::<f64>().ok()) else {
                    continue;
                };
                *counts.buckets.entry(le.to_bits()).or_default() += sample.value;
                continue;
            }
            counts.requests += sample.value;
            let error = label("error");
            if failed(*protocol, &sample, &error) {
                counts.failures += sample.value;
            }
            if TIMEOUT_ERRORS.contains(&error.as_str()) {
                counts.timeouts += sample.value;
            }
        }
    }
    if !newer_inbound {
        legacy_inbound(target, namespace, workload, &mut out);
    }
    profile_routes(target, namespace, workload, &mut out);
    out
}

/// The `route_kind` of a ServiceProfile route's rows.
pub const PROFILE_KIND: &str = "ServiceProfile";

/// The route name `linkerd viz routes` gives requests no ServiceProfile route matched.
pub const PROFILE_DEFAULT_ROUTE: &str = "[DEFAULT]";

/// The ServiceProfile families the view reads (see [`LEGACY`] for the names).
const PROFILE: [&str; 2] = ["route_response", "route_response_latency_ms"];

/// ServiceProfile route rows from `route_response_total` (failure: `classification="failure"`)
/// and `route_response_latency_ms` (bounds in milliseconds), per direction, `dst` (the parent)
/// and `rt_route` ([`PROFILE_DEFAULT_ROUTE`] when no route matched).
fn profile_routes(target: &Target, namespace: &str, workload: &str, out: &mut Tally) {
    for family in target.families().filter(|f| family_is(f.name(), &PROFILE)) {
        for sample in family.samples() {
            let direction = match sample.label("direction").as_deref() {
                Some("outbound") => Direction::Outbound,
                Some("inbound") => Direction::Inbound,
                _ => continue,
            };
            let route = sample
                .label("rt_route")
                .filter(|r| !r.is_empty())
                .map_or_else(|| PROFILE_DEFAULT_ROUTE.to_string(), |r| r.into_owned());
            let key = RouteKey {
                namespace: namespace.to_string(),
                workload: workload.to_string(),
                direction,
                protocol: Protocol::Http,
                parent: sample.label("dst").unwrap_or_default().into_owned(),
                route,
                kind: PROFILE_KIND.to_string(),
            };
            add_legacy(out.entry((key, None)).or_default(), &sample);
        }
    }
}

/// Adds a sample of a legacy response family (`*response_total`, or a `*response_latency_ms`
/// bucket in milliseconds) to `counts`.
fn add_legacy(counts: &mut Counts, sample: &crate::metrics::model::SampleRef<'_>) {
    if sample.name.ends_with("response_total") {
        counts.requests += sample.value;
        if sample.label("classification").as_deref() == Some("failure") {
            counts.failures += sample.value;
        }
    } else if sample.name.ends_with("_bucket")
        && let Some(le) = sample.label("le").and_then(|le| le.parse::<f64>().ok())
    {
        *counts.buckets.entry((le / 1000.0).to_bits()).or_default() += sample.value;
    }
}

/// The legacy inbound families the fallback reads (counters by their OpenMetrics name, without
/// `_total`, as a snapshot names them; [`family_is`] accepts both).
const LEGACY: [&str; 2] = ["response", "response_latency_ms"];

/// Whether `family` is one of `names`, a counter named with or without its `_total` suffix.
fn family_is(family: &str, names: &[&str]) -> bool {
    names.contains(&family.strip_suffix("_total").unwrap_or(family))
}

/// Inbound rows from the legacy `response_total` (failure: `classification="failure"`) and
/// `response_latency_ms` (bounds in milliseconds), per server and route.
fn legacy_inbound(target: &Target, namespace: &str, workload: &str, out: &mut Tally) {
    for family in target.families().filter(|f| family_is(f.name(), &LEGACY)) {
        for sample in family.samples() {
            if sample.label("direction").as_deref() != Some("inbound") {
                continue;
            }
            let label = |name: &str| sample.label(name).unwrap_or_default().into_owned();
            let port = label("target_port");
            let server = label("srv_name");
            let key = RouteKey {
                namespace: namespace.to_string(),
                workload: workload.to_string(),
                direction: Direction::Inbound,
                protocol: Protocol::Http,
                parent: if port.is_empty() {
                    server
                } else {
                    format!("{server}:{port}")
                },
                route: label("route_name"),
                kind: label("route_kind"),
            };
            add_legacy(out.entry((key, None)).or_default(), &sample);
        }
    }
}

/// §4b's failure rule for one status sample: HTTP 5xx, a gRPC status other than OK (`OK` or
/// `0`), or any error.
fn failed(protocol: Protocol, sample: &crate::metrics::model::SampleRef<'_>, error: &str) -> bool {
    if !error.is_empty() {
        return true;
    }
    match protocol {
        Protocol::Http => sample
            .label("http_status")
            .is_some_and(|s| s.starts_with('5')),
        Protocol::Grpc => sample
            .label("grpc_status")
            .is_some_and(|s| !s.is_empty() && s != "OK" && s != "0"),
    }
}

/// The increase of each counter from `before` to `after` (the same proxy); a counter that went
/// down restarted from zero, so its increase is its value after.
pub fn delta(before: Option<&Tally>, after: &Tally) -> Tally {
    let Some(before) = before else {
        return after.clone();
    };
    let increase = |b: f64, a: f64| if a >= b { a - b } else { a };
    after
        .iter()
        .map(|(key, a)| {
            let Some(b) = before.get(key) else {
                return (key.clone(), a.clone());
            };
            let buckets = a
                .buckets
                .iter()
                .map(|(le, v)| (*le, increase(b.buckets.get(le).copied().unwrap_or(0.0), *v)))
                .collect();
            let counts = Counts {
                requests: increase(b.requests, a.requests),
                failures: increase(b.failures, a.failures),
                timeouts: increase(b.timeouts, a.timeouts),
                retries: increase(b.retries, a.retries),
                buckets,
            };
            (key.clone(), counts)
        })
        .collect()
}

/// A latency percentile: exact (interpolated inside a bucket), or only a bound when it falls
/// in the top finite bucket (`above` its lower bound) or beyond it (`above` the top bound).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Percentile {
    /// Milliseconds: the value, or the bound it is above.
    pub ms: f64,
    /// Whether `ms` is a lower bound, not a value.
    pub above: bool,
}

/// The numbers of one route or backend row; every one is `None` when the window saw no request.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Stats {
    /// Requests (route) or responses (backend) in the window.
    pub requests: f64,
    /// Share of them that did not fail.
    pub success: Option<f64>,
    /// Requests per second (`None` also without a window).
    pub rps: Option<f64>,
    /// Latency median.
    pub latency_p50: Option<Percentile>,
    /// Latency 95th percentile.
    pub latency_p95: Option<Percentile>,
    /// Latency 99th percentile.
    pub latency_p99: Option<Percentile>,
    /// Share of requests that timed out.
    pub timeouts: Option<f64>,
    /// Retries / (requests + retries); routes only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retries: Option<f64>,
}

/// One backend of a route.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BackendRow {
    /// `name:port`.
    pub backend: String,
    /// Its numbers.
    #[serde(flatten)]
    pub stats: Stats,
}

/// One route, with its backends (outbound).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RouteRow {
    /// Workload, direction, parent, route and kind.
    #[serde(flatten)]
    pub key: RouteKey,
    /// Its numbers.
    #[serde(flatten)]
    pub stats: Stats,
    /// Its backends, by name.
    pub backends: Vec<BackendRow>,
}

/// Sums the windows of every proxy (from [`delta`]) and computes the rows, sorted by key;
/// rates divide by `window_secs` (`None`: counters since start, no rates).
pub fn rows(windows: impl IntoIterator<Item = Tally>, window_secs: Option<f64>) -> Vec<RouteRow> {
    let mut sum = Tally::new();
    for window in windows {
        for (key, counts) in window {
            let s = sum.entry(key).or_default();
            s.requests += counts.requests;
            s.failures += counts.failures;
            s.timeouts += counts.timeouts;
            s.retries += counts.retries;
            for (le, v) in counts.buckets {
                *s.buckets.entry(le).or_default() += v;
            }
        }
    }
    let mut routes: BTreeMap<RouteKey, (Counts, Vec<(String, Counts)>)> = BTreeMap::new();
    for ((key, backend), counts) in sum {
        let entry = routes.entry(key).or_default();
        match backend {
            None => entry.0 = counts,
            Some(name) => entry.1.push((name, counts)),
        }
    }
    routes
        .into_iter()
        .map(|(key, (route, backends))| {
            // The route's histogram may be coarser than its backends' (4 buckets against 7 on
            // today's proxies): then the backends' finer one, summed, gives the route's latency.
            let mut backend_buckets: BTreeMap<u64, f64> = BTreeMap::new();
            for (_, b) in &backends {
                for (le, v) in &b.buckets {
                    *backend_buckets.entry(*le).or_default() += v;
                }
            }
            let latency = if route.buckets.len() < backend_buckets.len() {
                &backend_buckets
            } else {
                &route.buckets
            };
            let mut stats = numbers(&route, latency, window_secs);
            let attempts = route.requests + route.retries;
            stats.retries = (key.direction == Direction::Outbound && attempts > 0.0)
                .then(|| route.retries / attempts);
            RouteRow {
                key,
                stats,
                backends: backends
                    .iter()
                    .map(|(name, b)| BackendRow {
                        backend: name.clone(),
                        stats: numbers(b, &b.buckets, window_secs),
                    })
                    .collect(),
            }
        })
        .collect()
}

/// The numbers of `counts`, with latency from `buckets`.
fn numbers(counts: &Counts, buckets: &BTreeMap<u64, f64>, window_secs: Option<f64>) -> Stats {
    if counts.requests <= 0.0 {
        return Stats::default();
    }
    let buckets: Vec<Bucket> = buckets
        .iter()
        .map(|(le, count)| Bucket {
            upper_bound: f64::from_bits(*le),
            count: *count,
        })
        .collect();
    Stats {
        requests: counts.requests,
        success: Some(1.0 - counts.failures / counts.requests),
        rps: window_secs
            .filter(|w| *w > 0.0)
            .map(|w| counts.requests / w),
        latency_p50: percentile(0.5, &buckets),
        latency_p95: percentile(0.95, &buckets),
        latency_p99: percentile(0.99, &buckets),
        timeouts: Some(counts.timeouts / counts.requests),
        retries: None,
    }
}

/// The `q` percentile of cumulative `buckets` (sorted by bound, `+Inf` last), marked as a bound
/// when its rank falls in the top finite bucket or the `+Inf` one; `None` without observations.
pub fn percentile(q: f64, buckets: &[Bucket]) -> Option<Percentile> {
    let total = buckets
        .last()
        .filter(|b| b.upper_bound.is_infinite())?
        .count;
    if total <= 0.0 {
        return None;
    }
    let finite = buckets.len() - 1;
    let rank = q * total;
    let at = buckets
        .iter()
        .position(|b| b.count >= rank)
        .unwrap_or(finite);
    let bound = |i: usize| buckets.get(i).map_or(0.0, |b| b.upper_bound * 1000.0);
    if at == finite {
        return Some(Percentile {
            ms: bound(finite.wrapping_sub(1)),
            above: true,
        });
    }
    if at + 1 == finite {
        return Some(Percentile {
            ms: at.checked_sub(1).map_or(0.0, bound),
            above: true,
        });
    }
    let value = histogram_quantile(q, buckets);
    value.is_finite().then_some(Percentile {
        ms: value * 1000.0,
        above: false,
    })
}

#[cfg(test)]
mod tests;
