//! Helpers shared by the simulator's integration tests: a kube client for a running simulation
//! and a plain HTTP/1.1 GET over any byte stream.

use bytes::Bytes;
use http_body_util::{BodyExt, Empty};
use hyper_util::rt::TokioIo;
use kube::config::{KubeConfigOptions, Kubeconfig};
use linkerd_export_sim::{SimHandle, SimPod};
use tokio::io::{AsyncRead, AsyncWrite};

/// A kube client configured from the simulation's kubeconfig, without kube's default retry
/// of 503/429/504 (which backs off for minutes on a refused `pods/proxy`).
pub async fn client(sim: &SimHandle) -> kube::Client {
    let kubeconfig = Kubeconfig::from_yaml(&sim.kubeconfig()).expect("parse kubeconfig");
    let mut config =
        kube::Config::from_custom_kubeconfig(kubeconfig, &KubeConfigOptions::default())
            .await
            .expect("kube config");
    config.default_retry = false;
    kube::Client::try_from(config).expect("kube client")
}

/// The first pod of `namespace` whose name starts with `prefix`.
pub fn pod<'a>(sim: &'a SimHandle, namespace: &str, prefix: &str) -> &'a SimPod {
    sim.pods()
        .iter()
        .find(|p| p.namespace == namespace && p.name.starts_with(prefix))
        .unwrap_or_else(|| panic!("no pod {namespace}/{prefix}*"))
}

/// A response: status, headers, and the body (or the error that cut it short).
pub struct Fetched {
    pub status: http::StatusCode,
    pub headers: http::HeaderMap,
    pub body: Result<Bytes, hyper::Error>,
}

/// `GET path` over `io` with extra `headers`.
pub async fn get<I>(io: I, path: &str, headers: &[(&str, &str)]) -> Fetched
where
    I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(io))
        .await
        .expect("http handshake");
    tokio::spawn(conn);
    let mut req = http::Request::get(path).header("host", "localhost");
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let res = sender
        .send_request(req.body(Empty::<Bytes>::new()).expect("request"))
        .await
        .expect("response head");
    let (parts, body) = res.into_parts();
    Fetched {
        status: parts.status,
        headers: parts.headers,
        body: body.collect().await.map(|b| b.to_bytes()),
    }
}

/// The value of the first sample of `name` whose line contains every one of `label_parts`.
pub fn sample(body: &str, name: &str, label_parts: &[&str]) -> Option<f64> {
    body.lines()
        .filter(|l| l.starts_with(name) && l[name.len()..].starts_with(['{', ' ']))
        .find(|l| label_parts.iter().all(|p| l.contains(p)))
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|v| v.parse().ok())
}
