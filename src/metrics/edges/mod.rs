//! `edges`: who talks to whom, from the proxies' own metrics — one row per (source workload,
//! destination workload) with the identities on both ends, whether the traffic was mTLS, its
//! request rate and its TCP connections.
//!
//! Rows come from each proxy's outbound series (`direction="outbound"`, TCP on `peer="dst"`):
//! the source is the scraped proxy's workload, the destination the series' `dst_<kind>` label
//! (or, for a destination the control plane knows nothing of, its `authority` or `target_addr`).
//! `SERVER_ID` is the series' `server_id`. A proxy does not export its own identity, so
//! `CLIENT_ID` is inferred: the `server_id` other proxies saw when calling the source workload,
//! else the one `client_id` from the source's namespace that the destination's proxies saw
//! inbound and that no other workload is known to hold.
//!
//! A selected destination's inbound series (`direction="inbound"`, TCP on `peer="src"`) add the
//! edges from sources that were not selected: one row per client identity that no outbound row
//! into that destination accounts for. Such a source is known only by its identity: the
//! workload other proxies saw serving it, else its service account (kind `serviceaccount`, shown
//! as `sa/NAME`), or `-` (kind `unknown`) for a client without one.
//!
//! With two scrapes an edge is shown when it had traffic in the window: requests, open
//! connections, or connections opened or closed (so an edge whose connections all closed in the
//! window is still there). With one scrape every edge the proxies know of is shown, with numbers
//! since each proxy started. Counter resets are handled like Prometheus' `increase()`.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::hash::BuildHasher;

use serde::Serialize;

use crate::metrics::model::{SampleRef, Target};
use crate::metrics::stat::ProxyKey;

/// The series `edges` reads; every other line of a body can be dropped before parsing.
const SERIES: [&str; 4] = [
    "request_total",
    "tcp_open_connections",
    "tcp_open_total",
    "tcp_close_total",
];

/// Whether `edges` needs this line of a proxy body (a sample of one of the series it reads).
pub fn reads(line: &str) -> bool {
    SERIES.iter().any(|name| {
        line.strip_prefix(name)
            .is_some_and(|rest| rest.starts_with('{') || rest.starts_with(' '))
    })
}

/// The `dst_*` labels that name a destination workload, most specific owner first, with the kind
/// each names.
const DST_WORKLOAD_LABELS: [(&str, &str); 8] = [
    ("dst_deployment", "deployment"),
    ("dst_statefulset", "statefulset"),
    ("dst_daemonset", "daemonset"),
    ("dst_cronjob", "cronjob"),
    ("dst_job", "job"),
    ("dst_replicationcontroller", "replicationcontroller"),
    ("dst_replicaset", "replicaset"),
    ("dst_pod", "pod"),
];

/// What `SECURED` shows when every request and connection of an edge was mTLS.
pub const SECURED: &str = "√";

/// One edge: traffic from a source workload to a destination.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EdgeRow {
    /// Source workload name (the pod's name for a bare pod).
    pub src: String,
    /// Source workload kind (`deployment`, ..., `pod`).
    pub src_kind: String,
    /// Source namespace.
    pub src_ns: String,
    /// Destination workload name, or its authority or address when it is not a known workload.
    pub dst: String,
    /// Destination kind (`deployment`, ..., `pod`), `authority` or `address`.
    pub dst_kind: String,
    /// Destination namespace (empty when unknown).
    pub dst_ns: String,
    /// The source's identity (see the module doc), when known.
    pub client_id: Option<String>,
    /// The destination's identity (`server_id`), when the traffic was mTLS.
    pub server_id: Option<String>,
    /// [`SECURED`] when every request and connection was mTLS, else why not (`no_tls_reason`,
    /// or the `tls` value), several joined by `,`.
    pub secured: String,
    /// Requests per second over the window (`None` with one scrape).
    pub rps: Option<f64>,
    /// Requests in the window (since each proxy started, with one scrape).
    pub requests: f64,
    /// TCP connections open at the (last) scrape.
    pub connections: f64,
    /// TCP connections opened in the window (since start, with one scrape).
    pub opened: f64,
    /// TCP connections closed in the window (since start, with one scrape).
    pub closed: f64,
}

/// Sums for one edge while the series are read.
#[derive(Debug, Default)]
struct Acc {
    src_kind: String,
    dst_kind: String,
    server_ids: BTreeSet<String>,
    not_tls: BTreeSet<String>,
    any_tls: bool,
    /// Whether a series came from a proxy with a window (so no requests means 0 RPS).
    windowed: bool,
    rps: Option<f64>,
    requests: f64,
    connections: f64,
    opened: f64,
    closed: f64,
}

/// (namespace, workload name).
type WorkloadId = (String, String);
/// (source namespace, source, destination namespace, destination).
type EdgeKey = (String, String, String, String);

/// The edges of `after`, one row per (source, destination), sorted by source namespace and name,
/// then destination namespace and name. With `before` (the same proxies' earlier scrape) numbers cover the window
/// between them and RPS is given; a proxy missing from `before` counts only its open connections.
pub fn compute(
    before: Option<&[(ProxyKey, Target)]>,
    after: &[(ProxyKey, Target)],
) -> Vec<EdgeRow> {
    let baselines = before.map(|before| {
        let mut baselines: HashMap<(&str, &str), ProxyBaseline> = HashMap::new();
        for (key, target) in before {
            baselines
                .entry((key.namespace.as_str(), key.pod.as_str()))
                .or_default()
                .add(target);
        }
        baselines
    });
    let mut edges = Edges::new(before.is_some());
    for (key, target) in after {
        let baseline = baselines
            .as_ref()
            .and_then(|b| b.get(&(key.namespace.as_str(), key.pod.as_str())));
        edges.add(key, target, baseline);
    }
    edges.rows()
}

/// A proxy's earlier scrape as `edges` needs it: its scrape time and the value of each series,
/// by a hash of its name and labels, so a window's first scrape costs a few bytes a series
/// rather than the lines themselves.
#[derive(Debug, Clone, Default)]
pub struct ProxyBaseline {
    time_ms: Option<i64>,
    values: HashMap<u64, f64>,
}

fn series_id(sample: &SampleRef<'_>) -> u64 {
    crate::metrics::SERIES_HASHER.hash_one((sample.name, sample.labels.as_str()))
}

impl ProxyBaseline {
    /// The baseline of one scrape of a proxy.
    pub fn of(target: &Target) -> Self {
        let mut baseline = ProxyBaseline::default();
        baseline.add(target);
        baseline
    }

    /// Adds a scrape of the same proxy: its series, and its scrape time when it has one.
    fn add(&mut self, target: &Target) {
        if target.scrape_time_ms.is_some() {
            self.time_ms = target.scrape_time_ms;
        }
        for (_, sample) in target.samples() {
            self.values.insert(series_id(&sample), sample.value);
        }
    }

    /// The increase of a counter since this scrape (the whole value after a reset); a series new
    /// since then counts from zero.
    fn increase(&self, sample: &SampleRef<'_>) -> f64 {
        let earlier = self.values.get(&series_id(sample)).copied().unwrap_or(0.0);
        if sample.value >= earlier {
            sample.value - earlier
        } else {
            sample.value
        }
    }
}

/// The edges being summed, one proxy at a time ([`Edges::add`]), so a scrape need not be kept
/// whole; [`Edges::rows`] gives what [`compute`] gives.
#[derive(Debug, Default)]
pub struct Edges {
    /// Whether there was an earlier scrape: numbers cover a window, not the time since start.
    windowed: bool,
    edges: BTreeMap<EdgeKey, Acc>,
    /// Identities other proxies saw when calling a workload.
    served_as: HashMap<WorkloadId, BTreeSet<String>>,
    /// Client identities a workload saw.
    clients: HashMap<WorkloadId, BTreeSet<String>>,
    /// Edges seen by destinations: (namespace, destination, client identity or "").
    seen_inbound: BTreeMap<EdgeKey, Acc>,
    /// The kind of each destination the outbound series name.
    kinds: HashMap<WorkloadId, &'static str>,
}

impl Edges {
    /// No edges yet; `windowed` when the proxies' numbers are taken against an earlier scrape
    /// ([`ProxyBaseline`]), else since each proxy started.
    pub fn new(windowed: bool) -> Self {
        Edges {
            windowed,
            ..Edges::default()
        }
    }

    /// Adds one proxy's scrape: with a window, against its `baseline` (none: the proxy was not
    /// in the earlier scrape, and only its open connections count).
    pub fn add(&mut self, key: &ProxyKey, target: &Target, baseline: Option<&ProxyBaseline>) {
        let baseline = baseline.filter(|b| b.time_ms.is_some());
        let (src_kind, src) = match &key.workload {
            Some(w) => (w.kind.to_string(), w.name.clone()),
            None => ("pod".to_string(), key.pod.clone()),
        };
        let window_secs = self.windowed.then(|| {
            baseline
                .and_then(|b| b.time_ms)
                .zip(target.scrape_time_ms)
                .map(|(t0, t1)| (t1 - t0) as f64 / 1000.0)
                .filter(|secs| *secs > 0.0)
        });
        for (_, sample) in target.samples().filter(|(_, s)| SERIES.contains(&s.name)) {
            let delta = if self.windowed {
                baseline.map(|b| b.increase(&sample))
            } else {
                Some(sample.value)
            };
            let inbound = sample.label("direction").as_deref() == Some("inbound");
            let client_id = sample.label("client_id").filter(|id| !id.is_empty());
            if inbound {
                let active = sample.name == "tcp_open_connections" && sample.value > 0.0
                    || sample.name != "tcp_open_connections" && delta.is_some_and(|d| d > 0.0);
                if let Some(id) = &client_id
                    && active
                {
                    self.clients
                        .entry((key.namespace.clone(), src.clone()))
                        .or_default()
                        .insert(id.to_string());
                }
            }
            let peer = if inbound { "src" } else { "dst" };
            if !inbound && sample.label("direction").as_deref() != Some("outbound")
                || sample.name != "request_total" && sample.label("peer").as_deref() != Some(peer)
            {
                continue;
            }
            let server_id = (!inbound)
                .then(|| sample.label("server_id"))
                .flatten()
                .filter(|id| !id.is_empty());
            let (dst_kind, edge_key) = if inbound {
                let client = client_id.map(Cow::into_owned).unwrap_or_default();
                let edge_key = (key.namespace.clone(), src.clone(), client, String::new());
                (src_kind.as_str(), edge_key)
            } else {
                let (dst_kind, dst, dst_ns) = destination(&sample);
                self.kinds.insert((dst_ns.clone(), dst.clone()), dst_kind);
                if let Some(id) = &server_id {
                    self.served_as
                        .entry((dst_ns.clone(), dst.clone()))
                        .or_default()
                        .insert(id.to_string());
                }
                (dst_kind, (key.namespace.clone(), src.clone(), dst_ns, dst))
            };
            let mut acc = Acc {
                src_kind: src_kind.clone(),
                dst_kind: dst_kind.to_string(),
                windowed: window_secs.flatten().is_some(),
                ..Acc::default()
            };
            let active = match sample.name {
                "tcp_open_connections" => {
                    acc.connections = sample.value;
                    sample.value > 0.0
                }
                name => {
                    let d = delta.unwrap_or(0.0);
                    match name {
                        "request_total" => {
                            acc.requests = d;
                            acc.rps = window_secs.flatten().map(|secs| d / secs);
                        }
                        "tcp_open_total" => acc.opened = d,
                        _ => acc.closed = d,
                    }
                    d > 0.0
                }
            };
            // With one scrape every series counts; with two, only those that moved.
            if !active && self.windowed {
                continue;
            }
            if sample.label("tls").as_deref() == Some("true") {
                acc.any_tls = true;
                acc.server_ids.extend(server_id.map(Cow::into_owned));
            } else {
                let reason = sample
                    .label("no_tls_reason")
                    .filter(|r| !r.is_empty())
                    .or_else(|| sample.label("tls"))
                    .map_or_else(|| "no_tls".to_string(), Cow::into_owned);
                acc.not_tls.insert(reason);
            }
            let into = if inbound {
                &mut self.seen_inbound
            } else {
                &mut self.edges
            };
            merge(into.entry(edge_key).or_default(), acc);
        }
    }

    /// The rows, sorted by source namespace and name, then destination namespace and name.
    pub fn rows(self) -> Vec<EdgeRow> {
        let Edges {
            edges,
            served_as,
            clients,
            seen_inbound,
            kinds,
            ..
        } = self;
        let mut rows: Vec<EdgeRow> = edges
            .into_iter()
            .map(|((src_ns, src, dst_ns, dst), acc)| {
                let client_id = acc
                    .any_tls
                    .then(|| client_identity(&src_ns, &src, &dst_ns, &dst, &served_as, &clients))
                    .flatten();
                EdgeRow {
                    secured: if acc.not_tls.is_empty() {
                        SECURED.to_string()
                    } else {
                        acc.not_tls.into_iter().collect::<Vec<_>>().join(",")
                    },
                    server_id: (!acc.server_ids.is_empty())
                        .then(|| acc.server_ids.into_iter().collect::<Vec<_>>().join(",")),
                    client_id,
                    src,
                    src_kind: acc.src_kind,
                    src_ns,
                    dst,
                    dst_kind: acc.dst_kind,
                    dst_ns,
                    rps: acc.rps.or(acc.windowed.then_some(0.0)),
                    requests: acc.requests,
                    connections: acc.connections,
                    opened: acc.opened,
                    closed: acc.closed,
                }
            })
            .collect();
        let unselected: Vec<EdgeRow> = seen_inbound
            .into_iter()
            .filter(|((dst_ns, dst, client, _), _)| !accounted_for(&rows, dst_ns, dst, client))
            .map(|((dst_ns, dst, client, _), acc)| {
                inbound_row(dst_ns, dst, client, acc, (&served_as, &kinds))
            })
            .collect();
        rows.extend(unselected);
        rows.sort_by(|a, b| {
            (&a.src_ns, &a.src, &a.dst_ns, &a.dst).cmp(&(&b.src_ns, &b.src, &b.dst_ns, &b.dst))
        });
        rows
    }
}

/// Whether an outbound row into `dst_ns/dst` accounts for the calls a destination saw from
/// `client`: a row whose client identity is `client`, or whose source's identity is unknown
/// and in `client`'s namespace (an identity-less client: any row that was not all mTLS).
fn accounted_for(rows: &[EdgeRow], dst_ns: &str, dst: &str, client: &str) -> bool {
    rows.iter()
        .filter(|r| r.dst_ns == dst_ns && r.dst == dst)
        .any(|r| match (&r.client_id, client) {
            (_, "") => r.secured != SECURED,
            (Some(id), _) => id == client,
            (None, _) => identity_namespace(client) == Some(r.src_ns.as_str()),
        })
}

/// The row of an edge only its destination saw, from a client with identity `client` (empty:
/// none): the source is the workload other proxies saw serving that identity, else its service
/// account.
fn inbound_row(
    dst_ns: String,
    dst: String,
    client: String,
    acc: Acc,
    (served_as, kinds): (
        &HashMap<WorkloadId, BTreeSet<String>>,
        &HashMap<WorkloadId, &'static str>,
    ),
) -> EdgeRow {
    let holders: Vec<&WorkloadId> = served_as
        .iter()
        .filter(|(_, ids)| ids.contains(&client))
        .map(|(workload, _)| workload)
        .collect();
    let (src_kind, src, src_ns) = match (holders.as_slice(), client.split_once('.')) {
        ([holder], _) => (
            kinds.get(*holder).copied().unwrap_or("pod"),
            holder.1.clone(),
            holder.0.clone(),
        ),
        (_, Some((account, _))) => (
            SERVICE_ACCOUNT,
            account.to_string(),
            identity_namespace(&client).unwrap_or_default().to_string(),
        ),
        _ => ("unknown", "-".to_string(), String::new()),
    };
    let server_id = served_as
        .get(&(dst_ns.clone(), dst.clone()))
        .filter(|ids| ids.len() == 1)
        .and_then(|ids| ids.first().cloned());
    EdgeRow {
        secured: if acc.not_tls.is_empty() {
            SECURED.to_string()
        } else {
            acc.not_tls.into_iter().collect::<Vec<_>>().join(",")
        },
        server_id: server_id.filter(|_| acc.any_tls),
        client_id: (!client.is_empty()).then_some(client),
        src,
        src_kind: src_kind.to_string(),
        src_ns,
        dst,
        dst_kind: acc.dst_kind,
        dst_ns,
        rps: acc.rps.or(acc.windowed.then_some(0.0)),
        requests: acc.requests,
        connections: acc.connections,
        opened: acc.opened,
        closed: acc.closed,
    }
}

/// The kind of a source known only by its service account.
pub const SERVICE_ACCOUNT: &str = "serviceaccount";

impl EdgeRow {
    /// The source as the table shows it: `sa/NAME` for a service account, else its name.
    pub fn src_text(&self) -> String {
        if self.src_kind == SERVICE_ACCOUNT {
            format!("sa/{}", self.src)
        } else {
            self.src.clone()
        }
    }
}

/// Adds one series' numbers to an edge.
fn merge(into: &mut Acc, from: Acc) {
    if into.src_kind.is_empty() {
        into.src_kind = from.src_kind;
        into.dst_kind = from.dst_kind;
    }
    into.server_ids.extend(from.server_ids);
    into.not_tls.extend(from.not_tls);
    into.any_tls |= from.any_tls;
    into.windowed |= from.windowed;
    into.rps = match (into.rps, from.rps) {
        (Some(a), Some(b)) => Some(a + b),
        (a, b) => a.or(b),
    };
    into.requests += from.requests;
    into.connections += from.connections;
    into.opened += from.opened;
    into.closed += from.closed;
}

/// The destination of an outbound series: (kind, name, namespace).
fn destination(sample: &SampleRef<'_>) -> (&'static str, String, String) {
    let namespace = sample
        .label("dst_namespace")
        .map(Cow::into_owned)
        .unwrap_or_default();
    for (label, kind) in DST_WORKLOAD_LABELS {
        if let Some(name) = sample.label(label).filter(|n| !n.is_empty()) {
            return (kind, name.into_owned(), namespace);
        }
    }
    match sample.label("authority").filter(|a| !a.is_empty()) {
        Some(authority) => ("authority", authority.into_owned(), namespace),
        None => (
            "address",
            sample
                .label("target_addr")
                .map_or_else(|| "-".to_string(), Cow::into_owned),
            namespace,
        ),
    }
}

/// The namespace an identity names: `<serviceaccount>.<namespace>.serviceaccount.identity...`.
fn identity_namespace(id: &str) -> Option<&str> {
    let mut parts = id.split('.');
    let _account = parts.next()?;
    let namespace = parts.next()?;
    (parts.next() == Some("serviceaccount")).then_some(namespace)
}

/// The source's identity (see the module doc), when only one fits.
fn client_identity(
    src_ns: &str,
    src: &str,
    dst_ns: &str,
    dst: &str,
    served_as: &HashMap<WorkloadId, BTreeSet<String>>,
    clients: &HashMap<WorkloadId, BTreeSet<String>>,
) -> Option<String> {
    let single = |ids: Vec<&String>| match ids.as_slice() {
        [only] => Some((*only).clone()),
        _ => None,
    };
    if let Some(ids) = served_as.get(&(src_ns.to_string(), src.to_string())) {
        return single(ids.iter().collect());
    }
    let seen = clients.get(&(dst_ns.to_string(), dst.to_string()))?;
    single(
        seen.iter()
            .filter(|id| identity_namespace(id) == Some(src_ns))
            .filter(|id| {
                !served_as
                    .iter()
                    .any(|((ns, name), ids)| (ns != src_ns || name != src) && ids.contains(*id))
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests;
