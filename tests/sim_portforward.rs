//! `pods/portforward` and `pods/proxy` of the simulated API server, driven by kube's own client.

mod sim_common;

use std::time::Duration;

use futures::{SinkExt, StreamExt};
use k8s_openapi::api::core::v1::Pod;
use kube::Api;
use linkerd_export::sim::{Sim, SimConfig};
use sim_common::{client, get, pod, sample};
use tokio_tungstenite::tungstenite::Message;

fn config(faults: &[&str]) -> SimConfig {
    SimConfig {
        faults: faults.iter().map(|f| f.parse().expect("fault")).collect(),
        ..SimConfig::default()
    }
}

#[tokio::test]
async fn metrics_through_a_port_forward_tunnel() {
    let sim = Sim::start(SimConfig::default()).await.expect("start");
    let client = client(&sim).await;
    let web = pod(&sim, "emojivoto", "web-").name.clone();
    let pods: Api<Pod> = Api::namespaced(client, "emojivoto");
    let mut pf = pods.portforward(&web, &[4191]).await.expect("portforward");
    let stream = pf.take_stream(4191).expect("stream");
    let res = get(stream, "/metrics", &[]).await;
    assert_eq!(res.status, 200);
    let body = String::from_utf8(res.body.expect("body").to_vec()).expect("utf-8");
    assert!(
        body.starts_with("# HELP request_total Total count of HTTP requests.\n"),
        "{}",
        &body[..200]
    );
    assert!(body.ends_with("proxy_build_info{date=\"2025-11-20T19:52:40Z\",git_sha=\"215c32d3f\",profile=\"release\",vendor=\"linkerd\",version=\"edge-25.11.1\"} 1\n# EOF\n"));
    let inbound = sample(
        &body,
        "request_total",
        &[
            "direction=\"inbound\"",
            "authority=\"web-svc.emojivoto.svc.cluster.local:80\"",
        ],
    );
    assert!(inbound.is_some_and(|v| v > 0.0), "no inbound request_total");
    tokio::time::timeout(Duration::from_secs(5), pf.join())
        .await
        .expect("orderly close")
        .expect("port-forward task");
}

#[tokio::test]
async fn native_sidecar_and_custom_admin_port_pods_forward() {
    let sim = Sim::start(SimConfig::default()).await.expect("start");
    let pods: Api<Pod> = Api::namespaced(client(&sim).await, "default");
    for (prefix, port) in [("db-0", 4191), ("agent-", 4192)] {
        let name = pod(&sim, "default", prefix).name.clone();
        let mut pf = pods.portforward(&name, &[port]).await.expect("portforward");
        let res = get(pf.take_stream(port).expect("stream"), "/ready", &[]).await;
        assert_eq!(res.status, 200, "{name}");
        assert_eq!(&res.body.expect("body")[..], b"ready\n");
    }
}

#[tokio::test]
async fn refused_connection_reports_the_kubelet_error() {
    let sim = Sim::start(config(&["refuse:web-*"])).await.expect("start");
    let pods: Api<Pod> = Api::namespaced(client(&sim).await, "emojivoto");
    let web = pod(&sim, "emojivoto", "web-").clone();
    let mut pf = pods
        .portforward(&web.name, &[4191])
        .await
        .expect("portforward");
    let err = tokio::time::timeout(
        Duration::from_secs(5),
        pf.take_error(4191).expect("error future"),
    )
    .await
    .expect("error arrives")
    .expect("error text");
    let want = format!(
        "error forwarding port 4191 to pod {}, uid {}: ",
        web.name, web.uid
    );
    assert!(err.starts_with(&want), "{err}");
    assert!(err.ends_with("connect: connection refused"), "{err}");

    let emoji = pod(&sim, "emojivoto", "emoji-").name.clone();
    let mut pf = pods
        .portforward(&emoji, &[8081])
        .await
        .expect("portforward");
    let err = pf
        .take_error(8081)
        .expect("error future")
        .await
        .expect("error text");
    assert!(
        err.starts_with("error forwarding port 8081 to pod "),
        "{err}"
    );
}

#[tokio::test]
async fn forbid_and_notfound_answer_metav1_status() {
    let sim = Sim::start(config(&["forbid:web-*", "notfound:emoji-*"]))
        .await
        .expect("start");
    let client = client(&sim).await;
    let pods: Api<Pod> = Api::namespaced(client.clone(), "emojivoto");
    let web = pod(&sim, "emojivoto", "web-").name.clone();
    let emoji = pod(&sim, "emojivoto", "emoji-").name.clone();
    for (name, code, reason) in [
        (&web, 403, "Forbidden"),
        (&emoji, 404, "NotFound"),
        (&"gone".to_string(), 404, "NotFound"),
    ] {
        match pods.portforward(name, &[4191]).await {
            Err(kube::Error::Api(status)) => {
                assert_eq!(status.code, code, "{name}");
                assert_eq!(status.reason, reason, "{name}");
            }
            Err(other) => panic!("{name}: unexpected error {other}"),
            Ok(_) => panic!("{name}: port-forward should fail"),
        }
        let req = http::Request::get(format!(
            "/api/v1/namespaces/emojivoto/pods/{name}:4191/proxy/metrics"
        ))
        .body(Vec::new())
        .unwrap();
        match client.request_text(req).await {
            Err(kube::Error::Api(status)) => assert_eq!(status.code, code, "{name}"),
            other => panic!("{name}: pods/proxy should fail, got {other:?}"),
        }
    }
    assert!(pods.get(&emoji).await.is_ok(), "a notfound pod still lists");
    let forbidden = pods
        .portforward(&web, &[4191])
        .await
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(
        forbidden.contains("cannot create resource \"pods/portforward\""),
        "{forbidden}"
    );
}

#[tokio::test]
async fn pods_proxy_relays_the_admin_endpoint() {
    let sim = Sim::start(config(&["refuse:voting-*"]))
        .await
        .expect("start");
    let client = client(&sim).await;
    let web = pod(&sim, "emojivoto", "web-").name.clone();
    let req = http::Request::get(format!(
        "/api/v1/namespaces/emojivoto/pods/{web}:4191/proxy/metrics"
    ))
    .body(Vec::new())
    .unwrap();
    let body = client.request_text(req).await.expect("pods/proxy");
    assert!(body.ends_with("# EOF\n"));
    assert!(
        sample(
            &body,
            "response_total",
            &["direction=\"inbound\"", "classification=\"success\""]
        )
        .is_some()
    );

    let voting = pod(&sim, "emojivoto", "voting-").clone();
    let req = http::Request::get(format!(
        "/api/v1/namespaces/emojivoto/pods/{}:4191/proxy/metrics",
        voting.name
    ))
    .body(Vec::new())
    .unwrap();
    match client.request_text(req).await {
        Err(kube::Error::Api(status)) => {
            assert_eq!(status.code, 503);
            assert_eq!(status.reason, "ServiceUnavailable");
            assert!(
                status.message.contains(&format!(
                    "dial tcp {}:4191: connect: connection refused",
                    voting.ip
                )),
                "{}",
                status.message
            );
        }
        other => panic!("refused pods/proxy should fail, got {other:?}"),
    }
}

#[tokio::test]
async fn websocket_framing_and_subprotocol_negotiation() {
    let sim = Sim::start(SimConfig::default()).await.expect("start");
    let client = client(&sim).await;
    let web = pod(&sim, "emojivoto", "web-").name.clone();
    let path = format!("/api/v1/namespaces/emojivoto/pods/{web}/portforward?ports=4191");
    let conn = client
        .connect(http::Request::get(&path).body(Vec::new()).unwrap())
        .await
        .expect("upgrade");
    assert!(
        !conn.supports_stream_close(),
        "v4 must be chosen from kube's [v5, v4]"
    );
    let mut ws = conn.into_stream();
    let mut first = Vec::new();
    while first.len() < 2 {
        match ws.next().await.expect("frame").expect("frame ok") {
            Message::Binary(b) => first.push(b.to_vec()),
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(first, [vec![0, 0x5f, 0x10], vec![1, 0x5f, 0x10]]);
    ws.send(Message::Binary(bytes::Bytes::from_static(
        b"\x00GET /live HTTP/1.1\r\nhost: x\r\n\r\n",
    )))
    .await
    .expect("send");
    let mut data = Vec::new();
    while !data.ends_with(b"live\n") {
        match ws.next().await.expect("frame").expect("frame ok") {
            Message::Binary(b) => {
                assert_eq!(b[0], 0, "data arrives on channel 0");
                data.extend_from_slice(&b[1..]);
            }
            other => panic!("unexpected {other:?}"),
        }
    }
    assert!(data.starts_with(b"HTTP/1.1 200 OK\r\n"));
    ws.send(Message::Close(None)).await.expect("close");
    let mut saw_close = false;
    while let Some(Ok(msg)) = ws.next().await {
        saw_close |= msg.is_close();
    }
    assert!(saw_close, "server answers Close");

    let req = http::Request::get(&path)
        .header("connection", "Upgrade")
        .header("upgrade", "websocket")
        .header("sec-websocket-version", "13")
        .header("sec-websocket-key", "dGhlIHNhbXBsZSBub25jZQ==")
        .header("sec-websocket-protocol", "v5.channel.k8s.io")
        .body(kube::client::Body::empty())
        .unwrap();
    let res = client.send(req).await.expect("response");
    assert_eq!(res.status(), 400);
}

#[tokio::test]
async fn viz_prometheus_federates_every_proxy() {
    let sim = Sim::start(SimConfig::default()).await.expect("start");
    let client = client(&sim).await;
    let prom = pod(&sim, "linkerd-viz", "prometheus-").name.clone();
    let pods: Api<Pod> = Api::namespaced(client.clone(), "linkerd-viz");
    let mut pf = pods.portforward(&prom, &[9090]).await.expect("portforward");
    let selector = "%7Bjob%3D%22linkerd-proxy%22%2Cnamespace%3D%22emojivoto%22%7D";
    let res = get(
        pf.take_stream(9090).expect("stream"),
        &format!("/federate?match[]={selector}"),
        &[],
    )
    .await;
    assert_eq!(res.status, 200);
    let body = String::from_utf8(res.body.expect("body").to_vec()).expect("utf-8");
    assert!(body.contains("# TYPE request_total untyped\n"));
    let web_line = body
        .lines()
        .find(|l| {
            l.starts_with("request_total{")
                && l.contains("deployment=\"web\"")
                && l.contains("direction=\"inbound\"")
        })
        .expect("web inbound request_total");
    assert!(
        web_line.contains("job=\"linkerd-proxy\"") && web_line.contains("namespace=\"emojivoto\""),
        "{web_line}"
    );
    assert_eq!(
        web_line.split(' ').count(),
        3,
        "value and timestamp: {web_line}"
    );
    assert!(
        !body.contains("namespace=\"linkerd\""),
        "selector filters namespaces"
    );

    let req = http::Request::get(format!(
        "/api/v1/namespaces/linkerd-viz/pods/{prom}:9090/proxy/federate?match[]={selector}"
    ))
    .body(Vec::new())
    .unwrap();
    let via_proxy = client.request_text(req).await.expect("pods/proxy federate");
    assert!(via_proxy.contains("# TYPE response_total untyped\n"));
}
