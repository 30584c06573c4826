//! Dynamic completion: the names only the cluster (namespaces, workloads, pods) or the kubeconfig
//! (contexts, clusters, users) knows.

use std::collections::BTreeSet;
use std::fmt::Debug;

use k8s_openapi::NamespaceResourceScope;
use k8s_openapi::api::apps::v1::{DaemonSet, Deployment, ReplicaSet, StatefulSet};
use k8s_openapi::api::batch::v1::{CronJob, Job};
use k8s_openapi::api::core::v1::{Namespace, Pod, ReplicationController};
use kube::api::{Api, ListParams};
use kube::config::Kubeconfig;
use serde::de::DeserializeOwned;

use super::{ClusterScope, LookupKind};
use crate::cluster::Cluster;
use crate::resolve::ResourceKind;

/// The names of the objects `kind` lists, sorted and without duplicates: every namespace, or the
/// workloads / pods of the scope's namespace (`-n`, else the context's), or of every namespace
/// with `-A`. Only object metadata is fetched.
///
/// Kubeconfig names need no cluster: see [`kubeconfig_names`].
pub async fn cluster_names(
    cluster: &Cluster,
    kind: &LookupKind,
    scope: &ClusterScope,
) -> Result<Vec<String>, kube::Error> {
    let names = match kind {
        LookupKind::Namespaces => {
            let api: Api<Namespace> = Api::all(cluster.client.clone());
            names_in(api).await?
        }
        LookupKind::Objects(kind) => object_names(cluster, *kind, scope).await?,
        LookupKind::Contexts | LookupKind::Clusters | LookupKind::Users => Vec::new(),
    };
    Ok(names
        .into_iter()
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect())
}

async fn object_names(
    cluster: &Cluster,
    kind: ResourceKind,
    scope: &ClusterScope,
) -> Result<Vec<String>, kube::Error> {
    match kind {
        ResourceKind::Pod => namespaced::<Pod>(cluster, scope).await,
        ResourceKind::Deployment => namespaced::<Deployment>(cluster, scope).await,
        ResourceKind::StatefulSet => namespaced::<StatefulSet>(cluster, scope).await,
        ResourceKind::DaemonSet => namespaced::<DaemonSet>(cluster, scope).await,
        ResourceKind::ReplicaSet => namespaced::<ReplicaSet>(cluster, scope).await,
        ResourceKind::ReplicationController => {
            namespaced::<ReplicationController>(cluster, scope).await
        }
        ResourceKind::Job => namespaced::<Job>(cluster, scope).await,
        ResourceKind::CronJob => namespaced::<CronJob>(cluster, scope).await,
        ResourceKind::Namespace => names_in(Api::<Namespace>::all(cluster.client.clone())).await,
    }
}

async fn namespaced<K>(cluster: &Cluster, scope: &ClusterScope) -> Result<Vec<String>, kube::Error>
where
    K: kube::Resource<Scope = NamespaceResourceScope, DynamicType = ()>
        + Clone
        + DeserializeOwned
        + Debug,
{
    let client = cluster.client.clone();
    let api: Api<K> = if scope.all_namespaces {
        Api::all(client)
    } else {
        let namespace = scope.namespace.as_deref();
        Api::namespaced(client, namespace.unwrap_or(&cluster.default_namespace))
    };
    names_in(api).await
}

async fn names_in<K>(api: Api<K>) -> Result<Vec<String>, kube::Error>
where
    K: kube::Resource + Clone + DeserializeOwned + Debug,
{
    let list = api.list_metadata(&ListParams::default()).await?;
    Ok(list
        .items
        .into_iter()
        .filter_map(|object| object.metadata.name)
        .collect())
}

/// The context, cluster or user names (as `kind` says) of the kubeconfig the scope points at
/// (`--kubeconfig`, else `KUBECONFIG`, else `~/.kube/config`), sorted; none when it cannot be read.
pub fn kubeconfig_names(kind: &LookupKind, scope: &ClusterScope) -> Vec<String> {
    let kubeconfig = match &scope.kubeconfig {
        Some(path) => Kubeconfig::read_from(path),
        None => Kubeconfig::read(),
    };
    let Ok(kubeconfig) = kubeconfig else {
        return Vec::new();
    };
    let mut names: Vec<String> = match kind {
        LookupKind::Contexts => kubeconfig.contexts.into_iter().map(|c| c.name).collect(),
        LookupKind::Clusters => kubeconfig.clusters.into_iter().map(|c| c.name).collect(),
        LookupKind::Users => kubeconfig.auth_infos.into_iter().map(|u| u.name).collect(),
        LookupKind::Namespaces | LookupKind::Objects(_) => Vec::new(),
    };
    names.sort();
    names.dedup();
    names
}
