//! Resource types a target may name, and the spellings kubectl accepts for them.

use std::fmt;

/// A Kubernetes resource type usable in a target (`deploy/web`, `sts`, `ns/emojivoto`, ...).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ResourceKind {
    /// `po`, `pod`, `pods`.
    Pod,
    /// `deploy`, `deployment`, `deployments`, with or without `.apps`.
    Deployment,
    /// `sts`, `statefulset`, `statefulsets`, with or without `.apps`.
    StatefulSet,
    /// `ds`, `daemonset`, `daemonsets`, with or without `.apps`.
    DaemonSet,
    /// `rs`, `replicaset`, `replicasets`, with or without `.apps`.
    ReplicaSet,
    /// `rc`, `replicationcontroller`, `replicationcontrollers`.
    ReplicationController,
    /// `job`, `jobs`, with or without `.batch`.
    Job,
    /// `cj`, `cronjob`, `cronjobs`, with or without `.batch`.
    CronJob,
    /// `ns`, `namespace`, `namespaces`.
    Namespace,
}

/// The types a target accepts, as listed in usage errors.
pub const ACCEPTED_TYPES: &str = "po (pod), deploy (deployment), sts (statefulset), ds (daemonset), \
rs (replicaset), rc (replicationcontroller), job, cj (cronjob), ns (namespace); \
short, singular, plural and TYPE.GROUP forms all work";

impl ResourceKind {
    /// Every kind, in the order usage text lists them.
    pub const ALL: [ResourceKind; 9] = [
        ResourceKind::Pod,
        ResourceKind::Deployment,
        ResourceKind::StatefulSet,
        ResourceKind::DaemonSet,
        ResourceKind::ReplicaSet,
        ResourceKind::ReplicationController,
        ResourceKind::Job,
        ResourceKind::CronJob,
        ResourceKind::Namespace,
    ];

    /// Parses any spelling kubectl accepts: short (`deploy`), singular, plural, and the
    /// `plural.group` / `singular.group` forms (`deployments.apps`). Case-insensitive.
    pub fn parse(text: &str) -> Option<ResourceKind> {
        let lower = text.to_ascii_lowercase();
        let (name, group) = match lower.split_once('.') {
            Some((name, group)) => (name, Some(group)),
            None => (lower.as_str(), None),
        };
        Self::ALL.into_iter().find(|kind| {
            let group_ok = match group {
                None => true,
                Some(g) => !kind.group().is_empty() && g == kind.group(),
            };
            group_ok
                && (name == kind.short_name() || name == kind.singular() || name == kind.plural())
        })
    }

    /// kubectl's short name: `po`, `deploy`, `sts`, `ds`, `rs`, `rc`, `job`, `cj`, `ns`.
    pub fn short_name(self) -> &'static str {
        match self {
            ResourceKind::Pod => "po",
            ResourceKind::Deployment => "deploy",
            ResourceKind::StatefulSet => "sts",
            ResourceKind::DaemonSet => "ds",
            ResourceKind::ReplicaSet => "rs",
            ResourceKind::ReplicationController => "rc",
            ResourceKind::Job => "job",
            ResourceKind::CronJob => "cj",
            ResourceKind::Namespace => "ns",
        }
    }

    /// The lower-case singular name, which is also the workload label Linkerd uses for the kind.
    pub fn singular(self) -> &'static str {
        match self {
            ResourceKind::Pod => "pod",
            ResourceKind::Deployment => "deployment",
            ResourceKind::StatefulSet => "statefulset",
            ResourceKind::DaemonSet => "daemonset",
            ResourceKind::ReplicaSet => "replicaset",
            ResourceKind::ReplicationController => "replicationcontroller",
            ResourceKind::Job => "job",
            ResourceKind::CronJob => "cronjob",
            ResourceKind::Namespace => "namespace",
        }
    }

    /// The plural resource name used in API paths.
    pub fn plural(self) -> &'static str {
        match self {
            ResourceKind::Pod => "pods",
            ResourceKind::Deployment => "deployments",
            ResourceKind::StatefulSet => "statefulsets",
            ResourceKind::DaemonSet => "daemonsets",
            ResourceKind::ReplicaSet => "replicasets",
            ResourceKind::ReplicationController => "replicationcontrollers",
            ResourceKind::Job => "jobs",
            ResourceKind::CronJob => "cronjobs",
            ResourceKind::Namespace => "namespaces",
        }
    }

    /// The API group (`apps`, `batch`, or empty for the core group).
    pub fn group(self) -> &'static str {
        match self {
            ResourceKind::Deployment
            | ResourceKind::StatefulSet
            | ResourceKind::DaemonSet
            | ResourceKind::ReplicaSet => "apps",
            ResourceKind::Job | ResourceKind::CronJob => "batch",
            ResourceKind::Pod | ResourceKind::ReplicationController | ResourceKind::Namespace => "",
        }
    }

    /// The resource as kubectl names it in errors: `deployments.apps`, `pods`, `jobs.batch`.
    pub fn qualified_plural(self) -> String {
        match self.group() {
            "" => self.plural().to_string(),
            group => format!("{}.{group}", self.plural()),
        }
    }

    /// The `kind` field of objects of this type, as it appears in owner references.
    pub fn object_kind(self) -> &'static str {
        match self {
            ResourceKind::Pod => "Pod",
            ResourceKind::Deployment => "Deployment",
            ResourceKind::StatefulSet => "StatefulSet",
            ResourceKind::DaemonSet => "DaemonSet",
            ResourceKind::ReplicaSet => "ReplicaSet",
            ResourceKind::ReplicationController => "ReplicationController",
            ResourceKind::Job => "Job",
            ResourceKind::CronJob => "CronJob",
            ResourceKind::Namespace => "Namespace",
        }
    }

    /// The kind whose objects have `kind` in their owner references, if it is one of ours.
    pub fn from_object_kind(kind: &str) -> Option<ResourceKind> {
        Self::ALL.into_iter().find(|k| k.object_kind() == kind)
    }
}

impl fmt::Display for ResourceKind {
    /// Writes the short name, as targets are usually typed (`deploy`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.short_name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_spelling_of_every_kind_parses() {
        for kind in ResourceKind::ALL {
            let mut spellings = vec![
                kind.short_name().to_string(),
                kind.singular().to_string(),
                kind.plural().to_string(),
                kind.singular().to_uppercase(),
            ];
            if !kind.group().is_empty() {
                spellings.push(format!("{}.{}", kind.plural(), kind.group()));
                spellings.push(format!("{}.{}", kind.singular(), kind.group()));
                spellings.push(format!("{}.{}", kind.short_name(), kind.group()));
            }
            for spelling in spellings {
                assert_eq!(ResourceKind::parse(&spelling), Some(kind), "{spelling}");
            }
        }
    }

    #[test]
    fn listed_aliases_parse() {
        let cases = [
            ("deploy", ResourceKind::Deployment),
            ("deployments.apps", ResourceKind::Deployment),
            ("po", ResourceKind::Pod),
            ("sts", ResourceKind::StatefulSet),
            ("statefulsets", ResourceKind::StatefulSet),
            ("ds", ResourceKind::DaemonSet),
            ("rs", ResourceKind::ReplicaSet),
            ("rc", ResourceKind::ReplicationController),
            (
                "replicationcontrollers",
                ResourceKind::ReplicationController,
            ),
            ("jobs.batch", ResourceKind::Job),
            ("cj", ResourceKind::CronJob),
            ("cronjobs.batch", ResourceKind::CronJob),
            ("ns", ResourceKind::Namespace),
            ("namespaces", ResourceKind::Namespace),
        ];
        for (text, kind) in cases {
            assert_eq!(ResourceKind::parse(text), Some(kind), "{text}");
        }
    }

    #[test]
    fn wrong_group_or_unknown_name_is_rejected() {
        for text in [
            "deployments.batch",
            "jobs.apps",
            "svc",
            "service",
            "deploy.",
            "po.",
            "",
            "pods.apps",
        ] {
            assert_eq!(ResourceKind::parse(text), None, "{text}");
        }
    }

    #[test]
    fn qualified_plural_matches_kubectl_errors() {
        assert_eq!(
            ResourceKind::Deployment.qualified_plural(),
            "deployments.apps"
        );
        assert_eq!(ResourceKind::Pod.qualified_plural(), "pods");
        assert_eq!(ResourceKind::CronJob.qualified_plural(), "cronjobs.batch");
    }
}
