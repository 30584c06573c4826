//! Diff of two snapshots: per series old, new, delta and per-second rate; added and removed
//! series; histograms summarised by count and p50/p99; per pod or summed per workload.
//!
//! Series are matched by family identity ([`family_identity`]): a counter read from Prometheus
//! text and one read from OpenMetrics are the same series. Counter deltas are Prometheus
//! `increase()`s: a value that went down counts from zero. With [`DiffBy::Workload`] series are
//! summed over the target labels minus `pod`, and a counter's delta is the sum of its pods'
//! increases (a pod that appeared counts from zero, one that disappeared adds nothing); a
//! per-process gauge ([`is_per_process_gauge`]: start time, certificate expiry, build info) is
//! not summed but shows the earliest value across the pods.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::metrics::model::{
    Labels, MetricType, Snapshot, family_identity, is_per_process_gauge, serialize_labels,
};
use crate::metrics::quantile::{Bucket, histogram_quantile};

/// How series are grouped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DiffBy {
    /// Summed over pods of the same workload (target labels minus `pod`).
    #[default]
    Workload,
    /// One series per pod.
    Pod,
}

/// Diff options.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DiffOptions {
    /// Grouping.
    pub by: DiffBy,
    /// Leave out series and histograms that did not change.
    pub only_changed: bool,
}

/// What happened to a series.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Change {
    /// Only in the new snapshot.
    Added,
    /// Only in the old snapshot.
    Removed,
    /// In both, different value.
    Changed,
    /// In both, same value.
    Unchanged,
}

/// One series' change.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SeriesDiff {
    /// Family name.
    pub family: String,
    /// Family type.
    pub kind: MetricType,
    /// Sample name.
    pub name: String,
    /// Target and sample labels, sorted.
    #[serde(serialize_with = "serialize_labels")]
    pub labels: Labels,
    /// Old value.
    pub old: Option<f64>,
    /// New value.
    pub new: Option<f64>,
    /// Counters: the increase (resets handled); others: new − old.
    pub delta: Option<f64>,
    /// Counters: delta per second of the elapsed time.
    pub rate: Option<f64>,
    /// What happened.
    pub change: Change,
}

/// One histogram's change (its `_bucket`/`_count`/`_sum` series summarised).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HistogramDiff {
    /// Family name.
    pub family: String,
    /// Target and sample labels without `le`, sorted.
    #[serde(serialize_with = "serialize_labels")]
    pub labels: Labels,
    /// Old `_count`.
    pub old_count: Option<f64>,
    /// New `_count`.
    pub new_count: Option<f64>,
    /// Increase of `_count`.
    pub count_delta: Option<f64>,
    /// p50 of the old cumulative buckets.
    pub old_p50: Option<f64>,
    /// p50 of the new cumulative buckets.
    pub new_p50: Option<f64>,
    /// p99 of the old cumulative buckets.
    pub old_p99: Option<f64>,
    /// p99 of the new cumulative buckets.
    pub new_p99: Option<f64>,
    /// p50 of the observations between the two snapshots (bucket increases).
    pub window_p50: Option<f64>,
    /// p99 of the observations between the two snapshots.
    pub window_p99: Option<f64>,
    /// What happened.
    pub change: Change,
}

/// The diff of two snapshots.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SnapshotDiff {
    /// Seconds between the snapshots' latest scrape times, when both are known.
    pub elapsed_secs: Option<f64>,
    /// Series other than histogram ones, sorted by family, name, labels.
    pub series: Vec<SeriesDiff>,
    /// Histograms, sorted by family, labels.
    pub histograms: Vec<HistogramDiff>,
}

type SeriesKey = (String, String, Labels);

/// Per pod-level series: values on each side, keyed by family identity (a counter read from
/// Prometheus text and from OpenMetrics is the same family), with the family's type.
fn flatten(snapshot: &Snapshot) -> BTreeMap<SeriesKey, (MetricType, f64)> {
    let mut out = BTreeMap::new();
    for target in &snapshot.targets {
        for family in target.families() {
            let identity = family_identity(family.name(), family.kind()).into_owned();
            for sample in family.samples() {
                let mut labels = sample.owned_labels();
                labels.extend(
                    target
                        .labels
                        .iter()
                        .filter(|(n, _)| sample.label(n).is_none())
                        .cloned(),
                );
                labels.sort();
                let name = if family.kind() == MetricType::Counter && sample.name == family.name() {
                    identity.clone()
                } else {
                    sample.name.to_string()
                };
                out.insert(
                    (identity.clone(), name, labels),
                    (family.kind(), sample.value),
                );
            }
        }
    }
    out
}

fn is_counter_like(kind: MetricType, family: &str, name: &str) -> bool {
    let suffix = name.strip_prefix(family).unwrap_or("");
    kind == MetricType::Counter
        || (matches!(kind, MetricType::Histogram | MetricType::Summary)
            && matches!(suffix, "_count" | "_sum" | "_bucket"))
}

#[derive(Default)]
struct Sums {
    kind: Option<MetricType>,
    old: Option<f64>,
    new: Option<f64>,
    increase: f64,
}

fn add(slot: &mut Option<f64>, v: Option<f64>) {
    if let Some(v) = v {
        *slot = Some(slot.unwrap_or(0.0) + v);
    }
}

fn earliest(slot: &mut Option<f64>, v: Option<f64>) {
    if let Some(v) = v {
        *slot = Some(slot.map_or(v, |s| s.min(v)));
    }
}

fn latest(snapshot: &Snapshot) -> Option<i64> {
    snapshot
        .targets
        .iter()
        .filter_map(|t| t.scrape_time_ms)
        .max()
}

/// Compare `old` with `new`.
pub fn diff(old: &Snapshot, new: &Snapshot, options: DiffOptions) -> SnapshotDiff {
    let elapsed_secs = match (latest(old), latest(new)) {
        (Some(a), Some(b)) if b > a => Some((b - a) as f64 / 1000.0),
        _ => None,
    };
    let (a, b) = (flatten(old), flatten(new));
    let mut sums: BTreeMap<SeriesKey, Sums> = BTreeMap::new();
    let keys: std::collections::BTreeSet<&SeriesKey> = a.keys().chain(b.keys()).collect();
    for key in keys {
        let (va, vb) = (a.get(key), b.get(key));
        let kind = vb.or(va).map(|(k, _)| *k).expect("key comes from one side");
        let (va, vb) = (va.map(|(_, v)| *v), vb.map(|(_, v)| *v));
        let increase = match (va, vb) {
            (Some(o), Some(n)) if n >= o => n - o,
            (_, Some(n)) => n,
            (_, None) => 0.0,
        };
        let mut out_key = key.clone();
        if options.by == DiffBy::Workload {
            out_key.2.retain(|(n, _)| n != "pod");
        }
        let s = sums.entry(out_key).or_default();
        s.kind = Some(kind);
        // A per-process fact (start time, certificate expiry, build info) summed over pods
        // means nothing: across pods it is the earliest.
        if is_per_process_gauge(&key.1, kind) {
            earliest(&mut s.old, va);
            earliest(&mut s.new, vb);
        } else {
            add(&mut s.old, va);
            add(&mut s.new, vb);
        }
        s.increase += increase;
    }
    let mut series = Vec::new();
    let mut histograms: BTreeMap<(String, Labels), HistogramAcc> = BTreeMap::new();
    for ((family, name, labels), s) in sums {
        let kind = s.kind.expect("set with every entry");
        if kind == MetricType::Histogram {
            histograms
                .entry(histogram_key(&family, &labels))
                .or_default()
                .add(&family, &name, &labels, &s);
            continue;
        }
        let counter = is_counter_like(kind, &family, &name);
        let delta = match (s.old, s.new) {
            (Some(_), Some(_)) if counter => Some(s.increase),
            (Some(o), Some(n)) => Some(n - o),
            _ => None,
        };
        let change = change_of(s.old, s.new);
        if options.only_changed && change == Change::Unchanged {
            continue;
        }
        series.push(SeriesDiff {
            family,
            kind,
            name,
            labels,
            old: s.old,
            new: s.new,
            delta,
            rate: delta
                .filter(|_| counter)
                .zip(elapsed_secs)
                .map(|(d, e)| d / e),
            change,
        });
    }
    let histograms = histograms
        .into_iter()
        .map(|((family, labels), h)| h.finish(family, labels))
        .filter(|h| !options.only_changed || h.change != Change::Unchanged)
        .collect();
    SnapshotDiff {
        elapsed_secs,
        series,
        histograms,
    }
}

fn change_of(old: Option<f64>, new: Option<f64>) -> Change {
    match (old, new) {
        (None, _) => Change::Added,
        (_, None) => Change::Removed,
        (Some(o), Some(n)) if o.to_bits() == n.to_bits() || o == n => Change::Unchanged,
        _ => Change::Changed,
    }
}

fn histogram_key(family: &str, labels: &Labels) -> (String, Labels) {
    (
        family.to_string(),
        labels.iter().filter(|(n, _)| n != "le").cloned().collect(),
    )
}

#[derive(Default)]
struct HistogramAcc {
    old_count: Option<f64>,
    new_count: Option<f64>,
    count_increase: f64,
    old: Vec<Bucket>,
    new: Vec<Bucket>,
    window: Vec<Bucket>,
}

impl HistogramAcc {
    fn add(&mut self, family: &str, name: &str, labels: &Labels, s: &Sums) {
        match name.strip_prefix(family) {
            Some("_count") => {
                self.old_count = s.old;
                self.new_count = s.new;
                self.count_increase = s.increase;
            }
            Some("_bucket") => {
                let Some(le) = labels
                    .iter()
                    .find(|(n, _)| n == "le")
                    .and_then(|(_, v)| crate::metrics::parse::parse_float(v))
                else {
                    return;
                };
                let bucket = |count| Bucket {
                    upper_bound: le,
                    count,
                };
                self.old.extend(s.old.map(bucket));
                self.new.extend(s.new.map(bucket));
                if s.old.is_some() && s.new.is_some() {
                    self.window.push(bucket(s.increase));
                }
            }
            _ => {}
        }
    }

    fn finish(self, family: String, labels: Labels) -> HistogramDiff {
        let q = |q, b: &[Bucket]| Some(histogram_quantile(q, b)).filter(|v| !v.is_nan());
        HistogramDiff {
            family,
            labels,
            count_delta: self
                .old_count
                .and(self.new_count)
                .map(|_| self.count_increase),
            old_count: self.old_count,
            new_count: self.new_count,
            old_p50: q(0.5, &self.old),
            new_p50: q(0.5, &self.new),
            old_p99: q(0.99, &self.old),
            new_p99: q(0.99, &self.new),
            window_p50: q(0.5, &self.window),
            window_p99: q(0.99, &self.window),
            change: change_of(self.old_count, self.new_count),
        }
    }
}

#[cfg(test)]
mod tests;
