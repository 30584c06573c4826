//! `check`'s findings: the selected proxies' scrapes (one, or two a window apart) in, a data-plane
//! health report grouped like `linkerd check` out. Pure: no I/O, no clock (times come from the
//! scrapes).
//!
//! The checks, in report order, one module each: proxies unreachable or restarted ([`proxies`]),
//! identity certificates expiring ([`identity`]), proxy version skew ([`version`]), meshed traffic
//! without mTLS ([`tls`]), success rate per workload ([`success`]), outbound services without ready
//! endpoints or shedding load ([`balancers`]), authorization denials ([`denials`]), rising proxy
//! error counters ([`errors`]). Restarts and error counters need two scrapes; the others read
//! counters since proxy start from one, or their increase over the window from two.

use std::collections::HashMap;

use serde::Serialize;

use crate::metrics::model::Target;
use crate::metrics::stat::{ProxyKey, StatState};

mod balancers;
mod denials;
mod errors;
mod identity;
mod proxies;
mod scrapes;
mod success;
mod text;
mod tls;
mod version;

pub use identity::DEFAULT_CERT_WARN;
pub use version::control_plane_in;

use balancers::{balancer_family, shed_family};
use denials::deny_family;
use errors::error_family;
use scrapes::Pair;
use tls::tls_family;

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
    /// The control plane, to compare versions with (`None`: not looked up).
    pub control_plane: Option<&'a ControlPlane>,
}

/// The control plane's proxies, or why they could not be read.
#[derive(Debug, Clone)]
pub enum ControlPlane {
    /// Its proxies, scraped (none: no control-plane pod was found).
    Proxies {
        /// The control plane's namespace.
        namespace: String,
        /// Its proxies.
        proxies: Vec<Proxy>,
    },
    /// They could not be listed or scraped (RBAC, not installed, unreachable).
    Unreadable {
        /// The namespace looked in.
        namespace: String,
        /// Why.
        reason: String,
    },
}

/// The control plane's version, or why it is not known (the report's `controlPlane`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ControlPlaneVersion {
    /// The control plane's namespace.
    pub namespace: String,
    /// The version its proxies report.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// Why the version is not known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
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
    /// The control plane's version the proxies were compared with (`None`: not looked up).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub control_plane: Option<ControlPlaneVersion>,
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
    let mut proxies = vec![proxies::reachability(input)];
    if windowed {
        proxies.push(proxies::restarts(&pairs));
    }
    let mut traffic = vec![
        success::success_rates(input),
        balancers::endpoints(input.after),
        balancers::shedding(&pairs, windowed),
        denials::denials(&pairs, windowed),
    ];
    if windowed {
        traffic.push(errors::errors(&pairs));
    }
    let control_plane = input.control_plane.map(version::control_plane_version);
    let mut versions = vec![version::versions(input.after)];
    if let Some(expected) = control_plane.as_ref().and_then(|c| c.version.as_deref()) {
        versions.push(version::against_control_plane(input.after, expected));
    }
    let mut categories = vec![category("linkerd-data-plane-proxies", proxies)];
    // With no proxy answering, nothing else can be said: no line claims `√` about nothing.
    if !input.after.is_empty() {
        categories.extend([
            category(
                "linkerd-identity",
                vec![identity::certificates(
                    input.after,
                    input.thresholds.cert_warn_secs,
                )],
            ),
            category("linkerd-version", versions),
            category("linkerd-tls", vec![tls::plain_text(&pairs, windowed)]),
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
        control_plane,
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

#[cfg(test)]
mod tests;
