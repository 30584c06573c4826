//! `serve_demo`: writes the kubeconfig, serves, and stops cleanly on SIGTERM. (Alone in its test
//! binary because it signals its own process.)

use std::time::{Duration, Instant};

use k8s_openapi::api::core::v1::Pod;
use kube::Api;
use kube::api::ListParams;
use kube::config::{KubeConfigOptions, Kubeconfig};
use linkerd_export_sim::{SimConfig, serve_demo};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serves_until_sigterm() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("demo.kubeconfig");
    let demo = tokio::spawn(serve_demo(SimConfig::default(), Some(path.clone())));

    let deadline = Instant::now() + Duration::from_secs(20);
    let yaml = loop {
        match std::fs::read_to_string(&path) {
            Ok(text) if text.contains("current-context: sim") => break text,
            _ if Instant::now() < deadline => tokio::time::sleep(Duration::from_millis(20)).await,
            _ => panic!("kubeconfig not written"),
        }
    };
    let config = kube::Config::from_custom_kubeconfig(
        Kubeconfig::from_yaml(&yaml).expect("yaml"),
        &KubeConfigOptions::default(),
    )
    .await
    .expect("config");
    let pods: Api<Pod> = Api::default_namespaced(kube::Client::try_from(config).expect("client"));
    assert_eq!(
        pods.list(&ListParams::default())
            .await
            .expect("list")
            .items
            .len(),
        4
    );

    let status = std::process::Command::new("kill")
        .args(["-TERM", &std::process::id().to_string()])
        .status()
        .expect("run kill");
    assert!(status.success());
    let result = tokio::time::timeout(Duration::from_secs(10), demo)
        .await
        .expect("demo stops")
        .expect("task");
    assert!(result.is_ok(), "{result:?}");
    assert!(path.exists(), "a kubeconfig the user asked for is kept");
}
