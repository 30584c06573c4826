//! The simulated cluster's objects: namespaces, workloads, ReplicaSets, Jobs and pods with
//! ownerReferences by UID, built deterministically from the [`SimConfig`](super::SimConfig).

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime};

use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::target::Workload;

/// The namespace holding the emojivoto application (copies are `emojivoto-1`, `emojivoto-2`, ...).
pub const APP_NAMESPACE: &str = "emojivoto";
/// The emojivoto deployments, in the order they are created.
pub const APP_DEPLOYMENTS: [&str; 4] = ["web", "emoji", "voting", "vote-bot"];
/// The proxy's default admin port.
pub const DEFAULT_ADMIN_PORT: u16 = 4191;
/// The admin port of the `default/agent` DaemonSet's pods (set by `config.linkerd.io/admin-port`).
pub const CUSTOM_ADMIN_PORT: u16 = 4192;

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

const NAME_ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";

struct Builder {
    spec: TopologySpec,
    cluster: Cluster,
    next_ip: u32,
    created: String,
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
        let labels = labels(&[("component", name), ("linkerd.io/extension", "viz")]);
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

#[derive(Clone, Copy, PartialEq)]
enum Mesh {
    None,
    Sidecar(u16),
    Native,
}

fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn owner(api_version: &str, kind: &str, name: &str, uid: &str) -> Value {
    json!([{"apiVersion": api_version, "kind": kind, "name": name, "uid": uid, "controller": true, "blockOwnerDeletion": true}])
}

impl Builder {
    fn digest(&self, parts: &[&str]) -> [u8; 32] {
        let mut h = Sha256::new();
        h.update(self.spec.seed.to_le_bytes());
        for p in parts {
            h.update(p.as_bytes());
            h.update([0]);
        }
        h.finalize().into()
    }

    fn uid(&self, kind: &str, ns: &str, name: &str) -> String {
        let d = self.digest(&["uid", kind, ns, name]);
        let hex: String = d[..16].iter().map(|b| format!("{b:02x}")).collect();
        format!(
            "{}-{}-4{}-a{}-{}",
            &hex[..8],
            &hex[8..12],
            &hex[13..16],
            &hex[17..20],
            &hex[20..32]
        )
    }

    fn token(&self, len: usize, parts: &[&str]) -> String {
        self.digest(parts)
            .iter()
            .take(len)
            .map(|b| NAME_ALPHABET[*b as usize % NAME_ALPHABET.len()] as char)
            .collect()
    }

    fn metadata(
        &self,
        kind: &str,
        ns: Option<&str>,
        name: &str,
        labels: &BTreeMap<String, String>,
    ) -> Value {
        let mut meta = json!({
            "name": name,
            "uid": self.uid(kind, ns.unwrap_or(""), name),
            "resourceVersion": "1",
            "generation": 1,
            "creationTimestamp": self.created,
            "labels": labels,
        });
        if let Some(ns) = ns {
            meta["namespace"] = json!(ns);
        }
        meta
    }

    fn push(
        &mut self,
        kind: &'static str,
        api_version: &str,
        meta: Value,
        spec: Value,
        status: Value,
    ) -> String {
        let labels: BTreeMap<String, String> =
            serde_json::from_value(meta["labels"].clone()).unwrap_or_default();
        let name = meta["name"].as_str().unwrap_or_default().to_string();
        let namespace = meta["namespace"].as_str().map(str::to_string);
        let uid = meta["uid"].as_str().unwrap_or_default().to_string();
        let phase = status["phase"]
            .as_str()
            .filter(|_| kind == "Pod")
            .map(str::to_string);
        let mut json = json!({"kind": kind, "apiVersion": api_version, "metadata": meta});
        if !spec.is_null() {
            json["spec"] = spec;
        }
        if !status.is_null() {
            json["status"] = status;
        }
        self.cluster.objects.entry(kind).or_default().push(Object {
            namespace,
            name,
            labels,
            phase,
            json,
        });
        uid
    }

    fn namespace(&mut self, ns: &str) {
        let meta = self.metadata(
            "Namespace",
            None,
            ns,
            &labels(&[("kubernetes.io/metadata.name", ns)]),
        );
        self.push(
            "Namespace",
            "v1",
            meta,
            json!({"finalizers": ["kubernetes"]}),
            json!({"phase": "Active"}),
        );
    }

    fn pod_template(
        &self,
        labels: &BTreeMap<String, String>,
        app: &str,
        sa: &str,
        mesh: Mesh,
    ) -> Value {
        let mut annotations = BTreeMap::new();
        let mut containers = vec![json!({
            "name": app,
            "image": format!("docker.l5d.io/buoyantio/emojivoto-{app}:v11"),
            "ports": [{"name": "http", "containerPort": 8080, "protocol": "TCP"}],
        })];
        let mut init = Vec::new();
        let proxy = |port: u16| {
            json!({
                "name": "linkerd-proxy",
                "image": "cr.l5d.io/linkerd/proxy:edge-25.11.1",
                "ports": [
                    {"name": "linkerd-proxy", "containerPort": 4143, "protocol": "TCP"},
                    {"name": "linkerd-admin", "containerPort": port, "protocol": "TCP"},
                ],
            })
        };
        match mesh {
            Mesh::None => {}
            Mesh::Sidecar(port) => {
                annotations.insert("linkerd.io/inject".to_string(), "enabled".to_string());
                annotations.insert(
                    "linkerd.io/proxy-version".to_string(),
                    "edge-25.11.1".to_string(),
                );
                if port != DEFAULT_ADMIN_PORT {
                    annotations
                        .insert("config.linkerd.io/admin-port".to_string(), port.to_string());
                }
                init.push(
                    json!({"name": "linkerd-init", "image": "cr.l5d.io/linkerd/proxy-init:v2.4.1"}),
                );
                containers.insert(0, proxy(port));
            }
            Mesh::Native => {
                annotations.insert("linkerd.io/inject".to_string(), "enabled".to_string());
                annotations.insert(
                    "config.alpha.linkerd.io/proxy-enable-native-sidecar".to_string(),
                    "true".to_string(),
                );
                let mut p = proxy(DEFAULT_ADMIN_PORT);
                p["restartPolicy"] = json!("Always");
                init.push(
                    json!({"name": "linkerd-init", "image": "cr.l5d.io/linkerd/proxy-init:v2.4.1"}),
                );
                init.push(p);
            }
        }
        let mut spec = json!({"serviceAccountName": sa, "containers": containers});
        if !init.is_empty() {
            spec["initContainers"] = json!(init);
        }
        json!({"metadata": {"labels": labels, "annotations": annotations}, "spec": spec})
    }

    #[allow(clippy::too_many_arguments)]
    fn pod(
        &mut self,
        ns: &str,
        name: &str,
        template: &Value,
        owner_refs: Option<Value>,
        workload: Option<Workload>,
        running: bool,
        extra_labels: &[(&str, &str)],
    ) {
        let mut pod_labels: BTreeMap<String, String> =
            serde_json::from_value(template["metadata"]["labels"].clone()).unwrap_or_default();
        for (k, v) in extra_labels {
            pod_labels.insert(k.to_string(), v.to_string());
        }
        let spec = template["spec"].clone();
        let proxy = |list: &Value| -> Option<(String, u16)> {
            list.as_array()?.iter().find_map(|c| {
                let port = c["ports"].as_array()?.iter().find(|p| {
                    p["name"]
                        .as_str()
                        .is_some_and(|n| n.ends_with("linkerd-admin"))
                })?;
                Some((
                    c["name"].as_str()?.to_string(),
                    port["containerPort"].as_u64()? as u16,
                ))
            })
        };
        let native = proxy(&spec["initContainers"]);
        let meshed = proxy(&spec["containers"]).or(native.clone());
        if meshed.is_some() {
            pod_labels.insert("linkerd.io/control-plane-ns".into(), "linkerd".into());
            pod_labels.insert("linkerd.io/workload-ns".into(), ns.into());
            if let Some(Workload {
                kind: "deployment",
                name,
            }) = &workload
            {
                pod_labels.insert("linkerd.io/proxy-deployment".into(), name.clone());
            }
        }
        self.next_ip += 1;
        let ip = format!("10.42.{}.{}", self.next_ip / 250, self.next_ip % 250 + 2);
        let mut meta = self.metadata("Pod", Some(ns), name, &pod_labels);
        meta["annotations"] = template["metadata"]["annotations"].clone();
        if let Some(refs) = owner_refs {
            meta["ownerReferences"] = refs;
        }
        let mut spec = spec;
        spec["nodeName"] = json!(if running { "sim-node-1" } else { "" });
        let status = if running {
            let statuses: Vec<Value> = spec["containers"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|c| json!({"name": c["name"], "ready": true, "restartCount": 0, "started": true, "image": c["image"], "state": {"running": {"startedAt": self.created}}}))
                .collect();
            json!({
                "phase": "Running",
                "podIP": ip,
                "podIPs": [{"ip": ip}],
                "hostIP": "172.18.0.2",
                "startTime": self.created,
                "conditions": [
                    {"type": "Initialized", "status": "True"},
                    {"type": "Ready", "status": "True"},
                    {"type": "ContainersReady", "status": "True"},
                    {"type": "PodScheduled", "status": "True"},
                ],
                "containerStatuses": statuses,
            })
        } else {
            json!({
                "phase": "Pending",
                "conditions": [{"type": "PodScheduled", "status": "False", "reason": "Unschedulable", "message": "0/1 nodes are available: 1 Insufficient cpu."}],
            })
        };
        let uid = self.push("Pod", "v1", meta, spec.clone(), status);
        self.cluster.pods.push(SimPod {
            namespace: ns.to_string(),
            name: name.to_string(),
            uid,
            ip,
            phase: if running { "Running" } else { "Pending" }.to_string(),
            proxy_container: meshed.as_ref().map(|(c, _)| c.clone()),
            admin_port: meshed.map(|(_, p)| p),
            native_sidecar: native.is_some(),
            workload,
            service_account: spec["serviceAccountName"]
                .as_str()
                .unwrap_or("default")
                .to_string(),
        });
    }

    fn replicaset_pods(
        &mut self,
        ns: &str,
        deploy: &str,
        deploy_uid: &str,
        replicas: u32,
        template: &Value,
        running: bool,
    ) {
        let hash = self.token(10, &["rs", ns, deploy]);
        let rs_name = format!("{deploy}-{hash}");
        let mut rs_labels: BTreeMap<String, String> =
            serde_json::from_value(template["metadata"]["labels"].clone()).unwrap_or_default();
        rs_labels.insert("pod-template-hash".into(), hash.clone());
        let mut meta = self.metadata("ReplicaSet", Some(ns), &rs_name, &rs_labels);
        meta["ownerReferences"] = owner("apps/v1", "Deployment", deploy, deploy_uid);
        let ready = if running { replicas } else { 0 };
        let rs_uid = self.push(
            "ReplicaSet",
            "apps/v1",
            meta,
            json!({"replicas": replicas, "selector": {"matchLabels": {"pod-template-hash": hash}}, "template": template}),
            json!({"replicas": replicas, "readyReplicas": ready, "availableReplicas": ready, "observedGeneration": 1}),
        );
        let workload = Workload {
            kind: "deployment",
            name: deploy.to_string(),
        };
        for i in 0..replicas {
            let pod_name = format!(
                "{rs_name}-{}",
                self.token(5, &["pod", ns, &rs_name, &i.to_string()])
            );
            self.pod(
                ns,
                &pod_name,
                template,
                Some(owner("apps/v1", "ReplicaSet", &rs_name, &rs_uid)),
                Some(workload.clone()),
                running,
                &[("pod-template-hash", &hash)],
            );
        }
    }

    fn deployment(
        &mut self,
        ns: &str,
        name: &str,
        replicas: u32,
        pod_labels: &BTreeMap<String, String>,
        sa: &str,
        mesh: Mesh,
    ) {
        let template = self.pod_template(pod_labels, name, sa, mesh);
        let meta = self.metadata("Deployment", Some(ns), name, pod_labels);
        let uid = self.push(
            "Deployment",
            "apps/v1",
            meta,
            json!({"replicas": replicas, "selector": {"matchLabels": pod_labels}, "template": template}),
            json!({"replicas": replicas, "readyReplicas": replicas, "availableReplicas": replicas, "updatedReplicas": replicas, "observedGeneration": 1}),
        );
        self.replicaset_pods(ns, name, &uid, replicas, &template, true);
    }

    fn deployment_pending(&mut self, ns: &str, name: &str) {
        let pod_labels = labels(&[("app", name)]);
        let template = self.pod_template(
            &pod_labels,
            name,
            "default",
            Mesh::Sidecar(DEFAULT_ADMIN_PORT),
        );
        let meta = self.metadata("Deployment", Some(ns), name, &pod_labels);
        let uid = self.push(
            "Deployment",
            "apps/v1",
            meta,
            json!({"replicas": 1, "selector": {"matchLabels": pod_labels}, "template": template}),
            json!({"replicas": 1, "unavailableReplicas": 1, "observedGeneration": 1}),
        );
        self.replicaset_pods(ns, name, &uid, 1, &template, false);
    }

    fn statefulset(&mut self, ns: &str, name: &str) {
        let pod_labels = labels(&[("app", name)]);
        let template = self.pod_template(&pod_labels, name, "default", Mesh::Native);
        let meta = self.metadata("StatefulSet", Some(ns), name, &pod_labels);
        let uid = self.push(
            "StatefulSet",
            "apps/v1",
            meta,
            json!({"replicas": 1, "serviceName": name, "selector": {"matchLabels": pod_labels}, "template": template}),
            json!({"replicas": 1, "readyReplicas": 1, "currentReplicas": 1, "availableReplicas": 1, "observedGeneration": 1}),
        );
        let workload = Workload {
            kind: "statefulset",
            name: name.to_string(),
        };
        let pod_name = format!("{name}-0");
        self.pod(
            ns,
            &pod_name,
            &template,
            Some(owner("apps/v1", "StatefulSet", name, &uid)),
            Some(workload),
            true,
            &[("statefulset.kubernetes.io/pod-name", &pod_name)],
        );
    }

    fn daemonset(&mut self, ns: &str, name: &str) {
        let pod_labels = labels(&[("app", name)]);
        let template = self.pod_template(
            &pod_labels,
            name,
            "default",
            Mesh::Sidecar(CUSTOM_ADMIN_PORT),
        );
        let meta = self.metadata("DaemonSet", Some(ns), name, &pod_labels);
        let uid = self.push(
            "DaemonSet",
            "apps/v1",
            meta,
            json!({"selector": {"matchLabels": pod_labels}, "template": template}),
            json!({"currentNumberScheduled": 1, "desiredNumberScheduled": 1, "numberReady": 1, "numberAvailable": 1, "observedGeneration": 1}),
        );
        let workload = Workload {
            kind: "daemonset",
            name: name.to_string(),
        };
        let pod_name = format!("{name}-{}", self.token(5, &["ds", ns, name]));
        self.pod(
            ns,
            &pod_name,
            &template,
            Some(owner("apps/v1", "DaemonSet", name, &uid)),
            Some(workload),
            true,
            &[],
        );
    }

    fn cronjob(&mut self, ns: &str, name: &str) {
        let pod_labels = labels(&[("app", name)]);
        let template = self.pod_template(
            &pod_labels,
            name,
            "default",
            Mesh::Sidecar(DEFAULT_ADMIN_PORT),
        );
        let meta = self.metadata("CronJob", Some(ns), name, &pod_labels);
        let cj_uid = self.push(
            "CronJob",
            "batch/v1",
            meta,
            json!({"schedule": "0 3 * * *", "jobTemplate": {"spec": {"template": template}}}),
            json!({"active": []}),
        );
        let job = format!("{name}-29000000");
        let mut job_labels = pod_labels.clone();
        job_labels.insert("batch.kubernetes.io/job-name".into(), job.clone());
        let mut meta = self.metadata("Job", Some(ns), &job, &job_labels);
        meta["ownerReferences"] = owner("batch/v1", "CronJob", name, &cj_uid);
        let job_uid = self.push(
            "Job",
            "batch/v1",
            meta,
            json!({"completions": 1, "parallelism": 1, "template": template}),
            json!({"active": 1, "startTime": self.created}),
        );
        let workload = Workload {
            kind: "cronjob",
            name: name.to_string(),
        };
        let pod_name = format!("{job}-{}", self.token(5, &["job", ns, &job]));
        self.pod(
            ns,
            &pod_name,
            &template,
            Some(owner("batch/v1", "Job", &job, &job_uid)),
            Some(workload),
            true,
            &[
                ("batch.kubernetes.io/job-name", &job),
                ("batch.kubernetes.io/controller-uid", &job_uid),
            ],
        );
    }

    fn replication_controller(&mut self, ns: &str, name: &str) {
        let pod_labels = labels(&[("app", name)]);
        let template = self.pod_template(
            &pod_labels,
            name,
            "default",
            Mesh::Sidecar(DEFAULT_ADMIN_PORT),
        );
        let meta = self.metadata("ReplicationController", Some(ns), name, &pod_labels);
        let uid = self.push(
            "ReplicationController",
            "v1",
            meta,
            json!({"replicas": 1, "selector": pod_labels, "template": template}),
            json!({"replicas": 1, "readyReplicas": 1, "availableReplicas": 1, "observedGeneration": 1}),
        );
        let workload = Workload {
            kind: "replicationcontroller",
            name: name.to_string(),
        };
        let pod_name = format!("{name}-{}", self.token(5, &["rc", ns, name]));
        self.pod(
            ns,
            &pod_name,
            &template,
            Some(owner("v1", "ReplicationController", name, &uid)),
            Some(workload),
            true,
            &[],
        );
    }

    fn bare_pod(&mut self, ns: &str, name: &str) {
        let template = self.pod_template(
            &labels(&[("app", name)]),
            name,
            "default",
            Mesh::Sidecar(DEFAULT_ADMIN_PORT),
        );
        let workload = Workload {
            kind: "pod",
            name: name.to_string(),
        };
        self.pod(ns, name, &template, None, Some(workload), true, &[]);
    }
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
