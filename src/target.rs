//! Target resolution (spec §3): TYPE/NAME, ns/NAME, selectors → the meshed pods behind them, by owner UID.

/// The workload a pod belongs to, named the way Linkerd's Prometheus labels it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Workload {
    /// The target label Linkerd's Prometheus adds for this kind: `deployment`, `statefulset`,
    /// `daemonset`, `replicaset`, `replicationcontroller`, `job`, `cronjob` or `pod`.
    pub kind: &'static str,
    /// The workload's name (for a deployment, the deployment, not its ReplicaSet).
    pub name: String,
}

/// One meshed pod whose proxy will be scraped.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PodTarget {
    /// The pod's namespace.
    pub namespace: String,
    /// The pod's name.
    pub pod: String,
    /// The pod's UID.
    pub uid: String,
    /// The name of the container that has the `*linkerd-admin` port (the proxy).
    pub container: String,
    /// The proxy's admin port (the `containerPort` of its `*linkerd-admin` port).
    pub admin_port: u16,
    /// The top-level workload that owns the pod, if any.
    pub workload: Option<Workload>,
}

impl PodTarget {
    /// The labels added to every sample scraped from this pod, in this order:
    /// `namespace`, `pod`, `container`, then the workload label (`deployment="web"`, ...).
    pub fn target_labels(&self) -> Vec<(&'static str, String)> {
        let mut labels = vec![
            ("namespace", self.namespace.clone()),
            ("pod", self.pod.clone()),
            ("container", self.container.clone()),
        ];
        if let Some(w) = &self.workload {
            labels.push((w.kind, w.name.clone()));
        }
        labels
    }
}
