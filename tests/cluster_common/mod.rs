//! Shared set-up for the cluster_* tests: a simulated mesh and a client connected to it the way
//! the CLI connects (kubeconfig file → `cluster::connect`).

#![allow(dead_code)]

use linkerd_export::cluster::{Cluster, ClusterOptions, connect};
use linkerd_export_sim::{Fault, Sim, SimConfig, SimHandle};

/// A running simulation and a client for it; keep it alive for the test's duration.
pub struct Env {
    pub sim: SimHandle,
    pub cluster: Cluster,
    _dir: tempfile::TempDir,
}

/// Starts the default emojivoto topology with the given faults (`KIND:GLOB`).
pub async fn start(faults: &[&str]) -> Env {
    start_with(SimConfig {
        faults: faults
            .iter()
            .map(|f| f.parse::<Fault>().expect("fault"))
            .collect(),
        ..SimConfig::default()
    })
    .await
}

/// Starts a simulation with `config` and connects to it through a kubeconfig file.
pub async fn start_with(config: SimConfig) -> Env {
    let sim = Sim::start(config).await.expect("start sim");
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("kubeconfig");
    sim.write_kubeconfig(&path).expect("write kubeconfig");
    let cluster = connect(&ClusterOptions {
        kubeconfig: Some(path),
        context: None,
        ..ClusterOptions::default()
    })
    .await
    .expect("connect");
    Env {
        sim,
        cluster,
        _dir: dir,
    }
}
