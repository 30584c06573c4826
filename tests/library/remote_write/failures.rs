//! When a remote-write push fails, against the scripted loopback receiver: what is retried (5xx,
//! 429 after its Retry-After, a receiver that never answers) and what is not (4xx, an invalid
//! series), the clear error an unreachable endpoint gives, and every sample accounted for.

use std::time::{Duration, Instant};

use linkerd_export::export::ExportError;
use linkerd_export::export::remote_write::{RemoteWriteConfig, RemoteWriter};

use crate::support::scripted_http::{self, Reply};
use crate::support::{never, prometheus};

use super::{fast_retries, proxy_series, writer};

#[tokio::test]
async fn honours_retry_after_on_429() {
    let server = scripted_http::start(
        vec![Reply::new(429, "slow down").header("retry-after", "1")],
        None,
    )
    .await;
    let writer = writer(format!("http://{}/w", server.addr), fast_retries(2));
    let started = Instant::now();
    let report = writer
        .push(proxy_series(1, 0), &[], &never())
        .await
        .unwrap();
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "waited for Retry-After"
    );
    assert_eq!(report.retries, 1);
    assert_eq!(server.received.lock().unwrap().len(), 2);
}

#[tokio::test]
async fn a_400_is_not_retried_and_is_reported_with_its_body() {
    let body = format!("bad request: {}", "x".repeat(1000));
    let server = scripted_http::start(vec![Reply::new(400, &body)], None).await;
    let writer = writer(format!("http://{}/w", server.addr), fast_retries(5));
    let failure = writer
        .push(proxy_series(2500, 0), &[], &never())
        .await
        .unwrap_err();
    assert_eq!(server.received.lock().unwrap().len(), 1);
    let ExportError::Status {
        status,
        body,
        attempts,
        ..
    } = &failure.error
    else {
        panic!("{failure}");
    };
    assert_eq!((status.as_u16(), *attempts), (400, 1));
    assert!(
        body.starts_with("bad request: xxx") && body.ends_with('…') && body.len() < 400,
        "{body}"
    );
    assert_eq!((failure.accepted.samples, failure.unsent), (0, 2500));
}

#[tokio::test]
async fn gives_up_after_the_attempts_and_accounts_for_what_was_sent() {
    let replies = vec![
        Reply::new(200, ""),
        Reply::new(503, "down"),
        Reply::new(503, "down"),
        Reply::new(503, "still down"),
    ];
    let server = scripted_http::start(replies, None).await;
    let mut config = RemoteWriteConfig::new(format!("http://{}/w", server.addr));
    config.retry = fast_retries(3);
    config.max_samples_per_request = 10;
    let writer = RemoteWriter::new(config).unwrap();
    let failure = writer
        .push(proxy_series(25, 0), &[], &never())
        .await
        .unwrap_err();
    assert_eq!(
        failure.to_string(),
        format!(
            "http://{}/w answered HTTP 503 Service Unavailable: still down (after 3 attempts) \
             (10 samples accepted before that, 15 not sent)",
            server.addr
        )
    );
}

#[tokio::test]
async fn unreachable_endpoint_is_a_clear_error() {
    let addr = prometheus::free_addr();
    let writer = writer(format!("http://{addr}/api/v1/write"), fast_retries(2));
    let failure = writer
        .push(proxy_series(1, 0), &[], &never())
        .await
        .unwrap_err();
    let message = failure.error.to_string();
    assert!(
        message.starts_with(&format!("cannot reach http://{addr}/api/v1/write: ")),
        "{message}"
    );
    assert!(
        message.contains("refused") && message.ends_with("(after 2 attempts)"),
        "{message}"
    );
}

#[tokio::test]
async fn an_invalid_series_stops_the_push_with_everything_accounted_for() {
    let server = scripted_http::start(vec![], None).await;
    let mut config = RemoteWriteConfig::new(format!("http://{}/w", server.addr));
    config.max_samples_per_request = 10;
    let writer = RemoteWriter::new(config).unwrap();
    let mut series = proxy_series(25, 0);
    series[14].labels.push(("pod".into(), "again".into()));
    let failure = writer.push(series, &[], &never()).await.unwrap_err();
    assert!(
        matches!(failure.error, ExportError::InvalidSeries { .. }),
        "{failure}"
    );
    assert!(
        failure.to_string().contains(r#"label "pod" appears twice"#),
        "{failure}"
    );
    assert_eq!(
        (
            failure.accepted.samples,
            failure.accepted.requests,
            failure.unsent
        ),
        (10, 1, 15)
    );
    assert_eq!(server.received.lock().unwrap().len(), 1);
}

#[tokio::test]
async fn a_receiver_that_never_answers_times_out_and_is_retried() {
    let (first, _release_first) = Reply::new(200, "").held();
    let (second, _release_second) = Reply::new(200, "").held();
    let server = scripted_http::start(vec![first, second], None).await;
    let mut config = RemoteWriteConfig::new(format!("http://{}/w", server.addr));
    config.retry = fast_retries(2);
    config.http.timeout = Duration::from_millis(200);
    let writer = RemoteWriter::new(config).unwrap();
    let failure = writer
        .push(proxy_series(1, 0), &[], &never())
        .await
        .unwrap_err();
    assert_eq!(
        failure.error.to_string(),
        format!(
            "cannot reach http://{}/w: no complete answer within 200ms (after 2 attempts)",
            server.addr
        )
    );
    assert_eq!(server.received.lock().unwrap().len(), 2);
}
