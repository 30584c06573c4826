//! Which series each simulated proxy reports: the traffic model's edges laid onto the pods of
//! every app namespace, labelled as real proxies label them.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::exposition::{HttpSeries, ProxyModel};
use super::topology::{APP_DEPLOYMENTS, Cluster, SimPod};
use super::traffic::{Edge, LatencyDist, TrafficModel};

fn service_port(workload: &str) -> u16 {
    if workload == "web" { 80 } else { 8080 }
}

fn service_account(workload: &str) -> &str {
    if workload == "vote-bot" {
        "default"
    } else {
        workload
    }
}

fn identity(sa: &str, ns: &str) -> String {
    format!("{sa}.{ns}.serviceaccount.identity.linkerd.cluster.local")
}

fn template_hash<'a>(pod: &'a SimPod, deploy: &str) -> &'a str {
    pod.name
        .strip_prefix(deploy)
        .and_then(|rest| rest.trim_start_matches('-').split('-').next())
        .unwrap_or_default()
}

fn inbound_series(edge: &Edge, ns: &str, pod: &SimPod, replicas: usize) -> HttpSeries {
    let target = format!(
        "target_addr=\"{ip}:8080\",target_ip=\"{ip}\",target_port=\"8080\"",
        ip = pod.ip
    );
    let client = format!(
        "tls=\"true\",client_id=\"{}\"",
        identity(service_account(&edge.from), ns)
    );
    let srv = "srv_group=\"\",srv_kind=\"default\",srv_name=\"all-unauthenticated\"";
    let authority = format!(
        "{}-svc.{ns}.svc.cluster.local:{}",
        edge.to,
        service_port(&edge.to)
    );
    HttpSeries {
        labels: format!(
            "direction=\"inbound\",authority=\"{authority}\",{target},{client},{srv},route_group=\"\",route_kind=\"default\",route_name=\"default\""
        ),
        tcp_labels: format!("direction=\"inbound\",peer=\"src\",{target},{client},{srv}"),
        authz_labels: format!(
            "{target},{srv},route_group=\"\",route_kind=\"default\",route_name=\"default\",authz_group=\"\",authz_kind=\"default\",authz_name=\"all-unauthenticated\",{client}"
        ),
        rate: edge.rps / replicas as f64,
        failure: edge.failure,
        latency: edge.latency.clone(),
        request_bytes: edge.request_bytes,
        response_bytes: edge.response_bytes,
        route_labels: format!(
            "{srv},srv_port=\"8080\",route_group=\"\",route_kind=\"default\",route_name=\"default\""
        ),
        backend_labels: None,
        retries: 0.0,
        timeouts: 0.0,
        split: None,
    }
}

fn outbound_series(edge: &Edge, ns: &str, dst: &SimPod, rate: f64) -> HttpSeries {
    let sa = service_account(&edge.to);
    let target = format!(
        "target_addr=\"{ip}:8080\",target_ip=\"{ip}\",target_port=\"8080\"",
        ip = dst.ip
    );
    let dst_labels = format!(
        "tls=\"true\",server_id=\"{}\",dst_control_plane_ns=\"linkerd\",dst_deployment=\"{to}\",dst_namespace=\"{ns}\",dst_pod=\"{pod}\",dst_pod_template_hash=\"{hash}\",dst_service=\"{to}-svc\",dst_serviceaccount=\"{sa}\"",
        identity(sa, ns),
        to = edge.to,
        pod = dst.name,
        hash = template_hash(dst, &edge.to),
    );
    let authority = format!(
        "{}-svc.{ns}.svc.cluster.local:{}",
        edge.to,
        service_port(&edge.to)
    );
    HttpSeries {
        labels: format!(
            "direction=\"outbound\",authority=\"{authority}\",{target},{dst_labels},dst_zone=\"\""
        ),
        tcp_labels: format!("direction=\"outbound\",peer=\"dst\",{target},{dst_labels}"),
        authz_labels: String::new(),
        rate,
        failure: edge.failure,
        latency: edge.latency.clone(),
        request_bytes: edge.request_bytes,
        response_bytes: edge.response_bytes,
        route_labels: String::new(),
        backend_labels: None,
        retries: 0.0,
        timeouts: 0.0,
        split: None,
    }
}

/// Requests per second of the `unmeshed` fault's calls to `legacy-app`.
pub const UNMESHED_RPS: f64 = 2.0;

/// A call to `legacy-app` in `default` (a deployment outside the mesh), as a proxy labels it: the
/// destination is known to service discovery but has no identity, so the traffic is plain text.
pub fn unmeshed_series() -> HttpSeries {
    let target = "target_addr=\"10.42.9.9:8080\",target_ip=\"10.42.9.9\",target_port=\"8080\"";
    let dst = "tls=\"no_identity\",no_tls_reason=\"not_provided_by_service_discovery\",dst_deployment=\"legacy-app\",dst_namespace=\"default\",dst_service=\"legacy-app\"";
    HttpSeries {
        labels: format!(
            "direction=\"outbound\",authority=\"legacy-app.default.svc.cluster.local:8080\",{target},{dst}"
        ),
        tcp_labels: format!("direction=\"outbound\",peer=\"dst\",{target},{dst}"),
        authz_labels: String::new(),
        rate: UNMESHED_RPS,
        failure: 0.0,
        latency: LatencyDist::from_buckets(&[(5.0, 1.0)]),
        request_bytes: 100,
        response_bytes: 100,
        route_labels: String::new(),
        backend_labels: None,
        retries: 0.0,
        timeouts: 0.0,
        split: None,
    }
}

fn route_series(edge: &Edge, ns: &str, rate: f64) -> HttpSeries {
    let svc = format!("{}-svc", edge.to);
    let port = service_port(&edge.to);
    HttpSeries {
        labels: String::new(),
        tcp_labels: String::new(),
        authz_labels: String::new(),
        rate,
        failure: edge.failure,
        latency: edge.latency.clone(),
        request_bytes: edge.request_bytes,
        response_bytes: edge.response_bytes,
        route_labels: format!(
            "parent_group=\"core\",parent_kind=\"Service\",parent_namespace=\"{ns}\",parent_name=\"{svc}\",parent_port=\"{port}\",parent_section_name=\"\",route_group=\"\",route_kind=\"default\",route_namespace=\"\",route_name=\"http\""
        ),
        backend_labels: Some(backend_labels(ns, &svc, port)),
        retries: edge.retries,
        timeouts: edge.timeouts,
        split: edge
            .split
            .as_ref()
            .map(|(svc, share)| (backend_labels(ns, svc, port), *share)),
    }
}

/// The backend labels of Service `svc` in `ns`, port `port`.
fn backend_labels(ns: &str, svc: &str, port: u16) -> String {
    format!(
        "backend_group=\"core\",backend_kind=\"Service\",backend_namespace=\"{ns}\",backend_name=\"{svc}\",backend_port=\"{port}\",backend_section_name=\"\""
    )
}

/// The outbound and route series of one workload's replicas (the same for each replica).
type Outbound = (Arc<[HttpSeries]>, Arc<[HttpSeries]>);

/// The proxy model of every pod of `cluster` (aligned with `cluster.pods`); pods of the app
/// namespaces carry the traffic of `traffic`, every other meshed pod only control-plane traffic.
/// The replicas of a workload share one outbound and one route slice.
pub fn build_models(cluster: &Cluster, traffic: &TrafficModel) -> Vec<Arc<ProxyModel>> {
    let mut by_workload: BTreeMap<(&str, &str), Vec<&SimPod>> = BTreeMap::new();
    for pod in cluster.pods.iter().filter(|p| p.has_proxy()) {
        if let Some(w) = &pod.workload
            && w.kind == "deployment"
            && APP_DEPLOYMENTS.contains(&w.name.as_str())
        {
            by_workload
                .entry((&pod.namespace, &w.name))
                .or_default()
                .push(pod);
        }
    }
    let mut outbound: BTreeMap<(&str, &str), Outbound> = BTreeMap::new();
    let empty = Arc::new(ProxyModel::default());
    cluster
        .pods
        .iter()
        .map(|pod| {
            let Some(w) = pod.workload.as_ref().filter(|_| pod.has_proxy()) else {
                return empty.clone();
            };
            let ns = pod.namespace.as_str();
            let Some(own) = by_workload.get(&(ns, w.name.as_str())) else {
                return empty.clone();
            };
            let (outbound, outbound_routes) = outbound
                .entry((ns, w.name.as_str()))
                .or_insert_with(|| {
                    let mut series = Vec::new();
                    let mut routes = Vec::new();
                    for edge in traffic.edges.iter().filter(|e| e.from == w.name) {
                        let dsts = by_workload
                            .get(&(ns, edge.to.as_str()))
                            .map(Vec::as_slice)
                            .unwrap_or_default();
                        for dst in dsts {
                            let rate = edge.rps / (own.len() * dsts.len()) as f64;
                            series.push(outbound_series(edge, ns, dst, rate));
                        }
                        if !dsts.is_empty() {
                            routes.push(route_series(edge, ns, edge.rps / own.len() as f64));
                        }
                    }
                    (series.into(), routes.into())
                })
                .clone();
            Arc::new(ProxyModel {
                inbound: traffic
                    .edges
                    .iter()
                    .filter(|e| e.to == w.name)
                    .map(|edge| inbound_series(edge, ns, pod, own.len()))
                    .collect(),
                outbound,
                outbound_routes,
                ..ProxyModel::default()
            })
        })
        .collect()
}
