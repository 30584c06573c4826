//! `routes` against the simulated mesh: each outbound route's and backend's numbers are the
//! simulator's traffic model (the route that retries, the one that times out, the split backend),
//! and the table draws a `└─` line per backend; `--from-file` reads a real proxy's families.

use crate::support;
use crate::support::{Mesh, assert_close, fixture, run};
use linkerd_export_sim::traffic::{Edge, TrafficModel};
use serde_json::Value;

/// Runs `routes ARGS -o json`: the rows.
fn rows(mesh: &Mesh, args: &[&str]) -> Vec<Value> {
    let (code, out, err) = run(mesh.cmd().arg("routes").args(args).args(["-o", "json"]));
    assert_eq!(code, 0, "stderr: {err}");
    serde_json::from_str::<Vec<Value>>(&out)
        .unwrap_or_else(|e| panic!("routes -o json is not a JSON array ({e}): {out:?}"))
}

fn edge<'m>(model: &'m TrafficModel, from: &str, to: &str) -> &'m Edge {
    model
        .edges
        .iter()
        .find(|e| e.from == from && e.to == to)
        .expect("an edge of the model")
}

fn num(v: &Value, field: &str) -> f64 {
    v[field]
        .as_f64()
        .unwrap_or_else(|| panic!("{field} is not a number in {v}"))
}

fn route<'r>(rows: &'r [Value], workload: &str, parent: &str) -> &'r Value {
    rows.iter()
        .find(|r| {
            r["direction"] == "outbound" && r["workload"] == workload && r["parent"] == parent
        })
        .unwrap_or_else(|| panic!("no outbound row {workload} → {parent} in {rows:?}"))
}

#[test]
fn outbound_routes_and_backends_follow_the_traffic_model() {
    let mesh = Mesh::start();
    let model = TrafficModel::emojivoto();
    let rows = rows(&mesh, &["-n", "emojivoto", "--window", "3s"]);
    // One request per series per 3 s window either way: rates within 0.75 rps, shares within
    // what one request in ~15 moves them.
    let (rps, share) = (0.75, 0.07);

    let bot = edge(&model, "vote-bot", "web");
    let r = route(&rows, "deployment/vote-bot", "web-svc:80");
    assert_eq!(
        (&r["route"], &r["kind"]),
        (&"http".into(), &"default".into())
    );
    assert_close("vote-bot → web rps", num(r, "rps"), bot.rps, rps);
    assert_close(
        "vote-bot → web success",
        num(r, "success"),
        1.0 - bot.failure,
        share,
    );
    assert!(bot.retries > 0.0, "the model has a route that retries");
    assert_close(
        "retries / (requests + retries)",
        num(r, "retries"),
        bot.retries / (1.0 + bot.retries),
        share,
    );
    assert_eq!(num(r, "timeouts"), 0.0);
    // Every response of the simulator is within the backend histogram's first bucket (25 ms):
    // the percentiles interpolate inside it, exact values.
    assert_close("p50", num(&r["latency_p50"], "ms"), 12.5, 1e-9);
    assert_eq!(r["latency_p99"]["above"], false);

    let voting = edge(&model, "web", "voting");
    let r = route(&rows, "deployment/web", "voting-svc:8080");
    assert!(
        voting.timeouts > 0.0,
        "the model has a route that times out"
    );
    assert_close(
        "web → voting timeouts",
        num(r, "timeouts"),
        voting.timeouts,
        share,
    );
    assert_close(
        "web → voting success",
        num(r, "success"),
        1.0 - voting.failure,
        share,
    );
    assert_eq!(num(r, "retries"), 0.0);
    let backends = r["backends"].as_array().expect("backends");
    assert_eq!(backends.len(), 1);
    assert_close(
        "backend timeouts",
        num(&backends[0], "timeouts"),
        voting.timeouts,
        share,
    );

    let emoji = edge(&model, "web", "emoji");
    let (canary, canary_share) = emoji.split.clone().expect("the model splits a route");
    let r = route(&rows, "deployment/web", "emoji-svc:8080");
    assert_close("web → emoji rps", num(r, "rps"), emoji.rps, rps);
    let backends: Vec<(String, f64)> = r["backends"]
        .as_array()
        .expect("backends")
        .iter()
        .map(|b| {
            (
                b["backend"].as_str().unwrap_or_default().to_string(),
                num(b, "rps"),
            )
        })
        .collect();
    assert_eq!(
        backends.iter().map(|(b, _)| b.as_str()).collect::<Vec<_>>(),
        [format!("{canary}:8080"), "emoji-svc:8080".to_string()]
    );
    assert_close("canary rps", backends[0].1, emoji.rps * canary_share, rps);
    assert_close(
        "emoji-svc rps",
        backends[1].1,
        emoji.rps * (1.0 - canary_share),
        rps,
    );

    let inbound: Vec<&str> = rows
        .iter()
        .filter(|r| r["direction"] == "inbound")
        .map(|r| r["workload"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(
        inbound,
        ["deployment/emoji", "deployment/voting", "deployment/web"]
    );
}

#[test]
fn the_table_draws_a_line_per_backend_under_its_route() {
    let mesh = Mesh::start();
    let (code, out, err) =
        run(mesh
            .cmd()
            .args(["routes", "deploy/web", "-n", "emojivoto", "--window", "1s"]));
    assert_eq!(code, 0, "stderr: {err}");
    let lines: Vec<&str> = out.lines().collect();
    assert!(lines[0].starts_with("NAME "), "{out}");
    for column in ["SERVICE", "ROUTE", "TIMEOUTS", "RETRIES"] {
        assert!(lines[0].contains(column), "{column} in {out}");
    }
    let at = lines
        .iter()
        .position(|l| l.contains("emoji-svc:8080") && l.contains("deployment/web"))
        .unwrap_or_else(|| panic!("no web → emoji route line: {out}"));
    assert!(
        lines[at + 1]
            .trim_start()
            .starts_with("└─ emoji-canary-svc:8080"),
        "{out}"
    );
    assert!(
        lines[at + 2].trim_start().starts_with("└─ emoji-svc:8080"),
        "{out}"
    );
}

#[test]
fn one_file_gives_counts_since_start_without_rates() {
    let (code, out, err) = run(support::bin().args([
        "routes",
        "--from-file",
        fixture("linkerd2-proxy__commit-3eab1e84e__outbound-route-backend-after.txt")
            .to_str()
            .expect("utf-8 path"),
        "-o",
        "json",
    ]));
    assert_eq!(code, 0, "stderr: {err}");
    let rows: Vec<Value> = serde_json::from_str(&out).expect("JSON");
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["parent"], "simple-app-v1:80");
    assert_eq!(rows[0]["requests"], 128.0);
    assert_eq!(rows[0]["rps"], Value::Null);
    assert_eq!(rows[0]["backends"][0]["backend"], "simple-app-v1:80");
}

#[test]
fn a_snapshot_gives_the_model_shares_exactly_from_counts_since_start() {
    let mesh = Mesh::start();
    let model = TrafficModel::emojivoto();
    let snap = mesh.snapshot("routes.om", &["-n", "emojivoto"]);
    let (code, out, err) = run(support::bin()
        .args(["routes", "-o", "json", "--from-file"])
        .arg(&snap));
    assert_eq!(code, 0, "stderr: {err}");
    let rows: Vec<Value> = serde_json::from_str(&out).expect("JSON");
    // Thousands of requests since each proxy started: shares within one request in 500.
    let tight = 0.002;

    let bot = edge(&model, "vote-bot", "web");
    let r = route(&rows, "deployment/vote-bot", "web-svc:80");
    let retries = bot.retries / (1.0 + bot.retries);
    assert_close("retries", num(r, "retries"), retries, tight);
    assert_close("success", num(r, "success"), 1.0 - bot.failure, tight);

    let voting = edge(&model, "web", "voting");
    let r = route(&rows, "deployment/web", "voting-svc:8080");
    assert_close("timeouts", num(r, "timeouts"), voting.timeouts, tight);
    assert_close("success", num(r, "success"), 1.0 - voting.failure, tight);

    let emoji = edge(&model, "web", "emoji");
    let (_, canary_share) = emoji.split.clone().expect("a split");
    let r = route(&rows, "deployment/web", "emoji-svc:8080");
    let canary = num(&r["backends"][0], "requests") / num(r, "requests");
    assert_close("canary share", canary, canary_share, tight);
}

#[test]
fn an_unreachable_proxy_is_named_once_over_a_window() {
    let mesh = Mesh::with_faults(&["refuse:web-*"]);
    let (code, out, err) =
        run(mesh
            .cmd()
            .args(["routes", "-n", "emojivoto", "--window", "1s", "-o", "json"]));
    assert_eq!(code, 3, "partial: {err}");
    // Failed the first scrape, so it has no baseline: not scraped (nor named) a second time.
    assert_eq!(err.matches("error: pod emojivoto/web-").count(), 1, "{err}");
    let rows: Vec<Value> = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out:?}"));
    assert!(!rows.is_empty(), "the other proxies' routes: {err}");
    assert!(
        rows.iter().all(|r| r["workload"] != "deployment/web"),
        "{out}"
    );
}
