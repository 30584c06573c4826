//! The API calls behind target resolution: one pod list per namespace (or one for all), the named
//! or listed workloads for their UIDs, and ReplicaSets/Jobs only when pods are owned by them.

use std::collections::BTreeSet;
use std::fmt::Debug;

use futures::future::{join, try_join, try_join_all};
use k8s_openapi::NamespaceResourceScope;
use k8s_openapi::api::apps::v1::{DaemonSet, Deployment, ReplicaSet, StatefulSet};
use k8s_openapi::api::batch::v1::{CronJob, Job};
use k8s_openapi::api::core::v1::{Pod, ReplicationController};
use kube::api::{Api, ListParams};
use kube::{Client, Resource, ResourceExt};
use serde::de::DeserializeOwned;

use super::{
    NoMeshedPods, PodMatcher, Resolved, ResourceKind, Scope, Selection, TargetError, TargetSpec,
    select_pods,
};

/// Where objects are listed: one namespace per entry, or every namespace.
#[derive(Debug, Clone, PartialEq, Eq)]
enum ListScope {
    All,
    Namespaces(BTreeSet<String>),
}

/// How one target becomes a pod matcher.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Lookup {
    /// Every pod listed (no target, or `po`, with `-A`).
    Everything,
    /// Every pod in a namespace.
    Namespace(String),
    /// A named pod, which must be among the listed pods.
    NamedPod { namespace: String, name: String },
    /// Workloads whose UIDs must be fetched: one by name, or all of a kind.
    Workloads {
        kind: WorkloadType,
        namespace: Option<String>,
        name: Option<String>,
    },
}

/// The target types that own pods, whose UIDs are fetched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum WorkloadType {
    Deployment,
    StatefulSet,
    DaemonSet,
    ReplicaSet,
    ReplicationController,
    Job,
    CronJob,
}

impl WorkloadType {
    fn of(kind: ResourceKind) -> Option<WorkloadType> {
        Some(match kind {
            ResourceKind::Deployment => WorkloadType::Deployment,
            ResourceKind::StatefulSet => WorkloadType::StatefulSet,
            ResourceKind::DaemonSet => WorkloadType::DaemonSet,
            ResourceKind::ReplicaSet => WorkloadType::ReplicaSet,
            ResourceKind::ReplicationController => WorkloadType::ReplicationController,
            ResourceKind::Job => WorkloadType::Job,
            ResourceKind::CronJob => WorkloadType::CronJob,
            ResourceKind::Pod | ResourceKind::Namespace => return None,
        })
    }
}

/// Resolves the selection to the meshed pods to scrape (spec §3).
///
/// Errors: a usage problem (`-A` with a named target), a named object that does not exist, an API
/// failure, or no meshed pod left ([`TargetError::NoMeshedPods`], which carries the skipped pods).
pub async fn resolve(client: &Client, selection: &Selection) -> Result<Resolved, TargetError> {
    let lookups = plan(selection)?;
    let scope = pod_scope(&lookups);
    // Both finish before either error is looked at, so a failure common to all calls (an
    // untrusted server, a bad token) is always reported as the pod list's.
    let (pods, matchers) = join(
        list_in::<Pod>(client, ResourceKind::Pod, &scope),
        try_join_all(lookups.iter().map(|l| matcher_for(client, l))),
    )
    .await;
    let (pods, matchers) = (pods?, matchers?);
    for lookup in &lookups {
        if let Lookup::NamedPod { namespace, name } = lookup {
            let listed = pods.iter().any(|p| {
                p.metadata.name.as_ref() == Some(name)
                    && p.metadata.namespace.as_ref() == Some(namespace)
            });
            if !listed {
                return Err(TargetError::NotFound {
                    resource: ResourceKind::Pod.qualified_plural(),
                    name: name.clone(),
                    namespace: namespace.clone(),
                });
            }
        }
    }
    let owned_by = |kind: ResourceKind| {
        pods.iter().any(|p| {
            p.metadata
                .owner_references
                .iter()
                .flatten()
                .any(|o| o.kind == kind.object_kind())
        })
    };
    let (replica_sets, jobs) = try_join(
        list_if::<ReplicaSet>(
            client,
            ResourceKind::ReplicaSet,
            &scope,
            owned_by(ResourceKind::ReplicaSet),
        ),
        list_if::<Job>(
            client,
            ResourceKind::Job,
            &scope,
            owned_by(ResourceKind::Job),
        ),
    )
    .await?;
    let selected = select_pods(
        &pods,
        &replica_sets,
        &jobs,
        &matchers,
        selection.selector.as_ref(),
    );
    if selected.pods.is_empty() {
        return Err(TargetError::NoMeshedPods(NoMeshedPods {
            namespaces: match scope {
                ListScope::All => Vec::new(),
                ListScope::Namespaces(set) => set.into_iter().collect(),
            },
            targets: selection.targets.clone(),
            selector: selection.selector.as_ref().map(ToString::to_string),
            skipped: selected.skipped,
        }));
    }
    Ok(Resolved {
        pods: selected.pods,
        skipped: selected.skipped,
    })
}

/// Turns each target into a lookup; no targets means every pod in the scope.
fn plan(selection: &Selection) -> Result<Vec<Lookup>, TargetError> {
    let scope_ns = match &selection.scope {
        Scope::Namespace(ns) => Some(ns.clone()),
        Scope::AllNamespaces => None,
    };
    let everything = || match &scope_ns {
        Some(ns) => Lookup::Namespace(ns.clone()),
        None => Lookup::Everything,
    };
    if selection.targets.is_empty() {
        return Ok(vec![everything()]);
    }
    let mut lookups = Vec::new();
    for target in &selection.targets {
        let lookup = match target {
            TargetSpec::Namespace(ns)
            | TargetSpec::Named {
                kind: ResourceKind::Namespace,
                name: ns,
            } => Lookup::Namespace(ns.clone()),
            TargetSpec::Kind(kind) => match (WorkloadType::of(*kind), kind) {
                (Some(workload), _) => Lookup::Workloads {
                    kind: workload,
                    namespace: scope_ns.clone(),
                    name: None,
                },
                (None, ResourceKind::Pod) => everything(),
                (None, _) => return Err(TargetError::NamespaceWithoutName),
            },
            TargetSpec::Named { kind, name } => {
                let namespace = scope_ns
                    .clone()
                    .ok_or_else(|| TargetError::NamedWithAllNamespaces(target.clone()))?;
                match WorkloadType::of(*kind) {
                    Some(workload) => Lookup::Workloads {
                        kind: workload,
                        namespace: Some(namespace),
                        name: Some(name.clone()),
                    },
                    None => Lookup::NamedPod {
                        namespace,
                        name: name.clone(),
                    },
                }
            }
        };
        if !lookups.contains(&lookup) {
            lookups.push(lookup);
        }
    }
    Ok(lookups)
}

/// The namespaces whose pods must be listed: every namespace as soon as one lookup needs it.
fn pod_scope(lookups: &[Lookup]) -> ListScope {
    let mut namespaces = BTreeSet::new();
    for lookup in lookups {
        let ns = match lookup {
            Lookup::Everything => None,
            Lookup::Namespace(ns) | Lookup::NamedPod { namespace: ns, .. } => Some(ns),
            Lookup::Workloads { namespace, .. } => namespace.as_ref(),
        };
        match ns {
            Some(ns) => namespaces.insert(ns.clone()),
            None => return ListScope::All,
        };
    }
    ListScope::Namespaces(namespaces)
}

async fn matcher_for(client: &Client, lookup: &Lookup) -> Result<PodMatcher, TargetError> {
    match lookup {
        Lookup::Everything => Ok(PodMatcher::Any),
        Lookup::Namespace(ns) => Ok(PodMatcher::Namespace(ns.clone())),
        Lookup::NamedPod { namespace, name } => Ok(PodMatcher::Pod {
            namespace: namespace.clone(),
            name: name.clone(),
        }),
        Lookup::Workloads {
            kind,
            namespace,
            name,
        } => {
            let (ns, name) = (namespace.as_deref(), name.as_deref());
            let uids = match kind {
                WorkloadType::Deployment => {
                    uids::<Deployment>(client, ResourceKind::Deployment, ns, name).await
                }
                WorkloadType::StatefulSet => {
                    uids::<StatefulSet>(client, ResourceKind::StatefulSet, ns, name).await
                }
                WorkloadType::DaemonSet => {
                    uids::<DaemonSet>(client, ResourceKind::DaemonSet, ns, name).await
                }
                WorkloadType::ReplicaSet => {
                    uids::<ReplicaSet>(client, ResourceKind::ReplicaSet, ns, name).await
                }
                WorkloadType::ReplicationController => {
                    let kind = ResourceKind::ReplicationController;
                    uids::<ReplicationController>(client, kind, ns, name).await
                }
                WorkloadType::Job => uids::<Job>(client, ResourceKind::Job, ns, name).await,
                WorkloadType::CronJob => {
                    uids::<CronJob>(client, ResourceKind::CronJob, ns, name).await
                }
            }?;
            Ok(PodMatcher::OwnedBy(uids))
        }
    }
}

/// The UIDs of one named object (404 → [`TargetError::NotFound`]) or of every object of the kind.
async fn uids<K>(
    client: &Client,
    kind: ResourceKind,
    namespace: Option<&str>,
    name: Option<&str>,
) -> Result<BTreeSet<String>, TargetError>
where
    K: Resource<Scope = NamespaceResourceScope, DynamicType = ()>
        + Clone
        + DeserializeOwned
        + Debug,
{
    let Some(name) = name else {
        let scope = namespace.map_or(ListScope::All, |ns| {
            ListScope::Namespaces(BTreeSet::from([ns.to_string()]))
        });
        let objects = list_in::<K>(client, kind, &scope).await?;
        return Ok(objects
            .iter()
            .filter_map(|o| o.meta().uid.clone())
            .collect());
    };
    let namespace = namespace.unwrap_or_default();
    let api: Api<K> = Api::namespaced(client.clone(), namespace);
    let object = api
        .get_opt(name)
        .await
        .map_err(|e| api_error("get", kind, Some(namespace), e))?
        .ok_or_else(|| TargetError::NotFound {
            resource: kind.qualified_plural(),
            name: name.to_string(),
            namespace: namespace.to_string(),
        })?;
    Ok(object.uid().into_iter().collect())
}

async fn list_if<K>(
    client: &Client,
    kind: ResourceKind,
    scope: &ListScope,
    needed: bool,
) -> Result<Vec<K>, TargetError>
where
    K: Resource<Scope = NamespaceResourceScope, DynamicType = ()>
        + Clone
        + DeserializeOwned
        + Debug,
{
    if needed {
        list_in(client, kind, scope).await
    } else {
        Ok(Vec::new())
    }
}

/// Lists every object of the kind in the scope: one call per namespace, or one for all.
async fn list_in<K>(
    client: &Client,
    kind: ResourceKind,
    scope: &ListScope,
) -> Result<Vec<K>, TargetError>
where
    K: Resource<Scope = NamespaceResourceScope, DynamicType = ()>
        + Clone
        + DeserializeOwned
        + Debug,
{
    let params = ListParams::default();
    match scope {
        ListScope::All => Api::<K>::all(client.clone())
            .list(&params)
            .await
            .map(|list| list.items)
            .map_err(|e| api_error("list", kind, None, e)),
        ListScope::Namespaces(namespaces) => {
            let lists = try_join_all(namespaces.iter().map(|ns| {
                let api = Api::<K>::namespaced(client.clone(), ns);
                let params = &params;
                async move {
                    api.list(params)
                        .await
                        .map(|list| list.items)
                        .map_err(|e| api_error("list", kind, Some(ns), e))
                }
            }))
            .await?;
            Ok(lists.into_iter().flatten().collect())
        }
    }
}

fn api_error(
    verb: &'static str,
    kind: ResourceKind,
    namespace: Option<&str>,
    source: kube::Error,
) -> TargetError {
    TargetError::Api {
        verb,
        resource: kind.qualified_plural(),
        scope: match namespace {
            Some(ns) => format!("in namespace \"{ns}\""),
            None => "in any namespace".to_string(),
        },
        source: Box::new(source),
    }
}
