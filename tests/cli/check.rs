//! `check` against the simulated mesh: the default mesh gives exactly the findings its traffic
//! model implies, and each simulator fault gives its finding, naming its pods, with its exit code.

use crate::support;
use crate::support::{Mesh, assert_close, run};
use linkerd_export_sim::SimConfig;
use serde_json::Value;

/// One finding that is not `√`: its category, result, pods and workloads.
#[derive(Debug, Clone, PartialEq)]
struct Found {
    category: String,
    result: String,
    pods: Vec<String>,
    workloads: Vec<String>,
}

/// Runs `check -n emojivoto -o json ARGS`: the exit code, the report, and the findings that are
/// not `√`.
fn check(mesh: &Mesh, args: &[&str]) -> (i32, Value, Vec<Found>) {
    let (code, out, err) = run(mesh
        .cmd()
        .args(["check", "-n", "emojivoto", "-o", "json"])
        .args(args));
    let report: Value = serde_json::from_str(&out)
        .unwrap_or_else(|e| panic!("check -o json is not JSON ({e}): {out:?}\nstderr: {err}"));
    let strings = |v: &Value| -> Vec<String> {
        v.as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|s| s.as_str().map(String::from))
                    .collect()
            })
            .unwrap_or_default()
    };
    let mut found = Vec::new();
    for category in report["categories"].as_array().expect("categories") {
        for finding in category["checks"].as_array().expect("checks") {
            if finding["result"] != "success" {
                found.push(Found {
                    category: category["categoryName"].as_str().unwrap_or_default().into(),
                    result: finding["result"].as_str().unwrap_or_default().into(),
                    pods: strings(&finding["pods"]),
                    workloads: strings(&finding["workloads"]),
                });
            }
        }
    }
    (code, report, found)
}

fn pod(mesh: &Mesh, prefix: &str) -> String {
    format!("emojivoto/{}", mesh.pod("emojivoto", prefix))
}

fn finding(category: &str, result: &str, pods: &[String], workloads: &[&str]) -> Found {
    Found {
        category: category.into(),
        result: result.into(),
        pods: pods.to_vec(),
        workloads: workloads.iter().map(|w| w.to_string()).collect(),
    }
}

#[test]
fn the_default_mesh_gives_the_success_rates_its_traffic_model_implies() {
    let mesh = Mesh::start();
    let (code, report, found) = check(&mesh, &[]);
    let mut expected: Vec<Found> = ["voting", "web", "emoji"]
        .into_iter()
        .filter(|w| mesh.expected(w).success_rate < 0.95)
        .map(|w| {
            finding(
                "linkerd-traffic",
                "warning",
                &[pod(&mesh, &format!("{w}-"))],
                &[&format!("emojivoto/deployment/{w}")],
            )
        })
        .collect();
    expected.sort_by(|a, b| a.workloads.cmp(&b.workloads));
    assert!(!expected.is_empty(), "the model has a failing workload");
    assert_eq!(found, expected, "{report:#}");
    assert_eq!(code, 3, "warnings exit 3");
    assert_eq!(report["status"], "warning");
    assert_eq!(report["proxies"], 4);
    assert_eq!(
        report["controlPlane"],
        serde_json::json!({"namespace": "linkerd", "version": "edge-25.11.1"}),
        "the control plane's proxies run the data plane's version"
    );

    let (code, out, _) = run(mesh.cmd().args(["check", "-n", "emojivoto"]));
    assert_eq!(code, 3);
    // Whole-number counters put the measured rate within a few hundredths of the model's.
    let line = "‼ deployment/voting in emojivoto: success rate ";
    let shown: f64 = out
        .lines()
        .find_map(|l| {
            l.strip_prefix(line)?
                .strip_suffix("% is below 95%")?
                .parse()
                .ok()
        })
        .unwrap_or_else(|| panic!("no voting line in {out}"));
    assert_close(
        "voting's success rate",
        shown,
        mesh.expected("voting").success_rate * 100.0,
        0.1,
    );
    assert!(
        out.contains("linkerd-identity\n----------------\n√ "),
        "{out}"
    );
    assert!(out.ends_with("Status check results are ‼\n"), "{out}");

    let (code, _, found) = check(&mesh, &["--min-success", "80%"]);
    assert_eq!((code, found), (0, Vec::new()), "all good exits 0");
}

/// Runs `check -n emojivoto -o json --min-success 0` (the default mesh's success rates set
/// aside) and asserts its findings that are not `√` and its exit code; gives the report.
fn assert_findings(mesh: &Mesh, expected: &[Found], code: i32) -> Value {
    let (got, report, found) = check(mesh, &["--min-success", "0"]);
    assert_eq!(found, expected, "{report:#}");
    assert_eq!(got, code, "{report:#}");
    report
}

/// `check -n emojivoto --min-success 0` as text: exit code, stdout, stderr.
fn text(mesh: &Mesh) -> (i32, String, String) {
    run(mesh
        .cmd()
        .args(["check", "-n", "emojivoto", "--min-success", "0"]))
}

/// `check -o json --min-success 0 --from-file FILE`: exit code and report.
fn check_file(mesh: &Mesh, file: &std::path::Path) -> (i32, Value) {
    let (code, out, err) = run(mesh
        .cmd()
        .args(["check", "-o", "json", "--min-success", "0", "--from-file"])
        .arg(file));
    let report = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {err}"));
    (code, report)
}

fn on_pods(category: &str, result: &str, pods: &[String]) -> Found {
    finding(category, result, pods, &[])
}

#[test]
fn certexpiry_warns_before_expiry_and_fails_after() {
    let mesh = Mesh::with_faults(&["certexpiry=2h:web-*", "certexpiry=-1h:voting-*"]);
    let identity = |result, prefix| on_pods("linkerd-identity", result, &[pod(&mesh, prefix)]);
    // An expired certificate is a problem.
    assert_findings(
        &mesh,
        &[identity("error", "voting-"), identity("warning", "web-")],
        1,
    );
    let (code, _, found) = check(&mesh, &["--min-success", "0", "--cert-warn", "1h"]);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(code, 1);
}

#[test]
fn version_skew_names_the_pods_off_the_common_and_the_control_plane_version() {
    let mesh = Mesh::with_faults(&["version=edge-24.1.1:emoji-*"]);
    let emoji = [pod(&mesh, "emoji-")];
    let report = assert_findings(
        &mesh,
        &[
            on_pods("linkerd-version", "warning", &emoji),
            on_pods("linkerd-version", "warning", &emoji),
        ],
        3,
    );
    assert_eq!(
        report["controlPlane"],
        serde_json::json!({"namespace": "linkerd", "version": "edge-25.11.1"})
    );
    let (_, out, _) = text(&mesh);
    assert!(
        out.contains(&format!(
            "‼ 1 proxy not running the control plane's version (edge-25.11.1): {0}\n    {0} (edge-24.1.1)\n",
            emoji[0]
        )),
        "{out}"
    );
}

#[test]
fn a_data_plane_behind_an_upgraded_control_plane_is_named() {
    // The control plane's pods (linkerd-destination-..., linkerd-identity-...) run the new proxy.
    let mesh = Mesh::with_faults(&["version=edge-25.12.1:linkerd-*"]);
    let mut app: Vec<String> = ["emoji-", "vote-bot-", "voting-", "web-"]
        .iter()
        .map(|p| pod(&mesh, p))
        .collect();
    app.sort();
    let report = assert_findings(&mesh, &[on_pods("linkerd-version", "warning", &app)], 3);
    assert_eq!(report["controlPlane"]["version"], "edge-25.12.1");
    let (_, out, _) = text(&mesh);
    assert!(
        out.contains("√ proxies run one version (edge-25.11.1)\n"),
        "{out}"
    );
    assert!(
        out.contains("‼ 4 proxies not running the control plane's version (edge-25.12.1): "),
        "{out}"
    );
    // Checking the control plane's own namespace reuses its scrapes: it matches itself.
    let (code, out, err) = run(mesh.cmd().args(["check", "-n", "linkerd", "-o", "json"]));
    assert_eq!(code, 0, "{out}{err}");
    assert!(!err.contains("warning"), "{err}");
}

#[test]
fn an_unreadable_control_plane_is_a_warning_and_the_check_goes_on() {
    // Port-forwarding to the control plane's pods is forbidden, as without RBAC there.
    let mesh = Mesh::with_faults(&["forbid:linkerd-*"]);
    let report = assert_findings(&mesh, &[], 0);
    let error = report["controlPlane"]["error"].as_str().unwrap_or_default();
    assert!(
        error.starts_with("its proxies could not be scraped (linkerd/linkerd-"),
        "{report:#}"
    );
    assert!(error.contains("pods/portforward"), "{error}");
    assert_eq!(report["controlPlane"]["namespace"], "linkerd");
    assert!(report["controlPlane"].get("version").is_none());
    let (code, out, err) = text(&mesh);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        err.contains("warning: cannot read the control plane's version: its proxies could not be scraped (linkerd/linkerd-"),
        "{err}"
    );
    assert!(
        err.contains("; proxies are compared with each other only\n"),
        "{err}"
    );
    assert!(!out.contains("control plane"), "{out}");
}

#[test]
fn notls_is_plain_text_meshed_traffic_from_the_faulted_pods() {
    let mesh = Mesh::with_faults(&["notls:web-*"]);
    let web = [pod(&mesh, "web-")];
    let tls = finding("linkerd-tls", "error", &web, &["emojivoto/deployment/web"]);
    assert_findings(&mesh, &[tls], 1);
    let (_, out, _) = text(&mesh);
    assert!(
        out.contains("× emojivoto/deployment/web sends to meshed emoji, voting without mTLS (not_provided_by_service_discovery)"),
        "{out}"
    );
}

#[test]
fn deny_is_an_authorization_warning_for_the_faulted_pods() {
    let mesh = Mesh::with_faults(&["deny:voting-*"]);
    let voting = [pod(&mesh, "voting-")];
    let denied = [finding(
        "linkerd-traffic",
        "warning",
        &voting,
        &["emojivoto/deployment/voting"],
    )];
    assert_findings(&mesh, &denied, 3);
    // Denials keep coming: a window sees them too, not just the count since start. At 0.5 denials
    // per second, 3s always holds at least one.
    let (code, report, windowed) = check(&mesh, &["--min-success", "0", "--window", "3s"]);
    assert_eq!(windowed, denied, "{report:#}");
    assert_eq!(code, 3);
}

#[test]
fn noendpoints_names_the_services_the_faulted_pods_cannot_reach() {
    // Padded bodies (--series) too: the padding shares the balancer family.
    let mesh = Mesh::with(SimConfig {
        series: 3000,
        faults: vec!["noendpoints:web-*".parse().expect("fault")],
        ..SimConfig::default()
    });
    let web = [pod(&mesh, "web-")];
    let empty = on_pods("linkerd-traffic", "error", &web);
    assert_findings(&mesh, &[empty.clone(), empty], 1);
    let (_, out, _) = text(&mesh);
    for service in ["emoji-svc.emojivoto:8080", "voting-svc.emojivoto:8080"] {
        assert!(
            out.contains(&format!(
                "× {service} has no ready endpoints for 1 proxy: {}",
                web[0]
            )),
            "{out}"
        );
    }
    let (_, raw, _) = run(mesh
        .cmd()
        .args(["metrics", "deploy/web", "-n", "emojivoto"]));
    let declared = raw
        .lines()
        .filter(|l| *l == "# TYPE outbound_http_balancer_endpoints gauge")
        .count();
    assert_eq!(declared, 1, "the family is declared once");
}

#[test]
fn unreachable_or_malformed_proxies_are_problems_named_with_their_error() {
    for (fault, error) in [
        (
            "refuse:emoji-*",
            "port-forward failed: error forwarding port",
        ),
        ("garbage:emoji-*", "malformed metrics"),
    ] {
        let mesh = Mesh::with_faults(&[fault]);
        let emoji = [pod(&mesh, "emoji-")];
        let report = assert_findings(
            &mesh,
            &[on_pods("linkerd-data-plane-proxies", "error", &emoji)],
            1,
        );
        let details = report["categories"][0]["checks"][0]["details"][0].to_string();
        assert!(
            details.contains(&format!("{}: {error}", emoji[0])),
            "{fault}: {details}"
        );
    }
}

#[test]
fn a_window_finds_restarted_proxies() {
    let mesh = Mesh::with_faults(&["restart:web-*"]);
    let (code, report, found) = check(&mesh, &["--min-success", "0", "--window", "1s"]);
    let restarted = on_pods(
        "linkerd-data-plane-proxies",
        "warning",
        &[pod(&mesh, "web-")],
    );
    assert_eq!(found, [restarted], "{report:#}");
    assert_eq!(code, 3);
    assert!(
        report["windowSeconds"].as_f64().is_some_and(|w| w >= 1.0),
        "{report:#}"
    );
}

#[test]
fn thresholds_are_checked_as_usage() {
    let mesh = Mesh::start();
    for bad in [
        ["--min-success", "120%"],
        ["--cert-warn", "soon"],
        ["--window", "0s"],
    ] {
        let (code, _, err) = run(mesh.cmd().args(["check"]).args(bad));
        assert_eq!(code, 2, "{bad:?}: {err}");
        assert!(err.contains("invalid"), "{bad:?}: {err}");
    }
}

#[test]
fn a_saved_snapshot_gives_the_findings_of_the_live_run() {
    let mesh = Mesh::with_faults(&["deny:voting-*", "version=edge-24.1.1:emoji-*"]);
    let snapshot = mesh.snapshot("mesh.om", &["-n", "emojivoto"]);
    let (live_code, _, live) = check(&mesh, &["--min-success", "0"]);
    let (code, report) = check_file(&mesh, &snapshot);
    assert_eq!(code, live_code);
    assert_eq!(report["status"], "warning");
    // Live, emoji is off the common version and off the control plane's; the file holds no
    // control-plane proxy to compare with.
    assert_eq!(live.len(), 3, "{live:?}");
    assert!(report.get("controlPlane").is_none(), "{report:#}");
    let pods = |category: &str| -> Value {
        report["categories"]
            .as_array()
            .and_then(|c| c.iter().find(|c| c["categoryName"] == category))
            .map(|c| c["checks"].clone())
            .unwrap_or_default()
    };
    assert_eq!(
        pods("linkerd-version")[0]["pods"],
        serde_json::json!([pod(&mesh, "emoji-")])
    );
    let denied = pods("linkerd-traffic");
    assert!(
        denied
            .as_array()
            .is_some_and(|c| c.iter().any(|f| f["result"] == "warning"
                && f["workloads"] == serde_json::json!(["emojivoto/deployment/voting"]))),
        "{denied:#}"
    );

    // A snapshot of every namespace holds the control plane's proxies, found by their labels.
    let everything = mesh.snapshot("all.om", &["-A"]);
    let (_, report) = check_file(&mesh, &everything);
    assert_eq!(
        report["controlPlane"],
        serde_json::json!({"namespace": "linkerd", "version": "edge-25.11.1"})
    );
}

/// A raw proxy body with error and route status counters at `n`.
fn raw_errors(n: u64) -> String {
    format!(
        "# TYPE outbound_http_errors_total counter\n\
         outbound_http_errors_total{{error=\"unexpected\"}} {n}\n\
         # TYPE outbound_http_route_backend_response_statuses_total counter\n\
         outbound_http_route_backend_response_statuses_total{{backend_name=\"voting-svc\",backend_namespace=\"emojivoto\",backend_port=\"8080\",http_status=\"\",error=\"LOAD_SHED\"}} {n}\n\
         # TYPE process_start_time_seconds gauge\n\
         process_start_time_seconds 1700000000\n"
    )
}

#[test]
fn two_files_are_a_window_for_rising_errors_and_load_shedding() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (before, after) = (dir.path().join("before.txt"), dir.path().join("proxy.txt"));
    std::fs::write(&before, raw_errors(2)).unwrap();
    std::fs::write(&after, raw_errors(7)).unwrap();
    let (code, out, err) = run(support::bin()
        .args(["check", "--from-file"])
        .arg(&before)
        .arg("--from-file")
        .arg(&after));
    assert_eq!(code, 3, "{out}{err}");
    assert!(
        out.contains("‼ voting-svc.emojivoto:8080 answered 5 requests with LOAD_SHED during the window: proxy"),
        "{out}"
    );
    assert!(
        out.contains("‼ proxy error counters rose during the window on 1 proxy: proxy\n    proxy: outbound_http_errors{error=\"unexpected\"} +5"),
        "{out}"
    );
    let (code, out, _) = run(support::bin().args(["check", "--from-file"]).arg(&after));
    assert_eq!(
        code, 3,
        "one file: shedding since start, no error counter check\n{out}"
    );
    assert!(!out.contains("error counters"), "{out}");
}

#[test]
fn a_window_rates_success_on_the_requests_in_it() {
    // voting fails some requests on purpose (spec §8): over a window, as since start, its
    // success rate is under the default 95 %. The rate comes from the second scrape folded
    // against the first: with nothing folded there is no rate, and no finding.
    let mesh = Mesh::start();
    let (_, report, found) = check(&mesh, &["--window", "2s"]);
    let low = found.iter().find(|f| {
        f.category == "linkerd-traffic" && f.workloads.iter().any(|w| w.contains("voting"))
    });
    assert!(low.is_some(), "{report:#}");
    assert!(report.to_string().contains("success rate"), "{report:#}");
}
