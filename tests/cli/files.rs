//! Reading metrics files (spec §7, §9): OpenMetrics timestamps are seconds, integer or not; an
//! OpenMetrics file cut short, an empty file and two files in the wrong order are reported by
//! `metrics`, `stat` and `diff`, not read as a silent subset; raw proxy text keeps working.

use std::path::{Path, PathBuf};

use crate::support::{Mesh, assert_close, bin, fixture, run};
use serde_json::Value;

/// An OpenMetrics exposition of one pod's inbound responses, `ok` of them, at `time` (written as
/// `time` says: integer seconds or with a fraction).
fn openmetrics(ok: u32, time: &str) -> String {
    format!(
        "# TYPE response counter
response_total{{namespace=\"emojivoto\",pod=\"web-1\",deployment=\"web\",direction=\"inbound\",authority=\"web:80\",classification=\"success\"}} {ok} {time}
# TYPE process_start_time_seconds gauge
process_start_time_seconds{{namespace=\"emojivoto\",pod=\"web-1\",deployment=\"web\"}} 1700000000 {time}
# EOF
"
    )
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

fn stat_rows(files: &[&Path]) -> (i32, Vec<Value>, String) {
    let mut cmd = bin();
    cmd.args(["stat", "-o", "json"]);
    for f in files {
        cmd.arg("--from-file").arg(f);
    }
    let (code, out, err) = run(&mut cmd);
    let rows = serde_json::from_str::<Value>(&out)
        .ok()
        .and_then(|v| v.as_array().cloned())
        .unwrap_or_default();
    (code, rows, err)
}

#[test]
fn openmetrics_integer_timestamps_are_seconds() {
    let dir = tempfile::tempdir().unwrap();
    for (first, second) in [
        ("1700000000", "1700000010"),
        ("1700000000.000", "1700000010.000"),
        ("1700000000", "1700000010.000"),
    ] {
        let a = write(dir.path(), "a.om", &openmetrics(100, first));
        let b = write(dir.path(), "b.om", &openmetrics(150, second));
        let (code, rows, err) = stat_rows(&[&a, &b]);
        assert_eq!(code, 0, "{err}");
        let rps = rows[0]["rps"]
            .as_f64()
            .unwrap_or_else(|| panic!("{rows:?}"));
        assert_close(&format!("rps from {first} to {second}"), rps, 5.0, 1e-9);
    }
    // Prometheus text: integer milliseconds.
    let text = |ok: u32, ms: u64| {
        openmetrics(ok, &ms.to_string())
            .replace("# EOF\n", "")
            .replace("# TYPE response counter", "# TYPE response_total counter")
    };
    let a = write(dir.path(), "a.prom", &text(100, 1_700_000_000_000));
    let b = write(dir.path(), "b.prom", &text(150, 1_700_000_010_000));
    let (code, rows, err) = stat_rows(&[&a, &b]);
    assert_eq!(code, 0, "{err}");
    assert_close("rps of Prometheus text", number(&rows[0], "rps"), 5.0, 1e-9);
}

fn number(row: &Value, field: &str) -> f64 {
    row[field]
        .as_f64()
        .unwrap_or_else(|| panic!("{field} missing in {row}"))
}

#[test]
fn a_snapshot_cut_short_is_an_error_naming_the_file() {
    let mesh = Mesh::start();
    let whole = mesh.snapshot("whole.om", &["-n", "emojivoto"]);
    let text = std::fs::read_to_string(&whole).unwrap();
    // Cut at a line end, as an interrupted copy leaves it: half the lines, no `# EOF`.
    let lines: Vec<&str> = text.lines().collect();
    let half = lines[..lines.len() / 2].join("\n") + "\n";
    let cut = write(mesh.dir(), "cut.om", &half);
    for args in [
        &["metrics", "--from-file"][..],
        &["metrics", "-o", "prom", "--from-file"],
        &["stat", "--from-file"],
        &["diff", "--from-file"],
    ] {
        let mut cmd = mesh.cmd();
        cmd.args(args).arg(&cut);
        if args[0] == "diff" {
            cmd.arg("--from-file").arg(&whole);
        }
        let (code, out, err) = run(&mut cmd);
        assert_eq!(code, 1, "{args:?}: {err}");
        assert!(out.is_empty(), "{args:?}: {out}");
        assert!(
            err.starts_with("error: ") && err.contains("cut.om") && err.contains("# EOF"),
            "{args:?}: {err}"
        );
    }
    // Without the info sample and with timestamps in seconds, a cut file still says OpenMetrics.
    let body: String = lines[..lines.len() / 2]
        .iter()
        .filter(|l| !l.contains("linkerd_export_snapshot"))
        .map(|l| format!("{l}\n"))
        .collect();
    let cut = write(mesh.dir(), "cut-no-info.om", &body);
    let (code, _, err) = run(mesh.cmd().args(["metrics", "--from-file"]).arg(&cut));
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("cut-no-info.om"), "{err}");
    // The whole snapshot reads.
    let (code, _, err) = run(mesh.cmd().args(["metrics", "--from-file"]).arg(&whole));
    assert_eq!(code, 0, "{err}");
}

#[test]
fn raw_proxy_text_without_eof_still_reads() {
    let raw = fixture("datadog__linkerd__tests__fixtures__linkerd_v2.txt");
    let (code, out, err) = run(bin()
        .args(["metrics", "-o", "prom", "--from-file"])
        .arg(&raw));
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("tcp_open_connections"), "{out}");
    let (code, _, err) = run(bin().args(["stat", "--from-file"]).arg(&raw));
    assert_eq!(code, 0, "{err}");
    // A proxy's excerpt with `# UNIT` lines and no `# EOF` is proxy text, not a cut file.
    let excerpt = fixture("linkerd2-proxy__commit-3eab1e84e__outbound-route-backend-after.txt");
    let (code, _, err) = run(bin().args(["metrics", "--from-file"]).arg(&excerpt));
    assert_eq!(code, 0, "{err}");
}

#[test]
fn a_file_without_metrics_is_an_error_for_every_reader() {
    let dir = tempfile::tempdir().unwrap();
    let empty = write(dir.path(), "empty.txt", "");
    let comments = write(dir.path(), "comments.txt", "# TYPE a counter\n\n");
    for file in [&empty, &comments] {
        for args in [
            &["metrics", "--from-file"][..],
            &["metrics", "-o", "json", "--from-file"],
            &["stat", "--from-file"],
        ] {
            let (code, out, err) = run(bin().args(args).arg(file));
            assert_eq!(code, 1, "{args:?} {file:?}: {err}");
            assert!(out.is_empty(), "{out}");
            assert!(
                err.contains("no metrics found") && err.contains(&*file.to_string_lossy()),
                "{args:?}: {err}"
            );
        }
    }
}

#[test]
fn two_files_in_the_wrong_order_are_reported() {
    let dir = tempfile::tempdir().unwrap();
    let older = write(dir.path(), "older.om", &openmetrics(100, "1700000000"));
    let newer = write(dir.path(), "newer.om", &openmetrics(150, "1700000010"));
    let (code, rows, err) = stat_rows(&[&newer, &older]);
    assert_eq!(code, 2, "{rows:?} {err}");
    assert!(
        err.contains("older.om was scraped before") && err.contains("older file first"),
        "{err}"
    );
    let (code, _, err) = stat_rows(&[&older, &older]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("at the same time"), "{err}");
    let (code, _, err) = run(bin()
        .args(["top", "--from-file"])
        .arg(&newer)
        .arg("--from-file")
        .arg(&older));
    assert_eq!(code, 2, "{err}");
}
