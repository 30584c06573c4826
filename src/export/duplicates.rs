//! Duplicate series within one scrape (same name and label set; some proxy versions emit them)
//! merged before remote write, keeping the last value: Mimir and Cortex reject a batch that
//! holds two samples of one series at one timestamp (spec §6).

use std::collections::HashMap;
use std::hash::BuildHasher;

use crate::metrics::model::{SampleRef, Snapshot, Target};

/// The hasher of series identities (fixed, so every run agrees).
const HASHER: foldhash::quality::FixedState = foldhash::quality::FixedState::with_seed(0);

/// A series' identity within its target: its name and its labels with a value (Prometheus
/// treats an empty value as absent), whatever their order. A sum of per-label hashes, 64 bits:
/// two different series of one body collide with odds of about 1 in 10^9 at 10^5 series.
fn identity(sample: &SampleRef<'_>) -> u64 {
    sample
        .labels
        .iter()
        .filter(|l| !l.value.is_empty())
        .fold(HASHER.hash_one(sample.name), |sum, l| {
            sum.wrapping_add(HASHER.hash_one((&*l.name, &*l.value)))
        })
}

/// Drops every sample of `target` that a later sample of the same series repeats; returns how
/// many were dropped.
fn merge_target(target: &mut Target) -> usize {
    let mut last: HashMap<u64, usize> = HashMap::new();
    for (i, (_, sample)) in target.samples().enumerate() {
        last.insert(identity(&sample), i);
    }
    let dropped = target.sample_count() - last.len();
    if dropped > 0 {
        let mut i = 0;
        target.retain(|_, sample| {
            let keep = last.get(&identity(&sample)) == Some(&i);
            i += 1;
            keep
        });
    }
    dropped
}

/// Merges the duplicate series of each target of `snapshot` (one scrape of one proxy), keeping
/// the last value of each; returns how many samples were dropped.
pub fn merge_duplicates(snapshot: &mut Snapshot) -> usize {
    snapshot.targets.iter_mut().map(merge_target).sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::model::Labels;

    fn target(body: &str) -> Target {
        let labels: Labels = vec![("pod".into(), "web-1".into())];
        Target::parse(body.to_string(), labels, Some(1_000)).expect("parses")
    }

    fn samples(target: &Target) -> Vec<(String, String, f64)> {
        target
            .samples()
            .map(|(_, s)| (s.name.to_string(), s.labels.as_str().to_string(), s.value))
            .collect()
    }

    #[test]
    fn a_repeated_series_keeps_its_last_value() {
        let body = "# TYPE request_total counter\n\
                    request_total{direction=\"inbound\",tls=\"true\"} 1\n\
                    request_total{direction=\"outbound\",tls=\"true\"} 2\n\
                    request_total{tls=\"true\",direction=\"inbound\",no_tls_reason=\"\"} 3\n\
                    # TYPE tcp_open_total counter\n\
                    tcp_open_total{direction=\"inbound\"} 4\n\
                    tcp_open_total{direction=\"inbound\"} 5\n";
        let mut snapshot = Snapshot {
            targets: vec![target(body), target(body)],
        };
        assert_eq!(merge_duplicates(&mut snapshot), 4);
        for t in &snapshot.targets {
            assert_eq!(
                samples(t),
                [
                    (
                        "request_total".into(),
                        "direction=\"outbound\",tls=\"true\"".into(),
                        2.0
                    ),
                    (
                        "request_total".into(),
                        "tls=\"true\",direction=\"inbound\",no_tls_reason=\"\"".into(),
                        3.0
                    ),
                    ("tcp_open_total".into(), "direction=\"inbound\"".into(), 5.0),
                ]
            );
        }
    }

    #[test]
    fn distinct_series_are_all_kept() {
        let body = "x{a=\"1\"} 1\nx{a=\"2\"} 2\nx 4\ny{a=\"1\"} 3\n";
        let mut snapshot = Snapshot {
            targets: vec![target(body)],
        };
        assert_eq!(merge_duplicates(&mut snapshot), 0);
        assert_eq!(snapshot.targets[0].sample_count(), 4);
    }
}
