//! The builder behind [`build`](super::build): deterministic names, UIDs and IPs, and the JSON
//! of every object kind with its ownerReferences.

use std::collections::BTreeMap;

use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::Workload;
use super::{
    CUSTOM_ADMIN_PORT, Cluster, DEFAULT_ADMIN_PORT, Object, PROMETHEUS_PORT, SimPod, TopologySpec,
};

const NAME_ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";

pub(super) struct Builder {
    pub(super) spec: TopologySpec,
    pub(super) cluster: Cluster,
    pub(super) next_ip: u32,
    pub(super) created: String,
}

#[derive(Clone, Copy, PartialEq)]
pub(super) enum Mesh {
    None,
    Sidecar(u16),
    Native,
}

pub(super) fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
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

    pub(super) fn namespace(&mut self, ns: &str) {
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
        let mut containers = vec![if app == "prometheus" {
            json!({
                "name": app,
                "image": "prom/prometheus:v2.55.1",
                "ports": [{"name": "admin-http", "containerPort": PROMETHEUS_PORT, "protocol": "TCP"}],
            })
        } else {
            json!({
                "name": app,
                "image": format!("docker.l5d.io/buoyantio/emojivoto-{app}:v11"),
                "ports": [{"name": "http", "containerPort": 8080, "protocol": "TCP"}],
            })
        }];
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
            // What the injector adds for the pod's top-level workload (a bare pod gets none).
            if let Some(Workload { kind, name }) = workload.as_ref().filter(|w| w.kind != "pod") {
                pod_labels.insert(format!("linkerd.io/proxy-{kind}"), name.clone());
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
            labels: pod_labels,
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

    pub(super) fn deployment(
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

    pub(super) fn deployment_pending(&mut self, ns: &str, name: &str) {
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

    pub(super) fn statefulset(&mut self, ns: &str, name: &str) {
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

    pub(super) fn daemonset(&mut self, ns: &str, name: &str) {
        let pod_labels = labels(&[("app", name)]);
        let template = self.pod_template(&pod_labels, name, name, Mesh::Sidecar(CUSTOM_ADMIN_PORT));
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

    pub(super) fn cronjob(&mut self, ns: &str, name: &str) {
        let pod_labels = labels(&[("app", name)]);
        let template =
            self.pod_template(&pod_labels, name, name, Mesh::Sidecar(DEFAULT_ADMIN_PORT));
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

    pub(super) fn replication_controller(&mut self, ns: &str, name: &str) {
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

    pub(super) fn bare_pod(&mut self, ns: &str, name: &str) {
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
