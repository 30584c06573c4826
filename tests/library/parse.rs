//! The parser on real Linkerd proxy output: mixed text/OpenMetrics bodies, diagnostics output,
//! and malformed lines in the middle of a real body.

use linkerd_export::metrics::MetricType;

use linkerd_export::metrics::model::Snapshot;
use linkerd_export::metrics::parse;

const LEGACY: &str =
    include_str!("../fixtures/linkerd/datadog__linkerd__tests__fixtures__linkerd_v2.txt");
const OM_TAIL: &str =
    include_str!("../fixtures/linkerd/linkerd2-proxy__commit-31b2aea62__process-metrics-after.txt");
const DIAGNOSTICS: &str =
    include_str!("../fixtures/linkerd/linkerd2__testutil__prommatch__testdata__sampleMetrics.txt");

#[test]
fn a_proxy_body_mixing_text_and_openmetrics() {
    let body_text = format!("{LEGACY}{OM_TAIL}");
    let body = parse::parse(&body_text).unwrap();
    assert!(body.eof);
    let kind = |name: &str| {
        body.families
            .iter()
            .find(|f| f.name == name)
            .map(|f| (f.kind, f.samples.len()))
    };
    assert_eq!(kind("request_total"), Some((MetricType::Counter, 12)));
    assert_eq!(kind("process_cpu_seconds"), Some((MetricType::Counter, 1)));
    assert_eq!(
        kind("response_latency_ms").map(|k| k.0),
        Some(MetricType::Histogram)
    );
    let cpu = body
        .families
        .iter()
        .find(|f| f.name == "process_cpu_seconds")
        .unwrap();
    assert_eq!(
        (cpu.unit, cpu.samples[0].name.as_ref()),
        (Some("seconds"), "process_cpu_seconds_total")
    );
    let legacy = parse::parse(LEGACY).unwrap();
    let names: std::collections::HashSet<_> =
        legacy.families.iter().map(|f| f.name.as_ref()).collect();
    assert_eq!(
        names.len(),
        legacy.families.len(),
        "each family of one body once"
    );
    assert_eq!(
        body.families.len(),
        legacy.families.len() + parse::parse(OM_TAIL).unwrap().families.len()
    );
}

#[test]
fn diagnostics_output_splits_into_pods() {
    let two = format!("{DIAGNOSTICS}#\n# POD other-pod (2 of 2)\n#\n# ERROR: connection refused\n");
    let (snapshot, errors) = Snapshot::from_diagnostics(&two);
    assert!(errors.is_empty());
    let pods: Vec<_> = snapshot
        .targets
        .iter()
        .map(|t| t.label("pod").unwrap())
        .collect();
    assert_eq!(pods, ["slow-cooker-opaque-pod-mjqsw", "other-pod"]);
    let whole = parse::parse(DIAGNOSTICS).unwrap();
    assert_eq!(snapshot.targets[0].families().len(), whole.families.len());
    assert_eq!(snapshot.targets[1].families().len(), 0);
}

#[test]
fn malformed_lines_are_reported_and_the_rest_is_kept() {
    let mut lines: Vec<&str> = LEGACY.lines().collect();
    let clean = parse::parse(LEGACY).unwrap().sample_count();
    lines.insert(100, "request_total{direction=\"inbound\" 5");
    lines.insert(500, "tcp_open_connections{} not-a-number");
    let broken = lines.join("\n");
    let err = parse::parse(&broken).unwrap_err();
    assert_eq!(err.line, 101);
    let (body, errors) = parse::parse_lenient(&broken);
    assert_eq!(
        errors.iter().map(|e| e.line).collect::<Vec<_>>(),
        [101, 501]
    );
    assert_eq!(body.sample_count(), clean);
    assert_eq!(errors[1].to_string(), "line 501, column 24: invalid value");
}
