//! A histogram's series gathered across the two sides: its `_count` and `_bucket` sums, turned
//! into count, p50 and p99 of each side and of the window between them.

use std::borrow::Cow;

use super::series::Part;
use super::{HistogramValues, Sums, change_of};
use crate::metrics::quantile::{Bucket, histogram_quantile};

/// A histogram's `_count` or `_bucket` series: its `le`, if it has one, and its sums.
struct PartSums<'s> {
    le: Option<Cow<'s, str>>,
    old: Option<f64>,
    new: Option<f64>,
    increase: f64,
}

/// A histogram's series, gathered; `at` says where its row's family and labels are (one of
/// its series, or its row's key).
pub(super) struct HistogramAcc<'s, A> {
    pub(super) at: A,
    /// Its `_count` (the one with the greatest `le`, if several).
    count: Option<PartSums<'s>>,
    buckets: Vec<PartSums<'s>>,
    /// Whether a `_count` with the same `le` was added twice (which a series summed over pods
    /// never is: see [`HistogramAcc::finish`]).
    repeated: bool,
}

impl<'s, A> HistogramAcc<'s, A> {
    pub(super) fn new(at: A) -> Self {
        HistogramAcc {
            at,
            count: None,
            buckets: Vec::new(),
            repeated: false,
        }
    }

    /// Add the sums `s` of one of its series, whose `le` is what `le` gives (read only for a
    /// `_count` or `_bucket` series).
    pub(super) fn add(&mut self, le: impl FnOnce() -> Option<Cow<'s, str>>, s: &Sums) {
        let part = |le| PartSums {
            le,
            old: s.old_value(),
            new: s.new_value(),
            increase: s.increase,
        };
        match s.part {
            Part::Count => {
                let le = le();
                self.repeated |= self.count.as_ref().is_some_and(|seen| le == seen.le);
                if self.count.as_ref().is_none_or(|seen| le >= seen.le) {
                    self.count = Some(part(le));
                }
            }
            Part::Bucket => {
                if let Some(le) = le() {
                    self.buckets.push(part(Some(le)));
                }
            }
            Part::Sum | Part::Other => {}
        }
    }

    /// Its numbers, and whether a `_count` or `_bucket` series came twice with the same `le`:
    /// two series that were to be summed as one, as [`super::in_order`] adds them.
    pub(super) fn finish(mut self) -> (HistogramValues, bool) {
        // In the order of their rows' labels, as equal bounds written differently ("1", "1.0")
        // are merged in that order.
        self.buckets.sort_by(|x, y| x.le.cmp(&y.le));
        let repeated = self.repeated || self.buckets.windows(2).any(|w| w[0].le == w[1].le);
        let (mut old, mut new, mut window) = (Vec::new(), Vec::new(), Vec::new());
        for b in &self.buckets {
            let Some(le) = b.le.as_deref().and_then(crate::metrics::parse::parse_float) else {
                continue;
            };
            let bucket = |count| Bucket {
                upper_bound: le,
                count,
            };
            old.extend(b.old.map(bucket));
            new.extend(b.new.map(bucket));
            if b.old.is_some() && b.new.is_some() {
                window.push(bucket(b.increase));
            }
        }
        let (old_count, new_count, count_increase) = self
            .count
            .map_or((None, None, 0.0), |c| (c.old, c.new, c.increase));
        let q = |q, b: &[Bucket]| Some(histogram_quantile(q, b)).filter(|v| !v.is_nan());
        let values = HistogramValues {
            count_delta: old_count.and(new_count).map(|_| count_increase),
            old_count,
            new_count,
            old_p50: q(0.5, &old),
            new_p50: q(0.5, &new),
            old_p99: q(0.99, &old),
            new_p99: q(0.99, &new),
            window_p50: q(0.5, &window),
            window_p99: q(0.99, &window),
            change: change_of(old_count, new_count),
        };
        (values, repeated)
    }
}
