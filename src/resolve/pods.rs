//! Pure pod selection: which listed pods a target means (by owner UID), which are meshed and
//! running, their admin port and workload. Data in, data out; the API calls live in `fetch`.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;

use k8s_openapi::api::apps::v1::ReplicaSet;
use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::{Container, Pod};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, OwnerReference};

use super::kind::ResourceKind;
use super::label_selector::LabelSelector;
use super::{PodTarget, Workload};

/// The annotation with which Linkerd's injector records a non-default admin port.
pub const ADMIN_PORT_ANNOTATION: &str = "config.linkerd.io/admin-port";

/// The proxy container's name when Linkerd injects it.
pub const PROXY_CONTAINER: &str = "linkerd-proxy";

/// Which listed pods one target asks for, once the UIDs of its workloads are known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PodMatcher {
    /// Every listed pod.
    Any,
    /// Every pod in the namespace.
    Namespace(String),
    /// Pods owned by an object with one of these UIDs, directly (StatefulSet, DaemonSet, ReplicaSet,
    /// ReplicationController, Job) or through a ReplicaSet or Job (Deployment, CronJob).
    OwnedBy(BTreeSet<String>),
    /// One pod, by name.
    Pod {
        /// The pod's namespace.
        namespace: String,
        /// The pod's name.
        name: String,
    },
}

/// Why a selected pod will not be scraped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SkipReason {
    /// No container has a port named `*linkerd-admin`.
    NotMeshed,
    /// The pod's phase is not `Running` (the phase is given, `Unknown` when absent).
    NotRunning(String),
}

impl fmt::Display for SkipReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SkipReason::NotMeshed => f.write_str("not meshed (no linkerd-admin port)"),
            SkipReason::NotRunning(phase) => write!(f, "not running (phase {phase})"),
        }
    }
}

/// A pod a target selected but that is left out, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    /// The pod's namespace.
    pub namespace: String,
    /// The pod's name.
    pub pod: String,
    /// Why it is skipped.
    pub reason: SkipReason,
}

impl fmt::Display for Skipped {
    /// One stderr line: `skipping pod emojivoto/vote-bot-5b7d: not meshed (no linkerd-admin port)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "skipping pod {}/{}: {}",
            self.namespace, self.pod, self.reason
        )
    }
}

/// The outcome of selection: pods to scrape and pods skipped, each sorted by (namespace, pod).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Selected {
    /// Meshed, running pods, deduplicated.
    pub pods: Vec<PodTarget>,
    /// Pods the targets matched that are not meshed or not running.
    pub skipped: Vec<Skipped>,
}

/// Selects, from the listed pods, those any matcher asks for and the selector accepts; splits them
/// into scrape targets and skipped pods. `replica_sets` and `jobs` resolve second-level owners
/// (Deployment, CronJob) and workload names; pods appearing twice are kept once.
pub fn select_pods(
    pods: &[Pod],
    replica_sets: &[ReplicaSet],
    jobs: &[Job],
    matchers: &[PodMatcher],
    selector: Option<&LabelSelector>,
) -> Selected {
    let owners = Owners::new(replica_sets, jobs);
    let mut chosen: BTreeMap<(String, String), Result<PodTarget, SkipReason>> = BTreeMap::new();
    for pod in pods {
        let meta = &pod.metadata;
        let (Some(namespace), Some(name)) = (&meta.namespace, &meta.name) else {
            continue;
        };
        let key = (namespace.clone(), name.clone());
        if chosen.contains_key(&key)
            || !selector.is_none_or(|s| s.matches(meta.labels.as_ref()))
            || !matchers.iter().any(|m| owners.pod_matches(pod, m))
        {
            continue;
        }
        chosen.insert(key, scrape_target(pod, &owners));
    }
    let mut selected = Selected::default();
    for ((namespace, pod), outcome) in chosen {
        match outcome {
            Ok(target) => selected.pods.push(target),
            Err(reason) => selected.skipped.push(Skipped {
                namespace,
                pod,
                reason,
            }),
        }
    }
    selected
}

/// The proxy container and its admin port, if the pod is meshed: the first container (regular
/// ones, then init containers, where native sidecars live) with a port named `*linkerd-admin`.
/// A `linkerd-proxy` container without such a port falls back to `config.linkerd.io/admin-port`.
pub fn proxy_admin_port(pod: &Pod) -> Option<(String, u16)> {
    let spec = pod.spec.as_ref()?;
    let containers = || {
        spec.containers
            .iter()
            .chain(spec.init_containers.iter().flatten())
    };
    let named_port = |c: &Container| {
        c.ports.iter().flatten().find_map(|p| {
            let named = p
                .name
                .as_deref()
                .is_some_and(|n| n.ends_with("linkerd-admin"));
            named
                .then(|| u16::try_from(p.container_port).ok())
                .flatten()
        })
    };
    if let Some(found) = containers().find_map(|c| named_port(c).map(|port| (c.name.clone(), port)))
    {
        return Some(found);
    }
    let annotated = pod
        .metadata
        .annotations
        .as_ref()?
        .get(ADMIN_PORT_ANNOTATION)?
        .trim()
        .parse::<u16>()
        .ok()?;
    containers()
        .find(|c| c.name == PROXY_CONTAINER)
        .map(|c| (c.name.clone(), annotated))
}

fn scrape_target(pod: &Pod, owners: &Owners<'_>) -> Result<PodTarget, SkipReason> {
    let (container, admin_port) = proxy_admin_port(pod).ok_or(SkipReason::NotMeshed)?;
    let phase = pod.status.as_ref().and_then(|s| s.phase.as_deref());
    if phase != Some("Running") {
        return Err(SkipReason::NotRunning(
            phase.unwrap_or("Unknown").to_string(),
        ));
    }
    let meta = &pod.metadata;
    Ok(PodTarget {
        namespace: meta.namespace.clone().unwrap_or_default(),
        pod: meta.name.clone().unwrap_or_default(),
        uid: meta.uid.clone().unwrap_or_default(),
        container,
        admin_port,
        workload: owners.workload(meta),
        pod_ip: pod.status.as_ref().and_then(|s| s.pod_ip.clone()),
        labels: meta.labels.clone().unwrap_or_default(),
    })
}

/// The owner reference with `controller: true`, else the first one.
fn controller_of(meta: &ObjectMeta) -> Option<&OwnerReference> {
    let refs = meta.owner_references.as_deref()?;
    refs.iter()
        .find(|r| r.controller == Some(true))
        .or_else(|| refs.first())
}

/// ReplicaSets and Jobs by UID, for the second step of owner walks.
struct Owners<'a> {
    by_uid: HashMap<&'a str, &'a ObjectMeta>,
}

impl<'a> Owners<'a> {
    fn new(replica_sets: &'a [ReplicaSet], jobs: &'a [Job]) -> Self {
        let metas = replica_sets
            .iter()
            .map(|r| &r.metadata)
            .chain(jobs.iter().map(|j| &j.metadata));
        let by_uid = metas
            .filter_map(|m| m.uid.as_deref().map(|uid| (uid, m)))
            .collect();
        Owners { by_uid }
    }

    fn pod_matches(&self, pod: &Pod, matcher: &PodMatcher) -> bool {
        let meta = &pod.metadata;
        match matcher {
            PodMatcher::Any => true,
            PodMatcher::Namespace(ns) => meta.namespace.as_ref() == Some(ns),
            PodMatcher::Pod { namespace, name } => {
                meta.namespace.as_ref() == Some(namespace) && meta.name.as_ref() == Some(name)
            }
            PodMatcher::OwnedBy(uids) => self.owner_uids(meta).any(|uid| uids.contains(uid)),
        }
    }

    /// UIDs of the pod's owners and of their owners (a ReplicaSet's Deployment, a Job's CronJob).
    fn owner_uids<'m>(&'m self, meta: &'m ObjectMeta) -> impl Iterator<Item = &'m str> + 'm {
        meta.owner_references
            .iter()
            .flatten()
            .flat_map(move |owner| {
                let grand = self
                    .by_uid
                    .get(owner.uid.as_str())
                    .and_then(|m| m.owner_references.as_deref())
                    .unwrap_or_default();
                std::iter::once(owner.uid.as_str()).chain(grand.iter().map(|g| g.uid.as_str()))
            })
    }

    /// The top-level workload, as Linkerd's injector names it: a ReplicaSet's Deployment, a Job's
    /// CronJob, else the controller itself; `None` for bare pods and unknown owner kinds.
    fn workload(&self, meta: &ObjectMeta) -> Option<Workload> {
        let owner = controller_of(meta)?;
        let kind = ResourceKind::from_object_kind(&owner.kind)?;
        let parent_kind = match kind {
            ResourceKind::ReplicaSet => Some(ResourceKind::Deployment),
            ResourceKind::Job => Some(ResourceKind::CronJob),
            ResourceKind::StatefulSet
            | ResourceKind::DaemonSet
            | ResourceKind::ReplicationController => None,
            ResourceKind::Pod
            | ResourceKind::Deployment
            | ResourceKind::CronJob
            | ResourceKind::Namespace => return None,
        };
        let parent = parent_kind.and_then(|parent_kind| {
            let owner_meta = self.by_uid.get(owner.uid.as_str())?;
            let grand = controller_of(owner_meta)?;
            (grand.kind == parent_kind.object_kind()).then(|| Workload {
                kind: parent_kind.singular(),
                name: grand.name.clone(),
            })
        });
        Some(parent.unwrap_or_else(|| Workload {
            kind: kind.singular(),
            name: owner.name.clone(),
        }))
    }
}
