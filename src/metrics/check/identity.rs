//! `linkerd-identity`: identity certificates expired or expiring within `--cert-warn`.

use super::scrapes::gauge;
use super::text::{listed, pod_name, proxies, span};
use super::{Finding, Outcome, Proxy};
use crate::metrics::model::Target;

/// The default `--cert-warn`. Linkerd's identity issues certificates for 24 h
/// (`identity.issuer.issuanceLifetime`) and a proxy renews its own when 70% of what was left has
/// passed, so a healthy proxy's certificate always has more than 7h12m left; under 6 h it has
/// missed that renewal by more than an hour.
pub const DEFAULT_CERT_WARN: &str = "6h";

/// The certificate expiry a proxy reports, in either family name.
fn cert_expiry(target: &Target) -> Option<f64> {
    gauge(target, "control_identity_cert_expiration_timestamp_seconds")
        .or_else(|| gauge(target, "identity_cert_expiration_timestamp_seconds"))
}

pub(super) fn certificates(after: &[Proxy], warn_secs: f64) -> Vec<Finding> {
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
