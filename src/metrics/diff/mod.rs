//! Diff of two snapshots: per series old, new, delta and per-second rate; added and removed
//! series; histograms summarised by count and p50/p99; per pod or summed per workload.
//!
//! Series are matched by family identity ([`family_identity`]): a counter read from Prometheus
//! text and one read from OpenMetrics are the same series. Counter deltas are Prometheus
//! `increase()`s: a value that went down counts from zero. With [`DiffBy::Workload`] series are
//! summed over the target labels minus `pod` and `instance`, and a counter's delta is the sum of
//! its pods' increases (a pod that appeared counts from zero, one that disappeared adds nothing); a
//! per-process gauge ([`is_per_process_gauge`]: start time, certificate expiry, build info) is
//! not summed but shows the earliest value across the pods.

use std::borrow::Cow;
use std::hash::BuildHasher;

use serde::Serialize;

use crate::metrics::MetricType;

use crate::metrics::model::{
    Labels, Snapshot, family_identity, is_per_process_gauge, serialize_labels,
};
use crate::metrics::quantile::{Bucket, histogram_quantile};

/// How series are grouped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DiffBy {
    /// Summed over pods of the same workload (target labels minus `pod` and `instance`).
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

/// Where a series was seen: target, family and sample index.
#[derive(Debug, Clone, Copy)]
struct At {
    target: u32,
    family: u32,
    sample: u32,
}

/// One pod's series on one side.
#[derive(Debug, Clone, Copy)]
struct PodSeries {
    /// The identity it is summed under ([`DiffBy::Workload`]: without `pod` and `instance`).
    out: u64,
    /// The pod (its target labels).
    pod: u64,
    kind: MetricType,
    /// A start time, expiry or build fact: not summed ([`is_per_process_gauge`]).
    per_process: bool,
    value: f64,
    at: At,
}

/// The hasher of series identities: fixed, so both sides agree.
const SERIES_HASHER: foldhash::quality::FixedState = foldhash::quality::FixedState::with_seed(7);

fn part(name: &str, value: &str) -> u64 {
    SERIES_HASHER.hash_one((name, value))
}

/// The labels that tell one pod of a workload from another, left out when series are summed
/// per workload: `pod`, and `instance` (`podIP:adminPort`, spec §4a).
const PER_POD_LABELS: [&str; 2] = ["pod", "instance"];

/// One side's series, keyed by identity: family identity (a counter read from Prometheus text
/// and from OpenMetrics is one family), sample name, and the labels of sample and target (a
/// sample's own label wins over a target label of the same name), in any order. Labels are
/// hashed where they lie in the text: nothing is allocated per sample.
fn series_of(snapshot: &Snapshot, by: DiffBy) -> foldhash::HashMap<u64, PodSeries> {
    let mut out: foldhash::HashMap<u64, PodSeries> = Default::default();
    let mut clashes: Vec<bool> = Vec::new();
    for (t, target) in snapshot.targets.iter().enumerate() {
        let target_parts: Vec<u64> = target.labels.iter().map(|(n, v)| part(n, v)).collect();
        let all_targets: u64 = target_parts.iter().fold(0, |a, p| a.wrapping_add(*p));
        let pod = SERIES_HASHER.hash_one(&target.labels);
        for (f, family) in target.families().enumerate() {
            let identity = family_identity(family.name(), family.kind());
            for (i, sample) in family.samples().enumerate() {
                clashes.clear();
                clashes.resize(target.labels.len(), false);
                let mut sum = all_targets;
                let mut per_pod = [None; PER_POD_LABELS.len()];
                for label in sample.labels.iter() {
                    let p = part(&label.name, &label.value);
                    sum = sum.wrapping_add(p);
                    if let Some(c) = target.labels.iter().position(|(n, _)| *n == label.name)
                        && !clashes[c]
                    {
                        clashes[c] = true;
                        sum = sum.wrapping_sub(target_parts[c]);
                    }
                    if let Some(k) = PER_POD_LABELS.iter().position(|n| *n == label.name) {
                        per_pod[k] = Some(p);
                    }
                }
                for (k, name) in PER_POD_LABELS.iter().enumerate() {
                    if per_pod[k].is_none()
                        && let Some(c) = target.labels.iter().position(|(n, _)| n == name)
                    {
                        per_pod[k] = Some(target_parts[c]);
                    }
                }
                let name =
                    counter_sample_name(&identity, family.kind(), family.name(), sample.name);
                let key = SERIES_HASHER.hash_one((identity.as_ref(), name.as_ref(), sum));
                let grouped = match by {
                    DiffBy::Workload => per_pod
                        .iter()
                        .flatten()
                        .fold(sum, |s, p| s.wrapping_sub(*p)),
                    DiffBy::Pod => sum,
                };
                out.insert(
                    key,
                    PodSeries {
                        out: SERIES_HASHER.hash_one((identity.as_ref(), name.as_ref(), grouped)),
                        pod,
                        kind: family.kind(),
                        per_process: is_per_process_gauge(sample.name, family.kind()),
                        value: sample.value,
                        at: At {
                            target: t as u32,
                            family: f as u32,
                            sample: i as u32,
                        },
                    },
                );
            }
        }
    }
    out
}

/// A counter's sample as Prometheus text names it (OpenMetrics may write `x` for counter `x`).
fn counter_sample_name<'a>(
    identity: &Cow<'a, str>,
    kind: MetricType,
    family: &str,
    sample: &'a str,
) -> Cow<'a, str> {
    if kind == MetricType::Counter && sample == family {
        identity.clone()
    } else {
        Cow::Borrowed(sample)
    }
}

/// What a row is sorted by and shows of its series: family identity, sample name, labels.
type RowKey = (String, String, Labels);

/// The series at `at`, as a row: family identity, sample name, and the labels of sample and
/// target sorted (without `pod` and `instance` when summed per workload).
fn materialize(snapshot: &Snapshot, at: At, by: DiffBy) -> RowKey {
    let target = &snapshot.targets[at.target as usize];
    let family = target.family_at(at.family as usize).expect("indexed above");
    let sample = family.sample_at(at.sample as usize).expect("indexed above");
    let identity = family_identity(family.name(), family.kind());
    let name =
        counter_sample_name(&identity, family.kind(), family.name(), sample.name).into_owned();
    let mut labels = sample.owned_labels();
    labels.extend(
        target
            .labels
            .iter()
            .filter(|(n, _)| sample.label(n).is_none())
            .cloned(),
    );
    if by == DiffBy::Workload {
        labels.retain(|(n, _)| !PER_POD_LABELS.contains(&n.as_str()));
    }
    labels.sort();
    (identity.into_owned(), name, labels)
}

/// Each pod's `process_start_time_seconds`, to tell a restart between the sides.
fn process_starts(snapshot: &Snapshot) -> foldhash::HashMap<u64, f64> {
    snapshot
        .targets
        .iter()
        .filter_map(|t| {
            let start = t
                .samples()
                .find(|(_, s)| s.name == "process_start_time_seconds")?
                .1
                .value;
            Some((SERIES_HASHER.hash_one(&t.labels), start))
        })
        .collect()
}

/// Each pod's scrape time.
fn scrape_times(snapshot: &Snapshot) -> foldhash::HashMap<u64, i64> {
    snapshot
        .targets
        .iter()
        .filter_map(|t| Some((SERIES_HASHER.hash_one(&t.labels), t.scrape_time_ms?)))
        .collect()
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
    /// Sum of the pods' increases per second of their own elapsed time.
    rate: f64,
    /// Whether every pod's elapsed time was known for `rate`.
    rate_known: bool,
    /// Where the series is, on the new side if it is there.
    at: Option<(bool, At)>,
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
    let by = options.by;
    let (a, b) = (series_of(old, by), series_of(new, by));
    let (starts_a, starts_b) = (process_starts(old), process_starts(new));
    let (times_a, times_b) = (scrape_times(old), scrape_times(new));
    let mut sums: foldhash::HashMap<u64, Sums> = Default::default();
    let pairs = a.iter().map(|(k, pa)| (Some(pa), b.get(k))).chain(
        b.iter()
            .filter(|(k, _)| !a.contains_key(*k))
            .map(|(_, pb)| (None, Some(pb))),
    );
    for (pa, pb) in pairs {
        let seen = pb.or(pa).expect("a pair comes from one side at least");
        let kind = seen.kind;
        let (va, vb) = (pa.map(|p| p.value), pb.map(|p| p.value));
        // A counter restarts from zero when its pod restarted (its start time changed) or when
        // it went down, as Prometheus' increase() reads it.
        let restarted = matches!(
            (starts_a.get(&seen.pod), starts_b.get(&seen.pod)),
            (Some(x), Some(y)) if x != y
        );
        let increase = match (va, vb) {
            (Some(o), Some(n)) if n >= o && !restarted => n - o,
            (_, Some(n)) => n,
            (_, None) => 0.0,
        };
        let s = sums.entry(seen.out).or_default();
        if s.kind.is_none() {
            s.rate_known = true;
        }
        s.kind = Some(kind);
        if seen.per_process {
            // A per-process fact (start time, certificate expiry, build info) summed over pods
            // means nothing: across pods it is the earliest.
            earliest(&mut s.old, va);
            earliest(&mut s.new, vb);
        } else {
            add(&mut s.old, va);
            add(&mut s.new, vb);
        }
        s.increase += increase;
        // Each pod's increase over its own elapsed time: pods are not scraped at one instant.
        match (times_a.get(&seen.pod), times_b.get(&seen.pod)) {
            (Some(ta), Some(tb)) if tb > ta && va.is_some() && vb.is_some() => {
                s.rate += increase / ((tb - ta) as f64 / 1000.0);
            }
            _ if va.is_none() || vb.is_none() => {}
            _ => s.rate_known = false,
        }
        if pb.is_some() || s.at.is_none() {
            s.at = Some((pb.is_some(), seen.at));
        }
    }
    let mut rows: Vec<(Vec<u8>, RowKey, Sums)> = Vec::with_capacity(sums.len());
    rows.extend(
        sums.into_values()
            // Rows are built (labels decoded and owned) only for what is shown.
            .filter(|s| {
                !options.only_changed
                    || s.kind == Some(MetricType::Histogram)
                    || change_of(s.old, s.new) != Change::Unchanged
            })
            .map(|s| {
                let (on_new, at) = s.at.expect("set with every entry");
                let key = materialize(if on_new { new } else { old }, at, by);
                (sort_key(&key), key, s)
            }),
    );
    // One comparison of byte strings per pair rather than one per string of the key: sorting
    // tens of thousands of rows by their strings was most of a large diff's time.
    rows.sort_by(|x, y| x.0.cmp(&y.0));
    let mut series = Vec::with_capacity(rows.len());
    let mut histograms: foldhash::HashMap<(String, Labels), HistogramAcc> = Default::default();
    for (_, (family, name, labels), s) in rows {
        let kind = s.kind.expect("set with every entry");
        if kind == MetricType::Histogram {
            let part = match name.strip_prefix(family.as_str()) {
                Some("_count") => HistogramPart::Count,
                Some("_bucket") => HistogramPart::Bucket(
                    labels
                        .iter()
                        .find(|(n, _)| n == "le")
                        .and_then(|(_, v)| crate::metrics::parse::parse_float(v)),
                ),
                _ => HistogramPart::Other,
            };
            // The row's labels without `le` are the histogram's: moved, not copied.
            let mut labels = labels;
            labels.retain(|(n, _)| n != "le");
            histograms
                .entry((family, labels))
                .or_default()
                .add(part, &s);
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
            rate: match delta.filter(|_| counter) {
                Some(_) if s.rate_known => Some(s.rate),
                Some(d) => elapsed_secs.map(|e| d / e),
                None => None,
            },
            change,
        });
    }
    let mut histograms: Vec<((String, Labels), HistogramAcc)> = histograms.into_iter().collect();
    histograms.sort_unstable_by(|a, b| a.0.cmp(&b.0));
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

/// A row's (family, sample name, labels) as one byte string that sorts as the tuple does: each
/// string's bytes plus one (UTF-8 has no byte above 0xF4), then a 0, so a string sorts before
/// any longer one it begins.
fn sort_key((family, name, labels): &RowKey) -> Vec<u8> {
    let strings = [family, name]
        .into_iter()
        .chain(labels.iter().flat_map(|(n, v)| [n, v]));
    let len: usize = strings.clone().map(|s| s.len() + 1).sum();
    let mut key = Vec::with_capacity(len);
    for s in strings {
        key.extend(s.bytes().map(|b| b + 1));
        key.push(0);
    }
    key
}

fn change_of(old: Option<f64>, new: Option<f64>) -> Change {
    match (old, new) {
        (None, _) => Change::Added,
        (_, None) => Change::Removed,
        (Some(o), Some(n)) if o.to_bits() == n.to_bits() || o == n => Change::Unchanged,
        _ => Change::Changed,
    }
}

/// Which series of a histogram a row is.
enum HistogramPart {
    /// `_count`.
    Count,
    /// `_bucket`, with its `le` bound if it has a readable one.
    Bucket(Option<f64>),
    /// `_sum`, `_created`, ...
    Other,
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
    fn add(&mut self, part: HistogramPart, s: &Sums) {
        match part {
            HistogramPart::Count => {
                self.old_count = s.old;
                self.new_count = s.new;
                self.count_increase = s.increase;
            }
            HistogramPart::Bucket(le) => {
                let Some(le) = le else {
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
            HistogramPart::Other => {}
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
