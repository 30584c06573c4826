//! How the report names things: pods, workloads, lists of them, counts and time spans.

use crate::metrics::stat::ProxyKey;

/// `namespace/pod` (just the pod when the namespace is unknown, as for raw proxy text).
pub(super) fn pod_name(key: &ProxyKey) -> String {
    in_namespace(&key.namespace, &key.pod)
}

/// `namespace/kind/name` of the pod's workload (`namespace/pod/name` for a bare pod).
pub(super) fn workload_id(key: &ProxyKey) -> String {
    in_namespace(&key.namespace, &workload_of(key))
}

pub(super) fn in_namespace(namespace: &str, name: &str) -> String {
    if namespace.is_empty() {
        name.to_string()
    } else {
        format!("{namespace}/{name}")
    }
}

/// `kind/name` of the pod's workload, as `stat` names it.
fn workload_of(key: &ProxyKey) -> String {
    match &key.workload {
        Some(w) => format!("{}/{}", w.kind, w.name),
        None => format!("pod/{}", key.pod),
    }
}

/// `a, b, c and 4 more`: the first few of `names`.
pub(super) fn listed(names: &[String]) -> String {
    const SHOWN: usize = 5;
    let head = names[..names.len().min(SHOWN)].join(", ");
    match names.len().saturating_sub(SHOWN) {
        0 => head,
        more => format!("{head} and {more} more"),
    }
}

/// `1 proxy`, `3 proxies`.
pub(super) fn proxies(n: usize) -> String {
    if n == 1 {
        "1 proxy".to_string()
    } else {
        format!("{n} proxies")
    }
}

/// How long `secs` is, to the minute: `3d`, `2d5h`, `24h`, `5h12m`, `12m`, `40s`.
pub(super) fn span(secs: f64) -> String {
    let secs = secs.abs().round() as u64;
    let (big, small) = match secs {
        s if s >= 2 * 86_400 => ((s / 86_400, "d"), (s % 86_400 / 3600, "h")),
        s if s >= 3600 => ((s / 3600, "h"), (s % 3600 / 60, "m")),
        s if s >= 60 => ((s / 60, "m"), (0, "")),
        s => ((s, "s"), (0, "")),
    };
    match small {
        (0, _) => format!("{}{}", big.0, big.1),
        (n, unit) => format!("{}{}{n}{unit}", big.0, big.1),
    }
}

/// What counters since the first scrape cover: `during the window`, or `since the proxies
/// started` with one scrape.
pub(super) fn since(windowed: bool) -> &'static str {
    if windowed {
        "during the window"
    } else {
        "since the proxies started"
    }
}
