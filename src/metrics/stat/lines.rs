//! From rows to the lines `stat` and `top` show: empty rows for selected workloads (or pods) no
//! proxy answered for, the MESHED denominators, outbound route totals, and namespace-then-name
//! order. Also how a file's targets are named as proxies ([`proxy_key`], [`name_file_targets`]).

use std::borrow::Borrow;
use std::collections::HashMap;

use serde::Serialize;

use super::reduce::{ProxyKey, StatState};
use super::rows::{GroupBy, StatRow, compute, compute_since_start};
use crate::metrics::model::{PackedTarget, Target};
use crate::resolve::Workload;

/// One row as shown: the computed numbers plus what the table and JSON add around them.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StatLine {
    /// The computed numbers.
    #[serde(flatten)]
    pub row: StatRow,
    /// Pods selected for the row's workload (or 1 for a pod row): the `y` of MESHED `x/y`, where
    /// `x` is `row.meshed_pods`, the proxies scraped successfully.
    pub selected_pods: usize,
    /// Requests per second the workload sent through HTTPRoute/GRPCRoute routes (outbound route
    /// metrics), on workload rows.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub route_rps: Option<f64>,
    /// Success rate of those route requests.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub route_success_rate: Option<f64>,
}

/// The rows to show: [`compute`] from `before` to `after` (or [`compute_since_start`] without
/// `before`), plus an empty row for each selected workload (or pod) that no proxy answered for,
/// the MESHED denominators, and per-workload outbound route totals. Sorted by namespace, then name.
pub fn stat_lines(
    before: Option<&StatState>,
    after: &StatState,
    by: GroupBy,
    selected: &[ProxyKey],
) -> Vec<StatLine> {
    let rows_by = |by| match before {
        Some(before) => compute(before, after, by),
        None => compute_since_start(after, by),
    };
    let mut rows = rows_by(by);
    let mut per_workload: HashMap<(String, String), usize> = HashMap::new();
    for key in selected {
        *per_workload
            .entry((key.namespace.clone(), workload_name(key)))
            .or_default() += 1;
    }
    match by {
        GroupBy::Workload => {
            for (namespace, workload) in per_workload.keys() {
                if !rows
                    .iter()
                    .any(|r| &r.namespace == namespace && &r.workload == workload)
                {
                    rows.push(empty_row(namespace, workload, None));
                }
            }
        }
        GroupBy::Pod => {
            for key in selected {
                if !rows.iter().any(|r| {
                    r.namespace == key.namespace && r.pod.as_deref() == Some(key.pod.as_str())
                }) {
                    rows.push(empty_row(
                        &key.namespace,
                        &workload_name(key),
                        Some(&key.pod),
                    ));
                }
            }
        }
        _ => {}
    }
    rows.sort_by(|a, b| row_order(a).cmp(&row_order(b)));
    let routes = if by == GroupBy::Workload {
        route_totals(&rows_by(GroupBy::Route))
    } else {
        HashMap::new()
    };
    rows.into_iter()
        .map(|row| {
            let workload = (row.namespace.clone(), row.workload.clone());
            let selected_pods = match by {
                GroupBy::Pod => 1,
                _ => per_workload
                    .get(&workload)
                    .copied()
                    .unwrap_or(row.meshed_pods),
            };
            let (route_rps, route_success_rate) =
                routes.get(&workload).copied().unwrap_or((None, None));
            StatLine {
                row,
                selected_pods,
                route_rps,
                route_success_rate,
            }
        })
        .collect()
}

/// [`stat_lines`] for the proxies `after` holds (a file's, or a Prometheus read's).
pub fn stat_lines_of(before: Option<&StatState>, after: &StatState, by: GroupBy) -> Vec<StatLine> {
    let selected: Vec<ProxyKey> = after.proxies.iter().map(|p| p.key.clone()).collect();
    stat_lines(before, after, by, &selected)
}

type RowOrder<'r> = (
    &'r str,
    &'r str,
    Option<&'r str>,
    Option<&'r str>,
    Option<&'r str>,
    Option<&'r str>,
);

fn row_order(row: &StatRow) -> RowOrder<'_> {
    (
        &row.namespace,
        &row.workload,
        row.pod.as_deref(),
        row.direction.as_deref(),
        row.authority.as_deref(),
        row.route.as_deref(),
    )
}

/// Route rows summed per workload: requests per second and success rate.
fn route_totals(rows: &[StatRow]) -> HashMap<(String, String), (Option<f64>, Option<f64>)> {
    let mut sums: HashMap<(String, String), (Option<f64>, f64, f64)> = HashMap::new();
    for row in rows {
        let entry = sums
            .entry((row.namespace.clone(), row.workload.clone()))
            .or_default();
        if let Some(rps) = row.rps {
            entry.0 = Some(entry.0.unwrap_or(0.0) + rps);
        }
        entry.1 += row.requests * row.success_rate.unwrap_or(0.0);
        entry.2 += row.requests;
    }
    sums.into_iter()
        .map(|(key, (rps, success, requests))| {
            (key, (rps, (requests > 0.0).then(|| success / requests)))
        })
        .collect()
}

/// A row for a workload or pod whose proxies all failed.
fn empty_row(namespace: &str, workload: &str, pod: Option<&str>) -> StatRow {
    StatRow {
        namespace: namespace.to_string(),
        workload: workload.to_string(),
        pod: pod.map(str::to_string),
        direction: None,
        authority: None,
        route: None,
        meshed_pods: 0,
        requests: 0.0,
        success_rate: None,
        rps: None,
        latency_p50_ms: None,
        latency_p95_ms: None,
        latency_p99_ms: None,
        tcp_connections: None,
        read_bytes_per_sec: None,
        tls_share: None,
        write_bytes_per_sec: None,
    }
}

/// `kind/name` as [`StatRow::workload`] spells it (`pod/NAME` for a bare pod).
pub fn workload_name(key: &ProxyKey) -> String {
    match &key.workload {
        Some(w) => format!("{}/{}", w.kind, w.name),
        None => format!("pod/{}", key.pod),
    }
}

/// Whether the rows come from more than one namespace (then a NAMESPACE column is needed).
pub fn spans_namespaces(lines: &[StatLine]) -> bool {
    lines
        .windows(2)
        .any(|w| w[0].row.namespace != w[1].row.namespace)
}

/// The workload kinds a target label can name, with the label that names each.
const WORKLOAD_LABELS: &[(&str, &str)] = &[
    ("deployment", "deployment"),
    ("statefulset", "statefulset"),
    ("daemonset", "daemonset"),
    ("replicaset", "replicaset"),
    ("replicationcontroller", "replicationcontroller"),
    ("cronjob", "cronjob"),
    ("k8s_job", "job"),
];

/// Which proxy a file's target is: its `namespace`, `pod` and workload labels.
pub fn proxy_key(target: &Target, fallback_pod: String) -> ProxyKey {
    let workload = WORKLOAD_LABELS.iter().find_map(|(label, kind)| {
        target.label(label).map(|name| Workload {
            kind,
            name: name.to_string(),
        })
    });
    ProxyKey {
        namespace: target.label("namespace").unwrap_or_default().to_string(),
        pod: target.label("pod").map_or(fallback_pod, str::to_string),
        workload,
    }
}

/// A file's targets, each with its pod and a scrape time, parsed one at a time as they are
/// taken. A target without a scrape time gets `file_time_ms`; one without a `pod` label is
/// named `stem` (`stem-0`, `stem-1`, ... when the file holds several).
pub fn name_file_targets(
    targets: Vec<PackedTarget>,
    stem: String,
    file_time_ms: i64,
) -> impl Iterator<Item = (ProxyKey, Target)> {
    let several = targets.len() > 1;
    targets.into_iter().enumerate().map(move |(i, packed)| {
        let fallback_pod = if several {
            format!("{stem}-{i}")
        } else {
            stem.clone()
        };
        let mut target = packed.unpack();
        target.scrape_time_ms.get_or_insert(file_time_ms);
        (proxy_key(&target, fallback_pod), target)
    })
}

/// A reduced state of `targets` (a file's, or a Prometheus read's).
pub fn state_of_targets<T: Borrow<Target>>(
    targets: impl IntoIterator<Item = (ProxyKey, T)>,
) -> StatState {
    let mut state = StatState::default();
    for (key, target) in targets {
        state.add_target(key, target.borrow());
    }
    state
}

/// Why two scrapes cannot make a window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WindowOrder {
    /// The second was scraped before the first: most likely given the wrong way round.
    Reversed,
    /// Both were scraped at the same time: there is no window to compute rates over.
    Simultaneous,
}

/// Checks that `newer` was scraped after `older`, comparing the first proxy both hold.
pub fn check_window_order(older: &StatState, newer: &StatState) -> Result<(), WindowOrder> {
    let times = newer.proxies.iter().find_map(|p| {
        older
            .proxy(&p.key.namespace, &p.key.pod)
            .map(|b| (b.scrape_time_ms, p.scrape_time_ms))
            .filter(|(b, a)| b >= a)
    });
    match times {
        Some((b, a)) if b > a => Err(WindowOrder::Reversed),
        Some(_) => Err(WindowOrder::Simultaneous),
        None => Ok(()),
    }
}
