//! `authz` on the simulated `default` namespace: the StatefulSet `db`'s server authorizes and
//! denies TCP connections and finds no route for some requests, at the rates of the
//! simulator's traffic model, next to its allowed HTTP requests.

use crate::support::{Mesh, assert_close, run};
use linkerd_export_sim::traffic::TrafficModel;
use serde_json::Value;

fn number(row: &Value, field: &str) -> f64 {
    row[field]
        .as_f64()
        .unwrap_or_else(|| panic!("{field} is not a number: {row:#}"))
}

#[test]
fn tcp_denials_and_requests_without_a_route_show_on_the_statefulset() {
    let mesh = Mesh::start();
    let model = TrafficModel::default_namespace();
    let policy = model
        .policy
        .iter()
        .find(|p| p.workload == "db")
        .expect("db's policy traffic");
    let (code, out, err) = run(mesh.cmd().args([
        "authz",
        "sts/db",
        "-n",
        "default",
        "--since-start",
        "-o",
        "json",
    ]));
    assert_eq!(code, 0, "{err}");
    let rows: Vec<Value> = serde_json::from_str(&out).expect("json");
    assert_eq!(rows.len(), 3, "{rows:#?}");
    let row = |protocol: &str, route: Value| {
        rows.iter()
            .find(|r| r["protocol"] == protocol && r["route"] == route)
            .unwrap_or_else(|| panic!("no {protocol} row for route {route}: {rows:#?}"))
    };
    assert!(
        rows.iter()
            .all(|r| r["workload"] == "statefulset/db"
                && r["server"] == "default/all-unauthenticated"),
        "{rows:#?}"
    );
    // Counts since proxy start (five minutes or more): rates within a request per uptime.
    let tcp = row("tcp", Value::Null);
    assert_close(
        "tcp allowed",
        number(tcp, "allowed_per_sec"),
        policy.tcp_allowed,
        0.01,
    );
    assert_close(
        "tcp denied",
        number(tcp, "denied_per_sec"),
        policy.tcp_denied,
        0.01,
    );
    assert_close(
        "tcp denied share",
        number(tcp, "denied_share"),
        policy.tcp_denied / (policy.tcp_allowed + policy.tcp_denied),
        0.01,
    );
    assert_eq!(
        tcp["authorizations"][0]["authorization"],
        "default/all-unauthenticated"
    );

    let not_found = row("http", Value::Null);
    assert_close(
        "no route",
        number(not_found, "denied_per_sec"),
        policy.route_not_found,
        0.01,
    );
    assert_eq!(number(not_found, "denied_share"), 1.0);

    let allowed = row("http", "default/default".into());
    let rps: f64 = model.edges.iter().map(|e| e.rps).sum();
    assert_close(
        "http allowed",
        number(allowed, "allowed_per_sec"),
        rps,
        0.02,
    );
    assert_eq!(number(allowed, "denied_per_sec"), 0.0);
}
