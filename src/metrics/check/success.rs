//! `linkerd-traffic`: workloads whose success rate is below `--min-success`, with their own
//! failing outbound calls.

use super::text::in_namespace;
use super::{Finding, Input, Outcome};
use crate::metrics::stat::{self, GroupBy};

pub(super) fn success_rates(input: &Input<'_>) -> Vec<Finding> {
    let rows = |by| match input.stats {
        (Some(before), after) => stat::compute(before, after, by),
        (None, after) => stat::compute_since_start(after, by),
    };
    let min = input.thresholds.min_success;
    let pod_rows = rows(GroupBy::Pod);
    let authority_rows = rows(GroupBy::Authority);
    let low: Vec<Finding> = rows(GroupBy::Workload)
        .into_iter()
        .filter_map(|row| {
            let rate = row.success_rate.filter(|r| *r < min)?;
            let pods: Vec<String> = pod_rows
                .iter()
                .filter(|p| p.namespace == row.namespace && p.workload == row.workload)
                .filter_map(|p| Some(in_namespace(&p.namespace, p.pod.as_ref()?)))
                .collect();
            let mut f = Finding::bad(
                Outcome::Warning,
                format!(
                    "{} in {}: success rate {:.2}% is below {}%",
                    row.workload,
                    row.namespace,
                    rate * 100.0,
                    min * 100.0
                ),
                format!(
                    "see which callers and routes fail: kubectl linkerd-export stat {} -n {} --by authority",
                    row.workload, row.namespace
                ),
                pods,
            );
            // Failing calls of its own explain a workload's failures: name them.
            f.details = authority_rows
                .iter()
                .filter(|a| a.namespace == row.namespace && a.workload == row.workload)
                .filter(|a| a.direction.as_deref() == Some("outbound"))
                .filter_map(|a| {
                    let rate = a.success_rate.filter(|r| *r < min)?;
                    Some(format!(
                        "its calls to {} succeed {:.2}%",
                        a.authority.as_deref().unwrap_or("?"),
                        rate * 100.0
                    ))
                })
                .collect();
            f.workloads = vec![in_namespace(&row.namespace, &row.workload)];
            Some(f)
        })
        .collect();
    if low.is_empty() {
        return vec![Finding::ok(format!(
            "every workload's success rate is at least {}%",
            min * 100.0
        ))];
    }
    low
}
