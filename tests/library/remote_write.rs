//! `export --remote-write`: a real Prometheus receives every sample with its labels; retries,
//! rejections, TLS, credentials and `--every` against a scripted loopback server.

use crate::support::prometheus;
use crate::support::scripted_http;

use std::collections::BTreeMap;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use linkerd_export::export::remote_write::proto::WriteRequest;
use linkerd_export::export::remote_write::{
    Auth, Buffer, Collected, Event, EveryFailure, EveryReport, RemoteWriteConfig, RemoteWriter,
    RetryPolicy, parse_header, run_every, run_every_buffered,
};
use linkerd_export::export::{ExportError, Metadata, Series};
use linkerd_export::interrupt::Interrupt;
use linkerd_export::metrics::MetricType;
use prometheus::Prometheus;
use prost::Message;
use scripted_http::Reply;

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

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

fn label_map(series: &Series) -> BTreeMap<String, String> {
    series.labels.iter().cloned().collect()
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

fn never() -> Interrupt {
    let (trigger, interrupt) = Interrupt::new();
    std::mem::forget(trigger);
    interrupt
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn real_prometheus_receives_every_sample_with_its_labels() {
    let prometheus = tokio::task::spawn_blocking(|| Prometheus::start(""))
        .await
        .unwrap();
    let ts = now_ms();
    let series = proxy_series(5000, ts);
    let mut config = RemoteWriteConfig::new(format!("{}/api/v1/write", prometheus.url()));
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
    assert_eq!(report.samples, 5000);
    assert_eq!(report.requests, 5);
    assert_eq!(
        report.summary(writer.url()),
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

#[tokio::test]
async fn retries_a_500_then_sends_the_remote_write_headers_and_body() {
    let server = scripted_http::start(vec![Reply::new(500, "boom")], None).await;
    let writer = writer(
        format!("http://{}/api/v1/write", server.addr),
        fast_retries(3),
    );
    let series = proxy_series(3, 1_764_014_400_000);
    let report = writer.push(series.clone(), &[], &never()).await.unwrap();
    assert_eq!((report.samples, report.requests, report.retries), (3, 1, 1));

    let received = server.received.lock().unwrap().clone();
    assert_eq!(received.len(), 2);
    let request = &received[1];
    assert_eq!(request.path, "/api/v1/write");
    assert_eq!(request.headers["content-type"], "application/x-protobuf");
    assert_eq!(request.headers["content-encoding"], "snappy");
    assert_eq!(
        request.headers["x-prometheus-remote-write-version"],
        "0.1.0"
    );
    assert!(
        request.headers["user-agent"]
            .to_str()
            .unwrap()
            .starts_with("kubectl-linkerd-export/")
    );
    let raw = snap::raw::Decoder::new()
        .decompress_vec(&request.body)
        .unwrap();
    let decoded = WriteRequest::decode(raw.as_slice()).unwrap();
    assert_eq!(decoded.timeseries.len(), 3);
    let names: Vec<&str> = decoded.timeseries[0]
        .labels
        .iter()
        .map(|l| l.name.as_str())
        .collect();
    assert_eq!(
        names,
        [
            "__name__",
            "authority",
            "container",
            "deployment",
            "direction",
            "namespace",
            "pod"
        ]
    );
    assert_eq!(decoded.timeseries[2].samples[0].value, 3.0);
    assert_eq!(
        decoded.timeseries[2].samples[0].timestamp,
        1_764_014_400_000
    );
}

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
async fn https_with_ca_file_bearer_token_and_custom_header() {
    let (tls, ca_pem) = scripted_http::tls_with_new_ca();
    let server = scripted_http::start(vec![], Some(tls)).await;
    let dir = tempfile::tempdir().unwrap();
    let ca_file = dir.path().join("ca.pem");
    std::fs::write(&ca_file, ca_pem).unwrap();

    let url = format!("https://127.0.0.1:{}/api/v1/push", server.addr.port());
    let unverified = writer(url.clone(), fast_retries(1));
    let message = unverified
        .push(proxy_series(1, 0), &[], &never())
        .await
        .unwrap_err()
        .error
        .to_string();
    assert!(
        message.contains("UnknownIssuer") && message.contains("--ca-file"),
        "{message}"
    );

    let mut config = RemoteWriteConfig::new(url);
    config.http.ca_file = Some(ca_file);
    config.auth = Auth::Bearer("s3cret-token".into());
    config.headers = vec![parse_header("X-Scope-OrgID: tenant-1").unwrap()];
    let writer = RemoteWriter::new(config).unwrap();
    let report = writer
        .push(proxy_series(4, 0), &[], &never())
        .await
        .unwrap();
    assert_eq!(report.samples, 4);
    let received = server.received.lock().unwrap().clone();
    let request = received.last().unwrap();
    assert_eq!(request.headers["authorization"], "Bearer s3cret-token");
    assert_eq!(request.headers["x-scope-orgid"], "tenant-1");
}

#[tokio::test]
async fn basic_auth_is_sent() {
    let server = scripted_http::start(vec![], None).await;
    let mut config = RemoteWriteConfig::new(format!("http://{}/w", server.addr));
    config.auth = Auth::Basic {
        username: "bob".into(),
        password: "pw".into(),
    };
    RemoteWriter::new(config)
        .unwrap()
        .push(proxy_series(1, 0), &[], &never())
        .await
        .unwrap();
    assert_eq!(
        server.received.lock().unwrap()[0].headers["authorization"],
        "Basic Ym9iOnB3"
    );
}

fn collect_three() -> impl FnMut() -> std::future::Ready<Result<Collected, String>> {
    || {
        std::future::ready(Ok(Collected {
            series: proxy_series(3, 0),
            metadata: vec![],
        }))
    }
}

#[tokio::test]
async fn every_stops_between_rounds_on_interrupt() {
    let server = scripted_http::start(vec![], None).await;
    let writer = writer(format!("http://{}/w", server.addr), fast_retries(1));
    let (trigger, interrupt) = Interrupt::new();
    let report = run_every(
        &writer,
        Duration::from_secs(3600),
        &interrupt,
        collect_three(),
        |round, report| {
            assert_eq!(report.samples, 3);
            if round == 1 {
                trigger.interrupt();
            }
        },
    )
    .await
    .unwrap();
    assert_eq!(
        (
            report.rounds,
            report.totals.samples,
            report.finished_in_flight
        ),
        (1, 3, false)
    );
    assert_eq!(
        report.summary(writer.url()),
        format!(
            "interrupted between batches; sent 3 samples in 1 request to http://{}/w over 1 rounds",
            server.addr
        )
    );
}

#[tokio::test]
async fn every_finishes_the_batch_in_flight_on_first_interrupt() {
    let (held, release) = Reply::new(200, "").held();
    let mut server = scripted_http::start(vec![Reply::new(200, ""), held], None).await;
    let writer = writer(format!("http://{}/w", server.addr), fast_retries(1));
    let (trigger, interrupt) = Interrupt::new();
    let run = run_every(
        &writer,
        Duration::from_millis(10),
        &interrupt,
        collect_three(),
        |_, _| {},
    );
    let driver = async {
        assert_eq!(server.arrivals.recv().await, Some(0));
        assert_eq!(server.arrivals.recv().await, Some(1));
        trigger.interrupt();
        release.send(()).unwrap();
    };
    let (report, ()) = tokio::join!(run, driver);
    let report = report.unwrap();
    assert_eq!(
        (
            report.rounds,
            report.totals.samples,
            report.finished_in_flight
        ),
        (2, 6, true)
    );
    assert!(
        report
            .summary("u")
            .starts_with("interrupted: finished the batch in flight; sent 6 samples")
    );
}

#[tokio::test]
async fn every_abandons_the_batch_in_flight_on_second_interrupt() {
    let (held, _release) = Reply::new(200, "").held();
    let mut server = scripted_http::start(vec![Reply::new(200, ""), held], None).await;
    let writer = writer(format!("http://{}/w", server.addr), fast_retries(1));
    let (trigger, interrupt) = Interrupt::new();
    let run = run_every(
        &writer,
        Duration::from_millis(10),
        &interrupt,
        collect_three(),
        |_, _| {},
    );
    let driver = async {
        assert_eq!(server.arrivals.recv().await, Some(0));
        assert_eq!(server.arrivals.recv().await, Some(1));
        trigger.interrupt();
        trigger.interrupt();
    };
    let (result, ()) = tokio::join!(run, driver);
    let failure = result.unwrap_err();
    assert!(matches!(failure.failure.error, ExportError::Abandoned));
    assert_eq!(
        (
            failure.rounds,
            failure.totals.samples,
            failure.failure.unsent
        ),
        (1, 3, 3)
    );
    assert_eq!(
        failure.to_string(),
        "round 2: interrupted: abandoned the batch in flight (0 samples accepted before that, 3 not sent); 3 samples accepted in all"
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

/// Rounds of 3 samples each stamped with its round number (1, 2, ...) in milliseconds, so the
/// order the receiver gets them in can be read back.
fn numbered_rounds() -> impl FnMut() -> std::future::Ready<Result<Collected, String>> {
    let mut round = 0;
    move || {
        round += 1;
        std::future::ready(Ok(Collected {
            series: proxy_series(3, round),
            metadata: vec![],
        }))
    }
}

/// The timestamps of the requests the server accepted (answered 2xx), in arrival order; each
/// request is one round here.
fn accepted_rounds(received: &[scripted_http::Recorded], statuses: &[u16]) -> Vec<i64> {
    received
        .iter()
        .zip(statuses.iter().chain(std::iter::repeat(&200)))
        .filter(|(_, status)| **status < 300)
        .map(|(request, _)| {
            let raw = snap::raw::Decoder::new()
                .decompress_vec(&request.body)
                .unwrap();
            let decoded = WriteRequest::decode(raw.as_slice()).unwrap();
            let stamps: Vec<i64> = decoded
                .timeseries
                .iter()
                .map(|t| t.samples[0].timestamp)
                .collect();
            assert!(stamps.windows(2).all(|w| w[0] == w[1]), "{stamps:?}");
            stamps[0]
        })
        .collect()
}

/// Runs `--every 10ms` with `buffer` against `server` until `stop_after` requests were
/// answered 2xx (`statuses` are the scripted answers, 200 after them), then interrupts; each
/// event goes to `on_event`.
async fn run_until_accepted(
    server: &mut scripted_http::ScriptedServer,
    statuses: &[u16],
    buffer: Buffer,
    stop_after: usize,
    on_event: impl FnMut(Event<'_>),
) -> Result<EveryReport, EveryFailure> {
    let writer = writer(format!("http://{}/w", server.addr), fast_retries(1));
    let (trigger, interrupt) = Interrupt::new();
    let run = run_every_buffered(
        &writer,
        Duration::from_millis(10),
        buffer,
        &interrupt,
        numbered_rounds(),
        on_event,
    );
    let accepted = async {
        let mut accepted = 0;
        while let Some(index) = server.arrivals.recv().await {
            if statuses.get(index).is_none_or(|s| *s < 300) {
                accepted += 1;
            }
            if accepted == stop_after {
                trigger.interrupt();
                return;
            }
        }
    };
    until_done(run, accepted).await
}

/// Runs `run` and `driver` together until `run` ends (the driver may not get to its end when
/// `run` fails first).
async fn until_done<T>(
    run: impl std::future::Future<Output = T>,
    driver: impl std::future::Future<Output = ()>,
) -> T {
    let (done, ended) = tokio::sync::oneshot::channel::<()>();
    let run = async {
        let result = run.await;
        let _ = done.send(());
        result
    };
    let driver = async {
        tokio::select! {
            () = driver => {}
            _ = ended => {}
        }
    };
    tokio::join!(run, driver).0
}

fn replies(statuses: &[u16]) -> Vec<Reply> {
    statuses
        .iter()
        .map(|status| Reply::new(*status, "receiver restarting"))
        .collect()
}

#[tokio::test]
async fn every_queues_rounds_through_an_outage_and_resends_them_in_order() {
    // Round 1 goes out; rounds 2-6 meet a receiver that is down; then it answers again.
    let statuses = [200, 503, 503, 503, 503, 503, 429];
    let mut server = scripted_http::start(replies(&statuses), None).await;
    let mut events = Vec::new();
    let report = run_until_accepted(&mut server, &statuses, Buffer::memory(1 << 20), 12, |e| {
        events.push(format!("{e:?}"))
    })
    .await
    .unwrap();
    let received = server.received.lock().unwrap().clone();
    let accepted = accepted_rounds(&received, &statuses);
    assert!(accepted.len() >= 12, "{accepted:?}");
    let expected: Vec<i64> = (1..=accepted.len() as i64).collect();
    assert_eq!(accepted, expected, "every round once, in order");
    assert_eq!(
        report.buffered.dropped + report.buffered.left,
        0,
        "{report:?}"
    );
    assert_eq!(report.buffered.lost(), 0);
    assert!(report.buffered.resent >= 3, "{report:?}");
    assert_eq!(report.totals.samples, 3 * accepted.len());
    assert_eq!(report.rounds, accepted.len());
    let unavailable = events
        .iter()
        .filter(|e| e.starts_with("Unavailable"))
        .count();
    let recovered = events.iter().filter(|e| e.starts_with("Recovered")).count();
    assert_eq!((unavailable, recovered), (1, 1), "{events:#?}");
    let summary = report.summary("u");
    assert!(
        summary.contains(&format!(
            "({} queued during an outage and sent later)",
            report.buffered.resent
        )) && !summary.contains("lost"),
        "{summary}"
    );
}

#[tokio::test]
async fn every_drops_the_oldest_rounds_when_the_buffer_overflows_and_counts_them() {
    let statuses = [503; 12];
    let mut server = scripted_http::start(replies(&statuses), None).await;
    // One round of 3 samples is about 150 bytes encoded: room for 2 of them.
    let one_round = {
        let series: Vec<_> = proxy_series(3, 1)
            .into_iter()
            .map(|s| linkerd_export::export::remote_write::proto::time_series(s).unwrap())
            .collect();
        let request = WriteRequest {
            timeseries: series,
            metadata: vec![],
        };
        linkerd_export::export::remote_write::proto::encode(&request)
            .unwrap()
            .len() as u64
    };
    let mut events = Vec::new();
    let buffer = Buffer::memory(one_round * 5 / 2);
    let report = run_until_accepted(&mut server, &statuses, buffer, 3, |e| {
        events.push(format!("{e:?}"))
    })
    .await
    .unwrap();
    let received = server.received.lock().unwrap().clone();
    let accepted = accepted_rounds(&received, &statuses);
    // What was accepted is the newest rounds the buffer kept, in order, then new ones.
    assert!(accepted.windows(2).all(|w| w[0] < w[1]), "{accepted:?}");
    assert!(accepted[0] > 1, "the oldest were dropped: {accepted:?}");
    let dropped_rounds = accepted[0] as usize - 1;
    assert_eq!(report.buffered.dropped, 3 * dropped_rounds, "{report:?}");
    let warned: usize = events.iter().filter(|e| e.starts_with("Dropped")).count();
    assert_eq!(warned, dropped_rounds, "{events:#?}");
    assert_eq!(
        report.totals.samples + report.buffered.lost(),
        3 * report.rounds,
        "every sample accounted for: {report:?}"
    );
    let summary = report.summary("u");
    assert!(
        summary.contains(&format!(
            "{} samples lost: dropped from the full buffer",
            3 * dropped_rounds
        )),
        "{summary}"
    );
}

#[tokio::test]
async fn every_ends_on_a_4xx_even_for_a_queued_round_and_says_what_was_not_sent() {
    let statuses = [200, 503, 400];
    let server = scripted_http::start(replies(&statuses), None).await;
    let writer = writer(format!("http://{}/w", server.addr), fast_retries(1));
    let failure = run_every_buffered(
        &writer,
        Duration::from_millis(10),
        Buffer::memory(1 << 20),
        &never(),
        numbered_rounds(),
        |_| {},
    )
    .await
    .unwrap_err();
    let ExportError::Status { status, .. } = &failure.failure.error else {
        panic!("{failure}");
    };
    assert_eq!(status.as_u16(), 400);
    // Round 1 was sent; round 2 was queued, and refused for good when resent with round 3.
    assert_eq!(failure.totals.samples, 3);
    assert_eq!(failure.rounds, 3);
    assert_eq!(failure.failure.unsent, 6, "{failure}");
    assert_eq!(server.received.lock().unwrap().len(), 3);
    assert!(
        failure
            .to_string()
            .contains("answered HTTP 400 Bad Request"),
        "{failure}"
    );
}

#[tokio::test]
async fn every_spools_queued_rounds_to_a_directory_and_removes_them_once_sent() {
    let statuses = [503, 503, 503, 503];
    let mut server = scripted_http::start(replies(&statuses), None).await;
    let dir = tempfile::tempdir().unwrap();
    let spool = dir.path().join("spool");
    let buffer = Buffer::spooled(&spool, 1 << 20).unwrap();
    let mut most_files = 0;
    let report = run_until_accepted(&mut server, &statuses, buffer, 6, |event| {
        if let Event::Queued { buffer, .. } = event {
            let files = std::fs::read_dir(&spool).unwrap().count();
            assert_eq!(files, buffer.len(), "one file per queued request");
            most_files = most_files.max(files);
        }
    })
    .await
    .unwrap();
    assert!(most_files >= 2, "rounds were spooled: {most_files}");
    assert_eq!(
        std::fs::read_dir(&spool).unwrap().count(),
        0,
        "sent, so removed"
    );
    let received = server.received.lock().unwrap().clone();
    let accepted = accepted_rounds(&received, &statuses);
    let expected: Vec<i64> = (1..=accepted.len() as i64).collect();
    assert_eq!(accepted, expected);
    assert_eq!((report.buffered.lost(), report.buffered.left), (0, 0));
}
