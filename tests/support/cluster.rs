//! A simulated mesh with clients connected to it: the library's `Cluster`, connected the way the
//! CLI connects (kubeconfig file → `cluster::connect`), and kube's own client.

use std::ops::Deref;

use kube::config::{KubeConfigOptions, Kubeconfig};
use linkerd_export::cluster::{Cluster, ClusterOptions, connect};

use super::{Mesh, MeshBuilder};

/// A running mesh and the library's client for it; keep it alive for the test's duration.
pub struct Connected {
    /// Connected through the mesh's kubeconfig file.
    pub cluster: Cluster,
    mesh: Mesh,
}

impl Deref for Connected {
    type Target = Mesh;

    fn deref(&self) -> &Mesh {
        &self.mesh
    }
}

impl MeshBuilder {
    /// Starts the mesh on the calling runtime and connects the library to it.
    pub async fn connect(self) -> Connected {
        let mesh = self.start_here().await;
        let cluster = connect(&ClusterOptions {
            kubeconfig: Some(mesh.kubeconfig.clone()),
            context: None,
            ..ClusterOptions::default()
        })
        .await
        .expect("connect");
        Connected { cluster, mesh }
    }
}

impl Mesh {
    /// kube's own client from the mesh's kubeconfig, without kube's default retry of
    /// 503/429/504 (which backs off for minutes on a refused `pods/proxy`).
    pub async fn kube_client(&self) -> kube::Client {
        let kubeconfig = Kubeconfig::from_yaml(&self.sim.kubeconfig()).expect("parse kubeconfig");
        let mut config =
            kube::Config::from_custom_kubeconfig(kubeconfig, &KubeConfigOptions::default())
                .await
                .expect("kube config");
        config.default_retry = false;
        kube::Client::try_from(config).expect("kube client")
    }
}
