use super::*;
use crate::metrics::model::{PackedTarget, Target};
use crate::metrics::parse::parse;
use crate::resolve::Workload;

pub(super) fn key(pod: &str) -> ProxyKey {
    ProxyKey {
        namespace: "emojivoto".into(),
        pod: pod.into(),
        workload: Some(Workload {
            kind: "deployment",
            name: "voting".into(),
        }),
    }
}

pub(super) fn body(
    start: f64,
    ok: f64,
    failed: f64,
    le10: f64,
    le100: f64,
    read: f64,
    out_ok: f64,
) -> String {
    format!(
        "# TYPE process_start_time_seconds gauge
process_start_time_seconds {start}
# TYPE response_total counter
response_total{{direction=\"inbound\",authority=\"voting:8080\",tls=\"true\",classification=\"success\",status_code=\"200\"}} {ok}
response_total{{direction=\"inbound\",authority=\"voting:8080\",tls=\"no_identity\",classification=\"failure\",status_code=\"500\"}} {failed}
response_total{{direction=\"outbound\",authority=\"emoji:8080\",classification=\"success\",status_code=\"200\"}} {out_ok}
# TYPE response_latency_ms histogram
response_latency_ms_bucket{{direction=\"inbound\",authority=\"voting:8080\",status_code=\"200\",le=\"10\"}} {le10}
response_latency_ms_bucket{{direction=\"inbound\",authority=\"voting:8080\",status_code=\"200\",le=\"100\"}} {le100}
response_latency_ms_bucket{{direction=\"inbound\",authority=\"voting:8080\",status_code=\"200\",le=\"+Inf\"}} {le100}
# TYPE tcp_open_connections gauge
tcp_open_connections{{direction=\"inbound\",peer=\"src\",tls=\"true\"}} 3
tcp_open_connections{{direction=\"inbound\",peer=\"dst\",tls=\"true\"}} 7
# TYPE tcp_read_bytes_total counter
tcp_read_bytes_total{{direction=\"inbound\",peer=\"src\",tls=\"true\"}} {read}
tcp_read_bytes_total{{direction=\"inbound\",peer=\"dst\",tls=\"true\"}} 999999
"
    )
}

fn state(bodies: &[(&str, i64, String)]) -> StatState {
    let mut s = StatState::default();
    for (pod, t, text) in bodies {
        s.add(key(pod), *t, &parse(text).unwrap());
    }
    s
}

/// The state of the one pod voting-1, scraped at `at_ms` with `text`.
fn voting_1(at_ms: i64, text: String) -> StatState {
    state(&[("voting-1", at_ms, text)])
}

/// voting-1's body at the start of the usual 10 s window.
fn window_start_body() -> String {
    body(900.0, 10.0, 2.0, 5.0, 12.0, 1000.0, 1.0)
}

/// voting-1's body at the end of the usual 10 s window: 22 more inbound requests (20 of them
/// successes) and 5000 more bytes read.
fn window_end_body() -> String {
    body(900.0, 30.0, 4.0, 15.0, 34.0, 6000.0, 9.0)
}

fn close(a: Option<f64>, b: f64) -> bool {
    a.is_some_and(|a| (a - b).abs() < 1e-9)
}

#[test]
fn workload_rates_success_and_latency_over_a_window() {
    let a = voting_1(1_000_000, window_start_body());
    let b = voting_1(1_010_000, window_end_body());
    let rows = compute(&a, &b, GroupBy::Workload);
    assert_eq!(rows.len(), 1);
    let r = &rows[0];
    assert_eq!(
        (r.namespace.as_str(), r.workload.as_str(), r.meshed_pods),
        ("emojivoto", "deployment/voting", 1)
    );
    assert_eq!(r.requests, 22.0, "inbound only");
    assert!(close(r.success_rate, 20.0 / 22.0));
    assert!(close(r.rps, 2.2));
    assert!(close(r.tls_share, 20.0 / 22.0), "the successes were mTLS");
    // Bucket deltas: le=10 → 10, le=100 → 22, +Inf → 22.
    assert!(close(r.latency_p50_ms, 10.0 + 90.0 * (1.0 / 12.0)));
    assert!(close(
        r.latency_p99_ms,
        10.0 + 90.0 * ((0.99 * 22.0 - 10.0) / 12.0)
    ));
    assert!(close(r.tcp_connections, 3.0), "peer=\"dst\" is not counted");
    assert!(close(r.read_bytes_per_sec, 500.0));
}

#[test]
fn counter_resets_count_from_zero() {
    // Pod 1 restarted 5s into the 10s window (new process start): its counters count from zero,
    // and its rate divides by the window, as Prometheus' rate() and linkerd do.
    // Pod 2's counter went down without a new start time: Prometheus' increase() takes the new value.
    let a = state(&[
        (
            "voting-1",
            1_000_000,
            body(900.0, 100.0, 0.0, 0.0, 0.0, 0.0, 0.0),
        ),
        (
            "voting-2",
            1_000_000,
            body(900.0, 50.0, 0.0, 0.0, 0.0, 0.0, 0.0),
        ),
    ]);
    let b = state(&[
        (
            "voting-1",
            1_010_000,
            body(1005.0, 10.0, 0.0, 0.0, 0.0, 0.0, 0.0),
        ),
        (
            "voting-2",
            1_010_000,
            body(900.0, 20.0, 0.0, 0.0, 0.0, 0.0, 0.0),
        ),
    ]);
    let r = &compute(&a, &b, GroupBy::Workload)[0];
    assert_eq!(r.meshed_pods, 2);
    assert_eq!(r.requests, 30.0);
    assert!(close(r.rps, 10.0 / 10.0 + 20.0 / 10.0), "{r:?}");
    let pods = compute(&a, &b, GroupBy::Pod);
    assert_eq!(pods.len(), 2);
    assert_eq!(pods[1].pod.as_deref(), Some("voting-2"));
    assert_eq!(pods[1].requests, 20.0);
}

#[test]
fn since_start_and_other_groupings() {
    let s = voting_1(1_000_000, body(900.0, 80.0, 20.0, 50.0, 100.0, 0.0, 7.0));
    let r = &compute_since_start(&s, GroupBy::Workload)[0];
    assert_eq!(r.requests, 100.0);
    assert!(close(r.rps, 1.0));
    assert!(close(r.success_rate, 0.8));
    let dirs = compute_since_start(&s, GroupBy::Direction);
    let outbound = dirs
        .iter()
        .find(|r| r.direction.as_deref() == Some("outbound"))
        .unwrap();
    assert_eq!(outbound.requests, 7.0);
    let auth = compute_since_start(&s, GroupBy::Authority);
    assert!(
        auth.iter()
            .any(|r| r.authority.as_deref() == Some("emoji:8080") && r.requests == 7.0)
    );
    // TCP has no authority: no row of its own.
    assert_eq!(auth.len(), 2, "{auth:#?}");
}

#[test]
fn route_metrics_from_a_real_proxy() {
    let text = include_str!(
        "../../../tests/fixtures/linkerd/linkerd2-proxy__commit-3eab1e84e__outbound-route-backend-after.txt"
    );
    let mut s = StatState::default();
    assert!(s.add_text(key("web-1"), 0, text).is_empty());
    let rows = compute_since_start(&s, GroupBy::Route);
    assert_eq!(rows.len(), 1);
    let r = &rows[0];
    assert_eq!(r.authority.as_deref(), Some("simple-app-v1.simple-app:80"));
    assert_eq!(r.route.as_deref(), Some("http"));
    assert_eq!(r.requests, 128.0);
    assert!(close(r.success_rate, 1.0));
    assert_eq!(r.rps, None, "no process_start_time_seconds: no window");
    assert!(
        close(r.latency_p50_ms, 25.0),
        "seconds buckets reported in ms"
    );
}

#[test]
fn a_pod_without_a_baseline_or_start_time_adds_no_traffic() {
    let a = StatState::default();
    let text =
        body(900.0, 10.0, 0.0, 0.0, 0.0, 0.0, 0.0).replace("process_start_time_seconds 900\n", "");
    let b = voting_1(1_000_000, text);
    let r = &compute(&a, &b, GroupBy::Workload)[0];
    assert_eq!((r.meshed_pods, r.requests, r.rps), (1, 0.0, None));
}

#[test]
fn owned_targets_and_raw_bodies_reduce_to_the_same_series() {
    let a = voting_1(1_000_000, window_start_body());
    let text = window_end_body();
    let target = crate::metrics::model::Target::parse(text, vec![], Some(1_010_000)).unwrap();
    let mut b = StatState::default();
    b.add_target(key("voting-1"), &target);
    let r = &compute(&a, &b, GroupBy::Workload)[0];
    assert_eq!(r.requests, 22.0, "matched series give deltas, not totals");
    assert!(close(r.rps, 2.2));
}

#[test]
fn series_match_whatever_the_label_order() {
    let a = voting_1(1_000_000, window_start_body());
    let reordered = window_end_body().replace(
        "direction=\"inbound\",authority=\"voting:8080\",classification=\"success\"",
        "classification=\"success\",authority=\"voting:8080\",direction=\"inbound\"",
    );
    let b = voting_1(1_010_000, reordered);
    let r = &compute(&a, &b, GroupBy::Workload)[0];
    assert_eq!(r.requests, 22.0, "the reordered series is the same series");
}

#[test]
fn tcp_counts_clients_inbound_and_servers_outbound_in_a_real_proxy() {
    let text = include_str!(
        "../../../tests/fixtures/linkerd/datadog__linkerd__tests__fixtures__linkerd_v2.txt"
    );
    let mut s = StatState::default();
    // 1000 s after the fixture's process_start_time_seconds.
    assert!(s.add_text(key("web-1"), 1_560_323_933_000, text).is_empty());
    let rows = compute_since_start(&s, GroupBy::Direction);
    let dir = |d: &str| {
        rows.iter()
            .find(|r| r.direction.as_deref() == Some(d))
            .unwrap_or_else(|| panic!("no {d} row in {rows:?}"))
    };
    let (inbound, outbound) = (dir("inbound"), dir("outbound"));
    // Inbound: peer="src" (4 + 9), not the loopback connections to the app on peer="dst".
    assert!(close(inbound.tcp_connections, 13.0), "{inbound:?}");
    assert!(close(
        inbound.read_bytes_per_sec,
        (148505.0 + 43563.0) / 1000.0
    ));
    assert!(close(
        inbound.write_bytes_per_sec,
        (905925.0 + 697533.0) / 1000.0
    ));
    // Outbound: peer="dst" (1 + 9), not the app's loopback connections to the proxy (peer="src").
    assert!(close(outbound.tcp_connections, 10.0), "{outbound:?}");
    assert!(close(
        outbound.read_bytes_per_sec,
        (3308454.0 + 115619.0) / 1000.0
    ));
    assert!(close(
        outbound.write_bytes_per_sec,
        (2456625.0 + 1930.0) / 1000.0
    ));
}

#[test]
fn a_row_without_requests_has_no_numbers() {
    // Traffic before the window, none in it: connections and bytes do not make a row of numbers.
    let a = voting_1(1_000_000, window_start_body());
    let b = voting_1(1_010_000, body(900.0, 10.0, 2.0, 5.0, 12.0, 6000.0, 1.0));
    let r = &compute(&a, &b, GroupBy::Workload)[0];
    assert_eq!(r.requests, 0.0);
    assert_eq!(
        (
            r.success_rate,
            r.rps,
            r.latency_p50_ms,
            r.latency_p95_ms,
            r.latency_p99_ms,
            r.tcp_connections,
            r.read_bytes_per_sec,
            r.write_bytes_per_sec
        ),
        (None, None, None, None, None, None, None, None),
        "{r:?}"
    );
}

#[test]
fn folding_the_second_scrape_against_a_baseline_gives_the_same_rows() {
    // voting-1 grew, voting-2 restarted (new start time, a counter went down), voting-3 is new.
    let first = [
        ("voting-1", 1_000_000, window_start_body()),
        (
            "voting-2",
            1_000_000,
            body(900.0, 50.0, 9.0, 20.0, 59.0, 4000.0, 2.0),
        ),
    ];
    let second = [
        ("voting-1", 1_010_000, window_end_body()),
        (
            "voting-2",
            1_020_000,
            body(1015.0, 5.0, 1.0, 3.0, 6.0, 100.0, 1.0),
        ),
        (
            "voting-3",
            1_010_000,
            body(1000.0, 7.0, 0.0, 7.0, 7.0, 70.0, 0.0),
        ),
    ];
    let (a, b) = (state(&first), state(&second));
    let mut baseline = StatState::default();
    for (pod, t, text) in &first {
        baseline.add(key(pod), *t, &parse(text).unwrap());
        baseline.keep_last_as_baseline();
    }
    let mut folded = StatState::default();
    for (pod, t, text) in &second {
        folded.add(key(pod), *t, &parse(text).unwrap());
        folded.fold_last_against(&mut baseline);
    }
    assert!(
        baseline.proxies.is_empty(),
        "each earlier scrape is dropped once folded"
    );
    for by in [
        GroupBy::Workload,
        GroupBy::Pod,
        GroupBy::Direction,
        GroupBy::Authority,
    ] {
        let (expected, got) = (compute(&a, &b, by), compute(&baseline, &folded, by));
        assert_eq!(expected.len(), got.len(), "{by:?}");
        for (e, g) in expected.iter().zip(&got) {
            let same = |x: Option<f64>, y: Option<f64>| match (x, y) {
                (Some(x), Some(y)) => (x - y).abs() <= 1e-9 * x.abs().max(1.0),
                (x, y) => x == y,
            };
            assert_eq!(
                (
                    &e.namespace,
                    &e.workload,
                    &e.pod,
                    &e.direction,
                    &e.authority
                ),
                (
                    &g.namespace,
                    &g.workload,
                    &g.pod,
                    &g.direction,
                    &g.authority
                )
            );
            assert_eq!(
                (e.requests, e.meshed_pods),
                (g.requests, g.meshed_pods),
                "{by:?}"
            );
            for (x, y) in [
                (e.rps, g.rps),
                (e.success_rate, g.success_rate),
                (e.latency_p50_ms, g.latency_p50_ms),
                (e.latency_p99_ms, g.latency_p99_ms),
                (e.tcp_connections, g.tcp_connections),
                (e.read_bytes_per_sec, g.read_bytes_per_sec),
            ] {
                assert!(same(x, y), "{by:?}: {x:?} != {y:?}");
            }
        }
    }
}

#[test]
fn folding_keeps_mtls_and_plain_requests_apart() {
    let text = |tls: f64, plain: f64| {
        format!(
            "process_start_time_seconds 900\n\
             response_total{{direction=\"inbound\",tls=\"true\",classification=\"success\"}} {tls}\n\
             response_total{{direction=\"inbound\",tls=\"no_identity\",classification=\"success\"}} {plain}\n"
        )
    };
    let (first, second) = (text(10.0, 10.0), text(40.0, 20.0));
    let mut baseline = voting_1(1_000_000, first);
    baseline.keep_last_as_baseline();
    let mut folded = StatState::default();
    folded.add(key("voting-1"), 1_010_000, &parse(&second).unwrap());
    folded.fold_last_against(&mut baseline);
    let rows = compute(&StatState::default(), &folded, GroupBy::Workload);
    assert!(close(rows[0].tls_share, 0.75), "{rows:?}");
}

pub(super) fn pod_target(pod: &str) -> crate::resolve::PodTarget {
    crate::resolve::PodTarget {
        namespace: "emojivoto".into(),
        pod: pod.into(),
        uid: String::new(),
        container: "linkerd-proxy".into(),
        admin_port: 4191,
        workload: key(pod).workload,
        pod_ip: None,
        labels: Default::default(),
    }
}

fn reducer(pod: &str, scrape_time_ms: i64, text: &str) -> BodyReducer {
    let mut reducer = BodyReducer::new(key(pod), scrape_time_ms);
    reducer.feed(text);
    reducer
}

fn pods_of(state: &StatState) -> Vec<&str> {
    state.proxies.iter().map(|p| p.key.pod.as_str()).collect()
}

#[test]
fn a_malformed_body_is_refused_and_leaves_nothing_behind() {
    let mut state = StatState::default();
    let good = window_start_body();
    assert_eq!(state.add_checked(reducer("voting-1", 1, &good)), Ok(()));
    let malformed = format!("{good}response_total{{direction=\"inbound\" 3\n");
    let refused = state.add_checked(reducer("voting-2", 1, &malformed));
    assert!(
        refused
            .as_ref()
            .is_err_and(|why| why.starts_with("malformed metrics: ")),
        "{refused:?}"
    );
    assert_eq!(pods_of(&state), ["voting-1"]);
}

#[test]
fn a_scrape_folded_against_its_baseline_gives_the_unfolded_rows() {
    let first = window_start_body();
    let second = window_end_body();
    let mut before = StatState::default();
    before
        .add_checked(reducer("voting-1", 1_000_000, &first))
        .unwrap();
    before.keep_last_as_baseline();
    let mut after = StatState::default();
    after
        .add_checked(reducer("voting-1", 1_010_000, &second))
        .unwrap();
    after.fold_last_against(&mut before);
    let expected = compute(
        &voting_1(1_000_000, first),
        &voting_1(1_010_000, second),
        GroupBy::Workload,
    );
    assert_eq!(compute(&before, &after, GroupBy::Workload), expected);
    assert!(
        before.proxies.is_empty(),
        "the baseline is dropped once folded"
    );
}

#[test]
fn stat_lines_add_empty_rows_and_meshed_denominators_for_selected_pods() {
    let after = voting_1(1_000_000, window_start_body());
    let selected = [key("voting-1"), key("voting-2")];
    let workload = stat_lines(None, &after, GroupBy::Workload, &selected);
    assert_eq!(workload.len(), 1);
    assert_eq!(
        (workload[0].row.meshed_pods, workload[0].selected_pods),
        (1, 2)
    );
    let pods = stat_lines(None, &after, GroupBy::Pod, &selected);
    let shown: Vec<_> = pods
        .iter()
        .map(|l| {
            (
                l.row.pod.as_deref().unwrap(),
                l.row.meshed_pods,
                l.selected_pods,
            )
        })
        .collect();
    assert_eq!(shown, [("voting-1", 1, 1), ("voting-2", 0, 1)]);
    assert!(pods[1].row.rps.is_none() && pods[1].row.success_rate.is_none());
    assert!(!spans_namespaces(&pods));
}

#[test]
fn file_targets_are_named_after_the_file_and_timed_by_it() {
    let target = |labels: &[(&str, &str)], time: Option<i64>| {
        let labels = labels
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect();
        Target::parse("up 1\n".into(), labels, time).unwrap()
    };
    let one = vec![PackedTarget::parsed(target(&[], None))];
    let named: Vec<_> = name_file_targets(one, "before".into(), 42).collect();
    assert_eq!(named[0].0.pod, "before");
    assert_eq!(named[0].1.scrape_time_ms, Some(42));
    let two = [
        target(
            &[
                ("namespace", "emojivoto"),
                ("pod", "web-1"),
                ("deployment", "web"),
            ],
            Some(7),
        ),
        target(&[("k8s_job", "nightly")], None),
    ];
    let two = two.into_iter().map(PackedTarget::parsed).collect();
    let named: Vec<_> = name_file_targets(two, "dump".into(), 42).collect();
    let keys: Vec<_> = named
        .iter()
        .map(|(k, t)| {
            (
                k.namespace.as_str(),
                k.pod.as_str(),
                workload_name(k),
                t.scrape_time_ms,
            )
        })
        .collect();
    assert_eq!(
        keys,
        [
            ("emojivoto", "web-1", "deployment/web".to_string(), Some(7)),
            ("", "dump-1", "job/nightly".to_string(), Some(42)),
        ]
    );
}

#[test]
fn a_window_needs_the_second_scrape_after_the_first() {
    let text = window_start_body();
    let at = |t: i64| voting_1(t, text.clone());
    assert_eq!(check_window_order(&at(1), &at(2)), Ok(()));
    assert_eq!(
        check_window_order(&at(2), &at(1)),
        Err(WindowOrder::Reversed)
    );
    assert_eq!(
        check_window_order(&at(2), &at(2)),
        Err(WindowOrder::Simultaneous)
    );
    assert_eq!(check_window_order(&at(2), &StatState::default()), Ok(()));
}
