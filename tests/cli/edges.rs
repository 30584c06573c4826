//! `edges` against the simulated mesh: the emojivoto graph of the simulator's traffic model, with
//! the identities and mTLS its proxies report, rates over a window, and the `notls` fault.

use crate::support::{Mesh, assert_close, run, success};
use linkerd_export_sim::{SimConfig, TrafficModel};
use serde_json::Value;

/// The identity the simulator gives an emojivoto workload (vote-bot runs as `default`).
fn identity(workload: &str) -> String {
    let account = if workload == "vote-bot" {
        "default"
    } else {
        workload
    };
    format!("{account}.emojivoto.serviceaccount.identity.linkerd.cluster.local")
}

/// Runs `edges -o json ARGS`: the exit code, the rows, and stderr.
fn json_rows(mesh: &Mesh, args: &[&str]) -> (i32, Vec<Value>, String) {
    let (code, out, err) = run(mesh.cmd().args(["edges", "-o", "json"]).args(args));
    let rows: Value = serde_json::from_str(&out)
        .unwrap_or_else(|e| panic!("edges -o json is not JSON ({e}): {out:?}\nstderr: {err}"));
    (
        code,
        rows.as_array().expect("an array of edges").clone(),
        err,
    )
}

/// The (src, dst) pairs of `rows`, in order.
fn pairs(rows: &[Value]) -> Vec<(String, String)> {
    rows.iter()
        .map(|r| {
            (
                r["src"].as_str().unwrap_or_default().to_string(),
                r["dst"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

/// The model's edges, sorted as `edges` sorts its rows.
fn model_pairs() -> Vec<(String, String)> {
    let mut edges: Vec<(String, String)> = TrafficModel::emojivoto()
        .edges
        .into_iter()
        .map(|e| (e.from, e.to))
        .collect();
    edges.sort();
    edges
}

#[test]
fn a_window_shows_the_emojivoto_graph_with_identities_and_rates() {
    let replicas = 2;
    let mesh = Mesh::with(SimConfig {
        replicas,
        ..SimConfig::default()
    });
    let (code, rows, err) = json_rows(&mesh, &["-n", "emojivoto", "--window", "3s"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(pairs(&rows), model_pairs());
    for edge in TrafficModel::emojivoto().edges {
        let row = rows
            .iter()
            .find(|r| r["src"] == edge.from.as_str() && r["dst"] == edge.to.as_str())
            .expect("edge");
        assert_eq!(row["src_ns"], "emojivoto");
        assert_eq!(row["dst_ns"], "emojivoto");
        assert_eq!(
            (&row["src_kind"], &row["dst_kind"]),
            (&"deployment".into(), &"deployment".into())
        );
        assert_eq!(row["client_id"], identity(&edge.from), "{row}");
        assert_eq!(row["server_id"], identity(&edge.to), "{row}");
        assert_eq!(row["secured"], "√");
        // One connection from each source pod to each destination pod.
        assert_eq!(row["connections"], f64::from(replicas * replicas));
        // Counts are whole numbers per pod and series, and the proxies count at their own clock
        // while rates use the client's scrape times (as for `stat`'s window test).
        let series = f64::from(replicas * replicas);
        assert_close(
            &format!("{} -> {} rps", edge.from, edge.to),
            row["rps"].as_f64().expect("rps"),
            edge.rps,
            series / 3.0 + edge.rps * 0.15,
        );
    }
}

#[test]
fn the_table_has_one_line_per_edge_and_one_scrape_has_no_rates() {
    let mesh = Mesh::start();
    let out = success(
        mesh.cmd()
            .args(["edges", "-n", "emojivoto", "--since-start"]),
    );
    let lines: Vec<Vec<&str>> = out
        .lines()
        .map(|l| l.split_whitespace().collect())
        .collect();
    assert_eq!(
        lines[0],
        [
            "SRC",
            "DST",
            "SRC_NS",
            "DST_NS",
            "CLIENT_ID",
            "SERVER_ID",
            "SECURED",
            "RPS",
            "TCP_CONN"
        ]
    );
    let rows: Vec<(String, String)> = lines[1..]
        .iter()
        .map(|cells| (cells[0].to_string(), cells[1].to_string()))
        .collect();
    assert_eq!(rows, model_pairs());
    for cells in &lines[1..] {
        let expected = [
            "emojivoto",
            "emojivoto",
            &identity(cells[0]),
            &identity(cells[1]),
            "√",
            "-",
            "1",
        ];
        assert_eq!(&cells[2..], &expected[..], "{out}");
    }
    let wide = success(mesh.cmd().args([
        "edges",
        "deploy/web",
        "-n",
        "emojivoto",
        "--since-start",
        "-o",
        "wide",
    ]));
    let header: Vec<&str> = wide
        .lines()
        .next()
        .unwrap_or_default()
        .split_whitespace()
        .collect();
    assert_eq!(&header[9..], ["REQUESTS", "TCP_OPENED", "TCP_CLOSED"]);
    // A target selects the sources: web's calls, and the calls into web of its unselected
    // caller, known by its identity's service account.
    let sources: Vec<&str> = wide
        .lines()
        .skip(1)
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    assert_eq!(sources, ["sa/default", "web", "web"], "{wide}");
}

#[test]
fn traffic_sent_without_mtls_shows_the_reason_and_no_identities() {
    let mesh = Mesh::with_faults(&["notls:web-*"]);
    let (code, rows, err) = json_rows(&mesh, &["-n", "emojivoto", "--since-start"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(pairs(&rows), model_pairs());
    for row in &rows {
        if row["src"] == "web" {
            assert_eq!(row["secured"], "not_provided_by_service_discovery", "{row}");
            assert_eq!(
                (&row["client_id"], &row["server_id"]),
                (&Value::Null, &Value::Null)
            );
        } else {
            assert_eq!(row["secured"], "√", "{row}");
            assert_eq!(row["server_id"], identity("web"));
        }
    }
}

#[test]
fn a_snapshot_file_gives_the_same_edges() {
    let mesh = Mesh::start();
    let file = mesh.snapshot("mesh.om", &["-n", "emojivoto"]);
    let (code, out, err) = run(mesh
        .cmd()
        .args(["edges", "-o", "json", "--from-file"])
        .arg(&file));
    assert_eq!(code, 0, "{err}");
    let rows: Vec<Value> = serde_json::from_str(&out).expect("json");
    assert_eq!(pairs(&rows), model_pairs());
    assert!(
        rows.iter()
            .all(|r| r["secured"] == "√" && r["rps"].is_null()),
        "{out}"
    );
    assert!(
        rows.iter().all(|r| r["requests"].as_f64() > Some(0.0)),
        "{out}"
    );
}

#[test]
fn an_unreachable_proxy_is_named_once_and_its_calls_are_seen_by_their_destinations() {
    let mesh = Mesh::with_faults(&["refuse:web-*"]);
    let (code, rows, err) = json_rows(&mesh, &["-n", "emojivoto", "--window", "1s"]);
    assert_eq!(code, 3, "partial: {err}");
    assert_eq!(err.matches("error: pod emojivoto/web-").count(), 1, "{err}");
    // web's own calls are seen by the proxies it calls, under the identity vote-bot called it at.
    assert_eq!(pairs(&rows), model_pairs());
    // Nobody reachable saw vote-bot's identity: it is not guessed.
    assert_eq!(rows[0]["client_id"], Value::Null);
    assert_eq!(rows[0]["server_id"], identity("web"));
    assert!(
        rows[1..].iter().all(|r| r["client_id"] == identity("web")),
        "{rows:#?}"
    );

    let (code, out, _) =
        run(mesh
            .cmd()
            .args(["edges", "deploy/web", "-n", "emojivoto", "--since-start"]));
    assert_eq!(code, 1, "every scrape failed");
    assert!(out.is_empty(), "{out}");
}

#[test]
fn a_destination_outside_the_mesh_is_an_unsecured_edge_without_identities() {
    let mesh = Mesh::with_faults(&["unmeshed:web-*"]);
    let (code, rows, err) = json_rows(&mesh, &["-n", "emojivoto", "--window", "3s"]);
    assert_eq!(code, 0, "{err}");
    let mut expected = model_pairs();
    expected.push(("web".into(), "legacy-app".into()));
    let mut found = pairs(&rows);
    found.sort();
    expected.sort();
    assert_eq!(found, expected);
    let legacy = rows
        .iter()
        .find(|r| r["dst"] == "legacy-app")
        .expect("the unmeshed edge");
    assert_eq!(
        (&legacy["src_ns"], &legacy["dst_ns"], &legacy["dst_kind"]),
        (&"emojivoto".into(), &"default".into(), &"deployment".into())
    );
    assert_eq!(legacy["secured"], "not_provided_by_service_discovery");
    assert_eq!(
        (&legacy["client_id"], &legacy["server_id"]),
        (&Value::Null, &Value::Null)
    );
    assert_eq!(legacy["connections"], 1.0);
    assert_close(
        "web -> legacy-app rps",
        legacy["rps"].as_f64().expect("rps"),
        linkerd_export_sim::mesh::UNMESHED_RPS,
        1.0 / 3.0 + linkerd_export_sim::mesh::UNMESHED_RPS * 0.15,
    );
    // The meshed edges keep their mTLS.
    assert!(
        rows.iter()
            .filter(|r| r["dst"] != "legacy-app")
            .all(|r| r["secured"] == "√"),
        "{rows:#?}"
    );
}
