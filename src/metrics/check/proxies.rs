//! `linkerd-data-plane-proxies`: proxies that could not be scraped, and proxies that restarted
//! during the window.

use super::scrapes::Pair;
use super::text::{listed, proxies};
use super::{Finding, Input, Outcome};

pub(super) fn reachability(input: &Input<'_>) -> Vec<Finding> {
    let total = input.after.len() + input.unreachable.len();
    if input.unreachable.is_empty() {
        return vec![Finding::ok(format!("all {} answered", proxies(total)))];
    }
    let pods: Vec<String> = input.unreachable.iter().map(|u| u.pod.clone()).collect();
    let mut finding = Finding::bad(
        Outcome::Error,
        format!(
            "{} of {total} unreachable: {}",
            proxies(pods.len()),
            listed(&pods)
        ),
        "check the pods and their linkerd-proxy containers (kubectl describe pod, kubectl logs -c linkerd-proxy)".to_string(),
        pods,
    );
    finding.details = input
        .unreachable
        .iter()
        .map(|u| format!("{}: {}", u.pod, u.reason))
        .collect();
    vec![finding]
}

pub(super) fn restarts(pairs: &[Pair<'_>]) -> Vec<Finding> {
    let pods: Vec<String> = pairs
        .iter()
        .filter(|p| p.restarted())
        .map(Pair::pod)
        .collect();
    if pods.is_empty() {
        return vec![Finding::ok("no proxy restarted during the window")];
    }
    vec![Finding::bad(
        Outcome::Warning,
        format!(
            "{} restarted during the window: {}",
            proxies(pods.len()),
            listed(&pods)
        ),
        "look for OOMKilled or failing probes: kubectl describe pod, kubectl logs -c linkerd-proxy --previous".to_string(),
        pods,
    )]
}
