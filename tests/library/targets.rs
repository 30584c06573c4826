//! Target resolution against the simulated API server: every target form, owner-UID walks,
//! skipped pods, and the errors users see.

use crate::support::Mesh;
use crate::support::cluster::Connected;
use linkerd_export::error::{Error, Exit};
use linkerd_export::resolve::{
    LabelSelector, Resolved, Scope, Selection, TargetError, parse_targets, resolve,
};

async fn resolve_in(
    env: &Connected,
    targets: &[&str],
    namespace: Option<&str>,
    all: bool,
    selector: Option<&str>,
) -> Result<Resolved, TargetError> {
    let selection = Selection {
        targets: parse_targets(targets)?,
        scope: Scope::from_flags(namespace, all, &env.cluster.default_namespace),
        selector: selector.map(LabelSelector::parse).transpose()?,
    };
    resolve(&env.cluster.client, &selection).await
}

fn pod_names(resolved: &Resolved) -> Vec<String> {
    resolved
        .pods
        .iter()
        .map(|p| format!("{}/{}", p.namespace, p.pod))
        .collect()
}

/// The sim's own view: running meshed pods in `namespace` whose name starts with `prefix`.
fn sim_pods(env: &Connected, namespace: &str, prefix: &str) -> Vec<String> {
    meshed_running(env, |p| {
        p.namespace == namespace && p.name.starts_with(prefix)
    })
}

/// Running meshed pods the filter accepts, as `ns/pod`, sorted by (namespace, pod).
fn meshed_running(
    env: &Connected,
    filter: impl Fn(&linkerd_export_sim::SimPod) -> bool,
) -> Vec<String> {
    let mut pods: Vec<(String, String)> = env
        .sim
        .pods()
        .iter()
        .filter(|p| filter(p) && p.phase == "Running" && p.admin_port.is_some())
        .map(|p| (p.namespace.clone(), p.name.clone()))
        .collect();
    pods.sort();
    pods.into_iter()
        .map(|(ns, pod)| format!("{ns}/{pod}"))
        .collect()
}

#[tokio::test]
async fn default_namespace_comes_from_the_context() {
    let env = Mesh::builder().connect().await;
    assert_eq!(env.cluster.default_namespace, "emojivoto");
    let resolved = resolve_in(&env, &[], None, false, None).await.unwrap();
    assert_eq!(pod_names(&resolved), sim_pods(&env, "emojivoto", ""));
    assert_eq!(resolved.pods.len(), 4);
    assert!(
        resolved
            .pods
            .iter()
            .all(|p| p.admin_port == 4191 && p.container == "linkerd-proxy")
    );
}

#[tokio::test]
async fn deployment_in_every_spelling() {
    let env = Mesh::builder().replicas(3).connect().await;
    let expected = sim_pods(&env, "emojivoto", "web-");
    assert_eq!(expected.len(), 3);
    for target in [
        "deploy/web",
        "deployment/web",
        "deployments/web",
        "deployment.apps/web",
        "deployments.apps/web",
    ] {
        let resolved = resolve_in(&env, &[target], None, false, None)
            .await
            .unwrap();
        assert_eq!(pod_names(&resolved), expected, "{target}");
        let workload = resolved.pods[0].workload.as_ref().unwrap();
        assert_eq!(
            (workload.kind, workload.name.as_str()),
            ("deployment", "web")
        );
    }
    let by_type_and_names = resolve_in(&env, &["deploy", "web", "emoji"], None, false, None)
        .await
        .unwrap();
    assert_eq!(by_type_and_names.pods.len(), 6);
}

#[tokio::test]
async fn every_workload_type_resolves_in_default() {
    let env = Mesh::builder().connect().await;
    let cases = [
        ("sts/db", "statefulset", "db"),
        ("ds/agent", "daemonset", "agent"),
        ("cj/nightly", "cronjob", "nightly"),
        ("rc/old-rc", "replicationcontroller", "old-rc"),
    ];
    for (target, kind, name) in cases {
        let resolved = resolve_in(&env, &[target], Some("default"), false, None)
            .await
            .unwrap_or_else(|e| panic!("{target}: {e}"));
        assert_eq!(
            resolved.pods.len(),
            1,
            "{target}: {:?}",
            pod_names(&resolved)
        );
        let pod = &resolved.pods[0];
        assert!(pod.pod.starts_with(name), "{target}: {}", pod.pod);
        let workload = pod.workload.as_ref().unwrap();
        assert_eq!(
            (workload.kind, workload.name.as_str()),
            (kind, name),
            "{target}"
        );
    }

    let job_pod = resolve_in(&env, &["cj/nightly"], Some("default"), false, None)
        .await
        .unwrap();
    let job_name = env
        .sim
        .pods()
        .iter()
        .find(|p| p.name == job_pod.pods[0].pod)
        .unwrap()
        .name
        .rsplit_once('-')
        .unwrap()
        .0
        .to_string();
    let via_job = resolve_in(
        &env,
        &[&format!("job/{job_name}")],
        Some("default"),
        false,
        None,
    )
    .await
    .unwrap();
    assert_eq!(pod_names(&via_job), pod_names(&job_pod), "job/{job_name}");
}

#[tokio::test]
async fn replica_set_and_pod_targets() {
    let env = Mesh::builder().connect().await;
    let web = sim_pods(&env, "emojivoto", "web-");
    let pod_name = web[0].split_once('/').unwrap().1.to_string();
    let rs_name = pod_name.rsplit_once('-').unwrap().0.to_string();
    let by_rs = resolve_in(&env, &[&format!("rs/{rs_name}")], None, false, None)
        .await
        .unwrap();
    assert_eq!(pod_names(&by_rs), web);
    assert_eq!(by_rs.pods[0].workload.as_ref().unwrap().kind, "deployment");
    let by_pod = resolve_in(&env, &[&format!("po/{pod_name}")], None, false, None)
        .await
        .unwrap();
    assert_eq!(pod_names(&by_pod), web);
    let debug = resolve_in(&env, &["po/debug"], Some("default"), false, None)
        .await
        .unwrap();
    assert_eq!(debug.pods[0].workload, None, "a bare pod has no workload");
}

#[tokio::test]
async fn native_sidecar_and_custom_admin_port() {
    let env = Mesh::builder().connect().await;
    let db = resolve_in(&env, &["sts/db"], Some("default"), false, None)
        .await
        .unwrap();
    assert_eq!(
        (db.pods[0].container.as_str(), db.pods[0].admin_port),
        ("linkerd-proxy", 4191)
    );
    let agent = resolve_in(&env, &["ds/agent"], Some("default"), false, None)
        .await
        .unwrap();
    assert_eq!(agent.pods[0].admin_port, 4192);
}

#[tokio::test]
async fn namespace_targets_all_namespaces_dedupe_and_sort() {
    let env = Mesh::builder().connect().await;
    let both = resolve_in(
        &env,
        &["ns/linkerd", "ns/emojivoto", "deploy/web"],
        None,
        false,
        None,
    )
    .await
    .unwrap();
    let mut expected = sim_pods(&env, "emojivoto", "");
    expected.extend(sim_pods(&env, "linkerd", ""));
    assert_eq!(pod_names(&both), expected);

    let all = resolve_in(&env, &[], None, true, None).await.unwrap();
    assert_eq!(pod_names(&all), meshed_running(&env, |_| true));

    let all_deploys = resolve_in(&env, &["deploy"], None, true, None)
        .await
        .unwrap();
    assert!(
        all_deploys
            .pods
            .iter()
            .all(|p| p.workload.as_ref().unwrap().kind == "deployment")
    );
    assert!(
        all_deploys
            .pods
            .iter()
            .any(|p| p.namespace == "linkerd-viz")
    );
}

#[tokio::test]
async fn unmeshed_and_pending_pods_are_skipped_with_reasons() {
    let env = Mesh::builder().connect().await;
    let resolved = resolve_in(&env, &[], Some("default"), false, None)
        .await
        .unwrap();
    let skipped: Vec<String> = resolved.skipped.iter().map(ToString::to_string).collect();
    assert!(
        skipped
            .iter()
            .any(|s| s.starts_with("skipping pod default/legacy-app-")
                && s.ends_with("not meshed (no linkerd-admin port)")),
        "{skipped:?}"
    );
    assert!(
        skipped
            .iter()
            .any(|s| s.starts_with("skipping pod default/pending-app-")
                && s.ends_with("not running (phase Pending)")),
        "{skipped:?}"
    );
    assert!(
        resolved
            .pods
            .iter()
            .all(|p| !p.pod.starts_with("legacy-app") && !p.pod.starts_with("pending-app"))
    );
}

#[tokio::test]
async fn selector_applies_to_pods() {
    let env = Mesh::builder().connect().await;
    let resolved = resolve_in(&env, &[], None, false, Some("app in (web-svc,emoji-svc)"))
        .await
        .unwrap();
    assert_eq!(
        pod_names(&resolved),
        [
            sim_pods(&env, "emojivoto", "emoji-"),
            sim_pods(&env, "emojivoto", "web-")
        ]
        .concat()
    );
    let err = resolve_in(&env, &["deploy/web"], None, false, Some("app=emoji-svc"))
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "no meshed pods found in namespace \"emojivoto\" for deploy/web (selector \"app=emoji-svc\")"
    );
}

#[tokio::test]
async fn missing_objects_and_empty_results_are_errors() {
    let env = Mesh::builder().connect().await;
    let err = resolve_in(&env, &["deploy/nope"], None, false, None)
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "deployments.apps \"nope\" not found in namespace \"emojivoto\""
    );
    let err = resolve_in(&env, &["po/nope"], None, false, None)
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "pods \"nope\" not found in namespace \"emojivoto\""
    );
    let err = resolve_in(&env, &["deploy/legacy-app"], Some("default"), false, None)
        .await
        .unwrap_err();
    let TargetError::NoMeshedPods(details) = &err else {
        panic!("{err}")
    };
    assert_eq!(
        details.skipped.len(),
        1,
        "the unmeshed pod is still reported"
    );
    assert_eq!(
        err.to_string(),
        "no meshed pods found in namespace \"default\" for deploy/legacy-app"
    );
    let err = resolve_in(&env, &["deploy/web"], None, true, None)
        .await
        .unwrap_err();
    assert_eq!(Error::from(err).exit(), Exit::Usage);
    let err = resolve_in(&env, &["svc/web"], None, false, None)
        .await
        .unwrap_err();
    let text = err.to_string();
    assert!(text.starts_with("unknown resource type \"svc\""), "{text}");
    assert_eq!(Error::from(err).exit(), Exit::Usage, "{text}");
}

/// Every meshed pod carries what Linkerd's injector adds (spec §8), read back through the API:
/// `linkerd.io/proxy-<kind>` for its top-level workload, `linkerd.io/control-plane-ns` and
/// `linkerd.io/workload-ns`; the pod's IP, so `instance` is `podIP:adminPort`.
#[tokio::test]
async fn meshed_pods_carry_the_injectors_labels_and_their_ip() {
    let env = Mesh::builder().connect().await;
    let resolved = resolve_in(&env, &[], None, true, None).await.unwrap();
    let label = |pod: &str, name: &str| -> Option<String> {
        let target = resolved.pods.iter().find(|p| p.pod.starts_with(pod))?;
        target.labels.get(name).cloned()
    };
    for (pod, kind, workload) in [
        ("web-", "deployment", "web"),
        ("db-0", "statefulset", "db"),
        ("agent-", "daemonset", "agent"),
        ("nightly-", "cronjob", "nightly"),
        ("old-rc-", "replicationcontroller", "old-rc"),
        ("linkerd-destination-", "deployment", "linkerd-destination"),
    ] {
        assert_eq!(
            label(pod, &format!("linkerd.io/proxy-{kind}")).as_deref(),
            Some(workload),
            "{pod}"
        );
        assert_eq!(
            label(pod, "linkerd.io/control-plane-ns").as_deref(),
            Some("linkerd")
        );
    }
    assert_eq!(
        label("web-", "linkerd.io/workload-ns").as_deref(),
        Some("emojivoto")
    );
    assert_eq!(
        label("prometheus-", "component").as_deref(),
        Some("prometheus")
    );
    assert_eq!(
        label("prometheus-", "linkerd.io/extension").as_deref(),
        Some("viz")
    );
    assert_eq!(
        label("linkerd-identity-", "linkerd.io/control-plane-component").as_deref(),
        Some("identity")
    );
    let debug = resolved.pods.iter().find(|p| p.pod == "debug").unwrap();
    assert!(
        !debug
            .labels
            .keys()
            .any(|k| k.starts_with("linkerd.io/proxy-")),
        "a bare pod has no workload: {:?}",
        debug.labels
    );
    for pod in &resolved.pods {
        let sim = env
            .sim
            .pods()
            .iter()
            .find(|p| p.namespace == pod.namespace && p.name == pod.pod)
            .unwrap();
        assert_eq!(pod.pod_ip.as_deref(), Some(sim.ip.as_str()), "{}", pod.pod);
    }
}
