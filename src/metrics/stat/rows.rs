//! From two reduced states (or one, since proxy start) to the rows `stat` prints.

use std::collections::BTreeMap;

use serde::Serialize;

use super::reduce::{Dim, ProxyState, Scope, Slot, StatState};
use crate::metrics::quantile::{Bucket, histogram_quantile};

/// How rows are grouped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum GroupBy {
    /// One row per workload (inbound traffic), as `linkerd viz stat deploy`.
    #[default]
    Workload,
    /// One row per pod (inbound traffic).
    Pod,
    /// Per workload, direction and `authority`.
    Authority,
    /// Per workload, route parent and route (`outbound_http_route_*`, service-profile routes).
    Route,
    /// Per workload and direction.
    Direction,
}

/// One row of `stat`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StatRow {
    /// Namespace.
    pub namespace: String,
    /// Workload as `kind/name` (`deployment/web`), or `pod/NAME` for a bare pod.
    pub workload: String,
    /// Pod, with `--by pod`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pod: Option<String>,
    /// Direction, with `--by direction` / `authority`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub direction: Option<String>,
    /// Authority (or route parent), with `--by authority` / `route`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub authority: Option<String>,
    /// Route name, with `--by route`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub route: Option<String>,
    /// Proxies that contributed to the row.
    pub meshed_pods: usize,
    /// Completed requests in the window (JSON `null` when there were none, like every number
    /// of such a row).
    #[serde(serialize_with = "none_when_zero")]
    pub requests: f64,
    /// Successful share of `requests`; `None` without requests.
    pub success_rate: Option<f64>,
    /// Requests per second; `None` when no proxy had a usable window.
    pub rps: Option<f64>,
    /// Latency p50 in milliseconds.
    pub latency_p50_ms: Option<f64>,
    /// Latency p95 in milliseconds.
    pub latency_p95_ms: Option<f64>,
    /// Latency p99 in milliseconds.
    pub latency_p99_ms: Option<f64>,
    /// Open TCP connections at the last scrape.
    pub tcp_connections: Option<f64>,
    /// TCP bytes read per second.
    pub read_bytes_per_sec: Option<f64>,
    /// TCP bytes written per second.
    pub write_bytes_per_sec: Option<f64>,
    /// Share of `requests` that were mTLS (`tls="true"`); `None` without requests, and for
    /// route rows (route counters carry no `tls` label).
    pub tls_share: Option<f64>,
}

/// A count of zero as JSON `null`: a row without requests has no numbers (spec §4).
fn none_when_zero<S: serde::Serializer>(value: &f64, serializer: S) -> Result<S::Ok, S::Error> {
    Some(*value).filter(|v| *v != 0.0).serialize(serializer)
}

#[derive(Default)]
struct Acc {
    pods: std::collections::BTreeSet<String>,
    success: f64,
    failure: f64,
    tls: f64,
    rps: Option<f64>,
    buckets: BTreeMap<u64, f64>,
    connections: Option<f64>,
    read_rate: Option<f64>,
    write_rate: Option<f64>,
}

type GroupKey = (
    String,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
);

/// Rows from scrape `before` to scrape `after`. Counter resets are handled like Prometheus'
/// `increase()`: a value that went down, or a proxy whose `process_start_time_seconds` changed,
/// counts from zero. Rates divide by the window, as `rate()` does, also for a proxy that
/// restarted inside it. A proxy missing from `before` counts from zero since its start when it
/// exports `process_start_time_seconds`, and adds no traffic otherwise.
pub fn compute(before: &StatState, after: &StatState, by: GroupBy) -> Vec<StatRow> {
    let mut groups = BTreeMap::new();
    for proxy in &after.proxies {
        let (base, elapsed) = match proxy.folded {
            // Already compared with its earlier scrape: its counters are the increases.
            Some(folded) if folded.skip => (Baseline::Skip, None),
            Some(folded) => (Baseline::Zero, folded.elapsed),
            None => baseline_of(proxy, before.proxy(&proxy.key.namespace, &proxy.key.pod)),
        };
        accumulate(&mut groups, proxy, base, elapsed, by);
    }
    finish(groups)
}

/// What `proxy`'s counters are compared with, given its earlier scrape (if any), and the seconds
/// its rates divide by.
pub(super) fn baseline_of<'s>(
    proxy: &ProxyState,
    earlier: Option<&'s ProxyState>,
) -> (Baseline<'s>, Option<f64>) {
    match earlier {
        Some(b) => {
            let window = Some((proxy.scrape_time_ms - b.scrape_time_ms) as f64 / 1000.0);
            if b.process_start_seconds == proxy.process_start_seconds {
                (Baseline::Previous(b), window)
            } else {
                (Baseline::Zero, window)
            }
        }
        None if proxy.process_start_seconds.is_some() => (Baseline::Zero, since_start(proxy)),
        None => (Baseline::Skip, None),
    }
}

/// Rows over each proxy's whole life: every counter from zero, rates over the time since
/// `process_start_time_seconds` (no rates for a proxy that does not export it).
pub fn compute_since_start(state: &StatState, by: GroupBy) -> Vec<StatRow> {
    let mut groups = BTreeMap::new();
    for proxy in &state.proxies {
        accumulate(&mut groups, proxy, Baseline::Zero, since_start(proxy), by);
    }
    finish(groups)
}

fn since_start(proxy: &ProxyState) -> Option<f64> {
    proxy
        .process_start_seconds
        .map(|s| proxy.scrape_time_ms as f64 / 1000.0 - s)
}

fn workload_name(proxy: &ProxyState) -> String {
    match &proxy.key.workload {
        Some(w) => format!("{}/{}", w.kind, w.name),
        None => format!("pod/{}", proxy.key.pod),
    }
}

fn group_key(proxy: &ProxyState, dim: &Dim, by: GroupBy) -> Option<GroupKey> {
    let ns = proxy.key.namespace.clone();
    let wl = workload_name(proxy);
    let some = |s: &str| Some(s.to_string());
    match (by, dim.scope) {
        (GroupBy::Workload, Scope::Proxy) if dim.direction == "inbound" => {
            Some((ns, wl, None, None, None, None))
        }
        (GroupBy::Pod, Scope::Proxy) if dim.direction == "inbound" => {
            Some((ns, wl, some(&proxy.key.pod), None, None, None))
        }
        (GroupBy::Direction, Scope::Proxy) => {
            Some((ns, wl, None, some(&dim.direction), None, None))
        }
        // TCP numbers carry no authority: they count in `--by direction`, not as a row of dashes.
        (GroupBy::Authority, Scope::Proxy) if !dim.authority.is_empty() => Some((
            ns,
            wl,
            None,
            some(&dim.direction),
            some(&dim.authority),
            None,
        )),
        (GroupBy::Route, Scope::Route) => {
            Some((ns, wl, None, None, some(&dim.authority), some(&dim.route)))
        }
        _ => None,
    }
}

fn add_rate(slot: &mut Option<f64>, delta: f64, elapsed: Option<f64>) {
    if let Some(secs) = elapsed.filter(|s| *s > 0.0) {
        *slot = Some(slot.unwrap_or(0.0) + delta / secs);
    }
}

/// What a proxy's counters are compared with.
#[derive(Clone, Copy)]
pub(super) enum Baseline<'s> {
    /// Its earlier scrape.
    Previous(&'s ProxyState),
    /// Zero: it started (or restarted) within the window.
    Zero,
    /// Nothing usable: counted as meshed, adds no traffic.
    Skip,
}

fn accumulate(
    groups: &mut BTreeMap<GroupKey, Acc>,
    proxy: &ProxyState,
    base: Baseline<'_>,
    elapsed: Option<f64>,
    by: GroupBy,
) {
    // Workload and pod rows exist for every proxy, traffic or not.
    if matches!(by, GroupBy::Workload | GroupBy::Pod) {
        let pod = (by == GroupBy::Pod).then(|| proxy.key.pod.clone());
        let key = (
            proxy.key.namespace.clone(),
            workload_name(proxy),
            pod,
            None,
            None,
            None,
        );
        groups
            .entry(key)
            .or_default()
            .pods
            .insert(proxy.key.pod.clone());
    }
    for (hash, counter) in &proxy.counters {
        let Some(key) = group_key(proxy, &proxy.dims[counter.dim as usize], by) else {
            continue;
        };
        let delta = match base {
            Baseline::Previous(b) => match b.value_of(*hash) {
                Some(old) if counter.value >= old => counter.value - old,
                _ => counter.value,
            },
            Baseline::Zero => counter.value,
            Baseline::Skip => continue,
        };
        let acc = groups.entry(key).or_default();
        acc.pods.insert(proxy.key.pod.clone());
        if counter.tls {
            acc.tls += delta;
        }
        match counter.slot {
            Slot::Success => {
                acc.success += delta;
                add_rate(&mut acc.rps, delta, elapsed);
            }
            Slot::Failure => {
                acc.failure += delta;
                add_rate(&mut acc.rps, delta, elapsed);
            }
            Slot::Bucket(le) => *acc.buckets.entry(le.to_bits()).or_default() += delta,
            Slot::ReadBytes => add_rate(&mut acc.read_rate, delta, elapsed),
            Slot::WriteBytes => add_rate(&mut acc.write_rate, delta, elapsed),
        }
    }
    for (dim, open) in &proxy.open_connections {
        if let Some(key) = group_key(proxy, &proxy.dims[*dim as usize], by) {
            let acc = groups.entry(key).or_default();
            acc.connections = Some(acc.connections.unwrap_or(0.0) + open);
        }
    }
}

fn finish(groups: BTreeMap<GroupKey, Acc>) -> Vec<StatRow> {
    groups
        .into_iter()
        .map(
            |((namespace, workload, pod, direction, authority, route), acc)| {
                let buckets: Vec<Bucket> = acc
                    .buckets
                    .iter()
                    .map(|(bits, count)| Bucket {
                        upper_bound: f64::from_bits(*bits),
                        count: *count,
                    })
                    .collect();
                let quantile = |q| Some(histogram_quantile(q, &buckets)).filter(|v| !v.is_nan());
                let requests = acc.success + acc.failure;
                // Without requests every number is `-`, as linkerd viz shows such a row.
                let traffic = |n: Option<f64>| n.filter(|_| requests > 0.0);
                StatRow {
                    namespace,
                    workload,
                    pod,
                    direction,
                    authority,
                    meshed_pods: acc.pods.len(),
                    requests,
                    success_rate: (requests > 0.0).then(|| acc.success / requests),
                    rps: traffic(acc.rps),
                    latency_p50_ms: traffic(quantile(0.5)),
                    latency_p95_ms: traffic(quantile(0.95)),
                    latency_p99_ms: traffic(quantile(0.99)),
                    tcp_connections: traffic(acc.connections),
                    read_bytes_per_sec: traffic(acc.read_rate),
                    write_bytes_per_sec: traffic(acc.write_rate),
                    tls_share: (requests > 0.0 && route.is_none()).then(|| acc.tls / requests),
                    route,
                }
            },
        )
        .collect()
}
