//! Remote write into a real VictoriaMetrics (Debian's), the second receiver: every sample it can
//! store arrives with its labels, value and timestamp, NaN is the one value it drops, a push older
//! than the last one is stored too (Prometheus refuses it), and a series past its label limit
//! loses labels though the push succeeds.

use std::collections::BTreeMap;
use std::time::Duration;

use linkerd_export::export::Series;

use crate::support::victoria::{Exported, Victoria};
use crate::support::{never, now_ms};

use super::{fast_retries, label_map, proxy_series, push_5000, writer};

const LIMIT: Duration = Duration::from_secs(30);

/// `selector`'s series in `victoria` once `done` accepts them (or [`LIMIT`] passes), off the
/// runtime's threads; `victoria` is handed back so it lives on.
async fn stored(
    victoria: Victoria,
    selector: &'static str,
    done: impl Fn(&[Exported]) -> bool + Send + 'static,
) -> (Vec<Exported>, Victoria) {
    tokio::task::spawn_blocking(move || (victoria.export_until(selector, LIMIT, done), victoria))
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn real_victoria_metrics_stores_every_sample_but_nan_with_its_labels() {
    let victoria = tokio::task::spawn_blocking(Victoria::start).await.unwrap();
    let ts = now_ms();
    let (series, report) = push_5000(victoria.write_url(), ts).await;
    assert_eq!(report.samples, 5000, "every sample is accepted");
    assert_eq!(report.requests, 5);

    // VictoriaMetrics answers 204 for a NaN sample but does not store it: its storage encodes
    // values as decimals, which have no NaN, and it keeps only Prometheus' staleness marker
    // (one NaN bit pattern, which the writer never sends). +Inf is stored as +Inf.
    let (nan, kept): (Vec<Series>, Vec<Series>) =
        series.into_iter().partition(|s| s.value.is_nan());
    assert_eq!(nan.len(), 100);
    let count = kept.len();
    let (stored, victoria) = stored(victoria, r#"{__name__=~"lx_.+"}"#, move |s| {
        s.len() >= count
    })
    .await;
    assert_eq!(stored.len(), count, "every series but the nan ones");
    assert!(
        stored.iter().any(|s| s.values == [f64::INFINITY]),
        "+inf is kept"
    );
    let mut expected: BTreeMap<BTreeMap<String, String>, Series> =
        kept.into_iter().map(|s| (label_map(&s), s)).collect();
    for series in &stored {
        let sent = expected
            .remove(&series.labels)
            .unwrap_or_else(|| panic!("unexpected series {:?}", series.labels));
        assert_eq!(series.values, [sent.value], "{:?}", series.labels);
        assert_eq!(series.timestamps, [ts], "{:?}", series.labels);
    }
    assert!(expected.is_empty(), "missing: {:?}", expected.keys().next());
    let nan_stored = victoria.export(r#"{__name__="lx_process_cpu_seconds_total"}"#);
    assert!(nan_stored.is_empty(), "{nan_stored:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn real_victoria_metrics_stores_a_push_older_than_the_last() {
    let victoria = tokio::task::spawn_blocking(Victoria::start).await.unwrap();
    let writer = writer(victoria.write_url(), fast_retries(3));
    let ts = now_ms();
    let newer = proxy_series(3, ts);
    writer.push(newer.clone(), &[], &never()).await.unwrap();
    let report = writer
        .push(proxy_series(3, ts - 60_000), &[], &never())
        .await
        .unwrap();
    assert_eq!(report.samples, 3, "an older push is accepted");

    // Series 0 is NaN (not stored); 1 and 2 get a sample from each push.
    let (stored, _victoria) = stored(victoria, r#"{__name__=~"lx_.+"}"#, |s| {
        s.iter().map(|e| e.values.len()).sum::<usize>() >= 4
    })
    .await;
    assert_eq!(stored.len(), 2);
    for series in &stored {
        let sent = newer
            .iter()
            .find(|s| label_map(s) == series.labels)
            .unwrap_or_else(|| panic!("unexpected series {:?}", series.labels));
        assert_eq!(series.timestamps, [ts - 60_000, ts], "both, in time order");
        assert_eq!(series.values, [sent.value; 2], "{:?}", series.labels);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn real_victoria_metrics_drops_labels_past_30_yet_accepts_the_push() {
    let victoria = tokio::task::spawn_blocking(Victoria::start).await.unwrap();
    let writer = writer(victoria.write_url(), fast_retries(3));
    let mut labels: Vec<(String, String)> = (0..40)
        .map(|i| (format!("l{i:02}"), format!("v{i}")))
        .collect();
    labels.push(("__name__".into(), "lx_many_labels".into()));
    let series = Series {
        labels: labels.clone(),
        value: 1.0,
        timestamp_ms: now_ms(),
    };
    let report = writer.push(vec![series], &[], &never()).await.unwrap();
    assert_eq!(report.samples, 1, "204: nothing tells the writer");

    // `-maxLabelsPerTimeseries` (30 by default, `__name__` included) keeps the labels in the
    // order sent, which the writer sorts by name: the last 11 by name are gone. A real pod with
    // many labels of its own can reach that limit with `--target-labels full`.
    let (stored, _victoria) = stored(victoria, r#"{__name__="lx_many_labels"}"#, |s| {
        !s.is_empty()
    })
    .await;
    assert_eq!(stored.len(), 1);
    labels.sort();
    let kept: BTreeMap<String, String> = labels.into_iter().take(30).collect();
    assert_eq!(stored[0].labels, kept);
}
