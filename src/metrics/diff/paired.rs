//! A diff built one proxy at a time, for live sides too large to hold twice (`diff TARGET
//! --interval` over thousands of pods: each side is gigabytes). Each proxy's two scrapes are
//! paired on their own ([`pair`]: hashed series, on the task that fetched them), then added
//! into the rows' sums ([`PairedDiff::add`]) and dropped: what is kept is one record per row,
//! keyed (labels read out and sorted) when the row is first seen.
//!
//! It gives the rows [`super::diff`] gives for the snapshots of every proxy's first and second
//! scrape, up to the order floating-point sums are added in (the order proxies come in).

use std::borrow::Cow;

use super::histogram::HistogramAcc;
use super::key::{KeyAt, Keys};
use super::series::{Located, Map, PodSeries, PodTimes, pod_times, series_of};
use super::{Change, DiffOptions, DiffRows, HistogramValues, SeriesValues, Sums};
use crate::metrics::MetricType;
use crate::metrics::model::{Snapshot, Target};

/// One proxy's two scrapes paired series by series, as [`pair`] gives them to
/// [`PairedDiff::add`]. Holds the proxy's bodies, for the labels of rows not seen before.
pub struct ProxyPair {
    old: Snapshot,
    new: Snapshot,
    /// Each series and its partner on the other side, if it has one.
    series: Vec<(Option<PodSeries>, Option<PodSeries>)>,
    pod: PodTimes,
}

/// The series of one proxy's `old` and `new` scrapes (either may be missing: a proxy that
/// failed one of them), matched by identity as [`super::diff`] matches them.
pub fn pair(old: Option<Target>, new: Option<Target>, options: DiffOptions) -> ProxyPair {
    let old = Snapshot {
        targets: old.into_iter().collect(),
    };
    let new = Snapshot {
        targets: new.into_iter().collect(),
    };
    let (a, mut b) = (series_of(&old, options.by), series_of(&new, options.by));
    let mut series: Vec<(Option<PodSeries>, Option<PodSeries>)> =
        Vec::with_capacity(a.len().max(b.len()));
    series.extend(a.iter().map(|(k, pa)| (Some(*pa), b.remove(k))));
    series.extend(b.into_values().map(|pb| (None, Some(pb))));
    let (on_old, on_new) = pod_times(&old, &new);
    let pod = on_new.into_iter().chain(on_old).next().unwrap_or_default();
    ProxyPair {
        old,
        new,
        series,
        pod,
    }
}

/// One row's sums over the proxies added so far, and where its key is.
struct PairedRow {
    sums: Sums,
    /// The series' key, or its histogram's.
    key: KeyAt,
    /// A histogram series' `le`.
    le: Option<Box<str>>,
}

/// The rows of a diff, summed one proxy at a time.
pub struct PairedDiff {
    options: DiffOptions,
    rows: Map<u64, PairedRow>,
    /// Each histogram's row key, by its identity.
    histograms: Map<u64, KeyAt>,
    keys: Keys,
    /// The latest scrape time of each side.
    latest: (Option<i64>, Option<i64>),
    /// How many proxies each side has.
    proxies: (usize, usize),
    /// The earliest scrape time of each side.
    earliest: (Option<i64>, Option<i64>),
}

impl PairedDiff {
    /// An empty diff.
    pub fn new(options: DiffOptions) -> Self {
        PairedDiff {
            options,
            rows: Map::default(),
            histograms: Map::default(),
            keys: Keys::default(),
            latest: (None, None),
            proxies: (0, 0),
            earliest: (None, None),
        }
    }

    /// How many proxies the old and the new side have.
    pub fn proxies(&self) -> (usize, usize) {
        self.proxies
    }

    /// The earliest scrape time of the old and of the new side, in milliseconds since the epoch.
    pub fn earliest_scrape_ms(&self) -> (Option<i64>, Option<i64>) {
        self.earliest
    }

    /// Add one proxy's pair.
    pub fn add(&mut self, pair: ProxyPair) {
        let by = self.options.by;
        for (side, proxies, latest, earliest) in [
            (
                &pair.old,
                &mut self.proxies.0,
                &mut self.latest.0,
                &mut self.earliest.0,
            ),
            (
                &pair.new,
                &mut self.proxies.1,
                &mut self.latest.1,
                &mut self.earliest.1,
            ),
        ] {
            for target in &side.targets {
                *proxies += 1;
                if let Some(t) = target.scrape_time_ms {
                    *latest = Some(latest.map_or(t, |l: i64| l.max(t)));
                    *earliest = Some(earliest.map_or(t, |e: i64| e.min(t)));
                }
            }
        }
        let mut labels: Vec<(Cow<'_, str>, Cow<'_, str>)> = Vec::new();
        for (pa, pb) in &pair.series {
            let seen = pb.or(*pa).expect("a pair comes from one side at least");
            let row = self.rows.entry(seen.out).or_insert_with(|| {
                let located = Located {
                    snapshot: if pb.is_some() { &pair.new } else { &pair.old },
                    at: seen.at,
                };
                let (key, le) = if seen.kind == MetricType::Histogram {
                    let key = *self
                        .histograms
                        .entry(seen.histogram)
                        .or_insert_with(|| located.histogram_key(&mut self.keys, by, &mut labels));
                    let le = located.le_at(seen.le).map(|le| le.into_owned().into());
                    (key, le)
                } else {
                    (located.key(&mut self.keys, by, &mut labels), None)
                };
                PairedRow {
                    sums: Sums::start(&seen, pb.is_some()),
                    key,
                    le,
                }
            });
            row.sums.add(pa.as_ref(), pb.as_ref(), pair.pod);
        }
    }

    /// The rows, sorted.
    pub fn finish(self) -> DiffRows {
        let elapsed_secs = match self.latest {
            (Some(a), Some(b)) if b > a => Some((b - a) as f64 / 1000.0),
            _ => None,
        };
        let only_changed = self.options.only_changed;
        let mut series: Vec<(KeyAt, SeriesValues)> = Vec::new();
        let mut histograms: Map<u64, HistogramAcc<'_, KeyAt>> = Map::default();
        for row in self.rows.values() {
            if row.sums.kind == MetricType::Histogram {
                histograms
                    .entry(row.sums.histogram)
                    .or_insert_with(|| HistogramAcc::new(row.key))
                    .add(|| row.le.as_deref().map(Cow::Borrowed), &row.sums);
                continue;
            }
            let values = row.sums.values(elapsed_secs);
            if !(only_changed && values.change == Change::Unchanged) {
                series.push((row.key, values));
            }
        }
        let histograms: Vec<(KeyAt, HistogramValues)> = histograms
            .into_values()
            .map(|h| (h.at, h.finish().0))
            .filter(|(_, h)| !only_changed || h.change != Change::Unchanged)
            .collect();
        DiffRows::sorted(elapsed_secs, self.keys, series, histograms)
    }
}

/// [`PairedDiff`] over two whole snapshots, their targets paired by their target labels (the
/// old side's in order, then the new side's others), for checking it against [`super::diff`];
/// `None` when a side has two targets with the same labels, which two proxies never have.
#[cfg(any(test, fuzzing))]
pub fn paired_whole(old: &Snapshot, new: &Snapshot, options: DiffOptions) -> Option<DiffRows> {
    let unique = |side: &Snapshot| {
        let mut labels: Vec<_> = side.targets.iter().map(|t| &t.labels).collect();
        labels.sort_unstable();
        labels.windows(2).all(|w| w[0] != w[1])
    };
    if !unique(old) || !unique(new) {
        return None;
    }
    let mut rows = PairedDiff::new(options);
    for a in &old.targets {
        let b = new.targets.iter().find(|b| b.labels == a.labels);
        rows.add(pair(Some(a.clone()), b.cloned(), options));
    }
    for b in &new.targets {
        if !old.targets.iter().any(|a| a.labels == b.labels) {
            rows.add(pair(None, Some(b.clone()), options));
        }
    }
    Some(rows.finish())
}
