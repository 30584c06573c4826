//! `histogram_quantile` over classic (`le`) buckets, following Prometheus' algorithm
//! (promql/quantile.go): sort by upper bound, merge equal bounds, smooth float precision errors,
//! force monotonic counts, then interpolate linearly inside the bucket holding the rank.

/// One cumulative bucket: observations `<= upper_bound`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bucket {
    /// The `le` value.
    pub upper_bound: f64,
    /// Cumulative count.
    pub count: f64,
}

/// Relative difference below which adjacent bucket counts are treated as equal.
const PRECISION_TOLERANCE: f64 = 1e-12;

/// The `q` quantile of cumulative `buckets` (any order), as PromQL's `histogram_quantile`:
/// NaN for NaN `q`, no `+Inf` bucket, fewer than two buckets or no observations; `-Inf`/`+Inf`
/// for `q < 0` / `q > 1`; the second-highest bound when the rank falls in the `+Inf` bucket; the
/// lowest bound when it falls in a lowest bucket whose bound is `<= 0`; 0 as the lower edge of
/// a positive lowest bucket.
pub fn histogram_quantile(q: f64, buckets: &[Bucket]) -> f64 {
    if q.is_nan() {
        return f64::NAN;
    }
    if q < 0.0 {
        return f64::NEG_INFINITY;
    }
    if q > 1.0 {
        return f64::INFINITY;
    }
    let mut sorted = buckets.to_vec();
    sorted.sort_by(|a, b| a.upper_bound.total_cmp(&b.upper_bound));
    match sorted.last() {
        Some(b) if b.upper_bound == f64::INFINITY => {}
        _ => return f64::NAN,
    }
    let mut merged = merge_equal_bounds(&sorted);
    smooth_precision_errors(&mut merged);
    force_monotonic(&mut merged);
    if merged.len() < 2 {
        return f64::NAN;
    }
    let observations = merged[merged.len() - 1].count;
    if observations == 0.0 {
        return f64::NAN;
    }
    let mut rank = q * observations;
    let finite = &merged[..merged.len() - 1];
    let b = finite.partition_point(|bucket| bucket.count < rank);
    if b == finite.len() {
        return merged[merged.len() - 2].upper_bound;
    }
    if b == 0 && merged[0].upper_bound <= 0.0 {
        return merged[0].upper_bound;
    }
    let end = merged[b].upper_bound;
    let mut count = merged[b].count;
    let mut start = 0.0;
    if b > 0 {
        start = merged[b - 1].upper_bound;
        count -= merged[b - 1].count;
        rank -= merged[b - 1].count;
    }
    start + (end - start) * (rank / count)
}

fn merge_equal_bounds(sorted: &[Bucket]) -> Vec<Bucket> {
    let mut out: Vec<Bucket> = Vec::with_capacity(sorted.len());
    for b in sorted {
        match out.last_mut() {
            Some(last) if last.upper_bound == b.upper_bound => last.count += b.count,
            _ => out.push(*b),
        }
    }
    out
}

/// Counts that differ from the previous one by a relative error below the tolerance take the
/// previous value, so float noise does not look like a decrease.
fn smooth_precision_errors(buckets: &mut [Bucket]) {
    let Some(first) = buckets.first() else { return };
    let mut prev = first.count;
    for b in buckets.iter_mut().skip(1) {
        let delta = (b.count - prev).abs();
        if delta == 0.0 {
            continue;
        }
        if delta / b.count <= PRECISION_TOLERANCE {
            b.count = prev;
        } else {
            prev = b.count;
        }
    }
}

/// Raise each count to the running maximum (the histogram's envelope).
fn force_monotonic(buckets: &mut [Bucket]) {
    let mut max = f64::NEG_INFINITY;
    for b in buckets {
        if b.count > max {
            max = b.count;
        } else {
            b.count = max;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn buckets(pairs: &[(f64, f64)]) -> Vec<Bucket> {
        pairs
            .iter()
            .map(|&(upper_bound, count)| Bucket { upper_bound, count })
            .collect()
    }

    fn close(a: f64, b: f64) -> bool {
        a == b || (a - b).abs() <= 1e-9 * b.abs().max(1.0)
    }

    // promql/testdata/histograms.test at 50m: each bucket is 10x its per-step increment.
    #[test]
    fn prometheus_histograms_test_vectors() {
        let positive = buckets(&[
            (0.1, 50.0),
            (0.2, 70.0),
            (1.0, 110.0),
            (f64::INFINITY, 120.0),
        ]);
        let negative = buckets(&[
            (-0.2, 10.0),
            (-0.1, 20.0),
            (0.3, 20.0),
            (f64::INFINITY, 30.0),
        ]);
        let cases = [
            (-0.1, f64::NEG_INFINITY, f64::NEG_INFINITY),
            (1.01, f64::INFINITY, f64::INFINITY),
            (0.0, 0.0, -0.2),
            (1.0, 1.0, 0.3),
            (0.2, 0.048, -0.2),
            (0.5, 0.15, -0.15),
            (0.8, 0.72, 0.3),
        ];
        for (q, pos, neg) in cases {
            assert!(
                close(histogram_quantile(q, &positive), pos),
                "q={q} positive"
            );
            assert!(
                close(histogram_quantile(q, &negative), neg),
                "q={q} negative"
            );
        }
        // Rates divide every bucket by the same window: same quantiles.
        let rates: Vec<Bucket> = positive
            .iter()
            .map(|b| Bucket {
                count: b.count / 300.0,
                ..*b
            })
            .collect();
        assert!(close(histogram_quantile(0.5, &rates), 0.15));
    }

    #[test]
    fn prometheus_aggregated_test_vectors() {
        // request_duration_seconds_bucket per (job, instance): (le=0.1, le=0.2, +Inf) increments.
        let series = [
            ("job1", "ins1", [1.0, 3.0, 4.0]),
            ("job1", "ins2", [2.0, 5.0, 6.0]),
            ("job2", "ins1", [3.0, 4.0, 6.0]),
            ("job2", "ins2", [4.0, 7.0, 9.0]),
        ];
        let to_buckets = |c: [f64; 3]| buckets(&[(0.1, c[0]), (0.2, c[1]), (f64::INFINITY, c[2])]);
        // Unsorted, unmerged input: every series' buckets in one list, as `sum by (le)` sees them.
        let all: Vec<Bucket> = series
            .iter()
            .rev()
            .flat_map(|(_, _, c)| to_buckets(*c))
            .collect();
        assert!(close(histogram_quantile(0.3, &all), 0.075));
        assert!(close(histogram_quantile(0.5, &all), 0.1277777777777778));
        let by_job = |job| -> Vec<Bucket> {
            series
                .iter()
                .filter(|s| s.0 == job)
                .flat_map(|(_, _, c)| to_buckets(*c))
                .collect()
        };
        assert!(close(histogram_quantile(0.3, &by_job("job1")), 0.1));
        assert!(close(
            histogram_quantile(0.3, &by_job("job2")),
            0.0642857142857143
        ));
        assert!(close(histogram_quantile(0.5, &by_job("job1")), 0.14));
        assert!(close(histogram_quantile(0.5, &by_job("job2")), 0.1125));
        let expected = [
            (0.11, 0.15),
            (0.09, 0.1333333333333333),
            (0.06, 0.1),
            (0.0675, 0.1166666666666667),
        ];
        for ((_, _, c), (q3, q5)) in series.iter().zip(expected) {
            assert!(close(histogram_quantile(0.3, &to_buckets(*c)), q3));
            assert!(close(histogram_quantile(0.5, &to_buckets(*c)), q5));
        }
    }

    #[test]
    fn special_cases() {
        assert!(
            histogram_quantile(f64::NAN, &buckets(&[(1.0, 1.0), (f64::INFINITY, 1.0)])).is_nan()
        );
        assert!(
            histogram_quantile(0.5, &buckets(&[(1.0, 1.0), (2.0, 2.0)])).is_nan(),
            "no +Inf"
        );
        assert!(
            histogram_quantile(0.5, &buckets(&[(f64::INFINITY, 3.0)])).is_nan(),
            "one bucket"
        );
        assert!(
            histogram_quantile(0.5, &buckets(&[(1.0, 0.0), (f64::INFINITY, 0.0)])).is_nan(),
            "empty"
        );
        assert!(histogram_quantile(0.5, &[]).is_nan());
        // Rank in the +Inf bucket: the highest finite bound.
        assert_eq!(
            histogram_quantile(
                0.99,
                &buckets(&[(1.0, 1.0), (2.0, 2.0), (f64::INFINITY, 10.0)])
            ),
            2.0
        );
        // Non-monotonic counts are raised to the envelope: (1,5) (2,3→5) (4,10).
        assert_eq!(
            histogram_quantile(
                0.5,
                &buckets(&[(1.0, 5.0), (2.0, 3.0), (4.0, 10.0), (f64::INFINITY, 10.0)])
            ),
            1.0
        );
        // Float noise is not a decrease.
        let noisy = buckets(&[
            (1.0, 10.0),
            (2.0, 10.0 - 1e-14),
            (3.0, 20.0),
            (f64::INFINITY, 20.0),
        ]);
        assert!(close(histogram_quantile(0.75, &noisy), 2.5));
    }
}
