//! A series' numbers summed over the pods of a workload (one pod each with
//! [`super::DiffBy::Pod`]): old and new values, the increase and the per-second rate of each pod
//! added up, per-process gauges kept as the earliest instead, and the row they make.

use super::series::{At, Le, Part, PodSeries, PodTimes};
use super::{Change, SeriesValues};
use crate::metrics::MetricType;

/// Whether a series counts up (its delta is an increase): a counter's, or a histogram's or
/// summary's `_count`, `_sum` or `_bucket`.
fn is_counter_like(kind: MetricType, part: Part) -> bool {
    kind == MetricType::Counter
        || (matches!(kind, MetricType::Histogram | MetricType::Summary) && part != Part::Other)
}

/// A series' numbers summed over its pods (one per pod with [`super::DiffBy::Pod`]). Kept small:
/// there is one per series of either side.
pub(super) struct Sums {
    pub(super) kind: MetricType,
    /// Which of its family's series (`_count`, `_sum`, `_bucket`) the series at `at` is.
    pub(super) part: Part,
    /// Whether every pod's elapsed time was known for `rate`.
    rate_known: bool,
    /// Whether `at` is on the new side.
    pub(super) on_new: bool,
    /// Whether `old` (`new`) has a value: a pod had the series on that side.
    has_old: bool,
    has_new: bool,
    /// A histogram's series: the identity of its histogram.
    pub(super) histogram: u64,
    old: f64,
    new: f64,
    pub(super) increase: f64,
    /// Sum of the pods' increases per second of their own elapsed time.
    rate: f64,
    /// Where the series is, on the new side if it is there.
    pub(super) at: At,
    /// A histogram series' `le`: the series at `at`'s.
    pub(super) le: Le,
}

impl Sums {
    /// The sums of a series first seen as `seen`, on the new side when `on_new`.
    pub(super) fn start(seen: &PodSeries, on_new: bool) -> Self {
        Sums {
            kind: seen.kind,
            part: seen.part,
            rate_known: true,
            on_new,
            has_old: false,
            has_new: false,
            histogram: 0,
            old: 0.0,
            new: 0.0,
            increase: 0.0,
            rate: 0.0,
            at: seen.at,
            le: seen.le,
        }
    }

    /// Add one pod's series: `pa` on the old side, `pb` on the new (one of them at least), of
    /// a pod whose times are `pod`.
    pub(super) fn add(&mut self, pa: Option<&PodSeries>, pb: Option<&PodSeries>, pod: PodTimes) {
        let seen = pb.or(pa).expect("a pair comes from one side at least");
        let (va, vb) = (pa.map(|p| p.value), pb.map(|p| p.value));
        // A counter restarts from zero when its pod restarted (its start time changed) or when
        // it went down, as Prometheus' increase() reads it.
        let increase = match (va, vb) {
            (Some(o), Some(n)) if n >= o && !pod.restarted => n - o,
            (_, Some(n)) => n,
            (_, None) => 0.0,
        };
        let s = self;
        s.kind = seen.kind;
        s.histogram = seen.histogram;
        if seen.per_process {
            // A per-process fact (start time, certificate expiry, build info) summed over pods
            // means nothing: across pods it is the earliest.
            earliest(&mut s.old, &mut s.has_old, va);
            earliest(&mut s.new, &mut s.has_new, vb);
        } else {
            add(&mut s.old, &mut s.has_old, va);
            add(&mut s.new, &mut s.has_new, vb);
        }
        s.increase += increase;
        // Each pod's increase over its own elapsed time: pods are not scraped at one instant.
        match pod.scraped {
            (Some(ta), Some(tb)) if tb > ta && va.is_some() && vb.is_some() => {
                s.rate += increase / ((tb - ta) as f64 / 1000.0);
            }
            _ if va.is_none() || vb.is_none() => {}
            _ => s.rate_known = false,
        }
        if pb.is_some() {
            s.on_new = true;
            s.at = seen.at;
            s.part = seen.part;
            s.le = seen.le;
        }
    }

    /// The row of a series that is not a histogram's, `elapsed_secs` apart.
    pub(super) fn values(&self, elapsed_secs: Option<f64>) -> SeriesValues {
        let kind = self.kind;
        let (old_value, new_value) = (self.old_value(), self.new_value());
        let change = change_of(old_value, new_value);
        let counter = is_counter_like(kind, self.part);
        let delta = match (old_value, new_value) {
            (Some(_), Some(_)) if counter => Some(self.increase),
            (Some(o), Some(n)) => Some(n - o),
            _ => None,
        };
        SeriesValues {
            kind,
            old: old_value,
            new: new_value,
            delta,
            rate: match delta.filter(|_| counter) {
                Some(_) if self.rate_known => Some(self.rate),
                Some(d) => elapsed_secs.map(|e| d / e),
                None => None,
            },
            change,
        }
    }

    pub(super) fn old_value(&self) -> Option<f64> {
        self.has_old.then_some(self.old)
    }

    pub(super) fn new_value(&self) -> Option<f64> {
        self.has_new.then_some(self.new)
    }
}

/// Add `v` to the sum in `slot` (`has`: whether it has one).
fn add(slot: &mut f64, has: &mut bool, v: Option<f64>) {
    if let Some(v) = v {
        // From 0.0 the first time, as a sum starts.
        *slot += v;
        *has = true;
    }
}

/// Keep the least of `slot` (`has`: whether it has one) and `v`.
fn earliest(slot: &mut f64, has: &mut bool, v: Option<f64>) {
    if let Some(v) = v {
        *slot = if *has { slot.min(v) } else { v };
        *has = true;
    }
}

/// The times of the pod of a series at `at`, on the new side when `on_new`.
pub(super) fn pod_of(pods: &(Vec<PodTimes>, Vec<PodTimes>), on_new: bool, at: At) -> PodTimes {
    let side = if on_new { &pods.1 } else { &pods.0 };
    side[at.target as usize]
}

/// What happened to a series whose values on the two sides are `old` and `new`.
pub(super) fn change_of(old: Option<f64>, new: Option<f64>) -> Change {
    match (old, new) {
        (None, _) => Change::Added,
        (_, None) => Change::Removed,
        (Some(o), Some(n)) if o.to_bits() == n.to_bits() || o == n => Change::Unchanged,
        _ => Change::Changed,
    }
}
