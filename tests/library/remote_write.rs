//! The library's remote-write client (`export --remote-write`). Here, what its tests share: the
//! series they push and a writer that retries fast. The children: `prometheus` and `victoria` (a
//! real Prometheus and VictoriaMetrics receiving), `wire` (the request as sent, over TLS, with
//! credentials), `failures` (retries and the errors that end a push), `every` (rounds and
//! interrupts) and `buffer` (rounds queued through a receiver's outage).

mod buffer;
mod every;
mod failures;
mod prometheus;
mod victoria;
mod wire;

use std::collections::BTreeMap;
use std::time::Duration;

use linkerd_export::export::remote_write::{
    PushReport, RemoteWriteConfig, RemoteWriter, RetryPolicy,
};
use linkerd_export::export::{Metadata, Series};
use linkerd_export::metrics::MetricType;

use crate::support::never;

/// `count` series shaped like Linkerd proxy metrics with target labels, some NaN and +Inf.
fn proxy_series(count: usize, timestamp_ms: i64) -> Vec<Series> {
    (0..count)
        .map(|i| {
            let (name, value) = match i % 50 {
                0 => ("lx_process_cpu_seconds_total", f64::NAN),
                1 => ("lx_response_latency_ms_bucket", f64::INFINITY),
                _ => ("lx_request_total", i as f64 * 1.5),
            };
            let labels = [
                ("__name__", name.to_string()),
                ("namespace", "emojivoto".to_string()),
                ("pod", format!("web-{}", i % 7)),
                ("container", "linkerd-proxy".to_string()),
                ("deployment", "web".to_string()),
                (
                    "direction",
                    if i % 2 == 0 { "inbound" } else { "outbound" }.to_string(),
                ),
                (
                    "authority",
                    format!("svc-{i}.emojivoto.svc.cluster.local:8080"),
                ),
            ];
            Series {
                labels: labels
                    .into_iter()
                    .map(|(n, v)| (n.to_string(), v))
                    .collect(),
                value,
                timestamp_ms,
            }
        })
        .collect()
}

/// A series' labels, `__name__` included, as a map.
fn label_map(series: &Series) -> BTreeMap<String, String> {
    series.labels.iter().cloned().collect()
}

/// [`proxy_series`] of 5,000 series at `timestamp_ms` pushed to `url` in requests of 1,000
/// samples, with the metadata of `lx_request_total`: the series and the writer's report.
async fn push_5000(url: String, timestamp_ms: i64) -> (Vec<Series>, PushReport) {
    let series = proxy_series(5000, timestamp_ms);
    let mut config = RemoteWriteConfig::new(url);
    config.max_samples_per_request = 1000;
    let writer = RemoteWriter::new(config).unwrap();
    let metadata = [Metadata {
        family: "lx_request_total".into(),
        kind: MetricType::Counter,
        help: "Total requests.".into(),
        unit: String::new(),
    }];
    let report = writer
        .push(series.clone(), &metadata, &never())
        .await
        .unwrap();
    (series, report)
}

fn fast_retries(max_attempts: u32) -> RetryPolicy {
    RetryPolicy {
        max_attempts,
        initial_backoff: Duration::from_millis(1),
        max_backoff: Duration::from_millis(5),
        max_retry_after: Duration::from_secs(5),
    }
}

fn writer(url: String, retry: RetryPolicy) -> RemoteWriter {
    let mut config = RemoteWriteConfig::new(url);
    config.retry = retry;
    config.http.timeout = Duration::from_secs(10);
    RemoteWriter::new(config).unwrap()
}
