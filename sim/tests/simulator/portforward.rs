//! `pods/portforward` and `pods/proxy` of the simulated API server, driven by kube's own client.

use std::time::Duration;

use crate::support::{client, get, pod, sample};
use futures::{SinkExt, StreamExt};
use k8s_openapi::api::core::v1::Pod;
use kube::Api;
use linkerd_export_sim::portforward::{refused_text, sandbox_id};
use linkerd_export_sim::{Sim, SimConfig};
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
        "error forwarding port 4191 to pod {}, uid : ",
        sandbox_id(&web)
    );
    assert!(err.starts_with(&want), "{err}");
    assert!(err.ends_with("connect: connection refused "), "{err}");

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
        let status = portforward_status(&pods, name).await;
        assert_eq!(status.code, code, "{name}");
        assert_eq!(status.reason, reason, "{name}");
        let status = failed_status(
            &client,
            &format!("/api/v1/namespaces/emojivoto/pods/{name}:4191/proxy/metrics"),
        )
        .await;
        assert_eq!(status.code, code, "{name}");
    }
    assert!(pods.get(&emoji).await.is_ok(), "a notfound pod still lists");
    let forbidden = pods
        .portforward(&web, &[4191])
        .await
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(
        forbidden.contains("cannot get resource \"pods/portforward\""),
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

/// The `Status` of a request that must fail with one.
async fn failed_status(client: &kube::Client, path: &str) -> kube::core::Status {
    let req = http::Request::get(path).body(Vec::new()).unwrap();
    match client.request_text(req).await {
        Err(kube::Error::Api(status)) => *status,
        other => panic!("{path} should fail with a Status, got {other:?}"),
    }
}

/// The `Status` of a port-forward that must be refused before the upgrade.
async fn portforward_status(pods: &Api<Pod>, name: &str) -> kube::core::Status {
    match pods.portforward(name, &[4191]).await {
        Err(kube::Error::Api(status)) => *status,
        Err(other) => panic!("{name}: unexpected error {other}"),
        Ok(_) => panic!("{name}: port-forward should fail"),
    }
}

#[tokio::test]
async fn forbidden_port_forward_is_worded_as_by_each_api_server_version() {
    let sim = Sim::start(config(&["forbid:web-*", "nocreate:emoji-*"]))
        .await
        .expect("start");
    let client = client(&sim).await;
    let pods: Api<Pod> = Api::namespaced(client.clone(), "emojivoto");
    let web = pod(&sim, "emojivoto", "web-").name.clone();
    let emoji = pod(&sim, "emojivoto", "emoji-").name.clone();

    let status = portforward_status(&pods, &web).await;
    assert_eq!((status.code, status.reason.as_str()), (403, "Forbidden"));
    assert_eq!(
        status.message,
        format!(
            "pods \"{web}\" is forbidden: User \"system:serviceaccount:default:sim\" cannot get resource \"pods/portforward\" in API group \"\" in the namespace \"emojivoto\""
        )
    );

    // Kubernetes 1.35+ without `create`: nothing after "is forbidden: ".
    let status = portforward_status(&pods, &emoji).await;
    assert_eq!((status.code, status.reason.as_str()), (403, "Forbidden"));
    assert_eq!(status.message, format!("pods \"{emoji}\" is forbidden: "));
    let proxied = client
        .request_text(
            http::Request::get(format!(
                "/api/v1/namespaces/emojivoto/pods/{emoji}:4191/proxy/ready"
            ))
            .body(Vec::new())
            .unwrap(),
        )
        .await
        .expect("nocreate leaves pods/proxy alone");
    assert_eq!(proxied, "ready\n");

    let status = failed_status(
        &client,
        &format!("/api/v1/namespaces/emojivoto/pods/{web}:4191/proxy/metrics"),
    )
    .await;
    assert_eq!(status.code, 403);
    assert!(
        status.message.starts_with(&format!(
            "pods \"{web}:4191\" is forbidden: User \"system:serviceaccount:default:sim\" cannot get resource \"pods/proxy\""
        )),
        "{}",
        status.message
    );
    assert_eq!(status.details.map(|d| d.name), Some(format!("{web}:4191")));
}

#[tokio::test]
async fn pods_proxy_failures_are_the_api_servers() {
    let sim = Sim::start(config(&["refuse:voting-*"]))
        .await
        .expect("start");
    let client = client(&sim).await;
    let voting = pod(&sim, "emojivoto", "voting-").clone();
    let status = failed_status(
        &client,
        &format!(
            "/api/v1/namespaces/emojivoto/pods/{}:4191/proxy/metrics",
            voting.name
        ),
    )
    .await;
    assert_eq!(
        (status.code, status.reason.as_str()),
        (503, "ServiceUnavailable")
    );
    assert_eq!(
        status.message,
        format!(
            "error trying to reach service: dial tcp {}:4191: connect: connection refused",
            voting.ip
        )
    );
    assert!(status.details.is_none(), "{:?}", status.details);

    let pending = pod(&sim, "default", "pending-app").name.clone();
    let status = failed_status(
        &client,
        &format!("/api/v1/namespaces/default/pods/{pending}:4191/proxy/metrics"),
    )
    .await;
    assert_eq!(
        (status.code, status.reason.as_str(), status.message.as_str()),
        (400, "BadRequest", "address not allowed")
    );
}

#[tokio::test]
async fn port_forward_needs_a_node_and_a_reachable_kubelet() {
    let sim = Sim::start(config(&["kubeletdown:web-*"]))
        .await
        .expect("start");
    let client = client(&sim).await;
    let pending = pod(&sim, "default", "pending-app").name.clone();
    let status = portforward_status(&Api::namespaced(client.clone(), "default"), &pending).await;
    assert_eq!(
        (status.code, status.message.as_str()),
        (
            400,
            format!("pod {pending} does not have a host assigned").as_str()
        )
    );

    let web = pod(&sim, "emojivoto", "web-").name.clone();
    let pods: Api<Pod> = Api::namespaced(client.clone(), "emojivoto");
    let status = portforward_status(&pods, &web).await;
    assert_eq!(status.code, 500);
    assert_eq!(status.reason, "", "an unknown reason is left out");
    assert_eq!(
        status.message,
        "error dialing backend: dial tcp 172.18.0.2:10250: connect: connection refused"
    );
    let emoji = pod(&sim, "emojivoto", "emoji-").name.clone();
    let mut pf = pods
        .portforward(&emoji, &[4191])
        .await
        .expect("other pods forward");
    let res = get(pf.take_stream(4191).expect("stream"), "/ready", &[]).await;
    assert_eq!(res.status, 200);
}

#[tokio::test]
async fn the_kubelet_names_the_sandbox_and_closes_after_an_error() {
    let sim = Sim::start(config(&["refuse:web-*"])).await.expect("start");
    let client = client(&sim).await;
    let web = pod(&sim, "emojivoto", "web-").clone();
    let sandbox = sandbox_id(&web);
    assert_eq!(sandbox.len(), 64);
    assert!(sandbox.bytes().all(|b| b.is_ascii_hexdigit()), "{sandbox}");
    let text = refused_text(&web, 4191);
    let prefix = format!(
        "error forwarding port 4191 to pod {sandbox}, uid : failed to execute portforward in network namespace \"/var/run/netns/cni-"
    );
    assert!(text.starts_with(&prefix), "{text}");
    assert!(
        text.contains(&format!(
            "\": failed to connect to localhost:4191 inside namespace \"{sandbox}\", IPv4: dial tcp4 127.0.0.1:4191: connect: connection refused IPv6 dial tcp6 [::1]:4191: connect: connection refused"
        )),
        "{text}"
    );

    let path = format!(
        "/api/v1/namespaces/emojivoto/pods/{}/portforward?ports=4191",
        web.name
    );
    let conn = client
        .connect(http::Request::get(&path).body(Vec::new()).unwrap())
        .await
        .expect("upgrade");
    let mut ws = conn.into_stream();
    // Nothing is sent: the server ends the conversation by itself after the error.
    let frames = tokio::time::timeout(Duration::from_secs(10), async {
        let mut frames = Vec::new();
        while let Some(msg) = ws.next().await {
            match msg {
                Ok(Message::Close(_)) => {
                    frames.push(b"close".to_vec());
                    break;
                }
                Ok(Message::Binary(b)) => frames.push(b.to_vec()),
                Ok(_) => {}
                Err(e) => panic!("websocket error {e}"),
            }
        }
        frames
    })
    .await
    .expect("the server closes the WebSocket after the error");
    let mut error_frame = vec![1];
    error_frame.extend_from_slice(text.as_bytes());
    assert_eq!(
        frames,
        [
            vec![0, 0x5f, 0x10],
            vec![1, 0x5f, 0x10],
            error_frame,
            b"close".to_vec()
        ]
    );
}
