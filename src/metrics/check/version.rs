//! `linkerd-version`: proxy versions (`proxy_build_info`) that differ across the selected pods, or
//! from the control plane's.
//!
//! The control plane's version is what its own proxies report, not the `linkerdVersion` of the
//! `linkerd-config` ConfigMap that `linkerd version` shows: a proxy reports its own release
//! (`2.366.0`), not Linkerd's (`edge-25.11.1`), so only another proxy's report compares with it.
//! The proxies of the control plane are injected by each install or upgrade with the proxy the
//! injector now gives every new pod.

use std::collections::BTreeMap;

use super::scrapes::gauge;
use super::text::{listed, pod_name, proxies};
use super::{ControlPlane, ControlPlaneVersion, Finding, Outcome, Proxy};

/// The version a proxy reports in `proxy_build_info`.
fn version_of(proxy: &Proxy) -> Option<String> {
    proxy
        .target
        .families()
        .find(|f| f.name() == "proxy_build_info")
        .and_then(|f| f.samples().next())
        .and_then(|s| s.label("version"))
        .map(|v| v.into_owned())
}

pub(super) fn versions(after: &[Proxy]) -> Vec<Finding> {
    let mut by_version: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for proxy in after {
        if let Some(version) = version_of(proxy) {
            by_version
                .entry(version)
                .or_default()
                .push(pod_name(&proxy.key));
        }
    }
    let Some((common, _)) = by_version.iter().max_by_key(|(_, pods)| pods.len()) else {
        return vec![Finding::ok("no proxy reports its version")];
    };
    if by_version.len() == 1 {
        return vec![Finding::ok(format!("proxies run one version ({common})"))];
    }
    let common = common.clone();
    let others: Vec<(&String, &Vec<String>)> =
        by_version.iter().filter(|(v, _)| **v != common).collect();
    let pods: Vec<String> = others.iter().flat_map(|(_, p)| p.iter().cloned()).collect();
    let mut f = Finding::bad(
        Outcome::Warning,
        format!(
            "proxies run {} versions; {} not on {common}: {}",
            by_version.len(),
            proxies(pods.len()),
            listed(&pods)
        ),
        "restart the workloads of these pods so they get the current proxy (kubectl rollout restart)".to_string(),
        pods,
    );
    f.details = by_version
        .iter()
        .map(|(v, p)| format!("{v}: {}", proxies(p.len())))
        .collect();
    vec![f]
}

/// The control plane's version: what its most recently started proxy reports (during an upgrade,
/// the new pods are the newest), or why it is not known.
pub(super) fn control_plane_version(control_plane: &ControlPlane) -> ControlPlaneVersion {
    let (namespace, version) = match control_plane {
        ControlPlane::Proxies { namespace, proxies } => {
            let newest = proxies
                .iter()
                .filter_map(|p| {
                    let start = gauge(&p.target, "process_start_time_seconds").unwrap_or(0.0);
                    Some((start, version_of(p)?))
                })
                .max_by(|a, b| a.0.total_cmp(&b.0).then_with(|| a.1.cmp(&b.1)));
            let version = match newest {
                Some((_, version)) => Ok(version),
                None if proxies.is_empty() => Err(format!(
                    "no control-plane pod (label linkerd.io/control-plane-component) in namespace \"{namespace}\": is Linkerd installed there?"
                )),
                None => Err(format!(
                    "the control plane's proxies in namespace \"{namespace}\" report no version (proxy_build_info)"
                )),
            };
            (namespace, version)
        }
        ControlPlane::Unreadable { namespace, reason } => (namespace, Err(reason.clone())),
    };
    let (version, error) = match version {
        Ok(v) => (Some(v), None),
        Err(e) => (None, Some(e)),
    };
    ControlPlaneVersion {
        namespace: namespace.clone(),
        version,
        error,
    }
}

/// The selected proxies whose version is not the control plane's `expected`, as
/// `linkerd check --proxy` words its "data plane and cli versions match".
pub(super) fn against_control_plane(after: &[Proxy], expected: &str) -> Vec<Finding> {
    let off: Vec<(String, String)> = after
        .iter()
        .filter_map(|p| Some((pod_name(&p.key), version_of(p)?)))
        .filter(|(_, v)| v != expected)
        .collect();
    if off.is_empty() {
        return vec![Finding::ok(format!(
            "data plane and control plane versions match ({expected})"
        ))];
    }
    let pods: Vec<String> = off.iter().map(|(p, _)| p.clone()).collect();
    let mut f = Finding::bad(
        Outcome::Warning,
        format!(
            "{} not running the control plane's version ({expected}): {}",
            proxies(pods.len()),
            listed(&pods)
        ),
        "restart their workloads so the proxy injector gives them the control plane's proxy (kubectl rollout restart); a config.linkerd.io/proxy-version annotation pins a workload to another version".to_string(),
        pods,
    );
    f.details = off.iter().map(|(p, v)| format!("{p} ({v})")).collect();
    vec![f]
}

/// The control plane's proxies among `proxies` (read from a file): those whose pod has a
/// `linkerd.io/control-plane-component` label, in the namespace of the first.
pub fn control_plane_in(proxies: &[Proxy]) -> Option<ControlPlane> {
    let first = proxies
        .iter()
        .find(|p| p.target.label("control_plane_component").is_some())?;
    let namespace = first.key.namespace.clone();
    let proxies = proxies
        .iter()
        .filter(|p| {
            p.key.namespace == namespace && p.target.label("control_plane_component").is_some()
        })
        .cloned()
        .collect();
    Some(ControlPlane::Proxies { namespace, proxies })
}
