//! `--source prometheus=URL`: a real Prometheus scrapes proxy-like metrics (served by
//! `export --serve`) as job `linkerd-proxy`; reading its `/federate` gives back the same samples
//! as reading them directly.

use crate::support::prometheus;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use linkerd_export::export::ExportError;
use linkerd_export::export::http::HttpOptions;
use linkerd_export::export::serve::{self, Exposition, ExpositionFormat, SourceRequest};
use linkerd_export::source::prometheus::{FederationSource, PROXY_SELECTOR};
use prometheus::Prometheus;

/// What the proxies serve, target labels already added: counters, a gauge, a histogram.
const PROXIES: &str = r#"# HELP request_total Total count of HTTP requests.
# TYPE request_total counter
request_total{direction="inbound",authority="web.emojivoto.svc.cluster.local:80",tls="true",namespace="emojivoto",pod="web-1",container="linkerd-proxy",deployment="web"} 1234
request_total{direction="outbound",authority="emoji-svc.emojivoto.svc.cluster.local:8080",tls="true",namespace="emojivoto",pod="web-1",container="linkerd-proxy",deployment="web"} 567
request_total{direction="inbound",authority="voting-svc.emojivoto.svc.cluster.local:8080",tls="true",namespace="emojivoto",pod="voting-2",container="linkerd-proxy",deployment="voting"} 89
# HELP tcp_open_connections Number of currently-open connections.
# TYPE tcp_open_connections gauge
tcp_open_connections{direction="inbound",peer="src",tls="true",namespace="emojivoto",pod="web-1",container="linkerd-proxy",deployment="web"} 3
# HELP response_latency_ms Elapsed times between a request's headers being received and its response stream completing
# TYPE response_latency_ms histogram
response_latency_ms_bucket{direction="inbound",le="1",namespace="emojivoto",pod="web-1",container="linkerd-proxy",deployment="web"} 10
response_latency_ms_bucket{direction="inbound",le="10",namespace="emojivoto",pod="web-1",container="linkerd-proxy",deployment="web"} 40
response_latency_ms_bucket{direction="inbound",le="+Inf",namespace="emojivoto",pod="web-1",container="linkerd-proxy",deployment="web"} 42
response_latency_ms_sum{direction="inbound",namespace="emojivoto",pod="web-1",container="linkerd-proxy",deployment="web"} 123.5
response_latency_ms_count{direction="inbound",namespace="emojivoto",pod="web-1",container="linkerd-proxy",deployment="web"} 42
"#;

type Samples = BTreeMap<(String, BTreeMap<String, String>), f64>;

/// Every sample line as (name, labels without `job`/`instance`) → value. Comment lines are
/// dropped first, so each line stays its own sample whatever its family's type.
fn samples(text: &str) -> Samples {
    let lines = text
        .lines()
        .filter(|line| !line.starts_with('#'))
        .map(|line| Ok(line.to_string()));
    let scrape = prometheus_parse::Scrape::parse(lines).unwrap();
    scrape
        .samples
        .into_iter()
        .map(|sample| {
            let prometheus_parse::Value::Untyped(value) = sample.value else {
                panic!("untyped expected: {sample:?}");
            };
            let labels = sample
                .labels
                .iter()
                .filter(|(name, _)| *name != "job" && *name != "instance")
                .map(|(name, value)| (name.clone(), value.clone()))
                .collect();
            ((sample.metric, labels), value)
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn federated_samples_equal_the_proxies_own() {
    let listener = serve::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    tokio::spawn(serve::serve(
        listener,
        Arc::new(|_request: SourceRequest| async {
            Ok(Exposition {
                body: Bytes::from_static(PROXIES.as_bytes()),
                format: ExpositionFormat::Prometheus,
            })
        }),
        std::future::pending(),
    ));
    let direct = samples(PROXIES);
    assert_eq!(direct.len(), 9);

    let scrape_configs =
        format!("- job_name: linkerd-proxy\n  static_configs:\n  - targets: ['{addr}']\n");
    let prometheus = tokio::task::spawn_blocking(move || {
        let prometheus = Prometheus::start(&scrape_configs);
        let found = prometheus.query_until(
            r#"{job="linkerd-proxy",namespace="emojivoto"}"#,
            Duration::from_secs(30),
            |r| r.len() == 9,
        );
        assert_eq!(found.len(), 9, "{}", prometheus.log());
        prometheus
    })
    .await
    .unwrap();

    let source = FederationSource::new(&prometheus.url(), &HttpOptions::default()).unwrap();
    let federated = source.fetch(&[PROXY_SELECTOR]).await.unwrap();
    assert_eq!(
        federated.url,
        format!(
            "{}/federate?match%5B%5D=%7Bjob%3D%22linkerd-proxy%22%7D",
            prometheus.url()
        )
    );
    let mut through_prometheus = samples(&federated.text);
    // Prometheus adds its own per-target series (up, scrape_duration_seconds, ...) to the job.
    through_prometheus.retain(|(name, _), _| name != "up" && !name.starts_with("scrape_"));
    assert_eq!(through_prometheus, direct);

    let narrowed = source.fetch(&["tcp_open_connections"]).await.unwrap();
    assert_eq!(samples(&narrowed.text).len(), 1);
    drop(prometheus);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_selector_is_prometheus_400_with_its_message() {
    let prometheus = tokio::task::spawn_blocking(|| Prometheus::start(""))
        .await
        .unwrap();
    let source = FederationSource::new(&prometheus.url(), &HttpOptions::default()).unwrap();
    let err = source.fetch(&["{job=}"]).await.unwrap_err();
    let ExportError::Status { status, body, .. } = &err else {
        panic!("{err}")
    };
    assert_eq!(status.as_u16(), 400);
    assert!(body.contains("parse error"), "{body}");
    drop(prometheus);
}

#[tokio::test]
async fn unreachable_prometheus_is_a_clear_error() {
    let addr = prometheus::free_addr();
    let source = FederationSource::new(&format!("http://{addr}"), &HttpOptions::default()).unwrap();
    let message = source
        .fetch(&[PROXY_SELECTOR])
        .await
        .unwrap_err()
        .to_string();
    assert!(
        message.starts_with(&format!("cannot reach http://{addr}/federate?match%5B%5D=")),
        "{message}"
    );
    assert!(message.contains("refused"), "{message}");
}
