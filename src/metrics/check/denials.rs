//! `linkerd-traffic`: inbound requests and connections denied by authorization policy.

use std::collections::{BTreeMap, BTreeSet};

use super::scrapes::Pair;
use super::text::{listed, since, workload_id};
use super::{Finding, Outcome};

/// Families counting requests or connections denied by authorization policy.
pub(super) fn deny_family(name: &str) -> bool {
    matches!(
        name.strip_suffix("_total").unwrap_or(name),
        "inbound_http_authz_deny" | "inbound_tcp_authz_deny"
    )
}

pub(super) fn denials(pairs: &[Pair<'_>], windowed: bool) -> Vec<Finding> {
    // workload -> (pods, servers, denied)
    let mut denied: BTreeMap<String, (BTreeSet<String>, BTreeSet<String>, f64)> = BTreeMap::new();
    for pair in pairs {
        for (s, increase) in pair.increases(deny_family) {
            if increase <= 0.0 {
                continue;
            }
            let entry = denied.entry(workload_id(&pair.proxy.key)).or_default();
            entry.0.insert(pair.pod());
            if let Some(server) = s.label("srv_name") {
                entry.1.insert(server.into_owned());
            }
            entry.2 += increase;
        }
    }
    if denied.is_empty() {
        return vec![Finding::ok(
            "no inbound request denied by authorization policy",
        )];
    }
    let when = since(windowed);
    denied
        .into_iter()
        .map(|(workload, (pods, servers, n))| {
            let pods: Vec<String> = pods.into_iter().collect();
            let servers: Vec<String> = servers.into_iter().collect();
            let mut f = Finding::bad(
                Outcome::Warning,
                format!(
                    "{workload} denied {n} inbound requests or connections {when} (server {}): {}",
                    listed(&servers),
                    listed(&pods)
                ),
                "if these callers should be allowed, add an AuthorizationPolicy for them; kubectl linkerd-export authz shows who is denied".to_string(),
                pods,
            );
            f.workloads = vec![workload];
            f
        })
        .collect()
}
