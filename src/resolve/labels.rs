//! Target labels (spec §4a): the labels Linkerd's viz Prometheus gives every series of a proxy,
//! computed from the pod — `job`, `instance`, `namespace`, `pod`, the workload label and the pod's
//! own labels, renamed as its relabelling rules rename them.

use std::collections::BTreeMap;

/// The `job` label Linkerd's viz Prometheus gives proxy series.
pub const PROXY_JOB: &str = "linkerd-proxy";

/// The prefix of the pod labels Linkerd's injector adds; Linkerd's Prometheus strips it.
const LINKERD_PREFIX: &str = "linkerd.io/";

/// The injector's workload label prefix: `linkerd.io/proxy-deployment=web` → `deployment="web"`.
const PROXY_KIND_PREFIX: &str = "linkerd.io/proxy-";

/// Which target labels samples get (`--target-labels`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TargetLabelSet {
    /// Everything Linkerd's Prometheus adds: `job`, `instance`, `namespace`, `pod`, the workload
    /// label and the pod's labels.
    #[default]
    Full,
    /// Just `namespace`, `pod` and the workload label.
    Minimal,
}

/// What the target labels of one proxy are computed from.
#[derive(Debug, Clone, Copy)]
pub struct LabelSource<'a> {
    /// The pod's namespace.
    pub namespace: &'a str,
    /// The pod's name.
    pub pod: &'a str,
    /// The pod's IP, if it has one.
    pub pod_ip: Option<&'a str>,
    /// The proxy's admin port.
    pub admin_port: u16,
    /// The pod's labels, as set on the pod.
    pub pod_labels: &'a BTreeMap<String, String>,
    /// The workload label found by walking owner references (`("deployment", "web")`), used
    /// when the pod has no `linkerd.io/proxy-<kind>` label.
    pub owner_workload: Option<(&'static str, &'a str)>,
}

/// The target labels of one proxy, in this order: `job`, `instance` (`podIP:adminPort`, left out
/// for a pod without an IP), `namespace`, `pod`, the workload label, then the pod's labels sorted
/// by name. The workload label comes from the pod's `linkerd.io/proxy-<kind>` label (`job` is
/// named `k8s_job`), else from the owner walk. A pod label loses `linkerd.io/` and has every
/// character that is not a letter, digit or `_` replaced by `_`; one whose name is already taken
/// (by the labels above, or by an earlier pod label) is left out. [`TargetLabelSet::Minimal`]
/// keeps `namespace`, `pod` and the workload label.
pub fn target_labels(source: LabelSource<'_>, set: TargetLabelSet) -> Vec<(String, String)> {
    let full = set == TargetLabelSet::Full;
    let mut labels = Vec::with_capacity(5 + source.pod_labels.len());
    if full {
        labels.push(("job".to_string(), PROXY_JOB.to_string()));
        if let Some(ip) = source.pod_ip.filter(|ip| !ip.is_empty()) {
            labels.push(("instance".to_string(), instance(ip, source.admin_port)));
        }
    }
    labels.push(("namespace".to_string(), source.namespace.to_string()));
    labels.push(("pod".to_string(), source.pod.to_string()));
    let from_pod = source.pod_labels.iter().find_map(|(name, value)| {
        let kind = name.strip_prefix(PROXY_KIND_PREFIX)?;
        Some((workload_label_name(kind), value.as_str()))
    });
    if let Some((name, value)) = from_pod.or_else(|| {
        source
            .owner_workload
            .map(|(k, v)| (workload_label_name(k), v))
    }) {
        labels.push((name, value.to_string()));
    }
    if !full {
        return labels;
    }
    let fixed = labels.len();
    for (name, value) in source.pod_labels {
        if name.starts_with(PROXY_KIND_PREFIX) {
            continue;
        }
        let name = sanitize_label_name(name.strip_prefix(LINKERD_PREFIX).unwrap_or(name));
        if !labels.iter().any(|(taken, _)| *taken == name) {
            labels.push((name, value.clone()));
        }
    }
    labels[fixed..].sort();
    labels
}

/// `ip:port`, with brackets around an IPv6 address, as Prometheus' `__address__` is written.
fn instance(ip: &str, port: u16) -> String {
    if ip.contains(':') {
        format!("[{ip}]:{port}")
    } else {
        format!("{ip}:{port}")
    }
}

/// The label that names a workload of `kind` (`deployment`, `job`, ...): the kind itself, except
/// `job`, which is `k8s_job` so it does not collide with Prometheus' own `job`.
fn workload_label_name(kind: &str) -> String {
    match kind {
        "job" => "k8s_job".to_string(),
        kind => sanitize_label_name(kind),
    }
}

/// A Kubernetes label name as a Prometheus label name: every character other than an ASCII
/// letter, digit or `_` becomes `_`, as Prometheus' Kubernetes discovery writes pod label names.
fn sanitize_label_name(name: &str) -> String {
    name.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect()
}
