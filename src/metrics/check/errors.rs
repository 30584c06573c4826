//! `linkerd-traffic`: proxy error counters that rose during the window.

use std::collections::BTreeMap;

use super::scrapes::Pair;
use super::text::{listed, proxies};
use super::{Finding, Outcome};

/// The proxy error counter families (`inbound_http_errors_total`, `outbound_tcp_errors_total`, ...).
pub(super) fn error_family(name: &str) -> bool {
    matches!(
        name.strip_suffix("_total").unwrap_or(name),
        "inbound_http_errors"
            | "outbound_http_errors"
            | "inbound_tcp_errors"
            | "outbound_tcp_errors"
    )
}

pub(super) fn errors(pairs: &[Pair<'_>]) -> Vec<Finding> {
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
