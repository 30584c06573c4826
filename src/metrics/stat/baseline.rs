//! A proxy's first scrape kept only as the baseline its second scrape is compared with, in as
//! few bytes as a mesh of thousands of proxies needs.
//!
//! A window over a large mesh holds every proxy's baseline until its second scrape arrives:
//! at 3,214 pods that is ~9 million counters. Two things keep that small:
//! - The series identities (sorted hashes) are shared: replicas of a workload export the same
//!   series, so their baselines point at one list ([`SeriesLists`]) instead of a copy each.
//! - Values are 4 bytes: counters are whole numbers almost always, so a value that is a whole
//!   number below `u32::MAX` is kept as one, and any other value (fractions, larger counts, NaN)
//!   is kept exactly, on the side.
//!
//! So a series costs ~4 bytes instead of 16 (its hash and an `f64`), and values are unchanged.

use std::collections::HashMap;
use std::hash::BuildHasher;
use std::sync::Arc;

/// The mark, in [`Baseline::values`], of a value kept in [`Baseline::exact`].
const ELSEWHERE: u32 = u32::MAX;

/// Each counter's value in a proxy's earlier scrape, by series identity.
#[derive(Debug, Clone, Default)]
pub(super) struct Baseline {
    /// The series' identities, sorted (shared with every baseline that has the same ones).
    series: Arc<[u64]>,
    /// `values[i]` is the value of `series[i]`, or [`ELSEWHERE`].
    values: Vec<u32>,
    /// The values that are not whole numbers below [`ELSEWHERE`], by index, sorted.
    exact: Vec<(u32, f64)>,
}

impl Baseline {
    /// Whether nothing is kept (no counter, or not a baseline).
    pub(super) fn is_empty(&self) -> bool {
        self.series.is_empty()
    }

    /// How many series are kept.
    #[cfg(test)]
    pub(super) fn len(&self) -> usize {
        self.series.len()
    }

    /// The value of series `hash`.
    pub(super) fn value_of(&self, hash: u64) -> Option<f64> {
        let i = self.series.binary_search(&hash).ok()?;
        match self.values[i] {
            ELSEWHERE => {
                let j = self
                    .exact
                    .binary_search_by_key(&(i as u32), |(at, _)| *at)
                    .ok()?;
                Some(self.exact[j].1)
            }
            whole => Some(f64::from(whole)),
        }
    }
}

/// The series lists of the baselines kept in one state, so that equal lists are kept once.
#[derive(Debug, Clone, Default)]
pub(super) struct SeriesLists {
    by_digest: HashMap<u64, Arc<[u64]>, foldhash::fast::FixedState>,
}

impl SeriesLists {
    /// A baseline of `counters` (series identity, value; in any order).
    pub(super) fn baseline(&mut self, mut counters: Vec<(u64, f64)>) -> Baseline {
        counters.sort_unstable_by_key(|(hash, _)| *hash);
        let mut values = Vec::with_capacity(counters.len());
        let mut exact = Vec::new();
        for (i, &(_, value)) in counters.iter().enumerate() {
            match whole_u32(value) {
                Some(whole) => values.push(whole),
                None => {
                    values.push(ELSEWHERE);
                    exact.push((i as u32, value));
                }
            }
        }
        let series = self.shared(counters.iter().map(|(hash, _)| *hash).collect());
        Baseline {
            series,
            values,
            exact,
        }
    }

    /// Forget `baseline`'s series list if no other baseline uses it.
    pub(super) fn release(&mut self, baseline: &Baseline) {
        // Held by the map and by `baseline` only.
        if Arc::strong_count(&baseline.series) == 2 {
            let digest = digest(&baseline.series);
            if self
                .by_digest
                .get(&digest)
                .is_some_and(|kept| Arc::ptr_eq(kept, &baseline.series))
            {
                self.by_digest.remove(&digest);
            }
        }
    }

    fn shared(&mut self, series: Vec<u64>) -> Arc<[u64]> {
        if series.is_empty() {
            return Arc::from(series);
        }
        let digest = digest(&series);
        match self.by_digest.get(&digest) {
            Some(kept) if **kept == *series => Arc::clone(kept),
            // Another list with the same digest: kept on its own (correct, only not shared).
            Some(_) => Arc::from(series),
            None => {
                let kept: Arc<[u64]> = Arc::from(series);
                self.by_digest.insert(digest, Arc::clone(&kept));
                kept
            }
        }
    }
}

fn digest(series: &[u64]) -> u64 {
    foldhash::quality::FixedState::with_seed(0).hash_one(series)
}

/// `value` as a `u32` if that keeps it exactly (and it is not the mark).
fn whole_u32(value: f64) -> Option<u32> {
    let whole = value as u32;
    (whole != ELSEWHERE && f64::from(whole) == value && value.is_sign_positive()).then_some(whole)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_come_back_exactly() {
        let values = [
            0.0,
            1.0,
            7.0,
            4_294_967_294.0,
            4_294_967_295.0,
            4_294_967_296.0,
            1e300,
            0.5,
            -1.0,
            -0.0,
            f64::INFINITY,
            f64::NAN,
        ];
        let counters: Vec<(u64, f64)> = values
            .iter()
            .enumerate()
            .map(|(i, v)| (1000 - i as u64, *v))
            .collect();
        let baseline = SeriesLists::default().baseline(counters.clone());
        for (hash, value) in counters {
            let got = baseline.value_of(hash).unwrap();
            assert_eq!(got.to_bits(), value.to_bits(), "series {hash}");
        }
        assert_eq!(baseline.value_of(5), None);
        assert_eq!(baseline.exact.len(), 8, "{:?}", baseline.exact);
    }

    #[test]
    fn equal_series_lists_are_kept_once() {
        let mut lists = SeriesLists::default();
        let a = lists.baseline(vec![(3, 1.0), (1, 2.0), (2, 3.0)]);
        let b = lists.baseline(vec![(1, 5.0), (2, 6.0), (3, 7.0)]);
        let c = lists.baseline(vec![(1, 5.0), (2, 6.0)]);
        assert!(Arc::ptr_eq(&a.series, &b.series));
        assert!(!Arc::ptr_eq(&a.series, &c.series));
        assert_eq!(b.value_of(3), Some(7.0));
        assert_eq!(a.value_of(3), Some(1.0));
        lists.release(&a);
        assert_eq!(lists.by_digest.len(), 2, "b still uses the list");
        drop(a);
        lists.release(&b);
        lists.release(&c);
        assert!(lists.by_digest.is_empty());
    }
}
