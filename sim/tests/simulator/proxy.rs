//! The simulated proxies' admin endpoint: traffic-model values, formats, and every proxy-level
//! fault, fetched over plain HTTP (`SimHandle::proxy_addr`) and through port-forward tunnels.

use std::io::Read;
use std::time::{Duration, Instant};

use crate::support::{Fetched, client, get, pod, sample};
use k8s_openapi::api::core::v1::Pod;
use kube::Api;
use linkerd_export_sim::{Sim, SimConfig, SimHandle};
use tokio::net::TcpStream;

/// `promtool check metrics` output for `body`, or `None` when promtool is not installed.
/// `promtool check metrics` (Debian's, on PATH) on `body`: its report. Fails the test when
/// promtool cannot run.
fn promtool_check(body: &str) -> String {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let mut child = Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run promtool (apt-get install prometheus)");
    child
        .stdin
        .take()
        .expect("promtool's stdin")
        .write_all(body.as_bytes())
        .expect("write to promtool");
    let out = child.wait_with_output().expect("promtool ends");
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn config(faults: &[&str]) -> SimConfig {
    SimConfig {
        faults: faults.iter().map(|f| f.parse().expect("fault")).collect(),
        tick: Duration::from_millis(10),
        ..SimConfig::default()
    }
}

async fn fetch(sim: &SimHandle, prefix: &str, path: &str, headers: &[(&str, &str)]) -> Fetched {
    let name = pod(sim, "emojivoto", prefix).name.clone();
    let addr = sim.proxy_addr("emojivoto", &name).expect("proxy address");
    get(
        TcpStream::connect(addr).await.expect("connect"),
        path,
        headers,
    )
    .await
}

async fn metrics(sim: &SimHandle, prefix: &str) -> String {
    let res = fetch(sim, prefix, "/metrics", &[]).await;
    assert_eq!(res.status, 200);
    String::from_utf8(res.body.expect("body").to_vec()).expect("utf-8")
}

/// Prometheus' `histogram_quantile` over the `response_latency_ms` buckets of `label` (summed
/// over status codes).
fn quantile(body: &str, label: &str, q: f64) -> f64 {
    let mut buckets: Vec<(f64, f64)> = Vec::new();
    for line in body
        .lines()
        .filter(|l| l.starts_with("response_latency_ms_bucket{") && l.contains(label))
    {
        let le = line
            .split("le=\"")
            .nth(1)
            .and_then(|r| r.split('"').next())
            .expect("le");
        let le = if le == "+Inf" {
            f64::INFINITY
        } else {
            le.parse().expect("le value")
        };
        let v: f64 = line
            .rsplit(' ')
            .next()
            .and_then(|v| v.parse().ok())
            .expect("value");
        match buckets.iter_mut().find(|(b, _)| *b == le) {
            Some(entry) => entry.1 += v,
            None => buckets.push((le, v)),
        }
    }
    buckets.sort_by(|a, b| a.0.total_cmp(&b.0));
    let total = buckets.last().expect("buckets").1;
    let rank = q * total;
    let (mut prev_le, mut prev_count) = (0.0, 0.0);
    for (le, count) in buckets {
        if count >= rank {
            return prev_le + (le - prev_le) * (rank - prev_count) / (count - prev_count);
        }
        (prev_le, prev_count) = (le, count);
    }
    unreachable!("rank beyond +Inf")
}

#[tokio::test]
async fn counters_follow_the_traffic_model() {
    let sim = Sim::start(config(&[])).await.expect("start");
    let web_in = "authority=\"web-svc.emojivoto.svc.cluster.local:80\"";
    let expected = sim
        .expected_inbound("emojivoto", "web")
        .expect("web has inbound traffic");

    let first = metrics(&sim, "web-").await;
    let uptime = sample(&first, "process_uptime_seconds_total", &[]).expect("uptime");
    let requests =
        sample(&first, "request_total", &["direction=\"inbound\"", web_in]).expect("requests");
    assert_eq!(requests, (expected.rps * uptime).floor());
    let failures = sample(
        &first,
        "response_total",
        &[web_in, "classification=\"failure\""],
    )
    .expect("failures");
    assert_eq!(
        failures,
        (expected.rps * (1.0 - expected.success_rate) * uptime).floor()
    );
    for q in [0.5, 0.95, 0.99] {
        let got = quantile(&first, web_in, q);
        let want = expected.latency.quantile(q);
        assert!(
            (got - want).abs() < want * 0.01,
            "p{q}: got {got}, want {want}"
        );
    }

    tokio::time::sleep(Duration::from_millis(500)).await;
    let second = metrics(&sim, "web-").await;
    let elapsed = sample(&second, "process_uptime_seconds_total", &[]).expect("uptime") - uptime;
    let delta = sample(&second, "request_total", &["direction=\"inbound\"", web_in])
        .expect("requests")
        - requests;
    assert!(elapsed >= 0.4, "uptime advanced {elapsed}s");
    assert!(
        (delta / elapsed - expected.rps).abs() <= 1.0 / elapsed,
        "rate {}",
        delta / elapsed
    );

    let voting = metrics(&sim, "voting-").await;
    let ok = sample(
        &voting,
        "response_total",
        &["direction=\"inbound\"", "classification=\"success\""],
    )
    .expect("ok");
    let failed = sample(
        &voting,
        "response_total",
        &[
            "direction=\"inbound\"",
            "status_code=\"500\"",
            "classification=\"failure\"",
        ],
    )
    .expect("failed");
    assert!(
        (ok / (ok + failed) - 0.85).abs() < 0.001,
        "voting success rate {}",
        ok / (ok + failed)
    );
    let out = sample(
        &first,
        "request_total",
        &["direction=\"outbound\"", "dst_deployment=\"voting\""],
    )
    .expect("outbound");
    assert_eq!(out, (5.0 * uptime).floor());
}

#[tokio::test]
async fn body_follows_real_proxy_formatting() {
    let sim = Sim::start(SimConfig {
        series: 1000,
        ..config(&[])
    })
    .await
    .expect("start");
    let body = metrics(&sim, "web-").await;
    let samples = body.lines().filter(|l| !l.starts_with('#')).count();
    assert!((1000..1004).contains(&samples), "{samples} samples");
    let order = [
        "request_total",
        "response_latency_ms",
        "response_total",
        "tcp_open_total",
        "control_request_total",
        "inbound_http_authz_allow_total",
        "outbound_http_route_request_duration_seconds",
        "inbound_http_route_request_statuses",
        "control_identity_cert_expiration_timestamp_seconds",
        "process_start_time_seconds",
        "proxy_build_info",
    ];
    let positions: Vec<usize> = order
        .iter()
        .map(|f| {
            body.find(&format!("# TYPE {f} "))
                .unwrap_or_else(|| panic!("family {f} missing"))
        })
        .collect();
    assert!(
        positions.windows(2).all(|w| w[0] < w[1]),
        "family order {positions:?}"
    );
    assert!(body.contains("# UNIT process_start_time_seconds seconds\n"));
    assert!(
        body.contains("le=\"+Inf\"")
            && body.contains(",le=\"50000\"}")
            && body.contains("{le=\"1.0\",")
    );
    assert!(body.ends_with("# EOF\n") && body.matches("# EOF").count() == 1);
    let mut seen = std::collections::HashSet::new();
    for line in body.lines().filter(|l| !l.starts_with('#')) {
        let series = line.rsplit_once(' ').expect("value").0;
        assert!(seen.insert(series), "duplicate series {series}");
    }

    let report = promtool_check(&body);
    assert!(!report.contains("error while linting"), "{report}");

    let gz = fetch(&sim, "web-", "/metrics", &[("accept-encoding", "gzip")]).await;
    assert_eq!(
        gz.headers.get("content-encoding").map(|v| v.as_bytes()),
        Some(&b"gzip"[..])
    );
    let mut text = String::new();
    flate2::read::GzDecoder::new(&gz.body.expect("body")[..])
        .read_to_string(&mut text)
        .expect("gunzip");
    assert!(text.ends_with("# EOF\n"));
    for (path, status, body) in [
        ("/ready", 200, "ready\n"),
        ("/live", 200, "live\n"),
        ("/nope", 404, "not found\n"),
    ] {
        let res = fetch(&sim, "web-", path, &[]).await;
        assert_eq!(res.status, status, "{path}");
        assert_eq!(res.body.expect("body"), body.as_bytes(), "{path}");
    }
}

#[tokio::test]
async fn proxy_faults_are_observable() {
    let sim = Sim::start(config(&[
        "slow=300ms:web-*",
        "status=503:emoji-*",
        "garbage:voting-*",
        "reset:vote-bot-*",
    ]))
    .await
    .expect("start");
    let started = Instant::now();
    assert_eq!(fetch(&sim, "web-", "/metrics", &[]).await.status, 200);
    assert!(
        started.elapsed() >= Duration::from_millis(300),
        "slow answered early"
    );
    let res = fetch(&sim, "web-", "/ready", &[]).await;
    assert_eq!(res.status, 200, "only /metrics is slowed");

    assert_eq!(fetch(&sim, "emoji-", "/metrics", &[]).await.status, 503);
    let garbage = metrics(&sim, "voting-").await;
    assert!(
        !garbage.contains("# EOF")
            && garbage.contains("request_total{direction=\"inbound\",tls=\"true\" 12")
    );
    let report = promtool_check(&garbage);
    assert!(report.contains("error while linting"), "{report}");
    let reset = fetch(&sim, "vote-bot-", "/metrics", &[]).await;
    assert_eq!(reset.status, 200);
    assert!(reset.body.is_err(), "reset body must fail");
}

#[tokio::test]
async fn huge_bodies_stay_valid() {
    let sim = Sim::start(config(&["huge=3:web-*"])).await.expect("start");
    let body = metrics(&sim, "web-").await;
    assert!(body.len() >= 3 * 1024 * 1024, "{} bytes", body.len());
    assert!(body.ends_with("# EOF\n"));
    assert_eq!(
        body.matches("# TYPE outbound_http_balancer_endpoints gauge")
            .count(),
        1
    );
    let lines: Vec<&str> = body
        .lines()
        .filter(|l| l.starts_with("outbound_http_balancer_endpoints{"))
        .collect();
    let unique: std::collections::HashSet<&&str> = lines.iter().collect();
    assert_eq!(unique.len(), lines.len());
}

#[tokio::test]
async fn restart_resets_counters_after_each_scrape() {
    let sim = Sim::start(config(&["restart:web-*"])).await.expect("start");
    let web_in = [
        "direction=\"inbound\"",
        "authority=\"web-svc.emojivoto.svc.cluster.local:80\"",
    ];
    let first = metrics(&sim, "web-").await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let second = metrics(&sim, "web-").await;
    let start = |b: &str| sample(b, "process_start_time_seconds", &[]).expect("start time");
    assert!(start(&second) > start(&first));
    let before = sample(&first, "request_total", &web_in).expect("requests");
    let after = sample(&second, "request_total", &web_in).expect("requests");
    assert!(after < before, "counter must drop: {before} -> {after}");
    let uptime = sample(&second, "process_uptime_seconds_total", &[]).expect("uptime");
    assert!(uptime < 5.0, "uptime {uptime} since restart");
    assert_eq!(after, (10.0 * uptime).floor());
}

#[tokio::test]
async fn reset_through_a_tunnel_reports_on_the_error_channel() {
    let sim = Sim::start(config(&["reset:web-*"])).await.expect("start");
    let web = pod(&sim, "emojivoto", "web-").clone();
    let pods: Api<Pod> = Api::namespaced(client(&sim).await, "emojivoto");
    let mut pf = pods
        .portforward(&web.name, &[4191])
        .await
        .expect("portforward");
    let error = pf.take_error(4191).expect("error future");
    // As with a real kubelet on v4, the data stream is not closed: the client must watch the
    // error channel, so the fetch runs aside and is abandoned once the error arrives.
    let fetch = tokio::spawn(get(pf.take_stream(4191).expect("stream"), "/metrics", &[]));
    let text = tokio::time::timeout(Duration::from_secs(5), error)
        .await
        .expect("error arrives")
        .expect("text");
    fetch.abort();
    assert_eq!(
        text,
        format!(
            "error forwarding port 4191 to pod {}, uid : read: connection reset by peer",
            linkerd_export_sim::portforward::sandbox_id(&web)
        )
    );
}

#[tokio::test]
async fn replicas_share_their_workload_traffic() {
    let sim = Sim::start(SimConfig {
        replicas: 2,
        ..config(&[])
    })
    .await
    .expect("start");
    let voting = pod(&sim, "emojivoto", "voting-").name.clone();
    let expected = sim
        .expected_pod_inbound("emojivoto", &voting)
        .expect("voting is called");
    assert_eq!(expected.rps, 2.5);
    let addr = sim.proxy_addr("emojivoto", &voting).expect("proxy");
    let res = get(
        TcpStream::connect(addr).await.expect("connect"),
        "/metrics",
        &[],
    )
    .await;
    let body = String::from_utf8(res.body.expect("body").to_vec()).expect("utf-8");
    let uptime = sample(&body, "process_uptime_seconds_total", &[]).expect("uptime");
    let requests = sample(&body, "request_total", &["direction=\"inbound\""]).expect("requests");
    assert_eq!(requests, (expected.rps * uptime).floor());
    let outbound: Vec<&str> = body
        .lines()
        .filter(|l| l.starts_with("request_total{direction=\"outbound\""))
        .collect();
    assert!(outbound.is_empty(), "voting calls nobody");
}
