//! Target resolution (spec §3): TYPE/NAME, ns/NAME, selectors → the meshed pods behind them, by owner UID.
//!
//! `kind` names resource types, `label_selector` parses `-l`, `pods` is the pure owner walk and mesh
//! check over listed objects, `fetch` makes the API calls.

mod fetch;
mod kind;
mod label_selector;
mod labels;
mod pods;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use crate::cluster::describe_kube_error;

pub use fetch::resolve;
pub use kind::{ACCEPTED_TYPES, ResourceKind};
pub use label_selector::{LabelSelector, SelectorError};
pub use labels::{LabelSource, PROXY_JOB, TargetLabelSet, target_labels};
pub use pods::{
    ADMIN_PORT_ANNOTATION, PROXY_CONTAINER, PodMatcher, Selected, SkipReason, Skipped,
    proxy_admin_port, select_pods,
};

/// The workload a pod belongs to, named the way Linkerd's Prometheus labels it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Workload {
    /// The workload's kind, lower-case singular: `deployment`, `statefulset`, `daemonset`,
    /// `replicaset` (not owned by a Deployment), `replicationcontroller`, `job` (not owned by a
    /// CronJob) or `cronjob`. Bare pods have no workload.
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
    /// The pod's IP (`status.podIP`), if it has one.
    pub pod_ip: Option<String>,
    /// The pod's labels.
    pub labels: BTreeMap<String, String>,
}

impl PodTarget {
    /// The labels added to every sample scraped from this pod (spec §4a, see [`target_labels`]).
    pub fn target_labels(&self, set: TargetLabelSet) -> Vec<(String, String)> {
        target_labels(
            LabelSource {
                namespace: &self.namespace,
                pod: &self.pod,
                pod_ip: self.pod_ip.as_deref(),
                admin_port: self.admin_port,
                pod_labels: &self.labels,
                owner_workload: self.workload.as_ref().map(|w| (w.kind, w.name.as_str())),
            },
            set,
        )
    }
}

/// One target as typed on the command line.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TargetSpec {
    /// `TYPE/NAME` (`deploy/web`, `po/web-abc`): one object in the namespace.
    Named {
        /// The object's type (never `Namespace`; `ns/NAME` is [`TargetSpec::Namespace`]).
        kind: ResourceKind,
        /// The object's name.
        name: String,
    },
    /// `TYPE` alone (`deploy`): every object of that type in the namespace (or every namespace).
    Kind(ResourceKind),
    /// `ns/NAME`: every meshed pod in that namespace.
    Namespace(String),
}

impl fmt::Display for TargetSpec {
    /// Writes the target in short form: `deploy/web`, `deploy`, `ns/emojivoto`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TargetSpec::Named { kind, name } => write!(f, "{kind}/{name}"),
            TargetSpec::Kind(kind) => write!(f, "{kind}"),
            TargetSpec::Namespace(ns) => write!(f, "ns/{ns}"),
        }
    }
}

impl FromStr for TargetSpec {
    type Err = TargetError;

    /// Parses `TYPE/NAME`, `TYPE` or `ns/NAME`.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let (type_text, name) = match text.split_once('/') {
            Some((t, n)) => (t, Some(n)),
            None => (text, None),
        };
        let kind = ResourceKind::parse(type_text)
            .ok_or_else(|| TargetError::UnknownType(type_text.to_string()))?;
        match (kind, name) {
            (_, Some(name)) if name.is_empty() || name.contains('/') => {
                Err(TargetError::InvalidTarget(text.to_string()))
            }
            (ResourceKind::Namespace, None) => Err(TargetError::NamespaceWithoutName),
            (ResourceKind::Namespace, Some(name)) => Ok(TargetSpec::Namespace(name.to_string())),
            (kind, Some(name)) => Ok(TargetSpec::Named {
                kind,
                name: name.to_string(),
            }),
            (kind, None) => Ok(TargetSpec::Kind(kind)),
        }
    }
}

/// Parses the positional targets, also accepting kubectl's `TYPE NAME...` form (`deploy web emoji`)
/// when the first word is a bare type and no word has a `/`.
pub fn parse_targets<S: AsRef<str>>(args: &[S]) -> Result<Vec<TargetSpec>, TargetError> {
    let words: Vec<&str> = args.iter().map(AsRef::as_ref).collect();
    if let [first, names @ ..] = words.as_slice()
        && !names.is_empty()
        && !words.iter().any(|w| w.contains('/'))
        && ResourceKind::parse(first).is_some()
    {
        return names
            .iter()
            .map(|name| format!("{first}/{name}").parse())
            .collect();
    }
    words.iter().map(|w| w.parse()).collect()
}

/// Where targets are looked up: `-n NS` (or the context's namespace), or `-A`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// One namespace.
    Namespace(String),
    /// Every namespace (`-A`).
    AllNamespaces,
}

impl Scope {
    /// The scope the flags ask for: `-A` wins, then `-n`, then the context's default namespace.
    pub fn from_flags(namespace: Option<&str>, all_namespaces: bool, default: &str) -> Scope {
        match (all_namespaces, namespace) {
            (true, _) => Scope::AllNamespaces,
            (false, Some(ns)) => Scope::Namespace(ns.to_string()),
            (false, None) => Scope::Namespace(default.to_string()),
        }
    }
}

/// Everything that decides which pods are scraped.
#[derive(Debug, Clone)]
pub struct Selection {
    /// The targets; empty means every meshed pod in the scope.
    pub targets: Vec<TargetSpec>,
    /// `-n` / `-A`.
    pub scope: Scope,
    /// `-l`, applied to pods.
    pub selector: Option<LabelSelector>,
}

/// The pods to scrape, and the pods skipped on the way (to be reported on stderr).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Resolved {
    /// Meshed, running pods, deduplicated and sorted by (namespace, pod); never empty.
    pub pods: Vec<PodTarget>,
    /// Pods the targets matched that are not meshed or not running, sorted by (namespace, pod).
    pub skipped: Vec<Skipped>,
}

/// Why targets could not be resolved to pods.
#[derive(Debug, thiserror::Error)]
pub enum TargetError {
    /// The TYPE part is not a resource type we know.
    #[error("unknown resource type \"{0}\": use one of {ACCEPTED_TYPES}")]
    UnknownType(String),
    /// A target that is not `TYPE`, `TYPE/NAME` or `ns/NAME`.
    #[error("invalid target \"{0}\": expected TYPE, TYPE/NAME or ns/NAME")]
    InvalidTarget(String),
    /// `ns` alone.
    #[error("\"ns\" needs a name (ns/NAME); use -A for every namespace")]
    NamespaceWithoutName,
    /// `TYPE/NAME` together with `-A`, which kubectl refuses too.
    #[error("{0} names one object, which needs a namespace: use -n instead of -A")]
    NamedWithAllNamespaces(TargetSpec),
    /// `-l` did not parse.
    #[error(transparent)]
    Selector(#[from] SelectorError),
    /// A named object does not exist: `deployments.apps "web" not found in namespace "emojivoto"`.
    #[error("{resource} \"{name}\" not found in namespace \"{namespace}\"")]
    NotFound {
        /// The resource, as kubectl names it (`deployments.apps`).
        resource: String,
        /// The object's name.
        name: String,
        /// The namespace searched.
        namespace: String,
    },
    /// An API call failed (forbidden, unreachable, ...).
    #[error("cannot {verb} {resource} {scope}: {}", describe_kube_error(source))]
    Api {
        /// `get` or `list`.
        verb: &'static str,
        /// The resource (`pods`, `deployments.apps`).
        resource: String,
        /// `in namespace "x"` or `in any namespace`.
        scope: String,
        /// The API server's answer or the connection error (shown as
        /// [`describe_kube_error`] words it; boxed to keep the error small).
        #[source]
        source: Box<kube::Error>,
    },
    /// Nothing is left to scrape.
    #[error("{0}")]
    NoMeshedPods(NoMeshedPods),
}

/// The context of a "no meshed pods" error: where we looked, for what, with which selector.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoMeshedPods {
    /// The namespaces listed; empty means every namespace.
    pub namespaces: Vec<String>,
    /// The targets asked for; empty means every pod.
    pub targets: Vec<TargetSpec>,
    /// The `-l` selector, if any.
    pub selector: Option<String>,
    /// The pods that matched but are not meshed or not running, to report before the error.
    pub skipped: Vec<Skipped>,
}

impl fmt::Display for NoMeshedPods {
    /// `no meshed pods found in namespace "emojivoto" for deploy/web (selector "app=x")`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("no meshed pods found ")?;
        f.write_str(&describe_namespaces(&self.namespaces))?;
        if !self.targets.is_empty() {
            let targets: Vec<String> = self.targets.iter().map(ToString::to_string).collect();
            write!(f, " for {}", targets.join(", "))?;
        }
        if let Some(selector) = &self.selector {
            write!(f, " (selector \"{selector}\")")?;
        }
        Ok(())
    }
}

/// `in namespace "a"`, `in namespaces "a", "b"`, or `in any namespace` for an empty list.
fn describe_namespaces(namespaces: &[String]) -> String {
    let quoted: Vec<String> = namespaces.iter().map(|n| format!("\"{n}\"")).collect();
    match quoted.as_slice() {
        [] => "in any namespace".to_string(),
        [one] => format!("in namespace {one}"),
        many => format!("in namespaces {}", many.join(", ")),
    }
}
