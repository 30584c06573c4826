//! `export --remote-write` through the built binary: a real Prometheus stores every scraped
//! sample with its target labels, a receiver that rejects the push is an error naming it,
//! credentials and headers reach the receiver but never an error message, and `--every` pushes
//! rounds until Ctrl-C.

use crate::support::scripted_http;

use std::time::Duration;

use crate::support::process::Running;
use crate::support::prometheus::Prometheus;
use crate::support::{Mesh, samples_sent, stderr};
use scripted_http::Reply;

const LIMIT: Duration = Duration::from_secs(60);

/// `export TARGET -n emojivoto --remote-write URL`, to add flags to.
fn export_to(mesh: &Mesh, target: &str, url: &str) -> assert_cmd::Command {
    let mut command = mesh.cmd();
    command.args(["export", target, "-n", "emojivoto", "--remote-write", url]);
    command
}

#[test]
fn remote_write_stores_every_scraped_sample_with_target_labels() {
    let mesh = Mesh::still();
    let expected = mesh.prom_samples(&["deploy", "-n", "emojivoto"]).len();
    let prometheus = Prometheus::start("");
    let url = format!("{}/api/v1/write", prometheus.url());
    let output = export_to(&mesh, "deploy", &url)
        .args(["--batch-size", "500"])
        .output()
        .unwrap();
    let err = stderr(&output);
    assert_eq!(output.status.code(), Some(0), "{err}");
    let sent = samples_sent(&err, &url);
    assert_eq!(sent, expected, "{err}");
    assert!(
        err.contains(&format!("in {} requests", sent.div_ceil(500))),
        "{err}"
    );

    let stored = prometheus.query_until(r#"{namespace="emojivoto"}"#, LIMIT, |r| r.len() == sent);
    assert_eq!(stored.len(), sent);
    let web = prometheus.query(r#"request_total{deployment="web"}"#, None);
    assert!(!web.is_empty());
    for series in &web {
        let pod = series["metric"]["pod"].as_str().unwrap();
        assert!(pod.starts_with("web-"), "{series}");
        assert_eq!(series["metric"]["job"], "linkerd-proxy", "{series}");
        assert_eq!(series["metric"]["app"], "web-svc", "{series}");
        assert_eq!(series["metric"]["control_plane_ns"], "linkerd", "{series}");
        assert!(
            series["metric"]["instance"]
                .as_str()
                .is_some_and(|i| i.ends_with(":4191")),
            "{series}"
        );
    }
}

#[test]
fn a_rejecting_receiver_is_an_error_naming_url_and_status() {
    let mesh = Mesh::still();
    let prometheus = Prometheus::start_with("", false);
    let url = format!("{}/api/v1/write", prometheus.url());
    let output = export_to(&mesh, "deploy/web", &url).output().unwrap();
    let err = stderr(&output);
    assert_eq!(output.status.code(), Some(1), "{err}");
    assert!(
        err.starts_with(&format!("error: {url} answered HTTP 404")),
        "{err}"
    );
    assert!(err.contains("--web.enable-remote-write-receiver"), "{err}");
    assert!(err.contains("0 samples accepted before that"), "{err}");
}

#[test]
fn credentials_and_headers_reach_the_receiver_and_stay_out_of_errors() {
    let mesh = Mesh::still();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let server = runtime.block_on(scripted_http::start(
        vec![Reply::new(401, "invalid token")],
        None,
    ));
    let url = format!("http://{}/api/v1/write", server.addr);
    let token = mesh.dir().join("token");
    std::fs::write(&token, "s3cret-token\n").unwrap();
    let output = export_to(&mesh, "deploy/web", &url)
        .arg("--bearer-token-file")
        .arg(&token)
        .args(["--header", "X-Scope-OrgID: team-a"])
        .output()
        .unwrap();
    let err = stderr(&output);
    assert_eq!(output.status.code(), Some(1), "{err}");
    assert!(err.contains("answered HTTP 401"), "{err}");
    assert!(err.contains("invalid token"), "{err}");
    assert!(!err.contains("s3cret"), "{err}");
    let received = server.received.lock().unwrap();
    assert_eq!(received.len(), 1, "a 401 is not retried");
    assert_eq!(received[0].headers["authorization"], "Bearer s3cret-token");
    assert_eq!(received[0].headers["x-scope-orgid"], "team-a");
    assert_eq!(received[0].headers["content-encoding"], "snappy");
}

#[test]
fn every_pushes_rounds_until_ctrl_c_then_sums_them_up() {
    let mesh = Mesh::still();
    let prometheus = Prometheus::start("");
    let url = format!("{}/api/v1/write", prometheus.url());
    let mut command = mesh.process();
    command
        .args(["export", "deploy/web", "-n", "emojivoto"])
        .args(["--remote-write", &url, "--every", "200ms"]);
    let mut export = Running::spawn(command);
    export.until("round 2 sent", |l| l.starts_with("round 2: sent "));
    let (code, lines) = export.interrupt();
    assert_eq!(code, 0, "{lines:?}");
    let last = lines.last().unwrap();
    assert!(
        last.starts_with("interrupted") && last.contains(&format!("to {url} over ")),
        "{last}"
    );
    let up = prometheus.query(
        r#"count_over_time(request_total{deployment="web"}[5m])"#,
        None,
    );
    assert!(!up.is_empty());
    for series in &up {
        let rounds: f64 = series["value"][1].as_str().unwrap().parse().unwrap();
        assert!(rounds >= 2.0, "{series}");
    }
}
