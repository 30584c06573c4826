//! `prometheus-config`: promtool accepts a Prometheus configuration built from the static form;
//! the Kubernetes-SD form and the ServiceMonitor are checked field by field (Debian's promtool
//! is built without Kubernetes service discovery).

use std::process::Command;

use linkerd_export::render::prometheus_config::{ConfigFormat, ConfigRequest, render};
use serde_norway::Value;

fn rendered(format: ConfigFormat, namespace: &str, target: Option<&str>) -> String {
    render(&ConfigRequest {
        format,
        viz_namespace: namespace.into(),
        target: target.map(str::to_string),
    })
    .unwrap()
}

fn strings(value: &Value) -> Vec<&str> {
    value
        .as_sequence()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect()
}

const SELECTORS: [&str; 2] = [r#"{job="linkerd-proxy"}"#, r#"{job="linkerd-controller"}"#];

#[test]
fn promtool_accepts_a_config_built_from_the_static_form() {
    let dir = tempfile::tempdir().unwrap();
    for target in [
        "prometheus.example.com:9090",
        "https://viz-prometheus.example.com:443",
        "127.0.0.1:9191",
    ] {
        let entry = rendered(ConfigFormat::Static, "linkerd-viz", Some(target));
        let config = format!("global:\n  scrape_interval: 30s\nscrape_configs:\n{entry}");
        let path = dir.path().join("prometheus.yml");
        std::fs::write(&path, &config).unwrap();
        let output = Command::new("promtool")
            .arg("check")
            .arg("config")
            .arg(&path)
            .output()
            .expect("run promtool");
        assert!(
            output.status.success(),
            "promtool rejected:\n{config}\n{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }
}

#[test]
fn promtool_rejects_a_broken_config_so_the_check_above_means_something() {
    let dir = tempfile::tempdir().unwrap();
    let entry = rendered(ConfigFormat::Static, "linkerd-viz", Some("a:1"))
        .replace("honor_labels: true", "honor_labels: maybe");
    let path = dir.path().join("prometheus.yml");
    std::fs::write(&path, format!("scrape_configs:\n{entry}")).unwrap();
    let status = Command::new("promtool")
        .arg("check")
        .arg("config")
        .arg(&path)
        .output()
        .unwrap()
        .status;
    assert!(!status.success());
}

#[test]
fn static_form_fields() {
    let yaml = rendered(
        ConfigFormat::Static,
        "viz",
        Some("https://prom.example:8443"),
    );
    let jobs: Value = serde_norway::from_str(&yaml).unwrap();
    let job = &jobs[0];
    assert_eq!(job["job_name"], "linkerd");
    assert_eq!(
        strings(&job["static_configs"][0]["targets"]),
        ["prom.example:8443"]
    );
    assert_eq!(job["scheme"], "https");
    assert_eq!(job["honor_labels"], true);
    assert_eq!(job["metrics_path"], "/federate");
    assert_eq!(strings(&job["params"]["match[]"]), SELECTORS);
}

#[test]
fn kubernetes_sd_form_fields() {
    let yaml = rendered(ConfigFormat::ScrapeConfig, "my-viz", None);
    let jobs: Value = serde_norway::from_str(&yaml).unwrap();
    assert_eq!(jobs.as_sequence().unwrap().len(), 1);
    let job = &jobs[0];
    assert_eq!(job["job_name"], "linkerd");
    let sd = &job["kubernetes_sd_configs"][0];
    assert_eq!(sd["role"], "pod");
    assert_eq!(strings(&sd["namespaces"]["names"]), ["my-viz"]);
    let relabel = &job["relabel_configs"][0];
    assert_eq!(
        strings(&relabel["source_labels"]),
        ["__meta_kubernetes_pod_container_name"]
    );
    assert_eq!(relabel["action"], "keep");
    assert_eq!(relabel["regex"], "^prometheus$");
    assert_eq!(job["honor_labels"], true);
    assert_eq!(job["metrics_path"], "/federate");
    assert_eq!(strings(&job["params"]["match[]"]), SELECTORS);
}

#[test]
fn service_monitor_fields() {
    let yaml = rendered(ConfigFormat::ServiceMonitor, "my-viz", None);
    let monitor: Value = serde_norway::from_str(&yaml).unwrap();
    assert_eq!(monitor["apiVersion"], "monitoring.coreos.com/v1");
    assert_eq!(monitor["kind"], "ServiceMonitor");
    assert_eq!(monitor["metadata"]["name"], "linkerd-federate");
    assert_eq!(monitor["metadata"]["namespace"], "my-viz");
    assert_eq!(
        monitor["metadata"]["labels"]["k8s-app"],
        "linkerd-prometheus"
    );
    let spec = &monitor["spec"];
    assert_eq!(
        strings(&spec["namespaceSelector"]["matchNames"]),
        ["my-viz"]
    );
    assert_eq!(spec["selector"]["matchLabels"]["component"], "prometheus");
    assert_eq!(spec["jobLabel"], "app");
    let endpoint = &spec["endpoints"][0];
    assert_eq!(endpoint["interval"], "30s");
    assert_eq!(endpoint["scrapeTimeout"], "30s");
    assert_eq!(endpoint["path"], "/federate");
    assert_eq!(endpoint["port"], "admin-http");
    assert_eq!(endpoint["honorLabels"], true);
    assert_eq!(strings(&endpoint["params"]["match[]"]), SELECTORS);
    let relabel = &endpoint["relabelings"][0];
    assert_eq!(relabel["action"], "keep");
    assert_eq!(relabel["regex"], "^prometheus$");
    assert_eq!(
        strings(&relabel["sourceLabels"]),
        ["__meta_kubernetes_pod_container_name"]
    );
}
