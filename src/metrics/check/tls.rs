//! `linkerd-tls`: outbound traffic to meshed destinations without mTLS.

use std::collections::{BTreeMap, BTreeSet};

use super::scrapes::Pair;
use super::text::{listed, since, workload_id};
use super::{Finding, Outcome};

/// Families whose outbound samples say whether a connection or request was mTLS.
pub(super) fn tls_family(name: &str) -> bool {
    name == "request_total" || name == "tcp_open_total"
}

pub(super) fn plain_text(pairs: &[Pair<'_>], windowed: bool) -> Vec<Finding> {
    // (namespace/workload, reason) -> (source pods, destinations)
    let mut plain: BTreeMap<(String, String), (BTreeSet<String>, BTreeSet<String>)> =
        BTreeMap::new();
    for pair in pairs {
        for (s, increase) in pair.increases(tls_family) {
            let meshed_destination = s
                .label("dst_control_plane_ns")
                .is_some_and(|ns| !ns.is_empty());
            if increase <= 0.0
                || s.label("direction").as_deref() != Some("outbound")
                || !meshed_destination
                || s.label("tls").as_deref() == Some("true")
            {
                continue;
            }
            let reason = s
                .label("no_tls_reason")
                .or_else(|| s.label("tls"))
                .map_or_else(|| "unknown".to_string(), |r| r.into_owned());
            let destination = [
                "dst_deployment",
                "dst_statefulset",
                "dst_daemonset",
                "dst_service",
            ]
            .iter()
            .find_map(|l| s.label(l).filter(|v| !v.is_empty()))
            .or_else(|| s.label("authority"))
            .map_or_else(String::new, |d| d.into_owned());
            let entry = plain
                .entry((workload_id(&pair.proxy.key), reason))
                .or_default();
            entry.0.insert(pair.pod());
            entry.1.insert(destination);
        }
    }
    if plain.is_empty() {
        let when = since(windowed);
        return vec![Finding::ok(format!(
            "meshed-to-meshed traffic is mTLS {when}"
        ))];
    }
    plain
        .into_iter()
        .map(|((workload, reason), (pods, destinations))| {
            let pods: Vec<String> = pods.into_iter().collect();
            let destinations: Vec<String> = destinations.into_iter().collect();
            let mut f = Finding::bad(
                Outcome::Error,
                format!(
                    "{workload} sends to meshed {} without mTLS ({reason}): {}",
                    listed(&destinations),
                    listed(&pods)
                ),
                "check that the destination's port is not opaque or skipped (config.linkerd.io/skip-outbound-ports, opaque-ports) and that both sides have identity".to_string(),
                pods,
            );
            f.workloads = vec![workload];
            f
        })
        .collect()
}
