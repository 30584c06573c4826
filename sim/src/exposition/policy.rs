//! The inbound authorization families: `inbound_http_authz_allow_total` per inbound series,
//! `inbound_http_authz_deny_total` under the `deny` fault, and a workload's TCP authorization
//! and route-not-found counters ([`PolicySeries`]).

use std::fmt::Write;

use super::{Clock, DENIED_SHARE, HttpSeries, ProxyModel, header};
use crate::traffic::count;

/// A proxy's authorization outcomes beyond its HTTP requests, as one inbound server counts them.
#[derive(Debug, Clone, PartialEq)]
pub struct PolicySeries {
    /// The target and server labels (`target_addr`, ..., `srv_name`), without braces.
    pub server_labels: String,
    /// The authorization labels of allowed connections (`authz_group`, ...), without braces.
    pub authz_labels: String,
    /// The TLS labels of the client (`tls`, `client_id`), without braces.
    pub client_labels: String,
    /// TCP connections authorized per second.
    pub tcp_allowed: f64,
    /// TCP connections denied per second.
    pub tcp_denied: f64,
    /// HTTP requests per second that no route matched.
    pub route_not_found: f64,
}

/// `inbound_http_authz_allow_total`'s sample for inbound series `s`.
pub(super) fn allowed(s: &HttpSeries, clock: Clock, out: &mut String) {
    let _ = writeln!(
        out,
        "inbound_http_authz_allow_total{{{}}} {}",
        s.authz_labels,
        count(s.rate, clock.uptime)
    );
}

/// `inbound_http_authz_deny_total`, one sample per inbound series, when the model denies.
pub(super) fn denied(model: &ProxyModel, clock: Clock, out: &mut String) {
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

/// The TCP authorization and route-not-found families of the model's [`PolicySeries`], each
/// only when it has a sample, as a proxy writes them.
pub(super) fn tcp_and_not_found(model: &ProxyModel, clock: Clock, out: &mut String) {
    let Some(p) = &model.policy else {
        return;
    };
    let families = [
        (
            "inbound_http_route_not_found_total",
            "The total number of inbound HTTP requests that could not be associated with a route",
            p.route_not_found,
            false,
        ),
        (
            "inbound_tcp_authz_allow_total",
            "The total number of inbound TCP connections that were authorized",
            p.tcp_allowed,
            true,
        ),
        (
            "inbound_tcp_authz_deny_total",
            "The total number of inbound TCP connections that were denied",
            p.tcp_denied,
            false,
        ),
    ];
    for (name, help, rate, with_authz) in families {
        if rate <= 0.0 {
            continue;
        }
        header(out, name, help, "counter", None);
        let authz = if with_authz {
            format!(",{}", p.authz_labels)
        } else {
            String::new()
        };
        let _ = writeln!(
            out,
            "{name}{{{}{authz},{}}} {}",
            p.server_labels,
            p.client_labels,
            count(rate, clock.uptime)
        );
    }
}
