//! The simulated API server's REST side, driven by kube's client: auth, discovery, selectors,
//! ownerReferences, `metav1.Status` errors and `--latency`.

use std::time::{Duration, Instant};

use crate::support;
use crate::support::{client, pod};
use k8s_openapi::api::apps::v1::{Deployment, ReplicaSet};
use k8s_openapi::api::batch::v1::{CronJob, Job};
use k8s_openapi::api::core::v1::Pod;
use kube::api::{ListParams, PostParams};
use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::{Api, Discovery};
use linkerd_export_sim::{Sim, SimConfig};

fn api_error<T: std::fmt::Debug>(result: kube::Result<T>) -> kube::core::Status {
    match result {
        Err(kube::Error::Api(status)) => *status,
        other => panic!("expected an API error, got {other:?}"),
    }
}

#[tokio::test]
async fn kubeconfig_context_and_token() {
    let sim = Sim::start(SimConfig::default()).await.expect("start");
    let kc = sim.kubeconfig();
    assert!(kc.contains(&format!("server: {}", sim.server_url())));
    assert!(kc.contains("current-context: sim") && kc.contains("namespace: emojivoto"));
    let client = client(&sim).await;
    assert_eq!(client.default_namespace(), "emojivoto");
    let pods: Api<Pod> = Api::default_namespaced(client);
    assert_eq!(
        pods.list(&ListParams::default())
            .await
            .expect("list")
            .items
            .len(),
        4
    );

    let wrong =
        Kubeconfig::from_yaml(&kc.replace(sim.token(), "not-the-token")).expect("kubeconfig");
    let mut config = kube::Config::from_custom_kubeconfig(wrong, &KubeConfigOptions::default())
        .await
        .expect("config");
    config.default_retry = false;
    let pods: Api<Pod> = Api::default_namespaced(kube::Client::try_from(config).expect("client"));
    let status = api_error(pods.list(&ListParams::default()).await);
    assert_eq!((status.code, status.reason.as_str()), (401, "Unauthorized"));
}

#[tokio::test]
async fn discovery_finds_every_workload_kind() {
    let sim = Sim::start(SimConfig::default()).await.expect("start");
    let discovery = Discovery::new(client(&sim).await)
        .run()
        .await
        .expect("discovery");
    let mut kinds: Vec<String> = discovery
        .groups()
        .flat_map(|g| g.recommended_resources().into_iter().map(|(r, _)| r.kind))
        .collect();
    kinds.sort();
    assert_eq!(
        kinds,
        [
            "CronJob",
            "DaemonSet",
            "Deployment",
            "Job",
            "Namespace",
            "Pod",
            "ReplicaSet",
            "ReplicationController",
            "StatefulSet"
        ]
    );
}

#[tokio::test]
async fn owner_references_chain_by_uid() {
    let sim = Sim::start(SimConfig {
        replicas: 2,
        ..SimConfig::default()
    })
    .await
    .expect("start");
    let client = client(&sim).await;
    let web = pod(&sim, "emojivoto", "web-").name.clone();
    let pod_obj = Api::<Pod>::namespaced(client.clone(), "emojivoto")
        .get(&web)
        .await
        .expect("pod");
    let rs_ref = &pod_obj.metadata.owner_references.as_ref().expect("owner")[0];
    let rs = Api::<ReplicaSet>::namespaced(client.clone(), "emojivoto")
        .get(&rs_ref.name)
        .await
        .expect("rs");
    assert_eq!(rs.metadata.uid.as_ref(), Some(&rs_ref.uid));
    let deploy_ref = &rs.metadata.owner_references.as_ref().expect("owner")[0];
    let deploy = Api::<Deployment>::namespaced(client.clone(), "emojivoto")
        .get("web")
        .await
        .expect("deploy");
    assert_eq!(deploy.metadata.uid.as_ref(), Some(&deploy_ref.uid));

    let jobs = Api::<Job>::namespaced(client.clone(), "default")
        .list(&ListParams::default())
        .await
        .expect("jobs");
    let cj = Api::<CronJob>::namespaced(client.clone(), "default")
        .get("nightly")
        .await
        .expect("cronjob");
    assert_eq!(
        jobs.items[0]
            .metadata
            .owner_references
            .as_ref()
            .expect("owner")[0]
            .uid,
        cj.metadata.uid.clone().expect("uid")
    );
}

#[tokio::test]
async fn selectors_filter_lists() {
    let sim = Sim::start(SimConfig {
        replicas: 3,
        ..SimConfig::default()
    })
    .await
    .expect("start");
    let client = client(&sim).await;
    let all: Api<Pod> = Api::all(client.clone());
    let list = |lp: ListParams| {
        let all = all.clone();
        async move { all.list(&lp).await.expect("list").items }
    };
    assert_eq!(
        list(ListParams::default().labels("app=web-svc"))
            .await
            .len(),
        3
    );
    assert_eq!(
        list(ListParams::default().labels("app in (web-svc,emoji-svc),version"))
            .await
            .len(),
        6
    );
    assert_eq!(
        list(ListParams::default().labels("!linkerd.io/control-plane-ns"))
            .await
            .len(),
        1
    );
    let pending = list(ListParams::default().fields("status.phase=Pending")).await;
    assert_eq!(pending.len(), 1);
    assert!(
        pending[0]
            .metadata
            .name
            .as_deref()
            .is_some_and(|n| n.starts_with("pending-app-"))
    );
    let by_name = list(ListParams::default().fields("metadata.name=db-0")).await;
    assert_eq!(by_name.len(), 1);
    let status = api_error(
        all.list(&ListParams::default().fields("spec.nodeName=x"))
            .await,
    );
    assert_eq!(status.code, 400);
}

#[tokio::test]
async fn errors_are_metav1_status() {
    let sim = Sim::start(SimConfig::default()).await.expect("start");
    let client = client(&sim).await;
    let status = api_error(
        Api::<Pod>::namespaced(client.clone(), "emojivoto")
            .get("nope")
            .await,
    );
    assert_eq!(
        (status.code, status.reason.as_str(), status.message.as_str()),
        (404, "NotFound", "pods \"nope\" not found")
    );

    let deploys: Api<Deployment> = Api::namespaced(client.clone(), "emojivoto");
    let web = deploys.get("web").await.expect("web");
    let mut copy = Deployment {
        metadata: web.metadata.clone(),
        spec: web.spec.clone(),
        status: None,
    };
    copy.metadata.resource_version = None;
    copy.metadata.uid = None;
    let status = api_error(deploys.create(&PostParams::default(), &copy).await);
    assert_eq!(
        (status.code, status.reason.as_str()),
        (409, "AlreadyExists")
    );
    assert_eq!(status.message, "deployments.apps \"web\" already exists");
    copy.metadata.name = Some("web-2".into());
    assert_eq!(
        api_error(deploys.create(&PostParams::default(), &copy).await).code,
        405
    );
}

#[tokio::test]
async fn latency_delays_every_request() {
    let latency = Duration::from_millis(150);
    let sim = Sim::start(SimConfig {
        latency,
        ..SimConfig::default()
    })
    .await
    .expect("start");
    let pods: Api<Pod> = Api::namespaced(client(&sim).await, "emojivoto");
    for _ in 0..2 {
        let started = Instant::now();
        pods.list(&ListParams::default()).await.expect("list");
        assert!(started.elapsed() >= latency);
    }
    let web = pod(&sim, "emojivoto", "web-").name.clone();
    let started = Instant::now();
    let mut pf = pods.portforward(&web, &[4191]).await.expect("portforward");
    let res = support::get(pf.take_stream(4191).expect("stream"), "/ready", &[]).await;
    assert_eq!(res.status, 200);
    assert!(
        started.elapsed() >= 2 * latency,
        "request and kubelet set-up are both delayed"
    );
}

/// A pod taken out of the cluster (as a rollout does) is not listed, not found by name and not
/// reachable; put back, it is all three again.
#[tokio::test]
async fn absent_pods_disappear_from_the_api_and_come_back() {
    let sim = Sim::start(SimConfig {
        replicas: 2,
        ..SimConfig::default()
    })
    .await
    .expect("start");
    let pods: Api<Pod> = Api::namespaced(client(&sim).await, "emojivoto");
    let web = pod(&sim, "emojivoto", "web-").name.clone();
    let listed = |list: kube::core::ObjectList<Pod>| -> Vec<String> {
        list.items
            .into_iter()
            .filter_map(|p| p.metadata.name)
            .collect()
    };
    let everything = ListParams::default();
    assert!(listed(pods.list(&everything).await.unwrap()).contains(&web));

    assert!(sim.set_pod_present("emojivoto", &web, false));
    let now = listed(pods.list(&everything).await.unwrap());
    assert!(!now.contains(&web), "{now:?}");
    assert!(
        now.iter().any(|p| p.starts_with("web-")),
        "the other replica stays"
    );
    assert_eq!(api_error(pods.get(&web).await).code, 404);
    assert!(pods.portforward(&web, &[4191]).await.is_err());

    assert!(sim.set_pod_present("emojivoto", &web, true));
    assert!(listed(pods.list(&everything).await.unwrap()).contains(&web));
    pods.get(&web).await.expect("found again");
    let mut pf = pods.portforward(&web, &[4191]).await.expect("portforward");
    let res = support::get(pf.take_stream(4191).expect("stream"), "/ready", &[]).await;
    assert_eq!(res.status, 200);
    assert!(!sim.set_pod_present("emojivoto", "no-such-pod", false));
}
