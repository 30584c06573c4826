//! `sum by (labels)` across the targets of a snapshot, for counters, gauges and histogram buckets.

use std::collections::BTreeMap;

use crate::metrics::model::{Labels, Snapshot};

/// One aggregated series.
#[derive(Debug, Clone, PartialEq)]
pub struct SummedSeries {
    /// Sample name.
    pub name: String,
    /// The `by` labels present on the summed samples (plus `le` for buckets), sorted.
    pub labels: Labels,
    /// Sum of the values.
    pub value: f64,
}

/// Sum the samples named `sample_name` over every target, grouped by the `by` labels (target or
/// sample labels). Bucket samples (`_bucket`) always keep `le`, so the result can go to
/// [`crate::metrics::quantile::histogram_quantile`]. Result sorted by labels.
pub fn sum_by(snapshot: &Snapshot, sample_name: &str, by: &[&str]) -> Vec<SummedSeries> {
    let keep_le = sample_name.ends_with("_bucket");
    let mut sums: BTreeMap<Labels, f64> = BTreeMap::new();
    for target in &snapshot.targets {
        for (_, sample) in target.samples().filter(|(_, s)| s.name == sample_name) {
            let mut key: Labels = by
                .iter()
                .chain(keep_le.then_some(&"le"))
                .filter_map(|l| {
                    sample
                        .label(l)
                        .map(|v| (l.to_string(), v.into_owned()))
                        .or_else(|| target.label(l).map(|v| (l.to_string(), v.to_string())))
                })
                .collect();
            key.sort();
            key.dedup();
            *sums.entry(key).or_default() += sample.value;
        }
    }
    sums.into_iter()
        .map(|(labels, value)| SummedSeries {
            name: sample_name.to_string(),
            labels,
            value,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::model::Target;

    #[test]
    fn sums_across_targets_by_target_and_sample_labels() {
        let body = "# TYPE request_total counter\nrequest_total{direction=\"inbound\"} 2\nrequest_total{direction=\"outbound\"} 3\n# TYPE l histogram\nl_bucket{le=\"1\"} 1\nl_bucket{le=\"+Inf\"} 4\n";
        let t = |pod: &str| {
            Target::parse(
                body.to_string(),
                vec![
                    ("deployment".into(), "web".into()),
                    ("pod".into(), pod.into()),
                ],
                None,
            )
            .unwrap()
        };
        let snapshot = Snapshot {
            targets: vec![t("a"), t("b")],
        };
        let by_dir = sum_by(&snapshot, "request_total", &["direction"]);
        assert_eq!(
            by_dir.iter().map(|s| s.value).collect::<Vec<_>>(),
            [4.0, 6.0]
        );
        let by_deploy = sum_by(&snapshot, "request_total", &["deployment"]);
        assert_eq!(by_deploy.len(), 1);
        assert_eq!(
            by_deploy[0].labels,
            [("deployment".to_string(), "web".to_string())]
        );
        assert_eq!(by_deploy[0].value, 10.0);
        let buckets = sum_by(&snapshot, "l_bucket", &[]);
        assert_eq!(
            buckets.iter().map(|s| s.value).collect::<Vec<_>>(),
            [8.0, 2.0]
        );
    }
}
