//! The formulas of SPEC §4b on real proxy output (the newer-proxy fixtures) and on small bodies
//! shaped like it.

use super::*;

const AFTER: &str = include_str!(
    "../../../tests/fixtures/linkerd/linkerd2-proxy__commit-3eab1e84e__outbound-route-backend-after.txt"
);
const BEFORE: &str = include_str!(
    "../../../tests/fixtures/linkerd/linkerd2-proxy__commit-3eab1e84e__outbound-route-backend-before.txt"
);
const STATUSES_BUG: &str = include_str!(
    "../../../tests/fixtures/linkerd/linkerd2-proxy__commit-6426c3890__proxy-metrics-request_statuses-bug.txt"
);

fn target(text: &str) -> Target {
    Target::parse(text.to_string(), Vec::new(), None).expect("fixture parses")
}

fn ms(p: Option<Percentile>) -> (f64, bool) {
    let p = p.expect("a percentile");
    (p.ms, p.above)
}

fn close(what: &str, actual: f64, expected: f64) {
    assert!(
        (actual - expected).abs() < 1e-9,
        "{what}: {actual} != {expected}"
    );
}

#[test]
fn the_fixture_gives_one_route_with_its_backend_and_latency_from_the_finer_histogram() {
    let rows = rows([tally(&target(AFTER), "ns", "w")], Some(64.0));
    assert_eq!(rows.len(), 1);
    let row = &rows[0];
    assert_eq!(
        row.key,
        RouteKey {
            namespace: "ns".into(),
            workload: "w".into(),
            direction: Direction::Outbound,
            protocol: Protocol::Http,
            parent: "simple-app-v1:80".into(),
            route: "http".into(),
            kind: "default".into(),
        }
    );
    assert_eq!(row.stats.requests, 128.0);
    assert_eq!(row.stats.success, Some(1.0));
    assert_eq!(row.stats.rps, Some(2.0));
    assert_eq!(row.stats.timeouts, Some(0.0));
    assert_eq!(row.stats.retries, Some(0.0));
    // All 128 responses are in the backend's first bucket (le 0.025): the median interpolates
    // to half of it. The route's own first bucket is le 0.05, which would give 25 ms.
    let (p50, above) = ms(row.stats.latency_p50);
    close("p50", p50, 12.5);
    assert!(!above);
    close("p99", ms(row.stats.latency_p99).0, 25.0 * 0.99);
    assert_eq!(row.backends.len(), 1);
    let backend = &row.backends[0];
    assert_eq!(backend.backend, "simple-app-v1:80");
    assert_eq!(backend.stats.requests, 128.0);
    assert_eq!(backend.stats.success, Some(1.0));
    assert_eq!(backend.stats.retries, None);
    close("backend p95", ms(backend.stats.latency_p95).0, 25.0 * 0.95);
}

#[test]
fn a_counter_that_went_down_restarted_so_its_increase_is_its_value() {
    let before = tally(&target(BEFORE), "ns", "w");
    let after = tally(&target(AFTER), "ns", "w");
    let window = delta(Some(&before), &after);
    let rows = rows([window], Some(10.0));
    assert_eq!(rows[0].stats.requests, 128.0);
    let same = delta(Some(&after), &after);
    let rows = super::rows([same], Some(10.0));
    assert_eq!(rows[0].stats.requests, 0.0);
    assert_eq!(
        rows[0].stats,
        Stats::default(),
        "no requests: every number is -"
    );
}

#[test]
fn any_error_fails_a_request_even_with_a_2xx_status() {
    let rows = rows([tally(&target(STATUSES_BUG), "ns", "w")], None);
    let row = &rows[0];
    assert_eq!(row.key.parent, "authors:7001");
    assert_eq!(row.stats.requests, 20.0);
    close("success", row.stats.success.unwrap(), 5.0 / 20.0);
    assert_eq!(row.stats.rps, None, "no window, no rate");
    assert_eq!(row.stats.latency_p50, None, "no histogram, no latency");
}

/// A route with one retrying, timing-out backend split in two, as the simulator serves it.
const SPLIT: &str = "\
# TYPE outbound_http_route_request_statuses counter
outbound_http_route_request_statuses_total{parent_name=\"api\",parent_port=\"80\",route_name=\"r\",route_kind=\"HTTPRoute\",http_status=\"200\",error=\"\"} 80
outbound_http_route_request_statuses_total{parent_name=\"api\",parent_port=\"80\",route_name=\"r\",route_kind=\"HTTPRoute\",http_status=\"503\",error=\"\"} 10
outbound_http_route_request_statuses_total{parent_name=\"api\",parent_port=\"80\",route_name=\"r\",route_kind=\"HTTPRoute\",http_status=\"\",error=\"REQUEST_TIMEOUT\"} 6
outbound_http_route_request_statuses_total{parent_name=\"api\",parent_port=\"80\",route_name=\"r\",route_kind=\"HTTPRoute\",http_status=\"\",error=\"RESPONSE_STREAM_TIMEOUT\"} 4
# TYPE outbound_http_route_retry_requests counter
outbound_http_route_retry_requests_total{parent_name=\"api\",parent_port=\"80\",route_name=\"r\",route_kind=\"HTTPRoute\"} 25
# TYPE outbound_http_route_backend_response_statuses counter
outbound_http_route_backend_response_statuses_total{parent_name=\"api\",parent_port=\"80\",route_name=\"r\",route_kind=\"HTTPRoute\",backend_name=\"api-v1\",backend_port=\"80\",http_status=\"200\",error=\"\"} 60
outbound_http_route_backend_response_statuses_total{parent_name=\"api\",parent_port=\"80\",route_name=\"r\",route_kind=\"HTTPRoute\",backend_name=\"api-v2\",backend_port=\"8080\",http_status=\"200\",error=\"\"} 20
outbound_http_route_backend_response_statuses_total{parent_name=\"api\",parent_port=\"80\",route_name=\"r\",route_kind=\"HTTPRoute\",backend_name=\"api-v2\",backend_port=\"8080\",http_status=\"\",error=\"IDLE_TIMEOUT\"} 20
# TYPE outbound_grpc_route_request_statuses counter
outbound_grpc_route_request_statuses_total{parent_name=\"g\",parent_port=\"9\",route_name=\"x\",route_kind=\"GRPCRoute\",grpc_status=\"OK\",error=\"\"} 3
outbound_grpc_route_request_statuses_total{parent_name=\"g\",parent_port=\"9\",route_name=\"x\",route_kind=\"GRPCRoute\",grpc_status=\"UNAVAILABLE\",error=\"\"} 1
# TYPE inbound_http_route_request_statuses counter
inbound_http_route_request_statuses_total{srv_name=\"all\",srv_port=\"8080\",route_name=\"default\",route_kind=\"default\",http_status=\"500\",error=\"\"} 1
inbound_http_route_request_statuses_total{srv_name=\"all\",srv_port=\"8080\",route_name=\"default\",route_kind=\"default\",http_status=\"404\",error=\"\"} 3
";

#[test]
fn timeouts_retries_and_failures_follow_the_spec_formulas() {
    let rows = rows([tally(&target(SPLIT), "ns", "w")], Some(5.0));
    let route = rows
        .iter()
        .find(|r| r.key.parent == "api:80")
        .expect("the api route");
    assert_eq!(route.key.kind, "HTTPRoute");
    assert_eq!(route.stats.requests, 100.0);
    close("success", route.stats.success.unwrap(), 0.8);
    close("timeouts", route.stats.timeouts.unwrap(), 0.1);
    close("retries", route.stats.retries.unwrap(), 25.0 / 125.0);
    assert_eq!(route.stats.rps, Some(20.0));
    let backends: Vec<(&str, f64, f64, f64)> = route
        .backends
        .iter()
        .map(|b| {
            (
                b.backend.as_str(),
                b.stats.rps.unwrap(),
                b.stats.success.unwrap(),
                b.stats.timeouts.unwrap(),
            )
        })
        .collect();
    assert_eq!(
        backends,
        [
            ("api-v1:80", 12.0, 1.0, 0.0),
            ("api-v2:8080", 8.0, 0.5, 0.5)
        ]
    );
    let grpc = rows.iter().find(|r| r.key.parent == "g:9").unwrap();
    assert_eq!(grpc.key.protocol, Protocol::Grpc);
    close("grpc success", grpc.stats.success.unwrap(), 0.75);
    let inbound = rows
        .iter()
        .find(|r| r.key.direction == Direction::Inbound)
        .unwrap();
    assert_eq!(inbound.key.parent, "all:8080");
    close("inbound success", inbound.stats.success.unwrap(), 0.75);
    assert_eq!(inbound.stats.retries, None, "inbound routes do not retry");
}

fn buckets(pairs: &[(f64, f64)]) -> Vec<Bucket> {
    pairs
        .iter()
        .map(|&(upper_bound, count)| Bucket { upper_bound, count })
        .collect()
}

#[test]
fn a_percentile_in_the_top_finite_bucket_or_beyond_is_a_bound() {
    let route = |last: f64, inf: f64| {
        buckets(&[
            (0.05, 50.0),
            (0.5, 90.0),
            (1.0, 95.0),
            (10.0, last),
            (f64::INFINITY, inf),
        ])
    };
    let b = route(99.0, 100.0);
    assert_eq!(
        percentile(0.5, &b),
        Some(Percentile {
            ms: 50.0,
            above: false
        })
    );
    close("p90", percentile(0.9, &b).unwrap().ms, 500.0);
    // Rank 97 is in (1s, 10s]: only "above 1s" is known.
    assert_eq!(
        percentile(0.97, &b),
        Some(Percentile {
            ms: 1000.0,
            above: true
        })
    );
    // Rank 99.5 is beyond the top finite bound: ">10s".
    assert_eq!(
        percentile(0.995, &b),
        Some(Percentile {
            ms: 10000.0,
            above: true
        })
    );
    assert_eq!(percentile(0.5, &route(0.0, 0.0)), None);
    assert_eq!(percentile(0.5, &buckets(&[(1.0, 3.0)])), None, "no +Inf");
}

/// Legacy inbound families, as a proxy without `inbound_http_route_*` serves them.
const LEGACY_INBOUND: &str = "\
# TYPE response_total counter
response_total{direction=\"inbound\",target_port=\"8080\",srv_name=\"web-http\",route_name=\"default\",route_kind=\"default\",classification=\"success\",status_code=\"200\"} 90
response_total{direction=\"inbound\",target_port=\"8080\",srv_name=\"web-http\",route_name=\"default\",route_kind=\"default\",classification=\"failure\",status_code=\"500\"} 10
response_total{direction=\"outbound\",classification=\"failure\",status_code=\"500\"} 1000
# TYPE response_latency_ms histogram
response_latency_ms_bucket{direction=\"inbound\",target_port=\"8080\",srv_name=\"web-http\",route_name=\"default\",route_kind=\"default\",status_code=\"200\",le=\"10\"} 50
response_latency_ms_bucket{direction=\"inbound\",target_port=\"8080\",srv_name=\"web-http\",route_name=\"default\",route_kind=\"default\",status_code=\"200\",le=\"20\"} 90
response_latency_ms_bucket{direction=\"inbound\",target_port=\"8080\",srv_name=\"web-http\",route_name=\"default\",route_kind=\"default\",status_code=\"200\",le=\"30\"} 100
response_latency_ms_bucket{direction=\"inbound\",target_port=\"8080\",srv_name=\"web-http\",route_name=\"default\",route_kind=\"default\",status_code=\"200\",le=\"+Inf\"} 100
";

#[test]
fn inbound_rows_fall_back_to_the_legacy_families_only_without_the_newer_ones() {
    let rows = rows([tally(&target(LEGACY_INBOUND), "ns", "w")], None);
    assert_eq!(
        rows.len(),
        1,
        "outbound legacy samples are not routes: {rows:?}"
    );
    let row = &rows[0];
    assert_eq!(row.key.direction, Direction::Inbound);
    assert_eq!(row.key.parent, "web-http:8080");
    assert_eq!(row.key.route, "default");
    assert_eq!(row.stats.requests, 100.0);
    close("success", row.stats.success.unwrap(), 0.9);
    // Rank 50 is the top of the first bucket (10 ms); bounds are milliseconds.
    close("p50", ms(row.stats.latency_p50).0, 10.0);
    let both = format!("{SPLIT}{LEGACY_INBOUND}");
    let rows = super::rows([tally(&target(&both), "ns", "w")], None);
    let inbound: Vec<&str> = rows
        .iter()
        .filter(|r| r.key.direction == Direction::Inbound)
        .map(|r| r.key.parent.as_str())
        .collect();
    assert_eq!(inbound, ["all:8080"], "the newer families win");
}

const GRPC: &str =
    include_str!("../../../tests/fixtures/linkerd/olix0r__schlep__README__outbound-grpc-route.txt");
const DATADOG: &str = include_str!(
    "../../../tests/fixtures/linkerd/datadog__linkerd__tests__fixtures__linkerd_v2.txt"
);

#[test]
fn grpc_routes_fail_on_a_status_other_than_ok_or_an_error() {
    let rows = rows([tally(&target(GRPC), "ns", "w")], Some(100.0));
    assert_eq!(rows.len(), 1, "{rows:#?}");
    let row = &rows[0];
    assert_eq!(
        (
            row.key.protocol,
            row.key.parent.as_str(),
            row.key.route.as_str(),
            row.key.kind.as_str()
        ),
        (Protocol::Grpc, "api:8080", "api-get", "GRPCRoute")
    );
    // OK 7839, INTERNAL 9, UNKNOWN with REQUEST_TIMEOUT 75 and RESPONSE_HEADERS_TIMEOUT 2.
    assert_eq!(row.stats.requests, 7925.0);
    close("route success", row.stats.success.unwrap(), 7839.0 / 7925.0);
    close("route timeouts", row.stats.timeouts.unwrap(), 77.0 / 7925.0);
    close("route rps", row.stats.rps.unwrap(), 79.25);
    let [backend] = row.backends.as_slice() else {
        panic!("one backend: {row:#?}");
    };
    assert_eq!(backend.backend, "api:8080");
    // OK 7839, INTERNAL 610, REQUEST_TIMEOUT 75, RESPONSE_HEADERS_TIMEOUT 563.
    assert_eq!(backend.stats.requests, 9087.0);
    close(
        "backend success",
        backend.stats.success.unwrap(),
        7839.0 / 9087.0,
    );
    close(
        "backend timeouts",
        backend.stats.timeouts.unwrap(),
        638.0 / 9087.0,
    );
}

#[test]
fn service_profile_routes_are_rows_of_their_own_per_dst_and_rt_route() {
    // A real proxy's route_* families (no ServiceProfile route matched: no `rt_route`).
    let all = rows([tally(&target(DATADOG), "linkerd", "deployment/c")], None);
    let profile = |direction: Direction, parent: &str| {
        all.iter()
            .find(|r| {
                r.key.kind == PROFILE_KIND && r.key.direction == direction && r.key.parent == parent
            })
            .unwrap_or_else(|| panic!("no {direction:?} profile row for {parent}: {all:#?}"))
    };
    let prom = profile(
        Direction::Outbound,
        "linkerd-prometheus.linkerd.svc.cluster.local:9090",
    );
    assert_eq!(prom.key.route, PROFILE_DEFAULT_ROUTE);
    assert_eq!(prom.stats.requests, 16275.0);
    assert_eq!(prom.stats.success, Some(1.0));
    assert_eq!(prom.stats.rps, None);
    assert_eq!(
        profile(Direction::Inbound, "172.17.0.17:9998")
            .stats
            .requests,
        277.0
    );

    // A matched route, with failures and latency in milliseconds.
    let body = "\
# TYPE route_response_total counter
route_response_total{direction=\"outbound\",dst=\"db-svc.default.svc.cluster.local:8080\",rt_route=\"GET /health\",status_code=\"200\",classification=\"success\",error=\"\"} 90
route_response_total{direction=\"outbound\",dst=\"db-svc.default.svc.cluster.local:8080\",rt_route=\"GET /health\",status_code=\"500\",classification=\"failure\",error=\"\"} 10
# TYPE route_response_latency_ms histogram
route_response_latency_ms_bucket{direction=\"outbound\",dst=\"db-svc.default.svc.cluster.local:8080\",rt_route=\"GET /health\",status_code=\"200\",le=\"10\"} 90
route_response_latency_ms_bucket{direction=\"outbound\",dst=\"db-svc.default.svc.cluster.local:8080\",rt_route=\"GET /health\",status_code=\"200\",le=\"20\"} 90
route_response_latency_ms_bucket{direction=\"outbound\",dst=\"db-svc.default.svc.cluster.local:8080\",rt_route=\"GET /health\",status_code=\"200\",le=\"+Inf\"} 90
route_response_latency_ms_bucket{direction=\"outbound\",dst=\"db-svc.default.svc.cluster.local:8080\",rt_route=\"GET /health\",status_code=\"500\",le=\"10\"} 10
route_response_latency_ms_bucket{direction=\"outbound\",dst=\"db-svc.default.svc.cluster.local:8080\",rt_route=\"GET /health\",status_code=\"500\",le=\"20\"} 10
route_response_latency_ms_bucket{direction=\"outbound\",dst=\"db-svc.default.svc.cluster.local:8080\",rt_route=\"GET /health\",status_code=\"500\",le=\"+Inf\"} 10
";
    let matched = rows(
        [tally(&target(body), "default", "daemonset/agent")],
        Some(10.0),
    );
    let [row] = matched.as_slice() else {
        panic!("one row: {matched:#?}");
    };
    assert_eq!(
        (row.key.route.as_str(), row.key.kind.as_str()),
        ("GET /health", PROFILE_KIND)
    );
    assert_eq!(row.key.parent, "db-svc.default.svc.cluster.local:8080");
    close("success", row.stats.success.unwrap(), 0.9);
    close("rps", row.stats.rps.unwrap(), 10.0);
    close("p50", ms(row.stats.latency_p50).0, 5.0);
    assert!(row.backends.is_empty());
}
