//! The views on the `default` namespace's StatefulSet, DaemonSet and CronJob against the
//! simulated mesh: `stat`, `edges` and `routes` (gRPC failures, the ServiceProfile route) show
//! the numbers of the simulator's traffic model, and `stat --by route` is the `routes` view.

use crate::support::{Mesh, assert_close, run, success};
use linkerd_export_sim::traffic::{Edge, TrafficModel};
use serde_json::Value;

/// Runs the binary with `args` and `-o json`: the rows.
fn json_rows(mesh: &Mesh, args: &[&str]) -> Vec<Value> {
    let (code, out, err) = run(mesh.cmd().args(args).args(["-o", "json"]));
    assert_eq!(code, 0, "{args:?}: {err}");
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("{args:?}: not JSON ({e}): {out}"))
}

fn num(v: &Value, field: &str) -> f64 {
    v[field]
        .as_f64()
        .unwrap_or_else(|| panic!("{field} is not a number in {v:#}"))
}

fn find<'r>(rows: &'r [Value], what: &str, matches: impl Fn(&Value) -> bool) -> &'r Value {
    let found: Vec<&Value> = rows.iter().filter(|r| matches(r)).collect();
    assert_eq!(found.len(), 1, "one {what} in {rows:#?}");
    found[0]
}

fn edge(from: &str) -> Edge {
    TrafficModel::default_namespace()
        .edges
        .into_iter()
        .find(|e| e.from == from && e.to == "db")
        .expect("an edge of the default namespace's model")
}

fn identity(account: &str) -> String {
    format!("{account}.default.serviceaccount.identity.linkerd.cluster.local")
}

#[test]
fn stat_shows_what_the_daemonset_and_the_job_send_the_statefulset() {
    let mesh = Mesh::start();
    let expected = mesh
        .sim
        .expected_inbound("default", "db")
        .expect("db is called");
    let rows = json_rows(&mesh, &["stat", "sts/db", "-n", "default", "--since-start"]);
    let db = find(&rows, "db row", |r| r["workload"] == "statefulset/db");
    // Counts since proxy start (five minutes or more): rates within a request per uptime.
    assert_close("db rps", num(db, "rps"), expected.rps, 0.02);
    assert_close(
        "db success",
        num(db, "success_rate"),
        expected.success_rate,
        0.005,
    );
    assert_close(
        "db p50",
        num(db, "latency_p50_ms"),
        expected.latency.quantile(0.5),
        0.05,
    );

    let rows = json_rows(
        &mesh,
        &[
            "stat",
            "-n",
            "default",
            "--since-start",
            "--by",
            "direction",
        ],
    );
    for (workload, from) in [("daemonset/agent", "agent"), ("cronjob/nightly", "nightly")] {
        let out = find(&rows, workload, |r| {
            r["workload"] == workload && r["direction"] == "outbound"
        });
        let expected = mesh
            .sim
            .expected_outbound("default", from, "db")
            .expect("an edge");
        assert_close(workload, num(out, "rps"), expected.rps, 0.02);
        assert_close(
            workload,
            num(out, "success_rate"),
            expected.success_rate,
            0.005,
        );
    }
}

#[test]
fn edges_show_the_daemonset_and_the_job_calling_the_statefulset() {
    let mesh = Mesh::start();
    let rows = json_rows(&mesh, &["edges", "-n", "default", "--window", "3s"]);
    assert_eq!(rows.len(), 2, "{rows:#?}");
    for (kind, from) in [("daemonset", "agent"), ("cronjob", "nightly")] {
        let e = find(&rows, from, |r| r["src"] == from);
        assert_eq!(
            (&e["src_kind"], &e["dst"], &e["dst_kind"]),
            (&kind.into(), &"db".into(), &"statefulset".into()),
            "{e:#}"
        );
        assert_eq!(e["server_id"], identity("default"));
        assert_eq!(e["secured"], "√");
        // One request per 3 s window either way.
        assert_close(from, num(e, "rps"), edge(from).rps, 0.75);
    }

    // Only the StatefulSet selected: its callers come from its inbound series, by identity.
    let rows = json_rows(
        &mesh,
        &["edges", "sts/db", "-n", "default", "--window", "3s"],
    );
    assert_eq!(rows.len(), 2, "{rows:#?}");
    for from in ["agent", "nightly"] {
        let e = find(&rows, from, |r| r["src"] == from);
        assert_eq!(
            (&e["src_kind"], &e["src_ns"], &e["client_id"]),
            (
                &"serviceaccount".into(),
                &"default".into(),
                &identity(from).into()
            ),
            "{e:#}"
        );
        assert_eq!(
            (&e["dst"], &e["dst_kind"]),
            (&"db".into(), &"statefulset".into())
        );
        assert_close(from, num(e, "rps"), edge(from).rps, 0.75);
    }
    let table = success(
        mesh.cmd()
            .args(["edges", "sts/db", "-n", "default", "--since-start"]),
    );
    assert!(
        table.lines().any(|l| l.starts_with("sa/nightly ")),
        "{table}"
    );
}

#[test]
fn routes_count_grpc_failures_and_show_the_service_profile_route() {
    let mesh = Mesh::start();
    let file = mesh.snapshot("default.om", &["-n", "default"]);
    let file = file.to_str().expect("utf-8 path");
    // Counts since each proxy started: shares are exact within a request in thousands.
    let rows = json_rows(&mesh, &["routes", "--from-file", file]);
    let outbound = |workload: &str, kind: &str| {
        find(&rows, workload, |r| {
            r["workload"] == workload && r["direction"] == "outbound" && r["kind"] == kind
        })
    };
    let nightly = outbound("cronjob/nightly", "default");
    assert_eq!(
        (&nightly["protocol"], &nightly["parent"], &nightly["route"]),
        (&"grpc".into(), &"db-svc:8080".into(), &"grpc".into())
    );
    assert_close(
        "nightly's gRPC success",
        num(nightly, "success"),
        1.0 - edge("nightly").failure,
        0.005,
    );
    let agent = outbound("daemonset/agent", "default");
    assert_eq!(agent["protocol"], "http");
    assert_close(
        "agent's success",
        num(agent, "success"),
        1.0 - edge("agent").failure,
        0.005,
    );
    let profile = outbound("daemonset/agent", "ServiceProfile");
    assert_eq!(
        (&profile["parent"], &profile["route"]),
        (
            &"db-svc.default.svc.cluster.local:8080".into(),
            &"GET /health".into()
        )
    );
    assert_close(
        "profile route requests",
        num(profile, "requests"),
        num(agent, "requests"),
        1.0,
    );
    assert_close(
        "profile route success",
        num(profile, "success"),
        1.0 - edge("agent").failure,
        0.005,
    );
    for (protocol, from) in [("http", "agent"), ("grpc", "nightly")] {
        let inbound = find(&rows, protocol, |r| {
            r["workload"] == "statefulset/db"
                && r["direction"] == "inbound"
                && r["protocol"] == protocol
        });
        assert_close(
            &format!("db's inbound {protocol} success"),
            num(inbound, "success"),
            1.0 - edge(from).failure,
            0.005,
        );
    }

    // `stat --by route` is the same view, in every format.
    for output in ["json", "table", "wide"] {
        let routes = success(
            mesh.cmd()
                .args(["routes", "--from-file", file, "-o", output]),
        );
        let stat =
            success(
                mesh.cmd()
                    .args(["stat", "--by", "route", "--from-file", file, "-o", output]),
            );
        assert_eq!(stat, routes, "-o {output}");
    }
}

#[test]
fn route_rates_over_a_window_follow_the_traffic_model() {
    let mesh = Mesh::start();
    let rows = json_rows(&mesh, &["routes", "-n", "default", "--window", "3s"]);
    for (workload, kind, from) in [
        ("cronjob/nightly", "default", "nightly"),
        ("daemonset/agent", "default", "agent"),
        ("daemonset/agent", "ServiceProfile", "agent"),
    ] {
        let r = find(&rows, workload, |r| {
            r["workload"] == workload && r["direction"] == "outbound" && r["kind"] == kind
        });
        // One request per 3 s window either way.
        assert_close(
            &format!("{workload} {kind} rps"),
            num(r, "rps"),
            edge(from).rps,
            0.75,
        );
    }
    let live = json_rows(
        &mesh,
        &["stat", "--by", "route", "-n", "default", "--window", "3s"],
    );
    let keys = |rows: &[Value]| -> Vec<String> {
        rows.iter()
            .map(|r| {
                format!(
                    "{} {} {} {}",
                    r["workload"], r["direction"], r["parent"], r["route"]
                )
            })
            .collect()
    };
    assert_eq!(
        keys(&live),
        keys(&rows),
        "stat --by route is the routes view"
    );
}
