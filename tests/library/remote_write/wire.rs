//! A remote-write request as it leaves the client, against the scripted loopback receiver: the
//! protocol's headers and snappy-compressed protobuf body, HTTPS with a CA file, a bearer token,
//! custom headers and basic auth.

use linkerd_export::export::remote_write::{Auth, RemoteWriteConfig, RemoteWriter, parse_header};

use crate::support::never;
use crate::support::scripted_http::{self, Reply};

use super::{fast_retries, proxy_series, writer};

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
    let decoded = request.write_request();
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
