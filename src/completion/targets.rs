//! The resource types a TARGET may name (spec §3), as completion candidates: `deploy/`, `sts/`, ...

/// A kind of object a TARGET can name, with every spelling kubectl users type for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TargetKind {
    /// The Kubernetes kind, e.g. `Deployment`.
    pub kind: &'static str,
    /// Spellings, the shortest (the one offered first) first: short name, singular, plural, qualified.
    pub names: &'static [&'static str],
}

/// Every TARGET type, in the order candidates are offered.
pub const TARGET_KINDS: &[TargetKind] = &[
    TargetKind {
        kind: "Deployment",
        names: &[
            "deploy",
            "deployment",
            "deployments",
            "deployment.apps",
            "deployments.apps",
        ],
    },
    TargetKind {
        kind: "StatefulSet",
        names: &[
            "sts",
            "statefulset",
            "statefulsets",
            "statefulset.apps",
            "statefulsets.apps",
        ],
    },
    TargetKind {
        kind: "DaemonSet",
        names: &[
            "ds",
            "daemonset",
            "daemonsets",
            "daemonset.apps",
            "daemonsets.apps",
        ],
    },
    TargetKind {
        kind: "ReplicaSet",
        names: &[
            "rs",
            "replicaset",
            "replicasets",
            "replicaset.apps",
            "replicasets.apps",
        ],
    },
    TargetKind {
        kind: "ReplicationController",
        names: &["rc", "replicationcontroller", "replicationcontrollers"],
    },
    TargetKind {
        kind: "Job",
        names: &["job", "jobs", "job.batch", "jobs.batch"],
    },
    TargetKind {
        kind: "CronJob",
        names: &[
            "cj",
            "cronjob",
            "cronjobs",
            "cronjob.batch",
            "cronjobs.batch",
        ],
    },
    TargetKind {
        kind: "Pod",
        names: &["po", "pod", "pods"],
    },
    TargetKind {
        kind: "Namespace",
        names: &["ns", "namespace", "namespaces"],
    },
];

/// The kind a TARGET's type part names (`deploy`, `Deployments`, `deployment.apps`), if any.
pub fn kind_named(type_name: &str) -> Option<&'static TargetKind> {
    let lower = type_name.to_ascii_lowercase();
    TARGET_KINDS
        .iter()
        .find(|k| k.names.contains(&lower.as_str()))
}

/// The `TYPE/` candidates for a partly typed TARGET with no `/` yet: per kind, the shortest spelling
/// that starts with what was typed (`d` offers `deploy/` and `ds/`; `deploym` offers `deployment/`).
pub fn type_candidates(typed: &str) -> Vec<(String, &'static str)> {
    TARGET_KINDS
        .iter()
        .filter_map(|k| {
            k.names
                .iter()
                .find(|name| name.starts_with(typed))
                .map(|name| (format!("{name}/"), k.kind))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_spelling_resolves_to_its_kind() {
        for kind in TARGET_KINDS {
            for name in kind.names {
                assert_eq!(kind_named(name).map(|k| k.kind), Some(kind.kind), "{name}");
            }
        }
        assert_eq!(kind_named("Deploy").map(|k| k.kind), Some("Deployment"));
        assert_eq!(kind_named("service"), None);
    }

    #[test]
    fn no_spelling_names_two_kinds() {
        let mut all: Vec<&str> = TARGET_KINDS.iter().flat_map(|k| k.names.to_vec()).collect();
        let count = all.len();
        all.sort_unstable();
        all.dedup();
        assert_eq!(all.len(), count);
    }

    #[test]
    fn offers_the_shortest_matching_spelling_per_kind() {
        let names = |typed| {
            type_candidates(typed)
                .into_iter()
                .map(|(c, _)| c)
                .collect::<Vec<_>>()
        };
        assert_eq!(
            names(""),
            [
                "deploy/", "sts/", "ds/", "rs/", "rc/", "job/", "cj/", "po/", "ns/"
            ]
        );
        assert_eq!(names("d"), ["deploy/", "ds/"]);
        assert_eq!(names("deploym"), ["deployment/"]);
        assert_eq!(names("daemons"), ["daemonset/"]);
        assert_eq!(names("cron"), ["cronjob/"]);
        assert_eq!(names("x"), Vec::<String>::new());
    }
}
