//! The simulation at benchmark scale: 2,000 meshed app pods with about 1,000 series each.

use std::time::Instant;

use crate::support;
use crate::support::get;
use k8s_openapi::api::core::v1::Pod;
use kube::Api;
use kube::api::ListParams;
use linkerd_export_sim::{Sim, SimConfig};
use tokio::net::TcpStream;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_thousand_pods_start_and_serve() {
    let started = Instant::now();
    let sim = Sim::start(SimConfig {
        namespaces: 499,
        series: 1000,
        ..SimConfig::default()
    })
    .await
    .expect("start");
    eprintln!(
        "started {} pods in {:?}",
        sim.pods().len(),
        started.elapsed()
    );
    let app_pods = sim
        .pods()
        .iter()
        .filter(|p| p.namespace.starts_with("emojivoto"))
        .count();
    assert_eq!(app_pods, 2000);

    let pods: Api<Pod> = Api::all(support::client(&sim).await);
    let listed = pods
        .list(&ListParams::default().labels("app=web-svc"))
        .await
        .expect("list");
    assert_eq!(listed.items.len(), 500);

    let last = sim
        .pods()
        .iter()
        .rfind(|p| p.namespace == "emojivoto-499")
        .expect("last namespace");
    let addr = sim.proxy_addr(&last.namespace, &last.name).expect("proxy");
    let res = get(
        TcpStream::connect(addr).await.expect("connect"),
        "/metrics",
        &[],
    )
    .await;
    let body = String::from_utf8(res.body.expect("body").to_vec()).expect("utf-8");
    let samples = body.lines().filter(|l| !l.starts_with('#')).count();
    assert!((1000..1004).contains(&samples), "{samples} samples");
}
