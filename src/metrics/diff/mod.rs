//! Diff of two snapshots: per series old, new, delta and per-second rate; added and removed
//! series; histograms summarised by count and p50/p99; per pod or summed per workload.
//!
//! Series are matched by family identity
//! ([`family_identity`](crate::metrics::model::family_identity)): a counter read from Prometheus
//! text and one read from OpenMetrics are the same series. Counter deltas are Prometheus
//! `increase()`s: a value that went down counts from zero. With [`DiffBy::Workload`] series are
//! summed over the target labels minus `pod` and `instance`, and a counter's delta is the sum of
//! its pods' increases (a pod that appeared counts from zero, one that disappeared adds nothing);
//! a per-process gauge
//! ([`is_per_process_gauge`](crate::metrics::model::is_per_process_gauge): start time,
//! certificate expiry, build info) is not summed but shows the earliest value across the pods.
//! Reading one side in place is `series`; adding up a series over pods is `sums`; gathering a
//! histogram's series is `histogram`.
//!
//! A large diff has ~100,000 series. Most diffs compare two sides that list their series in the
//! same order (two scrapes of the same proxies, a snapshot against the live target, a file
//! against itself): `in_order` pairs them by position, comparing their labels as written, and
//! keys one row per pair in the order the text is in, a large diff in two halves on two cores.
//! Where series are summed (pods of a workload, a series repeated) it gives way to the general
//! path, `hashed`, which matches and sums series by hashes of their labels read in place from
//! the snapshots' text. Only the rows get their labels read out, sorted and written as one sort
//! key each, all in one buffer (`key::Keys`), and the result ([`DiffRows`]) is those keys plus
//! the numbers. A histogram's `_bucket`, `_count` and `_sum` series are gathered into one row,
//! keyed once. Owned rows ([`SnapshotDiff`], the JSON shape) are built only for `-o json`.
//!
//! In `hashed`, the two sides are hashed at once, one on each core; a histogram series' `le`
//! is noted where it lies while its labels are hashed, so they are not read again. The sums
//! (one small record per series) are freed before the rows are keyed, and rows are keyed in
//! the order their samples are in the text: one pass through each body instead of reads at
//! random.
//!
//! Two live scrapes of thousands of proxies are too large to hold both (gigabytes each):
//! [`PairedDiff`] takes them one proxy at a time, pairing each proxy's two bodies as `hashed`
//! pairs series and keeping only the rows' sums (`paired`).

use serde::Serialize;

use crate::metrics::MetricType;

use crate::metrics::model::{Labels, Snapshot, serialize_labels};

mod histogram;
mod in_order;
mod key;
mod paired;
mod series;
mod sums;

use histogram::HistogramAcc;
use key::{KeyAt, Keys};
pub use key::{LabelTexts, Text};
#[cfg(any(test, fuzzing))]
pub use paired::paired_whole;
pub use paired::{PairedDiff, ProxyPair, pair};
use series::{At, Located, Map, pod_times, series_of};
use sums::{Sums, change_of, pod_of};

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
    /// Its numbers (written as fields of the histogram's own JSON object).
    #[serde(flatten)]
    pub values: HistogramValues,
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

/// A diff as its rows: each series' and histogram's numbers and its sort key (family, sample
/// name, labels), series sorted by family, name, labels and histograms by family, labels.
#[derive(Debug, Clone, PartialEq)]
pub struct DiffRows {
    /// Seconds between the snapshots' latest scrape times, when both are known.
    pub elapsed_secs: Option<f64>,
    keys: Keys,
    series: Vec<(KeyAt, SeriesValues)>,
    histograms: Vec<(KeyAt, HistogramValues)>,
}

/// One series' change, without its name and labels (see [`Row`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SeriesValues {
    /// Family type.
    pub kind: MetricType,
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

/// One histogram's change, without its family and labels (see [`Row`]).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct HistogramValues {
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

/// One row of a [`DiffRows`]: its family, name and labels read from its key, and its numbers.
#[derive(Debug, Clone)]
pub struct Row<'d, V> {
    /// Family name.
    pub family: Text<'d>,
    /// Sample name; a histogram's is its family.
    pub name: Text<'d>,
    /// Target and sample labels, sorted (a histogram's without `le`).
    pub labels: LabelTexts<'d>,
    /// The numbers.
    pub values: &'d V,
}

impl DiffRows {
    /// Rows keyed in `keys`, each key once (one per series or histogram identity), sorted.
    fn sorted(
        elapsed_secs: Option<f64>,
        keys: Keys,
        mut series: Vec<(KeyAt, SeriesValues)>,
        mut histograms: Vec<(KeyAt, HistogramValues)>,
    ) -> DiffRows {
        series.sort_unstable_by(|x, y| keys.get(x.0).cmp(keys.get(y.0)));
        histograms.sort_unstable_by(|x, y| keys.get(x.0).cmp(keys.get(y.0)));
        DiffRows {
            elapsed_secs,
            keys,
            series,
            histograms,
        }
    }

    /// The series rows, sorted.
    pub fn series(&self) -> impl ExactSizeIterator<Item = Row<'_, SeriesValues>> {
        self.series_in(0..self.series.len())
    }

    /// The series rows `range` of [`DiffRows::series`].
    pub fn series_in(
        &self,
        range: std::ops::Range<usize>,
    ) -> impl ExactSizeIterator<Item = Row<'_, SeriesValues>> {
        self.series[range].iter().map(|(at, values)| {
            let (family, name, labels) = self.keys.row(*at, true);
            Row {
                family,
                name,
                labels,
                values,
            }
        })
    }

    /// The histogram rows, sorted.
    pub fn histograms(&self) -> impl ExactSizeIterator<Item = Row<'_, HistogramValues>> {
        self.histograms.iter().map(|(at, values)| {
            let (family, name, labels) = self.keys.row(*at, false);
            Row {
                family,
                name,
                labels,
                values,
            }
        })
    }

    /// The series rows' numbers, sorted as [`DiffRows::series`].
    pub fn series_values(&self) -> impl ExactSizeIterator<Item = &SeriesValues> {
        self.series.iter().map(|(_, values)| values)
    }

    /// The histogram rows' numbers, sorted as [`DiffRows::histograms`].
    pub fn histogram_values(&self) -> impl ExactSizeIterator<Item = &HistogramValues> {
        self.histograms.iter().map(|(_, values)| values)
    }

    /// The diff as owned rows (the `-o json` shape).
    pub fn to_snapshot_diff(&self) -> SnapshotDiff {
        let owned = |labels: LabelTexts<'_>| -> Labels {
            labels
                .map(|(n, v)| (n.as_str().into_owned(), v.as_str().into_owned()))
                .collect()
        };
        SnapshotDiff {
            elapsed_secs: self.elapsed_secs,
            series: self
                .series()
                .map(|row| {
                    let v = row.values;
                    SeriesDiff {
                        family: row.family.as_str().into_owned(),
                        kind: v.kind,
                        name: row.name.as_str().into_owned(),
                        labels: owned(row.labels),
                        old: v.old,
                        new: v.new,
                        delta: v.delta,
                        rate: v.rate,
                        change: v.change,
                    }
                })
                .collect(),
            histograms: self
                .histograms()
                .map(|row| HistogramDiff {
                    family: row.family.as_str().into_owned(),
                    labels: owned(row.labels),
                    values: *row.values,
                })
                .collect(),
        }
    }
}

impl From<&SnapshotDiff> for DiffRows {
    /// The rows of an owned diff, in its order.
    fn from(diff: &SnapshotDiff) -> Self {
        let mut keys = Keys::default();
        fn strings(labels: &Labels) -> impl Iterator<Item = &str> {
            labels.iter().flat_map(|(n, v)| [n.as_str(), v.as_str()])
        }
        let series = diff
            .series
            .iter()
            .map(|s| {
                let at = keys.push(
                    [s.family.as_str(), s.name.as_str()]
                        .into_iter()
                        .chain(strings(&s.labels)),
                );
                let values = SeriesValues {
                    kind: s.kind,
                    old: s.old,
                    new: s.new,
                    delta: s.delta,
                    rate: s.rate,
                    change: s.change,
                };
                (at, values)
            })
            .collect();
        let histograms = diff
            .histograms
            .iter()
            .map(|h| {
                let at = keys.push(std::iter::once(h.family.as_str()).chain(strings(&h.labels)));
                (at, h.values)
            })
            .collect();
        DiffRows {
            elapsed_secs: diff.elapsed_secs,
            keys,
            series,
            histograms,
        }
    }
}

/// Seconds between the snapshots' latest scrape times, when both are known.
fn elapsed_secs(old: &Snapshot, new: &Snapshot) -> Option<f64> {
    match (latest(old), latest(new)) {
        (Some(a), Some(b)) if b > a => Some((b - a) as f64 / 1000.0),
        _ => None,
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
pub fn diff(old: &Snapshot, new: &Snapshot, options: DiffOptions) -> DiffRows {
    let elapsed_secs = elapsed_secs(old, new);
    in_order::diff(old, new, options, elapsed_secs)
        .unwrap_or_else(|| hashed(old, new, options, elapsed_secs))
}

/// [`diff`] as each of its paths gives it: pairing by place on one thread, pairing by place in
/// two halves (each falling back to [`hashed`] where [`diff`] does), and [`hashed`] alone.
/// [`crate::fuzz_checks::diff`] checks that the three agree.
#[cfg(any(test, fuzzing))]
pub fn each_path(old: &Snapshot, new: &Snapshot, options: DiffOptions) -> [DiffRows; 3] {
    let elapsed_secs = elapsed_secs(old, new);
    let in_order = |halves| {
        in_order::diff_in_halves(old, new, options, elapsed_secs, halves)
            .unwrap_or_else(|| hashed(old, new, options, elapsed_secs))
    };
    [
        in_order(false),
        in_order(true),
        hashed(old, new, options, elapsed_secs),
    ]
}

/// [`diff`] with every series matched and summed by hashes of its labels: what it gives in
/// every case, and what [`in_order::diff`] gives when it gives anything.
fn hashed(
    old: &Snapshot,
    new: &Snapshot,
    options: DiffOptions,
    elapsed_secs: Option<f64>,
) -> DiffRows {
    let by = options.by;
    // Each side's series are hashed on a core of its own.
    let (a, b) = crate::metrics::join(|| series_of(old, by), || series_of(new, by));
    let pods = pod_times(old, new);
    let mut sums: Map<u64, Sums> = Default::default();
    sums.reserve(a.len().max(b.len()));
    let pairs = a.iter().map(|(k, pa)| (Some(pa), b.get(k))).chain(
        b.iter()
            .filter(|(k, _)| !a.contains_key(*k))
            .map(|(_, pb)| (None, Some(pb))),
    );
    for (pa, pb) in pairs {
        let seen = pb.or(pa).expect("a pair comes from one side at least");
        let pod = pod_of(&pods, pb.is_some(), seen.at);
        sums.entry(seen.out)
            .or_insert_with(|| Sums::start(seen, pb.is_some()))
            .add(pa, pb, pod);
    }
    drop((a, b));
    // The rows shown, with where their labels are; keyed once the sums are freed.
    let mut shown = Vec::new();
    let mut histograms: Map<u64, HistogramAcc<'_, Located<'_>>> = Default::default();
    for s in sums.into_values() {
        let kind = s.kind;
        let series_at = Located {
            snapshot: if s.on_new { new } else { old },
            at: s.at,
        };
        if kind == MetricType::Histogram {
            histograms
                .entry(s.histogram)
                .or_insert_with(|| HistogramAcc::new(series_at))
                .add(|| series_at.le_at(s.le), &s);
            continue;
        }
        let values = s.values(elapsed_secs);
        if options.only_changed && values.change == Change::Unchanged {
            continue;
        }
        shown.push((series_at, values));
    }
    // In the order they are in the text, which is read in one pass rather than at random.
    shown.sort_unstable_by_key(|(series_at, _)| {
        let At {
            target,
            family,
            sample,
        } = series_at.at;
        (
            !std::ptr::eq(series_at.snapshot, old),
            target,
            family,
            sample,
        )
    });
    let mut keys = Keys::default();
    let mut labels = Vec::new();
    // Rows are keyed (labels read out and sorted) only for what is shown.
    let series: Vec<(KeyAt, SeriesValues)> = shown
        .into_iter()
        .map(|(series_at, values)| (series_at.key(&mut keys, by, &mut labels), values))
        .collect();
    let histograms: Vec<(KeyAt, HistogramValues)> = histograms
        .into_values()
        .map(|h| (h.at, h.finish().0))
        .filter(|(_, h)| !options.only_changed || h.change != Change::Unchanged)
        .map(|(at, h)| (at.histogram_key(&mut keys, by, &mut labels), h))
        .collect();
    DiffRows::sorted(elapsed_secs, keys, series, histograms)
}

#[cfg(test)]
mod paired_tests;
#[cfg(test)]
mod tests;
