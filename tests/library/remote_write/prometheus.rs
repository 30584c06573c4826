//! Remote write into a real Prometheus (Debian's, with its receiver on): every sample arrives
//! with its labels and value, an out-of-order push is refused with status and body, and a
//! Prometheus without the receiver flag gets an error saying what to check.

use std::collections::BTreeMap;

use crate::support::prometheus::Prometheus;
use crate::support::{never, now_ms};

use super::{fast_retries, label_map, proxy_series, push_5000, writer};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn real_prometheus_receives_every_sample_with_its_labels() {
    let prometheus = tokio::task::spawn_blocking(|| Prometheus::start(""))
        .await
        .unwrap();
    let ts = now_ms();
    let url = format!("{}/api/v1/write", prometheus.url());
    let (series, report) = push_5000(url.clone(), ts).await;
    assert_eq!(report.samples, 5000);
    assert_eq!(report.requests, 5);
    assert_eq!(
        report.summary(&url),
        format!(
            "sent 5000 samples in 5 requests to {}/api/v1/write",
            prometheus.url()
        )
    );

    let result = tokio::task::spawn_blocking(move || {
        let result = prometheus.query(r#"{__name__=~"lx_.+"}"#, Some(ts as f64 / 1000.0));
        (result, prometheus)
    })
    .await
    .unwrap()
    .0;
    assert_eq!(result.len(), 5000, "every series arrives");
    let mut expected: BTreeMap<BTreeMap<String, String>, f64> =
        series.iter().map(|s| (label_map(s), s.value)).collect();
    for sample in &result {
        let labels: BTreeMap<String, String> =
            serde_json::from_value(sample["metric"].clone()).unwrap();
        let value: f64 = match sample["value"][1].as_str().unwrap() {
            "NaN" => f64::NAN,
            "+Inf" => f64::INFINITY,
            text => text.parse().unwrap(),
        };
        let sent = expected
            .remove(&labels)
            .unwrap_or_else(|| panic!("unexpected series {labels:?}"));
        assert!(
            sent == value || (sent.is_nan() && value.is_nan()),
            "{labels:?}: sent {sent}, stored {value}"
        );
    }
    assert!(expected.is_empty(), "missing: {:?}", expected.keys().next());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn real_prometheus_rejection_is_an_error_with_status_and_body() {
    let prometheus = tokio::task::spawn_blocking(|| Prometheus::start(""))
        .await
        .unwrap();
    let writer = writer(
        format!("{}/api/v1/write", prometheus.url()),
        fast_retries(3),
    );
    let ts = now_ms();
    writer
        .push(proxy_series(3, ts), &[], &never())
        .await
        .unwrap();
    let failure = writer
        .push(proxy_series(3, ts - 60_000), &[], &never())
        .await
        .unwrap_err();
    let message = failure.to_string();
    assert!(
        message.contains("answered HTTP 400 Bad Request: "),
        "{message}"
    );
    assert!(message.contains("out of order"), "{message}");
    assert!(
        !message.contains("attempts"),
        "4xx is not retried: {message}"
    );
    assert_eq!(failure.unsent, 3);
    drop(prometheus);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prometheus_without_the_receiver_flag_says_what_to_check() {
    let prometheus = tokio::task::spawn_blocking(|| Prometheus::start_with("", false))
        .await
        .unwrap();
    let writer = writer(
        format!("{}/api/v1/write", prometheus.url()),
        fast_retries(3),
    );
    let failure = writer
        .push(proxy_series(1, now_ms()), &[], &never())
        .await
        .unwrap_err();
    let message = failure.error.to_string();
    assert!(message.contains("answered HTTP 404 Not Found"), "{message}");
    assert!(
        message.ends_with("started with --web.enable-remote-write-receiver)"),
        "{message}"
    );
    drop(prometheus);
}
