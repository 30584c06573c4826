//! Fetching a proxy's `/metrics` through the simulated API server, by port-forward and by
//! pods/proxy, and how each injected fault surfaces as a `ForwardError`.

use std::collections::BTreeSet;
use std::time::Duration;

use bytes::Bytes;
use linkerd_export::forward::{
    FetchOptions, Fetched, ForwardError, Via, fetch, fetch_leaving_close,
};
use tokio_util::task::TaskTracker;

use crate::support::Mesh;
use crate::support::cluster::Connected;
use crate::support::fetch::get;

const VIAS: [Via; 2] = [Via::PortForward, Via::ApiServer];

/// The first emojivoto pod whose name starts with `prefix`.
fn pod(env: &Connected, prefix: &str) -> String {
    env.pod("emojivoto", prefix)
}

/// Fetch options that go `via` the given transport, the rest left at their defaults.
fn options(via: Via) -> FetchOptions {
    FetchOptions {
        via,
        ..FetchOptions::default()
    }
}

/// `path` (with its query) from the proxy admin port, 4191, of the emojivoto pod `pod`.
async fn fetch_admin(
    env: &Connected,
    pod: &str,
    path: &str,
    opts: &FetchOptions,
) -> Result<Fetched, ForwardError> {
    fetch(&env.cluster.client, "emojivoto", pod, 4191, path, opts).await
}

/// The `/metrics` body of the first emojivoto pod named `prefix*`, fetched `via` within `timeout`.
async fn fetch_metrics(
    env: &Connected,
    prefix: &str,
    via: Via,
    timeout: Duration,
) -> Result<Bytes, ForwardError> {
    let opts = FetchOptions {
        timeout,
        ..options(via)
    };
    fetch_admin(env, &pod(env, prefix), "/metrics", &opts)
        .await
        .map(|f| f.body)
}

fn metric_names(body: &[u8]) -> BTreeSet<String> {
    std::str::from_utf8(body)
        .expect("utf-8 body")
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .map(|l| l.split(['{', ' ']).next().unwrap().to_string())
        .collect()
}

/// The same pod's body straight from its admin endpoint, over plain HTTP on loopback.
async fn direct_body(env: &Connected, prefix: &str) -> Bytes {
    let addr = env
        .sim
        .proxy_addr("emojivoto", &pod(env, prefix))
        .expect("proxy addr");
    let tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
    get(tcp, "/metrics", &[]).await.body.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn both_transports_return_the_proxy_body() {
    let env = Mesh::builder().connect().await;
    let direct = metric_names(&direct_body(&env, "web-").await);
    assert!(direct.contains("request_total"), "{direct:?}");
    for via in VIAS {
        let body = fetch_metrics(&env, "web-", via, Duration::from_secs(10))
            .await
            .unwrap();
        assert!(body.starts_with(b"# HELP"), "{via}: gzip must be decoded");
        assert_eq!(metric_names(&body), direct, "{via}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_port_forward_is_closed_when_fetch_returns_or_when_its_close_task_ends() {
    // The simulated close takes the latency once more, so a fetch that did not wait for it
    // returns with its forward still open.
    let env = Mesh::builder()
        .latency(Duration::from_millis(300))
        .connect()
        .await;
    let pod = pod(&env, "web-");
    let opts = options(Via::PortForward);
    fetch_admin(&env, &pod, "/metrics", &opts).await.unwrap();
    assert_eq!(env.sim.open_port_forwards(), 0, "fetch waits for the close");
    let closes = TaskTracker::new();
    let fetched = fetch_leaving_close(
        &env.cluster.client,
        "emojivoto",
        &pod,
        4191,
        "/metrics",
        &opts,
        &closes,
    )
    .await
    .unwrap();
    assert!(fetched.body.starts_with(b"# HELP"));
    assert_eq!(
        env.sim.open_port_forwards(),
        1,
        "the close is left to its task"
    );
    closes.close();
    closes.wait().await;
    assert_eq!(
        env.sim.open_port_forwards(),
        0,
        "closed once the task ended"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_path_and_query_are_passed_through() {
    let env = Mesh::builder().connect().await;
    let pod = pod(&env, "web-");
    for via in VIAS {
        let opts = options(via);
        let err = fetch_admin(&env, &pod, "/nope?x=1", &opts)
            .await
            .unwrap_err();
        assert_eq!(
            err,
            ForwardError::HttpStatus {
                status: "404 Not Found".into()
            },
            "{via}"
        );
        let ready = fetch_admin(&env, &pod, "/ready", &opts).await.unwrap();
        assert_eq!(ready.body.trim_ascii(), b"ready", "{via}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn faults_map_to_forward_errors() {
    let env = Mesh::builder()
        .faults(&[
            "refuse:web-*",
            "forbid:emoji-*",
            "notfound:voting-*",
            "status=503:vote-bot-*",
        ])
        .connect()
        .await;
    let timeout = Duration::from_secs(10);

    let err = fetch_metrics(&env, "web-", Via::PortForward, timeout)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, ForwardError::PortForward(text) if text.contains("error forwarding port 4191")),
        "{err}"
    );
    let err = fetch_metrics(&env, "web-", Via::ApiServer, timeout)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, ForwardError::Api { code: 503, message } if message.contains("connection refused")),
        "{err}"
    );

    let err = fetch_metrics(&env, "emoji-", Via::PortForward, timeout)
        .await
        .unwrap_err();
    assert!(
        matches!(err, ForwardError::PortForwardForbidden { .. }),
        "{err}"
    );
    let text = err.to_string();
    assert!(
        text.contains("pods/portforward") && text.contains("--via apiserver"),
        "{text}"
    );
    let err = fetch_metrics(&env, "emoji-", Via::ApiServer, timeout)
        .await
        .unwrap_err();
    assert!(matches!(err, ForwardError::ProxyForbidden { .. }), "{err}");
    assert!(err.to_string().contains("`get` on `pods/proxy`"), "{err}");

    for via in VIAS {
        let err = fetch_metrics(&env, "voting-", via, timeout)
            .await
            .unwrap_err();
        assert!(matches!(err, ForwardError::PodNotFound(_)), "{via}: {err}");
        let err = fetch_metrics(&env, "vote-bot-", via, timeout)
            .await
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "proxy answered HTTP 503 Service Unavailable",
            "{via}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn body_faults_map_to_forward_errors() {
    let env = Mesh::builder()
        .faults(&[
            "slow=30s:web-*",
            "reset:emoji-*",
            "huge=80:voting-*",
            "garbage:vote-bot-*",
        ])
        .connect()
        .await;
    for via in VIAS {
        let err = fetch_metrics(&env, "web-", via, Duration::from_millis(500))
            .await
            .unwrap_err();
        assert_eq!(
            err,
            ForwardError::Timeout(Duration::from_millis(500)),
            "{via}"
        );

        // Port-forward: the kubelet reports the reset on the error channel, and its text wins.
        let err = fetch_metrics(&env, "emoji-", via, Duration::from_secs(10))
            .await
            .unwrap_err();
        let reset = match &err {
            ForwardError::Interrupted(_) => via == Via::ApiServer,
            ForwardError::PortForward(text) => text.ends_with("connection reset by peer"),
            _ => false,
        };
        assert!(reset, "{via}: {err}");

        let err = fetch_metrics(&env, "voting-", via, Duration::from_secs(30))
            .await
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "response body exceeds 64 MiB (raise the limit with --max-body-size)",
            "{via}"
        );

        let garbage = fetch_metrics(&env, "vote-bot-", via, Duration::from_secs(10))
            .await
            .unwrap();
        assert!(
            !garbage.is_empty(),
            "{via}: a malformed body is still a body"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_smaller_body_limit_is_enforced() {
    let env = Mesh::builder().connect().await;
    let pod = pod(&env, "web-");
    for via in VIAS {
        let opts = FetchOptions {
            max_body: 1024,
            ..options(via)
        };
        let err = fetch_admin(&env, &pod, "/metrics", &opts)
            .await
            .unwrap_err();
        assert_eq!(err, ForwardError::TooLarge { limit: 1024 }, "{via}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prometheus_federation_is_fetched_the_same_way() {
    let env = Mesh::builder().connect().await;
    let prometheus = env.pod("linkerd-viz", "prometheus-");
    // match[]={job="linkerd-proxy"}, percent-encoded as fetch requires.
    let path = "/federate?match%5B%5D=%7Bjob%3D%22linkerd-proxy%22%7D";
    for via in VIAS {
        let fetched = fetch(
            &env.cluster.client,
            "linkerd-viz",
            &prometheus,
            9090,
            path,
            &options(via),
        )
        .await
        .unwrap_or_else(|e| panic!("{via}: {e}"));
        let text = std::str::from_utf8(&fetched.body).unwrap();
        assert!(
            text.lines().any(|l| l.starts_with("request_total{")),
            "{via}: {}",
            &text[..text.len().min(300)]
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_server_refusals_say_what_was_checked() {
    let env = Mesh::builder()
        .faults(&["forbid:web-*", "nocreate:emoji-*", "kubeletdown:voting-*"])
        .connect()
        .await;
    let timeout = Duration::from_secs(10);
    let web = pod(&env, "web-");
    let emoji = pod(&env, "emoji-");

    let text = fetch_metrics(&env, "web-", Via::PortForward, timeout)
        .await
        .unwrap_err()
        .to_string();
    assert!(
        text.starts_with(&format!("pods \"{web}\" is forbidden: User ")),
        "{text}"
    );
    assert!(
        text.contains("cannot get resource \"pods/portforward\"")
            && text.contains("; port-forwarding needs RBAC `get` on `pods/portforward`")
            && text.contains("from Kubernetes 1.35, `create` on `pods/portforward`")
            && text.ends_with("or try --via apiserver, which needs `get` on `pods/proxy`"),
        "{text}"
    );

    let text = fetch_metrics(&env, "emoji-", Via::PortForward, timeout)
        .await
        .unwrap_err()
        .to_string();
    assert!(
        text.starts_with(&format!(
            "pods \"{emoji}\" is forbidden (no reason given: Kubernetes 1.35+ answers so when `create` is missing); port-forwarding needs RBAC `get`"
        )),
        "{text}"
    );
    assert!(!text.contains("forbidden: ;"), "{text}");
    let nocreate_proxy = fetch_metrics(&env, "emoji-", Via::ApiServer, timeout).await;
    assert!(nocreate_proxy.is_ok(), "{nocreate_proxy:?}");

    let text = fetch_metrics(&env, "web-", Via::ApiServer, timeout)
        .await
        .unwrap_err()
        .to_string();
    assert!(
        text.starts_with(&format!("pods \"{web}:4191\" is forbidden: ")),
        "{text}"
    );

    let err = fetch_metrics(&env, "voting-", Via::PortForward, timeout)
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "API server answered HTTP 500: error dialing backend: dial tcp 172.18.0.2:10250: connect: connection refused"
    );
}
