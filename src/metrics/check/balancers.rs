//! `linkerd-traffic`: outbound services without ready endpoints, or shedding load
//! (`LOAD_SHED`/`FAIL_FAST`).

use std::collections::{BTreeMap, BTreeSet};

use super::scrapes::Pair;
use super::text::{listed, pod_name, proxies, since};
use super::{Finding, Outcome, Proxy};
use crate::metrics::model::SampleRef;

/// The balancer endpoint gauges (`outbound_http_balancer_endpoints`, `outbound_grpc_...`).
pub(super) fn balancer_family(name: &str) -> bool {
    name.starts_with("outbound_") && name.ends_with("_balancer_endpoints")
}

/// `parent_name.parent_namespace:parent_port`, or the backend's, naming a balancer's service.
fn service_of(s: &SampleRef<'_>) -> String {
    let label = |n: &str| s.label(n).map(|v| v.into_owned()).unwrap_or_default();
    for side in ["backend", "parent"] {
        let name = label(&format!("{side}_name"));
        if !name.is_empty() {
            return format!(
                "{name}.{}:{}",
                label(&format!("{side}_namespace")),
                label(&format!("{side}_port"))
            );
        }
    }
    "?".to_string()
}

pub(super) fn endpoints(after: &[Proxy]) -> Vec<Finding> {
    // service -> the pods whose balancer for it has no ready endpoint
    let mut empty: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for proxy in after {
        for f in proxy
            .target
            .families()
            .filter(|f| balancer_family(f.name()))
        {
            for s in f.samples() {
                if s.label("endpoint_state").as_deref() == Some("ready") && s.value <= 0.0 {
                    empty
                        .entry(service_of(&s))
                        .or_default()
                        .insert(pod_name(&proxy.key));
                }
            }
        }
    }
    if empty.is_empty() {
        return vec![Finding::ok("every outbound service has ready endpoints")];
    }
    empty
        .into_iter()
        .map(|(service, pods)| {
            let pods: Vec<String> = pods.into_iter().collect();
            Finding::bad(
                Outcome::Error,
                format!(
                    "{service} has no ready endpoints for {}: {}",
                    proxies(pods.len()),
                    listed(&pods)
                ),
                "check the service's pods are ready and its endpoints exist (kubectl get endpointslices -l kubernetes.io/service-name=NAME)".to_string(),
                pods,
            )
        })
        .collect()
}

/// The outbound route status counters, whose `error` says `LOAD_SHED` or `FAIL_FAST`.
pub(super) fn shed_family(name: &str) -> bool {
    let name = name.strip_suffix("_total").unwrap_or(name);
    name.starts_with("outbound_")
        && (name.ends_with("_route_request_statuses")
            || name.ends_with("_route_backend_response_statuses"))
}

pub(super) fn shedding(pairs: &[Pair<'_>], windowed: bool) -> Vec<Finding> {
    // (service, error) -> (pods, count)
    let mut shed: BTreeMap<(String, String), (BTreeSet<String>, f64)> = BTreeMap::new();
    for pair in pairs {
        for (s, increase) in pair.increases(shed_family) {
            let error = s.label("error").map(|e| e.into_owned()).unwrap_or_default();
            if increase <= 0.0 || !matches!(error.as_str(), "LOAD_SHED" | "FAIL_FAST") {
                continue;
            }
            let entry = shed.entry((service_of(&s), error)).or_default();
            entry.0.insert(pair.pod());
            entry.1 += increase;
        }
    }
    if shed.is_empty() {
        return vec![Finding::ok("no outbound service is shedding load")];
    }
    let when = since(windowed);
    shed.into_iter()
        .map(|((service, error), (pods, n))| {
            let pods: Vec<String> = pods.into_iter().collect();
            Finding::bad(
                Outcome::Warning,
                format!("{service} answered {n} requests with {error} {when}: {}", listed(&pods)),
                "the service's endpoints are too few or too slow for its callers: scale it, or look at its latency (kubectl linkerd-export stat --by authority)".to_string(),
                pods,
            )
        })
        .collect()
}
