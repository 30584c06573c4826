//! The legacy (Prometheus-text) families of a proxy body: requests, response latencies and
//! responses per series, the `tcp_*` families, the control-plane client families, and the
//! ServiceProfile `route_*` families.

use std::fmt::Write;
use std::sync::LazyLock;

use super::{Clock, HttpSeries, header, split};
use crate::traffic::{HistogramValues, LATENCY_BOUNDS_MS, count};

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
pub(super) const LATENCY_LE: [&str; 26] = [
    "1", "2", "3", "4", "5", "10", "20", "30", "40", "50", "100", "200", "300", "400", "500",
    "1000", "2000", "3000", "4000", "5000", "10000", "20000", "30000", "40000", "50000", "100000",
];

/// The `tcp_*` families: name, help, type.
pub(super) const TCP_FAMILIES: [(&str, &str, &str); 5] = [
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

/// The gRPC status a failed gRPC call ends with (UNAVAILABLE), as the legacy families write it.
const GRPC_FAILED_CODE: &str = "14";

/// The `response_total` samples of `s` (named `name`, with the labels `labels`): successes and
/// failures; a gRPC call's failure is a 200 with a failing `grpc_status`.
pub(super) fn responses(name: &str, labels: &str, s: &HttpSeries, clock: Clock, out: &mut String) {
    let sp = split(s, clock.uptime);
    let (ok, failed) = if s.grpc {
        (
            "status_code=\"200\",classification=\"success\",grpc_status=\"0\",error=\"\""
                .to_string(),
            format!(
                "status_code=\"200\",classification=\"failure\",grpc_status=\"{GRPC_FAILED_CODE}\",error=\"\""
            ),
        )
    } else {
        (
            "status_code=\"200\",classification=\"success\",error=\"\"".to_string(),
            "status_code=\"500\",classification=\"failure\",error=\"\"".to_string(),
        )
    };
    let _ = writeln!(out, "{name}{{{labels},{ok}}} {}", sp.ok);
    if sp.failed > 0 {
        let _ = writeln!(out, "{name}{{{labels},{failed}}} {}", sp.failed);
    }
}

/// The `response_latency_ms`-style histogram `name` of `s` with the labels `labels`, one per
/// status code (a gRPC call answers 200 whether it failed or not).
pub(super) fn latency(name: &str, labels: &str, s: &HttpSeries, clock: Clock, out: &mut String) {
    let sp = split(s, clock.uptime);
    let codes = if s.grpc {
        [("200", sp.ok + sp.failed), ("500", 0)]
    } else {
        [("200", sp.ok), ("500", sp.failed)]
    };
    for (code, n) in codes {
        if n == 0 && code == "500" {
            continue;
        }
        let h = HistogramValues::of(&s.latency, n);
        for (le, c) in LATENCY_LE.iter().zip(h.buckets) {
            let _ = writeln!(
                out,
                "{name}_bucket{{{labels},status_code=\"{code}\",le=\"{le}\"}} {c}"
            );
        }
        let _ = writeln!(
            out,
            "{name}_bucket{{{labels},status_code=\"{code}\",le=\"+Inf\"}} {n}"
        );
        let _ = writeln!(out, "{name}_count{{{labels},status_code=\"{code}\"}} {n}");
        let _ = writeln!(
            out,
            "{name}_sum{{{labels},status_code=\"{code}\"}} {}",
            h.sum_ms.floor() as u64
        );
    }
}

/// The `tcp_*` sample `name` of `s`: one open connection, bytes following its requests.
pub(super) fn tcp(name: &str, s: &HttpSeries, clock: Clock, out: &mut String) {
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

/// The ServiceProfile route families, each with a sample (or samples) per outbound route
/// series that matches a profile route; a proxy writes them only when it has such routes.
#[derive(Debug, Clone, Copy)]
pub(super) enum ProfileFamily {
    Requests,
    Latency,
    Responses,
}

impl ProfileFamily {
    pub(super) fn header(self, out: &mut String) {
        match self {
            ProfileFamily::Requests => header(
                out,
                "route_request_total",
                "Total count of HTTP requests.",
                "counter",
                None,
            ),
            ProfileFamily::Latency => header(
                out,
                "route_response_latency_ms",
                "Elapsed times between a request's headers being received and its response stream completing",
                "histogram",
                None,
            ),
            ProfileFamily::Responses => header(
                out,
                "route_response_total",
                "Total count of HTTP responses.",
                "counter",
                None,
            ),
        }
    }

    pub(super) fn series(self, s: &HttpSeries, clock: Clock, out: &mut String) {
        let Some(labels) = &s.profile_labels else {
            return;
        };
        match self {
            ProfileFamily::Requests => {
                let _ = writeln!(
                    out,
                    "route_request_total{{{labels}}} {}",
                    count(s.rate, clock.uptime)
                );
            }
            ProfileFamily::Latency => latency("route_response_latency_ms", labels, s, clock, out),
            ProfileFamily::Responses => responses("route_response_total", labels, s, clock, out),
        }
    }
}

/// The control-plane families: constant, so rendered once per process.
pub(super) static CONTROL: LazyLock<String> = LazyLock::new(|| {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn le_labels_print_the_bounds() {
        for (bound, le) in LATENCY_BOUNDS_MS.iter().zip(LATENCY_LE) {
            assert_eq!(format!("{bound}"), le);
        }
    }
}
