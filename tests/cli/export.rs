//! `export` and `prometheus-config` driven through the built binary against the simulated mesh.
//! Here, what Prometheus' own tools are handed: a backfill file and a generated configuration, both
//! checked by promtool, and the usage errors that exit 2. The children: `remote_write` (pushing into
//! a real Prometheus), `victoria` (into a real VictoriaMetrics), `serve` (scraped by one), `source`
//! (reading from one), `duplicates`, `outage` and `target_labels`.

mod duplicates;
mod outage;
mod remote_write;
mod serve;
mod source;
mod target_labels;
mod victoria;

use std::process::Command;

use crate::support::{BIN, Mesh, prometheus, stderr, stdout, success};

#[test]
fn backfill_file_is_accepted_by_promtool() {
    let mesh = Mesh::still();
    let file = mesh.dir().join("linkerd.om");
    let output = mesh
        .cmd()
        .args(["export", "-n", "emojivoto", "-o", "openmetrics", "-O"])
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(text.ends_with("# EOF\n"));
    assert!(
        text.contains("linkerd_export_snapshot_info{"),
        "the info family"
    );
    let blocks = mesh.dir().join("blocks");
    prometheus::backfill(&file, &blocks);
    assert!(std::fs::read_dir(&blocks).unwrap().next().is_some());
}

#[test]
fn prometheus_config_detects_the_viz_namespace() {
    let mesh = Mesh::start();
    let output = mesh.cmd().arg("prometheus-config").output().unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let yaml: serde_norway::Value = serde_norway::from_str(&stdout(&output)).unwrap();
    let job = &yaml[0];
    assert_eq!(job["metrics_path"], "/federate");
    assert_eq!(
        job["kubernetes_sd_configs"][0]["namespaces"]["names"][0],
        "linkerd-viz"
    );

    let output = success(
        mesh.cmd()
            .args(["prometheus-config", "--format", "service-monitor"]),
    );
    let monitor: serde_norway::Value = serde_norway::from_str(&output).unwrap();
    assert_eq!(monitor["kind"], "ServiceMonitor");
    assert_eq!(monitor["metadata"]["namespace"], "linkerd-viz");
    assert_eq!(monitor["spec"]["endpoints"][0]["path"], "/federate");
}

#[test]
fn static_prometheus_config_passes_promtool() {
    let dir = tempfile::tempdir().unwrap();
    let output = Command::new(BIN)
        .args(["prometheus-config", "--viz-namespace", "linkerd-viz"])
        .args(["--format", "static", "--target", "127.0.0.1:9090"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let config = dir.path().join("prometheus.yml");
    std::fs::write(&config, format!("scrape_configs:\n{}", stdout(&output))).unwrap();
    let check = Command::new("promtool")
        .args(["check", "config"])
        .arg(&config)
        .output()
        .unwrap();
    assert!(
        check.status.success(),
        "{}{}",
        String::from_utf8_lossy(&check.stdout),
        String::from_utf8_lossy(&check.stderr)
    );
}

#[test]
fn usage_errors_exit_2() {
    let cases: [&[&str]; 9] = [
        &["metrics", "--source", "prom"],
        &[
            "export",
            "-O",
            "-",
            "--source",
            "prometheus=",
            "--from-file",
            "x.om",
        ],
        &["export", "deploy/web"],
        &["export", "--serve", ":0", "--bearer-token", "t"],
        &[
            "export",
            "--remote-write",
            "http://127.0.0.1:1/w",
            "-o",
            "openmetrics",
        ],
        &["export", "--serve", "127.0.0.1:0", "-O", "out.om"],
        &[
            "export",
            "--remote-write",
            "http://127.0.0.1:1/w",
            "--serve",
            ":0",
        ],
        &["export", "-O", "out.om", "--every", "10s"],
        &["prometheus-config", "--format", "static"],
    ];
    for args in cases {
        let output = Command::new(BIN).args(args).output().unwrap();
        assert_eq!(
            output.status.code(),
            Some(2),
            "{args:?}: {}",
            stderr(&output)
        );
    }
    let output = Command::new(BIN)
        .args([
            "prometheus-config",
            "--viz-namespace",
            "v",
            "--target",
            "h:1",
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(stderr(&output).contains("only used with --format static"));
}
