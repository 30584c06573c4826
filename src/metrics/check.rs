//! `check`'s findings: the selected proxies' scrapes (one, or two a window apart) in, a data-plane
//! health report grouped like `linkerd check` out. Pure: no I/O, no clock (times come from the
//! scrapes).
//!
//! The checks, in report order: proxies unreachable or restarted, identity certificates expiring,
//! proxy version skew, meshed traffic without mTLS, success rate per workload, outbound services
//! without ready endpoints or shedding load, authorization denials, rising proxy error counters. Restarts and error counters need two scrapes; the others
//! read counters since proxy start from one, or their increase over the window from two.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde::Serialize;

use crate::metrics::model::{FamilyRef, SampleRef, Target};
use crate::metrics::stat::{self, GroupBy, ProxyKey, StatState};

/// One scraped proxy.
#[derive(Debug, Clone)]
pub struct Proxy {
    /// Which pod it is.
    pub key: ProxyKey,
    /// Its scrape (with a scrape time).
    pub target: Target,
}

/// A proxy that could not be scraped, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unreachable {
    /// `namespace/pod`.
    pub pod: String,
    /// What failed.
    pub reason: String,
}

/// The thresholds of the checks (`--cert-warn`, `--min-success`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Thresholds {
    /// A certificate expiring within this many seconds is a warning.
    pub cert_warn_secs: f64,
    /// A workload whose success rate (0 to 1) is below this is a warning.
    pub min_success: f64,
}

/// What the checks read.
#[derive(Debug, Clone, Copy)]
pub struct Input<'a> {
    /// The first scrape, with `--window`.
    pub before: Option<&'a [Proxy]>,
    /// The (last) scrape.
    pub after: &'a [Proxy],
    /// The same scrapes reduced by `stat` (success rates come from there): before, after.
    pub stats: (Option<&'a StatState>, &'a StatState),
    /// The proxies that failed either scrape.
    pub unreachable: &'a [Unreachable],
    /// The thresholds.
    pub thresholds: Thresholds,
}

/// How a check came out, as `linkerd check -o json` says it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    /// `√`.
    Success,
    /// `‼`.
    Warning,
    /// `×`.
    Error,
}

impl Outcome {
    /// The mark `linkerd check` prints.
    pub fn mark(self) -> &'static str {
        match self {
            Outcome::Success => "√",
            Outcome::Warning => "‼",
            Outcome::Error => "×",
        }
    }
}

/// One line of the report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    /// Good, warning or problem.
    pub result: Outcome,
    /// The line, naming what it is about.
    pub description: String,
    /// More about it, one line each (e.g. each unreachable pod's error).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub details: Vec<String>,
    /// What to do next.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
    /// The pods concerned, `namespace/pod`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub pods: Vec<String>,
    /// The workloads concerned, `namespace/kind/name`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub workloads: Vec<String>,
}

impl Finding {
    fn ok(description: impl Into<String>) -> Finding {
        Finding {
            result: Outcome::Success,
            description: description.into(),
            details: Vec::new(),
            hint: None,
            pods: Vec::new(),
            workloads: Vec::new(),
        }
    }

    fn bad(result: Outcome, description: String, hint: String, pods: Vec<String>) -> Finding {
        Finding {
            result,
            description,
            details: Vec::new(),
            hint: Some(hint),
            pods,
            workloads: Vec::new(),
        }
    }
}

/// A heading and its lines.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Category {
    /// The heading, e.g. `linkerd-identity`.
    pub category_name: &'static str,
    /// Its lines.
    pub checks: Vec<Finding>,
}

/// The whole report, its JSON keys in `linkerd check -o json`'s camelCase.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Report {
    /// Whether nothing is wrong (warnings included).
    pub success: bool,
    /// The worst outcome.
    pub status: Outcome,
    /// Proxies scraped and not.
    pub proxies: usize,
    /// The window the rate findings cover, in seconds (`None`: one scrape).
    pub window_seconds: Option<f64>,
    /// The findings, grouped.
    pub categories: Vec<Category>,
}

/// Runs every check on `input`.
pub fn check(input: &Input<'_>) -> Report {
    let before = input.before.map(|b| {
        b.iter()
            .map(|p| ((p.key.namespace.as_str(), p.key.pod.as_str()), &p.target))
            .collect::<HashMap<_, _>>()
    });
    let pairs: Vec<Pair<'_>> = input
        .after
        .iter()
        .map(|proxy| Pair {
            proxy,
            before: before
                .as_ref()
                .and_then(|b| b.get(&(proxy.key.namespace.as_str(), proxy.key.pod.as_str())))
                .copied(),
        })
        .collect();
    let windowed = input.before.is_some();
    let mut proxies = vec![reachability(input)];
    if windowed {
        proxies.push(restarts(&pairs));
    }
    let mut traffic = vec![success_rates(input), endpoints(input.after)];
    traffic.push(shedding(&pairs, windowed));
    traffic.push(denials(&pairs, windowed));
    if windowed {
        traffic.push(errors(&pairs));
    }
    let mut categories = vec![category("linkerd-data-plane-proxies", proxies)];
    // With no proxy answering, nothing else can be said: no line claims `√` about nothing.
    if !input.after.is_empty() {
        categories.extend([
            category(
                "linkerd-identity",
                vec![certificates(input.after, input.thresholds.cert_warn_secs)],
            ),
            category("linkerd-version", vec![versions(input.after)]),
            category("linkerd-tls", vec![plain_text(&pairs, windowed)]),
            category("linkerd-traffic", traffic),
        ]);
    }
    let status = categories
        .iter()
        .flat_map(|c| &c.checks)
        .map(|f| f.result)
        .max()
        .unwrap_or(Outcome::Success);
    let window_seconds = input.before.and_then(|_| {
        let times =
            |proxies: &[Proxy]| proxies.iter().filter_map(|p| p.target.scrape_time_ms).max();
        Some((times(input.after)? - times(input.before?)?) as f64 / 1000.0)
    });
    Report {
        success: status == Outcome::Success,
        status,
        proxies: input.after.len() + input.unreachable.len(),
        window_seconds,
        categories,
    }
}

/// One check's lines flattened: a check gives one line, or one per workload.
fn category(category_name: &'static str, checks: Vec<Vec<Finding>>) -> Category {
    Category {
        category_name,
        checks: checks.into_iter().flatten().collect(),
    }
}

/// A proxy of the last scrape and its target in the first, when there is one.
#[derive(Clone, Copy)]
struct Pair<'a> {
    proxy: &'a Proxy,
    before: Option<&'a Target>,
}

impl Pair<'_> {
    fn pod(&self) -> String {
        pod_name(&self.proxy.key)
    }

    /// Whether the proxy restarted between the scrapes: `process_start_time_seconds` changed, or
    /// a counter went down.
    fn restarted(&self) -> bool {
        let Some(before) = self.before else {
            return false;
        };
        let start = |t: &Target| gauge(t, "process_start_time_seconds");
        if start(before) != start(&self.proxy.target) {
            return true;
        }
        let earlier = counter_values(before, |_| true);
        counters(&self.proxy.target, |_| true).any(|(_, s)| {
            earlier
                .get(&(s.name, s.labels.as_str()))
                .is_some_and(|&v| s.value < v)
        })
    }

    /// Every sample of the counter families `wanted` picks, with its increase: since the first
    /// scrape (from zero after a restart), or since proxy start without one.
    fn increases<'t>(
        &'t self,
        wanted: fn(&str) -> bool,
    ) -> impl Iterator<Item = (SampleRef<'t>, f64)> + 't {
        let restarted = self.restarted();
        let earlier = match self.before {
            Some(before) if !restarted => counter_values(before, wanted),
            _ => HashMap::new(),
        };
        counters(&self.proxy.target, wanted).map(move |(_, s)| {
            let base = earlier.get(&(s.name, s.labels.as_str())).copied();
            (s, s.value - base.unwrap_or(0.0))
        })
    }
}

/// `namespace/pod` (just the pod when the namespace is unknown, as for raw proxy text).
fn pod_name(key: &ProxyKey) -> String {
    in_namespace(&key.namespace, &key.pod)
}

/// `namespace/kind/name` of the pod's workload (`namespace/pod/name` for a bare pod).
fn workload_id(key: &ProxyKey) -> String {
    in_namespace(&key.namespace, &workload_of(key))
}

fn in_namespace(namespace: &str, name: &str) -> String {
    if namespace.is_empty() {
        name.to_string()
    } else {
        format!("{namespace}/{name}")
    }
}

/// `kind/name` of the pod's workload, as `stat` names it.
fn workload_of(key: &ProxyKey) -> String {
    match &key.workload {
        Some(w) => format!("{}/{}", w.kind, w.name),
        None => format!("pod/{}", key.pod),
    }
}

/// The value of an unlabelled gauge.
fn gauge(target: &Target, name: &str) -> Option<f64> {
    target
        .families()
        .find(|f| f.name() == name)
        .and_then(|f| f.samples().next())
        .map(|s| s.value)
}

/// The samples of `target`'s counter families whose name `wanted` accepts.
fn counters<'t>(
    target: &'t Target,
    wanted: fn(&str) -> bool,
) -> impl Iterator<Item = (FamilyRef<'t>, SampleRef<'t>)> + 't {
    target
        .families()
        .filter(move |f| f.kind() == crate::metrics::model::MetricType::Counter && wanted(f.name()))
        .flat_map(|f| f.samples().map(move |s| (f, s)))
}

/// The values of [`counters`] by (sample name, labels as written).
fn counter_values(target: &Target, wanted: fn(&str) -> bool) -> HashMap<(&str, &str), f64> {
    counters(target, wanted)
        .map(|(_, s)| ((s.name, s.labels.as_str()), s.value))
        .collect()
}

/// `a, b, c and 4 more`: the first few of `names`.
fn listed(names: &[String]) -> String {
    const SHOWN: usize = 5;
    let head = names[..names.len().min(SHOWN)].join(", ");
    match names.len().saturating_sub(SHOWN) {
        0 => head,
        more => format!("{head} and {more} more"),
    }
}

/// `1 proxy`, `3 proxies`.
fn proxies(n: usize) -> String {
    if n == 1 {
        "1 proxy".to_string()
    } else {
        format!("{n} proxies")
    }
}

/// How long `secs` is, to the minute: `3d`, `2d5h`, `24h`, `5h12m`, `12m`, `40s`.
fn span(secs: f64) -> String {
    let secs = secs.abs().round() as u64;
    let (big, small) = match secs {
        s if s >= 2 * 86_400 => ((s / 86_400, "d"), (s % 86_400 / 3600, "h")),
        s if s >= 3600 => ((s / 3600, "h"), (s % 3600 / 60, "m")),
        s if s >= 60 => ((s / 60, "m"), (0, "")),
        s => ((s, "s"), (0, "")),
    };
    match small {
        (0, _) => format!("{}{}", big.0, big.1),
        (n, unit) => format!("{}{}{n}{unit}", big.0, big.1),
    }
}

fn reachability(input: &Input<'_>) -> Vec<Finding> {
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

fn restarts(pairs: &[Pair<'_>]) -> Vec<Finding> {
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

/// The certificate expiry a proxy reports, in either family name.
fn cert_expiry(target: &Target) -> Option<f64> {
    gauge(target, "control_identity_cert_expiration_timestamp_seconds")
        .or_else(|| gauge(target, "identity_cert_expiration_timestamp_seconds"))
}

fn certificates(after: &[Proxy], warn_secs: f64) -> Vec<Finding> {
    let mut expired = Vec::new();
    let mut expiring = Vec::new();
    for proxy in after {
        let (Some(expiry), Some(now_ms)) =
            (cert_expiry(&proxy.target), proxy.target.scrape_time_ms)
        else {
            continue;
        };
        let left = expiry - now_ms as f64 / 1000.0;
        if left <= 0.0 {
            expired.push((pod_name(&proxy.key), left));
        } else if left < warn_secs {
            expiring.push((pod_name(&proxy.key), left));
        }
    }
    let hint = "the proxy is not renewing its certificate: check the linkerd-identity logs and the issuer certificate, then restart the pods (kubectl rollout restart)";
    let mut findings = Vec::new();
    if !expired.is_empty() {
        let pods: Vec<String> = expired.iter().map(|(p, _)| p.clone()).collect();
        let mut f = Finding::bad(
            Outcome::Error,
            format!(
                "{} with an expired identity certificate: {}",
                proxies(pods.len()),
                listed(&pods)
            ),
            hint.to_string(),
            pods,
        );
        f.details = expired
            .iter()
            .map(|(p, left)| format!("{p}: expired {} ago", span(*left)))
            .collect();
        findings.push(f);
    }
    if !expiring.is_empty() {
        let pods: Vec<String> = expiring.iter().map(|(p, _)| p.clone()).collect();
        let mut f = Finding::bad(
            Outcome::Warning,
            format!(
                "{} with an identity certificate expiring within {}: {}",
                proxies(pods.len()),
                span(warn_secs),
                listed(&pods)
            ),
            hint.to_string(),
            pods,
        );
        f.details = expiring
            .iter()
            .map(|(p, left)| format!("{p}: expires in {}", span(*left)))
            .collect();
        findings.push(f);
    }
    if findings.is_empty() {
        findings.push(Finding::ok(format!(
            "identity certificates are valid for at least {}",
            span(warn_secs)
        )));
    }
    findings
}

fn versions(after: &[Proxy]) -> Vec<Finding> {
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

/// Whether `check` reads this exposition line beyond what `stat` reduces: comments, and the
/// samples that can make a finding (plain-text outbound counters, denials, error counters, ready
/// endpoint gauges at 0, `LOAD_SHED`/`FAIL_FAST` statuses) or that it compares (process start,
/// build info, certificate expiry). A live scrape keeps only these lines of each body, so the
/// scrapes held for the report cost a small fraction of the bodies.
pub fn reads(line: &str) -> bool {
    if line.starts_with('#') {
        return true;
    }
    let name = line.split(['{', ' ']).next().unwrap_or_default();
    let zero = || {
        line.rsplit(' ')
            .next()
            .and_then(|v| v.parse::<f64>().ok())
            .is_some_and(|v| v <= 0.0)
    };
    match name {
        "process_start_time_seconds"
        | "proxy_build_info"
        | "control_identity_cert_expiration_timestamp_seconds"
        | "identity_cert_expiration_timestamp_seconds" => true,
        n if tls_family(n) => !line.contains("tls=\"true\""),
        n if balancer_family(n) => line.contains("endpoint_state=\"ready\"") && zero(),
        n if shed_family(n) => line.contains("LOAD_SHED") || line.contains("FAIL_FAST"),
        n => deny_family(n) || error_family(n),
    }
}

/// Families whose outbound samples say whether a connection or request was mTLS.
fn tls_family(name: &str) -> bool {
    name == "request_total" || name == "tcp_open_total"
}

fn plain_text(pairs: &[Pair<'_>], windowed: bool) -> Vec<Finding> {
    // (namespace/workload, reason) -> (source pods, destinations)
    let mut plain: BTreeMap<(String, String), (BTreeSet<String>, BTreeSet<String>)> =
        BTreeMap::new();
    for pair in pairs {
        for (s, increase) in pair.increases(tls_family) {
            let meshed_destination = s
                .label("dst_control_plane_ns")
                .is_some_and(|ns| !ns.is_empty());
            if increase <= 0.0
                || s.label("direction").as_deref() != Some("outbound")
                || !meshed_destination
                || s.label("tls").as_deref() == Some("true")
            {
                continue;
            }
            let reason = s
                .label("no_tls_reason")
                .or_else(|| s.label("tls"))
                .map_or_else(|| "unknown".to_string(), |r| r.into_owned());
            let destination = [
                "dst_deployment",
                "dst_statefulset",
                "dst_daemonset",
                "dst_service",
            ]
            .iter()
            .find_map(|l| s.label(l).filter(|v| !v.is_empty()))
            .or_else(|| s.label("authority"))
            .map_or_else(String::new, |d| d.into_owned());
            let entry = plain
                .entry((workload_id(&pair.proxy.key), reason))
                .or_default();
            entry.0.insert(pair.pod());
            entry.1.insert(destination);
        }
    }
    if plain.is_empty() {
        let when = if windowed {
            "during the window"
        } else {
            "since the proxies started"
        };
        return vec![Finding::ok(format!(
            "meshed-to-meshed traffic is mTLS {when}"
        ))];
    }
    plain
        .into_iter()
        .map(|((workload, reason), (pods, destinations))| {
            let pods: Vec<String> = pods.into_iter().collect();
            let destinations: Vec<String> = destinations.into_iter().collect();
            let mut f = Finding::bad(
                Outcome::Error,
                format!(
                    "{workload} sends to meshed {} without mTLS ({reason}): {}",
                    listed(&destinations),
                    listed(&pods)
                ),
                "check that the destination's port is not opaque or skipped (config.linkerd.io/skip-outbound-ports, opaque-ports) and that both sides have identity".to_string(),
                pods,
            );
            f.workloads = vec![workload];
            f
        })
        .collect()
}

/// `stat`'s reduced state of `proxies` whose targets hold whole bodies (files, tests); a live
/// scrape reduces each body as it arrives instead.
pub fn stats_of(proxies: &[Proxy]) -> StatState {
    let mut state = StatState::default();
    for p in proxies {
        state.add_target(p.key.clone(), &p.target);
    }
    state
}

fn success_rates(input: &Input<'_>) -> Vec<Finding> {
    let rows = |by| match input.stats {
        (Some(before), after) => stat::compute(before, after, by),
        (None, after) => stat::compute_since_start(after, by),
    };
    let min = input.thresholds.min_success;
    let pod_rows = rows(GroupBy::Pod);
    let authority_rows = rows(GroupBy::Authority);
    let low: Vec<Finding> = rows(GroupBy::Workload)
        .into_iter()
        .filter_map(|row| {
            let rate = row.success_rate.filter(|r| *r < min)?;
            let pods: Vec<String> = pod_rows
                .iter()
                .filter(|p| p.namespace == row.namespace && p.workload == row.workload)
                .filter_map(|p| Some(in_namespace(&p.namespace, p.pod.as_ref()?)))
                .collect();
            let mut f = Finding::bad(
                Outcome::Warning,
                format!(
                    "{} in {}: success rate {:.2}% is below {}%",
                    row.workload,
                    row.namespace,
                    rate * 100.0,
                    min * 100.0
                ),
                format!(
                    "see which callers and routes fail: kubectl linkerd-export stat {} -n {} --by authority",
                    row.workload, row.namespace
                ),
                pods,
            );
            // Failing calls of its own explain a workload's failures: name them.
            f.details = authority_rows
                .iter()
                .filter(|a| a.namespace == row.namespace && a.workload == row.workload)
                .filter(|a| a.direction.as_deref() == Some("outbound"))
                .filter_map(|a| {
                    let rate = a.success_rate.filter(|r| *r < min)?;
                    Some(format!(
                        "its calls to {} succeed {:.2}%",
                        a.authority.as_deref().unwrap_or("?"),
                        rate * 100.0
                    ))
                })
                .collect();
            f.workloads = vec![in_namespace(&row.namespace, &row.workload)];
            Some(f)
        })
        .collect();
    if low.is_empty() {
        return vec![Finding::ok(format!(
            "every workload's success rate is at least {}%",
            min * 100.0
        ))];
    }
    low
}

/// The balancer endpoint gauges (`outbound_http_balancer_endpoints`, `outbound_grpc_...`).
fn balancer_family(name: &str) -> bool {
    name.starts_with("outbound_") && name.ends_with("_balancer_endpoints")
}

/// `parent_name.parent_namespace:parent_port`, or the backend's, naming a balancer's service.
fn service_of(s: &SampleRef<'_>) -> String {
    let label = |n: &str| s.label(n).map(|v| v.into_owned()).unwrap_or_default();
    for side in ["backend", "parent"] {
        let name = label(&format!("{side}_name"));
        if !name.is_empty() {
            return format!(
                "{name}.{}:{}",
                label(&format!("{side}_namespace")),
                label(&format!("{side}_port"))
            );
        }
    }
    "?".to_string()
}

fn endpoints(after: &[Proxy]) -> Vec<Finding> {
    // service -> the pods whose balancer for it has no ready endpoint
    let mut empty: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for proxy in after {
        for f in proxy
            .target
            .families()
            .filter(|f| balancer_family(f.name()))
        {
            for s in f.samples() {
                if s.label("endpoint_state").as_deref() == Some("ready") && s.value <= 0.0 {
                    empty
                        .entry(service_of(&s))
                        .or_default()
                        .insert(pod_name(&proxy.key));
                }
            }
        }
    }
    if empty.is_empty() {
        return vec![Finding::ok("every outbound service has ready endpoints")];
    }
    empty
        .into_iter()
        .map(|(service, pods)| {
            let pods: Vec<String> = pods.into_iter().collect();
            Finding::bad(
                Outcome::Error,
                format!(
                    "{service} has no ready endpoints for {}: {}",
                    proxies(pods.len()),
                    listed(&pods)
                ),
                "check the service's pods are ready and its endpoints exist (kubectl get endpointslices -l kubernetes.io/service-name=NAME)".to_string(),
                pods,
            )
        })
        .collect()
}

/// The outbound route status counters, whose `error` says `LOAD_SHED` or `FAIL_FAST`.
fn shed_family(name: &str) -> bool {
    let name = name.strip_suffix("_total").unwrap_or(name);
    name.starts_with("outbound_")
        && (name.ends_with("_route_request_statuses")
            || name.ends_with("_route_backend_response_statuses"))
}

fn shedding(pairs: &[Pair<'_>], windowed: bool) -> Vec<Finding> {
    // (service, error) -> (pods, count)
    let mut shed: BTreeMap<(String, String), (BTreeSet<String>, f64)> = BTreeMap::new();
    for pair in pairs {
        for (s, increase) in pair.increases(shed_family) {
            let error = s.label("error").map(|e| e.into_owned()).unwrap_or_default();
            if increase <= 0.0 || !matches!(error.as_str(), "LOAD_SHED" | "FAIL_FAST") {
                continue;
            }
            let entry = shed.entry((service_of(&s), error)).or_default();
            entry.0.insert(pair.pod());
            entry.1 += increase;
        }
    }
    if shed.is_empty() {
        return vec![Finding::ok("no outbound service is shedding load")];
    }
    let when = if windowed {
        "during the window"
    } else {
        "since the proxies started"
    };
    shed.into_iter()
        .map(|((service, error), (pods, n))| {
            let pods: Vec<String> = pods.into_iter().collect();
            Finding::bad(
                Outcome::Warning,
                format!("{service} answered {n} requests with {error} {when}: {}", listed(&pods)),
                "the service's endpoints are too few or too slow for its callers: scale it, or look at its latency (kubectl linkerd-export stat --by authority)".to_string(),
                pods,
            )
        })
        .collect()
}

/// Families counting requests or connections denied by authorization policy.
fn deny_family(name: &str) -> bool {
    matches!(
        name.strip_suffix("_total").unwrap_or(name),
        "inbound_http_authz_deny" | "inbound_tcp_authz_deny"
    )
}

fn denials(pairs: &[Pair<'_>], windowed: bool) -> Vec<Finding> {
    // workload -> (pods, servers, denied)
    let mut denied: BTreeMap<String, (BTreeSet<String>, BTreeSet<String>, f64)> = BTreeMap::new();
    for pair in pairs {
        for (s, increase) in pair.increases(deny_family) {
            if increase <= 0.0 {
                continue;
            }
            let entry = denied.entry(workload_id(&pair.proxy.key)).or_default();
            entry.0.insert(pair.pod());
            if let Some(server) = s.label("srv_name") {
                entry.1.insert(server.into_owned());
            }
            entry.2 += increase;
        }
    }
    if denied.is_empty() {
        return vec![Finding::ok(
            "no inbound request denied by authorization policy",
        )];
    }
    let when = if windowed {
        "during the window"
    } else {
        "since the proxies started"
    };
    denied
        .into_iter()
        .map(|(workload, (pods, servers, n))| {
            let pods: Vec<String> = pods.into_iter().collect();
            let servers: Vec<String> = servers.into_iter().collect();
            let mut f = Finding::bad(
                Outcome::Warning,
                format!(
                    "{workload} denied {n} inbound requests or connections {when} (server {}): {}",
                    listed(&servers),
                    listed(&pods)
                ),
                "if these callers should be allowed, add an AuthorizationPolicy for them; kubectl linkerd-export authz shows who is denied".to_string(),
                pods,
            );
            f.workloads = vec![workload];
            f
        })
        .collect()
}

/// The proxy error counter families (`inbound_http_errors_total`, `outbound_tcp_errors_total`, ...).
fn error_family(name: &str) -> bool {
    matches!(
        name.strip_suffix("_total").unwrap_or(name),
        "inbound_http_errors"
            | "outbound_http_errors"
            | "inbound_tcp_errors"
            | "outbound_tcp_errors"
    )
}

fn errors(pairs: &[Pair<'_>]) -> Vec<Finding> {
    // pod -> (family error -> increase)
    let mut rising: BTreeMap<String, BTreeMap<String, f64>> = BTreeMap::new();
    for pair in pairs {
        for (s, increase) in pair.increases(error_family) {
            if increase <= 0.0 {
                continue;
            }
            let error = s
                .label("error")
                .map_or_else(String::new, |e| e.into_owned());
            let family = s.name.trim_end_matches("_total");
            *rising
                .entry(pair.pod())
                .or_default()
                .entry(format!("{family}{{error=\"{error}\"}}"))
                .or_default() += increase;
        }
    }
    if rising.is_empty() {
        return vec![Finding::ok("no proxy error counter rose during the window")];
    }
    let pods: Vec<String> = rising.keys().cloned().collect();
    let mut f = Finding::bad(
        Outcome::Warning,
        format!(
            "proxy error counters rose during the window on {}: {}",
            proxies(pods.len()),
            listed(&pods)
        ),
        "read the proxies' logs for these errors (kubectl logs -c linkerd-proxy)".to_string(),
        pods,
    );
    f.details = rising
        .iter()
        .map(|(pod, errors)| {
            let errors: Vec<String> = errors.iter().map(|(e, n)| format!("{e} +{n}")).collect();
            format!("{pod}: {}", errors.join(", "))
        })
        .collect();
    vec![f]
}

#[cfg(test)]
mod tests;
