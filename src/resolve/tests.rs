//! Unit tests for target parsing and the pure owner walk, over hand-built API objects.

use std::collections::{BTreeMap, BTreeSet};

use k8s_openapi::api::apps::v1::ReplicaSet;
use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::{Container, ContainerPort, Pod, PodSpec, PodStatus};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, OwnerReference};

use super::*;
use crate::error::{Error, Exit};

fn owner(kind: &str, name: &str, uid: &str) -> OwnerReference {
    OwnerReference {
        api_version: "apps/v1".into(),
        kind: kind.into(),
        name: name.into(),
        uid: uid.into(),
        controller: Some(true),
        block_owner_deletion: Some(true),
    }
}

fn meta(ns: &str, name: &str, uid: &str, owners: Vec<OwnerReference>) -> ObjectMeta {
    ObjectMeta {
        namespace: Some(ns.into()),
        name: Some(name.into()),
        uid: Some(uid.into()),
        owner_references: (!owners.is_empty()).then_some(owners),
        ..ObjectMeta::default()
    }
}

fn container(name: &str, ports: &[(&str, i32)]) -> Container {
    Container {
        name: name.into(),
        ports: Some(
            ports
                .iter()
                .map(|(n, p)| ContainerPort {
                    name: Some((*n).into()),
                    container_port: *p,
                    ..ContainerPort::default()
                })
                .collect(),
        ),
        ..Container::default()
    }
}

fn app() -> Container {
    container("app", &[("http", 8080)])
}

fn proxy() -> Container {
    container(
        "linkerd-proxy",
        &[("linkerd-proxy", 4143), ("linkerd-admin", 4191)],
    )
}

fn pod(ns: &str, name: &str, owners: Vec<OwnerReference>) -> Pod {
    Pod {
        metadata: meta(ns, name, &format!("uid-{name}"), owners),
        spec: Some(PodSpec {
            containers: vec![app(), proxy()],
            ..PodSpec::default()
        }),
        status: Some(PodStatus {
            phase: Some("Running".into()),
            ..PodStatus::default()
        }),
    }
}

fn with_labels(mut p: Pod, labels: &[(&str, &str)]) -> Pod {
    p.metadata.labels = Some(
        labels
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect::<BTreeMap<_, _>>(),
    );
    p
}

fn replica_set(ns: &str, name: &str, uid: &str, deploy: Option<(&str, &str)>) -> ReplicaSet {
    let owners = deploy
        .map(|(n, u)| vec![owner("Deployment", n, u)])
        .unwrap_or_default();
    ReplicaSet {
        metadata: meta(ns, name, uid, owners),
        ..ReplicaSet::default()
    }
}

fn job(ns: &str, name: &str, uid: &str, cron: Option<(&str, &str)>) -> Job {
    let owners = cron
        .map(|(n, u)| vec![owner("CronJob", n, u)])
        .unwrap_or_default();
    Job {
        metadata: meta(ns, name, uid, owners),
        ..Job::default()
    }
}

fn owned_by(uids: &[&str]) -> PodMatcher {
    PodMatcher::OwnedBy(uids.iter().map(|u| u.to_string()).collect::<BTreeSet<_>>())
}

fn pair(name: &str, value: &str) -> (String, String) {
    (name.to_string(), value.to_string())
}

fn names(selected: &Selected) -> Vec<String> {
    selected
        .pods
        .iter()
        .map(|p| format!("{}/{}", p.namespace, p.pod))
        .collect()
}

/// emojivoto-like objects: web via RS (old and new RS), a look-alike bare pod with the same
/// labels, a StatefulSet pod, a CronJob's Job pod, a lone Job's pod and a bare pod.
fn cluster() -> (Vec<Pod>, Vec<ReplicaSet>, Vec<Job>) {
    let web_labels = [("app", "web")];
    let pods = vec![
        with_labels(
            pod(
                "emojivoto",
                "web-new-1",
                vec![owner("ReplicaSet", "web-new", "rs-new")],
            ),
            &web_labels,
        ),
        with_labels(
            pod(
                "emojivoto",
                "web-old-1",
                vec![owner("ReplicaSet", "web-old", "rs-old")],
            ),
            &web_labels,
        ),
        with_labels(pod("emojivoto", "web-impostor", vec![]), &web_labels),
        pod(
            "emojivoto",
            "db-0",
            vec![owner("StatefulSet", "db", "sts-db")],
        ),
        pod(
            "emojivoto",
            "nightly-123-x",
            vec![owner("Job", "nightly-123", "job-n")],
        ),
        pod(
            "emojivoto",
            "once-y",
            vec![owner("Job", "once", "job-once")],
        ),
        pod(
            "other",
            "web-new-2",
            vec![owner("ReplicaSet", "other-rs", "rs-other")],
        ),
    ];
    let rss = vec![
        replica_set(
            "emojivoto",
            "web-new",
            "rs-new",
            Some(("web", "deploy-web")),
        ),
        replica_set(
            "emojivoto",
            "web-old",
            "rs-old",
            Some(("web", "deploy-web")),
        ),
        replica_set("other", "other-rs", "rs-other", None),
    ];
    let jobs = vec![
        job(
            "emojivoto",
            "nightly-123",
            "job-n",
            Some(("nightly", "cj-nightly")),
        ),
        job("emojivoto", "once", "job-once", None),
    ];
    (pods, rss, jobs)
}

#[test]
fn deployment_resolves_through_its_replica_sets_by_uid_not_labels() {
    let (pods, rss, jobs) = cluster();
    let selected = select_pods(&pods, &rss, &jobs, &[owned_by(&["deploy-web"])], None);
    assert_eq!(
        names(&selected),
        ["emojivoto/web-new-1", "emojivoto/web-old-1"]
    );
    let workload = selected.pods[0].workload.clone().unwrap();
    assert_eq!(
        (workload.kind, workload.name.as_str()),
        ("deployment", "web")
    );
}

#[test]
fn cronjob_resolves_through_its_jobs() {
    let (pods, rss, jobs) = cluster();
    let selected = select_pods(&pods, &rss, &jobs, &[owned_by(&["cj-nightly"])], None);
    assert_eq!(names(&selected), ["emojivoto/nightly-123-x"]);
    let labels = selected.pods[0].target_labels(TargetLabelSet::Minimal);
    assert_eq!(labels.last().unwrap(), &pair("cronjob", "nightly"));
}

#[test]
fn direct_owners_resolve_and_name_their_workload() {
    let (pods, rss, jobs) = cluster();
    let sts = select_pods(&pods, &rss, &jobs, &[owned_by(&["sts-db"])], None);
    assert_eq!(names(&sts), ["emojivoto/db-0"]);
    assert_eq!(sts.pods[0].workload.as_ref().unwrap().kind, "statefulset");

    let lone_job = select_pods(&pods, &rss, &jobs, &[owned_by(&["job-once"])], None);
    assert_eq!(names(&lone_job), ["emojivoto/once-y"]);
    let labels = lone_job.pods[0].target_labels(TargetLabelSet::Minimal);
    assert_eq!(
        labels.last().unwrap(),
        &pair("k8s_job", "once"),
        "job must not clash with Prometheus' job label"
    );

    let rs = select_pods(&pods, &rss, &jobs, &[owned_by(&["rs-other"])], None);
    assert_eq!(rs.pods[0].workload.as_ref().unwrap().kind, "replicaset");
    let rs_of_deploy = select_pods(&pods, &rss, &jobs, &[owned_by(&["rs-old"])], None);
    assert_eq!(names(&rs_of_deploy), ["emojivoto/web-old-1"]);
    assert_eq!(
        rs_of_deploy.pods[0].workload.as_ref().unwrap().kind,
        "deployment"
    );
}

#[test]
fn bare_pod_has_no_workload_label() {
    let (pods, rss, jobs) = cluster();
    let matcher = PodMatcher::Pod {
        namespace: "emojivoto".into(),
        name: "web-impostor".into(),
    };
    let selected = select_pods(&pods, &rss, &jobs, &[matcher], None);
    assert_eq!(names(&selected), ["emojivoto/web-impostor"]);
    assert_eq!(selected.pods[0].workload, None);
    assert_eq!(
        selected.pods[0].target_labels(TargetLabelSet::Minimal),
        [pair("namespace", "emojivoto"), pair("pod", "web-impostor")]
    );
}

#[test]
fn unknown_replica_set_falls_back_to_replicaset_workload() {
    let pods = vec![pod("ns", "p", vec![owner("ReplicaSet", "gone", "rs-gone")])];
    let selected = select_pods(&pods, &[], &[], &[PodMatcher::Any], None);
    let workload = selected.pods[0].workload.clone().unwrap();
    assert_eq!(
        (workload.kind, workload.name.as_str()),
        ("replicaset", "gone")
    );
}

#[test]
fn namespace_matcher_and_selector_apply_to_pods() {
    let (pods, rss, jobs) = cluster();
    let ns = [PodMatcher::Namespace("emojivoto".into())];
    assert_eq!(select_pods(&pods, &rss, &jobs, &ns, None).pods.len(), 6);
    let selector = LabelSelector::parse("app=web").unwrap();
    let selected = select_pods(&pods, &rss, &jobs, &ns, Some(&selector));
    assert_eq!(
        names(&selected),
        [
            "emojivoto/web-impostor",
            "emojivoto/web-new-1",
            "emojivoto/web-old-1"
        ]
    );
    let selected = select_pods(
        &pods,
        &rss,
        &jobs,
        &[owned_by(&["sts-db"])],
        Some(&selector),
    );
    assert!(selected.pods.is_empty() && selected.skipped.is_empty());
}

#[test]
fn overlapping_targets_dedupe_and_sort() {
    let (mut pods, rss, jobs) = cluster();
    pods.reverse();
    pods.push(pods[0].clone());
    let matchers = [
        owned_by(&["deploy-web"]),
        PodMatcher::Any,
        owned_by(&["rs-new"]),
    ];
    let selected = select_pods(&pods, &rss, &jobs, &matchers, None);
    let got = names(&selected);
    let mut expected = got.clone();
    expected.sort();
    expected.dedup();
    assert_eq!(got, expected);
    assert_eq!(got.len(), 7);
    assert_eq!(got[0], "emojivoto/db-0");
    assert_eq!(got[6], "other/web-new-2");
}

#[test]
fn unmeshed_and_pending_pods_are_skipped_with_reasons() {
    let mut unmeshed = pod("ns", "plain", vec![]);
    unmeshed.spec.as_mut().unwrap().containers = vec![app()];
    let mut pending = pod("ns", "pending", vec![]);
    pending.status.as_mut().unwrap().phase = Some("Pending".into());
    let mut no_status = pod("ns", "fresh", vec![]);
    no_status.status = None;
    let selected = select_pods(
        &[unmeshed, pending, no_status, pod("ns", "ok", vec![])],
        &[],
        &[],
        &[PodMatcher::Any],
        None,
    );
    assert_eq!(names(&selected), ["ns/ok"]);
    let lines: Vec<String> = selected.skipped.iter().map(ToString::to_string).collect();
    assert_eq!(
        lines,
        [
            "skipping pod ns/fresh: not running (phase Unknown)",
            "skipping pod ns/pending: not running (phase Pending)",
            "skipping pod ns/plain: not meshed (no linkerd-admin port)",
        ]
    );
}

#[test]
fn native_sidecar_and_custom_admin_port_are_detected() {
    let mut sidecar = pod("ns", "sidecar", vec![]);
    let spec = sidecar.spec.as_mut().unwrap();
    spec.containers = vec![app()];
    spec.init_containers = Some(vec![
        container("linkerd-init", &[]),
        container("linkerd-proxy", &[("linkerd-admin", 4191)]),
    ]);
    assert_eq!(
        proxy_admin_port(&sidecar),
        Some(("linkerd-proxy".into(), 4191))
    );

    let mut custom = pod("ns", "custom", vec![]);
    custom.spec.as_mut().unwrap().containers =
        vec![app(), container("my-proxy", &[("my-linkerd-admin", 9991)])];
    assert_eq!(proxy_admin_port(&custom), Some(("my-proxy".into(), 9991)));

    let mut annotated = pod("ns", "annotated", vec![]);
    annotated.spec.as_mut().unwrap().containers = vec![app(), container("linkerd-proxy", &[])];
    annotated.metadata.annotations = Some(BTreeMap::from([(
        ADMIN_PORT_ANNOTATION.to_string(),
        "5191".to_string(),
    )]));
    assert_eq!(
        proxy_admin_port(&annotated),
        Some(("linkerd-proxy".into(), 5191))
    );

    let mut annotation_only = pod("ns", "x", vec![]);
    annotation_only.spec.as_mut().unwrap().containers = vec![app()];
    annotation_only.metadata.annotations = annotated.metadata.annotations.clone();
    assert_eq!(
        proxy_admin_port(&annotation_only),
        None,
        "an annotation without a proxy container is not a mesh"
    );
}

#[test]
fn target_forms_parse() {
    let parsed = |t: &str| t.parse::<TargetSpec>().unwrap();
    assert_eq!(
        parsed("deployments.apps/web"),
        TargetSpec::Named {
            kind: ResourceKind::Deployment,
            name: "web".into()
        }
    );
    assert_eq!(parsed("po/web-abc").to_string(), "po/web-abc");
    assert_eq!(parsed("cronjob/nightly").to_string(), "cj/nightly");
    assert_eq!(parsed("deploy"), TargetSpec::Kind(ResourceKind::Deployment));
    assert_eq!(
        parsed("ns/emojivoto"),
        TargetSpec::Namespace("emojivoto".into())
    );
    assert_eq!(parsed("namespace/emojivoto").to_string(), "ns/emojivoto");
}

#[test]
fn bad_targets_are_usage_errors() {
    for text in ["svc/web", "deploy/", "deploy/a/b", "ns", "/web"] {
        let err = text.parse::<TargetSpec>().unwrap_err();
        let text = format!("{text}: {err}");
        assert_eq!(Error::from(err).exit(), Exit::Usage, "{text}");
    }
    let err = "svc/web".parse::<TargetSpec>().unwrap_err().to_string();
    assert!(
        err.starts_with("unknown resource type \"svc\": use one of po (pod), deploy"),
        "{err}"
    );
}

#[test]
fn kubectl_type_then_names_form() {
    let specs = parse_targets(&["deploy", "web", "emoji"]).unwrap();
    assert_eq!(
        specs.iter().map(ToString::to_string).collect::<Vec<_>>(),
        ["deploy/web", "deploy/emoji"]
    );
    let mixed = parse_targets(&["deploy", "sts/db"]).unwrap();
    assert_eq!(mixed.len(), 2);
    assert!(parse_targets(&["web", "emoji"]).is_err());
    assert!(parse_targets::<&str>(&[]).unwrap().is_empty());
}

#[test]
fn scope_from_flags() {
    assert_eq!(
        Scope::from_flags(Some("a"), true, "d"),
        Scope::AllNamespaces
    );
    assert_eq!(
        Scope::from_flags(Some("a"), false, "d"),
        Scope::Namespace("a".into())
    );
    assert_eq!(
        Scope::from_flags(None, false, "d"),
        Scope::Namespace("d".into())
    );
}

#[test]
fn no_meshed_pods_names_namespace_targets_and_selector() {
    let err = NoMeshedPods {
        namespaces: vec!["emojivoto".into()],
        targets: vec!["deploy/web".parse().unwrap()],
        selector: Some("app=x".into()),
        skipped: Vec::new(),
    };
    assert_eq!(
        err.to_string(),
        "no meshed pods found in namespace \"emojivoto\" for deploy/web (selector \"app=x\")"
    );
    let all = NoMeshedPods {
        namespaces: vec![],
        targets: vec![],
        selector: None,
        skipped: vec![],
    };
    assert_eq!(all.to_string(), "no meshed pods found in any namespace");
}

/// An injected pod of a Deployment, as Linkerd's injector labels it, with its IP.
fn injected_web_pod() -> Pod {
    let mut p = with_labels(
        pod(
            "emojivoto",
            "web-5d8-x",
            vec![owner("ReplicaSet", "web-5d8", "rs-new")],
        ),
        &[
            ("app", "web-svc"),
            ("pod-template-hash", "5d8"),
            ("app.kubernetes.io/part-of", "emojivoto"),
            ("linkerd.io/control-plane-ns", "linkerd"),
            ("linkerd.io/proxy-deployment", "web"),
            ("linkerd.io/workload-ns", "emojivoto"),
        ],
    );
    p.status.as_mut().unwrap().pod_ip = Some("10.42.0.7".into());
    p
}

#[test]
fn full_target_labels_are_what_linkerds_prometheus_gives() {
    let (_, rss, jobs) = cluster();
    let selected = select_pods(&[injected_web_pod()], &rss, &jobs, &[PodMatcher::Any], None);
    assert_eq!(
        selected.pods[0].target_labels(TargetLabelSet::Full),
        [
            pair("job", "linkerd-proxy"),
            pair("instance", "10.42.0.7:4191"),
            pair("namespace", "emojivoto"),
            pair("pod", "web-5d8-x"),
            pair("deployment", "web"),
            pair("app", "web-svc"),
            pair("app_kubernetes_io_part_of", "emojivoto"),
            pair("control_plane_ns", "linkerd"),
            pair("pod_template_hash", "5d8"),
            pair("workload_ns", "emojivoto"),
        ]
    );
    assert_eq!(
        selected.pods[0].target_labels(TargetLabelSet::Minimal),
        [
            pair("namespace", "emojivoto"),
            pair("pod", "web-5d8-x"),
            pair("deployment", "web"),
        ]
    );
}

#[test]
fn workload_label_comes_from_the_injector_label_before_the_owner_walk() {
    let (_, rss, jobs) = cluster();
    let job_pod = with_labels(
        pod(
            "emojivoto",
            "once-y",
            vec![owner("Job", "once", "job-once")],
        ),
        &[
            ("linkerd.io/proxy-job", "once-by-label"),
            ("job", "app-job"),
        ],
    );
    let selected = select_pods(&[job_pod], &rss, &jobs, &[PodMatcher::Any], None);
    let labels = selected.pods[0].target_labels(TargetLabelSet::Full);
    assert!(
        labels.contains(&pair("k8s_job", "once-by-label")),
        "{labels:?}"
    );
    assert!(
        labels.contains(&pair("job", "linkerd-proxy")) && !labels.contains(&pair("job", "app-job")),
        "a pod label does not replace a target label: {labels:?}"
    );
    assert!(
        !labels.iter().any(|(n, _)| n.starts_with("proxy_")),
        "the injector's workload label is not repeated: {labels:?}"
    );
}

#[test]
fn instance_is_left_out_without_a_pod_ip_and_bracketed_for_ipv6() {
    let no_labels = BTreeMap::new();
    let source = |ip| LabelSource {
        namespace: "ns",
        pod: "p",
        pod_ip: ip,
        admin_port: 4192,
        pod_labels: &no_labels,
        owner_workload: Some(("statefulset", "db")),
    };
    let names = |labels: Vec<(String, String)>| -> Vec<String> {
        labels.into_iter().map(|(n, _)| n).collect()
    };
    assert_eq!(
        names(target_labels(source(None), TargetLabelSet::Full)),
        ["job", "namespace", "pod", "statefulset"]
    );
    assert!(
        target_labels(source(Some("fd00::7")), TargetLabelSet::Full)
            .contains(&pair("instance", "[fd00::7]:4192"))
    );
}
