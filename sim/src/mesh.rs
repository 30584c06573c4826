//! Which series each simulated proxy reports: the traffic model's edges laid onto the pods of
//! every app namespace, labelled as real proxies label them.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::exposition::{HttpSeries, PolicySeries, ProxyModel};
use super::topology::{APP_NAMESPACE, Cluster, SimPod};
use super::traffic::{Edge, LatencyDist, PolicyTraffic, TrafficModel};

fn service_port(workload: &str) -> u16 {
    if workload == "web" { 80 } else { 8080 }
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

/// The `target_*` labels of a connection to `pod`'s port 8080.
fn target(pod: &SimPod) -> String {
    format!(
        "target_addr=\"{ip}:8080\",target_ip=\"{ip}\",target_port=\"8080\"",
        ip = pod.ip
    )
}

/// The server every simulated workload's inbound traffic meets.
const SERVER: &str = "srv_group=\"\",srv_kind=\"default\",srv_name=\"all-unauthenticated\"";

/// The authorization that allows it.
const AUTHORIZATION: &str =
    "authz_group=\"\",authz_kind=\"default\",authz_name=\"all-unauthenticated\"";

/// `edge`'s calls as `pod` (of the called workload, one of `replicas`) receives them from
/// clients with service account `caller_sa`.
fn inbound_series(
    edge: &Edge,
    ns: &str,
    pod: &SimPod,
    replicas: usize,
    caller_sa: &str,
) -> HttpSeries {
    let target = target(pod);
    let client = format!("tls=\"true\",client_id=\"{}\"", identity(caller_sa, ns));
    let srv = SERVER;
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
            "{target},{srv},route_group=\"\",route_kind=\"default\",route_name=\"default\",{AUTHORIZATION},{client}"
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
        grpc: edge.grpc,
        profile_labels: None,
    }
}

/// `edge`'s calls to pod `dst` at `rate`, as the caller's proxy labels them: `dst_<kind>` names
/// the destination's workload (and a deployment's pods their template hash).
fn outbound_series(edge: &Edge, ns: &str, dst: &SimPod, rate: f64) -> HttpSeries {
    let sa = &dst.service_account;
    let target = target(dst);
    let owner = match dst.workload.as_ref().map(|w| w.kind) {
        Some("deployment") | None => format!(
            "dst_deployment=\"{to}\",dst_namespace=\"{ns}\",dst_pod=\"{pod}\",dst_pod_template_hash=\"{hash}\"",
            to = edge.to,
            pod = dst.name,
            hash = template_hash(dst, &edge.to),
        ),
        Some(kind) => format!(
            "dst_namespace=\"{ns}\",dst_pod=\"{pod}\",dst_{kind}=\"{to}\"",
            to = edge.to,
            pod = dst.name,
        ),
    };
    let dst_labels = format!(
        "tls=\"true\",server_id=\"{}\",dst_control_plane_ns=\"linkerd\",{owner},dst_service=\"{to}-svc\",dst_serviceaccount=\"{sa}\"",
        identity(sa, ns),
        to = edge.to,
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
        grpc: edge.grpc,
        profile_labels: None,
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
        grpc: false,
        profile_labels: None,
    }
}

fn route_series(edge: &Edge, ns: &str, rate: f64) -> HttpSeries {
    let svc = format!("{}-svc", edge.to);
    let port = service_port(&edge.to);
    // A gRPC call without a GRPCRoute takes the parent's default gRPC route.
    let route = if edge.grpc { "grpc" } else { "http" };
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
            "parent_group=\"core\",parent_kind=\"Service\",parent_namespace=\"{ns}\",parent_name=\"{svc}\",parent_port=\"{port}\",parent_section_name=\"\",route_group=\"\",route_kind=\"default\",route_namespace=\"\",route_name=\"{route}\""
        ),
        backend_labels: Some(backend_labels(ns, &svc, port)),
        retries: edge.retries,
        timeouts: edge.timeouts,
        split: edge
            .split
            .as_ref()
            .map(|(svc, share)| (backend_labels(ns, svc, port), *share)),
        grpc: edge.grpc,
        profile_labels: edge.profile_route.as_ref().map(|rt| {
            format!(
                "direction=\"outbound\",dst=\"{svc}.{ns}.svc.cluster.local:{port}\",rt_route=\"{rt}\""
            )
        }),
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

/// The traffic model the workloads of namespace `ns` follow: `app` in the emojivoto namespaces
/// (`emojivoto`, `emojivoto-N`), `system` in `default`, none elsewhere.
pub fn traffic_for<'t>(
    ns: &str,
    app: &'t TrafficModel,
    system: &'t TrafficModel,
) -> Option<&'t TrafficModel> {
    let is_app = ns == APP_NAMESPACE
        || ns
            .strip_prefix(APP_NAMESPACE)
            .and_then(|rest| rest.strip_prefix('-'))
            .is_some_and(|n| n.parse::<u32>().is_ok());
    if is_app {
        Some(app)
    } else if ns == "default" {
        Some(system)
    } else {
        None
    }
}

/// `policy`'s counters on `pod` (one of `replicas`), its TCP clients having service account
/// `client_sa`.
fn policy_series(
    policy: &PolicyTraffic,
    ns: &str,
    pod: &SimPod,
    replicas: usize,
    client_sa: &str,
) -> PolicySeries {
    let n = replicas as f64;
    PolicySeries {
        server_labels: format!("{},{SERVER}", target(pod)),
        authz_labels: AUTHORIZATION.to_string(),
        client_labels: format!("tls=\"true\",client_id=\"{}\"", identity(client_sa, ns)),
        tcp_allowed: policy.tcp_allowed / n,
        tcp_denied: policy.tcp_denied / n,
        route_not_found: policy.route_not_found / n,
    }
}

/// The proxy model of every pod of `cluster` (aligned with `cluster.pods`): pods of workloads in
/// a namespace with a traffic model ([`traffic_for`]) carry its traffic, every other meshed pod
/// only control-plane traffic. The replicas of a workload share one outbound and one route
/// slice.
pub fn build_models(
    cluster: &Cluster,
    app: &TrafficModel,
    system: &TrafficModel,
) -> Vec<Arc<ProxyModel>> {
    let mut by_workload: BTreeMap<(&str, &str), Vec<&SimPod>> = BTreeMap::new();
    for pod in cluster.pods.iter().filter(|p| p.has_proxy()) {
        if let Some(w) = &pod.workload
            && traffic_for(&pod.namespace, app, system)
                .is_some_and(|t| t.edges.iter().any(|e| e.from == w.name || e.to == w.name))
        {
            by_workload
                .entry((&pod.namespace, &w.name))
                .or_default()
                .push(pod);
        }
    }
    let service_account = |ns: &str, workload: &str| {
        by_workload
            .get(&(ns, workload))
            .and_then(|pods| pods.first())
            .map_or_else(|| "default".to_string(), |p| p.service_account.clone())
    };
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
            let (Some(own), Some(traffic)) = (
                by_workload.get(&(ns, w.name.as_str())),
                traffic_for(ns, app, system),
            ) else {
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
            let callers = traffic.edges.iter().filter(|e| e.to == w.name);
            Arc::new(ProxyModel {
                inbound: callers
                    .clone()
                    .map(|edge| {
                        let sa = service_account(ns, &edge.from);
                        inbound_series(edge, ns, pod, own.len(), &sa)
                    })
                    .collect(),
                outbound,
                outbound_routes,
                policy: traffic
                    .policy
                    .iter()
                    .find(|p| p.workload == w.name)
                    .map(|p| {
                        let client = callers.clone().next().map_or_else(
                            || "default".to_string(),
                            |e| service_account(ns, &e.from),
                        );
                        policy_series(p, ns, pod, own.len(), &client)
                    }),
                ..ProxyModel::default()
            })
        })
        .collect()
}
