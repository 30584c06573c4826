//! Certificate expiry findings.

use super::*;

/// A proxy `pod` of `web` whose certificate expires `left` seconds from now.
fn expiring(pod: &str, left: f64, family: &'static str) -> Proxy {
    let body = Body {
        expiry: NOW_MS as f64 / 1000.0 + left,
        expiry_family: family,
        ..Body::default()
    };
    proxy("web", pod, NOW_MS, &body)
}

const EXPIRY: &str = "control_identity_cert_expiration_timestamp_seconds";

#[test]
fn certificates_expired_or_expiring_within_the_threshold() {
    let after = [
        expiring("web-1", -600.0, EXPIRY),
        expiring(
            "web-2",
            7200.0,
            "identity_cert_expiration_timestamp_seconds",
        ),
        expiring("web-3", 86_400.0 + 60.0, EXPIRY),
    ];
    let report = run(None, &after, &[]);
    let found = problems(&report);
    assert_eq!(found.len(), 2, "{found:#?}");
    assert_eq!(
        (found[0].result, found[0].pods.as_slice()),
        (Outcome::Error, ["emojivoto/web-1".to_string()].as_slice())
    );
    assert_eq!(found[0].details, ["emojivoto/web-1: expired 10m ago"]);
    assert_eq!(
        (found[1].result, found[1].pods.as_slice()),
        (Outcome::Warning, ["emojivoto/web-2".to_string()].as_slice())
    );
    assert_eq!(found[1].details, ["emojivoto/web-2: expires in 2h"]);
}

#[test]
fn the_default_cert_warning_spares_healthy_24h_certificates_and_catches_missed_renewals() {
    let warn = humantime::parse_duration(DEFAULT_CERT_WARN).expect("a duration");
    let lifetime = 24.0 * 3600.0;
    // A proxy renews when 70% of what was left has passed: 7h12m before a 24h certificate expires.
    let renewal = 0.3 * lifetime;
    let after = [
        expiring("fresh", lifetime, EXPIRY),
        expiring("renewing-soon", renewal + 60.0, EXPIRY),
        expiring("missed-renewal", renewal - 3600.0 - 13.0 * 60.0, EXPIRY),
    ];
    let thresholds = Thresholds {
        cert_warn_secs: warn.as_secs_f64(),
        ..THRESHOLDS
    };
    let report = one_scrape(&after, thresholds, None);
    let found = the_problem(&report);
    assert_eq!(found.result, Outcome::Warning);
    assert_eq!(found.pods, ["emojivoto/missed-renewal"]);
    assert_eq!(
        found.details,
        ["emojivoto/missed-renewal: expires in 5h59m"]
    );
}
