use super::*;
use crate::metrics::parse::parse;

const BODY: &str = "# TYPE response_latency_ms histogram
response_latency_ms_bucket{direction=\"inbound\",le=\"1\"} 1
response_latency_ms_bucket{direction=\"inbound\",le=\"+Inf\"} 2
response_latency_ms_sum{direction=\"inbound\"} 3
response_latency_ms_count{direction=\"inbound\"} 2
# TYPE request_total counter
request_total{direction=\"inbound\",authority=\"web:80\"} 5
request_total{direction=\"outbound\",authority=\"emoji:8080\"} 6
request_total{direction=\"outbound\"} 7
";

fn kept(metrics: &[&str], matches: &[&str]) -> usize {
    let mut body = parse(BODY).unwrap();
    Filter::new(metrics, matches)
        .unwrap()
        .retain_body(&mut body);
    body.sample_count()
}

#[test]
fn name_patterns() {
    assert_eq!(kept(&[], &[]), 7);
    assert_eq!(kept(&["response_latency_ms"], &[]), 4);
    assert_eq!(kept(&["response_latency_ms_sum"], &[]), 1);
    assert_eq!(kept(&["request"], &[]), 0, "exact names are not prefixes");
    assert_eq!(kept(&["request.*"], &[]), 3);
    assert_eq!(kept(&["quest.*"], &[]), 0, "regexes are anchored");
    assert_eq!(
        kept(&["request_total", "response_latency_ms_count"], &[]),
        4
    );
}

#[test]
fn promql_selectors() {
    assert_eq!(kept(&[], &["request_total{direction=\"outbound\"}"]), 2);
    assert_eq!(kept(&[], &["{direction=~\"in.*\"}"]), 5);
    assert_eq!(kept(&[], &["request_total{authority=~'.*:80'}"]), 1);
    assert_eq!(
        kept(&[], &["request_total{authority=~\"web\"}"]),
        0,
        "regexes are anchored"
    );
    assert_eq!(
        kept(&[], &["request_total{authority!~`.+`}"]),
        1,
        "a missing label is empty"
    );
    assert_eq!(kept(&[], &["request_total{authority=\"\"}"]), 1);
    assert_eq!(kept(&[], &["{__name__=~\"response_.*_count\"}"]), 1);
    assert_eq!(
        kept(&[], &["response_latency_ms"]),
        4,
        "a family name keeps its samples"
    );
    assert_eq!(
        kept(
            &[],
            &[
                "request_total{direction=\"inbound\"}",
                "response_latency_ms_sum"
            ]
        ),
        2
    );
    assert_eq!(kept(&["request_total"], &["{direction=\"inbound\"}"]), 1);
    assert_eq!(
        kept(&[], &[" request_total { direction = \"out\\x62ound\" , } "]),
        2
    );
}

#[test]
fn selector_errors() {
    for bad in [
        "",
        "{}",
        "{a=\"\"}",
        "foo{",
        "foo{a}",
        "foo{a=b}",
        "foo{a=\"x\"",
        "{a!=\"x\"}",
        "foo bar",
        "foo{a=~\"(\"}",
        "foo{a=\"\\q\"}",
    ] {
        assert!(VectorSelector::parse(bad).is_err(), "{bad}");
    }
    let err = VectorSelector::parse("foo{a=b}").unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid selector \"foo{a=b}\" at column 7: expected a quoted string"
    );
}

#[test]
fn snapshot_filter_sees_target_labels() {
    let target = |pod: &str| {
        crate::metrics::model::Target::parse(
            BODY.to_string(),
            vec![("pod".into(), pod.into())],
            None,
        )
        .unwrap()
    };
    let mut snapshot = Snapshot {
        targets: vec![target("web-1"), target("web-2")],
    };
    Filter::new::<&str, _>(&[], &["request_total{pod=\"web-2\"}"])
        .unwrap()
        .retain_snapshot(&mut snapshot);
    assert_eq!(snapshot.sample_count(), 3);
    assert_eq!(snapshot.targets[0].families().len(), 0);
}
