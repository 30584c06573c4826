//! `export --serve`: a real Prometheus scrapes `/metrics` and `/federate?match[]=` and ingests the
//! series with their target labels; the HTTP edges (errors, gzip, shutdown) over loopback.

use crate::support::prometheus;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use linkerd_export::export::serve::{
    self, Endpoint, Exposition, ExpositionFormat, MetricsSource, SourceError, SourceRequest,
};
use prometheus::Prometheus;
use tokio::sync::oneshot;

const TARGET: &str =
    r#"namespace="emojivoto",pod="web-5d8",container="linkerd-proxy",deployment="web""#;

/// A stand-in for "scrape every targeted proxy and render": counts its calls, records the
/// requests, answers OpenMetrics when asked, and filters `/federate` by metric name.
fn fake_source(
    calls: Arc<AtomicUsize>,
    seen: Arc<Mutex<Vec<SourceRequest>>>,
) -> impl MetricsSource {
    move |request: SourceRequest| {
        let n = calls.fetch_add(1, Ordering::SeqCst) + 1;
        seen.lock().unwrap().push(request.clone());
        async move {
            let requests = format!(
                "# HELP request_total Total count of HTTP requests.\n# TYPE request_total counter\n\
                 request_total{{direction=\"inbound\",{TARGET}}} {n}\n\
                 request_total{{direction=\"outbound\",{TARGET}}} {}\n",
                n * 2
            );
            let connections = format!(
                "# HELP tcp_open_connections Number of currently-open connections.\n\
                 # TYPE tcp_open_connections gauge\ntcp_open_connections{{direction=\"inbound\",{TARGET}}} 3\n"
            );
            match request.endpoint {
                Endpoint::Metrics if request.openmetrics => {
                    let requests = requests
                        .replace("# HELP request_total", "# HELP request")
                        .replace("# TYPE request_total", "# TYPE request");
                    Ok(Exposition {
                        body: Bytes::from(format!("{requests}{connections}# EOF\n")),
                        format: ExpositionFormat::OpenMetrics,
                    })
                }
                Endpoint::Metrics => Ok(Exposition {
                    body: Bytes::from(format!("{requests}{connections}")),
                    format: ExpositionFormat::Prometheus,
                }),
                Endpoint::Federate => {
                    let mut body = String::new();
                    for selector in &request.selectors {
                        match selector.as_str() {
                            "tcp_open_connections" => body.push_str(&connections),
                            "request_total" => body.push_str(&requests),
                            other => {
                                return Err(SourceError::BadRequest(format!(
                                    "unsupported selector {other}"
                                )));
                            }
                        }
                    }
                    Ok(Exposition {
                        body: Bytes::from(body),
                        format: ExpositionFormat::Prometheus,
                    })
                }
            }
        }
    }
}

struct Running {
    addr: String,
    stop: oneshot::Sender<()>,
    done: tokio::task::JoinHandle<()>,
}

async fn start(source: impl MetricsSource) -> Running {
    let listener = serve::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let (stop, stopped) = oneshot::channel::<()>();
    let done = tokio::spawn(serve::serve(listener, Arc::new(source), async {
        let _ = stopped.await;
    }));
    Running { addr, stop, done }
}

fn value_of(sample: &serde_json::Value) -> f64 {
    sample["value"][1].as_str().unwrap().parse().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn real_prometheus_scrapes_metrics_and_federate() {
    let calls = Arc::new(AtomicUsize::new(0));
    let seen = Arc::new(Mutex::new(Vec::new()));
    let server = start(fake_source(calls.clone(), seen.clone())).await;
    let scrape_configs = format!(
        "- job_name: le-metrics\n  static_configs:\n  - targets: ['{addr}']\n\
         - job_name: le-federate\n  metrics_path: /federate\n  honor_labels: true\n  params:\n    'match[]': ['tcp_open_connections']\n  static_configs:\n  - targets: ['{addr}']\n",
        addr = server.addr
    );
    let addr = server.addr.clone();
    tokio::task::spawn_blocking(move || {
        let prometheus = Prometheus::start(&scrape_configs);
        let limit = Duration::from_secs(30);
        for job in ["le-metrics", "le-federate"] {
            let up = prometheus.query_until(&format!("up{{job=\"{job}\"}}"), limit, |r| {
                r.len() == 1 && value_of(&r[0]) == 1.0
            });
            assert_eq!(up.len(), 1, "{job}: {}", prometheus.log());
            assert_eq!(value_of(&up[0]), 1.0, "{job} is up");
            assert_eq!(up[0]["metric"]["instance"], addr.as_str());
        }
        let requests = prometheus.query_until(r#"request_total{job="le-metrics"}"#, limit, |r| {
            r.len() == 2
        });
        assert_eq!(requests.len(), 2, "{requests:?}");
        for sample in &requests {
            let labels = &sample["metric"];
            assert_eq!(labels["namespace"], "emojivoto");
            assert_eq!(labels["pod"], "web-5d8");
            assert_eq!(labels["container"], "linkerd-proxy");
            assert_eq!(labels["deployment"], "web");
        }
        let federated =
            prometheus.query_until(r#"tcp_open_connections{job="le-federate"}"#, limit, |r| {
                r.len() == 1
            });
        assert_eq!(federated.len(), 1);
        assert_eq!(federated[0]["metric"]["pod"], "web-5d8");
        assert_eq!(value_of(&federated[0]), 3.0);
        assert!(
            prometheus
                .query(r#"request_total{job="le-federate"}"#, None)
                .is_empty(),
            "federate is filtered"
        );
        let inbound = r#"request_total{job="le-metrics",direction="inbound"}"#;
        let first = value_of(&prometheus.query(inbound, None)[0]);
        let later =
            prometheus.query_until(inbound, limit, |r| r.len() == 1 && value_of(&r[0]) > first);
        assert!(value_of(&later[0]) > first, "each scrape collects afresh");
    })
    .await
    .unwrap();

    let seen = seen.lock().unwrap().clone();
    let metrics = seen
        .iter()
        .find(|r| r.endpoint == Endpoint::Metrics)
        .unwrap();
    assert!(metrics.openmetrics, "Prometheus asks for OpenMetrics");
    assert_eq!(
        metrics.scrape_timeout,
        Some(Duration::from_secs(1)),
        "Prometheus' deadline is passed on"
    );
    assert!(metrics.selectors.is_empty());
    let federate = seen
        .iter()
        .find(|r| r.endpoint == Endpoint::Federate)
        .unwrap();
    assert_eq!(federate.selectors, ["tcp_open_connections"]);

    server.stop.send(()).unwrap();
    tokio::time::timeout(Duration::from_secs(15), server.done)
        .await
        .unwrap()
        .unwrap();
}

async fn get(addr: &str, path: &str, headers: &[(&str, &str)]) -> (u16, http::HeaderMap, Bytes) {
    use http_body_util::{BodyExt, Empty};
    let stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let (mut sender, connection) =
        hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream))
            .await
            .unwrap();
    tokio::spawn(connection);
    let mut request = http::Request::get(path).header("host", addr);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = sender
        .send_request(request.body(Empty::<Bytes>::new()).unwrap())
        .await
        .unwrap();
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let body = response.into_body().collect().await.unwrap().to_bytes();
    (status, headers, body)
}

/// Whether the serve endpoint still answers on `addr`. Other tests in this binary bind port 0 at
/// the same time and may be handed the freed port, so a successful connect alone proves nothing:
/// ask something only our server answers this way.
async fn our_server_answers(addr: &str) -> bool {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let Ok(mut stream) = tokio::net::TcpStream::connect(addr).await else {
        return false;
    };
    let request =
        format!("GET /federate?match[]=nope HTTP/1.1\r\nhost: {addr}\r\nconnection: close\r\n\r\n");
    let mut answer = Vec::new();
    let exchange = async {
        stream.write_all(request.as_bytes()).await?;
        stream.read_to_end(&mut answer).await
    };
    let _ = tokio::time::timeout(Duration::from_secs(2), exchange).await;
    String::from_utf8_lossy(&answer).contains("unsupported selector nope")
}

#[tokio::test]
async fn http_edges_errors_gzip_and_shutdown() {
    let calls = Arc::new(AtomicUsize::new(0));
    let server = start(fake_source(calls.clone(), Arc::default())).await;
    let addr = server.addr.as_str();

    let (status, headers, body) = get(addr, "/metrics", &[]).await;
    assert_eq!(status, 200);
    assert_eq!(
        headers["content-type"],
        "text/plain; version=0.0.4; charset=utf-8"
    );
    assert!(
        String::from_utf8_lossy(&body)
            .contains(r#"request_total{direction="inbound",namespace="emojivoto""#)
    );

    let (status, headers, body) = get(
        addr,
        "/metrics",
        &[
            ("accept-encoding", "gzip"),
            ("accept", "application/openmetrics-text;version=1.0.0"),
        ],
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(headers["content-encoding"], "gzip");
    assert!(
        headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/openmetrics-text")
    );
    let mut text = String::new();
    std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(&body[..]), &mut text).unwrap();
    assert!(text.ends_with("# EOF\n"), "{text}");

    let (status, _, body) = get(addr, "/federate", &[]).await;
    assert_eq!(status, 400);
    assert!(String::from_utf8_lossy(&body).contains("needs at least one match[] selector"));

    let (status, _, body) = get(addr, "/federate?match[]=nope", &[]).await;
    assert_eq!(
        (status, &body[..]),
        (400, &b"unsupported selector nope\n"[..])
    );

    let (status, _, body) = get(addr, "/federate?match%5B%5D=request_total", &[]).await;
    assert_eq!(status, 200);
    let body = String::from_utf8_lossy(&body).into_owned();
    assert!(
        body.contains("request_total{") && !body.contains("tcp_open_connections{"),
        "{body}"
    );

    let (status, _, _) = get(addr, "/nothing", &[]).await;
    assert_eq!(status, 404);

    let before = calls.load(Ordering::SeqCst);
    server.stop.send(()).unwrap();
    tokio::time::timeout(Duration::from_secs(15), server.done)
        .await
        .unwrap()
        .unwrap();
    assert!(!our_server_answers(addr).await, "the listener is closed");
    assert_eq!(calls.load(Ordering::SeqCst), before);
}

#[tokio::test]
async fn unavailable_source_is_a_503_so_up_is_0() {
    let server = start(|_request: SourceRequest| async {
        Err(SourceError::Unavailable(
            "no proxy could be scraped: 3 of 3 failed".into(),
        ))
    })
    .await;
    let (status, _, body) = get(&server.addr, "/metrics", &[]).await;
    assert_eq!(
        (status, &body[..]),
        (503, &b"no proxy could be scraped: 3 of 3 failed\n"[..])
    );
}

#[tokio::test]
async fn bind_error_names_the_address() {
    let taken = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let err = serve::bind(&addr).await.unwrap_err().to_string();
    assert!(
        err.starts_with(&format!("cannot listen on {addr}: ")),
        "{err}"
    );
}
