use super::text::{listed, span};
use super::*;
use crate::resolve::Workload;

/// `stat`'s reduced state of `proxies` whose targets hold whole bodies; a scrape (and a file)
/// reduces each body before it is cut down to the lines the checks read.
fn stats_of(proxies: &[Proxy]) -> StatState {
    let mut state = StatState::default();
    for p in proxies {
        state.add_target(p.key.clone(), &p.target);
    }
    state
}

mod identity;
mod version;

const NOW_MS: i64 = 1_800_000_000_000;
const THRESHOLDS: Thresholds = Thresholds {
    cert_warn_secs: 86_400.0,
    min_success: 0.95,
};

/// What one simulated-by-hand proxy reports.
struct Body<'a> {
    start: f64,
    expiry: f64,
    expiry_family: &'a str,
    version: &'a str,
    ok: u64,
    failed: u64,
    extra: &'a str,
}

impl Default for Body<'_> {
    fn default() -> Self {
        Body {
            start: NOW_MS as f64 / 1000.0 - 3600.0,
            expiry: NOW_MS as f64 / 1000.0 + 7.0 * 86_400.0,
            expiry_family: "control_identity_cert_expiration_timestamp_seconds",
            version: "edge-25.11.1",
            ok: 100,
            failed: 0,
            extra: "",
        }
    }
}

impl<'a> Body<'a> {
    /// The default body with `extra` families added.
    fn with(extra: &'a str) -> Body<'a> {
        Body {
            extra,
            ..Body::default()
        }
    }
}

fn proxy(deploy: &str, pod: &str, at_ms: i64, b: &Body<'_>) -> Proxy {
    let text = format!(
        "# TYPE response_total counter\n\
         response_total{{direction=\"inbound\",tls=\"true\",classification=\"success\",status_code=\"200\"}} {ok}\n\
         response_total{{direction=\"inbound\",tls=\"true\",classification=\"failure\",status_code=\"500\"}} {failed}\n\
         {extra}\
         # TYPE {ef} gauge\n{ef} {expiry}\n\
         # TYPE process_start_time_seconds gauge\nprocess_start_time_seconds {start}\n\
         # TYPE proxy_build_info gauge\nproxy_build_info{{vendor=\"linkerd\",version=\"{version}\"}} 1\n",
        ok = b.ok,
        failed = b.failed,
        extra = b.extra,
        ef = b.expiry_family,
        expiry = b.expiry,
        start = b.start,
        version = b.version,
    );
    Proxy {
        key: ProxyKey {
            namespace: "emojivoto".into(),
            pod: pod.into(),
            workload: Some(Workload {
                kind: "deployment",
                name: deploy.into(),
            }),
        },
        target: Target::parse(text, Vec::new(), Some(at_ms)).expect("valid body"),
    }
}

fn run(before: Option<&[Proxy]>, after: &[Proxy], unreachable: &[Unreachable]) -> Report {
    let stats_before = before.map(stats_of);
    check(&Input {
        before,
        after,
        stats: (stats_before.as_ref(), &stats_of(after)),
        unreachable,
        thresholds: THRESHOLDS,
        control_plane: None,
    })
}

/// The report on one scrape of `after` with these thresholds and control plane.
fn one_scrape(
    after: &[Proxy],
    thresholds: Thresholds,
    control_plane: Option<&ControlPlane>,
) -> Report {
    check(&Input {
        before: None,
        after,
        stats: (None, &stats_of(after)),
        unreachable: &[],
        thresholds,
        control_plane,
    })
}

/// The pod `deploy-1` scraped now.
fn now(deploy: &str, b: &Body<'_>) -> Proxy {
    proxy(deploy, &format!("{deploy}-1"), NOW_MS, b)
}

/// The pod `deploy-1` scraped 10 s ago.
fn earlier(deploy: &str, b: &Body<'_>) -> Proxy {
    proxy(deploy, &format!("{deploy}-1"), NOW_MS - 10_000, b)
}

/// The report on the pod `deploy-1` over a 10 s window in which its body went from `before` to
/// `after`.
fn window(deploy: &str, before: &Body<'_>, after: &Body<'_>) -> Report {
    run(Some(&[earlier(deploy, before)]), &[now(deploy, after)], &[])
}

/// The report on `web-1`, whose body has `extra` families, and a healthy `web-2`.
fn one_of_two(extra: &str) -> Report {
    let after = [
        now("web", &Body::with(extra)),
        proxy("web", "web-2", NOW_MS, &Body::default()),
    ];
    run(None, &after, &[])
}

/// The one finding of `report` that is not `√` (failing when there are more or none).
fn the_problem(report: &Report) -> &Finding {
    let found = problems(report);
    assert_eq!(found.len(), 1, "{found:#?}");
    found[0]
}

/// The findings that are not `√`.
fn problems(report: &Report) -> Vec<&Finding> {
    report
        .categories
        .iter()
        .flat_map(|c| &c.checks)
        .filter(|f| f.result != Outcome::Success)
        .collect()
}

#[test]
fn a_healthy_mesh_is_all_good() {
    let after = [now("web", &Body::default()), now("emoji", &Body::default())];
    let report = run(None, &after, &[]);
    assert_eq!(problems(&report), Vec::<&Finding>::new());
    assert_eq!(report.status, Outcome::Success);
    assert!(report.success);
    assert_eq!(report.proxies, 2);
    let names: Vec<&str> = report.categories.iter().map(|c| c.category_name).collect();
    assert_eq!(
        names,
        [
            "linkerd-data-plane-proxies",
            "linkerd-identity",
            "linkerd-version",
            "linkerd-tls",
            "linkerd-traffic"
        ]
    );
}

#[test]
fn unreachable_proxies_are_problems_with_their_errors() {
    let after = [now("web", &Body::default())];
    let down = [Unreachable {
        pod: "emojivoto/web-2".into(),
        reason: "connection refused".into(),
    }];
    let report = run(None, &after, &down);
    let found = the_problem(&report);
    assert_eq!(found.result, Outcome::Error);
    assert_eq!(found.pods, ["emojivoto/web-2"]);
    assert_eq!(
        found.description,
        "1 proxy of 2 unreachable: emojivoto/web-2"
    );
    assert_eq!(found.details, ["emojivoto/web-2: connection refused"]);
    assert_eq!(report.status, Outcome::Error);
}

const PLAIN_TO_MESHED: &str = "# TYPE request_total counter\n\
request_total{direction=\"outbound\",tls=\"no_identity\",no_tls_reason=\"not_provided_by_service_discovery\",dst_control_plane_ns=\"linkerd\",dst_deployment=\"emoji\"} 40\n\
request_total{direction=\"outbound\",tls=\"no_identity\",no_tls_reason=\"not_provided_by_service_discovery\",dst_service=\"db\"} 40\n\
request_total{direction=\"inbound\",tls=\"no_identity\",no_tls_reason=\"loopback\"} 40\n\
request_total{direction=\"outbound\",tls=\"true\",dst_control_plane_ns=\"linkerd\",dst_deployment=\"voting\"} 40\n";

#[test]
fn plain_text_to_a_meshed_destination_is_a_problem() {
    let report = one_of_two(PLAIN_TO_MESHED);
    let found = the_problem(&report);
    assert_eq!(found.result, Outcome::Error);
    assert_eq!(found.pods, ["emojivoto/web-1"]);
    assert_eq!(found.workloads, ["emojivoto/deployment/web"]);
    assert_eq!(
        found.description,
        "emojivoto/deployment/web sends to meshed emoji without mTLS (not_provided_by_service_discovery): emojivoto/web-1"
    );
}

#[test]
fn plain_text_counts_only_within_the_window() {
    let plain = Body::with(PLAIN_TO_MESHED);
    let report = window("web", &plain, &plain);
    assert_eq!(problems(&report), Vec::<&Finding>::new());
    assert_eq!(report.window_seconds, Some(10.0));
}

/// A body with `ok` successful and `failed` failed inbound responses.
fn answering(ok: u64, failed: u64) -> Body<'static> {
    Body {
        ok,
        failed,
        ..Body::default()
    }
}

#[test]
fn low_success_rate_names_the_workload_and_its_pods() {
    let failing = answering(85, 15);
    let after = [
        proxy("voting", "voting-1", NOW_MS, &failing),
        proxy("voting", "voting-2", NOW_MS, &failing),
        now("web", &answering(95, 5)),
    ];
    let report = run(None, &after, &[]);
    let found = the_problem(&report);
    assert_eq!(found.result, Outcome::Warning);
    assert_eq!(found.workloads, ["emojivoto/deployment/voting"]);
    assert_eq!(found.pods, ["emojivoto/voting-1", "emojivoto/voting-2"]);
    assert_eq!(
        found.description,
        "deployment/voting in emojivoto: success rate 85.00% is below 95%"
    );
    assert_eq!(found.details, Vec::<String>::new());
    assert_eq!(report.status, Outcome::Warning);
}

#[test]
fn success_rate_over_a_window_uses_the_increase() {
    let (before, after) = (answering(50, 50), answering(150, 50));
    assert_eq!(
        problems(&window("voting", &before, &after)),
        Vec::<&Finding>::new()
    );
    the_problem(&run(None, &[now("voting", &after)], &[]));
}

fn denied(n: u64) -> String {
    format!(
        "# TYPE inbound_http_authz_deny_total counter\n\
         inbound_http_authz_deny_total{{target_addr=\"10.0.0.1:8080\",srv_name=\"voting-grpc\"}} {n}\n"
    )
}

#[test]
fn authorization_denials_since_start_or_in_the_window() {
    let ten = denied(10);
    let report = run(None, &[now("voting", &Body::with(&ten))], &[]);
    let found = the_problem(&report);
    assert_eq!(found.result, Outcome::Warning);
    assert_eq!(found.pods, ["emojivoto/voting-1"]);
    assert_eq!(
        found.description,
        "emojivoto/deployment/voting denied 10 inbound requests or connections since the proxies started (server voting-grpc): emojivoto/voting-1"
    );
    assert_eq!(
        problems(&window("voting", &Body::with(&ten), &Body::with(&ten))),
        Vec::<&Finding>::new()
    );
}

#[test]
fn restarts_show_as_a_new_start_time_or_a_counter_reset() {
    let web = |pod: &str, at_ms: i64, b: &Body<'_>| proxy("web", pod, at_ms, b);
    let before = [
        web("web-1", NOW_MS - 10_000, &Body::default()),
        web("web-2", NOW_MS - 10_000, &Body::default()),
        web("web-3", NOW_MS - 10_000, &Body::default()),
    ];
    let restarted = Body {
        start: NOW_MS as f64 / 1000.0 - 5.0,
        ..answering(200, 0)
    };
    let after = [
        web("web-1", NOW_MS, &restarted),
        web("web-2", NOW_MS, &answering(3, 0)),
        web("web-3", NOW_MS, &answering(200, 0)),
    ];
    let report = run(Some(&before), &after, &[]);
    let found = the_problem(&report);
    assert_eq!(found.result, Outcome::Warning);
    assert_eq!(found.pods, ["emojivoto/web-1", "emojivoto/web-2"]);
    assert!(
        run(None, &after, &[])
            .categories
            .iter()
            .flat_map(|c| &c.checks)
            .all(|f| !f.description.contains("restarted"))
    );
}

fn errors_body(n: u64) -> String {
    format!(
        "# TYPE outbound_http_errors_total counter\n\
         outbound_http_errors_total{{error=\"unexpected\"}} {n}\n\
         # TYPE inbound_tcp_errors counter\n\
         inbound_tcp_errors_total{{error=\"tls_detect_timeout\"}} 7\n"
    )
}

#[test]
fn rising_error_counters_need_a_window() {
    let (two, five) = (errors_body(2), errors_body(5));
    let report = window("web", &Body::with(&two), &Body::with(&five));
    let found = the_problem(&report);
    assert_eq!(found.pods, ["emojivoto/web-1"]);
    assert_eq!(
        found.details,
        ["emojivoto/web-1: outbound_http_errors{error=\"unexpected\"} +3"]
    );
    assert_eq!(
        problems(&run(None, &[now("web", &Body::with(&five))], &[])),
        Vec::<&Finding>::new()
    );
}

#[test]
fn long_pod_lists_are_shortened_in_the_line_but_not_in_the_data() {
    let names: Vec<String> = (1..=7).map(|i| format!("p{i}")).collect();
    assert_eq!(listed(&names), "p1, p2, p3, p4, p5 and 2 more");
    assert_eq!(listed(&names[..2]), "p1, p2");
}

#[test]
fn only_the_lines_the_checks_read_are_kept() {
    for kept in [
        "# TYPE request_total counter",
        "request_total{direction=\"outbound\",tls=\"no_identity\"} 1",
        "tcp_open_total{direction=\"outbound\",tls=\"no_identity\"} 1",
        "inbound_http_authz_deny_total{srv_name=\"x\"} 1",
        "outbound_tcp_errors_total{error=\"x\"} 1",
        "identity_cert_expiration_timestamp_seconds 1.0",
        "process_start_time_seconds 1.0",
        "proxy_build_info{version=\"v\"} 1",
        "outbound_http_balancer_endpoints{endpoint_state=\"ready\"} 0",
        "outbound_http_route_backend_response_statuses_total{error=\"LOAD_SHED\"} 1",
    ] {
        assert!(reads(kept), "{kept}");
    }
    for dropped in [
        "request_total{direction=\"outbound\",tls=\"true\"} 1",
        "response_total{classification=\"success\"} 1",
        "response_latency_ms_bucket{le=\"1\"} 1",
        "tcp_read_bytes_total{direction=\"inbound\"} 1",
        "outbound_http_balancer_endpoints{endpoint_state=\"ready\"} 1",
        "outbound_http_balancer_endpoints{endpoint_state=\"pending\"} 0",
        "outbound_http_route_backend_response_statuses_total{error=\"\"} 1",
        "outbound_http_route_request_duration_seconds_bucket{le=\"0.05\"} 1",
        "process_cpu_seconds_total 1.0",
    ] {
        assert!(!reads(dropped), "{dropped}");
    }
}

#[test]
fn spans_read_to_the_minute() {
    for (secs, text) in [
        (40.0, "40s"),
        (600.0, "10m"),
        (7200.0, "2h"),
        (9000.0, "2h30m"),
        (86_400.0, "24h"),
        (2.0 * 86_400.0, "2d"),
        (7.0 * 86_400.0 + 5.0 * 3600.0, "7d5h"),
        (-600.0, "10m"),
    ] {
        assert_eq!(span(secs), text, "{secs}");
    }
}

#[test]
fn a_failing_workload_names_its_own_failing_calls() {
    let calls = "# TYPE response_total counter\n\
response_total{direction=\"outbound\",authority=\"voting-svc:8080\",classification=\"success\"} 85\n\
response_total{direction=\"outbound\",authority=\"voting-svc:8080\",classification=\"failure\"} 15\n\
response_total{direction=\"outbound\",authority=\"emoji-svc:8080\",classification=\"success\"} 100\n";
    let body = Body {
        extra: calls,
        ..answering(90, 10)
    };
    let report = run(None, &[now("web", &body)], &[]);
    assert_eq!(
        the_problem(&report).details,
        ["its calls to voting-svc:8080 succeed 85.00%"]
    );
}

#[test]
fn balancers_without_ready_endpoints_name_the_service() {
    let body = "# TYPE outbound_http_balancer_endpoints gauge\n\
outbound_http_balancer_endpoints{parent_name=\"voting-svc\",parent_namespace=\"emojivoto\",parent_port=\"8080\",backend_name=\"voting-svc\",backend_namespace=\"emojivoto\",backend_port=\"8080\",endpoint_state=\"ready\"} 0\n\
outbound_http_balancer_endpoints{parent_name=\"voting-svc\",parent_namespace=\"emojivoto\",parent_port=\"8080\",backend_name=\"voting-svc\",backend_namespace=\"emojivoto\",backend_port=\"8080\",endpoint_state=\"pending\"} 0\n\
outbound_http_balancer_endpoints{parent_name=\"emoji-svc\",parent_namespace=\"emojivoto\",parent_port=\"8080\",endpoint_state=\"ready\"} 2\n";
    let report = one_of_two(body);
    let found = the_problem(&report);
    assert_eq!(found.result, Outcome::Error);
    assert_eq!(found.pods, ["emojivoto/web-1"]);
    assert_eq!(
        found.description,
        "voting-svc.emojivoto:8080 has no ready endpoints for 1 proxy: emojivoto/web-1"
    );
}

#[test]
fn load_shedding_and_fail_fast_are_warnings() {
    let body = |n: u64| {
        format!(
            "# TYPE outbound_http_route_backend_response_statuses counter\n\
outbound_http_route_backend_response_statuses_total{{backend_name=\"voting-svc\",backend_namespace=\"emojivoto\",backend_port=\"8080\",http_status=\"\",error=\"LOAD_SHED\"}} {n}\n\
outbound_http_route_backend_response_statuses_total{{backend_name=\"voting-svc\",backend_namespace=\"emojivoto\",backend_port=\"8080\",http_status=\"500\",error=\"\"}} 9\n"
        )
    };
    let (four, nine) = (body(4), body(9));
    let report = window("web", &Body::with(&four), &Body::with(&nine));
    let found = the_problem(&report);
    assert_eq!(found.result, Outcome::Warning);
    assert_eq!(
        found.description,
        "voting-svc.emojivoto:8080 answered 5 requests with LOAD_SHED during the window: emojivoto/web-1"
    );
}

#[test]
fn with_no_proxy_answering_only_reachability_is_reported() {
    let down = [Unreachable {
        pod: "emojivoto/web-1".into(),
        reason: "connection refused".into(),
    }];
    let report = run(None, &[], &down);
    let names: Vec<&str> = report.categories.iter().map(|c| c.category_name).collect();
    assert_eq!(names, ["linkerd-data-plane-proxies"]);
    assert_eq!(report.status, Outcome::Error);
    assert_eq!(report.proxies, 1);
}
