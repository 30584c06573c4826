//! Target labels as Linkerd's viz Prometheus writes them (spec §4a), end to end: the simulated
//! mesh pushed with `export --remote-write` into a real Prometheus, then asked the queries
//! Linkerd's dashboards ask — answered, and equal to what the plugin's own `stat` computes; the
//! minimal set; and `diff --by workload` summing a workload's pods though each has its `instance`.

use crate::support::prometheus;

use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};

use crate::support;
use crate::support::{Mesh, run, samples_sent, success};
use linkerd_export_sim::SimConfig;
use prometheus::Prometheus;
use serde_json::Value;

const LIMIT: Duration = Duration::from_secs(60);

/// What picks web's inbound request counters out of a snapshot's lines.
const WEB_INBOUND: [&str; 2] = [r#"deployment="web""#, r#"direction="inbound""#];

/// `export ARGS --remote-write` into `prometheus`; returns how many samples it says it sent.
fn push(mesh: &Mesh, prometheus: &Prometheus, args: &[&str]) -> usize {
    let url = format!("{}/api/v1/write", prometheus.url());
    let (code, _, err) = run(mesh
        .cmd()
        .arg("export")
        .args(args)
        .args(["--remote-write", &url]));
    assert_eq!(code, 0, "{err}");
    let sent = samples_sent(&err, &url);
    assert!(sent > 0, "{err}");
    sent
}

/// The latest sample timestamp of a snapshot file, in seconds.
fn latest_timestamp(path: &Path) -> f64 {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .filter(|l| l.starts_with("process_start_time_seconds{"))
        .map(|l| l.rsplit(' ').next().unwrap().parse::<f64>().unwrap())
        .fold(f64::MIN, f64::max)
}

/// The samples of `family` in a snapshot file whose line has every one of `labels`, by series:
/// (value, timestamp in milliseconds).
fn raw_samples(path: &Path, family: &str, labels: &[&str]) -> BTreeMap<String, (f64, i64)> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .filter(|l| l.starts_with(&format!("{family}{{")) && labels.iter().all(|m| l.contains(m)))
        .map(|l| {
            let mut words = l.rsplitn(3, ' ');
            let seconds: f64 = words.next().unwrap().parse().unwrap();
            let ts = (seconds * 1000.0).round() as i64;
            let value = words.next().unwrap().parse().unwrap();
            (words.next().unwrap().to_string(), (value, ts))
        })
        .collect()
}

/// `stat --from-file A --from-file B -o json`: the rows.
fn stat_between(mesh: &Mesh, a: &Path, b: &Path) -> Vec<Value> {
    let out = success(
        mesh.cmd()
            .args(["stat", "-o", "json", "--from-file"])
            .arg(a)
            .arg("--from-file")
            .arg(b),
    );
    serde_json::from_str::<Value>(&out)
        .unwrap()
        .as_array()
        .cloned()
        .unwrap()
}

/// `count({job="linkerd-proxy"})` (the health dashboard's matcher), polled until it is `sent`
/// or the limit passes.
fn proxy_series_once_stored(prometheus: &Prometheus, sent: usize) -> f64 {
    let sent = sent.to_string();
    let stored = prometheus.query_until(r#"count({job="linkerd-proxy"})"#, LIMIT, |r| {
        !r.is_empty() && r[0]["value"][1] == sent.as_str()
    });
    scalar(&stored)
}

/// The one value of an instant-vector answer.
fn scalar(result: &[Value]) -> f64 {
    assert_eq!(result.len(), 1, "{result:?}");
    result[0]["value"][1].as_str().unwrap().parse().unwrap()
}

/// `{label value: sample value}` of a `... by (label)` answer.
fn by_label(result: &[Value], label: &str) -> BTreeMap<String, f64> {
    result
        .iter()
        .map(|r| {
            (
                r["metric"][label].as_str().unwrap_or_default().to_string(),
                r["value"][1].as_str().unwrap().parse().unwrap(),
            )
        })
        .collect()
}

/// The values of `label` over the series `selector` matches, from `/api/v1/series` (what
/// Grafana's `label_values(selector, label)` asks).
fn label_values(prometheus: &Prometheus, selector: &str, label: &str) -> Vec<String> {
    let mut params = form_urlencoded::Serializer::new(String::new());
    params.append_pair("match[]", selector);
    let (status, body) = prometheus::get(
        &prometheus.addr,
        &format!("/api/v1/series?{}", params.finish()),
    )
    .unwrap();
    assert_eq!(status, 200, "{body}");
    let json: Value = serde_json::from_str(&body).unwrap();
    let mut values: Vec<String> = json["data"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s[label].as_str().map(str::to_string))
        .collect();
    values.sort();
    values.dedup();
    values
}

#[test]
fn dashboard_queries_answer_on_remote_written_series_as_stat_computes() {
    let mesh = Mesh::start();
    let prometheus = Prometheus::start("");

    // Two scrapes, far enough apart that web's counters moved (the simulator steps every 50 ms).
    let first = mesh.snapshot("first.om", &["-n", "emojivoto"]);
    let deadline = Instant::now() + LIMIT;
    let (second, rows) = loop {
        let second = mesh.snapshot("second.om", &["-n", "emojivoto"]);
        let rows = stat_between(&mesh, &first, &second);
        let responses_moved = rows.iter().any(|r| {
            r["workload"] == "deployment/web" && r["rps"].as_f64().is_some_and(|v| v > 0.0)
        });
        let requests_moved = raw_samples(&first, "request_total", &WEB_INBOUND)
            .values()
            .map(|(v, _)| v)
            .sum::<f64>()
            < raw_samples(&second, "request_total", &WEB_INBOUND)
                .values()
                .map(|(v, _)| v)
                .sum::<f64>();
        if (responses_moved && requests_moved) || Instant::now() >= deadline {
            break (second, rows);
        }
    };
    let web = rows
        .iter()
        .find(|r| r["workload"] == "deployment/web")
        .unwrap_or_else(|| panic!("{rows:?}"));
    let stat_rps = web["rps"].as_f64().unwrap_or_else(|| panic!("{web}"));
    assert!(stat_rps > 0.0, "{web}");

    // Both rounds go to Prometheus with their scrape times and target labels.
    let sent_first = push(
        &mesh,
        &prometheus,
        &["--from-file", first.to_str().unwrap()],
    );
    let sent_second = push(
        &mesh,
        &prometheus,
        &["--from-file", second.to_str().unwrap()],
    );
    let at = latest_timestamp(&second) + 0.001;
    assert_eq!(
        proxy_series_once_stored(&prometheus, sent_second),
        sent_second as f64,
        "every series of the last round, by the health dashboard's job matcher"
    );
    assert_eq!(sent_first, sent_second, "the same series in both rounds");

    // The route dashboards' RPS, and its success rate.
    let inbound = r#"deployment="web", namespace="emojivoto", direction="inbound""#;
    let request_rps = scalar(&prometheus.query(
        &format!("sum(irate(request_total{{{inbound}}}[5m]))"),
        Some(at),
    ));
    let response_rps = scalar(&prometheus.query(
        &format!("sum(irate(response_total{{{inbound}}}[5m]))"),
        Some(at),
    ));
    let success = scalar(&prometheus.query(
        &format!(
            "sum(irate(response_total{{{inbound}, classification=\"success\"}}[5m])) / sum(irate(response_total{{{inbound}}}[5m]))"
        ),
        Some(at),
    ));
    let tolerance = stat_rps * 1e-9;
    support::assert_close(
        "irate(response_total) vs stat RPS",
        response_rps,
        stat_rps,
        tolerance,
    );
    // request_total is not what stat reads: its rate is checked against the counters sent.
    let (before, after) = (
        raw_samples(&first, "request_total", &WEB_INBOUND),
        raw_samples(&second, "request_total", &WEB_INBOUND),
    );
    assert!(!after.is_empty());
    let sent_rps: f64 = after
        .iter()
        .map(|(series, (v, t))| {
            let (v0, t0) = before[series];
            (v - v0) / ((t - t0) as f64 / 1000.0)
        })
        .sum();
    assert!(sent_rps > 0.0);
    support::assert_close(
        "irate(request_total) vs counters sent",
        request_rps,
        sent_rps,
        sent_rps * 1e-9,
    );
    let stat_success = web["success_rate"].as_f64().unwrap();
    support::assert_close("success rate vs stat", success, stat_success, 1e-9);

    // label_values(process_start_time_seconds{job="linkerd-proxy"}, namespace), as a count.
    let pods = by_label(
        &prometheus.query(
            r#"count by (namespace) (process_start_time_seconds{job="linkerd-proxy"})"#,
            Some(at),
        ),
        "namespace",
    );
    let meshed = rows
        .iter()
        .map(|r| r["meshed_pods"].as_u64().unwrap())
        .sum::<u64>();
    assert_eq!(
        pods,
        BTreeMap::from([("emojivoto".to_string(), meshed as f64)])
    );
    assert_eq!(
        label_values(
            &prometheus,
            r#"process_start_time_seconds{job="linkerd-proxy"}"#,
            "namespace"
        ),
        ["emojivoto"]
    );
    // One instance per pod, each the pod's IP and admin port.
    let instances = label_values(
        &prometheus,
        r#"process_start_time_seconds{job="linkerd-proxy"}"#,
        "instance",
    );
    assert_eq!(instances.len() as u64, meshed, "{instances:?}");
    let ips: Vec<String> = mesh
        .sim
        .pods()
        .iter()
        .filter(|p| p.namespace == "emojivoto" && p.has_proxy())
        .map(|p| format!("{}:4191", p.ip))
        .collect();
    assert!(
        instances.iter().all(|i| ips.contains(i)),
        "{instances:?} not in {ips:?}"
    );
}

#[test]
fn live_export_carries_the_injector_labels_of_every_workload_kind() {
    let mesh = Mesh::start();
    let prometheus = Prometheus::start("");
    let sent = push(&mesh, &prometheus, &["-A"]);
    assert_eq!(proxy_series_once_stored(&prometheus, sent), sent as f64);

    let start_times = r#"process_start_time_seconds{job="linkerd-proxy"}"#;
    // Linkerd's dashboards' variables.
    assert_eq!(
        label_values(
            &prometheus,
            r#"process_start_time_seconds{control_plane_ns!=""}"#,
            "control_plane_ns"
        ),
        ["linkerd"]
    );
    assert_eq!(
        label_values(&prometheus, start_times, "component"),
        ["metrics-api", "prometheus", "tap", "web"]
    );
    assert_eq!(
        label_values(
            &prometheus,
            r#"process_start_time_seconds{extension="viz"}"#,
            "namespace"
        ),
        ["linkerd-viz"]
    );
    // The workload label of each kind, from the pod's linkerd.io/proxy-<kind> label.
    for (label, value) in [
        ("statefulset", "db"),
        ("daemonset", "agent"),
        ("cronjob", "nightly"),
        ("replicationcontroller", "old-rc"),
        ("deployment", "linkerd-destination"),
    ] {
        let selector =
            format!(r#"process_start_time_seconds{{job="linkerd-proxy",{label}="{value}"}}"#);
        let result = prometheus.query(&selector, None);
        assert_eq!(result.len(), 1, "{label}={value}: {result:?}");
        let metric = &result[0]["metric"];
        assert!(metric["workload_ns"].is_string(), "{metric}");
        assert!(
            metric
                .as_object()
                .unwrap()
                .keys()
                .all(|k| !k.starts_with("proxy_") && !k.contains('.')),
            "{metric}"
        );
    }
    // A bare pod has no workload label.
    let debug = prometheus.query(
        r#"process_start_time_seconds{job="linkerd-proxy",pod="debug"}"#,
        None,
    );
    assert_eq!(debug.len(), 1, "{debug:?}");
    let keys: Vec<&String> = debug[0]["metric"].as_object().unwrap().keys().collect();
    for workload in [
        "deployment",
        "statefulset",
        "daemonset",
        "replicaset",
        "cronjob",
        "k8s_job",
    ] {
        assert!(!keys.iter().any(|k| *k == workload), "{keys:?}");
    }
}

#[test]
fn minimal_target_labels_are_namespace_pod_and_workload() {
    let mesh = Mesh::start();
    let web = mesh.pod("emojivoto", "web-");
    let samples = mesh.prom_samples(&[
        "deploy/web",
        "-n",
        "emojivoto",
        "-m",
        "process_start_time_seconds",
        "--target-labels",
        "minimal",
    ]);
    assert_eq!(samples.len(), 1, "{samples:?}");
    assert!(
        samples[0].starts_with(&format!(
            "process_start_time_seconds{{namespace=\"emojivoto\",pod=\"{web}\",deployment=\"web\"}} "
        )),
        "{samples:?}"
    );
}

#[test]
fn diff_by_workload_sums_pods_whatever_their_instance() {
    let mesh = Mesh::with(SimConfig {
        replicas: 2,
        ..SimConfig::default()
    });
    let args = [
        "diff",
        "deploy/web",
        "-n",
        "emojivoto",
        "--interval",
        "200ms",
        "-m",
        "process_start_time_seconds",
        "-o",
        "json",
    ];
    let series = |by: &str| -> Vec<Value> {
        let out = success(mesh.cmd().args(args).args(["--by", by]));
        let diff: Value = serde_json::from_str(&out).unwrap();
        diff["series"].as_array().unwrap().clone()
    };
    let (per_pod, per_workload) = (series("pod"), series("workload"));
    assert_eq!(per_pod.len(), 2, "{per_pod:#?}");
    assert_eq!(per_workload.len(), 1, "{per_workload:#?}");
    for s in &per_workload {
        let labels = s["labels"].as_object().unwrap();
        assert!(
            !labels.contains_key("pod") && !labels.contains_key("instance"),
            "{labels:?}"
        );
        assert_eq!(labels["deployment"], "web");
    }
}
