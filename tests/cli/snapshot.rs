//! `snapshot` and the output formats against the simulated mesh and the real `promtool`: the
//! snapshot file (spec §7), reading it back with `--from-file`, `promtool tsdb
//! create-blocks-from openmetrics` on it, and `promtool check metrics` on `-o prom`.

use std::path::Path;

use crate::support::prometheus::promtool;
use crate::support::{Mesh, assert_close, fixture, run, with_sorted_labels};
use linkerd_export_sim::{Fault, SimConfig};
use serde_json::Value;

/// `promtool check metrics` findings that come from the proxies' own metric names, which we
/// pass through unchanged: Linkerd's latency histograms are in milliseconds, named `_ms`.
const ACCEPTED_LINT: &[&str] = &[
    "response_latency_ms metric names should not contain abbreviated units",
    "control_response_latency_ms metric names should not contain abbreviated units",
    "route_response_latency_ms metric names should not contain abbreviated units",
];

fn sample_lines(text: &str) -> impl Iterator<Item = &str> {
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
}

#[test]
fn snapshot_file_has_target_labels_timestamps_info_and_eof() {
    let mesh = Mesh::start();
    let path = mesh.path("emojivoto.om");
    let (code, out, err) = run(mesh
        .cmd()
        .args(["snapshot", "deploy", "-n", "emojivoto", "-O"])
        .arg(&path));
    assert_eq!(code, 0, "{err}");
    assert!(out.is_empty(), "data goes to the file: {out}");
    assert!(err.contains("saved "), "{err}");
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.ends_with("# EOF\n"));
    let info = text
        .lines()
        .find(|l| l.starts_with("linkerd_export_snapshot_info{"))
        .expect("info family");
    assert!(info.contains("context=\"sim\""), "{info}");
    assert!(info.contains("targets=\"deploy\""), "{info}");
    assert!(info.contains("scope=\"emojivoto\""), "{info}");
    assert!(info.contains(&format!("version=\"{}\"", env!("CARGO_PKG_VERSION"))));
    for line in text.lines().filter(|l| l.starts_with('#')) {
        let word = line.split(' ').nth(1).unwrap_or("");
        assert!(
            ["HELP", "TYPE", "UNIT", "EOF"].contains(&word),
            "free comment: {line}"
        );
    }
    let mut pods = std::collections::BTreeSet::new();
    for line in sample_lines(&text) {
        let (_, tail) = line.rsplit_once("} ").unwrap_or(("", line));
        let fields: Vec<&str> = tail.split(' ').collect();
        assert_eq!(fields.len(), 2, "value and timestamp: {line}");
        let (secs, millis) = fields[1].split_once('.').expect("seconds.millis");
        assert!(secs.len() >= 10 && millis.len() == 3, "{line}");
        if let Some(pod) = line.split("pod=\"").nth(1) {
            pods.insert(pod.split('"').next().unwrap().to_string());
        }
    }
    assert_eq!(pods.len(), 4, "one pod per emojivoto deployment: {pods:?}");
    assert!(text.contains("deployment=\"voting\""));
}

#[test]
fn promtool_backfills_a_snapshot() {
    let mesh = Mesh::start();
    let path = mesh.path("all.om");
    let (code, _, err) = run(mesh.cmd().args(["snapshot", "-A", "-O"]).arg(&path));
    assert_eq!(code, 0, "{err}");
    let data = mesh.path("tsdb");
    let (status, text) = promtool(
        &[
            "tsdb",
            "create-blocks-from",
            "openmetrics",
            path.to_str().unwrap(),
            data.to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(status, 0, "promtool rejected the snapshot: {text}");
    let blocks: Vec<_> = std::fs::read_dir(&data)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("meta.json").is_file())
        .collect();
    assert_eq!(blocks.len(), 1, "{text}");
    let meta: Value =
        serde_json::from_str(&std::fs::read_to_string(blocks[0].join("meta.json")).unwrap())
            .unwrap();
    let samples = meta["stats"]["numSamples"].as_u64().unwrap();
    let written = sample_lines(&std::fs::read_to_string(&path).unwrap()).count() as u64;
    assert_eq!(samples, written, "every sample imported");
}

#[test]
fn promtool_accepts_prom_output_except_proxy_metric_names() {
    let mesh = Mesh::start();
    let (code, out, err) = run(mesh.cmd().args(["metrics", "-A", "-o", "prom"]));
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("pod=\""), "target labels added");
    let (status, findings) = promtool(&["check", "metrics"], Some(&out));
    let unexpected: Vec<&str> = findings
        .lines()
        .filter(|l| !l.trim().is_empty() && !ACCEPTED_LINT.contains(&l.trim()))
        .collect();
    assert!(unexpected.is_empty(), "promtool findings: {unexpected:#?}");
    // 0 without findings, 3 for lint findings only; parse errors would be 1.
    assert!(
        status == 0 || status == 3,
        "promtool exit {status}: {findings}"
    );
}

#[test]
fn snapshot_to_stdout_reads_back_as_every_format() {
    let mesh = Mesh::start();
    let (code, snapshot, err) = run(mesh.cmd().args([
        "snapshot",
        "deploy/web",
        "-n",
        "emojivoto",
        "-O",
        "-",
        "-m",
        "response_total",
    ]));
    assert_eq!(code, 0, "{err}");
    assert!(snapshot.ends_with("# EOF\n"));
    assert!(
        sample_lines(&snapshot)
            .all(|l| l.starts_with("response_total")
                || l.starts_with("linkerd_export_snapshot_info"))
    );
    let path = mesh.path("web.om");
    std::fs::write(&path, &snapshot).unwrap();

    let (code, prom, err) = run(mesh
        .cmd()
        .args(["metrics", "-o", "prom", "--from-file"])
        .arg(&path));
    assert_eq!(code, 0, "{err}");
    assert!(
        !prom.contains("linkerd_export_snapshot"),
        "the info family is lifted out: {prom}"
    );
    assert!(prom.contains("# TYPE response_total counter"));
    assert!(
        sample_lines(&prom).all(|l| l.contains("namespace=\"emojivoto\",pod=\"web-")
            && l.contains("deployment=\"web\"")),
        "{prom}"
    );

    let (code, json, err) = run(mesh
        .cmd()
        .args(["metrics", "-o", "json", "--from-file"])
        .arg(&path));
    assert_eq!(code, 0, "{err}");
    let families: Value = serde_json::from_str(&json).unwrap();
    let metric = &families[0]["metrics"][0];
    assert_eq!(families[0]["name"], "response_total");
    assert_eq!(metric["labels"]["deployment"], "web");

    // A snapshot of the snapshot: the same samples and times. Filtered, it has no
    // `process_start_time_seconds` to tell the pod labels apart, so they may come back in
    // another order.
    let (code, again, err) = run(mesh
        .cmd()
        .args(["snapshot", "-O", "-", "--from-file"])
        .arg(&path));
    assert_eq!(code, 0, "{err}");
    let data = |t: &str| -> Vec<String> {
        sample_lines(t)
            .filter(|l| !l.starts_with("linkerd_export_snapshot_info"))
            .map(with_sorted_labels)
            .collect()
    };
    assert_eq!(data(&again), data(&snapshot));
}

#[test]
fn raw_dumps_become_snapshots_promtool_accepts() {
    let mesh = Mesh::start();
    let raw = fixture("linkerd2__testutil__prommatch__testdata__sampleMetrics.txt");
    let out_path = mesh.path("raw.om");
    let (code, _, err) = run(mesh
        .cmd()
        .args(["snapshot", "-O"])
        .arg(&out_path)
        .arg("--from-file")
        .arg(&raw));
    assert_eq!(code, 0, "{err}");
    let text = std::fs::read_to_string(&out_path).unwrap();
    assert!(text.contains("from_file=\""), "{}", &text[..300]);
    assert!(
        sample_lines(&text).all(|l| l.rsplit(' ').next().unwrap().contains('.')),
        "timestamps"
    );
    let data = mesh.path("raw-tsdb");
    let (status, findings) = promtool(
        &[
            "tsdb",
            "create-blocks-from",
            "openmetrics",
            out_path.to_str().unwrap(),
            data.to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(status, 0, "{findings}");
}

#[test]
fn partial_snapshots_keep_what_answered_and_exit_3() {
    let mesh = Mesh::with(SimConfig {
        faults: vec!["garbage:voting-*".parse::<Fault>().unwrap()],
        ..SimConfig::default()
    });
    let path = mesh.path("partial.om");
    let (code, _, err) = run(mesh
        .cmd()
        .args(["snapshot", "-n", "emojivoto", "-O"])
        .arg(&path));
    assert_eq!(code, 3, "{err}");
    assert!(err.contains("error: pod emojivoto/voting-"), "{err}");
    let text = std::fs::read_to_string(&path).unwrap();
    let target = |pod: &str| format!(",namespace=\"emojivoto\",pod=\"{pod}-");
    assert!(text.contains(&target("web")) && !text.contains(&target("voting")));
    // Nothing to save is an error and leaves no file.
    let nothing = mesh.path("nothing.om");
    let (code, _, err) = run(mesh
        .cmd()
        .args(["snapshot", "deploy/voting", "-n", "emojivoto", "-O"])
        .arg(&nothing));
    assert_eq!(code, 1, "{err}");
    assert!(!nothing.exists());
}

#[test]
fn stat_from_one_or_two_snapshots() {
    let mesh = Mesh::start();
    let take = |name: &str| {
        let path = mesh.path(name);
        let (code, _, err) = run(mesh
            .cmd()
            .args(["snapshot", "-n", "emojivoto", "-O"])
            .arg(&path));
        assert_eq!(code, 0, "{err}");
        path
    };
    let before = take("before.om");
    wait_past_scrape_of(&before, 2.0);
    let after = take("after.om");
    let stat = |files: &[&Path]| -> Vec<Value> {
        let mut cmd = mesh.cmd();
        cmd.args(["stat", "-o", "json"]);
        for f in files {
            cmd.arg("--from-file").arg(f);
        }
        let (code, out, err) = run(&mut cmd);
        assert_eq!(code, 0, "{err}");
        serde_json::from_str::<Value>(&out)
            .unwrap()
            .as_array()
            .unwrap()
            .clone()
    };
    let web = |rows: &[Value]| {
        rows.iter()
            .find(|r| r["workload"] == "deployment/web")
            .cloned()
            .expect("web row")
    };
    let expected = mesh.expected("web");
    let since_start = web(&stat(&[&before]));
    assert_close(
        "web rps since start",
        since_start["rps"].as_f64().unwrap(),
        expected.rps,
        expected.rps * 0.02,
    );
    assert_close(
        "web success since start",
        since_start["success_rate"].as_f64().unwrap(),
        expected.success_rate,
        0.005,
    );
    let window = web(&stat(&[&before, &after]));
    assert_close(
        "web rps between snapshots",
        window["rps"].as_f64().unwrap(),
        expected.rps,
        2.5,
    );
    assert_eq!(window["meshed_pods"], 1);
}

/// Blocks until at least `secs` seconds have passed since the snapshot's scrape time (polling
/// the clock, not sleeping a fixed time).
fn wait_past_scrape_of(path: &Path, secs: f64) {
    let text = std::fs::read_to_string(path).unwrap();
    let info = text
        .lines()
        .find(|l| l.starts_with("linkerd_export_snapshot_info"))
        .unwrap();
    let scraped: f64 = info.rsplit(' ').next().unwrap().parse().unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs_f64();
        if now - scraped >= secs {
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "clock did not advance"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

#[test]
fn a_snapshot_written_over_a_private_file_stays_private() {
    use std::os::unix::fs::PermissionsExt;
    let mesh = Mesh::start();
    let path = mesh.path("private.om");
    std::fs::write(&path, "old\n").unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    let (code, _, err) = run(mesh
        .cmd()
        .args(["snapshot", "deploy/web", "-n", "emojivoto", "-O"])
        .arg(&path));
    assert_eq!(code, 0, "{err}");
    let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "mode {mode:o}");
    assert!(std::fs::read_to_string(&path).unwrap().ends_with("# EOF\n"));
}
