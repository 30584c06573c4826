//! `--source prometheus` through the built binary: `metrics`, `export`, `snapshot`, `stat` and
//! `diff` read through the simulated linkerd-viz Prometheus, or an `export --serve` given as a
//! URL, and get what the proxies serve; a source that cannot be reached is an error naming it.

use crate::support::{Mesh, prometheus, stderr, success, with_sorted_labels};

use super::serve::serve;

/// The sample lines of `metrics -o prom` with `args`, each with its labels sorted by name (a
/// series is its label set, whatever order a writer put them in), sorted.
fn samples_by_label_set(mesh: &Mesh, args: &[&str]) -> Vec<String> {
    let mut lines: Vec<String> = mesh
        .prom_samples(args)
        .iter()
        .map(|line| with_sorted_labels(line))
        .collect();
    lines.sort();
    lines
}

#[test]
fn source_prometheus_reads_what_the_proxies_serve() {
    let mesh = Mesh::still();
    let scope = ["deploy/web", "-n", "emojivoto"];
    let direct = samples_by_label_set(&mesh, &scope);
    assert!(!direct.is_empty());
    let through_viz =
        samples_by_label_set(&mesh, &[&scope[..], &["--source", "prometheus"]].concat());
    assert_eq!(through_viz, direct, "the simulated linkerd-viz Prometheus");

    // `export --serve` answers /federate like a Prometheus does: a URL source to read from.
    let served = serve(&mesh, &["-n", "emojivoto"]);
    let source = format!("prometheus=http://{}", served.addr);
    let through_url = samples_by_label_set(&mesh, &[&scope[..], &["--source", &source]].concat());
    assert_eq!(through_url, direct, "a Prometheus URL");

    let file = mesh.dir().join("federated.om");
    let output = mesh
        .cmd()
        .args(["export", "-n", "emojivoto", "--source", "prometheus", "-O"])
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    prometheus::backfill(&file, &mesh.dir().join("blocks"));
    let text = success(mesh.cmd().args([
        "snapshot",
        "deploy/web",
        "-n",
        "emojivoto",
        "--source",
        &source,
        "-O",
        "-",
    ]));
    assert!(
        text.contains(&format!(r#"source="http://{}/federate?"#, served.addr)),
        "{text}"
    );
    assert!(text.ends_with("# EOF\n"));
}

#[test]
fn an_unreachable_prometheus_source_is_an_error_naming_it() {
    let mesh = Mesh::still();
    let output = mesh
        .cmd()
        .args([
            "metrics",
            "-n",
            "emojivoto",
            "--source",
            "prometheus=http://127.0.0.1:1",
        ])
        .output()
        .unwrap();
    let err = stderr(&output);
    assert_eq!(output.status.code(), Some(1), "{err}");
    assert!(
        err.starts_with("error: cannot reach http://127.0.0.1:1/federate?"),
        "{err}"
    );
    let output = mesh
        .cmd()
        .args([
            "export",
            "--source",
            "prometheus",
            "-l",
            "app=web",
            "-O",
            "-",
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
}

/// `(workload, requests, success rate, p50)` per row of `stat -o json` with `args`.
fn stat_rows(mesh: &Mesh, args: &[&str]) -> Vec<(String, String, String, String)> {
    let output = success(mesh.cmd().args(["stat", "-o", "json"]).args(args));
    let rows: Vec<serde_json::Value> = serde_json::from_str(&output).unwrap();
    rows.iter()
        .map(|row| {
            (
                row["workload"].to_string(),
                row["requests"].to_string(),
                row["success_rate"].to_string(),
                row["latency_p50_ms"].to_string(),
            )
        })
        .collect()
}

#[test]
fn stat_and_diff_read_through_the_viz_prometheus() {
    let mesh = Mesh::still();
    let scope = ["deploy", "-n", "emojivoto", "--since-start"];
    let direct = stat_rows(&mesh, &scope);
    assert_eq!(direct.len(), 4, "{direct:?}");
    let through_viz = stat_rows(&mesh, &[&scope[..], &["--source", "prometheus"]].concat());
    assert_eq!(through_viz, direct);

    let output = success(
        mesh.cmd()
            .args([
                "diff",
                "deploy/web",
                "-n",
                "emojivoto",
                "--interval",
                "10ms",
            ])
            .args([
                "--source",
                "prometheus",
                "-o",
                "json",
                "-m",
                "request_total",
            ]),
    );
    let diff: serde_json::Value = serde_json::from_str(&output).unwrap();
    assert_eq!(diff["old"]["proxies"], 1, "{diff}");
    assert_eq!(diff["new"]["proxies"], 1, "{diff}");
}
