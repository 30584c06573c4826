//! The simulated cluster's objects: namespaces, workloads, ReplicaSets, Jobs and pods with
//! ownerReferences by UID, built deterministically from the [`SimConfig`](super::SimConfig).

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime};

use serde_json::Value;
use sha2::{Digest, Sha256};

mod builder;

use builder::{Builder, Mesh, labels};

/// The namespace holding the emojivoto application (copies are `emojivoto-1`, `emojivoto-2`, ...).
pub const APP_NAMESPACE: &str = "emojivoto";
/// The emojivoto deployments, in the order they are created.
pub const APP_DEPLOYMENTS: [&str; 4] = ["web", "emoji", "voting", "vote-bot"];
/// The port of the linkerd-viz Prometheus (`/federate`).
pub const PROMETHEUS_PORT: u16 = 9090;
/// The proxy's default admin port.
pub const DEFAULT_ADMIN_PORT: u16 = 4191;
/// The admin port of the `default/agent` DaemonSet's pods (set by `config.linkerd.io/admin-port`).
pub const CUSTOM_ADMIN_PORT: u16 = 4192;

/// A pod's top-level workload: what the plugin's owner walk should find.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Workload {
    /// Lower-case singular kind: `deployment`, `statefulset`, `daemonset`, `cronjob`,
    /// `replicationcontroller`.
    pub kind: &'static str,
    /// The workload's name.
    pub name: String,
}

/// One simulated pod, as the tests and `demo` need to know it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimPod {
    /// Namespace.
    pub namespace: String,
    /// Name.
    pub name: String,
    /// UID.
    pub uid: String,
    /// Pod IP.
    pub ip: String,
    /// `status.phase`: `Running` or `Pending`.
    pub phase: String,
    /// The proxy container's name, when the pod is meshed.
    pub proxy_container: Option<String>,
    /// The proxy's admin port, when the pod is meshed.
    pub admin_port: Option<u16>,
    /// Whether the proxy is a native sidecar (in `initContainers`, `restartPolicy: Always`).
    pub native_sidecar: bool,
    /// The top-level workload owning the pod (deployment, not ReplicaSet; cronjob, not job).
    pub workload: Option<Workload>,
    /// The pod's labels, with those Linkerd's injector adds to a meshed pod.
    pub labels: BTreeMap<String, String>,
    /// The pod's service account.
    pub service_account: String,
}

impl SimPod {
    /// Whether a proxy serves metrics for this pod (meshed and running).
    pub fn has_proxy(&self) -> bool {
        self.admin_port.is_some() && self.phase == "Running"
    }
}

/// A stored API object.
#[derive(Debug, Clone)]
pub struct Object {
    /// The object's namespace (`None` for namespaces).
    pub namespace: Option<String>,
    /// The object's name.
    pub name: String,
    /// The object's labels.
    pub labels: BTreeMap<String, String>,
    /// For pods, `status.phase`.
    pub phase: Option<String>,
    /// The full JSON object (with `kind` and `apiVersion`).
    pub json: Value,
}

/// Every object of the simulated cluster, by kind (`Pod`, `Deployment`, ...).
#[derive(Debug, Default)]
pub struct Cluster {
    /// Objects by kind, in creation order.
    pub objects: BTreeMap<&'static str, Vec<Object>>,
    /// The pods with what the simulation knows about them, in creation order.
    pub pods: Vec<SimPod>,
}

/// What to build.
#[derive(Debug, Clone)]
pub struct TopologySpec {
    /// Replicas of every emojivoto deployment.
    pub replicas: u32,
    /// Extra copies of the emojivoto namespace.
    pub extra_app_namespaces: u32,
    /// Seed for names, UIDs and hashes.
    pub seed: u64,
    /// Creation time of every object.
    pub created: SystemTime,
}

/// Builds the default topology (spec §8) sized by `spec`.
pub fn build(spec: &TopologySpec) -> Cluster {
    let created = humantime::format_rfc3339_seconds(spec.created).to_string();
    let mut b = Builder {
        spec: spec.clone(),
        cluster: Cluster::default(),
        next_ip: 0,
        created,
    };
    let mut app_namespaces = vec![APP_NAMESPACE.to_string()];
    app_namespaces.extend((1..=spec.extra_app_namespaces).map(|i| format!("{APP_NAMESPACE}-{i}")));
    for ns in ["default", "linkerd", "linkerd-viz"]
        .iter()
        .map(|s| s.to_string())
        .chain(app_namespaces.clone())
    {
        b.namespace(&ns);
    }
    for ns in &app_namespaces {
        for app in APP_DEPLOYMENTS {
            let sa = if app == "vote-bot" { "default" } else { app };
            let labels = labels(&[("app", &format!("{app}-svc")), ("version", "v11")]);
            b.deployment(
                ns,
                app,
                spec.replicas,
                &labels,
                sa,
                Mesh::Sidecar(DEFAULT_ADMIN_PORT),
            );
        }
    }
    for name in [
        "linkerd-destination",
        "linkerd-identity",
        "linkerd-proxy-injector",
    ] {
        let component = name.trim_start_matches("linkerd-");
        let labels = labels(&[
            ("app.kubernetes.io/name", component),
            ("app.kubernetes.io/part-of", "Linkerd"),
            ("linkerd.io/control-plane-component", component),
            ("linkerd.io/control-plane-ns", "linkerd"),
        ]);
        b.deployment(
            "linkerd",
            name,
            1,
            &labels,
            name,
            Mesh::Sidecar(DEFAULT_ADMIN_PORT),
        );
    }
    for name in ["prometheus", "tap", "metrics-api", "web"] {
        let labels = labels(&[
            ("app.kubernetes.io/name", name),
            ("app.kubernetes.io/part-of", "Linkerd"),
            ("component", name),
            ("linkerd.io/extension", "viz"),
        ]);
        b.deployment(
            "linkerd-viz",
            name,
            1,
            &labels,
            name,
            Mesh::Sidecar(DEFAULT_ADMIN_PORT),
        );
    }
    b.deployment(
        "default",
        "legacy-app",
        1,
        &labels(&[("app", "legacy-app")]),
        "default",
        Mesh::None,
    );
    b.deployment_pending("default", "pending-app");
    b.statefulset("default", "db");
    b.daemonset("default", "agent");
    b.cronjob("default", "nightly");
    b.replication_controller("default", "old-rc");
    b.bare_pod("default", "debug");
    b.cluster
}

/// The seeded uptime (seconds, 5 to 60 minutes) a proxy already had when the simulation started,
/// so that counters since proxy start are non-zero from the first scrape.
pub fn initial_uptime(seed: u64, ns: &str, pod: &str) -> Duration {
    let mut h = Sha256::new();
    h.update(seed.to_le_bytes());
    h.update(ns.as_bytes());
    h.update([0]);
    h.update(pod.as_bytes());
    let d = h.finalize();
    let ms = u64::from_le_bytes(d[..8].try_into().unwrap_or_default()) % 3_300_000;
    Duration::from_millis(300_000 + ms)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cluster() -> Cluster {
        build(&TopologySpec {
            replicas: 2,
            extra_app_namespaces: 1,
            seed: 7,
            created: SystemTime::UNIX_EPOCH + Duration::from_secs(1_764_000_000),
        })
    }

    #[test]
    fn owner_references_chain_by_uid() {
        let c = cluster();
        let uid_of = |kind: &str, name: &str| {
            c.objects[kind]
                .iter()
                .find(|o| o.name == name)
                .map(|o| o.json["metadata"]["uid"].as_str().unwrap().to_string())
                .unwrap()
        };
        let web_pods: Vec<&Object> = c.objects["Pod"]
            .iter()
            .filter(|o| o.namespace.as_deref() == Some("emojivoto") && o.name.starts_with("web-"))
            .collect();
        assert_eq!(web_pods.len(), 2);
        let rs = &web_pods[0].json["metadata"]["ownerReferences"][0];
        assert_eq!(rs["kind"], "ReplicaSet");
        let rs_name = rs["name"].as_str().unwrap();
        assert_eq!(rs["uid"], uid_of("ReplicaSet", rs_name).as_str());
        let rs_obj = c.objects["ReplicaSet"]
            .iter()
            .find(|o| o.name == rs_name)
            .unwrap();
        assert_eq!(
            rs_obj.json["metadata"]["ownerReferences"][0]["uid"],
            c.objects["Deployment"][0].json["metadata"]["uid"]
        );
        let job_pod = c
            .pods
            .iter()
            .find(|p| p.name.starts_with("nightly-"))
            .unwrap();
        assert_eq!(job_pod.workload.as_ref().unwrap().kind, "cronjob");
    }

    #[test]
    fn special_pods_exist() {
        let c = cluster();
        let find = |prefix: &str| {
            c.pods
                .iter()
                .find(|p| p.namespace == "default" && p.name.starts_with(prefix))
                .unwrap()
        };
        assert_eq!(find("legacy-app").admin_port, None);
        assert_eq!(find("pending-app").phase, "Pending");
        assert!(find("db-0").native_sidecar);
        assert_eq!(find("agent-").admin_port, Some(CUSTOM_ADMIN_PORT));
        assert_eq!(c.objects["Namespace"].len(), 5);
        let uids: std::collections::HashSet<&str> = c.pods.iter().map(|p| p.uid.as_str()).collect();
        assert_eq!(uids.len(), c.pods.len());
    }
}
