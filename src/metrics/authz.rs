//! `authz`'s numbers: allowed and denied requests (TCP: connections) per second, and the denied
//! share, per inbound server, route and authorization, from the proxies' authorization counters
//! (`inbound_http_authz_allow_total`, `inbound_http_authz_deny_total`,
//! `inbound_http_route_not_found_total`, `inbound_tcp_authz_{allow,deny,terminate}_total`).
//!
//! Each scrape of a proxy is reduced at once to [`ProxyCounts`] (its counters summed per server,
//! route, authorization and outcome), so the bodies are not held. [`rows`] turns one or two
//! reductions of every proxy into per-workload rows: increases over the window (from zero after a
//! restart, as Prometheus' `increase()` does), or since proxy start without a first scrape.
//! A row is one (server, route) of a workload, with the allowed rate split by the authorizations
//! that allowed it; a request no route matched is a denial of the server with no route.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::metrics::model::{SampleRef, Target};

/// HTTP requests or TCP connections.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Protocol {
    /// Requests, per server and route.
    Http,
    /// Connections, per server.
    Tcp,
}

/// What a counter counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum Outcome {
    Allowed,
    Denied,
    RouteNotFound,
}

/// The protocol and outcome a family counts, by sample name (`_total` optional).
fn outcome_of(name: &str) -> Option<(Protocol, Outcome)> {
    Some(match name.strip_suffix("_total").unwrap_or(name) {
        "inbound_http_authz_allow" => (Protocol::Http, Outcome::Allowed),
        "inbound_http_authz_deny" => (Protocol::Http, Outcome::Denied),
        "inbound_http_route_not_found" => (Protocol::Http, Outcome::RouteNotFound),
        "inbound_tcp_authz_allow" => (Protocol::Tcp, Outcome::Allowed),
        // A connection closed because a policy change no longer allows it is denied too.
        "inbound_tcp_authz_deny" | "inbound_tcp_authz_terminate" => {
            (Protocol::Tcp, Outcome::Denied)
        }
        _ => return None,
    })
}

/// Where a counter sample belongs.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
struct Key {
    protocol: Protocol,
    server: String,
    route: Option<String>,
    outcome: Outcome,
    authorization: Option<String>,
}

/// `kind/name` from the labels `{prefix}_kind` and `{prefix}_name` (the kind alone when the name
/// is missing; `None` when both are).
fn kind_name(s: &SampleRef<'_>, prefix: &str, default_kind: &str) -> Option<String> {
    let name = s.label(&format!("{prefix}_name"))?;
    let kind = s
        .label(&format!("{prefix}_kind"))
        .filter(|k| !k.is_empty())
        .map_or_else(|| default_kind.to_string(), |k| k.into_owned());
    Some(format!("{kind}/{name}"))
}

fn key_of(s: &SampleRef<'_>, protocol: Protocol, outcome: Outcome) -> Key {
    let route = match (protocol, outcome) {
        (Protocol::Http, Outcome::Allowed | Outcome::Denied) => kind_name(s, "route", "route"),
        _ => None,
    };
    let authorization = match outcome {
        // Older proxies name a ServerAuthorization in `saz_name`.
        Outcome::Allowed => kind_name(s, "authz", "authorization").or_else(|| {
            s.label("saz_name")
                .map(|n| format!("serverauthorization/{n}"))
        }),
        _ => None,
    };
    Key {
        protocol,
        server: kind_name(s, "srv", "server").unwrap_or_else(|| "-".into()),
        route,
        outcome,
        authorization,
    }
}

/// One proxy's authorization counters from one scrape, summed per server, route, authorization
/// and outcome (the other labels, such as the client identity, are summed over).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ProxyCounts {
    /// Namespace of the pod.
    pub namespace: String,
    /// The pod's workload as the rows name it.
    pub workload: String,
    /// `namespace/pod`.
    pub pod: String,
    scrape_time_ms: Option<i64>,
    process_start_secs: Option<f64>,
    counts: BTreeMap<Key, f64>,
}

impl ProxyCounts {
    /// Reduces `target` (a scrape with its time) of pod `pod` of `workload` in `namespace`.
    pub fn of(namespace: &str, workload: &str, pod: &str, target: &Target) -> Self {
        let mut counts: BTreeMap<Key, f64> = BTreeMap::new();
        let mut process_start_secs = None;
        for (_, s) in target.samples() {
            if s.name == "process_start_time_seconds" {
                process_start_secs = Some(s.value);
                continue;
            }
            if let Some((protocol, outcome)) = outcome_of(s.name) {
                *counts.entry(key_of(&s, protocol, outcome)).or_default() += s.value;
            }
        }
        ProxyCounts {
            namespace: namespace.into(),
            workload: workload.into(),
            pod: pod.into(),
            scrape_time_ms: target.scrape_time_ms,
            process_start_secs,
            counts,
        }
    }

    /// The seconds the counts cover and their increases: since `before` (from zero for a
    /// counter that went down, or all of them when the process restarted), else since the
    /// process started. `None` when the span is unknown or not positive.
    fn increases(&self, before: Option<&ProxyCounts>) -> Option<(f64, BTreeMap<&Key, f64>)> {
        let now = self.scrape_time_ms? as f64 / 1000.0;
        let (seconds, base) = match before {
            Some(b) => {
                let restarted = b.process_start_secs != self.process_start_secs;
                (
                    now - b.scrape_time_ms? as f64 / 1000.0,
                    (!restarted).then_some(&b.counts),
                )
            }
            None => (now - self.process_start_secs?, None),
        };
        if seconds <= 0.0 {
            return None;
        }
        let increases = self
            .counts
            .iter()
            .map(|(key, &value)| {
                let earlier = base.and_then(|b| b.get(key)).copied().unwrap_or(0.0);
                (
                    key,
                    if value < earlier {
                        value
                    } else {
                        value - earlier
                    },
                )
            })
            .collect();
        Some((seconds, increases))
    }
}

/// An authorization's share of a row.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AuthorizationRate {
    /// `kind/name` of the authorization (`default/all-unauthenticated`,
    /// `authorizationpolicy/web-policy`).
    pub authorization: String,
    /// Requests (TCP: connections) it allowed per second.
    pub allowed_per_sec: f64,
}

/// One inbound server and route of a workload.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Row {
    /// Namespace.
    pub namespace: String,
    /// Workload (`deployment/web`; `pod/NAME` for a bare pod).
    pub workload: String,
    /// HTTP requests or TCP connections.
    pub protocol: Protocol,
    /// `kind/name` of the server (`default/all-unauthenticated`, `server/web-http`).
    pub server: String,
    /// `kind/name` of the route; `None` for TCP, and for requests no route matched.
    pub route: Option<String>,
    /// Allowed per second, by authorization.
    pub authorizations: Vec<AuthorizationRate>,
    /// Allowed per second.
    pub allowed_per_sec: f64,
    /// Denied per second (no authorization allowed it, or no route matched it).
    pub denied_per_sec: f64,
    /// Denied over allowed and denied; `None` when there was neither.
    pub denied_share: Option<f64>,
    /// Allowed in the window (or since proxy start), summed over the pods.
    pub allowed: f64,
    /// Denied in the window (or since proxy start), summed over the pods.
    pub denied: f64,
}

/// What [`rows`] gives: the rows, sorted by namespace, workload, protocol, server and route,
/// and the pods whose span was unknown (no scrape time or process start), left out.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Rows {
    /// The rows.
    pub rows: Vec<Row>,
    /// `namespace/pod` of each proxy left out.
    pub skipped: Vec<String>,
}

/// The rows of `after`, each proxy's rates over the window since its entry in `before` (matched
/// by pod), or since its process started when `before` is `None` or lacks it.
pub fn rows(before: Option<&[ProxyCounts]>, after: &[ProxyCounts]) -> Rows {
    type RowKey = (String, String, Protocol, String, Option<String>);
    let mut grouped: BTreeMap<RowKey, (Row, BTreeMap<String, f64>)> = BTreeMap::new();
    let mut skipped = Vec::new();
    for proxy in after {
        let earlier = before.and_then(|b| b.iter().find(|p| p.pod == proxy.pod));
        if before.is_some() && earlier.is_none() {
            // Not in the first scrape: it has no window.
            skipped.push(proxy.pod.clone());
            continue;
        }
        let Some((seconds, increases)) = proxy.increases(earlier) else {
            skipped.push(proxy.pod.clone());
            continue;
        };
        for (key, increase) in increases {
            let row_key = (
                proxy.namespace.clone(),
                proxy.workload.clone(),
                key.protocol,
                key.server.clone(),
                key.route.clone(),
            );
            let (row, by_authz) = grouped.entry(row_key).or_insert_with(|| {
                (
                    Row {
                        namespace: proxy.namespace.clone(),
                        workload: proxy.workload.clone(),
                        protocol: key.protocol,
                        server: key.server.clone(),
                        route: key.route.clone(),
                        authorizations: Vec::new(),
                        allowed_per_sec: 0.0,
                        denied_per_sec: 0.0,
                        denied_share: None,
                        allowed: 0.0,
                        denied: 0.0,
                    },
                    BTreeMap::new(),
                )
            });
            let rate = increase / seconds;
            match key.outcome {
                Outcome::Allowed => {
                    row.allowed += increase;
                    row.allowed_per_sec += rate;
                    *by_authz
                        .entry(key.authorization.clone().unwrap_or_else(|| "-".into()))
                        .or_default() += rate;
                }
                Outcome::Denied | Outcome::RouteNotFound => {
                    row.denied += increase;
                    row.denied_per_sec += rate;
                }
            }
        }
    }
    let rows = grouped
        .into_values()
        .map(|(mut row, by_authz)| {
            let total = row.allowed + row.denied;
            row.denied_share = (total > 0.0).then(|| row.denied / total);
            row.authorizations = by_authz
                .into_iter()
                .map(|(authorization, allowed_per_sec)| AuthorizationRate {
                    authorization,
                    allowed_per_sec,
                })
                .collect();
            row
        })
        .collect();
    Rows { rows, skipped }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::model::Labels;

    const SERVER: &str = r#"srv_group="policy.linkerd.io",srv_kind="server",srv_name="web-http""#;

    fn target(body: &str, at_secs: i64) -> Target {
        Target::parse(body.to_string(), Labels::default(), Some(at_secs * 1000)).expect("parses")
    }

    fn body(allow_a: u64, allow_b: u64, deny: u64, not_found: u64, start: u64) -> String {
        format!(
            "# TYPE process_start_time_seconds gauge\n\
             process_start_time_seconds {start}\n\
             # TYPE inbound_http_authz_allow_total counter\n\
             inbound_http_authz_allow_total{{target_addr=\"10.0.0.1:8080\",{SERVER},route_group=\"\",route_kind=\"default\",route_name=\"default\",authz_group=\"policy.linkerd.io\",authz_kind=\"authorizationpolicy\",authz_name=\"web-a\",tls=\"true\",client_id=\"a\"}} {allow_a}\n\
             inbound_http_authz_allow_total{{target_addr=\"10.0.0.1:8080\",{SERVER},route_group=\"\",route_kind=\"default\",route_name=\"default\",authz_group=\"policy.linkerd.io\",authz_kind=\"authorizationpolicy\",authz_name=\"web-b\",tls=\"true\",client_id=\"b\"}} {allow_b}\n\
             # TYPE inbound_http_authz_deny_total counter\n\
             inbound_http_authz_deny_total{{target_addr=\"10.0.0.1:8080\",{SERVER},route_group=\"\",route_kind=\"default\",route_name=\"default\",tls=\"true\",client_id=\"c\"}} {deny}\n\
             # TYPE inbound_http_route_not_found_total counter\n\
             inbound_http_route_not_found_total{{target_addr=\"10.0.0.1:8080\",{SERVER},tls=\"true\"}} {not_found}\n\
             # TYPE inbound_tcp_authz_allow_total counter\n\
             inbound_tcp_authz_allow_total{{target_addr=\"10.0.0.1:6379\",srv_kind=\"server\",srv_name=\"redis\",authz_kind=\"serverauthorization\",authz_name=\"redis\",tls=\"true\"}} 4\n"
        )
    }

    fn counts(body: &str, at_secs: i64) -> ProxyCounts {
        ProxyCounts::of(
            "emojivoto",
            "deployment/web",
            "emojivoto/web-1",
            &target(body, at_secs),
        )
    }

    #[test]
    fn a_window_gives_rates_per_route_split_by_authorization() {
        let before = [counts(&body(100, 10, 0, 5, 1000), 2000)];
        let after = [counts(&body(160, 30, 20, 5, 1000), 2010)];
        let Rows { rows, skipped } = rows(Some(&before), &after);
        assert!(skipped.is_empty());
        assert_eq!(rows.len(), 3, "{rows:#?}");
        // Sorted by server then route: no route first.
        let route = &rows[1];
        assert_eq!(route.protocol, Protocol::Http);
        assert_eq!(route.server, "server/web-http");
        assert_eq!(route.route.as_deref(), Some("default/default"));
        assert_eq!(route.allowed_per_sec, 8.0);
        assert_eq!(route.denied_per_sec, 2.0);
        assert_eq!(route.denied_share, Some(0.2));
        assert_eq!(
            route.authorizations,
            [
                AuthorizationRate {
                    authorization: "authorizationpolicy/web-a".into(),
                    allowed_per_sec: 6.0
                },
                AuthorizationRate {
                    authorization: "authorizationpolicy/web-b".into(),
                    allowed_per_sec: 2.0
                },
            ]
        );
        // No route matched: denied on the server; none in the window, so no share.
        let not_found = &rows[0];
        assert_eq!(not_found.route, None);
        assert_eq!((not_found.allowed, not_found.denied), (0.0, 0.0));
        assert_eq!(not_found.denied_share, None);
        let tcp = &rows[2];
        assert_eq!(tcp.protocol, Protocol::Tcp);
        assert_eq!(tcp.server, "server/redis");
        assert_eq!(tcp.allowed_per_sec, 0.0);
    }

    #[test]
    fn without_a_first_scrape_rates_are_since_process_start() {
        let after = [counts(&body(60, 20, 10, 10, 1000), 1010)];
        let rows = rows(None, &after).rows;
        assert_eq!(rows[1].allowed_per_sec, 8.0);
        assert_eq!(rows[1].denied_per_sec, 1.0);
        assert_eq!(rows[0].denied_per_sec, 1.0);
        assert_eq!(rows[0].denied_share, Some(1.0));
        assert_eq!(rows[2].allowed_per_sec, 0.4);
    }

    #[test]
    fn a_restart_counts_from_zero() {
        let before = [counts(&body(600, 200, 100, 10, 1000), 2000)];
        let after = [counts(&body(60, 20, 10, 10, 1995), 2010)];
        let rows = rows(Some(&before), &after).rows;
        assert_eq!(rows[1].allowed, 80.0);
        assert_eq!(rows[1].denied, 10.0);
        assert_eq!(rows[0].denied, 10.0);
    }

    #[test]
    fn a_proxy_without_a_span_is_skipped_and_named() {
        let no_start =
            "# TYPE inbound_http_authz_deny_total counter\ninbound_http_authz_deny_total 3\n";
        let after = [counts(no_start, 1010)];
        let out = rows(None, &after);
        assert!(out.rows.is_empty());
        assert_eq!(out.skipped, ["emojivoto/web-1"]);
        // Missing from the first scrape: no window either.
        let out = rows(Some(&[]), &[counts(&body(1, 1, 1, 1, 1000), 1010)]);
        assert_eq!(out.skipped, ["emojivoto/web-1"]);
    }
}
