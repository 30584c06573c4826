//! The order of a proxy body's parts ([`LAYOUT`]) and, for each, its header and which series
//! it has samples for.

use std::fmt::Write;

use super::legacy::{self, ProfileFamily, TCP_FAMILIES};
use super::openmetrics::RouteFamily;
use super::policy;
use super::{Clock, HttpSeries, ProxyModel, header};
use crate::traffic::count;

/// Which series a per-series part has a sample (or samples) for.
#[derive(Debug, Clone, Copy)]
pub(super) enum Over {
    /// Inbound then outbound series.
    All,
    /// Inbound series.
    Inbound,
    /// Inbound series of one protocol (`true`: gRPC).
    InboundRoutes(bool),
    /// Outbound route series of one protocol (`true`: gRPC).
    Routes(bool),
    /// Outbound route series that match a ServiceProfile route.
    Profiles,
}

impl ProxyModel {
    /// Series `i` of `over` (inbound series come before outbound ones in [`Over::All`]).
    pub(super) fn series(&self, over: Over, i: usize) -> Option<&HttpSeries> {
        match over {
            Over::All => self
                .inbound
                .get(i)
                .or_else(|| self.outbound.get(i.checked_sub(self.inbound.len())?)),
            Over::Inbound => self.inbound.get(i),
            Over::InboundRoutes(grpc) => self.inbound.iter().filter(|s| s.grpc == grpc).nth(i),
            Over::Routes(grpc) => self
                .outbound_routes
                .iter()
                .filter(|s| s.grpc == grpc)
                .nth(i),
            Over::Profiles => self
                .outbound_routes
                .iter()
                .filter(|s| s.profile_labels.is_some())
                .nth(i),
        }
    }
}

/// One part of a body, in body order ([`LAYOUT`]).
#[derive(Debug, Clone, Copy)]
pub(super) enum Part {
    Requests,
    Latency,
    Responses,
    /// Index into [`TCP_FAMILIES`].
    Tcp(usize),
    Control,
    Authz,
    /// `inbound_http_authz_deny_total`, rendered only under the `deny` fault.
    Deny,
    /// TCP authorization and route-not-found counters, rendered only for a model with them.
    Policy,
    /// ServiceProfile route families, rendered only for a proxy with profile routes.
    Profile(ProfileFamily),
    /// A route family of one protocol (`true`: gRPC).
    Route(RouteFamily, bool),
    /// `outbound_http_balancer_endpoints`, rendered only under the `noendpoints` fault.
    Endpoints,
    Padding,
    Tail,
}

const fn routes(grpc: bool) -> [Part; 7] {
    [
        Part::Route(RouteFamily::OutboundDuration, grpc),
        Part::Route(RouteFamily::OutboundStatuses, grpc),
        Part::Route(RouteFamily::Retries, grpc),
        Part::Route(RouteFamily::BackendDuration, grpc),
        Part::Route(RouteFamily::BackendStatuses, grpc),
        Part::Route(RouteFamily::InboundDuration, grpc),
        Part::Route(RouteFamily::InboundStatuses, grpc),
    ]
}

const HTTP_ROUTES: [Part; 7] = routes(false);
const GRPC_ROUTES: [Part; 7] = routes(true);

pub(super) const LAYOUT: [Part; 32] = [
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
    Part::Policy,
    Part::Profile(ProfileFamily::Requests),
    Part::Profile(ProfileFamily::Latency),
    Part::Profile(ProfileFamily::Responses),
    HTTP_ROUTES[0],
    HTTP_ROUTES[1],
    HTTP_ROUTES[2],
    HTTP_ROUTES[3],
    HTTP_ROUTES[4],
    HTTP_ROUTES[5],
    HTTP_ROUTES[6],
    GRPC_ROUTES[0],
    GRPC_ROUTES[1],
    GRPC_ROUTES[2],
    GRPC_ROUTES[3],
    GRPC_ROUTES[4],
    GRPC_ROUTES[5],
    GRPC_ROUTES[6],
    Part::Endpoints,
    Part::Padding,
    Part::Tail,
];

/// Where [`Part::Padding`] is in [`LAYOUT`].
pub(super) const PADDING_AT: usize = 30;

impl Part {
    /// The series a per-series part iterates over (`None` for whole parts).
    pub(super) fn over(self) -> Option<Over> {
        match self {
            Part::Requests | Part::Latency | Part::Responses | Part::Tcp(_) => Some(Over::All),
            Part::Authz => Some(Over::Inbound),
            Part::Profile(_) => Some(Over::Profiles),
            Part::Route(f, grpc) => Some(if f.inbound() {
                Over::InboundRoutes(grpc)
            } else {
                Over::Routes(grpc)
            }),
            Part::Control
            | Part::Deny
            | Part::Policy
            | Part::Endpoints
            | Part::Padding
            | Part::Tail => None,
        }
    }

    /// Whether the part's header is written without any series (as the OpenMetrics families
    /// of a proxy are), rather than only before its first sample (as the legacy ones are).
    pub(super) fn header_when_empty(self) -> bool {
        !matches!(self, Part::Profile(_))
    }

    pub(super) fn header(self, out: &mut String) {
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
            Part::Profile(f) => f.header(out),
            Part::Route(f, grpc) => f.header(grpc, out),
            Part::Control
            | Part::Deny
            | Part::Policy
            | Part::Endpoints
            | Part::Padding
            | Part::Tail => {}
        }
    }

    /// The samples of series `s` in this part.
    pub(super) fn series(self, s: &HttpSeries, clock: Clock, out: &mut String) {
        match self {
            Part::Requests => {
                let _ = writeln!(
                    out,
                    "request_total{{{}}} {}",
                    s.labels,
                    count(s.rate, clock.uptime)
                );
            }
            Part::Latency => legacy::latency("response_latency_ms", &s.labels, s, clock, out),
            Part::Responses => legacy::responses("response_total", &s.labels, s, clock, out),
            Part::Tcp(i) => legacy::tcp(TCP_FAMILIES[i].0, s, clock, out),
            Part::Authz => policy::allowed(s, clock, out),
            Part::Profile(f) => f.series(s, clock, out),
            Part::Route(f, grpc) => f.series(grpc, s, clock, out),
            Part::Control
            | Part::Deny
            | Part::Policy
            | Part::Endpoints
            | Part::Padding
            | Part::Tail => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn padding_is_where_the_body_expects_it() {
        assert!(matches!(LAYOUT[PADDING_AT], Part::Padding));
    }
}
