//! `authz` against the simulated mesh: every inbound request of the default mesh is allowed by
//! the default policy, and the `deny` fault's denials show on the faulted workload's row at the
//! rate and share its traffic model implies — live, over a window, and from a saved snapshot.

use crate::support::{Mesh, assert_close, run};
use linkerd_export_sim::exposition::DENIED_SHARE;
use serde_json::Value;

const WORKLOADS: [&str; 3] = ["emoji", "voting", "web"];

/// Runs `authz -n emojivoto -o json ARGS`: the exit code and the rows.
fn authz_rows(mesh: &Mesh, args: &[&str]) -> (i32, Vec<Value>, String) {
    let (code, out, err) = run(mesh
        .cmd()
        .args(["authz", "-n", "emojivoto", "-o", "json"])
        .args(args));
    let rows: Vec<Value> = serde_json::from_str(&out)
        .unwrap_or_else(|e| panic!("authz -o json is not a JSON array ({e}): {out:?}\n{err}"));
    (code, rows, err)
}

fn row<'a>(rows: &'a [Value], workload: &str) -> &'a Value {
    let name = format!("deployment/{workload}");
    let found: Vec<&Value> = rows.iter().filter(|r| r["workload"] == name).collect();
    assert_eq!(found.len(), 1, "one row for {name}: {rows:#?}");
    found[0]
}

fn number(row: &Value, field: &str) -> f64 {
    row[field]
        .as_f64()
        .unwrap_or_else(|| panic!("{field} is not a number: {row:#}"))
}

#[test]
fn the_default_policy_allows_every_inbound_request() {
    let mesh = Mesh::start();
    let (code, rows, err) = authz_rows(&mesh, &["--since-start"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(rows.len(), WORKLOADS.len(), "{rows:#?}");
    for workload in WORKLOADS {
        let r = row(&rows, workload);
        let expected = mesh.expected(workload).rps;
        assert_eq!(r["protocol"], "http");
        assert_eq!(r["server"], "default/all-unauthenticated");
        assert_eq!(r["route"], "default/default");
        assert_close(
            &format!("{workload} allowed"),
            number(r, "allowed_per_sec"),
            expected,
            expected * 0.02,
        );
        assert_eq!(number(r, "denied_per_sec"), 0.0, "{r:#}");
        assert_eq!(number(r, "denied_share"), 0.0, "{r:#}");
        let by_authz = r["authorizations"].as_array().expect("authorizations");
        assert_eq!(by_authz.len(), 1, "{r:#}");
        assert_eq!(by_authz[0]["authorization"], "default/all-unauthenticated");
    }
}

#[test]
fn deny_shows_the_denied_rate_and_share_of_the_faulted_workload() {
    let mesh = Mesh::with_faults(&["deny:voting-*"]);
    let (code, rows, err) = authz_rows(&mesh, &["--since-start"]);
    assert_eq!(code, 0, "{err}");
    let voting = row(&rows, "voting");
    let rps = mesh.expected("voting").rps;
    assert_close(
        "voting denied",
        number(voting, "denied_per_sec"),
        rps * DENIED_SHARE,
        rps * DENIED_SHARE * 0.05,
    );
    assert_close(
        "voting denied share",
        number(voting, "denied_share"),
        DENIED_SHARE / (1.0 + DENIED_SHARE),
        0.005,
    );
    for workload in ["emoji", "web"] {
        assert_eq!(number(row(&rows, workload), "denied_per_sec"), 0.0);
    }

    // Denials keep coming: a window sees them too. At 0.5 denials per second, 3s always holds
    // at least one.
    let (code, windowed, err) = authz_rows(&mesh, &["--window", "3s"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        number(row(&windowed, "voting"), "denied") >= 1.0,
        "{windowed:#?}"
    );
    assert_eq!(number(row(&windowed, "web"), "denied"), 0.0);

    let (code, out, err) =
        run(mesh
            .cmd()
            .args(["authz", "deploy/voting", "-n", "emojivoto", "--since-start"]));
    assert_eq!(code, 0, "{err}");
    let lines: Vec<Vec<&str>> = out
        .lines()
        .map(|l| l.split_whitespace().collect())
        .collect();
    assert_eq!(
        lines[0],
        [
            "WORKLOAD",
            "SERVER",
            "ROUTE",
            "AUTHORIZATION",
            "ALLOWED_RPS",
            "DENIED_RPS",
            "DENIED"
        ]
    );
    assert_eq!(lines.len(), 2, "{out}");
    assert_eq!(
        lines[1][..4],
        [
            "deployment/voting",
            "default/all-unauthenticated",
            "default/default",
            "default/all-unauthenticated"
        ]
    );
    assert!(["9.08%", "9.09%", "9.10%"].contains(&lines[1][6]), "{out}");
}

#[test]
fn a_saved_snapshot_gives_the_live_denials() {
    let mesh = Mesh::with_faults(&["deny:voting-*"]);
    let snapshot = mesh.snapshot("mesh.om", &["-n", "emojivoto"]);
    let (code, out, err) = run(mesh
        .cmd()
        .args(["authz", "-o", "json", "--from-file"])
        .arg(&snapshot));
    assert_eq!(code, 0, "{err}");
    let rows: Vec<Value> = serde_json::from_str(&out).expect("JSON rows");
    let rps = mesh.expected("voting").rps;
    assert_close(
        "voting denied from the snapshot",
        number(row(&rows, "voting"), "denied_per_sec"),
        rps * DENIED_SHARE,
        rps * DENIED_SHARE * 0.05,
    );
    assert_eq!(number(row(&rows, "web"), "denied_per_sec"), 0.0);

    // Wide: the namespace, the protocol, each authorization's rate and the counts.
    let (code, out, err) = run(mesh
        .cmd()
        .args(["authz", "-o", "wide", "--from-file"])
        .arg(&snapshot));
    assert_eq!(code, 0, "{err}");
    let lines: Vec<Vec<&str>> = out
        .lines()
        .map(|l| l.split_whitespace().collect())
        .collect();
    assert_eq!(lines[0][..2], ["NAMESPACE", "PROTOCOL"]);
    assert_eq!(lines[0][9..], ["ALLOWED_TOTAL", "DENIED_TOTAL"]);
    let voting = lines
        .iter()
        .find(|l| l[2] == "deployment/voting")
        .unwrap_or_else(|| panic!("no voting row: {out}"));
    assert_eq!(voting[..2], ["emojivoto", "http"]);
    assert!(
        voting[5].starts_with("default/all-unauthenticated=") && voting[5].ends_with("rps"),
        "{out}"
    );
    let denied: f64 = voting[10].parse().expect("a count");
    assert!(denied >= 1.0, "{out}");
}

#[test]
fn an_unreachable_proxy_is_named_once_over_a_window() {
    let mesh = Mesh::with_faults(&["refuse:web-*"]);
    let (code, rows, err) = authz_rows(&mesh, &["--window", "1s"]);
    assert_eq!(code, 3, "partial: {err}");
    // Failed the first scrape, so it has no baseline: not scraped (nor named) a second time.
    assert_eq!(err.matches("error: pod emojivoto/web-").count(), 1, "{err}");
    assert!(
        rows.iter().all(|r| r["workload"] != "deployment/web"),
        "{rows:#?}"
    );
}
