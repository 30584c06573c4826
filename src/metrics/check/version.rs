//! `linkerd-version`: proxy version skew across the selected pods (`proxy_build_info`).

use std::collections::BTreeMap;

use super::text::{listed, pod_name, proxies};
use super::{Finding, Outcome, Proxy};

pub(super) fn versions(after: &[Proxy]) -> Vec<Finding> {
    let mut by_version: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for proxy in after {
        let version = proxy
            .target
            .families()
            .find(|f| f.name() == "proxy_build_info")
            .and_then(|f| f.samples().next())
            .and_then(|s| s.label("version"))
            .map(|v| v.into_owned());
        if let Some(version) = version {
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
